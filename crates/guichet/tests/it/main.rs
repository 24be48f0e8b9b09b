//! End-to-end tests of the `guichet` command: the real binary, started on port 0.
#![allow(clippy::unwrap_used)] // helpers of a test binary: a panic is a failed test

mod agents;
mod browser;
mod catalogue;
mod cli;
mod journey;
mod journey_report;
mod kill;
mod officer_journey;
mod render_workers;
mod serve;
mod staff_journey;
mod support;
mod territory;
mod tidy;
