//! `GET /api/search?q=…&limit=…`: the search as JSON, results in rank order, each saying what
//! to do and where (operator in charge, channels). The contract is [`guichet_search::Hit`].

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use guichet_search::{Hit, SearchError};
use serde::{Deserialize, Serialize};

use crate::AppState;

#[derive(Debug, Deserialize)]
pub struct Params {
    #[serde(default)]
    q: String,
    #[serde(default)]
    limit: Option<usize>,
}

#[derive(Debug, Serialize)]
struct Answer<'a> {
    query: &'a str,
    results: Vec<Hit>,
}

#[derive(Debug, Serialize)]
struct ApiError {
    code: &'static str,
    message: String,
}

/// API errors are JSON with a stable code, not the HTML error page: API clients read them.
fn refuse(e: &SearchError) -> Response {
    let (status, code) = match e {
        SearchError::EmptyQuery => (StatusCode::BAD_REQUEST, "recherche-vide"),
        SearchError::QueryTooLong { .. } => (StatusCode::BAD_REQUEST, "recherche-trop-longue"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "erreur-interne"),
    };
    if status.is_server_error() {
        tracing::error!(error = %e, "search failed");
    }
    let message = if status.is_server_error() {
        "La recherche a échoué de notre côté. Réessayez plus tard, ou contactez l’accueil par téléphone ou au guichet.".to_owned()
    } else {
        e.to_string()
    };
    (
        status,
        Json(serde_json::json!({ "error": ApiError { code, message } })),
    )
        .into_response()
}

pub async fn search(
    State(state): State<AppState>,
    params: Result<Query<Params>, QueryRejection>,
) -> Response {
    // A malformed query string (bad encoding, a non-numeric limit) reads as no query.
    let Params { q, limit } = params.map(|Query(p)| p).unwrap_or(Params {
        q: String::new(),
        limit: None,
    });
    let index = state.search.clone();
    let limit = limit.unwrap_or(10);
    let query = q.clone();
    // Searching is CPU work (well under a millisecond, but never on the async request path).
    let found = tokio::task::spawn_blocking(move || index.search(&query, limit)).await;
    match found {
        Ok(Ok(results)) => Json(Answer { query: &q, results }).into_response(),
        Ok(Err(e)) => refuse(&e),
        Err(e) => refuse(&SearchError::Engine(e.to_string())),
    }
}
