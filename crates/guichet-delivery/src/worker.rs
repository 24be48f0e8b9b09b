//! The outbox worker: claims due intents, sends them, records what happened,
//! and gathers waiting letters into print batches.
//!
//! Every step is safe to repeat. A claim is a lease: if the worker dies, the
//! sweep (run by any worker) puts the intent back once the lease has expired,
//! and the dead worker's late answer is ignored because it no longer holds the
//! claim. Email carries a Message-ID derived from the idempotency key, so the
//! rare message sent again after a crash between the relay's "250" and our
//! commit is recognisable downstream. A letter joins exactly one print batch in
//! the transaction that creates the batch; a batch whose files were not
//! finished is written again (same letters, same files) before a new one starts.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use guichet_domain::{Clock, Delivery};
use guichet_letters::{Output, render};
use guichet_notify::NotifyError;
use guichet_notify::payload::Payload;
use guichet_store::Store;
use guichet_store::outbox::{AttemptOutcome, Intent};

use crate::error::DeliveryError;
use crate::print::{BatchLetter, BatchSink, BatchSummary, FileSink, write_batch};
use crate::retry::next_attempt;
use crate::sms_gateway::SmsGateway;
use crate::smtp::{Email, SmtpSender};

/// The outside world the worker delivers to.
#[derive(Debug, Clone, Default)]
pub struct Senders {
    pub smtp: Option<SmtpSender>,
    pub sms: Option<SmsGateway>,
}

/// How the worker runs.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Where "now" comes from: the system clock in production, a manual one in tests.
    pub clock: Arc<dyn Clock>,
    pub worker_id: String,
    /// Intents claimed at once.
    pub claim_batch: u32,
    /// Sends in flight at once.
    pub concurrency: usize,
    /// How long a claim lasts before the sweep may hand the intent to another worker.
    pub lease: Duration,
    /// Sleep when there is nothing to do.
    pub idle_sleep: Duration,
    /// Where print batches go; `None` leaves letters waiting.
    pub print_dir: Option<PathBuf>,
    /// Most letters in one print batch.
    pub batch_limit: u32,
    /// Stop when no intent is due and none is in flight (tests, cron jobs).
    pub exit_when_idle: bool,
}

impl WorkerOptions {
    /// Default settings with the given clock.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            worker_id: format!("worker-{}", uuid::Uuid::new_v4().simple()),
            claim_batch: 32,
            concurrency: 8,
            lease: Duration::from_secs(60),
            idle_sleep: Duration::from_millis(500),
            print_dir: None,
            batch_limit: 100_000,
            exit_when_idle: false,
        }
    }
}

/// What a run did, for logs and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerStats {
    pub sent: u64,
    pub retried: u64,
    pub parked: u64,
    pub batches: u64,
    pub letters: u64,
}

/// Runs until `shutdown` resolves (or, with `exit_when_idle`, until there is nothing left).
/// `shutdown` is polled between rounds as well as while idle, so it must be a plain signal (a
/// channel, SIGTERM), never a future that itself queries the store.
pub async fn run(
    store: &Store,
    senders: &Senders,
    options: &WorkerOptions,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<WorkerStats, DeliveryError> {
    tokio::pin!(shutdown);
    let mut stats = WorkerStats::default();
    let mut channels: Vec<Delivery> = Vec::new();
    if senders.smtp.is_some() {
        channels.push(Delivery::Email);
    }
    if senders.sms.is_some() {
        channels.push(Delivery::Sms);
    }
    let lease = chrono::Duration::from_std(options.lease)
        .map_err(|e| DeliveryError::Config(format!("lease: {e}")))?;
    let clock = options.clock.as_ref();
    let mut waited_for = channels.clone();
    if options.print_dir.is_some() {
        waited_for.push(Delivery::Letter);
    }
    let mut last_sweep: Option<DateTime<Utc>> = None;
    loop {
        // A busy worker also stops between rounds; claims of the round in progress were
        // recorded, and anything claimed but not recorded is taken back by the lease sweep.
        if futures::FutureExt::now_or_never(&mut shutdown).is_some() {
            return Ok(stats);
        }
        let t = clock.now();
        if last_sweep.is_none_or(|s| t - s > lease / 2) {
            let swept = store.sweep_stuck(t).await?;
            if swept > 0 {
                tracing::warn!(
                    swept,
                    "intents of an interrupted worker put back in the queue"
                );
            }
            last_sweep = Some(t);
        }
        let claimed = if channels.is_empty() {
            Vec::new()
        } else {
            store
                .claim_intents(
                    &options.worker_id,
                    &channels,
                    t,
                    t + lease,
                    options.claim_batch,
                )
                .await?
        };
        let busy = !claimed.is_empty();
        let outcomes: Vec<Result<Outcome, DeliveryError>> = futures::stream::iter(claimed)
            .map(|intent| process(store, senders, clock, &options.worker_id, intent))
            .buffer_unordered(options.concurrency.max(1))
            .collect()
            .await;
        for o in outcomes {
            match o? {
                Outcome::Sent => stats.sent += 1,
                Outcome::Retried => stats.retried += 1,
                Outcome::Parked => stats.parked += 1,
                Outcome::Lost => {}
            }
        }
        let mut printed = false;
        if !busy && let Some(dir) = &options.print_dir {
            for summary in
                print_pending_letters(store, dir, clock.now(), options.batch_limit).await?
            {
                stats.batches += 1;
                stats.letters += summary.included.len() as u64;
                printed = true;
            }
        }
        if busy || printed {
            continue;
        }
        if options.exit_when_idle && !store.work_in_flight(&waited_for).await? {
            return Ok(stats);
        }
        tokio::select! {
            _ = &mut shutdown => return Ok(stats),
            _ = tokio::time::sleep(options.idle_sleep) => {}
        }
    }
}

enum Outcome {
    Sent,
    Retried,
    Parked,
    /// The claim expired and another worker took over; nothing recorded.
    Lost,
}

async fn process(
    store: &Store,
    senders: &Senders,
    clock: &dyn Clock,
    worker: &str,
    intent: Intent,
) -> Result<Outcome, DeliveryError> {
    let result = deliver(senders, &intent).await;
    let t = clock.now();
    let (outcome, kind) = match result {
        Ok(provider_id) => (AttemptOutcome::Sent { provider_id }, Outcome::Sent),
        Err(e) if e.is_transient() => match next_attempt(intent.attempts, intent.window_start, t) {
            Some(at) => (
                AttemptOutcome::Retry {
                    error: e.to_string(),
                    at,
                },
                Outcome::Retried,
            ),
            None => (
                AttemptOutcome::Park {
                    error: format!("{e} (abandon après 48 heures d’essais)"),
                },
                Outcome::Parked,
            ),
        },
        Err(e) => (
            AttemptOutcome::Park {
                error: e.to_string(),
            },
            Outcome::Parked,
        ),
    };
    if store.record_attempt(&intent, worker, &outcome, t).await? {
        Ok(kind)
    } else {
        tracing::warn!(intent = %intent.id, "claim lost before the outcome was recorded");
        Ok(Outcome::Lost)
    }
}

async fn deliver(senders: &Senders, intent: &Intent) -> Result<Option<String>, NotifyError> {
    match Payload::from_json(&intent.payload)? {
        Payload::Email {
            to,
            subject,
            text,
            html,
            letter,
        } => {
            let smtp = senders
                .smtp
                .as_ref()
                .ok_or_else(|| NotifyError::Config("SMTP non configuré".into()))?;
            let attachment = match letter {
                Some(letter) => {
                    let pdf =
                        tokio::task::spawn_blocking(move || render(&letter, Output::Accessible))
                            .await
                            .map_err(|e| NotifyError::Transient(e.to_string()))??;
                    Some(("courrier.pdf".to_owned(), pdf.pdf))
                }
                None => None,
            };
            let email = Email {
                to,
                subject,
                text,
                html,
                idempotency_key: intent.idempotency_key.clone(),
                attachment,
            };
            smtp.send(&email).await.map(|()| None)
        }
        Payload::Sms { to, text } => {
            let sms = senders
                .sms
                .as_ref()
                .ok_or_else(|| NotifyError::Config("passerelle SMS non configurée".into()))?;
            sms.send(&to, &text, &intent.idempotency_key)
                .await
                .map(Some)
        }
        Payload::Letter { .. } => Err(NotifyError::Permanent(
            "une lettre part par un lot d’impression".into(),
        )),
    }
}

/// Finishes interrupted print batches, then gathers waiting letters into a new one.
pub async fn print_pending_letters(
    store: &Store,
    dir: &Path,
    now: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<BatchSummary>, DeliveryError> {
    let mut done = Vec::new();
    for id in store.unfinished_print_batches().await? {
        done.push(export_batch(store, dir, &id, now).await?);
    }
    let id = format!(
        "{}-{}",
        now.format("%Y%m%d-%H%M%S"),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    if store.start_print_batch(&id, now, limit).await?.is_some() {
        done.push(export_batch(store, dir, &id, now).await?);
    }
    Ok(done)
}

/// Writes (or writes again) the files of a batch in `dir/ID/` and records the hand-over,
/// which only the first complete export changes.
pub async fn export_batch(
    store: &Store,
    dir: &Path,
    batch_id: &str,
    now: DateTime<Utc>,
) -> Result<BatchSummary, DeliveryError> {
    export_batch_to(store, dir, batch_id, now, std::sync::Arc::new(FileSink)).await
}

/// [`export_batch`] through a given sink (tests pass one that fails like a full disk). When the
/// files cannot be written, the batch stays `writing` with its letters, and the next run writes
/// it again before starting a new one.
pub async fn export_batch_to(
    store: &Store,
    dir: &Path,
    batch_id: &str,
    now: DateTime<Utc>,
    sink: std::sync::Arc<dyn BatchSink + Send + Sync>,
) -> Result<BatchSummary, DeliveryError> {
    let out_dir = dir.join(batch_id);
    std::fs::create_dir_all(&out_dir)?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<BatchLetter, NotifyError>>(256);
    let producer_store = store.clone();
    let producer_id = batch_id.to_owned();
    let producer = tokio::spawn(async move {
        let mut undecodable: Vec<(String, String)> = Vec::new();
        let mut after: Option<(String, String, String)> = None;
        loop {
            let key = after
                .as_ref()
                .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()));
            let page = producer_store
                .batch_letters_page(&producer_id, key, 500)
                .await?;
            let Some(last) = page.last() else { break };
            after = Some((last.postage.clone(), last.postcode.clone(), last.id.clone()));
            for row in page {
                match Payload::from_json(&row.payload) {
                    Ok(Payload::Letter { letter, postage }) => {
                        let item = BatchLetter {
                            letter_id: row.id,
                            case_reference: row.case_reference.unwrap_or_default(),
                            postage,
                            letter: *letter,
                        };
                        if tx.send(Ok(item)).await.is_err() {
                            return Ok(undecodable);
                        }
                    }
                    Ok(_) => undecodable.push((row.id, "pas une lettre".into())),
                    Err(e) => undecodable.push((row.id, e.to_string())),
                }
            }
        }
        Ok::<_, guichet_store::StoreError>(undecodable)
    });
    let writer_id = batch_id.to_owned();
    let writer = tokio::task::spawn_blocking(move || {
        write_batch(
            &out_dir,
            &writer_id,
            std::iter::from_fn(|| rx.blocking_recv()),
            sink.as_ref(),
        )
    });
    let written = writer.await?;
    let undecodable = producer.await??;
    let mut summary = written?;
    summary.rejected.extend(undecodable);
    let first = store
        .hand_over_print_batch(batch_id, summary.pages as u64, &summary.rejected, now)
        .await?;
    tracing::info!(
        batch = batch_id,
        letters = summary.included.len(),
        pages = summary.pages,
        first,
        "print batch written"
    );
    Ok(summary)
}
