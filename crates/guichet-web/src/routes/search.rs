//! `GET /recherche?q=…`: the search page. A person (or a front-desk agent beside them) types
//! what they need in their own words and sees, for each result, who is in charge and how to
//! do it on each channel. Works without JavaScript: a plain GET form.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use guichet_search::{Hit, HitKind, SearchError};
use serde::Deserialize;

use crate::error::AppError;
use crate::{AppState, Layout};

#[derive(Debug, Deserialize, Default)]
pub struct Params {
    #[serde(default)]
    q: String,
}

/// One channel line of a result, labelled in French.
#[derive(Debug)]
pub struct ChannelLine {
    pub label: &'static str,
    pub how: String,
    pub url: Option<String>,
}

/// One result card.
#[derive(Debug)]
pub struct ResultCard {
    pub title: String,
    pub url: String,
    pub kind_label: &'static str,
    pub description: String,
    /// « Qui s’en occupe » for the instance's own procedure (its operator runs it), « Où
    /// s’adresser » for a national sheet, whose organisations are the places it names (for
    /// « Violence conjugale » the hospital, a doctor, a lawyer: none of them handles it).
    pub operator_label: &'static str,
    pub operator: Option<String>,
    pub others: Vec<String>,
    pub situation: Option<String>,
    pub channels: Vec<ChannelLine>,
    /// « Source : service-public.fr, mise à jour le 28 août 2019 ».
    pub source: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "search.html")]
pub struct SearchPage {
    layout: Layout,
    q: String,
    message: Option<String>,
    /// The query names a place that helps (« france services »): the way to the nearest ones
    /// comes before any sheet.
    places_first: bool,
    results: Vec<ResultCard>,
}

/// Words that ask for a place rather than a procedure, folded (no accents, lower case): no
/// national sheet is about a France Services house, `/lieux` lists them with their hours.
const PLACE_WORDS: &[&str] = &[
    " france service",
    " maison de service",
    " msap ",
    " conseiller numerique",
    " mediation numerique",
    " aidant numerique",
];

fn asks_for_a_place(q: &str) -> bool {
    let folded = guichet_search::text::fold(q);
    PLACE_WORDS.iter().any(|w| folded.contains(w))
}

fn channel_label(code: &str) -> &'static str {
    match code {
        "web" => "En ligne",
        "phone" => "Par téléphone",
        "counter" => "Sur place",
        "post" => "Par courrier",
        _ => "Autre",
    }
}

/// A channel's sentence without the channel it starts with (« Sur place : Mairie »), which the
/// page already shows in bold before it; the API keeps the whole sentence.
fn without_channel(how: &str) -> &str {
    [
        "En ligne : ",
        "Par téléphone : ",
        "Sur place : ",
        "Sur papier : ",
    ]
    .iter()
    .find_map(|prefix| how.strip_prefix(prefix))
    .filter(|rest| !rest.trim().is_empty())
    .unwrap_or(how)
}

/// Where a result's information comes from and how old it is (the sheets' licence asks for
/// both, and a person should know a national sheet may have changed since).
fn source_line(source: &str, updated: Option<&str>) -> String {
    let date = updated
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map(guichet_letters::french_date);
    match date {
        Some(d) => format!("Source : {source}, fiche mise à jour le {d}."),
        None => format!("Source : {source}."),
    }
}

/// The `tel:` link of the first phone number a sentence gives (« Appelez le service scolaire
/// au 03 20 00 00 01, … »), so that a phone can dial it from the results.
fn first_phone(text: &str) -> Option<String> {
    guichet_letters::render::phone_numbers(text)
        .into_iter()
        .find_map(|(start, end)| crate::site::tel_href(&text[start..end]))
}

/// The `tel:` link of the number a help line's name gives (« Violences Femmes Info - 3919 »,
/// « 116 006 - Numéro d’aide aux victimes », « Samu - 15 »); none for a line reached by SMS
/// (« Numéro d’urgence par SMS - 114 »).
fn named_number(how: &str) -> Option<String> {
    let name = without_channel(how).split(" — ").next()?;
    if name.contains("SMS") {
        return None;
    }
    name.split(" - ").find_map(|part| {
        let digits: String = part
            .chars()
            .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
            .collect();
        (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| crate::site::tel_href(&digits))
            .flatten()
    })
}

/// A national sheet's text in French typography, as Guichet's own pages write it: typographic
/// apostrophes, straight double quotes paired into « guillemets », a no-break space between an
/// amount and « € » (« 25€ »), and no-break spaces inside
/// them and before « : ; ? ! » (a narrow screen never starts a line with « ? »). The API keeps
/// the sheets' text as published.
fn typographic(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut open = false;
    let pairs = text.matches('"').count().is_multiple_of(2);
    for c in text.chars() {
        match c {
            '\'' => out.push('’'),
            '€' if out.ends_with(|d: char| d.is_ascii_digit()) => out.push_str("\u{a0}€"),
            '"' if pairs => {
                out.push_str(if open { " »" } else { "« " });
                open = !open;
            }
            c => out.push(c),
        }
    }
    super::online::french_spaces(&out)
}

fn card(hit: Hit) -> ResultCard {
    ResultCard {
        kind_label: match hit.kind {
            HitKind::Sheet => "Fiche service-public.fr",
            HitKind::Procedure => "Démarche de la commune",
        },
        operator_label: match hit.kind {
            HitKind::Sheet => "Où s’adresser",
            HitKind::Procedure => "Qui s’en occupe",
        },
        title: typographic(&hit.title),
        url: hit.url,
        description: typographic(&hit.description),
        operator: hit.operator.map(|o| o.name),
        others: hit.other_operators.into_iter().map(|o| o.name).collect(),
        situation: hit.situation,
        source: source_line(&hit.source, hit.updated.as_deref()),
        channels: hit
            .channels
            .into_iter()
            .map(|c| ChannelLine {
                label: channel_label(c.channel),
                url: if c.channel == "phone" {
                    first_phone(&c.how)
                        .or_else(|| named_number(&c.how))
                        .or(c.url)
                } else {
                    c.url
                },
                // « Samu social - 115 »: the number stays with the word before it (no-break
                // spaces, and a word joiner, since a line may otherwise break after a hyphen).
                how: crate::site::numbers_unbroken(&typographic(without_channel(&c.how)))
                    .replace(" - ", "\u{a0}-\u{2060}\u{a0}"),
            })
            .collect(),
    }
}

pub async fn page(
    State(state): State<AppState>,
    params: Result<Query<Params>, QueryRejection>,
) -> Result<SearchPage, AppError> {
    let q = params.map(|Query(p)| p.q).unwrap_or_default();
    let layout = Layout::new(&state, "Rechercher une démarche");
    if q.trim().is_empty() {
        return Ok(SearchPage {
            layout,
            q,
            message: None,
            places_first: false,
            results: Vec::new(),
        });
    }
    let index = state.catalogue.clone();
    let query = q.clone();
    let found = tokio::task::spawn_blocking(move || index.index.search(&query, 10))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let (message, results) = match found {
        Ok(hits) if hits.is_empty() => (
            Some("Aucune démarche ne correspond. Essayez d’autres mots, ou demandez de l’aide à l’accueil de votre mairie ou d’une maison France Services.".to_owned()),
            Vec::new(),
        ),
        Ok(hits) => (None, hits.into_iter().map(card).collect()),
        Err(e @ (SearchError::EmptyQuery | SearchError::QueryTooLong { .. })) => {
            (Some(e.to_string()), Vec::new())
        }
        Err(e) => return Err(AppError::Search(e)),
    };
    Ok(SearchPage {
        layout,
        places_first: asks_for_a_place(&q),
        q,
        message,
        results,
    })
}

#[cfg(test)]
mod tests {
    use super::{first_phone, named_number, typographic};
    use crate::site::numbers_unbroken;

    #[test]
    fn the_first_phone_number_of_a_sentence_becomes_a_tel_link() {
        assert_eq!(
            first_phone(
                "Appelez le service scolaire au 03 20 00 00 01, du lundi au vendredi de 9 h à 12 h."
            )
            .as_deref(),
            Some("tel:+33320000001")
        );
        assert_eq!(
            first_phone("Ouvert de 9 h à 12 h — 03.20.00.00.02").as_deref(),
            Some("tel:+33320000002")
        );
        assert_eq!(first_phone("Du lundi au vendredi de 9 h à 12 h"), None);
        assert_eq!(first_phone("Appelez le 3939 ou écrivez"), None);
        assert_eq!(
            numbers_unbroken("Appelez le 03 20 00 00 01, de 9 h à 12 h."),
            "Appelez le 03\u{a0}20\u{a0}00\u{a0}00\u{a0}01, de 9\u{a0}h à 12\u{a0}h."
        );
    }

    #[test]
    fn a_sheet_s_text_is_shown_in_french_typography() {
        assert_eq!(
            typographic(r#"Comment obtenir une carte grise "véhicule de collection" ?"#),
            "Comment obtenir une carte grise «\u{a0}véhicule de collection\u{a0}»\u{a0}?"
        );
        assert_eq!(
            typographic("Coût de l'acte : 25€"),
            "Coût de l’acte\u{a0}: 25\u{a0}€"
        );
        // An odd quote is left as written rather than opening a guillemet never closed.
        assert_eq!(typographic(r#"Un "mot"#), r#"Un "mot"#);
    }

    #[test]
    fn digit_groups_stay_on_one_line() {
        assert_eq!(
            numbers_unbroken("116 006 - Numéro d'aide, 3 000 € en 2 fois"),
            "116\u{a0}006 - Numéro d'aide, 3\u{a0}000 € en 2 fois"
        );
    }

    #[test]
    fn a_help_line_named_by_its_number_becomes_a_tel_link() {
        let link = |how: &str| named_number(how);
        assert_eq!(
            link("Par téléphone : Violences Femmes Info - 3919").as_deref(),
            Some("tel:3919")
        );
        assert_eq!(
            link("Par téléphone : 116 006 - Numéro d'aide aux victimes").as_deref(),
            Some("tel:116006")
        );
        assert_eq!(
            link("Par téléphone : Police secours - 17").as_deref(),
            Some("tel:17")
        );
        assert_eq!(link("Par téléphone : Numéro d'urgence par SMS - 114"), None);
        assert_eq!(link("Par téléphone : Caf - Allocations familiales"), None);
        // What follows the name (the sheet's words on a single line) is not the name.
        assert_eq!(
            link("Par téléphone : Info Retraite — Par téléphone 09 71 10 20 10 - 3960"),
            None
        );
    }
}
