//! `/agents/connexion…`, `/agents/deconnexion` and `/agents`: staff sign-in with a password and
//! a TOTP code (enrolled with a QR code at first sign-in), sign-out, and the desk's home page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Timelike;
use guichet_store::agents::{AgentAccount, SessionStage};
use serde::Deserialize;

use crate::error::AppError;
use crate::form_input::FormInput;
use crate::staff::{self, LOCK, MAX_FAILURES, SignedIn, StaffSession};
use crate::{AppState, Layout};

/// The issuer shown in authenticator apps.
fn issuer(state: &AppState) -> String {
    format!("Guichet — {}", state.site.name)
}

#[derive(Debug, Deserialize, Default)]
pub struct SignInQuery {
    expiree: Option<String>,
    deconnecte: Option<String>,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "staff_sign_in.html")]
pub struct SignInPage {
    layout: Layout,
    login: String,
    error: Option<String>,
    notice: Option<String>,
}

fn sign_in_page(state: &AppState, login: &str, error: Option<String>) -> SignInPage {
    let mut layout = Layout::new(state, "Connexion des agents");
    if error.is_some() {
        layout = layout.with_error();
    }
    SignInPage {
        layout,
        login: login.to_owned(),
        error,
        notice: None,
    }
}

pub async fn sign_in_form(
    State(state): State<AppState>,
    query: Result<Query<SignInQuery>, QueryRejection>,
) -> SignInPage {
    let mut page = sign_in_page(&state, "", None);
    let query = query.map(|Query(q)| q).unwrap_or_default();
    if query.deconnecte.is_some() {
        page.notice = Some("Vous êtes déconnecté·e. À bientôt.".to_owned());
    } else if query.expiree.is_some() {
        page.notice = Some(
            "Votre session a pris fin (30 minutes sans activité, ou fin de journée). Reconnectez-vous."
                .to_owned(),
        );
    }
    page
}

/// The same message for an unknown login and a wrong password: nobody learns which logins exist.
const WRONG: &str = "Identifiant ou mot de passe incorrect. Vérifiez-les et réessayez.";

fn locked_message(until: chrono::DateTime<chrono::Utc>) -> String {
    let local = guichet_places::local_time(until, None);
    format!(
        "Ce compte est verrouillé après {MAX_FAILURES} essais erronés, jusqu’à {}. Attendez, ou demandez à un administrateur ou une administratrice de le débloquer (réinitialisation du compte).",
        guichet_places::time_fr(local.hour(), local.minute())
    )
}

/// Counts a failure; journals it, and the lock when it happens. Returns the message to show.
async fn fail(
    state: &AppState,
    account: &AgentAccount,
    event: &str,
    message: &str,
) -> Result<String, AppError> {
    let now = state.clock.now();
    let locked = state
        .store
        .record_agent_failure(account.id, MAX_FAILURES, now + LOCK)
        .await?;
    staff::journal(state, Some(account.id), &account.login, event, "").await?;
    match locked {
        Some(until) if until > now => {
            staff::journal(state, Some(account.id), &account.login, "locked", "").await?;
            Ok(locked_message(until))
        }
        _ => Ok(message.to_owned()),
    }
}

pub async fn sign_in(State(state): State<AppState>, form: FormInput) -> Result<Response, AppError> {
    let login = form
        .get("identifiant")
        .unwrap_or_default()
        .trim()
        .chars()
        .take(200)
        .collect::<String>();
    let password = form.get("mot_de_passe").unwrap_or_default().to_owned();
    if login.is_empty() || password.is_empty() {
        return Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            sign_in_page(
                &state,
                &login,
                Some("Indiquez votre identifiant et votre mot de passe.".to_owned()),
            ),
        )
            .into_response());
    }
    let now = state.clock.now();
    let refuse = |message: String| {
        (
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            sign_in_page(&state, &login, Some(message)),
        )
            .into_response()
    };
    let Some(account) = state.store.agent_by_login(&login).await? else {
        guichet_auth::verify_dummy(&password);
        staff::journal(&state, None, &login, "sign_in_failed", "compte inconnu").await?;
        return Ok(refuse(WRONG.to_owned()));
    };
    if account.suspended {
        guichet_auth::verify_dummy(&password);
        staff::journal(
            &state,
            Some(account.id),
            &login,
            "sign_in_failed",
            "compte suspendu",
        )
        .await?;
        return Ok(refuse(WRONG.to_owned()));
    }
    if let Some(until) = account.locked_until.filter(|u| *u > now) {
        staff::journal(
            &state,
            Some(account.id),
            &login,
            "sign_in_failed",
            "compte verrouillé",
        )
        .await?;
        return Ok(refuse(locked_message(until)));
    }
    let hash = account.password_hash.clone();
    let ok = tokio::task::spawn_blocking(move || guichet_auth::verify_password(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(format!("password check: {e}")))?;
    if !ok {
        let message = fail(&state, &account, "sign_in_failed", WRONG).await?;
        return Ok(refuse(message));
    }
    let (stage, pending, next) = match account.totp_secret {
        Some(_) => (SessionStage::Password, None, "/agents/connexion/code"),
        None => (
            SessionStage::Enrol,
            Some(guichet_auth::TotpSecret::generate().to_base32()),
            "/agents/connexion/enrolement",
        ),
    };
    let cookie = staff::start(&state, &account, stage, pending, now).await?;
    Ok(([cookie], Redirect::to(next)).into_response())
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "staff_code.html")]
pub struct CodePage {
    layout: Layout,
    csrf: String,
    name: String,
    error: Option<String>,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "staff_enrol.html")]
pub struct EnrolPage {
    layout: Layout,
    csrf: String,
    name: String,
    qr: String,
    secret: String,
    error: Option<String>,
}

/// The session between the password and the code, at `stage`.
async fn pending(
    state: &AppState,
    headers: &HeaderMap,
    stage: SessionStage,
) -> Result<StaffSession, AppError> {
    match StaffSession::load(state, headers).await? {
        Some(s) if s.session.stage == stage => Ok(s),
        _ => Err(AppError::SignInRequired),
    }
}

fn code_page(state: &AppState, s: &StaffSession, error: Option<String>) -> CodePage {
    let mut layout = Layout::new(state, "Code de vérification — Connexion des agents");
    if error.is_some() {
        layout = layout.with_error();
    }
    CodePage {
        layout,
        csrf: s.session.csrf.clone(),
        name: s.account.display_name.clone(),
        error,
    }
}

fn enrol_page(state: &AppState, s: &StaffSession, error: Option<String>) -> EnrolPage {
    let mut layout = Layout::new(
        state,
        "Activer la double authentification — Connexion des agents",
    );
    if error.is_some() {
        layout = layout.with_error();
    }
    let secret = s
        .session
        .pending_secret
        .as_deref()
        .and_then(guichet_auth::TotpSecret::from_base32);
    let (qr, text) = match &secret {
        Some(secret) => {
            let uri = secret.otpauth_uri(&issuer(state), &s.account.login);
            (
                guichet_auth::qr_svg(
                    &uri,
                    "QR code à scanner avec votre application d’authentification",
                ),
                spaced(&secret.to_base32()),
            )
        }
        None => (String::new(), String::new()),
    };
    EnrolPage {
        layout,
        csrf: s.session.csrf.clone(),
        name: s.account.display_name.clone(),
        qr,
        secret: text,
        error,
    }
}

/// « ABCD EFGH … »: a secret typed by hand, in groups of four.
fn spaced(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

pub async fn code_form(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let s = pending(&state, &headers, SessionStage::Password).await?;
    Ok(code_page(&state, &s, None).into_response())
}

pub async fn enrol_form(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let s = pending(&state, &headers, SessionStage::Enrol).await?;
    Ok(enrol_page(&state, &s, None).into_response())
}

const WRONG_CODE: &str = "Ce code n’est pas le bon, ou il a expiré. Tapez le code à six chiffres affiché maintenant par votre application.";

/// Checks a code against `secret`; on success the session is signed in.
async fn accept_code(
    state: &AppState,
    s: &StaffSession,
    secret: &guichet_auth::TotpSecret,
    code: &str,
    enrolling: bool,
) -> Result<Result<(), String>, AppError> {
    let now = state.clock.now();
    if let Some(until) = s.account.locked_until.filter(|u| *u > now) {
        return Ok(Err(locked_message(until)));
    }
    let step = secret.verify(code, now.timestamp(), s.account.totp_last_step);
    let accepted = match step {
        Some(step) if enrolling => {
            state
                .store
                .set_agent_totp(s.account.id, Some(&secret.to_base32()), Some(step))
                .await?;
            staff::journal(state, Some(s.account.id), &s.account.login, "enrolled", "").await?;
            true
        }
        Some(step) => state.store.use_totp_step(s.account.id, step).await?,
        None => false,
    };
    if !accepted {
        let message = fail(state, &s.account, "second_factor_failed", WRONG_CODE).await?;
        if message != WRONG_CODE {
            // Locked: this half-signed-in session ends too.
            state.store.delete_agent_session(&s.session.id).await?;
        }
        return Ok(Err(message));
    }
    state.store.clear_agent_failures(s.account.id).await?;
    state
        .store
        .update_agent_session(&s.session.id, SessionStage::SignedIn, None, now)
        .await?;
    staff::journal(state, Some(s.account.id), &s.account.login, "sign_in", "").await?;
    Ok(Ok(()))
}

pub async fn code(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: FormInput,
) -> Result<Response, AppError> {
    let s = pending(&state, &headers, SessionStage::Password).await?;
    s.check_csrf(form.get("csrf"))?;
    let Some(secret) = s
        .account
        .totp_secret
        .as_deref()
        .and_then(guichet_auth::TotpSecret::from_base32)
    else {
        return Err(AppError::Internal("stored TOTP secret unreadable".into()));
    };
    match accept_code(
        &state,
        &s,
        &secret,
        form.get("code").unwrap_or_default(),
        false,
    )
    .await?
    {
        Ok(()) => Ok(Redirect::to("/agents").into_response()),
        Err(message) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            code_page(&state, &s, Some(message)),
        )
            .into_response()),
    }
}

pub async fn enrol(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: FormInput,
) -> Result<Response, AppError> {
    let s = pending(&state, &headers, SessionStage::Enrol).await?;
    s.check_csrf(form.get("csrf"))?;
    let Some(secret) = s
        .session
        .pending_secret
        .as_deref()
        .and_then(guichet_auth::TotpSecret::from_base32)
    else {
        return Err(AppError::SignInRequired);
    };
    match accept_code(
        &state,
        &s,
        &secret,
        form.get("code").unwrap_or_default(),
        true,
    )
    .await?
    {
        Ok(()) => Ok(Redirect::to("/agents").into_response()),
        Err(message) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            enrol_page(&state, &s, Some(message)),
        )
            .into_response()),
    }
}

pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: FormInput,
) -> Result<Response, AppError> {
    if let Some(s) = StaffSession::load(&state, &headers).await? {
        s.check_csrf(form.get("csrf"))?;
        state.store.delete_agent_session(&s.session.id).await?;
        staff::journal(&state, Some(s.account.id), &s.account.login, "sign_out", "").await?;
    }
    Ok((
        [staff::clear_cookie()],
        Redirect::to("/agents/connexion?deconnecte=1"),
    )
        .into_response())
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "staff_home.html")]
pub struct HomePage {
    layout: Layout,
    csrf: String,
    name: String,
    role: &'static str,
    operator: String,
    place: Option<String>,
    is_admin: bool,
    is_front_desk: bool,
    is_officer: bool,
    /// Open alerts this agent may handle; `None` for a role that handles none.
    open_alerts: Option<usize>,
    events: Vec<(String, String)>,
}

pub async fn home(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let me = SignedIn::require(&state, &headers).await?;
    let a = me.account();
    let operator = state
        .store
        .list_operators()
        .await?
        .into_iter()
        .find(|o| o.id == a.operator)
        .map_or_else(|| a.operator.to_string(), |o| o.name);
    let events = state
        .store
        .security_events(Some(a.id), 5)
        .await?
        .into_iter()
        .map(|e| (date_time_fr(e.at), event_label(&e.event).to_owned()))
        .collect();
    let open_alerts = crate::routes::desk_alerts::count(&state, &me).await?;
    Ok(HomePage {
        open_alerts,
        layout: Layout::new(&state, "Accueil des agents"),
        csrf: me.csrf().to_owned(),
        name: a.display_name.clone(),
        role: a.role.label_fr(),
        operator,
        place: a.place.clone(),
        is_admin: a.role == guichet_domain::StaffRole::Administrator,
        is_front_desk: a.role == guichet_domain::StaffRole::FrontDesk,
        is_officer: a.role == guichet_domain::StaffRole::CaseOfficer,
        events,
    }
    .into_response())
}

/// « 1er décembre 2026 à 9 h 05 », in French local time.
pub(crate) fn date_time_fr(at: chrono::DateTime<chrono::Utc>) -> String {
    let local = guichet_places::local_time(at, None);
    format!(
        "{} à {}",
        guichet_letters::french_date(local.date()),
        guichet_places::time_fr(local.hour(), local.minute())
    )
}

/// The security journal's events in French.
pub fn event_label(event: &str) -> &'static str {
    match event {
        "sign_in" => "connexion",
        "sign_in_failed" => "échec de connexion (mot de passe)",
        "second_factor_failed" => "échec de connexion (code)",
        "locked" => "compte verrouillé",
        "sign_out" => "déconnexion",
        "enrolled" => "double authentification activée",
        "access_refused" => "accès refusé",
        "account_created" => "compte créé",
        "account_suspended" => "compte suspendu",
        "account_reactivated" => "compte réactivé",
        "account_reset" => "compte réinitialisé",
        "alert_closed" => "alerte fermée",
        "person_registered" => "personne enregistrée",
        _ => "autre événement",
    }
}
