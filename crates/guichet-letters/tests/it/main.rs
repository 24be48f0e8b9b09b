//! Integration tests of the letters crate: layout guards, accessibility, batches.

mod batch;
mod render;
mod set;
