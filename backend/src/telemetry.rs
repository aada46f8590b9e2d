//! Logging: human-readable lines by default, JSON for collectors (`log.format = "json"`).
//! Logs carry fields, never question text, tokens, cookies or full addresses.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, LogSettings};

/// Installs the global subscriber. `RUST_LOG`, when set, wins over `log.level`.
pub fn init(settings: &LogSettings) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.level));
    // Colours only for a terminal: in a file or a journal the escape codes are noise, and
    // formatting them into every request's span costs the server's core (docs/BENCHMARKS.md).
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::stdout().is_terminal());
    // A second init (tests start several servers in one process) is harmless.
    let _ = match settings.format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
