//! What templates show of the programme: sessions with their times already put in the host's
//! zone, in UTC and (when chosen) in the viewer's zone, and names looked up in the catalog.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::domain::conflicts::{Conflict, Severity};
use crate::i18n::Translator;
use crate::programme::{Session, SessionRole};

/// Zones offered by the "show times in" choice when JavaScript is off.
pub const COMMON_ZONES: &[&str] = &[
    "UTC",
    "Africa/Cairo",
    "Africa/Johannesburg",
    "Africa/Lagos",
    "Africa/Nairobi",
    "America/Bogota",
    "America/Los_Angeles",
    "America/Mexico_City",
    "America/New_York",
    "America/Sao_Paulo",
    "Asia/Dubai",
    "Asia/Jakarta",
    "Asia/Kolkata",
    "Asia/Riyadh",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Europe/Berlin",
    "Europe/London",
    "Europe/Oslo",
    "Europe/Paris",
    "Pacific/Auckland",
];

/// "09:00–10:30" in `tz`, wrapped in left-to-right isolation marks: in an Arabic sentence the
/// bidi algorithm would otherwise show the range backwards ("10:30–09:00").
pub fn span(start: DateTime<Utc>, end: DateTime<Utc>, tz: &Tz) -> String {
    let s = start.with_timezone(tz);
    let e = end.with_timezone(tz);
    let next_day = if s.date_naive() == e.date_naive() {
        ""
    } else {
        " (+1)"
    };
    format!(
        "\u{2066}{}–{}{next_day}\u{2069}",
        s.format("%H:%M"),
        e.format("%H:%M")
    )
}

/// A session as the programme and session pages show it.
#[derive(Clone)]
pub struct SessionView {
    pub id: i64,
    pub label: String,
    pub title: String,
    pub type_name: String,
    pub room: String,
    pub track: String,
    pub format: String,
    pub status: String,
    pub cancelled: bool,
    pub day: String,
    pub host_time: String,
    pub utc_time: String,
    /// Present when the viewer chose a zone other than the host's.
    pub viewer_time: Option<String>,
    pub start_iso: String,
    pub end_iso: String,
    pub description: String,
    pub policy_questions: Vec<String>,
    pub webcast: bool,
    pub captions: bool,
    pub interpretation: bool,
    pub roles: Vec<RoleGroup>,
    pub event_slug: String,
}

/// The people holding one role in a session.
#[derive(Clone)]
pub struct RoleGroup {
    pub role: String,
    pub people: Vec<PersonView>,
}

/// A person as a session page lists them.
#[derive(Clone)]
pub struct PersonView {
    pub name: String,
    pub organization: String,
    pub stakeholder: Option<String>,
    pub region: Option<String>,
}

impl SessionView {
    pub fn new(s: &Session, host: &Tz, viewer: Option<&Tz>, t: &Translator) -> SessionView {
        SessionView {
            id: s.session_id,
            label: s.label.clone(),
            title: s.title.clone(),
            type_name: s.type_name.clone(),
            room: s.room_name.clone().unwrap_or_default(),
            track: s.track.clone(),
            format: t.term("format", s.format),
            status: t.term("status", s.status),
            cancelled: s.status == crate::domain::schedule::SessionStatus::Cancelled,
            day: t.day(&s.starts_at.with_timezone(host).date_naive()),
            host_time: span(s.starts_at, s.ends_at, host),
            utc_time: span(s.starts_at, s.ends_at, &Tz::UTC),
            viewer_time: viewer
                .filter(|v| *v != host)
                .map(|v| span(s.starts_at, s.ends_at, v)),
            start_iso: s.starts_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            end_iso: s.ends_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            description: s.description.clone(),
            policy_questions: s.policy_questions.clone(),
            webcast: s.webcast,
            captions: s.captions,
            interpretation: s.interpretation,
            roles: group_roles(&s.roles, t),
            event_slug: s.event_slug.clone(),
        }
    }
}

fn group_roles(roles: &[SessionRole], t: &Translator) -> Vec<RoleGroup> {
    let mut groups: Vec<RoleGroup> = Vec::new();
    for role in crate::domain::schedule::Role::ALL {
        let people: Vec<PersonView> = roles
            .iter()
            .filter(|r| r.role == *role)
            .map(|r| PersonView {
                name: r.name.clone(),
                organization: r.organization.clone(),
                stakeholder: r.stakeholder_group.map(|g| t.term("stakeholder", g)),
                region: r.regional_group.map(|g| t.term("region", g)),
            })
            .collect();
        if !people.is_empty() {
            groups.push(RoleGroup {
                role: t.term("role", role),
                people,
            });
        }
    }
    groups
}

/// A conflict explained in the page language, naming the other session, person and room.
pub struct ConflictView {
    pub blocking: bool,
    pub severity: String,
    pub message: String,
    pub session_id: Option<i64>,
    pub session: String,
    pub other_id: Option<i64>,
    pub other: String,
}

impl ConflictView {
    pub fn new(c: &Conflict, t: &Translator) -> ConflictView {
        let name = |r: &Option<crate::domain::conflicts::SessionRef>| {
            r.as_ref()
                .map(|r| format!("{} “{}”", r.label, r.title))
                .unwrap_or_default()
        };
        let other = name(&c.other_session);
        ConflictView {
            blocking: c.severity == Severity::Block,
            severity: t.get(match c.severity {
                Severity::Block => "severity-block",
                Severity::Warn => "severity-warn",
            }),
            message: t.with(
                &format!("conflict-{}", c.kind.as_str()),
                &[
                    ("other", other.clone()),
                    ("person", c.person_name.clone().unwrap_or_default()),
                    ("room", c.room_name.clone().unwrap_or_default()),
                ],
            ),
            session_id: c.session.as_ref().map(|s| s.session_id),
            session: name(&c.session),
            other_id: c.other_session.as_ref().map(|s| s.session_id),
            other,
        }
    }
}

/// A tab for one day of an event.
pub struct DayTab {
    pub date: String,
    pub label: String,
    pub current: bool,
}

/// The tabs for an event's days.
pub fn day_tabs(days: &[NaiveDate], current: NaiveDate, t: &Translator) -> Vec<DayTab> {
    days.iter()
        .map(|d| DayTab {
            date: d.to_string(),
            label: t.short_day(d),
            current: *d == current,
        })
        .collect()
}
