//! The worker against failing peers: an SMTP server that refuses for a while, an SMS gateway
//! that fails (for a while, or for good), a disk that fills up while a print batch is written.
//! Each time: retries, a clear status on every intent, nothing lost and nothing sent twice.
//!
//! Retries are planned 30 s and more ahead; the tests make that time pass by moving pending
//! intents' next attempt to now, not by sleeping.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use guichet_delivery::print::BatchSink;
use guichet_delivery::sms_gateway::{SmsGateway, SmsGatewayConfig};
use guichet_delivery::smtp::{SmtpConfig, SmtpSecurity, SmtpSender};
use guichet_delivery::worker::{self, Senders, WorkerOptions, WorkerStats};
use guichet_domain::{AlertKind, Clock, Delivery, ManualClock, NotificationKind};
use guichet_letters::sample_letter as bench_letter;
use guichet_notify::payload::Payload;
use guichet_notify::payload::PostageClass;
use guichet_store::Store;
use guichet_store::outbox::{Intent, IntentStatus, NewIntent};
use guichet_store::testing::on_both_engines;

use guichet_delivery::testing::{FakeGateway, SmtpRecorder};

fn sms_intent(i: usize) -> NewIntent {
    NewIntent {
        idempotency_key: format!("GX-TEST:{i}:receipt:sms"),
        case_reference: Some("GX-TEST".into()),
        person_id: Some(format!("p{i}")),
        channel: Delivery::Sms,
        kind: NotificationKind::Receipt,
        payload: Payload::Sms {
            to: "+33612345678".into(),
            text: format!("Mairie : demande {i} recue."),
        }
        .to_json()
        .unwrap(),
        postcode: None,
        postage: None,
    }
}

fn email_intent(i: usize) -> NewIntent {
    NewIntent {
        idempotency_key: format!("GX-TEST:{i}:receipt:email"),
        case_reference: Some("GX-TEST".into()),
        person_id: Some(format!("p{i}")),
        channel: Delivery::Email,
        kind: NotificationKind::Receipt,
        payload: Payload::Email {
            to: format!("personne{i}@example.org"),
            subject: format!("Demande {i} reçue"),
            text: "Bonjour.".into(),
            html: "<p>Bonjour.</p>".into(),
            letter: None,
        }
        .to_json()
        .unwrap(),
        postcode: None,
        postage: None,
    }
}

fn letter_intent(i: usize) -> NewIntent {
    let letter = bench_letter(i).unwrap();
    NewIntent {
        idempotency_key: format!("GX-TEST:{i}:decision:letter"),
        case_reference: Some(format!("GX-TEST-{i}")),
        person_id: Some(format!("p{i}")),
        channel: Delivery::Letter,
        kind: NotificationKind::Decision,
        postcode: Some(letter.recipient.postcode().to_owned()),
        postage: Some("standard".into()),
        payload: Payload::Letter {
            letter: Box::new(letter),
            postage: PostageClass::Standard,
        }
        .to_json()
        .unwrap(),
    }
}

fn sms_sender(url: &str) -> SmsGateway {
    SmsGateway::new(SmsGatewayConfig {
        url: url.into(),
        token: "secret-token".into(),
        sender: "MAIRIE".into(),
    })
    .unwrap()
}

/// When the intents of these tests are written, and where the worker's clock starts.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

/// Runs the worker until `done` holds for the intents. Retry delays pass because the worker's
/// clock is moved to the next attempt due whenever nothing is due now: time is an input.
async fn run_until(
    store: &Store,
    senders: &Senders,
    done: impl Fn(&[Intent]) -> bool + Send + 'static,
) -> WorkerStats {
    let clock = Arc::new(ManualClock::new(t0()));
    let options = WorkerOptions {
        idle_sleep: Duration::from_millis(20),
        lease: Duration::from_secs(30),
        ..WorkerOptions::new(clock.clone())
    };
    // The watcher runs apart: a shutdown future that itself queried the database would hold
    // the SQLite writer while the worker waits for it.
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let watcher = store.clone();
    let watch = tokio::spawn(async move {
        loop {
            let intents = watcher.list_intents(None, 10_000).await.unwrap();
            if done(&intents) {
                let _ = stop.send(true);
                return;
            }
            let next_due = intents
                .iter()
                .filter(|i| i.status == IntentStatus::Pending)
                .map(|i| i.next_attempt_at)
                .min();
            if let Some(next) = next_due
                && next > clock.now()
            {
                clock.set(next);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let run = worker::run(store, senders, &options, async move {
        let _ = stopped.wait_for(|s| *s).await;
    });
    let stats = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the worker reached the expected state")
        .unwrap();
    watch.await.unwrap();
    stats
}

fn all(status: IntentStatus) -> impl Fn(&[Intent]) -> bool {
    move |intents: &[Intent]| intents.iter().all(|i| i.status == status)
}

#[tokio::test]
async fn a_failing_sms_gateway_is_retried_and_each_message_sent_once() {
    on_both_engines(|store: Store| async move {
        let gateway = FakeGateway::start(5, 503).await;
        let intents: Vec<NewIntent> = (0..3).map(sms_intent).collect();
        store.enqueue_intents(&intents, t0()).await.unwrap();
        let senders = Senders {
            smtp: None,
            sms: Some(sms_sender(&gateway.url)),
        };
        let stats = run_until(&store, &senders, all(IntentStatus::Sent)).await;
        assert_eq!(stats.retried, 5);
        assert_eq!(stats.sent, 3);
        let received = gateway.received.lock().unwrap().clone();
        let mut keys: Vec<String> = received.iter().map(|r| r.reference.clone()).collect();
        keys.sort();
        let mut expected: Vec<String> = intents.iter().map(|i| i.idempotency_key.clone()).collect();
        expected.sort();
        assert_eq!(keys, expected, "each message once, none lost");
        assert_eq!(*gateway.requests.lock().unwrap(), 3, "no resubmission");
        // Each failure is on the case's history with its reason.
        let history = store.notification_events("GX-TEST").await.unwrap();
        let failures: Vec<_> = history
            .iter()
            .filter(|e| e.step.code() == "pending" && e.attempt > 0)
            .collect();
        assert_eq!(failures.len(), 5);
        assert!(
            failures
                .iter()
                .all(|e| e.detail.as_deref().unwrap_or("").contains("503")),
            "{failures:?}"
        );
        assert_eq!(
            history.iter().filter(|e| e.step.code() == "sent").count(),
            3
        );
        let total_attempts: u32 = store
            .list_intents(None, 10)
            .await
            .unwrap()
            .iter()
            .map(|i| i.attempts)
            .sum();
        assert_eq!(total_attempts, 8);
    })
    .await;
}

#[tokio::test]
async fn a_gateway_refusal_parks_the_message_for_an_agent_and_a_retry_sends_it() {
    on_both_engines(|store: Store| async move {
        let refusing = FakeGateway::start(usize::MAX, 400).await;
        store.enqueue_intents(&[sms_intent(1)], t0()).await.unwrap();
        let senders = Senders {
            smtp: None,
            sms: Some(sms_sender(&refusing.url)),
        };
        let stats = run_until(&store, &senders, all(IntentStatus::Failed)).await;
        assert_eq!((stats.parked, stats.sent), (1, 0));
        let parked = &store.list_intents(None, 10).await.unwrap()[0];
        assert_eq!(parked.attempts, 1, "a permanent error is not retried");
        assert!(
            parked.last_error.as_deref().unwrap().contains("définitif"),
            "{parked:?}"
        );
        let alerts = store.open_alerts(10).await.unwrap();
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].kind, AlertKind::Parked);
        assert!(refusing.received.lock().unwrap().is_empty());

        // An agent fixes the cause and sends it again.
        let healthy = FakeGateway::start(0, 503).await;
        assert_eq!(store.retry_failed(None, t0()).await.unwrap(), 1);
        let senders = Senders {
            smtp: None,
            sms: Some(sms_sender(&healthy.url)),
        };
        run_until(&store, &senders, all(IntentStatus::Sent)).await;
        assert_eq!(healthy.received.lock().unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_failing_smtp_server_is_retried_and_each_email_arrives_once() {
    on_both_engines(|store: Store| async move {
        let smtp = SmtpRecorder::start(&["--fail-first", "4"]);
        let intents: Vec<NewIntent> = (0..3).map(email_intent).collect();
        store.enqueue_intents(&intents, t0()).await.unwrap();
        let senders = Senders {
            smtp: Some(
                SmtpSender::new(&SmtpConfig {
                    host: "127.0.0.1".into(),
                    port: smtp.port,
                    security: SmtpSecurity::None,
                    username: None,
                    password: None,
                    from: "ne-pas-repondre@mairie.test".into(),
                    message_id_domain: "mairie.test".into(),
                })
                .unwrap(),
            ),
            sms: None,
        };
        let stats = run_until(&store, &senders, all(IntentStatus::Sent)).await;
        assert_eq!(stats.retried, 4);
        let messages = smtp.messages();
        assert_eq!(messages.len(), 3, "each email once");
        let mut ids: Vec<String> = messages
            .iter()
            .filter_map(|m| {
                m["data"]
                    .as_str()?
                    .lines()
                    .find_map(|l| l.strip_prefix("Message-ID: "))
                    .map(str::to_owned)
            })
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 3);
        let retries: Vec<_> = store
            .notification_events("GX-TEST")
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.step.code() == "pending" && e.attempt > 0)
            .collect();
        assert_eq!(retries.len(), 4);
        assert!(
            retries
                .iter()
                .all(|e| e.detail.as_deref().unwrap_or("").contains("temporaire")),
            "{retries:?}"
        );
    })
    .await;
}

/// Fails like a full disk once a shared byte budget is spent.
struct FullDisk {
    budget: Arc<AtomicUsize>,
}

struct Limited {
    inner: std::fs::File,
    budget: Arc<AtomicUsize>,
}

impl Write for Limited {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let left = self.budget.load(Ordering::SeqCst);
        if left < buf.len() {
            return Err(io::Error::new(
                io::ErrorKind::StorageFull,
                "No space left on device",
            ));
        }
        self.budget.fetch_sub(buf.len(), Ordering::SeqCst);
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl BatchSink for FullDisk {
    fn create(&self, path: &Path) -> io::Result<Box<dyn Write + Send>> {
        Ok(Box::new(Limited {
            inner: std::fs::File::create(path)?,
            budget: self.budget.clone(),
        }))
    }
}

#[tokio::test]
async fn a_full_disk_while_writing_a_batch_loses_no_letter_and_prints_none_twice() {
    on_both_engines(|store: Store| async move {
        const LETTERS: usize = 12;
        let intents: Vec<NewIntent> = (0..LETTERS).map(letter_intent).collect();
        let now = t0();
        store.enqueue_intents(&intents, now).await.unwrap();
        let dir = tempfile::tempdir().unwrap();

        let batch = store
            .start_print_batch("B-FULL", now, 1000)
            .await
            .unwrap()
            .expect("letters waiting");
        assert_eq!(batch.letters, LETTERS as u64);
        let full = Arc::new(FullDisk {
            budget: Arc::new(AtomicUsize::new(40_000)),
        });
        let err = worker::export_batch_to(&store, dir.path(), "B-FULL", now, full)
            .await
            .expect_err("the disk is full");
        assert!(err.to_string().contains("No space left"), "{err}");
        assert!(err.to_string().contains("écriture"), "{err}");
        // Clear status: the batch is unfinished, its letters are in it and nowhere else.
        assert_eq!(
            store.unfinished_print_batches().await.unwrap(),
            vec!["B-FULL"]
        );
        assert_eq!(
            store.print_batch("B-FULL").await.unwrap().status.code(),
            "writing"
        );
        let statuses: Vec<IntentStatus> = store
            .list_intents(None, 100)
            .await
            .unwrap()
            .iter()
            .map(|i| i.status)
            .collect();
        assert!(
            statuses.iter().all(|s| *s == IntentStatus::Batched),
            "{statuses:?}"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path().join("B-FULL"))
            .unwrap()
            .flatten()
            .collect();
        assert!(left.is_empty(), "no partial file is left: {left:?}");

        // Room again: the next run writes the unfinished batch before starting another.
        let summaries = worker::print_pending_letters(&store, dir.path(), t0(), 1000)
            .await
            .unwrap();
        assert_eq!(summaries.len(), 1, "no second batch: no letter was waiting");
        assert_eq!(summaries[0].included.len(), LETTERS);
        let manifest =
            std::fs::read_to_string(dir.path().join("B-FULL").join("B-FULL-manifest.csv")).unwrap();
        let mut per_letter: HashMap<String, usize> = HashMap::new();
        for line in manifest.lines().skip(1) {
            *per_letter
                .entry(line.split(',').next().unwrap().to_owned())
                .or_default() += 1;
        }
        assert_eq!(per_letter.len(), LETTERS);
        assert!(per_letter.values().all(|n| *n == 1));
        assert!(
            store
                .list_intents(None, 100)
                .await
                .unwrap()
                .iter()
                .all(|i| i.status == IntentStatus::HandedOver)
        );
        let b = store.print_batch("B-FULL").await.unwrap();
        assert_eq!(
            (b.status.code(), b.letters),
            ("handed_over", LETTERS as u64)
        );
        assert!(store.unfinished_print_batches().await.unwrap().is_empty());
        assert!(
            worker::print_pending_letters(&store, dir.path(), t0(), 1000)
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}
