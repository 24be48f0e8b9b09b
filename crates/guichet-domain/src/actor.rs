//! Who did something to a case: the person, an agent, a helper under a mandate, or the system.
//!
//! A helper can only appear in the journal together with the mandate under which they acted, so
//! the journal always answers "by what authority?". Whether that mandate is valid is checked
//! in one place, by the mandates module, before a command reaches the case.

use serde::{Deserialize, Serialize};

use crate::person::PersonId;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(uuid::Uuid);

        impl $name {
            pub fn from_uuid(id: uuid::Uuid) -> Self {
                Self(id)
            }
            pub fn as_uuid(&self) -> uuid::Uuid {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s).map(Self)
            }
        }
    };
}
pub(crate) use uuid_id;

uuid_id!(
    /// An agent of the instance: front-desk agent, case officer or administrator.
    AgentId
);
uuid_id!(
    /// An accredited helper (aidant·e habilité·e).
    HelperId
);
uuid_id!(
    /// A recorded, limited, revocable mandate given by a person to a helper.
    MandateId
);

/// What an agent is allowed to do with cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentRole {
    /// Receives people at the counter or on the phone, opens or continues cases for them.
    FrontDesk,
    /// Examines cases, asks for documents, decides.
    CaseOfficer,
}

/// The author of a journal event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    Person { id: PersonId },
    Agent { id: AgentId, role: AgentRole },
    Helper { id: HelperId, mandate: MandateId },
    System,
}

impl Actor {
    /// Stable code of the actor's kind, stored in its own database column.
    pub fn kind_code(&self) -> &'static str {
        match self {
            Actor::Person { .. } => "person",
            Actor::Agent { .. } => "agent",
            Actor::Helper { .. } => "helper",
            Actor::System => "system",
        }
    }

    /// French description for journals shown to people.
    pub fn label_fr(&self) -> &'static str {
        match self {
            Actor::Person { .. } => "vous-même",
            Actor::Agent {
                role: AgentRole::FrontDesk,
                ..
            } => "un agent d’accueil",
            Actor::Agent {
                role: AgentRole::CaseOfficer,
                ..
            } => "un instructeur",
            Actor::Helper { .. } => "votre aidant (sous mandat)",
            Actor::System => "le service, automatiquement",
        }
    }
}
