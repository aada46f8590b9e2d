//! S3 and S4 against Plenary or against the reference broadcast server, with one method so the
//! two can be put side by side: N receivers, one publisher sending on a schedule in steps of
//! rising rate. Each message carries its intended send time, so a publisher held back by the
//! server still charges the delay to the server (no coordinated omission).
//!
//! - Plenary: the publisher is a moderator changing a question's label to `t<n>@<µs>`; every
//!   participant receives the `question` frame.
//! - Reference: the publisher sends `{"seq":n,"label":"t<n>@<µs>","pad":"…"}`, padded to the
//!   size of Plenary's frame, and the server relays it to everyone.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use plenary::live::protocol::{Command, ServerFrame};
use serde::Deserialize;
use tokio::sync::{Semaphore, watch};
use tokio_tungstenite::tungstenite::Message;

use crate::frame::Incoming;
use crate::{Percentiles, Ws, cpu_seconds, now_micros, parse_label};

/// Whom to measure.
#[derive(Debug, Clone)]
pub enum Target {
    Plenary(crate::Config),
    /// `ws://host:port/ws` of `plenary-loadtest reference-server`.
    Reference {
        url: String,
        payload_bytes: usize,
        /// Local addresses to connect from: socket i binds to address i mod k (empty: the
        /// OS chooses).
        source_addresses: Vec<std::net::IpAddr>,
    },
}

impl Target {
    /// The local addresses connections are made from (empty: the OS chooses).
    pub fn source_addresses(&self) -> &[std::net::IpAddr] {
        match self {
            Target::Plenary(c) => &c.source_addresses,
            Target::Reference {
                source_addresses, ..
            } => source_addresses,
        }
    }

    /// The same target, connecting from `addresses`.
    pub fn with_source_addresses(&self, addresses: Vec<std::net::IpAddr>) -> Target {
        let mut target = self.clone();
        match &mut target {
            Target::Plenary(c) => c.source_addresses = addresses,
            Target::Reference {
                source_addresses, ..
            } => *source_addresses = addresses,
        }
        target
    }
}

/// A run: `participants` receivers, then one step per rate, each `step` long.
#[derive(Debug, Clone)]
pub struct RampConfig {
    pub target: Target,
    pub participants: usize,
    pub rates: Vec<u32>,
    pub step: Duration,
    pub server_pid: Option<u32>,
}

/// Figures of one step of the ramp.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct StepReport {
    /// Messages per second the publisher was asked to send.
    pub rate: u32,
    pub sent: u64,
    /// Frames that reached receivers.
    pub delivered: u64,
    pub seconds: f64,
    pub delivered_per_second: f64,
    pub server_cpu_seconds: Option<f64>,
    /// Delivered frames per CPU-second the server spent: frames/s per fully used core.
    pub delivered_per_server_cpu_second: Option<f64>,
    /// Publish → receive over every delivery.
    pub latency_ms: Percentiles,
    /// Publish → the last receiver's receive, per message.
    pub last_receive_ms: Percentiles,
}

/// Figures of a whole run.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RampReport {
    pub target: String,
    pub participants: usize,
    pub connect_seconds: f64,
    pub steps: Vec<StepReport>,
    pub lost: u64,
    pub duplicated: u64,
    pub errors: u64,
}

/// What the publisher does to send message `n`.
enum Publisher {
    Plenary {
        sink: futures_util::stream::SplitSink<Ws, Message>,
        question_id: i64,
        permits: Arc<Semaphore>,
        /// Distinguishes this ramp's client ids from an earlier one's in the same run.
        nonce: u64,
    },
    Reference {
        sink: futures_util::stream::SplitSink<Ws, Message>,
        pad: String,
    },
}

impl Publisher {
    async fn publish(&mut self, n: u64, intended_micros: u64) -> anyhow::Result<()> {
        let label = format!("t{n}@{intended_micros}");
        match self {
            Publisher::Plenary {
                sink,
                question_id,
                permits,
                nonce,
            } => {
                // The server refuses more than 32 unacknowledged commands per socket; the
                // reader gives a permit back for every acknowledgement.
                permits.acquire().await?.forget();
                let frame = plenary::live::protocol::ClientFrame {
                    client_id: format!("lt-{}-r{nonce}-{n}", crate::run_tag()),
                    command: Command::Label {
                        question_id: *question_id,
                        label,
                    },
                };
                sink.send(Message::text(serde_json::to_string(&frame)?))
                    .await?;
            }
            Publisher::Reference { sink, pad } => {
                let body = format!(r#"{{"seq":{},"label":"{label}","pad":"{pad}"}}"#, n + 1);
                sink.send(Message::text(body)).await?;
            }
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct ReferenceFrame<'a> {
    seq: i64,
    #[serde(borrow)]
    label: Cow<'a, str>,
}

/// What the receivers share: the latest arrival of each message, for publish → last receive.
struct Shared {
    stop: watch::Sender<bool>,
    last_arrival: Vec<AtomicU64>,
    /// First message number of each step, and one past the last.
    bounds: Vec<u64>,
}

impl Shared {
    fn step_of(&self, n: u64) -> Option<usize> {
        let i = self.bounds.partition_point(|b| *b <= n);
        (i >= 1 && i < self.bounds.len()).then(|| i - 1)
    }
}

#[derive(Default)]
struct Seen {
    /// Latencies in µs, per step.
    latencies: Vec<Vec<u32>>,
    lost: u64,
    duplicated: u64,
}

async fn receive(mut ws: Ws, mut last: i64, plenary: bool, shared: Arc<Shared>) -> Seen {
    let steps = shared.bounds.len() - 1;
    let mut seen = Seen {
        latencies: vec![Vec::new(); steps],
        ..Seen::default()
    };
    // One wait for the whole run, not a timer per frame.
    let mut stopped = shared.stop.subscribe();
    let stop = stopped.wait_for(|stop| *stop);
    tokio::pin!(stop);
    loop {
        let message = tokio::select! {
            m = ws.next() => m,
            _ = &mut stop => break,
        };
        let Some(Ok(Message::Text(text))) = message else {
            match message {
                Some(Ok(_)) => continue,
                _ => break,
            }
        };
        let received = now_micros();
        let (seq, label, counts_gaps) = if plenary {
            let Ok(frame) = Incoming::parse(text.as_str()) else {
                continue;
            };
            let gaps = !frame.is_tallies();
            let seq = frame.seq();
            let label = match frame {
                // The asker hears about its own question as `your_question`.
                Incoming::Question { label, .. } => Some(label),
                _ => None,
            };
            (seq, label, gaps)
        } else {
            let Ok(frame) = serde_json::from_str::<ReferenceFrame>(text.as_str()) else {
                continue;
            };
            (Some(frame.seq), Some(frame.label), true)
        };
        if let Some(seq) = seq {
            if seq <= last {
                seen.duplicated += 1;
                continue;
            }
            if counts_gaps && seq != last + 1 {
                seen.lost += (seq - last - 1) as u64;
            }
            last = seq;
        }
        if let Some((n, sent)) = label.as_deref().and_then(parse_label) {
            if let Some(step) = shared.step_of(n) {
                seen.latencies[step]
                    .push(received.saturating_sub(sent).min(u32::MAX as u64) as u32);
                shared.last_arrival[n as usize].fetch_max(received, Ordering::Relaxed);
            }
        }
    }
    seen
}

/// Runs the ramp and reports each step.
pub async fn ramp(config: RampConfig) -> anyhow::Result<RampReport> {
    if config.rates.is_empty() || config.rates.contains(&0) {
        bail!("give one or more rates above zero");
    }
    let mut bounds = vec![0u64];
    for rate in &config.rates {
        let count = (f64::from(*rate) * config.step.as_secs_f64()).max(1.0) as u64;
        bounds.push(bounds.last().copied().unwrap_or(0) + count);
    }
    let total = *bounds.last().context("at least one step")?;
    let shared = Arc::new(Shared {
        stop: watch::Sender::new(false),
        last_arrival: (0..total).map(|_| AtomicU64::new(0)).collect(),
        bounds: bounds.clone(),
    });

    let connect_started = Instant::now();
    let (mut publisher, clients, errors, plenary, name, publisher_reader) = match &config.target {
        Target::Plenary(c) => {
            let c = crate::Config {
                participants: config.participants,
                ..c.clone()
            };
            let setup = crate::setup_plenary(&c).await?;
            let (sink, mut stream) = setup.moderator.split();
            let permits = Arc::new(Semaphore::new(32));
            let reader_permits = permits.clone();
            let reader = tokio::spawn(async move {
                while let Some(Ok(m)) = stream.next().await {
                    if let Message::Text(t) = m {
                        if let Ok(ServerFrame::Ack { .. } | ServerFrame::Error { .. }) =
                            serde_json::from_str::<ServerFrame>(t.as_str())
                        {
                            reader_permits.add_permits(1);
                        }
                    }
                }
            });
            (
                Publisher::Plenary {
                    sink,
                    question_id: setup.question_id,
                    permits,
                    nonce: now_micros(),
                },
                setup.clients,
                setup.errors,
                true,
                "plenary".to_string(),
                reader,
            )
        }
        Target::Reference {
            url,
            payload_bytes,
            source_addresses,
        } => {
            let mut clients = Vec::with_capacity(config.participants);
            let mut errors = 0;
            let mut opening = Vec::new();
            for i in 0..config.participants {
                let url = url.clone();
                let source = crate::source_for(source_addresses, i);
                opening.push(tokio::spawn(async move {
                    crate::connect_ws(url.as_str(), source).await
                }));
            }
            for o in opening {
                match o.await? {
                    Ok(ws) => clients.push((ws, 0)),
                    Err(e) => {
                        errors += 1;
                        eprintln!("connect failed: {e:#}");
                    }
                }
            }
            let ws = crate::connect_ws(
                url.as_str(),
                crate::source_for(source_addresses, config.participants),
            )
            .await?;
            let (sink, mut stream) = ws.split();
            // The publisher hears its own messages too; drain them so its socket never backs up.
            let reader =
                tokio::spawn(async move { while let Some(Ok(_)) = stream.next().await {} });
            let pad = "x".repeat(payload_bytes.saturating_sub(60));
            (
                Publisher::Reference { sink, pad },
                clients,
                errors,
                false,
                "reference".to_string(),
                reader,
            )
        }
    };
    let connect_seconds = connect_started.elapsed().as_secs_f64();
    let receivers: Vec<_> = clients
        .into_iter()
        .map(|(ws, seq)| tokio::spawn(receive(ws, seq, plenary, shared.clone())))
        .collect();
    // Let the receivers settle before the first step.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut steps = Vec::new();
    let mut sent_at = vec![0u64; total as usize];
    for (i, rate) in config.rates.iter().enumerate() {
        let cpu_before = config.server_pid.and_then(cpu_seconds);
        let started = Instant::now();
        let every = Duration::from_secs_f64(1.0 / f64::from(*rate));
        let base_micros = now_micros();
        for (k, n) in (bounds[i]..bounds[i + 1]).enumerate() {
            let due = every * k as u32;
            tokio::time::sleep_until((started + due).into()).await;
            let intended = base_micros + due.as_micros() as u64;
            sent_at[n as usize] = intended;
            publisher.publish(n, intended).await?;
        }
        // Let the step's last messages arrive before reading the server's CPU time.
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let seconds = started.elapsed().as_secs_f64();
        let cpu = match (config.server_pid.and_then(cpu_seconds), cpu_before) {
            (Some(after), Some(before)) => Some(after - before),
            _ => None,
        };
        steps.push(StepReport {
            rate: *rate,
            sent: bounds[i + 1] - bounds[i],
            seconds,
            server_cpu_seconds: cpu,
            ..StepReport::default()
        });
        eprintln!("step {}: {rate}/s done", i + 1);
    }
    shared.stop.send_replace(true);
    publisher_reader.abort();

    let mut report = RampReport {
        target: name,
        participants: config.participants,
        connect_seconds,
        errors,
        ..RampReport::default()
    };
    let mut by_step: Vec<Vec<f64>> = vec![Vec::new(); steps.len()];
    for r in receivers {
        let seen = r.await?;
        report.lost += seen.lost;
        report.duplicated += seen.duplicated;
        for (i, l) in seen.latencies.into_iter().enumerate() {
            by_step[i].extend(l.into_iter().map(|us| f64::from(us) / 1000.0));
        }
    }
    for (i, (step, latencies)) in steps.iter_mut().zip(by_step).enumerate() {
        step.delivered = latencies.len() as u64;
        // Delivered per second of publishing (the step without its 1 s drain).
        let publishing = step.sent as f64 / f64::from(step.rate);
        step.delivered_per_second = step.delivered as f64 / publishing.max(1e-9);
        step.delivered_per_server_cpu_second = step
            .server_cpu_seconds
            .map(|cpu| step.delivered as f64 / cpu.max(1e-9));
        step.latency_ms = Percentiles::of(latencies);
        step.last_receive_ms = Percentiles::of(
            (bounds[i]..bounds[i + 1])
                .filter_map(|n| {
                    let last = shared.last_arrival[n as usize].load(Ordering::Relaxed);
                    (last > 0).then(|| last.saturating_sub(sent_at[n as usize]) as f64 / 1000.0)
                })
                .collect(),
        );
    }
    report.steps = steps;
    Ok(report)
}
