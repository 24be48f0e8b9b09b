//! `GET /api/search?q=…&limit=…`: the search as JSON, results in rank order, each saying what
//! to do and where (operator in charge, channels). The contract is [`guichet_search::Hit`].
//! Errors are JSON too ([`ApiError`]), with a stable code: API clients read them.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use guichet_search::Hit;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::error::{ApiError, AppError};

#[derive(Debug, Deserialize)]
pub struct Params {
    #[serde(default)]
    q: String,
    #[serde(default)]
    limit: Option<usize>,
}

#[derive(Debug, Serialize)]
pub struct Answer {
    query: String,
    results: Vec<Hit>,
}

pub async fn search(
    State(state): State<AppState>,
    params: Result<Query<Params>, QueryRejection>,
) -> Result<Json<Answer>, ApiError> {
    // A malformed query string (bad encoding, a non-numeric limit) reads as no query.
    let Params { q, limit } = params.map(|Query(p)| p).unwrap_or(Params {
        q: String::new(),
        limit: None,
    });
    let index = state.catalogue.clone();
    let limit = limit.unwrap_or(10);
    let query = q.clone();
    // Searching is CPU work (well under a millisecond, but never on the async request path).
    let results = tokio::task::spawn_blocking(move || index.index.search(&query, limit))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok(Json(Answer { query: q, results }))
}
