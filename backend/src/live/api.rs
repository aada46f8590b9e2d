//! The live API over HTTP: joining a session, its public live facts and disposition summary, and
//! the organizer's moderator assignments. Everything else happens on the websocket.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::participants::{
    self, JoinRequest, LiveSessionInfo, SessionModerator, participant_cookie,
};
use super::protocol::Disposition;
use crate::auth::Organizer;
use crate::http::AppState;
use crate::http::error::{AppError, ErrorBody};
use crate::http::extract::Json;
use crate::http::ratelimit::{ClientAddress, RateLimits};

/// The live routes with their OpenAPI description.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_live_session))
        .routes(routes!(join_session))
        .routes(routes!(get_disposition))
        .routes(routes!(list_session_moderators, set_session_moderators))
        .routes(routes!(list_session_audit))
}

/// Routes outside the JSON API: the websocket and short join links.
pub fn plain_router() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/live/sessions/{session_id}/socket",
            axum::routing::get(super::socket::live_socket),
        )
        .route("/j/{code}", axum::routing::get(follow_join_code))
}

/// `GET /j/{code}`: the short link on the presenter screen leads to the live page.
async fn follow_join_code(
    State(state): State<AppState>,
    address: ClientAddress,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    // Six characters from 32 are a billion codes; at 20 guesses a minute per address, finding
    // one of a few hundred live codes takes a single address years.
    RateLimits::check(&state.limits.join_code, address)?;
    match participants::session_for_join_code(&state.db, &code).await? {
        Some(session_id) => Ok(Redirect::to(&format!("/live/{session_id}")).into_response()),
        None => Err(AppError::NotFound),
    }
}

#[utoipa::path(get, path = "/api/sessions/{session_id}/live", tag = "live",
    params(("session_id" = i64, Path)),
    responses((status = 200, body = LiveSessionInfo), (status = 404, body = ErrorBody)))]
async fn get_live_session(
    State(state): State<AppState>,
    Path(session_id): Path<i64>,
) -> Result<axum::Json<LiveSessionInfo>, AppError> {
    Ok(axum::Json(
        participants::session_info(&state.db, session_id).await?,
    ))
}

/// A participant's join, as the API answers it.
#[derive(Debug, Serialize, ToSchema)]
pub struct JoinedBody {
    pub participant_id: i64,
    pub handle: String,
    /// The personal data key: keep it to see, download or erase what you wrote
    /// (`POST /api/my-data`, `POST /api/my-data/erase`). Shown only here.
    pub data_key: String,
    /// The websocket to connect to (the join cookie authenticates it).
    pub socket_path: String,
}

#[utoipa::path(post, path = "/api/sessions/{session_id}/live/participants", tag = "live",
    request_body = JoinRequest, params(("session_id" = i64, Path)),
    responses((status = 201, body = JoinedBody, description = "Joined; the response sets the join cookie"),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "Too many joins from this address; see Retry-After")))]
async fn join_session(
    State(state): State<AppState>,
    address: ClientAddress,
    Path(session_id): Path<i64>,
    jar: CookieJar,
    Json(request): Json<JoinRequest>,
) -> Result<(StatusCode, CookieJar, axum::Json<JoinedBody>), AppError> {
    RateLimits::check(&state.limits.join, address)?;
    let address_key = address.key().to_string();
    let joined = state.live.join(session_id, &request, &address_key).await?;
    let jar = jar.add(participant_cookie(session_id, joined.token));
    Ok((
        StatusCode::CREATED,
        jar,
        axum::Json(JoinedBody {
            participant_id: joined.participant_id,
            handle: joined.handle,
            data_key: joined.data_key,
            socket_path: format!("/live/sessions/{session_id}/socket"),
        }),
    ))
}

#[utoipa::path(get, path = "/api/sessions/{session_id}/live/disposition", tag = "live",
    params(("session_id" = i64, Path)),
    responses((status = 200, body = Disposition, description = "Where the session's questions stand"),
        (status = 404, body = ErrorBody)))]
async fn get_disposition(
    State(state): State<AppState>,
    Path(session_id): Path<i64>,
) -> Result<axum::Json<Disposition>, AppError> {
    participants::ensure_live_session(&state.db, session_id).await?;
    Ok(axum::Json(
        super::store::disposition(&state.db, session_id).await?,
    ))
}

/// A session's moderators.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModeratorList {
    pub moderators: Vec<SessionModerator>,
}

#[utoipa::path(get, path = "/api/sessions/{session_id}/moderators", tag = "live",
    params(("session_id" = i64, Path)),
    responses((status = 200, body = ModeratorList), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_session_moderators(
    State(state): State<AppState>,
    _: Organizer,
    Path(session_id): Path<i64>,
) -> Result<axum::Json<ModeratorList>, AppError> {
    crate::programme::session_by_id(&state.db, session_id).await?;
    Ok(axum::Json(ModeratorList {
        moderators: participants::list_moderators(&state.db, session_id).await?,
    }))
}

#[utoipa::path(put, path = "/api/sessions/{session_id}/moderators", tag = "live",
    request_body = ModeratorList, params(("session_id" = i64, Path)),
    responses((status = 200, body = ModeratorList), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_session_moderators(
    State(state): State<AppState>,
    _: Organizer,
    Path(session_id): Path<i64>,
    Json(list): Json<ModeratorList>,
) -> Result<axum::Json<ModeratorList>, AppError> {
    Ok(axum::Json(ModeratorList {
        moderators: participants::set_moderators(&state.db, session_id, &list.moderators).await?,
    }))
}

/// One line of the audit log: who did what to which target, and the reason code; no content.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub audit_id: i64,
    /// Unix seconds.
    pub at: i64,
    /// `staff:<id>` or `system`.
    pub actor: String,
    /// The actor's display name, when a staff account.
    pub actor_name: Option<String>,
    pub action: String,
    pub target: String,
    pub reason: String,
}

#[utoipa::path(get, path = "/api/sessions/{session_id}/audit", tag = "live",
    params(("session_id" = i64, Path)),
    responses((status = 200, body = Vec<AuditEntry>, description = "Newest first, at most 1,000"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_session_audit(
    State(state): State<AppState>,
    _: Organizer,
    Path(session_id): Path<i64>,
) -> Result<axum::Json<Vec<AuditEntry>>, AppError> {
    use sqlx::Row;
    crate::programme::session_by_id(&state.db, session_id).await?;
    let rows = sqlx::query(
        "select a.audit_id, a.at, a.actor, s.display_name, a.action, a.target, a.reason from audit_log a \
         left join staff s on a.actor = 'staff:' || cast(s.staff_id as text) \
         where a.session_id = $1 order by a.audit_id desc limit 1000",
    )
    .bind(session_id)
    .fetch_all(&state.db.pool)
    .await?;
    let entries = rows
        .iter()
        .map(|r| {
            Ok(AuditEntry {
                audit_id: r.try_get(0)?,
                at: r.try_get(1)?,
                actor: r.try_get(2)?,
                actor_name: r.try_get(3)?,
                action: r.try_get(4)?,
                target: r.try_get(5)?,
                reason: r.try_get(6)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(axum::Json(entries))
}
