//! The HTTP surface: shared state, the router, and the middleware every route passes through.

pub mod api;
pub mod error;
pub mod extract;
pub mod feeds;
pub mod health;
pub mod ratelimit;
pub mod security;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

use crate::config::Settings;
use crate::store::Db;

/// Everything a handler needs; every field is a cheap handle.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    /// Scheme, host and port people reach us at, without a trailing slash.
    pub public_url: Arc<str>,
    /// The live sessions' hubs.
    pub live: Arc<crate::live::Live>,
    /// Per-address rate limits.
    pub limits: Arc<ratelimit::RateLimits>,
}

/// The whole application as a router, so tests can drive it without a socket.
pub fn app(state: AppState) -> Router {
    let (api_router, openapi) = api::router()
        .merge(crate::live::api::router())
        .merge(crate::live::reports::router())
        .merge(crate::live::privacy::router())
        .merge(crate::archive::router())
        .split_for_parts();
    let mut openapi = openapi;
    api::document_common_responses(&mut openapi);
    let openapi = Arc::new(openapi);
    Router::new()
        .merge(health::router())
        .merge(feeds::router())
        .merge(crate::live::api::plain_router())
        .merge(crate::archive::plain_router())
        .merge(crate::pages::router())
        .merge(api_router)
        .route(
            "/api/openapi.json",
            axum::routing::get(move || {
                let doc = openapi.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::refuse_cross_site,
        ))
        .layer(RequestBodyLimitLayer::new(256 * 1024))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                // The route's template, not the path: paths and query strings can hold secrets
                // (`/calendar/my/{file}` is a personal link, invitations and feed keys travel
                // in them).
                let route = req
                    .extensions()
                    .get::<axum::extract::MatchedPath>()
                    .map_or("(no route)", |m| m.as_str());
                tracing::info_span!("request", method = %req.method(), route)
            }),
        )
        .layer(middleware::from_fn(security::security_headers))
        .with_state(state)
}
