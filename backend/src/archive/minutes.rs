//! See `crate::archive`. Inter-sessional meetings: agendas, versioned minutes, action
//! assignments.
//!
//! A meeting is one occurrence of a series, named in addresses by the local date the series'
//! rule gives it (`/meetings/{series}/{YYYY-MM-DD}`, kept when the meeting is moved); its
//! `meeting` row is made on the first write. Every agenda also carries what the application
//! adds: approving the previous minutes, the series' open action assignments, the plan's open
//! items with an owner and a due date, and questions carried forward to the meeting.
//!
//! Minutes are versioned. Each version goes draft → in review → approved → locked; only the
//! latest version changes status, only organizers approve (directly, or from the next meeting's
//! agenda) and lock, and editing a version that is not a draft makes a new draft, so every
//! version stays readable. Once a version is locked the minutes are final. The public reads
//! approved and locked versions and, once there is one, the meeting's decisions and actions.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::outcomes::{self, Outcome, OutcomeKind};
use super::plan::{self, PlanItem};
use super::questions::{self, CarriedQuestion};
use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::auth::{MaybeStaff, Organizer, Staff};
use crate::domain::recurrence::{ExceptionKind, is_occurrence, resolve_local};
use crate::domain::schedule::StaffRole;
use crate::domain::text::{self, TextError};
use crate::http::AppState;
use crate::http::error::{AppError, ErrorBody, FieldError};
use crate::http::extract::Json;
use crate::meetings::{self, Series};
use crate::programme::{instant, parse_zone};
use crate::store::{Db, now};

/// Most organizer-added agenda items per meeting.
pub const MAX_AGENDA_ITEMS: i64 = 50;
/// Most action assignments per meeting.
pub const MAX_ACTIONS: i64 = 100;
/// Longest discussion notes of a version.
pub const MAX_DISCUSSION: usize = 20_000;
/// Most lines in each list of a version (organisations, apologies, agenda as taken).
pub const MAX_LINES: usize = 200;

/// The `meeting` row of one occurrence of a series (by its RECURRENCE-ID instant), made on
/// first use. The caller checks that the occurrence exists in the series.
pub async fn meeting_id_for_occurrence(
    db: &Db,
    series_id: i64,
    original_start: i64,
) -> Result<i64, AppError> {
    // Insert-or-ignore in a form both databases accept, then read: two callers racing both
    // end with the same row.
    sqlx::query(
        "insert into meeting (series_id, original_start) values ($1, $2) \
         on conflict (series_id, original_start) do nothing",
    )
    .bind(series_id)
    .bind(original_start)
    .execute(&db.pool)
    .await?;
    Ok(sqlx::query_scalar(
        "select meeting_id from meeting where series_id = $1 and original_start = $2",
    )
    .bind(series_id)
    .bind(original_start)
    .fetch_one(&db.pool)
    .await?)
}

// ---------------------------------------------------------------------------------------------
// Meetings: occurrences of a series

/// One meeting of a series.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Meeting {
    /// Set once the meeting has an agenda item, minutes, actions or carried questions.
    pub meeting_id: Option<i64>,
    pub series_id: i64,
    pub series_slug: String,
    /// The local date the rule gives the meeting, in the series' zone: its address.
    pub date: NaiveDate,
    /// The occurrence's start by the rule (RECURRENCE-ID).
    pub original_start: DateTime<Utc>,
    /// The actual start and end (differ when moved).
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// `scheduled`, `moved` or `cancelled`.
    pub status: String,
    /// The move's or cancellation's note.
    pub note: String,
    /// `/meetings/{series_slug}/{date}`.
    pub path: String,
}

fn series_zone(series: &Series) -> Result<Tz, AppError> {
    parse_zone(&series.time_zone).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))
}

/// The address of a meeting page: `/meetings/{series_slug}/{local date by the rule}`.
pub fn meeting_path(series: &Series, original_start: DateTime<Utc>) -> String {
    let date = series_zone(series)
        .map(|tz| original_start.with_timezone(&tz).date_naive())
        .unwrap_or_else(|_| original_start.date_naive());
    format!("/meetings/{}/{}", series.slug, date.format("%Y-%m-%d"))
}

/// The meeting of `series` at `original_start`, with its actual time from the exceptions.
async fn meeting_at(
    db: &Db,
    series: &Series,
    original_start: DateTime<Utc>,
) -> Result<Meeting, AppError> {
    let tz = series_zone(series)?;
    let duration = Duration::minutes(i64::from(series.duration_minutes));
    let exception = meetings::exceptions_of(db, series.series_id)
        .await?
        .into_iter()
        .find(|e| e.original_start == original_start);
    let (status, starts_at, ends_at, note) = match exception {
        None => (
            "scheduled",
            original_start,
            original_start + duration,
            String::new(),
        ),
        Some(e) => match e.kind {
            ExceptionKind::Cancelled => (
                "cancelled",
                original_start,
                original_start + duration,
                e.note,
            ),
            ExceptionKind::Moved { starts_at, ends_at } => ("moved", starts_at, ends_at, e.note),
        },
    };
    let meeting_id: Option<i64> = sqlx::query_scalar(
        "select meeting_id from meeting where series_id = $1 and original_start = $2",
    )
    .bind(series.series_id)
    .bind(original_start.timestamp())
    .fetch_optional(&db.pool)
    .await?;
    Ok(Meeting {
        meeting_id,
        series_id: series.series_id,
        series_slug: series.slug.clone(),
        date: original_start.with_timezone(&tz).date_naive(),
        original_start,
        starts_at,
        ends_at,
        status: status.to_string(),
        note,
        path: meeting_path(series, original_start),
    })
}

/// The meeting a series' rule gives on `date` (local to the series); 404 when there is none.
pub async fn meeting_on(db: &Db, series: &Series, date: NaiveDate) -> Result<Meeting, AppError> {
    let tz = series_zone(series)?;
    let start = resolve_local(tz, date.and_time(series.first_start_local.time()));
    if !is_occurrence(&series.rule()?, start) {
        return Err(AppError::NotFound);
    }
    meeting_at(db, series, start).await
}

/// A meeting by its row id, with its series.
pub async fn meeting_by_id(db: &Db, meeting_id: i64) -> Result<(Series, Meeting), AppError> {
    let row = sqlx::query(
        "select s.slug, m.original_start from meeting m join meeting_series s on s.series_id = m.series_id \
         where m.meeting_id = $1",
    )
    .bind(meeting_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let series = meetings::series_by_slug(db, &row.try_get::<String, _>(0)?).await?;
    let meeting = meeting_at(db, &series, instant(row.try_get(1)?)).await?;
    Ok((series, meeting))
}

/// Gives the meeting its row (a write is about to need one) and returns the id.
pub async fn ensure_row(db: &Db, meeting: &mut Meeting) -> Result<i64, AppError> {
    if let Some(id) = meeting.meeting_id {
        return Ok(id);
    }
    let id = meeting_id_for_occurrence(db, meeting.series_id, meeting.original_start.timestamp())
        .await?;
    meeting.meeting_id = Some(id);
    Ok(id)
}

/// The meetings before and after this one that are not cancelled (for page navigation).
pub async fn neighbours(
    db: &Db,
    series: &Series,
    meeting: &Meeting,
) -> Result<(Option<Meeting>, Option<Meeting>), AppError> {
    let at = meeting.original_start;
    let before = meetings::series_occurrences(db, series, at - Duration::days(400), at, 1000)
        .await?
        .into_iter()
        .filter(|o| {
            o.original_start < at
                && o.status != crate::domain::recurrence::OccurrenceStatus::Cancelled
        })
        .max_by_key(|o| o.original_start);
    let after = meetings::series_occurrences(
        db,
        series,
        at + Duration::seconds(1),
        at + Duration::days(400),
        20,
    )
    .await?
    .into_iter()
    .filter(|o| {
        o.original_start > at && o.status != crate::domain::recurrence::OccurrenceStatus::Cancelled
    })
    .min_by_key(|o| o.original_start);
    let prev = match before {
        Some(o) => Some(meeting_at(db, series, o.original_start).await?),
        None => None,
    };
    let next = match after {
        Some(o) => Some(meeting_at(db, series, o.original_start).await?),
        None => None,
    };
    Ok((prev, next))
}

/// Meetings of a series that have a row (an agenda, minutes, actions), newest first.
pub async fn recorded_meetings(db: &Db, series: &Series) -> Result<Vec<RecordedMeeting>, AppError> {
    let rows = sqlx::query(
        "select m.meeting_id, m.original_start, \
         (select max(version) from minutes x where x.meeting_id = m.meeting_id), \
         (select count(*) from minutes x where x.meeting_id = m.meeting_id and x.status in ('approved', 'locked')) \
         from meeting m where m.series_id = $1 order by m.original_start desc",
    )
    .bind(series.series_id)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let meeting = meeting_at(db, series, instant(r.try_get(1)?)).await?;
        let latest: Option<i64> = r.try_get(2)?;
        let latest_status = match latest {
            Some(_) => latest_version(db, r.try_get(0)?).await?.map(|v| v.status),
            None => None,
        };
        out.push(RecordedMeeting {
            meeting,
            latest_status,
            has_public_minutes: r.try_get::<i64, _>(3)? > 0,
        });
    }
    Ok(out)
}

/// A meeting with a record, for a series' list of minutes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordedMeeting {
    pub meeting: Meeting,
    /// The latest version's status, if there are minutes.
    pub latest_status: Option<MinutesStatus>,
    /// Whether an approved or locked version exists.
    pub has_public_minutes: bool,
}

// ---------------------------------------------------------------------------------------------
// Minutes

/// Where a version of the minutes stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MinutesStatus {
    Draft,
    InReview,
    Approved,
    Locked,
}

impl MinutesStatus {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            MinutesStatus::Draft => "draft",
            MinutesStatus::InReview => "in_review",
            MinutesStatus::Approved => "approved",
            MinutesStatus::Locked => "locked",
        }
    }

    /// Parses a stored or submitted name.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "draft" => Ok(MinutesStatus::Draft),
            "in_review" => Ok(MinutesStatus::InReview),
            "approved" => Ok(MinutesStatus::Approved),
            "locked" => Ok(MinutesStatus::Locked),
            _ => Err("must be one of: draft, in_review, approved, locked".into()),
        }
    }

    /// Whether the public may read a version in this status.
    pub fn is_public(self) -> bool {
        matches!(self, MinutesStatus::Approved | MinutesStatus::Locked)
    }
}

impl std::fmt::Display for MinutesStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a version of the minutes records (decisions and actions are kept apart, so they can
/// be linked and tracked).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MinutesContent {
    /// How many took part.
    #[serde(default)]
    pub attendee_count: Option<i64>,
    /// The organisations present, one entry each.
    #[serde(default)]
    pub attendee_organisations: Vec<String>,
    /// Who sent apologies.
    #[serde(default)]
    pub apologies: Vec<String>,
    /// The agenda as it was taken, one entry per item.
    #[serde(default)]
    pub agenda: Vec<String>,
    /// The discussion notes.
    #[serde(default)]
    pub discussion: String,
}

fn text_problem(e: TextError) -> String {
    match e {
        TextError::Empty => "is required".into(),
        TextError::TooLong { max } => format!("must be at most {max} characters"),
        other => other.to_string(),
    }
}

/// Cleans a version's content, naming every field at fault.
pub fn check_content(input: &MinutesContent) -> Result<MinutesContent, AppError> {
    let mut problems = Vec::new();
    if input
        .attendee_count
        .is_some_and(|n| !(0..=100_000).contains(&n))
    {
        problems.push(FieldError::new(
            "attendee_count",
            "must be a number between 0 and 100000",
        ));
    }
    let mut list = |field: &str, lines: &[String], max: usize| -> Vec<String> {
        if lines.len() > MAX_LINES {
            problems.push(FieldError::new(
                field,
                format!("at most {MAX_LINES} entries"),
            ));
            return Vec::new();
        }
        let mut out = Vec::new();
        for line in lines.iter().filter(|l| !l.trim().is_empty()) {
            match text::clean(line, max, false) {
                Ok(l) => out.push(l),
                Err(e) => {
                    problems.push(FieldError::new(
                        field,
                        format!(
                            "\"{}…\": {}",
                            line.chars().take(20).collect::<String>(),
                            text_problem(e)
                        ),
                    ));
                }
            }
        }
        out
    };
    let attendee_organisations = list("attendee_organisations", &input.attendee_organisations, 200);
    let apologies = list("apologies", &input.apologies, 200);
    let agenda = list("agenda", &input.agenda, 300);
    let discussion = if input.discussion.trim().is_empty() {
        String::new()
    } else {
        text::clean(&input.discussion, MAX_DISCUSSION, true).unwrap_or_else(|e| {
            problems.push(FieldError::new("discussion", text_problem(e)));
            String::new()
        })
    };
    let content = MinutesContent {
        attendee_count: input.attendee_count,
        attendee_organisations,
        apologies,
        agenda,
        discussion,
    };
    if content == MinutesContent::default() && problems.is_empty() {
        problems.push(FieldError::new(
            "discussion",
            "the minutes are empty: record at least the attendees, the agenda or the discussion",
        ));
    }
    if problems.is_empty() {
        Ok(content)
    } else {
        Err(AppError::Validation(problems))
    }
}

/// One version of a meeting's minutes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MinutesVersion {
    pub minutes_id: i64,
    pub meeting_id: i64,
    pub version: i64,
    pub status: MinutesStatus,
    pub content: MinutesContent,
    /// The meeting whose agenda approved this version, when approved that way.
    pub approved_in_meeting_id: Option<i64>,
    pub approved_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const MINUTES_COLUMNS: &str = "minutes_id, meeting_id, version, status, content, approved_in_meeting_id, approved_at, created_at, updated_at";

fn minutes_from_row(r: &sqlx::any::AnyRow) -> Result<MinutesVersion, AppError> {
    let status: String = r.try_get(3)?;
    let content: String = r.try_get(4)?;
    Ok(MinutesVersion {
        minutes_id: r.try_get(0)?,
        meeting_id: r.try_get(1)?,
        version: r.try_get(2)?,
        status: MinutesStatus::parse(&status)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stored minutes status: {e}")))?,
        content: serde_json::from_str(&content)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stored minutes content: {e}")))?,
        approved_in_meeting_id: r.try_get(5)?,
        approved_at: r.try_get::<Option<i64>, _>(6)?.map(instant),
        created_at: instant(r.try_get(7)?),
        updated_at: instant(r.try_get(8)?),
    })
}

/// Every version of a meeting's minutes, newest first.
pub async fn versions(db: &Db, meeting_id: i64) -> Result<Vec<MinutesVersion>, AppError> {
    let rows = sqlx::query(&format!(
        "select {MINUTES_COLUMNS} from minutes where meeting_id = $1 order by version desc"
    ))
    .bind(meeting_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(minutes_from_row).collect()
}

/// The versions `staff` may read (the public: approved and locked ones), newest first.
pub async fn visible_versions(
    db: &Db,
    meeting_id: i64,
    staff: Option<&Staff>,
) -> Result<Vec<MinutesVersion>, AppError> {
    Ok(versions(db, meeting_id)
        .await?
        .into_iter()
        .filter(|v| staff.is_some() || v.status.is_public())
        .collect())
}

async fn latest_version(db: &Db, meeting_id: i64) -> Result<Option<MinutesVersion>, AppError> {
    Ok(versions(db, meeting_id).await?.into_iter().next())
}

/// One version, or 404 (also when the public may not read it).
pub async fn version_by_id(
    db: &Db,
    minutes_id: i64,
    staff: Option<&Staff>,
) -> Result<MinutesVersion, AppError> {
    let row = sqlx::query(&format!(
        "select {MINUTES_COLUMNS} from minutes where minutes_id = $1"
    ))
    .bind(minutes_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let v = minutes_from_row(&row)?;
    if staff.is_none() && !v.status.is_public() {
        return Err(AppError::NotFound);
    }
    Ok(v)
}

async fn reindex(db: &Db, meeting_id: i64) {
    if let Err(e) = super::search::reindex_meeting(db, meeting_id).await {
        tracing::error!(error = %e, meeting_id, "refreshing the search index");
    }
}

async fn insert_version(
    db: &Db,
    created_by: Option<i64>,
    meeting_id: i64,
    content: &MinutesContent,
) -> Result<MinutesVersion, AppError> {
    let json = serde_json::to_string(content)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("minutes content: {e}")))?;
    let t = now();
    // The unique (meeting_id, version) key settles two editors racing: one gets a conflict.
    let id: i64 = sqlx::query_scalar(
        "insert into minutes (meeting_id, version, status, content, created_by, created_at, updated_at) \
         values ($1, (select coalesce(max(version), 0) + 1 from minutes where meeting_id = $1), 'draft', $2, $3, $4, $4) \
         returning minutes_id",
    )
    .bind(meeting_id)
    .bind(json)
    .bind(created_by)
    .bind(t)
    .fetch_one(&db.pool)
    .await
    .map_err(|e| {
        if crate::store::is_unique_violation(&e) {
            AppError::Conflict("someone saved another version at the same time; reload and try again".into())
        } else {
            AppError::Database(e)
        }
    })?;
    reindex(db, meeting_id).await;
    let row = sqlx::query(&format!(
        "select {MINUTES_COLUMNS} from minutes where minutes_id = $1"
    ))
    .bind(id)
    .fetch_one(&db.pool)
    .await?;
    minutes_from_row(&row)
}

fn refuse_if_final(latest: &MinutesVersion) -> Result<(), AppError> {
    if latest.status == MinutesStatus::Locked {
        return Err(AppError::Conflict(format!(
            "version {} of these minutes is locked: the minutes are final",
            latest.version
        )));
    }
    Ok(())
}

/// Starts the minutes of a meeting, or a new draft after the latest version left draft.
/// When the latest version is a draft, edit it instead (409).
pub async fn create_minutes(
    db: &Db,
    staff: &Staff,
    meeting_id: i64,
    content: &MinutesContent,
) -> Result<MinutesVersion, AppError> {
    create_minutes_by(db, Some(staff.staff_id), meeting_id, content).await
}

/// [`create_minutes`] without a signed-in author (the demo).
pub(crate) async fn create_minutes_by(
    db: &Db,
    created_by: Option<i64>,
    meeting_id: i64,
    content: &MinutesContent,
) -> Result<MinutesVersion, AppError> {
    let content = check_content(content)?;
    if let Some(latest) = latest_version(db, meeting_id).await? {
        refuse_if_final(&latest)?;
        if latest.status == MinutesStatus::Draft {
            return Err(AppError::Conflict(format!(
                "version {} is still a draft: edit it instead",
                latest.version
            )));
        }
    }
    insert_version(db, created_by, meeting_id, &content).await
}

/// Edits a version: a draft changes in place; any other version stays as it is and the edit
/// becomes a new draft version (returned with `true`).
pub async fn edit_minutes(
    db: &Db,
    staff: &Staff,
    minutes_id: i64,
    content: &MinutesContent,
) -> Result<(MinutesVersion, bool), AppError> {
    let v = version_by_id(db, minutes_id, Some(staff)).await?;
    let content = check_content(content)?;
    let latest = latest_version(db, v.meeting_id)
        .await?
        .ok_or(AppError::NotFound)?;
    refuse_if_final(&latest)?;
    if latest.minutes_id != v.minutes_id && latest.status == MinutesStatus::Draft {
        return Err(AppError::Conflict(format!(
            "version {} is a newer draft: edit it instead",
            latest.version
        )));
    }
    if v.status == MinutesStatus::Draft {
        let json = serde_json::to_string(&content)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("minutes content: {e}")))?;
        // Only while it is still a draft: a concurrent status change wins.
        let done = sqlx::query(
            "update minutes set content = $1, updated_at = $2 where minutes_id = $3 and status = 'draft'",
        )
        .bind(json)
        .bind(now())
        .bind(minutes_id)
        .execute(&db.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(AppError::Conflict(
                "this version left draft while you were editing; reload and edit again".into(),
            ));
        }
        reindex(db, v.meeting_id).await;
        return Ok((version_by_id(db, minutes_id, Some(staff)).await?, false));
    }
    Ok((
        insert_version(db, Some(staff.staff_id), v.meeting_id, &content).await?,
        true,
    ))
}

/// Moves a version along draft → in review → approved → locked (or back from review to
/// draft). Only the latest version moves; approving and locking need an organizer.
/// `approved_in` records the meeting whose agenda approved it.
pub async fn set_status(
    db: &Db,
    staff: &Staff,
    minutes_id: i64,
    to: MinutesStatus,
    approved_in: Option<i64>,
) -> Result<MinutesVersion, AppError> {
    if matches!(to, MinutesStatus::Approved | MinutesStatus::Locked)
        && staff.role != StaffRole::Organizer
    {
        // Still a 404 for a version that does not exist, before the 403.
        version_by_id(db, minutes_id, Some(staff)).await?;
        return Err(AppError::Forbidden);
    }
    set_status_unchecked(db, minutes_id, to, approved_in).await
}

/// [`set_status`] once the caller's role is settled (the demo has no signed-in organizer).
pub(crate) async fn set_status_unchecked(
    db: &Db,
    minutes_id: i64,
    to: MinutesStatus,
    approved_in: Option<i64>,
) -> Result<MinutesVersion, AppError> {
    use MinutesStatus::*;
    let row = sqlx::query(&format!(
        "select {MINUTES_COLUMNS} from minutes where minutes_id = $1"
    ))
    .bind(minutes_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let v = minutes_from_row(&row)?;
    let latest = latest_version(db, v.meeting_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if latest.minutes_id != v.minutes_id {
        return Err(AppError::Conflict(format!(
            "version {} is not the latest (version {} is): only the latest version changes status",
            v.version, latest.version
        )));
    }
    let allowed = matches!(
        (v.status, to),
        (Draft, InReview) | (InReview, Draft) | (InReview, Approved) | (Approved, Locked)
    );
    if !allowed {
        let hint = match (v.status, to) {
            (Draft, Approved) => "; put it in review first",
            (Draft | InReview, Locked) => "; only approved minutes can be locked",
            (Locked, _) => "; locked minutes are final",
            (Approved, Draft | InReview) => "; edit it to start a new draft version",
            _ => "",
        };
        return Err(AppError::Conflict(format!(
            "version {} is {} and cannot become {}{hint}",
            v.version,
            v.status.as_str().replace('_', " "),
            to.as_str().replace('_', " ")
        )));
    }
    let t = now();
    let (approved_at, approved_in) = if to == Approved {
        (Some(t), approved_in)
    } else {
        (
            v.approved_at.map(|a| a.timestamp()),
            v.approved_in_meeting_id,
        )
    };
    let done = sqlx::query(
        "update minutes set status = $1, approved_at = $2, approved_in_meeting_id = $3, updated_at = $4 \
         where minutes_id = $5 and status = $6",
    )
    .bind(to.as_str())
    .bind(approved_at)
    .bind(approved_in)
    .bind(t)
    .bind(minutes_id)
    .bind(v.status.as_str())
    .execute(&db.pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::Conflict(
            "the version changed meanwhile; reload and try again".into(),
        ));
    }
    reindex(db, v.meeting_id).await;
    let row = sqlx::query(&format!(
        "select {MINUTES_COLUMNS} from minutes where minutes_id = $1"
    ))
    .bind(minutes_id)
    .fetch_one(&db.pool)
    .await?;
    minutes_from_row(&row)
}

// ---------------------------------------------------------------------------------------------
// Agenda

/// An item an organizer put on the agenda.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgendaItem {
    pub agenda_item_id: i64,
    pub meeting_id: i64,
    /// From 1.
    pub position: i64,
    pub title: String,
}

/// A new agenda item.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgendaItemInput {
    pub title: String,
}

/// A new order for all of a meeting's agenda items.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgendaOrder {
    /// Every agenda item id of the meeting, each once, first first.
    pub agenda_item_ids: Vec<i64>,
}

/// The previous meeting's minutes, as the agenda puts them up for approval.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreviousMinutes {
    pub meeting: Meeting,
    /// The latest version.
    pub minutes_id: i64,
    pub version: i64,
    pub status: MinutesStatus,
    pub approved_in_meeting_id: Option<i64>,
    /// In review: an organizer can approve it from this agenda.
    pub can_approve: bool,
}

/// An open action assignment of an earlier meeting of the series.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpenAction {
    pub action: MeetingAction,
    /// The meeting that assigned it.
    pub meeting: Meeting,
}

/// A meeting's agenda: the organizer's items and what the application adds to every agenda.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Agenda {
    pub items: Vec<AgendaItem>,
    /// The minutes of the latest earlier meeting that has minutes.
    pub previous_minutes: Option<PreviousMinutes>,
    /// Open assignments from earlier meetings of the series, soonest due first.
    pub open_actions: Vec<OpenAction>,
    /// Open items of the coalition's plan with an owner and a due date, soonest due first.
    pub plan_items: Vec<PlanItem>,
    /// Questions carried forward to this meeting.
    pub carried_questions: Vec<CarriedQuestion>,
}

async fn agenda_items(db: &Db, meeting_id: i64) -> Result<Vec<AgendaItem>, AppError> {
    let rows = sqlx::query(
        "select agenda_item_id, position, title from agenda_item where meeting_id = $1 order by position",
    )
    .bind(meeting_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AgendaItem {
                agenda_item_id: r.try_get(0)?,
                meeting_id,
                position: r.try_get(1)?,
                title: r.try_get(2)?,
            })
        })
        .collect()
}

async fn has_public_minutes(db: &Db, meeting_id: i64) -> Result<bool, AppError> {
    let n: i64 = sqlx::query_scalar(
        "select count(*) from minutes where meeting_id = $1 and status in ('approved', 'locked')",
    )
    .bind(meeting_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// The meeting's agenda as `staff` (or the public) may read it. Open actions of earlier
/// meetings reach the public once those meetings' minutes are approved.
pub async fn agenda(
    db: &Db,
    series: &Series,
    meeting: &Meeting,
    staff: Option<&Staff>,
) -> Result<Agenda, AppError> {
    let items = match meeting.meeting_id {
        Some(id) => agenda_items(db, id).await?,
        None => Vec::new(),
    };
    let at = meeting.original_start.timestamp();
    let previous: Option<i64> = sqlx::query_scalar(
        "select m.meeting_id from meeting m where m.series_id = $1 and m.original_start < $2 \
         and exists (select 1 from minutes x where x.meeting_id = m.meeting_id) \
         order by m.original_start desc limit 1",
    )
    .bind(series.series_id)
    .bind(at)
    .fetch_optional(&db.pool)
    .await?;
    let previous_minutes = match previous {
        Some(id) => {
            let (_, m) = meeting_by_id(db, id).await?;
            latest_version(db, id).await?.map(|v| PreviousMinutes {
                meeting: m,
                minutes_id: v.minutes_id,
                version: v.version,
                can_approve: v.status == MinutesStatus::InReview,
                status: v.status,
                approved_in_meeting_id: v.approved_in_meeting_id,
            })
        }
        None => None,
    };
    let rows = sqlx::query(&format!(
        "select {ACTION_COLUMNS} from meeting_action a join meeting m on m.meeting_id = a.meeting_id \
         where m.series_id = $1 and m.original_start < $2 and a.status = 'open' \
         order by case when a.due_on is null then 1 else 0 end, a.due_on, a.meeting_action_id"
    ))
    .bind(series.series_id)
    .bind(at)
    .fetch_all(&db.pool)
    .await?;
    let mut open_actions = Vec::new();
    for r in &rows {
        let action = action_from_row(r)?;
        if staff.is_none() && !has_public_minutes(db, action.meeting_id).await? {
            continue;
        }
        let (_, m) = meeting_by_id(db, action.meeting_id).await?;
        open_actions.push(OpenAction { action, meeting: m });
    }
    let plan_items = match series.coalition_id {
        Some(c) => plan::open_assigned_items(db, c).await?,
        None => Vec::new(),
    };
    let carried_questions = match meeting.meeting_id {
        Some(id) => questions::carried_to_meeting(db, id).await?,
        None => Vec::new(),
    };
    Ok(Agenda {
        items,
        previous_minutes,
        open_actions,
        plan_items,
        carried_questions,
    })
}

/// Adds an item at the end of a meeting's agenda (organizers).
pub async fn add_agenda_item(
    db: &Db,
    meeting_id: i64,
    input: &AgendaItemInput,
) -> Result<AgendaItem, AppError> {
    let title = text::clean(&input.title, 300, false)
        .map_err(|e| AppError::field("title", text_problem(e)))?;
    let count: i64 = sqlx::query_scalar("select count(*) from agenda_item where meeting_id = $1")
        .bind(meeting_id)
        .fetch_one(&db.pool)
        .await?;
    if count >= MAX_AGENDA_ITEMS {
        return Err(AppError::field(
            "title",
            format!("an agenda holds at most {MAX_AGENDA_ITEMS} items"),
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "insert into agenda_item (meeting_id, position, title) \
         values ($1, (select coalesce(max(position), 0) + 1 from agenda_item where meeting_id = $1), $2) \
         returning agenda_item_id",
    )
    .bind(meeting_id)
    .bind(&title)
    .fetch_one(&db.pool)
    .await
    .map_err(|e| {
        if crate::store::is_unique_violation(&e) {
            AppError::Conflict("the agenda changed meanwhile; try again".into())
        } else {
            AppError::Database(e)
        }
    })?;
    agenda_items(db, meeting_id)
        .await?
        .into_iter()
        .find(|i| i.agenda_item_id == id)
        .ok_or(AppError::NotFound)
}

/// Puts a meeting's agenda items in the given order (every id once).
pub async fn reorder_agenda(
    db: &Db,
    meeting_id: i64,
    order: &[i64],
) -> Result<Vec<AgendaItem>, AppError> {
    let current: Vec<i64> = agenda_items(db, meeting_id)
        .await?
        .iter()
        .map(|i| i.agenda_item_id)
        .collect();
    let mut sorted_given = order.to_vec();
    sorted_given.sort_unstable();
    let mut sorted_current = current.clone();
    sorted_current.sort_unstable();
    if sorted_given != sorted_current {
        return Err(AppError::field(
            "agenda_item_ids",
            "list every agenda item of the meeting exactly once",
        ));
    }
    write_order(db, meeting_id, order).await?;
    agenda_items(db, meeting_id).await
}

async fn write_order(db: &Db, meeting_id: i64, order: &[i64]) -> Result<(), AppError> {
    let mut tx = db.pool.begin().await?;
    // Negative first so the unique (meeting_id, position) key holds at every step.
    sqlx::query("update agenda_item set position = -position where meeting_id = $1")
        .bind(meeting_id)
        .execute(&mut *tx)
        .await?;
    for (i, id) in order.iter().enumerate() {
        sqlx::query(
            "update agenda_item set position = $1 where agenda_item_id = $2 and meeting_id = $3",
        )
        .bind(i as i64 + 1)
        .bind(id)
        .bind(meeting_id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The meeting an agenda item belongs to.
pub async fn agenda_item_meeting(db: &Db, agenda_item_id: i64) -> Result<i64, AppError> {
    sqlx::query_scalar("select meeting_id from agenda_item where agenda_item_id = $1")
        .bind(agenda_item_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

/// Moves an agenda item one place up or down (the pages' buttons).
pub async fn move_agenda_item(db: &Db, agenda_item_id: i64, up: bool) -> Result<(), AppError> {
    let meeting_id = agenda_item_meeting(db, agenda_item_id).await?;
    let mut ids: Vec<i64> = agenda_items(db, meeting_id)
        .await?
        .iter()
        .map(|i| i.agenda_item_id)
        .collect();
    let Some(at) = ids.iter().position(|i| *i == agenda_item_id) else {
        return Err(AppError::NotFound);
    };
    let other = if up { at.checked_sub(1) } else { Some(at + 1) };
    match other {
        Some(o) if o < ids.len() => {
            ids.swap(at, o);
            write_order(db, meeting_id, &ids).await
        }
        _ => Ok(()),
    }
}

/// Removes an agenda item; the rest close up.
pub async fn remove_agenda_item(db: &Db, agenda_item_id: i64) -> Result<(), AppError> {
    let meeting_id = agenda_item_meeting(db, agenda_item_id).await?;
    sqlx::query("delete from agenda_item where agenda_item_id = $1")
        .bind(agenda_item_id)
        .execute(&db.pool)
        .await?;
    let rest: Vec<i64> = agenda_items(db, meeting_id)
        .await?
        .iter()
        .map(|i| i.agenda_item_id)
        .collect();
    write_order(db, meeting_id, &rest).await
}

/// Approves the previous meeting's minutes from this meeting's agenda (organizers): the
/// version must be the one the agenda shows, and in review.
pub async fn approve_from_agenda(
    db: &Db,
    staff: &Staff,
    series: &Series,
    meeting: &mut Meeting,
    minutes_id: i64,
) -> Result<MinutesVersion, AppError> {
    if meeting.status == "cancelled" {
        return Err(AppError::Conflict(
            "this meeting is cancelled; approve the minutes from another meeting's agenda".into(),
        ));
    }
    let agenda = agenda(db, series, meeting, Some(staff)).await?;
    match agenda.previous_minutes {
        Some(p) if p.minutes_id == minutes_id => {}
        _ => {
            return Err(AppError::field(
                "minutes_id",
                "is not the latest version of the previous meeting's minutes",
            ));
        }
    }
    let here = ensure_row(db, meeting).await?;
    let v = set_status(db, staff, minutes_id, MinutesStatus::Approved, Some(here)).await?;
    reindex(db, here).await;
    Ok(v)
}

// ---------------------------------------------------------------------------------------------
// Action assignments

/// An action assigned in a meeting.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeetingAction {
    pub meeting_action_id: i64,
    pub meeting_id: i64,
    pub text: String,
    pub owner: String,
    pub due_on: Option<NaiveDate>,
    /// `open`, `done` or `dropped`.
    pub status: String,
    /// The plan's action item it serves.
    pub action_item_id: Option<i64>,
    /// Open and due before today.
    pub overdue: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An action assignment as written; a `PUT` replaces every field.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingActionInput {
    pub text: String,
    pub owner: String,
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
    /// `open` (the default), `done` or `dropped`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub action_item_id: Option<i64>,
}

const ACTION_COLUMNS: &str = "a.meeting_action_id, a.meeting_id, a.text, a.owner, a.due_on, a.status, a.action_item_id, a.created_at, a.updated_at";

fn action_from_row(r: &sqlx::any::AnyRow) -> Result<MeetingAction, AppError> {
    let due: Option<String> = r.try_get(4)?;
    let due_on = due
        .map(|d| {
            NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .map_err(|e| AppError::Internal(anyhow::anyhow!("stored due_on {d:?}: {e}")))
        })
        .transpose()?;
    let status: String = r.try_get(5)?;
    Ok(MeetingAction {
        meeting_action_id: r.try_get(0)?,
        meeting_id: r.try_get(1)?,
        text: r.try_get(2)?,
        owner: r.try_get(3)?,
        overdue: status == "open" && due_on.is_some_and(|d| d < plan::today()),
        due_on,
        status,
        action_item_id: r.try_get(6)?,
        created_at: instant(r.try_get(7)?),
        updated_at: instant(r.try_get(8)?),
    })
}

/// The actions assigned in a meeting, in the order they were made.
pub async fn actions_of(db: &Db, meeting_id: i64) -> Result<Vec<MeetingAction>, AppError> {
    let rows = sqlx::query(&format!(
        "select {ACTION_COLUMNS} from meeting_action a where a.meeting_id = $1 order by a.meeting_action_id"
    ))
    .bind(meeting_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(action_from_row).collect()
}

/// One action, or 404.
pub async fn action_by_id(db: &Db, meeting_action_id: i64) -> Result<MeetingAction, AppError> {
    let row = sqlx::query(&format!(
        "select {ACTION_COLUMNS} from meeting_action a where a.meeting_action_id = $1"
    ))
    .bind(meeting_action_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    action_from_row(&row)
}

struct CleanAction {
    text: String,
    owner: String,
    due_on: Option<String>,
    status: String,
    action_item_id: Option<i64>,
}

async fn check_action(db: &Db, input: &MeetingActionInput) -> Result<CleanAction, AppError> {
    let mut problems = Vec::new();
    let text = text::clean(&input.text, 1000, true).unwrap_or_else(|e| {
        problems.push(FieldError::new("text", text_problem(e)));
        String::new()
    });
    let owner = text::clean(&input.owner, plan::MAX_OWNER, false).unwrap_or_else(|e| {
        problems.push(FieldError::new("owner", text_problem(e)));
        String::new()
    });
    let status = input.status.clone().unwrap_or_else(|| "open".into());
    if !["open", "done", "dropped"].contains(&status.as_str()) {
        problems.push(FieldError::new(
            "status",
            "must be one of: open, done, dropped",
        ));
    }
    if input
        .due_on
        .is_some_and(|d| !(2000..=2200).contains(&chrono::Datelike::year(&d)))
    {
        problems.push(FieldError::new(
            "due_on",
            "must be a date between the years 2000 and 2200",
        ));
    }
    if let Some(id) = input.action_item_id {
        let n: i64 =
            sqlx::query_scalar("select count(*) from action_item where action_item_id = $1")
                .bind(id)
                .fetch_one(&db.pool)
                .await?;
        if n == 0 {
            problems.push(FieldError::new("action_item_id", "no such action item"));
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    Ok(CleanAction {
        text,
        owner,
        due_on: input.due_on.map(|d| d.format("%Y-%m-%d").to_string()),
        status,
        action_item_id: input.action_item_id,
    })
}

/// Assigns an action in a meeting (staff).
pub async fn add_action(
    db: &Db,
    meeting_id: i64,
    input: &MeetingActionInput,
) -> Result<MeetingAction, AppError> {
    let a = check_action(db, input).await?;
    let count: i64 =
        sqlx::query_scalar("select count(*) from meeting_action where meeting_id = $1")
            .bind(meeting_id)
            .fetch_one(&db.pool)
            .await?;
    if count >= MAX_ACTIONS {
        return Err(AppError::field(
            "text",
            format!("a meeting holds at most {MAX_ACTIONS} actions"),
        ));
    }
    let t = now();
    let id: i64 = sqlx::query_scalar(
        "insert into meeting_action (meeting_id, text, owner, due_on, status, action_item_id, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $7) returning meeting_action_id",
    )
    .bind(meeting_id)
    .bind(&a.text)
    .bind(&a.owner)
    .bind(&a.due_on)
    .bind(&a.status)
    .bind(a.action_item_id)
    .bind(t)
    .fetch_one(&db.pool)
    .await?;
    reindex(db, meeting_id).await;
    action_by_id(db, id).await
}

/// Replaces an action's fields; its status keeps changing after the minutes are final, as
/// the work gets done.
pub async fn update_action(
    db: &Db,
    meeting_action_id: i64,
    input: &MeetingActionInput,
) -> Result<MeetingAction, AppError> {
    let old = action_by_id(db, meeting_action_id).await?;
    let a = check_action(db, input).await?;
    sqlx::query(
        "update meeting_action set text = $1, owner = $2, due_on = $3, status = $4, action_item_id = $5, updated_at = $6 \
         where meeting_action_id = $7",
    )
    .bind(&a.text)
    .bind(&a.owner)
    .bind(&a.due_on)
    .bind(&a.status)
    .bind(a.action_item_id)
    .bind(now())
    .bind(meeting_action_id)
    .execute(&db.pool)
    .await?;
    reindex(db, old.meeting_id).await;
    action_by_id(db, meeting_action_id).await
}

// ---------------------------------------------------------------------------------------------
// A meeting's record

/// Everything a meeting page shows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeetingRecord {
    pub meeting: Meeting,
    pub series_title: String,
    pub agenda: Agenda,
    /// The versions the reader may see, newest first.
    pub minutes: Vec<MinutesVersion>,
    /// The meeting's decisions (outcomes of kind `decision`), once public or for staff.
    pub decisions: Vec<Outcome>,
    /// Action assignments, once public or for staff.
    pub actions: Vec<MeetingAction>,
}

/// A meeting's record as `staff` (or the public) may read it.
pub async fn record(
    db: &Db,
    series: &Series,
    meeting: Meeting,
    staff: Option<&Staff>,
) -> Result<MeetingRecord, AppError> {
    let agenda = agenda(db, series, &meeting, staff).await?;
    let (minutes, decisions, actions) = match meeting.meeting_id {
        None => (Vec::new(), Vec::new(), Vec::new()),
        Some(id) => {
            let minutes = visible_versions(db, id, staff).await?;
            let public = has_public_minutes(db, id).await?;
            if staff.is_some() || public {
                let decisions = outcomes::for_meeting(db, id)
                    .await?
                    .into_iter()
                    .filter(|o| o.kind == OutcomeKind::Decision)
                    .collect();
                (minutes, decisions, actions_of(db, id).await?)
            } else {
                (minutes, Vec::new(), Vec::new())
            }
        }
    };
    Ok(MeetingRecord {
        series_title: series.title.clone(),
        meeting,
        agenda,
        minutes,
        decisions,
        actions,
    })
}

// ---------------------------------------------------------------------------------------------
// Routes

/// This module's JSON routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_meeting, open_meeting))
        .routes(routes!(get_meeting_by_id))
        .routes(routes!(add_agenda_item_route))
        .routes(routes!(reorder_agenda_route))
        .routes(routes!(remove_agenda_item_route))
        .routes(routes!(approve_previous_minutes))
        .routes(routes!(list_minutes, create_minutes_route))
        .routes(routes!(get_minutes, edit_minutes_route))
        .routes(routes!(set_minutes_status))
        .routes(routes!(list_actions, add_action_route))
        .routes(routes!(update_action_route))
}

/// The signed-in staff member, or 401.
fn signed_in(staff: MaybeStaff) -> Result<Staff, AppError> {
    staff.0.ok_or(AppError::Unauthorized)
}

/// A meeting that may take a write: it exists and is not cancelled.
pub async fn writable(db: &Db, meeting_id: i64) -> Result<(Series, Meeting), AppError> {
    let (series, meeting) = meeting_by_id(db, meeting_id).await?;
    refuse_cancelled(&meeting)?;
    Ok((series, meeting))
}

fn refuse_cancelled(meeting: &Meeting) -> Result<(), AppError> {
    if meeting.status == "cancelled" {
        return Err(AppError::Conflict(
            "this meeting is cancelled: it has no agenda, minutes or actions".into(),
        ));
    }
    Ok(())
}

/// A series and a meeting of it from the address' slug and date.
pub async fn meeting_from_path(
    db: &Db,
    slug: &str,
    date: &str,
) -> Result<(Series, Meeting), AppError> {
    let series = meetings::series_by_slug(db, slug).await?;
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| AppError::NotFound)?;
    let meeting = meeting_on(db, &series, date).await?;
    Ok((series, meeting))
}

#[utoipa::path(get, path = "/api/series/{slug}/meetings/{date}", tag = "minutes",
    params(("slug" = String, Path, description = "The series' slug"),
        ("date" = String, Path, description = "The meeting's date by the series' rule, YYYY-MM-DD in the series' zone")),
    responses((status = 200, body = MeetingRecord, description = "The meeting's agenda and record; \
        the public sees approved and locked minutes only, staff every version"),
        (status = 404, body = ErrorBody, description = "No such series, or the rule gives no meeting that day")))]
async fn get_meeting(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path((slug, date)): Path<(String, String)>,
) -> Result<axum::Json<MeetingRecord>, AppError> {
    let (series, meeting) = meeting_from_path(&state.db, &slug, &date).await?;
    Ok(axum::Json(
        record(&state.db, &series, meeting, staff.0.as_ref()).await?,
    ))
}

#[utoipa::path(put, path = "/api/series/{slug}/meetings/{date}", tag = "minutes",
    params(("slug" = String, Path), ("date" = String, Path, description = "YYYY-MM-DD by the series' rule")),
    responses((status = 200, body = MeetingRecord, description = "The meeting, with its `meeting_id` (made on first use)"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The meeting is cancelled")))]
async fn open_meeting(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path((slug, date)): Path<(String, String)>,
) -> Result<axum::Json<MeetingRecord>, AppError> {
    let staff = signed_in(staff)?;
    let (series, mut meeting) = meeting_from_path(&state.db, &slug, &date).await?;
    refuse_cancelled(&meeting)?;
    ensure_row(&state.db, &mut meeting).await?;
    Ok(axum::Json(
        record(&state.db, &series, meeting, Some(&staff)).await?,
    ))
}

#[utoipa::path(get, path = "/api/meetings/{meeting_id}", tag = "minutes",
    params(("meeting_id" = i64, Path)),
    responses((status = 200, body = MeetingRecord), (status = 404, body = ErrorBody)))]
async fn get_meeting_by_id(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(meeting_id): Path<i64>,
) -> Result<axum::Json<MeetingRecord>, AppError> {
    let (series, meeting) = meeting_by_id(&state.db, meeting_id).await?;
    Ok(axum::Json(
        record(&state.db, &series, meeting, staff.0.as_ref()).await?,
    ))
}

#[utoipa::path(post, path = "/api/meetings/{meeting_id}/agenda-items", tag = "minutes",
    request_body = AgendaItemInput, params(("meeting_id" = i64, Path)),
    responses((status = 201, body = AgendaItem, description = "Added at the end of the agenda"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_agenda_item_route(
    State(state): State<AppState>,
    _: Organizer,
    Path(meeting_id): Path<i64>,
    Json(input): Json<AgendaItemInput>,
) -> Result<(StatusCode, axum::Json<AgendaItem>), AppError> {
    writable(&state.db, meeting_id).await?;
    let item = add_agenda_item(&state.db, meeting_id, &input).await?;
    Ok((StatusCode::CREATED, axum::Json(item)))
}

#[utoipa::path(put, path = "/api/meetings/{meeting_id}/agenda-items/order", tag = "minutes",
    request_body = AgendaOrder, params(("meeting_id" = i64, Path)),
    responses((status = 200, body = Vec<AgendaItem>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn reorder_agenda_route(
    State(state): State<AppState>,
    _: Organizer,
    Path(meeting_id): Path<i64>,
    Json(order): Json<AgendaOrder>,
) -> Result<axum::Json<Vec<AgendaItem>>, AppError> {
    writable(&state.db, meeting_id).await?;
    Ok(axum::Json(
        reorder_agenda(&state.db, meeting_id, &order.agenda_item_ids).await?,
    ))
}

#[utoipa::path(delete, path = "/api/agenda-items/{agenda_item_id}", tag = "minutes",
    params(("agenda_item_id" = i64, Path)),
    responses((status = 204, description = "Removed; the items after it move up"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove_agenda_item_route(
    State(state): State<AppState>,
    _: Organizer,
    Path(agenda_item_id): Path<i64>,
) -> Result<StatusCode, AppError> {
    remove_agenda_item(&state.db, agenda_item_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which version of the previous minutes to approve.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveInput {
    pub minutes_id: i64,
}

#[utoipa::path(post, path = "/api/meetings/{meeting_id}/approve-previous-minutes", tag = "minutes",
    request_body = ApproveInput, params(("meeting_id" = i64, Path, description = "The meeting whose agenda approves them")),
    responses((status = 200, body = MinutesVersion, description = "Approved; `approved_in_meeting_id` is this meeting"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Not in review, or this meeting is cancelled"),
        (status = 422, body = ErrorBody, description = "Not the previous meeting's latest version")))]
async fn approve_previous_minutes(
    State(state): State<AppState>,
    Organizer(staff): Organizer,
    Path(meeting_id): Path<i64>,
    Json(input): Json<ApproveInput>,
) -> Result<axum::Json<MinutesVersion>, AppError> {
    let (series, mut meeting) = meeting_by_id(&state.db, meeting_id).await?;
    Ok(axum::Json(
        approve_from_agenda(&state.db, &staff, &series, &mut meeting, input.minutes_id).await?,
    ))
}

#[utoipa::path(get, path = "/api/meetings/{meeting_id}/minutes", tag = "minutes",
    params(("meeting_id" = i64, Path)),
    responses((status = 200, body = Vec<MinutesVersion>, description = "Newest first; the public sees approved and locked versions"),
        (status = 404, body = ErrorBody)))]
async fn list_minutes(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(meeting_id): Path<i64>,
) -> Result<axum::Json<Vec<MinutesVersion>>, AppError> {
    meeting_by_id(&state.db, meeting_id).await?;
    Ok(axum::Json(
        visible_versions(&state.db, meeting_id, staff.0.as_ref()).await?,
    ))
}

#[utoipa::path(post, path = "/api/meetings/{meeting_id}/minutes", tag = "minutes",
    request_body = MinutesContent, params(("meeting_id" = i64, Path)),
    responses((status = 201, body = MinutesVersion, description = "A new draft version"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The latest version is a draft (edit it), or the minutes are locked"),
        (status = 422, body = ErrorBody)))]
async fn create_minutes_route(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(meeting_id): Path<i64>,
    Json(content): Json<MinutesContent>,
) -> Result<(StatusCode, axum::Json<MinutesVersion>), AppError> {
    let staff = signed_in(staff)?;
    writable(&state.db, meeting_id).await?;
    let v = create_minutes(&state.db, &staff, meeting_id, &content).await?;
    Ok((StatusCode::CREATED, axum::Json(v)))
}

#[utoipa::path(get, path = "/api/minutes/{minutes_id}", tag = "minutes",
    params(("minutes_id" = i64, Path)),
    responses((status = 200, body = MinutesVersion),
        (status = 404, body = ErrorBody, description = "No such version, or not yet approved and you are not staff")))]
async fn get_minutes(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(minutes_id): Path<i64>,
) -> Result<axum::Json<MinutesVersion>, AppError> {
    Ok(axum::Json(
        version_by_id(&state.db, minutes_id, staff.0.as_ref()).await?,
    ))
}

#[utoipa::path(put, path = "/api/minutes/{minutes_id}", tag = "minutes",
    request_body = MinutesContent, params(("minutes_id" = i64, Path)),
    responses((status = 200, body = MinutesVersion, description = "The draft, changed in place"),
        (status = 201, body = MinutesVersion, description = "The version was not a draft: the edit is a new draft version"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "A newer draft exists, or the minutes are locked"),
        (status = 422, body = ErrorBody)))]
async fn edit_minutes_route(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(minutes_id): Path<i64>,
    Json(content): Json<MinutesContent>,
) -> Result<(StatusCode, axum::Json<MinutesVersion>), AppError> {
    let staff = signed_in(staff)?;
    let (v, new) = edit_minutes(&state.db, &staff, minutes_id, &content).await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(v)))
}

/// The status a version moves to.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    pub status: MinutesStatus,
}

#[utoipa::path(post, path = "/api/minutes/{minutes_id}/status", tag = "minutes",
    request_body = StatusInput, params(("minutes_id" = i64, Path)),
    responses((status = 200, body = MinutesVersion),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody, description = "Approving and locking need an organizer"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Not a step of draft → in review → approved → locked, or not the latest version"),
        (status = 422, body = ErrorBody)))]
async fn set_minutes_status(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(minutes_id): Path<i64>,
    Json(input): Json<StatusInput>,
) -> Result<axum::Json<MinutesVersion>, AppError> {
    let staff = signed_in(staff)?;
    Ok(axum::Json(
        set_status(&state.db, &staff, minutes_id, input.status, None).await?,
    ))
}

#[utoipa::path(get, path = "/api/meetings/{meeting_id}/actions", tag = "minutes",
    params(("meeting_id" = i64, Path)),
    responses((status = 200, body = Vec<MeetingAction>, description = "Empty for the public until the minutes are approved"),
        (status = 404, body = ErrorBody)))]
async fn list_actions(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(meeting_id): Path<i64>,
) -> Result<axum::Json<Vec<MeetingAction>>, AppError> {
    meeting_by_id(&state.db, meeting_id).await?;
    if staff.0.is_none() && !has_public_minutes(&state.db, meeting_id).await? {
        return Ok(axum::Json(Vec::new()));
    }
    Ok(axum::Json(actions_of(&state.db, meeting_id).await?))
}

#[utoipa::path(post, path = "/api/meetings/{meeting_id}/actions", tag = "minutes",
    request_body = MeetingActionInput, params(("meeting_id" = i64, Path)),
    responses((status = 201, body = MeetingAction), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_action_route(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(meeting_id): Path<i64>,
    Json(input): Json<MeetingActionInput>,
) -> Result<(StatusCode, axum::Json<MeetingAction>), AppError> {
    signed_in(staff)?;
    writable(&state.db, meeting_id).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(add_action(&state.db, meeting_id, &input).await?),
    ))
}

#[utoipa::path(put, path = "/api/meeting-actions/{meeting_action_id}", tag = "minutes",
    request_body = MeetingActionInput, params(("meeting_action_id" = i64, Path)),
    responses((status = 200, body = MeetingAction), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_action_route(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(meeting_action_id): Path<i64>,
    Json(input): Json<MeetingActionInput>,
) -> Result<axum::Json<MeetingAction>, AppError> {
    signed_in(staff)?;
    Ok(axum::Json(
        update_action(&state.db, meeting_action_id, &input).await?,
    ))
}
