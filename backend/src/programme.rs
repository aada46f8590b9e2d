//! The programme: events, venues and rooms, session types, people, sessions and their roles.
//!
//! Pages, the JSON API and the calendar feeds all read and write through this module, so the
//! rules (validation, conflict checks, overrides) hold whichever door a change comes through.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use utoipa::ToSchema;

use crate::domain::conflicts::{self, Conflict, EventWindow, Participant, Slot, Unavailability};
use crate::domain::schedule::{
    EventKind, RegionalGroup, Role, RoomLayout, SessionFormat, SessionStatus, StakeholderGroup,
    parse_durations, session_label,
};
use crate::http::error::{AppError, FieldError, from_write_error};
use crate::store::{Db, now};

/// Converts stored unix seconds to an instant.
pub fn instant(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

fn parse_stored<T>(value: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<T, AppError> {
    parse(value).map_err(|e| AppError::Internal(anyhow::anyhow!("stored value {value:?}: {e}")))
}

/// Checks a slug: lowercase letters, digits and hyphens, 1 to 64 of them.
pub fn valid_slug(slug: &str) -> bool {
    (1..=64).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
}

/// Collects field errors; `finish` turns them into one `AppError::Validation`.
#[derive(Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Checks a required text's length in characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) {
        let len = value.trim().chars().count();
        if len == 0 {
            self.add(field, "is required");
        } else if len > max {
            self.add(field, format!("must be at most {max} characters"));
        }
    }

    /// Checks an optional text's length in characters.
    pub fn optional_text(&mut self, field: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        }
    }

    pub fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.0))
        }
    }
}

/// Parses an IANA zone name such as `Europe/Oslo`.
pub fn parse_zone(name: &str) -> Result<Tz, String> {
    name.parse::<Tz>()
        .map_err(|_| format!("{name:?} is not an IANA time zone such as Europe/Oslo or UTC"))
}

// ---------------------------------------------------------------------------------------------
// Events

/// An event: an annual meeting, an inter-sessional meeting, a consultation or a webinar.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Event {
    pub event_id: i64,
    pub slug: String,
    pub name: String,
    pub kind: EventKind,
    /// IANA zone the programme is published in.
    pub time_zone: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub venue_id: Option<i64>,
    pub coalition_id: Option<i64>,
    pub description: String,
    /// Hours after a session ends that its report is due; the missing-reports list counts
    /// from there.
    pub report_due_hours: i64,
}

/// When a session's report is due unless the event says otherwise: two weeks.
pub const DEFAULT_REPORT_DUE_HOURS: i64 = 336;

fn default_report_due_hours() -> i64 {
    DEFAULT_REPORT_DUE_HOURS
}

impl Event {
    /// The event's zone (validated on write).
    pub fn tz(&self) -> Tz {
        self.time_zone.parse().unwrap_or(Tz::UTC)
    }

    /// Its days and zone, as the conflict rules see them.
    pub fn window(&self) -> EventWindow {
        EventWindow {
            time_zone: self.tz(),
            starts_on: self.starts_on,
            ends_on: self.ends_on,
        }
    }

    /// Every day of the event, in order.
    pub fn days(&self) -> Vec<NaiveDate> {
        self.starts_on
            .iter_days()
            .take_while(|d| *d <= self.ends_on)
            .collect()
    }
}

/// What an organizer sends to create or change an event.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    pub slug: String,
    pub name: String,
    pub kind: EventKind,
    pub time_zone: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    #[serde(default)]
    pub venue_id: Option<i64>,
    #[serde(default)]
    pub coalition_id: Option<i64>,
    #[serde(default)]
    pub description: String,
    /// Hours after a session ends that its report is due (1 to 2,160, i.e. 90 days; default
    /// 336, two weeks).
    #[serde(default = "default_report_due_hours")]
    pub report_due_hours: i64,
}

impl EventInput {
    fn validate(&self) -> Result<(), AppError> {
        let mut p = Problems::default();
        if !valid_slug(&self.slug) {
            p.add(
                "slug",
                "use 1 to 64 lowercase letters, digits and hyphens, e.g. igf-2025",
            );
        }
        p.text("name", &self.name, 200);
        if let Err(e) = parse_zone(&self.time_zone) {
            p.add("time_zone", e);
        }
        if self.ends_on < self.starts_on {
            p.add("ends_on", "must not be before starts_on");
        } else if (self.ends_on - self.starts_on).num_days() > 30 {
            p.add("ends_on", "an event lasts at most 31 days");
        }
        p.optional_text("description", &self.description, 5000);
        if !(1..=2160).contains(&self.report_due_hours) {
            p.add(
                "report_due_hours",
                "a report is due 1 to 2,160 hours (90 days) after its session ends",
            );
        }
        p.finish()
    }
}

const EVENT_COLUMNS: &str = "event_id, slug, name, kind, time_zone, starts_on, ends_on, venue_id, coalition_id, description, report_due_hours";

fn event_from_row(row: &AnyRow) -> Result<Event, AppError> {
    let date = |col: &str| -> Result<NaiveDate, AppError> {
        let text: String = row.try_get(col)?;
        parse_stored(&text, |s| s.parse::<NaiveDate>().map_err(|e| e.to_string()))
    };
    Ok(Event {
        event_id: row.try_get("event_id")?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        kind: parse_stored(&row.try_get::<String, _>("kind")?, EventKind::parse)?,
        time_zone: row.try_get("time_zone")?,
        starts_on: date("starts_on")?,
        ends_on: date("ends_on")?,
        venue_id: row.try_get("venue_id")?,
        coalition_id: row.try_get("coalition_id")?,
        description: row.try_get("description")?,
        report_due_hours: row.try_get("report_due_hours")?,
    })
}

/// All events, latest first.
pub async fn list_events(db: &Db) -> Result<Vec<Event>, AppError> {
    let rows = sqlx::query(&format!(
        "select {EVENT_COLUMNS} from event order by starts_on desc, event_id"
    ))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(event_from_row).collect()
}

/// One event by its slug.
pub async fn event_by_slug(db: &Db, slug: &str) -> Result<Event, AppError> {
    let row = sqlx::query(&format!(
        "select {EVENT_COLUMNS} from event where slug = $1"
    ))
    .bind(slug)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    event_from_row(&row)
}

/// One event by id.
pub async fn event_by_id(db: &Db, event_id: i64) -> Result<Event, AppError> {
    let row = sqlx::query(&format!(
        "select {EVENT_COLUMNS} from event where event_id = $1"
    ))
    .bind(event_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    event_from_row(&row)
}

/// Creates an event.
pub async fn create_event(db: &Db, input: &EventInput) -> Result<Event, AppError> {
    input.validate()?;
    let id: i64 = sqlx::query_scalar(
        "insert into event (slug, name, kind, time_zone, starts_on, ends_on, venue_id, coalition_id, description, created_at, report_due_hours) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning event_id",
    )
    .bind(&input.slug)
    .bind(input.name.trim())
    .bind(input.kind.as_str())
    .bind(&input.time_zone)
    .bind(input.starts_on.to_string())
    .bind(input.ends_on.to_string())
    .bind(input.venue_id)
    .bind(input.coalition_id)
    .bind(&input.description)
    .bind(now())
    .bind(input.report_due_hours)
    .fetch_one(&db.pool)
    .await
    .map_err(|e| from_write_error(e, "slug", "another event already uses this slug"))?;
    event_by_id(db, id).await
}

/// Changes an event. Sessions keep their instants; the conflicts view shows any now outside.
pub async fn update_event(db: &Db, event_id: i64, input: &EventInput) -> Result<Event, AppError> {
    input.validate()?;
    let done = sqlx::query(
        "update event set slug = $1, name = $2, kind = $3, time_zone = $4, starts_on = $5, ends_on = $6, \
         venue_id = $7, coalition_id = $8, description = $9, report_due_hours = $11 where event_id = $10",
    )
    .bind(&input.slug)
    .bind(input.name.trim())
    .bind(input.kind.as_str())
    .bind(&input.time_zone)
    .bind(input.starts_on.to_string())
    .bind(input.ends_on.to_string())
    .bind(input.venue_id)
    .bind(input.coalition_id)
    .bind(&input.description)
    .bind(event_id)
    .bind(input.report_due_hours)
    .execute(&db.pool)
    .await
    .map_err(|e| from_write_error(e, "slug", "another event already uses this slug"))?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    event_by_id(db, event_id).await
}

// ---------------------------------------------------------------------------------------------
// Venues and rooms

/// A venue: a conference centre, or "Online".
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Venue {
    #[serde(default)]
    pub venue_id: i64,
    pub name: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub country: String,
}

/// A room in a venue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Room {
    pub room_id: i64,
    pub venue_id: i64,
    pub name: String,
    pub capacity: i64,
    pub layout: RoomLayout,
}

/// What an organizer sends to create or change a room.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoomInput {
    pub venue_id: i64,
    pub name: String,
    pub capacity: i64,
    pub layout: RoomLayout,
}

/// All venues.
pub async fn list_venues(db: &Db) -> Result<Vec<Venue>, AppError> {
    let rows = sqlx::query("select venue_id, name, city, country from venue order by name")
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Venue {
                venue_id: r.try_get("venue_id")?,
                name: r.try_get("name")?,
                city: r.try_get("city")?,
                country: r.try_get("country")?,
            })
        })
        .collect()
}

/// Creates a venue.
pub async fn create_venue(db: &Db, input: &Venue) -> Result<Venue, AppError> {
    let mut p = Problems::default();
    p.text("name", &input.name, 200);
    p.optional_text("city", &input.city, 100);
    p.optional_text("country", &input.country, 100);
    p.finish()?;
    let venue_id: i64 = sqlx::query_scalar(
        "insert into venue (name, city, country) values ($1, $2, $3) returning venue_id",
    )
    .bind(input.name.trim())
    .bind(input.city.trim())
    .bind(input.country.trim())
    .fetch_one(&db.pool)
    .await?;
    Ok(Venue {
        venue_id,
        ..input.clone()
    })
}

fn room_from_row(r: &AnyRow) -> Result<Room, AppError> {
    Ok(Room {
        room_id: r.try_get("room_id")?,
        venue_id: r.try_get("venue_id")?,
        name: r.try_get("name")?,
        capacity: r.try_get("capacity")?,
        layout: parse_stored(&r.try_get::<String, _>("layout")?, RoomLayout::parse)?,
    })
}

/// Rooms, of one venue or all.
pub async fn list_rooms(db: &Db, venue_id: Option<i64>) -> Result<Vec<Room>, AppError> {
    let rows = sqlx::query(
        "select room_id, venue_id, name, capacity, layout from room \
         where ($1 is null or venue_id = $1) order by venue_id, room_id",
    )
    .bind(venue_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(room_from_row).collect()
}

/// One room.
pub async fn room_by_id(db: &Db, room_id: i64) -> Result<Room, AppError> {
    let row = sqlx::query(
        "select room_id, venue_id, name, capacity, layout from room where room_id = $1",
    )
    .bind(room_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    room_from_row(&row)
}

fn validate_room(input: &RoomInput) -> Result<(), AppError> {
    let mut p = Problems::default();
    p.text("name", &input.name, 100);
    if !(0..=100_000).contains(&input.capacity) {
        p.add("capacity", "must be between 0 and 100000");
    }
    p.finish()
}

/// Creates a room.
pub async fn create_room(db: &Db, input: &RoomInput) -> Result<Room, AppError> {
    validate_room(input)?;
    let room_id: i64 = sqlx::query_scalar(
        "insert into room (venue_id, name, capacity, layout) values ($1, $2, $3, $4) returning room_id",
    )
    .bind(input.venue_id)
    .bind(input.name.trim())
    .bind(input.capacity)
    .bind(input.layout.as_str())
    .fetch_one(&db.pool)
    .await
    .map_err(|e| from_write_error(e, "name", "this venue already has a room with that name"))?;
    room_by_id(db, room_id).await
}

/// Changes a room.
pub async fn update_room(db: &Db, room_id: i64, input: &RoomInput) -> Result<Room, AppError> {
    validate_room(input)?;
    let done = sqlx::query(
        "update room set venue_id = $1, name = $2, capacity = $3, layout = $4 where room_id = $5",
    )
    .bind(input.venue_id)
    .bind(input.name.trim())
    .bind(input.capacity)
    .bind(input.layout.as_str())
    .bind(room_id)
    .execute(&db.pool)
    .await
    .map_err(|e| from_write_error(e, "name", "this venue already has a room with that name"))?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    room_by_id(db, room_id).await
}

// ---------------------------------------------------------------------------------------------
// Session types

/// A session type: code, how its number is shown, allowed durations and default support.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionType {
    pub session_type_id: i64,
    /// Short stable code, e.g. `WS`, `OF`, `DC`.
    pub code: String,
    pub name: String,
    /// The label a number is shown with: "WS" gives "WS #403".
    pub label: String,
    pub numbered: bool,
    /// Allowed durations in minutes.
    pub allowed_durations: Vec<u32>,
    pub webcast: bool,
    pub captions: bool,
    pub interpretation: bool,
}

/// What an organizer sends to create a session type.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionTypeInput {
    pub code: String,
    pub name: String,
    pub label: String,
    pub numbered: bool,
    pub allowed_durations: Vec<u32>,
    pub webcast: bool,
    pub captions: bool,
    pub interpretation: bool,
}

fn session_type_from_row(r: &AnyRow) -> Result<SessionType, AppError> {
    let durations: String = r.try_get("allowed_durations")?;
    Ok(SessionType {
        session_type_id: r.try_get("session_type_id")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        label: r.try_get("label")?,
        numbered: r.try_get::<i64, _>("numbered")? != 0,
        allowed_durations: parse_stored(&durations, parse_durations)?,
        webcast: r.try_get::<i64, _>("webcast")? != 0,
        captions: r.try_get::<i64, _>("captions")? != 0,
        interpretation: r.try_get::<i64, _>("interpretation")? != 0,
    })
}

/// All session types.
pub async fn list_session_types(db: &Db) -> Result<Vec<SessionType>, AppError> {
    let rows = sqlx::query("select * from session_type order by name")
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(session_type_from_row).collect()
}

/// One session type.
pub async fn session_type_by_id(db: &Db, id: i64) -> Result<SessionType, AppError> {
    let row = sqlx::query("select * from session_type where session_type_id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    session_type_from_row(&row)
}

/// Creates a session type.
pub async fn create_session_type(
    db: &Db,
    input: &SessionTypeInput,
) -> Result<SessionType, AppError> {
    let mut p = Problems::default();
    if input.code.is_empty()
        || input.code.len() > 16
        || !input
            .code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        p.add(
            "code",
            "use 1 to 16 letters, digits or underscores, e.g. WS",
        );
    }
    p.text("name", &input.name, 100);
    p.text("label", &input.label, 40);
    let durations = input
        .allowed_durations
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let durations = match parse_durations(&durations) {
        Ok(d) => d,
        Err(e) => {
            p.add("allowed_durations", e);
            Vec::new()
        }
    };
    p.finish()?;
    let text = durations
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let id: i64 = sqlx::query_scalar(
        "insert into session_type (code, name, label, numbered, allowed_durations, webcast, captions, interpretation) \
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning session_type_id",
    )
    .bind(&input.code)
    .bind(input.name.trim())
    .bind(input.label.trim())
    .bind(i64::from(input.numbered))
    .bind(text)
    .bind(i64::from(input.webcast))
    .bind(i64::from(input.captions))
    .bind(i64::from(input.interpretation))
    .fetch_one(&db.pool)
    .await
    .map_err(|e| from_write_error(e, "code", "another session type already uses this code"))?;
    session_type_by_id(db, id).await
}

// ---------------------------------------------------------------------------------------------
// People

/// Someone with a role in sessions: a speaker, moderator, rapporteur or organizer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Person {
    pub person_id: i64,
    pub name: String,
    pub organization: String,
    pub stakeholder_group: Option<StakeholderGroup>,
    pub regional_group: Option<RegionalGroup>,
}

/// What an organizer sends to add a person.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    pub name: String,
    #[serde(default)]
    pub organization: String,
    #[serde(default)]
    pub stakeholder_group: Option<StakeholderGroup>,
    #[serde(default)]
    pub regional_group: Option<RegionalGroup>,
}

fn person_from_row(r: &AnyRow) -> Result<Person, AppError> {
    let sg: Option<String> = r.try_get("stakeholder_group")?;
    let rg: Option<String> = r.try_get("regional_group")?;
    Ok(Person {
        person_id: r.try_get("person_id")?,
        name: r.try_get("name")?,
        organization: r.try_get("organization")?,
        stakeholder_group: sg
            .map(|s| parse_stored(&s, StakeholderGroup::parse))
            .transpose()?,
        regional_group: rg
            .map(|s| parse_stored(&s, RegionalGroup::parse))
            .transpose()?,
    })
}

/// A page of people, by name.
pub async fn list_people(db: &Db, limit: i64, offset: i64) -> Result<(Vec<Person>, i64), AppError> {
    let total: i64 = sqlx::query_scalar("select count(*) from person")
        .fetch_one(&db.pool)
        .await?;
    let rows = sqlx::query(
        "select person_id, name, organization, stakeholder_group, regional_group from person \
         order by name, person_id limit $1 offset $2",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.pool)
    .await?;
    Ok((
        rows.iter().map(person_from_row).collect::<Result<_, _>>()?,
        total,
    ))
}

/// Adds a person.
pub async fn create_person(db: &Db, input: &PersonInput) -> Result<Person, AppError> {
    let mut p = Problems::default();
    p.text("name", &input.name, 200);
    p.optional_text("organization", &input.organization, 200);
    p.finish()?;
    let person_id: i64 = sqlx::query_scalar(
        "insert into person (name, organization, stakeholder_group, regional_group, created_at) \
         values ($1, $2, $3, $4, $5) returning person_id",
    )
    .bind(input.name.trim())
    .bind(input.organization.trim())
    .bind(input.stakeholder_group.map(|g| g.as_str()))
    .bind(input.regional_group.map(|g| g.as_str()))
    .bind(now())
    .fetch_one(&db.pool)
    .await?;
    Ok(Person {
        person_id,
        name: input.name.trim().to_string(),
        organization: input.organization.trim().to_string(),
        stakeholder_group: input.stakeholder_group,
        regional_group: input.regional_group,
    })
}

/// A declared period when someone cannot take part.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnavailabilityInput {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default)]
    pub note: String,
}

/// Records that a person is unavailable for a period.
pub async fn add_unavailability(
    db: &Db,
    person_id: i64,
    input: &UnavailabilityInput,
) -> Result<i64, AppError> {
    let mut p = Problems::default();
    if input.ends_at <= input.starts_at {
        p.add("ends_at", "must be after starts_at");
    }
    p.optional_text("note", &input.note, 500);
    p.finish()?;
    let id: i64 = sqlx::query_scalar(
        "insert into unavailability (person_id, starts_at, ends_at, note) values ($1, $2, $3, $4) \
         returning unavailability_id",
    )
    .bind(person_id)
    .bind(input.starts_at.timestamp())
    .bind(input.ends_at.timestamp())
    .bind(&input.note)
    .fetch_one(&db.pool)
    .await
    .map_err(|e| {
        if crate::store::is_foreign_key_violation(&e) {
            AppError::NotFound
        } else {
            AppError::Database(e)
        }
    })?;
    Ok(id)
}

// ---------------------------------------------------------------------------------------------
// Sessions

/// A person's role in a session, with the groups the IGF checks for diversity.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionRole {
    pub person_id: i64,
    pub name: String,
    pub organization: String,
    pub role: Role,
    pub stakeholder_group: Option<StakeholderGroup>,
    pub regional_group: Option<RegionalGroup>,
}

/// A session of an event, as anyone may read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Session {
    pub session_id: i64,
    pub event_id: i64,
    pub event_slug: String,
    pub session_type_id: i64,
    pub type_code: String,
    pub type_name: String,
    /// "WS #403".
    pub label: String,
    pub number: Option<i64>,
    pub title: String,
    pub description: String,
    pub policy_questions: Vec<String>,
    pub track: String,
    pub format: SessionFormat,
    pub room_id: Option<i64>,
    pub room_name: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: SessionStatus,
    pub webcast: bool,
    pub captions: bool,
    pub interpretation: bool,
    pub roles: Vec<SessionRole>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Only present for organizers and authorised feed links.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub online_join_url: Option<String>,
}

impl Session {
    fn slot(&self) -> Slot {
        Slot {
            session_id: Some(self.session_id),
            label: self.label.clone(),
            title: self.title.clone(),
            room_id: self.room_id,
            room_name: self.room_name.clone(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            track: self.track.clone(),
            people: people_of(&self.roles),
        }
    }
}

/// Each person once, whatever the number of roles they hold.
fn people_of(roles: &[SessionRole]) -> Vec<Participant> {
    let mut people: Vec<Participant> = Vec::new();
    for r in roles {
        if !people.iter().any(|p| p.person_id == r.person_id) {
            people.push(Participant {
                person_id: r.person_id,
                name: r.name.clone(),
            });
        }
    }
    people
}

/// Which sessions to load. Unset fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    pub event_id: Option<i64>,
    pub session_id: Option<i64>,
    pub room_id: Option<i64>,
    pub personal_schedule_id: Option<i64>,
    /// Only sessions overlapping [from, to).
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub include_cancelled: bool,
    pub limit: Option<i64>,
    pub offset: i64,
}

const SESSION_SELECT: &str = "
    select s.session_id, s.event_id, e.slug as event_slug, s.session_type_id, t.code as type_code,
           t.name as type_name, t.label as type_label, t.webcast, t.captions, t.interpretation,
           s.number, s.title, s.description, s.policy_questions, s.track, s.format, s.room_id,
           r.name as room_name, s.starts_at, s.ends_at, s.status, s.online_join_url,
           s.created_at, s.updated_at
    from session s
    join event e on e.event_id = s.event_id
    join session_type t on t.session_type_id = s.session_type_id
    left join room r on r.room_id = s.room_id
    where ($1 is null or s.event_id = $1)
      and ($2 is null or s.session_id = $2)
      and ($3 is null or s.room_id = $3)
      and ($4 is null or s.session_id in
            (select session_id from personal_schedule_item where personal_schedule_id = $4))
      and ($5 is null or s.ends_at > $5)
      and ($6 is null or s.starts_at < $6)
      and ($7 = 1 or s.status <> 'cancelled')";

/// Sessions matching `filter`, in time then room order, with their roles.
pub async fn list_sessions(db: &Db, filter: &SessionFilter) -> Result<Vec<Session>, AppError> {
    let sql =
        format!("{SESSION_SELECT} order by s.starts_at, r.name, s.session_id limit $8 offset $9");
    let rows = sqlx::query(&sql)
        .bind(filter.event_id)
        .bind(filter.session_id)
        .bind(filter.room_id)
        .bind(filter.personal_schedule_id)
        .bind(filter.from.map(|t| t.timestamp()))
        .bind(filter.to.map(|t| t.timestamp()))
        .bind(i64::from(filter.include_cancelled))
        .bind(filter.limit.unwrap_or(i64::MAX))
        .bind(filter.offset)
        .fetch_all(&db.pool)
        .await?;
    let mut sessions = rows
        .iter()
        .map(session_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    attach_roles(db, &mut sessions).await?;
    Ok(sessions)
}

/// How many sessions match `filter` (ignoring its limit and offset).
pub async fn count_sessions(db: &Db, filter: &SessionFilter) -> Result<i64, AppError> {
    let sql = format!("select count(*) from ({SESSION_SELECT}) counted");
    Ok(sqlx::query_scalar(&sql)
        .bind(filter.event_id)
        .bind(filter.session_id)
        .bind(filter.room_id)
        .bind(filter.personal_schedule_id)
        .bind(filter.from.map(|t| t.timestamp()))
        .bind(filter.to.map(|t| t.timestamp()))
        .bind(i64::from(filter.include_cancelled))
        .fetch_one(&db.pool)
        .await?)
}

/// One session, cancelled or not.
pub async fn session_by_id(db: &Db, session_id: i64) -> Result<Session, AppError> {
    let filter = SessionFilter {
        session_id: Some(session_id),
        include_cancelled: true,
        ..Default::default()
    };
    list_sessions(db, &filter)
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)
}

fn session_from_row(r: &AnyRow) -> Result<Session, AppError> {
    let number: Option<i64> = r.try_get("number")?;
    let label: String = r.try_get("type_label")?;
    let questions: String = r.try_get("policy_questions")?;
    let join: String = r.try_get("online_join_url")?;
    Ok(Session {
        session_id: r.try_get("session_id")?,
        event_id: r.try_get("event_id")?,
        event_slug: r.try_get("event_slug")?,
        session_type_id: r.try_get("session_type_id")?,
        type_code: r.try_get("type_code")?,
        type_name: r.try_get("type_name")?,
        label: session_label(&label, number),
        number,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        policy_questions: questions
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect(),
        track: r.try_get("track")?,
        format: parse_stored(&r.try_get::<String, _>("format")?, SessionFormat::parse)?,
        room_id: r.try_get("room_id")?,
        room_name: r.try_get("room_name")?,
        starts_at: instant(r.try_get("starts_at")?),
        ends_at: instant(r.try_get("ends_at")?),
        status: parse_stored(&r.try_get::<String, _>("status")?, SessionStatus::parse)?,
        webcast: r.try_get::<i64, _>("webcast")? != 0,
        captions: r.try_get::<i64, _>("captions")? != 0,
        interpretation: r.try_get::<i64, _>("interpretation")? != 0,
        roles: Vec::new(),
        created_at: instant(r.try_get("created_at")?),
        updated_at: instant(r.try_get("updated_at")?),
        // Kept aside; callers that may show it use `with_join_url`.
        online_join_url: if join.is_empty() { None } else { Some(join) },
    })
}

async fn attach_roles(db: &Db, sessions: &mut [Session]) -> Result<(), AppError> {
    if sessions.is_empty() {
        return Ok(());
    }
    let min = sessions.iter().map(|s| s.session_id).min().unwrap_or(0);
    let max = sessions.iter().map(|s| s.session_id).max().unwrap_or(0);
    let rows = sqlx::query(
        "select sr.session_id, sr.role, p.person_id, p.name, p.organization, p.stakeholder_group, p.regional_group
         from session_role sr join person p on p.person_id = sr.person_id
         where sr.session_id between $1 and $2
         order by sr.session_id, sr.position, p.name",
    )
    .bind(min)
    .bind(max)
    .fetch_all(&db.pool)
    .await?;
    let mut by_session: HashMap<i64, Vec<SessionRole>> = HashMap::new();
    for r in &rows {
        let person = person_from_row(r)?;
        by_session
            .entry(r.try_get("session_id")?)
            .or_default()
            .push(SessionRole {
                person_id: person.person_id,
                name: person.name,
                organization: person.organization,
                role: parse_stored(&r.try_get::<String, _>("role")?, Role::parse)?,
                stakeholder_group: person.stakeholder_group,
                regional_group: person.regional_group,
            });
    }
    for s in sessions.iter_mut() {
        s.roles = by_session.remove(&s.session_id).unwrap_or_default();
    }
    Ok(())
}

/// A role assignment in a session write.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleInput {
    pub person_id: i64,
    pub role: Role,
}

/// What an organizer sends to create or change a session.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionInput {
    pub session_type_id: i64,
    #[serde(default)]
    pub number: Option<i64>,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub policy_questions: Vec<String>,
    #[serde(default)]
    pub track: String,
    #[serde(default = "default_format")]
    pub format: SessionFormat,
    #[serde(default)]
    pub room_id: Option<i64>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default = "default_status")]
    pub status: SessionStatus,
    #[serde(default)]
    pub online_join_url: String,
    #[serde(default)]
    pub roles: Vec<RoleInput>,
    /// Set to go ahead despite blocking conflicts; the override and its reason are recorded.
    #[serde(default)]
    pub override_reason: Option<String>,
}

fn default_format() -> SessionFormat {
    SessionFormat::Panel
}

fn default_status() -> SessionStatus {
    SessionStatus::Scheduled
}

/// The outcome of a session write: the session and any conflicts that remain (warnings, or
/// blocking ones that were overridden).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionSaved {
    pub session: Session,
    pub conflicts: Vec<Conflict>,
    pub overridden: bool,
}

impl SessionInput {
    fn validate(&self, session_type: &SessionType) -> Result<(), AppError> {
        let mut p = Problems::default();
        p.text("title", &self.title, 300);
        p.optional_text("description", &self.description, 10_000);
        p.optional_text("track", &self.track, 100);
        if self.policy_questions.len() > 10 {
            p.add("policy_questions", "at most 10 policy questions");
        }
        for (i, q) in self.policy_questions.iter().enumerate() {
            if q.contains('\n') || q.chars().count() > 500 {
                p.add(
                    &format!("policy_questions[{i}]"),
                    "one line of at most 500 characters",
                );
            }
        }
        if self.ends_at <= self.starts_at {
            p.add("ends_at", "must be after starts_at");
        } else if (self.ends_at - self.starts_at).num_hours() >= 24 {
            p.add("ends_at", "a session lasts less than a day");
        }
        match (session_type.numbered, self.number) {
            (true, None) => p.add(
                "number",
                format!("{} sessions are numbered", session_type.name),
            ),
            (false, Some(_)) => p.add(
                "number",
                format!("{} sessions have no number", session_type.name),
            ),
            (true, Some(n)) if !(1..=9999).contains(&n) => {
                p.add("number", "must be between 1 and 9999")
            }
            _ => {}
        }
        let url = &self.online_join_url;
        let acceptable = url.is_empty() || (url.starts_with("https://") && url.len() <= 500);
        if !acceptable {
            p.add(
                "online_join_url",
                "must be an https:// link of at most 500 characters",
            );
        }
        if self.roles.len() > 50 {
            p.add("roles", "at most 50 roles");
        }
        if let Some(reason) = &self.override_reason {
            p.text("override_reason", reason, 500);
        }
        p.finish()
    }
}

/// Everything booked that could clash with [start, end): all events, not cancelled.
async fn booked_around(
    db: &Db,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<Slot>, AppError> {
    let filter = SessionFilter {
        from: Some(start),
        to: Some(end),
        ..Default::default()
    };
    Ok(list_sessions(db, &filter)
        .await?
        .iter()
        .map(Session::slot)
        .collect())
}

async fn unavailability_of(
    db: &Db,
    people: &[Participant],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<Unavailability>, AppError> {
    let mut out = Vec::new();
    for person in people {
        let rows = sqlx::query(
            "select starts_at, ends_at from unavailability where person_id = $1 and ends_at > $2 and starts_at < $3",
        )
        .bind(person.person_id)
        .bind(start.timestamp())
        .bind(end.timestamp())
        .fetch_all(&db.pool)
        .await?;
        for r in rows {
            out.push(Unavailability {
                person_id: person.person_id,
                starts_at: instant(r.try_get("starts_at")?),
                ends_at: instant(r.try_get("ends_at")?),
            });
        }
    }
    Ok(out)
}

/// Checks a session write without saving it: the conflicts it would have.
pub async fn check_session(
    db: &Db,
    event: &Event,
    session_id: Option<i64>,
    input: &SessionInput,
) -> Result<Vec<Conflict>, AppError> {
    let session_type = session_type_by_id(db, input.session_type_id)
        .await
        .map_err(|_| AppError::field("session_type_id", "no such session type"))?;
    input.validate(&session_type)?;
    let room_name = match input.room_id {
        Some(id) => Some(
            room_by_id(db, id)
                .await
                .map_err(|_| AppError::field("room_id", "no such room"))?
                .name,
        ),
        None => None,
    };
    let mut people = Vec::new();
    for (i, r) in input.roles.iter().enumerate() {
        let name: Option<String> =
            sqlx::query_scalar("select name from person where person_id = $1")
                .bind(r.person_id)
                .fetch_optional(&db.pool)
                .await?;
        let Some(name) = name else {
            return Err(AppError::field(
                format!("roles[{i}].person_id"),
                "no such person",
            ));
        };
        if !people
            .iter()
            .any(|p: &Participant| p.person_id == r.person_id)
        {
            people.push(Participant {
                person_id: r.person_id,
                name,
            });
        }
    }
    if input.status == SessionStatus::Cancelled {
        return Ok(Vec::new());
    }
    let candidate = Slot {
        session_id,
        label: session_label(&session_type.label, input.number),
        title: input.title.clone(),
        room_id: input.room_id,
        room_name,
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        track: input.track.trim().to_string(),
        people: people.clone(),
    };
    let booked = booked_around(db, input.starts_at, input.ends_at).await?;
    let unavailable = unavailability_of(db, &people, input.starts_at, input.ends_at).await?;
    let window = event.window();
    Ok(conflicts::detect(
        &candidate,
        &conflicts::Context {
            event: &window,
            allowed_durations: &session_type.allowed_durations,
            booked: &booked,
            unavailability: &unavailable,
        },
    ))
}

/// Creates (`session_id` None) or replaces a session, refusing blocking conflicts unless the
/// input carries an override reason, which is recorded with the conflicts it overrode.
pub async fn save_session(
    db: &Db,
    event: &Event,
    session_id: Option<i64>,
    input: &SessionInput,
    staff_id: i64,
) -> Result<SessionSaved, AppError> {
    if let Some(id) = session_id {
        let existing = session_by_id(db, id).await?;
        if existing.event_id != event.event_id {
            return Err(AppError::NotFound);
        }
    }
    // Check and write as one step: a concurrent save could otherwise pass the same check.
    let (_exclusive, mut tx) = db.begin_schedule_write().await?;
    let found = check_session(db, event, session_id, input).await?;
    let blocking = conflicts::any_blocking(&found);
    if blocking && input.override_reason.is_none() {
        return Err(AppError::ScheduleConflict(found));
    }
    let questions = input
        .policy_questions
        .iter()
        .map(|q| q.trim())
        .filter(|q| !q.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    let t = now();
    let id: i64 = match session_id {
        None => sqlx::query_scalar(
            "insert into session (event_id, session_type_id, number, title, description, policy_questions, track, format, \
             room_id, starts_at, ends_at, status, online_join_url, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) returning session_id",
        )
        .bind(event.event_id)
        .bind(input.session_type_id)
        .bind(input.number)
        .bind(input.title.trim())
        .bind(&input.description)
        .bind(&questions)
        .bind(input.track.trim())
        .bind(input.format.as_str())
        .bind(input.room_id)
        .bind(input.starts_at.timestamp())
        .bind(input.ends_at.timestamp())
        .bind(input.status.as_str())
        .bind(&input.online_join_url)
        .bind(t)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| from_write_error(e, "number", "another session of this type already has this number"))?,
        Some(id) => {
            sqlx::query(
                "update session set session_type_id = $1, number = $2, title = $3, description = $4, policy_questions = $5, \
                 track = $6, format = $7, room_id = $8, starts_at = $9, ends_at = $10, status = $11, online_join_url = $12, \
                 updated_at = $13 where session_id = $14",
            )
            .bind(input.session_type_id)
            .bind(input.number)
            .bind(input.title.trim())
            .bind(&input.description)
            .bind(&questions)
            .bind(input.track.trim())
            .bind(input.format.as_str())
            .bind(input.room_id)
            .bind(input.starts_at.timestamp())
            .bind(input.ends_at.timestamp())
            .bind(input.status.as_str())
            .bind(&input.online_join_url)
            .bind(t)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| from_write_error(e, "number", "another session of this type already has this number"))?;
            sqlx::query("delete from session_role where session_id = $1").bind(id).execute(&mut *tx).await?;
            id
        }
    };
    for (position, r) in input.roles.iter().enumerate() {
        sqlx::query(
            "insert into session_role (session_id, person_id, role, position) values ($1, $2, $3, $4) \
             on conflict (session_id, person_id, role) do nothing",
        )
        .bind(id)
        .bind(r.person_id)
        .bind(r.role.as_str())
        .bind(position as i64)
        .execute(&mut *tx)
        .await?;
    }
    if blocking {
        let reason = input.override_reason.as_deref().unwrap_or_default().trim();
        let summary =
            serde_json::to_string(&found.iter().map(|c| c.kind.as_str()).collect::<Vec<_>>())
                .map_err(anyhow::Error::from)?;
        sqlx::query(
            "insert into conflict_override (session_id, staff_id, reason, conflicts, created_at) values ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(staff_id)
        .bind(reason)
        .bind(summary)
        .bind(t)
        .execute(&mut *tx)
        .await?;
        tracing::info!(
            session_id = id,
            staff_id,
            "blocking schedule conflict overridden"
        );
    }
    tx.commit().await?;
    // The archive's search index holds the session's title and description. The save has
    // landed either way: a failed reindex is logged and repaired by the rebuild at start-up.
    if let Err(e) = crate::archive::search::reindex_session(db, id).await {
        tracing::warn!(session_id = id, error = %e, "search reindex after a session save failed");
    }
    Ok(SessionSaved {
        session: session_by_id(db, id).await?,
        conflicts: found,
        overridden: blocking,
    })
}

/// Every current conflict in an event's programme, each pair reported once, blocking first.
pub async fn event_conflicts(db: &Db, event: &Event) -> Result<Vec<Conflict>, AppError> {
    let sessions = list_sessions(
        db,
        &SessionFilter {
            event_id: Some(event.event_id),
            ..Default::default()
        },
    )
    .await?;
    let (Some(start), Some(end)) = (
        sessions.iter().map(|s| s.starts_at).min(),
        sessions.iter().map(|s| s.ends_at).max(),
    ) else {
        return Ok(Vec::new());
    };
    let booked = booked_around(db, start, end).await?;
    let types: HashMap<i64, SessionType> = list_session_types(db)
        .await?
        .into_iter()
        .map(|t| (t.session_type_id, t))
        .collect();
    let window = event.window();
    let mut all = Vec::new();
    for s in &sessions {
        let people = people_of(&s.roles);
        let unavailable = unavailability_of(db, &people, s.starts_at, s.ends_at).await?;
        let durations = types
            .get(&s.session_type_id)
            .map(|t| t.allowed_durations.clone())
            .unwrap_or_default();
        let found = conflicts::detect(
            &s.slot(),
            &conflicts::Context {
                event: &window,
                allowed_durations: &durations,
                booked: &booked,
                unavailability: &unavailable,
            },
        );
        // Pairwise conflicts are found from both sides; keep the side with the smaller id,
        // unless the other session belongs to another event (then it is only found here).
        all.extend(found.into_iter().filter(|c| match &c.other_session {
            Some(other) => {
                other.session_id > s.session_id
                    || !sessions.iter().any(|x| x.session_id == other.session_id)
            }
            None => true,
        }));
    }
    all.sort_by_key(|c| std::cmp::Reverse(c.severity));
    Ok(all)
}

// ---------------------------------------------------------------------------------------------
// Personal schedules ("my schedule"): anonymous, opened by a secret token whose hash is stored.

/// The personal schedule a secret token opens, if any.
pub async fn personal_schedule_for_token(db: &Db, token: &str) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query_scalar(
        "select personal_schedule_id from personal_schedule where token_hash = $1",
    )
    .bind(crate::auth::token_hash(token))
    .fetch_optional(&db.pool)
    .await?)
}

/// Creates an empty personal schedule; returns its id and the secret token (shown only now).
pub async fn create_personal_schedule(db: &Db) -> Result<(i64, String), AppError> {
    let token = crate::auth::new_token();
    let id: i64 = sqlx::query_scalar(
        "insert into personal_schedule (token_hash, created_at) values ($1, $2) returning personal_schedule_id",
    )
    .bind(crate::auth::token_hash(&token))
    .bind(now())
    .fetch_one(&db.pool)
    .await?;
    Ok((id, token))
}

/// Adds a session to a personal schedule (adding it twice is harmless).
pub async fn add_to_personal_schedule(
    db: &Db,
    schedule_id: i64,
    session_id: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "insert into personal_schedule_item (personal_schedule_id, session_id) values ($1, $2) \
         on conflict (personal_schedule_id, session_id) do nothing",
    )
    .bind(schedule_id)
    .bind(session_id)
    .execute(&db.pool)
    .await
    .map_err(|e| {
        if crate::store::is_foreign_key_violation(&e) {
            AppError::NotFound
        } else {
            AppError::Database(e)
        }
    })?;
    Ok(())
}

/// Removes a session from a personal schedule (removing an absent one is harmless).
pub async fn remove_from_personal_schedule(
    db: &Db,
    schedule_id: i64,
    session_id: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "delete from personal_schedule_item where personal_schedule_id = $1 and session_id = $2",
    )
    .bind(schedule_id)
    .bind(session_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// True when the session is in the personal schedule.
pub async fn personal_schedule_has(
    db: &Db,
    schedule_id: i64,
    session_id: i64,
) -> Result<bool, AppError> {
    let found: Option<i64> = sqlx::query_scalar(
        "select session_id from personal_schedule_item where personal_schedule_id = $1 and session_id = $2",
    )
    .bind(schedule_id)
    .bind(session_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(found.is_some())
}
