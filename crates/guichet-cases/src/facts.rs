//! What a case's letters need beyond the case: the procedure's title, the operator in charge,
//! the sender block from the procedure's published definition, typed once, and who signs its
//! decision.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use guichet_catalogue::definition::ProcedureDefinition;
use guichet_domain::{Actor, Case, Event, EventKind, OperatorId, PersonId, ProcedureRef};
use guichet_notify::{CaseFacts, DecisionSigner, Office, Recipient};
use guichet_store::{Store, StoreError};

/// Published definitions, parsed once per version. A published version never changes, so an
/// entry never goes stale, on one server or several.
#[derive(Debug, Clone, Default)]
pub struct Definitions {
    parsed: Arc<Mutex<HashMap<ProcedureRef, Option<Arc<ProcedureDefinition>>>>>,
}

impl Definitions {
    /// The definition a case follows, or `None` for a procedure published without one (built
    /// in code, as in tests). A stored definition that no longer passes the rules (after an
    /// upgrade that added one) is logged and treated as absent: letters then carry the
    /// operator's name only, they are not blocked.
    pub async fn get(
        &self,
        store: &Store,
        procedure: &ProcedureRef,
    ) -> Result<Option<Arc<ProcedureDefinition>>, StoreError> {
        if let Some(found) = self.lock().get(procedure) {
            return Ok(found.clone());
        }
        let row = store
            .get_definition(procedure.id.as_str(), Some(procedure.version))
            .await?;
        let parsed = row.and_then(|row| {
            let file = Path::new(procedure.id.as_str());
            match ProcedureDefinition::parse(file, &row.source) {
                Ok(d) => Some(Arc::new(d)),
                Err(problems) => {
                    tracing::error!(procedure = %procedure.id, version = procedure.version,
                        %problems, "published definition no longer passes the rules");
                    None
                }
            }
        });
        self.lock().insert(procedure.clone(), parsed.clone());
        Ok(parsed)
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<ProcedureRef, Option<Arc<ProcedureDefinition>>>> {
        self.parsed.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Who sends the letters of a case: the operator in charge, with the return address and phone
/// of the procedure's definition when there is one; and, when `events` (the journal, or the
/// events a command appends) hold a decision, who signs it.
pub(crate) async fn case_facts(
    store: &Store,
    definitions: &Definitions,
    case: &Case,
    events: &[Event],
) -> Result<CaseFacts, StoreError> {
    // The parsed definition (cached) carries the procedure itself; the store is read only for
    // a procedure published without a definition file.
    let definition = definitions.get(store, &case.procedure).await?;
    let procedure = match &definition {
        Some(d) => Some(d.procedure().clone()),
        None => {
            store
                .get_procedure(&case.procedure.id, Some(case.procedure.version))
                .await?
        }
    };
    let (title, operator_id) = match &procedure {
        Some(p) => (p.title().to_owned(), Some(p.operator().clone())),
        None => (case.procedure.id.to_string(), None),
    };
    let operator = match &operator_id {
        Some(id) => store
            .list_operators()
            .await?
            .into_iter()
            .find(|o| &o.id == id)
            .map_or_else(|| id.to_string(), |o| o.name),
        None => "l’administration".to_owned(),
    };
    let address = definition.as_ref().and_then(|d| d.return_address());
    let phone = definition.as_ref().and_then(|d| d.phone_line());
    let office = Office::new(
        &operator,
        address.map(|a| (a.lines.as_slice(), a.postcode.as_str(), a.town.as_str())),
        phone.map(|p| (p.number.as_str(), p.hours.as_deref())),
    );
    let decided_by = events.iter().rev().find_map(|e| match e.kind {
        EventKind::Decided { .. } => Some(e.actor),
        _ => None,
    });
    let signer = match (decided_by, &operator_id) {
        (Some(actor), Some(operator)) => signer(store, actor, operator).await?,
        _ => None,
    };
    Ok(CaseFacts {
        procedure_title: title,
        office,
        signer,
    })
}

/// Who signs a decision taken by `actor` (CRPA art. L212-1: the author's first name, name and
/// title): the operator's delegation when it signs every decision; else the officer who
/// decided, from their account; else the delegation (a decision by silence, or an officer
/// without an account's name and title). `None` when nobody can be named.
async fn signer(
    store: &Store,
    actor: Actor,
    operator: &OperatorId,
) -> Result<Option<DecisionSigner>, StoreError> {
    let delegation = store.signature_delegation(operator).await?.map(|d| {
        (
            d.every_decision,
            DecisionSigner {
                mention: Some(d.mention),
                name: d.name,
                title: d.title,
            },
        )
    });
    if let Some((true, delegate)) = delegation {
        return Ok(Some(delegate));
    }
    let officer = match actor {
        Actor::Agent { id, .. } => store
            .get_agent(id)
            .await?
            .filter(|a| !a.display_name.trim().is_empty() && !a.title.trim().is_empty()),
        _ => None,
    };
    Ok(match officer {
        Some(a) => Some(DecisionSigner {
            mention: None,
            name: a.display_name,
            title: a.title,
        }),
        None => delegation.map(|(_, delegate)| delegate),
    })
}

/// The person a case is about, with what returned mail taught about their address.
pub(crate) async fn recipient(store: &Store, person: PersonId) -> Result<Recipient, StoreError> {
    let found = store
        .get_person(person)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("person {person}")))?;
    let address_suspect = store.address_is_suspect(&person.to_string()).await?;
    Ok(Recipient {
        person: found,
        address_suspect,
    })
}
