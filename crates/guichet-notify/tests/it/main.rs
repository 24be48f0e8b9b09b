//! Integration tests of the notification crate against real peers: a real SMTP
//! server (aiosmtpd) on loopback, an in-process stand-in for the SMS gateway,
//! and real files for print batches.
#![allow(clippy::unwrap_used)] // helpers of a test binary: a panic is a failed test

mod dispatch;
mod kill;
mod print;
mod reliability;
mod render_workers;
mod sms;
mod smtp;
mod support;
mod templates;
