//! Hosted-procedure definition files: one TOML file per procedure, versioned with the code of
//! the instance, and the publishing rules that every definition must pass.
//!
//! The only way to obtain a [`ProcedureDefinition`] is [`ProcedureDefinition::parse`], which
//! checks the rules of the product (never digital-only, rights decisions notified on paper,
//! non-digitisable procedures name their places, form conditions are acyclic). Code that holds a
//! `ProcedureDefinition` therefore holds a publishable procedure: the rules are enforced by
//! construction, not by remembering to call a validator. Every refusal names the file, the line
//! and the rule, so the administrator who wrote the file can fix it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use guichet_domain::{
    ChannelAccess, DeadlineDuration, HostedProcedure, LegalDeadline, OperatorId, ProcedureChannel,
    ProcedureId, Silence,
};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::CatalogueError;

/// A publishing rule. Its code is stable: it appears in messages and in documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Rule {
    /// The file is not valid TOML, or has an unknown key, type or value.
    Syntax,
    /// A procedure must be open on at least one non-digital channel.
    NeverDigitalOnly,
    /// A procedure that decides on rights notifies its decisions by post.
    RightsDecisionsByPost,
    /// A procedure that cannot be digitised names the places where it is done.
    NonDigitisableNamesPlaces,
    /// Form conditions reference existing fields and never form a cycle.
    ConditionsAcyclic,
    /// Field identifiers, choices and groups are well formed.
    FormWellFormed,
    /// Identifiers, titles, versions and deadlines are well formed.
    Identity,
}

impl Rule {
    pub fn code(self) -> &'static str {
        match self {
            Rule::Syntax => "syntax",
            Rule::NeverDigitalOnly => "never-digital-only",
            Rule::RightsDecisionsByPost => "rights-decisions-by-post",
            Rule::NonDigitisableNamesPlaces => "non-digitisable-names-places",
            Rule::ConditionsAcyclic => "conditions-acyclic",
            Rule::FormWellFormed => "form-well-formed",
            Rule::Identity => "identity",
        }
    }
}

/// One refusal: which file, which line, which rule, and a French explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    /// 1-based line, when the problem is attached to a place in the file.
    pub line: Option<usize>,
    pub rule: Rule,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: ", self.file.display())?,
            None => write!(f, "{}: ", self.file.display())?,
        }
        write!(f, "[{}] {}", self.rule.code(), self.message)
    }
}

/// Everything wrong with one or several files; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// Who a procedure is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Particuliers,
    Professionnels,
    Associations,
}

impl Audience {
    pub fn code(self) -> &'static str {
        match self {
            Audience::Particuliers => "particuliers",
            Audience::Professionnels => "professionnels",
            Audience::Associations => "associations",
        }
    }
    pub fn label_fr(self) -> &'static str {
        match self {
            Audience::Particuliers => "Particuliers",
            Audience::Professionnels => "Professionnels",
            Audience::Associations => "Associations",
        }
    }
}

/// The type of a form field, with the rules that go with it (checked from [`FieldRaw`]).
#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    Text {
        max_length: Option<u32>,
        multiline: bool,
    },
    Number {
        min: Option<f64>,
        max: Option<f64>,
        unit: Option<String>,
    },
    /// `past_only`: the date may not be in the future (a birth date, a date of death).
    Date {
        past_only: bool,
    },
    Choice {
        choices: Vec<String>,
        multiple: bool,
    },
    YesNo,
    Address,
    /// `document`: which required document this attachment provides, if any.
    Attachment {
        document: Option<String>,
    },
    /// A repeated group ("each child"), between `min` and `max` times.
    Group {
        fields: Vec<Field>,
        min: Option<u32>,
        max: Option<u32>,
    },
}

impl FieldKind {
    pub const CODES: [&'static str; 8] = [
        "text",
        "number",
        "date",
        "choice",
        "yes_no",
        "address",
        "attachment",
        "group",
    ];

    pub fn code(&self) -> &'static str {
        match self {
            FieldKind::Text { .. } => "text",
            FieldKind::Number { .. } => "number",
            FieldKind::Date { .. } => "date",
            FieldKind::Choice { .. } => "choice",
            FieldKind::YesNo => "yes_no",
            FieldKind::Address => "address",
            FieldKind::Attachment { .. } => "attachment",
            FieldKind::Group { .. } => "group",
        }
    }
}

/// "Show this field only if that one has this value" (or, without a value, is answered yes).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    #[serde(default)]
    pub equals: Option<toml::Value>,
}

/// A form field as written in the file: every type's options are optional keys, and
/// [`ProcedureDefinition::parse`] turns them into a [`Field`] or says which key is wrong.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRaw {
    pub id: Spanned<String>,
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub help: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub show_if: Option<Spanned<Condition>>,
    #[serde(default)]
    pub max_length: Option<u32>,
    #[serde(default)]
    pub multiline: Option<bool>,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub past_only: Option<bool>,
    #[serde(default)]
    pub choices: Option<Vec<String>>,
    #[serde(default)]
    pub multiple: Option<bool>,
    #[serde(default)]
    pub document: Option<String>,
    #[serde(default)]
    pub fields: Option<Vec<FieldRaw>>,
}

/// A checked form field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub id: String,
    pub label: String,
    pub help: Option<String>,
    pub required: bool,
    pub show_if: Option<Condition>,
    pub kind: FieldKind,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentRaw {
    pub name: String,
    #[serde(default = "yes")]
    pub required: bool,
    #[serde(default)]
    pub help: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeRaw {
    pub label: String,
    /// Amount in euro cents, so that no rounding ever happens.
    pub amount_cents: u32,
    #[serde(default)]
    pub help: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineRaw {
    #[serde(default)]
    pub days: Option<u16>,
    #[serde(default)]
    pub months: Option<u8>,
    pub silence: Silence,
}

/// How one channel is open. Only `how` is required; the other keys say where and when.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelRaw {
    pub how: String,
    /// Web: the address of the online service.
    #[serde(default)]
    pub url: Option<String>,
    /// Phone: the number to call.
    #[serde(default)]
    pub number: Option<String>,
    /// Phone and counter: opening hours, in plain French.
    #[serde(default)]
    pub hours: Option<String>,
    /// Counter: the counters where it is done.
    #[serde(default)]
    pub counters: Vec<String>,
    /// Post: the address to write to.
    #[serde(default)]
    pub address: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelsRaw {
    #[serde(default)]
    pub web: Option<ChannelRaw>,
    #[serde(default)]
    pub phone: Option<ChannelRaw>,
    #[serde(default)]
    pub counter: Option<ChannelRaw>,
    #[serde(default)]
    pub post: Option<ChannelRaw>,
}

impl ChannelsRaw {
    pub fn iter(&self) -> impl Iterator<Item = (ProcedureChannel, &ChannelRaw)> {
        [
            (ProcedureChannel::Web, self.web.as_ref()),
            (ProcedureChannel::Phone, self.phone.as_ref()),
            (ProcedureChannel::Counter, self.counter.as_ref()),
            (ProcedureChannel::Post, self.post.as_ref()),
        ]
        .into_iter()
        .filter_map(|(c, raw)| raw.map(|r| (c, r)))
    }
}

/// How decisions are notified. `post` is implied for rights decisions but must be written, so
/// that the file says what happens.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionsRaw {
    /// Channels used to notify decisions: `post`, `email`, `sms`, `counter`.
    pub notify: Vec<String>,
}

/// The whole file, as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefinitionRaw {
    pub id: Spanned<String>,
    pub version: Spanned<u32>,
    pub title: Spanned<String>,
    pub summary: String,
    pub operator: Spanned<String>,
    #[serde(default = "default_audience")]
    pub audience: Vec<Audience>,
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Whether decisions grant, withdraw or revise a right.
    #[serde(default = "spanned_false")]
    pub decides_rights: Spanned<bool>,
    /// False when the procedure needs physical presence (a hospital, a care home…).
    #[serde(default = "spanned_true")]
    pub digitisable: Spanned<bool>,
    /// Where a non-digitisable procedure is done.
    #[serde(default)]
    pub places: Vec<String>,
    #[serde(default)]
    pub deadline: Option<Spanned<DeadlineRaw>>,
    #[serde(default)]
    pub decisions: Option<Spanned<DecisionsRaw>>,
    pub channels: Spanned<ChannelsRaw>,
    #[serde(default)]
    pub fields: Vec<FieldRaw>,
    #[serde(default)]
    pub documents: Vec<DocumentRaw>,
    #[serde(default)]
    pub fees: Vec<FeeRaw>,
}

fn yes() -> bool {
    true
}
fn default_audience() -> Vec<Audience> {
    vec![Audience::Particuliers]
}
fn spanned_true() -> Spanned<bool> {
    Spanned::new(0..0, true)
}
fn spanned_false() -> Spanned<bool> {
    Spanned::new(0..0, false)
}

/// A definition that passed every publishing rule. It can only be built by [`Self::parse`].
#[derive(Debug, Clone, PartialEq)]
pub struct ProcedureDefinition {
    procedure: HostedProcedure,
    fields: Vec<Field>,
    raw: DefinitionRaw,
    source: String,
}

impl ProcedureDefinition {
    /// Parses and checks one definition file's text. `file` is only used in messages.
    pub fn parse(file: &Path, text: &str) -> Result<Self, Problems> {
        let mut checker = Checker {
            file,
            text,
            problems: Vec::new(),
        };
        let raw: DefinitionRaw = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => {
                checker.push(
                    e.span().map(|s| s.start),
                    Rule::Syntax,
                    e.message().trim().to_owned(),
                );
                return Err(Problems(checker.problems));
            }
        };
        let checked = checker.check(&raw);
        match checked {
            Some((procedure, fields)) if checker.problems.is_empty() => Ok(Self {
                procedure,
                fields,
                raw,
                source: text.to_owned(),
            }),
            _ => Err(Problems(checker.problems)),
        }
    }

    /// The domain procedure that cases follow.
    pub fn procedure(&self) -> &HostedProcedure {
        &self.procedure
    }
    /// The file as written, for the paper form and the database.
    pub fn raw(&self) -> &DefinitionRaw {
        &self.raw
    }
    /// The exact text of the file: stored with each version so it can be re-read later.
    pub fn source(&self) -> &str {
        &self.source
    }
    pub fn id(&self) -> &ProcedureId {
        self.procedure.id()
    }
    pub fn version(&self) -> u32 {
        self.procedure.version()
    }
    pub fn audience(&self) -> &[Audience] {
        &self.raw.audience
    }
    pub fn keywords(&self) -> &[String] {
        &self.raw.keywords
    }
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }
    pub fn documents(&self) -> &[DocumentRaw] {
        &self.raw.documents
    }
    pub fn fees(&self) -> &[FeeRaw] {
        &self.raw.fees
    }
    pub fn channels(&self) -> &ChannelsRaw {
        self.raw.channels.get_ref()
    }
    pub fn digitisable(&self) -> bool {
        *self.raw.digitisable.get_ref()
    }
    pub fn places(&self) -> &[String] {
        &self.raw.places
    }
    pub fn notify(&self) -> &[String] {
        self.raw
            .decisions
            .as_ref()
            .map(|d| d.get_ref().notify.as_slice())
            .unwrap_or(&[])
    }
}

struct Checker<'a> {
    file: &'a Path,
    text: &'a str,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.text.as_bytes()[..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    fn push(&mut self, offset: Option<usize>, rule: Rule, message: impl Into<String>) {
        let line = offset.map(|o| self.line_of(o));
        self.problems.push(Problem {
            file: self.file.to_path_buf(),
            line,
            rule,
            message: message.into(),
        });
    }

    fn at<T>(spanned: &Spanned<T>) -> Option<usize> {
        let span = spanned.span();
        // Defaults carry an empty span at 0: they point at no line.
        if span.is_empty() && span.start == 0 {
            None
        } else {
            Some(span.start)
        }
    }

    fn check(&mut self, raw: &DefinitionRaw) -> Option<(HostedProcedure, Vec<Field>)> {
        let id = ProcedureId::parse(raw.id.get_ref());
        if let Err(e) = &id {
            self.push(Self::at(&raw.id), Rule::Identity, e.message.clone());
        }
        let operator = OperatorId::parse(raw.operator.get_ref());
        if let Err(e) = &operator {
            self.push(Self::at(&raw.operator), Rule::Identity, e.message.clone());
        }
        if raw.title.get_ref().trim().is_empty() {
            self.push(
                Self::at(&raw.title),
                Rule::Identity,
                "Une démarche doit avoir un titre.",
            );
        }
        if *raw.version.get_ref() == 0 {
            self.push(
                Self::at(&raw.version),
                Rule::Identity,
                "Les versions d’une démarche commencent à 1.",
            );
        }
        if raw.audience.is_empty() {
            self.push(
                None,
                Rule::Identity,
                "« audience » doit nommer au moins un public.",
            );
        }
        let deadline = self.check_deadline(raw);
        self.check_channels(raw);
        self.check_rights(raw);
        self.check_presence(raw);
        let fields = self.check_form(raw);

        let channels: BTreeMap<ProcedureChannel, ChannelAccess> = raw
            .channels
            .get_ref()
            .iter()
            .map(|(c, r)| {
                (
                    c,
                    ChannelAccess {
                        how: r.how.trim().to_owned(),
                    },
                )
            })
            .collect();
        let (Ok(id), Ok(operator)) = (id, operator) else {
            return None;
        };
        if !self.problems.is_empty() {
            return None;
        }
        let procedure_fields = guichet_domain::procedure::HostedProcedureFields {
            id,
            version: *raw.version.get_ref(),
            title: raw.title.get_ref().clone(),
            summary: raw.summary.clone(),
            operator,
            channels,
            deadline,
            decides_rights: *raw.decides_rights.get_ref(),
        };
        match HostedProcedure::try_from(procedure_fields) {
            Ok(p) => Some((p, fields)),
            Err(e) => {
                // The domain re-checks the channel rules; reaching here means a rule it knows
                // and this checker does not, so report it rather than losing it.
                self.push(Self::at(&raw.channels), Rule::Identity, e.message);
                None
            }
        }
    }

    fn check_deadline(&mut self, raw: &DefinitionRaw) -> Option<LegalDeadline> {
        let spanned = raw.deadline.as_ref()?;
        let d = spanned.get_ref();
        let duration = match (d.days, d.months) {
            (Some(n), None) if n > 0 => Some(DeadlineDuration::Days(n)),
            (None, Some(n)) if n > 0 => Some(DeadlineDuration::Months(n)),
            _ => None,
        };
        match duration {
            Some(duration) => Some(LegalDeadline {
                duration,
                silence: d.silence,
            }),
            None => {
                self.push(
                    Self::at(spanned),
                    Rule::Identity,
                    "Le délai légal s’écrit soit « days = N », soit « months = N » (N > 0), pas les deux.",
                );
                None
            }
        }
    }

    fn check_channels(&mut self, raw: &DefinitionRaw) {
        let at = Self::at(&raw.channels);
        let channels = raw.channels.get_ref();
        if channels.iter().next().is_none() {
            self.push(
                at,
                Rule::NeverDigitalOnly,
                "La démarche n’est ouverte sur aucun canal : ouvrez au moins le téléphone, le guichet ou le courrier.",
            );
            return;
        }
        if channels.iter().all(|(c, _)| c.is_digital()) {
            self.push(
                at,
                Rule::NeverDigitalOnly,
                "La démarche ne peut se faire qu’en ligne : ouvrez aussi [channels.phone], [channels.counter] ou [channels.post] (droit au refus du numérique).",
            );
        }
        for (channel, access) in channels.iter() {
            let name = match channel {
                ProcedureChannel::Web => "web",
                ProcedureChannel::Phone => "phone",
                ProcedureChannel::Counter => "counter",
                ProcedureChannel::Post => "post",
            };
            let missing = match channel {
                _ if access.how.trim().is_empty() => Some("« how » (comment faire)"),
                ProcedureChannel::Phone if blank(&access.number) => Some("« number »"),
                ProcedureChannel::Post if blank(&access.address) => Some("« address »"),
                ProcedureChannel::Counter if access.counters.is_empty() => Some("« counters »"),
                _ => None,
            };
            if let Some(what) = missing {
                self.push(
                    at,
                    Rule::Identity,
                    format!("[channels.{name}] doit indiquer {what}."),
                );
            }
        }
    }

    fn check_rights(&mut self, raw: &DefinitionRaw) {
        if !*raw.decides_rights.get_ref() {
            return;
        }
        let by_post = raw
            .decisions
            .as_ref()
            .is_some_and(|d| d.get_ref().notify.iter().any(|c| c == "post"));
        if !by_post {
            let at = raw
                .decisions
                .as_ref()
                .and_then(Self::at)
                .or_else(|| Self::at(&raw.decides_rights));
            self.push(
                at,
                Rule::RightsDecisionsByPost,
                "Cette démarche décide de droits (decides_rights = true) : ses décisions doivent être notifiées par courrier, écrivez [decisions] notify = [\"post\", …].",
            );
        }
        if let Some(d) = &raw.decisions {
            for c in &d.get_ref().notify {
                if !matches!(c.as_str(), "post" | "email" | "sms" | "counter") {
                    self.push(
                        Self::at(d),
                        Rule::Syntax,
                        format!(
                            "Canal de notification inconnu « {c} » (post, email, sms, counter)."
                        ),
                    );
                }
            }
        }
    }

    fn check_presence(&mut self, raw: &DefinitionRaw) {
        if *raw.digitisable.get_ref() {
            return;
        }
        let at = Self::at(&raw.digitisable);
        if raw.places.iter().all(|p| p.trim().is_empty()) {
            self.push(
                at,
                Rule::NonDigitisableNamesPlaces,
                "Cette démarche ne peut pas être dématérialisée (digitisable = false) : « places » doit nommer les lieux où elle se fait.",
            );
        }
        if raw.channels.get_ref().counter.is_none() {
            self.push(
                at,
                Rule::NonDigitisableNamesPlaces,
                "Cette démarche demande une présence physique (digitisable = false) : ouvrez [channels.counter].",
            );
        }
    }

    /// Turns the written fields into checked ones, reporting every wrong key with its line.
    fn convert_fields(&mut self, raws: &[FieldRaw]) -> Vec<Field> {
        let mut out = Vec::new();
        for f in raws {
            let id = f.id.get_ref().clone();
            let at = Self::at(&f.id);
            let code = f.kind.get_ref().as_str();
            let kind = match code {
                "text" => Some(FieldKind::Text {
                    max_length: f.max_length,
                    multiline: f.multiline.unwrap_or(false),
                }),
                "number" => Some(FieldKind::Number {
                    min: f.min,
                    max: f.max,
                    unit: f.unit.clone(),
                }),
                "date" => Some(FieldKind::Date {
                    past_only: f.past_only.unwrap_or(false),
                }),
                "choice" => Some(FieldKind::Choice {
                    choices: f.choices.clone().unwrap_or_default(),
                    multiple: f.multiple.unwrap_or(false),
                }),
                "yes_no" => Some(FieldKind::YesNo),
                "address" => Some(FieldKind::Address),
                "attachment" => Some(FieldKind::Attachment {
                    document: f.document.clone(),
                }),
                "group" => {
                    let inner = self.convert_fields(f.fields.as_deref().unwrap_or(&[]));
                    Some(FieldKind::Group {
                        fields: inner,
                        min: f.min.map(|v| v.max(0.0) as u32),
                        max: f.max.map(|v| v.max(0.0) as u32),
                    })
                }
                other => {
                    self.push(
                        Self::at(&f.kind),
                        Rule::Syntax,
                        format!(
                            "Type de champ inconnu « {other} » pour « {id} » (types connus : {}).",
                            FieldKind::CODES.join(", ")
                        ),
                    );
                    None
                }
            };
            // Options that do not belong to the type are mistakes worth telling, not ignoring.
            let stray: Vec<&str> = [
                ("max_length", f.max_length.is_some(), &["text"][..]),
                ("multiline", f.multiline.is_some(), &["text"][..]),
                ("min", f.min.is_some(), &["number", "group"][..]),
                ("max", f.max.is_some(), &["number", "group"][..]),
                ("unit", f.unit.is_some(), &["number"][..]),
                ("past_only", f.past_only.is_some(), &["date"][..]),
                ("choices", f.choices.is_some(), &["choice"][..]),
                ("multiple", f.multiple.is_some(), &["choice"][..]),
                ("document", f.document.is_some(), &["attachment"][..]),
                ("fields", f.fields.is_some(), &["group"][..]),
            ]
            .into_iter()
            .filter(|(_, present, types)| *present && kind.is_some() && !types.contains(&code))
            .map(|(key, _, _)| key)
            .collect();
            if !stray.is_empty() {
                self.push(
                    at,
                    Rule::FormWellFormed,
                    format!(
                        "Le champ « {id} » de type {code} n’accepte pas : {}.",
                        stray.join(", ")
                    ),
                );
            }
            if let Some(kind) = kind {
                out.push(Field {
                    id,
                    label: f.label.trim().to_owned(),
                    help: f.help.clone(),
                    required: f.required,
                    show_if: f.show_if.as_ref().map(|c| c.get_ref().clone()),
                    kind,
                });
            }
        }
        out
    }

    fn check_form(&mut self, raw: &DefinitionRaw) -> Vec<Field> {
        let fields = self.convert_fields(&raw.fields);
        // Conditions may point anywhere in the form (including into or out of groups), so the
        // ids are global to the file.
        let mut all: Vec<&FieldRaw> = Vec::new();
        collect_raw(&raw.fields, &mut all);
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for f in &all {
            let id = f.id.get_ref().as_str();
            let valid = !id.is_empty()
                && id.len() <= 64
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !valid {
                self.push(
                    Self::at(&f.id),
                    Rule::FormWellFormed,
                    format!("« {id} » n’est pas un identifiant de champ valide (minuscules, chiffres, _)."),
                );
            }
            if !seen.insert(id) {
                self.push(
                    Self::at(&f.id),
                    Rule::FormWellFormed,
                    format!("Le champ « {id} » est défini deux fois."),
                );
            }
            if f.label.trim().is_empty() {
                self.push(
                    Self::at(&f.id),
                    Rule::FormWellFormed,
                    format!("Le champ « {id} » doit avoir un libellé (label)."),
                );
            }
            let code = f.kind.get_ref().as_str();
            if code == "choice" && f.choices.as_ref().is_none_or(|c| c.len() < 2) {
                self.push(
                    Self::at(&f.id),
                    Rule::FormWellFormed,
                    format!("Le champ à choix « {id} » doit proposer au moins deux choix."),
                );
            }
            if code == "group" && f.fields.as_ref().is_none_or(|c| c.is_empty()) {
                self.push(
                    Self::at(&f.id),
                    Rule::FormWellFormed,
                    format!("Le groupe « {id} » ne contient aucun champ."),
                );
            }
            if let (Some(min), Some(max)) = (f.min, f.max)
                && min > max
            {
                self.push(
                    Self::at(&f.id),
                    Rule::FormWellFormed,
                    format!("Le champ « {id} » a un minimum supérieur à son maximum."),
                );
            }
        }
        // Conditions: the referenced field exists, and following "depends on" never loops.
        let by_id: BTreeMap<&str, &FieldRaw> =
            all.iter().map(|f| (f.id.get_ref().as_str(), *f)).collect();
        for f in &all {
            if let Some(cond) = &f.show_if {
                let target = cond.get_ref().field.as_str();
                if !by_id.contains_key(target) {
                    self.push(
                        Self::at(cond),
                        Rule::ConditionsAcyclic,
                        format!(
                            "Le champ « {} » dépend de « {target} », qui n’existe pas.",
                            f.id.get_ref()
                        ),
                    );
                }
            }
        }
        let mut reported: BTreeSet<&str> = BTreeSet::new();
        for f in &all {
            let start = f.id.get_ref().as_str();
            let mut path = vec![start];
            let mut current = *f;
            while let Some(cond) = &current.show_if {
                let next = cond.get_ref().field.as_str();
                let Some(next_field) = by_id.get(next) else {
                    break;
                };
                if let Some(pos) = path.iter().position(|p| *p == next) {
                    let cycle: Vec<&str> = path[pos..].to_vec();
                    if cycle.iter().all(|c| !reported.contains(c)) {
                        reported.extend(cycle.iter().copied());
                        let mut shown = cycle.join(" → ");
                        shown.push_str(" → ");
                        shown.push_str(next);
                        self.push(
                            f.show_if.as_ref().and_then(Self::at),
                            Rule::ConditionsAcyclic,
                            format!("Conditions circulaires : {shown}."),
                        );
                    }
                    break;
                }
                path.push(next);
                current = next_field;
            }
        }
        fields
    }
}

fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|s| s.trim().is_empty())
}

fn collect_raw<'a>(fields: &'a [FieldRaw], out: &mut Vec<&'a FieldRaw>) {
    for f in fields {
        out.push(f);
        if let Some(inner) = &f.fields {
            collect_raw(inner, out);
        }
    }
}

/// Reads every `*.toml` file of a folder (sorted by name) and checks them all. Either every file
/// passes and all definitions are returned, or every problem of every file is.
pub fn load_dir(dir: &Path) -> Result<Vec<ProcedureDefinition>, CatalogueError> {
    let entries = std::fs::read_dir(dir).map_err(|source| CatalogueError::Io {
        path: dir.to_path_buf(),
        cause: source,
    })?;
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| CatalogueError::Io {
            path: dir.to_path_buf(),
            cause: source,
        })?;
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "toml") {
            paths.push(path);
        }
    }
    paths.sort();
    let mut defs = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|source| CatalogueError::Io {
            path: path.clone(),
            cause: source,
        })?;
        match ProcedureDefinition::parse(&path, &text) {
            Ok(d) => defs.push((path, d)),
            Err(Problems(p)) => problems.extend(p),
        }
    }
    let mut ids: BTreeMap<String, PathBuf> = BTreeMap::new();
    for (path, d) in &defs {
        if let Some(first) = ids.insert(d.id().to_string(), path.clone()) {
            problems.push(Problem {
                file: path.clone(),
                line: None,
                rule: Rule::Identity,
                message: format!(
                    "L’identifiant « {} » est déjà utilisé par {}.",
                    d.id(),
                    first.display()
                ),
            });
        }
    }
    if problems.is_empty() {
        Ok(defs.into_iter().map(|(_, d)| d).collect())
    } else {
        Err(CatalogueError::Definitions(Problems(problems)))
    }
}
