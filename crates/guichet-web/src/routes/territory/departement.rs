//! `GET /territoire/departements/{code}?type=…`: one département — its map, its coverage at
//! each threshold, and its communes beyond the reference threshold.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use guichet_territory::region_name;

use super::coverage::{ThresholdRow, threshold_rows};
use super::{
    CommuneRow, KindLink, LegendRow, MethodView, Params, ZoneView, commune_row, dep_label, fr_int,
    kind_links, legend_rows, method_view, params, pick_kind, ready, zone_view,
};
use crate::error::AppError;
use crate::{AppState, Layout};

/// At most this many communes beyond the threshold are listed here; the access page has all.
const LISTED: usize = 100;

#[derive(Debug, Template, WebTemplate)]
#[template(path = "territory_departement.html")]
pub struct DepartementPage {
    layout: Layout,
    method: MethodView,
    zone: ZoneView,
    /// Whether the département is in the area of the kind's places (else no figure).
    in_zone: bool,
    /// People whose nearest place is across the sea.
    crossing: String,
    code: String,
    name: String,
    region: String,
    slug: String,
    label: String,
    kinds: Vec<KindLink>,
    kinds_base: String,
    places_here: usize,
    coverage: Vec<ThresholdRow>,
    reference: u32,
    legend: Vec<LegendRow>,
    legend_caption: String,
    beyond_count: usize,
    communes_caption: String,
    communes: Vec<CommuneRow>,
}

pub async fn page(
    State(state): State<AppState>,
    code: Result<Path<String>, PathRejection>,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Response, AppError> {
    let q = params(q)?;
    let Ok(Path(raw)) = code else {
        return Err(AppError::NotFound {
            what: "département".into(),
        });
    };
    let data = ready(&state)?;
    let report = &data.report;
    let code = raw.trim().to_ascii_uppercase();
    if !report.has_departement(&code) {
        return Err(AppError::NotFound {
            what: format!("département {raw}"),
        });
    }
    let k = pick_kind(report, q.kind.as_deref())?;
    let area = k
        .coverage
        .departements
        .iter()
        .find(|a| a.code == code)
        .cloned()
        .unwrap_or_default();
    let r = k.reference_index();
    let beyond: Vec<usize> = k.coverage.beyond[r]
        .iter()
        .copied()
        .filter(|&i| report.communes()[i].departement == code)
        .collect();
    let region = report
        .communes()
        .iter()
        .find(|c| c.departement == code)
        .map(|c| c.region.clone())
        .unwrap_or_default();
    let label = dep_label(&code);
    let in_zone = report
        .communes()
        .iter()
        .any(|c| c.departement == code && k.area().contains(c));
    Ok(DepartementPage {
        layout: Layout::new(&state, format!("{label} — accès aux services")),
        method: method_view(&report.method()),
        zone: zone_view(k),
        in_zone,
        crossing: fr_int(area.population_crossing),
        name: label.clone(),
        region: region_name(&region).map_or(region, str::to_owned),
        slug: k.kind.slug().to_owned(),
        kinds: kind_links(report, k),
        kinds_base: format!("/territoire/departements/{code}?"),
        places_here: {
            let here: std::collections::HashSet<&str> = report
                .communes()
                .iter()
                .filter(|c| c.departement == code)
                .map(|c| c.insee.as_str())
                .collect();
            k.places
                .iter()
                .filter(|p| p.insee.as_ref().is_some_and(|i| here.contains(i.as_str())))
                .count()
        },
        coverage: if area.within.is_empty() {
            Vec::new()
        } else {
            threshold_rows(k, &area)
        },
        reference: k.reference_minutes,
        legend: legend_rows(report, k, Some(&code)),
        legend_caption: format!("Légende de la carte : communes et habitants par temps d’accès, {label}"),
        beyond_count: beyond.len(),
        communes_caption: format!(
            "Communes du département {label} à plus de {} minutes du lieu « {} » le plus proche, les plus peuplées d’abord",
            k.reference_minutes,
            k.kind.label()
        ),
        communes: beyond
            .iter()
            .take(LISTED)
            .map(|&i| commune_row(&report.communes()[i], &k.access[i], k))
            .collect(),
        label: k.kind.label().to_owned(),
        code,
    }
    .into_response())
}
