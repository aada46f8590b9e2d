//! Meeting pages: one meeting of a series with its agenda and minutes
//! (`/meetings/{series}/{YYYY-MM-DD}`), a series' list of recorded meetings
//! (`/meetings/{series}/minutes`), and the staff forms that write them. Everything goes through
//! `archive::minutes`, the same functions as the JSON API; forms work without script and
//! re-show problems next to their fields.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Deserialize;

use super::organize::Choice;
use super::{Ctx, FormState, PageError, render, render_status};
use crate::archive::minutes::{
    self, AgendaItemInput, Meeting, MeetingActionInput, MeetingRecord, MinutesContent,
    MinutesStatus, MinutesVersion, PreviousMinutes, RecordedMeeting,
};
use crate::archive::outcomes::{self, ItemLink, OutcomeInput, OutcomeKind, Owner, Relation};
use crate::auth::Staff;
use crate::domain::schedule::StaffRole;
use crate::http::AppState;
use crate::http::error::AppError;
use crate::i18n::Translator;
use crate::meetings::Series;
use crate::programme::parse_zone;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/meetings/{slug}/minutes", get(series_record))
        .route("/meetings/{slug}/{date}", get(meeting_page))
        .route("/meetings/{slug}/{date}/agenda", post(add_agenda_item))
        .route(
            "/meetings/{slug}/{date}/agenda/{item_id}",
            post(change_agenda_item),
        )
        .route(
            "/meetings/{slug}/{date}/approve-previous",
            post(approve_previous),
        )
        .route(
            "/meetings/{slug}/{date}/minutes/edit",
            get(edit_minutes).post(save_minutes),
        )
        .route(
            "/meetings/{slug}/{date}/minutes/{minutes_id}/status",
            post(change_status),
        )
        .route("/meetings/{slug}/{date}/actions", post(add_action))
        .route(
            "/meetings/{slug}/{date}/actions/{action_id}",
            post(update_action),
        )
        .route("/meetings/{slug}/{date}/decisions", post(add_decision))
}

type Pairs = Form<Vec<(String, String)>>;

fn zone(series: &Series) -> Tz {
    parse_zone(&series.time_zone).unwrap_or(Tz::UTC)
}

/// "Tuesday 6 January 2026, 14:00–15:00 (UTC)" for a meeting, in the page language.
fn when(m: &Meeting, series: &Series, t: &Translator) -> String {
    let tz = zone(series);
    let local = m.starts_at.with_timezone(&tz);
    format!(
        "{}, {} ({})",
        t.day(&local.date_naive()),
        super::view::span(m.starts_at, m.ends_at, &tz),
        series.time_zone
    )
}

/// A link to a neighbouring meeting.
struct NavLink {
    path: String,
    label: String,
}

/// A status a version can be moved to from the page, with its button label.
struct StatusStep {
    to: &'static str,
    label: String,
}

/// An action assignment with its plan item's code, for display.
struct ActionRow {
    a: crate::archive::minutes::MeetingAction,
    item_code: Option<String>,
}

#[derive(Template)]
#[template(path = "minutes_meeting.html")]
struct MeetingPage {
    ctx: Ctx,
    series: Series,
    m: Meeting,
    when: String,
    originally: Option<String>,
    prev: Option<NavLink>,
    next: Option<NavLink>,
    rec: MeetingRecord,
    /// The version shown in full.
    shown: Option<MinutesVersion>,
    steps: Vec<StatusStep>,
    actions: Vec<ActionRow>,
    item_choices: Vec<Choice>,
    relation_choices: Vec<Choice>,
    is_staff: bool,
    is_organizer: bool,
    agenda_form: FormState,
    action_form: FormState,
    decision_form: FormState,
    notice: Option<String>,
    action_statuses: &'static [&'static str],
}

impl MeetingPage {
    /// The code of a plan item, for the agenda and the actions.
    fn code_of(&self, action_item_id: &i64) -> String {
        self.item_choices
            .iter()
            .find(|c| c.value == action_item_id.to_string())
            .map(|c| c.label.split(' ').next().unwrap_or_default().to_string())
            .unwrap_or_default()
    }

    /// A meeting's date.
    fn day_of(&self, m: &Meeting) -> String {
        self.ctx.t.day(&m.date)
    }

    /// A day of an instant (in UTC, as approvals are stamped).
    fn date_of(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        self.ctx.t.day(&at.date_naive())
    }

    /// "The minutes of 3 March 2026, version 2: in review".
    fn previous_line(&self, p: &PreviousMinutes) -> String {
        self.ctx.t.with(
            "mt-previous-minutes",
            &[
                ("date", self.day_of(&p.meeting)),
                ("version", p.version.to_string()),
                ("status", self.ctx.t.term("mt-status", p.status)),
            ],
        )
    }

    /// "Version 2: approved".
    fn version_line(&self, v: &MinutesVersion) -> String {
        self.ctx.t.with(
            "mt-version-line",
            &[
                ("version", v.version.to_string()),
                ("status", self.ctx.t.term("mt-status", v.status)),
            ],
        )
    }

    /// For `selected` in the action status choice.
    fn same(&self, a: &str, b: &str) -> bool {
        a == b
    }
}

/// Forms re-shown after a failed submission.
#[derive(Default)]
struct Forms {
    agenda: FormState,
    action: FormState,
    decision: FormState,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
struct VersionQuery {
    version: Option<String>,
}

async fn plan_item_choices(state: &AppState, series: &Series) -> Result<Vec<Choice>, AppError> {
    let Some(coalition_id) = series.coalition_id else {
        return Ok(Vec::new());
    };
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "select i.action_item_id, i.code, i.text from action_item i \
         join action_plan p on p.action_plan_id = i.action_plan_id \
         where p.coalition_id = $1 order by p.starts_on desc, i.position",
    )
    .bind(coalition_id)
    .fetch_all(&state.db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, code, text)| {
            let short: String = text.chars().take(70).collect();
            let ellipsis = if text.chars().count() > 70 { "…" } else { "" };
            Choice {
                value: id.to_string(),
                label: format!("{code} {short}{ellipsis}"),
            }
        })
        .collect())
}

async fn build_page(
    state: &AppState,
    ctx: Ctx,
    series: Series,
    meeting: Meeting,
    version: Option<i64>,
    forms: Forms,
) -> Result<MeetingPage, PageError> {
    let staff = ctx.staff.clone();
    let (prev, next) = minutes::neighbours(&state.db, &series, &meeting).await?;
    let nav = |m: Option<Meeting>| {
        m.map(|m| NavLink {
            label: ctx.t.day(&m.date),
            path: m.path,
        })
    };
    let rec = minutes::record(&state.db, &series, meeting.clone(), staff.as_ref()).await?;
    let shown = match version {
        Some(n) => Some(
            rec.minutes
                .iter()
                .find(|v| v.version == n)
                .cloned()
                .ok_or(AppError::NotFound)?,
        ),
        None => rec.minutes.first().cloned(),
    };
    let is_organizer = staff
        .as_ref()
        .is_some_and(|s| s.role == StaffRole::Organizer);
    let latest_id = rec.minutes.first().map(|v| v.minutes_id);
    let steps = match (&staff, &shown) {
        (Some(_), Some(v)) if Some(v.minutes_id) == latest_id => {
            let mut steps = Vec::new();
            let mut step = |to: &'static str| {
                steps.push(StatusStep {
                    to,
                    label: ctx.t.get(&format!("mt-to-{to}")),
                })
            };
            match v.status {
                MinutesStatus::Draft => step("in_review"),
                MinutesStatus::InReview => {
                    step("draft");
                    if is_organizer {
                        step("approved");
                    }
                }
                MinutesStatus::Approved if is_organizer => step("locked"),
                _ => {}
            }
            steps
        }
        _ => Vec::new(),
    };
    let item_choices = plan_item_choices(state, &series).await?;
    let actions = rec
        .actions
        .iter()
        .map(|a| ActionRow {
            item_code: a.action_item_id.and_then(|id| {
                item_choices
                    .iter()
                    .find(|c| c.value == id.to_string())
                    .map(|c| c.label.split(' ').next().unwrap_or_default().to_string())
            }),
            a: a.clone(),
        })
        .collect();
    let relation_choices = Relation::ALL
        .iter()
        .map(|r| Choice {
            value: r.as_str().to_string(),
            label: ctx.t.get(&format!("archive-relation-{}", r.as_str())),
        })
        .collect();
    let tz = zone(&series);
    let originally = (meeting.status == "moved").then(|| {
        let was = meeting.original_start.with_timezone(&tz);
        format!("{}, {}", ctx.t.day(&was.date_naive()), was.format("%H:%M"))
    });
    Ok(MeetingPage {
        when: when(&meeting, &series, &ctx.t),
        originally,
        prev: nav(prev),
        next: nav(next),
        m: meeting,
        rec,
        shown,
        steps,
        actions,
        item_choices,
        relation_choices,
        is_staff: staff.is_some(),
        is_organizer,
        agenda_form: forms.agenda,
        action_form: forms.action,
        decision_form: forms.decision,
        notice: forms.notice,
        action_statuses: &["open", "done", "dropped"],
        series,
        ctx,
    })
}

async fn meeting_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, date)): Path<(String, String)>,
    Query(q): Query<VersionQuery>,
) -> Result<Response, PageError> {
    let (series, meeting) = minutes::meeting_from_path(&state.db, &slug, &date).await?;
    let version = match q.version.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => Some(v.parse::<i64>().map_err(|_| AppError::NotFound)?),
        None => None,
    };
    render(&build_page(&state, ctx, series, meeting, version, Forms::default()).await?)
}

/// The signed-in staff member on a form post, or the login page.
fn staff_or_login(ctx: &Ctx, back: &str) -> Result<Staff, PageError> {
    ctx.staff.clone().ok_or_else(|| PageError::Login {
        next: back.to_string(),
    })
}

fn organizer_or_login(ctx: &Ctx, back: &str) -> Result<Staff, PageError> {
    let staff = staff_or_login(ctx, back)?;
    if staff.role != StaffRole::Organizer {
        return Err(AppError::Forbidden.into());
    }
    Ok(staff)
}

/// Shows the meeting page again with a form's problems (422) or a conflict's message (409).
async fn reshow(
    state: &AppState,
    ctx: Ctx,
    series: Series,
    meeting: Meeting,
    forms: Forms,
    status: StatusCode,
) -> Result<Response, PageError> {
    let page = build_page(state, ctx, series, meeting, None, forms).await?;
    render_status(status, &page)
}

/// Turns a write's failure into the page again, or passes on what a page cannot show.
async fn failed(
    state: &AppState,
    ctx: Ctx,
    series: Series,
    meeting: Meeting,
    error: AppError,
    mut form: FormState,
    which: fn(&mut Forms) -> &mut FormState,
) -> Result<Response, PageError> {
    let mut forms = Forms::default();
    match error {
        AppError::Validation(fields) => {
            for f in fields {
                form.error_on(&f.field, f.message);
            }
            *which(&mut forms) = form;
            reshow(
                state,
                ctx,
                series,
                meeting,
                forms,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        AppError::Conflict(message) => {
            forms.notice = Some(message);
            *which(&mut forms) = form;
            reshow(state, ctx, series, meeting, forms, StatusCode::CONFLICT).await
        }
        other => Err(other.into()),
    }
}

fn back(meeting: &Meeting, anchor: &str) -> Response {
    Redirect::to(&format!("{}#{anchor}", meeting.path)).into_response()
}

async fn add_agenda_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, date)): Path<(String, String)>,
    Form(pairs): Pairs,
) -> Result<Response, PageError> {
    let (series, mut meeting) = minutes::meeting_from_path(&state.db, &slug, &date).await?;
    organizer_or_login(&ctx, &meeting.path)?;
    let form = FormState::from_pairs(&pairs);
    let input = AgendaItemInput {
        title: form.value("title").to_string(),
    };
    let result = match meeting.status.as_str() {
        "cancelled" => Err(AppError::Conflict(ctx.t.get("mt-cancelled-no-writes"))),
        _ => match minutes::ensure_row(&state.db, &mut meeting).await {
            Ok(id) => minutes::add_agenda_item(&state.db, id, &input).await,
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(_) => Ok(back(&meeting, "agenda")),
        Err(e) => failed(&state, ctx, series, meeting, e, form, |f| &mut f.agenda).await,
    }
}

#[derive(Deserialize)]
struct AgendaChange {
    /// `up`, `down` or `remove`.
    change: String,
}

async fn change_agenda_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, date, item_id)): Path<(String, String, i64)>,
    Form(change): Form<AgendaChange>,
) -> Result<Response, PageError> {
    let (_, meeting) = minutes::meeting_from_path(&state.db, &slug, &date).await?;
    organizer_or_login(&ctx, &meeting.path)?;
    // The item must be this meeting's: a crafted form cannot reach another agenda.
    if Some(minutes::agenda_item_meeting(&state.db, item_id).await?) != meeting.meeting_id {
        return Err(AppError::NotFound.into());
    }
    match change.change.as_str() {
        "up" => minutes::move_agenda_item(&state.db, item_id, true).await?,
        "down" => minutes::move_agenda_item(&state.db, item_id, false).await?,
        "remove" => minutes::remove_agenda_item(&state.db, item_id).await?,
        _ => return Err(AppError::BadRequest("unknown change".into()).into()),
    }
    Ok(back(&meeting, "agenda"))
}

#[derive(Deserialize)]
struct ApproveForm {
    minutes_id: i64,
}

async fn approve_previous(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, date)): Path<(String, String)>,
    Form(form): Form<ApproveForm>,
) -> Result<Response, PageError> {
    let (series, mut meeting) = minutes::meeting_from_path(&state.db, &slug, &date).await?;
    let staff = organizer_or_login(&ctx, &meeting.path)?;
    match minutes::approve_from_agenda(&state.db, &staff, &series, &mut meeting, form.minutes_id)
        .await
    {
        Ok(_) => Ok(back(&meeting, "agenda-previous")),
        Err(AppError::Validation(fields)) => {
            let forms = Forms {
                notice: fields.first().map(|f| f.message.clone()),
                ..Forms::default()
            };
            reshow(
                &state,
                ctx,
                series,
                meeting,
                forms,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => {
            failed(&state, ctx, series, meeting, e, FormState::default(), |f| {
                &mut f.agenda
            })
            .await
        }
    }
}

#[derive(Deserialize)]
struct StatusForm {
    status: String,
}

async fn change_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, date, minutes_id)): Path<(String, String, i64)>,
    Form(form): Form<StatusForm>,
) -> Result<Response, PageError> {
    let (series, meeting) = minutes::meeting_from_path(&state.db, &slug, &date).await?;
    let staff = staff_or_login(&ctx, &meeting.path)?;
    let version = minutes::version_by_id(&state.db, minutes_id, Some(&staff)).await?;
    if Some(version.meeting_id) != meeting.meeting_id {
        return Err(AppError::NotFound.into());
    }
    let to = MinutesStatus::parse(&form.status).map_err(AppError::BadRequest)?;
    match minutes::set_status(&state.db, &staff, minutes_id, to, None).await {
        Ok(_) => Ok(back(&meeting, "minutes")),
        Err(e) => {
            failed(&state, ctx, series, meeting, e, FormState::default(), |f| {
                &mut f.agenda
            })
            .await
        }
    }
}

async fn add_action(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, date)): Path<(String, String)>,
    Form(pairs): Pairs,
) -> Result<Response, PageError> {
    let (series, mut meeting) = minutes::meeting_from_path(&state.db, &slug, &date).await?;
    staff_or_login(&ctx, &meeting.path)?;
    let form = FormState::from_pairs(&pairs);
    let result = match action_input(&form) {
        Err(e) => Err(e),
        Ok(input) => match meeting.status.as_str() {
            "cancelled" => Err(AppError::Conflict(ctx.t.get("mt-cancelled-no-writes"))),
            _ => match minutes::ensure_row(&state.db, &mut meeting).await {
                Ok(id) => minutes::add_action(&state.db, id, &input).await,
                Err(e) => Err(e),
            },
        },
    };
    match result {
        Ok(_) => Ok(back(&meeting, "actions")),
        Err(e) => failed(&state, ctx, series, meeting, e, form, |f| &mut f.action).await,
    }
}

/// Reads the action form; a date the browser sent in another shape is a field problem.
fn action_input(form: &FormState) -> Result<MeetingActionInput, AppError> {
    let due_on = match form.opt("due_on") {
        None => None,
        Some(d) => Some(
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| AppError::field("due_on", "must be a date as YYYY-MM-DD"))?,
        ),
    };
    let action_item_id = match form.opt("action_item_id") {
        None => None,
        Some(v) => Some(
            v.parse::<i64>()
                .map_err(|_| AppError::field("action_item_id", "no such action item"))?,
        ),
    };
    Ok(MeetingActionInput {
        text: form.value("text").to_string(),
        owner: form.value("owner").to_string(),
        due_on,
        status: form.opt("status").map(str::to_string),
        action_item_id,
    })
}

#[derive(Deserialize)]
struct ActionStatusForm {
    status: String,
}

async fn update_action(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, date, action_id)): Path<(String, String, i64)>,
    Form(form): Form<ActionStatusForm>,
) -> Result<Response, PageError> {
    let (_, meeting) = minutes::meeting_from_path(&state.db, &slug, &date).await?;
    staff_or_login(&ctx, &meeting.path)?;
    let a = minutes::action_by_id(&state.db, action_id).await?;
    if Some(a.meeting_id) != meeting.meeting_id {
        return Err(AppError::NotFound.into());
    }
    let input = MeetingActionInput {
        text: a.text,
        owner: a.owner,
        due_on: a.due_on,
        status: Some(form.status),
        action_item_id: a.action_item_id,
    };
    minutes::update_action(&state.db, action_id, &input).await?;
    Ok(back(&meeting, &format!("action-{action_id}")))
}

async fn add_decision(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, date)): Path<(String, String)>,
    Form(pairs): Pairs,
) -> Result<Response, PageError> {
    let (series, mut meeting) = minutes::meeting_from_path(&state.db, &slug, &date).await?;
    let staff = organizer_or_login(&ctx, &meeting.path)?;
    let form = FormState::from_pairs(&pairs);
    let mut links = Vec::new();
    let mut problem = None;
    if let Some(id) = form.opt("action_item_id") {
        let relation = Relation::parse(form.value("relation"));
        match (id.parse::<i64>(), relation) {
            (Ok(action_item_id), Ok(relation)) => links.push(ItemLink {
                action_item_id,
                relation,
            }),
            (Err(_), _) => problem = Some(AppError::field("action_item_id", "no such action item")),
            (_, Err(e)) => problem = Some(AppError::field("relation", e)),
        }
    }
    let result = match problem {
        Some(e) => Err(e),
        None if meeting.status == "cancelled" => {
            Err(AppError::Conflict(ctx.t.get("mt-cancelled-no-writes")))
        }
        None => match minutes::ensure_row(&state.db, &mut meeting).await {
            Ok(id) => {
                let input = OutcomeInput {
                    kind: OutcomeKind::Decision,
                    text: form.value("text").to_string(),
                    action_items: links,
                    segment_ids: Vec::new(),
                    archived_question_ids: Vec::new(),
                };
                outcomes::create(&state.db, &staff, Owner::Meeting(id), &input).await
            }
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(_) => Ok(back(&meeting, "decisions")),
        Err(e) => {
            // Outcome link problems are named `action_items[0].…`; show them on the item field.
            let e = match e {
                AppError::Validation(fields) => AppError::Validation(
                    fields
                        .into_iter()
                        .map(|mut f| {
                            if f.field.starts_with("action_items") {
                                f.field = "action_item_id".into();
                            }
                            f
                        })
                        .collect(),
                ),
                other => other,
            };
            failed(&state, ctx, series, meeting, e, form, |f| &mut f.decision).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Writing the minutes

#[derive(Template)]
#[template(path = "minutes_edit.html")]
struct EditPage {
    ctx: Ctx,
    series: Series,
    m: Meeting,
    when: String,
    /// The version being edited, if any.
    editing: Option<MinutesVersion>,
    form: FormState,
    notice: Option<String>,
}

fn form_from_content(c: &MinutesContent) -> FormState {
    let mut form = FormState::default();
    form.set(
        "attendee_count",
        c.attendee_count.map(|n| n.to_string()).unwrap_or_default(),
    );
    form.set(
        "attendee_organisations",
        c.attendee_organisations.join("\n"),
    );
    form.set("apologies", c.apologies.join("\n"));
    form.set("agenda", c.agenda.join("\n"));
    form.set("discussion", c.discussion.clone());
    form
}

fn lines(value: &str) -> Vec<String> {
    value
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

async fn edit_minutes(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, date)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (series, meeting) = minutes::meeting_from_path(&state.db, &slug, &date).await?;
    let staff = staff_or_login(&ctx, &format!("{}/minutes/edit", meeting.path))?;
    let editing = match meeting.meeting_id {
        Some(id) => minutes::versions(&state.db, id).await?.into_iter().next(),
        None => None,
    };
    let form = match &editing {
        Some(v) => form_from_content(&v.content),
        None => {
            // A first draft starts from the agenda as planned.
            let agenda = minutes::agenda(&state.db, &series, &meeting, Some(&staff)).await?;
            let mut planned = Vec::new();
            if agenda.previous_minutes.is_some() {
                planned.push(ctx.t.get("mt-agenda-approve-previous"));
            }
            planned.extend(agenda.items.iter().map(|i| i.title.clone()));
            if !agenda.open_actions.is_empty() {
                planned.push(ctx.t.get("mt-agenda-open-actions"));
            }
            if !agenda.plan_items.is_empty() {
                planned.push(ctx.t.get("mt-agenda-plan-items"));
            }
            if !agenda.carried_questions.is_empty() {
                planned.push(ctx.t.get("mt-agenda-carried"));
            }
            form_from_content(&MinutesContent {
                agenda: planned,
                ..MinutesContent::default()
            })
        }
    };
    render(&EditPage {
        when: when(&meeting, &series, &ctx.t),
        series,
        m: meeting,
        editing,
        form,
        notice: None,
        ctx,
    })
}

async fn save_minutes(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, date)): Path<(String, String)>,
    Form(pairs): Pairs,
) -> Result<Response, PageError> {
    let (series, mut meeting) = minutes::meeting_from_path(&state.db, &slug, &date).await?;
    let staff = staff_or_login(&ctx, &format!("{}/minutes/edit", meeting.path))?;
    let mut form = FormState::from_pairs(&pairs);
    let count = match form.opt("attendee_count") {
        None => Ok(None),
        Some(n) => n.parse::<i64>().map(Some).map_err(|_| {
            AppError::field("attendee_count", "must be a number between 0 and 100000")
        }),
    };
    let result = match count {
        Err(e) => Err(e),
        Ok(attendee_count) => {
            let content = MinutesContent {
                attendee_count,
                attendee_organisations: lines(form.value("attendee_organisations")),
                apologies: lines(form.value("apologies")),
                agenda: lines(form.value("agenda")),
                discussion: form.value("discussion").to_string(),
            };
            save(&state, &staff, &mut meeting, &content).await
        }
    };
    match result {
        Ok(_) => Ok(back(&meeting, "minutes")),
        Err(e) => {
            let (status, notice) = match e {
                AppError::Validation(fields) => {
                    for f in fields {
                        form.error_on(&f.field, f.message);
                    }
                    (StatusCode::UNPROCESSABLE_ENTITY, None)
                }
                AppError::Conflict(message) => (StatusCode::CONFLICT, Some(message)),
                other => return Err(other.into()),
            };
            let editing = match meeting.meeting_id {
                Some(id) => minutes::versions(&state.db, id).await?.into_iter().next(),
                None => None,
            };
            let page = EditPage {
                when: when(&meeting, &series, &ctx.t),
                series,
                m: meeting,
                editing,
                form,
                notice,
                ctx,
            };
            render_status(status, &page)
        }
    }
}

/// Saves the form as the page's rules say: the first version, the latest draft in place, or a
/// new draft after a version that left draft.
async fn save(
    state: &AppState,
    staff: &Staff,
    meeting: &mut Meeting,
    content: &MinutesContent,
) -> Result<MinutesVersion, AppError> {
    if meeting.status == "cancelled" {
        return Err(AppError::Conflict(
            "this meeting is cancelled: it has no minutes".into(),
        ));
    }
    // Check before making the meeting's row, so a bad form leaves nothing behind.
    minutes::check_content(content)?;
    let id = minutes::ensure_row(&state.db, meeting).await?;
    match minutes::versions(&state.db, id).await?.into_iter().next() {
        None => minutes::create_minutes(&state.db, staff, id, content).await,
        Some(v) => Ok(
            minutes::edit_minutes(&state.db, staff, v.minutes_id, content)
                .await?
                .0,
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// A series' recorded meetings

#[derive(Template)]
#[template(path = "minutes_series.html")]
struct SeriesRecordPage {
    ctx: Ctx,
    series: Series,
    rows: Vec<(RecordedMeeting, String)>,
    is_staff: bool,
}

async fn series_record(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let series = crate::meetings::series_by_slug(&state.db, &slug).await?;
    let rows = minutes::recorded_meetings(&state.db, &series)
        .await?
        .into_iter()
        .map(|r| {
            let w = when(&r.meeting, &series, &ctx.t);
            (r, w)
        })
        .collect();
    render(&SeriesRecordPage {
        is_staff: ctx.staff.is_some(),
        series,
        rows,
        ctx,
    })
}
