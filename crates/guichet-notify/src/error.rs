//! The one error type of the notification crate.
//!
//! The outbox treats each variant differently: transient failures are retried
//! with back-off, permanent ones park the intent for a person to look at,
//! template errors refuse the save, configuration errors stop start-up.

use guichet_letters::LetterError;

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// Worth retrying later: server down, timeout, 4xx SMTP reply, full disk.
    #[error("échec temporaire : {0}")]
    Transient(String),
    /// Retrying will not help: address refused, bad request.
    #[error("échec définitif : {0}")]
    Permanent(String),
    /// A template or its data is invalid; the message says what to fix.
    #[error("{0}")]
    Template(String),
    /// The letter cannot be produced (address, characters, content).
    #[error(transparent)]
    Letter(#[from] LetterError),
    /// Configuration is wrong or incomplete.
    #[error("configuration : {0}")]
    Config(String),
}

impl NotifyError {
    /// Whether the outbox should retry.
    pub fn is_transient(&self) -> bool {
        matches!(self, NotifyError::Transient(_))
    }
}
