//! Reports on questions: a participant reports, the session's safeguarding contact (or an
//! organizer) triages, the reporter follows the status. Suspected child sexual abuse material is
//! never stored or forwarded: that category keeps no note, and its report tells the contact to
//! refer it to the national hotline.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::participants::{ParticipantRef, participant_cookie_name, participant_for_token};
use crate::auth::{MaybeStaff, Staff};
use crate::domain::schedule::StaffRole;
use crate::domain::text;
use crate::http::AppState;
use crate::http::error::{AppError, ErrorBody};
use crate::http::extract::Json;
use crate::http::ratelimit::{ClientAddress, RateLimits};
use crate::store::now;

/// What the contact is told to do with a suspected child sexual abuse material report.
pub const CSAM_ADVICE: &str = "Do not open, copy, screenshot or forward the material. Refer it to \
    your national hotline (see inhope.org for the list) or to the police, then dismiss the \
    question in the moderator console.";

/// Why a question is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportCategory {
    /// Suspected child sexual abuse material: nothing is stored but the referral need.
    Csam,
    Grooming,
    Bullying,
    PersonalData,
    Hate,
    Spam,
    Other,
}

impl ReportCategory {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportCategory::Csam => "csam",
            ReportCategory::Grooming => "grooming",
            ReportCategory::Bullying => "bullying",
            ReportCategory::PersonalData => "personal_data",
            ReportCategory::Hate => "hate",
            ReportCategory::Spam => "spam",
            ReportCategory::Other => "other",
        }
    }
}

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Open,
    InReview,
    /// Passed on to a hotline, the police or another authority.
    Referred,
    Closed,
}

fn word<T: Serialize>(value: T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => unreachable!("report vocabulary serialises as strings"),
    }
}

fn parse<T: serde::de::DeserializeOwned>(s: String) -> Result<T, AppError> {
    serde_json::from_value(serde_json::Value::String(s))
        .map_err(|_| AppError::Internal(anyhow::anyhow!("unexpected stored report value")))
}

impl ReportStatus {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Open => "open",
            ReportStatus::InReview => "in_review",
            ReportStatus::Referred => "referred",
            ReportStatus::Closed => "closed",
        }
    }
}

/// A participant's report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    pub question_id: i64,
    pub category: ReportCategory,
    /// Optional, up to 500 characters; never stored for `csam`.
    #[serde(default)]
    pub note: String,
}

/// A report as its reporter sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyReport {
    pub report_id: i64,
    pub question_id: Option<i64>,
    pub category: ReportCategory,
    pub status: ReportStatus,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A report in the safeguarding contact's queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportForContact {
    pub report_id: i64,
    pub session_id: i64,
    pub session_title: String,
    pub question_id: Option<i64>,
    /// The question as it stands, except for `csam` reports (never shown).
    pub question_text: Option<String>,
    pub question_status: Option<String>,
    pub category: ReportCategory,
    pub note: String,
    pub status: ReportStatus,
    /// What to do, for `csam` reports.
    pub advice: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The report routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_report))
        .routes(routes!(list_my_reports))
        .routes(routes!(list_reports))
        .routes(routes!(update_report))
        .routes(routes!(set_safeguarding_contact))
}

async fn reporter(
    state: &AppState,
    session_id: i64,
    jar: &CookieJar,
) -> Result<ParticipantRef, AppError> {
    let cookie = jar
        .get(&participant_cookie_name(session_id))
        .ok_or(AppError::Unauthorized)?;
    participant_for_token(&state.db, session_id, cookie.value())
        .await?
        .ok_or(AppError::Unauthorized)
}

#[utoipa::path(post, path = "/api/sessions/{session_id}/live/reports", tag = "safeguarding",
    request_body = ReportRequest, params(("session_id" = i64, Path)),
    responses((status = 201, body = MyReport), (status = 401, body = ErrorBody, description = "Not joined"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "Already reported"),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn create_report(
    State(state): State<AppState>,
    address: ClientAddress,
    Path(session_id): Path<i64>,
    jar: CookieJar,
    Json(request): Json<ReportRequest>,
) -> Result<(StatusCode, axum::Json<MyReport>), AppError> {
    RateLimits::check(&state.limits.report, address)?;
    let me = reporter(&state, session_id, &jar).await?;
    let note = if request.category == ReportCategory::Csam {
        String::new()
    } else {
        text::clean_optional(&request.note, 500)
            .map_err(|e| AppError::field("note", e.to_string()))?
    };
    let found = sqlx::query("select 1 from question where question_id = $1 and session_id = $2")
        .bind(request.question_id)
        .bind(session_id)
        .fetch_optional(&state.db.pool)
        .await?;
    if found.is_none() {
        return Err(AppError::field(
            "question_id",
            "no such question in this session",
        ));
    }
    let again = sqlx::query(
        "select 1 from report where question_id = $1 and reporter_participant_id = $2 and status <> 'closed'",
    )
    .bind(request.question_id)
    .bind(me.participant_id)
    .fetch_optional(&state.db.pool)
    .await?;
    if again.is_some() {
        return Err(AppError::Conflict(
            "you have already reported this question; its report is being looked at".into(),
        ));
    }
    let at = now();
    let row = sqlx::query(
        "insert into report (session_id, question_id, reporter_participant_id, category, note, status, \
         created_at, updated_at) values ($1, $2, $3, $4, $5, 'open', $6, $6) returning report_id",
    )
    .bind(session_id)
    .bind(request.question_id)
    .bind(me.participant_id)
    .bind(word(request.category))
    .bind(note)
    .bind(at)
    .fetch_one(&state.db.pool)
    .await?;
    let report_id: i64 = row.get(0);
    super::store::audit_plain(
        &state.db,
        session_id,
        &format!("participant:{}", me.participant_id),
        "report",
        &format!("question:{}", request.question_id),
        &word(request.category),
    )
    .await?;
    tracing::info!(session_id, report_id, category = %word(request.category), "question reported");
    Ok((
        StatusCode::CREATED,
        axum::Json(MyReport {
            report_id,
            question_id: Some(request.question_id),
            category: request.category,
            status: ReportStatus::Open,
            created_at: at,
            updated_at: at,
        }),
    ))
}

#[utoipa::path(get, path = "/api/sessions/{session_id}/live/reports/mine", tag = "safeguarding",
    params(("session_id" = i64, Path)),
    responses((status = 200, body = Vec<MyReport>), (status = 401, body = ErrorBody)))]
async fn list_my_reports(
    State(state): State<AppState>,
    Path(session_id): Path<i64>,
    jar: CookieJar,
) -> Result<axum::Json<Vec<MyReport>>, AppError> {
    let me = reporter(&state, session_id, &jar).await?;
    let rows = sqlx::query(
        "select report_id, question_id, category, status, created_at, updated_at from report \
         where reporter_participant_id = $1 order by report_id",
    )
    .bind(me.participant_id)
    .fetch_all(&state.db.pool)
    .await?;
    let mut reports = Vec::new();
    for r in rows {
        reports.push(MyReport {
            report_id: r.try_get(0)?,
            question_id: r.try_get(1)?,
            category: parse(r.try_get(2)?)?,
            status: parse(r.try_get(3)?)?,
            created_at: r.try_get(4)?,
            updated_at: r.try_get(5)?,
        });
    }
    Ok(axum::Json(reports))
}

/// Which reports to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportFilter {
    /// `open`, `in_review`, `referred` or `closed`; all when absent.
    pub status: Option<ReportStatus>,
}

fn staff_or_401(staff: Option<Staff>) -> Result<Staff, AppError> {
    staff.ok_or(AppError::Unauthorized)
}

/// The SQL condition limiting reports to what `staff` may triage: organizers see every report,
/// other staff those of the sessions whose safeguarding contact they are.
const VISIBLE_TO: &str = "($1 = 'organizer' or l.safeguarding_contact_staff_id = $2)";

#[utoipa::path(get, path = "/api/reports", tag = "safeguarding", params(ReportFilter),
    responses((status = 200, body = Vec<ReportForContact>, description = "Oldest open first"),
        (status = 401, body = ErrorBody)))]
async fn list_reports(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    crate::http::extract::Query(filter): crate::http::extract::Query<ReportFilter>,
) -> Result<axum::Json<Vec<ReportForContact>>, AppError> {
    let staff = staff_or_401(staff)?;
    Ok(axum::Json(queue(&state, &staff, filter.status).await?))
}

/// The reports `staff` may triage, open ones first.
pub async fn queue(
    state: &AppState,
    staff: &Staff,
    status: Option<ReportStatus>,
) -> Result<Vec<ReportForContact>, AppError> {
    let sql = format!(
        "select r.report_id, r.session_id, s.title, r.question_id, q.text, q.status, r.category, r.note, \
         r.status, r.created_at, r.updated_at from report r join session s on s.session_id = r.session_id \
         join live_session l on l.session_id = r.session_id left join question q on q.question_id = r.question_id \
         where {VISIBLE_TO} and ($3 = '' or r.status = $3) \
         order by case r.status when 'open' then 0 when 'in_review' then 1 else 2 end, r.report_id"
    );
    let rows = sqlx::query(&sql)
        .bind(staff.role.as_str())
        .bind(staff.staff_id)
        .bind(status.map(word).unwrap_or_default())
        .fetch_all(&state.db.pool)
        .await?;
    let mut reports = Vec::new();
    for r in rows {
        let category: ReportCategory = parse(r.try_get(6)?)?;
        let csam = category == ReportCategory::Csam;
        reports.push(ReportForContact {
            report_id: r.try_get(0)?,
            session_id: r.try_get(1)?,
            session_title: r.try_get(2)?,
            question_id: r.try_get(3)?,
            question_text: if csam { None } else { r.try_get(4)? },
            question_status: r.try_get(5)?,
            category,
            note: r.try_get(7)?,
            status: parse(r.try_get(8)?)?,
            advice: csam.then(|| CSAM_ADVICE.to_string()),
            created_at: r.try_get(9)?,
            updated_at: r.try_get(10)?,
        });
    }
    Ok(reports)
}

/// Sets a report's status if `staff` may triage it; `NotFound` otherwise.
pub async fn triage(
    state: &AppState,
    staff: &Staff,
    report_id: i64,
    status: ReportStatus,
) -> Result<(), AppError> {
    let sql = format!(
        "select r.session_id from report r join live_session l on l.session_id = r.session_id \
         where r.report_id = $3 and {VISIBLE_TO}"
    );
    let session_id: i64 = sqlx::query(&sql)
        .bind(staff.role.as_str())
        .bind(staff.staff_id)
        .bind(report_id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(AppError::NotFound)?
        .get(0);
    sqlx::query(
        "update report set status = $1, updated_at = $2, handled_by = $3 where report_id = $4",
    )
    .bind(word(status))
    .bind(now())
    .bind(staff.staff_id)
    .bind(report_id)
    .execute(&state.db.pool)
    .await?;
    super::store::audit_plain(
        &state.db,
        session_id,
        &format!("staff:{}", staff.staff_id),
        "triage_report",
        &format!("report:{report_id}"),
        &word(status),
    )
    .await?;
    Ok(())
}

/// A triage decision.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportUpdate {
    pub status: ReportStatus,
}

#[utoipa::path(put, path = "/api/reports/{report_id}", tag = "safeguarding", request_body = ReportUpdate,
    params(("report_id" = i64, Path)),
    responses((status = 200, body = ReportUpdate), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such report, or not yours to triage")))]
async fn update_report(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    Path(report_id): Path<i64>,
    Json(update): Json<ReportUpdate>,
) -> Result<axum::Json<ReportUpdate>, AppError> {
    let staff = staff_or_401(staff)?;
    triage(&state, &staff, report_id, update.status).await?;
    Ok(axum::Json(update))
}

/// Who receives a session's reports.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SafeguardingContact {
    /// A staff account, or `null` for organizers only.
    pub staff_id: Option<i64>,
}

#[utoipa::path(put, path = "/api/sessions/{session_id}/safeguarding-contact", tag = "safeguarding",
    request_body = SafeguardingContact, params(("session_id" = i64, Path)),
    responses((status = 200, body = SafeguardingContact), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_safeguarding_contact(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    Path(session_id): Path<i64>,
    Json(contact): Json<SafeguardingContact>,
) -> Result<axum::Json<SafeguardingContact>, AppError> {
    let staff = staff_or_401(staff)?;
    if staff.role != StaffRole::Organizer {
        return Err(AppError::Forbidden);
    }
    super::participants::ensure_live_session(&state.db, session_id).await?;
    if let Some(id) = contact.staff_id {
        let found = sqlx::query("select 1 from staff where staff_id = $1 and disabled = 0")
            .bind(id)
            .fetch_optional(&state.db.pool)
            .await?;
        if found.is_none() {
            return Err(AppError::field(
                "staff_id",
                "no active staff account has this id",
            ));
        }
    }
    sqlx::query("update live_session set safeguarding_contact_staff_id = $1 where session_id = $2")
        .bind(contact.staff_id)
        .bind(session_id)
        .execute(&state.db.pool)
        .await?;
    Ok(axum::Json(contact))
}
