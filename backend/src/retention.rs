//! Retention: a background job that purges each event's data once its retention period has
//! passed, and records what it removed (class and count, never content) in `purge_log`.
//!
//! Periods come from `[retention]` in the configuration, overridden per event in
//! `event_retention`; they count from the event's last day (the audit log from each entry's own
//! time). See `docs/DPIA.md` for why each class is kept as long as it is.

use std::time::Duration;

use chrono::NaiveDate;
use sqlx::Row;

use crate::config::RetentionSettings;
use crate::store::{Backend, Db, now};

/// What one purge removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purged {
    pub event_id: Option<i64>,
    pub class: &'static str,
    pub rows: u64,
}

/// One event's periods, in days.
#[derive(Debug, Clone, Copy)]
struct Periods {
    live: i64,
    participants: i64,
    reports: i64,
}

/// Purges everything past its retention as of `today`; returns what was removed.
pub async fn purge_expired(
    db: &Db,
    settings: &RetentionSettings,
    today: NaiveDate,
) -> Result<Vec<Purged>, sqlx::Error> {
    let events = sqlx::query(
        "select e.event_id, e.ends_on, r.live_days, r.participant_days, r.report_days \
         from event e left join event_retention r on r.event_id = e.event_id order by e.event_id",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut purged = Vec::new();
    for row in events {
        let event_id: i64 = row.try_get(0)?;
        let ends_on: String = row.try_get(1)?;
        let Ok(ends_on) = NaiveDate::parse_from_str(&ends_on, "%Y-%m-%d") else {
            continue;
        };
        let days_since = (today - ends_on).num_days();
        let periods = Periods {
            live: row
                .try_get::<Option<i64>, _>(2)?
                .unwrap_or(settings.live_days),
            participants: row
                .try_get::<Option<i64>, _>(3)?
                .unwrap_or(settings.participant_days),
            reports: row
                .try_get::<Option<i64>, _>(4)?
                .unwrap_or(settings.report_days),
        };
        if days_since > periods.live {
            // Answered questions are part of the record: copy any no rapporteur archived before
            // the live data goes. If that fails, this event's data waits for the next run.
            if let Err(e) = crate::archive::questions::archive_event_unarchived(db, event_id).await
            {
                tracing::warn!(event_id, error = %e, "archiving answered questions before the purge failed; purge deferred");
                continue;
            }
        }
        let sessions = "(select session_id from session where event_id = $1)";
        let mut steps: Vec<(&'static str, String)> = Vec::new();
        if days_since > periods.reports {
            steps.push((
                "reports",
                format!("delete from report where session_id in {sessions}"),
            ));
        }
        if days_since > periods.live {
            for (class, table) in [
                ("questions", "question"),
                ("floor_queue", "floor_entry"),
                ("live_frames", "live_event"),
                ("live_commands", "live_command"),
                ("backstage_notes", "backstage_note"),
            ] {
                steps.push((
                    class,
                    format!("delete from {table} where session_id in {sessions}"),
                ));
            }
        }
        if days_since > periods.participants {
            steps.push((
                "participants",
                format!("delete from participant where session_id in {sessions}"),
            ));
            steps.push((
                "bans",
                "delete from event_ban where event_id = $1".to_string(),
            ));
        }
        for (class, sql) in steps {
            let mut tx = db.pool.begin().await?;
            // `sql` is one of the fixed statements above; the event id is bound.
            let rows = sqlx::query(&sql)
                .bind(event_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if rows > 0 {
                record(&mut tx, Some(event_id), class, rows).await?;
                purged.push(Purged {
                    event_id: Some(event_id),
                    class,
                    rows,
                });
            }
            tx.commit().await?;
        }
    }
    // The audit log, by each entry's age; the guard lets only this transaction delete.
    let cutoff = now() - settings.audit_days * 86_400;
    let mut tx = db.pool.begin().await?;
    match db.backend {
        Backend::Sqlite => {
            sqlx::query("update purge_guard set active = 1 where id = 1")
                .execute(&mut *tx)
                .await?;
        }
        Backend::Postgres => {
            sqlx::query("set local plenary.purging = 'on'")
                .execute(&mut *tx)
                .await?;
        }
    }
    let rows = sqlx::query("delete from audit_log where at < $1")
        .bind(cutoff)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if db.backend == Backend::Sqlite {
        sqlx::query("update purge_guard set active = 0 where id = 1")
            .execute(&mut *tx)
            .await?;
    }
    if rows > 0 {
        record(&mut tx, None, "audit_log", rows).await?;
        purged.push(Purged {
            event_id: None,
            class: "audit_log",
            rows,
        });
    }
    tx.commit().await?;
    // Expired staff logins hold nothing worth keeping.
    let expired = sqlx::query("delete from staff_session where expires_at < $1")
        .bind(now())
        .execute(&db.pool)
        .await?
        .rows_affected();
    if expired > 0 {
        purged.push(Purged {
            event_id: None,
            class: "staff_sessions",
            rows: expired,
        });
    }
    if !purged.is_empty() && db.backend == Backend::Sqlite {
        // As after an erasure: the write-ahead log must not keep what was purged.
        sqlx::query("pragma wal_checkpoint(truncate)")
            .fetch_optional(&db.pool)
            .await?;
    }
    Ok(purged)
}

async fn record(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    event_id: Option<i64>,
    class: &str,
    rows: u64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into purge_log (at, event_id, class, rows_removed) values ($1, $2, $3, $4)",
    )
    .bind(now())
    .bind(event_id)
    .bind(class)
    .bind(rows as i64)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Runs the purge every `interval_minutes` (the first run after one interval), logging what it
/// removed (counts only) or why it failed, until the process ends.
pub fn spawn(db: Db, settings: RetentionSettings) {
    tokio::spawn(async move {
        let every = Duration::from_secs(settings.interval_minutes.max(1) * 60);
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        loop {
            ticks.tick().await;
            let today = chrono::Utc::now().date_naive();
            match purge_expired(&db, &settings, today).await {
                Ok(purged) => {
                    for p in purged {
                        tracing::info!(event_id = ?p.event_id, class = p.class, rows = p.rows, "retention purge");
                    }
                }
                Err(e) => tracing::error!(error = %e, "retention purge failed; will retry"),
            }
        }
    });
}

/// An event's retention periods in days; `None` means "the configured default".
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(deny_unknown_fields)]
pub struct EventRetention {
    pub live_days: Option<i64>,
    pub participant_days: Option<i64>,
    pub report_days: Option<i64>,
    pub audit_days: Option<i64>,
}

/// The periods set for an event (all `None` when it uses the defaults).
pub async fn event_retention(db: &Db, event_id: i64) -> Result<EventRetention, sqlx::Error> {
    let row = sqlx::query(
        "select live_days, participant_days, report_days, audit_days from event_retention where event_id = $1",
    )
    .bind(event_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(match row {
        None => EventRetention::default(),
        Some(r) => EventRetention {
            live_days: r.try_get(0)?,
            participant_days: r.try_get(1)?,
            report_days: r.try_get(2)?,
            audit_days: r.try_get(3)?,
        },
    })
}

/// Sets an event's periods; each must be 0 to 36,500 days or absent.
pub async fn set_event_retention(
    db: &Db,
    event_id: i64,
    periods: &EventRetention,
) -> Result<EventRetention, crate::http::error::AppError> {
    let mut fields = Vec::new();
    for (name, value) in [
        ("live_days", periods.live_days),
        ("participant_days", periods.participant_days),
        ("report_days", periods.report_days),
        ("audit_days", periods.audit_days),
    ] {
        if value.is_some_and(|d| !(0..=36_500).contains(&d)) {
            fields.push(crate::http::error::FieldError::new(
                name,
                "must be between 0 and 36500 days",
            ));
        }
    }
    if !fields.is_empty() {
        return Err(crate::http::error::AppError::Validation(fields));
    }
    let mut tx = db.pool.begin().await?;
    sqlx::query("delete from event_retention where event_id = $1")
        .bind(event_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "insert into event_retention (event_id, live_days, participant_days, report_days, audit_days) \
         values ($1, $2, $3, $4, $5)",
    )
    .bind(event_id)
    .bind(periods.live_days)
    .bind(periods.participant_days)
    .bind(periods.report_days)
    .bind(periods.audit_days)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(event_retention(db, event_id).await?)
}
