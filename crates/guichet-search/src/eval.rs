//! Relevance evaluation and benchmark.
//!
//! The evaluation set (`data/evaluation.toml`) lists realistic queries — everyday words,
//! abbreviations, missing accents, typos, questions, life events — with the sheet ids a
//! front-desk agent would accept as the right answer. Guichet's engine and a plain BM25 baseline
//! (SQLite FTS5 over titles and descriptions, default `unicode61` tokenizer, terms OR-ed) run
//! the same queries; we report top-1, top-3 and MRR@10 for both.
//!
//! The set and the metrics are always here; the baseline and [`evaluate`] need the `eval`
//! feature (SQLite through rusqlite), which only the `guichet` binary (`guichet search eval`)
//! and this crate's tests turn on, so the server never links a second SQL engine for search.
//! Timing (`guichet search bench`) lives in the binary: this crate never reads the clock.

#[cfg(feature = "eval")]
use guichet_catalogue::Sheet;
#[cfg(feature = "eval")]
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::SearchError;
#[cfg(feature = "eval")]
use crate::index::SearchIndex;

const EVALUATION: &str = include_str!("../data/evaluation.toml");
const UNSEEN_DEV: &str = include_str!("../data/unseen/dev.toml");
const UNSEEN_TEST: &str = include_str!("../data/unseen/test.toml");

/// One evaluation query.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub q: String,
    /// Any of these ids in a rank counts as a hit there.
    pub expected: Vec<String>,
    /// What the query exercises: `everyday`, `abbreviation`, `accents`, `typo`, `question`,
    /// `situation`, `pro`.
    pub tag: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EvaluationRaw {
    case: Vec<Case>,
}

/// The shipped tuning set (the 74 queries the synonym and situation tables were written with).
pub fn cases() -> Result<Vec<Case>, SearchError> {
    parse_cases(EVALUATION)
}

/// The held-out sets (`data/unseen/`), written by someone who never saw the synonym and
/// situation tables nor the engine's output: `dev` (120 queries) may guide a choice of
/// settings; `test` (150) is for measuring only — never tune on it.
pub fn unseen(test: bool) -> Result<Vec<Case>, SearchError> {
    parse_cases(if test { UNSEEN_TEST } else { UNSEEN_DEV })
}

/// An evaluation set in the same TOML format (`[[case]]` with `q`, `expected`, `tag`).
pub fn parse_cases(text: &str) -> Result<Vec<Case>, SearchError> {
    let raw: EvaluationRaw = toml::from_str(text)
        .map_err(|e| SearchError::Data(format!("jeu d’évaluation : {}", e.message())))?;
    Ok(raw.case)
}

/// Top-1, top-3 and MRR@10 of one system over the set.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scores {
    pub queries: usize,
    pub top1: f64,
    pub top3: f64,
    pub mrr10: f64,
}

/// The 1-based rank of the first expected id among `ranked`, within the first 10.
pub fn first_rank(ranked: &[String], expected: &[String]) -> Option<usize> {
    ranked
        .iter()
        .take(10)
        .position(|id| expected.contains(id))
        .map(|p| p + 1)
}

pub fn score(ranks: &[Option<usize>]) -> Scores {
    let n = ranks.len().max(1) as f64;
    let top1 = ranks.iter().filter(|r| **r == Some(1)).count() as f64 / n;
    let top3 = ranks.iter().filter(|r| r.is_some_and(|r| r <= 3)).count() as f64 / n;
    let mrr10 = ranks
        .iter()
        .map(|r| r.map(|r| 1.0 / r as f64).unwrap_or(0.0))
        .sum::<f64>()
        / n;
    Scores {
        queries: ranks.len(),
        top1,
        top3,
        mrr10,
    }
}

/// The baseline: SQLite FTS5 BM25 over titles and descriptions, in memory.
#[cfg(feature = "eval")]
#[derive(Debug)]
pub struct Fts5Baseline {
    conn: Connection,
}

#[cfg(feature = "eval")]
fn sql(e: rusqlite::Error) -> SearchError {
    SearchError::Engine(e.to_string())
}

#[cfg(feature = "eval")]
impl Fts5Baseline {
    pub fn build(sheets: &[Sheet]) -> Result<Self, SearchError> {
        let mut conn = Connection::open_in_memory().map_err(sql)?;
        conn.execute_batch(
            "CREATE VIRTUAL TABLE sheets USING fts5(id UNINDEXED, title, description);",
        )
        .map_err(sql)?;
        let tx = conn.transaction().map_err(sql)?;
        {
            let mut insert = tx
                .prepare("INSERT INTO sheets (id, title, description) VALUES (?1, ?2, ?3)")
                .map_err(sql)?;
            for s in sheets {
                insert
                    .execute((s.id.as_str(), s.title.as_str(), s.description.as_str()))
                    .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)?;
        Ok(Self { conn })
    }

    /// Ids ranked by BM25 for the query's words, OR-ed (an AND of every word would return
    /// nothing for most natural-language queries).
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<String>, SearchError> {
        let words: Vec<String> = query
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| format!("\"{w}\""))
            .collect();
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id FROM sheets WHERE sheets MATCH ?1 ORDER BY bm25(sheets) LIMIT ?2",
            )
            .map_err(sql)?;
        let rows = stmt
            .query_map((words.join(" OR "), limit as i64), |r| {
                r.get::<_, String>(0)
            })
            .map_err(sql)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql)
    }
}

/// The whole evaluation: per-query ranks and the scores of both systems.
#[cfg(feature = "eval")]
#[derive(Debug, Clone)]
pub struct Report {
    pub guichet: Scores,
    pub baseline: Scores,
    /// (query, tag, Guichet's rank, baseline's rank)
    pub rows: Vec<(String, String, Option<usize>, Option<usize>)>,
}

#[cfg(feature = "eval")]
pub fn evaluate(
    index: &SearchIndex,
    baseline: &Fts5Baseline,
    cases: &[Case],
) -> Result<Report, SearchError> {
    let mut rows = Vec::new();
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for case in cases {
        let hits: Vec<String> = index
            .search(&case.q, 10)?
            .into_iter()
            .map(|h| h.id)
            .collect();
        let base = baseline.search(&case.q, 10)?;
        let a = first_rank(&hits, &case.expected);
        let b = first_rank(&base, &case.expected);
        ours.push(a);
        theirs.push(b);
        rows.push((case.q.clone(), case.tag.clone(), a, b));
    }
    Ok(Report {
        guichet: score(&ours),
        baseline: score(&theirs),
        rows,
    })
}
