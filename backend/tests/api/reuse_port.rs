//! `server.reuse_port`: several listeners (in practice several Plenary processes on one
//! PostgreSQL) share one port, and the kernel spreads new connections among them.

use std::net::SocketAddr;
use std::time::Duration;

use plenary::cli::listen;
use reqwest::StatusCode;

use crate::helpers::{Backend, TestApp};

/// Connects `n` times to `addr` and counts the connections `extra` accepted.
async fn connections_taken_by(
    extra: &tokio::net::TcpListener,
    addr: SocketAddr,
    n: usize,
) -> usize {
    let mut streams = Vec::new();
    for _ in 0..n {
        streams.push(
            tokio::net::TcpStream::connect(addr)
                .await
                .expect("the port accepts"),
        );
    }
    let mut taken = 0;
    while let Ok(Ok(_)) = tokio::time::timeout(Duration::from_millis(300), extra.accept()).await {
        taken += 1;
    }
    taken
}

#[tokio::test]
async fn listeners_that_reuse_the_port_share_it_and_others_are_refused() {
    let first = listen("127.0.0.1:0".parse().unwrap(), true).expect("a listener");
    let addr = first.local_addr().unwrap();
    let second = listen(addr, true).expect("a second listener on the same port");
    assert_eq!(second.local_addr().unwrap(), addr);
    let refused = listen(addr, false).expect_err("without SO_REUSEPORT the port is taken");
    assert_eq!(refused.kind(), std::io::ErrorKind::AddrInUse, "{refused}");
    // Connections (from different source ports) are spread over both.
    let taken = connections_taken_by(&second, addr, 64).await;
    assert!(
        0 < taken && taken < 64,
        "the second listener took {taken} of 64"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_shares_its_port_when_reuse_port_is_set() {
    let Some(app) =
        TestApp::spawn_configured(Backend::Sqlite, |s| s.server.reuse_port = true).await
    else {
        return;
    };
    let addr: SocketAddr = app
        .address
        .trim_start_matches("http://")
        .parse()
        .expect("an address");
    // Another process would bind the same way; a listener in this one stands in for it.
    let other = listen(addr, true).expect("the server's port can be shared");
    let taken = connections_taken_by(&other, addr, 64).await;
    assert!(
        0 < taken && taken < 64,
        "the other listener took {taken} of 64"
    );
    // The server still answers on the shared port.
    let mut answered = 0;
    for _ in 0..8 {
        if let Ok(reply) = reqwest::Client::new()
            .get(format!("{}/healthz", app.address))
            .timeout(Duration::from_millis(500))
            .send()
            .await
        {
            assert_eq!(reply.status(), StatusCode::OK);
            answered += 1;
        }
    }
    assert!(answered > 0, "the server answered none of 8 requests");
    app.teardown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_the_server_keeps_its_port_to_itself() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let addr: SocketAddr = app.address.trim_start_matches("http://").parse().unwrap();
    let refused = listen(addr, true).expect_err("the port is not shared");
    assert_eq!(refused.kind(), std::io::ErrorKind::AddrInUse, "{refused}");
    app.teardown().await;
}
