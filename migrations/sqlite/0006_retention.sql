-- Retention (SQLite flavour; keep in step with postgres/0006).
-- Per-event overrides of the configured retention periods, in days after the event's last day.
create table event_retention (
    event_id bigint primary key references event (event_id) on delete cascade,
    live_days bigint check (live_days >= 0),
    participant_days bigint check (participant_days >= 0),
    report_days bigint check (report_days >= 0),
    audit_days bigint check (audit_days >= 0)
);

-- What the purge job removed: when, which class, how many rows; never content.
create table purge_log (
    purge_id integer primary key,
    at bigint not null,
    event_id bigint,
    class text not null,
    rows_removed bigint not null
);

-- The audit log stays append-only for the application; only the retention job, inside its
-- own transaction, lifts the guard to remove rows past their retention.
create table purge_guard (
    id integer primary key check (id = 1),
    active bigint not null default 0 check (active in (0, 1))
);
insert into purge_guard (id, active) values (1, 0);

drop trigger audit_log_no_delete;
create trigger audit_log_no_delete before delete on audit_log
when (select active from purge_guard where id = 1) = 0
begin
    select raise(abort, 'audit_log is append-only');
end;
