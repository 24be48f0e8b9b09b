//! Integration tests of the analyses: site selection against brute force, coverage sums,
//! road access against the reference Dijkstra on Helsinki, the French estimate on real data,
//! maps and downloads.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers too: a panic is a failed test"
)]

mod analyses;
mod mclp;
mod outputs;

pub fn data(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/"
    ))
    .join(name)
}
