//! Live Q&A over real websockets: joining, asking, moderating, votes and merges, resume,
//! idempotent retries, authorisation, and the handshake's and parser's defences.

use plenary::domain::qa::{DismissReason, QuestionStatus};
use plenary::live::protocol::{
    AckResult, Command, ErrorCode, ModerationMode, QaState, Role, ServerFrame,
};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;
use crate::live_client::letters;
use crate::live_client::{LiveClient, acked, close_code, open, refused};

both!(
    joins_at_once_are_all_stored_and_each_handle_is_given_once,
    a_pre_moderated_question_reaches_participants_only_after_approval,
    a_post_moderated_question_is_visible_at_once_unless_it_holds_contact_details,
    votes_and_merges_give_exact_tallies,
    in_one_batch_a_state_change_holds_for_the_commands_after_it,
    in_one_batch_an_erasure_reaches_what_the_participant_asked_before_it,
    in_one_batch_a_retried_client_id_gets_the_first_result,
    a_retried_submission_is_stored_once,
    a_participant_cannot_send_moderator_commands,
    a_resumed_client_misses_nothing_and_gets_nothing_twice,
    moderators_run_the_floor_queue_and_participants_see_their_place,
    qa_states_and_the_presenter_screen_follow_the_moderator,
    dismissal_reasons_reach_the_asker_and_the_disposition_summary,
);

/// The writer reads the live state once per batch for asks and votes: a moderator's change
/// earlier in the same batch must still hold for them, and a vote before it must not see it.
async fn in_one_batch_a_state_change_holds_for_the_commands_after_it(app: TestApp) {
    use plenary::live::store::{Actor, ApplyError, Writer};
    let (session_id, mod_cookie) = live_setup(&app).await;
    let mut moderator = LiveClient::connect(&app, session_id, Some(&mod_cookie)).await;
    let asker = app.join(session_id, "Asker").await;
    let voter = app.join(session_id, "Voter").await;
    let mut asking = LiveClient::connect(&app, session_id, Some(&asker.cookie)).await;
    let question_id = acked(
        &asking
            .command(Command::Ask {
                text: "Who checks the age gates?".into(),
                anonymous: false,
            })
            .await,
    )
    .1
    .question_id
    .unwrap();
    acked(&moderator.command(Command::Approve { question_id }).await);
    let staff_id: i64 =
        sqlx::query_scalar("select max(staff_id) from staff where role = 'moderator'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let vote = |up| Command::Vote { question_id, up };
    let mut tx = app.db.pool.begin().await.unwrap();
    let mut writer = Writer::begin(&mut tx, session_id, batch_limits())
        .await
        .unwrap();
    // Voting is open: the vote counts (and the state read with the batch is now reused).
    let first = writer
        .apply(Actor::Participant(voter.participant_id), &vote(true))
        .await;
    assert!(
        matches!(first, Ok(ref a) if a.result.votes == Some(1)),
        "{first:?}"
    );
    // The moderator closes the Q&A in the same batch; the next vote must see it.
    let closed = writer
        .apply(
            Actor::Moderator(staff_id),
            &Command::SetQaState {
                state: QaState::Closed,
            },
        )
        .await;
    assert!(closed.is_ok(), "{closed:?}");
    let after = writer
        .apply(Actor::Participant(voter.participant_id), &vote(false))
        .await;
    assert!(
        matches!(after, Err(ApplyError::Refused(ref r)) if r.code == ErrorCode::QaClosed),
        "{after:?}"
    );
    let ask = writer
        .apply(
            Actor::Participant(asker.participant_id),
            &Command::Ask {
                text: "And now?".into(),
                anonymous: false,
            },
        )
        .await;
    assert!(
        matches!(ask, Err(ApplyError::Refused(ref r)) if r.code == ErrorCode::QaClosed),
        "{ask:?}"
    );
    // Nothing of this batch is kept: the Q&A is still open and the vote not counted.
    drop(writer);
    tx.rollback().await.unwrap();
    let mut voting = LiveClient::connect(&app, session_id, Some(&voter.cookie)).await;
    let (_, result) = acked(&voting.command(vote(true)).await);
    assert_eq!(result.votes, Some(1));
}

fn batch_limits() -> plenary::live::store::EngineLimits {
    plenary::live::store::EngineLimits {
        question_chars: 500,
        reply_chars: 280,
        questions_per_minute: 100,
        risk_words: std::sync::Arc::from(Vec::new()),
    }
}

/// One new command through a batch's writer as the session's writer task takes it: no earlier
/// result for its client id, applied, its changes recorded and its result remembered. Returns
/// the acknowledgement's (seq, result).
async fn apply_new(
    writer: &mut plenary::live::store::Writer<'_>,
    actor: plenary::live::store::Actor,
    client_id: &str,
    command: &Command,
) -> (Option<i64>, AckResult) {
    assert!(
        writer
            .earlier_result(actor, client_id, command)
            .await
            .unwrap()
            .is_none()
    );
    let applied = writer.apply(actor, command).await.unwrap();
    for change in &applied.changes {
        writer.record(change).unwrap();
    }
    let seq = applied.changes.last().map(|c| c.seq);
    writer
        .remember(actor, client_id, seq, &applied.result)
        .unwrap();
    (seq, applied.result)
}

/// Asks and votes append their event-log rows, which wait to be written with the batch's
/// others; an erasure later in the same batch rewrites the log, so it must find them written.
async fn in_one_batch_an_erasure_reaches_what_the_participant_asked_before_it(app: TestApp) {
    use plenary::live::store::{Actor, Writer};
    let (session_id, _) = live_setup(&app).await;
    let asker = app.join(session_id, "Asker").await;
    let me = Actor::Participant(asker.participant_id);
    let text = "Where do I report the account that follows my sister?";
    let mut tx = app.db.pool.begin().await.unwrap();
    let mut writer = Writer::begin(&mut tx, session_id, batch_limits())
        .await
        .unwrap();
    let ask = Command::Ask {
        text: text.into(),
        anonymous: false,
    };
    apply_new(&mut writer, me, "ask-1", &ask).await;
    apply_new(&mut writer, me, "erase-1", &Command::EraseMyData).await;
    assert!(writer.finish().await.unwrap().is_some());
    drop(writer);
    tx.commit().await.unwrap();
    let pattern = format!("%{}%", &text[..20]);
    let kept: i64 = sqlx::query_scalar(
        "select count(*) from live_event where session_id = $1 and (for_all like $2 \
         or for_moderators like $2 or for_owners like $2)",
    )
    .bind(session_id)
    .bind(&pattern)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        kept, 0,
        "the erased question's text is still in the event log"
    );
    let events: i64 = sqlx::query_scalar("select count(*) from live_event where session_id = $1")
        .bind(session_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(events >= 2, "the ask and the erasure are both in the log");
}

/// A result waiting to be written with its batch is found by a retry in the same batch.
async fn in_one_batch_a_retried_client_id_gets_the_first_result(app: TestApp) {
    use plenary::live::store::{Actor, Writer};
    let (session_id, _) = live_setup(&app).await;
    let asker = app.join(session_id, "Asker").await;
    // Joined before the batch: on SQLite the batch's transaction holds the write lock.
    let other = app.join(session_id, "Other").await;
    let me = Actor::Participant(asker.participant_id);
    let ask = Command::Ask {
        text: "Will the minutes name the youth delegates?".into(),
        anonymous: false,
    };
    let mut tx = app.db.pool.begin().await.unwrap();
    let mut writer = Writer::begin(&mut tx, session_id, batch_limits())
        .await
        .unwrap();
    let (seq, result) = apply_new(&mut writer, me, "same", &ask).await;
    let again = writer.earlier_result(me, "same", &ask).await.unwrap();
    assert_eq!(again, Some((seq, result.clone())));
    // Another participant's identical client id is theirs alone.
    assert!(
        writer
            .earlier_result(Actor::Participant(other.participant_id), "same", &ask)
            .await
            .unwrap()
            .is_none()
    );
    writer.finish().await.unwrap();
    drop(writer);
    tx.commit().await.unwrap();
    let (questions, results): (i64, i64) = (
        sqlx::query_scalar("select count(*) from question where session_id = $1")
            .bind(session_id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap(),
        sqlx::query_scalar("select count(*) from live_command where session_id = $1")
            .bind(session_id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap(),
    );
    assert_eq!((questions, results), (1, 1));
    // After the commit the retry is answered from the database, with the same result.
    let mut tx = app.db.pool.begin().await.unwrap();
    let mut writer = Writer::begin(&mut tx, session_id, batch_limits())
        .await
        .unwrap();
    let stored = writer.earlier_result(me, "same", &ask).await.unwrap();
    assert_eq!(stored, Some((seq, result)));
}

/// A session with one assigned moderator and an organizer; returns (session, moderator cookie).
async fn live_setup(app: &TestApp) -> (i64, String) {
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    let moderator = app.moderator().await;
    let staff_id: i64 =
        sqlx::query_scalar("select max(staff_id) from staff where role = 'moderator'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    org.put_json(
        &format!("/api/sessions/{session_id}/moderators"),
        &json!({"moderators": [{"staff_id": staff_id, "role": "online_moderator"}]}),
    )
    .await
    .expect_status(StatusCode::OK);
    (
        session_id,
        moderator.cookie_header().expect("a login cookie"),
    )
}

async fn a_pre_moderated_question_reaches_participants_only_after_approval(app: TestApp) {
    let (session_id, mod_cookie) = live_setup(&app).await;
    let mut moderator = LiveClient::connect(&app, session_id, Some(&mod_cookie)).await;
    assert_eq!(moderator.view.role, Some(Role::Moderator));
    let asker = app.join(session_id, "Asker").await;
    let mut asker_ws = LiveClient::connect(&app, session_id, Some(&asker.cookie)).await;
    assert_eq!(asker_ws.view.role, Some(Role::Participant));
    let other = app.join(session_id, "Other").await;
    let mut other_ws = LiveClient::connect(&app, session_id, Some(&other.cookie)).await;
    let mut screen = LiveClient::connect_url(
        app.socket_url(session_id, "?view=presenter"),
        Some(&mod_cookie),
        &app.address,
    )
    .await;
    assert_eq!(
        screen.view.role,
        Some(Role::Viewer),
        "the presenter screen never gets moderator frames"
    );

    let ack = asker_ws
        .command(Command::Ask {
            text: "How do we hear from children themselves?".into(),
            anonymous: true,
        })
        .await;
    let (seq, result) = acked(&ack);
    let question_id = result.question_id.unwrap();
    assert_eq!(result.status, Some(QuestionStatus::Pending));
    let seq = seq.unwrap();

    // The moderator sees it pending; others get only a skip for that sequence number.
    moderator.until_seq(seq).await;
    assert_eq!(
        moderator.view.questions[&question_id].status,
        QuestionStatus::Pending
    );
    assert!(
        moderator.view.questions[&question_id].handle.is_some(),
        "moderators see the handle"
    );
    other_ws.until_seq(seq).await;
    assert!(other_ws.view.questions.is_empty());
    assert!(matches!(
        other_ws.view.frames.last(),
        Some(ServerFrame::Skip { .. })
    ));
    asker_ws.until_seq(seq).await;
    assert_eq!(
        asker_ws.view.mine[&question_id].status,
        QuestionStatus::Pending
    );

    let (seq, _) = acked(&moderator.command(Command::Approve { question_id }).await);
    let seq = seq.unwrap();
    for client in [&mut other_ws, &mut screen] {
        client.until_seq(seq).await;
        let q = &client.view.questions[&question_id];
        assert_eq!(q.status, QuestionStatus::Approved);
        assert_eq!(q.handle, None, "asked anonymously");
        assert_eq!(q.participant_id, None);
    }
    asker_ws.until_seq(seq).await;
    assert_eq!(
        asker_ws.view.mine[&question_id].status,
        QuestionStatus::Approved
    );

    // A fresh participant's snapshot agrees with what the connected ones built from events.
    let late = app.join(session_id, "Late").await;
    let late_ws = LiveClient::connect(&app, session_id, Some(&late.cookie)).await;
    assert_eq!(late_ws.view.public_state(), other_ws.view.public_state());
}

async fn a_post_moderated_question_is_visible_at_once_unless_it_holds_contact_details(
    app: TestApp,
) {
    let (session_id, mod_cookie) = live_setup(&app).await;
    let mut moderator = LiveClient::connect(&app, session_id, Some(&mod_cookie)).await;
    acked(
        &moderator
            .command(Command::SetModeration {
                mode: ModerationMode::Post,
            })
            .await,
    );
    let p = app.join(session_id, "Post").await;
    let mut ws = LiveClient::connect(&app, session_id, Some(&p.cookie)).await;
    let watcher = app.join(session_id, "Watch").await;
    let mut watcher_ws = LiveClient::connect(&app, session_id, Some(&watcher.cookie)).await;

    let (_, visible) = acked(
        &ws.command(Command::Ask {
            text: "Who audits age assurance?".into(),
            anonymous: false,
        })
        .await,
    );
    assert_eq!(visible.status, Some(QuestionStatus::Approved));
    let (seq, held) = acked(
        &ws.command(Command::Ask {
            text: "Text me on +44 7700 900123 to talk more".into(),
            anonymous: false,
        })
        .await,
    );
    assert_eq!(
        held.status,
        Some(QuestionStatus::Pending),
        "contact details are held even in post-moderation"
    );
    watcher_ws.until_seq(seq.unwrap()).await;
    assert_eq!(
        watcher_ws
            .view
            .questions
            .keys()
            .copied()
            .collect::<Vec<_>>(),
        vec![visible.question_id.unwrap()]
    );
    assert_eq!(
        watcher_ws.view.questions[&visible.question_id.unwrap()]
            .handle
            .as_deref(),
        Some(p.handle.as_str())
    );
    moderator.until_seq(seq.unwrap()).await;
    assert_eq!(
        moderator.view.questions[&held.question_id.unwrap()].held_for,
        "phone"
    );
}

async fn votes_and_merges_give_exact_tallies(app: TestApp) {
    let (session_id, mod_cookie) = live_setup(&app).await;
    let mut moderator = LiveClient::connect(&app, session_id, Some(&mod_cookie)).await;
    let mut people = Vec::new();
    for i in 0..6 {
        let p = app.join(session_id, &format!("Voter{i}")).await;
        people.push(LiveClient::connect(&app, session_id, Some(&p.cookie)).await);
    }
    let a = acked(
        &people[0]
            .command(Command::Ask {
                text: "What about encryption?".into(),
                anonymous: false,
            })
            .await,
    )
    .1
    .question_id
    .unwrap();
    let b = acked(
        &people[1]
            .command(Command::Ask {
                text: "And end-to-end encryption?".into(),
                anonymous: false,
            })
            .await,
    )
    .1
    .question_id
    .unwrap();
    acked(&moderator.command(Command::Approve { question_id: a }).await);
    acked(&moderator.command(Command::Approve { question_id: b }).await);
    // Voters 2..5 vote for a; 3..5 and 0 vote for b; voter 2 votes twice for a (counted once).
    for (i, q) in [
        (2, a),
        (3, a),
        (4, a),
        (5, a),
        (3, b),
        (4, b),
        (5, b),
        (0, b),
        (2, a),
    ] {
        let (_, r) = acked(
            &people[i]
                .command(Command::Vote {
                    question_id: q,
                    up: true,
                })
                .await,
        );
        assert_eq!(r.voted, Some(true));
    }
    // Voter 5 takes back the vote on b.
    let (_, r) = acked(
        &people[5]
            .command(Command::Vote {
                question_id: b,
                up: false,
            })
            .await,
    );
    assert_eq!(r.votes, Some(3));
    // Merge b into a: voters of b who had not voted for a (0) come along; 3 and 4 count once.
    let (seq, merged) = acked(
        &moderator
            .command(Command::Merge {
                question_id: b,
                into: a,
            })
            .await,
    );
    assert_eq!(merged.votes, Some(5), "a had 2,3,4,5; b brings 0");
    let seq = seq.unwrap();
    for client in people.iter_mut() {
        client.until_seq(seq).await;
        assert_eq!(client.view.questions[&a].votes, 5);
        assert!(!client.view.questions.contains_key(&b));
    }
    let stored: i64 =
        sqlx::query_scalar("select count(*) from question_vote where question_id = $1")
            .bind(a)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(stored, 5);
    // Both askers were told.
    assert_eq!(people[1].view.mine[&b].status, QuestionStatus::Merged);
    assert_eq!(people[1].view.mine[&b].merged_into, Some(a));
    assert!(people[0].view.frames.iter().any(|f| matches!(
        f,
        ServerFrame::YourQuestion {
            notice: Some(plenary::live::protocol::Notice::DuplicateMergedIn),
            ..
        }
    )));
    // Votes on a merged question are refused.
    assert_eq!(
        refused(
            &people[2]
                .command(Command::Vote {
                    question_id: b,
                    up: true
                })
                .await
        ),
        ErrorCode::InvalidState
    );
}

async fn a_retried_submission_is_stored_once(app: TestApp) {
    let (session_id, _) = live_setup(&app).await;
    let p = app.join(session_id, "Retry").await;
    let mut ws = LiveClient::connect(&app, session_id, Some(&p.cookie)).await;
    let ask = Command::Ask {
        text: "Is this stored once?".into(),
        anonymous: false,
    };
    ws.send_with_id("retry-1", ask.clone()).await;
    let first = ws.reply_to("retry-1").await;
    // The retry arrives on a new connection, as after a network drop.
    let mut ws = ws.reconnect().await;
    ws.send_with_id("retry-1", ask).await;
    let second = ws.reply_to("retry-1").await;
    assert_eq!(acked(&first), acked(&second));
    assert_eq!(app.count("question").await, 1);
}

async fn a_participant_cannot_send_moderator_commands(app: TestApp) {
    let (session_id, mod_cookie) = live_setup(&app).await;
    let p = app.join(session_id, "Sneaky").await;
    let mut ws = LiveClient::connect(&app, session_id, Some(&p.cookie)).await;
    let (_, r) = acked(
        &ws.command(Command::Ask {
            text: "Approve me?".into(),
            anonymous: false,
        })
        .await,
    );
    let question_id = r.question_id.unwrap();
    for command in [
        Command::Approve { question_id },
        Command::ShowOnScreen {
            question_id: Some(question_id),
        },
        Command::SetQaState {
            state: QaState::Closed,
        },
        Command::Backstage {
            text: "hello".into(),
        },
        Command::CallNext,
    ] {
        assert_eq!(refused(&ws.command(command).await), ErrorCode::Forbidden);
    }
    // A viewer (no join) cannot ask; a moderator cannot vote.
    let mut viewer = LiveClient::connect(&app, session_id, None).await;
    assert_eq!(
        refused(
            &viewer
                .command(Command::Ask {
                    text: "x?".into(),
                    anonymous: false
                })
                .await
        ),
        ErrorCode::Forbidden
    );
    let mut moderator = LiveClient::connect(&app, session_id, Some(&mod_cookie)).await;
    assert_eq!(
        refused(
            &moderator
                .command(Command::Vote {
                    question_id,
                    up: true
                })
                .await
        ),
        ErrorCode::Forbidden
    );
    let status: String = sqlx::query_scalar("select status from question where question_id = $1")
        .bind(question_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "pending");
    // A moderator whose assignment is removed loses the right with the next command.
    let org = app.organizer().await;
    org.put_json(
        &format!("/api/sessions/{session_id}/moderators"),
        &json!({"moderators": []}),
    )
    .await
    .expect_status(StatusCode::OK);
    assert_eq!(
        refused(&moderator.command(Command::Approve { question_id }).await),
        ErrorCode::Forbidden
    );
}

async fn a_resumed_client_misses_nothing_and_gets_nothing_twice(app: TestApp) {
    let (session_id, mod_cookie) = live_setup(&app).await;
    let mut moderator = LiveClient::connect(&app, session_id, Some(&mod_cookie)).await;
    acked(
        &moderator
            .command(Command::SetModeration {
                mode: ModerationMode::Post,
            })
            .await,
    );
    let asker = app.join(session_id, "Busy").await;
    let mut asker_ws = LiveClient::connect(&app, session_id, Some(&asker.cookie)).await;
    let flaky = app.join(session_id, "Flaky").await;
    let mut flaky_ws = LiveClient::connect(&app, session_id, Some(&flaky.cookie)).await;
    let (seq, r) = acked(
        &asker_ws
            .command(Command::Ask {
                text: "First?".into(),
                anonymous: false,
            })
            .await,
    );
    flaky_ws.until_seq(seq.unwrap()).await;
    let first = r.question_id.unwrap();
    let view = flaky_ws.drop_connection().await;

    // While the flaky client is away: questions, votes, a dismissal, a pending one, a state change.
    let second = acked(
        &asker_ws
            .command(Command::Ask {
                text: "Second?".into(),
                anonymous: false,
            })
            .await,
    )
    .1
    .question_id
    .unwrap();
    acked(
        &asker_ws
            .command(Command::Vote {
                question_id: first,
                up: true,
            })
            .await,
    );
    acked(
        &moderator
            .command(Command::Dismiss {
                question_id: second,
                reason: DismissReason::OffTopic,
            })
            .await,
    );
    acked(
        &moderator
            .command(Command::SetModeration {
                mode: ModerationMode::Pre,
            })
            .await,
    );
    acked(
        &asker_ws
            .command(Command::Ask {
                text: "Third, pending?".into(),
                anonymous: false,
            })
            .await,
    );
    let (last, _) = acked(
        &moderator
            .command(Command::MarkAnswered { question_id: first })
            .await,
    );

    let mut flaky_ws = LiveClient::resume(
        view,
        &app.socket_url(session_id, ""),
        Some(&flaky.cookie),
        &app.address,
    )
    .await;
    flaky_ws.until_seq(last.unwrap()).await;
    // The view built from the resumed stream equals a fresh snapshot.
    let fresh = LiveClient::connect(&app, session_id, Some(&flaky.cookie)).await;
    assert_eq!(flaky_ws.view.public_state(), fresh.view.public_state());
    assert_eq!(
        flaky_ws.view.questions[&first].status,
        QuestionStatus::Answered
    );
    assert_eq!(flaky_ws.view.questions[&first].votes, 1);
    assert!(!flaky_ws.view.questions.contains_key(&second));
    // A resume at the latest seq has nothing to replay: the presence count comes first, then
    // the next change, with no gap.
    let caught_up = flaky_ws.drop_connection().await;
    let mut again = LiveClient::resume(
        caught_up,
        &app.socket_url(session_id, ""),
        Some(&flaky.cookie),
        &app.address,
    )
    .await;
    let frame = again.next_frame().await;
    assert!(matches!(frame, ServerFrame::Presence { .. }), "{frame:?}");
    let (next, _) = acked(
        &moderator
            .command(Command::SetModeration {
                mode: ModerationMode::Post,
            })
            .await,
    );
    again.until_seq(next.expect("a seq")).await;
    // A resume point the session never reached gets a fresh snapshot instead.
    let odd = crate::live_client::ClientView {
        seq: 999_999,
        ..Default::default()
    };
    let mut odd =
        LiveClient::resume(odd, &app.socket_url(session_id, ""), None, &app.address).await;
    let frame = odd.next_frame().await;
    assert!(matches!(frame, ServerFrame::Snapshot(_)), "{frame:?}");
}

async fn moderators_run_the_floor_queue_and_participants_see_their_place(app: TestApp) {
    let (session_id, mod_cookie) = live_setup(&app).await;
    let mut moderator = LiveClient::connect(&app, session_id, Some(&mod_cookie)).await;
    let mut hands = Vec::new();
    for (name, group, region) in [
        ("Gov1", "government", "weog"),
        ("Gov2", "government", "weog"),
        ("Civ1", "civil_society", "african"),
    ] {
        let p = app
            .join_with(session_id, json!({
                "handle": format!("{name}{}", crate::live_client::letters(4)), "age_band": "18_plus",
                "attendance": "onsite", "stakeholder_group": group, "regional_group": region,
                "accept_code_of_conduct": true,
            }))
            .await;
        let mut ws = LiveClient::connect(&app, session_id, Some(&p.cookie)).await;
        let (_, r) = acked(&ws.command(Command::RaiseHand).await);
        hands.push((ws, r.entry_id.unwrap()));
    }
    let (seq, _) = acked(
        &moderator
            .command(Command::SetFloorOrder {
                order: plenary::live::protocol::FloorOrder::Balanced,
            })
            .await,
    );
    let ids: Vec<i64> = hands.iter().map(|(_, id)| *id).collect();
    let (ws, _) = &mut hands[1];
    ws.until_seq(seq.unwrap()).await;
    assert_eq!(
        ws.view.waiting_floor,
        vec![ids[0], ids[2], ids[1]],
        "civil society comes before a second government speaker"
    );
    let (seq, r) = acked(&moderator.command(Command::CallNext).await);
    assert_eq!(r.entry_id, Some(ids[0]));
    let (ws, _) = &mut hands[2];
    ws.until_seq(seq.unwrap()).await;
    assert_eq!(ws.view.speaking, Some(ids[0]));
    assert_eq!(
        ws.view.waiting_floor.iter().position(|&e| e == ids[2]),
        Some(0),
        "first in line now"
    );
    acked(
        &moderator
            .command(Command::SkipSpeaker { entry_id: ids[2] })
            .await,
    );
    acked(&moderator.command(Command::ClearFloor).await);
    assert!(
        moderator.view.waiting_floor.is_empty() || {
            moderator
                .until("floor cleared", |v| v.waiting_floor.is_empty())
                .await;
            true
        }
    );
    assert_eq!(
        refused(&moderator.command(Command::CallNext).await),
        ErrorCode::NotFound
    );
}

async fn qa_states_and_the_presenter_screen_follow_the_moderator(app: TestApp) {
    let (session_id, mod_cookie) = live_setup(&app).await;
    let mut moderator = LiveClient::connect(&app, session_id, Some(&mod_cookie)).await;
    let p = app.join(session_id, "Stateful").await;
    let mut ws = LiveClient::connect(&app, session_id, Some(&p.cookie)).await;
    let mut screen = LiveClient::connect_url(
        app.socket_url(session_id, "?view=presenter"),
        None,
        &app.address,
    )
    .await;
    let q = acked(
        &ws.command(Command::Ask {
            text: "On screen?".into(),
            anonymous: false,
        })
        .await,
    )
    .1
    .question_id
    .unwrap();
    assert_eq!(
        refused(
            &moderator
                .command(Command::ShowOnScreen {
                    question_id: Some(q)
                })
                .await
        ),
        ErrorCode::InvalidState,
        "pending cannot go on screen"
    );
    acked(&moderator.command(Command::Approve { question_id: q }).await);
    let (seq, _) = acked(
        &moderator
            .command(Command::ShowOnScreen {
                question_id: Some(q),
            })
            .await,
    );
    screen.until_seq(seq.unwrap()).await;
    assert_eq!(screen.view.on_screen, Some(q));
    // Dismissing the question on screen clears the screen.
    let (seq, _) = acked(
        &moderator
            .command(Command::Dismiss {
                question_id: q,
                reason: DismissReason::OutOfTime,
            })
            .await,
    );
    screen.until_seq(seq.unwrap()).await;
    assert_eq!(screen.view.on_screen, None);
    assert!(screen.view.questions.is_empty());

    acked(
        &moderator
            .command(Command::SetQaState {
                state: QaState::VotingOnly,
            })
            .await,
    );
    assert_eq!(
        refused(
            &ws.command(Command::Ask {
                text: "Now?".into(),
                anonymous: false
            })
            .await
        ),
        ErrorCode::QaClosed
    );
    acked(
        &moderator
            .command(Command::SetQaState {
                state: QaState::Paused,
            })
            .await,
    );
    assert_eq!(
        refused(&ws.command(Command::RaiseHand).await).clone(),
        ErrorCode::QaClosed
    );
    acked(
        &moderator
            .command(Command::SetQaState {
                state: QaState::Open,
            })
            .await,
    );
    acked(
        &ws.command(Command::Ask {
            text: "Now it works?".into(),
            anonymous: false,
        })
        .await,
    );
    // Backstage notes reach moderators only.
    let (seq, _) = acked(
        &moderator
            .command(Command::Backstage {
                text: "Take the online queue next".into(),
            })
            .await,
    );
    ws.until_seq(seq.unwrap()).await;
    let second_moderator = LiveClient::connect(&app, session_id, Some(&mod_cookie)).await;
    assert_eq!(
        second_moderator
            .view
            .snapshot
            .as_ref()
            .unwrap()
            .backstage
            .len(),
        1
    );
}

async fn dismissal_reasons_reach_the_asker_and_the_disposition_summary(app: TestApp) {
    let (session_id, mod_cookie) = live_setup(&app).await;
    let mut moderator = LiveClient::connect(&app, session_id, Some(&mod_cookie)).await;
    let p = app.join(session_id, "Told").await;
    let mut ws = LiveClient::connect(&app, session_id, Some(&p.cookie)).await;
    let mut ids = Vec::new();
    for text in ["One?", "Two?", "Three?", "Four?"] {
        ids.push(
            acked(
                &ws.command(Command::Ask {
                    text: text.into(),
                    anonymous: false,
                })
                .await,
            )
            .1
            .question_id
            .unwrap(),
        );
    }
    let (seq, _) = acked(
        &moderator
            .command(Command::Dismiss {
                question_id: ids[0],
                reason: DismissReason::OffTopic,
            })
            .await,
    );
    acked(
        &moderator
            .command(Command::Approve {
                question_id: ids[1],
            })
            .await,
    );
    acked(
        &moderator
            .command(Command::MarkAnswered {
                question_id: ids[1],
            })
            .await,
    );
    acked(
        &moderator
            .command(Command::Approve {
                question_id: ids[2],
            })
            .await,
    );
    acked(
        &moderator
            .command(Command::Merge {
                question_id: ids[3],
                into: ids[2],
            })
            .await,
    );
    ws.until_seq(seq.unwrap()).await;
    assert_eq!(
        ws.view.mine[&ids[0]].dismiss_reason,
        Some(DismissReason::OffTopic)
    );
    let summary = app
        .anonymous()
        .get(&format!("/api/sessions/{session_id}/live/disposition"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(summary.body["asked"], 4);
    assert_eq!(summary.body["approved"], 2);
    assert_eq!(summary.body["answered"], 1);
    assert_eq!(summary.body["merged"], 1);
    assert_eq!(summary.body["dismissed"], 1);
    assert_eq!(summary.body["dismissed_by_reason"]["off_topic"], 1);
    // The asker cannot withdraw someone else's question, and can withdraw their own.
    let other = app.join(session_id, "Other").await;
    let mut other_ws = LiveClient::connect(&app, session_id, Some(&other.cookie)).await;
    assert_eq!(
        refused(
            &other_ws
                .command(Command::Withdraw {
                    question_id: ids[2]
                })
                .await
        ),
        ErrorCode::Forbidden
    );
    acked(
        &ws.command(Command::Withdraw {
            question_id: ids[2],
        })
        .await,
    );
}

/// Every participant's socket asks whether its participant asked anything; erasure, removal,
/// the data export and the retention purge look up a participant's questions and floor entries:
/// found by index, not by reading every session's rows (3.7 ms a socket with 20,000 questions
/// stored; docs/BENCHMARKS.md).
#[tokio::test]
async fn a_participants_questions_and_floor_entries_are_found_by_index() {
    use sqlx::Row;
    let Some(app) = TestApp::spawn(crate::helpers::Backend::Sqlite).await else {
        return;
    };
    for (table, index) in [
        ("question", "question_participant"),
        ("floor_entry", "floor_entry_participant"),
    ] {
        let plan: Vec<String> = sqlx::query(&format!(
            "explain query plan select 1 from participant p where p.participant_id = 1 \
             and exists (select 1 from {table} t where t.participant_id = p.participant_id)"
        ))
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<String, _>(3).unwrap())
        .collect();
        assert!(plan.iter().any(|step| step.contains(index)), "{plan:?}");
        assert!(
            !plan.iter().any(|step| step.starts_with("SCAN t")),
            "{plan:?}"
        );
    }
    app.teardown().await;
}

#[tokio::test]
async fn a_foreign_origin_is_refused_at_the_handshake() {
    let Some(app) = TestApp::spawn(crate::helpers::Backend::Sqlite).await else {
        return;
    };
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    let url = app.socket_url(session_id, "");
    let refused = open(&url, None, Some("http://evil.example")).await;
    assert!(
        refused.is_err(),
        "a foreign Origin must not get a websocket"
    );
    let suffix = open(&url, None, Some(&format!("{}.evil.example", app.address))).await;
    assert!(suffix.is_err(), "no prefix or suffix matching");
    assert!(open(&url, None, Some(&app.address)).await.is_ok());
    app.teardown().await;
}

#[tokio::test]
async fn oversized_and_malformed_frames_get_an_error_or_a_close() {
    let Some(app) = TestApp::spawn(crate::helpers::Backend::Sqlite).await else {
        return;
    };
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    let p = app.join(session_id, "Fuzzy").await;
    let mut ws = LiveClient::connect(&app, session_id, Some(&p.cookie)).await;
    for (text, code) in [
        ("{not json", ErrorCode::Malformed),
        (
            r#"{"type":"explode","client_id":"x1"}"#,
            ErrorCode::UnknownType,
        ),
        (
            r#"{"type":"vote","client_id":"x2","question_id":"seven","up":true}"#,
            ErrorCode::Malformed,
        ),
    ] {
        ws.send_text(text).await;
        let frame = ws.next_change_or_reply().await;
        assert_eq!(refused(&frame), code, "{text}");
    }
    let long = "é".repeat(501);
    assert_eq!(
        refused(
            &ws.command(Command::Ask {
                text: long,
                anonymous: false
            })
            .await
        ),
        ErrorCode::InvalidText
    );
    assert_eq!(
        refused(
            &ws.command(Command::Ask {
                text: "right\u{202E}to left".into(),
                anonymous: false
            })
            .await
        ),
        ErrorCode::InvalidText
    );
    // Still connected and working after all that.
    acked(
        &ws.command(Command::Ask {
            text: "Still here?".into(),
            anonymous: false,
        })
        .await,
    );
    // A frame above the limit closes the connection with 1009.
    ws.send_text(&format!(
        r#"{{"type":"ask","client_id":"big","text":"{}"}}"#,
        "a".repeat(10_000)
    ))
    .await;
    let mut close = None;
    while let Some(message) = ws.next_message().await {
        if let Some(c) = close_code(Some(message)) {
            close = Some(c);
            break;
        }
    }
    assert_eq!(close.map(|c| c.0), Some(1009));
    assert_eq!(app.count("question").await, 1);
    app.teardown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_reach_the_clients_of_every_instance() {
    // Two instances sharing PostgreSQL, as behind a load balancer: each fans out to its own
    // sockets what either commits, in one order, through LISTEN/NOTIFY and the event log.
    let Some(app) = TestApp::spawn(crate::helpers::Backend::Postgres).await else {
        return;
    };
    let (session_id, mod_cookie) = live_setup(&app).await;
    let second = app.another_instance().await;
    let second_url = |session_id: i64| {
        format!(
            "{}/live/sessions/{session_id}/socket",
            second.replacen("http://", "ws://", 1)
        )
    };
    let mut moderator =
        LiveClient::connect_url(second_url(session_id), Some(&mod_cookie), &second).await;
    let here = app.join(session_id, "Here").await;
    let mut here_ws = LiveClient::connect(&app, session_id, Some(&here.cookie)).await;
    let there = app.join(session_id, "There").await;
    let mut there_ws =
        LiveClient::connect_url(second_url(session_id), Some(&there.cookie), &second).await;

    let mut asked = Vec::new();
    for i in 0..5 {
        let (_, r) = acked(
            &here_ws
                .command(Command::Ask {
                    text: format!("From here {i}?"),
                    anonymous: false,
                })
                .await,
        );
        asked.push(r.question_id.unwrap());
        let (_, r) = acked(
            &there_ws
                .command(Command::Ask {
                    text: format!("From there {i}?"),
                    anonymous: false,
                })
                .await,
        );
        asked.push(r.question_id.unwrap());
    }
    for &question_id in &asked {
        acked(&moderator.command(Command::Approve { question_id }).await);
    }
    acked(
        &here_ws
            .command(Command::Vote {
                question_id: asked[1],
                up: true,
            })
            .await,
    );
    let (last, _) = acked(
        &there_ws
            .command(Command::Vote {
                question_id: asked[0],
                up: true,
            })
            .await,
    );
    let (last2, _) = acked(
        &moderator
            .command(Command::MarkAnswered {
                question_id: asked[0],
            })
            .await,
    );
    let last = last.unwrap().max(last2.unwrap());
    for client in [&mut here_ws, &mut there_ws, &mut moderator] {
        client.until_seq(last).await;
    }
    assert_eq!(here_ws.view.public_state(), there_ws.view.public_state());
    assert_eq!(here_ws.view.questions.len(), 10);
    assert_eq!(
        here_ws.view.questions[&asked[0]].status,
        QuestionStatus::Answered
    );
    assert_eq!(there_ws.view.questions[&asked[1]].votes, 1);
    app.teardown().await;
}

both!(the_demo_session_is_mid_discussion);

async fn the_demo_session_is_mid_discussion(app: TestApp) {
    plenary::seed::load(&app.db).await.expect("the demo loads");
    let session_id: i64 = sqlx::query_scalar("select session_id from live_session")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let viewer = LiveClient::connect(&app, session_id, None).await;
    let snapshot = viewer.view.snapshot.clone().unwrap();
    assert_eq!(
        snapshot.questions.len(),
        4,
        "four approved or answered; the held one is not shown"
    );
    assert_eq!(snapshot.state.on_screen, Some(1));
    assert_eq!(snapshot.floor.waiting.len(), 2);
    assert_eq!(viewer.view.questions[&1].votes, 5);
    assert_eq!(viewer.view.questions[&3].status, QuestionStatus::Answered);
    assert_eq!(viewer.view.questions[&3].handle, None, "asked anonymously");
    let org = app.organizer().await;
    let moderator = LiveClient::connect(&app, session_id, org.cookie_header().as_deref()).await;
    assert_eq!(moderator.view.questions[&5].held_for, "email");
    // Replaying the demo's log from the start gives the same state as its snapshot.
    let replayed = LiveClient::resume(
        Default::default(),
        &app.socket_url(session_id, ""),
        None,
        &app.address,
    )
    .await;
    let mut replayed = replayed;
    replayed.until_seq(snapshot.seq).await;
    assert_eq!(replayed.view.public_state(), viewer.view.public_state());
}

both!(moderation_is_written_to_an_append_only_audit_log_without_content);

async fn moderation_is_written_to_an_append_only_audit_log_without_content(app: TestApp) {
    let (session_id, mod_cookie) = live_setup(&app).await;
    let mut moderator = LiveClient::connect(&app, session_id, Some(&mod_cookie)).await;
    let p = app.join(session_id, "Audited").await;
    let mut ws = LiveClient::connect(&app, session_id, Some(&p.cookie)).await;
    let secret = "A question whose words must never reach the audit log?";
    let q = acked(
        &ws.command(Command::Ask {
            text: secret.into(),
            anonymous: false,
        })
        .await,
    )
    .1
    .question_id
    .unwrap();
    acked(
        &moderator
            .command(Command::Edit {
                question_id: q,
                text: "Redacted words?".into(),
            })
            .await,
    );
    acked(
        &moderator
            .command(Command::Dismiss {
                question_id: q,
                reason: DismissReason::ContactDetails,
            })
            .await,
    );
    acked(
        &moderator
            .command(Command::SetQaState {
                state: QaState::Paused,
            })
            .await,
    );
    acked(
        &moderator
            .command(Command::Backstage {
                text: "private words for moderators".into(),
            })
            .await,
    );
    // Refused commands and participants' own actions are not moderation.
    refused(
        &moderator
            .command(Command::MarkAnswered { question_id: q })
            .await,
    );

    let org = app.organizer().await;
    let log = org
        .get(&format!("/api/sessions/{session_id}/audit"))
        .await
        .expect_status(StatusCode::OK);
    let actions: Vec<(&str, &str, &str)> = log
        .body
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["target"].as_str().unwrap(),
                e["reason"].as_str().unwrap(),
            )
        })
        .collect();
    let target = format!("question:{q}");
    let session = format!("session:{session_id}");
    assert_eq!(
        actions,
        vec![
            ("edit", target.as_str(), ""),
            ("dismiss", target.as_str(), "contact_details"),
            ("set_qa_state", session.as_str(), "paused"),
            ("backstage_note", session.as_str(), ""),
        ]
    );
    assert!(log.body[0]["actor"].as_str().unwrap().starts_with("staff:"));
    assert_eq!(log.body[0]["actor_name"], "Test Staff");
    for word in ["question whose", "Redacted", "private words"] {
        assert!(
            !log.text.contains(word),
            "the audit log holds content: {word}"
        );
    }
    // Participants and moderators cannot read it; nobody can change it.
    app.moderator()
        .await
        .get(&format!("/api/sessions/{session_id}/audit"))
        .await
        .expect_status(StatusCode::FORBIDDEN);
    for sql in ["update audit_log set reason = 'x'", "delete from audit_log"] {
        let result = sqlx::query(sql).execute(&app.db.pool).await;
        assert!(result.is_err(), "{sql} must be refused");
    }
    assert_eq!(app.count("audit_log").await, 4);
}

/// A busy session's snapshot can be far larger than a socket's write buffer cap was (64 KiB at
/// first: about 350 questions). It must still arrive whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_larger_than_64_kib_arrives_whole() {
    let Some(app) = TestApp::spawn_configured(crate::helpers::Backend::Sqlite, |s| {
        s.live.question_max_chars = 4_000;
        s.live.max_message_bytes = 16_384;
        s.live.questions_per_minute = 100;
        s.limits.questions_per_minute_per_address = 1_000;
    })
    .await
    else {
        return;
    };
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    let asker = app.join(session_id, "Asker").await;
    let mut ws = LiveClient::connect(&app, session_id, Some(&asker.cookie)).await;
    let sentence = "How can platforms design for children's rights without collecting more data? ";
    let text = sentence.repeat(3_900 / sentence.len());
    for _ in 0..20 {
        ws.ask(&text).await;
    }
    drop(ws);
    let fresh = LiveClient::connect(&app, session_id, Some(&asker.cookie)).await;
    let snapshot = fresh.view.snapshot.as_ref().expect("a snapshot");
    assert_eq!(snapshot.mine.len(), 20);
    let bytes = serde_json::to_string(snapshot).unwrap().len();
    assert!(bytes > 70_000, "the snapshot is only {bytes} bytes");
}

/// The socket address answers anything that is not a websocket handshake with a status and a
/// sentence saying what is missing, and opens nothing.
#[tokio::test]
async fn the_socket_address_refuses_what_is_not_a_websocket_handshake() {
    let Some(app) = TestApp::spawn(crate::helpers::Backend::Sqlite).await else {
        return;
    };
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    let url = format!("{}/live/sessions/{session_id}/socket", app.address);
    let http = reqwest::Client::new();
    let handshake = async |version: &str, key: Option<&str>| {
        let mut request = http
            .get(&url)
            .header("connection", "keep-alive, Upgrade")
            .header("upgrade", "websocket")
            .header("sec-websocket-version", version);
        if let Some(key) = key {
            request = request.header("sec-websocket-key", key);
        }
        request.send().await.unwrap()
    };
    // RFC 6455's own example key and its signature.
    let key = Some("dGhlIHNhbXBsZSBub25jZQ==");

    let plain = http.get(&url).send().await.unwrap();
    assert_eq!(plain.status(), 426);
    assert!(plain.text().await.unwrap().contains("Upgrade: websocket"));

    let old = handshake("8", key).await;
    assert_eq!(old.status(), 426);
    assert_eq!(old.headers()["sec-websocket-version"], "13");

    let keyless = handshake("13", None).await;
    assert_eq!(keyless.status(), 400);
    assert!(keyless.text().await.unwrap().contains("Sec-WebSocket-Key"));

    let accepted = handshake("13", key).await;
    assert_eq!(accepted.status(), 101);
    assert_eq!(
        accepted.headers()["sec-websocket-accept"],
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
}

/// Joins are stored many to a commit (`participants::JoinWriter`). Sixty people joining at once
/// all get their own participant; of ten who pick the same handle (or a look-alike), exactly one
/// gets it and the others are told to choose another, and nothing else is stored.
async fn joins_at_once_are_all_stored_and_each_handle_is_given_once(app: TestApp) {
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    let tag = letters(6);
    let same = [
        format!("Same {tag}"),
        format!("same {tag}"),
        format!("SAME {tag}"),
        format!("Same  {tag}"),
    ];
    let handles: Vec<String> = (0..50)
        .map(|i| format!("Own {tag} {}", letters(4) + &"x".repeat(i % 7)))
        .chain((0..10).map(|i| same[i % same.len()].clone()))
        .collect();
    // A join as the API takes it, to any session.
    let join = |session_id: i64, handle: String| {
        let client = app.anonymous();
        async move {
            client
                .post_json(
                    &format!("/api/sessions/{session_id}/live/participants"),
                    &json!({"handle": handle, "age_band": "13_15", "attendance": "online",
                        "accept_code_of_conduct": true}),
                )
                .await
        }
    };
    let replies =
        futures_util::future::join_all(handles.iter().map(|h| join(session_id, h.clone()))).await;
    let mut ids = std::collections::BTreeSet::new();
    for (handle, reply) in handles.iter().zip(&replies).take(50) {
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "{handle}: {}",
            reply.text
        );
        assert!(ids.insert(reply.body["participant_id"].as_i64().expect("an id")));
    }
    let same_replies = &replies[50..];
    let winners = same_replies
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert_eq!(winners, 1, "one of the look-alike handles is given");
    for reply in same_replies
        .iter()
        .filter(|r| r.status != StatusCode::CREATED)
    {
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.text
        );
        assert_eq!(reply.body["error"], "validation_failed");
        assert_eq!(reply.body["fields"][0]["field"], "handle");
    }
    let stored: i64 = sqlx::query_scalar("select count(*) from participant where session_id = $1")
        .bind(session_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, 51);

    // No such session: 404. Nor once a session is deleted after its hub started (the join
    // then skips the live-state check, and the insert finds no session).
    let late = || format!("Late {}", letters(5));
    assert_eq!(
        join(i64::from(i32::MAX), late()).await.status,
        StatusCode::NOT_FOUND
    );
    let _watching = LiveClient::connect(&app, session_id, None).await;
    sqlx::query("delete from session where session_id = $1")
        .bind(session_id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let gone = join(session_id, late()).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.text);
}
