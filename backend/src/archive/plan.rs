//! See `crate::archive`. The action plan as observers follow it: each item's owner, due date,
//! status and progress over time (dated updates with evidence links), the trail of sessions,
//! outcomes, transcript passages, questions and meeting actions that moved it, and the
//! coalition's names (a rename keeps the old slug as an alias, so old links keep working).
//!
//! An item's `status` and `progress` columns always hold its latest update's (by date, then by
//! entry order), so the exports and the plan page read them without replaying the history.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::outcomes::{self, OutcomeKind, Relation};
use super::questions::{self, CarriedQuestion};
use crate::auth::{MaybeStaff, Organizer, Staff};
use crate::domain::text::{self, TextError};
use crate::http::AppState;
use crate::http::error::{AppError, ErrorBody, FieldError, from_write_error};
use crate::http::extract::Json;
use crate::programme::{instant, valid_slug};
use crate::store::{Db, now};

/// Longest owner name ("Secretariat", "ECPAT International with the youth group").
pub const MAX_OWNER: usize = 200;
/// Longest note on a progress update.
pub const MAX_NOTE: usize = 2000;
/// Longest evidence link.
pub const MAX_URL: usize = 500;

/// This module's JSON routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_current_plan))
        .routes(routes!(get_coalition_plan))
        .routes(routes!(rename_coalition))
        .routes(routes!(get_item, assign_item))
        .routes(routes!(add_item_update))
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

/// Where an action item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    NotStarted,
    InProgress,
    /// Continuous work with no end (e.g. "promote debates").
    Ongoing,
    Completed,
    Dropped,
}

impl ItemStatus {
    /// Every status, in the order the plan's legend lists them.
    pub const ALL: &'static [ItemStatus] = &[
        ItemStatus::NotStarted,
        ItemStatus::InProgress,
        ItemStatus::Ongoing,
        ItemStatus::Completed,
        ItemStatus::Dropped,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::NotStarted => "not_started",
            ItemStatus::InProgress => "in_progress",
            ItemStatus::Ongoing => "ongoing",
            ItemStatus::Completed => "completed",
            ItemStatus::Dropped => "dropped",
        }
    }

    /// Parses a stored or submitted name.
    pub fn parse(s: &str) -> Result<Self, String> {
        ItemStatus::ALL
            .iter()
            .copied()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                "must be one of: not_started, in_progress, ongoing, completed, dropped".into()
            })
    }

    /// Whether work on the item is still expected (so it can be overdue and is on agendas).
    pub fn is_open(self) -> bool {
        !matches!(self, ItemStatus::Completed | ItemStatus::Dropped)
    }
}

impl std::fmt::Display for ItemStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn stored<T>(value: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<T, AppError> {
    parse(value).map_err(|e| AppError::Internal(anyhow::anyhow!("stored value {value:?}: {e}")))
}

fn stored_date(value: Option<String>) -> Result<Option<NaiveDate>, AppError> {
    value
        .map(|v| {
            NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                .map_err(|e| AppError::Internal(anyhow::anyhow!("stored date {v:?}: {e}")))
        })
        .transpose()
}

/// Today in UTC: due dates and update dates are calendar dates without a zone.
pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

// ---------------------------------------------------------------------------------------------
// Coalitions and their former names

/// A former name of a coalition.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Alias {
    pub slug: String,
    pub name: String,
    /// The last day the name was in use, when known.
    pub until_on: Option<NaiveDate>,
}

/// A coalition with its former names, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Coalition {
    pub coalition_id: i64,
    pub slug: String,
    pub name: String,
    pub acronym: String,
    pub aliases: Vec<Alias>,
}

/// What a slug names: a coalition by its current slug, or by a former one.
pub enum Found {
    Current(Coalition),
    /// A former slug: links should move to the coalition's current slug.
    Former(Coalition),
}

async fn coalition_by_id(db: &Db, coalition_id: i64) -> Result<Coalition, AppError> {
    let row = sqlx::query("select slug, name, acronym from coalition where coalition_id = $1")
        .bind(coalition_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let aliases = sqlx::query(
        "select slug, name, until_on from coalition_alias where coalition_id = $1 \
         order by until_on desc, slug",
    )
    .bind(coalition_id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(Alias {
            slug: r.try_get(0)?,
            name: r.try_get(1)?,
            until_on: stored_date(r.try_get(2)?)?,
        })
    })
    .collect::<Result<Vec<_>, AppError>>()?;
    Ok(Coalition {
        coalition_id,
        slug: row.try_get(0)?,
        name: row.try_get(1)?,
        acronym: row.try_get(2)?,
        aliases,
    })
}

/// The coalition a slug names, current or former; 404 when none.
pub async fn find_coalition(db: &Db, slug: &str) -> Result<Found, AppError> {
    let current: Option<i64> =
        sqlx::query_scalar("select coalition_id from coalition where slug = $1")
            .bind(slug)
            .fetch_optional(&db.pool)
            .await?;
    if let Some(id) = current {
        return Ok(Found::Current(coalition_by_id(db, id).await?));
    }
    let former: Option<i64> =
        sqlx::query_scalar("select coalition_id from coalition_alias where slug = $1")
            .bind(slug)
            .fetch_optional(&db.pool)
            .await?;
    match former {
        Some(id) => Ok(Found::Former(coalition_by_id(db, id).await?)),
        None => Err(AppError::NotFound),
    }
}

/// A coalition's new name; the current slug and name become an alias.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameInput {
    /// The new slug: 1 to 64 lowercase letters, digits and hyphens.
    pub slug: String,
    pub name: String,
    /// The new acronym; the current one stays when left out.
    #[serde(default)]
    pub acronym: Option<String>,
    /// The last day the old name was in use; by default today.
    #[serde(default)]
    pub until_on: Option<NaiveDate>,
}

fn text_problem(e: TextError) -> String {
    match e {
        TextError::Empty => "is required".into(),
        TextError::TooLong { max } => format!("must be at most {max} characters"),
        other => other.to_string(),
    }
}

/// Renames a coalition (organizers only, checked by the caller's extractor). Taking back a
/// former slug of the same coalition removes that alias.
pub async fn rename(
    db: &Db,
    coalition: &Coalition,
    input: &RenameInput,
) -> Result<Coalition, AppError> {
    let mut problems = Vec::new();
    let slug = input.slug.trim();
    if !valid_slug(slug) {
        problems.push(FieldError::new(
            "slug",
            "use 1 to 64 lowercase letters, digits and hyphens",
        ));
    } else if slug == coalition.slug {
        problems.push(FieldError::new(
            "slug",
            "choose a new slug: the current one is kept as an alias of the old name",
        ));
    }
    let name = text::clean(&input.name, 200, false).unwrap_or_else(|e| {
        problems.push(FieldError::new("name", text_problem(e)));
        String::new()
    });
    let acronym = match &input.acronym {
        None => coalition.acronym.clone(),
        Some(a) => text::clean_optional(a, 32).unwrap_or_else(|e| {
            problems.push(FieldError::new("acronym", text_problem(e)));
            String::new()
        }),
    };
    let until_on = input.until_on.unwrap_or_else(today);
    if until_on > today() {
        problems.push(FieldError::new("until_on", "cannot be in the future"));
    }
    if valid_slug(slug) && slug != coalition.slug {
        let taken: i64 = sqlx::query_scalar(
            "select (select count(*) from coalition where slug = $1) + \
             (select count(*) from coalition_alias where slug = $1 and coalition_id <> $2)",
        )
        .bind(slug)
        .bind(coalition.coalition_id)
        .fetch_one(&db.pool)
        .await?;
        if taken > 0 {
            problems.push(FieldError::new(
                "slug",
                "another coalition uses or used this slug",
            ));
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    let mut tx = db.pool.begin().await?;
    sqlx::query("delete from coalition_alias where slug = $1 and coalition_id = $2")
        .bind(slug)
        .bind(coalition.coalition_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "insert into coalition_alias (slug, coalition_id, name, until_on) values ($1, $2, $3, $4)",
    )
    .bind(&coalition.slug)
    .bind(coalition.coalition_id)
    .bind(&coalition.name)
    .bind(until_on.format("%Y-%m-%d").to_string())
    .execute(&mut *tx)
    .await?;
    sqlx::query("update coalition set slug = $1, name = $2, acronym = $3 where coalition_id = $4")
        .bind(slug)
        .bind(&name)
        .bind(&acronym)
        .bind(coalition.coalition_id)
        .execute(&mut *tx)
        .await
        .map_err(|e| from_write_error(e, "slug", "another coalition uses this slug"))?;
    tx.commit().await?;
    coalition_by_id(db, coalition.coalition_id).await
}

// ---------------------------------------------------------------------------------------------
// The plan

/// A key objective of the plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Objective {
    pub objective_id: i64,
    pub position: i64,
    pub text: String,
}

/// An action item as the plan lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanItem {
    pub action_item_id: i64,
    pub action_plan_id: i64,
    pub position: i64,
    /// e.g. `AI-4`.
    pub code: String,
    pub text: String,
    /// The latest update's status.
    pub status: ItemStatus,
    /// The latest update's progress, 0 to 100.
    pub progress: i64,
    /// Who carries it; empty when nobody does yet.
    pub owner: String,
    pub due_on: Option<NaiveDate>,
    /// Due before today and neither completed nor dropped.
    pub overdue: bool,
    /// The date of the latest progress update.
    pub last_update_on: Option<NaiveDate>,
}

/// Another plan of the same coalition (an earlier or later period).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanRef {
    pub action_plan_id: i64,
    pub title: String,
    pub period_label: String,
}

/// An action plan with its objectives and items, in the plan's order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Plan {
    pub action_plan_id: i64,
    pub coalition: Coalition,
    pub title: String,
    pub aim: String,
    /// e.g. `FY16–FY18`.
    pub period_label: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub objectives: Vec<Objective>,
    pub items: Vec<PlanItem>,
    /// The coalition's other plans, latest first.
    pub other_plans: Vec<PlanRef>,
}

const ITEM_COLUMNS: &str = "i.action_item_id, i.action_plan_id, i.position, i.code, i.text, \
    i.status, i.progress, i.owner, i.due_on, \
    (select max(u.on_date) from action_item_update u where u.action_item_id = i.action_item_id)";

fn item_from_row(r: &sqlx::any::AnyRow) -> Result<PlanItem, AppError> {
    let status = stored(&r.try_get::<String, _>(5)?, ItemStatus::parse)?;
    let due_on = stored_date(r.try_get(8)?)?;
    Ok(PlanItem {
        action_item_id: r.try_get(0)?,
        action_plan_id: r.try_get(1)?,
        position: r.try_get(2)?,
        code: r.try_get(3)?,
        text: r.try_get(4)?,
        status,
        progress: r.try_get(6)?,
        owner: r.try_get(7)?,
        overdue: status.is_open() && due_on.is_some_and(|d| d < today()),
        due_on,
        last_update_on: stored_date(r.try_get(9)?)?,
    })
}

/// The latest plan of the latest-starting plans: what `/plan` shows. `None` without any plan.
pub async fn current_plan_id(db: &Db) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query_scalar(
        "select action_plan_id from action_plan order by starts_on desc, action_plan_id desc limit 1",
    )
    .fetch_optional(&db.pool)
    .await?)
}

/// A coalition's plan: `action_plan_id` if given and the coalition's, else its latest.
pub async fn plan_of_coalition(
    db: &Db,
    coalition_id: i64,
    action_plan_id: Option<i64>,
) -> Result<Plan, AppError> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "select action_plan_id from action_plan where coalition_id = $1 \
         order by starts_on desc, action_plan_id desc",
    )
    .bind(coalition_id)
    .fetch_all(&db.pool)
    .await?;
    let id = match action_plan_id {
        Some(id) if ids.contains(&id) => id,
        Some(_) => return Err(AppError::NotFound),
        None => *ids.first().ok_or(AppError::NotFound)?,
    };
    plan_by_id(db, id).await
}

/// One plan with everything the plan page shows.
pub async fn plan_by_id(db: &Db, action_plan_id: i64) -> Result<Plan, AppError> {
    let row = sqlx::query(
        "select coalition_id, title, aim, period_label, starts_on, ends_on from action_plan \
         where action_plan_id = $1",
    )
    .bind(action_plan_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let coalition_id: i64 = row.try_get(0)?;
    let objectives = sqlx::query(
        "select objective_id, position, text from objective where action_plan_id = $1 order by position",
    )
    .bind(action_plan_id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(Objective {
            objective_id: r.try_get(0)?,
            position: r.try_get(1)?,
            text: r.try_get(2)?,
        })
    })
    .collect::<Result<Vec<_>, AppError>>()?;
    let items = sqlx::query(&format!(
        "select {ITEM_COLUMNS} from action_item i where i.action_plan_id = $1 order by i.position"
    ))
    .bind(action_plan_id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(item_from_row)
    .collect::<Result<Vec<_>, AppError>>()?;
    let other_plans = sqlx::query(
        "select action_plan_id, title, period_label from action_plan \
         where coalition_id = $1 and action_plan_id <> $2 order by starts_on desc, action_plan_id desc",
    )
    .bind(coalition_id)
    .bind(action_plan_id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(PlanRef {
            action_plan_id: r.try_get(0)?,
            title: r.try_get(1)?,
            period_label: r.try_get(2)?,
        })
    })
    .collect::<Result<Vec<_>, AppError>>()?;
    let date = |i: usize| -> Result<NaiveDate, AppError> {
        stored_date(Some(row.try_get(i)?))?.ok_or(AppError::NotFound)
    };
    Ok(Plan {
        action_plan_id,
        coalition: coalition_by_id(db, coalition_id).await?,
        title: row.try_get(1)?,
        aim: row.try_get(2)?,
        period_label: row.try_get(3)?,
        starts_on: date(4)?,
        ends_on: date(5)?,
        objectives,
        items,
        other_plans,
    })
}

/// One action item, or 404.
pub async fn item_by_id(db: &Db, action_item_id: i64) -> Result<PlanItem, AppError> {
    let row = sqlx::query(&format!(
        "select {ITEM_COLUMNS} from action_item i where i.action_item_id = $1"
    ))
    .bind(action_item_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    item_from_row(&row)
}

/// Open items of a coalition's plans that have an owner and a due date: what every meeting
/// agenda of the coalition's series reviews. Soonest due first.
pub async fn open_assigned_items(db: &Db, coalition_id: i64) -> Result<Vec<PlanItem>, AppError> {
    let rows = sqlx::query(&format!(
        "select {ITEM_COLUMNS} from action_item i join action_plan p on p.action_plan_id = i.action_plan_id \
         where p.coalition_id = $1 and i.owner <> '' and i.due_on is not null \
         and i.status not in ('completed', 'dropped') order by i.due_on, i.position"
    ))
    .bind(coalition_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(item_from_row).collect()
}

// ---------------------------------------------------------------------------------------------
// Owner, due date and progress updates

/// Who carries an item and by when. Both replace what was there.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemAssignment {
    /// Empty to leave the item without an owner.
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
}

/// Sets an item's owner and due date.
pub async fn assign(
    db: &Db,
    action_item_id: i64,
    input: &ItemAssignment,
) -> Result<PlanItem, AppError> {
    item_by_id(db, action_item_id).await?;
    let mut problems = Vec::new();
    let owner = text::clean_optional(&input.owner, MAX_OWNER).unwrap_or_else(|e| {
        problems.push(FieldError::new("owner", text_problem(e)));
        String::new()
    });
    if input
        .due_on
        .is_some_and(|d| !(2000..=2200).contains(&chrono::Datelike::year(&d)))
    {
        problems.push(FieldError::new(
            "due_on",
            "must be a date between the years 2000 and 2200",
        ));
    }
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    sqlx::query("update action_item set owner = $1, due_on = $2 where action_item_id = $3")
        .bind(&owner)
        .bind(input.due_on.map(|d| d.format("%Y-%m-%d").to_string()))
        .bind(action_item_id)
        .execute(&db.pool)
        .await?;
    item_by_id(db, action_item_id).await
}

/// A dated step of an item's progress.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgressUpdate {
    pub update_id: i64,
    pub action_item_id: i64,
    pub on_date: NaiveDate,
    pub status: ItemStatus,
    pub progress: i64,
    pub note: String,
    /// A public link to the evidence (a report, a page, a recording); empty when none.
    pub evidence_url: String,
    pub created_at: DateTime<Utc>,
}

/// A new progress update.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateInput {
    /// The day the progress was made or observed; not in the future.
    pub on_date: NaiveDate,
    pub status: ItemStatus,
    /// 0 to 100; 100 for a completed item.
    pub progress: i64,
    #[serde(default)]
    pub note: String,
    /// An `https://` (or `http://`) link, at most 500 characters.
    #[serde(default)]
    pub evidence_url: String,
}

/// Checks an evidence link: an absolute http(s) URL with a host, no spaces or controls.
pub fn check_url(raw: &str) -> Result<String, String> {
    let url = raw.trim();
    if url.is_empty() {
        return Ok(String::new());
    }
    if url.chars().count() > MAX_URL {
        return Err(format!("must be at most {MAX_URL} characters"));
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or_default());
    let clean = !url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>');
    match host {
        Some(h) if !h.is_empty() && clean => Ok(url.to_string()),
        _ => Err("must be a link starting with https:// (or http://)".into()),
    }
}

async fn updates_of(db: &Db, action_item_id: i64) -> Result<Vec<ProgressUpdate>, AppError> {
    let rows = sqlx::query(
        "select update_id, on_date, status, progress, note, evidence_url, created_at \
         from action_item_update where action_item_id = $1 order by on_date desc, update_id desc",
    )
    .bind(action_item_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ProgressUpdate {
                update_id: r.try_get(0)?,
                action_item_id,
                on_date: stored_date(Some(r.try_get(1)?))?.ok_or(AppError::NotFound)?,
                status: stored(&r.try_get::<String, _>(2)?, ItemStatus::parse)?,
                progress: r.try_get(3)?,
                note: r.try_get(4)?,
                evidence_url: r.try_get(5)?,
                created_at: instant(r.try_get(6)?),
            })
        })
        .collect()
}

/// Records a progress update and makes the item's status and progress its latest update's.
pub async fn add_update(
    db: &Db,
    staff: &Staff,
    action_item_id: i64,
    input: &UpdateInput,
) -> Result<ProgressUpdate, AppError> {
    add_update_by(db, Some(staff.staff_id), action_item_id, input).await
}

/// [`add_update`] without a signed-in author (the demo).
pub(crate) async fn add_update_by(
    db: &Db,
    staff_id: Option<i64>,
    action_item_id: i64,
    input: &UpdateInput,
) -> Result<ProgressUpdate, AppError> {
    item_by_id(db, action_item_id).await?;
    let mut problems = Vec::new();
    if input.on_date > today() {
        problems.push(FieldError::new("on_date", "cannot be in the future"));
    } else if chrono::Datelike::year(&input.on_date) < 2000 {
        problems.push(FieldError::new(
            "on_date",
            "must be in the year 2000 or later",
        ));
    }
    if !(0..=100).contains(&input.progress) {
        problems.push(FieldError::new("progress", "must be between 0 and 100"));
    } else if input.status == ItemStatus::Completed && input.progress != 100 {
        problems.push(FieldError::new(
            "progress",
            "a completed item is at 100; choose another status or set 100",
        ));
    }
    let note = if input.note.trim().is_empty() {
        String::new()
    } else {
        text::clean(&input.note, MAX_NOTE, true).unwrap_or_else(|e| {
            problems.push(FieldError::new("note", text_problem(e)));
            String::new()
        })
    };
    let evidence_url = check_url(&input.evidence_url).unwrap_or_else(|e| {
        problems.push(FieldError::new("evidence_url", e));
        String::new()
    });
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    let mut tx = db.pool.begin().await?;
    let update_id: i64 = sqlx::query_scalar(
        "insert into action_item_update (action_item_id, on_date, status, progress, note, evidence_url, staff_id, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning update_id",
    )
    .bind(action_item_id)
    .bind(input.on_date.format("%Y-%m-%d").to_string())
    .bind(input.status.as_str())
    .bind(input.progress)
    .bind(&note)
    .bind(&evidence_url)
    .bind(staff_id)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    // A back-dated update may not be the latest: the item takes whichever is.
    let latest = sqlx::query(
        "select status, progress from action_item_update where action_item_id = $1 \
         order by on_date desc, update_id desc limit 1",
    )
    .bind(action_item_id)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("update action_item set status = $1, progress = $2 where action_item_id = $3")
        .bind(latest.try_get::<String, _>(0)?)
        .bind(latest.try_get::<i64, _>(1)?)
        .bind(action_item_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    updates_of(db, action_item_id)
        .await?
        .into_iter()
        .find(|u| u.update_id == update_id)
        .ok_or(AppError::NotFound)
}

// ---------------------------------------------------------------------------------------------
// An item's trail

/// What moved an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrailKind {
    ProgressUpdate,
    Outcome,
    Question,
    MeetingAction,
}

/// Where something happened: a session of an event, or a meeting of a series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Source {
    pub session_id: Option<i64>,
    pub meeting_id: Option<i64>,
    /// "WS #403 Title", or the series' title and the meeting's date.
    pub title: String,
    /// The public page: `/archive/sessions/{id}` or `/meetings/{series}/{date}`.
    pub path: String,
    pub on: NaiveDate,
}

/// A transcript line an outcome came from, as the public transcript shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Passage {
    pub session_id: i64,
    pub segment_id: i64,
    pub speaker: String,
    pub text: String,
    /// `/archive/sessions/{session_id}#seg-{segment_id}`.
    pub path: String,
}

/// A question on the record an outcome came from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuestionRef {
    pub archived_question_id: i64,
    pub session_id: i64,
    pub text: String,
    pub votes: i64,
}

/// One step of an item's trail. Fields not of the entry's kind are empty.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrailEntry {
    pub kind: TrailKind,
    /// When it happened: the update's date, the session's or meeting's day, the day a question
    /// was carried to the item.
    pub on: NaiveDate,
    /// The update's note, the outcome's, question's or action's text.
    pub text: String,
    pub source: Option<Source>,
    /// Progress updates.
    pub status: Option<ItemStatus>,
    pub progress: Option<i64>,
    pub evidence_url: Option<String>,
    /// Outcomes.
    pub outcome_id: Option<i64>,
    pub outcome_kind: Option<OutcomeKind>,
    pub relation: Option<Relation>,
    pub passages: Vec<Passage>,
    pub questions: Vec<QuestionRef>,
    /// Meeting actions: owner, due date and `open`, `done` or `dropped`.
    pub owner: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub action_status: Option<String>,
}

impl TrailEntry {
    fn new(kind: TrailKind, on: NaiveDate, text: String) -> Self {
        TrailEntry {
            kind,
            on,
            text,
            source: None,
            status: None,
            progress: None,
            evidence_url: None,
            outcome_id: None,
            outcome_kind: None,
            relation: None,
            passages: Vec::new(),
            questions: Vec::new(),
            owner: None,
            due_on: None,
            action_status: None,
        }
    }
}

/// An item with everything that moved it, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemTrail {
    pub item: PlanItem,
    pub plan: PlanRef,
    pub coalition_slug: String,
    /// Every progress update, newest first (also in `trail`).
    pub updates: Vec<ProgressUpdate>,
    /// The sessions and meetings that moved the item, newest first.
    pub sources: Vec<Source>,
    pub trail: Vec<TrailEntry>,
}

async fn session_source(db: &Db, session_id: i64) -> Result<Option<Source>, AppError> {
    let row = sqlx::query(
        "select t.label, s.number, s.title, s.starts_at from session s \
         join session_type t on t.session_type_id = s.session_type_id where s.session_id = $1",
    )
    .bind(session_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let label = crate::domain::schedule::session_label(&r.try_get::<String, _>(0)?, r.try_get(1)?);
    let starts: i64 = r.try_get(3)?;
    Ok(Some(Source {
        session_id: Some(session_id),
        meeting_id: None,
        title: format!("{label} {}", r.try_get::<String, _>(2)?)
            .trim()
            .to_string(),
        path: format!("/archive/sessions/{session_id}"),
        on: instant(starts).date_naive(),
    }))
}

async fn meeting_source(db: &Db, meeting_id: i64) -> Result<Option<Source>, AppError> {
    match super::minutes::meeting_by_id(db, meeting_id).await {
        Ok((series, m)) => Ok(Some(Source {
            session_id: None,
            meeting_id: Some(meeting_id),
            title: format!("{} — {}", series.title, m.date.format("%Y-%m-%d")),
            path: m.path,
            on: m.date,
        })),
        Err(AppError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether the public may read a meeting's minutes-borne record (actions, decisions).
async fn meeting_public(db: &Db, meeting_id: i64) -> Result<bool, AppError> {
    let n: i64 = sqlx::query_scalar(
        "select count(*) from minutes where meeting_id = $1 and status in ('approved', 'locked')",
    )
    .bind(meeting_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// An item and its trail as `staff` (or the public, when `None`) may read it.
pub async fn trail(
    db: &Db,
    action_item_id: i64,
    staff: Option<&Staff>,
) -> Result<ItemTrail, AppError> {
    let item = item_by_id(db, action_item_id).await?;
    let plan_row = sqlx::query(
        "select p.title, p.period_label, c.slug from action_plan p \
         join coalition c on c.coalition_id = p.coalition_id where p.action_plan_id = $1",
    )
    .bind(item.action_plan_id)
    .fetch_one(&db.pool)
    .await?;
    let updates = updates_of(db, action_item_id).await?;
    let mut trail: Vec<TrailEntry> = Vec::new();
    for u in &updates {
        let mut e = TrailEntry::new(TrailKind::ProgressUpdate, u.on_date, u.note.clone());
        e.status = Some(u.status);
        e.progress = Some(u.progress);
        e.evidence_url = Some(u.evidence_url.clone()).filter(|s| !s.is_empty());
        trail.push(e);
    }

    let mut transcripts: HashMap<i64, Option<super::transcripts::PublicTranscript>> =
        HashMap::new();
    for linked in outcomes::for_action_item(db, action_item_id).await? {
        let o = linked.outcome;
        if staff.is_none() && !o.public {
            continue;
        }
        let source = match (o.session_id, o.meeting_id) {
            (Some(s), _) => session_source(db, s).await?,
            (None, Some(m)) => meeting_source(db, m).await?,
            _ => None,
        };
        let on = source
            .as_ref()
            .map_or_else(|| o.created_at.date_naive(), |s| s.on);
        let mut e = TrailEntry::new(TrailKind::Outcome, on, o.text.clone());
        e.outcome_id = Some(o.outcome_id);
        e.outcome_kind = Some(o.kind);
        e.relation = Some(linked.relation);
        e.source = source;
        if let Some(session_id) = o.session_id.filter(|_| !o.segment_ids.is_empty()) {
            if let std::collections::hash_map::Entry::Vacant(slot) = transcripts.entry(session_id) {
                slot.insert(super::transcripts::published(db, session_id).await?);
            }
            // Only lines of a published transcript, redactions applied, are ever shown.
            if let Some(Some(t)) = transcripts.get(&session_id) {
                for seg in t
                    .segments
                    .iter()
                    .filter(|s| o.segment_ids.contains(&s.segment_id))
                {
                    e.passages.push(Passage {
                        session_id,
                        segment_id: seg.segment_id,
                        speaker: seg.speaker.clone(),
                        text: seg.text.clone(),
                        path: format!("/archive/sessions/{session_id}#seg-{}", seg.segment_id),
                    });
                }
            }
        }
        for qid in &o.archived_question_ids {
            let q = sqlx::query(
                "select session_id, text, votes from archived_question where archived_question_id = $1",
            )
            .bind(qid)
            .fetch_optional(&db.pool)
            .await?;
            if let Some(q) = q {
                e.questions.push(QuestionRef {
                    archived_question_id: *qid,
                    session_id: q.try_get(0)?,
                    text: q.try_get(1)?,
                    votes: q.try_get(2)?,
                });
            }
        }
        trail.push(e);
    }

    for q in questions::carried_to_action_item(db, action_item_id).await? {
        trail.push(question_entry(db, q).await?);
    }

    let actions = sqlx::query(
        "select meeting_action_id, meeting_id, text, owner, due_on, status from meeting_action \
         where action_item_id = $1 order by meeting_action_id",
    )
    .bind(action_item_id)
    .fetch_all(&db.pool)
    .await?;
    for a in actions {
        let meeting_id: i64 = a.try_get(1)?;
        if staff.is_none() && !meeting_public(db, meeting_id).await? {
            continue;
        }
        let source = meeting_source(db, meeting_id).await?;
        let on = source.as_ref().map_or_else(today, |s| s.on);
        let mut e = TrailEntry::new(TrailKind::MeetingAction, on, a.try_get(2)?);
        e.owner = Some(a.try_get(3)?);
        e.due_on = stored_date(a.try_get(4)?)?;
        e.action_status = Some(a.try_get(5)?);
        e.source = source;
        trail.push(e);
    }

    // Newest first; on one day, updates (the result) before what led to them.
    let rank = |k: TrailKind| match k {
        TrailKind::ProgressUpdate => 0,
        TrailKind::Outcome => 1,
        TrailKind::MeetingAction => 2,
        TrailKind::Question => 3,
    };
    trail.sort_by(|a, b| b.on.cmp(&a.on).then(rank(a.kind).cmp(&rank(b.kind))));
    let mut sources: Vec<Source> = Vec::new();
    for s in trail.iter().filter_map(|e| e.source.as_ref()) {
        if !sources.contains(s) {
            sources.push(s.clone());
        }
    }
    Ok(ItemTrail {
        plan: PlanRef {
            action_plan_id: item.action_plan_id,
            title: plan_row.try_get(0)?,
            period_label: plan_row.try_get(1)?,
        },
        coalition_slug: plan_row.try_get(2)?,
        item,
        updates,
        sources,
        trail,
    })
}

async fn question_entry(db: &Db, q: CarriedQuestion) -> Result<TrailEntry, AppError> {
    let mut e = TrailEntry::new(
        TrailKind::Question,
        q.created_at.date_naive(),
        q.text.clone(),
    );
    e.source = session_source(db, q.session_id).await?;
    e.questions.push(QuestionRef {
        archived_question_id: q.archived_question_id,
        session_id: q.session_id,
        text: q.text,
        votes: q.votes,
    });
    Ok(e)
}

// ---------------------------------------------------------------------------------------------
// Routes

/// A plan, and the address its coalition is now known by.
#[utoipa::path(get, path = "/api/plan", tag = "plan",
    responses((status = 200, body = Plan, description = "The current plan: the latest-starting one"),
        (status = 404, body = ErrorBody, description = "No plan yet")))]
async fn get_current_plan(State(state): State<AppState>) -> Result<axum::Json<Plan>, AppError> {
    let id = current_plan_id(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(axum::Json(plan_by_id(&state.db, id).await?))
}

#[utoipa::path(get, path = "/api/coalitions/{slug}/plan", tag = "plan",
    params(("slug" = String, Path, description = "The coalition's slug, current or former")),
    responses((status = 200, body = Plan, description = "The coalition's latest plan; `coalition.slug` is its current slug"),
        (status = 404, body = ErrorBody)))]
async fn get_coalition_plan(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<axum::Json<Plan>, AppError> {
    let coalition = match find_coalition(&state.db, &slug).await? {
        Found::Current(c) | Found::Former(c) => c,
    };
    Ok(axum::Json(
        plan_of_coalition(&state.db, coalition.coalition_id, None).await?,
    ))
}

#[utoipa::path(post, path = "/api/coalitions/{slug}/rename", tag = "plan",
    request_body = RenameInput, params(("slug" = String, Path, description = "The coalition's current slug")),
    responses((status = 200, body = Coalition, description = "Renamed; the old slug and name are now an alias"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The slug is a former one: rename the coalition by its current slug"),
        (status = 422, body = ErrorBody)))]
async fn rename_coalition(
    State(state): State<AppState>,
    _: Organizer,
    Path(slug): Path<String>,
    Json(input): Json<RenameInput>,
) -> Result<axum::Json<Coalition>, AppError> {
    match find_coalition(&state.db, &slug).await? {
        Found::Current(c) => Ok(axum::Json(rename(&state.db, &c, &input).await?)),
        Found::Former(c) => Err(AppError::Conflict(format!(
            "{slug} is a former slug; the coalition is now {}",
            c.slug
        ))),
    }
}

#[utoipa::path(get, path = "/api/plan/items/{action_item_id}", tag = "plan",
    params(("action_item_id" = i64, Path)),
    responses((status = 200, body = ItemTrail, description = "The item and everything that moved it, newest first; \
        staff also see outcomes and meeting actions not yet public"),
        (status = 404, body = ErrorBody)))]
async fn get_item(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    Path(action_item_id): Path<i64>,
) -> Result<axum::Json<ItemTrail>, AppError> {
    Ok(axum::Json(
        trail(&state.db, action_item_id, staff.as_ref()).await?,
    ))
}

#[utoipa::path(put, path = "/api/plan/items/{action_item_id}", tag = "plan",
    request_body = ItemAssignment, params(("action_item_id" = i64, Path)),
    responses((status = 200, body = PlanItem), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn assign_item(
    State(state): State<AppState>,
    _: Organizer,
    Path(action_item_id): Path<i64>,
    Json(input): Json<ItemAssignment>,
) -> Result<axum::Json<PlanItem>, AppError> {
    Ok(axum::Json(assign(&state.db, action_item_id, &input).await?))
}

#[utoipa::path(post, path = "/api/plan/items/{action_item_id}/updates", tag = "plan",
    request_body = UpdateInput, params(("action_item_id" = i64, Path)),
    responses((status = 201, body = ProgressUpdate, description = "Recorded; the item now shows its latest update's status and progress"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_item_update(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    Path(action_item_id): Path<i64>,
    Json(input): Json<UpdateInput>,
) -> Result<(StatusCode, axum::Json<ProgressUpdate>), AppError> {
    let staff = staff.ok_or(AppError::Unauthorized)?;
    Ok((
        StatusCode::CREATED,
        axum::Json(add_update(&state.db, &staff, action_item_id, &input).await?),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_links_must_be_web_links() {
        assert_eq!(
            check_url(" https://example.org/report.pdf ").unwrap(),
            "https://example.org/report.pdf"
        );
        assert_eq!(check_url("").unwrap(), "");
        for bad in [
            "javascript:alert(1)",
            "ftp://example.org",
            "https://",
            "https://exa mple.org",
            "https://example.org/\"onmouseover",
            "example.org",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_completed_and_dropped_items_are_closed() {
        assert!(ItemStatus::InProgress.is_open());
        assert!(ItemStatus::NotStarted.is_open());
        assert!(!ItemStatus::Completed.is_open());
        assert!(!ItemStatus::Dropped.is_open());
        for s in ItemStatus::ALL {
            assert_eq!(ItemStatus::parse(s.as_str()), Ok(*s));
        }
    }
}
