//! The notification outbox: intents, claims, attempts, print batches, returned mail,
//! templates and agent alerts.
//!
//! An intent is written in the same transaction as the case change that causes it
//! ([`Store::commit_case_change`], called only by the case service), keyed by an idempotency key so that writing it twice
//! is harmless. Workers claim due intents under a lease — `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL so several servers never claim the same row, one `UPDATE … RETURNING` through the
//! single writer connection on SQLite — and record every attempt. A sweep puts back intents
//! whose lease ran out (the worker died). Letters are not sent by a worker but gathered into
//! print batches: a letter joins exactly one batch, in the transaction that creates it, and a
//! batch is marked handed over once.

use chrono::{DateTime, Utc};
use guichet_domain::{AlertKind, Delivery, NotificationKind};
use sqlx::Row;

use crate::read::Param;
use crate::write::Tx;
use crate::{StoreError, from_micros};

pub use alerts::AlertClosing;
pub use case_change::CaseChange;

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

/// A step in a notification's delivery history: the statuses an intent goes through, and
/// `requeued` when a sweep takes back the claim of an interrupted worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationStep {
    Status(IntentStatus),
    Requeued,
}

impl NotificationStep {
    pub fn code(self) -> &'static str {
        match self {
            NotificationStep::Status(s) => s.code(),
            NotificationStep::Requeued => "requeued",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "requeued" => Some(NotificationStep::Requeued),
            _ => IntentStatus::from_code(code).map(NotificationStep::Status),
        }
    }
}

/// Where a print batch stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BatchStatus {
    /// Its files are being written (or were interrupted: the next run writes them again).
    Writing,
    /// Its files are complete and its letters with the printer.
    HandedOver,
}

impl BatchStatus {
    pub fn code(self) -> &'static str {
        match self {
            BatchStatus::Writing => "writing",
            BatchStatus::HandedOver => "handed_over",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [BatchStatus::Writing, BatchStatus::HandedOver]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// Reads a stored name into its enum, or says the row is corrupt.
pub(crate) fn decode<T>(
    what: &str,
    code: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<T, StoreError> {
    parse(code).ok_or_else(|| StoreError::corrupt(format!("{what} {code}")))
}

/// An intent to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIntent {
    pub idempotency_key: String,
    pub case_reference: Option<String>,
    pub person_id: Option<String>,
    pub channel: Delivery,
    pub kind: NotificationKind,
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
    pub kind: AlertKind,
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
    pub channel: Delivery,
    pub kind: NotificationKind,
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
    pub channel: Delivery,
    pub step: NotificationStep,
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
    pub status: BatchStatus,
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
    pub kind: NotificationKind,
    pub channel: Delivery,
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
    pub kind: AlertKind,
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
                let channel: String = self.try_get("channel")?;
                let kind: String = self.try_get("kind")?;
                Ok(Intent {
                    id: self.try_get("id")?,
                    idempotency_key: self.try_get("idempotency_key")?,
                    case_reference: self.try_get("case_reference")?,
                    person_id: self.try_get("person_id")?,
                    channel: decode("channel", &channel, Delivery::parse)?,
                    kind: decode("notification kind", &kind, NotificationKind::parse)?,
                    payload: self.try_get("payload")?,
                    status: decode("intent status", &status, IntentStatus::from_code)?,
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

/// Inserts intents inside the open transaction `tx` at time `now` (micros); a repeated
/// idempotency key is ignored.
pub(crate) async fn insert_intents(
    tx: &mut Tx<'_>,
    intents: &[NewIntent],
    now: i64,
) -> Result<(), StoreError> {
    for intent in intents {
        let id = new_id();
        let inserted = tx
            .execute(
                "INSERT INTO outbox (id, idempotency_key, case_reference, person_id, channel, kind, payload, status,
                                     attempts, next_attempt_at, window_start, postcode, postage, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8, $9, $10, $8, $8)
                 ON CONFLICT (idempotency_key) DO NOTHING",
                &[
                    Param::Text(Some(&id)),
                    Param::Text(Some(&intent.idempotency_key)),
                    Param::Text(intent.case_reference.as_deref()),
                    Param::Text(intent.person_id.as_deref()),
                    Param::Text(Some(intent.channel.as_str())),
                    Param::Text(Some(intent.kind.as_str())),
                    Param::Text(Some(&intent.payload)),
                    Param::Int(Some(now)),
                    Param::Text(intent.postcode.as_deref()),
                    Param::Text(intent.postage.as_deref()),
                ],
            )
            .await?;
        if inserted == 1 {
            let case = intent.case_reference.as_deref();
            let channel = intent.channel.as_str();
            insert_event(tx, &id, case, now, channel, "pending", 0, None).await?;
        }
    }
    Ok(())
}

/// Writes a change's intents and agent alerts inside the caller's transaction.
pub(crate) async fn insert_outbox(
    tx: &mut Tx<'_>,
    intents: &[NewIntent],
    alerts: &[NewAlert],
    now: i64,
) -> Result<(), StoreError> {
    insert_intents(tx, intents, now).await?;
    for a in alerts {
        let (person, case) = (a.person_id.as_deref(), a.case_reference.as_deref());
        insert_alert(tx, a.kind, person, case, None, &a.message, now).await?;
    }
    Ok(())
}

/// Records a step in the delivery of intent `id` inside the open transaction `tx`.
#[allow(clippy::too_many_arguments)] // the columns of one row
pub(crate) async fn insert_event(
    tx: &mut Tx<'_>,
    id: &str,
    case: Option<&str>,
    at: i64,
    channel: &str,
    status: &str,
    attempt: i64,
    detail: Option<&str>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO notification_events (outbox_id, case_reference, at, channel, status, attempt, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            Param::Text(Some(id)),
            Param::Text(case),
            Param::Int(Some(at)),
            Param::Text(Some(channel)),
            Param::Text(Some(status)),
            Param::Int(Some(attempt)),
            Param::Text(detail),
        ],
    )
    .await?;
    Ok(())
}

/// [`insert_event`] inside a sqlx transaction `$tx` of either engine, its case and detail given
/// as `Option<String>`s.
macro_rules! insert_event {
    ($tx:expr, $id:expr, $case:expr, $at:expr, $channel:expr, $status:expr, $attempt:expr, $detail:expr) => {
        insert_event(
            &mut $crate::write::Tx::from(&mut $tx),
            $id,
            ($case).as_deref(),
            $at,
            $channel,
            $status,
            $attempt,
            ($detail).as_deref(),
        )
        .await?
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
                    .push_bind(i.channel.as_str())
                    .push_bind("sending")
                    .push_bind(i64::from(i.attempts))
                    .push_bind($worker);
            });
            builder.build().execute(&mut *$tx).await?;
        }
    };
}

/// Records an alert for agents inside the open transaction `tx`.
pub(crate) async fn insert_alert(
    tx: &mut Tx<'_>,
    kind: AlertKind,
    person_id: Option<&str>,
    case_reference: Option<&str>,
    outbox_id: Option<&str>,
    message: &str,
    now: i64,
) -> Result<(), StoreError> {
    let id = new_id();
    tx.execute(
        "INSERT INTO agent_alerts (id, kind, person_id, case_reference, outbox_id, message, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            Param::Text(Some(&id)),
            Param::Text(Some(kind.as_str())),
            Param::Text(person_id),
            Param::Text(case_reference),
            Param::Text(outbox_id),
            Param::Text(Some(message)),
            Param::Int(Some(now)),
        ],
    )
    .await?;
    Ok(())
}

// After the macros above, which the submodules use.
mod addresses;
mod alerts;
mod case_change;
mod history;
mod intents;
mod print;
mod templates;
