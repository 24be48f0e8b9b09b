//! Integration tests of the pure notification crate: templates and what people read.
#![allow(clippy::unwrap_used)] // helpers of a test binary: a panic is a failed test

mod templates;
