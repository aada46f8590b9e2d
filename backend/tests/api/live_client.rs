//! A real websocket client of the live protocol for tests, and a model of what a client has
//! seen that checks the protocol's promises on every frame: sequence numbers continuous, nothing
//! twice, never a question the receiver may not see.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use plenary::domain::qa::QuestionStatus;
use plenary::live::protocol::{ClientFrame, Command, QuestionView, Role, ServerFrame, Snapshot};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::{ApiClient, TestApp, unique_suffix};

/// How long a test waits for one frame before failing.
pub const FRAME_TIMEOUT: Duration = Duration::from_secs(15);

/// A participant who joined through the API: the cookie their browser would keep.
#[derive(Debug, Clone)]
pub struct Joined {
    pub participant_id: i64,
    pub handle: String,
    pub cookie: String,
    /// The personal data key shown once at join.
    pub data_key: String,
}

impl TestApp {
    /// A session in a fresh programme, ready to go live; returns its id.
    pub async fn live_session(&self, org: &ApiClient) -> i64 {
        let programme = self.programme(org).await;
        let session = org
            .post_json(
                &programme.sessions_url(),
                &programme.session(101, "Children's rights by design", "2025-06-24 09:00", 60),
            )
            .await
            .expect_status(StatusCode::CREATED);
        session.body["session"]["session_id"]
            .as_i64()
            .or_else(|| session.body["session_id"].as_i64())
            .expect("session_id")
    }

    /// Joins `session_id` as a participant with a unique handle derived from `name`.
    pub async fn join(&self, session_id: i64, name: &str) -> Joined {
        self.join_with(
            session_id,
            json!({
                "handle": format!("{name}{}", letters(6)),
                "age_band": "18_plus", "attendance": "online", "accept_code_of_conduct": true,
            }),
        )
        .await
    }

    /// Joins with an explicit form.
    pub async fn join_with(&self, session_id: i64, form: Value) -> Joined {
        let reply = self
            .anonymous()
            .post_json(
                &format!("/api/sessions/{session_id}/live/participants"),
                &form,
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "joining with {form}: {}",
            reply.text
        );
        let cookie_name = format!("__Host-plenary-live-{session_id}");
        let set_cookie = reply.header("set-cookie").to_string();
        assert!(set_cookie.starts_with(&cookie_name), "{set_cookie}");
        assert!(
            set_cookie.contains("HttpOnly") && set_cookie.contains("Secure"),
            "{set_cookie}"
        );
        Joined {
            participant_id: reply.body["participant_id"]
                .as_i64()
                .expect("participant_id"),
            handle: reply.body["handle"].as_str().expect("handle").to_string(),
            cookie: set_cookie
                .split(';')
                .next()
                .expect("a cookie pair")
                .to_string(),
            data_key: reply.body["data_key"]
                .as_str()
                .expect("data_key")
                .to_string(),
        }
    }
}

/// Up to 16 random lowercase letters (digit runs in handles read as phone numbers). The
/// alphabet leaves out f, i, l, m, n, o, r, v and w, so no run of them spells a reserved word
/// ("admin", "staff") or looks like another run ("rn" and "m", "cl" and "d", "vv" and "w").
/// With a-p, 3,000 handles of 16 letters (the SIGTERM test) hold "admin" in about one run in
/// 30 (12 places, 16^-5 each), and a reserved handle is refused with 422.
pub fn letters(n: usize) -> String {
    const ALPHABET: &[u8; 16] = b"abcdeghjkpqstuxy";
    unique_suffix()
        .chars()
        .take(n)
        .map(|c| ALPHABET[c.to_digit(16).expect("hex") as usize] as char)
        .collect()
}

impl TestApp {
    /// The websocket URL of a session.
    pub fn socket_url(&self, session_id: i64, query: &str) -> String {
        let base = self.address.replacen("http://", "ws://", 1);
        format!("{base}/live/sessions/{session_id}/socket{query}")
    }
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One connected client with its model of the session.
pub struct LiveClient {
    ws: Ws,
    pub view: ClientView,
    next_id: u64,
    pub url: String,
    pub cookie: Option<String>,
    pub origin: String,
}

impl LiveClient {
    /// Connects with an optional cookie (`name=value`), sending the server's own Origin, and
    /// reads the snapshot.
    pub async fn connect(app: &TestApp, session_id: i64, cookie: Option<&str>) -> LiveClient {
        Self::connect_url(app.socket_url(session_id, ""), cookie, &app.address).await
    }

    pub async fn connect_url(url: String, cookie: Option<&str>, origin: &str) -> LiveClient {
        let ws = open(&url, cookie, Some(origin))
            .await
            .unwrap_or_else(|e| panic!("connecting to {url}: {e}"));
        let mut client = LiveClient {
            ws,
            view: ClientView::default(),
            next_id: 0,
            url,
            cookie: cookie.map(str::to_string),
            origin: origin.to_string(),
        };
        let first = client.next_frame().await;
        assert!(
            matches!(first, ServerFrame::Snapshot(_)),
            "first frame: {first:?}"
        );
        client
    }

    /// Drops the connection without a close handshake, as a flaky network would.
    pub async fn drop_connection(self) -> ClientView {
        drop(self.ws);
        self.view
    }

    /// Reconnects with the view kept from before, resuming from its last sequence number.
    pub async fn resume(
        view: ClientView,
        url: &str,
        cookie: Option<&str>,
        origin: &str,
    ) -> LiveClient {
        let resume_url = format!("{url}?since={}", view.seq);
        let ws = open(&resume_url, cookie, Some(origin))
            .await
            .unwrap_or_else(|e| panic!("resuming at {resume_url}: {e}"));
        LiveClient {
            ws,
            view,
            next_id: 0,
            url: url.to_string(),
            cookie: cookie.map(str::to_string),
            origin: origin.to_string(),
        }
    }

    /// The next frame (applied to the view), failing the test after [`FRAME_TIMEOUT`].
    pub async fn next_frame(&mut self) -> ServerFrame {
        loop {
            let message = tokio::time::timeout(FRAME_TIMEOUT, self.ws.next())
                .await
                .expect("a frame within the timeout")
                .expect("the connection is open")
                .expect("a valid websocket message");
            match message {
                Message::Text(text) => {
                    let frame: ServerFrame = serde_json::from_str(text.as_str())
                        .unwrap_or_else(|e| panic!("an unreadable frame {text}: {e}"));
                    self.view.apply(&frame);
                    return frame;
                }
                Message::Close(frame) => panic!("the server closed the connection: {frame:?}"),
                _ => continue,
            }
        }
    }

    /// The next frame that is not a presence count (those come whenever the count changes).
    pub async fn next_change_or_reply(&mut self) -> ServerFrame {
        loop {
            let frame = self.next_frame().await;
            if !matches!(frame, ServerFrame::Presence { .. }) {
                return frame;
            }
        }
    }

    /// The next message, frame or close, without failing on a close.
    pub async fn next_message(&mut self) -> Option<Message> {
        match tokio::time::timeout(FRAME_TIMEOUT, self.ws.next()).await {
            Ok(Some(Ok(m))) => Some(m),
            _ => None,
        }
    }

    /// Sends raw text.
    pub async fn send_text(&mut self, text: &str) {
        self.ws
            .send(Message::text(text.to_string()))
            .await
            .expect("send a frame");
    }

    /// Sends a command with a fresh client id and returns that id.
    pub async fn send(&mut self, command: Command) -> String {
        self.next_id += 1;
        let client_id = format!("t{}-{}", self.next_id, unique_suffix());
        self.send_with_id(&client_id, command).await;
        client_id
    }

    pub async fn send_with_id(&mut self, client_id: &str, command: Command) {
        let frame = ClientFrame {
            client_id: client_id.to_string(),
            command,
        };
        let text = serde_json::to_string(&frame).expect("client frames serialise");
        self.send_text(&text).await;
    }

    /// Sends a command and waits for its ack or error (applying every frame on the way).
    pub async fn command(&mut self, command: Command) -> ServerFrame {
        let id = self.send(command).await;
        self.reply_to(&id).await
    }

    /// Asks a question (not anonymous) and returns its id; panics if it is refused.
    pub async fn ask(&mut self, text: &str) -> i64 {
        let reply = self
            .command(Command::Ask {
                text: text.into(),
                anonymous: false,
            })
            .await;
        acked(&reply).1.question_id.expect("the ask's question id")
    }

    /// Waits for the ack or error of `client_id`.
    pub async fn reply_to(&mut self, client_id: &str) -> ServerFrame {
        loop {
            let frame = self.next_frame().await;
            match &frame {
                ServerFrame::Ack { client_id: id, .. } if id == client_id => return frame,
                ServerFrame::Error {
                    client_id: Some(id),
                    ..
                } if id == client_id => return frame,
                _ => {}
            }
        }
    }

    /// Reads frames until `done` holds for the view.
    pub async fn until(&mut self, what: &str, done: impl Fn(&ClientView) -> bool) {
        let deadline = tokio::time::Instant::now() + FRAME_TIMEOUT;
        while !done(&self.view) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting until {what}; view: {:?}",
                self.view
            );
            self.next_frame().await;
        }
    }

    /// Reads frames until the view has caught up with `seq`.
    pub async fn until_seq(&mut self, seq: i64) {
        self.until(&format!("seq {seq}"), |v| v.seq >= seq).await;
    }

    /// Drops the connection and resumes from the last sequence number seen, with the same
    /// cookie and Origin, as a client does after a network drop.
    pub async fn reconnect(self) -> LiveClient {
        let (url, cookie, origin) = (self.url.clone(), self.cookie.clone(), self.origin.clone());
        let view = self.drop_connection().await;
        LiveClient::resume(view, &url, cookie.as_deref(), &origin).await
    }
}

/// Opens a websocket with the given cookie and Origin.
pub async fn open(
    url: &str,
    cookie: Option<&str>,
    origin: Option<&str>,
) -> Result<Ws, tungstenite::Error> {
    let mut request = url.into_client_request()?;
    if let Some(cookie) = cookie {
        request.headers_mut().insert(
            "cookie",
            HeaderValue::from_str(cookie).expect("a cookie header"),
        );
    }
    if let Some(origin) = origin {
        request.headers_mut().insert(
            "origin",
            HeaderValue::from_str(origin).expect("an origin header"),
        );
    }
    let (ws, _) = tokio_tungstenite::connect_async(request).await?;
    Ok(ws)
}

/// The close frame a server sent, if the next message is one.
pub fn close_code(message: Option<Message>) -> Option<(u16, String)> {
    match message {
        Some(Message::Close(Some(CloseFrame { code, reason }))) => {
            Some((code.into(), reason.to_string()))
        }
        _ => None,
    }
}

/// What one client knows of a session, built only from the frames it received.
#[derive(Debug, Default, Clone)]
pub struct ClientView {
    pub role: Option<Role>,
    pub seq: i64,
    pub questions: BTreeMap<i64, QuestionView>,
    pub mine: BTreeMap<i64, QuestionView>,
    pub on_screen: Option<i64>,
    pub snapshot: Option<Box<Snapshot>>,
    /// Every sequence number received, to check nothing arrives twice.
    pub frames: Vec<ServerFrame>,
    pub waiting_floor: Vec<i64>,
    pub speaking: Option<i64>,
    pub presence: Option<u64>,
    pub backstage: Vec<String>,
}

impl ClientView {
    /// Applies a frame, checking the protocol's ordering promises.
    pub fn apply(&mut self, frame: &ServerFrame) {
        if let Some(seq) = frame.seq() {
            match frame {
                ServerFrame::Snapshot(_) => {}
                // Coalesced tallies may cover several vote changes.
                ServerFrame::Tallies { .. } => {
                    assert!(seq > self.seq, "tallies at {seq} after {}", self.seq)
                }
                _ => assert_eq!(
                    seq,
                    self.seq + 1,
                    "a gap or a repeat: {frame:?} after {}",
                    self.seq
                ),
            }
            self.seq = seq;
        }
        let moderator = self.role == Some(Role::Moderator);
        match frame {
            ServerFrame::Snapshot(s) => {
                self.role = Some(s.you.role);
                self.questions = s
                    .questions
                    .iter()
                    .map(|q| (q.question_id, q.clone()))
                    .collect();
                self.mine = s.mine.iter().map(|q| (q.question_id, q.clone())).collect();
                self.on_screen = s.state.on_screen;
                self.waiting_floor = s.floor.waiting.iter().map(|e| e.entry_id).collect();
                self.speaking = s.floor.speaking.as_ref().map(|e| e.entry_id);
                self.snapshot = Some(s.clone());
                for q in &s.questions {
                    assert!(
                        s.you.role == Role::Moderator || q.status.is_public(),
                        "{q:?}"
                    );
                }
            }
            ServerFrame::Question { question, .. } => {
                assert!(
                    moderator || question.status.is_public(),
                    "a participant got {question:?}"
                );
                assert!(moderator || question.held_for.is_empty());
                self.questions
                    .insert(question.question_id, question.clone());
            }
            ServerFrame::QuestionRemoved { question_id, .. } => {
                self.questions.remove(question_id);
            }
            ServerFrame::YourQuestion { question, .. } => {
                assert!(question.mine);
                self.mine.insert(question.question_id, question.clone());
                if question.status.is_public() {
                    self.questions
                        .insert(question.question_id, question.clone());
                } else {
                    self.questions.remove(&question.question_id);
                }
            }
            ServerFrame::Tallies { votes, .. } => {
                for t in votes {
                    if let Some(q) = self.questions.get_mut(&t.question_id) {
                        q.votes = t.votes;
                    }
                    if let Some(q) = self.mine.get_mut(&t.question_id) {
                        q.votes = t.votes;
                    }
                }
            }
            ServerFrame::SessionState { state, .. } => self.on_screen = state.on_screen,
            ServerFrame::Floor { floor, .. } => {
                self.waiting_floor = floor.waiting.iter().map(|e| e.entry_id).collect();
                self.speaking = floor.speaking.as_ref().map(|e| e.entry_id);
            }
            ServerFrame::BackstageNote { note, .. } => {
                assert!(moderator, "backstage note to a non-moderator");
                self.backstage.push(note.text.clone());
            }
            ServerFrame::Presence { participants } => self.presence = Some(*participants),
            ServerFrame::Ack { .. }
            | ServerFrame::Error { .. }
            | ServerFrame::Skip { .. }
            | ServerFrame::Caption { .. } => {}
        }
        self.frames.push(frame.clone());
    }

    /// Public facts of every visible question, comparable across clients and with a snapshot.
    pub fn public_state(&self) -> BTreeMap<i64, (String, QuestionStatus, i64)> {
        self.questions
            .values()
            .filter(|q| q.status.is_public())
            .map(|q| (q.question_id, (q.text.clone(), q.status, q.votes)))
            .collect()
    }
}

/// The `seq` of an ack, or a failure naming the frame.
pub fn acked(frame: &ServerFrame) -> (Option<i64>, plenary::live::protocol::AckResult) {
    match frame {
        ServerFrame::Ack { seq, result, .. } => (*seq, result.clone()),
        other => panic!("expected an ack, got {other:?}"),
    }
}

/// The error code of an error frame, or a failure naming the frame.
pub fn refused(frame: &ServerFrame) -> plenary::live::protocol::ErrorCode {
    match frame {
        ServerFrame::Error { code, .. } => *code,
        other => panic!("expected an error, got {other:?}"),
    }
}

impl LiveClient {
    /// The next frame (applied to the view), or `None` once the connection has ended: closed by
    /// the server, dropped or broken. No timeout, and safe to cancel (inside `select!`).
    pub async fn try_next_frame(&mut self) -> Option<ServerFrame> {
        loop {
            match self.ws.next().await {
                Some(Ok(Message::Text(text))) => {
                    let frame: ServerFrame = serde_json::from_str(text.as_str())
                        .unwrap_or_else(|e| panic!("an unreadable frame {text}: {e}"));
                    self.view.apply(&frame);
                    return Some(frame);
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return None,
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Sends a command with a given client id; `false` when the connection is gone.
    pub async fn try_send_with_id(&mut self, client_id: &str, command: Command) -> bool {
        let frame = ClientFrame {
            client_id: client_id.to_string(),
            command,
        };
        let text = serde_json::to_string(&frame).expect("client frames serialise");
        self.ws.send(Message::text(text)).await.is_ok()
    }
}

/// The websocket URL of a session on a server at `base` (`http://127.0.0.1:port`).
pub fn socket_url_at(base: &str, session_id: i64, query: &str) -> String {
    let base = base.replacen("http://", "ws://", 1);
    format!("{base}/live/sessions/{session_id}/socket{query}")
}

impl TestApp {
    /// Joins `session_id` through the API of another server on the same database (the real
    /// binary, a second instance) at `base`.
    pub async fn join_via(&self, base: &str, session_id: i64, name: &str) -> Joined {
        let form = json!({
            "handle": format!("{name}{}", letters(6)),
            "age_band": "18_plus", "attendance": "online", "accept_code_of_conduct": true,
        });
        let reply = self
            .anonymous()
            .on(base)
            .post_json(
                &format!("/api/sessions/{session_id}/live/participants"),
                &form,
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "joining at {base} with {form}: {}",
            reply.text
        );
        Joined {
            participant_id: reply.body["participant_id"]
                .as_i64()
                .expect("participant_id"),
            handle: reply.body["handle"].as_str().expect("handle").to_string(),
            cookie: reply.cookie(),
            data_key: reply.body["data_key"]
                .as_str()
                .expect("data_key")
                .to_string(),
        }
    }
}
