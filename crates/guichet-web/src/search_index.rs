//! What a server reads from the catalogue once, at start-up, off the async runtime: the search
//! index over the national catalogue (imported into the database, or else the extract shipped
//! in the binary) and the hosted procedures, and the typed definition of the latest version of
//! every hosted procedure (forms, documents, fees), so that no page parses a definition file
//! on a request.
//!
//! Both are read at the same time from the same rows, so the search, the procedure pages and
//! the paper forms agree. A version published while the server runs shows after a restart.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use guichet_catalogue::{OperatorDirectory, ProcedureDefinition, stored};
use guichet_domain::ProcedureId;
use guichet_search::{SearchError, SearchIndex};
use guichet_store::Store;

/// Why the index could not be built, in words for the server log.
#[derive(Debug)]
pub struct BuildError(pub String);

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "search index: {}", self.0)
    }
}

impl std::error::Error for BuildError {}

/// The search index and the published definitions it was built from.
#[derive(Debug)]
pub struct Catalogue {
    pub index: SearchIndex,
    definitions: BTreeMap<ProcedureId, ProcedureDefinition>,
}

impl Catalogue {
    /// An index and the definitions behind it (tests build them from chosen sheets).
    pub fn new(index: SearchIndex, definitions: Vec<ProcedureDefinition>) -> Self {
        let definitions = definitions
            .into_iter()
            .map(|d| (d.id().clone(), d))
            .collect();
        Catalogue { index, definitions }
    }

    /// Nothing to search and no definition.
    pub fn empty() -> Result<Self, SearchError> {
        Ok(Catalogue::new(SearchIndex::empty()?, Vec::new()))
    }

    /// The latest published definition of a hosted procedure, if it has one.
    pub fn definition(&self, id: &ProcedureId) -> Option<&ProcedureDefinition> {
        self.definitions.get(id)
    }
}

pub async fn build(store: &Store) -> Result<Arc<Catalogue>, BuildError> {
    let err = |e: &dyn std::fmt::Display| BuildError(e.to_string());
    let sheets = stored::load_sheets(store).await.map_err(|e| err(&e))?;
    let definitions = stored::load_definitions(store).await.map_err(|e| err(&e))?;
    let names: BTreeMap<String, String> = store
        .list_operators()
        .await
        .map_err(|e| err(&e))?
        .into_iter()
        .map(|o| (o.id.to_string(), o.name))
        .collect();
    let operators = OperatorDirectory::shipped().map_err(|e| err(&e))?;
    tokio::task::spawn_blocking(move || {
        let index = SearchIndex::build(&sheets, &definitions, &operators, &names)?;
        Ok::<_, SearchError>(Arc::new(Catalogue::new(index, definitions)))
    })
    .await
    .map_err(|e| err(&e))?
    .map_err(|e| err(&e))
}

/// Attaches the sentence-embedding half of the search to `catalogue`'s index once its vectors
/// are ready ([`guichet_search::semantic::prepare`]): read from `cache_dir` when they were
/// computed from this very catalogue and model, else computed on `threads` threads (minutes,
/// once) and saved there. Until then, and for good when no model is installed, search is lexical.
/// `Ok(None)`: no model. `Ok(Some(how))`: attached, with where the vectors came from.
pub async fn attach_semantic(
    store: &Store,
    catalogue: &Arc<Catalogue>,
    cache_dir: PathBuf,
    threads: usize,
) -> Result<Option<String>, BuildError> {
    let err = |e: &dyn std::fmt::Display| BuildError(e.to_string());
    // Read again rather than kept from `build`: the catalogue holds no copy of every sheet's
    // text, and the index refuses vectors that do not match its documents.
    let sheets = stored::load_sheets(store).await.map_err(|e| err(&e))?;
    let definitions = stored::load_definitions(store).await.map_err(|e| err(&e))?;
    let catalogue = catalogue.clone();
    tokio::task::spawn_blocking(move || {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("guichet-vectors-{i}"))
            .build()
            .map_err(|e| SearchError::Semantic(e.to_string()))?;
        let prepared =
            pool.install(|| guichet_search::semantic::prepare(&sheets, &definitions, &cache_dir));
        let Some(semantic) = prepared? else {
            return Ok(None);
        };
        let how = semantic.preparation().to_string();
        catalogue
            .index
            .attach_semantic(semantic.lexical_when_busy())?;
        Ok::<_, SearchError>(Some(how))
    })
    .await
    .map_err(|e| err(&e))?
    .map_err(|e| err(&e))
}

/// [`attach_semantic`] in the background, on all cores but one (requests keep one), its
/// outcome in the server's log.
pub fn spawn_semantic(store: Store, catalogue: Arc<Catalogue>, cache_dir: PathBuf) {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    tokio::spawn(async move {
        tracing::info!(
            "semantic search: preparing the sentence vectors in {} (the first time, minutes; search is lexical meanwhile)",
            cache_dir.display()
        );
        match attach_semantic(&store, &catalogue, cache_dir, cores - 1).await {
            Ok(Some(how)) => tracing::info!("semantic search on: {how}"),
            Ok(None) => tracing::warn!("{}", guichet_search::semantic::NO_MODEL),
            Err(e) => tracing::warn!("semantic search off: {e}"),
        }
    });
}
