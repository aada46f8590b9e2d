//! Staff pages for safeguarding: the report queue a session's safeguarding contact triages, and
//! a session's moderation audit log for organizers.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use sqlx::Row;

use super::{Ctx, OrganizerPage, PageError, render};
use crate::http::AppState;
use crate::http::error::AppError;
use crate::live::reports::{self, ReportForContact, ReportStatus};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/safeguarding", get(report_queue))
        .route("/safeguarding/reports/{report_id}", post(triage))
        .route("/live/{session_id}/audit", get(audit_log))
}

#[derive(Template)]
#[template(path = "safeguarding.html")]
struct QueuePage {
    ctx: Ctx,
    reports: Vec<ReportForContact>,
}

fn signed_in(ctx: &Ctx, next: &str) -> Result<crate::auth::Staff, PageError> {
    ctx.staff.clone().ok_or_else(|| PageError::Login {
        next: next.to_string(),
    })
}

async fn report_queue(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    let staff = signed_in(&ctx, "/safeguarding")?;
    let reports = reports::queue(&state, &staff, None).await?;
    render(&QueuePage { ctx, reports })
}

#[derive(Deserialize)]
struct TriageForm {
    status: ReportStatus,
}

async fn triage(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(report_id): Path<i64>,
    Form(form): Form<TriageForm>,
) -> Result<Response, PageError> {
    let staff = signed_in(&ctx, "/safeguarding")?;
    reports::triage(&state, &staff, report_id, form.status).await?;
    Ok(Redirect::to(&format!("/safeguarding#report-{report_id}")).into_response())
}

/// One audit line as the page shows it.
struct AuditLine {
    at: String,
    actor: String,
    action: String,
    target: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: Ctx,
    title: String,
    session_id: i64,
    lines: Vec<AuditLine>,
}

async fn audit_log(
    State(state): State<AppState>,
    ctx: Ctx,
    OrganizerPage(_): OrganizerPage,
    Path(session_id): Path<i64>,
) -> Result<Response, PageError> {
    let session = crate::programme::session_by_id(&state.db, session_id).await?;
    let rows = sqlx::query(
        "select a.at, a.actor, s.display_name, a.action, a.target, a.reason from audit_log a \
         left join staff s on a.actor = 'staff:' || cast(s.staff_id as text) \
         where a.session_id = $1 order by a.audit_id desc limit 1000",
    )
    .bind(session_id)
    .fetch_all(&state.db.pool)
    .await
    .map_err(AppError::from)?;
    let mut lines = Vec::new();
    for r in rows {
        let at: i64 = r.try_get(0).map_err(AppError::from)?;
        let actor: String = r.try_get(1).map_err(AppError::from)?;
        let name: Option<String> = r.try_get(2).map_err(AppError::from)?;
        lines.push(AuditLine {
            at: chrono::DateTime::from_timestamp(at, 0)
                .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                .unwrap_or_default(),
            actor: name.map_or(actor.clone(), |n| format!("{n} ({actor})")),
            action: r.try_get(3).map_err(AppError::from)?,
            target: r.try_get(4).map_err(AppError::from)?,
            reason: r.try_get(5).map_err(AppError::from)?,
        });
    }
    render(&AuditPage {
        title: format!("{} {}", session.label, session.title),
        session_id,
        lines,
        ctx,
    })
}
