//! Case officers at `/instruction`: the queue of their operator only, sorted by legal due
//! date and exported as CSV; one case examined, documents asked with a reply date, the paper
//! reply registered at the front desk resuming the examination, the decision previewed then
//! sent with a signed letter; two officers deciding at once; bulk work that refuses what the
//! officer may not do case by case; a front-desk agent refused and journaled.

use axum::http::StatusCode;
use guichet_domain::{CaseState, Delivery, NotificationKind, Outcome};

use crate::desk_print_alerts::case_for;
use crate::staff::signed_in_demo;
use crate::support::TestApp;

const DESK: &str = "accueil@saint-clair.example";
const OFFICER: &str = "instruction.mairie@saint-clair.example";
const OTHER_OFFICER: &str = "instruction.ccas@saint-clair.example";

fn person(n: u128) -> guichet_domain::Person {
    use guichet_domain::*;
    Person {
        id: PersonId::from_uuid(uuid::Uuid::from_u128(7000 + n)),
        name: PersonName::parse("Marcel", &format!("Dupuis{n}")).unwrap(),
        birth_date: chrono::NaiveDate::from_ymd_opt(1941, 3, 2),
        address: Some(
            PostalAddress::parse(&["12 rue de la Gare"], "59990", "Saint-Clair-sur-Lys").unwrap(),
        ),
        email: None,
        phone: None,
        preferences: ContactPreferences::new(
            [ContactChannel::Post],
            true,
            AccessibleFormats::default(),
        ),
    }
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

#[tokio::test]
async fn an_officer_asks_for_a_document_that_arrives_by_post_then_decides_with_a_signed_letter() {
    TestApp::builder()
        .demo_procedures()
        .on_both_engines(|app| async move {
            let p = person(1);
            let reference = case_for(&app, "copie-acte-etat-civil", &p, &[]).await;
            let theirs = case_for(&app, "aide-sociale-urgence", &person(2), &[]).await;
            let mut officer = signed_in_demo(&app, OFFICER).await;

            // The queue lists the town hall's case, not the CCAS's.
            let queue = officer.get("/instruction").await;
            assert_eq!(queue.status, StatusCode::OK, "{}", queue.text());
            assert!(queue.text().contains(reference.as_str()));
            assert!(!queue.text().contains(theirs.as_str()));
            let csv = officer.get("/instruction.csv").await;
            assert!(csv.content_type().starts_with("text/csv"));
            assert!(csv.text().starts_with("reference,demarche,personne,etat"));
            assert!(csv.text().contains(reference.as_str()));
            // Another operator's case is refused, and journaled.
            let r = officer
                .get(&format!("/instruction/dossiers/{theirs}"))
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);

            let page = format!("/instruction/dossiers/{reference}");
            let r = officer.get(&page).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            let seen = r.hidden_input("vu").unwrap();
            let r = officer
                .post_form(&page, &[("action", "commencer"), ("vu", &seen)])
                .await;
            assert_eq!(
                r.location(),
                Some(format!("{page}?fait=commencer").as_str())
            );
            let r = officer.get(&format!("{page}?fait=commencer")).await;
            assert!(r.page_text().contains("L’instruction est commencée."));
            let seen = r.hidden_input("vu").unwrap();
            // A reply date in the past is refused, nothing is written.
            let r = officer
                .post_form(
                    &page,
                    &[
                        ("action", "pieces"),
                        ("vu", &seen),
                        ("autres", "Justificatif de domicile"),
                        ("date_reponse", "2020-01-01"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(r.page_text().contains("doit être dans le futur"));
            let r = officer
                .post_form(
                    &page,
                    &[
                        ("action", "pieces"),
                        ("vu", &seen),
                        ("autres", "Justificatif de domicile"),
                        ("date_reponse", "2099-01-31"),
                        ("message", "Une facture de moins de trois mois suffit."),
                    ],
                )
                .await;
            assert!(r.location().is_some(), "{}", r.text());
            let case = app.store().load_case(&reference).await.unwrap();
            assert_eq!(case.state, CaseState::WaitingForDocuments);
            assert!(case.reply_by.is_some());
            // The person refuses digital: the request reaches them by letter.
            let intents = app.store().list_intents(None, 100).await.unwrap();
            assert!(
                intents
                    .iter()
                    .any(|i| i.case_reference.as_deref() == Some(reference.as_str())
                        && i.kind == NotificationKind::DocumentsRequest
                        && i.channel == Delivery::Letter)
            );

            // The paper reply arrives by post and is registered at the front desk.
            let mut desk = signed_in_demo(&app, DESK).await;
            desk.get(&format!("/agents/personnes/{}", p.id)).await;
            // Neither pages nor words: refused next to the form, the date and nothing else lost.
            let r = desk
                .post_multipart(
                    &format!("/agents/dossiers/{reference}/courrier"),
                    &[("recu_le", "2020-01-02"), ("contenu", "")],
                    &[],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            let refused = r.text();
            assert!(
                refused.contains("Erreur\u{a0}: Joignez les pages numérisées"),
                "{refused}"
            );
            assert!(refused.contains("value=\"2020-01-02\""), "{refused}");
            let r = desk
                .post_multipart(
                    &format!("/agents/dossiers/{reference}/courrier"),
                    &[
                        ("recu_le", ""),
                        ("contenu", "Voici ma facture d’électricité."),
                    ],
                    &[("scans", "facture.pdf", PDF)],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
            let case = app.store().load_case(&reference).await.unwrap();
            assert_eq!(
                case.state,
                CaseState::UnderExamination,
                "documents resume the examination"
            );
            assert!(case.documents.iter().any(|d| d.scanned_from_paper));

            // The officer sees the scan and the message, previews the decision, then sends it.
            let r = officer.get(&page).await;
            let text = r.page_text();
            assert!(text.contains("facture.pdf") && text.contains("papier numérisé"));
            assert!(text.contains("Voici ma facture d’électricité."));
            let sha = &case.documents[0].sha256;
            let doc = officer.get(&format!("{page}/pieces/{sha}")).await;
            assert_eq!(doc.status, StatusCode::OK);
            assert_eq!(doc.content_type(), "application/pdf");
            let seen = officer.get(&page).await.hidden_input("vu").unwrap();
            // No motivation: refused with the domain's words.
            let r = officer
                .post_form(
                    &page,
                    &[
                        ("action", "apercu"),
                        ("vu", &seen),
                        ("sens", "refused"),
                        ("motivation", " "),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            let motivation =
                "Vous ne justifiez pas d’un lien avec la personne dont vous demandez l’acte.";
            let r = officer
                .post_form(
                    &page,
                    &[
                        ("action", "apercu"),
                        ("vu", &seen),
                        ("sens", "refused"),
                        ("motivation", motivation),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            let preview = r.page_text();
            assert!(preview.contains("Sophie Lambert"), "{preview}");
            assert!(preview.contains("tribunal administratif"), "{preview}");
            assert!(preview.contains(motivation.trim_end_matches('.')));
            // Nothing written by the preview.
            let case = app.store().load_case(&reference).await.unwrap();
            assert_eq!(case.state, CaseState::UnderExamination);

            // A colleague acts meanwhile: the stale confirmation is refused with what changed.
            desk.get(&format!("/agents/personnes/{}", p.id)).await;
            desk.post_form(
                &format!("/agents/dossiers/{reference}/contact"),
                &[
                    ("contact", "appel"),
                    ("resume", "A demandé où en est son dossier."),
                ],
            )
            .await;
            let r = officer
                .post_form(
                    &page,
                    &[
                        ("action", "decider"),
                        ("vu", &seen),
                        ("sens", "refused"),
                        ("motivation", motivation),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
            assert!(
                r.page_text()
                    .contains("a été modifié pendant que vous le consultiez")
            );
            assert!(r.page_text().contains("Note ajoutée"));
            let case = app.store().load_case(&reference).await.unwrap();
            assert_eq!(
                case.state,
                CaseState::UnderExamination,
                "nothing half-applied"
            );

            // Confirmed on the fresh version: decided, with its letter in the same transaction.
            let seen = r.hidden_input("vu").unwrap();
            let r = officer
                .post_form(
                    &page,
                    &[
                        ("action", "decider"),
                        ("vu", &seen),
                        ("sens", "refused"),
                        ("motivation", motivation),
                    ],
                )
                .await;
            assert!(r.location().is_some(), "{}", r.text());
            let case = app.store().load_case(&reference).await.unwrap();
            assert_eq!(case.state, CaseState::Decided(Outcome::Refused));
            let letter = app
                .store()
                .list_intents(None, 100)
                .await
                .unwrap()
                .into_iter()
                .find(|i| {
                    i.case_reference.as_deref() == Some(reference.as_str())
                        && i.kind == NotificationKind::Decision
                        && i.channel == Delivery::Letter
                })
                .expect("a decision letter");
            assert!(letter.payload.contains("Sophie Lambert"));
            assert!(letter.payload.contains("recours"));
            // The person's follow-up page shows the decision and its motive, and lets them
            // write to the service; their message joins the officer's thread.
            let mut visitor = app.fresh_visitor();
            visitor.get("/suivi").await;
            let code = guichet_notify::plan::follow_up_code(&case);
            let r = visitor
                .post_form(
                    "/suivi",
                    &[("reference", reference.as_str()), ("code", &code)],
                )
                .await;
            assert!(r.location().is_some(), "{}", r.text());
            let follow = visitor.get(&format!("/suivi/{reference}")).await;
            let text = follow.page_text();
            assert!(text.contains("Votre demande est refusée"), "{text}");
            assert!(text.contains(motivation.trim_end_matches('.')));
            let r = visitor
                .post_form(&format!("/suivi/{reference}/message"), &[("message", "  ")])
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            let r = visitor
                .post_form(
                    &format!("/suivi/{reference}/message"),
                    &[("message", "Je vais former un recours gracieux.")],
                )
                .await;
            assert!(r.location().is_some(), "{}", r.text());
            assert!(
                officer
                    .get(&page)
                    .await
                    .page_text()
                    .contains("Je vais former un recours gracieux.")
            );
            // The receipt can still be downloaded after the decision.
            let pdf = visitor
                .get(&format!("/suivi/{reference}/recepisse.pdf"))
                .await;
            assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());

            // Deciding again is refused with a clear message.
            let seen = officer.get(&page).await.hidden_input("vu").unwrap();
            let r = officer
                .post_form(
                    &page,
                    &[
                        ("action", "apercu"),
                        ("vu", &seen),
                        ("sens", "granted"),
                        ("motivation", "x"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(r.page_text().contains("rouvrez-le"));

            // A front-desk agent may not decide: refused and journaled.
            let r = desk
                .post_form(
                    &page,
                    &[
                        ("action", "decider"),
                        ("sens", "granted"),
                        ("motivation", "x"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
            let r = desk.get("/instruction").await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
        })
        .await;
}

#[tokio::test]
async fn bulk_work_applies_each_case_separately_and_refuses_what_is_not_the_officers() {
    TestApp::builder()
        .demo_procedures()
        .on_both_engines(|app| async move {
            let a = case_for(&app, "copie-acte-etat-civil", &person(11), &[]).await;
            let b = case_for(&app, "copie-acte-etat-civil", &person(12), &[]).await;
            let ccas = case_for(&app, "aide-sociale-urgence", &person(13), &[]).await;
            let mut officer = signed_in_demo(&app, OTHER_OFFICER).await;
            officer.get("/instruction").await;
            let r = officer
                .post_form(
                    "/instruction/lot",
                    &[
                        ("dossier", ccas.as_str()),
                        ("dossier", a.as_str()),
                        ("action", "pieces"),
                        ("pieces", "Avis d’imposition"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::MULTI_STATUS, "{}", r.text());
            let text = r.page_text();
            assert!(text.contains("1 fait, 1 refusé"), "{text}");
            assert!(text.contains("autre organisme"), "{text}");
            let store = app.store();
            assert_eq!(
                store.load_case(&ccas).await.unwrap().state,
                CaseState::WaitingForDocuments
            );
            assert_eq!(
                store.load_case(&a).await.unwrap().state,
                CaseState::Submitted
            );
            assert_eq!(
                store.load_case(&b).await.unwrap().state,
                CaseState::Submitted
            );
            // Nothing selected, or no action: a clear message.
            let r = officer
                .post_form("/instruction/lot", &[("action", "pieces")])
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST);
        })
        .await;
}
