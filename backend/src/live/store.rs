//! The live engine's storage: applying a command inside the session's write transaction (checks
//! first, then writes, then the event rows), and reading snapshots and missed events.
//!
//! Each committed change becomes one `live_event` row holding the exact frames each audience gets:
//! everyone, moderators, and the participants it concerns (the "owners"). Replays and live
//! fan-out send those same bytes, so a resumed client sees exactly what a connected one saw.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::value::RawValue;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::protocol::{
    AckResult, BackstageNote, CaptionKind, CaptionLine, CaptionSource, Command, Disposition,
    ErrorCode, FloorEntryView, FloorOrder, FloorView, Limits, LiveState, ModerationMode, Notice,
    QaState, QuestionView, Role, SafeguardingLevel, ServerFrame, Snapshot, SnapshotFrame, Tally,
    You,
};
use crate::domain::floor::{Speaker, balanced_order};
use crate::domain::qa::{self, DismissReason, QuestionStatus, Transition};
use crate::domain::text::{self, TextError};
use crate::store::{Backend, Db, now};

/// Who sent a command, as the writer re-checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Participant(i64),
    Moderator(i64),
    /// A staff member who does not moderate the session but may caption it.
    Staff(i64),
}

impl Actor {
    /// The key a client id is remembered under (a staff member's, whatever their role).
    pub fn key(self) -> String {
        match self {
            Actor::Participant(id) => format!("p:{id}"),
            Actor::Moderator(id) | Actor::Staff(id) => format!("s:{id}"),
        }
    }
}

/// Who a snapshot or replay is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Viewer,
    Participant(i64),
    Moderator,
}

/// Why a command was refused; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
}

impl Refusal {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Refusal {
            code,
            message: message.into(),
        }
    }
}

fn not_found(what: &str) -> Refusal {
    Refusal::new(
        ErrorCode::NotFound,
        format!("no such {what} in this session"),
    )
}

fn text_refusal(field: &str, err: TextError) -> Refusal {
    Refusal::new(ErrorCode::InvalidText, format!("{field}: {err}"))
}

/// A failure while applying: a refusal (reply and go on) or a database error (the batch fails).
#[derive(Debug)]
pub enum ApplyError {
    Refused(Refusal),
    Database(sqlx::Error),
}

impl From<sqlx::Error> for ApplyError {
    fn from(e: sqlx::Error) -> Self {
        ApplyError::Database(e)
    }
}

impl From<Refusal> for ApplyError {
    fn from(r: Refusal) -> Self {
        ApplyError::Refused(r)
    }
}

/// One committed change's frames, before they are stored and sent.
#[derive(Debug, Clone)]
pub struct Change {
    pub seq: i64,
    pub kind: &'static str,
    pub for_all: Option<ServerFrame>,
    pub for_moderators: Option<ServerFrame>,
    pub for_owners: Vec<(i64, ServerFrame)>,
    /// A participant whose sockets must close now (removed by a moderator); not stored.
    pub kick: Option<(i64, u16)>,
    /// The question (and its asker) whose content the frames carry, for erasure.
    pub subject: Option<(i64, i64)>,
}

impl Change {
    /// True for vote changes, whose tallies are coalesced.
    pub fn is_vote(&self) -> bool {
        self.kind == "vote"
    }
}

/// What applying one command produced.
#[derive(Debug, Default)]
pub struct Applied {
    pub result: AckResult,
    pub changes: Vec<Change>,
}

/// Limits the engine enforces, from the configuration.
#[derive(Debug, Clone)]
pub struct EngineLimits {
    pub question_chars: usize,
    pub reply_chars: usize,
    pub questions_per_minute: u32,
    /// Words that hold a question for review (`safeguarding.risk_words`).
    pub risk_words: std::sync::Arc<[String]>,
}

impl EngineLimits {
    /// The part clients are told.
    pub fn public(&self) -> Limits {
        Limits {
            question_chars: self.question_chars,
            reply_chars: self.reply_chars,
            questions_per_minute: self.questions_per_minute,
        }
    }
}

const LABEL_CHARS: usize = 32;
const BACKSTAGE_SHOWN: i64 = 50;
/// Caption lines in a snapshot: enough context for someone joining late, and what the
/// participant page shows. Every joining participant pays for these bytes on the wire, and the
/// server keeps a write buffer as large as the snapshot for as long as the socket lives, so 50
/// lines (about 14 KB) cost 10,000 participants 140 MB where 20 cost about 60.
pub const CAPTIONS_SHOWN: i64 = 20;

// ---------------------------------------------------------------------------------------------
// Reading rows

#[derive(Debug, Clone)]
struct QuestionRow {
    question_id: i64,
    participant_id: i64,
    handle: String,
    text: String,
    anonymous: bool,
    status: QuestionStatus,
    dismiss_reason: Option<DismissReason>,
    merged_into: Option<i64>,
    held_for: String,
    label: String,
    pinned: bool,
    reply: String,
    edited: bool,
    votes: i64,
    created_at: i64,
    answered_at: Option<i64>,
    merged_count: i64,
    /// The session is at the youth safeguarding level: handles are hidden from other participants.
    youth: bool,
}

const QUESTION_COLUMNS: &str = "q.question_id, q.participant_id, p.handle, q.text, q.anonymous, \
    q.status, q.dismiss_reason, q.merged_into, q.held_for, q.label, q.pinned, q.reply, q.edited, \
    q.votes, q.created_at, q.answered_at, \
    (select count(*) from question m where m.merged_into = q.question_id) as merged_count, \
    (select case when l.safeguarding_level = 'youth' then 1 else 0 end from live_session l \
     where l.session_id = q.session_id) as youth";

fn question_from_row(row: &AnyRow) -> Result<QuestionRow, sqlx::Error> {
    let status: String = row.try_get(5)?;
    let reason: Option<String> = row.try_get(6)?;
    Ok(QuestionRow {
        question_id: row.try_get(0)?,
        participant_id: row.try_get(1)?,
        handle: row.try_get(2)?,
        text: row.try_get(3)?,
        anonymous: row.try_get::<i64, _>(4)? != 0,
        status: QuestionStatus::parse(&status).ok_or_else(|| decode_error("question.status"))?,
        dismiss_reason: reason
            .map(|r| serde_json::from_value(serde_json::Value::String(r)))
            .transpose()
            .map_err(|_| decode_error("question.dismiss_reason"))?,
        merged_into: row.try_get(7)?,
        held_for: row.try_get(8)?,
        label: row.try_get(9)?,
        pinned: row.try_get::<i64, _>(10)? != 0,
        reply: row.try_get(11)?,
        edited: row.try_get::<i64, _>(12)? != 0,
        votes: row.try_get(13)?,
        created_at: row.try_get(14)?,
        answered_at: row.try_get(15)?,
        merged_count: row.try_get(16)?,
        youth: row.try_get::<Option<i64>, _>(17)?.unwrap_or(0) != 0,
    })
}

fn decode_error(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unexpected stored value in {what}").into())
}

fn reason_str(reason: DismissReason) -> String {
    match serde_json::to_value(reason) {
        Ok(serde_json::Value::String(s)) => s,
        _ => unreachable!("DismissReason serialises as a string"),
    }
}

/// How much of a question an audience sees.
#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    Public,
    Owner,
    Moderator,
}

impl QuestionRow {
    fn view(&self, view: View) -> QuestionView {
        let show_handle = match view {
            View::Moderator => true,
            View::Owner => !self.anonymous,
            View::Public => !self.anonymous && !self.youth,
        };
        let private = view != View::Public;
        QuestionView {
            question_id: self.question_id,
            text: self.text.clone(),
            handle: show_handle.then(|| self.handle.clone()),
            status: self.status,
            votes: self.votes,
            label: self.label.clone(),
            pinned: self.pinned,
            reply: self.reply.clone(),
            edited: self.edited,
            merged_count: self.merged_count,
            asked_at: self.created_at,
            answered_at: self.answered_at,
            mine: view == View::Owner,
            anonymous: private && self.anonymous,
            dismiss_reason: if private { self.dismiss_reason } else { None },
            merged_into: if private { self.merged_into } else { None },
            held_for: if view == View::Moderator {
                self.held_for.clone()
            } else {
                String::new()
            },
            participant_id: (view == View::Moderator).then_some(self.participant_id),
        }
    }

    /// The change for this question's new state, given whether everyone could see it before.
    fn change(
        &self,
        seq: i64,
        kind: &'static str,
        was_public: bool,
        notice: Option<Notice>,
    ) -> Change {
        let for_all = if self.status.is_public() {
            Some(ServerFrame::Question {
                seq,
                question: self.view(View::Public),
            })
        } else if was_public {
            Some(ServerFrame::QuestionRemoved {
                seq,
                question_id: self.question_id,
                merged_into: self.merged_into,
            })
        } else {
            None
        };
        Change {
            seq,
            kind,
            for_all,
            for_moderators: Some(ServerFrame::Question {
                seq,
                question: self.view(View::Moderator),
            }),
            for_owners: vec![(
                self.participant_id,
                ServerFrame::YourQuestion {
                    seq,
                    question: self.view(View::Owner),
                    notice,
                },
            )],
            kick: None,
            subject: Some((self.question_id, self.participant_id)),
        }
    }
}

async fn load_question(
    tx: &mut Transaction<'static, Any>,
    session_id: i64,
    question_id: i64,
) -> Result<Option<QuestionRow>, sqlx::Error> {
    let sql = format!(
        "select {QUESTION_COLUMNS} from question q join participant p on p.participant_id = q.participant_id \
         where q.question_id = $1 and q.session_id = $2"
    );
    sqlx::query(&sql)
        .bind(question_id)
        .bind(session_id)
        .fetch_optional(&mut **tx)
        .await?
        .as_ref()
        .map(question_from_row)
        .transpose()
}

#[derive(Debug, Clone, Copy)]
struct LiveRow {
    state: LiveState,
    last_seq: i64,
}

fn parse_word<T: serde::de::DeserializeOwned>(word: String, what: &str) -> Result<T, sqlx::Error> {
    serde_json::from_value(serde_json::Value::String(word)).map_err(|_| decode_error(what))
}

fn word<T: serde::Serialize>(value: T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => unreachable!("live vocabulary serialises as strings"),
    }
}

/// The columns of `live_session` that [`live_from_row`] reads, in its order (a macro, so the
/// statements that read them are constants: no string is built per batch).
macro_rules! live_columns {
    () => {
        "qa_state, moderation, floor_order, on_screen_question_id, last_seq, safeguarding_level, suspended"
    };
}

fn live_from_row(row: &AnyRow) -> Result<LiveRow, sqlx::Error> {
    Ok(LiveRow {
        state: LiveState {
            qa_state: parse_word(row.try_get(0)?, "live_session.qa_state")?,
            moderation: parse_word(row.try_get(1)?, "live_session.moderation")?,
            floor_order: parse_word(row.try_get(2)?, "live_session.floor_order")?,
            on_screen: row.try_get(3)?,
            safeguarding: parse_word(row.try_get(5)?, "live_session.safeguarding_level")?,
            suspended: row.try_get::<i64, _>(6)? != 0,
        },
        last_seq: row.try_get(4)?,
    })
}

async fn load_live<'e, E>(executor: E, session_id: i64) -> Result<Option<LiveRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query(concat!(
        "select ",
        live_columns!(),
        " from live_session where session_id = $1"
    ))
    .bind(session_id)
    .fetch_optional(executor)
    .await?
    .as_ref()
    .map(live_from_row)
    .transpose()
}

// ---------------------------------------------------------------------------------------------
// The floor queue

#[derive(Debug, Clone)]
struct FloorRow {
    entry_id: i64,
    participant_id: i64,
    handle: String,
    attendance: String,
    stakeholder_group: Option<String>,
    regional_group: Option<String>,
}

impl FloorRow {
    fn view(&self, full: bool, mine: bool) -> FloorEntryView {
        let show = full || mine;
        FloorEntryView {
            entry_id: self.entry_id,
            mine,
            handle: show.then(|| self.handle.clone()),
            attendance: show.then(|| self.attendance.clone()),
            stakeholder_group: if show {
                self.stakeholder_group.clone()
            } else {
                None
            },
            regional_group: if show {
                self.regional_group.clone()
            } else {
                None
            },
        }
    }

    fn speaker(&self) -> Speaker {
        Speaker {
            stakeholder_group: self.stakeholder_group.clone(),
            regional_group: self.regional_group.clone(),
        }
    }
}

/// The floor queue: waiting entries in calling order, and who has the floor.
#[derive(Debug)]
struct Floor {
    waiting: Vec<FloorRow>,
    speaking: Option<FloorRow>,
}

impl Floor {
    fn view(&self, audience: Audience) -> FloorView {
        let full = audience == Audience::Moderator;
        let me = match audience {
            Audience::Participant(id) => Some(id),
            _ => None,
        };
        let entry = |r: &FloorRow| r.view(full, Some(r.participant_id) == me);
        FloorView {
            waiting: self.waiting.iter().map(entry).collect(),
            speaking: self.speaking.as_ref().map(entry),
        }
    }
}

async fn load_floor(
    conn: &mut sqlx::AnyConnection,
    session_id: i64,
    order: FloorOrder,
) -> Result<Floor, sqlx::Error> {
    let rows = sqlx::query(
        "select f.floor_entry_id, f.participant_id, p.handle, p.attendance, p.stakeholder_group, \
         p.regional_group, f.status from floor_entry f join participant p on p.participant_id = f.participant_id \
         where f.session_id = $1 and (f.status in ('waiting', 'called') or f.called_at is not null) \
         order by f.called_at, f.floor_entry_id",
    )
    .bind(session_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut waiting = Vec::new();
    let mut history = Vec::new();
    let mut speaking = None;
    for row in &rows {
        let entry = FloorRow {
            entry_id: row.try_get(0)?,
            participant_id: row.try_get(1)?,
            handle: row.try_get(2)?,
            attendance: row.try_get(3)?,
            stakeholder_group: row.try_get(4)?,
            regional_group: row.try_get(5)?,
        };
        let status: String = row.try_get(6)?;
        match status.as_str() {
            "waiting" => waiting.push(entry),
            "called" => {
                history.push(entry.speaker());
                speaking = Some(entry);
            }
            _ => history.push(entry.speaker()),
        }
    }
    waiting.sort_by_key(|e| e.entry_id);
    if order == FloorOrder::Balanced {
        let speakers: Vec<Speaker> = waiting.iter().map(FloorRow::speaker).collect();
        let order = balanced_order(&history, &speakers);
        waiting = order.into_iter().map(|i| waiting[i].clone()).collect();
    }
    Ok(Floor { waiting, speaking })
}

async fn floor_change(
    tx: &mut Transaction<'static, Any>,
    session_id: i64,
    seq: i64,
) -> Result<Change, sqlx::Error> {
    let live = load_live(&mut **tx, session_id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    let floor = load_floor(tx, session_id, live.state.floor_order).await?;
    Ok(Change {
        seq,
        kind: "floor",
        for_all: Some(ServerFrame::Floor {
            seq,
            floor: floor.view(Audience::Viewer),
        }),
        for_moderators: Some(ServerFrame::Floor {
            seq,
            floor: floor.view(Audience::Moderator),
        }),
        for_owners: Vec::new(),
        kick: None,
        subject: None,
    })
}

fn state_change(seq: i64, state: LiveState) -> Change {
    let frame = ServerFrame::SessionState { seq, state };
    Change {
        seq,
        kind: "session_state",
        for_all: Some(frame.clone()),
        for_moderators: Some(frame),
        for_owners: Vec::new(),
        kick: None,
        subject: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Applying commands

/// The state of one session's write transaction while a batch of commands is applied.
pub struct Writer<'a> {
    pub tx: &'a mut Transaction<'static, Any>,
    pub session_id: i64,
    /// The last sequence number handed out (stored at the end of the batch).
    pub seq: i64,
    pub limits: EngineLimits,
    /// The session's live state as last read in this transaction.
    live: Option<LiveRow>,
    /// Whether the command being applied may use `live` as read (see [`Writer::apply`]).
    reuse_live: bool,
    /// The sequence number the batch started from.
    first_seq: i64,
    /// Event-log rows and command results not written yet (see [`Writer::record`]).
    appended: Appended,
    /// The participant that [`Writer::earlier_result`] found able to act, for the command
    /// applied next.
    checked: Option<i64>,
}

/// What a batch's asks and votes appended: the event log's rows and the results of their client
/// ids. They are written together, a few multi-row statements instead of two statements per
/// command, before any other command runs (an erasure rewrites the event log) and when the
/// batch ends.
#[derive(Default)]
struct Appended {
    events: Vec<EventRow>,
    results: Vec<ResultRow>,
    /// (actor key, client id) → index in `results`.
    by_client_id: std::collections::HashMap<(String, String), usize>,
}

struct EventRow {
    seq: i64,
    kind: &'static str,
    for_all: Option<String>,
    for_moderators: Option<String>,
    for_owners: Option<String>,
    at: i64,
    question_id: Option<i64>,
    participant_id: Option<i64>,
}

struct ResultRow {
    actor: String,
    client_id: String,
    seq: Option<i64>,
    result: AckResult,
    /// `result` as stored.
    json: String,
    at: i64,
}

/// Rows per multi-row INSERT, largest first: any number of rows goes in chunks of these sizes,
/// so each table has a handful of statement texts for the connection's statement cache.
const APPEND_CHUNKS: [usize; 6] = [32, 16, 8, 4, 2, 1];

/// `head` followed by `rows` groups of `columns` numbered placeholders.
fn values_sql(head: &str, columns: usize, rows: usize) -> String {
    use std::fmt::Write;
    let mut sql = String::from(head);
    for row in 0..rows {
        sql.push_str(if row == 0 { " (" } else { ", (" });
        for column in 0..columns {
            let sep = if column == 0 { "" } else { ", " };
            let _ = write!(sql, "{sep}${}", row * columns + column + 1);
        }
        sql.push(')');
    }
    sql
}

/// Splits `n` rows into [`APPEND_CHUNKS`] sizes.
fn chunk_sizes(mut n: usize) -> Vec<usize> {
    let mut sizes = Vec::new();
    for size in APPEND_CHUNKS {
        while n >= size {
            sizes.push(size);
            n -= size;
        }
    }
    sizes
}

/// The participant may act in the session: `$1` participant, `$2` session, `$3` 1 when the
/// command is an erasure (which a removed participant may still make).
macro_rules! participant_may_act {
    () => {
        "participant_id = $1 and session_id = $2 and erased_at is null \
         and (removed_at is null or $3 = 1)"
    };
}

impl<'a> Writer<'a> {
    /// Starts a batch: locks the session's sequence counter for this transaction and reads the
    /// last number used, with the live state in the same statement (the commands of a vote storm
    /// then need no read of it). The UPDATE takes the row lock on PostgreSQL (so instances
    /// sharing the database serialise on it) and the write lock on SQLite, before anything else
    /// is read.
    pub async fn begin(
        tx: &'a mut Transaction<'static, Any>,
        session_id: i64,
        limits: EngineLimits,
    ) -> Result<Writer<'a>, sqlx::Error> {
        let row = sqlx::query(concat!(
            "update live_session set last_seq = last_seq where session_id = $1 returning ",
            live_columns!()
        ))
        .bind(session_id)
        .fetch_one(&mut **tx)
        .await?;
        let live = live_from_row(&row)?;
        Ok(Writer {
            tx,
            session_id,
            seq: live.last_seq,
            limits,
            live: Some(live),
            reuse_live: false,
            first_seq: live.last_seq,
            appended: Appended::default(),
            checked: None,
        })
    }

    /// The stored result of an earlier command with this client id, if any: one appended in
    /// this batch, or a committed one. For a participant the same statement checks that they
    /// may act, so that [`Writer::apply`] need not ask again.
    pub async fn earlier_result(
        &mut self,
        actor: Actor,
        client_id: &str,
        command: &Command,
    ) -> Result<Option<(Option<i64>, AckResult)>, sqlx::Error> {
        self.checked = None;
        let key = actor.key();
        if let Some(&i) = self
            .appended
            .by_client_id
            .get(&(key.clone(), client_id.to_owned()))
        {
            let row = &self.appended.results[i];
            return Ok(Some((row.seq, row.result.clone())));
        }
        let stored: Option<String> = match actor {
            Actor::Participant(participant_id) => {
                let row = sqlx::query(concat!(
                    "select (select result from live_command where session_id = $2 and actor = $4 \
                     and client_id = $5), (select count(*) from participant where ",
                    participant_may_act!(),
                    ")"
                ))
                .bind(participant_id)
                .bind(self.session_id)
                .bind(i64::from(matches!(command, Command::EraseMyData)))
                .bind(&key)
                .bind(client_id)
                .fetch_one(&mut **self.tx)
                .await?;
                if row.try_get::<i64, _>(1)? > 0 {
                    self.checked = Some(participant_id);
                }
                row.try_get(0)?
            }
            Actor::Moderator(_) | Actor::Staff(_) => sqlx::query_scalar(
                "select result from live_command where session_id = $1 and actor = $2 and client_id = $3",
            )
            .bind(self.session_id)
            .bind(&key)
            .bind(client_id)
            .fetch_optional(&mut **self.tx)
            .await?,
        };
        stored
            .map(|text| {
                let stored: StoredResult =
                    serde_json::from_str(&text).map_err(|_| decode_error("live_command.result"))?;
                Ok((stored.seq, stored.result))
            })
            .transpose()
    }

    /// Appends a change to the session's event log (written by [`Writer::finish`] at the
    /// latest), and returns it as broadcast.
    pub fn record(&mut self, change: &Change) -> Result<StoredChange, sqlx::Error> {
        let stored = StoredChange {
            seq: change.seq,
            is_vote: change.is_vote(),
            tallies: match &change.for_all {
                Some(ServerFrame::Tallies { votes, .. }) => votes.clone(),
                _ => vec![],
            },
            for_all: change.for_all.as_ref().map(to_json).transpose()?,
            for_moderators: change.for_moderators.as_ref().map(to_json).transpose()?,
            for_owners: change
                .for_owners
                .iter()
                .map(|(id, f)| Ok((*id, to_json(f)?)))
                .collect::<Result<_, sqlx::Error>>()?,
            kick: change.kick,
        };
        let for_owners = if stored.for_owners.is_empty() {
            None
        } else {
            Some(
                serde_json::to_string(&stored.for_owners)
                    .map_err(|e| sqlx::Error::Encode(e.into()))?,
            )
        };
        self.appended.events.push(EventRow {
            seq: change.seq,
            kind: change.kind,
            for_all: stored.for_all.clone(),
            for_moderators: stored.for_moderators.clone(),
            for_owners,
            at: now(),
            question_id: change.subject.map(|(q, _)| q),
            participant_id: change.subject.map(|(_, p)| p),
        });
        Ok(stored)
    }

    /// Remembers what a client id produced (written by [`Writer::finish`] at the latest; a
    /// retry later in the same batch finds it here).
    pub fn remember(
        &mut self,
        actor: Actor,
        client_id: &str,
        seq: Option<i64>,
        result: &AckResult,
    ) -> Result<(), sqlx::Error> {
        let json = serde_json::to_string(&StoredResult {
            seq,
            result: result.clone(),
        })
        .map_err(|e| sqlx::Error::Encode(e.into()))?;
        let appended = &mut self.appended;
        let key = (actor.key(), client_id.to_owned());
        appended
            .by_client_id
            .insert(key.clone(), appended.results.len());
        appended.results.push(ResultRow {
            actor: key.0,
            client_id: key.1,
            seq,
            result: result.clone(),
            json,
            at: now(),
        });
        Ok(())
    }

    /// Writes the appended rows, a few multi-row statements per table.
    async fn write_appended(&mut self) -> Result<(), sqlx::Error> {
        let Appended {
            events, results, ..
        } = std::mem::take(&mut self.appended);
        let mut rest = &events[..];
        for size in chunk_sizes(events.len()) {
            let (chunk, after) = rest.split_at(size);
            rest = after;
            let sql = values_sql(
                "insert into live_event (session_id, seq, kind, for_all, for_moderators, for_owners, \
                 created_at, question_id, subject_participant_id) values",
                9,
                size,
            );
            let mut query = sqlx::query(&sql);
            for row in chunk {
                query = query
                    .bind(self.session_id)
                    .bind(row.seq)
                    .bind(row.kind)
                    .bind(row.for_all.as_deref())
                    .bind(row.for_moderators.as_deref())
                    .bind(row.for_owners.as_deref())
                    .bind(row.at)
                    .bind(row.question_id)
                    .bind(row.participant_id);
            }
            query.execute(&mut **self.tx).await?;
        }
        let mut rest = &results[..];
        for size in chunk_sizes(results.len()) {
            let (chunk, after) = rest.split_at(size);
            rest = after;
            let sql = values_sql(
                "insert into live_command (session_id, actor, client_id, result, created_at) values",
                5,
                size,
            );
            let mut query = sqlx::query(&sql);
            for row in chunk {
                query = query
                    .bind(self.session_id)
                    .bind(row.actor.as_str())
                    .bind(row.client_id.as_str())
                    .bind(row.json.as_str())
                    .bind(row.at);
            }
            query.execute(&mut **self.tx).await?;
        }
        Ok(())
    }

    /// Ends the batch's writing: writes what was appended and stores the last sequence number
    /// handed out, if the batch handed any out (which it then returns).
    pub async fn finish(&mut self) -> Result<Option<i64>, sqlx::Error> {
        self.write_appended().await?;
        if self.seq == self.first_seq {
            return Ok(None);
        }
        sqlx::query("update live_session set last_seq = $1 where session_id = $2")
            .bind(self.seq)
            .bind(self.session_id)
            .execute(&mut **self.tx)
            .await?;
        Ok(Some(self.seq))
    }

    fn next_seq(&mut self) -> i64 {
        self.seq += 1;
        self.seq
    }

    async fn live(&mut self) -> Result<LiveRow, ApplyError> {
        if let (true, Some(live)) = (self.reuse_live, self.live) {
            return Ok(live);
        }
        let live = load_live(&mut **self.tx, self.session_id)
            .await?
            .ok_or_else(|| not_found("live session"))?;
        self.live = Some(live);
        Ok(live)
    }

    async fn question(&mut self, question_id: i64) -> Result<QuestionRow, ApplyError> {
        Ok(load_question(self.tx, self.session_id, question_id)
            .await?
            .ok_or_else(|| not_found("question"))?)
    }

    /// Applies one command; checks everything before writing anything.
    ///
    /// Asks and votes never change the live state, so between them it is read once per batch;
    /// any other command reads it afresh each time it needs it, and whatever it read is
    /// forgotten after it (it may have changed the state: an erasure can clear the screen).
    ///
    /// Asks and votes only append to the event log, so their rows wait and are written
    /// together; any other command first has them written, since it may read or rewrite the
    /// log (an erasure does).
    pub async fn apply(&mut self, actor: Actor, command: &Command) -> Result<Applied, ApplyError> {
        let ask_or_vote = matches!(command, Command::Ask { .. } | Command::Vote { .. });
        if !ask_or_vote {
            self.write_appended().await?;
        }
        self.reuse_live = ask_or_vote;
        let checked = self.checked.take();
        let applied = self.apply_command(actor, command, checked).await;
        if !ask_or_vote {
            self.live = None;
        }
        applied
    }

    /// `checked`: a participant already found able to act (by [`Writer::earlier_result`]).
    async fn apply_command(
        &mut self,
        actor: Actor,
        command: &Command,
        checked: Option<i64>,
    ) -> Result<Applied, ApplyError> {
        if let Command::Caption {
            text,
            speaker,
            kind,
        } = command
        {
            return match actor {
                Actor::Moderator(staff_id) | Actor::Staff(staff_id) => {
                    self.caption(staff_id, text, speaker, *kind).await
                }
                Actor::Participant(_) => Err(Refusal::new(
                    ErrorCode::Forbidden,
                    "only the session's captioners can send captions",
                )
                .into()),
            };
        }
        match actor {
            Actor::Staff(_) => Err(Refusal::new(
                ErrorCode::Forbidden,
                "you are not a moderator of this session",
            )
            .into()),
            Actor::Participant(participant_id) => {
                if command.is_moderator_command() {
                    return Err(
                        Refusal::new(ErrorCode::Forbidden, "only moderators can do this").into(),
                    );
                }
                // A removed participant may still erase what they wrote; nothing else.
                let erasing = matches!(command, Command::EraseMyData);
                let may_act = checked == Some(participant_id)
                    || sqlx::query(concat!(
                        "select 1 from participant where ",
                        participant_may_act!()
                    ))
                    .bind(participant_id)
                    .bind(self.session_id)
                    .bind(i64::from(erasing))
                    .fetch_optional(&mut **self.tx)
                    .await?
                    .is_some();
                if !may_act {
                    return Err(Refusal::new(
                        ErrorCode::Forbidden,
                        "you are not a participant of this session",
                    )
                    .into());
                }
                self.apply_participant(participant_id, command).await
            }
            Actor::Moderator(staff_id) => {
                if !command.is_moderator_command() {
                    return Err(Refusal::new(
                        ErrorCode::Forbidden,
                        "moderators act on questions; join as a participant to ask or vote",
                    )
                    .into());
                }
                if !super::participants::can_moderate_id(&mut **self.tx, self.session_id, staff_id)
                    .await?
                {
                    return Err(Refusal::new(
                        ErrorCode::Forbidden,
                        "you are not a moderator of this session",
                    )
                    .into());
                }
                self.apply_moderator(staff_id, command).await
            }
        }
    }

    async fn apply_participant(
        &mut self,
        me: i64,
        command: &Command,
    ) -> Result<Applied, ApplyError> {
        let live = self.live().await?;
        let acts = matches!(
            command,
            Command::Ask { .. } | Command::Vote { .. } | Command::RaiseHand
        );
        if live.state.suspended && acts {
            return Err(Refusal::new(
                ErrorCode::Suspended,
                "the moderators have paused participation for a moment",
            )
            .into());
        }
        match command {
            Command::Ask { text, anonymous } => {
                if live.state.qa_state != QaState::Open {
                    return Err(
                        Refusal::new(ErrorCode::QaClosed, "questions are not open now").into(),
                    );
                }
                let text = text::clean(text, self.limits.question_chars, true)
                    .map_err(|e| text_refusal("text", e))?;
                let held_for = crate::domain::pii::held_for(&text, &self.limits.risk_words);
                let status = if live.state.moderation == ModerationMode::Pre || !held_for.is_empty()
                {
                    QuestionStatus::Pending
                } else {
                    QuestionStatus::Approved
                };
                let at = now();
                let approved_at = (status == QuestionStatus::Approved).then_some(at);
                let row = sqlx::query(
                    "insert into question (session_id, participant_id, text, anonymous, status, held_for, \
                     created_at, approved_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $7) \
                     returning question_id",
                )
                .bind(self.session_id)
                .bind(me)
                .bind(&text)
                .bind(i64::from(*anonymous))
                .bind(status.as_str())
                .bind(&held_for)
                .bind(at)
                .bind(approved_at)
                .fetch_one(&mut **self.tx)
                .await?;
                let question_id: i64 = row.try_get(0)?;
                let q = self.question(question_id).await?;
                let seq = self.next_seq();
                Ok(Applied {
                    result: AckResult {
                        question_id: Some(question_id),
                        status: Some(status),
                        ..AckResult::default()
                    },
                    changes: vec![q.change(seq, "ask", false, None)],
                })
            }
            Command::Vote { question_id, up } => {
                if !matches!(live.state.qa_state, QaState::Open | QaState::VotingOnly) {
                    return Err(Refusal::new(ErrorCode::QaClosed, "voting is not open now").into());
                }
                // The question's check is part of the vote's statement; only a vote that
                // changed nothing reads the question, to say why.
                let changed = if *up {
                    sqlx::query(
                        "insert into question_vote (question_id, participant_id, created_at) \
                         select $1, $2, $3 where exists (select 1 from question where question_id = $1 \
                         and session_id = $4 and status = $5) \
                         on conflict (question_id, participant_id) do nothing",
                    )
                    .bind(question_id)
                    .bind(me)
                    .bind(now())
                    .bind(self.session_id)
                    .bind(qa::VOTABLE.as_str())
                    .execute(&mut **self.tx)
                    .await?
                    .rows_affected()
                } else {
                    sqlx::query(
                        "delete from question_vote where question_id = $1 and participant_id = $2 \
                         and exists (select 1 from question where question_id = $1 \
                         and session_id = $3 and status = $4)",
                    )
                    .bind(question_id)
                    .bind(me)
                    .bind(self.session_id)
                    .bind(qa::VOTABLE.as_str())
                    .execute(&mut **self.tx)
                    .await?
                    .rows_affected()
                };
                let mut result = AckResult {
                    question_id: Some(*question_id),
                    voted: Some(*up),
                    ..AckResult::default()
                };
                if changed == 0 {
                    let q = self.question(*question_id).await?;
                    if !qa::can_vote(q.status) {
                        return Err(Refusal::new(
                            ErrorCode::InvalidState,
                            "only open questions can be voted on",
                        )
                        .into());
                    }
                    // Already so: nothing changes, nothing is sent.
                    result.votes = Some(q.votes);
                    return Ok(Applied {
                        result,
                        changes: vec![],
                    });
                }
                let votes: i64 = sqlx::query(
                    "update question set votes = votes + $1 where question_id = $2 returning votes",
                )
                .bind(if *up { 1i64 } else { -1 })
                .bind(question_id)
                .fetch_one(&mut **self.tx)
                .await?
                .try_get(0)?;
                result.votes = Some(votes);
                let seq = self.next_seq();
                let frame = ServerFrame::Tallies {
                    seq,
                    votes: vec![Tally {
                        question_id: *question_id,
                        votes,
                    }],
                };
                Ok(Applied {
                    result,
                    changes: vec![Change {
                        seq,
                        kind: "vote",
                        for_all: Some(frame.clone()),
                        for_moderators: Some(frame),
                        for_owners: vec![],
                        kick: None,
                        subject: None,
                    }],
                })
            }
            Command::Withdraw { question_id } => {
                let q = self.question(*question_id).await?;
                if q.participant_id != me {
                    return Err(Refusal::new(
                        ErrorCode::Forbidden,
                        "you can only withdraw your own questions",
                    )
                    .into());
                }
                self.transition(q, Transition::Withdraw, None, live).await
            }
            Command::RaiseHand => {
                if matches!(live.state.qa_state, QaState::Paused | QaState::Closed) {
                    return Err(Refusal::new(
                        ErrorCode::QaClosed,
                        "the floor queue is not open now",
                    )
                    .into());
                }
                let existing = sqlx::query(
                    "select floor_entry_id from floor_entry where session_id = $1 and participant_id = $2 \
                     and status = 'waiting'",
                )
                .bind(self.session_id)
                .bind(me)
                .fetch_optional(&mut **self.tx)
                .await?;
                if let Some(row) = existing {
                    return Ok(Applied {
                        result: AckResult {
                            entry_id: Some(row.try_get(0)?),
                            ..AckResult::default()
                        },
                        changes: vec![],
                    });
                }
                let entry_id: i64 = sqlx::query(
                    "insert into floor_entry (session_id, participant_id, status, created_at) \
                     values ($1, $2, 'waiting', $3) returning floor_entry_id",
                )
                .bind(self.session_id)
                .bind(me)
                .bind(now())
                .fetch_one(&mut **self.tx)
                .await?
                .try_get(0)?;
                let seq = self.next_seq();
                Ok(Applied {
                    result: AckResult {
                        entry_id: Some(entry_id),
                        ..AckResult::default()
                    },
                    changes: vec![floor_change(self.tx, self.session_id, seq).await?],
                })
            }
            Command::EraseMyData => self.erase(me).await,
            Command::LowerHand => {
                let lowered = sqlx::query(
                    "update floor_entry set status = 'withdrawn' where session_id = $1 and participant_id = $2 \
                     and status = 'waiting'",
                )
                .bind(self.session_id)
                .bind(me)
                .execute(&mut **self.tx)
                .await?
                .rows_affected();
                let mut changes = vec![];
                if lowered > 0 {
                    let seq = self.next_seq();
                    changes.push(floor_change(self.tx, self.session_id, seq).await?);
                }
                Ok(Applied {
                    result: AckResult::default(),
                    changes,
                })
            }
            _ => Err(Refusal::new(ErrorCode::Forbidden, "only moderators can do this").into()),
        }
    }

    /// Erases a participant's content: questions become tombstones (the frames that carried
    /// them too), votes are withdrawn, the hand lowered, the handle and groups forgotten, and
    /// their sockets closed. What stays: that a participant existed, and content-free counts.
    async fn erase(&mut self, me: i64) -> Result<Applied, ApplyError> {
        let mut changes = Vec::new();
        let theirs: Vec<i64> = sqlx::query(
            "select question_id from question where participant_id = $1 and erased = 0 order by question_id",
        )
        .bind(me)
        .fetch_all(&mut **self.tx)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
        for question_id in &theirs {
            let q = self.question(*question_id).await?;
            // Votes on it go; the question stays as an empty, hidden tombstone.
            sqlx::query("delete from question_vote where question_id = $1")
                .bind(question_id)
                .execute(&mut **self.tx)
                .await?;
            sqlx::query(
                "update question set text = '', label = '', reply = '', votes = 0, erased = 1, \
                 status = case when status in ('approved', 'answered', 'pending') then 'withdrawn' else status end, \
                 updated_at = $1 where question_id = $2",
            )
            .bind(now())
            .bind(question_id)
            .execute(&mut **self.tx)
            .await?;
            let seq = self.next_seq();
            let removed = ServerFrame::QuestionRemoved {
                seq,
                question_id: *question_id,
                merged_into: None,
            };
            changes.push(Change {
                seq,
                kind: "erase",
                for_all: q.status.is_public().then(|| removed.clone()),
                for_moderators: Some(removed),
                for_owners: vec![],
                kick: None,
                subject: None,
            });
            let erased = self.question(*question_id).await?;
            let live = self.live().await?;
            changes.extend(self.clear_screen_unless_showable(&erased, live).await?);
        }
        // The record's copies of their questions (kept without the asker, so only this link
        // finds them) go in the same transaction; outcome and carry links cascade. The hub
        // reindexes the session's search entries after the commit.
        for question_id in &theirs {
            sqlx::query("delete from archived_question where question_id = $1")
                .bind(question_id)
                .execute(&mut **self.tx)
                .await?;
        }
        // Their votes on others' questions are withdrawn: the tallies change.
        let voted: Vec<i64> = sqlx::query(
            "select v.question_id from question_vote v join question q on q.question_id = v.question_id \
             where v.participant_id = $1 and q.session_id = $2 order by v.question_id",
        )
        .bind(me)
        .bind(self.session_id)
        .fetch_all(&mut **self.tx)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
        for question_id in voted {
            sqlx::query("delete from question_vote where question_id = $1 and participant_id = $2")
                .bind(question_id)
                .bind(me)
                .execute(&mut **self.tx)
                .await?;
            let votes: i64 = sqlx::query(
                "update question set votes = votes - 1 where question_id = $1 returning votes",
            )
            .bind(question_id)
            .fetch_one(&mut **self.tx)
            .await?
            .try_get(0)?;
            let seq = self.next_seq();
            let frame = ServerFrame::Tallies {
                seq,
                votes: vec![Tally { question_id, votes }],
            };
            changes.push(Change {
                seq,
                kind: "vote",
                for_all: Some(frame.clone()),
                for_moderators: Some(frame),
                for_owners: vec![],
                kick: None,
                subject: None,
            });
        }
        let handle: String =
            sqlx::query("select handle from participant where participant_id = $1")
                .bind(me)
                .fetch_one(&mut **self.tx)
                .await?
                .try_get(0)?;
        let lowered = sqlx::query(
            "update floor_entry set status = case when status = 'called' then 'spoke' else 'withdrawn' end \
             where participant_id = $1 and status in ('waiting', 'called')",
        )
        .bind(me)
        .execute(&mut **self.tx)
        .await?
        .rows_affected();
        let placeholder = format!("erased-{me}");
        sqlx::query(
            "update participant set handle = $1, handle_key = $1, token_hash = $2, data_key_hash = null, \
             stakeholder_group = null, regional_group = null, address_key = '', erased_at = $3 \
             where participant_id = $4",
        )
        .bind(&placeholder)
        .bind(format!("erased:{me}"))
        .bind(now())
        .bind(me)
        .execute(&mut **self.tx)
        .await?;
        if lowered > 0 {
            let seq = self.next_seq();
            changes.push(floor_change(self.tx, self.session_id, seq).await?);
        }
        // The stored frames that carried their questions become tombstones, and their handle
        // leaves the moderators' floor-queue frames (handles hold no quotes or backslashes, so
        // the JSON text holds them verbatim).
        sqlx::query(
            "update live_event set \
             for_all = '{\"type\":\"question_removed\",\"seq\":' || seq || ',\"question_id\":' || question_id || '}', \
             for_moderators = '{\"type\":\"question_removed\",\"seq\":' || seq || ',\"question_id\":' || question_id || '}', \
             for_owners = null where session_id = $1 and subject_participant_id = $2",
        )
        .bind(self.session_id)
        .bind(me)
        .execute(&mut **self.tx)
        .await?;
        sqlx::query(
            "update live_event set for_moderators = replace(for_moderators, $1, $2), \
             for_all = replace(for_all, $1, $2) where session_id = $3 and kind in ('floor', 'remove_participant')",
        )
        .bind(format!("\"handle\":\"{handle}\""))
        .bind(format!("\"handle\":\"{placeholder}\""))
        .bind(self.session_id)
        .execute(&mut **self.tx)
        .await?;
        let seq = self.next_seq();
        changes.push(Change {
            seq,
            kind: "erase_participant",
            for_all: None,
            for_moderators: None,
            for_owners: vec![],
            kick: Some((me, super::protocol::close::ERASED)),
            subject: None,
        });
        Ok(Applied {
            result: AckResult::default(),
            changes,
        })
    }

    /// Moves a question through the state machine and records the change (and clears the
    /// presenter screen when the question leaves what may be shown).
    async fn transition(
        &mut self,
        q: QuestionRow,
        transition: Transition,
        reason: Option<DismissReason>,
        live: LiveRow,
    ) -> Result<Applied, ApplyError> {
        let to = qa::next_status(q.status, transition)
            .map_err(|e| Refusal::new(ErrorCode::InvalidState, e.to_string()))?;
        let at = now();
        sqlx::query(
            "update question set status = $1, dismiss_reason = $2, updated_at = $3, \
             approved_at = case when $1 = 'approved' and approved_at is null then $3 else approved_at end, \
             answered_at = case when $1 = 'answered' then $3 when $1 = 'approved' then null else answered_at end \
             where question_id = $4",
        )
        .bind(to.as_str())
        .bind(reason.map(reason_str))
        .bind(at)
        .bind(q.question_id)
        .execute(&mut **self.tx)
        .await?;
        let kind = match transition {
            Transition::Approve => "approve",
            Transition::Dismiss => "dismiss",
            Transition::MarkAnswered => "mark_answered",
            Transition::Reopen => "reopen",
            Transition::Withdraw => "withdraw",
            Transition::MergeAway => "merge",
        };
        let after = self.question(q.question_id).await?;
        let seq = self.next_seq();
        let mut changes = vec![after.change(seq, kind, q.status.is_public(), None)];
        changes.extend(self.clear_screen_unless_showable(&after, live).await?);
        Ok(Applied {
            result: AckResult {
                question_id: Some(q.question_id),
                status: Some(to),
                ..AckResult::default()
            },
            changes,
        })
    }

    async fn clear_screen_unless_showable(
        &mut self,
        q: &QuestionRow,
        live: LiveRow,
    ) -> Result<Option<Change>, ApplyError> {
        if live.state.on_screen != Some(q.question_id) || qa::can_show_on_screen(q.status) {
            return Ok(None);
        }
        sqlx::query("update live_session set on_screen_question_id = null where session_id = $1")
            .bind(self.session_id)
            .execute(&mut **self.tx)
            .await?;
        let seq = self.next_seq();
        Ok(Some(state_change(
            seq,
            LiveState {
                on_screen: None,
                ..live.state
            },
        )))
    }

    async fn edit_question(
        &mut self,
        q: QuestionRow,
        kind: &'static str,
        sql: &str,
        value: sqlx_value::Value,
    ) -> Result<Applied, ApplyError> {
        if !q.status.is_open() {
            return Err(Refusal::new(
                ErrorCode::InvalidState,
                format!("a {} question cannot be changed", q.status.as_str()),
            )
            .into());
        }
        let query = sqlx::query(sql);
        let query = match value {
            sqlx_value::Value::Text(t) => query.bind(t),
            sqlx_value::Value::Int(i) => query.bind(i),
        };
        query
            .bind(now())
            .bind(q.question_id)
            .execute(&mut **self.tx)
            .await?;
        let after = self.question(q.question_id).await?;
        let seq = self.next_seq();
        Ok(Applied {
            result: AckResult {
                question_id: Some(q.question_id),
                ..AckResult::default()
            },
            changes: vec![after.change(seq, kind, q.status.is_public(), None)],
        })
    }

    /// Stores a caption line as the next transcript segment and tells everyone. Who may caption
    /// is read in this transaction, so a removed assignment counts from the next line.
    async fn caption(
        &mut self,
        staff_id: i64,
        text: &str,
        speaker: &str,
        kind: CaptionKind,
    ) -> Result<Applied, ApplyError> {
        use crate::archive::transcripts::{self, CaptionRefusal, import::SegmentKind};
        let segment_kind = match kind {
            CaptionKind::Speech => SegmentKind::Speech,
            CaptionKind::StageNote => SegmentKind::StageNote,
        };
        let stored = match transcripts::store_caption(
            self.tx,
            self.session_id,
            staff_id,
            speaker,
            segment_kind,
            text,
        )
        .await?
        {
            Ok(stored) => stored,
            Err(CaptionRefusal::NotCaptioner) => {
                return Err(Refusal::new(
                    ErrorCode::Forbidden,
                    "you are not a captioner of this session",
                )
                .into());
            }
            Err(CaptionRefusal::Closed(message)) => {
                return Err(Refusal::new(ErrorCode::InvalidState, message).into());
            }
            Err(CaptionRefusal::Text(message)) => {
                return Err(Refusal::new(ErrorCode::InvalidText, message).into());
            }
        };
        let seq = self.next_seq();
        let frame = ServerFrame::Caption {
            seq,
            caption: CaptionLine {
                segment_id: stored.segment_id,
                speaker: stored.speaker,
                kind,
                text: stored.text,
                starts_ms: stored.starts_ms,
                at: stored.at,
                source: CaptionSource::Captioner,
            },
        };
        Ok(Applied {
            result: AckResult {
                segment_id: Some(stored.segment_id),
                ..AckResult::default()
            },
            changes: vec![Change {
                seq,
                kind: "caption",
                for_all: Some(frame.clone()),
                for_moderators: Some(frame),
                for_owners: vec![],
                kick: None,
                subject: None,
            }],
        })
    }

    /// Applies a moderator command with no staff account behind it: only the demo loader uses
    /// this, to leave a session mid-discussion.
    pub(crate) async fn apply_as_demo_moderator(
        &mut self,
        command: &Command,
    ) -> Result<Applied, ApplyError> {
        debug_assert!(!matches!(command, Command::Backstage { .. }));
        self.apply_moderator(0, command).await
    }

    async fn apply_moderator(
        &mut self,
        staff_id: i64,
        command: &Command,
    ) -> Result<Applied, ApplyError> {
        let live = self.live().await?;
        match command {
            Command::Approve { question_id } => {
                let q = self.question(*question_id).await?;
                self.transition(q, Transition::Approve, None, live).await
            }
            Command::Dismiss {
                question_id,
                reason,
            } => {
                let q = self.question(*question_id).await?;
                self.transition(q, Transition::Dismiss, Some(*reason), live)
                    .await
            }
            Command::MarkAnswered { question_id } => {
                let q = self.question(*question_id).await?;
                self.transition(q, Transition::MarkAnswered, None, live)
                    .await
            }
            Command::Reopen { question_id } => {
                let q = self.question(*question_id).await?;
                self.transition(q, Transition::Reopen, None, live).await
            }
            Command::ShowOnScreen { question_id } => {
                if let Some(id) = question_id {
                    let q = self.question(*id).await?;
                    if !qa::can_show_on_screen(q.status) {
                        return Err(Refusal::new(
                            ErrorCode::InvalidState,
                            "only approved or answered questions can go on screen",
                        )
                        .into());
                    }
                }
                if live.state.on_screen == *question_id {
                    return Ok(Applied::default());
                }
                sqlx::query(
                    "update live_session set on_screen_question_id = $1 where session_id = $2",
                )
                .bind(*question_id)
                .bind(self.session_id)
                .execute(&mut **self.tx)
                .await?;
                let seq = self.next_seq();
                Ok(Applied {
                    result: AckResult {
                        question_id: *question_id,
                        ..AckResult::default()
                    },
                    changes: vec![state_change(
                        seq,
                        LiveState {
                            on_screen: *question_id,
                            ..live.state
                        },
                    )],
                })
            }
            Command::Merge { question_id, into } => self.merge(*question_id, *into, live).await,
            Command::Edit { question_id, text } => {
                let text = text::clean(text, self.limits.question_chars, true)
                    .map_err(|e| text_refusal("text", e))?;
                let q = self.question(*question_id).await?;
                self.edit_question(
                    q,
                    "edit",
                    "update question set text = $1, edited = 1, updated_at = $2 where question_id = $3",
                    sqlx_value::Value::Text(text),
                )
                .await
            }
            Command::Label { question_id, label } => {
                let label = text::clean_optional(label, LABEL_CHARS)
                    .map_err(|e| text_refusal("label", e))?;
                let q = self.question(*question_id).await?;
                self.edit_question(
                    q,
                    "label",
                    "update question set label = $1, updated_at = $2 where question_id = $3",
                    sqlx_value::Value::Text(label),
                )
                .await
            }
            Command::Pin {
                question_id,
                pinned,
            } => {
                let q = self.question(*question_id).await?;
                self.edit_question(
                    q,
                    "pin",
                    "update question set pinned = $1, updated_at = $2 where question_id = $3",
                    sqlx_value::Value::Int(i64::from(*pinned)),
                )
                .await
            }
            Command::Reply { question_id, text } => {
                let reply = text::clean_optional(text, self.limits.reply_chars)
                    .map_err(|e| text_refusal("text", e))?;
                let q = self.question(*question_id).await?;
                self.edit_question(
                    q,
                    "reply",
                    "update question set reply = $1, updated_at = $2 where question_id = $3",
                    sqlx_value::Value::Text(reply),
                )
                .await
            }
            Command::SetQaState { state } => {
                self.set_state(
                    "qa_state",
                    word(state),
                    LiveState {
                        qa_state: *state,
                        ..live.state
                    },
                    live,
                )
                .await
            }
            Command::SetModeration { mode } => {
                if *mode == ModerationMode::Post
                    && live.state.safeguarding == SafeguardingLevel::Youth
                {
                    return Err(Refusal::new(
                        ErrorCode::InvalidState,
                        "youth sessions are always pre-moderated",
                    )
                    .into());
                }
                self.set_state(
                    "moderation",
                    word(mode),
                    LiveState {
                        moderation: *mode,
                        ..live.state
                    },
                    live,
                )
                .await
            }
            Command::SetFloorOrder { order } => {
                let mut applied = self
                    .set_state(
                        "floor_order",
                        word(order),
                        LiveState {
                            floor_order: *order,
                            ..live.state
                        },
                        live,
                    )
                    .await?;
                if !applied.changes.is_empty() {
                    let seq = self.next_seq();
                    applied
                        .changes
                        .push(floor_change(self.tx, self.session_id, seq).await?);
                }
                Ok(applied)
            }
            Command::CallNext => {
                let floor = load_floor(self.tx, self.session_id, live.state.floor_order).await?;
                let next = floor.waiting.first().ok_or_else(|| {
                    Refusal::new(ErrorCode::NotFound, "nobody is waiting for the floor")
                })?;
                self.call(next.entry_id).await
            }
            Command::CallSpeaker { entry_id } => {
                self.waiting_entry(*entry_id).await?;
                self.call(*entry_id).await
            }
            Command::SkipSpeaker { entry_id } => {
                self.waiting_entry(*entry_id).await?;
                sqlx::query("update floor_entry set status = 'skipped' where floor_entry_id = $1")
                    .bind(entry_id)
                    .execute(&mut **self.tx)
                    .await?;
                let seq = self.next_seq();
                Ok(Applied {
                    result: AckResult {
                        entry_id: Some(*entry_id),
                        ..AckResult::default()
                    },
                    changes: vec![floor_change(self.tx, self.session_id, seq).await?],
                })
            }
            Command::ClearFloor => {
                let cleared = sqlx::query(
                    "update floor_entry set status = case when status = 'called' then 'spoke' else 'cleared' end \
                     where session_id = $1 and status in ('waiting', 'called')",
                )
                .bind(self.session_id)
                .execute(&mut **self.tx)
                .await?
                .rows_affected();
                let mut changes = vec![];
                if cleared > 0 {
                    let seq = self.next_seq();
                    changes.push(floor_change(self.tx, self.session_id, seq).await?);
                }
                Ok(Applied {
                    result: AckResult::default(),
                    changes,
                })
            }
            Command::Suspend { suspended } => {
                if live.state.suspended == *suspended {
                    return Ok(Applied::default());
                }
                sqlx::query("update live_session set suspended = $1 where session_id = $2")
                    .bind(i64::from(*suspended))
                    .bind(self.session_id)
                    .execute(&mut **self.tx)
                    .await?;
                let seq = self.next_seq();
                Ok(Applied {
                    result: AckResult::default(),
                    changes: vec![state_change(
                        seq,
                        LiveState {
                            suspended: *suspended,
                            ..live.state
                        },
                    )],
                })
            }
            Command::RemoveParticipant {
                participant_id,
                ban,
            } => {
                self.remove_participant(staff_id, *participant_id, *ban, live)
                    .await
            }
            Command::SetSafeguarding { level } => {
                self.set_safeguarding(staff_id, *level, live).await
            }
            Command::Backstage { text } => {
                let text = text::clean(text, self.limits.reply_chars, true)
                    .map_err(|e| text_refusal("text", e))?;
                let at = now();
                sqlx::query(
                    "insert into backstage_note (session_id, staff_id, text, created_at) values ($1, $2, $3, $4)",
                )
                .bind(self.session_id)
                .bind(staff_id)
                .bind(&text)
                .bind(at)
                .execute(&mut **self.tx)
                .await?;
                let author: String =
                    sqlx::query("select display_name from staff where staff_id = $1")
                        .bind(staff_id)
                        .fetch_one(&mut **self.tx)
                        .await?
                        .try_get(0)?;
                let seq = self.next_seq();
                Ok(Applied {
                    result: AckResult::default(),
                    changes: vec![Change {
                        seq,
                        kind: "backstage",
                        for_all: None,
                        for_moderators: Some(ServerFrame::BackstageNote {
                            seq,
                            note: BackstageNote { author, text, at },
                        }),
                        for_owners: vec![],
                        kick: None,
                        subject: None,
                    }],
                })
            }
            _ => Err(Refusal::new(ErrorCode::Forbidden, "this is a participant's command").into()),
        }
    }

    async fn remove_participant(
        &mut self,
        staff_id: i64,
        participant_id: i64,
        ban: bool,
        live: LiveRow,
    ) -> Result<Applied, ApplyError> {
        let row = sqlx::query(
            "select p.handle_key, p.address_key, p.removed_at, s.event_id from participant p \
             join session s on s.session_id = p.session_id where p.participant_id = $1 and p.session_id = $2",
        )
        .bind(participant_id)
        .bind(self.session_id)
        .fetch_optional(&mut **self.tx)
        .await?
        .ok_or_else(|| not_found("participant"))?;
        let handle_key: String = row.try_get(0)?;
        let address_key: String = row.try_get(1)?;
        let already: Option<i64> = row.try_get(2)?;
        let event_id: i64 = row.try_get(3)?;
        let at = now();
        if ban {
            sqlx::query(
                "insert into event_ban (event_id, handle_key, address_key, staff_id, created_at) \
                 values ($1, $2, $3, $4, $5)",
            )
            .bind(event_id)
            .bind(handle_key)
            .bind(address_key)
            .bind(staff_id)
            .bind(at)
            .execute(&mut **self.tx)
            .await?;
        }
        let mut changes = Vec::new();
        if already.is_none() {
            sqlx::query("update participant set removed_at = $1 where participant_id = $2")
                .bind(at)
                .bind(participant_id)
                .execute(&mut **self.tx)
                .await?;
            // Whatever they asked stops being visible; the reason tells them why.
            let open: Vec<i64> = sqlx::query(
                "select question_id from question where participant_id = $1 \
                 and status in ('pending', 'approved', 'answered') order by question_id",
            )
            .bind(participant_id)
            .fetch_all(&mut **self.tx)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
            for question_id in open {
                let q = self.question(question_id).await?;
                let live = self.live().await?;
                let applied = self
                    .transition(
                        q,
                        Transition::Dismiss,
                        Some(DismissReason::BreaksCodeOfConduct),
                        live,
                    )
                    .await?;
                changes.extend(applied.changes);
            }
            let floor = sqlx::query(
                "update floor_entry set status = case when status = 'called' then 'spoke' else 'withdrawn' end \
                 where participant_id = $1 and status in ('waiting', 'called')",
            )
            .bind(participant_id)
            .execute(&mut **self.tx)
            .await?
            .rows_affected();
            if floor > 0 {
                let seq = self.next_seq();
                changes.push(floor_change(self.tx, self.session_id, seq).await?);
            }
            let seq = self.next_seq();
            changes.push(Change {
                seq,
                kind: "remove_participant",
                for_all: None,
                for_moderators: None,
                for_owners: vec![],
                kick: Some((participant_id, super::protocol::close::REMOVED)),
                subject: None,
            });
        }
        let _ = live;
        Ok(Applied {
            result: AckResult::default(),
            changes,
        })
    }

    async fn set_safeguarding(
        &mut self,
        staff_id: i64,
        level: SafeguardingLevel,
        live: LiveRow,
    ) -> Result<Applied, ApplyError> {
        let role: String = sqlx::query("select role from staff where staff_id = $1")
            .bind(staff_id)
            .fetch_one(&mut **self.tx)
            .await?
            .try_get(0)?;
        if role != crate::domain::schedule::StaffRole::Organizer.as_str() {
            return Err(Refusal::new(
                ErrorCode::Forbidden,
                "only organizers set a session's safeguarding level",
            )
            .into());
        }
        if live.state.safeguarding == level {
            return Ok(Applied::default());
        }
        let moderation = if level == SafeguardingLevel::Youth {
            ModerationMode::Pre
        } else {
            live.state.moderation
        };
        sqlx::query(
            "update live_session set safeguarding_level = $1, moderation = $2 where session_id = $3",
        )
        .bind(word(level))
        .bind(word(moderation))
        .bind(self.session_id)
        .execute(&mut **self.tx)
        .await?;
        let seq = self.next_seq();
        let mut changes = vec![state_change(
            seq,
            LiveState {
                safeguarding: level,
                moderation,
                ..live.state
            },
        )];
        // Handles appear or disappear for other participants: send the visible questions again.
        let public: Vec<i64> = sqlx::query(
            "select question_id from question where session_id = $1 and status in ('approved', 'answered') \
             order by question_id",
        )
        .bind(self.session_id)
        .fetch_all(&mut **self.tx)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
        for question_id in public {
            let q = self.question(question_id).await?;
            let seq = self.next_seq();
            changes.push(q.change(seq, "set_safeguarding", true, None));
        }
        Ok(Applied {
            result: AckResult::default(),
            changes,
        })
    }

    async fn set_state(
        &mut self,
        column: &'static str,
        value: String,
        state: LiveState,
        live: LiveRow,
    ) -> Result<Applied, ApplyError> {
        if state == live.state {
            return Ok(Applied::default());
        }
        // `column` is one of three fixed names chosen above, never input.
        let sql = format!("update live_session set {column} = $1 where session_id = $2");
        sqlx::query(&sql)
            .bind(value)
            .bind(self.session_id)
            .execute(&mut **self.tx)
            .await?;
        let seq = self.next_seq();
        Ok(Applied {
            result: AckResult::default(),
            changes: vec![state_change(seq, state)],
        })
    }

    async fn waiting_entry(&mut self, entry_id: i64) -> Result<(), ApplyError> {
        let row = sqlx::query(
            "select status from floor_entry where floor_entry_id = $1 and session_id = $2",
        )
        .bind(entry_id)
        .bind(self.session_id)
        .fetch_optional(&mut **self.tx)
        .await?
        .ok_or_else(|| not_found("floor-queue entry"))?;
        let status: String = row.try_get(0)?;
        if status != "waiting" {
            return Err(Refusal::new(
                ErrorCode::InvalidState,
                format!("this entry is {status}, not waiting"),
            )
            .into());
        }
        Ok(())
    }

    async fn call(&mut self, entry_id: i64) -> Result<Applied, ApplyError> {
        sqlx::query(
            "update floor_entry set status = 'spoke' where session_id = $1 and status = 'called'",
        )
        .bind(self.session_id)
        .execute(&mut **self.tx)
        .await?;
        sqlx::query(
            "update floor_entry set status = 'called', called_at = $1 where floor_entry_id = $2",
        )
        .bind(now())
        .bind(entry_id)
        .execute(&mut **self.tx)
        .await?;
        let seq = self.next_seq();
        Ok(Applied {
            result: AckResult {
                entry_id: Some(entry_id),
                ..AckResult::default()
            },
            changes: vec![floor_change(self.tx, self.session_id, seq).await?],
        })
    }

    async fn merge(
        &mut self,
        question_id: i64,
        into: i64,
        live: LiveRow,
    ) -> Result<Applied, ApplyError> {
        if question_id == into {
            return Err(Refusal::new(
                ErrorCode::InvalidState,
                "a question cannot be merged into itself",
            )
            .into());
        }
        let source = self.question(question_id).await?;
        let target = self.question(into).await?;
        qa::next_status(source.status, Transition::MergeAway)
            .map_err(|e| Refusal::new(ErrorCode::InvalidState, e.to_string()))?;
        if !qa::can_receive_merge(target.status) {
            return Err(Refusal::new(
                ErrorCode::InvalidState,
                format!(
                    "a {} question cannot receive a merge",
                    target.status.as_str()
                ),
            )
            .into());
        }
        // Voters of the duplicate move over unless they already voted for the target.
        sqlx::query(
            "insert into question_vote (question_id, participant_id, created_at) \
             select $1, v.participant_id, v.created_at from question_vote v where v.question_id = $2 \
             and not exists (select 1 from question_vote w where w.question_id = $1 and w.participant_id = v.participant_id)",
        )
        .bind(into)
        .bind(question_id)
        .execute(&mut **self.tx)
        .await?;
        sqlx::query("delete from question_vote where question_id = $1")
            .bind(question_id)
            .execute(&mut **self.tx)
            .await?;
        let at = now();
        sqlx::query(
            "update question set status = 'merged', merged_into = $1, votes = 0, updated_at = $2 where question_id = $3",
        )
        .bind(into)
        .bind(at)
        .bind(question_id)
        .execute(&mut **self.tx)
        .await?;
        sqlx::query(
            "update question set votes = (select count(*) from question_vote v where v.question_id = $1), \
             updated_at = $2 where question_id = $1",
        )
        .bind(into)
        .bind(at)
        .execute(&mut **self.tx)
        .await?;
        let source_after = self.question(question_id).await?;
        let target_after = self.question(into).await?;
        let seq = self.next_seq();
        let mut changes = vec![source_after.change(seq, "merge", source.status.is_public(), None)];
        let seq = self.next_seq();
        let notice = (target_after.participant_id != source_after.participant_id)
            .then_some(Notice::DuplicateMergedIn);
        changes.push(target_after.change(seq, "merge_target", target.status.is_public(), notice));
        changes.extend(
            self.clear_screen_unless_showable(&source_after, live)
                .await?,
        );
        Ok(Applied {
            result: AckResult {
                question_id: Some(into),
                votes: Some(target_after.votes),
                ..AckResult::default()
            },
            changes,
        })
    }
}

/// A bind value for the small family of one-column question edits.
mod sqlx_value {
    pub enum Value {
        Text(String),
        Int(i64),
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredResult {
    seq: Option<i64>,
    #[serde(flatten)]
    result: AckResult,
}

/// What the audit log records of a moderator's command: action, target and reason code, never
/// the text of a question, reply or note.
pub fn audit_entry(
    session_id: i64,
    command: &Command,
    result: &AckResult,
) -> (&'static str, String, String) {
    let question = |id: &i64| format!("question:{id}");
    let session = format!("session:{session_id}");
    match command {
        Command::Approve { question_id }
        | Command::MarkAnswered { question_id }
        | Command::Reopen { question_id }
        | Command::Edit { question_id, .. }
        | Command::Reply { question_id, .. } => {
            (command.name(), question(question_id), String::new())
        }
        Command::Dismiss {
            question_id,
            reason,
        } => ("dismiss", question(question_id), reason_str(*reason)),
        Command::Merge { question_id, into } => (
            "merge",
            question(question_id),
            format!("into question:{into}"),
        ),
        Command::Label { question_id, .. } => ("label", question(question_id), String::new()),
        Command::Pin {
            question_id,
            pinned,
        } => ("pin", question(question_id), pinned.to_string()),
        Command::ShowOnScreen { question_id } => (
            "show_on_screen",
            question_id
                .as_ref()
                .map_or_else(|| session.clone(), question),
            String::new(),
        ),
        Command::SetQaState { state } => ("set_qa_state", session, word(state)),
        Command::SetModeration { mode } => ("set_moderation", session, word(mode)),
        Command::SetFloorOrder { order } => ("set_floor_order", session, word(order)),
        Command::CallNext | Command::CallSpeaker { .. } => (
            "call_speaker",
            result
                .entry_id
                .map_or(session, |id| format!("floor_entry:{id}")),
            String::new(),
        ),
        Command::SkipSpeaker { entry_id } => (
            "skip_speaker",
            format!("floor_entry:{entry_id}"),
            String::new(),
        ),
        Command::ClearFloor => ("clear_floor", session, String::new()),
        Command::Backstage { .. } => ("backstage_note", session, String::new()),
        Command::Suspend { suspended } => (
            if *suspended { "suspend" } else { "resume" },
            session,
            String::new(),
        ),
        Command::RemoveParticipant {
            participant_id,
            ban,
        } => (
            if *ban {
                "remove_and_ban"
            } else {
                "remove_participant"
            },
            format!("participant:{participant_id}"),
            String::new(),
        ),
        Command::SetSafeguarding { level } => ("set_safeguarding", session, word(level)),
        Command::Ask { .. }
        | Command::Vote { .. }
        | Command::Withdraw { .. }
        | Command::RaiseHand
        | Command::LowerHand
        | Command::EraseMyData
        | Command::Caption { .. } => (command.name(), session, String::new()),
    }
}

/// Appends to the audit log outside the live writer (reports and their triage).
pub async fn audit_plain(
    db: &Db,
    session_id: i64,
    actor: &str,
    action: &str,
    target: &str,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into audit_log (at, actor, action, target, reason, session_id) values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(now())
    .bind(actor)
    .bind(action)
    .bind(target)
    .bind(reason)
    .bind(session_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Appends to the audit log (in the transaction of the change it records).
pub async fn audit(
    tx: &mut Transaction<'static, Any>,
    session_id: i64,
    actor: &str,
    (action, target, reason): (&str, String, String),
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into audit_log (at, actor, action, target, reason, session_id) values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(now())
    .bind(actor)
    .bind(action)
    .bind(target)
    .bind(reason)
    .bind(session_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A change as stored and sent: each audience's frame serialised once.
#[derive(Debug, Clone)]
pub struct StoredChange {
    pub seq: i64,
    pub is_vote: bool,
    /// A vote's counts after it, as in its `for_all` frame (empty for other changes), so that
    /// the writer can coalesce tallies without reading back the JSON it has just written.
    pub tallies: Vec<Tally>,
    pub for_all: Option<String>,
    pub for_moderators: Option<String>,
    pub for_owners: Vec<(i64, String)>,
    /// A participant whose sockets must close now (never stored: a removed participant's
    /// cookie no longer opens a socket anyway).
    pub kick: Option<(i64, u16)>,
}

fn to_json(frame: &ServerFrame) -> Result<String, sqlx::Error> {
    serde_json::to_string(frame).map_err(|e| sqlx::Error::Encode(e.into()))
}

// ---------------------------------------------------------------------------------------------
// Reading: snapshots and replays

/// Starts a read transaction that sees one consistent state of the database.
async fn begin_consistent_read(db: &Db) -> Result<Transaction<'static, Any>, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    if db.backend == Backend::Postgres {
        // READ COMMITTED would give each statement its own snapshot.
        sqlx::query("set transaction isolation level repeatable read")
            .execute(&mut *tx)
            .await?;
    }
    Ok(tx)
}

/// A session at one sequence number as one view of it shows it (public, or moderators'): the
/// part of a snapshot that everyone with that view shares. A hub reads the public one once for
/// many sockets (see `Hub::snapshot`).
#[derive(Debug)]
pub struct SessionView {
    pub seq: i64,
    session_id: i64,
    title: String,
    join_code: String,
    state: LiveState,
    /// Questions as `view` shows them: public ones, or every one for moderators.
    questions: Vec<QuestionView>,
    floor: Floor,
    captions: Vec<CaptionLine>,
    /// `questions` and `captions` serialised, the first time a snapshot frame needs them.
    shared_json: OnceLock<SharedJson>,
}

/// What every snapshot frame made from one view copies as it is.
#[derive(Debug)]
struct SharedJson {
    questions: Box<RawValue>,
    /// `None` when there are none (the frame then leaves them out).
    captions: Option<Box<RawValue>>,
}

impl SessionView {
    fn shared_json(&self) -> &SharedJson {
        self.shared_json.get_or_init(|| SharedJson {
            questions: serde_json::value::to_raw_value(&self.questions)
                .expect("questions always serialise"),
            captions: (!self.captions.is_empty()).then(|| {
                serde_json::value::to_raw_value(&self.captions).expect("captions always serialise")
            }),
        })
    }

    /// The text of one receiver's snapshot frame: what `snapshot_for` then serialising it
    /// would give, with the view's questions and captions serialised once for all receivers.
    fn frame_text_for(&self, audience: Audience, parts: Personal) -> String {
        let shared = self.shared_json();
        let frame = SnapshotFrame {
            seq: self.seq,
            session_id: self.session_id,
            title: &self.title,
            join_code: &self.join_code,
            you: &parts.you,
            state: &self.state,
            questions: &shared.questions,
            mine: &parts.mine,
            my_votes: &parts.my_votes,
            floor: &self.floor.view(audience),
            backstage: &parts.backstage,
            disposition: parts.disposition.as_ref(),
            captions: shared.captions.as_deref(),
            participants_connected: parts.participants_connected,
            limits: parts.limits,
        };
        // Room for the shared parts and the rest, so the text is not copied as it grows.
        let shared_len =
            shared.questions.get().len() + shared.captions.as_ref().map_or(0, |c| c.get().len());
        let mut text = Vec::with_capacity(shared_len + 1024);
        serde_json::to_writer(&mut text, &frame).expect("a snapshot frame always serialises");
        String::from_utf8(text).expect("serde_json writes UTF-8")
    }

    /// The snapshot for one receiver: this view, with what is theirs alone.
    fn snapshot_for(&self, audience: Audience, parts: Personal) -> Snapshot {
        Snapshot {
            seq: self.seq,
            session_id: self.session_id,
            title: self.title.clone(),
            join_code: self.join_code.clone(),
            you: parts.you,
            state: self.state,
            questions: self.questions.clone(),
            mine: parts.mine,
            my_votes: parts.my_votes,
            floor: self.floor.view(audience),
            backstage: parts.backstage,
            disposition: parts.disposition,
            captions: self.captions.clone(),
            participants_connected: parts.participants_connected,
            limits: parts.limits,
        }
    }
}

/// The parts of a snapshot that belong to one receiver.
struct Personal {
    you: You,
    mine: Vec<QuestionView>,
    my_votes: Vec<i64>,
    backstage: Vec<BackstageNote>,
    disposition: Option<Disposition>,
    participants_connected: u64,
    limits: Limits,
}

impl Personal {
    fn new(you: You, limits: Limits, participants_connected: u64) -> Personal {
        Personal {
            you,
            mine: vec![],
            my_votes: vec![],
            backstage: vec![],
            disposition: None,
            participants_connected,
            limits,
        }
    }
}

/// Reads the session as `view` shows it, within the caller's consistent read.
async fn session_view(
    conn: &mut sqlx::AnyConnection,
    session_id: i64,
    view: View,
) -> Result<SessionView, sqlx::Error> {
    let live = load_live(&mut *conn, session_id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    let head = sqlx::query(
        "select s.title, l.join_code from session s join live_session l on l.session_id = s.session_id \
         where s.session_id = $1",
    )
    .bind(session_id)
    .fetch_one(&mut *conn)
    .await?;
    let filter = match view {
        View::Moderator => "",
        _ => "and q.status in ('approved', 'answered')",
    };
    let sql = format!(
        "select {QUESTION_COLUMNS} from question q join participant p on p.participant_id = q.participant_id \
         where q.session_id = $1 {filter} order by q.question_id"
    );
    let questions = sqlx::query(&sql)
        .bind(session_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| question_from_row(row).map(|q| q.view(view)))
        .collect::<Result<_, _>>()?;
    let floor = load_floor(conn, session_id, live.state.floor_order).await?;
    let captions = crate::archive::transcripts::recent_lines(conn, session_id, CAPTIONS_SHOWN)
        .await?
        .into_iter()
        .map(|(c, imported)| CaptionLine {
            segment_id: c.segment_id,
            speaker: c.speaker,
            kind: match c.kind {
                crate::archive::transcripts::import::SegmentKind::Speech => CaptionKind::Speech,
                crate::archive::transcripts::import::SegmentKind::StageNote => {
                    CaptionKind::StageNote
                }
            },
            text: c.text,
            starts_ms: c.starts_ms,
            at: c.at,
            source: if imported {
                CaptionSource::Imported
            } else {
                CaptionSource::Captioner
            },
        })
        .collect();
    Ok(SessionView {
        seq: live.last_seq,
        session_id,
        title: head.try_get(0)?,
        join_code: head.try_get(1)?,
        state: live.state,
        questions,
        floor,
        captions,
        shared_json: OnceLock::new(),
    })
}

/// The public view of a session now (what participants and viewers share).
pub async fn public_view(db: &Db, session_id: i64) -> Result<SessionView, sqlx::Error> {
    let mut tx = begin_consistent_read(db).await?;
    let view = session_view(&mut tx, session_id, View::Public).await?;
    tx.commit().await?;
    Ok(view)
}

/// A participant's own questions, whatever their status, and the questions they upvoted.
async fn owned_by(
    conn: &mut sqlx::AnyConnection,
    session_id: i64,
    me: i64,
) -> Result<(Vec<QuestionView>, Vec<i64>), sqlx::Error> {
    let sql = format!(
        "select {QUESTION_COLUMNS} from question q join participant p on p.participant_id = q.participant_id \
         where q.participant_id = $1 and q.session_id = $2 order by q.question_id"
    );
    let mine = sqlx::query(&sql)
        .bind(me)
        .bind(session_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| question_from_row(r).map(|q| q.view(View::Owner)))
        .collect::<Result<Vec<_>, _>>()?;
    let votes = sqlx::query(
        "select v.question_id from question_vote v join question q on q.question_id = v.question_id \
         where v.participant_id = $1 and q.session_id = $2 order by v.question_id",
    )
    .bind(me)
    .bind(session_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| r.try_get(0))
    .collect::<Result<Vec<i64>, _>>()?;
    Ok((mine, votes))
}

fn you(audience: Audience, handle: Option<String>) -> You {
    match audience {
        Audience::Participant(me) => You {
            role: Role::Participant,
            participant_id: Some(me),
            handle,
        },
        Audience::Moderator => You {
            role: Role::Moderator,
            participant_id: None,
            handle,
        },
        Audience::Viewer => You {
            role: Role::Viewer,
            participant_id: None,
            handle: None,
        },
    }
}

/// Who a snapshot is for.
pub struct Receiver {
    pub audience: Audience,
    pub handle: Option<String>,
    /// The sequence number at which a participant was read to have asked nothing and voted for
    /// nothing, if they were (`participants::participant_for_socket`).
    pub owns_nothing_at: Option<i64>,
}

/// A participant's or viewer's snapshot from a public view read earlier, if it can be made at
/// that view's `seq` (`None` otherwise: read a whole snapshot). A participant's own questions
/// and votes are read with the session's `seq`, to prove they belong to the same state, unless
/// they were known to have none at that `seq`.
pub async fn snapshot_from_view<'v>(
    db: &Db,
    view: &'v SessionView,
    receiver: Receiver,
    limits: Limits,
    participants_connected: u64,
) -> Result<Option<FromView<'v>>, sqlx::Error> {
    let audience = receiver.audience;
    Ok(
        personal_from_view(db, view, receiver, limits, participants_connected)
            .await?
            .map(|parts| FromView {
                view,
                audience,
                parts,
            }),
    )
}

/// A receiver's snapshot made from a shared view: the view, and what is the receiver's own.
pub struct FromView<'v> {
    view: &'v SessionView,
    audience: Audience,
    parts: Personal,
}

impl FromView<'_> {
    pub fn seq(&self) -> i64 {
        self.view.seq
    }

    pub fn snapshot(self) -> Snapshot {
        self.view.snapshot_for(self.audience, self.parts)
    }

    /// The snapshot frame's text, as a socket is sent it.
    pub fn frame_text(self) -> String {
        self.view.frame_text_for(self.audience, self.parts)
    }
}

/// What is the receiver's own in a snapshot made from `view`, or `None` if it cannot be made
/// from it (see `snapshot_from_view`).
async fn personal_from_view(
    db: &Db,
    view: &SessionView,
    receiver: Receiver,
    limits: Limits,
    participants_connected: u64,
) -> Result<Option<Personal>, sqlx::Error> {
    let audience = receiver.audience;
    let mut parts = Personal::new(
        you(audience, receiver.handle),
        limits,
        participants_connected,
    );
    match audience {
        Audience::Moderator => return Ok(None),
        Audience::Viewer => {}
        Audience::Participant(_) if receiver.owns_nothing_at == Some(view.seq) => {}
        Audience::Participant(me) => {
            let mut tx = begin_consistent_read(db).await?;
            // Every change to questions and votes commits a new sequence number with it.
            if last_seq(&mut *tx, view.session_id).await? != view.seq {
                return Ok(None);
            }
            (parts.mine, parts.my_votes) = owned_by(&mut tx, view.session_id, me).await?;
            tx.commit().await?;
        }
    }
    Ok(Some(parts))
}

/// Everything `audience` may see of the session, with the sequence number it is current to.
pub async fn snapshot(
    db: &Db,
    session_id: i64,
    audience: Audience,
    handle: Option<String>,
    limits: Limits,
    participants_connected: u64,
) -> Result<Snapshot, sqlx::Error> {
    let mut tx = begin_consistent_read(db).await?;
    let view = if audience == Audience::Moderator {
        View::Moderator
    } else {
        View::Public
    };
    let session = session_view(&mut tx, session_id, view).await?;
    let mut parts = Personal::new(you(audience, handle), limits, participants_connected);
    match audience {
        Audience::Participant(me) => {
            (parts.mine, parts.my_votes) = owned_by(&mut tx, session_id, me).await?;
        }
        Audience::Moderator => {
            let notes = sqlx::query(
                "select s.display_name, b.text, b.created_at from backstage_note b join staff s on s.staff_id = b.staff_id \
                 where b.session_id = $1 order by b.backstage_note_id desc limit $2",
            )
            .bind(session_id)
            .bind(BACKSTAGE_SHOWN)
            .fetch_all(&mut *tx)
            .await?;
            parts.backstage = notes
                .iter()
                .map(|r| {
                    Ok(BackstageNote {
                        author: r.try_get(0)?,
                        text: r.try_get(1)?,
                        at: r.try_get(2)?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
            parts.backstage.reverse();
            parts.disposition = Some(disposition_in(&mut tx, session_id).await?);
        }
        Audience::Viewer => {}
    }
    tx.commit().await?;
    Ok(session.snapshot_for(audience, parts))
}

async fn disposition_in(
    conn: &mut sqlx::AnyConnection,
    session_id: i64,
) -> Result<Disposition, sqlx::Error> {
    let rows = sqlx::query(
        "select status, dismiss_reason, count(*), sum(case when approved_at is not null then 1 else 0 end) \
         from question where session_id = $1 group by status, dismiss_reason",
    )
    .bind(session_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut d = Disposition::default();
    for row in rows {
        let status: String = row.try_get(0)?;
        let reason: Option<String> = row.try_get(1)?;
        let count: i64 = row.try_get(2)?;
        // SUM is numeric on PostgreSQL; read it through a cast-free path.
        let approved: i64 = row
            .try_get::<i64, _>(3)
            .or_else(|_| row.try_get::<f64, _>(3).map(|f| f as i64))
            .unwrap_or(0);
        d.asked += count;
        d.approved += approved;
        match status.as_str() {
            "pending" => d.pending += count,
            "answered" => d.answered += count,
            "merged" => d.merged += count,
            "withdrawn" => d.withdrawn += count,
            "dismissed" => {
                d.dismissed += count;
                *d.dismissed_by_reason
                    .entry(reason.unwrap_or_default())
                    .or_default() += count;
            }
            _ => {}
        }
    }
    Ok(d)
}

/// Where a session's questions stand (asked, approved, answered, merged, dismissed by reason).
pub async fn disposition(db: &Db, session_id: i64) -> Result<Disposition, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    disposition_in(&mut conn, session_id).await
}

/// The frames `audience` missed after `since`, in order, with vote tallies coalesced; `None` when
/// that is more than `limit` changes (or `since` is not a point this session has reached), so a
/// snapshot is cheaper.
pub async fn replay(
    db: &Db,
    session_id: i64,
    since: i64,
    audience: Audience,
    limit: i64,
) -> Result<Option<(i64, Vec<String>)>, sqlx::Error> {
    let mut tx = begin_consistent_read(db).await?;
    let last_seq: i64 = sqlx::query("select last_seq from live_session where session_id = $1")
        .bind(session_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    if since < 0 || since > last_seq || last_seq - since > limit {
        return Ok(None);
    }
    let rows = sqlx::query(
        "select seq, kind, for_all, for_moderators, for_owners from live_event \
         where session_id = $1 and seq > $2 order by seq",
    )
    .bind(session_id)
    .bind(since)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut frames = Vec::new();
    let mut tallies = TallyBuffer::default();
    for row in rows {
        let stored = stored_from_row(&row)?;
        if stored.is_vote {
            tallies.add_stored(&stored);
            continue;
        }
        if let Some((_, frame)) = tallies.flush() {
            frames.push(frame);
        }
        frames.push(stored.frame_for(audience).to_string());
    }
    if let Some((_, frame)) = tallies.flush() {
        frames.push(frame);
    }
    Ok(Some((last_seq, frames)))
}

/// The stored changes after `after` up to `upto` (inclusive), in order, for every audience:
/// what a hub has not broadcast yet when another instance committed it.
pub async fn changes_between(
    db: &Db,
    session_id: i64,
    after: i64,
    upto: i64,
) -> Result<Vec<StoredChange>, sqlx::Error> {
    let rows = sqlx::query(
        "select seq, kind, for_all, for_moderators, for_owners from live_event \
         where session_id = $1 and seq > $2 and seq <= $3 order by seq",
    )
    .bind(session_id)
    .bind(after)
    .bind(upto)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(stored_from_row).collect()
}

fn stored_from_row(row: &AnyRow) -> Result<StoredChange, sqlx::Error> {
    let kind: String = row.try_get(1)?;
    let is_vote = kind == "vote";
    let for_all: Option<String> = row.try_get(2)?;
    let tallies = match for_all.as_deref() {
        Some(text) if is_vote => match serde_json::from_str::<ServerFrame>(text) {
            Ok(ServerFrame::Tallies { votes, .. }) => votes,
            // Replays and catch-ups go on without it: the next vote's tallies carry the count.
            _ => {
                tracing::warn!(seq = ?row.try_get::<i64, _>(0).ok(), "a vote's stored tallies do not read as a tallies frame");
                vec![]
            }
        },
        _ => vec![],
    };
    Ok(StoredChange {
        seq: row.try_get(0)?,
        is_vote,
        tallies,
        for_all,
        for_moderators: row.try_get(3)?,
        for_owners: match row.try_get::<Option<String>, _>(4)? {
            Some(text) => {
                serde_json::from_str(&text).map_err(|_| decode_error("live_event.for_owners"))?
            }
            None => vec![],
        },
        kick: None,
    })
}

/// The last sequence number committed in a session.
pub async fn last_seq<'e, E>(executor: E, session_id: i64) -> Result<i64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query("select last_seq from live_session where session_id = $1")
        .bind(session_id)
        .fetch_one(executor)
        .await?
        .try_get(0)
}

impl StoredChange {
    /// The frame `audience` gets for this change (a `skip` when it is not told).
    pub fn frame_for(&self, audience: Audience) -> std::borrow::Cow<'_, str> {
        let chosen = match audience {
            Audience::Moderator => self.for_moderators.as_deref(),
            Audience::Participant(me) => self
                .for_owners
                .iter()
                .find(|(id, _)| *id == me)
                .map(|(_, f)| f.as_str())
                .or(self.for_all.as_deref()),
            Audience::Viewer => self.for_all.as_deref(),
        };
        match chosen {
            Some(frame) => std::borrow::Cow::Borrowed(frame),
            None => std::borrow::Cow::Owned(skip_frame(self.seq)),
        }
    }
}

/// The frame that tells an audience a change happened that it may not see.
pub fn skip_frame(seq: i64) -> String {
    format!(r#"{{"type":"skip","seq":{seq}}}"#)
}

/// Vote tallies waiting to go out: the latest count per question, and the last vote's seq.
#[derive(Debug, Default)]
pub struct TallyBuffer {
    latest: BTreeMap<i64, i64>,
    seq: Option<i64>,
}

impl TallyBuffer {
    /// Folds in one vote change (its frame holds the question's count after the vote).
    pub fn add(&mut self, seq: i64, tallies: &[Tally]) {
        for t in tallies {
            self.latest.insert(t.question_id, t.votes);
        }
        self.seq = Some(seq);
    }

    /// Folds in a stored vote change.
    pub fn add_stored(&mut self, stored: &StoredChange) {
        self.add(stored.seq, &stored.tallies);
    }

    pub fn is_empty(&self) -> bool {
        self.seq.is_none()
    }

    /// The coalesced frame and its seq (the last vote's), emptying the buffer.
    pub fn flush(&mut self) -> Option<(i64, String)> {
        let seq = self.seq.take()?;
        let votes = std::mem::take(&mut self.latest)
            .into_iter()
            .map(|(question_id, votes)| Tally { question_id, votes })
            .collect();
        let frame = serde_json::to_string(&ServerFrame::Tallies { seq, votes })
            .expect("a tallies frame always serialises");
        Some((seq, frame))
    }
}
