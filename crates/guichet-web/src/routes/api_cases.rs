//! The JSON API for what the pages do besides search: a hosted procedure's definition (its
//! questions, channels and deadline), and a case's status with its reference and follow-up
//! code (the same count of wrong codes as `/suivi`). Described by `/api/openapi.json`.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use guichet_catalogue::definition::{Field, FieldKind};
use guichet_domain::{CaseReference, DeadlineStatus, ProcedureChannel, ProcedureId};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::routes::account::Client;
use crate::routes::follow::{CodeCheck, check_code};

#[derive(Debug, Serialize)]
pub struct FieldJson {
    id: String,
    label: String,
    help: Option<String>,
    required: bool,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    choices: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fields: Vec<FieldJson>,
    show_if: Option<serde_json::Value>,
}

fn field_json(f: &Field) -> FieldJson {
    FieldJson {
        id: f.id.clone(),
        label: f.label.clone(),
        help: f.help.clone(),
        required: f.required,
        kind: f.kind.code(),
        choices: match &f.kind {
            FieldKind::Choice { choices, .. } => choices.clone(),
            _ => Vec::new(),
        },
        fields: match &f.kind {
            FieldKind::Group { fields, .. } => fields.iter().map(field_json).collect(),
            _ => Vec::new(),
        },
        show_if: f.show_if.as_ref().map(|c| {
            serde_json::json!({
                "field": c.field,
                "equals": c.equals.as_ref().map(|v| v.to_string()),
            })
        }),
    }
}

#[derive(Debug, Serialize)]
pub struct ChannelJson {
    channel: &'static str,
    how: String,
}

#[derive(Debug, Serialize)]
pub struct ProcedureJson {
    id: String,
    version: u32,
    title: String,
    online: bool,
    online_form: Option<String>,
    deadline: Option<String>,
    channels: Vec<ChannelJson>,
    fields: Vec<FieldJson>,
}

/// `GET /api/procedures/{id}`.
pub async fn procedure(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<ProcedureJson>, ApiError> {
    let id = id.map(|Path(i)| i).unwrap_or_default();
    let not_found = || AppError::NotFound {
        what: format!("procedure {id}"),
    };
    let pid = ProcedureId::parse(&id).map_err(|_| not_found())?;
    let def = state.catalogue.definition(&pid).ok_or_else(not_found)?;
    let online = def.digitisable() && def.procedure().offers(ProcedureChannel::Web);
    Ok(Json(ProcedureJson {
        id: id.clone(),
        version: def.version(),
        title: def.procedure().title().to_owned(),
        online,
        online_form: online.then(|| format!("/demarches/{id}/en-ligne")),
        deadline: def.procedure().deadline().map(|d| d.sentence_fr()),
        channels: ProcedureChannel::ALL
            .into_iter()
            .filter_map(|c| {
                def.procedure().channels().get(&c).map(|a| ChannelJson {
                    channel: c.label_fr(),
                    how: a.how.clone(),
                })
            })
            .collect(),
        fields: def.fields().iter().map(field_json).collect(),
    }))
}

#[derive(Debug, Deserialize)]
pub struct StatusRequest {
    reference: String,
    code: String,
}

#[derive(Debug, Serialize)]
pub struct StatusJson {
    reference: String,
    procedure: String,
    state: &'static str,
    state_label: &'static str,
    submitted_at: Option<String>,
    due: Option<String>,
    silence: Option<&'static str>,
    requested_documents: Vec<String>,
    history: Vec<HistoryJson>,
}

#[derive(Debug, Serialize)]
pub struct HistoryJson {
    at: String,
    what: String,
    channel: &'static str,
}

/// `POST /api/cases/status` with `{"reference", "code"}`.
pub async fn status(
    State(state): State<AppState>,
    Client(client): Client,
    body: Result<Json<StatusRequest>, JsonRejection>,
) -> Result<Json<StatusJson>, ApiError> {
    let Json(req) = body.map_err(|_| AppError::BadRequest {
        message: "Envoyez un objet JSON {\"reference\": …, \"code\": …}.".into(),
    })?;
    let reference =
        CaseReference::parse(req.reference.trim()).map_err(|_| AppError::BadRequest {
            message: "Cette référence ne peut pas être juste : vérifiez chaque caractère.".into(),
        })?;
    let case = match check_code(&state, &reference, &client, &req.code).await? {
        CodeCheck::Right(c) => c,
        CodeCheck::Wrong { .. } => {
            return Err(AppError::NotFound {
                what: "case with this code".into(),
            }
            .into());
        }
    };
    let journal = state.store.journal(&case.reference).await?;
    let due = match case.deadline_status(state.clock.now()) {
        DeadlineStatus::Running { due } | DeadlineStatus::Passed { due, .. } => {
            Some(due.to_rfc3339())
        }
        _ => None,
    };
    Ok(Json(StatusJson {
        reference: case.reference.to_string(),
        procedure: case.procedure.id.to_string(),
        state: case.state.code(),
        state_label: case.state.label_fr(),
        submitted_at: case.submitted_at.map(|t| t.to_rfc3339()),
        due,
        silence: case.deadline_rule.map(|r| r.silence.label_fr()),
        requested_documents: case.requested_documents.clone(),
        history: journal
            .iter()
            .map(|e| HistoryJson {
                at: e.at.to_rfc3339(),
                what: e.kind.label_fr(),
                channel: e.channel.code(),
            })
            .collect(),
    }))
}

const OPENAPI: &str = include_str!("../../static/openapi.json");

/// `GET /api/openapi.json`.
pub async fn openapi() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        OPENAPI,
    )
}
