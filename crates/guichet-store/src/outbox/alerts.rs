//! Alerts for agents: someone to reach another way, a notification to look at. The desk lists
//! an operator's open alerts and closes one with a note (who, when, what was done); a closed
//! alert keeps its row.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::*;
use guichet_domain::{AgentId, OperatorId};

use crate::{Store, StoreError, from_micros, to_micros, with_pool};

/// How an alert was closed at the desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertClosing {
    pub at: DateTime<Utc>,
    /// The agent who closed it (`None` for an alert resolved before closings had an author).
    pub by: Option<AgentId>,
    pub note: Option<String>,
}

/// An operator's alerts: those of the cases of its procedures, and those about a person known
/// to it that name no case.
const OF_OPERATOR: &str = "(case_reference IN (SELECT c.reference FROM cases c JOIN procedures p
         ON p.id = c.procedure_id AND p.version = c.procedure_version WHERE p.operator_id = $1)
     OR (case_reference IS NULL AND person_id IN
         (SELECT person_id FROM person_operators WHERE operator_id = $1)))";

type RawAlert = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    i64,
);

fn alert_row(
    (id, kind, person_id, case_reference, outbox_id, message, at): RawAlert,
) -> Result<AgentAlertRow, StoreError> {
    Ok(AgentAlertRow {
        id,
        kind: decode("alert kind", &kind, AlertKind::parse)?,
        person_id,
        case_reference,
        outbox_id,
        message,
        created_at: from_micros(at)?,
    })
}

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
            insert_alert(&mut crate::write::Tx::from(&mut tx), kind, person_id, case_reference, None, message, now).await?;
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

    /// The open alerts of `operator` (see [`OF_OPERATOR`]), oldest first.
    pub async fn open_alerts_of_operator(
        &self,
        operator: &OperatorId,
        limit: u32,
    ) -> Result<Vec<AgentAlertRow>, StoreError> {
        let sql = format!(
            "SELECT id, kind, person_id, case_reference, outbox_id, message, created_at FROM agent_alerts
             WHERE resolved_at IS NULL AND {OF_OPERATOR} ORDER BY created_at, id LIMIT $2"
        );
        let rows: Vec<RawAlert> = with_pool!(self, pool => {
            sqlx::query(&sql)
            .bind(operator.as_str())
            .bind(i64::from(limit.max(1)))
            .fetch_all(pool).await?.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?, r.try_get(5)?,
                         r.try_get::<i64, _>(6)?)))
            .collect::<Result<Vec<RawAlert>, sqlx::Error>>()?
        });
        rows.into_iter().map(alert_row).collect()
    }

    /// How many alerts of `operator` are open.
    pub async fn count_open_alerts_of_operator(
        &self,
        operator: &OperatorId,
    ) -> Result<u64, StoreError> {
        let sql = format!(
            "SELECT COUNT(*) FROM agent_alerts WHERE resolved_at IS NULL AND {OF_OPERATOR}"
        );
        let n: i64 = with_pool!(self, pool => {
            sqlx::query_scalar(&sql).bind(operator.as_str()).fetch_one(pool).await?
        });
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// One alert, open or closed, with how it was closed.
    pub async fn get_alert(
        &self,
        id: &str,
    ) -> Result<Option<(AgentAlertRow, Option<AlertClosing>)>, StoreError> {
        type Closing = (Option<i64>, Option<String>, Option<String>);
        let row: Option<(RawAlert, Closing)> = with_pool!(self, pool => {
            sqlx::query(
                "SELECT id, kind, person_id, case_reference, outbox_id, message, created_at,
                        resolved_at, resolved_by, resolution_note FROM agent_alerts WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool).await?
            .map(|r| -> Result<(RawAlert, Closing), sqlx::Error> {
                Ok(((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?, r.try_get(5)?,
                     r.try_get::<i64, _>(6)?),
                    (r.try_get(7)?, r.try_get(8)?, r.try_get(9)?)))
            })
            .transpose()?
        });
        let Some((raw, (at, by, note))) = row else {
            return Ok(None);
        };
        let closing = match at {
            Some(at) => Some(AlertClosing {
                at: from_micros(at)?,
                by: by
                    .map(|b| {
                        b.parse::<AgentId>()
                            .map_err(|_| StoreError::Corrupt(format!("alert closed by {b}")))
                    })
                    .transpose()?,
                note,
            }),
            None => None,
        };
        Ok(Some((alert_row(raw)?, closing)))
    }

    /// Closes an open alert with the agent's note. `false` when it was already closed (or does
    /// not exist): a second agent closing the same alert changes nothing.
    pub async fn close_alert(
        &self,
        id: &str,
        by: AgentId,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = with_pool!(self, write pool => {
            sqlx::query(
                "UPDATE agent_alerts SET resolved_at = $1, resolved_by = $2, resolution_note = $3
                 WHERE id = $4 AND resolved_at IS NULL",
            )
            .bind(to_micros(now))
            .bind(by.to_string())
            .bind(note)
            .bind(id)
            .execute(pool).await?
            .rows_affected()
        });
        Ok(done == 1)
    }
}
