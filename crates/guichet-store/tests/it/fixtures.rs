//! Shared test data: an operator, a procedure, people and contexts.

use chrono::{DateTime, Duration, TimeZone, Utc};
use guichet_domain::*;
use guichet_store::Store;

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
