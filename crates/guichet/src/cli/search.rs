//! `guichet search …`: one query, the relevance evaluation against the FTS5 BM25 baseline, and
//! the latency benchmark. They run on the national catalogue shipped in the repository and the
//! hosted procedures of an optional folder, with no database.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Subcommand;
use guichet_catalogue::{OperatorDirectory, ProcedureDefinition, Sheet};
use guichet_search::eval::{self, Case, Fts5Baseline};
use guichet_search::{Expansions, SearchError, SearchIndex};
use serde::Serialize;

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
        /// Another evaluation set in the same TOML format (default: the shipped tuning set).
        #[arg(long)]
        set: Option<PathBuf>,
        /// Index these hosted procedures too (default: none for the shipped set, the demo
        /// procedures for another set, whose expected answers may name them).
        #[arg(long)]
        procedures: Option<PathBuf>,
        /// Write each query's ten first ids of both systems here, as JSON lines.
        #[arg(long)]
        ranks: Option<PathBuf>,
        /// Which expansion tables to use: all (as shipped), synonyms, situations or none — to
        /// measure what each brings.
        #[arg(long, default_value = "all")]
        tables: Tables,
    },
    /// Print index build time and warm query latency (p50/p99) as one JSON line.
    Bench {
        #[arg(long, default_value_t = 20)]
        rounds: usize,
    },
}

/// The expansion tables an evaluation runs with.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Tables {
    All,
    Synonyms,
    Situations,
    None,
}

/// Builds the index over the shipped national catalogue and the given definitions.
fn shipped_index(
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

/// Runs one `guichet search` command.
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
        SearchCommand::Eval {
            verbose,
            set,
            procedures,
            ranks,
            tables,
        } => {
            let defs = match (&procedures, &set) {
                (Some(dir), _) => guichet_catalogue::definition::load_dir(dir)?,
                (None, Some(_)) => guichet_catalogue::demo::definitions()?,
                (None, None) => Vec::new(),
            };
            let (sheets, index) = shipped_index(&defs)?;
            let (synonyms, situations) = match tables {
                Tables::All => (true, true),
                Tables::Synonyms => (true, false),
                Tables::Situations => (false, true),
                Tables::None => (false, false),
            };
            let index = index.with_expansions(Expansions::shipped_parts(synonyms, situations)?);
            let baseline = Fts5Baseline::build(&sheets)?;
            let cases = match &set {
                Some(path) => eval::parse_cases(&std::fs::read_to_string(path).map_err(io)?)?,
                None => eval::cases()?,
            };
            let report = eval::evaluate(&index, &baseline, &cases)?;
            if let Some(path) = ranks {
                let mut lines = String::new();
                for case in &cases {
                    let ours: Vec<String> = index
                        .search(&case.q, 10)?
                        .into_iter()
                        .map(|h| h.id)
                        .collect();
                    let line = serde_json::json!({
                        "q": case.q, "tag": case.tag, "expected": case.expected,
                        "guichet": ours, "baseline": baseline.search(&case.q, 10)?,
                    });
                    lines.push_str(&line.to_string());
                    lines.push('\n');
                }
                std::fs::write(path, lines).map_err(io)?;
            }
            if verbose {
                let rank =
                    |r: Option<usize>| r.map(|r| r.to_string()).unwrap_or_else(|| "-".into());
                for (q, tag, a, b) in &report.rows {
                    writeln!(out, "{:>3} {:>3}  [{tag}] {q}", rank(*a), rank(*b)).map_err(io)?;
                }
            }
            // Per tag: Guichet's ranks, then the baseline's.
            type Ranks = Vec<Option<usize>>;
            let mut tags: BTreeMap<&str, (Ranks, Ranks)> = BTreeMap::new();
            for (_, tag, a, b) in &report.rows {
                let e = tags.entry(tag.as_str()).or_default();
                e.0.push(*a);
                e.1.push(*b);
            }
            for (tag, (a, b)) in &tags {
                let (a, b) = (eval::score(a), eval::score(b));
                writeln!(
                    out,
                    "  {tag:<12} {:>3} requêtes  top-3 {} (fts5 {})  top-1 {} (fts5 {})",
                    a.queries,
                    pct(a.top3),
                    pct(b.top3),
                    pct(a.top1),
                    pct(b.top1)
                )
                .map_err(io)?;
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
            let b = bench(
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

/// Build time and warm query latency.
#[derive(Debug, Clone, Serialize)]
struct Bench {
    pub documents: usize,
    pub build_ms: f64,
    pub queries: usize,
    pub rounds: usize,
    pub p50_us: f64,
    pub p99_us: f64,
    pub max_us: f64,
    pub baseline_p50_us: f64,
    pub baseline_p99_us: f64,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1e6
}

/// Times `rounds` passes over the evaluation queries after one warm-up pass.
#[allow(clippy::disallowed_methods)] // a benchmark reads the clock to measure latency
fn bench(
    sheets: &[Sheet],
    build: impl Fn() -> Result<SearchIndex, SearchError>,
    cases: &[Case],
    rounds: usize,
) -> Result<Bench, SearchError> {
    let start = Instant::now();
    let index = build()?;
    let build_ms = start.elapsed().as_secs_f64() * 1e3;
    let baseline = Fts5Baseline::build(sheets)?;
    for case in cases {
        index.search(&case.q, 10)?;
        baseline.search(&case.q, 10)?;
    }
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..rounds {
        for case in cases {
            let t = Instant::now();
            index.search(&case.q, 10)?;
            ours.push(t.elapsed());
            let t = Instant::now();
            baseline.search(&case.q, 10)?;
            theirs.push(t.elapsed());
        }
    }
    ours.sort();
    theirs.sort();
    Ok(Bench {
        documents: index.len(),
        build_ms,
        queries: cases.len(),
        rounds,
        p50_us: percentile(&ours, 0.5),
        p99_us: percentile(&ours, 0.99),
        max_us: percentile(&ours, 1.0),
        baseline_p50_us: percentile(&theirs, 0.5),
        baseline_p99_us: percentile(&theirs, 0.99),
    })
}
