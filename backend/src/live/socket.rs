//! One websocket per client: the handshake (Origin allowlist, who is connecting, small buffers),
//! then one task that writes the snapshot or replay straight to the connection (`upgrade.rs` says
//! why), then reads commands, writes acknowledgements and the session's changes, and pings.
//! Everything it writes in one wake-up is fed to the socket and flushed once.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use axum_extra::extract::CookieJar;
use futures_util::SinkExt;
use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, StreamExt};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::Deserialize;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message, Utf8Bytes};

use super::hub::{Hub, Outgoing, Reply};
use super::participants::{ensure_live_session, participant_cookie_name, participant_for_socket};
use super::protocol::{ClientFrame, ErrorCode, ServerFrame, close};
use super::store::{self, Actor, Audience};
use super::upgrade::{RawSocket, SocketUpgrade, close_frame, text_frame, write_frames};
use crate::auth::MaybeStaff;
use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::ratelimit::{ClientAddress, RateLimits};

/// Socket buffers: small, and the write buffer bounded (see docs/ARCHITECTURE.md). Every socket
/// keeps its read buffer for life, and client frames are small (a vote is under 100 bytes), so
/// 1 KiB: a longer question grows the buffer for as long as it takes to read it.
const READ_BUFFER: usize = 1024;
const WRITE_BUFFER: usize = 8 * 1024;
/// The most the write buffer takes. The snapshot and replays do not pass through it (they are
/// written before it exists), so this only has to fit a wake-up's frames. It is not what bounds a
/// slow reader: once a write would block, the socket accepts no further frame until the buffer is
/// flushed (and gives up after [`WRITE_TIMEOUT`]), so a stalled socket holds at most the write
/// buffer's 8 KiB and a frame.
const MAX_WRITE_BUFFER: usize = 4 * 1024 * 1024;
/// The largest message the websocket layer reads at all.
const TRANSPORT_MAX_MESSAGE: usize = 64 * 1024;
/// The clock of every socket's vote limiter. A new clock asks the CPU (`cpuid`) whether its
/// time-stamp counter can be used, which a virtual machine's host answers at a cost; a clone
/// does not ask again, and every socket opening made one (docs/BENCHMARKS.md, S2).
static CLOCK: std::sync::LazyLock<DefaultClock> = std::sync::LazyLock::new(DefaultClock::default);
/// Commands a connection may have waiting for acknowledgement.
const MAX_IN_FLIGHT: usize = 32;
/// Frames written before a flush, so one busy session cannot starve a socket's reads.
const MAX_FRAMES_PER_FLUSH: usize = 256;
/// A socket whose peer does not take a flush within this time is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a close frame may take to go out.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// Query parameters of the websocket path.
#[derive(Debug, Deserialize)]
pub struct SocketQuery {
    /// The last sequence number the client saw; missed changes are replayed from there.
    pub since: Option<i64>,
    /// `presenter`: connect read-only, as the big screen, whoever is signed in.
    pub view: Option<String>,
}

/// Who a connection is, decided once at the handshake (and re-checked by the writer for
/// every moderator command).
#[derive(Debug, Clone)]
struct Connection {
    audience: Audience,
    actor: Option<Actor>,
    handle: Option<String>,
    address: ClientAddress,
    /// For a participant who had asked nothing and voted for nothing: the sequence number
    /// that was read at (see `participant_for_socket`).
    owns_nothing_at: Option<i64>,
}

/// `GET /live/sessions/{session_id}/socket`: upgrades to the live protocol.
// One extractor per fact the handshake needs; grouping them in a struct would only hide that.
#[allow(clippy::too_many_arguments)]
pub async fn live_socket(
    State(state): State<AppState>,
    Path(session_id): Path<i64>,
    Query(query): Query<SocketQuery>,
    headers: HeaderMap,
    address: ClientAddress,
    jar: CookieJar,
    MaybeStaff(staff): MaybeStaff,
    upgrade: SocketUpgrade,
) -> Result<Response, AppError> {
    if !origin_allowed(&state, &headers) {
        tracing::warn!(session_id, "websocket from a foreign origin refused");
        return Err(AppError::Forbidden);
    }
    let presenter = query.view.as_deref() == Some("presenter");
    let mut connection = Connection {
        audience: Audience::Viewer,
        actor: None,
        handle: None,
        address,
        owns_nothing_at: None,
    };
    if !presenter {
        if let Some(staff) = staff {
            if super::participants::can_moderate(&state.db.pool, session_id, &staff).await? {
                connection = Connection {
                    audience: Audience::Moderator,
                    actor: Some(Actor::Moderator(staff.staff_id)),
                    handle: Some(staff.display_name),
                    address,
                    owns_nothing_at: None,
                };
            } else if crate::archive::transcripts::may_caption(
                &state.db.pool,
                session_id,
                staff.staff_id,
            )
            .await?
            {
                // A captioner sees what everyone sees, and may send caption lines.
                connection = Connection {
                    audience: Audience::Viewer,
                    actor: Some(Actor::Staff(staff.staff_id)),
                    handle: Some(staff.display_name),
                    address,
                    owns_nothing_at: None,
                };
            }
        }
        if connection.actor.is_none() {
            if let Some(cookie) = jar.get(&participant_cookie_name(session_id)) {
                if let Some((p, owns_nothing_at)) =
                    participant_for_socket(&state.db, session_id, cookie.value()).await?
                {
                    connection = Connection {
                        audience: Audience::Participant(p.participant_id),
                        actor: Some(Actor::Participant(p.participant_id)),
                        handle: Some(p.handle),
                        address,
                        owns_nothing_at,
                    };
                }
            }
        }
    }
    // A participant's join proves the session's live state exists; anyone else may be the
    // first to open it (or ask for a session that does not exist: 404). One query fewer for
    // every participant's connection and resume.
    if !matches!(connection.audience, Audience::Participant(_)) {
        ensure_live_session(&state.db, session_id).await?;
    }
    let hub = state.live.hub(session_id).await?;
    Ok(upgrade.on_upgrade(move |io| run(io, state, hub, connection, query.since)))
}

fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        // The transport refuses anything above this outright; messages between the configured
        // limit and this are read whole and answered with a 1009 close the client can see.
        .max_message_size(Some(TRANSPORT_MAX_MESSAGE))
        .max_frame_size(Some(TRANSPORT_MAX_MESSAGE))
}

/// Exact-match Origin check: the public URL or one listed in `live.allowed_origins`. Clients that
/// send no Origin are not browsers, so no other site can be riding on their cookies.
fn origin_allowed(state: &AppState, headers: &HeaderMap) -> bool {
    match headers.get(header::ORIGIN) {
        None => true,
        Some(origin) => {
            let Ok(origin) = origin.to_str() else {
                return false;
            };
            origin == state.public_url.as_ref()
                || state
                    .live
                    .settings
                    .allowed_origins
                    .iter()
                    .any(|o| o == origin)
        }
    }
}

fn frame_text(frame: &ServerFrame) -> Utf8Bytes {
    Utf8Bytes::from(serde_json::to_string(frame).expect("server frames always serialise"))
}

fn error_frame(
    client_id: Option<String>,
    code: ErrorCode,
    message: impl Into<String>,
) -> ServerFrame {
    ServerFrame::Error {
        client_id,
        code,
        message: message.into(),
        retry_after_ms: None,
    }
}

fn valid_client_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic())
}

/// Parses a client frame into a command or the error to answer with.
pub fn parse_frame(text: &str) -> Result<ClientFrame, Box<ServerFrame>> {
    match serde_json::from_str::<ClientFrame>(text) {
        Ok(frame) if valid_client_id(&frame.client_id) => Ok(frame),
        Ok(frame) => Err(Box::new(error_frame(
            None,
            ErrorCode::Malformed,
            format!(
                "client_id must be 1–64 visible ASCII characters (got {} bytes)",
                frame.client_id.len()
            ),
        ))),
        Err(e) => {
            let client_id = serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|v| {
                    v.get("client_id")
                        .and_then(|c| c.as_str())
                        .map(str::to_string)
                })
                .filter(|id| valid_client_id(id));
            let message = e.to_string();
            let code = if message.contains("unknown variant") {
                ErrorCode::UnknownType
            } else {
                ErrorCode::Malformed
            };
            Err(Box::new(error_frame(client_id, code, message)))
        }
    }
}

/// Commands sent to the writer whose replies this socket still waits for.
type InFlight =
    FuturesUnordered<std::pin::Pin<Box<dyn std::future::Future<Output = (String, Reply)> + Send>>>;

struct Socket {
    sink: futures_util::stream::SplitSink<WebSocketStream<RawSocket>, Message>,
    /// The highest sequence number sent on this socket.
    last_seq: i64,
    session_id: i64,
}

impl Socket {
    /// Queues a frame. Feeding may have to write (when the buffer is full); a peer that does not
    /// read for [`WRITE_TIMEOUT`] is given up on, so a stalled socket cannot pin its task.
    async fn feed(&mut self, text: Utf8Bytes) -> Result<(), ()> {
        let written =
            tokio::time::timeout(WRITE_TIMEOUT, self.sink.feed(Message::Text(text))).await;
        self.written(written)
    }

    async fn flush(&mut self) -> Result<(), ()> {
        let written = tokio::time::timeout(WRITE_TIMEOUT, self.sink.flush()).await;
        self.written(written)
    }

    /// A write's outcome; a peer that stopped reading is worth a line in the log, since it is
    /// the server that ends the connection.
    fn written<T>(
        &self,
        outcome: Result<Result<T, tungstenite::Error>, tokio::time::error::Elapsed>,
    ) -> Result<T, ()> {
        match outcome {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_)) => Err(()),
            Err(_) => {
                tracing::info!(
                    session_id = self.session_id,
                    seq = self.last_seq,
                    "closing a socket whose peer took nothing for {} s",
                    WRITE_TIMEOUT.as_secs()
                );
                Err(())
            }
        }
    }

    /// Sends a close frame. Boxed, like the socket task's other rare awaits: whatever a task
    /// awaits inline is part of its size for as long as the socket lives.
    fn close(&mut self, code: u16, reason: String) -> BoxFuture<'_, ()> {
        let frame = CloseFrame {
            code: code.into(),
            reason: Utf8Bytes::from(reason),
        };
        Box::pin(async move {
            let close = self.sink.send(Message::Close(Some(frame)));
            let _ = tokio::time::timeout(CLOSE_TIMEOUT, close).await;
        })
    }

    /// Feeds `first` and whatever else the ring holds (up to [`MAX_FRAMES_PER_FLUSH`]), then
    /// flushes once: one write for many frames. The whole delivery has one [`WRITE_TIMEOUT`],
    /// one timer for the lot rather than one per frame.
    async fn deliver(
        &mut self,
        first: Arc<Outgoing>,
        ring: &mut broadcast::Receiver<Arc<Outgoing>>,
        audience: Audience,
    ) -> Result<Delivered, ()> {
        let me = match audience {
            Audience::Participant(id) => Some(id),
            _ => None,
        };
        let outcome = tokio::time::timeout(WRITE_TIMEOUT, async {
            let mut next = Some(first);
            let mut fed = 0;
            let mut delivered = Delivered::Sent;
            while let Some(out) = next.take() {
                self.feed_unsent(&out, audience).await?;
                if let Some((who, code)) = out.kick {
                    if Some(who) == me {
                        delivered = Delivered::Kicked(code);
                        break;
                    }
                }
                fed += 1;
                if fed >= MAX_FRAMES_PER_FLUSH {
                    break;
                }
                match ring.try_recv() {
                    Ok(out) => next = Some(out),
                    Err(broadcast::error::TryRecvError::Lagged(_)) => delivered = Delivered::Lagged,
                    Err(_) => {}
                }
            }
            self.sink.flush().await?;
            Ok(delivered)
        })
        .await;
        self.written(outcome)
    }

    /// Feeds a change if this socket has not had it yet (no timeout of its own: see
    /// [`Socket::deliver`]).
    async fn feed_unsent(
        &mut self,
        out: &Outgoing,
        audience: Audience,
    ) -> Result<(), tungstenite::Error> {
        match out.seq {
            Some(seq) if seq <= self.last_seq => Ok(()),
            seq => {
                if let Some(seq) = seq {
                    self.last_seq = seq;
                }
                match out.frame_for(audience) {
                    Some(bytes) => self.sink.feed(Message::Text(bytes.clone())).await,
                    None => Ok(()),
                }
            }
        }
    }
}

/// How a delivery from the ring ended, when every frame was written.
enum Delivered {
    Sent,
    /// A frame closes this participant's sockets (removed or erased), with this code.
    Kicked(u16),
    /// The socket fell behind the ring.
    Lagged,
}

async fn run(
    mut io: RawSocket,
    state: AppState,
    hub: Arc<Hub>,
    conn: Connection,
    since: Option<i64>,
) {
    // Subscribe before reading, so every change committed after the read arrives on the ring.
    let mut ring = hub.subscribe();
    // The shutdown signal too: a shutdown that begins while the snapshot is read still closes
    // this socket, and the server's exit waits for it (`Live::sockets_closed`). One wait for the
    // socket's whole life: a `changed()` made anew on every wake-up would join and leave the
    // signal's list of waiters each time. `false`: the signal's sender is gone.
    let mut shutdown_signal = state.live.shutdown_signal();
    let shutdown = async move { shutdown_signal.wait_for(|down| *down).await.is_ok() };
    tokio::pin!(shutdown);
    let mut shutdown_gone = false;
    let _presence =
        matches!(conn.audience, Audience::Participant(_)).then(|| hub.participant_connected());
    // Boxed: the snapshot's database futures are large, and inline they would make every
    // socket's task that much bigger for as long as it lives.
    let Ok(last_seq) = Box::pin(start(&state, &hub, &conn, since, &mut io)).await else {
        return;
    };
    let ws = Box::pin(WebSocketStream::from_raw_socket(
        io,
        Role::Server,
        Some(socket_config()),
    ))
    .await;
    let (sink, mut stream) = ws.split();
    let mut socket = Socket {
        sink,
        last_seq,
        session_id: hub.session_id,
    };
    let settings = &state.live.settings;
    let votes_per_second =
        std::num::NonZeroU32::new(settings.votes_per_second).unwrap_or(std::num::NonZeroU32::MIN);
    let vote_limiter: DefaultDirectRateLimiter = RateLimiter::direct_with_clock(
        Quota::per_second(votes_per_second).allow_burst(
            votes_per_second.saturating_mul(std::num::NonZeroU32::new(2).expect("2 is not zero")),
        ),
        CLOCK.clone(),
    );
    let ping_every = Duration::from_secs(settings.ping_seconds);
    let mut ping = tokio::time::interval_at(Instant::now() + ping_every, ping_every);
    let mut heard_from = Instant::now();
    let mut in_flight: InFlight = FuturesUnordered::new();

    loop {
        tokio::select! {
            incoming = stream.next() => {
                let message = match incoming {
                    Some(Ok(m)) => m,
                    Some(Err(e)) => {
                        // Oversized frames and protocol violations end up here.
                        let (code, reason) = if matches!(e, tungstenite::Error::Capacity(_)) {
                            (1009, "message too big")
                        } else {
                            (1002, "protocol error")
                        };
                        socket.close(code, reason.into()).await;
                        break;
                    }
                    None => break,
                };
                heard_from = Instant::now();
                let text = match message {
                    Message::Text(text) if text.len() > state.live.settings.max_message_bytes => {
                        socket.close(1009, "message too big".into()).await;
                        // Read on until the client answers the close, so it gets to see it.
                        let _ = Box::pin(tokio::time::timeout(CLOSE_TIMEOUT, async {
                            while let Some(Ok(_)) = stream.next().await {}
                        }))
                        .await;
                        break;
                    }
                    Message::Text(text) => text,
                    Message::Binary(_) => {
                        socket.close(1003, "send JSON text frames".into()).await;
                        break;
                    }
                    Message::Close(_) => break,
                    Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
                };
                let reply = match parse_frame(text.as_str()) {
                    Err(error) => Some(error),
                    Ok(frame) => match admit(&hub, &state.limits, &conn, &frame, &vote_limiter, in_flight.len()) {
                        Err(error) => Some(error),
                        Ok(actor) => {
                            let client_id = frame.client_id.clone();
                            let rx = Box::pin(hub.submit(actor, frame)).await;
                            in_flight.push(Box::pin(async move {
                                let reply = rx.await.unwrap_or_else(|_| Err(store::Refusal {
                                    code: ErrorCode::Unavailable,
                                    message: "the server is shutting down; retry with the same client_id".into(),
                                }));
                                (client_id, reply)
                            }));
                            None
                        }
                    },
                };
                if let Some(error) = reply {
                    if socket.feed(frame_text(&error)).await.is_err() || socket.flush().await.is_err() {
                        break;
                    }
                }
            }
            Some((client_id, reply)) = in_flight.next(), if !in_flight.is_empty() => {
                let frame = match reply {
                    Ok((seq, result)) => ServerFrame::Ack { client_id, seq, result },
                    Err(refusal) => error_frame(Some(client_id), refusal.code, refusal.message),
                };
                if socket.feed(frame_text(&frame)).await.is_err() || socket.flush().await.is_err() {
                    break;
                }
            }
            received = ring.recv() => {
                let first = match received {
                    Ok(out) => out,
                    Err(RecvError::Lagged(_)) => {
                        Box::pin(fell_behind(&mut socket)).await;
                        break;
                    }
                    Err(RecvError::Closed) => break,
                };
                match socket.deliver(first, &mut ring, conn.audience).await {
                    Err(()) => break,
                    Ok(Delivered::Sent) => {}
                    Ok(Delivered::Kicked(code)) => {
                        let reason = if code == close::ERASED { "your data was erased" } else { "removed by a moderator" };
                        socket.close(code, reason.into()).await;
                        break;
                    }
                    Ok(Delivered::Lagged) => {
                        Box::pin(fell_behind(&mut socket)).await;
                        break;
                    }
                }
            }
            _ = ping.tick() => {
                if heard_from.elapsed() > ping_every * 3 {
                    socket.close(close::TIMED_OUT, "no pong".into()).await;
                    break;
                }
                let ping = socket.sink.send(Message::Ping(Default::default()));
                if !matches!(Box::pin(tokio::time::timeout(WRITE_TIMEOUT, ping)).await, Ok(Ok(()))) {
                    break;
                }
            }
            down = &mut shutdown, if !shutdown_gone => {
                if !down {
                    // The signal's sender is gone: no shutdown will come.
                    shutdown_gone = true;
                    continue;
                }
                socket.close(1001, format!("resume:{}", socket.last_seq)).await;
                break;
            }
        }
    }
}

/// Closes a socket that fell behind the ring, telling it where to resume.
async fn fell_behind(socket: &mut Socket) {
    tracing::info!(
        session_id = socket.session_id,
        seq = socket.last_seq,
        "closing a socket that fell a whole ring behind; it resumes with since"
    );
    let reason = format!("resume:{}", socket.last_seq);
    socket.close(close::FELL_BEHIND, reason).await;
}

/// Writes the snapshot, or the changes missed since `since`, straight to the connection, and
/// returns the last sequence number they cover.
async fn start(
    state: &AppState,
    hub: &Hub,
    conn: &Connection,
    since: Option<i64>,
    io: &mut RawSocket,
) -> Result<i64, ()> {
    let settings = &state.live.settings;
    let presence = || ServerFrame::Presence {
        participants: hub.participants_connected(),
    };
    // Nothing published after `since`: nothing to replay, and no database read. Most of a
    // restart's reconnecting audience is here; whatever is committed next reaches this socket
    // on the ring, which it joined before this check.
    if let Some(since) = since.filter(|&since| since == hub.published_seq()) {
        write_frames(io, [text_frame(frame_text(&presence()))], WRITE_TIMEOUT).await?;
        return Ok(since);
    }
    if let Some(since) = since {
        match store::replay(
            &state.db,
            hub.session_id,
            since,
            conn.audience,
            settings.replay_limit,
        )
        .await
        {
            Ok(Some((last_seq, frames))) => {
                let frames = frames
                    .into_iter()
                    .map(text_frame)
                    .chain([text_frame(frame_text(&presence()))]);
                write_frames(io, frames, WRITE_TIMEOUT).await?;
                return Ok(last_seq);
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(session_id = hub.session_id, error = %e, "live replay failed");
                let _ =
                    write_frames(io, [close_frame(1011, "try again".into())], CLOSE_TIMEOUT).await;
                return Err(());
            }
        }
    }
    let snapshot = hub
        .snapshot_text(
            &state.db,
            store::Receiver {
                audience: conn.audience,
                handle: conn.handle.clone(),
                owns_nothing_at: conn.owns_nothing_at,
            },
            state.live.limits().public(),
        )
        .await;
    match snapshot {
        Ok((seq, text)) => {
            write_frames(io, [text_frame(text)], WRITE_TIMEOUT).await?;
            Ok(seq)
        }
        Err(e) => {
            tracing::error!(session_id = hub.session_id, error = %e, "live snapshot failed");
            let _ = write_frames(io, [close_frame(1011, "try again".into())], CLOSE_TIMEOUT).await;
            Err(())
        }
    }
}

/// Checks what can be checked without the database: who may send this, rate limits, in-flight.
fn admit(
    hub: &Hub,
    limits: &RateLimits,
    conn: &Connection,
    frame: &ClientFrame,
    vote_limiter: &DefaultDirectRateLimiter,
    in_flight: usize,
) -> Result<Actor, Box<ServerFrame>> {
    let client_id = Some(frame.client_id.clone());
    let Some(actor) = conn.actor else {
        return Err(Box::new(error_frame(
            client_id,
            ErrorCode::Forbidden,
            "join the session first (the presenter screen and visitors only watch)",
        )));
    };
    let is_moderator = matches!(actor, Actor::Moderator(_));
    let caption = frame.command.is_caption();
    if caption && matches!(actor, Actor::Participant(_)) {
        return Err(Box::new(error_frame(
            client_id,
            ErrorCode::Forbidden,
            "only the session's captioners can send captions",
        )));
    }
    if !caption && matches!(actor, Actor::Staff(_)) {
        return Err(Box::new(error_frame(
            client_id,
            ErrorCode::Forbidden,
            "captioners send caption lines; moderating needs a moderator's assignment",
        )));
    }
    if !caption && frame.command.is_moderator_command() != is_moderator {
        let message = if is_moderator {
            "moderators act on questions; join as a participant to ask or vote"
        } else {
            "only moderators can do this"
        };
        return Err(Box::new(error_frame(
            client_id,
            ErrorCode::Forbidden,
            message,
        )));
    }
    if in_flight >= MAX_IN_FLIGHT {
        return Err(Box::new(error_frame(
            client_id,
            ErrorCode::TooManyInFlight,
            "wait for acknowledgements before sending more",
        )));
    }
    let limited = match (&frame.command, actor) {
        (super::protocol::Command::Ask { .. }, Actor::Participant(id)) => hub
            .ask_limiter
            .check_key(&id)
            .err()
            .or_else(|| limits.ask.check_key(&conn.address.key()).err()),
        (super::protocol::Command::Vote { .. }, _) => vote_limiter.check().err(),
        (super::protocol::Command::Caption { .. }, Actor::Moderator(id) | Actor::Staff(id)) => {
            hub.caption_limiter.check_key(&id).err()
        }
        _ => None,
    };
    if let Some(not_until) = limited {
        let wait = not_until.wait_time_from(CLOCK.now());
        return Err(Box::new(ServerFrame::Error {
            client_id,
            code: ErrorCode::RateLimited,
            message: "too many in a short time; please wait a moment".into(),
            retry_after_ms: Some(wait.as_millis().max(1) as u64),
        }));
    }
    Ok(actor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_and_unknown_frames_get_typed_errors() {
        let cases = [
            ("not json", ErrorCode::Malformed),
            (r#"{"type":"ask","client_id":"a"}"#, ErrorCode::Malformed),
            (
                r#"{"type":"launch","client_id":"a"}"#,
                ErrorCode::UnknownType,
            ),
            (
                r#"{"type":"vote","client_id":"a","question_id":"x","up":true}"#,
                ErrorCode::Malformed,
            ),
            (
                r#"{"type":"vote","client_id":"","question_id":1,"up":true}"#,
                ErrorCode::Malformed,
            ),
            (r#"[1,2,3]"#, ErrorCode::Malformed),
        ];
        for (text, expected) in cases {
            match parse_frame(text).map_err(|e| *e) {
                Err(ServerFrame::Error { code, .. }) => assert_eq!(code, expected, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn the_parser_never_panics(text in ".{0,300}") {
            let _ = parse_frame(&text);
        }

        #[test]
        fn the_parser_never_panics_on_json_like_input(
            kind in "(ask|vote|withdraw|approve|merge|dismiss|[a-z_]{1,12})",
            id in "[ -~]{0,70}",
            extra in "[ -~]{0,60}",
        ) {
            let text = format!(r#"{{"type":"{kind}","client_id":"{id}",{extra}}}"#);
            let _ = parse_frame(&text);
        }
    }
}
