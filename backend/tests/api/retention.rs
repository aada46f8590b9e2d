//! Retention: data past its period is purged, the purge is recorded without content, and the
//! audit log yields only to the purge job.

use chrono::NaiveDate;
use plenary::live::protocol::Command;
use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::live_client::{LiveClient, acked};

both!(an_events_live_data_is_purged_after_its_retention_period);

async fn an_events_live_data_is_purged_after_its_retention_period(app: TestApp) {
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await; // IGF 2025, 23–27 June 2025
    let mut organizer = LiveClient::connect(&app, session_id, org.cookie_header().as_deref()).await;
    let p = app.join(session_id, "Ephemeral").await;
    let mut ws = LiveClient::connect(&app, session_id, Some(&p.cookie)).await;
    let q = ws.ask("Purge me later?").await;
    acked(&organizer.command(Command::Approve { question_id: q }).await);
    acked(
        &ws.command(Command::Vote {
            question_id: q,
            up: true,
        })
        .await,
    );
    // Answered, and never archived by a rapporteur: the purge must keep it on the record.
    let answered = ws.ask("Who keeps the record?").await;
    acked(
        &organizer
            .command(Command::Approve {
                question_id: answered,
            })
            .await,
    );
    acked(
        &organizer
            .command(Command::MarkAnswered {
                question_id: answered,
            })
            .await,
    );

    let settings = plenary::config::Settings::load_with_env(None, Vec::new())
        .unwrap()
        .retention;
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    // 90 days after 27 June is 25 September: nothing goes on that day, the live data goes after.
    let purged = plenary::retention::purge_expired(&app.db, &settings, day("2025-09-25"))
        .await
        .unwrap();
    assert!(purged.is_empty(), "{purged:?}");
    assert_eq!(app.count("question").await, 2);
    assert_eq!(app.count("archived_question").await, 0);
    let purged = plenary::retention::purge_expired(&app.db, &settings, day("2025-09-26"))
        .await
        .unwrap();
    let classes: Vec<&str> = purged.iter().map(|p| p.class).collect();
    assert!(
        classes.contains(&"questions")
            && classes.contains(&"participants")
            && classes.contains(&"live_frames"),
        "{classes:?}"
    );
    for table in ["question", "question_vote", "participant", "live_event"] {
        assert_eq!(app.count(table).await, 0, "{table}");
    }
    // The answered question outlived its asker, on the record and in the public read model.
    let kept = app
        .anonymous()
        .get(&format!("/api/sessions/{session_id}/archived-questions"))
        .await
        .expect_status(StatusCode::OK)
        .body;
    let texts: Vec<&str> = kept
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|q| q["text"].as_str())
        .collect();
    assert_eq!(texts, ["Who keeps the record?"], "{kept}");
    // Recorded with counts, never content.
    let log: Vec<(String, i64)> =
        sqlx::query_as("select class, rows_removed from purge_log order by purge_id")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert!(
        log.iter().any(|(c, n)| c == "questions" && *n == 2),
        "{log:?}"
    );
    // The audit log (two approvals, one answer) outlives the questions (730 days by entry age)
    // and still refuses deletes.
    assert_eq!(app.count("audit_log").await, 3);
    assert!(
        sqlx::query("delete from audit_log")
            .execute(&app.db.pool)
            .await
            .is_err()
    );
    // Only the purge job may remove old audit entries.
    sqlx::query("insert into audit_log (at, actor, action, target, reason) values (1000, 'system', 'old', 'session:0', '')")
        .execute(&app.db.pool).await.unwrap();
    let purged = plenary::retention::purge_expired(&app.db, &settings, day("2025-09-26"))
        .await
        .unwrap();
    assert!(
        purged.iter().any(|p| p.class == "audit_log" && p.rows == 1),
        "{purged:?}"
    );
    assert_eq!(app.count("audit_log").await, 3);
    assert!(
        sqlx::query("delete from audit_log")
            .execute(&app.db.pool)
            .await
            .is_err(),
        "the guard is back"
    );

    // An organizer can set an event's own periods.
    org.put_json(
        "/api/events/igf-2025/retention",
        &serde_json::json!({"live_days": 400, "participant_days": 400}),
    )
    .await
    .expect_status(StatusCode::OK);
    org.put_json(
        "/api/events/igf-2025/retention",
        &serde_json::json!({"live_days": -1}),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let got = org
        .get("/api/events/igf-2025/retention")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(got.body["live_days"], 400);
    assert!(got.body["report_days"].is_null());
    app.anonymous()
        .get("/api/events/igf-2025/retention")
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
}
