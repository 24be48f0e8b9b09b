//! Every public page, in a real headless Chromium, checked with axe-core and a keyboard.
//!
//! PRODUCT.md promises RGAA 4.1 (WCAG 2.1 AA) "checked in a real browser": this is that check.
//! The test starts the real binary with `serve --demo`, lists the pages (the fixed ones below,
//! one page and one paper form per demo procedure found on the home page, the planner pages
//! when the server has them) and hands them to `tests/browser/axe.mjs`, a small Node script that
//! drives Debian's `/usr/bin/chromium` with playwright-core and prints a JSON report. This side
//! decides what fails: any axe violation tagged WCAG 2.1 A/AA, a page whose `<html>` is not
//! `lang="fr"` or that does not have exactly one `<h1>`, horizontal scrolling at 320 and 640 CSS
//! px (WCAG 1.4.10 reflow, i.e. 400 % and 200 % zoom) or at 320 px with WCAG 1.4.12's text
//! spacing, a keyboard stop without a visible focus,
//! an interactive element Tab never reaches, a broken same-origin link.
//!
//! Chromium, Node and the npm packages are installed by `scripts/test`; without them this test
//! fails and says so rather than skipping (a skipped accessibility check looks like a pass).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

use crate::support::Server;

/// Pages every instance serves, with the status each must answer.
const FIXED_PAGES: &[(&str, u16)] = &[
    ("/", 200),
    ("/health", 200),
    ("/recherche", 200),
    // A query with results (hosted procedures and national sheets) and one with none.
    (
        "/recherche?q=j%E2%80%99ai%20perdu%20ma%20carte%20d%E2%80%99identit%C3%A9",
        200,
    ),
    ("/recherche?q=zzqxwv", 200),
    ("/page-qui-n-existe-pas", 404),
    ("/demarches/demarche-inconnue", 404),
];

/// The territory planner's pages (distance-temps). Each one the server answers with 200 is
/// checked, plus every `/territoire…` link found on them; add new planner pages here.
const PLANNER_PAGES: &[&str] = &["/territoire"];

const WCAG_TAGS: &[&str] = &["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

fn is_wcag(tags: &[String]) -> bool {
    tags.iter().any(|t| WCAG_TAGS.contains(&t.as_str()))
}

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// Fails with the way to fix it when the browser tooling is not installed.
fn require_tooling() -> PathBuf {
    let chromium = std::env::var("GUICHET_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let dir = browser_dir();
    let mut missing = Vec::new();
    if !Path::new(&chromium).exists() {
        missing.push(format!(
            "Chromium at {chromium} (Debian package `chromium`)"
        ));
    }
    if Command::new("node").arg("--version").output().is_err() {
        missing.push("Node.js (`node` on the PATH)".to_owned());
    }
    for package in ["axe-core", "playwright-core"] {
        if !dir.join("node_modules").join(package).exists() {
            missing.push(format!("npm package {package} in {}", dir.display()));
        }
    }
    assert!(
        missing.is_empty(),
        "the browser accessibility test cannot run: missing {}.\n\
         Run `scripts/test` (it installs chromium with apt-get and runs `npm ci` in \
         crates/guichet/tests/browser), then run this test again.",
        missing.join(", ")
    );
    dir
}

/// `/demarches/{id}` links in an HTML page, in order, without duplicates.
fn procedure_ids(html: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for part in html.split("href=\"/demarches/").skip(1) {
        let id = part.split(['"', '/', '?', '#']).next().unwrap_or_default();
        if !id.is_empty() && !ids.iter().any(|i| i == id) {
            ids.push(id.to_owned());
        }
    }
    ids
}

/// Same-origin `/territoire…` links in an HTML page.
fn planner_links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|part| part.split('"').next())
        .filter(|href| href.starts_with("/territoire"))
        .map(|href| href.replace("&amp;", "&"))
        .collect()
}

fn pages_to_check(server: &Server) -> Vec<(String, u16)> {
    let mut pages: Vec<(String, u16)> = FIXED_PAGES
        .iter()
        .map(|(p, s)| ((*p).to_owned(), *s))
        .collect();

    let (status, home) = server.get("/");
    assert_eq!(status, 200);
    let ids = procedure_ids(&home);
    assert!(
        !ids.is_empty(),
        "the demo home page lists no procedure to check"
    );
    for id in ids {
        pages.push((format!("/demarches/{id}"), 200));
        pages.push((format!("/demarches/{id}/formulaire-papier"), 200));
    }

    for planner in PLANNER_PAGES {
        let (status, html) = server.get(planner);
        if status != 200 {
            continue;
        }
        pages.push(((*planner).to_owned(), 200));
        for link in planner_links(&html) {
            if !pages.iter().any(|(p, _)| *p == link) {
                pages.push((link, 200));
            }
        }
    }
    pages
}

fn run_axe(dir: &Path, base: &str, paths: &[String]) -> Value {
    let output = Command::new("node")
        .current_dir(dir)
        .arg("axe.mjs")
        .arg(base)
        .arg(serde_json::to_string(paths).unwrap())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "axe.mjs failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "axe.mjs printed no JSON report ({e}):\n{}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().map_or_else(|| s.to_string(), str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Everything wrong with one page, one line per problem.
fn problems(page: &Value, expected_status: u16) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(error) = page["error"].as_str() {
        out.push(format!("the browser could not check the page: {error}"));
        return out;
    }
    if page["status"].as_u64() != Some(u64::from(expected_status)) {
        out.push(format!(
            "answered HTTP {} instead of {expected_status}",
            page["status"]
        ));
    }
    if !page["html"].as_bool().unwrap_or(false) {
        return out;
    }
    for v in page["violations"].as_array().into_iter().flatten() {
        let tags = strings(&v["tags"]);
        if !is_wcag(&tags) {
            continue;
        }
        let wcag: Vec<&String> = tags.iter().filter(|t| t.starts_with("wcag")).collect();
        let targets: Vec<String> = v["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|n| strings(&n["target"]).join(" "))
            .collect();
        out.push(format!(
            "axe {} ({}, {}): {} — on {} — {}",
            v["id"].as_str().unwrap_or("?"),
            v["impact"].as_str().unwrap_or("?"),
            wcag.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            v["help"].as_str().unwrap_or(""),
            targets.join(", "),
            v["help_url"].as_str().unwrap_or("")
        ));
    }
    if page["lang"].as_str() != Some("fr") {
        out.push(format!("<html lang> is {} instead of \"fr\"", page["lang"]));
    }
    let h1 = strings(&page["h1"]);
    if h1.len() != 1 {
        out.push(format!("{} <h1> instead of one: {h1:?}", h1.len()));
    }
    for r in page["reflow"].as_array().into_iter().flatten() {
        if r["horizontal_scroll"].as_bool().unwrap_or(true) {
            let criterion = if r["text_spacing"].as_bool().unwrap_or(false) {
                "with increased text spacing; WCAG 1.4.12"
            } else {
                "WCAG 1.4.10"
            };
            out.push(format!(
                "scrolls sideways at {} CSS px (content {} px wide; {criterion}): {}",
                r["width"],
                r["scroll_width"],
                strings(&r["culprits"]).join(", ")
            ));
        }
    }
    let keyboard = &page["keyboard"];
    for f in keyboard["focus_not_visible"]
        .as_array()
        .into_iter()
        .flatten()
    {
        out.push(format!(
            "keyboard focus not visible on {} ({:?}; WCAG 2.4.7)",
            f["selector"].as_str().unwrap_or("?"),
            f["text"].as_str().unwrap_or("")
        ));
    }
    for u in strings(&keyboard["unreachable"]) {
        out.push(format!("never reached with Tab: {u} (WCAG 2.1.1)"));
    }
    out
}

#[test]
fn every_public_page_passes_axe_and_keyboard_and_reflow_checks_in_chromium() {
    let dir = require_tooling();
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(&["--demo"], data.path());
    let pages = pages_to_check(&server);
    let paths: Vec<String> = pages.iter().map(|(p, _)| p.clone()).collect();

    let started = Instant::now();
    let report = run_axe(&dir, &format!("http://{}", server.address), &paths);
    eprintln!(
        "browser: {} pages checked in {:.1} s (Chromium {}, axe-core {})",
        paths.len(),
        started.elapsed().as_secs_f64(),
        report["chromium"].as_str().unwrap_or("?"),
        report["axe"].as_str().unwrap_or("?"),
    );

    let checked = report["pages"].as_array().unwrap();
    assert_eq!(checked.len(), pages.len());
    let mut failures = Vec::new();
    for (page, (path, status)) in checked.iter().zip(&pages) {
        for p in problems(page, *status) {
            failures.push(format!("{path}: {p}"));
        }
        // Best-practice rules and checks axe could not conclude are worth a look, not a failure.
        for v in page["violations"].as_array().into_iter().flatten() {
            if !is_wcag(&strings(&v["tags"])) {
                eprintln!("browser: note {path}: axe best practice {}", v["id"]);
            }
        }
        for v in page["needs_review"].as_array().into_iter().flatten() {
            if is_wcag(&strings(&v["tags"])) {
                eprintln!(
                    "browser: note {path}: axe could not decide {}, review by hand",
                    v["id"]
                );
            }
        }
    }
    for link in report["links"].as_array().into_iter().flatten() {
        let status = link["status"].as_u64().unwrap_or(0);
        if !(200..400).contains(&status) {
            failures.push(format!(
                "{}: links to {} which answers HTTP {status}",
                link["from"].as_str().unwrap_or("?"),
                link["href"].as_str().unwrap_or("?")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} accessibility problem(s) on {} pages:\n{}",
        failures.len(),
        pages.len(),
        failures.join("\n")
    );
    assert!(server.terminate());
}
