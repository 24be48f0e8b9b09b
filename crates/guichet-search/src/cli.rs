//! Command-line subcommands of search, wired into the `guichet` binary as `guichet search …`.
//! They run on the national catalogue shipped in the repository and the hosted procedures of
//! an optional folder, with no database.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;
use guichet_catalogue::{OperatorDirectory, ProcedureDefinition, Sheet};

use crate::SearchError;
use crate::eval::{self, Fts5Baseline};
use crate::index::SearchIndex;

/// `guichet search …`
#[derive(Debug, Subcommand)]
pub enum SearchCommand {
    /// Run one query and print the results as JSON lines.
    Query {
        /// The query, as a person would type it.
        q: String,
        /// Also index the hosted procedures of this folder.
        #[arg(long)]
        procedures: Option<PathBuf>,
    },
    /// Print top-1, top-3 and MRR@10 of Guichet and of the FTS5 BM25 baseline on the
    /// evaluation set.
    Eval {
        /// Print every query with both ranks.
        #[arg(long)]
        verbose: bool,
    },
    /// Print index build time and warm query latency (p50/p99) as one JSON line.
    Bench {
        #[arg(long, default_value_t = 20)]
        rounds: usize,
    },
}

/// Builds the index over the shipped national catalogue and the given definitions.
pub fn shipped_index(
    procedures: &[ProcedureDefinition],
) -> Result<(Vec<Sheet>, SearchIndex), SearchError> {
    let (_, sheets) = guichet_catalogue::extract::shipped()?;
    let operators = OperatorDirectory::shipped()?;
    let index = SearchIndex::build(&sheets, procedures, &operators, &BTreeMap::new())?;
    Ok((sheets, index))
}

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

pub fn run(cmd: SearchCommand, out: &mut dyn Write) -> Result<(), SearchError> {
    let io = |e: std::io::Error| SearchError::Engine(e.to_string());
    match cmd {
        SearchCommand::Query { q, procedures } => {
            let defs = match procedures {
                Some(dir) => guichet_catalogue::definition::load_dir(&dir)?,
                None => Vec::new(),
            };
            let (_, index) = shipped_index(&defs)?;
            for hit in index.search(&q, 10)? {
                let line =
                    serde_json::to_string(&hit).map_err(|e| SearchError::Engine(e.to_string()))?;
                writeln!(out, "{line}").map_err(io)?;
            }
        }
        SearchCommand::Eval { verbose } => {
            let (sheets, index) = shipped_index(&[])?;
            let baseline = Fts5Baseline::build(&sheets)?;
            let cases = eval::cases()?;
            let report = eval::evaluate(&index, &baseline, &cases)?;
            if verbose {
                let rank =
                    |r: Option<usize>| r.map(|r| r.to_string()).unwrap_or_else(|| "-".into());
                for (q, tag, a, b) in &report.rows {
                    writeln!(out, "{:>3} {:>3}  [{tag}] {q}", rank(*a), rank(*b)).map_err(io)?;
                }
            }
            writeln!(out, "queries: {}", report.guichet.queries).map_err(io)?;
            for (name, s) in [("guichet", report.guichet), ("fts5-bm25", report.baseline)] {
                writeln!(
                    out,
                    "{name:<10} top-1 {}  top-3 {}  MRR@10 {:.3}",
                    pct(s.top1),
                    pct(s.top3),
                    s.mrr10
                )
                .map_err(io)?;
            }
        }
        SearchCommand::Bench { rounds } => {
            let (_, sheets) = guichet_catalogue::extract::shipped()?;
            let operators = OperatorDirectory::shipped()?;
            let cases = eval::cases()?;
            let b = eval::bench(
                &sheets,
                || SearchIndex::build(&sheets, &[], &operators, &BTreeMap::new()),
                &cases,
                rounds.max(1),
            )?;
            let line = serde_json::to_string(&b).map_err(|e| SearchError::Engine(e.to_string()))?;
            writeln!(out, "{line}").map_err(io)?;
        }
    }
    Ok(())
}
