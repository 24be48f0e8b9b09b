//! What a server reads from the catalogue once, at start-up, off the async runtime: the search
//! index over the national catalogue (imported into the database, or else the extract shipped
//! in the binary) and the hosted procedures, and the typed definition of the latest version of
//! every hosted procedure (forms, documents, fees), so that no page parses a definition file
//! on a request.
//!
//! Both are read at the same time from the same rows, so the search, the procedure pages and
//! the paper forms agree. A version published while the server runs shows after a restart.

use std::collections::BTreeMap;
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
