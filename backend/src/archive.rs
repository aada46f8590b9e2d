//! Archives: what each session said, what it concluded, and how it moved the coalition's
//! action plan. Rapporteurs and captioners write the record; remote observers read it months
//! later without an account. The tables are in `migrations/*/0007_archive.sql`.
//!
//! One module per noun; each owns its JSON routes (`router`, described in the OpenAPI
//! document) and, where it serves files that are not JSON, a `plain_router`.

/// Exports: a session's record (JSON, Markdown), the plan with its evidence (JSON, CSV), the
/// schedule in the frab/c3voc JSON that conference tools exchange.
pub mod exports;
/// Inter-sessional meetings: agendas, versioned minutes, action assignments.
pub mod minutes;
/// Outcomes (key takeaways, calls to action, decisions, recommendations) and their links to
/// action items, transcript passages and questions.
pub mod outcomes;
/// The action plan: items with owners, due dates, dated progress; coalition names and aliases.
pub mod plan;
/// Questions kept for the record (without their askers) and unanswered ones carried forward.
pub mod questions;
/// Session reports in the IGF's shape, their deadline and the list of missing reports.
pub mod reports;
/// Full-text search over the public record (SQLite FTS5, PostgreSQL text search).
pub mod search;
/// Transcripts: live caption lines, imports (IGF raw transcript pages, WebVTT, SRT), exports,
/// status (raw, in redaction, published, withdrawn) and span-by-span redaction.
pub mod transcripts;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use crate::auth::Staff;
use crate::domain::schedule::StaffRole;
use crate::http::AppState;
use crate::http::error::AppError;
use crate::store::Db;

/// What a staff member does for one session's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScribeRole {
    /// Streams caption lines into the live session.
    Captioner,
    /// Writes the report and the outcomes, redacts and publishes the transcript.
    Rapporteur,
}

impl ScribeRole {
    /// The value stored in `session_scribe.role`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScribeRole::Captioner => "captioner",
            ScribeRole::Rapporteur => "rapporteur",
        }
    }
}

/// Whether `staff` may act as `role` for the session: organizers always, others when assigned.
pub async fn may_keep_record(
    db: &Db,
    staff: &Staff,
    session_id: i64,
    role: ScribeRole,
) -> Result<bool, AppError> {
    if staff.role == StaffRole::Organizer {
        return Ok(true);
    }
    let assigned: i64 = sqlx::query_scalar(
        "select count(*) from session_scribe where session_id = $1 and staff_id = $2 and role = $3",
    )
    .bind(session_id)
    .bind(staff.staff_id)
    .bind(role.as_str())
    .fetch_one(&db.pool)
    .await?;
    Ok(assigned > 0)
}

/// Like [`may_keep_record`], as a 403 when not.
pub async fn require_scribe(
    db: &Db,
    staff: &Staff,
    session_id: i64,
    role: ScribeRole,
) -> Result<(), AppError> {
    if may_keep_record(db, staff, session_id, role).await? {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The archive's JSON API, with its OpenAPI description.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(transcripts::router())
        .merge(reports::router())
        .merge(outcomes::router())
        .merge(questions::router())
        .merge(minutes::router())
        .merge(plan::router())
        .merge(search::router())
        .merge(exports::router())
}

/// Archive routes that serve files other than JSON (WebVTT, text, CSV, Markdown).
pub fn plain_router() -> axum::Router<AppState> {
    axum::Router::new()
        .merge(transcripts::plain_router())
        .merge(exports::plain_router())
}
