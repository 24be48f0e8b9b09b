//! Integration tests of search over the real shipped catalogue and the demo procedures.

// Helpers of integration tests are test code too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod data;
mod relevance;
mod search;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use guichet_catalogue::{OperatorDirectory, Sheet};
use guichet_search::SearchIndex;

/// The index is built once per test binary: the shipped extract plus the demo procedures.
pub fn index() -> &'static (Vec<Sheet>, SearchIndex) {
    static INDEX: OnceLock<(Vec<Sheet>, SearchIndex)> = OnceLock::new();
    INDEX.get_or_init(|| {
        let (_, sheets) = guichet_catalogue::extract::shipped().unwrap();
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../guichet-catalogue/demo");
        let defs = guichet_catalogue::definition::load_dir(&demo).unwrap();
        let names = BTreeMap::from([(
            "ccas-saint-clair".to_owned(),
            "CCAS de Saint-Clair-sur-Lys".to_owned(),
        )]);
        let index = SearchIndex::build(
            &sheets,
            &defs,
            &OperatorDirectory::shipped().unwrap(),
            &names,
        )
        .unwrap();
        (sheets, index)
    })
}

pub fn ids(q: &str) -> Vec<String> {
    index()
        .1
        .search(q, 10)
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect()
}
