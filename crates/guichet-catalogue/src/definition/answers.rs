//! Answers to a procedure's form: read from what a person typed, checked against the field's
//! rules, and stored flat in the case (`Case::form`, a map of text values).
//!
//! One place decides what an answer means, for every face that fills a form: the online form,
//! the front desk filling the same form with a person, the API. A step is one top-level field
//! (a repeated group is one step); [`read_field`] turns the typed values of a step into stored
//! values or into French messages naming the input to correct, and never loses what was typed:
//! the caller shows the typed values back.
//!
//! Storage keys: a field's id (`jours`); a group's instances `group-1-field`, `group-2-field`,
//! with the number of instances under `group-n`; an address's parts `id-ligne1`, `id-ligne2`,
//! `id-code_postal`, `id-commune` and the checked address under `id` (one line per address
//! line, then « code postal commune »). A multiple choice stores the chosen labels one per
//! line, a yes/no « oui » or « non », a date `AAAA-MM-JJ`, a number in plain decimal
//! (`1234.5`). An unanswered field stores the empty string, which is how a step clears an
//! answer that no longer applies.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::form::{Condition, Field, FieldKind};

/// The most instances a repeated group can have, whatever its definition says.
pub const MAX_GROUP_INSTANCES: u32 = 20;

/// The longest text accepted in a field without a stated maximum.
pub const MAX_TEXT_CHARS: usize = 4000;

/// A message about one input of a step, in French. `input` is the name of the HTML input to
/// focus (a field id, `group-2-field` or `address-code_postal`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub input: String,
    pub message: String,
}

/// What a step's inputs gave: the values to store when there is no error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepOutcome {
    pub values: BTreeMap<String, String>,
    pub errors: Vec<InputError>,
}

/// Whether `field` applies, given the answers so far.
pub fn is_shown(field: &Field, answers: &BTreeMap<String, String>) -> bool {
    match &field.show_if {
        None => true,
        Some(c) => condition_holds(c, answers),
    }
}

fn condition_holds(c: &Condition, answers: &BTreeMap<String, String>) -> bool {
    let answer = answers.get(&c.field).map(String::as_str).unwrap_or("");
    match &c.equals {
        None | Some(toml::Value::Boolean(true)) => answer == "oui",
        Some(toml::Value::Boolean(false)) => answer == "non",
        Some(toml::Value::String(s)) => answer.lines().any(|l| l == s),
        Some(toml::Value::Integer(i)) => parse_number(answer).is_some_and(|n| n == *i as f64),
        Some(toml::Value::Float(f)) => parse_number(answer).is_some_and(|n| n == *f),
        Some(_) => false,
    }
}

/// The top-level fields that apply, in order: the steps of the form.
pub fn shown_steps<'a>(fields: &'a [Field], answers: &BTreeMap<String, String>) -> Vec<&'a Field> {
    fields.iter().filter(|f| is_shown(f, answers)).collect()
}

/// How many instances of a group to show: what was stored, at least the group's minimum (and
/// one), at most its maximum.
pub fn group_instances(field: &Field, answers: &BTreeMap<String, String>) -> u32 {
    let FieldKind::Group { min, max, .. } = &field.kind else {
        return 0;
    };
    let stored = answers
        .get(&format!("{}-n", field.id))
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or(0);
    let max = max.unwrap_or(MAX_GROUP_INSTANCES).min(MAX_GROUP_INSTANCES);
    stored.max(min.unwrap_or(1)).max(1).min(max)
}

/// The bounds of a group's instances (minimum, maximum), capped.
pub fn group_bounds(field: &Field) -> (u32, u32) {
    match &field.kind {
        FieldKind::Group { min, max, .. } => (
            min.unwrap_or(0),
            max.unwrap_or(MAX_GROUP_INSTANCES).min(MAX_GROUP_INSTANCES),
        ),
        _ => (0, 0),
    }
}

/// The parts of an address input.
pub const ADDRESS_PARTS: [&str; 4] = ["ligne1", "ligne2", "code_postal", "commune"];

/// Reads one step: `field` (top level), with `input(name)` giving the values typed for an
/// input name (several for checkboxes). `instances` is how many instances of a group the page
/// showed. `today` bounds dates that must be in the past. Attachments are not read here (the
/// file itself is checked by the page that receives it).
pub fn read_field(
    field: &Field,
    input: &dyn Fn(&str) -> Vec<String>,
    instances: u32,
    today: NaiveDate,
) -> StepOutcome {
    let mut out = StepOutcome::default();
    match &field.kind {
        FieldKind::Group { fields, .. } => {
            let (min, max) = group_bounds(field);
            let n = instances.clamp(1, max.max(1));
            out.values.insert(format!("{}-n", field.id), n.to_string());
            for i in 1..=n {
                for inner in fields {
                    let prefix = format!("{}-{i}-{}", field.id, inner.id);
                    read_one(inner, &prefix, input, today, &mut out);
                }
            }
            // Instances removed since the last save are cleared.
            for i in n + 1..=max {
                for inner in fields {
                    clear(inner, &format!("{}-{i}-{}", field.id, inner.id), &mut out);
                }
            }
            if n < min {
                out.errors.push(InputError {
                    input: format!("{}-1-{}", field.id, fields.first().map_or("", |f| &f.id)),
                    message: format!("Indiquez au moins {min} « {} ».", field.label),
                });
            }
        }
        _ => read_one(field, &field.id, input, today, &mut out),
    }
    out
}

/// The keys a field (not a group) writes, so that a hidden field can be cleared.
fn clear(field: &Field, key: &str, out: &mut StepOutcome) {
    out.values.insert(key.to_owned(), String::new());
    if matches!(field.kind, FieldKind::Address) {
        for part in ADDRESS_PARTS {
            out.values.insert(format!("{key}-{part}"), String::new());
        }
    }
}

/// The stored values to clear for a top-level field that no longer applies.
pub fn cleared(field: &Field) -> BTreeMap<String, String> {
    let mut out = StepOutcome::default();
    match &field.kind {
        FieldKind::Group { fields, .. } => {
            out.values.insert(format!("{}-n", field.id), String::new());
            for i in 1..=group_bounds(field).1 {
                for inner in fields {
                    clear(inner, &format!("{}-{i}-{}", field.id, inner.id), &mut out);
                }
            }
        }
        _ => clear(field, &field.id, &mut out),
    }
    out.values
}

fn first(input: &dyn Fn(&str) -> Vec<String>, name: &str) -> String {
    input(name)
        .into_iter()
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn read_one(
    field: &Field,
    key: &str,
    input: &dyn Fn(&str) -> Vec<String>,
    today: NaiveDate,
    out: &mut StepOutcome,
) {
    let mut error = |input: &str, message: String| {
        out.errors.push(InputError {
            input: input.to_owned(),
            message,
        })
    };
    let label = &field.label;
    let missing = format!("Répondez à la question « {label} ».");
    let value: String = match &field.kind {
        FieldKind::Text { max_length, .. } => {
            let raw = first(input, key);
            let max = max_length.map_or(MAX_TEXT_CHARS, |m| m as usize);
            let count = raw.chars().count();
            if count > max {
                error(
                    key,
                    format!(
                        "« {label} » ne peut pas dépasser {max} caractères (vous en avez écrit {count})."
                    ),
                );
            } else if raw
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
            {
                error(
                    key,
                    format!("« {label} » contient des caractères invisibles : retapez le texte."),
                );
            }
            raw
        }
        FieldKind::Number { min, max, unit } => {
            let raw = first(input, key);
            if raw.is_empty() {
                String::new()
            } else {
                match parse_number(&raw) {
                    None => {
                        error(
                            key,
                            format!("« {label} » doit être un nombre, par exemple 1250 ou 12,50."),
                        );
                        String::new()
                    }
                    Some(n) => {
                        let unit = unit.as_deref().map(|u| format!(" {u}")).unwrap_or_default();
                        if let Some(lo) = min.filter(|lo| n < *lo) {
                            error(
                                key,
                                format!("« {label} » doit être au moins {}{unit}.", fr_number(lo)),
                            );
                        } else if let Some(hi) = max.filter(|hi| n > *hi) {
                            error(
                                key,
                                format!("« {label} » doit être au plus {}{unit}.", fr_number(hi)),
                            );
                        }
                        plain_number(n)
                    }
                }
            }
        }
        FieldKind::Date { past_only } => {
            let raw = first(input, key);
            if raw.is_empty() {
                String::new()
            } else {
                match parse_date(&raw) {
                    Err(message) => {
                        error(key, format!("« {label} » : {message}"));
                        String::new()
                    }
                    Ok(d) if *past_only && d > today => {
                        error(key, format!("« {label} » ne peut pas être dans le futur."));
                        String::new()
                    }
                    Ok(d) if d.year_ce().1 < 1900 => {
                        error(key, format!("« {label} » : l’année doit être après 1900."));
                        String::new()
                    }
                    Ok(d) => d.format("%Y-%m-%d").to_string(),
                }
            }
        }
        FieldKind::Choice { choices, multiple } => {
            let picked: Vec<String> = input(key).into_iter().filter(|v| !v.is_empty()).collect();
            if picked.iter().any(|p| !choices.contains(p)) || (!multiple && picked.len() > 1) {
                error(
                    key,
                    format!("Choisissez « {label} » parmi les réponses proposées."),
                );
                String::new()
            } else {
                // Stored in the definition's order, whatever the order received.
                choices
                    .iter()
                    .filter(|c| picked.contains(c))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        }
        FieldKind::YesNo => {
            let raw = first(input, key);
            match raw.as_str() {
                "" | "oui" | "non" => raw,
                _ => {
                    error(key, format!("Répondez « oui » ou « non » à « {label} »."));
                    String::new()
                }
            }
        }
        FieldKind::Address => {
            let part = |p: &str| first(input, &format!("{key}-{p}"));
            let (l1, l2, cp, town) = (
                part("ligne1"),
                part("ligne2"),
                part("code_postal"),
                part("commune"),
            );
            for (p, v) in [
                ("ligne1", &l1),
                ("ligne2", &l2),
                ("code_postal", &cp),
                ("commune", &town),
            ] {
                out.values.insert(format!("{key}-{p}"), v.clone());
            }
            let mut error = |input: &str, message: String| {
                out.errors.push(InputError {
                    input: input.to_owned(),
                    message,
                })
            };
            if [&l1, &l2, &cp, &town].iter().all(|v| v.is_empty()) {
                String::new()
            } else if l1.is_empty() {
                error(
                    &format!("{key}-ligne1"),
                    format!("« {label} » : indiquez le numéro et la voie (ou le lieu-dit)."),
                );
                String::new()
            } else if town.is_empty() {
                error(
                    &format!("{key}-commune"),
                    format!("« {label} » : indiquez la commune."),
                );
                String::new()
            } else {
                match guichet_domain::PostalAddress::parse(&[l1.as_str(), l2.as_str()], &cp, &town)
                {
                    Err(e) => {
                        let input = match e.what {
                            "postcode" => "code_postal",
                            "town" => "commune",
                            "address line 2" => "ligne2",
                            _ => "ligne1",
                        };
                        error(
                            &format!("{key}-{input}"),
                            format!("« {label} » : {}", e.message),
                        );
                        String::new()
                    }
                    Ok(a) => {
                        let mut lines: Vec<String> = a.lines().to_vec();
                        lines.push(format!("{} {}", a.postcode().as_str(), a.town()));
                        lines.join("\n")
                    }
                }
            }
        }
        // A file is received and checked by the page; its stored value (the document's digest
        // and name) is written there.
        FieldKind::Attachment { .. } => return,
        FieldKind::Group { .. } => return,
    };
    let errored = out
        .errors
        .iter()
        .any(|e| e.input == key || e.input.starts_with(&format!("{key}-")));
    if field.required && value.is_empty() && !errored {
        let input = if matches!(field.kind, FieldKind::Address) {
            format!("{key}-ligne1")
        } else {
            key.to_owned()
        };
        out.errors.push(InputError {
            input,
            message: missing,
        });
    }
    out.values.insert(key.to_owned(), value);
}

/// A number as people type it in France: « 1 234,50 », « 12.5 », « 1250 € ».
pub fn parse_number(raw: &str) -> Option<f64> {
    let cleaned: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{202f}' && *c != '€')
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    if cleaned.is_empty() || cleaned.len() > 20 {
        return None;
    }
    cleaned.parse::<f64>().ok().filter(|n| n.is_finite())
}

fn plain_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A number written the French way (« 10 000 », « 12,5 »).
pub fn fr_number(n: f64) -> String {
    let plain = plain_number(n);
    let (int, frac) = match plain.split_once('.') {
        Some((i, f)) => (i.to_owned(), Some(f.to_owned())),
        None => (plain, None),
    };
    let (sign, digits) = match int.strip_prefix('-') {
        Some(d) => ("-", d.to_owned()),
        None => ("", int),
    };
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push('\u{202f}');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped},{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// An amount in euros: whole, « 612 € »; with cents, both digits, « 612,50 € ».
pub fn fr_euros(n: f64) -> String {
    let cents = (n * 100.0).round() as i64;
    if cents % 100 == 0 {
        return format!("{} €", fr_number((cents / 100) as f64));
    }
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.abs();
    format!(
        "{sign}{},{:02} €",
        fr_number((cents / 100) as f64),
        cents % 100
    )
}

/// A date typed as « 14/07/1956 », « 14-7-1956 » or « 14 07 1956 » (or `1956-07-14` from a
/// browser's date picker). The message says what is wrong, in French.
pub fn parse_date(raw: &str) -> Result<NaiveDate, String> {
    let raw = raw.trim();
    if let Ok(d) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return Ok(d);
    }
    let parts: Vec<&str> = raw
        .split(|c: char| c == '/' || c == '-' || c == '.' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    let example = "écrivez la date sous la forme JJ/MM/AAAA, par exemple 14/07/1956.";
    let [d, m, y] = parts.as_slice() else {
        return Err(example.to_owned());
    };
    let (Ok(day), Ok(month), Ok(year)) = (d.parse::<u32>(), m.parse::<u32>(), y.parse::<i32>())
    else {
        return Err(example.to_owned());
    };
    if y.len() != 4 {
        return Err("écrivez l’année avec quatre chiffres, par exemple 1956.".to_owned());
    }
    if !(1..=12).contains(&month) {
        return Err(format!("le mois « {m} » n’existe pas : il va de 1 à 12."));
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
        format!("le {day:02}/{month:02}/{year} n’existe pas : vérifiez le jour et le mois.")
    })
}

/// A stored value shown back to a person: dates as « 14/07/1956 », numbers the French way,
/// several choices separated by commas.
pub fn display_value(field: &Field, stored: &str) -> String {
    match &field.kind {
        FieldKind::Date { .. } => NaiveDate::parse_from_str(stored, "%Y-%m-%d")
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_else(|_| stored.to_owned()),
        FieldKind::Number { unit, .. } => match parse_number(stored) {
            Some(n) => match unit.as_deref() {
                Some("€") => fr_euros(n),
                Some(u) => format!("{} {u}", fr_number(n)),
                None => fr_number(n),
            },
            None => stored.to_owned(),
        },
        FieldKind::Choice { .. } => stored.lines().collect::<Vec<_>>().join(", "),
        FieldKind::YesNo => match stored {
            "oui" => "Oui".to_owned(),
            "non" => "Non".to_owned(),
            other => other.to_owned(),
        },
        FieldKind::Address => stored.lines().collect::<Vec<_>>().join(", "),
        FieldKind::Attachment { .. } => attachment_names(stored).join(", "),
        _ => stored.to_owned(),
    }
}

/// The names of the files an attachment answer holds: one line per file, « digest name » (the
/// digest names the stored document; people and agents see only the name).
pub fn attachment_names(stored: &str) -> Vec<&str> {
    stored
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split_once(' ').map_or(l, |(_, name)| name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(id: &str, kind: FieldKind, required: bool) -> Field {
        Field {
            id: id.to_owned(),
            label: "Question".to_owned(),
            help: None,
            required,
            show_if: None,
            kind,
        }
    }

    fn inputs(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Vec<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name: &str| {
            pairs
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .collect()
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default()
    }

    #[test]
    fn impossible_dates_are_refused_with_the_reason() {
        assert!(
            parse_date("31/02/2024")
                .unwrap_err()
                .contains("n’existe pas")
        );
        assert!(parse_date("12/13/2024").unwrap_err().contains("mois"));
        assert!(
            parse_date("1/2/24")
                .unwrap_err()
                .contains("quatre chiffres")
        );
        assert_eq!(
            parse_date("14 7 1956"),
            Ok(NaiveDate::from_ymd_opt(1956, 7, 14).unwrap_or_default())
        );
        let f = field("naissance", FieldKind::Date { past_only: true }, true);
        let out = read_field(&f, &inputs(&[("naissance", "01/01/2030")]), 1, today());
        assert_eq!(out.errors.len(), 1);
        assert!(out.errors[0].message.contains("futur"));
    }

    #[test]
    fn required_fields_and_choices_outside_the_list_are_refused() {
        let f = field(
            "ecole",
            FieldKind::Choice {
                choices: vec!["A".into(), "B".into()],
                multiple: false,
            },
            true,
        );
        let out = read_field(&f, &inputs(&[]), 1, today());
        assert!(out.errors[0].message.contains("Répondez"));
        let out = read_field(&f, &inputs(&[("ecole", "C")]), 1, today());
        assert!(out.errors[0].message.contains("parmi"));
        let out = read_field(&f, &inputs(&[("ecole", "B")]), 1, today());
        assert!(out.errors.is_empty());
        assert_eq!(out.values["ecole"], "B");
    }

    #[test]
    fn numbers_are_read_the_french_way_and_bounded() {
        assert_eq!(parse_number("1 234,50"), Some(1234.5));
        assert_eq!(parse_number("abc"), None);
        assert_eq!(fr_number(10000.0), "10\u{202f}000");
        let f = field(
            "q",
            FieldKind::Number {
                min: Some(0.0),
                max: Some(10000.0),
                unit: Some("€".into()),
            },
            false,
        );
        let out = read_field(&f, &inputs(&[("q", "20 000")]), 1, today());
        assert!(out.errors[0].message.contains("au plus 10\u{202f}000 €"));
        let out = read_field(&f, &inputs(&[("q", "")]), 1, today());
        assert!(out.errors.is_empty(), "optional and empty");
    }

    #[test]
    fn an_address_is_checked_and_its_parts_kept_for_correction() {
        let f = field("adresse", FieldKind::Address, true);
        let out = read_field(
            &f,
            &inputs(&[
                ("adresse-ligne1", "3 rue des Lilas"),
                ("adresse-code_postal", "5999"),
                ("adresse-commune", "Lille"),
            ]),
            1,
            today(),
        );
        assert_eq!(out.errors[0].input, "adresse-code_postal");
        assert_eq!(out.values["adresse-ligne1"], "3 rue des Lilas");
        let out = read_field(
            &f,
            &inputs(&[
                ("adresse-ligne1", "3 rue des Lilas"),
                ("adresse-code_postal", "59000"),
                ("adresse-commune", "Lille"),
            ]),
            1,
            today(),
        );
        assert!(out.errors.is_empty());
        assert_eq!(out.values["adresse"], "3 rue des Lilas\n59000 Lille");
    }

    #[test]
    fn amounts_in_euros_show_their_cents_as_two_digits() {
        assert_eq!(fr_euros(612.5), "612,50 €");
        assert_eq!(fr_euros(1250.0), "1\u{202f}250 €");
        assert_eq!(fr_euros(0.05), "0,05 €");
        assert_eq!(fr_euros(-3.5), "-3,50 €");
        let f = field(
            "ressources",
            FieldKind::Number {
                min: None,
                max: None,
                unit: Some("€".into()),
            },
            false,
        );
        assert_eq!(display_value(&f, "612.5"), "612,50 €");
    }

    #[test]
    fn attached_files_show_their_names_only() {
        let f = field("facture", FieldKind::Attachment { document: None }, false);
        let digest = "c414cd0e204de974f73753c7e28d7638e7b3691bb8b1a2bab6b25bb7fed7ce77";
        let two = format!("{digest} facture.pdf\n{digest} photo facture.png");
        assert_eq!(display_value(&f, &two), "facture.pdf, photo facture.png");
        assert_eq!(display_value(&f, &format!("{digest} a b.pdf")), "a b.pdf");
        assert_eq!(display_value(&f, ""), "");
    }

    #[test]
    fn conditions_follow_the_answers() {
        let mut f = field("pai", FieldKind::Attachment { document: None }, false);
        f.show_if = Some(Condition {
            field: "allergie".into(),
            equals: Some(toml::Value::Boolean(true)),
        });
        let mut answers = BTreeMap::new();
        assert!(!is_shown(&f, &answers));
        answers.insert("allergie".to_owned(), "oui".to_owned());
        assert!(is_shown(&f, &answers));
    }

    #[test]
    fn groups_store_each_instance_and_clear_removed_ones() {
        let g = Field {
            id: "enfant".into(),
            label: "Enfant".into(),
            help: None,
            required: false,
            show_if: None,
            kind: FieldKind::Group {
                fields: vec![field(
                    "nom",
                    FieldKind::Text {
                        max_length: None,
                        multiline: false,
                    },
                    true,
                )],
                min: Some(1),
                max: Some(3),
            },
        };
        let out = read_field(
            &g,
            &inputs(&[("enfant-1-nom", "Léa"), ("enfant-2-nom", "")]),
            2,
            today(),
        );
        assert_eq!(out.values["enfant-n"], "2");
        assert_eq!(out.values["enfant-1-nom"], "Léa");
        assert_eq!(out.values["enfant-3-nom"], "");
        assert_eq!(out.errors.len(), 1, "the second child has no name");
        assert_eq!(out.errors[0].input, "enfant-2-nom");
    }
}
