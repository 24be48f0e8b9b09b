//! From case changes to notifications, in the case's own transaction.
//!
//! The domain says *what* a person must be told (`Action::Notify` with a [`Notice`]); this module
//! decides *how*: the person's contact profile (suspect addresses included) goes through
//! [`choose_channels`], each chosen channel gets the stored template for (kind, channel, wording),
//! the rendered message becomes an outbox intent, and the intents are appended with the events by
//! [`Store::append_events_with_outbox`] — both written, or neither. A person who cannot be
//! reached, or a message that cannot be prepared (an address that breaks the postal standard, a
//! template that needs a value the case does not have), becomes an alert for agents in the same
//! transaction: nothing is dropped silently, and a notification problem never blocks the case.
//!
//! Idempotency keys are `REFERENCE:VERSION:KIND:CHANNEL`, the version being the case's after the
//! events: a command retried after a conflict is decided again on the newer version, and only the
//! write that succeeds leaves intents behind.

use chrono::{DateTime, Utc};
use guichet_domain::{
    Action, Case, CaseReference, Command, ContactChannel, Context, Decision, Event, EventKind,
    HostedProcedure, Notice, Outcome, Person, PersonId, Silence,
};
use guichet_letters::{
    Letter, LetterKind, PostalAddress, PrintSize, Reference, Sender, Signature, Wording,
    postal_town,
};
use guichet_store::outbox::{NewAlert, NewIntent};
use guichet_store::{CommandError, Store, StoreError};
use sha2::{Digest, Sha256};

use crate::channel::{
    AgentAlert, ContactProfile, Delivery, NotificationKind, PreferredChannel, choose_channels,
};
use crate::email::html_body;
use crate::error::NotifyError;
use crate::payload::Payload;
use crate::print::PostageClass;
use crate::template::{RenderedText, Template, Value, Values, default_templates, wording_serde};

/// How many times a command is decided again when another writer got there first.
const ATTEMPTS: usize = 5;

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

    /// Templates in use in this store: stored versions over the shipped ones.
    pub async fn load(store: &Store) -> Result<Self, StoreError> {
        let shipped = default_templates().unwrap_or_else(|e| {
            tracing::error!(error = %e, "shipped templates are invalid");
            Vec::new()
        });
        let mut in_use = shipped.clone();
        for row in store.list_templates(false).await? {
            // Stored templates were checked before saving; one that no longer reads (after an
            // upgrade that renamed a placeholder, say) is skipped, the shipped one stays.
            let template = match crate::template::parse_template_file(&row.source) {
                Ok(t) => t,
                Err(e) => {
                    tracing::warn!(kind = %row.kind, channel = %row.channel, version = row.version,
                        error = %e, "stored template unusable, shipped one kept");
                    continue;
                }
            };
            let key = key_of(&template);
            match in_use.iter_mut().find(|t| key_of(t) == key) {
                Some(slot) => *slot = template,
                None => in_use.push(template),
            }
        }
        Ok(Self { in_use, shipped })
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
    /// Return address and contact lines for the sender block.
    pub lines: Vec<String>,
    pub phone: Option<String>,
    /// Where letters are written ("Fait à").
    pub town: Option<String>,
}

/// What notifications say about a case beyond the case itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    pub procedure_title: String,
    pub office: Office,
}

/// The person a case is about, with what returned mail taught about their address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub person: Person,
    pub address_suspect: bool,
}

/// Intents and alerts to write with the events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub intents: Vec<NewIntent>,
    pub alerts: Vec<NewAlert>,
}

/// How the outbox can reach a person.
pub fn contact_profile(person: &Person, address_suspect: bool) -> ContactProfile {
    let refuses = person.preferences.refuses_digital();
    ContactProfile {
        preferences: person
            .preferences
            .channels()
            .iter()
            .map(|c| match c {
                ContactChannel::Post => PreferredChannel::Post,
                ContactChannel::Phone => PreferredChannel::Phone,
                ContactChannel::Counter => PreferredChannel::Counter,
                ContactChannel::Email => PreferredChannel::Email,
                ContactChannel::Sms => PreferredChannel::Sms,
            })
            .collect(),
        refuses_digital: refuses,
        has_email: !refuses && person.email.is_some(),
        has_mobile: !refuses && person.phone.as_ref().is_some_and(|p| p.is_mobile()),
        has_usable_address: person.address.is_some() && !address_suspect,
    }
}

/// The kind of notification a notice is.
pub fn kind_of(notice: &Notice) -> NotificationKind {
    match notice {
        Notice::Receipt { .. } => NotificationKind::Receipt,
        Notice::DocumentsRequested { .. } => NotificationKind::DocumentsRequest,
        Notice::Decision { .. } => NotificationKind::Decision,
        Notice::Withdrawn => NotificationKind::Withdrawal,
        Notice::Reopened => NotificationKind::Reopening,
    }
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
    let alert = |kind: &str, message: String| NewAlert {
        kind: kind.to_owned(),
        person_id: Some(person.id.to_string()),
        case_reference: Some(case.reference.to_string()),
        message,
    };
    for action in actions {
        let Action::Notify { notice, .. } = action else {
            continue;
        };
        let kind = kind_of(notice);
        let profile = contact_profile(person, recipient.address_suspect);
        let choice = choose_channels(&profile, kind);
        let label = kind_label_fr(kind);
        match choice.alert {
            Some(AgentAlert::Unreachable) => plan.alerts.push(alert(
                "unreachable",
                format!(
                    "{} ({label}, dossier {}) : ni adresse postale utilisable ni canal numérique \
                     accepté. Prévenir la personne par téléphone ou au guichet, et vérifier son adresse.",
                    person.name.display(),
                    case.reference
                ),
            )),
            Some(AgentAlert::PaperRequiredButNoAddress) => plan.alerts.push(alert(
                "paper_without_address",
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
        for channel in choice.deliveries {
            match prepare(
                case, person, facts, kind, channel, wording, &values, templates, now,
            ) {
                Ok(intent) => plan.intents.push(intent),
                Err(e) => plan.alerts.push(alert(
                    "notification_unprepared",
                    format!(
                        "{} ({label}, dossier {}, {}) n’a pas pu être préparé : {e}",
                        channel_label_fr(channel),
                        case.reference,
                        person.name.display()
                    ),
                )),
            }
        }
    }
    plan
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
) -> Result<NewIntent, NotifyError> {
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
                Some(postage.as_str().to_owned()),
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
    Ok(NewIntent {
        idempotency_key: idempotency_key(case, kind, channel),
        case_reference: Some(case.reference.to_string()),
        person_id: Some(person.id.to_string()),
        channel: channel.as_str().to_owned(),
        kind: kind.as_str().to_owned(),
        payload: payload.to_json()?,
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
    let mut lines = vec![person.name.display()];
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
        signature: Signature {
            name: facts.office.operator.clone(),
            title: "Le service instructeur".to_owned(),
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
    put("operateur", Value::Text(facts.office.operator.clone()));
    put(
        "telephone_operateur",
        Value::Text(
            facts
                .office
                .phone
                .clone()
                .unwrap_or_else(|| format!("standard de {}", facts.office.operator)),
        ),
    );
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
                let word = match s {
                    Silence::Accord => "accord",
                    Silence::Rejet => "rejet",
                };
                put("sens_silence", Value::Text(word.to_owned()));
            }
        }
        Notice::DocumentsRequested { documents } => {
            put("pieces_manquantes", Value::List(documents.clone()));
            put("date_demande", date(now));
        }
        Notice::Decision { outcome, implicit } => {
            let word = match (outcome, implicit) {
                (Outcome::Granted, false) => "attribution",
                (Outcome::Refused, false) => "refus",
                (Outcome::Revised, false) => "révision",
                (Outcome::Granted, true) => "acceptation implicite (le silence vaut accord)",
                (Outcome::Refused, true) => "rejet implicite (le silence vaut rejet)",
                (Outcome::Revised, true) => "révision implicite",
            };
            put("decision", Value::Text(word.to_owned()));
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

/// French name of a kind, for alerts and the CLI.
pub fn kind_label_fr(kind: NotificationKind) -> &'static str {
    match kind {
        NotificationKind::Receipt => "accusé de réception",
        NotificationKind::DocumentsRequest => "demande de pièces",
        NotificationKind::Decision => "décision",
        NotificationKind::Reminder => "rappel",
        NotificationKind::MandateNotice => "avis de mandat",
        NotificationKind::Withdrawal => "confirmation d’abandon",
        NotificationKind::Reopening => "avis de réexamen",
    }
}

/// French name of a delivery channel.
pub fn channel_label_fr(channel: Delivery) -> &'static str {
    match channel {
        Delivery::Email => "Le courriel",
        Delivery::Sms => "Le SMS",
        Delivery::Letter => "Le courrier",
    }
}

// ------------------------------------------------------------------------------------- I/O

/// Reads who sends the letters of a case: the operator's name, and the return address and
/// phone from the procedure's published definition file when there is one.
pub async fn case_facts(store: &Store, case: &Case) -> Result<CaseFacts, StoreError> {
    let procedure: Option<HostedProcedure> = store
        .get_procedure(&case.procedure.id, Some(case.procedure.version))
        .await?;
    let (title, operator_id) = match &procedure {
        Some(p) => (p.title().to_owned(), Some(p.operator().clone())),
        None => (case.procedure.id.to_string(), None),
    };
    let operator = match &operator_id {
        Some(id) => store
            .list_operators()
            .await?
            .into_iter()
            .find(|o| &o.id == id)
            .map_or_else(|| id.to_string(), |o| o.name),
        None => "l’administration".to_owned(),
    };
    let definition = store
        .get_definition(case.procedure.id.as_str(), Some(case.procedure.version))
        .await?;
    let office = office_from_definition(&operator, definition.as_ref().map(|d| d.source.as_str()));
    Ok(CaseFacts {
        procedure_title: title,
        office,
    })
}

/// The sender block from a definition file's `[channels.post] address` and
/// `[channels.phone] number`/`hours` (the definition was checked when it was published).
pub fn office_from_definition(operator: &str, source: Option<&str>) -> Office {
    let parsed: Option<toml::Value> = source.and_then(|s| toml::from_str(s).ok());
    let get = |path: &[&str]| {
        let mut v = parsed.as_ref()?;
        for p in path {
            v = v.get(p)?;
        }
        v.as_str().map(str::to_owned)
    };
    let mut lines: Vec<String> = Vec::new();
    let mut town = None;
    if let Some(address) = get(&["channels", "post", "address"]) {
        let parts: Vec<String> = address
            .split(',')
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect();
        for (i, part) in parts.iter().enumerate() {
            if i == 0 && part.eq_ignore_ascii_case(operator) {
                continue;
            }
            lines.push(part.clone());
        }
        if let Some(last) = parts.last()
            && let Some((code, name)) = last.split_once(' ')
            && code.len() == 5
            && code.chars().all(|c| c.is_ascii_digit())
        {
            town = Some(name.trim().to_owned());
            if let Some(l) = lines.last_mut() {
                *l = format!("{code} {}", postal_town(name));
            }
        }
    }
    let phone = get(&["channels", "phone", "number"]);
    if let Some(number) = &phone {
        let line = match get(&["channels", "phone", "hours"]) {
            Some(h) => format!("Téléphone : {number} ({h})"),
            None => format!("Téléphone : {number}"),
        };
        lines.truncate(5);
        lines.push(line);
    }
    lines.truncate(6);
    Office {
        operator: operator.to_owned(),
        lines,
        phone,
        town,
    }
}

async fn recipient(store: &Store, person: PersonId) -> Result<Recipient, StoreError> {
    let found = store
        .get_person(person)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("person {person}")))?;
    let address_suspect = store.address_is_suspect(&person.to_string()).await?;
    Ok(Recipient {
        person: found,
        address_suspect,
    })
}

fn notifies(actions: &[Action]) -> bool {
    actions.iter().any(|a| matches!(a, Action::Notify { .. }))
}

async fn plan_for(
    store: &Store,
    templates: &Templates,
    next: &Case,
    decision: &Decision,
    now: DateTime<Utc>,
) -> Result<Plan, StoreError> {
    if !notifies(&decision.actions) {
        return Ok(Plan::default());
    }
    let recipient = recipient(store, next.person).await?;
    let facts = case_facts(store, next).await?;
    Ok(plan_intents(
        next,
        &decision.events,
        &recipient,
        &facts,
        &decision.actions,
        templates,
        now,
    ))
}

/// Loads a case, lets the domain decide, and appends the events with the notifications they
/// cause, in one transaction. When another writer appended first, the command is decided again
/// on the newer case (a few times); a refused command writes nothing.
pub async fn execute(
    store: &Store,
    templates: &Templates,
    reference: &CaseReference,
    command: Command,
    ctx: Context,
) -> Result<(Case, Decision), CommandError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let case = store.load_case(reference).await?;
        let decision = case.decide(command.clone(), ctx)?;
        let next = apply(&case, &decision.events)?;
        let plan = plan_for(store, templates, &next, &decision, ctx.now).await?;
        match store
            .append_events_with_outbox(
                &case,
                &decision.events,
                &plan.intents,
                &plan.alerts,
                ctx.now,
            )
            .await
        {
            Ok(case) => return Ok((case, decision)),
            Err(StoreError::Conflict { .. }) if attempt < ATTEMPTS => {
                tracing::debug!(case = %reference, attempt, "conflict, deciding again");
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Opens a case and writes whatever notification the opening causes, in one transaction.
pub async fn open_case(
    store: &Store,
    templates: &Templates,
    reference: CaseReference,
    procedure: &HostedProcedure,
    person: PersonId,
    ctx: Context,
) -> Result<(Case, Decision), CommandError> {
    let decision = Case::open(reference, procedure, person, ctx)?;
    let next = Case::replay(&decision.events).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let plan = plan_for(store, templates, &next, &decision, ctx.now).await?;
    let case = store
        .create_case_with_outbox(&decision.events, &plan.intents, &plan.alerts, ctx.now)
        .await?;
    Ok((case, decision))
}

fn apply(case: &Case, events: &[Event]) -> Result<Case, StoreError> {
    let mut next = case.clone();
    for e in events {
        next = next
            .apply(e)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    }
    Ok(next)
}

#[cfg(test)]
mod tests;
