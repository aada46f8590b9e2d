//! S1: N participants joined, then idle. Reports the server's resident memory per connection
//! (growth from before the joins to after them) and its CPU while nobody does anything (pings
//! and presence only), as a share of one core.
//!
//! One process holds at most ~19,900 sockets (the open-file limit of 20,000). Beyond that the
//! run is split over several generator processes ([`IdleRun::processes`]): this process starts
//! the others as `plenary-loadtest idle-worker` with their share of the participants and of the
//! source addresses. Each worker connects its share, writes one JSON line ([`WorkerLine`]) to
//! its stdout, keeps reading its sockets (so pings are answered) until its stdin closes or its
//! deadline passes, and exits. The server side can be several processes too (`--server-pid`
//! given several times): their memory and CPU are summed.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::StreamExt;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::broadcast::Target;
use crate::{Ws, connect_ws, cpu_seconds_of, rss_bytes_of, source_for};

/// Figures of one idle run.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct IdleReport {
    pub target: String,
    pub participants: usize,
    /// Sockets open, over every generator process (for Plenary, the moderator's too).
    pub connected: usize,
    pub errors: u64,
    /// From the start until every generator process had connected its share.
    pub connect_seconds: f64,
    /// Generator processes (this one and its workers).
    pub processes: usize,
    /// The server processes measured; memory and CPU are their sums.
    pub server_pids: Vec<u32>,
    pub rss_before_bytes: u64,
    pub rss_after_bytes: u64,
    /// (after − before) / connected, 3 s after the last connection.
    pub bytes_per_connection: u64,
    /// The same at the end of the idle period: what an idle audience holds once the server has
    /// settled (Plenary gives freed memory back a few seconds after a wave of joins).
    pub rss_end_bytes: u64,
    pub bytes_per_connection_at_end: u64,
    pub idle_seconds: f64,
    /// Server CPU-seconds per second of idling, in percent of one core.
    pub idle_cpu_percent_of_a_core: f64,
}

/// An idle run, possibly over several generator processes and several server processes.
#[derive(Debug, Clone)]
pub struct IdleRun {
    /// The server, with every source address to use (split among the processes).
    pub target: Target,
    /// Participants in all, over every process.
    pub participants: usize,
    /// Generator processes, this one included (1: everything in this process).
    pub processes: usize,
    pub idle: Duration,
    /// The server's processes: their RSS and CPU time are summed.
    pub server_pids: Vec<u32>,
    /// The `plenary-loadtest` executable to start workers from; `None`: this process's own.
    pub worker_exe: Option<PathBuf>,
}

/// One process's part of a run: participants `first..first + participants`, and the source
/// addresses it connects from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    pub first: usize,
    pub participants: usize,
    pub source_addresses: Vec<IpAddr>,
}

/// Splits `participants` as evenly as possible over `processes`, and the source addresses
/// too: with at least as many addresses as processes, process j gets addresses j, j + K, …;
/// with fewer, process j gets address j mod k. The first share is this process's.
pub fn shares(participants: usize, addresses: &[IpAddr], processes: usize) -> Vec<Share> {
    let processes = processes.max(1);
    let mut first = 0;
    (0..processes)
        .map(|j| {
            let count = participants / processes + usize::from(j < participants % processes);
            let source_addresses = if addresses.len() >= processes {
                addresses
                    .iter()
                    .skip(j)
                    .step_by(processes)
                    .copied()
                    .collect()
            } else {
                source_for(addresses, j).into_iter().collect()
            };
            let share = Share {
                first,
                participants: count,
                source_addresses,
            };
            first += count;
            share
        })
        .collect()
}

/// What a worker writes to its stdout, on one line, once it has connected its share.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct WorkerLine {
    pub connected: usize,
    pub errors: u64,
}

/// Joins `participants`, waits for the server to settle, then idles for `idle`: one process,
/// one server process.
pub async fn idle(
    target: Target,
    participants: usize,
    idle: Duration,
    server_pid: u32,
) -> anyhow::Result<IdleReport> {
    idle_run(IdleRun {
        target,
        participants,
        processes: 1,
        idle,
        server_pids: vec![server_pid],
        worker_exe: None,
    })
    .await
}

/// A worker process started by [`idle_run`] (hidden command `idle-worker`).
struct Worker {
    child: tokio::process::Child,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    share: Share,
}

/// The worker's command line; `main.rs` parses it (`idle-worker`).
fn worker_command(
    exe: &std::path::Path,
    target: &Target,
    share: &Share,
    deadline: Duration,
) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(exe);
    command.arg("idle-worker");
    match target {
        Target::Plenary(c) => {
            command
                .args(["--target", "plenary", "--server", &c.server])
                .args(["--session", &c.session_id.to_string()])
                // In the environment rather than the arguments, which `ps` shows.
                .env("PLENARY_LOADTEST_COOKIE", &c.moderator_cookie);
            let n = c.join_concurrency.unwrap_or(0);
            command.args(["--join-concurrency", &n.to_string()]);
        }
        Target::Reference { url, .. } => {
            command.args(["--target", "reference", "--reference-url", url]);
        }
    }
    command
        .args(["--participants", &share.participants.to_string()])
        .args(["--first", &share.first.to_string()])
        .args(["--deadline", &deadline.as_secs().to_string()]);
    if !share.source_addresses.is_empty() {
        let list: Vec<String> = share
            .source_addresses
            .iter()
            .map(ToString::to_string)
            .collect();
        command.args(["--source-addresses", &list.join(",")]);
    }
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    command
}

/// Runs S1, over `run.processes` generator processes.
pub async fn idle_run(run: IdleRun) -> anyhow::Result<IdleReport> {
    if run.processes > 1 && run.participants < run.processes {
        bail!("fewer participants than processes");
    }
    let rss_before = rss_bytes_of(&run.server_pids);
    let started = Instant::now();
    let shares = shares(
        run.participants,
        run.target.source_addresses(),
        run.processes,
    );
    // Workers stop by themselves a while after this process would have given up on the run.
    let deadline = run.idle + Duration::from_secs(120 + run.participants as u64 / 100);
    let mut workers = Vec::new();
    if shares.len() > 1 {
        let exe = match &run.worker_exe {
            Some(exe) => exe.clone(),
            None => std::env::current_exe().context("this program's executable")?,
        };
        for share in &shares[1..] {
            let mut child = worker_command(&exe, &run.target, share, deadline)
                .spawn()
                .with_context(|| format!("starting {} idle-worker", exe.display()))?;
            let stdout = child.stdout.take().context("the worker's stdout")?;
            workers.push(Worker {
                child,
                lines: BufReader::new(stdout).lines(),
                share: share.clone(),
            });
        }
    }
    let own = &shares[0];
    let target = run
        .target
        .with_source_addresses(own.source_addresses.clone());
    let (clients, mut errors, name) = match &target {
        Target::Plenary(c) => {
            let c = crate::Config {
                participants: own.participants,
                ..c.clone()
            };
            let setup = crate::setup_plenary(&c).await?;
            let mut clients: Vec<_> = setup.clients.into_iter().map(|(ws, _)| ws).collect();
            clients.push(setup.moderator);
            (clients, setup.errors, "plenary")
        }
        Target::Reference { .. } => {
            let (clients, errors) = connect_share(&target, own).await?;
            (clients, errors, "reference")
        }
    };
    let mut connected = clients.len();
    for (k, w) in workers.iter_mut().enumerate() {
        let line = tokio::time::timeout(deadline, w.lines.next_line())
            .await
            .with_context(|| format!("worker {} did not report in time", k + 1))?
            .with_context(|| format!("reading worker {}", k + 1))?
            .with_context(|| {
                format!(
                    "worker {} ({} participants from {}) exited before connecting",
                    k + 1,
                    w.share.participants,
                    w.share.first
                )
            })?;
        let line: WorkerLine = serde_json::from_str(&line)
            .with_context(|| format!("worker {} wrote {line:?}", k + 1))?;
        connected += line.connected;
        errors += line.errors;
    }
    let connect_seconds = started.elapsed().as_secs_f64();
    // Keep reading, so the server's pings are answered, and hold every socket open.
    let readers: Vec<_> = clients
        .into_iter()
        .map(|mut ws| tokio::spawn(async move { while let Some(Ok(_)) = ws.next().await {} }))
        .collect();
    // Let joins, presence updates and allocator caches settle before measuring.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss_after = rss_bytes_of(&run.server_pids);
    let cpu_before = cpu_seconds_of(&run.server_pids);
    let idle_started = Instant::now();
    tokio::time::sleep(run.idle).await;
    let idle_seconds = idle_started.elapsed().as_secs_f64();
    let cpu = cpu_seconds_of(&run.server_pids) - cpu_before;
    let rss_end = rss_bytes_of(&run.server_pids);
    for r in readers {
        r.abort();
    }
    stop_workers(workers).await;
    Ok(IdleReport {
        target: name.into(),
        participants: run.participants,
        connected,
        errors,
        connect_seconds,
        processes: shares.len(),
        server_pids: run.server_pids.clone(),
        rss_before_bytes: rss_before,
        rss_after_bytes: rss_after,
        bytes_per_connection: rss_after.saturating_sub(rss_before) / connected.max(1) as u64,
        rss_end_bytes: rss_end,
        bytes_per_connection_at_end: rss_end.saturating_sub(rss_before) / connected.max(1) as u64,
        idle_seconds,
        idle_cpu_percent_of_a_core: 100.0 * cpu / idle_seconds.max(1e-9),
    })
}

/// Closes each worker's stdin (its signal to stop) and waits for it; kills it after 10 s.
async fn stop_workers(workers: Vec<Worker>) {
    for mut w in workers {
        drop(w.child.stdin.take());
        match tokio::time::timeout(Duration::from_secs(10), w.child.wait()).await {
            Ok(Ok(status)) if status.success() => {}
            Ok(Ok(status)) => eprintln!("an idle worker ended with {status}"),
            Ok(Err(e)) => eprintln!("waiting for an idle worker: {e}"),
            Err(_) => {
                eprintln!("an idle worker did not stop within 10 s; killing it");
                let _ = w.child.kill().await;
            }
        }
    }
}

/// Connects the reference server's share one socket at a time; for Plenary, joins it (no
/// moderator: the parent process has that one).
async fn connect_share(target: &Target, share: &Share) -> anyhow::Result<(Vec<Ws>, u64)> {
    match target {
        Target::Plenary(c) => {
            let c = crate::Config {
                participants: share.participants,
                source_addresses: share.source_addresses.clone(),
                ..c.clone()
            };
            let http = crate::http_clients(&c.source_addresses)?;
            let joined = crate::join_storm(&c, &http, share.first, 0..share.participants).await?;
            Ok((
                joined.clients.into_iter().map(|(ws, _)| ws).collect(),
                joined.errors,
            ))
        }
        Target::Reference { url, .. } => {
            let mut clients = Vec::with_capacity(share.participants);
            let mut errors = 0;
            for i in 0..share.participants {
                match connect_ws(url.as_str(), source_for(&share.source_addresses, i)).await {
                    Ok(ws) => clients.push(ws),
                    Err(e) => {
                        errors += 1;
                        eprintln!("connect failed: {e:#}");
                    }
                }
            }
            Ok((clients, errors))
        }
    }
}

/// The worker's side (`plenary-loadtest idle-worker`): connects `share`, writes a
/// [`WorkerLine`] to stdout, then holds the sockets, reading them, until stdin closes or
/// `deadline` (from the start) passes.
pub async fn worker(target: Target, share: Share, deadline: Duration) -> anyhow::Result<()> {
    let started = Instant::now();
    // A thread of its own: tokio's stdin would keep the runtime from shutting down at the
    // deadline while its read still waits.
    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        use std::io::Read;
        let mut buf = [0u8; 256];
        let mut stdin = std::io::stdin();
        while matches!(stdin.read(&mut buf), Ok(n) if n > 0) {}
        let _ = closed_tx.send(());
    });
    let (clients, errors) = tokio::time::timeout(deadline, connect_share(&target, &share))
        .await
        .context("the worker did not connect its share before its deadline")??;
    {
        use std::io::Write;
        let line = serde_json::to_string(&WorkerLine {
            connected: clients.len(),
            errors,
        })?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")?;
        out.flush()?;
    }
    let readers: Vec<_> = clients
        .into_iter()
        .map(|mut ws| tokio::spawn(async move { while let Some(Ok(_)) = ws.next().await {} }))
        .collect();
    let left = deadline.saturating_sub(started.elapsed());
    tokio::select! {
        _ = closed_rx => {}
        _ = tokio::time::sleep(left) => eprintln!("idle worker: deadline reached; stopping"),
    }
    for r in readers {
        r.abort();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_socket_connects_from_its_source_address() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}/ws", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let (stream, peer) = listener.accept().await.unwrap();
            let _ws = tokio_tungstenite::accept_async(stream).await.unwrap();
            peer
        });
        let _ws = connect_ws(url.as_str(), Some("127.0.0.3".parse().unwrap()))
            .await
            .unwrap();
        assert_eq!(server.await.unwrap().ip().to_string(), "127.0.0.3");
    }

    fn ips(list: &str) -> Vec<IpAddr> {
        list.split(',').map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn participants_and_addresses_are_split_over_the_processes() {
        let s = shares(10, &ips("127.0.0.1,127.0.0.2,127.0.0.3"), 3);
        let counts: Vec<_> = s.iter().map(|s| (s.first, s.participants)).collect();
        assert_eq!(counts, [(0, 4), (4, 3), (7, 3)]);
        assert_eq!(s[1].source_addresses, ips("127.0.0.2"));
        let s = shares(
            4,
            &ips("127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5"),
            2,
        );
        assert_eq!(s[0].source_addresses, ips("127.0.0.1,127.0.0.3,127.0.0.5"));
        assert_eq!(s[1].source_addresses, ips("127.0.0.2,127.0.0.4"));
        let s = shares(6, &ips("127.0.0.1,127.0.0.2"), 3);
        assert_eq!(s[2].source_addresses, ips("127.0.0.1"));
        let s = shares(6, &[], 1);
        assert_eq!(
            s,
            [Share {
                first: 0,
                participants: 6,
                source_addresses: vec![]
            }]
        );
    }
}
