//! Builds the search index a server answers with: the national catalogue (imported into the
//! database, or else the extract shipped in the binary) and the latest version of every hosted
//! procedure, with their operators' names. Built once at start-up, off the async runtime.

use std::collections::BTreeMap;
use std::sync::Arc;

use guichet_catalogue::{OperatorDirectory, stored};
use guichet_search::SearchIndex;
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

pub async fn build(store: &Store) -> Result<Arc<SearchIndex>, BuildError> {
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
        SearchIndex::build(&sheets, &definitions, &operators, &names).map(Arc::new)
    })
    .await
    .map_err(|e| err(&e))?
    .map_err(|e| err(&e))
}
