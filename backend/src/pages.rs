//! The server-rendered pages: askama templates from `frontend/templates`, static files from
//! `frontend/static`, every string from the message catalog (`crate::i18n`). Pages work without
//! JavaScript; the few scripts only add to them.
//!
//! Each submodule owns its routes; handlers stay thin and read and write through `programme`
//! and `auth`, the same functions the JSON API uses.

pub mod archive;
pub mod live;
pub mod minutes;
pub mod my_schedule;
pub mod organize;
pub mod plan;
pub mod privacy;
pub mod programme;
pub mod records;
pub mod safeguarding;
pub mod staff;
pub mod transcripts;
pub mod view;

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use rust_embed::RustEmbed;
use serde::Deserialize;

use crate::auth::{MaybeStaff, Organizer, Staff};
use crate::http::AppState;
use crate::http::error::{AppError, FieldError};
use crate::http::security::CspNonce;
use crate::i18n::{Lang, Translator};

/// Every page route, with friendly HTML error pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(programme::router())
        .merge(my_schedule::router())
        .merge(staff::router())
        .merge(organize::router())
        .merge(privacy::router())
        .merge(live::router())
        .merge(safeguarding::router())
        .merge(transcripts::router())
        .merge(records::router())
        .merge(minutes::router())
        .merge(plan::router())
        .merge(archive::router())
        .fallback(not_found)
        .layer(middleware::from_fn(render_error_pages))
        .route("/static/{*path}", get(static_file))
}

// ---------------------------------------------------------------------------------------------
// What every page knows about its request

/// What the page shell needs: language, CSP nonce, who is signed in, and where we are.
pub struct Ctx {
    pub t: Translator,
    pub nonce: String,
    pub staff: Option<Staff>,
    /// Path and query of this request, for "come back here" links.
    pub here: String,
}

impl Ctx {
    fn build(parts: &Parts, staff: Option<Staff>) -> Ctx {
        Ctx {
            t: Translator::new(Lang::from_headers(&parts.headers)),
            nonce: parts
                .extensions
                .get::<CspNonce>()
                .map(|n| n.0.clone())
                .unwrap_or_default(),
            staff,
            here: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/".into()),
        }
    }

    /// The versioned URL of a static file: the content hash changes the URL, so it can be
    /// cached for a year.
    pub fn asset(&self, name: &str) -> String {
        asset_url(name)
    }

    /// The language switch link for `lang`, returning to this page.
    pub fn lang_href(&self, lang: &Lang) -> String {
        format!("/lang?set={}&next={}", lang.code(), encode(&self.here))
    }

    /// True for an organizer (the header shows the organizer menu).
    pub fn is_organizer(&self) -> bool {
        self.staff
            .as_ref()
            .is_some_and(|s| s.role == crate::domain::schedule::StaffRole::Organizer)
    }

    /// The languages for the switch.
    pub fn langs(&self) -> [Lang; 3] {
        Lang::ALL
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let MaybeStaff(staff) = MaybeStaff::from_request_parts(parts, state).await?;
        Ok(Ctx::build(parts, staff))
    }
}

/// A signed-in organizer on a page: anyone else is sent to the login page (or shown 403).
pub struct OrganizerPage(pub Staff);

impl FromRequestParts<AppState> for OrganizerPage {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match Organizer::from_request_parts(parts, state).await {
            Ok(Organizer(staff)) => Ok(OrganizerPage(staff)),
            Err(AppError::Unauthorized) => Err(PageError::Login {
                next: parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_default(),
            }),
            Err(other) => Err(PageError::App(other)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Errors as pages

/// A failure on a page route: rendered as a friendly HTML page in the visitor's language.
#[derive(Debug)]
pub enum PageError {
    App(AppError),
    /// Not signed in: go to the login page, then come back to `next`.
    Login {
        next: String,
    },
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError::App(e)
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        PageError::App(AppError::Internal(anyhow::anyhow!(
            "rendering a template: {e}"
        )))
    }
}

/// Marks a response whose body `render_error_pages` fills in, once it knows the request.
#[derive(Clone, Copy)]
struct ErrorPageMarker;

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Login { next } => {
                Redirect::to(&format!("/login?next={}", encode(&next))).into_response()
            }
            PageError::App(error) => {
                let (status, _) = error.status_and_code();
                match &error {
                    AppError::Database(e) => tracing::error!(error = %e, "database error"),
                    AppError::Internal(e) => {
                        tracing::error!(error = format!("{e:#}"), "internal error")
                    }
                    _ => {}
                }
                let mut response = status.into_response();
                if let AppError::TooManyRequests {
                    retry_after_seconds,
                } = error
                {
                    response.headers_mut().insert(
                        axum::http::header::RETRY_AFTER,
                        axum::http::HeaderValue::from(retry_after_seconds.max(1)),
                    );
                }
                response.extensions_mut().insert(ErrorPageMarker);
                response
            }
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: Ctx,
    status: u16,
    heading: String,
    explanation: String,
}

/// Renders the HTML for responses that `PageError` marked, in the request's language.
async fn render_error_pages(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let ctx = Ctx::build(&parts, None);
    let response = next.run(Request::from_parts(parts, body)).await;
    if response.extensions().get::<ErrorPageMarker>().is_none() {
        return response;
    }
    let status = response.status();
    let key = match status.as_u16() {
        403 => "forbidden",
        404 => "not-found",
        400 | 409 | 422 => "bad-request",
        429 => "too-many",
        _ => "server-error",
    };
    let page = ErrorPage {
        heading: ctx.t.get(&format!("error-{key}-heading")),
        explanation: ctx.t.get(&format!("error-{key}-text")),
        status: status.as_u16(),
        ctx,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering the error page");
            (status, "Something went wrong.").into_response()
        }
    }
}

/// Any unknown address: a friendly page, except under `/api/` where clients expect JSON.
async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        AppError::NotFound.into_response()
    } else {
        PageError::App(AppError::NotFound).into_response()
    }
}

/// Renders a template as a 200 page.
pub fn render(page: &impl Template) -> Result<Response, PageError> {
    Ok(Html(page.render()?).into_response())
}

/// Renders a template with a status (a form with errors answers 422 or 409).
pub fn render_status(status: StatusCode, page: &impl Template) -> Result<Response, PageError> {
    Ok((status, Html(page.render()?)).into_response())
}

// ---------------------------------------------------------------------------------------------
// Static files

#[derive(RustEmbed)]
#[folder = "../frontend/static"]
struct Assets;

/// The first 12 hex digits of a file's SHA-256, or "0" for an unknown file.
fn asset_version(name: &str) -> String {
    Assets::get(name)
        .map(|f| hex::encode(&f.metadata.sha256_hash()[..6]))
        .unwrap_or_else(|| "0".into())
}

/// `/static/{name}?v={hash}`.
pub fn asset_url(name: &str) -> String {
    format!("/static/{name}?v={}", asset_version(name))
}

#[derive(Deserialize)]
struct AssetQuery {
    v: Option<String>,
}

async fn static_file(Path(path): Path<String>, Query(q): Query<AssetQuery>) -> Response {
    let Some(file) = Assets::get(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mime = mime_guess::from_path(&path).first_or_octet_stream();
    // Only a URL naming the current content may be cached for good; anything else revalidates.
    let current = q.v.as_deref() == Some(asset_version(&path).as_str());
    let cache = if current {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = Response::new(Body::from(file.data.into_owned()));
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime.essence_str()) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

// ---------------------------------------------------------------------------------------------
// Small shared helpers

/// Percent-encodes a query value (everything but unreserved characters).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `next` if it is a path on this site (one leading `/`, no scheme, no backslash), else `fallback`.
/// A `//host` or `/\host` value would send the visitor to another site.
pub fn local_path<'a>(next: Option<&'a str>, fallback: &'a str) -> &'a str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n
        }
        _ => fallback,
    }
}

/// A submitted form as the user typed it, with the problems to show next to each field.
#[derive(Debug, Default)]
pub struct FormState {
    values: HashMap<String, String>,
    errors: Vec<FieldError>,
}

impl FormState {
    /// A form filled from submitted pairs.
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut values = HashMap::new();
        for (k, v) in pairs {
            values.insert(k.clone(), v.clone());
        }
        FormState {
            values,
            errors: Vec::new(),
        }
    }

    /// Sets a value (to prefill an edit form).
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.values.insert(name.to_string(), value.into());
    }

    /// Adds a problem with a field.
    pub fn error_on(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// The submitted value of a field, or "".
    pub fn value(&self, name: &str) -> &str {
        self.values
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }

    /// The trimmed value, or None when blank.
    pub fn opt(&self, name: &str) -> Option<&str> {
        Some(self.value(name).trim()).filter(|v| !v.is_empty())
    }

    /// True when the field's value is `value` (for `selected`).
    pub fn is(&self, name: &str, value: impl std::fmt::Display) -> bool {
        self.value(name) == value.to_string()
    }

    /// True when a checkbox was ticked.
    pub fn checked(&self, name: &str) -> bool {
        !self.value(name).is_empty()
    }

    /// The messages about a field, joined.
    pub fn error(&self, name: &str) -> Option<String> {
        let found: Vec<&str> = self
            .errors
            .iter()
            .filter(|e| e.field == name)
            .map(|e| e.message.as_str())
            .collect();
        if found.is_empty() {
            None
        } else {
            Some(found.join("; "))
        }
    }

    /// True when the field has a problem (for `aria-invalid`).
    pub fn invalid(&self, name: &str) -> bool {
        self.errors.iter().any(|e| e.field == name)
    }

    /// Every problem, for the summary at the top of the form.
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// True when there is anything to fix.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/organize"), "/"), "/organize");
        assert_eq!(
            local_path(Some("/events/x?day=2025-06-23"), "/"),
            "/events/x?day=2025-06-23"
        );
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "evil",
            "",
            "/a\nb",
        ] {
            assert_eq!(local_path(Some(bad), "/"), "/", "{bad}");
        }
        assert_eq!(local_path(None, "/organize"), "/organize");
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode("/events/x?day=1&v=2"), "/events/x%3Fday%3D1%26v%3D2");
    }
}
