//! Alerts for agents: someone to reach another way, a notification to look at.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::*;
use crate::{Store, StoreError, from_micros, to_micros, with_pool};

impl Store {
    /// Raises an alert for agents (for example: a person who cannot be reached at all).
    pub async fn raise_alert(
        &self,
        kind: AlertKind,
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
                        kind: decode("alert kind", &kind, AlertKind::parse)?,
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
}
