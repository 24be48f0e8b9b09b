//! The home page: the procedures this Guichet hosts, and how to do each on every channel.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use guichet_domain::ProcedureChannel;

use crate::error::AppError;
use crate::{AppState, Layout};

/// One line of the list of procedures.
#[derive(Debug)]
pub struct ProcedureItem {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub operator: String,
    pub channels: Vec<&'static str>,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    layout: Layout,
    procedures: Vec<ProcedureItem>,
}

pub async fn page(State(state): State<AppState>) -> Result<HomePage, AppError> {
    let operators = state.store.list_operators().await?;
    let procedures = state
        .store
        .list_procedures()
        .await?
        .into_iter()
        .map(|p| ProcedureItem {
            id: p.id().to_string(),
            title: p.title().to_owned(),
            summary: p.summary().to_owned(),
            operator: operators
                .iter()
                .find(|o| &o.id == p.operator())
                .map(|o| o.name.clone())
                .unwrap_or_else(|| p.operator().to_string()),
            channels: ProcedureChannel::ALL
                .into_iter()
                .filter(|c| p.offers(*c))
                .map(ProcedureChannel::label_fr)
                .collect(),
        })
        .collect();
    Ok(HomePage {
        layout: Layout::new(&state, "Vos démarches"),
        procedures,
    })
}
