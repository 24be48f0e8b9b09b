//! The fallback for unknown addresses.

use crate::error::AppError;

pub async fn page(uri: axum::http::Uri) -> AppError {
    AppError::NotFound {
        what: uri.path().to_owned(),
    }
}
