//! The one integration-test binary of guichet-auth: the public API as its callers use it.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers too: a panic is a failed test"
)]

mod account;
mod password;
mod policy;
mod qr;
mod totp;
