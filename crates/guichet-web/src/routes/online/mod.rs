//! `/demarches/{id}/en-ligne`: a hosted procedure done online, one question (or one repeated
//! group) per page, generated from the procedure's published definition.
//!
//! The request is a case from the first page on: « vos coordonnées » registers the person and
//! opens a draft case in one transaction ([`guichet_cases::CaseService::open_for_new_person`]);
//! each step then stores its answers in the case (`UpdateForm`, journaled with the web
//! channel), so a person can stop and continue later — from this browser, or anywhere with the
//! reference and follow-up code — or at a counter. The check page submits the case, which
//! writes the receipt to every channel the person accepts. The draft keeps the definition
//! version it was opened under, even when a newer one is published meanwhile.
//!
//! Every form carries the session's CSRF token; a step's number and field come from the URL
//! and a hidden input, and a mismatch (a tampered page, a definition changed) shows the step
//! again rather than storing anything.

mod identity;
mod view;

pub use identity::{EASY_READ, LARGE_PRINT, REFUSE_DIGITAL};
pub use view::french_spaces;

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use guichet_catalogue::definition::answers::{self, InputError};
use guichet_catalogue::definition::{Field, FieldKind, ProcedureDefinition};
use guichet_domain::{
    Actor, Case, CaseReference, CaseState, Channel, Command, Context, Document, PersonId,
    ProcedureChannel, ProcedureId,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::form_input::FormInput;
use crate::session::{Session, with_cookie};
use crate::{AppState, Layout};

pub use view::{InputView, InstanceView, Typed};

/// The consequences of a person's contact choices, in plain words.
pub fn explain_contact(person: &guichet_domain::Person) -> String {
    identity::explain(person)
}

/// The same, said to an agent about the person.
pub fn explain_contact_to_agent(person: &guichet_domain::Person) -> String {
    identity::explain_to_agent(person)
}

/// Reads « vos coordonnées » (the same questions wherever a person edits them).
pub fn read_identity(
    input: Typed<'_>,
    id: PersonId,
    today: chrono::NaiveDate,
) -> Result<guichet_domain::Person, Vec<InputError>> {
    identity::read(input, id, today)
}

/// The inputs of « vos coordonnées », filled with what is known of `person` or what was typed.
pub fn identity_inputs(
    person: &guichet_domain::Person,
    typed: Option<Typed<'_>>,
    errors: &[InputError],
) -> Vec<InputView> {
    identity_views(&identity::answers_of(person), typed, errors)
}

/// The inputs of « vos coordonnées » from stored answers, as the online step and the desk
/// show them.
fn identity_views(
    stored: &BTreeMap<String, String>,
    typed: Option<Typed<'_>>,
    errors: &[InputError],
) -> Vec<InputView> {
    let values = view::Values { typed, stored };
    identity::fields()
        .iter()
        .map(|f| {
            let mut input = view::input(f, &f.id, &values, errors);
            // The second and third choices repeat the first's five channels: a list each, so
            // that the page stays short on a phone.
            if identity::RANKS[1..].contains(&f.id.as_str()) {
                input.widget = "select";
            }
            input
        })
        .collect()
}

/// The largest file a person can attach.
pub const MAX_FILE_BYTES: usize = 10 << 20;
/// The most files per attachment question.
pub const MAX_FILES_PER_FIELD: usize = 5;

/// A procedure that can be done online here: published with its definition, digitisable,
/// and offered on the web.
fn online_definition(state: &AppState, id: &str) -> Result<ProcedureDefinition, AppError> {
    let not_found = || AppError::NotFound {
        what: format!("procedure {id}"),
    };
    let id = ProcedureId::parse(id).map_err(|_| not_found())?;
    state
        .catalogue
        .definition(&id)
        .cloned()
        .ok_or_else(not_found)
}

/// Offered on the web. A procedure that is not digitisable (a visit or an interview is
/// needed) can still be prepared online when its definition offers the web: its web channel
/// says what happens next, and the start page shows it.
fn is_online(def: &ProcedureDefinition) -> bool {
    def.procedure().offers(ProcedureChannel::Web)
}

fn web_how(def: &ProcedureDefinition) -> Option<String> {
    def.procedure()
        .channels()
        .get(&ProcedureChannel::Web)
        .map(|a| a.how.clone())
}

fn path_id(id: Result<Path<String>, PathRejection>) -> String {
    id.map(|Path(id)| id).unwrap_or_default()
}

fn today(state: &AppState) -> chrono::NaiveDate {
    state.clock.now().date_naive()
}

/// The other ways of doing a procedure, shown on every page of the online form.
#[derive(Debug, Clone)]
pub struct OtherWay {
    pub label: &'static str,
    pub how: String,
}

fn other_ways(def: &ProcedureDefinition) -> Vec<OtherWay> {
    [
        ProcedureChannel::Phone,
        ProcedureChannel::Counter,
        ProcedureChannel::Post,
    ]
    .into_iter()
    .filter_map(|c| {
        def.procedure().channels().get(&c).map(|a| OtherWay {
            label: c.label_fr(),
            how: crate::site::numbers_unbroken(&a.how),
        })
    })
    .collect()
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "online_start.html")]
pub struct StartPage {
    layout: Layout,
    id: String,
    title: String,
    online: bool,
    /// How many pages, at least and at most (some questions depend on earlier answers).
    steps: (usize, usize),
    documents: Vec<(String, bool)>,
    other_ways: Vec<OtherWay>,
    draft: Option<String>,
    how: Option<String>,
}

/// `GET /demarches/{id}/en-ligne`: what the request asks for, and how to begin (or resume).
pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<StartPage, AppError> {
    let id = path_id(id);
    let def = online_definition(&state, &id)?;
    let draft = match Session::load(&state, &headers).await? {
        Some(s) => s.data.drafts.get(&id).cloned(),
        None => None,
    };
    Ok(StartPage {
        layout: Layout::new(&state, format!("{} — en ligne", def.procedure().title())),
        title: def.procedure().title().to_owned(),
        online: is_online(&def),
        // The fewest pages (the questions shown before any answer), the most (every question).
        steps: (
            answers::shown_steps(def.fields(), &BTreeMap::new()).len() + 2,
            def.fields().len() + 2,
        ),
        documents: def
            .documents()
            .iter()
            .map(|d| (d.name.clone(), d.required))
            .collect(),
        other_ways: other_ways(&def),
        draft,
        how: web_how(&def),
        id,
    })
}

/// The draft this session fills for procedure `id`, with its definition (the version the case
/// was opened under). `None` when the session has none, or it is no longer a draft.
async fn current_draft(
    state: &AppState,
    session: &Session,
    id: &str,
) -> Result<Option<(Case, Arc<ProcedureDefinition>)>, AppError> {
    let Some(reference) = session.data.drafts.get(id) else {
        return Ok(None);
    };
    let Ok(reference) = CaseReference::parse(reference) else {
        return Ok(None);
    };
    let case = match state.store.load_case(&reference).await {
        Ok(c) => c,
        Err(guichet_store::StoreError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if case.state != CaseState::Draft {
        return Ok(None);
    }
    let def = state
        .cases
        .definition(&case.procedure)
        .await?
        .ok_or_else(|| AppError::Internal(format!("no definition for {}", case.procedure.id)))?;
    Ok(Some((case, def)))
}

/// Runs `command` on `case` through the case service, as [`ctx`] says who acts; a refusal
/// becomes the page that explains it.
pub(crate) async fn run(
    state: &AppState,
    headers: &HeaderMap,
    session: &Session,
    case: &Case,
    command: Command,
) -> Result<guichet_cases::Committed, AppError> {
    let ctx = ctx(state, headers, session, Some(&case.reference), case.person).await?;
    state
        .cases
        .execute_read(case, command, ctx)
        .await
        .map_err(command_error)
}

/// Who changes the case: the person online, or — when this browser fills the case at a desk
/// (`SessionData::desk`) — the signed-in agent, through the channel of the encounter. A desk
/// case whose agent session has ended asks for sign-in again (the answers already saved stay).
pub(crate) async fn ctx(
    state: &AppState,
    headers: &HeaderMap,
    session: &Session,
    reference: Option<&CaseReference>,
    person: PersonId,
) -> Result<Context, AppError> {
    let now = state.clock.now();
    let desk_channel = reference.and_then(|r| session.data.desk.get(r.as_str()));
    let Some(channel) = desk_channel else {
        return Ok(Context {
            actor: Actor::Person { id: person },
            channel: Channel::Web,
            now,
        });
    };
    let me = crate::staff::SignedIn::require(state, headers).await?;
    me.context(
        if channel == "phone" {
            Channel::Phone
        } else if channel.starts_with("post") {
            Channel::Post
        } else {
            Channel::Counter
        },
        now,
    )
}

/// The submission command for the visitor's case: a request received by post and filled at
/// the desk is submitted as of the day the letter arrived (`post:` + that time, kept in
/// `SessionData::desk` when the case was opened).
fn submit_command(session: &Session, case: &Case) -> Command {
    session
        .data
        .desk
        .get(case.reference.as_str())
        .and_then(|code| code.strip_prefix("post:"))
        .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
        .map_or(Command::Submit, |at| Command::SubmitByPost {
            received_at: at.with_timezone(&chrono::Utc),
        })
}

fn to_step(id: &str, n: usize) -> Redirect {
    Redirect::to(&format!("/demarches/{id}/en-ligne/etape/{n}"))
}

fn to_review(id: &str) -> Redirect {
    Redirect::to(&format!("/demarches/{id}/en-ligne/verification"))
}

/// The summary of errors at the top of a page: each message links to its input.
#[derive(Debug, Clone)]
pub struct ErrorLink {
    pub input: String,
    pub message: String,
}

impl ErrorLink {
    /// The message set in French typography (see [`view::french_spaces`]).
    pub fn new(input: &str, message: &str) -> Self {
        Self {
            input: input.to_owned(),
            message: view::french_spaces(message),
        }
    }
}

pub(crate) fn links(errors: &[InputError]) -> Vec<ErrorLink> {
    errors
        .iter()
        .map(|e| ErrorLink::new(&e.input, &e.message))
        .collect()
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "online_identity.html")]
pub struct IdentityPage {
    layout: Layout,
    id: String,
    title: String,
    csrf: String,
    inputs: Vec<InputView>,
    errors: Vec<ErrorLink>,
    total: usize,
    other_ways: Vec<OtherWay>,
}

async fn identity_view(
    state: &AppState,
    session: &Session,
    def: &ProcedureDefinition,
    id: &str,
    typed: Option<Typed<'_>>,
    errors: &[InputError],
) -> Result<IdentityPage, AppError> {
    let draft = current_draft(state, session, id).await?;
    let stored = match &draft {
        Some((case, _)) => match state.store.get_person(case.person).await? {
            Some(p) => identity::answers_of(&p),
            None => BTreeMap::new(),
        },
        None => BTreeMap::new(),
    };
    // Counted as the next pages will count: the questions the answers so far show.
    let total = answers::shown_steps(
        def.fields(),
        draft
            .as_ref()
            .map_or(&BTreeMap::new(), |(case, _)| &case.form),
    )
    .len()
        + 2;
    let mut layout = Layout::new(
        state,
        format!("Vos coordonnées — {}", def.procedure().title()),
    );
    if !errors.is_empty() {
        layout = layout.with_error();
    }
    Ok(IdentityPage {
        layout,
        id: id.to_owned(),
        title: def.procedure().title().to_owned(),
        csrf: session.csrf.clone(),
        inputs: identity_views(&stored, typed, errors),
        errors: links(errors),
        total,
        other_ways: other_ways(def),
    })
}

/// `GET /demarches/{id}/en-ligne/coordonnees`: the first step (it starts the session).
pub async fn identity_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, AppError> {
    let id = path_id(id);
    let def = online_definition(&state, &id)?;
    if !is_online(&def) {
        return Ok(Redirect::to(&format!("/demarches/{id}/en-ligne")).into_response());
    }
    let session = Session::load_or_create(&state, &headers).await?;
    let page = identity_view(&state, &session, &def, &id, None, &[]).await?;
    Ok(with_cookie(&session, page))
}

/// `POST /demarches/{id}/en-ligne/coordonnees`: registers the person and opens the draft, or
/// updates the person of the draft in progress.
pub async fn identity_save(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    form: FormInput,
) -> Result<Response, AppError> {
    let id = path_id(id);
    let def = online_definition(&state, &id)?;
    if !is_online(&def) {
        return Ok(Redirect::to(&format!("/demarches/{id}/en-ligne")).into_response());
    }
    let mut session = crate::session::require(&state, &headers, form.get("csrf")).await?;
    let typed = |name: &str| form.all(name);
    let draft = current_draft(&state, &session, &id).await?;
    let person_id = match &draft {
        Some((case, _)) => case.person,
        None => PersonId::from_uuid(uuid::Uuid::new_v4()),
    };
    let person = match identity::read(&typed, person_id, today(&state)) {
        Ok(p) => p,
        Err(errors) => {
            let page = identity_view(&state, &session, &def, &id, Some(&typed), &errors).await?;
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    match draft {
        Some(_) => state.store.update_person(&person).await?,
        None => {
            let committed = state
                .cases
                .open_for_new_person(
                    def.procedure(),
                    &person,
                    ctx(&state, &headers, &session, None, person.id).await?,
                    || CaseReference::from_random(uuid::Uuid::new_v4().as_u64_pair().0),
                )
                .await
                .map_err(command_error)?;
            session
                .data
                .drafts
                .insert(id.clone(), committed.case.reference.to_string());
            session.data.follow(committed.case.reference.as_str());
            session.save(&state, state.clock.now()).await?;
        }
    }
    Ok(to_step(&id, 1).into_response())
}

/// A refused command becomes a page: the domain's refusals are for the person.
pub(crate) fn command_error(e: guichet_cases::CommandError) -> AppError {
    match e {
        guichet_cases::CommandError::Case(e) => AppError::BadRequest {
            message: case_error_fr(&e),
        },
        guichet_cases::CommandError::Store(e) => e.into(),
        guichet_cases::CommandError::Stale { since, .. } => AppError::Changed {
            message: stale_fr(&since),
        },
    }
}

/// What changed on a case since an agent or the person looked at it, in one French sentence.
pub(crate) fn stale_fr(since: &[guichet_domain::Event]) -> String {
    let changes: Vec<String> = since
        .iter()
        .map(|e| format!("{} ({})", e.kind.label_fr(), who_fr(e)))
        .collect();
    format!(
        "Ce dossier a été modifié pendant que vous le consultiez : {}. Rien n’a été enregistré de votre côté ; relisez le dossier avant d’agir à nouveau.",
        changes.join(" ; ")
    )
}

/// Who made a change and through which channel, for someone else looking at the same case
/// (the person's own `Actor::label_fr` says « vous-même »).
fn who_fr(e: &guichet_domain::Event) -> String {
    let who = match e.actor {
        Actor::Person { .. } => "la personne elle-même",
        other => other.label_fr(),
    };
    format!("{who}, {}", e.channel.label_fr())
}

fn case_error_fr(e: &guichet_domain::CaseError) -> String {
    use guichet_domain::CaseError::*;
    match e {
        Invalid(message) => message.clone(),
        IllegalTransition { .. } => "Cette demande a déjà été envoyée : elle ne peut plus être modifiée en ligne. Suivez-la avec sa référence et son code de suivi.".to_owned(),
        NotAllowed { .. } => "Vous ne pouvez pas faire cette action sur ce dossier.".to_owned(),
        ChannelNotOffered(_) => "Cette démarche ne se fait pas en ligne : voyez les autres moyens sur sa page.".to_owned(),
        DeadlineNotPassed => "Le délai de réponse n’est pas encore écoulé.".to_owned(),
    }
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "online_step.html")]
pub struct StepPage {
    layout: Layout,
    id: String,
    title: String,
    csrf: String,
    /// 1-based among the steps shown; the page counts « vos coordonnées » as step 1.
    n: usize,
    shown: usize,
    total: usize,
    field_id: String,
    question: String,
    help: Option<String>,
    inputs: Vec<InputView>,
    instances: Vec<InstanceView>,
    group_label: String,
    can_add: bool,
    can_remove: bool,
    multipart: bool,
    errors: Vec<ErrorLink>,
    back: String,
    review: bool,
    reference: String,
    follow_up: String,
    other_ways: Vec<OtherWay>,
    /// The case's version when the page was shown: the save refuses to overwrite a change
    /// made meanwhile by someone else.
    version: u64,
}

#[derive(Debug, Default, Deserialize)]
pub struct StepQuery {
    #[serde(default)]
    retour: Option<String>,
}

struct StepView<'a> {
    case: &'a Case,
    def: &'a ProcedureDefinition,
    field: &'a Field,
    n: usize,
    steps: usize,
    instances: u32,
    review: bool,
}

fn render_step(
    state: &AppState,
    session: &Session,
    id: &str,
    v: StepView<'_>,
    typed: Option<Typed<'_>>,
    errors: &[InputError],
) -> StepPage {
    let values = view::Values {
        typed,
        stored: &v.case.form,
    };
    let (inputs, instances) = match &v.field.kind {
        FieldKind::Group { .. } => (
            Vec::new(),
            view::instances(v.field, v.instances, &values, errors),
        ),
        _ => (
            vec![view::input(v.field, &v.field.id, &values, errors)],
            Vec::new(),
        ),
    };
    let (min, max) = answers::group_bounds(v.field);
    let mut layout = Layout::new(
        state,
        format!("{} — étape {} sur {}", v.field.label, v.n + 1, v.steps + 2),
    )
    .at_desk(session, v.case);
    if !errors.is_empty() {
        layout = layout.with_error();
    }
    StepPage {
        layout,
        id: id.to_owned(),
        title: v.def.procedure().title().to_owned(),
        csrf: session.csrf.clone(),
        n: v.n,
        shown: v.n + 1,
        total: v.steps + 2,
        field_id: v.field.id.clone(),
        question: v.field.label.clone(),
        help: v.field.help.clone(),
        inputs,
        instances,
        group_label: v.field.label.to_lowercase(),
        can_add: matches!(v.field.kind, FieldKind::Group { .. }) && v.instances < max,
        can_remove: matches!(v.field.kind, FieldKind::Group { .. }) && v.instances > min.max(1),
        multipart: matches!(v.field.kind, FieldKind::Attachment { .. }),
        errors: links(errors),
        back: if v.n <= 1 {
            format!("/demarches/{id}/en-ligne/coordonnees")
        } else {
            format!("/demarches/{id}/en-ligne/etape/{}", v.n - 1)
        },
        review: v.review,
        reference: v.case.reference.to_string(),
        follow_up: guichet_notify::plan::follow_up_code(v.case),
        other_ways: other_ways(v.def),
        version: v.case.version,
    }
}

/// What others changed on the case since the version the form was shown at (`vu`), in
/// French — the questions whose answers changed, with their new answer, and any other event —,
/// or `None` when nothing changed or only this same actor acted since.
async fn changed_by_others(
    state: &AppState,
    headers: &HeaderMap,
    session: &Session,
    case: &Case,
    form: &FormInput,
    def: &ProcedureDefinition,
) -> Result<Option<String>, AppError> {
    let Some(seen) = form.get("vu").and_then(|v| v.parse::<u64>().ok()) else {
        return Ok(None);
    };
    if seen >= case.version {
        return Ok(None);
    }
    let me = ctx(state, headers, session, Some(&case.reference), case.person)
        .await?
        .actor;
    let journal = state.store.journal(&case.reference).await?;
    let others: Vec<&guichet_domain::Event> = journal
        .iter()
        .filter(|e| e.seq > seen && e.actor != me)
        .collect();
    if others.is_empty() {
        return Ok(None);
    }
    let label = |key: &str| -> String {
        let base = key.split('-').next().unwrap_or(key);
        def.fields()
            .iter()
            .find(|f| f.id == key || f.id == base)
            .map_or_else(|| key.to_owned(), |f| f.label.clone())
    };
    let changes: Vec<String> = others
        .iter()
        .map(|e| match &e.kind {
            guichet_domain::EventKind::FormUpdated { fields } => format!(
                "{} ({})",
                fields
                    .iter()
                    .filter(|(k, _)| !k.ends_with("-n"))
                    .map(|(k, v)| if v.is_empty() {
                        format!("« {} » effacée", label(k))
                    } else {
                        format!("« {} » : {v}", label(k))
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                who_fr(e)
            ),
            other => format!("{} ({})", other.label_fr(), who_fr(e)),
        })
        .collect();
    Ok(Some(changes.join(" ; ")))
}

/// The draft and the step `n` (1-based among the steps shown), or where to go instead.
async fn draft_step(
    state: &AppState,
    session: &Session,
    id: &str,
    n: &str,
) -> Result<Result<(Case, Arc<ProcedureDefinition>, usize), Redirect>, AppError> {
    let Some((case, def)) = current_draft(state, session, id).await? else {
        return Ok(Err(Redirect::to(&format!("/demarches/{id}/en-ligne"))));
    };
    let steps = answers::shown_steps(def.fields(), &case.form).len();
    let n = match n.parse::<usize>() {
        Ok(n) if (1..=steps).contains(&n) => n,
        Ok(n) if n > steps => return Ok(Err(to_review(id))),
        _ => return Ok(Err(to_step(id, 1))),
    };
    Ok(Ok((case, def, n)))
}

async fn show_step(
    state: &AppState,
    headers: &HeaderMap,
    id: String,
    n: String,
    review: bool,
) -> Result<Response, AppError> {
    let Some(session) = Session::load(state, headers).await? else {
        return Ok(Redirect::to(&format!("/demarches/{id}/en-ligne")).into_response());
    };
    let (case, def, n) = match draft_step(state, &session, &id, &n).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let steps = answers::shown_steps(def.fields(), &case.form);
    let field = steps[n - 1];
    let instances = answers::group_instances(field, &case.form);
    let page = render_step(
        state,
        &session,
        &id,
        StepView {
            case: &case,
            def: &def,
            field,
            n,
            steps: steps.len(),
            instances,
            review,
        },
        None,
        &[],
    );
    Ok(page.into_response())
}

/// `GET /demarches/{id}/en-ligne/etape/{n}`.
pub async fn step_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<StepQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let (id, n) = path.map(|Path(p)| p).unwrap_or_default();
    let review = query.is_ok_and(|Query(q)| q.retour.as_deref() == Some("verification"));
    show_step(&state, &headers, id, n, review).await
}

/// What a file is, from its first bytes (never from its name or declared type).
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

/// A file's name as shown: no path, no control characters, at most 120 characters.
fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    if cleaned.trim().is_empty() {
        "document".to_owned()
    } else {
        cleaned.trim().to_owned()
    }
}

/// Checks the files sent for an attachment question; the documents to attach, or messages.
pub(crate) fn read_files(
    field: &Field,
    form: &FormInput,
    already: usize,
) -> Result<Vec<(Document, Vec<u8>)>, Vec<InputError>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let files = form.files(&field.id);
    if files.len() + already > MAX_FILES_PER_FIELD {
        errors.push(InputError {
            input: field.id.clone(),
            message: format!(
                "« {} » : {MAX_FILES_PER_FIELD} fichiers au plus.",
                field.label
            ),
        });
        return Err(errors);
    }
    for f in files {
        let name = clean_file_name(&f.file_name);
        if f.bytes.len() > MAX_FILE_BYTES {
            errors.push(InputError {
                input: field.id.clone(),
                message: format!(
                    "Le fichier « {name} » est trop lourd ({} Mo) : 10 Mo au plus. Prenez une photo moins grande ou scannez en noir et blanc.",
                    f.bytes.len().div_ceil(1 << 20)
                ),
            });
            continue;
        }
        let Some(media_type) = sniff(&f.bytes) else {
            errors.push(InputError {
                input: field.id.clone(),
                message: format!(
                    "Le fichier « {name} » n’est ni une photo (JPEG, PNG) ni un PDF : envoyez une photo ou un scan de votre document."
                ),
            });
            continue;
        };
        let sha256: String = Sha256::digest(&f.bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let document_name = match &field.kind {
            FieldKind::Attachment {
                document: Some(d), ..
            } => format!("{d} — {name}"),
            _ => format!("{} — {name}", field.label),
        };
        out.push((
            Document {
                name: document_name.chars().take(200).collect(),
                media_type: media_type.to_owned(),
                sha256,
                size: f.bytes.len() as u64,
                scanned_from_paper: false,
            },
            f.bytes.clone(),
        ));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// `POST /demarches/{id}/en-ligne/etape/{n}`: stores the step's answers in the case.
pub async fn step_save(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
    form: FormInput,
) -> Result<Response, AppError> {
    let (id, n) = path.map(|Path(p)| p).unwrap_or_default();
    let session = crate::session::require(&state, &headers, form.get("csrf")).await?;
    let (case, def, n) = match draft_step(&state, &session, &id, &n).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let steps = answers::shown_steps(def.fields(), &case.form);
    let field = steps[n - 1];
    // A page for another field (tampered, or the steps changed since it was shown): show the
    // step as it is now, nothing stored.
    if form.get("champ") != Some(field.id.as_str()) {
        return Ok(to_step(&id, n).into_response());
    }
    let review = form.get("retour") == Some("verification");
    let action = form.get("action").unwrap_or("continuer");
    let shown_instances = form
        .get("instances")
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or_else(|| answers::group_instances(field, &case.form));
    let typed = |name: &str| form.all(name);
    let mut out = answers::read_field(field, &typed, shown_instances, today(&state));
    let mut documents = Vec::new();
    if matches!(field.kind, FieldKind::Attachment { .. }) {
        let existing: Vec<String> = case
            .form
            .get(&field.id)
            .map(|v| v.lines().map(str::to_owned).collect())
            .unwrap_or_default();
        let keep: Vec<String> = if form.get("retirer") == Some("tout") {
            Vec::new()
        } else {
            existing.clone()
        };
        match read_files(field, &form, keep.len()) {
            Ok(files) => {
                let mut lines = keep;
                for (doc, _) in &files {
                    let shown = doc
                        .name
                        .rsplit(" — ")
                        .next()
                        .unwrap_or(&doc.name)
                        .to_owned();
                    lines.push(format!("{} {shown}", doc.sha256));
                }
                if field.required && lines.is_empty() {
                    out.errors.push(InputError {
                        input: field.id.clone(),
                        message: format!("Joignez « {} ».", field.label),
                    });
                }
                out.values.insert(field.id.clone(), lines.join("\n"));
                documents = files;
            }
            Err(errors) => out.errors.extend(errors),
        }
    }
    // Adding or removing an instance of a group stores what was typed, errors or not, and
    // shows the step again.
    let resize = match action {
        "ajouter" => Some(shown_instances + 1),
        "retirer" => Some(shown_instances.saturating_sub(1)),
        _ => None,
    };
    if let Some(count) = resize {
        let (min, max) = answers::group_bounds(field);
        let count = count.clamp(min.max(1), max.max(1));
        let mut values = out.values.clone();
        values.insert(format!("{}-n", field.id), count.to_string());
        let committed = run(
            &state,
            &headers,
            &session,
            &case,
            Command::UpdateForm { fields: values },
        )
        .await?;
        let page = render_step(
            &state,
            &session,
            &id,
            StepView {
                case: &committed.case,
                def: &def,
                field,
                n,
                steps: steps.len(),
                instances: count,
                review,
            },
            None,
            &[],
        );
        return Ok(page.into_response());
    }
    // Someone else changed the case since this page was shown (an agent at the counter while
    // the person fills it online, or the other way round): nothing of this page is stored,
    // the page comes back with what was typed and says what changed.
    if let Some(changes) = changed_by_others(&state, &headers, &session, &case, &form, &def).await?
    {
        let conflict = [InputError {
            input: field.id.clone(),
            message: format!(
                "Pendant que vous remplissiez cette page, le dossier a été modifié : {changes}. Rien n’a été enregistré de cette page : vérifiez votre réponse ci-dessous, puis envoyez-la de nouveau."
            ),
        }];
        let page = render_step(
            &state,
            &session,
            &id,
            StepView {
                case: &case,
                def: &def,
                field,
                n,
                steps: steps.len(),
                instances: shown_instances,
                review,
            },
            Some(&typed),
            &conflict,
        );
        return Ok((axum::http::StatusCode::CONFLICT, page).into_response());
    }
    if !out.errors.is_empty() && action != "pause" {
        let page = render_step(
            &state,
            &session,
            &id,
            StepView {
                case: &case,
                def: &def,
                field,
                n,
                steps: steps.len(),
                instances: shown_instances,
                review,
            },
            Some(&typed),
            &out.errors,
        );
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    // Files first (stored by digest, then named in the journal), then the answers: a failure
    // between the two leaves an unreferenced file, never an answer naming a missing file.
    let now = state.clock.now();
    for (doc, bytes) in &documents {
        state
            .store
            .put_attachment(
                &guichet_store::portal::Attachment {
                    sha256: doc.sha256.clone(),
                    media_type: doc.media_type.clone(),
                    content: bytes.clone(),
                },
                now,
            )
            .await?;
        run(
            &state,
            &headers,
            &session,
            &case,
            Command::AttachDocument {
                document: doc.clone(),
            },
        )
        .await?;
    }
    // « Finish later » with an answer to correct keeps nothing of this page (the earlier
    // pages are stored already).
    let values: BTreeMap<String, String> = if out.errors.is_empty() {
        out.values
    } else {
        BTreeMap::new()
    };
    let mut values = values;
    // Answers to questions that no longer apply are cleared.
    let mut after = case.form.clone();
    after.extend(values.clone());
    for f in def.fields() {
        if !answers::is_shown(f, &after) {
            for (k, v) in answers::cleared(f) {
                if after.get(&k).is_some_and(|old| !old.is_empty()) {
                    values.insert(k, v);
                }
            }
        }
    }
    if !values.is_empty() {
        run(
            &state,
            &headers,
            &session,
            &case,
            Command::UpdateForm { fields: values },
        )
        .await?;
    }
    if action == "pause" {
        return Ok(Redirect::to(&format!("/suivi/{}?pause=1", case.reference)).into_response());
    }
    if review {
        return Ok(to_review(&id).into_response());
    }
    let shown_after = answers::shown_steps(def.fields(), &after).len();
    if n >= shown_after {
        Ok(to_review(&id).into_response())
    } else {
        Ok(to_step(&id, n + 1).into_response())
    }
}

/// One answer on the check page.
#[derive(Debug, Clone)]
pub struct AnswerRow {
    pub question: String,
    pub answer: String,
    pub missing: bool,
    pub edit: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "online_review.html")]
pub struct ReviewPage {
    layout: Layout,
    id: String,
    title: String,
    csrf: String,
    person: Vec<AnswerRow>,
    contact: String,
    answers: Vec<AnswerRow>,
    errors: Vec<ErrorLink>,
    total: usize,
    reference: String,
    follow_up: String,
    deadline: Option<String>,
}

pub(crate) fn rows(def: &ProcedureDefinition, case: &Case, id: &str) -> Vec<AnswerRow> {
    let steps = answers::shown_steps(def.fields(), &case.form);
    let mut out = Vec::new();
    for (i, f) in steps.iter().enumerate() {
        let edit = format!(
            "/demarches/{id}/en-ligne/etape/{}?retour=verification",
            i + 1
        );
        match &f.kind {
            FieldKind::Group { fields, .. } => {
                for k in 1..=answers::group_instances(f, &case.form) {
                    for inner in fields {
                        let key = format!("{}-{k}-{}", f.id, inner.id);
                        let stored = case.form.get(&key).cloned().unwrap_or_default();
                        out.push(AnswerRow {
                            question: format!("{} n° {k} — {}", f.label, inner.label),
                            missing: inner.required && stored.is_empty(),
                            answer: answers::display_value(inner, &stored),
                            edit: edit.clone(),
                        });
                    }
                }
            }
            _ => {
                let stored = case.form.get(&f.id).cloned().unwrap_or_default();
                out.push(AnswerRow {
                    question: f.label.clone(),
                    missing: f.required && stored.is_empty(),
                    answer: answers::display_value(f, &stored),
                    edit,
                });
            }
        }
    }
    out
}

async fn review_view(
    state: &AppState,
    session: &Session,
    id: &str,
    case: &Case,
    def: &ProcedureDefinition,
    errors: &[InputError],
) -> Result<ReviewPage, AppError> {
    let person = state
        .store
        .get_person(case.person)
        .await?
        .ok_or_else(|| AppError::Internal(format!("person of {} missing", case.reference)))?;
    let edit = format!("/demarches/{id}/en-ligne/coordonnees");
    let address = person
        .address
        .as_ref()
        .map(|a| {
            let mut l = a.lines().to_vec();
            l.push(format!("{} {}", a.postcode().as_str(), a.town()));
            l.join(", ")
        })
        .unwrap_or_default();
    let row = |q: &str, a: String| AnswerRow {
        question: q.to_owned(),
        answer: a,
        missing: false,
        edit: edit.clone(),
    };
    let mut person_rows = vec![row("Nom", person.name.display()), row("Adresse", address)];
    if let Some(d) = person.birth_date {
        person_rows.push(row("Date de naissance", d.format("%d/%m/%Y").to_string()));
    }
    if let Some(e) = &person.email {
        person_rows.push(row("Courriel", e.as_str().to_owned()));
    }
    if let Some(p) = &person.phone {
        person_rows.push(row("Téléphone", p.display_fr()));
    }
    let mut layout = Layout::new(
        state,
        format!("Vérifiez votre demande — {}", def.procedure().title()),
    )
    .at_desk(session, case);
    if !errors.is_empty() {
        layout = layout.with_error();
    }
    Ok(ReviewPage {
        layout,
        id: id.to_owned(),
        title: def.procedure().title().to_owned(),
        csrf: session.csrf.clone(),
        person: person_rows,
        contact: identity::explain(&person),
        answers: rows(def, case, id),
        errors: links(errors),
        total: answers::shown_steps(def.fields(), &case.form).len() + 2,
        reference: case.reference.to_string(),
        follow_up: guichet_notify::plan::follow_up_code(case),
        deadline: def.procedure().deadline().map(|d| d.sentence_fr()),
    })
}

/// `GET /demarches/{id}/en-ligne/verification`.
pub async fn review_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, AppError> {
    let id = path_id(id);
    let Some(session) = Session::load(&state, &headers).await? else {
        return Ok(Redirect::to(&format!("/demarches/{id}/en-ligne")).into_response());
    };
    let Some((case, def)) = current_draft(&state, &session, &id).await? else {
        return Ok(Redirect::to(&format!("/demarches/{id}/en-ligne")).into_response());
    };
    Ok(review_view(&state, &session, &id, &case, &def, &[])
        .await?
        .into_response())
}

/// `POST /demarches/{id}/en-ligne/verification`: submits the case.
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    form: FormInput,
) -> Result<Response, AppError> {
    let id = path_id(id);
    let mut session = crate::session::require(&state, &headers, form.get("csrf")).await?;
    let Some((case, def)) = current_draft(&state, &session, &id).await? else {
        return Ok(Redirect::to(&format!("/demarches/{id}/en-ligne")).into_response());
    };
    let mut errors: Vec<InputError> = rows(&def, &case, &id)
        .into_iter()
        .filter(|r| r.missing)
        .map(|r| InputError {
            input: "reponses".to_owned(),
            message: format!("Il manque une réponse : « {} ».", r.question),
        })
        .collect();
    if form.get("certifie") != Some("oui") {
        errors.push(InputError {
            input: "certifie".to_owned(),
            message: "Cochez la case pour certifier que vos réponses sont exactes.".to_owned(),
        });
    }
    if !errors.is_empty() {
        let page = review_view(&state, &session, &id, &case, &def, &errors).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let submit = submit_command(&session, &case);
    run(&state, &headers, &session, &case, submit).await?;
    crate::routes::account::link_if_signed_in(&state, &session, &case.reference).await?;
    session.data.drafts.remove(&id);
    session.data.follow(case.reference.as_str());
    session.save(&state, state.clock.now()).await?;
    Ok(Redirect::to(&format!("/suivi/{}?envoye=1", case.reference)).into_response())
}
