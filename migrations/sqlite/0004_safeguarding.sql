-- Safeguarding in live sessions (sqlite flavour; keep in step with the other folder).

-- A session's safeguarding level: at 'youth', pre-moderation cannot be turned off and handles
-- are not shown to other participants. 'suspended' stops all participant activity at once.
alter table live_session add column safeguarding_level text not null default 'standard'
    check (safeguarding_level in ('standard', 'youth'));
alter table live_session add column suspended bigint not null default 0 check (suspended in (0, 1));
-- Who receives this session's reports (a staff account); organizers always can.
alter table live_session add column safeguarding_contact_staff_id bigint references staff (staff_id);

-- A participant removed by a moderator can no longer act or reconnect with their cookie.
alter table participant add column removed_at bigint;

-- Banned from an event's sessions: by the handle's confusable skeleton and by address.
create table event_ban (
    event_ban_id integer primary key,
    event_id bigint not null references event (event_id) on delete cascade,
    handle_key text not null,
    -- The address key (IPv4, or an IPv6 /64) the participant joined from.
    address_key text not null,
    staff_id bigint references staff (staff_id),
    created_at bigint not null
);
create index event_ban_event on event_ban (event_id);

-- Where participants joined from, kept only to enforce bans (the address key, never more).
alter table participant add column address_key text not null default '';

-- Reports on questions, for the session's safeguarding contact. The 'csam' category stores no
-- note and no copy of anything: it records that a referral to the national hotline is needed.
create table report (
    report_id integer primary key,
    session_id bigint not null references session (session_id) on delete cascade,
    question_id bigint references question (question_id) on delete set null,
    reporter_participant_id bigint references participant (participant_id) on delete set null,
    category text not null check (category in
        ('csam', 'grooming', 'bullying', 'personal_data', 'hate', 'spam', 'other')),
    note text not null default '',
    status text not null default 'open' check (status in ('open', 'in_review', 'referred', 'closed')),
    created_at bigint not null,
    updated_at bigint not null,
    handled_by bigint references staff (staff_id)
);
create index report_session on report (session_id, status);
