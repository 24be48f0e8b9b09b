//! How a form field is shown: the inputs of one step, with what the person typed and the
//! message next to each input that needs correcting. Built from the typed definition's
//! [`Field`]s (the procedure's own, or the « vos coordonnées » step's), drawn by the
//! `form_macros.html` template.

use std::collections::BTreeMap;

use guichet_catalogue::definition::answers::{self, InputError};
use guichet_catalogue::definition::{Field, FieldKind};

/// What the person typed in a form, by input name (all values of that name).
pub type Typed<'a> = &'a (dyn Fn(&str) -> Vec<String> + Sync);

/// One choice of a radio or checkbox list.
#[derive(Debug, Clone)]
pub struct OptionView {
    /// What is posted (the choice as the definition names it).
    pub value: String,
    /// What is shown: the value, « Oui » / « Non », or an agent's wording of it.
    pub label: String,
    pub id: String,
    pub checked: bool,
}

/// One part of an address input.
#[derive(Debug, Clone)]
pub struct PartView {
    pub name: String,
    pub label: &'static str,
    pub value: String,
    pub autocomplete: &'static str,
    pub short: bool,
    pub error: bool,
}

/// One input (or group of inputs) of a page.
#[derive(Debug, Clone)]
pub struct InputView {
    /// `text`, `textarea`, `number`, `date`, `radio`, `checkbox`, `select`, `address` or `file`.
    pub widget: &'static str,
    pub name: String,
    pub label: String,
    pub help: Option<String>,
    pub required: bool,
    pub value: String,
    pub options: Vec<OptionView>,
    pub parts: Vec<PartView>,
    pub error: Option<String>,
    /// Files already attached (their names).
    pub files: Vec<String>,
    pub max_length: Option<u32>,
    pub autocomplete: &'static str,
    /// `inputmode` for a phone keypad or a numeric one.
    pub inputmode: &'static str,
    pub input_type: &'static str,
}

impl InputView {
    /// The ids the input is described by (its hint and its error), for `aria-describedby`.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.help.is_some() || matches!(self.widget, "date" | "file") {
            ids.push(format!("{}-aide", self.name));
        }
        if self.error.is_some() {
            ids.push(format!("{}-erreur", self.name));
        }
        ids.join(" ")
    }
}

/// A repeated group's instance on a page.
#[derive(Debug, Clone)]
pub struct InstanceView {
    pub legend: String,
    pub inputs: Vec<InputView>,
}

/// Where the typed values come from: a failed submission (what was typed) or the stored
/// answers.
pub struct Values<'a> {
    pub typed: Option<Typed<'a>>,
    pub stored: &'a BTreeMap<String, String>,
}

impl Values<'_> {
    fn all(&self, name: &str) -> Vec<String> {
        match self.typed {
            Some(typed) => typed(name),
            None => match self.stored.get(name) {
                Some(v) if !v.is_empty() => v.lines().map(str::to_owned).collect(),
                _ => Vec::new(),
            },
        }
    }

    fn one(&self, name: &str) -> String {
        match self.typed {
            Some(typed) => typed(name).into_iter().next().unwrap_or_default(),
            None => self.stored.get(name).cloned().unwrap_or_default(),
        }
    }
}

/// The error for an input, if any.
fn error_for(errors: &[InputError], name: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.input == name || e.input.starts_with(&format!("{name}-")))
        .map(|e| french_spaces(&e.message))
}

/// French typography for a message built in code: the spaces inside « guillemets » and before
/// « : ; ? ! » become no-break spaces, so a narrow screen never starts a line with « » » or
/// « : ». Only for what Guichet writes, never for what a person typed into an input.
pub fn french_spaces(message: &str) -> String {
    message
        .replace("« ", "«\u{a0}")
        .replace(" »", "\u{a0}»")
        .replace(" :", "\u{a0}:")
        .replace(" ;", "\u{a0};")
        .replace(" ?", "\u{a0}?")
        .replace(" !", "\u{a0}!")
}

/// The input of one field (not a group), named `name`.
pub fn input(field: &Field, name: &str, values: &Values<'_>, errors: &[InputError]) -> InputView {
    let mut view = InputView {
        widget: "text",
        name: name.to_owned(),
        label: field.label.clone(),
        help: field.help.clone(),
        required: field.required,
        value: String::new(),
        options: Vec::new(),
        parts: Vec::new(),
        error: error_for(errors, name),
        files: Vec::new(),
        max_length: None,
        autocomplete: "off",
        inputmode: "",
        input_type: "text",
    };
    match &field.kind {
        FieldKind::Text {
            max_length,
            multiline,
        } => {
            view.widget = if *multiline { "textarea" } else { "text" };
            view.max_length = *max_length;
            view.value = values.one(name);
        }
        FieldKind::Number { unit, .. } => {
            view.widget = "text";
            view.inputmode = "decimal";
            view.value = match values.typed {
                Some(_) => values.one(name),
                None => values
                    .stored
                    .get(name)
                    .and_then(|v| answers::parse_number(v))
                    .map(answers::fr_number)
                    .unwrap_or_default(),
            };
            if let Some(unit) = unit {
                view.label = format!("{} (en {unit})", field.label);
            }
        }
        FieldKind::Date { .. } => {
            view.widget = "date";
            view.value = match values.typed {
                Some(_) => values.one(name),
                None => values
                    .stored
                    .get(name)
                    .map(|v| answers::display_value(field, v))
                    .unwrap_or_default(),
            };
        }
        FieldKind::Choice { choices, multiple } => {
            view.widget = if *multiple { "checkbox" } else { "radio" };
            let picked = values.all(name);
            view.options = choices
                .iter()
                .enumerate()
                .map(|(i, c)| OptionView {
                    value: c.clone(),
                    label: c.clone(),
                    id: format!("{name}-{}", i + 1),
                    checked: picked.contains(c),
                })
                .collect();
        }
        FieldKind::YesNo => {
            view.widget = "radio";
            let picked = values.one(name);
            view.options = [("oui", "Oui"), ("non", "Non")]
                .iter()
                .map(|(v, label)| OptionView {
                    value: (*v).to_owned(),
                    label: (*label).to_owned(),
                    id: format!("{name}-{v}"),
                    checked: picked == *v,
                })
                .collect();
        }
        FieldKind::Address => {
            view.widget = "address";
            let labels = [
                (
                    "ligne1",
                    "Numéro et voie (ou lieu-dit)",
                    "address-line1",
                    false,
                ),
                (
                    "ligne2",
                    "Complément d’adresse (bâtiment, étage, boîte postale) — facultatif",
                    "address-line2",
                    false,
                ),
                ("code_postal", "Code postal", "postal-code", true),
                ("commune", "Commune", "address-level2", false),
            ];
            view.parts = labels
                .iter()
                .map(|(part, label, autocomplete, short)| {
                    let part_name = format!("{name}-{part}");
                    PartView {
                        value: values.one(&part_name),
                        error: errors.iter().any(|e| e.input == part_name),
                        name: part_name,
                        label,
                        autocomplete,
                        short: *short,
                    }
                })
                .collect();
        }
        FieldKind::Attachment { .. } => {
            view.widget = "file";
            view.files = values
                .stored
                .get(name)
                .map(|v| {
                    answers::attachment_names(v)
                        .into_iter()
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
        }
        FieldKind::Group { .. } => {}
    }
    view
}

/// The instances of a repeated group on its step.
pub fn instances(
    field: &Field,
    count: u32,
    values: &Values<'_>,
    errors: &[InputError],
) -> Vec<InstanceView> {
    let FieldKind::Group { fields, .. } = &field.kind else {
        return Vec::new();
    };
    (1..=count)
        .map(|i| InstanceView {
            legend: format!("{} n° {i}", field.label),
            inputs: fields
                .iter()
                .map(|inner| {
                    input(
                        inner,
                        &format!("{}-{i}-{}", field.id, inner.id),
                        values,
                        errors,
                    )
                })
                .collect(),
        })
        .collect()
}
