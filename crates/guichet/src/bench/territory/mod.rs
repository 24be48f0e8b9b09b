//! `guichet bench territory`: the travel-time engine measured at country scale and against
//! the tools planners use today.
//!
//! Figures: first the fair comparison with OSRM, both tools on the same synthetic road network
//! of over a million nodes written as an OSM PBF file, with their preprocessing time, peak
//! memory, query time and agreement ([`at_scale`]); on a synthetic road-like graph (10 million nodes by default), the build time, the
//! memory per node and the nearest-place sweep ([`synthetic`]); on the real Helsinki and Monaco
//! extracts, the import time and a sweep checked bit for bit against a plain Dijkstra
//! ([`extracts`]); on Helsinki, the same question (N origins, M places, nearest time per origin)
//! answered by our engine ([`engine`]), by OSRM's `table` service ([`osrm`]) and by scipy's
//! `csgraph.dijkstra` ([`scipy`]), with the ratios and OSRM's agreement; and site selection for
//! all French communes ([`sites`]). A missing peer prints `null` and how to get it. The last line
//! is one JSON object, assembled here.

mod at_scale;
mod engine;
mod extracts;
mod memory;
mod network;
mod osrm;
mod pbf_writer;
mod scipy;
mod sites;
mod synthetic;
mod timing;

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use timing::secs;

/// Options of `guichet bench territory`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Nodes of the synthetic graph.
    #[arg(long, default_value_t = 10_000_000)]
    pub nodes: usize,
    /// Folder of the shared real data (communes, extracts).
    #[arg(long, default_value = "../shared/data")]
    pub data: PathBuf,
    /// Folder holding osrm-extract, osrm-contract and osrm-routed (else looked up in
    /// .bench/osrm/osrm/bin and on PATH).
    #[arg(long, env = "GUICHET_OSRM_BIN")]
    pub osrm_bin: Option<PathBuf>,
    /// Python with scipy, for the scipy peer.
    #[arg(long, default_value = "python3")]
    pub python: String,
    /// OSM nodes of the synthetic road network written as PBF for the comparison with OSRM
    /// at scale (0: skip it).
    #[arg(long, default_value_t = 1_200_000)]
    pub peer_nodes: usize,
    /// Origins of the question asked on that network (random nodes).
    #[arg(long, default_value_t = 2_000)]
    pub peer_origins: usize,
    /// Places of that question (random nodes).
    #[arg(long, default_value_t = 500)]
    pub peer_places: usize,
    /// OSRM's contraction hierarchies (osrm-contract, its fastest `table`) for that comparison
    /// instead of its multi-level Dijkstra (osrm-partition + osrm-customize): contracting over
    /// a million nodes takes longer than a bench run on a 2-core machine.
    #[arg(long)]
    pub peer_ch: bool,
    /// Seed of that network and question.
    #[arg(long, default_value_t = 16)]
    pub peer_seed: u64,
    /// Places among the Helsinki nodes for the peer comparison (every n-th node).
    #[arg(long, default_value_t = 40)]
    pub place_every: usize,
}

/// Runs the benchmark and prints its figures, ending with the JSON line.
pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    // 0. OSRM and us on the same network of over a million nodes.
    let scale = if args.peer_nodes > 0 {
        Some(at_scale::measure(&args)?)
    } else {
        None
    };

    // 1. Synthetic country-scale graph.
    let synthetic = synthetic::measure(args.nodes)?;

    // 2. Real extracts.
    let extracts = extracts::measure(&args.data, args.place_every)?;

    // 3. Peers on Helsinki.
    let mut osrm = osrm::Figures::default();
    let mut scipy = scipy::Figures::default();
    if let Some(helsinki) = &extracts.helsinki {
        let question = engine::Question::every_nth_place(&helsinki.graph, args.place_every);
        let rev = helsinki.graph.reversed();
        let ours = engine::answer("Helsinki", &helsinki.graph, &rev, &question)?;
        osrm = osrm::compare(&args, &helsinki.pbf, &helsinki.graph, &question, &ours);
        scipy = scipy::compare(&args, &rev, &question.places, ours.sweep_only);
    }

    // 4. Site selection for all French communes.
    let mclp_s = sites::measure(&args.data)?;

    println!(
        "{}",
        json!({
            "bench": "territory",
            "nodes": synthetic.nodes,
            "sweep_s": secs(synthetic.sweep),
            "sweep_threads": synthetic.threads,
            "sweep_1thread_s": secs(synthetic.sweep_1t),
            "bytes_per_node": (synthetic.bytes_per_node * 10.0).round() / 10.0,
            "build_s": synthetic.build_s,
            "peer": "osrm",
            "peer_s": scale.as_ref().and_then(|s| s.peer_s),
            "ratio": scale.as_ref().and_then(|s| s.ratio),
            "peer_nodes": scale.as_ref().map(|s| s.peer_nodes),
            "peer_origins": scale.as_ref().map(|s| s.origins),
            "peer_places": scale.as_ref().map(|s| s.places),
            "ours_prep_s": scale.as_ref().map(|s| s.ours_prep_s),
            "peer_prep_s": scale.as_ref().and_then(|s| Some(s.osrm_extract_s? + s.osrm_contract_s?)),
            "ours_peak_mb": scale.as_ref().and_then(|s| s.ours_peak_mb),
            "peer_peak_mb": scale.as_ref().and_then(|s| {
                [s.osrm_extract_mb, s.osrm_contract_mb, s.osrm_routed_mb]
                    .into_iter()
                    .flatten()
                    .reduce(f64::max)
            }),
            "at_scale": scale.as_ref().map(at_scale::Figures::json),
            "helsinki_peer_s": osrm.peer_s,
            "helsinki_ratio": osrm.ratio,
            "mclp_s": mclp_s,
            "scipy_s": scipy.scipy_s,
            "scipy_ratio": scipy.scipy_ratio,
            "osrm_check": osrm.check,
            "real": extracts.figures,
        })
    );
    Ok(())
}
