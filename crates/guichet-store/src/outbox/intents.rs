//! Intents: enqueued, claimed under a lease, attempted, swept back, retried.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::*;
use crate::{Engine, Store, StoreError, to_micros, with_pool};

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
        let mut write = self.begin_write().await?;
        insert_intents(&mut write.tx(), intents, now).await?;
        write.commit().await?;
        Ok(self.count_intents().await?.saturating_sub(before))
    }

    async fn count_intents(&self) -> Result<u64, StoreError> {
        let n: i64 = with_pool!(self, write pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox").fetch_one(pool).await?
        });
        u64::try_from(n).map_err(StoreError::corrupt)
    }

    /// Claims up to `limit` due intents of the given channels for `worker`, until `lease_until`.
    pub async fn claim_intents(
        &self,
        worker: &str,
        channels: &[Delivery],
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Intent>, StoreError> {
        let now = to_micros(now);
        let lease = to_micros(lease_until);
        let channels_json = channels_json(channels)?;
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
                insert_event!(tx, &intent.id, &intent.case_reference, now, intent.channel.as_str(), status, attempt, detail);
                if status == "failed" {
                    insert_alert(&mut crate::write::Tx::from(&mut tx), AlertKind::Parked, intent.person_id.as_deref(), intent.case_reference.as_deref(),
                        Some(&intent.id), &format!("Notification abandonnée ({}) : {}", intent.channel.as_str(),
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
                insert_event!(tx, &id, &case, now, &channel, NotificationStep::Requeued.code(), attempts,
                    Some("reprise après interruption du traitement".to_owned()));
            }
            tx.commit().await?;
            rows.len()
        });
        Ok(swept as u64)
    }

    /// Whether an idle worker still has something to wait for: an intent being sent, or one
    /// pending on one of `channels` (due or not). One query, whatever the size of the outbox.
    pub async fn work_in_flight(&self, channels: &[Delivery]) -> Result<bool, StoreError> {
        let channels_json = channels_json(channels)?;
        let in_list = match self.engine() {
            Engine::Postgres => "SELECT jsonb_array_elements_text($1::jsonb)",
            Engine::Sqlite => "SELECT value FROM json_each($1)",
        };
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE status = 'sending'
                               OR (status = 'pending' AND channel IN ({in_list})))"
        );
        let busy: bool = with_pool!(self, write pool => {
            sqlx::query_scalar(&sql).bind(&channels_json).fetch_one(pool).await?
        });
        Ok(busy)
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
}

/// A list of channels as the JSON array both engines unpack in SQL.
fn channels_json(channels: &[Delivery]) -> Result<String, StoreError> {
    let names: Vec<&str> = channels.iter().map(|c| c.as_str()).collect();
    serde_json::to_string(&names).map_err(StoreError::corrupt)
}
