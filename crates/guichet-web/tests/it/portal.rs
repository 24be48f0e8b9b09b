//! The public portal: an online request from « vos coordonnées » to the receipt, following a
//! case with its code, feedback, the legal pages, and what bad input gets (a clear French
//! message, the other answers kept, nothing stored half-way).

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use guichet_domain::{CaseReference, CaseState, Channel, Delivery, NotificationKind};
use guichet_store::outbox::IntentStatus;

use crate::support::TestApp;

/// The smallest PNG there is (1×1), as a phone's photo would be (only its first bytes matter).
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

fn identity<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut v = vec![
        ("prenom", "Jeanne"),
        ("nom", "Martin"),
        ("naissance", "14/07/1956"),
        ("adresse-ligne1", "3 rue des Lilas"),
        ("adresse-ligne2", ""),
        ("adresse-code_postal", "59990"),
        ("adresse-commune", "Saint-Clair-sur-Lys"),
        ("courriel", ""),
        ("telephone", ""),
        ("contact", "Par courrier"),
    ];
    for (k, val) in extra {
        v.retain(|(key, _)| key != k);
        v.push((k, val));
    }
    v
}

/// Registers the person on the canteen form; returns the case reference.
pub(crate) async fn begin(app: &mut TestApp, extra: &[(&str, &str)]) -> CaseReference {
    let r = app
        .get("/demarches/inscription-cantine/en-ligne/coordonnees")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // A visitor's first page sets the session cookie, with its protections.
    if let Some(c) = r.header("set-cookie") {
        assert!(
            c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"),
            "{c}"
        );
    }
    let r = app
        .post_form(
            "/demarches/inscription-cantine/en-ligne/coordonnees",
            &identity(extra),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        r.location(),
        Some("/demarches/inscription-cantine/en-ligne/etape/1")
    );
    let cases = app.cases().await;
    cases[0].reference.clone()
}

/// Answers every step of the canteen form (with an allergy, so the PAI step shows).
pub(crate) async fn fill_canteen(app: &mut TestApp) {
    let step = |n: usize| format!("/demarches/inscription-cantine/en-ligne/etape/{n}");
    app.get(&step(1)).await;
    let r = app
        .post_form(
            &step(1),
            &[
                ("champ", "enfant"),
                ("instances", "1"),
                ("enfant-1-enfant_nom", "Léa Martin"),
                ("enfant-1-enfant_naissance", "03/09/2018"),
                ("enfant-1-ecole", "École Jules-Ferry"),
            ],
        )
        .await;
    assert_eq!(r.location(), Some(step(2).as_str()), "{}", r.text());
    app.get(&step(2)).await;
    let r = app
        .post_form(
            &step(2),
            &[("champ", "jours"), ("jours", "lundi"), ("jours", "jeudi")],
        )
        .await;
    assert_eq!(r.location(), Some(step(3).as_str()), "{}", r.text());
    app.get(&step(3)).await;
    let r = app
        .post_form(&step(3), &[("champ", "allergie"), ("allergie", "oui")])
        .await;
    assert_eq!(r.location(), Some(step(4).as_str()), "{}", r.text());
    let r = app.get(&step(4)).await;
    assert!(
        r.text().contains("enctype=\"multipart/form-data\""),
        "the PAI step takes a file"
    );
    let r = app
        .post_multipart(&step(4), &[("champ", "pai")], &[("pai", "pai.png", PNG)])
        .await;
    assert_eq!(r.location(), Some(step(5).as_str()), "{}", r.text());
    app.get(&step(5)).await;
    let r = app
        .post_form(
            &step(5),
            &[
                ("champ", "responsable_adresse"),
                ("responsable_adresse-ligne1", "3 rue des Lilas"),
                ("responsable_adresse-code_postal", "59990"),
                ("responsable_adresse-commune", "Saint-Clair-sur-Lys"),
            ],
        )
        .await;
    assert_eq!(r.location(), Some(step(6).as_str()), "{}", r.text());
    app.get(&step(6)).await;
    let r = app
        .post_form(&step(6), &[("champ", "quotient"), ("quotient", "850")])
        .await;
    assert_eq!(
        r.location(),
        Some("/demarches/inscription-cantine/en-ligne/verification"),
        "{}",
        r.text()
    );
}

#[tokio::test]
async fn an_online_request_goes_from_identity_to_receipt_through_the_case_service() {
    TestApp::builder()
        .demo_procedures()
        .demo_banner()
        .on_both_engines(|mut app| async move {
            let r = app.get("/demarches/inscription-cantine").await;
            assert!(
                r.text()
                    .contains("href=\"/demarches/inscription-cantine/en-ligne\"")
            );
            let r = app.get("/demarches/inscription-cantine/en-ligne").await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(r.text().contains("Commencer la demande"));
            // The PAI's page only follows an allergy: seven pages or eight, and the counter
            // says seven from the first page until an allergy adds one.
            assert!(
                r.text().contains("en 7 à 8 étapes selon vos réponses"),
                "{}",
                r.text()
            );
            let r = app
                .get("/demarches/inscription-cantine/en-ligne/coordonnees")
                .await;
            assert!(r.text().contains("Étape 1 sur 7"), "{}", r.text());
            let cookie = r
                .header("set-cookie")
                .expect("the form's first page opens a session");
            for flag in ["HttpOnly", "SameSite=Lax", "Secure"] {
                assert!(cookie.contains(flag), "{cookie}");
            }
            let reference = begin(&mut app, &[]).await;
            let r = app
                .get("/demarches/inscription-cantine/en-ligne/etape/1")
                .await;
            assert!(r.text().contains("Étape 2 sur 7"), "{}", r.text());
            fill_canteen(&mut app).await;

            let r = app
                .get("/demarches/inscription-cantine/en-ligne/verification")
                .await;
            assert!(
                r.text().contains("Étape 8 sur 8"),
                "an allergy adds the PAI's page"
            );
            let page = r.page_text();
            assert!(page.contains("Léa Martin"), "{page}");
            assert!(page.contains("03/09/2018"), "{page}");
            assert!(page.contains("lundi, jeudi"), "{page}");
            assert!(page.contains("pai.png"), "{page}");
            assert!(page.contains("850 €"), "{page}");

            // Not certified: the same page, with the error, nothing submitted.
            let r = app
                .post_form("/demarches/inscription-cantine/en-ligne/verification", &[])
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(r.title().starts_with("Erreur\u{a0}: "), "{}", r.title());
            assert_eq!(
                app.store().load_case(&reference).await.unwrap().state,
                CaseState::Draft
            );

            let r = app
                .post_form(
                    "/demarches/inscription-cantine/en-ligne/verification",
                    &[("certifie", "oui")],
                )
                .await;
            let receipt = format!("/suivi/{reference}?envoye=1");
            assert_eq!(r.location(), Some(receipt.as_str()), "{}", r.text());
            let r = app.get(&receipt).await;
            let page = r.page_text();
            assert!(page.contains("Votre demande est envoyée"), "{page}");
            assert!(page.contains(reference.as_str()));
            assert!(
                page.contains("sinon")
                    || page.contains("Sans réponse à cette date, votre demande sera acceptée"),
                "{page}"
            );

            let case = app.store().load_case(&reference).await.unwrap();
            assert_eq!(case.state, CaseState::Submitted);
            assert_eq!(case.form["enfant-1-enfant_nom"], "Léa Martin");
            assert_eq!(case.form["jours"], "lundi\njeudi");
            assert_eq!(case.documents.len(), 1, "the PAI was attached");
            let journal = app.store().journal(&reference).await.unwrap();
            assert!(journal.iter().all(|e| e.channel == Channel::Web));
            let file = app
                .store()
                .get_attachment(&case.documents[0].sha256)
                .await
                .unwrap()
                .expect("the file is in the database, not on a server's disk");
            assert_eq!(file.media_type, "image/png");
            // The receipt went to the outbox with the submission: by post (the person chose it).
            let intents = app
                .store()
                .list_intents(Some(IntentStatus::Pending), 50)
                .await
                .unwrap();
            let receipts: Vec<_> = intents
                .iter()
                .filter(|i| i.case_reference.as_deref() == Some(reference.as_str()))
                .collect();
            assert_eq!(receipts.len(), 1, "{receipts:?}");
            assert_eq!(receipts[0].kind, NotificationKind::Receipt);
            assert_eq!(receipts[0].channel, Delivery::Letter);

            // The receipt as PDF, with the reference and the code.
            let r = app.get(&format!("/suivi/{reference}/recepisse.pdf")).await;
            assert_eq!(r.status, StatusCode::OK);
            assert_eq!(r.content_type(), "application/pdf");
            assert!(r.body.starts_with(b"%PDF-"));
            let text = pdf_text(&r.body);
            let code = guichet_notify::plan::follow_up_code(&case);
            assert!(text.contains(reference.as_str()), "{text}");
            assert!(text.contains(&code), "{text}");
        })
        .await;
}

/// The text of a PDF, by poppler's `pdftotext` (installed by scripts/test).
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile_dir();
    let path = dir.join("r.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian package poppler-utils, installed by scripts/test)");
    std::fs::remove_dir_all(&dir).ok();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("guichet-web-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn wrong_answers_are_explained_next_to_their_field_and_the_others_are_kept() {
    TestApp::builder()
        .demo_procedures()
        .on_both_engines(|mut app| async move {
            app.get("/demarches/inscription-cantine/en-ligne/coordonnees")
                .await;
            let r = app
                .post_form(
                    "/demarches/inscription-cantine/en-ligne/coordonnees",
                    &identity(&[
                        ("nom", ""),
                        ("adresse-code_postal", "5999"),
                        ("prenom", "<script>alert(1)</script>"),
                    ]),
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(r.title().starts_with("Erreur\u{a0}: "));
            let text = r.text();
            assert!(
                text.contains("Répondez à la question «\u{a0}Nom de famille\u{a0}»"),
                "{text}"
            );
            assert!(text.contains("cinq chiffres"), "{text}");
            assert!(text.contains("aria-describedby=\"nom-erreur\""), "{text}");
            assert!(
                text.contains("href=\"#nom\""),
                "the summary links to the field"
            );
            // Typed values come back, escaped, never executed.
            assert!(text.contains("value=\"3 rue des Lilas\""));
            assert!(
                text.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
                "{text}"
            );
            assert!(!text.contains("<script>alert"));
            assert!(
                app.store().list_persons(10).await.unwrap().is_empty(),
                "nothing stored"
            );

            begin(&mut app, &[]).await;
            let step1 = "/demarches/inscription-cantine/en-ligne/etape/1";
            app.get(step1).await;
            let r = app
                .post_form(
                    step1,
                    &[
                        ("champ", "enfant"),
                        ("instances", "1"),
                        ("enfant-1-enfant_nom", "Léa Martin"),
                        ("enfant-1-enfant_naissance", "31/02/2018"),
                        ("enfant-1-ecole", "École inventée"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            let text = r.text();
            assert!(text.contains("le 31/02/2018 n’existe pas"), "{text}");
            assert!(
                text.contains("parmi les réponses proposées"),
                "a tampered choice: {text}"
            );
            assert!(text.contains("value=\"Léa Martin\""), "the name is kept");
            let cases = app.cases().await;
            let case = app.store().load_case(&cases[0].reference).await.unwrap();
            assert!(
                !case.form.contains_key("enfant-1-enfant_nom"),
                "nothing of the step stored"
            );
        })
        .await;
}

#[tokio::test]
async fn forms_without_their_session_token_change_nothing() {
    TestApp::builder()
        .demo_procedures()
        .on_both_engines(|mut app| async move {
            // No session at all.
            let r = app
                .post_form(
                    "/demarches/inscription-cantine/en-ligne/coordonnees",
                    &identity(&[]),
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
            assert!(r.text().contains("Cette page a expiré"), "{}", r.text());
            // A session, but a forged token.
            app.get("/demarches/inscription-cantine/en-ligne/coordonnees")
                .await;
            let mut fields = identity(&[]);
            fields.push(("csrf", "0000"));
            let r = app
                .post_form(
                    "/demarches/inscription-cantine/en-ligne/coordonnees",
                    &fields,
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
            assert!(app.store().list_persons(10).await.unwrap().is_empty());
        })
        .await;
}

#[tokio::test]
async fn a_tampered_step_or_field_stores_nothing() {
    TestApp::builder()
        .demo_procedures()
        .run_on(guichet_store::Engine::Sqlite, |mut app| async move {
            let reference = begin(&mut app, &[]).await;
            let before = app.store().load_case(&reference).await.unwrap().version;
            app.get("/demarches/inscription-cantine/en-ligne/etape/1")
                .await;
            // The page of step 1 posted to step 2.
            let r = app
                .post_form(
                    "/demarches/inscription-cantine/en-ligne/etape/2",
                    &[("champ", "enfant"), ("enfant-1-enfant_nom", "X")],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
            // Step numbers outside the form.
            let r = app
                .get("/demarches/inscription-cantine/en-ligne/etape/999")
                .await;
            assert_eq!(
                r.location(),
                Some("/demarches/inscription-cantine/en-ligne/verification")
            );
            let r = app
                .get("/demarches/inscription-cantine/en-ligne/etape/-1")
                .await;
            assert_eq!(
                r.location(),
                Some("/demarches/inscription-cantine/en-ligne/etape/1")
            );
            assert_eq!(
                app.store().load_case(&reference).await.unwrap().version,
                before
            );
        })
        .await;
}

#[tokio::test]
async fn files_are_checked_by_their_content_and_size() {
    TestApp::builder()
        .demo_procedures()
        .run_on(guichet_store::Engine::Sqlite, |mut app| async move {
            let reference = begin(&mut app, &[]).await;
            fill_canteen(&mut app).await;
            let step4 = "/demarches/inscription-cantine/en-ligne/etape/4";
            app.get(step4).await;
            let r = app
                .post_multipart(
                    step4,
                    &[("champ", "pai")],
                    &[("pai", "photo.png", b"MZ\x90\0 not an image")],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(
                r.text().contains("ni une photo (JPEG, PNG) ni un PDF"),
                "{}",
                r.text()
            );
            let big = [PNG, &vec![0u8; 11 << 20]].concat();
            let r = app
                .post_multipart(step4, &[("champ", "pai")], &[("pai", "grande.png", &big)])
                .await;
            assert!(r.status.is_client_error(), "{}", r.status);
            assert!(r.text().contains("10 Mo"), "{}", r.text());
            let case = app.store().load_case(&reference).await.unwrap();
            assert_eq!(case.documents.len(), 1, "only the first, valid PAI");
        })
        .await;
}

#[tokio::test]
async fn refusing_digital_sends_the_receipt_by_post_only() {
    TestApp::builder()
        .demo_procedures()
        .on_both_engines(|mut app| async move {
            let reference = begin(
                &mut app,
                &[
                    ("courriel", "jeanne@example.fr"),
                    ("telephone", "06 12 34 56 78"),
                    ("contact", "Par courrier"),
                    (
                        "numerique",
                        "Je refuse le numérique : ne jamais me prévenir par courriel ni par SMS",
                    ),
                ],
            )
            .await;
            fill_canteen(&mut app).await;
            app.get("/demarches/inscription-cantine/en-ligne/verification")
                .await;
            app.post_form(
                "/demarches/inscription-cantine/en-ligne/verification",
                &[("certifie", "oui")],
            )
            .await;
            let intents = app.store().list_intents(None, 50).await.unwrap();
            let channels: Vec<Delivery> = intents
                .iter()
                .filter(|i| i.case_reference.as_deref() == Some(reference.as_str()))
                .map(|i| i.channel)
                .collect();
            assert_eq!(channels, vec![Delivery::Letter]);
        })
        .await;
}

#[tokio::test]
async fn channels_are_ranked_and_a_choice_that_cannot_be_kept_is_explained() {
    TestApp::builder()
        .demo_procedures()
        .on_both_engines(|mut app| async move {
            app.get("/demarches/inscription-cantine/en-ligne/coordonnees")
                .await;
            let url = "/demarches/inscription-cantine/en-ligne/coordonnees";
            // SMS while refusing digital, a phone call without a number (and the phone twice):
            // each said next to its question, every answer kept, nobody registered.
            let r = app
                .post_form(
                    url,
                    &identity(&[
                        ("contact", "Par téléphone"),
                        ("contact-deux", "Par téléphone"),
                        ("contact-trois", "Par SMS"),
                        (
                            "numerique",
                            "Je refuse le numérique : ne jamais me prévenir par courriel ni par SMS",
                        ),
                    ]),
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            let page = r.text();
            assert!(r.title().starts_with("Erreur\u{a0}: "), "{}", r.title());
            // The phone ranked twice counts once: nothing to correct there.
            assert!(!page.contains("id=\"contact-deux-erreur\""), "{page}");
            assert!(page.contains("Vous refusez le numérique\u{a0}: choisissez le courrier"), "{page}");
            assert!(page.contains("Pour être appelé, indiquez votre numéro"), "{page}");
            assert!(page.contains("<option value=\"Par SMS\" selected>"), "{page}");
            assert!(page.contains("value=\"Saint-Clair-sur-Lys\""), "{page}");
            assert!(app.cases().await.is_empty());

            // Phone first, then SMS, then email: kept in that order; written messages go by
            // SMS, the first channel that writes.
            let r = app
                .post_form(
                    url,
                    &identity(&[
                        ("courriel", "jeanne@example.fr"),
                        ("telephone", "06 12 34 56 78"),
                        ("contact", "Par téléphone"),
                        ("contact-deux", "Par SMS"),
                        ("contact-trois", "Par courriel"),
                    ]),
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
            let cases = app.cases().await;
            let person = app.store().get_person(cases[0].person).await.unwrap().unwrap();
            assert_eq!(
                person.preferences.channels(),
                &[
                    guichet_domain::ContactChannel::Phone,
                    guichet_domain::ContactChannel::Sms,
                    guichet_domain::ContactChannel::Email
                ]
            );
            assert_eq!(
                person.reach(NotificationKind::Message, false).deliveries,
                vec![Delivery::Sms]
            );
            // The page shows them again as they were chosen, the number as people write it.
            let r = app
                .get("/demarches/inscription-cantine/en-ligne/coordonnees")
                .await;
            let page = r.text();
            assert!(page.contains("value=\"06 12 34 56 78\""), "{page}");
            assert!(page.contains("<option value=\"Par courriel\" selected>"), "{page}");
            fill_canteen(&mut app).await;
            let r = app
                .get("/demarches/inscription-cantine/en-ligne/verification")
                .await;
            let review = r.text();
            assert!(
                review.contains("Votre ordre de préférence : le téléphone, puis le SMS, puis le courriel.")
                    && review.contains("préférez être appelé")
                    && review.contains("Nos messages vous parviendront par SMS"),
                "{review}"
            );
        })
        .await;
}

#[tokio::test]
async fn following_a_case_needs_its_code_and_wrong_codes_are_limited() {
    TestApp::builder()
        .demo_procedures()
        .on_both_engines(|mut app| async move {
            let reference = begin(&mut app, &[]).await;
            let case = app.store().load_case(&reference).await.unwrap();
            let code = guichet_notify::plan::follow_up_code(&case);
            // Another browser, without the session.
            let mut other = app.fresh_visitor();
            let r = other.get(&format!("/suivi/{reference}")).await;
            assert_eq!(
                r.status,
                StatusCode::SEE_OTHER,
                "a case page needs the code first"
            );
            other.get("/suivi").await;
            // A typo in the reference is caught by its check character.
            let mut typo = reference.to_string();
            let last = typo.pop().unwrap();
            typo.push(if last == 'A' { 'B' } else { 'A' });
            let r = other
                .post_form("/suivi", &[("reference", &typo), ("code", &code)])
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(r.text().contains("ne peut pas être juste"), "{}", r.text());
            for left in (0..5).rev() {
                other.get("/suivi").await;
                let r = other
                    .post_form(
                        "/suivi",
                        &[("reference", reference.as_str()), ("code", "AAAA-AAAA")],
                    )
                    .await;
                assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
                if left > 0 {
                    assert!(r.text().contains(&format!("{left} essai")), "{}", r.text());
                }
            }
            other.get("/suivi").await;
            let r = other
                .post_form(
                    "/suivi",
                    &[("reference", reference.as_str()), ("code", &code)],
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::TOO_MANY_REQUESTS,
                "even the right code waits"
            );
            // The wait is said on the form, next to the code, which keeps what was typed.
            assert!(
                r.text().contains("réessayez dans 15 minutes"),
                "{}",
                r.text()
            );
            assert!(r.text().contains("<title>Erreur"), "{}", r.text());
            assert!(r.text().contains(reference.as_str()), "{}", r.text());
            // A visitor opens `/suivi` and gives the reference with a code.
            let try_code = |mut visitor: TestApp, code: String| {
                let reference = reference.to_string();
                async move {
                    visitor.get("/suivi").await;
                    visitor
                        .post_form("/suivi", &[("reference", &reference), ("code", &code)])
                        .await
                }
            };
            // Another browser on the same connection shares the count; lower case and no
            // hyphen would do.
            let loose = code.replace('-', "").to_lowercase();
            let r = try_code(app.fresh_visitor(), loose.clone()).await;
            assert_eq!(
                r.status,
                StatusCode::TOO_MANY_REQUESTS,
                "the count is per case and address, shared by the address's visitors"
            );
            // Whoever read the reference elsewhere cannot lock its owner out: from another
            // address the right code opens the case.
            let r = try_code(app.visitor_from("198.51.100.7"), loose.clone()).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
            // Wrong codes from many addresses together still meet a limit.
            for n in 0..50u32 {
                let guesser = app.visitor_from(&format!("203.0.113.{}", n % 10));
                try_code(guesser, "AAAA-AAAA".to_owned()).await;
            }
            let r = try_code(app.visitor_from("192.0.2.1"), loose).await;
            assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
            let r = app.get(&format!("/suivi/{reference}")).await;
            assert_eq!(
                r.status,
                StatusCode::OK,
                "the visitor who started the case follows it"
            );
            assert!(r.page_text().contains("Brouillon"));
            assert!(r.text().contains("Reprendre ma demande en ligne"));
        })
        .await;
}

#[tokio::test]
async fn the_status_api_answers_with_the_code_and_the_openapi_document_describes_it() {
    TestApp::builder()
        .demo_procedures()
        .on_both_engines(|mut app| async move {
            let reference = begin(&mut app, &[]).await;
            let case = app.store().load_case(&reference).await.unwrap();
            let code = guichet_notify::plan::follow_up_code(&case);
            let ask = |code: String| {
                Request::post("/api/cases/status")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(
                        serde_json::json!({"reference": reference.as_str(), "code": code})
                            .to_string(),
                    ))
                    .unwrap()
            };
            let r = app.send(ask(code.clone())).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(v["state"], "draft");
            let r = app.send(ask("ZZZZ-ZZZZ".into())).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND);
            let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(v["error"]["code"], "introuvable");
            let r = app.get("/api/procedures/inscription-cantine").await;
            let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(v["fields"][0]["type"], "group");
            assert_eq!(v["online_form"], "/demarches/inscription-cantine/en-ligne");
            let r = app.get("/api/openapi.json").await;
            let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            for path in ["/api/search", "/api/procedures/{id}", "/api/cases/status"] {
                assert!(v["paths"][path].is_object(), "{path} is described");
            }
        })
        .await;
}

#[tokio::test]
async fn feedback_is_stored_per_procedure_and_channel() {
    TestApp::builder()
        .demo_procedures()
        .on_both_engines(|mut app| async move {
            app.get("/avis/inscription-cantine?canal=counter").await;
            let r = app
                .post_form(
                    "/avis/inscription-cantine",
                    &[
                        ("canal", "counter"),
                        ("satisfaction", "9"),
                        ("commentaire", "Très bien"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(r.text().contains("de 1 à 5"));
            assert!(r.text().contains("Très bien"), "the comment is kept");
            // Each error is said next to its question too, which points to it.
            assert!(
                r.text()
                    .contains(r#"aria-describedby="satisfaction-erreur""#)
                    && r.text().contains(
                        r#"id="satisfaction-erreur">Erreur : Choisissez une note de satisfaction"#
                    ),
                "{}",
                r.text()
            );
            assert!(r.text().contains(r#"id="facilite-erreur""#));
            assert!(
                !r.text().contains(r#"id="canal-erreur""#),
                "the channel was given"
            );
            let r = app
                .post_form(
                    "/avis/inscription-cantine",
                    &[
                        ("canal", "counter"),
                        ("satisfaction", "4"),
                        ("facilite", "5"),
                        ("aide", "agent"),
                        ("commentaire", ""),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(r.text().contains("Merci pour votre avis"));
            assert!(
                r.text().contains("<title>Merci pour votre avis"),
                "{}",
                r.text()
            );
            let summary = app.store().feedback_summary().await.unwrap();
            assert_eq!(summary.len(), 1);
            assert_eq!(
                (summary[0].channel.as_str(), summary[0].answers),
                ("counter", 1)
            );
            assert_eq!(summary[0].mean_satisfaction, 4.0);
        })
        .await;
}

#[tokio::test]
async fn every_page_names_the_operator_links_the_legal_pages_and_sends_security_headers() {
    TestApp::builder()
        .demo_procedures()
        .demo_banner()
        .run_on(guichet_store::Engine::Sqlite, |mut app| async move {
            for path in [
                "/",
                "/mentions-legales",
                "/accessibilite",
                "/donnees-personnelles",
                "/demo",
                "/suivi",
                "/page-inconnue",
            ] {
                let r = app.get(path).await;
                let text = r.text();
                assert!(text.contains("Mairie de Saint-Clair-sur-Lys"), "{path}");
                assert!(
                    text.contains("href=\"tel:+33320000000\""),
                    "{path}: the switchboard is a tel: link"
                );
                for legal in [
                    "/mentions-legales",
                    "/accessibilite",
                    "/donnees-personnelles",
                ] {
                    assert!(
                        text.contains(&format!("href=\"{legal}\"")),
                        "{path} links {legal}"
                    );
                }
                assert!(
                    text.contains("<link rel=\"icon\" href=\"data:,\">"),
                    "{path}: no request for /favicon.ico"
                );
                let csp = r.header("content-security-policy").unwrap_or("");
                assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
                assert!(
                    !text.contains("<style") && !text.contains(" style=\""),
                    "{path}: an inline style the CSP blocks"
                );
                assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
                assert!(
                    r.body.len() < 50_000,
                    "{path} weighs {} bytes",
                    r.body.len()
                );
            }
            // The visits above hold a session: their pages are personal, never cached.
            let r = app.get("/suivi").await;
            assert_eq!(r.header("cache-control"), Some("private, no-store"));
            let r = app.get("/accessibilite").await;
            assert!(r.page_text().contains("non conforme"));
            let r = app
                .send(
                    Request::get("/static/guichet.css")
                        .header(header::ACCEPT_ENCODING, "gzip, br")
                        .body(Body::empty())
                        .unwrap(),
                )
                .await;
            assert!(
                matches!(r.header("content-encoding"), Some("br" | "gzip")),
                "{:?}",
                r.headers
            );
            assert!(
                r.header("cache-control")
                    .is_some_and(|c| c.starts_with("public, max-age")),
                "static files stay cached: {:?}",
                r.headers
            );
        })
        .await;
}
