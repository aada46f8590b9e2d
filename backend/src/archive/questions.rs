//! See `crate::archive`. Questions kept for the record, and unanswered ones carried forward.
//!
//! Live questions belong to the participants who asked them and are purged by retention; the
//! record keeps a copy without the asker: text, votes, answered or not, when asked. A session's
//! rapporteur archives its answered questions in one idempotent action (each question once;
//! erased or dismissed ones never); submitting the report and the retention job before its purge
//! do the same. An approved, unanswered question can be carried forward to the next meeting of a
//! series or to an action item. When a participant erases their data, the live erasure
//! (`live::store`) deletes their archived copies in the same transaction.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::outcomes::{self, Owner, signed_in};
use super::{ScribeRole, require_scribe};
use crate::auth::{MaybeStaff, Staff};
use crate::domain::recurrence::{Occurrence, OccurrenceStatus};
use crate::domain::text;
use crate::http::AppState;
use crate::http::error::{AppError, ErrorBody};
use crate::http::extract::Json;
use crate::meetings::{self, Series};
use crate::programme::instant;
use crate::store::{Db, now};

/// The longest note on a carried question, in characters.
pub const MAX_NOTE: usize = 500;

/// This module's JSON routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_archived_questions, archive_questions))
        .routes(routes!(carry_question))
        .routes(routes!(list_carried_to_meeting))
}

/// A question as the record keeps it: never who asked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArchivedQuestion {
    pub archived_question_id: i64,
    pub session_id: i64,
    pub text: String,
    pub votes: i64,
    /// `answered` or `unanswered`.
    pub status: String,
    pub asked_at: DateTime<Utc>,
    pub archived_at: DateTime<Utc>,
}

fn archived_from_row(r: &AnyRow) -> Result<ArchivedQuestion, sqlx::Error> {
    Ok(ArchivedQuestion {
        archived_question_id: r.try_get(0)?,
        session_id: r.try_get(1)?,
        text: r.try_get(2)?,
        votes: r.try_get(3)?,
        status: r.try_get(4)?,
        asked_at: instant(r.try_get(5)?),
        archived_at: instant(r.try_get(6)?),
    })
}

const ARCHIVED_COLUMNS: &str =
    "archived_question_id, session_id, text, votes, status, asked_at, archived_at";

/// The session's answered questions on the record, most voted first.
pub async fn answered_for_session(
    db: &Db,
    session_id: i64,
) -> Result<Vec<ArchivedQuestion>, AppError> {
    let rows = sqlx::query(&format!(
        "select {ARCHIVED_COLUMNS} from archived_question where session_id = $1 and status = 'answered' \
         order by votes desc, asked_at, archived_question_id"
    ))
    .bind(session_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(archived_from_row)
        .collect::<Result<_, _>>()?)
}

/// Copies the session's answered questions into the record, each once, without checking who
/// asks (callers have). Returns how many were new.
pub(crate) async fn archive_answered_unchecked(db: &Db, session_id: i64) -> Result<u64, AppError> {
    // Erased questions are tombstones (and were made 'withdrawn'); dismissed and merged ones
    // are not answered. Either database accepts this insert-or-ignore.
    let done = sqlx::query(
        "insert into archived_question (session_id, question_id, text, votes, status, asked_at, archived_at) \
         select session_id, question_id, text, votes, 'answered', created_at, $2 from question \
         where session_id = $1 and status = 'answered' and erased = 0 \
         on conflict (question_id) do nothing",
    )
    .bind(session_id)
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
}

/// Archives the answered questions of every session of an event that has any not yet on the
/// record; returns those sessions. The retention job calls this before it purges the live data,
/// so an answered question outlives the live period even if no rapporteur archived it.
pub(crate) async fn archive_event_unarchived(db: &Db, event_id: i64) -> Result<Vec<i64>, AppError> {
    let sessions: Vec<i64> = sqlx::query_scalar(
        "select distinct q.session_id from question q join session s on s.session_id = q.session_id \
         where s.event_id = $1 and q.status = 'answered' and q.erased = 0 \
         and not exists (select 1 from archived_question a where a.question_id = q.question_id) \
         order by q.session_id",
    )
    .bind(event_id)
    .fetch_all(&db.pool)
    .await?;
    for &session_id in &sessions {
        archive_answered_unchecked(db, session_id).await?;
        outcomes::reindex(db, Owner::Session(session_id)).await;
    }
    Ok(sessions)
}

/// What archiving did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Archived {
    /// How many questions were copied this time (0 when all were already on the record).
    pub newly_archived: u64,
    /// Every answered question of the session now on the record.
    pub answered: Vec<ArchivedQuestion>,
}

/// Archives the session's answered questions (its rapporteurs and organizers).
pub async fn archive_answered(
    db: &Db,
    staff: &Staff,
    session_id: i64,
) -> Result<Archived, AppError> {
    crate::programme::session_by_id(db, session_id).await?;
    require_scribe(db, staff, session_id, ScribeRole::Rapporteur).await?;
    let newly_archived = archive_answered_unchecked(db, session_id).await?;
    if newly_archived > 0 {
        outcomes::reindex(db, Owner::Session(session_id)).await;
    }
    Ok(Archived {
        newly_archived,
        answered: answered_for_session(db, session_id).await?,
    })
}

/// A live question of the session still waiting for an answer (the rapporteur's page).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpenQuestion {
    pub question_id: i64,
    pub text: String,
    pub votes: i64,
    pub asked_at: DateTime<Utc>,
}

/// The session's approved, unanswered live questions, most voted first.
pub async fn open_questions(db: &Db, session_id: i64) -> Result<Vec<OpenQuestion>, AppError> {
    let rows = sqlx::query(
        "select question_id, text, votes, created_at from question \
         where session_id = $1 and status = 'approved' and erased = 0 \
         order by votes desc, created_at, question_id",
    )
    .bind(session_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(OpenQuestion {
                question_id: r.try_get(0)?,
                text: r.try_get(1)?,
                votes: r.try_get(2)?,
                asked_at: instant(r.try_get(3)?),
            })
        })
        .collect()
}

/// How many answered live questions of the session are not on the record yet.
pub async fn answered_not_archived(db: &Db, session_id: i64) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "select count(*) from question q where q.session_id = $1 and q.status = 'answered' \
         and q.erased = 0 and not exists \
         (select 1 from archived_question a where a.question_id = q.question_id)",
    )
    .bind(session_id)
    .fetch_one(&db.pool)
    .await?)
}

// ---------------------------------------------------------------------------------------------
// Carrying forward

/// An unanswered question carried to a meeting or an action item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CarriedQuestion {
    pub carried_question_id: i64,
    pub archived_question_id: i64,
    /// The session it was asked in.
    pub session_id: i64,
    /// "WS #403 Title" of that session.
    pub session_title: String,
    pub text: String,
    pub votes: i64,
    pub asked_at: DateTime<Utc>,
    pub meeting_id: Option<i64>,
    pub action_item_id: Option<i64>,
    pub note: String,
    /// Taken up at the meeting (or by the action item's owner).
    pub addressed: bool,
    pub created_at: DateTime<Utc>,
}

/// Where to carry a question: a series (its next meeting after now, or the occurrence starting
/// by the rule at `original_start`), or an action item.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CarryInput {
    /// A meeting series' slug.
    pub series: Option<String>,
    /// The chosen occurrence's RECURRENCE-ID instant; by default the next occurrence after now.
    pub original_start: Option<DateTime<Utc>>,
    pub action_item_id: Option<i64>,
    #[serde(default)]
    pub note: String,
}

/// The next occurrence of the series that starts after now and is not cancelled.
pub async fn next_occurrence(db: &Db, series: &Series) -> Result<Option<Occurrence>, AppError> {
    let from = Utc::now();
    let found = meetings::series_occurrences(db, series, from, from + Duration::days(800), 40)
        .await?
        .into_iter()
        .find(|o| o.status != OccurrenceStatus::Cancelled && o.starts_at > from);
    Ok(found)
}

async fn carried(db: &Db, filter: &str, id: i64) -> Result<Vec<CarriedQuestion>, AppError> {
    // `filter` is one of this module's literals.
    let rows = sqlx::query(&format!(
        "select c.carried_question_id, a.archived_question_id, a.session_id, t.label, s.number, s.title, \
         a.text, a.votes, a.asked_at, c.meeting_id, c.action_item_id, c.note, c.addressed, c.created_at \
         from carried_question c join archived_question a on a.archived_question_id = c.archived_question_id \
         join session s on s.session_id = a.session_id \
         join session_type t on t.session_type_id = s.session_type_id \
         where {filter} = $1 order by c.created_at, c.carried_question_id"
    ))
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let label =
                crate::domain::schedule::session_label(&r.try_get::<String, _>(3)?, r.try_get(4)?);
            Ok(CarriedQuestion {
                carried_question_id: r.try_get(0)?,
                archived_question_id: r.try_get(1)?,
                session_id: r.try_get(2)?,
                session_title: format!("{label} {}", r.try_get::<String, _>(5)?),
                text: r.try_get(6)?,
                votes: r.try_get(7)?,
                asked_at: instant(r.try_get(8)?),
                meeting_id: r.try_get(9)?,
                action_item_id: r.try_get(10)?,
                note: r.try_get(11)?,
                addressed: r.try_get::<i64, _>(12)? != 0,
                created_at: instant(r.try_get(13)?),
            })
        })
        .collect()
}

/// Questions carried to a meeting's agenda, oldest first.
pub async fn carried_to_meeting(
    db: &Db,
    meeting_id: i64,
) -> Result<Vec<CarriedQuestion>, AppError> {
    carried(db, "c.meeting_id", meeting_id).await
}

/// Questions attached to an action item, oldest first.
pub async fn carried_to_action_item(
    db: &Db,
    action_item_id: i64,
) -> Result<Vec<CarriedQuestion>, AppError> {
    carried(db, "c.action_item_id", action_item_id).await
}

/// Questions of a session carried anywhere (the rapporteur's page).
pub async fn carried_from_session(
    db: &Db,
    session_id: i64,
) -> Result<Vec<CarriedQuestion>, AppError> {
    carried(db, "a.session_id", session_id).await
}

enum Target {
    Meeting(i64),
    ActionItem(i64),
}

/// Carries an approved, unanswered question of the session forward. Carrying the same question
/// to the same place again returns the first carry (`false`: nothing new).
pub async fn carry(
    db: &Db,
    staff: &Staff,
    session_id: i64,
    question_id: i64,
    input: &CarryInput,
) -> Result<(CarriedQuestion, bool), AppError> {
    crate::programme::session_by_id(db, session_id).await?;
    require_scribe(db, staff, session_id, ScribeRole::Rapporteur).await?;
    carry_unchecked(db, Some(staff.staff_id), session_id, question_id, input).await
}

/// Carries a question forward without asking who does (the demo loader; callers have checked).
pub(crate) async fn carry_unchecked(
    db: &Db,
    created_by: Option<i64>,
    session_id: i64,
    question_id: i64,
    input: &CarryInput,
) -> Result<(CarriedQuestion, bool), AppError> {
    let q = sqlx::query(
        "select status, erased, text, votes, created_at from question \
         where question_id = $1 and session_id = $2",
    )
    .bind(question_id)
    .bind(session_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let status: String = q.try_get(0)?;
    let erased: i64 = q.try_get(1)?;
    if status != "approved" || erased != 0 {
        return Err(AppError::Conflict(
            "only an approved question still waiting for an answer can be carried forward".into(),
        ));
    }
    let note = if input.note.trim().is_empty() {
        String::new()
    } else {
        text::clean(&input.note, MAX_NOTE, true).map_err(|e| match e {
            text::TextError::TooLong { max } => {
                AppError::field("note", format!("must be at most {max} characters"))
            }
            other => AppError::field("note", other.to_string()),
        })?
    };
    let target = match (&input.series, input.action_item_id) {
        (Some(slug), None) => {
            let series = match meetings::series_by_slug(db, slug).await {
                Ok(s) => s,
                Err(AppError::NotFound) => {
                    return Err(AppError::field("series", "no such meeting series"));
                }
                Err(e) => return Err(e),
            };
            let occurrence = match input.original_start {
                None => next_occurrence(db, &series)
                    .await?
                    .ok_or_else(|| AppError::field("series", "the series has no meeting ahead"))?,
                Some(start) => {
                    let from = Utc::now();
                    meetings::series_occurrences(
                        db,
                        &series,
                        from - Duration::days(1),
                        from + Duration::days(800),
                        200,
                    )
                    .await?
                    .into_iter()
                    .find(|o| {
                        o.original_start == start
                            && o.status != OccurrenceStatus::Cancelled
                            && o.starts_at > from
                    })
                    .ok_or_else(|| {
                        AppError::field(
                            "original_start",
                            "is not a coming, not cancelled meeting of the series",
                        )
                    })?
                }
            };
            Target::Meeting(
                super::minutes::meeting_id_for_occurrence(
                    db,
                    series.series_id,
                    occurrence.original_start.timestamp(),
                )
                .await?,
            )
        }
        (None, Some(action_item_id)) => {
            let n: i64 =
                sqlx::query_scalar("select count(*) from action_item where action_item_id = $1")
                    .bind(action_item_id)
                    .fetch_one(&db.pool)
                    .await?;
            if n == 0 {
                return Err(AppError::field("action_item_id", "no such action item"));
            }
            Target::ActionItem(action_item_id)
        }
        _ => {
            return Err(AppError::field(
                "series",
                "choose either a meeting series or an action item",
            ));
        }
    };
    let t = now();
    // The copy on the record: made once, whatever carries it.
    sqlx::query(
        "insert into archived_question (session_id, question_id, text, votes, status, asked_at, archived_at) \
         values ($1, $2, $3, $4, 'unanswered', $5, $6) on conflict (question_id) do nothing",
    )
    .bind(session_id)
    .bind(question_id)
    .bind(q.try_get::<String, _>(2)?)
    .bind(q.try_get::<i64, _>(3)?)
    .bind(q.try_get::<i64, _>(4)?)
    .bind(t)
    .execute(&db.pool)
    .await?;
    let archived_question_id: i64 = sqlx::query_scalar(
        "select archived_question_id from archived_question where question_id = $1",
    )
    .bind(question_id)
    .fetch_one(&db.pool)
    .await?;
    let (column, target_id) = match target {
        Target::Meeting(id) => ("meeting_id", id),
        Target::ActionItem(id) => ("action_item_id", id),
    };
    let existing: Option<i64> = sqlx::query_scalar(&format!(
        "select carried_question_id from carried_question where archived_question_id = $1 and {column} = $2"
    ))
    .bind(archived_question_id)
    .bind(target_id)
    .fetch_optional(&db.pool)
    .await?;
    let (carried_question_id, new) = match existing {
        Some(id) => (id, false),
        None => {
            let id: i64 = sqlx::query_scalar(&format!(
                "insert into carried_question (archived_question_id, {column}, note, created_by, created_at) \
                 values ($1, $2, $3, $4, $5) returning carried_question_id"
            ))
            .bind(archived_question_id)
            .bind(target_id)
            .bind(&note)
            .bind(created_by)
            .bind(t)
            .fetch_one(&db.pool)
            .await?;
            (id, true)
        }
    };
    if let Target::Meeting(meeting_id) = target {
        outcomes::reindex(db, Owner::Meeting(meeting_id)).await;
    }
    let all = carried(db, "c.carried_question_id", carried_question_id).await?;
    let one = all.into_iter().next().ok_or(AppError::NotFound)?;
    Ok((one, new))
}

// ---------------------------------------------------------------------------------------------
// Routes

#[utoipa::path(get, path = "/api/sessions/{session_id}/archived-questions", tag = "archive",
    params(("session_id" = i64, Path)),
    responses((status = 200, body = Vec<ArchivedQuestion>,
        description = "The session's answered questions on the record, most voted first; never who asked"),
        (status = 404, body = ErrorBody)))]
async fn list_archived_questions(
    State(state): State<AppState>,
    Path(session_id): Path<i64>,
) -> Result<axum::Json<Vec<ArchivedQuestion>>, AppError> {
    crate::programme::session_by_id(&state.db, session_id).await?;
    Ok(axum::Json(
        answered_for_session(&state.db, session_id).await?,
    ))
}

#[utoipa::path(post, path = "/api/sessions/{session_id}/archived-questions", tag = "archive",
    params(("session_id" = i64, Path)),
    responses((status = 200, body = Archived,
        description = "The session's answered questions copied to the record, each once (repeating is harmless)"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Not a rapporteur of this session nor an organizer"),
        (status = 404, body = ErrorBody)))]
async fn archive_questions(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(session_id): Path<i64>,
) -> Result<axum::Json<Archived>, AppError> {
    let staff = signed_in(staff)?;
    Ok(axum::Json(
        archive_answered(&state.db, &staff, session_id).await?,
    ))
}

#[utoipa::path(post, path = "/api/sessions/{session_id}/questions/{question_id}/carry", tag = "archive",
    request_body = CarryInput,
    params(("session_id" = i64, Path), ("question_id" = i64, Path, description = "The live question's id")),
    responses((status = 201, body = CarriedQuestion, description = "Carried forward"),
        (status = 200, body = CarriedQuestion, description = "Already carried there: the first carry"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such session, or no such question in it"),
        (status = 409, body = ErrorBody, description = "The question is not approved and waiting (answered, dismissed, erased...)"),
        (status = 422, body = ErrorBody, description = "No series or action item chosen, or it does not exist")))]
async fn carry_question(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path((session_id, question_id)): Path<(i64, i64)>,
    Json(input): Json<CarryInput>,
) -> Result<(StatusCode, axum::Json<CarriedQuestion>), AppError> {
    let staff = signed_in(staff)?;
    let (c, new) = carry(&state.db, &staff, session_id, question_id, &input).await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(c)))
}

#[utoipa::path(get, path = "/api/meetings/{meeting_id}/carried-questions", tag = "archive",
    params(("meeting_id" = i64, Path)),
    responses((status = 200, body = Vec<CarriedQuestion>, description = "Questions carried to the meeting's agenda"),
        (status = 404, body = ErrorBody)))]
async fn list_carried_to_meeting(
    State(state): State<AppState>,
    Path(meeting_id): Path<i64>,
) -> Result<axum::Json<Vec<CarriedQuestion>>, AppError> {
    let n: i64 = sqlx::query_scalar("select count(*) from meeting where meeting_id = $1")
        .bind(meeting_id)
        .fetch_one(&state.db.pool)
        .await?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(axum::Json(carried_to_meeting(&state.db, meeting_id).await?))
}
