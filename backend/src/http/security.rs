//! Response hardening and cross-site request refusal, applied to every route.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use rand::RngCore;

use super::AppState;
use super::error::AppError;

/// The per-response nonce that inline `<script>` tags must carry under the CSP.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// Adds a fresh CSP nonce to the request and the security headers to the response.
pub async fn security_headers(mut req: Request, next: Next) -> Response {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let nonce = base64::engine::general_purpose::STANDARD.encode(bytes);
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(req).await;
    let csp = format!(
        "default-src 'none'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; media-src 'self' blob:; form-action 'self'; \
         base-uri 'none'; frame-ancestors 'none'; manifest-src 'self'"
    );
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static(
            "camera=(self), microphone=(self), geolocation=(), payment=(), usb=(), interest-cohort=()",
        ),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// Refuses state-changing requests that a browser marks as coming from another site.
///
/// Browsers send `Sec-Fetch-Site`; older ones at least send `Origin` on POST. A request with
/// neither did not come from a browser page, so no other site can have forged it.
pub async fn refuse_cross_site(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe {
        let headers = req.headers();
        let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        let refused = match fetch_site {
            Some(site) => !(site == "same-origin" || site == "none"),
            None => match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
                Some(origin) => origin != state.public_url.as_ref(),
                None => false,
            },
        };
        if refused {
            tracing::warn!(method = %req.method(), path = req.uri().path(), "cross-site request refused");
            return AppError::CrossSite.into_response();
        }
    }
    next.run(req).await
}
