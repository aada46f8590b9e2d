//! The public archive: events with what their sessions left behind, a session's record (the
//! transcript with a linkable anchor on every passage), and full-text search. No login, no
//! script, printable; the read model is `archive::exports::session_record`, shared with the
//! JSON and Markdown exports.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::Row;

use super::view::SessionView;
use super::{Ctx, FormState, PageError, encode, render, render_status};
use crate::archive::exports::{self, RecordQuestion, report_numbers};
use crate::archive::search::{self, DocKind, SearchHit, SearchRequest};
use crate::domain::schedule::SessionStatus;
use crate::http::AppState;
use crate::http::error::AppError;
use crate::i18n::Translator;
use crate::programme::{self, SessionFilter};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/archive", get(archive_index))
        .route("/archive/search", get(search_page))
        .route("/archive/events/{event_id}", get(event_archive))
        .route("/archive/sessions/{session_id}", get(session_record))
}

// ---------------------------------------------------------------------------------------------
// The archive's front page

/// An event with what its sessions' records hold.
struct EventSummary {
    id: i64,
    name: String,
    dates: String,
    sessions: i64,
    transcripts: i64,
    reports: i64,
    outcomes: i64,
}

#[derive(Template)]
#[template(path = "archive_index.html")]
struct IndexPage {
    ctx: Ctx,
    events: Vec<EventSummary>,
}

async fn archive_index(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    let rows = sqlx::query(
        "select e.event_id, e.name, e.starts_on, e.ends_on,
            (select count(*) from session s where s.event_id = e.event_id
               and s.status not in ('draft', 'cancelled')) as sessions,
            (select count(*) from transcript t join session s on s.session_id = t.session_id
               where s.event_id = e.event_id and s.status <> 'draft' and t.status = 'published') as transcripts,
            (select count(*) from session_report r join session s on s.session_id = r.session_id
               where s.event_id = e.event_id and s.status <> 'draft' and r.status = 'submitted') as reports,
            (select count(*) from outcome o join session s on s.session_id = o.session_id
               join session_report r on r.session_id = s.session_id
               where s.event_id = e.event_id and s.status <> 'draft' and r.status = 'submitted') as outcomes
         from event e order by e.starts_on desc, e.event_id",
    )
    .fetch_all(&state.db.pool)
    .await
    .map_err(AppError::from)?;
    let mut events = Vec::with_capacity(rows.len());
    for r in rows {
        let day = |s: String| s.parse::<NaiveDate>().map(|d| ctx.t.day(&d)).unwrap_or(s);
        let starts: String = r.try_get(2).map_err(AppError::from)?;
        let ends: String = r.try_get(3).map_err(AppError::from)?;
        events.push(EventSummary {
            id: r.try_get(0).map_err(AppError::from)?,
            name: r.try_get(1).map_err(AppError::from)?,
            dates: ctx
                .t
                .arg2("date-range", "start", day(starts), "end", day(ends)),
            sessions: r.try_get(4).map_err(AppError::from)?,
            transcripts: r.try_get(5).map_err(AppError::from)?,
            reports: r.try_get(6).map_err(AppError::from)?,
            outcomes: r.try_get(7).map_err(AppError::from)?,
        });
    }
    render(&IndexPage { ctx, events })
}

// ---------------------------------------------------------------------------------------------
// An event's archive

/// A session in an event's archive, with what its record holds.
struct RecordRow {
    s: SessionView,
    transcript: bool,
    report: bool,
    outcomes: i64,
}

/// The sessions of one host-local day.
struct DayGroup {
    heading: String,
    id: String,
    sessions: Vec<RecordRow>,
}

#[derive(Template)]
#[template(path = "archive_event.html")]
struct EventPage {
    ctx: Ctx,
    event_id: i64,
    name: String,
    slug: String,
    description: String,
    host_tz: String,
    days: Vec<DayGroup>,
}

async fn event_archive(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(event_id): Path<i64>,
) -> Result<Response, PageError> {
    let event = programme::event_by_id(&state.db, event_id).await?;
    let host = event.tz();
    let sessions = programme::list_sessions(
        &state.db,
        &SessionFilter {
            event_id: Some(event_id),
            include_cancelled: true,
            ..Default::default()
        },
    )
    .await?;
    // What each session's public record holds, in one read.
    let facts = sqlx::query(
        "select s.session_id,
            (select count(*) from transcript t where t.session_id = s.session_id
               and t.status = 'published') as transcripts,
            (select count(*) from session_report r where r.session_id = s.session_id
               and r.status = 'submitted') as reports,
            (select count(*) from outcome o join session_report r on r.session_id = o.session_id
               where o.session_id = s.session_id and r.status = 'submitted') as outcomes
         from session s where s.event_id = $1",
    )
    .bind(event_id)
    .fetch_all(&state.db.pool)
    .await
    .map_err(AppError::from)?;
    let mut by_session = std::collections::HashMap::new();
    for r in facts {
        let id: i64 = r.try_get(0).map_err(AppError::from)?;
        let t: i64 = r.try_get(1).map_err(AppError::from)?;
        let rep: i64 = r.try_get(2).map_err(AppError::from)?;
        let o: i64 = r.try_get(3).map_err(AppError::from)?;
        by_session.insert(id, (t > 0, rep > 0, o));
    }
    let mut days: Vec<DayGroup> = Vec::new();
    for s in sessions.iter().filter(|s| s.status != SessionStatus::Draft) {
        let date = s.starts_at.with_timezone(&host).date_naive();
        let (transcript, report, outcomes) =
            by_session.get(&s.session_id).copied().unwrap_or_default();
        let row = RecordRow {
            s: SessionView::new(s, &host, None, &ctx.t),
            transcript,
            report,
            outcomes,
        };
        let id = format!("day-{date}");
        match days.last_mut() {
            Some(d) if d.id == id => d.sessions.push(row),
            _ => days.push(DayGroup {
                heading: ctx.t.day(&date),
                id,
                sessions: vec![row],
            }),
        }
    }
    render(&EventPage {
        event_id,
        name: event.name,
        slug: event.slug,
        description: event.description,
        host_tz: event.time_zone,
        days,
        ctx,
    })
}

// ---------------------------------------------------------------------------------------------
// A session's record

/// A line of the published transcript.
struct SegmentView {
    id: i64,
    speaker: String,
    text: String,
    stage_note: bool,
    /// "00:12:34" from the start, when the source had times.
    time: Option<String>,
}

/// An action item an outcome moved.
struct ItemView {
    id: i64,
    code: String,
    text: String,
    relation: String,
}

/// An outcome with its links.
struct OutcomeView {
    id: i64,
    text: String,
    items: Vec<ItemView>,
    /// (segment id, "Passage 12").
    passages: Vec<(i64, String)>,
    questions: Vec<(i64, String)>,
}

/// Outcomes of one kind.
struct OutcomeGroup {
    heading: String,
    outcomes: Vec<OutcomeView>,
}

/// The submitted report.
struct ReportView {
    summary: String,
    numbers: Vec<(String, i64)>,
    gender_discussed: Option<String>,
    gender_note: String,
}

#[derive(Template)]
#[template(path = "archive_session.html")]
struct RecordPage {
    ctx: Ctx,
    s: SessionView,
    event_id: i64,
    event_name: String,
    host_tz: String,
    transcript: Vec<SegmentView>,
    has_transcript: bool,
    /// Every line has a time, so the WebVTT download exists.
    transcript_timed: bool,
    /// Why the transcript was withdrawn, when it was.
    withdrawn: Option<String>,
    questions: Vec<RecordQuestion>,
    report: Option<ReportView>,
    outcomes: Vec<OutcomeGroup>,
}

fn clock(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    format!(
        "\u{2066}{:02}:{:02}:{:02}\u{2069}",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

async fn session_record(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(session_id): Path<i64>,
) -> Result<Response, PageError> {
    let record = exports::session_record(&state.db, &state.public_url, session_id).await?;
    let host = record.event.time_zone.parse().unwrap_or(chrono_tz::Tz::UTC);
    let t = &ctx.t;
    // Passages are numbered from 1 in transcript order, as the page lists them.
    let positions: std::collections::HashMap<i64, i64> = record
        .transcript
        .iter()
        .flat_map(|tr| {
            tr.segments
                .iter()
                .enumerate()
                .map(|(i, s)| (s.segment_id, i as i64 + 1))
        })
        .collect();
    let transcript: Vec<SegmentView> = record
        .transcript
        .iter()
        .flat_map(|tr| tr.segments.iter())
        .map(|seg| SegmentView {
            id: seg.segment_id,
            speaker: seg.speaker.clone(),
            text: seg.text.clone(),
            stage_note: seg.kind == "stage_note",
            time: seg.starts_ms.map(clock),
        })
        .collect();
    let withdrawn = match record.transcript {
        Some(_) => None,
        None => {
            crate::archive::transcripts::withdrawal_note(&state.db, record.session.session_id)
                .await?
        }
    };
    let mut outcomes: Vec<OutcomeGroup> = Vec::new();
    for kind in [
        "key_takeaway",
        "call_to_action",
        "decision",
        "recommendation",
    ] {
        let of_kind: Vec<OutcomeView> = record
            .outcomes
            .iter()
            .filter(|o| o.kind == kind)
            .map(|o| OutcomeView {
                id: o.outcome_id,
                text: o.text.clone(),
                items: o
                    .action_items
                    .iter()
                    .map(|i| ItemView {
                        id: i.action_item_id,
                        code: i.code.clone(),
                        text: i.text.clone(),
                        relation: t.term("archive-relation", &i.relation),
                    })
                    .collect(),
                // Only passages of the published transcript can be linked to.
                passages: o
                    .segment_ids
                    .iter()
                    .filter_map(|id| {
                        positions
                            .get(id)
                            .map(|p| (*id, t.arg("archive-passage", "n", p)))
                    })
                    .collect(),
                questions: o
                    .question_ids
                    .iter()
                    .filter(|id| {
                        record
                            .questions
                            .iter()
                            .any(|q| q.archived_question_id == **id)
                    })
                    .map(|id| (*id, t.arg("archive-question-n", "n", id)))
                    .collect(),
            })
            .collect();
        if !of_kind.is_empty() {
            outcomes.push(OutcomeGroup {
                heading: t.get(&format!("archive-kinds-{kind}")),
                outcomes: of_kind,
            });
        }
    }
    let report = record.report.as_ref().map(|r| ReportView {
        summary: r.summary.clone(),
        numbers: report_numbers(r)
            .into_iter()
            .map(|(k, v)| (t.get(k), v))
            .collect(),
        gender_discussed: r
            .gender_discussed
            .map(|d| t.get(if d { "archive-yes" } else { "archive-no" })),
        gender_note: r.gender_note.clone(),
    });
    render(&RecordPage {
        s: SessionView::new(&record.session, &host, None, t),
        event_id: record.event.event_id,
        event_name: record.event.name.clone(),
        host_tz: record.event.time_zone.clone(),
        has_transcript: record.transcript.is_some(),
        transcript_timed: !transcript.is_empty() && transcript.iter().all(|s| s.time.is_some()),
        withdrawn,
        transcript,
        questions: record.questions,
        report,
        outcomes,
        ctx,
    })
}

// ---------------------------------------------------------------------------------------------
// Search

/// What the search form sends, as typed (each value checked here, problems shown by the field).
#[derive(Deserialize, Default)]
struct SearchForm {
    q: Option<String>,
    event_id: Option<String>,
    session_type_id: Option<String>,
    action_item_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    kind: Option<String>,
    page: Option<String>,
}

/// An option of a filter.
struct Choice {
    value: String,
    label: String,
}

/// A result as the page shows it.
struct HitView {
    hit: SearchHit,
    kind: String,
    date: String,
}

#[derive(Template)]
#[template(path = "archive_search.html")]
struct SearchPage {
    ctx: Ctx,
    form: FormState,
    events: Vec<Choice>,
    types: Vec<Choice>,
    items: Vec<Choice>,
    kinds: Vec<Choice>,
    searched: bool,
    results: Vec<HitView>,
    total: i64,
    page: i64,
    prev_href: Option<String>,
    next_href: Option<String>,
}

/// A filter's id; anything else (an edited URL) is a problem shown by the field.
fn parse_id(
    form: &mut FormState,
    field: &str,
    value: &Option<String>,
    t: &Translator,
) -> Option<i64> {
    let v = value.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
    match v.parse::<i64>() {
        Ok(id) => Some(id),
        Err(_) => {
            form.error_on(field, t.get("archive-search-bad-choice"));
            None
        }
    }
}

async fn search_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SearchForm>,
) -> Result<Response, PageError> {
    let t = ctx.t;
    let mut form = FormState::default();
    for (name, value) in [
        ("q", &q.q),
        ("event_id", &q.event_id),
        ("session_type_id", &q.session_type_id),
        ("action_item_id", &q.action_item_id),
        ("from", &q.from),
        ("to", &q.to),
        ("kind", &q.kind),
    ] {
        form.set(name, value.clone().unwrap_or_default());
    }
    let mut req = SearchRequest {
        q: q.q.clone(),
        per_page: Some(20),
        ..Default::default()
    };
    req.event_id = parse_id(&mut form, "event_id", &q.event_id, &t);
    req.session_type_id = parse_id(&mut form, "session_type_id", &q.session_type_id, &t);
    req.action_item_id = parse_id(&mut form, "action_item_id", &q.action_item_id, &t);
    let mut date = |field: &str, value: &Option<String>| {
        let v = value.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
        match v.parse::<NaiveDate>() {
            Ok(d) => Some(d),
            Err(_) => {
                form.error_on(field, t.get("archive-search-bad-date"));
                None
            }
        }
    };
    req.from = date("from", &q.from);
    req.to = date("to", &q.to);
    req.kind = match q.kind.as_deref().unwrap_or_default() {
        "" => None,
        "session" => Some(DocKind::Session),
        "transcript_segment" => Some(DocKind::TranscriptSegment),
        "outcome" => Some(DocKind::Outcome),
        "question" => Some(DocKind::Question),
        _ => {
            form.error_on("kind", t.get("archive-search-bad-choice"));
            None
        }
    };
    req.page = match q.page.as_deref().map(str::parse::<i64>) {
        None => Some(1),
        Some(Ok(p)) if p >= 1 => Some(p),
        Some(_) => Some(1),
    };
    let searched = q.q.as_deref().is_some_and(|v| !v.trim().is_empty());
    let mut results = Vec::new();
    let mut total = 0;
    let page = req.page.unwrap_or(1);
    let mut status = StatusCode::OK;
    if searched && !form.has_errors() {
        match search::search(&state.db, &req).await {
            Ok(found) => {
                total = found.total;
                let host = chrono_tz::Tz::UTC;
                results = found
                    .items
                    .into_iter()
                    .map(|hit| HitView {
                        kind: t.get(&format!("archive-doc-{}", hit.kind.as_str())),
                        date: t.day(&hit.occurred_at.with_timezone(&host).date_naive()),
                        hit,
                    })
                    .collect();
            }
            Err(AppError::BadRequest(_)) => {
                let key = search::ParsedQuery::read(req.q.as_deref().unwrap_or_default())
                    .err()
                    .map_or("archive-query-no-words", |p| p.message_key());
                form.error_on("q", t.get(key));
            }
            Err(AppError::Validation(fields)) => {
                for f in fields {
                    form.error_on(&f.field, f.message);
                }
            }
            Err(other) => return Err(other.into()),
        }
    }
    if form.has_errors() {
        status = StatusCode::BAD_REQUEST;
    }
    let href = |p: i64| {
        let mut parts = Vec::new();
        for name in [
            "q",
            "event_id",
            "session_type_id",
            "action_item_id",
            "from",
            "to",
            "kind",
        ] {
            let v = form.value(name);
            if !v.is_empty() {
                parts.push(format!("{name}={}", encode(v)));
            }
        }
        parts.push(format!("page={p}"));
        format!("/archive/search?{}", parts.join("&"))
    };
    let per_page = 20;
    let prev_href = (searched && page > 1).then(|| href(page - 1));
    let next_href = (searched && page * per_page < total).then(|| href(page + 1));
    let page_data = SearchPage {
        events: choices(
            &state,
            "select event_id, name from event order by starts_on desc, event_id",
        )
        .await?,
        types: choices(
            &state,
            "select session_type_id, name from session_type order by name, session_type_id",
        )
        .await?,
        items: choices(
            &state,
            "select action_item_id, code || ' ' || text from action_item \
             order by action_plan_id, position",
        )
        .await?,
        kinds: ["session", "transcript_segment", "outcome", "question"]
            .into_iter()
            .map(|k| Choice {
                value: k.into(),
                label: t.get(&format!("archive-doc-{k}")),
            })
            .collect(),
        searched,
        results,
        total,
        page,
        prev_href,
        next_href,
        form,
        ctx,
    };
    render_status(status, &page_data)
}

/// The options of a filter: (id, label) rows of a fixed query; long labels are shortened.
async fn choices(state: &AppState, sql: &'static str) -> Result<Vec<Choice>, PageError> {
    let rows = sqlx::query(sql)
        .fetch_all(&state.db.pool)
        .await
        .map_err(AppError::from)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id: i64 = r.try_get(0).map_err(AppError::from)?;
        let label: String = r.try_get(1).map_err(AppError::from)?;
        let short: String = label.chars().take(80).collect();
        out.push(Choice {
            value: id.to_string(),
            label: if short.len() < label.len() {
                format!("{short}…")
            } else {
                short
            },
        });
    }
    Ok(out)
}
