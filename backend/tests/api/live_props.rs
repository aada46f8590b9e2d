//! Property test of the whole live engine: random sequences of participant and moderator
//! commands, sent over real websockets to a real server, never show a pending or dismissed
//! question to a participant (the client model asserts it on every frame), keep every client's
//! sequence continuous, and end with tallies equal to the stored votes and every client's view
//! equal to a fresh snapshot.

use plenary::domain::qa::DismissReason;
use plenary::live::protocol::{Command, ModerationMode};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

use crate::helpers::{Backend, TestApp};
use crate::live_client::LiveClient;

const PARTICIPANTS: usize = 4;

#[derive(Debug, Clone)]
enum Op {
    Ask {
        who: usize,
        contact: bool,
        anonymous: bool,
    },
    Vote {
        who: usize,
        q: usize,
        up: bool,
    },
    Withdraw {
        who: usize,
        q: usize,
    },
    Approve(usize),
    Dismiss(usize),
    Answer(usize),
    Reopen(usize),
    Merge(usize, usize),
    OnScreen(usize),
    Edit(usize),
    Mode(bool),
}

fn op() -> impl Strategy<Value = Op> {
    let who = 0..PARTICIPANTS;
    let q = 0usize..12;
    prop_oneof![
        3 => (who.clone(), proptest::bool::weighted(0.2), any::<bool>())
            .prop_map(|(who, contact, anonymous)| Op::Ask { who, contact, anonymous }),
        4 => (who.clone(), q.clone(), proptest::bool::weighted(0.8)).prop_map(|(who, q, up)| Op::Vote { who, q, up }),
        1 => (who, q.clone()).prop_map(|(who, q)| Op::Withdraw { who, q }),
        3 => q.clone().prop_map(Op::Approve),
        1 => q.clone().prop_map(Op::Dismiss),
        1 => q.clone().prop_map(Op::Answer),
        1 => q.clone().prop_map(Op::Reopen),
        1 => (q.clone(), q.clone()).prop_map(|(a, b)| Op::Merge(a, b)),
        1 => q.clone().prop_map(Op::OnScreen),
        1 => q.prop_map(Op::Edit),
        1 => any::<bool>().prop_map(Op::Mode),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_command_sequences_keep_every_promise() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let org = app.organizer().await;
    let mod_cookie = org.cookie_header().expect("an organizer cookie");
    let programme = app.programme(&org).await;
    let mut runner = TestRunner::deterministic();
    let strategy = proptest::collection::vec(op(), 10..40);
    for case in 0..12 {
        let ops = strategy.new_tree(&mut runner).expect("a case").current();
        let session = org
            .post_json(
                &programme.sessions_url(),
                &programme.session(
                    200 + case,
                    &format!("Case {case}"),
                    &format!("2025-06-2{} {}:00", 3 + case % 5, 9 + case / 5 * 2),
                    60,
                ),
            )
            .await;
        assert_eq!(
            session.status,
            reqwest::StatusCode::CREATED,
            "{}",
            session.text
        );
        let session_id = session.body["session"]["session_id"]
            .as_i64()
            .expect("session_id");
        run_case(&app, session_id, &mod_cookie, &ops).await;
    }
    app.teardown().await;
}

async fn run_case(app: &TestApp, session_id: i64, mod_cookie: &str, ops: &[Op]) {
    let mut moderator = LiveClient::connect(app, session_id, Some(mod_cookie)).await;
    let mut people = Vec::new();
    let mut cookies = Vec::new();
    for i in 0..PARTICIPANTS {
        let joined = app.join(session_id, &format!("P{i}x")).await;
        people.push(LiveClient::connect(app, session_id, Some(&joined.cookie)).await);
        cookies.push(joined.cookie);
    }
    let mut watcher = LiveClient::connect(app, session_id, None).await;
    let mut questions: Vec<i64> = Vec::new();
    let pick =
        |qs: &Vec<i64>, i: usize| qs.get(i % qs.len().max(1)).copied().unwrap_or(i as i64 + 1);
    for (n, op) in ops.iter().enumerate() {
        let frame = match op.clone() {
            Op::Ask {
                who,
                contact,
                anonymous,
            } => {
                let text = if contact {
                    format!("Question {n}: mail me at kid{n}@example.org")
                } else {
                    format!("Question {n}?")
                };
                people[who].command(Command::Ask { text, anonymous }).await
            }
            Op::Vote { who, q, up } => {
                people[who]
                    .command(Command::Vote {
                        question_id: pick(&questions, q),
                        up,
                    })
                    .await
            }
            Op::Withdraw { who, q } => {
                people[who]
                    .command(Command::Withdraw {
                        question_id: pick(&questions, q),
                    })
                    .await
            }
            Op::Approve(q) => {
                moderator
                    .command(Command::Approve {
                        question_id: pick(&questions, q),
                    })
                    .await
            }
            Op::Dismiss(q) => {
                moderator
                    .command(Command::Dismiss {
                        question_id: pick(&questions, q),
                        reason: DismissReason::OffTopic,
                    })
                    .await
            }
            Op::Answer(q) => {
                moderator
                    .command(Command::MarkAnswered {
                        question_id: pick(&questions, q),
                    })
                    .await
            }
            Op::Reopen(q) => {
                moderator
                    .command(Command::Reopen {
                        question_id: pick(&questions, q),
                    })
                    .await
            }
            Op::Merge(a, b) => {
                moderator
                    .command(Command::Merge {
                        question_id: pick(&questions, a),
                        into: pick(&questions, b),
                    })
                    .await
            }
            Op::OnScreen(q) => {
                moderator
                    .command(Command::ShowOnScreen {
                        question_id: Some(pick(&questions, q)),
                    })
                    .await
            }
            Op::Edit(q) => {
                moderator
                    .command(Command::Edit {
                        question_id: pick(&questions, q),
                        text: format!("Edited {n}?"),
                    })
                    .await
            }
            Op::Mode(post) => {
                let mode = if post {
                    ModerationMode::Post
                } else {
                    ModerationMode::Pre
                };
                moderator.command(Command::SetModeration { mode }).await
            }
        };
        if let (Op::Ask { .. }, plenary::live::protocol::ServerFrame::Ack { result, .. }) =
            (op, &frame)
        {
            questions.push(result.question_id.expect("an ask's ack names the question"));
        }
    }
    let last_seq: i64 =
        sqlx::query_scalar("select last_seq from live_session where session_id = $1")
            .bind(session_id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    moderator.until_seq(last_seq).await;
    watcher.until_seq(last_seq).await;
    for p in people.iter_mut() {
        p.until_seq(last_seq).await;
    }
    // Tallies equal the stored votes, and every client's count agrees.
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
        "select q.question_id, q.votes, (select count(*) from question_vote v where v.question_id = q.question_id) \
         from question q where q.session_id = $1",
    )
    .bind(session_id)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    for (id, votes, stored) in &rows {
        assert_eq!(
            votes, stored,
            "question {id}: counter and stored votes differ"
        );
        if let Some(q) = watcher.view.questions.get(id) {
            assert_eq!(q.votes, *votes, "question {id}: a viewer's tally is stale");
        }
        if let Some(q) = moderator.view.questions.get(id) {
            assert_eq!(
                q.votes, *votes,
                "question {id}: the moderator's tally is stale"
            );
        }
    }
    // Each view built from frames equals a fresh snapshot for the same audience.
    let fresh_viewer = LiveClient::connect(app, session_id, None).await;
    assert_eq!(
        watcher.view.public_state(),
        fresh_viewer.view.public_state()
    );
    assert_eq!(watcher.view.on_screen, fresh_viewer.view.on_screen);
    for (p, cookie) in people.iter().zip(&cookies) {
        let fresh = LiveClient::connect(app, session_id, Some(cookie)).await;
        assert_eq!(p.view.public_state(), fresh.view.public_state());
        let mine = |v: &crate::live_client::ClientView| {
            v.mine
                .values()
                .map(|q| (q.question_id, q.status, q.dismiss_reason, q.merged_into))
                .collect::<Vec<_>>()
        };
        assert_eq!(mine(&p.view), mine(&fresh.view), "an asker's own questions");
    }
    let fresh_mod = LiveClient::connect(app, session_id, Some(mod_cookie)).await;
    let statuses = |v: &crate::live_client::ClientView| {
        v.questions
            .values()
            .map(|q| (q.question_id, q.status, q.votes, q.text.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(statuses(&moderator.view), statuses(&fresh_mod.view));
    // A client replaying the whole log from the start ends in the same place.
    let replayed = crate::live_client::ClientView {
        role: watcher.view.role,
        ..Default::default()
    };
    let mut replayed = LiveClient::resume(
        replayed,
        &app.socket_url(session_id, ""),
        None,
        &app.address,
    )
    .await;
    replayed.until_seq(last_seq).await;
    assert_eq!(
        replayed.view.public_state(),
        fresh_viewer.view.public_state()
    );
}
