//! A small run of the load test against an in-process server, to keep the program working:
//! it asserts correctness (every change reaches every participant once, in order), never
//! timings.

mod common;

use std::time::Duration;

use plenary_loadtest::broadcast::{RampConfig, RampReport, Target, ramp};
use plenary_loadtest::{Config, fan_out};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_fan_out_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let settings = common::settings(dir.path());
    let cookie = common::organizer_cookie(&settings).await;
    let running = common::start(settings).await;
    let address = running.url();
    let session_id = common::live_session(&address, &cookie).await;

    let report = fan_out(Config {
        server: address.clone(),
        session_id,
        moderator_cookie: cookie.clone(),
        participants: 200,
        actions_per_second: 20,
        duration: Duration::from_secs(2),
        // Arrivals on a schedule (S2 as bench.sh runs it); the other scenarios below join all
        // at once.
        join_rate: Some(400.0),
        ..Config::default()
    })
    .await
    .expect("the run completes");
    assert_eq!(report.errors, 0, "{report:?}");
    assert_eq!(report.lost, 0, "{report:?}");
    assert_eq!(report.duplicated, 0, "{report:?}");
    assert_eq!(
        report.deliveries,
        report.actions * 200,
        "every change reached every participant: {report:?}"
    );
    assert_eq!(report.snapshot_ms.count, 199);
    assert_eq!(report.join_rate, Some(400.0));

    // The ramp (S3/S4) against the same session: every message of every step reaches all.
    let ramp = ramp(RampConfig {
        target: Target::Plenary(Config {
            server: address.clone(),
            session_id,
            moderator_cookie: cookie.clone(),
            participants: 0,
            actions_per_second: 1,
            duration: Duration::from_secs(1),
            ..Config::default()
        }),
        participants: 50,
        rates: vec![20, 40],
        step: Duration::from_secs(1),
        server_pid: Some(std::process::id()),
    })
    .await
    .expect("the ramp completes");
    assert_every_message_reached_everyone(&ramp, 50);

    // S1: joined and idle; the figures come from this process, so only the counts are checked.
    let idle = plenary_loadtest::idle::idle(
        Target::Plenary(Config {
            server: address.clone(),
            session_id,
            moderator_cookie: cookie.clone(),
            participants: 0,
            actions_per_second: 1,
            duration: Duration::from_secs(1),
            ..Config::default()
        }),
        30,
        Duration::from_secs(1),
        std::process::id(),
    )
    .await
    .expect("the idle run completes");
    assert_eq!((idle.connected, idle.errors), (31, 0), "{idle:?}");

    // S5: a small vote storm. Every vote is acknowledged once and counted once in the tallies
    // the database holds, and the observers' tallies catch up with every vote.
    let votes = plenary_loadtest::votes::storm(plenary_loadtest::votes::VoteConfig {
        base: Config {
            server: address.clone(),
            session_id,
            moderator_cookie: cookie.clone(),
            participants: 40,
            actions_per_second: 1,
            duration: Duration::from_secs(1),
            ..Config::default()
        },
        questions: 8,
        rates: vec![40, 80],
        step: Duration::from_secs(1),
        observers: 5,
        server_pid: Some(std::process::id()),
    })
    .await
    .expect("the vote storm completes");
    assert_eq!(
        (
            votes.errors,
            votes.lost_votes,
            votes.unacknowledged_in_tallies,
            votes.unanswered
        ),
        (0, 0, 0, 0),
        "{votes:?}"
    );
    assert!(votes.refusals.is_empty(), "{votes:?}");
    assert_eq!(votes.acked, 120, "{votes:?}");
    for step in &votes.steps {
        assert_eq!(step.acked, step.sent, "{votes:?}");
    }
    assert_eq!(
        votes.tally_staleness_ms.count,
        120 * 5,
        "each observer saw each vote in its tallies: {votes:?}"
    );

    // S6 with S7's slow participants: everything at once, reconnections included. Every question
    // and change reaches every healthy participant once and in order, every acknowledged vote is
    // counted, and each resume is a replay without a gap.
    let mixed = plenary_loadtest::mixed::mixed(plenary_loadtest::mixed::MixedConfig {
        base: Config {
            server: address.clone(),
            session_id,
            moderator_cookie: cookie.clone(),
            participants: 150,
            actions_per_second: 1,
            duration: Duration::from_secs(1),
            ..Config::default()
        },
        duration: Duration::from_secs(3),
        questions_per_second: 5,
        votes_per_second: 60,
        moderator_actions_per_second: 2,
        reconnect_percent_per_minute: 400.0,
        slow_percent: 5.0,
        warm_up: Duration::from_secs(1),
        observers: 5,
        server_pid: Some(std::process::id()),
    })
    .await
    .expect("the mixed session completes");
    assert_eq!(
        (
            mixed.errors,
            mixed.lost,
            mixed.duplicated,
            mixed.lost_votes,
            mixed.unanswered,
            mixed.not_visible_to_all
        ),
        (0, 0, 0, 0, 0, 0),
        "{mixed:?}"
    );
    assert!(mixed.refusals.is_empty(), "{mixed:?}");
    assert_eq!((mixed.slow, mixed.healthy), (8, 142), "{mixed:?}");
    assert!(
        mixed.questions_asked >= 10 && mixed.moderator_actions >= 5,
        "{mixed:?}"
    );
    assert!(
        mixed.reconnects >= 20 && mixed.snapshot_resumes == 0,
        "{mixed:?}"
    );
    assert_eq!(
        mixed.visible_all_ms.count as u64,
        mixed.questions_asked + mixed.moderator_actions,
        "{mixed:?}"
    );
    assert_eq!(
        mixed.vote_visible_ms.count as u64,
        mixed.votes_acked * 5,
        "each observer saw each vote in its tallies: {mixed:?}"
    );
    let _ = tokio::time::timeout(Duration::from_secs(15), running.stop()).await;
}

fn assert_every_message_reached_everyone(report: &RampReport, receivers: u64) {
    assert_eq!(
        (report.errors, report.lost, report.duplicated),
        (0, 0, 0),
        "{report:?}"
    );
    for step in &report.steps {
        assert_eq!(step.delivered, step.sent * receivers, "{report:?}");
        assert_eq!(step.last_receive_ms.count as u64, step.sent, "{report:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_server_relays_every_message_to_everyone() {
    let listener = plenary_loadtest::reference::listen("127.0.0.1:0".parse().unwrap()).unwrap();
    let url = format!("ws://{}/ws", listener.local_addr().unwrap());
    let server = tokio::spawn(plenary_loadtest::reference::serve_on(listener));
    let report = ramp(RampConfig {
        target: Target::Reference {
            url,
            payload_bytes: 330,
            source_addresses: Vec::new(),
        },
        participants: 100,
        rates: vec![50, 100],
        step: Duration::from_secs(1),
        server_pid: None,
    })
    .await
    .expect("the ramp completes");
    assert_every_message_reached_everyone(&report, 100);
    server.abort();
}
