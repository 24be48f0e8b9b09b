//! What people read, snapshotted (insta): the home page, a procedure page and the paper forms,
//! as text lines ([`crate::support::page_text`]), on both engines against the same snapshots.
//! The demo procedures are published at a fixed date and no page shows a random reference, so
//! a change in a snapshot is a change in wording or layout: review it with `cargo insta review`
//! (or rerun with `INSTA_UPDATE=always` and read the diff).

use axum::http::StatusCode;

use crate::support::TestApp;

async fn text(app: &mut TestApp, path: &str) -> String {
    let r = app.get(path).await;
    assert_eq!(r.status, StatusCode::OK, "{path}");
    r.page_text()
}

#[tokio::test]
async fn what_people_read_on_the_home_page_a_procedure_page_and_its_paper_form() {
    TestApp::builder()
        .demo_procedures()
        .on_both_engines(|mut app| async move {
            insta::assert_snapshot!("home", text(&mut app, "/").await);
            insta::assert_snapshot!(
                "procedure_aide_sociale_urgence",
                text(&mut app, "/demarches/aide-sociale-urgence").await
            );
            insta::assert_snapshot!(
                "paper_form_aide_sociale_urgence",
                text(
                    &mut app,
                    "/demarches/aide-sociale-urgence/formulaire-papier"
                )
                .await
            );
            // Groups, conditions and choices: the richest paper form of the demo.
            insta::assert_snapshot!(
                "paper_form_inscription_cantine",
                text(&mut app, "/demarches/inscription-cantine/formulaire-papier").await
            );
        })
        .await;
}
