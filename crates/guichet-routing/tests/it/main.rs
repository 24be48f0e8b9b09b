//! Integration tests of the engine: the fast searches must equal a plain Dijkstra exactly.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers too: a panic is a failed test"
)]

mod graph_io;
mod sweep;
