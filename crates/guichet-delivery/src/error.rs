//! Why a worker round or a print batch stopped. A single delivery's failure is not an error
//! here: it is recorded on its intent (retried or parked) and the worker goes on.

use guichet_notify::NotifyError;
use guichet_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Notify(#[from] NotifyError),
    #[error("print folder: {0}")]
    Io(#[from] std::io::Error),
    /// A background task panicked or was cancelled.
    #[error("background task failed: {0}")]
    Task(String),
    #[error("configuration: {0}")]
    Config(String),
}

impl From<tokio::task::JoinError> for DeliveryError {
    fn from(e: tokio::task::JoinError) -> Self {
        DeliveryError::Task(e.to_string())
    }
}
