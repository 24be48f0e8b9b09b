//! The one write path of cases: a change decided by the domain, stored with the notifications
//! and alerts it causes, in one transaction — all of it, or nothing.
//!
//! Only the case service (`guichet-cases`) calls [`Store::commit_case_change`]; a tidy test
//! fails if any other crate does. Everything a page, a command or a sweep does to a case goes
//! through that service, so no change can be stored without its notifications.

use chrono::{DateTime, Utc};
use guichet_domain::{Case, Event, Person};

use super::*;
use crate::cases::{insert_events, version_i64};
use crate::{Store, StoreError, to_micros, with_pool};

/// A change to one case, decided by the domain, with what it causes.
#[derive(Debug, Clone, Copy)]
pub struct CaseChange<'a> {
    /// The version of the case the change was decided on; 0 for a case being opened.
    pub base_version: u64,
    /// The case after the change: the fold of its journal and `events`.
    pub case: &'a Case,
    /// A person registered together with the case they open (an online request by someone the
    /// instance did not know): stored in the same transaction, so no person is left without
    /// their case. `None` otherwise.
    pub new_person: Option<&'a Person>,
    /// The events to append, numbered from `base_version + 1` to `case.version`.
    pub events: &'a [Event],
    pub intents: &'a [NewIntent],
    pub alerts: &'a [NewAlert],
    /// When the outbox rows are written (the command's time).
    pub at: DateTime<Utc>,
}

impl Store {
    /// Stores a case change in one transaction. A new case (`base_version` 0) whose reference is
    /// taken gives [`StoreError::Duplicate`] (draw another reference); a case that moved on since
    /// `base_version` gives [`StoreError::Conflict`] (decide again on the newer case). Either
    /// way nothing is written. Repeated idempotency keys of intents are ignored.
    pub async fn commit_case_change(&self, change: &CaseChange<'_>) -> Result<(), StoreError> {
        let CaseChange {
            base_version,
            case,
            new_person,
            events,
            intents,
            alerts,
            at,
        } = *change;
        let numbered = events.len() as u64 == case.version.saturating_sub(base_version)
            && events
                .iter()
                .zip(base_version + 1..)
                .all(|(e, seq)| e.seq == seq);
        if events.is_empty() || !numbered {
            return Err(StoreError::corrupt(format!(
                "case {}: events do not take version {base_version} to {}",
                case.reference, case.version
            )));
        }
        let reference = case.reference.as_str();
        let now = to_micros(at);
        let q = crate::cases::QueueColumns::of(case, events);
        with_pool!(self, write pool => {
            let mut tx = pool.begin().await?;
            if let Some(person) = new_person {
                let c = crate::persons::PersonColumns::of(person)?;
                sqlx::query(crate::persons::INSERT_PERSON)
                .bind(c.id)
                .bind(c.family)
                .bind(c.given)
                .bind(c.birth_date)
                .bind(c.postcode)
                .bind(c.data)
                .bind(now)
                .bind(c.search_key)
                .execute(&mut *tx)
                .await
                .map_err(|e| crate::duplicate_or(e, format!("person {}", person.id)))?;
            }
            if base_version == 0 {
                sqlx::query(
                    "INSERT INTO cases (reference, procedure_id, procedure_version, person_id, state, version, opened_at, updated_at,
                                        due_at, submitted_channel, assigned_to, reply_by, projected)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1)",
                )
                .bind(reference)
                .bind(case.procedure.id.as_str())
                .bind(i64::from(case.procedure.version))
                .bind(case.person.to_string())
                .bind(case.state.code())
                .bind(version_i64(case.version)?)
                .bind(to_micros(case.opened_at))
                .bind(to_micros(case.updated_at))
                .bind(q.due_at)
                .bind(q.submitted_channel)
                .bind(q.assigned_to.as_deref())
                .bind(q.reply_by)
                .execute(&mut *tx)
                .await
                .map_err(|e| crate::duplicate_or(e, format!("case {reference}")))?;
            } else {
                let updated = sqlx::query(
                    "UPDATE cases SET state = $1, version = $2, updated_at = $3, due_at = $6,
                         submitted_channel = COALESCE($7, submitted_channel), assigned_to = $8, reply_by = $9
                     WHERE reference = $4 AND version = $5",
                )
                .bind(case.state.code())
                .bind(version_i64(case.version)?)
                .bind(to_micros(case.updated_at))
                .bind(reference)
                .bind(version_i64(base_version)?)
                .bind(q.due_at)
                .bind(q.submitted_channel)
                .bind(q.assigned_to.as_deref())
                .bind(q.reply_by)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if updated == 0 {
                    let actual: Option<i64> =
                        sqlx::query_scalar("SELECT version FROM cases WHERE reference = $1")
                            .bind(reference)
                            .fetch_optional(&mut *tx)
                            .await?;
                    return Err(match actual {
                        None => StoreError::NotFound(format!("case {reference}")),
                        Some(actual) => StoreError::Conflict {
                            reference: reference.to_owned(),
                            expected: base_version,
                            actual: u64::try_from(actual).map_err(StoreError::corrupt)?,
                        },
                    });
                }
            }
            insert_events!(tx, reference, events);
            insert_outbox!(tx, intents, alerts, now);
            tx.commit().await?;
        });
        Ok(())
    }
}
