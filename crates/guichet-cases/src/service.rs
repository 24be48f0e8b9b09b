//! Load, decide, plan, commit — and decide again on a conflict.

use guichet_domain::{
    Action, AlertKind, Case, CaseError, CaseReference, Command, Context, Decision, Event,
    HostedProcedure, Person, PersonId,
};
use guichet_notify::{Plan, Templates};
use guichet_store::outbox::{NewAlert, NewIntent};
use guichet_store::{CaseChange, Store, StoreError};

use crate::facts::{Definitions, case_facts, recipient};

/// How many times a command is decided again when another writer got there first.
const ATTEMPTS: usize = 5;

/// Why a command on a case did not go through. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The domain refused the command (its message is in French, for the person who tried).
    #[error(transparent)]
    Case(#[from] CaseError),
    /// The database refused or failed: a case reference already taken
    /// ([`StoreError::Duplicate`]: draw another), a case that kept moving
    /// ([`StoreError::Conflict`] after several attempts: reload), an unknown case or person.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The case changed since the version the command was prepared on (someone else acted on
    /// it meanwhile): nothing was written; `since` lists what changed, to show before acting
    /// again.
    #[error("the case changed since version {seen}")]
    Stale { seen: u64, since: Vec<Event> },
}

/// A case change that was stored.
#[derive(Debug, Clone)]
pub struct Committed {
    /// The case after the change.
    pub case: Case,
    /// What the domain decided: the events appended and the actions they call for.
    pub decision: Decision,
    /// The notifications and alerts written with the events.
    pub plan: Plan,
}

/// The case service. Cheap to clone; shares the store's pools and the parsed definitions.
#[derive(Debug, Clone)]
pub struct CaseService {
    store: Store,
    definitions: Definitions,
}

impl CaseService {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            definitions: Definitions::default(),
        }
    }

    /// The store, for reads.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Opens a case on `procedure` for `person`, with whatever notification the opening causes.
    /// A reference already in use gives [`StoreError::Duplicate`]: draw another one.
    pub async fn open(
        &self,
        reference: CaseReference,
        procedure: &HostedProcedure,
        person: PersonId,
        ctx: Context,
    ) -> Result<Committed, CommandError> {
        self.open_inner(reference, procedure, person, None, ctx)
            .await
    }

    /// Opens a case under a reference drawn by `draw` (randomness stays with the caller), drawing
    /// again on the rare collision with an existing one.
    pub async fn open_with_fresh_reference(
        &self,
        procedure: &HostedProcedure,
        person: PersonId,
        ctx: Context,
        draw: impl FnMut() -> CaseReference,
    ) -> Result<Committed, CommandError> {
        self.open_drawing(procedure, person, None, ctx, draw).await
    }

    /// Registers `person` and opens their first case in one transaction: someone the instance
    /// did not know who starts a request online. Either both are stored or neither.
    pub async fn open_for_new_person(
        &self,
        procedure: &HostedProcedure,
        person: &Person,
        ctx: Context,
        draw: impl FnMut() -> CaseReference,
    ) -> Result<Committed, CommandError> {
        self.open_drawing(procedure, person.id, Some(person), ctx, draw)
            .await
    }

    async fn open_drawing(
        &self,
        procedure: &HostedProcedure,
        person: PersonId,
        new_person: Option<&Person>,
        ctx: Context,
        mut draw: impl FnMut() -> CaseReference,
    ) -> Result<Committed, CommandError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self
                .open_inner(draw(), procedure, person, new_person, ctx)
                .await
            {
                Err(CommandError::Store(StoreError::Duplicate(what)))
                    if attempt < ATTEMPTS && what.starts_with("case ") => {}
                other => return other,
            }
        }
    }

    async fn open_inner(
        &self,
        reference: CaseReference,
        procedure: &HostedProcedure,
        person: PersonId,
        new_person: Option<&Person>,
        ctx: Context,
    ) -> Result<Committed, CommandError> {
        let decision = Case::open(reference, procedure, person, ctx)?;
        let case = Case::replay(&decision.events).map_err(corrupt)?;
        // Opening notifies nobody (the receipt comes with the submission), so a person not yet
        // stored is never looked up here.
        let plan = self.plan(&case, &decision, ctx).await?;
        self.commit(0, &case, (new_person, None), &decision, &plan, ctx)
            .await?;
        Ok(Committed {
            case,
            decision,
            plan,
        })
    }

    /// Runs `command` on the case `reference`: load, decide, plan, commit in one transaction.
    /// When another writer appended first, the command is decided again on the newer case (a
    /// few times); a command the domain refuses writes nothing.
    pub async fn execute(
        &self,
        reference: &CaseReference,
        command: Command,
        ctx: Context,
    ) -> Result<Committed, CommandError> {
        self.execute_with(reference, command, ctx, None).await
    }

    /// [`Self::execute`] for a command that records a change of the case's person (their
    /// contact preferences): `person` is stored in the same transaction as the events, or not
    /// at all.
    pub async fn execute_changing_person(
        &self,
        reference: &CaseReference,
        person: &Person,
        command: Command,
        ctx: Context,
    ) -> Result<Committed, CommandError> {
        self.execute_with(reference, command, ctx, Some(person))
            .await
    }

    async fn execute_with(
        &self,
        reference: &CaseReference,
        command: Command,
        ctx: Context,
        changed_person: Option<&Person>,
    ) -> Result<Committed, CommandError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (base, case, decision, plan) = self.decide(reference, command.clone(), ctx).await?;
            if let Some(person) = changed_person
                && person.id != case.person
            {
                return Err(CommandError::Case(CaseError::Invalid(
                    "Ce dossier n’est pas celui de cette personne.".to_owned(),
                )));
            }
            match self
                .commit(base, &case, (None, changed_person), &decision, &plan, ctx)
                .await
            {
                Ok(()) => {
                    return Ok(Committed {
                        case,
                        decision,
                        plan,
                    });
                }
                Err(StoreError::Conflict { .. }) if attempt < ATTEMPTS => {
                    tracing::debug!(case = %reference, attempt, "conflict, deciding again");
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// [`Self::execute`] for a caller that has just read the case (`read`): the command is
    /// decided on it without reading the journal again. When the case moved on meanwhile, the
    /// write is refused by its version and the command runs as [`Self::execute`] does, on the
    /// case as it now is — the same outcome, one read fewer in the common case.
    pub async fn execute_read(
        &self,
        read: &Case,
        command: Command,
        ctx: Context,
    ) -> Result<Committed, CommandError> {
        let (base, case, decision, plan) =
            self.decide_on(read.clone(), command.clone(), ctx).await?;
        match self
            .commit(base, &case, (None, None), &decision, &plan, ctx)
            .await
        {
            Ok(()) => Ok(Committed {
                case,
                decision,
                plan,
            }),
            Err(StoreError::Conflict { .. }) => self.execute(&read.reference, command, ctx).await,
            Err(e) => Err(e.into()),
        }
    }

    /// Runs `command` only if the case is still at version `seen` (the one the agent looked at
    /// when preparing it). When someone else changed the case meanwhile — the person online
    /// while an agent edits at the counter, two officers deciding at once — nothing is written
    /// and [`CommandError::Stale`] lists the events appended since, never a silent overwrite.
    pub async fn execute_seen(
        &self,
        reference: &CaseReference,
        seen: u64,
        command: Command,
        ctx: Context,
    ) -> Result<Committed, CommandError> {
        let (base, case, decision, plan) = match self.decide(reference, command, ctx).await {
            Ok(decided) => decided,
            // Refused on a case that moved on: say what changed rather than why it is refused.
            Err(CommandError::Case(e)) => {
                let now_at = self.store.load_case(reference).await?.version;
                return Err(if now_at == seen {
                    CommandError::Case(e)
                } else {
                    self.stale(reference, seen).await
                });
            }
            Err(e) => return Err(e),
        };
        if base != seen {
            return Err(self.stale(reference, seen).await);
        }
        match self
            .commit(base, &case, (None, None), &decision, &plan, ctx)
            .await
        {
            Ok(()) => Ok(Committed {
                case,
                decision,
                plan,
            }),
            Err(StoreError::Conflict { .. }) => Err(self.stale(reference, seen).await),
            Err(e) => Err(e.into()),
        }
    }

    async fn stale(&self, reference: &CaseReference, seen: u64) -> CommandError {
        match self.store.journal(reference).await {
            Ok(journal) => CommandError::Stale {
                seen,
                since: journal.into_iter().filter(|e| e.seq > seen).collect(),
            },
            Err(e) => e.into(),
        }
    }

    /// What `command` would do to the case, and the messages it would send, without writing
    /// anything: for an officer to read the letter before confirming a decision.
    pub async fn preview(
        &self,
        reference: &CaseReference,
        command: Command,
        ctx: Context,
    ) -> Result<Committed, CommandError> {
        let (_, case, decision, plan) = self.decide(reference, command, ctx).await?;
        Ok(Committed {
            case,
            decision,
            plan,
        })
    }

    /// The published definition a case follows (its own version, even when a newer one was
    /// published since), or `None` for a procedure published without one.
    pub async fn definition(
        &self,
        procedure: &guichet_domain::ProcedureRef,
    ) -> Result<
        Option<std::sync::Arc<guichet_catalogue::definition::ProcedureDefinition>>,
        StoreError,
    > {
        self.definitions.get(&self.store, procedure).await
    }

    /// The letter `notice` gives for the case `reference` now, without writing anything: a
    /// receipt or a summary to download or print on demand. An error in French when it cannot
    /// be produced (no postal address, for instance).
    pub async fn letter(
        &self,
        reference: &CaseReference,
        notice: &guichet_domain::Notice,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Result<guichet_letters::Letter, guichet_notify::NotifyError>, StoreError> {
        let case = self.store.load_case(reference).await?;
        let journal = self.store.journal(reference).await?;
        let recipient = recipient(&self.store, case.person).await?;
        let facts = case_facts(&self.store, &self.definitions, &case, &journal).await?;
        let templates = self.templates().await?;
        Ok(guichet_notify::plan::notice_letter(
            &case, &journal, &recipient, &facts, notice, &templates, now,
        ))
    }

    /// Loads the case, lets the domain decide, applies the events once and plans the messages.
    /// Returns the version decided on with the rest.
    async fn decide(
        &self,
        reference: &CaseReference,
        command: Command,
        ctx: Context,
    ) -> Result<(u64, Case, Decision, Plan), CommandError> {
        let before = self.store.load_case(reference).await?;
        self.decide_on(before, command, ctx).await
    }

    /// What `command` does to the case as `before` shows it.
    async fn decide_on(
        &self,
        before: Case,
        command: Command,
        ctx: Context,
    ) -> Result<(u64, Case, Decision, Plan), CommandError> {
        let decision = before.decide(command, ctx)?;
        let mut case = before.clone();
        for event in &decision.events {
            case = case.apply(event).map_err(corrupt)?;
        }
        let plan = self.plan(&case, &decision, ctx).await?;
        Ok((before.version, case, decision, plan))
    }

    async fn plan(
        &self,
        case: &Case,
        decision: &Decision,
        ctx: Context,
    ) -> Result<Plan, StoreError> {
        if !decision
            .actions
            .iter()
            .any(|a| matches!(a, Action::Notify { .. }))
        {
            return Ok(Plan::default());
        }
        let recipient = recipient(&self.store, case.person).await?;
        let facts = case_facts(&self.store, &self.definitions, case, &decision.events).await?;
        let templates = self.templates().await?;
        Ok(guichet_notify::plan::plan_intents(
            case,
            &decision.events,
            &recipient,
            &facts,
            &decision.actions,
            &templates,
            ctx.now,
        ))
    }

    /// The templates in use: stored versions over the shipped ones, read at each notifying
    /// command so that an edited template applies from the next message on, on every server.
    async fn templates(&self) -> Result<Templates, StoreError> {
        let rows = self.store.list_templates(false).await?;
        let (templates, skipped) =
            Templates::with_stored(rows.iter().map(|r| r.source.as_str()))
                .map_err(|e| StoreError::Corrupt(format!("shipped templates: {e}")))?;
        for e in skipped {
            tracing::warn!(error = %e, "stored template unusable, shipped one kept");
        }
        Ok(templates)
    }

    /// `people`: a person registered with the case, a known person changed with it.
    async fn commit(
        &self,
        base_version: u64,
        case: &Case,
        (new_person, changed_person): (Option<&Person>, Option<&Person>),
        decision: &Decision,
        plan: &Plan,
        ctx: Context,
    ) -> Result<(), StoreError> {
        let (intents, alerts) = outbox_rows(case, plan);
        self.store
            .commit_case_change(&CaseChange {
                base_version,
                case,
                new_person,
                changed_person,
                events: &decision.events,
                intents: &intents,
                alerts: &alerts,
                at: ctx.now,
            })
            .await
    }
}

/// The plan as outbox rows. A payload that cannot be serialised (never seen) becomes an alert
/// rather than blocking the case.
fn outbox_rows(case: &Case, plan: &Plan) -> (Vec<NewIntent>, Vec<NewAlert>) {
    let reference = Some(case.reference.to_string());
    let person = Some(case.person.to_string());
    let alert = |kind, message| NewAlert {
        kind,
        person_id: person.clone(),
        case_reference: reference.clone(),
        message,
    };
    let mut alerts: Vec<NewAlert> = plan
        .alerts
        .iter()
        .map(|a| alert(a.kind, a.message.clone()))
        .collect();
    let mut intents = Vec::with_capacity(plan.intents.len());
    for i in &plan.intents {
        match i.payload.to_json() {
            Ok(payload) => intents.push(NewIntent {
                idempotency_key: i.idempotency_key.clone(),
                case_reference: reference.clone(),
                person_id: person.clone(),
                channel: i.channel,
                kind: i.kind,
                payload,
                postcode: i.postcode.clone(),
                postage: i.postage.map(|p| p.as_str().to_owned()),
            }),
            Err(e) => alerts.push(alert(
                AlertKind::NotificationUnprepared,
                format!(
                    "{} ({}, dossier {}) n’a pas pu être préparé : {e}",
                    i.channel.label_fr(),
                    i.kind.label_fr(),
                    case.reference
                ),
            )),
        }
    }
    (intents, alerts)
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}
