//! The load test: many participants and a moderator against a running Plenary, over real
//! websockets, with the server's own protocol types.
//!
//! Latency comes from a timestamp carried inside each change (a moderator sets a question's
//! label to the send time in microseconds), so it is measured publish → receive on every
//! client, with no coordinated omission: the moderator sends on a fixed schedule whatever the
//! receivers do. Every client also checks that sequence numbers arrive without gaps or repeats.

use std::net::{IpAddr, SocketAddr};
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use plenary::live::protocol::{ClientFrame, Command, ServerFrame};
use serde_json::json;
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// S3 and S4 side by side: Plenary or the reference server, in steps of rising rate.
pub mod broadcast;
/// Reading frames at an audience's rate.
mod frame;
/// S1: participants joined and idle; the server's memory per connection and idle CPU.
pub mod idle;
/// S6 and S7: the mixed session, with or without slow participants.
pub mod mixed;
/// The reference broadcast server: the same stack, no application logic.
pub mod reference;
use frame::Incoming;
/// S8: the server restarts under load; time until every client has resumed with no gap.
pub mod restart;
/// S5: the vote storm; acknowledgement times, lost votes, tally staleness.
pub mod votes;

/// What to run. `Config { server, .., ..Config::default() }` leaves the optional parts at
/// their defaults.
#[derive(Debug, Clone, Default)]
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
    /// Local addresses to connect from (HTTP joins and websockets): connection i binds to
    /// address i mod k. Empty lets the OS choose, as before. Any 127.0.0.x is loopback on Linux.
    pub source_addresses: Vec<IpAddr>,
    /// At most this many HTTP joins in flight at once in the join storm; `None` starts them all
    /// at once. Each join in flight can hold one more descriptor (its pooled HTTP connection).
    pub join_concurrency: Option<usize>,
    /// Participants arrive at this many a second, each at its own due time, and its join →
    /// snapshot time runs from that due time (open loop: a slow server does not slow the
    /// arrivals). `None` starts every join at once.
    pub join_rate: Option<f64>,
}

/// Figures of one run.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Report {
    pub participants: usize,
    /// The arrival rate asked for (`--join-rate`); `None` when all joined at once.
    pub join_rate: Option<f64>,
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

/// The source address of connection `i`: address `i mod k`, or `None` (the OS chooses).
pub(crate) fn source_for(addresses: &[IpAddr], i: usize) -> Option<IpAddr> {
    (!addresses.is_empty()).then(|| addresses[i % addresses.len()])
}

/// The generator's websocket settings. tungstenite zeroes its whole read buffer's free space
/// before every read (128 KiB by default): with 10,000 sockets each woken for one small frame,
/// that `memset` was 46% of the generator's CPU time in S5 (`perf`), and the generator's
/// backlog then showed up as server latency. 8 KiB still takes a typical frame in one read.
fn client_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(8 * 1024)
}

/// Opens a websocket, from `source` when given: the socket is bound to `source` (port chosen
/// by the OS) before it connects. Without a source the OS chooses.
pub(crate) async fn connect_ws<R>(request: R, source: Option<IpAddr>) -> anyhow::Result<Ws>
where
    R: IntoClientRequest + Unpin,
{
    let Some(source) = source else {
        let (ws, _) =
            tokio_tungstenite::connect_async_with_config(request, Some(client_config()), false)
                .await?;
        return Ok(ws);
    };
    let request = request.into_client_request()?;
    let uri = request.uri();
    if uri.scheme_str() != Some("ws") {
        bail!("a source address needs a ws:// URL, not {uri}");
    }
    let host = uri
        .host()
        .context("a host in the URL")?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = uri.port_u16().unwrap_or(80);
    let mut last_error = None;
    for addr in tokio::net::lookup_host((host.as_str(), port)).await? {
        if addr.is_ipv4() != source.is_ipv4() {
            continue;
        }
        let socket = if source.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        socket
            .bind(SocketAddr::new(source, 0))
            .with_context(|| format!("binding {source}"))?;
        match socket.connect(addr).await {
            Ok(stream) => {
                let (ws, _) = tokio_tungstenite::client_async_with_config(
                    request,
                    tokio_tungstenite::MaybeTlsStream::Plain(stream),
                    Some(client_config()),
                )
                .await?;
                return Ok(ws);
            }
            Err(e) => {
                last_error = Some(anyhow::Error::from(e).context(format!("{source} → {addr}")))
            }
        }
    }
    Err(last_error
        .unwrap_or_else(|| anyhow::anyhow!("{host}:{port} has no address of {source}'s family")))
}

/// One HTTP client per source address (or one, when the OS chooses): join i uses client i mod k.
pub(crate) fn http_clients(addresses: &[IpAddr]) -> anyhow::Result<Vec<reqwest::Client>> {
    if addresses.is_empty() {
        return Ok(vec![reqwest::Client::new()]);
    }
    addresses
        .iter()
        .map(|ip| Ok(reqwest::Client::builder().local_address(*ip).build()?))
        .collect()
}

async fn open(config: &Config, cookie: &str) -> anyhow::Result<Ws> {
    open_from(config, cookie, 0, None).await
}

/// Opens participant (or moderator) `i`'s socket, from source address i mod k; with `since`,
/// it resumes: the server replays the changes after `since` instead of sending a snapshot.
pub(crate) async fn open_from(
    config: &Config,
    cookie: &str,
    i: usize,
    since: Option<i64>,
) -> anyhow::Result<Ws> {
    let mut url = format!(
        "{}/live/sessions/{}/socket",
        config.server.replacen("http", "ws", 1),
        config.session_id
    );
    if let Some(since) = since {
        url.push_str(&format!("?since={since}"));
    }
    let mut request = url.into_client_request()?;
    request.headers_mut().insert("cookie", cookie.parse()?);
    connect_ws(request, source_for(&config.source_addresses, i)).await
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

/// A moderator's label `t<n>@<µs>`: the change's number and the time it was sent (or due).
pub(crate) fn parse_label(label: &str) -> Option<(u64, u64)> {
    let (n, sent) = label.strip_prefix('t')?.split_once('@')?;
    Some((n.parse().ok()?, sent.parse().ok()?))
}

/// A tag for this run, in handles and client ids: client ids of an earlier run would return
/// that run's results (retries are idempotent) instead of making new changes.
pub(crate) fn run_tag() -> &'static str {
    static RUN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    RUN.get_or_init(|| letters((now_micros() % 1_000_000_007) as usize))
}

/// Joins one participant over HTTP; returns the join cookie. Handles carry a tag of this run,
/// so runs against the same session do not collide.
/// How many times a participant tries to join a server that answers "busy".
const JOIN_ATTEMPTS: u32 = 10;

async fn join(http: &reqwest::Client, config: &Config, n: usize) -> anyhow::Result<String> {
    let run = run_tag();
    let mut attempts = 0;
    let reply = loop {
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
        // A busy server (503) says when to come back, as a browser's join page would.
        attempts += 1;
        if reply.status() != reqwest::StatusCode::SERVICE_UNAVAILABLE || attempts >= JOIN_ATTEMPTS {
            break reply;
        }
        let wait = reply
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(1);
        tokio::time::sleep(Duration::from_secs(wait)).await;
    };
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
pub(crate) fn letters(mut n: usize) -> String {
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
    /// Frames that were not the protocol's.
    unreadable: u64,
}

/// A session made ready for a run: a moderator's socket, an approved question to change, and
/// every participant joined with its socket open and its snapshot read (the join storm, S2).
pub(crate) struct Setup {
    pub moderator: Ws,
    pub question_id: i64,
    /// Each participant's socket and the `seq` of its snapshot.
    pub clients: Vec<(Ws, i64)>,
    /// Each participant's join cookie (to reconnect), in the order of `clients`.
    pub cookies: Vec<String>,
    pub errors: u64,
    pub join_seconds: f64,
    pub snapshot_ms: Vec<f64>,
}

pub(crate) async fn setup_plenary(config: &Config) -> anyhow::Result<Setup> {
    // Several runs in one process (the smoke test) must not reuse handles or client ids.
    static JOINED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let base = JOINED.fetch_add(config.participants.max(1), Ordering::SeqCst);
    let http = http_clients(&config.source_addresses)?;
    let mut moderator = open(config, &config.moderator_cookie).await?;
    let first = next_frame(&mut moderator).await?;
    if !matches!(&first, ServerFrame::Snapshot(s) if s.you.role == plenary::live::protocol::Role::Moderator)
    {
        bail!("the moderator cookie does not give moderator rights: {first:?}");
    }
    // A question to label: asked by the first participant, approved by the moderator.
    let asker_cookie = join(&http[0], config, base).await?;
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
    let joined = join_storm(config, &http, base, 1..config.participants).await?;
    let mut clients = vec![(asker, asker_seq)];
    let mut cookies = vec![asker_cookie];
    clients.extend(joined.clients);
    cookies.extend(joined.cookies);
    Ok(Setup {
        moderator,
        question_id,
        clients,
        cookies,
        errors: joined.errors,
        join_seconds: started.elapsed().as_secs_f64(),
        snapshot_ms: joined.snapshot_ms,
    })
}

/// Participants who joined in a storm, in the order they were started.
pub(crate) struct Joined {
    /// Each participant's socket and the `seq` of its snapshot.
    pub clients: Vec<(Ws, i64)>,
    pub cookies: Vec<String>,
    pub snapshot_ms: Vec<f64>,
    pub errors: u64,
}

/// The join storm (S2): participants `indices` (handle number `base + i`, source address and
/// HTTP client `i mod k`) join over HTTP, open their sockets and read their snapshots, all at
/// once or arriving at `config.join_rate` a second, with at most `config.join_concurrency`
/// HTTP joins in flight. Each one's join → snapshot time runs from the moment it was due.
pub(crate) async fn join_storm(
    config: &Config,
    http: &[reqwest::Client],
    base: usize,
    indices: Range<usize>,
) -> anyhow::Result<Joined> {
    let permits = config
        .join_concurrency
        .map(|n| Arc::new(tokio::sync::Semaphore::new(n.max(1))));
    let start = Instant::now();
    let first = indices.start;
    let mut joins = Vec::new();
    for n in indices {
        let http = http[n % http.len()].clone();
        let config = config.clone();
        let permits = permits.clone();
        let due = match config.join_rate {
            Some(rate) => start + Duration::from_secs_f64((n - first) as f64 / rate),
            None => start,
        };
        joins.push(tokio::spawn(async move {
            tokio::time::sleep_until(due.into()).await;
            let t0 = due;
            let cookie = {
                let _permit = match &permits {
                    Some(p) => Some(p.acquire().await?),
                    None => None,
                };
                join(&http, &config, base + n).await?
            };
            let mut ws = open_from(&config, &cookie, n, None).await?;
            let snapshot = next_frame(&mut ws).await?;
            let seq = snapshot.seq().context("a snapshot first")?;
            anyhow::Ok((ws, seq, cookie, t0.elapsed().as_secs_f64() * 1000.0))
        }));
    }
    let mut joined = Joined {
        clients: Vec::with_capacity(joins.len()),
        cookies: Vec::with_capacity(joins.len()),
        snapshot_ms: Vec::with_capacity(joins.len()),
        errors: 0,
    };
    for j in joins {
        match j.await? {
            Ok((ws, seq, cookie, ms)) => {
                joined.clients.push((ws, seq));
                joined.cookies.push(cookie);
                joined.snapshot_ms.push(ms);
            }
            Err(e) => {
                joined.errors += 1;
                eprintln!("join failed: {e:#}");
            }
        }
    }
    Ok(joined)
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
        ..
    } = setup_plenary(&config).await?;
    let moderator = Arc::new(Mutex::new(moderator));

    // S3: the fan-out. Receivers run until told to stop; the moderator sends on a schedule.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut receivers = Vec::new();
    for (mut ws, mut last) in clients {
        let mut stopped = stopped.clone();
        receivers.push(tokio::spawn(async move {
            let mut seen = Seen::default();
            // One wait for the whole run, not a timer per frame.
            let stop = stopped.wait_for(|stop| *stop);
            tokio::pin!(stop);
            loop {
                let message = tokio::select! {
                    m = ws.next() => m,
                    _ = &mut stop => break,
                };
                let text = match message {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(_)) => continue,
                    _ => break,
                };
                let received = now_micros();
                let Ok(frame) = Incoming::parse(text.as_str()) else {
                    seen.unreadable += 1;
                    continue;
                };
                if let Some(seq) = frame.seq() {
                    if frame.is_snapshot() {
                        last = seq;
                        continue;
                    }
                    if seq <= last {
                        seen.duplicated += 1;
                        continue;
                    }
                    if !frame.is_tallies() && seq != last + 1 {
                        seen.lost += (seq - last - 1) as u64;
                    }
                    last = seq;
                }
                if let Incoming::Question { label, .. } = &frame {
                    if let Some((n, sent)) = parse_label(label) {
                        seen.latencies
                            .push(received.saturating_sub(sent) as f64 / 1000.0);
                        seen.arrivals.push((n, received));
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
    let _ = stop.send(true);
    let mut all = Vec::new();
    let mut last_by_action = vec![0u64; actions as usize];
    let mut report = Report {
        participants: config.participants,
        join_rate: config.join_rate,
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
        report.errors += seen.unreadable;
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

/// CPU seconds of several processes together (one that cannot be read counts 0).
pub fn cpu_seconds_of(pids: &[u32]) -> f64 {
    pids.iter().filter_map(|p| cpu_seconds(*p)).sum()
}

/// Resident memory of several processes together (one that cannot be read counts 0).
pub fn rss_bytes_of(pids: &[u32]) -> u64 {
    pids.iter().filter_map(|p| rss_bytes(*p)).sum()
}

/// Resident memory of a process in bytes, from `/proc/<pid>/status`.
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
