//! Shared test data: an operator, a procedure, people and contexts.

use chrono::{DateTime, Duration, TimeZone, Utc};
use guichet_domain::*;
use guichet_store::outbox::NewIntent;
use guichet_store::{CaseChange, Store, StoreError};

pub fn t(day: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).unwrap() + Duration::days(day)
}

pub fn ctx(actor: Actor, channel: Channel, day: i64) -> Context {
    Context {
        actor,
        channel,
        now: t(day),
    }
}

pub fn officer() -> Actor {
    Actor::Agent {
        id: AgentId::from_uuid(uuid::Uuid::from_u128(20)),
        role: AgentRole::CaseOfficer,
    }
}

pub fn front_desk() -> Actor {
    Actor::Agent {
        id: AgentId::from_uuid(uuid::Uuid::from_u128(21)),
        role: AgentRole::FrontDesk,
    }
}

pub fn operator() -> Operator {
    Operator {
        id: OperatorId::parse("ccas-villeneuve").unwrap(),
        name: "CCAS de Villeneuve".into(),
        kind: OperatorKind::Ccas,
    }
}

pub fn procedure(version: u32, title: &str) -> HostedProcedure {
    HostedProcedure::try_from(HostedProcedureFields {
        id: ProcedureId::parse("aide-urgence").unwrap(),
        version,
        title: title.into(),
        summary: "Une aide ponctuelle.".into(),
        operator: operator().id,
        channels: [
            ProcedureChannel::Web,
            ProcedureChannel::Counter,
            ProcedureChannel::Post,
        ]
        .into_iter()
        .map(|c| {
            (
                c,
                ChannelAccess {
                    how: "Comme indiqué.".into(),
                },
            )
        })
        .collect(),
        deadline: Some(LegalDeadline {
            duration: DeadlineDuration::Months(2),
            silence: Silence::Rejet,
        }),
        decides_rights: true,
    })
    .unwrap()
}

/// A person with no email, no phone and no computer: a name and an address.
pub fn offline_person(n: u128) -> Person {
    Person {
        id: PersonId::from_uuid(uuid::Uuid::from_u128(1000 + n)),
        name: PersonName::parse("Marcel", &format!("Dupont{n}")).unwrap(),
        birth_date: chrono::NaiveDate::from_ymd_opt(1941, 5, 17),
        address: Some(PostalAddress::parse(&["12 rue de la Poste"], "26000", "Valence").unwrap()),
        email: None,
        phone: None,
        preferences: ContactPreferences::new(
            [ContactChannel::Post, ContactChannel::Counter],
            true,
            AccessibleFormats {
                large_print: true,
                easy_read: false,
            },
        ),
    }
}

/// Reference data every case test needs.
pub async fn seed(store: &Store) -> (HostedProcedure, Person) {
    store.save_operator(&operator()).await.unwrap();
    let p = procedure(1, "Aide sociale d’urgence");
    store.publish_procedure(&p, t(-10)).await.unwrap();
    let person = offline_person(1);
    store.insert_person(&person, t(-1)).await.unwrap();
    (p, person)
}

/// Opens case `n` for `person` at the counter on day 0; its reference and the case.
pub async fn open_at_counter(
    store: &Store,
    procedure: &HostedProcedure,
    person: &Person,
    n: u64,
) -> (CaseReference, Case) {
    let reference = CaseReference::from_random(n);
    let (case, _) = store
        .open_case(
            reference.clone(),
            procedure,
            person.id,
            ctx(front_desk(), Channel::Counter, 0),
        )
        .await
        .unwrap();
    (reference, case)
}

/// Why a command did not go through, in these tests.
#[derive(Debug)]
pub enum CommandError {
    Case(CaseError),
    Store(StoreError),
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CommandError::Case(e) => e.fmt(f),
            CommandError::Store(e) => e.fmt(f),
        }
    }
}

impl From<CaseError> for CommandError {
    fn from(e: CaseError) -> Self {
        CommandError::Case(e)
    }
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        CommandError::Store(e)
    }
}

/// Load → decide → commit, without notifications: enough to test the journal, concurrency and
/// the append-only rule here. Production goes through `guichet-cases`, which also plans and
/// writes the notifications (and is tested there).
#[allow(async_fn_in_trait)]
pub trait EventsOnly {
    async fn open_case(
        &self,
        reference: CaseReference,
        procedure: &HostedProcedure,
        person: PersonId,
        ctx: Context,
    ) -> Result<(Case, Decision), CommandError>;

    async fn execute(
        &self,
        reference: &CaseReference,
        command: Command,
        ctx: Context,
    ) -> Result<(Case, Decision), CommandError>;

    /// Appends events decided on `case`, with intents, at the case's time.
    async fn append_events_with_intents(
        &self,
        case: &Case,
        events: &[Event],
        intents: &[NewIntent],
        at: DateTime<Utc>,
    ) -> Result<Case, StoreError>;

    async fn append_events(&self, case: &Case, events: &[Event]) -> Result<Case, StoreError> {
        self.append_events_with_intents(case, events, &[], case.updated_at)
            .await
    }
}

impl EventsOnly for Store {
    async fn open_case(
        &self,
        reference: CaseReference,
        procedure: &HostedProcedure,
        person: PersonId,
        ctx: Context,
    ) -> Result<(Case, Decision), CommandError> {
        let decision = Case::open(reference, procedure, person, ctx)?;
        let case = Case::replay(&decision.events).expect("a fresh journal replays");
        self.commit_case_change(&CaseChange {
            base_version: 0,
            case: &case,
            new_person: None,
            changed_person: None,
            events: &decision.events,
            intents: &[],
            alerts: &[],
            at: ctx.now,
        })
        .await?;
        Ok((case, decision))
    }

    async fn execute(
        &self,
        reference: &CaseReference,
        command: Command,
        ctx: Context,
    ) -> Result<(Case, Decision), CommandError> {
        let case = self.load_case(reference).await?;
        let decision = case.decide(command, ctx)?;
        let next = self
            .append_events_with_intents(&case, &decision.events, &[], ctx.now)
            .await?;
        Ok((next, decision))
    }

    async fn append_events_with_intents(
        &self,
        case: &Case,
        events: &[Event],
        intents: &[NewIntent],
        at: DateTime<Utc>,
    ) -> Result<Case, StoreError> {
        let mut next = case.clone();
        for e in events {
            next = next.apply(e).expect("decided events apply");
        }
        self.commit_case_change(&CaseChange {
            base_version: case.version,
            case: &next,
            new_person: None,
            changed_person: None,
            events,
            intents,
            alerts: &[],
            at,
        })
        .await?;
        Ok(next)
    }
}
