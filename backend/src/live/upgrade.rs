//! The websocket handshake, done here instead of by axum's `WebSocketUpgrade`, so that the socket
//! task gets the raw connection before tungstenite does.
//!
//! Why: tungstenite's write buffer keeps, for the socket's whole life, the capacity of the largest
//! write it ever buffered. A connection's largest write is its first, the snapshot (several KB for a
//! busy session) or a replay of missed changes. Written here, straight to the connection, those
//! bytes are freed once sent, and the write buffer only ever holds the small frames that follow:
//! at 10,000 idle participants that is about 6 KB a connection (docs/BENCHMARKS.md, S1).

use std::future::Future;
use std::time::Duration;

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::Bytes;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

/// An upgraded connection, before any websocket framing is put on it.
pub type RawSocket = TokioIo<Upgraded>;

/// A valid websocket opening handshake (RFC 6455 §4.2.1) on an HTTP/1.1 connection.
pub struct SocketUpgrade {
    key: HeaderValue,
    on_upgrade: OnUpgrade,
}

/// Whether a comma-separated header lists `token` (case-insensitively), as `Connection:
/// keep-alive, Upgrade` does.
fn lists_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

fn refuse(status: StatusCode, message: &'static str) -> Response {
    (status, message).into_response()
}

impl<S: Send + Sync> FromRequestParts<S> for SocketUpgrade {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        if parts.method != Method::GET {
            return Err(refuse(
                StatusCode::METHOD_NOT_ALLOWED,
                "a websocket is opened with GET",
            ));
        }
        if !lists_token(&parts.headers, header::CONNECTION, "upgrade")
            || !lists_token(&parts.headers, header::UPGRADE, "websocket")
        {
            return Err(refuse(
                StatusCode::UPGRADE_REQUIRED,
                "this address is a websocket: send Connection: upgrade and Upgrade: websocket",
            ));
        }
        if parts
            .headers
            .get(header::SEC_WEBSOCKET_VERSION)
            .is_none_or(|v| v.as_bytes() != b"13")
        {
            let mut response = refuse(
                StatusCode::UPGRADE_REQUIRED,
                "only websocket version 13 is spoken here",
            );
            response.headers_mut().insert(
                header::SEC_WEBSOCKET_VERSION,
                HeaderValue::from_static("13"),
            );
            return Err(response);
        }
        let Some(key) = parts.headers.get(header::SEC_WEBSOCKET_KEY).cloned() else {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                "the websocket handshake needs a Sec-WebSocket-Key",
            ));
        };
        let Some(on_upgrade) = parts.extensions.remove::<OnUpgrade>() else {
            return Err(refuse(
                StatusCode::UPGRADE_REQUIRED,
                "this connection cannot be upgraded; open the websocket over HTTP/1.1",
            ));
        };
        Ok(SocketUpgrade { key, on_upgrade })
    }
}

impl SocketUpgrade {
    /// Answers 101 Switching Protocols, and runs `task` with the raw connection once the client
    /// has the answer.
    pub fn on_upgrade<F, Fut>(self, task: F) -> Response
    where
        F: FnOnce(RawSocket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let accept = derive_accept_key(self.key.as_bytes());
        let on_upgrade = self.on_upgrade;
        tokio::spawn(async move {
            match on_upgrade.await {
                Ok(upgraded) => {
                    crate::memory::note_churn();
                    task(TokioIo::new(upgraded)).await;
                    crate::memory::note_churn();
                }
                Err(e) => tracing::debug!(error = %e, "a websocket upgrade did not complete"),
            }
        });
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let headers = response.headers_mut();
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        if let Ok(accept) = HeaderValue::from_str(&accept) {
            headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
        }
        response
    }
}

/// A server's text frame: final, unmasked.
pub fn text_frame(payload: impl Into<Bytes>) -> Frame {
    Frame::message(payload, OpCode::Data(Data::Text), true)
}

/// A close frame with a code and reason.
pub fn close_frame(code: u16, reason: String) -> Frame {
    Frame::close(Some(CloseFrame {
        code: code.into(),
        reason: reason.into(),
    }))
}

/// Writes whole frames straight to the connection, in one write, and frees their bytes. Gives up
/// after `timeout` if the peer does not take them.
pub async fn write_frames(
    io: &mut RawSocket,
    frames: impl IntoIterator<Item = Frame>,
    timeout: Duration,
) -> Result<(), ()> {
    let frames: Vec<Frame> = frames.into_iter().collect();
    let mut bytes = Vec::with_capacity(frames.iter().map(Frame::len).sum());
    for frame in frames {
        frame
            .format(&mut bytes)
            .map_err(|e| tracing::error!(error = %e, "a websocket frame did not format"))?;
    }
    let written = tokio::time::timeout(timeout, async {
        io.write_all(&bytes).await?;
        io.flush().await
    })
    .await;
    match written {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_tokens_are_read_from_lists_in_any_case() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONNECTION,
            HeaderValue::from_static("keep-alive, Upgrade"),
        );
        assert!(lists_token(&headers, header::CONNECTION, "upgrade"));
        assert!(!lists_token(&headers, header::UPGRADE, "websocket"));
        headers.insert(header::UPGRADE, HeaderValue::from_static("WebSocket"));
        assert!(lists_token(&headers, header::UPGRADE, "websocket"));
        headers.insert(header::UPGRADE, HeaderValue::from_static("websockets"));
        assert!(!lists_token(&headers, header::UPGRADE, "websocket"));
    }

    #[test]
    fn frames_are_unmasked_text_with_the_right_length_header() {
        let mut bytes = Vec::new();
        text_frame("hi").format(&mut bytes).unwrap();
        assert_eq!(bytes, b"\x81\x02hi");
        let long = "x".repeat(70_000);
        let mut bytes = Vec::new();
        text_frame(long.clone()).format(&mut bytes).unwrap();
        // 127, then the length as 8 bytes: 70,000 does not fit in 16 bits.
        assert_eq!(&bytes[..2], b"\x81\x7f");
        assert_eq!(&bytes[2..10], &70_000u64.to_be_bytes());
        assert_eq!(&bytes[10..], long.as_bytes());
    }
}
