//! The kill tests: the real worker process (`guichet worker`) is SIGKILLed at random moments
//! while it works through its intents (emails to a real SMTP server, letters to print batches),
//! then restarted. At the end nothing is lost and nothing is delivered twice: every email key
//! reaches the SMTP server and every letter is in exactly one handed-over batch. A sibling test
//! does the same with text messages through the SMS gateway stand-in.
//!
//! Sized by `GUICHET_KILL_INTENTS` (default 1,000, so that CI stays short; the full run is
//! `GUICHET_KILL_INTENTS=10000 cargo test -p guichet --test it kill`, about 10 minutes on two
//! cores). The moments of the kills come from a seed printed at the start; set
//! `GUICHET_KILL_SEED` to replay a failure.
#![allow(clippy::disallowed_methods)] // waits for real worker processes against the wall clock

use std::collections::{HashMap, HashSet};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use guichet_delivery::smtp::message_id;
use guichet_domain::{Delivery, NotificationKind};
use guichet_letters::sample_letter as bench_letter;
use guichet_notify::payload::Payload;
use guichet_notify::payload::PostageClass;
use guichet_store::Store;
use guichet_store::outbox::{IntentStatus, NewIntent};
use guichet_store::testing::{database_url, postgres_admin_url};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use guichet_delivery::testing::SmtpRecorder;

const KILLS: usize = 5;
const CONCURRENCY: usize = 8;
const DOMAIN: &str = "mairie.test";

/// How many intents a kill test works through (`GUICHET_KILL_INTENTS`, default 1,000).
fn intents() -> usize {
    std::env::var("GUICHET_KILL_INTENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000)
        .max(10)
}

/// The random source of the kill moments, seeded from `GUICHET_KILL_SEED` or a fresh seed,
/// printed so that a failure can be replayed.
fn kill_rng(test: &str) -> StdRng {
    let seed = std::env::var("GUICHET_KILL_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    eprintln!(
        "{test}: GUICHET_KILL_SEED={seed} GUICHET_KILL_INTENTS={}",
        intents()
    );
    StdRng::seed_from_u64(seed)
}

/// When the intents were written: any time in the past, so they are due for the real worker.
fn enqueued_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

fn spawn_worker(
    url: &str,
    config: &std::path::Path,
    data: &std::path::Path,
    until_idle: bool,
) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_guichet"));
    cmd.arg("worker")
        .env("DATABASE_URL", url)
        .env("GUICHET_LOG", "warn")
        .arg("--data-dir")
        .arg(data)
        .arg("--notify-config")
        .arg(config)
        .args([
            "--lease-seconds",
            "5",
            "--claim-batch",
            "16",
            "--concurrency",
            &CONCURRENCY.to_string(),
        ]);
    if until_idle {
        cmd.arg("--until-idle");
    }
    cmd.spawn().expect("worker binary")
}

fn email_intent(i: usize) -> NewIntent {
    let payload = Payload::Email {
        to: format!("personne{i}@example.org"),
        subject: format!("Dossier D-2026-{i:06}"),
        text: "Bonjour,\n\nVotre demande est reçue.".into(),
        html: "<p>Bonjour,</p><p>Votre demande est reçue.</p>".into(),
        letter: None,
    };
    NewIntent {
        idempotency_key: format!("email-{i}"),
        case_reference: Some(format!("D-2026-{i:06}")),
        person_id: Some(format!("p{i}")),
        channel: Delivery::Email,
        kind: NotificationKind::Receipt,
        payload: payload.to_json().expect("json"),
        postcode: None,
        postage: None,
    }
}

fn letter_intent(i: usize) -> NewIntent {
    let letter = bench_letter(i).expect("letter");
    let postcode = letter.recipient.postcode().to_owned();
    let postage = if i.is_multiple_of(5) {
        PostageClass::Registered
    } else {
        PostageClass::Standard
    };
    let payload = Payload::Letter {
        letter: Box::new(letter),
        postage,
    };
    NewIntent {
        idempotency_key: format!("letter-{i}"),
        case_reference: Some(format!("D-2026-{i:06}")),
        person_id: Some(format!("p{i}")),
        channel: Delivery::Letter,
        kind: NotificationKind::Decision,
        payload: payload.to_json().expect("json"),
        postcode: Some(postcode),
        postage: Some(postage.as_str().into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_loses_nothing_and_sends_nothing_twice() {
    let admin_url = postgres_admin_url();
    let name = format!("guichet_kill_{}", uuid::Uuid::new_v4().simple());
    let admin = Store::connect_postgres(&admin_url, 1)
        .await
        .expect("PostgreSQL for the kill test");
    admin
        .raw_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create db");
    let url = database_url(&admin_url, &name);
    let store = Store::connect_postgres(&url, 4).await.expect("connect");
    store.migrate().await.expect("migrate");

    let now = enqueued_at();
    let (emails_n, letters_n) = (intents() * 7 / 10, intents() - intents() * 7 / 10);
    let emails: Vec<NewIntent> = (0..emails_n).map(email_intent).collect();
    let letters: Vec<NewIntent> = (0..letters_n).map(letter_intent).collect();
    for chunk in emails.chunks(1000).chain(letters.chunks(1000)) {
        store.enqueue_intents(chunk, now).await.expect("enqueue");
    }

    let smtp = SmtpRecorder::start(&[]);
    let dir = tempfile::tempdir().expect("tmp");
    let print_dir = dir.path().join("print");
    let config = dir.path().join("notify.toml");
    std::fs::write(
        &config,
        format!(
            "print_dir = {:?}\n[smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\n\
             from = \"ne-pas-repondre@{DOMAIN}\"\nmessage_id_domain = \"{DOMAIN}\"\n",
            print_dir.display().to_string(),
            smtp.port
        ),
    )
    .expect("config");

    let mut rng = kill_rng("sigkill_loses_nothing_and_sends_nothing_twice");
    for _ in 0..KILLS {
        let mut child = spawn_worker(&url, &config, dir.path(), false);
        std::thread::sleep(Duration::from_millis(rng.random_range(700..3000)));
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
    }
    let mut last = spawn_worker(&url, &config, dir.path(), true);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = last.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(240) {
            let _ = last.kill();
            panic!("the last worker did not finish");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(status.success());

    // Emails: every key arrived; a key seen twice can only be one that was in flight when the
    // worker was killed, and it carries the same Message-ID both times.
    let by_id: HashMap<String, usize> =
        smtp.messages().iter().fold(HashMap::new(), |mut m, msg| {
            let data = msg["data"].as_str().unwrap_or_default();
            let id = data
                .lines()
                .find_map(|l| l.strip_prefix("Message-ID: "))
                .unwrap_or_default()
                .trim()
                .to_owned();
            *m.entry(id).or_default() += 1;
            m
        });
    let expected: HashSet<String> = (0..emails_n)
        .map(|i| message_id(&format!("email-{i}"), DOMAIN))
        .collect();
    let received: HashSet<String> = by_id.keys().cloned().collect();
    assert_eq!(
        received.difference(&expected).count(),
        0,
        "unknown messages"
    );
    assert_eq!(expected.difference(&received).count(), 0, "lost emails");
    let resent: usize = by_id.values().map(|n| n - 1).sum();
    eprintln!(
        "kill test: {} emails, {resent} re-sent after a kill (same Message-ID)",
        expected.len()
    );
    assert!(
        resent <= KILLS * CONCURRENCY,
        "{resent} duplicates for {KILLS} kills"
    );

    // Letters: every letter in exactly one manifest of a handed-over batch.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for entry in std::fs::read_dir(&print_dir).expect("print dir") {
        let batch = entry.expect("entry").path();
        for file in std::fs::read_dir(&batch).expect("batch dir") {
            let file = file.expect("file").path();
            let name = file
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            assert!(!name.ends_with(".part"), "a partial file was left: {name}");
            if name.ends_with("manifest.csv") {
                for line in std::fs::read_to_string(&file)
                    .expect("manifest")
                    .lines()
                    .skip(1)
                {
                    let id = line.split(',').next().unwrap_or_default().to_owned();
                    *seen.entry(id).or_default() += 1;
                }
            }
        }
    }
    assert_eq!(seen.len(), letters_n, "every letter printed");
    assert!(seen.values().all(|n| *n == 1), "a letter in two batches");
    let counts: HashMap<IntentStatus, u64> = store
        .count_by_status()
        .await
        .expect("counts")
        .into_iter()
        .collect();
    assert_eq!(
        counts.get(&IntentStatus::Sent).copied().unwrap_or(0),
        emails_n as u64,
        "{counts:?}"
    );
    assert_eq!(
        counts.get(&IntentStatus::HandedOver).copied().unwrap_or(0),
        letters_n as u64,
        "{counts:?}"
    );
    for batch in store.list_print_batches(1000).await.expect("batches") {
        assert_eq!(batch.status.code(), "handed_over");
    }

    store.close().await;
    let _ = admin
        .raw_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
    admin.close().await;
}

const TEXT_KILLS: usize = 4;

fn sms_intent(i: usize) -> NewIntent {
    NewIntent {
        idempotency_key: format!("sms-{i}"),
        case_reference: Some(format!("D-2026-{i:06}")),
        person_id: Some(format!("p{i}")),
        channel: Delivery::Sms,
        kind: NotificationKind::Receipt,
        payload: Payload::Sms {
            to: format!("+336{:08}", i),
            text: format!("Mairie : demande D-2026-{i:06} recue."),
        }
        .to_json()
        .expect("json"),
        postcode: None,
        postage: None,
    }
}

/// The same crash test for text messages through the SMS gateway stand-in: killed at random
/// moments, restarted, every message reaches the gateway, and a message resubmitted after a
/// kill (accepted by the gateway, not yet recorded) carries the same reference, which the
/// gateway honours, so each person gets it once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_loses_no_text_message_and_sends_none_twice() {
    let admin_url = postgres_admin_url();
    let name = format!("guichet_kill_sms_{}", uuid::Uuid::new_v4().simple());
    let admin = Store::connect_postgres(&admin_url, 1)
        .await
        .expect("PostgreSQL for the kill test");
    admin
        .raw_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create db");
    let url = database_url(&admin_url, &name);
    let store = Store::connect_postgres(&url, 4).await.expect("connect");
    store.migrate().await.expect("migrate");
    let texts_n = intents() / 2;
    let mut rng = kill_rng("sigkill_loses_no_text_message_and_sends_none_twice");
    let texts: Vec<NewIntent> = (0..texts_n).map(sms_intent).collect();
    for chunk in texts.chunks(1000) {
        store
            .enqueue_intents(chunk, enqueued_at())
            .await
            .expect("enqueue");
    }

    let gateway = guichet_delivery::testing::FakeGateway::start(0, 503).await;
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("notify.toml");
    std::fs::write(
        &config,
        format!(
            "[sms]\nurl = \"{}\"\ntoken = \"secret-token\"\nsender = \"MAIRIE\"\n",
            gateway.url
        ),
    )
    .expect("config");

    // Each worker is killed once the gateway has received a random number of new messages (up
    // to half of what is left), so every kill lands in the middle of the work whatever the size
    // and the machine's speed.
    let received = || gateway.received.lock().expect("lock").len();
    let mut killed_with_work_left = 0;
    for _ in 0..TEXT_KILLS {
        let before = received();
        let remaining = texts_n.saturating_sub(before);
        if remaining == 0 {
            break;
        }
        let target = before + rng.random_range(1..=(remaining / 2).max(1));
        let mut child = spawn_worker(&url, &config, dir.path(), false);
        let started = Instant::now();
        while received() < target && started.elapsed() < Duration::from_secs(60) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        let sent = gateway.received.lock().expect("lock").len();
        if sent < texts_n {
            killed_with_work_left += 1;
        }
    }
    assert!(
        killed_with_work_left > 0,
        "no kill interrupted the work: the test proved nothing"
    );
    let mut last = spawn_worker(&url, &config, dir.path(), true);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = last.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(240) {
            let _ = last.kill();
            panic!("the last worker did not finish");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(status.success());

    let received = gateway.received.lock().expect("lock").clone();
    let mut per_key: HashMap<String, usize> = HashMap::new();
    for r in &received {
        *per_key.entry(r.reference.clone()).or_default() += 1;
    }
    let expected: HashSet<String> = texts.iter().map(|t| t.idempotency_key.clone()).collect();
    let got: HashSet<String> = per_key.keys().cloned().collect();
    assert_eq!(
        got, expected,
        "every text message reached the gateway, nothing else"
    );
    assert!(per_key.values().all(|n| *n == 1), "a message sent twice");
    let submissions = *gateway.requests.lock().expect("lock");
    let resubmitted = submissions - texts_n;
    eprintln!(
        "SMS kill test: {texts_n} messages, {killed_with_work_left} kills with work left, \
         {resubmitted} resubmitted after a kill (same reference, not sent again)"
    );
    assert!(
        resubmitted <= TEXT_KILLS * CONCURRENCY * 2,
        "{resubmitted} resubmissions for {TEXT_KILLS} kills"
    );
    let counts: HashMap<IntentStatus, u64> = store
        .count_by_status()
        .await
        .expect("counts")
        .into_iter()
        .collect();
    assert_eq!(
        counts.get(&IntentStatus::Sent).copied().unwrap_or(0),
        texts_n as u64,
        "{counts:?}"
    );

    store.close().await;
    let _ = admin
        .raw_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
    admin.close().await;
}
