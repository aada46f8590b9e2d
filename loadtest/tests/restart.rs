//! S8, small: an in-process server restarted under 150 participants. The old server is stopped
//! the way SIGTERM stops it (every socket closed with 1001 `resume:<seq>`), and a new one is built
//! on the same database and the same address. Asserts correctness only, never timings: every
//! participant resumes, nothing is lost or repeated, and every change the moderator saw
//! acknowledged reaches every participant.

use std::sync::Arc;
use std::time::Duration;

use plenary::cli::Server;
use plenary::config::Settings;
use plenary::domain::schedule::StaffRole;
use plenary::store::Db;
use plenary_loadtest::Config;
use plenary_loadtest::restart::{Restart, RestartConfig, restart};
use serde_json::json;
use tokio::sync::{Mutex, oneshot};
use tokio::task::JoinHandle;

/// A running in-process server: how to stop it, and its task.
struct Running {
    stop: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

async fn start(settings: Settings) -> (Running, std::net::SocketAddr) {
    let db = Db::connect(&settings.database.url, 8).await.unwrap();
    let server = Server::build(settings, db).await.unwrap();
    let address = server.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    (Running { stop, task }, address)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_under_load_loses_nothing_and_everyone_resumes() {
    restart_once(150, None).await;
}

/// With `replay_limit` 0 the restarted server answers any participant that missed something
/// with a fresh snapshot: the gap is refilled, and the acknowledged changes it holds count as
/// delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn participants_too_far_behind_resume_from_a_snapshot() {
    restart_once(60, Some(0)).await;
}

/// Restarts an in-process server once under `participants`, with the restarted server's
/// `live.replay_limit` set when given, and asserts that nothing was lost.
async fn restart_once(participants: usize, replay_limit: Option<i64>) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("load.sqlite3").display());
    let mut settings = Settings::load_with_env(None, Vec::<(String, String)>::new()).unwrap();
    settings.server.bind = "127.0.0.1:0".into();
    settings.server.shutdown_grace_seconds = 2;
    settings.database.url = url.clone();
    settings.database.data_dir = dir.path().join("data");
    settings.demo.load_on_first_start = false;
    // Every simulated participant comes from 127.0.0.1.
    settings.limits.joins_per_minute_per_address = 1_000_000;
    let db = Db::connect(&url, 8).await.unwrap();
    plenary::auth::create_staff(
        &db,
        "org@example.org",
        "Org",
        StaffRole::Organizer,
        "a long passphrase here",
    )
    .await
    .unwrap();
    let (_, token) = plenary::auth::login(&db, "org@example.org", "a long passphrase here", 1)
        .await
        .unwrap()
        .unwrap();
    let cookie = format!("{}={token}", plenary::auth::SESSION_COOKIE);
    db.pool.close().await;
    let (running, bound) = start(settings.clone()).await;
    let address = format!("http://{bound}");
    // The restarted server binds the same port.
    settings.server.bind = bound.to_string();
    let running = Arc::new(Mutex::new(Some(running)));

    let http = reqwest::Client::new();
    let post = |path: &str, body: serde_json::Value| {
        http.post(format!("{address}{path}"))
            .header("cookie", cookie.clone())
            .json(&body)
            .send()
    };
    post(
        "/api/events",
        json!({"slug": "igf-2025", "name": "IGF 2025", "kind": "annual_meeting",
        "time_zone": "Europe/Oslo", "starts_on": "2025-06-23", "ends_on": "2025-06-27"}),
    )
    .await
    .unwrap();
    let venue: serde_json::Value = post("/api/venues", json!({"name": "Hall"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let room: serde_json::Value = post(
        "/api/rooms",
        json!({"venue_id": venue["venue_id"], "name": "R1", "capacity": 500, "layout": "theatre"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let kind: serde_json::Value = post("/api/session-types", json!({"code": "WS", "name": "Workshop", "label": "WS",
        "numbered": true, "allowed_durations": [60], "webcast": true, "captions": true, "interpretation": false}))
        .await.unwrap().json().await.unwrap();
    let session: serde_json::Value = post(
        "/api/events/igf-2025/sessions",
        json!({"session_type_id": kind["session_type_id"],
        "number": 1, "title": "Load", "room_id": room["room_id"],
        "starts_at": "2025-06-24T07:00:00Z", "ends_at": "2025-06-24T08:00:00Z"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let session_id = session["session"]["session_id"]
        .as_i64()
        .expect("a session");
    drop(http);

    // The restart: stop the server as SIGTERM does, wait for it to finish, and start a new one
    // on the same database and address.
    let restart_slot = running.clone();
    let mut restart_settings = settings.clone();
    if let Some(limit) = replay_limit {
        restart_settings.live.replay_limit = limit;
    }
    let action = Restart::callback(move || async move {
        let old = restart_slot.lock().await.take().expect("a running server");
        let _ = old.stop.send(());
        old.task.await??;
        // A real process takes a moment to come back: clients meet a closed port meanwhile.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (new, at) = start(restart_settings).await;
        assert_eq!(at, bound, "the new server has the old address");
        *restart_slot.lock().await = Some(new);
        Ok(())
    });
    let report = restart(RestartConfig {
        base: Config {
            server: address.clone(),
            session_id,
            moderator_cookie: cookie.clone(),
            participants,
            ..Config::default()
        },
        changes_per_second: 10,
        before: Duration::from_millis(1000),
        after: Duration::from_millis(1000),
        resume_timeout: Duration::from_secs(30),
        restart: action,
    })
    .await
    .expect("the run completes");
    eprintln!("{report:#?}");

    assert_eq!(report.participants, participants, "{report:#?}");
    assert_eq!(
        (
            report.errors,
            report.lost,
            report.duplicated,
            report.went_back
        ),
        (0, 0, 0, 0),
        "{report:#?}"
    );
    assert_eq!(report.gaps_after_resume, 0, "{report:#?}");
    assert_eq!(
        (report.resumed, report.not_resumed),
        (participants, 0),
        "every participant resumed: {report:#?}"
    );
    assert_eq!(
        report.resumed_by_replay + report.resumed_by_snapshot,
        participants,
        "{report:#?}"
    );
    assert_eq!(
        report.closed_by_server, participants,
        "the server closed every socket with a resume point: {report:#?}"
    );
    assert_eq!(report.resume_ms.count, participants, "{report:#?}");
    assert!(report.changes_published > 0, "{report:#?}");
    assert_eq!(
        report.changes_acknowledged, report.changes_published,
        "the moderator got every change acknowledged: {report:#?}"
    );
    assert_eq!(
        (report.undelivered_changes, report.undelivered),
        (0, 0),
        "every acknowledged change reached every participant: {report:#?}"
    );
    assert!(report.moderator_reconnects >= 1, "{report:#?}");

    let last = running.lock().await.take().expect("the restarted server");
    let _ = last.stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(15), last.task).await;
}
