#![allow(clippy::disallowed_methods)] // a benchmark reads the clock to measure elapsed time
//! Stage 2: the real Helsinki and Monaco extracts: import time, and a nearest-place sweep
//! checked bit for bit against a plain Dijkstra. Helsinki's graph is kept for the peers.

use std::path::{Path, PathBuf};
use std::time::Instant;

use guichet_osm::CarProfile;
use guichet_routing::{Graph, Source, dijkstra_reference, nearest_sources};
use serde_json::json;

use super::timing::{best_of, secs};

/// The Helsinki extract, imported: the graph the peers are compared on, and its file (OSRM
/// imports it again).
#[derive(Debug)]
pub(super) struct Helsinki {
    pub pbf: PathBuf,
    pub graph: Graph,
}

/// The extracts' figures for the JSON line (`real`), and Helsinki when present.
#[derive(Debug)]
pub(super) struct Extracts {
    pub figures: serde_json::Map<String, serde_json::Value>,
    pub helsinki: Option<Helsinki>,
}

/// Imports and sweeps each extract found in `data`, printing a line for each (or its absence).
pub(super) fn measure(data: &Path, place_every: usize) -> anyhow::Result<Extracts> {
    let helsinki = data.join("helsinki.osm.pbf");
    let monaco = data.join("monaco.osm.pbf");
    let mut real = serde_json::Map::new();
    let mut helsinki_graph = None;
    for (name, path) in [("helsinki", &helsinki), ("monaco", &monaco)] {
        if !path.exists() {
            println!("  {name} : {} absent", path.display());
            continue;
        }
        let t = Instant::now();
        let (graph, _) = guichet_osm::graph_from_pbf(path, &CarProfile::default())?;
        let build = secs(t.elapsed());
        let rev = graph.reversed();
        let srcs: Vec<Source> = (0..rev.node_count() as u32)
            .step_by(place_every.max(1))
            .enumerate()
            .map(|(i, node)| Source {
                node,
                offset: 0,
                label: i as u32,
            })
            .collect();
        let (tree, sweep) = best_of(5, || Ok(nearest_sources(&rev, &srcs)?))?;
        let nodes: Vec<u32> = srcs.iter().map(|s| s.node).collect();
        let exact = tree.times() == dijkstra_reference(&rev, &nodes);
        println!(
            "  {name} : {} nœuds, import {build:.3} s, balayage {:.1} µs, identique à Dijkstra : {exact}",
            graph.node_count(),
            sweep.as_secs_f64() * 1e6
        );
        real.insert(
            name.into(),
            json!({"nodes": graph.node_count(), "build_s": build, "sweep_s": secs(sweep), "exact": exact}),
        );
        if name == "helsinki" {
            helsinki_graph = Some(graph);
        }
    }
    Ok(Extracts {
        figures: real,
        helsinki: helsinki_graph.map(|graph| Helsinki {
            pbf: helsinki,
            graph,
        }),
    })
}
