//! French search and orientation over Guichet's two catalogues: the national service-public.fr
//! sheets and the procedures hosted here.
//!
//! [`SearchIndex`] is the engine (values in, hits out); [`semantic`] adds sentence embeddings
//! that a server may attach to it; [`hit`] is the result contract that the JSON API and the
//! search page show; [`eval`] measures relevance against an evaluation set and
//! (feature `eval`) a plain SQLite FTS5 BM25 baseline. The command line (`guichet search …`,
//! including the latency benchmark) lives in the `guichet` binary.

pub mod eval;
pub mod expand;
pub mod hit;
pub mod index;
mod recent;
pub mod semantic;
pub mod text;

pub use expand::Expansions;
pub use hit::{ChannelHint, Hit, HitKind, OperatorView};
pub use index::{MAX_QUERY_CHARS, SearchIndex};
pub use semantic::{Preparation, Semantic, SheetVectors, prepare};

/// What can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The query has no word to search for.
    #[error(
        "La recherche est vide : tapez quelques mots, par exemple « carte d’identité perdue »."
    )]
    EmptyQuery,
    /// The query is longer than anyone would type.
    #[error("La recherche est trop longue ({max} caractères au plus).")]
    QueryTooLong { max: usize },
    /// A data table (synonyms, situations, evaluation set) is malformed.
    #[error("données de recherche : {0}")]
    Data(String),
    /// The index or the baseline database failed.
    #[error("moteur de recherche : {0}")]
    Engine(String),
    /// The sentence embeddings could not be made ready (model, stored vectors) or do not match
    /// the index: a server then searches without them.
    #[error("recherche sémantique : {0}")]
    Semantic(String),
    /// The catalogue could not be loaded.
    #[error(transparent)]
    Catalogue(#[from] guichet_catalogue::CatalogueError),
}
