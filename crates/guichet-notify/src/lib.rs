//! Notifications for Guichet, the pure part: what a message says and what it carries.
//!
//! Which channels may carry a notice to a person is the domain's rule (`Person::reach`). This
//! crate plans, for a case change, the messages on those channels ([`plan`]: stored templates
//! over shipped ones, rendered into letters, emails and SMS), and holds the template language
//! ([`template`]), the payload stored with each outbox intent ([`payload`]), the HTML of emails
//! ([`email_body`]) and the GSM-7 length of SMS ([`sms_text`]). It does no I/O: the case service
//! (`guichet-cases`) writes the plan with the case's events; `guichet-delivery` sends it.

pub mod account;
pub mod email_body;
pub mod error;
pub mod operator_name;
pub mod payload;
pub mod plan;
pub mod sms_text;
pub mod template;

pub use error::NotifyError;
pub use operator_name::OperatorName;
pub use plan::{
    CaseFacts, DecisionSigner, Office, Plan, PlannedAlert, PlannedIntent, Recipient, Templates,
};
