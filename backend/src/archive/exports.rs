//! See `crate::archive`. Exports of the public record, and the read model the archive pages
//! share with them.
//!
//! Where each one lives (JSON in the API and its OpenAPI document, files for download under
//! `/archive/...`):
//! - a session's record: `GET /api/archive/sessions/{session_id}` (JSON) and
//!   `GET /archive/sessions/{session_id}/record.md` (Markdown);
//! - the action plan with its evidence: `GET /api/archive/plan` (JSON) and
//!   `GET /archive/plan.csv` (CSV, one row per item and piece of evidence);
//! - an event's schedule in the frab/c3voc schedule JSON: `GET /archive/events/{event_id}/schedule.json`.
//!
//! What is public: sessions that are not drafts; a transcript once published (redactions
//! applied); a report and its outcomes once the report is submitted; a meeting's outcomes once
//! a version of its minutes is approved or locked; answered questions.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::Row;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::archive::transcripts::{self, PublicTranscript};
use crate::domain::schedule::{SessionStatus, session_label};
use crate::http::AppState;
use crate::http::error::{AppError, ErrorBody};
use crate::i18n::{Lang, Translator};
use crate::programme::{self, Event, Session, SessionFilter, instant};
use crate::store::Db;

/// This module's JSON routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_session_record))
        .routes(routes!(get_plan_export))
}

/// This module's routes outside the JSON API.
pub fn plain_router() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/archive/sessions/{session_id}/record.md",
            axum::routing::get(session_markdown),
        )
        .route("/archive/plan.csv", axum::routing::get(plan_csv))
        .route(
            "/archive/events/{event_id}/schedule.json",
            axum::routing::get(event_schedule),
        )
}

// ---------------------------------------------------------------------------------------------
// A session's record

/// The event a record belongs to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordEvent {
    pub event_id: i64,
    pub slug: String,
    pub name: String,
    /// The IANA zone its programme is published in.
    pub time_zone: String,
}

/// A question answered in the session, without its asker.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordQuestion {
    pub archived_question_id: i64,
    pub text: String,
    pub votes: i64,
    pub asked_at: DateTime<Utc>,
}

/// The rapporteur's submitted report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordReport {
    pub summary: String,
    pub onsite_participants: Option<i64>,
    pub online_participants: Option<i64>,
    pub speakers: Option<i64>,
    pub women_speakers: Option<i64>,
    pub moderators: Option<i64>,
    pub women_moderators: Option<i64>,
    pub gender_discussed: Option<bool>,
    pub gender_note: String,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// An action item an outcome moved, and how.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutcomeItem {
    pub action_item_id: i64,
    /// "AI-3".
    pub code: String,
    pub text: String,
    /// `advances`, `proposes`, `completes` or `evidence`.
    pub relation: String,
}

/// What the session concluded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordOutcome {
    pub outcome_id: i64,
    /// `key_takeaway`, `call_to_action`, `decision` or `recommendation`.
    pub kind: String,
    pub text: String,
    pub action_items: Vec<OutcomeItem>,
    /// Transcript passages it came from (segment ids of the published transcript).
    pub segment_ids: Vec<i64>,
    /// Questions it came from (archived question ids).
    pub question_ids: Vec<i64>,
}

/// Everything the public may read about one session.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionRecord {
    pub session: Session,
    pub event: RecordEvent,
    /// The record's page.
    pub url: String,
    /// Present once published; redactions applied.
    pub transcript: Option<PublicTranscript>,
    pub questions: Vec<RecordQuestion>,
    /// Present once submitted.
    pub report: Option<RecordReport>,
    /// Present once the report is submitted.
    pub outcomes: Vec<RecordOutcome>,
}

/// The public record of a session; 404 for an unknown or draft session.
pub async fn session_record(
    db: &Db,
    public_url: &str,
    session_id: i64,
) -> Result<SessionRecord, AppError> {
    let mut session = programme::session_by_id(db, session_id).await?;
    if session.status == SessionStatus::Draft {
        return Err(AppError::NotFound);
    }
    session.online_join_url = None;
    let event = programme::event_by_id(db, session.event_id).await?;
    let report = submitted_report(db, session_id).await?;
    let outcomes = if report.is_some() {
        session_outcomes(db, session_id).await?
    } else {
        Vec::new()
    };
    let questions = sqlx::query(
        "select archived_question_id, text, votes, asked_at from archived_question \
         where session_id = $1 and status = 'answered' order by votes desc, asked_at, archived_question_id",
    )
    .bind(session_id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(RecordQuestion {
            archived_question_id: r.try_get(0)?,
            text: r.try_get(1)?,
            votes: r.try_get(2)?,
            asked_at: instant(r.try_get(3)?),
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(SessionRecord {
        url: format!("{public_url}/archive/sessions/{session_id}"),
        transcript: transcripts::published(db, session_id).await?,
        event: RecordEvent {
            event_id: event.event_id,
            slug: event.slug,
            name: event.name,
            time_zone: event.time_zone,
        },
        session,
        questions,
        report,
        outcomes,
    })
}

/// The session's report if it is submitted.
async fn submitted_report(db: &Db, session_id: i64) -> Result<Option<RecordReport>, AppError> {
    let Some(r) = sqlx::query(
        "select summary, onsite_participants, online_participants, speakers, women_speakers, \
         moderators, women_moderators, gender_discussed, gender_note, submitted_at \
         from session_report where session_id = $1 and status = 'submitted'",
    )
    .bind(session_id)
    .fetch_optional(&db.pool)
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(RecordReport {
        summary: r.try_get(0)?,
        onsite_participants: r.try_get(1)?,
        online_participants: r.try_get(2)?,
        speakers: r.try_get(3)?,
        women_speakers: r.try_get(4)?,
        moderators: r.try_get(5)?,
        women_moderators: r.try_get(6)?,
        gender_discussed: r.try_get::<Option<i64>, _>(7)?.map(|v| v != 0),
        gender_note: r.try_get(8)?,
        submitted_at: r.try_get::<Option<i64>, _>(9)?.map(instant),
    }))
}

/// A session's outcomes with their links, in the rapporteur's order.
async fn session_outcomes(db: &Db, session_id: i64) -> Result<Vec<RecordOutcome>, AppError> {
    let mut outcomes: Vec<RecordOutcome> = sqlx::query(
        "select outcome_id, kind, text from outcome where session_id = $1 \
         order by position, outcome_id",
    )
    .bind(session_id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(RecordOutcome {
            outcome_id: r.try_get(0)?,
            kind: r.try_get(1)?,
            text: r.try_get(2)?,
            action_items: Vec::new(),
            segment_ids: Vec::new(),
            question_ids: Vec::new(),
        })
    })
    .collect::<Result<_, sqlx::Error>>()?;
    let items = sqlx::query(
        "select l.outcome_id, a.action_item_id, a.code, a.text, l.relation \
         from outcome_action_item l join outcome o on o.outcome_id = l.outcome_id \
         join action_item a on a.action_item_id = l.action_item_id \
         where o.session_id = $1 order by a.position, a.action_item_id",
    )
    .bind(session_id)
    .fetch_all(&db.pool)
    .await?;
    for r in items {
        let outcome_id: i64 = r.try_get(0)?;
        if let Some(o) = outcomes.iter_mut().find(|o| o.outcome_id == outcome_id) {
            o.action_items.push(OutcomeItem {
                action_item_id: r.try_get(1)?,
                code: r.try_get(2)?,
                text: r.try_get(3)?,
                relation: r.try_get(4)?,
            });
        }
    }
    let segments = sqlx::query(
        "select l.outcome_id, l.segment_id from outcome_segment l \
         join outcome o on o.outcome_id = l.outcome_id \
         join transcript_segment s on s.segment_id = l.segment_id \
         where o.session_id = $1 order by s.position",
    )
    .bind(session_id)
    .fetch_all(&db.pool)
    .await?;
    for r in segments {
        let outcome_id: i64 = r.try_get(0)?;
        if let Some(o) = outcomes.iter_mut().find(|o| o.outcome_id == outcome_id) {
            o.segment_ids.push(r.try_get(1)?);
        }
    }
    let questions = sqlx::query(
        "select l.outcome_id, l.archived_question_id from outcome_question l \
         join outcome o on o.outcome_id = l.outcome_id where o.session_id = $1 \
         order by l.archived_question_id",
    )
    .bind(session_id)
    .fetch_all(&db.pool)
    .await?;
    for r in questions {
        let outcome_id: i64 = r.try_get(0)?;
        if let Some(o) = outcomes.iter_mut().find(|o| o.outcome_id == outcome_id) {
            o.question_ids.push(r.try_get(1)?);
        }
    }
    Ok(outcomes)
}

#[utoipa::path(get, path = "/api/archive/sessions/{session_id}", tag = "archive",
    params(("session_id" = i64, Path)),
    responses((status = 200, body = SessionRecord,
        description = "The session's public record: description, roles, published transcript, answered questions, submitted report, outcomes"),
        (status = 404, body = ErrorBody, description = "No such session, or a draft")))]
async fn get_session_record(
    State(state): State<AppState>,
    Path(session_id): Path<i64>,
) -> Result<axum::Json<SessionRecord>, AppError> {
    Ok(axum::Json(
        session_record(&state.db, &state.public_url, session_id).await?,
    ))
}

/// `text` safe inside Markdown: characters that would start formatting are escaped, and line
/// breaks stay line breaks.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if !out.is_empty() {
            out.push_str("  \n");
        }
        // A line starting "-", "+" or "12." would become a list.
        let digits = line.chars().take_while(char::is_ascii_digit).count();
        if line.starts_with(['-', '+']) {
            out.push('\\');
        }
        for (i, c) in line.chars().enumerate() {
            let starts_heading = i == 0 && c == '#';
            if "\\`*_[]<>|~!".contains(c)
                || starts_heading
                || (digits > 0 && i == digits && c == '.')
            {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// The record as Markdown, headings in the reader's language.
pub fn record_markdown(record: &SessionRecord, t: &Translator) -> String {
    use std::fmt::Write;
    let s = &record.session;
    let tz: Tz = record.event.time_zone.parse().unwrap_or(Tz::UTC);
    let mut out = String::new();
    let _ = writeln!(out, "# {} {}\n", md(&s.label), md(&s.title));
    let _ = writeln!(
        out,
        "- {}: {}",
        t.get("archive-event"),
        md(&record.event.name)
    );
    let _ = writeln!(
        out,
        "- {}: {} {} ({})",
        t.get("session-when"),
        t.day(&s.starts_at.with_timezone(&tz).date_naive()),
        // Without the isolation marks the pages use: Markdown is often read as plain text.
        crate::pages::view::span(s.starts_at, s.ends_at, &tz).replace(['\u{2066}', '\u{2069}'], ""),
        record.event.time_zone
    );
    if let Some(room) = &s.room_name {
        let _ = writeln!(out, "- {}: {}", t.get("col-room"), md(room));
    }
    let _ = writeln!(
        out,
        "- {}: <{}>\n",
        t.get("archive-record-link"),
        record.url
    );
    if !s.description.trim().is_empty() {
        let _ = writeln!(
            out,
            "## {}\n\n{}\n",
            t.get("session-description"),
            md(&s.description)
        );
    }
    if !s.policy_questions.is_empty() {
        let _ = writeln!(out, "## {}\n", t.get("session-policy-questions"));
        for (i, q) in s.policy_questions.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", i + 1, md(q));
        }
        out.push('\n');
    }
    if !s.roles.is_empty() {
        let _ = writeln!(out, "## {}\n", t.get("session-people"));
        for r in &s.roles {
            let mut line = format!("- {}: **{}**", t.term("role", r.role), md(&r.name));
            if !r.organization.is_empty() {
                let _ = write!(line, ", {}", md(&r.organization));
            }
            if let Some(g) = r.stakeholder_group {
                let _ = write!(line, " ({})", t.term("stakeholder", g));
            }
            let _ = writeln!(out, "{line}");
        }
        out.push('\n');
    }
    if let Some(r) = &record.report {
        let _ = writeln!(out, "## {}\n", t.get("archive-report"));
        if !r.summary.trim().is_empty() {
            let _ = writeln!(out, "{}\n", md(&r.summary));
        }
        for (key, value) in report_numbers(r) {
            let _ = writeln!(out, "- {}: {}", t.get(key), value);
        }
        if let Some(d) = r.gender_discussed {
            let _ = writeln!(
                out,
                "- {}: {}",
                t.get("archive-gender-discussed"),
                t.get(if d { "archive-yes" } else { "archive-no" })
            );
        }
        if !r.gender_note.trim().is_empty() {
            let _ = writeln!(
                out,
                "- {}: {}",
                t.get("archive-gender-note"),
                md(&r.gender_note)
            );
        }
        out.push('\n');
    }
    if !record.outcomes.is_empty() {
        let _ = writeln!(out, "## {}\n", t.get("archive-outcomes"));
        for o in &record.outcomes {
            let _ = writeln!(
                out,
                "- **{}:** {}",
                t.term("archive-kind", &o.kind),
                md(&o.text)
            );
            for i in &o.action_items {
                let _ = writeln!(
                    out,
                    "  - {} {}: {}",
                    t.term("archive-relation", &i.relation),
                    md(&i.code),
                    md(&i.text)
                );
            }
        }
        out.push('\n');
    }
    if !record.questions.is_empty() {
        let _ = writeln!(out, "## {}\n", t.get("archive-questions"));
        for q in &record.questions {
            let _ = writeln!(
                out,
                "- {} ({})",
                md(&q.text),
                t.arg("archive-votes", "count", q.votes)
            );
        }
        out.push('\n');
    }
    if let Some(tr) = &record.transcript {
        let _ = writeln!(out, "## {}\n", t.get("archive-transcript"));
        let _ = writeln!(out, "> {}\n", md(tr.disclaimer));
        for seg in &tr.segments {
            if seg.speaker.trim().is_empty() {
                let _ = writeln!(out, "{}\n", md(&seg.text));
            } else {
                let _ = writeln!(out, "**{}:** {}\n", md(&seg.speaker), md(&seg.text));
            }
        }
    }
    out
}

/// The report's counts that are known, with their catalog keys.
pub fn report_numbers(r: &RecordReport) -> Vec<(&'static str, i64)> {
    [
        ("archive-onsite", r.onsite_participants),
        ("archive-online", r.online_participants),
        ("archive-speakers", r.speakers),
        ("archive-women-speakers", r.women_speakers),
        ("archive-moderators", r.moderators),
        ("archive-women-moderators", r.women_moderators),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect()
}

fn file_response(body: String, content_type: &'static str, filename: &str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

async fn session_markdown(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(session_id): Path<i64>,
) -> Result<Response, AppError> {
    let record = session_record(&state.db, &state.public_url, session_id).await?;
    let t = Translator::new(Lang::from_headers(&headers));
    Ok(file_response(
        record_markdown(&record, &t),
        "text/markdown; charset=utf-8",
        &format!("session-{session_id}.md"),
    ))
}

// ---------------------------------------------------------------------------------------------
// The action plan with its evidence

/// The coalition a plan belongs to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanCoalition {
    pub coalition_id: i64,
    pub slug: String,
    pub name: String,
    pub acronym: String,
}

/// What an item's evidence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// A dated progress update of the item.
    Update,
    /// An outcome of a session or meeting linked to the item.
    Outcome,
    /// A transcript passage an outcome linked to the item came from.
    TranscriptPassage,
    /// A question an outcome linked to the item came from.
    Question,
}

impl EvidenceKind {
    fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Update => "update",
            EvidenceKind::Outcome => "outcome",
            EvidenceKind::TranscriptPassage => "transcript_passage",
            EvidenceKind::Question => "question",
        }
    }
}

/// One piece of evidence of an item's progress.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Evidence {
    pub kind: EvidenceKind,
    /// `YYYY-MM-DD` (UTC for sessions and meetings).
    pub date: String,
    /// For outcomes and what they came from: `advances`, `proposes`, `completes`, `evidence`.
    pub relation: Option<String>,
    /// For updates: the item's status and progress (0–100) from then on.
    pub status: Option<String>,
    pub progress: Option<i64>,
    /// The update's note, the outcome's, passage's or question's text.
    pub text: String,
    /// The session ("WS #403 Title") or meeting it came from.
    pub source: String,
    /// Where to read it: the evidence link of an update, or the record on this site.
    pub url: String,
}

/// An action item with its evidence, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanItem {
    pub action_item_id: i64,
    pub code: String,
    pub text: String,
    pub status: String,
    pub progress: i64,
    pub owner: String,
    pub due_on: Option<String>,
    pub url: String,
    pub evidence: Vec<Evidence>,
}

/// An action plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanOut {
    pub action_plan_id: i64,
    pub coalition: PlanCoalition,
    pub title: String,
    pub aim: String,
    pub period_label: String,
    pub starts_on: String,
    pub ends_on: String,
    pub objectives: Vec<String>,
    pub items: Vec<PlanItem>,
}

/// Every action plan with its items and their evidence.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanExport {
    pub generated_at: DateTime<Utc>,
    pub plans: Vec<PlanOut>,
}

/// Builds the plan export; links are absolute, on `public_url`.
pub async fn plan_export(db: &Db, public_url: &str) -> Result<PlanExport, AppError> {
    let mut plans = Vec::new();
    for p in sqlx::query(
        "select p.action_plan_id, p.title, p.aim, p.period_label, p.starts_on, p.ends_on, \
         c.coalition_id, c.slug, c.name, c.acronym from action_plan p \
         join coalition c on c.coalition_id = p.coalition_id order by p.starts_on, p.action_plan_id",
    )
    .fetch_all(&db.pool)
    .await?
    {
        let plan_id: i64 = p.try_get(0)?;
        let objectives: Vec<String> = sqlx::query_scalar(
            "select text from objective where action_plan_id = $1 order by position",
        )
        .bind(plan_id)
        .fetch_all(&db.pool)
        .await?;
        let mut items = Vec::new();
        for r in sqlx::query(
            "select action_item_id, code, text, status, progress, owner, due_on from action_item \
             where action_plan_id = $1 order by position",
        )
        .bind(plan_id)
        .fetch_all(&db.pool)
        .await?
        {
            let id: i64 = r.try_get(0)?;
            items.push(PlanItem {
                action_item_id: id,
                code: r.try_get(1)?,
                text: r.try_get(2)?,
                status: r.try_get(3)?,
                progress: r.try_get(4)?,
                owner: r.try_get(5)?,
                due_on: r.try_get(6)?,
                url: format!("{public_url}/plan/items/{id}"),
                evidence: Vec::new(),
            });
        }
        plans.push(PlanOut {
            action_plan_id: plan_id,
            title: p.try_get(1)?,
            aim: p.try_get(2)?,
            period_label: p.try_get(3)?,
            starts_on: p.try_get(4)?,
            ends_on: p.try_get(5)?,
            coalition: PlanCoalition {
                coalition_id: p.try_get(6)?,
                slug: p.try_get(7)?,
                name: p.try_get(8)?,
                acronym: p.try_get(9)?,
            },
            objectives,
            items,
        });
    }
    let mut evidence: HashMap<i64, Vec<Evidence>> = HashMap::new();
    for u in sqlx::query(
        "select action_item_id, on_date, status, progress, note, evidence_url \
         from action_item_update order by update_id",
    )
    .fetch_all(&db.pool)
    .await?
    {
        evidence.entry(u.try_get(0)?).or_default().push(Evidence {
            kind: EvidenceKind::Update,
            date: u.try_get(1)?,
            relation: None,
            status: Some(u.try_get(2)?),
            progress: Some(u.try_get(3)?),
            text: u.try_get(4)?,
            source: String::new(),
            url: u.try_get(5)?,
        });
    }
    outcome_evidence(db, public_url, &mut evidence).await?;
    for plan in &mut plans {
        for item in &mut plan.items {
            let mut found = evidence.remove(&item.action_item_id).unwrap_or_default();
            // Newest first, as the item's page lists them; the sort is stable, so evidence of
            // one day keeps its order (an outcome before the passages it came from).
            found.sort_by(|a, b| b.date.cmp(&a.date));
            item.evidence = found;
        }
    }
    Ok(PlanExport {
        generated_at: Utc::now(),
        plans,
    })
}

/// Public outcomes linked to items, with the passages and questions they came from.
async fn outcome_evidence(
    db: &Db,
    public_url: &str,
    evidence: &mut HashMap<i64, Vec<Evidence>>,
) -> Result<(), AppError> {
    let rows = sqlx::query(
        "select l.action_item_id, l.relation, o.outcome_id, o.text, o.session_id, \
                s.starts_at, s.title, s.number, t.label, s.status, r.status as report_status, \
                ms.title as series_title, ms.slug as series_slug, ms.time_zone as series_zone, \
                m.original_start, \
                (select count(*) from minutes mi where mi.meeting_id = o.meeting_id \
                   and mi.status in ('approved', 'locked')) as approved \
         from outcome_action_item l join outcome o on o.outcome_id = l.outcome_id \
         left join session s on s.session_id = o.session_id \
         left join session_type t on t.session_type_id = s.session_type_id \
         left join session_report r on r.session_id = o.session_id \
         left join meeting m on m.meeting_id = o.meeting_id \
         left join meeting_series ms on ms.series_id = m.series_id \
         order by l.action_item_id, o.outcome_id",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut transcripts: HashMap<i64, Option<PublicTranscript>> = HashMap::new();
    for r in rows {
        let item: i64 = r.try_get("action_item_id")?;
        let relation: String = r.try_get("relation")?;
        let outcome_id: i64 = r.try_get("outcome_id")?;
        let text: String = r.try_get("text")?;
        let session_id: Option<i64> = r.try_get("session_id")?;
        let found = evidence.entry(item).or_default();
        match session_id {
            Some(session_id) => {
                let status: Option<String> = r.try_get("status")?;
                let report: Option<String> = r.try_get("report_status")?;
                let public = report.as_deref() == Some("submitted")
                    && !matches!(status.as_deref(), Some("draft") | Some("cancelled"));
                if !public {
                    continue;
                }
                let label: String = r.try_get("label")?;
                let source = format!(
                    "{} {}",
                    session_label(&label, r.try_get("number")?),
                    r.try_get::<String, _>("title")?
                );
                let date = instant(r.try_get("starts_at")?)
                    .format("%Y-%m-%d")
                    .to_string();
                let record = format!("{public_url}/archive/sessions/{session_id}");
                found.push(Evidence {
                    kind: EvidenceKind::Outcome,
                    date: date.clone(),
                    relation: Some(relation.clone()),
                    status: None,
                    progress: None,
                    text,
                    source: source.clone(),
                    url: format!("{record}#outcome-{outcome_id}"),
                });
                if let std::collections::hash_map::Entry::Vacant(slot) =
                    transcripts.entry(session_id)
                {
                    slot.insert(transcripts::published(db, session_id).await?);
                }
                let segment_ids: Vec<i64> = sqlx::query_scalar(
                    "select segment_id from outcome_segment where outcome_id = $1 order by segment_id",
                )
                .bind(outcome_id)
                .fetch_all(&db.pool)
                .await?;
                if let Some(Some(t)) = transcripts.get(&session_id) {
                    for seg in t
                        .segments
                        .iter()
                        .filter(|s| segment_ids.contains(&s.segment_id))
                    {
                        found.push(Evidence {
                            kind: EvidenceKind::TranscriptPassage,
                            date: date.clone(),
                            relation: Some(relation.clone()),
                            status: None,
                            progress: None,
                            text: if seg.speaker.is_empty() {
                                seg.text.clone()
                            } else {
                                format!("{}: {}", seg.speaker, seg.text)
                            },
                            source: source.clone(),
                            url: format!("{record}#seg-{}", seg.segment_id),
                        });
                    }
                }
                for q in sqlx::query(
                    "select q.archived_question_id, q.text from outcome_question l \
                     join archived_question q on q.archived_question_id = l.archived_question_id \
                     where l.outcome_id = $1 order by q.archived_question_id",
                )
                .bind(outcome_id)
                .fetch_all(&db.pool)
                .await?
                {
                    let qid: i64 = q.try_get(0)?;
                    found.push(Evidence {
                        kind: EvidenceKind::Question,
                        date: date.clone(),
                        relation: Some(relation.clone()),
                        status: None,
                        progress: None,
                        text: q.try_get(1)?,
                        source: source.clone(),
                        url: format!("{record}#question-{qid}"),
                    });
                }
            }
            None => {
                let approved: i64 = r.try_get("approved")?;
                if approved == 0 {
                    continue;
                }
                let slug: Option<String> = r.try_get("series_slug")?;
                let zone: Option<String> = r.try_get("series_zone")?;
                let title: Option<String> = r.try_get("series_title")?;
                let start: Option<i64> = r.try_get("original_start")?;
                let date = match (&zone, start) {
                    (Some(zone), Some(start)) => crate::archive::search::meeting_day(zone, start)
                        .format("%Y-%m-%d")
                        .to_string(),
                    _ => String::new(),
                };
                found.push(Evidence {
                    kind: EvidenceKind::Outcome,
                    date: date.clone(),
                    relation: Some(relation),
                    status: None,
                    progress: None,
                    text,
                    source: format!("{} — {date}", title.unwrap_or_default()),
                    url: match (slug, zone, start) {
                        (Some(slug), Some(zone), Some(start)) => format!(
                            "{public_url}{}",
                            crate::archive::search::meeting_path(&slug, &zone, start)
                        ),
                        _ => format!("{public_url}/meetings"),
                    },
                });
            }
        }
    }
    Ok(())
}

#[utoipa::path(get, path = "/api/archive/plan", tag = "archive",
    responses((status = 200, body = PlanExport,
        description = "Every action plan, its items and each item's evidence (updates, outcomes, transcript passages, questions), newest first")))]
async fn get_plan_export(
    State(state): State<AppState>,
) -> Result<axum::Json<PlanExport>, AppError> {
    Ok(axum::Json(plan_export(&state.db, &state.public_url).await?))
}

/// A cell that a spreadsheet will not run as a formula: text starting with `=`, `+`, `-`, `@`,
/// a tab or a carriage return gets a leading `'` (OWASP's advice for CSV injection).
pub fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// The columns of the plan CSV.
pub const PLAN_CSV_HEADER: [&str; 16] = [
    "plan",
    "item_code",
    "item_text",
    "item_status",
    "item_progress",
    "item_owner",
    "item_due_on",
    "item_url",
    "evidence_kind",
    "evidence_date",
    "evidence_relation",
    "evidence_status",
    "evidence_progress",
    "evidence_text",
    "evidence_source",
    "evidence_url",
];

/// The plan as CSV (RFC 4180: CRLF line ends, quotes where needed), one row per item and piece
/// of evidence (an item without evidence gets one row with the evidence columns empty).
pub fn plan_csv_text(export: &PlanExport) -> Result<String, AppError> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let csv_error = |e: csv::Error| AppError::Internal(anyhow::anyhow!("writing CSV: {e}"));
    writer.write_record(PLAN_CSV_HEADER).map_err(csv_error)?;
    for plan in &export.plans {
        for item in &plan.items {
            let item_cells = [
                plan.title.clone(),
                item.code.clone(),
                item.text.clone(),
                item.status.clone(),
                item.progress.to_string(),
                item.owner.clone(),
                item.due_on.clone().unwrap_or_default(),
                item.url.clone(),
            ];
            let rows: Vec<[String; 8]> = if item.evidence.is_empty() {
                vec![Default::default()]
            } else {
                item.evidence
                    .iter()
                    .map(|e| {
                        [
                            e.kind.as_str().to_string(),
                            e.date.clone(),
                            e.relation.clone().unwrap_or_default(),
                            e.status.clone().unwrap_or_default(),
                            e.progress.map(|p| p.to_string()).unwrap_or_default(),
                            e.text.clone(),
                            e.source.clone(),
                            e.url.clone(),
                        ]
                    })
                    .collect()
            };
            for evidence in rows {
                let record: Vec<String> = item_cells
                    .iter()
                    .chain(evidence.iter())
                    .map(|c| neutralise(c))
                    .collect();
                writer.write_record(&record).map_err(csv_error)?;
            }
        }
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(e.into()))
}

async fn plan_csv(State(state): State<AppState>) -> Result<Response, AppError> {
    let export = plan_export(&state.db, &state.public_url).await?;
    Ok(file_response(
        plan_csv_text(&export)?,
        "text/csv; charset=utf-8; header=present",
        "action-plan.csv",
    ))
}

// ---------------------------------------------------------------------------------------------
// The schedule in the frab/c3voc JSON

/// A name-based UUID (RFC 9562 version 8, from SHA-256) for `name`: the same session always
/// gets the same guid, so conference tools recognise it across exports.
pub fn stable_uuid(name: &str) -> String {
    let hash = Sha256::digest(name.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&hash[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Lowercase ASCII letters and digits joined by `-`, at most `max` characters.
fn slugify(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in text.nfkd_ascii() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= max {
            break;
        }
    }
    out.trim_end_matches('-').to_string()
}

/// ASCII letters of a text with their accents removed ("Lillestrøm" reads "Lillestrm").
trait NfkdAscii {
    fn nfkd_ascii(&self) -> Vec<char>;
}

impl NfkdAscii for str {
    fn nfkd_ascii(&self) -> Vec<char> {
        use unicode_normalization::UnicodeNormalization;
        self.nfkd().filter(char::is_ascii).collect()
    }
}

/// The conference acronym the c3voc schema accepts (lowercase letters, digits and `_`, at
/// least four characters): the event's slug with `-` as `_`.
fn acronym(slug: &str) -> String {
    let mut a: String = slug
        .chars()
        .map(|c| {
            if c == '-' {
                '_'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    while a.len() < 4 {
        a.push('_');
    }
    a
}

fn hh_mm(minutes: i64) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// An event's programme in the frab/c3voc schedule JSON (the format described by the c3voc
/// schema at https://c3voc.de/schedule/schema.json): conference, rooms, and per day the
/// sessions of each room. Drafts and cancelled sessions are left out.
pub fn frab_schedule(event: &Event, sessions: &[Session], public_url: &str) -> Value {
    let tz = event.tz();
    let acronym = acronym(&event.slug);
    let sessions: Vec<&Session> = sessions
        .iter()
        .filter(|s| !matches!(s.status, SessionStatus::Draft | SessionStatus::Cancelled))
        .collect();
    let no_room = "Online".to_string();
    let room_of = |s: &Session| s.room_name.clone().unwrap_or_else(|| no_room.clone());
    let mut room_names: Vec<String> = sessions.iter().map(|s| room_of(s)).collect();
    room_names.sort();
    room_names.dedup();
    let rooms: Vec<Value> = room_names
        .iter()
        .map(|name| {
            json!({
                "name": name,
                "guid": stable_uuid(&format!("{public_url}/rooms/{}/{name}", event.slug)),
            })
        })
        .collect();
    let mut tracks: Vec<&str> = sessions
        .iter()
        .map(|s| s.track.as_str())
        .filter(|t| !t.is_empty())
        .collect();
    tracks.sort();
    tracks.dedup();
    let days = event.days();
    let local_midnight = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| tz.from_local_datetime(&t).earliest())
    };
    let mut day_values = Vec::new();
    for (i, day) in days.iter().enumerate() {
        let mut by_room: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for s in sessions
            .iter()
            .filter(|s| s.starts_at.with_timezone(&tz).date_naive() == *day)
        {
            let start = s.starts_at.with_timezone(&tz);
            let minutes = (s.ends_at - s.starts_at).num_minutes().max(0);
            let mut description = s.description.clone();
            if !s.policy_questions.is_empty() {
                if !description.is_empty() {
                    description.push_str("\n\n");
                }
                description.push_str(&s.policy_questions.join("\n"));
            }
            let mut persons: Vec<Value> = Vec::new();
            for r in &s.roles {
                if persons
                    .iter()
                    .any(|p| p["id"].as_i64() == Some(r.person_id))
                {
                    continue;
                }
                persons.push(json!({
                    "id": r.person_id,
                    "guid": stable_uuid(&format!("{public_url}/people/{}", r.person_id)),
                    "name": r.name,
                }));
            }
            let title_slug = slugify(&s.title, 40);
            let slug = if title_slug.is_empty() {
                format!("{}-{}", acronym.replace('_', "-"), s.session_id)
            } else {
                format!(
                    "{}-{}-{title_slug}",
                    acronym.replace('_', "-"),
                    s.session_id
                )
            };
            by_room.entry(room_of(s)).or_default().push(json!({
                "guid": stable_uuid(&format!("{public_url}/sessions/{}", s.session_id)),
                "id": s.session_id,
                "date": start.to_rfc3339(),
                "start": start.format("%H:%M").to_string(),
                "duration": hh_mm(minutes),
                "room": room_of(s),
                "slug": slug,
                "url": format!("{public_url}/sessions/{}", s.session_id),
                "title": s.title,
                "subtitle": s.label,
                "track": if s.track.is_empty() { Value::Null } else { json!(s.track) },
                "type": s.type_name,
                "language": "en",
                "abstract": s.description,
                "description": description,
                "persons": persons,
                "links": [{
                    "url": format!("{public_url}/archive/sessions/{}", s.session_id),
                    "title": "Session record",
                }],
            }));
        }
        let starts = local_midnight(*day);
        let ends = day
            .succ_opt()
            .and_then(local_midnight)
            .map(|t| t - Duration::seconds(1));
        day_values.push(json!({
            "index": i + 1,
            "date": day.to_string(),
            "day_start": starts.map(|t| t.to_rfc3339()),
            "day_end": ends.map(|t| t.to_rfc3339()),
            "rooms": by_room,
        }));
    }
    let version = sessions
        .iter()
        .map(|s| s.updated_at)
        .max()
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| "0".into());
    let mut conference = json!({
        "acronym": acronym,
        "title": event.name,
        "start": event.starts_on.to_string(),
        "end": event.ends_on.to_string(),
        "daysCount": days.len(),
        "timeslot_duration": "00:15",
        "time_zone_name": event.time_zone,
        "url": format!("{public_url}/events/{}", event.slug),
        "rooms": rooms,
        "tracks": tracks.iter().map(|t| json!({"name": t})).collect::<Vec<_>>(),
        "days": day_values,
    });
    if !event.description.is_empty() {
        conference["description"] = json!(event.description);
    }
    json!({
        "$schema": "https://c3voc.de/schedule/schema.json",
        "generator": {"name": "plenary", "version": env!("CARGO_PKG_VERSION")},
        "schedule": {
            "version": version,
            "base_url": format!("{public_url}/"),
            "conference": conference,
        }
    })
}

async fn event_schedule(
    State(state): State<AppState>,
    Path(event_id): Path<i64>,
) -> Result<Response, AppError> {
    let event = programme::event_by_id(&state.db, event_id).await?;
    let sessions = programme::list_sessions(
        &state.db,
        &SessionFilter {
            event_id: Some(event_id),
            ..Default::default()
        },
    )
    .await?;
    let body = serde_json::to_string_pretty(&frab_schedule(&event, &sessions, &state.public_url))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(file_response(
        body,
        "application/json",
        &format!("{}-schedule.json", event.slug),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_start_a_formula_are_neutralised() {
        assert_eq!(neutralise("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        for c in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(c).starts_with('\''), "{c:?}");
        }
        assert_eq!(neutralise("Child safety"), "Child safety");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn guids_are_stable_uuids() {
        let a = stable_uuid("https://example.org/sessions/1");
        assert_eq!(a, stable_uuid("https://example.org/sessions/1"));
        assert_ne!(a, stable_uuid("https://example.org/sessions/2"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8");
    }

    #[test]
    fn acronyms_and_slugs_fit_the_c3voc_patterns() {
        assert_eq!(acronym("igf-2025"), "igf_2025");
        assert_eq!(acronym("ab"), "ab__");
        assert_eq!(
            slugify("Children’s rights: online & offline!", 40),
            "childrens-rights-online-offline"
        );
        assert_eq!(slugify("Sécurité", 40), "securite");
    }

    #[test]
    fn markdown_special_characters_are_escaped() {
        assert_eq!(md("*bold* [x](y) <b>"), "\\*bold\\* \\[x\\](y) \\<b\\>");
        assert_eq!(md("a\nb"), "a  \nb");
        assert_eq!(md("# WS #1"), "\\# WS #1");
        assert_eq!(md("- x\n12. y"), "\\- x  \n12\\. y");
    }
}
