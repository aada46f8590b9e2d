//! See `crate::archive`. Transcripts: caption lines, imports, exports, status, redaction.
//!
//! One transcript per session. It is made either line by line by a captioner during the session
//! (source `live`; [`store_caption`] runs inside the live engine's transaction) or imported
//! whole from a file ([`import`]: the IGF's raw transcript page, WebVTT or SRT). Its status goes
//! raw → in redaction → published, published → withdrawn (with a reason shown publicly) and
//! withdrawn → in redaction. Before publication a rapporteur hides spans of text (personal data,
//! young participants' names); [`published`] is the only public read, with those spans replaced.

pub mod api;
pub mod export;
pub mod import;
pub mod scribes;
pub mod suggest;

use serde::{Deserialize, Serialize};
use sqlx::{Any, Row, Transaction};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use super::{ScribeRole, may_keep_record};
use crate::auth::Staff;
use crate::domain::redact;
use crate::domain::text::{self, TextError};
use crate::http::AppState;
use crate::http::error::{AppError, FieldError};
use crate::store::{Db, now};
use import::{Format, ParsedSegment, SegmentKind};

/// This module's JSON routes.
pub fn router() -> OpenApiRouter<AppState> {
    api::router().merge(scribes::router())
}

/// This module's routes outside the JSON API: the WebVTT, text and JSON downloads.
pub fn plain_router() -> axum::Router<AppState> {
    api::plain_router()
}

/// The standard notice every transcript view and export carries.
pub const DISCLAIMER: &str = "This raw transcript was made by real-time captioning during the \
session. It may hold errors, and gaps where speech was inaudible or too fast. It is offered as an \
aid to following the discussion, not as an authoritative record of what was said.";

/// The longest caption line, in characters.
pub const CAPTION_CHARS: usize = 1_000;
/// The longest reason for a withdrawal.
pub const NOTE_CHARS: usize = 500;

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
    let segments = segments(db, transcript_id)
        .await?
        .into_iter()
        .map(|s| PublicSegment {
            text: s.public_text(),
            segment_id: s.segment_id,
            position: s.position,
            starts_ms: s.starts_ms,
            ends_ms: s.ends_ms,
            speaker: s.speaker,
            kind: s.kind,
        })
        .collect();
    Ok(Some(PublicTranscript {
        transcript_id,
        session_id,
        language: t.try_get(1)?,
        source: t.try_get(2)?,
        published_at: t.try_get::<Option<i64>, _>(3)?.unwrap_or_default(),
        disclaimer: DISCLAIMER,
        segments,
    }))
}

/// Why a session's transcript was withdrawn, when it was: shown where the transcript was.
pub async fn withdrawal_note(db: &Db, session_id: i64) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar(
        "select status_note from transcript where session_id = $1 and status = 'withdrawn'",
    )
    .bind(session_id)
    .fetch_optional(&db.pool)
    .await?)
}

// ---------------------------------------------------------------------------------------------
// Status

/// Where a transcript stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TranscriptStatus {
    /// As captioned or imported; staff only.
    Raw,
    /// A rapporteur is hiding personal data; staff only.
    InRedaction,
    /// Public, with its redactions applied.
    Published,
    /// Taken down again, with a reason the public sees.
    Withdrawn,
}

impl TranscriptStatus {
    /// The value stored in `transcript.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            TranscriptStatus::Raw => "raw",
            TranscriptStatus::InRedaction => "in_redaction",
            TranscriptStatus::Published => "published",
            TranscriptStatus::Withdrawn => "withdrawn",
        }
    }

    /// From the stored value.
    pub fn parse(s: &str) -> Option<TranscriptStatus> {
        match s {
            "raw" => Some(TranscriptStatus::Raw),
            "in_redaction" => Some(TranscriptStatus::InRedaction),
            "published" => Some(TranscriptStatus::Published),
            "withdrawn" => Some(TranscriptStatus::Withdrawn),
            _ => None,
        }
    }

    /// The statuses this one may move to.
    pub fn next(self) -> &'static [TranscriptStatus] {
        match self {
            TranscriptStatus::Raw => &[TranscriptStatus::InRedaction],
            TranscriptStatus::InRedaction => &[TranscriptStatus::Published],
            TranscriptStatus::Published => &[TranscriptStatus::Withdrawn],
            TranscriptStatus::Withdrawn => &[TranscriptStatus::InRedaction],
        }
    }

    /// Whether a redaction may still be taken back (only before publication).
    pub fn redactions_removable(self) -> bool {
        matches!(self, TranscriptStatus::Raw | TranscriptStatus::InRedaction)
    }
}

// ---------------------------------------------------------------------------------------------
// What staff read

/// A hidden span of a segment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Redaction {
    pub redaction_id: i64,
    pub segment_id: i64,
    /// Offsets in Unicode scalar values, end exclusive.
    pub start_char: i64,
    pub end_char: i64,
    /// `personal_data`, `young_participant` or `other`.
    pub reason: String,
    /// The words hidden (staff only).
    pub hidden: String,
}

/// A segment as staff see it: the words as captioned, and as the public would read them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffSegment {
    pub segment_id: i64,
    pub position: i64,
    pub starts_ms: Option<i64>,
    pub ends_ms: Option<i64>,
    pub speaker: String,
    /// `speech` or `stage_note`.
    pub kind: String,
    /// `captioner` or `imported`.
    pub source: String,
    pub text: String,
    pub redactions: Vec<Redaction>,
}

impl StaffSegment {
    /// The text with its redactions applied.
    pub fn public_text(&self) -> String {
        if self.redactions.is_empty() {
            return self.text.clone();
        }
        let spans: Vec<(usize, usize)> = self
            .redactions
            .iter()
            .map(|r| (r.start_char.max(0) as usize, r.end_char.max(0) as usize))
            .collect();
        redact::apply(&self.text, &spans)
    }
}

/// A session's transcript in full, for the staff who keep the record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffTranscript {
    pub transcript_id: i64,
    pub session_id: i64,
    pub language: String,
    /// `live`, `igf_html`, `webvtt` or `srt`.
    pub source: String,
    pub status: TranscriptStatus,
    /// The reason for a withdrawal.
    pub status_note: String,
    /// Unix milliseconds the segment times count from (live captions).
    pub time_origin_ms: Option<i64>,
    pub published_at: Option<i64>,
    pub updated_at: i64,
    pub disclaimer: &'static str,
    pub segments: Vec<StaffSegment>,
}

impl StaffTranscript {
    /// Whether every segment has a time (so WebVTT can be written).
    pub fn timed(&self) -> bool {
        !self.segments.is_empty() && self.segments.iter().all(|s| s.starts_ms.is_some())
    }
}

/// Every segment of a transcript with its redactions, in order.
async fn segments(db: &Db, transcript_id: i64) -> Result<Vec<StaffSegment>, AppError> {
    let rows = sqlx::query(
        "select segment_id, position, starts_ms, ends_ms, speaker, kind, source, text \
         from transcript_segment where transcript_id = $1 order by position",
    )
    .bind(transcript_id)
    .fetch_all(&db.pool)
    .await?;
    let spans = sqlx::query(
        "select r.redaction_id, r.segment_id, r.start_char, r.end_char, r.reason from transcript_redaction r \
         join transcript_segment s on s.segment_id = r.segment_id where s.transcript_id = $1 \
         order by r.segment_id, r.start_char",
    )
    .bind(transcript_id)
    .fetch_all(&db.pool)
    .await?;
    let mut by_segment: std::collections::HashMap<i64, Vec<Redaction>> = Default::default();
    for r in spans {
        let segment_id: i64 = r.try_get(1)?;
        by_segment.entry(segment_id).or_default().push(Redaction {
            redaction_id: r.try_get(0)?,
            segment_id,
            start_char: r.try_get(2)?,
            end_char: r.try_get(3)?,
            reason: r.try_get(4)?,
            hidden: String::new(),
        });
    }
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let segment_id: i64 = r.try_get(0)?;
        let text: String = r.try_get(7)?;
        let mut redactions = by_segment.remove(&segment_id).unwrap_or_default();
        for red in &mut redactions {
            red.hidden = text
                .chars()
                .skip(red.start_char.max(0) as usize)
                .take((red.end_char - red.start_char).max(0) as usize)
                .collect();
        }
        out.push(StaffSegment {
            segment_id,
            position: r.try_get(1)?,
            starts_ms: r.try_get(2)?,
            ends_ms: r.try_get(3)?,
            speaker: r.try_get(4)?,
            kind: r.try_get(5)?,
            source: r.try_get(6)?,
            text,
            redactions,
        });
    }
    Ok(out)
}

/// The session's transcript whatever its status, or `None` when it has none. Staff only: the
/// caller checks who asks.
pub async fn staff_transcript(
    db: &Db,
    session_id: i64,
) -> Result<Option<StaffTranscript>, AppError> {
    let Some(t) = sqlx::query(
        "select transcript_id, language, source, status, status_note, time_origin_ms, published_at, updated_at \
         from transcript where session_id = $1",
    )
    .bind(session_id)
    .fetch_optional(&db.pool)
    .await?
    else {
        return Ok(None);
    };
    let transcript_id: i64 = t.try_get(0)?;
    let status: String = t.try_get(3)?;
    Ok(Some(StaffTranscript {
        transcript_id,
        session_id,
        language: t.try_get(1)?,
        source: t.try_get(2)?,
        status: TranscriptStatus::parse(&status).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("stored transcript status {status}"))
        })?,
        status_note: t.try_get(4)?,
        time_origin_ms: t.try_get(5)?,
        published_at: t.try_get(6)?,
        updated_at: t.try_get(7)?,
        disclaimer: DISCLAIMER,
        segments: segments(db, transcript_id).await?,
    }))
}

/// The staff member may read the session's unpublished transcript: its rapporteurs and
/// captioners, and organizers.
pub async fn may_read_raw(db: &Db, staff: &Staff, session_id: i64) -> Result<bool, AppError> {
    Ok(
        may_keep_record(db, staff, session_id, ScribeRole::Rapporteur).await?
            || may_keep_record(db, staff, session_id, ScribeRole::Captioner).await?,
    )
}

/// 404 for a session that does not exist, before any question of rights.
pub async fn require_session(db: &Db, session_id: i64) -> Result<String, AppError> {
    sqlx::query_scalar("select title from session where session_id = $1")
        .bind(session_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

// ---------------------------------------------------------------------------------------------
// Import

/// What an import asks for.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub format: Format,
    /// Replace a transcript that is raw or in redaction (never a published one).
    pub replace: bool,
    /// BCP 47 language tag of the transcript (`en` when not given).
    pub language: String,
}

/// A language tag as we store it: `en`, `fr`, `ar`, `pt-BR`.
fn language_tag(raw: &str) -> Result<String, AppError> {
    let tag = raw.trim();
    let ok = (2..=12).contains(&tag.len())
        && tag
            .split('-')
            .all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
        && tag.bytes().next().is_some_and(|b| b.is_ascii_alphabetic());
    if ok {
        Ok(tag.to_string())
    } else {
        Err(AppError::field(
            "language",
            "give a language tag such as en, fr or ar",
        ))
    }
}

/// Imports a file as the session's transcript, in one transaction. Rapporteurs and organizers.
///
/// A session without a transcript gets one; a raw or in-redaction one is replaced only with
/// `replace` (its segments, and so its redactions, go); a published one never is (withdraw
/// it first); a withdrawn one may be replaced with `replace`. A file that cannot be read is a
/// 422 naming the line, and nothing is stored.
pub async fn import(
    db: &Db,
    staff: &Staff,
    session_id: i64,
    request: &ImportRequest,
    bytes: &[u8],
) -> Result<StaffTranscript, AppError> {
    require_session(db, session_id).await?;
    super::require_scribe(db, staff, session_id, ScribeRole::Rapporteur).await?;
    let language = language_tag(&request.language)?;
    let parsed =
        import::parse(request.format, bytes).map_err(|e| AppError::field("file", e.to_string()))?;
    store_import(
        db,
        session_id,
        request.format,
        &language,
        request.replace,
        &parsed,
    )
    .await?;
    staff_transcript(db, session_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Stores parsed segments as the session's transcript, in one transaction, by the rules of
/// [`import`] (whose checks of who asks the caller has made; the demo loader calls it too).
pub async fn store_import(
    db: &Db,
    session_id: i64,
    format: Format,
    language: &str,
    replace: bool,
    parsed: &[ParsedSegment],
) -> Result<i64, AppError> {
    let mut tx = db.pool.begin().await?;
    let existing =
        sqlx::query("select transcript_id, status from transcript where session_id = $1")
            .bind(session_id)
            .fetch_optional(&mut *tx)
            .await?;
    let at = now();
    if let Some(row) = existing {
        let transcript_id: i64 = row.try_get(0)?;
        let status: String = row.try_get(1)?;
        if status == TranscriptStatus::Published.as_str() {
            return Err(AppError::Conflict(
                "this session's transcript is published; withdraw it before importing another"
                    .into(),
            ));
        }
        if !replace {
            return Err(AppError::Conflict(format!(
                "this session already has a transcript ({status}); import with replace=true to replace it and its redactions"
            )));
        }
        // The segments go with their redactions and outcome links; the row stays, so its id
        // (and links to it) stay.
        sqlx::query("delete from transcript_segment where transcript_id = $1")
            .bind(transcript_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "update transcript set source = $1, status = 'raw', status_note = '', language = $2, \
             time_origin_ms = null, published_at = null, updated_at = $3 where transcript_id = $4",
        )
        .bind(format.source())
        .bind(language)
        .bind(at)
        .bind(transcript_id)
        .execute(&mut *tx)
        .await?;
        insert_segments(&mut tx, transcript_id, parsed, at).await?;
        tx.commit().await?;
        Ok(transcript_id)
    } else {
        let transcript_id: i64 = sqlx::query_scalar(
            "insert into transcript (session_id, language, source, status, created_at, updated_at) \
             values ($1, $2, $3, 'raw', $4, $4) returning transcript_id",
        )
        .bind(session_id)
        .bind(language)
        .bind(format.source())
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        insert_segments(&mut tx, transcript_id, parsed, at).await?;
        tx.commit().await?;
        Ok(transcript_id)
    }
}

async fn insert_segments(
    tx: &mut Transaction<'static, Any>,
    transcript_id: i64,
    parsed: &[ParsedSegment],
    at: i64,
) -> Result<(), AppError> {
    for (i, s) in parsed.iter().enumerate() {
        sqlx::query(
            "insert into transcript_segment (transcript_id, position, starts_ms, ends_ms, speaker, kind, source, text, created_at) \
             values ($1, $2, $3, $4, $5, $6, 'imported', $7, $8)",
        )
        .bind(transcript_id)
        .bind(i as i64 + 1)
        .bind(s.starts_ms)
        .bind(s.ends_ms)
        .bind(&s.speaker)
        .bind(s.kind.as_str())
        .bind(&s.text)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Live captions

/// Why a caption line was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptionRefusal {
    /// Not a captioner of this session (nor an organizer).
    NotCaptioner,
    /// The transcript was imported, or is published or withdrawn.
    Closed(String),
    Text(String),
}

/// A stored caption line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCaption {
    pub segment_id: i64,
    pub position: i64,
    pub starts_ms: i64,
    pub speaker: String,
    pub kind: SegmentKind,
    pub text: String,
    /// Unix seconds.
    pub at: i64,
}

/// Whether the staff member may caption the session now: an organizer, or an assigned
/// captioner, with an active account. Read inside the caller's transaction, so an assignment
/// removed a moment ago counts.
pub async fn may_caption<'e, E>(
    executor: E,
    session_id: i64,
    staff_id: i64,
) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let row = sqlx::query(
        "select 1 from staff s where s.staff_id = $1 and s.disabled = 0 and (s.role = 'organizer' \
         or exists (select 1 from session_scribe c where c.staff_id = s.staff_id and c.session_id = $2 \
         and c.role = 'captioner'))",
    )
    .bind(staff_id)
    .bind(session_id)
    .fetch_optional(executor)
    .await?;
    Ok(row.is_some())
}

/// Stores one caption line as the next segment of the session's live transcript, creating it
/// (source `live`, status `raw`, its time origin now) at the first line. Runs in the live
/// writer's transaction, so the line and its `live_event` row commit together.
pub async fn store_caption(
    tx: &mut Transaction<'static, Any>,
    session_id: i64,
    staff_id: i64,
    speaker: &str,
    kind: SegmentKind,
    raw_text: &str,
) -> Result<Result<StoredCaption, CaptionRefusal>, sqlx::Error> {
    if !may_caption(&mut **tx, session_id, staff_id).await? {
        return Ok(Err(CaptionRefusal::NotCaptioner));
    }
    let text = match text::clean(raw_text, CAPTION_CHARS, false) {
        Ok(t) => t,
        Err(e) => return Ok(Err(CaptionRefusal::Text(format!("text: {e}")))),
    };
    // A stage note, "(Applause)", is nobody's words: the speaker the captioner's page keeps
    // filled in for the next line does not go with it.
    let speaker = if kind == SegmentKind::StageNote {
        String::new()
    } else {
        match text::clean_optional(speaker, import::SPEAKER_CHARS) {
            Ok(s) => s,
            Err(e) => return Ok(Err(CaptionRefusal::Text(format!("speaker: {e}")))),
        }
    };
    let now_ms = chrono::Utc::now().timestamp_millis();
    let at = now();
    let existing = sqlx::query(
        "select transcript_id, source, status, time_origin_ms from transcript where session_id = $1",
    )
    .bind(session_id)
    .fetch_optional(&mut **tx)
    .await?;
    let (transcript_id, origin) = match existing {
        Some(row) => {
            let source: String = row.try_get(1)?;
            let status: String = row.try_get(2)?;
            if source != "live" {
                return Ok(Err(CaptionRefusal::Closed(
                    "this session's transcript was imported from a file; captions cannot be added to it".into(),
                )));
            }
            if status == "published" || status == "withdrawn" {
                return Ok(Err(CaptionRefusal::Closed(format!(
                    "this session's transcript is {status}; captions cannot be added to it"
                ))));
            }
            let transcript_id: i64 = row.try_get(0)?;
            let origin: Option<i64> = row.try_get(3)?;
            let origin = match origin {
                Some(o) => o,
                None => {
                    sqlx::query(
                        "update transcript set time_origin_ms = $1 where transcript_id = $2",
                    )
                    .bind(now_ms)
                    .bind(transcript_id)
                    .execute(&mut **tx)
                    .await?;
                    now_ms
                }
            };
            (transcript_id, origin)
        }
        None => {
            let id: i64 = sqlx::query_scalar(
                "insert into transcript (session_id, language, source, status, time_origin_ms, created_at, updated_at) \
                 values ($1, 'en', 'live', 'raw', $2, $3, $3) returning transcript_id",
            )
            .bind(session_id)
            .bind(now_ms)
            .bind(at)
            .fetch_one(&mut **tx)
            .await?;
            (id, now_ms)
        }
    };
    let position: i64 = sqlx::query_scalar(
        "select coalesce(max(position), 0) + 1 from transcript_segment where transcript_id = $1",
    )
    .bind(transcript_id)
    .fetch_one(&mut **tx)
    .await?;
    let starts_ms = (now_ms - origin).max(0);
    let segment_id: i64 = sqlx::query_scalar(
        "insert into transcript_segment (transcript_id, position, starts_ms, speaker, kind, source, text, created_at) \
         values ($1, $2, $3, $4, $5, 'captioner', $6, $7) returning segment_id",
    )
    .bind(transcript_id)
    .bind(position)
    .bind(starts_ms)
    .bind(&speaker)
    .bind(kind.as_str())
    .bind(&text)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("update transcript set updated_at = $1 where transcript_id = $2")
        .bind(at)
        .bind(transcript_id)
        .execute(&mut **tx)
        .await?;
    Ok(Ok(StoredCaption {
        segment_id,
        position,
        starts_ms,
        speaker,
        kind,
        text,
        at,
    }))
}

/// The lines a live page shows: the last `limit` segments of the session's transcript, oldest
/// first, redactions applied, each with whether it was imported. Nothing while an imported
/// transcript is unpublished or after a withdrawal: only live captions (already heard in the
/// room) and published transcripts are shown to participants.
pub async fn recent_lines(
    conn: &mut sqlx::AnyConnection,
    session_id: i64,
    limit: i64,
) -> Result<Vec<(StoredCaption, bool)>, sqlx::Error> {
    let rows = sqlx::query(
        "select s.segment_id, s.position, s.starts_ms, s.speaker, s.kind, s.text, s.created_at, s.source \
         from transcript_segment s join transcript t on t.transcript_id = s.transcript_id \
         where t.session_id = $1 and t.status <> 'withdrawn' and (t.source = 'live' or t.status = 'published') \
         order by s.position desc limit $2",
    )
    .bind(session_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let Some(oldest) = rows.last() else {
        return Ok(Vec::new());
    };
    let oldest: i64 = oldest.try_get(1)?;
    let mut spans: std::collections::HashMap<i64, Vec<(usize, usize)>> = Default::default();
    for r in sqlx::query(
        "select r.segment_id, r.start_char, r.end_char from transcript_redaction r \
         join transcript_segment s on s.segment_id = r.segment_id \
         join transcript t on t.transcript_id = s.transcript_id where t.session_id = $1 and s.position >= $2",
    )
    .bind(session_id)
    .bind(oldest)
    .fetch_all(&mut *conn)
    .await?
    {
        let (a, b): (i64, i64) = (r.try_get(1)?, r.try_get(2)?);
        spans
            .entry(r.try_get(0)?)
            .or_default()
            .push((a.max(0) as usize, b.max(0) as usize));
    }
    let mut out = Vec::with_capacity(rows.len());
    for r in rows.iter().rev() {
        let segment_id: i64 = r.try_get(0)?;
        let text: String = r.try_get(5)?;
        let kind: String = r.try_get(4)?;
        let source: String = r.try_get(7)?;
        out.push((
            StoredCaption {
                segment_id,
                position: r.try_get(1)?,
                starts_ms: r.try_get::<Option<i64>, _>(2)?.unwrap_or_default(),
                speaker: r.try_get(3)?,
                kind: SegmentKind::parse(&kind).unwrap_or(SegmentKind::Speech),
                text: match spans.get(&segment_id) {
                    Some(s) => redact::apply(&text, s),
                    None => text,
                },
                at: r.try_get(6)?,
            },
            source == "imported",
        ));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Status changes

/// Moves the session's transcript to `to` (rapporteurs and organizers). Withdrawing needs a
/// reason, shown publicly. Publishing, and withdrawing, reindex the session for search.
pub async fn set_status(
    db: &Db,
    staff: &Staff,
    session_id: i64,
    to: TranscriptStatus,
    note: &str,
) -> Result<StaffTranscript, AppError> {
    require_session(db, session_id).await?;
    super::require_scribe(db, staff, session_id, ScribeRole::Rapporteur).await?;
    let note = if to == TranscriptStatus::Withdrawn {
        text::clean(note, NOTE_CHARS, false).map_err(|e| match e {
            TextError::Empty => AppError::field(
                "note",
                "say why the transcript is withdrawn; the reason is shown publicly",
            ),
            other => AppError::field("note", other.to_string()),
        })?
    } else {
        String::new()
    };
    let mut tx = db.pool.begin().await?;
    let row = sqlx::query("select transcript_id, status from transcript where session_id = $1")
        .bind(session_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
    let transcript_id: i64 = row.try_get(0)?;
    let from: String = row.try_get(1)?;
    let from = TranscriptStatus::parse(&from)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("stored transcript status {from}")))?;
    if !from.next().contains(&to) {
        let allowed: Vec<&str> = from.next().iter().map(|s| s.as_str()).collect();
        return Err(AppError::Conflict(format!(
            "a {} transcript can move to {} only",
            from.as_str(),
            allowed.join(" or ")
        )));
    }
    if to == TranscriptStatus::Published {
        let count: i64 =
            sqlx::query_scalar("select count(*) from transcript_segment where transcript_id = $1")
                .bind(transcript_id)
                .fetch_one(&mut *tx)
                .await?;
        if count == 0 {
            return Err(AppError::Conflict(
                "an empty transcript cannot be published".into(),
            ));
        }
    }
    let at = now();
    sqlx::query(
        "update transcript set status = $1, status_note = $2, updated_at = $3, \
         published_at = case when $1 = 'published' then $3 else published_at end where transcript_id = $4",
    )
    .bind(to.as_str())
    .bind(&note)
    .bind(at)
    .bind(transcript_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    if from == TranscriptStatus::Published || to == TranscriptStatus::Published {
        // The change has landed; a failed refresh is logged, not reported as a failure.
        super::outcomes::reindex(db, super::outcomes::Owner::Session(session_id)).await;
    }
    staff_transcript(db, session_id)
        .await?
        .ok_or(AppError::NotFound)
}

// ---------------------------------------------------------------------------------------------
// Redaction

/// Why a span is hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RedactionReason {
    /// Contact details and identifiers (the detector the questions use).
    PersonalData,
    /// The name of a participant under 18.
    YoungParticipant,
    Other,
}

impl RedactionReason {
    /// The value stored in `transcript_redaction.reason`.
    pub fn as_str(self) -> &'static str {
        match self {
            RedactionReason::PersonalData => "personal_data",
            RedactionReason::YoungParticipant => "young_participant",
            RedactionReason::Other => "other",
        }
    }

    /// From a form's value.
    pub fn parse(s: &str) -> Option<RedactionReason> {
        match s {
            "personal_data" => Some(RedactionReason::PersonalData),
            "young_participant" => Some(RedactionReason::YoungParticipant),
            "other" => Some(RedactionReason::Other),
            _ => None,
        }
    }
}

/// What to hide: a span by offsets (as a suggestion gives it), or every place the exact words
/// appear in the segment.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedactionRequest {
    pub segment_id: i64,
    /// Offsets in Unicode scalar values, end exclusive (with `end_char`).
    #[serde(default)]
    pub start_char: Option<i64>,
    #[serde(default)]
    pub end_char: Option<i64>,
    /// The exact words to hide, instead of offsets.
    #[serde(default)]
    pub text: Option<String>,
    pub reason: RedactionReason,
}

/// Where `needle` appears in `haystack`, as character offsets (exact, else ignoring case).
pub fn find_spans(haystack: &str, needle: &str) -> Vec<(usize, usize)> {
    let needle = needle.trim();
    if needle.is_empty() {
        return Vec::new();
    }
    let chars: Vec<char> = haystack.chars().collect();
    let want: Vec<char> = needle.chars().collect();
    let find = |eq: &dyn Fn(char, char) -> bool| -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i + want.len() <= chars.len() {
            if chars[i..i + want.len()]
                .iter()
                .zip(&want)
                .all(|(a, b)| eq(*a, *b))
            {
                out.push((i, i + want.len()));
                i += want.len();
            } else {
                i += 1;
            }
        }
        out
    };
    let exact = find(&|a, b| a == b);
    if !exact.is_empty() {
        return exact;
    }
    find(&|a, b| a == b || a.to_lowercase().eq(b.to_lowercase()))
}

/// Hides a span (or every place given words appear) in one segment of the session's
/// transcript. Rapporteurs and organizers; allowed in any status, so personal data found after
/// publication can still be hidden (the search index is then rebuilt).
pub async fn add_redaction(
    db: &Db,
    staff: &Staff,
    session_id: i64,
    request: &RedactionRequest,
) -> Result<Vec<Redaction>, AppError> {
    require_session(db, session_id).await?;
    super::require_scribe(db, staff, session_id, ScribeRole::Rapporteur).await?;
    let row = sqlx::query(
        "select s.text, t.status from transcript_segment s join transcript t on t.transcript_id = s.transcript_id \
         where s.segment_id = $1 and t.session_id = $2",
    )
    .bind(request.segment_id)
    .bind(session_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| AppError::field("segment_id", "no such segment in this session's transcript"))?;
    let text: String = row.try_get(0)?;
    let status: String = row.try_get(1)?;
    let length = text.chars().count();
    let spans: Vec<(usize, usize)> = match (&request.text, request.start_char, request.end_char) {
        (Some(words), None, None) => {
            let found = find_spans(&text, words);
            if found.is_empty() {
                return Err(AppError::field(
                    "text",
                    "these words are not in the segment; copy them exactly as the segment reads",
                ));
            }
            found
        }
        (None, Some(s), Some(e)) => {
            let mut fields = Vec::new();
            if s < 0 || s as usize >= length {
                fields.push(FieldError::new(
                    "start_char",
                    format!("must be from 0 to {}", length.saturating_sub(1)),
                ));
            }
            if e <= s || e as usize > length {
                fields.push(FieldError::new(
                    "end_char",
                    format!("must be after start_char and at most {length}"),
                ));
            }
            if !fields.is_empty() {
                return Err(AppError::Validation(fields));
            }
            vec![(s as usize, e as usize)]
        }
        _ => {
            return Err(AppError::field(
                "text",
                "give either the words to hide (text) or both start_char and end_char",
            ));
        }
    };
    let at = now();
    let mut tx = db.pool.begin().await?;
    let mut ids = Vec::new();
    for (s, e) in spans {
        let id: i64 = sqlx::query_scalar(
            "insert into transcript_redaction (segment_id, start_char, end_char, reason, staff_id, created_at) \
             values ($1, $2, $3, $4, $5, $6) returning redaction_id",
        )
        .bind(request.segment_id)
        .bind(s as i64)
        .bind(e as i64)
        .bind(request.reason.as_str())
        .bind(staff.staff_id)
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        ids.push(id);
    }
    sqlx::query("update transcript set updated_at = $1 where session_id = $2")
        .bind(at)
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    if status == TranscriptStatus::Published.as_str() {
        // The change has landed; a failed refresh is logged, not reported as a failure.
        super::outcomes::reindex(db, super::outcomes::Owner::Session(session_id)).await;
    }
    let transcript = staff_transcript(db, session_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(transcript
        .segments
        .into_iter()
        .flat_map(|s| s.redactions)
        .filter(|r| ids.contains(&r.redaction_id))
        .collect())
}

/// Takes a redaction back, before publication only.
pub async fn remove_redaction(
    db: &Db,
    staff: &Staff,
    session_id: i64,
    redaction_id: i64,
) -> Result<(), AppError> {
    require_session(db, session_id).await?;
    super::require_scribe(db, staff, session_id, ScribeRole::Rapporteur).await?;
    let status: String = sqlx::query_scalar(
        "select t.status from transcript_redaction r join transcript_segment s on s.segment_id = r.segment_id \
         join transcript t on t.transcript_id = s.transcript_id where r.redaction_id = $1 and t.session_id = $2",
    )
    .bind(redaction_id)
    .bind(session_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let removable = TranscriptStatus::parse(&status).is_some_and(|s| s.redactions_removable());
    if !removable {
        return Err(AppError::Conflict(format!(
            "redactions of a {status} transcript stay; they can be removed only before publication"
        )));
    }
    sqlx::query("delete from transcript_redaction where redaction_id = $1")
        .bind(redaction_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Handles of the session's participants under 18, which a transcript must not publish.
pub async fn young_handles(db: &Db, session_id: i64) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar(
        "select handle from participant where session_id = $1 and age_band <> '18_plus' \
         and erased_at is null and handle <> '' order by handle",
    )
    .bind(session_id)
    .fetch_all(&db.pool)
    .await?)
}

/// Redaction suggestions for the session's transcript: personal data the question detector
/// finds, young participants' handles, and `names` the rapporteur adds. Spans already hidden are
/// left out.
pub async fn suggestions(
    db: &Db,
    session_id: i64,
    names: &[String],
) -> Result<Vec<suggest::Suggestion>, AppError> {
    let Some(transcript) = staff_transcript(db, session_id).await? else {
        return Ok(Vec::new());
    };
    let young = young_handles(db, session_id).await?;
    Ok(suggest::suggest(&transcript.segments, &young, names))
}
