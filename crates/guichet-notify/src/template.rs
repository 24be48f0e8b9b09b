//! Notification templates: versioned text with typed placeholders.
//!
//! Administrators edit templates; a mistake there must never reach a person.
//! So a template is checked before it is saved: its markup must be well formed
//! (`{{ name }}` placeholders only), every placeholder must be one the kind of
//! notification provides, an SMS must stay short, and a decision letter must
//! carry the legal mentions. Rendering then takes typed values (dates, amounts,
//! lists) and formats them the French way for each channel.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use guichet_letters::{Wording, french_date};
use serde::{Deserialize, Serialize};

use crate::error::NotifyError;
use guichet_domain::{Delivery, NotificationKind};

/// The type of a placeholder's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    Text,
    Date,
    Amount,
    List,
}

/// A placeholder a template may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Placeholder {
    pub name: &'static str,
    pub ty: ValueType,
    /// What it stands for, shown to template authors.
    pub help: &'static str,
    /// A value a case may lack (the phone, when the procedure gives none): a paragraph that
    /// uses it is then left out, so that no sentence promises what is not there.
    pub optional: bool,
}

const fn ph(name: &'static str, ty: ValueType, help: &'static str) -> Placeholder {
    Placeholder {
        name,
        ty,
        help,
        optional: false,
    }
}

const fn optional(name: &'static str, ty: ValueType, help: &'static str) -> Placeholder {
    Placeholder {
        name,
        ty,
        help,
        optional: true,
    }
}

/// Put in place of an optional value the case lacks; its paragraph is then left out.
const ABSENT: char = '\u{1}';

const COMMON: &[Placeholder] = &[
    ph(
        "nom",
        ValueType::Text,
        "civilité, prénom et nom de la personne",
    ),
    ph("reference_dossier", ValueType::Text, "référence du dossier"),
    ph("code_suivi", ValueType::Text, "code de suivi du dossier"),
    ph("demarche", ValueType::Text, "nom de la démarche"),
    ph(
        "operateur",
        ValueType::Text,
        "administration en charge, comme elle signe (« CCAS de Saint-Clair »)",
    ),
    ph(
        "l_operateur",
        ValueType::Text,
        "l’administration avec son article (« le CCAS de Saint-Clair », « la mairie de … »)",
    ),
    ph(
        "de_l_operateur",
        ValueType::Text,
        "après « de » ou « auprès » (« du CCAS de Saint-Clair », « de la mairie de … »)",
    ),
    ph(
        "a_l_operateur",
        ValueType::Text,
        "après « à » (« au CCAS de Saint-Clair », « à la mairie de … »)",
    ),
    optional(
        "telephone_operateur",
        ValueType::Text,
        "téléphone de l’administration ; sans numéro, le paragraphe qui l’emploie est omis",
    ),
];

/// The placeholders a kind of notification provides.
pub fn placeholders(kind: NotificationKind) -> Vec<Placeholder> {
    let specific: &[Placeholder] = match kind {
        NotificationKind::Receipt => &[
            ph("date_depot", ValueType::Date, "date de dépôt de la demande"),
            ph(
                "date_limite",
                ValueType::Date,
                "date limite légale de réponse",
            ),
            ph(
                "sens_silence",
                ValueType::Text,
                "« accord » ou « rejet » : ce que vaut le silence",
            ),
            ph(
                "effet_silence",
                ValueType::Text,
                "« acceptée » ou « refusée » : ce que devient la demande sans réponse",
            ),
        ],
        // The legal deadline is suspended until the documents arrive, which the wording says;
        // the officer may also set a date by which to reply.
        NotificationKind::DocumentsRequest => &[
            ph("pieces_manquantes", ValueType::List, "pièces à fournir"),
            ph(
                "date_demande",
                ValueType::Date,
                "date de la demande de pièces",
            ),
            optional(
                "date_reponse",
                ValueType::Date,
                "date avant laquelle répondre ; sans date, le paragraphe qui l’emploie est omis",
            ),
        ],
        NotificationKind::Decision => &[
            ph(
                "decision",
                ValueType::Text,
                "sens de la décision (attribution, refus, révision…)",
            ),
            ph(
                "phrase_decision",
                ValueType::Text,
                "la décision en une proposition (« votre demande est refusée »)",
            ),
            ph("date_decision", ValueType::Date, "date de la décision"),
            ph(
                "montant",
                ValueType::Amount,
                "montant accordé (seulement si la décision en fixe un)",
            ),
            ph("motif", ValueType::Text, "motif de la décision"),
        ],
        NotificationKind::Reminder => &[
            ph("objet_rappel", ValueType::Text, "ce qui est rappelé"),
            ph("date_limite", ValueType::Date, "échéance"),
        ],
        NotificationKind::MandateNotice => &[
            ph("aidant", ValueType::Text, "nom de l’aidant"),
            ph("date_fin_mandat", ValueType::Date, "fin du mandat"),
            ph(
                "perimetre_mandat",
                ValueType::Text,
                "démarches couvertes par le mandat",
            ),
        ],
        NotificationKind::Withdrawal => &[ph(
            "date_abandon",
            ValueType::Date,
            "date à laquelle la demande a été abandonnée",
        )],
        NotificationKind::Reopening => &[
            ph("date_reouverture", ValueType::Date, "date de réouverture"),
            ph("motif", ValueType::Text, "motif de la réouverture"),
        ],
        NotificationKind::Message => &[
            ph("date_message", ValueType::Date, "date du message"),
            ph(
                "message",
                ValueType::Text,
                "le message de l’agent, tel qu’il l’a écrit",
            ),
        ],
        // Account messages are written by the portal (`account.rs`), not from templates.
        NotificationKind::Account => &[],
    };
    COMMON.iter().chain(specific).copied().collect()
}

/// A typed value for a placeholder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Value {
    Text(String),
    Date(NaiveDate),
    /// Euro cents.
    Amount(i64),
    List(Vec<String>),
}

impl Value {
    fn ty(&self) -> ValueType {
        match self {
            Value::Text(_) => ValueType::Text,
            Value::Date(_) => ValueType::Date,
            Value::Amount(_) => ValueType::Amount,
            Value::List(_) => ValueType::List,
        }
    }

    fn format(&self, channel: Delivery) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Date(d) => french_date(*d),
            Value::Amount(cents) => format_euros(*cents),
            Value::List(items) => match channel {
                Delivery::Sms => items.join(", "),
                Delivery::Email | Delivery::Letter => items
                    .iter()
                    .map(|i| format!("– {i}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            },
        }
    }
}

/// "1 250,50 €" with French separators (narrow no-break space for thousands).
pub fn format_euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let euros = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in euros.chars().enumerate() {
        if i > 0 && (euros.len() - i).is_multiple_of(3) {
            grouped.push('\u{202f}');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped},{:02}\u{a0}€", abs % 100)
}

/// Values keyed by placeholder name.
pub type Values = BTreeMap<String, Value>;

/// A template as an administrator writes it (also the TOML file format).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateSource {
    pub kind: NotificationKind,
    pub channel: Delivery,
    #[serde(default = "standard", with = "wording_serde")]
    pub wording: Wording,
    /// Email subject, or the letter's "Objet". None for SMS.
    pub subject: Option<String>,
    pub body: String,
    /// Letters deciding on a right: how and when to contest.
    pub legal_mentions: Option<String>,
}

fn standard() -> Wording {
    Wording::Standard
}

/// Stable names for the wording option.
pub mod wording_serde {
    use guichet_letters::Wording;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn as_str(w: Wording) -> &'static str {
        match w {
            Wording::Standard => "standard",
            Wording::EasyToRead => "easy_to_read",
        }
    }
    pub fn parse(s: &str) -> Option<Wording> {
        match s {
            "standard" => Some(Wording::Standard),
            "easy_to_read" | "falc" => Some(Wording::EasyToRead),
            _ => None,
        }
    }
    pub fn serialize<S: Serializer>(w: &Wording, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(as_str(*w))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Wording, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).ok_or_else(|| serde::de::Error::custom(format!("formulation inconnue « {s} »")))
    }
}

/// One piece of parsed template text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Placeholder(String),
}

fn parse_text(field: &str, text: &str) -> Result<Vec<Piece>, NotifyError> {
    let mut pieces = Vec::new();
    let mut rest = text;
    let line_at = |rest: &str, offset: usize| {
        text[..text.len() - rest.len() + offset]
            .matches('\n')
            .count()
            + 1
    };
    while !rest.is_empty() {
        let open = rest.find("{{");
        if let Some(c) = rest.find("}}")
            && open.is_none_or(|o| c < o)
        {
            return Err(NotifyError::Template(format!(
                "{field}, ligne {} : « }}}} » sans « {{{{ » correspondant.",
                line_at(rest, c)
            )));
        }
        let Some(o) = open else {
            pieces.push(Piece::Literal(rest.to_owned()));
            break;
        };
        if o > 0 {
            pieces.push(Piece::Literal(rest[..o].to_owned()));
        }
        let after = &rest[o + 2..];
        let Some(end) = after.find("}}") else {
            return Err(NotifyError::Template(format!(
                "{field}, ligne {} : « {{{{ » non refermé par « }}}} ».",
                line_at(rest, o)
            )));
        };
        let raw = &after[..end];
        let name = raw.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(NotifyError::Template(format!(
                "{field}, ligne {} : « {{{{{raw}}}}} » n’est pas un nom de champ valide \
                 (lettres minuscules sans accents et « _ »).",
                line_at(rest, o)
            )));
        }
        pieces.push(Piece::Placeholder(name.to_owned()));
        rest = &after[end + 2..];
    }
    Ok(pieces)
}

/// A template that passed every check; the only kind that can be saved or used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: TemplateSource,
    subject: Vec<Piece>,
    body: Vec<Piece>,
    legal: Vec<Piece>,
}

/// Text produced from a template for one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedText {
    pub subject: Option<String>,
    pub paragraphs: Vec<String>,
    pub legal_mentions: Vec<String>,
}

impl Template {
    /// Checks a template. Errors are in French and name the line at fault.
    pub fn new(source: TemplateSource) -> Result<Self, NotifyError> {
        let subject = match (&source.subject, source.channel) {
            (Some(s), Delivery::Email | Delivery::Letter) if !s.trim().is_empty() => {
                parse_text("Objet", s)?
            }
            (_, Delivery::Email | Delivery::Letter) => {
                return Err(NotifyError::Template(
                    "Un courriel ou une lettre doit avoir un objet.".into(),
                ));
            }
            (Some(_), Delivery::Sms) => {
                return Err(NotifyError::Template(
                    "Un SMS n’a pas d’objet : retirez-le.".into(),
                ));
            }
            (None, Delivery::Sms) => Vec::new(),
        };
        if source.body.trim().is_empty() {
            return Err(NotifyError::Template("Le texte du modèle est vide.".into()));
        }
        let body = parse_text("Texte", &source.body)?;
        let legal = match &source.legal_mentions {
            Some(l) => parse_text("Voies de recours", l)?,
            None => Vec::new(),
        };
        if source.kind.requires_paper()
            && source.channel == Delivery::Letter
            && source
                .legal_mentions
                .as_deref()
                .is_none_or(|l| l.trim().is_empty())
        {
            return Err(NotifyError::Template(
                "Une lettre de décision doit indiquer les voies et délais de recours (champ legal_mentions).".into(),
            ));
        }
        let allowed = placeholders(source.kind);
        for piece in subject.iter().chain(&body).chain(&legal) {
            if let Piece::Placeholder(name) = piece
                && !allowed.iter().any(|p| p.name == name)
            {
                let names: Vec<&str> = allowed.iter().map(|p| p.name).collect();
                return Err(NotifyError::Template(format!(
                    "Le champ « {{{{{name}}}}} » n’existe pas pour ce type de notification. Champs disponibles : {}.",
                    names.join(", ")
                )));
            }
        }
        let template = Self {
            source,
            subject,
            body,
            legal,
        };
        if template.source.channel == Delivery::Sms {
            let sample = template.render(&sample_values(template.source.kind))?;
            let measured = crate::sms_text::measure(&sample.paragraphs.join(" "));
            if measured.parts > 2 {
                return Err(NotifyError::Template(format!(
                    "Ce SMS ferait {} messages avec des données d’exemple ({} caractères) ; raccourcissez-le \
                     (160 caractères pour un seul message).",
                    measured.parts, measured.units
                )));
            }
        }
        Ok(template)
    }

    pub fn source(&self) -> &TemplateSource {
        &self.source
    }

    /// Names of the placeholders this template uses.
    pub fn used_placeholders(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .subject
            .iter()
            .chain(&self.body)
            .chain(&self.legal)
            .filter_map(|p| match p {
                Piece::Placeholder(n) => Some(n.as_str()),
                Piece::Literal(_) => None,
            })
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// Fills the template. A missing value or a value of the wrong type is an error.
    pub fn render(&self, values: &Values) -> Result<RenderedText, NotifyError> {
        let channel = self.source.channel;
        let kind = self.source.kind;
        let fill = |pieces: &[Piece]| -> Result<String, NotifyError> {
            let mut out = String::new();
            for piece in pieces {
                match piece {
                    Piece::Literal(s) => out.push_str(s),
                    Piece::Placeholder(name) => {
                        let placeholder = placeholders(kind).into_iter().find(|p| p.name == name);
                        let Some(value) = values.get(name) else {
                            if placeholder.is_some_and(|p| p.optional) {
                                out.push(ABSENT);
                                continue;
                            }
                            return Err(NotifyError::Template(format!(
                                "Valeur manquante pour « {{{{{name}}}}} ».",
                            )));
                        };
                        let expected = placeholder.map(|p| p.ty);
                        if expected != Some(value.ty()) {
                            return Err(NotifyError::Template(format!(
                                "La valeur de « {{{{{name}}}}} » n’est pas du type attendu ({expected:?})."
                            )));
                        }
                        out.push_str(&value.format(channel));
                    }
                }
            }
            Ok(out)
        };
        let subject = if self.subject.is_empty() {
            None
        } else {
            let subject = fill(&self.subject)?;
            if subject.contains(ABSENT) {
                return Err(NotifyError::Template(
                    "L’objet emploie une valeur que ce dossier n’a pas.".into(),
                ));
            }
            Some(subject.trim().to_owned())
        };
        Ok(RenderedText {
            subject,
            paragraphs: paragraphs(&fill(&self.body)?),
            legal_mentions: paragraphs(&fill(&self.legal)?),
        })
    }
}

fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| {
            p.lines()
                .map(str::trim_end)
                .collect::<Vec<_>>()
                .join("\n")
                .trim()
                .to_owned()
        })
        .filter(|p| !p.is_empty() && !p.contains(ABSENT))
        .collect()
}

/// Realistic values for previews and the SMS length check.
pub fn sample_values(kind: NotificationKind) -> Values {
    let mut v = Values::new();
    let mut put = |k: &str, val: Value| {
        v.insert(k.to_owned(), val);
    };
    put("nom", Value::Text("Madame Awa DIALLO".into()));
    put("reference_dossier", Value::Text("D-2026-004217".into()));
    put("code_suivi", Value::Text("KXR7-PM4Q".into()));
    put(
        "demarche",
        Value::Text("Aide au paiement de l’énergie".into()),
    );
    put("operateur", Value::Text("CCAS de Villeurbanne".into()));
    put("l_operateur", Value::Text("le CCAS de Villeurbanne".into()));
    put(
        "de_l_operateur",
        Value::Text("du CCAS de Villeurbanne".into()),
    );
    put(
        "a_l_operateur",
        Value::Text("au CCAS de Villeurbanne".into()),
    );
    put("telephone_operateur", Value::Text("04 78 03 67 67".into()));
    let date = |y, m, d| Value::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default());
    match kind {
        NotificationKind::Receipt => {
            put("date_depot", date(2026, 2, 2));
            put("date_limite", date(2026, 4, 2));
            put("sens_silence", Value::Text("accord".into()));
            put("effet_silence", Value::Text("acceptée".into()));
        }
        NotificationKind::DocumentsRequest => {
            put(
                "pieces_manquantes",
                Value::List(vec![
                    "avis d’imposition 2025".into(),
                    "dernière facture d’énergie".into(),
                ]),
            );
            put("date_demande", date(2026, 2, 15));
            put("date_reponse", date(2026, 3, 15));
        }
        NotificationKind::Decision => {
            put("decision", Value::Text("attribution".into()));
            put(
                "phrase_decision",
                Value::Text("votre demande est acceptée".into()),
            );
            put("date_decision", date(2026, 3, 10));
            put("montant", Value::Amount(25_000));
            put(
                "motif",
                Value::Text("vos ressources sont inférieures au plafond".into()),
            );
        }
        NotificationKind::Reminder => {
            put(
                "objet_rappel",
                Value::Text("votre rendez-vous à l’accueil".into()),
            );
            put("date_limite", date(2026, 3, 20));
        }
        NotificationKind::MandateNotice => {
            put(
                "aidant",
                Value::Text("Karim BENALI, France Services de Vaulx-en-Velin".into()),
            );
            put("date_fin_mandat", date(2026, 9, 1));
            put("perimetre_mandat", Value::Text("aides sociales".into()));
        }
        NotificationKind::Withdrawal => {
            put("date_abandon", date(2026, 2, 20));
        }
        NotificationKind::Message => {
            put("date_message", date(2026, 2, 16));
            put(
                "message",
                Value::Text(
                    "Votre avis d’imposition est bien arrivé. Il manque encore la page 2.".into(),
                ),
            );
        }
        NotificationKind::Reopening => {
            put("date_reouverture", date(2026, 4, 2));
            put(
                "motif",
                Value::Text("recours gracieux reçu avec de nouveaux justificatifs".into()),
            );
        }
        NotificationKind::Account => {}
    }
    v
}

/// The templates shipped with Guichet, loaded when the database has none.
pub fn default_templates() -> Result<Vec<Template>, NotifyError> {
    #[derive(Deserialize)]
    struct File {
        template: Vec<TemplateSource>,
    }
    let file: File = toml::from_str(include_str!("default_templates.toml"))
        .map_err(|e| NotifyError::Template(format!("modèles par défaut : {e}")))?;
    file.template.into_iter().map(Template::new).collect()
}

/// Reads a template file (TOML) as written by an administrator.
pub fn parse_template_file(text: &str) -> Result<Template, NotifyError> {
    let source: TemplateSource = toml::from_str(text)
        .map_err(|e| NotifyError::Template(format!("fichier de modèle illisible : {e}")))?;
    Template::new(source)
}

/// Writes a template back as TOML for `guichet templates show`.
pub fn to_template_file(source: &TemplateSource) -> Result<String, NotifyError> {
    toml::to_string(source).map_err(|e| NotifyError::Template(e.to_string()))
}
