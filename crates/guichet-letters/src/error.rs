//! The one error type of the letters crate.
//!
//! Each variant is something a caller handles differently: an address the agent
//! must correct, content the template author must fix, characters no embedded
//! font can draw, and a layout or export failure that is a bug to report.

/// Why a letter could not be produced. Messages are in French: agents read them.
/// Serialisable so that a letter typeset in a worker process reports its own error.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum LetterError {
    /// The postal address does not fit the standard; the message says how to fix it.
    #[error("{0}")]
    Address(String),
    /// A required part of the letter is missing or invalid.
    #[error("{0}")]
    Content(String),
    /// Some characters exist in none of the embedded fonts.
    #[error(
        "Les caractères suivants ne peuvent pas être imprimés (aucune police ne les contient) : {0}. Remplacez-les par une transcription en alphabet latin."
    )]
    UnsupportedCharacters(String),
    /// Something other than the address would show through the envelope window.
    #[error(
        "Mise en page refusée : un texte autre que l’adresse apparaîtrait dans la fenêtre de l’enveloppe ({0})."
    )]
    WindowLeak(String),
    /// Typesetting or PDF export failed.
    #[error("Échec de la mise en page de la lettre : {0}")]
    Render(String),
}
