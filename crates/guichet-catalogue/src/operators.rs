//! Who is in charge: maps the places and online services cited by national sheets to the
//! operators people are oriented to (CAF, CPAM, ANTS, mairie…).
//!
//! The mapping is reviewed data (`data/operators.toml`), compiled into the binary so that
//! orientation works offline; this module only reads it and applies it in a fixed order: the
//! sheet's places first (where to go), then the hosts of its online services (what to use).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::CatalogueError;
use crate::sheet::{OnlineKind, Sheet};

const DATA: &str = include_str!("../data/operators.toml");

/// An operator of the national catalogue, with its French name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NationalOperator {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OperatorRaw {
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    operators: BTreeMap<String, OperatorRaw>,
    pivots: BTreeMap<String, String>,
    domains: BTreeMap<String, String>,
    titles: BTreeMap<String, String>,
}

/// The reviewed mapping.
#[derive(Debug, Clone)]
pub struct OperatorDirectory {
    operators: BTreeMap<String, NationalOperator>,
    pivots: BTreeMap<String, String>,
    domains: BTreeMap<String, String>,
    /// Longest prefix first, so "sous-préfecture" wins over a shorter match.
    titles: Vec<(String, String)>,
}

impl OperatorDirectory {
    /// The mapping shipped with Guichet.
    pub fn shipped() -> Result<Self, CatalogueError> {
        Self::parse(DATA)
    }

    /// Parses a mapping file and checks that every pivot, domain and title targets a known
    /// operator.
    pub fn parse(text: &str) -> Result<Self, CatalogueError> {
        let raw: Raw =
            toml::from_str(text).map_err(|e| CatalogueError::Mapping(e.message().to_owned()))?;
        let operators: BTreeMap<String, NationalOperator> = raw
            .operators
            .into_iter()
            .map(|(id, o)| (id.clone(), NationalOperator { id, name: o.name }))
            .collect();
        for (id, op) in &operators {
            if op.name.trim().is_empty() || guichet_domain::OperatorId::parse(id).is_err() {
                return Err(CatalogueError::Mapping(format!(
                    "opérateur « {id} » mal formé"
                )));
            }
        }
        for (table, map) in [
            ("pivots", &raw.pivots),
            ("domains", &raw.domains),
            ("titles", &raw.titles),
        ] {
            for (key, target) in map {
                if !operators.contains_key(target) {
                    return Err(CatalogueError::Mapping(format!(
                        "[{table}] « {key} » renvoie à l’opérateur inconnu « {target} »"
                    )));
                }
            }
        }
        let mut titles: Vec<(String, String)> = raw.titles.into_iter().collect();
        titles.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        Ok(Self {
            operators,
            pivots: raw.pivots,
            domains: raw.domains,
            titles,
        })
    }

    pub fn get(&self, id: &str) -> Option<&NationalOperator> {
        self.operators.get(id)
    }
    pub fn all(&self) -> impl Iterator<Item = &NationalOperator> {
        self.operators.values()
    }
    pub fn by_pivot(&self, pivot: &str) -> Option<&NationalOperator> {
        self.pivots.get(pivot).and_then(|id| self.operators.get(id))
    }
    pub fn is_pivot_mapped(&self, pivot: &str) -> bool {
        self.pivots.contains_key(pivot)
    }

    /// The operator running the site at `url`, matching the host or any parent domain.
    pub fn by_url(&self, url: &str) -> Option<&NationalOperator> {
        let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
        let host = rest
            .split(['/', '?', '#', ':'])
            .next()?
            .to_ascii_lowercase();
        let mut candidate = host.as_str();
        loop {
            if let Some(id) = self.domains.get(candidate) {
                return self.operators.get(id);
            }
            candidate = candidate.split_once('.')?.1;
        }
    }

    /// The operator a place title names, for places without a PivotLocal code.
    pub fn by_title(&self, title: &str) -> Option<&NationalOperator> {
        let lower = title.to_lowercase().replace('’', "'");
        self.titles
            .iter()
            .find(|(prefix, _)| lower.starts_with(prefix.as_str()))
            .and_then(|(_, id)| self.operators.get(id))
    }

    /// The operators in charge of a sheet, most relevant first: places to go, then the bodies
    /// running its online services (téléservices before forms). No duplicates.
    pub fn for_sheet(&self, sheet: &Sheet) -> Vec<&NationalOperator> {
        fn push<'a>(op: Option<&'a NationalOperator>, out: &mut Vec<&'a NationalOperator>) {
            if let Some(op) = op
                && !out.iter().any(|o| o.id == op.id)
            {
                out.push(op);
            }
        }
        let mut out: Vec<&NationalOperator> = Vec::new();
        for place in &sheet.places {
            let op = place
                .pivot
                .as_deref()
                .and_then(|p| self.by_pivot(p))
                .or_else(|| self.by_title(&place.title));
            push(op, &mut out);
        }
        for kind in [OnlineKind::Teleservice, OnlineKind::Form] {
            for service in sheet.online.iter().filter(|s| s.kind == kind) {
                let op = service.url.as_deref().and_then(|u| self.by_url(u));
                // The publisher of everything is service-public.fr itself: not an operator to
                // orient anyone to when a better one exists.
                if op.is_some_and(|o| o.id == "service-public") {
                    continue;
                }
                push(op, &mut out);
            }
        }
        out
    }
}
