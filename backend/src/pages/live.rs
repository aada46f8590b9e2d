//! The live pages: a participant's page (join form, then questions, votes, the floor queue),
//! the moderator console and the presenter screen. Each is rendered on the server from a
//! snapshot, so it reads without script; `static/live.js` connects the websocket and keeps it
//! current.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;

use super::organize::Choice;
use super::{Ctx, FormState, PageError, render, render_status};
use crate::domain::schedule::{AgeBand, Attendance, RegionalGroup, StakeholderGroup};
use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::ratelimit::{ClientAddress, RateLimits};
use crate::live::participants::{
    self, JoinRequest, LiveSessionInfo, ParticipantRef, participant_cookie, participant_cookie_name,
};
use crate::live::protocol::{QuestionView, Snapshot};
use crate::live::store::{self, Audience};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/live/{session_id}", get(live_page))
        .route("/live/{session_id}/join", axum::routing::post(join))
        .route("/live/{session_id}/moderate", get(console))
        .route(
            "/live/{session_id}/moderators",
            axum::routing::post(change_moderators),
        )
        .route("/live/{session_id}/screen", get(screen))
}

/// The cookie that carries a fresh participant's data key to the page that shows it once.
fn key_cookie_name(session_id: i64) -> String {
    format!("__Host-plenary-key-{session_id}")
}

/// The choices of a `<select>`.
type Options = Vec<Choice>;

fn options<T: std::fmt::Display + Copy>(ctx: &Ctx, prefix: &str, all: &[T]) -> Options {
    all.iter()
        .map(|v| Choice {
            value: v.to_string(),
            label: ctx.t.term(prefix, v),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "live.html")]
struct LivePage {
    ctx: Ctx,
    info: LiveSessionInfo,
    join_url: String,
    /// Joined: the participant; otherwise the join form is shown.
    me: Option<ParticipantRef>,
    /// Shown once, right after joining.
    data_key: Option<String>,
    form: FormState,
    age_bands: Options,
    attendances: Options,
    groups: Options,
    regions: Options,
    /// Approved and answered questions, most votes first (for reading without script).
    questions: Vec<QuestionView>,
    on_screen: Option<QuestionView>,
    youth: bool,
    strings: String,
}

#[derive(Template)]
#[template(path = "moderate.html")]
struct ConsolePage {
    ctx: Ctx,
    info: LiveSessionInfo,
    join_url: String,
    strings: String,
    reasons: Options,
    /// Organizers only: the session's moderators and who could be added.
    moderators: Vec<participants::SessionModerator>,
    assignable: Options,
}

#[derive(Template)]
#[template(path = "screen.html")]
struct ScreenPage {
    ctx: Ctx,
    info: LiveSessionInfo,
    join_url: String,
    on_screen: Option<QuestionView>,
    top: Vec<QuestionView>,
    strings: String,
}

/// The strings the live module needs, as one JSON object (it never carries user text).
fn strings(ctx: &Ctx) -> String {
    const KEYS: &[&str] = &[
        "live-connected",
        "live-reconnecting",
        "live-removed",
        "live-erased",
        "live-new-questions",
        "live-vote",
        "live-unvote",
        "live-votes",
        "live-withdraw",
        "live-report",
        "live-report-sent",
        "live-status-pending",
        "live-status-approved",
        "live-status-answered",
        "live-status-dismissed",
        "live-status-merged",
        "live-status-withdrawn",
        "live-merged-into",
        "live-on-screen",
        "live-anonymous",
        "live-hand-raise",
        "live-hand-lower",
        "live-hand-place",
        "live-hand-speaking",
        "live-presence",
        "live-reply",
        "live-held-for",
        "live-approve",
        "live-dismiss",
        "live-answered",
        "live-reopen",
        "live-show",
        "live-merge",
        "live-edit",
        "live-save",
        "live-label",
        "live-pin",
        "live-unpin",
        "live-call",
        "live-skip",
        "live-remove",
        "live-remove-ban",
        "live-error",
        "live-rate-limited",
        "live-suspended-note",
        "live-qa-closed",
        "live-chars-left",
        "live-nobody-waiting",
        "live-proposed-next",
        "live-entry",
        "live-state-closed",
        "live-state-open",
        "live-state-voting_only",
        "live-state-paused",
        "live-dismiss-reason",
        "live-merge-target",
        "live-report-category",
        "live-youth-level",
    ];
    let mut map = serde_json::Map::new();
    for key in KEYS {
        map.insert((*key).to_string(), ctx.t.get(key).into());
    }
    for reason in [
        "off_topic",
        "duplicate",
        "already_answered",
        "not_a_question",
        "contact_details",
        "breaks_code_of_conduct",
        "out_of_time",
    ] {
        let key = format!("dismiss-reason-{reason}");
        map.insert(key.clone(), ctx.t.get(&key).into());
    }
    for status in ["open", "in_review", "referred", "closed"] {
        let key = format!("report-status-{status}");
        map.insert(key.clone(), ctx.t.get(&key).into());
    }
    for category in [
        "csam",
        "grooming",
        "bullying",
        "personal_data",
        "hate",
        "spam",
        "other",
    ] {
        let key = format!("report-category-{category}");
        map.insert(key.clone(), ctx.t.get(&key).into());
    }
    // Carried in a data attribute, so the template's HTML escaping is all it needs.
    serde_json::Value::Object(map).to_string()
}

async fn participant_of(
    state: &AppState,
    jar: &CookieJar,
    session_id: i64,
) -> Result<Option<ParticipantRef>, AppError> {
    match jar.get(&participant_cookie_name(session_id)) {
        Some(c) => participants::participant_for_token(&state.db, session_id, c.value()).await,
        None => Ok(None),
    }
}

async fn public_snapshot(state: &AppState, session_id: i64) -> Result<Snapshot, AppError> {
    Ok(store::snapshot(
        &state.db,
        session_id,
        Audience::Viewer,
        None,
        state.live.limits().public(),
        0,
    )
    .await?)
}

fn join_url(state: &AppState, info: &LiveSessionInfo) -> String {
    format!("{}/j/{}", state.public_url, info.join_code)
}

fn by_votes(mut questions: Vec<QuestionView>) -> Vec<QuestionView> {
    questions.sort_by(|a, b| {
        b.pinned
            .cmp(&a.pinned)
            .then(b.votes.cmp(&a.votes))
            .then(a.question_id.cmp(&b.question_id))
    });
    questions
}

async fn build_live_page(
    state: &AppState,
    ctx: Ctx,
    session_id: i64,
    me: Option<ParticipantRef>,
    data_key: Option<String>,
    form: FormState,
) -> Result<LivePage, PageError> {
    let info = participants::session_info(&state.db, session_id).await?;
    let snapshot = public_snapshot(state, session_id).await?;
    let on_screen = snapshot.state.on_screen.and_then(|id| {
        snapshot
            .questions
            .iter()
            .find(|q| q.question_id == id)
            .cloned()
    });
    Ok(LivePage {
        join_url: join_url(state, &info),
        age_bands: options(&ctx, "age-band", AgeBand::ALL),
        attendances: options(&ctx, "attendance", Attendance::ALL),
        groups: options(&ctx, "stakeholder", StakeholderGroup::ALL),
        regions: options(&ctx, "region", RegionalGroup::ALL),
        youth: snapshot.state.safeguarding == crate::live::protocol::SafeguardingLevel::Youth,
        questions: by_votes(snapshot.questions),
        on_screen,
        strings: strings(&ctx),
        info,
        me,
        data_key,
        form,
        ctx,
    })
}

async fn live_page(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Path(session_id): Path<i64>,
) -> Result<Response, PageError> {
    let me = participant_of(&state, &jar, session_id).await?;
    // The data key of a join that just happened, shown on this one page view only.
    let key_name = key_cookie_name(session_id);
    let data_key = jar.get(&key_name).map(|c| c.value().to_string());
    let jar = if data_key.is_some() {
        jar.remove(Cookie::build(key_name).path("/"))
    } else {
        jar
    };
    let page = build_live_page(&state, ctx, session_id, me, data_key, FormState::default()).await?;
    let mut response = (jar, render(&page)?).into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

#[derive(Deserialize)]
struct JoinForm {
    #[serde(default)]
    handle: String,
    #[serde(default)]
    age_band: String,
    #[serde(default)]
    attendance: String,
    #[serde(default)]
    stakeholder_group: String,
    #[serde(default)]
    regional_group: String,
    #[serde(default)]
    accept_code_of_conduct: Option<String>,
}

async fn join(
    State(state): State<AppState>,
    ctx: Ctx,
    address: ClientAddress,
    jar: CookieJar,
    Path(session_id): Path<i64>,
    Form(form): Form<JoinForm>,
) -> Result<Response, PageError> {
    RateLimits::check(&state.limits.join, address)?;
    let request = JoinRequest {
        handle: form.handle.clone(),
        age_band: form.age_band.clone(),
        attendance: form.attendance.clone(),
        stakeholder_group: Some(form.stakeholder_group.clone()),
        regional_group: Some(form.regional_group.clone()),
        accept_code_of_conduct: form.accept_code_of_conduct.is_some(),
    };
    match participants::join_from(&state.db, session_id, &request, &address.key().to_string()).await
    {
        Ok(joined) => {
            let key = Cookie::build((key_cookie_name(session_id), joined.data_key))
                .path("/")
                .secure(true)
                .http_only(true)
                .same_site(SameSite::Strict)
                .max_age(time::Duration::minutes(10))
                .build();
            let jar = jar
                .add(participant_cookie(session_id, joined.token))
                .add(key);
            Ok((jar, Redirect::to(&format!("/live/{session_id}"))).into_response())
        }
        Err(AppError::Validation(fields)) => {
            let mut state_form = FormState::from_pairs(&[
                ("handle".into(), form.handle),
                ("age_band".into(), form.age_band),
                ("attendance".into(), form.attendance),
                ("stakeholder_group".into(), form.stakeholder_group),
                ("regional_group".into(), form.regional_group),
            ]);
            for f in fields {
                state_form.error_on(&f.field, f.message);
            }
            let page = build_live_page(&state, ctx, session_id, None, None, state_form).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other.into()),
    }
}

async fn console(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(session_id): Path<i64>,
) -> Result<Response, PageError> {
    let Some(staff) = ctx.staff.clone() else {
        return Err(PageError::Login {
            next: format!("/live/{session_id}/moderate"),
        });
    };
    let info = participants::session_info(&state.db, session_id).await?;
    if !participants::can_moderate(&state.db.pool, session_id, &staff)
        .await
        .map_err(AppError::from)?
    {
        return Err(AppError::Forbidden.into());
    }
    let reasons = [
        "off_topic",
        "duplicate",
        "already_answered",
        "not_a_question",
        "contact_details",
        "breaks_code_of_conduct",
        "out_of_time",
    ]
    .iter()
    .map(|r| Choice {
        value: r.to_string(),
        label: ctx.t.get(&format!("dismiss-reason-{r}")),
    })
    .collect();
    let (moderators, assignable) = if ctx.is_organizer() {
        let staff = participants::list_assignable_staff(&state.db)
            .await?
            .into_iter()
            .map(|(id, name, role)| Choice {
                value: id.to_string(),
                label: format!("{name} ({})", ctx.t.term("staff-role", &role)),
            })
            .collect();
        (
            participants::list_moderators(&state.db, session_id).await?,
            staff,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    render(&ConsolePage {
        join_url: join_url(&state, &info),
        strings: strings(&ctx),
        reasons,
        moderators,
        assignable,
        info,
        ctx,
    })
}

async fn screen(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(session_id): Path<i64>,
) -> Result<Response, PageError> {
    let info = participants::session_info(&state.db, session_id).await?;
    let snapshot = public_snapshot(&state, session_id).await?;
    let on_screen = snapshot.state.on_screen.and_then(|id| {
        snapshot
            .questions
            .iter()
            .find(|q| q.question_id == id)
            .cloned()
    });
    let top = by_votes(snapshot.questions)
        .into_iter()
        .filter(|q| q.status == crate::domain::qa::QuestionStatus::Approved)
        .take(5)
        .collect();
    render(&ScreenPage {
        join_url: join_url(&state, &info),
        strings: strings(&ctx),
        on_screen,
        top,
        info,
        ctx,
    })
}

#[derive(Deserialize)]
struct ModeratorForm {
    staff_id: i64,
    #[serde(default)]
    role: String,
    /// `add` or `remove`.
    action: String,
}

/// Organizers add or remove a session's moderators from the console.
async fn change_moderators(
    State(state): State<AppState>,
    super::OrganizerPage(_): super::OrganizerPage,
    Path(session_id): Path<i64>,
    Form(form): Form<ModeratorForm>,
) -> Result<Response, PageError> {
    let mut list = participants::list_moderators(&state.db, session_id).await?;
    list.retain(|m| m.staff_id != form.staff_id);
    if form.action == "add" {
        let role = crate::domain::schedule::ModeratorRole::parse(&form.role)
            .map_err(|e| AppError::field("role", e))?;
        list.push(participants::SessionModerator {
            staff_id: form.staff_id,
            role,
            display_name: String::new(),
        });
    }
    participants::set_moderators(&state.db, session_id, &list).await?;
    Ok(Redirect::to(&format!("/live/{session_id}/moderate#moderators-heading")).into_response())
}
