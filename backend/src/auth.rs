//! Staff accounts (organizers and moderators): argon2id passwords hashed off the async runtime,
//! server-side login sessions behind a `__Host-` cookie, and one-time invitation links.
//! Participants never have accounts.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;
use utoipa::ToSchema;

use crate::domain::schedule::StaffRole;
use crate::http::AppState;
use crate::http::error::AppError;
use crate::programme::Problems;
use crate::store::{Db, now};

/// The login cookie. `__Host-` pins it to this host, path `/`, and `Secure`.
pub const SESSION_COOKIE: &str = "__Host-plenary-staff";

/// A signed-in staff member.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Staff {
    pub staff_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: StaffRole,
}

/// A fresh random secret for cookies and links: 32 bytes, URL-safe base64.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a secret: its SHA-256, so a leaked database opens no session.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Hashes a password with argon2id on the blocking pool (it is deliberately slow).
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing: {e}"))
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?
    .map_err(AppError::Internal)
}

/// Checks a password against a stored hash on the blocking pool.
pub async fn verify_password(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|hash| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

fn validate_account(p: &mut Problems, email: &str, name: &str, password: &str) {
    let email = email.trim();
    let plausible = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(char::is_whitespace);
    if !plausible {
        p.add(
            "email",
            "must be an e-mail address such as name@example.org",
        );
    }
    p.text("display_name", name, 100);
    let len = password.chars().count();
    if len < 12 {
        p.add("password", "must be at least 12 characters");
    } else if len > 200 {
        p.add("password", "must be at most 200 characters");
    }
}

/// Creates a staff account.
pub async fn create_staff(
    db: &Db,
    email: &str,
    name: &str,
    role: StaffRole,
    password: &str,
) -> Result<Staff, AppError> {
    let mut p = Problems::default();
    validate_account(&mut p, email, name, password);
    p.finish()?;
    let hash = hash_password(password.to_string()).await?;
    let email = email.trim().to_lowercase();
    let staff_id: i64 = sqlx::query_scalar(
        "insert into staff (email, display_name, role, password_hash, created_at) values ($1, $2, $3, $4, $5) returning staff_id",
    )
    .bind(&email)
    .bind(name.trim())
    .bind(role.as_str())
    .bind(hash)
    .bind(now())
    .fetch_one(&db.pool)
    .await
    .map_err(|e| crate::http::error::from_write_error(e, "email", "an account with this e-mail already exists"))?;
    Ok(Staff {
        staff_id,
        email,
        display_name: name.trim().to_string(),
        role,
    })
}

/// Checks credentials and opens a login session; returns the cookie token.
pub async fn login(
    db: &Db,
    email: &str,
    password: &str,
    hours: u32,
) -> Result<Option<(Staff, String)>, AppError> {
    let row = sqlx::query("select staff_id, email, display_name, role, password_hash from staff where email = $1 and disabled = 0")
        .bind(email.trim().to_lowercase())
        .fetch_optional(&db.pool)
        .await?;
    let Some(row) = row else {
        // Spend the same time as a real check so response times do not reveal which e-mails exist.
        verify_password(password.to_string(), DUMMY_HASH.to_string()).await;
        return Ok(None);
    };
    let stored: String = row.try_get("password_hash")?;
    if !verify_password(password.to_string(), stored).await {
        return Ok(None);
    }
    let staff = staff_from_row(&row)?;
    let token = new_token();
    let t = now();
    sqlx::query("insert into staff_session (token_hash, staff_id, created_at, expires_at) values ($1, $2, $3, $4)")
        .bind(token_hash(&token))
        .bind(staff.staff_id)
        .bind(t)
        .bind(t + i64::from(hours) * 3600)
        .execute(&db.pool)
        .await?;
    Ok(Some((staff, token)))
}

/// An argon2id hash of a random password, used to keep failed logins for unknown e-mails slow.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2n2iHkqr3cHxGqM2kzKcTLQi2Pjd0XvJyWf9I6dqQ3s";

fn staff_from_row(row: &sqlx::any::AnyRow) -> Result<Staff, AppError> {
    let role: String = row.try_get("role")?;
    Ok(Staff {
        staff_id: row.try_get("staff_id")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        role: StaffRole::parse(&role).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?,
    })
}

/// The staff member a login token belongs to, if it is current.
pub async fn staff_for_token(db: &Db, token: &str) -> Result<Option<Staff>, AppError> {
    let row = sqlx::query(
        "select s.staff_id, s.email, s.display_name, s.role from staff_session ss \
         join staff s on s.staff_id = ss.staff_id \
         where ss.token_hash = $1 and ss.expires_at > $2 and s.disabled = 0",
    )
    .bind(token_hash(token))
    .bind(now())
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(staff_from_row).transpose()
}

/// Ends a login session.
pub async fn logout(db: &Db, token: &str) -> Result<(), AppError> {
    sqlx::query("delete from staff_session where token_hash = $1")
        .bind(token_hash(token))
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The cookie that carries a login token.
pub fn session_cookie(token: String, hours: u32) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .secure(true)
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::hours(i64::from(hours)))
        .build()
}

/// The cookie that removes the login cookie.
pub fn removal_cookie() -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, ""))
        .path("/")
        .secure(true)
        .http_only(true)
        .same_site(SameSite::Lax)
        .build()
}

/// Invites someone to become staff; returns the one-time token for the link.
pub async fn create_invitation(
    db: &Db,
    email: &str,
    role: StaffRole,
    invited_by: i64,
    hours: u32,
) -> Result<String, AppError> {
    let mut p = Problems::default();
    validate_account(&mut p, email, "-", "a-long-enough-placeholder");
    p.finish()?;
    let token = new_token();
    let t = now();
    sqlx::query(
        "insert into invitation (token_hash, email, role, invited_by, created_at, expires_at) values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash(&token))
    .bind(email.trim().to_lowercase())
    .bind(role.as_str())
    .bind(invited_by)
    .bind(t)
    .bind(t + i64::from(hours) * 3600)
    .execute(&db.pool)
    .await?;
    Ok(token)
}

/// An open invitation: the e-mail and role it was made for.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub email: String,
    pub role: StaffRole,
}

/// The invitation a token opens, if unused and unexpired.
pub async fn invitation_for_token(db: &Db, token: &str) -> Result<Option<Invitation>, AppError> {
    let row = sqlx::query("select email, role from invitation where token_hash = $1 and used_at is null and expires_at > $2")
        .bind(token_hash(token))
        .bind(now())
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| {
        let role: String = r.try_get("role")?;
        Ok(Invitation {
            email: r.try_get("email")?,
            role: StaffRole::parse(&role).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?,
        })
    })
    .transpose()
}

/// Uses an invitation once: creates the account, marks the invitation used.
pub async fn accept_invitation(
    db: &Db,
    token: &str,
    name: &str,
    password: &str,
) -> Result<Staff, AppError> {
    let invitation = invitation_for_token(db, token)
        .await?
        .ok_or(AppError::NotFound)?;
    // Mark used first: of two racing acceptances only one updates the row.
    let claimed =
        sqlx::query("update invitation set used_at = $1 where token_hash = $2 and used_at is null")
            .bind(now())
            .bind(token_hash(token))
            .execute(&db.pool)
            .await?;
    if claimed.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    match create_staff(db, &invitation.email, name, invitation.role, password).await {
        Ok(staff) => Ok(staff),
        Err(err) => {
            // Give the link back so the person can correct their input and try again.
            sqlx::query("update invitation set used_at = null where token_hash = $1")
                .bind(token_hash(token))
                .execute(&db.pool)
                .await?;
            Err(err)
        }
    }
}

/// The signed-in staff member, if any (never an error: pages show a login link instead).
pub struct MaybeStaff(pub Option<Staff>);

impl FromRequestParts<AppState> for MaybeStaff {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        match jar.get(SESSION_COOKIE) {
            Some(cookie) if !cookie.value().is_empty() => Ok(MaybeStaff(
                staff_for_token(&state.db, cookie.value()).await?,
            )),
            _ => Ok(MaybeStaff(None)),
        }
    }
}

/// A signed-in organizer; anyone else is refused (401 when not signed in, 403 otherwise).
pub struct Organizer(pub Staff);

impl FromRequestParts<AppState> for Organizer {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match MaybeStaff::from_request_parts(parts, state).await?.0 {
            Some(staff) if staff.role == StaffRole::Organizer => Ok(Organizer(staff)),
            Some(_) => Err(AppError::Forbidden),
            None => Err(AppError::Unauthorized),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_password_verifies_only_against_its_own_hash() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery".into(), hash.clone()).await);
        assert!(!verify_password("wrong horse battery".into(), hash).await);
        assert!(!verify_password("anything".into(), DUMMY_HASH.into()).await);
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = new_token();
        assert_ne!(a, new_token());
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
