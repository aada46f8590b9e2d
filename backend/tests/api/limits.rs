//! Rate limits per address: joining, join-code guessing, signing in and asking are slowed with
//! 429 + Retry-After (or a typed `rate_limited` frame on the websocket), and nothing is stored.

use plenary::live::protocol::{Command, ErrorCode, ServerFrame};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, TestApp};
use crate::live_client::{LiveClient, acked};

async fn strict_app() -> Option<TestApp> {
    TestApp::spawn_configured(Backend::Sqlite, |s| {
        s.limits.joins_per_minute_per_address = 3;
        s.limits.join_code_lookups_per_minute_per_address = 5;
        s.limits.logins_per_minute_per_address = 4;
        s.limits.questions_per_minute_per_address = 4;
        s.live.questions_per_minute = 2;
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joins_from_one_address_are_limited_and_the_refusal_stores_nothing() {
    let Some(app) = strict_app().await else {
        return;
    };
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    for name in ["Ada", "Bea", "Cem"] {
        app.join(session_id, name).await;
    }
    let refused = app
        .anonymous()
        .post_json(
            &format!("/api/sessions/{session_id}/live/participants"),
            &json!({"handle": "Dev", "age_band": "18_plus", "attendance": "online", "accept_code_of_conduct": true}),
        )
        .await
        .expect_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let wait: u64 = refused
        .header("retry-after")
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(app.count("participant").await, 3);
    app.teardown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_codes_cannot_be_guessed_quickly() {
    let Some(app) = strict_app().await else {
        return;
    };
    let client = app.anonymous();
    for guess in ["AAAAAA", "AAAAAB", "AAAAAC", "AAAAAD", "AAAAAE"] {
        client
            .get(&format!("/j/{guess}"))
            .await
            .expect_status(StatusCode::NOT_FOUND);
    }
    let refused = client.get("/j/AAAAAF").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!refused.header("retry-after").is_empty());
    app.teardown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_guessing_is_slowed_per_address() {
    let Some(app) = strict_app().await else {
        return;
    };
    let client = app.anonymous();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let reply = client
            .send(
                client
                    .request(reqwest::Method::POST, "/login")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body("email=nobody%40example.org&password=guess"),
            )
            .await;
        statuses.push(reply.status.as_u16());
    }
    assert_eq!(statuses, vec![401, 401, 401, 401, 429, 429]);
    app.teardown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asking_too_fast_gets_a_typed_frame_and_stores_nothing() {
    let Some(app) = strict_app().await else {
        return;
    };
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    let p = app.join(session_id, "Eager").await;
    let mut ws = LiveClient::connect(&app, session_id, Some(&p.cookie)).await;
    acked(
        &ws.command(Command::Ask {
            text: "One?".into(),
            anonymous: false,
        })
        .await,
    );
    acked(
        &ws.command(Command::Ask {
            text: "Two?".into(),
            anonymous: false,
        })
        .await,
    );
    match ws
        .command(Command::Ask {
            text: "Three?".into(),
            anonymous: false,
        })
        .await
    {
        ServerFrame::Error {
            code: ErrorCode::RateLimited,
            retry_after_ms: Some(ms),
            ..
        } => assert!(ms > 0),
        other => panic!("expected rate_limited, got {other:?}"),
    }
    // Another participant behind the same address still has their own bucket, until the
    // address's shared bucket (4 a minute) runs dry.
    let q = app.join(session_id, "Other").await;
    let mut other = LiveClient::connect(&app, session_id, Some(&q.cookie)).await;
    acked(
        &other
            .command(Command::Ask {
                text: "Four?".into(),
                anonymous: false,
            })
            .await,
    );
    acked(
        &other
            .command(Command::Ask {
                text: "Five?".into(),
                anonymous: false,
            })
            .await,
    );
    let third = app.join(session_id, "Third").await;
    let mut third_ws = LiveClient::connect(&app, session_id, Some(&third.cookie)).await;
    match third_ws
        .command(Command::Ask {
            text: "Six?".into(),
            anonymous: false,
        })
        .await
    {
        ServerFrame::Error {
            code: ErrorCode::RateLimited,
            ..
        } => {}
        other => panic!("expected the address's limit, got {other:?}"),
    }
    assert_eq!(app.count("question").await, 4);
    app.teardown().await;
}
