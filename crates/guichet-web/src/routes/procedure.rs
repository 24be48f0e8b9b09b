//! `GET /demarches/{id}`: one hosted procedure, with how to do it on each channel.
//!
//! The procedure is read from the store (a procedure can be published without a definition
//! file); its typed definition, when it has one, says that a paper form can be printed.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use guichet_domain::{ProcedureChannel, ProcedureId};

use crate::error::AppError;
use crate::{AppState, Layout};

#[derive(Debug)]
pub struct ChannelItem {
    pub label: &'static str,
    pub how: String,
    /// The online form, when this is the web channel and the form exists.
    pub online: Option<String>,
    /// The number to call (`tel:` link and number as shown), for the phone channel.
    pub phone: Option<(String, String)>,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "procedure.html")]
pub struct ProcedurePage {
    layout: Layout,
    id: String,
    title: String,
    summary: String,
    operator: String,
    channels: Vec<ChannelItem>,
    deadline: Option<String>,
    paper_form: bool,
    decides_rights: bool,
}

pub async fn page(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<ProcedurePage, AppError> {
    // A malformed address (bad percent-encoding) is just an unknown procedure to people.
    let id = id.map(|Path(id)| id).unwrap_or_default();
    let not_found = || AppError::NotFound {
        what: format!("procedure {id}"),
    };
    let id = ProcedureId::parse(&id).map_err(|_| not_found())?;
    let procedure = state
        .store
        .get_procedure(&id, None)
        .await?
        .ok_or_else(not_found)?;
    let operator = state
        .store
        .list_operators()
        .await?
        .into_iter()
        .find(|o| &o.id == procedure.operator())
        .map(|o| o.name)
        .unwrap_or_else(|| procedure.operator().to_string());
    let definition = state.catalogue.definition(&id);
    let channels = ProcedureChannel::ALL
        .into_iter()
        .filter_map(|c| {
            procedure.channels().get(&c).map(|a| ChannelItem {
                label: c.label_fr(),
                how: a.how.clone(),
                online: (c == ProcedureChannel::Web && definition.is_some())
                    .then(|| format!("/demarches/{}/en-ligne", procedure.id())),
                phone: match (c, definition.and_then(|d| d.phone_line())) {
                    (ProcedureChannel::Phone, Some(line)) => {
                        crate::site::tel_href(&line.number).map(|href| (href, line.number.clone()))
                    }
                    _ => None,
                },
            })
        })
        .collect();
    let deadline = procedure.deadline().map(|d| d.sentence_fr());
    // Only a procedure published with its definition has a paper form to print.
    let paper_form = definition.is_some();
    Ok(ProcedurePage {
        layout: Layout::new(&state, procedure.title()),
        id: procedure.id().to_string(),
        title: procedure.title().to_owned(),
        summary: procedure.summary().to_owned(),
        operator,
        channels,
        deadline,
        paper_form,
        decides_rights: procedure.decides_rights(),
    })
}
