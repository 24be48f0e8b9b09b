//! French search and orientation over Guichet's two catalogues: the national service-public.fr
//! sheets and the procedures hosted here.
//!
//! [`SearchIndex`] is the engine (values in, hits out); [`hit`] is the result contract that the
//! JSON API and the search page show; [`eval`] measures relevance against an evaluation set and
//! (feature `eval`) a plain SQLite FTS5 BM25 baseline. The command line (`guichet search …`,
//! including the latency benchmark) lives in the `guichet` binary.

pub mod eval;
pub mod expand;
pub mod hit;
pub mod index;
pub mod text;

pub use expand::Expansions;
pub use hit::{ChannelHint, Hit, HitKind, OperatorView};
pub use index::{MAX_QUERY_CHARS, SearchIndex};

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
    /// The catalogue could not be loaded.
    #[error(transparent)]
    Catalogue(#[from] guichet_catalogue::CatalogueError),
}
