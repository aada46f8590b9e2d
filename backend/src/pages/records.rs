//! Staff pages for a session's record: the rapporteur's page (the report form, the outcomes with
//! their links, the answered questions to archive and the unanswered ones to carry forward) and
//! the list of missing reports. Plain forms that post and come back (no script needed); every
//! write goes through `archive::{reports, outcomes, questions}`, the same functions as the API.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::Row;

use super::{Ctx, FormState, PageError, render, render_status};
use crate::archive::outcomes::{
    self, ItemLink, Outcome, OutcomeInput, OutcomeKind, OutcomeUpdate, Owner, Relation,
};
use crate::archive::questions::{self, ArchivedQuestion, CarryInput};
use crate::archive::reports::{self, MissingReport, Report, ReportInput, ReportStatus};
use crate::archive::{ScribeRole, may_keep_record};
use crate::auth::Staff;
use crate::http::AppState;
use crate::http::error::{AppError, FieldError};
use crate::programme::Session;

/// This module's pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/records/missing", get(missing_page))
        .route("/records/sessions/{session_id}", get(record_page))
        .route("/records/sessions/{session_id}/report", post(post_report))
        .route(
            "/records/sessions/{session_id}/report/reopen",
            post(post_reopen),
        )
        .route(
            "/records/sessions/{session_id}/outcomes",
            post(post_new_outcome),
        )
        .route(
            "/records/sessions/{session_id}/outcomes/{outcome_id}",
            post(post_edit_outcome),
        )
        .route(
            "/records/sessions/{session_id}/outcomes/{outcome_id}/delete",
            post(post_delete_outcome),
        )
        .route(
            "/records/sessions/{session_id}/outcomes/{outcome_id}/move",
            post(post_move_outcome),
        )
        .route(
            "/records/sessions/{session_id}/outcomes/{outcome_id}/links",
            post(post_link),
        )
        .route(
            "/records/sessions/{session_id}/questions/archive",
            post(post_archive),
        )
        .route(
            "/records/sessions/{session_id}/questions/{question_id}/carry",
            post(post_carry),
        )
}

type Pairs = Form<Vec<(String, String)>>;

/// A value and its label, for `<select>`s.
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// A message shown after an action.
pub struct Notice {
    pub ok: bool,
    pub text: String,
}

fn when(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// At most `n` characters of `s`, with an ellipsis when cut.
fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

fn signed_in(ctx: &Ctx, next: &str) -> Result<Staff, PageError> {
    ctx.staff.clone().ok_or_else(|| PageError::Login {
        next: next.to_string(),
    })
}

/// The session, and the staff member if they keep its record (404 before 403).
async fn keeper(
    state: &AppState,
    ctx: &Ctx,
    session_id: i64,
) -> Result<(Staff, Session), PageError> {
    let staff = signed_in(ctx, &format!("/records/sessions/{session_id}"))?;
    let session = crate::programme::session_by_id(&state.db, session_id).await?;
    if !may_keep_record(&state.db, &staff, session_id, ScribeRole::Rapporteur).await? {
        return Err(AppError::Forbidden.into());
    }
    Ok((staff, session))
}

fn back(session_id: i64, done: &str, anchor: &str) -> Response {
    Redirect::to(&format!(
        "/records/sessions/{session_id}?done={done}#{anchor}"
    ))
    .into_response()
}

// ---------------------------------------------------------------------------------------------
// The record page

/// A linked transcript line or question as the page lists it.
struct Cited {
    id: i64,
    label: String,
}

/// An outcome with what the page shows next to it.
struct OutcomeRow {
    o: Outcome,
    kind_label: String,
    items: Vec<(String, String)>,
    segments: Vec<Cited>,
    questions: Vec<Cited>,
    first: bool,
    last: bool,
}

/// An unanswered question with where it has been carried.
struct OpenRow {
    question_id: i64,
    text: String,
    votes: i64,
    carried: Vec<String>,
}

#[derive(Template)]
#[template(path = "record_session.html")]
struct RecordPage {
    ctx: Ctx,
    session_id: i64,
    label: String,
    title: String,
    report: Report,
    status_label: String,
    due: String,
    submitted_at: String,
    gender_discussed: String,
    form: FormState,
    notice: Option<Notice>,
    outcomes: Vec<OutcomeRow>,
    session_kinds: Vec<Choice>,
    relations: Vec<Choice>,
    items: Vec<Choice>,
    segments: Vec<Choice>,
    archived: Vec<ArchivedQuestion>,
    archivable: Vec<Choice>,
    to_archive: i64,
    open: Vec<OpenRow>,
    series: Vec<Choice>,
}

impl RecordPage {
    fn writable(&self) -> bool {
        self.report.status != ReportStatus::Submitted
    }

    fn submitted(&self) -> bool {
        self.report.status == ReportStatus::Submitted
    }

    fn count(&self, n: &Option<i64>) -> String {
        n.map(|n| n.to_string()).unwrap_or_else(|| "–".into())
    }

    /// The value of the per-item field `{prefix}-{id}`.
    fn value_of(&self, prefix: &str, id: &i64) -> String {
        self.form.value(&format!("{prefix}-{id}")).to_string()
    }

    /// The problem with the per-item field `{prefix}-{id}`, if any.
    fn error_of(&self, prefix: &str, id: &i64) -> Option<String> {
        self.form.error(&format!("{prefix}-{id}"))
    }
}

fn report_values(form: &mut FormState, r: &Report) {
    let n = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    form.set("summary", r.summary.clone());
    form.set("onsite_participants", n(r.onsite_participants));
    form.set("online_participants", n(r.online_participants));
    form.set("speakers", n(r.speakers));
    form.set("women_speakers", n(r.women_speakers));
    form.set("moderators", n(r.moderators));
    form.set("women_moderators", n(r.women_moderators));
    form.set(
        "gender_discussed",
        match r.gender_discussed {
            Some(true) => "yes",
            Some(false) => "no",
            None => "",
        },
    );
    form.set("gender_note", r.gender_note.clone());
}

/// Builds the page: stored values first, then what was just submitted (with its problems).
async fn record(
    state: &AppState,
    ctx: Ctx,
    session: &Session,
    submitted: Option<Overlay>,
    notice: Option<Notice>,
) -> Result<RecordPage, PageError> {
    let db = &state.db;
    let t = ctx.t;
    let session_id = session.session_id;
    let report = reports::report(db, session_id).await?;
    let all = outcomes::for_session(db, session_id).await?;
    let archived_all = archived_of(state, session_id).await?;
    let mut form = FormState::default();
    report_values(&mut form, &report);
    for o in &all {
        form.set(&format!("text-{}", o.outcome_id), o.text.clone());
        form.set(&format!("kind-{}", o.outcome_id), o.kind.as_str());
    }
    form.set("new-kind", OutcomeKind::KeyTakeaway.as_str());
    if let Some(sub) = submitted {
        for (k, v) in sub.pairs {
            form.set(&k, v);
        }
        for e in sub.errors {
            form.error_on(&e.field, e.message);
        }
    }

    let segment_rows = sqlx::query(
        "select g.segment_id, g.position, g.speaker, g.text from transcript_segment g \
         join transcript t on t.transcript_id = g.transcript_id where t.session_id = $1 \
         order by g.position limit 1000",
    )
    .bind(session_id)
    .fetch_all(&db.pool)
    .await
    .map_err(AppError::from)?;
    let mut segments = Vec::new();
    for r in &segment_rows {
        let id: i64 = r.try_get(0).map_err(AppError::from)?;
        let position: i64 = r.try_get(1).map_err(AppError::from)?;
        let speaker: String = r.try_get(2).map_err(AppError::from)?;
        let text: String = r.try_get(3).map_err(AppError::from)?;
        segments.push(Choice {
            value: id.to_string(),
            label: format!("#{position} {speaker}: {}", short(&text, 70)),
        });
    }
    let item_rows = sqlx::query(
        "select a.action_item_id, a.code, a.text from action_item a \
         join action_plan p on p.action_plan_id = a.action_plan_id \
         order by p.starts_on desc, a.position",
    )
    .fetch_all(&db.pool)
    .await
    .map_err(AppError::from)?;
    let mut items = Vec::new();
    for r in &item_rows {
        let id: i64 = r.try_get(0).map_err(AppError::from)?;
        let code: String = r.try_get(1).map_err(AppError::from)?;
        let text: String = r.try_get(2).map_err(AppError::from)?;
        items.push(Choice {
            value: id.to_string(),
            label: format!("{code} {}", short(&text, 70)),
        });
    }
    let seg_label = |id: i64| {
        segments
            .iter()
            .find(|c| c.value == id.to_string())
            .map(|c| c.label.clone())
            .unwrap_or_else(|| format!("#{id}"))
    };
    let q_label = |id: i64| {
        archived_all
            .iter()
            .find(|q| q.archived_question_id == id)
            .map(|q| short(&q.text, 90))
            .unwrap_or_else(|| format!("#{id}"))
    };
    let n = all.len();
    let rows: Vec<OutcomeRow> = all
        .into_iter()
        .enumerate()
        .map(|(i, o)| OutcomeRow {
            kind_label: t.term("rec-kind", o.kind.as_str()),
            items: o
                .action_items
                .iter()
                .map(|l| {
                    (
                        l.action_item_id.to_string(),
                        format!(
                            "{} ({}) {}",
                            l.code,
                            t.term("rec-relation", l.relation.as_str()),
                            short(&l.text, 80)
                        ),
                    )
                })
                .collect(),
            segments: o
                .segment_ids
                .iter()
                .map(|id| Cited {
                    id: *id,
                    label: seg_label(*id),
                })
                .collect(),
            questions: o
                .archived_question_ids
                .iter()
                .map(|id| Cited {
                    id: *id,
                    label: q_label(*id),
                })
                .collect(),
            first: i == 0,
            last: i + 1 == n,
            o,
        })
        .collect();

    let carried = carried_lines(state, &ctx, session_id).await?;
    let open: Vec<OpenRow> = questions::open_questions(db, session_id)
        .await?
        .into_iter()
        .map(|q| OpenRow {
            carried: carried
                .iter()
                .filter(|(id, _)| *id == q.question_id)
                .map(|(_, line)| line.clone())
                .collect(),
            question_id: q.question_id,
            text: q.text,
            votes: q.votes,
        })
        .collect();
    let mut series = Vec::new();
    for s in crate::meetings::list_series(db).await? {
        if let Some(next) = questions::next_occurrence(db, &s).await? {
            series.push(Choice {
                label: t.arg2(
                    "rec-carry-series-option",
                    "series",
                    &s.title,
                    "when",
                    when(&next.starts_at),
                ),
                value: s.slug,
            });
        }
    }
    let archivable = archived_all
        .iter()
        .map(|q| Choice {
            value: q.archived_question_id.to_string(),
            label: short(&q.text, 90),
        })
        .collect();
    Ok(RecordPage {
        session_id,
        label: session.label.clone(),
        title: session.title.clone(),
        status_label: t.term("rec-status", report.status.as_str()),
        due: when(&report.due_at),
        submitted_at: report.submitted_at.as_ref().map(when).unwrap_or_default(),
        gender_discussed: match report.gender_discussed {
            Some(true) => t.get("rec-yes"),
            Some(false) => t.get("rec-no"),
            None => "–".into(),
        },
        report,
        form,
        notice,
        outcomes: rows,
        session_kinds: OutcomeKind::ALL
            .iter()
            .filter(|k| k.fits_session())
            .map(|k| Choice {
                value: k.as_str().into(),
                label: t.term("rec-kind", k.as_str()),
            })
            .collect(),
        relations: Relation::ALL
            .iter()
            .map(|r| Choice {
                value: r.as_str().into(),
                label: t.term("rec-relation", r.as_str()),
            })
            .collect(),
        items,
        segments,
        archived: archived_all,
        archivable,
        to_archive: questions::answered_not_archived(db, session_id).await?,
        open,
        series,
        ctx,
    })
}

/// Every archived question of the session, answered or carried (the staff view).
async fn archived_of(state: &AppState, session_id: i64) -> Result<Vec<ArchivedQuestion>, AppError> {
    let mut all = questions::answered_for_session(&state.db, session_id).await?;
    let carried = questions::carried_from_session(&state.db, session_id).await?;
    for c in carried {
        if !all
            .iter()
            .any(|q| q.archived_question_id == c.archived_question_id)
        {
            all.push(ArchivedQuestion {
                archived_question_id: c.archived_question_id,
                session_id,
                text: c.text,
                votes: c.votes,
                status: "unanswered".into(),
                asked_at: c.asked_at,
                archived_at: c.created_at,
            });
        }
    }
    Ok(all)
}

/// What was just submitted, laid over the stored values, with its problems.
struct Overlay {
    pairs: Vec<(String, String)>,
    errors: Vec<FieldError>,
}

/// Where each of the session's live questions has been carried, as lines for the page.
async fn carried_lines(
    state: &AppState,
    ctx: &Ctx,
    session_id: i64,
) -> Result<Vec<(i64, String)>, AppError> {
    let rows = sqlx::query(
        "select a.question_id, ms.title, m.original_start, ai.code, ai.text \
         from carried_question c join archived_question a on a.archived_question_id = c.archived_question_id \
         left join meeting m on m.meeting_id = c.meeting_id \
         left join meeting_series ms on ms.series_id = m.series_id \
         left join action_item ai on ai.action_item_id = c.action_item_id \
         where a.session_id = $1 order by c.created_at, c.carried_question_id",
    )
    .bind(session_id)
    .fetch_all(&state.db.pool)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let question_id: i64 = r.try_get(0)?;
        let series: Option<String> = r.try_get(1)?;
        let start: Option<i64> = r.try_get(2)?;
        let code: Option<String> = r.try_get(3)?;
        let text: Option<String> = r.try_get(4)?;
        let line = match (series, start, code) {
            (Some(series), Some(start), _) => ctx.t.arg2(
                "rec-carried-to-meeting",
                "series",
                series,
                "when",
                when(&crate::programme::instant(start)),
            ),
            (_, _, Some(code)) => ctx.t.arg(
                "rec-carried-to-item",
                "item",
                format!("{code} {}", short(&text.unwrap_or_default(), 60)),
            ),
            _ => continue,
        };
        out.push((question_id, line));
    }
    Ok(out)
}

async fn record_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(session_id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let (_, session) = keeper(&state, &ctx, session_id).await?;
    let notice = q.done.as_deref().and_then(|d| done_notice(&ctx, d));
    render(&record(&state, ctx, &session, None, notice).await?)
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

const DONE: &[&str] = &[
    "saved",
    "submitted",
    "reopened",
    "added",
    "edited",
    "deleted",
    "moved",
    "linked",
    "unlinked",
    "archived",
    "carried",
];

fn done_notice(ctx: &Ctx, done: &str) -> Option<Notice> {
    DONE.contains(&done).then(|| Notice {
        ok: true,
        text: ctx.t.term("rec-done", done),
    })
}

/// Shows the page again with the problems next to their fields (422), or the conflict (409).
async fn again(
    state: &AppState,
    ctx: Ctx,
    session: &Session,
    pairs: Vec<(String, String)>,
    error: AppError,
    rename: impl Fn(&str) -> String,
) -> Result<Response, PageError> {
    let mut errors = Vec::new();
    let (status, notice) = match error {
        AppError::Validation(fields) => {
            for f in fields {
                errors.push(FieldError::new(rename(&f.field), f.message));
            }
            (StatusCode::UNPROCESSABLE_ENTITY, None)
        }
        AppError::Conflict(message) => (
            StatusCode::CONFLICT,
            Some(Notice {
                ok: false,
                text: message,
            }),
        ),
        other => return Err(other.into()),
    };
    let overlay = Overlay { pairs, errors };
    render_status(
        status,
        &record(state, ctx, session, Some(overlay), notice).await?,
    )
}

// ---------------------------------------------------------------------------------------------
// Report

fn parse_count(form: &FormState, field: &str, problems: &mut Vec<FieldError>) -> Option<i64> {
    let raw = form.value(field).trim();
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            problems.push(FieldError::new(field, "must be a whole number"));
            None
        }
    }
}

async fn post_report(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(session_id): Path<i64>,
    Form(pairs): Pairs,
) -> Result<Response, PageError> {
    let (staff, session) = keeper(&state, &ctx, session_id).await?;
    let form = FormState::from_pairs(&pairs);
    let mut problems = Vec::new();
    let input = ReportInput {
        summary: form.value("summary").to_string(),
        onsite_participants: parse_count(&form, "onsite_participants", &mut problems),
        online_participants: parse_count(&form, "online_participants", &mut problems),
        speakers: parse_count(&form, "speakers", &mut problems),
        women_speakers: parse_count(&form, "women_speakers", &mut problems),
        moderators: parse_count(&form, "moderators", &mut problems),
        women_moderators: parse_count(&form, "women_moderators", &mut problems),
        gender_discussed: match form.value("gender_discussed") {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        gender_note: form.value("gender_note").to_string(),
    };
    let keep = |f: &str| f.to_string();
    // Show every problem at once: the numbers that are not numbers, and the rest.
    if let Err(AppError::Validation(more)) = reports::check(&input) {
        problems.extend(more);
    }
    if !problems.is_empty() {
        return again(
            &state,
            ctx,
            &session,
            pairs,
            AppError::Validation(problems),
            keep,
        )
        .await;
    }
    if let Err(e) = reports::save(&state.db, &staff, session_id, &input).await {
        return again(&state, ctx, &session, pairs, e, keep).await;
    }
    if form.value("action") == "submit" {
        if let Err(e) = reports::submit(&state.db, &staff, session_id).await {
            return again(&state, ctx, &session, pairs, e, keep).await;
        }
        return Ok(back(session_id, "submitted", "report"));
    }
    Ok(back(session_id, "saved", "report"))
}

async fn post_reopen(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(session_id): Path<i64>,
) -> Result<Response, PageError> {
    let (staff, session) = keeper(&state, &ctx, session_id).await?;
    if let Err(e) = reports::reopen(&state.db, &staff, session_id).await {
        return again(&state, ctx, &session, Vec::new(), e, |f| f.into()).await;
    }
    Ok(back(session_id, "reopened", "report"))
}

// ---------------------------------------------------------------------------------------------
// Outcomes

/// The outcome, when it belongs to this session (else 404).
async fn session_outcome(
    state: &AppState,
    session_id: i64,
    outcome_id: i64,
) -> Result<Outcome, PageError> {
    let o = outcomes::by_id(&state.db, outcome_id).await?;
    if o.session_id != Some(session_id) {
        return Err(AppError::NotFound.into());
    }
    Ok(o)
}

fn parse_id(form: &FormState, field: &str) -> Option<i64> {
    form.value(field).trim().parse().ok()
}

async fn post_new_outcome(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(session_id): Path<i64>,
    Form(pairs): Pairs,
) -> Result<Response, PageError> {
    let (staff, session) = keeper(&state, &ctx, session_id).await?;
    let form = FormState::from_pairs(&pairs);
    let rename = |f: &str| match f {
        "kind" => "new-kind".to_string(),
        "text" => "new-text".to_string(),
        other if other.starts_with("action_items") => "new-item".to_string(),
        other => other.to_string(),
    };
    let Ok(kind) = OutcomeKind::parse(form.value("new-kind")) else {
        let e = AppError::field("kind", "choose a kind");
        return again(&state, ctx, &session, pairs, e, rename).await;
    };
    let mut action_items = Vec::new();
    if let Some(action_item_id) = parse_id(&form, "new-item") {
        let relation = Relation::parse(form.value("new-relation")).unwrap_or(Relation::Advances);
        action_items.push(ItemLink {
            action_item_id,
            relation,
        });
    }
    let input = OutcomeInput {
        kind,
        text: form.value("new-text").to_string(),
        action_items,
        segment_ids: Vec::new(),
        archived_question_ids: Vec::new(),
    };
    match outcomes::create(&state.db, &staff, Owner::Session(session_id), &input).await {
        Ok(_) => Ok(back(session_id, "added", "outcomes")),
        Err(e) => again(&state, ctx, &session, pairs, e, rename).await,
    }
}

async fn post_edit_outcome(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((session_id, outcome_id)): Path<(i64, i64)>,
    Form(pairs): Pairs,
) -> Result<Response, PageError> {
    let (staff, session) = keeper(&state, &ctx, session_id).await?;
    session_outcome(&state, session_id, outcome_id).await?;
    let form = FormState::from_pairs(&pairs);
    let kind_field = format!("kind-{outcome_id}");
    let text_field = format!("text-{outcome_id}");
    let rename = |f: &str| match f {
        "kind" => kind_field.clone(),
        "text" => text_field.clone(),
        other => other.to_string(),
    };
    let kind = match OutcomeKind::parse(form.value(&kind_field)) {
        Ok(k) => k,
        Err(e) => {
            return again(
                &state,
                ctx,
                &session,
                pairs,
                AppError::field("kind", e),
                rename,
            )
            .await;
        }
    };
    let change = OutcomeUpdate {
        kind: Some(kind),
        text: Some(form.value(&text_field).to_string()),
        ..Default::default()
    };
    match outcomes::update(&state.db, &staff, outcome_id, &change).await {
        Ok(_) => Ok(back(session_id, "edited", &format!("outcome-{outcome_id}"))),
        Err(e) => again(&state, ctx, &session, pairs, e, rename).await,
    }
}

async fn post_delete_outcome(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((session_id, outcome_id)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let (staff, session) = keeper(&state, &ctx, session_id).await?;
    session_outcome(&state, session_id, outcome_id).await?;
    match outcomes::delete(&state.db, &staff, outcome_id).await {
        Ok(()) => Ok(back(session_id, "deleted", "outcomes")),
        Err(e) => again(&state, ctx, &session, Vec::new(), e, |f| f.into()).await,
    }
}

#[derive(Deserialize)]
struct MoveForm {
    direction: String,
}

async fn post_move_outcome(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((session_id, outcome_id)): Path<(i64, i64)>,
    Form(form): Form<MoveForm>,
) -> Result<Response, PageError> {
    let (staff, session) = keeper(&state, &ctx, session_id).await?;
    session_outcome(&state, session_id, outcome_id).await?;
    let up = form.direction == "up";
    match outcomes::move_one(&state.db, &staff, outcome_id, up).await {
        Ok(()) => Ok(back(session_id, "moved", &format!("outcome-{outcome_id}"))),
        Err(e) => again(&state, ctx, &session, Vec::new(), e, |f| f.into()).await,
    }
}

async fn post_link(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((session_id, outcome_id)): Path<(i64, i64)>,
    Form(pairs): Pairs,
) -> Result<Response, PageError> {
    let (staff, session) = keeper(&state, &ctx, session_id).await?;
    let o = session_outcome(&state, session_id, outcome_id).await?;
    let form = FormState::from_pairs(&pairs);
    let what = form.value("what").to_string();
    let field = format!("{what}-{outcome_id}");
    let rename = |_: &str| field.clone();
    let add = form.value("op") != "remove";
    let Some(target) = parse_id(&form, "target") else {
        let e = AppError::field("target", "choose what to link");
        return again(&state, ctx, &session, pairs, e, rename).await;
    };
    let mut change = OutcomeUpdate::default();
    match what.as_str() {
        "item" => {
            let mut links: Vec<ItemLink> = o
                .action_items
                .iter()
                .map(|l| ItemLink {
                    action_item_id: l.action_item_id,
                    relation: l.relation,
                })
                .filter(|l| l.action_item_id != target)
                .collect();
            if add {
                let relation =
                    Relation::parse(form.value("relation")).unwrap_or(Relation::Advances);
                links.push(ItemLink {
                    action_item_id: target,
                    relation,
                });
            }
            change.action_items = Some(links);
        }
        "segment" | "question" => {
            let current = if what == "segment" {
                &o.segment_ids
            } else {
                &o.archived_question_ids
            };
            let mut ids: Vec<i64> = current.iter().copied().filter(|i| *i != target).collect();
            if add {
                ids.push(target);
            }
            if what == "segment" {
                change.segment_ids = Some(ids);
            } else {
                change.archived_question_ids = Some(ids);
            }
        }
        _ => return Err(AppError::BadRequest("unknown kind of link".into()).into()),
    }
    match outcomes::update(&state.db, &staff, outcome_id, &change).await {
        Ok(_) => Ok(back(
            session_id,
            if add { "linked" } else { "unlinked" },
            &format!("outcome-{outcome_id}"),
        )),
        Err(e) => again(&state, ctx, &session, pairs, e, rename).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Questions

async fn post_archive(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(session_id): Path<i64>,
) -> Result<Response, PageError> {
    let (staff, _) = keeper(&state, &ctx, session_id).await?;
    questions::archive_answered(&state.db, &staff, session_id).await?;
    Ok(back(session_id, "archived", "questions"))
}

async fn post_carry(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((session_id, question_id)): Path<(i64, i64)>,
    Form(pairs): Pairs,
) -> Result<Response, PageError> {
    let (staff, session) = keeper(&state, &ctx, session_id).await?;
    let form = FormState::from_pairs(&pairs);
    let to = form.value("to").to_string();
    let field = format!("carry-{to}-{question_id}");
    let rename = |_: &str| field.clone();
    let input = if to == "item" {
        CarryInput {
            action_item_id: Some(parse_id(&form, "action_item_id").unwrap_or(0)),
            note: form.value("note").to_string(),
            ..Default::default()
        }
    } else {
        CarryInput {
            series: Some(form.value("series").to_string()),
            note: form.value("note").to_string(),
            ..Default::default()
        }
    };
    match questions::carry(&state.db, &staff, session_id, question_id, &input).await {
        Ok(_) => Ok(back(session_id, "carried", "questions")),
        Err(e) => again(&state, ctx, &session, pairs, e, rename).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Missing reports

/// A missing report as the page lists it.
struct MissingRow {
    m: MissingReport,
    due: String,
    status_label: String,
    rapporteurs: String,
}

#[derive(Template)]
#[template(path = "record_missing.html")]
struct MissingPage {
    ctx: Ctx,
    rows: Vec<MissingRow>,
    overdue: usize,
}

async fn missing_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    signed_in(&ctx, "/records/missing")?;
    let t = ctx.t;
    let list = reports::missing(&state.db, None).await?;
    let overdue = list.iter().filter(|m| m.overdue).count();
    let rows = list
        .into_iter()
        .map(|m| MissingRow {
            due: when(&m.due_at),
            status_label: t.term("rec-status", m.status.as_str()),
            rapporteurs: if m.rapporteurs.is_empty() {
                t.get("rec-missing-no-rapporteur")
            } else {
                m.rapporteurs.join(", ")
            },
            m,
        })
        .collect();
    render(&MissingPage { ctx, rows, overdue })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_cut_on_characters() {
        assert_eq!(short("abc", 5), "abc");
        assert_eq!(short("ééééé", 2), "éé…");
    }

    #[test]
    fn only_known_results_become_notices() {
        assert!(DONE.contains(&"saved"));
        assert!(!DONE.contains(&"<script>"));
    }
}
