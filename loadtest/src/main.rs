//! `plenary-loadtest`: plays many participants and a moderator against a running Plenary, or
//! against the reference broadcast server, and prints (and writes as JSON) what it measured.
//!
//!     cargo run --release -p plenary-loadtest -- fanout --session 13 --participants 1000
//!     cargo run --release -p plenary-loadtest -- ramp --target reference --participants 1000
//!     cargo run --release -p plenary-loadtest -- votes --session 13 --participants 1000
//!     cargo run --release -p plenary-loadtest -- reference-server --bind 127.0.0.1:9001
//!
//! See docs/BENCHMARKS.md for how to start the servers for a run and what each figure means.
#![forbid(unsafe_code)]

use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use plenary_loadtest::broadcast::{RampConfig, Target};
use plenary_loadtest::{Config, cpu_seconds, fan_out, rss_bytes};

#[derive(Debug, Parser)]
#[command(version, about = "Load test for Plenary's live Q&A")]
struct Cli {
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Debug, Subcommand)]
enum Scenario {
    /// S2 then S3: a join storm, then one moderator's changes fanned out to everyone.
    Fanout {
        #[command(flatten)]
        common: Common,
        /// Moderator changes per second during the fan-out.
        #[arg(long, default_value_t = 10)]
        rate: u32,
        /// Seconds of fan-out.
        #[arg(long, default_value_t = 10)]
        duration: u64,
    },
    /// S3/S4: one publisher in steps of rising rate, against Plenary or the reference server.
    Ramp {
        #[command(flatten)]
        common: Common,
        /// Messages per second of each step, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "10,50,100,200,400")]
        rates: Vec<u32>,
        /// Seconds per step.
        #[arg(long, default_value_t = 5)]
        step: u64,
    },
    /// S1: participants joined and idle; server memory per connection and idle CPU.
    Idle {
        #[command(flatten)]
        common: Common,
        /// Seconds of idling to measure CPU over.
        #[arg(long, default_value_t = 30)]
        duration: u64,
    },
    /// S5: a vote storm on many questions in steps of rising rate (Plenary only).
    Votes {
        #[command(flatten)]
        common: Common,
        /// Approved questions to vote on (one asker each).
        #[arg(long, default_value_t = 50)]
        questions: usize,
        /// Votes per second of each step, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "500,1000,2000,5000")]
        rates: Vec<u32>,
        /// Seconds per step.
        #[arg(long, default_value_t = 5)]
        step: u64,
        /// Participants that record every tally (for staleness).
        #[arg(long, default_value_t = 50)]
        observers: usize,
    },
    /// The reference broadcast server (axum websockets, no application logic).
    ReferenceServer {
        #[arg(long, default_value = "127.0.0.1:9001")]
        bind: std::net::SocketAddr,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Which {
    Plenary,
    Reference,
}

#[derive(Debug, Args)]
struct Common {
    /// Which server to measure.
    #[arg(long, value_enum, default_value = "plenary")]
    target: Which,
    /// Plenary, as http://host:port.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    server: String,
    /// The reference server's websocket.
    #[arg(long, default_value = "ws://127.0.0.1:9001/ws")]
    reference_url: String,
    /// Bytes per reference message (about the size of Plenary's `question` frame).
    #[arg(long, default_value_t = 330)]
    payload_bytes: usize,
    /// The live session to use (Plenary).
    #[arg(long, default_value_t = 13)]
    session: i64,
    /// An organizer's or assigned moderator's login cookie, `name=value` (Plenary).
    #[arg(long, env = "PLENARY_LOADTEST_COOKIE")]
    moderator_cookie: Option<String>,
    #[arg(long, default_value_t = 500)]
    participants: usize,
    /// The server's process id, to read its CPU time and memory from /proc.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Also write the report as JSON here.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
}

impl Common {
    fn plenary(&self) -> anyhow::Result<Config> {
        let Some(cookie) = self.moderator_cookie.clone() else {
            bail!("--moderator-cookie (or PLENARY_LOADTEST_COOKIE) is needed against Plenary");
        };
        Ok(Config {
            server: self.server.trim_end_matches('/').to_string(),
            session_id: self.session,
            moderator_cookie: cookie,
            participants: self.participants,
            actions_per_second: 1,
            duration: Duration::from_secs(1),
        })
    }

    fn target(&self) -> anyhow::Result<Target> {
        Ok(match self.target {
            Which::Plenary => Target::Plenary(self.plenary()?),
            Which::Reference => Target::Reference {
                url: self.reference_url.clone(),
                payload_bytes: self.payload_bytes,
            },
        })
    }

    fn write_json(&self, report: &impl serde::Serialize) -> anyhow::Result<()> {
        if let Some(path) = &self.json {
            std::fs::write(path, serde_json::to_vec_pretty(report)?)
                .with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(())
    }
}

/// Every run is bounded: one that does not finish in its own time plus a margin stops itself.
async fn bounded<T>(
    seconds: u64,
    participants: usize,
    run: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    let limit = Duration::from_secs(seconds + 60 + participants as u64 / 100);
    tokio::time::timeout(limit, run)
        .await
        .context("the run took too long and was stopped")?
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().scenario {
        Scenario::ReferenceServer { bind } => plenary_loadtest::reference::serve(bind).await,
        Scenario::Fanout {
            common,
            rate,
            duration,
        } => {
            let config = Config {
                actions_per_second: rate,
                duration: Duration::from_secs(duration),
                ..common.plenary()?
            };
            eprintln!(
                "fanout: {} participants, {rate} changes/s for {duration} s against {}",
                common.participants, config.server
            );
            let cpu_before = common.server_pid.and_then(cpu_seconds);
            let rss_before = common.server_pid.and_then(rss_bytes);
            let mut report = bounded(duration, common.participants, fan_out(config)).await?;
            if let (Some(pid), Some(before)) = (common.server_pid, cpu_before) {
                report.server_cpu_seconds = cpu_seconds(pid).map(|after| after - before);
            }
            let rss_after = common.server_pid.and_then(rss_bytes);
            println!("participants            {}", report.participants);
            println!("joins/s                 {:.0}", report.joins_per_second);
            println!(
                "snapshot ms  p50 {:.1}  p99 {:.1}  max {:.1}",
                report.snapshot_ms.p50, report.snapshot_ms.p99, report.snapshot_ms.max
            );
            println!("changes                 {}", report.actions);
            println!("deliveries              {}", report.deliveries);
            println!(
                "latency ms   p50 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}",
                report.latency_ms.p50,
                report.latency_ms.p99,
                report.latency_ms.p999,
                report.latency_ms.max
            );
            println!(
                "last recv ms p50 {:.2}  p99 {:.2}  max {:.2}",
                report.last_receive_ms.p50, report.last_receive_ms.p99, report.last_receive_ms.max
            );
            println!(
                "lost / duplicated / errors  {} / {} / {}",
                report.lost, report.duplicated, report.errors
            );
            if let Some(cpu) = report.server_cpu_seconds {
                println!("server CPU s            {cpu:.2}");
            }
            if let (Some(a), Some(b)) = (rss_before, rss_after) {
                println!(
                    "server RSS              {} MiB -> {} MiB",
                    a / (1 << 20),
                    b / (1 << 20)
                );
            }
            common.write_json(&report)?;
            if report.lost > 0 || report.duplicated > 0 {
                bail!("events were lost or duplicated");
            }
            Ok(())
        }
        Scenario::Ramp {
            common,
            rates,
            step,
        } => {
            let config = RampConfig {
                target: common.target()?,
                participants: common.participants,
                rates: rates.clone(),
                step: Duration::from_secs(step),
                server_pid: common.server_pid,
            };
            let seconds = step * rates.len() as u64 + 2 * rates.len() as u64;
            let report = bounded(
                seconds,
                common.participants,
                plenary_loadtest::broadcast::ramp(config),
            )
            .await?;
            println!(
                "{}: {} receivers, connected in {:.1} s, lost / duplicated / errors {} / {} / {}",
                report.target,
                report.participants,
                report.connect_seconds,
                report.lost,
                report.duplicated,
                report.errors
            );
            println!(
                "{:>7} {:>8} {:>10} {:>12} {:>9} {:>14} {:>28} {:>10}",
                "rate/s",
                "sent",
                "delivered",
                "delivered/s",
                "cpu s",
                "frames/cpu-s",
                "latency p50/p99/max ms",
                "last p99"
            );
            for s in &report.steps {
                println!(
                    "{:>7} {:>8} {:>10} {:>12.0} {:>9} {:>14} {:>28} {:>10.1}",
                    s.rate,
                    s.sent,
                    s.delivered,
                    s.delivered_per_second,
                    s.server_cpu_seconds
                        .map_or("-".into(), |c| format!("{c:.2}")),
                    s.delivered_per_server_cpu_second
                        .map_or("-".into(), |c| format!("{c:.0}")),
                    format!(
                        "{:.1} / {:.1} / {:.1}",
                        s.latency_ms.p50, s.latency_ms.p99, s.latency_ms.max
                    ),
                    s.last_receive_ms.p99
                );
            }
            common.write_json(&report)?;
            if report.lost > 0 || report.duplicated > 0 {
                bail!("messages were lost or duplicated");
            }
            Ok(())
        }
        Scenario::Votes {
            common,
            questions,
            rates,
            step,
            observers,
        } => {
            let config = plenary_loadtest::votes::VoteConfig {
                base: common.plenary()?,
                questions,
                rates: rates.clone(),
                step: Duration::from_secs(step),
                observers,
                server_pid: common.server_pid,
            };
            let seconds =
                step * rates.len() as u64 + 2 * rates.len() as u64 + questions as u64 + 30;
            let report = bounded(
                seconds,
                common.participants,
                plenary_loadtest::votes::storm(config),
            )
            .await?;
            println!(
                "votes: {} participants, {} questions, joined in {:.1} s",
                report.participants, report.questions, report.join_seconds
            );
            println!(
                "{:>8} {:>7} {:>7} {:>8} {:>28} {:>9} {:>18}",
                "votes/s",
                "sent",
                "acked",
                "refused",
                "ack p50/p99/max ms",
                "cpu s",
                "frames/client/s"
            );
            for s in &report.steps {
                println!(
                    "{:>8} {:>7} {:>7} {:>8} {:>28} {:>9} {:>18}",
                    s.rate,
                    s.sent,
                    s.acked,
                    s.refused,
                    format!(
                        "{:.1} / {:.1} / {:.1}",
                        s.ack_ms.p50, s.ack_ms.p99, s.ack_ms.max
                    ),
                    s.server_cpu_seconds
                        .map_or("-".into(), |c| format!("{c:.2}")),
                    format!(
                        "{:.1} (max {:.1})",
                        s.frames_per_client_per_second_p50, s.frames_per_client_per_second_max
                    ),
                );
            }
            println!(
                "tally staleness ms  p50 {:.1}  p99 {:.1}  max {:.1}",
                report.tally_staleness_ms.p50,
                report.tally_staleness_ms.p99,
                report.tally_staleness_ms.max
            );
            println!(
                "acked {}, lost {}, in tallies but unacknowledged {}, unanswered {}, refusals {:?}, errors {}",
                report.acked,
                report.lost_votes,
                report.unacknowledged_in_tallies,
                report.unanswered,
                report.refusals,
                report.errors
            );
            common.write_json(&report)?;
            if report.lost_votes > 0 {
                bail!("acknowledged votes were lost");
            }
            Ok(())
        }
        Scenario::Idle { common, duration } => {
            let Some(pid) = common.server_pid else {
                bail!("--server-pid is needed to read the server's memory and CPU");
            };
            let report = bounded(
                duration,
                common.participants,
                plenary_loadtest::idle::idle(
                    common.target()?,
                    common.participants,
                    Duration::from_secs(duration),
                    pid,
                ),
            )
            .await?;
            println!(
                "{}: {} of {} connected in {:.1} s ({} errors)",
                report.target,
                report.connected,
                report.participants,
                report.connect_seconds,
                report.errors
            );
            println!(
                "server RSS {} MiB -> {} MiB: {} bytes per connection",
                report.rss_before_bytes >> 20,
                report.rss_after_bytes >> 20,
                report.bytes_per_connection
            );
            println!(
                "idle CPU over {:.0} s: {:.2}% of a core",
                report.idle_seconds, report.idle_cpu_percent_of_a_core
            );
            common.write_json(&report)?;
            Ok(())
        }
    }
}
