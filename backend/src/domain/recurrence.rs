//! Recurring inter-sessional meetings ("monthly on the first Tuesday at 14:00 Geneva time, Europe/Zurich").
//!
//! A series is an RFC 5545 RRULE anchored at a *local* wall-clock start in an IANA zone, so a
//! 14:00 Geneva call stays at 14:00 in Geneva when daylight-saving time starts or ends. Single
//! occurrences can be moved or cancelled with [`SeriesException`]s.
//!
//! The `rrule` crate expands the rule, but only over naive wall-clock dates: we hand it the local
//! start labelled as UTC (where every wall-clock time exists exactly once) and turn each result
//! into an instant ourselves with [`resolve_local`]. That keeps one, tested policy for gaps and
//! folds instead of the crate's (which skips an occurrence when midnight itself is in a gap), and
//! it is why we apply `UNTIL` ourselves: it is an instant, not a wall-clock time.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Duration, MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use rrule::{Frequency, RRule, RRuleSet, RRuleSetIter, Unvalidated};
use serde::{Deserialize, Serialize};

/// Most original occurrences one call walks through. A daily series covers 27 years in 10 000
/// steps and a monthly one 833 years; the bound keeps a mistaken rule from tying up a request.
const MAX_SCAN: usize = 10_000;

/// Longest meeting, in minutes: a full day. Longer blocks are events, not calls.
const MAX_DURATION_MINUTES: u32 = 1440;

/// Years a series may start in. The bound keeps every date the `rrule` crate computes far
/// inside chrono's range, and iCalendar cannot write years past 9999 anyway.
const FIRST_YEAR: i32 = 1900;
const LAST_YEAR: i32 = 2200;

/// Why a recurrence rule was refused; messages are written for the organizer who filled the form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecurrenceError {
    /// A `;`-separated part is not `NAME=VALUE`.
    #[error("the repeat rule part \"{part}\" is not of the form NAME=VALUE")]
    MalformedPart {
        /// The offending part as written.
        part: String,
    },
    /// The same part appears twice.
    #[error("the repeat rule sets {name} more than once")]
    DuplicatePart {
        /// The repeated part name.
        name: String,
    },
    /// The `rrule` crate rejected the rule.
    #[error("the repeat rule could not be understood: {detail}")]
    InvalidRule {
        /// What the parser said, naming the part it choked on.
        detail: String,
    },
    /// FREQ is HOURLY, MINUTELY or SECONDLY.
    #[error("meetings can repeat daily, weekly, monthly or yearly; FREQ={freq} is not supported")]
    UnsupportedFrequency {
        /// The frequency that was asked for.
        freq: String,
    },
    /// BYHOUR, BYMINUTE or BYSECOND is present.
    #[error(
        "the repeat rule sets {part}, but the meeting time comes from the first meeting's start; remove {part}"
    )]
    TimeOfDayInRule {
        /// The part that sets a time of day.
        part: String,
    },
    /// INTERVAL is zero or so large that the series would leave the calendar's range.
    #[error("INTERVAL={interval} is out of range for a FREQ={freq} rule (1 to {max})")]
    IntervalOutOfRange {
        /// The interval given.
        interval: u32,
        /// The rule's frequency.
        freq: String,
        /// The largest interval allowed for that frequency.
        max: u32,
    },
    /// Both COUNT and UNTIL are set, which RFC 5545 forbids.
    #[error("the repeat rule has both COUNT and UNTIL; end the series with one of them")]
    CountAndUntil,
    /// UNTIL is neither a date nor a UTC date-time.
    #[error("UNTIL={value} is not a date (YYYYMMDD) or a UTC date-time (YYYYMMDDTHHMMSSZ)")]
    InvalidUntil {
        /// The value given.
        value: String,
    },
    /// UNTIL lies before the first meeting.
    #[error("the series ends (UNTIL={until}) before its first meeting on {first}")]
    UntilBeforeStart {
        /// UNTIL as written in the normalised rule.
        until: String,
        /// The first meeting's local start.
        first: NaiveDateTime,
    },
    /// The duration is 0 or longer than a day.
    #[error(
        "a meeting must last between 1 and 1440 minutes (24 hours); {minutes} minutes was given"
    )]
    DurationOutOfRange {
        /// The duration given.
        minutes: u32,
    },
    /// The first start is in a year we do not schedule.
    #[error("the first meeting must be between the years 1900 and 2200; {year} was given")]
    FirstStartOutOfRange {
        /// The year given.
        year: i32,
    },
    /// The rule produces no meeting at all (e.g. the 30th of February).
    #[error("the repeat rule never produces a meeting")]
    NoOccurrences,
    /// The first start is not itself one of the rule's dates.
    #[error(
        "the first meeting ({weekday} {date}) is not on a day the repeat rule produces; start the series on its first matching date"
    )]
    FirstStartNotInPattern {
        /// The first meeting's local date.
        date: NaiveDate,
        /// Its weekday, because that is usually the mismatch.
        weekday: Weekday,
    },
}

/// A validated recurring meeting: a local start in a zone, a duration and an RRULE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeriesRule {
    /// IANA zone whose wall-clock time the meetings keep.
    pub time_zone: Tz,
    /// Local start of the first meeting; every occurrence starts at this wall-clock time.
    pub first_start_local: NaiveDateTime,
    /// Length of each meeting.
    pub duration_minutes: u32,
    /// RFC 5545 RRULE value without the `RRULE:` prefix, e.g. `FREQ=MONTHLY;BYDAY=1TU`.
    /// After [`SeriesRule::new`] any `UNTIL` is a UTC date-time, as RFC 5545 requires when
    /// DTSTART has a TZID, so the string can go into an iCalendar feed as it is.
    pub rrule: String,
}

/// The rule compiled for expansion.
struct Compiled {
    set: RRuleSet,
    until: Option<DateTime<Utc>>,
    normalised: String,
}

impl SeriesRule {
    /// Validates and normalises a series. A date-only `UNTIL=YYYYMMDD` (as [`Pattern::to_rrule`]
    /// writes it) means "up to the end of that local day" and is rewritten as a UTC date-time.
    pub fn new(
        time_zone: Tz,
        first_start_local: NaiveDateTime,
        duration_minutes: u32,
        rrule: &str,
    ) -> Result<Self, RecurrenceError> {
        let mut rule = SeriesRule {
            time_zone,
            first_start_local,
            duration_minutes,
            rrule: rrule.to_owned(),
        };
        let compiled = compile(&rule)?;
        rule.rrule = compiled.normalised.clone();
        let first_instant = resolve_local(time_zone, first_start_local);
        if let Some(until) = compiled.until
            && until < first_instant
        {
            return Err(RecurrenceError::UntilBeforeStart {
                until: format_utc(until),
                first: first_start_local,
            });
        }
        // RFC 5545 leaves a DTSTART that the rule does not produce undefined, and calendar
        // apps disagree on whether to show it; refusing it keeps our pages and feeds identical.
        match walk(&rule).next() {
            None => Err(RecurrenceError::NoOccurrences),
            Some(first) if first == first_instant => Ok(rule),
            Some(_) => Err(RecurrenceError::FirstStartNotInPattern {
                date: first_start_local.date(),
                weekday: first_start_local.weekday(),
            }),
        }
    }

    /// The instant after which no occurrence starts, if the rule has `UNTIL`.
    pub fn until(&self) -> Option<DateTime<Utc>> {
        compile(self).ok().and_then(|c| c.until)
    }

    /// Start of the last occurrence for a series ended by COUNT or UNTIL; `None` when it runs
    /// on indefinitely (or past the scan bound).
    pub fn last_start(&self) -> Option<DateTime<Utc>> {
        let compiled = compile(self).ok()?;
        let counted = compiled
            .set
            .get_rrule()
            .iter()
            .any(|r| r.get_count().is_some());
        if compiled.until.is_none() && !counted {
            return None;
        }
        let mut walk = walk(self);
        let last = walk.by_ref().last();
        if walk.exhausted_scan { None } else { last }
    }

    /// The rule's nominal local start for an occurrence: the wall-clock time the organizer chose
    /// on that day, even where a DST gap moved the instant. iCalendar RECURRENCE-ID and EXDATE
    /// values use it so that other calendar programs match them against their own expansion.
    pub fn nominal_local_start(&self, original_start: DateTime<Utc>) -> Option<NaiveDateTime> {
        let time = self.first_start_local.time();
        let local_date = original_start.with_timezone(&self.time_zone).date_naive();
        // A gap resolved forward can push the instant onto the next local day.
        [local_date, local_date.pred_opt()?]
            .into_iter()
            .map(|date| date.and_time(time))
            .find(|candidate| resolve_local(self.time_zone, *candidate) == original_start)
    }
}

/// Turns a local wall-clock time into an instant the way RFC 5545 does: a time inside a
/// spring-forward gap is read with the offset in force before the gap (02:30 becomes 03:30),
/// and a time repeated by a fall-back is the first (earlier) of the two instants.
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        MappedLocalTime::Single(dt) => dt.with_timezone(&Utc),
        MappedLocalTime::Ambiguous(earlier, _) => earlier.with_timezone(&Utc),
        MappedLocalTime::None => {
            // Walk back to the last wall-clock time before the gap; its offset is "the offset
            // before the gap". Gaps are at most a day (Samoa 2011), so 48 hours always suffices.
            let mut probe = local;
            for _ in 0..(48 * 4) {
                let Some(earlier) = probe.checked_sub_signed(Duration::minutes(15)) else {
                    break;
                };
                probe = earlier;
                if let Some(dt) = tz.from_local_datetime(&probe).latest() {
                    let offset = Duration::seconds(i64::from(dt.offset().fix().local_minus_utc()));
                    if let Some(utc) = local.checked_sub_signed(offset) {
                        return utc.and_utc();
                    }
                    break;
                }
            }
            // Unreachable with real tz data; reading the time as UTC at least keeps the order.
            local.and_utc()
        }
    }
}

/// How an exception changes one occurrence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExceptionKind {
    /// The occurrence takes place at another time.
    Moved {
        /// New start.
        starts_at: DateTime<Utc>,
        /// New end.
        ends_at: DateTime<Utc>,
    },
    /// The occurrence does not take place.
    Cancelled,
}

/// A change to a single occurrence, identified by the start the rule gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesException {
    /// The occurrence's start according to the rule (validate with [`is_occurrence`]).
    pub original_start: DateTime<Utc>,
    /// What happens to it.
    pub kind: ExceptionKind,
    /// Organizer's note shown with the occurrence ("moved for the IGF week").
    pub note: String,
}

/// Whether an occurrence takes place as planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OccurrenceStatus {
    /// At the time the rule gives it.
    Scheduled,
    /// At another time, set by an exception.
    Moved,
    /// Not taking place; pages still list it, struck through.
    Cancelled,
}

/// One meeting of a series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Occurrence {
    /// Start according to the rule; identifies the occurrence.
    pub original_start: DateTime<Utc>,
    /// Actual start (differs from `original_start` when moved).
    pub starts_at: DateTime<Utc>,
    /// Actual end.
    pub ends_at: DateTime<Utc>,
    /// Scheduled, moved or cancelled.
    pub status: OccurrenceStatus,
    /// The exception's note, empty when there is none.
    pub note: String,
}

/// Occurrences whose (possibly moved) interval overlaps `[from, to)`, sorted by start, at most
/// `limit` of them. Cancelled occurrences are included with status `Cancelled`. Exceptions that
/// do not target a real occurrence are ignored; when two target the same one, the later wins.
/// A rule that fails validation yields nothing.
pub fn occurrences(
    rule: &SeriesRule,
    exceptions: &[SeriesException],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: usize,
) -> Vec<Occurrence> {
    if limit == 0 || from >= to {
        return Vec::new();
    }
    let by_original: HashMap<DateTime<Utc>, &SeriesException> =
        exceptions.iter().map(|e| (e.original_start, e)).collect();
    let duration = Duration::minutes(i64::from(rule.duration_minutes));
    let mut found = Vec::new();
    // Unmoved occurrences come out of the walk in start order, so the first `limit` of them in
    // the window plus every moved one in the window contain the `limit` earliest overall.
    let mut unmoved = 0;
    for start in walk(rule) {
        if start >= to || unmoved >= limit {
            break;
        }
        let end = start.checked_add_signed(duration).unwrap_or(start);
        if end <= from {
            continue;
        }
        let (status, note) = match by_original.get(&start).map(|e| (&e.kind, &e.note)) {
            Some((ExceptionKind::Moved { .. }, _)) => continue,
            Some((ExceptionKind::Cancelled, note)) => (OccurrenceStatus::Cancelled, note.clone()),
            None => (OccurrenceStatus::Scheduled, String::new()),
        };
        unmoved += 1;
        found.push(Occurrence {
            original_start: start,
            starts_at: start,
            ends_at: end,
            status,
            note,
        });
    }
    for exception in by_original.values() {
        let ExceptionKind::Moved { starts_at, ends_at } = exception.kind else {
            continue;
        };
        // A moved meeting with a nonsensical end still shows, as an instant at its start.
        let ends_at = ends_at.max(starts_at);
        let overlaps = starts_at < to && (ends_at > from || starts_at >= from);
        if overlaps && is_occurrence(rule, exception.original_start) {
            found.push(Occurrence {
                original_start: exception.original_start,
                starts_at,
                ends_at,
                status: OccurrenceStatus::Moved,
                note: exception.note.clone(),
            });
        }
    }
    found.sort_by_key(|o| (o.starts_at, o.original_start));
    found.truncate(limit);
    found
}

/// Whether the rule produces an occurrence starting exactly at `original_start` (within the
/// scan bound), so a move or cancellation targets a real meeting.
pub fn is_occurrence(rule: &SeriesRule, original_start: DateTime<Utc>) -> bool {
    walk(rule)
        .take_while(|start| *start <= original_start)
        .any(|start| start == original_start)
}

/// Iterator over the rule's original starts as instants, in increasing order.
struct Walk {
    inner: Option<RRuleSetIter>,
    tz: Tz,
    until: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
    steps: usize,
    exhausted_scan: bool,
}

fn walk(rule: &SeriesRule) -> Walk {
    let (inner, until) = match compile(rule) {
        Ok(compiled) => (Some((&compiled.set).into_iter()), compiled.until),
        Err(_) => (None, None),
    };
    Walk {
        inner,
        tz: rule.time_zone,
        until,
        last: None,
        steps: 0,
        exhausted_scan: false,
    }
}

impl Iterator for Walk {
    type Item = DateTime<Utc>;

    fn next(&mut self) -> Option<DateTime<Utc>> {
        loop {
            if self.steps >= MAX_SCAN {
                self.exhausted_scan = true;
                self.inner = None;
            }
            let local = self.inner.as_mut()?.next()?.naive_utc();
            self.steps += 1;
            if local.year() > 9999 {
                self.inner = None;
                return None;
            }
            let start = resolve_local(self.tz, local);
            if self.until.is_some_and(|until| start > until) {
                self.inner = None;
                return None;
            }
            // Only when a zone skips a whole day can two local dates map to one instant.
            if self.last.is_some_and(|last| start <= last) {
                continue;
            }
            self.last = Some(start);
            return Some(start);
        }
    }
}

/// Splits an RRULE value into upper-cased `(NAME, VALUE)` parts.
fn split_parts(rrule: &str) -> Result<Vec<(String, String)>, RecurrenceError> {
    let trimmed = rrule.trim();
    let body = match trimmed.get(..6) {
        Some(prefix) if prefix.eq_ignore_ascii_case("RRULE:") => &trimmed[6..],
        _ => trimmed,
    };
    let mut parts: Vec<(String, String)> = Vec::new();
    for part in body.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, value)) = part.split_once('=') else {
            return Err(RecurrenceError::MalformedPart { part: part.into() });
        };
        let name = name.trim().to_ascii_uppercase();
        if name.is_empty() {
            return Err(RecurrenceError::MalformedPart { part: part.into() });
        }
        if parts.iter().any(|(n, _)| *n == name) {
            return Err(RecurrenceError::DuplicatePart { name });
        }
        parts.push((name, value.trim().to_ascii_uppercase()));
    }
    Ok(parts)
}

/// Reads UNTIL: a date means the end of that local day; a floating date-time is read in the
/// series' zone; a `Z` date-time is taken as it is.
fn parse_until(value: &str, tz: Tz) -> Result<DateTime<Utc>, RecurrenceError> {
    let invalid = || RecurrenceError::InvalidUntil {
        value: value.into(),
    };
    if let Some(utc) = value.strip_suffix('Z') {
        return NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S")
            .map(|dt| dt.and_utc())
            .map_err(|_| invalid());
    }
    if value.len() == 8 {
        let date = NaiveDate::parse_from_str(value, "%Y%m%d").map_err(|_| invalid())?;
        let end_of_day = NaiveTime::from_hms_opt(23, 59, 59).ok_or_else(invalid)?;
        return Ok(resolve_local(tz, date.and_time(end_of_day)));
    }
    NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S")
        .map(|dt| resolve_local(tz, dt))
        .map_err(|_| invalid())
}

fn format_utc(instant: DateTime<Utc>) -> String {
    instant.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Largest INTERVAL per frequency: generous for real meetings, small enough that even a rule
/// that never matches cannot push the `rrule` crate's 100 000-step search out of chrono's range.
fn max_interval(freq: Frequency) -> u32 {
    match freq {
        Frequency::Daily => 366,
        Frequency::Weekly => 53,
        Frequency::Monthly => 12,
        _ => 10,
    }
}

fn compile(rule: &SeriesRule) -> Result<Compiled, RecurrenceError> {
    if !(1..=MAX_DURATION_MINUTES).contains(&rule.duration_minutes) {
        return Err(RecurrenceError::DurationOutOfRange {
            minutes: rule.duration_minutes,
        });
    }
    let year = rule.first_start_local.year();
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(RecurrenceError::FirstStartOutOfRange { year });
    }
    let parts = split_parts(&rule.rrule)?;
    let has = |name: &str| parts.iter().any(|(n, _)| n == name);
    if let Some(part) = ["BYHOUR", "BYMINUTE", "BYSECOND"]
        .into_iter()
        .find(|p| has(p))
    {
        return Err(RecurrenceError::TimeOfDayInRule { part: part.into() });
    }
    if has("COUNT") && has("UNTIL") {
        return Err(RecurrenceError::CountAndUntil);
    }
    let mut until = None;
    let mut normalised = Vec::with_capacity(parts.len());
    let mut for_crate = Vec::with_capacity(parts.len());
    for (name, value) in &parts {
        if name == "UNTIL" {
            let instant = parse_until(value, rule.time_zone)?;
            until = Some(instant);
            normalised.push(format!("UNTIL={}", format_utc(instant)));
        } else {
            normalised.push(format!("{name}={value}"));
            for_crate.push(format!("{name}={value}"));
        }
    }
    let parsed = RRule::<Unvalidated>::from_str(&for_crate.join(";")).map_err(|e| {
        RecurrenceError::InvalidRule {
            detail: e.to_string(),
        }
    })?;
    let freq = parsed.get_freq();
    if !matches!(
        freq,
        Frequency::Daily | Frequency::Weekly | Frequency::Monthly | Frequency::Yearly
    ) {
        return Err(RecurrenceError::UnsupportedFrequency {
            freq: freq.to_string(),
        });
    }
    let interval = u32::from(parsed.get_interval());
    if interval == 0 || interval > max_interval(freq) {
        return Err(RecurrenceError::IntervalOutOfRange {
            interval,
            freq: freq.to_string(),
            max: max_interval(freq),
        });
    }
    if parsed.get_count() == Some(0) {
        return Err(RecurrenceError::NoOccurrences);
    }
    // Wall-clock expansion: the local start labelled UTC (see the module comment). With FREQ
    // at least DAILY and no BYHOUR/BYMINUTE/BYSECOND the crate's time set is the single
    // DTSTART time, so the rule can never produce more than one meeting per day.
    let dt_start = rrule::Tz::UTC.from_utc_datetime(&rule.first_start_local);
    let validated = parsed
        .validate(dt_start)
        .map_err(|e| RecurrenceError::InvalidRule {
            detail: e.to_string(),
        })?;
    Ok(Compiled {
        set: RRuleSet::new(dt_start).rrule(validated).limit(),
        until,
        normalised: normalised.join(";"),
    })
}

/// The recurrence shapes the organizer form offers, so nobody has to type an RRULE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Pattern {
    /// Every `interval` weeks on `weekday`.
    Weekly {
        /// 1 = every week, 2 = every other week, …
        interval: u32,
        /// Day of the meeting.
        weekday: Weekday,
    },
    /// Every `interval` months on the `ordinal`th `weekday` ("first Tuesday", "last Friday").
    MonthlyByWeekday {
        /// Every how many months.
        interval: u32,
        /// 1 to 4, or -1 for the last such weekday of the month.
        ordinal: i8,
        /// The weekday.
        weekday: Weekday,
    },
    /// Every `interval` months on day `day` (months without that day are skipped, per RFC 5545).
    MonthlyByDate {
        /// Every how many months.
        interval: u32,
        /// Day of the month, 1 to 31.
        day: u8,
    },
}

/// Which [`Pattern`] a summary describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatternKind {
    /// [`Pattern::Weekly`].
    Weekly,
    /// [`Pattern::MonthlyByWeekday`].
    MonthlyByWeekday,
    /// [`Pattern::MonthlyByDate`].
    MonthlyByDate,
}

/// Language-neutral description of a pattern; pages turn it into words in the reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatternSummary {
    /// The pattern's shape.
    pub kind: PatternKind,
    /// Every how many weeks or months.
    pub interval: u32,
    /// 1 to 4 or -1 (last), for monthly-by-weekday.
    pub ordinal: Option<i8>,
    /// The weekday (serialised "Mon" … "Sun"), for weekly and monthly-by-weekday.
    pub weekday: Option<Weekday>,
    /// Day of the month, for monthly-by-date.
    pub day: Option<u8>,
}

/// RFC 5545 weekday code.
fn weekday_code(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

fn weekday_from_code(code: &str) -> Option<Weekday> {
    [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ]
    .into_iter()
    .find(|day| weekday_code(*day) == code)
}

impl Pattern {
    /// The RRULE value for this pattern. `until` is written as a date (`UNTIL=YYYYMMDD`) and
    /// [`SeriesRule::new`] turns it into the end of that local day in the series' zone. If
    /// both `until` and `count` are given both are written, and `SeriesRule::new` refuses it.
    pub fn to_rrule(&self, until: Option<NaiveDate>, count: Option<u32>) -> String {
        let (freq, interval, by) = match *self {
            Pattern::Weekly { interval, weekday } => (
                "WEEKLY",
                interval,
                format!("BYDAY={}", weekday_code(weekday)),
            ),
            Pattern::MonthlyByWeekday {
                interval,
                ordinal,
                weekday,
            } => (
                "MONTHLY",
                interval,
                format!("BYDAY={ordinal}{}", weekday_code(weekday)),
            ),
            Pattern::MonthlyByDate { interval, day } => {
                ("MONTHLY", interval, format!("BYMONTHDAY={day}"))
            }
        };
        let mut rule = format!("FREQ={freq}");
        if interval != 1 {
            rule.push_str(&format!(";INTERVAL={interval}"));
        }
        rule.push(';');
        rule.push_str(&by);
        if let Some(date) = until {
            rule.push_str(&format!(";UNTIL={}", date.format("%Y%m%d")));
        }
        if let Some(count) = count {
            rule.push_str(&format!(";COUNT={count}"));
        }
        rule
    }

    /// The pattern an RRULE expresses, or `None` when the form cannot show it (then the page
    /// offers the raw rule). COUNT, UNTIL and WKST are ignored: they do not change the shape.
    pub fn from_rrule(rrule: &str) -> Option<Pattern> {
        let parts = split_parts(rrule).ok()?;
        let mut freq = None;
        let mut interval = 1;
        let mut by_day = None;
        let mut by_month_day = None;
        for (name, value) in &parts {
            match name.as_str() {
                "FREQ" => freq = Some(value.as_str()),
                "INTERVAL" => interval = value.parse().ok().filter(|i| *i >= 1)?,
                "BYDAY" => by_day = Some(value.as_str()),
                "BYMONTHDAY" => by_month_day = Some(value.as_str()),
                "COUNT" | "UNTIL" | "WKST" => {}
                _ => return None,
            }
        }
        match (freq?, by_day, by_month_day) {
            ("WEEKLY", Some(day), None) => Some(Pattern::Weekly {
                interval,
                weekday: weekday_from_code(day)?,
            }),
            ("MONTHLY", Some(day), None) if day.len() > 2 => {
                let (ordinal, code) = day.split_at(day.len() - 2);
                let ordinal: i8 = ordinal.trim_start_matches('+').parse().ok()?;
                if !(1..=4).contains(&ordinal) && ordinal != -1 {
                    return None;
                }
                Some(Pattern::MonthlyByWeekday {
                    interval,
                    ordinal,
                    weekday: weekday_from_code(code)?,
                })
            }
            ("MONTHLY", None, Some(day)) => {
                let day: u8 = day.parse().ok().filter(|d| (1..=31).contains(d))?;
                Some(Pattern::MonthlyByDate { interval, day })
            }
            _ => None,
        }
    }

    /// Structured description for translation on the page.
    pub fn describe(&self) -> PatternSummary {
        match *self {
            Pattern::Weekly { interval, weekday } => PatternSummary {
                kind: PatternKind::Weekly,
                interval,
                ordinal: None,
                weekday: Some(weekday),
                day: None,
            },
            Pattern::MonthlyByWeekday {
                interval,
                ordinal,
                weekday,
            } => PatternSummary {
                kind: PatternKind::MonthlyByWeekday,
                interval,
                ordinal: Some(ordinal),
                weekday: Some(weekday),
                day: None,
            },
            Pattern::MonthlyByDate { interval, day } => PatternSummary {
                kind: PatternKind::MonthlyByDate,
                interval,
                ordinal: None,
                weekday: None,
                day: Some(day),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("test dates are well formed")
    }

    fn utc(s: &str) -> DateTime<Utc> {
        local(s).and_utc()
    }

    fn rule(zone: Tz, first: &str, rrule: &str) -> SeriesRule {
        SeriesRule::new(zone, local(first), 60, rrule).expect("test rules are valid")
    }

    /// Starts of the first `n` occurrences, as "YYYY-MM-DD HH:MM" UTC.
    fn starts(rule: &SeriesRule, n: usize) -> Vec<String> {
        occurrences(
            rule,
            &[],
            utc("1900-01-01 00:00"),
            utc("2200-01-01 00:00"),
            n,
        )
        .iter()
        .map(|o| o.starts_at.format("%Y-%m-%d %H:%M").to_string())
        .collect()
    }

    fn error(zone: Tz, first: &str, minutes: u32, rrule: &str) -> RecurrenceError {
        SeriesRule::new(zone, local(first), minutes, rrule).expect_err("rule must be refused")
    }

    #[test]
    fn a_geneva_call_keeps_14_00_local_across_both_2026_dst_changes() {
        // Europe/Zurich is the IANA zone for Geneva. EU summer time 2026: 29 March – 25 October.
        let series = rule(
            chrono_tz::Europe::Zurich,
            "2026-01-06 14:00",
            "FREQ=MONTHLY;BYDAY=1TU",
        );
        assert_eq!(
            starts(&series, 12),
            [
                "2026-01-06 13:00",
                "2026-02-03 13:00",
                "2026-03-03 13:00",
                "2026-04-07 12:00",
                "2026-05-05 12:00",
                "2026-06-02 12:00",
                "2026-07-07 12:00",
                "2026-08-04 12:00",
                "2026-09-01 12:00",
                "2026-10-06 12:00",
                "2026-11-03 13:00",
                "2026-12-01 13:00",
            ]
        );
    }

    #[test]
    fn a_weekly_geneva_call_switches_offset_on_the_exact_eu_dst_sundays() {
        let spring = rule(chrono_tz::Europe::Zurich, "2026-03-22 14:00", "FREQ=WEEKLY");
        assert_eq!(starts(&spring, 2), ["2026-03-22 13:00", "2026-03-29 12:00"]);
        let autumn = rule(chrono_tz::Europe::Zurich, "2026-10-18 14:00", "FREQ=WEEKLY");
        assert_eq!(starts(&autumn, 2), ["2026-10-18 12:00", "2026-10-25 13:00"]);
    }

    #[test]
    fn a_new_york_call_follows_us_dst_dates_not_eu_ones() {
        let spring = rule(
            chrono_tz::America::New_York,
            "2026-03-02 09:00",
            "FREQ=WEEKLY;BYDAY=MO",
        );
        assert_eq!(
            starts(&spring, 5),
            [
                "2026-03-02 14:00",
                "2026-03-09 13:00",
                "2026-03-16 13:00",
                "2026-03-23 13:00",
                "2026-03-30 13:00",
            ]
        );
        let autumn = rule(
            chrono_tz::America::New_York,
            "2026-10-26 09:00",
            "FREQ=WEEKLY;BYDAY=MO",
        );
        assert_eq!(starts(&autumn, 2), ["2026-10-26 13:00", "2026-11-02 14:00"]);
    }

    #[test]
    fn a_utc_series_never_shifts() {
        let series = rule(chrono_tz::UTC, "2026-03-02 13:00", "FREQ=WEEKLY;BYDAY=MO");
        assert_eq!(
            starts(&series, 6),
            [
                "2026-03-02 13:00",
                "2026-03-09 13:00",
                "2026-03-16 13:00",
                "2026-03-23 13:00",
                "2026-03-30 13:00",
                "2026-04-06 13:00",
            ]
        );
    }

    #[test]
    fn every_third_wednesday_lands_on_the_third_wednesday() {
        let series = rule(chrono_tz::UTC, "2026-01-21 13:00", "FREQ=MONTHLY;BYDAY=3WE");
        assert_eq!(
            starts(&series, 6),
            [
                "2026-01-21 13:00",
                "2026-02-18 13:00",
                "2026-03-18 13:00",
                "2026-04-15 13:00",
                "2026-05-20 13:00",
                "2026-06-17 13:00",
            ]
        );
    }

    #[test]
    fn a_biweekly_thursday_call_skips_every_other_week() {
        let series = rule(
            chrono_tz::UTC,
            "2026-01-08 13:00",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
        );
        assert_eq!(
            starts(&series, 4),
            [
                "2026-01-08 13:00",
                "2026-01-22 13:00",
                "2026-02-05 13:00",
                "2026-02-19 13:00",
            ]
        );
    }

    #[test]
    fn a_time_in_the_spring_gap_moves_one_hour_later_as_rfc_5545_says() {
        // 02:30 does not exist in Geneva on 29 March 2026: read it at +01:00, i.e. 03:30 CEST.
        let series = rule(chrono_tz::Europe::Zurich, "2026-03-27 02:30", "FREQ=DAILY");
        assert_eq!(
            starts(&series, 4),
            [
                "2026-03-27 01:30",
                "2026-03-28 01:30",
                "2026-03-29 01:30",
                "2026-03-30 00:30",
            ]
        );
        let gap_day = occurrences(
            &series,
            &[],
            utc("2026-03-29 00:00"),
            utc("2026-03-30 00:00"),
            5,
        );
        let local_start = gap_day[0]
            .starts_at
            .with_timezone(&chrono_tz::Europe::Zurich);
        assert_eq!(local_start.format("%H:%M").to_string(), "03:30");
    }

    #[test]
    fn a_time_repeated_in_the_autumn_fold_takes_the_first_instant() {
        let series = rule(chrono_tz::Europe::Zurich, "2026-10-24 02:30", "FREQ=DAILY");
        assert_eq!(
            starts(&series, 3),
            ["2026-10-24 00:30", "2026-10-25 00:30", "2026-10-26 01:30"]
        );
    }

    #[test]
    fn a_gap_at_midnight_does_not_drop_the_occurrence() {
        // Chile springs forward at 00:00 (to 01:00) on 6 September 2026; the `rrule` crate alone
        // would skip that day, our resolution reads 00:30 at the old -04:00 offset.
        let series = rule(
            chrono_tz::America::Santiago,
            "2026-09-04 00:30",
            "FREQ=DAILY",
        );
        assert_eq!(
            starts(&series, 4),
            [
                "2026-09-04 04:30",
                "2026-09-05 04:30",
                "2026-09-06 04:30",
                "2026-09-07 03:30",
            ]
        );
    }

    #[test]
    fn count_ends_the_series_after_that_many_meetings() {
        let series = rule(chrono_tz::UTC, "2026-01-08 13:00", "FREQ=WEEKLY;COUNT=3");
        assert_eq!(starts(&series, 10).len(), 3);
        assert_eq!(series.last_start(), Some(utc("2026-01-22 13:00")));
    }

    #[test]
    fn an_until_date_includes_a_meeting_on_that_local_day() {
        let pattern = Pattern::MonthlyByWeekday {
            interval: 1,
            ordinal: 1,
            weekday: Weekday::Tue,
        };
        let until = NaiveDate::from_ymd_opt(2026, 3, 3);
        let text = pattern.to_rrule(until, None);
        assert_eq!(text, "FREQ=MONTHLY;BYDAY=1TU;UNTIL=20260303");
        let series = rule(chrono_tz::Europe::Zurich, "2026-01-06 14:00", &text);
        // The end of 3 March in Geneva (23:59:59 CET) is 22:59:59 UTC.
        assert_eq!(
            series.rrule,
            "FREQ=MONTHLY;BYDAY=1TU;UNTIL=20260303T225959Z"
        );
        assert_eq!(
            starts(&series, 10),
            ["2026-01-06 13:00", "2026-02-03 13:00", "2026-03-03 13:00"]
        );
        assert_eq!(series.last_start(), Some(utc("2026-03-03 13:00")));
        assert_eq!(
            series.until(),
            Some(utc("2026-03-03 22:59") + Duration::seconds(59))
        );
    }

    #[test]
    fn an_open_ended_series_has_no_last_start() {
        let series = rule(chrono_tz::UTC, "2026-01-08 13:00", "FREQ=WEEKLY");
        assert_eq!(series.last_start(), None);
    }

    #[test]
    fn moved_and_cancelled_occurrences_show_where_people_expect_them() {
        let series = rule(
            chrono_tz::Europe::Zurich,
            "2026-01-06 14:00",
            "FREQ=MONTHLY;BYDAY=1TU",
        );
        let exceptions = [
            SeriesException {
                original_start: utc("2026-02-03 13:00"),
                kind: ExceptionKind::Moved {
                    starts_at: utc("2026-02-05 15:00"),
                    ends_at: utc("2026-02-05 16:30"),
                },
                note: "clashes with the MAG meeting".into(),
            },
            SeriesException {
                original_start: utc("2026-03-03 13:00"),
                kind: ExceptionKind::Cancelled,
                note: "no quorum".into(),
            },
        ];
        let found = occurrences(
            &series,
            &exceptions,
            utc("2026-01-01 00:00"),
            utc("2026-04-01 00:00"),
            10,
        );
        let summary: Vec<_> = found
            .iter()
            .map(|o| (o.starts_at, o.ends_at, o.status, o.note.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    utc("2026-01-06 13:00"),
                    utc("2026-01-06 14:00"),
                    OccurrenceStatus::Scheduled,
                    ""
                ),
                (
                    utc("2026-02-05 15:00"),
                    utc("2026-02-05 16:30"),
                    OccurrenceStatus::Moved,
                    "clashes with the MAG meeting"
                ),
                (
                    utc("2026-03-03 13:00"),
                    utc("2026-03-03 14:00"),
                    OccurrenceStatus::Cancelled,
                    "no quorum"
                ),
            ]
        );
        assert_eq!(found[1].original_start, utc("2026-02-03 13:00"));

        // A window holding only the original time no longer shows the moved meeting...
        let original_day = occurrences(
            &series,
            &exceptions,
            utc("2026-02-03 00:00"),
            utc("2026-02-04 00:00"),
            10,
        );
        assert!(original_day.is_empty());
        // ...and a window holding only the new time does.
        let new_day = occurrences(
            &series,
            &exceptions,
            utc("2026-02-05 00:00"),
            utc("2026-02-06 00:00"),
            10,
        );
        assert_eq!(new_day.len(), 1);
        assert_eq!(new_day[0].status, OccurrenceStatus::Moved);
    }

    #[test]
    fn a_meeting_still_running_at_the_window_start_is_included() {
        let series = rule(chrono_tz::UTC, "2026-01-08 13:00", "FREQ=WEEKLY");
        let found = occurrences(
            &series,
            &[],
            utc("2026-01-08 13:30"),
            utc("2026-01-08 13:45"),
            10,
        );
        assert_eq!(found.len(), 1);
        let ended = occurrences(
            &series,
            &[],
            utc("2026-01-08 14:00"),
            utc("2026-01-15 13:00"),
            10,
        );
        assert!(
            ended.is_empty(),
            "[from, to) excludes a meeting starting at `to`"
        );
    }

    #[test]
    fn only_real_occurrences_can_be_moved_or_cancelled() {
        let series = rule(
            chrono_tz::Europe::Zurich,
            "2026-01-06 14:00",
            "FREQ=MONTHLY;BYDAY=1TU",
        );
        assert!(is_occurrence(&series, utc("2026-04-07 12:00")));
        assert!(!is_occurrence(&series, utc("2026-04-07 13:00")));
        assert!(!is_occurrence(&series, utc("2025-12-02 13:00")));
        let bogus = SeriesException {
            original_start: utc("2026-01-07 13:00"),
            kind: ExceptionKind::Moved {
                starts_at: utc("2026-01-20 13:00"),
                ends_at: utc("2026-01-20 14:00"),
            },
            note: String::new(),
        };
        let found = occurrences(
            &series,
            &[bogus],
            utc("2026-01-01 00:00"),
            utc("2026-02-01 00:00"),
            10,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].status, OccurrenceStatus::Scheduled);
    }

    #[test]
    fn the_nominal_local_start_survives_a_gap() {
        let series = rule(chrono_tz::Europe::Zurich, "2026-03-27 02:30", "FREQ=DAILY");
        assert_eq!(
            series.nominal_local_start(utc("2026-03-29 01:30")),
            Some(local("2026-03-29 02:30"))
        );
        assert_eq!(
            series.nominal_local_start(utc("2026-03-30 00:30")),
            Some(local("2026-03-30 02:30"))
        );
        assert_eq!(series.nominal_local_start(utc("2026-03-30 00:45")), None);
    }

    #[test]
    fn bad_rules_are_refused_with_messages_that_name_the_problem() {
        let zurich = chrono_tz::Europe::Zurich;
        let first = "2026-01-06 14:00";
        let cases = [
            (error(zurich, first, 60, "FREQ=HOURLY"), "FREQ=HOURLY"),
            (error(zurich, first, 60, "FREQ=DAILY;BYHOUR=9"), "BYHOUR"),
            (
                error(zurich, first, 60, "FREQ=DAILY;BYMINUTE=0,30"),
                "BYMINUTE",
            ),
            (
                error(zurich, first, 60, "FREQ=DAILY;COUNT=3;UNTIL=20260301"),
                "COUNT and UNTIL",
            ),
            (error(zurich, first, 0, "FREQ=DAILY"), "1 and 1440 minutes"),
            (error(zurich, first, 1441, "FREQ=DAILY"), "1441"),
            (error(zurich, first, 60, "FREQ=MONTHLY;BYDAY=9XX"), "9XX"),
            (error(zurich, first, 60, "BYDAY=TU"), "FREQ"),
            (
                error(zurich, first, 60, "FREQ=WEEKLY;INTERVAL=0"),
                "INTERVAL=0",
            ),
            (error(zurich, first, 60, "FREQ=WEEKLY;BYDAY"), "\"BYDAY\""),
            (
                error(zurich, first, 60, "FREQ=WEEKLY;BYDAY=TU;BYDAY=WE"),
                "BYDAY more than once",
            ),
            (
                error(zurich, first, 60, "FREQ=WEEKLY;UNTIL=next-year"),
                "UNTIL=NEXT-YEAR",
            ),
            (
                error(zurich, first, 60, "FREQ=WEEKLY;UNTIL=20251231"),
                "before its first meeting",
            ),
            (
                error(zurich, first, 60, "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"),
                "never produces",
            ),
            (
                error(zurich, first, 60, "FREQ=MONTHLY;BYDAY=1WE"),
                "Tue 2026-01-06",
            ),
            (error(zurich, "2301-01-06 14:00", 60, "FREQ=DAILY"), "2301"),
        ];
        for (err, expected) in cases {
            let message = err.to_string();
            assert!(
                message.contains(expected),
                "{message:?} should mention {expected:?}"
            );
        }
    }

    #[test]
    fn the_stored_rule_is_normalised_and_accepts_the_rrule_prefix() {
        let series = rule(
            chrono_tz::UTC,
            "2026-01-08 13:00",
            "RRULE:freq=weekly;byday=th;until=20260301T000000Z",
        );
        assert_eq!(series.rrule, "FREQ=WEEKLY;BYDAY=TH;UNTIL=20260301T000000Z");
    }

    #[test]
    fn huge_windows_and_unvalidated_rules_stay_bounded() {
        let daily = rule(chrono_tz::UTC, "2026-01-01 09:00", "FREQ=DAILY");
        let all = occurrences(
            &daily,
            &[],
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
            usize::MAX,
        );
        assert_eq!(all.len(), MAX_SCAN);
        assert!(!is_occurrence(&daily, DateTime::<Utc>::MAX_UTC));

        let broken = SeriesRule {
            time_zone: chrono_tz::UTC,
            first_start_local: local("2026-01-01 09:00"),
            duration_minutes: 60,
            rrule: "FREQ=SECONDLY".into(),
        };
        assert!(
            occurrences(
                &broken,
                &[],
                utc("2026-01-01 00:00"),
                utc("2027-01-01 00:00"),
                10
            )
            .is_empty()
        );
        assert!(!is_occurrence(&broken, utc("2026-01-01 09:00")));
    }

    #[test]
    fn patterns_round_trip_through_rrule_text() {
        let patterns = [
            Pattern::Weekly {
                interval: 2,
                weekday: Weekday::Thu,
            },
            Pattern::MonthlyByWeekday {
                interval: 1,
                ordinal: 3,
                weekday: Weekday::Wed,
            },
            Pattern::MonthlyByWeekday {
                interval: 2,
                ordinal: -1,
                weekday: Weekday::Fri,
            },
            Pattern::MonthlyByDate {
                interval: 1,
                day: 15,
            },
        ];
        for pattern in patterns {
            let text = pattern.to_rrule(None, Some(12));
            assert_eq!(Pattern::from_rrule(&text), Some(pattern), "{text}");
        }
        assert_eq!(
            patterns[0].to_rrule(None, None),
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"
        );
        assert_eq!(
            patterns[2].to_rrule(None, None),
            "FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR"
        );
    }

    #[test]
    fn rules_the_form_cannot_show_have_no_pattern() {
        for text in [
            "FREQ=DAILY",
            "FREQ=WEEKLY",
            "FREQ=WEEKLY;BYDAY=MO,WE",
            "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=1",
            "FREQ=MONTHLY;BYDAY=5TU",
            "FREQ=MONTHLY;BYMONTHDAY=32",
            "FREQ=YEARLY;BYMONTH=6",
            "not a rule",
        ] {
            assert_eq!(Pattern::from_rrule(text), None, "{text}");
        }
    }

    #[test]
    fn a_pattern_summary_is_structured_data_for_translation() {
        let summary = Pattern::MonthlyByWeekday {
            interval: 1,
            ordinal: 1,
            weekday: Weekday::Tue,
        }
        .describe();
        let json = serde_json::to_value(summary).expect("summaries serialise");
        assert_eq!(
            json,
            serde_json::json!({
                "kind": "monthly_by_weekday",
                "interval": 1,
                "ordinal": 1,
                "weekday": "Tue",
                "day": null
            })
        );
    }

    #[test]
    fn a_pattern_built_rule_is_accepted_by_the_series() {
        let pattern = Pattern::Weekly {
            interval: 2,
            weekday: Weekday::Thu,
        };
        let series = SeriesRule::new(
            chrono_tz::UTC,
            local("2026-01-08 13:00"),
            90,
            &pattern.to_rrule(None, None),
        )
        .expect("form output is valid");
        assert_eq!(Pattern::from_rrule(&series.rrule), Some(pattern));
    }
}
