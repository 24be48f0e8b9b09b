//! A case from the counter to its decision, in a real headless Chromium against the real server
//! (`serve --demo`), through the pages of two agents of the same town hall: the front desk
//! registers a person who refuses digital, opens and submits a case with her at the counter and
//! prints its receipt; the case officer finds it in her queue, starts examining it and asks for
//! a document; the front desk registers the letter that brings it (a scanned PDF and what the
//! letter says), which resumes the examination, and may neither decide nor open the queue
//! (403, journaled); the officer grants the request after previewing the letter she signs; the
//! person sees the decision at `/suivi`; the outbox holds the decision letter (by post only).
//! Every page reached, the refusal included, passes the same checks as `browser.rs` (axe-core
//! WCAG 2.1 A/AA, keyboard, reflow at 320 px). The browser side is `browser/officer_journey.mjs`.
#![allow(clippy::disallowed_methods)] // waits for a real browser process against the wall clock

use std::process::Command;

use guichet_domain::{Delivery, NotificationKind};
use serde_json::Value;

use crate::browser::{require_tooling, strings};
use crate::journey_report::{self, text};
use crate::support::Server;

/// Each page the journey must reach, in order: its label in the report, the HTTP status it
/// must answer and where the browser must be (`{id}` stands for the person's id, `{ref}` for
/// the case's reference).
const EXPECTED: &[(&str, u16, &str)] = &[
    // 1. The front desk: a person, a case at the counter, its receipt.
    ("guichet-connexion", 200, "/agents/connexion"),
    ("guichet-code", 200, "/agents/connexion/code"),
    ("guichet-accueil", 200, "/agents"),
    ("nouvelle-personne", 200, "/agents/personnes/nouvelle"),
    (
        "personne-enregistree",
        200,
        "/agents/personnes/{id}?enregistree=1",
    ),
    (
        "etape-1",
        200,
        "/demarches/copie-acte-etat-civil/en-ligne/etape/1",
    ),
    (
        "etape-2",
        200,
        "/demarches/copie-acte-etat-civil/en-ligne/etape/2",
    ),
    (
        "etape-3",
        200,
        "/demarches/copie-acte-etat-civil/en-ligne/etape/3",
    ),
    (
        "etape-4",
        200,
        "/demarches/copie-acte-etat-civil/en-ligne/etape/4",
    ),
    (
        "etape-5",
        200,
        "/demarches/copie-acte-etat-civil/en-ligne/etape/5",
    ),
    (
        "etape-6",
        200,
        "/demarches/copie-acte-etat-civil/en-ligne/etape/6",
    ),
    (
        "etape-7",
        200,
        "/demarches/copie-acte-etat-civil/en-ligne/etape/7",
    ),
    (
        "verification",
        200,
        "/demarches/copie-acte-etat-civil/en-ligne/verification",
    ),
    ("recepisse", 200, "/suivi/{ref}?envoye=1"),
    ("personne-dossier-depose", 200, "/agents/personnes/{id}"),
    ("guichet-deconnexion", 200, "/agents/connexion?deconnecte=1"),
    // 2. The officer: the queue, start, ask for a document.
    ("instructrice-connexion", 200, "/agents/connexion"),
    ("instructrice-code", 200, "/agents/connexion/code"),
    ("instructrice-accueil", 200, "/agents"),
    ("file", 200, "/instruction"),
    ("dossier", 200, "/instruction/dossiers/{ref}"),
    (
        "dossier-commence",
        200,
        "/instruction/dossiers/{ref}?fait=commencer",
    ),
    (
        "dossier-pieces-demandees",
        200,
        "/instruction/dossiers/{ref}?fait=pieces",
    ),
    (
        "instructrice-deconnexion",
        200,
        "/agents/connexion?deconnecte=1",
    ),
    // 3. The front desk: the letter that brings the document; no deciding.
    ("guichet2-connexion", 200, "/agents/connexion"),
    ("guichet2-code", 200, "/agents/connexion/code"),
    ("guichet2-accueil", 200, "/agents"),
    ("personne-pieces-attendues", 200, "/agents/personnes/{id}"),
    (
        "personne-courrier-enregistre",
        200,
        "/agents/personnes/{id}?courrier=1",
    ),
    ("file-refusee", 403, "/instruction"),
    ("guichet2-accueil-refus-journalise", 200, "/agents"),
    (
        "guichet2-deconnexion",
        200,
        "/agents/connexion?deconnecte=1",
    ),
    // 4. The officer decides.
    ("instructrice2-connexion", 200, "/agents/connexion"),
    ("instructrice2-code", 200, "/agents/connexion/code"),
    ("instructrice2-accueil", 200, "/agents"),
    ("dossier-courrier-recu", 200, "/instruction/dossiers/{ref}"),
    // The preview answers the form's POST at the case's address.
    ("apercu-decision", 200, "/instruction/dossiers/{ref}"),
    (
        "dossier-decide",
        200,
        "/instruction/dossiers/{ref}?fait=decider",
    ),
    (
        "instructrice2-deconnexion",
        200,
        "/agents/connexion?deconnecte=1",
    ),
    // 5. The person follows her case.
    ("suivi", 200, "/suivi"),
    ("suivi-dossier-decide", 200, "/suivi/{ref}"),
];

/// What the letter brought, as the front desk types it (officer_journey.mjs).
const LETTER_SAYS: &str = "Veuillez trouver ci-joint la copie de ma carte d’identité.";
const MOTIVATION: &str = "Vous êtes la personne concernée par l’acte et votre identité est \
                          justifiée : la copie intégrale vous est délivrée.";

/// Fails with `what` and the report's text at `key` unless that text contains every one of
/// `needles`.
fn says(report: &Value, key: &str, needles: &[&str], what: &str) {
    let t = text(report, key);
    for n in needles {
        assert!(t.contains(n), "{what}: « {n} » is missing from {key}:\n{t}");
    }
}

#[test]
fn a_case_goes_from_the_counter_through_a_request_for_documents_and_the_post_to_its_decision_in_chromium()
 {
    let dir = require_tooling();
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(&["--demo"], data.path());
    let receipt = data.path().join("recepisse.pdf");
    let report = journey_report::run(
        "officer",
        &dir,
        "officer_journey.mjs",
        &format!("http://{}", server.address),
        &[receipt.as_path()],
        EXPECTED,
    );
    let person_url = text(&report, "person_url");
    let id = person_url
        .strip_prefix("/agents/personnes/")
        .and_then(|rest| rest.strip_suffix("?enregistree=1"))
        .unwrap_or_else(|| panic!("registering led to {person_url:?}, not the person's page"));
    assert!(!id.is_empty() && !id.contains(['/', '?']), "{person_url}");
    let reference = text(&report, "reference");
    assert!(
        guichet_domain::CaseReference::parse(reference).is_ok(),
        "the form's first step gave the reference {reference:?}"
    );
    let code = text(&report, "follow_up_code");
    assert_eq!(
        code.len(),
        9,
        "the form's first step gave the code {code:?}"
    );

    journey_report::check_pages(
        "officer",
        &report,
        EXPECTED,
        &[("{id}", id), ("{ref}", reference)],
    );

    // 1. The form asked its questions one per step; the receipt printed at the counter is a
    // PDF with the reference and the follow-up code.
    assert_eq!(
        strings(&report["questions"]),
        [
            "acte",
            "forme",
            "nom",
            "prenoms",
            "date_acte",
            "lien",
            "adresse_envoi"
        ]
    );
    let pdf = &report["receipt_pdf"];
    assert_eq!(pdf["status"], 200, "{pdf}");
    assert_eq!(pdf["type"], "application/pdf", "{pdf}");
    assert_eq!(pdf["starts"], "%PDF-", "{pdf}");
    let printed = Command::new("pdftotext")
        .arg(&receipt)
        .arg("-")
        .output()
        .expect("pdftotext (Debian package poppler-utils, installed by scripts/test)");
    let printed = String::from_utf8_lossy(&printed.stdout);
    for needle in [reference, code, "Hélène LEFÈVRE", "Accusé de réception"] {
        assert!(printed.contains(needle), "{needle}: {printed}");
    }
    says(
        &report,
        "person_after_submit",
        &[reference, "Déposé"],
        "her page at the desk",
    );

    // 2. The case is in the town hall's queue; examining starts, then waits for a document.
    assert_eq!(report["queue_has_case"], true);
    says(
        &report,
        "started_text",
        &["L’instruction est commencée.", "En cours d’instruction"],
        "started",
    );
    says(
        &report,
        "requested_text",
        &["En attente de pièces", "Copie de votre pièce d’identité"],
        "documents requested",
    );

    // 3. At the desk the case waits for the document; the letter registered resumes it. The
    // front desk may not decide nor open the queue, and sees the refusals among its events.
    says(
        &report,
        "person_waiting",
        &["En attente de pièces"],
        "her page, waiting",
    );
    says(
        &report,
        "post_registered",
        &["Le courrier est enregistré", "En cours d’instruction"],
        "the letter registered",
    );
    assert_eq!(report["desk_decide_status"], 403);
    says(
        &report,
        "queue_refused_text",
        &["Votre rôle ne permet pas cette action"],
        "the queue refused to the front desk",
    );
    says(
        &report,
        "desk_home_after_refusal",
        &["Vos dernières connexions", "accès refusé"],
        "the front desk's events",
    );

    // 4. The officer sees the scan, what the letter says, who brought it; the preview shows the
    // letter she signs; the case is decided.
    says(
        &report,
        "case_with_post",
        &[
            "En cours d’instruction",
            LETTER_SAYS,
            "courrier-piece-identite.pdf",
            "Nadia Benali (accueil), par courrier",
            "Instruction reprise",
        ],
        "the case after the letter",
    );
    says(
        &report,
        "preview_text",
        &[
            "Avant d’envoyer : demande accordée",
            reference,
            code,
            MOTIVATION,
            "Sophie Lambert",
            "Officière d’état civil, mairie de Saint-Clair-sur-Lys",
        ],
        "the preview of the letter",
    );
    says(
        &report,
        "decided_text",
        &["La décision est enregistrée", "Accordé", "Demande accordée"],
        "the decided case",
    );

    // 5. The person sees the decision and its motive.
    says(
        &report,
        "followed_text",
        &["Accordé", "Votre demande est accordée", MOTIVATION],
        "the follow-up page",
    );
    assert!(server.terminate());

    // The outbox: she refuses digital, so everything goes by post — the receipt, the request
    // for the document, and the decision letter, signed by the officer.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let intents = runtime.block_on(async {
        let store = guichet_store::Store::open_sqlite(&data.path().join("guichet.db"))
            .await
            .unwrap();
        let intents = store.list_intents(None, 10_000).await.unwrap();
        store.close().await;
        intents
    });
    let ours: Vec<_> = intents
        .iter()
        .filter(|i| i.case_reference.as_deref() == Some(reference))
        .collect();
    assert!(
        ours.iter().all(|i| i.channel == Delivery::Letter),
        "{:?}",
        ours.iter().map(|i| (i.kind, i.channel)).collect::<Vec<_>>()
    );
    let mut kinds: Vec<NotificationKind> = ours.iter().map(|i| i.kind).collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            NotificationKind::Receipt,
            NotificationKind::DocumentsRequest,
            NotificationKind::Decision
        ],
        "the case's notifications"
    );
    let decision = ours
        .iter()
        .find(|i| i.kind == NotificationKind::Decision)
        .unwrap();
    for needle in ["Sophie Lambert", "Officière d’état civil", reference] {
        assert!(
            decision.payload.contains(needle),
            "{needle} is not in the decision letter: {}",
            decision.payload
        );
    }
}
