//! Cases (dossiers): one request by one person under one procedure, whatever the channel.
//!
//! A case is the fold of its journal: [`Case::replay`] rebuilds it from events, and nothing
//! else changes it. Commands go through [`Case::decide`], a pure function that checks the state
//! machine and the actor, and returns the events to append and the actions to run; the store
//! appends the events (optimistically versioned), the shell runs the actions.
//!
//! States: draft → submitted → under examination ⇄ waiting for documents → decided (granted,
//! refused, revised) or withdrawn. A decided or withdrawn case changes again only through an
//! explicit reopening.

mod deadline;
mod decide;
mod event;

pub use deadline::DeadlineStatus;
pub use decide::{Action, Command, Context, Decision, Notice};
pub use event::{Document, Event, EventKind};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::AgentId;
use crate::person::PersonId;
use crate::procedure::{LegalDeadline, ProcedureRef};
use crate::reference::CaseReference;

/// The outcome of a decision on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Granted,
    Refused,
    /// The right was revised (changed in amount or scope).
    Revised,
    /// A right granted earlier was withdrawn (retrait ou suppression d’un droit).
    Revoked,
}

impl Outcome {
    pub fn label_fr(self) -> &'static str {
        match self {
            Outcome::Granted => "accordée",
            Outcome::Refused => "refusée",
            Outcome::Revised => "révisée",
            Outcome::Revoked => "retirée",
        }
    }

    /// Stable code for forms and the API.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Granted => "granted",
            Outcome::Refused => "refused",
            Outcome::Revised => "revised",
            Outcome::Revoked => "revoked",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            Outcome::Granted,
            Outcome::Refused,
            Outcome::Revised,
            Outcome::Revoked,
        ]
        .into_iter()
        .find(|o| o.code() == code)
    }

    /// A decision that takes away or limits what the person asked for or had: it must say how
    /// to contest it (voies et délais de recours).
    pub fn is_adverse(self) -> bool {
        !matches!(self, Outcome::Granted)
    }

    /// An ongoing right exists after this outcome, so it can later be revised or withdrawn.
    pub fn leaves_a_right(self) -> bool {
        matches!(self, Outcome::Granted | Outcome::Revised)
    }
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "state", content = "outcome", rename_all = "snake_case")]
pub enum CaseState {
    Draft,
    Submitted,
    UnderExamination,
    WaitingForDocuments,
    Decided(Outcome),
    Withdrawn,
}

impl CaseState {
    /// Stable code for the database and the API.
    pub fn code(self) -> &'static str {
        match self {
            CaseState::Draft => "draft",
            CaseState::Submitted => "submitted",
            CaseState::UnderExamination => "under_examination",
            CaseState::WaitingForDocuments => "waiting_for_documents",
            CaseState::Decided(Outcome::Granted) => "granted",
            CaseState::Decided(Outcome::Refused) => "refused",
            CaseState::Decided(Outcome::Revised) => "revised",
            CaseState::Decided(Outcome::Revoked) => "revoked",
            CaseState::Withdrawn => "withdrawn",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "draft" => CaseState::Draft,
            "submitted" => CaseState::Submitted,
            "under_examination" => CaseState::UnderExamination,
            "waiting_for_documents" => CaseState::WaitingForDocuments,
            "granted" => CaseState::Decided(Outcome::Granted),
            "refused" => CaseState::Decided(Outcome::Refused),
            "revised" => CaseState::Decided(Outcome::Revised),
            "revoked" => CaseState::Decided(Outcome::Revoked),
            "withdrawn" => CaseState::Withdrawn,
            _ => return None,
        })
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            CaseState::Draft => "Brouillon",
            CaseState::Submitted => "Déposé",
            CaseState::UnderExamination => "En cours d’instruction",
            CaseState::WaitingForDocuments => "En attente de pièces",
            CaseState::Decided(Outcome::Granted) => "Accordé",
            CaseState::Decided(Outcome::Refused) => "Refusé",
            CaseState::Decided(Outcome::Revised) => "Révisé",
            CaseState::Decided(Outcome::Revoked) => "Droit retiré",
            CaseState::Withdrawn => "Abandonné à la demande de l’usager",
        }
    }

    /// A closed case changes only through an explicit reopening.
    pub fn is_closed(self) -> bool {
        matches!(self, CaseState::Decided(_) | CaseState::Withdrawn)
    }

    /// The transition table of the state machine; [`Case::decide`] never produces an event
    /// that moves a case along an edge not listed here (checked by property tests).
    pub fn can_move_to(self, to: CaseState) -> bool {
        use CaseState::*;
        match (self, to) {
            (Draft, Submitted) => true,
            (Submitted, UnderExamination) => true,
            (UnderExamination, WaitingForDocuments) => true,
            (WaitingForDocuments, UnderExamination) => true,
            // An implicit decision (silence) can fall on a submitted case nobody examined.
            (Submitted | UnderExamination, Decided(_)) => true,
            // An ongoing right is revised or withdrawn by a new decision.
            (
                Decided(Outcome::Granted | Outcome::Revised),
                Decided(Outcome::Revised | Outcome::Revoked),
            ) => true,
            (Draft | Submitted | UnderExamination | WaitingForDocuments, Withdrawn) => true,
            (Decided(_) | Withdrawn, UnderExamination) => true,
            _ => false,
        }
    }
}

/// Errors from commands on a case. Each variant is a different answer to the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("cannot {command} a case in state {from:?}")]
    IllegalTransition {
        from: CaseState,
        command: &'static str,
    },
    #[error("this actor may not {command}")]
    NotAllowed { command: &'static str },
    #[error("the procedure is not offered on channel {0:?}")]
    ChannelNotOffered(crate::channel::Channel),
    #[error("the legal deadline has not passed yet")]
    DeadlineNotPassed,
    #[error("invalid input: {0}")]
    Invalid(String),
}

impl CaseError {
    /// What the person or agent sees.
    pub fn message_fr(&self) -> String {
        match self {
            CaseError::IllegalTransition { from, .. } => format!(
                "Cette action n’est pas possible pour un dossier dans l’état « {} ».",
                from.label_fr()
            ),
            CaseError::NotAllowed { .. } => {
                "Vous n’avez pas le droit de faire cette action sur ce dossier.".to_owned()
            }
            CaseError::ChannelNotOffered(c) => format!(
                "Cette démarche ne se fait pas {}. Les autres canaux restent possibles.",
                c.label_fr()
            ),
            CaseError::DeadlineNotPassed => {
                "Le délai légal de réponse n’est pas encore écoulé.".to_owned()
            }
            CaseError::Invalid(m) => m.clone(),
        }
    }
}

/// A case, as rebuilt from its journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub reference: CaseReference,
    pub procedure: ProcedureRef,
    pub person: PersonId,
    pub state: CaseState,
    /// Number of events in the journal; the store uses it for optimistic concurrency.
    pub version: u64,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deadline_rule: Option<LegalDeadline>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// Total time spent waiting for documents since submission (the deadline is paused).
    pub paused: Duration,
    pub paused_since: Option<DateTime<Utc>>,
    pub form: std::collections::BTreeMap<String, String>,
    pub documents: Vec<Document>,
    pub requested_documents: Vec<String>,
    /// The date by which the person is asked to send the requested documents.
    pub reply_by: Option<DateTime<Utc>>,
    /// The case officer the case is assigned to.
    pub assigned_to: Option<AgentId>,
    pub decision: Option<DecisionRecord>,
}

/// The last decision taken on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRecord {
    pub outcome: Outcome,
    pub motivation: String,
    pub implicit: bool,
    pub at: DateTime<Utc>,
}

/// Why a journal cannot be replayed: it does not start with an opening, or an event does not
/// follow the state machine. Seen only on corrupt data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("corrupt journal at event {seq}: {reason}")]
pub struct ReplayError {
    pub seq: u64,
    pub reason: &'static str,
}

impl Case {
    /// Rebuilds a case from its whole journal, in order.
    pub fn replay(events: &[Event]) -> Result<Case, ReplayError> {
        let (first, rest) = events.split_first().ok_or(ReplayError {
            seq: 0,
            reason: "empty journal",
        })?;
        let mut case = Case::from_opening(first)?;
        for event in rest {
            case = case.apply(event)?;
        }
        Ok(case)
    }

    fn from_opening(event: &Event) -> Result<Case, ReplayError> {
        match &event.kind {
            EventKind::Opened {
                reference,
                procedure,
                person,
                deadline,
            } if event.seq == 1 => Ok(Case {
                reference: reference.clone(),
                procedure: procedure.clone(),
                person: *person,
                state: CaseState::Draft,
                version: 1,
                opened_at: event.at,
                updated_at: event.at,
                deadline_rule: *deadline,
                submitted_at: None,
                paused: Duration::zero(),
                paused_since: None,
                form: Default::default(),
                documents: Vec::new(),
                requested_documents: Vec::new(),
                reply_by: None,
                assigned_to: None,
                decision: None,
            }),
            _ => Err(ReplayError {
                seq: event.seq,
                reason: "the first event must open the case",
            }),
        }
    }

    /// Applies one event, returning the next case. Events that break the state machine are
    /// refused, so a replayed case is always a legal one.
    pub fn apply(&self, event: &Event) -> Result<Case, ReplayError> {
        let bad = |reason| ReplayError {
            seq: event.seq,
            reason,
        };
        if event.seq != self.version + 1 {
            return Err(bad("events out of sequence"));
        }
        let mut next = self.clone();
        next.version = event.seq;
        next.updated_at = event.at;
        let target = match &event.kind {
            EventKind::Opened { .. } => return Err(bad("a case is opened only once")),
            EventKind::FormUpdated { fields } => {
                if self.state.is_closed() {
                    return Err(bad("form updated on a closed case"));
                }
                next.form.extend(fields.clone());
                None
            }
            EventKind::DocumentAttached { document } => {
                if self.state.is_closed() {
                    return Err(bad("document attached to a closed case"));
                }
                next.documents.push(document.clone());
                None
            }
            EventKind::NoteAdded { .. }
            | EventKind::ContactChanged { .. }
            | EventKind::MessageSent { .. }
            | EventKind::MessageReceived { .. } => None,
            EventKind::Assigned { agent } => {
                next.assigned_to = *agent;
                None
            }
            EventKind::Submitted { received_at } => {
                // A request received by post is submitted on the day it was received.
                next.submitted_at = Some(received_at.unwrap_or(event.at));
                Some(CaseState::Submitted)
            }
            EventKind::ExaminationStarted => Some(CaseState::UnderExamination),
            EventKind::DocumentsRequested {
                documents,
                reply_by,
                ..
            } => {
                next.requested_documents = documents.clone();
                next.reply_by = *reply_by;
                next.paused_since = Some(event.at);
                Some(CaseState::WaitingForDocuments)
            }
            EventKind::ExaminationResumed => {
                if let Some(since) = next.paused_since.take() {
                    next.paused += event.at - since;
                }
                next.requested_documents.clear();
                next.reply_by = None;
                Some(CaseState::UnderExamination)
            }
            EventKind::Decided {
                outcome,
                motivation,
                implicit,
            } => {
                next.decision = Some(DecisionRecord {
                    outcome: *outcome,
                    motivation: motivation.clone(),
                    implicit: *implicit,
                    at: event.at,
                });
                Some(CaseState::Decided(*outcome))
            }
            EventKind::Withdrawn { .. } => {
                if let Some(since) = next.paused_since.take() {
                    next.paused += event.at - since;
                }
                next.reply_by = None;
                Some(CaseState::Withdrawn)
            }
            EventKind::Reopened { .. } => {
                // A reopened case gets a fresh legal deadline from the reopening.
                next.submitted_at = Some(event.at);
                next.paused = Duration::zero();
                next.paused_since = None;
                Some(CaseState::UnderExamination)
            }
        };
        if let Some(to) = target {
            if !self.state.can_move_to(to) {
                return Err(bad("transition not allowed by the state machine"));
            }
            next.state = to;
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests;
