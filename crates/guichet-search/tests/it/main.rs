//! Integration tests of search over the real shipped catalogue and the demo procedures.

// Helpers of integration tests are test code too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod data;
mod embeddings;
mod relevance;
mod search;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use guichet_catalogue::{OperatorDirectory, ProcedureDefinition, Sheet};
use guichet_search::{SearchIndex, semantic};

/// The index is built once per test binary: the shipped extract plus the demo procedures.
pub fn index() -> &'static (Vec<Sheet>, SearchIndex) {
    static INDEX: OnceLock<(Vec<Sheet>, SearchIndex)> = OnceLock::new();
    INDEX.get_or_init(|| {
        let (sheets, defs) = corpus();
        (sheets.clone(), build(sheets, defs))
    })
}

/// The shipped extract and the demo procedures.
pub fn corpus() -> &'static (Vec<Sheet>, Vec<ProcedureDefinition>) {
    static CORPUS: OnceLock<(Vec<Sheet>, Vec<ProcedureDefinition>)> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let (_, sheets) = guichet_catalogue::extract::shipped().unwrap();
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../guichet-catalogue/demo");
        (
            sheets,
            guichet_catalogue::definition::load_dir(&demo).unwrap(),
        )
    })
}

pub fn build(sheets: &[Sheet], defs: &[ProcedureDefinition]) -> SearchIndex {
    let names = BTreeMap::from([(
        "ccas-saint-clair".to_owned(),
        "CCAS de Saint-Clair-sur-Lys".to_owned(),
    )]);
    SearchIndex::build(sheets, defs, &OperatorDirectory::shipped().unwrap(), &names).unwrap()
}

/// Where the tests keep the documents' vectors: computed by the first run (minutes), read by
/// the next ones.
pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("guichet-search-vectors")
}

/// The same index as [`index`], fusing with the sentence embeddings. The model is required:
/// without it the tests that use this fail and say how to install it.
pub fn hybrid() -> &'static SearchIndex {
    static HYBRID: OnceLock<SearchIndex> = OnceLock::new();
    HYBRID.get_or_init(|| {
        let (sheets, defs) = corpus();
        let semantic = semantic::prepare(sheets, defs, &vectors_dir())
            .unwrap_or_else(|e| panic!("the hybrid search tests could not prepare: {e}"))
            .unwrap_or_else(|| {
                panic!(
                    "the hybrid search tests need the embedding model, and it is missing: {}",
                    semantic::NO_MODEL
                )
            });
        let index = build(sheets, defs);
        index.attach_semantic(semantic).unwrap();
        index
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
