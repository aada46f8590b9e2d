-- Archives: transcripts, session reports, meetings' minutes, outcomes and the action plan's
-- progress. SQLite flavour; keep in step with postgres/0007_archive.sql.
-- Everything an observer reads months later lives here, outside the live tables that
-- retention purges: a question enters the archive as a copy without its asker.

-- A coalition's former names: old slugs keep resolving after a rename.
create table coalition_alias (
    slug text primary key,
    coalition_id bigint not null references coalition (coalition_id) on delete cascade,
    name text not null,
    -- The last day the name was in use ('YYYY-MM-DD'), when known.
    until_on text
);

-- Staff who keep a session's record: captioners stream caption lines, rapporteurs write the
-- report, the outcomes and the redactions. Organizers may do both in any session.
create table session_scribe (
    session_id bigint not null references session (session_id) on delete cascade,
    staff_id bigint not null references staff (staff_id) on delete cascade,
    role text not null check (role in ('captioner', 'rapporteur')),
    primary key (session_id, staff_id, role)
);

-- Hours after a session's end by which its report is due (the IGF asks within two weeks).
alter table event add column report_due_hours bigint not null default 336 check (report_due_hours >= 0);

-- Action items: who carries each, by when, and how far it has come (0-100).
alter table action_item add column owner text not null default '';
alter table action_item add column due_on text;
alter table action_item add column progress bigint not null default 0 check (progress >= 0 and progress <= 100);

-- Dated progress of an action item, newest last; the item's status and progress are the latest.
create table action_item_update (
    update_id integer primary key,
    action_item_id bigint not null references action_item (action_item_id) on delete cascade,
    on_date text not null,
    status text not null
        check (status in ('not_started', 'in_progress', 'ongoing', 'completed', 'dropped')),
    progress bigint not null check (progress >= 0 and progress <= 100),
    note text not null default '',
    evidence_url text not null default '',
    staff_id bigint references staff (staff_id) on delete set null,
    created_at bigint not null
);
create index action_item_update_item on action_item_update (action_item_id, on_date);

-- One transcript per session: live caption lines, or imported from the IGF's raw transcript
-- page, WebVTT or SRT. Only a published transcript is public.
create table transcript (
    transcript_id integer primary key,
    session_id bigint not null unique references session (session_id) on delete cascade,
    language text not null default 'en',
    source text not null check (source in ('live', 'igf_html', 'webvtt', 'srt')),
    status text not null default 'raw'
        check (status in ('raw', 'in_redaction', 'published', 'withdrawn')),
    -- Why it was withdrawn, or any note shown with it.
    status_note text not null default '',
    -- Unix milliseconds that segment times count from (live: the first caption line).
    time_origin_ms bigint,
    published_at bigint,
    created_at bigint not null,
    updated_at bigint not null
);

create table transcript_segment (
    segment_id integer primary key,
    transcript_id bigint not null references transcript (transcript_id) on delete cascade,
    position bigint not null,
    -- Milliseconds from the transcript's origin; null when the source has no times.
    starts_ms bigint,
    ends_ms bigint,
    speaker text not null default '',
    kind text not null check (kind in ('speech', 'stage_note')),
    source text not null check (source in ('captioner', 'imported')),
    text text not null,
    created_at bigint not null,
    unique (transcript_id, position)
);

-- A span of a segment's text hidden from the public transcript: offsets count Unicode scalar
-- values, end exclusive.
create table transcript_redaction (
    redaction_id integer primary key,
    segment_id bigint not null references transcript_segment (segment_id) on delete cascade,
    start_char bigint not null,
    end_char bigint not null,
    reason text not null check (reason in ('personal_data', 'young_participant', 'other')),
    staff_id bigint references staff (staff_id) on delete set null,
    created_at bigint not null,
    check (start_char >= 0 and end_char > start_char)
);
create index transcript_redaction_segment on transcript_redaction (segment_id);

-- The rapporteur's report in the IGF's shape. Key takeaways and calls to action are outcomes.
create table session_report (
    session_id bigint primary key references session (session_id) on delete cascade,
    summary text not null default '',
    onsite_participants bigint check (onsite_participants >= 0),
    online_participants bigint check (online_participants >= 0),
    speakers bigint check (speakers >= 0),
    women_speakers bigint check (women_speakers >= 0),
    moderators bigint check (moderators >= 0),
    women_moderators bigint check (women_moderators >= 0),
    gender_discussed bigint check (gender_discussed in (0, 1)),
    gender_note text not null default '',
    status text not null default 'draft' check (status in ('draft', 'submitted')),
    submitted_at bigint,
    submitted_by bigint references staff (staff_id) on delete set null,
    updated_at bigint not null
);

-- One occurrence of a recurring inter-sessional call, made a row once it has an agenda,
-- minutes or actions. original_start is the occurrence's RECURRENCE-ID instant.
create table meeting (
    meeting_id integer primary key,
    series_id bigint not null references meeting_series (series_id) on delete cascade,
    original_start bigint not null,
    unique (series_id, original_start)
);

-- Agenda items an organizer adds; approving the previous minutes, open actions and carried
-- questions are added to every agenda by the application.
create table agenda_item (
    agenda_item_id integer primary key,
    meeting_id bigint not null references meeting (meeting_id) on delete cascade,
    position bigint not null,
    title text not null,
    unique (meeting_id, position)
);

-- Minutes of a meeting, versioned. content is JSON: attendee count and organisations,
-- apologies, the agenda as taken and the discussion. Decisions are outcomes and action
-- assignments are meeting_action rows, so they can be linked and tracked.
create table minutes (
    minutes_id integer primary key,
    meeting_id bigint not null references meeting (meeting_id) on delete cascade,
    version bigint not null check (version >= 1),
    status text not null default 'draft' check (status in ('draft', 'in_review', 'approved', 'locked')),
    content text not null,
    -- The meeting whose agenda approved these minutes.
    approved_in_meeting_id bigint references meeting (meeting_id) on delete set null,
    approved_at bigint,
    created_by bigint references staff (staff_id) on delete set null,
    created_at bigint not null,
    updated_at bigint not null,
    unique (meeting_id, version)
);

-- An action assigned in a meeting: owner, due date, status. Open ones appear on the next
-- meeting's agenda. It may serve an action item of the plan.
create table meeting_action (
    meeting_action_id integer primary key,
    meeting_id bigint not null references meeting (meeting_id) on delete cascade,
    text text not null,
    owner text not null,
    due_on text,
    status text not null default 'open' check (status in ('open', 'done', 'dropped')),
    action_item_id bigint references action_item (action_item_id) on delete set null,
    created_at bigint not null,
    updated_at bigint not null
);
create index meeting_action_meeting on meeting_action (meeting_id);

-- A question kept for the record: its text and votes, never its asker. Answered questions of
-- a session are archived when the session ends (or by its rapporteur); unanswered ones when
-- they are carried forward. question_id has no foreign key: the live row may be purged.
create table archived_question (
    archived_question_id integer primary key,
    session_id bigint not null references session (session_id) on delete cascade,
    question_id bigint not null unique,
    text text not null,
    votes bigint not null default 0,
    status text not null check (status in ('answered', 'unanswered')),
    asked_at bigint not null,
    archived_at bigint not null
);
create index archived_question_session on archived_question (session_id);

-- An unanswered question carried forward to a later meeting's agenda or attached to an
-- action item.
create table carried_question (
    carried_question_id integer primary key,
    archived_question_id bigint not null references archived_question (archived_question_id) on delete cascade,
    meeting_id bigint references meeting (meeting_id) on delete cascade,
    action_item_id bigint references action_item (action_item_id) on delete cascade,
    note text not null default '',
    addressed bigint not null default 0 check (addressed in (0, 1)),
    created_by bigint references staff (staff_id) on delete set null,
    created_at bigint not null,
    check ((meeting_id is null) <> (action_item_id is null))
);

-- What a session or meeting concluded.
create table outcome (
    outcome_id integer primary key,
    kind text not null check (kind in ('key_takeaway', 'call_to_action', 'decision', 'recommendation')),
    session_id bigint references session (session_id) on delete cascade,
    meeting_id bigint references meeting (meeting_id) on delete cascade,
    position bigint not null default 0,
    text text not null,
    created_by bigint references staff (staff_id) on delete set null,
    created_at bigint not null,
    updated_at bigint not null,
    check ((session_id is null) <> (meeting_id is null))
);
create index outcome_session on outcome (session_id);
create index outcome_meeting on outcome (meeting_id);

-- How an outcome moved an action item.
create table outcome_action_item (
    outcome_id bigint not null references outcome (outcome_id) on delete cascade,
    action_item_id bigint not null references action_item (action_item_id) on delete cascade,
    relation text not null check (relation in ('advances', 'proposes', 'completes', 'evidence')),
    created_at bigint not null,
    primary key (outcome_id, action_item_id)
);
create index outcome_action_item_item on outcome_action_item (action_item_id);

-- Where an outcome came from: transcript passages and questions.
create table outcome_segment (
    outcome_id bigint not null references outcome (outcome_id) on delete cascade,
    segment_id bigint not null references transcript_segment (segment_id) on delete cascade,
    primary key (outcome_id, segment_id)
);

create table outcome_question (
    outcome_id bigint not null references outcome (outcome_id) on delete cascade,
    archived_question_id bigint not null references archived_question (archived_question_id) on delete cascade,
    primary key (outcome_id, archived_question_id)
);
