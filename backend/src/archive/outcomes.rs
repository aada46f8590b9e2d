//! See `crate::archive`. Outcomes: what a session or a meeting concluded (key takeaways, calls
//! to action, recommendations, decisions), each linked to the action items it moved (and how),
//! and to the transcript lines and questions it came from.
//!
//! A session's outcomes are written by its rapporteurs (and organizers) and become public with
//! the session's submitted report; while the report is submitted they are locked, so the public
//! record cannot change under readers' eyes (an organizer reopens the report to change them). A
//! meeting's outcomes are written by organizers and locked once its minutes are locked.
//!
//! Links never cross sessions: an outcome of a session cites lines of that session's transcript
//! and questions archived from that session; a meeting's outcome cites questions carried to that
//! meeting.

use std::collections::{HashMap, HashSet};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ScribeRole, may_keep_record, require_scribe};
use crate::auth::{MaybeStaff, Staff};
use crate::domain::schedule::StaffRole;
use crate::domain::text::{self, TextError};
use crate::http::AppState;
use crate::http::error::{AppError, ErrorBody, FieldError};
use crate::http::extract::Json;
use crate::programme::instant;
use crate::store::{Db, now};

/// The longest outcome text, in characters.
pub const MAX_TEXT: usize = 2000;
/// The most outcomes one session or meeting may hold.
pub const MAX_PER_OWNER: i64 = 50;
/// The most links of each kind one outcome may hold.
pub const MAX_LINKS: usize = 50;

/// This module's JSON routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_session_outcomes, create_session_outcome))
        .routes(routes!(reorder_session_outcomes))
        .routes(routes!(list_meeting_outcomes, create_meeting_outcome))
        .routes(routes!(reorder_meeting_outcomes))
        .routes(routes!(get_outcome, update_outcome, delete_outcome))
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

/// What kind of conclusion an outcome is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    KeyTakeaway,
    CallToAction,
    /// Meetings only.
    Decision,
    Recommendation,
}

impl OutcomeKind {
    /// Every kind, in display order.
    pub const ALL: &'static [OutcomeKind] = &[
        OutcomeKind::KeyTakeaway,
        OutcomeKind::CallToAction,
        OutcomeKind::Recommendation,
        OutcomeKind::Decision,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::KeyTakeaway => "key_takeaway",
            OutcomeKind::CallToAction => "call_to_action",
            OutcomeKind::Decision => "decision",
            OutcomeKind::Recommendation => "recommendation",
        }
    }

    /// Parses a stored or submitted name.
    pub fn parse(s: &str) -> Result<Self, String> {
        OutcomeKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                "must be one of: key_takeaway, call_to_action, recommendation, decision".into()
            })
    }

    /// Whether a session may have outcomes of this kind (decisions are taken in meetings).
    pub fn fits_session(self) -> bool {
        self != OutcomeKind::Decision
    }
}

/// How an outcome moved an action item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Advances,
    Proposes,
    Completes,
    Evidence,
}

impl Relation {
    /// Every relation, in display order.
    pub const ALL: &'static [Relation] = &[
        Relation::Advances,
        Relation::Proposes,
        Relation::Completes,
        Relation::Evidence,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Advances => "advances",
            Relation::Proposes => "proposes",
            Relation::Completes => "completes",
            Relation::Evidence => "evidence",
        }
    }

    /// Parses a stored or submitted name.
    pub fn parse(s: &str) -> Result<Self, String> {
        Relation::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| "must be one of: advances, proposes, completes, evidence".into())
    }
}

/// What an outcome belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Session(i64),
    Meeting(i64),
}

impl Owner {
    fn column(self) -> &'static str {
        match self {
            Owner::Session(_) => "session_id",
            Owner::Meeting(_) => "meeting_id",
        }
    }

    fn id(self) -> i64 {
        match self {
            Owner::Session(id) | Owner::Meeting(id) => id,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Read model

/// An action item an outcome moved, and how.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LinkedItem {
    pub action_item_id: i64,
    /// The item's code in the plan, e.g. `AI-4`.
    pub code: String,
    pub text: String,
    pub relation: Relation,
}

/// An outcome with everything it links to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Outcome {
    pub outcome_id: i64,
    pub kind: OutcomeKind,
    /// Set for a session's outcome.
    pub session_id: Option<i64>,
    /// Set for a meeting's outcome.
    pub meeting_id: Option<i64>,
    /// Order within its session or meeting, from 1.
    pub position: i64,
    pub text: String,
    pub action_items: Vec<LinkedItem>,
    /// Transcript lines it came from (`/archive/sessions/{session_id}#seg-{segment_id}`).
    pub segment_ids: Vec<i64>,
    /// Archived questions it came from.
    pub archived_question_ids: Vec<i64>,
    /// Whether the public may read it: the session's report is submitted, or the meeting's
    /// minutes are approved.
    pub public: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An outcome that moved one action item, with how.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemOutcome {
    pub relation: Relation,
    pub outcome: Outcome,
}

fn stored<T>(value: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<T, AppError> {
    parse(value).map_err(|e| AppError::Internal(anyhow::anyhow!("stored value {value:?}: {e}")))
}

/// Every outcome of a session, in the rapporteur's order, public or not: callers showing the
/// public check [`Outcome::public`] (or `reports::submitted`).
pub async fn for_session(db: &Db, session_id: i64) -> Result<Vec<Outcome>, AppError> {
    load(db, Owner::Session(session_id)).await
}

/// Every outcome of a meeting, in order, public or not (see [`Outcome::public`]).
pub async fn for_meeting(db: &Db, meeting_id: i64) -> Result<Vec<Outcome>, AppError> {
    load(db, Owner::Meeting(meeting_id)).await
}

/// One outcome, or 404.
pub async fn by_id(db: &Db, outcome_id: i64) -> Result<Outcome, AppError> {
    let owner = owner_of(db, outcome_id).await?;
    load(db, owner)
        .await?
        .into_iter()
        .find(|o| o.outcome_id == outcome_id)
        .ok_or(AppError::NotFound)
}

/// Every outcome linked to an action item, newest first, public or not (see
/// [`Outcome::public`]).
pub async fn for_action_item(db: &Db, action_item_id: i64) -> Result<Vec<ItemOutcome>, AppError> {
    let rows = sqlx::query(
        "select l.relation, o.outcome_id, o.session_id, o.meeting_id from outcome_action_item l \
         join outcome o on o.outcome_id = l.outcome_id where l.action_item_id = $1 \
         order by o.created_at desc, o.outcome_id desc",
    )
    .bind(action_item_id)
    .fetch_all(&db.pool)
    .await?;
    let mut owners: Vec<Owner> = Vec::new();
    let mut wanted: Vec<(i64, Relation)> = Vec::new();
    for r in &rows {
        let session: Option<i64> = r.try_get(2)?;
        let meeting: Option<i64> = r.try_get(3)?;
        let owner = match (session, meeting) {
            (Some(s), _) => Owner::Session(s),
            (None, Some(m)) => Owner::Meeting(m),
            (None, None) => continue,
        };
        if !owners.contains(&owner) {
            owners.push(owner);
        }
        wanted.push((
            r.try_get(1)?,
            stored(&r.try_get::<String, _>(0)?, Relation::parse)?,
        ));
    }
    let mut all: HashMap<i64, Outcome> = HashMap::new();
    for owner in owners {
        for o in load(db, owner).await? {
            all.insert(o.outcome_id, o);
        }
    }
    Ok(wanted
        .into_iter()
        .filter_map(|(id, relation)| {
            all.get(&id).map(|o| ItemOutcome {
                relation,
                outcome: o.clone(),
            })
        })
        .collect())
}

async fn owner_of(db: &Db, outcome_id: i64) -> Result<Owner, AppError> {
    let row = sqlx::query("select session_id, meeting_id from outcome where outcome_id = $1")
        .bind(outcome_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let session: Option<i64> = row.try_get(0)?;
    let meeting: Option<i64> = row.try_get(1)?;
    match (session, meeting) {
        (Some(s), _) => Ok(Owner::Session(s)),
        (None, Some(m)) => Ok(Owner::Meeting(m)),
        (None, None) => Err(AppError::NotFound),
    }
}

/// Whether the public may read the owner's outcomes.
async fn is_public(db: &Db, owner: Owner) -> Result<bool, AppError> {
    let sql = match owner {
        Owner::Session(_) => {
            "select count(*) from session_report where session_id = $1 and status = 'submitted'"
        }
        Owner::Meeting(_) => {
            "select count(*) from minutes where meeting_id = $1 and status in ('approved', 'locked')"
        }
    };
    let n: i64 = sqlx::query_scalar(sql)
        .bind(owner.id())
        .fetch_one(&db.pool)
        .await?;
    Ok(n > 0)
}

async fn load(db: &Db, owner: Owner) -> Result<Vec<Outcome>, AppError> {
    let column = owner.column();
    let public = is_public(db, owner).await?;
    // `column` is one of two literals, never user input.
    let rows = sqlx::query(&format!(
        "select outcome_id, kind, session_id, meeting_id, position, text, created_at, updated_at \
         from outcome where {column} = $1 order by position, outcome_id"
    ))
    .bind(owner.id())
    .fetch_all(&db.pool)
    .await?;
    let mut outcomes = Vec::with_capacity(rows.len());
    for r in &rows {
        outcomes.push(Outcome {
            outcome_id: r.try_get(0)?,
            kind: stored(&r.try_get::<String, _>(1)?, OutcomeKind::parse)?,
            session_id: r.try_get(2)?,
            meeting_id: r.try_get(3)?,
            position: r.try_get(4)?,
            text: r.try_get(5)?,
            action_items: Vec::new(),
            segment_ids: Vec::new(),
            archived_question_ids: Vec::new(),
            public,
            created_at: instant(r.try_get(6)?),
            updated_at: instant(r.try_get(7)?),
        });
    }
    if outcomes.is_empty() {
        return Ok(outcomes);
    }
    let index: HashMap<i64, usize> = outcomes
        .iter()
        .enumerate()
        .map(|(i, o)| (o.outcome_id, i))
        .collect();
    let items = sqlx::query(&format!(
        "select l.outcome_id, a.action_item_id, a.code, a.text, l.relation \
         from outcome_action_item l join outcome o on o.outcome_id = l.outcome_id \
         join action_item a on a.action_item_id = l.action_item_id \
         where o.{column} = $1 order by a.position, a.action_item_id"
    ))
    .bind(owner.id())
    .fetch_all(&db.pool)
    .await?;
    for r in &items {
        if let Some(&i) = index.get(&r.try_get::<i64, _>(0)?) {
            outcomes[i].action_items.push(LinkedItem {
                action_item_id: r.try_get(1)?,
                code: r.try_get(2)?,
                text: r.try_get(3)?,
                relation: stored(&r.try_get::<String, _>(4)?, Relation::parse)?,
            });
        }
    }
    let segments = sqlx::query(&format!(
        "select l.outcome_id, l.segment_id from outcome_segment l \
         join outcome o on o.outcome_id = l.outcome_id \
         join transcript_segment g on g.segment_id = l.segment_id \
         where o.{column} = $1 order by g.position"
    ))
    .bind(owner.id())
    .fetch_all(&db.pool)
    .await?;
    for r in &segments {
        if let Some(&i) = index.get(&r.try_get::<i64, _>(0)?) {
            outcomes[i].segment_ids.push(r.try_get(1)?);
        }
    }
    let questions = sqlx::query(&format!(
        "select l.outcome_id, l.archived_question_id from outcome_question l \
         join outcome o on o.outcome_id = l.outcome_id where o.{column} = $1 \
         order by l.archived_question_id"
    ))
    .bind(owner.id())
    .fetch_all(&db.pool)
    .await?;
    for r in &questions {
        if let Some(&i) = index.get(&r.try_get::<i64, _>(0)?) {
            outcomes[i].archived_question_ids.push(r.try_get(1)?);
        }
    }
    Ok(outcomes)
}

// ---------------------------------------------------------------------------------------------
// Writing

/// A link to an action item, as submitted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemLink {
    pub action_item_id: i64,
    pub relation: Relation,
}

/// A new outcome.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeInput {
    pub kind: OutcomeKind,
    pub text: String,
    #[serde(default)]
    pub action_items: Vec<ItemLink>,
    /// Lines of the same session's transcript.
    #[serde(default)]
    pub segment_ids: Vec<i64>,
    /// Questions archived from the same session (or carried to the same meeting).
    #[serde(default)]
    pub archived_question_ids: Vec<i64>,
}

/// A change to an outcome: fields left out stay as they are; a list given replaces the links
/// of that kind.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeUpdate {
    pub kind: Option<OutcomeKind>,
    pub text: Option<String>,
    pub action_items: Option<Vec<ItemLink>>,
    pub segment_ids: Option<Vec<i64>>,
    pub archived_question_ids: Option<Vec<i64>>,
}

/// A new order for all of a session's or meeting's outcomes.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeOrder {
    /// Every outcome id of the session or meeting, each once, first first.
    pub outcome_ids: Vec<i64>,
}

/// Checks that `staff` may write the owner's outcomes now: rapporteurs and organizers for a
/// session whose report is not submitted; organizers for a meeting whose minutes are not locked.
pub async fn authorize(db: &Db, staff: &Staff, owner: Owner) -> Result<(), AppError> {
    match owner {
        Owner::Session(session_id) => {
            crate::programme::session_by_id(db, session_id).await?;
            require_scribe(db, staff, session_id, ScribeRole::Rapporteur).await?;
            let submitted: i64 = sqlx::query_scalar(
                "select count(*) from session_report where session_id = $1 and status = 'submitted'",
            )
            .bind(session_id)
            .fetch_one(&db.pool)
            .await?;
            if submitted > 0 {
                return Err(AppError::Conflict(
                    "the session's report is submitted, so its outcomes are part of the public \
                     record; an organizer can reopen the report to change them"
                        .into(),
                ));
            }
        }
        Owner::Meeting(meeting_id) => {
            let exists: i64 =
                sqlx::query_scalar("select count(*) from meeting where meeting_id = $1")
                    .bind(meeting_id)
                    .fetch_one(&db.pool)
                    .await?;
            if exists == 0 {
                return Err(AppError::NotFound);
            }
            if staff.role != StaffRole::Organizer {
                return Err(AppError::Forbidden);
            }
            let locked: i64 = sqlx::query_scalar(
                "select count(*) from minutes where meeting_id = $1 and status = 'locked'",
            )
            .bind(meeting_id)
            .fetch_one(&db.pool)
            .await?;
            if locked > 0 {
                return Err(AppError::Conflict(
                    "the meeting's minutes are locked, so its outcomes can no longer change".into(),
                ));
            }
        }
    }
    Ok(())
}

fn text_problem(e: TextError) -> String {
    match e {
        TextError::Empty => "is required".into(),
        TextError::TooLong { max } => format!("must be at most {max} characters"),
        other => other.to_string(),
    }
}

/// The cleaned text of an outcome, or the problem with it.
pub fn clean_text(raw: &str) -> Result<String, String> {
    text::clean(raw, MAX_TEXT, true).map_err(text_problem)
}

/// Checks the links an outcome of `owner` would hold; every problem names its field.
async fn check_links(
    db: &Db,
    owner: Owner,
    items: &[ItemLink],
    segments: &[i64],
    questions: &[i64],
    problems: &mut Vec<FieldError>,
) -> Result<(), AppError> {
    for (name, len) in [
        ("action_items", items.len()),
        ("segment_ids", segments.len()),
        ("archived_question_ids", questions.len()),
    ] {
        if len > MAX_LINKS {
            problems.push(FieldError::new(
                name,
                format!("may hold at most {MAX_LINKS} links"),
            ));
            return Ok(());
        }
    }
    let mut seen = HashSet::new();
    for (i, link) in items.iter().enumerate() {
        let field = format!("action_items[{i}].action_item_id");
        if !seen.insert(link.action_item_id) {
            problems.push(FieldError::new(field, "is listed twice"));
            continue;
        }
        let n: i64 =
            sqlx::query_scalar("select count(*) from action_item where action_item_id = $1")
                .bind(link.action_item_id)
                .fetch_one(&db.pool)
                .await?;
        if n == 0 {
            problems.push(FieldError::new(field, "no such action item"));
        }
    }
    let mut seen = HashSet::new();
    for (i, segment_id) in segments.iter().enumerate() {
        let field = format!("segment_ids[{i}]");
        if !seen.insert(*segment_id) {
            problems.push(FieldError::new(field, "is listed twice"));
            continue;
        }
        let Owner::Session(session_id) = owner else {
            problems.push(FieldError::new(
                field,
                "a meeting's outcome cannot cite a session's transcript",
            ));
            continue;
        };
        let of: Option<i64> = sqlx::query_scalar(
            "select t.session_id from transcript_segment g \
             join transcript t on t.transcript_id = g.transcript_id where g.segment_id = $1",
        )
        .bind(segment_id)
        .fetch_optional(&db.pool)
        .await?;
        match of {
            None => problems.push(FieldError::new(field, "no such transcript line")),
            Some(s) if s != session_id => problems.push(FieldError::new(
                field,
                "is a line of another session's transcript",
            )),
            Some(_) => {}
        }
    }
    let mut seen = HashSet::new();
    for (i, question_id) in questions.iter().enumerate() {
        let field = format!("archived_question_ids[{i}]");
        if !seen.insert(*question_id) {
            problems.push(FieldError::new(field, "is listed twice"));
            continue;
        }
        let of: Option<i64> = sqlx::query_scalar(
            "select session_id from archived_question where archived_question_id = $1",
        )
        .bind(question_id)
        .fetch_optional(&db.pool)
        .await?;
        let fits = match (owner, of) {
            (_, None) => {
                problems.push(FieldError::new(field, "no such archived question"));
                continue;
            }
            (Owner::Session(s), Some(q)) => s == q,
            (Owner::Meeting(m), Some(_)) => {
                let n: i64 = sqlx::query_scalar(
                    "select count(*) from carried_question where archived_question_id = $1 and meeting_id = $2",
                )
                .bind(question_id)
                .bind(m)
                .fetch_one(&db.pool)
                .await?;
                n > 0
            }
        };
        if !fits {
            problems.push(FieldError::new(
                field,
                match owner {
                    Owner::Session(_) => "was asked in another session",
                    Owner::Meeting(_) => "was not carried forward to this meeting",
                },
            ));
        }
    }
    Ok(())
}

async fn write_links(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    outcome_id: i64,
    items: Option<&[ItemLink]>,
    segments: Option<&[i64]>,
    questions: Option<&[i64]>,
) -> Result<(), sqlx::Error> {
    let t = now();
    if let Some(items) = items {
        sqlx::query("delete from outcome_action_item where outcome_id = $1")
            .bind(outcome_id)
            .execute(&mut **tx)
            .await?;
        for link in items {
            sqlx::query(
                "insert into outcome_action_item (outcome_id, action_item_id, relation, created_at) \
                 values ($1, $2, $3, $4)",
            )
            .bind(outcome_id)
            .bind(link.action_item_id)
            .bind(link.relation.as_str())
            .bind(t)
            .execute(&mut **tx)
            .await?;
        }
    }
    if let Some(segments) = segments {
        sqlx::query("delete from outcome_segment where outcome_id = $1")
            .bind(outcome_id)
            .execute(&mut **tx)
            .await?;
        for segment_id in segments {
            sqlx::query("insert into outcome_segment (outcome_id, segment_id) values ($1, $2)")
                .bind(outcome_id)
                .bind(segment_id)
                .execute(&mut **tx)
                .await?;
        }
    }
    if let Some(questions) = questions {
        sqlx::query("delete from outcome_question where outcome_id = $1")
            .bind(outcome_id)
            .execute(&mut **tx)
            .await?;
        for question_id in questions {
            sqlx::query(
                "insert into outcome_question (outcome_id, archived_question_id) values ($1, $2)",
            )
            .bind(outcome_id)
            .bind(question_id)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// Refreshes the search index for the owner after a committed write. The write stands either
/// way; a failed refresh is logged and mended by the index rebuild at start-up.
pub(crate) async fn reindex(db: &Db, owner: Owner) {
    let result = match owner {
        Owner::Session(id) => super::search::reindex_session(db, id).await,
        Owner::Meeting(id) => super::search::reindex_meeting(db, id).await,
    };
    if let Err(e) = result {
        tracing::error!(error = %e, owner = ?owner, "refreshing the search index");
    }
}

fn check_kind(owner: Owner, kind: OutcomeKind, problems: &mut Vec<FieldError>) {
    if matches!(owner, Owner::Session(_)) && !kind.fits_session() {
        problems.push(FieldError::new(
            "kind",
            "decisions are taken in meetings; a session has key takeaways, calls to action and recommendations",
        ));
    }
}

/// Adds an outcome at the end of the owner's list.
pub async fn create(
    db: &Db,
    staff: &Staff,
    owner: Owner,
    input: &OutcomeInput,
) -> Result<Outcome, AppError> {
    authorize(db, staff, owner).await?;
    create_unchecked(db, Some(staff.staff_id), owner, input).await
}

/// Adds an outcome without asking who writes it (the demo loader; callers have checked).
pub(crate) async fn create_unchecked(
    db: &Db,
    created_by: Option<i64>,
    owner: Owner,
    input: &OutcomeInput,
) -> Result<Outcome, AppError> {
    let mut problems = Vec::new();
    check_kind(owner, input.kind, &mut problems);
    let text = clean_text(&input.text).unwrap_or_else(|e| {
        problems.push(FieldError::new("text", e));
        String::new()
    });
    check_links(
        db,
        owner,
        &input.action_items,
        &input.segment_ids,
        &input.archived_question_ids,
        &mut problems,
    )
    .await?;
    let column = owner.column();
    let count: i64 =
        sqlx::query_scalar(&format!("select count(*) from outcome where {column} = $1"))
            .bind(owner.id())
            .fetch_one(&db.pool)
            .await?;
    if count >= MAX_PER_OWNER {
        problems.push(FieldError::new(
            "kind",
            format!("a session or meeting holds at most {MAX_PER_OWNER} outcomes"),
        ));
    }
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    let t = now();
    let mut tx = db.pool.begin().await?;
    let position: i64 = sqlx::query_scalar(&format!(
        "select coalesce(max(position), 0) + 1 from outcome where {column} = $1"
    ))
    .bind(owner.id())
    .fetch_one(&mut *tx)
    .await?;
    let outcome_id: i64 = sqlx::query_scalar(&format!(
        "insert into outcome (kind, {column}, position, text, created_by, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $6) returning outcome_id"
    ))
    .bind(input.kind.as_str())
    .bind(owner.id())
    .bind(position)
    .bind(&text)
    .bind(created_by)
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    write_links(
        &mut tx,
        outcome_id,
        Some(&input.action_items),
        Some(&input.segment_ids),
        Some(&input.archived_question_ids),
    )
    .await?;
    tx.commit().await?;
    reindex(db, owner).await;
    by_id(db, outcome_id).await
}

/// Changes an outcome's kind, text or links.
pub async fn update(
    db: &Db,
    staff: &Staff,
    outcome_id: i64,
    change: &OutcomeUpdate,
) -> Result<Outcome, AppError> {
    let owner = owner_of(db, outcome_id).await?;
    authorize(db, staff, owner).await?;
    let mut problems = Vec::new();
    if let Some(kind) = change.kind {
        check_kind(owner, kind, &mut problems);
    }
    let text = match &change.text {
        Some(raw) => match clean_text(raw) {
            Ok(t) => Some(t),
            Err(e) => {
                problems.push(FieldError::new("text", e));
                None
            }
        },
        None => None,
    };
    check_links(
        db,
        owner,
        change.action_items.as_deref().unwrap_or_default(),
        change.segment_ids.as_deref().unwrap_or_default(),
        change.archived_question_ids.as_deref().unwrap_or_default(),
        &mut problems,
    )
    .await?;
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    let mut tx = db.pool.begin().await?;
    if let Some(kind) = change.kind {
        sqlx::query("update outcome set kind = $1 where outcome_id = $2")
            .bind(kind.as_str())
            .bind(outcome_id)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(text) = &text {
        sqlx::query("update outcome set text = $1 where outcome_id = $2")
            .bind(text)
            .bind(outcome_id)
            .execute(&mut *tx)
            .await?;
    }
    write_links(
        &mut tx,
        outcome_id,
        change.action_items.as_deref(),
        change.segment_ids.as_deref(),
        change.archived_question_ids.as_deref(),
    )
    .await?;
    sqlx::query("update outcome set updated_at = $1 where outcome_id = $2")
        .bind(now())
        .bind(outcome_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    reindex(db, owner).await;
    by_id(db, outcome_id).await
}

/// Removes an outcome and its links.
pub async fn delete(db: &Db, staff: &Staff, outcome_id: i64) -> Result<(), AppError> {
    let owner = owner_of(db, outcome_id).await?;
    authorize(db, staff, owner).await?;
    sqlx::query("delete from outcome where outcome_id = $1")
        .bind(outcome_id)
        .execute(&db.pool)
        .await?;
    reindex(db, owner).await;
    Ok(())
}

/// Puts all of the owner's outcomes in the given order.
pub async fn reorder(
    db: &Db,
    staff: &Staff,
    owner: Owner,
    order: &[i64],
) -> Result<Vec<Outcome>, AppError> {
    authorize(db, staff, owner).await?;
    let column = owner.column();
    let current: Vec<i64> = sqlx::query_scalar(&format!(
        "select outcome_id from outcome where {column} = $1 order by position, outcome_id"
    ))
    .bind(owner.id())
    .fetch_all(&db.pool)
    .await?;
    let given: HashSet<i64> = order.iter().copied().collect();
    if given.len() != order.len()
        || given.len() != current.len()
        || current.iter().any(|id| !given.contains(id))
    {
        return Err(AppError::field(
            "outcome_ids",
            "must list every outcome of this session or meeting exactly once",
        ));
    }
    let mut tx = db.pool.begin().await?;
    for (i, id) in order.iter().enumerate() {
        sqlx::query("update outcome set position = $1 where outcome_id = $2")
            .bind(i as i64 + 1)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    reindex(db, owner).await;
    load(db, owner).await
}

/// Moves one outcome a place up or down among its owner's (the page's arrows).
pub async fn move_one(db: &Db, staff: &Staff, outcome_id: i64, up: bool) -> Result<(), AppError> {
    let owner = owner_of(db, outcome_id).await?;
    let column = owner.column();
    let mut ids: Vec<i64> = sqlx::query_scalar(&format!(
        "select outcome_id from outcome where {column} = $1 order by position, outcome_id"
    ))
    .bind(owner.id())
    .fetch_all(&db.pool)
    .await?;
    let Some(at) = ids.iter().position(|id| *id == outcome_id) else {
        return Err(AppError::NotFound);
    };
    let other = if up { at.checked_sub(1) } else { Some(at + 1) };
    match other {
        Some(o) if o < ids.len() => ids.swap(at, o),
        // Already first or last: nothing moves, but the caller still needed the right to ask.
        _ => return authorize(db, staff, owner).await,
    }
    reorder(db, staff, owner, &ids).await.map(|_| ())
}

// ---------------------------------------------------------------------------------------------
// Routes

/// The signed-in staff member, or 401.
pub(crate) fn signed_in(staff: MaybeStaff) -> Result<Staff, AppError> {
    staff.0.ok_or(AppError::Unauthorized)
}

async fn meeting_exists(db: &Db, meeting_id: i64) -> Result<(), AppError> {
    let n: i64 = sqlx::query_scalar("select count(*) from meeting where meeting_id = $1")
        .bind(meeting_id)
        .fetch_one(&db.pool)
        .await?;
    if n == 0 {
        Err(AppError::NotFound)
    } else {
        Ok(())
    }
}

/// Who may see unpublished outcomes of `owner`.
async fn may_see_drafts(db: &Db, staff: Option<&Staff>, owner: Owner) -> Result<bool, AppError> {
    match (staff, owner) {
        (None, _) => Ok(false),
        (Some(s), Owner::Session(id)) => may_keep_record(db, s, id, ScribeRole::Rapporteur).await,
        (Some(s), Owner::Meeting(_)) => Ok(s.role == StaffRole::Organizer),
    }
}

async fn visible(db: &Db, staff: Option<&Staff>, owner: Owner) -> Result<Vec<Outcome>, AppError> {
    let all = load(db, owner).await?;
    if may_see_drafts(db, staff, owner).await? {
        Ok(all)
    } else {
        Ok(all.into_iter().filter(|o| o.public).collect())
    }
}

#[utoipa::path(get, path = "/api/sessions/{session_id}/outcomes", tag = "archive",
    params(("session_id" = i64, Path)),
    responses((status = 200, body = Vec<Outcome>,
        description = "The session's outcomes in order: to the public once its report is submitted; to its rapporteurs and organizers always"),
        (status = 404, body = ErrorBody)))]
async fn list_session_outcomes(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(session_id): Path<i64>,
) -> Result<axum::Json<Vec<Outcome>>, AppError> {
    crate::programme::session_by_id(&state.db, session_id).await?;
    Ok(axum::Json(
        visible(&state.db, staff.0.as_ref(), Owner::Session(session_id)).await?,
    ))
}

#[utoipa::path(post, path = "/api/sessions/{session_id}/outcomes", tag = "archive",
    request_body = OutcomeInput, params(("session_id" = i64, Path)),
    responses((status = 201, body = Outcome), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Not a rapporteur of this session nor an organizer"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The report is submitted; reopen it first"),
        (status = 422, body = ErrorBody, description = "A field is wrong, or a link crosses sessions")))]
async fn create_session_outcome(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(session_id): Path<i64>,
    Json(input): Json<OutcomeInput>,
) -> Result<(StatusCode, axum::Json<Outcome>), AppError> {
    let staff = signed_in(staff)?;
    let o = create(&state.db, &staff, Owner::Session(session_id), &input).await?;
    Ok((StatusCode::CREATED, axum::Json(o)))
}

#[utoipa::path(put, path = "/api/sessions/{session_id}/outcomes/order", tag = "archive",
    request_body = OutcomeOrder, params(("session_id" = i64, Path)),
    responses((status = 200, body = Vec<Outcome>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reorder_session_outcomes(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(session_id): Path<i64>,
    Json(order): Json<OutcomeOrder>,
) -> Result<axum::Json<Vec<Outcome>>, AppError> {
    let staff = signed_in(staff)?;
    Ok(axum::Json(
        reorder(
            &state.db,
            &staff,
            Owner::Session(session_id),
            &order.outcome_ids,
        )
        .await?,
    ))
}

#[utoipa::path(get, path = "/api/meetings/{meeting_id}/outcomes", tag = "archive",
    params(("meeting_id" = i64, Path)),
    responses((status = 200, body = Vec<Outcome>,
        description = "The meeting's outcomes in order: to the public once its minutes are approved; to organizers always"),
        (status = 404, body = ErrorBody)))]
async fn list_meeting_outcomes(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(meeting_id): Path<i64>,
) -> Result<axum::Json<Vec<Outcome>>, AppError> {
    meeting_exists(&state.db, meeting_id).await?;
    Ok(axum::Json(
        visible(&state.db, staff.0.as_ref(), Owner::Meeting(meeting_id)).await?,
    ))
}

#[utoipa::path(post, path = "/api/meetings/{meeting_id}/outcomes", tag = "archive",
    request_body = OutcomeInput, params(("meeting_id" = i64, Path)),
    responses((status = 201, body = Outcome), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Only organizers write a meeting's outcomes"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The meeting's minutes are locked"),
        (status = 422, body = ErrorBody)))]
async fn create_meeting_outcome(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(meeting_id): Path<i64>,
    Json(input): Json<OutcomeInput>,
) -> Result<(StatusCode, axum::Json<Outcome>), AppError> {
    let staff = signed_in(staff)?;
    let o = create(&state.db, &staff, Owner::Meeting(meeting_id), &input).await?;
    Ok((StatusCode::CREATED, axum::Json(o)))
}

#[utoipa::path(put, path = "/api/meetings/{meeting_id}/outcomes/order", tag = "archive",
    request_body = OutcomeOrder, params(("meeting_id" = i64, Path)),
    responses((status = 200, body = Vec<Outcome>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reorder_meeting_outcomes(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(meeting_id): Path<i64>,
    Json(order): Json<OutcomeOrder>,
) -> Result<axum::Json<Vec<Outcome>>, AppError> {
    let staff = signed_in(staff)?;
    Ok(axum::Json(
        reorder(
            &state.db,
            &staff,
            Owner::Meeting(meeting_id),
            &order.outcome_ids,
        )
        .await?,
    ))
}

#[utoipa::path(get, path = "/api/outcomes/{outcome_id}", tag = "archive",
    params(("outcome_id" = i64, Path)),
    responses((status = 200, body = Outcome),
        (status = 404, body = ErrorBody, description = "No such outcome, or not public yet")))]
async fn get_outcome(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(outcome_id): Path<i64>,
) -> Result<axum::Json<Outcome>, AppError> {
    let o = by_id(&state.db, outcome_id).await?;
    let owner = owner_of(&state.db, outcome_id).await?;
    if o.public || may_see_drafts(&state.db, staff.0.as_ref(), owner).await? {
        Ok(axum::Json(o))
    } else {
        Err(AppError::NotFound)
    }
}

#[utoipa::path(put, path = "/api/outcomes/{outcome_id}", tag = "archive",
    request_body = OutcomeUpdate, params(("outcome_id" = i64, Path)),
    responses((status = 200, body = Outcome), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_outcome(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(outcome_id): Path<i64>,
    Json(change): Json<OutcomeUpdate>,
) -> Result<axum::Json<Outcome>, AppError> {
    let staff = signed_in(staff)?;
    Ok(axum::Json(
        update(&state.db, &staff, outcome_id, &change).await?,
    ))
}

#[utoipa::path(delete, path = "/api/outcomes/{outcome_id}", tag = "archive",
    params(("outcome_id" = i64, Path)),
    responses((status = 204, description = "Deleted with its links"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn delete_outcome(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(outcome_id): Path<i64>,
) -> Result<StatusCode, AppError> {
    let staff = signed_in(staff)?;
    delete(&state.db, &staff, outcome_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_relations_round_trip_their_names() {
        for k in OutcomeKind::ALL {
            assert_eq!(OutcomeKind::parse(k.as_str()), Ok(*k));
        }
        for r in Relation::ALL {
            assert_eq!(Relation::parse(r.as_str()), Ok(*r));
        }
        assert!(OutcomeKind::parse("resolution").is_err());
        assert!(!OutcomeKind::Decision.fits_session());
    }
}
