//! The live engine's promises across a crash of the real `plenary` binary: a `kill -9` in the
//! middle of a burst of questions and votes loses nothing that was acknowledged, stores nothing
//! twice (retries reuse their client ids), leaves no gap in the event log, and every client that
//! resumes from its last sequence number ends up with exactly what a fresh snapshot shows.

use std::collections::{BTreeMap, VecDeque};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use plenary::domain::qa::QuestionStatus;
use plenary::live::protocol::{AckResult, Command, ModerationMode, ServerFrame};
use sqlx::Row;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::Notify;

use crate::helpers::TestApp;
use crate::live_client::{ClientView, Joined, LiveClient, acked, letters, socket_url_at};

both!(
    acknowledged_questions_and_votes_survive_a_kill_9_exactly_once,
    a_retry_after_a_restart_returns_the_original_result,
);

/// The real `plenary` binary serving the test's database, as an operator runs it.
pub struct Plenary {
    child: tokio::process::Child,
    /// `http://127.0.0.1:port`, also its public URL (the Origin its websockets accept).
    pub address: String,
    pub pid: u32,
    log: Arc<Mutex<VecDeque<String>>>,
}

impl Plenary {
    /// Starts `plenary serve` on the app's database with a clean Plenary environment plus `env`,
    /// and waits until it says it is ready. Demo data is off; rate limits are out of the way.
    pub async fn start(app: &TestApp, env: &[(&str, &str)]) -> Plenary {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_plenary"));
        for (key, _) in std::env::vars() {
            if key.starts_with("PLENARY") || key == "RUST_LOG" {
                cmd.env_remove(key);
            }
        }
        cmd.arg("serve")
            .env("PLENARY__SERVER__BIND", "127.0.0.1:0")
            .env("PLENARY__SERVER__SHUTDOWN_GRACE_SECONDS", "1")
            .env("PLENARY__DATABASE__URL", &app.database_url)
            .env("PLENARY__DATABASE__DATA_DIR", app.dir.path().join("binary"))
            .env("PLENARY__DEMO__LOAD_ON_FIRST_START", "false")
            .env("PLENARY__LOG__FORMAT", "json")
            .env("PLENARY__LOG__LEVEL", "warn,plenary::cli=info")
            .env("PLENARY__LIMITS__JOINS_PER_MINUTE_PER_ADDRESS", "100000")
            .env(
                "PLENARY__LIMITS__QUESTIONS_PER_MINUTE_PER_ADDRESS",
                "100000",
            )
            .env("PLENARY__LIVE__QUESTIONS_PER_MINUTE", "10000")
            .env("PLENARY__LIVE__VOTES_PER_SECOND", "10000");
        for (key, value) in env {
            cmd.env(key, value);
        }
        let mut child = cmd
            .current_dir(app.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start plenary");
        let pid = child.id().expect("a running child");
        let log: Arc<Mutex<VecDeque<String>>> = Arc::default();
        // stderr is drained from the start, so the binary never blocks on a full pipe.
        drain(
            BufReader::new(child.stderr.take().expect("stderr")).lines(),
            log.clone(),
        );
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let ready = tokio::time::timeout(Duration::from_secs(60), async {
            while let Ok(Some(line)) = stdout.next_line().await {
                let message = serde_json::from_str::<serde_json::Value>(&line)
                    .ok()
                    .and_then(|v| v["message"].as_str().map(str::to_string))
                    .unwrap_or_default();
                remember(&log, line);
                if let Some(rest) = message.strip_prefix("Plenary is ready: open ") {
                    return rest.split(' ').next().map(str::to_string);
                }
            }
            None
        })
        .await;
        let address = match ready {
            Ok(Some(address)) => address,
            other => panic!(
                "plenary did not get ready ({other:?}); its log: {:#?}",
                log.lock().expect("log lock")
            ),
        };
        drain(stdout, log.clone());
        Plenary {
            child,
            address,
            pid,
            log,
        }
    }

    /// `kill -9`: the process gets no chance to flush, close or say goodbye.
    pub async fn kill_9(mut self) {
        // On unix, `Child::kill` sends SIGKILL and reaps the process.
        self.child.kill().await.expect("SIGKILL plenary");
    }

    /// The websocket URL of a session on this server.
    pub fn socket_url(&self, session_id: i64) -> String {
        socket_url_at(&self.address, session_id, "")
    }

    /// The server's resident set size, in KiB, from `/proc/<pid>/status`.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .expect("read /proc/<pid>/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("a VmRSS line")
    }

    /// The last lines the server logged (warnings and errors), for failure messages.
    pub fn log_tail(&self) -> Vec<String> {
        self.log.lock().expect("log lock").iter().cloned().collect()
    }
}

fn remember(log: &Mutex<VecDeque<String>>, line: String) {
    let mut log = log.lock().expect("log lock");
    if log.len() >= 200 {
        log.pop_front();
    }
    log.push_back(line);
}

fn drain<R>(mut lines: tokio::io::Lines<R>, log: Arc<Mutex<VecDeque<String>>>)
where
    R: tokio::io::AsyncBufRead + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            remember(&log, line);
        }
    });
}

/// A session with the organizer's login as its moderator: (session id, moderator cookie).
async fn session(app: &TestApp) -> (i64, String) {
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    (session_id, org.cookie_header().expect("a login cookie"))
}

/// Question text made of letters only (digit runs could read as phone numbers and be held).
fn ask(text: String) -> Command {
    Command::Ask {
        text,
        anonymous: false,
    }
}

/// How many commands a client keeps waiting for acknowledgement.
const WINDOW: usize = 4;
const PARTICIPANTS: usize = 20;
const BASE_QUESTIONS: usize = 10;
const ASKS_EACH: usize = 8;

/// One participant's part in the burst: its commands in order and what was acknowledged.
struct Script {
    joined: Joined,
    commands: Vec<(String, Command)>,
    acked: BTreeMap<String, (Option<i64>, AckResult)>,
}

enum Ended {
    /// Every command was acknowledged.
    Done,
    /// The connection went away first.
    Dropped,
}

/// Sends the script's unacknowledged commands in order, `WINDOW` at a time, recording acks.
/// Any refusal fails the test: every command here is valid.
async fn play(
    client: &mut LiveClient,
    script: &mut Script,
    acks: &AtomicUsize,
    kill_at: usize,
    kill: &Notify,
) -> Ended {
    let mut next = 0;
    let mut in_flight: Vec<String> = Vec::new();
    loop {
        while in_flight.len() < WINDOW && next < script.commands.len() {
            let (id, command) = &script.commands[next];
            next += 1;
            if script.acked.contains_key(id) {
                continue;
            }
            if !client.try_send_with_id(id, command.clone()).await {
                return Ended::Dropped;
            }
            in_flight.push(id.clone());
        }
        if in_flight.is_empty() {
            return Ended::Done;
        }
        let Some(frame) = client.try_next_frame().await else {
            return Ended::Dropped;
        };
        match frame {
            ServerFrame::Ack {
                client_id,
                seq,
                result,
            } if in_flight.contains(&client_id) => {
                in_flight.retain(|id| *id != client_id);
                script.acked.insert(client_id, (seq, result));
                if acks.fetch_add(1, Ordering::SeqCst) + 1 == kill_at {
                    kill.notify_one();
                }
            }
            ServerFrame::Error { .. } => panic!("a valid command was refused: {frame:?}"),
            _ => {}
        }
    }
}

async fn acknowledged_questions_and_votes_survive_a_kill_9_exactly_once(app: TestApp) {
    let (session_id, mod_cookie) = session(&app).await;
    let server = Plenary::start(&app, &[]).await;
    let mut moderator = LiveClient::connect_url(
        server.socket_url(session_id),
        Some(&mod_cookie),
        &server.address,
    )
    .await;
    acked(
        &moderator
            .command(Command::SetModeration {
                mode: ModerationMode::Post,
            })
            .await,
    );
    drop(moderator);

    // Twenty participants join over HTTP and connect; a few questions to vote on come first.
    let mut clients = Vec::new();
    let mut scripts = Vec::new();
    for _ in 0..PARTICIPANTS {
        let joined = app
            .join_via(&server.address, session_id, &format!("Crash{}", letters(3)))
            .await;
        let client = LiveClient::connect_url(
            server.socket_url(session_id),
            Some(&joined.cookie),
            &server.address,
        )
        .await;
        clients.push(client);
        scripts.push(Script {
            joined,
            commands: Vec::new(),
            acked: BTreeMap::new(),
        });
    }
    let mut base = Vec::new();
    for b in 0..BASE_QUESTIONS {
        let text = format!("Base question {} about the charter?", letters(8));
        let (_, r) = acked(&clients[b % PARTICIPANTS].command(ask(text)).await);
        assert_eq!(r.status, Some(QuestionStatus::Approved));
        base.push(r.question_id.expect("a question id"));
    }

    // The burst: each participant asks eight questions and votes on every base question, taking
    // some votes back and casting some again, interleaved.
    let mut expected_votes = BTreeMap::new();
    for (i, script) in scripts.iter_mut().enumerate() {
        let mut votes: Vec<Command> = Vec::new();
        for (b, &question_id) in base.iter().enumerate() {
            let mut states = vec![true];
            if (b + i) % 3 == 0 {
                states.push(false);
            }
            if (b + i) % 6 == 0 {
                states.push(true);
            }
            expected_votes.insert(
                (script.joined.participant_id, question_id),
                *states.last().expect("a vote"),
            );
            votes.extend(
                states
                    .into_iter()
                    .map(|up| Command::Vote { question_id, up }),
            );
        }
        let mut asks = (0..ASKS_EACH)
            .map(|_| ask(format!("Burst question {} on accountability?", letters(10))))
            .collect::<Vec<_>>()
            .into_iter();
        let mut n = 0;
        let mut push = |script: &mut Script, command: Command| {
            n += 1;
            script.commands.push((format!("b{i}-{n}"), command));
        };
        for (k, vote) in votes.into_iter().enumerate() {
            if k % 2 == 0 {
                if let Some(a) = asks.next() {
                    push(script, a);
                }
            }
            push(script, vote);
        }
        for a in asks {
            push(script, a);
        }
    }
    let total: usize = scripts.iter().map(|s| s.commands.len()).sum();

    // Everyone plays at once; the server is killed once two fifths are acknowledged.
    let acks = Arc::new(AtomicUsize::new(0));
    let kill = Arc::new(Notify::new());
    let kill_at = total * 2 / 5;
    let mut tasks = Vec::new();
    for (mut client, mut script) in clients.into_iter().zip(scripts) {
        let (acks, kill) = (acks.clone(), kill.clone());
        tasks.push(tokio::spawn(async move {
            if let Ended::Done = play(&mut client, &mut script, &acks, kill_at, &kill).await {
                // Finished early: keep reading until the server goes away.
                while client.try_next_frame().await.is_some() {}
            }
            (client.drop_connection().await, script)
        }));
    }
    tokio::time::timeout(Duration::from_secs(60), kill.notified())
        .await
        .expect("two fifths of the burst acknowledged within a minute");
    server.kill_9().await;
    let mut resumed = Vec::new();
    for task in tasks {
        resumed.push(task.await.expect("a client task"));
    }
    let acked_before: usize = resumed.iter().map(|(_, s)| s.acked.len()).sum();
    let acked_before_with_seq = resumed
        .iter()
        .flat_map(|(_, s)| s.acked.values())
        .filter(|(seq, _)| seq.is_some())
        .count();
    assert!(
        acked_before >= kill_at && acked_before < total,
        "the kill came in the middle of the burst: {acked_before} of {total} acknowledged"
    );

    let committed_at_kill: i64 =
        sqlx::query_scalar("select last_seq from live_session where session_id = $1")
            .bind(session_id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();

    // Restart on the same database; every client resumes from the last seq it saw, re-sends
    // its two latest acknowledged commands (they must answer as before), then retries the rest
    // with the same client ids.
    let server = Plenary::start(&app, &[]).await;
    let mut tasks = Vec::new();
    for (view, mut script) in resumed {
        let url = server.socket_url(session_id);
        let origin = server.address.clone();
        tasks.push(tokio::spawn(async move {
            let mut client =
                LiveClient::resume(view, &url, Some(&script.joined.cookie), &origin).await;
            let earlier: Vec<(String, Command)> = script
                .commands
                .iter()
                .filter(|(id, _)| script.acked.contains_key(id))
                .rev()
                .take(2)
                .cloned()
                .collect();
            for (id, command) in earlier {
                client.send_with_id(&id, command).await;
                let (seq, result) = acked(&client.reply_to(&id).await);
                assert_eq!(
                    (seq, result),
                    script.acked[&id].clone(),
                    "{id}: a retry after the restart answers as the first time"
                );
            }
            let (acks, kill) = (AtomicUsize::new(0), Notify::new());
            match play(&mut client, &mut script, &acks, 0, &kill).await {
                Ended::Done => {}
                Ended::Dropped => panic!("the restarted server dropped a client"),
            }
            (client, script)
        }));
    }
    let mut finished = Vec::new();
    for task in tasks {
        match task.await {
            Ok(done) => finished.push(done),
            Err(e) => panic!(
                "a resumed client failed: {e}; server log: {:#?}",
                server.log_tail()
            ),
        }
    }

    let lost_acks = finished
        .iter()
        .flat_map(|(_, s)| s.acked.values())
        .filter(|(seq, _)| seq.is_some_and(|seq| seq <= committed_at_kill))
        .count()
        - acked_before_with_seq;
    eprintln!(
        "kill -9 after {acked_before} of {total} acks; {lost_acks} stored but unacknowledged, \
         answered from the log on retry; seq {committed_at_kill} at the kill"
    );
    let db = &app.db.pool;
    let last_seq: i64 =
        sqlx::query_scalar("select last_seq from live_session where session_id = $1")
            .bind(session_id)
            .fetch_one(db)
            .await
            .unwrap();

    // Every acknowledged question is stored exactly once, as acknowledged.
    for (_, script) in &finished {
        assert_eq!(script.acked.len(), script.commands.len());
        for (id, command) in &script.commands {
            let (seq, result) = &script.acked[id];
            match command {
                Command::Ask { text, .. } => {
                    let rows = sqlx::query(
                        "select question_id, participant_id from question where session_id = $1 and text = $2",
                    )
                    .bind(session_id)
                    .bind(text)
                    .fetch_all(db)
                    .await
                    .unwrap();
                    assert_eq!(rows.len(), 1, "{id}: {text:?} stored once");
                    assert_eq!(Some(rows[0].get::<i64, _>(0)), result.question_id, "{id}");
                    assert_eq!(rows[0].get::<i64, _>(1), script.joined.participant_id);
                    assert_eq!(result.status, Some(QuestionStatus::Approved), "{id}");
                    // The acknowledged seq is the stored event of that question.
                    let seq = seq.expect("an ask changes something");
                    assert!(seq <= last_seq);
                    let (kind, question): (String, Option<i64>) = sqlx::query_as(
                        "select kind, question_id from live_event where session_id = $1 and seq = $2",
                    )
                    .bind(session_id)
                    .bind(seq)
                    .fetch_one(db)
                    .await
                    .unwrap_or_else(|e| panic!("{id}: no event at its seq {seq}: {e}"));
                    assert_eq!((kind.as_str(), question), ("ask", result.question_id));
                }
                Command::Vote { question_id, up } => {
                    assert_eq!(result.voted, Some(*up), "{id}");
                    assert_eq!(result.question_id, Some(*question_id), "{id}");
                }
                other => unreachable!("{other:?}"),
            }
        }
    }
    let questions: i64 = sqlx::query_scalar("select count(*) from question where session_id = $1")
        .bind(session_id)
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(
        questions as usize,
        BASE_QUESTIONS + PARTICIPANTS * ASKS_EACH,
        "retries created no duplicates"
    );

    // Each participant's standing vote is their last acknowledged one, stored once; every
    // question's count is the number of its stored votes.
    for (&(participant_id, question_id), &up) in &expected_votes {
        let stored: i64 = sqlx::query_scalar(
            "select count(*) from question_vote where participant_id = $1 and question_id = $2",
        )
        .bind(participant_id)
        .bind(question_id)
        .fetch_one(db)
        .await
        .unwrap();
        assert_eq!(
            stored,
            i64::from(up),
            "participant {participant_id}, question {question_id}"
        );
    }
    let counts = sqlx::query(
        "select q.question_id, q.votes, (select count(*) from question_vote v where v.question_id = q.question_id) \
         from question q where q.session_id = $1",
    )
    .bind(session_id)
    .fetch_all(db)
    .await
    .unwrap();
    for row in &counts {
        let (id, votes, stored): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
        assert_eq!(votes, stored, "question {id}: votes = stored votes");
    }
    for &question_id in &base {
        let up = expected_votes
            .iter()
            .filter(|((_, q), up)| *q == question_id && **up)
            .count();
        let votes: i64 = sqlx::query_scalar("select votes from question where question_id = $1")
            .bind(question_id)
            .fetch_one(db)
            .await
            .unwrap();
        assert_eq!(votes as usize, up, "question {question_id}");
    }

    // The event log holds 1..=last_seq, no gap, no repeat.
    let seqs: Vec<i64> =
        sqlx::query_scalar("select seq from live_event where session_id = $1 order by seq")
            .bind(session_id)
            .fetch_all(db)
            .await
            .unwrap();
    assert_eq!(seqs, (1..=last_seq).collect::<Vec<_>>());

    // Each resumed client (its view checked every frame for continuity) shows what a fresh
    // snapshot shows.
    let mut fresh_public = None;
    for (mut client, script) in finished {
        client.until_seq(last_seq).await;
        let fresh = LiveClient::connect_url(
            server.socket_url(session_id),
            Some(&script.joined.cookie),
            &server.address,
        )
        .await;
        assert_eq!(fresh.view.seq, last_seq);
        assert_eq!(client.view.public_state(), fresh.view.public_state());
        assert_eq!(
            mine(&client.view),
            mine(&fresh.view),
            "participant {}: own questions",
            script.joined.participant_id
        );
        let public = fresh.view.public_state();
        assert_eq!(public.len(), BASE_QUESTIONS + PARTICIPANTS * ASKS_EACH);
        if let Some(other) = &fresh_public {
            assert_eq!(&public, other);
        }
        fresh_public = Some(public);
    }
    server.kill_9().await;
}

/// The participant's own questions: (text, status, votes) by id.
fn mine(view: &ClientView) -> BTreeMap<i64, (String, QuestionStatus, i64)> {
    view.mine
        .values()
        .map(|q| (q.question_id, (q.text.clone(), q.status, q.votes)))
        .collect()
}

async fn a_retry_after_a_restart_returns_the_original_result(app: TestApp) {
    let (session_id, _) = session(&app).await;
    let server = Plenary::start(&app, &[]).await;
    let asker = app.join_via(&server.address, session_id, "Once").await;
    let mut ws = LiveClient::connect_url(
        server.socket_url(session_id),
        Some(&asker.cookie),
        &server.address,
    )
    .await;
    let question = ask("Will this be stored only once after a crash?".into());
    ws.send_with_id("once-1", question.clone()).await;
    let first = acked(&ws.reply_to("once-1").await);
    let question_id = first.1.question_id.expect("a question id");
    let last_seq_before = first.0.expect("a change");
    let _ = ws.drop_connection().await;
    server.kill_9().await;

    let server = Plenary::start(&app, &[]).await;
    // A new connection, as a client that never saw the ack would open it.
    let mut ws = LiveClient::connect_url(
        server.socket_url(session_id),
        Some(&asker.cookie),
        &server.address,
    )
    .await;
    ws.send_with_id("once-1", question).await;
    let again = acked(&ws.reply_to("once-1").await);
    assert_eq!(
        again, first,
        "the original result, same question id and seq"
    );
    let stored: Vec<i64> =
        sqlx::query_scalar("select question_id from question where session_id = $1 and text = $2")
            .bind(session_id)
            .bind("Will this be stored only once after a crash?")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(stored, vec![question_id]);
    let last_seq: i64 =
        sqlx::query_scalar("select last_seq from live_session where session_id = $1")
            .bind(session_id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(last_seq, last_seq_before, "the retry changed nothing");
    assert_eq!(first.1.status, Some(QuestionStatus::Pending));
    assert_eq!(ws.view.mine[&question_id].status, QuestionStatus::Pending);
    server.kill_9().await;
}
