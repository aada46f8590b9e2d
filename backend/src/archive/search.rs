//! See `crate::archive`. Full-text search over the public record.
//!
//! The index holds only what the public may read: session descriptions, published transcripts
//! (redactions applied), outcomes and answered questions. Modules that change any of these call
//! [`reindex_session`] or [`reindex_meeting`] after their write commits.
//! (Being written: the index and its routes are added by this module's owner.)

use utoipa_axum::router::OpenApiRouter;

use crate::http::AppState;
use crate::http::error::AppError;
use crate::store::Db;

/// This module's JSON routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}

/// Rebuilds the index entries of one session from its public record.
pub async fn reindex_session(_db: &Db, _session_id: i64) -> Result<(), AppError> {
    Ok(())
}

/// Rebuilds the index entries of one meeting (its decisions and other outcomes).
pub async fn reindex_meeting(_db: &Db, _meeting_id: i64) -> Result<(), AppError> {
    Ok(())
}
