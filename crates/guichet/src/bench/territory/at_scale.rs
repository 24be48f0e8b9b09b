#![allow(clippy::disallowed_methods)] // a benchmark reads the clock to measure elapsed time
//! Stage 0, the fair comparison with OSRM: both tools on the same synthetic road network of
//! over a million nodes ([`network`](super::network), written as an OSM PBF file), for the
//! same question — N random origins, M random places, the nearest place's time from each
//! origin. On Helsinki (805 nodes) OSRM's time is its HTTP and table overhead; here routing
//! is the work. For each side: preprocessing (OSRM: `osrm-extract` + `osrm-contract`; ours:
//! reading the PBF and building the graph and its reverse), peak memory (`VmHWM`), the query
//! (OSRM: the `table` service, one request per core sent at once; ours: snapping and one
//! multi-source sweep), and the agreement of the answers.
//!
//! It runs first, so that our process's peak memory is this stage's and not the 10-million
//! node graph's.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use guichet_osm::CarProfile;
use serde_json::{Value, json};

use super::BenchArgs;
use super::engine::{self, Question};
use super::memory::{peak_mb, reset_peak, rss_mb};
use super::network;
use super::osrm::{self, Prepared};
use super::timing::secs;

/// The figures for the JSON line; OSRM's are `None` when it is missing.
#[derive(Debug, Default)]
pub(super) struct Figures {
    /// Nodes of the drivable graph the comparison ran on (ours, after import).
    pub peer_nodes: usize,
    /// Nodes in the PBF file.
    pub osm_nodes: u64,
    pub origins: usize,
    pub places: usize,
    /// Our end-to-end answer (snapping and sweep), and OSRM's table time.
    pub ours_s: f64,
    pub peer_s: Option<f64>,
    pub ratio: Option<f64>,
    /// OSRM's algorithm: "MLD" or "CH".
    pub algorithm: &'static str,
    /// Preprocessing: our PBF read + graph build; OSRM's extract and its second step
    /// (`osrm-contract` for CH, `osrm-partition` + `osrm-customize` for MLD).
    pub ours_prep_s: f64,
    pub osrm_extract_s: Option<f64>,
    pub osrm_contract_s: Option<f64>,
    /// Peak resident memory, MB.
    pub ours_peak_mb: Option<f64>,
    pub osrm_extract_mb: Option<f64>,
    pub osrm_contract_mb: Option<f64>,
    pub osrm_routed_mb: Option<f64>,
    /// Agreement of OSRM's answers with ours, per OSRM profile.
    pub check: Value,
}

/// Writes the network, answers the question with both tools, prints and returns the figures.
pub(super) fn measure(args: &BenchArgs) -> anyhow::Result<Figures> {
    let dir = PathBuf::from(".bench/territoire");
    std::fs::create_dir_all(&dir)?;
    let pbf = dir.join(format!(
        "reseau-{}-{}.osm.pbf",
        args.peer_nodes, args.peer_seed
    ));
    println!(
        "comparaison avec OSRM sur un réseau routier synthétique d’environ {} nœuds…",
        args.peer_nodes
    );
    let t = Instant::now();
    let written = network::write(&pbf, args.peer_nodes, args.peer_seed)?;
    println!(
        "  fichier {} : {} nœuds OSM, {} voies, {:.1} Mo, écrit en {:.1} s",
        pbf.display(),
        written.osm_nodes,
        written.ways,
        std::fs::metadata(&pbf)?.len() as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    // Ours: read the PBF, build the graph and its reverse; our peak from here on.
    reset_peak();
    let before = rss_mb();
    let t = Instant::now();
    let (graph, _) = guichet_osm::graph_from_pbf(&pbf, &CarProfile::default())?;
    let rev = graph.reversed();
    let prep = t.elapsed();
    let question = Question::random(&graph, args.peer_origins, args.peer_places, args.peer_seed);
    let ours = engine::answer("réseau synthétique", &graph, &rev, &question)?;
    let ours_peak = peak_mb("self");
    let mut f = Figures {
        peer_nodes: graph.node_count(),
        osm_nodes: written.osm_nodes,
        origins: question.origins.len(),
        places: question.places.len(),
        ours_s: secs(ours.end_to_end),
        ours_prep_s: secs(prep),
        ours_peak_mb: ours_peak,
        algorithm: if !args.peer_ch { "MLD" } else { "CH" },
        ..Figures::default()
    };
    println!(
        "  Guichet : lecture du PBF et construction du graphe ({} nœuds, {} arcs) {:.2} s, \
         mémoire de pointe {} Mo (dont {} Mo avant l’étape)",
        graph.node_count(),
        graph.arc_count(),
        prep.as_secs_f64(),
        mb(ours_peak),
        mb(before),
    );

    // OSRM: the same file, the same points (our nodes' coordinates).
    let lonlat = |v: &u32| {
        let c = graph.coord(*v);
        (c.lon(), c.lat())
    };
    let origins: Vec<_> = question.origins.iter().map(lonlat).collect();
    let places: Vec<_> = question.places.iter().map(lonlat).collect();
    drop(rev);
    drop(graph);
    let clients = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut checks = serde_json::Map::new();
    let (algo, second) = if !args.peer_ch {
        ("MLD", "osrm-partition + osrm-customize")
    } else {
        ("CH", "osrm-contract")
    };
    for no_turn_costs in [false, true] {
        let profile = if no_turn_costs {
            "car.lua sans pénalités de virage, poids = durée"
        } else {
            "car.lua par défaut"
        };
        // The prepared files, each origin's time, the table's time and osrm-routed's peak MB.
        type Run = (Prepared, Vec<Option<f64>>, Duration, Option<f64>);
        let run = || -> anyhow::Result<Run> {
            let prepared = osrm::prepare(
                args,
                &pbf,
                &dir.join(format!("osrm-{no_turn_costs}")),
                no_turn_costs,
                !args.peer_ch,
            )?;
            let routed = prepared.serve()?;
            let (times, t) = routed.nearest(&origins, &places, clients)?;
            let routed_mb = routed.peak_mb();
            Ok((prepared, times, t, routed_mb))
        };
        match run() {
            Ok((prepared, times, t, routed_mb)) => {
                let check = osrm::agreement(&ours.per_origin, &times);
                println!(
                    "  OSRM ({profile}, {algo}) : osrm-extract {:.1} s ({} Mo), {second} {:.1} s \
                     ({} Mo), osrm-routed {} Mo ; table en {} requêtes simultanées {:.3} s ; \
                     écart avec nous : {check}",
                    prepared.extract.as_secs_f64(),
                    mb(prepared.extract_mb),
                    prepared.contract.as_secs_f64(),
                    mb(prepared.contract_mb),
                    mb(routed_mb),
                    clients.min(origins.len()),
                    t.as_secs_f64(),
                );
                if !no_turn_costs {
                    // The figures compared are those of OSRM as shipped.
                    f.peer_s = Some(secs(t));
                    f.ratio = Some(
                        (t.as_secs_f64() / ours.end_to_end.as_secs_f64() * 10.0).round() / 10.0,
                    );
                    f.osrm_extract_s = Some(secs(prepared.extract));
                    f.osrm_contract_s = Some(secs(prepared.contract));
                    f.osrm_extract_mb = prepared.extract_mb;
                    f.osrm_contract_mb = prepared.contract_mb;
                    f.osrm_routed_mb = routed_mb;
                }
                let key = if no_turn_costs {
                    "no_turn_costs"
                } else {
                    "default_profile"
                };
                checks.insert(key.into(), check);
            }
            Err(e) => {
                println!("  OSRM ({profile}) : non mesuré ({e:#})");
                break;
            }
        }
    }
    f.check = if checks.is_empty() {
        Value::Null
    } else {
        Value::Object(checks)
    };
    if let Some(ratio) = f.ratio {
        println!(
            "  {} origines × {} lieux, temps du lieu le plus proche : Guichet {:.3} s, OSRM {:.3} s \
             (rapport {ratio:.1}×) ; préparation : Guichet {:.1} s, OSRM {:.1} s",
            f.origins,
            f.places,
            f.ours_s,
            f.peer_s.unwrap_or_default(),
            f.ours_prep_s,
            f.osrm_extract_s.unwrap_or_default() + f.osrm_contract_s.unwrap_or_default(),
        );
    }
    Ok(f)
}

impl Figures {
    /// The fields this stage adds to the JSON line.
    pub(super) fn json(&self) -> Value {
        json!({
            "nodes": self.peer_nodes,
            "osm_nodes": self.osm_nodes,
            "origins": self.origins,
            "places": self.places,
            "ours_s": self.ours_s,
            "osrm_s": self.peer_s,
            "osrm_algorithm": self.algorithm,
            "ours_prep_s": self.ours_prep_s,
            "osrm_extract_s": self.osrm_extract_s,
            "osrm_contract_or_customize_s": self.osrm_contract_s,
            "ours_peak_mb": self.ours_peak_mb,
            "osrm_extract_peak_mb": self.osrm_extract_mb,
            "osrm_contract_or_customize_peak_mb": self.osrm_contract_mb,
            "osrm_routed_peak_mb": self.osrm_routed_mb,
            "check": self.check,
        })
    }
}

fn mb(v: Option<f64>) -> String {
    v.map_or_else(|| "?".into(), |v| format!("{v:.0}"))
}
