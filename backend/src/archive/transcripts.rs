//! See `crate::archive`. Transcripts: caption lines, imports, exports, status, redaction.
//! (Being written: routes are added by this module's owner. [`published`] is the read model
//! the archive pages, search and exports use.)

use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use crate::domain::redact;
use crate::http::AppState;
use crate::http::error::AppError;
use crate::store::Db;

/// This module's JSON routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}

/// This module's routes outside the JSON API.
pub fn plain_router() -> axum::Router<AppState> {
    axum::Router::new()
}

/// The standard notice every transcript view and export carries.
pub const DISCLAIMER: &str = "This raw transcript was made by real-time captioning during the \
session. It may hold errors, and gaps where speech was inaudible or too fast. It is offered as an \
aid to following the discussion, not as an authoritative record of what was said.";

/// One line of a published transcript, with its redactions applied.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicSegment {
    pub segment_id: i64,
    pub position: i64,
    /// Milliseconds from the start of the transcript, when the source had times.
    pub starts_ms: Option<i64>,
    pub ends_ms: Option<i64>,
    pub speaker: String,
    /// `speech` or `stage_note`.
    pub kind: String,
    pub text: String,
}

/// A session's transcript as the public may read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicTranscript {
    pub transcript_id: i64,
    pub session_id: i64,
    pub language: String,
    /// `live`, `igf_html`, `webvtt` or `srt`.
    pub source: String,
    pub published_at: i64,
    pub disclaimer: &'static str,
    pub segments: Vec<PublicSegment>,
}

/// The session's transcript if it is published, redactions applied; `None` otherwise.
pub async fn published(db: &Db, session_id: i64) -> Result<Option<PublicTranscript>, AppError> {
    let Some(t) = sqlx::query(
        "select transcript_id, language, source, published_at from transcript \
         where session_id = $1 and status = 'published'",
    )
    .bind(session_id)
    .fetch_optional(&db.pool)
    .await?
    else {
        return Ok(None);
    };
    let transcript_id: i64 = t.try_get(0)?;
    let rows = sqlx::query(
        "select segment_id, position, starts_ms, ends_ms, speaker, kind, text \
         from transcript_segment where transcript_id = $1 order by position",
    )
    .bind(transcript_id)
    .fetch_all(&db.pool)
    .await?;
    let spans = sqlx::query(
        "select r.segment_id, r.start_char, r.end_char from transcript_redaction r \
         join transcript_segment s on s.segment_id = r.segment_id where s.transcript_id = $1",
    )
    .bind(transcript_id)
    .fetch_all(&db.pool)
    .await?;
    let mut by_segment: std::collections::HashMap<i64, Vec<(usize, usize)>> = Default::default();
    for r in spans {
        let (s, e): (i64, i64) = (r.try_get(1)?, r.try_get(2)?);
        by_segment
            .entry(r.try_get(0)?)
            .or_default()
            .push((s.max(0) as usize, e.max(0) as usize));
    }
    let mut segments = Vec::with_capacity(rows.len());
    for r in rows {
        let segment_id: i64 = r.try_get(0)?;
        let text: String = r.try_get(6)?;
        let text = match by_segment.get(&segment_id) {
            Some(spans) => redact::apply(&text, spans),
            None => text,
        };
        segments.push(PublicSegment {
            segment_id,
            position: r.try_get(1)?,
            starts_ms: r.try_get(2)?,
            ends_ms: r.try_get(3)?,
            speaker: r.try_get(4)?,
            kind: r.try_get(5)?,
            text,
        });
    }
    Ok(Some(PublicTranscript {
        transcript_id,
        session_id,
        language: t.try_get(1)?,
        source: t.try_get(2)?,
        published_at: t.try_get(3)?,
        disclaimer: DISCLAIMER,
        segments,
    }))
}
