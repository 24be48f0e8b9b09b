//! The search page, the search API and the paper form, in process, on both engines.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{TimeZone, Utc};
use guichet_catalogue::OperatorDirectory;
use guichet_search::SearchIndex;
use guichet_store::Store;
use guichet_store::testing::on_both_engines;
use guichet_web::{AppState, router};
use tower::ServiceExt;

/// Some real national sheets (the first 300 of the shipped extract plus a few named ones) and
/// the demo procedures published in the store.
async fn app(store: &Store) -> axum::Router {
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    guichet_catalogue::demo::publish(store, now).await.unwrap();
    let (_, sheets) = guichet_catalogue::extract::shipped().unwrap();
    let wanted = ["F1344", "F12006", "F14128"];
    let some: Vec<_> = sheets
        .into_iter()
        .enumerate()
        .filter(|(i, s)| *i < 300 || wanted.contains(&s.id.as_str()))
        .map(|(_, s)| s)
        .collect();
    let defs = guichet_catalogue::stored::load_definitions(store)
        .await
        .unwrap();
    let names = BTreeMap::from([(
        "ccas-saint-clair".to_owned(),
        "CCAS de Saint-Clair-sur-Lys".to_owned(),
    )]);
    let index =
        SearchIndex::build(&some, &defs, &OperatorDirectory::shipped().unwrap(), &names).unwrap();
    router(AppState {
        store: store.clone(),
        demo: false,
        search: Arc::new(index),
        territory: guichet_web::territory::TerritoryState::loading(),
    })
}

async fn get(app: &axum::Router, path: &str) -> (StatusCode, String) {
    let response = app
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 4 << 20)
        .await
        .unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

#[tokio::test]
async fn the_api_answers_in_rank_order_with_operator_and_channels() {
    on_both_engines(|store: Store| async move {
        let app = app(&store).await;
        let (status, body) = get(
            &app,
            "/api/search?q=j%27ai%20perdu%20ma%20carte%20d%27identit%C3%A9",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        let first = &json["results"][0];
        assert_eq!(first["id"], "F1344");
        assert_eq!(first["kind"], "sheet");
        assert_eq!(first["operator"]["id"], "mairie");
        assert!(
            first["channels"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["channel"] == "counter")
        );
        let (_, body) = get(&app, "/api/search?q=aide%20d%27urgence%20du%20CCAS&limit=3").await;
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
    on_both_engines(|store: Store| async move {
        let app = app(&store).await;
        for path in [
            "/api/search?q=",
            "/api/search",
            "/api/search?q=%20%0A",
            "/api/search?limit=abc&q=x",
        ] {
            let (status, body) = get(&app, path).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
            let json: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(json["error"]["code"], "recherche-vide", "{path}");
        }
        let long = format!("/api/search?q={}", "a".repeat(10_000));
        let (status, body) = get(&app, &long).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("recherche-trop-longue"));
        let (status, _) = get(&app, "/api/search?q=%00%01%1b%5B2J").await;
        assert_eq!(status, StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn the_search_page_works_without_javascript_and_escapes_the_query() {
    on_both_engines(|store: Store| async move {
        let app = app(&store).await;
        let (status, body) = get(&app, "/recherche").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("<form method=\"get\" action=\"/recherche\""));
        let (status, body) = get(&app, "/recherche?q=je%20d%C3%A9m%C3%A9nage").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("Je déménage"), "{body}");
        assert!(body.contains("Situation : Déménagement"));
        let (_, body) = get(&app, "/recherche?q=APL").await;
        assert!(
            body.contains("Qui s’en occupe") && body.contains("Caisse d’allocations familiales")
        );
        let (status, body) = get(&app, "/recherche?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
        assert_eq!(status, StatusCode::OK);
        assert!(!body.contains("<script>alert(1)"));
        assert!(body.contains("&#60;script&#62;") || body.contains("&lt;script&gt;"));
        let (_, body) = get(&app, &format!("/recherche?q={}", "a".repeat(600))).await;
        assert!(body.contains("trop longue"));
    })
    .await;
}

#[tokio::test]
async fn every_hosted_procedure_has_a_printable_paper_form() {
    on_both_engines(|store: Store| async move {
        let app = app(&store).await;
        let (status, body) = get(&app, "/demarches/inscription-cantine/formulaire-papier").await;
        assert_eq!(status, StatusCode::OK);
        for text in [
            "Inscription à la restauration scolaire",
            "Enfant à inscrire n° 1",
            "Jours de cantine",
            "Cochez une ou plusieurs cases",
            "À remplir seulement si vous avez répondu oui à « L’enfant a-t-il une allergie alimentaire ? »",
            "Justificatif de domicile de moins de trois mois",
            "service scolaire, 1 place de la Mairie, 59990 Saint-Clair-sur-Lys",
            "@page",
        ] {
            assert!(body.contains(text), "missing {text}");
        }
        let (_, body) = get(&app, "/demarches/aide-sociale-urgence/formulaire-papier").await;
        assert!(body.contains("La décision vous sera envoyée par courrier postal."));
        for path in ["/demarches/inconnue/formulaire-papier", "/demarches/%FF/formulaire-papier", "/demarches/A_B/formulaire-papier"] {
            assert_eq!(get(&app, path).await.0, StatusCode::NOT_FOUND, "{path}");
        }
    })
    .await;
}
