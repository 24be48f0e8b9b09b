//! The notification outbox: intents, claims, attempts, print batches, returned mail,
//! templates and agent alerts.
//!
//! An intent is written in the same transaction as the change that causes it
//! ([`Store::append_events_with_intents`]), keyed by an idempotency key so that writing it twice
//! is harmless. Workers claim due intents under a lease — `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL so several servers never claim the same row, one `UPDATE … RETURNING` through the
//! single writer connection on SQLite — and record every attempt. A sweep puts back intents
//! whose lease ran out (the worker died). Letters are not sent by a worker but gathered into
//! print batches: a letter joins exactly one batch, in the transaction that creates it, and a
//! batch is marked handed over once.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::{Engine, Store, StoreError, from_micros, to_micros, with_pool};

/// Where an intent stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntentStatus {
    /// Waiting for its next attempt (or for a print batch, for letters).
    Pending,
    /// Claimed by a worker under a lease.
    Sending,
    /// Accepted by the SMTP relay or the SMS gateway.
    Sent,
    /// A letter in a print batch being written.
    Batched,
    /// A letter handed to the printer.
    HandedOver,
    /// Parked after a permanent error or 48 hours of retries: a person must look.
    Failed,
    /// A letter that came back undelivered.
    Returned,
}

impl IntentStatus {
    pub const ALL: [IntentStatus; 7] = [
        IntentStatus::Pending,
        IntentStatus::Sending,
        IntentStatus::Sent,
        IntentStatus::Batched,
        IntentStatus::HandedOver,
        IntentStatus::Failed,
        IntentStatus::Returned,
    ];

    pub fn code(self) -> &'static str {
        match self {
            IntentStatus::Pending => "pending",
            IntentStatus::Sending => "sending",
            IntentStatus::Sent => "sent",
            IntentStatus::Batched => "batched",
            IntentStatus::HandedOver => "handed_over",
            IntentStatus::Failed => "failed",
            IntentStatus::Returned => "returned",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// An intent to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIntent {
    pub idempotency_key: String,
    pub case_reference: Option<String>,
    pub person_id: Option<String>,
    /// `email`, `sms` or `letter`.
    pub channel: String,
    pub kind: String,
    /// Rendered content, as JSON, owned by the notification crate.
    pub payload: String,
    /// Letters: for sorting batches.
    pub postcode: Option<String>,
    pub postage: Option<String>,
}

/// An alert for agents to write with a case change (for example: a person who cannot be reached
/// at all, so the receipt of their request has nowhere to go).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    pub kind: String,
    pub person_id: Option<String>,
    pub case_reference: Option<String>,
    /// What the agent must do, in French.
    pub message: String,
}

/// One line of a case's history: a journal event, or a step in the delivery of one of the
/// case's notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryEntry {
    Event(guichet_domain::Event),
    Notification(NotificationEvent),
}

impl HistoryEntry {
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            HistoryEntry::Event(e) => e.at,
            HistoryEntry::Notification(n) => n.at,
        }
    }
}

/// A stored intent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    pub id: String,
    pub idempotency_key: String,
    pub case_reference: Option<String>,
    pub person_id: Option<String>,
    pub channel: String,
    pub kind: String,
    pub payload: String,
    pub status: IntentStatus,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    /// Retries stop 48 hours after this.
    pub window_start: DateTime<Utc>,
    pub last_error: Option<String>,
    pub postcode: Option<String>,
    pub postage: Option<String>,
    pub batch_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// One line of a notification's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationEvent {
    pub outbox_id: String,
    pub case_reference: Option<String>,
    pub at: DateTime<Utc>,
    pub channel: String,
    pub status: String,
    pub attempt: u32,
    pub detail: Option<String>,
}

/// What happened to an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    Sent {
        provider_id: Option<String>,
    },
    /// Try again at this time.
    Retry {
        error: String,
        at: DateTime<Utc>,
    },
    /// Give up: permanent error or retries exhausted.
    Park {
        error: String,
    },
}

/// A print batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintBatch {
    pub id: String,
    /// `writing` until its files are complete, then `handed_over`.
    pub status: String,
    pub letters: u64,
    pub pages: u64,
    pub created_at: DateTime<Utc>,
    pub handed_over_at: Option<DateTime<Utc>>,
    pub exports: u64,
}

/// A letter of a batch, in print order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRow {
    pub id: String,
    pub case_reference: Option<String>,
    pub postage: String,
    pub postcode: String,
    pub payload: String,
}

/// A stored template version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRow {
    pub kind: String,
    pub channel: String,
    pub wording: String,
    pub version: u32,
    pub source: String,
    pub author: String,
    pub created_at: DateTime<Utc>,
}

/// Something an agent must act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentAlertRow {
    pub id: String,
    pub kind: String,
    pub person_id: Option<String>,
    pub case_reference: Option<String>,
    pub outbox_id: Option<String>,
    pub message: String,
    pub created_at: DateTime<Utc>,
}

const INTENT_COLUMNS: &str = "id, idempotency_key, case_reference, person_id, channel, kind, payload, status, attempts, \
     next_attempt_at, window_start, last_error, postcode, postage, batch_id, created_at";

fn intent_from_row(r: &impl IntentRow) -> Result<Intent, StoreError> {
    r.intent()
}

/// Decoding shared by both engines' row types.
trait IntentRow {
    fn intent(&self) -> Result<Intent, StoreError>;
}

macro_rules! impl_intent_row {
    ($row:ty) => {
        impl IntentRow for $row {
            fn intent(&self) -> Result<Intent, StoreError> {
                let status: String = self.try_get("status")?;
                Ok(Intent {
                    id: self.try_get("id")?,
                    idempotency_key: self.try_get("idempotency_key")?,
                    case_reference: self.try_get("case_reference")?,
                    person_id: self.try_get("person_id")?,
                    channel: self.try_get("channel")?,
                    kind: self.try_get("kind")?,
                    payload: self.try_get("payload")?,
                    status: IntentStatus::from_code(&status)
                        .ok_or_else(|| StoreError::corrupt(format!("intent status {status}")))?,
                    attempts: u32::try_from(self.try_get::<i64, _>("attempts")?)
                        .map_err(StoreError::corrupt)?,
                    next_attempt_at: from_micros(self.try_get("next_attempt_at")?)?,
                    window_start: from_micros(self.try_get("window_start")?)?,
                    last_error: self.try_get("last_error")?,
                    postcode: self.try_get("postcode")?,
                    postage: self.try_get("postage")?,
                    batch_id: self.try_get("batch_id")?,
                    created_at: from_micros(self.try_get("created_at")?)?,
                })
            }
        }
    };
}
impl_intent_row!(sqlx::sqlite::SqliteRow);
impl_intent_row!(sqlx::postgres::PgRow);

fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Inserts intents inside an open transaction `$tx` at time `$now` (micros); a repeated
/// idempotency key is ignored.
macro_rules! insert_intents {
    ($tx:expr, $intents:expr, $now:expr) => {
        for intent in $intents {
            let id = new_id();
            let inserted = sqlx::query(
                "INSERT INTO outbox (id, idempotency_key, case_reference, person_id, channel, kind, payload, status,
                                     attempts, next_attempt_at, window_start, postcode, postage, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8, $9, $10, $8, $8)
                 ON CONFLICT (idempotency_key) DO NOTHING",
            )
            .bind(&id)
            .bind(&intent.idempotency_key)
            .bind(&intent.case_reference)
            .bind(&intent.person_id)
            .bind(&intent.channel)
            .bind(&intent.kind)
            .bind(&intent.payload)
            .bind($now)
            .bind(&intent.postcode)
            .bind(&intent.postage)
            .execute(&mut *$tx)
            .await?
            .rows_affected();
            if inserted == 1 {
                insert_event!($tx, &id, &intent.case_reference, $now, &intent.channel, "pending", 0i64, None::<String>);
            }
        }
    };
}

/// Writes a change's intents and agent alerts inside the caller's transaction.
macro_rules! insert_outbox {
    ($tx:ident, $intents:expr, $alerts:expr, $now:expr) => {
        insert_intents!($tx, $intents, $now);
        for a in $alerts {
            insert_alert(
                &mut $tx,
                &a.kind,
                a.person_id.as_deref(),
                a.case_reference.as_deref(),
                None,
                &a.message,
                $now,
            )
            .await?;
        }
    };
}

macro_rules! insert_event {
    ($tx:expr, $id:expr, $case:expr, $at:expr, $channel:expr, $status:expr, $attempt:expr, $detail:expr) => {
        sqlx::query(
            "INSERT INTO notification_events (outbox_id, case_reference, at, channel, status, attempt, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind($id)
        .bind($case)
        .bind($at)
        .bind($channel)
        .bind($status)
        .bind($attempt)
        .bind($detail)
        .execute(&mut *$tx)
        .await?;
    };
}

/// Records, in one statement inside the open transaction `$tx`, that `$claimed` intents went to
/// `sending` for worker `$worker`: each attempt is on the case's history from its start.
macro_rules! insert_claim_events {
    ($tx:expr, $claimed:expr, $worker:expr, $now:expr) => {
        let claimed: &[Intent] = $claimed;
        if !claimed.is_empty() {
            let mut builder = sqlx::QueryBuilder::new(
                "INSERT INTO notification_events (outbox_id, case_reference, at, channel, status, attempt, detail) ",
            );
            builder.push_values(claimed, |mut b, i| {
                b.push_bind(&i.id)
                    .push_bind(&i.case_reference)
                    .push_bind($now)
                    .push_bind(&i.channel)
                    .push_bind("sending")
                    .push_bind(i64::from(i.attempts))
                    .push_bind($worker);
            });
            builder.build().execute(&mut *$tx).await?;
        }
    };
}

impl Store {
    /// Writes intents in their own transaction (for intents not tied to a case change).
    /// Returns how many were new.
    pub async fn enqueue_intents(
        &self,
        intents: &[NewIntent],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let now = to_micros(now);
        let before = self.count_intents().await?;
        with_pool!(self, write pool => {
            let mut tx = pool.begin().await?;
            insert_intents!(tx, intents, now);
            tx.commit().await?;
        });
        Ok(self.count_intents().await?.saturating_sub(before))
    }

    async fn count_intents(&self) -> Result<u64, StoreError> {
        let n: i64 = with_pool!(self, write pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox").fetch_one(pool).await?
        });
        u64::try_from(n).map_err(StoreError::corrupt)
    }

    /// Appends case events and writes the notification intents they cause, in one transaction:
    /// either both are stored or neither is. Fails with [`StoreError::Conflict`] like
    /// [`Store::append_events`].
    pub async fn append_events_with_intents(
        &self,
        case: &guichet_domain::Case,
        events: &[guichet_domain::Event],
        intents: &[NewIntent],
        now: DateTime<Utc>,
    ) -> Result<guichet_domain::Case, StoreError> {
        self.append_events_with_outbox(case, events, intents, &[], now)
            .await
    }

    /// Like [`Store::append_events_with_intents`], with alerts for agents in the same
    /// transaction.
    pub async fn append_events_with_outbox(
        &self,
        case: &guichet_domain::Case,
        events: &[guichet_domain::Event],
        intents: &[NewIntent],
        alerts: &[NewAlert],
        now: DateTime<Utc>,
    ) -> Result<guichet_domain::Case, StoreError> {
        let now = to_micros(now);
        let next = crate::cases::append_in_transaction!(self, case, events, |tx| {
            insert_outbox!(tx, intents, alerts, now);
        });
        Ok(next)
    }

    /// Stores a new case from its first events with the intents and alerts they cause, in one
    /// transaction (see [`Store::create_case`]).
    pub async fn create_case_with_outbox(
        &self,
        events: &[guichet_domain::Event],
        intents: &[NewIntent],
        alerts: &[NewAlert],
        now: DateTime<Utc>,
    ) -> Result<guichet_domain::Case, StoreError> {
        let now = to_micros(now);
        let case = crate::cases::create_in_transaction!(self, events, |tx| {
            insert_outbox!(tx, intents, alerts, now);
        });
        Ok(case)
    }

    /// A case's journal merged with the delivery history of its notifications, in time order;
    /// at the same instant, the journal event comes before the notifications it caused.
    pub async fn case_history(
        &self,
        reference: &guichet_domain::CaseReference,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let events = self.journal(reference).await?;
        if events.is_empty() {
            return Err(StoreError::NotFound(format!("case {reference}")));
        }
        let notifications = self.notification_events(reference.as_str()).await?;
        let mut out = Vec::with_capacity(events.len() + notifications.len());
        let mut events = events.into_iter().peekable();
        let mut notifications = notifications.into_iter().peekable();
        loop {
            let take_event = match (events.peek(), notifications.peek()) {
                (Some(e), Some(n)) => e.at <= n.at,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if take_event {
                out.extend(events.next().map(HistoryEntry::Event));
            } else {
                out.extend(notifications.next().map(HistoryEntry::Notification));
            }
        }
        Ok(out)
    }

    /// Claims up to `limit` due intents of the given channels for `worker`, until `lease_until`.
    pub async fn claim_intents(
        &self,
        worker: &str,
        channels: &[&str],
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Intent>, StoreError> {
        let now = to_micros(now);
        let lease = to_micros(lease_until);
        let channels: Vec<String> = channels.iter().map(|c| (*c).to_owned()).collect();
        let channels_json = serde_json::to_string(&channels).map_err(StoreError::corrupt)?;
        let intents = match self.engine() {
            Engine::Postgres => {
                let sql = format!(
                    "UPDATE outbox SET status = 'sending', claimed_by = $1, lease_until = $2,
                                       attempts = attempts + 1, updated_at = $3
                     WHERE id IN (
                         SELECT id FROM outbox
                         WHERE status = 'pending' AND next_attempt_at <= $3
                           AND channel IN (SELECT jsonb_array_elements_text($4::jsonb))
                         ORDER BY next_attempt_at, id
                         LIMIT $5
                         FOR UPDATE SKIP LOCKED)
                     RETURNING {INTENT_COLUMNS}"
                );
                with_pool!(self, write pool => {
                    let mut tx = pool.begin().await?;
                    let claimed = sqlx::query(&sql)
                        .bind(worker).bind(lease).bind(now).bind(&channels_json).bind(i64::from(limit))
                        .fetch_all(&mut *tx).await?.iter().map(intent_from_row).collect::<Result<Vec<_>, _>>()?;
                    insert_claim_events!(tx, &claimed, worker, now);
                    tx.commit().await?;
                    claimed
                })
            }
            Engine::Sqlite => {
                // One writer connection: the UPDATE is atomic and no other claim interleaves.
                let sql = format!(
                    "UPDATE outbox SET status = 'sending', claimed_by = $1, lease_until = $2,
                                       attempts = attempts + 1, updated_at = $3
                     WHERE id IN (
                         SELECT id FROM outbox
                         WHERE status = 'pending' AND next_attempt_at <= $3
                           AND channel IN (SELECT value FROM json_each($4))
                         ORDER BY next_attempt_at, id
                         LIMIT $5)
                     RETURNING {INTENT_COLUMNS}"
                );
                with_pool!(self, write pool => {
                    let mut tx = pool.begin().await?;
                    let claimed = sqlx::query(&sql)
                        .bind(worker).bind(lease).bind(now).bind(&channels_json).bind(i64::from(limit))
                        .fetch_all(&mut *tx).await?.iter().map(intent_from_row).collect::<Result<Vec<_>, _>>()?;
                    insert_claim_events!(tx, &claimed, worker, now);
                    tx.commit().await?;
                    claimed
                })
            }
        };
        Ok(intents)
    }

    /// Records the outcome of an attempt by `worker`. Returns false (and changes nothing) when
    /// the claim was lost meanwhile (lease expired and another worker took the intent).
    pub async fn record_attempt(
        &self,
        intent: &Intent,
        worker: &str,
        outcome: &AttemptOutcome,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let now = to_micros(now);
        let attempt = i64::from(intent.attempts);
        let (status, next, error, provider, detail) = match outcome {
            AttemptOutcome::Sent { provider_id } => {
                ("sent", now, None, provider_id.clone(), provider_id.clone())
            }
            AttemptOutcome::Retry { error, at } => (
                "pending",
                to_micros(*at),
                Some(error.clone()),
                None,
                Some(error.clone()),
            ),
            AttemptOutcome::Park { error } => (
                "failed",
                now,
                Some(error.clone()),
                None,
                Some(error.clone()),
            ),
        };
        let done = matches!(
            outcome,
            AttemptOutcome::Sent { .. } | AttemptOutcome::Park { .. }
        )
        .then_some(now);
        let changed = with_pool!(self, write pool => {
            let mut tx = pool.begin().await?;
            let changed = sqlx::query(
                "UPDATE outbox SET status = $1, next_attempt_at = $2, last_error = COALESCE($3, last_error),
                                   provider_id = COALESCE($4, provider_id), claimed_by = NULL, lease_until = NULL,
                                   updated_at = $5, done_at = $6
                 WHERE id = $7 AND status = 'sending' AND claimed_by = $8",
            )
            .bind(status).bind(next).bind(&error).bind(&provider).bind(now).bind(done)
            .bind(&intent.id).bind(worker)
            .execute(&mut *tx).await?.rows_affected();
            if changed == 1 {
                insert_event!(tx, &intent.id, &intent.case_reference, now, &intent.channel, status, attempt, detail);
                if status == "failed" {
                    insert_alert(&mut tx, "parked", intent.person_id.as_deref(), intent.case_reference.as_deref(),
                        Some(&intent.id), &format!("Notification abandonnée ({}) : {}", intent.channel,
                        error.as_deref().unwrap_or_default()), now).await?;
                }
            }
            tx.commit().await?;
            changed
        });
        Ok(changed == 1)
    }

    /// Puts back intents whose worker died: `sending` with an expired lease becomes `pending`.
    pub async fn sweep_stuck(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let now = to_micros(now);
        let swept = with_pool!(self, write pool => {
            let mut tx = pool.begin().await?;
            let rows = sqlx::query(
                "UPDATE outbox SET status = 'pending', claimed_by = NULL, lease_until = NULL, updated_at = $1
                 WHERE status = 'sending' AND lease_until < $1
                 RETURNING id, case_reference, channel, attempts",
            )
            .bind(now)
            .fetch_all(&mut *tx).await?;
            for r in &rows {
                let id: String = r.try_get(0)?;
                let case: Option<String> = r.try_get(1)?;
                let channel: String = r.try_get(2)?;
                let attempts: i64 = r.try_get(3)?;
                insert_event!(tx, &id, &case, now, &channel, "requeued", attempts,
                    Some("reprise après interruption du traitement".to_owned()));
            }
            tx.commit().await?;
            rows.len()
        });
        Ok(swept as u64)
    }

    /// Intents by status (all when `None`), oldest first.
    pub async fn list_intents(
        &self,
        status: Option<IntentStatus>,
        limit: u32,
    ) -> Result<Vec<Intent>, StoreError> {
        let sql = format!(
            "SELECT {INTENT_COLUMNS} FROM outbox WHERE ($1 IS NULL OR status = $1) ORDER BY created_at, id LIMIT $2"
        );
        let intents = with_pool!(self, pool => {
            sqlx::query(&sql).bind(status.map(IntentStatus::code)).bind(i64::from(limit.max(1)))
                .fetch_all(pool).await?.iter().map(intent_from_row).collect::<Result<Vec<_>, _>>()?
        });
        Ok(intents)
    }

    /// Counts intents per status.
    pub async fn count_by_status(&self) -> Result<Vec<(IntentStatus, u64)>, StoreError> {
        let rows: Vec<(String, i64)> = with_pool!(self, pool => {
            sqlx::query("SELECT status, COUNT(*) FROM outbox GROUP BY status ORDER BY status")
                .fetch_all(pool).await?.iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect::<Result<_, sqlx::Error>>()?
        });
        rows.into_iter()
            .map(|(s, n)| {
                Ok((
                    IntentStatus::from_code(&s)
                        .ok_or_else(|| StoreError::corrupt(format!("status {s}")))?,
                    u64::try_from(n).map_err(StoreError::corrupt)?,
                ))
            })
            .collect()
    }

    /// Sends a parked intent (or all parked ones with `None`) back to the queue, now.
    pub async fn retry_failed(
        &self,
        id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let now = to_micros(now);
        let n = with_pool!(self, write pool => {
            let mut tx = pool.begin().await?;
            let rows = sqlx::query(
                "UPDATE outbox SET status = 'pending', next_attempt_at = $1, window_start = $1, updated_at = $1,
                                   done_at = NULL
                 WHERE status = 'failed' AND ($2 IS NULL OR id = $2)
                 RETURNING id, case_reference, channel",
            )
            .bind(now).bind(id)
            .fetch_all(&mut *tx).await?;
            for r in &rows {
                let oid: String = r.try_get(0)?;
                let case: Option<String> = r.try_get(1)?;
                let channel: String = r.try_get(2)?;
                insert_event!(tx, &oid, &case, now, &channel, "pending", 0i64, Some("relance manuelle".to_owned()));
            }
            tx.commit().await?;
            rows.len()
        });
        Ok(n as u64)
    }

    /// The delivery history of a case's notifications, in time order.
    pub async fn notification_events(
        &self,
        case_reference: &str,
    ) -> Result<Vec<NotificationEvent>, StoreError> {
        let rows = with_pool!(self, pool => {
            sqlx::query(
                "SELECT outbox_id, case_reference, at, channel, status, attempt, detail FROM notification_events
                 WHERE case_reference = $1 ORDER BY at, id",
            )
            .bind(case_reference)
            .fetch_all(pool).await?.iter()
            .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<Option<String>, _>(1)?, r.try_get::<i64, _>(2)?,
                         r.try_get::<String, _>(3)?, r.try_get::<String, _>(4)?, r.try_get::<i64, _>(5)?,
                         r.try_get::<Option<String>, _>(6)?)))
            .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        rows.into_iter()
            .map(
                |(outbox_id, case_reference, at, channel, status, attempt, detail)| {
                    Ok(NotificationEvent {
                        outbox_id,
                        case_reference,
                        at: from_micros(at)?,
                        channel,
                        status,
                        attempt: u32::try_from(attempt).map_err(StoreError::corrupt)?,
                        detail,
                    })
                },
            )
            .collect()
    }

    // ---------------------------------------------------------------- print batches

    /// Creates a batch with every pending letter due now (at most `limit`), in one transaction.
    /// Returns the batch, or `None` when no letter is waiting.
    pub async fn start_print_batch(
        &self,
        batch_id: &str,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Option<PrintBatch>, StoreError> {
        let now_m = to_micros(now);
        let lock = match self.engine() {
            Engine::Postgres => " FOR UPDATE SKIP LOCKED",
            Engine::Sqlite => "",
        };
        let sql = format!(
            "UPDATE outbox SET status = 'batched', batch_id = $1, attempts = attempts + 1, updated_at = $2
             WHERE id IN (SELECT id FROM outbox WHERE channel = 'letter' AND status = 'pending' AND next_attempt_at <= $2
                          ORDER BY id LIMIT $3{lock})
             RETURNING id, case_reference, attempts"
        );
        let n = with_pool!(self, write pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("INSERT INTO print_batches (id, status, created_at) VALUES ($1, 'writing', $2)")
                .bind(batch_id).bind(now_m).execute(&mut *tx).await
                .map_err(|e| crate::duplicate_or(e, format!("print batch {batch_id}")))?;
            let rows = sqlx::query(&sql).bind(batch_id).bind(now_m).bind(i64::from(limit.max(1)))
                .fetch_all(&mut *tx).await?;
            if rows.is_empty() {
                tx.rollback().await?;
                0
            } else {
                for r in &rows {
                    let id: String = r.try_get(0)?;
                    let case: Option<String> = r.try_get(1)?;
                    let attempts: i64 = r.try_get(2)?;
                    insert_event!(tx, &id, &case, now_m, "letter", "batched", attempts, Some(batch_id.to_owned()));
                }
                sqlx::query("UPDATE print_batches SET letters = $1 WHERE id = $2")
                    .bind(rows.len() as i64).bind(batch_id).execute(&mut *tx).await?;
                tx.commit().await?;
                rows.len()
            }
        });
        if n == 0 {
            return Ok(None);
        }
        self.print_batch(batch_id).await.map(Some)
    }

    pub async fn print_batch(&self, batch_id: &str) -> Result<PrintBatch, StoreError> {
        let row = with_pool!(self, write pool => {
            sqlx::query("SELECT id, status, letters, pages, created_at, handed_over_at, exports FROM print_batches WHERE id = $1")
                .bind(batch_id).fetch_optional(pool).await?
                .map(|r| Ok::<_, sqlx::Error>((r.try_get::<String, _>(0)?, r.try_get::<String, _>(1)?, r.try_get::<i64, _>(2)?,
                    r.try_get::<i64, _>(3)?, r.try_get::<i64, _>(4)?, r.try_get::<Option<i64>, _>(5)?, r.try_get::<i64, _>(6)?)))
                .transpose()?
        });
        let (id, status, letters, pages, created, handed, exports) =
            row.ok_or_else(|| StoreError::NotFound(format!("print batch {batch_id}")))?;
        Ok(PrintBatch {
            id,
            status,
            letters: u64::try_from(letters).map_err(StoreError::corrupt)?,
            pages: u64::try_from(pages).map_err(StoreError::corrupt)?,
            created_at: from_micros(created)?,
            handed_over_at: handed.map(from_micros).transpose()?,
            exports: u64::try_from(exports).map_err(StoreError::corrupt)?,
        })
    }

    /// Batches whose files were never completed (the writer died or the disk was full).
    pub async fn unfinished_print_batches(&self) -> Result<Vec<String>, StoreError> {
        let ids = with_pool!(self, write pool => {
            sqlx::query_scalar::<_, String>("SELECT id FROM print_batches WHERE status = 'writing' ORDER BY created_at, id")
                .fetch_all(pool).await?
        });
        Ok(ids)
    }

    /// Every batch, newest first.
    pub async fn list_print_batches(&self, limit: u32) -> Result<Vec<PrintBatch>, StoreError> {
        let ids = with_pool!(self, pool => {
            sqlx::query_scalar::<_, String>("SELECT id FROM print_batches ORDER BY created_at DESC, id LIMIT $1")
                .bind(i64::from(limit.max(1))).fetch_all(pool).await?
        });
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.print_batch(&id).await?);
        }
        Ok(out)
    }

    /// Up to `limit` letters of a batch after `after` (postage, postcode, id), in print order:
    /// read page by page so a batch of any size streams.
    pub async fn batch_letters_page(
        &self,
        batch_id: &str,
        after: Option<(&str, &str, &str)>,
        limit: u32,
    ) -> Result<Vec<BatchRow>, StoreError> {
        let (p, c, i) = after.unwrap_or(("", "", ""));
        let rows = with_pool!(self, write pool => {
            sqlx::query(
                "SELECT id, case_reference, COALESCE(postage, ''), COALESCE(postcode, ''), payload FROM outbox
                 WHERE batch_id = $1 AND status IN ('batched', 'handed_over', 'returned')
                   AND (COALESCE(postage, ''), COALESCE(postcode, ''), id) > ($2, $3, $4)
                 ORDER BY COALESCE(postage, ''), COALESCE(postcode, ''), id
                 LIMIT $5",
            )
            .bind(batch_id).bind(p).bind(c).bind(i).bind(i64::from(limit.max(1)))
            .fetch_all(pool).await?.iter()
            .map(|r| Ok(BatchRow { id: r.try_get(0)?, case_reference: r.try_get(1)?, postage: r.try_get(2)?,
                                   postcode: r.try_get(3)?, payload: r.try_get(4)? }))
            .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        Ok(rows)
    }

    /// Marks a batch's files complete and its letters handed to the printer. Only the first
    /// call changes anything (returns true); a re-export only counts the export.
    /// Letters that could not be typeset are parked with their reason.
    pub async fn hand_over_print_batch(
        &self,
        batch_id: &str,
        pages: u64,
        rejected: &[(String, String)],
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let now = to_micros(now);
        let pages = i64::try_from(pages).map_err(StoreError::corrupt)?;
        let first = with_pool!(self, write pool => {
            let mut tx = pool.begin().await?;
            let changed = sqlx::query(
                "UPDATE print_batches SET status = 'handed_over', handed_over_at = $1, pages = $2, exports = exports + 1
                 WHERE id = $3 AND status = 'writing'",
            )
            .bind(now).bind(pages).bind(batch_id).execute(&mut *tx).await?.rows_affected();
            if changed == 1 {
                for (id, reason) in rejected {
                    let row = sqlx::query(
                        "UPDATE outbox SET status = 'failed', last_error = $1, updated_at = $2, done_at = $2
                         WHERE id = $3 AND batch_id = $4 AND status = 'batched'
                         RETURNING case_reference, person_id",
                    )
                    .bind(reason).bind(now).bind(id).bind(batch_id).fetch_optional(&mut *tx).await?;
                    if let Some(r) = row {
                        let case: Option<String> = r.try_get(0)?;
                        let person: Option<String> = r.try_get(1)?;
                        insert_event!(tx, id, &case, now, "letter", "failed", 1i64, Some(reason.clone()));
                        insert_alert(&mut tx, "letter_rejected", person.as_deref(), case.as_deref(), Some(id),
                            &format!("Lettre impossible à imprimer : {reason}"), now).await?;
                    }
                }
                let rows = sqlx::query(
                    "UPDATE outbox SET status = 'handed_over', updated_at = $1, done_at = $1
                     WHERE batch_id = $2 AND status = 'batched'
                     RETURNING id, case_reference, attempts",
                )
                .bind(now).bind(batch_id).fetch_all(&mut *tx).await?;
                for r in &rows {
                    let id: String = r.try_get(0)?;
                    let case: Option<String> = r.try_get(1)?;
                    let attempts: i64 = r.try_get(2)?;
                    insert_event!(tx, &id, &case, now, "letter", "handed_over", attempts, Some(batch_id.to_owned()));
                }
                sqlx::query("UPDATE print_batches SET letters = $1 WHERE id = $2")
                    .bind(rows.len() as i64).bind(batch_id).execute(&mut *tx).await?;
            } else {
                sqlx::query("UPDATE print_batches SET exports = exports + 1 WHERE id = $1")
                    .bind(batch_id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            changed == 1
        });
        Ok(first)
    }

    /// Records returned mail for a letter: the letter is marked returned, the person's postal
    /// address becomes suspect (channel choice stops using it) and an agent is alerted.
    pub async fn record_returned_mail(
        &self,
        outbox_id: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let now = to_micros(now);
        with_pool!(self, write pool => {
            let mut tx = pool.begin().await?;
            let row = sqlx::query(
                "UPDATE outbox SET status = 'returned', last_error = $1, updated_at = $2
                 WHERE id = $3 AND channel = 'letter' AND status IN ('handed_over', 'returned')
                 RETURNING case_reference, person_id, attempts",
            )
            .bind(reason).bind(now).bind(outbox_id).fetch_optional(&mut *tx).await?;
            let Some(r) = row else {
                return Err(StoreError::NotFound(format!("lettre remise à l’imprimeur {outbox_id}")));
            };
            let case: Option<String> = r.try_get(0)?;
            let person: Option<String> = r.try_get(1)?;
            let attempts: i64 = r.try_get(2)?;
            insert_event!(tx, outbox_id, &case, now, "letter", "returned", attempts, Some(reason.to_owned()));
            if let Some(p) = &person {
                sqlx::query(
                    "INSERT INTO suspect_addresses (person_id, since, outbox_id, reason) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (person_id) DO UPDATE SET since = $2, outbox_id = $3, reason = $4",
                )
                .bind(p).bind(now).bind(outbox_id).bind(reason).execute(&mut *tx).await?;
            }
            insert_alert(&mut tx, "returned_mail", person.as_deref(), case.as_deref(), Some(outbox_id),
                &format!("Pli non distribuable ({reason}) : vérifier l’adresse postale avec la personne."), now).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Whether returned mail made this person's postal address suspect.
    pub async fn address_is_suspect(&self, person_id: &str) -> Result<bool, StoreError> {
        let n: i64 = with_pool!(self, write pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM suspect_addresses WHERE person_id = $1")
                .bind(person_id).fetch_one(pool).await?
        });
        Ok(n > 0)
    }

    /// The address was checked with the person: it is trusted again.
    pub async fn clear_suspect_address(&self, person_id: &str) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            sqlx::query("DELETE FROM suspect_addresses WHERE person_id = $1").bind(person_id).execute(pool).await?;
        });
        Ok(())
    }

    // ---------------------------------------------------------------- alerts

    /// Raises an alert for agents (for example: a person who cannot be reached at all).
    pub async fn raise_alert(
        &self,
        kind: &str,
        person_id: Option<&str>,
        case_reference: Option<&str>,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let now = to_micros(now);
        with_pool!(self, write pool => {
            let mut tx = pool.begin().await?;
            insert_alert(&mut tx, kind, person_id, case_reference, None, message, now).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Open alerts, oldest first.
    pub async fn open_alerts(&self, limit: u32) -> Result<Vec<AgentAlertRow>, StoreError> {
        let rows = with_pool!(self, pool => {
            sqlx::query(
                "SELECT id, kind, person_id, case_reference, outbox_id, message, created_at FROM agent_alerts
                 WHERE resolved_at IS NULL ORDER BY created_at, id LIMIT $1",
            )
            .bind(i64::from(limit.max(1)))
            .fetch_all(pool).await?.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?, r.try_get(5)?,
                         r.try_get::<i64, _>(6)?)))
            .collect::<Result<Vec<(String, String, Option<String>, Option<String>, Option<String>, String, i64)>, sqlx::Error>>()?
        });
        rows.into_iter()
            .map(
                |(id, kind, person_id, case_reference, outbox_id, message, at)| {
                    Ok(AgentAlertRow {
                        id,
                        kind,
                        person_id,
                        case_reference,
                        outbox_id,
                        message,
                        created_at: from_micros(at)?,
                    })
                },
            )
            .collect()
    }

    // ---------------------------------------------------------------- templates

    /// Saves a new version of a template (already validated by the caller); returns its version.
    pub async fn save_template(
        &self,
        kind: &str,
        channel: &str,
        wording: &str,
        source: &str,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        let now = to_micros(now);
        let version: i64 = with_pool!(self, write pool => {
            let mut tx = pool.begin().await?;
            let current: Option<i64> = sqlx::query_scalar(
                "SELECT MAX(version) FROM notification_templates WHERE kind = $1 AND channel = $2 AND wording = $3",
            )
            .bind(kind).bind(channel).bind(wording).fetch_one(&mut *tx).await?;
            let next = current.unwrap_or(0) + 1;
            sqlx::query(
                "INSERT INTO notification_templates (kind, channel, wording, version, source, author, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(kind).bind(channel).bind(wording).bind(next).bind(source).bind(author).bind(now)
            .execute(&mut *tx).await
            .map_err(|e| crate::duplicate_or(e, format!("template {kind}/{channel}/{wording} v{next}")))?;
            tx.commit().await?;
            next
        });
        u32::try_from(version).map_err(StoreError::corrupt)
    }

    /// The latest version of every template (`all_versions` for the history).
    pub async fn list_templates(&self, all_versions: bool) -> Result<Vec<TemplateRow>, StoreError> {
        let sql = if all_versions {
            "SELECT kind, channel, wording, version, source, author, created_at FROM notification_templates
             ORDER BY kind, channel, wording, version"
        } else {
            "SELECT t.kind, t.channel, t.wording, t.version, t.source, t.author, t.created_at FROM notification_templates t
             WHERE t.version = (SELECT MAX(version) FROM notification_templates u
                                WHERE u.kind = t.kind AND u.channel = t.channel AND u.wording = t.wording)
             ORDER BY t.kind, t.channel, t.wording"
        };
        let rows = with_pool!(self, pool => {
            sqlx::query(sql).fetch_all(pool).await?.iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get::<i64, _>(3)?, r.try_get(4)?,
                             r.try_get(5)?, r.try_get::<i64, _>(6)?)))
                .collect::<Result<Vec<(String, String, String, i64, String, String, i64)>, sqlx::Error>>()?
        });
        rows.into_iter()
            .map(|(kind, channel, wording, version, source, author, at)| {
                Ok(TemplateRow {
                    kind,
                    channel,
                    wording,
                    version: u32::try_from(version).map_err(StoreError::corrupt)?,
                    source,
                    author,
                    created_at: from_micros(at)?,
                })
            })
            .collect()
    }
}

async fn insert_alert<'c, DB>(
    tx: &mut sqlx::Transaction<'c, DB>,
    kind: &str,
    person_id: Option<&str>,
    case_reference: Option<&str>,
    outbox_id: Option<&str>,
    message: &str,
    now: i64,
) -> Result<(), StoreError>
where
    DB: sqlx::Database,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'t> &'t mut <DB as sqlx::Database>::Connection: sqlx::Executor<'t, Database = DB>,
{
    sqlx::query(
        "INSERT INTO agent_alerts (id, kind, person_id, case_reference, outbox_id, message, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(new_id())
    .bind(kind)
    .bind(person_id)
    .bind(case_reference)
    .bind(outbox_id)
    .bind(message)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
