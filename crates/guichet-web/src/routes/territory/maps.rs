//! `GET /territoire/carte.svg` and `/territoire/carte.png` (`?type=…&departement=…`): the map
//! of communes coloured by access time, places marked. Pages embed it with a text
//! alternative and give its figures as tables.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use guichet_territory::{MapOptions, render_png, render_svg};

use super::{Params, dep_label, params, pick_departement_in, pick_kind, ready_or_unavailable};
use crate::AppState;
use crate::error::AppError;

enum Format {
    Svg,
    Png,
}

async fn map(
    state: AppState,
    q: Result<Query<Params>, QueryRejection>,
    format: Format,
) -> Result<Response, AppError> {
    let q = params(q)?;
    let data = ready_or_unavailable(&state)?;
    let report = &data.report;
    let kind = pick_kind(report, q.kind.as_deref())?;
    let slug = kind.kind.slug().to_owned();
    let dep = pick_departement_in(report, kind, q.departement.as_deref())?;
    // A narrower map for small screens (`<picture>` asks for it): same content, larger text.
    let width = match q.largeur.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(w) => match w.parse::<u32>() {
            Ok(w) if (320..=1000).contains(&w) => Some(w),
            _ => {
                return Err(AppError::BadRequest {
                    message: format!(
                        "Largeur invalide : « {w} ». Indiquez un nombre de pixels de 320 à 1000."
                    ),
                });
            }
        },
    };
    // Where the places come from: file names only, never a server path.
    let sources: Vec<String> = data
        .notes
        .iter()
        .filter(|n| {
            matches!(&n.outcome, guichet_territory::SourceOutcome::Imported { what, .. }
                if what == kind.kind.label())
        })
        .map(|n| n.source.clone())
        .collect();
    let today = state.clock.now().format("%d/%m/%Y").to_string();
    let task = data.clone();
    // Tens of thousands of dots: CPU work, off the async threads.
    let rendered = tokio::task::spawn_blocking(move || {
        let report = &task.report;
        let k = report
            .kind(&slug)
            .ok_or(guichet_territory::TerritoryError::NoPlaces)?;
        let opts = MapOptions {
            title: match &dep {
                Some(d) => format!(
                    "Temps d’accès au lieu « {} » le plus proche — {}",
                    k.kind.label(),
                    dep_label(d)
                ),
                None => format!(
                    "Temps d’accès au lieu « {} » le plus proche — {}",
                    k.kind.label(),
                    if k.area().whole || k.area().label.starts_with("France métropolitaine") {
                        "France métropolitaine (outre-mer : voir les départements)".to_owned()
                    } else {
                        k.area().label.clone()
                    }
                ),
            },
            width: width.unwrap_or(if dep.is_some() { 700 } else { 1000 }),
            notes: vec![
                format!(
                    "Zone couverte par les lieux : {}. Seuil de référence : {} minutes.",
                    k.area().label,
                    k.reference_minutes
                ),
                format!(
                    "Sources : {} ; communes COG 2026 ; contours IGN Admin Express 2018 (licence ouverte). Carte produite le {today}.",
                    if sources.is_empty() {
                        k.kind.label().to_owned()
                    } else {
                        sources.join(", ")
                    }
                ),
            ],
            area: Some(k.area().clone()),
            departement: dep,
        };
        match format {
            Format::Svg => render_svg(
                report.communes(),
                &k.access,
                &k.places,
                &opts,
                &report.method(),
            )
            .map(|s| ("image/svg+xml; charset=utf-8", s.into_bytes())),
            Format::Png => render_png(
                report.communes(),
                &k.access,
                &k.places,
                &opts,
                &report.method(),
            )
            .map(|b| ("image/png", b)),
        }
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, rendered.0),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        rendered.1,
    )
        .into_response())
}

pub async fn svg(
    State(state): State<AppState>,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Response, AppError> {
    map(state, q, Format::Svg).await
}

pub async fn png(
    State(state): State<AppState>,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Response, AppError> {
    map(state, q, Format::Png).await
}
