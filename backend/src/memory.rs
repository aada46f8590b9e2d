//! Giving freed heap memory back to the operating system after a wave of connections.
//!
//! glibc's allocator keeps memory that is freed inside its heaps resident. A join storm interleaves
//! each socket's long-lived allocations with short-lived ones (the HTTP join, database rows, JSON),
//! so once it is over, free pages sit between live ones and count in the process's RSS: about 3 KB
//! a connection with 10,000 idle participants (docs/BENCHMARKS.md, S1). `malloc_trim(0)` returns
//! whole free pages from anywhere in the heaps. It is called once a wave of sockets opening or
//! closing has passed, not on a timer, so an idle server does no work. The library has no unsafe
//! code: the binary supplies the call (`main.rs`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// Sockets opened or closed since start.
static CHURN: AtomicU64 = AtomicU64::new(0);

/// How often churn is looked at.
const CHECK_EVERY: Duration = Duration::from_secs(1);
/// A wave is over after this long without a socket opening or closing...
const QUIET: Duration = Duration::from_secs(2);
/// ...or, under steady churn, memory is given back at least this often.
const AT_MOST_EVERY: Duration = Duration::from_secs(30);

/// Counts a socket opening or closing.
pub fn note_churn() {
    CHURN.fetch_add(1, Ordering::Relaxed);
}

/// Whether to give memory back now: there was churn since the last time (`churn_since`), and it
/// has been quiet for [`QUIET`] or has gone on for [`AT_MOST_EVERY`].
fn due(churn_since: Option<Instant>, last_churn: Instant, now: Instant) -> bool {
    churn_since.is_some_and(|since| {
        now.duration_since(last_churn) >= QUIET || now.duration_since(since) >= AT_MOST_EVERY
    })
}

/// Runs `release` (on the blocking pool: it walks the whole heap) after each wave of churn.
pub fn spawn_release_after_churn(release: fn()) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECK_EVERY);
        let mut seen = CHURN.load(Ordering::Relaxed);
        let mut last_churn = Instant::now();
        let mut churn_since = None;
        loop {
            tick.tick().await;
            let now = Instant::now();
            let churn = CHURN.load(Ordering::Relaxed);
            if churn != seen {
                seen = churn;
                last_churn = now;
                churn_since.get_or_insert(now);
            }
            if due(churn_since, last_churn, now) {
                churn_since = None;
                let started = std::time::Instant::now();
                if tokio::task::spawn_blocking(release).await.is_ok() {
                    tracing::debug!(
                        micros = started.elapsed().as_micros() as u64,
                        "freed heap memory given back"
                    );
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_goes_back_after_a_quiet_spell_or_under_steady_churn() {
        let t0 = Instant::now();
        let s = |secs| t0 + Duration::from_secs(secs);
        // Nothing happened: nothing to do.
        assert!(!due(None, t0, s(100)));
        // A wave that ended a second ago: wait.
        assert!(!due(Some(t0), s(5), s(6)));
        // Quiet for two seconds: now.
        assert!(due(Some(t0), s(5), s(7)));
        // Churn every second for half a minute: now anyway.
        assert!(!due(Some(t0), s(29), s(29)));
        assert!(due(Some(t0), s(30), s(30)));
    }
}
