#!/usr/bin/env python3
"""Independent check of a Plenary iCalendar feed.

Usage: check_ics.py FEED.ics [OCCURRENCES_PER_SERIES]

Parses the feed with Python's `icalendar` package (not our Rust code) and prints JSON:

  {"name": ..., "expander": ..., "events": [...], "occurrences": {uid: [...]},
   "vtimezones": {tzid: {"checked": n, "mismatches": [...]}}}

Every instant is a UTC ISO string ("2026-03-03T13:00:00Z"). Series are expanded with
`recurring_ical_events` when it is installed, otherwise with `dateutil.rrule` applied in the
TZID zone via `zoneinfo`; set CHECK_ICS_EXPANDER=dateutil to force the latter. Each VTIMEZONE is
rebuilt from its own STANDARD/DAYLIGHT blocks (not looked up by name) and compared with the
tz database at every expanded instant, so a wrong VTIMEZONE cannot hide behind the TZID.

Needs: icalendar (which brings python-dateutil); recurring_ical_events optional.
"""

import itertools
import json
import os
import re
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
from dateutil.rrule import rrulestr


def utc_iso(value):
    """An aware datetime as a UTC ISO instant; anything else (a DATE, a floating time) is an
    error that the caller reports, because Plenary feeds never contain them."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(f"not an aware date-time: {value!r}")
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def unescape_text(raw):
    """icalendar leaves X-WR-CALNAME raw (vUnknown), but RFC 5545 §3.8.8.2 makes an
    X-property TEXT by default, so undo TEXT escaping (§3.3.11) here."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), raw)


def text(component, name):
    value = component.get(name)
    return None if value is None else str(value)


def prop_dt(component, name):
    value = component.get(name)
    return None if value is None else value.dt


def categories(component):
    value = component.get("CATEGORIES")
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [str(cat) for item in values for cat in item.cats]


def exdates(component):
    value = component.get("EXDATE")
    if value is None:
        return []
    lists = value if isinstance(value, list) else [value]
    return [d.dt for item in lists for d in item.dts]


def describe_event(event):
    rrule = event.get("RRULE")
    recurrence_id = prop_dt(event, "RECURRENCE-ID")
    return {
        "uid": text(event, "UID"),
        "summary": text(event, "SUMMARY"),
        "description": text(event, "DESCRIPTION"),
        "location": text(event, "LOCATION"),
        "status": text(event, "STATUS"),
        "url": text(event, "URL"),
        "categories": categories(event),
        "dtstart": utc_iso(prop_dt(event, "DTSTART")),
        "dtend": utc_iso(prop_dt(event, "DTEND")),
        "dtstart_tzid": event["DTSTART"].params.get("TZID"),
        "recurrence_id": None if recurrence_id is None else utc_iso(recurrence_id),
        "rrule": None if rrule is None else rrule.to_ical().decode(),
        "exdates": [utc_iso(d) for d in exdates(event)],
    }


def expand_with_dateutil(master, overrides, limit):
    """First `limit` occurrences of `master`: the RRULE expanded in local wall-clock time of
    the DTSTART's zone, EXDATEs removed, RECURRENCE-ID overrides substituted."""
    start = prop_dt(master, "DTSTART")
    # RFC 5545 §3.8.5.3: every occurrence lasts the *exact* DTEND - DTSTART. Python subtracts
    # and adds aware datetimes of one zone in wall-clock time, so do the arithmetic in UTC.
    duration = prop_dt(master, "DTEND").astimezone(timezone.utc) - start.astimezone(timezone.utc)
    tzid = master["DTSTART"].params.get("TZID")
    # Rebuild DTSTART from its written wall-clock value in the zoneinfo zone, so the expansion
    # does not depend on how icalendar attached a zone; fold=0 is RFC 5545's choice in gaps
    # (offset before the gap) and folds (the earlier instant).
    if tzid:
        zone, wall = ZoneInfo(tzid), start.replace(tzinfo=None)
    else:
        zone, wall = timezone.utc, start.astimezone(timezone.utc).replace(tzinfo=None)
    rule = rrulestr(master["RRULE"].to_ical().decode(), dtstart=wall.replace(tzinfo=zone))
    excluded = {d.astimezone(timezone.utc) for d in exdates(master)}
    result = []
    for occurrence in rule:
        if len(result) >= limit:
            break
        original = occurrence.astimezone(timezone.utc)
        if original in excluded:
            continue
        override = overrides.get(original)
        if override is not None:
            begin, end = prop_dt(override, "DTSTART"), prop_dt(override, "DTEND")
        else:
            begin = occurrence
            end = occurrence.astimezone(timezone.utc) + duration
        result.append({"start": utc_iso(begin), "end": utc_iso(end), "original": utc_iso(original)})
    return result


def expand_with_recurring_ical_events(calendar, uid, limit):
    import recurring_ical_events

    # Query a calendar holding only this series (and the zones): `after` yields events of
    # every UID in start order, so with an open-ended neighbour a short series would
    # otherwise leave the generator searching forever for its missing occurrences.
    alone = icalendar.Calendar()
    for component in calendar.subcomponents:
        if component.name == "VTIMEZONE" or str(component.get("UID")) == uid:
            alone.add_component(component)
    earliest = datetime(1900, 1, 1, tzinfo=timezone.utc)
    result = []
    for event in itertools.islice(recurring_ical_events.of(alone).after(earliest), limit):
        original = prop_dt(event, "RECURRENCE-ID") or prop_dt(event, "DTSTART")
        result.append(
            {
                "start": utc_iso(prop_dt(event, "DTSTART")),
                "end": utc_iso(prop_dt(event, "DTEND")),
                "original": utc_iso(original),
            }
        )
    return result


def choose_expander():
    if os.environ.get("CHECK_ICS_EXPANDER") == "dateutil":
        return "dateutil"
    try:
        import recurring_ical_events  # noqa: F401
    except ImportError:
        return "dateutil"
    return "recurring_ical_events"


def check_vtimezones(calendar, instants_by_tzid):
    report = {}
    for vtimezone in calendar.walk("VTIMEZONE"):
        tzid = str(vtimezone["TZID"])
        own = vtimezone.to_tz(lookup_tzid=False)
        reference = ZoneInfo(tzid)
        mismatches = []
        instants = instants_by_tzid.get(tzid, [])
        for instant in instants:
            ours, theirs = instant.astimezone(own).utcoffset(), instant.astimezone(reference).utcoffset()
            if ours != theirs:
                mismatches.append({"at": utc_iso(instant), "vtimezone": str(ours), "tzdb": str(theirs)})
        report[tzid] = {"checked": len(instants), "mismatches": mismatches}
    return report


def main():
    path = sys.argv[1]
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    with open(path, "rb") as handle:
        raw = handle.read()
    calendar = icalendar.Calendar.from_ical(raw)
    events = calendar.walk("VEVENT")
    expander = choose_expander()

    overrides_by_uid = {}
    for event in events:
        recurrence_id = prop_dt(event, "RECURRENCE-ID")
        if recurrence_id is not None:
            key = recurrence_id.astimezone(timezone.utc)
            overrides_by_uid.setdefault(str(event["UID"]), {})[key] = event

    occurrences = {}
    instants_by_tzid = {}
    for master in events:
        if master.get("RRULE") is None:
            continue
        uid = str(master["UID"])
        if expander == "dateutil":
            expanded = expand_with_dateutil(master, overrides_by_uid.get(uid, {}), limit)
        else:
            expanded = expand_with_recurring_ical_events(calendar, uid, limit)
        occurrences[uid] = expanded
        tzid = master["DTSTART"].params.get("TZID")
        if tzid:
            # Check the zone one second either side of each meeting's start and end.
            for item in expanded:
                for key in ("start", "end", "original"):
                    instant = datetime.strptime(item[key], "%Y-%m-%dT%H:%M:%SZ").replace(
                        tzinfo=timezone.utc
                    )
                    instants_by_tzid.setdefault(tzid, []).extend(
                        [instant - timedelta(seconds=1), instant, instant + timedelta(seconds=1)]
                    )

    print(
        json.dumps(
            {
                "name": unescape_text(str(calendar["X-WR-CALNAME"])),
                "expander": expander,
                "crlf_only": b"\n" not in raw.replace(b"\r\n", b""),
                "events": [describe_event(e) for e in events],
                "occurrences": occurrences,
                "vtimezones": check_vtimezones(calendar, instants_by_tzid),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
