//! Downloads: CSV and GeoJSON of access, coverage and chosen sites.
//!
//! Every file states the method (road times or the labelled estimate) and the area its
//! figures cover: CSV in `methode` and `zone` columns, GeoJSON in the collection's `methode`
//! and `zone` properties. A commune whose nearest place is across the sea has no minutes and
//! says so (`remarque`, `traversee_maritime`).

use std::io::Write;

use guichet_places::{Commune, Place};
use serde_json::{Value, json};

use crate::{Access, CoverageReport, Method, SiteChoice, TerritoryError};

fn minutes(a: &Access) -> String {
    a.minutes().map(|m| format!("{m:.1}")).unwrap_or_default()
}

/// Why a commune has no minutes, in French.
fn remark(a: &Access, located: bool) -> &'static str {
    if a.crossing {
        "traversée maritime : temps non estimé"
    } else if a.time_ds.is_some() {
        ""
    } else if located {
        "hors du réseau"
    } else {
        "commune sans coordonnées"
    }
}

fn csv_io(e: csv::Error) -> TerritoryError {
    TerritoryError::Io(std::io::Error::other(e.to_string()))
}

/// One row per commune: code, name, département, region, population, minutes, nearest place;
/// `zone` names the area the rows cover.
pub fn access_csv(
    out: impl Write,
    communes: &[Commune],
    places: &[Place],
    access: &[Access],
    method: &Method,
    zone: &str,
) -> Result<(), TerritoryError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "code_insee",
        "commune",
        "departement",
        "region",
        "population",
        "minutes",
        "lieu_le_plus_proche",
        "id_lieu",
        "remarque",
        "methode",
        "zone",
    ])
    .map_err(csv_io)?;
    let m = method.describe();
    for (c, a) in communes.iter().zip(access) {
        let p = a.place.and_then(|i| places.get(i));
        w.write_record([
            c.insee.as_str(),
            &c.name,
            &c.departement,
            &c.region,
            &c.population.map(|p| p.to_string()).unwrap_or_default(),
            &minutes(a),
            p.map_or("", |p| p.name.as_str()),
            p.map_or("", |p| p.id.as_str()),
            remark(a, c.point.is_some()),
            &m,
            zone,
        ])
        .map_err(csv_io)?;
    }
    w.flush()?;
    Ok(())
}

/// GeoJSON points of communes with their time, and of the places; `zone` names the area.
pub fn access_geojson(
    communes: &[Commune],
    places: &[Place],
    access: &[Access],
    method: &Method,
    zone: &str,
) -> Value {
    let mut features: Vec<Value> = communes
        .iter()
        .zip(access)
        .filter_map(|(c, a)| {
            let p = c.point?;
            Some(json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                "properties": {
                    "type": "commune",
                    "code_insee": c.insee.as_str(),
                    "nom": c.name,
                    "departement": c.departement,
                    "population": c.population,
                    "minutes": a.minutes().map(|m| (m * 10.0).round() / 10.0),
                    "id_lieu": a.place.and_then(|i| places.get(i)).map(|p| p.id.clone()),
                    "traversee_maritime": a.crossing,
                }
            }))
        })
        .collect();
    features.extend(places.iter().map(|p| {
        json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [p.location.lon, p.location.lat]},
            "properties": {"type": "lieu", "id": p.id, "nom": p.name, "genre": p.kind.label(),
                           "horaires": p.hours.display()}
        })
    }));
    json!({"type": "FeatureCollection", "methode": method.describe(), "zone": zone,
           "features": features})
}

/// Coverage per area: one row per (level, code), shares in percent per threshold.
pub fn coverage_csv(out: impl Write, report: &CoverageReport) -> Result<(), TerritoryError> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec![
        "niveau".to_owned(),
        "code".to_owned(),
        "population".to_owned(),
    ];
    for m in report.thresholds.minutes() {
        header.push(format!("part_{m}min_pct"));
        header.push(format!("personnes_au_dela_{m}min"));
        header.push(format!("communes_au_dela_{m}min"));
    }
    header.push("population_traversee_maritime".into());
    header.push("population_temps_inconnu".into());
    header.push("methode".into());
    header.push("zone".into());
    w.write_record(&header).map_err(csv_io)?;
    let method = report.method.describe();
    let areas = std::iter::once(("zone", &report.national))
        .chain(report.regions.iter().map(|a| ("region", a)))
        .chain(report.departements.iter().map(|a| ("departement", a)));
    for (level, a) in areas {
        let mut row = vec![level.to_owned(), a.code.clone(), a.population.to_string()];
        for i in 0..report.thresholds.minutes().len() {
            row.push(
                a.share(i)
                    .map(|s| format!("{:.2}", s * 100.0))
                    .unwrap_or_default(),
            );
            row.push(a.beyond(i).to_string());
            row.push(a.communes_beyond[i].to_string());
        }
        row.push(a.population_crossing.to_string());
        row.push(a.population_unknown_time.to_string());
        row.push(method.clone());
        row.push(report.area.label.clone());
        w.write_record(&row).map_err(csv_io)?;
    }
    w.flush()?;
    Ok(())
}

/// Chosen sites in order, with the population each one brings within the threshold.
pub fn sites_csv(
    out: impl Write,
    candidates: &[Commune],
    choices: &[SiteChoice],
    method: &Method,
) -> Result<(), TerritoryError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "rang",
        "code_insee",
        "commune",
        "departement",
        "population_gagnee",
        "cumul",
        "methode",
    ])
    .map_err(csv_io)?;
    let mut total = 0u64;
    let m = method.describe();
    for (rank, ch) in choices.iter().enumerate() {
        total += ch.gain;
        let c = &candidates[ch.candidate];
        w.write_record([
            &(rank + 1).to_string(),
            c.insee.as_str(),
            &c.name,
            &c.departement,
            &ch.gain.to_string(),
            &total.to_string(),
            &m,
        ])
        .map_err(csv_io)?;
    }
    w.flush()?;
    Ok(())
}
