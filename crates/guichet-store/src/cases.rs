//! Cases and their journal. The journal is the truth; the `cases` row is a projection (state,
//! version, times) kept in the same transaction for listing and for optimistic concurrency:
//! an append names the version it was decided on, and fails with
//! [`StoreError::Conflict`] if another agent appended first.

use chrono::{DateTime, Utc};
use guichet_domain::{
    Actor, Case, CaseError, CaseReference, CaseState, Channel, Command, Context, Decision, Event,
    HostedProcedure, PersonId, ProcedureId, ProcedureRef,
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

/// Why a command on a stored case did not go through.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The domain refused the command; nothing was written.
    #[error(transparent)]
    Case(#[from] CaseError),
    #[error(transparent)]
    Store(#[from] StoreError),
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

/// Appends `$events` decided on `$case` in one transaction, with the same optimistic check as
/// [`Store::append_events`], running `$extra` on the open transaction `$tx` before the commit so
/// that other writes (notification intents) share its fate. Evaluates to the new case.
macro_rules! append_in_transaction {
    ($store:expr, $case:expr, $events:expr, |$tx:ident| $extra:block) => {{
        let case: &guichet_domain::Case = $case;
        let events: &[guichet_domain::Event] = $events;
        let mut next = case.clone();
        for event in events {
            next = next.apply(event).map_err($crate::StoreError::corrupt)?;
        }
        let reference = case.reference.as_str();
        $crate::with_pool!($store, write pool => {
            #[allow(unused_mut)]
            let mut $tx = pool.begin().await?;
            let updated = sqlx::query(
                "UPDATE cases SET state = $1, version = $2, updated_at = $3
                 WHERE reference = $4 AND version = $5",
            )
            .bind(next.state.code())
            .bind($crate::cases::version_i64(next.version)?)
            .bind($crate::to_micros(next.updated_at))
            .bind(reference)
            .bind($crate::cases::version_i64(case.version)?)
            .execute(&mut *$tx)
            .await?
            .rows_affected();
            if updated == 0 {
                let actual: Option<i64> = sqlx::query_scalar("SELECT version FROM cases WHERE reference = $1")
                    .bind(reference)
                    .fetch_optional(&mut *$tx)
                    .await?;
                return Err(match actual {
                    None => $crate::StoreError::NotFound(format!("case {reference}")),
                    Some(actual) => $crate::StoreError::Conflict {
                        reference: reference.to_owned(),
                        expected: case.version,
                        actual: u64::try_from(actual).map_err($crate::StoreError::corrupt)?,
                    },
                });
            }
            $crate::cases::insert_events!($tx, reference, events);
            $extra
            $tx.commit().await?;
        });
        next
    }};
}
pub(crate) use append_in_transaction;

/// Creates a case from `$events` in one transaction, running `$extra` on the open transaction
/// `$tx` before the commit. Evaluates to the new case.
macro_rules! create_in_transaction {
    ($store:expr, $events:expr, |$tx:ident| $extra:block) => {{
        let events: &[guichet_domain::Event] = $events;
        let case = guichet_domain::Case::replay(events).map_err($crate::StoreError::corrupt)?;
        let reference = case.reference.as_str();
        $crate::with_pool!($store, write pool => {
            #[allow(unused_mut)]
            let mut $tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO cases (reference, procedure_id, procedure_version, person_id, state, version, opened_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(reference)
            .bind(case.procedure.id.as_str())
            .bind(i64::from(case.procedure.version))
            .bind(case.person.to_string())
            .bind(case.state.code())
            .bind($crate::cases::version_i64(case.version)?)
            .bind($crate::to_micros(case.opened_at))
            .bind($crate::to_micros(case.updated_at))
            .execute(&mut *$tx)
            .await
            .map_err(|e| $crate::duplicate_or(e, format!("case {reference}")))?;
            $crate::cases::insert_events!($tx, reference, events);
            $extra
            $tx.commit().await?;
        });
        case
    }};
}
pub(crate) use create_in_transaction;

impl Store {
    /// Stores a new case from its first events (at least the opening), in one transaction.
    /// A reference already in use gives [`StoreError::Duplicate`]: draw another one.
    pub async fn create_case(&self, events: &[Event]) -> Result<Case, StoreError> {
        Ok(create_in_transaction!(self, events, |_tx| {}))
    }

    /// Appends events decided on `case` (at its `version`), failing with
    /// [`StoreError::Conflict`] if the stored case moved on meanwhile. Returns the new case.
    pub async fn append_events(&self, case: &Case, events: &[Event]) -> Result<Case, StoreError> {
        Ok(append_in_transaction!(self, case, events, |_tx| {}))
    }

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

    /// Opens a case: checks the command with the domain, then stores it (without notifications;
    /// see [`Store::execute`]).
    pub async fn open_case(
        &self,
        reference: CaseReference,
        procedure: &HostedProcedure,
        person: PersonId,
        ctx: Context,
    ) -> Result<(Case, Decision), CommandError> {
        let decision = Case::open(reference, procedure, person, ctx)?;
        let case = self.create_case(&decision.events).await?;
        Ok((case, decision))
    }

    /// Loads a case, lets the domain decide, and appends the resulting events. Nothing is
    /// written when the domain refuses or when another writer got there first.
    ///
    /// This writes events only: the notifications a command causes (`Decision::actions`) are
    /// not enqueued. Shells go through `guichet_notify::dispatch::execute`, which appends both
    /// in one transaction; this stays for store tests and tools that notify nobody.
    pub async fn execute(
        &self,
        reference: &CaseReference,
        command: Command,
        ctx: Context,
    ) -> Result<(Case, Decision), CommandError> {
        let case = self.load_case(reference).await?;
        let decision = case.decide(command, ctx)?;
        let case = self.append_events(&case, &decision.events).await?;
        Ok((case, decision))
    }
}

pub(crate) fn version_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(StoreError::corrupt)
}
