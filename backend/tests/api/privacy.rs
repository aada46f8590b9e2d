//! Participants' data rights with the personal data key: export everything, erase it for real
//! (not left in the SQLite files), with connected clients told at once and sequences continuous.

use plenary::live::protocol::Command;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, TestApp};
use crate::live_client::{LiveClient, acked, close_code};

both!(a_participant_exports_and_erases_what_they_wrote);

async fn a_participant_exports_and_erases_what_they_wrote(app: TestApp) {
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    let mut organizer = LiveClient::connect(&app, session_id, org.cookie_header().as_deref()).await;
    // Join through the API to get the data key.
    let joined = app
        .anonymous()
        .post_json(
            &format!("/api/sessions/{session_id}/live/participants"),
            &json!({"handle": "Quillfeather", "age_band": "13_15", "attendance": "online",
                    "stakeholder_group": "civil_society", "accept_code_of_conduct": true}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let data_key = joined.body["data_key"]
        .as_str()
        .expect("a data key")
        .to_string();
    let cookie = joined.cookie();
    let secret = "Zanzibar-marmalade question nobody else wrote";
    let mut me = LiveClient::connect(&app, session_id, Some(&cookie)).await;
    let q = acked(
        &me.command(Command::Ask {
            text: secret.into(),
            anonymous: false,
        })
        .await,
    )
    .1
    .question_id
    .unwrap();
    acked(&organizer.command(Command::Approve { question_id: q }).await);
    let other = app.join(session_id, "Bystander").await;
    let mut other_ws = LiveClient::connect(&app, session_id, Some(&other.cookie)).await;
    let theirs = acked(
        &other_ws
            .command(Command::Ask {
                text: "A bystander's question?".into(),
                anonymous: false,
            })
            .await,
    )
    .1
    .question_id
    .unwrap();
    acked(
        &organizer
            .command(Command::Approve {
                question_id: theirs,
            })
            .await,
    );
    acked(
        &other_ws
            .command(Command::Vote {
                question_id: q,
                up: true,
            })
            .await,
    );
    acked(
        &me.command(Command::Vote {
            question_id: theirs,
            up: true,
        })
        .await,
    );
    acked(&me.command(Command::RaiseHand).await);

    let export = app
        .anonymous()
        .post_json("/api/my-data", &json!({"data_key": data_key}))
        .await
        .expect_status(StatusCode::OK);
    assert!(export.header("content-disposition").contains("attachment"));
    assert_eq!(export.body["handle"], "Quillfeather");
    assert_eq!(export.body["questions"][0]["text"], secret);
    assert_eq!(export.body["votes"], json!([theirs]));
    assert_eq!(export.body["raised_hands"].as_array().unwrap().len(), 1);
    app.anonymous()
        .post_json("/api/my-data", &json!({"data_key": "not-a-key"}))
        .await
        .expect_status(StatusCode::NOT_FOUND);

    let erased = app
        .anonymous()
        .post_json("/api/my-data/erase", &json!({"data_key": data_key}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(erased.body["erased"], true);
    // Connected clients see it go at once, with sequence numbers continuous (the client model
    // checks), and the tally of the bystander's question drops.
    other_ws
        .until("the erased question leaves", |v| {
            !v.questions.contains_key(&q) && v.questions[&theirs].votes == 0
        })
        .await;
    let mut close = None;
    while let Some(message) = me.next_message().await {
        if let Some(c) = close_code(Some(message)) {
            close = Some(c.0);
            break;
        }
    }
    assert_eq!(close, Some(4004));
    // The key is spent; the tombstone keeps counts whole but holds nothing.
    app.anonymous()
        .post_json("/api/my-data", &json!({"data_key": data_key}))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    let (text, erased_flag): (String, i64) =
        sqlx::query_as("select text, erased from question where question_id = $1")
            .bind(q)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!((text.as_str(), erased_flag), ("", 1));
    let leaks: i64 = sqlx::query_scalar(
        "select count(*) from live_event where for_all like $1 or for_moderators like $1 or for_owners like $1 \
         or for_all like $2 or for_moderators like $2")
        .bind("%Zanzibar%").bind("%Quillfeather%").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(
        leaks, 0,
        "no stored frame still carries the erased words or handle"
    );
    // A client replaying the whole log never sees the words.
    let mut replay = LiveClient::resume(
        Default::default(),
        &app.socket_url(session_id, ""),
        None,
        &app.address,
    )
    .await;
    let last: i64 = sqlx::query_scalar("select last_seq from live_session")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    replay.until_seq(last).await;
    assert!(!format!("{:?}", replay.view.frames).contains("Zanzibar"));

    if app.backend == Backend::Sqlite {
        // Not in the database files either: secure_delete zeroed it, the WAL was checkpointed.
        let mut found = Vec::new();
        for entry in std::fs::read_dir(app.dir.path()).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name.starts_with("plenary.sqlite3") {
                let bytes = std::fs::read(&path).unwrap();
                for needle in ["Zanzibar-marmalade", "Quillfeather"] {
                    if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                        found.push(format!("{needle} in {name}"));
                    }
                }
            }
        }
        assert!(
            found.is_empty(),
            "erased text remains in the files: {found:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_privacy_notice_is_served_in_plain_language_and_for_children() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let client = app.anonymous();
    let full = client.get("/privacy").await.expect_status(StatusCode::OK);
    assert!(
        full.text.contains("personal data key") && full.text.contains("90 days"),
        "{}",
        full.text
    );
    assert!(full.text.contains("href=\"/privacy/young\""));
    let young = client
        .get("/privacy/young")
        .await
        .expect_status(StatusCode::OK);
    assert!(young.text.contains("Your privacy, in short"));
    assert!(young.text.contains("report button"));
    let arabic = client
        .send(
            client
                .request(reqwest::Method::GET, "/privacy/young")
                .header("cookie", "lang=ar"),
        )
        .await
        .expect_status(StatusCode::OK);
    assert!(arabic.text.contains("dir=\"rtl\"") && arabic.text.contains("خصوصيتك باختصار"));
    // Every page links to it.
    assert!(client.get("/").await.text.contains("href=\"/privacy\""));
    app.teardown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_my_data_page_downloads_and_erases_with_the_key_and_no_account() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    let joined = app.join(session_id, "Pagefolk").await;
    let client = app.anonymous();
    client.get("/my-data").await.expect_status(StatusCode::OK);
    let form = |path: &str, body: &str| {
        client
            .request(reqwest::Method::POST, path)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_string())
    };
    let download = client
        .send(form(
            "/my-data/download",
            &format!("data_key={}", joined.data_key),
        ))
        .await
        .expect_status(StatusCode::OK);
    assert!(
        download
            .header("content-disposition")
            .contains("plenary-my-data.json")
    );
    assert_eq!(download.body["handle"], joined.handle.as_str());
    let unconfirmed = client
        .send(form(
            "/my-data/erase",
            &format!("data_key={}", joined.data_key),
        ))
        .await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("participant where erased_at is null").await, 1);
    let erased = client
        .send(form(
            "/my-data/erase",
            &format!("data_key={}&confirm=yes", joined.data_key),
        ))
        .await
        .expect_status(StatusCode::OK);
    assert!(erased.text.contains("We erased your data"));
    let wrong = client
        .send(form(
            "/my-data/download",
            &format!("data_key={}", joined.data_key),
        ))
        .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a spent key opens nothing"
    );
    app.teardown().await;
}
