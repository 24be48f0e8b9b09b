//! `/demo`: what a demonstration instance (`guichet serve --demo`) lets anyone try: each
//! procedure online, and demo cases to follow with their reference and follow-up code (as the
//! letters print them). Only in demonstration mode; elsewhere the page does not exist.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use guichet_store::CaseFilter;

use crate::error::AppError;
use crate::{AppState, Layout};

#[derive(Debug)]
pub struct DemoCase {
    pub person: String,
    pub procedure: String,
    pub state: &'static str,
    pub reference: String,
    pub code: String,
}

/// A demonstration staff account, as listed for anyone to try.
#[derive(Debug)]
pub struct DemoAgent {
    pub role: &'static str,
    pub who: String,
    /// What to try with this account.
    pub try_it: &'static str,
    pub login: &'static str,
    pub password: &'static str,
    pub key: String,
    /// The code of the current 30 seconds, for a visitor without an authenticator app.
    pub code: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "demo.html")]
pub struct DemoPage {
    layout: Layout,
    online: Vec<(String, String)>,
    cases: Vec<DemoCase>,
    agents: Vec<DemoAgent>,
    account_email: &'static str,
    account_password: &'static str,
    /// The latest account emails in the outbox (subject, link), as the person would get them.
    account_mails: Vec<(String, String)>,
}

pub async fn page(State(state): State<AppState>) -> Result<DemoPage, AppError> {
    if !state.demo {
        return Err(AppError::NotFound {
            what: "/demo".into(),
        });
    }
    let procedures = state.store.list_procedures().await?;
    let title_of = |id: &str| {
        procedures
            .iter()
            .find(|p| p.id().as_str() == id)
            .map(|p| p.title().to_owned())
            .unwrap_or_else(|| id.to_owned())
    };
    let online = procedures
        .iter()
        .filter(|p| {
            state.catalogue.definition(p.id()).is_some()
                && p.offers(guichet_domain::ProcedureChannel::Web)
        })
        .map(|p| (p.id().to_string(), p.title().to_owned()))
        .collect();
    let mut cases = Vec::new();
    for summary in state
        .store
        .list_cases(&CaseFilter {
            limit: 12,
            ..CaseFilter::default()
        })
        .await?
    {
        let case = state.store.load_case(&summary.reference).await?;
        let person = state
            .store
            .get_person(case.person)
            .await?
            .map(|p| p.name.display())
            .unwrap_or_default();
        cases.push(DemoCase {
            person,
            procedure: title_of(case.procedure.id.as_str()),
            state: case.state.label_fr(),
            reference: case.reference.to_string(),
            code: guichet_notify::plan::follow_up_code(&case),
        });
    }
    let now = state.clock.now().timestamp();
    let agents = crate::staff::DEMO_ACCOUNTS
        .iter()
        .filter_map(|d| {
            let secret = guichet_auth::TotpSecret::from_base32(d.totp)?;
            Some(DemoAgent {
                role: d.role.label_fr(),
                who: format!("{} — {}", d.name, d.title),
                try_it: match d.role {
                    guichet_domain::StaffRole::FrontDesk => {
                        "À essayer : retrouver ou enregistrer une personne, ouvrir un dossier avec elle au guichet ou au téléphone, enregistrer un courrier reçu avec ses pages numérisées, imprimer son récépissé, l’orienter, traiter les alertes."
                    }
                    guichet_domain::StaffRole::CaseOfficer => {
                        "À essayer : les dossiers à instruire de son organisme (« Dossiers à instruire »), demander des pièces, écrire à la personne, décider après avoir lu le courrier qui partira."
                    }
                    guichet_domain::StaffRole::Administrator => {
                        "À essayer : créer, suspendre ou réinitialiser les comptes des agents, voir les chiffres de l’accueil."
                    }
                },
                login: d.login,
                password: d.password,
                key: d.totp.to_owned(),
                code: secret.code_at(now),
            })
        })
        .collect();
    let mut account_mails = Vec::new();
    for intent in state.store.list_intents(None, 500).await?.into_iter().rev() {
        if intent.kind != guichet_domain::NotificationKind::Account || account_mails.len() >= 5 {
            continue;
        }
        if let Ok(guichet_notify::payload::Payload::Email {
            to, text, subject, ..
        }) = guichet_notify::payload::Payload::from_json(&intent.payload)
            && let Some(start) = text.find("/compte/")
        {
            let link = text[start..]
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
            account_mails.push((format!("{subject} (à {to})"), link));
        }
    }
    Ok(DemoPage {
        layout: Layout::new(&state, "Essayer la démonstration"),
        online,
        cases,
        agents,
        account_email: crate::routes::account::DEMO_EMAIL,
        account_password: crate::routes::account::DEMO_PASSWORD,
        account_mails,
    })
}
