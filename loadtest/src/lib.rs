//! The load test: many participants and a moderator against a running Plenary, over real
//! websockets, with the server's own protocol types.
//!
//! Latency comes from a timestamp carried inside each change (a moderator sets a question's
//! label to the send time in microseconds), so it is measured publish → receive on every
//! client, with no coordinated omission: the moderator sends on a fixed schedule whatever the
//! receivers do. Every client also checks that sequence numbers arrive without gaps or repeats.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use plenary::live::protocol::{ClientFrame, Command, ServerFrame};
use serde_json::json;
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// S3 and S4 side by side: Plenary or the reference server, in steps of rising rate.
pub mod broadcast;
/// S1: participants joined and idle; the server's memory per connection and idle CPU.
pub mod idle;
/// The reference broadcast server: the same stack, no application logic.
pub mod reference;
/// S5: the vote storm; acknowledgement times, lost votes, tally staleness.
pub mod votes;

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// `http://host:port` of the server.
    pub server: String,
    pub session_id: i64,
    /// `name=value` of an organizer's or assigned moderator's login cookie.
    pub moderator_cookie: String,
    pub participants: usize,
    /// Moderator actions per second during the run (scenario S3).
    pub actions_per_second: u32,
    pub duration: Duration,
}

/// Figures of one run.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Report {
    pub participants: usize,
    pub joins_per_second: f64,
    pub snapshot_ms: Percentiles,
    pub actions: u64,
    /// Publish → receive, over every delivery to every participant.
    pub latency_ms: Percentiles,
    /// Publish → the last participant's receive, per action.
    pub last_receive_ms: Percentiles,
    pub deliveries: u64,
    pub lost: u64,
    pub duplicated: u64,
    pub errors: u64,
    /// CPU seconds the server used during the fan-out phase, when its pid was given.
    pub server_cpu_seconds: Option<f64>,
}

/// p50, p99, p99.9 and max of a sample, in milliseconds.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Percentiles {
    pub count: usize,
    pub p50: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

impl Percentiles {
    pub fn of(mut values: Vec<f64>) -> Percentiles {
        if values.is_empty() {
            return Percentiles::default();
        }
        values.sort_by(|a, b| a.total_cmp(b));
        let at = |q: f64| values[((values.len() as f64 - 1.0) * q).round() as usize];
        Percentiles {
            count: values.len(),
            p50: at(0.5),
            p99: at(0.99),
            p999: at(0.999),
            max: values[values.len() - 1],
        }
    }
}

pub(crate) fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

pub(crate) type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open(config: &Config, cookie: &str) -> anyhow::Result<Ws> {
    let url = format!(
        "{}/live/sessions/{}/socket",
        config.server.replacen("http", "ws", 1),
        config.session_id
    );
    let mut request = url.into_client_request()?;
    request.headers_mut().insert("cookie", cookie.parse()?);
    let (ws, _) = tokio_tungstenite::connect_async(request).await?;
    Ok(ws)
}

async fn next_frame(ws: &mut Ws) -> anyhow::Result<ServerFrame> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => return Ok(serde_json::from_str(text.as_str())?),
            Some(Ok(Message::Close(frame))) => bail!("closed: {frame:?}"),
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(e.into()),
            None => bail!("the connection ended"),
        }
    }
}

/// A tag for this run, in handles and client ids: client ids of an earlier run would return
/// that run's results (retries are idempotent) instead of making new changes.
pub(crate) fn run_tag() -> &'static str {
    static RUN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    RUN.get_or_init(|| letters((now_micros() % 1_000_000_007) as usize))
}

/// Joins one participant over HTTP; returns the join cookie. Handles carry a tag of this run,
/// so runs against the same session do not collide.
async fn join(http: &reqwest::Client, config: &Config, n: usize) -> anyhow::Result<String> {
    let run = run_tag();
    let reply = http
        .post(format!(
            "{}/api/sessions/{}/live/participants",
            config.server, config.session_id
        ))
        .json(&json!({
            "handle": format!("Load {run} {}", letters(n)),
            "age_band": "18_plus", "attendance": "online", "accept_code_of_conduct": true,
        }))
        .send()
        .await?;
    if !reply.status().is_success() {
        bail!(
            "join {n}: {} {}",
            reply.status(),
            reply.text().await.unwrap_or_default()
        );
    }
    let cookie = reply
        .headers()
        .get("set-cookie")
        .context("a join cookie")?
        .to_str()?
        .split(';')
        .next()
        .unwrap_or_default()
        .to_string();
    Ok(cookie)
}

/// A handle from a number, in letters (digit runs read as phone numbers).
fn letters(mut n: usize) -> String {
    // No i, l, m, n, o or r: "rn" looks like "m", and look-alike handles are refused.
    const SAFE: &[u8] = b"abcdefghjkpqstuvwxyz";
    let mut s = String::new();
    loop {
        s.push(SAFE[n % SAFE.len()] as char);
        n /= SAFE.len();
        if n == 0 {
            return s;
        }
    }
}

/// What one participant saw.
#[derive(Default)]
struct Seen {
    latencies: Vec<f64>,
    /// (action number, receive time in µs)
    arrivals: Vec<(u64, u64)>,
    lost: u64,
    duplicated: u64,
}

/// A session made ready for a run: a moderator's socket, an approved question to change, and
/// every participant joined with its socket open and its snapshot read (the join storm, S2).
pub(crate) struct Setup {
    pub moderator: Ws,
    pub question_id: i64,
    /// Each participant's socket and the `seq` of its snapshot.
    pub clients: Vec<(Ws, i64)>,
    pub errors: u64,
    pub join_seconds: f64,
    pub snapshot_ms: Vec<f64>,
}

pub(crate) async fn setup_plenary(config: &Config) -> anyhow::Result<Setup> {
    // Several runs in one process (the smoke test) must not reuse handles or client ids.
    static JOINED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let base = JOINED.fetch_add(config.participants.max(1), Ordering::SeqCst);
    let http = reqwest::Client::new();
    let mut moderator = open(config, &config.moderator_cookie).await?;
    let first = next_frame(&mut moderator).await?;
    if !matches!(&first, ServerFrame::Snapshot(s) if s.you.role == plenary::live::protocol::Role::Moderator)
    {
        bail!("the moderator cookie does not give moderator rights: {first:?}");
    }
    // A question to label: asked by the first participant, approved by the moderator.
    let asker_cookie = join(&http, config, base).await?;
    let mut asker = open(config, &asker_cookie).await?;
    let mut asker_seq = next_frame(&mut asker).await?.seq().unwrap_or(0);
    send(
        &mut asker,
        &format!("lt-{}-ask{base}", run_tag()),
        Command::Ask {
            text: "Load test question?".into(),
            anonymous: false,
        },
    )
    .await?;
    let question_id = loop {
        let frame = next_frame(&mut asker).await?;
        if let Some(seq) = frame.seq() {
            asker_seq = asker_seq.max(seq);
        }
        if let ServerFrame::Ack {
            client_id, result, ..
        } = frame
        {
            if client_id == format!("lt-{}-ask{base}", run_tag()) {
                break result.question_id.context("the ask was refused")?;
            }
        }
    };
    send(
        &mut moderator,
        &format!("lt-{}-approve{base}", run_tag()),
        Command::Approve { question_id },
    )
    .await?;

    // S2: the join storm.
    let started = Instant::now();
    let mut joins = Vec::new();
    for n in 1..config.participants {
        let http = http.clone();
        let config = config.clone();
        joins.push(tokio::spawn(async move {
            let t0 = Instant::now();
            let cookie = join(&http, &config, base + n).await?;
            let mut ws = open(&config, &cookie).await?;
            let snapshot = next_frame(&mut ws).await?;
            let seq = snapshot.seq().context("a snapshot first")?;
            anyhow::Ok((ws, seq, t0.elapsed().as_secs_f64() * 1000.0))
        }));
    }
    let mut clients = vec![(asker, asker_seq)];
    let mut snapshot_ms = Vec::new();
    let mut errors = 0u64;
    for j in joins {
        match j.await? {
            Ok((ws, seq, ms)) => {
                clients.push((ws, seq));
                snapshot_ms.push(ms);
            }
            Err(e) => {
                errors += 1;
                eprintln!("join failed: {e:#}");
            }
        }
    }
    Ok(Setup {
        moderator,
        question_id,
        clients,
        errors,
        join_seconds: started.elapsed().as_secs_f64(),
        snapshot_ms,
    })
}

/// Scenario S2 then S3: `participants` join and take their snapshots (join storm), then a
/// moderator changes a question's label `actions_per_second` times a second for `duration`,
/// each label carrying its send time; every participant reports what it received.
pub async fn fan_out(config: Config) -> anyhow::Result<Report> {
    let Setup {
        moderator,
        question_id,
        clients,
        errors,
        join_seconds,
        snapshot_ms,
    } = setup_plenary(&config).await?;
    let moderator = Arc::new(Mutex::new(moderator));

    // S3: the fan-out. Receivers run until told to stop; the moderator sends on a schedule.
    let stop = Arc::new(AtomicU64::new(0));
    let mut receivers = Vec::new();
    for (mut ws, mut last) in clients {
        let stop = stop.clone();
        receivers.push(tokio::spawn(async move {
            let mut seen = Seen::default();
            loop {
                let frame = tokio::select! {
                    f = next_frame(&mut ws) => f,
                    _ = tokio::time::sleep(Duration::from_millis(200)) => {
                        if stop.load(Ordering::Relaxed) == 1 { break; }
                        continue;
                    }
                };
                let Ok(frame) = frame else { break };
                let received = now_micros();
                if let Some(seq) = frame.seq() {
                    if matches!(frame, ServerFrame::Snapshot(_)) {
                        last = seq;
                        continue;
                    }
                    if seq <= last {
                        seen.duplicated += 1;
                        continue;
                    }
                    if !matches!(frame, ServerFrame::Tallies { .. }) && seq != last + 1 {
                        seen.lost += (seq - last - 1) as u64;
                    }
                    last = seq;
                }
                if let ServerFrame::Question { question, .. }
                | ServerFrame::YourQuestion { question, .. } = &frame
                {
                    if let Some((n, sent)) = question
                        .label
                        .strip_prefix('t')
                        .and_then(|l| l.split_once('@'))
                    {
                        if let (Ok(n), Ok(sent)) = (n.parse::<u64>(), sent.parse::<u64>()) {
                            seen.latencies
                                .push(received.saturating_sub(sent) as f64 / 1000.0);
                            seen.arrivals.push((n, received));
                        }
                    }
                }
            }
            seen
        }));
    }
    let actions =
        (config.duration.as_secs_f64() * f64::from(config.actions_per_second)).max(1.0) as u64;
    let every = Duration::from_secs_f64(1.0 / f64::from(config.actions_per_second.max(1)));
    let mut ticker = tokio::time::interval(every);
    let mut sent_at = Vec::new();
    {
        let mut moderator = moderator.lock().await;
        for n in 0..actions {
            ticker.tick().await;
            let sent = now_micros();
            sent_at.push(sent);
            // A label is at most 32 characters: "t<n>@<µs>" fits.
            let label = format!("t{n}@{sent}");
            send(
                &mut moderator,
                &format!("lt-{}-{n}", run_tag()),
                Command::Label { question_id, label },
            )
            .await?;
            // Drain the moderator's own frames so its socket never backs up.
            while let Ok(Some(Ok(_))) =
                tokio::time::timeout(Duration::from_millis(0), moderator.next()).await
            {}
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(1, Ordering::Relaxed);
    let mut all = Vec::new();
    let mut last_by_action = vec![0u64; actions as usize];
    let mut report = Report {
        participants: config.participants,
        joins_per_second: (config.participants.saturating_sub(1)) as f64 / join_seconds.max(1e-9),
        snapshot_ms: Percentiles::of(snapshot_ms),
        actions,
        errors,
        ..Report::default()
    };
    for r in receivers {
        let seen = r.await?;
        report.deliveries += seen.latencies.len() as u64;
        report.lost += seen.lost;
        report.duplicated += seen.duplicated;
        all.extend(seen.latencies);
        for (n, at) in seen.arrivals {
            if let Some(slot) = last_by_action.get_mut(n as usize) {
                *slot = (*slot).max(at);
            }
        }
    }
    report.latency_ms = Percentiles::of(all);
    report.last_receive_ms = Percentiles::of(
        last_by_action
            .iter()
            .zip(&sent_at)
            .filter(|(last, _)| **last > 0)
            .map(|(last, sent)| last.saturating_sub(*sent) as f64 / 1000.0)
            .collect(),
    );
    Ok(report)
}

async fn send(ws: &mut Ws, client_id: &str, command: Command) -> anyhow::Result<()> {
    let frame = ClientFrame {
        client_id: client_id.to_string(),
        command,
    };
    ws.send(Message::text(serde_json::to_string(&frame)?))
        .await?;
    Ok(())
}

/// CPU seconds (user + system) a process has used, from `/proc/<pid>/stat`.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Resident memory of a process in bytes, from `/proc/<pid>/status`.
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
