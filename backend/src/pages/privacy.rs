//! The privacy notice, in plain language and in a version written for children.

use askama::Template;
use axum::Router;
use axum::response::Response;
use axum::routing::get;

use super::{Ctx, PageError, render};
use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/privacy", get(privacy))
        .route("/privacy/young", get(privacy_young))
}

/// One section: a heading and its paragraphs, already translated.
pub struct Section {
    pub heading: String,
    pub paragraphs: Vec<String>,
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct PrivacyPage {
    ctx: Ctx,
    young: bool,
    title: String,
    intro: String,
    sections: Vec<Section>,
}

/// Sections of each version, with how many paragraphs each has in the catalog.
const ADULT: &[(&str, usize)] = &[
    ("who", 1),
    ("what", 3),
    ("not", 1),
    ("why", 2),
    ("see", 2),
    ("keep", 2),
    ("rights", 2),
    ("safety", 2),
    ("contact", 1),
];
const YOUNG: &[(&str, usize)] = &[
    ("what", 2),
    ("safe", 3),
    ("see", 1),
    ("delete", 2),
    ("help", 2),
];

fn page(ctx: Ctx, young: bool) -> Result<Response, PageError> {
    let version = if young { "young" } else { "adult" };
    let sections = (if young { YOUNG } else { ADULT })
        .iter()
        .map(|(key, n)| Section {
            heading: ctx.t.get(&format!("privacy-{version}-{key}-heading")),
            paragraphs: (1..=*n)
                .map(|i| ctx.t.get(&format!("privacy-{version}-{key}-{i}")))
                .collect(),
        })
        .collect();
    render(&PrivacyPage {
        title: ctx.t.get(&format!("privacy-{version}-title")),
        intro: ctx.t.get(&format!("privacy-{version}-intro")),
        young,
        sections,
        ctx,
    })
}

async fn privacy(ctx: Ctx) -> Result<Response, PageError> {
    page(ctx, false)
}

async fn privacy_young(ctx: Ctx) -> Result<Response, PageError> {
    page(ctx, true)
}
