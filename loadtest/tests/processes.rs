//! S1 over several generator processes and source addresses (`idle --processes K
//! --source-addresses …`), small: the workers are this package's own binary (`idle-worker`).
//! Against two reference servers sharing one port (`SO_REUSEPORT`), and against an in-process
//! Plenary. Asserts counts only, never figures.

use std::path::PathBuf;
use std::time::Duration;

use plenary::cli::Server;
use plenary::config::Settings;
use plenary::domain::schedule::StaffRole;
use plenary::store::Db;
use plenary_loadtest::Config;
use plenary_loadtest::broadcast::Target;
use plenary_loadtest::idle::{IdleRun, idle_run};
use serde_json::json;

fn worker_exe() -> Option<PathBuf> {
    Some(env!("CARGO_BIN_EXE_plenary-loadtest").into())
}

fn addresses(list: &str) -> Vec<std::net::IpAddr> {
    list.split(',').map(|a| a.parse().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_connect_from_three_addresses_to_two_servers_on_one_port() {
    let first = plenary_loadtest::reference::listen_with("127.0.0.1:0".parse().unwrap(), true)
        .expect("a listener");
    let bound = first.local_addr().unwrap();
    let second = plenary_loadtest::reference::listen_with(bound, true)
        .expect("a second reference server on the same port");
    let servers = [
        tokio::spawn(plenary_loadtest::reference::serve_on(first)),
        tokio::spawn(plenary_loadtest::reference::serve_on(second)),
    ];
    let report = idle_run(IdleRun {
        target: Target::Reference {
            url: format!("ws://{bound}/ws"),
            payload_bytes: 330,
            source_addresses: addresses("127.0.0.1,127.0.0.2,127.0.0.3"),
        },
        participants: 90,
        processes: 3,
        idle: Duration::from_secs(1),
        // Both servers run in this process.
        server_pids: vec![std::process::id()],
        worker_exe: worker_exe(),
    })
    .await
    .expect("the run completes");
    assert_eq!(
        (report.connected, report.errors, report.processes),
        (90, 0, 3),
        "{report:?}"
    );
    for s in servers {
        s.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_join_plenary_from_two_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("load.sqlite3").display());
    let mut settings = Settings::load_with_env(None, Vec::<(String, String)>::new()).unwrap();
    settings.server.bind = "127.0.0.1:0".into();
    settings.database.url = url.clone();
    settings.database.data_dir = dir.path().join("data");
    settings.demo.load_on_first_start = false;
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
    let server = Server::build(settings, db).await.unwrap();
    let address = format!("http://{}", server.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));

    let http = reqwest::Client::new();
    let post = |path: &str, body: serde_json::Value| {
        http.post(format!("{address}{path}"))
            .header("cookie", cookie.clone())
            .json(&body)
            .send()
    };
    let json_of =
        |r: reqwest::Response| async move { r.json::<serde_json::Value>().await.unwrap() };
    post(
        "/api/events",
        json!({"slug": "igf-2025", "name": "IGF 2025", "kind": "annual_meeting",
        "time_zone": "Europe/Oslo", "starts_on": "2025-06-23", "ends_on": "2025-06-27"}),
    )
    .await
    .unwrap();
    let venue = json_of(post("/api/venues", json!({"name": "Hall"})).await.unwrap()).await;
    let room = json_of(
        post(
            "/api/rooms",
            json!({"venue_id": venue["venue_id"], "name": "R1", "capacity": 500, "layout": "theatre"}),
        )
        .await
        .unwrap(),
    )
    .await;
    let kind = json_of(
        post(
            "/api/session-types",
            json!({"code": "WS", "name": "Workshop", "label": "WS", "numbered": true,
            "allowed_durations": [60], "webcast": true, "captions": true, "interpretation": false}),
        )
        .await
        .unwrap(),
    )
    .await;
    let session = json_of(
        post(
            "/api/events/igf-2025/sessions",
            json!({"session_type_id": kind["session_type_id"],
            "number": 1, "title": "Load", "room_id": room["room_id"],
            "starts_at": "2025-06-24T07:00:00Z", "ends_at": "2025-06-24T08:00:00Z"}),
        )
        .await
        .unwrap(),
    )
    .await;
    let session_id = session["session"]["session_id"]
        .as_i64()
        .expect("a session");

    let report = idle_run(IdleRun {
        target: Target::Plenary(Config {
            server: address.clone(),
            session_id,
            moderator_cookie: cookie.clone(),
            source_addresses: addresses("127.0.0.1,127.0.0.2"),
            join_concurrency: Some(8),
            ..Config::default()
        }),
        participants: 40,
        processes: 2,
        idle: Duration::from_secs(1),
        server_pids: vec![std::process::id()],
        worker_exe: worker_exe(),
    })
    .await
    .expect("the run completes");
    // 40 participants and the parent's moderator.
    assert_eq!(
        (report.connected, report.errors, report.processes),
        (41, 0, 2),
        "{report:?}"
    );
    let _ = stop.send(());
    running.await.unwrap().unwrap();
}
