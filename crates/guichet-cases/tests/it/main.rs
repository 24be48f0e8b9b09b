//! Tests of the case service on both engines: notifications written with the case change,
//! conflicts decided again, the counter-to-online walkthrough of ARCHITECTURE.md.
#![allow(clippy::unwrap_used)] // helpers of a test binary: a panic is a failed test

mod service;
mod walkthrough;
