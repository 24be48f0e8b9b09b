//! Integration tests of the letters crate: layout guards, accessibility, batches.

mod batch;
mod print_pdf;
mod render;
mod set;
