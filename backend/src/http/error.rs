//! One error type for every HTTP route: a stable snake_case `error` code, a human `message`,
//! and per-field details for validation failures. Internal failures are logged once and
//! returned as an opaque 500.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::conflicts::Conflict;

/// A problem with one submitted field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// The field's name as submitted (`starts_at`, `roles[2].person_id`).
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable code to switch on: `not_found`, `validation_failed`, `schedule_conflict`, ...
    pub error: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
}

/// Everything a route can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("the request is invalid")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    BadRequest(String),
    #[error("the change would create blocking schedule conflicts")]
    ScheduleConflict(Vec<Conflict>),
    #[error("{0}")]
    Conflict(String),
    #[error("login required")]
    Unauthorized,
    #[error("not allowed")]
    Forbidden,
    #[error("cross-site request refused")]
    CrossSite,
    #[error("JSON requests must be sent with Content-Type: application/json")]
    UnsupportedMediaType,
    #[error("too many requests")]
    TooManyRequests { retry_after_seconds: u64 },
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// A validation failure on a single field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError::new(field, message)])
    }

    /// The status code and stable code of this error.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            AppError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            AppError::ScheduleConflict(_) => (StatusCode::CONFLICT, "schedule_conflict"),
            AppError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            AppError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            AppError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            AppError::CrossSite => (StatusCode::FORBIDDEN, "cross_site_request"),
            AppError::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            AppError::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            // Every database connection stayed busy for the pool's whole wait: overload, not a
            // fault. Saying so lets a client come back instead of giving up.
            AppError::Database(sqlx::Error::PoolTimedOut) => {
                (StatusCode::SERVICE_UNAVAILABLE, "busy")
            }
            AppError::Database(_) | AppError::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
            }
        }
    }

    /// The JSON body, with internal details withheld.
    pub fn body(&self) -> ErrorBody {
        let (_, error) = self.status_and_code();
        let message = match self {
            AppError::Database(sqlx::Error::PoolTimedOut) => {
                "The server is busy; nothing was changed. Please try again in a few seconds."
                    .to_string()
            }
            AppError::Database(_) | AppError::Internal(_) => {
                "Something went wrong on our side; nothing was changed.".to_string()
            }
            AppError::Validation(fields) if fields.len() == 1 => {
                format!("{}: {}", fields[0].field, fields[0].message)
            }
            other => other.to_string(),
        };
        ErrorBody {
            error,
            message,
            fields: match self {
                AppError::Validation(f) => f.clone(),
                _ => Vec::new(),
            },
            conflicts: match self {
                AppError::ScheduleConflict(c) => c.clone(),
                _ => Vec::new(),
            },
        }
    }
}

/// When a client told the server is busy should try again.
const BUSY_RETRY_AFTER_SECONDS: u64 = 2;

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, _) = self.status_and_code();
        match &self {
            AppError::Database(sqlx::Error::PoolTimedOut) => {
                tracing::warn!("busy: no database connection came free in time")
            }
            AppError::Database(e) => tracing::error!(error = %e, "database error"),
            AppError::Internal(e) => tracing::error!(error = format!("{e:#}"), "internal error"),
            _ => {}
        }
        let mut response = (status, axum::Json(self.body())).into_response();
        let retry_after = match self {
            AppError::TooManyRequests {
                retry_after_seconds,
            } => Some(retry_after_seconds.max(1)),
            AppError::Database(sqlx::Error::PoolTimedOut) => Some(BUSY_RETRY_AFTER_SECONDS),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// Converts a write's database error, naming the constraint people can act on.
pub fn from_write_error(err: sqlx::Error, unique_field: &str, unique_message: &str) -> AppError {
    if crate::store::is_unique_violation(&err) {
        AppError::field(unique_field, unique_message)
    } else if crate::store::is_foreign_key_violation(&err) {
        AppError::BadRequest("a referenced item does not exist".into())
    } else {
        AppError::Database(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_busy_pool_is_503_with_retry_after_and_other_database_errors_stay_500() {
        let busy = AppError::Database(sqlx::Error::PoolTimedOut).into_response();
        assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(busy.headers()[header::RETRY_AFTER], "2");
        let body = axum::body::to_bytes(busy.into_body(), 4096).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"], "busy");
        assert!(body["message"].as_str().unwrap().contains("try again"));

        let broken = AppError::Database(sqlx::Error::RowNotFound).into_response();
        assert_eq!(broken.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(broken.headers().get(header::RETRY_AFTER).is_none());
    }
}
