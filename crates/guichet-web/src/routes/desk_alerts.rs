//! `/agents/alertes`: the alerts Guichet raised for agents — nobody can reach a person, a
//! decision has no usable postal address, a letter came back « pli non distribuable », a message
//! could not be prepared, delivered or typeset — each with what to do in plain French and a link
//! to the person. An agent sees the alerts of their operator only: the store reads the
//! operator's (its procedures' cases, the people known to it) and the one rule decides each
//! (`HandleAlert` on the alert's case, or on its person when it names no case).
//! `/agents/alertes/{id}/fermer` closes one with a note: who, when and the note stay on the row,
//! the closing is journaled, and the alert leaves the list.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use guichet_domain::access::{self, Action};
use guichet_domain::{AlertKind, CaseReference, OperatorId, PersonId, Resource};
use guichet_store::outbox::AgentAlertRow;
use serde::Deserialize;

use crate::error::AppError;
use crate::form_input::FormInput;
use crate::routes::staff::date_time_fr;
use crate::staff::{AgentBar, SignedIn};
use crate::{AppState, Layout};

/// Alerts read at most for one page (the oldest first: they have waited longest).
const MAX_ALERTS: u32 = 200;
/// Longest note kept.
const MAX_NOTE_CHARS: usize = 1000;

/// What the alert is about, in a few words.
pub fn kind_label(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::Unreachable => "Personne injoignable",
        AlertKind::PaperWithoutAddress => "Décision sans adresse postale utilisable",
        AlertKind::NotificationUnprepared => "Message impossible à préparer",
        AlertKind::Parked => "Message non remis",
        AlertKind::LetterRejected => "Courrier refusé à l’impression",
        AlertKind::ReturnedMail => "Pli non distribuable",
    }
}

/// What the agent does about it, in plain French. Only what the desk can do: the person's
/// coordinates are changed from the case (« Modifier vos coordonnées »), documents are printed
/// from the person's page.
pub fn what_to_do(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::Unreachable => {
            "Aucun moyen de prévenir cette personne : ni adresse postale utilisable, ni courriel ou SMS qu’elle accepte. \
             Contactez-la autrement (téléphone, prochain passage à l’accueil), demandez-lui une adresse postale ou un moyen \
             de contact et enregistrez-le depuis son dossier (« Voir le dossier », puis « Modifier vos coordonnées »). \
             Imprimez-lui les documents de son dossier depuis sa fiche."
        }
        AlertKind::PaperWithoutAddress => {
            "Une décision doit lui parvenir par courrier, mais son adresse postale manque ou est douteuse. Demandez-lui son \
             adresse, enregistrez-la depuis son dossier (« Voir le dossier », puis « Modifier vos coordonnées »), puis \
             imprimez la décision depuis sa fiche et remettez-la-lui ou postez-la."
        }
        AlertKind::NotificationUnprepared => {
            "Un message pour cette personne n’a pas pu être préparé (voir le détail). Vérifiez avec elle l’information en \
             cause, le plus souvent son adresse, et corrigez-la depuis son dossier ; prévenez-la vous-même en attendant \
             (téléphone, document imprimé depuis sa fiche)."
        }
        AlertKind::Parked => {
            "Un message n’a pas pu lui être remis malgré plusieurs essais (voir le détail). Prévenez-la par un autre moyen, \
             vérifiez avec elle son courriel ou son téléphone et corrigez-les depuis son dossier."
        }
        AlertKind::LetterRejected => {
            "Un courrier n’a pas pu être mis en page pour l’imprimeur (voir le détail). Imprimez le document depuis la \
             fiche de la personne et remettez-le-lui ou postez-le ; signalez le problème à votre administrateur ou \
             administratrice."
        }
        AlertKind::ReturnedMail => {
            "Un courrier est revenu « pli non distribuable » : son adresse n’est plus utilisée pour les courriers. \
             Vérifiez l’adresse avec la personne (téléphone, prochain passage), corrigez-la depuis son dossier \
             (« Voir le dossier », puis « Modifier vos coordonnées »), puis renvoyez-lui le document : imprimez-le depuis \
             sa fiche et remettez-le-lui ou postez-le. En fermant l’alerte, indiquez que l’adresse est vérifiée pour \
             qu’elle serve de nouveau."
        }
    }
}

/// The facts the rule needs about an alert, and where the agent goes to act.
struct Facts {
    /// The operator in charge of the alert's case.
    case_operator: Option<OperatorId>,
    /// The operators that know the alert's person (asked only when it names no case).
    known_to: Vec<OperatorId>,
    person: Option<PersonId>,
}

impl Facts {
    /// The resource the rule is asked about: the case, else the person (an alert naming
    /// neither is about a person known to nobody, which the rule gives to no one).
    fn resource(&self) -> Resource<'_> {
        match &self.case_operator {
            Some(operator) => Resource::Case { operator },
            None => Resource::Person {
                known_to: &self.known_to,
            },
        }
    }
}

async fn facts(state: &AppState, alert: &AgentAlertRow) -> Result<Facts, AppError> {
    let mut person = alert.person_id.as_deref().and_then(|p| p.parse().ok());
    let mut case_operator = None;
    if let Some(reference) = alert
        .case_reference
        .as_deref()
        .and_then(|r| CaseReference::parse(r).ok())
    {
        match state.store.load_case(&reference).await {
            Ok(case) => {
                person = Some(case.person);
                if let Some(p) = state
                    .store
                    .get_procedure(&case.procedure.id, Some(case.procedure.version))
                    .await?
                {
                    case_operator = Some(p.operator().clone());
                }
            }
            Err(guichet_store::StoreError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let known_to = match (&case_operator, person) {
        (None, Some(p)) => state.store.person_operators(p).await?,
        _ => Vec::new(),
    };
    Ok(Facts {
        case_operator,
        known_to,
        person,
    })
}

/// One alert of the list.
#[derive(Debug)]
pub struct AlertLine {
    pub id: String,
    pub label: &'static str,
    pub what_to_do: &'static str,
    pub detail: String,
    pub since: String,
    /// The person's page and name.
    pub person_href: Option<String>,
    pub person_name: String,
    pub case_reference: Option<String>,
    /// Returned mail: closing may say the address was checked.
    pub address_check: bool,
    pub error: Option<String>,
    pub note: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "desk_alerts.html")]
pub struct AlertsPage {
    layout: Layout,
    bar: AgentBar,
    alerts: Vec<AlertLine>,
    closed: bool,
    already: bool,
}

#[derive(Debug, Deserialize, Default)]
pub struct AlertsQuery {
    fermee: Option<String>,
    deja: Option<String>,
}

fn operator_scope(me: &SignedIn) -> Resource<'_> {
    Resource::Operator {
        operator: &me.account().operator,
        place: me.account().place.as_deref(),
    }
}

/// The open alerts this agent may handle, oldest first.
async fn lines(state: &AppState, me: &SignedIn) -> Result<Vec<AlertLine>, AppError> {
    let staff = me.0.staff();
    let mut out = Vec::new();
    for alert in state
        .store
        .open_alerts_of_operator(&me.account().operator, MAX_ALERTS)
        .await?
    {
        let f = facts(state, &alert).await?;
        if access::may(&staff, Action::HandleAlert, f.resource()).is_err() {
            continue;
        }
        let person = match f.person {
            Some(id) => state
                .store
                .get_person(id)
                .await?
                .map(|p| (format!("/agents/personnes/{id}#dossiers"), p.name.display())),
            None => None,
        };
        out.push(AlertLine {
            label: kind_label(alert.kind),
            what_to_do: what_to_do(alert.kind),
            detail: alert.message.clone(),
            since: date_time_fr(alert.created_at),
            address_check: alert.kind == AlertKind::ReturnedMail && person.is_some(),
            person_name: person.as_ref().map(|p| p.1.clone()).unwrap_or_default(),
            person_href: person.map(|p| p.0),
            case_reference: alert.case_reference.clone(),
            id: alert.id,
            error: None,
            note: String::new(),
        });
    }
    Ok(out)
}

/// How many open alerts this agent may handle (the agents' home page shows it).
pub async fn count(state: &AppState, me: &SignedIn) -> Result<Option<usize>, AppError> {
    if access::may(&me.0.staff(), Action::HandleAlert, operator_scope(me)).is_err() {
        return Ok(None);
    }
    Ok(Some(lines(state, me).await?.len()))
}

/// `GET /agents/alertes`.
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<AlertsQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let me = SignedIn::require(&state, &headers).await?;
    me.may(&state, Action::HandleAlert, operator_scope(&me), "alertes")
        .await?;
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let alerts = lines(&state, &me).await?;
    Ok(AlertsPage {
        layout: Layout::new(&state, format!("Alertes de l’accueil ({})", alerts.len())),
        bar: AgentBar::of(&me),
        alerts,
        closed: query.fermee.is_some(),
        already: query.deja.is_some(),
    }
    .into_response())
}

/// `POST /agents/alertes/{id}/fermer`: closes an alert with a note, once.
pub async fn close(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    form: FormInput,
) -> Result<Response, AppError> {
    let me = SignedIn::require(&state, &headers).await?;
    me.0.check_csrf(form.get("csrf"))?;
    let not_found = || AppError::NotFound {
        what: "alerte".into(),
    };
    let id: String = id
        .map(|Path(id)| id)
        .map_err(|_| not_found())?
        .chars()
        .take(100)
        .collect();
    let (alert, closing) = state.store.get_alert(&id).await?.ok_or_else(not_found)?;
    let f = facts(&state, &alert).await?;
    me.may(
        &state,
        Action::HandleAlert,
        f.resource(),
        &format!("fermer l’alerte {id}"),
    )
    .await?;
    if closing.is_some() {
        return Ok(Redirect::to("/agents/alertes?deja=1").into_response());
    }
    let note: String = form
        .get("note")
        .unwrap_or_default()
        .trim()
        .chars()
        .take(MAX_NOTE_CHARS)
        .collect();
    if note.is_empty() {
        let mut alerts = lines(&state, &me).await?;
        for a in alerts.iter_mut().filter(|a| a.id == id) {
            a.error = Some(
                "Écrivez ce qui a été fait (par exemple : adresse vérifiée avec la personne par téléphone et corrigée, décision réimprimée et postée), puis fermez l’alerte de nouveau."
                    .into(),
            );
        }
        let page = AlertsPage {
            layout: Layout::new(&state, format!("Alertes de l’accueil ({})", alerts.len()))
                .with_error(),
            bar: AgentBar::of(&me),
            alerts,
            closed: false,
            already: false,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let now = state.clock.now();
    if !state
        .store
        .close_alert(&id, me.account().id, &note, now)
        .await?
    {
        return Ok(Redirect::to("/agents/alertes?deja=1").into_response());
    }
    let address_checked = alert.kind == AlertKind::ReturnedMail
        && form.get("adresse_verifiee") == Some("oui")
        && alert.person_id.is_some();
    if address_checked && let Some(p) = &alert.person_id {
        state.store.clear_suspect_address(p).await?;
    }
    let about = match (&alert.case_reference, &alert.person_id) {
        (Some(r), _) => format!("dossier {r}"),
        (None, Some(p)) => format!("personne {p}"),
        (None, None) => "sans dossier".to_owned(),
    };
    crate::staff::journal(
        &state,
        Some(me.account().id),
        &me.account().login,
        "alert_closed",
        format!(
            "{id} ({}, {about}){} : {note}",
            alert.kind.as_str(),
            if address_checked {
                ", adresse vérifiée"
            } else {
                ""
            }
        ),
    )
    .await?;
    Ok(Redirect::to("/agents/alertes?fermee=1").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_says_what_to_do_without_promising_a_resend_button() {
        for kind in AlertKind::ALL {
            let text = what_to_do(kind);
            assert!(!kind_label(kind).is_empty());
            assert!(text.len() > 80, "{kind:?}");
            assert!(!text.contains('\''), "typographic apostrophes: {kind:?}");
            assert!(!text.contains("bouton « Renvoyer"), "{kind:?}");
        }
        assert!(what_to_do(AlertKind::ReturnedMail).contains("pli non distribuable"));
    }
}
