//! S8, small: an in-process server restarted under 150 participants. The old server is stopped
//! the way SIGTERM stops it (every socket closed with 1001 `resume:<seq>`), and a new one is built
//! on the same database and the same address. Asserts correctness only, never timings: every
//! participant resumes, nothing is lost or repeated, and every change the moderator saw
//! acknowledged reaches every participant.

mod common;

use std::sync::Arc;
use std::time::Duration;

use plenary_loadtest::Config;
use plenary_loadtest::restart::{Restart, RestartConfig, restart};
use tokio::sync::Mutex;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_under_load_loses_nothing_and_everyone_resumes() {
    restart_once(150, None).await;
}

/// With `replay_limit` 0 the restarted server answers any participant that missed something
/// with a fresh snapshot: the gap is refilled, and the acknowledged changes it holds count as
/// delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn participants_too_far_behind_resume_from_a_snapshot() {
    restart_once(60, Some(0)).await;
}

/// Restarts an in-process server once under `participants`, with the restarted server's
/// `live.replay_limit` set when given, and asserts that nothing was lost.
async fn restart_once(participants: usize, replay_limit: Option<i64>) {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = common::settings(dir.path());
    let cookie = common::organizer_cookie(&settings).await;
    let running = common::start(settings.clone()).await;
    let bound = running.address;
    let address = running.url();
    // The restarted server binds the same port.
    settings.server.bind = bound.to_string();
    let running = Arc::new(Mutex::new(Some(running)));
    let session_id = common::live_session(&address, &cookie).await;

    // The restart: stop the server as SIGTERM does, wait for it to finish, and start a new one
    // on the same database and address.
    let restart_slot = running.clone();
    let mut restart_settings = settings.clone();
    if let Some(limit) = replay_limit {
        restart_settings.live.replay_limit = limit;
    }
    let action = Restart::callback(move || async move {
        let old = restart_slot.lock().await.take().expect("a running server");
        old.stop().await?;
        // A real process takes a moment to come back: clients meet a closed port meanwhile.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let new = common::start(restart_settings).await;
        assert_eq!(new.address, bound, "the new server has the old address");
        *restart_slot.lock().await = Some(new);
        Ok(())
    });
    let report = restart(RestartConfig {
        base: Config {
            server: address.clone(),
            session_id,
            moderator_cookie: cookie.clone(),
            participants,
            ..Config::default()
        },
        changes_per_second: 10,
        before: Duration::from_millis(1000),
        after: Duration::from_millis(1000),
        resume_timeout: Duration::from_secs(30),
        restart: action,
    })
    .await
    .expect("the run completes");
    eprintln!("{report:#?}");

    assert_eq!(report.participants, participants, "{report:#?}");
    assert_eq!(
        (
            report.errors,
            report.lost,
            report.duplicated,
            report.went_back
        ),
        (0, 0, 0, 0),
        "{report:#?}"
    );
    assert_eq!(report.gaps_after_resume, 0, "{report:#?}");
    assert_eq!(
        (report.resumed, report.not_resumed),
        (participants, 0),
        "every participant resumed: {report:#?}"
    );
    assert_eq!(
        report.resumed_by_replay + report.resumed_by_snapshot,
        participants,
        "{report:#?}"
    );
    assert_eq!(
        report.closed_by_server, participants,
        "the server closed every socket with a resume point: {report:#?}"
    );
    assert_eq!(report.resume_ms.count, participants, "{report:#?}");
    assert!(report.changes_published > 0, "{report:#?}");
    assert_eq!(
        report.changes_acknowledged, report.changes_published,
        "the moderator got every change acknowledged: {report:#?}"
    );
    assert_eq!(
        (report.undelivered_changes, report.undelivered),
        (0, 0),
        "every acknowledged change reached every participant: {report:#?}"
    );
    assert!(report.moderator_reconnects >= 1, "{report:#?}");

    let last = running.lock().await.take().expect("the restarted server");
    let _ = tokio::time::timeout(Duration::from_secs(15), last.stop()).await;
}
