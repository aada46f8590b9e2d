//! Staff pages for a session's transcript, and the live captions region the live pages share.
//!
//! - `/live/{id}/captions`: the captioner's page. A line is a form post (no script needed);
//!   with script, `static/live/captioner.js` sends it over the websocket instead (Enter sends,
//!   the speaker stays filled).
//! - `/live/{id}/transcript`: status, import, redaction suggestions and redaction, the segments;
//!   every action a plain form.
//! - `/live/{id}/scribes`: the console's form that assigns captioners and rapporteurs.

use std::time::Duration;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::organize::Choice;
use super::{Ctx, FormState, OrganizerPage, PageError, encode, render_status};
use crate::archive::transcripts::api::{split_names, upload_format};
use crate::archive::transcripts::scribes::{self, Scribe};
use crate::archive::transcripts::suggest::Suggestion;
use crate::archive::transcripts::{
    self, ImportRequest, RedactionReason, RedactionRequest, StaffTranscript, TranscriptStatus,
};
use crate::archive::{ScribeRole, may_keep_record};
use crate::auth::Staff;
use crate::http::AppState;
use crate::http::error::AppError;
use crate::live::participants::{self, LiveSessionInfo};
use crate::live::protocol::{
    CaptionKind, CaptionLine, CaptionSource, ClientFrame, Command, ErrorCode,
};
use crate::live::store::Actor;

/// This module's pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/live/{session_id}/captions",
            get(captioner_page).post(send_caption),
        )
        .route("/live/{session_id}/transcript", get(transcript_page))
        .route("/live/{session_id}/transcript/import", post(import_file))
        .route("/live/{session_id}/transcript/status", post(change_status))
        .route(
            "/live/{session_id}/transcript/redactions",
            post(add_redaction),
        )
        .route(
            "/live/{session_id}/transcript/redactions/{redaction_id}/remove",
            post(remove_redaction),
        )
        .route("/live/{session_id}/scribes", post(change_scribes))
}

// ---------------------------------------------------------------------------------------------
// The captions region of the live pages

/// One caption line as the pages draw it.
#[derive(Debug, Clone, Default)]
pub struct CaptionItem {
    pub segment_id: i64,
    pub speaker: String,
    pub text: String,
    pub stage_note: bool,
}

/// The captions region: the latest lines and where they come from.
#[derive(Debug, Clone, Default)]
pub struct CaptionsView {
    pub lines: Vec<CaptionItem>,
    /// The lines are from an imported (published) transcript, not a live captioner.
    pub imported: bool,
}

impl CaptionsView {
    /// From a snapshot's caption lines, the newest `keep`.
    pub fn from_lines(lines: &[CaptionLine], keep: usize) -> CaptionsView {
        let skip = lines.len().saturating_sub(keep);
        CaptionsView {
            imported: lines.iter().any(|l| l.source == CaptionSource::Imported),
            lines: lines
                .iter()
                .skip(skip)
                .map(|l| CaptionItem {
                    segment_id: l.segment_id,
                    speaker: l.speaker.clone(),
                    text: l.text.clone(),
                    stage_note: l.kind == CaptionKind::StageNote,
                })
                .collect(),
        }
    }

    /// The catalog key of the region's source label.
    pub fn source_key(&self) -> &'static str {
        if self.imported {
            "captions-source-imported"
        } else {
            "captions-source-captioner"
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Who may use these pages

async fn session_info(state: &AppState, session_id: i64) -> Result<LiveSessionInfo, PageError> {
    participants::ensure_live_session(&state.db, session_id).await?;
    Ok(participants::session_info(&state.db, session_id).await?)
}

fn signed_in(ctx: &Ctx, next: String) -> Result<Staff, PageError> {
    ctx.staff.clone().ok_or(PageError::Login { next })
}

/// The signed-in staff member, if they may act as `role` for the session (403 otherwise).
async fn scribe(
    state: &AppState,
    ctx: &Ctx,
    session_id: i64,
    role: ScribeRole,
    page: &str,
) -> Result<Staff, PageError> {
    let staff = signed_in(ctx, format!("/live/{session_id}/{page}"))?;
    transcripts::require_session(&state.db, session_id).await?;
    if may_keep_record(&state.db, &staff, session_id, role).await? {
        Ok(staff)
    } else {
        Err(AppError::Forbidden.into())
    }
}

// ---------------------------------------------------------------------------------------------
// The captioner's page

#[derive(Template)]
#[template(path = "transcript_captioner.html")]
struct CaptionerPage {
    ctx: Ctx,
    info: LiveSessionInfo,
    captions: CaptionsView,
    form: FormState,
    token: String,
    closed: Option<String>,
    caption_chars: usize,
    notice: Option<String>,
    strings: String,
}

#[derive(Debug, Default, Deserialize)]
struct CaptionQuery {
    speaker: Option<String>,
    kind: Option<String>,
    sent: Option<String>,
}

/// Why captioning is closed for this session, if it is.
async fn captioning_closed(
    state: &AppState,
    ctx: &Ctx,
    session_id: i64,
) -> Result<Option<String>, PageError> {
    let row: Option<(String, String)> =
        sqlx::query_as("select source, status from transcript where session_id = $1")
            .bind(session_id)
            .fetch_optional(&state.db.pool)
            .await
            .map_err(AppError::from)?;
    Ok(match row {
        Some((source, _)) if source != "live" => Some(ctx.t.get("captions-closed-imported")),
        Some((_, status)) if status == "published" || status == "withdrawn" => {
            Some(ctx.t.get("captions-closed-published"))
        }
        _ => None,
    })
}

fn caption_strings(ctx: &Ctx) -> String {
    let mut map = serde_json::Map::new();
    for key in [
        "captions-sent",
        "captions-sending",
        "live-connected",
        "live-connecting",
        "live-reconnecting",
        "live-error-forbidden",
        "live-error-invalid_text",
        "live-error-invalid_state",
        "live-error-rate_limited",
        "live-error-unavailable",
        "live-error-malformed",
    ] {
        map.insert(key.into(), ctx.t.get(key).into());
    }
    serde_json::Value::Object(map).to_string()
}

async fn render_captioner(
    state: &AppState,
    ctx: Ctx,
    session_id: i64,
    form: FormState,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let info = session_info(state, session_id).await?;
    let mut conn = state.db.pool.acquire().await.map_err(AppError::from)?;
    let lines: Vec<CaptionLine> = transcripts::recent_lines(&mut conn, session_id, 50)
        .await
        .map_err(AppError::from)?
        .into_iter()
        .map(|(c, imported)| CaptionLine {
            segment_id: c.segment_id,
            speaker: c.speaker,
            kind: if c.kind == transcripts::import::SegmentKind::StageNote {
                CaptionKind::StageNote
            } else {
                CaptionKind::Speech
            },
            text: c.text,
            starts_ms: c.starts_ms,
            at: c.at,
            source: if imported {
                CaptionSource::Imported
            } else {
                CaptionSource::Captioner
            },
        })
        .collect();
    drop(conn);
    let page = CaptionerPage {
        closed: captioning_closed(state, &ctx, session_id).await?,
        captions: CaptionsView::from_lines(&lines, 50),
        info,
        form,
        token: crate::auth::new_token().chars().take(16).collect(),
        caption_chars: transcripts::CAPTION_CHARS,
        notice,
        strings: caption_strings(&ctx),
        ctx,
    };
    render_status(status, &page)
}

/// `GET /live/{id}/captions`: the captioner's page.
async fn captioner_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(session_id): Path<i64>,
    Query(query): Query<CaptionQuery>,
) -> Result<Response, PageError> {
    scribe(&state, &ctx, session_id, ScribeRole::Captioner, "captions").await?;
    let mut form = FormState::default();
    form.set("speaker", query.speaker.unwrap_or_default());
    form.set("kind", query.kind.unwrap_or_else(|| "speech".into()));
    let notice = query.sent.is_some().then(|| ctx.t.get("captions-sent"));
    render_captioner(&state, ctx, session_id, form, notice, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
struct CaptionForm {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    speaker: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    text: String,
}

/// `POST /live/{id}/captions`: one line, without script. Goes through the session's live
/// writer like a websocket frame, so everyone connected sees it at once.
async fn send_caption(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(session_id): Path<i64>,
    Form(form): Form<CaptionForm>,
) -> Result<Response, PageError> {
    let staff = scribe(&state, &ctx, session_id, ScribeRole::Captioner, "captions").await?;
    let kind = if form.kind == "stage_note" {
        CaptionKind::StageNote
    } else {
        CaptionKind::Speech
    };
    let command = Command::Caption {
        text: form.text.clone(),
        speaker: form.speaker.clone(),
        kind,
    };
    // The session's live state exists from its first connection; a form may come first.
    participants::ensure_live_session(&state.db, session_id).await?;
    let hub = state.live.hub(session_id).await.map_err(AppError::from)?;
    let outcome = if hub.caption_limiter.check_key(&staff.staff_id).is_err() {
        Err(ErrorCode::RateLimited)
    } else {
        let client_id: String = Some(form.client_id.clone())
            .filter(|id| {
                !id.is_empty() && id.len() <= 48 && id.bytes().all(|b| b.is_ascii_graphic())
            })
            .map(|id| format!("{id}-caption"))
            .unwrap_or_else(|| crate::auth::new_token().chars().take(24).collect());
        let reply = hub
            .submit(
                Actor::Staff(staff.staff_id),
                ClientFrame { client_id, command },
            )
            .await;
        match tokio::time::timeout(Duration::from_secs(10), reply).await {
            Ok(Ok(Ok(_))) => Ok(()),
            Ok(Ok(Err(refusal))) => Err(refusal.code),
            _ => Err(ErrorCode::Unavailable),
        }
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!(
            "/live/{session_id}/captions?sent=1&kind={}&speaker={}#caption-text",
            if kind == CaptionKind::StageNote {
                "stage_note"
            } else {
                "speech"
            },
            encode(&form.speaker)
        ))
        .into_response()),
        Err(code) => {
            let mut kept = FormState::default();
            kept.set("speaker", form.speaker);
            kept.set("kind", form.kind);
            kept.set("text", form.text);
            let key = format!(
                "live-error-{}",
                serde_json::to_value(code)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            );
            kept.error_on("caption-text", ctx.t.get(&key));
            let status = match code {
                ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::InvalidState => StatusCode::CONFLICT,
                ErrorCode::Forbidden => StatusCode::FORBIDDEN,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            render_captioner(&state, ctx, session_id, kept, None, status).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The staff transcript page

/// A segment as the staff page draws it.
struct SegmentRow {
    id: i64,
    position: i64,
    time: String,
    speaker: String,
    stage_note: bool,
    text: String,
    public_text: String,
    /// (redaction id, hidden words, reason label)
    redactions: Vec<(i64, String, String)>,
}

#[derive(Template)]
#[template(path = "transcript_staff.html")]
struct TranscriptPage {
    ctx: Ctx,
    info: LiveSessionInfo,
    transcript: Option<StaffTranscript>,
    status_label: String,
    next: Vec<Choice>,
    segments: Vec<SegmentRow>,
    suggestions: Vec<(Suggestion, String)>,
    names: String,
    rapporteur: bool,
    removable: bool,
    timed: bool,
    form: FormState,
    notice: Option<String>,
    reasons: Vec<Choice>,
}

fn clock(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

// Every caller passes the page's whole state (names searched, form as posted, notice, status);
// a struct for them would only be unpacked here.
#[allow(clippy::too_many_arguments)]
async fn render_transcript(
    state: &AppState,
    ctx: Ctx,
    staff: &Staff,
    session_id: i64,
    names: String,
    form: FormState,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let info = session_info(state, session_id).await?;
    let rapporteur = may_keep_record(&state.db, staff, session_id, ScribeRole::Rapporteur).await?;
    let transcript = transcripts::staff_transcript(&state.db, session_id).await?;
    let name_list = split_names(&names);
    let suggestions = if rapporteur && transcript.is_some() {
        transcripts::suggestions(&state.db, session_id, &name_list)
            .await?
            .into_iter()
            .map(|s| {
                let label = ctx.t.term("transcript-found", &s.found);
                (s, label)
            })
            .collect()
    } else {
        Vec::new()
    };
    let reason_label = |r: &str| ctx.t.term("transcript-reason", r);
    let segments = transcript
        .as_ref()
        .map(|t| {
            t.segments
                .iter()
                .map(|s| SegmentRow {
                    id: s.segment_id,
                    position: s.position,
                    time: s.starts_ms.map(clock).unwrap_or_default(),
                    speaker: s.speaker.clone(),
                    stage_note: s.kind == "stage_note",
                    public_text: s.public_text(),
                    text: s.text.clone(),
                    redactions: s
                        .redactions
                        .iter()
                        .map(|r| (r.redaction_id, r.hidden.clone(), reason_label(&r.reason)))
                        .collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    let status_now = transcript.as_ref().map(|t| t.status);
    let page = TranscriptPage {
        status_label: status_now
            .map(|s| ctx.t.term("transcript-status", s.as_str()))
            .unwrap_or_default(),
        next: status_now
            .map(|s| {
                s.next()
                    .iter()
                    .map(|n| Choice {
                        value: n.as_str().into(),
                        label: ctx.t.term("transcript-move", n.as_str()),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        removable: status_now.is_some_and(|s| s.redactions_removable()),
        timed: transcript.as_ref().is_some_and(|t| t.timed()),
        reasons: ["personal_data", "young_participant", "other"]
            .iter()
            .map(|r| Choice {
                value: (*r).into(),
                label: reason_label(r),
            })
            .collect(),
        segments,
        suggestions,
        names,
        rapporteur,
        transcript,
        info,
        form,
        notice,
        ctx,
    };
    render_status(status, &page)
}

#[derive(Debug, Default, Deserialize)]
struct TranscriptQuery {
    names: Option<String>,
    done: Option<String>,
}

/// `GET /live/{id}/transcript`: the transcript for its rapporteurs, captioners and organizers.
async fn transcript_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(session_id): Path<i64>,
    Query(query): Query<TranscriptQuery>,
) -> Result<Response, PageError> {
    let staff = signed_in(&ctx, format!("/live/{session_id}/transcript"))?;
    transcripts::require_session(&state.db, session_id).await?;
    if !transcripts::may_read_raw(&state.db, &staff, session_id).await? {
        return Err(AppError::Forbidden.into());
    }
    let notice = query.done.map(|d| ctx.t.term("transcript-done", d));
    render_transcript(
        &state,
        ctx,
        &staff,
        session_id,
        query.names.unwrap_or_default(),
        FormState::default(),
        notice,
        StatusCode::OK,
    )
    .await
}

/// Shows a write's failure on the page: field errors next to their fields, conflicts on top.
async fn refused(
    state: &AppState,
    ctx: Ctx,
    staff: &Staff,
    session_id: i64,
    mut form: FormState,
    error: AppError,
) -> Result<Response, PageError> {
    let status = error.status_and_code().0;
    match error {
        AppError::Validation(fields) => {
            for f in fields {
                form.error_on(&f.field, f.message);
            }
        }
        AppError::Conflict(message) | AppError::BadRequest(message) => {
            form.error_on("transcript-status", message)
        }
        other => return Err(other.into()),
    }
    let names = form.value("names").to_string();
    render_transcript(state, ctx, staff, session_id, names, form, None, status).await
}

fn back(session_id: i64, done: &str, anchor: &str) -> Response {
    Redirect::to(&format!(
        "/live/{session_id}/transcript?done={done}#{anchor}"
    ))
    .into_response()
}

/// `POST /live/{id}/transcript/import`: a file upload (multipart), rapporteurs and organizers.
async fn import_file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(session_id): Path<i64>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let staff = scribe(
        &state,
        &ctx,
        session_id,
        ScribeRole::Rapporteur,
        "transcript",
    )
    .await?;
    let mut form = FormState::default();
    let mut file: Option<(Option<String>, Option<String>, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(
                    AppError::BadRequest(format!("the upload could not be read: {e}")).into(),
                );
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = field.file_name().map(str::to_string);
            let content_type = field.content_type().map(str::to_string);
            let bytes = field
                .bytes()
                .await
                .map_err(|e| AppError::BadRequest(format!("the upload could not be read: {e}")))?;
            file = Some((file_name, content_type, bytes.to_vec()));
        } else {
            let value = field
                .text()
                .await
                .map_err(|e| AppError::BadRequest(format!("the upload could not be read: {e}")))?;
            form.set(&name, value);
        }
    }
    let result = match file.filter(|(_, _, b)| !b.is_empty()) {
        None => Err(AppError::field(
            "file",
            ctx.t.get("transcript-file-missing"),
        )),
        Some((file_name, content_type, bytes)) => {
            // Browsers send text/plain or octet-stream for .vtt and .srt; the name then decides.
            let content_type = content_type.filter(|c| {
                !c.starts_with("text/plain") && !c.starts_with("application/octet-stream")
            });
            match upload_format(
                form.opt("format"),
                content_type.as_deref(),
                file_name.as_deref(),
            ) {
                Err(e) => Err(e),
                Ok(format) => {
                    let request = ImportRequest {
                        format,
                        replace: form.checked("replace"),
                        language: form.opt("language").unwrap_or("en").to_string(),
                    };
                    transcripts::import(&state.db, &staff, session_id, &request, &bytes).await
                }
            }
        }
    };
    match result {
        Ok(_) => Ok(back(session_id, "imported", "segments-heading")),
        Err(AppError::Validation(fields)) => {
            // Import errors name the form's own fields.
            let mut form = form;
            for f in fields {
                let field = if f.field == "format" || f.field == "language" {
                    f.field
                } else {
                    "file".into()
                };
                form.error_on(&field, f.message);
            }
            render_transcript(
                &state,
                ctx,
                &staff,
                session_id,
                String::new(),
                form,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => refused(&state, ctx, &staff, session_id, form, e).await,
    }
}

#[derive(Debug, Deserialize)]
struct StatusForm {
    status: String,
    #[serde(default)]
    note: String,
}

/// `POST /live/{id}/transcript/status`.
async fn change_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(session_id): Path<i64>,
    Form(form): Form<StatusForm>,
) -> Result<Response, PageError> {
    let staff = scribe(
        &state,
        &ctx,
        session_id,
        ScribeRole::Rapporteur,
        "transcript",
    )
    .await?;
    let Some(to) = TranscriptStatus::parse(&form.status) else {
        return Err(AppError::field("status", "unknown status").into());
    };
    match transcripts::set_status(&state.db, &staff, session_id, to, &form.note).await {
        Ok(_) => Ok(back(session_id, to.as_str(), "status-heading")),
        Err(e) => {
            let mut kept = FormState::default();
            kept.set("note", form.note);
            refused(&state, ctx, &staff, session_id, kept, e).await
        }
    }
}

/// `POST /live/{id}/transcript/redactions`: a suggestion accepted (offsets), or words chosen
/// by hand (`text`).
async fn add_redaction(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(session_id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let staff = scribe(
        &state,
        &ctx,
        session_id,
        ScribeRole::Rapporteur,
        "transcript",
    )
    .await?;
    let form = FormState::from_pairs(&pairs);
    let number = |name: &str| form.opt(name).map(|v| v.parse::<i64>());
    let parsed = (|| -> Result<RedactionRequest, AppError> {
        let segment_id = match number("segment_id") {
            Some(Ok(n)) => n,
            _ => {
                return Err(AppError::field(
                    "segment_id",
                    ctx.t.get("transcript-pick-segment"),
                ));
            }
        };
        let offsets = match (number("start_char"), number("end_char")) {
            (Some(Ok(s)), Some(Ok(e))) => Some((s, e)),
            (None, None) => None,
            _ => {
                return Err(AppError::field(
                    "text",
                    "start_char and end_char must be numbers",
                ));
            }
        };
        Ok(RedactionRequest {
            segment_id,
            start_char: offsets.map(|o| o.0),
            end_char: offsets.map(|o| o.1),
            text: if offsets.is_none() {
                Some(form.value("text").to_string())
            } else {
                None
            },
            reason: RedactionReason::parse(form.value("reason")).unwrap_or(RedactionReason::Other),
        })
    })();
    let result = match parsed {
        Ok(request) => transcripts::add_redaction(&state.db, &staff, session_id, &request)
            .await
            .map(|_| request.segment_id),
        Err(e) => Err(e),
    };
    match result {
        Ok(segment_id) => {
            let names = form
                .opt("names")
                .map(|n| format!("&names={}", encode(n)))
                .unwrap_or_default();
            Ok(Redirect::to(&format!(
                "/live/{session_id}/transcript?done=redacted{names}#seg-{segment_id}"
            ))
            .into_response())
        }
        Err(e) => refused(&state, ctx, &staff, session_id, form, e).await,
    }
}

/// `POST /live/{id}/transcript/redactions/{rid}/remove`.
async fn remove_redaction(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((session_id, redaction_id)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let staff = scribe(
        &state,
        &ctx,
        session_id,
        ScribeRole::Rapporteur,
        "transcript",
    )
    .await?;
    match transcripts::remove_redaction(&state.db, &staff, session_id, redaction_id).await {
        Ok(()) => Ok(back(session_id, "unredacted", "segments-heading")),
        Err(e) => refused(&state, ctx, &staff, session_id, FormState::default(), e).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Assigning scribes from the console

#[derive(Debug, Deserialize)]
struct ScribeForm {
    staff_id: i64,
    #[serde(default)]
    role: String,
    /// `add` or `remove`.
    action: String,
}

/// `POST /live/{id}/scribes`: organizers add or remove a session's captioners and rapporteurs.
async fn change_scribes(
    State(state): State<AppState>,
    OrganizerPage(_): OrganizerPage,
    Path(session_id): Path<i64>,
    Form(form): Form<ScribeForm>,
) -> Result<Response, PageError> {
    let role = match form.role.as_str() {
        "captioner" => ScribeRole::Captioner,
        "rapporteur" => ScribeRole::Rapporteur,
        _ => return Err(AppError::field("role", "must be captioner or rapporteur").into()),
    };
    let mut list = scribes::list_scribes(&state.db, session_id).await?;
    list.retain(|s| !(s.staff_id == form.staff_id && s.role == role));
    if form.action == "add" {
        list.push(Scribe {
            staff_id: form.staff_id,
            role,
            display_name: String::new(),
        });
    }
    scribes::set_scribes(&state.db, session_id, &list).await?;
    Ok(Redirect::to(&format!("/live/{session_id}/moderate#scribes-heading")).into_response())
}
