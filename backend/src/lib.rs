//! Plenary: the event and debate platform for multistakeholder policy work.
//!
//! A tour, in the order a request meets the code:
#![forbid(unsafe_code)]

/// Archives: transcripts, reports, minutes, outcomes, the action plan's progress, search.
pub mod archive;
/// Staff accounts, password hashing, login sessions, invitations.
pub mod auth;
/// iCalendar (RFC 5545) rendering for the feeds.
pub mod calendar;
/// Start-up: command line, configuration, logging, serving and graceful shutdown.
pub mod cli;
/// Layered configuration (`config/default.toml`, `--config`, `PLENARY__SECTION__KEY`).
pub mod config;
/// Pure domain rules: vocabulary, conflicts, recurrence, fair rotation.
pub mod domain;
/// The HTTP surface: router, middleware, JSON API, health probes.
pub mod http;
/// The message catalog (Fluent, en/fr/ar), the visitor's language, and day names.
pub mod i18n;
/// Live moderated Q&A over websockets: protocol, per-session hubs, storage of live changes.
pub mod live;
/// Inter-sessional meetings: recurring series, moved and cancelled occurrences.
pub mod meetings;
/// Giving freed heap memory back to the OS after waves of connections.
pub mod memory;
/// Server-rendered pages (askama templates, embedded static files), organizer forms, staff sign-in.
pub mod pages;
/// The programme: events, rooms, session types, people, sessions, conflict checks.
pub mod programme;
/// Retention: the background job that purges data past its period, recording counts only.
pub mod retention;
/// Demo data: the coalition's action plan, an IGF week, a monthly call series.
pub mod seed;
/// Storage: one sqlx pool over SQLite or PostgreSQL, migrations.
pub mod store;
/// Logging with tracing-subscriber, human-readable or JSON.
pub mod telemetry;
