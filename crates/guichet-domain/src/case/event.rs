//! Journal events: everything that happens to a case, with its channel, author and time.
//!
//! Events are facts: once appended they never change (the database refuses updates and deletes
//! of the journal too). Their payloads serialise to JSON with a stable `kind` tag.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Outcome;
use crate::actor::{Actor, AgentId};
use crate::channel::Channel;
use crate::person::PersonId;
use crate::procedure::{LegalDeadline, ProcedureRef};
use crate::reference::CaseReference;

/// A document attached to a case: uploaded, or scanned from paper at the counter or on receipt
/// of post. The bytes live in the document store; the journal keeps their fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub name: String,
    pub media_type: String,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    pub size: u64,
    /// True when the document arrived on paper and was scanned.
    pub scanned_from_paper: bool,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    Opened {
        reference: CaseReference,
        procedure: ProcedureRef,
        person: PersonId,
        /// Copied from the procedure version, so the case never depends on later versions.
        deadline: Option<LegalDeadline>,
    },
    FormUpdated {
        fields: BTreeMap<String, String>,
    },
    DocumentAttached {
        document: Document,
    },
    NoteAdded {
        text: String,
    },
    /// The person's contact details or preferences changed (online, or told to an agent):
    /// `summary` says what they are now, in plain French.
    ContactChanged {
        summary: String,
    },
    /// The case was assigned to a case officer (`None`: unassigned).
    Assigned {
        agent: Option<AgentId>,
    },
    /// A message from the administration to the person, sent through their channels.
    MessageSent {
        text: String,
    },
    /// A message from the person: written online, or received by post or phone and recorded
    /// at the front desk (the event's channel says which).
    MessageReceived {
        text: String,
    },
    Submitted {
        /// When a request arrived by post: the day it was received, which is its legal date of
        /// submission (the event itself is dated when the front desk registered it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        received_at: Option<DateTime<Utc>>,
    },
    ExaminationStarted,
    DocumentsRequested {
        documents: Vec<String>,
        message: String,
        /// The date by which the person is asked to reply.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_by: Option<DateTime<Utc>>,
    },
    ExaminationResumed,
    Decided {
        outcome: Outcome,
        motivation: String,
        /// True when silence decided (the legal deadline passed).
        implicit: bool,
    },
    Withdrawn {
        reason: Option<String>,
    },
    Reopened {
        reason: String,
    },
}

impl EventKind {
    /// Stable code stored in its own database column, for queries and statistics.
    pub fn code(&self) -> &'static str {
        match self {
            EventKind::Opened { .. } => "opened",
            EventKind::FormUpdated { .. } => "form_updated",
            EventKind::DocumentAttached { .. } => "document_attached",
            EventKind::NoteAdded { .. } => "note_added",
            EventKind::ContactChanged { .. } => "contact_changed",
            EventKind::Assigned { .. } => "assigned",
            EventKind::MessageSent { .. } => "message_sent",
            EventKind::MessageReceived { .. } => "message_received",
            EventKind::Submitted { .. } => "submitted",
            EventKind::ExaminationStarted => "examination_started",
            EventKind::DocumentsRequested { .. } => "documents_requested",
            EventKind::ExaminationResumed => "examination_resumed",
            EventKind::Decided { .. } => "decided",
            EventKind::Withdrawn { .. } => "withdrawn",
            EventKind::Reopened { .. } => "reopened",
        }
    }

    /// A French sentence for the journal shown to people and agents.
    pub fn label_fr(&self) -> String {
        match self {
            EventKind::Opened { .. } => "Dossier ouvert".to_owned(),
            EventKind::FormUpdated { fields } => match fields.len() {
                1 => "Réponse enregistrée (1 champ)".to_owned(),
                n => format!("Réponses enregistrées ({n} champs)"),
            },
            EventKind::DocumentAttached { document } if document.scanned_from_paper => {
                format!("Pièce papier numérisée : {}", document.name)
            }
            EventKind::DocumentAttached { document } => format!("Pièce jointe : {}", document.name),
            EventKind::NoteAdded { .. } => "Note ajoutée".to_owned(),
            EventKind::ContactChanged { .. } => {
                "Coordonnées ou préférences de contact modifiées".to_owned()
            }
            EventKind::Assigned { agent: Some(_) } => "Dossier attribué".to_owned(),
            EventKind::Assigned { agent: None } => "Dossier remis dans la file".to_owned(),
            EventKind::MessageSent { .. } => "Message envoyé à l’usager".to_owned(),
            EventKind::MessageReceived { .. } => "Message reçu de l’usager".to_owned(),
            EventKind::Submitted {
                received_at: Some(at),
            } => format!(
                "Demande reçue par courrier le {}",
                at.date_naive().format("%d/%m/%Y")
            ),
            EventKind::Submitted { received_at: None } => "Demande déposée".to_owned(),
            EventKind::ExaminationStarted => "Instruction commencée".to_owned(),
            EventKind::DocumentsRequested { documents, .. } => {
                format!("Pièces demandées : {}", documents.join(", "))
            }
            EventKind::ExaminationResumed => "Instruction reprise".to_owned(),
            EventKind::Decided {
                outcome: Outcome::Revoked,
                ..
            } => "Décision : droit retiré".to_owned(),
            EventKind::Decided {
                outcome, implicit, ..
            } => {
                if *implicit {
                    format!("Décision implicite : demande {}", outcome.label_fr())
                } else {
                    format!("Décision : demande {}", outcome.label_fr())
                }
            }
            EventKind::Withdrawn { .. } => "Demande abandonnée".to_owned(),
            EventKind::Reopened { .. } => "Dossier rouvert".to_owned(),
        }
    }
}

/// One entry of a case's journal. `seq` starts at 1 and has no gaps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub channel: Channel,
    pub actor: Actor,
    pub kind: EventKind,
}
