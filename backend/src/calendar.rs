//! iCalendar (RFC 5545) feeds that calendar apps subscribe to.
//!
//! One-off sessions are written in UTC (`…Z`). A recurring series is one master VEVENT whose
//! DTSTART/DTEND carry the series' TZID, so calendar apps keep the local wall-clock time across
//! daylight-saving changes; moved occurrences are overrides with the same UID and a
//! RECURRENCE-ID, cancelled ones are EXDATEs. Every TZID used gets a VTIMEZONE derived from the
//! tz database, because some clients (Outlook among them) trust the VTIMEZONE over the name.
//! Times are never floating.
//!
//! The `icalendar` crate writes the content lines: it escapes TEXT values (`\\`, `;`, `,`,
//! newline) and folds lines at 75 octets on UTF-8 boundaries, with CRLF endings. It escapes
//! only properties it knows to be TEXT, so `X-WR-CALNAME` and `NAME` are escaped here, and it
//! cannot write a VTIMEZONE without adding a UID and DTSTAMP to it, so those blocks are written
//! here too (all their values are short ASCII).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use icalendar::{Component, Event, Property, ValueType};

use crate::domain::recurrence::{ExceptionKind, SeriesException, SeriesRule, is_occurrence};

/// A calendar feed: one subscription URL's worth of events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    /// Calendar name shown by apps (`NAME` and `X-WR-CALNAME`).
    pub name: String,
    /// Calendar description (`DESCRIPTION` and `X-WR-CALDESC`).
    pub description: String,
    /// How often apps should refresh the subscription.
    pub refresh_minutes: u32,
    /// One-off events (sessions).
    pub events: Vec<FeedEvent>,
    /// Recurring series (inter-sessional calls).
    pub series: Vec<FeedSeries>,
}

/// A one-off event, written in UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEvent {
    /// Stable UID chosen by the caller (e.g. `session-403@plenary.example`).
    pub uid: String,
    /// Title ("WS #403 Children's rights online").
    pub summary: String,
    /// Plain-text description.
    pub description: String,
    /// Room or "Online".
    pub location: String,
    /// Categories (session type, track).
    pub categories: Vec<String>,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Page of the event.
    pub url: Option<String>,
    /// Whether the event was cancelled (kept in the feed so apps remove or strike it).
    pub cancelled: bool,
    /// Revision number; bump it on every change so apps update their copy.
    pub sequence: u32,
    /// Time of the last change; also used as DTSTAMP so the feed is byte-stable between changes.
    pub last_modified: DateTime<Utc>,
}

/// A recurring series, written as one master event plus overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSeries {
    /// Stable UID shared by the master and its overrides.
    pub uid: String,
    /// Title.
    pub summary: String,
    /// Plain-text description.
    pub description: String,
    /// Where the calls happen (usually a meeting link's name).
    pub location: String,
    /// Categories.
    pub categories: Vec<String>,
    /// Page of the series.
    pub url: Option<String>,
    /// When the meetings happen.
    pub rule: SeriesRule,
    /// Moved and cancelled occurrences.
    pub exceptions: Vec<SeriesException>,
    /// Revision number; bump it on every change, including exceptions.
    pub sequence: u32,
    /// Time of the last change; also used as DTSTAMP.
    pub last_modified: DateTime<Utc>,
}

/// Renders the feed as an iCalendar document with CRLF line endings.
///
/// A series whose rule no longer validates is left out rather than breaking the whole feed for
/// every subscriber; exceptions that target no real occurrence are left out too.
pub fn render(feed: &Feed) -> String {
    let mut out = String::from("BEGIN:VCALENDAR\r\n");
    let refresh = format!("PT{}M", feed.refresh_minutes.max(1));
    let header = [
        Property::new("VERSION", "2.0"),
        Property::new("PRODID", "-//Plenary//Plenary calendar feed//EN"),
        Property::new("CALSCALE", "GREGORIAN"),
        Property::new("METHOD", "PUBLISH"),
        text_property("NAME", &feed.name),
        text_property("X-WR-CALNAME", &feed.name),
        text_property("DESCRIPTION", &feed.description),
        text_property("X-WR-CALDESC", &feed.description),
        Property::new("REFRESH-INTERVAL", &refresh)
            .add_parameter("VALUE", "DURATION")
            .done(),
        Property::new("X-PUBLISHED-TTL", &refresh),
    ];
    for property in header {
        out.push_str(&content_line(property));
    }

    let series: Vec<(&FeedSeries, SeriesRule)> = feed
        .series
        .iter()
        .filter_map(|s| {
            let r = &s.rule;
            SeriesRule::new(
                r.time_zone,
                r.first_start_local,
                r.duration_minutes,
                &r.rrule,
            )
            .ok()
            .map(|rule| (s, rule))
        })
        .collect();

    for (tz, from, to) in time_zone_spans(&series) {
        out.push_str(&vtimezone(tz, from, to));
    }
    for event in &feed.events {
        out.push_str(&component(&one_off(event)));
    }
    for (feed_series, rule) in &series {
        for event in series_events(feed_series, rule) {
            out.push_str(&component(&event));
        }
    }
    out.push_str("END:VCALENDAR\r\n");
    out
}

fn content_line(property: Property) -> String {
    property
        .try_into()
        .expect("writing a content line into a String cannot fail")
}

fn component(event: &Event) -> String {
    event
        .try_into_string()
        .expect("writing a component into a String cannot fail")
}

/// Makes caller text safe for a content line: CR and CRLF become the LF the crate escapes as
/// `\n` (a bare CR would otherwise end the line and let text inject properties), and other
/// control characters, which RFC 5545 forbids in TEXT, are dropped.
fn clean(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}

/// RFC 5545 TEXT escaping, for properties the crate does not know to be TEXT.
fn escape_text(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

fn text_property(name: &str, value: &str) -> Property {
    let value = clean(value);
    let property = Property::new(name, &value);
    if property.value_type() == Some(ValueType::Text) {
        property
    } else {
        Property::new(name, escape_text(&value))
    }
}

/// A non-TEXT value (URL, RRULE) with line breaks and control characters removed.
fn plain_property(name: &str, value: &str) -> Property {
    let value: String = value.chars().filter(|c| !c.is_control()).collect();
    Property::new(name, value)
}

fn utc_value(instant: DateTime<Utc>) -> String {
    instant.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A date-time property in the series' zone: `NAME;TZID=zone:local`, or `NAME:…Z` for UTC,
/// which needs no VTIMEZONE.
fn zoned_property(name: &str, tz: Tz, local: NaiveDateTime) -> Property {
    if tz == chrono_tz::UTC {
        Property::new(name, utc_value(local.and_utc()))
    } else {
        Property::new(name, local.format("%Y%m%dT%H%M%S").to_string())
            .add_parameter("TZID", tz.name())
            .done()
    }
}

/// Properties every VEVENT of ours carries.
struct Common<'a> {
    uid: &'a str,
    summary: &'a str,
    description: &'a str,
    location: &'a str,
    categories: &'a [String],
    url: Option<&'a str>,
    sequence: u32,
    last_modified: DateTime<Utc>,
    cancelled: bool,
}

fn base_event(common: &Common<'_>) -> Event {
    let mut event = Event::new();
    event.append_property(text_property("UID", common.uid));
    // A published feed has no METHOD-driven scheduling, so DTSTAMP is the revision time
    // (RFC 5545 §3.8.7.2); using it instead of "now" keeps the feed identical until it changes.
    event.append_property(Property::new("DTSTAMP", utc_value(common.last_modified)));
    event.append_property(Property::new(
        "LAST-MODIFIED",
        utc_value(common.last_modified),
    ));
    event.append_property(Property::new("SEQUENCE", common.sequence.to_string()));
    event.append_property(text_property("SUMMARY", common.summary));
    if !common.description.is_empty() {
        event.append_property(text_property("DESCRIPTION", common.description));
    }
    if !common.location.is_empty() {
        event.append_property(text_property("LOCATION", common.location));
    }
    // One CATEGORIES line per category: a comma inside a name stays part of that name.
    for category in common.categories {
        event.append_multi_property(text_property("CATEGORIES", category));
    }
    if let Some(url) = common.url {
        event.append_property(plain_property("URL", url));
    }
    let status = if common.cancelled {
        "CANCELLED"
    } else {
        "CONFIRMED"
    };
    event.append_property(Property::new("STATUS", status));
    event
}

fn one_off(event: &FeedEvent) -> Event {
    let mut out = base_event(&Common {
        uid: &event.uid,
        summary: &event.summary,
        description: &event.description,
        location: &event.location,
        categories: &event.categories,
        url: event.url.as_deref(),
        sequence: event.sequence,
        last_modified: event.last_modified,
        cancelled: event.cancelled,
    });
    out.append_property(Property::new("DTSTART", utc_value(event.starts_at)));
    out.append_property(Property::new(
        "DTEND",
        utc_value(event.ends_at.max(event.starts_at)),
    ));
    out
}

fn series_common<'a>(series: &'a FeedSeries, description: &'a str) -> Common<'a> {
    Common {
        uid: &series.uid,
        summary: &series.summary,
        description,
        location: &series.location,
        categories: &series.categories,
        url: series.url.as_deref(),
        sequence: series.sequence,
        last_modified: series.last_modified,
        cancelled: false,
    }
}

/// The master VEVENT followed by one override per moved occurrence.
fn series_events(series: &FeedSeries, rule: &SeriesRule) -> Vec<Event> {
    let tz = rule.time_zone;
    // The later of two exceptions for one occurrence wins, as in `occurrences`; a BTreeMap
    // also keeps the output order stable.
    let exceptions: BTreeMap<DateTime<Utc>, &SeriesException> = series
        .exceptions
        .iter()
        .filter(|e| is_occurrence(rule, e.original_start))
        .map(|e| (e.original_start, e))
        .collect();

    let mut master = base_event(&series_common(series, &series.description));
    master.append_property(zoned_property("DTSTART", tz, rule.first_start_local));
    // DTEND is the wall-clock time at start + duration, so the exact duration survives even
    // when the first meeting spans a DST change.
    let first = crate::domain::recurrence::resolve_local(tz, rule.first_start_local);
    let end = first + Duration::minutes(i64::from(rule.duration_minutes));
    master.append_property(zoned_property(
        "DTEND",
        tz,
        end.with_timezone(&tz).naive_local(),
    ));
    master.append_property(plain_property("RRULE", &rule.rrule));

    let mut overrides = Vec::new();
    for (original, exception) in &exceptions {
        let Some(nominal) = rule.nominal_local_start(*original) else {
            continue;
        };
        match exception.kind {
            // EXDATE rather than a STATUS:CANCELLED override: every major client (Google,
            // Apple, Outlook, Thunderbird) drops an EXDATE occurrence, while cancelled
            // overrides are shown by some, hidden by others and duplicated by a few. Our own
            // pages show cancelled meetings struck through from the database instead.
            ExceptionKind::Cancelled => {
                master.append_multi_property(zoned_property("EXDATE", tz, nominal));
            }
            ExceptionKind::Moved { starts_at, ends_at } => {
                let description = if exception.note.is_empty() {
                    series.description.clone()
                } else if series.description.is_empty() {
                    exception.note.clone()
                } else {
                    format!("{}\n\n{}", exception.note, series.description)
                };
                let mut moved = base_event(&series_common(series, &description));
                // RECURRENCE-ID uses the master's zone and nominal local start so that clients
                // match it against their own expansion of the RRULE.
                moved.append_property(zoned_property("RECURRENCE-ID", tz, nominal));
                // The new times are written in UTC: exact even if they fall in a DST fold.
                moved.append_property(Property::new("DTSTART", utc_value(starts_at)));
                moved.append_property(Property::new("DTEND", utc_value(ends_at.max(starts_at))));
                overrides.push(moved);
            }
        }
    }
    let mut events = vec![master];
    events.extend(overrides);
    events
}

/// For each non-UTC zone, the span its VTIMEZONE must cover: a year before the earliest first
/// start to the latest series end. Open-ended series get five years past their first start
/// or their last change, whichever is later, so a feed regenerated years on still covers now.
fn time_zone_spans(
    series: &[(&FeedSeries, SeriesRule)],
) -> Vec<(Tz, DateTime<Utc>, DateTime<Utc>)> {
    // Keyed by name so the VTIMEZONEs come out in a stable order.
    let mut spans: BTreeMap<&str, (Tz, DateTime<Utc>, DateTime<Utc>)> = BTreeMap::new();
    for (feed_series, rule) in series {
        if rule.time_zone == chrono_tz::UTC {
            continue;
        }
        let first =
            crate::domain::recurrence::resolve_local(rule.time_zone, rule.first_start_local);
        // Midnight UTC keeps the first observance's DTSTART tidy.
        let from = (first - Duration::days(366))
            .date_naive()
            .and_time(NaiveTime::MIN)
            .and_utc();
        let to = match rule.last_start() {
            Some(last) => last + Duration::days(2),
            None => first.max(feed_series.last_modified) + Duration::days(5 * 366),
        };
        let span = spans
            .entry(rule.time_zone.name())
            .or_insert((rule.time_zone, from, to));
        span.1 = span.1.min(from);
        span.2 = span.2.max(to);
    }
    spans.into_values().collect()
}

/// The offset facts a VTIMEZONE sub-component states.
#[derive(Clone, PartialEq, Eq)]
struct OffsetState {
    utc_offset: i32,
    daylight: bool,
    name: String,
}

fn offset_state(tz: Tz, instant: DateTime<Utc>) -> OffsetState {
    let offset = tz.offset_from_utc_datetime(&instant.naive_utc());
    OffsetState {
        utc_offset: offset.fix().local_minus_utc(),
        daylight: !offset.dst_offset().is_zero(),
        name: offset.abbreviation().unwrap_or_default().to_owned(),
    }
}

/// VTIMEZONE for `tz` over `[from, to]`: the offset in force at `from`, then one STANDARD or
/// DAYLIGHT block per transition. chrono-tz exposes offsets, not rules, so transitions are
/// found by stepping a day at a time and bisecting to the second where the offset changes.
fn vtimezone(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let mut out = format!("BEGIN:VTIMEZONE\r\nTZID:{}\r\n", tz.name());
    let initial = offset_state(tz, from);
    out.push_str(&observance(&initial, &initial, from));
    let mut at = from;
    let mut state = initial.clone();
    while at < to {
        let next = at + Duration::days(1);
        let next_state = offset_state(tz, next);
        if next_state != state {
            let (mut before, mut after) = (at, next);
            while after - before > Duration::seconds(1) {
                let mid = before + (after - before) / 2;
                if offset_state(tz, mid) == state {
                    before = mid;
                } else {
                    after = mid;
                }
            }
            out.push_str(&observance(&state, &offset_state(tz, after), after));
        }
        at = next;
        state = next_state;
    }
    out.push_str("END:VTIMEZONE\r\n");
    out
}

/// One STANDARD/DAYLIGHT block. Its DTSTART is the local time of the onset read with the
/// offset in force before it, as RFC 5545 §3.6.5 requires.
fn observance(before: &OffsetState, after: &OffsetState, onset: DateTime<Utc>) -> String {
    let kind = if after.daylight {
        "DAYLIGHT"
    } else {
        "STANDARD"
    };
    let local = onset.naive_utc() + Duration::seconds(i64::from(before.utc_offset));
    let mut block = format!(
        "BEGIN:{kind}\r\nDTSTART:{}\r\nTZOFFSETFROM:{}\r\nTZOFFSETTO:{}\r\n",
        local.format("%Y%m%dT%H%M%S"),
        utc_offset(before.utc_offset),
        utc_offset(after.utc_offset),
    );
    if !after.name.is_empty() {
        block.push_str(&format!("TZNAME:{}\r\n", escape_text(&clean(&after.name))));
    }
    block.push_str(&format!("END:{kind}\r\n"));
    block
}

/// `+HHMM`, or `+HHMMSS` for the odd historical offset with seconds.
fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::process::Command;

    use chrono::NaiveDate;
    use serde_json::Value;

    use super::*;
    use crate::domain::recurrence::{OccurrenceStatus, occurrences};

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("valid test instant")
    }

    fn local(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|date| date.and_hms_opt(h, mi, 0))
            .expect("valid test local time")
    }

    fn session(uid: &str, starts_at: DateTime<Utc>, minutes: i64) -> FeedEvent {
        FeedEvent {
            uid: uid.into(),
            summary: "WS #403 Children's rights online".into(),
            description: String::new(),
            location: "Workshop Room 2".into(),
            categories: vec!["Workshop".into()],
            starts_at,
            ends_at: starts_at + Duration::minutes(minutes),
            url: Some("https://plenary.example/sessions/403".into()),
            cancelled: false,
            sequence: 0,
            last_modified: utc(2026, 1, 1, 0, 0),
        }
    }

    fn series(uid: &str, rule: SeriesRule, exceptions: Vec<SeriesException>) -> FeedSeries {
        FeedSeries {
            uid: uid.into(),
            summary: "DC Children monthly call".into(),
            description: "Agenda in the shared notes.".into(),
            location: "Online".into(),
            categories: vec!["Dynamic Coalition".into()],
            url: None,
            rule,
            exceptions,
            sequence: 3,
            last_modified: utc(2026, 1, 1, 0, 0),
        }
    }

    fn geneva_monthly() -> SeriesRule {
        SeriesRule::new(
            chrono_tz::Europe::Zurich,
            local(2026, 1, 6, 14, 0),
            60,
            "FREQ=MONTHLY;BYDAY=1TU",
        )
        .expect("valid rule")
    }

    fn geneva_exceptions() -> Vec<SeriesException> {
        vec![
            SeriesException {
                original_start: utc(2026, 2, 3, 13, 0),
                kind: ExceptionKind::Moved {
                    starts_at: utc(2026, 2, 5, 15, 0),
                    ends_at: utc(2026, 2, 5, 16, 30),
                },
                note: "Moved: clashes with the MAG meeting".into(),
            },
            SeriesException {
                original_start: utc(2026, 6, 2, 12, 0),
                kind: ExceptionKind::Cancelled,
                note: "No quorum".into(),
            },
        ]
    }

    fn feed(events: Vec<FeedEvent>, series: Vec<FeedSeries>) -> Feed {
        Feed {
            name: "IGF DC on Children's Rights".into(),
            description: "Sessions and calls".into(),
            refresh_minutes: 60,
            events,
            series,
        }
    }

    fn unfold(ics: &str) -> String {
        ics.replace("\r\n ", "")
    }

    /// Unfolded content lines of the VEVENTs only (VTIMEZONE DTSTARTs are local by design).
    fn event_lines(ics: &str) -> Vec<String> {
        let mut inside = false;
        let mut lines = Vec::new();
        for line in unfold(ics).split("\r\n") {
            match line {
                "BEGIN:VEVENT" => inside = true,
                "END:VEVENT" => inside = false,
                _ if inside => lines.push(line.to_owned()),
                _ => {}
            }
        }
        lines
    }

    #[test]
    fn text_values_escape_commas_semicolons_backslashes_and_newlines() {
        let mut event = session("escape@plenary.example", utc(2026, 6, 23, 9, 0), 60);
        event.summary = r"Rights, risks; and \ backslashes".into();
        event.description = "Line one\nLine two, with; all\\ of them".into();
        let ics = render(&feed(vec![event], vec![]));
        let lines = event_lines(&ics);
        assert!(lines.contains(&r"SUMMARY:Rights\, risks\; and \\ backslashes".to_owned()));
        assert!(
            lines.contains(&r"DESCRIPTION:Line one\nLine two\, with\; all\\ of them".to_owned())
        );
    }

    #[test]
    fn a_carriage_return_in_text_cannot_inject_a_property() {
        let mut event = session("inject@plenary.example", utc(2026, 6, 23, 9, 0), 60);
        event.summary = "Harmless\r\nSTATUS:CANCELLED\rX-EVIL:1".into();
        event.url = Some("https://plenary.example/\r\nX-EVIL:2".into());
        let ics = render(&feed(vec![event], vec![]));
        assert!(!ics.replace("\r\n", "").contains('\r'));
        assert!(!ics.replace("\r\n", "").contains('\n'), "no bare LF either");
        for line in unfold(&ics).split("\r\n") {
            assert!(!line.starts_with("X-EVIL"), "{line}");
            assert_ne!(line, "STATUS:CANCELLED");
        }
    }

    #[test]
    fn a_long_multibyte_description_folds_at_75_octets_on_character_boundaries() {
        let unit = "Droits de l'enfant – 子どもの権利 – 🌍 ";
        let description: String = unit.chars().cycle().take(300).collect();
        assert_eq!(description.chars().count(), 300);
        let mut event = session("fold@plenary.example", utc(2026, 6, 23, 9, 0), 60);
        event.description = description.clone();
        let ics = render(&feed(vec![event], vec![]));
        for line in ics.as_bytes().split(|b| *b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            assert!(line.len() <= 75, "{} octets", line.len());
            assert!(
                std::str::from_utf8(line).is_ok(),
                "a fold split a character"
            );
        }
        let expected = format!("DESCRIPTION:{}", escape_text(&description));
        assert!(event_lines(&ics).contains(&expected));
    }

    #[test]
    fn a_series_across_dst_uses_its_tzid_and_a_vtimezone_with_both_2026_transitions() {
        let ics = render(&feed(
            vec![],
            vec![series(
                "call@plenary.example",
                geneva_monthly(),
                geneva_exceptions(),
            )],
        ));
        let lines = event_lines(&ics);
        for expected in [
            "DTSTART;TZID=Europe/Zurich:20260106T140000",
            "DTEND;TZID=Europe/Zurich:20260106T150000",
            "RRULE:FREQ=MONTHLY;BYDAY=1TU",
            "EXDATE;TZID=Europe/Zurich:20260602T140000",
            "RECURRENCE-ID;TZID=Europe/Zurich:20260203T140000",
            "DTSTART:20260205T150000Z",
            "DTEND:20260205T163000Z",
        ] {
            assert!(lines.contains(&expected.to_owned()), "missing {expected}");
        }
        let vtimezone = ics
            .split("BEGIN:VTIMEZONE\r\n")
            .nth(1)
            .and_then(|rest| rest.split("END:VTIMEZONE\r\n").next())
            .expect("one VTIMEZONE");
        assert!(vtimezone.starts_with("TZID:Europe/Zurich\r\n"));
        assert!(vtimezone.contains(
            "BEGIN:DAYLIGHT\r\nDTSTART:20260329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nEND:DAYLIGHT\r\n"
        ));
        assert!(vtimezone.contains(
            "BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nEND:STANDARD\r\n"
        ));
        assert_eq!(ics.matches("BEGIN:VTIMEZONE").count(), 1);
        // Exactly one master and one override, sharing the UID.
        assert_eq!(ics.matches("UID:call@plenary.example\r\n").count(), 2);
    }

    #[test]
    fn nothing_in_an_event_is_a_floating_time() {
        let utc_series = SeriesRule::new(
            chrono_tz::UTC,
            local(2026, 1, 8, 13, 0),
            60,
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;COUNT=4",
        )
        .expect("valid rule");
        let ics = render(&feed(
            vec![session(
                "one@plenary.example",
                utc(2026, 6, 23, 22, 30),
                120,
            )],
            vec![
                series(
                    "zoned@plenary.example",
                    geneva_monthly(),
                    geneva_exceptions(),
                ),
                series("utc@plenary.example", utc_series, vec![]),
            ],
        ));
        let mut checked = 0;
        for line in event_lines(&ics) {
            let name = line.split([';', ':']).next().unwrap_or_default();
            if ["DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE"].contains(&name) {
                checked += 1;
                assert!(
                    line.contains(";TZID=") || line.ends_with('Z'),
                    "floating: {line}"
                );
            }
        }
        assert!(checked >= 9);
        assert!(event_lines(&ics).contains(&"DTSTART:20260108T130000Z".to_owned()));
        // A UTC series needs no VTIMEZONE; only Zurich gets one.
        assert_eq!(ics.matches("BEGIN:VTIMEZONE").count(), 1);
    }

    #[test]
    fn a_zone_without_dst_gets_a_single_standard_block() {
        let nairobi = SeriesRule::new(
            chrono_tz::Africa::Nairobi,
            local(2026, 1, 6, 16, 0),
            60,
            "FREQ=MONTHLY;BYDAY=1TU",
        )
        .expect("valid rule");
        let ics = render(&feed(
            vec![],
            vec![series("nbo@plenary.example", nairobi, vec![])],
        ));
        assert_eq!(ics.matches("BEGIN:STANDARD").count(), 1);
        assert_eq!(ics.matches("BEGIN:DAYLIGHT").count(), 0);
        assert!(ics.contains("TZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\nTZNAME:EAT\r\n"));
    }

    #[test]
    fn broken_series_and_stray_exceptions_are_left_out() {
        let mut broken = geneva_monthly();
        broken.rrule = "FREQ=SECONDLY".into();
        let stray = vec![SeriesException {
            original_start: utc(2026, 2, 4, 13, 0),
            kind: ExceptionKind::Cancelled,
            note: String::new(),
        }];
        let ics = render(&feed(
            vec![],
            vec![
                series("broken@plenary.example", broken, vec![]),
                series("ok@plenary.example", geneva_monthly(), stray),
            ],
        ));
        assert!(!ics.contains("broken@plenary.example"));
        assert!(ics.contains("UID:ok@plenary.example"));
        assert!(!ics.contains("EXDATE"));
    }

    #[test]
    fn the_feed_is_crlf_only_stable_and_names_itself() {
        let mut cancelled = session("gone@plenary.example", utc(2026, 6, 24, 9, 0), 60);
        cancelled.cancelled = true;
        let f = feed(
            vec![cancelled],
            vec![series("call@plenary.example", geneva_monthly(), vec![])],
        );
        let ics = render(&f);
        assert_eq!(
            ics,
            render(&f),
            "same input, same bytes (DTSTAMP is last_modified)"
        );
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(!ics.replace("\r\n", "").contains('\n'));
        let lines = unfold(&ics);
        assert!(lines.contains("\r\nX-WR-CALNAME:IGF DC on Children's Rights\r\n"));
        assert!(lines.contains("\r\nNAME:IGF DC on Children's Rights\r\n"));
        assert!(lines.contains("\r\nREFRESH-INTERVAL;VALUE=DURATION:PT60M\r\n"));
        assert!(event_lines(&ics).contains(&"STATUS:CANCELLED".to_owned()));
    }

    // ---- Interop with an independent parser (Python `icalendar`) ----

    const SKIPPED: &str = "SKIPPED: iCalendar interop (no Python with icalendar; set PLENARY_TEST_PYTHON or run .ci/run)";

    /// The Python to use: PLENARY_TEST_PYTHON, else the CI venv at the workspace root; only if
    /// it can import icalendar.
    fn python_with_icalendar() -> Option<PathBuf> {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let python = std::env::var_os("PLENARY_TEST_PYTHON")
            .map(PathBuf::from)
            .or_else(|| {
                let venv = manifest.parent()?.join(".ci/venv/bin/python");
                venv.exists().then_some(venv)
            })?;
        let works = Command::new(&python)
            .args(["-c", "import icalendar, dateutil"])
            .status()
            .is_ok_and(|status| status.success());
        works.then_some(python)
    }

    /// The checker script: PLENARY_ICS_CHECKER, else `tests/support/` (main crate) or
    /// `support/` (scratch crate) under the manifest directory.
    fn checker() -> PathBuf {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        std::env::var_os("PLENARY_ICS_CHECKER")
            .map(PathBuf::from)
            .into_iter()
            .chain([
                manifest.join("tests/support/check_ics.py"),
                manifest.join("support/check_ics.py"),
            ])
            .find(|path| path.exists())
            .expect("check_ics.py exists under tests/support/ or support/, or PLENARY_ICS_CHECKER points to it")
    }

    /// Runs the checker with a time limit, so a misbehaving Python library fails the test
    /// instead of hanging the suite.
    fn run_checker(python: &Path, ics: &Path, expander: Option<&str>) -> Value {
        use std::io::Read;
        use std::process::Stdio;
        use std::time::{Duration as StdDuration, Instant};

        let mut command = Command::new(python);
        command
            .arg(checker())
            .arg(ics)
            .arg("40")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        match expander {
            Some(name) => command.env("CHECK_ICS_EXPANDER", name),
            None => command.env_remove("CHECK_ICS_EXPANDER"),
        };
        let mut child = command.spawn().expect("the checker starts");
        // Drain both pipes on threads so a large report cannot block the child.
        let drain = |mut pipe: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                pipe.read_to_end(&mut bytes).map(|_| bytes)
            })
        };
        let stdout = drain(Box::new(child.stdout.take().expect("stdout is piped")));
        let stderr = drain(Box::new(child.stderr.take().expect("stderr is piped")));
        let deadline = Instant::now() + StdDuration::from_secs(120);
        let status = loop {
            if let Some(status) = child.try_wait().expect("the checker can be waited on") {
                break status;
            }
            if Instant::now() > deadline {
                child.kill().expect("the checker can be killed");
                child.wait().expect("the killed checker is reaped");
                panic!("check_ics.py took longer than 120 s");
            }
            std::thread::sleep(StdDuration::from_millis(50));
        };
        let stdout = stdout.join().expect("stdout reader").expect("read stdout");
        let stderr = stderr.join().expect("stderr reader").expect("read stderr");
        assert!(
            status.success(),
            "check_ics.py failed: {}",
            String::from_utf8_lossy(&stderr)
        );
        serde_json::from_slice(&stdout).expect("the checker prints JSON")
    }

    fn iso(instant: DateTime<Utc>) -> String {
        instant.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }

    /// What our own expansion says: (start, end, original) of the first `n` meetings that take
    /// place, in start order.
    fn expected_occurrences(s: &FeedSeries, n: usize) -> Vec<(String, String, String)> {
        let from = resolve_local_first(&s.rule);
        occurrences(
            &s.rule,
            &s.exceptions,
            from,
            from + Duration::days(3660),
            1000,
        )
        .into_iter()
        .filter(|o| o.status != OccurrenceStatus::Cancelled)
        .take(n)
        .map(|o| (iso(o.starts_at), iso(o.ends_at), iso(o.original_start)))
        .collect()
    }

    fn resolve_local_first(rule: &SeriesRule) -> DateTime<Utc> {
        crate::domain::recurrence::resolve_local(rule.time_zone, rule.first_start_local)
    }

    fn parsed_occurrences(report: &Value, uid: &str) -> Vec<(String, String, String)> {
        let mut found: Vec<_> = report["occurrences"][uid]
            .as_array()
            .unwrap_or_else(|| panic!("no occurrences for {uid}"))
            .iter()
            .map(|o| {
                let field = |k: &str| o[k].as_str().unwrap_or_default().to_owned();
                (field("start"), field("end"), field("original"))
            })
            .collect();
        found.sort();
        found
    }

    #[test]
    fn an_independent_parser_reads_the_same_instants() {
        let Some(python) = python_with_icalendar() else {
            eprintln!("{SKIPPED}");
            return;
        };
        let rule = |zone: Tz, start: NaiveDateTime, rrule: &str| {
            SeriesRule::new(zone, start, 60, rrule).expect("valid rule")
        };
        let all_series = vec![
            series(
                "geneva@plenary.example",
                geneva_monthly(),
                geneva_exceptions(),
            ),
            series(
                "dst-sundays@plenary.example",
                rule(
                    chrono_tz::Europe::Zurich,
                    local(2026, 3, 22, 14, 0),
                    "FREQ=WEEKLY;UNTIL=20261101",
                ),
                vec![],
            ),
            series(
                "new-york@plenary.example",
                rule(
                    chrono_tz::America::New_York,
                    local(2026, 3, 2, 9, 0),
                    "FREQ=WEEKLY;BYDAY=MO;COUNT=3",
                ),
                vec![],
            ),
            series(
                "gap@plenary.example",
                rule(
                    chrono_tz::Europe::Zurich,
                    local(2026, 3, 27, 2, 30),
                    "FREQ=DAILY;COUNT=4",
                ),
                vec![],
            ),
            series(
                "utc@plenary.example",
                rule(
                    chrono_tz::UTC,
                    local(2026, 1, 8, 13, 0),
                    "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;COUNT=4",
                ),
                vec![],
            ),
        ];
        let mut late = session("late@plenary.example", utc(2026, 6, 23, 22, 30), 120);
        late.summary = "Open Forum #86: rights, risks; \\ and 子どもの権利 🌍".into();
        late.description = "Line one\nLine two, with; everything\\".into();
        late.categories = vec!["Open Forum".into(), "Rights, safety".into()];
        let mut cancelled = session("gone@plenary.example", utc(2026, 6, 24, 9, 0), 60);
        cancelled.cancelled = true;
        let mut f = feed(vec![late.clone(), cancelled], all_series.clone());
        f.name = "DC, Children; \\ online".into();

        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("feed.ics");
        std::fs::write(&path, render(&f)).expect("write feed");

        for expander in [None, Some("dateutil")] {
            let report = run_checker(&python, &path, expander);
            eprintln!("interop: expanded with {}", report["expander"]);
            assert_eq!(report["name"], "DC, Children; \\ online");
            assert_eq!(report["crlf_only"], true);

            let events = report["events"].as_array().expect("events");
            let late_parsed = events
                .iter()
                .find(|e| e["uid"] == "late@plenary.example")
                .expect("the late session");
            assert_eq!(late_parsed["summary"], late.summary.as_str());
            assert_eq!(late_parsed["description"], late.description.as_str());
            assert_eq!(late_parsed["dtstart"], "2026-06-23T22:30:00Z");
            assert_eq!(late_parsed["dtend"], "2026-06-24T00:30:00Z");
            assert_eq!(late_parsed["status"], "CONFIRMED");
            assert_eq!(
                late_parsed["categories"],
                serde_json::json!(["Open Forum", "Rights, safety"])
            );
            let gone = events
                .iter()
                .find(|e| e["uid"] == "gone@plenary.example")
                .expect("the cancelled session");
            assert_eq!(gone["status"], "CANCELLED");

            for s in &all_series {
                let mut parsed = parsed_occurrences(&report, &s.uid);
                let mut expected = expected_occurrences(s, parsed.len());
                assert!(!parsed.is_empty(), "{} expanded to nothing", s.uid);
                if s.uid == "gap@plenary.example" && report["expander"] == "recurring_ical_events" {
                    // recurring_ical_events adds the duration in wall-clock time, so the
                    // meeting starting in the spring gap (02:30 read as 03:30) "ends" at 03:30
                    // and lasts zero minutes. RFC 5545 §3.8.5.3 says every occurrence lasts the
                    // exact DTEND - DTSTART, which we and the dateutil path do; compare starts.
                    for (_, end, _) in parsed.iter_mut().chain(expected.iter_mut()) {
                        end.clear();
                    }
                }
                assert_eq!(parsed, expected, "{} ({})", s.uid, report["expander"]);
            }
            // The Geneva series: both DST changes, the move and the cancellation.
            let geneva = parsed_occurrences(&report, "geneva@plenary.example");
            let starts: Vec<&str> = geneva.iter().map(|(s, _, _)| s.as_str()).collect();
            assert!(starts.contains(&"2026-03-03T13:00:00Z"));
            assert!(starts.contains(&"2026-04-07T12:00:00Z"));
            assert!(starts.contains(&"2026-10-06T12:00:00Z"));
            assert!(starts.contains(&"2026-11-03T13:00:00Z"));
            assert!(starts.contains(&"2026-02-05T15:00:00Z"));
            assert!(!starts.contains(&"2026-02-03T13:00:00Z"));
            assert!(!starts.contains(&"2026-06-02T12:00:00Z"));
            let sundays = parsed_occurrences(&report, "dst-sundays@plenary.example");
            let sunday_starts: Vec<&str> = sundays.iter().map(|(s, _, _)| s.as_str()).collect();
            assert!(sunday_starts.contains(&"2026-03-29T12:00:00Z"));
            assert!(sunday_starts.contains(&"2026-10-25T13:00:00Z"));

            let zurich = &report["vtimezones"]["Europe/Zurich"];
            assert!(zurich["checked"].as_u64().unwrap_or(0) > 0);
            assert_eq!(
                zurich["mismatches"],
                serde_json::json!([]),
                "VTIMEZONE disagrees with tzdb"
            );
            let new_york = &report["vtimezones"]["America/New_York"];
            assert_eq!(new_york["mismatches"], serde_json::json!([]));
        }
    }
}
