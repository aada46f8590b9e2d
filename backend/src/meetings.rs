//! Inter-sessional meetings: recurring series (an RRULE at a local wall-clock time in an IANA
//! zone), their moved and cancelled occurrences, and the fair-rotation helper.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use utoipa::ToSchema;

use crate::domain::recurrence::{
    ExceptionKind, Occurrence, Pattern, SeriesException, SeriesRule, occurrences,
};
use crate::http::error::{AppError, from_write_error};
use crate::programme::{Problems, instant, parse_zone, valid_slug};
use crate::store::{Db, now};

/// A recurring inter-sessional meeting.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Series {
    pub series_id: i64,
    pub slug: String,
    pub coalition_id: Option<i64>,
    pub title: String,
    pub description: String,
    /// IANA zone whose wall-clock time the meetings keep.
    pub time_zone: String,
    /// Local start of the first meeting, `YYYY-MM-DDTHH:MM:SS`.
    pub first_start_local: NaiveDateTime,
    pub duration_minutes: u32,
    /// RFC 5545 RRULE value, e.g. `FREQ=MONTHLY;BYDAY=1TU`.
    pub rrule: String,
    /// Only present for organizers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub online_join_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Series {
    /// The recurrence rule (validated on write).
    pub fn rule(&self) -> Result<SeriesRule, AppError> {
        let tz = parse_zone(&self.time_zone).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
        SeriesRule::new(
            tz,
            self.first_start_local,
            self.duration_minutes,
            &self.rrule,
        )
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored series {}: {e}", self.slug)))
    }

    /// The rule as the organizer form shows it, when it fits one of the form's patterns.
    pub fn pattern(&self) -> Option<Pattern> {
        Pattern::from_rrule(&self.rrule)
    }
}

fn series_from_row(r: &AnyRow) -> Result<Series, AppError> {
    let local: String = r.try_get("first_start_local")?;
    let join: String = r.try_get("online_join_url")?;
    Ok(Series {
        series_id: r.try_get("series_id")?,
        slug: r.try_get("slug")?,
        coalition_id: r.try_get("coalition_id")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        time_zone: r.try_get("time_zone")?,
        first_start_local: NaiveDateTime::parse_from_str(&local, "%Y-%m-%dT%H:%M:%S")
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stored first_start_local: {e}")))?,
        duration_minutes: u32::try_from(r.try_get::<i64, _>("duration_minutes")?).unwrap_or(60),
        rrule: r.try_get("rrule")?,
        online_join_url: if join.is_empty() { None } else { Some(join) },
        created_at: instant(r.try_get("created_at")?),
        updated_at: instant(r.try_get("updated_at")?),
    })
}

const SERIES_COLUMNS: &str = "series_id, slug, coalition_id, title, description, time_zone, first_start_local, duration_minutes, rrule, online_join_url, created_at, updated_at";

/// Every series, by title.
pub async fn list_series(db: &Db) -> Result<Vec<Series>, AppError> {
    let rows = sqlx::query(&format!(
        "select {SERIES_COLUMNS} from meeting_series order by title"
    ))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(series_from_row).collect()
}

/// One series by slug.
pub async fn series_by_slug(db: &Db, slug: &str) -> Result<Series, AppError> {
    let row = sqlx::query(&format!(
        "select {SERIES_COLUMNS} from meeting_series where slug = $1"
    ))
    .bind(slug)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    series_from_row(&row)
}

/// The moved and cancelled occurrences of a series.
pub async fn exceptions_of(db: &Db, series_id: i64) -> Result<Vec<SeriesException>, AppError> {
    let rows = sqlx::query(
        "select original_start, kind, starts_at, ends_at, note from series_exception where series_id = $1 order by original_start",
    )
    .bind(series_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            let kind = match kind.as_str() {
                "cancelled" => ExceptionKind::Cancelled,
                _ => ExceptionKind::Moved {
                    starts_at: instant(
                        r.try_get::<Option<i64>, _>("starts_at")?
                            .unwrap_or_default(),
                    ),
                    ends_at: instant(r.try_get::<Option<i64>, _>("ends_at")?.unwrap_or_default()),
                },
            };
            Ok(SeriesException {
                original_start: instant(r.try_get("original_start")?),
                kind,
                note: r.try_get("note")?,
            })
        })
        .collect()
}

/// Occurrences of a series overlapping [from, to), at most `limit`.
pub async fn series_occurrences(
    db: &Db,
    series: &Series,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<Occurrence>, AppError> {
    let exceptions = exceptions_of(db, series.series_id).await?;
    Ok(occurrences(&series.rule()?, &exceptions, from, to, limit))
}

/// What an organizer sends to create a series: either a `pattern` from the form, or an `rrule`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeriesInput {
    pub slug: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub time_zone: String,
    /// Local start of the first meeting, e.g. `2026-01-06T14:00:00`.
    pub first_start_local: NaiveDateTime,
    pub duration_minutes: u32,
    /// RFC 5545 RRULE value, e.g. `FREQ=MONTHLY;BYDAY=1TU`.
    pub rrule: String,
    #[serde(default)]
    pub coalition_id: Option<i64>,
    #[serde(default)]
    pub online_join_url: String,
}

/// Creates a series after checking its rule.
pub async fn create_series(db: &Db, input: &SeriesInput) -> Result<Series, AppError> {
    let mut p = Problems::default();
    if !valid_slug(&input.slug) {
        p.add("slug", "use 1 to 64 lowercase letters, digits and hyphens");
    }
    p.text("title", &input.title, 200);
    p.optional_text("description", &input.description, 5000);
    let url = &input.online_join_url;
    let acceptable = url.starts_with("https://") && url.len() <= 500;
    if !url.is_empty() && !acceptable {
        p.add(
            "online_join_url",
            "must be an https:// link of at most 500 characters",
        );
    }
    match parse_zone(&input.time_zone) {
        Err(e) => p.add("time_zone", e),
        Ok(tz) => {
            if let Err(e) = SeriesRule::new(
                tz,
                input.first_start_local,
                input.duration_minutes,
                &input.rrule,
            ) {
                p.add("rrule", e.to_string());
            }
        }
    }
    p.finish()?;
    let id: i64 = sqlx::query_scalar(
        "insert into meeting_series (slug, coalition_id, title, description, time_zone, first_start_local, duration_minutes, rrule, online_join_url, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) returning series_id",
    )
    .bind(&input.slug)
    .bind(input.coalition_id)
    .bind(input.title.trim())
    .bind(&input.description)
    .bind(&input.time_zone)
    .bind(input.first_start_local.format("%Y-%m-%dT%H:%M:%S").to_string())
    .bind(i64::from(input.duration_minutes))
    .bind(&input.rrule)
    .bind(&input.online_join_url)
    .bind(now())
    .fetch_one(&db.pool)
    .await
    .map_err(|e| from_write_error(e, "slug", "another series already uses this slug"))?;
    let row = sqlx::query(&format!(
        "select {SERIES_COLUMNS} from meeting_series where series_id = $1"
    ))
    .bind(id)
    .fetch_one(&db.pool)
    .await?;
    series_from_row(&row)
}

/// Moving or cancelling one occurrence, named by the instant the rule gives it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionInput {
    /// The occurrence's start by the rule (its RECURRENCE-ID).
    pub original_start: DateTime<Utc>,
    /// `moved` or `cancelled`.
    pub kind: String,
    /// The new start and end, for `moved`.
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub note: String,
}

/// Moves or cancels one occurrence (replacing an earlier change to the same occurrence).
pub async fn set_exception(
    db: &Db,
    series: &Series,
    input: &ExceptionInput,
) -> Result<(), AppError> {
    let mut p = Problems::default();
    if !crate::domain::recurrence::is_occurrence(&series.rule()?, input.original_start) {
        p.add(
            "original_start",
            "is not the start of an occurrence of this series",
        );
    }
    p.optional_text("note", &input.note, 500);
    let (starts, ends) = match input.kind.as_str() {
        "cancelled" => (None, None),
        "moved" => {
            match (input.starts_at, input.ends_at) {
                (Some(s), Some(e)) if e > s && (e - s).num_hours() < 24 => {
                    (Some(s.timestamp()), Some(e.timestamp()))
                }
                _ => {
                    p.add("ends_at", "a moved meeting needs starts_at and a later ends_at, less than a day apart");
                    (None, None)
                }
            }
        }
        _ => {
            p.add("kind", "must be one of: moved, cancelled");
            (None, None)
        }
    };
    p.finish()?;
    let mut tx = db.pool.begin().await?;
    sqlx::query("delete from series_exception where series_id = $1 and original_start = $2")
        .bind(series.series_id)
        .bind(input.original_start.timestamp())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "insert into series_exception (series_id, original_start, kind, starts_at, ends_at, note) values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(series.series_id)
    .bind(input.original_start.timestamp())
    .bind(&input.kind)
    .bind(starts)
    .bind(ends)
    .bind(input.note.trim())
    .execute(&mut *tx)
    .await?;
    sqlx::query("update meeting_series set updated_at = $1 where series_id = $2")
        .bind(now())
        .bind(series.series_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
