//! Returned mail, and the postal addresses it made suspect.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::*;
use crate::{Store, StoreError, to_micros, with_pool};

impl Store {
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
            insert_alert(&mut crate::write::Tx::from(&mut tx), AlertKind::ReturnedMail, person.as_deref(), case.as_deref(), Some(outbox_id),
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
}
