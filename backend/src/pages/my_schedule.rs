//! "My schedule": a visitor without an account collects sessions; the schedule is opened by a
//! secret token kept in a cookie, and can be subscribed to through a private calendar link.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;

use super::view::SessionView;
use super::{Ctx, PageError, local_path, render};
use crate::http::AppState;
use crate::programme::{self, SessionFilter};

/// The cookie holding the personal schedule's secret token.
pub const SCHEDULE_COOKIE: &str = "__Host-plenary-schedule";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/my-schedule", get(show_my_schedule))
        .route("/my-schedule/sessions/{session_id}", post(add_session))
        .route(
            "/my-schedule/sessions/{session_id}/remove",
            post(remove_session),
        )
}

fn schedule_cookie(token: String) -> Cookie<'static> {
    Cookie::build((SCHEDULE_COOKIE, token))
        .path("/")
        .secure(true)
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::days(400))
        .build()
}

fn token(jar: &CookieJar) -> Option<String> {
    jar.get(SCHEDULE_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

/// The visitor's personal schedule, if their cookie opens one.
pub async fn schedule_id(state: &AppState, jar: &CookieJar) -> Result<Option<i64>, PageError> {
    match token(jar) {
        Some(token) => Ok(programme::personal_schedule_for_token(&state.db, &token).await?),
        None => Ok(None),
    }
}

#[derive(Deserialize)]
struct BackTo {
    next: Option<String>,
}

async fn add_session(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(session_id): Path<i64>,
    Form(form): Form<BackTo>,
) -> Result<Response, PageError> {
    // Refuse unknown sessions before creating anything.
    programme::session_by_id(&state.db, session_id).await?;
    let (jar, id) = match schedule_id(&state, &jar).await? {
        Some(id) => (jar, id),
        None => {
            let (id, token) = programme::create_personal_schedule(&state.db).await?;
            (jar.add(schedule_cookie(token)), id)
        }
    };
    programme::add_to_personal_schedule(&state.db, id, session_id).await?;
    let fallback = format!("/sessions/{session_id}");
    let next = local_path(form.next.as_deref(), &fallback).to_string();
    Ok((jar, Redirect::to(&next)).into_response())
}

async fn remove_session(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(session_id): Path<i64>,
    Form(form): Form<BackTo>,
) -> Result<Response, PageError> {
    if let Some(id) = schedule_id(&state, &jar).await? {
        programme::remove_from_personal_schedule(&state.db, id, session_id).await?;
    }
    let next = local_path(form.next.as_deref(), "/my-schedule").to_string();
    Ok(Redirect::to(&next).into_response())
}

#[derive(Template)]
#[template(path = "my_schedule.html")]
struct MySchedulePage {
    ctx: Ctx,
    sessions: Vec<SessionView>,
    /// The private subscription link; None until the visitor has a schedule.
    feed_url: Option<String>,
}

async fn show_my_schedule(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response, PageError> {
    let Some(token) = token(&jar) else {
        return render(&MySchedulePage {
            ctx,
            sessions: Vec::new(),
            feed_url: None,
        });
    };
    let Some(id) = programme::personal_schedule_for_token(&state.db, &token).await? else {
        return render(&MySchedulePage {
            ctx,
            sessions: Vec::new(),
            feed_url: None,
        });
    };
    let filter = SessionFilter {
        personal_schedule_id: Some(id),
        include_cancelled: true,
        ..Default::default()
    };
    let mut sessions = Vec::new();
    let mut zones = std::collections::HashMap::new();
    for s in programme::list_sessions(&state.db, &filter).await? {
        if let std::collections::hash_map::Entry::Vacant(slot) = zones.entry(s.event_id) {
            slot.insert(programme::event_by_id(&state.db, s.event_id).await?.tz());
        }
        let host = zones[&s.event_id];
        sessions.push(SessionView::new(&s, &host, None, &ctx.t));
    }
    let feed_url = Some(format!("{}/calendar/my/{token}.ics", state.public_url));
    render(&MySchedulePage {
        ctx,
        sessions,
        feed_url,
    })
}
