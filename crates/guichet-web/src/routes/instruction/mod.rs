//! Case officers (`/instruction`): the queue of their operator's cases sorted by legal due
//! date, with filters and a CSV export; bulk work on selected cases (each case one command of
//! its own: one refusal does not undo the others, and the result lists each); and, in
//! [`case`], one case on one page with everything an officer does to it.
//!
//! Every page asks the one authorization rule (`Examine` on the operator or the case,
//! `Decide` to decide), and every change goes through the case service.

pub mod case;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use guichet_domain::access::Action;
use guichet_domain::{CaseReference, CaseState, Channel, Command, Outcome, Resource};
use guichet_store::{QueueFilter, QueueRow};
use serde::Deserialize;

use crate::error::AppError;
use crate::form_input::FormInput;
use crate::routes::desk_figures::csv_field;
use crate::routes::follow::date_fr;
use crate::staff::{AgentBar, SignedIn};
use crate::{AppState, Layout};

/// Cases shown at most on one queue page (and exported).
const MAX_ROWS: u32 = 500;
/// « Échéance proche »: the legal deadline falls within this many days.
const SOON_DAYS: i64 = 15;
/// Cases one bulk action handles at most.
const MAX_BULK: usize = 100;

/// The queue's filters, as in the address (so a filtered queue can be bookmarked).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct QueueQuery {
    #[serde(default)]
    demarche: String,
    #[serde(default)]
    etat: String,
    #[serde(default)]
    canal: String,
    #[serde(default)]
    echeance: String,
    #[serde(default)]
    moi: String,
}

/// One choice of a filter's list.
#[derive(Debug)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One line of the queue, ready to show.
#[derive(Debug)]
pub struct QueueLine {
    pub reference: String,
    pub procedure: String,
    pub person: String,
    pub state: &'static str,
    pub channel: String,
    pub due: String,
    /// The deadline is passed or within a few days.
    pub urgent: bool,
    pub assigned: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "instruction_queue.html")]
pub struct QueuePage {
    layout: Layout,
    bar: AgentBar,
    csrf: String,
    procedures: Vec<Choice>,
    states: Vec<Choice>,
    channels: Vec<Choice>,
    soon: bool,
    mine: bool,
    soon_days: i64,
    lines: Vec<QueueLine>,
    export: String,
    truncated: bool,
}

/// The signed-in officer, once the rule lets them examine their operator's cases.
async fn officer(state: &AppState, headers: &HeaderMap, what: &str) -> Result<SignedIn, AppError> {
    let me = SignedIn::require(state, headers).await?;
    let operator = me.account().operator.clone();
    me.may(
        state,
        Action::Examine,
        Resource::Operator {
            operator: &operator,
            place: None,
        },
        what,
    )
    .await?;
    Ok(me)
}

fn state_choices() -> Vec<(CaseState, &'static str)> {
    vec![
        (CaseState::Submitted, "submitted"),
        (CaseState::UnderExamination, "under_examination"),
        (CaseState::WaitingForDocuments, "waiting_for_documents"),
        (CaseState::Decided(Outcome::Granted), "granted"),
        (CaseState::Decided(Outcome::Refused), "refused"),
        (CaseState::Decided(Outcome::Revised), "revised"),
        (CaseState::Decided(Outcome::Revoked), "revoked"),
        (CaseState::Withdrawn, "withdrawn"),
    ]
}

const CHANNELS: [Channel; 4] = [
    Channel::Web,
    Channel::Counter,
    Channel::Phone,
    Channel::Post,
];

/// The filter the query asks for; unknown values are ignored (the full queue shows).
fn filter_of(me: &SignedIn, q: &QueueQuery, now: DateTime<Utc>) -> QueueFilter {
    QueueFilter {
        operator: me.account().operator.to_string(),
        procedure: Some(q.demarche.clone()).filter(|p| !p.is_empty()),
        state: CaseState::from_code(&q.etat).filter(|s| *s != CaseState::Draft),
        submitted_channel: Channel::from_code(&q.canal).filter(|c| CHANNELS.contains(c)),
        due_before: (q.echeance == "proche").then(|| now + Duration::days(SOON_DAYS)),
        assigned_to: (q.moi == "oui").then(|| me.account().id.to_string()),
        limit: MAX_ROWS + 1,
    }
}

/// How the legal deadline stands, in a few words.
pub fn due_fr(
    row_due: Option<DateTime<Utc>>,
    reply_by: Option<DateTime<Utc>>,
    state: CaseState,
    now: DateTime<Utc>,
) -> (String, bool) {
    match (state, row_due) {
        (CaseState::WaitingForDocuments, _) => (
            match reply_by {
                Some(by) => format!("suspendue (pièces attendues avant le {})", date_fr(by)),
                None => "suspendue (pièces attendues)".to_owned(),
            },
            false,
        ),
        (_, Some(due)) if due <= now => (format!("dépassée ({})", date_fr(due)), true),
        (_, Some(due)) => {
            let days = (due - now).num_days();
            (
                format!(
                    "{} (dans {days} jour{})",
                    date_fr(due),
                    if days > 1 { "s" } else { "" }
                ),
                days < SOON_DAYS,
            )
        }
        (s, None) if s.is_closed() => ("—".to_owned(), false),
        (_, None) => ("aucun délai légal".to_owned(), false),
    }
}

async fn agent_names(
    state: &AppState,
    me: &SignedIn,
) -> Result<std::collections::HashMap<String, String>, AppError> {
    Ok(state
        .store
        .list_agents(&me.account().operator)
        .await?
        .into_iter()
        .map(|a| (a.id.to_string(), a.display_name))
        .collect())
}

async fn queue_lines(
    state: &AppState,
    me: &SignedIn,
    rows: &[QueueRow],
) -> Result<Vec<QueueLine>, AppError> {
    let now = state.clock.now();
    let names = agent_names(state, me).await?;
    Ok(rows
        .iter()
        .map(|r| {
            let (due, urgent) = due_fr(r.due_at, r.reply_by, r.summary.state, now);
            QueueLine {
                reference: r.summary.reference.to_string(),
                procedure: r.procedure_title.clone(),
                person: r.person_name.clone(),
                state: r.summary.state.label_fr(),
                channel: r
                    .submitted_channel
                    .map(|c| c.label_fr().to_owned())
                    .unwrap_or_else(|| "—".into()),
                due,
                urgent,
                assigned: r
                    .assigned_to
                    .as_ref()
                    .map(|id| {
                        names
                            .get(id)
                            .cloned()
                            .unwrap_or_else(|| "un·e collègue".into())
                    })
                    .unwrap_or_else(|| "personne".into()),
            }
        })
        .collect())
}

/// `GET /instruction`: the officer's queue.
pub async fn queue(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<QueueQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let me = officer(&state, &headers, "file d’instruction").await?;
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let now = state.clock.now();
    let mut rows = state.store.case_queue(&filter_of(&me, &q, now)).await?;
    let truncated = rows.len() > MAX_ROWS as usize;
    rows.truncate(MAX_ROWS as usize);
    let procedures = state
        .store
        .list_procedures()
        .await?
        .into_iter()
        .filter(|p| p.operator() == &me.account().operator)
        .map(|p| Choice {
            selected: p.id().as_str() == q.demarche,
            value: p.id().to_string(),
            label: p.title().to_owned(),
        })
        .collect();
    let states = state_choices()
        .into_iter()
        .map(|(s, code)| Choice {
            value: code.to_owned(),
            label: s.label_fr().to_owned(),
            selected: code == q.etat,
        })
        .collect();
    let channels = CHANNELS
        .iter()
        .map(|c| Choice {
            value: c.code().to_owned(),
            label: c.label_fr().to_owned(),
            selected: c.code() == q.canal,
        })
        .collect();
    let export = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("demarche", &q.demarche),
            ("etat", &q.etat),
            ("canal", &q.canal),
            ("echeance", &q.echeance),
            ("moi", &q.moi),
        ])
        .finish();
    Ok(QueuePage {
        layout: Layout::new(&state, "Dossiers à instruire"),
        bar: AgentBar::of(&me),
        csrf: me.csrf().to_owned(),
        procedures,
        states,
        channels,
        soon: q.echeance == "proche",
        mine: q.moi == "oui",
        soon_days: SOON_DAYS,
        lines: queue_lines(&state, &me, &rows).await?,
        export,
        truncated,
    }
    .into_response())
}

/// `GET /instruction.csv`: the queue as filtered, for a spreadsheet.
pub async fn queue_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<QueueQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let me = officer(&state, &headers, "export de la file d’instruction").await?;
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let now = state.clock.now();
    let mut rows = state.store.case_queue(&filter_of(&me, &q, now)).await?;
    rows.truncate(MAX_ROWS as usize);
    let lines = queue_lines(&state, &me, &rows).await?;
    let mut body = String::from(
        "reference,demarche,personne,etat,canal_de_depot,echeance_legale,attribue_a\n",
    );
    for l in &lines {
        let cells = [
            l.reference.as_str(),
            &l.procedure,
            &l.person,
            l.state,
            &l.channel,
            &l.due,
            &l.assigned,
        ];
        body.push_str(&cells.map(csv_field).join(","));
        body.push('\n');
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"dossiers-a-instruire.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// The result of a bulk action on one case.
#[derive(Debug)]
pub struct BulkLine {
    pub reference: String,
    pub done: bool,
    pub message: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "instruction_bulk.html")]
pub struct BulkPage {
    layout: Layout,
    bar: AgentBar,
    what: String,
    lines: Vec<BulkLine>,
    done: usize,
    refused: usize,
}

/// `POST /instruction/lot`: one action on the selected cases, each its own command.
pub async fn bulk(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: FormInput,
) -> Result<Response, AppError> {
    let me = officer(&state, &headers, "action groupée").await?;
    me.0.check_csrf(form.get("csrf"))?;
    let selected = form.all("dossier");
    let bad = |message: &str| -> Result<Response, AppError> {
        Err(AppError::BadRequest {
            message: message.to_owned(),
        })
    };
    if selected.is_empty() {
        return bad("Cochez au moins un dossier dans la liste, puis choisissez l’action.");
    }
    if selected.len() > MAX_BULK {
        return bad(&format!(
            "Une action groupée porte sur {MAX_BULK} dossiers au plus : sélectionnez-en moins."
        ));
    }
    let now = state.clock.now();
    let (command, what) = match form.get("action").unwrap_or_default() {
        "pieces" => {
            let documents = case::document_list(form.get("pieces").unwrap_or_default());
            let reply_by = match case::reply_date(form.get("date_reponse").unwrap_or_default(), now)
            {
                Ok(d) => d,
                Err(m) => return bad(&m),
            };
            (
                Command::RequestDocuments {
                    documents,
                    message: form.get("message").unwrap_or_default().trim().to_owned(),
                    reply_by,
                },
                "Demande de pièces",
            )
        }
        "decider" => {
            let Some(outcome) = Outcome::from_code(form.get("sens").unwrap_or_default()) else {
                return bad("Choisissez le sens de la décision.");
            };
            (
                Command::Decide {
                    outcome,
                    motivation: form.get("motivation").unwrap_or_default().trim().to_owned(),
                },
                "Décision",
            )
        }
        _ => return bad("Choisissez l’action à appliquer aux dossiers cochés."),
    };
    let mut lines = Vec::new();
    for reference in selected {
        let result = one(&state, &me, &reference, command.clone(), now).await;
        lines.push(match result {
            Ok(()) => BulkLine {
                reference,
                done: true,
                message: "fait".into(),
            },
            Err(message) => BulkLine {
                reference,
                done: false,
                message,
            },
        });
    }
    let done = lines.iter().filter(|l| l.done).count();
    let refused = lines.len() - done;
    let status = if refused == 0 {
        StatusCode::OK
    } else {
        StatusCode::MULTI_STATUS
    };
    Ok((
        status,
        BulkPage {
            layout: Layout::new(&state, "Résultat de l’action groupée"),
            bar: AgentBar::of(&me),
            what: what.to_owned(),
            lines,
            done,
            refused,
        },
    )
        .into_response())
}

/// One case of a bulk action: the rule, then the command; the French reason when refused.
async fn one(
    state: &AppState,
    me: &SignedIn,
    reference: &str,
    command: Command,
    now: DateTime<Utc>,
) -> Result<(), String> {
    let Ok(reference) = CaseReference::parse(reference) else {
        return Err("référence invalide".into());
    };
    let action = match command {
        Command::Decide { .. } => Action::Decide,
        _ => Action::Examine,
    };
    let case = case::load_for(state, me, &reference, action)
        .await
        .map_err(|e| e.message_fr())?;
    // Documents are asked on a case under examination: start it first when it just arrived.
    let ctx = me.context(Channel::Web, now).map_err(|e| e.message_fr())?;
    if case.state == CaseState::Submitted {
        state
            .cases
            .execute(&reference, Command::StartExamination, ctx)
            .await
            .map_err(|e| crate::routes::online::command_error(e).message_fr())?;
    }
    state
        .cases
        .execute(&reference, command, ctx)
        .await
        .map(|_| ())
        .map_err(|e| crate::routes::online::command_error(e).message_fr())
}
