//! The store test suite. Every test runs on SQLite and on PostgreSQL, each on a fresh database.

mod cases;
mod fixtures;
mod reference_data;
