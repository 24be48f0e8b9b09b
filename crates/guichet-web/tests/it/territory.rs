//! The `/territoire` pages on real data: the communes of Corrèze (19) from the copy committed
//! in `guichet-territory/data`, its France Services from the ANCT list in `../shared/data`,
//! and the town halls. Expected figures are recomputed here independently (haversine,
//! detour, speed), not read back from the report.
//!
//! These pages do not touch the database; the store is only there because `AppState` holds
//! one, so one engine is enough.

use std::io::Read;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use axum::http::StatusCode;
use guichet_places::{Commune, Place, PlaceKind};
use guichet_store::Engine;
use guichet_territory::{Network, TerritoryReport};
use guichet_web::territory::{TerritoryData, TerritoryState};

use crate::support::{TestApp, TestResponse};

const DEP: &str = "19";
const DETOUR: f64 = 1.3;
const SPEED_KMH: f64 = 50.0;

fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The communes CSV of one département, from the committed gzip copy.
fn communes_csv() -> String {
    let gz = std::fs::read(workspace().join("crates/guichet-territory/data/communes-2026.csv.gz"))
        .unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .unwrap();
    let mut lines = text.lines();
    let mut out = format!("{}\n", lines.next().unwrap());
    for l in lines.filter(|l| l.split(',').nth(2) == Some(DEP)) {
        out.push_str(l);
        out.push('\n');
    }
    out
}

struct Fixture {
    communes: Vec<Commune>,
    france_services: Vec<Place>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let set = guichet_places::load_communes(communes_csv().as_bytes()).unwrap();
        let fs = guichet_places::load_france_services(
            std::fs::File::open(workspace().join("../shared/data/france-services-2024-08-01.csv"))
                .unwrap(),
        )
        .unwrap();
        Fixture {
            communes: set.communes.clone(),
            france_services: fs
                .places
                .into_iter()
                .filter(|p| {
                    p.insee
                        .as_ref()
                        .is_some_and(|i| i.as_str().starts_with(DEP))
                })
                .collect(),
        }
    })
}

fn ready_state() -> Arc<TerritoryState> {
    let f = fixture();
    let set = guichet_places::load_communes(communes_csv().as_bytes()).unwrap();
    let mut places = guichet_places::town_halls(&set);
    places.extend(f.france_services.iter().cloned());
    let report = TerritoryReport::build(
        f.communes.clone(),
        places,
        Network::estimate(DETOUR, SPEED_KMH).unwrap(),
    )
    .unwrap();
    TerritoryState::ready(TerritoryData {
        report,
        notes: Vec::new(),
    })
}

/// Minutes by the estimate, computed here: haversine × detour ÷ speed.
fn minutes(a: guichet_places::LatLon, b: guichet_places::LatLon) -> f64 {
    let r = 6_371_008.8;
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let h = ((p2 - p1) / 2.0).sin().powi(2)
        + p1.cos() * p2.cos() * ((b.lon - a.lon).to_radians() / 2.0).sin().powi(2);
    let metres = 2.0 * r * h.sqrt().asin();
    metres * DETOUR / (SPEED_KMH / 3.6) / 60.0
}

/// (commune, population, minutes to the nearest France Services) for located, counted ones.
fn expected_times() -> Vec<(&'static Commune, u64, f64)> {
    let f = fixture();
    f.communes
        .iter()
        .filter_map(|c| {
            let p = c.point?;
            let pop = u64::from(c.population?);
            let best = f
                .france_services
                .iter()
                .map(|s| minutes(p, s.location))
                .fold(f64::INFINITY, f64::min);
            Some((c, pop, best))
        })
        .collect()
}

fn fr_int(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(ch);
    }
    out
}

/// One request on a fresh app holding `state` (SQLite: these pages never read the database).
async fn get(state: Arc<TerritoryState>, path: &str) -> TestResponse {
    TestApp::builder()
        .territory(state)
        .run_on(Engine::Sqlite, |mut app| async move { app.get(path).await })
        .await
}

#[tokio::test]
async fn the_overview_gives_coverage_computed_from_the_same_data_and_states_the_method() {
    let times = expected_times();
    assert!(times.len() > 100, "Corrèze has about 280 communes");
    let total: u64 = times.iter().map(|t| t.1).sum();
    // The comparison below is meaningful only if no commune sits on the threshold.
    assert!(times.iter().all(|t| (t.2 - 30.0).abs() > 0.05));
    let within: u64 = times.iter().filter(|t| t.2 <= 30.0).map(|t| t.1).sum();
    assert!(
        within < total,
        "some people of Corrèze are beyond 30 minutes"
    );
    let share = format!("{:.1}", within as f64 / total as f64 * 100.0).replace('.', ",");

    let r = get(ready_state(), "/territoire").await;
    assert_eq!(r.status, StatusCode::OK);
    let body = r.text();
    assert!(
        body.contains(&format!("{share}\u{a0}%")),
        "{share} % absent: {body}"
    );
    assert!(
        body.contains(&fr_int(total - within)),
        "beyond 30 min absent"
    );
    assert!(body.contains("distance à vol d’oiseau × facteur de détour ÷ vitesse"));
    assert!(body.contains("facteur de détour 1,3 ; vitesse 50 km/h"));
    assert!(body.contains("<caption id=\"tableau-overview-1\">"));
    assert!(body.contains("role=\"region\" aria-labelledby=\"tableau-overview-1\""));
    assert!(body.contains("scope=\"col\""));
    assert!(body.contains("href=\"/territoire/departements/19\""));
    assert!(body.contains("data.gouv.fr"));
    assert!(body.contains("alt=\"Carte — "));
    // The area is stated: these France Services are counted over the fixture's communes.
    assert!(body.contains("<td>Nouvelle-Aquitaine</td>"), "zone column");
    assert!(body.contains(&format!("<td class=\"nombre\">{}</td>", fr_int(total))));
    // Town halls are trivially 100 %: out of the table, and the page says why.
    assert!(!body.contains("<th scope=\"row\">Mairie</th>"));
    assert!(body.contains("Les mairies ne figurent pas dans ce tableau"));
    assert!(body.len() < 50_000, "page HTML {} bytes", body.len());
}

#[tokio::test]
async fn the_coverage_page_lists_the_most_populated_commune_beyond_the_threshold_first() {
    let mut beyond: Vec<_> = expected_times()
        .into_iter()
        .filter(|t| t.2 > 30.0)
        .collect();
    beyond.sort_by_key(|t| std::cmp::Reverse(t.1));
    let first = beyond[0].0;
    let r = get(ready_state(), "/territoire/couverture?type=france-services").await;
    assert_eq!(r.status, StatusCode::OK);
    let body = r.text();
    let list = &body[body.find("id=\"communes\"").unwrap()..];
    let row = list.find("<th scope=\"row\">").unwrap();
    assert!(
        list[row..].contains(first.insee.as_str())
            && list[row..row + 300].contains(first.insee.as_str()),
        "first row should be {} ({}): {}",
        first.name,
        first.insee,
        &list[row..row + 300]
    );
    assert!(body.contains("Corrèze (19)"));
    assert!(body.contains("Nouvelle-Aquitaine"));
    let (bad_seuil, bad_type, bad_page) = (
        get(ready_state(), "/territoire/couverture?seuil=25").await,
        get(ready_state(), "/territoire/couverture?type=bureau-de-poste").await,
        get(ready_state(), "/territoire/couverture?page=0").await,
    );
    assert_eq!(bad_seuil.status, StatusCode::BAD_REQUEST);
    assert!(bad_seuil.text().contains("Seuil invalide"));
    assert_eq!(bad_type.status, StatusCode::BAD_REQUEST);
    assert!(
        bad_type
            .text()
            .contains("Type de lieu inconnu\u{a0}: «\u{a0}bureau-de-poste\u{a0}»")
    );
    assert_eq!(bad_page.status, StatusCode::BAD_REQUEST);
    assert!(bad_page.text().contains("Numéro de page invalide"));
}

#[tokio::test]
async fn access_downloads_parse_and_agree_with_the_independent_times() {
    let expected = expected_times();
    let r = get(
        ready_state(),
        "/territoire/acces.csv?type=france-services&departement=19",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type().starts_with("text/csv"));
    let mut rdr = csv::Reader::from_reader(&r.body[..]);
    let headers = rdr.headers().unwrap().clone();
    let col = |n: &str| headers.iter().position(|h| h == n).unwrap();
    let (c_code, c_min, c_method) = (col("code_insee"), col("minutes"), col("methode"));
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), fixture().communes.len());
    for (c, _, m) in &expected {
        let row = rows
            .iter()
            .find(|r| &r[c_code] == c.insee.as_str())
            .unwrap();
        let got: f64 = row[c_min].parse().unwrap();
        assert!((got - m).abs() < 0.1, "{}: {got} vs {m}", c.name);
        assert!(row[c_method].contains("ESTIMATION"));
    }

    let g = get(
        ready_state(),
        "/territoire/acces.geojson?type=mairie&departement=19",
    )
    .await;
    assert_eq!(g.status, StatusCode::OK);
    assert_eq!(g.content_type(), "application/geo+json");
    let v: serde_json::Value = serde_json::from_slice(&g.body).unwrap();
    assert_eq!(v["type"], "FeatureCollection");
    assert!(v["methode"].as_str().unwrap().contains("vol d’oiseau"));
    let communes = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["type"] == "commune")
        .count();
    assert_eq!(
        communes,
        fixture()
            .communes
            .iter()
            .filter(|c| c.point.is_some())
            .count()
    );

    let page = get(
        ready_state(),
        "/territoire/acces?type=france-services&page=2",
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Page 2 sur 3"));
    for path in [
        "/territoire/acces?departement=99",
        "/territoire/acces.csv?departement=2C",
        "/territoire/acces?page=4",
        "/territoire/acces.geojson?type=inconnu",
    ] {
        let r = get(ready_state(), path).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(r.text().contains("lang=\"fr\""), "{path}");
    }
}

#[tokio::test]
async fn site_selection_validates_its_inputs_and_its_first_choice_is_the_best_single_site() {
    for (query, message) in [
        ("k=0", "Nombre de lieux invalide"),
        ("k=101", "Nombre de lieux invalide"),
        ("k=trois", "Nombre de lieux invalide"),
        ("k=-1", "Nombre de lieux invalide"),
        ("rayon=4", "Rayon en minutes invalide"),
        ("rayon=121", "Rayon en minutes invalide"),
        ("rayon=99999999999999999999", "Rayon en minutes invalide"),
        ("departement=99", "Département inconnu"),
        ("type=maternite", "Type de lieu inconnu"),
    ] {
        let r = get(ready_state(), &format!("/territoire/implantations?{query}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(r.text().contains(message), "{query}: {}", r.text());
    }

    // The best single new site, by brute force over every town hall.
    let times = expected_times();
    let best = fixture()
        .communes
        .iter()
        .filter_map(|cand| cand.point)
        .map(|p| {
            times
                .iter()
                .filter(|t| t.2 > 30.0 && minutes(p, t.0.point.unwrap()) <= 30.0)
                .map(|t| t.1)
                .sum::<u64>()
        })
        .max()
        .unwrap();
    assert!(best > 0);
    let r = get(
        ready_state(),
        "/territoire/implantations?type=france-services&k=3&rayon=30",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let body = r.text();
    assert!(body.contains("63,2 %"), "the guarantee is stated");
    let first = &body[body.find("<tbody>").unwrap()..];
    let first = &first[..first.find("</tr>").unwrap()];
    assert!(
        first.contains(&format!(">{}<", fr_int(best))),
        "expected gain {best}: {first}"
    );
    // The greedy stops when no site adds anyone: one row if the best site reaches everyone.
    let left_out: u64 = times.iter().filter(|t| t.2 > 30.0).map(|t| t.1).sum();
    let rows = body.matches("<tr><td class=\"nombre\">").count();
    if best == left_out {
        assert_eq!(rows, 1);
        assert!(first.contains("100,00\u{a0}%"), "{first}");
    } else {
        assert!((2..=3).contains(&rows), "{rows} rows");
    }
}

#[tokio::test]
async fn a_departement_has_its_page_map_and_table_and_an_unknown_one_is_a_french_404() {
    let r = get(
        ready_state(),
        "/territoire/departements/19?type=france-services",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let body = r.text();
    assert!(body.contains("<h1>Corrèze (19)\u{a0}: accès aux services publics</h1>"));
    assert!(body.contains("/territoire/carte.svg?type=france-services&amp;departement=19"));
    assert!(body.contains("alt=\"Carte du département Corrèze (19)"));
    assert!(
        body.contains("plus de 45 min"),
        "the legend is given in text"
    );
    // Its colour swatches are SVG fills: a style attribute is blocked by the
    // Content-Security-Policy, and browsers showed no colour.
    assert!(
        body.contains("<rect width=\"10\" height=\"10\" fill=\"#d7191c\"/>"),
        "{body}"
    );
    assert!(!body.contains(" style=\""), "{body}");
    let missing = get(ready_state(), "/territoire/departements/99").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text().contains("n’existe pas"));

    let svg = get(ready_state(), "/territoire/carte.svg?departement=19").await;
    assert_eq!(svg.status, StatusCode::OK);
    assert!(svg.content_type().starts_with("image/svg+xml"));
    let svg = svg.text().to_owned();
    assert!(svg.starts_with("<svg") && svg.contains("ESTIMATION"));
    // Dots are zero-length round-capped segments, one path per class.
    assert_eq!(
        svg.matches("h0").count(),
        fixture()
            .communes
            .iter()
            .filter(|c| c.point.is_some())
            .count(),
        "one dot per located commune"
    );
    // Inside the image: title, legend (seven classes, the place mark), area, threshold,
    // sources and date, and the département's outline drawn.
    assert_eq!(svg.matches("<circle").count(), 7, "seven legend classes");
    for text in [
        "<title id=\"t\">Temps d’accès au lieu « France Services » le plus proche — Corrèze (19)</title>",
        "traversée maritime : temps non estimé",
        "Zone couverte par les lieux : Nouvelle-Aquitaine. Seuil de référence : 30 minutes.",
        "contours IGN Admin Express 2018",
        "Carte produite le ",
        "stroke=\"#161616\" stroke-width=\"2\"",
    ] {
        assert!(svg.contains(text), "{text} absent");
    }
    // A narrower map for small screens, and a bad width refused in French.
    let narrow = get(
        ready_state(),
        "/territoire/carte.svg?departement=19&largeur=480",
    )
    .await;
    assert!(narrow.text().contains("viewBox=\"0 0 480 "));
    let bad = get(ready_state(), "/territoire/carte.svg?largeur=5").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let png = get(ready_state(), "/territoire/carte.png?type=mairie").await;
    assert_eq!(png.status, StatusCode::OK);
    assert_eq!(png.content_type(), "image/png");
    assert_eq!(&png.body[..8], b"\x89PNG\r\n\x1a\n");
    // Indexed colours, compressed: a département's map weighs tens of kilobytes.
    assert_eq!(png.body[25], 3, "palette PNG");
    assert!(png.body.len() < 150_000, "PNG {} bytes", png.body.len());
}

#[tokio::test]
async fn while_computing_the_pages_say_so_and_files_wait() {
    let loading = TerritoryState::loading();
    let r = get(loading.clone(), "/territoire").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.text().contains("Calcul en cours"));
    assert_eq!(r.header("retry-after"), Some("10"));
    let r = get(loading.clone(), "/territoire/acces.csv").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    let home = get(loading, "/").await;
    assert!(home.text().contains("href=\"/territoire\""));
}

#[test]
fn the_fixture_is_real_data() {
    let f = fixture();
    assert!(f.communes.iter().any(|c| c.name == "Tulle"));
    assert!(!f.france_services.is_empty());
    assert!(
        f.france_services
            .iter()
            .all(|p| p.kind == PlaceKind::FranceServices)
    );
}
