//! The pure decision function of cases: a command, the current case and a context (actor,
//! channel, time) in; the events to append and the actions to run out.
//!
//! `decide` never mutates anything. A refused command returns a typed [`CaseError`] and leaves
//! the case as it was, by construction.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Case, CaseError, CaseState, DeadlineStatus, Document, Event, EventKind, Outcome};
use crate::actor::{Actor, AgentId, AgentRole};
use crate::channel::Channel;
use crate::person::PersonId;
use crate::procedure::{HostedProcedure, Silence};
use crate::reference::CaseReference;

const MAX_TEXT: usize = 10_000;
const MAX_FIELDS: usize = 200;
/// How far back a request received by post may be dated when it is registered.
const MAX_POST_AGE_DAYS: i64 = 62;

/// Who acts, through which channel, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    pub actor: Actor,
    pub channel: Channel,
    pub now: DateTime<Utc>,
}

/// What can be asked of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    UpdateForm {
        fields: BTreeMap<String, String>,
    },
    AttachDocument {
        document: Document,
    },
    AddNote {
        text: String,
    },
    /// Records in the journal that the person's contact details or preferences changed.
    RecordContactChange {
        summary: String,
    },
    Submit,
    /// A request that arrived by post, registered at the front desk: submitted as of the day
    /// it was received.
    SubmitByPost {
        received_at: DateTime<Utc>,
    },
    /// Assigns the case to a case officer, or back to the queue (`None`).
    Assign {
        agent: Option<AgentId>,
    },
    /// A message from the administration to the person.
    SendMessage {
        text: String,
    },
    /// A message from the person (online, or by post or phone through the front desk).
    ReceiveMessage {
        text: String,
    },
    StartExamination,
    RequestDocuments {
        documents: Vec<String>,
        message: String,
        /// The date by which the person is asked to reply; it must be in the future.
        #[serde(default)]
        reply_by: Option<DateTime<Utc>>,
    },
    ResumeExamination,
    Decide {
        outcome: Outcome,
        motivation: String,
    },
    Withdraw {
        reason: Option<String>,
    },
    Reopen {
        reason: String,
    },
    /// Run by the system when the legal deadline passed: silence decides.
    ApplyImplicitDecision,
}

impl Command {
    /// English name used in errors and logs.
    pub fn name(&self) -> &'static str {
        match self {
            Command::UpdateForm { .. } => "update the form of",
            Command::AttachDocument { .. } => "attach a document to",
            Command::AddNote { .. } => "add a note to",
            Command::RecordContactChange { .. } => "record a contact change on",
            Command::Submit => "submit",
            Command::SubmitByPost { .. } => "register a request received by post for",
            Command::Assign { .. } => "assign",
            Command::SendMessage { .. } => "send a message about",
            Command::ReceiveMessage { .. } => "record a message about",
            Command::StartExamination => "start examining",
            Command::RequestDocuments { .. } => "request documents for",
            Command::ResumeExamination => "resume examining",
            Command::Decide { .. } => "decide",
            Command::Withdraw { .. } => "withdraw",
            Command::Reopen { .. } => "reopen",
            Command::ApplyImplicitDecision => "apply the implicit decision to",
        }
    }
}

/// What a person must be told. [`crate::Person::reach`] picks the channels from the person's
/// preferences; a notice whose kind requires paper (a decision) always produces a letter too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "snake_case")]
pub enum Notice {
    /// Accusé de réception, with the legal deadline.
    Receipt {
        due: Option<DateTime<Utc>>,
        silence: Option<Silence>,
    },
    DocumentsRequested {
        documents: Vec<String>,
        #[serde(default)]
        reply_by: Option<DateTime<Utc>>,
    },
    /// A message from the administration.
    Message {
        text: String,
    },
    Decision {
        outcome: Outcome,
        implicit: bool,
    },
    Withdrawn,
    Reopened,
}

/// An effect for the shell to carry out after the events are stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    Notify {
        reference: CaseReference,
        person: PersonId,
        notice: Notice,
    },
    /// The deadline passed: the system must record the implicit decision.
    ApplyImplicitDecision { reference: CaseReference },
}

/// The result of a command: events to append (numbered after the case's version) and actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub events: Vec<Event>,
    pub actions: Vec<Action>,
}

impl Case {
    /// Opens a new case (a draft) for a person under a procedure, on the channel of the context.
    pub fn open(
        reference: CaseReference,
        procedure: &HostedProcedure,
        person: PersonId,
        ctx: Context,
    ) -> Result<Decision, CaseError> {
        match ctx.actor {
            Actor::Person { id } if id != person => {
                return Err(CaseError::NotAllowed { command: "open" });
            }
            Actor::System => return Err(CaseError::NotAllowed { command: "open" }),
            _ => {}
        }
        let offered = ctx
            .channel
            .as_procedure_channel()
            .is_some_and(|c| procedure.offers(c));
        if !offered {
            return Err(CaseError::ChannelNotOffered(ctx.channel));
        }
        let event = Event {
            seq: 1,
            at: ctx.now,
            channel: ctx.channel,
            actor: ctx.actor,
            kind: EventKind::Opened {
                reference,
                procedure: procedure.reference(),
                person,
                deadline: procedure.deadline(),
            },
        };
        Ok(Decision {
            events: vec![event],
            actions: Vec::new(),
        })
    }

    /// Decides what a command does to this case.
    pub fn decide(&self, command: Command, ctx: Context) -> Result<Decision, CaseError> {
        use CaseState::*;
        let name = command.name();
        let illegal = || CaseError::IllegalTransition {
            from: self.state,
            command: name,
        };
        let for_person = self.acts_for_person(&ctx.actor);
        let officer = matches!(
            ctx.actor,
            Actor::Agent {
                role: AgentRole::CaseOfficer,
                ..
            }
        );
        let require = |allowed: bool| {
            if allowed {
                Ok(())
            } else {
                Err(CaseError::NotAllowed { command: name })
            }
        };

        let mut actions = Vec::new();
        let kind = match command {
            Command::UpdateForm { fields } => {
                require(for_person)?;
                if self.state != Draft {
                    return Err(illegal());
                }
                check_fields(&fields)?;
                EventKind::FormUpdated { fields }
            }
            Command::AttachDocument { document } => {
                require(for_person || matches!(ctx.actor, Actor::Agent { .. }))?;
                if self.state.is_closed() {
                    return Err(illegal());
                }
                check_document(&document)?;
                if self.state == WaitingForDocuments && !officer {
                    // Documents received on any channel resume the examination (and the legal
                    // clock); an officer who finds the reply incomplete asks again.
                    return Ok(self.events(
                        ctx,
                        vec![
                            EventKind::DocumentAttached { document },
                            EventKind::ExaminationResumed,
                        ],
                        actions,
                    ));
                }
                EventKind::DocumentAttached { document }
            }
            Command::Assign { agent } => {
                require(officer)?;
                if self.state == Draft || self.state == Withdrawn {
                    return Err(illegal());
                }
                if agent == self.assigned_to {
                    return Err(CaseError::Invalid(match agent {
                        Some(_) => "Le dossier est déjà attribué à cette personne.".to_owned(),
                        None => "Le dossier n’est attribué à personne.".to_owned(),
                    }));
                }
                EventKind::Assigned { agent }
            }
            Command::SendMessage { text } => {
                require(officer)?;
                if self.state == Draft {
                    return Err(illegal());
                }
                check_text(&text, "Le message")?;
                actions.push(self.notify(Notice::Message { text: text.clone() }));
                EventKind::MessageSent { text }
            }
            Command::ReceiveMessage { text } => {
                require(for_person)?;
                if self.state == Draft {
                    return Err(illegal());
                }
                check_text(&text, "Le message")?;
                EventKind::MessageReceived { text }
            }
            Command::AddNote { text } => {
                require(
                    ctx.actor != Actor::System
                        && (for_person || matches!(ctx.actor, Actor::Agent { .. })),
                )?;
                check_text(&text, "La note")?;
                EventKind::NoteAdded { text }
            }
            Command::RecordContactChange { summary } => {
                require(
                    ctx.actor != Actor::System
                        && (for_person || matches!(ctx.actor, Actor::Agent { .. })),
                )?;
                check_text(&summary, "Le résumé des préférences")?;
                EventKind::ContactChanged { summary }
            }
            Command::Submit | Command::SubmitByPost { .. } => {
                require(for_person)?;
                if self.state != Draft {
                    return Err(illegal());
                }
                let received_at = match command {
                    Command::SubmitByPost { received_at } => {
                        if ctx.channel != Channel::Post {
                            return Err(CaseError::Invalid(
                                "Une demande reçue par courrier s’enregistre sur le canal courrier."
                                    .to_owned(),
                            ));
                        }
                        if received_at > ctx.now {
                            return Err(CaseError::Invalid(
                                "La date de réception ne peut pas être dans le futur.".to_owned(),
                            ));
                        }
                        if ctx.now - received_at > chrono::Duration::days(MAX_POST_AGE_DAYS) {
                            return Err(CaseError::Invalid(format!(
                                "La date de réception remonte à plus de {MAX_POST_AGE_DAYS} jours : vérifiez-la."
                            )));
                        }
                        Some(received_at)
                    }
                    _ => None,
                };
                let mut submitted = self.clone();
                submitted.submitted_at = Some(received_at.unwrap_or(ctx.now));
                let due = match submitted.deadline_status(ctx.now) {
                    DeadlineStatus::Running { due } | DeadlineStatus::Passed { due, .. } => {
                        Some(due)
                    }
                    _ => None,
                };
                actions.push(self.notify(Notice::Receipt {
                    due,
                    silence: self.deadline_rule.map(|r| r.silence),
                }));
                EventKind::Submitted { received_at }
            }
            Command::StartExamination => {
                require(officer)?;
                if self.state != Submitted {
                    return Err(illegal());
                }
                EventKind::ExaminationStarted
            }
            Command::RequestDocuments {
                documents,
                message,
                reply_by,
            } => {
                require(officer)?;
                if self.state != UnderExamination {
                    return Err(illegal());
                }
                let documents: Vec<String> = documents
                    .into_iter()
                    .map(|d| d.trim().to_owned())
                    .filter(|d| !d.is_empty())
                    .collect();
                if documents.is_empty() {
                    return Err(CaseError::Invalid(
                        "Indiquez au moins une pièce à fournir.".to_owned(),
                    ));
                }
                for d in &documents {
                    check_short(d, "Le nom d’une pièce")?;
                }
                if message.chars().count() > MAX_TEXT {
                    return Err(CaseError::Invalid("Le message est trop long.".to_owned()));
                }
                if reply_by.is_some_and(|d| d <= ctx.now) {
                    return Err(CaseError::Invalid(
                        "La date limite de réponse doit être dans le futur.".to_owned(),
                    ));
                }
                actions.push(self.notify(Notice::DocumentsRequested {
                    documents: documents.clone(),
                    reply_by,
                }));
                EventKind::DocumentsRequested {
                    documents,
                    message,
                    reply_by,
                }
            }
            Command::ResumeExamination => {
                require(officer)?;
                if self.state != WaitingForDocuments {
                    return Err(illegal());
                }
                EventKind::ExaminationResumed
            }
            Command::Decide {
                outcome,
                motivation,
            } => {
                require(officer)?;
                let had_right = self
                    .decision
                    .as_ref()
                    .is_some_and(|d| d.outcome.leaves_a_right());
                let allowed = match (self.state, outcome) {
                    // A first decision, or a decision after a reopening.
                    (UnderExamination, Outcome::Revoked) => had_right,
                    (UnderExamination, _) => true,
                    // An ongoing right is revised or withdrawn without reopening the request.
                    (Decided(o), Outcome::Revised | Outcome::Revoked) => o.leaves_a_right(),
                    _ => false,
                };
                if !allowed {
                    return Err(match self.state {
                        Decided(_) if outcome.leaves_a_right() || outcome == Outcome::Refused => {
                            CaseError::Invalid(
                                "Ce dossier est déjà décidé. Pour décider à nouveau, rouvrez-le en indiquant le motif."
                                    .to_owned(),
                            )
                        }
                        UnderExamination => CaseError::Invalid(
                            "Aucun droit n’a été accordé sur ce dossier : il n’y a rien à retirer."
                                .to_owned(),
                        ),
                        _ => illegal(),
                    });
                }
                check_text(&motivation, "La motivation de la décision")?;
                actions.push(self.notify(Notice::Decision {
                    outcome,
                    implicit: false,
                }));
                EventKind::Decided {
                    outcome,
                    motivation,
                    implicit: false,
                }
            }
            Command::Withdraw { reason } => {
                require(for_person || matches!(ctx.actor, Actor::Agent { .. }))?;
                if self.state.is_closed() {
                    return Err(illegal());
                }
                if let Some(r) = &reason {
                    check_text(r, "Le motif")?;
                }
                if self.state != Draft {
                    actions.push(self.notify(Notice::Withdrawn));
                }
                EventKind::Withdrawn { reason }
            }
            Command::Reopen { reason } => {
                require(officer)?;
                if !self.state.is_closed() {
                    return Err(illegal());
                }
                check_text(&reason, "Le motif de réouverture")?;
                actions.push(self.notify(Notice::Reopened));
                EventKind::Reopened { reason }
            }
            Command::ApplyImplicitDecision => {
                require(ctx.actor == Actor::System)?;
                if !matches!(self.state, Submitted | UnderExamination) {
                    return Err(illegal());
                }
                let DeadlineStatus::Passed { silence, .. } = self.deadline_status(ctx.now) else {
                    return Err(CaseError::DeadlineNotPassed);
                };
                let outcome = match silence {
                    Silence::Accord => Outcome::Granted,
                    Silence::Rejet => Outcome::Refused,
                };
                actions.push(self.notify(Notice::Decision {
                    outcome,
                    implicit: true,
                }));
                EventKind::Decided {
                    outcome,
                    motivation: format!(
                        "Le délai légal de réponse est écoulé : {}.",
                        silence.label_fr()
                    ),
                    implicit: true,
                }
            }
        };
        Ok(self.events(ctx, vec![kind], actions))
    }

    /// Numbers events after the case's version, with the context's time, channel and actor.
    fn events(&self, ctx: Context, kinds: Vec<EventKind>, actions: Vec<Action>) -> Decision {
        let events = (1..)
            .zip(kinds)
            .map(|(i, kind)| Event {
                seq: self.version + i,
                at: ctx.now,
                channel: ctx.channel,
                actor: ctx.actor,
                kind,
            })
            .collect();
        Decision { events, actions }
    }

    /// What must happen to this case at `now` without anyone asking: the implicit decision when
    /// the legal deadline has passed.
    pub fn next_actions(&self, now: DateTime<Utc>) -> Vec<Action> {
        let examinable = matches!(
            self.state,
            CaseState::Submitted | CaseState::UnderExamination
        );
        match self.deadline_status(now) {
            DeadlineStatus::Passed { .. } if examinable => vec![Action::ApplyImplicitDecision {
                reference: self.reference.clone(),
            }],
            _ => Vec::new(),
        }
    }

    /// The person themselves, a helper (whose mandate was checked upstream), or a front-desk
    /// agent acting with the person at the counter or on the phone.
    fn acts_for_person(&self, actor: &Actor) -> bool {
        match actor {
            Actor::Person { id } => *id == self.person,
            Actor::Helper { .. } => true,
            Actor::Agent { role, .. } => *role == AgentRole::FrontDesk,
            Actor::System => false,
        }
    }

    fn notify(&self, notice: Notice) -> Action {
        Action::Notify {
            reference: self.reference.clone(),
            person: self.person,
            notice,
        }
    }
}

fn check_text(text: &str, what: &str) -> Result<(), CaseError> {
    if text.trim().is_empty() {
        return Err(CaseError::Invalid(format!("{what} ne peut pas être vide.")));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(CaseError::Invalid(format!(
            "{what} dépasse {MAX_TEXT} caractères."
        )));
    }
    Ok(())
}

fn check_short(text: &str, what: &str) -> Result<(), CaseError> {
    if text.chars().count() > 200 {
        return Err(CaseError::Invalid(format!(
            "{what} dépasse 200 caractères."
        )));
    }
    Ok(())
}

fn check_fields(fields: &BTreeMap<String, String>) -> Result<(), CaseError> {
    if fields.len() > MAX_FIELDS {
        return Err(CaseError::Invalid(
            "Le formulaire a trop de champs.".to_owned(),
        ));
    }
    for (key, value) in fields {
        let key_ok = !key.is_empty()
            && key.len() <= 64
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !key_ok {
            return Err(CaseError::Invalid(format!(
                "Le champ « {key} » n’existe pas dans ce formulaire."
            )));
        }
        if value.chars().count() > MAX_TEXT {
            return Err(CaseError::Invalid(format!(
                "La valeur du champ « {key} » est trop longue."
            )));
        }
    }
    Ok(())
}

fn check_document(d: &Document) -> Result<(), CaseError> {
    check_text(&d.name, "Le nom du document")?;
    check_short(&d.name, "Le nom du document")?;
    let hex_ok = d.sha256.len() == 64 && d.sha256.chars().all(|c| c.is_ascii_hexdigit());
    if !hex_ok {
        return Err(CaseError::Invalid(
            "L’empreinte du document est invalide.".to_owned(),
        ));
    }
    Ok(())
}
