//! Cases and their journal, read side. The journal is the truth; the `cases` row is a projection
//! (state, version, times) kept in the same transaction for listing and for optimistic
//! concurrency. Changes are written by [`Store::commit_case_change`] (`outbox/case_change.rs`),
//! which only the case service calls.

use chrono::{DateTime, Utc};
use guichet_domain::{
    Actor, Case, CaseReference, CaseState, Channel, DeadlineStatus, Event, EventKind, PersonId,
    ProcedureId, ProcedureRef,
};
use sqlx::Row;

use crate::read::Param;
use crate::write::Tx;
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

fn decode_all(rows: Vec<EventRow>) -> Result<Vec<Event>, StoreError> {
    rows.into_iter().map(EventRow::decode).collect()
}

pub(crate) fn mandate_of(actor: &Actor) -> Option<String> {
    match actor {
        Actor::Helper { mandate, .. } => Some(mandate.to_string()),
        _ => None,
    }
}

/// The columns of `case_events` a change writes.
const EVENT_COLUMNS: usize = 9;

/// The start of the statement that appends events to the journal; [`EventRows::values`] gives
/// the rest.
pub(crate) const INSERT_EVENTS: &str = "INSERT INTO case_events (case_reference, seq, at, channel, actor_kind, mandate_id, actor, kind, payload)";

/// Events encoded as rows of `case_events`.
pub(crate) struct EventRows<'e> {
    rows: Vec<(&'e Event, EventRow, Option<String>)>,
}

impl<'e> EventRows<'e> {
    pub(crate) fn encode(events: &'e [Event]) -> Result<Self, StoreError> {
        let rows = events
            .iter()
            .map(|event| Ok((event, EventRow::encode(event)?, mandate_of(&event.actor))))
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(EventRows { rows })
    }

    /// `($first, …), (…)`: one tuple of placeholders per event, numbered from `first`, and the
    /// parameters they name.
    pub(crate) fn values<'a>(
        &'a self,
        reference: &'a str,
        first: usize,
    ) -> (String, Vec<Param<'a>>) {
        let mut sql = String::new();
        let mut params = Vec::with_capacity(self.rows.len() * EVENT_COLUMNS);
        for (i, (event, row, mandate)) in self.rows.iter().enumerate() {
            let from = first + i * EVENT_COLUMNS;
            let placeholders: Vec<String> = (from..from + EVENT_COLUMNS)
                .map(|n| format!("${n}"))
                .collect();
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            sql.push_str(&placeholders.join(", "));
            sql.push(')');
            params.extend([
                Param::Text(Some(reference)),
                Param::Int(Some(row.seq)),
                Param::Int(Some(row.at)),
                Param::Text(Some(&row.channel)),
                Param::Text(Some(event.actor.kind_code())),
                Param::Text(mandate.as_deref()),
                Param::Text(Some(&row.actor)),
                Param::Text(Some(event.kind.code())),
                Param::Text(Some(&row.payload)),
            ]);
        }
        (sql, params)
    }
}

/// Inserts events inside the open transaction `tx`, in one multi-row statement (a submission
/// writes several events; one round trip instead of one per event).
pub(crate) async fn insert_events(
    tx: &mut Tx<'_>,
    reference: &str,
    events: &[Event],
) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let rows = EventRows::encode(events)?;
    let (values, params) = rows.values(reference, 1);
    tx.execute(&format!("{INSERT_EVENTS} VALUES {values}"), &params)
        .await?;
    Ok(())
}

impl Store {
    /// The whole journal of a case, in order.
    pub async fn journal(&self, reference: &CaseReference) -> Result<Vec<Event>, StoreError> {
        if let crate::Db::Sqlite { journals, .. } = &self.db {
            return self.journal_since_kept(journals, reference).await;
        }
        let key = crate::cache::Key::Journal(reference.as_str().to_owned());
        if let Some(crate::cache::Value::Journal(events)) = self.cached(&key) {
            return Ok(events.as_ref().clone());
        }
        let ticket = self.ticket();
        let events = decode_all(self.event_rows(reference, 0).await?)?;
        if !events.is_empty() {
            let value = crate::cache::Value::Journal(std::sync::Arc::new(events.clone()));
            self.keep(key, value, ticket);
        }
        Ok(events)
    }

    /// SQLite: the journal kept from an earlier read, grown by the events appended since
    /// ([`crate::journals`]); read whole when none is kept or the kept one no longer matches
    /// the file.
    async fn journal_since_kept(
        &self,
        journals: &crate::journals::Journals,
        reference: &CaseReference,
    ) -> Result<Vec<Event>, StoreError> {
        let kept = journals.get(reference.as_str());
        // From the last kept event on, to check it is still the file's.
        let from = kept
            .as_ref()
            .and_then(|k| k.last())
            .map_or(Ok(0), |e| i64::try_from(e.seq).map_err(StoreError::corrupt))?;
        let rows = self.event_rows(reference, from).await?;
        let events = match (&kept, rows.split_first()) {
            (Some(kept), Some((last, new)))
                if kept
                    .last()
                    .is_some_and(|e| last.seq == from && last.at == to_micros(e.at))
                    && new.first().is_none_or(|n| n.seq == from + 1) =>
            {
                if new.is_empty() {
                    return Ok(kept.as_ref().clone());
                }
                let mut all = Vec::with_capacity(kept.len() + new.len());
                all.extend_from_slice(kept);
                for row in rows.into_iter().skip(1) {
                    all.push(row.decode()?);
                }
                all
            }
            (None, _) => decode_all(rows)?,
            // The kept journal is not the file's any more: read again, whole.
            _ => decode_all(self.event_rows(reference, 0).await?)?,
        };
        journals.put(reference.as_str(), std::sync::Arc::new(events.clone()));
        Ok(events)
    }

    /// The rows of the journal of `reference` from event `from` on (all of them from 0).
    async fn event_rows(
        &self,
        reference: &CaseReference,
        from: i64,
    ) -> Result<Vec<EventRow>, StoreError> {
        Ok(self
            .read_all::<(i64, i64, String, String, String)>(
                "SELECT seq, at, channel, actor, payload FROM case_events
                 WHERE case_reference = $1 AND seq >= $2 ORDER BY seq",
                &[
                    Param::Text(Some(reference.as_str())),
                    Param::Int(Some(from)),
                ],
            )
            .await?
            .into_iter()
            .map(|(seq, at, channel, actor, payload)| EventRow {
                seq,
                at,
                channel,
                actor,
                payload,
            })
            .collect())
    }

    /// A case rebuilt from its journal.
    pub async fn load_case(&self, reference: &CaseReference) -> Result<Case, StoreError> {
        Ok(self.load_case_and_journal(reference).await?.0)
    }

    /// A case rebuilt from its journal, with the journal (one read, for a page that shows
    /// both).
    pub async fn load_case_and_journal(
        &self,
        reference: &CaseReference,
    ) -> Result<(Case, Vec<Event>), StoreError> {
        let events = self.journal(reference).await?;
        if events.is_empty() {
            return Err(StoreError::NotFound(format!("case {reference}")));
        }
        let case = Case::replay(&events).map_err(StoreError::corrupt)?;
        Ok((case, events))
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

/// The columns of the `cases` row that officers' queues filter and sort on, projected from the
/// case (and, for the submission channel, from the events being appended).
pub(crate) struct QueueColumns {
    pub(crate) due_at: Option<i64>,
    pub(crate) submitted_channel: Option<&'static str>,
    pub(crate) assigned_to: Option<String>,
    pub(crate) reply_by: Option<i64>,
}

impl QueueColumns {
    pub(crate) fn of(case: &Case, events: &[Event]) -> Self {
        let due = match case.deadline_status(case.updated_at) {
            DeadlineStatus::Running { due } | DeadlineStatus::Passed { due, .. } => Some(due),
            _ => None,
        };
        QueueColumns {
            due_at: due.map(to_micros),
            submitted_channel: events
                .iter()
                .rev()
                .find(|e| matches!(e.kind, EventKind::Submitted { .. }))
                .map(|e| e.channel.code()),
            assigned_to: case.assigned_to.map(|a| a.to_string()),
            reply_by: case.reply_by.map(to_micros),
        }
    }
}

impl Store {
    /// Fills the queue columns of cases written before they existed (migration 0700), by
    /// replaying each such case's journal once. Idempotent; a no-op on an up-to-date database.
    pub(crate) async fn project_queue_columns(&self) -> Result<(), StoreError> {
        loop {
            let pending: Vec<String> = with_pool!(self, pool => {
                sqlx::query_scalar("SELECT reference FROM cases WHERE projected = 0 LIMIT 500")
                    .fetch_all(pool)
                    .await?
            });
            if pending.is_empty() {
                return Ok(());
            }
            for reference in pending {
                let parsed = CaseReference::parse(&reference).map_err(StoreError::corrupt)?;
                let journal = self.journal(&parsed).await?;
                let case = Case::replay(&journal).map_err(StoreError::corrupt)?;
                let q = QueueColumns::of(&case, &journal);
                with_pool!(self, write pool => {
                    sqlx::query(
                        "UPDATE cases SET due_at = $1, submitted_channel = $2, assigned_to = $3,
                             reply_by = $4, projected = 1 WHERE reference = $5",
                    )
                    .bind(q.due_at)
                    .bind(q.submitted_channel)
                    .bind(q.assigned_to.as_deref())
                    .bind(q.reply_by)
                    .bind(&reference)
                    .execute(pool)
                    .await?;
                });
            }
        }
    }
}

pub(crate) fn version_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(StoreError::corrupt)
}

/// Which cases an officer's queue shows: those of one operator's procedures, submitted (never
/// drafts), sorted by legal due date (the most urgent first, cases without a running clock
/// last), then by the date they were last touched.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub operator: String,
    pub procedure: Option<String>,
    /// `None`: every state but drafts; closed cases are shown only when asked for by state.
    pub state: Option<CaseState>,
    pub submitted_channel: Option<Channel>,
    /// Only cases whose running due date is before this time.
    pub due_before: Option<DateTime<Utc>>,
    pub assigned_to: Option<String>,
    pub limit: u32,
}

/// A line of an officer's queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRow {
    pub summary: CaseSummary,
    pub procedure_title: String,
    pub person_name: String,
    pub due_at: Option<DateTime<Utc>>,
    pub submitted_channel: Option<Channel>,
    pub assigned_to: Option<String>,
    pub reply_by: Option<DateTime<Utc>>,
}

impl Store {
    /// An officer's queue (see [`QueueFilter`]).
    pub async fn case_queue(&self, filter: &QueueFilter) -> Result<Vec<QueueRow>, StoreError> {
        let limit = if filter.limit == 0 { 200 } else { filter.limit };
        let open_states: Vec<&str> = [
            CaseState::Submitted,
            CaseState::UnderExamination,
            CaseState::WaitingForDocuments,
        ]
        .iter()
        .map(|s| s.code())
        .collect();
        let rows = with_pool!(self, pool => {
            sqlx::query(
                "SELECT c.reference, c.procedure_id, c.procedure_version, c.person_id, c.state, c.version,
                        c.opened_at, c.updated_at, c.due_at, c.submitted_channel, c.assigned_to, c.reply_by,
                        p.title, pe.given_name, pe.family_name
                 FROM cases c
                 JOIN procedures p ON p.id = c.procedure_id AND p.version = c.procedure_version
                 JOIN persons pe ON pe.id = c.person_id
                 WHERE p.operator_id = $1
                   AND ($2 IS NULL OR c.procedure_id = $2)
                   AND (($3 IS NULL AND c.state IN ($9, $10, $11)) OR c.state = $3)
                   AND ($4 IS NULL OR c.submitted_channel = $4)
                   AND ($5 IS NULL OR c.due_at < $5)
                   AND ($6 IS NULL OR c.assigned_to = $6)
                 ORDER BY CASE WHEN c.due_at IS NULL THEN 1 ELSE 0 END, c.due_at, c.updated_at, c.reference
                 LIMIT $7 OFFSET $8",
            )
            .bind(&filter.operator)
            .bind(filter.procedure.as_deref())
            .bind(filter.state.map(|s| s.code()))
            .bind(filter.submitted_channel.map(|c| c.code()))
            .bind(filter.due_before.map(to_micros))
            .bind(filter.assigned_to.as_deref())
            .bind(i64::from(limit))
            .bind(0i64)
            .bind(open_states[0])
            .bind(open_states[1])
            .bind(open_states[2])
            .fetch_all(pool)
            .await?
            .iter()
            .map(queue_row)
            .collect::<Result<Vec<_>, StoreError>>()?
        });
        Ok(rows)
    }
}

fn queue_row<R: Row>(r: &R) -> Result<QueueRow, StoreError>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'q> String: sqlx::Decode<'q, R::Database> + sqlx::Type<R::Database>,
    for<'q> i64: sqlx::Decode<'q, R::Database> + sqlx::Type<R::Database>,
    for<'q> Option<String>: sqlx::Decode<'q, R::Database> + sqlx::Type<R::Database>,
    for<'q> Option<i64>: sqlx::Decode<'q, R::Database> + sqlx::Type<R::Database>,
{
    let text = |name: &str| -> Result<String, StoreError> { Ok(r.try_get::<String, _>(name)?) };
    let int = |name: &str| -> Result<i64, StoreError> { Ok(r.try_get::<i64, _>(name)?) };
    let opt_int =
        |name: &str| -> Result<Option<i64>, StoreError> { Ok(r.try_get::<Option<i64>, _>(name)?) };
    let reference = text("reference")?;
    let state = text("state")?;
    let channel: Option<String> = r.try_get("submitted_channel")?;
    Ok(QueueRow {
        summary: CaseSummary {
            reference: CaseReference::parse(&reference).map_err(StoreError::corrupt)?,
            procedure: ProcedureRef {
                id: ProcedureId::parse(&text("procedure_id")?).map_err(StoreError::corrupt)?,
                version: u32::try_from(int("procedure_version")?).map_err(StoreError::corrupt)?,
            },
            person: text("person_id")?.parse().map_err(StoreError::corrupt)?,
            state: CaseState::from_code(&state)
                .ok_or_else(|| StoreError::corrupt(format!("state {state}")))?,
            version: u64::try_from(int("version")?).map_err(StoreError::corrupt)?,
            opened_at: from_micros(int("opened_at")?)?,
            updated_at: from_micros(int("updated_at")?)?,
        },
        procedure_title: text("title")?,
        person_name: format!(
            "{} {}",
            text("given_name")?,
            text("family_name")?.to_uppercase()
        ),
        due_at: opt_int("due_at")?.map(from_micros).transpose()?,
        submitted_channel: channel
            .map(|c| {
                Channel::from_code(&c).ok_or_else(|| StoreError::corrupt(format!("channel {c}")))
            })
            .transpose()?,
        assigned_to: r.try_get("assigned_to")?,
        reply_by: opt_int("reply_by")?.map(from_micros).transpose()?,
    })
}
