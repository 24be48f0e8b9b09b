//! Hosted-procedure definition files: one TOML file per procedure, versioned with the code of
//! the instance, and the publishing rules that every definition must pass.
//!
//! The only way to obtain a [`ProcedureDefinition`] is [`ProcedureDefinition::parse`], which
//! checks the rules of the product (never digital-only, rights decisions notified on paper,
//! non-digitisable procedures name their places, form conditions are acyclic, the postal address
//! ends with its postcode and town). Code that holds a
//! `ProcedureDefinition` therefore holds a publishable procedure: the rules are enforced by
//! construction, not by remembering to call a validator. Every refusal names the file, the line
//! and the rule, so the administrator who wrote the file can fix it.
//!
//! The stages are one module each: `raw` is the file as written (serde structures with spans),
//! `check` turns it into a checked definition or into [`Problems`], whose [`Rule`]s live in
//! `rules`, `form` holds the checked form fields and the form's own rules, and `sender` the
//! letters' sender block ([`ReturnAddress`], [`PhoneLine`]), read once here rather than scraped
//! from the stored text by each letter. Everything public is re-exported here, so callers only
//! ever write `guichet_catalogue::definition::X`.

pub mod answers;
mod check;
mod form;
mod raw;
mod rules;
mod sender;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use guichet_domain::{HostedProcedure, ProcedureId};

use crate::CatalogueError;
use check::Checker;

pub use form::{Condition, Field, FieldKind};
pub use raw::{
    Audience, ChannelRaw, ChannelsRaw, DeadlineRaw, DecisionsRaw, DefinitionRaw, DocumentRaw,
    FeeRaw, FieldRaw,
};
pub use rules::{Problem, Problems, Rule};
pub use sender::{PhoneLine, ReturnAddress};

/// A definition that passed every publishing rule. It can only be built by [`Self::parse`].
#[derive(Debug, Clone, PartialEq)]
pub struct ProcedureDefinition {
    procedure: HostedProcedure,
    fields: Vec<Field>,
    return_address: Option<ReturnAddress>,
    phone_line: Option<PhoneLine>,
    raw: DefinitionRaw,
    source: String,
}

impl ProcedureDefinition {
    /// Parses and checks one definition file's text. `file` is only used in messages.
    pub fn parse(file: &Path, text: &str) -> Result<Self, Problems> {
        let mut checker = Checker::new(file, text);
        let raw: DefinitionRaw = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => {
                checker.push(
                    e.span().map(|s| s.start),
                    Rule::Syntax,
                    e.message().trim().to_owned(),
                );
                return Err(Problems(checker.problems));
            }
        };
        let checked = checker.check(&raw);
        match checked {
            Some(checked) if checker.problems.is_empty() => Ok(Self {
                procedure: checked.procedure,
                fields: checked.fields,
                return_address: checked.return_address,
                phone_line: checked.phone_line,
                raw,
                source: text.to_owned(),
            }),
            _ => Err(Problems(checker.problems)),
        }
    }

    /// The domain procedure that cases follow.
    pub fn procedure(&self) -> &HostedProcedure {
        &self.procedure
    }
    /// The file as written, for the paper form and the database.
    pub fn raw(&self) -> &DefinitionRaw {
        &self.raw
    }
    /// The exact text of the file: stored with each version so it can be re-read later.
    pub fn source(&self) -> &str {
        &self.source
    }
    pub fn id(&self) -> &ProcedureId {
        self.procedure.id()
    }
    pub fn version(&self) -> u32 {
        self.procedure.version()
    }
    pub fn audience(&self) -> &[Audience] {
        &self.raw.audience
    }
    pub fn keywords(&self) -> &[String] {
        &self.raw.keywords
    }
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }
    pub fn documents(&self) -> &[DocumentRaw] {
        &self.raw.documents
    }
    pub fn fees(&self) -> &[FeeRaw] {
        &self.raw.fees
    }
    pub fn channels(&self) -> &ChannelsRaw {
        self.raw.channels.get_ref()
    }
    pub fn digitisable(&self) -> bool {
        *self.raw.digitisable.get_ref()
    }
    pub fn places(&self) -> &[String] {
        &self.raw.places
    }
    pub fn notify(&self) -> &[String] {
        self.raw
            .decisions
            .as_ref()
            .map(|d| d.get_ref().notify.as_slice())
            .unwrap_or(&[])
    }
    /// Where people write to, split and checked: the return address of letters. `None` when the
    /// procedure is not open by post.
    pub fn return_address(&self) -> Option<&ReturnAddress> {
        self.return_address.as_ref()
    }
    /// The number people can call and its hours, for letters. `None` when the procedure is not
    /// open by phone.
    pub fn phone_line(&self) -> Option<&PhoneLine> {
        self.phone_line.as_ref()
    }
}

/// Reads every `*.toml` file of a folder (sorted by name) and checks them all. Either every file
/// passes and all definitions are returned, or every problem of every file is.
pub fn load_dir(dir: &Path) -> Result<Vec<ProcedureDefinition>, CatalogueError> {
    let entries = std::fs::read_dir(dir).map_err(|source| CatalogueError::Io {
        path: dir.to_path_buf(),
        cause: source,
    })?;
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| CatalogueError::Io {
            path: dir.to_path_buf(),
            cause: source,
        })?;
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "toml") {
            paths.push(path);
        }
    }
    paths.sort();
    let mut defs = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|source| CatalogueError::Io {
            path: path.clone(),
            cause: source,
        })?;
        match ProcedureDefinition::parse(&path, &text) {
            Ok(d) => defs.push((path, d)),
            Err(Problems(p)) => problems.extend(p),
        }
    }
    let mut ids: BTreeMap<String, PathBuf> = BTreeMap::new();
    for (path, d) in &defs {
        if let Some(first) = ids.insert(d.id().to_string(), path.clone()) {
            problems.push(Problem {
                file: path.clone(),
                line: None,
                rule: Rule::Identity,
                message: format!(
                    "L’identifiant « {} » est déjà utilisé par {}.",
                    d.id(),
                    first.display()
                ),
            });
        }
    }
    if problems.is_empty() {
        Ok(defs.into_iter().map(|(_, d)| d).collect())
    } else {
        Err(CatalogueError::Definitions(Problems(problems)))
    }
}
