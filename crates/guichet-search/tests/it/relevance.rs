//! Relevance on the evaluation set, against the plain BM25 baseline.

use guichet_search::eval::{self, Fts5Baseline, first_rank, score};

use crate::{hybrid, index};

#[test]
fn guichet_meets_the_target_and_beats_plain_bm25() {
    let (sheets, index) = index();
    let baseline = Fts5Baseline::build(sheets).unwrap();
    let report = eval::evaluate(index, &baseline, &eval::cases().unwrap()).unwrap();
    assert!(report.guichet.top3 >= 0.90, "top-3 {:?}", report.guichet);
    assert!(report.guichet.mrr10 > report.baseline.mrr10, "{report:?}");
    assert!(report.guichet.top1 > report.baseline.top1, "{report:?}");
}

/// On queries nobody tuned for (`data/unseen/test.toml`), Guichet must stay clearly ahead of
/// plain BM25. The floors sit a little under what was measured once the ranking signals from
/// the corpus's structure (coverage, folder vote, links, people's words, title phrases, word
/// families) were added, tuned on `dev` only (Guichet top-3 79.3 %, top-1 60.7 %; FTS5
/// 59.3 %, 40.7 %; 72.0 % and 55.3 % when the set arrived): a regression guard, not the
/// issue's target (top-3 ≥ 90 %, top-1 ≥ 75 %), which the engine does not reach.
#[test]
fn on_unseen_queries_guichet_stays_ahead_of_plain_bm25() {
    let (sheets, index) = index();
    let baseline = Fts5Baseline::build(sheets).unwrap();
    let report = eval::evaluate(index, &baseline, &eval::unseen(true).unwrap()).unwrap();
    assert_eq!(report.guichet.queries, 150);
    assert!(report.guichet.top3 >= 0.78, "{:?}", report.guichet);
    assert!(report.guichet.top1 >= 0.59, "{:?}", report.guichet);
    assert!(
        report.guichet.top3 >= report.baseline.top3 + 0.10,
        "{report:?}"
    );
    assert!(
        report.guichet.top1 >= report.baseline.top1 + 0.10,
        "{report:?}"
    );
}

/// Fused with the sentence embeddings (`semantic`), the engine does better on the same unseen
/// queries. Measured once with the setting chosen on `dev` (dev 71.7 % / 85.8 %): top-1 66.0 %,
/// top-3 84.0 % (lexical alone 60.7 / 79.3); the floors sit two points under.
#[test]
fn with_the_embeddings_unseen_queries_do_better() {
    let (sheets, index) = index();
    let baseline = Fts5Baseline::build(sheets).unwrap();
    let test = eval::unseen(true).unwrap();
    let fused = eval::evaluate(hybrid(), &baseline, &test).unwrap().guichet;
    let lexical = eval::evaluate(index, &baseline, &test).unwrap().guichet;
    assert_eq!(fused.queries, 150);
    assert!(fused.top3 >= 0.82, "{fused:?}");
    assert!(fused.top1 >= 0.64, "{fused:?}");
    assert!(fused.mrr10 > lexical.mrr10, "{fused:?} {lexical:?}");
}

/// The tuning set stays answered with the embeddings (measured 83.8 % / 100 % with the demo
/// procedures indexed; 82.4 / 93.2 lexical alone).
#[test]
fn with_the_embeddings_the_tuning_set_stays_answered() {
    let (sheets, _) = index();
    let baseline = Fts5Baseline::build(sheets).unwrap();
    let report = eval::evaluate(hybrid(), &baseline, &eval::cases().unwrap()).unwrap();
    assert!(report.guichet.top3 >= 0.97, "{:?}", report.guichet);
    assert!(report.guichet.top1 >= 0.81, "{:?}", report.guichet);
}

#[test]
fn the_unseen_sets_are_apart_and_name_only_known_answers() {
    let (_, index) = index();
    let dev = eval::unseen(false).unwrap();
    let test = eval::unseen(true).unwrap();
    assert_eq!((dev.len(), test.len()), (120, 150));
    for case in dev.iter().chain(&test) {
        // Some lists also name a « Recherche guidée » twin, which is not indexed.
        assert!(
            case.expected.iter().any(|id| index.get(id).is_some()),
            "{}: no expected answer is indexed",
            case.q
        );
    }
    for case in &test {
        assert!(dev.iter().all(|d| d.q != case.q), "{} is in both", case.q);
    }
}

#[test]
fn metrics_are_computed_as_defined() {
    let ranked: Vec<String> = ["F1", "F2", "F3"].map(String::from).to_vec();
    assert_eq!(first_rank(&ranked, &["F2".into()]), Some(2));
    assert_eq!(first_rank(&ranked, &["F9".into()]), None);
    let s = score(&[Some(1), Some(2), None, Some(4)]);
    assert_eq!((s.top1, s.top3), (0.25, 0.5));
    assert!((s.mrr10 - (1.0 + 0.5 + 0.25) / 4.0).abs() < 1e-9);
}

#[test]
fn the_baseline_is_a_real_bm25_search() {
    let (sheets, _) = index();
    let baseline = Fts5Baseline::build(sheets).unwrap();
    let hits = baseline.search("Carte Vitale", 5).unwrap();
    assert!(
        hits.len() == 5 && hits[..3].contains(&"F265".to_owned()),
        "{hits:?}"
    );
    assert!(baseline.search("\"\u{0}*) OR (", 5).is_ok());
    assert!(baseline.search("", 5).unwrap().is_empty());
}
