//! The pages for planners under `/territoire`: coverage, access per commune, where to open
//! the next places, maps and one page per département. They read the report computed once
//! at start-up ([`crate::territory`]); while it is being computed they say so.
//!
//! Every page states its method (road times or the labelled estimate) and gives figures as
//! tables, which are also the maps' text alternative.

pub mod access;
pub mod coverage;
pub mod departement;
pub mod maps;
pub mod overview;
pub mod sites;

use std::sync::Arc;

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use guichet_places::Commune;
use guichet_territory::{Access, KindAnalysis, Method, TerritoryReport, departement_name};
use serde::Deserialize;

use crate::AppState;
use crate::error::AppError;
use crate::territory::{TerritoryData, TerritoryStatus};

/// Query parameters of the territory pages, all read as text and checked here so that a bad
/// value gets a French message rather than the framework's.
#[derive(Debug, Deserialize, Default)]
pub struct Params {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub departement: Option<String>,
    pub page: Option<String>,
    pub seuil: Option<String>,
    pub k: Option<String>,
    pub rayon: Option<String>,
    /// Map width in pixels (`/territoire/carte.svg`).
    pub largeur: Option<String>,
}

pub(crate) fn params(q: Result<Query<Params>, QueryRejection>) -> Result<Params, AppError> {
    q.map(|Query(p)| p).map_err(|_| AppError::BadRequest {
        message: "L’adresse de la page contient des paramètres illisibles. Repartez de la page « Territoire ».".into(),
    })
}

/// The report, or the error that shows the page to see instead while it is computed or if it
/// failed.
pub(crate) fn ready(state: &AppState) -> Result<Arc<TerritoryData>, AppError> {
    match state.territory.status() {
        TerritoryStatus::Ready(d) => Ok(d),
        TerritoryStatus::Loading => Err(AppError::TerritoryNotReady { loading: true }),
        TerritoryStatus::Unavailable(_) => Err(AppError::TerritoryNotReady { loading: false }),
    }
}

/// For files and images: no page around them, just the error.
pub(crate) fn ready_or_unavailable(state: &AppState) -> Result<Arc<TerritoryData>, AppError> {
    match state.territory.status() {
        TerritoryStatus::Ready(d) => Ok(d),
        _ => Err(AppError::Unavailable),
    }
}

/// The kind asked for (France Services by default, else the first kind analysed).
pub(crate) fn pick_kind<'a>(
    report: &'a TerritoryReport,
    slug: Option<&str>,
) -> Result<&'a KindAnalysis, AppError> {
    match slug.map(str::trim).filter(|s| !s.is_empty()) {
        None => report
            .kind("france-services")
            .or_else(|| report.kinds().first())
            .ok_or(AppError::Unavailable),
        Some(s) => report.kind(s).ok_or_else(|| AppError::BadRequest {
            message: format!(
                "Type de lieu inconnu : « {s} ». Types disponibles : {}.",
                report
                    .kinds()
                    .iter()
                    .map(|k| format!("{} (« {} »)", k.kind.label(), k.kind.slug()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
    }
}

/// A département given in a query: absent, or one that has communes.
pub(crate) fn pick_departement(
    report: &TerritoryReport,
    code: Option<&str>,
) -> Result<Option<String>, AppError> {
    match code.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(c) => {
            let c = c.to_ascii_uppercase();
            if report.has_departement(&c) {
                Ok(Some(c))
            } else {
                Err(AppError::BadRequest {
                    message: format!(
                        "Département inconnu : « {} ». Indiquez un code comme 01, 2A ou 974.",
                        code.unwrap_or_default().trim()
                    ),
                })
            }
        }
    }
}

/// A page number: absent means 1; otherwise a whole number from 1 to `last`.
pub(crate) fn pick_page(raw: Option<&str>, last: usize) -> Result<usize, AppError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(1);
    };
    match raw.parse::<usize>() {
        Ok(p) if (1..=last.max(1)).contains(&p) => Ok(p),
        _ => Err(AppError::BadRequest {
            message: format!(
                "Numéro de page invalide : « {raw} ». Les pages vont de 1 à {}.",
                last.max(1)
            ),
        }),
    }
}

pub(crate) fn page_count(items: usize, per_page: usize) -> usize {
    items.div_ceil(per_page).max(1)
}

/// A link to choose another kind of place.
#[derive(Debug)]
pub struct KindLink {
    pub slug: String,
    pub label: String,
    pub selected: bool,
}

pub(crate) fn kind_links(report: &TerritoryReport, current: &KindAnalysis) -> Vec<KindLink> {
    report
        .kinds()
        .iter()
        .map(|k| KindLink {
            slug: k.kind.slug().to_owned(),
            label: k.kind.label().to_owned(),
            selected: k.kind == current.kind,
        })
        .collect()
}

/// A département in a list or a select.
#[derive(Debug)]
pub struct DepOption {
    pub code: String,
    pub label: String,
    pub selected: bool,
}

pub(crate) fn dep_options(report: &TerritoryReport, current: Option<&str>) -> Vec<DepOption> {
    options_of(report.departements(), current)
}

/// The select's options for these département codes, `current` selected.
fn options_of<'a>(
    codes: impl IntoIterator<Item = &'a str>,
    current: Option<&str>,
) -> Vec<DepOption> {
    codes
        .into_iter()
        .map(|c| DepOption {
            code: c.to_owned(),
            label: dep_label(c),
            selected: current == Some(c),
        })
        .collect()
}

/// « Ain (01) ».
pub(crate) fn dep_label(code: &str) -> String {
    match departement_name(code) {
        Some(n) => format!("{n} ({code})"),
        None => format!("Département {code}"),
    }
}

/// The method, as every page states it.
#[derive(Debug)]
pub struct MethodView {
    pub estimate: bool,
    pub formula: String,
    pub values: String,
}

pub(crate) fn method_view(m: &Method) -> MethodView {
    match m {
        Method::Estimate { detour, speed_kmh } => MethodView {
            estimate: true,
            formula: "distance à vol d’oiseau × facteur de détour ÷ vitesse".into(),
            values: format!(
                "facteur de détour {} ; vitesse {} km/h",
                fr_decimal(*detour, 2),
                fr_decimal(*speed_kmh, 0)
            ),
        },
        Method::Roads { extract } => MethodView {
            estimate: false,
            formula: "temps de trajet en voiture sur le réseau routier OpenStreetMap".into(),
            values: format!("graphe « {extract} »"),
        },
    }
}

/// 1234567 → « 1 234 567 » (narrow no-break spaces, as French typography wants).
pub fn fr_int(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(ch);
    }
    out
}

/// 1.30 → « 1,3 » (trailing zeros dropped), with at most `places` decimals.
pub fn fr_decimal(x: f64, places: usize) -> String {
    let s = format!("{x:.places$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    };
    s.replace('.', ",")
}

/// 0.9431 → « 94,3 % ». A share that is not exactly all or nothing never prints as « 100,0 % »
/// or « 0,0 % » (« > 99,9 % », « < 0,1 % »): the page would contradict the people it counts
/// beyond the threshold.
pub fn fr_percent(share: f64) -> String {
    percent_with(share, 1)
}

/// 0.99943 → « 99,94 % »: near full coverage, one decimal would hide what a site adds.
pub fn fr_percent_fine(share: f64) -> String {
    percent_with(share, 2)
}

fn percent_with(share: f64, decimals: usize) -> String {
    let pct = share * 100.0;
    let step = 10f64.powi(-(decimals as i32));
    let shown = format!("{pct:.decimals$}");
    let bound = |b: f64| format!("{b:.decimals$}").replace('.', ",");
    let text = if pct < 100.0 && shown == format!("{:.decimals$}", 100.0) {
        format!("> {}", bound(100.0 - step))
    } else if pct > 0.0 && shown == format!("{:.decimals$}", 0.0) {
        format!("< {}", bound(step))
    } else {
        shown.replace('.', ",")
    };
    text + "\u{a0}%"
}

/// Minutes with one decimal; « traversée maritime : temps non estimé » across the sea, « — »
/// when unknown.
pub(crate) fn fr_minutes(a: &Access) -> String {
    if a.crossing {
        return "traversée maritime : temps non estimé".to_owned();
    }
    a.minutes()
        .map_or_else(|| "—".to_owned(), |m| format!("{m:.1}").replace('.', ","))
}

/// The area a kind's figures cover, as every page states it.
#[derive(Debug)]
pub struct ZoneView {
    pub label: String,
    pub rule: &'static str,
    pub whole: bool,
}

pub(crate) fn zone_view(k: &KindAnalysis) -> ZoneView {
    ZoneView {
        label: k.area().label.clone(),
        rule: guichet_territory::Area::rule(),
        whole: k.area().whole,
    }
}

/// Départements of the kind's area, for lists and selects.
pub(crate) fn dep_options_in(
    report: &TerritoryReport,
    k: &KindAnalysis,
    current: Option<&str>,
) -> Vec<DepOption> {
    let mut codes: Vec<&str> = report
        .communes()
        .iter()
        .filter(|c| k.area().contains(c))
        .map(|c| c.departement.as_str())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    options_of(codes, current)
}

/// A département asked for a kind: known, and in the kind's area.
pub(crate) fn pick_departement_in(
    report: &TerritoryReport,
    k: &KindAnalysis,
    code: Option<&str>,
) -> Result<Option<String>, AppError> {
    let dep = pick_departement(report, code)?;
    if let Some(d) = &dep
        && !report
            .communes()
            .iter()
            .any(|c| &c.departement == d && k.area().contains(c))
    {
        return Err(AppError::BadRequest {
            message: format!(
                "Le département {} n’est pas dans la zone couverte par les lieux « {} » ({}) : aucun chiffre n’y est calculé.",
                dep_label(d),
                k.kind.label(),
                k.area().label
            ),
        });
    }
    Ok(dep)
}

/// One commune line of a table.
#[derive(Debug)]
pub struct CommuneRow {
    pub name: String,
    pub insee: String,
    pub departement: String,
    pub population: String,
    pub minutes: String,
    pub nearest: String,
}

pub(crate) fn commune_row(c: &Commune, a: &Access, k: &KindAnalysis) -> CommuneRow {
    CommuneRow {
        name: c.name.clone(),
        insee: c.insee.to_string(),
        departement: c.departement.clone(),
        population: c
            .population
            .map_or_else(|| "inconnue".to_owned(), |p| fr_int(u64::from(p))),
        minutes: fr_minutes(a),
        nearest: a
            .place
            .and_then(|i| k.places.get(i))
            .map_or_else(String::new, |p| p.name.clone()),
    }
}

/// One line of the maps' text legend: a class, and how many communes and people are in it.
#[derive(Debug)]
pub struct LegendRow {
    pub label: &'static str,
    pub colour: &'static str,
    pub communes: String,
    pub population: String,
}

pub(crate) fn legend_rows(
    report: &TerritoryReport,
    k: &KindAnalysis,
    departement: Option<&str>,
) -> Vec<LegendRow> {
    let legend = guichet_territory::legend();
    let mut counts = vec![(0u64, 0u64); legend.len()];
    for (c, a) in report.communes().iter().zip(&k.access) {
        if departement.is_some_and(|d| c.departement != d) || !k.area().contains(c) {
            continue;
        }
        let i = guichet_territory::legend_index(a);
        counts[i].0 += 1;
        counts[i].1 += u64::from(c.population.unwrap_or(0));
    }
    legend
        .into_iter()
        .zip(counts)
        .map(|(l, (n, p))| LegendRow {
            label: l.label,
            colour: l.colour,
            communes: fr_int(n),
            population: fr_int(p),
        })
        .collect()
}

/// `?type=…&departement=…` for links, values percent-encoded where needed.
pub(crate) fn query_string(kind: &str, departement: Option<&str>) -> String {
    let mut s = format!("type={}", encode(kind));
    if let Some(d) = departement {
        s.push_str("&departement=");
        s.push_str(&encode(d));
    }
    s
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_short_of_all_never_prints_as_all() {
        assert_eq!(fr_percent(0.9431), "94,3\u{a0}%");
        assert_eq!(fr_percent(1.0), "100,0\u{a0}%");
        assert_eq!(fr_percent(0.99984), "> 99,9\u{a0}%");
        assert_eq!(fr_percent(0.0), "0,0\u{a0}%");
        assert_eq!(fr_percent(0.0002), "< 0,1\u{a0}%");
        assert_eq!(fr_percent_fine(0.999_99), "> 99,99\u{a0}%");
        assert_eq!(fr_percent_fine(0.99943), "99,94\u{a0}%");
    }

    #[test]
    fn french_numbers() {
        assert_eq!(fr_int(0), "0");
        assert_eq!(fr_int(999), "999");
        assert_eq!(fr_int(1000), "1\u{202f}000");
        assert_eq!(fr_int(68_373_433), "68\u{202f}373\u{202f}433");
        assert_eq!(fr_percent(0.9431), "94,3\u{a0}%");
        assert_eq!(fr_decimal(1.3, 2), "1,3");
        assert_eq!(fr_decimal(50.0, 0), "50");
        assert_eq!(encode("maternité 2"), "maternit%C3%A9%202");
    }
}
