//! The case service: the one way to open a case or change one.
//!
//! Every page, command-line tool, sweep and demo that changes a case calls [`CaseService`]. For
//! each command it loads the case (replaying its journal), lets the domain decide
//! (`Case::decide`, pure), plans the notifications the decision causes (`Person::reach` for the
//! channels, `guichet_notify::plan` for the messages, pure), and stores events, outbox intents
//! and agent alerts in one transaction (`Store::commit_case_change`). When another writer got
//! there first, the command is decided again on the newer case, a few times. A refused command
//! writes nothing. No other crate calls the store's write primitive for cases (a tidy test
//! checks it), so no case change can be stored without its notifications.

mod facts;
mod service;

pub use facts::Definitions;
pub use service::{CaseService, CommandError, Committed};
