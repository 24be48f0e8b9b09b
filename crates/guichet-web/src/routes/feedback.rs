//! `/avis/{id}`: « dites-nous comment ça s’est passé », at the end of a procedure, on any
//! channel (the counter hands out the same questions on paper). Anonymous: no name, no case
//! reference; stored per procedure and channel.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use guichet_domain::ProcedureId;
use guichet_store::portal::FeedbackRow;
use serde::Deserialize;

use crate::error::AppError;
use crate::form_input::FormInput;
use crate::routes::online::ErrorLink;
use crate::session::Session;
use crate::{AppState, Layout};

/// The channels a person can say they used.
const CHANNELS: [(&str, &str); 4] = [
    ("web", "En ligne"),
    ("phone", "Par téléphone"),
    ("counter", "Au guichet"),
    ("post", "Par courrier"),
];
/// Who helped, if anyone.
const HELPERS: [(&str, &str); 5] = [
    ("personne", "Personne, j’ai fait seul·e"),
    ("proche", "Un proche (famille, ami, voisin)"),
    ("agent", "Un agent d’accueil (mairie, France Services)"),
    ("association", "Une association ou un travailleur social"),
    ("autre", "Quelqu’un d’autre"),
];
const MAX_COMMENT: usize = 2000;

#[derive(Debug, Template, WebTemplate)]
#[template(path = "feedback.html")]
pub struct FeedbackPage {
    layout: Layout,
    csrf: String,
    id: String,
    title: String,
    channel: String,
    channels: Vec<(&'static str, &'static str)>,
    helpers: Vec<(&'static str, &'static str)>,
    satisfaction: String,
    ease: String,
    helped_by: String,
    comment: String,
    errors: Vec<ErrorLink>,
    thanks: bool,
}

impl FeedbackPage {
    /// The error of a question, by the id its summary links to (its first choice).
    fn err(&self, input: &str) -> Option<String> {
        crate::routes::account::error_of(&self.errors, input)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct FeedbackQuery {
    #[serde(default)]
    canal: Option<String>,
}

fn procedure_title(state: &AppState, id: &str) -> Result<String, AppError> {
    let not_found = || AppError::NotFound {
        what: format!("procedure {id}"),
    };
    let pid = ProcedureId::parse(id).map_err(|_| not_found())?;
    state
        .catalogue
        .definition(&pid)
        .map(|d| d.procedure().title().to_owned())
        .ok_or_else(not_found)
}

fn page(state: &AppState, session: &Session, id: &str, title: String) -> FeedbackPage {
    FeedbackPage {
        layout: Layout::new(state, format!("Votre avis — {title}")),
        csrf: session.csrf.clone(),
        id: id.to_owned(),
        title,
        channel: "web".into(),
        channels: CHANNELS.to_vec(),
        helpers: HELPERS.to_vec(),
        satisfaction: String::new(),
        ease: String::new(),
        helped_by: String::new(),
        comment: String::new(),
        errors: Vec::new(),
        thanks: false,
    }
}

/// `GET /avis/{id}`.
pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<FeedbackQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let id = id.map(|Path(i)| i).unwrap_or_default();
    let title = procedure_title(&state, &id)?;
    let session = Session::load_or_create(&state, &headers).await?;
    let mut p = page(&state, &session, &id, title);
    if let Some(c) = query
        .ok()
        .and_then(|Query(q)| q.canal)
        .filter(|c| CHANNELS.iter().any(|(k, _)| k == c))
    {
        p.channel = c;
    }
    Ok(crate::session::with_cookie(&session, p))
}

/// `POST /avis/{id}`.
pub async fn save(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    form: FormInput,
) -> Result<Response, AppError> {
    let id = id.map(|Path(i)| i).unwrap_or_default();
    let title = procedure_title(&state, &id)?;
    let session = crate::session::require(&state, &headers, form.get("csrf")).await?;
    let get = |k: &str| form.get(k).unwrap_or("").trim().to_owned();
    let mut p = page(&state, &session, &id, title);
    p.channel = get("canal");
    p.satisfaction = get("satisfaction");
    p.ease = get("facilite");
    p.helped_by = get("aide");
    p.comment = get("commentaire");
    let mut errors = Vec::new();
    let mut err = |input: &str, message: &str| errors.push(ErrorLink::new(input, message));
    let score = |v: &str| v.parse::<u8>().ok().filter(|n| (1..=5).contains(n));
    if !CHANNELS.iter().any(|(k, _)| *k == p.channel) {
        err("canal-web", "Dites comment vous avez fait la démarche.");
    }
    if score(&p.satisfaction).is_none() {
        err(
            "satisfaction-1",
            "Choisissez une note de satisfaction, de 1 à 5.",
        );
    }
    if score(&p.ease).is_none() {
        err("facilite-1", "Choisissez une note de facilité, de 1 à 5.");
    }
    if !HELPERS.iter().any(|(k, _)| *k == p.helped_by) {
        err("aide-personne", "Dites si quelqu’un vous a aidé.");
    }
    if p.comment.chars().count() > MAX_COMMENT {
        err(
            "commentaire",
            "Votre commentaire dépasse 2 000 caractères : raccourcissez-le.",
        );
    }
    if !errors.is_empty() {
        p.layout = p.layout.with_error();
        p.errors = errors;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    }
    state
        .store
        .insert_feedback(&FeedbackRow {
            id: uuid::Uuid::new_v4().to_string(),
            procedure_id: id.clone(),
            channel: p.channel.clone(),
            satisfaction: score(&p.satisfaction).unwrap_or(1),
            ease: score(&p.ease).unwrap_or(1),
            helped_by: p.helped_by.clone(),
            comment: p.comment.clone(),
            at: state.clock.now(),
        })
        .await?;
    p.thanks = true;
    p.layout.title = format!("Merci pour votre avis — {}", p.title);
    Ok(p.into_response())
}
