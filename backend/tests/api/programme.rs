//! Building a programme through the API, and what bad input gets back.

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::json;

use crate::helpers::TestApp;

both!(
    an_organizer_builds_a_programme_through_the_api,
    invalid_input_is_refused_naming_each_field_and_nothing_is_stored,
    a_body_that_is_not_json_is_refused_with_415_and_nothing_is_stored,
    malformed_json_is_refused_with_400_and_nothing_is_stored,
    lists_are_paginated_and_bad_page_values_name_the_parameter,
    the_online_join_link_is_for_staff_only,
);

async fn an_organizer_builds_a_programme_through_the_api(app: TestApp) {
    let org = app.organizer().await;
    let anon = app.anonymous();
    let p = app.programme(&org).await;

    let mut body = p.session(
        403,
        "Age assurance without surveillance",
        "2025-06-24 09:00",
        90,
    );
    body["track"] = json!("Child online safety");
    body["policy_questions"] = json!(["Which age-assurance methods respect children's privacy?"]);
    body["roles"] = json!([
        {"person_id": p.people[0], "role": "onsite_moderator"},
        {"person_id": p.people[1], "role": "speaker"},
    ]);
    let saved = org
        .post_json(&p.sessions_url(), &body)
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(saved.body["overridden"], false);
    assert_eq!(saved.body["conflicts"], json!([]));
    let id = saved.body["session"]["session_id"]
        .as_i64()
        .expect("session_id");

    // Anyone can read it back, as the schedule would show it.
    let session = anon
        .get(&format!("/api/sessions/{id}"))
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert_eq!(session["label"], "WS #403");
    assert_eq!(session["title"], "Age assurance without surveillance");
    assert_eq!(session["room_name"], "Workshop Room 1");
    assert_eq!(session["event_slug"], "igf-2025");
    assert_eq!(
        session["starts_at"], "2025-06-24T07:00:00Z",
        "09:00 in Oslo is 07:00 UTC in June"
    );
    assert_eq!(session["ends_at"], "2025-06-24T08:30:00Z");
    assert_eq!(
        session["policy_questions"][0],
        "Which age-assurance methods respect children's privacy?"
    );
    let roles: Vec<_> = session["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].clone(), r["role"].clone()))
        .collect();
    assert_eq!(
        roles,
        vec![
            (json!("Amina Diallo"), json!("onsite_moderator")),
            (json!("Lars Berg"), json!("speaker"))
        ]
    );
    assert_eq!(session["roles"][0]["stakeholder_group"], "civil_society");

    // The lists show what was made.
    let events = anon
        .get("/api/events")
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert_eq!(events.as_array().unwrap().len(), 1);
    assert_eq!(events[0]["time_zone"], "Europe/Oslo");
    let event = anon
        .get("/api/events/igf-2025")
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert_eq!(event["name"], "IGF 2025");
    anon.get("/api/events/no-such-event")
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    let venues = anon
        .get("/api/venues")
        .await
        .expect_status(StatusCode::OK)
        .body;
    let venue_id = venues[0]["venue_id"].as_i64().unwrap();
    assert_eq!(venues[0]["city"], "Lillestrøm");
    let rooms = anon
        .get(&format!("/api/rooms?venue_id={venue_id}"))
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert_eq!(rooms.as_array().unwrap().len(), 2);
    let types = anon
        .get("/api/session-types")
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert_eq!(types[0]["allowed_durations"], json!([60, 90]));
    let people = anon
        .get("/api/people")
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert_eq!(people["total"], 3);

    // A day of the programme is the host's calendar day.
    let day = anon
        .get(&format!("{}?day=2025-06-24", p.sessions_url()))
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert_eq!(day["total"], 1);
    assert_eq!(day["items"][0]["session_id"], id);
    let other_day = anon
        .get(&format!("{}?day=2025-06-25", p.sessions_url()))
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert_eq!(other_day["total"], 0);

    // A room can be renamed; the session follows.
    let room = org
        .put_json(
            &format!("/api/rooms/{}", p.rooms[0]),
            &json!({"venue_id": venue_id, "name": "Plenary Hall", "capacity": 800, "layout": "theatre"}),
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(room.body["name"], "Plenary Hall");
    let session = anon.get(&format!("/api/sessions/{id}")).await.body;
    assert_eq!(session["room_name"], "Plenary Hall");
}

async fn invalid_input_is_refused_naming_each_field_and_nothing_is_stored(app: TestApp) {
    let org = app.organizer().await;
    let reply = org
        .post_json(
            "/api/events",
            &json!({
                "slug": "IGF 2025!", "name": "  ", "kind": "annual_meeting",
                "time_zone": "Mars/Olympus_Mons", "starts_on": "2025-06-27", "ends_on": "2025-06-23",
            }),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let mut fields = reply.fields();
    fields.sort();
    assert_eq!(
        fields,
        ["ends_on", "name", "slug", "time_zone"],
        "{}",
        reply.text
    );
    assert_eq!(app.count("event").await, 0);

    // A value of the wrong type is blamed on its field too.
    let reply = org
        .post_json(
            "/api/events",
            &json!({
                "slug": "igf-2025", "name": "IGF 2025", "kind": "annual_meeting",
                "time_zone": "Europe/Oslo", "starts_on": "next monday", "ends_on": "2025-06-27",
            }),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(reply.fields(), ["starts_on"], "{}", reply.text);
    let reply = org
        .post_json(
            "/api/events",
            &json!({
                "slug": "igf-2025", "name": "IGF 2025", "kind": "summit",
                "time_zone": "Europe/Oslo", "starts_on": "2025-06-23", "ends_on": "2025-06-27",
            }),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(reply.fields(), ["kind"], "{}", reply.text);
    assert_eq!(app.count("event").await, 0);

    // Sessions: the form's fields, and references that do not exist.
    let p = app.programme(&org).await;
    let mut body = p.session(1, "", "2025-06-24 09:00", 60);
    body["online_join_url"] = json!("http://insecure.example.org/room");
    let reply = org
        .post_json(&p.sessions_url(), &body)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let mut fields = reply.fields();
    fields.sort();
    assert_eq!(fields, ["online_join_url", "title"], "{}", reply.text);

    let mut body = p.session(1, "A workshop", "2025-06-24 09:00", 60);
    body.as_object_mut().unwrap().remove("number");
    let reply = org
        .post_json(&p.sessions_url(), &body)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(
        reply.fields(),
        ["number"],
        "workshops are numbered: {}",
        reply.text
    );

    let mut body = p.session(1, "A workshop", "2025-06-24 09:00", 60);
    body["room_id"] = json!(999_999);
    let reply = org
        .post_json(&p.sessions_url(), &body)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(reply.fields(), ["room_id"], "{}", reply.text);

    let mut body = p.session(1, "A workshop", "2025-06-24 09:00", 60);
    body["roles"] = json!([{"person_id": p.people[0], "role": "speaker"}, {"person_id": 999_999, "role": "speaker"}]);
    let reply = org
        .post_json(&p.sessions_url(), &body)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(reply.fields(), ["roles[1].person_id"], "{}", reply.text);

    let mut body = p.session(1, "A workshop", "2025-06-24 09:00", 60);
    body["roles"] = json!([{"person_id": p.people[0], "role": "chair"}]);
    let reply = org
        .post_json(&p.sessions_url(), &body)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(reply.fields(), ["roles[0].role"], "{}", reply.text);

    // A misspelt or forgotten field is named, like any other field problem.
    let mut body = p.session(1, "A workshop", "2025-06-24 09:00", 60);
    body["titel"] = json!("typo");
    let reply = org
        .post_json(&p.sessions_url(), &body)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(reply.fields(), ["titel"], "{}", reply.text);
    let mut body = p.session(1, "A workshop", "2025-06-24 09:00", 60);
    body.as_object_mut().unwrap().remove("title");
    let reply = org
        .post_json(&p.sessions_url(), &body)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(reply.fields(), ["title"], "{}", reply.text);
    let mut body = p.session(1, "A workshop", "2025-06-24 09:00", 60);
    body["roles"] = json!([{"person_id": p.people[0]}]);
    let reply = org
        .post_json(&p.sessions_url(), &body)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(reply.fields(), ["roles[0].role"], "{}", reply.text);

    assert_eq!(app.count("session").await, 0);
    assert_eq!(app.count("session_role").await, 0);

    // A slug that is taken is a field problem, not a server error.
    let event = json!({
        "slug": "igf-2025", "name": "Again", "kind": "annual_meeting",
        "time_zone": "Europe/Oslo", "starts_on": "2025-06-23", "ends_on": "2025-06-27",
    });
    let reply = org
        .post_json("/api/events", &event)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(reply.fields(), ["slug"], "{}", reply.text);
    assert_eq!(app.count("event").await, 1);
}

async fn a_body_that_is_not_json_is_refused_with_415_and_nothing_is_stored(app: TestApp) {
    let org = app.organizer().await;
    let event = r#"{"slug":"igf-2025","name":"IGF 2025","kind":"annual_meeting","time_zone":"Europe/Oslo","starts_on":"2025-06-23","ends_on":"2025-06-27"}"#;
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut request = org
            .request(reqwest::Method::POST, "/api/events")
            .body(event);
        if let Some(ct) = content_type {
            request = request.header(CONTENT_TYPE, ct);
        }
        let reply = org
            .send(request)
            .await
            .expect_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
        assert!(
            reply.text.contains("application/json"),
            "the reply says what to send: {}",
            reply.text
        );
    }
    assert_eq!(app.count("event").await, 0);
    // The same body with the right type goes through (the body was never the problem).
    let request = org
        .request(reqwest::Method::POST, "/api/events")
        .header(CONTENT_TYPE, "application/json; charset=utf-8")
        .body(event);
    org.send(request).await.expect_status(StatusCode::CREATED);
}

async fn malformed_json_is_refused_with_400_and_nothing_is_stored(app: TestApp) {
    let org = app.organizer().await;
    for body in [
        r#"{"slug": "igf-2025", "name": "#,
        "not json at all",
        "",
        r#"["an", "array"]"#,
    ] {
        let request = org
            .request(reqwest::Method::POST, "/api/events")
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        let reply = org
            .send(request)
            .await
            .expect_error(StatusCode::BAD_REQUEST, "bad_request");
        assert!(
            !reply.body["message"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "{}",
            reply.text
        );
    }
    assert_eq!(app.count("event").await, 0);
}

async fn lists_are_paginated_and_bad_page_values_name_the_parameter(app: TestApp) {
    let org = app.organizer().await;
    let anon = app.anonymous();
    let p = app.programme(&org).await;
    for name in ["Zoe Achterberg", "Bruno Costa"] {
        org.post_json("/api/people", &json!({"name": name}))
            .await
            .expect_status(StatusCode::CREATED);
    }
    // Five people by name: Amina, Bruno, Lars, Mei, Zoe.
    let page = anon
        .get("/api/people?page=2&per_page=2")
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert_eq!(
        (
            page["page"].as_i64(),
            page["per_page"].as_i64(),
            page["total"].as_i64()
        ),
        (Some(2), Some(2), Some(5))
    );
    let names: Vec<_> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["Lars Berg", "Mei Tanaka"]);
    let last = anon.get("/api/people?page=3&per_page=2").await.body;
    assert_eq!(last["items"].as_array().unwrap().len(), 1);
    let beyond = anon
        .get("/api/people?page=9&per_page=2")
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert_eq!(beyond["items"], json!([]));
    assert_eq!(beyond["total"], 5);

    // Sessions page the same way.
    for (n, start) in [
        (1, "2025-06-24 09:00"),
        (2, "2025-06-24 11:00"),
        (3, "2025-06-24 13:00"),
    ] {
        org.post_json(
            &p.sessions_url(),
            &p.session(n, &format!("Workshop {n}"), start, 60),
        )
        .await
        .expect_status(StatusCode::CREATED);
    }
    let page = anon
        .get(&format!("{}?per_page=2&page=2", p.sessions_url()))
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert_eq!(page["total"], 3);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["title"], "Workshop 3", "in time order");

    for (query, field) in [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("per_page=0", "per_page"),
        ("per_page=201", "per_page"),
        ("per_page=lots", "per_page"),
        ("page=1.5", "page"),
    ] {
        for url in [
            format!("/api/people?{query}"),
            format!("{}?{query}", p.sessions_url()),
        ] {
            let reply = anon
                .get(&url)
                .await
                .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
            assert_eq!(reply.fields(), [field], "{url}: {}", reply.text);
        }
    }
    let reply = anon
        .get(&format!("{}?day=someday", p.sessions_url()))
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(reply.fields(), ["day"], "{}", reply.text);
}

async fn the_online_join_link_is_for_staff_only(app: TestApp) {
    let org = app.organizer().await;
    let anon = app.anonymous();
    let p = app.programme(&org).await;
    let mut body = p.session(7, "Hybrid workshop", "2025-06-24 09:00", 60);
    body["online_join_url"] = json!("https://meet.example.org/ws-7?pwd=secret");
    let saved = org
        .post_json(&p.sessions_url(), &body)
        .await
        .expect_status(StatusCode::CREATED);
    let id = saved.body["session"]["session_id"].as_i64().unwrap();
    assert_eq!(
        saved.body["session"]["online_join_url"],
        "https://meet.example.org/ws-7?pwd=secret"
    );

    let public = anon
        .get(&format!("/api/sessions/{id}"))
        .await
        .expect_status(StatusCode::OK);
    assert!(
        public.body.get("online_join_url").is_none(),
        "{}",
        public.text
    );
    assert!(!public.text.contains("meet.example.org"), "{}", public.text);
    let list = anon
        .get(&p.sessions_url())
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(list.body["total"], 1);
    assert!(!list.text.contains("meet.example.org"), "{}", list.text);

    let staff = org.get(&format!("/api/sessions/{id}")).await.body;
    assert_eq!(
        staff["online_join_url"],
        "https://meet.example.org/ws-7?pwd=secret"
    );
    let staff_list = org.get(&p.sessions_url()).await.body;
    assert_eq!(
        staff_list["items"][0]["online_join_url"],
        "https://meet.example.org/ws-7?pwd=secret"
    );
}
