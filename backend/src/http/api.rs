//! The JSON API: read for everyone, write for organizers. Every route is described in the
//! OpenAPI document served at `/api/openapi.json`, generated from these handlers.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{NaiveDate, TimeZone};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{AppError, ErrorBody};
use super::extract::{Json, Query};
use crate::auth::{MaybeStaff, Organizer};
use crate::domain::conflicts::Conflict;
use crate::domain::recurrence::Occurrence;
use crate::domain::rotation::{self, Rotation};
use crate::meetings::{self, ExceptionInput, Series, SeriesInput};
use crate::programme::{
    self, Event, EventInput, Person, PersonInput, Room, RoomInput, Session, SessionFilter,
    SessionInput, SessionSaved, SessionType, SessionTypeInput, UnavailabilityInput, Venue,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Plenary API",
        description = "Programme of IGF weeks and inter-sessional meetings. \
        Reads are public; writes need an organizer's login cookie. Errors share one shape: \
        {\"error\": code, \"message\": text, \"fields\": [...], \"conflicts\": [...]}."
    ),
    components(schemas(ErrorBody))
)]
struct ApiDoc;

/// The API routes with their OpenAPI description.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(list_events, create_event))
        .routes(routes!(get_event, update_event))
        .routes(routes!(get_event_retention, set_event_retention))
        .routes(routes!(list_event_sessions, create_session))
        .routes(routes!(check_session))
        .routes(routes!(list_event_conflicts))
        .routes(routes!(get_session, update_session))
        .routes(routes!(list_venues, create_venue))
        .routes(routes!(list_rooms, create_room))
        .routes(routes!(update_room))
        .routes(routes!(list_session_types, create_session_type))
        .routes(routes!(list_people, create_person))
        .routes(routes!(add_unavailability))
        .routes(routes!(list_series, create_series))
        .routes(routes!(get_series))
        .routes(routes!(list_occurrences))
        .routes(routes!(set_series_exception))
        .routes(routes!(propose_rotation))
        .routes(routes!(list_feed_keys, create_feed_key))
        .routes(routes!(revoke_feed_key))
}

/// One page of a longer list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paginated<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

/// Which page to return: `page` from 1, `per_page` from 1 to 200 (default 50).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl PageQuery {
    fn resolve(&self) -> Result<(i64, i64), AppError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(50);
        if page < 1 {
            return Err(AppError::field("page", "must be 1 or more"));
        }
        if !(1..=200).contains(&per_page) {
            return Err(AppError::field("per_page", "must be between 1 and 200"));
        }
        Ok((page, per_page))
    }
}

#[utoipa::path(get, path = "/api/events", tag = "events",
    responses((status = 200, body = Vec<Event>)))]
async fn list_events(State(state): State<AppState>) -> Result<axum::Json<Vec<Event>>, AppError> {
    Ok(axum::Json(programme::list_events(&state.db).await?))
}

#[utoipa::path(post, path = "/api/events", tag = "events", request_body = EventInput,
    responses((status = 201, body = Event), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create_event(
    State(state): State<AppState>,
    _: Organizer,
    Json(input): Json<EventInput>,
) -> Result<(StatusCode, axum::Json<Event>), AppError> {
    Ok((
        StatusCode::CREATED,
        axum::Json(programme::create_event(&state.db, &input).await?),
    ))
}

#[utoipa::path(get, path = "/api/events/{slug}", tag = "events",
    params(("slug" = String, Path, description = "The event's slug, e.g. igf-2025")),
    responses((status = 200, body = Event), (status = 404, body = ErrorBody)))]
async fn get_event(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<axum::Json<Event>, AppError> {
    Ok(axum::Json(
        programme::event_by_slug(&state.db, &slug).await?,
    ))
}

#[utoipa::path(put, path = "/api/events/{slug}", tag = "events", request_body = EventInput,
    params(("slug" = String, Path)),
    responses((status = 200, body = Event), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_event(
    State(state): State<AppState>,
    _: Organizer,
    Path(slug): Path<String>,
    Json(input): Json<EventInput>,
) -> Result<axum::Json<Event>, AppError> {
    let event = programme::event_by_slug(&state.db, &slug).await?;
    Ok(axum::Json(
        programme::update_event(&state.db, event.event_id, &input).await?,
    ))
}

#[utoipa::path(get, path = "/api/events/{slug}/retention", tag = "events",
    params(("slug" = String, Path)),
    responses((status = 200, body = crate::retention::EventRetention,
        description = "Periods in days after the event; null means the configured default"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_event_retention(
    State(state): State<AppState>,
    _: Organizer,
    Path(slug): Path<String>,
) -> Result<axum::Json<crate::retention::EventRetention>, AppError> {
    let event = programme::event_by_slug(&state.db, &slug).await?;
    Ok(axum::Json(
        crate::retention::event_retention(&state.db, event.event_id).await?,
    ))
}

#[utoipa::path(put, path = "/api/events/{slug}/retention", tag = "events",
    request_body = crate::retention::EventRetention, params(("slug" = String, Path)),
    responses((status = 200, body = crate::retention::EventRetention), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_event_retention(
    State(state): State<AppState>,
    _: Organizer,
    Path(slug): Path<String>,
    Json(periods): Json<crate::retention::EventRetention>,
) -> Result<axum::Json<crate::retention::EventRetention>, AppError> {
    let event = programme::event_by_slug(&state.db, &slug).await?;
    Ok(axum::Json(
        crate::retention::set_event_retention(&state.db, event.event_id, &periods).await?,
    ))
}

/// Filters for an event's sessions.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionQuery {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    /// Only this host-local day (YYYY-MM-DD).
    pub day: Option<NaiveDate>,
    pub room_id: Option<i64>,
    /// Include cancelled sessions (default false).
    pub include_cancelled: Option<bool>,
}

/// The filter for one host-local day of an event.
pub fn day_filter(event: &Event, day: NaiveDate) -> SessionFilter {
    let tz = event.tz();
    let start = tz
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .earliest();
    let end = day.succ_opt().and_then(|d| {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight exists"))
            .earliest()
    });
    SessionFilter {
        event_id: Some(event.event_id),
        from: start.map(|t| t.to_utc()),
        to: end.map(|t| t.to_utc()),
        ..Default::default()
    }
}

/// Removes what only staff may see.
fn public(mut s: Session, staff: &MaybeStaff) -> Session {
    if staff.0.is_none() {
        s.online_join_url = None;
    }
    s
}

#[utoipa::path(get, path = "/api/events/{slug}/sessions", tag = "sessions",
    params(("slug" = String, Path), SessionQuery),
    responses((status = 200, body = Paginated<Session>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_event_sessions(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(slug): Path<String>,
    Query(q): Query<SessionQuery>,
) -> Result<axum::Json<Paginated<Session>>, AppError> {
    let (page, per_page) = PageQuery {
        page: q.page,
        per_page: q.per_page,
    }
    .resolve()?;
    let event = programme::event_by_slug(&state.db, &slug).await?;
    let mut filter = match q.day {
        Some(day) => day_filter(&event, day),
        None => SessionFilter {
            event_id: Some(event.event_id),
            ..Default::default()
        },
    };
    filter.room_id = q.room_id;
    filter.include_cancelled = q.include_cancelled.unwrap_or(false);
    let total = programme::count_sessions(&state.db, &filter).await?;
    filter.limit = Some(per_page);
    filter.offset = (page - 1) * per_page;
    let items = programme::list_sessions(&state.db, &filter)
        .await?
        .into_iter()
        .map(|s| public(s, &staff))
        .collect();
    Ok(axum::Json(Paginated {
        items,
        page,
        per_page,
        total,
    }))
}

#[utoipa::path(post, path = "/api/events/{slug}/sessions", tag = "sessions", request_body = SessionInput,
    params(("slug" = String, Path)),
    responses((status = 201, body = SessionSaved, description = "Created; `conflicts` lists warnings and overridden conflicts"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Blocking conflicts, listed in `conflicts`"),
        (status = 422, body = ErrorBody)))]
async fn create_session(
    State(state): State<AppState>,
    Organizer(staff): Organizer,
    Path(slug): Path<String>,
    Json(input): Json<SessionInput>,
) -> Result<(StatusCode, axum::Json<SessionSaved>), AppError> {
    let event = programme::event_by_slug(&state.db, &slug).await?;
    let saved = programme::save_session(&state.db, &event, None, &input, staff.staff_id).await?;
    Ok((StatusCode::CREATED, axum::Json(saved)))
}

#[utoipa::path(post, path = "/api/events/{slug}/sessions/check", tag = "sessions", request_body = SessionInput,
    params(("slug" = String, Path), ("session_id" = Option<i64>, Query, description = "The session being moved, if any")),
    responses((status = 200, body = Vec<Conflict>, description = "What saving would run into; nothing is saved"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn check_session(
    State(state): State<AppState>,
    _: Organizer,
    Path(slug): Path<String>,
    Query(q): Query<CheckQuery>,
    Json(input): Json<SessionInput>,
) -> Result<axum::Json<Vec<Conflict>>, AppError> {
    let event = programme::event_by_slug(&state.db, &slug).await?;
    Ok(axum::Json(
        programme::check_session(&state.db, &event, q.session_id, &input).await?,
    ))
}

/// Which session a conflict check is for.
#[derive(Debug, Deserialize)]
pub struct CheckQuery {
    pub session_id: Option<i64>,
}

#[utoipa::path(get, path = "/api/events/{slug}/conflicts", tag = "sessions",
    params(("slug" = String, Path)),
    responses((status = 200, body = Vec<Conflict>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_event_conflicts(
    State(state): State<AppState>,
    _: Organizer,
    Path(slug): Path<String>,
) -> Result<axum::Json<Vec<Conflict>>, AppError> {
    let event = programme::event_by_slug(&state.db, &slug).await?;
    Ok(axum::Json(
        programme::event_conflicts(&state.db, &event).await?,
    ))
}

#[utoipa::path(get, path = "/api/sessions/{session_id}", tag = "sessions",
    params(("session_id" = i64, Path)),
    responses((status = 200, body = Session), (status = 404, body = ErrorBody)))]
async fn get_session(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(session_id): Path<i64>,
) -> Result<axum::Json<Session>, AppError> {
    Ok(axum::Json(public(
        programme::session_by_id(&state.db, session_id).await?,
        &staff,
    )))
}

#[utoipa::path(put, path = "/api/sessions/{session_id}", tag = "sessions", request_body = SessionInput,
    params(("session_id" = i64, Path)),
    responses((status = 200, body = SessionSaved), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_session(
    State(state): State<AppState>,
    Organizer(staff): Organizer,
    Path(session_id): Path<i64>,
    Json(input): Json<SessionInput>,
) -> Result<axum::Json<SessionSaved>, AppError> {
    let existing = programme::session_by_id(&state.db, session_id).await?;
    let event = programme::event_by_id(&state.db, existing.event_id).await?;
    Ok(axum::Json(
        programme::save_session(&state.db, &event, Some(session_id), &input, staff.staff_id)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/venues", tag = "venues", responses((status = 200, body = Vec<Venue>)))]
async fn list_venues(State(state): State<AppState>) -> Result<axum::Json<Vec<Venue>>, AppError> {
    Ok(axum::Json(programme::list_venues(&state.db).await?))
}

#[utoipa::path(post, path = "/api/venues", tag = "venues", request_body = Venue,
    responses((status = 201, body = Venue), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_venue(
    State(state): State<AppState>,
    _: Organizer,
    Json(input): Json<Venue>,
) -> Result<(StatusCode, axum::Json<Venue>), AppError> {
    Ok((
        StatusCode::CREATED,
        axum::Json(programme::create_venue(&state.db, &input).await?),
    ))
}

/// Filter rooms by venue.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoomQuery {
    pub venue_id: Option<i64>,
}

#[utoipa::path(get, path = "/api/rooms", tag = "venues", params(RoomQuery), responses((status = 200, body = Vec<Room>)))]
async fn list_rooms(
    State(state): State<AppState>,
    Query(q): Query<RoomQuery>,
) -> Result<axum::Json<Vec<Room>>, AppError> {
    Ok(axum::Json(
        programme::list_rooms(&state.db, q.venue_id).await?,
    ))
}

#[utoipa::path(post, path = "/api/rooms", tag = "venues", request_body = RoomInput,
    responses((status = 201, body = Room), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_room(
    State(state): State<AppState>,
    _: Organizer,
    Json(input): Json<RoomInput>,
) -> Result<(StatusCode, axum::Json<Room>), AppError> {
    Ok((
        StatusCode::CREATED,
        axum::Json(programme::create_room(&state.db, &input).await?),
    ))
}

#[utoipa::path(put, path = "/api/rooms/{room_id}", tag = "venues", request_body = RoomInput, params(("room_id" = i64, Path)),
    responses((status = 200, body = Room), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_room(
    State(state): State<AppState>,
    _: Organizer,
    Path(room_id): Path<i64>,
    Json(input): Json<RoomInput>,
) -> Result<axum::Json<Room>, AppError> {
    Ok(axum::Json(
        programme::update_room(&state.db, room_id, &input).await?,
    ))
}

#[utoipa::path(get, path = "/api/session-types", tag = "sessions", responses((status = 200, body = Vec<SessionType>)))]
async fn list_session_types(
    State(state): State<AppState>,
) -> Result<axum::Json<Vec<SessionType>>, AppError> {
    Ok(axum::Json(programme::list_session_types(&state.db).await?))
}

#[utoipa::path(post, path = "/api/session-types", tag = "sessions", request_body = SessionTypeInput,
    responses((status = 201, body = SessionType), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_session_type(
    State(state): State<AppState>,
    _: Organizer,
    Json(input): Json<SessionTypeInput>,
) -> Result<(StatusCode, axum::Json<SessionType>), AppError> {
    Ok((
        StatusCode::CREATED,
        axum::Json(programme::create_session_type(&state.db, &input).await?),
    ))
}

#[utoipa::path(get, path = "/api/people", tag = "people", params(PageQuery),
    responses((status = 200, body = Paginated<Person>), (status = 422, body = ErrorBody)))]
async fn list_people(
    State(state): State<AppState>,
    Query(q): Query<PageQuery>,
) -> Result<axum::Json<Paginated<Person>>, AppError> {
    let (page, per_page) = q.resolve()?;
    let (items, total) = programme::list_people(&state.db, per_page, (page - 1) * per_page).await?;
    Ok(axum::Json(Paginated {
        items,
        page,
        per_page,
        total,
    }))
}

#[utoipa::path(post, path = "/api/people", tag = "people", request_body = PersonInput,
    responses((status = 201, body = Person), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_person(
    State(state): State<AppState>,
    _: Organizer,
    Json(input): Json<PersonInput>,
) -> Result<(StatusCode, axum::Json<Person>), AppError> {
    Ok((
        StatusCode::CREATED,
        axum::Json(programme::create_person(&state.db, &input).await?),
    ))
}

/// The id of a stored record.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

#[utoipa::path(post, path = "/api/people/{person_id}/unavailability", tag = "people", request_body = UnavailabilityInput,
    params(("person_id" = i64, Path)),
    responses((status = 201, body = Created), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_unavailability(
    State(state): State<AppState>,
    _: Organizer,
    Path(person_id): Path<i64>,
    Json(input): Json<UnavailabilityInput>,
) -> Result<(StatusCode, axum::Json<Created>), AppError> {
    let id = programme::add_unavailability(&state.db, person_id, &input).await?;
    Ok((StatusCode::CREATED, axum::Json(Created { id })))
}

/// Removes the join link unless staff are signed in.
fn public_series(mut s: Series, staff: &MaybeStaff) -> Series {
    if staff.0.is_none() {
        s.online_join_url = None;
    }
    s
}

#[utoipa::path(get, path = "/api/series", tag = "meetings", responses((status = 200, body = Vec<Series>)))]
async fn list_series(
    State(state): State<AppState>,
    staff: MaybeStaff,
) -> Result<axum::Json<Vec<Series>>, AppError> {
    let all = meetings::list_series(&state.db).await?;
    Ok(axum::Json(
        all.into_iter().map(|s| public_series(s, &staff)).collect(),
    ))
}

#[utoipa::path(post, path = "/api/series", tag = "meetings", request_body = SeriesInput,
    responses((status = 201, body = Series), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_series(
    State(state): State<AppState>,
    _: Organizer,
    Json(input): Json<SeriesInput>,
) -> Result<(StatusCode, axum::Json<Series>), AppError> {
    Ok((
        StatusCode::CREATED,
        axum::Json(meetings::create_series(&state.db, &input).await?),
    ))
}

#[utoipa::path(get, path = "/api/series/{slug}", tag = "meetings", params(("slug" = String, Path)),
    responses((status = 200, body = Series), (status = 404, body = ErrorBody)))]
async fn get_series(
    State(state): State<AppState>,
    staff: MaybeStaff,
    Path(slug): Path<String>,
) -> Result<axum::Json<Series>, AppError> {
    Ok(axum::Json(public_series(
        meetings::series_by_slug(&state.db, &slug).await?,
        &staff,
    )))
}

/// A window of time, as RFC 3339 instants. Defaults: from now, for a year.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WindowQuery {
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    pub to: Option<chrono::DateTime<chrono::Utc>>,
}

#[utoipa::path(get, path = "/api/series/{slug}/occurrences", tag = "meetings", params(("slug" = String, Path), WindowQuery),
    responses((status = 200, body = Vec<Occurrence>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_occurrences(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<WindowQuery>,
) -> Result<axum::Json<Vec<Occurrence>>, AppError> {
    let from = q.from.unwrap_or_else(chrono::Utc::now);
    let to = q.to.unwrap_or(from + chrono::Duration::days(366));
    if to <= from || (to - from).num_days() > 3660 {
        return Err(AppError::field(
            "to",
            "must be after from, and at most ten years later",
        ));
    }
    let series = meetings::series_by_slug(&state.db, &slug).await?;
    Ok(axum::Json(
        meetings::series_occurrences(&state.db, &series, from, to, 500).await?,
    ))
}

#[utoipa::path(post, path = "/api/series/{slug}/exceptions", tag = "meetings", request_body = ExceptionInput, params(("slug" = String, Path)),
    responses((status = 204, description = "The occurrence is moved or cancelled"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_series_exception(
    State(state): State<AppState>,
    _: Organizer,
    Path(slug): Path<String>,
    Json(input): Json<ExceptionInput>,
) -> Result<StatusCode, AppError> {
    let series = meetings::series_by_slug(&state.db, &slug).await?;
    meetings::set_exception(&state.db, &series, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Members' time zones and how many call times to rotate between.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotationInput {
    /// IANA zones, one entry per member (repeat a zone for several members).
    pub time_zones: Vec<String>,
    /// How many call times to rotate between (1 to 6).
    pub slots: usize,
    /// Whose daylight-saving offsets to use (defaults to today).
    #[serde(default)]
    pub on: Option<NaiveDate>,
    #[serde(default = "default_rotation_minutes")]
    pub duration_minutes: u32,
}

fn default_rotation_minutes() -> u32 {
    60
}

#[utoipa::path(post, path = "/api/rotation", tag = "meetings", request_body = RotationInput,
    responses((status = 200, body = Rotation, description = "Proposed call times, fairest first"), (status = 422, body = ErrorBody)))]
async fn propose_rotation(
    Json(input): Json<RotationInput>,
) -> Result<axum::Json<Rotation>, AppError> {
    if input.time_zones.is_empty() || input.time_zones.len() > 500 {
        return Err(AppError::field(
            "time_zones",
            "list between 1 and 500 members' zones",
        ));
    }
    let mut members: Vec<rotation::Member> = Vec::new();
    for (i, zone) in input.time_zones.iter().enumerate() {
        let tz = programme::parse_zone(zone)
            .map_err(|e| AppError::field(format!("time_zones[{i}]"), e))?;
        match members.iter_mut().find(|m| m.time_zone == tz) {
            Some(m) => m.weight += 1,
            None => members.push(rotation::Member {
                time_zone: tz,
                weight: 1,
            }),
        }
    }
    if !(15..=480).contains(&input.duration_minutes) {
        return Err(AppError::field(
            "duration_minutes",
            "must be between 15 and 480",
        ));
    }
    let on = input.on.unwrap_or_else(|| chrono::Utc::now().date_naive());
    rotation::propose_rotation(&members, input.slots, on, input.duration_minutes)
        .map(axum::Json)
        .map_err(|e| AppError::field("slots", e.to_string()))
}

/// A feed key as organizers see it later (the secret itself is shown only once).
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedKey {
    /// The first 16 hex digits of the key's SHA-256: enough to name it, useless to use it.
    pub key_id: String,
    pub label: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub revoked: bool,
}

/// A new feed key: add `?key=<key>` to a feed URL to include online join links.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewFeedKey {
    pub key_id: String,
    pub key: String,
}

/// A label saying who a feed key is for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedKeyInput {
    pub label: String,
}

#[utoipa::path(get, path = "/api/feed-keys", tag = "feeds",
    responses((status = 200, body = Vec<FeedKey>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_feed_keys(
    State(state): State<AppState>,
    _: Organizer,
) -> Result<axum::Json<Vec<FeedKey>>, AppError> {
    use sqlx::Row;
    let rows = sqlx::query(
        "select token_hash, label, created_at, revoked_at from feed_key order by created_at",
    )
    .fetch_all(&state.db.pool)
    .await?;
    let keys = rows
        .iter()
        .map(|r| {
            let hash: String = r.try_get("token_hash")?;
            Ok(FeedKey {
                key_id: hash[..16].to_string(),
                label: r.try_get("label")?,
                created_at: programme::instant(r.try_get("created_at")?),
                revoked: r.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(axum::Json(keys))
}

#[utoipa::path(post, path = "/api/feed-keys", tag = "feeds", request_body = FeedKeyInput,
    responses((status = 201, body = NewFeedKey), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_feed_key(
    State(state): State<AppState>,
    Organizer(staff): Organizer,
    Json(input): Json<FeedKeyInput>,
) -> Result<(StatusCode, axum::Json<NewFeedKey>), AppError> {
    let mut p = programme::Problems::default();
    p.text("label", &input.label, 100);
    p.finish()?;
    let key = crate::auth::new_token();
    let hash = crate::auth::token_hash(&key);
    sqlx::query(
        "insert into feed_key (token_hash, label, created_by, created_at) values ($1, $2, $3, $4)",
    )
    .bind(&hash)
    .bind(input.label.trim())
    .bind(staff.staff_id)
    .bind(crate::store::now())
    .execute(&state.db.pool)
    .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(NewFeedKey {
            key_id: hash[..16].to_string(),
            key,
        }),
    ))
}

#[utoipa::path(post, path = "/api/feed-keys/{key_id}/revoke", tag = "feeds", params(("key_id" = String, Path)),
    responses((status = 204, description = "Revoked"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_feed_key(
    State(state): State<AppState>,
    _: Organizer,
    Path(key_id): Path<String>,
) -> Result<StatusCode, AppError> {
    if key_id.len() != 16 || !key_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let done = sqlx::query("update feed_key set revoked_at = $1 where substr(token_hash, 1, 16) = $2 and revoked_at is null")
        .bind(crate::store::now())
        .bind(key_id.to_lowercase())
        .execute(&state.db.pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Adds the answers every route can give to its OpenAPI description, so clients (and the
/// schemathesis run in CI) meet no undocumented status: 400 for a path, query or body that does
/// not parse, 422 for a field value that is refused, 413 for a body over the limit, 415 for a
/// body that is not JSON, 500 when the server fails (nothing is changed then).
pub fn document_common_responses(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::Operation;
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let error = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build(),
        )
    };
    let add = |op: &mut Operation| {
        let responses = &mut op.responses.responses;
        let mut put = |code: &str, description: &str| {
            responses
                .entry(code.to_string())
                .or_insert_with(|| error(description));
        };
        put("400", "A path, query or body that does not parse");
        put("500", "The server failed; nothing was changed");
        let has_query = op
            .parameters
            .iter()
            .flatten()
            .any(|p| matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query));
        if op.request_body.is_some() || has_query {
            put(
                "422",
                "A field has a value that is not accepted (named in `fields`)",
            );
        }
        if op.request_body.is_some() {
            put("413", "The body is larger than 256 KiB");
            put("415", "The body is not sent as application/json");
        }
    };
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            add(op);
        }
    }
}
