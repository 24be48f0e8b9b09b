//! Integration tests of the engine: the fast searches must equal a plain Dijkstra exactly.

mod graph_io;
mod sweep;
