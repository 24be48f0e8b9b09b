//! `GET /territoire/acces?type=…&departement=…&page=…`: the time from each commune to the
//! nearest place of a kind, and the same as files: `/territoire/acces.csv` and
//! `/territoire/acces.geojson` (each stating its method).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use guichet_places::Commune;
use guichet_territory::{Access, KindAnalysis, TerritoryReport};

use super::{
    CommuneRow, DepOption, KindLink, MethodView, Params, ZoneView, commune_row, dep_label,
    dep_options_in, kind_links, method_view, page_count, params, pick_departement_in, pick_kind,
    pick_page, query_string, ready, ready_or_unavailable, zone_view,
};
use crate::error::AppError;
use crate::{AppState, Layout};

const PER_PAGE: usize = 100;

#[derive(Debug, Template, WebTemplate)]
#[template(path = "territory_access.html")]
pub struct AccessPage {
    layout: Layout,
    method: MethodView,
    zone: ZoneView,
    label: String,
    kinds: Vec<KindLink>,
    departements: Vec<DepOption>,
    query: String,
    total: usize,
    communes_caption: String,
    communes: Vec<CommuneRow>,
    page: usize,
    pages: usize,
}

/// Indices of the communes in scope (the kind's area, one département of it), in the order
/// of the communes file (by INSEE code).
fn in_scope(report: &TerritoryReport, k: &KindAnalysis, departement: Option<&str>) -> Vec<usize> {
    report
        .communes()
        .iter()
        .enumerate()
        .filter(|(_, c)| k.area().contains(c) && departement.is_none_or(|d| c.departement == d))
        .map(|(i, _)| i)
        .collect()
}

pub async fn page(
    State(state): State<AppState>,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Response, AppError> {
    let q = params(q)?;
    let data = ready(&state)?;
    let report = &data.report;
    let k = pick_kind(report, q.kind.as_deref())?;
    let dep = pick_departement_in(report, k, q.departement.as_deref())?;
    let idx = in_scope(report, k, dep.as_deref());
    let pages = page_count(idx.len(), PER_PAGE);
    let page = pick_page(q.page.as_deref(), pages)?;
    let communes = idx
        .iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(|&i| commune_row(&report.communes()[i], &k.access[i], k))
        .collect();
    let scope = dep
        .as_deref()
        .map_or_else(|| k.area().label.clone(), dep_label);
    Ok(AccessPage {
        layout: Layout::new(&state, format!("Temps d’accès — {}", k.kind.label())),
        method: method_view(&report.method()),
        zone: zone_view(k),
        label: k.kind.label().to_owned(),
        kinds: kind_links(report, k),
        departements: dep_options_in(report, k, dep.as_deref()),
        query: query_string(k.kind.slug(), dep.as_deref()),
        total: idx.len(),
        communes_caption: format!(
            "Temps d’accès au lieu « {} » le plus proche, par commune — {scope} (page {page} sur {pages})",
            k.kind.label()
        ),
        communes,
        page,
        pages,
    }
    .into_response())
}

fn scoped(
    report: &TerritoryReport,
    k: &KindAnalysis,
    dep: Option<&str>,
) -> (Vec<Commune>, Vec<Access>) {
    in_scope(report, k, dep)
        .into_iter()
        .map(|i| (report.communes()[i].clone(), k.access[i]))
        .unzip()
}

fn file_name(slug: &str, dep: Option<&str>, ext: &str) -> String {
    format!(
        "attachment; filename=\"acces-{slug}{}.{ext}\"",
        dep.map(|d| format!("-{d}")).unwrap_or_default()
    )
}

/// `GET /territoire/acces.csv?type=…&departement=…`
pub async fn csv(
    State(state): State<AppState>,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Response, AppError> {
    download(&state, q, Download::Csv)
}

/// `GET /territoire/acces.geojson?type=…&departement=…`
pub async fn geojson(
    State(state): State<AppState>,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Response, AppError> {
    download(&state, q, Download::GeoJson)
}

#[derive(Clone, Copy)]
enum Download {
    Csv,
    GeoJson,
}

/// The access table of one kind of place (one département, or all) as a file to download.
fn download(
    state: &AppState,
    q: Result<Query<Params>, QueryRejection>,
    format: Download,
) -> Result<Response, AppError> {
    let q = params(q)?;
    let data = ready_or_unavailable(state)?;
    let report = &data.report;
    let k = pick_kind(report, q.kind.as_deref())?;
    let dep = pick_departement_in(report, k, q.departement.as_deref())?;
    let (communes, access) = scoped(report, k, dep.as_deref());
    let method = report.method();
    let zone = match &dep {
        Some(d) => format!("{} ({})", dep_label(d), k.area().label),
        None => k.area().label.clone(),
    };
    let (content_type, ext, body) = match format {
        Download::Csv => {
            let mut body = Vec::new();
            guichet_territory::access_csv(&mut body, &communes, &k.places, &access, &method, &zone)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            ("text/csv; charset=utf-8", "csv", body)
        }
        Download::GeoJson => {
            let value =
                guichet_territory::access_geojson(&communes, &k.places, &access, &method, &zone);
            let body = serde_json::to_vec(&value).map_err(|e| AppError::Internal(e.to_string()))?;
            ("application/geo+json", "geojson", body)
        }
    };
    let disposition = file_name(k.kind.slug(), dep.as_deref(), ext);
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}
