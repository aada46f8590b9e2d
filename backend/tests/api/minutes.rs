//! Inter-sessional meetings: agendas, versioned minutes and action assignments, through the JSON
//! API and the meeting pages, as staff and as the public.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{ApiClient, TestApp};

both!(
    minutes_go_through_their_statuses_and_every_version_stays_readable,
    the_next_agenda_approves_the_minutes_and_lists_open_actions_and_carried_questions,
    organizers_arrange_the_agenda_and_forms_show_problems_next_to_fields,
    the_demo_has_approved_minutes_a_draft_and_the_next_agenda,
);

/// A coalition with a plan of three items, and its monthly call (first Tuesdays, 14:00 UTC,
/// from 6 January 2026). Returns the series slug and the items' ids.
pub async fn monthly_call(app: &TestApp, org: &ApiClient) -> (String, Vec<i64>) {
    let pool = &app.db.pool;
    let coalition_id: i64 = sqlx::query_scalar(
        "insert into coalition (slug, name, acronym, created_at) values ('dc-test', 'DC on Testing', 'DC-T', 0) returning coalition_id",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let plan_id: i64 = sqlx::query_scalar(
        "insert into action_plan (coalition_id, title, aim, period_label, starts_on, ends_on) \
         values ($1, 'Test plan', 'Make testing safer.', '2026', '2026-01-01', '2026-12-31') returning action_plan_id",
    )
    .bind(coalition_id)
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into objective (action_plan_id, position, text) values ($1, 1, 'Test everything')",
    )
    .bind(plan_id)
    .execute(pool)
    .await
    .unwrap();
    let mut items = Vec::new();
    for (i, text) in ["Publish the guide", "Hold a webinar", "Translate the guide"]
        .iter()
        .enumerate()
    {
        let id: i64 = sqlx::query_scalar(
            "insert into action_item (action_plan_id, position, code, text) values ($1, $2, $3, $4) returning action_item_id",
        )
        .bind(plan_id)
        .bind(i as i64 + 1)
        .bind(format!("AI-{}", i + 1))
        .bind(*text)
        .fetch_one(pool)
        .await
        .unwrap();
        items.push(id);
    }
    org.post_json(
        "/api/series",
        &json!({
            "slug": "monthly", "title": "Monthly call", "time_zone": "UTC",
            "first_start_local": "2026-01-06T14:00:00", "duration_minutes": 60,
            "rrule": "FREQ=MONTHLY;BYDAY=1TU", "coalition_id": coalition_id,
        }),
    )
    .await
    .expect_status(StatusCode::CREATED);
    ("monthly".into(), items)
}

/// The meeting's row id, made by opening the meeting as staff.
async fn open(staff: &ApiClient, slug: &str, date: &str) -> i64 {
    staff
        .send(staff.request(Method::PUT, &format!("/api/series/{slug}/meetings/{date}")))
        .await
        .expect_status(StatusCode::OK)
        .body["meeting"]["meeting_id"]
        .as_i64()
        .expect("meeting_id")
}

async fn set_status(client: &ApiClient, minutes_id: i64, status: &str) -> crate::helpers::Reply {
    client
        .post_json(
            &format!("/api/minutes/{minutes_id}/status"),
            &json!({ "status": status }),
        )
        .await
}

fn content(discussion: &str) -> Value {
    json!({
        "attendee_count": 12,
        "attendee_organisations": ["ECPAT International", "ITU"],
        "apologies": ["Insafe"],
        "agenda": ["Approval of the minutes", "Members' news"],
        "discussion": discussion,
    })
}

async fn minutes_go_through_their_statuses_and_every_version_stays_readable(app: TestApp) {
    let org = app.organizer().await;
    let staff = app.moderator().await;
    let anon = app.anonymous();
    let (slug, _) = monthly_call(&app, &org).await;

    // Nobody outside staff makes meetings; a date the rule does not give is no meeting.
    anon.send(anon.request(
        Method::PUT,
        &format!("/api/series/{slug}/meetings/2026-01-06"),
    ))
    .await
    .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    anon.get(&format!("/api/series/{slug}/meetings/2026-01-07"))
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    let meeting_id = open(&staff, &slug, "2026-01-06").await;

    // Bad content is refused field by field and stores nothing.
    let bad = staff
        .post_json(
            &format!("/api/meetings/{meeting_id}/minutes"),
            &json!({"attendee_count": -1, "discussion": "hidden \u{202E}reversed"}),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let mut fields = bad.fields();
    fields.sort();
    assert_eq!(fields, ["attendee_count", "discussion"]);
    assert_eq!(app.count("minutes").await, 0);
    anon.post_json(
        &format!("/api/meetings/{meeting_id}/minutes"),
        &content("Anonymous notes"),
    )
    .await
    .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");

    let v1 = staff
        .post_json(
            &format!("/api/meetings/{meeting_id}/minutes"),
            &content("First draft of the discussion."),
        )
        .await
        .expect_status(StatusCode::CREATED)
        .body;
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["status"], "draft");
    let v1_id = v1["minutes_id"].as_i64().unwrap();

    // A draft is staff-only and changes in place.
    anon.get(&format!("/api/minutes/{v1_id}"))
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    let edited = staff
        .put_json(
            &format!("/api/minutes/{v1_id}"),
            &content("The discussion, as agreed."),
        )
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert_eq!(edited["minutes_id"], v1_id);
    assert_eq!(
        edited["content"]["discussion"],
        "The discussion, as agreed."
    );

    // draft → in review → approved; no skipping, and only organizers approve.
    set_status(&org, v1_id, "locked")
        .await
        .expect_error(StatusCode::CONFLICT, "conflict");
    set_status(&staff, v1_id, "in_review")
        .await
        .expect_status(StatusCode::OK);
    set_status(&staff, v1_id, "approved")
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    let approved = set_status(&org, v1_id, "approved")
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert_eq!(approved["status"], "approved");
    assert!(approved["approved_at"].is_string());
    assert!(approved["approved_in_meeting_id"].is_null());
    assert_eq!(
        anon.get(&format!("/api/minutes/{v1_id}"))
            .await
            .expect_status(StatusCode::OK)
            .body["content"]["discussion"],
        "The discussion, as agreed."
    );

    // Editing the approved version makes version 2, a draft; version 1 stays as approved.
    let v2 = staff
        .put_json(
            &format!("/api/minutes/{v1_id}"),
            &content("The discussion, with a correction from a member."),
        )
        .await
        .expect_status(StatusCode::CREATED)
        .body;
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["status"], "draft");
    let v2_id = v2["minutes_id"].as_i64().unwrap();
    let public: Vec<i64> = anon
        .get(&format!("/api/meetings/{meeting_id}/minutes"))
        .await
        .expect_status(StatusCode::OK)
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(public, [1], "the public reads only the approved version");
    let all = staff
        .get(&format!("/api/meetings/{meeting_id}/minutes"))
        .await
        .body;
    assert_eq!(all[0]["version"], 2);
    assert_eq!(all[1]["status"], "approved");
    assert_eq!(
        all[1]["content"]["discussion"],
        "The discussion, as agreed."
    );
    // Only the latest version moves.
    set_status(&org, v1_id, "locked")
        .await
        .expect_error(StatusCode::CONFLICT, "conflict");

    // Version 2 goes all the way; locked minutes are final.
    set_status(&staff, v2_id, "in_review")
        .await
        .expect_status(StatusCode::OK);
    set_status(&org, v2_id, "approved")
        .await
        .expect_status(StatusCode::OK);
    set_status(&staff, v2_id, "locked")
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    set_status(&org, v2_id, "locked")
        .await
        .expect_status(StatusCode::OK);
    staff
        .put_json(&format!("/api/minutes/{v2_id}"), &content("Too late"))
        .await
        .expect_error(StatusCode::CONFLICT, "conflict");
    staff
        .post_json(
            &format!("/api/meetings/{meeting_id}/minutes"),
            &content("Too late"),
        )
        .await
        .expect_error(StatusCode::CONFLICT, "conflict");
    assert_eq!(app.count("minutes").await, 2);

    // The public page shows the locked version, and the first one on request.
    let page = anon
        .get(&format!("/meetings/{slug}/2026-01-06"))
        .await
        .expect_status(StatusCode::OK)
        .text;
    assert!(page.contains("Version 2: locked (final)"), "{page}");
    assert!(page.contains("with a correction from a member"));
    let first = anon
        .get(&format!("/meetings/{slug}/2026-01-06?version=1"))
        .await
        .expect_status(StatusCode::OK)
        .text;
    assert!(first.contains("The discussion, as agreed."));
}

async fn the_next_agenda_approves_the_minutes_and_lists_open_actions_and_carried_questions(
    app: TestApp,
) {
    let org = app.organizer().await;
    let staff = app.moderator().await;
    let anon = app.anonymous();
    let (slug, items) = monthly_call(&app, &org).await;
    let january = open(&staff, &slug, "2026-01-06").await;
    let february = open(&staff, &slug, "2026-02-03").await;

    let v1 = staff
        .post_json(
            &format!("/api/meetings/{january}/minutes"),
            &content("January's discussion."),
        )
        .await
        .expect_status(StatusCode::CREATED)
        .body["minutes_id"]
        .as_i64()
        .unwrap();
    for (text, due, status, item) in [
        ("Send the report", "2020-01-15", "open", Some(items[0])),
        ("Book the room", "2020-01-20", "done", None),
        ("Draft the guide", "2099-01-01", "open", None),
    ] {
        staff
            .post_json(
                &format!("/api/meetings/{january}/actions"),
                &json!({"text": text, "owner": "Secretariat", "due_on": due, "status": status, "action_item_id": item}),
            )
            .await
            .expect_status(StatusCode::CREATED);
    }
    // An action with a bad date or an unknown item is refused by name.
    let bad = staff
        .post_json(
            &format!("/api/meetings/{january}/actions"),
            &json!({"text": "", "owner": "Secretariat", "status": "maybe", "action_item_id": 999999}),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let mut fields = bad.fields();
    fields.sort();
    assert_eq!(fields, ["action_item_id", "status", "text"]);

    // Plan items: one open with an owner and a due date (on the agenda), one completed, one
    // without owner (neither is).
    for (i, owner, due) in [
        (0, "ECPAT", "2020-06-01"),
        (1, "ITU", "2099-01-01"),
        (2, "", "2099-01-01"),
    ] {
        org.put_json(
            &format!("/api/plan/items/{}", items[i]),
            &json!({"owner": owner, "due_on": due}),
        )
        .await
        .expect_status(StatusCode::OK);
    }
    staff
        .post_json(
            &format!("/api/plan/items/{}/updates", items[1]),
            &json!({"on_date": "2026-01-10", "status": "completed", "progress": 100}),
        )
        .await
        .expect_status(StatusCode::CREATED);

    // A question of a session carried forward to February's call.
    let session_id = app.live_session(&org).await;
    let archived: i64 = sqlx::query_scalar(
        "insert into archived_question (session_id, question_id, text, votes, status, asked_at, archived_at) \
         values ($1, 424242, 'Who reviews the guide with young people?', 7, 'unanswered', 0, 0) returning archived_question_id",
    )
    .bind(session_id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into carried_question (archived_question_id, meeting_id, created_at) values ($1, $2, 0)",
    )
    .bind(archived)
    .bind(february)
    .execute(&app.db.pool)
    .await
    .unwrap();

    let agenda_of = |client: &ApiClient| {
        let client = client.clone();
        let slug = slug.clone();
        async move {
            client
                .get(&format!("/api/series/{slug}/meetings/2026-02-03"))
                .await
                .expect_status(StatusCode::OK)
                .body["agenda"]
                .clone()
        }
    };
    let agenda = agenda_of(&staff).await;
    assert_eq!(agenda["previous_minutes"]["minutes_id"], v1);
    assert_eq!(agenda["previous_minutes"]["status"], "draft");
    assert_eq!(agenda["previous_minutes"]["can_approve"], false);
    let open_actions: Vec<(String, bool)> = agenda["open_actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["action"]["text"].as_str().unwrap().to_string(),
                o["action"]["overdue"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        open_actions,
        [
            ("Send the report".to_string(), true),
            ("Draft the guide".to_string(), false)
        ],
        "open actions, soonest due first, overdue marked; done ones are not on the agenda"
    );
    let plan_codes: Vec<&str> = agenda["plan_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(plan_codes, ["AI-1"]);
    assert_eq!(agenda["plan_items"][0]["overdue"], true);
    assert_eq!(
        agenda["carried_questions"][0]["text"],
        "Who reviews the guide with young people?"
    );
    // The public sees January's actions only once its minutes are approved.
    assert_eq!(agenda_of(&anon).await["open_actions"], json!([]));

    // Approving from February's agenda: organizers only, the version the agenda shows, in review.
    set_status(&staff, v1, "in_review")
        .await
        .expect_status(StatusCode::OK);
    let approve = format!("/api/meetings/{february}/approve-previous-minutes");
    anon.post_json(&approve, &json!({"minutes_id": v1}))
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    staff
        .post_json(&approve, &json!({"minutes_id": v1}))
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    org.post_json(&approve, &json!({"minutes_id": v1 + 1000}))
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let approved = org
        .post_json(&approve, &json!({"minutes_id": v1}))
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["approved_in_meeting_id"], february);

    let public = agenda_of(&anon).await;
    assert_eq!(
        public["previous_minutes"]["approved_in_meeting_id"],
        february
    );
    assert_eq!(public["open_actions"].as_array().unwrap().len(), 2);

    // The page says so, without script.
    let page = anon
        .get(&format!("/meetings/{slug}/2026-02-03"))
        .await
        .expect_status(StatusCode::OK)
        .text;
    for expected in [
        "Approved at this meeting.",
        "Send the report",
        "Overdue",
        "Who reviews the guide with young people?",
        "AI-1",
    ] {
        assert!(page.contains(expected), "missing {expected:?}");
    }
    assert!(
        !page.contains("Book the room"),
        "done actions are not on the agenda"
    );
    // January's page shows its actions now that the minutes are public, and its decisions.
    let january_page = anon.get(&format!("/meetings/{slug}/2026-01-06")).await.text;
    assert!(january_page.contains("Book the room"));
}

async fn organizers_arrange_the_agenda_and_forms_show_problems_next_to_fields(app: TestApp) {
    let org = app.organizer().await;
    let staff = app.moderator().await;
    let (slug, _) = monthly_call(&app, &org).await;
    let meeting = open(&staff, &slug, "2026-03-03").await;
    let items_url = format!("/api/meetings/{meeting}/agenda-items");
    staff
        .post_json(&items_url, &json!({"title": "Members' news"}))
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    let mut ids = Vec::new();
    for title in ["Members' news", "IGF proposal", "Any other business"] {
        ids.push(
            org.post_json(&items_url, &json!({ "title": title }))
                .await
                .expect_status(StatusCode::CREATED)
                .body["agenda_item_id"]
                .as_i64()
                .unwrap(),
        );
    }
    org.post_json(&items_url, &json!({"title": "   "}))
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let order = format!("/api/meetings/{meeting}/agenda-items/order");
    org.put_json(&order, &json!({"agenda_item_ids": [ids[1], ids[0]]}))
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let reordered = org
        .put_json(
            &order,
            &json!({"agenda_item_ids": [ids[1], ids[0], ids[2]]}),
        )
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert_eq!(reordered[0]["title"], "IGF proposal");
    org.send(org.request(Method::DELETE, &format!("/api/agenda-items/{}", ids[0])))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    let agenda = org.get(&format!("/api/meetings/{meeting}")).await.body["agenda"]["items"].clone();
    let titles: Vec<(&str, i64)> = agenda
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["title"].as_str().unwrap(),
                i["position"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(titles, [("IGF proposal", 1), ("Any other business", 2)]);

    // The page's forms: an empty title comes back next to its field; a good one is added.
    let page_url = format!("/meetings/{slug}/2026-03-03");
    let reply = org
        .send(
            org.request(Method::POST, &format!("{page_url}/agenda"))
                .form(&[("title", "")]),
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.text.contains("id=\"agenda-title-error\""),
        "{}",
        reply.text
    );
    assert!(reply.text.contains("aria-invalid=\"true\""));
    org.send(
        org.request(Method::POST, &format!("{page_url}/agenda"))
            .form(&[("title", "Date of the next call")]),
    )
    .await
    .expect_status(StatusCode::SEE_OTHER);
    // Moving the new last item up, through the page's buttons.
    let last = org.get(&format!("/api/meetings/{meeting}")).await.body["agenda"]["items"][2]
        ["agenda_item_id"]
        .as_i64()
        .unwrap();
    org.send(
        org.request(Method::POST, &format!("{page_url}/agenda/{last}"))
            .form(&[("change", "up")]),
    )
    .await
    .expect_status(StatusCode::SEE_OTHER);
    let page = app.anonymous().get(&page_url).await.text;
    let pos = |s: &str| page.find(s).unwrap_or_else(|| panic!("{s} on the page"));
    assert!(pos("IGF proposal") < pos("Date of the next call"));
    assert!(pos("Date of the next call") < pos("Any other business"));
    // Moderators may not touch the agenda through the page either.
    staff
        .send(
            staff
                .request(Method::POST, &format!("{page_url}/agenda"))
                .form(&[("title", "Sneaky")]),
        )
        .await
        .expect_status(StatusCode::FORBIDDEN);
    // The minutes form keeps what was typed and names the problem.
    let reply = staff
        .send(
            staff
                .request(Method::POST, &format!("{page_url}/minutes/edit"))
                .form(&[("attendee_count", "many"), ("discussion", "Kept text")]),
        )
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.text.contains("id=\"attendee_count-error\""));
    assert!(reply.text.contains("Kept text"));
    assert_eq!(app.count("minutes").await, 0);
    staff
        .send(
            staff
                .request(Method::POST, &format!("{page_url}/minutes/edit"))
                .form(&[
                    ("attendee_count", "9"),
                    ("attendee_organisations", "ITU\nECPAT"),
                    ("discussion", "Notes"),
                ]),
        )
        .await
        .expect_status(StatusCode::SEE_OTHER);
    let staff_page = staff.get(&page_url).await.text;
    assert!(staff_page.contains("Version 1: draft"));
    assert!(staff_page.contains("ECPAT"));
    // Anonymous visitors are sent to sign in rather than writing.
    let anon = app.anonymous();
    let reply = anon
        .send(
            anon.request(Method::POST, &format!("{page_url}/minutes/edit"))
                .form(&[("discussion", "Notes")]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert!(reply.header("location").starts_with("/login"));
}

async fn the_demo_has_approved_minutes_a_draft_and_the_next_agenda(app: TestApp) {
    plenary::seed::load(&app.db).await.expect("the demo loads");
    let statuses: Vec<String> = sqlx::query_scalar(
        "select x.status from minutes x join meeting m on m.meeting_id = x.meeting_id \
         where x.version = (select max(version) from minutes y where y.meeting_id = x.meeting_id) \
         order by m.original_start",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(statuses, ["approved", "approved", "draft"]);
    let next: i64 =
        sqlx::query_scalar("select meeting_id from agenda_item order by agenda_item_id limit 1")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let anon = app.anonymous();
    let record = anon
        .get(&format!("/api/meetings/{next}"))
        .await
        .expect_status(StatusCode::OK)
        .body;
    let agenda = &record["agenda"];
    assert_eq!(agenda["previous_minutes"]["status"], "draft");
    assert_eq!(agenda["items"].as_array().unwrap().len(), 3);
    let overdue = agenda["open_actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["action"]["overdue"] == true)
        .count();
    assert_eq!(overdue, 1, "one overdue action: {agenda}");
    assert!(!agenda["plan_items"].as_array().unwrap().is_empty());
    let done: i64 = sqlx::query_scalar("select count(*) from meeting_action where status = 'done'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(done, 1);
    // The series' list of recorded meetings links every one of them.
    let list = anon
        .get("/meetings/dc-cos-monthly-call/minutes")
        .await
        .expect_status(StatusCode::OK)
        .text;
    assert!(
        list.matches("/meetings/dc-cos-monthly-call/2").count() >= 4,
        "{list}"
    );
}
