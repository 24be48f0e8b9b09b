//! The one place where errors become HTTP responses.
//!
//! People see a clear French message, a stable code, an incident reference to quote to the help
//! desk, and a way forward (another channel, the home page). Internal details go to the logs
//! only, under the same incident reference.
//!
//! Pages answer with the HTML error page (`AppError` is a response). The JSON API answers with
//! the same status, code, message and incident as JSON: its handlers return [`ApiError`], which
//! wraps an `AppError`, so both flavours come from [`AppError::parts`].

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use guichet_search::SearchError;
use guichet_store::StoreError;
use serde::Serialize;

/// An error a handler returns.
#[derive(Debug)]
pub enum AppError {
    NotFound {
        what: String,
    },
    BadRequest {
        message: String,
    },
    /// A search the engine refuses (empty, too long: the person can fix it) or could not run.
    Search(SearchError),
    Conflict,
    /// The case changed since the agent looked at it: the message says what changed.
    Changed {
        message: String,
    },
    /// A form arrived without the session it was shown in (expired, or the CSRF token is
    /// missing or wrong): nothing was changed.
    Expired,
    /// Too many wrong follow-up codes for one case: wait `minutes` before trying again.
    TooManyAttempts {
        minutes: i64,
    },
    Unavailable,
    /// An agent's page asked without a signed-in session: the sign-in page follows.
    SignInRequired,
    /// An agent's action the authorization rule refuses (already journaled by the caller).
    Forbidden {
        message: String,
    },
    /// The territorial report behind `/territoire` is still being computed (`loading`) or could
    /// not be built: its pages say so on their own page rather than the error page.
    TerritoryNotReady {
        loading: bool,
    },
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

impl From<SearchError> for AppError {
    fn from(e: SearchError) -> Self {
        AppError::Search(e)
    }
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: crate::Layout,
    /// What went wrong, in a few words: the page's heading and title.
    heading: &'static str,
    code: &'static str,
    message: String,
    incident: String,
    /// Answered to an agent's page (`/agents…`): the way back is the agents' home.
    staff: bool,
}

/// The `/territoire` pages while their data is not there.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "territory_wait.html")]
struct TerritoryWaitPage {
    layout: crate::Layout,
    loading: bool,
}

const TRY_OTHER_CHANNELS: &str =
    "Réessayez plus tard, ou contactez l’accueil par téléphone ou au guichet.";

impl AppError {
    /// Status, stable code and French message: what both flavours show.
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
            AppError::Search(e @ SearchError::EmptyQuery) => {
                (StatusCode::BAD_REQUEST, "recherche-vide", e.to_string())
            }
            AppError::Search(e @ SearchError::QueryTooLong { .. }) => {
                (StatusCode::BAD_REQUEST, "recherche-trop-longue", e.to_string())
            }
            AppError::Search(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "erreur-interne",
                format!("La recherche a échoué de notre côté. {TRY_OTHER_CHANNELS}"),
            ),
            AppError::Conflict => (
                StatusCode::CONFLICT,
                "modifie-entre-temps",
                "Ce dossier a été modifié par quelqu’un d’autre pendant que vous le consultiez. Rechargez la page : rien de ce qui était enregistré n’a été perdu.".to_owned(),
            ),
            AppError::Changed { message } => {
                (StatusCode::CONFLICT, "modifie-entre-temps", message.clone())
            }
            AppError::Expired => (
                StatusCode::FORBIDDEN,
                "page-expiree",
                "Cette page a expiré : nous n’avons rien enregistré de ce dernier envoi. Les réponses que vous aviez déjà enregistrées sont conservées. Revenez en arrière, rechargez la page et envoyez-la de nouveau.".to_owned(),
            ),
            AppError::TooManyAttempts { minutes } => (
                StatusCode::TOO_MANY_REQUESTS,
                "trop-de-tentatives",
                crate::routes::follow::wait_message(*minutes),
            ),
            AppError::SignInRequired => (
                StatusCode::UNAUTHORIZED,
                "connexion-requise",
                "Connectez-vous pour accéder à cette page : votre session a peut-être expiré après 30 minutes sans activité.".to_owned(),
            ),
            AppError::Forbidden { message } => {
                (StatusCode::FORBIDDEN, "acces-refuse", message.clone())
            }
            AppError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "service-indisponible",
                "Le service est momentanément indisponible. Réessayez dans quelques minutes, ou contactez l’accueil par téléphone ou au guichet.".to_owned(),
            ),
            AppError::TerritoryNotReady { loading: true } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "calcul-en-cours",
                "Calcul en cours : les temps d’accès de toutes les communes sont en train d’être calculés. Réessayez dans quelques instants.".to_owned(),
            ),
            AppError::TerritoryNotReady { loading: false } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "donnees-territoriales-indisponibles",
                "Les données territoriales ne sont pas disponibles sur ce serveur.".to_owned(),
            ),
            AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "erreur-interne",
                format!("Une erreur est survenue de notre côté. {TRY_OTHER_CHANNELS}"),
            ),
        }
    }

    /// The French message the person or agent reads.
    pub fn message_fr(&self) -> String {
        self.parts().2
    }

    /// Logs the error under a new incident reference and returns that reference.
    fn log(&self) -> String {
        let incident = uuid::Uuid::new_v4().simple().to_string()[..8].to_uppercase();
        match self {
            AppError::Internal(detail) => tracing::error!(%incident, %detail, "internal error"),
            AppError::Search(e @ (SearchError::EmptyQuery | SearchError::QueryTooLong { .. })) => {
                tracing::info!(%incident, error = %e, "search refused")
            }
            AppError::Search(e) => tracing::error!(%incident, error = %e, "search failed"),
            AppError::Unavailable => tracing::warn!(%incident, "database unavailable"),
            other => tracing::info!(%incident, ?other, "request refused"),
        }
        incident
    }
}

/// What the error page shows; the response carries it to [`render_error_pages`], which lays it
/// out with the site's header (an error response is built without the application state).
#[derive(Debug, Clone)]
pub struct ErrorView {
    code: &'static str,
    message: String,
    incident: String,
    /// `Some(loading)` for the `/territoire` waiting page.
    territory: Option<bool>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if matches!(self, AppError::SignInRequired) {
            return axum::response::Redirect::to("/agents/connexion?expiree=1").into_response();
        }
        let (status, code, message) = self.parts();
        let incident = self.log();
        let territory = match self {
            AppError::TerritoryNotReady { loading } => Some(loading),
            _ => None,
        };
        let mut response = (status, message.clone()).into_response();
        if territory == Some(true) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
        }
        response.extensions_mut().insert(ErrorView {
            code,
            message,
            incident,
            territory,
        });
        response
    }
}

/// Middleware: turns an [`AppError`] response into the HTML error page, with the site's name,
/// the demo banner and the same status and headers.
pub async fn render_error_pages(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path();
    let staff = ["/agents", "/instruction"]
        .iter()
        .any(|root| path == *root || path.starts_with(&format!("{root}/")))
        || path == "/instruction.csv";
    let response = next.run(request).await;
    let Some(view) = response.extensions().get::<ErrorView>().cloned() else {
        return response;
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    let page = match view.territory {
        Some(loading) => TerritoryWaitPage {
            layout: crate::Layout::new(&state, "Territoire : calcul en cours"),
            loading,
        }
        .into_response(),
        None => {
            let heading = match parts.status {
                StatusCode::NOT_FOUND => "Page introuvable",
                StatusCode::FORBIDDEN => "Accès refusé",
                StatusCode::TOO_MANY_REQUESTS => "Trop de tentatives",
                s if s.is_client_error() => "Demande à corriger",
                _ => "Une erreur est survenue",
            };
            ErrorPage {
                layout: crate::Layout::new(&state, heading).with_error(),
                heading,
                code: view.code,
                message: crate::routes::online::french_spaces(&view.message),
                incident: view.incident,
                staff,
            }
            .into_response()
        }
    };
    let (page_parts, body) = page.into_parts();
    for (name, value) in &page_parts.headers {
        parts.headers.insert(name, value.clone());
    }
    Response::from_parts(parts, body)
}

/// An error of the JSON API: the same error, answered as
/// `{"error": {"code", "message", "incident"}}` with the same status, since API clients read
/// codes rather than pages.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

#[derive(Debug, Serialize)]
struct ApiErrorBody {
    code: &'static str,
    message: String,
    incident: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.0.parts();
        let incident = self.0.log();
        let body = ApiErrorBody {
            code,
            message,
            incident,
        };
        (status, Json(serde_json::json!({ "error": body }))).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_refusals_have_their_own_codes_and_engine_failures_hide_their_detail() {
        let (status, code, message) = AppError::Search(SearchError::EmptyQuery).parts();
        assert_eq!((status, code), (StatusCode::BAD_REQUEST, "recherche-vide"));
        assert!(message.contains("La recherche est vide"));
        let (status, code, message) =
            AppError::Search(SearchError::Engine("index corrompu".into())).parts();
        assert_eq!(
            (status, code),
            (StatusCode::INTERNAL_SERVER_ERROR, "erreur-interne")
        );
        assert!(!message.contains("corrompu"), "{message}");
    }
}
