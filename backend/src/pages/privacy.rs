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
        .route("/my-data", get(my_data_form))
        .route("/my-data/download", axum::routing::post(download_my_data))
        .route("/my-data/erase", axum::routing::post(erase_my_data))
}

#[derive(Template)]
#[template(path = "my_data.html")]
struct MyDataPage {
    ctx: Ctx,
    /// Set after an erasure: how many questions were erased.
    erased: Option<i64>,
    /// Set when a key was not recognised or the erasure was not confirmed.
    problem: Option<String>,
}

async fn my_data_form(ctx: Ctx) -> Result<Response, PageError> {
    render(&MyDataPage {
        ctx,
        erased: None,
        problem: None,
    })
}

#[derive(serde::Deserialize)]
struct KeyForm {
    #[serde(default)]
    data_key: String,
    #[serde(default)]
    confirm: Option<String>,
}

/// The page again, with what went wrong (the same words for a wrong and a spent key).
fn problem(ctx: Ctx, key: &str) -> Result<Response, PageError> {
    let message = ctx.t.get(key);
    super::render_status(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        &MyDataPage {
            ctx,
            erased: None,
            problem: Some(message),
        },
    )
}

async fn download_my_data(
    axum::extract::State(state): axum::extract::State<AppState>,
    address: crate::http::ratelimit::ClientAddress,
    ctx: Ctx,
    axum::extract::Form(form): axum::extract::Form<KeyForm>,
) -> Result<Response, PageError> {
    crate::http::ratelimit::RateLimits::check(&state.limits.login, address)?;
    match crate::live::privacy::participant_for_key(&state, &form.data_key).await {
        Ok((me, session_id)) => {
            let data = crate::live::privacy::collect(&state, me, session_id).await?;
            Ok(crate::live::privacy::download(&data)?)
        }
        Err(crate::http::error::AppError::NotFound) => problem(ctx, "my-data-unknown-key"),
        Err(e) => Err(e.into()),
    }
}

async fn erase_my_data(
    axum::extract::State(state): axum::extract::State<AppState>,
    address: crate::http::ratelimit::ClientAddress,
    ctx: Ctx,
    axum::extract::Form(form): axum::extract::Form<KeyForm>,
) -> Result<Response, PageError> {
    crate::http::ratelimit::RateLimits::check(&state.limits.login, address)?;
    if form.confirm.is_none() {
        return problem(ctx, "my-data-confirm-needed");
    }
    match crate::live::privacy::participant_for_key(&state, &form.data_key).await {
        Ok((me, session_id)) => {
            let erased = crate::live::privacy::erase(&state, me, session_id).await?;
            render(&MyDataPage {
                ctx,
                erased: Some(erased.questions),
                problem: None,
            })
        }
        Err(crate::http::error::AppError::NotFound) => problem(ctx, "my-data-unknown-key"),
        Err(e) => Err(e.into()),
    }
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
