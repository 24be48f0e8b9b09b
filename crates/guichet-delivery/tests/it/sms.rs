//! SMS through the gateway client, against an in-process stand-in.

use guichet_delivery::sms_gateway::{SmsGateway, SmsGatewayConfig};

use guichet_delivery::testing::FakeGateway;

fn gateway(url: &str, token: &str) -> SmsGateway {
    SmsGateway::new(SmsGatewayConfig {
        url: url.into(),
        token: token.into(),
        sender: "MAIRIE".into(),
    })
    .expect("client")
}

#[tokio::test]
async fn sends_transliterated_text_with_the_idempotency_key() {
    let fake = FakeGateway::start(0, 503).await;
    let id = gateway(&fake.url, "secret-token")
        .send("+33612345678", "Dossier reçu, fenêtre à côté", "intent-7")
        .await
        .expect("sent");
    assert_eq!(id, "sms-intent-7");
    let got = fake.received.lock().expect("lock").clone();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].text,
        "Dossier reçu, fenetre à côté"
            .replace('ç', "c")
            .replace('ô', "o")
    );
    assert_eq!(got[0].reference, "intent-7");
    assert_eq!(got[0].sender, "MAIRIE");
}

#[tokio::test]
async fn gateway_errors_are_classified() {
    let fake = FakeGateway::start(1, 503).await;
    let g = gateway(&fake.url, "secret-token");
    assert!(
        g.send("+33612345678", "x", "k")
            .await
            .expect_err("503")
            .is_transient()
    );
    g.send("+33612345678", "x", "k").await.expect("then ok");

    let throttled = FakeGateway::start(1, 429).await;
    assert!(
        gateway(&throttled.url, "secret-token")
            .send("+336", "x", "k")
            .await
            .expect_err("429")
            .is_transient()
    );

    let bad = FakeGateway::start(0, 503).await;
    let err = gateway(&bad.url, "wrong")
        .send("+336", "x", "k")
        .await
        .expect_err("401");
    assert!(!err.is_transient(), "{err}");
}

#[tokio::test]
async fn unreachable_gateway_is_transient() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("a")
        .port();
    let err = gateway(&format!("http://127.0.0.1:{port}/v1/messages"), "t")
        .send("+336", "x", "k")
        .await
        .expect_err("down");
    assert!(err.is_transient());
}
