//! Live moderated Q&A: one websocket per client, one hub per session.
//!
//! A command travels: socket (parse, who may send it, rate limits) → the session's writer task
//! (one transaction per batch: checks, writes, an event row with the next sequence number) →
//! commit → acknowledgement to the sender → the frames on the session's broadcast ring → every
//! socket, which writes what its audience may see. See `docs/PROTOCOL.md`.

/// The HTTP side: joining, moderator assignments, the disposition summary, join links.
pub mod api;
/// The bus between instances: PostgreSQL LISTEN/NOTIFY wakes other instances' hubs.
pub mod bus;
/// The per-session hub: group-committing writer, broadcast ring, vote coalescing, presence.
pub mod hub;
/// Participants, moderators and join codes.
pub mod participants;
/// Participants' data rights: export and erasure with the personal data key.
pub mod privacy;
/// The frames, as serde tagged enums shared with the load test and the docs.
pub mod protocol;
/// Reports on questions, their triage by the safeguarding contact, and the reporter's view.
pub mod reports;
/// One task per websocket: handshake checks, reads, acknowledgements, fan-out, pings.
pub mod socket;
/// Applying commands in the write transaction; snapshots and replays.
pub mod store;
/// The websocket handshake, and writing frames before tungstenite takes the connection.
pub mod upgrade;

pub use hub::Live;
