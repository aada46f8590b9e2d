//! The action plan: owners, due dates and dated progress, the trail of what moved an item, the
//! plan page's server-drawn chart, and coalition renames that keep old links working.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;
use crate::minutes::monthly_call;

both!(
    an_items_updates_set_its_status_and_its_page_shows_them_newest_first,
    the_trail_shows_outcomes_passages_and_meeting_actions_once_public,
    the_plan_page_draws_its_chart_and_table_without_script,
    a_renamed_coalitions_old_slug_redirects_permanently,
);

async fn an_items_updates_set_its_status_and_its_page_shows_them_newest_first(app: TestApp) {
    let org = app.organizer().await;
    let staff = app.moderator().await;
    let anon = app.anonymous();
    let (_, items) = monthly_call(&app, &org).await;
    let item = items[0];
    let url = format!("/api/plan/items/{item}");

    // Owner and due date: organizers only.
    anon.put_json(&url, &json!({"owner": "ECPAT", "due_on": "2026-12-31"}))
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    staff
        .put_json(&url, &json!({"owner": "ECPAT", "due_on": "2026-12-31"}))
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    let assigned = org
        .put_json(
            &url,
            &json!({"owner": "ECPAT International", "due_on": "2026-12-31"}),
        )
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert_eq!(assigned["owner"], "ECPAT International");
    assert_eq!(assigned["due_on"], "2026-12-31");

    let updates = format!("{url}/updates");
    anon.post_json(
        &updates,
        &json!({"on_date": "2026-01-10", "status": "in_progress", "progress": 30}),
    )
    .await
    .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let bad = staff
        .post_json(
            &updates,
            &json!({"on_date": "2999-01-01", "status": "completed", "progress": 50,
                    "evidence_url": "javascript:alert(1)"}),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let mut fields = bad.fields();
    fields.sort();
    assert_eq!(fields, ["evidence_url", "on_date", "progress"]);
    staff
        .post_json(
            &updates,
            &json!({"on_date": "2026-01-10", "status": "in_progress", "progress": 130}),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(app.count("action_item_update").await, 0);

    for (on, status, progress, note) in [
        ("2026-01-10", "in_progress", 30, "Outline agreed"),
        // Entered later but dated earlier: it does not become the current state.
        ("2025-12-01", "in_progress", 10, "Kick-off"),
    ] {
        staff
            .post_json(
                &updates,
                &json!({"on_date": on, "status": status, "progress": progress, "note": note,
                        "evidence_url": "https://example.org/evidence"}),
            )
            .await
            .expect_status(StatusCode::CREATED);
    }
    let now = anon.get(&url).await.expect_status(StatusCode::OK).body;
    assert_eq!(now["item"]["status"], "in_progress");
    assert_eq!(now["item"]["progress"], 30);
    staff
        .post_json(
            &updates,
            &json!({"on_date": "2026-02-01", "status": "completed", "progress": 100, "note": "Guide published"}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let done = anon.get(&url).await.body;
    assert_eq!(done["item"]["status"], "completed");
    assert_eq!(done["item"]["progress"], 100);
    assert_eq!(done["item"]["last_update_on"], "2026-02-01");
    let dates: Vec<&str> = done["trail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["on"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2026-02-01", "2026-01-10", "2025-12-01"]);

    // The page lists them newest first, with the evidence link; no script needed.
    let page = anon
        .get(&format!("/plan/items/{item}"))
        .await
        .expect_status(StatusCode::OK)
        .text;
    let at = |s: &str| page.find(s).unwrap_or_else(|| panic!("{s:?} on the page"));
    assert!(at("Guide published") < at("Outline agreed"));
    assert!(at("Outline agreed") < at("Kick-off"));
    assert!(page.contains("href=\"https://example.org/evidence\""));
    assert!(!page.contains("<form"), "the public sees no forms");

    // The staff form re-shows a problem next to its field.
    let reply = staff
        .send(
            staff
                .request(Method::POST, &format!("/plan/items/{item}/updates"))
                .form(&[
                    ("on_date", "2026-02-02"),
                    ("status", "in_progress"),
                    ("progress", "abc"),
                ]),
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.text.contains("id=\"progress-error\""));
    staff
        .send(
            staff
                .request(Method::POST, &format!("/plan/items/{item}/updates"))
                .form(&[
                    ("on_date", "2026-02-03"),
                    ("status", "ongoing"),
                    ("progress", "100"),
                    ("note", "Kept up to date"),
                ]),
        )
        .await
        .expect_status(StatusCode::SEE_OTHER);
    assert_eq!(anon.get(&url).await.body["item"]["status"], "ongoing");
}

async fn the_trail_shows_outcomes_passages_and_meeting_actions_once_public(app: TestApp) {
    let org = app.organizer().await;
    let anon = app.anonymous();
    let (slug, items) = monthly_call(&app, &org).await;
    let item = items[1];

    // A session with a published transcript line, and a takeaway that came from it.
    let session_id = app.live_session(&org).await;
    let transcript: i64 = sqlx::query_scalar(
        "insert into transcript (session_id, source, status, published_at, created_at, updated_at) \
         values ($1, 'igf_html', 'published', 0, 0, 0) returning transcript_id",
    )
    .bind(session_id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let segment: i64 = sqlx::query_scalar(
        "insert into transcript_segment (transcript_id, position, speaker, kind, source, text, created_at) \
         values ($1, 1, 'MODERATOR', 'speech', 'imported', 'We will run a webinar on the guide.', 0) returning segment_id",
    )
    .bind(transcript)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    org.post_json(
        &format!("/api/sessions/{session_id}/outcomes"),
        &json!({"kind": "key_takeaway", "text": "A webinar will present the guide.",
                "action_items": [{"action_item_id": item, "relation": "proposes"}],
                "segment_ids": [segment]}),
    )
    .await
    .expect_status(StatusCode::CREATED);

    // A meeting action for the item, in a meeting whose minutes are still a draft.
    let meeting = org
        .send(org.request(
            Method::PUT,
            &format!("/api/series/{slug}/meetings/2026-01-06"),
        ))
        .await
        .expect_status(StatusCode::OK)
        .body["meeting"]["meeting_id"]
        .as_i64()
        .unwrap();
    org.post_json(
        &format!("/api/meetings/{meeting}/actions"),
        &json!({"text": "Book the webinar platform", "owner": "Secretariat", "action_item_id": item}),
    )
    .await
    .expect_status(StatusCode::CREATED);
    let minutes = org
        .post_json(
            &format!("/api/meetings/{meeting}/minutes"),
            &json!({"discussion": "Webinar planning."}),
        )
        .await
        .expect_status(StatusCode::CREATED)
        .body["minutes_id"]
        .as_i64()
        .unwrap();

    let kinds = |body: &serde_json::Value| -> Vec<String> {
        body["trail"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_string())
            .collect()
    };
    let url = format!("/api/plan/items/{item}");
    let staff_view = org.get(&url).await.body;
    let mut seen = kinds(&staff_view);
    seen.sort();
    assert_eq!(seen, ["meeting_action", "outcome"]);
    let outcome = staff_view["trail"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "outcome")
        .unwrap();
    assert_eq!(
        outcome["passages"][0]["path"],
        format!("/archive/sessions/{session_id}#seg-{segment}")
    );
    assert_eq!(
        outcome["source"]["path"],
        format!("/archive/sessions/{session_id}")
    );
    // Nothing is public yet: the report is not submitted and the minutes not approved.
    assert!(kinds(&anon.get(&url).await.body).is_empty());

    sqlx::query(
        "insert into session_report (session_id, status, submitted_at, updated_at) values ($1, 'submitted', 0, 0)",
    )
    .bind(session_id)
    .execute(&app.db.pool)
    .await
    .unwrap();
    for status in ["in_review", "approved"] {
        org.post_json(
            &format!("/api/minutes/{minutes}/status"),
            &json!({ "status": status }),
        )
        .await
        .expect_status(StatusCode::OK);
    }
    let mut public = kinds(&anon.get(&url).await.body);
    public.sort();
    assert_eq!(public, ["meeting_action", "outcome"]);
    let page = anon.get(&format!("/plan/items/{item}")).await.text;
    assert!(page.contains(&format!(
        "href=\"/archive/sessions/{session_id}#seg-{segment}\""
    )));
    assert!(page.contains("We will run a webinar on the guide."));
    assert!(page.contains("Book the webinar platform"));
    assert!(page.contains(&format!("href=\"/meetings/{slug}/2026-01-06\"")));
}

async fn the_plan_page_draws_its_chart_and_table_without_script(app: TestApp) {
    let org = app.organizer().await;
    let staff = app.moderator().await;
    let (_, items) = monthly_call(&app, &org).await;
    for (item, status, progress) in [(items[0], "completed", 100), (items[1], "in_progress", 40)] {
        staff
            .post_json(
                &format!("/api/plan/items/{item}/updates"),
                &json!({"on_date": "2026-01-10", "status": status, "progress": progress}),
            )
            .await
            .expect_status(StatusCode::CREATED);
    }
    let anon = app.anonymous();
    let page = anon.get("/plan").await.expect_status(StatusCode::OK);
    let html = &page.text;
    assert!(!html.contains("<script"), "the plan needs no script");
    for expected in [
        "<svg",
        "role=\"img\"",
        "aria-labelledby=\"plan-chart-title plan-chart-desc\"",
        "<title id=\"plan-chart-title\">Progress of every action item of Test plan</title>",
        "3 action items: 1 completed, 1 in progress, 0 ongoing, 1 not started, 0 dropped. Average progress 46%.",
        "url(#plan-hatch)",
        "<table class=\"stacked\" id=\"plan-table\">",
        "<caption>",
        "Make testing safer.",
        "Test everything",
    ] {
        assert!(html.contains(expected), "missing {expected:?}");
    }
    // Bars are as long as the progress: 100% is the whole 400-unit track, 40% is 160.
    assert!(html.contains("width=\"400\" height=\"18\" fill=\"#1a1a1a\""));
    assert!(html.contains("width=\"160\" height=\"18\" fill=\"url(#plan-hatch)\""));
    // The table holds the same figures.
    assert!(html.contains(">100%</td>") && html.contains(">40%</td>") && html.contains(">0%</td>"));

    // In Arabic the page is right-to-left and the bars grow from the right.
    let arabic = anon
        .send(
            anon.request(Method::GET, "/plan")
                .header("accept-language", "ar"),
        )
        .await
        .expect_status(StatusCode::OK)
        .text;
    assert!(arabic.contains("dir=\"rtl\""));
    assert!(
        arabic.contains("x=\"236\" y=\"10\" width=\"400\""),
        "mirrored track"
    );
    assert!(arabic.contains("text-anchor=\"start\""));

    let api = anon
        .get("/api/plan")
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert_eq!(api["items"][0]["status"], "completed");
    assert_eq!(api["coalition"]["slug"], "dc-test");
}

async fn a_renamed_coalitions_old_slug_redirects_permanently(app: TestApp) {
    let org = app.organizer().await;
    let staff = app.moderator().await;
    let anon = app.anonymous();
    monthly_call(&app, &org).await;
    sqlx::query("insert into coalition (slug, name, created_at) values ('dc-other', 'Other', 0)")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let rename = json!({"slug": "dc-renamed", "name": "DC on Careful Testing"});
    anon.post_json("/api/coalitions/dc-test/rename", &rename)
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    staff
        .post_json("/api/coalitions/dc-test/rename", &rename)
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    let taken = org
        .post_json(
            "/api/coalitions/dc-test/rename",
            &json!({"slug": "dc-other", "name": ""}),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let mut fields = taken.fields();
    fields.sort();
    assert_eq!(fields, ["name", "slug"]);
    let renamed = org
        .post_json("/api/coalitions/dc-test/rename", &rename)
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert_eq!(renamed["slug"], "dc-renamed");
    assert_eq!(renamed["aliases"][0]["slug"], "dc-test");
    assert_eq!(renamed["aliases"][0]["name"], "DC on Testing");
    org.post_json("/api/coalitions/dc-test/rename", &rename)
        .await
        .expect_error(StatusCode::CONFLICT, "conflict");

    for (old, new) in [
        ("/coalitions/dc-test/plan", "/coalitions/dc-renamed/plan"),
        (
            "/coalitions/dc-test/plan?plan=1",
            "/coalitions/dc-renamed/plan?plan=1",
        ),
        ("/coalitions/dc-test", "/coalitions/dc-renamed/plan"),
        (
            "/coalitions/dc-test/archive/2026",
            "/coalitions/dc-renamed/archive/2026",
        ),
    ] {
        let reply = anon.get(old).await;
        assert_eq!(reply.status, StatusCode::PERMANENT_REDIRECT, "{old}");
        assert_eq!(reply.header("location"), new, "{old}");
    }
    let page = anon
        .get("/coalitions/dc-renamed/plan")
        .await
        .expect_status(StatusCode::OK)
        .text;
    assert!(page.contains("DC on Careful Testing"));
    assert!(page.contains("Formerly:") && page.contains("DC on Testing"));
    anon.get("/coalitions/dc-renamed/elsewhere")
        .await
        .expect_status(StatusCode::NOT_FOUND);
    anon.get("/coalitions/nobody/plan")
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert_eq!(
        anon.get("/api/coalitions/dc-test/plan").await.body["coalition"]["slug"],
        "dc-renamed"
    );
    // Taking the old slug back removes that alias.
    let back = org
        .post_json(
            "/api/coalitions/dc-renamed/rename",
            &json!({"slug": "dc-test", "name": "DC on Testing"}),
        )
        .await
        .expect_status(StatusCode::OK)
        .body;
    let aliases: Vec<&str> = back["aliases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap())
        .collect();
    assert_eq!(aliases, ["dc-renamed"]);
}
