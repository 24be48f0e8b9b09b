//! « Mot de passe oublié »: a link by email to choose a new password (single use, valid
//! [`super::RESET_FOR`], stored as its SHA-256), with the same answer whether the address has
//! an account or not; and, for people who cannot read that email, the other ways to follow a
//! case (the follow-up code on letters, the counter, the phone), which need no account.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use guichet_domain::Email;
use guichet_store::person_accounts::TokenPurpose;
use serde::Deserialize;

use super::sign_in::{MessagePage, TokenQuery, check_new_password, hash};
use super::{error, error_of, send_link, typed_email};
use crate::error::AppError;
use crate::form_input::FormInput;
use crate::routes::online::ErrorLink;
use crate::session::{Session, with_cookie};
use crate::{AppState, Layout};

#[derive(Debug, Template, WebTemplate)]
#[template(path = "account_forgot.html")]
pub struct ForgotPage {
    layout: Layout,
    csrf: String,
    email: String,
    sent: bool,
    errors: Vec<ErrorLink>,
}

impl ForgotPage {
    fn err(&self, input: &str) -> Option<String> {
        error_of(&self.errors, input)
    }

    fn mails_per_hour(&self) -> u64 {
        super::MAILS_PER_ADDRESS
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ForgotQuery {
    #[serde(default)]
    envoye: Option<String>,
}

/// `GET /compte/mot-de-passe-oublie`.
pub async fn forgot_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<ForgotQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let session = Session::load_or_create(&state, &headers).await?;
    let sent = query.is_ok_and(|Query(q)| q.envoye.is_some());
    let page = ForgotPage {
        layout: Layout::new(&state, "Mot de passe oublié"),
        csrf: session.csrf.clone(),
        email: String::new(),
        sent,
        errors: Vec::new(),
    };
    Ok(with_cookie(&session, page))
}

/// `POST /compte/mot-de-passe-oublie`: the same answer for any well-formed address.
pub async fn forgot(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: FormInput,
) -> Result<Response, AppError> {
    let session = crate::session::require(&state, &headers, form.get("csrf")).await?;
    let typed = typed_email(&form);
    let email = match Email::parse(&typed) {
        Ok(e) => e,
        Err(e) => {
            let message = if typed.is_empty() {
                "Indiquez l’adresse de courriel de votre compte.".to_owned()
            } else {
                e.message
            };
            let page = ForgotPage {
                layout: Layout::new(&state, "Mot de passe oublié").with_error(),
                csrf: session.csrf.clone(),
                email: typed,
                sent: false,
                errors: vec![error("courriel", message)],
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    if let Some(account) = state.store.person_account_by_email(email.as_str()).await? {
        send_link(&state, &account, TokenPurpose::Reset, state.clock.now()).await?;
    }
    Ok(Redirect::to("/compte/mot-de-passe-oublie?envoye=1").into_response())
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "account_reset.html")]
pub struct ResetPage {
    layout: Layout,
    csrf: String,
    token: String,
    errors: Vec<ErrorLink>,
}

impl ResetPage {
    fn err(&self, input: &str) -> Option<String> {
        error_of(&self.errors, input)
    }
}

fn expired(state: &AppState) -> Response {
    (
        StatusCode::GONE,
        MessagePage::new(
            state,
            "Ce lien ne fonctionne plus",
            vec![format!(
                "Un lien pour changer de mot de passe sert une seule fois, pendant {} minutes. Demandez-en un nouveau depuis la page « Mot de passe oublié ».",
                super::RESET_FOR.num_minutes()
            )],
        ),
    )
        .into_response()
}

/// `GET /compte/nouveau-mot-de-passe?jeton=…`: the form, if the link is still good (the token
/// is only used when the new password is saved).
pub async fn reset_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<TokenQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let token: String = query
        .ok()
        .and_then(|Query(q)| q.jeton)
        .unwrap_or_default()
        .trim()
        .chars()
        .take(100)
        .collect();
    let live = state
        .store
        .peek_person_account_token(
            &crate::session::digest(&token),
            TokenPurpose::Reset,
            state.clock.now(),
        )
        .await?;
    if live.is_none() {
        return Ok(expired(&state));
    }
    let session = Session::load_or_create(&state, &headers).await?;
    let page = ResetPage {
        layout: Layout::new(&state, "Choisir un nouveau mot de passe"),
        csrf: session.csrf.clone(),
        token,
        errors: Vec::new(),
    };
    let mut response = with_cookie(&session, page);
    // The token is in this page's address: keep it out of caches.
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// `POST /compte/nouveau-mot-de-passe`: saves the new password and uses the link.
pub async fn reset(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: FormInput,
) -> Result<Response, AppError> {
    let session = crate::session::require(&state, &headers, form.get("csrf")).await?;
    let token: String = form
        .get("jeton")
        .unwrap_or("")
        .trim()
        .chars()
        .take(100)
        .collect();
    let password = form.get("mot_de_passe").unwrap_or("").to_owned();
    let errors = check_new_password(&password, form.get("confirmation").unwrap_or(""));
    if !errors.is_empty() {
        let page = ResetPage {
            layout: Layout::new(&state, "Choisir un nouveau mot de passe").with_error(),
            csrf: session.csrf.clone(),
            token,
            errors,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let password_hash = hash(password).await?;
    let used = state
        .store
        .use_person_account_token(
            &crate::session::digest(&token),
            TokenPurpose::Reset,
            Some(&password_hash),
            state.clock.now(),
        )
        .await?;
    match used {
        Some(_) => Ok(Redirect::to("/compte/connexion?nouveau=1").into_response()),
        None => Ok(expired(&state)),
    }
}
