//! The channels through which people and the administration reach each other.
//!
//! Three enums, because the sets differ: a procedure is *done* on the web, by phone, at a counter
//! or by post; a person is *contacted* by post, phone, at a counter, by email or SMS; and a journal
//! event *happened* on any of these or inside the system itself.

use serde::{Deserialize, Serialize};

/// Where a journal event happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Web,
    Phone,
    Counter,
    Post,
    Email,
    Sms,
    /// Done by Guichet itself (an implicit decision when a deadline passes, a sweep).
    System,
}

/// A channel through which a procedure can be done. Every procedure must offer at least one that
/// is not the web (see [`crate::HostedProcedure`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcedureChannel {
    Web,
    Phone,
    Counter,
    Post,
}

/// A channel through which a person accepts to be contacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactChannel {
    Post,
    Phone,
    Counter,
    Email,
    Sms,
}

impl Channel {
    pub const ALL: [Channel; 7] = [
        Channel::Web,
        Channel::Phone,
        Channel::Counter,
        Channel::Post,
        Channel::Email,
        Channel::Sms,
        Channel::System,
    ];

    /// Stable code used in the database and the API.
    pub fn code(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Phone => "phone",
            Channel::Counter => "counter",
            Channel::Post => "post",
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::System => "system",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The French label shown in journals.
    pub fn label_fr(self) -> &'static str {
        match self {
            Channel::Web => "en ligne",
            Channel::Phone => "par téléphone",
            Channel::Counter => "au guichet",
            Channel::Post => "par courrier",
            Channel::Email => "par courriel",
            Channel::Sms => "par SMS",
            Channel::System => "automatiquement",
        }
    }

    /// The procedure channel this event channel corresponds to, if any.
    pub fn as_procedure_channel(self) -> Option<ProcedureChannel> {
        match self {
            Channel::Web => Some(ProcedureChannel::Web),
            Channel::Phone => Some(ProcedureChannel::Phone),
            Channel::Counter => Some(ProcedureChannel::Counter),
            Channel::Post => Some(ProcedureChannel::Post),
            Channel::Email | Channel::Sms | Channel::System => None,
        }
    }
}

impl ProcedureChannel {
    pub const ALL: [ProcedureChannel; 4] = [
        ProcedureChannel::Web,
        ProcedureChannel::Phone,
        ProcedureChannel::Counter,
        ProcedureChannel::Post,
    ];

    pub fn label_fr(self) -> &'static str {
        match self {
            ProcedureChannel::Web => "En ligne",
            ProcedureChannel::Phone => "Par téléphone",
            ProcedureChannel::Counter => "Au guichet",
            ProcedureChannel::Post => "Par courrier",
        }
    }

    pub fn is_digital(self) -> bool {
        matches!(self, ProcedureChannel::Web)
    }
}

impl ContactChannel {
    pub const ALL: [ContactChannel; 5] = [
        ContactChannel::Post,
        ContactChannel::Phone,
        ContactChannel::Counter,
        ContactChannel::Email,
        ContactChannel::Sms,
    ];

    /// Email and SMS are the digital contact channels a person may refuse.
    pub fn is_digital(self) -> bool {
        matches!(self, ContactChannel::Email | ContactChannel::Sms)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            ContactChannel::Post => "courrier postal",
            ContactChannel::Phone => "téléphone",
            ContactChannel::Counter => "au guichet",
            ContactChannel::Email => "courriel",
            ContactChannel::Sms => "SMS",
        }
    }
}
