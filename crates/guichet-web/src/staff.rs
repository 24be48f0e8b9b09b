//! Staff sessions: signing in with a password and a second factor (TOTP), the signed-in agent
//! of a request, and asking the one authorization rule.
//!
//! A staff session is a row of `agent_sessions` (several servers share it), named by the
//! SHA-256 of the `guichet_agent` cookie's secret. It goes through stages: the password was
//! right (`Password`), the authenticator is being enrolled at first sign-in (`Enrol`), then
//! `SignedIn`. It ends after [`IDLE`] without use and [`LIFETIME`] after it began (a working
//! day). Passwords and codes share one failure count: [`MAX_FAILURES`] in a row lock the
//! account for [`LOCK`]; an administrator can unlock it at once (reset). Every sign-in,
//! failure, lock, sign-out and refused access is written to the security journal.

use axum::http::{HeaderMap, HeaderValue, header};
use chrono::{DateTime, Duration, Utc};
use guichet_domain::access::{self, Action, Resource};
use guichet_domain::{AgentId, Staff};
use guichet_store::agents::{AgentAccount, AgentSession, SecurityEvent, SessionStage};

use crate::AppState;
use crate::error::AppError;
use crate::session::{check_token, digest, named_cookie_secret, random_token};

/// The staff cookie's name (distinct from a visitor's: one browser at a France Services desk
/// may hold both, the agent's and the person's).
pub const COOKIE: &str = "guichet_agent";
/// A staff session unused for this long is over.
pub const IDLE: Duration = Duration::minutes(30);
/// A staff session is over this long after it began.
pub const LIFETIME: Duration = Duration::hours(11);
/// How stale a session's last use may get before a request records it again.
const TOUCH_EVERY: Duration = Duration::minutes(1);
/// Wrong passwords or codes in a row before the account is locked.
pub const MAX_FAILURES: u32 = 5;
/// How long a lock lasts.
pub const LOCK: Duration = Duration::minutes(15);

/// A live staff session, at any stage, with its account.
#[derive(Debug, Clone)]
pub struct StaffSession {
    pub session: AgentSession,
    pub account: AgentAccount,
}

impl StaffSession {
    /// The request's staff session, if live and its account usable (not suspended).
    pub async fn load(
        state: &AppState,
        headers: &HeaderMap,
    ) -> Result<Option<StaffSession>, AppError> {
        let Some(secret) = named_cookie_secret(headers, COOKIE) else {
            return Ok(None);
        };
        let now = state.clock.now();
        let Some(session) = state
            .store
            .get_agent_session(&digest(&secret), now - IDLE, now - LIFETIME)
            .await?
        else {
            return Ok(None);
        };
        let Some(account) = state.store.get_agent(session.agent_id).await? else {
            return Ok(None);
        };
        if account.suspended {
            state.store.delete_agent_session(&session.id).await?;
            return Ok(None);
        }
        Ok(Some(StaffSession { session, account }))
    }

    pub fn check_csrf(&self, token: Option<&str>) -> Result<(), AppError> {
        check_token(&self.session.csrf, token)
    }

    pub fn staff(&self) -> Staff {
        staff_of(&self.account)
    }
}

pub fn staff_of(a: &AgentAccount) -> Staff {
    Staff {
        id: a.id,
        role: a.role,
        operator: a.operator.clone(),
        place: a.place.clone(),
    }
}

/// Starts a session for `account` at `stage`; returns the `Set-Cookie` header.
pub async fn start(
    state: &AppState,
    account: &AgentAccount,
    stage: SessionStage,
    pending_secret: Option<String>,
    now: DateTime<Utc>,
) -> Result<(header::HeaderName, HeaderValue), AppError> {
    let secret = random_token();
    state
        .store
        .insert_agent_session(&AgentSession {
            id: digest(&secret),
            agent_id: account.id,
            csrf: random_token(),
            stage,
            pending_secret,
            created_at: now,
            last_seen_at: now,
        })
        .await?;
    let value = format!(
        "{COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age={}",
        LIFETIME.num_seconds()
    );
    HeaderValue::from_str(&value)
        .map(|v| (header::SET_COOKIE, v))
        .map_err(|e| AppError::Internal(format!("cookie: {e}")))
}

/// The header that removes the staff cookie.
pub fn clear_cookie() -> (header::HeaderName, HeaderValue) {
    (
        header::SET_COOKIE,
        HeaderValue::from_static(
            "guichet_agent=; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=0",
        ),
    )
}

/// Writes one line of the security journal.
pub async fn journal(
    state: &AppState,
    agent: Option<AgentId>,
    login: &str,
    event: &str,
    detail: impl Into<String>,
) -> Result<(), AppError> {
    state
        .store
        .record_security_event(&SecurityEvent {
            at: state.clock.now(),
            agent_id: agent,
            login: login.chars().take(200).collect(),
            event: event.to_owned(),
            detail: detail.into(),
        })
        .await?;
    Ok(())
}

/// The agent's name and the sign-out button, on every page behind sign-in
/// (`staff_bar.html`).
#[derive(Debug, Clone)]
pub struct AgentBar {
    pub name: String,
    pub role: &'static str,
    pub csrf: String,
}

impl AgentBar {
    pub fn of(me: &SignedIn) -> Self {
        AgentBar {
            name: me.account().display_name.clone(),
            role: me.account().role.label_fr(),
            csrf: me.csrf().to_owned(),
        }
    }
}

/// A signed-in agent (the second factor passed), for pages behind sign-in.
#[derive(Debug, Clone)]
pub struct SignedIn(pub StaffSession);

impl SignedIn {
    /// The signed-in agent, or `Err(redirect target)` for the sign-in page.
    pub async fn require(state: &AppState, headers: &HeaderMap) -> Result<SignedIn, AppError> {
        match StaffSession::load(state, headers).await? {
            Some(s) if s.session.stage == SessionStage::SignedIn => {
                // A write per page would be one per keystroke of a busy desk: the idle clock
                // (30 minutes) is kept to the minute.
                let now = state.clock.now();
                if now - s.session.last_seen_at >= TOUCH_EVERY {
                    state.store.touch_agent_session(&s.session.id, now).await?;
                }
                Ok(SignedIn(s))
            }
            _ => Err(AppError::SignInRequired),
        }
    }

    pub fn account(&self) -> &AgentAccount {
        &self.0.account
    }

    pub fn csrf(&self) -> &str {
        &self.0.session.csrf
    }

    /// The context of a case command by this agent through `channel`: an administrator acts
    /// on no case (the rule refuses it before; this says so again rather than guess a role).
    pub fn context(
        &self,
        channel: guichet_domain::Channel,
        now: DateTime<Utc>,
    ) -> Result<guichet_domain::Context, AppError> {
        let role = self
            .account()
            .role
            .case_role()
            .ok_or_else(|| AppError::Forbidden {
                message: guichet_domain::Refusal::Role.to_string(),
            })?;
        Ok(guichet_domain::Context {
            actor: guichet_domain::Actor::Agent {
                id: self.account().id,
                role,
            },
            channel,
            now,
        })
    }

    /// Asks the one rule; a refusal is journaled and becomes a 403 page saying why.
    pub async fn may(
        &self,
        state: &AppState,
        action: Action,
        resource: Resource<'_>,
        what: &str,
    ) -> Result<(), AppError> {
        match access::may(&self.0.staff(), action, resource) {
            Ok(()) => Ok(()),
            Err(refusal) => {
                journal(
                    state,
                    Some(self.0.account.id),
                    &self.0.account.login,
                    "access_refused",
                    format!("{} : {what}", action.code()),
                )
                .await?;
                Err(AppError::Forbidden {
                    message: refusal.to_string(),
                })
            }
        }
    }
}

/// A demonstration account, listed on `/demo` with its password and TOTP key so that anyone
/// trying the demo can sign in as each role. Never created outside `guichet serve --demo`.
#[derive(Debug, Clone, Copy)]
pub struct DemoAccount {
    pub login: &'static str,
    pub password: &'static str,
    pub name: &'static str,
    pub title: &'static str,
    pub role: guichet_domain::StaffRole,
    pub operator: &'static str,
    pub place: Option<&'static str>,
    /// Base32 TOTP key (public: this is a demonstration).
    pub totp: &'static str,
}

/// One account per role, on the demo's two operators.
pub const DEMO_ACCOUNTS: [DemoAccount; 4] = [
    DemoAccount {
        login: "accueil@saint-clair.example",
        password: "Demo-Accueil-2026",
        name: "Nadia Benali",
        title: "Agente d’accueil, mairie de Saint-Clair-sur-Lys",
        role: guichet_domain::StaffRole::FrontDesk,
        operator: "mairie-saint-clair",
        place: Some("Accueil de la mairie"),
        totp: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    },
    DemoAccount {
        login: "instruction.ccas@saint-clair.example",
        password: "Demo-Instruction-2026",
        name: "Julien Morel",
        title: "Instructeur, CCAS de Saint-Clair-sur-Lys",
        role: guichet_domain::StaffRole::CaseOfficer,
        operator: "ccas-saint-clair",
        place: None,
        totp: "KRUGS4ZANFZSAYLOEBSGK3LPEBVWK6JA",
    },
    DemoAccount {
        login: "instruction.mairie@saint-clair.example",
        password: "Demo-Etat-Civil-2026",
        name: "Sophie Lambert",
        title: "Officière d’état civil, mairie de Saint-Clair-sur-Lys",
        role: guichet_domain::StaffRole::CaseOfficer,
        operator: "mairie-saint-clair",
        place: None,
        totp: "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U",
    },
    DemoAccount {
        login: "admin@saint-clair.example",
        password: "Demo-Admin-2026!",
        name: "Paul Girard",
        title: "Administrateur, mairie de Saint-Clair-sur-Lys",
        role: guichet_domain::StaffRole::Administrator,
        operator: "mairie-saint-clair",
        place: None,
        totp: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
    },
];

/// Creates the demonstration accounts (enrolled: their TOTP keys are on `/demo`).
pub async fn seed_demo_accounts(
    store: &guichet_store::Store,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    for d in DEMO_ACCOUNTS {
        if store.agent_by_login(d.login).await?.is_some() {
            continue;
        }
        let operator = guichet_domain::OperatorId::parse(d.operator)
            .map_err(|e| AppError::Internal(format!("demo operator: {e}")))?;
        let password_hash = guichet_auth::hash_password(d.password)
            .map_err(|e| AppError::Internal(format!("demo password: {e:?}")))?;
        store
            .insert_agent(&AgentAccount {
                id: AgentId::from_uuid(uuid::Uuid::new_v4()),
                login: d.login.to_owned(),
                display_name: d.name.to_owned(),
                title: d.title.to_owned(),
                role: d.role,
                operator,
                place: d.place.map(str::to_owned),
                password_hash,
                totp_secret: Some(d.totp.to_owned()),
                totp_last_step: None,
                failed_attempts: 0,
                locked_until: None,
                suspended: false,
                created_at: now,
            })
            .await?;
    }
    Ok(())
}
