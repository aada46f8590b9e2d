-- A participant's questions and floor entries, found by index (SQLite flavour; keep in step
-- with postgres/0009).
-- Every participant's socket asks whether its participant has asked anything (to share the
-- public snapshot); erasure, a removal and the data export list their questions and floor
-- entries; deleting participants (the retention purge) deletes theirs. Without these, each of
-- those read the whole table, every session's: 3.7 ms a socket with 20,000 questions stored
-- against 10 µs, and 3.1 s against 0.17 s to delete 10,000 participants with 5,000 floor
-- entries, in one write transaction (docs/BENCHMARKS.md).
create index question_participant on question (participant_id);
create index floor_entry_participant on floor_entry (participant_id);
