//! Sign-in building blocks for Guichet's agents and residents, as pure functions: password
//! hashes (argon2id), the password policy people are told about in French, the TOTP second
//! factor (RFC 6238) and the QR code that carries its secret to a phone.
//!
//! No database, no web, no clock: callers pass the time (`unix_secs`) and store what comes
//! back (PHC strings, secrets, the last used TOTP step). Hashing is CPU-heavy (tens of
//! milliseconds by design), so async callers run it off the request path (`spawn_blocking`).
//! Limiting attempts (passwords and TOTP codes) is the caller's job: nothing here counts.

mod account;
mod base32;
mod error;
mod password;
mod policy;
mod qr;
mod totp;

pub use account::{Login, temporary_password};
pub use error::AuthError;
pub use password::{hash_password, verify_dummy, verify_password};
pub use policy::check_password_policy;
pub use qr::qr_svg;
pub use totp::TotpSecret;
