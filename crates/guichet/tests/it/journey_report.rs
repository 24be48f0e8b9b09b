//! What the agents' Chromium journeys share: running a journey script against a server and
//! reading its JSON report, and checking every page it reached (status, address, error title,
//! axe-core WCAG, keyboard, reflow — `browser::problems`).
#![allow(clippy::disallowed_methods)] // waits for a real browser process against the wall clock

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

use crate::browser::{is_wcag, problems, strings};

/// The report's text at `key` (empty when absent).
pub(crate) fn text<'a>(report: &'a Value, key: &str) -> &'a str {
    report[key].as_str().unwrap_or_default()
}

/// `url` is `pattern` with each placeholder (`{id}`, `{ref}`, …) replaced by its value.
pub(crate) fn at(url: &str, pattern: &str, values: &[(&str, &str)]) -> bool {
    let expected = values
        .iter()
        .fold(pattern.to_owned(), |p, (k, v)| p.replace(k, v));
    url == expected
}

/// Runs `script` (in the browser tests' directory `dir`) against `base` with `args`, keeps its
/// report in the temporary directory for reading, and checks that the journey finished and
/// reached the pages of `expected`, in order. `name` is « staff », « officer »…
pub(crate) fn run(
    name: &str,
    dir: &Path,
    script: &str,
    base: &str,
    args: &[&Path],
    expected: &[(&str, u16, &str)],
) -> Value {
    let started = Instant::now();
    let output = Command::new("node")
        .current_dir(dir)
        .arg(script)
        .arg(base)
        .args(args)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{script} printed no JSON report ({e}):\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    // Kept for reading, when the test fails above all (the data directory is removed).
    let kept = std::env::temp_dir().join(format!("guichet-{name}-journey.json"));
    std::fs::write(&kept, &output.stdout).unwrap();
    eprintln!(
        "{name} journey: report in {} ({:.1} s in Chromium {})",
        kept.display(),
        started.elapsed().as_secs_f64(),
        text(&report, "chromium")
    );
    assert!(
        report["error"].is_null() && report["finished"].as_bool() == Some(true),
        "the {name} journey stopped at « {} »: {}",
        report["failed_at"].as_str().unwrap_or("?"),
        report["error"].as_str().unwrap_or("?")
    );
    // Every expected page was reached, in order.
    let labels: Vec<&str> = report["pages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| p["path"].as_str().unwrap_or("?"))
        .collect();
    let wanted: Vec<&str> = expected.iter().map(|(l, _, _)| *l).collect();
    assert_eq!(
        labels, wanted,
        "the journey did not reach the pages expected"
    );
    report
}

/// Checks each page of the report against `expected` (status, address with `placeholders`
/// filled in, « Erreur : » titles on error pages only, and `browser::problems`); axe's best
/// practices beyond WCAG are printed as notes.
pub(crate) fn check_pages(
    name: &str,
    report: &Value,
    expected: &[(&str, u16, &str)],
    placeholders: &[(&str, &str)],
) {
    let pages = report["pages"].as_array().cloned().unwrap_or_default();
    let mut failures = Vec::new();
    for (page, (label, status, url)) in pages.iter().zip(expected) {
        for p in problems(page, *status) {
            failures.push(format!("{label}: {p}"));
        }
        let reached = page["url"].as_str().unwrap_or("?");
        if !at(reached, url, placeholders) {
            failures.push(format!("{label}: at {reached} instead of {url}"));
        }
        let title = page["title"].as_str().unwrap_or("");
        let is_error = page["expect_error"].as_bool() == Some(true);
        if is_error != title.starts_with("Erreur\u{a0}: ") {
            failures.push(format!(
                "{label}: titled « {title} » (an error page's title starts with « Erreur\u{a0}: », \
                 and only an error page's)"
            ));
        }
        for v in page["violations"].as_array().into_iter().flatten() {
            if !is_wcag(&strings(&v["tags"])) {
                eprintln!(
                    "{name} journey: note {label}: axe best practice {}",
                    v["id"]
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problem(s) on the {name} journey's pages:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let labels: Vec<&str> = expected.iter().map(|(l, _, _)| *l).collect();
    eprintln!(
        "{name} journey: {} pages checked: {}",
        pages.len(),
        labels.join(" → ")
    );
}
