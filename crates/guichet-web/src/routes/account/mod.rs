//! `/compte`: an account, if the person wants one — an email address and a password to see all
//! their cases in one place. Never required: `/suivi` with the reference and the follow-up
//! code, online requests, the counter, the phone and the post all work without it.
//!
//! The account lives in the visitor's web session (`SessionData::account`, the existing
//! database-stored session, renewed at sign-in). Passwords are checked and hashed by
//! `guichet-auth` (the staff's own policy and argon2id parameters), off the request path.
//! Wrong passwords are counted per account (five in a row lock it for 15 minutes, the staff
//! accounts' numbers) and per client address ([`CLIENT_MAX_FAILURES`] in the same window,
//! against guessing across many accounts), both in the database so servers count together.
//! Emails (confirming the address, a new password) go through the outbox like every message.
//!
//! An account never changes a case: it links cases — automatically when the person submits a
//! request online while signed in (`online::submit`), or with the reference and the follow-up
//! code (the `/suivi` check and its count, [`follow::check_code`]). Unlinking a case or
//! deleting the account removes links only.
//!
//! Pages: [`sign_in`] (create, confirm, sign in, sign out), [`password`] (forgotten, new),
//! and here the account's page, adding and removing a case, deleting the account.

pub mod password;
pub mod sign_in;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, Utc};
use guichet_domain::{CaseReference, Delivery, NotificationKind};
use guichet_notify::account::{AccountEmail, account_email};
use guichet_store::outbox::NewIntent;
use guichet_store::person_accounts::{LinkedHow, PersonAccount, TokenPurpose};
use serde::Deserialize;

use crate::error::AppError;
use crate::form_input::FormInput;
use crate::routes::follow::{self, CodeCheck};
use crate::routes::online::ErrorLink;
use crate::session::{Session, with_cookie};

/// The address typed in a form's « courriel » field, trimmed and capped at an address's
/// longest length (254), as the account forms all read it.
fn typed_email(form: &FormInput) -> String {
    form.get("courriel")
        .unwrap_or("")
        .trim()
        .chars()
        .take(254)
        .collect()
}
use crate::{AppState, Layout};

/// Wrong sign-ins accepted from one client address within [`crate::staff::LOCK`]. Generous:
/// several people share the address of a France Services or of a reverse proxy.
pub const CLIENT_MAX_FAILURES: u64 = 30;
/// How long a link to confirm the address stays valid.
pub const VERIFY_FOR: Duration = Duration::hours(48);
/// How long a link to choose a new password stays valid.
pub const RESET_FOR: Duration = Duration::minutes(60);

/// The client's network address, for counting wrong sign-ins (`unknown` when the server was
/// not started with connection information, as in the in-process tests).
#[derive(Debug, Clone)]
pub struct Client(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Client(
            parts
                .extensions
                .get::<ConnectInfo<std::net::SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip().to_string())
                .unwrap_or_else(|| "unknown".to_owned()),
        ))
    }
}

/// The account this session is signed in to, if it still may be (the account exists, its
/// address is confirmed and its password did not change since).
pub async fn signed_in(
    state: &AppState,
    session: &Session,
) -> Result<Option<PersonAccount>, AppError> {
    let Some(s) = &session.data.account else {
        return Ok(None);
    };
    Ok(state
        .store
        .get_person_account(s.id)
        .await?
        .filter(|a| a.generation == s.generation && a.verified_at.is_some()))
}

/// Links `reference` to the account the visitor is signed in to, if any (a request submitted
/// online while signed in).
pub async fn link_if_signed_in(
    state: &AppState,
    session: &Session,
    reference: &CaseReference,
) -> Result<(), AppError> {
    if let Some(account) = signed_in(state, session).await? {
        state
            .store
            .link_case_to_account(
                account.id,
                reference.as_str(),
                LinkedHow::Online,
                state.clock.now(),
            )
            .await?;
    }
    Ok(())
}

/// Whether the visitor's account links `reference` (then `/suivi/{reference}` opens without
/// the code).
pub async fn account_links(
    state: &AppState,
    session: &Session,
    reference: &str,
) -> Result<bool, AppError> {
    match signed_in(state, session).await? {
        Some(a) => Ok(state.store.account_has_case(a.id, reference).await?),
        None => Ok(false),
    }
}

/// A link to put in an email: the configured public address, or the path alone.
pub(crate) fn absolute(state: &AppState, path: &str) -> String {
    match &state.site.url {
        Some(base) => format!("{base}{path}"),
        None => path.to_owned(),
    }
}

/// Draws a link token for `account`, stores its digest, and writes the email to the outbox.
pub(crate) async fn send_link(
    state: &AppState,
    account: &PersonAccount,
    purpose: TokenPurpose,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let token = crate::session::random_token();
    let digest = crate::session::digest(&token);
    let (message, expires) = match purpose {
        TokenPurpose::Verify => (
            AccountEmail::Verify {
                link: absolute(state, &format!("/compte/confirmer?jeton={token}")),
                hours: VERIFY_FOR.num_hours(),
            },
            now + VERIFY_FOR,
        ),
        TokenPurpose::Reset => (
            AccountEmail::Reset {
                link: absolute(
                    state,
                    &format!("/compte/nouveau-mot-de-passe?jeton={token}"),
                ),
                minutes: RESET_FOR.num_minutes(),
            },
            now + RESET_FOR,
        ),
    };
    state
        .store
        .insert_person_account_token(&digest, account.id, purpose, expires)
        .await?;
    let key = format!("account:{}:{}", account.id, &digest[..16]);
    send_email(state, &account.email, &message, key, now).await
}

/// Account emails one address may receive within [`MAIL_WINDOW`]; the forms answer the same
/// beyond it, and nothing more is sent (no flooding someone's mailbox through our forms).
pub(crate) const MAILS_PER_ADDRESS: u64 = 3;
pub(crate) const MAIL_WINDOW: chrono::Duration = chrono::Duration::hours(1);

/// Writes an account email to the outbox (its own transaction: it changes no case), unless
/// the address already had [`MAILS_PER_ADDRESS`] within the hour.
pub(crate) async fn send_email(
    state: &AppState,
    to: &str,
    message: &AccountEmail,
    idempotency_key: String,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let address = crate::session::digest(&to.to_lowercase());
    if !state
        .store
        .claim_account_mail(&address, now, now - MAIL_WINDOW, MAILS_PER_ADDRESS)
        .await?
    {
        tracing::info!("account email not sent: the address had its share for the hour");
        return Ok(());
    }
    let payload = account_email(message, to, &state.site.name)
        .to_json()
        .map_err(|e| AppError::Internal(format!("account email: {e}")))?;
    state
        .store
        .enqueue_intents(
            &[NewIntent {
                idempotency_key,
                case_reference: None,
                person_id: None,
                channel: Delivery::Email,
                kind: NotificationKind::Account,
                payload,
                postcode: None,
                postage: None,
            }],
            now,
        )
        .await?;
    Ok(())
}

/// « 15 minutes », « 1 minute »: how long to wait, rounded up.
pub(crate) fn wait_fr(until: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (((until - now).num_seconds() + 59) / 60).max(1);
    format!("{minutes} minute{}", if minutes > 1 { "s" } else { "" })
}

/// The error found for `input`, for the templates.
pub(crate) fn error_of(errors: &[ErrorLink], input: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.input == input)
        .map(|e| e.message.clone())
}

pub(crate) fn error(input: &str, message: impl Into<String>) -> ErrorLink {
    ErrorLink::new(input, &message.into())
}

/// One case in the account.
#[derive(Debug)]
pub struct AccountCase {
    pub reference: String,
    pub procedure: String,
    pub state: &'static str,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "account_home.html")]
pub struct HomePage {
    layout: Layout,
    csrf: String,
    email: String,
    cases: Vec<AccountCase>,
    notice: Option<String>,
    errors: Vec<ErrorLink>,
    reference: String,
    code: String,
}

impl HomePage {
    fn err(&self, input: &str) -> Option<String> {
        error_of(&self.errors, input)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct HomeQuery {
    #[serde(default)]
    ajoute: Option<String>,
    #[serde(default)]
    retire: Option<String>,
}

async fn home_page(
    state: &AppState,
    session: &Session,
    account: &PersonAccount,
    notice: Option<String>,
    errors: Vec<ErrorLink>,
    typed: (&str, &str),
) -> Result<HomePage, AppError> {
    let procedures = state.store.list_procedures().await?;
    let mut cases = Vec::new();
    for reference in state.store.account_cases(account.id).await? {
        let Ok(parsed) = CaseReference::parse(&reference) else {
            continue;
        };
        let case = state.store.load_case(&parsed).await?;
        let procedure = procedures
            .iter()
            .find(|p| p.id() == &case.procedure.id)
            .map(|p| p.title().to_owned())
            .unwrap_or_else(|| case.procedure.id.to_string());
        cases.push(AccountCase {
            reference,
            procedure,
            state: case.state.label_fr(),
        });
    }
    let mut layout = Layout::new(state, "Mon compte");
    if !errors.is_empty() {
        layout = layout.with_error();
    }
    Ok(HomePage {
        layout,
        csrf: session.csrf.clone(),
        email: account.email.clone(),
        cases,
        notice,
        errors,
        reference: typed.0.to_owned(),
        code: typed.1.to_owned(),
    })
}

/// The visitor's session and account, or the sign-in page.
async fn require_account(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Result<(Session, PersonAccount), Response>, AppError> {
    let to_sign_in = || Redirect::to("/compte/connexion").into_response();
    let Some(session) = Session::load(state, headers).await? else {
        return Ok(Err(to_sign_in()));
    };
    match signed_in(state, &session).await? {
        Some(account) => Ok(Ok((session, account))),
        None => Ok(Err(to_sign_in())),
    }
}

/// `GET /compte`: the person's cases, or the sign-in page.
pub async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<HomeQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let (session, account) = match require_account(&state, &headers).await? {
        Ok(found) => found,
        Err(to_sign_in) => return Ok(to_sign_in),
    };
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let clean = |r: String| -> String {
        r.chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(20)
            .collect()
    };
    let notice = if let Some(r) = query.ajoute.map(clean) {
        Some(format!("Le dossier {r} est ajouté à votre compte."))
    } else {
        query.retire.map(clean).map(|r| {
            format!("Le dossier {r} est retiré de votre compte. Il n’est pas supprimé : vous pouvez toujours le suivre avec sa référence et son code de suivi.")
        })
    };
    let page = home_page(&state, &session, &account, notice, Vec::new(), ("", "")).await?;
    Ok(page.into_response())
}

/// `POST /compte/dossiers`: adds an existing case with its reference and follow-up code, with
/// the same check and the same count of wrong codes as `/suivi`.
pub async fn add_case(
    State(state): State<AppState>,
    headers: HeaderMap,
    Client(client): Client,
    form: FormInput,
) -> Result<Response, AppError> {
    let mut session = crate::session::require(&state, &headers, form.get("csrf")).await?;
    let Some(account) = signed_in(&state, &session).await? else {
        return Ok(Redirect::to("/compte/connexion").into_response());
    };
    let typed_reference: String = form
        .get("reference")
        .unwrap_or("")
        .trim()
        .chars()
        .take(40)
        .collect();
    let typed_code: String = form
        .get("code")
        .unwrap_or("")
        .trim()
        .chars()
        .take(20)
        .collect();
    let mut errors = Vec::new();
    if typed_reference.is_empty() {
        errors.push(error("reference", "Indiquez la référence du dossier : elle figure en haut de chaque courrier, par exemple GX-8B4X-WD7C."));
    }
    if typed_code.is_empty() {
        errors.push(error(
            "code",
            "Indiquez le code de suivi : il figure sous la référence, sur chaque courrier.",
        ));
    }
    let reference = match CaseReference::parse(&typed_reference) {
        Ok(r) => Some(r),
        Err(_) if !typed_reference.is_empty() => {
            errors.push(error("reference", format!("La référence « {typed_reference} » ne peut pas être juste : vérifiez chaque caractère.")));
            None
        }
        Err(_) => None,
    };
    if let (Some(reference), true) = (&reference, errors.is_empty()) {
        match follow::check_code(&state, reference, &client, &typed_code).await {
            Ok(CodeCheck::Right(_)) => {
                let now = state.clock.now();
                state
                    .store
                    .link_case_to_account(account.id, reference.as_str(), LinkedHow::Code, now)
                    .await?;
                session.data.follow(reference.as_str());
                session.save(&state, now).await?;
                return Ok(Redirect::to(&format!("/compte?ajoute={reference}")).into_response());
            }
            Ok(CodeCheck::Wrong { left }) => {
                errors.push(error("code", follow::wrong_code_message(left)));
            }
            Err(AppError::TooManyAttempts { minutes }) => {
                errors.push(error("code", follow::wait_message(minutes)));
            }
            Err(e) => return Err(e),
        }
    }
    let page = home_page(
        &state,
        &session,
        &account,
        None,
        errors,
        (&typed_reference, &typed_code),
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// `POST /compte/dossiers/{reference}/retirer`: removes a case from the account (the case
/// stays, and can still be followed with its code).
pub async fn remove_case(
    State(state): State<AppState>,
    headers: HeaderMap,
    reference: Result<Path<String>, PathRejection>,
    form: FormInput,
) -> Result<Response, AppError> {
    let session = crate::session::require(&state, &headers, form.get("csrf")).await?;
    let Some(account) = signed_in(&state, &session).await? else {
        return Ok(Redirect::to("/compte/connexion").into_response());
    };
    let Ok(Path(reference)) = reference else {
        return Ok(Redirect::to("/compte").into_response());
    };
    let Ok(reference) = CaseReference::parse(&reference) else {
        return Ok(Redirect::to("/compte").into_response());
    };
    state
        .store
        .unlink_case_from_account(account.id, reference.as_str())
        .await?;
    Ok(Redirect::to(&format!("/compte?retire={reference}")).into_response())
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "account_delete.html")]
pub struct DeletePage {
    layout: Layout,
    csrf: String,
    email: String,
    cases: usize,
}

/// `GET /compte/supprimer`: what deleting the account does, and the button.
pub async fn delete_form(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (session, account) = match require_account(&state, &headers).await? {
        Ok(found) => found,
        Err(to_sign_in) => return Ok(to_sign_in),
    };
    let cases = state.store.account_cases(account.id).await?.len();
    Ok(DeletePage {
        layout: Layout::new(&state, "Supprimer mon compte"),
        csrf: session.csrf.clone(),
        email: account.email,
        cases,
    }
    .into_response())
}

/// `POST /compte/supprimer`: deletes the account, its links and its tokens; the cases stay.
pub async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: FormInput,
) -> Result<Response, AppError> {
    let mut session = crate::session::require(&state, &headers, form.get("csrf")).await?;
    let Some(account) = signed_in(&state, &session).await? else {
        return Ok(Redirect::to("/compte/connexion").into_response());
    };
    state.store.delete_person_account(account.id).await?;
    session.data.account = None;
    let now = state.clock.now();
    session.save(&state, now).await?;
    let page = sign_in::MessagePage::new(
        &state,
        "Votre compte est supprimé",
        vec![
            "Votre compte et votre adresse de courriel sont effacés. Vos dossiers, eux, ne sont pas supprimés : ils continuent d’être traités.".to_owned(),
            "Vous pouvez toujours les suivre avec la référence et le code de suivi inscrits sur chaque courrier, au guichet ou par téléphone.".to_owned(),
        ],
    );
    Ok(with_cookie(&session, page))
}

/// The demonstration's person account, listed on `/demo` with its password.
pub const DEMO_EMAIL: &str = "jeanne.martin@exemple.fr";
/// Within the policy: a sentence of 16 characters or more.
pub const DEMO_PASSWORD: &str = "ma démo de Saint-Clair";

/// Creates the demonstration's person account (address confirmed) and links to it the demo
/// case of `reference`, as if the person had added it with its code.
pub async fn seed_demo_account(
    store: &guichet_store::Store,
    reference: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if store.person_account_by_email(DEMO_EMAIL).await?.is_some() {
        return Ok(());
    }
    let password_hash = guichet_auth::hash_password(DEMO_PASSWORD)
        .map_err(|e| AppError::Internal(format!("demo password: {e:?}")))?;
    let account = PersonAccount {
        id: uuid::Uuid::new_v4(),
        email: DEMO_EMAIL.to_owned(),
        password_hash,
        verified_at: Some(now),
        failed_attempts: 0,
        locked_until: None,
        generation: 0,
        created_at: now,
        last_sign_in_at: None,
    };
    store.insert_person_account(&account).await?;
    if let Some(reference) = reference {
        store
            .link_case_to_account(account.id, reference, LinkedHow::Demo, now)
            .await?;
    }
    Ok(())
}
