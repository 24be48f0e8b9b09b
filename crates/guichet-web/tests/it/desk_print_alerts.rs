//! Printing for the person at the desk (receipt, summary, missing documents, in large print
//! when asked) and the desk's alerts (listed and closed within the agent's operator only, with
//! a note, CSRF checked, refusals journaled).

use axum::http::StatusCode;
use guichet_domain::{
    AccessibleFormats, Actor, AgentId, AgentRole, AlertKind, CaseReference, Channel, Command,
    ContactChannel, ContactPreferences, Context, OperatorId, Person, PersonId, PersonName,
    PostalAddress, ProcedureId,
};

use crate::staff::signed_in_demo;
use crate::support::TestApp;

const DESK: &str = "accueil@saint-clair.example";

fn person(n: u128, large_print: bool) -> Person {
    Person {
        id: PersonId::from_uuid(uuid::Uuid::from_u128(5000 + n)),
        name: PersonName::parse("Hélène", &format!("Lefèvre{n}")).unwrap(),
        birth_date: chrono::NaiveDate::from_ymd_opt(1946, 7, 14),
        address: Some(
            PostalAddress::parse(&["3 rue des Lilas"], "59990", "Saint-Clair-sur-Lys").unwrap(),
        ),
        email: None,
        phone: None,
        preferences: ContactPreferences::new(
            [ContactChannel::Post],
            true,
            AccessibleFormats {
                large_print,
                easy_read: false,
            },
        ),
    }
}

/// A submitted case of `procedure` for `p` (registered at the town hall), waiting for
/// documents when `documents` is not empty.
pub(crate) async fn case_for(
    app: &TestApp,
    procedure: &str,
    p: &Person,
    documents: &[&str],
) -> CaseReference {
    let store = app.store();
    let now = chrono::DateTime::UNIX_EPOCH + chrono::Duration::days(20_499);
    store.insert_person(p, now).await.unwrap();
    store
        .attach_person(p.id, &OperatorId::parse("mairie-saint-clair").unwrap(), now)
        .await
        .unwrap();
    let procedure = store
        .get_procedure(&ProcedureId::parse(procedure).unwrap(), None)
        .await
        .unwrap()
        .unwrap();
    let cases = guichet_cases::CaseService::new(store.clone());
    let ctx = |actor| Context {
        actor,
        channel: Channel::Web,
        now,
    };
    let reference = CaseReference::from_random(uuid::Uuid::new_v4().as_u64_pair().0);
    cases
        .open(
            reference.clone(),
            &procedure,
            p.id,
            ctx(Actor::Person { id: p.id }),
        )
        .await
        .unwrap();
    cases
        .execute(&reference, Command::Submit, ctx(Actor::Person { id: p.id }))
        .await
        .unwrap();
    if !documents.is_empty() {
        let officer = Actor::Agent {
            id: AgentId::from_uuid(uuid::Uuid::from_u128(77)),
            role: AgentRole::CaseOfficer,
        };
        cases
            .execute(&reference, Command::StartExamination, ctx(officer))
            .await
            .unwrap();
        cases
            .execute(
                &reference,
                Command::RequestDocuments {
                    documents: documents.iter().map(|d| (*d).to_owned()).collect(),
                    message: "Merci de nous les apporter.".into(),
                    reply_by: None,
                },
                ctx(officer),
            )
            .await
            .unwrap();
    }
    reference
}

/// The text of a PDF, and the median height of its words (points), by poppler's `pdftotext`.
fn pdf_words(pdf: &[u8]) -> (String, f64) {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let dir = std::env::temp_dir().join(format!("guichet-desk-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("d.pdf");
    std::fs::write(&path, pdf).unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new("pdftotext")
            .args(args)
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext (Debian package poppler-utils, installed by scripts/test)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let text = run(&[]);
    let bbox = run(&["-bbox"]);
    std::fs::remove_dir_all(&dir).ok();
    let attr = |line: &str, name: &str| -> Option<f64> {
        let start = line.find(&format!("{name}=\""))? + name.len() + 2;
        line[start..].split('"').next()?.parse().ok()
    };
    let mut heights: Vec<f64> = bbox
        .lines()
        .filter(|l| l.trim_start().starts_with("<word"))
        .filter_map(|l| Some(attr(l, "yMax")? - attr(l, "yMin")?))
        .collect();
    heights.sort_by(f64::total_cmp);
    (text, heights[heights.len() / 2])
}

#[tokio::test]
async fn documents_are_printed_for_the_person_in_large_print_when_asked() {
    TestApp::builder()
        .demo_procedures()
        .on_both_engines(|app| async move {
            let large = person(1, true);
            let standard = person(2, false);
            let waiting = case_for(
                &app,
                "copie-acte-etat-civil",
                &large,
                &["Justificatif de domicile"],
            )
            .await;
            let plain = case_for(&app, "copie-acte-etat-civil", &standard, &[]).await;
            let mut desk = signed_in_demo(&app, DESK).await;

            // The person page offers the prints, saying large print.
            let page = desk.get(&format!("/agents/personnes/{}", large.id)).await;
            assert!(
                page.text()
                    .contains(&format!("/agents/dossiers/{waiting}/pieces.pdf"))
            );
            assert!(page.text().contains("en gros caractères"));

            let case = app.store().load_case(&waiting).await.unwrap();
            let code = guichet_notify::plan::follow_up_code(&case);
            let r = desk
                .get(&format!("/agents/dossiers/{waiting}/recepisse.pdf"))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            assert_eq!(r.content_type(), "application/pdf");
            let (text, _) = pdf_words(&r.body);
            assert!(
                text.contains(waiting.as_str()) && text.contains(&code),
                "{text}"
            );

            let r = desk
                .get(&format!("/agents/dossiers/{waiting}/resume.pdf"))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            let (text, large_height) = pdf_words(&r.body);
            assert!(text.contains(waiting.as_str()), "{text}");
            assert!(text.contains("Résumé de votre dossier"), "{text}");
            assert!(text.contains("Justificatif de domicile"), "{text}");

            let r = desk
                .get(&format!("/agents/dossiers/{waiting}/pieces.pdf"))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            let (text, _) = pdf_words(&r.body);
            assert!(text.contains("Justificatif de domicile"), "{text}");
            assert!(text.contains("Comment nous les faire parvenir"), "{text}");
            assert!(text.contains(waiting.as_str()), "{text}");

            // The same summary for someone who did not ask: smaller print.
            let r = desk
                .get(&format!("/agents/dossiers/{plain}/resume.pdf"))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            let (text, standard_height) = pdf_words(&r.body);
            assert!(text.contains(plain.as_str()), "{text}");
            assert!(
                large_height > standard_height * 1.2,
                "large print {large_height} vs {standard_height}"
            );
            // No documents asked: nothing to print, said so.
            let r = desk
                .get(&format!("/agents/dossiers/{plain}/pieces.pdf"))
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST);
            // Another operator's case is not printed (the rule, journaled).
            let ccas = case_for(&app, "aide-sociale-urgence", &person(3, false), &[]).await;
            let r = desk
                .get(&format!("/agents/dossiers/{ccas}/resume.pdf"))
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
        })
        .await;
}

#[tokio::test]
async fn alerts_are_listed_and_closed_with_a_note_within_the_operator_only() {
    TestApp::builder()
        .demo_procedures()
        .on_both_engines(|app| async move {
            let mine = person(1, false);
            let theirs = person(2, false);
            let own_case = case_for(&app, "copie-acte-etat-civil", &mine, &[]).await;
            let other_case = case_for(&app, "aide-sociale-urgence", &theirs, &[]).await;
            let now = chrono::DateTime::UNIX_EPOCH + chrono::Duration::days(20_500);
            let store = app.store();
            store
                .raise_alert(
                    AlertKind::ReturnedMail,
                    Some(&mine.id.to_string()),
                    Some(own_case.as_str()),
                    "Courrier revenu : destinataire inconnu à l’adresse.",
                    now,
                )
                .await
                .unwrap();
            store
                .raise_alert(
                    AlertKind::Unreachable,
                    Some(&theirs.id.to_string()),
                    Some(other_case.as_str()),
                    "Aucun canal pour le CCAS.",
                    now,
                )
                .await
                .unwrap();
            let all = store.open_alerts(10).await.unwrap();
            let own_id = all.iter().find(|a| a.kind == AlertKind::ReturnedMail).unwrap().id.clone();
            let other_id = all.iter().find(|a| a.kind == AlertKind::Unreachable).unwrap().id.clone();

            let mut desk = signed_in_demo(&app, DESK).await;
            let home = desk.get("/agents").await;
            assert!(home.page_text().contains("1 alerte ouverte"), "{}", home.page_text());
            let page = desk.get("/agents/alertes").await;
            assert_eq!(page.status, StatusCode::OK);
            let text = page.page_text();
            assert!(text.contains("Pli non distribuable"), "{text}");
            assert!(text.contains("Vérifiez l’adresse avec la personne"), "{text}");
            assert!(text.contains(own_case.as_str()), "{text}");
            assert!(page.text().contains(&format!("/agents/personnes/{}", mine.id)));
            assert!(!text.contains("Aucun canal pour le CCAS"), "{text}");
            assert!(!text.contains(other_case.as_str()), "{text}");

            // Another operator's alert cannot be closed, even by forging the form: refused,
            // journaled, still open.
            let r = desk
                .post_form(&format!("/agents/alertes/{other_id}/fermer"), &[("note", "vu")])
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
            assert!(store.get_alert(&other_id).await.unwrap().unwrap().1.is_none());
            let journal = store.security_events(None, 50).await.unwrap();
            assert!(
                journal.iter().any(|e| e.event == "access_refused" && e.detail.contains(&other_id)),
                "{journal:?}"
            );

            // A note is required.
            desk.get("/agents/alertes").await;
            let r = desk
                .post_form(&format!("/agents/alertes/{own_id}/fermer"), &[("note", "  ")])
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(r.page_text().contains("Écrivez ce qui a été fait"));
            assert!(store.get_alert(&own_id).await.unwrap().unwrap().1.is_none());

            // Without the form's CSRF token: refused.
            let r = desk
                .post_form(
                    &format!("/agents/alertes/{own_id}/fermer"),
                    &[("note", "vu"), ("csrf", "faux")],
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
            assert!(store.get_alert(&own_id).await.unwrap().unwrap().1.is_none());

            // Closed with a note: who, when, the note; journaled; off the list.
            desk.get("/agents/alertes").await;
            let r = desk
                .post_form(
                    &format!("/agents/alertes/{own_id}/fermer"),
                    &[
                        ("note", "Adresse vérifiée par téléphone, corrigée, récépissé réimprimé et posté."),
                        ("adresse_verifiee", "oui"),
                    ],
                )
                .await;
            assert_eq!(r.location(), Some("/agents/alertes?fermee=1"), "{}", r.text());
            let (_, closing) = store.get_alert(&own_id).await.unwrap().unwrap();
            let closing = closing.unwrap();
            let agent = store.agent_by_login(DESK).await.unwrap().unwrap();
            assert_eq!(closing.by, Some(agent.id));
            assert!(closing.note.unwrap().starts_with("Adresse vérifiée"));
            let journal = store.security_events(Some(agent.id), 50).await.unwrap();
            assert!(journal.iter().any(|e| e.event == "alert_closed" && e.detail.contains(&own_id)));
            let page = desk.get("/agents/alertes?fermee=1").await;
            assert!(page.page_text().contains("Aucune alerte ouverte"), "{}", page.page_text());
            assert!(page.page_text().contains("L’alerte est fermée"));
        })
        .await;
}
