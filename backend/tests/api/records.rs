//! Session records: reports in the IGF's shape, outcomes linked to the action plan, questions
//! kept for the record without their askers, carried forward, and erased with their askers.

use plenary::domain::qa::DismissReason;
use plenary::live::protocol::Command;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{ApiClient, TestApp};
use crate::live_client::{LiveClient, acked, close_code};

both!(
    a_rapporteur_files_a_report_that_becomes_public_only_when_submitted,
    an_unassigned_moderator_cannot_write_the_record,
    validation_errors_name_the_fields_and_change_nothing,
    the_missing_reports_list_shows_an_overdue_session_until_its_report_is_submitted,
    answered_questions_are_archived_once_and_without_their_askers,
    an_unanswered_question_is_carried_to_the_next_meeting_or_to_an_action_item,
    links_across_sessions_are_refused,
    erasing_a_participant_removes_their_archived_questions,
    erasing_over_the_socket_removes_archived_copies_and_their_search_entries,
    an_organizer_sets_when_reports_are_due,
    the_rapporteur_page_works_with_plain_forms,
    the_demo_has_a_filed_report_and_some_missing_ones,
);

/// A programme with one ended workshop (two speakers, one moderator, a named rapporteur), a plan
/// with three action items, and a moderator assigned as the session's rapporteur.
struct World {
    org: ApiClient,
    rap: ApiClient,
    session_id: i64,
    items: Vec<i64>,
}

async fn action_items(app: &TestApp) -> Vec<i64> {
    let coalition: i64 = sqlx::query_scalar(
        "insert into coalition (slug, name, created_at) values ('dc-cos', 'DC COS', 0) returning coalition_id",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let plan: i64 = sqlx::query_scalar(
        "insert into action_plan (coalition_id, title, aim, period_label, starts_on, ends_on) \
         values ($1, 'Plan', 'Aim', 'FY16-FY18', '2016-01-01', '2018-12-31') returning action_plan_id",
    )
    .bind(coalition)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let mut items = Vec::new();
    for (i, text) in [
        "Coordinate NGO activities on child online protection",
        "Adopt position papers",
        "Promote open debates during the IGF week",
    ]
    .iter()
    .enumerate()
    {
        let id: i64 = sqlx::query_scalar(
            "insert into action_item (action_plan_id, position, code, text) values ($1, $2, $3, $4) returning action_item_id",
        )
        .bind(plan)
        .bind(i as i64 + 1)
        .bind(format!("AI-{}", i + 1))
        .bind(*text)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        items.push(id);
    }
    items
}

/// The newest staff account of a role (the one a helper just made).
async fn newest_staff(app: &TestApp, role: &str) -> i64 {
    sqlx::query_scalar("select max(staff_id) from staff where role = $1")
        .bind(role)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn assign_rapporteur(app: &TestApp, session_id: i64, staff_id: i64) {
    sqlx::query(
        "insert into session_scribe (session_id, staff_id, role) values ($1, $2, 'rapporteur')",
    )
    .bind(session_id)
    .bind(staff_id)
    .execute(&app.db.pool)
    .await
    .unwrap();
}

fn session_id_of(reply: &Value) -> i64 {
    reply["session"]["session_id"]
        .as_i64()
        .or_else(|| reply["session_id"].as_i64())
        .expect("session_id")
}

async fn world(app: &TestApp) -> World {
    let org = app.organizer().await;
    let programme = app.programme(&org).await;
    let mut session = programme.session(101, "Children's rights by design", "2025-06-24 09:00", 60);
    session["roles"] = json!([
        {"person_id": programme.people[0], "role": "speaker"},
        {"person_id": programme.people[1], "role": "speaker"},
        {"person_id": programme.people[1], "role": "onsite_moderator"},
        {"person_id": programme.people[2], "role": "rapporteur"},
    ]);
    let created = org
        .post_json(&programme.sessions_url(), &session)
        .await
        .expect_status(StatusCode::CREATED);
    let session_id = session_id_of(&created.body);
    let rap = app.moderator().await;
    assign_rapporteur(app, session_id, newest_staff(app, "moderator").await).await;
    World {
        org,
        rap,
        session_id,
        items: action_items(app).await,
    }
}

fn complete_report() -> Value {
    json!({
        "summary": "We discussed children's rights by design.",
        "onsite_participants": 40, "online_participants": 25,
        "speakers": 2, "women_speakers": 1, "moderators": 1, "women_moderators": 1,
        "gender_discussed": true, "gender_note": "Girls' experiences were raised.",
    })
}

async fn delete(client: &ApiClient, path: &str) -> crate::helpers::Reply {
    client.send(client.request(Method::DELETE, path)).await
}

async fn a_rapporteur_files_a_report_that_becomes_public_only_when_submitted(app: TestApp) {
    let w = world(&app).await;
    let s = w.session_id;
    let public = app.anonymous();
    public
        .get(&format!("/api/sessions/{s}/report"))
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");

    // Before anything is saved the rapporteur sees the counts the programme knows.
    let prefilled = w
        .rap
        .get(&format!("/api/sessions/{s}/report"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(prefilled.body["status"], "not_started");
    assert_eq!(prefilled.body["speakers"], 2);
    assert_eq!(prefilled.body["moderators"], 1);

    let draft = w
        .rap
        .put_json(&format!("/api/sessions/{s}/report"), &complete_report())
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(draft.body["status"], "draft");
    let takeaway = w
        .rap
        .post_json(
            &format!("/api/sessions/{s}/outcomes"),
            &json!({"kind": "key_takeaway", "text": "Design with children, not for them.",
                    "action_items": [{"action_item_id": w.items[0], "relation": "advances"}]}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(takeaway.body["action_items"][0]["code"], "AI-1");
    w.rap
        .post_json(
            &format!("/api/sessions/{s}/outcomes"),
            &json!({"kind": "call_to_action", "text": "Adopt a position paper on design codes.",
                    "action_items": [{"action_item_id": w.items[1], "relation": "proposes"}]}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    // A draft is nobody else's business yet.
    public
        .get(&format!("/api/sessions/{s}/report"))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    let hidden = public
        .get(&format!("/api/sessions/{s}/outcomes"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(hidden.body, json!([]));

    w.rap
        .post_json(&format!("/api/sessions/{s}/report/submit"), &json!({}))
        .await
        .expect_status(StatusCode::OK);
    let shown = public
        .get(&format!("/api/sessions/{s}/report"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(shown.body["status"], "submitted");
    assert_eq!(
        shown.body["summary"],
        "We discussed children's rights by design."
    );
    assert_eq!(shown.body["women_speakers"], 1);
    let t = &shown.body["key_takeaways"][0];
    assert_eq!(t["text"], "Design with children, not for them.");
    assert_eq!(t["action_items"][0]["code"], "AI-1");
    assert_eq!(t["action_items"][0]["relation"], "advances");
    assert_eq!(
        shown.body["calls_to_action"][0]["action_items"][0]["relation"],
        "proposes"
    );
    let outcomes = public
        .get(&format!("/api/sessions/{s}/outcomes"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(outcomes.body.as_array().unwrap().len(), 2);
    // And it can be found.
    let found = |reply: crate::helpers::Reply| {
        reply.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["kind"] == "outcome")
            .count()
    };
    let search = "/api/search?q=design%20codes&kind=outcome";
    assert_eq!(
        found(public.get(search).await.expect_status(StatusCode::OK)),
        1
    );

    // Submitted means locked: changes wait for an organizer to reopen it.
    let outcome_id = takeaway.body["outcome_id"].as_i64().unwrap();
    w.rap
        .put_json(
            &format!("/api/outcomes/{outcome_id}"),
            &json!({"text": "Quietly changed."}),
        )
        .await
        .expect_error(StatusCode::CONFLICT, "conflict");
    w.rap
        .post_json(&format!("/api/sessions/{s}/report/reopen"), &json!({}))
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    w.org
        .post_json(&format!("/api/sessions/{s}/report/reopen"), &json!({}))
        .await
        .expect_status(StatusCode::OK);
    public
        .get(&format!("/api/sessions/{s}/report"))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert_eq!(
        found(public.get(search).await.expect_status(StatusCode::OK)),
        0
    );
    w.rap
        .put_json(
            &format!("/api/outcomes/{outcome_id}"),
            &json!({"text": "Design with children, not only for them."}),
        )
        .await
        .expect_status(StatusCode::OK);
}

async fn an_unassigned_moderator_cannot_write_the_record(app: TestApp) {
    let w = world(&app).await;
    let s = w.session_id;
    let stranger = app.moderator().await;
    stranger
        .put_json(&format!("/api/sessions/{s}/report"), &complete_report())
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    stranger
        .post_json(
            &format!("/api/sessions/{s}/outcomes"),
            &json!({"kind": "key_takeaway", "text": "Not mine to write."}),
        )
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    stranger
        .post_json(&format!("/api/sessions/{s}/archived-questions"), &json!({}))
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    stranger
        .get(&format!("/api/sessions/{s}/report"))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    app.anonymous()
        .put_json(&format!("/api/sessions/{s}/report"), &complete_report())
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(app.count("session_report").await, 0);
    assert_eq!(app.count("outcome").await, 0);
    // The staff page says the same.
    stranger
        .get(&format!("/records/sessions/{s}"))
        .await
        .expect_status(StatusCode::FORBIDDEN);
}

async fn validation_errors_name_the_fields_and_change_nothing(app: TestApp) {
    let w = world(&app).await;
    let s = w.session_id;
    let bad = w
        .rap
        .put_json(
            &format!("/api/sessions/{s}/report"),
            &json!({"summary": "x".repeat(6000), "speakers": 2, "women_speakers": 3,
                    "moderators": 1, "women_moderators": 2, "online_participants": -5}),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let mut fields = bad.fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "online_participants",
            "summary",
            "women_moderators",
            "women_speakers"
        ]
    );
    assert_eq!(app.count("session_report").await, 0);

    // A draft missing what the IGF asks for cannot be submitted; each gap is named.
    w.rap
        .put_json(
            &format!("/api/sessions/{s}/report"),
            &json!({"summary": "Short."}),
        )
        .await
        .expect_status(StatusCode::OK);
    let incomplete = w
        .rap
        .post_json(&format!("/api/sessions/{s}/report/submit"), &json!({}))
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let fields = incomplete.fields();
    for f in [
        "key_takeaways",
        "calls_to_action",
        "onsite_participants",
        "women_speakers",
        "gender_discussed",
    ] {
        assert!(fields.contains(&f.to_string()), "{f} in {fields:?}");
    }
    assert!(!fields.contains(&"summary".to_string()));

    // Six takeaways are one too many for a submitted report.
    w.rap
        .put_json(&format!("/api/sessions/{s}/report"), &complete_report())
        .await
        .expect_status(StatusCode::OK);
    for i in 0..6 {
        w.rap
            .post_json(
                &format!("/api/sessions/{s}/outcomes"),
                &json!({"kind": "key_takeaway", "text": format!("Takeaway {i}")}),
            )
            .await
            .expect_status(StatusCode::CREATED);
    }
    w.rap
        .post_json(
            &format!("/api/sessions/{s}/outcomes"),
            &json!({"kind": "call_to_action", "text": "Act."}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let too_many = w
        .rap
        .post_json(&format!("/api/sessions/{s}/report/submit"), &json!({}))
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(too_many.fields(), ["key_takeaways"]);
    let still: String =
        sqlx::query_scalar("select status from session_report where session_id = $1")
            .bind(s)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(still, "draft");

    // Outcomes: a session takes no decisions, text is required, links must exist.
    let before = app.count("outcome").await;
    for (body, field) in [
        (json!({"kind": "decision", "text": "Decided."}), "kind"),
        (json!({"kind": "key_takeaway", "text": "   "}), "text"),
        (
            json!({"kind": "key_takeaway", "text": "Ok", "action_items": [{"action_item_id": 999999, "relation": "advances"}]}),
            "action_items[0].action_item_id",
        ),
        (
            json!({"kind": "key_takeaway", "text": "Ok", "action_items": [{"action_item_id": w.items[0], "relation": "blesses"}]}),
            "action_items[0].relation",
        ),
    ] {
        let reply = w
            .rap
            .post_json(&format!("/api/sessions/{s}/outcomes"), &body)
            .await
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(reply.fields(), [field], "{body}");
    }
    assert_eq!(app.count("outcome").await, before);
    assert_eq!(app.count("outcome_action_item").await, 0);
}

async fn the_missing_reports_list_shows_an_overdue_session_until_its_report_is_submitted(
    app: TestApp,
) {
    let w = world(&app).await;
    let s = w.session_id;
    // A session still to come is not missing anything.
    let types: Value = w.org.get("/api/session-types").await.body;
    let (starts_at, ends_at) = crate::helpers::oslo("2025-06-25 09:00", 60);
    let later = w
        .org
        .post_json(
            "/api/events/igf-2025/sessions",
            &json!({"session_type_id": types[0]["session_type_id"], "number": 102,
                    "title": "Not yet held", "starts_at": starts_at, "ends_at": ends_at}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let later_id = session_id_of(&later.body);
    let tomorrow = chrono::Utc::now().timestamp() + 86_400;
    sqlx::query("update session set starts_at = $1, ends_at = $2 where session_id = $3")
        .bind(tomorrow)
        .bind(tomorrow + 3600)
        .bind(later_id)
        .execute(&app.db.pool)
        .await
        .unwrap();

    app.anonymous()
        .get("/api/session-reports/missing")
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let missing = w
        .rap
        .get("/api/session-reports/missing")
        .await
        .expect_status(StatusCode::OK);
    let list = missing.body.as_array().unwrap();
    let entry = list
        .iter()
        .find(|m| m["session_id"] == s)
        .expect("the ended session is listed");
    assert_eq!(entry["overdue"], true);
    assert_eq!(entry["status"], "not_started");
    assert_eq!(entry["label"], "WS #101");
    assert_eq!(entry["rapporteurs"], json!(["Mei Tanaka"]));
    assert!(list.iter().all(|m| m["session_id"] != later_id));
    let page = w
        .rap
        .get("/records/missing")
        .await
        .expect_status(StatusCode::OK);
    assert!(page.text.contains("rights by design"), "{}", page.text);
    assert!(page.text.contains("Mei Tanaka"));

    w.rap
        .put_json(&format!("/api/sessions/{s}/report"), &complete_report())
        .await
        .expect_status(StatusCode::OK);
    for (kind, text) in [("key_takeaway", "Learnt."), ("call_to_action", "Do.")] {
        w.rap
            .post_json(
                &format!("/api/sessions/{s}/outcomes"),
                &json!({"kind": kind, "text": text}),
            )
            .await
            .expect_status(StatusCode::CREATED);
    }
    let drafted = w.rap.get("/api/session-reports/missing").await.body;
    assert_eq!(
        drafted
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["session_id"] == s)
            .unwrap()["status"],
        "draft"
    );
    w.rap
        .post_json(&format!("/api/sessions/{s}/report/submit"), &json!({}))
        .await
        .expect_status(StatusCode::OK);
    let after = w.rap.get("/api/session-reports/missing").await.body;
    assert!(
        after
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["session_id"] != s),
        "{after}"
    );
}

/// A live session with an organizer's console connected.
async fn live(app: &TestApp) -> (ApiClient, i64, LiveClient) {
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    let console = LiveClient::connect(app, session_id, org.cookie_header().as_deref()).await;
    (org, session_id, console)
}

/// A participant asks; returns the question id.
async fn ask(
    app: &TestApp,
    session_id: i64,
    name: &str,
    text: &str,
) -> (i64, crate::live_client::Joined) {
    let joined = app.join(session_id, name).await;
    let mut ws = LiveClient::connect(app, session_id, Some(&joined.cookie)).await;
    (ws.ask(text).await, joined)
}

async fn answered_questions_are_archived_once_and_without_their_askers(app: TestApp) {
    let (org, s, mut console) = live(&app).await;
    let (answered, asker) = ask(
        &app,
        s,
        "Quill",
        "How do we measure children's wellbeing online?",
    )
    .await;
    let (dismissed, _) = ask(&app, s, "Brook", "Off topic: where is lunch?").await;
    let (waiting, _) = ask(&app, s, "Fern", "Will the slides be shared?").await;
    for q in [answered, waiting] {
        acked(&console.command(Command::Approve { question_id: q }).await);
    }
    acked(
        &console
            .command(Command::MarkAnswered {
                question_id: answered,
            })
            .await,
    );
    acked(
        &console
            .command(Command::Dismiss {
                question_id: dismissed,
                reason: DismissReason::OffTopic,
            })
            .await,
    );

    let first = org
        .post_json(&format!("/api/sessions/{s}/archived-questions"), &json!({}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(first.body["newly_archived"], 1);
    let again = org
        .post_json(&format!("/api/sessions/{s}/archived-questions"), &json!({}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(again.body["newly_archived"], 0);
    assert_eq!(app.count("archived_question").await, 1);

    let public = app
        .anonymous()
        .get(&format!("/api/sessions/{s}/archived-questions"))
        .await
        .expect_status(StatusCode::OK);
    let list = public.body.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0]["text"],
        "How do we measure children's wellbeing online?"
    );
    assert_eq!(list[0]["status"], "answered");
    assert!(!public.text.contains(&asker.handle), "{}", public.text);
    assert!(!public.text.contains("participant"), "{}", public.text);
    // The record outlives the live question: it survives the live row's purge.
    sqlx::query("delete from question where question_id = $1")
        .bind(answered)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let kept = app
        .anonymous()
        .get(&format!("/api/sessions/{s}/archived-questions"))
        .await
        .body;
    assert_eq!(kept.as_array().unwrap().len(), 1);
}

async fn an_unanswered_question_is_carried_to_the_next_meeting_or_to_an_action_item(app: TestApp) {
    let (org, s, mut console) = live(&app).await;
    let items = action_items(&app).await;
    org.post_json(
        "/api/series",
        &json!({"slug": "monthly-call", "title": "Monthly call", "time_zone": "UTC",
                "first_start_local": "2026-01-06T14:00:00", "duration_minutes": 60,
                "rrule": "FREQ=MONTHLY;BYDAY=1TU"}),
    )
    .await
    .expect_status(StatusCode::CREATED);
    let (waiting, asker) = ask(&app, s, "Reed", "Who checks the age checks?").await;
    let (answered, _) = ask(&app, s, "Moss", "Is this recorded?").await;
    for q in [waiting, answered] {
        acked(&console.command(Command::Approve { question_id: q }).await);
    }
    acked(
        &console
            .command(Command::MarkAnswered {
                question_id: answered,
            })
            .await,
    );

    let carried = org
        .post_json(
            &format!("/api/sessions/{s}/questions/{waiting}/carry"),
            &json!({"series": "monthly-call", "note": "No time left."}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let meeting_id = carried.body["meeting_id"].as_i64().expect("a meeting");
    assert_eq!(carried.body["text"], "Who checks the age checks?");
    // The meeting is the series' next one after now.
    let start: i64 = sqlx::query_scalar("select original_start from meeting where meeting_id = $1")
        .bind(meeting_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(start > chrono::Utc::now().timestamp());
    assert!(start < chrono::Utc::now().timestamp() + 40 * 86_400);
    let agenda = app
        .anonymous()
        .get(&format!("/api/meetings/{meeting_id}/carried-questions"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(agenda.body[0]["text"], "Who checks the age checks?");
    assert_eq!(agenda.body[0]["note"], "No time left.");
    assert!(!agenda.text.contains(&asker.handle));
    // Carrying it there again changes nothing.
    let same = org
        .post_json(
            &format!("/api/sessions/{s}/questions/{waiting}/carry"),
            &json!({"series": "monthly-call"}),
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        same.body["carried_question_id"],
        carried.body["carried_question_id"]
    );

    org.post_json(
        &format!("/api/sessions/{s}/questions/{waiting}/carry"),
        &json!({"action_item_id": items[2]}),
    )
    .await
    .expect_status(StatusCode::CREATED);
    assert_eq!(app.count("carried_question").await, 2);
    // One copy on the record, marked unanswered; it is not among the answered ones.
    assert_eq!(app.count("archived_question").await, 1);
    let answered_list = app
        .anonymous()
        .get(&format!("/api/sessions/{s}/archived-questions"))
        .await
        .body;
    assert_eq!(answered_list, json!([]));

    org.post_json(
        &format!("/api/sessions/{s}/questions/{answered}/carry"),
        &json!({"series": "monthly-call"}),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "conflict");
    let neither = org
        .post_json(
            &format!("/api/sessions/{s}/questions/{waiting}/carry"),
            &json!({"note": "somewhere"}),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(neither.fields(), ["series"]);
    org.post_json(
        &format!("/api/sessions/{s}/questions/{waiting}/carry"),
        &json!({"series": "no-such-series"}),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(app.count("carried_question").await, 2);
}

async fn links_across_sessions_are_refused(app: TestApp) {
    let w = world(&app).await;
    let s = w.session_id;
    let programme_types: Value = w.org.get("/api/session-types").await.body;
    let (starts_at, ends_at) = crate::helpers::oslo("2025-06-24 11:00", 60);
    let other = w
        .org
        .post_json(
            "/api/events/igf-2025/sessions",
            &json!({"session_type_id": programme_types[0]["session_type_id"], "number": 202,
                    "title": "Another session", "starts_at": starts_at, "ends_at": ends_at}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let other_id = session_id_of(&other.body);
    // A transcript line and an archived question in each session.
    let mut segment = Vec::new();
    let mut question = Vec::new();
    for (i, session) in [s, other_id].into_iter().enumerate() {
        let transcript: i64 = sqlx::query_scalar(
            "insert into transcript (session_id, source, status, created_at, updated_at) \
             values ($1, 'igf_html', 'published', 0, 0) returning transcript_id",
        )
        .bind(session)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        segment.push(
            sqlx::query_scalar::<_, i64>(
                "insert into transcript_segment (transcript_id, position, speaker, kind, source, text, created_at) \
                 values ($1, 1, 'CHAIR', 'speech', 'imported', 'Welcome.', 0) returning segment_id",
            )
            .bind(transcript)
            .fetch_one(&app.db.pool)
            .await
            .unwrap(),
        );
        question.push(
            sqlx::query_scalar::<_, i64>(
                "insert into archived_question (session_id, question_id, text, votes, status, asked_at, archived_at) \
                 values ($1, $2, 'A question?', 0, 'answered', 0, 0) returning archived_question_id",
            )
            .bind(session)
            .bind(900_000 + i as i64)
            .fetch_one(&app.db.pool)
            .await
            .unwrap(),
        );
    }
    let refused = w
        .rap
        .post_json(
            &format!("/api/sessions/{s}/outcomes"),
            &json!({"kind": "key_takeaway", "text": "Borrowed.",
                    "segment_ids": [segment[1]], "archived_question_ids": [question[1]]}),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(
        refused.fields(),
        ["segment_ids[0]", "archived_question_ids[0]"]
    );
    assert_eq!(app.count("outcome").await, 0);
    let own = w
        .rap
        .post_json(
            &format!("/api/sessions/{s}/outcomes"),
            &json!({"kind": "key_takeaway", "text": "Our own.",
                    "segment_ids": [segment[0]], "archived_question_ids": [question[0]]}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(own.body["segment_ids"], json!([segment[0]]));
    assert_eq!(own.body["archived_question_ids"], json!([question[0]]));
    // Changing an outcome is held to the same rule.
    let outcome_id = own.body["outcome_id"].as_i64().unwrap();
    w.rap
        .put_json(
            &format!("/api/outcomes/{outcome_id}"),
            &json!({"segment_ids": [segment[0], segment[1]]}),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let unchanged = w
        .rap
        .get(&format!("/api/outcomes/{outcome_id}"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(unchanged.body["segment_ids"], json!([segment[0]]));
    // And deleting it takes its links along.
    delete(&w.rap, &format!("/api/outcomes/{outcome_id}"))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    assert_eq!(app.count("outcome_segment").await, 0);
}

async fn erasing_a_participant_removes_their_archived_questions(app: TestApp) {
    let (org, s, mut console) = live(&app).await;
    let (mine, me) = ask(&app, s, "Wren", "Marmalade-Zanzibar: is my data safe?").await;
    let (theirs, _) = ask(&app, s, "Finch", "What about teachers?").await;
    for q in [mine, theirs] {
        acked(&console.command(Command::Approve { question_id: q }).await);
        acked(
            &console
                .command(Command::MarkAnswered { question_id: q })
                .await,
        );
    }
    org.post_json(&format!("/api/sessions/{s}/archived-questions"), &json!({}))
        .await
        .expect_status(StatusCode::OK);
    let mine_archived: i64 = sqlx::query_scalar(
        "select archived_question_id from archived_question where question_id = $1",
    )
    .bind(mine)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    // An outcome cites it.
    org.post_json(
        &format!("/api/sessions/{s}/outcomes"),
        &json!({"kind": "key_takeaway", "text": "Data safety matters.", "archived_question_ids": [mine_archived]}),
    )
    .await
    .expect_status(StatusCode::CREATED);

    app.anonymous()
        .post_json("/api/my-data/erase", &json!({"data_key": me.data_key}))
        .await
        .expect_status(StatusCode::OK);
    let left = app
        .anonymous()
        .get(&format!("/api/sessions/{s}/archived-questions"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(left.body.as_array().unwrap().len(), 1);
    assert_eq!(left.body[0]["text"], "What about teachers?");
    let traces: i64 =
        sqlx::query_scalar("select count(*) from archived_question where text like '%Zanzibar%'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(traces, 0);
    assert_eq!(app.count("outcome_question").await, 0);
    // Archiving again does not bring it back: the live question is now a tombstone.
    let again = org
        .post_json(&format!("/api/sessions/{s}/archived-questions"), &json!({}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(again.body["newly_archived"], 0);
}

async fn the_rapporteur_page_works_with_plain_forms(app: TestApp) {
    let w = world(&app).await;
    let s = w.session_id;
    let path = format!("/records/sessions/{s}");
    let login = app.anonymous().get(&path).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.text);
    assert!(login.header("location").starts_with("/login"));
    let page = w.rap.get(&path).await.expect_status(StatusCode::OK);
    assert!(page.text.contains("name=\"summary\""));
    assert!(page.text.contains("value=\"2\""), "speakers prefilled");

    let post = |form: Vec<(&'static str, String)>, to: String| {
        let rap = w.rap.clone();
        async move {
            rap.send(
                rap.request(Method::POST, &to)
                    .header("sec-fetch-site", "same-origin")
                    .form(&form),
            )
            .await
        }
    };
    // A problem comes back next to its field, and nothing is saved.
    let bad = post(
        vec![
            ("summary", "Our summary".into()),
            ("speakers", "2".into()),
            ("women_speakers", "5".into()),
            ("onsite_participants", "many".into()),
            ("action", "save".into()),
        ],
        format!("{path}/report"),
    )
    .await
    .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("women_speakers-error"), "{}", bad.text);
    assert!(bad.text.contains("must be a whole number"));
    assert!(bad.text.contains("Our summary"), "the typed text is kept");
    assert_eq!(app.count("session_report").await, 0);

    let saved = post(
        vec![
            ("summary", "Our summary".into()),
            ("speakers", "2".into()),
            ("women_speakers", "1".into()),
            ("action", "save".into()),
        ],
        format!("{path}/report"),
    )
    .await
    .expect_status(StatusCode::SEE_OTHER);
    assert!(saved.header("location").contains("done=saved"));
    post(
        vec![
            ("new-kind", "key_takeaway".into()),
            ("new-text", "Listen to children.".into()),
            ("new-item", w.items[2].to_string()),
            ("new-relation", "evidence".into()),
        ],
        format!("{path}/outcomes"),
    )
    .await
    .expect_status(StatusCode::SEE_OTHER);
    let shown = w.rap.get(&path).await.expect_status(StatusCode::OK);
    assert!(shown.text.contains("Listen to children."));
    assert!(
        shown.text.contains("AI-3 (gives evidence for)"),
        "{}",
        shown.text
    );
    // Submitting an incomplete report names what is missing.
    let incomplete = post(
        vec![
            ("summary", "Our summary".into()),
            ("action", "submit".into()),
        ],
        format!("{path}/report"),
    )
    .await
    .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(incomplete.text.contains("add at least one call to action"));
    // The moderator console links here.
    let console = w
        .org
        .get(&format!("/live/{s}/moderate"))
        .await
        .expect_status(StatusCode::OK);
    assert!(
        console
            .text
            .contains(&format!("href=\"/records/sessions/{s}\""))
    );
}

async fn the_demo_has_a_filed_report_and_some_missing_ones(app: TestApp) {
    plenary::seed::load(&app.db).await.expect("the demo loads");
    let s: i64 = sqlx::query_scalar("select session_id from session where title = $1")
        .bind("Dynamic Coalition on Child Online Safety: annual session")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let public = app.anonymous();
    let report = public
        .get(&format!("/api/sessions/{s}/report"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(report.body["status"], "submitted");
    assert_eq!(report.body["key_takeaways"].as_array().unwrap().len(), 3);
    assert_eq!(report.body["calls_to_action"].as_array().unwrap().len(), 2);
    let mut relations: Vec<String> = ["key_takeaways", "calls_to_action"]
        .iter()
        .flat_map(|k| report.body[*k].as_array().unwrap().clone())
        .flat_map(|o| o["action_items"].as_array().unwrap().clone())
        .map(|l| l["relation"].as_str().unwrap().to_string())
        .collect();
    relations.sort();
    relations.dedup();
    assert_eq!(relations, ["advances", "evidence", "proposes"]);
    // The demo's transcript is published, so takeaways cite the lines they came from.
    assert!(
        report.body["key_takeaways"][0]["segment_ids"][0].is_i64(),
        "{}",
        report.body
    );
    let answered = public
        .get(&format!("/api/sessions/{s}/archived-questions"))
        .await
        .body;
    assert_eq!(
        answered[0]["text"],
        "Will young people be invited to co-write the coalition's next report?"
    );
    let carried: i64 = sqlx::query_scalar(
        "select count(*) from carried_question c join meeting m on m.meeting_id = c.meeting_id \
         join meeting_series ms on ms.series_id = m.series_id where ms.slug = 'dc-cos-monthly-call' \
         and m.original_start > $1",
    )
    .bind(chrono::Utc::now().timestamp())
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(carried, 1);
    let staff = app.moderator().await;
    let missing = staff.get("/api/session-reports/missing").await.body;
    let missing = missing.as_array().unwrap();
    assert!(missing.len() >= 2);
    assert!(missing.iter().all(|m| m["session_id"] != s));
    assert!(
        missing
            .iter()
            .any(|m| m["title"] == "Gaming platforms and children's voices"
                && m["status"] == "draft")
    );
    assert!(missing.iter().all(|m| m["overdue"] == true));
}

/// The same erasure asked for over the websocket (`erase_my_data`), the way the participant
/// page does it: the archived copy goes with the live question, and search forgets it.
async fn erasing_over_the_socket_removes_archived_copies_and_their_search_entries(app: TestApp) {
    let (org, s, mut console) = live(&app).await;
    let (mine, me) = ask(&app, s, "Wren", "Quetzalcoatl guidance for parents?").await;
    acked(
        &console
            .command(Command::Approve { question_id: mine })
            .await,
    );
    acked(
        &console
            .command(Command::MarkAnswered { question_id: mine })
            .await,
    );
    org.post_json(&format!("/api/sessions/{s}/archived-questions"), &json!({}))
        .await
        .expect_status(StatusCode::OK);
    let found = |app: &TestApp| {
        let client = app.anonymous();
        async move {
            client
                .get("/api/search?q=quetzalcoatl")
                .await
                .expect_status(StatusCode::OK)
                .body["total"]
                .as_i64()
                .unwrap()
        }
    };
    assert_eq!(
        found(&app).await,
        1,
        "the answered question is on the public record"
    );

    let mut ws = LiveClient::connect(&app, s, Some(&me.cookie)).await;
    ws.send(Command::EraseMyData).await;
    // The protocol ends an erasure with a 4004 close, which may come before the ack: read up
    // to the close, whichever comes first.
    let closed = loop {
        match ws.next_message().await {
            None => break None,
            Some(m @ tokio_tungstenite::tungstenite::Message::Close(_)) => {
                break close_code(Some(m));
            }
            Some(_) => continue,
        }
    };
    assert_eq!(closed.map(|(code, _)| code), Some(4004));
    assert_eq!(app.count("archived_question").await, 0);
    assert_eq!(found(&app).await, 0, "search forgot it");
}

/// The report deadline is the event's: two weeks unless its organizers say otherwise, set
/// through the API or the event form, and the missing-reports list follows it.
async fn an_organizer_sets_when_reports_are_due(app: TestApp) {
    let w = world(&app).await;
    let s = w.session_id;
    let event = w
        .org
        .get("/api/events/igf-2025")
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert_eq!(event["report_due_hours"], 336);
    // The session ended a day ago: not yet overdue with two weeks.
    let ended = chrono::Utc::now().timestamp() - 86_400;
    sqlx::query("update session set starts_at = $1, ends_at = $2 where session_id = $3")
        .bind(ended - 3600)
        .bind(ended)
        .bind(s)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let overdue = |w: &World| {
        let rap = w.rap.clone();
        async move {
            let list = rap
                .get("/api/session-reports/missing")
                .await
                .expect_status(StatusCode::OK)
                .body;
            list.as_array()
                .unwrap()
                .iter()
                .find(|m| m["session_id"] == s)
                .expect("the ended session is listed")["overdue"]
                .clone()
        }
    };
    assert_eq!(overdue(&w).await, false);

    let mut body = json!({
        "slug": "igf-2025", "name": event["name"], "kind": event["kind"],
        "time_zone": event["time_zone"], "starts_on": event["starts_on"],
        "ends_on": event["ends_on"], "report_due_hours": 0,
    });
    let refused = w.org.put_json("/api/events/igf-2025", &body).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    assert!(
        refused.text.contains("report_due_hours"),
        "{}",
        refused.text
    );
    assert_eq!(
        w.org.get("/api/events/igf-2025").await.body["report_due_hours"],
        336,
        "nothing changed"
    );

    body["report_due_hours"] = json!(12);
    w.org
        .put_json("/api/events/igf-2025", &body)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(overdue(&w).await, true);
    // The organizer's form shows the deadline for editing.
    let form = w
        .org
        .get("/organize/events/igf-2025/edit")
        .await
        .expect_status(StatusCode::OK);
    assert!(
        form.text
            .contains("name=\"report_due_hours\" type=\"number\" dir=\"auto\" value=\"12\""),
        "{}",
        form.text
    );
}
