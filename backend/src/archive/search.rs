//! See `crate::archive`. (Being written: this module's routes are added by its owner.)

use utoipa_axum::router::OpenApiRouter;

use crate::http::AppState;

/// This module's JSON routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
