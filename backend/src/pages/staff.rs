//! Staff sign-in: the login form, logout, and accepting an invitation.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use super::{Ctx, FormState, PageError, local_path, render, render_status};
use crate::auth;
use crate::domain::schedule::StaffRole;
use crate::http::AppState;
use crate::http::error::AppError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(log_in))
        .route("/logout", post(log_out))
        .route(
            "/invitations/{token}",
            get(invitation_form).post(accept_invitation),
        )
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    next: String,
    email: String,
    failed: bool,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_form(ctx: Ctx, Query(q): Query<NextQuery>) -> Result<Response, PageError> {
    let next = local_path(q.next.as_deref(), "/organize").to_string();
    render(&LoginPage {
        ctx,
        next,
        email: String::new(),
        failed: false,
    })
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

async fn log_in(
    State(state): State<AppState>,
    address: crate::http::ratelimit::ClientAddress,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    // Password guessing is slowed per address before any hashing work is spent on it.
    crate::http::ratelimit::RateLimits::check(&state.limits.login, address)?;
    let next = local_path(form.next.as_deref(), "/organize").to_string();
    let hours = state.settings.auth.session_hours;
    match auth::login(&state.db, &form.email, &form.password, hours).await? {
        Some((_, token)) => Ok((
            jar.add(auth::session_cookie(token, hours)),
            Redirect::to(&next),
        )
            .into_response()),
        // One message whatever was wrong, so the form does not reveal which e-mails have accounts.
        None => render_status(
            StatusCode::UNAUTHORIZED,
            &LoginPage {
                ctx,
                next,
                email: form.email,
                failed: true,
            },
        ),
    }
}

async fn log_out(State(state): State<AppState>, jar: CookieJar) -> Result<Response, PageError> {
    if let Some(cookie) = jar.get(auth::SESSION_COOKIE) {
        auth::logout(&state.db, cookie.value()).await?;
    }
    Ok((jar.add(auth::removal_cookie()), Redirect::to("/")).into_response())
}

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage {
    ctx: Ctx,
    token: String,
    email: String,
    role: String,
    form: FormState,
}

async fn invitation_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let invitation = auth::invitation_for_token(&state.db, &token)
        .await?
        .ok_or(AppError::NotFound)?;
    render(&InvitationPage {
        role: ctx.t.term("staff-role", invitation.role),
        ctx,
        token,
        email: invitation.email,
        form: FormState::default(),
    })
}

async fn accept_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let invitation = auth::invitation_for_token(&state.db, &token)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut form = FormState::from_pairs(&pairs);
    let password = form.value("password").to_string();
    if password != form.value("password_again") {
        form.error_on("password_again", ctx.t.get("invitation-password-mismatch"));
    } else {
        match auth::accept_invitation(&state.db, &token, form.value("display_name"), &password)
            .await
        {
            Ok(staff) => {
                let hours = state.settings.auth.session_hours;
                let next = if staff.role == StaffRole::Organizer {
                    "/organize"
                } else {
                    "/"
                };
                return match auth::login(&state.db, &staff.email, &password, hours).await? {
                    Some((_, token)) => Ok((
                        jar.add(auth::session_cookie(token, hours)),
                        Redirect::to(next),
                    )
                        .into_response()),
                    None => Ok(Redirect::to("/login").into_response()),
                };
            }
            Err(AppError::Validation(fields)) => {
                for f in fields {
                    form.error_on(&f.field, f.message);
                }
            }
            Err(other) => return Err(other.into()),
        }
    }
    let page = InvitationPage {
        role: ctx.t.term("staff-role", invitation.role),
        ctx,
        token,
        email: invitation.email,
        form,
    };
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}
