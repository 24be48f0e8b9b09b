//! Creating an account, confirming its address, signing in and out.
//!
//! Creation answers the same words whether the address already has an account or not (the
//! mailbox, not the page, learns which: the owner of an address that has one gets an email
//! saying so); the password is hashed in both cases, so the time does not tell either.
//! Sign-in says the same words for an unknown address and a wrong password.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use guichet_domain::Email;
use guichet_notify::account::AccountEmail;
use guichet_store::StoreError;
use guichet_store::person_accounts::{PersonAccount, TokenPurpose};
use serde::Deserialize;

use super::{
    CLIENT_MAX_FAILURES, Client, error, error_of, send_email, send_link, typed_email, wait_fr,
};
use crate::error::AppError;
use crate::form_input::FormInput;
use crate::routes::online::ErrorLink;
use crate::session::{AccountSignIn, Session, with_cookie};
use crate::staff::{LOCK, MAX_FAILURES};
use crate::{AppState, Layout};

/// A page that only says something (done, sent, expired), with links onward.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "account_message.html")]
pub struct MessagePage {
    layout: Layout,
    heading: String,
    paragraphs: Vec<String>,
}

impl MessagePage {
    pub fn new(state: &AppState, heading: &str, paragraphs: Vec<String>) -> Self {
        Self {
            layout: Layout::new(state, heading),
            heading: heading.to_owned(),
            paragraphs,
        }
    }
}

/// Hashes a password off the request path (argon2id costs tens of milliseconds on purpose).
pub(crate) async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || guichet_auth::hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(format!("password hash: {e}")))?
        .map_err(|e| AppError::Internal(format!("password hash: {e:?}")))
}

/// Checks a new password and its confirmation; the errors go next to the fields.
pub(crate) fn check_new_password(password: &str, confirmation: &str) -> Vec<ErrorLink> {
    let mut errors = Vec::new();
    if password.is_empty() {
        errors.push(error("mot_de_passe", "Choisissez un mot de passe."));
    } else if let Err(e) = guichet_auth::check_password_policy(password) {
        errors.push(error("mot_de_passe", e.to_string()));
    } else if password != confirmation {
        errors.push(error(
            "confirmation",
            "Les deux mots de passe ne sont pas identiques : tapez le même deux fois.",
        ));
    }
    errors
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "account_sign_up.html")]
pub struct SignUpPage {
    layout: Layout,
    csrf: String,
    email: String,
    errors: Vec<ErrorLink>,
}

impl SignUpPage {
    fn err(&self, input: &str) -> Option<String> {
        error_of(&self.errors, input)
    }
}

fn sign_up_page(
    state: &AppState,
    session: &Session,
    email: &str,
    errors: Vec<ErrorLink>,
) -> SignUpPage {
    let mut layout = Layout::new(state, "Créer un compte");
    if !errors.is_empty() {
        layout = layout.with_error();
    }
    SignUpPage {
        layout,
        csrf: session.csrf.clone(),
        email: email.to_owned(),
        errors,
    }
}

/// `GET /compte/creer`.
pub async fn sign_up_form(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let session = Session::load_or_create(&state, &headers).await?;
    let page = sign_up_page(&state, &session, "", Vec::new());
    Ok(with_cookie(&session, page))
}

/// `POST /compte/creer`.
pub async fn sign_up(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: FormInput,
) -> Result<Response, AppError> {
    let session = crate::session::require(&state, &headers, form.get("csrf")).await?;
    let typed = typed_email(&form);
    let password = form.get("mot_de_passe").unwrap_or("").to_owned();
    let confirmation = form.get("confirmation").unwrap_or("");
    let mut errors = Vec::new();
    let email = if typed.is_empty() {
        errors.push(error(
            "courriel",
            "Indiquez votre adresse de courriel, par exemple prenom.nom@exemple.fr.",
        ));
        None
    } else {
        match Email::parse(&typed) {
            Ok(e) => Some(e),
            Err(e) => {
                errors.push(error("courriel", e.message));
                None
            }
        }
    };
    errors.extend(check_new_password(&password, confirmation));
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        let page = sign_up_page(&state, &session, &typed, errors);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    // Hashed whether or not the address has an account: the time tells nothing.
    let password_hash = hash(password).await?;
    let now = state.clock.now();
    let account = PersonAccount {
        id: uuid::Uuid::new_v4(),
        email: email.as_str().to_lowercase(),
        password_hash,
        verified_at: None,
        failed_attempts: 0,
        locked_until: None,
        generation: 0,
        created_at: now,
        last_sign_in_at: None,
    };
    match state.store.insert_person_account(&account).await {
        Ok(()) => send_link(&state, &account, TokenPurpose::Verify, now).await?,
        Err(StoreError::Duplicate(_)) => {
            let message = AccountEmail::AlreadyExists {
                sign_in: super::absolute(&state, "/compte/connexion"),
                forgotten: super::absolute(&state, "/compte/mot-de-passe-oublie"),
            };
            let key = format!("account:exists:{}", uuid::Uuid::new_v4());
            send_email(&state, &account.email, &message, key, now).await?;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to("/compte/creer/envoye").into_response())
}

/// `GET /compte/creer/envoye`: the same words whether an account was created or not.
pub async fn sign_up_sent(State(state): State<AppState>) -> MessagePage {
    MessagePage::new(
        &state,
        "Consultez votre messagerie",
        vec![
            format!("Un courriel vient d’être envoyé à l’adresse indiquée. Ouvrez le lien qu’il contient pour confirmer votre adresse : il est valable {} heures. Si l’adresse avait déjà un compte, le courriel le dit et explique comment vous connecter.", super::VERIFY_FOR.num_hours()),
            format!("Rien reçu après quelques minutes ? Regardez dans les courriels indésirables, ou recommencez en vérifiant l’adresse. Une même adresse reçoit au plus {} courriels de ce site par heure.", super::MAILS_PER_ADDRESS),
            "Votre compte est facultatif : vos dossiers se suivent aussi avec la référence et le code de suivi inscrits sur chaque courrier.".to_owned(),
        ],
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    pub jeton: Option<String>,
}

/// `GET /compte/confirmer?jeton=…`: the link of the confirmation email.
pub async fn verify(
    State(state): State<AppState>,
    query: Result<Query<TokenQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let token = query.ok().and_then(|Query(q)| q.jeton).unwrap_or_default();
    let used = state
        .store
        .use_person_account_token(
            &crate::session::digest(token.trim()),
            TokenPurpose::Verify,
            None,
            state.clock.now(),
        )
        .await?;
    Ok(match used {
        Some(_) => MessagePage::new(
            &state,
            "Votre adresse est confirmée",
            vec!["Votre compte est prêt. Connectez-vous avec votre adresse et votre mot de passe pour voir vos dossiers.".to_owned()],
        )
        .into_response(),
        None => (
            StatusCode::GONE,
            MessagePage::new(
                &state,
                "Ce lien ne fonctionne plus",
                vec![
                    format!("Le lien a déjà servi, ou il a plus de {} heures. Si votre adresse est déjà confirmée, connectez-vous simplement.", super::VERIFY_FOR.num_hours()),
                    "Sinon, connectez-vous avec votre adresse et votre mot de passe : un nouveau lien vous sera envoyé.".to_owned(),
                ],
            ),
        )
            .into_response(),
    })
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "account_sign_in.html")]
pub struct SignInPage {
    layout: Layout,
    csrf: String,
    email: String,
    notice: Option<String>,
    errors: Vec<ErrorLink>,
}

impl SignInPage {
    fn err(&self, input: &str) -> Option<String> {
        error_of(&self.errors, input)
    }
}

fn sign_in_page(
    state: &AppState,
    session: &Session,
    email: &str,
    notice: Option<String>,
    errors: Vec<ErrorLink>,
) -> SignInPage {
    let mut layout = Layout::new(state, "Se connecter à mon compte");
    if !errors.is_empty() {
        layout = layout.with_error();
    }
    SignInPage {
        layout,
        csrf: session.csrf.clone(),
        email: email.to_owned(),
        notice,
        errors,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SignInQuery {
    #[serde(default)]
    au_revoir: Option<String>,
    #[serde(default)]
    nouveau: Option<String>,
}

/// `GET /compte/connexion`.
pub async fn sign_in_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<SignInQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let session = Session::load_or_create(&state, &headers).await?;
    if super::signed_in(&state, &session).await?.is_some() {
        return Ok(Redirect::to("/compte").into_response());
    }
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let notice = if query.au_revoir.is_some() {
        Some("Vous êtes déconnecté·e.".to_owned())
    } else if query.nouveau.is_some() {
        Some("Votre nouveau mot de passe est enregistré. Connectez-vous avec lui.".to_owned())
    } else {
        None
    };
    let page = sign_in_page(&state, &session, "", notice, Vec::new());
    Ok(with_cookie(&session, page))
}

/// The same words for an unknown address and a wrong password.
const WRONG: &str = "Adresse de courriel ou mot de passe incorrect. Vérifiez-les et réessayez.";

fn locked_message(
    until: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    format!(
        "Par sécurité, la connexion à ce compte est bloquée après {MAX_FAILURES} mots de passe erronés. Réessayez dans {}, ou choisissez un nouveau mot de passe avec « Mot de passe oublié ».",
        wait_fr(until, now)
    )
}

/// `POST /compte/connexion`.
pub async fn sign_in(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    form: FormInput,
) -> Result<Response, AppError> {
    let mut session = crate::session::require(&state, &headers, form.get("csrf")).await?;
    let typed = typed_email(&form);
    let password = form.get("mot_de_passe").unwrap_or("").to_owned();
    let now = state.clock.now();
    let refuse = |session: &Session, input: &str, message: String| {
        let page = sign_in_page(&state, session, &typed, None, vec![error(input, message)]);
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    };
    if typed.is_empty() {
        return Ok(refuse(
            &session,
            "courriel",
            "Indiquez votre adresse de courriel.".into(),
        ));
    }
    if password.is_empty() {
        return Ok(refuse(
            &session,
            "mot_de_passe",
            "Indiquez votre mot de passe.".into(),
        ));
    }
    let (failures, oldest) = state.store.sign_in_failures(&client, now - LOCK).await?;
    if failures >= CLIENT_MAX_FAILURES {
        let until = oldest.unwrap_or(now) + LOCK;
        return Ok(refuse(
            &session,
            "mot_de_passe",
            format!(
                "Trop d’essais erronés depuis cette connexion. Par sécurité, réessayez dans {}.",
                wait_fr(until, now)
            ),
        ));
    }
    let Some(account) = state.store.person_account_by_email(&typed).await? else {
        let p = password.clone();
        let _ = tokio::task::spawn_blocking(move || guichet_auth::verify_dummy(&p)).await;
        state
            .store
            .record_sign_in_failure(&client, now, now - LOCK)
            .await?;
        return Ok(refuse(&session, "mot_de_passe", WRONG.into()));
    };
    if let Some(until) = account.locked_until.filter(|u| *u > now) {
        return Ok(refuse(&session, "mot_de_passe", locked_message(until, now)));
    }
    let stored = account.password_hash.clone();
    let ok = tokio::task::spawn_blocking(move || guichet_auth::verify_password(&password, &stored))
        .await
        .map_err(|e| AppError::Internal(format!("password check: {e}")))?;
    if !ok {
        state
            .store
            .record_sign_in_failure(&client, now, now - LOCK)
            .await?;
        let locked = state
            .store
            .record_person_account_failure(account.id, MAX_FAILURES, now + LOCK)
            .await?;
        let message = match locked {
            Some(until) if until > now => locked_message(until, now),
            _ => WRONG.to_owned(),
        };
        return Ok(refuse(&session, "mot_de_passe", message));
    }
    if account.verified_at.is_none() {
        send_link(&state, &account, TokenPurpose::Verify, now).await?;
        return Ok(refuse(
            &session,
            "courriel",
            "Votre adresse n’est pas encore confirmée. Nous venons de vous renvoyer le lien par courriel : ouvrez-le, puis connectez-vous.".into(),
        ));
    }
    state
        .store
        .person_account_signed_in(account.id, now)
        .await?;
    session.data.account = Some(AccountSignIn {
        id: account.id,
        generation: account.generation,
    });
    session.renew(&state, now).await?;
    Ok(with_cookie(&session, Redirect::to("/compte")))
}

/// `POST /compte/deconnexion`.
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: FormInput,
) -> Result<Response, AppError> {
    let mut session = crate::session::require(&state, &headers, form.get("csrf")).await?;
    session.data.account = None;
    // What was followed through the account is not left behind on a shared computer.
    session.data.followed.clear();
    session.data.drafts.clear();
    session.save(&state, state.clock.now()).await?;
    Ok(Redirect::to("/compte/connexion?au_revoir=1").into_response())
}
