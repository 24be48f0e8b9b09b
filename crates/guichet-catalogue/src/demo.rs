//! The demo procedures, written as definition files (`demo/*.toml`) and compiled into the
//! binary so that `guichet serve --demo` needs no folder on disk. They are the foundation's demo
//! procedures of the fictional town of Saint-Clair-sur-Lys (same ids, same compiled procedures,
//! so the demo cases keep working), with their forms, documents and fees, plus one procedure
//! that cannot be digitised.

use std::path::Path;

use guichet_domain::{Operator, OperatorId, OperatorKind};

use crate::CatalogueError;
use crate::definition::{Problems, ProcedureDefinition};

const FILES: [(&str, &str); 5] = [
    (
        "demo/aide-sociale-urgence.toml",
        include_str!("../demo/aide-sociale-urgence.toml"),
    ),
    (
        "demo/copie-acte-etat-civil.toml",
        include_str!("../demo/copie-acte-etat-civil.toml"),
    ),
    (
        "demo/inscription-cantine.toml",
        include_str!("../demo/inscription-cantine.toml"),
    ),
    (
        "demo/portage-repas-domicile.toml",
        include_str!("../demo/portage-repas-domicile.toml"),
    ),
    (
        "demo/admission-residence-autonomie.toml",
        include_str!("../demo/admission-residence-autonomie.toml"),
    ),
];

/// The demo definitions, checked like any other.
pub fn definitions() -> Result<Vec<ProcedureDefinition>, CatalogueError> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (name, text) in FILES {
        match ProcedureDefinition::parse(Path::new(name), text) {
            Ok(d) => out.push(d),
            Err(Problems(p)) => problems.extend(p),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(CatalogueError::Definitions(Problems(problems)))
    }
}

/// The demo operators the definitions refer to.
pub fn operators() -> Vec<Operator> {
    [
        (
            "mairie-saint-clair",
            "Mairie de Saint-Clair-sur-Lys",
            OperatorKind::TownHall,
        ),
        (
            "ccas-saint-clair",
            "CCAS de Saint-Clair-sur-Lys",
            OperatorKind::Ccas,
        ),
    ]
    .into_iter()
    .filter_map(|(id, name, kind)| {
        OperatorId::parse(id).ok().map(|id| Operator {
            id,
            name: name.to_owned(),
            kind,
        })
    })
    .collect()
}

/// Publishes the demo procedures, creating their operators when missing (an operator already
/// there, e.g. from the foundation's demo data, is left as it is).
#[cfg(feature = "store")]
pub async fn publish(
    store: &guichet_store::Store,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<crate::stored::PublishReport, CatalogueError> {
    let existing = store.list_operators().await?;
    for op in operators() {
        if !existing.iter().any(|e| e.id == op.id) {
            store.save_operator(&op).await?;
        }
    }
    crate::stored::publish(store, &definitions()?, now).await
}
