//! Guichet's domain: the people who use public services, the operators in charge, the procedures
//! hosted here and the cases (dossiers) that follow one request across every channel.
//!
//! This crate performs no I/O: no clock, no randomness, no database, no network. Time and
//! identifiers come in as arguments; decisions come out as values (new events to append and
//! actions to run) that the store and the server persist and execute.

pub mod access;
pub mod actor;
pub mod case;
pub mod channel;
pub mod clock;
pub mod notification;
pub mod operator;
pub mod person;
pub mod procedure;
pub mod reference;

pub use access::{Refusal, Resource, Staff, StaffRole};
pub use actor::{Actor, AgentId, AgentRole, HelperId, MandateId};
pub use case::{
    Action, Case, CaseError, CaseState, Command, Context, DeadlineStatus, Decision, Document,
    Event, EventKind, Notice, Outcome,
};
pub use channel::{Channel, ContactChannel, ProcedureChannel};
pub use clock::{Clock, ManualClock};
pub use notification::{AlertKind, Delivery, NotificationKind, Reach};
pub use operator::{Operator, OperatorId, OperatorKind};
pub use person::{
    ADDRESS_LINE_CHARS, AccessibleFormats, ContactPreferences, Email, Person, PersonId, PersonName,
    PhoneNumber, PostalAddress, Postcode, fold_name,
};
pub use procedure::{
    ChannelAccess, DeadlineDuration, HostedProcedure, HostedProcedureFields, LegalDeadline,
    ProcedureId, ProcedureRef, Silence,
};
pub use reference::CaseReference;

/// An error met while turning raw input (a form field, an API value, a database column) into a
/// domain value. The message is written in French because it is shown to the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InvalidValue {
    /// Which kind of value was being read, in English, for logs (`"postcode"`, `"email"`).
    pub what: &'static str,
    /// What the person sees.
    pub message: String,
}

impl InvalidValue {
    pub(crate) fn new(what: &'static str, message: impl Into<String>) -> Self {
        Self {
            what,
            message: message.into(),
        }
    }
}
