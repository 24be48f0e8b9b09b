//! The crate's one error type. Its Display is French because a person may read it: the policy
//! sentence is meant for the sign-up page as it is; the hashing failure is an internal fault
//! whose cause stays in `Debug` (for operators' logs), never in the sentence.

/// What can go wrong in this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The password breaks the policy (`check_password_policy`). The field is the sentence to
    /// show the person, saying what is missing.
    #[error("{0}")]
    WeakPassword(String),
    /// A staff login that cannot be used (`Login::parse`); the field is the French sentence.
    #[error("{0}")]
    InvalidLogin(String),
    /// The password could not be hashed (the system's random source or argon2 failed). Not the
    /// person's fault; `cause` is English text for the logs.
    #[error(
        "Le mot de passe n’a pas pu être enregistré à la suite d’une erreur interne. Veuillez réessayer."
    )]
    Hashing { cause: String },
}
