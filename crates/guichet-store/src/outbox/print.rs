//! Print batches: a letter joins exactly one batch, and a batch is handed over once.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::*;
use crate::{Engine, Store, StoreError, from_micros, to_micros, with_pool};

impl Store {
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
            status: decode("print batch status", &status, BatchStatus::from_code)?,
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
                        insert_alert(&mut crate::write::Tx::from(&mut tx), AlertKind::LetterRejected, person.as_deref(), case.as_deref(), Some(id),
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
}
