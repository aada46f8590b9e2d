//! S1: N participants joined, then idle. Reports the server's resident memory per connection
//! (growth from before the joins to after them) and its CPU while nobody does anything (pings
//! and presence only), as a share of one core.

use std::time::{Duration, Instant};

use futures_util::StreamExt;

use crate::broadcast::Target;
use crate::{cpu_seconds, rss_bytes};

/// Figures of one idle run.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct IdleReport {
    pub target: String,
    pub participants: usize,
    pub connected: usize,
    pub errors: u64,
    pub connect_seconds: f64,
    pub rss_before_bytes: u64,
    pub rss_after_bytes: u64,
    /// (after − before) / connected.
    pub bytes_per_connection: u64,
    pub idle_seconds: f64,
    /// Server CPU-seconds per second of idling, in percent of one core.
    pub idle_cpu_percent_of_a_core: f64,
}

/// Joins `participants`, waits for the server to settle, then idles for `idle`.
pub async fn idle(
    target: Target,
    participants: usize,
    idle: Duration,
    server_pid: u32,
) -> anyhow::Result<IdleReport> {
    let rss_before = rss_bytes(server_pid).unwrap_or(0);
    let started = Instant::now();
    let (clients, errors, name) = match &target {
        Target::Plenary(c) => {
            let c = crate::Config {
                participants,
                ..c.clone()
            };
            let setup = crate::setup_plenary(&c).await?;
            let mut clients: Vec<_> = setup.clients.into_iter().map(|(ws, _)| ws).collect();
            clients.push(setup.moderator);
            (clients, setup.errors, "plenary")
        }
        Target::Reference { url, .. } => {
            let mut clients = Vec::with_capacity(participants);
            let mut errors = 0;
            for _ in 0..participants {
                match tokio_tungstenite::connect_async(url.as_str()).await {
                    Ok((ws, _)) => clients.push(ws),
                    Err(e) => {
                        errors += 1;
                        eprintln!("connect failed: {e}");
                    }
                }
            }
            (clients, errors, "reference")
        }
    };
    let connect_seconds = started.elapsed().as_secs_f64();
    let connected = clients.len();
    // Keep reading, so the server's pings are answered, and hold every socket open.
    let readers: Vec<_> = clients
        .into_iter()
        .map(|mut ws| tokio::spawn(async move { while let Some(Ok(_)) = ws.next().await {} }))
        .collect();
    // Let joins, presence updates and allocator caches settle before measuring.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss_after = rss_bytes(server_pid).unwrap_or(0);
    let cpu_before = cpu_seconds(server_pid).unwrap_or(0.0);
    let idle_started = Instant::now();
    tokio::time::sleep(idle).await;
    let idle_seconds = idle_started.elapsed().as_secs_f64();
    let cpu = cpu_seconds(server_pid).unwrap_or(0.0) - cpu_before;
    for r in readers {
        r.abort();
    }
    Ok(IdleReport {
        target: name.into(),
        participants,
        connected,
        errors,
        connect_seconds,
        rss_before_bytes: rss_before,
        rss_after_bytes: rss_after,
        bytes_per_connection: rss_after.saturating_sub(rss_before) / connected.max(1) as u64,
        idle_seconds,
        idle_cpu_percent_of_a_core: 100.0 * cpu / idle_seconds.max(1e-9),
    })
}
