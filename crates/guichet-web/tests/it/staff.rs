//! Staff sign-in: password then TOTP (enrolled with a QR code the first time), lockout after
//! repeated failures, no code accepted twice, sign-out, and the security journal.

use axum::http::StatusCode;
use guichet_auth::TotpSecret;
use guichet_domain::{AgentId, OperatorId, StaffRole};
use guichet_store::agents::AgentAccount;

use crate::support::{TestApp, TestResponse};

const PASSWORD: &str = "Cheval-agrafe-pile-9";

/// The test app's clock (fixed): the instant codes are computed at.
pub(crate) fn now_secs() -> i64 {
    20_500 * 86_400
}

async fn add_agent(app: &TestApp, login: &str, secret: Option<&TotpSecret>) -> AgentAccount {
    let a = AgentAccount {
        id: AgentId::from_uuid(uuid::Uuid::new_v4()),
        login: login.to_owned(),
        display_name: "Claire Dubois".to_owned(),
        title: "Agente d’accueil".to_owned(),
        role: StaffRole::FrontDesk,
        operator: OperatorId::parse("ccas-saint-clair").unwrap(),
        place: None,
        password_hash: guichet_auth::hash_password(PASSWORD).unwrap(),
        totp_secret: secret.map(TotpSecret::to_base32),
        totp_last_step: None,
        failed_attempts: 0,
        locked_until: None,
        suspended: false,
        created_at: chrono::DateTime::UNIX_EPOCH,
    };
    app.store().insert_agent(&a).await.unwrap();
    a
}

pub(crate) async fn password(app: &mut TestApp, login: &str, password: &str) -> TestResponse {
    app.post_form(
        "/agents/connexion",
        &[("identifiant", login), ("mot_de_passe", password)],
    )
    .await
}

async fn events(app: &TestApp, a: &AgentAccount) -> Vec<String> {
    let mut e: Vec<String> = app
        .store()
        .security_events(Some(a.id), 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    e.reverse();
    e
}

#[tokio::test]
async fn a_first_sign_in_enrols_an_authenticator_then_signs_in() {
    TestApp::builder()
        .demo_procedures()
        .on_both_engines(|mut app| async move {
            let a = add_agent(&app, "claire@ccas.example", None).await;
            let r = app.get("/agents").await;
            assert_eq!(r.location(), Some("/agents/connexion?expiree=1"));
            let r = app.get("/agents/connexion").await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(r.text().contains("autocomplete=\"current-password\""));

            let r = password(&mut app, " Claire@CCAS.example ", PASSWORD).await;
            assert_eq!(
                r.location(),
                Some("/agents/connexion/enrolement"),
                "{}",
                r.text()
            );
            let cookie = r.header("set-cookie").unwrap().to_owned();
            for flag in ["HttpOnly", "SameSite=Strict", "Secure"] {
                assert!(cookie.contains(flag), "{cookie}");
            }
            let r = app.get("/agents/connexion/enrolement").await;
            let page = r.text().to_owned();
            assert!(page.contains("<svg") && page.contains("role=\"img\""));
            let shown = page
                .split("id=\"cle\">")
                .nth(1)
                .and_then(|rest| rest.split('<').next())
                .unwrap()
                .replace(' ', "");
            let secret = TotpSecret::from_base32(&shown).unwrap();

            // A wrong code first: the page says so and stays on enrolment.
            let r = app
                .post_form("/agents/connexion/enrolement", &[("code", "000000")])
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(r.text().contains("<title>Erreur\u{a0}: "));
            let r = app
                .post_form(
                    "/agents/connexion/enrolement",
                    &[("code", &secret.code_at(now_secs()))],
                )
                .await;
            assert_eq!(r.location(), Some("/agents"), "{}", r.text());
            let r = app.get("/agents").await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(r.text().contains("Claire Dubois"));
            let stored = app.store().get_agent(a.id).await.unwrap().unwrap();
            assert_eq!(stored.totp_secret.as_deref(), Some(shown.as_str()));
            assert_eq!(
                events(&app, &a).await,
                ["second_factor_failed", "enrolled", "sign_in"]
            );

            // Signing out needs the page's token, ends the session and is journaled.
            let r = app.get("/agents").await;
            let _ = r;
            let r = app.post_form("/agents/deconnexion", &[]).await;
            assert_eq!(r.location(), Some("/agents/connexion?deconnecte=1"));
            let r = app.get("/agents/connexion?deconnecte=1").await;
            assert!(r.text().contains("Vous êtes déconnecté"));
            assert_eq!(
                app.get("/agents").await.location(),
                Some("/agents/connexion?expiree=1")
            );
            assert_eq!(
                events(&app, &a).await.last().map(String::as_str),
                Some("sign_out")
            );
        })
        .await;
}

#[tokio::test]
async fn wrong_passwords_lock_the_account_and_say_until_when() {
    TestApp::builder()
        .on_both_engines(|mut app| async move {
            let a = add_agent(&app, "marc@ccas.example", Some(&TotpSecret::generate())).await;
            let unknown = password(&mut app, "personne@ccas.example", PASSWORD).await;
            let wrong = password(&mut app, "marc@ccas.example", "mauvais").await;
            assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
            // The same words for an unknown login and a wrong password.
            assert!(
                unknown
                    .text()
                    .contains("Identifiant ou mot de passe incorrect")
            );
            assert!(
                wrong
                    .text()
                    .contains("Identifiant ou mot de passe incorrect")
            );
            assert!(
                wrong.text().contains("value=\"marc@ccas.example\""),
                "the login is kept"
            );
            for _ in 0..3 {
                password(&mut app, "marc@ccas.example", "mauvais").await;
            }
            let r = password(&mut app, "marc@ccas.example", "mauvais").await;
            assert!(r.text().contains("verrouillé"), "{}", r.text());
            // Even the right password is refused while locked.
            let r = password(&mut app, "marc@ccas.example", PASSWORD).await;
            assert!(r.location().is_none());
            assert!(r.text().contains("verrouillé"));
            let e = events(&app, &a).await;
            assert_eq!(e.iter().filter(|e| *e == "sign_in_failed").count(), 6);
            assert!(e.contains(&"locked".to_owned()));
            let anonymous = app.store().security_events(None, 50).await.unwrap();
            assert!(
                anonymous
                    .iter()
                    .any(|e| e.agent_id.is_none() && e.login == "personne@ccas.example")
            );
        })
        .await;
}

#[tokio::test]
async fn a_code_is_accepted_once_and_a_half_signed_in_session_reaches_nothing() {
    TestApp::builder()
        .on_both_engines(|mut app| async move {
            let secret = TotpSecret::generate();
            add_agent(&app, "lea@ccas.example", Some(&secret)).await;
            let r = password(&mut app, "lea@ccas.example", PASSWORD).await;
            assert_eq!(r.location(), Some("/agents/connexion/code"));
            // Password only: the desk stays closed.
            assert_eq!(
                app.get("/agents").await.location(),
                Some("/agents/connexion?expiree=1")
            );
            app.get("/agents/connexion/code").await;
            let code = secret.code_at(now_secs());
            let r = app
                .post_form("/agents/connexion/code", &[("code", &code)])
                .await;
            assert_eq!(r.location(), Some("/agents"));

            // Someone who saw the password and the code: the code is spent.
            let mut other = app.fresh_visitor();
            password(&mut other, "lea@ccas.example", PASSWORD).await;
            other.get("/agents/connexion/code").await;
            let r = other
                .post_form("/agents/connexion/code", &[("code", &code)])
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(r.text().contains("Ce code n’est pas le bon"));
            // A forged form without the token changes nothing.
            let mut forged = app.fresh_visitor();
            password(&mut forged, "lea@ccas.example", PASSWORD).await;
            let r = forged
                .post_form("/agents/connexion/code", &[("code", &code), ("csrf", "x")])
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
        })
        .await;
}

#[tokio::test]
async fn every_demo_account_listed_on_demo_signs_in_with_what_the_page_shows() {
    TestApp::builder()
        .demo_procedures()
        .demo_banner()
        .on_both_engines(|mut app| async move {
            guichet_web::staff::seed_demo_accounts(app.store(), chrono::DateTime::UNIX_EPOCH)
                .await
                .unwrap();
            let page = app.get("/demo").await.page_text();
            for d in guichet_web::staff::DEMO_ACCOUNTS {
                assert!(
                    page.contains(d.login) && page.contains(d.password),
                    "{}",
                    d.login
                );
                let code = TotpSecret::from_base32(d.totp).unwrap().code_at(now_secs());
                assert!(page.contains(&code), "the current code of {}", d.login);
                let mut browser = app.fresh_visitor();
                let r = password(&mut browser, d.login, d.password).await;
                assert_eq!(r.location(), Some("/agents/connexion/code"), "{}", d.login);
                browser.get("/agents/connexion/code").await;
                let r = browser
                    .post_form("/agents/connexion/code", &[("code", &code)])
                    .await;
                assert_eq!(r.location(), Some("/agents"), "{}", d.login);
                let home = browser.get("/agents").await;
                assert!(home.text().contains(d.name), "{}", d.login);
            }
        })
        .await;
}

/// A browser signed in as the demo account `login` (seeds the demo accounts if needed). Each
/// demo account can sign in once per test (the test clock is fixed: a code is used once).
pub(crate) async fn signed_in_demo(app: &TestApp, login: &str) -> TestApp {
    guichet_web::staff::seed_demo_accounts(app.store(), chrono::DateTime::UNIX_EPOCH)
        .await
        .unwrap();
    let d = guichet_web::staff::DEMO_ACCOUNTS
        .iter()
        .find(|d| d.login == login)
        .unwrap();
    let mut browser = app.fresh_visitor();
    password(&mut browser, d.login, d.password).await;
    browser.get("/agents/connexion/code").await;
    let code = TotpSecret::from_base32(d.totp).unwrap().code_at(now_secs());
    let r = browser
        .post_form("/agents/connexion/code", &[("code", &code)])
        .await;
    assert_eq!(r.location(), Some("/agents"), "{login}: {}", r.text());
    browser.get("/agents").await;
    browser
}
