//! `/suivi`: follow a case with the reference and the follow-up code printed on every letter
//! and receipt, with no account and no email. Wrong codes are counted in the database (so
//! several servers count together), per case and network address: after [`MAX_FAILURES`]
//! within [`FAILURE_WINDOW`], the case cannot be opened from that address for the rest of the
//! window, and the person is told how long to wait; someone who read a reference on a letter
//! cannot lock its owner out from elsewhere. All addresses together get [`MAX_CASE_FAILURES`],
//! against guessing the code from many addresses (its 8 characters leave about 10¹² codes).
//!
//! A visitor who proved the code (or submitted the case in this session) follows it in their
//! session: status and history in plain French, the channel of each step, the legal deadline
//! and what silence means, what is expected next, documents to send, their contact
//! preferences, and the receipt as PDF.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, Utc};
use guichet_catalogue::definition::answers::InputError;
use guichet_domain::{
    Case, CaseReference, CaseState, Command, DeadlineStatus, Event, EventKind, Notice,
};
use serde::Deserialize;

use crate::error::AppError;
use crate::form_input::FormInput;
use crate::routes::account::Client;
use crate::routes::online::{ErrorLink, InputView};
use crate::session::{Session, with_cookie};
use crate::{AppState, Layout};

/// Wrong codes accepted for one case from one network address within [`FAILURE_WINDOW`].
pub const MAX_FAILURES: u64 = 5;
/// Wrong codes accepted for one case from all addresses together within [`FAILURE_WINDOW`].
pub const MAX_CASE_FAILURES: u64 = 50;
/// The window over which wrong codes are counted.
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);

/// A date in French, « 14 mars 2026 » (the letters' own wording, one place for it).
pub fn date_fr(t: DateTime<Utc>) -> String {
    guichet_letters::french_date(t.date_naive())
}

/// Compares follow-up codes as people type them: any case, with or without the hyphen or
/// spaces, and the letters O/I/L read as the digits they look like (the code's alphabet has
/// no O, I or L).
pub fn same_code(typed: &str, expected: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            })
            .collect()
    };
    let (a, b) = (norm(typed), norm(expected));
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// What a reference and a follow-up code gave.
#[derive(Debug)]
pub enum CodeCheck {
    Right(Box<Case>),
    /// Wrong code (or no such case: the same answer, so references cannot be probed); `left`
    /// tries before the wait.
    Wrong {
        left: u64,
    },
}

/// Checks a follow-up code for `reference` given from the network address `client`, counting
/// wrong ones; refuses with [`AppError::TooManyAttempts`] once that address's tries on the case
/// (or all addresses' together) are used up. The pages and the API share it, so they share the
/// count.
pub async fn check_code(
    state: &AppState,
    reference: &CaseReference,
    client: &str,
    code: &str,
) -> Result<CodeCheck, AppError> {
    let now = state.clock.now();
    // One table, two kinds of key: the reference alone (every address) and the reference with
    // the address.
    let from_client = format!("{} {client}", reference.as_str());
    let (failures, client_oldest) = state
        .store
        .follow_up_failures(&from_client, now - FAILURE_WINDOW)
        .await?;
    let (case_failures, case_oldest) = state
        .store
        .follow_up_failures(reference.as_str(), now - FAILURE_WINDOW)
        .await?;
    let locked_since = if failures >= MAX_FAILURES {
        Some(client_oldest)
    } else if case_failures >= MAX_CASE_FAILURES {
        Some(case_oldest)
    } else {
        None
    };
    if let Some(oldest) = locked_since {
        let free_at = oldest.unwrap_or(now) + FAILURE_WINDOW;
        let minutes = ((free_at - now).num_seconds() + 59) / 60;
        return Err(AppError::TooManyAttempts {
            minutes: minutes.max(1),
        });
    }
    let case = match state.store.load_case(reference).await {
        Ok(c) => Some(c),
        Err(guichet_store::StoreError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    match case {
        Some(c) if same_code(code, &guichet_notify::plan::follow_up_code(&c)) => {
            Ok(CodeCheck::Right(Box::new(c)))
        }
        _ => {
            for key in [reference.as_str(), from_client.as_str()] {
                state.store.record_follow_up_failure(key, now).await?;
            }
            Ok(CodeCheck::Wrong {
                left: MAX_FAILURES
                    .saturating_sub(failures + 1)
                    .min(MAX_CASE_FAILURES.saturating_sub(case_failures + 1)),
            })
        }
    }
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "follow_form.html")]
pub struct FollowForm {
    layout: Layout,
    csrf: String,
    reference: String,
    code: String,
    errors: Vec<ErrorLink>,
    reference_error: Option<String>,
    code_error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct FollowQuery {
    #[serde(default)]
    reference: Option<String>,
    #[serde(default)]
    envoye: Option<String>,
    #[serde(default)]
    pause: Option<String>,
    /// Files were just received (`/suivi/{reference}/pieces`).
    #[serde(default)]
    recu: Option<String>,
    /// Contact details or preferences were just saved.
    #[serde(default)]
    preferences: Option<String>,
}

/// What a person who typed a wrong code is told; `left`: the tries before the wait.
pub(crate) fn wrong_code_message(left: u64) -> String {
    if left == 0 {
        format!(
            "La référence et le code ne correspondent pas. Par sécurité, ce dossier ne peut plus être ouvert ici pendant {} minutes. Vous pouvez appeler l’accueil ou venir au guichet avec votre courrier.",
            FAILURE_WINDOW.num_minutes()
        )
    } else {
        let s = if left > 1 { "s" } else { "" };
        format!(
            "La référence et le code ne correspondent pas. Vérifiez-les sur votre courrier ({left} essai{s} encore possible{s} avant une attente de {} minutes).",
            FAILURE_WINDOW.num_minutes()
        )
    }
}

/// What a person is told while too many wrong codes keep a case closed to them.
pub(crate) fn wait_message(minutes: i64) -> String {
    format!(
        "Trop de codes de suivi erronés pour ce dossier. Par sécurité, réessayez dans {minutes} minute{}. Vous pouvez aussi appeler l’accueil ou venir au guichet avec votre courrier.",
        if minutes > 1 { "s" } else { "" }
    )
}

fn follow_form(
    state: &AppState,
    session: &Session,
    reference: &str,
    code: &str,
    errors: &[InputError],
) -> FollowForm {
    let mut layout = Layout::new(state, "Suivre un dossier");
    if !errors.is_empty() {
        layout = layout.with_error();
    }
    let find = |input: &str| {
        errors
            .iter()
            .find(|e| e.input == input)
            .map(|e| e.message.clone())
    };
    FollowForm {
        layout,
        csrf: session.csrf.clone(),
        reference: reference.to_owned(),
        code: code.to_owned(),
        reference_error: find("reference"),
        code_error: find("code"),
        errors: super::online::links(errors),
    }
}

/// `GET /suivi`: the form (reference and code).
pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<FollowQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let session = Session::load_or_create(&state, &headers).await?;
    let reference = query
        .ok()
        .and_then(|Query(q)| q.reference)
        .unwrap_or_default()
        .chars()
        .take(40)
        .collect::<String>();
    let page = follow_form(&state, &session, &reference, "", &[]);
    Ok(with_cookie(&session, page))
}

/// `POST /suivi`: checks the code and opens the case page.
pub async fn open(
    State(state): State<AppState>,
    headers: HeaderMap,
    Client(client): Client,
    form: FormInput,
) -> Result<Response, AppError> {
    let mut session = crate::session::require(&state, &headers, form.get("csrf")).await?;
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
    let now = state.clock.now();
    let err = |input: &str, message: String| InputError {
        input: input.to_owned(),
        message,
    };
    let mut errors = Vec::new();
    if typed_reference.is_empty() {
        errors.push(err("reference", "Indiquez la référence du dossier : elle figure en haut de chaque courrier, par exemple GX-8B4X-WD7C.".into()));
    }
    if typed_code.is_empty() {
        errors.push(err("code", "Indiquez le code de suivi : il figure sous la référence, sur chaque courrier et sur le récépissé.".into()));
    }
    let reference = if typed_reference.is_empty() {
        None
    } else {
        match CaseReference::parse(&typed_reference) {
            Ok(r) => Some(r),
            Err(_) => {
                errors.push(err("reference", format!("La référence « {typed_reference} » ne peut pas être juste : vérifiez chaque caractère (une lettre ou un chiffre mal recopié se détecte).")));
                None
            }
        }
    };
    let show = |errors: Vec<InputError>| {
        let page = follow_form(&state, &session, &typed_reference, &typed_code, &errors);
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    };
    let Some(reference) = reference.filter(|_| errors.is_empty()) else {
        return Ok(show(errors));
    };
    let checked = match check_code(&state, &reference, &client, &typed_code).await {
        // The wait is said on the form itself, next to the code, with the other ways.
        Err(AppError::TooManyAttempts { minutes }) => {
            let page = follow_form(
                &state,
                &session,
                &typed_reference,
                &typed_code,
                &[err("code", wait_message(minutes))],
            );
            return Ok((StatusCode::TOO_MANY_REQUESTS, page).into_response());
        }
        other => other?,
    };
    let case = match checked {
        CodeCheck::Right(case) => case,
        CodeCheck::Wrong { left } => {
            return Ok(show(vec![err("code", wrong_code_message(left))]));
        }
    };
    session.data.follow(reference.as_str());
    if case.state == CaseState::Draft {
        session
            .data
            .drafts
            .insert(case.procedure.id.to_string(), reference.to_string());
    }
    session.save(&state, now).await?;
    Ok(Redirect::to(&format!("/suivi/{reference}")).into_response())
}

/// One step of the history.
#[derive(Debug, Clone)]
pub struct HistoryItem {
    pub date: String,
    pub what: String,
    pub channel: &'static str,
    pub by: &'static str,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "follow_case.html")]
pub struct CasePage {
    layout: Layout,
    csrf: String,
    reference: String,
    follow_up: String,
    procedure_id: String,
    procedure_title: String,
    state_label: &'static str,
    draft: bool,
    submitted: bool,
    just_sent: bool,
    paused: bool,
    /// What was just done, confirmed at the top of the page.
    confirmation: Option<String>,
    deadline: Option<String>,
    next: String,
    requested: Vec<String>,
    can_send_documents: bool,
    history: Vec<HistoryItem>,
    contact: String,
    upload_error: Option<String>,
    reply_by: Option<String>,
    /// The decision, in a sentence, with its motivation.
    decision: Option<(String, String)>,
    /// The messages with the examining service: (date, from the person, text).
    messages: Vec<(String, bool, String)>,
    can_write: bool,
    message_error: Option<String>,
    /// The channel the feedback form starts on: the desk's encounter, or online.
    feedback_channel: &'static str,
}

/// A case this session follows, with its journal.
type Followed = (Session, Case, Vec<Event>);

/// The case `reference` if this session follows it.
async fn followed_case(
    state: &AppState,
    headers: &HeaderMap,
    reference: &str,
) -> Result<Result<Followed, Redirect>, AppError> {
    let to_form = || Redirect::to(&format!("/suivi?reference={}", url_safe(reference)));
    let Some(session) = Session::load(state, headers).await? else {
        return Ok(Err(to_form()));
    };
    let Ok(parsed) = CaseReference::parse(reference) else {
        return Ok(Err(to_form()));
    };
    if !session.data.follows(parsed.as_str())
        && !crate::routes::account::account_links(state, &session, parsed.as_str()).await?
    {
        return Ok(Err(to_form()));
    }
    let (case, journal) = state.store.load_case_and_journal(&parsed).await?;
    Ok(Ok((session, case, journal)))
}

/// Keeps only what a reference can contain, for a redirect's query.
fn url_safe(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(40)
        .collect()
}

pub(crate) fn deadline_sentence(case: &Case, now: DateTime<Utc>) -> Option<String> {
    let silence = case.deadline_rule.map(|r| r.silence);
    let outcome = |s: guichet_domain::Silence| match s {
        guichet_domain::Silence::Accord => "votre demande sera acceptée",
        guichet_domain::Silence::Rejet => {
            "votre demande sera considérée comme refusée (vous pourrez alors contester ce refus)"
        }
    };
    match case.deadline_status(now) {
        DeadlineStatus::Running { due } => Some(match silence {
            Some(s) => format!(
                "L’administration doit vous répondre avant le {}. Sans réponse à cette date, {}.",
                date_fr(due),
                outcome(s)
            ),
            None => format!(
                "L’administration doit vous répondre avant le {}.",
                date_fr(due)
            ),
        }),
        DeadlineStatus::Suspended { remaining_seconds } => Some(format!(
            "Le délai de réponse est suspendu tant que les pièces demandées n’ont pas été reçues ; il restera alors {} jour{} à l’administration pour répondre.",
            (remaining_seconds + 86_399) / 86_400,
            if remaining_seconds > 86_400 { "s" } else { "" }
        )),
        DeadlineStatus::Passed { due, silence } => Some(format!(
            "Le délai de réponse a pris fin le {} : {}.",
            date_fr(due),
            silence.label_fr()
        )),
        DeadlineStatus::NotStarted => case.deadline_rule.map(|r| {
            format!(
                "Le délai de réponse commencera quand vous aurez envoyé votre demande ({}).",
                r.silence.label_fr()
            )
        }),
        DeadlineStatus::NotApplicable | DeadlineStatus::Stopped => None,
    }
}

fn next_step(case: &Case) -> String {
    match case.state {
        CaseState::Draft => "Votre demande n’est pas encore envoyée : terminez-la en ligne, ou apportez vos informations au guichet.".into(),
        CaseState::Submitted => "Votre demande a été reçue. Elle va être examinée ; vous n’avez rien à faire pour l’instant.".into(),
        CaseState::UnderExamination => "Votre demande est en cours d’examen. Vous n’avez rien à faire pour l’instant.".into(),
        CaseState::WaitingForDocuments => "Des pièces vous sont demandées : envoyez-les ci-dessous, par courrier ou au guichet. L’examen reprendra dès leur réception.".into(),
        CaseState::Decided(_) => "Une décision a été prise. Elle vous a été envoyée par courrier, avec la manière de la contester si vous n’êtes pas d’accord.".into(),
        CaseState::Withdrawn => "Cette demande a été abandonnée.".into(),
    }
}

async fn case_view(
    state: &AppState,
    (session, case, journal): (&Session, &Case, &[Event]),
    query: &FollowQuery,
    upload_error: Option<String>,
) -> Result<CasePage, AppError> {
    case_view_with(state, (session, case, journal), query, upload_error, None).await
}

async fn case_view_with(
    state: &AppState,
    (session, case, journal): (&Session, &Case, &[Event]),
    query: &FollowQuery,
    upload_error: Option<String>,
    message_error: Option<String>,
) -> Result<CasePage, AppError> {
    let now = state.clock.now();
    let procedure_title = match state.cases.definition(&case.procedure).await? {
        Some(d) => d.procedure().title().to_owned(),
        None => case.procedure.id.to_string(),
    };
    let person = state.store.get_person(case.person).await?;
    let mut history = journal
        .iter()
        .rev()
        .map(|e| HistoryItem {
            date: date_fr(e.at),
            what: match &e.kind {
                EventKind::FormUpdated { .. } => "Réponses enregistrées".to_owned(),
                other => other.label_fr(),
            },
            channel: e.channel.label_fr(),
            by: e.actor.label_fr(),
        })
        .collect::<Vec<_>>();
    // A person saving answers page after page is one line, not one per page.
    history.dedup_by(|later, earlier| {
        later.what == "Réponses enregistrées"
            && later.what == earlier.what
            && later.date == earlier.date
            && later.channel == earlier.channel
            && later.by == earlier.by
    });
    let mut layout =
        Layout::new(state, format!("Dossier {}", case.reference)).at_desk(session, case);
    if upload_error.is_some() || message_error.is_some() {
        layout = layout.with_error();
    }
    Ok(CasePage {
        layout,
        csrf: session.csrf.clone(),
        reference: case.reference.to_string(),
        follow_up: guichet_notify::plan::follow_up_code(case),
        procedure_id: case.procedure.id.to_string(),
        procedure_title,
        state_label: case.state.label_fr(),
        draft: case.state == CaseState::Draft,
        submitted: case.submitted_at.is_some(),
        just_sent: query.envoye.is_some() && case.submitted_at.is_some(),
        paused: query.pause.is_some() && case.state == CaseState::Draft,
        confirmation: if query.recu.is_some() {
            Some(match case.state {
                CaseState::WaitingForDocuments => "Vos fichiers sont bien reçus. Le service attend encore des pièces : voyez la liste ci-dessous.".to_owned(),
                CaseState::UnderExamination | CaseState::Submitted => "Vos fichiers sont bien reçus et joints à votre dossier. Si une pièce demandée manque encore, le service vous l’écrira.".to_owned(),
                _ => "Vos fichiers sont bien reçus et joints à votre dossier.".to_owned(),
            })
        } else if query.preferences.is_some() {
            Some("Vos coordonnées et vos préférences de contact sont enregistrées. Ce qu’elles changent est écrit en bas de cette page.".to_owned())
        } else {
            None
        },
        deadline: deadline_sentence(case, now),
        next: next_step(case),
        requested: if case.state == CaseState::WaitingForDocuments {
            case.requested_documents.clone()
        } else {
            Vec::new()
        },
        can_send_documents: !case.state.is_closed() && case.state != CaseState::Draft,
        reply_by: case
            .reply_by
            .filter(|_| case.state == CaseState::WaitingForDocuments)
            .map(date_fr),
        decision: case
            .decision
            .as_ref()
            .filter(|_| case.state.is_closed())
            .map(|d| {
                (
                    match (d.outcome, d.implicit) {
                        (guichet_domain::Outcome::Revoked, _) => format!(
                            "Le droit qui vous avait été accordé vous est retiré (décision du {}).",
                            date_fr(d.at)
                        ),
                        (o, true) => format!(
                            "Sans réponse dans le délai légal, votre demande est {} depuis le {}.",
                            o.label_fr(),
                            date_fr(d.at)
                        ),
                        (o, false) => format!(
                            "Votre demande est {} (décision du {}).",
                            o.label_fr(),
                            date_fr(d.at)
                        ),
                    },
                    d.motivation.clone(),
                )
            }),
        messages: journal
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::MessageSent { text } => Some((date_fr(e.at), false, text.clone())),
                EventKind::MessageReceived { text } => Some((date_fr(e.at), true, text.clone())),
                _ => None,
            })
            .collect(),
        can_write: case.state != CaseState::Draft,
        message_error,
        feedback_channel: match session.data.desk.get(case.reference.as_str()) {
            None => "web",
            Some(c) if c == "phone" => "phone",
            Some(c) if c.starts_with("post") => "post",
            Some(_) => "counter",
        },
        history,
        contact: person
            .as_ref()
            .map(super::online::explain_contact)
            .unwrap_or_default(),
        upload_error,
    })
}

/// `GET /suivi/{reference}`.
pub async fn case_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    reference: Result<Path<String>, PathRejection>,
    query: Result<Query<FollowQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let reference = reference.map(|Path(r)| r).unwrap_or_default();
    let (session, case, journal) = match followed_case(&state, &headers, &reference).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let query = query.map(|Query(q)| q).unwrap_or_default();
    Ok(case_view(&state, (&session, &case, &journal), &query, None)
        .await?
        .into_response())
}

/// `POST /suivi/{reference}/pieces`: documents sent online for a case.
pub async fn send_documents(
    State(state): State<AppState>,
    headers: HeaderMap,
    reference: Result<Path<String>, PathRejection>,
    form: FormInput,
) -> Result<Response, AppError> {
    let reference = reference.map(|Path(r)| r).unwrap_or_default();
    let (session, case, journal) = match followed_case(&state, &headers, &reference).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    session.check_csrf(form.get("csrf"))?;
    let field = guichet_catalogue::definition::Field {
        id: "pieces".to_owned(),
        label: "Pièces à envoyer".to_owned(),
        help: None,
        required: true,
        show_if: None,
        kind: guichet_catalogue::definition::FieldKind::Attachment { document: None },
    };
    let files = match super::online::read_files(&field, &form, 0) {
        Ok(f) if f.is_empty() => Err("Choisissez au moins un fichier à envoyer.".to_owned()),
        Ok(f) => Ok(f),
        Err(errors) => Err(errors
            .into_iter()
            .map(|e| e.message)
            .collect::<Vec<_>>()
            .join(" ")),
    };
    let files = match files {
        Ok(f) => f,
        Err(message) => {
            let page = case_view(
                &state,
                (&session, &case, &journal),
                &FollowQuery::default(),
                Some(message),
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let now = state.clock.now();
    for (doc, bytes) in files {
        state
            .store
            .put_attachment(
                &guichet_store::portal::Attachment {
                    sha256: doc.sha256.clone(),
                    media_type: doc.media_type.clone(),
                    content: bytes,
                },
                now,
            )
            .await?;
        // The person online, or the agent at a desk (documents brought to the counter).
        super::online::run(
            &state,
            &headers,
            &session,
            &case,
            Command::AttachDocument { document: doc },
        )
        .await?;
    }
    Ok(Redirect::to(&format!("/suivi/{}?recu=1", case.reference)).into_response())
}

/// `POST /suivi/{reference}/message`: the person writes to the service examining the case
/// (online, or an agent at a desk writing what the person says).
pub async fn send_message(
    State(state): State<AppState>,
    headers: HeaderMap,
    reference: Result<Path<String>, PathRejection>,
    form: FormInput,
) -> Result<Response, AppError> {
    let reference = reference.map(|Path(r)| r).unwrap_or_default();
    let (session, case, journal) = match followed_case(&state, &headers, &reference).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    session.check_csrf(form.get("csrf"))?;
    let text = form.get("message").unwrap_or_default().trim().to_owned();
    let refused = match text.chars().count() {
        0 => Some("Écrivez votre message avant de l’envoyer.".to_owned()),
        n if n > 5000 => Some(format!(
            "Votre message fait {n} caractères : 5 000 au plus. Raccourcissez-le, ou envoyez la suite par courrier."
        )),
        _ => None,
    };
    if let Some(message) = refused {
        let page = case_view_with(
            &state,
            (&session, &case, &journal),
            &FollowQuery::default(),
            None,
            Some(message),
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    super::online::run(
        &state,
        &headers,
        &session,
        &case,
        Command::ReceiveMessage { text },
    )
    .await?;
    Ok(Redirect::to(&format!("/suivi/{}#messages", case.reference)).into_response())
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "follow_preferences.html")]
pub struct PreferencesPage {
    layout: Layout,
    csrf: String,
    reference: String,
    inputs: Vec<InputView>,
    errors: Vec<ErrorLink>,
}

/// `GET /suivi/{reference}/preferences`: how the person wants to be told.
pub async fn preferences_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    reference: Result<Path<String>, PathRejection>,
) -> Result<Response, AppError> {
    let reference = reference.map(|Path(r)| r).unwrap_or_default();
    let (session, case, _) = match followed_case(&state, &headers, &reference).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let person = state
        .store
        .get_person(case.person)
        .await?
        .ok_or_else(|| AppError::Internal(format!("person of {} missing", case.reference)))?;
    Ok(PreferencesPage {
        layout: Layout::new(&state, "Vos coordonnées et préférences de contact"),
        csrf: session.csrf.clone(),
        reference: case.reference.to_string(),
        inputs: super::online::identity_inputs(&person, None, &[]),
        errors: Vec::new(),
    }
    .into_response())
}

/// `POST /suivi/{reference}/preferences`: stores them, and notes the change in the journal.
pub async fn preferences_save(
    State(state): State<AppState>,
    headers: HeaderMap,
    reference: Result<Path<String>, PathRejection>,
    form: FormInput,
) -> Result<Response, AppError> {
    let reference = reference.map(|Path(r)| r).unwrap_or_default();
    let (session, case, _) = match followed_case(&state, &headers, &reference).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    session.check_csrf(form.get("csrf"))?;
    let before = state
        .store
        .get_person(case.person)
        .await?
        .ok_or_else(|| AppError::Internal(format!("person of {} missing", case.reference)))?;
    let typed = |name: &str| form.all(name);
    let person =
        match super::online::read_identity(&typed, before.id, state.clock.now().date_naive()) {
            Ok(p) => p,
            Err(errors) => {
                let page = PreferencesPage {
                    layout: Layout::new(&state, "Vos coordonnées et préférences de contact")
                        .with_error(),
                    csrf: session.csrf.clone(),
                    reference: case.reference.to_string(),
                    inputs: super::online::identity_inputs(&before, Some(&typed), &errors),
                    errors: super::online::links(&errors),
                };
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
        };
    if person != before {
        // The new details and their line in the journal, in one transaction.
        let ctx = super::online::ctx(
            &state,
            &headers,
            &session,
            Some(&case.reference),
            case.person,
        )
        .await?;
        state
            .cases
            .execute_changing_person(
                &case.reference,
                &person,
                Command::RecordContactChange {
                    summary: super::online::explain_contact_to_agent(&person),
                },
                ctx,
            )
            .await
            .map_err(super::online::command_error)?;
    }
    Ok(Redirect::to(&format!("/suivi/{}?preferences=1", case.reference)).into_response())
}

/// `GET /suivi/{reference}/recepisse.pdf`: the receipt of a submitted case, as the post would
/// carry it (tagged PDF, readable by screen readers).
pub async fn receipt_pdf(
    State(state): State<AppState>,
    headers: HeaderMap,
    reference: Result<Path<String>, PathRejection>,
) -> Result<Response, AppError> {
    let reference = reference.map(|Path(r)| r).unwrap_or_default();
    let (_, case, _) = match followed_case(&state, &headers, &reference).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let Some(submitted) = case.submitted_at else {
        return Err(AppError::BadRequest {
            message: "Cette demande n’est pas encore envoyée : le récépissé sera disponible après l’envoi.".into(),
        });
    };
    // The receipt as it was sent, even after a pause for documents or a decision.
    let notice = Notice::Receipt {
        due: case.due_at_submission(),
        silence: case.deadline_rule.map(|r| r.silence),
    };
    let letter = state
        .cases
        .letter(&case.reference, &notice, submitted)
        .await?
        .map_err(|e| AppError::BadRequest {
            message: format!(
                "Le récépissé ne peut pas être produit : {e}. L’accueil peut vous l’imprimer."
            ),
        })?;
    let rendered = tokio::task::spawn_blocking(move || {
        guichet_letters::render(&letter, guichet_letters::Output::Accessible)
    })
    .await
    .map_err(|e| AppError::Internal(format!("receipt rendering: {e}")))?
    .map_err(|e| AppError::Internal(format!("receipt rendering: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"recepisse-{}.pdf\"", case.reference),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        rendered.pdf,
    )
        .into_response())
}
