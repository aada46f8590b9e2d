//! Schedule conflicts: what is wrong with putting a session at a place and time, and how badly.
//!
//! Detection is a pure function over the candidate and what is already booked, so the same
//! rules explain a refused API call, an inline form message and the organizers' conflicts view.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;

/// How serious a conflict is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; the change goes ahead.
    Warn,
    /// Refused unless an organizer overrides it, which is recorded.
    Block,
}

/// The kinds of conflict Plenary explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    RoomDoubleBooked,
    PersonDoubleBooked,
    PersonUnavailable,
    OutsideEventDays,
    CrossesMidnight,
    DurationNotAllowed,
    TrackOverlap,
}

impl ConflictKind {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictKind::RoomDoubleBooked => "room_double_booked",
            ConflictKind::PersonDoubleBooked => "person_double_booked",
            ConflictKind::PersonUnavailable => "person_unavailable",
            ConflictKind::OutsideEventDays => "outside_event_days",
            ConflictKind::CrossesMidnight => "crosses_midnight",
            ConflictKind::DurationNotAllowed => "duration_not_allowed",
            ConflictKind::TrackOverlap => "track_overlap",
        }
    }
}

/// Another session, as far as conflicts need to name it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionRef {
    pub session_id: i64,
    /// "WS #403".
    pub label: String,
    pub title: String,
}

/// One explained conflict.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Conflict {
    pub kind: ConflictKind,
    pub severity: Severity,
    /// A sentence in English for API clients; pages render their own from the fields below.
    pub message: String,
    /// The session this conflict is about (the one being checked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionRef>,
    /// The other session involved, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_session: Option<SessionRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_name: Option<String>,
}

/// The event a session belongs to: its zone and days.
#[derive(Debug, Clone)]
pub struct EventWindow {
    pub time_zone: Tz,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// A person with a role in a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub person_id: i64,
    pub name: String,
}

/// A session as the conflict rules see it: the one being placed, or one already booked.
#[derive(Debug, Clone)]
pub struct Slot {
    /// None for a session not yet created.
    pub session_id: Option<i64>,
    pub label: String,
    pub title: String,
    pub room_id: Option<i64>,
    pub room_name: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub track: String,
    pub people: Vec<Participant>,
}

impl Slot {
    fn overlaps(&self, other_start: DateTime<Utc>, other_end: DateTime<Utc>) -> bool {
        self.starts_at < other_end && other_start < self.ends_at
    }

    fn as_ref(&self) -> Option<SessionRef> {
        self.session_id.map(|session_id| SessionRef {
            session_id,
            label: self.label.clone(),
            title: self.title.clone(),
        })
    }
}

/// A declared period when a person cannot take part.
#[derive(Debug, Clone)]
pub struct Unavailability {
    pub person_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// Everything known about where a candidate is to be placed.
pub struct Context<'a> {
    pub event: &'a EventWindow,
    /// The durations the session's type allows, in minutes (empty: any).
    pub allowed_durations: &'a [u32],
    /// Non-cancelled sessions of the same event, possibly including the candidate's old self.
    pub booked: &'a [Slot],
    pub unavailability: &'a [Unavailability],
}

/// Lists every conflict of `candidate` in `ctx`, blocking ones first.
pub fn detect(candidate: &Slot, ctx: &Context<'_>) -> Vec<Conflict> {
    let mut found = Vec::new();
    let this = candidate.as_ref();
    let conflict = |kind, severity, message: String| Conflict {
        kind,
        severity,
        message,
        session: this.clone(),
        other_session: None,
        person_id: None,
        person_name: None,
        room_name: None,
    };
    let tz = ctx.event.time_zone;
    let local_start = candidate.starts_at.with_timezone(&tz);
    let local_end = candidate.ends_at.with_timezone(&tz);

    // Event days are host-local calendar days.
    let first = tz
        .from_local_datetime(
            &ctx.event
                .starts_on
                .and_hms_opt(0, 0, 0)
                .expect("midnight exists"),
        )
        .earliest();
    let after_last = ctx.event.ends_on.succ_opt().and_then(|d| {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight exists"))
            .earliest()
    });
    let outside = match (first, after_last) {
        (Some(first), Some(after)) => {
            candidate.starts_at < first.with_timezone(&Utc)
                || candidate.ends_at > after.with_timezone(&Utc)
        }
        _ => false,
    };
    if outside {
        found.push(conflict(
            ConflictKind::OutsideEventDays,
            Severity::Block,
            format!(
                "The session runs outside the event's days ({} to {}, {}).",
                ctx.event.starts_on, ctx.event.ends_on, tz
            ),
        ));
    }

    // A session that ends exactly at midnight ends on the same day.
    let last_instant = local_end - chrono::Duration::seconds(1);
    if last_instant.date_naive() != local_start.date_naive() {
        found.push(conflict(
            ConflictKind::CrossesMidnight,
            Severity::Block,
            format!(
                "The session starts on {} and ends on {} ({} time); split it or move it.",
                local_start.date_naive(),
                local_end.date_naive(),
                tz
            ),
        ));
    }

    let minutes = (candidate.ends_at - candidate.starts_at).num_minutes();
    if !ctx.allowed_durations.is_empty()
        && !ctx
            .allowed_durations
            .iter()
            .any(|&d| i64::from(d) == minutes)
    {
        let allowed: Vec<String> = ctx.allowed_durations.iter().map(u32::to_string).collect();
        found.push(conflict(
            ConflictKind::DurationNotAllowed,
            Severity::Block,
            format!(
                "The session lasts {minutes} minutes; its type allows {} minutes.",
                allowed.join(", ")
            ),
        ));
    }

    for other in ctx.booked {
        if other.session_id.is_some() && other.session_id == candidate.session_id {
            continue;
        }
        if !candidate.overlaps(other.starts_at, other.ends_at) {
            continue;
        }
        if candidate.room_id.is_some() && candidate.room_id == other.room_id {
            let room = other.room_name.clone().unwrap_or_default();
            found.push(Conflict {
                other_session: other.as_ref(),
                room_name: Some(room.clone()),
                ..conflict(
                    ConflictKind::RoomDoubleBooked,
                    Severity::Block,
                    format!(
                        "{room} is already booked for {} \"{}\" at that time.",
                        other.label, other.title
                    ),
                )
            });
        }
        for person in &candidate.people {
            if other.people.iter().any(|p| p.person_id == person.person_id) {
                found.push(Conflict {
                    other_session: other.as_ref(),
                    person_id: Some(person.person_id),
                    person_name: Some(person.name.clone()),
                    ..conflict(
                        ConflictKind::PersonDoubleBooked,
                        Severity::Block,
                        format!(
                            "{} also has a role in {} \"{}\" at that time.",
                            person.name, other.label, other.title
                        ),
                    )
                });
            }
        }
        if !candidate.track.is_empty() && candidate.track == other.track {
            found.push(Conflict {
                other_session: other.as_ref(),
                ..conflict(
                    ConflictKind::TrackOverlap,
                    Severity::Warn,
                    format!(
                        "{} \"{}\" in the same track ({}) runs at the same time.",
                        other.label, other.title, candidate.track
                    ),
                )
            });
        }
    }

    for person in &candidate.people {
        for gap in ctx
            .unavailability
            .iter()
            .filter(|u| u.person_id == person.person_id)
        {
            if candidate.overlaps(gap.starts_at, gap.ends_at) {
                found.push(Conflict {
                    person_id: Some(person.person_id),
                    person_name: Some(person.name.clone()),
                    ..conflict(
                        ConflictKind::PersonUnavailable,
                        Severity::Block,
                        format!(
                            "{} has declared they are unavailable from {} to {}.",
                            person.name,
                            gap.starts_at.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
                            gap.ends_at.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z"),
                        ),
                    )
                });
            }
        }
    }

    found.sort_by_key(|c| std::cmp::Reverse(c.severity));
    found
}

/// True when any conflict in `conflicts` blocks the change.
pub fn any_blocking(conflicts: &[Conflict]) -> bool {
    conflicts.iter().any(|c| c.severity == Severity::Block)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn event() -> EventWindow {
        EventWindow {
            time_zone: chrono_tz::Europe::Oslo,
            starts_on: NaiveDate::from_ymd_opt(2025, 6, 23).unwrap(),
            ends_on: NaiveDate::from_ymd_opt(2025, 6, 27).unwrap(),
        }
    }

    fn slot(id: Option<i64>, room: i64, start: &str, end: &str, people: &[i64]) -> Slot {
        Slot {
            session_id: id,
            label: format!("WS #{}", id.unwrap_or(0)),
            title: "A workshop".into(),
            room_id: Some(room),
            room_name: Some(format!("Room {room}")),
            starts_at: at(start),
            ends_at: at(end),
            track: String::new(),
            people: people
                .iter()
                .map(|&person_id| Participant {
                    person_id,
                    name: format!("Person {person_id}"),
                })
                .collect(),
        }
    }

    fn check(candidate: &Slot, booked: &[Slot], unavailable: &[Unavailability]) -> Vec<Conflict> {
        let event = event();
        detect(
            candidate,
            &Context {
                event: &event,
                allowed_durations: &[30, 60, 90],
                booked,
                unavailability: unavailable,
            },
        )
    }

    #[test]
    fn a_clean_slot_has_no_conflicts() {
        let booked = [slot(
            Some(1),
            1,
            "2025-06-24T07:00:00Z",
            "2025-06-24T08:00:00Z",
            &[1],
        )];
        let candidate = slot(
            None,
            1,
            "2025-06-24T08:00:00Z",
            "2025-06-24T09:00:00Z",
            &[1],
        );
        assert!(check(&candidate, &booked, &[]).is_empty());
    }

    #[test]
    fn a_double_booked_room_blocks_and_names_the_other_session() {
        let booked = [slot(
            Some(7),
            1,
            "2025-06-24T07:00:00Z",
            "2025-06-24T08:30:00Z",
            &[],
        )];
        let candidate = slot(None, 1, "2025-06-24T08:00:00Z", "2025-06-24T09:00:00Z", &[]);
        let found = check(&candidate, &booked, &[]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, ConflictKind::RoomDoubleBooked);
        assert_eq!(found[0].severity, Severity::Block);
        assert_eq!(found[0].other_session.as_ref().unwrap().session_id, 7);
        assert!(found[0].message.contains("WS #7"));
    }

    #[test]
    fn a_person_in_two_rooms_at_once_blocks() {
        let booked = [slot(
            Some(2),
            2,
            "2025-06-24T07:00:00Z",
            "2025-06-24T08:30:00Z",
            &[5],
        )];
        let candidate = slot(
            None,
            1,
            "2025-06-24T08:00:00Z",
            "2025-06-24T09:00:00Z",
            &[5, 6],
        );
        let found = check(&candidate, &booked, &[]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, ConflictKind::PersonDoubleBooked);
        assert_eq!(found[0].person_id, Some(5));
    }

    #[test]
    fn declared_unavailability_blocks() {
        let gap = [Unavailability {
            person_id: 6,
            starts_at: at("2025-06-24T08:30:00Z"),
            ends_at: at("2025-06-24T12:00:00Z"),
        }];
        let candidate = slot(
            None,
            1,
            "2025-06-24T08:00:00Z",
            "2025-06-24T09:00:00Z",
            &[6],
        );
        let found = check(&candidate, &[], &gap);
        assert_eq!(found[0].kind, ConflictKind::PersonUnavailable);
    }

    #[test]
    fn days_are_host_local_and_midnight_is_not_crossed() {
        // 23:30 Oslo (UTC+2 in June) on the last day, running to 00:30: outside and across midnight.
        let candidate = slot(None, 1, "2025-06-27T21:30:00Z", "2025-06-27T22:30:00Z", &[]);
        let kinds: Vec<_> = check(&candidate, &[], &[]).iter().map(|c| c.kind).collect();
        assert!(kinds.contains(&ConflictKind::OutsideEventDays), "{kinds:?}");
        assert!(kinds.contains(&ConflictKind::CrossesMidnight), "{kinds:?}");
        // 00:30 Oslo on the first day is 22:30 UTC the day before, and still inside the event.
        let early = slot(None, 1, "2025-06-22T22:30:00Z", "2025-06-22T23:00:00Z", &[]);
        assert!(check(&early, &[], &[]).is_empty());
        // Ending exactly at local midnight is fine.
        let late = slot(None, 1, "2025-06-24T21:00:00Z", "2025-06-24T22:00:00Z", &[]);
        assert!(check(&late, &[], &[]).is_empty());
    }

    #[test]
    fn a_duration_the_type_does_not_allow_blocks() {
        let candidate = slot(None, 1, "2025-06-24T08:00:00Z", "2025-06-24T08:45:00Z", &[]);
        let found = check(&candidate, &[], &[]);
        assert_eq!(found[0].kind, ConflictKind::DurationNotAllowed);
        assert!(found[0].message.contains("30, 60, 90"));
    }

    #[test]
    fn the_same_track_at_once_only_warns() {
        let mut other = slot(
            Some(3),
            2,
            "2025-06-24T08:00:00Z",
            "2025-06-24T09:00:00Z",
            &[],
        );
        other.track = "Children's rights".into();
        let mut candidate = slot(None, 1, "2025-06-24T08:00:00Z", "2025-06-24T09:00:00Z", &[]);
        candidate.track = "Children's rights".into();
        let found = check(&candidate, &[other], &[]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Warn);
        assert!(!any_blocking(&found));
    }

    #[test]
    fn a_session_does_not_conflict_with_its_own_old_slot() {
        let booked = [slot(
            Some(4),
            1,
            "2025-06-24T08:00:00Z",
            "2025-06-24T09:00:00Z",
            &[1],
        )];
        let moved = slot(
            Some(4),
            1,
            "2025-06-24T08:30:00Z",
            "2025-06-24T09:30:00Z",
            &[1],
        );
        assert!(check(&moved, &booked, &[]).is_empty());
    }
}
