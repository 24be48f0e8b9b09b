//! Web sessions and CSRF protection.
//!
//! A session is a row of the database (`web_sessions`), so any server sharing the database can
//! serve the next request; the cookie holds a random secret whose SHA-256 is the row's id. A
//! session is created only when a visitor starts something that needs one (an online request,
//! following a case), never for reading pages. It lasts 24 hours without use and 7 days at most:
//! what a person typed is saved in their case as they go, so an expired session loses nothing
//! (the case is found again with its reference and follow-up code).
//!
//! Every form that changes something carries the session's CSRF token in a hidden `csrf` field;
//! [`Session::check_csrf`] refuses a missing or wrong one. The cookie is `HttpOnly`,
//! `SameSite=Lax` and `Secure` (browsers accept `Secure` cookies from `localhost`; elsewhere
//! Guichet is served behind HTTPS).

use std::collections::BTreeMap;

use axum::http::{HeaderMap, HeaderValue, header};
use chrono::{DateTime, Duration, Utc};
use guichet_store::portal::SessionRow;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::AppError;

/// The session cookie's name.
pub const COOKIE: &str = "guichet_session";
/// A session unused for this long is over.
pub const IDLE: Duration = Duration::hours(24);
/// A session is over this long after it began, used or not.
pub const LIFETIME: Duration = Duration::days(7);

/// What the portal remembers for a visitor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionData {
    /// The draft being filled online, per procedure id: the case reference.
    #[serde(default)]
    pub drafts: BTreeMap<String, String>,
    /// Cases this visitor proved they may follow (reference and follow-up code, or because
    /// they submitted them in this session).
    #[serde(default)]
    pub followed: Vec<String>,
    /// Cases this browser fills at a desk, on behalf of the person (reference → the channel
    /// of the encounter, `counter` or `phone`): their changes are the signed-in agent's.
    #[serde(default)]
    pub desk: BTreeMap<String, String>,
    /// The person's account this browser is signed in to (`routes/account/`), with the
    /// account's generation at sign-in: a new password ends older sessions.
    #[serde(default)]
    pub account: Option<AccountSignIn>,
}

/// A signed-in person's account, in their session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSignIn {
    pub id: uuid::Uuid,
    pub generation: i64,
}

impl SessionData {
    pub fn follows(&self, reference: &str) -> bool {
        self.followed.iter().any(|r| r == reference)
    }

    pub fn follow(&mut self, reference: &str) {
        if !self.follows(reference) {
            self.followed.push(reference.to_owned());
            // A shared computer at a France Services: keep the list short.
            if self.followed.len() > 20 {
                self.followed.remove(0);
            }
        }
    }
}

/// A visitor's session, loaded for one request.
#[derive(Debug, Clone)]
pub struct Session {
    id: String,
    pub csrf: String,
    pub data: SessionData,
    /// The cookie to send when the session was just created.
    new_cookie: Option<String>,
}

/// 256 random bits, hex: session secrets and CSRF tokens.
pub(crate) fn random_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// What the database keeps of a cookie's secret.
pub(crate) fn digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The session cookie's value, if the request has one that looks like ours.
fn cookie_secret(headers: &HeaderMap) -> Option<String> {
    named_cookie_secret(headers, COOKIE)
}

/// The value of cookie `name`, if it looks like one of our secrets (64 hex digits).
pub(crate) fn named_cookie_secret(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(cookie, value)| {
            *cookie == name && value.len() == 64 && value.chars().all(|c| c.is_ascii_hexdigit())
        })
        .map(|(_, value)| value.to_owned())
}

impl Session {
    /// The visitor's session, if they have a live one.
    pub async fn load(state: &AppState, headers: &HeaderMap) -> Result<Option<Session>, AppError> {
        let Some(secret) = cookie_secret(headers) else {
            return Ok(None);
        };
        let now = state.clock.now();
        let row = state
            .store
            .get_session(&digest(&secret), now - IDLE, now - LIFETIME)
            .await?;
        Ok(row.map(|row| Session {
            id: row.id,
            csrf: row.csrf,
            // Data this version cannot read is dropped, not fatal: the cases are in the store.
            data: serde_json::from_str(&row.data).unwrap_or_default(),
            new_cookie: None,
        }))
    }

    /// The visitor's session, created (and stored) when they have none.
    pub async fn load_or_create(
        state: &AppState,
        headers: &HeaderMap,
    ) -> Result<Session, AppError> {
        if let Some(s) = Self::load(state, headers).await? {
            return Ok(s);
        }
        let now = state.clock.now();
        let secret = random_token();
        let session = Session {
            id: digest(&secret),
            csrf: random_token(),
            data: SessionData::default(),
            new_cookie: Some(secret),
        };
        state
            .store
            .insert_session(&SessionRow {
                id: session.id.clone(),
                csrf: session.csrf.clone(),
                data: "{}".to_owned(),
                created_at: now,
                last_seen_at: now,
            })
            .await?;
        Ok(session)
    }

    /// Saves the session's data (and that it was used now).
    pub async fn save(&self, state: &AppState, now: DateTime<Utc>) -> Result<(), AppError> {
        let data = serde_json::to_string(&self.data)
            .map_err(|e| AppError::Internal(format!("session data: {e}")))?;
        state.store.touch_session(&self.id, &data, now).await?;
        Ok(())
    }

    /// Gives the session a new secret and a new CSRF token, keeping its data (at sign-in, so
    /// that a secret planted before cannot follow the person into their account). The old row
    /// is deleted; the response must carry the new cookie ([`with_cookie`]).
    pub async fn renew(&mut self, state: &AppState, now: DateTime<Utc>) -> Result<(), AppError> {
        let data = serde_json::to_string(&self.data)
            .map_err(|e| AppError::Internal(format!("session data: {e}")))?;
        let secret = random_token();
        let old = std::mem::replace(&mut self.id, digest(&secret));
        self.csrf = random_token();
        self.new_cookie = Some(secret);
        state
            .store
            .insert_session(&SessionRow {
                id: self.id.clone(),
                csrf: self.csrf.clone(),
                data,
                created_at: now,
                last_seen_at: now,
            })
            .await?;
        state.store.delete_session(&old).await?;
        Ok(())
    }

    /// Refuses a form whose CSRF token is missing or not this session's.
    pub fn check_csrf(&self, token: Option<&str>) -> Result<(), AppError> {
        check_token(&self.csrf, token)
    }

    /// The `Set-Cookie` header to add to the response, when the session is new.
    pub fn set_cookie(&self) -> Option<(header::HeaderName, HeaderValue)> {
        let secret = self.new_cookie.as_ref()?;
        let value = format!(
            "{COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age={}",
            LIFETIME.num_seconds()
        );
        HeaderValue::from_str(&value)
            .ok()
            .map(|v| (header::SET_COOKIE, v))
    }
}

/// Refuses a form of a visitor who has no session (its cookie expired or was refused).
pub async fn require(
    state: &AppState,
    headers: &HeaderMap,
    csrf: Option<&str>,
) -> Result<Session, AppError> {
    let session = Session::load(state, headers)
        .await?
        .ok_or(AppError::Expired)?;
    session.check_csrf(csrf)?;
    Ok(session)
}

/// Refuses a form whose CSRF token is missing or not `expected`; compared in constant time
/// (the token's length is fixed and public).
pub(crate) fn check_token(expected: &str, token: Option<&str>) -> Result<(), AppError> {
    let given = token.unwrap_or("").as_bytes();
    let expected = expected.as_bytes();
    let same = given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same { Ok(()) } else { Err(AppError::Expired) }
}

/// `response`, with the session's cookie when the session was just created.
pub fn with_cookie(
    session: &Session,
    response: impl axum::response::IntoResponse,
) -> axum::response::Response {
    let mut response = response.into_response();
    if let Some((name, value)) = session.set_cookie() {
        response.headers_mut().append(name, value);
    }
    response
}
