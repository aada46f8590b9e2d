//! The `plenary` binary as an operator runs it: CLI, configuration errors, shutdown on SIGTERM.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::helpers::TestApp;

both!(create_organizer_makes_an_account_that_can_log_in);

/// The binary with a clean Plenary environment: only what the test sets reaches it.
fn plenary() -> Command {
    clean(Command::new(env!("CARGO_BIN_EXE_plenary")))
}

/// `cmd` (the binary, or a wrapper that runs it) without this process's Plenary settings.
fn clean(mut cmd: Command) -> Command {
    for (key, _) in std::env::vars() {
        if key.starts_with("PLENARY") || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    cmd.env("PLENARY__DEMO__LOAD_ON_FIRST_START", "false")
        .kill_on_drop(true);
    cmd
}

async fn create_organizer_makes_an_account_that_can_log_in(app: TestApp) {
    let output = plenary()
        .args([
            "create-organizer",
            "--email",
            "Chair@Example.org",
            "--name",
            "Coalition Chair",
        ])
        .env("PLENARY_PASSWORD", "correct horse battery staple")
        .env("PLENARY__DATABASE__URL", &app.database_url)
        .current_dir(app.dir.path())
        .output()
        .await
        .expect("run plenary create-organizer");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "exit {:?}: {stdout} {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("organizer chair@example.org created"),
        "{stdout}"
    );

    let (staff, _token) = plenary::auth::login(
        &app.db,
        "chair@example.org",
        "correct horse battery staple",
        1,
    )
    .await
    .unwrap()
    .expect("the new organizer can log in");
    assert_eq!(staff.display_name, "Coalition Chair");
    assert_eq!(staff.role.as_str(), "organizer");

    // A second account with the same e-mail, or a short password, is refused with a reason.
    for (email, password, blamed) in [
        ("chair@example.org", "another long passphrase", "email"),
        ("new@example.org", "short", "password"),
    ] {
        let output = plenary()
            .args(["create-organizer", "--email", email, "--name", "Someone"])
            .env("PLENARY_PASSWORD", password)
            .env("PLENARY__DATABASE__URL", &app.database_url)
            .current_dir(app.dir.path())
            .output()
            .await
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{email}: should fail");
        assert!(
            stderr.contains(blamed),
            "{email}: stderr names {blamed}: {stderr}"
        );
    }
    assert_eq!(app.count("staff").await, 1);
}

#[tokio::test]
async fn invalid_configuration_stops_the_start_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    for (key, value, named) in [
        ("PLENARY__SERVER__BIND", "nonsense", "server.bind"),
        (
            "PLENARY__SERVER__PUBLIC_URL",
            "example.org/",
            "server.public_url",
        ),
        (
            "PLENARY__DATABASE__URL",
            "mysql://localhost/plenary",
            "database.url",
        ),
    ] {
        let output = plenary()
            .env(key, value)
            .env("PLENARY__DATABASE__DATA_DIR", dir.path().join("data"))
            .current_dir(dir.path())
            .output()
            .await
            .expect("run plenary");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{key}={value} must not start");
        assert_eq!(
            output.status.code(),
            Some(2),
            "{key}={value}: configuration errors exit with 2"
        );
        assert!(
            stderr.contains(named),
            "{key}={value}: stderr should name {named}: {stderr}"
        );
    }
    assert!(
        !dir.path().join("data").exists(),
        "nothing was created before the configuration was checked"
    );
}

/// Live sockets are upgraded connections, which the HTTP server's graceful shutdown does not
/// wait for: the process must still let every one send its close, with the point to resume
/// from, before it exits.
#[tokio::test]
async fn on_sigterm_every_live_socket_is_told_where_to_resume() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

    let dir = tempfile::tempdir().unwrap();
    // One core for the server, as in the load test's S8, where most sockets went without
    // their close when the process did not wait for them.
    let mut server = if std::path::Path::new("/usr/bin/taskset").exists() {
        let mut pinned = Command::new("/usr/bin/taskset");
        pinned.args(["-c", "0", env!("CARGO_BIN_EXE_plenary")]);
        clean(pinned)
    } else {
        plenary()
    };
    let mut child = server
        .env("PLENARY__SERVER__BIND", "127.0.0.1:0")
        .env("PLENARY__DATABASE__DATA_DIR", dir.path().join("data"))
        .env("PLENARY__DEMO__LOAD_ON_FIRST_START", "true")
        .env("PLENARY__LIMITS__JOINS_PER_MINUTE_PER_ADDRESS", "100000")
        .env("PLENARY__LOG__FORMAT", "json")
        .env("TOKIO_WORKER_THREADS", "1")
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start plenary");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Loading the demo data takes longer than an empty start.
    let address = ready_address(&mut lines, &mut Vec::new(), 60).await;
    // Keep reading the log, so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

    let http = reqwest::Client::new();
    let sessions: serde_json::Value = http
        .get(format!(
            "{address}/api/events/igf-2025/sessions?per_page=100"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session_id = sessions["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["title"]
                .as_str()
                .unwrap_or_default()
                .starts_with("Dynamic Coalition on Child Online Safety: annual")
        })
        .and_then(|s| s["session_id"].as_i64())
        .expect("the demo's annual DC-COS session");
    // Enough sockets, on one core, that closing them all takes the server longer than its own
    // way out does (without the wait, 429 of 3,000 got their close here). This process and the
    // server each hold one descriptor per socket: with a lower open-file limit, fewer.
    let limit = open_file_limit().unwrap_or(1024);
    let sockets_wanted = 3_000.min(limit.saturating_sub(200) / 2);
    if sockets_wanted < 3_000 {
        eprintln!(
            "NOTE: open-file limit {limit}: {sockets_wanted} sockets instead of 3,000 \
             (ulimit -n 8192 or more for the full test)"
        );
    }
    let url = format!(
        "{}/live/sessions/{session_id}/socket",
        address.replacen("http", "ws", 1)
    );
    let sockets: Vec<_> = futures_util::stream::iter(0..sockets_wanted)
        .map(|n| {
            let (http, address, url) = (http.clone(), address.clone(), url.clone());
            async move {
                let reply = http
                    .post(format!(
                        "{address}/api/sessions/{session_id}/live/participants"
                    ))
                    .json(&serde_json::json!({
                        "handle": format!("Resumer {}", crate::live_client::letters(n + 1)),
                        "age_band": "18_plus", "attendance": "online",
                        "accept_code_of_conduct": true,
                    }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(reply.status(), reqwest::StatusCode::CREATED);
                let cookie = crate::helpers::cookie_pair(reply.headers());
                let mut request = url.into_client_request().unwrap();
                request
                    .headers_mut()
                    .insert("cookie", cookie.parse().unwrap());
                let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
                let Some(Ok(Message::Text(snapshot))) = ws.next().await else {
                    panic!("no snapshot");
                };
                let snapshot: serde_json::Value = serde_json::from_str(snapshot.as_str()).unwrap();
                (ws, snapshot["seq"].as_i64().unwrap())
            }
        })
        .buffer_unordered(50)
        .collect()
        .await;

    let pid = child.id().expect("a running child").to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let mut told = 0;
    for (mut ws, mut seq) in sockets {
        // Changes and presence counts may come first; the close ends the socket.
        let close = tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                match ws.next().await {
                    Some(Ok(Message::Close(frame))) => return frame,
                    Some(Ok(Message::Text(text))) => {
                        let frame: serde_json::Value = serde_json::from_str(text.as_str()).unwrap();
                        if let Some(later) = frame["seq"].as_i64() {
                            seq = later;
                        }
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => return None,
                }
            }
        })
        .await
        .expect("every socket ends within 20 s of SIGTERM");
        if let Some(frame) = close {
            assert_eq!(frame.code, CloseCode::Away);
            assert_eq!(frame.reason.as_str(), format!("resume:{seq}"));
            told += 1;
        }
    }
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("plenary stops within 20 s of SIGTERM")
        .unwrap();
    assert!(status.success(), "exit status {status:?}");
    assert_eq!(
        told, sockets_wanted,
        "sockets that got their close before the process ended"
    );
}

#[tokio::test]
async fn the_server_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = plenary()
        .env("PLENARY__SERVER__BIND", "127.0.0.1:0")
        .env("PLENARY__DATABASE__DATA_DIR", dir.path().join("data"))
        .env("PLENARY__LOG__FORMAT", "json")
        .env("PLENARY__LOG__LEVEL", "info")
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start plenary");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut log = Vec::new();
    let address = ready_address(&mut lines, &mut log, 30).await;

    let health = reqwest::get(format!("{address}/healthz"))
        .await
        .expect("the server answers");
    assert_eq!(health.status(), reqwest::StatusCode::OK);

    // A plain `kill`, as a service manager would send it, without a signals crate.
    let pid = child.id().expect("a running child").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("plenary stops within 20 s of SIGTERM")
        .unwrap();
    while let Some(line) = lines.next_line().await.unwrap() {
        log.push(line);
    }
    assert!(status.success(), "exit status {status:?}; log: {log:#?}");
    let messages: Vec<String> = log.iter().map(|l| message_of(l)).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("shutdown signal received")),
        "{messages:#?}"
    );
    assert_eq!(
        messages.last().map(String::as_str),
        Some("stopped"),
        "{messages:#?}"
    );
    assert!(
        reqwest::get(format!("{address}/healthz")).await.is_err(),
        "the port is closed"
    );
}

/// Reads the server's JSON log (into `log`) until it says where it serves, within `seconds`.
async fn ready_address(
    lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    log: &mut Vec<String>,
    seconds: u64,
) -> String {
    tokio::time::timeout(Duration::from_secs(seconds), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            let message = message_of(&line);
            log.push(line);
            if let Some(rest) = message.strip_prefix("Plenary is ready: open ") {
                return rest.split(' ').next().unwrap().to_string();
            }
        }
        panic!("plenary exited before it was ready: {log:#?}");
    })
    .await
    .unwrap_or_else(|_| panic!("plenary is ready within {seconds} s"))
}

/// This process's soft limit on open files (Linux: `/proc/self/limits`).
fn open_file_limit() -> Option<usize> {
    std::fs::read_to_string("/proc/self/limits")
        .ok()?
        .lines()
        .find(|line| line.starts_with("Max open files"))?
        .split_whitespace()
        .nth(3)?
        .parse()
        .ok()
}

/// The `message` of a JSON log line ("" for anything else).
fn message_of(line: &str) -> String {
    serde_json::from_str::<serde_json::Value>(line)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_string))
        .unwrap_or_default()
}
