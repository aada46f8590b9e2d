//! Calendar feeds and recurring meetings through the real server, with every feed read back by
//! an independent iCalendar parser (Python's `icalendar`, see `tests/support/check_ics.py`).

use std::path::PathBuf;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

both!(
    an_event_feed_lists_its_sessions_at_the_right_instants,
    a_session_past_host_midnight_keeps_its_instants_in_the_feed,
    a_series_feed_keeps_local_time_across_daylight_saving_and_honours_moves_and_cancellations,
    join_links_appear_only_with_a_current_feed_key,
    my_schedule_feed_is_reached_only_through_its_secret_link,
    series_rules_and_exceptions_are_validated,
    the_rotation_helper_spreads_night_calls,
);

/// The Python interpreter with `icalendar`, or `None` after saying so loudly.
fn python() -> Option<PathBuf> {
    let candidate = std::env::var_os("PLENARY_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.ci/venv/bin/python")
        });
    let works = std::process::Command::new(&candidate)
        .args(["-c", "import icalendar"])
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        Some(candidate)
    } else {
        crate::helpers::skip(
            "SKIPPED (iCalendar interop): no Python with icalendar; set PLENARY_TEST_PYTHON or run .ci/run",
        );
        None
    }
}

/// Parses a feed with the independent checker; `None` when Python is not available.
fn parse_ics(app: &TestApp, ics: &str, occurrences: usize) -> Option<Value> {
    let python = python()?;
    let path = app
        .dir
        .path()
        .join(format!("feed-{}.ics", crate::helpers::unique_suffix()));
    std::fs::write(&path, ics).expect("write the feed");
    let checker = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/check_ics.py");
    let out = std::process::Command::new(python)
        .arg(checker)
        .arg(&path)
        .arg(occurrences.to_string())
        .env("CHECK_ICS_EXPANDER", "dateutil")
        .output()
        .expect("run check_ics.py");
    assert!(
        out.status.success(),
        "check_ics.py refused the feed: {}\n{ics}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("the checker prints JSON"))
}

async fn feed(app: &TestApp, path: &str) -> String {
    let reply = app
        .anonymous()
        .get(path)
        .await
        .expect_status(StatusCode::OK);
    assert!(reply.header("content-type").starts_with("text/calendar"));
    assert!(
        !reply.text.contains("\n") || reply.text.contains("\r\n"),
        "CRLF lines"
    );
    reply.text
}

async fn an_event_feed_lists_its_sessions_at_the_right_instants(app: TestApp) {
    let org = app.organizer().await;
    let p = app.programme(&org).await;
    let body = p.session(
        101,
        "Age assurance, privacy; and children",
        "2025-06-24 09:00",
        90,
    );
    let saved = org
        .post_json(&p.sessions_url(), &body)
        .await
        .expect_status(StatusCode::CREATED);
    let id = saved.body["session"]["session_id"].as_i64().unwrap();

    let ics = feed(&app, &format!("/calendar/events/{}.ics", p.slug)).await;
    assert!(!ics.contains("DTSTART:2025") || ics.contains("DTSTART:20250624T070000Z"));
    let Some(parsed) = parse_ics(&app, &ics, 5) else {
        return;
    };
    assert_eq!(parsed["name"], "IGF 2025");
    let event = &parsed["events"][0];
    assert_eq!(
        event["summary"],
        "WS #101: Age assurance, privacy; and children"
    );
    // 09:00 in Oslo in June is 07:00 UTC.
    assert_eq!(event["dtstart"], "2025-06-24T07:00:00Z");
    assert_eq!(event["dtend"], "2025-06-24T08:30:00Z");
    assert_eq!(
        event["uid"],
        format!("session-{id}@{}", app.address.trim_start_matches("http://"))
    );
    assert_eq!(
        event["location"],
        "Workshop Room 1, Nova Spektrum, Lillestrøm, Norway"
    );

    // The same session alone, and through its room.
    let single = feed(&app, &format!("/calendar/sessions/{id}.ics")).await;
    let room = feed(&app, &format!("/calendar/rooms/{}.ics", p.rooms[0])).await;
    for ics in [single, room] {
        let parsed = parse_ics(&app, &ics, 5).unwrap();
        assert_eq!(parsed["events"][0]["dtstart"], "2025-06-24T07:00:00Z");
    }
    app.anonymous()
        .get("/calendar/sessions/999999.ics")
        .await
        .expect_status(StatusCode::NOT_FOUND);
    app.anonymous()
        .get(&format!("/calendar/sessions/{id}"))
        .await
        .expect_status(StatusCode::NOT_FOUND);
}

async fn a_session_past_host_midnight_keeps_its_instants_in_the_feed(app: TestApp) {
    let org = app.organizer().await;
    let p = app.programme(&org).await;
    // 23:30–00:30 in Oslo crosses midnight: allowed only with an override, and then exported as is.
    let mut body = p.session(7, "Late networking", "2025-06-24 23:30", 60);
    body["override_reason"] = json!("Evening reception runs late by design");
    org.post_json(&p.sessions_url(), &body)
        .await
        .expect_status(StatusCode::CREATED);
    let ics = feed(&app, &format!("/calendar/events/{}.ics", p.slug)).await;
    let Some(parsed) = parse_ics(&app, &ics, 5) else {
        return;
    };
    assert_eq!(parsed["events"][0]["dtstart"], "2025-06-24T21:30:00Z");
    assert_eq!(parsed["events"][0]["dtend"], "2025-06-24T22:30:00Z");
}

async fn create_zurich_series(app: &TestApp) -> crate::helpers::ApiClient {
    let org = app.organizer().await;
    org.post_json(
        "/api/series",
        &json!({
            "slug": "youth-call", "title": "Youth call", "time_zone": "Europe/Zurich",
            "first_start_local": "2026-01-06T14:00:00", "duration_minutes": 60,
            "rrule": "FREQ=MONTHLY;BYDAY=1TU", "online_join_url": "https://meet.example.org/youth",
        }),
    )
    .await
    .expect_status(StatusCode::CREATED);
    org
}

async fn a_series_feed_keeps_local_time_across_daylight_saving_and_honours_moves_and_cancellations(
    app: TestApp,
) {
    let org = create_zurich_series(&app).await;
    // Cancel August, move December to Thursday 3rd at 15:00 Zurich (14:00 UTC).
    org.post_json(
        "/api/series/youth-call/exceptions",
        &json!({"original_start": "2026-08-04T12:00:00Z", "kind": "cancelled", "note": "Summer break"}),
    )
    .await
    .expect_status(StatusCode::NO_CONTENT);
    org.post_json(
        "/api/series/youth-call/exceptions",
        &json!({"original_start": "2026-12-01T13:00:00Z", "kind": "moved",
                "starts_at": "2026-12-03T14:00:00Z", "ends_at": "2026-12-03T15:00:00Z"}),
    )
    .await
    .expect_status(StatusCode::NO_CONTENT);

    // The API's own expansion: 14:00 Zurich is 13:00 UTC in winter and 12:00 UTC in summer.
    let occ = app
        .anonymous()
        .get("/api/series/youth-call/occurrences?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z")
        .await
        .expect_status(StatusCode::OK);
    let starts: Vec<(&str, &str)> = occ
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["starts_at"].as_str().unwrap(),
                o["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(starts.len(), 12);
    assert_eq!(starts[2], ("2026-03-03T13:00:00Z", "scheduled"));
    assert_eq!(starts[3], ("2026-04-07T12:00:00Z", "scheduled"));
    assert_eq!(starts[7], ("2026-08-04T12:00:00Z", "cancelled"));
    assert_eq!(starts[10], ("2026-11-03T13:00:00Z", "scheduled"));
    assert_eq!(starts[11], ("2026-12-03T14:00:00Z", "moved"));

    let ics = feed(&app, "/calendar/series/youth-call.ics").await;
    assert!(
        ics.contains("DTSTART;TZID=Europe/Zurich:20260106T140000"),
        "{ics}"
    );
    assert!(ics.contains("BEGIN:VTIMEZONE"));
    assert!(
        !ics.contains("meet.example.org"),
        "no join link without a key"
    );
    let Some(parsed) = parse_ics(&app, &ics, 12) else {
        return;
    };
    let uid = parsed["events"][0]["uid"].as_str().unwrap().to_string();
    let independent: Vec<&str> = parsed["occurrences"][&uid]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["start"].as_str().unwrap())
        .collect();
    // The independent parser agrees: DST honoured, August gone, December moved.
    assert_eq!(independent[2], "2026-03-03T13:00:00Z");
    assert_eq!(independent[3], "2026-04-07T12:00:00Z");
    assert!(!independent.contains(&"2026-08-04T12:00:00Z"));
    assert!(independent.contains(&"2026-12-03T14:00:00Z"));
    assert!(!independent.contains(&"2026-12-01T13:00:00Z"));
    for (tzid, check) in parsed["vtimezones"].as_object().unwrap() {
        assert_eq!(
            check["mismatches"],
            json!([]),
            "VTIMEZONE {tzid} disagrees with the tz database"
        );
    }
}

async fn join_links_appear_only_with_a_current_feed_key(app: TestApp) {
    let org = create_zurich_series(&app).await;
    let key = org
        .post_json("/api/feed-keys", &json!({"label": "Moderators"}))
        .await
        .expect_status(StatusCode::CREATED);
    let secret = key.body["key"].as_str().unwrap().to_string();
    let key_id = key.body["key_id"].as_str().unwrap().to_string();
    let with_key = feed(
        &app,
        &format!("/calendar/series/youth-call.ics?key={secret}"),
    )
    .await;
    assert!(with_key.contains("meet.example.org/youth"));
    let reply = app
        .anonymous()
        .get(&format!("/calendar/series/youth-call.ics?key={secret}"))
        .await;
    assert_eq!(reply.header("cache-control"), "private, no-store");
    // A wrong key is refused rather than quietly serving a public feed.
    app.anonymous()
        .get("/calendar/series/youth-call.ics?key=wrong")
        .await
        .expect_status(StatusCode::NOT_FOUND);
    // The public API does not reveal the join link either.
    let public = app
        .anonymous()
        .get("/api/series/youth-call")
        .await
        .expect_status(StatusCode::OK);
    assert!(public.body.get("online_join_url").is_none());
    org.post_json(&format!("/api/feed-keys/{key_id}/revoke"), &json!({}))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    app.anonymous()
        .get(&format!("/calendar/series/youth-call.ics?key={secret}"))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    app.anonymous()
        .post_json("/api/feed-keys", &json!({"label": "x"}))
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
}

async fn my_schedule_feed_is_reached_only_through_its_secret_link(app: TestApp) {
    let org = app.organizer().await;
    let p = app.programme(&org).await;
    let saved = org
        .post_json(
            &p.sessions_url(),
            &p.session(5, "Mine", "2025-06-25 10:00", 60),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let id = saved.body["session"]["session_id"].as_i64().unwrap();
    org.post_json(
        &p.sessions_url(),
        &p.session(6, "Not mine", "2025-06-25 12:00", 60),
    )
    .await
    .expect_status(StatusCode::CREATED);
    // A visitor adds the session from its page (a same-origin form post), then reads the link.
    let anon = app.anonymous();
    let added = anon
        .send(
            anon.request(
                reqwest::Method::POST,
                &format!("/my-schedule/sessions/{id}"),
            )
            .header("sec-fetch-site", "same-origin")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(""),
        )
        .await;
    assert!(added.status.is_redirection(), "{}", added.status);
    let cookie = added.cookie();
    let page = anon
        .send(
            anon.request(reqwest::Method::GET, "/my-schedule")
                .header("cookie", cookie),
        )
        .await
        .expect_status(StatusCode::OK);
    let link = page
        .text
        .split("/calendar/my/")
        .nth(1)
        .and_then(|rest| rest.split(".ics").next())
        .expect("the secret link is shown");
    let ics = feed(&app, &format!("/calendar/my/{link}.ics")).await;
    assert!(ics.contains("Mine") && !ics.contains("Not mine"));
    app.anonymous()
        .get("/calendar/my/guessed-token.ics")
        .await
        .expect_status(StatusCode::NOT_FOUND);
    if let Some(parsed) = parse_ics(&app, &ics, 5) {
        assert_eq!(parsed["events"].as_array().unwrap().len(), 1);
    }
}

async fn series_rules_and_exceptions_are_validated(app: TestApp) {
    let org = create_zurich_series(&app).await;
    let bad = org
        .post_json(
            "/api/series",
            &json!({"slug": "bad", "title": "Bad", "time_zone": "Europe/Geneva",
                    "first_start_local": "2026-01-06T14:00:00", "duration_minutes": 60, "rrule": "FREQ=HOURLY"}),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(
        bad.fields().contains(&"time_zone".to_string()),
        "{:?}",
        bad.fields()
    );
    let bad = org
        .post_json(
            "/api/series",
            &json!({"slug": "bad", "title": "Bad", "time_zone": "UTC",
                    "first_start_local": "2026-01-06T14:00:00", "duration_minutes": 60, "rrule": "FREQ=HOURLY"}),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(bad.fields(), vec!["rrule".to_string()]);
    // An exception must name a real occurrence.
    let bad = org
        .post_json(
            "/api/series/youth-call/exceptions",
            &json!({"original_start": "2026-08-05T12:00:00Z", "kind": "cancelled"}),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(bad.fields(), vec!["original_start".to_string()]);
    assert_eq!(app.count("series_exception").await, 0);
    assert_eq!(app.count("meeting_series").await, 1);
}

async fn the_rotation_helper_spreads_night_calls(app: TestApp) {
    let reply = app
        .anonymous()
        .post_json(
            "/api/rotation",
            &json!({"time_zones": ["Europe/Zurich", "Africa/Nairobi", "America/New_York", "Asia/Manila", "Australia/Sydney"],
                    "slots": 3, "on": "2026-03-01"}),
        )
        .await
        .expect_status(StatusCode::OK);
    let slots = reply.body["slots"].as_array().unwrap();
    assert_eq!(slots.len(), 3);
    // No zone carries a night call (inconvenience 12) in more than one slot.
    for zone in 0..5 {
        let nights = slots
            .iter()
            .filter(|s| s["local"][zone]["inconvenience"].as_u64() == Some(12))
            .count();
        assert!(nights <= 1, "zone {zone} has {nights} night calls");
    }
    app.anonymous()
        .post_json(
            "/api/rotation",
            &json!({"time_zones": ["Mars/Olympus"], "slots": 2}),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
}
