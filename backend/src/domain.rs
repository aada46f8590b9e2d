//! Pure domain logic, free of I/O: the programme's vocabulary, conflicts, recurrence, rotation,
//! and the rules of live sessions (question states, text and handle checks, contact details,
//! the floor queue's balanced order).

pub mod conflicts;
pub mod floor;
pub mod pii;
pub mod qa;
pub mod recurrence;
pub mod redact;
pub mod rotation;
pub mod schedule;
pub mod text;
