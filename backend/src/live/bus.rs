//! The bus between instances: PostgreSQL LISTEN/NOTIFY.
//!
//! A writer that commits live changes sends `NOTIFY plenary_live, '<session_id>:<seq>'` in the
//! same transaction (PostgreSQL delivers it at commit, and only then). Every instance listens; when
//! a notice names a session with a hub here, that hub's writer reads the changes it has not
//! broadcast yet from `live_event` and sends them to its own sockets, in order. The notice carries
//! no content: the event log stays the only truth, so a lost notice costs latency, never data
//! (the next change, local or remote, catches up on everything before it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::watch;

use super::hub::Hub;

/// The channel live notices travel on.
pub const CHANNEL: &str = "plenary_live";

/// The notice payload for a committed batch.
pub fn payload(session_id: i64, seq: i64) -> String {
    format!("{session_id}:{seq}")
}

fn parse(payload: &str) -> Option<(i64, i64)> {
    let (session, seq) = payload.split_once(':')?;
    Some((session.parse().ok()?, seq.parse().ok()?))
}

/// Listens until shutdown, handing each notice to the hub of its session (if this instance has
/// one: an instance without sockets for a session has nobody to tell).
pub async fn listen(
    url: String,
    hubs: Arc<Mutex<HashMap<i64, Arc<Hub>>>>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut backoff = Duration::from_millis(200);
    loop {
        let mut listener = match PgListener::connect(&url).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "live bus: cannot connect; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = shutdown.changed() => return,
                }
                backoff = (backoff * 2).min(Duration::from_secs(10));
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "live bus: LISTEN failed; retrying");
            tokio::time::sleep(backoff).await;
            continue;
        }
        backoff = Duration::from_millis(200);
        loop {
            tokio::select! {
                notice = listener.recv() => match notice {
                    Ok(notice) => {
                        let Some((session_id, seq)) = parse(notice.payload()) else {
                            tracing::warn!("live bus: unreadable notice ignored");
                            continue;
                        };
                        let hub = hubs
                            .lock()
                            .expect("the hub map is never poisoned: no code panics while holding it")
                            .get(&session_id)
                            .cloned();
                        if let Some(hub) = hub {
                            hub.committed_elsewhere(seq);
                        }
                    }
                    // PgListener reconnects by itself on the next recv; notices sent meanwhile
                    // are caught up by the next one.
                    Err(e) => {
                        tracing::warn!(error = %e, "live bus: connection lost; reconnecting");
                        break;
                    }
                },
                _ = shutdown.changed() => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_and_junk_is_refused() {
        assert_eq!(parse(&payload(12, 3456)), Some((12, 3456)));
        for junk in ["", "12", "a:b", "12:", ":3", "1:2:3"] {
            assert_eq!(parse(junk), None, "{junk}");
        }
    }
}
