//! See `crate::archive`. Inter-sessional meetings: agendas, versioned minutes, action
//! assignments. (Being written: routes are added by this module's owner.)

use utoipa_axum::router::OpenApiRouter;

use crate::http::AppState;
use crate::http::error::AppError;
use crate::store::Db;

/// This module's JSON routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}

/// The `meeting` row of one occurrence of a series (by its RECURRENCE-ID instant), made on
/// first use. The caller checks that the occurrence exists in the series.
pub async fn meeting_id_for_occurrence(
    db: &Db,
    series_id: i64,
    original_start: i64,
) -> Result<i64, AppError> {
    // Insert-or-ignore in a form both databases accept, then read: two callers racing both
    // end with the same row.
    sqlx::query(
        "insert into meeting (series_id, original_start) values ($1, $2) \
         on conflict (series_id, original_start) do nothing",
    )
    .bind(series_id)
    .bind(original_start)
    .execute(&db.pool)
    .await?;
    Ok(sqlx::query_scalar(
        "select meeting_id from meeting where series_id = $1 and original_start = $2",
    )
    .bind(series_id)
    .bind(original_start)
    .fetch_one(&db.pool)
    .await?)
}
