//! The form of a procedure: checked fields, their types and their display conditions, and the
//! rules a form must pass (well-formed identifiers and choices, conditions that point to an
//! existing field and never loop).

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::check::Checker;
use super::raw::{DefinitionRaw, FieldRaw};
use super::rules::Rule;

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

impl Checker<'_> {
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

    pub(super) fn check_form(&mut self, raw: &DefinitionRaw) -> Vec<Field> {
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

fn collect_raw<'a>(fields: &'a [FieldRaw], out: &mut Vec<&'a FieldRaw>) {
    for f in fields {
        out.push(f);
        if let Some(inner) = &f.fields {
            collect_raw(inner, out);
        }
    }
}
