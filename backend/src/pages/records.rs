//! (Being written: this module's pages are added by its owner.)

use axum::Router;

use crate::http::AppState;

/// This module's pages.
pub fn router() -> Router<AppState> {
    Router::new()
}
