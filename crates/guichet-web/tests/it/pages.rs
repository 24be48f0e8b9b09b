//! Pages and the health endpoint.

use axum::http::StatusCode;
use guichet_domain::*;
use guichet_store::Store;

use crate::support::TestApp;

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
    TestApp::builder()
        .on_both_engines(|mut app| async move {
            let r = app.get("/").await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(r.text().contains("Aucune démarche"), "{}", r.text());
            assert!(r.text().contains("lang=\"fr\""));
            publish_one(app.store()).await;
            let body = app.get("/").await.text().to_owned();
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
        })
        .await;
    TestApp::builder()
        .demo_banner()
        .on_both_engines(|mut app| async move {
            publish_one(app.store()).await;
            assert!(app.get("/").await.text().contains("Démonstration"));
        })
        .await;
}

#[tokio::test]
async fn a_procedure_page_says_how_on_each_channel_and_unknown_ones_get_a_french_404() {
    TestApp::builder()
        .on_both_engines(|mut app| async move {
            publish_one(app.store()).await;
            let r = app.get("/demarches/inscription-cantine").await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(r.text().contains("À l’accueil de la mairie"));
            assert!(r.text().contains("silence vaut accord"));
            let r = app.get("/demarches/inconnue").await;
            assert_eq!(r.status, StatusCode::NOT_FOUND);
            assert!(r.text().contains("n’existe pas"));
            assert!(r.text().contains("référence d’incident"));
            let r = app.get("/demarches/%00%C3%28").await;
            assert_eq!(r.status, StatusCode::NOT_FOUND);
            let r = app.get("/nulle-part").await;
            assert_eq!(r.status, StatusCode::NOT_FOUND);
        })
        .await;
}

#[tokio::test]
async fn health_follows_the_database() {
    TestApp::builder()
        .on_both_engines(|mut app| async move {
            let r = app.get("/health").await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(r.text().contains("ok"));
            app.store().close().await;
            let r = app.get("/health").await;
            assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
        })
        .await;
}
