//! `plenary-loadtest`: plays many participants and a moderator against a running Plenary, or
//! against the reference broadcast server, and prints (and writes as JSON) what it measured.
//!
//!     cargo run --release -p plenary-loadtest -- fanout --session 13 --participants 1000
//!     cargo run --release -p plenary-loadtest -- ramp --target reference --participants 1000
//!     cargo run --release -p plenary-loadtest -- votes --session 13 --participants 1000
//!     cargo run --release -p plenary-loadtest -- restart --session 13 --participants 1000 \
//!         --restart-command 'loadtest/restart-plenary.sh …'
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
        /// Generator processes: this one starts K−1 copies of itself (`idle-worker`), each
        /// with its share of the participants and of --source-addresses. One process holds at
        /// most ~19,900 sockets (the open-file limit).
        #[arg(long, default_value_t = 1)]
        processes: usize,
    },
    /// One worker process of `idle --processes K`: connects its share, writes
    /// `{"connected":…,"errors":…}` to stdout, then holds its sockets until stdin closes or
    /// the deadline passes.
    #[command(hide = true)]
    IdleWorker {
        #[command(flatten)]
        common: Common,
        /// Number of this worker's first participant in the whole run (for handles).
        #[arg(long, default_value_t = 0)]
        first: usize,
        /// Seconds after which the worker stops by itself.
        #[arg(long, default_value_t = 600)]
        deadline: u64,
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
    /// S6 (and S7 with --slow-percent): a whole plenary at once; questions, votes, moderator
    /// changes and reconnections on a schedule (Plenary only).
    Mixed {
        #[command(flatten)]
        common: Common,
        /// Seconds of the session.
        #[arg(long, default_value_t = 30)]
        duration: u64,
        #[arg(long, default_value_t = 5)]
        questions_per_second: u32,
        #[arg(long, default_value_t = 500)]
        votes_per_second: u32,
        #[arg(long, default_value_t = 1)]
        moderator_actions_per_second: u32,
        /// Share of participants that drop their socket and resume, per minute.
        #[arg(long, default_value_t = 1.0)]
        reconnect_percent_per_minute: f64,
        /// S7: share of participants (percent) that stop reading after the warm-up.
        #[arg(long, default_value_t = 0.0)]
        slow_percent: f64,
        /// Seconds before the slow participants stop reading.
        #[arg(long, default_value_t = 5)]
        warm_up: u64,
        /// Participants that record every tally (vote visibility).
        #[arg(long, default_value_t = 50)]
        observers: usize,
    },
    /// S8: the server restarts under N clients; time until every client has resumed (Plenary
    /// only). The command must stop the server and start it again on the same database and
    /// address, and return once it is ready (see loadtest/restart-plenary.sh).
    Restart {
        #[command(flatten)]
        common: Common,
        /// Run with `sh -c` after --before seconds.
        #[arg(long)]
        restart_command: String,
        /// Moderator changes per second, before, during and after the restart.
        #[arg(long, default_value_t = 5)]
        rate: u32,
        /// Seconds between the join storm and the restart.
        #[arg(long, default_value_t = 10)]
        before: u64,
        /// Seconds of changes once everyone has resumed.
        #[arg(long, default_value_t = 5)]
        after: u64,
        /// Seconds participants get to resume once the command has returned.
        #[arg(long, default_value_t = 60)]
        resume_timeout: u64,
    },
    /// The reference broadcast server (axum websockets, no application logic).
    ReferenceServer {
        #[arg(long, default_value = "127.0.0.1:9001")]
        bind: std::net::SocketAddr,
        /// Set SO_REUSEPORT, so several reference servers can listen on one port (the kernel
        /// spreads connections among them).
        #[arg(long)]
        reuse_port: bool,
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
    /// The server's process id, to read its CPU time and memory from /proc. `idle` takes
    /// several (repeated or comma-separated) and sums them; other scenarios use the first.
    #[arg(long = "server-pid", value_name = "PID", value_delimiter = ',')]
    server_pids: Vec<u32>,
    /// Local addresses to connect from, comma-separated (e.g. 127.0.0.1,127.0.0.2):
    /// connection i binds to address i mod k. Default: the OS chooses.
    #[arg(long, value_delimiter = ',')]
    source_addresses: Vec<std::net::IpAddr>,
    /// At most this many HTTP joins in flight at once (Plenary; 0: no limit). Each join in
    /// flight may hold a pooled HTTP connection besides its socket, and with no limit a storm
    /// of 10,000 can take the server past its 20,000 open files.
    #[arg(long, default_value_t = 1000)]
    join_concurrency: usize,
    /// Participants arrive at this many joins a second, open loop, instead of all at once;
    /// each join → snapshot time runs from its participant's due time.
    #[arg(long)]
    join_rate: Option<f64>,
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
            source_addresses: self.source_addresses.clone(),
            join_concurrency: (self.join_concurrency > 0).then_some(self.join_concurrency),
            join_rate: self.join_rate.filter(|r| *r > 0.0),
        })
    }

    /// The first --server-pid.
    fn server_pid(&self) -> Option<u32> {
        if self.server_pids.len() > 1 {
            eprintln!("only idle sums several --server-pid; using the first");
        }
        self.server_pids.first().copied()
    }

    fn target(&self) -> anyhow::Result<Target> {
        Ok(match self.target {
            Which::Plenary => Target::Plenary(self.plenary()?),
            Which::Reference => Target::Reference {
                url: self.reference_url.clone(),
                payload_bytes: self.payload_bytes,
                source_addresses: self.source_addresses.clone(),
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
        Scenario::ReferenceServer { bind, reuse_port } => {
            plenary_loadtest::reference::serve(bind, reuse_port).await
        }
        Scenario::IdleWorker {
            common,
            first,
            deadline,
        } => {
            let target = common.target()?;
            let share = plenary_loadtest::idle::Share {
                first,
                participants: common.participants,
                source_addresses: common.source_addresses.clone(),
            };
            plenary_loadtest::idle::worker(target, share, Duration::from_secs(deadline)).await
        }
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
            let cpu_before = common.server_pid().and_then(cpu_seconds);
            let rss_before = common.server_pid().and_then(rss_bytes);
            let mut report = bounded(duration, common.participants, fan_out(config)).await?;
            if let (Some(pid), Some(before)) = (common.server_pid(), cpu_before) {
                report.server_cpu_seconds = cpu_seconds(pid).map(|after| after - before);
            }
            let rss_after = common.server_pid().and_then(rss_bytes);
            println!("participants            {}", report.participants);
            println!("joins/s                 {:.0}", report.joins_per_second);
            if let Some(rate) = report.join_rate {
                println!("arrivals/s asked        {rate:.0}");
            }
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
                server_pid: common.server_pid(),
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
                server_pid: common.server_pid(),
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
        Scenario::Mixed {
            common,
            duration,
            questions_per_second,
            votes_per_second,
            moderator_actions_per_second,
            reconnect_percent_per_minute,
            slow_percent,
            warm_up,
            observers,
        } => {
            let config = plenary_loadtest::mixed::MixedConfig {
                base: common.plenary()?,
                duration: Duration::from_secs(duration),
                questions_per_second,
                votes_per_second,
                moderator_actions_per_second,
                reconnect_percent_per_minute,
                slow_percent,
                warm_up: Duration::from_secs(warm_up),
                observers,
                server_pid: common.server_pid(),
            };
            eprintln!(
                "mixed: {} participants for {duration} s: {questions_per_second} questions/s, \
                 {votes_per_second} votes/s, {moderator_actions_per_second} changes/s, \
                 {reconnect_percent_per_minute}%/min reconnecting, {slow_percent}% slow",
                common.participants
            );
            let report = bounded(
                duration + 30,
                common.participants,
                plenary_loadtest::mixed::mixed(config),
            )
            .await?;
            let row = |name: &str, p: &plenary_loadtest::Percentiles| {
                println!(
                    "{name:<28} p50 {:>8.1}  p99 {:>8.1}  p99.9 {:>8.1}  max {:>8.1}  (n {})",
                    p.p50, p.p99, p.p999, p.max, p.count
                );
            };
            println!(
                "mixed: {} participants ({} healthy, {} slow), joined in {:.1} s, ran {:.1} s",
                report.participants,
                report.healthy,
                report.slow,
                report.join_seconds,
                report.duration_seconds
            );
            println!(
                "asked {}, votes acked {}, moderator changes {}, reconnections {} ({} by snapshot), server closes {}",
                report.questions_asked,
                report.votes_acked,
                report.moderator_actions,
                report.reconnects,
                report.snapshot_resumes,
                report.server_closes
            );
            println!("times in ms, from the moment each action was due:");
            row("visible to all (both)", &report.visible_all_ms);
            row("  question visible to all", &report.question_visible_all_ms);
            row("  change visible to all", &report.moderator_visible_all_ms);
            row("every delivery", &report.delivery_ms);
            row("vote acknowledged", &report.vote_ack_ms);
            row("vote in observers' tallies", &report.vote_visible_ms);
            println!(
                "lost / duplicated / not seen by all / lost votes / unanswered / errors  {} / {} / {} / {} / {} / {}",
                report.lost,
                report.duplicated,
                report.not_visible_to_all,
                report.lost_votes,
                report.unanswered,
                report.errors
            );
            println!("refusals {:?}", report.refusals);
            if let Some(cpu) = report.server_cpu_seconds {
                println!(
                    "server CPU {cpu:.2} s: {:.3} ms per operation",
                    report.server_cpu_ms_per_operation.unwrap_or_default()
                );
            }
            if report.slow > 0 {
                println!(
                    "slow: RSS {} MiB at the stall, {} MiB at most: {} bytes per slow participant; {} of {} closed by the server",
                    report.rss_at_stall_bytes >> 20,
                    report.rss_max_bytes >> 20,
                    report.bytes_per_slow_participant,
                    report.slow_closed_by_server,
                    report.slow
                );
                println!(
                    "slow: kernel TCP buffers {} MiB at the stall, {} MiB at most: {} bytes per slow participant",
                    report.kernel_tcp_at_stall_bytes >> 20,
                    report.kernel_tcp_max_bytes >> 20,
                    report.kernel_tcp_bytes_per_slow_participant
                );
                println!(
                    "slow: server send queues {} KiB at the stall, {} KiB at most: {} bytes per slow participant",
                    report.server_send_queue_at_stall_bytes >> 10,
                    report.server_send_queue_max_bytes >> 10,
                    report.server_send_queue_bytes_per_slow_participant
                );
            }
            common.write_json(&report)?;
            if report.lost > 0 || report.duplicated > 0 || report.lost_votes > 0 {
                bail!("events or votes were lost or duplicated");
            }
            Ok(())
        }
        Scenario::Restart {
            common,
            restart_command,
            rate,
            before,
            after,
            resume_timeout,
        } => {
            let config = plenary_loadtest::restart::RestartConfig {
                base: common.plenary()?,
                changes_per_second: rate,
                before: Duration::from_secs(before),
                after: Duration::from_secs(after),
                resume_timeout: Duration::from_secs(resume_timeout),
                restart: plenary_loadtest::restart::Restart::Command(restart_command.clone()),
            };
            eprintln!(
                "restart: {} participants, {rate} changes/s; restarting after {before} s with {restart_command:?}",
                common.participants
            );
            let report = bounded(
                before + after + resume_timeout + 60,
                common.participants,
                plenary_loadtest::restart::restart(config),
            )
            .await?;
            let row = |name: &str, p: &plenary_loadtest::Percentiles| {
                println!(
                    "{name:<26} p50 {:>8.1}  p99 {:>8.1}  max {:>8.1}  (n {})",
                    p.p50, p.p99, p.max, p.count
                );
            };
            println!(
                "restart: {} participants (joined in {:.1} s); the restart command took {:.0} ms",
                report.participants, report.join_seconds, report.restart_command_ms
            );
            println!(
                "first close → last participant resumed  {:.0} ms",
                report.all_resumed_ms
            );
            row("resume time per client ms", &report.resume_ms);
            println!(
                "resumed {} (replay {}, snapshot {}), not resumed {}; closed by the server {}, other closes {}",
                report.resumed,
                report.resumed_by_replay,
                report.resumed_by_snapshot,
                report.not_resumed,
                report.closed_by_server,
                report.other_closes
            );
            println!(
                "reconnect attempts {} ({} failed)",
                report.reconnect_attempts, report.failed_attempts
            );
            println!(
                "moderator: {} changes, {} acknowledged, {} resent, {} reconnections",
                report.changes_published,
                report.changes_acknowledged,
                report.moderator_resends,
                report.moderator_reconnects
            );
            row("due → acknowledged ms", &report.ack_ms);
            row("due → received ms", &report.delivery_ms);
            println!(
                "lost / duplicated / gaps after resume / went back / undelivered (changes) / unacknowledged / errors  {} / {} / {} / {} / {} ({}) / {} / {}",
                report.lost,
                report.duplicated,
                report.gaps_after_resume,
                report.went_back,
                report.undelivered,
                report.undelivered_changes,
                report.changes_unacknowledged,
                report.errors
            );
            common.write_json(&report)?;
            if report.lost > 0
                || report.duplicated > 0
                || report.went_back > 0
                || report.undelivered > 0
            {
                bail!(
                    "events were lost or duplicated, or acknowledged changes did not reach everyone"
                );
            }
            if report.not_resumed > 0 {
                bail!("{} participants did not resume", report.not_resumed);
            }
            Ok(())
        }
        Scenario::Idle {
            common,
            duration,
            processes,
        } => {
            if common.server_pids.is_empty() {
                bail!("--server-pid is needed to read the server's memory and CPU");
            }
            let target = common.target()?;
            let report = bounded(
                duration,
                common.participants,
                plenary_loadtest::idle::idle_run(plenary_loadtest::idle::IdleRun {
                    target,
                    participants: common.participants,
                    processes,
                    idle: Duration::from_secs(duration),
                    server_pids: common.server_pids.clone(),
                    worker_exe: None,
                }),
            )
            .await?;
            println!(
                "{}: {} of {} connected in {:.1} s ({} errors; {} generator process(es), {} server process(es))",
                report.target,
                report.connected,
                report.participants,
                report.connect_seconds,
                report.errors,
                report.processes,
                report.server_pids.len()
            );
            println!(
                "server RSS {} MiB -> {} MiB: {} bytes per connection",
                report.rss_before_bytes >> 20,
                report.rss_after_bytes >> 20,
                report.bytes_per_connection
            );
            println!(
                "idle CPU over {:.0} s: {:.2}% of a core; server RSS then {} MiB: {} bytes per connection",
                report.idle_seconds,
                report.idle_cpu_percent_of_a_core,
                report.rss_end_bytes >> 20,
                report.bytes_per_connection_at_end
            );
            common.write_json(&report)?;
            Ok(())
        }
    }
}
