//! The organizers' pages: dashboard and invitations, events, venues and rooms, the session form
//! with inline conflicts, and the conflicts view. Every write goes through `programme` (the same
//! functions as the JSON API), so the rules hold whichever door a change comes through.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};

use super::view::{COMMON_ZONES, ConflictView};
use super::{Ctx, FormState, OrganizerPage, PageError, render, render_status};
use crate::auth;
use crate::domain::schedule::{
    EventKind, Role, RoomLayout, SessionFormat, SessionStatus, StaffRole,
};
use crate::http::AppState;
use crate::http::error::AppError;
use crate::i18n::Translator;
use crate::programme::{
    self, Event, EventInput, RoleInput, RoomInput, Session, SessionInput, Venue,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organize", get(dashboard))
        .route("/organize/invitations", post(invite))
        .route("/organize/events/new", get(new_event).post(create_event))
        .route(
            "/organize/events/{slug}/edit",
            get(edit_event).post(update_event),
        )
        .route("/organize/rooms", get(rooms))
        .route("/organize/rooms", post(create_room))
        .route("/organize/venues", post(create_venue))
        .route(
            "/organize/events/{slug}/sessions/new",
            get(new_session).post(create_session),
        )
        .route(
            "/organize/sessions/{session_id}/edit",
            get(edit_session).post(update_session),
        )
        .route("/organize/events/{slug}/conflicts", get(conflicts))
}

type Pairs = Form<Vec<(String, String)>>;

/// A value and its label, for `<select>`s.
pub struct Choice {
    pub value: String,
    pub label: String,
}

fn choices<T: Copy + std::fmt::Display>(all: &[T], prefix: &str, t: &Translator) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: v.to_string(),
            label: t.term(prefix, v),
        })
        .collect()
}

/// Copies domain validation problems onto the form, renaming fields the form calls otherwise.
fn add_problems(form: &mut FormState, fields: Vec<crate::http::error::FieldError>) {
    for f in fields {
        let name = match f.field.as_str() {
            "starts_at" => "start".to_string(),
            "ends_at" => "duration".to_string(),
            other if other.starts_with("roles[") => {
                let i = other
                    .trim_start_matches("roles[")
                    .split(']')
                    .next()
                    .unwrap_or("0");
                format!("person_{i}")
            }
            other if other.starts_with("policy_questions") => "policy_questions".to_string(),
            other => other.to_string(),
        };
        form.error_on(&name, f.message);
    }
}

/// The venue and room forms share a page, so their `name` fields need distinct names.
fn renamed(
    mut fields: Vec<crate::http::error::FieldError>,
    from: &str,
    to: &str,
) -> Vec<crate::http::error::FieldError> {
    for f in &mut fields {
        if f.field == from {
            f.field = to.to_string();
        }
    }
    fields
}

// ---------------------------------------------------------------------------------------------
// Dashboard and invitations

struct EventRow {
    slug: String,
    name: String,
    dates: String,
}

#[derive(Template)]
#[template(path = "organize/dashboard.html")]
struct DashboardPage {
    ctx: Ctx,
    events: Vec<EventRow>,
    form: FormState,
    staff_roles: Vec<Choice>,
    invitation_link: Option<String>,
}

async fn dashboard_page(
    state: &AppState,
    ctx: Ctx,
    form: FormState,
    link: Option<String>,
) -> Result<DashboardPage, PageError> {
    let events = programme::list_events(&state.db)
        .await?
        .into_iter()
        .map(|e| EventRow {
            dates: ctx.t.arg2(
                "date-range",
                "start",
                ctx.t.day(&e.starts_on),
                "end",
                ctx.t.day(&e.ends_on),
            ),
            slug: e.slug,
            name: e.name,
        })
        .collect();
    Ok(DashboardPage {
        staff_roles: choices(StaffRole::ALL, "staff-role", &ctx.t),
        ctx,
        events,
        form,
        invitation_link: link,
    })
}

async fn dashboard(
    State(state): State<AppState>,
    _: OrganizerPage,
    ctx: Ctx,
) -> Result<Response, PageError> {
    render(&dashboard_page(&state, ctx, FormState::default(), None).await?)
}

async fn invite(
    State(state): State<AppState>,
    OrganizerPage(staff): OrganizerPage,
    ctx: Ctx,
    Form(pairs): Pairs,
) -> Result<Response, PageError> {
    let mut form = FormState::from_pairs(&pairs);
    let role = StaffRole::parse(form.value("role")).unwrap_or(StaffRole::Moderator);
    let hours = state.settings.auth.invitation_hours;
    match auth::create_invitation(&state.db, form.value("email"), role, staff.staff_id, hours).await
    {
        Ok(token) => {
            let link = format!("{}/invitations/{token}", state.public_url);
            render(&dashboard_page(&state, ctx, FormState::default(), Some(link)).await?)
        }
        Err(AppError::Validation(fields)) => {
            add_problems(&mut form, fields);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &dashboard_page(&state, ctx, form, None).await?,
            )
        }
        Err(other) => Err(other.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Events

#[derive(Template)]
#[template(path = "organize/event_form.html")]
struct EventFormPage {
    ctx: Ctx,
    /// The slug being edited; None when creating.
    editing: Option<String>,
    form: FormState,
    kinds: Vec<Choice>,
    venues: Vec<Venue>,
    zones: &'static [&'static str],
}

async fn event_form(
    state: &AppState,
    ctx: Ctx,
    editing: Option<String>,
    form: FormState,
) -> Result<EventFormPage, PageError> {
    Ok(EventFormPage {
        kinds: choices(EventKind::ALL, "event-kind", &ctx.t),
        venues: programme::list_venues(&state.db).await?,
        ctx,
        editing,
        form,
        zones: COMMON_ZONES,
    })
}

fn event_input(
    form: &mut FormState,
    t: &Translator,
    coalition_id: Option<i64>,
) -> Option<EventInput> {
    let kind = EventKind::parse(form.value("kind"));
    let date = |form: &mut FormState, name: &str| match form.value(name).parse::<NaiveDate>() {
        Ok(d) => Some(d),
        Err(_) => {
            form.error_on(name, t.get("error-date"));
            None
        }
    };
    let starts_on = date(form, "starts_on");
    let ends_on = date(form, "ends_on");
    let venue_id = match form.opt("venue_id").map(str::parse::<i64>) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            form.error_on("venue_id", t.get("error-choice"));
            None
        }
    };
    if kind.is_err() {
        form.error_on("kind", t.get("error-choice"));
    }
    // The range is the programme's to check; here only "is it a whole number".
    let report_due_hours = match form.value("report_due_hours").trim() {
        "" => Some(programme::DEFAULT_REPORT_DUE_HOURS),
        text => match text.parse::<i64>() {
            Ok(h) => Some(h),
            Err(_) => {
                form.error_on("report_due_hours", t.get("error-number"));
                None
            }
        },
    };
    Some(EventInput {
        slug: form.value("slug").trim().to_string(),
        name: form.value("name").to_string(),
        kind: kind.ok()?,
        time_zone: form.value("time_zone").trim().to_string(),
        starts_on: starts_on?,
        ends_on: ends_on?,
        venue_id,
        coalition_id,
        description: form.value("description").to_string(),
        report_due_hours: report_due_hours?,
    })
}

async fn new_event(
    State(state): State<AppState>,
    _: OrganizerPage,
    ctx: Ctx,
) -> Result<Response, PageError> {
    let mut form = FormState::default();
    form.set("kind", EventKind::AnnualMeeting.as_str());
    form.set("time_zone", "UTC");
    form.set(
        "report_due_hours",
        programme::DEFAULT_REPORT_DUE_HOURS.to_string(),
    );
    render(&event_form(&state, ctx, None, form).await?)
}

async fn create_event(
    State(state): State<AppState>,
    _: OrganizerPage,
    ctx: Ctx,
    Form(pairs): Pairs,
) -> Result<Response, PageError> {
    let mut form = FormState::from_pairs(&pairs);
    if let Some(input) = event_input(&mut form, &ctx.t, None) {
        if !form.has_errors() {
            match programme::create_event(&state.db, &input).await {
                Ok(event) => {
                    return Ok(Redirect::to(&format!("/events/{}", event.slug)).into_response());
                }
                Err(AppError::Validation(fields)) => add_problems(&mut form, fields),
                Err(other) => return Err(other.into()),
            }
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &event_form(&state, ctx, None, form).await?,
    )
}

async fn edit_event(
    State(state): State<AppState>,
    _: OrganizerPage,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let e = programme::event_by_slug(&state.db, &slug).await?;
    let mut form = FormState::default();
    form.set("slug", &e.slug);
    form.set("name", &e.name);
    form.set("kind", e.kind.as_str());
    form.set("time_zone", &e.time_zone);
    form.set("starts_on", e.starts_on.to_string());
    form.set("ends_on", e.ends_on.to_string());
    form.set(
        "venue_id",
        e.venue_id.map(|v| v.to_string()).unwrap_or_default(),
    );
    form.set("description", &e.description);
    form.set("report_due_hours", e.report_due_hours.to_string());
    render(&event_form(&state, ctx, Some(slug), form).await?)
}

async fn update_event(
    State(state): State<AppState>,
    _: OrganizerPage,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(pairs): Pairs,
) -> Result<Response, PageError> {
    let event = programme::event_by_slug(&state.db, &slug).await?;
    let mut form = FormState::from_pairs(&pairs);
    if let Some(input) = event_input(&mut form, &ctx.t, event.coalition_id) {
        if !form.has_errors() {
            match programme::update_event(&state.db, event.event_id, &input).await {
                Ok(event) => {
                    return Ok(Redirect::to(&format!("/events/{}", event.slug)).into_response());
                }
                Err(AppError::Validation(fields)) => add_problems(&mut form, fields),
                Err(other) => return Err(other.into()),
            }
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &event_form(&state, ctx, Some(slug), form).await?,
    )
}

// ---------------------------------------------------------------------------------------------
// Venues and rooms

struct RoomRow {
    name: String,
    capacity: i64,
    layout: String,
}

struct VenueRooms {
    name: String,
    place: String,
    rooms: Vec<RoomRow>,
}

#[derive(Template)]
#[template(path = "organize/rooms.html")]
struct RoomsPage {
    ctx: Ctx,
    venues: Vec<VenueRooms>,
    venue_choices: Vec<Choice>,
    layouts: Vec<Choice>,
    venue_form: FormState,
    room_form: FormState,
}

async fn rooms_page(
    state: &AppState,
    ctx: Ctx,
    venue_form: FormState,
    room_form: FormState,
) -> Result<RoomsPage, PageError> {
    let venues = programme::list_venues(&state.db).await?;
    let rooms = programme::list_rooms(&state.db, None).await?;
    let t = ctx.t;
    Ok(RoomsPage {
        venue_choices: venues
            .iter()
            .map(|v| Choice {
                value: v.venue_id.to_string(),
                label: v.name.clone(),
            })
            .collect(),
        venues: venues
            .iter()
            .map(|v| VenueRooms {
                name: v.name.clone(),
                place: [v.city.as_str(), v.country.as_str()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", "),
                rooms: rooms
                    .iter()
                    .filter(|r| r.venue_id == v.venue_id)
                    .map(|r| RoomRow {
                        name: r.name.clone(),
                        capacity: r.capacity,
                        layout: t.term("layout", r.layout),
                    })
                    .collect(),
            })
            .collect(),
        layouts: choices(RoomLayout::ALL, "layout", &t),
        ctx,
        venue_form,
        room_form,
    })
}

async fn rooms(
    State(state): State<AppState>,
    _: OrganizerPage,
    ctx: Ctx,
) -> Result<Response, PageError> {
    let mut room_form = FormState::default();
    room_form.set("layout", RoomLayout::Theatre.as_str());
    render(&rooms_page(&state, ctx, FormState::default(), room_form).await?)
}

async fn create_venue(
    State(state): State<AppState>,
    _: OrganizerPage,
    ctx: Ctx,
    Form(pairs): Pairs,
) -> Result<Response, PageError> {
    let mut form = FormState::from_pairs(&pairs);
    let input = Venue {
        venue_id: 0,
        name: form.value("venue_name").to_string(),
        city: form.value("city").to_string(),
        country: form.value("country").to_string(),
    };
    match programme::create_venue(&state.db, &input).await {
        Ok(_) => Ok(Redirect::to("/organize/rooms").into_response()),
        Err(AppError::Validation(fields)) => {
            add_problems(&mut form, renamed(fields, "name", "venue_name"));
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &rooms_page(&state, ctx, form, FormState::default()).await?,
            )
        }
        Err(other) => Err(other.into()),
    }
}

async fn create_room(
    State(state): State<AppState>,
    _: OrganizerPage,
    ctx: Ctx,
    Form(pairs): Pairs,
) -> Result<Response, PageError> {
    let mut form = FormState::from_pairs(&pairs);
    let venue_id = form.value("venue_id").parse::<i64>().ok();
    let capacity = form.value("capacity").trim().parse::<i64>().ok();
    let layout = RoomLayout::parse(form.value("layout")).ok();
    if venue_id.is_none() {
        form.error_on("venue_id", ctx.t.get("error-choice"));
    }
    if capacity.is_none() {
        form.error_on("capacity", ctx.t.get("error-number"));
    }
    if layout.is_none() {
        form.error_on("layout", ctx.t.get("error-choice"));
    }
    if let (Some(venue_id), Some(capacity), Some(layout)) = (venue_id, capacity, layout) {
        let input = RoomInput {
            venue_id,
            name: form.value("room_name").to_string(),
            capacity,
            layout,
        };
        match programme::create_room(&state.db, &input).await {
            Ok(_) => return Ok(Redirect::to("/organize/rooms").into_response()),
            Err(AppError::Validation(fields)) => {
                add_problems(&mut form, renamed(fields, "name", "room_name"))
            }
            Err(AppError::BadRequest(_)) => form.error_on("venue_id", ctx.t.get("error-choice")),
            Err(other) => return Err(other.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &rooms_page(&state, ctx, FormState::default(), form).await?,
    )
}

// ---------------------------------------------------------------------------------------------
// Sessions

/// Blank role rows offered beyond the existing ones (no JavaScript needed to add people).
const SPARE_ROLE_ROWS: usize = 4;
const MIN_ROLE_ROWS: usize = 8;

/// One row of the roles table.
struct RoleRow {
    person_field: String,
    role_field: String,
    person: String,
    role: String,
    error: Option<String>,
    number: usize,
}

struct TypeOption {
    id: i64,
    name: String,
    durations: String,
}

#[derive(Template)]
#[template(path = "organize/session_form.html")]
struct SessionFormPage {
    ctx: Ctx,
    event_name: String,
    event_slug: String,
    host_tz: String,
    action: String,
    /// The session being edited; None when creating.
    editing: Option<i64>,
    form: FormState,
    types: Vec<TypeOption>,
    rooms: Vec<Choice>,
    days: Vec<Choice>,
    durations: Vec<u32>,
    formats: Vec<Choice>,
    statuses: Vec<Choice>,
    roles: Vec<Choice>,
    people: Vec<Choice>,
    role_rows: Vec<RoleRow>,
    conflicts: Vec<ConflictView>,
    has_blocking: bool,
}

struct SessionFormParts {
    event: Event,
    editing: Option<i64>,
    conflicts: Vec<ConflictView>,
}

async fn session_form(
    state: &AppState,
    ctx: Ctx,
    parts: SessionFormParts,
    form: FormState,
) -> Result<SessionFormPage, PageError> {
    let t = ctx.t;
    let types = programme::list_session_types(&state.db).await?;
    let mut durations: Vec<u32> = types
        .iter()
        .flat_map(|ty| ty.allowed_durations.iter().copied())
        .collect();
    durations.sort_unstable();
    durations.dedup();
    let (people, _) = programme::list_people(&state.db, 2000, 0).await?;
    // Enough rows for everyone already named, plus a few blank ones.
    let last_filled = (0..200)
        .filter(|i| !form.value(&format!("person_{i}")).is_empty())
        .max();
    let rows = last_filled
        .map_or(0, |i| i + 1 + SPARE_ROLE_ROWS)
        .max(MIN_ROLE_ROWS);
    let role_rows = (0..rows)
        .map(|i| {
            let person_field = format!("person_{i}");
            RoleRow {
                role_field: format!("role_{i}"),
                person: form.value(&person_field).to_string(),
                role: form.value(&format!("role_{i}")).to_string(),
                error: form.error(&person_field),
                person_field,
                number: i + 1,
            }
        })
        .collect();
    let event = parts.event;
    Ok(SessionFormPage {
        event_name: event.name.clone(),
        event_slug: event.slug.clone(),
        host_tz: event.time_zone.clone(),
        action: match parts.editing {
            Some(id) => format!("/organize/sessions/{id}/edit"),
            None => format!("/organize/events/{}/sessions/new", event.slug),
        },
        editing: parts.editing,
        types: types
            .iter()
            .map(|ty| TypeOption {
                id: ty.session_type_id,
                name: ty.name.clone(),
                durations: ty
                    .allowed_durations
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
        rooms: programme::list_rooms(&state.db, None)
            .await?
            .into_iter()
            .map(|r| Choice {
                value: r.room_id.to_string(),
                label: r.name,
            })
            .collect(),
        days: event
            .days()
            .iter()
            .map(|d| Choice {
                value: d.to_string(),
                label: t.day(d),
            })
            .collect(),
        durations,
        formats: choices(SessionFormat::ALL, "format", &t),
        statuses: choices(SessionStatus::ALL, "status", &t),
        roles: choices(Role::ALL, "role", &t),
        people: people
            .into_iter()
            .map(|p| Choice {
                value: p.person_id.to_string(),
                label: if p.organization.is_empty() {
                    p.name
                } else {
                    format!("{} ({})", p.name, p.organization)
                },
            })
            .collect(),
        role_rows,
        has_blocking: parts.conflicts.iter().any(|c| c.blocking),
        conflicts: parts.conflicts,
        form,
        ctx,
    })
}

/// Fills the form from a stored session, with times in the event's zone.
fn form_from_session(s: &Session, event: &Event) -> FormState {
    let tz = event.tz();
    let start = s.starts_at.with_timezone(&tz);
    let mut form = FormState::default();
    form.set("session_type_id", s.session_type_id.to_string());
    form.set(
        "number",
        s.number.map(|n| n.to_string()).unwrap_or_default(),
    );
    form.set("title", &s.title);
    form.set("description", &s.description);
    form.set("policy_questions", s.policy_questions.join("\n"));
    form.set("track", &s.track);
    form.set("format", s.format.as_str());
    form.set(
        "room_id",
        s.room_id.map(|r| r.to_string()).unwrap_or_default(),
    );
    form.set("day", start.date_naive().to_string());
    form.set("start", start.format("%H:%M").to_string());
    form.set(
        "duration",
        (s.ends_at - s.starts_at).num_minutes().to_string(),
    );
    form.set("status", s.status.as_str());
    form.set(
        "online_join_url",
        s.online_join_url.clone().unwrap_or_default(),
    );
    for (i, r) in s.roles.iter().enumerate() {
        form.set(&format!("person_{i}"), r.person_id.to_string());
        form.set(&format!("role_{i}"), r.role.as_str());
    }
    form
}

/// A local wall-clock time on a day in the host zone as an instant; a time the clocks skip
/// or pass twice (daylight-saving changes) is a field error, never a guess.
fn local_instant(
    form: &mut FormState,
    t: &Translator,
    tz: chrono_tz::Tz,
    day: NaiveDate,
    time: NaiveTime,
    field: &str,
) -> Option<chrono::DateTime<Utc>> {
    match tz.from_local_datetime(&day.and_time(time)) {
        LocalResult::Single(at) => Some(at.with_timezone(&Utc)),
        LocalResult::Ambiguous(_, _) => {
            form.error_on(field, t.arg("error-time-ambiguous", "zone", tz.name()));
            None
        }
        LocalResult::None => {
            form.error_on(field, t.arg("error-time-nonexistent", "zone", tz.name()));
            None
        }
    }
}

/// Reads the session form into the same input the API takes; problems go onto the form.
fn session_input(form: &mut FormState, event: &Event, t: &Translator) -> Option<SessionInput> {
    let tz = event.tz();
    let id = |form: &mut FormState, name: &str, required: bool| -> Option<Option<i64>> {
        match form.opt(name).map(|v| v.parse::<i64>()) {
            None if required => {
                form.error_on(name, t.get("error-required"));
                None
            }
            None => Some(None),
            Some(Ok(v)) => Some(Some(v)),
            Some(Err(_)) => {
                form.error_on(name, t.get("error-number"));
                None
            }
        }
    };
    let session_type_id = id(form, "session_type_id", true).flatten();
    let number = id(form, "number", false);
    let room_id = id(form, "room_id", false);
    let format = SessionFormat::parse(form.value("format")).ok();
    if format.is_none() {
        form.error_on("format", t.get("error-choice"));
    }
    let status = SessionStatus::parse(form.value("status")).ok();
    if status.is_none() {
        form.error_on("status", t.get("error-choice"));
    }
    let day = form.value("day").parse::<NaiveDate>().ok();
    if day.is_none() {
        form.error_on("day", t.get("error-choice"));
    }
    let start_time = NaiveTime::parse_from_str(form.value("start").trim(), "%H:%M").ok();
    if start_time.is_none() {
        form.error_on("start", t.get("error-time"));
    }
    let starts_at = match (day, start_time) {
        (Some(day), Some(time)) => local_instant(form, t, tz, day, time, "start"),
        _ => None,
    };
    let ends_at = match (form.opt("duration"), form.opt("end")) {
        (Some(minutes), _) => match minutes.parse::<i64>() {
            Ok(m) if m > 0 => starts_at.map(|s| s + Duration::minutes(m)),
            _ => {
                form.error_on("duration", t.get("error-choice"));
                None
            }
        },
        (None, Some(end)) => match (day, NaiveTime::parse_from_str(end, "%H:%M")) {
            (Some(day), Ok(time)) => local_instant(form, t, tz, day, time, "end"),
            _ => {
                form.error_on("end", t.get("error-time"));
                None
            }
        },
        (None, None) => {
            form.error_on("duration", t.get("error-duration-or-end"));
            None
        }
    };
    let mut roles = Vec::new();
    for i in 0..200 {
        let person_field = format!("person_{i}");
        let role_field = format!("role_{i}");
        let person = form.opt(&person_field).map(|p| p.parse::<i64>());
        let role = form.opt(&role_field).map(Role::parse);
        match (person, role) {
            (None, _) => {}
            (Some(Ok(person_id)), Some(Ok(role))) => roles.push(RoleInput { person_id, role }),
            (Some(Ok(_)), None) => form.error_on(&person_field, t.get("error-role-missing")),
            _ => form.error_on(&person_field, t.get("error-choice")),
        }
    }
    let override_reason = form
        .checked("override")
        .then(|| form.value("override_reason").to_string());
    Some(SessionInput {
        session_type_id: session_type_id?,
        number: number?,
        title: form.value("title").to_string(),
        description: form.value("description").to_string(),
        policy_questions: form
            .value("policy_questions")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        track: form.value("track").to_string(),
        format: format?,
        room_id: room_id?,
        starts_at: starts_at?,
        ends_at: ends_at?,
        status: status?,
        online_join_url: form.value("online_join_url").trim().to_string(),
        roles,
        override_reason,
    })
}

async fn save_from_form(
    state: &AppState,
    ctx: Ctx,
    staff_id: i64,
    event: Event,
    editing: Option<i64>,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let mut form = FormState::from_pairs(&pairs);
    let mut conflicts = Vec::new();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if let Some(input) = session_input(&mut form, &event, &ctx.t) {
        if !form.has_errors() {
            match programme::save_session(&state.db, &event, editing, &input, staff_id).await {
                Ok(saved) => {
                    let url = format!("/sessions/{}?saved=1", saved.session.session_id);
                    return Ok(Redirect::to(&url).into_response());
                }
                Err(AppError::Validation(fields)) => add_problems(&mut form, fields),
                Err(AppError::ScheduleConflict(found)) => {
                    status = StatusCode::CONFLICT;
                    conflicts = found.iter().map(|c| ConflictView::new(c, &ctx.t)).collect();
                }
                Err(other) => return Err(other.into()),
            }
        }
    }
    let parts = SessionFormParts {
        event,
        editing,
        conflicts,
    };
    render_status(status, &session_form(state, ctx, parts, form).await?)
}

async fn new_session(
    State(state): State<AppState>,
    _: OrganizerPage,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let event = programme::event_by_slug(&state.db, &slug).await?;
    let mut form = FormState::default();
    form.set("format", SessionFormat::Panel.as_str());
    form.set("status", SessionStatus::Scheduled.as_str());
    form.set("day", event.starts_on.to_string());
    let parts = SessionFormParts {
        event,
        editing: None,
        conflicts: Vec::new(),
    };
    render(&session_form(&state, ctx, parts, form).await?)
}

async fn create_session(
    State(state): State<AppState>,
    OrganizerPage(staff): OrganizerPage,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(pairs): Pairs,
) -> Result<Response, PageError> {
    let event = programme::event_by_slug(&state.db, &slug).await?;
    save_from_form(&state, ctx, staff.staff_id, event, None, pairs).await
}

async fn edit_session(
    State(state): State<AppState>,
    _: OrganizerPage,
    ctx: Ctx,
    Path(session_id): Path<i64>,
) -> Result<Response, PageError> {
    let session = programme::session_by_id(&state.db, session_id).await?;
    let event = programme::event_by_id(&state.db, session.event_id).await?;
    let form = form_from_session(&session, &event);
    let parts = SessionFormParts {
        event,
        editing: Some(session_id),
        conflicts: Vec::new(),
    };
    render(&session_form(&state, ctx, parts, form).await?)
}

async fn update_session(
    State(state): State<AppState>,
    OrganizerPage(staff): OrganizerPage,
    ctx: Ctx,
    Path(session_id): Path<i64>,
    Form(pairs): Pairs,
) -> Result<Response, PageError> {
    let session = programme::session_by_id(&state.db, session_id).await?;
    let event = programme::event_by_id(&state.db, session.event_id).await?;
    save_from_form(&state, ctx, staff.staff_id, event, Some(session_id), pairs).await
}

// ---------------------------------------------------------------------------------------------
// Conflicts view

#[derive(Template)]
#[template(path = "organize/conflicts.html")]
struct ConflictsPage {
    ctx: Ctx,
    event_name: String,
    event_slug: String,
    conflicts: Vec<ConflictView>,
}

async fn conflicts(
    State(state): State<AppState>,
    _: OrganizerPage,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let event = programme::event_by_slug(&state.db, &slug).await?;
    let conflicts = programme::event_conflicts(&state.db, &event)
        .await?
        .iter()
        .map(|c| ConflictView::new(c, &ctx.t))
        .collect();
    render(&ConflictsPage {
        ctx,
        event_name: event.name,
        event_slug: event.slug,
        conflicts,
    })
}
