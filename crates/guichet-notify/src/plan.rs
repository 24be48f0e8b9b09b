//! From a case change to the messages it causes: pure planning, no I/O.
//!
//! The domain says *what* a person must be told (`Action::Notify` with a `Notice`) and, through
//! `Person::reach`, on which channels; this module decides *what each message says*: the stored
//! template for (kind, channel, wording), the shipped one as a fallback, rendered into a payload
//! (a letter, an email, an SMS). A person who cannot be reached, or a message that cannot be
//! prepared (an address that breaks the postal standard, a template that needs a value the case
//! does not have), becomes an alert for agents: nothing is dropped silently. The case service
//! (`guichet-cases`) writes the plan in the case's own transaction.
//!
//! Idempotency keys are `REFERENCE:VERSION:KIND:CHANNEL`, the version being the case's after the
//! events: a command retried after a conflict is planned again on the newer version, and only the
//! write that succeeds leaves intents behind.

use chrono::{DateTime, Utc};
use guichet_domain::{
    Action, AlertKind, Case, Delivery, Event, EventKind, Notice, NotificationKind, Outcome, Person,
    Silence,
};
use guichet_letters::{
    Letter, LetterKind, PostalAddress, PrintSize, Reference, Sender, Signature, Wording,
    postal_town,
};
use sha2::{Digest, Sha256};

use crate::email_body::html_body;
use crate::error::NotifyError;
use crate::operator_name::OperatorName;
use crate::payload::{Payload, PostageClass};
use crate::template::{RenderedText, Template, Value, Values, default_templates, wording_serde};

/// The templates to render with: the latest stored version of each, and the shipped ones as a
/// fallback when a stored template cannot be filled for a case.
#[derive(Debug, Clone)]
pub struct Templates {
    in_use: Vec<Template>,
    shipped: Vec<Template>,
}

impl Templates {
    /// The templates shipped with Guichet only.
    pub fn shipped() -> Result<Self, NotifyError> {
        let shipped = default_templates()?;
        Ok(Self {
            in_use: shipped.clone(),
            shipped,
        })
    }

    /// Templates in use: the stored ones (the latest version of each, as template files) over
    /// the shipped ones. A stored template that no longer reads (after an upgrade that renamed a
    /// placeholder, say) is skipped and the shipped one stays; the skipped ones are returned so
    /// the caller can log them.
    pub fn with_stored<'a>(
        stored: impl IntoIterator<Item = &'a str>,
    ) -> Result<(Self, Vec<NotifyError>), NotifyError> {
        let shipped = default_templates()?;
        let mut in_use = shipped.clone();
        let mut skipped = Vec::new();
        for source in stored {
            let template = match crate::template::parse_template_file(source) {
                Ok(t) => t,
                Err(e) => {
                    skipped.push(e);
                    continue;
                }
            };
            let key = key_of(&template);
            match in_use.iter_mut().find(|t| key_of(t) == key) {
                Some(slot) => *slot = template,
                None => in_use.push(template),
            }
        }
        Ok((Self { in_use, shipped }, skipped))
    }

    /// Candidates in order: the wording asked for, then standard wording; stored, then shipped.
    fn candidates(
        &self,
        kind: NotificationKind,
        channel: Delivery,
        wording: Wording,
    ) -> Vec<&Template> {
        let mut out: Vec<&Template> = Vec::new();
        for set in [&self.in_use, &self.shipped] {
            for w in [wording, Wording::Standard] {
                for t in set.iter() {
                    let s = t.source();
                    if s.kind == kind && s.channel == channel && s.wording == w && !out.contains(&t)
                    {
                        out.push(t);
                    }
                }
            }
        }
        out
    }
}

fn key_of(t: &Template) -> (NotificationKind, Delivery, &'static str) {
    let s = t.source();
    (s.kind, s.channel, wording_serde::as_str(s.wording))
}

/// Who sends letters for a case: the operator in charge, with the return address and phone of
/// the procedure's published definition when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Office {
    pub operator: String,
    /// The operator's name with its article, for sentences (« du CCAS de … »).
    pub operator_name: OperatorName,
    /// Return address and contact lines for the sender block.
    pub lines: Vec<String>,
    pub phone: Option<String>,
    /// Where letters are written ("Fait à").
    pub town: Option<String>,
}

impl Office {
    /// The sender block from the operator's name and the procedure's typed contact: the return
    /// address lines (a first line repeating the operator's name is dropped, the postcode line
    /// is written the postal way), then the phone line; six lines at most.
    pub fn new(
        operator: &str,
        address: Option<(&[String], &str, &str)>,
        phone: Option<(&str, Option<&str>)>,
    ) -> Self {
        let mut lines: Vec<String> = Vec::new();
        let mut town = None;
        if let Some((address_lines, postcode, town_name)) = address {
            for (i, line) in address_lines.iter().enumerate() {
                if i == 0 && line.eq_ignore_ascii_case(operator) {
                    continue;
                }
                lines.push(line.clone());
            }
            lines.push(format!("{postcode} {}", postal_town(town_name)));
            town = Some(town_name.to_owned());
        }
        if let Some((number, hours)) = phone {
            lines.truncate(5);
            lines.push(match hours {
                Some(h) => format!("Téléphone : {number} ({h})"),
                None => format!("Téléphone : {number}"),
            });
        }
        lines.truncate(6);
        Office {
            operator: operator.to_owned(),
            operator_name: OperatorName::new(operator),
            lines,
            phone: phone.map(|(number, _)| number.to_owned()),
            town,
        }
    }
}

/// What notifications say about a case beyond the case itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    pub procedure_title: String,
    pub office: Office,
    /// Who signs the case's decision: the officer who decided, or the operator's delegation
    /// (a decision by silence, or an operator that has every decision signed so). `None` when
    /// nobody can be named: a decision letter is then not prepared and an agent is alerted,
    /// since a decision must name its signer (CRPA art. L212-1).
    pub signer: Option<DecisionSigner>,
}

/// The person who signs a decision, as printed under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionSigner {
    /// « Pour le maire et par délégation », for a delegate.
    pub mention: Option<String>,
    /// First name and name.
    pub name: String,
    /// Title (« Instructeur, CCAS de Saint-Clair-sur-Lys », « Adjointe au maire »).
    pub title: String,
}

/// The person a case is about, with what returned mail taught about their address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub person: Person,
    pub address_suspect: bool,
}

/// A message to send, planned with the case change that causes it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedIntent {
    /// `REFERENCE:VERSION:KIND:CHANNEL`: writing it twice is harmless.
    pub idempotency_key: String,
    pub channel: Delivery,
    pub kind: NotificationKind,
    pub payload: Payload,
    /// Letters: for sorting print batches.
    pub postcode: Option<String>,
    pub postage: Option<PostageClass>,
}

/// Something an agent must act on, planned with the case change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedAlert {
    pub kind: AlertKind,
    /// What the agent must do, in French.
    pub message: String,
}

/// Intents and alerts to write with the events, all about the case's person.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub intents: Vec<PlannedIntent>,
    pub alerts: Vec<PlannedAlert>,
}

/// A short code a person quotes with the reference to follow the case on any channel. Derived
/// from the case and the person (no follow-up code is stored yet), so it is stable.
pub fn follow_up_code(case: &Case) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let digest = Sha256::digest(format!("{}/{}", case.reference, case.person).as_bytes());
    let chars: String = digest
        .iter()
        .take(8)
        .map(|b| ALPHABET[usize::from(b % 32)] as char)
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

/// The idempotency key of one delivery of one notice.
pub fn idempotency_key(case: &Case, kind: NotificationKind, channel: Delivery) -> String {
    format!(
        "{}:{}:{}:{}",
        case.reference,
        case.version,
        kind.as_str(),
        channel.as_str()
    )
}

/// Plans the intents and alerts for the actions of a decision. `case` is the case *after* the
/// decision's `events`. Pure: no I/O, no clock.
pub fn plan_intents(
    case: &Case,
    events: &[Event],
    recipient: &Recipient,
    facts: &CaseFacts,
    actions: &[Action],
    templates: &Templates,
    now: DateTime<Utc>,
) -> Plan {
    let mut plan = Plan::default();
    let person = &recipient.person;
    let alert = |kind: AlertKind, message: String| PlannedAlert { kind, message };
    for action in actions {
        let Action::Notify { notice, .. } = action else {
            continue;
        };
        let kind = notice.kind();
        let reach = person.reach(kind, recipient.address_suspect);
        let label = kind.label_fr();
        match reach.alert {
            Some(AlertKind::Unreachable) => plan.alerts.push(alert(
                AlertKind::Unreachable,
                format!(
                    "{} ({label}, dossier {}) : ni adresse postale utilisable ni canal numérique \
                     accepté. Prévenir la personne par téléphone ou au guichet, et vérifier son adresse.",
                    person.name.display(),
                    case.reference
                ),
            )),
            Some(other) => plan.alerts.push(alert(
                other,
                format!(
                    "{} ({label}, dossier {}) : la décision doit partir par courrier mais l’adresse \
                     postale manque ou est à vérifier. Obtenir une adresse puis relancer l’envoi.",
                    person.name.display(),
                    case.reference
                ),
            )),
            None => {}
        }
        let values = values(case, events, person, facts, notice, now);
        let wording = if person.preferences.formats.easy_read {
            Wording::EasyToRead
        } else {
            Wording::Standard
        };
        for channel in reach.deliveries {
            match prepare(
                case, person, facts, kind, channel, wording, &values, templates, now,
            ) {
                Ok(intent) => plan.intents.push(intent),
                Err(e) => plan.alerts.push(alert(
                    AlertKind::NotificationUnprepared,
                    format!(
                        "{} ({label}, dossier {}, {}) n’a pas pu être préparé : {e}",
                        channel.label_fr(),
                        case.reference,
                        person.name.display()
                    ),
                )),
            }
        }
    }
    plan
}

/// The letter a notice gives, whatever channels the person chose: the receipt a person
/// downloads after submitting online, or that an agent prints for them. The same templates and
/// values as the letter the post would carry. `events` is the journal, latest last.
pub fn notice_letter(
    case: &Case,
    events: &[Event],
    recipient: &Recipient,
    facts: &CaseFacts,
    notice: &Notice,
    templates: &Templates,
    now: DateTime<Utc>,
) -> Result<Letter, NotifyError> {
    let person = &recipient.person;
    let values = values(case, events, person, facts, notice, now);
    let wording = if person.preferences.formats.easy_read {
        Wording::EasyToRead
    } else {
        Wording::Standard
    };
    let intent = prepare(
        case,
        person,
        facts,
        notice.kind(),
        Delivery::Letter,
        wording,
        &values,
        templates,
        now,
    )?;
    match intent.payload {
        Payload::Letter { letter, .. } => Ok(*letter),
        _ => Err(NotifyError::Permanent(
            "le courrier n’a pas pu être préparé".to_owned(),
        )),
    }
}

#[allow(clippy::too_many_arguments)]
fn prepare(
    case: &Case,
    person: &Person,
    facts: &CaseFacts,
    kind: NotificationKind,
    channel: Delivery,
    wording: Wording,
    values: &Values,
    templates: &Templates,
    now: DateTime<Utc>,
) -> Result<PlannedIntent, NotifyError> {
    let mut first_error = None;
    let mut text = None;
    for t in templates.candidates(kind, channel, wording) {
        match t.render(values) {
            Ok(r) => {
                text = Some((r, t.source().wording));
                break;
            }
            Err(e) => {
                tracing::warn!(kind = kind.as_str(), channel = channel.as_str(), error = %e,
                    "template cannot be filled for this case; trying the next one");
                first_error.get_or_insert(e);
            }
        }
    }
    let (text, used_wording) = match text {
        Some(t) => t,
        None => {
            return Err(first_error.unwrap_or_else(|| {
                NotifyError::Template(format!(
                    "aucun modèle {}/{}",
                    kind.as_str(),
                    channel.as_str()
                ))
            }));
        }
    };
    let size = if person.preferences.formats.large_print {
        PrintSize::LargePrint
    } else {
        PrintSize::Standard
    };
    let (payload, postcode, postage) = match channel {
        Delivery::Letter => {
            let letter = letter(case, person, facts, kind, &text, size, used_wording, now)?;
            let postcode = letter.recipient.postcode().to_owned();
            let postage = PostageClass::Standard;
            (
                Payload::Letter {
                    letter: Box::new(letter),
                    postage,
                },
                Some(postcode),
                Some(postage),
            )
        }
        Delivery::Email => {
            let to = person
                .email
                .as_ref()
                .ok_or_else(|| NotifyError::Permanent("pas d’adresse électronique".into()))?;
            let subject = text.subject.clone().unwrap_or_default();
            // A decision sent by email carries the letter too (tagged PDF), when it can be laid
            // out; the paper letter goes out anyway.
            let attached = if kind == NotificationKind::Decision {
                let letter_text = templates
                    .candidates(kind, Delivery::Letter, wording)
                    .into_iter()
                    .find_map(|t| t.render(values).ok().map(|r| (r, t.source().wording)));
                letter_text.and_then(|(r, w)| {
                    letter(case, person, facts, kind, &r, size, w, now)
                        .ok()
                        .map(Box::new)
                })
            } else {
                None
            };
            let mut paragraphs = text.paragraphs.clone();
            paragraphs.extend(text.legal_mentions.iter().cloned());
            (
                Payload::Email {
                    to: to.as_str().to_owned(),
                    html: html_body(&subject, &paragraphs),
                    text: paragraphs.join("\n\n"),
                    subject,
                    letter: attached,
                },
                None,
                None,
            )
        }
        Delivery::Sms => {
            let to = person
                .phone
                .as_ref()
                .filter(|p| p.is_mobile())
                .ok_or_else(|| NotifyError::Permanent("pas de numéro de mobile".into()))?;
            (
                Payload::Sms {
                    to: to.as_str().to_owned(),
                    text: text.paragraphs.join(" "),
                },
                None,
                None,
            )
        }
    };
    Ok(PlannedIntent {
        idempotency_key: idempotency_key(case, kind, channel),
        channel,
        kind,
        payload,
        postcode,
        postage,
    })
}

#[allow(clippy::too_many_arguments)]
fn letter(
    case: &Case,
    person: &Person,
    facts: &CaseFacts,
    kind: NotificationKind,
    text: &RenderedText,
    size: PrintSize,
    wording: Wording,
    now: DateTime<Utc>,
) -> Result<Letter, NotifyError> {
    let address = person
        .address
        .as_ref()
        .ok_or_else(|| NotifyError::Permanent("pas d’adresse postale".into()))?;
    let mut lines = name_lines(&person.name.display());
    lines.extend(address.lines().iter().cloned());
    lines.push(format!(
        "{} {}",
        address.postcode().as_str(),
        postal_town(address.town())
    ));
    let recipient = PostalAddress::new(lines)?;
    let easy = wording == Wording::EasyToRead;
    Ok(Letter {
        sender: Sender {
            name: facts.office.operator.clone(),
            lines: facts.office.lines.clone(),
        },
        recipient,
        place: facts
            .office
            .town
            .clone()
            .unwrap_or_else(|| facts.office.operator.clone()),
        date: now.date_naive(),
        reference: Some(Reference {
            case_reference: case.reference.to_string(),
            follow_up_code: follow_up_code(case),
        }),
        subject: text.subject.clone().unwrap_or_default(),
        salutation: if easy { "Bonjour," } else { "Madame, Monsieur," }.to_owned(),
        body: text.paragraphs.clone(),
        closing: if easy {
            "À bientôt."
        } else {
            "Nous vous prions d’agréer, Madame, Monsieur, l’expression de nos salutations distinguées."
        }
        .to_owned(),
        signature: if kind == NotificationKind::Decision {
            let signer = facts.signer.as_ref().ok_or_else(|| {
                NotifyError::Permanent(format!(
                    "aucun signataire pour la décision : ni le compte de l’agent qui a décidé, ni \
                     une délégation de signature {} (guichet letters signature)",
                    facts.office.operator_name.of()
                ))
            })?;
            Signature::person(
                signer.mention.clone(),
                signer.name.clone(),
                signer.title.clone(),
            )
        } else {
            Signature::office(
                facts.office.operator.clone(),
                "Le service instructeur".to_owned(),
            )
        },
        kind: if kind == NotificationKind::Decision {
            LetterKind::Decision {
                legal_mentions: text.legal_mentions.clone(),
            }
        } else {
            LetterKind::Information
        },
        size,
        wording,
    })
}

/// The recipient's name as address lines: one line when it fits the postal standard's 38
/// characters, else wrapped at spaces and after hyphens (« Marie-Christine ABDELKADER- » /
/// « VANDENBROUCKE DE LA FONTAINE »), never cut; the address check refuses it if the whole
/// address then runs over six lines.
fn name_lines(name: &str) -> Vec<String> {
    const WIDTH: usize = guichet_letters::address::MAX_LINE_CHARS;
    if name.chars().count() <= WIDTH {
        return vec![name.to_owned()];
    }
    // Pieces that may end a line: words, and parts of words ending with a hyphen.
    let mut pieces: Vec<String> = Vec::new();
    for word in name.split(' ') {
        let mut rest = word;
        while let Some(i) = rest.find('-') {
            pieces.push(rest[..=i].to_owned());
            rest = &rest[i + 1..];
        }
        pieces.push(format!("{rest} "));
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for piece in pieces {
        if !line.is_empty()
            && line.trim_end().chars().count() + piece.trim_end().chars().count() > WIDTH
        {
            lines.push(line.trim_end().to_owned());
            line.clear();
        }
        line.push_str(&piece);
    }
    lines.push(line.trim_end().to_owned());
    lines
}

fn date(t: DateTime<Utc>) -> Value {
    Value::Date(t.date_naive())
}

/// The values a notice provides to templates. A value the case does not have is left out, so a
/// template that needs it fails to render (and the next candidate, or an alert, takes over)
/// instead of printing something false.
fn values(
    case: &Case,
    events: &[Event],
    person: &Person,
    facts: &CaseFacts,
    notice: &Notice,
    now: DateTime<Utc>,
) -> Values {
    let mut v = Values::new();
    let mut put = |k: &str, val: Value| {
        v.insert(k.to_owned(), val);
    };
    put("nom", Value::Text(person.name.display()));
    put("reference_dossier", Value::Text(case.reference.to_string()));
    put("code_suivi", Value::Text(follow_up_code(case)));
    put("demarche", Value::Text(facts.procedure_title.clone()));
    let operator = &facts.office.operator_name;
    put("operateur", Value::Text(facts.office.operator.clone()));
    put("l_operateur", Value::Text(operator.with_article()));
    put("de_l_operateur", Value::Text(operator.of()));
    put("a_l_operateur", Value::Text(operator.to()));
    // No phone in the definition: the paragraphs that give one are left out.
    if let Some(phone) = &facts.office.phone {
        put("telephone_operateur", Value::Text(phone.clone()));
    }
    let motivation = events.iter().rev().find_map(|e| match &e.kind {
        EventKind::Decided { motivation, .. } => Some(motivation.clone()),
        EventKind::Reopened { reason } => Some(reason.clone()),
        _ => None,
    });
    let motif = |m: String| Value::Text(m.trim().trim_end_matches('.').trim().to_owned());
    match notice {
        Notice::Receipt { due, silence } => {
            put("date_depot", date(case.submitted_at.unwrap_or(now)));
            if let Some(due) = due {
                put("date_limite", date(*due));
            }
            if let Some(s) = silence {
                let (word, effect) = match s {
                    Silence::Accord => ("accord", "acceptée"),
                    Silence::Rejet => ("rejet", "refusée"),
                };
                put("sens_silence", Value::Text(word.to_owned()));
                put("effet_silence", Value::Text(effect.to_owned()));
            }
        }
        Notice::DocumentsRequested {
            documents,
            reply_by,
        } => {
            put("pieces_manquantes", Value::List(documents.clone()));
            put("date_demande", date(now));
            if let Some(by) = reply_by {
                put("date_reponse", date(*by));
            }
        }
        Notice::Message { text } => {
            put("date_message", date(now));
            put("message", Value::Text(text.trim().to_owned()));
        }
        Notice::Decision { outcome, implicit } => {
            let word = match (outcome, implicit) {
                (Outcome::Granted, false) => "attribution",
                (Outcome::Refused, false) => "refus",
                (Outcome::Revised, false) => "révision",
                (Outcome::Revoked, _) => "retrait du droit",
                (Outcome::Granted, true) => "acceptation implicite (le silence vaut accord)",
                (Outcome::Refused, true) => "rejet implicite (le silence vaut rejet)",
                (Outcome::Revised, true) => "révision implicite",
            };
            put("decision", Value::Text(word.to_owned()));
            let sentence = match (outcome, implicit) {
                (Outcome::Granted, false) => "votre demande est acceptée",
                (Outcome::Refused, false) => "votre demande est refusée",
                (Outcome::Revised, false) => "la décision sur votre demande est révisée",
                (Outcome::Revoked, _) => "le droit qui vous avait été accordé vous est retiré",
                (Outcome::Granted, true) => {
                    "votre demande est acceptée : l’administration n’a pas répondu dans le délai \
                     légal, et son silence vaut accord"
                }
                (Outcome::Refused, true) => {
                    "votre demande est refusée : l’administration n’a pas répondu dans le délai \
                     légal, et son silence vaut rejet"
                }
                (Outcome::Revised, true) => "la décision sur votre demande est révisée",
            };
            put("phrase_decision", Value::Text(sentence.to_owned()));
            put(
                "date_decision",
                date(case.decision.as_ref().map_or(now, |d| d.at)),
            );
            if let Some(m) = motivation {
                put("motif", motif(m));
            }
        }
        Notice::Withdrawn => put("date_abandon", date(now)),
        Notice::Reopened => {
            put("date_reouverture", date(now));
            if let Some(m) = motivation {
                put("motif", motif(m));
            }
        }
    }
    v
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "letters_check.rs"]
mod letters_check;
