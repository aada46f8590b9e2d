//! The public archive pages and the exports, on both databases: pages read without login and
//! without script, a session's record as JSON and Markdown, the plan as JSON and as CSV read
//! back by Python's `csv` module, and the schedule in the frab/c3voc JSON validated against
//! the c3voc schema by Python's `jsonschema` (`tests/support/check_schedule.py`).

use std::path::PathBuf;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::TestApp;
use crate::search::{FORMULA, archive_fixture};

both!(
    archive_pages_render_without_login,
    the_search_page_highlights_matches_and_explains_bad_input,
    a_session_record_exports_as_json_and_markdown,
    the_plan_csv_neutralises_formulas_and_reads_back,
    the_plan_json_lists_each_items_evidence,
    the_schedule_export_validates_against_the_c3voc_schema,
);

/// A Python interpreter that can import `module`, or `None` after saying so.
fn python_with(module: &str) -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("PLENARY_TEST_PYTHON").map(PathBuf::from),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.ci/venv/bin/python")),
    ];
    for candidate in candidates.into_iter().flatten() {
        let works = std::process::Command::new(&candidate)
            .args(["-c", &format!("import {module}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if works {
            return Some(candidate);
        }
    }
    crate::helpers::skip(&format!(
        "SKIPPED (export interop): no Python with {module}; set PLENARY_TEST_PYTHON or run .ci/run"
    ));
    None
}

async fn archive_pages_render_without_login(app: TestApp) {
    let f = archive_fixture(&app).await;
    let anon = app.anonymous();

    let index = anon.get("/archive").await.expect_status(StatusCode::OK);
    assert!(index.text.contains("IGF 2025"), "{}", index.text);
    assert!(
        index
            .text
            .contains(&format!("href=\"/archive/events/{}\"", f.event_id))
    );
    assert!(index.text.contains("action=\"/archive/search\""));
    assert!(
        !index.text.contains("<script"),
        "no script on archive pages"
    );

    let event = anon
        .get(&format!("/archive/events/{}", f.event_id))
        .await
        .expect_status(StatusCode::OK);
    assert!(event.text.contains("Age assurance without surveillance"));
    assert!(event.text.contains("Transcript published"));
    assert!(event.text.contains("Report submitted"));
    assert!(event.text.contains("Outcomes: 2"));
    assert!(
        !event.text.contains("Zebra draft"),
        "drafts are not in the archive"
    );
    assert!(
        event
            .text
            .contains(&format!("/archive/events/{}/schedule.json", f.event_id))
    );

    let record = anon
        .get(&format!("/archive/sessions/{}", f.public))
        .await
        .expect_status(StatusCode::OK);
    let page = &record.text;
    assert!(!page.contains("<script>alert"), "user text is escaped");
    assert!(page.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(page.contains(&format!("id=\"seg-{}\"", f.grooming_segment)));
    assert!(
        page.contains("not as an authoritative record"),
        "the disclaimer"
    );
    assert!(page.contains("[redacted]") && !page.contains("kwame"));
    assert!(page.contains(&format!("href=\"/plan/items/{}\"", f.item)));
    assert!(page.contains(&format!("href=\"#seg-{}\"", f.grooming_segment)));
    assert!(page.contains(&format!("id=\"question-{}\"", f.answered_question)));
    assert!(page.contains("Will young people co-write"));
    assert!(!page.contains("unansweredword"));
    assert!(page.contains("The session compared age assurance methods."));
    assert!(
        page.contains("Civil society"),
        "stakeholder groups of the people"
    );
    assert!(page.contains(&format!("/archive/sessions/{}/record.md", f.public)));
    assert!(page.contains(&format!("/api/archive/sessions/{}", f.public)));
    // The published transcript's downloads; no WebVTT for an IGF page without times.
    for ext in ["txt", "json"] {
        let link = format!("/archive/sessions/{}/transcript.{ext}", f.public);
        assert!(page.contains(&link), "{link}");
        anon.get(&link).await.expect_status(StatusCode::OK);
    }
    assert!(!page.contains("transcript.vtt"));

    // A withdrawn transcript: the page says so, with the organizers' reason, and shows none of it.
    sqlx::query("update transcript set status_note = 'Withdrawn at a speaker''s request.' where session_id = $1")
        .bind(f.withdrawn)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let withdrawn = anon
        .get(&format!("/archive/sessions/{}", f.withdrawn))
        .await
        .expect_status(StatusCode::OK);
    assert!(
        withdrawn.text.contains("was withdrawn"),
        "{}",
        withdrawn.text
    );
    assert!(
        withdrawn
            .text
            .contains("Withdrawn at a speaker&#39;s request."),
        "{}",
        withdrawn.text
    );
    assert!(!withdrawn.text.contains("withdrawnword"));
    assert!(!withdrawn.text.contains("transcript.txt"));

    // A record still being written shows what is public of it.
    let raw = anon
        .get(&format!("/archive/sessions/{}", f.raw))
        .await
        .expect_status(StatusCode::OK);
    assert!(!raw.text.contains("unpublishedword"));
    assert!(!raw.text.contains("draftoutcomeword"));
    assert!(!raw.text.contains("draftsummaryword"));
    assert!(raw.text.contains("has not been submitted"));

    anon.get(&format!("/archive/sessions/{}", f.draft))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    anon.get("/archive/sessions/999999")
        .await
        .expect_status(StatusCode::NOT_FOUND);
    anon.get("/archive/events/999999")
        .await
        .expect_status(StatusCode::NOT_FOUND);

    // In French and Arabic (right to left) too.
    let fr = anon
        .send(
            anon.request(
                reqwest::Method::GET,
                &format!("/archive/sessions/{}", f.public),
            )
            .header("accept-language", "fr"),
        )
        .await
        .expect_status(StatusCode::OK);
    assert!(fr.text.contains("Transcription"), "{}", fr.text);
    let ar = anon
        .send(
            anon.request(reqwest::Method::GET, "/archive")
                .header("accept-language", "ar"),
        )
        .await
        .expect_status(StatusCode::OK);
    assert!(ar.text.contains("dir=\"rtl\""));
    assert!(ar.text.contains("الأرشيف"));
}

async fn the_search_page_highlights_matches_and_explains_bad_input(app: TestApp) {
    let f = archive_fixture(&app).await;
    let anon = app.anonymous();
    let page = anon
        .get("/archive/search?q=grooming+encryption")
        .await
        .expect_status(StatusCode::OK);
    assert!(page.text.contains("<mark>Grooming</mark>"), "{}", page.text);
    assert!(page.text.contains("<mark>encryption</mark>"));
    assert!(page.text.contains(&format!(
        "href=\"/archive/sessions/{}#seg-{}\"",
        f.public, f.grooming_segment
    )));
    assert!(
        page.text
            .contains(&format!("href=\"/plan/items/{}\"", f.item))
    );

    // Marked text is escaped like any other.
    let page = anon
        .get("/archive/search?q=script+alert")
        .await
        .expect_status(StatusCode::OK);
    assert!(
        page.text
            .contains("&#60;<mark>script</mark>&#62;<mark>alert</mark>"),
        "{}",
        page.text
    );
    assert!(!page.text.contains("<script>"));

    // Filters keep their values; nothing matches outside the event.
    let page = anon
        .get(&format!(
            "/archive/search?q=age&event_id={}&kind=outcome",
            f.event_id
        ))
        .await
        .expect_status(StatusCode::OK);
    assert!(page.text.contains("Results: 2"), "{}", page.text);
    assert!(page.text.contains("<option value=\"outcome\" selected>"));

    // Bad input is explained next to its field, with a 400.
    for (query, message) in [
        ("q=%22", "Type at least one word"),
        (
            "q=age&from=24%2F06%2F2025",
            "Enter a date such as 2025-06-24.",
        ),
        ("q=age&event_id=abc", "Choose one of the options"),
        ("q=age&from=2025-07-01&to=2025-06-01", "must be on or after"),
    ] {
        let page = anon
            .get(&format!("/archive/search?{query}"))
            .await
            .expect_status(StatusCode::BAD_REQUEST);
        assert!(page.text.contains(message), "{query}: {}", page.text);
        assert!(page.text.contains("aria-invalid=\"true\""));
    }
    let long = "a".repeat(10_000);
    let page = anon
        .get(&format!("/archive/search?q={long}"))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    assert!(page.text.contains("too long"));
    // The empty form.
    let page = anon
        .get("/archive/search")
        .await
        .expect_status(StatusCode::OK);
    assert!(page.text.contains("<label for=\"q\">"));
}

async fn a_session_record_exports_as_json_and_markdown(app: TestApp) {
    let f = archive_fixture(&app).await;
    let anon = app.anonymous();
    let record = anon
        .get(&format!("/api/archive/sessions/{}", f.public))
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert_eq!(
        record["session"]["title"],
        "Age assurance without surveillance"
    );
    assert!(record["session"].get("online_join_url").is_none());
    assert_eq!(record["event"]["event_id"], f.event_id);
    assert!(
        record["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/archive/sessions/{}", f.public))
    );
    let segments = record["transcript"]["segments"].as_array().unwrap();
    assert_eq!(segments.len(), 5);
    assert!(
        segments
            .iter()
            .any(|s| s["text"] == "Write to me at [redacted] for the slides.")
    );
    assert!(
        record["transcript"]["disclaimer"]
            .as_str()
            .unwrap()
            .contains("not as an authoritative record")
    );
    assert_eq!(record["report"]["onsite_participants"], 40);
    assert_eq!(record["report"]["gender_discussed"], true);
    let outcomes = record["outcomes"].as_array().unwrap();
    assert_eq!(outcomes.len(), 2);
    assert_eq!(outcomes[0]["kind"], "key_takeaway");
    assert_eq!(outcomes[0]["action_items"][0]["code"], "AI-1");
    assert_eq!(outcomes[0]["action_items"][0]["relation"], "advances");
    assert_eq!(outcomes[0]["segment_ids"][0], f.grooming_segment);
    let questions = record["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 1, "only the answered question");

    // The draft report's outcomes and the raw transcript stay out of the raw session's record.
    let raw = anon
        .get(&format!("/api/archive/sessions/{}", f.raw))
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert!(raw["transcript"].is_null());
    assert!(raw["report"].is_null());
    assert_eq!(raw["outcomes"], Value::Array(vec![]));
    anon.get(&format!("/api/archive/sessions/{}", f.draft))
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");

    let md = anon
        .get(&format!("/archive/sessions/{}/record.md", f.public))
        .await
        .expect_status(StatusCode::OK);
    assert!(md.header("content-type").starts_with("text/markdown"));
    let text = &md.text;
    assert!(
        text.starts_with("# WS #1 Age assurance without surveillance"),
        "{text}"
    );
    assert!(text.contains("## Transcript"));
    assert!(text.contains("not as an authoritative record"));
    assert!(text.contains("**MARIA:** Grooming detection"));
    assert!(
        text.contains("Advances AI\\-1") || text.contains("Advances AI-1"),
        "{text}"
    );
    // User text cannot inject Markdown or HTML.
    assert!(text.contains("\\<script\\>alert(1)\\</script\\>"), "{text}");
    assert!(!text.contains("kwame"));
    anon.get(&format!("/archive/sessions/{}/record.md", f.draft))
        .await
        .expect_status(StatusCode::NOT_FOUND);
}

async fn the_plan_csv_neutralises_formulas_and_reads_back(app: TestApp) {
    archive_fixture(&app).await;
    let reply = app
        .anonymous()
        .get("/archive/plan.csv")
        .await
        .expect_status(StatusCode::OK);
    assert!(reply.header("content-type").starts_with("text/csv"));
    assert!(reply.text.contains("\r\n"), "RFC 4180 line ends");
    // Read back by an independent parser.
    let Some(python) = python_with("csv") else {
        return;
    };
    let path = app.dir.path().join("plan.csv");
    std::fs::write(&path, &reply.text).unwrap();
    let out = std::process::Command::new(python)
        .args([
            "-c",
            "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))))",
        ])
        .arg(&path)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Vec<String>> = serde_json::from_slice(&out.stdout).expect("rows");
    assert_eq!(rows[0][1], "item_code");
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for row in &rows[1..] {
        assert_eq!(row.len(), header.len());
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a cell starts a formula: {cell:?}"
            );
        }
    }
    let ai2: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[col("item_code")] == "AI-2")
        .collect();
    assert!(
        ai2.iter()
            .all(|r| r[col("item_owner")] == format!("'{FORMULA}"))
    );
    assert!(ai2.iter().any(|r| r[col("evidence_kind")] == "update"
        && r[col("evidence_text")] == "'+SUM(1,2) shared at the IGF"));
    assert!(
        ai2.iter()
            .any(|r| r[col("evidence_kind")] == "outcome"
                && r[col("evidence_relation")] == "proposes")
    );
    // AI-1: its takeaway and the passage and question it came from; nothing from the draft.
    let ai1: Vec<String> = rows
        .iter()
        .filter(|r| r[col("item_code")] == "AI-1")
        .map(|r| r[col("evidence_kind")].clone())
        .collect();
    assert_eq!(ai1, vec!["outcome", "transcript_passage", "question"]);
    assert!(!reply.text.contains("draftoutcomeword"));
}

async fn the_plan_json_lists_each_items_evidence(app: TestApp) {
    let f = archive_fixture(&app).await;
    let plan = app
        .anonymous()
        .get("/api/archive/plan")
        .await
        .expect_status(StatusCode::OK)
        .body;
    let items = plan["plans"][0]["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let ai1 = &items[0];
    assert_eq!(ai1["code"], "AI-1");
    assert!(
        ai1["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/plan/items/{}", f.item))
    );
    let evidence = ai1["evidence"].as_array().unwrap();
    assert_eq!(evidence[0]["kind"], "outcome");
    assert_eq!(evidence[0]["relation"], "advances");
    assert_eq!(
        evidence[0]["source"],
        "WS #1 Age assurance without surveillance"
    );
    assert!(evidence[1]["url"].as_str().unwrap().ends_with(&format!(
        "/archive/sessions/{}#seg-{}",
        f.public, f.grooming_segment
    )));
    assert_eq!(evidence.len(), 3, "{evidence:?}");
}

async fn the_schedule_export_validates_against_the_c3voc_schema(app: TestApp) {
    let f = archive_fixture(&app).await;
    let reply = app
        .anonymous()
        .get(&format!("/archive/events/{}/schedule.json", f.event_id))
        .await
        .expect_status(StatusCode::OK);
    assert!(reply.header("content-type").starts_with("application/json"));
    let doc = &reply.body;
    let conference = &doc["schedule"]["conference"];
    assert_eq!(conference["acronym"], "igf_2025");
    assert_eq!(conference["daysCount"], 5);
    assert_eq!(conference["time_zone_name"], "Europe/Oslo");
    let day2 = &conference["days"][1];
    assert_eq!(day2["date"], "2025-06-24");
    let events: Vec<&Value> = day2["rooms"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|v| v.as_array().unwrap())
        .collect();
    // The draft is left out; the public and the raw session are there.
    let titles: Vec<&str> = events
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        vec!["Age assurance without surveillance", "Raw session"]
    );
    let first = events[0];
    assert_eq!(first["date"], "2025-06-24T09:00:00+02:00");
    assert_eq!(first["start"], "09:00");
    assert_eq!(first["duration"], "01:00");
    assert_eq!(first["subtitle"], "WS #1");
    assert_eq!(first["persons"].as_array().unwrap().len(), 2);
    let Some(python) = python_with("jsonschema") else {
        return;
    };
    let path = app.dir.path().join("schedule.json");
    std::fs::write(&path, &reply.text).unwrap();
    let support = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support");
    let out = std::process::Command::new(python)
        .arg(support.join("check_schedule.py"))
        .arg(support.join("c3voc_schedule.schema.json"))
        .arg(&path)
        .output()
        .expect("run check_schedule.py");
    assert!(
        out.status.success(),
        "the schedule does not validate:\n{}{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        reply.text
    );
    app.anonymous()
        .get("/archive/events/999999/schedule.json")
        .await
        .expect_status(StatusCode::NOT_FOUND);
}
