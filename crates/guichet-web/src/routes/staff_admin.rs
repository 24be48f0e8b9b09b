//! `/agents/comptes…`: an administrator manages their operator's staff accounts — the list
//! with each account's state and the operator's recent security journal, creating an account
//! with a temporary password drawn by the server, suspending and reactivating, and resetting a
//! forgotten password or a lost phone.
//!
//! Every handler asks the one rule (`SignedIn::may`, `Action::ManageAccounts`) on the
//! operator the account belongs to, so another operator's administrator or a front-desk agent
//! gets a journaled 403. Every change is written to the security journal with the target's
//! login as detail. A temporary password is shown once, on the page that answers the form
//! (never stored in clear, never put in an address), with `Cache-Control: no-store`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use guichet_domain::access::{Action, Resource};
use guichet_domain::{AgentId, OperatorId, StaffRole};
use guichet_store::StoreError;
use guichet_store::agents::AgentAccount;
use serde::Deserialize;

use crate::error::AppError;
use crate::form_input::FormInput;
use crate::routes::staff::{date_time_fr, event_label};
use crate::staff::{self, SignedIn};
use crate::{AppState, Layout};

/// How many journal lines the list shows.
const JOURNAL_LINES: u32 = 20;

/// Asks the rule whether `me` may manage the accounts of `operator` (their own by default).
async fn authorize(
    state: &AppState,
    me: &SignedIn,
    operator: Option<&OperatorId>,
    what: &str,
) -> Result<(), AppError> {
    let operator = operator.unwrap_or(&me.account().operator);
    me.may(
        state,
        Action::ManageAccounts,
        Resource::Operator {
            operator,
            place: None,
        },
        what,
    )
    .await
}

/// One account as the list shows it.
#[derive(Debug)]
pub struct AccountRow {
    id: String,
    name: String,
    login: String,
    title: String,
    role: &'static str,
    place: Option<String>,
    state: String,
    second_factor: bool,
    suspended: bool,
    is_me: bool,
}

/// One line of the journal.
#[derive(Debug)]
pub struct JournalRow {
    at: String,
    login: String,
    what: &'static str,
    detail: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "staff_accounts.html")]
pub struct ListPage {
    layout: Layout,
    bar: crate::staff::AgentBar,
    accounts: Vec<AccountRow>,
    journal: Vec<JournalRow>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    fait: Option<String>,
    compte: Option<String>,
}

async fn list_page(
    state: &AppState,
    me: &SignedIn,
    notice: Option<String>,
    error: Option<String>,
) -> Result<ListPage, AppError> {
    let now = state.clock.now();
    let operator = &me.account().operator;
    let accounts = state
        .store
        .list_agents(operator)
        .await?
        .into_iter()
        .map(|a| AccountRow {
            id: a.id.to_string(),
            state: if a.suspended {
                "suspendu".to_owned()
            } else if let Some(until) = a.locked_until.filter(|u| *u > now) {
                format!("verrouillé jusqu’au {}", date_time_fr(until))
            } else {
                "actif".to_owned()
            },
            second_factor: a.totp_secret.is_some(),
            suspended: a.suspended,
            is_me: a.id == me.account().id,
            role: a.role.label_fr(),
            name: a.display_name,
            login: a.login,
            title: a.title,
            place: a.place,
        })
        .collect();
    let journal = state
        .store
        .operator_security_events(operator, JOURNAL_LINES)
        .await?
        .into_iter()
        .map(|e| JournalRow {
            at: date_time_fr(e.at),
            what: event_label(&e.event),
            login: e.login,
            detail: e.detail,
        })
        .collect();
    let mut layout = Layout::new(state, "Comptes des agents");
    if error.is_some() {
        layout = layout.with_error();
    }
    Ok(ListPage {
        layout,
        bar: crate::staff::AgentBar::of(me),
        accounts,
        journal,
        notice,
        error,
    })
}

pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let me = SignedIn::require(&state, &headers).await?;
    authorize(&state, &me, None, "liste des comptes").await?;
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let mut notice = None;
    if let (Some(done), Some(id)) = (q.fait.as_deref(), q.compte.as_deref())
        && let Ok(id) = id.parse::<AgentId>()
        && let Some(a) = state.store.get_agent(id).await?
        && a.operator == me.account().operator
    {
        notice = match done {
            "suspendu" => Some(format!(
                "Le compte de {} ({}) est suspendu : ses sessions sont fermées et il ne peut plus se connecter.",
                a.display_name, a.login
            )),
            "reactive" => Some(format!(
                "Le compte de {} ({}) est réactivé.",
                a.display_name, a.login
            )),
            _ => None,
        };
    }
    Ok(list_page(&state, &me, notice, None).await?.into_response())
}

/// A field's error, for the form and its summary.
#[derive(Debug)]
pub struct FieldError {
    input: &'static str,
    message: String,
}

/// A role as a radio button.
#[derive(Debug)]
pub struct RoleChoice {
    code: &'static str,
    label: &'static str,
    hint: &'static str,
    checked: bool,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "staff_accounts_new.html")]
pub struct NewPage {
    layout: Layout,
    bar: crate::staff::AgentBar,
    errors: Vec<FieldError>,
    login: String,
    name: String,
    title: String,
    place: String,
    roles: Vec<RoleChoice>,
}

impl NewPage {
    fn error_for(&self, input: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.input == input)
            .map(|e| e.message.as_str())
    }
}

fn role_hint(role: StaffRole) -> &'static str {
    match role {
        StaffRole::FrontDesk => {
            "Accueil et téléphone : retrouve et enregistre les personnes, ouvre et poursuit leurs dossiers, enregistre le courrier, oriente. Ne décide pas."
        }
        StaffRole::CaseOfficer => {
            "Instruit les dossiers des démarches de l’organisme, demande des pièces, décide."
        }
        StaffRole::Administrator => {
            "Gère les comptes des agents de l’organisme et consulte ses chiffres ; ne traite pas de dossiers."
        }
    }
}

fn new_page(
    state: &AppState,
    me: &SignedIn,
    answers: &Answers,
    errors: Vec<FieldError>,
) -> NewPage {
    let mut layout = Layout::new(state, "Créer un compte d’agent");
    if !errors.is_empty() {
        layout = layout.with_error();
    }
    NewPage {
        layout,
        bar: crate::staff::AgentBar::of(me),
        errors,
        login: answers.login.clone(),
        name: answers.name.clone(),
        title: answers.title.clone(),
        place: answers.place.clone(),
        roles: StaffRole::ALL
            .into_iter()
            .map(|r| RoleChoice {
                code: r.code(),
                label: r.label_fr(),
                hint: role_hint(r),
                checked: answers.role == r.code(),
            })
            .collect(),
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let me = SignedIn::require(&state, &headers).await?;
    authorize(&state, &me, None, "création de compte").await?;
    Ok(new_page(&state, &me, &Answers::default(), Vec::new()).into_response())
}

/// The form's answers as typed, kept to show them again.
#[derive(Debug, Default)]
struct Answers {
    login: String,
    name: String,
    title: String,
    role: String,
    place: String,
}

/// A new account's facts, once every answer is right.
struct NewAccount {
    login: guichet_auth::Login,
    name: String,
    title: String,
    role: StaffRole,
    place: Option<String>,
}

/// A one-line text answer: trimmed, required or not, at most `max` characters, no control
/// characters.
fn text(
    value: &str,
    input: &'static str,
    what: &str,
    max: usize,
    required: bool,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let v = value.trim();
    let message = if v.is_empty() && required {
        Some(format!("Indiquez {what}."))
    } else if v.chars().count() > max {
        Some(format!("Écrivez {what} en {max} caractères au plus."))
    } else if v.chars().any(char::is_control) {
        Some(format!("Écrivez {what} sur une seule ligne."))
    } else {
        None
    };
    match message {
        Some(message) => {
            errors.push(FieldError { input, message });
            None
        }
        None => Some(v.to_owned()),
    }
}

fn check(a: &Answers) -> Result<NewAccount, Vec<FieldError>> {
    let mut errors = Vec::new();
    let login = match guichet_auth::Login::parse(&a.login) {
        Ok(l) => Some(l),
        Err(e) => {
            errors.push(FieldError {
                input: "identifiant",
                message: e.to_string(),
            });
            None
        }
    };
    let name = text(
        &a.name,
        "nom",
        "le prénom et le nom",
        100,
        true,
        &mut errors,
    );
    let title = text(&a.title, "titre", "le titre", 150, true, &mut errors);
    let role = StaffRole::parse(&a.role);
    if role.is_none() {
        errors.push(FieldError {
            input: "role",
            message: "Choisissez le rôle du compte.".to_owned(),
        });
    }
    let place = text(&a.place, "lieu", "le lieu", 100, false, &mut errors);
    match (login, name, title, role, place) {
        (Some(login), Some(name), Some(title), Some(role), Some(place)) if errors.is_empty() => {
            Ok(NewAccount {
                login,
                name,
                title,
                role,
                place: Some(place).filter(|p| !p.is_empty()),
            })
        }
        _ => Err(errors),
    }
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "staff_accounts_password.html")]
pub struct PasswordPage {
    layout: Layout,
    bar: crate::staff::AgentBar,
    created: bool,
    name: String,
    login: String,
    password: String,
}

/// The page that shows a temporary password, once: never cached.
fn password_page(
    state: &AppState,
    me: &SignedIn,
    created: bool,
    account: &AgentAccount,
    password: String,
) -> Response {
    let title = if created {
        "Compte créé"
    } else {
        "Compte réinitialisé"
    };
    (
        [(header::CACHE_CONTROL, "no-store")],
        PasswordPage {
            layout: Layout::new(state, format!("{title} — Comptes des agents")),
            bar: crate::staff::AgentBar::of(me),
            created,
            name: account.display_name.clone(),
            login: account.login.clone(),
            password,
        },
    )
        .into_response()
}

/// A fresh temporary password and its hash (off the request path: hashing is slow on purpose).
async fn temporary_password() -> Result<(String, String), AppError> {
    let password = guichet_auth::temporary_password();
    let clear = password.clone();
    let hash = tokio::task::spawn_blocking(move || guichet_auth::hash_password(&clear))
        .await
        .map_err(|e| AppError::Internal(format!("password hash: {e}")))?
        .map_err(|e| AppError::Internal(format!("password hash: {e:?}")))?;
    Ok((password, hash))
}

const LOGIN_TAKEN: &str =
    "Cet identifiant est déjà utilisé par un autre compte. Choisissez-en un autre.";

pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: FormInput,
) -> Result<Response, AppError> {
    let me = SignedIn::require(&state, &headers).await?;
    me.0.check_csrf(form.get("csrf"))?;
    authorize(&state, &me, None, "création de compte").await?;
    let field = |name: &str| form.get(name).unwrap_or_default().to_owned();
    let answers = Answers {
        login: field("identifiant"),
        name: field("nom"),
        title: field("titre"),
        role: field("role"),
        place: field("lieu"),
    };
    let refuse = |errors: Vec<FieldError>| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            new_page(&state, &me, &answers, errors),
        )
            .into_response()
    };
    let new = match check(&answers) {
        Ok(new) => new,
        Err(errors) => return Ok(refuse(errors)),
    };
    let taken = || {
        vec![FieldError {
            input: "identifiant",
            message: LOGIN_TAKEN.to_owned(),
        }]
    };
    if state
        .store
        .agent_by_login(new.login.as_str())
        .await?
        .is_some()
    {
        return Ok(refuse(taken()));
    }
    let (password, hash) = temporary_password().await?;
    let account = AgentAccount {
        id: AgentId::from_uuid(uuid::Uuid::new_v4()),
        login: new.login.into_string(),
        display_name: new.name,
        title: new.title,
        role: new.role,
        operator: me.account().operator.clone(),
        place: new.place,
        password_hash: hash,
        totp_secret: None,
        totp_last_step: None,
        failed_attempts: 0,
        locked_until: None,
        suspended: false,
        created_at: state.clock.now(),
    };
    match state.store.insert_agent(&account).await {
        Ok(()) => {}
        // Taken between the check and the insert (two administrators at once).
        Err(StoreError::Duplicate(_)) => return Ok(refuse(taken())),
        Err(e) => return Err(e.into()),
    }
    staff::journal(
        &state,
        Some(me.account().id),
        &me.account().login,
        "account_created",
        account.login.clone(),
    )
    .await?;
    Ok(password_page(&state, &me, true, &account, password))
}

/// The account an action is about, once the CSRF token and the rule allow it.
async fn target(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    form: &FormInput,
    what: &str,
) -> Result<(SignedIn, AgentAccount), AppError> {
    let me = SignedIn::require(state, headers).await?;
    me.0.check_csrf(form.get("csrf"))?;
    let not_found = || AppError::NotFound {
        what: "compte d’agent".to_owned(),
    };
    let id: AgentId = id.parse().map_err(|_| not_found())?;
    let account = state.store.get_agent(id).await?.ok_or_else(not_found)?;
    authorize(
        state,
        &me,
        Some(&account.operator),
        &format!("{what} de {}", account.login),
    )
    .await?;
    Ok((me, account))
}

fn back_to_list(done: &str, account: &AgentAccount) -> Response {
    Redirect::to(&format!(
        "/agents/comptes?fait={done}&compte={}",
        account.id
    ))
    .into_response()
}

pub async fn suspend(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: FormInput,
) -> Result<Response, AppError> {
    let (me, account) = target(&state, &headers, &id, &form, "suspension").await?;
    if account.id == me.account().id {
        let page = list_page(
            &state,
            &me,
            None,
            Some(
                "Vous ne pouvez pas suspendre votre propre compte. Demandez-le à un autre administrateur ou une autre administratrice de votre organisme."
                    .to_owned(),
            ),
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    state.store.set_agent_suspended(account.id, true).await?;
    staff::journal(
        &state,
        Some(me.account().id),
        &me.account().login,
        "account_suspended",
        account.login.clone(),
    )
    .await?;
    Ok(back_to_list("suspendu", &account))
}

pub async fn reactivate(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: FormInput,
) -> Result<Response, AppError> {
    let (me, account) = target(&state, &headers, &id, &form, "réactivation").await?;
    state.store.set_agent_suspended(account.id, false).await?;
    staff::journal(
        &state,
        Some(me.account().id),
        &me.account().login,
        "account_reactivated",
        account.login.clone(),
    )
    .await?;
    Ok(back_to_list("reactive", &account))
}

/// A forgotten password or a lost phone: a new temporary password, the authenticator removed
/// (a new one is enrolled at the next sign-in), failures and lock cleared, sessions ended.
pub async fn reset(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: FormInput,
) -> Result<Response, AppError> {
    let (me, account) = target(&state, &headers, &id, &form, "réinitialisation").await?;
    let (password, hash) = temporary_password().await?;
    state.store.set_agent_password(account.id, &hash).await?;
    state.store.set_agent_totp(account.id, None, None).await?;
    state.store.clear_agent_failures(account.id).await?;
    state.store.delete_agent_sessions(account.id).await?;
    staff::journal(
        &state,
        Some(me.account().id),
        &me.account().login,
        "account_reset",
        account.login.clone(),
    )
    .await?;
    Ok(password_page(&state, &me, false, &account, password))
}
