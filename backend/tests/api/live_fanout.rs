//! Fan-out of the live engine to many real websocket clients: hundreds of participants and two
//! moderators in one session keep continuous sequences, see only what their audience may see,
//! end with exactly a fresh snapshot's state and the stored tallies, and get vote tallies
//! coalesced; and a client that stops reading is cut off (with a resume point) instead of
//! being buffered for, while a reading client misses nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::join_all;
use plenary::domain::qa::{DismissReason, QuestionStatus};
use plenary::live::protocol::{Command, ModerationMode, QuestionView, ServerFrame, close};
use reqwest::StatusCode;
use serde_json::json;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Message, protocol::frame::coding::CloseCode};

use crate::helpers::TestApp;
use crate::live_client::{ClientView, Joined, LiveClient, acked};
use crate::live_durability::Plenary;

both!(
    hundreds_of_clients_see_every_change_once_and_only_what_they_may,
    a_client_that_stops_reading_is_cut_off_while_others_get_everything,
    sockets_opened_while_changes_stream_in_start_where_their_snapshot_ends,
);

/// How long the driver waits for one reply or for every client to catch up.
const WAIT: Duration = Duration::from_secs(60);

/// What the test asks of a client's task.
enum Ctl {
    Send(Command, oneshot::Sender<ServerFrame>),
    /// Answer once the client's view has reached this seq.
    Sync(i64, oneshot::Sender<()>),
    /// Hand the client back and stop.
    Finish(oneshot::Sender<LiveClient>),
}

/// A client read continuously by its own task (as a browser tab would), driven by the test.
struct Driven {
    tx: mpsc::UnboundedSender<Ctl>,
    task: JoinHandle<()>,
}

impl Driven {
    fn start(mut client: LiveClient) -> Driven {
        let (tx, mut rx) = mpsc::unbounded_channel::<Ctl>();
        let task = tokio::spawn(async move {
            let mut replies: HashMap<String, oneshot::Sender<ServerFrame>> = HashMap::new();
            let mut syncs: Vec<(i64, oneshot::Sender<()>)> = Vec::new();
            loop {
                tokio::select! {
                    frame = client.try_next_frame() => {
                        // The view checked continuity and visibility while applying the frame.
                        let frame = frame.unwrap_or_else(|| {
                            panic!("the server ended a {:?} connection at seq {}", client.view.role, client.view.seq)
                        });
                        let id = match &frame {
                            ServerFrame::Ack { client_id, .. } => Some(client_id.clone()),
                            ServerFrame::Error { client_id, .. } => client_id.clone(),
                            _ => None,
                        };
                        if let Some(reply) = id.and_then(|id| replies.remove(&id)) {
                            let _ = reply.send(frame);
                        }
                    }
                    ctl = rx.recv() => match ctl {
                        None => return,
                        Some(Ctl::Send(command, reply)) => {
                            let id = client.send(command).await;
                            replies.insert(id, reply);
                        }
                        Some(Ctl::Sync(seq, done)) => syncs.push((seq, done)),
                        Some(Ctl::Finish(back)) => {
                            let _ = back.send(client);
                            return;
                        }
                    }
                }
                let seq = client.view.seq;
                let (ready, waiting): (Vec<_>, Vec<_>) =
                    syncs.into_iter().partition(|(s, _)| *s <= seq);
                syncs = waiting;
                for (_, done) in ready {
                    let _ = done.send(());
                }
            }
        });
        Driven { tx, task }
    }

    async fn command(&self, command: Command) -> ServerFrame {
        let (reply, rx) = oneshot::channel();
        let _ = self.tx.send(Ctl::Send(command, reply));
        self.wait(rx, "a reply").await
    }

    async fn sync(&self, seq: i64) {
        let (done, rx) = oneshot::channel();
        let _ = self.tx.send(Ctl::Sync(seq, done));
        self.wait(rx, &format!("catching up to seq {seq}")).await
    }

    async fn finish(self) -> LiveClient {
        let (back, rx) = oneshot::channel();
        let _ = self.tx.send(Ctl::Finish(back));
        let client = self.wait(rx, "finishing").await;
        let _ = self.task.await;
        client
    }

    async fn wait<T>(&self, rx: oneshot::Receiver<T>, what: &str) -> T {
        match tokio::time::timeout(WAIT, rx).await {
            Ok(Ok(value)) => value,
            Ok(Err(_)) => panic!("{what}: the client's task failed (its panic is printed above)"),
            Err(_) => panic!("{what}: no answer within {WAIT:?}"),
        }
    }
}

async fn last_seq(app: &TestApp, session_id: i64) -> i64 {
    sqlx::query_scalar("select last_seq from live_session where session_id = $1")
        .bind(session_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

/// Waits until every client has seen everything committed so far.
async fn sync_all(app: &TestApp, session_id: i64, clients: &[&Driven]) -> i64 {
    let seq = last_seq(app, session_id).await;
    join_all(clients.iter().map(|c| c.sync(seq))).await;
    seq
}

/// Sends `command` on each of `(client, command)` at once; returns the replies in order.
async fn all_at_once(sends: Vec<(&Driven, Command)>) -> Vec<ServerFrame> {
    join_all(sends.into_iter().map(|(c, command)| c.command(command))).await
}

const PARTICIPANTS: usize = 300;
const ASKERS: usize = 60;

async fn hundreds_of_clients_see_every_change_once_and_only_what_they_may(app: TestApp) {
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    // Two moderators (accounts made in this order, so their staff ids sort the same way).
    let moderators = [
        app.moderator()
            .await
            .cookie_header()
            .expect("a login cookie"),
        app.moderator()
            .await
            .cookie_header()
            .expect("a login cookie"),
    ];
    let staff: Vec<i64> =
        sqlx::query_scalar("select staff_id from staff where role = 'moderator' order by staff_id")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    org.put_json(
        &format!("/api/sessions/{session_id}/moderators"),
        &json!({"moderators": [
            {"staff_id": staff[0], "role": "onsite_moderator"},
            {"staff_id": staff[1], "role": "online_moderator"},
        ]}),
    )
    .await
    .expect_status(StatusCode::OK);

    // Everyone joins over HTTP and connects.
    let joined: Vec<Joined> = futures_util::stream::iter(0..PARTICIPANTS)
        .map(|i| {
            let app = app.clone();
            async move {
                app.join(session_id, &format!("Fan{}", letter_name(i)))
                    .await
            }
        })
        .buffered(16)
        .collect()
        .await;
    let clients: Vec<LiveClient> = futures_util::stream::iter(cookies(joined.iter()))
        .map(|cookie| {
            let app = app.clone();
            async move { LiveClient::connect(&app, session_id, Some(&cookie)).await }
        })
        .buffered(16)
        .collect()
        .await;
    let people: Vec<Driven> = clients.into_iter().map(Driven::start).collect();
    let mod_a = Driven::start(LiveClient::connect(&app, session_id, Some(&moderators[0])).await);
    let mod_b = Driven::start(LiveClient::connect(&app, session_id, Some(&moderators[1])).await);
    let screen = Driven::start(
        LiveClient::connect_url(
            app.socket_url(session_id, "?view=presenter"),
            None,
            &app.address,
        )
        .await,
    );
    let everyone = || {
        people
            .iter()
            .chain([&mod_a, &mod_b, &screen])
            .collect::<Vec<&Driven>>()
    };
    let mut votes_cast = 0;
    let count_votes =
        |replies: &[ServerFrame]| replies.iter().filter(|r| acked(r).0.is_some()).count();

    // Post-moderation: sixty questions are visible at once.
    acked(
        &mod_a
            .command(Command::SetModeration {
                mode: ModerationMode::Post,
            })
            .await,
    );
    let replies = all_at_once(
        (0..ASKERS)
            .map(|i| {
                (
                    &people[i],
                    ask(format!("Open question {} on data flows?", letter_name(i))),
                )
            })
            .collect(),
    )
    .await;
    let q1: Vec<i64> = replies
        .iter()
        .map(|r| {
            let (_, result) = acked(r);
            assert_eq!(result.status, Some(QuestionStatus::Approved));
            result.question_id.expect("a question id")
        })
        .collect();
    // Every participant votes on three of them; every fourth takes one vote back.
    let mut sends = Vec::new();
    for (i, p) in people.iter().enumerate() {
        for k in 0..3 {
            let question_id = q1[(i * 7 + k * 13) % ASKERS];
            sends.push((
                p,
                Command::Vote {
                    question_id,
                    up: true,
                },
            ));
        }
    }
    votes_cast += count_votes(&all_at_once(sends).await);
    let sends = people
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 4 == 0)
        .map(|(i, p)| {
            let question_id = q1[(i * 7) % ASKERS];
            (
                p,
                Command::Vote {
                    question_id,
                    up: false,
                },
            )
        })
        .collect();
    votes_cast += count_votes(&all_at_once(sends).await);
    // Both moderators at once: dismissals, answers (one), merges (the other).
    tokio::join!(
        async {
            for &question_id in &q1[0..5] {
                acked(
                    &mod_a
                        .command(Command::Dismiss {
                            question_id,
                            reason: DismissReason::OffTopic,
                        })
                        .await,
                );
            }
            for &question_id in &q1[30..33] {
                acked(&mod_a.command(Command::MarkAnswered { question_id }).await);
            }
        },
        async {
            for j in 0..5 {
                acked(
                    &mod_b
                        .command(Command::Merge {
                            question_id: q1[10 + j],
                            into: q1[20 + j],
                        })
                        .await,
                );
            }
        }
    );
    sync_all(&app, session_id, &everyone()).await;

    // Pre-moderation: sixty more wait for a moderator. Half are approved; the other half are
    // dismissed, merged or left waiting, and no other participant may ever see them.
    acked(
        &mod_b
            .command(Command::SetModeration {
                mode: ModerationMode::Pre,
            })
            .await,
    );
    let replies = all_at_once(
        (ASKERS..2 * ASKERS)
            .map(|i| {
                (
                    &people[i],
                    ask(format!("Held question {} on oversight?", letter_name(i))),
                )
            })
            .collect(),
    )
    .await;
    let q2: Vec<i64> = replies
        .iter()
        .map(|r| {
            let (_, result) = acked(r);
            assert_eq!(result.status, Some(QuestionStatus::Pending));
            result.question_id.expect("a question id")
        })
        .collect();
    let never_public: BTreeSet<i64> = q2.iter().skip(1).step_by(2).copied().collect();
    tokio::join!(
        async {
            for &question_id in q2.iter().step_by(2) {
                acked(&mod_a.command(Command::Approve { question_id }).await);
            }
            acked(
                &mod_a
                    .command(Command::Merge {
                        question_id: q2[0],
                        into: q1[40],
                    })
                    .await,
            );
            acked(
                &mod_a
                    .command(Command::ShowOnScreen {
                        question_id: Some(q1[41]),
                    })
                    .await,
            );
        },
        async {
            for &question_id in q2.iter().skip(1).step_by(2).take(10) {
                acked(
                    &mod_b
                        .command(Command::Dismiss {
                            question_id,
                            reason: DismissReason::ContactDetails,
                        })
                        .await,
                );
            }
            acked(
                &mod_b
                    .command(Command::Merge {
                        question_id: q2[21],
                        into: q2[23],
                    })
                    .await,
            );
        }
    );
    let approved: Vec<i64> = q2.iter().step_by(2).skip(1).copied().collect();
    let mut sends = Vec::new();
    for (i, p) in people.iter().enumerate() {
        for k in 0..2 {
            let question_id = approved[(i * 3 + k * 7) % approved.len()];
            sends.push((
                p,
                Command::Vote {
                    question_id,
                    up: true,
                },
            ));
        }
    }
    votes_cast += count_votes(&all_at_once(sends).await);
    acked(
        &mod_a
            .command(Command::Dismiss {
                question_id: approved[0],
                reason: DismissReason::AlreadyAnswered,
            })
            .await,
    );
    acked(
        &mod_b
            .command(Command::MarkAnswered {
                question_id: approved[1],
            })
            .await,
    );
    let final_seq = sync_all(&app, session_id, &everyone()).await;
    assert_eq!(
        final_seq,
        last_seq(&app, session_id).await,
        "nothing after the end"
    );

    let people: Vec<LiveClient> = join_all(people.into_iter().map(Driven::finish)).await;
    let mod_views = [mod_a.finish().await, mod_b.finish().await];
    let screen = screen.finish().await;

    // What is stored: each count is the number of stored votes.
    let stored: BTreeMap<i64, (i64, i64)> = sqlx::query_as::<_, (i64, i64, i64)>(
        "select q.question_id, q.votes, (select count(*) from question_vote v where v.question_id = q.question_id) \
         from question q where q.session_id = $1",
    )
    .bind(session_id)
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
    .into_iter()
    .map(|(id, votes, count)| (id, (votes, count)))
    .collect();
    for (id, (votes, count)) in &stored {
        assert_eq!(votes, count, "question {id}: its count is its stored votes");
    }

    // Every participant, and the presenter screen, shows exactly a fresh snapshot's public
    // state, with the stored tallies.
    let fresh = LiveClient::connect(&app, session_id, None).await;
    assert_eq!(fresh.view.seq, final_seq);
    let public = fresh.view.public_state();
    assert!(!public.contains_key(&approved[0]) && public.contains_key(&approved[1]));
    for (id, (_, status, votes)) in &public {
        assert!(status.is_public());
        assert_eq!(
            *votes, stored[id].1,
            "question {id}: the shown tally is the stored votes"
        );
    }
    for client in people.iter().chain([&screen]) {
        assert_eq!(client.view.seq, final_seq);
        assert_eq!(client.view.public_state(), public);
        let tallies = frames(&client.view, |f| matches!(f, ServerFrame::Tallies { .. }));
        assert!(
            tallies > 0 && tallies < votes_cast,
            "tallies are coalesced: {tallies} tally frames for {votes_cast} votes"
        );
    }
    assert_eq!(screen.view.on_screen, Some(q1[41]));
    let tallies: Vec<usize> = people
        .iter()
        .map(|c| frames(&c.view, |f| matches!(f, ServerFrame::Tallies { .. })))
        .collect();
    eprintln!(
        "fan-out: {PARTICIPANTS} participants to seq {final_seq}; {votes_cast} votes reached each \
         participant in {}..={} tally frames",
        tallies.iter().min().unwrap_or(&0),
        tallies.iter().max().unwrap_or(&0)
    );

    // Askers' own questions are exactly what a fresh snapshot of theirs lists.
    let askers: Vec<(&Joined, &LiveClient)> = joined.iter().zip(&people).take(2 * ASKERS).collect();
    let fresh_mine: Vec<BTreeMap<i64, QuestionView>> =
        futures_util::stream::iter(cookies(askers.iter().map(|(j, _)| *j)))
            .map(|cookie| {
                let app = app.clone();
                async move {
                    let client = LiveClient::connect(&app, session_id, Some(&cookie)).await;
                    client.view.mine.clone()
                }
            })
            .buffered(16)
            .collect()
            .await;
    for ((j, client), mine) in askers.iter().zip(fresh_mine) {
        assert_eq!(client.view.mine, mine, "{}'s own questions", j.handle);
    }

    // Moderators see every question exactly as a fresh moderator snapshot does.
    let fresh_mod = LiveClient::connect(&app, session_id, Some(&moderators[0])).await;
    for view in &mod_views {
        assert_eq!(view.view.seq, final_seq);
        assert_eq!(view.view.questions, fresh_mod.view.questions);
    }
    assert_eq!(fresh_mod.view.questions.len(), 2 * ASKERS);

    // A question no participant was allowed to see never reached another participant, and
    // news of one's own questions reached only their asker.
    let never_texts: BTreeSet<&str> = never_public
        .iter()
        .map(|id| fresh_mod.view.questions[id].text.as_str())
        .collect();
    for (i, client) in people.iter().enumerate() {
        let own: BTreeSet<i64> = match i {
            i if i < ASKERS => [q1[i]].into(),
            i if i < 2 * ASKERS => [q2[i - ASKERS]].into(),
            _ => BTreeSet::new(),
        };
        let snapshot = client.view.snapshot.as_ref().expect("a snapshot");
        for q in &snapshot.questions {
            assert!(!never_public.contains(&q.question_id), "{q:?}");
        }
        for frame in &client.view.frames {
            match frame {
                ServerFrame::Question { question: q, .. } => assert!(
                    !never_public.contains(&q.question_id)
                        && !never_texts.contains(q.text.as_str()),
                    "participant {i} got a question that was never approved: {q:?}"
                ),
                ServerFrame::YourQuestion { question: q, .. } => assert!(
                    own.contains(&q.question_id),
                    "participant {i} was told about someone else's question: {q:?}"
                ),
                _ => {}
            }
        }
    }
}

/// The participants' cookies, owned (streams of futures must not borrow through closures).
/// Snapshots share a public view read once for many sockets (`Hub::snapshot`). Sockets that
/// open while questions are asked, answered and voted on must still each start exactly where
/// their snapshot ends: no change missed, none twice, their own questions and votes included.
async fn sockets_opened_while_changes_stream_in_start_where_their_snapshot_ends(app: TestApp) {
    const LATE: usize = 60;
    const CHANGES: usize = 40;
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    let moderator =
        Driven::start(LiveClient::connect(&app, session_id, org.cookie_header().as_deref()).await);
    acked(
        &moderator
            .command(Command::SetModeration {
                mode: ModerationMode::Post,
            })
            .await,
    );
    // Each participant may ask five questions a minute: eight askers take turns.
    let mut askers = Vec::new();
    for i in 0..8 {
        let joined = app
            .join(session_id, &format!("Streamer{}", letter_name(i)))
            .await;
        askers.push(Driven::start(
            LiveClient::connect(&app, session_id, Some(&joined.cookie)).await,
        ));
    }
    let late: Vec<Joined> = join_all((0..LATE).map(|i| {
        let app = app.clone();
        async move {
            app.join(session_id, &format!("Late{}", letter_name(i)))
                .await
        }
    }))
    .await;

    // Half the late participants ask and vote before their sockets open (over a first socket
    // each, closed again), so their snapshots must carry their own questions and votes.
    let mut voted = Vec::new();
    for (i, j) in late.iter().enumerate().take(LATE / 2) {
        let mut first = LiveClient::connect(&app, session_id, Some(&j.cookie)).await;
        let question_id = first
            .ask(&format!("Early question {}?", letter_name(i)))
            .await;
        acked(
            &first
                .command(Command::Vote {
                    question_id,
                    up: true,
                })
                .await,
        );
        voted.push(question_id);
    }

    // The askers and the moderator keep changing the session while the late sockets open: a
    // few open during each change, so each few race one change and follow others they must
    // not miss.
    let mut chunks = late.chunks(3);
    let mut opened = Vec::new();
    let mut viewers = Vec::new();
    for i in 0..CHANGES {
        let change = async {
            let asker = &askers[i % askers.len()];
            let (_, result) = acked(
                &asker
                    .command(ask(format!("Streamed question {}?", letter_name(i))))
                    .await,
            );
            let question_id = result.question_id.expect("a question id");
            if i % 3 == 0 {
                acked(
                    &moderator
                        .command(Command::MarkAnswered { question_id })
                        .await,
                );
            }
        };
        // Three participants and a viewer (a visitor or a presenter screen, who share the
        // public view without a read of their own).
        let chunk = chunks.next();
        let opening = join_all(
            chunk
                .unwrap_or_default()
                .iter()
                .map(|j| Some(j.cookie.as_str()))
                .chain([None])
                .map(|cookie| LiveClient::connect(&app, session_id, cookie)),
        );
        let ((), mut clients) = tokio::join!(change, opening);
        viewers.push(Driven::start(clients.pop().expect("a viewer")));
        opened.extend(clients.into_iter().map(Driven::start));
    }
    assert_eq!(opened.len(), LATE, "every late socket opened");

    let everyone: Vec<&Driven> = opened
        .iter()
        .chain(&viewers)
        .chain(&askers)
        .chain([&moderator])
        .collect();
    let final_seq = sync_all(&app, session_id, &everyone).await;
    let fresh = LiveClient::connect(&app, session_id, None).await;
    assert_eq!(fresh.view.seq, final_seq);
    let public = fresh.view.public_state();
    assert_eq!(public.len(), LATE / 2 + CHANGES, "every question is public");
    drop(everyone);
    let mut late_clients = Vec::new();
    for client in opened {
        late_clients.push(client.finish().await);
    }
    for viewer in viewers {
        let viewer = viewer.finish().await;
        assert_eq!(viewer.view.seq, final_seq, "a viewer");
        assert_eq!(viewer.view.public_state(), public, "a viewer");
    }
    for (i, (j, client)) in late.iter().zip(&late_clients).enumerate() {
        // Continuity was checked frame by frame as each client applied them.
        assert_eq!(client.view.seq, final_seq, "{}", j.handle);
        assert_eq!(client.view.public_state(), public, "{}", j.handle);
        let snapshot = client.view.snapshot.as_ref().expect("a snapshot");
        if i < LATE / 2 {
            assert_eq!(snapshot.mine.len(), 1, "{}'s own question", j.handle);
            assert_eq!(snapshot.my_votes, vec![voted[i]], "{}'s vote", j.handle);
        } else {
            assert!(snapshot.mine.is_empty() && snapshot.my_votes.is_empty());
        }
    }
}

fn cookies<'a>(joined: impl Iterator<Item = &'a Joined>) -> Vec<String> {
    joined.map(|j| j.cookie.clone()).collect()
}

/// How many of a view's frames match.
fn frames(view: &ClientView, which: impl Fn(&ServerFrame) -> bool) -> usize {
    view.frames.iter().filter(|f| which(f)).count()
}

fn ask(text: String) -> Command {
    Command::Ask {
        text,
        anonymous: false,
    }
}

/// A number written in letters (digit runs in questions and handles read as phone numbers).
fn letter_name(mut n: usize) -> String {
    let mut name = String::new();
    loop {
        name.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
        if n == 0 {
            return name;
        }
    }
}

/// Reads until the view reaches the target the test sets at the end.
async fn read_until(mut client: LiveClient, mut target: watch::Receiver<i64>) -> LiveClient {
    loop {
        if client.view.seq >= *target.borrow() {
            return client;
        }
        tokio::select! {
            frame = client.try_next_frame() => {
                if frame.is_none() {
                    panic!("the reading client was cut off at seq {}", client.view.seq);
                }
            }
            changed = target.changed() => changed.expect("the test holds the target"),
        }
    }
}

type RawWs = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// A websocket whose TCP receive buffer is small, so the kernel cannot hide a backlog.
async fn open_small_buffered(url: &str, cookie: &str, origin: &str) -> RawWs {
    let mut request = url.into_client_request().expect("a websocket request");
    let headers = request.headers_mut();
    headers.insert("cookie", HeaderValue::from_str(cookie).expect("a cookie"));
    headers.insert("origin", HeaderValue::from_str(origin).expect("an origin"));
    let addr: std::net::SocketAddr = request
        .uri()
        .authority()
        .expect("host:port")
        .as_str()
        .parse()
        .expect("an IP address and port");
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    let stream = socket.connect(addr).await.expect("connect");
    let (ws, _) = tokio_tungstenite::client_async(request, stream)
        .await
        .expect("the websocket handshake");
    ws
}

/// The ring of the session in the slow-consumer test: far smaller than the changes made.
const QUEUE_CAPACITY: &str = "64";
/// Moderator edits and replies made while the slow client does not read.
const CHANGES: usize = 600;
/// Long questions, so each change is a ~16 KB frame to every participant and the changes
/// (~10 MB) far exceed what the kernel's socket buffers on loopback can hold (a few MB).
const QUESTION_CHARS: usize = 4000;

async fn a_client_that_stops_reading_is_cut_off_while_others_get_everything(app: TestApp) {
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    let mod_cookie = org.cookie_header().expect("a login cookie");
    let chars = QUESTION_CHARS.to_string();
    let server = Plenary::start(
        &app,
        &[
            ("PLENARY__LIVE__QUEUE_CAPACITY", QUEUE_CAPACITY),
            ("PLENARY__LIVE__QUESTION_MAX_CHARS", &chars),
            ("PLENARY__LIVE__MAX_MESSAGE_BYTES", "30000"),
        ],
    )
    .await;
    let url = server.socket_url(session_id);
    let mut moderator =
        LiveClient::connect_url(url.clone(), Some(&mod_cookie), &server.address).await;
    acked(
        &moderator
            .command(Command::SetModeration {
                mode: ModerationMode::Post,
            })
            .await,
    );
    let asker = app.join_via(&server.address, session_id, "Asker").await;
    let mut asker_ws =
        LiveClient::connect_url(url.clone(), Some(&asker.cookie), &server.address).await;
    let mut questions = Vec::new();
    for n in 0..4 {
        let (_, r) = acked(
            &asker_ws
                .command(ask(format!("Question {} on the record?", letter_name(n))))
                .await,
        );
        questions.push(r.question_id.expect("a question id"));
    }
    drop(asker_ws);

    // One participant reads everything; another never reads at all.
    let reader = app.join_via(&server.address, session_id, "Reader").await;
    let reader_ws =
        LiveClient::connect_url(url.clone(), Some(&reader.cookie), &server.address).await;
    let (target, target_rx) = watch::channel(i64::MAX);
    let reading = tokio::spawn(read_until(reader_ws, target_rx));
    let slow = app.join_via(&server.address, session_id, "Sleepy").await;
    let mut slow_ws = open_small_buffered(&url, &slow.cookie, &server.address).await;
    let rss_before = server.rss_kib();

    // Large frames: long edited texts and replies, many of them, a few in flight at a time.
    let mut in_flight = BTreeSet::new();
    let mut sent = 0;
    while sent < CHANGES || !in_flight.is_empty() {
        while sent < CHANGES && in_flight.len() < 16 {
            // Every question gets both long texts and replies: every frame is large.
            let question_id = questions[(sent / 2) % questions.len()];
            let name = letter_name(sent);
            let command = if sent % 2 == 0 {
                let body: String = "📜議事録"
                    .chars()
                    .cycle()
                    .take(QUESTION_CHARS - 20)
                    .collect();
                Command::Edit {
                    question_id,
                    text: format!("{name} {body}"),
                }
            } else {
                let body: String = "回答と記録".chars().cycle().take(260).collect();
                Command::Reply {
                    question_id,
                    text: format!("{name} {body}"),
                }
            };
            in_flight.insert(moderator.send(command).await);
            sent += 1;
        }
        match moderator.next_frame().await {
            ServerFrame::Ack { client_id, .. } => {
                in_flight.remove(&client_id);
            }
            frame @ ServerFrame::Error { .. } => panic!("a moderator edit was refused: {frame:?}"),
            _ => {}
        }
    }
    let rss_after = server.rss_kib();
    let final_seq = last_seq(&app, session_id).await;

    // The reading participant got every change, in order, once (its view checks each frame).
    target.send_replace(final_seq);
    let reader_ws = tokio::time::timeout(WAIT, reading)
        .await
        .expect("the reader catches up")
        .expect("the reader's task");
    assert_eq!(reader_ws.view.seq, final_seq);
    let volume: usize = reader_ws
        .view
        .frames
        .iter()
        .map(|f| serde_json::to_string(f).map_or(0, |t| t.len()))
        .sum();

    // The one that never read was cut off: it finds a continuous prefix, then either a close
    // telling it where to resume or a dropped connection, never everything.
    let mut slow_view = ClientView::default();
    let ending = loop {
        match tokio::time::timeout(WAIT, slow_ws.next()).await {
            Err(_) => panic!(
                "the slow socket is still open at seq {}: the server kept buffering for it",
                slow_view.seq
            ),
            Ok(Some(Ok(Message::Text(text)))) => {
                let frame: ServerFrame = serde_json::from_str(text.as_str()).expect("a frame");
                slow_view.apply(&frame);
                assert!(
                    slow_view.seq < final_seq,
                    "the slow client got everything: the server buffered {volume} bytes for it"
                );
            }
            Ok(Some(Ok(Message::Close(frame)))) => break frame,
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(_)) | None) => break None,
        }
    };
    // Without a close frame, it was dropped after the write timeout: also cut off.
    if let Some(CloseFrame { code, reason }) = &ending {
        assert_eq!(*code, CloseCode::from(close::FELL_BEHIND));
        assert_eq!(reason.as_str(), format!("resume:{}", slow_view.seq));
    }
    eprintln!(
        "slow consumer: cut off at seq {} of {final_seq} ({}); {volume} bytes went to the reader; \
         server RSS {rss_before} KiB -> {rss_after} KiB",
        slow_view.seq,
        match &ending {
            Some(f) => format!("close {} {}", f.code, f.reason),
            None => "dropped".into(),
        }
    );
    assert!(
        rss_after < rss_before + 64 * 1024,
        "server memory grew from {rss_before} KiB to {rss_after} KiB"
    );

    // Resuming from where it was cut off brings it to exactly what the reader has.
    let mut resumed =
        LiveClient::resume(slow_view, &url, Some(&slow.cookie), &server.address).await;
    resumed.until_seq(final_seq).await;
    assert_eq!(resumed.view.public_state(), reader_ws.view.public_state());
    server.kill_9().await;
}
