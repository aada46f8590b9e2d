//! The public programme: the events list, an event's programme by day and by room, a session,
//! the inter-sessional meeting series, and the language and time-zone choices.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::view::{COMMON_ZONES, ConflictView, DayTab, SessionView, day_tabs};
use super::{Ctx, PageError, local_path, render};
use crate::domain::recurrence::{OccurrenceStatus, PatternKind};
use crate::domain::rotation;
use crate::http::AppState;
use crate::http::api::day_filter;
use crate::i18n::{LANG_COOKIE, Lang};
use crate::meetings::{self, Series};
use crate::programme;

/// The cookie remembering the viewer's chosen time zone (for pages without JavaScript).
pub const TZ_COOKIE: &str = "tz";

/// How long the language and zone choices are remembered: the 400 days browsers allow.
const REMEMBER_DAYS: i64 = 400;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/events/{slug}", get(show_event))
        .route("/sessions/{session_id}", get(show_session))
        .route("/meetings", get(list_meetings))
        .route("/meetings/rotation", get(show_rotation))
        .route("/meetings/{slug}", get(show_meeting_series))
        .route("/lang", get(set_language))
}

/// A preference cookie: readable by the server only, sent on same-site navigation.
fn preference_cookie(state: &AppState, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .secure(state.public_url.starts_with("https://"))
        .same_site(SameSite::Lax)
        .max_age(time::Duration::days(REMEMBER_DAYS))
        .build()
}

/// One event in the events list.
struct EventCard {
    slug: String,
    name: String,
    kind: String,
    dates: String,
    time_zone: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
    events: Vec<EventCard>,
}

async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    let events = programme::list_events(&state.db)
        .await?
        .into_iter()
        .map(|e| EventCard {
            dates: ctx.t.arg2(
                "date-range",
                "start",
                ctx.t.day(&e.starts_on),
                "end",
                ctx.t.day(&e.ends_on),
            ),
            kind: ctx.t.term("event-kind", e.kind),
            slug: e.slug,
            name: e.name,
            time_zone: e.time_zone,
        })
        .collect();
    render(&HomePage { ctx, events })
}

#[derive(Deserialize)]
struct EventQuery {
    day: Option<String>,
    view: Option<String>,
    tz: Option<String>,
}

/// The sessions in one room on the day shown.
struct RoomGroup {
    name: String,
    sessions: Vec<SessionView>,
}

#[derive(Template)]
#[template(path = "event.html")]
struct EventPage {
    ctx: Ctx,
    name: String,
    slug: String,
    description: String,
    host_tz: String,
    viewer_tz: String,
    tabs: Vec<DayTab>,
    day: String,
    day_heading: String,
    by_room: bool,
    sessions: Vec<SessionView>,
    rooms: Vec<RoomGroup>,
    zones: &'static [&'static str],
}

/// The viewer's zone: a valid `?tz=` (remembered in the cookie; empty clears it), else the cookie.
fn viewer_zone(state: &AppState, jar: CookieJar, asked: Option<&str>) -> (CookieJar, Option<Tz>) {
    match asked {
        Some("") => (jar.remove(Cookie::build(TZ_COOKIE).path("/")), None),
        Some(name) => match programme::parse_zone(name) {
            Ok(tz) => (
                jar.add(preference_cookie(state, TZ_COOKIE, name.to_string())),
                Some(tz),
            ),
            Err(_) => (jar, None),
        },
        None => {
            let tz = jar
                .get(TZ_COOKIE)
                .and_then(|c| programme::parse_zone(c.value()).ok());
            (jar, tz)
        }
    }
}

async fn show_event(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Path(slug): Path<String>,
    Query(q): Query<EventQuery>,
) -> Result<Response, PageError> {
    let event = programme::event_by_slug(&state.db, &slug).await?;
    let host = event.tz();
    let days = event.days();
    let today = Utc::now().with_timezone(&host).date_naive();
    let asked = q.day.as_deref().and_then(|d| d.parse::<NaiveDate>().ok());
    let day = asked
        .filter(|d| days.contains(d))
        .or_else(|| days.contains(&today).then_some(today))
        .unwrap_or(event.starts_on);
    let (jar, viewer) = viewer_zone(&state, jar, q.tz.as_deref());
    let mut filter = day_filter(&event, day);
    filter.include_cancelled = true;
    let sessions: Vec<SessionView> = programme::list_sessions(&state.db, &filter)
        .await?
        .iter()
        .map(|s| SessionView::new(s, &host, viewer.as_ref(), &ctx.t))
        .collect();
    let by_room = q.view.as_deref() == Some("rooms");
    let mut rooms: Vec<RoomGroup> = Vec::new();
    if by_room {
        let mut names: Vec<String> = sessions.iter().map(|s| s.room.clone()).collect();
        names.sort();
        names.dedup();
        for name in names {
            let group = sessions
                .iter()
                .filter(|s| s.room == name)
                .cloned()
                .collect();
            rooms.push(RoomGroup {
                name: if name.is_empty() {
                    ctx.t.get("room-none")
                } else {
                    name
                },
                sessions: group,
            });
        }
    }
    let page = EventPage {
        tabs: day_tabs(&days, day, &ctx.t),
        day: day.to_string(),
        day_heading: ctx.t.day(&day),
        name: event.name.clone(),
        slug: event.slug.clone(),
        description: event.description.clone(),
        host_tz: event.time_zone.clone(),
        viewer_tz: viewer.map(|v| v.name().to_string()).unwrap_or_default(),
        by_room,
        sessions: if by_room { Vec::new() } else { sessions },
        rooms,
        zones: COMMON_ZONES,
        ctx,
    };
    Ok((jar, render(&page)?).into_response())
}

#[derive(Deserialize)]
struct SessionQuery {
    saved: Option<String>,
}

#[derive(Template)]
#[template(path = "session.html")]
struct SessionPage {
    ctx: Ctx,
    s: SessionView,
    event_name: String,
    host_tz: String,
    viewer_tz: String,
    in_schedule: bool,
    join_url: Option<String>,
    saved: bool,
    warnings: Vec<ConflictView>,
}

async fn show_session(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Path(session_id): Path<i64>,
    Query(q): Query<SessionQuery>,
) -> Result<Response, PageError> {
    let session = programme::session_by_id(&state.db, session_id).await?;
    let event = programme::event_by_id(&state.db, session.event_id).await?;
    let host = event.tz();
    let (_, viewer) = viewer_zone(&state, jar.clone(), None);
    let in_schedule = match super::my_schedule::schedule_id(&state, &jar).await? {
        Some(id) => programme::personal_schedule_has(&state.db, id, session_id).await?,
        None => false,
    };
    // After an organizer saves, show what is still worth knowing about this session.
    let saved = q.saved.is_some() && ctx.is_organizer();
    let warnings = if saved {
        programme::event_conflicts(&state.db, &event)
            .await?
            .iter()
            .filter(|c| {
                c.session
                    .as_ref()
                    .is_some_and(|s| s.session_id == session_id)
                    || c.other_session
                        .as_ref()
                        .is_some_and(|s| s.session_id == session_id)
            })
            .map(|c| ConflictView::new(c, &ctx.t))
            .collect()
    } else {
        Vec::new()
    };
    let page = SessionPage {
        s: SessionView::new(&session, &host, viewer.as_ref(), &ctx.t),
        event_name: event.name.clone(),
        host_tz: event.time_zone.clone(),
        viewer_tz: viewer.map(|v| v.name().to_string()).unwrap_or_default(),
        in_schedule,
        // Join links are for staff; participants get them through the live pages.
        join_url: if ctx.staff.is_some() {
            session.online_join_url.clone()
        } else {
            None
        },
        saved,
        warnings,
        ctx,
    };
    render(&page)
}

/// A meeting series as the pages show it: the rule in words and its first start.
struct SeriesView {
    series: Series,
    rule: String,
    first_start: String,
}

impl SeriesView {
    fn new(series: Series, t: &crate::i18n::Translator) -> Self {
        let first = series.first_start_local;
        SeriesView {
            rule: rule_in_words(&series, t),
            first_start: format!("{}, {}", t.day(&first.date()), first.format("%H:%M")),
            series,
        }
    }
}

/// "Every month on the first Tuesday at 14:00 (UTC)", in the page language; the raw RRULE for
/// rules the organizer form cannot express.
fn rule_in_words(series: &Series, t: &crate::i18n::Translator) -> String {
    let time = series.first_start_local.format("%H:%M").to_string();
    let Some(summary) = series.pattern().map(|p| p.describe()) else {
        return series.rrule.clone();
    };
    let weekday = summary
        .weekday
        .map(|d| t.get(&format!("weekday-{}", d.number_from_monday())))
        .unwrap_or_default();
    let args = |extra: Vec<(&'static str, String)>| {
        let mut all = vec![
            ("interval", summary.interval.to_string()),
            ("time", time.clone()),
            ("zone", series.time_zone.clone()),
            ("weekday", weekday.clone()),
        ];
        all.extend(extra);
        all
    };
    // Fluent selects plural variants on numbers only; the interval decides the key instead.
    let key = |base: &str| {
        if summary.interval == 1 {
            base.to_string()
        } else {
            format!("{base}-n")
        }
    };
    match summary.kind {
        PatternKind::Weekly => t.with(&key("rule-weekly"), &args(vec![])),
        PatternKind::MonthlyByWeekday => {
            let ordinal = t.get(&format!("ordinal-{}", summary.ordinal.unwrap_or(1)));
            t.with(
                &key("rule-monthly-weekday"),
                &args(vec![("ordinal", ordinal)]),
            )
        }
        PatternKind::MonthlyByDate => t.with(
            &key("rule-monthly-date"),
            &args(vec![("day", summary.day.unwrap_or(1).to_string())]),
        ),
    }
}

#[derive(Template)]
#[template(path = "meetings.html")]
struct MeetingsPage {
    ctx: Ctx,
    series: Vec<SeriesView>,
}

async fn list_meetings(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    let series = meetings::list_series(&state.db)
        .await?
        .into_iter()
        .map(|m| SeriesView::new(m, &ctx.t))
        .collect();
    render(&MeetingsPage { ctx, series })
}

/// One meeting of a series as the page lists it.
struct OccurrenceView {
    day: String,
    host_time: String,
    utc_time: String,
    viewer_time: Option<String>,
    start_iso: String,
    end_iso: String,
    status: &'static str,
    note: String,
    /// For moved meetings: when the rule had it.
    originally: Option<String>,
    /// The meeting's page (agenda and minutes).
    path: String,
}

#[derive(Template)]
#[template(path = "meeting_series.html")]
struct MeetingSeriesPage {
    ctx: Ctx,
    v: SeriesView,
    host_tz: String,
    viewer_tz: String,
    upcoming: Vec<OccurrenceView>,
    zones: &'static [&'static str],
}

#[derive(Deserialize)]
struct ZoneQuery {
    tz: Option<String>,
}

/// A series: its rule in words and its meetings over the next twelve months, moved and
/// cancelled ones included.
async fn show_meeting_series(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Path(slug): Path<String>,
    Query(q): Query<ZoneQuery>,
) -> Result<Response, PageError> {
    let series = meetings::series_by_slug(&state.db, &slug).await?;
    let (jar, viewer) = viewer_zone(&state, jar, q.tz.as_deref());
    let host: Tz = programme::parse_zone(&series.time_zone).unwrap_or(Tz::UTC);
    let from = Utc::now() - chrono::Duration::days(1);
    let occurrences = meetings::series_occurrences(
        &state.db,
        &series,
        from,
        from + chrono::Duration::days(366),
        24,
    )
    .await?;
    let upcoming = occurrences
        .iter()
        .map(|o| {
            let local = o.starts_at.with_timezone(&host);
            OccurrenceView {
                day: ctx.t.day(&local.date_naive()),
                host_time: super::view::span(o.starts_at, o.ends_at, &host),
                utc_time: super::view::span(o.starts_at, o.ends_at, &Tz::UTC),
                viewer_time: viewer
                    .filter(|v| *v != host)
                    .map(|v| super::view::span(o.starts_at, o.ends_at, &v)),
                start_iso: o
                    .starts_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                end_iso: o.ends_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                status: match o.status {
                    OccurrenceStatus::Scheduled => "scheduled",
                    OccurrenceStatus::Moved => "moved",
                    OccurrenceStatus::Cancelled => "cancelled",
                },
                note: o.note.clone(),
                path: crate::archive::minutes::meeting_path(&series, o.original_start),
                originally: (o.status == OccurrenceStatus::Moved).then(|| {
                    let was = o.original_start.with_timezone(&host);
                    format!("{}, {}", ctx.t.day(&was.date_naive()), was.format("%H:%M"))
                }),
            }
        })
        .collect();
    let page = MeetingSeriesPage {
        host_tz: series.time_zone.clone(),
        viewer_tz: viewer.map(|v| v.name().to_string()).unwrap_or_default(),
        v: SeriesView::new(series, &ctx.t),
        upcoming,
        zones: COMMON_ZONES,
        ctx,
    };
    Ok((jar, render(&page)?).into_response())
}

#[derive(Deserialize)]
struct RotationQuery {
    zones: Option<String>,
    slots: Option<String>,
}

#[derive(Template)]
#[template(path = "rotation.html")]
struct RotationPage {
    ctx: Ctx,
    zones: String,
    slots: usize,
    error: Option<String>,
    rotation: Option<rotation::Rotation>,
}

/// The fair-rotation helper: members' zones in, rotating call times out. A GET form, so it
/// works without script and its answer can be bookmarked and shared with the coalition.
async fn show_rotation(ctx: Ctx, Query(q): Query<RotationQuery>) -> Result<Response, PageError> {
    let zones_text = q.zones.clone().unwrap_or_default();
    let slots = q
        .slots
        .as_deref()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3usize);
    let mut page = RotationPage {
        zones: zones_text.clone(),
        slots,
        error: None,
        rotation: None,
        ctx,
    };
    if q.zones.is_some() {
        let mut members: Vec<rotation::Member> = Vec::new();
        for name in zones_text
            .split([',', '\n', ' '])
            .map(str::trim)
            .filter(|z| !z.is_empty())
        {
            match programme::parse_zone(name) {
                Ok(tz) => match members.iter_mut().find(|m| m.time_zone == tz) {
                    Some(m) => m.weight += 1,
                    None => members.push(rotation::Member {
                        time_zone: tz,
                        weight: 1,
                    }),
                },
                Err(e) => {
                    page.error = Some(e);
                    break;
                }
            }
        }
        if page.error.is_none() {
            match rotation::propose_rotation(&members, slots, Utc::now().date_naive(), 60) {
                Ok(r) => page.rotation = Some(r),
                Err(e) => page.error = Some(e.to_string()),
            }
        }
    }
    render(&page)
}

#[derive(Deserialize)]
struct LangQuery {
    set: Option<String>,
    next: Option<String>,
}

/// Remembers the chosen language and goes back to the page the visitor was on.
async fn set_language(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<LangQuery>,
) -> Response {
    let next = local_path(q.next.as_deref(), "/").to_string();
    let jar = match q.set.as_deref().and_then(Lang::parse) {
        Some(lang) => jar.add(preference_cookie(
            &state,
            LANG_COOKIE,
            lang.code().to_string(),
        )),
        None => jar,
    };
    (jar, Redirect::to(&next)).into_response()
}
