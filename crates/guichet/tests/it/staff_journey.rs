//! An agent's journey through the staff pages, in a real headless Chromium against the real
//! server (`serve --demo`): signing in with a wrong password then the right one, a wrong TOTP
//! code then the right one → the agents' home → « Retrouver une personne » (the search field
//! focused on arrival, a search, a search without result) → registering a person who refuses
//! digital, a missing family name first → finding her again despite a typo → a request a person
//! started online and stopped after her details, which the front desk finds by its reference,
//! takes over (« Reprendre la demande avec la personne ») and sends with her at the counter →
//! signing out (the pages behind sign-in are closed again) → another operator's case officer signing in, whom her
//! page refuses with a 403 that says why. Every page reached, error pages included, passes the
//! same checks as `browser.rs` (axe-core WCAG 2.1 A/AA, keyboard, reflow at 320 px).
#![allow(clippy::disallowed_methods)] // waits for a real browser process against the wall clock

use crate::browser::{require_tooling, strings};
use crate::journey_report::{self, text};
use crate::support::Server;

/// Each page the journey must reach, in order: its label in the report, the HTTP status it
/// must answer and where the browser must be (`{id}` stands for the registered person's id,
/// `{ref}` for the reference of the request started online, `{online}` for its person's id).
const EXPECTED: &[(&str, u16, &str)] = &[
    ("connexion", 200, "/agents/connexion"),
    ("connexion-erreur", 422, "/agents/connexion"),
    ("code", 200, "/agents/connexion/code"),
    ("code-erreur", 422, "/agents/connexion/code"),
    ("accueil", 200, "/agents"),
    ("personnes", 200, "/agents/personnes"),
    ("personnes-martin", 200, "/agents/personnes?q=martin"),
    (
        "personnes-sans-resultat",
        200,
        "/agents/personnes?q=Lef%C3%A8vre+H%C3%A9l%C3%A8ne",
    ),
    ("nouvelle", 200, "/agents/personnes/nouvelle"),
    ("nouvelle-erreur", 422, "/agents/personnes/nouvelle"),
    (
        "personne-enregistree",
        200,
        "/agents/personnes/{id}?enregistree=1",
    ),
    ("personnes-lefevbre", 200, "/agents/personnes?q=lefevbre"),
    ("personne", 200, "/agents/personnes/{id}"),
    (
        "desk-etape",
        200,
        "/demarches/copie-acte-etat-civil/en-ligne/etape/1",
    ),
    ("personne-avec-dossier", 200, "/agents/personnes/{id}"),
    ("orienter", 200, "/agents/orienter"),
    ("orienter-erreur", 422, "/agents/orienter"),
    (
        "orienter-enregistree",
        200,
        "/agents/orienter?enregistree=1",
    ),
    ("chiffres", 200, "/agents/chiffres"),
    ("alertes", 200, "/agents/alertes"),
    (
        "ligne-debut",
        200,
        "/demarches/inscription-cantine/en-ligne",
    ),
    (
        "ligne-coordonnees",
        200,
        "/demarches/inscription-cantine/en-ligne/coordonnees",
    ),
    (
        "ligne-etape-1",
        200,
        "/demarches/inscription-cantine/en-ligne/etape/1",
    ),
    ("ligne-pause", 200, "/suivi/{ref}?pause=1"),
    ("reprise-personne", 200, "/agents/personnes/{online}"),
    (
        "reprise-etape-1",
        200,
        "/demarches/inscription-cantine/en-ligne/etape/1",
    ),
    (
        "reprise-etape-2",
        200,
        "/demarches/inscription-cantine/en-ligne/etape/2",
    ),
    (
        "reprise-etape-3",
        200,
        "/demarches/inscription-cantine/en-ligne/etape/3",
    ),
    (
        "reprise-etape-adresse",
        200,
        "/demarches/inscription-cantine/en-ligne/etape/4",
    ),
    (
        "reprise-etape-quotient",
        200,
        "/demarches/inscription-cantine/en-ligne/etape/5",
    ),
    (
        "reprise-verification",
        200,
        "/demarches/inscription-cantine/en-ligne/verification",
    ),
    ("reprise-recepisse", 200, "/suivi/{ref}?envoye=1"),
    ("reprise-personne-apres", 200, "/agents/personnes/{online}"),
    ("deconnexion", 200, "/agents/connexion?deconnecte=1"),
    (
        "agents-apres-deconnexion",
        200,
        "/agents/connexion?expiree=1",
    ),
    ("ccas-connexion", 200, "/agents/connexion"),
    ("ccas-code", 200, "/agents/connexion/code"),
    ("ccas-accueil", 200, "/agents"),
    ("ccas-personne-refusee", 403, "/agents/personnes/{id}"),
];

#[test]
fn an_agent_signs_in_registers_and_finds_a_person_and_another_operator_is_refused_in_chromium() {
    let dir = require_tooling();
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(&["--demo"], data.path());
    let report = journey_report::run(
        "staff",
        &dir,
        "staff_journey.mjs",
        &format!("http://{}", server.address),
        &[],
        EXPECTED,
    );
    let person_url = text(&report, "person_url");
    let id = person_url
        .strip_prefix("/agents/personnes/")
        .and_then(|rest| rest.strip_suffix("?enregistree=1"))
        .unwrap_or_else(|| panic!("registering led to {person_url:?}, not the person's page"));
    assert!(!id.is_empty() && !id.contains(['/', '?']), "{person_url}");
    // The draft started online: its reference, shown to the person, and her page at the desk.
    let reference = text(&report, "draft_reference");
    assert!(
        reference.starts_with("GX-") && reference.len() == 12,
        "the first step showed no reference: {}",
        text(&report, "online_step_text")
    );
    let online_url = text(&report, "online_person_url");
    let online = online_url
        .strip_prefix("/agents/personnes/")
        .unwrap_or_else(|| panic!("searching {reference} led to {online_url:?}, not her page"));
    assert!(
        !online.is_empty() && !online.contains(['/', '?']) && online != id,
        "{online_url}"
    );
    let placeholders = [("{id}", id), ("{ref}", reference), ("{online}", online)];

    journey_report::check_pages("staff", &report, EXPECTED, &placeholders);

    // Signing in: what was typed stays after a wrong password, the field to fix has the focus.
    assert_eq!(
        report["wrong_password_login_kept"],
        "accueil@saint-clair.example"
    );
    assert_eq!(report["wrong_password_focus"], "identifiant");
    assert_eq!(report["wrong_code_focus"], "code");
    assert!(text(&report, "home_text").contains("Nadia Benali"));

    // Finding people: the search field has the focus on arrival; nobody is found before she
    // is registered, and she is found after despite the typo.
    assert_eq!(report["search_focus"], "q");
    assert!(
        !strings(&report["martin_results"])
            .iter()
            .any(|r| r.contains("LEFÈVRE")),
        "{}",
        report["martin_results"]
    );
    assert_eq!(report["no_result_results"], serde_json::json!([]));
    let typo = strings(&report["typo_results"]);
    assert!(
        typo.len() == 1 && typo[0].contains("Hélène LEFÈVRE") && typo[0].contains("14/07/1946"),
        "« lefevbre » found {typo:?}"
    );
    assert!(typo[0].contains("refuse le numérique"), "{typo:?}");
    assert_eq!(
        text(&report, "opened_url"),
        format!("/agents/personnes/{id}")
    );

    // Registering: a missing family name is said, the other answers stay.
    let errors = strings(&report["missing_name_errors"]);
    assert!(
        errors.len() == 1 && errors[0].contains("Nom de famille"),
        "{errors:?}"
    );
    let kept = &report["missing_name_kept"];
    assert_eq!(kept["prenom"], "Hélène");
    assert_eq!(kept["naissance"], "14/07/1946");
    assert_eq!(kept["commune"], "Saint-Clair-sur-Lys");
    assert_eq!(kept["contact"], "Par courrier");
    assert_eq!(
        kept["numerique"],
        "Je refuse le numérique : ne jamais me prévenir par courriel ni par SMS"
    );
    // Her page tells the agent how to reach her: by post only, as she refuses digital.
    let contact = text(&report, "person_contact");
    assert!(
        contact.contains("refuse") && contact.contains("courrier"),
        "« Comment la prévenir » says {contact:?}"
    );
    let person = text(&report, "person_text");
    assert!(person.contains("La personne est enregistrée."), "{person}");
    assert!(
        person.contains("3 rue des Lilas, 59990 Saint-Clair-sur-Lys"),
        "{person}"
    );

    // A request started online, finished at the counter: the person stops after giving her
    // details, keeping the reference; the front desk finds her by it and, on her page, takes
    // the draft over; the generated form continues where she stopped, and the request is sent.
    let paused = text(&report, "paused_text");
    assert!(
        paused.contains("Vos réponses sont enregistrées") && paused.contains(reference),
        "{paused}"
    );
    let her_page = text(&report, "online_person_text");
    assert!(
        her_page.contains("Samia") && her_page.contains("HADDAD"),
        "{her_page}"
    );
    assert!(
        her_page.contains("Reprendre la demande avec la personne"),
        "{her_page}"
    );
    assert!(
        text(&report, "takeover_step_text").contains(reference),
        "the step taken over names another draft: {}",
        text(&report, "takeover_step_text")
    );
    let review = text(&report, "takeover_review_text");
    for answer in ["Samia", "Inès Haddad", "École Louise-Michel", "620"] {
        assert!(
            review.contains(answer),
            "{answer} not on the review: {review}"
        );
    }
    let receipt = text(&report, "takeover_receipt_text");
    assert!(receipt.contains(reference), "{receipt}");
    // The journal says who did what, through which channel: opened online by her, answered
    // and sent at the counter by the front desk.
    assert!(
        receipt.contains("en ligne, par vous-même")
            && receipt.contains("Demande déposée\n\nau guichet, par un agent d’accueil"),
        "{receipt}"
    );
    let after = text(&report, "online_person_after_text");
    assert!(
        !after.contains("Reprendre la demande avec la personne") && !after.contains("Brouillon"),
        "{after}"
    );

    // Signing out closes the pages behind sign-in.
    assert!(
        text(&report, "figures_text").contains("CAF : 1"),
        "the orientation is counted in the figures"
    );
    assert_eq!(report["signed_out_url"], "/agents/connexion?deconnecte=1");
    assert_eq!(report["after_sign_out_url"], "/agents/connexion?expiree=1");
    assert_eq!(
        report["person_after_sign_out_url"],
        "/agents/connexion?expiree=1"
    );

    // The CCAS's case officer may not see a person known to the town hall only, and is told why.
    let refused = text(&report, "refused_text");
    assert!(refused.contains("autre organisme"), "{refused}");
    // The way forward from the refusal is the agents' home, not the public portal's.
    assert!(
        strings(&report["refused_links"]).contains(&"/agents".to_owned()),
        "{}",
        report["refused_links"]
    );
    assert!(server.terminate());
}
