//! Pages and the health endpoint.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use guichet_domain::*;
use guichet_store::Store;
use guichet_store::testing::on_both_engines;
use guichet_web::{AppState, router};
use tower::ServiceExt;

async fn get(store: &Store, demo: bool, path: &str) -> (StatusCode, String) {
    let app = router(AppState {
        store: store.clone(),
        demo,
        search: std::sync::Arc::new(guichet_search::SearchIndex::empty().unwrap()),
        territory: guichet_web::territory::TerritoryState::loading(),
    });
    let response = app
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

async fn publish_one(store: &Store) {
    store
        .save_operator(&Operator {
            id: OperatorId::parse("mairie").unwrap(),
            name: "Mairie de Saint-Clair".into(),
            kind: OperatorKind::TownHall,
        })
        .await
        .unwrap();
    let p = HostedProcedure::try_from(HostedProcedureFields {
        id: ProcedureId::parse("inscription-cantine").unwrap(),
        version: 1,
        title: "Inscription à la cantine <scolaire>".into(),
        summary: "Pour les enfants des écoles".into(),
        operator: OperatorId::parse("mairie").unwrap(),
        channels: [
            (
                ProcedureChannel::Web,
                ChannelAccess {
                    how: "Formulaire en ligne".into(),
                },
            ),
            (
                ProcedureChannel::Counter,
                ChannelAccess {
                    how: "À l’accueil de la mairie".into(),
                },
            ),
        ]
        .into_iter()
        .collect(),
        deadline: Some(LegalDeadline {
            duration: DeadlineDuration::Months(1),
            silence: Silence::Accord,
        }),
        decides_rights: false,
    })
    .unwrap();
    store
        .publish_procedure(&p, chrono::DateTime::UNIX_EPOCH)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_home_page_lists_procedures_in_french_and_escapes_text() {
    on_both_engines(|store: Store| async move {
        let (status, body) = get(&store, false, "/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("Aucune démarche"), "{body}");
        assert!(body.contains("lang=\"fr\""));
        publish_one(&store).await;
        let (_, body) = get(&store, false, "/").await;
        assert!(
            body.contains("Inscription à la cantine &#60;scolaire&#62;")
                || body.contains("Inscription à la cantine &lt;scolaire&gt;"),
            "{body}"
        );
        assert!(body.contains("Mairie de Saint-Clair"));
        assert!(body.contains("Au guichet"));
        assert!(
            !body.contains("Démonstration"),
            "no demo banner outside demo mode"
        );
        let (_, body) = get(&store, true, "/").await;
        assert!(body.contains("Démonstration"));
    })
    .await;
}

#[tokio::test]
async fn a_procedure_page_says_how_on_each_channel_and_unknown_ones_get_a_french_404() {
    on_both_engines(|store: Store| async move {
        publish_one(&store).await;
        let (status, body) = get(&store, false, "/demarches/inscription-cantine").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("À l’accueil de la mairie"));
        assert!(body.contains("silence vaut accord"));
        let (status, body) = get(&store, false, "/demarches/inconnue").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(body.contains("n’existe pas"));
        assert!(body.contains("référence d’incident"));
        let (status, _) = get(&store, false, "/demarches/%00%C3%28").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = get(&store, false, "/nulle-part").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn health_follows_the_database() {
    on_both_engines(|store: Store| async move {
        let (status, body) = get(&store, false, "/health").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("ok"));
        store.close().await;
        let (status, _) = get(&store, false, "/health").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    })
    .await;
}
