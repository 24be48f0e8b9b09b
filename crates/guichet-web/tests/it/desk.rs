//! The front desk: registering a person with no email or phone, finding them again despite
//! accents and typos, duplicates shown first, references checked, and the operator boundary.

use axum::http::StatusCode;

use crate::staff::signed_in_demo;
use crate::support::TestApp;

const DESK: &str = "accueil@saint-clair.example";
const CCAS_OFFICER: &str = "instruction.ccas@saint-clair.example";

fn offline_person<'a>() -> Vec<(&'a str, &'a str)> {
    vec![
        ("prenom", "Hélène"),
        ("nom", "Lefèvre"),
        ("naissance", "14/07/1946"),
        ("adresse-ligne1", "3 rue des Lilas"),
        ("adresse-ligne2", ""),
        ("adresse-code_postal", "59990"),
        ("adresse-commune", "Saint-Clair-sur-Lys"),
        ("courriel", ""),
        ("telephone", ""),
        ("contact", "Par courrier"),
        (
            "numerique",
            "Je refuse le numérique : ne jamais me prévenir par courriel ni par SMS",
        ),
        ("formats", "Je veux des courriers en gros caractères"),
    ]
}

#[tokio::test]
async fn a_person_without_email_or_phone_is_registered_found_again_and_not_twice() {
    TestApp::builder()
        .demo_procedures()
        .on_both_engines(|app| async move {
            let mut desk = signed_in_demo(&app, DESK).await;
            let r = desk.get("/agents/personnes").await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(
                r.text().contains("autofocus"),
                "the search field is focused on arrival"
            );

            let form = desk.get("/agents/personnes/nouvelle").await;
            // Worded for the agent, who asks the questions.
            assert!(form.text().contains("Adresse postale de la personne"));
            assert!(!form.text().contains("Votre adresse postale"));
            // The person's choices said of her, the same values posted.
            let page = form.page_text();
            assert!(page.contains("Elle refuse le numérique"), "{page}");
            assert!(
                page.contains("Elle veut des courriers en gros caractères"),
                "{page}"
            );
            assert!(!page.contains("Je refuse le numérique"), "{page}");
            assert!(
                form.text()
                    .contains("value=\"Je veux des courriers en gros caractères\""),
                "{}",
                form.text()
            );
            // A bad date: the message, the other answers kept, nothing stored.
            let mut bad = offline_person();
            bad.retain(|(k, _)| *k != "naissance");
            bad.push(("naissance", "31/02/1946"));
            let r = desk.post_form("/agents/personnes/nouvelle", &bad).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(r.text().contains("<title>Erreur\u{a0}: "));
            assert!(r.text().contains("value=\"3 rue des Lilas\""));
            assert!(app.store().list_persons(10).await.unwrap().is_empty());

            let r = desk
                .post_form("/agents/personnes/nouvelle", &offline_person())
                .await;
            let registered = r.location().expect("registered").to_owned();
            assert!(registered.ends_with("?enregistree=1"));
            let page = desk.get(&registered).await;
            assert!(page.text().contains("La personne est enregistrée"));
            let location = registered.trim_end_matches("?enregistree=1").to_owned();
            assert!(
                page.text().contains("Hélène LEFÈVRE") || page.text().contains("Hélène Lefèvre"),
                "{}",
                page.text()
            );
            let stored = app.store().list_persons(10).await.unwrap();
            assert_eq!(stored.len(), 1);
            assert!(stored[0].preferences.refuses_digital());
            assert!(stored[0].email.is_none() && stored[0].phone.is_none());

            // Found again without accents, with a typo, by birth date, by postcode.
            for q in ["lefevre", "Lefevbre helene", "14/07/1946", "59990"] {
                let r = desk
                    .get(&format!("/agents/personnes?q={}", urlencode(q)))
                    .await;
                assert!(r.text().contains(&location), "{q}: {}", r.text());
            }
            let r = desk.get("/agents/personnes?q=martin").await;
            assert!(!r.text().contains(&location));

            // The same person again: shown as a possible duplicate, nothing stored until confirmed.
            desk.get("/agents/personnes/nouvelle").await;
            let r = desk
                .post_form("/agents/personnes/nouvelle", &offline_person())
                .await;
            assert_eq!(r.status, StatusCode::CONFLICT);
            assert!(r.text().contains("peut-être déjà enregistrée"));
            assert_eq!(app.store().list_persons(10).await.unwrap().len(), 1);
            let mut confirmed = offline_person();
            confirmed.push(("pas_un_doublon", "oui"));
            let r = desk
                .post_form("/agents/personnes/nouvelle", &confirmed)
                .await;
            assert!(r.location().is_some());
            assert_eq!(app.store().list_persons(10).await.unwrap().len(), 2);

            // A reference whose check character is wrong is a typo, said so.
            let r = desk.get("/agents/personnes?q=GX-8B4X-WD7D").await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
            assert!(
                r.text()
                    .contains("n’est pas une référence de dossier valide")
            );

            // Another operator's officer cannot open this person: refused and journaled.
            let mut officer = signed_in_demo(&app, CCAS_OFFICER).await;
            let r = officer.get(&location).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
            let r = officer.get("/agents/personnes?q=lefevre").await;
            assert!(!r.text().contains(&location));
            let refused = app.store().security_events(None, 50).await.unwrap();
            assert!(
                refused
                    .iter()
                    .any(|e| e.event == "access_refused" && e.login == CCAS_OFFICER)
            );
            // An officer does not register people (a front-desk task).
            let r = officer.get("/agents/personnes/nouvelle").await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
        })
        .await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn a_case_opened_at_the_counter_is_filled_and_submitted_in_the_agents_name() {
    use guichet_domain::{CaseState, Channel};
    TestApp::builder()
        .demo_procedures()
        .on_both_engines(|app| async move {
            let mut desk = signed_in_demo(&app, DESK).await;
            desk.get("/agents/personnes/nouvelle").await;
            let r = desk
                .post_form("/agents/personnes/nouvelle", &offline_person())
                .await;
            let person_page = r
                .location()
                .unwrap()
                .trim_end_matches("?enregistree=1")
                .to_owned();
            let page = desk.get(&person_page).await;
            // The town hall's desk opens the town hall's procedures, not the CCAS's.
            assert!(page.text().contains("value=\"inscription-cantine\""));
            assert!(!page.text().contains("value=\"aide-sociale-urgence\""));
            let r = desk
                .post_form(
                    &format!("{person_page}/dossiers"),
                    &[("demarche", "copie-acte-etat-civil"), ("canal", "counter")],
                )
                .await;
            assert_eq!(
                r.location(),
                Some("/demarches/copie-acte-etat-civil/en-ligne/etape/1"),
                "{}",
                r.text()
            );
            let cases = app.cases().await;
            assert_eq!(cases.len(), 1);
            let case = app.store().load_case(&cases[0].reference).await.unwrap();
            assert_eq!(case.state, CaseState::Draft);
            let journal = app.store().journal(&case.reference).await.unwrap();
            assert_eq!(journal[0].channel, Channel::Counter);
            assert!(matches!(
                journal[0].actor,
                guichet_domain::Actor::Agent { .. }
            ));
            // The first answer, typed by the agent in the generated form, is the agent's, at
            // the counter.
            desk.get("/demarches/copie-acte-etat-civil/en-ligne/etape/1")
                .await;
            let r = desk
                .post_form(
                    "/demarches/copie-acte-etat-civil/en-ligne/etape/1",
                    &[
                        ("champ", "acte"),
                        ("acte", "naissance"),
                        ("action", "continuer"),
                    ],
                )
                .await;
            assert_eq!(
                r.location(),
                Some("/demarches/copie-acte-etat-civil/en-ligne/etape/2"),
                "{}",
                r.text()
            );
            let journal = app.store().journal(&case.reference).await.unwrap();
            let last = journal.last().unwrap();
            assert_eq!((last.seq, last.channel), (2, Channel::Counter));
            assert!(
                matches!(last.actor, guichet_domain::Actor::Agent { .. }),
                "{last:?}"
            );
            // The person page lists the new case.
            let page = desk.get(&person_page).await;
            assert!(page.text().contains(case.reference.as_str()));
            // A phone call about it, noted: the agent, the phone, the words.
            let r = desk
                .post_form(
                    &format!("/agents/dossiers/{}/contact", case.reference),
                    &[
                        ("contact", "appel"),
                        (
                            "resume",
                            "Demande quand l’acte arrivera ; réponse : sous huit jours.",
                        ),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
            let journal = app.store().journal(&case.reference).await.unwrap();
            let last = journal.last().unwrap();
            assert_eq!(last.channel, Channel::Phone);
            assert!(format!("{:?}", last.kind).contains("Appel téléphonique : Demande quand"));
            // An empty note is refused, nothing written.
            desk.get(&person_page).await;
            let r = desk
                .post_form(
                    &format!("/agents/dossiers/{}/contact", case.reference),
                    &[("contact", "appel"), ("resume", "  ")],
                )
                .await;
            // The person's page again, the note's form open with its error and the call kept.
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(r.title().starts_with("Erreur\u{a0}: "), "{}", r.title());
            let page = r.text();
            assert!(page.contains("<details open>"), "{page}");
            assert!(
                page.contains("Erreur\u{a0}: Écrivez en quelques mots"),
                "{page}"
            );
            assert!(
                page.contains(&format!(
                    "id=\"contact-appel-{}\" name=\"contact\" value=\"appel\" checked",
                    case.reference
                )),
                "{page}"
            );
            assert_eq!(
                app.store().journal(&case.reference).await.unwrap().len(),
                journal.len()
            );
            // An officer may not open cases at the desk (the rule), even by forging the form.
            let mut officer = signed_in_demo(&app, "instruction.mairie@saint-clair.example").await;
            let r = officer
                .post_form(
                    &format!("{person_page}/dossiers"),
                    &[("demarche", "copie-acte-etat-civil"), ("canal", "counter")],
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
        })
        .await;
}

#[tokio::test]
async fn a_request_started_online_is_taken_over_at_the_counter() {
    use guichet_domain::Channel;
    TestApp::builder()
        .demo_procedures()
        .on_both_engines(|app| async move {
            // Online, a person gives her details and stops.
            let mut person = app.fresh_visitor();
            person
                .get("/demarches/inscription-cantine/en-ligne/coordonnees")
                .await;
            let r = person
                .post_form(
                    "/demarches/inscription-cantine/en-ligne/coordonnees",
                    &offline_person(),
                )
                .await;
            assert!(r.location().is_some(), "{}", r.text());
            let case = app.cases().await
                .remove(0);
            // At the town hall's counter, the agent finds her by the reference on her paper.
            let mut desk = signed_in_demo(&app, DESK).await;
            let r = desk
                .get(&format!("/agents/personnes?q={}", case.reference))
                .await;
            let person_page = r.location().expect("straight to the person").to_owned();
            let page = desk.get(&person_page).await;
            assert!(
                page.text()
                    .contains("Reprendre la demande avec la personne")
            );
            let r = desk
                .post_form(
                    &format!("/agents/dossiers/{}/reprendre", case.reference),
                    &[],
                )
                .await;
            assert_eq!(
                r.location(),
                Some("/demarches/inscription-cantine/en-ligne/etape/1")
            );
            desk.get("/demarches/inscription-cantine/en-ligne/etape/1")
                .await;
            let r = desk
                .post_form(
                    "/demarches/inscription-cantine/en-ligne/etape/1",
                    &[
                        ("champ", "enfant"),
                        ("instances", "1"),
                        ("enfant-1-enfant_nom", "Léa Lefèvre"),
                        ("enfant-1-enfant_naissance", "03/09/2018"),
                        ("enfant-1-ecole", "École Jules-Ferry"),
                    ],
                )
                .await;
            assert_eq!(
                r.location(),
                Some("/demarches/inscription-cantine/en-ligne/etape/2"),
                "{}",
                r.text()
            );
            let journal = app.store().journal(&case.reference).await.unwrap();
            let (first, last) = (&journal[0], journal.last().unwrap());
            assert_eq!(first.channel, Channel::Web, "opened online by the person");
            assert!(matches!(first.actor, guichet_domain::Actor::Person { .. }));
            assert_eq!(last.channel, Channel::Counter, "continued at the counter");
            assert!(matches!(last.actor, guichet_domain::Actor::Agent { .. }));
            // Her contact preferences, changed at the counter on her case's page: the agent's,
            // at the counter.
            desk.get(&format!("/suivi/{}/preferences", case.reference))
                .await;
            let mut prefs = offline_person();
            prefs.retain(|(k, _)| *k != "numerique");
            prefs.retain(|(k, _)| *k != "telephone");
            prefs.push(("telephone", "0320123456"));
            prefs.push(("contact-deux", "Par téléphone"));
            let r = desk
                .post_form(&format!("/suivi/{}/preferences", case.reference), &prefs)
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
            let journal = app.store().journal(&case.reference).await.unwrap();
            let last = journal.last().unwrap();
            assert_eq!(last.channel, Channel::Counter);
            assert!(matches!(last.actor, guichet_domain::Actor::Agent { .. }));
            match &last.kind {
                guichet_domain::EventKind::ContactChanged { summary } => assert_eq!(
                    summary,
                    "Ordre de préférence : le courrier, puis le téléphone. Messages écrits par courrier. Courriers en gros caractères."
                ),
                other => panic!("{other:?}"),
            }
            // Another operator's agent cannot take it over.
            let mut officer = signed_in_demo(&app, CCAS_OFFICER).await;
            let r = officer
                .post_form(
                    &format!("/agents/dossiers/{}/reprendre", case.reference),
                    &[],
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
        })
        .await;
}

#[tokio::test]
async fn an_orientation_is_recorded_and_counted_in_the_places_figures() {
    TestApp::builder()
        .demo_procedures()
        .on_both_engines(|app| async move {
            let mut desk = signed_in_demo(&app, DESK).await;
            desk.get("/agents/orienter").await;
            // Missing answers: said next to the fields, nothing stored.
            let r = desk
                .post_form("/agents/orienter", &[("organisme", "CAF"), ("objet", " ")])
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(
                r.text().contains("value=\"CAF\""),
                "the other answer is kept"
            );
            assert!(r.text().contains("<title>Erreur\u{a0}: "));
            let r = desk
                .post_form(
                    "/agents/orienter",
                    &[
                        ("organisme", "CAF"),
                        ("objet", "demande d’APL"),
                        ("canal", "counter"),
                        ("refus_numerique", "oui"),
                    ],
                )
                .await;
            assert_eq!(r.location(), Some("/agents/orienter?enregistree=1"));
            // The desk of the town hall's reception sees its place's figures.
            let r = desk.get("/agents/chiffres").await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            assert!(r.text().contains("CAF\u{a0}: 1"));
            assert!(r.text().contains("demande d’APL\u{a0}: 1"));
            let csv = desk.get("/agents/chiffres.csv").await;
            assert!(csv.content_type().starts_with("text/csv"));
            assert!(csv.text().contains("CAF,1"), "{}", csv.text());
            assert!(csv.text().contains("refusent le numérique,1"));
            // A case officer (another job) does not see the reception's figures.
            let mut officer = signed_in_demo(&app, CCAS_OFFICER).await;
            assert_eq!(
                officer.get("/agents/chiffres").await.status,
                StatusCode::FORBIDDEN
            );
        })
        .await;
}

#[tokio::test]
async fn an_agent_and_the_person_editing_at_once_get_a_conflict_that_says_what_changed() {
    TestApp::builder()
        .demo_procedures()
        .on_both_engines(|app| async move {
            let step = "/demarches/inscription-cantine/en-ligne/etape/1";
            let mut person = app.fresh_visitor();
            person
                .get("/demarches/inscription-cantine/en-ligne/coordonnees")
                .await;
            person
                .post_form(
                    "/demarches/inscription-cantine/en-ligne/coordonnees",
                    &offline_person(),
                )
                .await;
            let case = app.cases().await.remove(0);
            // The person has step 1 open at home…
            let seen = person.get(step).await.hidden_input("vu").unwrap();
            // …while the agent, at the counter, answers it with her on the phone.
            let mut desk = signed_in_demo(&app, DESK).await;
            desk.post_form(
                &format!("/agents/dossiers/{}/reprendre", case.reference),
                &[],
            )
            .await;
            let at_desk = desk.get(step).await.page_text();
            assert!(
                at_desk.contains("Retour à la fiche de la personne"),
                "{at_desk}"
            );
            assert!(
                !person
                    .get(step)
                    .await
                    .page_text()
                    .contains("Retour à la fiche de la personne")
            );
            let child = |name: &'static str| {
                [
                    ("champ", "enfant"),
                    ("instances", "1"),
                    ("enfant-1-enfant_nom", name),
                    ("enfant-1-enfant_naissance", "03/09/2018"),
                    ("enfant-1-ecole", "École Jules-Ferry"),
                ]
            };
            let r = desk.post_form(step, &child("Léa Lefèvre")).await;
            assert!(r.location().is_some(), "{}", r.text());
            // Her own answer, sent from the page she had open, does not overwrite the agent's.
            let mut mine = child("Lea Lefevre").to_vec();
            mine.push(("vu", &seen));
            let r = person.post_form(step, &mine).await;
            assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
            let text = r.page_text();
            assert!(text.contains("le dossier a été modifié"), "{text}");
            assert!(
                text.contains("Léa Lefèvre"),
                "what changed is shown: {text}"
            );
            let stored = app.store().load_case(&case.reference).await.unwrap();
            assert_eq!(
                stored.form.get("enfant-1-enfant_nom").map(String::as_str),
                Some("Léa Lefèvre"),
                "nothing overwritten"
            );
            // Sent again from the page that now shows the change, it goes through.
            let fresh = r.hidden_input("vu").unwrap();
            let mut again = child("Lea Lefevre").to_vec();
            again.push(("vu", &fresh));
            let r = person.post_form(step, &again).await;
            assert!(r.location().is_some(), "{}", r.text());
        })
        .await;
}
