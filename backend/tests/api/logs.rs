//! The logs never hold question text, report notes, passwords, tokens, cookies or client
//! addresses, even at debug level: the real binary is driven through login, joining, asking,
//! reporting, a personal calendar link, export and erasure, from a client address of its own.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::Stdio;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::cookie_pair;

const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

fn plenary(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plenary"));
    for (key, _) in std::env::vars() {
        if key.starts_with("PLENARY") || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    cmd.env("PLENARY__DEMO__LOAD_ON_FIRST_START", "false")
        .env("PLENARY__DATABASE__DATA_DIR", dir.join("data"))
        .env("PLENARY__LOG__FORMAT", "json")
        .env("PLENARY__LOG__LEVEL", "debug")
        .current_dir(dir)
        .kill_on_drop(true);
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_never_hold_content_secrets_or_client_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let password = "Kestrel-lantern-password-9";
    let made = plenary(dir.path())
        .args([
            "create-organizer",
            "--email",
            "org@example.org",
            "--name",
            "Org",
        ])
        .env("PLENARY_PASSWORD", password)
        .output()
        .await
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let mut child = plenary(dir.path())
        .env("PLENARY__SERVER__BIND", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let errors = tokio::spawn(async move {
        let mut lines = BufReader::new(stderr).lines();
        let mut all = Vec::new();
        while let Ok(Some(line)) = lines.next_line().await {
            all.push(line);
        }
        all
    });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(i) = line.find("Plenary is ready: open ") {
                let rest = &line[i + "Plenary is ready: open ".len()..];
                return rest.split([' ', '"']).next().unwrap().to_string();
            }
        }
        panic!("plenary exited before it was ready");
    })
    .await
    .unwrap();
    let collector = tokio::spawn(async move {
        let mut all = Vec::new();
        while let Ok(Some(line)) = lines.next_line().await {
            all.push(line);
        }
        all
    });

    let http = reqwest::Client::builder()
        .local_address(CLIENT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = http
        .post(format!("{address}/login"))
        .form(&[("email", "org@example.org"), ("password", password)])
        .send()
        .await
        .unwrap();
    let staff_cookie = cookie_pair(login.headers());
    let staff_token = staff_cookie.split('=').nth(1).unwrap().to_string();
    let post = |path: &str, body: serde_json::Value| {
        http.post(format!("{address}{path}"))
            .header("cookie", staff_cookie.clone())
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
        json!({"venue_id": venue["venue_id"], "name": "R1", "capacity": 50, "layout": "theatre"}),
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
        "number": 1, "title": "Logged session", "room_id": room["room_id"],
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

    let joined = http
        .post(format!("{address}/api/sessions/{session_id}/live/participants"))
        .json(&json!({"handle": "Wrenfeather", "age_band": "16_17", "attendance": "online", "accept_code_of_conduct": true}))
        .send()
        .await
        .unwrap();
    let join_cookie = cookie_pair(joined.headers());
    let join_token = join_cookie.split('=').nth(1).unwrap().to_string();
    let joined: serde_json::Value = joined.json().await.unwrap();
    let data_key = joined["data_key"].as_str().unwrap().to_string();

    // Ask over a websocket opened from the client address.
    let secret_question = "Marzipan-observatory question text";
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(CLIENT, 0)).unwrap();
    let server: SocketAddr = address.trim_start_matches("http://").parse().unwrap();
    let stream = socket.connect(server).await.unwrap();
    let mut request = format!("ws://{server}/live/sessions/{session_id}/socket")
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("cookie", join_cookie.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::client_async(request, stream)
        .await
        .unwrap();
    ws.next().await.unwrap().unwrap(); // the snapshot
    ws.send(Message::text(
        json!({"type": "ask", "client_id": "log-1", "text": secret_question}).to_string(),
    ))
    .await
    .unwrap();
    ws.send(Message::text(
        "{\"type\":\"ask\",\"client_id\":\"log-2\",\"text\":\"Malformed-secret-words\"".to_string(),
    ))
    .await
    .unwrap();
    let mut question_id = None;
    while question_id.is_none() {
        if let Message::Text(t) = ws.next().await.unwrap().unwrap() {
            let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
            if v["type"] == "ack" {
                question_id = v["question_id"].as_i64();
            }
        }
    }
    let report_note = "Gossamer-report-note";
    let reported = http
        .post(format!("{address}/api/sessions/{session_id}/live/reports"))
        .header("cookie", join_cookie.clone())
        .json(&json!({"question_id": question_id, "category": "other", "note": report_note}))
        .send()
        .await
        .unwrap();
    assert_eq!(reported.status(), 201);
    // A personal schedule link puts a secret in the path.
    let added = http
        .post(format!("{address}/my-schedule/sessions/{session_id}"))
        .form(&[("next", "/")])
        .send()
        .await
        .unwrap();
    let schedule_cookie = cookie_pair(added.headers());
    let schedule_token = schedule_cookie.split('=').nth(1).unwrap_or("").to_string();
    assert!(
        !schedule_token.is_empty(),
        "a personal schedule link: {schedule_cookie}"
    );
    http.get(format!("{address}/calendar/my/{schedule_token}.ics"))
        .send()
        .await
        .unwrap();
    http.post(format!("{address}/api/my-data"))
        .json(&json!({"data_key": data_key}))
        .send()
        .await
        .unwrap();
    http.post(format!("{address}/api/my-data/erase"))
        .json(&json!({"data_key": data_key}))
        .send()
        .await
        .unwrap();
    drop(ws);

    let pid = child.id().unwrap().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .unwrap()
        .unwrap();
    let mut log = collector.await.unwrap();
    log.extend(errors.await.unwrap());
    assert!(log.len() > 20, "the debug log says something: {log:#?}");
    let text = log.join("\n");
    let mut secrets = vec![
        ("question text", secret_question.to_string()),
        ("malformed frame text", "Malformed-secret-words".to_string()),
        ("report note", report_note.to_string()),
        ("password", password.to_string()),
        ("staff token", staff_token),
        ("participant token", join_token),
        ("data key", data_key),
        ("client address", CLIENT.to_string()),
        ("handle", "Wrenfeather".to_string()),
    ];
    secrets.push(("personal schedule token", schedule_token));
    for (what, secret) in secrets {
        assert!(!text.contains(&secret), "the log holds the {what}");
    }
}
