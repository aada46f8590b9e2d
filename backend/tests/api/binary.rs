//! The `plenary` binary as an operator runs it: CLI, configuration errors, shutdown on SIGTERM.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::helpers::TestApp;

both!(create_organizer_makes_an_account_that_can_log_in);

/// The binary with a clean Plenary environment: only what the test sets reaches it.
fn plenary() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plenary"));
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
    let address = tokio::time::timeout(Duration::from_secs(30), async {
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
    .expect("plenary is ready within 30 s");

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

/// The `message` of a JSON log line ("" for anything else).
fn message_of(line: &str) -> String {
    serde_json::from_str::<serde_json::Value>(line)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_string))
        .unwrap_or_default()
}
