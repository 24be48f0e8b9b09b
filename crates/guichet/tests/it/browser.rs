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
//! spacing, a missing `<title>`, a skip link that is not the first Tab stop or leads nowhere, a
//! keyboard stop without a visible focus, an interactive element Tab never reaches, a broken
//! same-origin link.
//!
//! Chromium, Node and the npm packages are installed by `scripts/test`; without them this test
//! fails and says so rather than skipping (a skipped accessibility check looks like a pass).
#![allow(clippy::disallowed_methods)] // waits for a real browser process against the wall clock

use std::collections::VecDeque;
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
    // Where to go: a postcode of several communes, a commune's nearest places, a procedure's
    // counters, and an unknown commune.
    ("/lieux", 200),
    ("/lieux?q=01000", 200),
    ("/lieux?q=42000", 200),
    ("/lieux?q=lille&demarche=inscription-cantine", 200),
    ("/lieux?q=zzqxwv", 404),
    // The agents' sign-in (the pages behind it need a second factor: see the journeys).
    ("/agents/connexion", 200),
    ("/agents/connexion?expiree=1", 200),
    // The person's account, if they want one (the pages behind sign-in are covered by the
    // web tests, not by this check).
    ("/compte/creer", 200),
    ("/compte/creer/envoye", 200),
    ("/compte/connexion", 200),
    ("/compte/mot-de-passe-oublie", 200),
    ("/compte/mot-de-passe-oublie?envoye=1", 200),
    ("/compte/confirmer?jeton=perime", 410),
    ("/page-qui-n-existe-pas", 404),
    ("/demarches/demarche-inconnue", 404),
];

/// The territory planner's pages (distance-temps). While the server computes its report they
/// answer 503; the test waits for it, then checks each of these and one page of every other
/// `/territoire…` route linked from them. Add new planner pages here.
const PLANNER_PAGES: &[&str] = &[
    "/territoire",
    "/territoire/couverture",
    "/territoire/acces",
    "/territoire/implantations",
];

/// How long the planner's report may take to compute at start-up (a debug build on 2 cores).
const PLANNER_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

const WCAG_TAGS: &[&str] = &["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

pub(crate) fn is_wcag(tags: &[String]) -> bool {
    tags.iter().any(|t| WCAG_TAGS.contains(&t.as_str()))
}

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// Fails with the way to fix it when the browser tooling is not installed.
pub(crate) fn require_tooling() -> PathBuf {
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

/// A link's route: its path with the segments that hold data (codes, numbers) generalised, so
/// that one département page stands for all of them.
fn route_shape(link: &str) -> String {
    let path = link.split(['?', '#']).next().unwrap_or_default();
    path.split('/')
        .map(|segment| {
            if segment.chars().any(|c| c.is_ascii_digit()) {
                "{}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The planner pages to check, once the server has computed its report; none if it has no
/// planner.
fn planner_pages(server: &Server) -> Vec<(String, u16)> {
    let started = Instant::now();
    let (mut status, mut html) = server.get(PLANNER_PAGES[0]);
    while status == 503 && started.elapsed() < PLANNER_WAIT {
        std::thread::sleep(std::time::Duration::from_millis(500));
        (status, html) = server.get(PLANNER_PAGES[0]);
    }
    match status {
        404 => return Vec::new(),
        // No territorial data on this instance: the page that says so must be accessible too.
        503 => {
            eprintln!("browser: note: {} still answers 503", PLANNER_PAGES[0]);
            return vec![(PLANNER_PAGES[0].to_owned(), 503)];
        }
        _ => {}
    }
    let mut pages: Vec<(String, u16)> = Vec::new();
    let mut shapes: Vec<String> = Vec::new();
    let mut pending: VecDeque<String> = PLANNER_PAGES.iter().map(|p| (*p).to_owned()).collect();
    let mut first = Some(html);
    while let Some(link) = pending.pop_front() {
        let shape = route_shape(&link);
        let listed = PLANNER_PAGES.contains(&link.as_str());
        if pages.iter().any(|(p, _)| *p == link) || (!listed && shapes.contains(&shape)) {
            continue;
        }
        let is_file = shape
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'));
        shapes.push(shape);
        pages.push((link.clone(), 200));
        if is_file {
            // A file (CSV, GeoJSON, a map): the browser checks that it answers, axe skips it.
            continue;
        }
        let (status, html) = match first.take() {
            Some(html) => (status, html),
            None => server.get(&link),
        };
        if status == 200 {
            pending.extend(planner_links(&html));
        }
    }
    pages
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

    pages.extend(planner_pages(server));
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

pub(crate) fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().map_or_else(|| s.to_string(), str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Everything wrong with one page, one line per problem.
pub(crate) fn problems(page: &Value, expected_status: u16) -> Vec<String> {
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
            let culprits = strings(&r["culprits"]);
            // A data table may need two dimensions (WCAG's exception), but then it scrolls in
            // its own container and the page still fits.
            let hint = if culprits.iter().any(|c| c.starts_with("table")) {
                " — wrap wide tables in a scrolling container (overflow-x: auto, like the DSFR's \
                 .fr-table), focusable and labelled"
            } else {
                ""
            };
            out.push(format!(
                "scrolls sideways at {} CSS px (content {} px wide; {criterion}): {}{hint}",
                r["width"],
                r["scroll_width"],
                culprits.join(", ")
            ));
        }
    }
    if page["title"].as_str().is_none_or(|t| t.trim().is_empty()) {
        out.push("no <title> (WCAG 2.4.2)".to_owned());
    }
    let keyboard = &page["keyboard"];
    let skip = &keyboard["skip_link"];
    if !skip.is_null() {
        if skip["first"].as_bool() != Some(true) {
            out.push("the skip link « Aller au contenu » is not the first Tab stop".to_owned());
        }
        if skip["target_exists"].as_bool() != Some(true) {
            out.push("the skip link leads to no element with id=\"contenu\"".to_owned());
        }
    }
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
