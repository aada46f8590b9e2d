-- Questions by their asker (PostgreSQL flavour; keep in step with sqlite/0009).
-- Every participant's socket asks whether its participant has asked anything (to share the
-- public snapshot), and erasure, the data export and deleting a participant look questions up
-- the same way. Without this each of those read the whole question table, every session's:
-- 3.7 ms a socket with 20,000 questions stored, against 10 µs with it (docs/BENCHMARKS.md).
create index question_participant on question (participant_id);
