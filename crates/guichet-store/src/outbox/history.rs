//! The delivery history of notifications, and a case's journal merged with it.

use sqlx::Row;

use super::*;
use crate::{Store, StoreError, from_micros, with_pool};

impl Store {
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
                        channel: decode("channel", &channel, Delivery::parse)?,
                        step: decode("notification step", &status, NotificationStep::from_code)?,
                        attempt: u32::try_from(attempt).map_err(StoreError::corrupt)?,
                        detail,
                    })
                },
            )
            .collect()
    }
}
