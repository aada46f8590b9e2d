//! Safeguarding in live sessions: the youth level, suspending everything in one click, removing
//! and banning a participant.

use plenary::domain::qa::{DismissReason, QuestionStatus};
use plenary::live::protocol::{Command, ErrorCode, ModerationMode, SafeguardingLevel, ServerFrame};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;
use crate::live_client::{LiveClient, acked, close_code, refused};

both!(
    a_youth_session_is_always_pre_moderated_and_hides_handles,
    one_click_suspends_all_participant_activity,
    a_removed_participant_is_disconnected_and_a_banned_one_cannot_rejoin,
    reports_reach_the_safeguarding_contact_and_the_reporter_follows_them,
);

async fn a_youth_session_is_always_pre_moderated_and_hides_handles(app: TestApp) {
    let org = app.organizer().await;
    let org_cookie = org.cookie_header().unwrap();
    let session_id = app.live_session(&org).await;
    let mut organizer = LiveClient::connect(&app, session_id, Some(&org_cookie)).await;
    acked(
        &organizer
            .command(Command::SetModeration {
                mode: ModerationMode::Post,
            })
            .await,
    );
    let asker = app.join(session_id, "Young").await;
    let mut asker_ws = LiveClient::connect(&app, session_id, Some(&asker.cookie)).await;
    let other = app.join(session_id, "Peer").await;
    let mut other_ws = LiveClient::connect(&app, session_id, Some(&other.cookie)).await;
    let before = acked(
        &asker_ws
            .command(Command::Ask {
                text: "Asked before youth?".into(),
                anonymous: false,
            })
            .await,
    )
    .1;
    assert_eq!(before.status, Some(QuestionStatus::Approved));

    // A moderator cannot change the level; an organizer can, and that forces pre-moderation.
    let moderator = app.moderator().await;
    let staff_id: i64 =
        sqlx::query_scalar("select max(staff_id) from staff where role = 'moderator'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    org.put_json(
        &format!("/api/sessions/{session_id}/moderators"),
        &json!({"moderators": [{"staff_id": staff_id, "role": "onsite_moderator"}]}),
    )
    .await
    .expect_status(StatusCode::OK);
    let mut mod_ws =
        LiveClient::connect(&app, session_id, moderator.cookie_header().as_deref()).await;
    assert_eq!(
        refused(
            &mod_ws
                .command(Command::SetSafeguarding {
                    level: SafeguardingLevel::Youth
                })
                .await
        ),
        ErrorCode::Forbidden
    );
    let (seq, _) = acked(
        &organizer
            .command(Command::SetSafeguarding {
                level: SafeguardingLevel::Youth,
            })
            .await,
    );
    other_ws.until_seq(seq.unwrap()).await;
    let q = &other_ws.view.questions[&before.question_id.unwrap()];
    assert_eq!(
        q.handle, None,
        "handles disappear for other participants at the youth level"
    );
    assert_eq!(
        refused(
            &mod_ws
                .command(Command::SetModeration {
                    mode: ModerationMode::Post
                })
                .await
        ),
        ErrorCode::InvalidState
    );

    let (_, pending) = acked(
        &asker_ws
            .command(Command::Ask {
                text: "And now?".into(),
                anonymous: false,
            })
            .await,
    );
    assert_eq!(
        pending.status,
        Some(QuestionStatus::Pending),
        "youth sessions are pre-moderated"
    );
    let (seq, _) = acked(
        &mod_ws
            .command(Command::Approve {
                question_id: pending.question_id.unwrap(),
            })
            .await,
    );
    other_ws.until_seq(seq.unwrap()).await;
    assert_eq!(
        other_ws.view.questions[&pending.question_id.unwrap()].handle,
        None
    );
    mod_ws.until_seq(seq.unwrap()).await;
    assert_eq!(
        mod_ws.view.questions[&pending.question_id.unwrap()]
            .handle
            .as_deref(),
        Some(asker.handle.as_str()),
        "moderators still see who asked"
    );
    // A fresh snapshot agrees.
    let fresh = LiveClient::connect(&app, session_id, Some(&other.cookie)).await;
    assert!(fresh.view.questions.values().all(|q| q.handle.is_none()));
    assert_eq!(
        fresh.view.snapshot.unwrap().state.safeguarding,
        SafeguardingLevel::Youth
    );
}

async fn one_click_suspends_all_participant_activity(app: TestApp) {
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    let mut organizer = LiveClient::connect(&app, session_id, org.cookie_header().as_deref()).await;
    let p = app.join(session_id, "Paused").await;
    let mut ws = LiveClient::connect(&app, session_id, Some(&p.cookie)).await;
    let q = acked(
        &ws.command(Command::Ask {
            text: "Before?".into(),
            anonymous: false,
        })
        .await,
    )
    .1
    .question_id
    .unwrap();
    acked(&organizer.command(Command::Approve { question_id: q }).await);
    let (seq, _) = acked(
        &organizer
            .command(Command::Suspend { suspended: true })
            .await,
    );
    ws.until_seq(seq.unwrap()).await;
    assert!(
        matches!(ws.view.frames.iter().rev().find(|f| matches!(f, ServerFrame::SessionState { .. })),
        Some(ServerFrame::SessionState { state, .. }) if state.suspended)
    );
    for command in [
        Command::Ask {
            text: "During?".into(),
            anonymous: false,
        },
        Command::Vote {
            question_id: q,
            up: true,
        },
        Command::RaiseHand,
    ] {
        assert_eq!(refused(&ws.command(command).await), ErrorCode::Suspended);
    }
    acked(
        &organizer
            .command(Command::Suspend { suspended: false })
            .await,
    );
    acked(
        &ws.command(Command::Vote {
            question_id: q,
            up: true,
        })
        .await,
    );
    assert_eq!(app.count("question").await, 1);
}

async fn a_removed_participant_is_disconnected_and_a_banned_one_cannot_rejoin(app: TestApp) {
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    let mut organizer = LiveClient::connect(&app, session_id, org.cookie_header().as_deref()).await;
    let bad = app.join(session_id, "Troll").await;
    let mut bad_ws = LiveClient::connect(&app, session_id, Some(&bad.cookie)).await;
    let good = app.join(session_id, "Kind").await;
    let mut good_ws = LiveClient::connect(&app, session_id, Some(&good.cookie)).await;
    let q = acked(
        &bad_ws
            .command(Command::Ask {
                text: "Something nasty".into(),
                anonymous: false,
            })
            .await,
    )
    .1
    .question_id
    .unwrap();
    acked(&organizer.command(Command::Approve { question_id: q }).await);
    acked(&bad_ws.command(Command::RaiseHand).await);

    let (seq, _) = acked(
        &organizer
            .command(Command::RemoveParticipant {
                participant_id: bad.participant_id,
                ban: true,
            })
            .await,
    );
    good_ws.until_seq(seq.unwrap()).await;
    assert!(
        good_ws.view.questions.is_empty(),
        "their questions are dismissed"
    );
    assert!(
        good_ws.view.waiting_floor.is_empty(),
        "their hand is lowered"
    );
    // The removed participant's socket is closed with 4003, after seeing their question's fate.
    let mut close = None;
    while let Some(message) = bad_ws.next_message().await {
        if let Some(c) = close_code(Some(message.clone())) {
            close = Some(c);
            break;
        }
    }
    assert_eq!(close.map(|c| c.0), Some(4003));
    let status: (String, Option<String>) =
        sqlx::query_as("select status, dismiss_reason from question where question_id = $1")
            .bind(q)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        status,
        (
            "dismissed".to_string(),
            Some("breaks_code_of_conduct".to_string())
        )
    );
    let _ = DismissReason::BreaksCodeOfConduct;
    // Their cookie no longer makes them a participant: they can only watch.
    let mut watcher = LiveClient::connect(&app, session_id, Some(&bad.cookie)).await;
    assert_eq!(
        refused(
            &watcher
                .command(Command::Ask {
                    text: "Again?".into(),
                    anonymous: false
                })
                .await
        ),
        ErrorCode::Forbidden
    );
    // Banned from the event: the same handle (or a look-alike) is refused, in any of its sessions.
    let look_alike = bad.handle.to_uppercase();
    let refused_join = app.anonymous().post_json(
        &format!("/api/sessions/{session_id}/live/participants"),
        &json!({"handle": look_alike, "age_band": "18_plus", "attendance": "online", "accept_code_of_conduct": true}),
    ).await;
    assert_eq!(refused_join.status, StatusCode::FORBIDDEN);
    // The ban also holds the address they joined from (here every test client shares it).
    let other_handle = app.anonymous().post_json(
        &format!("/api/sessions/{session_id}/live/participants"),
        &json!({"handle": "Someone New", "age_band": "18_plus", "attendance": "online", "accept_code_of_conduct": true}),
    ).await;
    assert_eq!(other_handle.status, StatusCode::FORBIDDEN);
    // A refused join stores nothing.
    let stored: i64 = sqlx::query_scalar(
        "select count(*) from participant where session_id = $1 and handle = 'Someone New'",
    )
    .bind(session_id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(stored, 0);
    let log = org
        .get(&format!("/api/sessions/{session_id}/audit"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(log.body[0]["action"], "remove_and_ban");
    // Removed or not, they keep the right to erase what they wrote.
    let erased = app
        .anonymous()
        .post_json("/api/my-data/erase", &json!({"data_key": bad.data_key}))
        .await;
    assert_eq!(erased.status, StatusCode::OK, "{}", erased.text);
}

async fn reports_reach_the_safeguarding_contact_and_the_reporter_follows_them(app: TestApp) {
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    let mut organizer = LiveClient::connect(&app, session_id, org.cookie_header().as_deref()).await;
    let asker = app.join(session_id, "Asker").await;
    let mut asker_ws = LiveClient::connect(&app, session_id, Some(&asker.cookie)).await;
    let q = acked(
        &asker_ws
            .command(Command::Ask {
                text: "Words someone finds hurtful".into(),
                anonymous: false,
            })
            .await,
    )
    .1
    .question_id
    .unwrap();
    acked(&organizer.command(Command::Approve { question_id: q }).await);
    let reporter = app.join(session_id, "Reporter").await;
    let as_reporter = |path: &str, body: serde_json::Value| {
        let client = app.anonymous();
        let request = client
            .request(reqwest::Method::POST, path)
            .header("cookie", reporter.cookie.clone())
            .json(&body);
        async move { client.send(request).await }
    };
    let reports = format!("/api/sessions/{session_id}/live/reports");
    let first = as_reporter(
        &reports,
        json!({"question_id": q, "category": "bullying", "note": "unkind to a speaker"}),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let again = as_reporter(&reports, json!({"question_id": q, "category": "bullying"})).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let csam = as_reporter(
        &reports,
        json!({"question_id": q, "category": "csam", "note": "this note must not be kept"}),
    )
    .await;
    assert_eq!(
        csam.status,
        StatusCode::CONFLICT,
        "one open report per question and reporter"
    );
    // Not joined: no report.
    app.anonymous()
        .post_json(&reports, &json!({"question_id": q, "category": "spam"}))
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");

    // A second participant files the CSAM report: nothing of the note is stored.
    let second = app.join(session_id, "Second").await;
    let client = app.anonymous();
    let csam = client.send(client.request(reqwest::Method::POST, &reports)
        .header("cookie", second.cookie.clone())
        .json(&json!({"question_id": q, "category": "csam", "note": "this note must not be kept"}))).await;
    assert_eq!(csam.status, StatusCode::CREATED, "{}", csam.text);
    let notes: Vec<String> = sqlx::query_scalar("select note from report order by report_id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        notes,
        vec!["unkind to a speaker".to_string(), String::new()]
    );

    // The session's safeguarding contact (a moderator account) triages; other staff see nothing.
    let contact = app.moderator().await;
    let contact_id: i64 =
        sqlx::query_scalar("select max(staff_id) from staff where role = 'moderator'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let outsider = app.moderator().await;
    org.put_json(
        &format!("/api/sessions/{session_id}/safeguarding-contact"),
        &json!({"staff_id": contact_id}),
    )
    .await
    .expect_status(StatusCode::OK);
    let queue = contact
        .get("/api/reports?status=open")
        .await
        .expect_status(StatusCode::OK);
    let queue = queue.body.as_array().unwrap().clone();
    assert_eq!(queue.len(), 2);
    let csam_entry = queue.iter().find(|r| r["category"] == "csam").unwrap();
    assert!(
        csam_entry["question_text"].is_null(),
        "CSAM reports never show the content"
    );
    assert!(
        csam_entry["advice"]
            .as_str()
            .unwrap()
            .contains("national hotline")
    );
    let bullying = queue.iter().find(|r| r["category"] == "bullying").unwrap();
    assert_eq!(bullying["question_text"], "Words someone finds hurtful");
    assert_eq!(
        outsider
            .get("/api/reports")
            .await
            .expect_status(StatusCode::OK)
            .body,
        json!([])
    );
    let id = bullying["report_id"].as_i64().unwrap();
    outsider
        .put_json(&format!("/api/reports/{id}"), &json!({"status": "closed"}))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    contact
        .put_json(
            &format!("/api/reports/{id}"),
            &json!({"status": "in_review"}),
        )
        .await
        .expect_status(StatusCode::OK);

    // The reporter sees where their report stands.
    let client = app.anonymous();
    let mine = client
        .send(
            client
                .request(reqwest::Method::GET, &format!("{reports}/mine"))
                .header("cookie", reporter.cookie.clone()),
        )
        .await;
    assert_eq!(mine.body[0]["status"], "in_review");
    assert_eq!(mine.body.as_array().unwrap().len(), 1);
    let log = org
        .get(&format!("/api/sessions/{session_id}/audit"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(log.body[0]["action"], "triage_report");
    assert!(
        !log.text.contains("unkind"),
        "the audit log holds no report notes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_safeguarding_pages_show_the_queue_and_the_audit_log() {
    let Some(app) = TestApp::spawn(crate::helpers::Backend::Sqlite).await else {
        return;
    };
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    let mut organizer = LiveClient::connect(&app, session_id, org.cookie_header().as_deref()).await;
    let asker = app.join(session_id, "Asker").await;
    let mut asker_ws = LiveClient::connect(&app, session_id, Some(&asker.cookie)).await;
    let q = acked(
        &asker_ws
            .command(Command::Ask {
                text: "Rude words here".into(),
                anonymous: false,
            })
            .await,
    )
    .1
    .question_id
    .unwrap();
    acked(&organizer.command(Command::Approve { question_id: q }).await);
    let reporter = app.join(session_id, "Reporter").await;
    let client = app.anonymous();
    let filed = client
        .send(
            client
                .request(
                    reqwest::Method::POST,
                    &format!("/api/sessions/{session_id}/live/reports"),
                )
                .header("cookie", reporter.cookie.clone())
                .json(&json!({"question_id": q, "category": "hate"})),
        )
        .await;
    assert_eq!(filed.status, StatusCode::CREATED);
    let report_id = filed.body["report_id"].as_i64().unwrap();
    let queue = org.get("/safeguarding").await.expect_status(StatusCode::OK);
    assert!(
        queue.text.contains("Rude words here")
            && queue.text.contains(&format!("report-{report_id}"))
    );
    let triaged = org
        .send(
            org.request(
                reqwest::Method::POST,
                &format!("/safeguarding/reports/{report_id}"),
            )
            .header("content-type", "application/x-www-form-urlencoded")
            .body("status=referred"),
        )
        .await;
    assert_eq!(triaged.status, StatusCode::SEE_OTHER);
    let status: String = sqlx::query_scalar("select status from report where report_id = $1")
        .bind(report_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "referred");
    let audit = org
        .get(&format!("/live/{session_id}/audit"))
        .await
        .expect_status(StatusCode::OK);
    assert!(audit.text.contains("triage_report") && audit.text.contains("approve"));
    assert!(
        !audit.text.contains("Rude words"),
        "the audit page holds no content"
    );
    app.anonymous()
        .get("/safeguarding")
        .await
        .expect_status(StatusCode::SEE_OTHER);
    app.moderator()
        .await
        .get(&format!("/live/{session_id}/audit"))
        .await
        .expect_status(StatusCode::FORBIDDEN);
    app.teardown().await;
}
