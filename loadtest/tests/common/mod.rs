//! What the load test's own tests share: an in-process Plenary on SQLite in a temporary
//! directory, an organizer's login cookie, and a live session to play against.

#![allow(dead_code)] // each test crate uses its own part of this module

use std::net::SocketAddr;
use std::path::Path;

use plenary::cli::Server;
use plenary::config::Settings;
use plenary::domain::schedule::StaffRole;
use plenary::store::Db;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Settings for a server on a free port with its database in `dir`, no demo data, and the
/// per-address join limit lifted (every simulated participant comes from 127.0.0.1).
pub fn settings(dir: &Path) -> Settings {
    let mut settings = Settings::load_with_env(None, Vec::<(String, String)>::new()).unwrap();
    settings.server.bind = "127.0.0.1:0".into();
    settings.server.shutdown_grace_seconds = 2;
    settings.database.url = format!("sqlite://{}", dir.join("load.sqlite3").display());
    settings.database.data_dir = dir.join("data");
    settings.demo.load_on_first_start = false;
    settings.limits.joins_per_minute_per_address = 1_000_000;
    settings
}

/// Creates an organizer in the database of `settings` and returns their login cookie.
pub async fn organizer_cookie(settings: &Settings) -> String {
    let db = Db::connect(&settings.database.url, 8).await.unwrap();
    let passphrase = "a long passphrase here";
    plenary::auth::create_staff(
        &db,
        "org@example.org",
        "Org",
        StaffRole::Organizer,
        passphrase,
    )
    .await
    .unwrap();
    let (_, token) = plenary::auth::login(&db, "org@example.org", passphrase, 1)
        .await
        .unwrap()
        .unwrap();
    db.pool.close().await;
    format!("{}={token}", plenary::auth::SESSION_COOKIE)
}

/// A running in-process server: its address, how to stop it, and its task.
pub struct Running {
    pub address: SocketAddr,
    pub stop: oneshot::Sender<()>,
    pub task: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// `http://host:port`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Stops the server as SIGTERM does (live sockets get 1001 `resume:<seq>`) and waits.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.task.await?
    }
}

pub async fn start(settings: Settings) -> Running {
    let db = Db::connect(&settings.database.url, 8).await.unwrap();
    let server = Server::build(settings, db).await.unwrap();
    let address = server.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    Running {
        address,
        stop,
        task,
    }
}

/// Creates an event, a room, a session type and one session through the API; returns the
/// session's id.
pub async fn live_session(server: &str, cookie: &str) -> i64 {
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        let request = http
            .post(format!("{server}{path}"))
            .header("cookie", cookie)
            .json(&body);
        let path = path.to_owned();
        async move {
            let reply = request.send().await.unwrap();
            assert!(reply.status().is_success(), "{path}: {}", reply.status());
            reply.json::<Value>().await.unwrap()
        }
    };
    post(
        "/api/events",
        json!({"slug": "igf-2025", "name": "IGF 2025", "kind": "annual_meeting",
        "time_zone": "Europe/Oslo", "starts_on": "2025-06-23", "ends_on": "2025-06-27"}),
    )
    .await;
    let venue = post("/api/venues", json!({"name": "Hall"})).await;
    let room = post(
        "/api/rooms",
        json!({"venue_id": venue["venue_id"], "name": "R1", "capacity": 500, "layout": "theatre"}),
    )
    .await;
    let kind = post(
        "/api/session-types",
        json!({"code": "WS", "name": "Workshop", "label": "WS", "numbered": true,
        "allowed_durations": [60], "webcast": true, "captions": true, "interpretation": false}),
    )
    .await;
    let session = post(
        "/api/events/igf-2025/sessions",
        json!({"session_type_id": kind["session_type_id"],
        "number": 1, "title": "Load", "room_id": room["room_id"],
        "starts_at": "2025-06-24T07:00:00Z", "ends_at": "2025-06-24T08:00:00Z"}),
    )
    .await;
    session["session"]["session_id"]
        .as_i64()
        .expect("a session")
}
