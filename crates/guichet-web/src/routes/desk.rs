//! The front desk: `/agents/personnes` finds a person (name with accents or typos, birth date,
//! postcode, or a case reference whose check character catches typos), `/agents/personnes/
//! nouvelle` registers one — a name, a birth date and a postal address suffice, no email or
//! phone — after showing the possible duplicates, and `/agents/personnes/{id}` shows a person
//! with their cases. Every access asks the one authorization rule.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use guichet_catalogue::definition::answers::InputError;
use guichet_domain::access::Action;
use guichet_domain::{CaseReference, Person, PersonId, Resource, StaffRole, fold_name};
use guichet_store::{CaseFilter, PersonFilter};
use serde::Deserialize;

use crate::error::AppError;
use crate::form_input::FormInput;
use crate::routes::online::{InputView, identity_inputs, read_identity};
use crate::session::with_cookie;
use crate::staff::{AgentBar, SignedIn};
use crate::{AppState, Layout};

/// Results shown at most.
const MAX_RESULTS: usize = 20;
/// Candidates read per name prefix before ranking.
const CANDIDATES: u32 = 400;
/// How close (Jaro–Winkler, 0 to 1) a typed name must be to a stored one.
const CLOSE_ENOUGH: f64 = 0.86;

#[derive(Debug, Deserialize, Default)]
pub struct SearchQuery {
    q: Option<String>,
}

/// One person in a list.
#[derive(Debug)]
pub struct PersonLine {
    pub id: String,
    pub name: String,
    pub birth: String,
    pub address: String,
    pub offline: bool,
}

fn line(p: &Person) -> PersonLine {
    PersonLine {
        id: p.id.to_string(),
        name: p.name.display(),
        birth: p
            .birth_date
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_else(|| "non connue".into()),
        address: p
            .address
            .as_ref()
            .map(|a| {
                format!(
                    "{}, {} {}",
                    a.lines().join(", "),
                    a.postcode().as_str(),
                    a.town()
                )
            })
            .unwrap_or_else(|| "sans adresse".into()),
        offline: p.preferences.refuses_digital(),
    }
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "desk_people.html")]
pub struct PeoplePage {
    layout: Layout,
    bar: AgentBar,
    q: String,
    error: Option<String>,
    searched: bool,
    results: Vec<PersonLine>,
    can_register: bool,
}

/// What a search line says, once read.
#[derive(Debug, Default, PartialEq)]
struct Wanted {
    words: Vec<String>,
    birth: Option<NaiveDate>,
    postcode: Option<String>,
}

fn read_query(q: &str) -> Result<Wanted, String> {
    let mut w = Wanted::default();
    for token in q.split_whitespace() {
        if token.len() == 5 && token.bytes().all(|b| b.is_ascii_digit()) {
            w.postcode = Some(token.to_owned());
        } else if token.contains('/') {
            let d = NaiveDate::parse_from_str(token, "%d/%m/%Y").map_err(|_| {
                format!("« {token} » n’est pas une date : écrivez-la JJ/MM/AAAA, par exemple 14/07/1956.")
            })?;
            w.birth = Some(d);
        } else {
            w.words.extend(
                fold_name(token)
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            );
        }
    }
    if w.words.is_empty() && w.birth.is_none() && w.postcode.is_none() {
        return Err("Tapez un nom, une date de naissance (JJ/MM/AAAA), un code postal ou une référence de dossier.".into());
    }
    Ok(w)
}

/// How well the typed words match a person's folded name: each word against its best word
/// of the name, averaged.
fn closeness(words: &[String], key: &str) -> f64 {
    if words.is_empty() {
        return 1.0;
    }
    let names: Vec<&str> = key.split(' ').collect();
    let total: f64 = words
        .iter()
        .map(|w| {
            names
                .iter()
                .map(|n| strsim::jaro_winkler(w, n))
                .fold(0.0, f64::max)
        })
        .sum();
    total / words.len() as f64
}

async fn find(state: &AppState, me: &SignedIn, w: &Wanted) -> Result<Vec<Person>, AppError> {
    let a = me.account();
    let base = PersonFilter {
        operator: a.operator.clone(),
        include_unattached: a.role == StaffRole::FrontDesk,
        name_prefix: None,
        other_words: Vec::new(),
        birth_date: w.birth,
        postcode: w.postcode.clone(),
        limit: CANDIDATES,
    };
    // Candidates as (id, folded name): ranked here, and only the shown ones are read whole.
    let mut found: Vec<(PersonId, String)> = Vec::new();
    if w.words.is_empty() {
        found = state.store.find_person_keys(&base).await?;
    } else {
        // Each word in turn is the start of the name (an index range on its first three
        // letters, two for a short word: a typo after them is still found), the others must
        // each start a word of the name; the union is ranked below.
        let starts: Vec<String> = w
            .words
            .iter()
            .filter(|word| word.chars().count() >= 2)
            .map(|word| {
                let n = if word.chars().count() >= 4 { 3 } else { 2 };
                word.chars().take(n).collect()
            })
            .collect();
        for (i, prefix) in starts.iter().enumerate().take(3) {
            // « Marti Marie »: the same start twice asks the same question once.
            if starts[..i].contains(prefix) {
                continue;
            }
            let filter = PersonFilter {
                name_prefix: Some(prefix.clone()),
                other_words: starts
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, s)| s.clone())
                    .collect(),
                ..base.clone()
            };
            let mut seen: std::collections::HashSet<PersonId> =
                found.iter().map(|(id, _)| *id).collect();
            for (id, key) in state.store.find_person_keys(&filter).await? {
                if seen.insert(id) {
                    found.push((id, key));
                }
            }
        }
    }
    let mut scored: Vec<(f64, (PersonId, String))> = found
        .into_iter()
        .map(|(id, key)| (closeness(&w.words, &key), (id, key)))
        .filter(|(s, _)| *s >= CLOSE_ENOUGH)
        .collect();
    // The closest first; equally close ones in the order of their folded name.
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.1.cmp(&b.1.1)));
    let shown: Vec<PersonId> = scored
        .into_iter()
        .take(MAX_RESULTS)
        .map(|(_, (id, _))| id)
        .collect();
    Ok(state.store.get_persons(&shown).await?)
}

pub async fn people(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let me = SignedIn::require(&state, &headers).await?;
    me.may(
        &state,
        Action::View,
        Resource::People,
        "recherche de personnes",
    )
    .await?;
    let q: String = query
        .ok()
        .and_then(|Query(q)| q.q)
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    let can_register = guichet_domain::access::may(
        &crate::staff::staff_of(me.account()),
        Action::Register,
        Resource::People,
    )
    .is_ok();
    let mut page = PeoplePage {
        layout: Layout::new(&state, "Retrouver une personne"),
        bar: AgentBar::of(&me),
        q: q.clone(),
        error: None,
        searched: false,
        results: Vec::new(),
        can_register,
    };
    let trimmed = q.trim();
    if trimmed.is_empty() {
        return Ok(page.into_response());
    }
    // A case reference: its check character tells a typo from a case that does not exist.
    let upper = trimmed.to_uppercase();
    if upper.starts_with("GX-") || (upper.len() == 12 && upper.matches('-').count() == 2) {
        match CaseReference::parse(&upper) {
            Ok(reference) => {
                let case = match state.store.load_case(&reference).await {
                    Ok(case) => Some(case),
                    Err(guichet_store::StoreError::NotFound(_)) => None,
                    Err(e) => return Err(e.into()),
                };
                let Some(case) = case else {
                    page.error = Some(format!(
                        "Aucun dossier ne porte la référence {reference}. Vérifiez-la sur le courrier de la personne."
                    ));
                    page.layout = page.layout.with_error();
                    return Ok((StatusCode::NOT_FOUND, page).into_response());
                };
                return Ok(
                    Redirect::to(&format!("/agents/personnes/{}", case.person)).into_response()
                );
            }
            Err(e) => {
                page.error = Some(e.to_string());
                page.layout = page.layout.with_error();
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
        }
    }
    match read_query(trimmed) {
        Ok(w) => {
            page.results = find(&state, &me, &w).await?.iter().map(line).collect();
            page.searched = true;
            Ok(page.into_response())
        }
        Err(message) => {
            page.error = Some(message);
            page.layout = page.layout.with_error();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "desk_person_new.html")]
pub struct NewPersonPage {
    layout: Layout,
    bar: AgentBar,
    inputs: Vec<InputView>,
    errors: Vec<InputError>,
    duplicates: Vec<PersonLine>,
}

fn new_page(
    state: &AppState,
    me: &SignedIn,
    inputs: Vec<InputView>,
    errors: Vec<InputError>,
    duplicates: Vec<PersonLine>,
) -> NewPersonPage {
    let mut layout = Layout::new(state, "Enregistrer une personne");
    if !errors.is_empty() {
        layout = layout.with_error();
    }
    NewPersonPage {
        layout,
        bar: AgentBar::of(me),
        inputs,
        errors,
        duplicates,
    }
}

fn blank_person() -> Person {
    Person {
        id: PersonId::from_uuid(uuid::Uuid::new_v4()),
        name: guichet_domain::PersonName::parse("", "?").unwrap_or_else(|_| unreachable_name()),
        birth_date: None,
        address: None,
        email: None,
        phone: None,
        preferences: guichet_domain::ContactPreferences::new(
            [guichet_domain::ContactChannel::Post],
            false,
            guichet_domain::AccessibleFormats::default(),
        ),
    }
}

fn unreachable_name() -> guichet_domain::PersonName {
    // « ? » is a valid family name; this is never reached.
    guichet_domain::PersonName::parse("", "Inconnu").expect("a plain family name parses")
}

/// The portal's identity questions, worded for the agent who asks them (the person is there,
/// or on the phone).
fn for_agent(mut inputs: Vec<InputView>) -> Vec<InputView> {
    for i in &mut inputs {
        let (label, help): (Option<&str>, Option<&str>) = match i.name.as_str() {
            "naissance" => (None, Some("Elle aide à retrouver la personne ensuite.")),
            "adresse" => (
                Some("Adresse postale de la personne"),
                Some("Les décisions lui sont toujours envoyées par courrier à cette adresse."),
            ),
            "courriel" => (
                None,
                Some("Seulement si la personne en a une et le souhaite."),
            ),
            "contact" => (
                Some(
                    "Comment la personne veut-elle être prévenue de l’avancement de ses demandes ? (lisez-lui les choix)",
                ),
                Some(
                    "Son premier choix. Les décisions lui sont toujours envoyées aussi par courrier.",
                ),
            ),
            "numerique" => (
                None,
                Some(
                    "Si elle refuse le numérique, elle ne recevra jamais de courriel ni de SMS, même avec une adresse ou un portable connus.",
                ),
            ),
            "formats" => (
                Some("La personne a-t-elle besoin de courriers adaptés ?"),
                None,
            ),
            _ => (None, None),
        };
        if let Some(l) = label {
            i.label = l.to_owned();
        }
        if let Some(h) = help {
            i.help = Some(h.to_owned());
        }
        // The person's own words, said of her: the agent ticks them for her.
        for o in &mut i.options {
            let said = match o.value.as_str() {
                crate::routes::online::REFUSE_DIGITAL => {
                    "Elle refuse le numérique : ne jamais la prévenir par courriel ni par SMS"
                }
                crate::routes::online::LARGE_PRINT => "Elle veut des courriers en gros caractères",
                crate::routes::online::EASY_READ => {
                    "Elle veut des courriers faciles à lire et à comprendre"
                }
                _ => continue,
            };
            o.label = said.to_owned();
        }
    }
    inputs
}

pub async fn new_person_form(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let me = SignedIn::require(&state, &headers).await?;
    me.may(
        &state,
        Action::Register,
        Resource::People,
        "enregistrer une personne",
    )
    .await?;
    let mut inputs = for_agent(identity_inputs(&blank_person(), None, &[]));
    for i in &mut inputs {
        if i.name == "nom" || i.name == "prenom" {
            i.value.clear();
        }
    }
    Ok(new_page(&state, &me, inputs, Vec::new(), Vec::new()).into_response())
}

pub async fn new_person(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: FormInput,
) -> Result<Response, AppError> {
    let me = SignedIn::require(&state, &headers).await?;
    me.0.check_csrf(form.get("csrf"))?;
    me.may(
        &state,
        Action::Register,
        Resource::People,
        "enregistrer une personne",
    )
    .await?;
    let typed = |name: &str| form.all(name);
    let today = state.clock.now().date_naive();
    let person = match read_identity(&typed, PersonId::from_uuid(uuid::Uuid::new_v4()), today) {
        Ok(p) => p,
        Err(errors) => {
            let inputs = for_agent(identity_inputs(&blank_person(), Some(&typed), &errors));
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                new_page(&state, &me, inputs, errors, Vec::new()),
            )
                .into_response());
        }
    };
    // The same name (folded) and birth date, or the same name and postcode: maybe the same
    // person. Shown first; the agent confirms it is someone else.
    let confirmed = form.get("pas_un_doublon") == Some("oui");
    if !confirmed {
        let words: Vec<String> = person
            .name
            .search_key()
            .split(' ')
            .map(str::to_owned)
            .collect();
        let w = Wanted {
            words,
            birth: None,
            postcode: None,
        };
        let twins: Vec<PersonLine> = find(&state, &me, &w)
            .await?
            .into_iter()
            .filter(|p| {
                p.birth_date == person.birth_date
                    || p.address.as_ref().map(|a| a.postcode())
                        == person.address.as_ref().map(|a| a.postcode())
            })
            .map(|p| line(&p))
            .collect();
        if !twins.is_empty() {
            let inputs = for_agent(identity_inputs(&blank_person(), Some(&typed), &[]));
            return Ok((
                StatusCode::CONFLICT,
                new_page(&state, &me, inputs, Vec::new(), twins),
            )
                .into_response());
        }
    }
    let now = state.clock.now();
    state.store.insert_person(&person, now).await?;
    state
        .store
        .attach_person(person.id, &me.account().operator, now)
        .await?;
    crate::staff::journal(
        &state,
        Some(me.account().id),
        &me.account().login,
        "person_registered",
        format!("{} ({})", person.id, person.name.display()),
    )
    .await?;
    Ok(Redirect::to(&format!("/agents/personnes/{}?enregistree=1", person.id)).into_response())
}

#[derive(Debug)]
pub struct CaseLine {
    pub reference: String,
    pub draft: bool,
    /// What can be printed for the person (`routes::desk_print`).
    pub submitted: bool,
    pub waiting_documents: bool,
    pub decided: bool,
    pub procedure: String,
    pub state: &'static str,
    pub updated: String,
    /// What the agent typed in this case's forms, shown again with its error when one of
    /// them was refused.
    pub typed: CaseForms,
}

/// The two forms under each case on the person's page (a note of a contact, a letter
/// received), as typed; `error` says which one was refused and why.
#[derive(Debug, Default, Clone)]
pub struct CaseForms {
    /// `contact` (the note) or `courrier` (a letter received), with the message.
    pub error: Option<(&'static str, String)>,
    /// `visite` or `appel` (the note is refused only when empty: no text to keep).
    pub contact: String,
    /// `AAAA-MM-JJ`, empty for today.
    pub received: String,
    pub content: String,
}

impl CaseForms {
    pub fn error_of(&self, form: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| *f == form)
            .map(|(_, m)| m.as_str())
    }
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "desk_person.html")]
pub struct PersonPage {
    layout: Layout,
    bar: AgentBar,
    just_registered: bool,
    noted: bool,
    posted: bool,
    today: String,
    person: PersonLine,
    email: Option<String>,
    phone: Option<String>,
    contact: String,
    cases: Vec<CaseLine>,
    /// Hosted procedures the agent may open for this person at the desk: (id, title).
    can_open: Vec<(String, String)>,
    /// The person asked for large print: the documents printed for them are.
    large_print: bool,
    csrf: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct PersonQuery {
    enregistree: Option<String>,
    note: Option<String>,
    courrier: Option<String>,
}

pub async fn person(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<PersonQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let me = SignedIn::require(&state, &headers).await?;
    let not_found = || AppError::NotFound {
        what: "personne".into(),
    };
    let id: PersonId = id
        .ok()
        .and_then(|Path(id)| id.parse().ok())
        .ok_or_else(not_found)?;
    let query = query.map(|Query(q)| q).unwrap_or_default();
    Ok(person_page(&state, &me, id, &query, None)
        .await?
        .into_response())
}

/// A case form of the person's page refused: the page again, the form open with its error
/// and what was typed, answered 422.
pub(crate) async fn refused_case_form(
    state: &AppState,
    me: &SignedIn,
    case: &guichet_domain::Case,
    typed: CaseForms,
) -> Result<Response, AppError> {
    let page = person_page(
        state,
        me,
        case.person,
        &PersonQuery::default(),
        Some((case.reference.to_string(), typed)),
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

async fn person_page(
    state: &AppState,
    me: &SignedIn,
    id: PersonId,
    query: &PersonQuery,
    refused: Option<(String, CaseForms)>,
) -> Result<PersonPage, AppError> {
    let not_found = || AppError::NotFound {
        what: "personne".into(),
    };
    let person = state.store.get_person(id).await?.ok_or_else(not_found)?;
    let known_to = state.store.person_operators(id).await?;
    me.may(
        state,
        Action::View,
        Resource::Person {
            known_to: &known_to,
        },
        &format!("personne {id}"),
    )
    .await?;
    let procedures = state.store.list_procedures().await?;
    let mut cases = Vec::new();
    for c in state
        .store
        .list_cases(&CaseFilter {
            person: Some(id),
            state: None,
            limit: 50,
        })
        .await?
    {
        cases.push(CaseLine {
            reference: c.reference.to_string(),
            draft: c.state == guichet_domain::CaseState::Draft,
            submitted: c.state != guichet_domain::CaseState::Draft,
            waiting_documents: c.state == guichet_domain::CaseState::WaitingForDocuments,
            decided: matches!(c.state, guichet_domain::CaseState::Decided(_)),
            procedure: procedures
                .iter()
                .find(|p| p.id() == &c.procedure.id)
                .map_or_else(|| c.procedure.id.to_string(), |p| p.title().to_owned()),
            state: c.state.label_fr(),
            updated: crate::routes::follow::date_fr(c.updated_at),
            typed: refused
                .as_ref()
                .filter(|(r, _)| *r == c.reference.to_string())
                .map(|(_, t)| t.clone())
                .unwrap_or_default(),
        });
    }
    let staff = crate::staff::staff_of(me.account());
    let can_open = procedures
        .iter()
        .filter(|p| {
            state.catalogue.definition(p.id()).is_some()
                && p.offers(guichet_domain::ProcedureChannel::Web)
                && (p.offers(guichet_domain::ProcedureChannel::Counter)
                    || p.offers(guichet_domain::ProcedureChannel::Phone))
                && guichet_domain::access::may(
                    &staff,
                    Action::ServeCase,
                    Resource::Case {
                        operator: p.operator(),
                    },
                )
                .is_ok()
        })
        .map(|p| (p.id().to_string(), p.title().to_owned()))
        .collect();
    let mut layout = Layout::new(state, format!("{} — Personne", person.name.display()));
    if refused.is_some() {
        layout = layout.with_error();
    }
    Ok(PersonPage {
        layout,
        csrf: me.csrf().to_owned(),
        can_open,
        bar: AgentBar::of(me),
        just_registered: query.enregistree.is_some(),
        noted: query.note.is_some(),
        posted: query.courrier.is_some(),
        today: guichet_places::local_time(state.clock.now(), None)
            .date()
            .format("%Y-%m-%d")
            .to_string(),
        email: person.email.as_ref().map(|e| e.as_str().to_owned()),
        phone: person
            .phone
            .as_ref()
            .map(guichet_domain::PhoneNumber::display_fr),
        contact: crate::routes::online::explain_contact_to_agent(&person),
        large_print: person.preferences.formats.large_print,
        person: line(&person),
        cases,
    })
}

/// Opens a case for the person at the desk (counter or phone) and continues in the procedure's
/// generated form, the agent acting: every event carries the agent and the channel.
pub async fn open_case(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    form: FormInput,
) -> Result<Response, AppError> {
    let me = SignedIn::require(&state, &headers).await?;
    me.0.check_csrf(form.get("csrf"))?;
    let not_found = || AppError::NotFound {
        what: "personne".into(),
    };
    let person_id: PersonId = id
        .ok()
        .and_then(|Path(id)| id.parse().ok())
        .ok_or_else(not_found)?;
    let person = state
        .store
        .get_person(person_id)
        .await?
        .ok_or_else(not_found)?;
    let known_to = state.store.person_operators(person_id).await?;
    me.may(
        &state,
        Action::View,
        Resource::Person {
            known_to: &known_to,
        },
        &format!("personne {person_id}"),
    )
    .await?;
    let procedure_id = form.get("demarche").unwrap_or_default().to_owned();
    let Some(def) = guichet_domain::ProcedureId::parse(&procedure_id)
        .ok()
        .and_then(|p| state.catalogue.definition(&p).cloned())
    else {
        return Err(AppError::BadRequest {
            message: "Choisissez une démarche dans la liste.".into(),
        });
    };
    me.may(
        &state,
        Action::ServeCase,
        Resource::Case {
            operator: def.procedure().operator(),
        },
        &format!("ouvrir {procedure_id} pour {person_id}"),
    )
    .await?;
    let now = state.clock.now();
    let (channel, code) = match form.get("canal") {
        Some("phone") => (guichet_domain::Channel::Phone, "phone".to_owned()),
        // A request received by post: the form is filled from the paper, and the request is
        // submitted as of the day the letter arrived.
        Some("post") => {
            let received = crate::routes::desk_post::received_on(
                form.get("recu_le").unwrap_or_default(),
                now,
            )?;
            (
                guichet_domain::Channel::Post,
                format!("post:{}", received.to_rfc3339()),
            )
        }
        _ => (guichet_domain::Channel::Counter, "counter".to_owned()),
    };
    let committed = state
        .cases
        .open_with_fresh_reference(
            def.procedure(),
            person.id,
            me.context(channel, state.clock.now())?,
            || CaseReference::from_random(uuid::Uuid::new_v4().as_u64_pair().0),
        )
        .await
        .map_err(|e| AppError::BadRequest {
            message: format!("Le dossier n’a pas pu être ouvert : {e}"),
        })?;
    state
        .store
        .attach_person(person.id, &me.account().operator, state.clock.now())
        .await?;
    // This browser now fills the case at the desk: the form's pages act as the agent.
    let mut session = crate::session::Session::load_or_create(&state, &headers).await?;
    let reference = committed.case.reference.to_string();
    session
        .data
        .drafts
        .insert(procedure_id.clone(), reference.clone());
    session.data.desk.insert(reference.clone(), code);
    session.data.follow(&reference);
    session.save(&state, state.clock.now()).await?;
    Ok(with_cookie(
        &session,
        Redirect::to(&format!("/demarches/{procedure_id}/en-ligne/etape/1")),
    ))
}

/// The case named in the path, once the one rule lets this agent do `action` on it (its
/// procedure's operator decides); an unknown or malformed reference is « introuvable ».
pub(crate) async fn case_for(
    state: &AppState,
    me: &SignedIn,
    reference: Result<Path<String>, PathRejection>,
    action: Action,
    what: &str,
) -> Result<guichet_domain::Case, AppError> {
    let not_found = || AppError::NotFound {
        what: "dossier".into(),
    };
    let reference = reference
        .ok()
        .and_then(|Path(r)| CaseReference::parse(&r).ok())
        .ok_or_else(not_found)?;
    case_at(state, me, &reference, action, what).await
}

/// The case `reference`, once the one rule lets this agent do `action` on it (its procedure's
/// operator decides); an unknown case is « introuvable ».
pub(crate) async fn case_at(
    state: &AppState,
    me: &SignedIn,
    reference: &CaseReference,
    action: Action,
    what: &str,
) -> Result<guichet_domain::Case, AppError> {
    let not_found = || AppError::NotFound {
        what: "dossier".into(),
    };
    let case = match state.store.load_case(reference).await {
        Ok(c) => c,
        Err(guichet_store::StoreError::NotFound(_)) => return Err(not_found()),
        Err(e) => return Err(e.into()),
    };
    let procedure = state
        .store
        .get_procedure(&case.procedure.id, Some(case.procedure.version))
        .await?
        .ok_or_else(not_found)?;
    me.may(
        state,
        action,
        Resource::Case {
            operator: procedure.operator(),
        },
        &format!("{what} {reference}"),
    )
    .await?;
    Ok(case)
}

/// Takes a case over at the desk: a draft started online continues in the generated form
/// with the agent acting; any other case opens on its follow-up page (documents, receipt to
/// print), without asking the person for their code.
pub async fn take_over(
    State(state): State<AppState>,
    headers: HeaderMap,
    reference: Result<Path<String>, PathRejection>,
    form: FormInput,
) -> Result<Response, AppError> {
    let me = SignedIn::require(&state, &headers).await?;
    me.0.check_csrf(form.get("csrf"))?;
    let case = case_for(&state, &me, reference, Action::ServeCase, "reprendre").await?;
    let reference = case.reference.clone();
    let channel = match form.get("canal") {
        Some("phone") => "phone",
        _ => "counter",
    };
    let mut session = crate::session::Session::load_or_create(&state, &headers).await?;
    session.data.follow(reference.as_str());
    // Whatever this browser now does on the case (answers, documents brought in, contact
    // preferences) is the agent's, through the encounter's channel.
    session
        .data
        .desk
        .insert(reference.to_string(), channel.to_owned());
    let target = if case.state == guichet_domain::CaseState::Draft {
        session
            .data
            .drafts
            .insert(case.procedure.id.to_string(), reference.to_string());
        format!("/demarches/{}/en-ligne/etape/1", case.procedure.id)
    } else {
        format!("/suivi/{reference}")
    };
    session.save(&state, state.clock.now()).await?;
    Ok(with_cookie(&session, Redirect::to(&target)))
}

/// Records a phone call, a visit or a letter received on a case: what was asked and answered,
/// as a note in the case's journal, with the agent and the channel of the contact.
pub async fn record_contact(
    State(state): State<AppState>,
    headers: HeaderMap,
    reference: Result<Path<String>, PathRejection>,
    form: FormInput,
) -> Result<Response, AppError> {
    let me = SignedIn::require(&state, &headers).await?;
    me.0.check_csrf(form.get("csrf"))?;
    let case = case_for(
        &state,
        &me,
        reference,
        Action::RecordContact,
        "noter un contact sur",
    )
    .await?;
    let reference = case.reference.clone();
    let (channel, label) = match form.get("contact") {
        Some("appel") => (guichet_domain::Channel::Phone, "Appel téléphonique"),
        Some("courrier") => (guichet_domain::Channel::Post, "Courrier reçu"),
        _ => (guichet_domain::Channel::Counter, "Visite au guichet"),
    };
    let text = form.get("resume").unwrap_or_default().trim().to_owned();
    let back = format!("/agents/personnes/{}", case.person);
    if text.is_empty() {
        let typed = CaseForms {
            error: Some((
                "contact",
                "Écrivez en quelques mots ce qui a été demandé et répondu, puis enregistrez de nouveau.".to_owned(),
            )),
            contact: form.get("contact").unwrap_or_default().to_owned(),
            ..CaseForms::default()
        };
        return refused_case_form(&state, &me, &case, typed).await;
    }
    state
        .cases
        .execute(
            &reference,
            guichet_domain::Command::AddNote {
                text: format!("{label} : {text}"),
            },
            me.context(channel, state.clock.now())?,
        )
        .await
        .map_err(|e| AppError::BadRequest {
            message: format!("La note n’a pas été enregistrée : {e}"),
        })?;
    Ok(Redirect::to(&format!("{back}?note=1#dossiers")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_line_is_read_as_name_birth_date_and_postcode() {
        let w = read_query("Lefèvre Hélène 14/07/1956 59990").unwrap();
        assert_eq!(w.words, ["lefevre", "helene"]);
        assert_eq!(w.birth, NaiveDate::from_ymd_opt(1956, 7, 14));
        assert_eq!(w.postcode.as_deref(), Some("59990"));
        assert!(
            read_query("31/02/1956")
                .unwrap_err()
                .contains("n’est pas une date")
        );
        assert!(read_query("  - ").is_err());
    }

    use crate::routes::online::explain_contact_to_agent as contact_for_agent;

    #[test]
    fn the_agent_is_told_how_to_reach_the_person_in_the_third_person() {
        let mut p = blank_person();
        assert_eq!(contact_for_agent(&p), "Messages écrits par courrier.");
        p.preferences = guichet_domain::ContactPreferences::new(
            [guichet_domain::ContactChannel::Post],
            true,
            guichet_domain::AccessibleFormats::default(),
        );
        let said = contact_for_agent(&p);
        assert!(
            said.starts_with("La personne refuse le numérique"),
            "{said}"
        );
        assert!(!said.contains("vous"), "{said}");
    }

    #[test]
    fn typos_and_accents_stay_close_other_names_do_not() {
        let key = "lefevre helene";
        assert!(closeness(&["lefevbre".into()], key) >= CLOSE_ENOUGH);
        assert!(closeness(&["helene".into(), "lefevre".into()], key) >= CLOSE_ENOUGH);
        assert!(closeness(&["martin".into()], key) < CLOSE_ENOUGH);
    }
}
