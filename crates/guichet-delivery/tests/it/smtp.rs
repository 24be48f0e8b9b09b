//! Email against a real SMTP server: what arrives, and how failures are classified.

use guichet_delivery::smtp::{Email, SmtpConfig, SmtpSecurity, SmtpSender, message_id};
use guichet_notify::email_body::html_body;

use guichet_delivery::testing::SmtpRecorder;

fn config(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        security: SmtpSecurity::None,
        username: None,
        password: None,
        from: "Mairie de Villeurbanne <ne-pas-repondre@mairie-villeurbanne.fr>".into(),
        message_id_domain: "mairie-villeurbanne.fr".into(),
    }
}

fn email(key: &str) -> Email {
    let paragraphs = vec![
        "Bonjour,".to_owned(),
        "Votre demande « aide énergie » est reçue.".to_owned(),
    ];
    Email {
        to: "awa.diallo@example.org".into(),
        subject: "Demande reçue : D-2026-004217".into(),
        text: paragraphs.join("\n\n"),
        html: html_body("Demande reçue", &paragraphs),
        idempotency_key: key.into(),
        attachment: Some(("decision.pdf".into(), b"%PDF-1.7 test".to_vec())),
    }
}

#[tokio::test]
async fn email_arrives_with_text_html_attachment_and_derived_message_id() {
    let server = SmtpRecorder::start(&[]);
    let sender = SmtpSender::new(&config(server.port)).expect("sender");
    sender.send(&email("intent-42")).await.expect("sent");
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m["to"][0], "awa.diallo@example.org");
    assert_eq!(m["from"], "ne-pas-repondre@mairie-villeurbanne.fr");
    let data = m["data"].as_str().expect("data");
    let expected_id = message_id("intent-42", "mairie-villeurbanne.fr");
    assert!(
        data.contains(&format!("Message-ID: {expected_id}")),
        "{data}"
    );
    assert!(data.contains("multipart/alternative"));
    assert!(data.contains("text/plain") && data.contains("text/html"));
    assert!(data.contains("application/pdf") && data.contains("decision.pdf"));
    // Subject is RFC 2047 encoded because of the accent.
    assert!(
        data.contains("Subject: Demande =?utf-8?b?cmXDp3Vl?= : D-2026-004217"),
        "{data}"
    );
}

#[tokio::test]
async fn temporary_refusal_is_transient_then_succeeds() {
    let server = SmtpRecorder::start(&["--fail-first", "1"]);
    let sender = SmtpSender::new(&config(server.port)).expect("sender");
    let err = sender.send(&email("k1")).await.expect_err("451");
    assert!(err.is_transient(), "{err}");
    sender.send(&email("k1")).await.expect("second try");
    assert_eq!(server.messages().len(), 1);
}

#[tokio::test]
async fn permanent_refusal_is_permanent() {
    let server = SmtpRecorder::start(&["--reject"]);
    let sender = SmtpSender::new(&config(server.port)).expect("sender");
    let err = sender.send(&email("k2")).await.expect_err("550");
    assert!(!err.is_transient(), "{err}");
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn server_down_is_transient() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let sender = SmtpSender::new(&config(port)).expect("sender");
    let err = sender.send(&email("k3")).await.expect_err("refused");
    assert!(err.is_transient(), "{err}");
}

#[tokio::test]
async fn invalid_recipient_is_permanent() {
    let server = SmtpRecorder::start(&[]);
    let sender = SmtpSender::new(&config(server.port)).expect("sender");
    let mut e = email("k4");
    e.to = "pas une adresse".into();
    assert!(!sender.send(&e).await.expect_err("invalid").is_transient());
}
