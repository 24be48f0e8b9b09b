//! What the public portal keeps between requests: web sessions, attached files, wrong
//! follow-up codes (to slow down guessing) and feedback. All of it in the database, so that any
//! server sharing the database can serve the next request of a visitor.

use chrono::{DateTime, Utc};
use sqlx::Row;

use std::sync::Arc;

use crate::cache::{Key, Value};
use crate::read::Param;
use crate::{Store, StoreError, from_micros, to_micros, with_pool};

/// A stored web session. The cookie holds a secret whose SHA-256 is [`SessionRow::id`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id: String,
    pub csrf: String,
    /// The portal's own state (JSON), opaque to the store.
    pub data: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// A file attached to a case, named by the SHA-256 of its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub sha256: String,
    pub media_type: String,
    pub content: Vec<u8>,
}

/// One answer to « comment ça s’est passé ? ».
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackRow {
    pub id: String,
    pub procedure_id: String,
    /// The channel the procedure was done on (`web`, `counter`, …).
    pub channel: String,
    /// 1 (très mécontent) to 5 (très satisfait).
    pub satisfaction: u8,
    /// 1 (très difficile) to 5 (très facile).
    pub ease: u8,
    /// Who helped: `personne`, `proche`, `agent`, `association`, …
    pub helped_by: String,
    pub comment: String,
    pub at: DateTime<Utc>,
}

/// Counts of feedback for one procedure and channel.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedbackSummary {
    pub procedure_id: String,
    pub channel: String,
    pub answers: u64,
    pub mean_satisfaction: f64,
    pub mean_ease: f64,
}

impl Store {
    /// Stores a new session.
    pub async fn insert_session(&self, s: &SessionRow) -> Result<(), StoreError> {
        self.write_one(
            "INSERT INTO web_sessions (id, csrf, data, created_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                Param::Text(Some(&s.id)),
                Param::Text(Some(&s.csrf)),
                Param::Text(Some(&s.data)),
                Param::Int(Some(to_micros(s.created_at))),
                Param::Int(Some(to_micros(s.last_seen_at))),
            ],
        )
        .await
        .map_err(|e| crate::duplicate(e, "session"))?;
        Ok(())
    }

    /// The session `id`, if it exists and was used after `idle_since` and created after
    /// `created_since` (older ones are expired and deleted).
    pub async fn get_session(
        &self,
        id: &str,
        idle_since: DateTime<Utc>,
        created_since: DateTime<Utc>,
    ) -> Result<Option<SessionRow>, StoreError> {
        let key = Key::Session(id.to_owned());
        let cached = match self.cached(&key) {
            Some(Value::Session(row)) => Some(row.as_ref().clone()),
            _ => None,
        };
        let ticket = self.ticket();
        let row = match cached {
            Some(row) => Some(row),
            None => self.read_session(id).await?.inspect(|row| {
                self.keep(key, Value::Session(Arc::new(row.clone())), ticket);
            }),
        };
        match row {
            Some(s) if s.last_seen_at >= idle_since && s.created_at >= created_since => Ok(Some(s)),
            Some(s) => {
                self.delete_session(&s.id).await?;
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn read_session(&self, id: &str) -> Result<Option<SessionRow>, StoreError> {
        self.read_optional::<(String, String, String, i64, i64)>(
            "SELECT id, csrf, data, created_at, last_seen_at FROM web_sessions WHERE id = $1",
            &[Param::Text(Some(id))],
        )
        .await?
        .map(
            |(id, csrf, data, created_at, last_seen_at)| -> Result<SessionRow, StoreError> {
                Ok(SessionRow {
                    id,
                    csrf,
                    data,
                    created_at: from_micros(created_at)?,
                    last_seen_at: from_micros(last_seen_at)?,
                })
            },
        )
        .transpose()
    }

    /// Saves the session's data and marks it used at `now`.
    pub async fn touch_session(
        &self,
        id: &str,
        data: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.change_session(
            id,
            "UPDATE web_sessions SET data = $1, last_seen_at = $2 WHERE id = $3",
            &[
                Param::Text(Some(data)),
                Param::Int(Some(to_micros(now))),
                Param::Text(Some(id)),
            ],
        )
        .await
    }

    pub async fn delete_session(&self, id: &str) -> Result<(), StoreError> {
        self.change_session(
            id,
            "DELETE FROM web_sessions WHERE id = $1",
            &[Param::Text(Some(id))],
        )
        .await
    }

    /// One statement that changes the session `id`, announced to the other servers.
    async fn change_session(
        &self,
        id: &str,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<(), StoreError> {
        let key = Key::Session(id.to_owned());
        let mut write = self.begin_write().await?;
        write.tx().execute(sql, params).await?;
        write.commit().await?;
        self.changed(&key);
        Ok(())
    }

    /// Deletes sessions unused since `idle_since`; returns how many.
    pub async fn purge_sessions(&self, idle_since: DateTime<Utc>) -> Result<u64, StoreError> {
        let n = with_pool!(self, write pool => {
            sqlx::query("DELETE FROM web_sessions WHERE last_seen_at < $1")
                .bind(to_micros(idle_since))
                .execute(pool)
                .await?
                .rows_affected()
        });
        if n > 0 {
            // Every server forgets everything it kept: rare (a purge now and then), and one
            // notification instead of one per session.
            if let Some(c) = &self.cache {
                c.changed_everything();
            }
        }
        Ok(n)
    }

    /// Stores a file once (the same content attached twice is stored once).
    pub async fn put_attachment(
        &self,
        a: &Attachment,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            sqlx::query(
                "INSERT INTO attachments (sha256, media_type, size, content, created_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
            )
            .bind(&a.sha256)
            .bind(&a.media_type)
            .bind(i64::try_from(a.content.len()).unwrap_or(i64::MAX))
            .bind(&a.content)
            .bind(to_micros(now))
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    pub async fn get_attachment(&self, sha256: &str) -> Result<Option<Attachment>, StoreError> {
        let row = with_pool!(self, pool => {
            sqlx::query("SELECT sha256, media_type, content FROM attachments WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(pool)
                .await?
                .map(|r| -> Result<Attachment, StoreError> {
                    Ok(Attachment {
                        sha256: r.try_get("sha256")?,
                        media_type: r.try_get("media_type")?,
                        content: r.try_get("content")?,
                    })
                })
                .transpose()?
        });
        Ok(row)
    }

    /// Records a wrong follow-up code given for `reference`.
    pub async fn record_follow_up_failure(
        &self,
        reference: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            sqlx::query("INSERT INTO follow_up_failures (reference, at) VALUES ($1, $2)")
                .bind(reference)
                .bind(to_micros(now))
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The wrong codes given for `reference` since `since`: how many, and the oldest.
    pub async fn follow_up_failures(
        &self,
        reference: &str,
        since: DateTime<Utc>,
    ) -> Result<(u64, Option<DateTime<Utc>>), StoreError> {
        let (count, oldest): (i64, Option<i64>) = with_pool!(self, pool => {
            let r = sqlx::query(
                "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM follow_up_failures
                 WHERE reference = $1 AND at >= $2",
            )
            .bind(reference)
            .bind(to_micros(since))
            .fetch_one(pool)
            .await?;
            (r.try_get("n")?, r.try_get("oldest")?)
        });
        Ok((
            u64::try_from(count).unwrap_or(0),
            oldest.map(from_micros).transpose()?,
        ))
    }

    pub async fn insert_feedback(&self, f: &FeedbackRow) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            sqlx::query(
                "INSERT INTO feedback (id, procedure_id, channel, satisfaction, ease, helped_by, comment, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&f.id)
            .bind(&f.procedure_id)
            .bind(&f.channel)
            .bind(i64::from(f.satisfaction))
            .bind(i64::from(f.ease))
            .bind(&f.helped_by)
            .bind(&f.comment)
            .bind(to_micros(f.at))
            .execute(pool)
            .await
            .map_err(|e| crate::duplicate_or(e, "feedback"))?;
        });
        Ok(())
    }

    /// Feedback counts and means per procedure and channel.
    pub async fn feedback_summary(&self) -> Result<Vec<FeedbackSummary>, StoreError> {
        let rows = with_pool!(self, pool => {
            sqlx::query(
                "SELECT procedure_id, channel, COUNT(*) AS n,
                        SUM(satisfaction) AS s, SUM(ease) AS e
                 FROM feedback GROUP BY procedure_id, channel ORDER BY procedure_id, channel",
            )
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| -> Result<FeedbackSummary, StoreError> {
                let n: i64 = r.try_get("n")?;
                let s: i64 = r.try_get("s")?;
                let e: i64 = r.try_get("e")?;
                let n_f = n.max(1) as f64;
                Ok(FeedbackSummary {
                    procedure_id: r.try_get("procedure_id")?,
                    channel: r.try_get("channel")?,
                    answers: u64::try_from(n).unwrap_or(0),
                    mean_satisfaction: s as f64 / n_f,
                    mean_ease: e as f64 / n_f,
                })
            })
            .collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }
}
