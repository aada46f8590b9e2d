//! Request extractors whose rejections use Plenary's error format.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::AppError;

/// Like `axum::Json`, but a missing content type, bad syntax or a wrong field answers with
/// `AppError` naming the field (via `serde_path_to_error`), never axum's plain-text rejection.
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(AppError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| AppError::BadRequest(format!("could not read the request body: {e}")))?;
        parse_json(&bytes).map(Json)
    }
}

/// Parses JSON, turning a serde error into a field error where a field is to blame.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let message = strip_position(&inner.to_string());
        if inner.is_syntax() || inner.is_eof() {
            AppError::BadRequest(format!("the body is not valid JSON: {inner}"))
        } else if let Some(field) = named_field(&path, &message) {
            AppError::field(field, message)
        } else if path == "." {
            AppError::BadRequest(format!(
                "the body does not have the expected shape: {message}"
            ))
        } else {
            AppError::field(path, message)
        }
    })
}

/// Like `axum::extract::Query`, but a bad parameter answers with `AppError` naming it (422),
/// never axum's plain-text 400.
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or_default()).map(Query)
    }
}

/// Parses a query string, blaming the parameter at fault.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, AppError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        match named_field(&path, &message) {
            Some(field) => AppError::field(field, message),
            None if path == "." => {
                AppError::BadRequest(format!("the query string is not valid: {message}"))
            }
            None => AppError::field(path, message),
        }
    })
}

/// The field serde's "missing field `x`" error is about: the enclosing struct raises it, so its
/// path lacks the field's own name (unknown fields, by contrast, are already in the path).
fn named_field(path: &str, message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    let name = &rest[..rest.find('`')?];
    Some(if path == "." {
        name.to_string()
    } else {
        format!("{path}.{name}")
    })
}

/// serde_json appends " at line 1 column 42", which means nothing to a form user.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}
