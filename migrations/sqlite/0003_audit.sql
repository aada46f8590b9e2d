-- The moderation and safeguarding audit log, SQLite flavour (keep in step with postgres/0003).
-- Who did what to which target, when, and the reason code: never the content itself.
-- Append-only: triggers refuse every update and delete.
create table audit_log (
    audit_id integer primary key,
    at bigint not null,
    -- 'staff:<id>' (or 'system' for the demo loader and background jobs).
    actor text not null,
    action text not null,
    -- 'question:<id>', 'floor_entry:<id>', 'session:<id>', 'participant:<id>'.
    target text not null,
    -- A reason code or the new setting ('off_topic', 'paused', 'post'); never free text.
    reason text not null default '',
    -- No cascade: a session with an audit trail is never deleted (it is cancelled instead).
    session_id bigint references session (session_id)
);
create index audit_log_session on audit_log (session_id, audit_id);

create trigger audit_log_no_update before update on audit_log
begin
    select raise(abort, 'audit_log is append-only');
end;

create trigger audit_log_no_delete before delete on audit_log
begin
    select raise(abort, 'audit_log is append-only');
end;
