//! Who is in a live session: participants who joined with a handle (no account), the staff
//! assigned to moderate it, and the short join code shown on the presenter screen.

use axum_extra::extract::cookie::{Cookie, SameSite};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use tokio::sync::{mpsc, oneshot};
use utoipa::ToSchema;

use crate::auth::{Staff, new_token, token_hash};
use crate::domain::schedule::{
    AgeBand, Attendance, ModeratorRole, RegionalGroup, StaffRole, StakeholderGroup,
};
use crate::domain::text::{Handle, TextError};
use crate::http::error::{AppError, FieldError};
use crate::store::{Db, is_foreign_key_violation, is_unique_violation, now};

/// Letters and digits that cannot be mistaken for one another when read off a screen.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const CODE_LENGTH: usize = 6;

/// How long a participant's join is remembered in their browser.
const PARTICIPANT_COOKIE_DAYS: i64 = 7;

/// The name of the cookie that remembers a join to one session.
pub fn participant_cookie_name(session_id: i64) -> String {
    format!("__Host-plenary-live-{session_id}")
}

/// The cookie that remembers a participant's join (a random token; only its hash is stored).
pub fn participant_cookie(session_id: i64, token: String) -> Cookie<'static> {
    Cookie::build((participant_cookie_name(session_id), token))
        .path("/")
        .secure(true)
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::days(PARTICIPANT_COOKIE_DAYS))
        .build()
}

/// A participant as the live engine knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantRef {
    pub participant_id: i64,
    pub session_id: i64,
    pub handle: String,
}

/// What someone fills in to join a session.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinRequest {
    /// A pseudonym, 2–32 characters: no contact details, not like another handle here.
    pub handle: String,
    /// `under_13`, `13_15`, `16_17` or `18_plus`.
    pub age_band: String,
    /// `onsite`, `online` or `remote_hub`.
    pub attendance: String,
    /// Optional; lets a moderator balance the floor queue.
    #[serde(default)]
    pub stakeholder_group: Option<String>,
    #[serde(default)]
    pub regional_group: Option<String>,
    /// Must be true.
    pub accept_code_of_conduct: bool,
}

/// A successful join: the participant and the secret their browser keeps.
#[derive(Debug, Clone)]
pub struct Joined {
    pub participant_id: i64,
    pub handle: String,
    pub token: String,
    /// The personal data key, shown once: it opens the export and erasure of what they wrote.
    pub data_key: String,
}

/// The live side of a programme session, as pages and the API show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LiveSessionInfo {
    pub session_id: i64,
    pub title: String,
    /// "WS #101".
    pub label: String,
    pub event_name: String,
    pub event_slug: String,
    pub time_zone: String,
    pub room_name: Option<String>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub join_code: String,
}

fn new_join_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LENGTH)
        .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

/// Creates the live state of a session the first time it is needed; 404 for no such session.
pub async fn ensure_live_session(db: &Db, session_id: i64) -> Result<String, AppError> {
    if let Some(code) = sqlx::query("select join_code from live_session where session_id = $1")
        .bind(session_id)
        .fetch_optional(&db.pool)
        .await?
    {
        return Ok(code.get(0));
    }
    let exists = sqlx::query("select 1 from session where session_id = $1")
        .bind(session_id)
        .fetch_optional(&db.pool)
        .await?;
    if exists.is_none() {
        return Err(AppError::NotFound);
    }
    for _ in 0..8 {
        let code = new_join_code();
        let inserted = sqlx::query(
            "insert into live_session (session_id, join_code, created_at) values ($1, $2, $3) \
             on conflict (session_id) do nothing",
        )
        .bind(session_id)
        .bind(&code)
        .bind(now())
        .execute(&db.pool)
        .await;
        match inserted {
            Ok(_) => {
                let row = sqlx::query("select join_code from live_session where session_id = $1")
                    .bind(session_id)
                    .fetch_one(&db.pool)
                    .await?;
                return Ok(row.get(0));
            }
            // Another session drew the same code: draw again.
            Err(e) if is_unique_violation(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Internal(anyhow::anyhow!(
        "could not draw a free join code"
    )))
}

/// The session a join code belongs to (codes are read case-insensitively).
pub async fn session_for_join_code(db: &Db, code: &str) -> Result<Option<i64>, AppError> {
    let code = code.trim().to_ascii_uppercase();
    if code.len() != CODE_LENGTH || !code.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
        return Ok(None);
    }
    Ok(
        sqlx::query("select session_id from live_session where join_code = $1")
            .bind(code)
            .fetch_optional(&db.pool)
            .await?
            .map(|row| row.get(0)),
    )
}

/// The programme facts and join code of a session's live page.
pub async fn session_info(db: &Db, session_id: i64) -> Result<LiveSessionInfo, AppError> {
    let join_code = ensure_live_session(db, session_id).await?;
    let session = crate::programme::session_by_id(db, session_id).await?;
    let event = crate::programme::event_by_id(db, session.event_id).await?;
    Ok(LiveSessionInfo {
        session_id,
        title: session.title,
        label: session.label,
        event_name: event.name,
        event_slug: event.slug,
        time_zone: event.time_zone.to_string(),
        room_name: session.room_name,
        starts_at: session.starts_at.timestamp(),
        ends_at: session.ends_at.timestamp(),
        join_code,
    })
}

fn text_error_message(err: TextError) -> String {
    match err {
        TextError::Handle(msg) => msg.to_string(),
        other => other.to_string(),
    }
}

/// Joins from a client address (its rate-limit key): checks the form, refuses look-alike
/// handles and people banned from the event by handle or by address, and stores the
/// participant through `writer`, which commits many joins at once. The session's live state
/// must exist (`ensure_live_session`); a session deleted meanwhile is 404.
pub async fn join_from(
    db: &Db,
    writer: &JoinWriter,
    session_id: i64,
    request: &JoinRequest,
    address_key: &str,
) -> Result<Joined, AppError> {
    let mut fields = Vec::new();
    let handle = match Handle::parse(&request.handle) {
        Ok(h) => Some(h),
        Err(e) => {
            fields.push(FieldError::new("handle", text_error_message(e)));
            None
        }
    };
    let age_band = AgeBand::parse(&request.age_band)
        .map_err(|e| fields.push(FieldError::new("age_band", e)))
        .ok();
    let attendance = Attendance::parse(&request.attendance)
        .map_err(|e| fields.push(FieldError::new("attendance", e)))
        .ok();
    let optional = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let stakeholder_group = optional(&request.stakeholder_group);
    if let Some(g) = &stakeholder_group {
        if let Err(e) = StakeholderGroup::parse(g) {
            fields.push(FieldError::new("stakeholder_group", e));
        }
    }
    let regional_group = optional(&request.regional_group);
    if let Some(g) = &regional_group {
        if let Err(e) = RegionalGroup::parse(g) {
            fields.push(FieldError::new("regional_group", e));
        }
    }
    if !request.accept_code_of_conduct {
        fields.push(FieldError::new(
            "accept_code_of_conduct",
            "please read and accept the code of conduct to take part",
        ));
    }
    let (Some(handle), Some(age_band), Some(attendance), true) =
        (handle, age_band, attendance, fields.is_empty())
    else {
        return Err(AppError::Validation(fields));
    };
    let token = new_token();
    let data_key = new_token();
    let row = NewParticipant {
        session_id,
        token_hash: token_hash(&token),
        handle: handle.text.clone(),
        handle_key: handle.key.clone(),
        age_band: age_band.as_str(),
        attendance: attendance.as_str(),
        stakeholder_group,
        regional_group,
        at: now(),
        address_key: address_key.to_string(),
        data_key_hash: token_hash(&data_key),
    };
    match writer.insert(row).await? {
        Some(participant_id) => Ok(Joined {
            participant_id,
            handle: handle.text,
            token,
            data_key,
        }),
        // Refused: banned, or the handle is taken. Only refusals pay for telling which.
        None if is_banned(db, session_id, &handle.key, address_key).await? => {
            Err(AppError::Forbidden)
        }
        None => Err(AppError::field(
            "handle",
            "this handle, or one that looks like it, is taken in this session; please choose another",
        )),
    }
}

/// Whether the session's event bans this handle (by its look-alike key) or this address.
/// `insert_batch` applies the same rule inside each insert.
async fn is_banned(
    db: &Db,
    session_id: i64,
    handle_key: &str,
    address_key: &str,
) -> Result<bool, AppError> {
    Ok(sqlx::query(
        "select 1 from event_ban b join session s on s.event_id = b.event_id where s.session_id = $1 \
         and (b.handle_key = $2 or (b.address_key <> '' and b.address_key = $3))",
    )
    .bind(session_id)
    .bind(handle_key)
    .bind(address_key)
    .fetch_optional(&db.pool)
    .await?
    .is_some())
}

/// The most joins committed in one transaction.
const MAX_JOIN_BATCH: usize = 256;

/// A participant row, checked and ready to store.
struct NewParticipant {
    session_id: i64,
    token_hash: String,
    handle: String,
    handle_key: String,
    age_band: &'static str,
    attendance: &'static str,
    stakeholder_group: Option<String>,
    regional_group: Option<String>,
    at: i64,
    address_key: String,
    data_key_hash: String,
}

/// What the writer tells a join: the new participant's id, `None` when the event bans them or
/// the handle (or one that looks like it) is taken in the session, or why nothing was stored.
type Inserted = Result<Option<i64>, AppError>;

struct PendingJoin {
    row: NewParticipant,
    reply: oneshot::Sender<Inserted>,
}

/// Stores joins in batches: one task takes every join waiting and inserts them in one
/// transaction, then answers each (group commit, as the session writers do for commands).
///
/// Each commit waits for the disk (`synchronous = full`), and on SQLite separate commits also
/// queue for the one write lock: on a server that had run other scenarios, joins waited over a
/// second for it (docs/BENCHMARKS.md, S2). A join is answered only after its batch is committed.
#[derive(Clone)]
pub struct JoinWriter {
    pending: mpsc::Sender<PendingJoin>,
}

impl JoinWriter {
    /// Starts the writer task on the current tokio runtime; it ends when every `JoinWriter`
    /// clone is dropped.
    pub fn start(db: Db) -> JoinWriter {
        let (pending, rx) = mpsc::channel(4 * MAX_JOIN_BATCH);
        tokio::spawn(write_joins(db, rx));
        JoinWriter { pending }
    }

    async fn insert(&self, row: NewParticipant) -> Inserted {
        let (reply, answer) = oneshot::channel();
        self.pending
            .send(PendingJoin { row, reply })
            .await
            .map_err(|_| AppError::Internal(anyhow::anyhow!("the join writer has stopped")))?;
        answer
            .await
            .map_err(|_| AppError::Internal(anyhow::anyhow!("the join writer has stopped")))?
    }
}

async fn write_joins(db: Db, mut rx: mpsc::Receiver<PendingJoin>) {
    let mut batch = Vec::with_capacity(MAX_JOIN_BATCH);
    while rx.recv_many(&mut batch, MAX_JOIN_BATCH).await > 0 {
        let rows: Vec<&NewParticipant> = batch.iter().map(|p| &p.row).collect();
        match insert_batch(&db, &rows).await {
            Ok(ids) => {
                for (pending, id) in batch.drain(..).zip(ids) {
                    let _ = pending.reply.send(Ok(id));
                }
            }
            // The pool stayed busy: nothing was stored; each join hears 503 and may come back.
            Err(sqlx::Error::PoolTimedOut) => {
                for pending in batch.drain(..) {
                    let _ = pending.reply.send(Err(sqlx::Error::PoolTimedOut.into()));
                }
            }
            // Something in the batch failed, so none of it was stored. One join at a time, a
            // failing row fails only itself.
            Err(e) => {
                tracing::warn!(error = %e, joins = batch.len(), "a batch of joins failed; storing them one by one");
                for pending in batch.drain(..) {
                    let one = match insert_batch(&db, &[&pending.row]).await {
                        Ok(ids) => Ok(ids.into_iter().next().flatten()),
                        // The session was deleted after the join was checked.
                        Err(e) if is_foreign_key_violation(&e) => Err(AppError::NotFound),
                        Err(e) => Err(e.into()),
                    };
                    let _ = pending.reply.send(one);
                }
            }
        }
    }
}

/// Inserts `rows` in one transaction; for each, its id, or `None` when the event bans the
/// handle or address, or the handle is taken.
async fn insert_batch(db: &Db, rows: &[&NewParticipant]) -> Result<Vec<Option<i64>>, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    let mut ids = Vec::with_capacity(rows.len());
    for row in rows {
        // The ban check is part of the insert, so a join costs one statement and a ban that
        // lands meanwhile cannot be missed (`is_banned` is the same rule). `do nothing` rather
        // than an error: on PostgreSQL a failed statement would abort the whole batch. The
        // only constraint a checked row can meet is the handle's: the token hashes are of 32
        // random bytes.
        let id = sqlx::query(
            "insert into participant (session_id, token_hash, handle, handle_key, age_band, attendance, \
             stakeholder_group, regional_group, accepted_code_of_conduct_at, created_at, address_key, data_key_hash) \
             select $1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11 where not exists (select 1 from event_ban b \
             join session s on s.event_id = b.event_id where s.session_id = $1 \
             and (b.handle_key = $4 or (b.address_key <> '' and b.address_key = $10))) \
             on conflict do nothing returning participant_id",
        )
        .bind(row.session_id)
        .bind(&row.token_hash)
        .bind(&row.handle)
        .bind(&row.handle_key)
        .bind(row.age_band)
        .bind(row.attendance)
        .bind(&row.stakeholder_group)
        .bind(&row.regional_group)
        .bind(row.at)
        .bind(&row.address_key)
        .bind(&row.data_key_hash)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.get(0));
        ids.push(id);
    }
    tx.commit().await?;
    Ok(ids)
}

/// The participant a join cookie stands for in this session, if it is still valid.
pub async fn participant_for_token(
    db: &Db,
    session_id: i64,
    token: &str,
) -> Result<Option<ParticipantRef>, AppError> {
    Ok(sqlx::query(
        "select participant_id, handle from participant where token_hash = $1 and session_id = $2 \
         and removed_at is null",
    )
    .bind(token_hash(token))
    .bind(session_id)
    .fetch_optional(&db.pool)
    .await?
    .map(|row| ParticipantRef {
        participant_id: row.get(0),
        session_id,
        handle: row.get(1),
    }))
}

/// A participant opening a socket, read in one statement: who the join cookie stands for, and
/// the session's sequence number then, if they had asked nothing and voted for nothing (so a
/// snapshot at that number needs no read of their own; see `Hub::snapshot`).
pub async fn participant_for_socket(
    db: &Db,
    session_id: i64,
    token: &str,
) -> Result<Option<(ParticipantRef, Option<i64>)>, AppError> {
    let row = sqlx::query(
        "select p.participant_id, p.handle, l.last_seq, cast(case when \
         exists (select 1 from question q where q.participant_id = p.participant_id) \
         or exists (select 1 from question_vote v where v.participant_id = p.participant_id) \
         then 1 else 0 end as bigint) from participant p join live_session l on l.session_id = p.session_id \
         where p.token_hash = $1 and p.session_id = $2 and p.removed_at is null",
    )
    .bind(token_hash(token))
    .bind(session_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let owns_something = row.try_get::<i64, _>(3)? != 0;
    let participant = ParticipantRef {
        participant_id: row.try_get(0)?,
        session_id,
        handle: row.try_get(1)?,
    };
    Ok(Some((
        participant,
        (!owns_something).then_some(row.try_get(2)?),
    )))
}

/// True when `staff` may moderate the session: organizers always, moderators when assigned.
pub async fn can_moderate<'e, E>(
    executor: E,
    session_id: i64,
    staff: &Staff,
) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    can_moderate_id(executor, session_id, staff.staff_id).await
}

/// Like [`can_moderate`], from the staff id alone (read fresh, so a removed assignment or a
/// disabled account takes effect on the next command).
pub async fn can_moderate_id<'e, E>(
    executor: E,
    session_id: i64,
    staff_id: i64,
) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "select 1 from staff s where s.staff_id = $1 and s.disabled = 0 and (s.role = $3 \
         or exists (select 1 from session_moderator m where m.staff_id = s.staff_id and m.session_id = $2))",
    )
    .bind(staff_id)
    .bind(session_id)
    .bind(StaffRole::Organizer.as_str())
    .fetch_optional(executor)
    .await?;
    Ok(row.is_some())
}

/// A staff account assigned to moderate a session.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionModerator {
    pub staff_id: i64,
    pub role: ModeratorRole,
    /// Filled in on reads.
    #[serde(default)]
    pub display_name: String,
}

/// The moderators assigned to a session.
pub async fn list_moderators(db: &Db, session_id: i64) -> Result<Vec<SessionModerator>, AppError> {
    let rows = sqlx::query(
        "select m.staff_id, m.role, s.display_name from session_moderator m \
         join staff s on s.staff_id = m.staff_id where m.session_id = $1 order by m.role, s.display_name",
    )
    .bind(session_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(SessionModerator {
                staff_id: row.get(0),
                role: ModeratorRole::parse(&row.get::<String, _>(1)).map_err(|e| {
                    AppError::Internal(anyhow::anyhow!("stored moderator role: {e}"))
                })?,
                display_name: row.get(2),
            })
        })
        .collect()
}

/// Replaces a session's moderators (organizers only; checked by the caller).
pub async fn set_moderators(
    db: &Db,
    session_id: i64,
    moderators: &[SessionModerator],
) -> Result<Vec<SessionModerator>, AppError> {
    crate::programme::session_by_id(db, session_id).await?;
    let mut fields = Vec::new();
    for (i, m) in moderators.iter().enumerate() {
        let found = sqlx::query("select 1 from staff where staff_id = $1 and disabled = 0")
            .bind(m.staff_id)
            .fetch_optional(&db.pool)
            .await?;
        if found.is_none() {
            fields.push(FieldError::new(
                format!("moderators[{i}].staff_id"),
                "no active staff account has this id",
            ));
        }
        if moderators[..i].iter().any(|o| o.staff_id == m.staff_id) {
            fields.push(FieldError::new(
                format!("moderators[{i}].staff_id"),
                "this staff account is listed twice",
            ));
        }
    }
    if !fields.is_empty() {
        return Err(AppError::Validation(fields));
    }
    let mut tx = db.pool.begin().await?;
    sqlx::query("delete from session_moderator where session_id = $1")
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    for m in moderators {
        sqlx::query(
            "insert into session_moderator (session_id, staff_id, role) values ($1, $2, $3)",
        )
        .bind(session_id)
        .bind(m.staff_id)
        .bind(m.role.as_str())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    list_moderators(db, session_id).await
}

/// Staff accounts that can be assigned as moderators (for the organizer's form).
pub async fn list_assignable_staff(db: &Db) -> Result<Vec<(i64, String, String)>, AppError> {
    let rows = sqlx::query(
        "select staff_id, display_name, role from staff where disabled = 0 order by display_name",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_codes_use_the_unambiguous_alphabet() {
        for _ in 0..200 {
            let code = new_join_code();
            assert_eq!(code.len(), CODE_LENGTH);
            assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)), "{code}");
            assert!(!code.contains(['O', '0', 'I', '1']));
        }
    }
}
