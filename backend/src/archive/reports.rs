//! See `crate::archive`. Session reports in the IGF's shape: a summary, key takeaways and
//! calls to action (outcomes of the session, one to five of each), on-site and online participant
//! estimates, and gender reporting (speakers and women speakers, moderators and women moderators,
//! whether gender was discussed).
//!
//! A report is a draft until a rapporteur (or organizer) submits it; a submitted report is
//! public and locked, and an organizer may reopen it. It is due `event.report_due_hours` after
//! the session ends; [`missing`] lists ended sessions without a submitted report, overdue first.

use axum::extract::{Path, State};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::outcomes::{self, Outcome, OutcomeKind, Owner, signed_in};
use super::{ScribeRole, may_keep_record, require_scribe};
use crate::auth::{MaybeStaff, Staff};
use crate::domain::schedule::StaffRole;
use crate::domain::text::{self, TextError};
use crate::http::AppState;
use crate::http::error::{AppError, ErrorBody, FieldError};
use crate::http::extract::{Json, Query};
use crate::programme::instant;
use crate::store::{Db, now};

/// The longest summary, in characters.
pub const MAX_SUMMARY: usize = 5000;
/// The longest note on gender, in characters.
pub const MAX_GENDER_NOTE: usize = 1000;
/// Counts above this are typing mistakes, not sessions.
pub const MAX_COUNT: i64 = 1_000_000;
/// A submitted report holds between one and this many key takeaways, and as many calls to action.
pub const MAX_EACH: usize = 5;

/// This module's JSON routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_report, save_report))
        .routes(routes!(submit_report))
        .routes(routes!(reopen_report))
        .routes(routes!(list_missing_reports))
}

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// Nothing saved yet (the counts shown are prefilled from the session's roles).
    NotStarted,
    Draft,
    Submitted,
}

impl ReportStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::NotStarted => "not_started",
            ReportStatus::Draft => "draft",
            ReportStatus::Submitted => "submitted",
        }
    }
}

/// A session's report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    pub session_id: i64,
    pub status: ReportStatus,
    pub summary: String,
    pub onsite_participants: Option<i64>,
    pub online_participants: Option<i64>,
    pub speakers: Option<i64>,
    pub women_speakers: Option<i64>,
    pub moderators: Option<i64>,
    pub women_moderators: Option<i64>,
    pub gender_discussed: Option<bool>,
    pub gender_note: String,
    /// The session's key takeaways, in order.
    pub key_takeaways: Vec<Outcome>,
    /// The session's calls to action, in order.
    pub calls_to_action: Vec<Outcome>,
    /// The session's end plus the event's `report_due_hours`.
    pub due_at: DateTime<Utc>,
    /// Past due and not submitted.
    pub overdue: bool,
    pub submitted_at: Option<DateTime<Utc>>,
    /// When last saved; absent before anything was.
    pub updated_at: Option<DateTime<Utc>>,
}

/// What a rapporteur saves. Every field may be left out (it is then empty); numbers are counts.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    #[serde(default)]
    pub summary: String,
    pub onsite_participants: Option<i64>,
    pub online_participants: Option<i64>,
    pub speakers: Option<i64>,
    pub women_speakers: Option<i64>,
    pub moderators: Option<i64>,
    pub women_moderators: Option<i64>,
    pub gender_discussed: Option<bool>,
    #[serde(default)]
    pub gender_note: String,
}

/// The session's end and the hour its report is due.
async fn due(db: &Db, session_id: i64) -> Result<(DateTime<Utc>, DateTime<Utc>), AppError> {
    let row = sqlx::query(
        "select s.ends_at, e.report_due_hours from session s join event e on e.event_id = s.event_id \
         where s.session_id = $1",
    )
    .bind(session_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let ends = instant(row.try_get(0)?);
    let hours: i64 = row.try_get(1)?;
    Ok((ends, ends + Duration::hours(hours)))
}

/// The session's report in whatever state it is, with counts prefilled from the session's roles
/// when nothing is saved yet. 404 when the session does not exist.
pub async fn report(db: &Db, session_id: i64) -> Result<Report, AppError> {
    let (_, due_at) = due(db, session_id).await?;
    let outcomes = outcomes::for_session(db, session_id).await?;
    let of_kind = |kind: OutcomeKind| -> Vec<Outcome> {
        outcomes
            .iter()
            .filter(|o| o.kind == kind)
            .cloned()
            .collect()
    };
    let key_takeaways = of_kind(OutcomeKind::KeyTakeaway);
    let calls_to_action = of_kind(OutcomeKind::CallToAction);
    let row = sqlx::query(
        "select summary, onsite_participants, online_participants, speakers, women_speakers, \
         moderators, women_moderators, gender_discussed, gender_note, status, submitted_at, updated_at \
         from session_report where session_id = $1",
    )
    .bind(session_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = row else {
        let (speakers, moderators) = counts_from_roles(db, session_id).await?;
        return Ok(Report {
            session_id,
            status: ReportStatus::NotStarted,
            summary: String::new(),
            onsite_participants: None,
            online_participants: None,
            speakers: Some(speakers).filter(|n| *n > 0),
            women_speakers: None,
            moderators: Some(moderators).filter(|n| *n > 0),
            women_moderators: None,
            gender_discussed: None,
            gender_note: String::new(),
            key_takeaways,
            calls_to_action,
            due_at,
            overdue: Utc::now() > due_at,
            submitted_at: None,
            updated_at: None,
        });
    };
    let status: String = r.try_get(9)?;
    let status = if status == "submitted" {
        ReportStatus::Submitted
    } else {
        ReportStatus::Draft
    };
    let discussed: Option<i64> = r.try_get(7)?;
    Ok(Report {
        session_id,
        status,
        summary: r.try_get(0)?,
        onsite_participants: r.try_get(1)?,
        online_participants: r.try_get(2)?,
        speakers: r.try_get(3)?,
        women_speakers: r.try_get(4)?,
        moderators: r.try_get(5)?,
        women_moderators: r.try_get(6)?,
        gender_discussed: discussed.map(|d| d != 0),
        gender_note: r.try_get(8)?,
        key_takeaways,
        calls_to_action,
        due_at,
        overdue: status != ReportStatus::Submitted && Utc::now() > due_at,
        submitted_at: r.try_get::<Option<i64>, _>(10)?.map(instant),
        updated_at: Some(instant(r.try_get(11)?)),
    })
}

/// The session's report if it is submitted (public), else `None`.
pub async fn submitted(db: &Db, session_id: i64) -> Result<Option<Report>, AppError> {
    let n: i64 = sqlx::query_scalar(
        "select count(*) from session_report where session_id = $1 and status = 'submitted'",
    )
    .bind(session_id)
    .fetch_one(&db.pool)
    .await?;
    if n == 0 {
        return Ok(None);
    }
    report(db, session_id).await.map(Some)
}

/// Speakers and moderators named in the session's roles (each person counted once).
async fn counts_from_roles(db: &Db, session_id: i64) -> Result<(i64, i64), AppError> {
    let speakers: i64 = sqlx::query_scalar(
        "select count(distinct person_id) from session_role where session_id = $1 and role = 'speaker'",
    )
    .bind(session_id)
    .fetch_one(&db.pool)
    .await?;
    let moderators: i64 = sqlx::query_scalar(
        "select count(distinct person_id) from session_role where session_id = $1 \
         and role in ('onsite_moderator', 'online_moderator')",
    )
    .bind(session_id)
    .fetch_one(&db.pool)
    .await?;
    Ok((speakers, moderators))
}

fn text_problem(e: TextError) -> String {
    match e {
        TextError::Empty => "is required".into(),
        TextError::TooLong { max } => format!("must be at most {max} characters"),
        other => other.to_string(),
    }
}

/// Checks a draft; returns the cleaned texts or every problem, each naming its field.
pub fn check(input: &ReportInput) -> Result<(String, String), AppError> {
    let mut problems = Vec::new();
    let optional = |raw: &str, max: usize, field: &str, problems: &mut Vec<FieldError>| {
        if raw.trim().is_empty() {
            return String::new();
        }
        text::clean(raw, max, true).unwrap_or_else(|e| {
            problems.push(FieldError::new(field, text_problem(e)));
            String::new()
        })
    };
    let summary = optional(&input.summary, MAX_SUMMARY, "summary", &mut problems);
    let note = optional(
        &input.gender_note,
        MAX_GENDER_NOTE,
        "gender_note",
        &mut problems,
    );
    for (field, value) in [
        ("onsite_participants", input.onsite_participants),
        ("online_participants", input.online_participants),
        ("speakers", input.speakers),
        ("women_speakers", input.women_speakers),
        ("moderators", input.moderators),
        ("women_moderators", input.women_moderators),
    ] {
        match value {
            Some(n) if n < 0 => problems.push(FieldError::new(field, "cannot be negative")),
            Some(n) if n > MAX_COUNT => problems.push(FieldError::new(
                field,
                format!("must be at most {MAX_COUNT}"),
            )),
            _ => {}
        }
    }
    if let (Some(w), Some(t)) = (input.women_speakers, input.speakers) {
        if w > t {
            problems.push(FieldError::new(
                "women_speakers",
                "cannot be more than the number of speakers",
            ));
        }
    }
    if let (Some(w), Some(t)) = (input.women_moderators, input.moderators) {
        if w > t {
            problems.push(FieldError::new(
                "women_moderators",
                "cannot be more than the number of moderators",
            ));
        }
    }
    if problems.is_empty() {
        Ok((summary, note))
    } else {
        Err(AppError::Validation(problems))
    }
}

/// What a submitted report must hold beyond a valid draft, as field problems.
fn check_complete(r: &Report) -> Vec<FieldError> {
    let mut problems = Vec::new();
    if r.summary.trim().is_empty() {
        problems.push(FieldError::new(
            "summary",
            "is required to submit the report",
        ));
    }
    for (field, value) in [
        ("onsite_participants", r.onsite_participants),
        ("online_participants", r.online_participants),
        ("speakers", r.speakers),
        ("women_speakers", r.women_speakers),
        ("moderators", r.moderators),
        ("women_moderators", r.women_moderators),
    ] {
        if value.is_none() {
            problems.push(FieldError::new(
                field,
                "is required to submit the report (an estimate will do)",
            ));
        }
    }
    if r.gender_discussed.is_none() {
        problems.push(FieldError::new(
            "gender_discussed",
            "say whether gender was discussed to submit the report",
        ));
    }
    for (field, n, what) in [
        ("key_takeaways", r.key_takeaways.len(), "key takeaway"),
        ("calls_to_action", r.calls_to_action.len(), "call to action"),
    ] {
        if n == 0 {
            problems.push(FieldError::new(
                field,
                format!("add at least one {what} to submit the report"),
            ));
        } else if n > MAX_EACH {
            problems.push(FieldError::new(
                field,
                format!("a report holds at most {MAX_EACH}; there are {n}"),
            ));
        }
    }
    problems
}

/// Who may write the report now: its rapporteurs and organizers, while it is not submitted.
async fn authorize(db: &Db, staff: &Staff, session_id: i64) -> Result<(), AppError> {
    due(db, session_id).await?;
    require_scribe(db, staff, session_id, ScribeRole::Rapporteur).await?;
    let submitted: i64 = sqlx::query_scalar(
        "select count(*) from session_report where session_id = $1 and status = 'submitted'",
    )
    .bind(session_id)
    .fetch_one(&db.pool)
    .await?;
    if submitted > 0 {
        return Err(AppError::Conflict(
            "the report is submitted; an organizer can reopen it to change it".into(),
        ));
    }
    Ok(())
}

/// Saves the draft (all of it: fields left out are emptied).
pub async fn save(
    db: &Db,
    staff: &Staff,
    session_id: i64,
    input: &ReportInput,
) -> Result<Report, AppError> {
    authorize(db, staff, session_id).await?;
    save_unchecked(db, session_id, input).await
}

/// Saves a draft without asking who writes it (the demo loader; callers have checked).
pub(crate) async fn save_unchecked(
    db: &Db,
    session_id: i64,
    input: &ReportInput,
) -> Result<Report, AppError> {
    let (summary, note) = check(input)?;
    let t = now();
    // Insert-or-update in a form both databases accept.
    sqlx::query(
        "insert into session_report (session_id, summary, onsite_participants, online_participants, \
         speakers, women_speakers, moderators, women_moderators, gender_discussed, gender_note, status, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft', $11) \
         on conflict (session_id) do update set summary = excluded.summary, \
         onsite_participants = excluded.onsite_participants, online_participants = excluded.online_participants, \
         speakers = excluded.speakers, women_speakers = excluded.women_speakers, \
         moderators = excluded.moderators, women_moderators = excluded.women_moderators, \
         gender_discussed = excluded.gender_discussed, gender_note = excluded.gender_note, \
         updated_at = excluded.updated_at",
    )
    .bind(session_id)
    .bind(&summary)
    .bind(input.onsite_participants)
    .bind(input.online_participants)
    .bind(input.speakers)
    .bind(input.women_speakers)
    .bind(input.moderators)
    .bind(input.women_moderators)
    .bind(input.gender_discussed.map(i64::from))
    .bind(&note)
    .bind(t)
    .execute(&db.pool)
    .await?;
    report(db, session_id).await
}

/// Submits the saved draft: it must be complete. The session's answered questions are archived
/// with it, so the public record holds them.
pub async fn submit(db: &Db, staff: &Staff, session_id: i64) -> Result<Report, AppError> {
    authorize(db, staff, session_id).await?;
    submit_unchecked(db, session_id, Some(staff.staff_id)).await
}

/// Submits without asking who does (the demo loader; callers have checked).
pub(crate) async fn submit_unchecked(
    db: &Db,
    session_id: i64,
    submitted_by: Option<i64>,
) -> Result<Report, AppError> {
    let current = report(db, session_id).await?;
    if current.status == ReportStatus::NotStarted {
        return Err(AppError::field(
            "summary",
            "save the report before submitting it",
        ));
    }
    let problems = check_complete(&current);
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    let changed = sqlx::query(
        "update session_report set status = 'submitted', submitted_at = $1, submitted_by = $2, \
         updated_at = $1 where session_id = $3 and status = 'draft'",
    )
    .bind(now())
    .bind(submitted_by)
    .bind(session_id)
    .execute(&db.pool)
    .await?;
    if changed.rows_affected() == 0 {
        return Err(AppError::Conflict(
            "the report was submitted meanwhile".into(),
        ));
    }
    super::questions::archive_answered_unchecked(db, session_id).await?;
    outcomes::reindex(db, Owner::Session(session_id)).await;
    report(db, session_id).await
}

/// Reopens a submitted report (organizers only): it is a draft again and leaves the public
/// record until it is submitted again.
pub async fn reopen(db: &Db, staff: &Staff, session_id: i64) -> Result<Report, AppError> {
    due(db, session_id).await?;
    if staff.role != StaffRole::Organizer {
        return Err(AppError::Forbidden);
    }
    let changed = sqlx::query(
        "update session_report set status = 'draft', submitted_at = null, submitted_by = null, \
         updated_at = $1 where session_id = $2 and status = 'submitted'",
    )
    .bind(now())
    .bind(session_id)
    .execute(&db.pool)
    .await?;
    if changed.rows_affected() == 0 {
        return Err(AppError::Conflict("the report is not submitted".into()));
    }
    outcomes::reindex(db, Owner::Session(session_id)).await;
    report(db, session_id).await
}

// ---------------------------------------------------------------------------------------------
// Missing reports

/// An ended session whose report is not submitted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MissingReport {
    pub session_id: i64,
    pub event_slug: String,
    /// "WS #403".
    pub label: String,
    pub title: String,
    pub ends_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub overdue: bool,
    /// `not_started` or `draft`.
    pub status: ReportStatus,
    /// The people named as the session's rapporteurs in its programme entry.
    pub rapporteurs: Vec<String>,
}

/// Which missing reports to list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MissingFilter {
    /// An event's slug: only its sessions.
    pub event: Option<String>,
}

/// Ended sessions (not cancelled or draft) without a submitted report: overdue ones first, the
/// longest overdue first, then the rest by due time.
pub async fn missing(db: &Db, event_id: Option<i64>) -> Result<Vec<MissingReport>, AppError> {
    let t = now();
    let rows = sqlx::query(
        "select s.session_id, e.slug, t.label, s.number, s.title, s.ends_at, \
         s.ends_at + e.report_due_hours * 3600, r.status \
         from session s join event e on e.event_id = s.event_id \
         join session_type t on t.session_type_id = s.session_type_id \
         left join session_report r on r.session_id = s.session_id \
         where s.status not in ('cancelled', 'draft') and (s.status = 'ended' or s.ends_at <= $1) \
         and (r.status is null or r.status <> 'submitted') \
         and ($2 = 0 or s.event_id = $3) \
         order by s.ends_at + e.report_due_hours * 3600, s.session_id",
    )
    .bind(t)
    .bind(i64::from(event_id.is_some()))
    .bind(event_id.unwrap_or(0))
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let session_id: i64 = r.try_get(0)?;
        let label: String = r.try_get(2)?;
        let due_at: i64 = r.try_get(6)?;
        let status: Option<String> = r.try_get(7)?;
        let rapporteurs: Vec<String> = sqlx::query_scalar(
            "select p.name from session_role sr join person p on p.person_id = sr.person_id \
             where sr.session_id = $1 and sr.role = 'rapporteur' order by sr.position, p.name",
        )
        .bind(session_id)
        .fetch_all(&db.pool)
        .await?;
        out.push(MissingReport {
            session_id,
            event_slug: r.try_get(1)?,
            label: crate::domain::schedule::session_label(&label, r.try_get(3)?),
            title: r.try_get(4)?,
            ends_at: instant(r.try_get(5)?),
            due_at: instant(due_at),
            overdue: due_at < t,
            status: if status.is_some() {
                ReportStatus::Draft
            } else {
                ReportStatus::NotStarted
            },
            rapporteurs,
        });
    }
    // Sorted by due time already: the overdue ones come first, longest overdue first.
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Routes

#[utoipa::path(get, path = "/api/sessions/{session_id}/report", tag = "archive",
    params(("session_id" = i64, Path)),
    responses((status = 200, body = Report,
        description = "The submitted report; its rapporteurs and organizers also see drafts (a not-started report is prefilled from the session's roles)"),
        (status = 404, body = ErrorBody, description = "No such session, or no submitted report")))]
async fn get_report(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(session_id): Path<i64>,
) -> Result<axum::Json<Report>, AppError> {
    let r = report(&state.db, session_id).await?;
    let writer = match &staff.0 {
        Some(s) => may_keep_record(&state.db, s, session_id, ScribeRole::Rapporteur).await?,
        None => false,
    };
    if r.status == ReportStatus::Submitted || writer {
        Ok(axum::Json(r))
    } else {
        Err(AppError::NotFound)
    }
}

#[utoipa::path(put, path = "/api/sessions/{session_id}/report", tag = "archive",
    request_body = ReportInput, params(("session_id" = i64, Path)),
    responses((status = 200, body = Report, description = "The draft, saved"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Not a rapporteur of this session nor an organizer"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The report is submitted"),
        (status = 422, body = ErrorBody, description = "Per-field problems; nothing was saved")))]
async fn save_report(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(session_id): Path<i64>,
    Json(input): Json<ReportInput>,
) -> Result<axum::Json<Report>, AppError> {
    let staff = signed_in(staff)?;
    Ok(axum::Json(
        save(&state.db, &staff, session_id, &input).await?,
    ))
}

#[utoipa::path(post, path = "/api/sessions/{session_id}/report/submit", tag = "archive",
    params(("session_id" = i64, Path)),
    responses((status = 200, body = Report, description = "Submitted: now public"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Already submitted"),
        (status = 422, body = ErrorBody, description = "The saved draft is incomplete; each missing part is named")))]
async fn submit_report(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(session_id): Path<i64>,
) -> Result<axum::Json<Report>, AppError> {
    let staff = signed_in(staff)?;
    Ok(axum::Json(submit(&state.db, &staff, session_id).await?))
}

#[utoipa::path(post, path = "/api/sessions/{session_id}/report/reopen", tag = "archive",
    params(("session_id" = i64, Path)),
    responses((status = 200, body = Report, description = "A draft again, no longer public"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Only organizers reopen reports"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The report is not submitted")))]
async fn reopen_report(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(session_id): Path<i64>,
) -> Result<axum::Json<Report>, AppError> {
    let staff = signed_in(staff)?;
    Ok(axum::Json(reopen(&state.db, &staff, session_id).await?))
}

#[utoipa::path(get, path = "/api/session-reports/missing", tag = "archive", params(MissingFilter),
    responses((status = 200, body = Vec<MissingReport>,
        description = "Ended sessions without a submitted report, overdue first, with their rapporteurs"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody, description = "No such event"),
        (status = 422, body = ErrorBody)))]
async fn list_missing_reports(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Query(filter): Query<MissingFilter>,
) -> Result<axum::Json<Vec<MissingReport>>, AppError> {
    signed_in(staff)?;
    let event_id = match &filter.event {
        Some(slug) => Some(
            crate::programme::event_by_slug(&state.db, slug)
                .await?
                .event_id,
        ),
        None => None,
    };
    Ok(axum::Json(missing(&state.db, event_id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn women_cannot_outnumber_everyone_and_counts_cannot_be_negative() {
        let input = ReportInput {
            speakers: Some(3),
            women_speakers: Some(4),
            moderators: Some(1),
            women_moderators: Some(2),
            onsite_participants: Some(-1),
            ..Default::default()
        };
        let Err(AppError::Validation(fields)) = check(&input) else {
            panic!("expected validation errors");
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            names,
            ["onsite_participants", "women_speakers", "women_moderators"]
        );
    }

    #[test]
    fn an_empty_draft_is_valid() {
        assert!(check(&ReportInput::default()).is_ok());
    }
}
