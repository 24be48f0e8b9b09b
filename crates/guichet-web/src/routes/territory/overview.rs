//! `GET /territoire`: for each kind of place, the share of the population within 20, 30 and
//! 45 minutes of the nearest one, the method, the sources read, and the way to the details.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use guichet_places::PlaceKind;
use guichet_territory::SourceOutcome;

use super::{
    DepOption, LegendRow, MethodView, dep_options, fr_int, fr_percent, legend_rows, method_view,
    pick_kind, ready,
};
use crate::error::AppError;
use crate::{AppState, Layout};

/// One kind of place, nationally.
#[derive(Debug)]
pub struct KindRow {
    pub slug: String,
    pub label: String,
    pub places: String,
    /// The area the figures cover (« France métropolitaine, Guadeloupe… », « Auvergne-Rhône-Alpes »).
    pub zone: String,
    /// Everyone in that area.
    pub population: String,
    /// Shares within 20, 30 and 45 minutes (« — » if not measured).
    pub shares: Vec<String>,
    pub reference: u32,
    pub beyond_reference: String,
    pub communes_beyond_reference: String,
    /// People whose nearest place is across the sea (no time estimated).
    pub crossing: String,
}

/// One input and what became of it.
#[derive(Debug)]
pub struct SourceRow {
    pub source: String,
    pub status: String,
    pub detail: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "territory_overview.html")]
pub struct OverviewPage {
    layout: Layout,
    method: MethodView,
    kinds: Vec<KindRow>,
    /// Town halls are loaded (for /lieux) but left out of the table: see the page.
    town_halls: bool,
    map_slug: String,
    map_zone: String,
    map_label: String,
    legend: Vec<LegendRow>,
    legend_caption: String,
    sources: Vec<SourceRow>,
    has_france_services: bool,
    departements: Vec<DepOption>,
    skipped: Vec<String>,
}

const SHOWN: [u32; 3] = [20, 30, 45];

pub async fn page(State(state): State<AppState>) -> Result<Response, AppError> {
    let data = ready(&state)?;
    let report = &data.report;
    // Every commune's town hall is in the commune: the row would only measure the distance
    // from the commune's point to its own town hall (0 when the point is the town hall), a
    // trivial 100 %. It is left out of the table, and the page says why.
    let kinds = report
        .kinds()
        .iter()
        .filter(|k| k.kind != PlaceKind::TownHall)
        .map(|k| {
            let n = &k.coverage.national;
            let r = k.reference_index();
            KindRow {
                slug: k.kind.slug().to_owned(),
                label: k.kind.label().to_owned(),
                places: fr_int(k.places.len() as u64),
                zone: k.area().label.clone(),
                population: fr_int(n.population_total()),
                crossing: fr_int(n.population_crossing),
                shares: SHOWN
                    .iter()
                    .map(|&m| {
                        k.threshold_index(m)
                            .and_then(|i| n.share(i))
                            .map_or_else(|| "—".to_owned(), fr_percent)
                    })
                    .collect(),
                reference: k.reference_minutes,
                beyond_reference: fr_int(n.beyond(r)),
                communes_beyond_reference: fr_int(n.communes_beyond[r] as u64),
            }
        })
        .collect();
    let shown = pick_kind(report, None)?;
    let sources = data
        .notes
        .iter()
        .map(|n| {
            let (status, detail) = match &n.outcome {
                SourceOutcome::Imported {
                    what,
                    count,
                    warnings,
                } => (
                    "importé".to_owned(),
                    format!(
                        "{} × {what}{}",
                        fr_int(*count as u64),
                        if warnings.is_empty() {
                            String::new()
                        } else {
                            format!(
                                " ({} avertissement{} : horaires illisibles, données manquantes…)",
                                fr_int(warnings.len() as u64),
                                if warnings.len() > 1 { "s" } else { "" }
                            )
                        }
                    ),
                ),
                SourceOutcome::Refused(reason) => {
                    ("refusé, rien n’a été importé".to_owned(), reason.clone())
                }
                SourceOutcome::Ignored(reason) => ("ignoré".to_owned(), reason.clone()),
            };
            SourceRow {
                source: n.source.clone(),
                status,
                detail,
            }
        })
        .collect();
    Ok(OverviewPage {
        layout: Layout::new(&state, "Accès aux services publics sur le territoire"),
        method: method_view(&report.method()),
        kinds,
        town_halls: report.kind("mairie").is_some(),
        map_slug: shown.kind.slug().to_owned(),
        map_zone: shown.area().label.clone(),
        map_label: shown.kind.label().to_owned(),
        legend: legend_rows(report, shown, None),
        legend_caption: format!(
            "Légende de la carte : communes et habitants par temps d’accès — {}",
            shown.area().label
        ),
        sources,
        has_france_services: report.kind("france-services").is_some(),
        departements: dep_options(report, None),
        skipped: report
            .skipped()
            .iter()
            .map(|s| format!("{} : {}", s.kind.label(), s.reason))
            .collect(),
    }
    .into_response())
}
