-- Plenary schema, SQLite flavour. Keep in step with migrations/postgres/0001_programme.sql:
-- the same tables, columns and constraints, differing only where the two dialects must.
-- Instants are unix seconds in UTC (bigint); calendar dates are ISO 'YYYY-MM-DD' text;
-- flags are integers 0/1 (the sqlx Any driver has no portable boolean).

create table coalition (
    coalition_id integer primary key,
    slug text not null unique,
    name text not null,
    acronym text not null default '',
    created_at bigint not null
);

create table action_plan (
    action_plan_id integer primary key,
    coalition_id bigint not null references coalition (coalition_id),
    title text not null,
    aim text not null,
    period_label text not null,
    starts_on text not null,
    ends_on text not null
);

create table objective (
    objective_id integer primary key,
    action_plan_id bigint not null references action_plan (action_plan_id),
    position bigint not null,
    text text not null,
    unique (action_plan_id, position)
);

create table action_item (
    action_item_id integer primary key,
    action_plan_id bigint not null references action_plan (action_plan_id),
    position bigint not null,
    code text not null,
    text text not null,
    status text not null default 'not_started'
        check (status in ('not_started', 'in_progress', 'ongoing', 'completed', 'dropped')),
    unique (action_plan_id, position),
    unique (action_plan_id, code)
);

create table venue (
    venue_id integer primary key,
    name text not null,
    city text not null default '',
    country text not null default ''
);

create table room (
    room_id integer primary key,
    venue_id bigint not null references venue (venue_id),
    name text not null,
    capacity bigint not null check (capacity >= 0),
    layout text not null check (layout in ('theatre', 'u_shape', 'roundtable', 'classroom', 'boardroom', 'online')),
    unique (venue_id, name)
);

create table event (
    event_id integer primary key,
    slug text not null unique,
    name text not null,
    kind text not null check (kind in ('annual_meeting', 'intersessional_meeting', 'open_consultation', 'webinar')),
    time_zone text not null,
    starts_on text not null,
    ends_on text not null,
    venue_id bigint references venue (venue_id),
    coalition_id bigint references coalition (coalition_id),
    description text not null default '',
    created_at bigint not null,
    check (ends_on >= starts_on)
);

create table session_type (
    session_type_id integer primary key,
    code text not null unique,
    name text not null,
    -- How the number is shown: 'WS #403' has label 'WS', 'Open Forum #86' has 'Open Forum'.
    label text not null,
    numbered bigint not null default 1 check (numbered in (0, 1)),
    -- Allowed durations in minutes, comma-separated and ascending, e.g. '30,60,90'.
    allowed_durations text not null,
    webcast bigint not null default 1 check (webcast in (0, 1)),
    captions bigint not null default 1 check (captions in (0, 1)),
    interpretation bigint not null default 0 check (interpretation in (0, 1))
);

create table person (
    person_id integer primary key,
    name text not null,
    organization text not null default '',
    stakeholder_group text check (stakeholder_group in
        ('government', 'civil_society', 'private_sector', 'technical_community', 'academia', 'intergovernmental')),
    regional_group text check (regional_group in
        ('african', 'asia_pacific', 'eastern_european', 'grulac', 'weog')),
    created_at bigint not null
);

create table unavailability (
    unavailability_id integer primary key,
    person_id bigint not null references person (person_id) on delete cascade,
    starts_at bigint not null,
    ends_at bigint not null,
    note text not null default '',
    check (ends_at > starts_at)
);
create index unavailability_person on unavailability (person_id, starts_at);

create table session (
    session_id integer primary key,
    event_id bigint not null references event (event_id),
    session_type_id bigint not null references session_type (session_type_id),
    number bigint,
    title text not null,
    description text not null default '',
    -- One policy question per line.
    policy_questions text not null default '',
    track text not null default '',
    format text not null default 'panel'
        check (format in ('panel', 'roundtable', 'debate', 'breakout_groups', 'presentation', 'fishbowl', 'birds_of_a_feather', 'other')),
    room_id bigint references room (room_id),
    starts_at bigint not null,
    ends_at bigint not null,
    status text not null default 'scheduled'
        check (status in ('draft', 'scheduled', 'live', 'ended', 'cancelled')),
    online_join_url text not null default '',
    created_at bigint not null,
    updated_at bigint not null,
    check (ends_at > starts_at),
    unique (event_id, session_type_id, number)
);
create index session_event_start on session (event_id, starts_at);
create index session_room_start on session (room_id, starts_at);

create table session_role (
    session_id bigint not null references session (session_id) on delete cascade,
    person_id bigint not null references person (person_id),
    role text not null check (role in ('organizer', 'onsite_moderator', 'online_moderator', 'rapporteur', 'speaker')),
    position bigint not null default 0,
    primary key (session_id, person_id, role)
);
create index session_role_person on session_role (person_id);

create table staff (
    staff_id integer primary key,
    email text not null unique,
    display_name text not null,
    role text not null check (role in ('organizer', 'moderator')),
    password_hash text not null,
    disabled bigint not null default 0 check (disabled in (0, 1)),
    created_at bigint not null
);

-- Server-side login sessions: the cookie holds a random token, the database only its SHA-256.
create table staff_session (
    token_hash text primary key,
    staff_id bigint not null references staff (staff_id) on delete cascade,
    created_at bigint not null,
    expires_at bigint not null
);

-- A blocking conflict accepted on purpose by an organizer: who, why, and what was overridden.
create table conflict_override (
    conflict_override_id integer primary key,
    session_id bigint not null references session (session_id) on delete cascade,
    staff_id bigint not null references staff (staff_id),
    reason text not null,
    conflicts text not null,
    created_at bigint not null
);

create table invitation (
    token_hash text primary key,
    email text not null,
    role text not null check (role in ('organizer', 'moderator')),
    invited_by bigint not null references staff (staff_id),
    created_at bigint not null,
    expires_at bigint not null,
    used_at bigint
);

-- Recurring inter-sessional meetings: an RFC 5545 RRULE anchored at a local wall-clock start
-- in an IANA zone, so occurrences keep their local time across daylight-saving changes.
create table meeting_series (
    series_id integer primary key,
    slug text not null unique,
    coalition_id bigint references coalition (coalition_id),
    title text not null,
    description text not null default '',
    time_zone text not null,
    -- Local wall-clock start of the first occurrence, 'YYYY-MM-DDTHH:MM:SS'.
    first_start_local text not null,
    duration_minutes bigint not null check (duration_minutes > 0),
    rrule text not null,
    online_join_url text not null default '',
    created_at bigint not null,
    -- Bumped by every change to the series or its exceptions (feeds derive SEQUENCE from it).
    updated_at bigint not null default 0
);

create table series_exception (
    series_id bigint not null references meeting_series (series_id) on delete cascade,
    -- The instant the occurrence would have started by the rule (its RECURRENCE-ID).
    original_start bigint not null,
    kind text not null check (kind in ('moved', 'cancelled')),
    starts_at bigint,
    ends_at bigint,
    note text not null default '',
    primary key (series_id, original_start),
    check ((kind = 'cancelled') or (starts_at is not null and ends_at > starts_at))
);

-- "My schedule": anonymous, reachable only through a secret link whose SHA-256 is stored.
create table personal_schedule (
    personal_schedule_id integer primary key,
    token_hash text not null unique,
    created_at bigint not null
);

create table personal_schedule_item (
    personal_schedule_id bigint not null references personal_schedule (personal_schedule_id) on delete cascade,
    session_id bigint not null references session (session_id) on delete cascade,
    primary key (personal_schedule_id, session_id)
);

-- Feed keys: organizer-issued secrets that unlock online join links in calendar feeds.
create table feed_key (
    token_hash text primary key,
    label text not null,
    created_by bigint not null references staff (staff_id),
    created_at bigint not null,
    revoked_at bigint
);
