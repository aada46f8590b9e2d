//! One hub per live session: a writer task that commits commands in batches (group commit), then
//! acknowledges them, then fans their frames out; and a broadcast ring that every socket of the
//! session reads from.
//!
//! The writer is the only sender on the ring, so sockets see changes in sequence order. Each frame
//! is serialised once and its bytes shared by every socket. Vote tallies are held back and sent at
//! most every `tally_interval_ms` (less often for a large audience: `tally_frames_per_second`),
//! latest counts winning; any other change first flushes the held tallies so the order stays
//! intact.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::participants::{self, JoinRequest, JoinWriter, Joined};
use super::protocol::{AckResult, ClientFrame, ErrorCode, Limits, ServerFrame, Snapshot};
use super::store::{
    self, Actor, ApplyError, Audience, EngineLimits, Refusal, SessionView, StoredChange,
    TallyBuffer, Writer,
};
use crate::config::{LiveSettings, SafeguardingSettings};
use crate::http::error::AppError;
use crate::store::Db;

const NOT_POISONED: &str = "the hub map is never poisoned: no code panics while holding it";

/// The most commands committed in one transaction.
const MAX_BATCH: usize = 256;
/// How long a public view read for one socket's snapshot serves the next ones, while nothing is
/// committed. Changes that bypass the writer (a session's title edited, a transcript corrected,
/// the retention purge) reach new snapshots within this; open sockets are not told of them.
const PUBLIC_VIEW_MAX_AGE: Duration = Duration::from_secs(1);
/// Tallies go out at least this often, however large the audience.
const MAX_TALLY_INTERVAL: Duration = Duration::from_secs(1);
/// How often the writer looks at the presence count, and so the most often it is sent.
const PRESENCE_TICK: Duration = Duration::from_secs(1);
/// The presence count goes out at least this often while it changes, however large the audience.
const MAX_PRESENCE_INTERVAL: Duration = Duration::from_secs(10);
/// Caption lines one staff member may send per minute, and in a burst.
const CAPTIONS_PER_MINUTE: NonZeroU32 = NonZeroU32::new(120).expect("120 is not zero");
const CAPTION_BURST: NonZeroU32 = NonZeroU32::new(30).expect("30 is not zero");

/// What goes around the ring: one change (or coalesced tallies, or a presence count), with the
/// frame for each audience already serialised.
#[derive(Debug)]
pub struct Outgoing {
    /// `None` for presence counts, which are not committed changes.
    pub seq: Option<i64>,
    pub for_all: Option<Utf8Bytes>,
    pub for_moderators: Option<Utf8Bytes>,
    pub for_owners: Vec<(i64, Utf8Bytes)>,
    /// Sent to audiences that get nothing else, so their sequence numbers stay continuous.
    pub skip: Option<Utf8Bytes>,
    /// A participant whose sockets close on this change (removed by a moderator).
    pub kick: Option<(i64, u16)>,
}

impl Outgoing {
    fn from_stored(stored: StoredChange) -> Outgoing {
        let needs_skip = stored.for_all.is_none() || stored.for_moderators.is_none();
        Outgoing {
            seq: Some(stored.seq),
            for_all: stored.for_all.map(Utf8Bytes::from),
            for_moderators: stored.for_moderators.map(Utf8Bytes::from),
            for_owners: stored
                .for_owners
                .into_iter()
                .map(|(id, f)| (id, Utf8Bytes::from(f)))
                .collect(),
            skip: needs_skip.then(|| Utf8Bytes::from(store::skip_frame(stored.seq))),
            kick: stored.kick,
        }
    }

    fn to_everyone(seq: Option<i64>, frame: String) -> Outgoing {
        let bytes = Utf8Bytes::from(frame);
        Outgoing {
            seq,
            for_all: Some(bytes.clone()),
            for_moderators: Some(bytes),
            for_owners: Vec::new(),
            skip: None,
            kick: None,
        }
    }

    /// The bytes `audience` gets for this change.
    pub fn frame_for(&self, audience: Audience) -> Option<&Utf8Bytes> {
        let chosen = match audience {
            Audience::Moderator => self.for_moderators.as_ref(),
            Audience::Participant(me) => self
                .for_owners
                .iter()
                .find(|(id, _)| *id == me)
                .map(|(_, f)| f)
                .or(self.for_all.as_ref()),
            Audience::Viewer => self.for_all.as_ref(),
        };
        chosen.or(self.skip.as_ref())
    }
}

/// What a command's sender is told.
pub type Reply = Result<(Option<i64>, AckResult), Refusal>;

struct Job {
    actor: Actor,
    frame: ClientFrame,
    reply: oneshot::Sender<Reply>,
}

/// The live side of one session, shared by all its sockets.
pub struct Hub {
    pub session_id: i64,
    jobs: mpsc::Sender<Job>,
    ring: broadcast::Sender<Arc<Outgoing>>,
    participants_connected: AtomicU64,
    /// The highest sequence number another instance reported committing (see `bus.rs`).
    committed_elsewhere: watch::Sender<i64>,
    /// Questions per participant per minute.
    pub ask_limiter: DefaultKeyedRateLimiter<i64>,
    /// Caption lines per staff member: faster than anyone types, slower than a runaway script.
    pub caption_limiter: DefaultKeyedRateLimiter<i64>,
    /// The highest sequence number the writer has published: put on the ring, or held as a
    /// tally that will be. Set before the ring send, so a socket that subscribed and then reads
    /// this number misses nothing after it.
    published_seq: Arc<AtomicI64>,
    /// The public view last read, and when: what participants' and viewers' snapshots share.
    view: Mutex<Option<(Instant, Arc<SessionView>)>>,
    /// Held while the view is read again, so sockets that find it stale wait for one read.
    view_refresh: tokio::sync::Mutex<()>,
}

impl Hub {
    /// Subscribes to the session's changes. Subscribe before reading a snapshot, so nothing
    /// committed after the snapshot can be missed.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Outgoing>> {
        self.ring.subscribe()
    }

    /// Hands a command to the writer; the receiver gets the reply after commit.
    pub async fn submit(&self, actor: Actor, frame: ClientFrame) -> oneshot::Receiver<Reply> {
        let (reply, rx) = oneshot::channel();
        if self
            .jobs
            .send(Job {
                actor,
                frame,
                reply,
            })
            .await
            .is_err()
        {
            // The writer stopped (shutdown): the dropped sender reads as "unavailable".
            tracing::warn!(session_id = self.session_id, "live writer is gone");
        }
        rx
    }

    /// The snapshot `receiver` gets now. Participants and viewers share the public view while
    /// it is current (one database read for a join storm's thousands of sockets) and add only
    /// what is theirs; moderators' snapshots are read whole. A socket subscribes first.
    pub async fn snapshot(
        &self,
        db: &Db,
        receiver: store::Receiver,
        limits: Limits,
    ) -> Result<Snapshot, sqlx::Error> {
        self.snapshot_as(db, receiver, limits, |from| from.snapshot(), |s| s)
            .await
    }

    /// `snapshot`'s frame as the text a new socket is sent, with its `seq`. From the shared
    /// public view, the view's questions and captions are serialised once for every socket.
    pub async fn snapshot_text(
        &self,
        db: &Db,
        receiver: store::Receiver,
        limits: Limits,
    ) -> Result<(i64, String), sqlx::Error> {
        let shared = |from: store::FromView| (from.seq(), from.frame_text());
        let whole = |snapshot: Snapshot| {
            let seq = snapshot.seq;
            let text = serde_json::to_string(&ServerFrame::Snapshot(Box::new(snapshot)))
                .expect("server frames always serialise");
            (seq, text)
        };
        self.snapshot_as(db, receiver, limits, shared, whole).await
    }

    /// A snapshot for `receiver`, made from the shared public view where it can be (`shared`),
    /// else read whole (`whole`).
    async fn snapshot_as<T>(
        &self,
        db: &Db,
        receiver: store::Receiver,
        limits: Limits,
        shared: impl FnOnce(store::FromView) -> T,
        whole: impl FnOnce(Snapshot) -> T,
    ) -> Result<T, sqlx::Error> {
        let connected = self.participants_connected();
        let audience = receiver.audience;
        let handle = receiver.handle.clone();
        if audience != Audience::Moderator {
            let view = self.public_view(db).await?;
            if let Some(from) =
                store::snapshot_from_view(db, &view, receiver, limits, connected).await?
            {
                return Ok(shared(from));
            }
        }
        let snapshot =
            store::snapshot(db, self.session_id, audience, handle, limits, connected).await?;
        Ok(whole(snapshot))
    }

    /// The highest sequence number the writer has published (see `published_seq`).
    pub fn published_seq(&self) -> i64 {
        self.published_seq.load(Ordering::SeqCst)
    }

    /// The public view: the one read last if nothing was published since and it is younger
    /// than [`PUBLIC_VIEW_MAX_AGE`], otherwise read now.
    async fn public_view(&self, db: &Db) -> Result<Arc<SessionView>, sqlx::Error> {
        if let Some(view) = self.current_view() {
            return Ok(view);
        }
        let _refreshing = self.view_refresh.lock().await;
        if let Some(view) = self.current_view() {
            return Ok(view);
        }
        let view = Arc::new(store::public_view(db, self.session_id).await?);
        *self.view.lock().expect(NOT_POISONED) = Some((Instant::now(), view.clone()));
        Ok(view)
    }

    fn current_view(&self) -> Option<Arc<SessionView>> {
        let published = self.published_seq();
        let cached = self.view.lock().expect(NOT_POISONED);
        cached
            .as_ref()
            .filter(|(read_at, view)| {
                view.seq == published && read_at.elapsed() < PUBLIC_VIEW_MAX_AGE
            })
            .map(|(_, view)| view.clone())
    }

    /// Counts a participant's connection for the presence count; the guard uncounts it.
    pub fn participant_connected(self: &Arc<Self>) -> PresenceGuard {
        self.participants_connected.fetch_add(1, Ordering::Relaxed);
        PresenceGuard(self.clone())
    }

    pub fn participants_connected(&self) -> u64 {
        self.participants_connected.load(Ordering::Relaxed)
    }

    /// Tells the writer that changes up to `seq` were committed (by another instance), so it
    /// broadcasts what it has not sent yet.
    pub fn committed_elsewhere(&self, seq: i64) {
        self.committed_elsewhere.send_if_modified(|known| {
            let newer = seq > *known;
            if newer {
                *known = seq;
            }
            newer
        });
    }
}

/// Keeps a participant counted as connected while it lives.
pub struct PresenceGuard(Arc<Hub>);

impl Drop for PresenceGuard {
    fn drop(&mut self) {
        self.0
            .participants_connected
            .fetch_sub(1, Ordering::Relaxed);
    }
}

/// Every live session's hub, created on first use.
pub struct Live {
    db: Db,
    pub settings: LiveSettings,
    risk_words: Arc<[String]>,
    hubs: Arc<Mutex<HashMap<i64, Arc<Hub>>>>,
    /// Flips to true when the server shuts down; sockets close with 1001.
    shutdown: watch::Sender<bool>,
    /// Where session writers run (see [`WriterThread`]).
    writers: WriterThread,
    /// Stores participants' joins, many to a commit.
    joins: JoinWriter,
}

/// The session writers' own thread, with a small runtime of its own.
///
/// A writer awaits each statement of a batch in turn. On the shared runtime every await put it
/// back in the queue behind the socket tasks a broadcast wakes, thousands of them in a large
/// session, so acknowledgements waited on fan-out (docs/BENCHMARKS.md, S5). On its own thread
/// the operating system schedules it beside the runtime's workers instead. Dropping this (with
/// `Live`) stops the thread and ends its writers.
struct WriterThread {
    handle: tokio::runtime::Handle,
    _stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl WriterThread {
    fn start() -> WriterThread {
        let (handle_tx, handle_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let started = std::thread::Builder::new()
            .name("plenary-writers".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(r) => r,
                    Err(e) => {
                        tracing::error!(error = %e, "the writers' runtime did not start");
                        return;
                    }
                };
                let _ = handle_tx.send(runtime.handle().clone());
                runtime.block_on(async {
                    let _ = stopped.await;
                });
            });
        match started.ok().and_then(|_| handle_rx.recv().ok()) {
            Some(handle) => WriterThread {
                handle,
                _stop: Some(stop),
            },
            // Without a thread of their own, writers share the server's runtime.
            None => WriterThread {
                handle: tokio::runtime::Handle::current(),
                _stop: None,
            },
        }
    }
}

impl Live {
    /// The live engine; on PostgreSQL it also starts listening on the bus between instances, so
    /// it must be created inside the tokio runtime.
    pub fn new(db: Db, settings: LiveSettings, safeguarding: &SafeguardingSettings) -> Live {
        let live = Live {
            db: db.clone(),
            settings,
            risk_words: safeguarding.risk_words.clone().into(),
            hubs: Arc::default(),
            shutdown: watch::Sender::new(false),
            writers: WriterThread::start(),
            joins: JoinWriter::start(db.clone()),
        };
        if live.db.backend == crate::store::Backend::Postgres {
            tokio::spawn(super::bus::listen(
                live.db.url.to_string(),
                live.hubs.clone(),
                live.shutdown.subscribe(),
            ));
        }
        live
    }

    /// Joins `session_id` from a client address (see [`participants::join_from`]).
    pub async fn join(
        &self,
        session_id: i64,
        request: &JoinRequest,
        address_key: &str,
    ) -> Result<Joined, AppError> {
        // A hub exists only for a session whose live state does: one query fewer per join
        // after the first.
        let has_hub = self
            .hubs
            .lock()
            .expect(NOT_POISONED)
            .contains_key(&session_id);
        if !has_hub {
            participants::ensure_live_session(&self.db, session_id).await?;
        }
        participants::join_from(&self.db, &self.joins, session_id, request, address_key).await
    }

    /// The limits the engine enforces.
    pub fn limits(&self) -> EngineLimits {
        EngineLimits {
            question_chars: self.settings.question_max_chars,
            reply_chars: self.settings.reply_max_chars,
            questions_per_minute: self.settings.questions_per_minute,
            risk_words: self.risk_words.clone(),
        }
    }

    /// The hub of a session whose live state exists (see `participants::ensure_live_session`).
    pub async fn hub(&self, session_id: i64) -> Result<Arc<Hub>, sqlx::Error> {
        if let Some(hub) = self.hubs.lock().expect(NOT_POISONED).get(&session_id) {
            return Ok(hub.clone());
        }
        // What is committed now reaches sockets through their snapshots and replays; the new
        // hub broadcasts what comes after.
        let last_seq = store::last_seq(&self.db.pool, session_id).await?;
        let mut hubs = self.hubs.lock().expect(NOT_POISONED);
        Ok(hubs
            .entry(session_id)
            .or_insert_with(|| self.start_hub(session_id, last_seq))
            .clone())
    }

    fn start_hub(&self, session_id: i64, last_seq: i64) -> Arc<Hub> {
        let (jobs, rx) = mpsc::channel(4096);
        let (ring, _) = broadcast::channel(self.settings.queue_capacity);
        let per_minute =
            NonZeroU32::new(self.settings.questions_per_minute).unwrap_or(NonZeroU32::MIN);
        let (committed_elsewhere, committed_rx) = watch::channel(0);
        let published_seq = Arc::new(AtomicI64::new(last_seq));
        let hub = Arc::new(Hub {
            session_id,
            jobs,
            ring: ring.clone(),
            participants_connected: AtomicU64::new(0),
            committed_elsewhere,
            ask_limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
            caption_limiter: RateLimiter::keyed(
                Quota::per_minute(CAPTIONS_PER_MINUTE).allow_burst(CAPTION_BURST),
            ),
            published_seq: published_seq.clone(),
            view: Mutex::new(None),
            view_refresh: tokio::sync::Mutex::new(()),
        });
        let writer = WriterTask {
            db: self.db.clone(),
            session_id,
            limits: self.limits(),
            ring,
            tallies: TallyBuffer::default(),
            min_tally_interval: Duration::from_millis(self.settings.tally_interval_ms),
            tally_frames_per_second: self.settings.tally_frames_per_second,
            last_tally_flush: Instant::now(),
            hub: Arc::downgrade(&hub),
            presence_frames_per_second: self.settings.presence_frames_per_second,
            last_presence: 0,
            last_presence_sent: Instant::now(),
            sent_seq: last_seq,
            published_seq,
        };
        self.writers.handle.spawn(writer.run(rx, committed_rx));
        hub
    }

    /// A receiver that sees `true` once shutdown begins.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Tells every socket to close (1001, going away) so clients reconnect elsewhere.
    pub fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Completes when every holder of a [`Live::shutdown_signal`] has dropped it: after
    /// [`Live::begin_shutdown`], when every socket has sent its close (and, on PostgreSQL, the
    /// bus listener has stopped).
    pub async fn sockets_closed(&self) {
        self.shutdown.closed().await;
    }
}

/// How long vote tallies wait before going out: `min`, or longer for a large audience. Each
/// tally frame goes to every socket, so `sockets` sockets at `frames_per_second` allow one every
/// `sockets / frames_per_second` seconds; never longer than [`MAX_TALLY_INTERVAL`] (or `min`, if
/// that is longer). Fan-out is what limits a large session (docs/BENCHMARKS.md, S5 and S6).
fn tally_interval(min: Duration, frames_per_second: u64, sockets: usize) -> Duration {
    spread(frames_per_second, sockets).clamp(min, MAX_TALLY_INTERVAL.max(min))
}

/// How long a changed presence count waits before going out: a second, or longer for a large
/// audience, on the same rule as tallies (`sockets / frames_per_second` seconds, up to
/// [`MAX_PRESENCE_INTERVAL`]). While people join, the count changes every second, and each
/// count is one `send` per socket: in a join storm at 10,000 that was 9% of the server's core.
fn presence_interval(frames_per_second: u64, sockets: usize) -> Duration {
    spread(frames_per_second, sockets).clamp(PRESENCE_TICK, MAX_PRESENCE_INTERVAL)
}

/// The time over which `sockets` frames, one per socket, keep to `frames_per_second`.
fn spread(frames_per_second: u64, sockets: usize) -> Duration {
    Duration::from_secs_f64(sockets as f64 / frames_per_second.max(1) as f64)
}

struct WriterTask {
    db: Db,
    session_id: i64,
    limits: EngineLimits,
    ring: broadcast::Sender<Arc<Outgoing>>,
    tallies: TallyBuffer,
    min_tally_interval: Duration,
    tally_frames_per_second: u64,
    last_tally_flush: Instant,
    hub: std::sync::Weak<Hub>,
    presence_frames_per_second: u64,
    /// The count last sent, and when.
    last_presence: u64,
    last_presence_sent: Instant,
    /// The last sequence number put on the ring (skipped frames and coalesced votes included).
    sent_seq: i64,
    /// `sent_seq`, for the hub's sockets (see `Hub::published_seq`).
    published_seq: Arc<AtomicI64>,
}

impl WriterTask {
    async fn run(mut self, mut jobs: mpsc::Receiver<Job>, mut committed: watch::Receiver<i64>) {
        let mut presence = tokio::time::interval(PRESENCE_TICK);
        presence.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let tally_due = self.last_tally_flush + self.tally_interval();
            tokio::select! {
                job = jobs.recv() => {
                    let Some(job) = job else { break };
                    let mut batch = vec![job];
                    while batch.len() < MAX_BATCH {
                        match jobs.try_recv() {
                            Ok(job) => batch.push(job),
                            Err(_) => break,
                        }
                    }
                    self.commit_batch(batch).await;
                }
                _ = tokio::time::sleep_until(tally_due), if !self.tallies.is_empty() => {
                    self.flush_tallies();
                }
                Ok(()) = committed.changed() => {
                    let upto = *committed.borrow_and_update();
                    self.catch_up(upto).await;
                    if !self.tallies.is_empty() && self.last_tally_flush.elapsed() >= self.tally_interval() {
                        self.flush_tallies();
                    }
                }
                _ = presence.tick() => {
                    let Some(hub) = self.hub.upgrade() else { break };
                    let now = hub.participants_connected();
                    let interval = presence_interval(
                        self.presence_frames_per_second,
                        self.ring.receiver_count(),
                    );
                    // Ticks come a second apart: half a tick early is on time.
                    let due = self.last_presence_sent.elapsed() + PRESENCE_TICK / 2 >= interval;
                    if now != self.last_presence && due {
                        self.last_presence = now;
                        self.last_presence_sent = Instant::now();
                        let frame = serde_json::to_string(&ServerFrame::Presence { participants: now })
                            .expect("a presence frame always serialises");
                        let _ = self.ring.send(Arc::new(Outgoing::to_everyone(None, frame)));
                    }
                }
            }
        }
    }

    /// How long tallies wait now: see [`tally_interval`].
    fn tally_interval(&self) -> Duration {
        tally_interval(
            self.min_tally_interval,
            self.tally_frames_per_second,
            self.ring.receiver_count(),
        )
    }

    fn flush_tallies(&mut self) {
        if let Some((seq, frame)) = self.tallies.flush() {
            // No receivers is fine: nobody is connected.
            let _ = self
                .ring
                .send(Arc::new(Outgoing::to_everyone(Some(seq), frame)));
        }
        self.last_tally_flush = Instant::now();
    }

    /// Applies a batch of commands in one transaction; acknowledges and broadcasts after commit.
    async fn commit_batch(&mut self, batch: Vec<Job>) {
        match self.try_commit(&batch).await {
            Ok(outcomes) => {
                let erased = batch
                    .iter()
                    .any(|job| matches!(job.frame.command, super::protocol::Command::EraseMyData));
                if erased {
                    // The erasure removed archived copies of questions: the public search index
                    // must forget them too. A failure is logged; the start-up rebuild repairs it.
                    if let Err(e) =
                        crate::archive::search::reindex_session(&self.db, self.session_id).await
                    {
                        tracing::error!(session_id = self.session_id, error = %e,
                            "search reindex after an erasure failed");
                    }
                }
                if erased && self.db.backend == crate::store::Backend::Sqlite {
                    // secure_delete zeroed the old text in the database file; the write-ahead
                    // log still holds page images with it until it is checkpointed and emptied.
                    if let Err(e) = sqlx::query("pragma wal_checkpoint(truncate)")
                        .fetch_optional(&self.db.pool)
                        .await
                    {
                        tracing::error!(error = %e, "checkpoint after an erasure failed");
                    }
                }
                let mut sends = Vec::new();
                for (job, outcome) in batch.into_iter().zip(outcomes) {
                    match outcome {
                        Outcome::Done(seq, result, changes) => {
                            let _ = job.reply.send(Ok((seq, result)));
                            sends.extend(changes);
                        }
                        Outcome::Refused(refusal) => {
                            let _ = job.reply.send(Err(refusal));
                        }
                    }
                }
                if let Some(first) = sends.first() {
                    // Another instance may have committed the numbers just before ours.
                    self.catch_up(first.seq - 1).await;
                }
                for change in sends {
                    self.send_change(change);
                }
                if !self.tallies.is_empty()
                    && self.last_tally_flush.elapsed() >= self.tally_interval()
                {
                    self.flush_tallies();
                }
            }
            Err(e) => {
                tracing::error!(session_id = self.session_id, error = %e, commands = batch.len(),
                    "live batch failed; nothing in it was acknowledged");
                for job in batch {
                    let _ = job.reply.send(Err(Refusal {
                        code: ErrorCode::Unavailable,
                        message:
                            "the change could not be stored; please retry with the same client_id"
                                .into(),
                    }));
                }
            }
        }
    }

    /// Puts one change on the ring, unless it was sent already; vote tallies wait to be coalesced.
    fn send_change(&mut self, change: StoredChange) {
        if change.seq <= self.sent_seq {
            return;
        }
        self.sent_seq = change.seq;
        self.published_seq.store(change.seq, Ordering::SeqCst);
        if change.is_vote {
            self.tallies.add_stored(&change);
        } else {
            self.flush_tallies();
            let _ = self.ring.send(Arc::new(Outgoing::from_stored(change)));
        }
    }

    /// Broadcasts, from the event log, every change up to `upto` not sent yet (changes committed
    /// by other instances). If the log cannot be read now, the next change tries again; clients
    /// that notice a gap resume from their last `seq`.
    async fn catch_up(&mut self, upto: i64) {
        let sent = self.sent_seq;
        if upto <= sent {
            return;
        }
        match store::changes_between(&self.db, self.session_id, sent, upto).await {
            Ok(changes) => {
                for change in changes {
                    self.send_change(change);
                }
            }
            Err(e) => {
                tracing::error!(session_id = self.session_id, error = %e, "live: catching up failed");
            }
        }
    }

    async fn try_commit(&self, batch: &[Job]) -> Result<Vec<Outcome>, sqlx::Error> {
        let mut tx = self.db.pool.begin().await?;
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut writer = Writer::begin(&mut tx, self.session_id, self.limits.clone()).await?;
        for job in batch {
            let client_id = job.frame.client_id.as_str();
            if let Some((seq, result)) = writer
                .earlier_result(job.actor, client_id, &job.frame.command)
                .await?
            {
                outcomes.push(Outcome::Done(seq, result, vec![]));
                continue;
            }
            match writer.apply(job.actor, &job.frame.command).await {
                Ok(applied) => {
                    let seq = applied.changes.last().map(|c| c.seq);
                    let mut stored = Vec::with_capacity(applied.changes.len());
                    for change in &applied.changes {
                        stored.push(writer.record(change)?);
                    }
                    // Moderation is audited; caption lines are the record itself.
                    if let (Actor::Moderator(staff_id), false, true) = (
                        job.actor,
                        applied.changes.is_empty(),
                        job.frame.command.is_moderator_command(),
                    ) {
                        let entry = store::audit_entry(
                            self.session_id,
                            &job.frame.command,
                            &applied.result,
                        );
                        store::audit(
                            writer.tx,
                            self.session_id,
                            &format!("staff:{staff_id}"),
                            entry,
                        )
                        .await?;
                    }
                    writer.remember(job.actor, client_id, seq, &applied.result)?;
                    outcomes.push(Outcome::Done(seq, applied.result, stored));
                }
                Err(ApplyError::Refused(refusal)) => outcomes.push(Outcome::Refused(refusal)),
                Err(ApplyError::Database(e)) => return Err(e),
            }
        }
        if let Some(last) = writer.finish().await? {
            if self.db.backend == crate::store::Backend::Postgres {
                // Delivered to every listening instance at commit, and only if it commits.
                sqlx::query("select 1 from pg_notify($1, $2)")
                    .bind(super::bus::CHANNEL)
                    .bind(super::bus::payload(self.session_id, last))
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(outcomes)
    }
}

enum Outcome {
    Done(Option<i64>, AckResult, Vec<StoredChange>),
    Refused(Refusal),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tallies_slow_down_as_the_audience_grows_up_to_once_a_second() {
        let min = Duration::from_millis(100);
        let at = |sockets| tally_interval(min, 20_000, sockets);
        assert_eq!(at(0), min);
        assert_eq!(at(2_000), min);
        assert_eq!(at(10_000), Duration::from_millis(500));
        assert_eq!(at(19_000), Duration::from_millis(950));
        assert_eq!(at(100_000), MAX_TALLY_INTERVAL);
        // An operator's minimum above a second wins; a budget of 0 is read as 1.
        let slow = Duration::from_secs(3);
        assert_eq!(tally_interval(slow, 20_000, 10), slow);
        assert_eq!(tally_interval(min, 0, 10), MAX_TALLY_INTERVAL);
    }

    #[test]
    fn the_presence_count_slows_down_as_the_audience_grows_up_to_every_ten_seconds() {
        let at = |sockets| presence_interval(2_000, sockets);
        assert_eq!(at(0), PRESENCE_TICK);
        assert_eq!(at(2_000), PRESENCE_TICK);
        assert_eq!(at(10_000), Duration::from_secs(5));
        assert_eq!(at(19_000), Duration::from_millis(9_500));
        assert_eq!(at(100_000), MAX_PRESENCE_INTERVAL);
    }
}
