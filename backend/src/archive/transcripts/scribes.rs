//! Who keeps a session's record: organizers assign captioners (who stream caption lines) and
//! rapporteurs (who import, redact and publish the transcript, and write the report).

use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::archive::ScribeRole;
use crate::auth::Organizer;
use crate::http::AppState;
use crate::http::error::{AppError, ErrorBody, FieldError};
use crate::http::extract::Json;
use crate::store::Db;

/// The scribe routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_session_scribes, set_session_scribes))
}

/// A staff member assigned to keep a session's record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Scribe {
    pub staff_id: i64,
    pub role: ScribeRole,
    /// Filled in on reads.
    #[serde(default)]
    pub display_name: String,
}

/// A session's scribes.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScribeList {
    pub scribes: Vec<Scribe>,
}

/// The staff assigned to keep the session's record, captioners first.
pub async fn list_scribes(db: &Db, session_id: i64) -> Result<Vec<Scribe>, AppError> {
    let rows = sqlx::query(
        "select c.staff_id, c.role, s.display_name from session_scribe c \
         join staff s on s.staff_id = c.staff_id where c.session_id = $1 order by c.role, s.display_name",
    )
    .bind(session_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let role: String = r.try_get(1)?;
            Ok(Scribe {
                staff_id: r.try_get(0)?,
                role: match role.as_str() {
                    "captioner" => ScribeRole::Captioner,
                    _ => ScribeRole::Rapporteur,
                },
                display_name: r.try_get(2)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(AppError::from)
}

/// Replaces the session's scribes (organizers only; checked by the caller). One person may be
/// both captioner and rapporteur.
pub async fn set_scribes(
    db: &Db,
    session_id: i64,
    scribes: &[Scribe],
) -> Result<Vec<Scribe>, AppError> {
    super::require_session(db, session_id).await?;
    let mut fields = Vec::new();
    for (i, s) in scribes.iter().enumerate() {
        let found = sqlx::query("select 1 from staff where staff_id = $1 and disabled = 0")
            .bind(s.staff_id)
            .fetch_optional(&db.pool)
            .await?;
        if found.is_none() {
            fields.push(FieldError::new(
                format!("scribes[{i}].staff_id"),
                "no active staff account has this id",
            ));
        }
        if scribes[..i]
            .iter()
            .any(|o| o.staff_id == s.staff_id && o.role == s.role)
        {
            fields.push(FieldError::new(
                format!("scribes[{i}].staff_id"),
                "this staff account is listed twice in this role",
            ));
        }
    }
    if !fields.is_empty() {
        return Err(AppError::Validation(fields));
    }
    let mut tx = db.pool.begin().await?;
    sqlx::query("delete from session_scribe where session_id = $1")
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    for s in scribes {
        sqlx::query("insert into session_scribe (session_id, staff_id, role) values ($1, $2, $3)")
            .bind(session_id)
            .bind(s.staff_id)
            .bind(s.role.as_str())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    list_scribes(db, session_id).await
}

#[utoipa::path(get, path = "/api/sessions/{session_id}/scribes", tag = "archive",
    params(("session_id" = i64, Path)),
    responses((status = 200, body = ScribeList, description = "The session's captioners and rapporteurs"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_session_scribes(
    State(state): State<AppState>,
    _: Organizer,
    Path(session_id): Path<i64>,
) -> Result<axum::Json<ScribeList>, AppError> {
    super::require_session(&state.db, session_id).await?;
    Ok(axum::Json(ScribeList {
        scribes: list_scribes(&state.db, session_id).await?,
    }))
}

#[utoipa::path(put, path = "/api/sessions/{session_id}/scribes", tag = "archive",
    request_body = ScribeList, params(("session_id" = i64, Path)),
    responses((status = 200, body = ScribeList, description = "The session's scribes, as now assigned"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_session_scribes(
    State(state): State<AppState>,
    _: Organizer,
    Path(session_id): Path<i64>,
    Json(list): Json<ScribeList>,
) -> Result<axum::Json<ScribeList>, AppError> {
    Ok(axum::Json(ScribeList {
        scribes: set_scribes(&state.db, session_id, &list.scribes).await?,
    }))
}
