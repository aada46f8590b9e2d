//! The transcript routes: the public read of a published transcript, the staff read, import,
//! status changes, redactions and their suggestions (JSON, described in the OpenAPI document),
//! and the WebVTT, text and JSON downloads (public for published transcripts, raw for staff).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::export::{self, Line};
use super::import::Format;
use super::suggest::Suggestion;
use super::{
    ImportRequest, PublicTranscript, Redaction, RedactionRequest, StaffTranscript, TranscriptStatus,
};
use crate::auth::{MaybeStaff, Staff};
use crate::http::AppState;
use crate::http::error::{AppError, ErrorBody};
use crate::http::extract::{Json, Query};

/// The transcript routes with their OpenAPI description.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_published_transcript))
        .routes(routes!(get_staff_transcript))
        .routes(routes!(import_transcript))
        .routes(routes!(change_transcript_status))
        .routes(routes!(list_redaction_suggestions))
        .routes(routes!(add_transcript_redaction))
        .routes(routes!(remove_transcript_redaction))
}

/// The downloads.
pub fn plain_router() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route(
            "/archive/sessions/{session_id}/transcript.vtt",
            get(public_vtt),
        )
        .route(
            "/archive/sessions/{session_id}/transcript.txt",
            get(public_text),
        )
        .route(
            "/archive/sessions/{session_id}/transcript.json",
            get(public_json),
        )
        .route("/live/{session_id}/transcript.vtt", get(staff_vtt))
        .route("/live/{session_id}/transcript.txt", get(staff_text))
        .route("/live/{session_id}/transcript.json", get(staff_json))
}

fn signed_in(staff: Option<Staff>) -> Result<Staff, AppError> {
    staff.ok_or(AppError::Unauthorized)
}

/// The staff member who may read the session's unpublished transcript.
async fn reader(
    state: &AppState,
    staff: Option<Staff>,
    session_id: i64,
) -> Result<Staff, AppError> {
    super::require_session(&state.db, session_id).await?;
    let staff = signed_in(staff)?;
    if super::may_read_raw(&state.db, &staff, session_id).await? {
        Ok(staff)
    } else {
        Err(AppError::Forbidden)
    }
}

/// A 410 telling why a published transcript was taken down, or a 404.
fn gone_or_missing(note: Option<String>) -> Response {
    match note {
        Some(reason) => (
            StatusCode::GONE,
            axum::Json(ErrorBody {
                error: "withdrawn",
                message: format!("This transcript was withdrawn: {reason}"),
                fields: vec![],
                conflicts: vec![],
            }),
        )
            .into_response(),
        None => AppError::NotFound.into_response(),
    }
}

async fn public_or_gone(
    state: &AppState,
    session_id: i64,
) -> Result<Result<PublicTranscript, Response>, AppError> {
    match super::published(&state.db, session_id).await? {
        Some(t) => Ok(Ok(t)),
        None => Ok(Err(gone_or_missing(
            super::withdrawal_note(&state.db, session_id).await?,
        ))),
    }
}

#[utoipa::path(get, path = "/api/sessions/{session_id}/transcript", tag = "archive",
    params(("session_id" = i64, Path)),
    responses((status = 200, body = PublicTranscript, description = "The published transcript, redactions applied"),
        (status = 404, body = ErrorBody, description = "No such session, or its transcript is not published"),
        (status = 410, body = ErrorBody, description = "The transcript was withdrawn; the message says why")))]
async fn get_published_transcript(
    State(state): State<AppState>,
    Path(session_id): Path<i64>,
) -> Result<Response, AppError> {
    Ok(match public_or_gone(&state, session_id).await? {
        Ok(t) => axum::Json(t).into_response(),
        Err(response) => response,
    })
}

#[utoipa::path(get, path = "/api/sessions/{session_id}/transcript/staff", tag = "archive",
    params(("session_id" = i64, Path)),
    responses((status = 200, body = StaffTranscript, description = "The transcript as captioned or imported, with its redactions"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody, description = "Not a rapporteur, captioner or organizer of the session"),
        (status = 404, body = ErrorBody, description = "No such session, or it has no transcript")))]
async fn get_staff_transcript(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    Path(session_id): Path<i64>,
) -> Result<axum::Json<StaffTranscript>, AppError> {
    reader(&state, staff, session_id).await?;
    Ok(axum::Json(
        super::staff_transcript(&state.db, session_id)
            .await?
            .ok_or(AppError::NotFound)?,
    ))
}

/// Options of an import.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `igf_html`, `webvtt` or `srt`; needed when the content type does not say (`text/plain`).
    pub format: Option<String>,
    /// Replace the session's raw or in-redaction transcript (and its redactions).
    pub replace: Option<bool>,
    /// The transcript's language tag (default `en`).
    pub language: Option<String>,
}

/// The format of an upload: `?format=` first, then the content type, then the file name.
pub fn upload_format(
    format: Option<&str>,
    content_type: Option<&str>,
    file_name: Option<&str>,
) -> Result<Format, AppError> {
    if let Some(name) = format.filter(|f| !f.trim().is_empty()) {
        return Format::parse(name)
            .ok_or_else(|| AppError::field("format", "must be igf_html, webvtt or srt"));
    }
    content_type
        .and_then(Format::from_media_type)
        .or_else(|| file_name.and_then(Format::from_file_name))
        .ok_or_else(|| {
            AppError::field(
                "format",
                "say which format the file is in: send it as text/html, text/vtt or application/x-subrip, or add ?format=igf_html, webvtt or srt",
            )
        })
}

#[utoipa::path(post, path = "/api/sessions/{session_id}/transcript/import", tag = "archive",
    params(("session_id" = i64, Path), ImportQuery),
    request_body(description = "The file itself: an IGF raw transcript page, WebVTT or SRT",
        content(("text/html"), ("text/vtt"), ("application/x-subrip"), ("text/plain"))),
    responses((status = 201, body = StaffTranscript, description = "Imported; the transcript is raw"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody, description = "Not a rapporteur or organizer of the session"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The session has a transcript: published (withdraw it first), or another (import with replace=true)"),
        (status = 413, description = "The file is larger than the 256 KiB request limit"),
        (status = 422, body = ErrorBody, description = "The file could not be read (the message names the line), or the format is unknown; nothing was stored")))]
async fn import_transcript(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    Path(session_id): Path<i64>,
    Query(query): Query<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, axum::Json<StaffTranscript>), AppError> {
    let staff = signed_in(staff)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let format = upload_format(query.format.as_deref(), content_type, None)?;
    let request = ImportRequest {
        format,
        replace: query.replace.unwrap_or(false),
        language: query.language.unwrap_or_else(|| "en".into()),
    };
    let transcript = super::import(&state.db, &staff, session_id, &request, &body).await?;
    Ok((StatusCode::CREATED, axum::Json(transcript)))
}

/// A status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// raw → in_redaction → published; published → withdrawn; withdrawn → in_redaction.
    pub status: TranscriptStatus,
    /// Why it is withdrawn (required then; shown publicly).
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/sessions/{session_id}/transcript/status", tag = "archive",
    params(("session_id" = i64, Path)), request_body = StatusChange,
    responses((status = 200, body = StaffTranscript),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The transcript cannot move to that status from where it is"),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody, description = "A withdrawal without a reason")))]
async fn change_transcript_status(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    Path(session_id): Path<i64>,
    Json(change): Json<StatusChange>,
) -> Result<axum::Json<StaffTranscript>, AppError> {
    let staff = signed_in(staff)?;
    Ok(axum::Json(
        super::set_status(&state.db, &staff, session_id, change.status, &change.note).await?,
    ))
}

/// Names to look for besides the young participants' handles.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SuggestionQuery {
    /// Names separated by commas or new lines.
    pub names: Option<String>,
}

/// Names typed into one field, one per comma or line.
pub fn split_names(raw: &str) -> Vec<String> {
    raw.split([',', '\n'])
        .map(|n| n.trim().to_string())
        .filter(|n| n.chars().count() >= 2)
        .take(50)
        .collect()
}

#[utoipa::path(get, path = "/api/sessions/{session_id}/transcript/suggestions", tag = "archive",
    params(("session_id" = i64, Path), SuggestionQuery),
    responses((status = 200, body = Vec<Suggestion>, description = "Spans to consider hiding, in reading order"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_redaction_suggestions(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    Path(session_id): Path<i64>,
    Query(query): Query<SuggestionQuery>,
) -> Result<axum::Json<Vec<Suggestion>>, AppError> {
    super::require_session(&state.db, session_id).await?;
    let staff = signed_in(staff)?;
    crate::archive::require_scribe(
        &state.db,
        &staff,
        session_id,
        crate::archive::ScribeRole::Rapporteur,
    )
    .await?;
    let names = split_names(query.names.as_deref().unwrap_or(""));
    Ok(axum::Json(
        super::suggestions(&state.db, session_id, &names).await?,
    ))
}

#[utoipa::path(post, path = "/api/sessions/{session_id}/transcript/redactions", tag = "archive",
    params(("session_id" = i64, Path)), request_body = RedactionRequest,
    responses((status = 201, body = Vec<Redaction>, description = "The spans now hidden"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody, description = "No such segment, offsets outside it, or words not in it")))]
async fn add_transcript_redaction(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    Path(session_id): Path<i64>,
    Json(request): Json<RedactionRequest>,
) -> Result<(StatusCode, axum::Json<Vec<Redaction>>), AppError> {
    let staff = signed_in(staff)?;
    let added = super::add_redaction(&state.db, &staff, session_id, &request).await?;
    Ok((StatusCode::CREATED, axum::Json(added)))
}

#[utoipa::path(delete, path = "/api/sessions/{session_id}/transcript/redactions/{redaction_id}", tag = "archive",
    params(("session_id" = i64, Path), ("redaction_id" = i64, Path)),
    responses((status = 204, description = "The span is shown again"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The transcript is published or withdrawn: its redactions stay")))]
async fn remove_transcript_redaction(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    Path((session_id, redaction_id)): Path<(i64, i64)>,
) -> Result<StatusCode, AppError> {
    let staff = signed_in(staff)?;
    super::remove_redaction(&state.db, &staff, session_id, redaction_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------------
// Downloads

/// One file in the response: its type, a file name, and how long caches may keep it.
fn file(body: String, content_type: &'static str, name: String, public: bool) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if public {
            "public, max-age=300"
        } else {
            "private, no-store"
        }),
    );
    response
}

/// A transcript as the downloads write it.
#[derive(Debug, Serialize)]
struct Download {
    session_id: i64,
    title: String,
    language: String,
    source: String,
    status: &'static str,
    published_at: Option<i64>,
    disclaimer: &'static str,
    /// Whether redacted spans are hidden (always, in public downloads).
    redactions_applied: bool,
    segments: Vec<super::PublicSegment>,
}

async fn public_download(
    state: &AppState,
    session_id: i64,
) -> Result<Result<(String, Download), Response>, AppError> {
    let title = super::require_session(&state.db, session_id).await?;
    Ok(public_or_gone(state, session_id).await?.map(|t| {
        (
            title.clone(),
            Download {
                session_id,
                title,
                language: t.language,
                source: t.source,
                status: TranscriptStatus::Published.as_str(),
                published_at: Some(t.published_at),
                disclaimer: t.disclaimer,
                redactions_applied: true,
                segments: t.segments,
            },
        )
    }))
}

/// Staff downloads: the words as captioned, redactions not applied.
async fn staff_download(
    state: &AppState,
    staff: Option<Staff>,
    session_id: i64,
) -> Result<(String, Download), AppError> {
    reader(state, staff, session_id).await?;
    let title = super::require_session(&state.db, session_id).await?;
    let t = super::staff_transcript(&state.db, session_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        title.clone(),
        Download {
            session_id,
            title,
            language: t.language,
            source: t.source,
            status: t.status.as_str(),
            published_at: t.published_at,
            disclaimer: t.disclaimer,
            redactions_applied: false,
            segments: t
                .segments
                .into_iter()
                .map(|s| super::PublicSegment {
                    segment_id: s.segment_id,
                    position: s.position,
                    starts_ms: s.starts_ms,
                    ends_ms: s.ends_ms,
                    speaker: s.speaker,
                    kind: s.kind,
                    text: s.text,
                })
                .collect(),
        },
    ))
}

fn lines(d: &Download) -> Vec<Line<'_>> {
    d.segments
        .iter()
        .map(|s| Line {
            starts_ms: s.starts_ms,
            ends_ms: s.ends_ms,
            speaker: &s.speaker,
            kind: &s.kind,
            text: &s.text,
        })
        .collect()
}

fn vtt_response(title: &str, d: &Download, public: bool) -> Response {
    match export::webvtt(title, &lines(d)) {
        Some(vtt) => file(vtt, "text/vtt; charset=utf-8", format!("session-{}.vtt", d.session_id), public),
        None => AppError::Conflict(
            "this transcript has no times (it came from an IGF transcript page), so it cannot be WebVTT; download it as text or JSON".into(),
        )
        .into_response(),
    }
}

fn text_response(title: &str, d: &Download, public: bool) -> Response {
    file(
        export::plain_text(title, &lines(d)),
        "text/plain; charset=utf-8",
        format!("session-{}.txt", d.session_id),
        public,
    )
}

fn json_response(d: &Download, public: bool) -> Result<Response, AppError> {
    let body = serde_json::to_string_pretty(d).map_err(|e| AppError::Internal(e.into()))?;
    Ok(file(
        body,
        "application/json",
        format!("session-{}-transcript.json", d.session_id),
        public,
    ))
}

/// `GET /archive/sessions/{id}/transcript.vtt`: the published transcript as WebVTT (409 when it
/// has no times).
async fn public_vtt(
    State(state): State<AppState>,
    Path(session_id): Path<i64>,
) -> Result<Response, AppError> {
    Ok(match public_download(&state, session_id).await? {
        Ok((title, d)) => vtt_response(&title, &d, true),
        Err(r) => r,
    })
}

/// `GET /archive/sessions/{id}/transcript.txt`.
async fn public_text(
    State(state): State<AppState>,
    Path(session_id): Path<i64>,
) -> Result<Response, AppError> {
    Ok(match public_download(&state, session_id).await? {
        Ok((title, d)) => text_response(&title, &d, true),
        Err(r) => r,
    })
}

/// `GET /archive/sessions/{id}/transcript.json`.
async fn public_json(
    State(state): State<AppState>,
    Path(session_id): Path<i64>,
) -> Result<Response, AppError> {
    match public_download(&state, session_id).await? {
        Ok((_, d)) => json_response(&d, true),
        Err(r) => Ok(r),
    }
}

/// `GET /live/{id}/transcript.vtt`: staff, whatever the status, redactions not applied.
async fn staff_vtt(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    Path(session_id): Path<i64>,
) -> Result<Response, AppError> {
    let (title, d) = staff_download(&state, staff, session_id).await?;
    Ok(vtt_response(&title, &d, false))
}

/// `GET /live/{id}/transcript.txt`.
async fn staff_text(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    Path(session_id): Path<i64>,
) -> Result<Response, AppError> {
    let (title, d) = staff_download(&state, staff, session_id).await?;
    Ok(text_response(&title, &d, false))
}

/// `GET /live/{id}/transcript.json`.
async fn staff_json(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    Path(session_id): Path<i64>,
) -> Result<Response, AppError> {
    let (_, d) = staff_download(&state, staff, session_id).await?;
    json_response(&d, false)
}
