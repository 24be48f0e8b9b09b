//! The search page, the search API and the paper form, in process, on both engines.

use std::collections::BTreeMap;

use axum::http::StatusCode;

use crate::support::{TestApp, TestAppBuilder};

/// Some real national sheets (the first 300 of the shipped extract plus a few named ones) and
/// the demo procedures published in the store.
fn app() -> TestAppBuilder {
    let (_, sheets) = guichet_catalogue::extract::shipped().unwrap();
    let wanted = ["F1344", "F12006", "F14128"];
    let some: Vec<_> = sheets
        .into_iter()
        .enumerate()
        .filter(|(i, s)| *i < 300 || wanted.contains(&s.id.as_str()))
        .map(|(_, s)| s)
        .collect();
    let names = BTreeMap::from([(
        "ccas-saint-clair".to_owned(),
        "CCAS de Saint-Clair-sur-Lys".to_owned(),
    )]);
    TestApp::builder()
        .demo_procedures()
        .search_sheets(some)
        .operator_names(names)
}

#[tokio::test]
async fn the_api_answers_in_rank_order_with_operator_and_channels() {
    app()
        .on_both_engines(|mut app| async move {
            let (status, body) = app
                .get("/api/search?q=j%27ai%20perdu%20ma%20carte%20d%27identit%C3%A9")
                .await
                .status_and_text();
            assert_eq!(status, StatusCode::OK);
            let json: serde_json::Value = serde_json::from_str(&body).unwrap();
            let first = &json["results"][0];
            assert_eq!(first["id"], "F1344");
            assert_eq!(first["kind"], "sheet");
            assert_eq!(first["operator"]["id"], "mairie");
            assert!(
                first["source"]
                    .as_str()
                    .unwrap()
                    .starts_with("service-public.fr")
            );
            assert!(
                first["updated"].as_str().is_some_and(|d| d.len() == 10),
                "{first}"
            );
            assert!(
                first["channels"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c["channel"] == "counter")
            );
            let (_, body) = app
                .get("/api/search?q=aide%20d%27urgence%20du%20CCAS&limit=3")
                .await
                .status_and_text();
            let json: serde_json::Value = serde_json::from_str(&body).unwrap();
            let results = json["results"].as_array().unwrap();
            assert!(results.len() <= 3);
            let hosted = results
                .iter()
                .find(|r| r["id"] == "aide-sociale-urgence")
                .unwrap();
            assert_eq!(hosted["kind"], "procedure");
            assert_eq!(hosted["operator"]["name"], "CCAS de Saint-Clair-sur-Lys");
        })
        .await;
}

#[tokio::test]
async fn the_api_refuses_bad_queries_with_a_json_error() {
    app()
        .on_both_engines(|mut app| async move {
            for path in [
                "/api/search?q=",
                "/api/search",
                "/api/search?q=%20%0A",
                "/api/search?limit=abc&q=x",
            ] {
                let (status, body) = app.get(path).await.status_and_text();
                assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
                let json: serde_json::Value = serde_json::from_str(&body).unwrap();
                assert_eq!(json["error"]["code"], "recherche-vide", "{path}");
                assert!(json["error"]["incident"].is_string(), "{path}");
            }
            let long = format!("/api/search?q={}", "a".repeat(10_000));
            let (status, body) = app.get(&long).await.status_and_text();
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert!(body.contains("recherche-trop-longue"));
            let (status, _) = app
                .get("/api/search?q=%00%01%1b%5B2J")
                .await
                .status_and_text();
            assert_eq!(status, StatusCode::OK);
        })
        .await;
}

#[tokio::test]
async fn the_search_page_works_without_javascript_and_escapes_the_query() {
    app()
        .on_both_engines(|mut app| async move {
            let (status, body) = app.get("/recherche").await.status_and_text();
            assert_eq!(status, StatusCode::OK);
            assert!(body.contains("<form method=\"get\" action=\"/recherche\""));
            let (status, body) = app
                .get("/recherche?q=je%20d%C3%A9m%C3%A9nage")
                .await
                .status_and_text();
            assert_eq!(status, StatusCode::OK);
            assert!(body.contains("Je déménage"), "{body}");
            assert!(body.contains("Situation\u{a0}: Déménagement"));
            // Every national sheet says where it comes from and when it was last updated.
            let sheets = body.matches("Fiche service-public.fr").count();
            assert!(sheets > 0);
            assert_eq!(
                body.matches("Source : service-public.fr (Direction de l’information légale et administrative), fiche mise à jour le ").count(),
                sheets,
                "{body}"
            );
            // A sheet names where to go; the instance's own procedure, who runs it.
            let (_, body) = app.get("/recherche?q=APL").await.status_and_text();
            assert!(
                body.contains("Où s’adresser\u{a0}: <strong>")
                    && body.contains("Caisse d’allocations familiales"),
                "{body}"
            );
            let (_, body) = app
                .get("/recherche?q=inscrire%20mon%20enfant%20%C3%A0%20la%20cantine")
                .await
                .status_and_text();
            assert!(body.contains("Qui s’en occupe\u{a0}: <strong>"), "{body}");
            let (status, body) = app
                .get("/recherche?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
                .await
                .status_and_text();
            assert_eq!(status, StatusCode::OK);
            assert!(!body.contains("<script>alert(1)"));
            assert!(body.contains("&#60;script&#62;") || body.contains("&lt;script&gt;"));
            let (_, body) = app
                .get(&format!("/recherche?q={}", "a".repeat(600)))
                .await
                .status_and_text();
            assert!(body.contains("trop longue"));
        })
        .await;
}

#[tokio::test]
async fn every_hosted_procedure_has_a_printable_paper_form() {
    app().on_both_engines(|mut app| async move {
        let (status, body) = app.get("/demarches/inscription-cantine/formulaire-papier").await.status_and_text();
        assert_eq!(status, StatusCode::OK);
        for text in [
            "Inscription à la restauration scolaire",
            "Enfant à inscrire n° 1",
            "Jours de cantine",
            "Cochez une ou plusieurs cases",
            "À remplir seulement si vous avez répondu oui à « L’enfant a-t-il une allergie alimentaire ? »",
            "Justificatif de domicile de moins de trois mois",
            "service scolaire, 1 place de la Mairie, 59990 Saint-Clair-sur-Lys",
            "<link rel=\"stylesheet\" href=\"/static/papier.css\">",
        ] {
            assert!(body.contains(text), "missing {text}");
        }
        // Its layout (lines and boxes to write in, A4 margins) is a stylesheet the
        // Content-Security-Policy lets browsers apply: no inline style, which they would ignore.
        let csp = guichet_web::security::CONTENT_SECURITY_POLICY;
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(!body.contains("<style") && !body.contains(" style=\""), "{body}");
        let css = app.get("/static/papier.css").await;
        assert_eq!(css.status, StatusCode::OK);
        assert_eq!(css.content_type(), "text/css; charset=utf-8");
        assert!(css.text().contains("@page") && css.text().contains(".ligne"));
        let (_, body) = app.get("/demarches/aide-sociale-urgence/formulaire-papier").await.status_and_text();
        assert!(body.contains("La décision vous sera envoyée par courrier postal."));
        for path in ["/demarches/inconnue/formulaire-papier", "/demarches/%FF/formulaire-papier", "/demarches/A_B/formulaire-papier"] {
            assert_eq!(app.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
        }
    })
    .await;
}

#[tokio::test]
async fn asking_for_france_services_leads_to_the_nearest_places_first() {
    app()
        .on_both_engines(|mut app| async move {
            for q in ["france%20services", "Maison%20France%20Service", "MSAP"] {
                let body = app
                    .get(&format!("/recherche?q={q}"))
                    .await
                    .text()
                    .to_owned();
                let to_places = body
                    .find("Vous cherchez une maison France Services")
                    .unwrap_or_else(|| panic!("{q}: no way to the places"));
                assert!(body[to_places..].contains("href=\"/lieux\""));
                // Before any result (no national sheet is about France Services).
                if let Some(first) = body.find("class=\"carte\"") {
                    assert!(to_places < first, "{q}");
                }
            }
            // The town's canteen first, its phone a link a phone can dial, said once.
            let body = app.get("/recherche?q=cantine").await.text().to_owned();
            let first = body.find("class=\"carte\"").unwrap();
            assert!(body[first..].contains("Inscription à la restauration scolaire"));
            assert!(body.contains("href=\"tel:+33320000001\""), "{body}");
            // Once, and held on one line (no-break spaces between its groups).
            assert_eq!(
                body.matches("03\u{a0}20\u{a0}00\u{a0}00\u{a0}01").count(),
                1,
                "{body}"
            );
            assert!(!body.contains("03 20 00 00 01"), "{body}");
            // A procedure's query does not get it.
            let body = app.get("/recherche?q=passeport").await.text().to_owned();
            assert!(!body.contains("Vous cherchez une maison France Services"));
        })
        .await;
}

/// The search page uses the sentence embeddings a server attaches when the model is installed:
/// on four sheets, a question sharing no word with the one that answers it (in English, which
/// the French lexical engine cannot match) finds it only with them. This checks the wiring, not
/// quality: over the whole catalogue, English questions still rank poorly.
#[tokio::test]
async fn with_sentence_embeddings_a_question_in_other_words_finds_its_sheet() {
    let (_, sheets) = guichet_catalogue::extract::shipped().unwrap();
    let wanted = ["F1344", "F12006", "F14128", "F1781"];
    let few: Vec<_> = sheets
        .into_iter()
        .filter(|s| wanted.contains(&s.id.as_str()))
        .collect();
    let question = "/recherche?q=moving%20house%20to%20another%20city";
    let first_result = |html: &str| {
        html.split("<h3 class=\"carte__titre\">")
            .nth(1)
            .and_then(|rest| rest.split("</a>").next())
            .map(str::to_owned)
            .unwrap_or_default()
    };
    let lexical = TestApp::builder()
        .search_sheets(few.clone())
        .run_on(guichet_store::Engine::Sqlite, |mut app| async move {
            first_result(app.get(question).await.text())
        })
        .await;
    let semantic = TestApp::builder()
        .search_sheets(few)
        .semantic_search()
        .run_on(guichet_store::Engine::Sqlite, |mut app| async move {
            first_result(app.get(question).await.text())
        })
        .await;
    assert!(semantic.contains("Je déménage"), "{semantic:?}");
    assert!(!lexical.contains("Je déménage"), "{lexical:?}");
}

/// Each way to do it says its channel once: « Sur place : Mairie », not « Sur place : Sur
/// place : Mairie » (the API's sentence starts with the channel; the page shows it in bold).
#[tokio::test]
async fn a_result_says_each_channel_once() {
    app()
        .run_on(guichet_store::Engine::Sqlite, |mut app| async move {
            let page = app
                .get("/recherche?q=j%27ai%20perdu%20ma%20carte%20d%27identit%C3%A9")
                .await;
            let html = page.text();
            assert!(
                html.contains("<strong>Sur place</strong>\u{a0}: <a"),
                "{html}"
            );
            for channel in ["En ligne", "Par téléphone", "Sur place", "Sur papier"] {
                assert!(
                    !html.contains(&format!(">{channel}\u{a0}: ")),
                    "{channel}: {html}"
                );
            }
        })
        .await;
}

/// A person hurt at home finds the sheet on violence first, with every help line it names
/// (not only the first, the 15), each a link a phone can dial.
#[tokio::test]
async fn violence_at_home_finds_every_help_line_to_dial() {
    let (_, sheets) = guichet_catalogue::extract::shipped().unwrap();
    let few: Vec<_> = sheets
        .into_iter()
        .filter(|s| ["F12544", "F3131", "F33362", "F1344"].contains(&s.id.as_str()))
        .collect();
    TestApp::builder()
        .search_sheets(few)
        .run_on(guichet_store::Engine::Sqlite, |mut app| async move {
            let page = app.get("/recherche?q=mon%20mari%20me%20frappe").await;
            let html = page.text();
            let first = html.find("Violence conjugale").expect("the sheet is found");
            let fences = html.find("clôtures").unwrap_or(usize::MAX);
            assert!(first < fences, "{html}");
            for line in ["tel:3919", "tel:17", "tel:116006", "tel:15"] {
                assert!(html.contains(&format!("href=\"{line}\"")), "{line}: {html}");
            }
            assert!(
                !html.contains("href=\"tel:114\""),
                "the 114 is reached by SMS"
            );
        })
        .await;
}
