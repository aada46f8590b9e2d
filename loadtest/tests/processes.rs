//! S1 over several generator processes and source addresses (`idle --processes K
//! --source-addresses …`), small: the workers are this package's own binary (`idle-worker`).
//! Against two reference servers sharing one port (`SO_REUSEPORT`), and against an in-process
//! Plenary. Asserts counts only, never figures.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use plenary_loadtest::Config;
use plenary_loadtest::broadcast::Target;
use plenary_loadtest::idle::{IdleRun, idle_run};

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
    let settings = common::settings(dir.path());
    let cookie = common::organizer_cookie(&settings).await;
    let running = common::start(settings).await;
    let address = running.url();
    let session_id = common::live_session(&address, &cookie).await;

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
    running.stop().await.unwrap();
}
