//! Web layer tests: the router, in process, on a real store (both engines).
#![allow(clippy::unwrap_used)] // helpers of a test binary: a panic is a failed test

mod accounts;
mod desk;
mod desk_print_alerts;
mod instruction;
mod pages;
mod places;
mod portal;
mod search;
mod snapshots;
mod staff;
mod staff_admin;
mod support;
mod territory;
