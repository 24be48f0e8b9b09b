//! Integration tests of delivery against real peers: a real SMTP server (aiosmtpd) on loopback,
//! an in-process stand-in for the SMS gateway, and real files for print batches. The tests that
//! kill the worker process live with the binary (`crates/guichet/tests/it/kill.rs`).
#![allow(clippy::unwrap_used)] // helpers of a test binary: a panic is a failed test

mod print;
mod reliability;
mod sms;
mod smtp;
