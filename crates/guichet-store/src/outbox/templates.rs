//! Notification templates, versioned: a new version never replaces an old one.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::*;
use crate::{Store, StoreError, from_micros, to_micros, with_pool};

impl Store {
    /// Saves a new version of a template (already validated by the caller); returns its version.
    pub async fn save_template(
        &self,
        kind: NotificationKind,
        channel: Delivery,
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
            .bind(kind.as_str()).bind(channel.as_str()).bind(wording).fetch_one(&mut *tx).await?;
            let next = current.unwrap_or(0) + 1;
            sqlx::query(
                "INSERT INTO notification_templates (kind, channel, wording, version, source, author, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(kind.as_str()).bind(channel.as_str()).bind(wording).bind(next).bind(source).bind(author).bind(now)
            .execute(&mut *tx).await
            .map_err(|e| crate::duplicate_or(e, format!("template {}/{}/{wording} v{next}", kind.as_str(), channel.as_str())))?;
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
                    kind: decode("notification kind", &kind, NotificationKind::parse)?,
                    channel: decode("channel", &channel, Delivery::parse)?,
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
