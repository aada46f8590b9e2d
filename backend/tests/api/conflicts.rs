//! Scheduling conflicts: what is refused, what only warns, and what an organizer may override.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Row;

use crate::helpers::{Programme, TestApp, oslo};

both!(
    a_double_booked_room_is_refused_naming_the_other_session,
    a_person_cannot_be_in_two_sessions_at_once,
    a_person_is_not_scheduled_when_they_declared_they_are_unavailable,
    a_session_outside_the_event_days_is_refused,
    a_session_crossing_host_local_midnight_is_refused,
    a_duration_the_session_type_does_not_allow_is_refused,
    a_track_overlap_only_warns,
    an_organizer_override_with_a_reason_is_saved_and_recorded,
    moving_a_session_into_a_conflict_is_refused_and_it_stays_put,
    the_conflicts_view_lists_each_current_conflict_once,
    checking_a_session_saves_nothing,
    organizers_booking_one_room_at_once_get_one_booking,
);

fn kinds(conflicts: &Value) -> Vec<&str> {
    conflicts
        .as_array()
        .expect("a list of conflicts")
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect()
}

async fn create(org: &crate::helpers::ApiClient, p: &Programme, body: &Value) -> i64 {
    let saved = org
        .post_json(&p.sessions_url(), body)
        .await
        .expect_status(StatusCode::CREATED);
    saved.body["session"]["session_id"]
        .as_i64()
        .expect("session_id")
}

async fn a_double_booked_room_is_refused_naming_the_other_session(app: TestApp) {
    let org = app.organizer().await;
    let p = app.programme(&org).await;
    let first = create(
        &org,
        &p,
        &p.session(1, "Safety by design", "2025-06-24 09:00", 60),
    )
    .await;

    let reply = org
        .post_json(
            &p.sessions_url(),
            &p.session(2, "Youth voices", "2025-06-24 09:30", 60),
        )
        .await
        .expect_error(StatusCode::CONFLICT, "schedule_conflict");
    assert_eq!(
        reply.conflict_kinds(),
        ["room_double_booked"],
        "{}",
        reply.text
    );
    let conflict = &reply.body["conflicts"][0];
    assert_eq!(conflict["severity"], "block");
    assert_eq!(conflict["other_session"]["session_id"], first);
    assert_eq!(conflict["other_session"]["label"], "WS #1");
    assert_eq!(conflict["room_name"], "Workshop Room 1");
    let message = conflict["message"].as_str().unwrap();
    assert!(
        message.contains("Safety by design") && message.contains("WS #1"),
        "{message}"
    );
    assert_eq!(app.count("session").await, 1, "nothing was stored");

    // Back to back is fine, and so is the same time in another room.
    create(
        &org,
        &p,
        &p.session(2, "Youth voices", "2025-06-24 10:00", 60),
    )
    .await;
    let mut other_room = p.session(3, "Parallel track", "2025-06-24 09:30", 60);
    other_room["room_id"] = json!(p.rooms[1]);
    create(&org, &p, &other_room).await;
    // A cancelled session frees its room.
    let mut cancelled = p.session(4, "Called off", "2025-06-24 09:00", 60);
    cancelled["status"] = json!("cancelled");
    let cancelled_id = create(&org, &p, &cancelled).await;
    let _ = cancelled_id;
    assert_eq!(app.count("session").await, 4);
}

async fn a_person_cannot_be_in_two_sessions_at_once(app: TestApp) {
    let org = app.organizer().await;
    let p = app.programme(&org).await;
    let mut first = p.session(1, "Safety by design", "2025-06-24 09:00", 60);
    first["roles"] = json!([{"person_id": p.people[0], "role": "speaker"}]);
    let first_id = create(&org, &p, &first).await;

    let mut second = p.session(2, "Youth voices", "2025-06-24 09:30", 60);
    second["room_id"] = json!(p.rooms[1]);
    second["roles"] = json!([
        {"person_id": p.people[1], "role": "speaker"},
        {"person_id": p.people[0], "role": "onsite_moderator"},
    ]);
    let reply = org
        .post_json(&p.sessions_url(), &second)
        .await
        .expect_error(StatusCode::CONFLICT, "schedule_conflict");
    assert_eq!(
        reply.conflict_kinds(),
        ["person_double_booked"],
        "{}",
        reply.text
    );
    let conflict = &reply.body["conflicts"][0];
    assert_eq!(conflict["person_id"], p.people[0]);
    assert_eq!(conflict["person_name"], "Amina Diallo");
    assert_eq!(conflict["other_session"]["session_id"], first_id);
    assert_eq!(app.count("session").await, 1);
    assert_eq!(app.count("session_role").await, 1);
}

async fn a_person_is_not_scheduled_when_they_declared_they_are_unavailable(app: TestApp) {
    let org = app.organizer().await;
    let p = app.programme(&org).await;
    let (from, _) = oslo("2025-06-24 08:00", 0);
    let (until, _) = oslo("2025-06-24 12:00", 0);
    let reply = org
        .post_json(
            &format!("/api/people/{}/unavailability", p.people[2]),
            &json!({"starts_at": from, "ends_at": until, "note": "Travelling"}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    assert!(reply.body["id"].as_i64().is_some(), "{}", reply.text);
    org.post_json(
        "/api/people/999999/unavailability",
        &json!({"starts_at": from, "ends_at": until}),
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "not_found");
    let reply = org
        .post_json(
            &format!("/api/people/{}/unavailability", p.people[2]),
            &json!({"starts_at": until, "ends_at": from}),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(reply.fields(), ["ends_at"]);

    let mut body = p.session(1, "Research roundup", "2025-06-24 11:00", 60);
    body["roles"] = json!([{"person_id": p.people[2], "role": "speaker"}]);
    let reply = org
        .post_json(&p.sessions_url(), &body)
        .await
        .expect_error(StatusCode::CONFLICT, "schedule_conflict");
    assert_eq!(
        reply.conflict_kinds(),
        ["person_unavailable"],
        "{}",
        reply.text
    );
    assert_eq!(reply.body["conflicts"][0]["person_name"], "Mei Tanaka");
    let message = reply.body["conflicts"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("08:00") && message.contains("12:00"),
        "shown in Oslo time: {message}"
    );
    assert_eq!(app.count("session").await, 0);

    // From noon she is free.
    let mut body = p.session(1, "Research roundup", "2025-06-24 12:00", 60);
    body["roles"] = json!([{"person_id": p.people[2], "role": "speaker"}]);
    create(&org, &p, &body).await;
}

async fn a_session_outside_the_event_days_is_refused(app: TestApp) {
    let org = app.organizer().await;
    let p = app.programme(&org).await;
    for start in ["2025-06-28 09:00", "2025-06-22 15:00"] {
        let reply = org
            .post_json(&p.sessions_url(), &p.session(1, "Too late", start, 60))
            .await
            .expect_error(StatusCode::CONFLICT, "schedule_conflict");
        assert_eq!(
            reply.conflict_kinds(),
            ["outside_event_days"],
            "{start}: {}",
            reply.text
        );
    }
    // The first hour of the first day and the last of the last day are inside (Oslo time).
    create(&org, &p, &p.session(1, "Dawn", "2025-06-23 00:00", 60)).await;
    create(
        &org,
        &p,
        &p.session(2, "Late night", "2025-06-27 23:00", 60),
    )
    .await;
    assert_eq!(app.count("session").await, 2);
}

async fn a_session_crossing_host_local_midnight_is_refused(app: TestApp) {
    let org = app.organizer().await;
    let p = app.programme(&org).await;
    // 23:30 in Oslo is 21:30 UTC: the same UTC day, but not the same day for the people there.
    let reply = org
        .post_json(
            &p.sessions_url(),
            &p.session(1, "Night owls", "2025-06-24 23:30", 60),
        )
        .await
        .expect_error(StatusCode::CONFLICT, "schedule_conflict");
    assert_eq!(
        reply.conflict_kinds(),
        ["crosses_midnight"],
        "{}",
        reply.text
    );
    assert_eq!(app.count("session").await, 0);
    // Ending exactly at midnight is the same day.
    create(
        &org,
        &p,
        &p.session(1, "Night owls", "2025-06-24 23:00", 60),
    )
    .await;
}

async fn a_duration_the_session_type_does_not_allow_is_refused(app: TestApp) {
    let org = app.organizer().await;
    let p = app.programme(&org).await;
    let reply = org
        .post_json(
            &p.sessions_url(),
            &p.session(1, "Short one", "2025-06-24 09:00", 45),
        )
        .await
        .expect_error(StatusCode::CONFLICT, "schedule_conflict");
    assert_eq!(
        reply.conflict_kinds(),
        ["duration_not_allowed"],
        "{}",
        reply.text
    );
    let message = reply.body["conflicts"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("45") && message.contains("60, 90"),
        "{message}"
    );
    assert_eq!(app.count("session").await, 0);
}

async fn a_track_overlap_only_warns(app: TestApp) {
    let org = app.organizer().await;
    let p = app.programme(&org).await;
    let mut first = p.session(1, "Safety by design", "2025-06-24 09:00", 60);
    first["track"] = json!("Child online safety");
    let first_id = create(&org, &p, &first).await;
    let mut second = p.session(2, "Youth voices", "2025-06-24 09:00", 90);
    second["track"] = json!("Child online safety");
    second["room_id"] = json!(p.rooms[1]);
    let saved = org
        .post_json(&p.sessions_url(), &second)
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(saved.conflict_kinds(), ["track_overlap"], "{}", saved.text);
    assert_eq!(saved.body["conflicts"][0]["severity"], "warn");
    assert_eq!(
        saved.body["conflicts"][0]["other_session"]["session_id"],
        first_id
    );
    assert_eq!(saved.body["overridden"], false);
    assert_eq!(app.count("session").await, 2);
    assert_eq!(
        app.count("conflict_override").await,
        0,
        "a warning needs no override"
    );
}

async fn an_organizer_override_with_a_reason_is_saved_and_recorded(app: TestApp) {
    let org = app.organizer().await;
    let p = app.programme(&org).await;
    create(
        &org,
        &p,
        &p.session(1, "Safety by design", "2025-06-24 09:00", 60),
    )
    .await;

    let mut body = p.session(2, "Joint session", "2025-06-24 09:00", 60);
    body["override_reason"] = json!("   ");
    let reply = org
        .post_json(&p.sessions_url(), &body)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(
        reply.fields(),
        ["override_reason"],
        "an override needs a real reason: {}",
        reply.text
    );

    let reason = "Merged with WS #1 by agreement of both organizers";
    body["override_reason"] = json!(reason);
    let saved = org
        .post_json(&p.sessions_url(), &body)
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(saved.body["overridden"], true);
    assert_eq!(
        saved.conflict_kinds(),
        ["room_double_booked"],
        "{}",
        saved.text
    );
    let id = saved.body["session"]["session_id"].as_i64().unwrap();

    let rows = sqlx::query(
        "select o.session_id, o.reason, o.conflicts, s.role from conflict_override o join staff s on s.staff_id = o.staff_id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<i64, _>("session_id"), id);
    assert_eq!(rows[0].get::<String, _>("reason"), reason);
    assert!(
        rows[0]
            .get::<String, _>("conflicts")
            .contains("room_double_booked")
    );
    assert_eq!(rows[0].get::<String, _>("role"), "organizer");
}

async fn moving_a_session_into_a_conflict_is_refused_and_it_stays_put(app: TestApp) {
    let org = app.organizer().await;
    let p = app.programme(&org).await;
    let first = create(
        &org,
        &p,
        &p.session(1, "Safety by design", "2025-06-24 09:00", 60),
    )
    .await;
    let mut second = p.session(2, "Youth voices", "2025-06-24 09:00", 60);
    second["room_id"] = json!(p.rooms[1]);
    let second_id = create(&org, &p, &second).await;

    let mut moved = second.clone();
    moved["room_id"] = json!(p.rooms[0]);
    let reply = org
        .put_json(&format!("/api/sessions/{second_id}"), &moved)
        .await
        .expect_error(StatusCode::CONFLICT, "schedule_conflict");
    assert_eq!(
        reply.conflict_kinds(),
        ["room_double_booked"],
        "{}",
        reply.text
    );
    assert_eq!(
        reply.body["conflicts"][0]["other_session"]["session_id"],
        first
    );
    let stored = app
        .anonymous()
        .get(&format!("/api/sessions/{second_id}"))
        .await
        .body;
    assert_eq!(
        stored["room_id"], p.rooms[1],
        "the session stayed in its room"
    );

    // A session does not conflict with its own old slot: lengthening it in place is fine.
    let (starts_at, ends_at) = oslo("2025-06-24 09:00", 90);
    let mut longer = second.clone();
    longer["starts_at"] = json!(starts_at);
    longer["ends_at"] = json!(ends_at);
    longer["title"] = json!("Youth voices (extended)");
    let saved = org
        .put_json(&format!("/api/sessions/{second_id}"), &longer)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(saved.body["session"]["title"], "Youth voices (extended)");
    org.put_json("/api/sessions/999999", &longer)
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
}

async fn the_conflicts_view_lists_each_current_conflict_once(app: TestApp) {
    let org = app.organizer().await;
    let p = app.programme(&org).await;
    let view = format!("/api/events/{}/conflicts", p.slug);
    assert_eq!(
        org.get(&view).await.expect_status(StatusCode::OK).body,
        json!([])
    );

    let mut first = p.session(1, "Safety by design", "2025-06-24 09:00", 60);
    first["track"] = json!("Child online safety");
    let first_id = create(&org, &p, &first).await;
    let mut second = p.session(2, "Joint session", "2025-06-24 09:00", 60);
    second["track"] = json!("Child online safety");
    second["override_reason"] = json!("Shared hybrid set-up");
    let second_id = create(&org, &p, &second).await;
    create(&org, &p, &p.session(3, "Unrelated", "2025-06-25 09:00", 60)).await;

    let conflicts = org.get(&view).await.expect_status(StatusCode::OK).body;
    assert_eq!(
        kinds(&conflicts),
        ["room_double_booked", "track_overlap"],
        "blocking first, each pair once: {conflicts}"
    );
    let pair: Vec<i64> = [
        &conflicts[0]["session"]["session_id"],
        &conflicts[0]["other_session"]["session_id"],
    ]
    .iter()
    .map(|v| v.as_i64().unwrap())
    .collect();
    assert_eq!(pair, [first_id, second_id]);

    app.anonymous()
        .get(&view)
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    app.moderator()
        .await
        .get(&view)
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
}

async fn checking_a_session_saves_nothing(app: TestApp) {
    let org = app.organizer().await;
    let p = app.programme(&org).await;
    let first = create(
        &org,
        &p,
        &p.session(1, "Safety by design", "2025-06-24 09:00", 60),
    )
    .await;
    let check = format!("{}/check", p.sessions_url());
    let found = org
        .post_json(&check, &p.session(2, "Maybe", "2025-06-24 09:00", 45))
        .await
        .expect_status(StatusCode::OK)
        .body;
    let mut found_kinds = kinds(&found);
    found_kinds.sort();
    assert_eq!(
        found_kinds,
        ["duration_not_allowed", "room_double_booked"],
        "{found}"
    );
    assert_eq!(app.count("session").await, 1);
    // Checking a move of the first session onto itself finds nothing.
    let found = org
        .post_json(
            &format!("{check}?session_id={first}"),
            &p.session(1, "Safety by design", "2025-06-24 09:00", 60),
        )
        .await
        .expect_status(StatusCode::OK)
        .body;
    assert_eq!(found, json!([]));
}

async fn organizers_booking_one_room_at_once_get_one_booking(app: TestApp) {
    let org = app.organizer().await;
    let p = app.programme(&org).await;
    // Several organizers press "save" for the same room and hour at the same moment.
    let mut attempts = Vec::new();
    for n in 1..=8 {
        let (org, url, body) = (
            org.clone(),
            p.sessions_url(),
            p.session(n, &format!("Attempt {n}"), "2025-06-24 09:00", 60),
        );
        attempts.push(tokio::spawn(async move {
            org.post_json(&url, &body).await.status
        }));
    }
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "exactly one booking wins: {statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    assert_eq!(app.count("session").await, 1);
}

/// Two instances share PostgreSQL (architecture decision 6): the check-then-write must hold
/// across processes, not only within one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organizers_on_two_instances_booking_one_room_get_one_booking() {
    crate::helpers::run(two_instances, crate::helpers::Backend::Postgres).await;
}

async fn two_instances(app: TestApp) {
    let org = app.organizer().await;
    let p = app.programme(&org).await;
    let other = org.on(&app.another_instance().await);
    // Warm both pools so the requests really meet in the check-then-write window.
    for client in [&org, &other] {
        client
            .get(&p.sessions_url())
            .await
            .expect_status(StatusCode::OK);
    }
    for (round, hour) in (9..15).enumerate() {
        let mut attempts = Vec::new();
        for i in 0..4 {
            let n = (round * 4 + i + 1) as i64;
            let client = if i % 2 == 0 {
                org.clone()
            } else {
                other.clone()
            };
            let body = p.session(
                n,
                &format!("Attempt {n}"),
                &format!("2025-06-24 {hour:02}:00"),
                60,
            );
            let url = p.sessions_url();
            attempts.push(tokio::spawn(async move {
                client.post_json(&url, &body).await.status
            }));
        }
        let mut statuses = Vec::new();
        for attempt in attempts {
            statuses.push(attempt.await.unwrap());
        }
        assert_eq!(
            statuses
                .iter()
                .filter(|s| **s == StatusCode::CREATED)
                .count(),
            1,
            "{hour}:00: {statuses:?}"
        );
    }
    assert_eq!(app.count("session").await, 6);
}
