-- Every foreign key found by index from the referencing side (SQLite flavour; keep in step
-- with postgres/0010).
-- Deleting or re-keying a row makes the database look up the rows that refer to it (to cascade,
-- set null, or refuse), and without an index on the referring column each lookup reads the whole
-- referring table. Questions point at the question they were merged into, so deleting
-- participants (the retention purge, a session's deletion) read every stored question once per
-- question deleted: 2,000 participants with 4,000 questions, among 20,000 stored, took
-- 8.2–9.1 s in one write transaction that holds up every live writer, and 0.13–0.17 s with
-- these indexes (docs/BENCHMARKS.md). The others are the same gap on smaller tables. Only
-- references to the directory tables (staff, coalition, venue, session type: a few rows, hardly
-- ever deleted) stay without one; backend/tests/api/schema.rs checks the rule.
-- Columns that are mostly empty get partial indexes: an equality lookup implies not null.
create index question_merged_into on question (merged_into) where merged_into is not null;
create index report_question on report (question_id) where question_id is not null;
create index report_reporter on report (reporter_participant_id)
    where reporter_participant_id is not null;
create index backstage_note_session on backstage_note (session_id);
create index conflict_override_session on conflict_override (session_id);
create index personal_schedule_item_session on personal_schedule_item (session_id);
create index outcome_segment_segment on outcome_segment (segment_id);
create index outcome_question_question on outcome_question (archived_question_id);
create index carried_question_question on carried_question (archived_question_id);
create index carried_question_meeting on carried_question (meeting_id) where meeting_id is not null;
create index carried_question_action_item on carried_question (action_item_id)
    where action_item_id is not null;
create index minutes_approved_in on minutes (approved_in_meeting_id)
    where approved_in_meeting_id is not null;
create index meeting_action_action_item on meeting_action (action_item_id)
    where action_item_id is not null;
