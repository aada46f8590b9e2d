//! See `crate::archive`. (Being written: this module's routes are added by its owner.)

use utoipa_axum::router::OpenApiRouter;

use crate::http::AppState;

/// This module's JSON routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}

/// This module's routes outside the JSON API.
pub fn plain_router() -> axum::Router<AppState> {
    axum::Router::new()
}
