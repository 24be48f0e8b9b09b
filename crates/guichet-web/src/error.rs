//! The one place where errors become HTTP responses.
//!
//! People see a clear French message, a stable code, an incident reference to quote to the help
//! desk, and a way forward (another channel, the home page). Internal details go to the logs
//! only, under the same incident reference.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use guichet_store::StoreError;

/// An error a handler returns.
#[derive(Debug)]
pub enum AppError {
    NotFound { what: String },
    BadRequest { message: String },
    Conflict,
    Unavailable,
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::NotFound { what },
            StoreError::Conflict { .. } => AppError::Conflict,
            StoreError::Unavailable(_) => AppError::Unavailable,
            other => AppError::Internal(other.to_string()),
        }
    }
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: crate::Layout,
    code: &'static str,
    message: String,
    incident: String,
}

impl AppError {
    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            AppError::NotFound { .. } => (
                StatusCode::NOT_FOUND,
                "introuvable",
                "La page ou le dossier demandé n’existe pas. Vérifiez l’adresse ou la référence.".to_owned(),
            ),
            AppError::BadRequest { message } => {
                (StatusCode::BAD_REQUEST, "saisie-invalide", message.clone())
            }
            AppError::Conflict => (
                StatusCode::CONFLICT,
                "modifie-entre-temps",
                "Ce dossier a été modifié par quelqu’un d’autre pendant que vous le consultiez. Rechargez la page : rien de ce qui était enregistré n’a été perdu.".to_owned(),
            ),
            AppError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "service-indisponible",
                "Le service est momentanément indisponible. Réessayez dans quelques minutes, ou contactez l’accueil par téléphone ou au guichet.".to_owned(),
            ),
            AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "erreur-interne",
                "Une erreur est survenue de notre côté. Réessayez plus tard, ou contactez l’accueil par téléphone ou au guichet.".to_owned(),
            ),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        let incident = uuid::Uuid::new_v4().simple().to_string()[..8].to_uppercase();
        match &self {
            AppError::Internal(detail) => tracing::error!(%incident, %detail, "internal error"),
            AppError::Unavailable => tracing::warn!(%incident, "database unavailable"),
            other => tracing::info!(%incident, ?other, "request refused"),
        }
        let page = ErrorPage {
            layout: crate::Layout {
                title: "Une erreur est survenue".to_owned(),
                demo: false,
            },
            code,
            message,
            incident,
        };
        (status, page).into_response()
    }
}
