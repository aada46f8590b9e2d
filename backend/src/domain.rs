//! Pure domain logic, free of I/O: the programme's vocabulary, conflicts, recurrence, rotation.

pub mod conflicts;
pub mod qa;
pub mod recurrence;
pub mod rotation;
pub mod schedule;
