//! `GET /demarches/{id}/formulaire-papier`: the blank paper form of a hosted procedure, laid out
//! for printing (A4), so a person can fill it by hand and post it or bring it to a counter. It
//! is drawn from the published definition, typed once when the server loaded it
//! ([`crate::search_index::Catalogue`]), so it always matches the online form.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use guichet_catalogue::definition::{Field, FieldKind};

use crate::error::AppError;
use crate::{AppState, Layout};

/// A field as printed: a label, hints, and the kind of box to draw.
#[derive(Debug)]
pub struct PaperField {
    pub label: String,
    pub hint: Option<String>,
    pub required: bool,
    /// `lines`, `box`, `date`, `choices`, `yes_no`, `address`, `attachment`, `group`.
    pub widget: &'static str,
    pub lines: usize,
    pub choices: Vec<String>,
    pub multiple: bool,
    pub condition: Option<String>,
    /// For a repeated group: its fields, printed `repeat` times.
    pub children: Vec<PaperField>,
    pub repeat: Vec<usize>,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "paper_form.html")]
pub struct PaperFormPage {
    layout: Layout,
    title: String,
    id: String,
    version: u32,
    summary: String,
    operator: String,
    fields: Vec<PaperField>,
    documents: Vec<(String, bool)>,
    fees: Vec<String>,
    /// Some fee is not free: where to pay without internet is said.
    paid: bool,
    post_address: Option<String>,
    counters: Vec<String>,
    deadline: Option<String>,
    decides_rights: bool,
}

fn label_of(fields: &[Field], id: &str) -> String {
    for f in fields {
        if f.id == id {
            return f.label.clone();
        }
        if let FieldKind::Group { fields, .. } = &f.kind {
            let inner = label_of(fields, id);
            if !inner.is_empty() {
                return inner;
            }
        }
    }
    String::new()
}

fn paper(field: &Field, all: &[Field]) -> PaperField {
    let mut hint = field.help.clone();
    let mut add_hint = |h: String| {
        hint = Some(match hint.take() {
            Some(prev) => format!("{prev} — {h}"),
            None => h,
        })
    };
    let (widget, lines, choices, multiple, children, repeat) = match &field.kind {
        FieldKind::Text {
            multiline,
            max_length,
        } => {
            if let Some(max) = max_length {
                add_hint(format!("{max} caractères au plus"));
            }
            (
                "lines",
                if *multiline { 5 } else { 1 },
                Vec::new(),
                false,
                Vec::new(),
                Vec::new(),
            )
        }
        FieldKind::Number { min, max, unit } => {
            let mut h = String::from("Un nombre");
            if let Some(u) = unit {
                h.push_str(&format!(", en {u}"));
            }
            if let (Some(a), Some(b)) = (min, max) {
                h.push_str(&format!(", entre {a} et {b}"));
            }
            add_hint(h);
            ("box", 1, Vec::new(), false, Vec::new(), Vec::new())
        }
        FieldKind::Date { .. } => ("date", 1, Vec::new(), false, Vec::new(), Vec::new()),
        FieldKind::Choice { choices, multiple } => {
            add_hint(if *multiple {
                "Cochez une ou plusieurs cases".to_owned()
            } else {
                "Cochez une seule case".to_owned()
            });
            (
                "choices",
                0,
                choices.clone(),
                *multiple,
                Vec::new(),
                Vec::new(),
            )
        }
        FieldKind::YesNo => ("yes_no", 0, Vec::new(), false, Vec::new(), Vec::new()),
        FieldKind::Address => ("address", 3, Vec::new(), false, Vec::new(), Vec::new()),
        FieldKind::Attachment { document } => {
            add_hint(match document {
                Some(d) => format!("Joignez une copie : {d}"),
                None => "Joignez une copie du document".to_owned(),
            });
            ("attachment", 0, Vec::new(), false, Vec::new(), Vec::new())
        }
        FieldKind::Group { fields, min, max } => {
            // Print as many blocks as the minimum asks, at least one and at most three: more
            // can be added on a free sheet.
            let n = min.unwrap_or(1).clamp(1, 3) as usize;
            if let Some(max) = max.filter(|m| *m as usize > n) {
                add_hint(format!(
                    "Place pour {n} ici ; jusqu’à {max} en tout, les autres sur papier libre"
                ));
            }
            let children = fields.iter().map(|f| paper(f, all)).collect();
            ("group", 0, Vec::new(), false, children, (1..=n).collect())
        }
    };
    let condition = field.show_if.as_ref().map(|c| {
        let target = label_of(all, &c.field);
        match &c.equals {
            Some(toml::Value::Boolean(true)) | None => {
                format!("À remplir seulement si vous avez répondu oui à « {target} »")
            }
            Some(toml::Value::String(s)) => {
                format!("À remplir seulement si vous avez choisi « {s} » à « {target} »")
            }
            Some(other) => format!("À remplir seulement si « {target} » vaut {other}"),
        }
    });
    PaperField {
        label: field.label.clone(),
        hint,
        required: field.required,
        widget,
        lines,
        choices,
        multiple,
        condition,
        children,
        repeat,
    }
}

pub async fn page(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<PaperFormPage, AppError> {
    let id = id.map(|Path(id)| id).unwrap_or_default();
    let not_found = || AppError::NotFound {
        what: format!("paper form {id}"),
    };
    let procedure_id = guichet_domain::ProcedureId::parse(&id).map_err(|_| not_found())?;
    let def = state
        .catalogue
        .definition(&procedure_id)
        .ok_or_else(not_found)?;
    let p = def.procedure();
    let operator = state
        .store
        .list_operators()
        .await?
        .into_iter()
        .find(|o| &o.id == p.operator())
        .map(|o| o.name)
        .unwrap_or_else(|| p.operator().to_string());
    let fields = def
        .fields()
        .iter()
        .map(|f| paper(f, def.fields()))
        .collect();
    let channels = def.channels();
    Ok(PaperFormPage {
        layout: Layout::new(&state, format!("Formulaire papier — {}", p.title())),
        title: p.title().to_owned(),
        id: p.id().to_string(),
        version: p.version(),
        summary: p.summary().to_owned(),
        operator,
        fields,
        documents: def
            .documents()
            .iter()
            .map(|d| (d.name.clone(), d.required))
            .collect(),
        paid: def.fees().iter().any(|f| f.amount_cents > 0),
        fees: def
            .fees()
            .iter()
            .map(|f| {
                let amount = if f.amount_cents == 0 {
                    "gratuit".to_owned()
                } else {
                    format!("{},{:02} €", f.amount_cents / 100, f.amount_cents % 100)
                };
                match &f.help {
                    Some(h) => format!("{} : {amount} ({h})", f.label),
                    None => format!("{} : {amount}", f.label),
                }
            })
            .collect(),
        post_address: channels.post.as_ref().and_then(|c| c.address.clone()),
        counters: channels
            .counter
            .as_ref()
            .map(|c| c.counters.clone())
            .unwrap_or_default(),
        deadline: p.deadline().map(|d| d.sentence_fr()),
        decides_rights: p.decides_rights(),
    })
}
