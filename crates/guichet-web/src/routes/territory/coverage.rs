//! `GET /territoire/couverture?type=…&seuil=…&page=…`: coverage of one kind of place,
//! nationally, per region and per département, and the communes beyond a threshold, most
//! populated first.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use guichet_territory::{AreaCoverage, KindAnalysis, region_name};

use super::{
    CommuneRow, KindLink, MethodView, Params, ZoneView, commune_row, dep_label, fr_int, fr_percent,
    kind_links, method_view, page_count, params, pick_kind, pick_page, ready, zone_view,
};
use crate::error::AppError;
use crate::{AppState, Layout};

const PER_PAGE: usize = 50;

/// One threshold, for one area.
#[derive(Debug)]
pub struct ThresholdRow {
    pub minutes: u32,
    pub share: String,
    pub beyond: String,
    pub communes_beyond: String,
}

/// One area (region or département).
#[derive(Debug)]
pub struct AreaRow {
    pub label: String,
    pub link: Option<String>,
    /// Everyone in the area (timed, across the sea, unknown).
    pub population: String,
    pub shares: Vec<String>,
    pub beyond: String,
    /// People whose nearest place is across the sea (no time estimated).
    pub crossing: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "territory_coverage.html")]
pub struct CoveragePage {
    layout: Layout,
    method: MethodView,
    zone: ZoneView,
    slug: String,
    label: String,
    kinds: Vec<KindLink>,
    thresholds: Vec<u32>,
    seuil: u32,
    national: Vec<ThresholdRow>,
    population: String,
    timed: String,
    unknown_time: String,
    crossing: String,
    communes_crossing: String,
    regions: Vec<AreaRow>,
    departements: Vec<AreaRow>,
    beyond_total: String,
    communes_caption: String,
    communes: Vec<CommuneRow>,
    page: usize,
    pages: usize,
}

pub(crate) fn threshold_rows(k: &KindAnalysis, area: &AreaCoverage) -> Vec<ThresholdRow> {
    k.coverage
        .thresholds
        .minutes()
        .iter()
        .enumerate()
        .map(|(i, &m)| ThresholdRow {
            minutes: m,
            share: area.share(i).map_or_else(|| "—".to_owned(), fr_percent),
            beyond: fr_int(area.beyond(i)),
            communes_beyond: fr_int(area.communes_beyond[i] as u64),
        })
        .collect()
}

fn area_row(area: &AreaCoverage, seuil: usize, label: String, link: Option<String>) -> AreaRow {
    AreaRow {
        label,
        link,
        population: fr_int(area.population_total()),
        shares: (0..area.within.len())
            .map(|i| area.share(i).map_or_else(|| "—".to_owned(), fr_percent))
            .collect(),
        beyond: fr_int(area.beyond(seuil)),
        crossing: fr_int(area.population_crossing),
    }
}

/// The threshold asked for: absent means the kind's reference; else one of its thresholds.
pub(crate) fn pick_threshold(k: &KindAnalysis, raw: Option<&str>) -> Result<usize, AppError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(k.reference_index());
    };
    raw.parse::<u32>()
        .ok()
        .and_then(|m| k.threshold_index(m))
        .ok_or_else(|| AppError::BadRequest {
            message: format!(
                "Seuil invalide : « {raw} ». Seuils disponibles : {} minutes.",
                k.coverage
                    .thresholds
                    .minutes()
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
}

pub async fn page(
    State(state): State<AppState>,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Response, AppError> {
    let q = params(q)?;
    let data = ready(&state)?;
    let report = &data.report;
    let k = pick_kind(report, q.kind.as_deref())?;
    let t = pick_threshold(k, q.seuil.as_deref())?;
    let seuil = k.coverage.thresholds.minutes()[t];
    let beyond = &k.coverage.beyond[t];
    let pages = page_count(beyond.len(), PER_PAGE);
    let page = pick_page(q.page.as_deref(), pages)?;
    let communes = beyond
        .iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(|&i| commune_row(&report.communes()[i], &k.access[i], k))
        .collect();
    let cov = &k.coverage;
    Ok(CoveragePage {
        layout: Layout::new(
            &state,
            format!("Couverture — {}", k.kind.label()),
        ),
        method: method_view(&report.method()),
        zone: zone_view(k),
        slug: k.kind.slug().to_owned(),
        label: k.kind.label().to_owned(),
        kinds: kind_links(report, k),
        thresholds: cov.thresholds.minutes().to_vec(),
        seuil,
        national: threshold_rows(k, &cov.national),
        population: fr_int(cov.national.population_total()),
        timed: fr_int(cov.national.population),
        unknown_time: fr_int(cov.national.population_unknown_time),
        crossing: fr_int(cov.national.population_crossing),
        communes_crossing: fr_int(cov.national.communes_crossing as u64),
        regions: cov
            .regions
            .iter()
            .map(|a| {
                let name = region_name(&a.code)
                    .map_or_else(|| format!("Région {}", a.code), str::to_owned);
                area_row(a, t, name, None)
            })
            .collect(),
        departements: cov
            .departements
            .iter()
            .map(|a| {
                area_row(
                    a,
                    t,
                    dep_label(&a.code),
                    Some(format!(
                        "/territoire/departements/{}?type={}",
                        a.code,
                        k.kind.slug()
                    )),
                )
            })
            .collect(),
        beyond_total: fr_int(cov.national.beyond(t)),
        communes_caption: format!(
            "Communes à plus de {seuil} minutes du lieu « {} » le plus proche, les plus peuplées d’abord (page {page} sur {pages})",
            k.kind.label()
        ),
        communes,
        page,
        pages,
    }
    .into_response())
}
