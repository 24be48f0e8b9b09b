//! `/agents/comptes`: an administrator creates, suspends, reactivates and resets their
//! operator's accounts; everyone else is refused (403, journaled); every change is journaled.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use guichet_auth::TotpSecret;
use guichet_domain::{AgentId, OperatorId, StaffRole};
use guichet_store::agents::AgentAccount;

use crate::support::{TestApp, TestResponse};

const PASSWORD: &str = "Cheval-agrafe-pile-9";
const OPERATOR: &str = "ccas-saint-clair";

/// The test app's clock (fixed): the instant codes are computed at. A code works once per
/// account, so each account signs in once per test.
fn now_secs() -> i64 {
    20_500 * 86_400
}

async fn add(
    app: &TestApp,
    login: &str,
    name: &str,
    role: StaffRole,
    operator: &str,
    secret: &TotpSecret,
) -> AgentAccount {
    let a = AgentAccount {
        id: AgentId::from_uuid(uuid::Uuid::new_v4()),
        login: login.to_owned(),
        display_name: name.to_owned(),
        title: "Agent".to_owned(),
        role,
        operator: OperatorId::parse(operator).unwrap(),
        place: None,
        password_hash: guichet_auth::hash_password(PASSWORD).unwrap(),
        totp_secret: Some(secret.to_base32()),
        totp_last_step: None,
        failed_attempts: 0,
        locked_until: None,
        suspended: false,
        created_at: chrono::DateTime::UNIX_EPOCH,
    };
    app.store().insert_agent(&a).await.unwrap();
    a
}

async fn password(app: &mut TestApp, login: &str, password: &str) -> TestResponse {
    app.post_form(
        "/agents/connexion",
        &[("identifiant", login), ("mot_de_passe", password)],
    )
    .await
}

/// Signs in through the real forms: password, then the code of `secret`.
async fn sign_in(app: &mut TestApp, login: &str, secret: &TotpSecret) {
    let r = password(app, login, PASSWORD).await;
    assert_eq!(r.location(), Some("/agents/connexion/code"), "{}", r.text());
    app.get("/agents/connexion/code").await;
    let r = app
        .post_form(
            "/agents/connexion/code",
            &[("code", &secret.code_at(now_secs()))],
        )
        .await;
    assert_eq!(r.location(), Some("/agents"), "{}", r.text());
}

/// An administrator of the CCAS, signed in.
async fn admin(app: &mut TestApp) -> AgentAccount {
    let secret = TotpSecret::generate();
    let a = add(
        app,
        "admin@ccas.example",
        "Aline Martin",
        StaffRole::Administrator,
        OPERATOR,
        &secret,
    )
    .await;
    sign_in(app, &a.login, &secret).await;
    a
}

/// The temporary password a confirmation page shows.
fn shown_password(r: &TestResponse) -> String {
    r.text()
        .split("id=\"mot-de-passe\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .to_owned()
}

/// `(event, detail)` of an agent's journal, oldest first.
async fn journal(app: &TestApp, a: &AgentAccount) -> Vec<(String, String)> {
    let mut e: Vec<(String, String)> = app
        .store()
        .security_events(Some(a.id), 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.event, e.detail))
        .collect();
    e.reverse();
    e
}

fn new_account<'a>(login: &'a str, role: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("identifiant", login),
        ("nom", "Bruno Petit"),
        ("titre", "Instructeur, CCAS de Saint-Clair-sur-Lys"),
        ("role", role),
        ("lieu", "Accueil de la mairie"),
    ]
}

#[tokio::test]
async fn an_administrator_creates_an_account_shown_once_and_a_login_is_taken_once() {
    TestApp::builder()
        .on_both_engines(|mut app| async move {
            let me = admin(&mut app).await;
            let operator = OperatorId::parse(OPERATOR).unwrap();
            let r = app.get("/agents").await;
            assert!(r.text().contains("href=\"/agents/comptes\""));
            let r = app.get("/agents/comptes").await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(r.text().contains("Aline Martin"));
            assert!(r.text().contains("admin@ccas.example"));

            // Every field wrong: each says why, next to it and in the summary; answers kept.
            let r = app.get("/agents/comptes/nouveau").await;
            assert_eq!(r.status, StatusCode::OK);
            let r = app
                .post_form(
                    "/agents/comptes/nouveau",
                    &[
                        ("identifiant", "élodie"),
                        ("nom", ""),
                        ("titre", "Instructrice"),
                        ("lieu", &"x".repeat(101)),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            let page = r.text();
            assert!(page.contains("<title>Erreur\u{a0}: "), "{page}");
            assert!(page.contains("4 réponses sont à corriger"), "{page}");
            assert!(page.contains(
                "id=\"identifiant-erreur\">Erreur\u{a0}: L’identifiant ne peut contenir"
            ));
            assert!(page.contains("id=\"nom-erreur\">Erreur\u{a0}: Indiquez le prénom et le nom."));
            assert!(
                page.contains("id=\"role-erreur\">Erreur\u{a0}: Choisissez le rôle du compte.")
            );
            assert!(page.contains(
                "id=\"lieu-erreur\">Erreur\u{a0}: Écrivez le lieu en 100 caractères au plus."
            ));
            assert!(page.contains("aria-describedby=\"identifiant-aide identifiant-erreur\""));
            assert!(page.contains("value=\"élodie\"") && page.contains("value=\"Instructrice\""));
            assert_eq!(app.store().list_agents(&operator).await.unwrap().len(), 1);

            let r = app
                .post_form(
                    "/agents/comptes/nouveau",
                    &new_account(" Bruno.Petit@CCAS.example ", "case_officer"),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            assert_eq!(r.header("cache-control"), Some("no-store"));
            let temporary = shown_password(&r);
            assert!(guichet_auth::check_password_policy(&temporary).is_ok());
            let created = app
                .store()
                .agent_by_login("bruno.petit@ccas.example")
                .await
                .unwrap()
                .unwrap();
            assert_eq!(created.login, "bruno.petit@ccas.example");
            assert_eq!(created.role, StaffRole::CaseOfficer);
            assert_eq!(created.operator, operator);
            assert_eq!(created.place.as_deref(), Some("Accueil de la mairie"));
            assert_eq!(created.totp_secret, None);
            assert!(!created.password_hash.contains(&temporary));
            assert_eq!(
                journal(&app, &me).await.last().unwrap(),
                &(
                    "account_created".to_owned(),
                    "bruno.petit@ccas.example".to_owned()
                )
            );

            // The same login again, in other letters: refused next to the field.
            app.get("/agents/comptes/nouveau").await;
            let r = app
                .post_form(
                    "/agents/comptes/nouveau",
                    &new_account("BRUNO.PETIT@ccas.example", "front_desk"),
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(r.text().contains("Cet identifiant est déjà utilisé"));
            assert_eq!(app.store().list_agents(&operator).await.unwrap().len(), 2);

            // The list shows the new account, waiting for its second factor, and the journal.
            let r = app.get("/agents/comptes").await;
            let page = r.page_text();
            assert!(page.contains("Bruno Petit"), "{page}");
            assert!(page.contains("instructeur ou instructrice"), "{page}");
            assert!(page.contains("pas encore activée"), "{page}");
            assert!(
                page.contains("compte créé (bruno.petit@ccas.example)"),
                "{page}"
            );

            // The new agent signs in with the temporary password and must enrol.
            let mut bruno = app.fresh_visitor();
            let r = password(&mut bruno, "bruno.petit@ccas.example", &temporary).await;
            assert_eq!(r.location(), Some("/agents/connexion/enrolement"));
        })
        .await;
}

#[tokio::test]
async fn a_suspension_ends_the_agents_session_until_reactivated() {
    TestApp::builder()
        .on_both_engines(|mut app| async move {
            let me = admin(&mut app).await;
            let secret = TotpSecret::generate();
            let claire = add(
                &app,
                "claire@ccas.example",
                "Claire Dubois",
                StaffRole::FrontDesk,
                OPERATOR,
                &secret,
            )
            .await;
            let mut desk = app.fresh_visitor();
            sign_in(&mut desk, &claire.login, &secret).await;
            assert_eq!(desk.get("/agents").await.status, StatusCode::OK);

            app.get("/agents/comptes").await;
            let r = app
                .post_form(&format!("/agents/comptes/{}/suspendre", claire.id), &[])
                .await;
            let back = r.location().unwrap().to_owned();
            assert!(back.starts_with("/agents/comptes?fait=suspendu"), "{back}");
            let r = app.get(&back).await;
            assert!(
                r.page_text()
                    .contains("Le compte de Claire Dubois (claire@ccas.example) est suspendu")
            );
            assert!(r.page_text().contains("suspendu"));
            assert!(
                app.store()
                    .get_agent(claire.id)
                    .await
                    .unwrap()
                    .unwrap()
                    .suspended
            );
            // Her open session is over, and her password no longer lets her in.
            assert_eq!(
                desk.get("/agents").await.location(),
                Some("/agents/connexion?expiree=1")
            );
            let r = password(&mut desk, &claire.login, PASSWORD).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

            // An administrator cannot suspend themself.
            app.get("/agents/comptes").await;
            let r = app
                .post_form(&format!("/agents/comptes/{}/suspendre", me.id), &[])
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(r.text().contains("<title>Erreur\u{a0}: "));
            assert!(
                r.text()
                    .contains("Vous ne pouvez pas suspendre votre propre compte")
            );
            assert!(
                !app.store()
                    .get_agent(me.id)
                    .await
                    .unwrap()
                    .unwrap()
                    .suspended
            );

            app.get("/agents/comptes").await;
            let r = app
                .post_form(&format!("/agents/comptes/{}/reactiver", claire.id), &[])
                .await;
            assert!(
                r.location()
                    .unwrap()
                    .starts_with("/agents/comptes?fait=reactive")
            );
            let r = password(&mut desk, &claire.login, PASSWORD).await;
            assert_eq!(r.location(), Some("/agents/connexion/code"));

            let mine: Vec<_> = journal(&app, &me).await;
            assert!(mine.contains(&("account_suspended".into(), claire.login.clone())));
            assert!(mine.contains(&("account_reactivated".into(), claire.login.clone())));
        })
        .await;
}

#[tokio::test]
async fn a_reset_gives_a_new_password_and_asks_for_a_new_authenticator() {
    TestApp::builder()
        .on_both_engines(|mut app| async move {
            let me = admin(&mut app).await;
            let secret = TotpSecret::generate();
            let lea = add(
                &app,
                "lea@ccas.example",
                "Léa Roux",
                StaffRole::CaseOfficer,
                OPERATOR,
                &secret,
            )
            .await;
            let mut officer = app.fresh_visitor();
            sign_in(&mut officer, &lea.login, &secret).await;
            // Locked after wrong passwords (from elsewhere).
            let mut thief = app.fresh_visitor();
            for _ in 0..5 {
                password(&mut thief, &lea.login, "mauvais").await;
            }
            let r = app.get("/agents/comptes").await;
            assert!(
                r.page_text().contains("verrouillé jusqu’au"),
                "{}",
                r.page_text()
            );

            let r = app
                .post_form(&format!("/agents/comptes/{}/reinitialiser", lea.id), &[])
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            assert_eq!(r.header("cache-control"), Some("no-store"));
            assert!(r.text().contains("Compte réinitialisé"));
            let temporary = shown_password(&r);
            let stored = app.store().get_agent(lea.id).await.unwrap().unwrap();
            assert_eq!(stored.totp_secret, None);
            assert_eq!(stored.locked_until, None);
            assert_eq!(stored.failed_attempts, 0);
            // Her sessions are over; the old password is refused, the new one asks to enrol.
            assert_eq!(
                officer.get("/agents").await.location(),
                Some("/agents/connexion?expiree=1")
            );
            let r = password(&mut officer, &lea.login, PASSWORD).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            let r = password(&mut officer, &lea.login, &temporary).await;
            assert_eq!(r.location(), Some("/agents/connexion/enrolement"));
            assert_eq!(
                journal(&app, &me).await.last().unwrap(),
                &("account_reset".to_owned(), lea.login.clone())
            );
        })
        .await;
}

#[tokio::test]
async fn a_front_desk_agent_and_another_operators_administrator_are_refused() {
    TestApp::builder()
        .on_both_engines(|mut app| async move {
            let target_secret = TotpSecret::generate();
            let target = add(
                &app,
                "marc@ccas.example",
                "Marc Leroy",
                StaffRole::CaseOfficer,
                OPERATOR,
                &target_secret,
            )
            .await;

            // A front-desk agent of the same operator.
            let secret = TotpSecret::generate();
            let desk = add(
                &app,
                "accueil@ccas.example",
                "Nora Benali",
                StaffRole::FrontDesk,
                OPERATOR,
                &secret,
            )
            .await;
            sign_in(&mut app, &desk.login, &secret).await;
            let r = app.get("/agents/comptes").await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
            assert!(r.text().contains("Votre rôle ne permet pas cette action"));
            app.get("/agents").await;
            let r = app
                .post_form(&format!("/agents/comptes/{}/suspendre", target.id), &[])
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
            let e = journal(&app, &desk).await;
            let refused: Vec<_> = e.iter().filter(|(e, _)| e == "access_refused").collect();
            assert_eq!(refused.len(), 2, "{e:?}");
            assert!(refused[1].1.contains("manage_accounts"), "{e:?}");
            assert!(refused[1].1.contains("marc@ccas.example"), "{e:?}");

            // An administrator of another operator.
            let mut other = app.fresh_visitor();
            let secret = TotpSecret::generate();
            let stranger = add(
                &other,
                "admin@mairie-autre.example",
                "Paul Girard",
                StaffRole::Administrator,
                "mairie-autre",
                &secret,
            )
            .await;
            sign_in(&mut other, &stranger.login, &secret).await;
            // Their own list holds their own accounts only.
            let r = other.get("/agents/comptes").await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(!r.text().contains("marc@ccas.example"));
            for action in ["suspendre", "reinitialiser", "reactiver"] {
                other.get("/agents/comptes").await;
                let r = other
                    .post_form(&format!("/agents/comptes/{}/{action}", target.id), &[])
                    .await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{action}");
                assert!(r.text().contains("relève d’un autre organisme"));
            }
            let stored = app.store().get_agent(target.id).await.unwrap().unwrap();
            assert!(!stored.suspended);
            assert_eq!(stored.password_hash, target.password_hash);
            assert!(stored.totp_secret.is_some());
            let e = journal(&app, &stranger).await;
            assert_eq!(
                e.iter().filter(|(e, _)| e == "access_refused").count(),
                3,
                "{e:?}"
            );
        })
        .await;
}

#[tokio::test]
async fn a_form_without_its_token_changes_nothing() {
    TestApp::builder()
        .on_both_engines(|mut app| async move {
            admin(&mut app).await;
            let secret = TotpSecret::generate();
            let target = add(
                &app,
                "sami@ccas.example",
                "Sami Haddad",
                StaffRole::FrontDesk,
                OPERATOR,
                &secret,
            )
            .await;
            let post = |path: String, body: &'static str| {
                Request::post(path)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .unwrap()
            };
            for action in ["suspendre", "reinitialiser"] {
                let r = app
                    .send(post(format!("/agents/comptes/{}/{action}", target.id), ""))
                    .await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{action}");
            }
            let r = app
                .send(post(
                    "/agents/comptes/nouveau".to_owned(),
                    "identifiant=x%40ccas.example&nom=X&titre=X&role=administrator&csrf=faux",
                ))
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
            let stored = app.store().get_agent(target.id).await.unwrap().unwrap();
            assert_eq!(stored, target);
            assert!(
                app.store()
                    .agent_by_login("x@ccas.example")
                    .await
                    .unwrap()
                    .is_none()
            );
        })
        .await;
}
