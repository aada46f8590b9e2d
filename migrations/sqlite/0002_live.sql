-- Live moderated Q&A, SQLite flavour. Keep in step with migrations/postgres/0002_live.sql.
-- Every change to a live session is written together with a live_event row carrying the
-- session's next sequence number (live_session.last_seq), in one transaction.

-- The live state of a programme session; created the first time anyone opens it live.
create table live_session (
    session_id bigint primary key references session (session_id) on delete cascade,
    -- Short code shown on the presenter screen; /j/CODE leads to the live page.
    join_code text not null unique,
    qa_state text not null default 'open' check (qa_state in ('closed', 'open', 'voting_only', 'paused')),
    moderation text not null default 'pre' check (moderation in ('pre', 'post')),
    floor_order text not null default 'first_come' check (floor_order in ('first_come', 'balanced')),
    on_screen_question_id bigint,
    last_seq bigint not null default 0,
    created_at bigint not null
);

-- Staff accounts assigned to moderate a session (organizers may moderate any session).
create table session_moderator (
    session_id bigint not null references session (session_id) on delete cascade,
    staff_id bigint not null references staff (staff_id) on delete cascade,
    role text not null check (role in ('onsite_moderator', 'online_moderator')),
    primary key (session_id, staff_id)
);

-- A participant of one live session: a pseudonymous handle, an age band, nothing else required.
-- The browser keeps a random token in a cookie; only its SHA-256 is stored.
create table participant (
    participant_id integer primary key,
    session_id bigint not null references session (session_id) on delete cascade,
    token_hash text not null unique,
    handle text not null,
    -- The handle's confusable skeleton (UTS #39), so look-alike handles are refused.
    handle_key text not null,
    age_band text not null check (age_band in ('under_13', '13_15', '16_17', '18_plus')),
    attendance text not null check (attendance in ('onsite', 'online', 'remote_hub')),
    stakeholder_group text check (stakeholder_group in
        ('government', 'civil_society', 'private_sector', 'technical_community', 'academia', 'intergovernmental')),
    regional_group text check (regional_group in
        ('african', 'asia_pacific', 'eastern_european', 'grulac', 'weog')),
    accepted_code_of_conduct_at bigint not null,
    created_at bigint not null,
    unique (session_id, handle_key)
);

create table question (
    question_id integer primary key,
    session_id bigint not null references session (session_id) on delete cascade,
    participant_id bigint not null references participant (participant_id) on delete cascade,
    text text not null,
    -- Hide the handle from other participants (moderators still see it).
    anonymous bigint not null default 0 check (anonymous in (0, 1)),
    status text not null check (status in ('pending', 'approved', 'answered', 'dismissed', 'merged', 'withdrawn')),
    dismiss_reason text check (dismiss_reason in
        ('off_topic', 'duplicate', 'already_answered', 'not_a_question', 'contact_details', 'breaks_code_of_conduct', 'out_of_time')),
    merged_into bigint references question (question_id),
    -- Why the question was held for review whatever the moderation mode ('' when it was not).
    held_for text not null default '',
    label text not null default '',
    pinned bigint not null default 0 check (pinned in (0, 1)),
    reply text not null default '',
    edited bigint not null default 0 check (edited in (0, 1)),
    votes bigint not null default 0,
    created_at bigint not null,
    approved_at bigint,
    answered_at bigint,
    updated_at bigint not null
);
create index question_session on question (session_id, status);

create table question_vote (
    question_id bigint not null references question (question_id) on delete cascade,
    participant_id bigint not null references participant (participant_id) on delete cascade,
    created_at bigint not null,
    primary key (question_id, participant_id)
);
create index question_vote_participant on question_vote (participant_id);

-- The floor queue ("raise hand"): one first-come queue per session.
create table floor_entry (
    floor_entry_id integer primary key,
    session_id bigint not null references session (session_id) on delete cascade,
    participant_id bigint not null references participant (participant_id) on delete cascade,
    -- 'called' is the one person who has the floor now; 'spoke' is anyone called before them.
    status text not null check (status in ('waiting', 'called', 'spoke', 'skipped', 'withdrawn', 'cleared')),
    created_at bigint not null,
    called_at bigint
);
create index floor_entry_session on floor_entry (session_id, status, floor_entry_id);

-- Notes between the on-site and the online moderator, never shown to participants.
create table backstage_note (
    backstage_note_id integer primary key,
    session_id bigint not null references session (session_id) on delete cascade,
    staff_id bigint not null references staff (staff_id),
    text text not null,
    created_at bigint not null
);

-- The append-only log of a session's live changes. Payloads are the exact JSON frames sent:
-- to everyone, to moderators, and to the participants a change concerns (a JSON array of
-- [participant_id, frame] pairs). A null payload means that audience is not told.
create table live_event (
    session_id bigint not null references session (session_id) on delete cascade,
    seq bigint not null,
    kind text not null,
    for_all text,
    for_moderators text,
    for_owners text,
    created_at bigint not null,
    primary key (session_id, seq)
);

-- What each client-made id produced, so a retried submission returns the original result.
create table live_command (
    session_id bigint not null references session (session_id) on delete cascade,
    -- 'p:<participant_id>' or 's:<staff_id>'.
    actor text not null,
    client_id text not null,
    result text not null,
    created_at bigint not null,
    primary key (session_id, actor, client_id)
);
