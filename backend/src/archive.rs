//! Archives: what each session said, what it concluded, and how it moved the coalition's
//! action plan. Rapporteurs and captioners write the record; remote observers read it months
//! later without an account. The tables are in `migrations/*/0007_archive.sql`.
//!
//! One module per noun; each owns its JSON routes (`router`, described in the OpenAPI
//! document) and, where it serves files that are not JSON, a `plain_router`.

/// Exports: a session's record (JSON, Markdown), the plan with its evidence (JSON, CSV), the
/// schedule in the frab/c3voc JSON that conference tools exchange.
pub mod exports;
/// Inter-sessional meetings: agendas, versioned minutes, action assignments.
pub mod minutes;
/// Outcomes (key takeaways, calls to action, decisions, recommendations) and their links to
/// action items, transcript passages and questions.
pub mod outcomes;
/// The action plan: items with owners, due dates, dated progress; coalition names and aliases.
pub mod plan;
/// Questions kept for the record (without their askers) and unanswered ones carried forward.
pub mod questions;
/// Session reports in the IGF's shape, their deadline and the list of missing reports.
pub mod reports;
/// Full-text search over the public record (SQLite FTS5, PostgreSQL text search).
pub mod search;
/// Transcripts: live caption lines, imports (IGF raw transcript pages, WebVTT, SRT), exports,
/// status (raw, in redaction, published, withdrawn) and span-by-span redaction.
pub mod transcripts;

use utoipa_axum::router::OpenApiRouter;

use crate::http::AppState;

/// The archive's JSON API, with its OpenAPI description.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(transcripts::router())
        .merge(reports::router())
        .merge(outcomes::router())
        .merge(questions::router())
        .merge(minutes::router())
        .merge(plan::router())
        .merge(search::router())
        .merge(exports::router())
}

/// Archive routes that serve files other than JSON (WebVTT, text, CSV, Markdown).
pub fn plain_router() -> axum::Router<AppState> {
    axum::Router::new()
        .merge(transcripts::plain_router())
        .merge(exports::plain_router())
}
