//! Cases and their journal, read side. The journal is the truth; the `cases` row is a projection
//! (state, version, times) kept in the same transaction for listing and for optimistic
//! concurrency. Changes are written by [`Store::commit_case_change`] (`outbox/case_change.rs`),
//! which only the case service calls.

use chrono::{DateTime, Utc};
use guichet_domain::{
    Actor, Case, CaseReference, CaseState, Channel, Event, PersonId, ProcedureId, ProcedureRef,
};
use sqlx::Row;

use crate::{Store, StoreError, from_micros, to_micros, with_pool};

/// A line of a case list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSummary {
    pub reference: CaseReference,
    pub procedure: ProcedureRef,
    pub person: PersonId,
    pub state: CaseState,
    pub version: u64,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Which cases to list, most recently updated first.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub person: Option<PersonId>,
    pub state: Option<CaseState>,
    pub limit: u32,
}

pub(crate) struct EventRow {
    pub(crate) seq: i64,
    pub(crate) at: i64,
    pub(crate) channel: String,
    pub(crate) actor: String,
    pub(crate) payload: String,
}

impl EventRow {
    pub(crate) fn encode(event: &Event) -> Result<Self, StoreError> {
        Ok(EventRow {
            seq: i64::try_from(event.seq).map_err(StoreError::corrupt)?,
            at: to_micros(event.at),
            channel: event.channel.code().to_owned(),
            actor: serde_json::to_string(&event.actor).map_err(StoreError::corrupt)?,
            payload: serde_json::to_string(&event.kind).map_err(StoreError::corrupt)?,
        })
    }

    fn decode(self) -> Result<Event, StoreError> {
        Ok(Event {
            seq: u64::try_from(self.seq).map_err(StoreError::corrupt)?,
            at: from_micros(self.at)?,
            channel: Channel::from_code(&self.channel)
                .ok_or_else(|| StoreError::corrupt(format!("channel {}", self.channel)))?,
            actor: serde_json::from_str(&self.actor).map_err(StoreError::corrupt)?,
            kind: serde_json::from_str(&self.payload).map_err(StoreError::corrupt)?,
        })
    }
}

pub(crate) fn mandate_of(actor: &Actor) -> Option<String> {
    match actor {
        Actor::Helper { mandate, .. } => Some(mandate.to_string()),
        _ => None,
    }
}

/// Inserts events inside an open transaction `$tx`, in one multi-row statement (a submission
/// writes several events; one round trip instead of one per event).
macro_rules! insert_events {
    ($tx:expr, $reference:expr, $events:expr) => {
        let rows = $events
            .iter()
            .map(|event| Ok((event, $crate::cases::EventRow::encode(event)?)))
            .collect::<Result<Vec<_>, $crate::StoreError>>()?;
        if !rows.is_empty() {
            let mut builder = sqlx::QueryBuilder::new(
                "INSERT INTO case_events (case_reference, seq, at, channel, actor_kind, mandate_id, actor, kind, payload) ",
            );
            builder.push_values(&rows, |mut b, (event, row)| {
                b.push_bind($reference)
                    .push_bind(row.seq)
                    .push_bind(row.at)
                    .push_bind(row.channel.as_str())
                    .push_bind(event.actor.kind_code())
                    .push_bind($crate::cases::mandate_of(&event.actor))
                    .push_bind(row.actor.as_str())
                    .push_bind(event.kind.code())
                    .push_bind(row.payload.as_str());
            });
            builder.build().execute(&mut *$tx).await?;
        }
    };
}

pub(crate) use insert_events;

impl Store {
    /// The whole journal of a case, in order.
    pub async fn journal(&self, reference: &CaseReference) -> Result<Vec<Event>, StoreError> {
        let rows: Vec<EventRow> = with_pool!(self, pool => {
            sqlx::query(
                "SELECT seq, at, channel, actor, payload FROM case_events
                 WHERE case_reference = $1 ORDER BY seq",
            )
            .bind(reference.as_str())
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| Ok(EventRow {
                seq: r.try_get("seq")?,
                at: r.try_get("at")?,
                channel: r.try_get("channel")?,
                actor: r.try_get("actor")?,
                payload: r.try_get("payload")?,
            }))
            .collect::<Result<_, sqlx::Error>>()?
        });
        rows.into_iter().map(EventRow::decode).collect()
    }

    /// A case rebuilt from its journal.
    pub async fn load_case(&self, reference: &CaseReference) -> Result<Case, StoreError> {
        let events = self.journal(reference).await?;
        if events.is_empty() {
            return Err(StoreError::NotFound(format!("case {reference}")));
        }
        Case::replay(&events).map_err(StoreError::corrupt)
    }

    pub async fn list_cases(&self, filter: &CaseFilter) -> Result<Vec<CaseSummary>, StoreError> {
        let limit = if filter.limit == 0 { 100 } else { filter.limit };
        type Raw = (String, String, i64, String, String, i64, i64, i64);
        let rows: Vec<Raw> = with_pool!(self, pool => {
            sqlx::query(
                "SELECT reference, procedure_id, procedure_version, person_id, state, version, opened_at, updated_at
                 FROM cases
                 WHERE ($1 IS NULL OR person_id = $1) AND ($2 IS NULL OR state = $2)
                 ORDER BY updated_at DESC, reference
                 LIMIT $3",
            )
            .bind(filter.person.map(|p| p.to_string()))
            .bind(filter.state.map(|s| s.code()))
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| Ok((
                r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?,
                r.try_get(4)?, r.try_get(5)?, r.try_get(6)?, r.try_get(7)?,
            )))
            .collect::<Result<_, sqlx::Error>>()?
        });
        rows.into_iter()
            .map(
                |(reference, pid, pver, person, state, version, opened, updated)| {
                    Ok(CaseSummary {
                        reference: CaseReference::parse(&reference).map_err(StoreError::corrupt)?,
                        procedure: ProcedureRef {
                            id: ProcedureId::parse(&pid).map_err(StoreError::corrupt)?,
                            version: u32::try_from(pver).map_err(StoreError::corrupt)?,
                        },
                        person: person.parse().map_err(StoreError::corrupt)?,
                        state: CaseState::from_code(&state)
                            .ok_or_else(|| StoreError::corrupt(format!("state {state}")))?,
                        version: u64::try_from(version).map_err(StoreError::corrupt)?,
                        opened_at: from_micros(opened)?,
                        updated_at: from_micros(updated)?,
                    })
                },
            )
            .collect()
    }
}

pub(crate) fn version_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(StoreError::corrupt)
}
