//! `GET /territoire/implantations?type=…&k=…&rayon=…&departement=…`: where to open the next
//! k places to bring the most people within the radius (maximal covering location, lazy
//! greedy, with its (1 − 1/e) guarantee stated on the page).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use guichet_territory::TerritoryError;
use guichet_territory::report::{MAX_RADIUS_MINUTES, MAX_SITES, MIN_RADIUS_MINUTES};

use super::{
    DepOption, KindLink, MethodView, Params, ZoneView, dep_label, dep_options_in, fr_int,
    fr_percent_fine, kind_links, method_view, params, pick_departement_in, pick_kind, ready,
    zone_view,
};
use crate::error::AppError;
use crate::{AppState, Layout};

const DEFAULT_K: usize = 10;

/// Site selection over the whole country can take seconds of CPU; at most two run at once so
/// a burst of requests cannot starve the rest of the server (others wait their turn).
static SITE_JOBS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// One proposed site.
#[derive(Debug)]
pub struct SiteRow {
    pub rank: usize,
    pub commune: String,
    pub insee: String,
    pub departement: String,
    pub gain: String,
    pub cumulative: String,
    pub coverage_after: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "territory_sites.html")]
pub struct SitesPage {
    layout: Layout,
    method: MethodView,
    zone: ZoneView,
    label: String,
    kinds: Vec<KindLink>,
    departements: Vec<DepOption>,
    scope: String,
    k: usize,
    rayon: u32,
    max_k: usize,
    min_rayon: u32,
    max_rayon: u32,
    population: String,
    coverage_before: String,
    left_out_before: String,
    sites: Vec<SiteRow>,
}

fn number<T: std::str::FromStr + PartialOrd + std::fmt::Display>(
    raw: Option<&str>,
    default: T,
    min: T,
    max: T,
    what: &str,
) -> Result<T, AppError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(default);
    };
    match raw.parse::<T>() {
        Ok(v) if v >= min && v <= max => Ok(v),
        _ => Err(AppError::BadRequest {
            message: format!(
                "{what} invalide : « {raw} ». Indiquez un nombre entier de {min} à {max}."
            ),
        }),
    }
}

pub async fn page(
    State(state): State<AppState>,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Response, AppError> {
    let q = params(q)?;
    let data = ready(&state)?;
    let report = &data.report;
    let kind = pick_kind(report, q.kind.as_deref())?;
    let k = number(q.k.as_deref(), DEFAULT_K, 1, MAX_SITES, "Nombre de lieux")?;
    let rayon = number(
        q.rayon.as_deref(),
        kind.reference_minutes,
        MIN_RADIUS_MINUTES,
        MAX_RADIUS_MINUTES,
        "Rayon en minutes",
    )?;
    let dep = pick_departement_in(report, kind, q.departement.as_deref())?;
    let slug = kind.kind.slug().to_owned();
    let task_data = data.clone();
    let task_dep = dep.clone();
    let _permit = SITE_JOBS
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    // Cover sets for thousands of candidates: CPU work, off the async threads.
    let plan = tokio::task::spawn_blocking(move || {
        task_data.report.sites(&slug, k, rayon, task_dep.as_deref())
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| match e {
        TerritoryError::BadParameter(m) => AppError::BadRequest { message: m },
        other => AppError::Internal(other.to_string()),
    })?;
    let communes = report.communes();
    let sites = plan
        .sites
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let c = &communes[s.commune];
            SiteRow {
                rank: i + 1,
                commune: c.name.clone(),
                insee: c.insee.to_string(),
                departement: c.departement.clone(),
                gain: fr_int(s.gain),
                cumulative: fr_int(s.cumulative_gain),
                coverage_after: fr_percent_fine(s.coverage_after),
            }
        })
        .collect();
    Ok(SitesPage {
        layout: Layout::new(
            &state,
            format!("Où ouvrir les prochains lieux — {}", kind.kind.label()),
        ),
        method: method_view(&report.method()),
        zone: zone_view(kind),
        label: kind.kind.label().to_owned(),
        kinds: kind_links(report, kind),
        departements: dep_options_in(report, kind, dep.as_deref()),
        scope: dep
            .as_deref()
            .map_or_else(|| kind.area().label.clone(), dep_label),
        k,
        rayon,
        max_k: MAX_SITES,
        min_rayon: MIN_RADIUS_MINUTES,
        max_rayon: MAX_RADIUS_MINUTES,
        population: fr_int(plan.population),
        coverage_before: fr_percent_fine(plan.coverage_before()),
        left_out_before: fr_int(plan.population - plan.covered_before),
        sites,
    }
    .into_response())
}
