//! A person's whole online request, in a real headless Chromium against the real server
//! (`serve --demo`): search → procedure → « où aller » → the form across its pages with a
//! validation error and its correction → a file attached → check answers → contact preferences
//! changed to refuse digital → submission → receipt and its PDF → following the case from
//! another browser without an account → feedback. Every page reached, error states included,
//! passes the same checks as `browser.rs` (axe-core WCAG 2.1 A/AA, keyboard, reflow at 320 px).
//! Then the database says what a person who refused digital must get: the receipt by post only.
#![allow(clippy::disallowed_methods)] // waits for a real browser process against the wall clock

use std::process::Command;

use guichet_domain::Delivery;
use serde_json::Value;

use crate::browser::{is_wcag, problems, require_tooling, strings};
use crate::support::Server;

#[test]
fn a_person_completes_an_online_request_in_chromium_and_every_page_passes_axe() {
    let dir = require_tooling();
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(&["--demo"], data.path());
    let pdf = data.path().join("recepisse.pdf");
    let output = Command::new("node")
        .current_dir(&dir)
        .arg("journey.mjs")
        .arg(format!("http://{}", server.address))
        .arg(&pdf)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "journey.mjs printed no JSON report ({e}):\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert!(
        report["error"].is_null(),
        "the journey stopped at « {} »: {}",
        report["failed_at"].as_str().unwrap_or("?"),
        report["error"].as_str().unwrap_or("?")
    );

    let mut failures = Vec::new();
    for page in report["pages"].as_array().into_iter().flatten() {
        let label = page["path"].as_str().unwrap_or("?");
        for p in problems(page, 200) {
            failures.push(format!("{label}: {p}"));
        }
        let title = page["title"].as_str().unwrap_or("");
        if page["expect_error"].as_bool() == Some(true) && !title.starts_with("Erreur\u{a0}: ") {
            failures.push(format!("{label}: a page with errors titled « {title} »"));
        }
        for v in page["violations"].as_array().into_iter().flatten() {
            if !is_wcag(&strings(&v["tags"])) {
                eprintln!("journey: note {label}: axe best practice {}", v["id"]);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problem(s) on the journey's pages:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "journey: {} pages checked: {}",
        report["pages"].as_array().map_or(0, Vec::len),
        strings(&report["steps"]).join(" → ")
    );

    // The other answers stay when one is wrong.
    assert_eq!(report["identity_kept"], "Jeanne");
    assert_eq!(report["date_error_kept"], "Léa Martin");

    // The receipt: its PDF carries the reference and the follow-up code.
    let reference = report["reference"]
        .as_str()
        .expect("a reference on the check page");
    let code = report["follow_up_code"]
        .as_str()
        .expect("a code on the receipt page");
    assert_eq!(report["pdf_status"], 200);
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (Debian package poppler-utils, installed by scripts/test)");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(reference), "{text}");
    assert!(text.contains(code), "{text}");
    assert!(
        report["followed_text"]
            .as_str()
            .unwrap_or("")
            .contains("Déposé"),
        "{}",
        report["followed_text"]
    );
    // The demo account signed in and added the case with its code.
    assert!(
        report["account_text"]
            .as_str()
            .unwrap_or("")
            .contains(reference),
        "{}",
        report["account_text"]
    );
    assert!(
        report["feedback_text"]
            .as_str()
            .unwrap_or("")
            .contains("Merci")
    );
    assert!(server.terminate());

    // She gave an email and chose it, then refused digital before sending: the receipt went
    // to the outbox as a letter, and as nothing else.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let channels: Vec<Delivery> = runtime.block_on(async {
        let store = guichet_store::Store::open_sqlite(&data.path().join("guichet.db"))
            .await
            .unwrap();
        let intents = store.list_intents(None, 10_000).await.unwrap();
        store.close().await;
        intents
            .into_iter()
            .filter(|i| i.case_reference.as_deref() == Some(reference))
            .map(|i| i.channel)
            .collect()
    });
    assert_eq!(channels, vec![Delivery::Letter]);
}
