//! `/instruction/dossiers/{reference}`: the whole case on one page for its officer — the
//! answers, the documents (scans from the counter or the post and uploads alike, opened in the
//! browser), the messages, and the journal across channels (who, when, through which channel,
//! under which mandate) — and every action on it: start, assign, ask for documents with a
//! reply date, resume, write to the person, decide after reading the letter and email the
//! person will receive, revise or withdraw an ongoing right, reopen with a reason.
//!
//! Each form carries the version of the case the officer read: when someone changed the case
//! meanwhile (the person online, an agent at the counter, another officer deciding), nothing
//! is written and the page says what changed (`CaseService::execute_seen`).

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use guichet_domain::access::Action;
use guichet_domain::{
    Actor, Case, CaseReference, CaseState, Channel, Command, Delivery, EventKind, Outcome,
};
use guichet_notify::payload::Payload;

use crate::error::AppError;
use crate::form_input::FormInput;
use crate::routes::follow::date_fr;
use crate::routes::staff::date_time_fr;
use crate::site::{TextRun, code_runs};
use crate::staff::{AgentBar, SignedIn};
use crate::{AppState, Layout};

/// The case `reference`, once the one rule lets this agent do `action` on it.
pub(crate) async fn load_for(
    state: &AppState,
    me: &SignedIn,
    reference: &CaseReference,
    action: Action,
) -> Result<Case, AppError> {
    crate::routes::desk::case_at(state, me, reference, action, "instruction du dossier").await
}

/// Documents named one per line (or separated by semicolons), blanks dropped.
pub(crate) fn document_list(text: &str) -> Vec<String> {
    text.split(['\n', ';'])
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty())
        .collect()
}

/// The reply date typed in a form (`AAAA-MM-JJ`), as the end of that day in France; empty
/// means none. A date not in the future is refused here with the domain's own words.
pub(crate) fn reply_date(text: &str, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        "La date limite de réponse est illisible : écrivez-la sous la forme JJ/MM/AAAA.".to_owned()
    })?;
    let end = date
        .and_time(NaiveTime::from_hms_opt(22, 59, 59).unwrap_or_default())
        .and_utc();
    if end <= now {
        return Err("La date limite de réponse doit être dans le futur.".to_owned());
    }
    Ok(Some(end))
}

/// One answer of the form.
#[derive(Debug)]
pub struct Answer {
    pub question: String,
    pub answer: String,
}

/// One document of the case.
#[derive(Debug)]
pub struct DocLine {
    pub name: String,
    pub href: String,
    pub kind: &'static str,
    pub size: String,
}

/// One line of the journal.
#[derive(Debug)]
pub struct JournalLine {
    pub at: String,
    pub what: String,
    pub detail: Option<String>,
    pub who: String,
    pub channel: &'static str,
}

/// One message of the thread.
#[derive(Debug)]
pub struct MessageLine {
    pub at: String,
    pub from_person: bool,
    pub who: String,
    pub channel: &'static str,
    pub text: String,
}

/// A colleague the case can be assigned to.
#[derive(Debug)]
pub struct Colleague {
    pub id: String,
    pub name: String,
    pub current: bool,
}

/// One decision the officer may take now.
#[derive(Debug)]
pub struct OutcomeChoice {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "instruction_case.html")]
pub struct CasePage {
    layout: Layout,
    bar: AgentBar,
    csrf: String,
    reference: String,
    version: u64,
    procedure: String,
    person: String,
    person_id: String,
    state: &'static str,
    due: String,
    assigned: String,
    colleagues: Vec<Colleague>,
    answers: Vec<Answer>,
    documents: Vec<DocLine>,
    requested: Vec<String>,
    reply_by: Option<String>,
    expected_documents: Vec<String>,
    messages: Vec<MessageLine>,
    journal: Vec<JournalLine>,
    can_start: bool,
    can_examine: bool,
    can_resume: bool,
    can_reopen: bool,
    outcomes: Vec<OutcomeChoice>,
    decision: Option<String>,
    notice: Option<String>,
    error: Option<String>,
    min_date: String,
}

/// Who did it, as an officer reads it.
fn who(actor: &Actor, names: &HashMap<String, String>, person: &str) -> String {
    match actor {
        Actor::Person { .. } => format!("{person} (la personne)"),
        Actor::Agent { id, role } => {
            let role = match role {
                guichet_domain::AgentRole::FrontDesk => "accueil",
                guichet_domain::AgentRole::CaseOfficer => "instruction",
            };
            match names.get(&id.to_string()) {
                Some(name) => format!("{name} ({role})"),
                None => format!("un agent ({role})"),
            }
        }
        Actor::Helper { mandate, .. } => format!("un aidant, sous le mandat n° {mandate}"),
        Actor::System => "Guichet, automatiquement".to_owned(),
    }
}

fn detail(kind: &EventKind) -> Option<String> {
    match kind {
        EventKind::NoteAdded { text }
        | EventKind::ContactChanged { summary: text }
        | EventKind::MessageSent { text }
        | EventKind::MessageReceived { text } => Some(text.clone()),
        EventKind::DocumentsRequested { message, .. } if !message.trim().is_empty() => {
            Some(message.clone())
        }
        EventKind::Decided { motivation, .. } => Some(format!("Motivation : {motivation}")),
        EventKind::Reopened { reason } => Some(format!("Motif : {reason}")),
        EventKind::Withdrawn { reason: Some(r) } => Some(format!("Motif : {r}")),
        _ => None,
    }
}

/// The decisions open to an officer on the case as it stands: revising or withdrawing is for
/// procedures that decide on an ongoing right (an allowance, a service), not for a one-off
/// request such as a copy of a certificate.
fn outcomes(case: &Case, decides_rights: bool) -> Vec<OutcomeChoice> {
    let had_right = decides_rights
        && case
            .decision
            .as_ref()
            .is_some_and(|d| d.outcome.leaves_a_right());
    let mut out = Vec::new();
    let choice = |o: Outcome, label| OutcomeChoice {
        code: o.code(),
        label,
    };
    match case.state {
        CaseState::UnderExamination => {
            out.push(choice(Outcome::Granted, "Accorder"));
            out.push(choice(Outcome::Refused, "Refuser"));
            if had_right {
                out.push(choice(Outcome::Revised, "Réviser le droit"));
                out.push(choice(Outcome::Revoked, "Retirer le droit"));
            }
        }
        CaseState::Decided(o) if decides_rights && o.leaves_a_right() => {
            out.push(choice(Outcome::Revised, "Réviser le droit en cours"));
            out.push(choice(Outcome::Revoked, "Retirer le droit en cours"));
        }
        _ => {}
    }
    out
}

pub(crate) async fn view(
    state: &AppState,
    me: &SignedIn,
    case: &Case,
    notice: Option<String>,
    error: Option<String>,
) -> Result<CasePage, AppError> {
    let now = state.clock.now();
    let journal = state.store.journal(&case.reference).await?;
    let person = state
        .store
        .get_person(case.person)
        .await?
        .map(|p| p.name.display())
        .unwrap_or_else(|| "personne inconnue".into());
    let agents = state.store.list_agents(&me.account().operator).await?;
    let names: HashMap<String, String> = agents
        .iter()
        .map(|a| (a.id.to_string(), a.display_name.clone()))
        .collect();
    let definition = state.cases.definition(&case.procedure).await?;
    let procedure = match &definition {
        Some(d) => d.procedure().title().to_owned(),
        None => case.procedure.id.to_string(),
    };
    let answers = match &definition {
        Some(d) => crate::routes::online::rows(d, case, case.procedure.id.as_str())
            .into_iter()
            .map(|r| Answer {
                question: r.question,
                answer: if r.answer.is_empty() {
                    "(sans réponse)".into()
                } else {
                    r.answer
                },
            })
            .collect(),
        None => case
            .form
            .iter()
            .map(|(k, v)| Answer {
                question: k.clone(),
                answer: v.clone(),
            })
            .collect(),
    };
    let expected_documents = definition
        .as_ref()
        .map(|d| d.documents().iter().map(|doc| doc.name.clone()).collect())
        .unwrap_or_default();
    let documents = case
        .documents
        .iter()
        .map(|d| DocLine {
            name: d.name.clone(),
            href: format!(
                "/instruction/dossiers/{}/pieces/{}",
                case.reference, d.sha256
            ),
            kind: if d.scanned_from_paper {
                "papier numérisé"
            } else {
                "envoyé en ligne"
            },
            size: format!("{} ko", d.size.div_ceil(1024)),
        })
        .collect();
    let messages = journal
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::MessageSent { text } | EventKind::MessageReceived { text } => {
                Some(MessageLine {
                    at: date_time_fr(e.at),
                    from_person: matches!(e.kind, EventKind::MessageReceived { .. }),
                    who: who(&e.actor, &names, &person),
                    channel: e.channel.label_fr(),
                    text: text.clone(),
                })
            }
            _ => None,
        })
        .collect();
    let journal_lines = journal
        .iter()
        .rev()
        .map(|e| JournalLine {
            at: date_time_fr(e.at),
            what: e.kind.label_fr(),
            detail: detail(&e.kind),
            who: who(&e.actor, &names, &person),
            channel: e.channel.label_fr(),
        })
        .collect();
    let row_due = match case.deadline_status(now) {
        guichet_domain::DeadlineStatus::Running { due }
        | guichet_domain::DeadlineStatus::Passed { due, .. } => Some(due),
        _ => None,
    };
    let (due, _) = super::due_fr(row_due, case.reply_by, case.state, now);
    let colleagues = agents
        .iter()
        .filter(|a| a.role == guichet_domain::StaffRole::CaseOfficer && !a.suspended)
        .map(|a| Colleague {
            id: a.id.to_string(),
            name: if a.id == me.account().id {
                format!("{} (moi)", a.display_name)
            } else {
                a.display_name.clone()
            },
            current: case.assigned_to == Some(a.id),
        })
        .collect();
    Ok(CasePage {
        layout: Layout::new(state, format!("Dossier {}", case.reference)),
        bar: AgentBar::of(me),
        csrf: me.csrf().to_owned(),
        reference: case.reference.to_string(),
        version: case.version,
        procedure,
        person_id: case.person.to_string(),
        person,
        state: case.state.label_fr(),
        due,
        assigned: case
            .assigned_to
            .map(|a| {
                names
                    .get(&a.to_string())
                    .cloned()
                    .unwrap_or_else(|| "un·e collègue".into())
            })
            .unwrap_or_else(|| "personne".into()),
        colleagues,
        answers,
        documents,
        requested: case.requested_documents.clone(),
        reply_by: case.reply_by.map(date_fr),
        expected_documents,
        messages,
        journal: journal_lines,
        can_start: case.state == CaseState::Submitted,
        can_examine: case.state == CaseState::UnderExamination,
        can_resume: case.state == CaseState::WaitingForDocuments,
        can_reopen: case.state.is_closed(),
        outcomes: outcomes(
            case,
            definition
                .as_ref()
                .is_none_or(|d| d.procedure().decides_rights()),
        ),
        decision: case.decision.as_ref().map(|d| {
            format!(
                "{} le {}{} : {}",
                match d.outcome {
                    Outcome::Revoked => "Droit retiré".to_owned(),
                    o => format!("Demande {}", o.label_fr()),
                },
                date_fr(d.at),
                if d.implicit {
                    " (décision implicite)"
                } else {
                    ""
                },
                d.motivation
            )
        }),
        notice,
        error,
        min_date: (now + chrono::Duration::days(1))
            .format("%Y-%m-%d")
            .to_string(),
    })
}

fn reference_of(reference: Result<Path<String>, PathRejection>) -> Result<CaseReference, AppError> {
    reference
        .ok()
        .and_then(|Path(r)| CaseReference::parse(&r).ok())
        .ok_or_else(|| AppError::NotFound {
            what: "dossier".into(),
        })
}

#[derive(Debug, serde::Deserialize, Default)]
pub struct CaseQuery {
    #[serde(default)]
    fait: String,
}

/// What the page says after an action went through (`?fait=` after the redirect).
fn done_fr(action: &str) -> Option<&'static str> {
    Some(match action {
        "commencer" => "L’instruction est commencée.",
        "reprendre" => "L’instruction reprend.",
        "attribuer" => "L’attribution du dossier est enregistrée.",
        "pieces" => {
            "Les pièces sont demandées ; la personne est prévenue par ses canaux (par courrier si elle refuse le numérique)."
        }
        "message" => "Le message est envoyé à la personne par ses canaux.",
        "rouvrir" => "Le dossier est rouvert.",
        "decider" => {
            "La décision est enregistrée ; le courrier qui la notifie est parti avec elle dans la file d’envoi."
        }
        _ => return None,
    })
}

/// `GET /instruction/dossiers/{reference}`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    reference: Result<Path<String>, PathRejection>,
    query: Result<axum::extract::Query<CaseQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let me = SignedIn::require(&state, &headers).await?;
    let reference = reference_of(reference)?;
    let case = load_for(&state, &me, &reference, Action::Examine).await?;
    let notice = query.ok().and_then(|q| done_fr(&q.fait)).map(str::to_owned);
    Ok(view(&state, &me, &case, notice, None)
        .await?
        .into_response())
}

/// `GET /instruction/dossiers/{reference}/pieces/{sha256}`: a document of the case, opened in
/// the browser (PDF and images) or downloaded.
pub async fn document(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, AppError> {
    let me = SignedIn::require(&state, &headers).await?;
    let not_found = || AppError::NotFound {
        what: "pièce".into(),
    };
    let Ok(Path((reference, sha))) = path else {
        return Err(not_found());
    };
    let reference = CaseReference::parse(&reference).map_err(|_| not_found())?;
    let case = load_for(&state, &me, &reference, Action::View).await?;
    let doc = case
        .documents
        .iter()
        .find(|d| d.sha256 == sha)
        .ok_or_else(not_found)?;
    let stored = state
        .store
        .get_attachment(&sha)
        .await?
        .ok_or_else(not_found)?;
    let inline = matches!(
        stored.media_type.as_str(),
        "application/pdf" | "image/jpeg" | "image/png"
    );
    let safe_name: String = doc
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "{}; filename=\"{safe_name}\"",
        if inline { "inline" } else { "attachment" }
    );
    let media_type = if inline {
        stored.media_type.clone()
    } else {
        "application/octet-stream".to_owned()
    };
    Ok((
        [
            (header::CONTENT_TYPE, media_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        stored.content,
    )
        .into_response())
}

/// What a letter or an email the person will receive says, for the preview.
#[derive(Debug)]
pub struct PreviewMessage {
    pub channel: &'static str,
    pub subject: String,
    /// Each paragraph cut into codes and text, so that a code stays on one line.
    pub paragraphs: Vec<Vec<TextRun>>,
    pub mentions: Vec<String>,
    pub signature: Vec<String>,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "instruction_preview.html")]
pub struct PreviewPage {
    layout: Layout,
    bar: AgentBar,
    csrf: String,
    reference: String,
    version: u64,
    outcome: String,
    outcome_label: String,
    motivation: String,
    messages: Vec<PreviewMessage>,
    warnings: Vec<String>,
}

fn preview_of(payload: &Payload) -> PreviewMessage {
    match payload {
        Payload::Letter { letter, .. } => {
            let mut signature = Vec::new();
            signature.extend(letter.signature.mention.clone());
            signature.push(letter.signature.name.clone());
            signature.push(letter.signature.title.clone());
            PreviewMessage {
                channel: Delivery::Letter.label_fr(),
                subject: letter.subject.clone(),
                paragraphs: letter.body.iter().map(|p| code_runs(p)).collect(),
                mentions: match &letter.kind {
                    guichet_letters::LetterKind::Decision { legal_mentions } => {
                        legal_mentions.clone()
                    }
                    _ => Vec::new(),
                },
                signature,
            }
        }
        Payload::Email { subject, text, .. } => PreviewMessage {
            channel: Delivery::Email.label_fr(),
            subject: subject.clone(),
            paragraphs: text.split("\n\n").map(code_runs).collect(),
            mentions: Vec::new(),
            signature: Vec::new(),
        },
        Payload::Sms { text, .. } => PreviewMessage {
            channel: Delivery::Sms.label_fr(),
            subject: String::new(),
            paragraphs: vec![code_runs(text)],
            mentions: Vec::new(),
            signature: Vec::new(),
        },
    }
}

/// `POST /instruction/dossiers/{reference}`: one action on the case, named by `action`.
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    reference: Result<Path<String>, PathRejection>,
    form: FormInput,
) -> Result<Response, AppError> {
    let me = SignedIn::require(&state, &headers).await?;
    let reference = reference_of(reference)?;
    me.0.check_csrf(form.get("csrf"))?;
    let action = form.get("action").unwrap_or_default().to_owned();
    let deciding = matches!(action.as_str(), "apercu" | "decider");
    let case = load_for(
        &state,
        &me,
        &reference,
        if deciding {
            Action::Decide
        } else {
            Action::Examine
        },
    )
    .await?;
    let seen: u64 = form
        .get("vu")
        .and_then(|v| v.parse().ok())
        .unwrap_or(case.version);
    let now = state.clock.now();
    let ctx = me.context(Channel::Web, now)?;
    let field = |name: &str| form.get(name).unwrap_or_default().trim().to_owned();
    let refuse = |message: String| async {
        let page = view(&state, &me, &case, None, Some(message)).await?;
        Ok::<Response, AppError>((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    let command = match action.as_str() {
        "commencer" => Command::StartExamination,
        "reprendre" => Command::ResumeExamination,
        "attribuer" => {
            let agent = match field("agent").as_str() {
                "" => None,
                id => match id.parse() {
                    Ok(a) => Some(a),
                    Err(_) => {
                        return refuse("Choisissez un ou une collègue dans la liste.".into()).await;
                    }
                },
            };
            // Only an officer of this operator can be given the case.
            if let Some(a) = agent {
                let ok = state
                    .store
                    .list_agents(&me.account().operator)
                    .await?
                    .iter()
                    .any(|x| {
                        x.id == a
                            && x.role == guichet_domain::StaffRole::CaseOfficer
                            && !x.suspended
                    });
                if !ok {
                    return refuse("Ce dossier ne peut être attribué qu’à un instructeur ou une instructrice de votre organisme.".into()).await;
                }
            }
            Command::Assign { agent }
        }
        "pieces" => {
            let mut documents = form.all("piece");
            documents.extend(document_list(&field("autres")));
            let reply_by = match reply_date(&field("date_reponse"), now) {
                Ok(d) => d,
                Err(m) => return refuse(m).await,
            };
            Command::RequestDocuments {
                documents,
                message: field("message"),
                reply_by,
            }
        }
        "message" => Command::SendMessage {
            text: field("texte"),
        },
        "rouvrir" => Command::Reopen {
            reason: field("motif"),
        },
        "apercu" | "decider" => {
            let Some(outcome) = Outcome::from_code(&field("sens")) else {
                return refuse("Choisissez le sens de la décision.".into()).await;
            };
            let command = Command::Decide {
                outcome,
                motivation: field("motivation"),
            };
            if action == "apercu" {
                return preview(&state, &me, &case, seen, command, ctx).await;
            }
            command
        }
        _ => return refuse("Cette action n’existe pas.".into()).await,
    };
    match state
        .cases
        .execute_seen(&reference, seen, command, ctx)
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/instruction/dossiers/{reference}?fait={action}"))
                .into_response(),
        ),
        Err(guichet_cases::CommandError::Case(e)) => refuse(e.message_fr()).await,
        Err(e @ guichet_cases::CommandError::Stale { .. }) => {
            let message = crate::routes::online::command_error(e).message_fr();
            let fresh = state.store.load_case(&reference).await?;
            let page = view(&state, &me, &fresh, None, Some(message)).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(crate::routes::online::command_error(e)),
    }
}

/// The decision's letter and messages, as the person will receive them; nothing is written.
async fn preview(
    state: &AppState,
    me: &SignedIn,
    case: &Case,
    seen: u64,
    command: Command,
    ctx: guichet_domain::Context,
) -> Result<Response, AppError> {
    let Command::Decide {
        outcome,
        motivation,
    } = command.clone()
    else {
        return Err(AppError::Internal("preview of a non-decision".into()));
    };
    let committed = match state.cases.preview(&case.reference, command, ctx).await {
        Ok(c) => c,
        Err(guichet_cases::CommandError::Case(e)) => {
            let page = view(state, me, case, None, Some(e.message_fr())).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(e) => return Err(crate::routes::online::command_error(e)),
    };
    let mut messages: Vec<PreviewMessage> = committed
        .plan
        .intents
        .iter()
        .map(|i| preview_of(&i.payload))
        .collect();
    // The letter first: it is the one every decision produces.
    messages.sort_by_key(|m| m.channel != Delivery::Letter.label_fr());
    let warnings = committed
        .plan
        .alerts
        .iter()
        .map(|a| a.message.clone())
        .collect();
    Ok(PreviewPage {
        layout: Layout::new(
            state,
            format!("Aperçu de la décision — dossier {}", case.reference),
        ),
        bar: AgentBar::of(me),
        csrf: me.csrf().to_owned(),
        reference: case.reference.to_string(),
        version: seen,
        outcome: outcome.code().to_owned(),
        outcome_label: match outcome {
            Outcome::Revoked => "retrait du droit".to_owned(),
            o => format!("demande {}", o.label_fr()),
        },
        motivation,
        messages,
        warnings,
    }
    .into_response())
}
