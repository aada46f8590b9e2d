//! S8: the server restarts under N clients.
//!
//! N participants join (the join storm) and keep reading. A moderator changes a question's
//! label `changes_per_second` times a second (each label carries the time it was due,
//! `t<n>@<µs>`, as in S3) before, during and after the restart. After `before`, the restart
//! action runs: a shell command (`sh -c`) that stops the server and starts it again, or, in the
//! smoke test, a callback that does the same to an in-process server.
//!
//! On shutdown the server closes every socket with 1001 and `resume:<seq>`. Every client then
//! reconnects with `?since=<the highest seq it saw>` and a growing pause (50 ms doubling to 1 s,
//! plus jitter), for as long as the run lasts. The server replays what it missed, or sends a
//! snapshot when it is too far behind (counted apart: the gap was refilled, not replayed).
//! Each client checks that the first sequence number after a reconnect follows the last one
//! before it, and that no number arrives twice.
//!
//! A client has *resumed* when it is reconnected and caught up: it has read the replay (which
//! the server ends with a `presence` frame) or a fresh snapshot. Its resume time runs from the
//! first close it saw after the restart began.
//!
//! The moderator reconnects too, and resends every change it has no acknowledgement for, with
//! the same `client_id` (retries are idempotent: a change committed before the restart is
//! acknowledged with its original `seq`, not made twice). Every change acknowledged must reach
//! every participant, as a frame or inside a snapshot taken after it: nothing acknowledged is
//! lost.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::StreamExt;
use plenary::live::protocol::{Command, ErrorCode, ServerFrame};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

use crate::frame::Incoming;
use crate::{
    Config, Percentiles, Setup, Ws, now_micros, parse_label, run_tag, send, setup_plenary,
};

/// What restarts the server.
pub enum Restart {
    /// A shell command, run with `sh -c`, that stops the server and starts it again (on the
    /// same database and address). It should return once the new server is ready.
    Command(String),
    /// A callback that does the same (the smoke test restarts an in-process server).
    Callback(Box<dyn FnOnce() -> RestartFuture + Send>),
}

/// What a restart callback returns.
pub type RestartFuture = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>;

impl Restart {
    /// A restart done by `f` (for tests).
    pub fn callback<F, Fut>(f: F) -> Restart
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        Restart::Callback(Box::new(move || Box::pin(f())))
    }

    async fn run(self) -> anyhow::Result<()> {
        match self {
            Restart::Command(command) => {
                // The command's output goes to stderr, beside the progress lines; its input is
                // closed. A server it leaves running must not hold our pipes (none are made).
                let status = tokio::process::Command::new("sh")
                    .arg("-c")
                    .arg(&command)
                    .stdin(std::process::Stdio::null())
                    .stdout(std::io::stderr())
                    .status()
                    .await
                    .with_context(|| format!("running {command:?}"))?;
                if !status.success() {
                    bail!("the restart command {command:?} failed: {status}");
                }
                Ok(())
            }
            Restart::Callback(f) => f().await,
        }
    }
}

impl std::fmt::Debug for Restart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Restart::Command(c) => f.debug_tuple("Command").field(c).finish(),
            Restart::Callback(_) => f.write_str("Callback(..)"),
        }
    }
}

/// A restart under load.
#[derive(Debug)]
pub struct RestartConfig {
    /// Server, session, moderator cookie and the number of participants.
    pub base: Config,
    /// Moderator changes per second, before, during and after the restart.
    pub changes_per_second: u32,
    /// Time between the end of the join storm and the restart.
    pub before: Duration,
    /// Time the moderator goes on publishing once every participant has resumed.
    pub after: Duration,
    /// How long participants get to resume after the restart action returned.
    pub resume_timeout: Duration,
    pub restart: Restart,
}

/// The figures of one restart.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RestartReport {
    pub participants: usize,
    pub join_seconds: f64,
    /// How long the restart action (stop, start, until ready) took.
    pub restart_command_ms: f64,
    /// From the first close any participant saw to the last participant having resumed.
    pub all_resumed_ms: f64,
    /// Per participant: its first close after the restart began → it had resumed.
    pub resume_ms: Percentiles,
    /// Participants whose socket the server closed with 1001 `resume:<seq>`.
    pub closed_by_server: usize,
    /// Sockets that ended otherwise (an error, the connection ending, another close code).
    pub other_closes: u64,
    /// Connection attempts after a close, and how many of them failed.
    pub reconnect_attempts: u64,
    pub failed_attempts: u64,
    /// Participants that resumed (after their last close), by how: the missed changes
    /// replayed, or a fresh snapshot (the gap refilled).
    pub resumed: usize,
    pub resumed_by_replay: usize,
    pub resumed_by_snapshot: usize,
    /// Participants that had not resumed by the end (or were never closed).
    pub not_resumed: usize,
    /// Reconnections whose first change did not follow on from the last one seen before
    /// (counted in `lost` too).
    pub gaps_after_resume: u64,
    /// Snapshots older than what the participant had already seen.
    pub went_back: u64,
    pub changes_published: u64,
    pub changes_acknowledged: u64,
    /// Changes the moderator never got an acknowledgement for.
    pub changes_unacknowledged: u64,
    /// Changes sent more than once (no acknowledgement before the moderator's socket closed).
    pub moderator_resends: u64,
    pub moderator_reconnects: u64,
    /// Acknowledged changes that some participant never got (as a frame or in a later
    /// snapshot), and the (participant, change) pairs missing. Must be 0.
    pub undelivered_changes: u64,
    pub undelivered: u64,
    /// A change's due time → the moderator had its acknowledgement (changes due while the
    /// server was down wait for the moderator to reconnect).
    pub ack_ms: Percentiles,
    /// A change's due time → a participant received it, over every delivery.
    pub delivery_ms: Percentiles,
    /// Sequence numbers missing or repeated. Must be 0.
    pub lost: u64,
    pub duplicated: u64,
    pub errors: u64,
}

/// What the run's tasks share: the restart's start, and progress for the stderr lines.
struct Shared {
    /// When the restart began (µs since the epoch); 0 before.
    restart_began: AtomicU64,
    /// Participants that saw a close since then, and that have resumed since their last close.
    closed: AtomicUsize,
    resumed: AtomicUsize,
    attempts: AtomicU64,
    /// Each participant's highest sequence number.
    highest: Vec<AtomicI64>,
}

/// What one participant saw.
#[derive(Default)]
struct Seen {
    /// The numbers of the changes received as frames.
    changes: Vec<u64>,
    /// Sequence numbers of the snapshots received after setup.
    snapshots: Vec<i64>,
    delivery_ms: Vec<f64>,
    first_close: Option<u64>,
    last_close: Option<u64>,
    /// When the participant last resumed, and whether by snapshot.
    last_resume: Option<(u64, bool)>,
    closed_by_server: bool,
    other_closes: u64,
    attempts: u64,
    failed_attempts: u64,
    gaps_after_resume: u64,
    went_back: u64,
    lost: u64,
    duplicated: u64,
    errors: u64,
}

/// One moderator change.
struct Change {
    due: u64,
    client_id: String,
    label: String,
    seq: Option<i64>,
    /// When the acknowledgement arrived (µs).
    acked_at: Option<u64>,
    sends: u32,
}

/// What the moderator did.
struct Moderated {
    changes: Vec<Change>,
    reconnects: u64,
    errors: u64,
}

/// A pseudo-random number (splitmix64), for jitter.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

const FIRST_PAUSE: Duration = Duration::from_millis(50);
const LONGEST_PAUSE: Duration = Duration::from_secs(1);
/// A connection attempt (TCP, handshake) that takes longer than this is given up and retried.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The pause before attempt `attempt` (0-based): 50 ms doubling to 1 s, plus up to half of
/// it again as jitter, so clients do not come back in lockstep.
fn pause(who: u64, attempt: u32) -> Duration {
    let base = FIRST_PAUSE
        .saturating_mul(1u32 << attempt.min(16))
        .min(LONGEST_PAUSE);
    let jitter_ms =
        mix((who << 20) ^ u64::from(attempt) ^ now_micros()) % (base.as_millis() as u64 / 2 + 1);
    base + Duration::from_millis(jitter_ms)
}

/// Waits until `stop` turns true (or its sender is gone).
async fn until_stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Reconnects with `since` until it works or the run stops.
async fn reconnect(
    config: &Config,
    cookie: &str,
    since: i64,
    who: u64,
    seen: &mut Seen,
    shared: &Shared,
    stop: &mut watch::Receiver<bool>,
) -> Option<Ws> {
    let mut attempt = 0u32;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(pause(who, attempt)) => {}
            _ = until_stopped(stop) => return None,
        }
        seen.attempts += 1;
        shared.attempts.fetch_add(1, Ordering::Relaxed);
        let opened = tokio::select! {
            o = tokio::time::timeout(CONNECT_TIMEOUT, crate::open_from(config, cookie, who as usize, Some(since))) => o,
            _ = until_stopped(stop) => return None,
        };
        match opened {
            Ok(Ok(ws)) => return Some(ws),
            _ => seen.failed_attempts += 1,
        }
        attempt += 1;
    }
}

/// One participant: reads everything, checks sequence numbers, and reconnects whenever its
/// socket ends, until the run stops.
#[allow(clippy::too_many_arguments)]
async fn participant(
    index: usize,
    mut ws: Ws,
    mut last: i64,
    cookie: String,
    question_id: i64,
    config: Arc<Config>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) -> Seen {
    let mut seen = Seen::default();
    // Set after a reconnect: the first numbered frame must follow on from `last`; the
    // participant has resumed once it has the replay (ended by `presence`) or a snapshot.
    let mut first_after_reconnect = false;
    let mut resuming = false;
    // Whether this participant is counted in `shared.resumed`.
    let mut counted = false;
    loop {
        let message = tokio::select! {
            m = ws.next() => m,
            _ = until_stopped(&mut stop) => break,
        };
        let text = match message {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(m)) if !matches!(m, Message::Close(_)) => continue,
            // A close or the end of the stream: the server's shutdown close is 1001 with
            // `resume:<seq>`; anything else (a reset, another code) is counted apart.
            end => {
                let by_server = matches!(&end, Some(Ok(Message::Close(Some(f))))
                    if u16::from(f.code) == 1001 && f.reason.as_str().starts_with("resume:"));
                if by_server {
                    seen.closed_by_server = true;
                } else {
                    seen.other_closes += 1;
                }
                match closed(
                    index,
                    &mut seen,
                    &mut counted,
                    &cookie,
                    last,
                    &config,
                    &shared,
                    &mut stop,
                )
                .await
                {
                    Some(new) => ws = new,
                    None => break,
                }
                (first_after_reconnect, resuming) = (true, true);
                continue;
            }
        };
        let Ok(frame) = Incoming::parse(text.as_str()) else {
            seen.errors += 1;
            continue;
        };
        let received = now_micros();
        if let Some(seq) = frame.seq() {
            if frame.is_snapshot() {
                seen.snapshots.push(seq);
                if seq < last {
                    seen.went_back += 1;
                }
                last = seq;
                shared.highest[index].store(last, Ordering::Relaxed);
                first_after_reconnect = false;
                if resuming {
                    resuming = false;
                    resumed(&mut seen, &mut counted, &shared, received, true);
                }
                continue;
            }
            if seq <= last {
                seen.duplicated += 1;
                continue;
            }
            // Coalesced tallies may skip numbers (the same rule as `fan_out`).
            if !frame.is_tallies() && seq != last + 1 {
                seen.lost += (seq - last - 1) as u64;
                if first_after_reconnect {
                    seen.gaps_after_resume += 1;
                }
            }
            first_after_reconnect = false;
            last = seq;
            shared.highest[index].store(last, Ordering::Relaxed);
        }
        match &frame {
            Incoming::Presence if resuming => {
                // The server ends a replay with `presence`: everything missed has arrived.
                resuming = false;
                resumed(&mut seen, &mut counted, &shared, received, false);
            }
            Incoming::Question {
                question_id: id,
                label,
                ..
            } if *id == question_id => {
                if let Some((n, due)) = parse_label(label) {
                    seen.changes.push(n);
                    seen.delivery_ms
                        .push(received.saturating_sub(due) as f64 / 1000.0);
                }
            }
            _ => {}
        }
    }
    seen
}

/// Notes a close and reconnects; `None` when the run stopped first.
#[allow(clippy::too_many_arguments)]
async fn closed(
    index: usize,
    seen: &mut Seen,
    counted: &mut bool,
    cookie: &str,
    last: i64,
    config: &Config,
    shared: &Shared,
    stop: &mut watch::Receiver<bool>,
) -> Option<Ws> {
    let now = now_micros();
    seen.last_close = Some(now);
    if shared.restart_began.load(Ordering::Relaxed) > 0 {
        if seen.first_close.is_none() {
            seen.first_close = Some(now);
            shared.closed.fetch_add(1, Ordering::Relaxed);
        }
        if std::mem::take(counted) {
            shared.resumed.fetch_sub(1, Ordering::Relaxed);
        }
    }
    reconnect(config, cookie, last, index as u64, seen, shared, stop).await
}

fn resumed(seen: &mut Seen, counted: &mut bool, shared: &Shared, at: u64, by_snapshot: bool) {
    seen.last_resume = Some((at, by_snapshot));
    if seen.first_close.is_some() && !*counted {
        *counted = true;
        shared.resumed.fetch_add(1, Ordering::Relaxed);
    }
}

/// The moderator: a change every `1 / rate` seconds until `publishing` turns false, each with
/// its due time in the label; reconnects when its socket ends and resends what was not
/// acknowledged, with the same client id. Returns once every change is acknowledged, or
/// `give_up` after publishing stopped.
#[allow(clippy::too_many_arguments)]
async fn moderator(
    mut ws: Option<Ws>,
    config: Arc<Config>,
    question_id: i64,
    rate: u32,
    tag: String,
    mut publishing: watch::Receiver<bool>,
    give_up: Duration,
) -> Moderated {
    let every = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
    let start = now_micros();
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut out = Moderated {
        changes: Vec::new(),
        reconnects: 0,
        errors: 0,
    };
    let mut by_client_id: HashMap<String, usize> = HashMap::new();
    // Changes to send on the current socket, and those sent there and not yet acknowledged.
    let mut unsent: VecDeque<usize> = VecDeque::new();
    let mut pending: Vec<usize> = Vec::new();
    // After an `unavailable` refusal: send nothing before this.
    let mut hold_until = tokio::time::Instant::now();
    let mut last_seq = 0i64;
    let mut attempt = 0u32;
    // When the disconnected moderator tries to connect next.
    let mut next_try: Option<tokio::time::Instant> = None;
    let mut deadline: Option<tokio::time::Instant> = None;
    let mut is_publishing = *publishing.borrow();
    loop {
        if !is_publishing && unsent.is_empty() && pending.is_empty() {
            break;
        }
        if deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
            break;
        }
        let Some(socket) = ws.as_mut() else {
            // Disconnected: changes still come due on the schedule while we reconnect.
            let retry_at = *next_try
                .get_or_insert_with(|| tokio::time::Instant::now() + pause(u64::MAX, attempt));
            tokio::select! {
                _ = tokio::time::sleep_until(retry_at) => next_try = None,
                _ = ticker.tick(), if is_publishing => {
                    due_change(&mut out, &mut by_client_id, &mut unsent, start, every, &tag);
                    continue;
                }
                _ = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)), if deadline.is_some() => continue,
            }
            match tokio::time::timeout(
                CONNECT_TIMEOUT,
                crate::open_from(&config, &config.moderator_cookie, 0, Some(last_seq)),
            )
            .await
            {
                Ok(Ok(new)) => {
                    ws = Some(new);
                    attempt = 0;
                    out.reconnects += 1;
                    // Whatever was sent and not acknowledged goes again, in order.
                    pending.sort_unstable();
                    for i in pending.drain(..).rev() {
                        unsent.push_front(i);
                    }
                }
                _ => attempt += 1,
            }
            continue;
        };
        // Send what is due, keeping well under the server's in-flight limit.
        let mut failed = false;
        while pending.len() < 16 && tokio::time::Instant::now() >= hold_until {
            let Some(i) = unsent.pop_front() else { break };
            let change = &mut out.changes[i];
            change.sends += 1;
            let command = Command::Label {
                question_id,
                label: change.label.clone(),
            };
            pending.push(i);
            if send(socket, &change.client_id, command).await.is_err() {
                failed = true;
                break;
            }
        }
        if failed {
            ws = None;
            continue;
        }
        let waiting = !unsent.is_empty() && pending.len() < 16;
        tokio::select! {
            _ = ticker.tick(), if is_publishing => {
                due_change(&mut out, &mut by_client_id, &mut unsent, start, every, &tag);
            }
            _ = publishing.changed(), if is_publishing => {
                is_publishing = *publishing.borrow();
                if !is_publishing {
                    deadline = Some(tokio::time::Instant::now() + give_up);
                }
            }
            _ = tokio::time::sleep_until(hold_until), if waiting => {}
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)), if deadline.is_some() => {}
            message = socket.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    let Ok(frame) = serde_json::from_str::<ServerFrame>(text.as_str()) else {
                        out.errors += 1;
                        continue;
                    };
                    if let Some(seq) = frame.seq() {
                        last_seq = last_seq.max(seq);
                    }
                    match frame {
                        ServerFrame::Ack { client_id, seq, .. } => {
                            if let Some(&i) = by_client_id.get(&client_id) {
                                if out.changes[i].seq.is_none() {
                                    out.changes[i].seq = seq;
                                    out.changes[i].acked_at = Some(now_micros());
                                    if seq.is_none() {
                                        // A label change always makes a change; an ack
                                        // without a number would leave nothing to check.
                                        out.errors += 1;
                                    }
                                }
                                pending.retain(|&p| p != i);
                            }
                        }
                        ServerFrame::Error { client_id: Some(client_id), code, message, .. } => {
                            if let Some(&i) = by_client_id.get(&client_id) {
                                pending.retain(|&p| p != i);
                                if code == ErrorCode::Unavailable {
                                    // Shutting down, or the change could not be stored: retry
                                    // with the same id a little later (or on the next socket).
                                    unsent.push_front(i);
                                    hold_until = tokio::time::Instant::now() + Duration::from_millis(200);
                                } else {
                                    out.errors += 1;
                                    eprintln!("restart: change {i} refused: {code:?} {message}");
                                }
                            }
                        }
                        _ => {}
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => ws = None,
            },
        }
    }
    out
}

fn due_change(
    out: &mut Moderated,
    by_client_id: &mut HashMap<String, usize>,
    unsent: &mut VecDeque<usize>,
    start: u64,
    every: Duration,
    tag: &str,
) {
    let n = out.changes.len();
    let due = start + every.as_micros() as u64 * n as u64;
    let client_id = format!("{tag}-{n}");
    by_client_id.insert(client_id.clone(), n);
    out.changes.push(Change {
        due,
        client_id,
        // A label is at most 32 characters: "t<n>@<µs>" fits.
        label: format!("t{n}@{due}"),
        seq: None,
        acked_at: None,
        sends: 0,
    });
    unsent.push_back(n);
}

/// Scenario S8: see the module's documentation.
pub async fn restart(config: RestartConfig) -> anyhow::Result<RestartReport> {
    // Several runs in one process must not reuse the moderator's client ids.
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let tag = format!(
        "lt-{}-s8r{}",
        run_tag(),
        RUNS.fetch_add(1, Ordering::SeqCst)
    );
    let RestartConfig {
        base,
        changes_per_second,
        before,
        after,
        resume_timeout,
        restart,
    } = config;
    let Setup {
        moderator: moderator_ws,
        question_id,
        clients,
        cookies,
        errors: join_errors,
        join_seconds,
        ..
    } = setup_plenary(&base).await?;
    let n = clients.len();
    eprintln!(
        "restart: {n} participants joined in {join_seconds:.1} s ({join_errors} failed); {changes_per_second} changes/s"
    );
    let config = Arc::new(base);
    let shared = Arc::new(Shared {
        restart_began: AtomicU64::new(0),
        closed: AtomicUsize::new(0),
        resumed: AtomicUsize::new(0),
        attempts: AtomicU64::new(0),
        highest: clients
            .iter()
            .map(|(_, seq)| AtomicI64::new(*seq))
            .collect(),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = Vec::with_capacity(n);
    for (index, ((ws, seq), cookie)) in clients.into_iter().zip(cookies).enumerate() {
        tasks.push(tokio::spawn(participant(
            index,
            ws,
            seq,
            cookie,
            question_id,
            config.clone(),
            shared.clone(),
            stop_rx.clone(),
        )));
    }
    let (publishing_tx, publishing_rx) = watch::channel(true);
    let moderating = tokio::spawn(moderator(
        Some(moderator_ws),
        config.clone(),
        question_id,
        changes_per_second,
        tag,
        publishing_rx,
        Duration::from_secs(20),
    ));

    tokio::time::sleep(before).await;
    eprintln!("restart: restarting the server");
    shared
        .restart_began
        .store(now_micros().max(1), Ordering::SeqCst);
    let began = Instant::now();
    let progress = |what: &str| {
        eprintln!(
            "restart: {what} {:.1} s: closed {}, resumed {} of {n}, {} reconnect attempts",
            began.elapsed().as_secs_f64(),
            shared.closed.load(Ordering::Relaxed),
            shared.resumed.load(Ordering::Relaxed),
            shared.attempts.load(Ordering::Relaxed),
        );
    };
    let restarting = restart.run();
    tokio::pin!(restarting);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    let restarted = loop {
        tokio::select! {
            r = &mut restarting => break r,
            _ = tick.tick() => progress("restart action running,"),
        }
    };
    let restart_command_ms = began.elapsed().as_secs_f64() * 1000.0;
    if let Err(e) = restarted {
        let _ = stop_tx.send(true);
        let _ = publishing_tx.send(false);
        return Err(e.context("the restart action failed"));
    }
    eprintln!("restart: the restart action took {restart_command_ms:.0} ms");
    let resume_deadline = Instant::now() + resume_timeout;
    while shared.resumed.load(Ordering::Relaxed) < n && Instant::now() < resume_deadline {
        tokio::select! {
            _ = tick.tick() => progress("after"),
            _ = tokio::time::sleep(Duration::from_millis(20)) => {}
        }
    }
    progress("after");
    tokio::time::sleep(after).await;
    let _ = publishing_tx.send(false);
    let moderated = moderating.await.context("the moderator task")?;
    // Let every participant catch up with the last acknowledged change, then stop.
    let final_seq = moderated
        .changes
        .iter()
        .filter_map(|c| c.seq)
        .max()
        .unwrap_or(0);
    let catch_up = Instant::now() + Duration::from_secs(10);
    while Instant::now() < catch_up
        && shared
            .highest
            .iter()
            .any(|h| h.load(Ordering::Relaxed) < final_seq)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stop_tx.send(true);
    let mut seen = Vec::with_capacity(n);
    for task in tasks {
        seen.push(task.await.context("a participant task")?);
    }
    let mut report = summarise(&seen, &moderated);
    report.participants = n;
    report.join_seconds = join_seconds;
    report.restart_command_ms = restart_command_ms;
    report.errors += join_errors;
    Ok(report)
}

fn summarise(seen: &[Seen], moderated: &Moderated) -> RestartReport {
    let mut report = RestartReport {
        changes_published: moderated.changes.len() as u64,
        changes_acknowledged: moderated.changes.iter().filter(|c| c.seq.is_some()).count() as u64,
        moderator_resends: moderated
            .changes
            .iter()
            .map(|c| u64::from(c.sends.saturating_sub(1)))
            .sum(),
        moderator_reconnects: moderated.reconnects,
        errors: moderated.errors,
        ..RestartReport::default()
    };
    report.changes_unacknowledged = report.changes_published - report.changes_acknowledged;
    let acked: Vec<(usize, i64)> = moderated
        .changes
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.seq.map(|s| (i, s)))
        .collect();
    let mut missing_by_change = vec![false; moderated.changes.len()];
    let mut resume_ms = Vec::new();
    let mut delivery_ms = Vec::new();
    let (mut first_close, mut last_resume) = (u64::MAX, 0u64);
    for s in seen {
        report.lost += s.lost;
        report.duplicated += s.duplicated;
        report.errors += s.errors;
        report.other_closes += s.other_closes;
        report.reconnect_attempts += s.attempts;
        report.failed_attempts += s.failed_attempts;
        report.gaps_after_resume += s.gaps_after_resume;
        report.went_back += s.went_back;
        report.closed_by_server += usize::from(s.closed_by_server);
        delivery_ms.extend_from_slice(&s.delivery_ms);
        // Resumed: a resume after its last close, following a close seen during the restart.
        match (s.first_close, s.last_close, s.last_resume) {
            (Some(first), Some(closed), Some((at, by_snapshot))) if at >= closed => {
                report.resumed += 1;
                if by_snapshot {
                    report.resumed_by_snapshot += 1;
                } else {
                    report.resumed_by_replay += 1;
                }
                resume_ms.push(at.saturating_sub(first) as f64 / 1000.0);
                first_close = first_close.min(first);
                last_resume = last_resume.max(at);
            }
            _ => report.not_resumed += 1,
        }
        // Every acknowledged change, as a frame or inside a snapshot taken after it.
        let mut got = vec![false; moderated.changes.len()];
        for &c in &s.changes {
            if let Some(slot) = got.get_mut(c as usize) {
                *slot = true;
            }
        }
        let newest_snapshot = s.snapshots.iter().copied().max().unwrap_or(i64::MIN);
        for &(i, seq) in &acked {
            if !got[i] && newest_snapshot < seq {
                report.undelivered += 1;
                missing_by_change[i] = true;
            }
        }
    }
    report.undelivered_changes = missing_by_change.iter().filter(|m| **m).count() as u64;
    if last_resume > 0 {
        report.all_resumed_ms = last_resume.saturating_sub(first_close) as f64 / 1000.0;
    }
    report.resume_ms = Percentiles::of(resume_ms);
    report.delivery_ms = Percentiles::of(delivery_ms);
    report.ack_ms = Percentiles::of(
        moderated
            .changes
            .iter()
            .filter_map(|c| {
                c.acked_at
                    .map(|at| at.saturating_sub(c.due) as f64 / 1000.0)
            })
            .collect(),
    );
    report
}
