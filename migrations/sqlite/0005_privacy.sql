-- Participants' rights without an account: a personal data key given at join (its SHA-256 is
-- stored) opens an export of what they wrote and its erasure.
alter table participant add column data_key_hash text;
alter table participant add column erased_at bigint;
create unique index participant_data_key on participant (data_key_hash);

-- An erased question keeps its row (a content-free tombstone) so counts and sequence numbers
-- stay whole; its text, label and reply are emptied.
alter table question add column erased bigint not null default 0 check (erased in (0, 1));

-- Which question (and whose) a live change's frames describe, so erasure can replace exactly
-- those frames with tombstones.
alter table live_event add column question_id bigint;
alter table live_event add column subject_participant_id bigint;
create index live_event_subject on live_event (subject_participant_id);
