//! The one write path of cases: a change decided by the domain, stored with the notifications
//! and alerts it causes, in one transaction — all of it, or nothing.
//!
//! Only the case service (`guichet-cases`) calls [`Store::commit_case_change`]; a tidy test
//! fails if any other crate does. Everything a page, a command or a sweep does to a case goes
//! through that service, so no change can be stored without its notifications.

use chrono::{DateTime, Utc};
use guichet_domain::{Case, Event, Person};

use super::*;
use crate::cases::{EventRows, INSERT_EVENTS, insert_events, version_i64};
use crate::read::{Param, bind_sqlx};
use crate::{Store, StoreError, to_micros};
use sqlx::Row;

/// Moves the case row from the version a change was decided on (`$5`) to the new one, with its
/// projected columns; no row when the case moved on meanwhile.
const UPDATE_CASE: &str = "UPDATE cases SET state = $1, version = $2, updated_at = $3, due_at = $6,
         submitted_channel = COALESCE($7, submitted_channel), assigned_to = $8, reply_by = $9
     WHERE reference = $4 AND version = $5";

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
    /// A person known already whose details change with this change (their contact
    /// preferences, recorded in the case's journal): updated in the same transaction, so the
    /// journal never tells of a change that was not stored, nor misses one that was.
    pub changed_person: Option<&'a Person>,
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
            changed_person,
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
        // The most frequent change (answers saved, a step of an examination) writes nothing but
        // the events and the case row: on PostgreSQL, one statement.
        let one_statement = base_version > 0
            && new_person.is_none()
            && changed_person.is_none()
            && intents.is_empty()
            && alerts.is_empty();
        if one_statement
            && self
                .commit_in_one_statement(case, base_version, events, &q)
                .await?
        {
            return Ok(());
        }
        let mut write = self.begin_write().await?;
        let mut tx = write.tx();
        if let Some(person) = new_person {
            let c = crate::persons::PersonColumns::of(person)?;
            tx.execute(
                crate::persons::INSERT_PERSON,
                &[
                    Param::Text(Some(&c.id)),
                    Param::Text(Some(&c.family)),
                    Param::Text(Some(&c.given)),
                    Param::Text(c.birth_date.as_deref()),
                    Param::Text(c.postcode.as_deref()),
                    Param::Text(Some(&c.data)),
                    Param::Int(Some(now)),
                    Param::Text(Some(&c.search_key)),
                ],
            )
            .await
            .map_err(|e| crate::duplicate(e, format!("person {}", person.id)))?;
        }
        if let Some(person) = changed_person
            && crate::persons::update_person_in(&mut tx, person).await? == 0
        {
            return Err(StoreError::NotFound(format!("person {}", person.id)));
        }
        let state = case.state.code();
        let version = version_i64(case.version)?;
        let updated_at = to_micros(case.updated_at);
        if base_version == 0 {
            tx.execute(
                "INSERT INTO cases (reference, procedure_id, procedure_version, person_id, state, version, opened_at, updated_at,
                                    due_at, submitted_channel, assigned_to, reply_by, projected)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1)",
                &[
                    Param::Text(Some(reference)),
                    Param::Text(Some(case.procedure.id.as_str())),
                    Param::Int(Some(i64::from(case.procedure.version))),
                    Param::Text(Some(&case.person.to_string())),
                    Param::Text(Some(state)),
                    Param::Int(Some(version)),
                    Param::Int(Some(to_micros(case.opened_at))),
                    Param::Int(Some(updated_at)),
                    Param::Int(q.due_at),
                    Param::Text(q.submitted_channel),
                    Param::Text(q.assigned_to.as_deref()),
                    Param::Int(q.reply_by),
                ],
            )
            .await
            .map_err(|e| crate::duplicate(e, format!("case {reference}")))?;
        } else {
            let params = update_params(case, base_version, &q)?;
            let updated = tx.execute(UPDATE_CASE, &params).await?;
            if updated == 0 {
                let actual: Option<(i64,)> = tx
                    .read_optional(
                        "SELECT version FROM cases WHERE reference = $1",
                        &[Param::Text(Some(reference))],
                    )
                    .await?;
                // This server may have shown the case from an old copy: it reads it again
                // (the others have nothing new to hear: nothing was written).
                if let Some(c) = &self.cache {
                    c.forget(&crate::cache::Key::Journal(reference.to_owned()));
                }
                return Err(match actual {
                    None => StoreError::NotFound(format!("case {reference}")),
                    Some((actual,)) => StoreError::Conflict {
                        reference: reference.to_owned(),
                        expected: base_version,
                        actual: u64::try_from(actual).map_err(StoreError::corrupt)?,
                    },
                });
            }
        }
        insert_events(&mut tx, reference, events).await?;
        insert_outbox(&mut tx, intents, alerts, now).await?;
        write.commit().await?;
        self.appended(reference, base_version, events);
        if let Some(person) = changed_person {
            self.changed(&crate::cache::Key::Person(person.id.to_string()));
        }
        Ok(())
    }

    /// The change as one statement on PostgreSQL: the case row moved on and the events
    /// appended, in the statement's own transaction — one round trip instead of four. False,
    /// with nothing written, on SQLite or when the case row was not at `base_version` (the
    /// transaction path then tells why).
    async fn commit_in_one_statement(
        &self,
        case: &Case,
        base_version: u64,
        events: &[Event],
        q: &crate::cases::QueueColumns,
    ) -> Result<bool, StoreError> {
        let Some(pool) = self.postgres_pool() else {
            return Ok(false);
        };
        let reference = case.reference.as_str();
        let mut params = update_params(case, base_version, q)?.to_vec();
        let rows = EventRows::encode(events)?;
        let (values, event_params) = rows.values(reference, params.len() + 1);
        params.extend(event_params);
        let sql = format!(
            "WITH changed AS ({UPDATE_CASE} RETURNING reference),
                  added AS ({INSERT_EVENTS} SELECT e.* FROM changed, (VALUES {values}) AS e)
             SELECT count(*) FROM changed"
        );
        let row = bind_sqlx!(sql.as_str(), &params).fetch_one(pool).await?;
        let updated: i64 = row.try_get(0)?;
        if updated == 0 {
            return Ok(false);
        }
        self.appended(reference, base_version, events);
        Ok(true)
    }
}

/// The parameters of [`UPDATE_CASE`].
fn update_params<'a>(
    case: &'a Case,
    base_version: u64,
    q: &'a crate::cases::QueueColumns,
) -> Result<[Param<'a>; 9], StoreError> {
    Ok([
        Param::Text(Some(case.state.code())),
        Param::Int(Some(version_i64(case.version)?)),
        Param::Int(Some(to_micros(case.updated_at))),
        Param::Text(Some(case.reference.as_str())),
        Param::Int(Some(version_i64(base_version)?)),
        Param::Int(q.due_at),
        Param::Text(q.submitted_channel),
        Param::Text(q.assigned_to.as_deref()),
        Param::Int(q.reply_by),
    ])
}
