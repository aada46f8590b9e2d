//! Participants' data rights without an account: with the personal data key given at join,
//! anyone can see what Plenary holds about them in a session, download it, and erase it.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::protocol::{ClientFrame, Command};
use super::store::Actor;
use crate::auth::{new_token, token_hash};
use crate::http::AppState;
use crate::http::error::{AppError, ErrorBody};
use crate::http::extract::Json;
use crate::http::ratelimit::{ClientAddress, RateLimits};

/// The personal data key, as given at join.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DataKey {
    pub data_key: String,
}

/// Everything Plenary holds about one participant of one session.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyData {
    pub session_id: i64,
    pub session_title: String,
    pub handle: String,
    pub age_band: String,
    pub attendance: String,
    pub stakeholder_group: Option<String>,
    pub regional_group: Option<String>,
    /// The address you joined from, as kept to enforce bans: IPv4, or the first half of IPv6.
    pub address_key: String,
    /// Unix seconds.
    pub joined_at: i64,
    pub accepted_code_of_conduct_at: i64,
    pub questions: Vec<MyQuestion>,
    /// Questions this participant upvoted.
    pub votes: Vec<i64>,
    pub raised_hands: Vec<MyHand>,
    pub reports: Vec<MyReportData>,
    /// What is not here, and why.
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyQuestion {
    pub question_id: i64,
    pub text: String,
    pub anonymous: bool,
    pub status: String,
    pub dismiss_reason: Option<String>,
    pub votes: i64,
    pub asked_at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyHand {
    pub status: String,
    pub raised_at: i64,
    pub called_at: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyReportData {
    pub report_id: i64,
    pub question_id: Option<i64>,
    pub category: String,
    pub note: String,
    pub status: String,
    pub created_at: i64,
}

/// The privacy routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export_my_data))
        .routes(routes!(erase_my_data))
}

pub async fn participant_for_key(state: &AppState, key: &str) -> Result<(i64, i64), AppError> {
    let row = sqlx::query(
        "select participant_id, session_id from participant where data_key_hash = $1 and erased_at is null",
    )
    .bind(token_hash(key.trim()))
    .fetch_optional(&state.db.pool)
    .await?
    // The same answer for a wrong key and an erased one: keys cannot be probed.
    .ok_or(AppError::NotFound)?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

#[utoipa::path(post, path = "/api/my-data", tag = "privacy", request_body = DataKey,
    responses((status = 200, body = MyData, description = "A JSON download of everything held"),
        (status = 404, body = ErrorBody, description = "No participant has this key"),
        (status = 429, body = ErrorBody)))]
async fn export_my_data(
    State(state): State<AppState>,
    address: ClientAddress,
    Json(key): Json<DataKey>,
) -> Result<Response, AppError> {
    RateLimits::check(&state.limits.login, address)?;
    let (me, session_id) = participant_for_key(&state, &key.data_key).await?;
    let data = collect(&state, me, session_id).await?;
    download(&data)
}

/// Everything held about participant `me` of `session_id`.
pub async fn collect(state: &AppState, me: i64, session_id: i64) -> Result<MyData, AppError> {
    let db = &state.db.pool;
    let p = sqlx::query(
        "select s.title, p.handle, p.age_band, p.attendance, p.stakeholder_group, p.regional_group, \
         p.created_at, p.accepted_code_of_conduct_at, p.address_key from participant p join session s on s.session_id = p.session_id \
         where p.participant_id = $1",
    )
    .bind(me)
    .fetch_one(db)
    .await?;
    let questions = sqlx::query(
        "select question_id, text, anonymous, status, dismiss_reason, votes, created_at from question \
         where participant_id = $1 order by question_id",
    )
    .bind(me)
    .fetch_all(db)
    .await?
    .iter()
    .map(|r| {
        Ok(MyQuestion {
            question_id: r.try_get(0)?,
            text: r.try_get(1)?,
            anonymous: r.try_get::<i64, _>(2)? != 0,
            status: r.try_get(3)?,
            dismiss_reason: r.try_get(4)?,
            votes: r.try_get(5)?,
            asked_at: r.try_get(6)?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let votes = sqlx::query(
        "select question_id from question_vote where participant_id = $1 order by question_id",
    )
    .bind(me)
    .fetch_all(db)
    .await?
    .iter()
    .map(|r| r.try_get(0))
    .collect::<Result<Vec<i64>, _>>()?;
    let raised_hands = sqlx::query(
        "select status, created_at, called_at from floor_entry where participant_id = $1 order by floor_entry_id",
    )
    .bind(me)
    .fetch_all(db)
    .await?
    .iter()
    .map(|r| {
        Ok(MyHand {
            status: r.try_get(0)?,
            raised_at: r.try_get(1)?,
            called_at: r.try_get(2)?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let reports = sqlx::query(
        "select report_id, question_id, category, note, status, created_at from report \
         where reporter_participant_id = $1 order by report_id",
    )
    .bind(me)
    .fetch_all(db)
    .await?
    .iter()
    .map(|r| {
        Ok(MyReportData {
            report_id: r.try_get(0)?,
            question_id: r.try_get(1)?,
            category: r.try_get(2)?,
            note: r.try_get(3)?,
            status: r.try_get(4)?,
            created_at: r.try_get(5)?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let data = MyData {
        session_id,
        session_title: p.try_get(0)?,
        handle: p.try_get(1)?,
        age_band: p.try_get(2)?,
        attendance: p.try_get(3)?,
        stakeholder_group: p.try_get(4)?,
        regional_group: p.try_get(5)?,
        address_key: p.try_get(8)?,
        joined_at: p.try_get(6)?,
        accepted_code_of_conduct_at: p.try_get(7)?,
        questions,
        votes,
        raised_hands,
        reports,
        notes: vec![
            "Your join cookie and this key are stored only as SHA-256 hashes.".into(),
            "The address key above is kept so that a moderator's ban can hold; it goes with an erasure.".into(),
            "Moderators' decisions about your questions are in the session's audit log without your words.".into(),
        ],
    };
    Ok(data)
}

/// The export as a JSON download.
pub fn download(data: &MyData) -> Result<Response, AppError> {
    let body = serde_json::to_vec_pretty(data).map_err(|e| AppError::Internal(e.into()))?;
    let mut response = (axum::http::StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"plenary-my-data.json\""),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The outcome of an erasure.
#[derive(Debug, Serialize, ToSchema)]
pub struct Erased {
    pub erased: bool,
    pub questions: i64,
}

#[utoipa::path(post, path = "/api/my-data/erase", tag = "privacy", request_body = DataKey,
    responses((status = 200, body = Erased), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Could not be applied now; nothing was erased. Try again")))]
async fn erase_my_data(
    State(state): State<AppState>,
    address: ClientAddress,
    Json(key): Json<DataKey>,
) -> Result<axum::Json<Erased>, AppError> {
    RateLimits::check(&state.limits.login, address)?;
    let (me, session_id) = participant_for_key(&state, &key.data_key).await?;
    Ok(axum::Json(erase(&state, me, session_id).await?))
}

/// Erases participant `me` of `session_id` through the session's writer.
pub async fn erase(state: &AppState, me: i64, session_id: i64) -> Result<Erased, AppError> {
    let questions: i64 = sqlx::query("select count(*) from question where participant_id = $1")
        .bind(me)
        .fetch_one(&state.db.pool)
        .await?
        .try_get(0)?;
    // Through the session's writer, like any live change: connected clients see the questions
    // go at once and the sequence stays continuous.
    let hub = state.live.hub(session_id).await?;
    let frame = ClientFrame {
        client_id: format!("erase-{}", &new_token()[..16]),
        command: Command::EraseMyData,
    };
    match hub.submit(Actor::Participant(me), frame).await.await {
        // The live erasure also removes the record's copies of their questions (kept without
        // the asker), whichever way it was asked for: here or over the socket.
        Ok(Ok(_)) => Ok(Erased {
            erased: true,
            questions,
        }),
        Ok(Err(refusal)) => Err(AppError::Conflict(refusal.message)),
        Err(_) => Err(AppError::Internal(anyhow::anyhow!(
            "the live writer stopped"
        ))),
    }
}
