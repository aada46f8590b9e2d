//! `plenary-loadtest`: plays many participants and a moderator against a running Plenary.
//!
//!     cargo run --release -p plenary-loadtest -- fanout --server http://127.0.0.1:8080 \
//!         --session 13 --moderator-cookie '__Host-plenary-staff=…' --participants 1000
//!
//! See docs/BENCHMARKS.md for how to start the server for a run and what each figure means.
#![forbid(unsafe_code)]

use std::time::Duration;

use anyhow::Context;
use clap::{Parser, ValueEnum};
use plenary_loadtest::{Config, cpu_seconds, fan_out, rss_bytes};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Scenario {
    /// S2 then S3: a join storm, then one moderator's changes fanned out to everyone.
    Fanout,
}

#[derive(Debug, Parser)]
#[command(version, about = "Load test for Plenary's live Q&A")]
struct Args {
    scenario: Scenario,
    /// The server, as http://host:port.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    server: String,
    /// The live session to use.
    #[arg(long)]
    session: i64,
    /// An organizer's or assigned moderator's login cookie, `name=value`.
    #[arg(long, env = "PLENARY_LOADTEST_COOKIE")]
    moderator_cookie: String,
    #[arg(long, default_value_t = 500)]
    participants: usize,
    /// Moderator changes per second during the fan-out.
    #[arg(long, default_value_t = 10)]
    rate: u32,
    /// Seconds of fan-out.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// The server's process id, to read its CPU time and memory from /proc.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Also write the report as JSON here.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let config = Config {
        server: args.server.trim_end_matches('/').to_string(),
        session_id: args.session,
        moderator_cookie: args.moderator_cookie.clone(),
        participants: args.participants,
        actions_per_second: args.rate,
        duration: Duration::from_secs(args.duration),
    };
    let cpu_before = args.server_pid.and_then(cpu_seconds);
    let rss_before = args.server_pid.and_then(rss_bytes);
    eprintln!(
        "{:?}: {} participants, {} changes/s for {} s against {}",
        args.scenario, args.participants, args.rate, args.duration, config.server
    );
    // Bounded: a run that does not finish in its own time plus a minute stops itself.
    let limit = Duration::from_secs(args.duration + 60 + args.participants as u64 / 100);
    let mut report = tokio::time::timeout(limit, fan_out(config))
        .await
        .context("the run took too long and was stopped")??;
    if let (Some(pid), Some(before)) = (args.server_pid, cpu_before) {
        report.server_cpu_seconds = cpu_seconds(pid).map(|after| after - before);
    }
    let rss_after = args.server_pid.and_then(rss_bytes);
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
        report.latency_ms.p50, report.latency_ms.p99, report.latency_ms.p999, report.latency_ms.max
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
    if let Some(path) = args.json {
        std::fs::write(&path, serde_json::to_vec_pretty(&report)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if report.lost > 0 || report.duplicated > 0 {
        anyhow::bail!("events were lost or duplicated");
    }
    Ok(())
}
