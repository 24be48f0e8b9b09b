//! `guichet agents …`: staff accounts from the command line — above all the first
//! administrator of an operator, who then creates the others at `/agents/comptes`.
//!
//! The same checks as the web page (the login through `guichet_auth::Login`, the password
//! policy, a known operator, a free login) and the same security journal line
//! (`account_created`). The password comes from `GUICHET_AGENT_PASSWORD` when set (read by
//! `main.rs`), so it never appears in the shell's history or in `ps`; otherwise one is drawn
//! and printed once. The authenticator is enrolled at the first sign-in.

use std::io::Write;

use anyhow::{Context as _, bail};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand, ValueEnum};
use guichet_domain::{AgentId, OperatorId, StaffRole};
use guichet_store::Store;
use guichet_store::agents::{AgentAccount, SecurityEvent};

#[derive(Debug, Subcommand)]
pub enum AgentsCommand {
    /// Create a staff account (the password comes from GUICHET_AGENT_PASSWORD, or is drawn and
    /// printed once).
    Add(AddArgs),
    /// List an operator's staff accounts.
    List {
        /// The operator's id (e.g. mairie-saint-clair).
        #[arg(long, value_name = "OPERATOR_ID")]
        operator: String,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// What the agent types to sign in: an email address or an identifier (stored lower-case).
    #[arg(long)]
    pub login: String,
    /// First name and name, as colleagues see it.
    #[arg(long)]
    pub name: String,
    /// The title printed under the signature of letters.
    #[arg(long)]
    pub title: String,
    #[arg(long, value_enum)]
    pub role: RoleArg,
    /// The operator's id (e.g. mairie-saint-clair); it must exist in the database.
    #[arg(long, value_name = "OPERATOR_ID")]
    pub operator: String,
    /// The place (counter, France Services site) the account is attached to.
    #[arg(long)]
    pub place: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    FrontDesk,
    CaseOfficer,
    Administrator,
}

impl From<RoleArg> for StaffRole {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::FrontDesk => StaffRole::FrontDesk,
            RoleArg::CaseOfficer => StaffRole::CaseOfficer,
            RoleArg::Administrator => StaffRole::Administrator,
        }
    }
}

/// What `agents add` journals as the detail of `account_created`.
pub const JOURNAL_DETAIL: &str = "guichet agents add (ligne de commande)";

/// Runs `guichet agents …`; `password` is `GUICHET_AGENT_PASSWORD` when set.
pub async fn run(
    store: &Store,
    command: AgentsCommand,
    password: Option<String>,
    now: DateTime<Utc>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match command {
        AgentsCommand::Add(args) => add(store, args, password, now, out).await,
        AgentsCommand::List { operator } => list(store, &operator, now, out).await,
    }
}

/// The operator, if the database knows it; otherwise an error naming those it knows.
async fn known_operator(store: &Store, id: &str) -> anyhow::Result<OperatorId> {
    let known = store.list_operators().await?;
    if let Some(op) = known.iter().find(|o| o.id.as_str() == id.trim()) {
        return Ok(op.id.clone());
    }
    if known.is_empty() {
        bail!(
            "l’organisme « {id} » n’existe pas dans cette base, qui n’en contient encore aucun (`guichet demo` crée ceux de la démonstration)."
        );
    }
    let mut ids: Vec<&str> = known.iter().map(|o| o.id.as_str()).collect();
    ids.sort_unstable();
    bail!(
        "l’organisme « {id} » n’existe pas dans cette base. Organismes connus : {}.",
        ids.join(", ")
    )
}

fn one_line(value: &str, what: &str, max: usize) -> anyhow::Result<String> {
    let v = value.trim();
    if v.is_empty() {
        bail!("indiquez {what}.");
    }
    if v.chars().count() > max || v.chars().any(char::is_control) {
        bail!("{what} : une seule ligne de {max} caractères au plus.");
    }
    Ok(v.to_owned())
}

async fn add(
    store: &Store,
    args: AddArgs,
    password: Option<String>,
    now: DateTime<Utc>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let login = guichet_auth::Login::parse(&args.login)?;
    let name = one_line(&args.name, "le prénom et le nom (--name)", 100)?;
    let title = one_line(&args.title, "le titre (--title)", 150)?;
    let place = match args.place.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => Some(one_line(p, "le lieu (--place)", 100)?),
    };
    let operator = known_operator(store, &args.operator).await?;
    let (password, drawn) = match password.filter(|p| !p.is_empty()) {
        Some(p) => {
            guichet_auth::check_password_policy(&p)
                .context("GUICHET_AGENT_PASSWORD ne convient pas")?;
            (p, false)
        }
        None => (guichet_auth::temporary_password(), true),
    };
    if store.agent_by_login(login.as_str()).await?.is_some() {
        bail!(
            "l’identifiant « {login} » est déjà pris. Choisissez-en un autre, ou réinitialisez ce compte depuis /agents/comptes."
        );
    }
    let clear = password.clone();
    let hash = tokio::task::spawn_blocking(move || guichet_auth::hash_password(&clear)).await??;
    let role = StaffRole::from(args.role);
    let account = AgentAccount {
        id: AgentId::from_uuid(uuid::Uuid::new_v4()),
        login: login.into_string(),
        display_name: name,
        title,
        role,
        operator,
        place,
        password_hash: hash,
        totp_secret: None,
        totp_last_step: None,
        failed_attempts: 0,
        locked_until: None,
        suspended: false,
        created_at: now,
    };
    store.insert_agent(&account).await?;
    store
        .record_security_event(&SecurityEvent {
            at: now,
            agent_id: Some(account.id),
            login: account.login.clone(),
            event: "account_created".to_owned(),
            detail: JOURNAL_DETAIL.to_owned(),
        })
        .await?;
    writeln!(
        out,
        "Compte créé : {} ({}), {}, {}.",
        account.display_name,
        account.login,
        role.label_fr(),
        account.operator
    )?;
    if drawn {
        writeln!(
            out,
            "Mot de passe provisoire (affiché une seule fois) : {password}"
        )?;
    }
    writeln!(
        out,
        "Ensuite : connectez-vous sur /agents/connexion ; un code de double authentification sera demandé à la première connexion."
    )?;
    Ok(())
}

async fn list(
    store: &Store,
    operator: &str,
    now: DateTime<Utc>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let operator = known_operator(store, operator).await?;
    let accounts = store.list_agents(&operator).await?;
    if accounts.is_empty() {
        writeln!(out, "Aucun compte pour l’organisme {operator}.")?;
    }
    for a in accounts {
        let state = if a.suspended {
            "suspendu".to_owned()
        } else if let Some(until) = a.locked_until.filter(|u| *u > now) {
            format!("verrouillé jusqu’à {}", until.to_rfc3339())
        } else {
            "actif".to_owned()
        };
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\tdouble authentification {}",
            a.login,
            a.display_name,
            a.role.label_fr(),
            a.place.as_deref().unwrap_or("-"),
            state,
            if a.totp_secret.is_some() {
                "activée"
            } else {
                "à activer"
            }
        )?;
    }
    Ok(())
}
