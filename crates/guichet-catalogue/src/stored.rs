//! Moving the catalogues in and out of the database: publishing definition folders, importing
//! the national corpus, and loading both back (for the search index and the pages).
//!
//! The checks are done here before anything is written, so that a folder is published whole or
//! not at all in the usual cases (a refused file, an unknown operator, an edited version).

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{DateTime, Utc};
use guichet_store::{Published, SheetRow, Store};

use crate::CatalogueError;
use crate::definition::ProcedureDefinition;
use crate::extract::{self, Header};
use crate::sheet::Sheet;

/// What publishing a folder did, per definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishReport {
    pub published: Vec<(String, u32)>,
    pub unchanged: Vec<(String, u32)>,
}

/// Publishes checked definitions. Every definition is checked against the database first
/// (operator known, an already published version has the same text); only then is anything
/// written.
pub async fn publish(
    store: &Store,
    defs: &[ProcedureDefinition],
    now: DateTime<Utc>,
) -> Result<PublishReport, CatalogueError> {
    let operators: BTreeSet<String> = store
        .list_operators()
        .await?
        .into_iter()
        .map(|o| o.id.to_string())
        .collect();
    let mut problems = Vec::new();
    for d in defs {
        let op = d.procedure().operator().as_str();
        if !operators.contains(op) {
            problems.push(format!(
                "{} : l’opérateur « {op} » n’existe pas dans cette instance ; créez-le d’abord.",
                d.id()
            ));
        }
        if let Some(existing) = store
            .get_definition(d.id().as_str(), Some(d.version()))
            .await?
            && existing.source != d.source()
        {
            problems.push(format!(
                "{} : la version {} est déjà publiée avec un autre contenu ; augmentez « version » (les dossiers déposés gardent leur version).",
                d.id(),
                d.version()
            ));
        }
    }
    if !problems.is_empty() {
        return Err(CatalogueError::Refused(problems.join("\n")));
    }
    let mut report = PublishReport {
        published: Vec::new(),
        unchanged: Vec::new(),
    };
    for d in defs {
        let key = (d.id().to_string(), d.version());
        match store
            .publish_definition(d.procedure(), d.source(), now)
            .await?
        {
            Published::New => report.published.push(key),
            Published::Unchanged => report.unchanged.push(key),
        }
    }
    Ok(report)
}

/// The latest published version of every hosted procedure, re-checked. A stored definition that
/// no longer passes the rules (rules only get stricter) is reported, not silently dropped.
pub async fn load_definitions(store: &Store) -> Result<Vec<ProcedureDefinition>, CatalogueError> {
    let mut out = Vec::new();
    for row in store.latest_definitions().await? {
        let name = format!("base:{}@v{}", row.procedure_id, row.version);
        let def = ProcedureDefinition::parse(Path::new(&name), &row.source)
            .map_err(CatalogueError::Definitions)?;
        out.push(def);
    }
    Ok(out)
}

/// Imports the national corpus into the database, replacing the previous one whole.
pub async fn import_sheets(
    store: &Store,
    header: &Header,
    sheets: &[Sheet],
    now: DateTime<Utc>,
) -> Result<(), CatalogueError> {
    let json = |e: serde_json::Error| CatalogueError::Corpus {
        file: "import".to_owned(),
        message: e.to_string(),
    };
    let rows = sheets
        .iter()
        .map(|s| {
            Ok(SheetRow {
                id: s.id.to_string(),
                title: s.title.clone(),
                data: serde_json::to_string(s).map_err(json)?,
            })
        })
        .collect::<Result<Vec<_>, CatalogueError>>()?;
    let header = serde_json::to_string(header).map_err(json)?;
    store.replace_sheets(&header, &rows, now).await?;
    Ok(())
}

/// The national catalogue: the one imported into the database, or else the extract shipped in
/// the binary.
pub async fn load_sheets(store: &Store) -> Result<Vec<Sheet>, CatalogueError> {
    let rows = store.list_sheets().await?;
    if rows.is_empty() {
        return Ok(extract::shipped()?.1);
    }
    rows.iter()
        .map(|r| {
            serde_json::from_str(&r.data).map_err(|e| CatalogueError::Corpus {
                file: format!("base:{}", r.id),
                message: e.to_string(),
            })
        })
        .collect()
}
