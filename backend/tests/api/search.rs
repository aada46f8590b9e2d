//! Full-text search over the public record, on both databases: what an observer finds, what
//! they must never find, filters, hostile input, and the same answers from SQLite and
//! PostgreSQL. The fixture writes the record the way the transcript, report and outcome
//! modules do (rows in the 0007 tables), then asks the index to catch up, as they do.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp};

both!(
    search_finds_a_passage_an_outcome_a_description_and_an_answered_question_with_highlights,
    unpublished_withdrawn_and_draft_material_is_never_found,
    filters_narrow_the_results,
    hostile_queries_get_results_or_a_clear_400_never_a_500,
    a_meetings_decisions_are_found_once_its_minutes_are_approved,
    an_edited_session_is_found_by_its_new_words_at_once,
);

/// What [`archive_fixture`] made.
pub struct Fixture {
    pub event_id: i64,
    pub type_id: i64,
    /// A scheduled session with a published transcript, a submitted report, outcomes and an
    /// answered question.
    pub public: i64,
    pub draft: i64,
    /// A session whose transcript is raw and whose report is a draft.
    pub raw: i64,
    pub withdrawn: i64,
    pub raw_transcript: i64,
    /// Action items: AI-1 is advanced by the takeaway, AI-2 proposed by the call to action.
    pub item: i64,
    pub other_item: i64,
    /// The published segment about grooming detection (cited by the takeaway).
    pub grooming_segment: i64,
    pub takeaway: i64,
    pub answered_question: i64,
}

/// A cell the plan export must neutralise (an action item's owner in the fixture).
pub const FORMULA: &str = "=cmd|' /C calc'!A0";

async fn insert_id(app: &TestApp, sql: &str, binds: Vec<Value>) -> i64 {
    let mut q = sqlx::query_scalar::<_, i64>(sql);
    for b in binds {
        q = match b {
            Value::Null => q.bind(None::<i64>),
            Value::Number(n) => q.bind(n.as_i64().expect("an integer")),
            Value::String(s) => q.bind(s),
            other => panic!("unsupported bind {other}"),
        };
    }
    q.fetch_one(&app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn exec(app: &TestApp, sql: &str, binds: Vec<Value>) {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = match b {
            Value::Null => q.bind(None::<i64>),
            Value::Number(n) => q.bind(n.as_i64().expect("an integer")),
            Value::String(s) => q.bind(s),
            other => panic!("unsupported bind {other}"),
        };
    }
    q.execute(&app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A segment of a transcript: (speaker, kind, text).
async fn segment(app: &TestApp, transcript: i64, position: i64, speaker: &str, text: &str) -> i64 {
    let kind = if speaker.is_empty() {
        "stage_note"
    } else {
        "speech"
    };
    insert_id(
        app,
        "insert into transcript_segment (transcript_id, position, speaker, kind, source, text, created_at) \
         values ($1, $2, $3, $4, 'imported', $5, 1750000000) returning segment_id",
        vec![
            json!(transcript),
            json!(position),
            json!(speaker),
            json!(kind),
            json!(text),
        ],
    )
    .await
}

async fn transcript(app: &TestApp, session: i64, status: &str) -> i64 {
    let published = if status == "published" {
        json!(1750000000)
    } else {
        Value::Null
    };
    insert_id(
        app,
        "insert into transcript (session_id, language, source, status, published_at, created_at, updated_at) \
         values ($1, 'en', 'igf_html', $2, $3, 1750000000, 1750000000) returning transcript_id",
        vec![json!(session), json!(status), published],
    )
    .await
}

async fn outcome(app: &TestApp, session: i64, kind: &str, position: i64, text: &str) -> i64 {
    insert_id(
        app,
        "insert into outcome (kind, session_id, position, text, created_at, updated_at) \
         values ($1, $2, $3, $4, 1750000000, 1750000000) returning outcome_id",
        vec![json!(kind), json!(session), json!(position), json!(text)],
    )
    .await
}

/// Builds a small public record beside material that must stay private, then rebuilds the
/// search index.
pub async fn archive_fixture(app: &TestApp) -> Fixture {
    let org = app.organizer().await;
    let prog = app.programme(&org).await;
    let mut ids = Vec::new();
    for (number, title, start, description, status) in [
        (
            1,
            "Age assurance without surveillance",
            "2025-06-24 09:00",
            "How platforms can verify a user's age without collecting more data about children.",
            "scheduled",
        ),
        (
            2,
            "Zebra draft",
            "2025-06-24 10:30",
            "zebradraftword is only in a draft session",
            "draft",
        ),
        (
            3,
            "Raw session",
            "2025-06-24 12:00",
            "A session whose record is still being written.",
            "scheduled",
        ),
        (
            4,
            "Withdrawn session",
            "2025-06-25 09:00",
            "A session whose transcript was withdrawn.",
            "scheduled",
        ),
    ] {
        let mut body = prog.session(number, title, start, 60);
        body["description"] = json!(description);
        body["status"] = json!(status);
        if number == 1 {
            body["policy_questions"] = json!(["What should regulators require of platforms?"]);
            body["roles"] = json!([{"person_id": prog.people[0], "role": "speaker"},
                                   {"person_id": prog.people[1], "role": "onsite_moderator"}]);
        }
        let saved = org
            .post_json(&prog.sessions_url(), &body)
            .await
            .expect_status(StatusCode::CREATED);
        ids.push(
            saved.body["session"]["session_id"]
                .as_i64()
                .expect("session_id"),
        );
    }
    let (public, draft, raw, withdrawn) = (ids[0], ids[1], ids[2], ids[3]);
    let event_id = insert_id(
        app,
        "select event_id from event where slug = $1",
        vec![json!(prog.slug)],
    )
    .await;

    let coalition = insert_id(
        app,
        "insert into coalition (slug, name, acronym, created_at) \
         values ('dc-test', 'Test Coalition', 'DC-T', 1) returning coalition_id",
        vec![],
    )
    .await;
    let plan = insert_id(
        app,
        "insert into action_plan (coalition_id, title, aim, period_label, starts_on, ends_on) \
         values ($1, 'Test plan', 'Keep children safe online.', '2025', '2025-01-01', '2025-12-31') \
         returning action_plan_id",
        vec![json!(coalition)],
    )
    .await;
    let item = insert_id(
        app,
        "insert into action_item (action_plan_id, position, code, text, owner) \
         values ($1, 1, 'AI-1', 'Exchange best practices between regions', 'Secretariat') \
         returning action_item_id",
        vec![json!(plan)],
    )
    .await;
    let other_item = insert_id(
        app,
        "insert into action_item (action_plan_id, position, code, text, owner) \
         values ($1, 2, 'AI-2', 'Circulate resources such as codes of conduct', $2) \
         returning action_item_id",
        vec![json!(plan), json!(FORMULA)],
    )
    .await;
    exec(
        app,
        "insert into action_item_update (action_item_id, on_date, status, progress, note, evidence_url, created_at) \
         values ($1, '2025-07-01', 'in_progress', 40, $2, 'https://example.org/evidence', 1)",
        vec![json!(other_item), json!("+SUM(1,2) shared at the IGF")],
    )
    .await;

    // The public session: a published transcript with one redacted e-mail address.
    let t = transcript(app, public, "published").await;
    segment(
        app,
        t,
        1,
        "MODERATOR",
        "Welcome to the session on age assurance.",
    )
    .await;
    let grooming_segment = segment(
        app,
        t,
        2,
        "MARIA",
        "Grooming detection must work alongside end-to-end encryption.",
    )
    .await;
    segment(app, t, 3, "", "(Applause)").await;
    let mail_text = "Write to me at kwame.demo@example.org for the slides.";
    let mail = segment(app, t, 4, "JOHN", mail_text).await;
    let start = mail_text.find("kwame").expect("the address") as i64;
    let end = start + "kwame.demo@example.org".len() as i64;
    exec(
        app,
        "insert into transcript_redaction (segment_id, start_char, end_char, reason, created_at) \
         values ($1, $2, $3, 'personal_data', 1)",
        vec![json!(mail), json!(start), json!(end)],
    )
    .await;
    segment(
        app,
        t,
        5,
        "AMINA",
        "<script>alert(1)</script> is not how we protect children.",
    )
    .await;
    exec(
        app,
        "insert into session_report (session_id, summary, onsite_participants, online_participants, \
         women_speakers, gender_discussed, status, submitted_at, updated_at) \
         values ($1, 'The session compared age assurance methods.', 40, 25, 2, 1, 'submitted', 1750000000, 1750000000)",
        vec![json!(public)],
    )
    .await;
    let takeaway = outcome(
        app,
        public,
        "key_takeaway",
        1,
        "Digital literacy programmes need stable funding from governments.",
    )
    .await;
    let call = outcome(
        app,
        public,
        "call_to_action",
        2,
        "Platforms should publish their age assurance audits.",
    )
    .await;
    for (o, i, relation) in [(takeaway, item, "advances"), (call, other_item, "proposes")] {
        exec(
            app,
            "insert into outcome_action_item (outcome_id, action_item_id, relation, created_at) \
             values ($1, $2, $3, 1)",
            vec![json!(o), json!(i), json!(relation)],
        )
        .await;
    }
    exec(
        app,
        "insert into outcome_segment (outcome_id, segment_id) values ($1, $2)",
        vec![json!(takeaway), json!(grooming_segment)],
    )
    .await;
    let answered_question = insert_id(
        app,
        "insert into archived_question (session_id, question_id, text, votes, status, asked_at, archived_at) \
         values ($1, 9001, 'Will young people co-write the coalition''s next report?', 3, 'answered', 1750750000, 1750760000) \
         returning archived_question_id",
        vec![json!(public)],
    )
    .await;
    exec(
        app,
        "insert into archived_question (session_id, question_id, text, votes, status, asked_at, archived_at) \
         values ($1, 9002, 'unansweredword stays off the record', 0, 'unanswered', 1750750000, 1750760000)",
        vec![json!(public)],
    )
    .await;
    exec(
        app,
        "insert into outcome_question (outcome_id, archived_question_id) values ($1, $2)",
        vec![json!(takeaway), json!(answered_question)],
    )
    .await;

    // Private material: a raw transcript, a draft report with an outcome, a withdrawn
    // transcript, a draft session.
    let raw_transcript = transcript(app, raw, "raw").await;
    segment(
        app,
        raw_transcript,
        1,
        "SPEAKER",
        "unpublishedword was said here",
    )
    .await;
    exec(
        app,
        "insert into session_report (session_id, summary, status, updated_at) \
         values ($1, 'draftsummaryword', 'draft', 1)",
        vec![json!(raw)],
    )
    .await;
    let draft_outcome = outcome(app, raw, "key_takeaway", 1, "draftoutcomeword conclusion").await;
    exec(
        app,
        "insert into outcome_action_item (outcome_id, action_item_id, relation, created_at) \
         values ($1, $2, 'advances', 1)",
        vec![json!(draft_outcome), json!(item)],
    )
    .await;
    let w = transcript(app, withdrawn, "withdrawn").await;
    segment(app, w, 1, "SPEAKER", "withdrawnword was said here").await;

    plenary::archive::search::rebuild(&app.db)
        .await
        .expect("the index rebuilds");
    Fixture {
        event_id,
        type_id: prog.session_type_id,
        public,
        draft,
        raw,
        withdrawn,
        raw_transcript,
        item,
        other_item,
        grooming_segment,
        takeaway,
        answered_question,
    }
}

/// `GET /api/search?{query}` as the public, expecting 200.
async fn search(app: &TestApp, query: &str) -> Value {
    app.anonymous()
        .get(&format!("/api/search?{query}"))
        .await
        .expect_status(StatusCode::OK)
        .body
}

fn q(text: &str) -> String {
    format!("q={}", urlencode(text))
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The words a hit's snippet marks.
fn marked(hit: &Value) -> Vec<String> {
    hit["snippet"]
        .as_array()
        .expect("a snippet")
        .iter()
        .filter(|p| p["mark"] == true)
        .map(|p| p["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn kinds(found: &Value) -> Vec<String> {
    found["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|h| h["kind"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn search_finds_a_passage_an_outcome_a_description_and_an_answered_question_with_highlights(
    app: TestApp,
) {
    let f = archive_fixture(&app).await;

    let found = search(&app, &q("grooming encryption")).await;
    assert_eq!(found["total"], 1, "{found}");
    let hit = &found["items"][0];
    assert_eq!(hit["kind"], "transcript_segment");
    assert_eq!(
        hit["url"],
        format!("/archive/sessions/{}#seg-{}", f.public, f.grooming_segment)
    );
    assert_eq!(marked(hit), vec!["Grooming", "encryption"]);
    assert!(hit["title"].as_str().unwrap().contains("MARIA"), "{hit}");
    // The passage is cited by an outcome that advances AI-1.
    assert_eq!(hit["action_items"][0]["code"], "AI-1");

    let found = search(&app, &q("literacy funding")).await;
    assert_eq!(kinds(&found), vec!["outcome"]);
    assert_eq!(
        found["items"][0]["url"],
        format!("/archive/sessions/{}#outcome-{}", f.public, f.takeaway)
    );
    assert_eq!(marked(&found["items"][0]), vec!["literacy", "funding"]);

    // A phrase from the description; accents and case do not matter.
    let found = search(&app, &q("\"VÉRIFY a user's age\"")).await;
    assert_eq!(kinds(&found), vec!["session"], "{found}");
    assert_eq!(
        found["items"][0]["url"],
        format!("/archive/sessions/{}", f.public)
    );
    assert_eq!(
        marked(&found["items"][0]),
        vec!["verify", "a", "user", "s", "age"]
    );
    // The last word matches as a prefix while typing.
    let found = search(&app, &q("regulat")).await;
    assert_eq!(kinds(&found), vec!["session"], "{found}");
    assert_eq!(marked(&found["items"][0]), vec!["regulators"]);

    let found = search(&app, &q("young people co-write")).await;
    assert_eq!(kinds(&found), vec!["question"], "{found}");
    assert_eq!(
        found["items"][0]["url"],
        format!(
            "/archive/sessions/{}#question-{}",
            f.public, f.answered_question
        )
    );
    assert_eq!(
        marked(&found["items"][0]),
        vec!["young", "people", "co", "write"]
    );

    // Every document of a session carries its title, so words of the title find them all,
    // each once, with the title's words marked.
    let found = search(&app, &q("age assurance")).await;
    let got: BTreeSet<String> = kinds(&found).into_iter().collect();
    assert_eq!(
        got,
        ["outcome", "question", "session", "transcript_segment"]
            .map(String::from)
            .into()
    );
    assert_eq!(
        found["total"], 9,
        "the session, five passages, two outcomes, a question"
    );
    for hit in found["items"].as_array().unwrap() {
        let title_marks: Vec<&str> = hit["title_highlighted"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["mark"] == true)
            .map(|p| p["text"].as_str().unwrap())
            .collect();
        assert_eq!(title_marks, vec!["Age", "assurance"], "{hit}");
    }
}

async fn unpublished_withdrawn_and_draft_material_is_never_found(app: TestApp) {
    let f = archive_fixture(&app).await;
    for word in [
        "unpublishedword",
        "withdrawnword",
        "draftoutcomeword",
        "draftsummaryword",
        "unansweredword",
        "zebradraftword",
        "zebra",
        // Redacted before publication.
        "kwame",
        "example.org",
    ] {
        let found = search(&app, &q(word)).await;
        assert_eq!(found["total"], 0, "{word} must not be found: {found}");
    }
    // The redaction marker is what the public passage holds.
    let found = search(&app, &q("slides")).await;
    let text: String = found["items"][0]["snippet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["text"].as_str().unwrap_or_default())
        .collect();
    assert!(text.contains("[redacted]"), "{text}");

    // Publishing the raw transcript makes it findable; withdrawing it hides it again.
    sqlx::query(
        "update transcript set status = 'published', published_at = 1 where transcript_id = $1",
    )
    .bind(f.raw_transcript)
    .execute(&app.db.pool)
    .await
    .unwrap();
    plenary::archive::search::reindex_session(&app.db, f.raw)
        .await
        .unwrap();
    assert_eq!(search(&app, &q("unpublishedword")).await["total"], 1);
    // Its draft report's outcome still is not.
    assert_eq!(search(&app, &q("draftoutcomeword")).await["total"], 0);
    sqlx::query("update transcript set status = 'withdrawn' where transcript_id = $1")
        .bind(f.raw_transcript)
        .execute(&app.db.pool)
        .await
        .unwrap();
    plenary::archive::search::reindex_session(&app.db, f.raw)
        .await
        .unwrap();
    assert_eq!(search(&app, &q("unpublishedword")).await["total"], 0);

    // A session made a draft or cancelled leaves the index whole.
    sqlx::query("update session set status = 'cancelled' where session_id = $1")
        .bind(f.public)
        .execute(&app.db.pool)
        .await
        .unwrap();
    plenary::archive::search::reindex_session(&app.db, f.public)
        .await
        .unwrap();
    assert_eq!(search(&app, &q("grooming")).await["total"], 0);
    assert_eq!(search(&app, &q("age")).await["total"], 0);
    let _ = (f.draft, f.withdrawn);
}

async fn filters_narrow_the_results(app: TestApp) {
    let f = archive_fixture(&app).await;
    // "age" is in the session's title, which every one of its nine documents carries.
    let all = search(&app, &q("age")).await["total"].as_i64().unwrap();
    assert_eq!(all, 9);

    let only = |kind: &str| format!("{}&kind={kind}", q("age"));
    assert_eq!(
        kinds(&search(&app, &only("session")).await),
        vec!["session"]
    );
    assert_eq!(search(&app, &only("outcome")).await["total"], 2);
    assert_eq!(search(&app, &only("question")).await["total"], 1);

    // By action item: AI-1's takeaway, the passage and question it came from, the session.
    let by_item = search(&app, &format!("{}&action_item_id={}", q("age"), f.item)).await;
    let got: BTreeSet<String> = kinds(&by_item).into_iter().collect();
    assert_eq!(
        got,
        ["outcome", "question", "session", "transcript_segment"]
            .map(String::from)
            .into(),
        "{by_item}"
    );
    assert_eq!(by_item["total"], 4, "{by_item}");
    // AI-2's call to action and the session.
    let by_item = search(
        &app,
        &format!("{}&action_item_id={}", q("age"), f.other_item),
    )
    .await;
    let got: BTreeSet<String> = kinds(&by_item).into_iter().collect();
    assert_eq!(
        got,
        ["outcome", "session"].map(String::from).into(),
        "{by_item}"
    );

    let event = format!("{}&event_id={}", q("age"), f.event_id);
    assert_eq!(search(&app, &event).await["total"], all);
    let other_event = format!("{}&event_id={}", q("age"), f.event_id + 1000);
    assert_eq!(search(&app, &other_event).await["total"], 0);
    let by_type = format!("{}&session_type_id={}", q("age"), f.type_id);
    assert_eq!(search(&app, &by_type).await["total"], all);
    assert_eq!(
        search(
            &app,
            &format!("{}&session_type_id={}", q("age"), f.type_id + 1000)
        )
        .await["total"],
        0
    );

    // The sessions were on 24 June 2025 (Oslo); the answered question was asked 24 June.
    let day = format!("{}&from=2025-06-24&to=2025-06-24", q("age"));
    assert_eq!(search(&app, &day).await["total"], all);
    let later = format!("{}&from=2025-06-25", q("age"));
    assert_eq!(search(&app, &later).await["total"], 0);
    let earlier = format!("{}&to=2025-06-23", q("age"));
    assert_eq!(search(&app, &earlier).await["total"], 0);

    // Pages of one.
    let first = search(&app, &format!("{}&per_page=1", q("age"))).await;
    let second = search(&app, &format!("{}&per_page=1&page=2", q("age"))).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    assert_eq!(first["total"], all);
    assert_ne!(first["items"][0]["url"], second["items"][0]["url"]);
}

async fn hostile_queries_get_results_or_a_clear_400_never_a_500(app: TestApp) {
    archive_fixture(&app).await;
    let long = "a".repeat(10_000);
    // As many as a URL holds (about 4 KiB of them is plenty past the 500-character limit).
    let emoji = "🙂".repeat(3_000);
    let many = "word ".repeat(30);
    let hostile: Vec<&str> = vec![
        "\"",
        "\"\"",
        "AND(",
        "age AND(",
        "NEAR(age assurance, 2)",
        "age OR grooming NOT encryption",
        "*",
        "age*",
        "^age",
        "title_terms:age",
        "{age assurance}",
        "'; drop table session; --",
        "' or 1=1 --",
        "age\\",
        "\"unclosed phrase age",
        "a\u{0}b",
        "\u{202e}age",
        "%",
        "age & grooming | !x <-> y:*",
        &long,
        &emoji,
        &many,
    ];
    for text in hostile {
        let reply = app
            .anonymous()
            .get(&format!("/api/search?{}", q(text)))
            .await;
        match reply.status {
            StatusCode::OK => assert!(reply.body["items"].is_array(), "{}", reply.text),
            StatusCode::BAD_REQUEST => {
                assert_eq!(reply.body["error"], "bad_request", "{}", reply.text);
                assert!(
                    !reply.body["message"]
                        .as_str()
                        .unwrap_or_default()
                        .is_empty()
                );
            }
            other => panic!(
                "{:?} answered {other}: {}",
                text.chars().take(40).collect::<String>(),
                reply.text
            ),
        }
    }
    // The tables are still there, and the words still found.
    assert_eq!(search(&app, &q("grooming")).await["total"], 1);
    // No query at all, and bad filters, say what is wrong.
    app.anonymous()
        .get("/api/search")
        .await
        .expect_error(StatusCode::BAD_REQUEST, "bad_request");
    for bad in [
        "q=age&event_id=abc",
        "q=age&from=2025-13-01",
        "q=age&per_page=1000",
        "q=age&page=0",
        "q=age&kind=everything",
        "q=age&from=2025-07-01&to=2025-06-01",
    ] {
        app.anonymous()
            .get(&format!("/api/search?{bad}"))
            .await
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    }
}

/// The same record on SQLite and on PostgreSQL answers every query with the same documents.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_query_finds_the_same_documents_on_sqlite_and_postgresql() {
    let Some(sqlite) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let Some(postgres) = TestApp::spawn(Backend::Postgres).await else {
        sqlite.teardown().await;
        return;
    };
    let both = [sqlite.clone(), postgres.clone()];
    let outcome = tokio::spawn(async move {
        for app in &both {
            archive_fixture(app).await;
        }
        let queries = [
            "age",
            "age assurance",
            "\"age assurance\"",
            "\"assurance age\"",
            "Grooming",
            "gro",
            "children",
            "child",
            "co-write",
            "coalition's",
            "redacted",
            "ÉNCRYPTION",
            "end to end",
            "script alert",
            "platforms should",
            "1",
            "the",
            "\"",
            "nothing-here-at-all",
        ];
        for text in queries {
            let mut sets = Vec::new();
            for app in &both {
                let reply = app
                    .anonymous()
                    .get(&format!("/api/search?{}&per_page=50", q(text)))
                    .await;
                let set: BTreeSet<String> = reply.body["items"]
                    .as_array()
                    .map(|items| {
                        items
                            .iter()
                            .map(|h| {
                                let snippet: String = h["snippet"]
                                    .as_array()
                                    .unwrap()
                                    .iter()
                                    .map(|p| {
                                        let t = p["text"].as_str().unwrap_or_default();
                                        if p["mark"] == true {
                                            format!("[{t}]")
                                        } else {
                                            t.to_string()
                                        }
                                    })
                                    .collect();
                                format!("{} {} {} {}", h["kind"], h["url"], h["title"], snippet)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                sets.push((reply.status, reply.body["total"].clone(), set));
            }
            assert_eq!(
                sets[0], sets[1],
                "{text:?} differs between SQLite and PostgreSQL"
            );
        }
    })
    .await;
    sqlite.teardown().await;
    postgres.teardown().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

async fn a_meetings_decisions_are_found_once_its_minutes_are_approved(app: TestApp) {
    let f = archive_fixture(&app).await;
    let series = insert_id(
        &app,
        "insert into meeting_series (slug, title, time_zone, first_start_local, duration_minutes, rrule, created_at) \
         values ('monthly-call', 'Monthly call', 'Europe/Zurich', '2025-01-09T14:00:00', 60, 'FREQ=MONTHLY;BYDAY=2TH', 1) \
         returning series_id",
        vec![],
    )
    .await;
    // 13 March 2025, 14:00 in Zurich.
    let meeting = insert_id(
        &app,
        "insert into meeting (series_id, original_start) values ($1, 1741870800) returning meeting_id",
        vec![json!(series)],
    )
    .await;
    let minutes = insert_id(
        &app,
        "insert into minutes (meeting_id, version, status, content, created_at, updated_at) \
         values ($1, 1, 'draft', '{}', 1, 1) returning minutes_id",
        vec![json!(meeting)],
    )
    .await;
    let decision = insert_id(
        &app,
        "insert into outcome (kind, meeting_id, position, text, created_at, updated_at) \
         values ('decision', $1, 1, 'The coalition adopts the position paper on grooming.', 1, 1) \
         returning outcome_id",
        vec![json!(meeting)],
    )
    .await;
    exec(
        &app,
        "insert into outcome_action_item (outcome_id, action_item_id, relation, created_at) \
         values ($1, $2, 'completes', 1)",
        vec![json!(decision), json!(f.other_item)],
    )
    .await;
    plenary::archive::search::reindex_meeting(&app.db, meeting)
        .await
        .unwrap();
    assert_eq!(
        search(&app, &q("position paper")).await["total"],
        0,
        "draft minutes"
    );

    exec(
        &app,
        "update minutes set status = 'approved', approved_at = 1 where minutes_id = $1",
        vec![json!(minutes)],
    )
    .await;
    plenary::archive::search::reindex_meeting(&app.db, meeting)
        .await
        .unwrap();
    let found = search(&app, &q("position paper")).await;
    assert_eq!(kinds(&found), vec!["outcome"], "{found}");
    let hit = &found["items"][0];
    assert_eq!(hit["url"], "/meetings/monthly-call/2025-03-13");
    assert_eq!(hit["meeting_id"], meeting);
    assert_eq!(hit["title"], "Monthly call — 2025-03-13");
    assert_eq!(hit["action_items"][0]["code"], "AI-2");
    // Meetings belong to no event: an event filter leaves them out.
    let in_event = search(
        &app,
        &format!("{}&event_id={}", q("position paper"), f.event_id),
    )
    .await;
    assert_eq!(in_event["total"], 0);
    // The plan export lists the decision as AI-2's evidence, linked to the meeting's page.
    let plan = app
        .anonymous()
        .get("/api/archive/plan")
        .await
        .expect_status(StatusCode::OK)
        .body;
    let evidence = plan["plans"][0]["items"][1]["evidence"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        evidence.iter().any(|e| e["relation"] == "completes"
            && e["url"]
                .as_str()
                .unwrap()
                .ends_with("/meetings/monthly-call/2025-03-13")),
        "{evidence:?}"
    );
    // A full rebuild gives the same answer.
    plenary::archive::search::rebuild(&app.db).await.unwrap();
    assert_eq!(search(&app, &q("position paper")).await["total"], 1);
}

/// The programme's save reindexes the session: no restart is needed for an organizer's edit to
/// be searchable, the old words stop matching, and a session moved back to draft disappears.
async fn an_edited_session_is_found_by_its_new_words_at_once(app: TestApp) {
    let org = app.organizer().await;
    let prog = app.programme(&org).await;
    let mut body = prog.session(1, "Quokka workshop", "2025-06-24 09:00", 60);
    body["description"] = json!("Numbats and quokkas.");
    let saved = org
        .post_json(&prog.sessions_url(), &body)
        .await
        .expect_status(StatusCode::CREATED);
    let id = saved.body["session"]["session_id"]
        .as_i64()
        .expect("session_id");
    assert_eq!(search(&app, &q("numbats")).await["total"], 1);

    body["title"] = json!("Wombat workshop");
    body["description"] = json!("Only wombats now.");
    org.put_json(&format!("/api/sessions/{id}"), &body)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(search(&app, &q("numbats")).await["total"], 0);
    let found = search(&app, &q("wombats")).await;
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["items"][0]["session_id"], id, "{found}");

    body["status"] = json!("draft");
    org.put_json(&format!("/api/sessions/{id}"), &body)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(search(&app, &q("wombats")).await["total"], 0);
}
