//! S6, the mixed session, and S7, slow consumers.
//!
//! N participants join (the join storm), the moderator switches the session to post-moderation,
//! and for `duration` everything a real plenary does happens at once, on a fixed schedule:
//! - participants ask `questions_per_second` questions (each participant asks at most once);
//! - participants send `votes_per_second` upvotes, spread over the questions asked so far (never
//!   twice for one question, never for their own);
//! - the moderator makes `moderator_actions_per_second` changes (a label carrying its send time);
//! - `reconnect_percent_per_minute` of the participants drop their socket and come back with
//!   `?since=<last seq>`, as a phone changing networks does; the server must replay what they
//!   missed, so their sequence numbers stay continuous.
//!
//! With `slow_percent` above 0 (S7), that share of the participants stops reading its socket
//! after a warm-up and never reads again: the server must bound what it keeps for them, and the
//! healthy participants must not notice.
//!
//! Every time is measured from the moment an action was due (its place on the schedule), not
//! from when it was sent, so a generator or server that falls behind is charged for it.
//! "Visible to all" is the due time → the last healthy participant's receipt, per question and
//! per moderator change. Votes are visible once a participant's tallies count them; that is
//! measured on the first `observers` participants, as in S5.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use plenary::live::protocol::{ClientFrame, Command, ModerationMode, ServerFrame};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message;

use crate::frame::Incoming;
use crate::votes::moderate;
use crate::{Config, Percentiles, Setup, Ws, cpu_seconds, letters, now_micros, rss_bytes, run_tag};

/// A mixed session.
#[derive(Debug, Clone)]
pub struct MixedConfig {
    /// Server, session, moderator cookie and the number of participants.
    pub base: Config,
    pub duration: Duration,
    pub questions_per_second: u32,
    pub votes_per_second: u32,
    pub moderator_actions_per_second: u32,
    pub reconnect_percent_per_minute: f64,
    /// S7: the share of participants (in percent) that stops reading after the warm-up.
    pub slow_percent: f64,
    /// Seconds after the start before the slow participants stop reading.
    pub warm_up: Duration,
    /// Participants that record every tally (vote visibility).
    pub observers: usize,
    pub server_pid: Option<u32>,
}

/// The figures of one mixed session.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct MixedReport {
    pub participants: usize,
    pub healthy: usize,
    pub slow: usize,
    pub join_seconds: f64,
    pub duration_seconds: f64,
    pub questions_asked: u64,
    pub votes_acked: u64,
    pub moderator_actions: u64,
    /// Refusals by error code (asks and votes).
    pub refusals: HashMap<String, u64>,
    /// Asks and votes with neither an acknowledgement nor a refusal at the end.
    pub unanswered: u64,
    /// Due → the last healthy participant saw the new question.
    pub question_visible_all_ms: Percentiles,
    /// Due → the last healthy participant saw the moderator's change.
    pub moderator_visible_all_ms: Percentiles,
    /// Both of the above together: the scenario's headline figure.
    pub visible_all_ms: Percentiles,
    /// Due → receipt, over every delivery of a question or a moderator change.
    pub delivery_ms: Percentiles,
    /// Questions or changes some healthy participant never saw.
    pub not_visible_to_all: u64,
    pub vote_ack_ms: Percentiles,
    /// Due → an observer's tallies count the vote.
    pub vote_visible_ms: Percentiles,
    /// Acknowledged votes the final tallies do not hold. Must be 0.
    pub lost_votes: u64,
    /// Planned reconnections done, and those the server answered with a snapshot instead of a
    /// replay (the participant was too far behind).
    pub reconnects: u64,
    pub snapshot_resumes: u64,
    /// Sockets of healthy participants the server closed (they reconnected with `since`).
    pub server_closes: u64,
    /// Sequence numbers missing or repeated on healthy participants. Must be 0.
    pub lost: u64,
    pub duplicated: u64,
    pub errors: u64,
    pub server_cpu_seconds: Option<f64>,
    /// Server CPU per operation (ask, vote, moderator change, reconnection), in milliseconds.
    pub server_cpu_ms_per_operation: Option<f64>,
    /// S7: server RSS when the slow participants stopped reading, and the highest after.
    pub rss_at_stall_bytes: u64,
    pub rss_max_bytes: u64,
    /// (highest − at stall) / slow participants; 0 when the memory did not grow.
    pub bytes_per_slow_participant: u64,
    /// S7: the kernel's TCP buffer memory (all sockets on the machine, from
    /// `/proc/net/sockstat`) at the stall and at its highest after. What a slow reader has not
    /// read waits here, in the server's send queue and the reader's receive queue, not in RSS.
    pub kernel_tcp_at_stall_bytes: u64,
    pub kernel_tcp_max_bytes: u64,
    /// (highest − at stall) / slow participants.
    pub kernel_tcp_bytes_per_slow_participant: u64,
    /// S7: the server's own sockets' send queues (`/proc/net/tcp`), at the stall and at their
    /// highest after, and the growth per slow participant. Slow participants shrink their
    /// receive buffer to 32 KiB when they stop reading, as a phone's would be.
    pub server_send_queue_at_stall_bytes: u64,
    pub server_send_queue_max_bytes: u64,
    pub server_send_queue_bytes_per_slow_participant: u64,
    /// S7: slow participants whose socket the server had closed by the end.
    pub slow_closed_by_server: u64,
}

/// What the scheduler tells one participant to do.
enum Order {
    Ask {
        client_id: String,
        due: u64,
    },
    Vote {
        client_id: String,
        question_id: i64,
        due: u64,
    },
    Reconnect,
    /// Stop reading for good (S7).
    Stall,
}

/// What one participant saw.
#[derive(Default)]
struct Seen {
    /// (question, due µs, ack µs) of its own question.
    asked: Option<(i64, u64, u64)>,
    /// (question, due µs, ack µs)
    vote_acks: Vec<(i64, u64, u64)>,
    refusals: Vec<String>,
    /// (question, receipt µs), the first time each question appeared.
    questions: Vec<(i64, u64)>,
    /// (moderator change, receipt µs)
    changes: Vec<(u64, u64)>,
    /// (receipt µs, question, votes), observers only.
    tallies: Vec<(u64, i64, i64)>,
    reconnects: u64,
    snapshot_resumes: u64,
    server_closes: u64,
    lost: u64,
    duplicated: u64,
    failed: bool,
    slow: bool,
    /// A slow participant found its socket closed by the server.
    closed_by_server: bool,
}

/// What the scheduler and the participants share.
#[derive(Default)]
struct Shared {
    /// (question, asker index), in the order their acknowledgements arrived.
    questions: Mutex<Vec<(i64, usize)>>,
    answered: AtomicU64,
    reading: AtomicU64,
    /// Each participant's highest sequence number, so the run can wait until all have caught up.
    highest: Vec<AtomicI64>,
    /// Moderator changes acknowledged.
    changes_acked: AtomicU64,
}

/// Reconnects with `since`, retrying with a growing pause for up to 10 s.
async fn resume(config: &Config, cookie: &str, who: usize, since: i64) -> anyhow::Result<Ws> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(20);
    loop {
        match crate::open_from(config, cookie, who, Some(since)).await {
            Ok(ws) => return Ok(ws),
            Err(e) if started.elapsed() > Duration::from_secs(10) => return Err(e),
            Err(_) => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(1));
            }
        }
    }
}

struct Participant {
    index: usize,
    ws: Ws,
    cookie: String,
    last: i64,
    observer: bool,
    config: Config,
    shared: Arc<Shared>,
    /// Unanswered commands by client id: (ask, question, due µs, the frame as sent).
    pending: HashMap<String, (bool, i64, u64, String)>,
    known: HashSet<i64>,
    seen: Seen,
}

impl Participant {
    /// Notes one frame: sequence numbers, acknowledgements, first sightings.
    fn note(&mut self, text: &str) {
        let now = now_micros();
        let Ok(frame) = Incoming::parse(text) else {
            self.seen.failed = true;
            return;
        };
        if let Some(seq) = frame.seq() {
            if let Incoming::Whole(whole) = &frame {
                if let ServerFrame::Snapshot(snapshot) = whole.as_ref() {
                    // A resume too far behind gets a snapshot: what it holds is seen now.
                    self.last = seq;
                    self.shared.highest[self.index].store(seq, Ordering::Relaxed);
                    for question in snapshot.questions.iter().chain(&snapshot.mine) {
                        self.first_sight(question.question_id, &question.label, now);
                    }
                    return;
                }
            }
            if seq <= self.last {
                self.seen.duplicated += 1;
                return;
            }
            // Tallies are coalesced: they may skip numbers that later frames fill in.
            if !frame.is_tallies() && seq != self.last + 1 {
                self.seen.lost += (seq - self.last - 1) as u64;
            }
            self.last = seq;
            self.shared.highest[self.index].store(seq, Ordering::Relaxed);
        }
        match frame {
            Incoming::Whole(whole) => match *whole {
                ServerFrame::Ack {
                    client_id, result, ..
                } => {
                    if let Some((ask, question, due, _)) = self.pending.remove(&client_id) {
                        self.shared.answered.fetch_add(1, Ordering::Relaxed);
                        if ask {
                            if let Some(q) = result.question_id {
                                self.seen.asked = Some((q, due, now));
                                let mut questions =
                                    self.shared.questions.lock().expect("not poisoned");
                                questions.push((q, self.index));
                            }
                        } else {
                            self.seen.vote_acks.push((question, due, now));
                        }
                    }
                }
                ServerFrame::Error {
                    client_id: Some(id),
                    code,
                    ..
                } if self.pending.remove(&id).is_some() => {
                    self.shared.answered.fetch_add(1, Ordering::Relaxed);
                    self.seen.refusals.push(format!("{code:?}"));
                }
                _ => {}
            },
            Incoming::Question {
                question_id, label, ..
            } => self.first_sight(question_id, &label, now),
            Incoming::Tallies { .. } if self.observer => {
                self.seen.tallies.extend(
                    Incoming::tallies(text)
                        .iter()
                        .map(|t| (now, t.question_id, t.votes)),
                );
            }
            _ => {}
        }
    }

    /// Notes a question the first time it is seen, and a moderator change in its label.
    fn first_sight(&mut self, question_id: i64, label: &str, now: u64) {
        if self.known.insert(question_id) {
            self.seen.questions.push((question_id, now));
        }
        if let Some((n, _)) = crate::parse_label(label) {
            self.seen.changes.push((n, now));
        }
    }

    async fn send(
        &mut self,
        client_id: String,
        command: Command,
        ask: bool,
        question: i64,
        due: u64,
    ) -> bool {
        let frame = ClientFrame {
            client_id: client_id.clone(),
            command,
        };
        let text = serde_json::to_string(&frame).expect("a client frame serialises");
        self.pending
            .insert(client_id, (ask, question, due, text.clone()));
        self.ws.send(Message::text(text)).await.is_ok()
    }

    /// Drops the socket and comes back with `since`: what was missed is replayed.
    async fn reconnect(&mut self) -> bool {
        let _ = self.ws.close(None).await;
        match resume(&self.config, &self.cookie, self.index, self.last).await {
            Ok(ws) => {
                self.ws = ws;
                // What was sent on the old socket may not have been answered: send it again with
                // the same client id, as a browser does; the server answers a repeat with the
                // stored result.
                for (_, _, _, text) in self.pending.values() {
                    if self.ws.send(Message::text(text.clone())).await.is_err() {
                        return false;
                    }
                }
                true
            }
            Err(e) => {
                eprintln!("participant {} could not resume: {e:#}", self.index);
                false
            }
        }
    }

    /// The first frame after a resume: a snapshot means the server could not replay.
    fn count_resume(&mut self, text: &str) {
        if text.starts_with(r#"{"type":"snapshot""#) {
            self.seen.snapshot_resumes += 1;
        }
    }

    async fn run(
        mut self,
        mut orders: mpsc::UnboundedReceiver<Order>,
        stop: watch::Receiver<bool>,
    ) -> Seen {
        self.shared.reading.fetch_add(1, Ordering::Relaxed);
        let mut resumed = false;
        // One wait for the whole run, not a new one per frame (a stall takes `stop` itself).
        let mut stopping = stop.clone();
        let stopped = stopping.changed();
        tokio::pin!(stopped);
        loop {
            tokio::select! {
                _ = &mut stopped => break,
                order = orders.recv() => match order {
                    Some(Order::Ask { client_id, due }) => {
                        let text = format!("Mixed session question {} from the load test?", letters(self.index));
                        let command = Command::Ask { text, anonymous: false };
                        if !self.send(client_id, command, true, 0, due).await {
                            self.seen.failed = true;
                        }
                    }
                    Some(Order::Vote { client_id, question_id, due }) => {
                        let command = Command::Vote { question_id, up: true };
                        if !self.send(client_id, command, false, question_id, due).await {
                            self.seen.failed = true;
                        }
                    }
                    Some(Order::Reconnect) => {
                        self.seen.reconnects += 1;
                        if !self.reconnect().await {
                            self.seen.failed = true;
                            break;
                        }
                        resumed = true;
                    }
                    Some(Order::Stall) => return self.stall(stop).await,
                    None => {}
                },
                message = self.ws.next() => match message {
                    Some(Ok(Message::Text(text))) => {
                        if std::mem::take(&mut resumed) {
                            self.count_resume(text.as_str());
                        }
                        self.note(text.as_str());
                    }
                    Some(Ok(_)) => {}
                    // The server closed the socket (it fell behind, say): resume, as a client must.
                    Some(Err(_)) | None => {
                        self.seen.server_closes += 1;
                        if !self.reconnect().await {
                            self.seen.failed = true;
                            break;
                        }
                        resumed = true;
                    }
                },
            }
        }
        let _ = self.ws.close(None).await;
        self.seen
    }

    /// S7: never read again until the run ends; then find out whether the server gave up on us.
    async fn stall(mut self, mut stop: watch::Receiver<bool>) -> Seen {
        self.seen.slow = true;
        // A phone's receive window, not loopback's (which grows to 32 MiB and would hold
        // everything the server sends): what the reader does not take then waits at the server.
        let mut ports = None;
        if let tokio_tungstenite::MaybeTlsStream::Plain(tcp) = self.ws.get_ref() {
            let _ = socket2::SockRef::from(tcp).set_recv_buffer_size(SLOW_RECEIVE_BUFFER);
            ports = tcp
                .local_addr()
                .ok()
                .zip(tcp.peer_addr().ok())
                .map(|(local, peer)| (peer.port(), local.port()));
        }
        let _ = stop.changed().await;
        // Whether the server gave up on us, without reading: reading would take the data that
        // waits and make room for more. Our side cannot tell: the server's FIN waits behind the
        // data we never read, so our end stays ESTABLISHED. The server's end of a connection it
        // closed is in FIN_WAIT1 (or gone, if it was reset): the kernel's table tells.
        self.seen.closed_by_server = ports.is_some_and(|(server, client)| {
            !matches!(tcp_state(server, client), Some(TCP_ESTABLISHED))
        });
        self.seen
    }
}

/// `/proc/net/tcp`'s code for an established connection.
const TCP_ESTABLISHED: u8 = 0x01;

/// The state of this machine's end of the TCP connection from local port `local` to remote
/// port `remote` (IPv4 or IPv6), if it is in the kernel's table.
fn tcp_state(local: u16, remote: u16) -> Option<u8> {
    let (local, remote) = (format!(":{local:04X}"), format!(":{remote:04X}"));
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .find_map(|table| {
            table.lines().skip(1).find_map(|line| {
                let mut fields = line.split_whitespace().skip(1);
                let (here, there, state) = (fields.next()?, fields.next()?, fields.next()?);
                if !here.ends_with(&local) || !there.ends_with(&remote) {
                    return None;
                }
                u8::from_str_radix(state, 16).ok()
            })
        })
}

/// The moderator: sends a label change carrying its due time whenever told, reads everything.
async fn moderator(
    shared: Arc<Shared>,
    mut ws: Ws,
    question_id: i64,
    mut orders: mpsc::UnboundedReceiver<(u64, u64)>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let tag = run_tag();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            order = orders.recv() => if let Some((n, due)) = order {
                let frame = ClientFrame {
                    client_id: format!("lt-{tag}-mx{n}"),
                    command: Command::Label { question_id, label: format!("t{n}@{due}") },
                };
                ws.send(Message::text(serde_json::to_string(&frame)?)).await?;
            },
            message = ws.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    if let Ok(ServerFrame::Ack { .. }) = serde_json::from_str::<ServerFrame>(text.as_str()) {
                        shared.changes_acked.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Some(Ok(_)) => {}
                _ => bail!("the moderator's socket ended"),
            },
        }
    }
    let _ = ws.close(None).await;
    Ok(())
}

/// A slow participant's receive buffer (the kernel doubles it).
const SLOW_RECEIVE_BUFFER: usize = 32 * 1024;

/// Bytes waiting in the send queues of the server's sockets (local port `port`), from
/// `/proc/net/tcp` and `/proc/net/tcp6`: sent and not yet acknowledged, or not yet sent.
fn server_send_queue_bytes(port: u16) -> u64 {
    let port = format!(":{port:04X}");
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .flat_map(|table| {
            table
                .lines()
                .skip(1)
                .filter_map(|line| {
                    let mut fields = line.split_whitespace();
                    let local = fields.nth(1)?;
                    let queues = fields.nth(2)?;
                    if !local.ends_with(&port) {
                        return None;
                    }
                    u64::from_str_radix(queues.split(':').next()?, 16).ok()
                })
                .collect::<Vec<_>>()
        })
        .sum()
}

/// The kernel's TCP buffer memory in bytes: the `mem` pages of `/proc/net/sockstat`.
fn kernel_tcp_bytes() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/net/sockstat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("TCP:"))?;
    let mut words = line.split_whitespace();
    words.find(|w| *w == "mem")?;
    let pages: u64 = words.next()?.parse().ok()?;
    Some(pages * 4096)
}

/// How many of `per_second` events were due by `elapsed`: event i is due at i / per_second.
fn due_by(per_second: f64, elapsed: Duration) -> u64 {
    if per_second <= 0.0 {
        return 0;
    }
    (per_second * elapsed.as_secs_f64()).floor() as u64 + 1
}

/// Runs the mixed session (S6), with slow participants when `slow_percent` > 0 (S7).
pub async fn mixed(config: MixedConfig) -> anyhow::Result<MixedReport> {
    let Setup {
        moderator: mut moderator_ws,
        question_id: labelled,
        clients,
        cookies,
        errors,
        join_seconds,
        ..
    } = crate::setup_plenary(&config.base).await?;
    let tag = run_tag();
    moderate(
        &mut moderator_ws,
        &format!("lt-{tag}-mxpost"),
        Command::SetModeration {
            mode: ModerationMode::Post,
        },
    )
    .await
    .context("S6 needs a session that may be post-moderated (not a youth session)")?;

    let n = clients.len();
    let slow = ((n as f64) * config.slow_percent / 100.0).round() as usize;
    let healthy = n - slow;
    if healthy < 2 {
        bail!("too few healthy participants");
    }
    let shared = Arc::new(Shared {
        highest: (0..n).map(|_| AtomicI64::new(0)).collect(),
        ..Shared::default()
    });
    let (stop, stopped) = watch::channel(false);
    let mut senders = Vec::with_capacity(n);
    let mut tasks = Vec::with_capacity(n);
    for (index, ((ws, last), cookie)) in clients.into_iter().zip(cookies).enumerate() {
        let (tx, rx) = mpsc::unbounded_channel();
        senders.push(tx);
        let participant = Participant {
            index,
            ws,
            cookie,
            last,
            observer: index < config.observers,
            config: config.base.clone(),
            shared: shared.clone(),
            pending: HashMap::new(),
            known: HashSet::from([labelled]),
            seen: Seen::default(),
        };
        tasks.push(tokio::spawn(participant.run(rx, stopped.clone())));
    }
    let (moderator_tx, moderator_rx) = mpsc::unbounded_channel();
    let moderator_task = tokio::spawn(moderator(
        shared.clone(),
        moderator_ws,
        labelled,
        moderator_rx,
        stopped.clone(),
    ));
    while shared.reading.load(Ordering::Relaxed) < n as u64 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Server memory, sampled through the run (S7 reads its growth after the stall).
    let port = config
        .base
        .server
        .rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse::<u16>().ok())
        .unwrap_or(80);
    // Reading every socket's queue means reading /proc/net/tcp, tens of thousands of lines: only
    // S7 needs it, and it is read off the generator's runtime so that no socket waits for it.
    let queues = slow > 0;
    let sampling = config.server_pid.map(|pid| {
        let stop = stopped.clone();
        tokio::spawn(async move {
            let mut samples = Vec::new();
            while !*stop.borrow() {
                let sample = tokio::task::spawn_blocking(move || {
                    (
                        Instant::now(),
                        rss_bytes(pid).unwrap_or(0),
                        kernel_tcp_bytes().unwrap_or(0),
                        if queues {
                            server_send_queue_bytes(port)
                        } else {
                            0
                        },
                    )
                })
                .await;
                samples.extend(sample.ok());
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            samples
        })
    });

    // The schedule. Askers are participants 1, 2, ... (0 asked the labelled question); votes go
    // round the questions asked so far, each question taking its voters in order after its asker;
    // reconnections take healthy participants from the end.
    let cpu_before = config.server_pid.and_then(cpu_seconds);
    let started = Instant::now();
    let base = now_micros();
    let due_micros = |count: u64, per_second: f64| base + (count as f64 * 1e6 / per_second) as u64;
    let reconnects_per_second = healthy as f64 * config.reconnect_percent_per_minute / 100.0 / 60.0;
    let (mut asks, mut votes, mut changes, mut reconnects) = (0u64, 0u64, 0u64, 0u64);
    let mut next_voter: HashMap<i64, (usize, usize)> = HashMap::new();
    let mut round = 0usize;
    let mut stalled = false;
    let mut last_progress = Instant::now();
    let mut stall_at = None;
    let mut change_due = Vec::new();
    while started.elapsed() < config.duration {
        let elapsed = started.elapsed();
        if !stalled && slow > 0 && elapsed >= config.warm_up {
            for tx in &senders[healthy..] {
                let _ = tx.send(Order::Stall);
            }
            stalled = true;
            stall_at = Some(Instant::now());
        }
        let q_rate = f64::from(config.questions_per_second);
        while asks < due_by(q_rate, elapsed) && (asks as usize) + 1 < healthy {
            let _ = senders[asks as usize + 1].send(Order::Ask {
                client_id: format!("lt-{tag}-mxq{asks}"),
                due: due_micros(asks, q_rate),
            });
            asks += 1;
        }
        let v_rate = f64::from(config.votes_per_second);
        let open: Vec<(i64, usize)> = shared.questions.lock().expect("not poisoned").clone();
        while votes < due_by(v_rate, elapsed) && !open.is_empty() {
            // The next question with a voter left, round the list.
            let mut sent = false;
            for _ in 0..open.len() {
                let (question, asker) = open[round % open.len()];
                round += 1;
                // Each question's voters start at their own place (so one participant is not
                // asked to vote on every new question at once) and never include its asker.
                let place = next_voter.len();
                let (start, count) = next_voter
                    .entry(question)
                    .or_insert((asker + 1 + place * 7919, 0));
                let mut who = (*start + *count) % healthy;
                if who == asker {
                    *count += 1;
                    who = (*start + *count) % healthy;
                }
                if *count >= healthy - 1 {
                    continue;
                }
                *count += 1;
                let _ = senders[who].send(Order::Vote {
                    client_id: format!("lt-{tag}-mxv{votes}"),
                    question_id: question,
                    due: due_micros(votes, v_rate),
                });
                votes += 1;
                sent = true;
                break;
            }
            if !sent {
                break;
            }
        }
        let m_rate = f64::from(config.moderator_actions_per_second);
        while changes < due_by(m_rate, elapsed) {
            let due = due_micros(changes, m_rate);
            change_due.push(due);
            let _ = moderator_tx.send((changes, due));
            changes += 1;
        }
        while reconnects < due_by(reconnects_per_second, elapsed) {
            let who = healthy - 1 - (reconnects as usize % (healthy - 1));
            let _ = senders[who].send(Order::Reconnect);
            reconnects += 1;
        }
        if last_progress.elapsed() >= Duration::from_secs(5) {
            last_progress = Instant::now();
            eprintln!(
                "{:.0} s: {asks} questions, {votes} votes, {changes} changes, {reconnects} reconnections",
                elapsed.as_secs_f64()
            );
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // Wait for every ask, vote and change to be answered (at most 15 s); then read the
    // database's state through a fresh moderator snapshot, and wait (at most 15 s more) until
    // every healthy participant has caught up with its sequence number.
    let waiting = Instant::now();
    while (shared.answered.load(Ordering::Relaxed) < asks + votes
        || shared.changes_acked.load(Ordering::Relaxed) < changes)
        && waiting.elapsed() < Duration::from_secs(15)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut fresh = crate::open(&config.base, &config.base.moderator_cookie).await?;
    let ServerFrame::Snapshot(snapshot) = crate::next_frame(&mut fresh).await? else {
        bail!("no snapshot for the moderator");
    };
    let _ = fresh.close(None).await;
    let waiting = Instant::now();
    while shared.highest[..healthy]
        .iter()
        .any(|h| h.load(Ordering::Relaxed) < snapshot.seq)
        && waiting.elapsed() < Duration::from_secs(15)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let duration_seconds = started.elapsed().as_secs_f64();
    let server_cpu_seconds = match (config.server_pid.and_then(cpu_seconds), cpu_before) {
        (Some(after), Some(before)) => Some(after - before),
        _ => None,
    };
    let _ = stop.send(true);
    let mut seen = Vec::with_capacity(n);
    for t in tasks {
        seen.push(t.await?);
    }
    let moderator_result = moderator_task.await?;
    let samples = match sampling {
        Some(s) => s.await?,
        None => Vec::new(),
    };
    let final_votes: HashMap<i64, i64> = snapshot
        .questions
        .iter()
        .map(|q| (q.question_id, q.votes))
        .collect();

    let mut report = summarise(&config, &seen, &change_due, &final_votes);
    report.participants = n;
    report.healthy = healthy;
    report.slow = slow;
    report.join_seconds = join_seconds;
    report.duration_seconds = duration_seconds;
    report.errors += errors + u64::from(moderator_result.is_err());
    report.unanswered = (asks + votes).saturating_sub(shared.answered.load(Ordering::Relaxed));
    report.server_cpu_seconds = server_cpu_seconds;
    let operations = asks + votes + changes + reconnects;
    report.server_cpu_ms_per_operation =
        server_cpu_seconds.map(|cpu| 1000.0 * cpu / operations.max(1) as f64);
    if let Some(at) = stall_at {
        let before = samples.iter().rfind(|(t, ..)| *t <= at);
        let after = samples.iter().filter(|(t, ..)| *t > at);
        let (rss_at, tcp_at, queue_at) = before.map_or((0, 0, 0), |s| (s.1, s.2, s.3));
        let rss_max = after.clone().map(|s| s.1).max().unwrap_or(0);
        let tcp_max = after.clone().map(|s| s.2).max().unwrap_or(0);
        let queue_max = after.map(|s| s.3).max().unwrap_or(0);
        let per = |max: u64, at: u64| max.saturating_sub(at) / slow.max(1) as u64;
        report.rss_at_stall_bytes = rss_at;
        report.rss_max_bytes = rss_max;
        report.bytes_per_slow_participant = per(rss_max, rss_at);
        report.kernel_tcp_at_stall_bytes = tcp_at;
        report.kernel_tcp_max_bytes = tcp_max;
        report.kernel_tcp_bytes_per_slow_participant = per(tcp_max, tcp_at);
        report.server_send_queue_at_stall_bytes = queue_at;
        report.server_send_queue_max_bytes = queue_max;
        report.server_send_queue_bytes_per_slow_participant = per(queue_max, queue_at);
    } else {
        report.rss_max_bytes = samples.iter().map(|s| s.1).max().unwrap_or(0);
    }
    Ok(report)
}

fn summarise(
    config: &MixedConfig,
    seen: &[Seen],
    change_due: &[u64],
    final_votes: &HashMap<i64, i64>,
) -> MixedReport {
    let mut report = MixedReport::default();
    let healthy: Vec<&Seen> = seen.iter().filter(|s| !s.slow).collect();
    let ms = |from: u64, to: u64| to.saturating_sub(from) as f64 / 1000.0;

    // Questions: due → every healthy participant's first sight of it.
    let asked: HashMap<i64, u64> = seen
        .iter()
        .filter_map(|s| s.asked.map(|(q, due, _)| (q, due)))
        .collect();
    report.questions_asked = asked.len() as u64;
    let mut deliveries = Vec::new();
    let mut last: HashMap<i64, (usize, u64)> = HashMap::new();
    for s in &healthy {
        for &(q, at) in &s.questions {
            if let Some(&due) = asked.get(&q) {
                deliveries.push(ms(due, at));
                let entry = last.entry(q).or_default();
                entry.0 += 1;
                entry.1 = entry.1.max(at);
            }
        }
    }
    let mut question_all = Vec::new();
    for (q, due) in &asked {
        match last.get(q) {
            Some(&(count, at)) if count == healthy.len() => question_all.push(ms(*due, at)),
            _ => report.not_visible_to_all += 1,
        }
    }
    // Moderator changes, the same way. A label replaces the one before, so a participant that
    // saw change m (live, or in a snapshot after a resume) has seen every change up to m.
    let mut last: HashMap<u64, (usize, u64)> = HashMap::new();
    for s in &healthy {
        let mut arrivals: Vec<(u64, u64)> = s.changes.clone();
        arrivals.sort_unstable();
        let mut earliest = u64::MAX;
        for n in (0..change_due.len() as u64).rev() {
            while let Some(&(m, at)) = arrivals.last() {
                if m < n {
                    break;
                }
                earliest = earliest.min(at);
                arrivals.pop();
            }
            if earliest == u64::MAX {
                continue;
            }
            let due = change_due[n as usize];
            if s.changes.iter().any(|&(m, _)| m == n) {
                deliveries.push(ms(due, earliest));
            }
            let entry = last.entry(n).or_default();
            entry.0 += 1;
            entry.1 = entry.1.max(earliest);
        }
    }
    let mut change_all = Vec::new();
    for (n, due) in change_due.iter().enumerate() {
        match last.get(&(n as u64)) {
            Some(&(count, at)) if count == healthy.len() => change_all.push(ms(*due, at)),
            _ => report.not_visible_to_all += 1,
        }
    }
    report.moderator_actions = change_due.len() as u64;
    report.visible_all_ms =
        Percentiles::of(question_all.iter().chain(&change_all).copied().collect());
    report.question_visible_all_ms = Percentiles::of(question_all);
    report.moderator_visible_all_ms = Percentiles::of(change_all);
    report.delivery_ms = Percentiles::of(deliveries);

    // Votes: acknowledgements, the database's tallies, and visibility on the observers.
    let mut acks: HashMap<i64, Vec<(u64, u64)>> = HashMap::new();
    for &(q, due, at) in seen.iter().flat_map(|s| s.vote_acks.iter()) {
        acks.entry(q).or_default().push((at, due));
    }
    report.vote_ack_ms = Percentiles::of(
        acks.values()
            .flatten()
            .map(|&(at, due)| ms(due, at))
            .collect(),
    );
    for (q, list) in &acks {
        let counted = final_votes.get(q).copied().unwrap_or_default();
        report.votes_acked += list.len() as u64;
        report.lost_votes += (list.len() as i64 - counted).max(0) as u64;
    }
    for list in acks.values_mut() {
        list.sort_unstable();
    }
    let mut visible = Vec::new();
    for observer in seen.iter().take(config.observers).filter(|s| !s.slow) {
        let mut timeline: HashMap<i64, Vec<(u64, i64)>> = HashMap::new();
        for &(t, q, v) in &observer.tallies {
            timeline.entry(q).or_default().push((t, v));
        }
        for (q, list) in &acks {
            let Some(line) = timeline.get(q) else {
                continue;
            };
            // The p-th acknowledged vote is visible once a tally counts p votes or more.
            for (p, &(_, due)) in list.iter().enumerate() {
                let at = line.partition_point(|&(_, v)| v < p as i64 + 1);
                if let Some(&(seen_at, _)) = line.get(at) {
                    visible.push(ms(due, seen_at));
                }
            }
        }
    }
    report.vote_visible_ms = Percentiles::of(visible);

    for s in seen {
        for r in &s.refusals {
            *report.refusals.entry(r.clone()).or_default() += 1;
        }
        report.reconnects += s.reconnects;
        report.snapshot_resumes += s.snapshot_resumes;
        report.errors += u64::from(s.failed);
        report.slow_closed_by_server += u64::from(s.slow && s.closed_by_server);
    }
    for s in &healthy {
        report.server_closes += s.server_closes;
        report.lost += s.lost;
        report.duplicated += s.duplicated;
    }
    report
}
