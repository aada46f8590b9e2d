//! S5, the vote storm: N participants, Q approved questions, votes sent at rising rates.
//!
//! Vote k is sent by participant `k mod N` for question `(k / N) mod Q`, so no participant votes
//! twice for a question while there are fewer than N × Q votes. Votes go out on a schedule
//! (their intended time is the start of the clock, so a server that is slow to read is charged
//! for it), and each participant's socket task notes its acknowledgement.
//!
//! Reported per step: votes acknowledged and refused, vote → acknowledgement time, server CPU
//! and tally frames per client per second. For the whole run:
//! - **lost votes**: acknowledged votes missing from the final tallies that a fresh moderator
//!   snapshot reads from the database. It must be 0.
//! - **unanswered**: votes with neither an acknowledgement nor a refusal 30 s after the last
//!   was sent (the run waits that long for a server that fell behind).
//! - **tally staleness**: from a vote's acknowledgement to the moment an observer's tallies first
//!   include it. It is measured on the first `observers` participants.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use plenary::live::protocol::{ClientFrame, Command, ServerFrame};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message;

use crate::frame::Incoming;
use crate::{Config, Percentiles, Setup, Ws, cpu_seconds, next_frame, now_micros, run_tag, send};

/// A vote storm.
#[derive(Debug, Clone)]
pub struct VoteConfig {
    /// Server, session, moderator cookie and the number of participants.
    pub base: Config,
    pub questions: usize,
    /// Votes per second, one step each.
    pub rates: Vec<u32>,
    pub step: Duration,
    /// How many participants record every tally they receive (for staleness).
    pub observers: usize,
    pub server_pid: Option<u32>,
}

/// One step of the storm.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct VoteStep {
    pub rate: u32,
    pub sent: u64,
    pub acked: u64,
    pub refused: u64,
    /// Intended send → acknowledgement.
    pub ack_ms: Percentiles,
    pub server_cpu_seconds: Option<f64>,
    /// Frames each participant received per second during the step: median and maximum.
    pub frames_per_client_per_second_p50: f64,
    pub frames_per_client_per_second_max: f64,
}

/// A storm's figures.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct VoteReport {
    pub participants: usize,
    pub questions: usize,
    pub join_seconds: f64,
    pub steps: Vec<VoteStep>,
    pub acked: u64,
    /// Acknowledged votes the final tallies do not hold. Must be 0.
    pub lost_votes: u64,
    /// Votes in the final tallies that were never acknowledged (an acknowledgement lost on the
    /// way, or a vote still in flight when the run ended).
    pub unacknowledged_in_tallies: u64,
    /// Votes with neither an acknowledgement nor a refusal 30 s after the last was sent.
    pub unanswered: u64,
    /// Acknowledgement → the observer's tallies include the vote.
    pub tally_staleness_ms: Percentiles,
    /// Refusals by error code, e.g. `rate_limited`.
    pub refusals: HashMap<String, u64>,
    pub errors: u64,
}

/// What the scheduler and the socket tasks share.
#[derive(Default)]
struct Shared {
    /// The step being sent (`steps` once the last is done).
    step: AtomicUsize,
    /// Votes acknowledged or refused so far.
    answered: AtomicU64,
    /// Socket tasks that have started reading.
    reading: AtomicUsize,
}

/// A vote for a socket task to send.
struct Order {
    client_id: String,
    question_id: i64,
    intended_micros: u64,
}

/// What one socket task saw.
#[derive(Default)]
struct Seen {
    /// (step, question, intended send µs, ack µs)
    acks: Vec<(usize, i64, u64, u64)>,
    /// (step, error code)
    refusals: Vec<(usize, String)>,
    /// Frames received per step.
    frames: Vec<u64>,
    /// (receive µs, question, votes), for observers only.
    tallies: Vec<(u64, i64, i64)>,
    failed: bool,
}

/// Asks one question from `ws` and returns its id.
async fn ask(ws: &mut Ws, client_id: &str, text: String) -> anyhow::Result<i64> {
    send(
        ws,
        client_id,
        Command::Ask {
            text,
            anonymous: false,
        },
    )
    .await?;
    loop {
        match next_frame(ws).await? {
            ServerFrame::Ack {
                client_id: id,
                result,
                ..
            } if id == client_id => return result.question_id.context("no question id in the ack"),
            ServerFrame::Error {
                client_id: Some(id),
                message,
                ..
            } if id == client_id => bail!("the question was refused: {message}"),
            _ => continue,
        }
    }
}

/// Sends a moderator command and waits for its acknowledgement.
pub(crate) async fn moderate(ws: &mut Ws, client_id: &str, command: Command) -> anyhow::Result<()> {
    send(ws, client_id, command).await?;
    loop {
        match next_frame(ws).await? {
            ServerFrame::Ack { client_id: id, .. } if id == client_id => return Ok(()),
            ServerFrame::Error {
                client_id: Some(id),
                message,
                ..
            } if id == client_id => bail!("refused: {message}"),
            _ => continue,
        }
    }
}

/// One participant's socket: sends the votes it is given, notes acknowledgements, refusals,
/// frames and (for observers) every tally.
async fn participant(
    mut ws: Ws,
    mut orders: mpsc::UnboundedReceiver<Order>,
    shared: Arc<Shared>,
    steps: usize,
    observer: bool,
    mut stop: watch::Receiver<bool>,
) -> Seen {
    let Shared {
        step,
        answered,
        reading,
    } = &*shared;
    reading.fetch_add(1, Ordering::Relaxed);
    let mut seen = Seen {
        frames: vec![0; steps + 1],
        ..Seen::default()
    };
    let mut pending: HashMap<String, (usize, i64, u64)> = HashMap::new();
    let mut orders_open = true;
    // One wait for the whole run, not a new one per frame.
    let stopped = stop.changed();
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            _ = &mut stopped => {
                let _ = ws.close(None).await;
                return seen;
            }
            order = orders.recv(), if orders_open => match order {
                Some(o) => {
                    let frame = ClientFrame {
                        client_id: o.client_id.clone(),
                        command: Command::Vote { question_id: o.question_id, up: true },
                    };
                    let text = serde_json::to_string(&frame).expect("a client frame serialises");
                    pending.insert(o.client_id, (step.load(Ordering::Relaxed), o.question_id, o.intended_micros));
                    if ws.send(Message::text(text)).await.is_err() {
                        seen.failed = true;
                        return seen;
                    }
                }
                // No more votes: keep reading until the run closes the socket.
                None => orders_open = false,
            },
            message = ws.next() => {
                let Some(Ok(message)) = message else {
                    return seen;
                };
                let Message::Text(text) = message else { continue };
                let now = now_micros();
                let s = step.load(Ordering::Relaxed).min(steps);
                seen.frames[s] += 1;
                match Incoming::parse(text.as_str()) {
                    Ok(Incoming::Whole(frame)) => match *frame {
                        ServerFrame::Ack { client_id, .. } => {
                            if let Some((at_step, q, intended)) = pending.remove(&client_id) {
                                seen.acks.push((at_step, q, intended, now));
                                answered.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        ServerFrame::Error { client_id: Some(id), code, .. } => {
                            if let Some((at_step, _, _)) = pending.remove(&id) {
                                seen.refusals.push((at_step, format!("{code:?}")));
                                answered.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        _ => {}
                    },
                    Ok(Incoming::Tallies { .. }) if observer => {
                        seen.tallies.extend(
                            Incoming::tallies(text.as_str()).iter().map(|t| (now, t.question_id, t.votes)),
                        );
                    }
                    Ok(_) => {}
                    Err(_) => seen.failed = true,
                }
            }
        }
    }
}

/// Runs the storm. The moderator cookie is needed to approve the questions.
pub async fn storm(config: VoteConfig) -> anyhow::Result<VoteReport> {
    if config.questions == 0 || config.base.participants < config.questions {
        bail!("need at least as many participants as questions (each question has its own asker)");
    }
    let Setup {
        mut moderator,
        question_id: first_question,
        mut clients,
        errors,
        join_seconds,
        ..
    } = crate::setup_plenary(&config.base).await?;
    let tag = run_tag();
    // The setup's question (already approved) and one more from each of the next participants.
    let mut questions = vec![first_question];
    for (i, (ws, _)) in clients
        .iter_mut()
        .enumerate()
        .skip(1)
        .take(config.questions - 1)
    {
        let q = ask(
            ws,
            &format!("lt-{tag}-vq{i}"),
            format!("Vote storm question {i}?"),
        )
        .await?;
        moderate(
            &mut moderator,
            &format!("lt-{tag}-va{i}"),
            Command::Approve { question_id: q },
        )
        .await?;
        questions.push(q);
    }

    let shared = Arc::new(Shared::default());
    let steps = config.rates.len();
    let (stop, stopped) = watch::channel(false);
    let mut senders = Vec::with_capacity(clients.len());
    let mut tasks = Vec::with_capacity(clients.len());
    for (i, (ws, _)) in clients.into_iter().enumerate() {
        let (tx, rx) = mpsc::unbounded_channel();
        senders.push(tx);
        tasks.push(tokio::spawn(participant(
            ws,
            rx,
            shared.clone(),
            steps,
            i < config.observers,
            stopped.clone(),
        )));
    }
    // Every socket task reads before the first vote is due.
    while shared.reading.load(Ordering::Relaxed) < tasks.len() {
        tokio::task::yield_now().await;
    }

    let n = senders.len();
    let q = questions.len();
    let mut k: usize = 0;
    let mut cpu = Vec::with_capacity(steps);
    let mut sent = Vec::with_capacity(steps);
    let mut seconds = Vec::with_capacity(steps);
    for (s, rate) in config.rates.iter().enumerate() {
        shared.step.store(s, Ordering::Relaxed);
        let before = config.server_pid.and_then(cpu_seconds);
        let started = Instant::now();
        let base_micros = now_micros();
        let total = (f64::from(*rate) * config.step.as_secs_f64()).round() as usize;
        let every = Duration::from_secs_f64(1.0 / f64::from(*rate));
        let mut i = 0;
        while i < total {
            // Send every vote that is due, then wait for the next.
            let elapsed = started.elapsed();
            while i < total && every * i as u32 <= elapsed {
                if k >= n * q {
                    bail!("more votes than participant × question pairs; lower the rates");
                }
                let due = every * i as u32;
                let _ = senders[k % n].send(Order {
                    client_id: format!("lt-{tag}-v{k}"),
                    question_id: questions[(k / n) % q],
                    intended_micros: base_micros + due.as_micros() as u64,
                });
                k += 1;
                i += 1;
            }
            if i < total {
                tokio::time::sleep_until((started + every * i as u32).into()).await;
            }
        }
        // Let the step's acknowledgements and tallies arrive.
        tokio::time::sleep(Duration::from_secs(1)).await;
        cpu.push(match (config.server_pid.and_then(cpu_seconds), before) {
            (Some(after), Some(before)) => Some(after - before),
            _ => None,
        });
        sent.push(total as u64);
        seconds.push(started.elapsed().as_secs_f64());
        eprintln!("step {}: {rate} votes/s done", s + 1);
    }
    shared.step.store(steps, Ordering::Relaxed);
    drop(senders);
    // A server that fell behind still owes answers: wait for every vote's acknowledgement or
    // refusal (at most 30 s), then stop the sockets, so every acknowledgement counted below
    // came before the tallies are read.
    let total: u64 = sent.iter().sum();
    let waiting = Instant::now();
    while shared.answered.load(Ordering::Relaxed) < total
        && waiting.elapsed() < Duration::from_secs(30)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = stop.send(true);
    let mut seen = Vec::with_capacity(tasks.len());
    for t in tasks {
        seen.push(t.await?);
    }

    // The database's count, through a fresh moderator snapshot.
    let mut fresh = crate::open(&config.base, &config.base.moderator_cookie).await?;
    let ServerFrame::Snapshot(snapshot) = next_frame(&mut fresh).await? else {
        bail!("no snapshot for the moderator");
    };
    let _ = fresh.close(None).await;
    let _ = moderator.close(None).await;
    let final_votes: HashMap<i64, i64> = snapshot
        .questions
        .iter()
        .map(|v| (v.question_id, v.votes))
        .collect();

    Ok(summarise(
        &config,
        join_seconds,
        errors,
        &questions,
        &final_votes,
        &seen,
        &sent,
        &seconds,
        &cpu,
    ))
}

#[allow(clippy::too_many_arguments)]
fn summarise(
    config: &VoteConfig,
    join_seconds: f64,
    errors: u64,
    questions: &[i64],
    final_votes: &HashMap<i64, i64>,
    seen: &[Seen],
    sent: &[u64],
    seconds: &[f64],
    cpu: &[Option<f64>],
) -> VoteReport {
    let mut report = VoteReport {
        participants: seen.len(),
        questions: questions.len(),
        join_seconds,
        errors: errors + seen.iter().filter(|s| s.failed).count() as u64,
        ..VoteReport::default()
    };
    for (s, rate) in config.rates.iter().enumerate() {
        let ack_ms: Vec<f64> = seen
            .iter()
            .flat_map(|c| c.acks.iter())
            .filter(|a| a.0 == s)
            .map(|a| a.3.saturating_sub(a.2) as f64 / 1000.0)
            .collect();
        let refused = seen
            .iter()
            .flat_map(|c| c.refusals.iter())
            .filter(|r| r.0 == s)
            .count() as u64;
        let mut per_client: Vec<f64> = seen
            .iter()
            .map(|c| c.frames[s] as f64 / seconds[s].max(1e-9))
            .collect();
        per_client.sort_by(|a, b| a.total_cmp(b));
        report.steps.push(VoteStep {
            rate: *rate,
            sent: sent[s],
            acked: ack_ms.len() as u64,
            refused,
            ack_ms: Percentiles::of(ack_ms),
            server_cpu_seconds: cpu[s],
            frames_per_client_per_second_p50: per_client
                .get(per_client.len() / 2)
                .copied()
                .unwrap_or_default(),
            frames_per_client_per_second_max: per_client.last().copied().unwrap_or_default(),
        });
    }
    for r in seen.iter().flat_map(|c| c.refusals.iter()) {
        *report.refusals.entry(r.1.clone()).or_default() += 1;
    }
    let answered: u64 = seen
        .iter()
        .map(|c| (c.acks.len() + c.refusals.len()) as u64)
        .sum();
    report.unanswered = sent.iter().sum::<u64>().saturating_sub(answered);

    // Acknowledged votes per question, in acknowledgement order.
    let mut acks: HashMap<i64, Vec<u64>> = HashMap::new();
    for a in seen.iter().flat_map(|c| c.acks.iter()) {
        acks.entry(a.1).or_default().push(a.3);
    }
    for q in questions {
        let acked = acks.get(q).map_or(0, Vec::len) as i64;
        let counted = final_votes.get(q).copied().unwrap_or_default();
        report.acked += acked as u64;
        report.lost_votes += (acked - counted).max(0) as u64;
        report.unacknowledged_in_tallies += (counted - acked).max(0) as u64;
    }

    // Staleness: the p-th acknowledged vote on a question is visible to an observer once its
    // tallies show at least p votes for it.
    let mut staleness = Vec::new();
    for times in acks.values_mut() {
        times.sort_unstable();
    }
    for observer in seen.iter().take(config.observers) {
        let mut timeline: HashMap<i64, Vec<(u64, i64)>> = HashMap::new();
        for &(t, q, v) in &observer.tallies {
            timeline.entry(q).or_default().push((t, v));
        }
        for (q, times) in &acks {
            let Some(line) = timeline.get(q) else {
                continue;
            };
            for (p, &acked_at) in times.iter().enumerate() {
                let need = p as i64 + 1;
                let at = line.partition_point(|&(_, v)| v < need);
                if let Some(&(seen_at, _)) = line.get(at) {
                    staleness.push(seen_at.saturating_sub(acked_at) as f64 / 1000.0);
                }
            }
        }
    }
    report.tally_staleness_ms = Percentiles::of(staleness);
    report
}
