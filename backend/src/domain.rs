//! Pure domain logic, free of I/O: the programme's vocabulary, conflicts, recurrence, rotation.

pub mod conflicts;
pub mod schedule;
