//! Access and coverage on roads (Helsinki) and with the estimate (real French data).

use guichet_places::*;
use guichet_routing::{Coord, dijkstra_reference};
use guichet_territory::*;

use crate::data;

pub fn commune(code: &str, dep: &str, pop: Option<u32>, at: Option<(f64, f64)>) -> Commune {
    Commune {
        insee: InseeCode::parse(code).unwrap(),
        name: format!("Commune {code}"),
        departement: dep.into(),
        region: "11".into(),
        population: pop,
        point: at.map(|(lat, lon)| LatLon { lat, lon }),
        point_is_town_hall: true,
    }
}

pub fn place(id: &str, lat: f64, lon: f64) -> Place {
    Place {
        id: id.into(),
        kind: PlaceKind::FranceServices,
        name: format!("Lieu {id}"),
        address: String::new(),
        postcode: String::new(),
        commune_name: String::new(),
        insee: None,
        location: LatLon { lat, lon },
        services: vec![],
        publics: vec![],
        access_conditions: vec![],
        support_modes: vec![],
        phone: None,
        email: None,
        website: None,
        hours: Hours::Unknown,
        format: None,
        source: "test".into(),
    }
}

fn helsinki_graph() -> guichet_routing::Graph {
    let pbf = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../guichet-osm/tests/data/helsinki.osm.pbf"
    );
    guichet_osm::graph_from_pbf(
        std::path::Path::new(pbf),
        &guichet_osm::CarProfile::default(),
    )
    .unwrap()
    .0
}

#[test]
fn road_access_equals_reference_dijkstra_and_reports_places_at_sea() {
    let g = helsinki_graph();
    let at = |v: u32| {
        let c: Coord = g.coord(v);
        (c.lat(), c.lon())
    };
    let place_nodes: Vec<u32> = (0..g.node_count() as u32).step_by(150).collect();
    let mut places: Vec<Place> = place_nodes
        .iter()
        .map(|&v| place(&format!("p{v}"), at(v).0, at(v).1))
        .collect();
    // In the Gulf of Finland, kilometres from any road.
    places.push(place("sea", 60.05, 24.95));
    let communes: Vec<Commune> = (0..g.node_count() as u32)
        .step_by(7)
        .enumerate()
        .map(|(i, v)| commune(&format!("{:05}", 10_000 + i), "00", Some(100), Some(at(v))))
        .collect();
    let net = Network::roads(&g, "helsinki", 50.0);
    let (access, placed) = access_times(&net, &communes, &places).unwrap();
    assert_eq!(placed.off_network.len(), 1);
    assert_eq!(placed.off_network[0].0, places.len() - 1);
    assert!(placed.off_network[0].1 > 1_000.0);
    // Times to the nearest place along one-way streets = Dijkstra on the reversed graph.
    let reference = dijkstra_reference(&g.reversed(), &place_nodes);
    for (i, a) in access.iter().enumerate() {
        let v = (i * 7) as u32;
        assert_eq!(
            a.time_ds,
            Some(reference[v as usize]),
            "commune at node {v}"
        );
        // The named place is really at that time from the commune.
        let p = place_nodes[a.place.unwrap()];
        assert_eq!(
            dijkstra_reference(&g, &[v])[p as usize],
            reference[v as usize]
        );
    }
    // Cover sets by bounded search agree with the access times.
    let demand: Vec<LatLon> = communes.iter().map(|c| c.point.unwrap()).collect();
    let cands: Vec<LatLon> = places[..3].iter().map(|p| p.location).collect();
    let sets = cover_sets(&net, &demand, &cands, 3_000).unwrap();
    for (j, set) in sets.iter().enumerate() {
        let to_j = dijkstra_reference(&g.reversed(), &[place_nodes[j]]);
        let want: Vec<u32> = (0..communes.len() as u32)
            .filter(|&i| to_j[(i * 7) as usize] <= 3_000)
            .collect();
        assert_eq!(set, &want);
    }
}

#[test]
fn nearby_places_on_roads_are_timed_from_the_commune_along_one_way_streets() {
    let g = helsinki_graph();
    let at = |v: u32| {
        let c: Coord = g.coord(v);
        (c.lat(), c.lon())
    };
    let place_nodes: Vec<u32> = (0..g.node_count() as u32).step_by(40).collect();
    let places: Vec<Place> = place_nodes
        .iter()
        .map(|&v| place(&format!("p{v}"), at(v).0, at(v).1))
        .collect();
    let origin = g.node_count() as u32 / 2;
    let communes = vec![commune("01001", "00", Some(100), Some(at(origin)))];
    let report =
        TerritoryReport::build(communes, places, Network::roads(&g, "helsinki", 50.0)).unwrap();
    let near = report.nearby(
        0,
        &[Want::Nearest {
            kind: PlaceKind::FranceServices,
            count: 4,
        }],
    );
    assert_eq!(near.len(), 4);
    // Times *from* the commune: Dijkstra on the graph as built (not the reversed one).
    let from = dijkstra_reference(&g, &[origin]);
    for p in &near {
        let v: u32 = p.place.id[1..].parse().unwrap();
        assert_eq!(p.time_ds, Some(from[v as usize]), "{}", p.place.id);
    }
    let times: Vec<u32> = near.iter().map(|p| p.time_ds.unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    // The nearest by road is the one the report's access gives this commune.
    let access = report.kind("france-services").unwrap().access[0];
    assert_eq!(near[0].time_ds, access.time_ds);
}

#[test]
fn estimate_is_distance_times_detour_over_speed() {
    // 0.1° of latitude ≈ 11.12 km; × 1.5 ÷ 60 km/h = 16.7 min.
    let communes = vec![commune("01001", "01", Some(10), Some((45.1, 5.0)))];
    let places = vec![place("a", 45.0, 5.0), place("b", 47.0, 5.0)];
    let net = Network::estimate(1.5, 60.0).unwrap();
    let (access, _) = access_times(&net, &communes, &places).unwrap();
    assert_eq!(access[0].place, Some(0));
    let m = access[0].minutes().unwrap();
    assert!((m - 16.68).abs() < 0.05, "{m}");
    assert!(net.method().describe().contains("ESTIMATION"));
    assert!(net.method().describe().contains("1,50"));
    assert!(Network::estimate(0.5, 60.0).is_err());
    assert!(Network::estimate(1.3, 0.0).is_err());
}

#[test]
fn coverage_counts_people_not_communes_and_keeps_unknowns_apart() {
    let communes = vec![
        commune("01001", "01", Some(1_000), Some((45.0, 5.0))),
        commune("01002", "01", Some(3_000), Some((45.0, 5.0))),
        commune("02001", "02", Some(0), Some((45.0, 5.0))),
        commune("02002", "02", None, Some((45.0, 5.0))),
        commune("02003", "02", Some(500), None),
    ];
    let access = vec![
        Access {
            place: Some(0),
            time_ds: Some(10 * 600),
            crossing: false,
        },
        Access {
            place: Some(0),
            time_ds: Some(40 * 600),
            crossing: false,
        },
        Access {
            place: Some(0),
            time_ds: Some(5 * 600),
            crossing: false,
        },
        Access {
            place: Some(0),
            time_ds: Some(5 * 600),
            crossing: false,
        },
        Access {
            place: None,
            time_ds: None,
            crossing: false,
        },
    ];
    let th = Thresholds::parse("30,20").unwrap();
    assert_eq!(th.minutes(), &[20, 30]);
    let r = coverage(
        &communes,
        &access,
        &th,
        Method::Estimate {
            detour: 1.3,
            speed_kmh: 50.0,
        },
    )
    .unwrap();
    assert_eq!(r.national.population, 4_000);
    assert_eq!(r.national.within, vec![1_000, 1_000]);
    assert_eq!(r.national.share(1), Some(0.25));
    assert_eq!(r.national.population_unknown_time, 500);
    assert_eq!(r.unknown_population, 1);
    assert_eq!(r.beyond[1], vec![1]);
    let d2 = r.departements.iter().find(|d| d.code == "02").unwrap();
    assert_eq!(d2.population, 0);
    assert_eq!(d2.share(0), None, "no division by zero");
    assert!(Thresholds::parse("abc").is_err());
    assert!(Thresholds::parse("0").is_err());
    assert!(matches!(
        coverage(
            &communes[4..],
            &access[4..],
            &th,
            Method::Roads {
                extract: "x".into()
            }
        ),
        Err(TerritoryError::NoCommunes)
    ));
}

#[test]
fn french_france_services_coverage_is_of_the_published_order() {
    let communes = load_communes(std::fs::File::open(data("communes-2026.csv")).unwrap()).unwrap();
    let fs =
        load_france_services(std::fs::File::open(data("france-services-2024-08-01.csv")).unwrap())
            .unwrap();
    let net = Network::estimate(1.3, 50.0).unwrap();
    let (access, _) = access_times(&net, &communes.communes, &fs.places).unwrap();
    let r = coverage(
        &communes.communes,
        &access,
        &Thresholds::parse("20,30,45").unwrap(),
        net.method(),
    )
    .unwrap();
    let share30 = r.national.share(1).unwrap();
    // Published: about 95 % within 30 minutes. The straight-line estimate from town halls is
    // more optimistic; it must still be of that order, and monotone in the threshold.
    assert!((0.90..=1.0).contains(&share30), "{share30}");
    assert!(r.national.share(0).unwrap() <= share30 && share30 <= r.national.share(2).unwrap());
    assert!(r.national.population > 60_000_000);
    assert!(r.departements.len() >= 100);
}

fn real_communes() -> Vec<Commune> {
    load_communes(std::fs::File::open(data("communes-2026.csv")).unwrap())
        .unwrap()
        .communes
}

fn france_services() -> Vec<Place> {
    load_france_services(std::fs::File::open(data("france-services-2024-08-01.csv")).unwrap())
        .unwrap()
        .places
}

/// The 687 mediation places of Auvergne-Rhône-Alpes cover that région: the population base of
/// their coverage is exactly the région's, never France's.
#[test]
fn a_regional_file_is_counted_over_its_region_only() {
    let communes = real_communes();
    let med = load_mediation_places(
        std::fs::File::open(data("lieux-mediation-numerique-aura.json")).unwrap(),
    )
    .unwrap()
    .places;
    let area = Area::infer(&communes, &med);
    assert_eq!(area.label, "Auvergne-Rhône-Alpes");
    assert!(!area.whole);
    let net = Network::estimate(1.3, 50.0).unwrap();
    let (access, _) = access_times(&net, &communes, &med).unwrap();
    let r = coverage_over(
        &communes,
        &access,
        &Thresholds::parse("20,30,45").unwrap(),
        net.method(),
        area,
    )
    .unwrap();
    let aura: u64 = communes
        .iter()
        .filter(|c| c.region == "84")
        .map(|c| u64::from(c.population.unwrap_or(0)))
        .sum();
    assert!(aura > 8_000_000, "{aura}");
    assert_eq!(r.national.population_total(), aura);
    assert_eq!(r.regions.len(), 1);
    assert_eq!(r.departements.len(), 12);
    // France Services cover mainland France and the overseas régions they are in.
    let fs = Area::infer(&communes, &france_services());
    assert!(
        fs.label.starts_with("France métropolitaine, Guadeloupe"),
        "{}",
        fs.label
    );
    assert!(
        !fs.regions.contains("987"),
        "no France Services in Polynesia"
    );
}

/// Where the straight line leaves the land, no road time is made up.
#[test]
fn islands_and_overseas_are_timed_on_their_own_land() {
    let communes = real_communes();
    let fs = france_services();
    let net = Network::estimate(1.3, 50.0).unwrap();
    let (access, _) = access_times(&net, &communes, &fs).unwrap();
    let at = |code: &str| {
        let i = communes
            .iter()
            .position(|c| c.insee.as_str() == code)
            .unwrap();
        (&communes[i], access[i])
    };
    // Île-de-Sein: no France Services on the island.
    let (_, sein) = at("29083");
    assert!(sein.crossing && sein.time_ds.is_none(), "{sein:?}");
    // Ouessant: across the sea, unless a place is on the island itself.
    let (_, ouessant) = at("29155");
    assert!(
        ouessant.crossing
            || fs[ouessant.place.unwrap()]
                .insee
                .as_ref()
                .map(|i| i.as_str())
                == Some("29155"),
        "{ouessant:?}"
    );
    // A mainland commune is timed as before.
    let (_, quimper) = at("29232");
    assert!(!quimper.crossing && quimper.minutes().unwrap() < 20.0);
    // Overseas: every timed commune is timed to a place of its own département.
    let mut timed_overseas = 0;
    for (c, a) in communes.iter().zip(&access) {
        if !c.departement.starts_with("97") {
            continue;
        }
        let (Some(p), Some(_)) = (a.place, a.time_ds) else {
            continue;
        };
        let dep = fs[p].insee.as_ref().map(|i| &i.as_str()[..3]);
        assert_eq!(
            dep,
            Some(c.departement.as_str()),
            "{} {}",
            c.insee.as_str(),
            c.name
        );
        timed_overseas += 1;
    }
    assert!(timed_overseas > 100, "{timed_overseas}");
    // Pointe-à-Pitre is timed within Guadeloupe.
    let (_, pap) = at("97120");
    assert!(pap.minutes().unwrap() < 30.0, "{pap:?}");
    let crossing = access.iter().filter(|a| a.crossing).count();
    eprintln!("communes marked « traversée maritime »: {crossing}");
}
