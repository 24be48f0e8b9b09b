//! Accounts of the public: creation with the same answer for a new and a known address, the
//! confirmation email in the outbox, sign-in with its lockout, a request submitted while signed
//! in appearing on /compte, adding a case with its code (the /suivi check and count), removing
//! it, a new password by email, deleting the account (the cases stay), and CSRF.

use axum::http::StatusCode;
use guichet_domain::NotificationKind;
use guichet_notify::payload::Payload;

use crate::portal::{begin, fill_canteen};
use crate::support::{TestApp, TestResponse};

const PASSWORD: &str = "mon chat dort sur le radiateur";

/// The account emails in the outbox, oldest first: (to, text).
async fn account_emails(app: &TestApp) -> Vec<(String, String)> {
    app.store()
        .list_intents(None, 200)
        .await
        .unwrap()
        .into_iter()
        .filter(|i| i.kind == NotificationKind::Account)
        .map(|i| match Payload::from_json(&i.payload).unwrap() {
            Payload::Email { to, text, .. } => (to, text),
            other => panic!("an account message by email only: {other:?}"),
        })
        .collect()
}

/// The path of the link in an email (`/compte/…?jeton=…`).
fn link_in(text: &str) -> String {
    let start = text.find("/compte/").expect("a link");
    text[start..].split_whitespace().next().unwrap().to_owned()
}

async fn create(app: &mut TestApp, email: &str) -> TestResponse {
    app.get("/compte/creer").await;
    app.post_form(
        "/compte/creer",
        &[
            ("courriel", email),
            ("mot_de_passe", PASSWORD),
            ("confirmation", PASSWORD),
        ],
    )
    .await
}

async fn sign_in(app: &mut TestApp, email: &str, password: &str) -> TestResponse {
    app.get("/compte/connexion").await;
    app.post_form(
        "/compte/connexion",
        &[("courriel", email), ("mot_de_passe", password)],
    )
    .await
}

#[tokio::test]
async fn an_account_is_created_confirmed_and_shows_the_requests_sent_while_signed_in() {
    TestApp::builder()
        .demo_procedures()
        .on_both_engines(|mut app| async move {
            // The rule is shown before typing; a weak password is refused next to its field.
            let r = app.get("/compte/creer").await;
            assert!(r.text().contains("Au moins 12 caractères"), "{}", r.text());
            let r = app
                .post_form(
                    "/compte/creer",
                    &[
                        ("courriel", "rose.martin@exemple.fr"),
                        ("mot_de_passe", "court"),
                        ("confirmation", "court"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(r.title().starts_with("Erreur\u{a0}: "), "{}", r.title());
            assert!(
                r.text()
                    .contains("aria-describedby=\"mot_de_passe-aide mot_de_passe-erreur\"")
            );
            assert!(account_emails(&app).await.is_empty());

            let r = create(&mut app, "Rose.Martin@exemple.fr").await;
            assert_eq!(r.location(), Some("/compte/creer/envoye"), "{}", r.text());
            let new_answer = app.get("/compte/creer/envoye").await.page_text();
            let mails = account_emails(&app).await;
            assert_eq!(mails.len(), 1);
            assert_eq!(mails[0].0, "rose.martin@exemple.fr");
            let confirm = link_in(&mails[0].1);
            assert!(confirm.starts_with("/compte/confirmer?jeton="), "{confirm}");

            // Not confirmed yet: no sign-in, and the link is sent again.
            let r = sign_in(&mut app, "rose.martin@exemple.fr", PASSWORD).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(r.text().contains("pas encore confirmée"), "{}", r.text());
            assert_eq!(account_emails(&app).await.len(), 2);

            // The same address again: the same answer; the mailbox learns it has an account.
            let mut other = app.fresh_visitor();
            let r = create(&mut other, "rose.martin@exemple.fr").await;
            assert_eq!(r.location(), Some("/compte/creer/envoye"));
            assert_eq!(
                other.get("/compte/creer/envoye").await.page_text(),
                new_answer
            );
            let mails = account_emails(&app).await;
            assert_eq!(mails.len(), 3);
            // (Written at the same instant of the test clock: found by content, not order.)
            assert!(
                mails.iter().any(|m| m.1.contains("déjà un compte")),
                "{mails:?}"
            );

            let r = app.get(&confirm).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            assert!(r.text().contains("Votre adresse est confirmée"));
            let r = app.get(&confirm).await;
            assert_eq!(r.status, StatusCode::GONE, "a link serves once");

            // Signing in gives a new session secret, and /compte.
            let before = app.cookies().header_value();
            let r = sign_in(&mut app, "rose.martin@exemple.fr", PASSWORD).await;
            assert_eq!(r.location(), Some("/compte"), "{}", r.text());
            let cookie = r.header("set-cookie").expect("a new session at sign-in");
            for flag in ["HttpOnly", "SameSite=Lax", "Secure"] {
                assert!(cookie.contains(flag), "{cookie}");
            }
            assert_ne!(app.cookies().header_value(), before);
            let r = app.get("/compte").await;
            assert!(r.text().contains("Aucun dossier"), "{}", r.text());

            // A request submitted online while signed in appears on /compte.
            let reference = begin(&mut app, &[]).await;
            fill_canteen(&mut app).await;
            app.get("/demarches/inscription-cantine/en-ligne/verification")
                .await;
            let r = app
                .post_form(
                    "/demarches/inscription-cantine/en-ligne/verification",
                    &[("certifie", "oui")],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
            let r = app.get("/compte").await;
            let page = r.page_text();
            assert!(page.contains(reference.as_str()), "{page}");
            assert!(page.contains("Inscription"), "{page}");
            assert!(r.text().contains(&format!("href=\"/suivi/{reference}\"")));

            // Signed out, /compte asks to sign in again and the case needs its code.
            app.post_form("/compte/deconnexion", &[]).await;
            let r = app.get("/compte").await;
            assert_eq!(r.location(), Some("/compte/connexion"));
            let r = app.get(&format!("/suivi/{reference}")).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
        })
        .await;
}

#[tokio::test]
async fn a_case_is_added_with_its_code_removed_and_the_account_deleted_keeps_it() {
    TestApp::builder()
        .demo_procedures()
        .on_both_engines(|mut app| async move {
            // A case started without an account, by someone else's browser.
            let mut counter = app.fresh_visitor();
            let reference = begin(&mut counter, &[]).await;
            let case = app.store().load_case(&reference).await.unwrap();
            let code = guichet_notify::plan::follow_up_code(&case);

            create(&mut app, "paul@exemple.fr").await;
            let confirm = link_in(&account_emails(&app).await[0].1);
            app.get(&confirm).await;
            sign_in(&mut app, "paul@exemple.fr", PASSWORD).await;
            app.get("/compte").await;

            // A wrong code is refused and counted with /suivi's.
            let r = app
                .post_form(
                    "/compte/dossiers",
                    &[("reference", reference.as_str()), ("code", "AAAA-AAAA")],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(r.title().starts_with("Erreur\u{a0}: "));
            assert!(r.text().contains("4 essais"), "{}", r.text());
            assert!(
                r.text()
                    .contains("aria-describedby=\"code-aide code-erreur\"")
            );
            let now = chrono::DateTime::UNIX_EPOCH + chrono::Duration::days(20_500);
            let (failures, _) = app
                .store()
                .follow_up_failures(reference.as_str(), now - chrono::Duration::minutes(15))
                .await
                .unwrap();
            assert_eq!(failures, 1);

            let r = app
                .post_form(
                    "/compte/dossiers",
                    &[("reference", reference.as_str()), ("code", &code)],
                )
                .await;
            assert_eq!(
                r.location(),
                Some(format!("/compte?ajoute={reference}").as_str()),
                "{}",
                r.text()
            );
            let r = app.get("/compte").await;
            assert!(r.page_text().contains(reference.as_str()));
            let r = app.get(&format!("/suivi/{reference}")).await;
            assert_eq!(r.status, StatusCode::OK);

            // Removed: no longer listed, still there.
            app.get("/compte").await;
            let r = app
                .post_form(&format!("/compte/dossiers/{reference}/retirer"), &[])
                .await;
            assert_eq!(
                r.location(),
                Some(format!("/compte?retire={reference}").as_str())
            );
            let r = app.get(r.location().unwrap()).await;
            assert!(r.page_text().contains("n’est pas supprimé"));
            assert!(!r.text().contains(&format!("href=\"/suivi/{reference}\"")));

            // Added again, then the account deleted: the case stays.
            app.post_form(
                "/compte/dossiers",
                &[("reference", reference.as_str()), ("code", &code)],
            )
            .await;
            app.get("/compte/supprimer").await;
            let r = app.post_form("/compte/supprimer", &[]).await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(
                r.page_text()
                    .contains("Vos dossiers, eux, ne sont pas supprimés")
            );
            assert!(
                app.store()
                    .person_account_by_email("paul@exemple.fr")
                    .await
                    .unwrap()
                    .is_none()
            );
            assert!(app.store().load_case(&reference).await.is_ok());
            let r = sign_in(&mut app, "paul@exemple.fr", PASSWORD).await;
            assert!(
                r.text()
                    .contains("Adresse de courriel ou mot de passe incorrect")
            );
        })
        .await;
}

#[tokio::test]
async fn wrong_passwords_lock_the_account_and_a_new_password_comes_by_email() {
    TestApp::builder()
        .on_both_engines(|mut app| async move {
            create(&mut app, "lea@exemple.fr").await;
            let confirm = link_in(&account_emails(&app).await[0].1);
            app.get(&confirm).await;

            // An unknown address and a wrong password get the same words.
            let unknown = sign_in(&mut app, "personne@exemple.fr", PASSWORD).await;
            assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(unknown.title().starts_with("Erreur\u{a0}: "));
            let wrong = sign_in(&mut app, "lea@exemple.fr", "pas le bon").await;
            let words = "Adresse de courriel ou mot de passe incorrect";
            assert!(unknown.text().contains(words) && wrong.text().contains(words));
            for _ in 0..3 {
                sign_in(&mut app, "lea@exemple.fr", "pas le bon").await;
            }
            let r = sign_in(&mut app, "lea@exemple.fr", "pas le bon").await;
            assert!(
                r.text().contains("Réessayez dans 15 minutes"),
                "{}",
                r.text()
            );
            // Locked: even the right password waits.
            let r = sign_in(&mut app, "lea@exemple.fr", PASSWORD).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(r.text().contains("Réessayez dans"), "{}", r.text());

            // « Mot de passe oublié »: the same answer for any address, other ways explained.
            let r = app.get("/compte/mot-de-passe-oublie").await;
            assert!(r.page_text().contains("code de suivi"));
            let r = app
                .post_form(
                    "/compte/mot-de-passe-oublie",
                    &[("courriel", "inconnu@exemple.fr")],
                )
                .await;
            let unknown_answer = r.location().map(str::to_owned);
            app.get("/compte/mot-de-passe-oublie").await;
            let r = app
                .post_form(
                    "/compte/mot-de-passe-oublie",
                    &[("courriel", "lea@exemple.fr")],
                )
                .await;
            assert_eq!(r.location().map(str::to_owned), unknown_answer);
            let mails = account_emails(&app).await;
            assert_eq!(
                mails.len(),
                2,
                "one confirmation, one reset, nothing for the unknown address"
            );
            let reset = mails
                .iter()
                .map(|m| link_in(&m.1))
                .find(|l| l.contains("nouveau-mot-de-passe"))
                .expect("a reset link");
            assert!(reset.starts_with("/compte/nouveau-mot-de-passe?jeton="));

            let r = app.get(&reset).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            assert_eq!(r.header("cache-control"), Some("no-store"));
            let token = r.hidden_input("jeton").unwrap();
            let new_password = "Une autre phrase, plus longue";
            let r = app
                .post_form(
                    "/compte/nouveau-mot-de-passe",
                    &[
                        ("jeton", &token),
                        ("mot_de_passe", new_password),
                        ("confirmation", "autre"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(r.text().contains("pas identiques"));
            let r = app
                .post_form(
                    "/compte/nouveau-mot-de-passe",
                    &[
                        ("jeton", &token),
                        ("mot_de_passe", new_password),
                        ("confirmation", new_password),
                    ],
                )
                .await;
            assert_eq!(
                r.location(),
                Some("/compte/connexion?nouveau=1"),
                "{}",
                r.text()
            );
            assert_eq!(app.get(&reset).await.status, StatusCode::GONE, "used once");
            // The lock is lifted, the old password is gone.
            let r = sign_in(&mut app, "lea@exemple.fr", PASSWORD).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            let r = sign_in(&mut app, "lea@exemple.fr", new_password).await;
            assert_eq!(r.location(), Some("/compte"), "{}", r.text());
        })
        .await;
}

#[tokio::test]
async fn account_forms_without_their_token_change_nothing() {
    TestApp::builder()
        .on_both_engines(|mut app| async move {
            app.get("/compte/creer").await;
            let r = app
                .post_form(
                    "/compte/creer",
                    &[
                        ("csrf", "faux"),
                        ("courriel", "x@exemple.fr"),
                        ("mot_de_passe", PASSWORD),
                        ("confirmation", PASSWORD),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
            assert!(
                app.store()
                    .person_account_by_email("x@exemple.fr")
                    .await
                    .unwrap()
                    .is_none()
            );
            let mut stranger = app.fresh_visitor();
            let r = stranger
                .post_form("/compte/connexion", &[("courriel", "x@exemple.fr")])
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
            // The header offers the account discreetly on every page.
            assert!(app.get("/").await.text().contains("href=\"/compte\""));
        })
        .await;
}

#[tokio::test]
async fn an_address_gets_at_most_three_account_emails_an_hour() {
    TestApp::builder()
        .on_both_engines(|mut app| async move {
            create(&mut app, "lea@exemple.fr").await;
            let mut answers = Vec::new();
            for _ in 0..5 {
                app.get("/compte/mot-de-passe-oublie").await;
                let r = app
                    .post_form(
                        "/compte/mot-de-passe-oublie",
                        // Typed differently each time: the cap is per address, not per spelling.
                        &[("courriel", "Lea@Exemple.fr")],
                    )
                    .await;
                answers.push(r.location().map(str::to_owned));
            }
            // The same answer every time; the confirmation and two resets, then nothing.
            assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
            let mails = account_emails(&app).await;
            assert_eq!(mails.len(), 3, "{mails:?}");
            assert!(mails.iter().all(|(to, _)| to == "lea@exemple.fr"));
            let r = app.get("/compte/mot-de-passe-oublie?envoye=1").await;
            assert!(
                r.page_text().contains("au plus 3 courriels"),
                "{}",
                r.text()
            );
        })
        .await;
}
