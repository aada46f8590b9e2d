//! iCalendar feeds that calendar apps subscribe to: per event, session, room, recurring series,
//! and a personal "my schedule" behind a secret link. Online join links appear only when the
//! feed is opened with an organizer-issued feed key (`?key=…`).

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::AppState;
use super::error::AppError;
use crate::auth::token_hash;
use crate::calendar::{self, Feed, FeedEvent, FeedSeries};
use crate::domain::schedule::SessionStatus;
use crate::meetings::{self, Series};
use crate::programme::{self, Session, SessionFilter};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/calendar/events/{file}", get(event_feed))
        .route("/calendar/sessions/{file}", get(session_feed))
        .route("/calendar/rooms/{file}", get(room_feed))
        .route("/calendar/series/{file}", get(series_feed))
        .route("/calendar/my/{file}", get(my_feed))
}

/// `?key=` unlocks online join links.
#[derive(Debug, Deserialize)]
pub struct FeedQuery {
    pub key: Option<String>,
}

/// Strips the `.ics` a feed URL ends with; anything else is not a feed.
fn stem(file: &str) -> Result<&str, AppError> {
    file.strip_suffix(".ics")
        .filter(|s| !s.is_empty())
        .ok_or(AppError::NotFound)
}

/// True when `key` is a current feed key.
async fn authorised(state: &AppState, q: &FeedQuery) -> Result<bool, AppError> {
    let Some(key) = q.key.as_deref().filter(|k| !k.is_empty() && k.len() <= 100) else {
        return Ok(false);
    };
    let found: Option<String> = sqlx::query_scalar(
        "select token_hash from feed_key where token_hash = $1 and revoked_at is null",
    )
    .bind(token_hash(key))
    .fetch_optional(&state.db.pool)
    .await?;
    if found.is_none() {
        // A wrong key is an error, not a silently public feed: the subscriber should know.
        return Err(AppError::NotFound);
    }
    Ok(true)
}

fn host(state: &AppState) -> &str {
    state
        .public_url
        .split("://")
        .nth(1)
        .unwrap_or(&state.public_url)
}

/// A session as a calendar entry.
fn session_entry(
    state: &AppState,
    s: &Session,
    location: String,
    with_join_link: bool,
) -> FeedEvent {
    let mut description = String::new();
    if !s.description.is_empty() {
        description.push_str(&s.description);
        description.push_str("\n\n");
    }
    for q in &s.policy_questions {
        description.push_str("• ");
        description.push_str(q);
        description.push('\n');
    }
    if !s.roles.is_empty() {
        let names: Vec<String> = s
            .roles
            .iter()
            .map(|r| format!("{} ({})", r.name, r.role.as_str().replace('_', " ")))
            .collect();
        description.push_str(&format!("\nWith: {}\n", names.join(", ")));
    }
    let page = format!("{}/sessions/{}", state.public_url, s.session_id);
    if with_join_link {
        if let Some(url) = &s.online_join_url {
            description.push_str(&format!("\nJoin online: {url}\n"));
        }
    }
    description.push_str(&format!("\nProgramme: {page}"));
    let mut categories = vec![s.type_name.clone()];
    if !s.track.is_empty() {
        categories.push(s.track.clone());
    }
    FeedEvent {
        uid: format!("session-{}@{}", s.session_id, host(state)),
        summary: format!("{}: {}", s.label, s.title),
        description,
        location,
        categories,
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        url: Some(page),
        cancelled: s.status == SessionStatus::Cancelled,
        // Every write bumps updated_at; seconds since creation grow with each change.
        sequence: u32::try_from((s.updated_at - s.created_at).num_seconds().max(0))
            .unwrap_or(u32::MAX),
        last_modified: s.updated_at,
    }
}

/// "Room, Venue, City, Country" for each room, so entries say where to go.
async fn room_locations(state: &AppState) -> Result<HashMap<i64, String>, AppError> {
    let venues: HashMap<i64, String> = programme::list_venues(&state.db)
        .await?
        .into_iter()
        .map(|v| {
            let line = [v.name, v.city, v.country]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            (v.venue_id, line)
        })
        .collect();
    Ok(programme::list_rooms(&state.db, None)
        .await?
        .into_iter()
        .map(|r| {
            let line = match venues.get(&r.venue_id) {
                Some(v) if !v.is_empty() => format!("{}, {v}", r.name),
                _ => r.name,
            };
            (r.room_id, line)
        })
        .collect())
}

fn ics(feed: &Feed, filename: &str, private: bool) -> Response {
    let body = calendar::render(feed);
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{filename}.ics\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if private {
            "private, no-store"
        } else {
            "public, max-age=300"
        }),
    );
    response
}

fn feed(name: String, description: String) -> Feed {
    Feed {
        name,
        description,
        refresh_minutes: 60,
        events: Vec::new(),
        series: Vec::new(),
    }
}

async fn sessions_feed(
    state: &AppState,
    filter: SessionFilter,
    with_join: bool,
) -> Result<Vec<FeedEvent>, AppError> {
    let sessions = programme::list_sessions(
        &state.db,
        &SessionFilter {
            include_cancelled: true,
            ..filter
        },
    )
    .await?;
    let locations = room_locations(state).await?;
    Ok(sessions
        .iter()
        .map(|s| {
            let location = s
                .room_id
                .and_then(|id| locations.get(&id))
                .cloned()
                .unwrap_or_default();
            session_entry(state, s, location, with_join)
        })
        .collect())
}

async fn event_feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<FeedQuery>,
) -> Result<Response, AppError> {
    let slug = stem(&file)?;
    let with_join = authorised(&state, &q).await?;
    let event = programme::event_by_slug(&state.db, slug).await?;
    let mut f = feed(
        event.name.clone(),
        format!("Programme of {} ({} time)", event.name, event.time_zone),
    );
    f.events = sessions_feed(
        &state,
        SessionFilter {
            event_id: Some(event.event_id),
            ..Default::default()
        },
        with_join,
    )
    .await?;
    Ok(ics(&f, slug, with_join))
}

async fn session_feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<FeedQuery>,
) -> Result<Response, AppError> {
    let id: i64 = stem(&file)?.parse().map_err(|_| AppError::NotFound)?;
    let with_join = authorised(&state, &q).await?;
    let session = programme::session_by_id(&state.db, id).await?;
    let mut f = feed(
        format!("{}: {}", session.label, session.title),
        String::new(),
    );
    f.events = sessions_feed(
        &state,
        SessionFilter {
            session_id: Some(id),
            ..Default::default()
        },
        with_join,
    )
    .await?;
    Ok(ics(&f, &format!("session-{id}"), with_join))
}

async fn room_feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<FeedQuery>,
) -> Result<Response, AppError> {
    let id: i64 = stem(&file)?.parse().map_err(|_| AppError::NotFound)?;
    let with_join = authorised(&state, &q).await?;
    let room = programme::room_by_id(&state.db, id).await?;
    let mut f = feed(room.name.clone(), format!("Sessions in {}", room.name));
    f.events = sessions_feed(
        &state,
        SessionFilter {
            room_id: Some(id),
            ..Default::default()
        },
        with_join,
    )
    .await?;
    Ok(ics(&f, &format!("room-{id}"), with_join))
}

/// A recurring series as one master entry with its RRULE, moves and cancellations.
async fn series_entry(
    state: &AppState,
    series: &Series,
    with_join: bool,
) -> Result<FeedSeries, AppError> {
    let mut description = series.description.clone();
    if with_join {
        if let Some(url) = &series.online_join_url {
            description.push_str(&format!("\n\nJoin online: {url}"));
        }
    }
    let page = format!("{}/meetings/{}", state.public_url, series.slug);
    description.push_str(&format!("\n\nMeetings: {page}"));
    Ok(FeedSeries {
        uid: format!("series-{}@{}", series.series_id, host(state)),
        summary: series.title.clone(),
        description,
        location: "Online".into(),
        categories: vec!["Inter-sessional meeting".into()],
        url: Some(page),
        rule: series.rule()?,
        exceptions: meetings::exceptions_of(&state.db, series.series_id).await?,
        // Every change bumps updated_at; seconds since creation grow with each change.
        sequence: u32::try_from((series.updated_at - series.created_at).num_seconds().max(0))
            .unwrap_or(u32::MAX),
        last_modified: series.updated_at,
    })
}

async fn series_feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<FeedQuery>,
) -> Result<Response, AppError> {
    let slug = stem(&file)?;
    let with_join = authorised(&state, &q).await?;
    let series = meetings::series_by_slug(&state.db, slug).await?;
    let mut f = feed(series.title.clone(), series.description.clone());
    f.series
        .push(series_entry(&state, &series, with_join).await?);
    Ok(ics(&f, slug, with_join))
}

async fn my_feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let token = stem(&file)?;
    let id: Option<i64> = sqlx::query_scalar(
        "select personal_schedule_id from personal_schedule where token_hash = $1",
    )
    .bind(token_hash(token))
    .fetch_optional(&state.db.pool)
    .await?;
    let id = id.ok_or(AppError::NotFound)?;
    let mut f = feed(
        "My schedule".into(),
        "Sessions I added to my schedule in Plenary".into(),
    );
    f.events = sessions_feed(
        &state,
        SessionFilter {
            personal_schedule_id: Some(id),
            ..Default::default()
        },
        false,
    )
    .await?;
    Ok(ics(&f, "my-schedule", true))
}
