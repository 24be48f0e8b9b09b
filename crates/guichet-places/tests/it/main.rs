//! Importers on the real open-data files, and on broken copies of them.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers too: a panic is a failed test"
)]

mod hours;
mod imports;

pub fn data(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/"
    ))
    .join(name)
}
