//! The action plan's public pages: the plan with every item's status and progress at a glance
//! (`/plan`, `/coalitions/{slug}/plan`), and an item's page with everything that moved it
//! (`/plan/items/{id}`), plus the staff forms for progress updates, owners and due dates, and
//! an organizer's coalition rename. Former coalition slugs redirect permanently to the
//! current one.
//!
//! The chart is inline SVG drawn here, on the server: no script, an accessible name and
//! description, a data table beside it, patterns as well as shades (so it reads printed in
//! black and white), and mirrored for right-to-left languages.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde::Deserialize;

use super::organize::Choice;
use super::{Ctx, FormState, OrganizerPage, PageError, render, render_status};
use crate::archive::plan::{
    self, Coalition, Found, ItemAssignment, ItemStatus, ItemTrail, Plan, RenameInput, TrailKind,
    UpdateInput,
};
use crate::domain::schedule::StaffRole;
use crate::http::AppState;
use crate::http::error::AppError;
use crate::i18n::Translator;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/plan", get(current_plan))
        .route("/plan/items/{action_item_id}", get(item_page))
        .route("/plan/items/{action_item_id}/updates", post(add_update))
        .route("/plan/items/{action_item_id}/assignment", post(assign))
        .route("/coalitions/{slug}", get(coalition_home))
        .route("/coalitions/{slug}/plan", get(coalition_plan))
        .route(
            "/coalitions/{slug}/rename",
            get(rename_form).post(rename_coalition),
        )
        .route("/coalitions/{slug}/{*rest}", get(former_slug))
}

// ---------------------------------------------------------------------------------------------
// The chart

/// Width of the chart's coordinate space; the SVG scales to its container.
const WIDTH: i64 = 720;
const ROW: i64 = 30;
const BAR: i64 = 18;
const TOP: i64 = 10;
/// Where the progress track starts and how wide 100% is.
const TRACK_X: i64 = 84;
const TRACK_W: i64 = 400;
const VALUE_X: i64 = 494;
const STATUS_X: i64 = 544;

/// How a status is drawn: an SVG fill (a pattern for the middle states, so print in black and
/// white tells them apart) and a short key.
fn fill_of(status: ItemStatus) -> &'static str {
    match status {
        ItemStatus::NotStarted => "#ffffff",
        ItemStatus::InProgress => "url(#plan-hatch)",
        ItemStatus::Ongoing => "url(#plan-dots)",
        ItemStatus::Completed => "#1a1a1a",
        ItemStatus::Dropped => "url(#plan-cross)",
    }
}

/// One row of the chart, with its geometry already mirrored for right-to-left pages.
struct Bar {
    y: i64,
    text_y: i64,
    code: String,
    code_x: i64,
    track_x: i64,
    bar_x: i64,
    bar_w: i64,
    value: String,
    value_x: i64,
    status: String,
    status_x: i64,
    fill: &'static str,
    /// What a pointer or screen reader gets on the bar itself.
    title: String,
}

struct LegendEntry {
    x: i64,
    text_x: i64,
    fill: &'static str,
    label: String,
}

/// The progress chart as the template draws it.
struct Chart {
    height: i64,
    bars: Vec<Bar>,
    legend: Vec<LegendEntry>,
    legend_y: i64,
    title: String,
    desc: String,
    /// `start` or `end` for the code labels, the value labels: mirrored on RTL pages.
    code_anchor: &'static str,
    value_anchor: &'static str,
    track_w: i64,
    /// The x of the 50% guide line.
    half_x: i64,
}

fn chart(plan: &Plan, t: &Translator) -> Chart {
    let rtl = t.lang.dir() == "rtl";
    // Mirrors a box or a point for right-to-left pages.
    let bx = |x: i64, w: i64| if rtl { WIDTH - x - w } else { x };
    let px = |x: i64| if rtl { WIDTH - x } else { x };
    let bars = plan
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let y = TOP + i as i64 * ROW;
            let w = TRACK_W * item.progress.clamp(0, 100) / 100;
            let status = t.term("plan-status", item.status);
            Bar {
                y,
                text_y: y + BAR - 4,
                code: item.code.clone(),
                code_x: px(TRACK_X - 8),
                track_x: bx(TRACK_X, TRACK_W),
                bar_x: bx(TRACK_X, w),
                bar_w: w,
                value: format!("{}%", item.progress),
                value_x: px(VALUE_X),
                status_x: px(STATUS_X),
                fill: fill_of(item.status),
                title: t.with(
                    "plan-chart-bar",
                    &[
                        ("code", item.code.clone()),
                        ("progress", item.progress.to_string()),
                        ("status", status.clone()),
                    ],
                ),
                status,
            }
        })
        .collect::<Vec<_>>();
    let legend_y = TOP + bars.len() as i64 * ROW + 14;
    let slot = WIDTH / ItemStatus::ALL.len() as i64;
    let legend = ItemStatus::ALL
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let x = i as i64 * slot;
            LegendEntry {
                x: bx(x, 16),
                text_x: px(x + 22),
                fill: fill_of(*s),
                label: t.term("plan-status", s),
            }
        })
        .collect();
    let count = |s: ItemStatus| plan.items.iter().filter(|i| i.status == s).count();
    let average = if plan.items.is_empty() {
        0
    } else {
        plan.items.iter().map(|i| i.progress).sum::<i64>() / plan.items.len() as i64
    };
    let desc = t.with(
        "plan-chart-desc",
        &[
            ("items", plan.items.len().to_string()),
            ("completed", count(ItemStatus::Completed).to_string()),
            ("in_progress", count(ItemStatus::InProgress).to_string()),
            ("ongoing", count(ItemStatus::Ongoing).to_string()),
            ("not_started", count(ItemStatus::NotStarted).to_string()),
            ("dropped", count(ItemStatus::Dropped).to_string()),
            ("average", average.to_string()),
        ],
    );
    Chart {
        height: legend_y + 24,
        legend_y,
        bars,
        legend,
        title: t.arg("plan-chart-title", "plan", &plan.title),
        desc,
        code_anchor: if rtl { "start" } else { "end" },
        value_anchor: if rtl { "end" } else { "start" },
        track_w: TRACK_W,
        half_x: px(TRACK_X + TRACK_W / 2),
    }
}

// ---------------------------------------------------------------------------------------------
// The plan page

#[derive(Template)]
#[template(path = "plan_page.html")]
struct PlanPage {
    ctx: Ctx,
    plan: Plan,
    chart: Chart,
}

impl PlanPage {
    fn day(&self, d: &NaiveDate) -> String {
        self.ctx.t.day(d)
    }
}

#[derive(Deserialize, Default)]
struct PlanQuery {
    plan: Option<String>,
}

fn plan_page(ctx: Ctx, plan: Plan) -> Result<Response, PageError> {
    let chart = chart(&plan, &ctx.t);
    render(&PlanPage { ctx, plan, chart })
}

/// Shown at `/plan` (a header link) before any coalition has a plan.
#[derive(Template)]
#[template(path = "plan_none.html")]
struct NoPlanPage {
    ctx: Ctx,
}

async fn current_plan(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    match plan::current_plan_id(&state.db).await? {
        Some(id) => plan_page(ctx, plan::plan_by_id(&state.db, id).await?),
        None => render(&NoPlanPage { ctx }),
    }
}

/// The permanent address of `rest` under the coalition's current slug.
fn moved(coalition: &Coalition, rest: &str, query: Option<String>) -> Response {
    let query = query.map(|q| format!("?{q}")).unwrap_or_default();
    Redirect::permanent(&format!(
        "/coalitions/{}/{rest}{query}",
        super::encode(&coalition.slug)
    ))
    .into_response()
}

async fn coalition_home(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let coalition = match plan::find_coalition(&state.db, &slug).await? {
        Found::Current(c) | Found::Former(c) => c,
    };
    Ok(moved(&coalition, "plan", None))
}

async fn coalition_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<PlanQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let coalition = match plan::find_coalition(&state.db, &slug).await? {
        Found::Current(c) => c,
        Found::Former(c) => return Ok(moved(&c, "plan", raw)),
    };
    let chosen = match q.plan.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => Some(p.parse::<i64>().map_err(|_| AppError::NotFound)?),
        None => None,
    };
    let plan = plan::plan_of_coalition(&state.db, coalition.coalition_id, chosen).await?;
    plan_page(ctx, plan)
}

/// Any other address under a former slug moves to the current one; under the current slug
/// there is nothing else.
async fn former_slug(
    State(state): State<AppState>,
    Path((slug, rest)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    match plan::find_coalition(&state.db, &slug).await? {
        Found::Former(c) => Ok(moved(&c, &rest, raw)),
        Found::Current(_) => Err(AppError::NotFound.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Renaming a coalition

#[derive(Template)]
#[template(path = "plan_rename.html")]
struct RenamePage {
    ctx: Ctx,
    coalition: Coalition,
    form: FormState,
}

async fn rename_form(
    State(state): State<AppState>,
    ctx: Ctx,
    OrganizerPage(_): OrganizerPage,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let coalition = match plan::find_coalition(&state.db, &slug).await? {
        Found::Current(c) => c,
        Found::Former(c) => return Ok(moved(&c, "rename", None)),
    };
    let mut form = FormState::default();
    form.set("name", coalition.name.clone());
    form.set("acronym", coalition.acronym.clone());
    render(&RenamePage {
        ctx,
        coalition,
        form,
    })
}

async fn rename_coalition(
    State(state): State<AppState>,
    ctx: Ctx,
    OrganizerPage(_): OrganizerPage,
    Path(slug): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let coalition = match plan::find_coalition(&state.db, &slug).await? {
        Found::Current(c) => c,
        Found::Former(_) => return Err(AppError::NotFound.into()),
    };
    let mut form = FormState::from_pairs(&pairs);
    let input = RenameInput {
        slug: form.value("slug").to_string(),
        name: form.value("name").to_string(),
        acronym: Some(form.value("acronym").to_string()),
        until_on: None,
    };
    match plan::rename(&state.db, &coalition, &input).await {
        Ok(c) => Ok(Redirect::to(&format!("/coalitions/{}/plan", c.slug)).into_response()),
        Err(AppError::Validation(fields)) => {
            for f in fields {
                form.error_on(&f.field, f.message);
            }
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &RenamePage {
                    ctx,
                    coalition,
                    form,
                },
            )
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// An item's page

#[derive(Template)]
#[template(path = "plan_item.html")]
struct ItemPage {
    ctx: Ctx,
    t: ItemTrail,
    is_staff: bool,
    is_organizer: bool,
    update_form: FormState,
    assign_form: FormState,
    statuses: Vec<Choice>,
}

impl ItemPage {
    fn day(&self, d: &NaiveDate) -> String {
        self.ctx.t.day(d)
    }

    fn is_kind(&self, kind: &TrailKind, name: &str) -> bool {
        let k = match kind {
            TrailKind::ProgressUpdate => "progress_update",
            TrailKind::Outcome => "outcome",
            TrailKind::Question => "question",
            TrailKind::MeetingAction => "meeting_action",
        };
        k == name
    }
}

async fn item_page_with(
    state: &AppState,
    ctx: Ctx,
    action_item_id: i64,
    update_form: Option<FormState>,
    assign_form: Option<FormState>,
) -> Result<ItemPage, PageError> {
    let t = plan::trail(&state.db, action_item_id, ctx.staff.as_ref()).await?;
    let update_form = update_form.unwrap_or_else(|| {
        let mut f = FormState::default();
        f.set("on_date", plan::today().format("%Y-%m-%d").to_string());
        f.set("status", t.item.status.as_str());
        f.set("progress", t.item.progress.to_string());
        f
    });
    let assign_form = assign_form.unwrap_or_else(|| {
        let mut f = FormState::default();
        f.set("owner", t.item.owner.clone());
        f.set(
            "due_on",
            t.item
                .due_on
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        );
        f
    });
    let statuses = ItemStatus::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str().to_string(),
            label: ctx.t.term("plan-status", s),
        })
        .collect();
    Ok(ItemPage {
        is_staff: ctx.staff.is_some(),
        is_organizer: ctx
            .staff
            .as_ref()
            .is_some_and(|s| s.role == StaffRole::Organizer),
        t,
        update_form,
        assign_form,
        statuses,
        ctx,
    })
}

async fn item_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(action_item_id): Path<i64>,
) -> Result<Response, PageError> {
    render(&item_page_with(&state, ctx, action_item_id, None, None).await?)
}

fn date_field(form: &FormState, name: &str) -> Result<Option<NaiveDate>, AppError> {
    match form.opt(name) {
        None => Ok(None),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::field(name, "must be a date as YYYY-MM-DD")),
    }
}

fn update_input(form: &FormState) -> Result<UpdateInput, AppError> {
    let mut problems = Vec::new();
    let on_date = match date_field(form, "on_date") {
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            problems.push(crate::http::error::FieldError::new(
                "on_date",
                "is required",
            ));
            None
        }
        Err(AppError::Validation(f)) => {
            problems.extend(f);
            None
        }
        Err(e) => return Err(e),
    };
    let status = ItemStatus::parse(form.value("status")).map_err(|e| {
        problems.push(crate::http::error::FieldError::new("status", e));
    });
    let progress = form.value("progress").trim().parse::<i64>().map_err(|_| {
        problems.push(crate::http::error::FieldError::new(
            "progress",
            "must be a number between 0 and 100",
        ));
    });
    match (on_date, status, progress) {
        (Some(on_date), Ok(status), Ok(progress)) if problems.is_empty() => Ok(UpdateInput {
            on_date,
            status,
            progress,
            note: form.value("note").to_string(),
            evidence_url: form.value("evidence_url").to_string(),
        }),
        _ => Err(AppError::Validation(problems)),
    }
}

async fn add_update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(action_item_id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let staff = ctx.staff.clone().ok_or_else(|| PageError::Login {
        next: format!("/plan/items/{action_item_id}"),
    })?;
    let mut form = FormState::from_pairs(&pairs);
    let result = match update_input(&form) {
        Ok(input) => plan::add_update(&state.db, &staff, action_item_id, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/plan/items/{action_item_id}#trail")).into_response()),
        Err(AppError::Validation(fields)) => {
            for f in fields {
                form.error_on(&f.field, f.message);
            }
            let page = item_page_with(&state, ctx, action_item_id, Some(form), None).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

async fn assign(
    State(state): State<AppState>,
    ctx: Ctx,
    OrganizerPage(_): OrganizerPage,
    Path(action_item_id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mut form = FormState::from_pairs(&pairs);
    let result = match date_field(&form, "due_on") {
        Ok(due_on) => {
            let input = ItemAssignment {
                owner: form.value("owner").to_string(),
                due_on,
            };
            plan::assign(&state.db, action_item_id, &input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/plan/items/{action_item_id}")).into_response()),
        Err(AppError::Validation(fields)) => {
            for f in fields {
                form.error_on(&f.field, f.message);
            }
            let page = item_page_with(&state, ctx, action_item_id, None, Some(form)).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::plan::{Coalition, PlanItem};
    use crate::i18n::Lang;

    fn plan_with(progress: &[(i64, ItemStatus)]) -> Plan {
        Plan {
            action_plan_id: 1,
            coalition: Coalition {
                coalition_id: 1,
                slug: "dc".into(),
                name: "DC".into(),
                acronym: String::new(),
                aliases: Vec::new(),
            },
            title: "Plan".into(),
            aim: String::new(),
            period_label: String::new(),
            starts_on: NaiveDate::from_ymd_opt(2016, 1, 1).unwrap(),
            ends_on: NaiveDate::from_ymd_opt(2018, 12, 31).unwrap(),
            objectives: Vec::new(),
            items: progress
                .iter()
                .enumerate()
                .map(|(i, (p, s))| PlanItem {
                    action_item_id: i as i64 + 1,
                    action_plan_id: 1,
                    position: i as i64 + 1,
                    code: format!("AI-{}", i + 1),
                    text: String::new(),
                    status: *s,
                    progress: *p,
                    owner: String::new(),
                    due_on: None,
                    overdue: false,
                    last_update_on: None,
                })
                .collect(),
            other_plans: Vec::new(),
        }
    }

    #[test]
    fn bars_are_as_long_as_the_progress_and_mirror_in_arabic() {
        let plan = plan_with(&[
            (0, ItemStatus::NotStarted),
            (50, ItemStatus::InProgress),
            (100, ItemStatus::Completed),
        ]);
        let ltr = chart(&plan, &Translator::new(Lang::En));
        assert_eq!(
            ltr.bars.iter().map(|b| b.bar_w).collect::<Vec<_>>(),
            [0, TRACK_W / 2, TRACK_W]
        );
        assert!(ltr.bars.iter().all(|b| b.bar_x == TRACK_X));
        let rtl = chart(&plan, &Translator::new(Lang::Ar));
        // Bars grow from the right edge of the track.
        for b in &rtl.bars {
            assert_eq!(b.bar_x + b.bar_w, WIDTH - TRACK_X);
        }
        assert_eq!(rtl.code_anchor, "start");
        assert!(ltr.desc.contains('3'), "{}", ltr.desc);
    }
}
