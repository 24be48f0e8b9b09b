//! The store test suite. Every test runs on SQLite and on PostgreSQL, each on a fresh database.
#![allow(clippy::unwrap_used)] // helpers of a test binary: a panic is a failed test

mod agents;
mod cache;
mod cases;
mod catalogue;
mod fixtures;
mod outbox;
mod person_accounts;
mod reference_data;
