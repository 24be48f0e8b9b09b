//! From an OpenStreetMap extract (`.osm.pbf`) to a road graph for the travel-time engine.
//!
//! The import streams the file twice and never holds OSM objects in memory: the first pass
//! keeps, for drivable ways only, their node references and speeds; the second keeps the
//! coordinates of just those nodes. Nodes used by one way only and not at its ends are then
//! folded into the arcs (their lengths summed), the largest strongly connected component is
//! kept, and nodes are renumbered along a Hilbert curve for cache locality. Peak memory is
//! about 30 bytes per way-node reference of drivable roads: a few gigabytes for all of France,
//! where OSRM's preprocessing needs 10-16 GB.
//!
//! What "drivable" and "how fast" mean is the [`CarProfile`], modelled on OSRM's `car.lua`.

mod profile;

use std::path::Path;

use guichet_routing::{Coord, Graph, GraphBuilder, RoutingError, haversine_m};
use osmpbf::{Element, ElementReader};

pub use profile::{CarProfile, WaySpeeds};

/// Why an extract could not become a graph. Messages are in English (logs); the CLI adds
/// the French sentence for users.
#[derive(Debug, thiserror::Error)]
pub enum OsmError {
    /// The file is not a readable PBF (corrupt, truncated, not PBF at all).
    #[error("unreadable OSM PBF file: {0}")]
    Pbf(#[from] osmpbf::Error),
    /// The file was read but holds no road a car may use.
    #[error("the extract contains no drivable road")]
    NoDrivableRoads,
    /// Building the graph failed (too large, or an internal inconsistency).
    #[error(transparent)]
    Graph(#[from] RoutingError),
}

/// Counts reported after an import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportStats {
    pub drivable_ways: usize,
    pub way_node_refs: usize,
    pub nodes_missing: usize,
    pub graph_nodes_before_component: usize,
    pub graph_nodes: usize,
    pub graph_arcs: usize,
}

struct WayRec {
    start: u32,
    len: u32,
    speeds: WaySpeeds,
}

/// Builds a graph from a PBF file at `path`.
pub fn graph_from_pbf(path: &Path, profile: &CarProfile) -> Result<(Graph, ImportStats), OsmError> {
    let mut stats = ImportStats::default();
    // Pass 1: drivable ways.
    let mut refs: Vec<i64> = Vec::new();
    let mut ways: Vec<WayRec> = Vec::new();
    let mut too_large = false;
    ElementReader::from_path(path)?.for_each(|el| {
        if let Element::Way(w) = el {
            let speeds = profile.way_speeds(w.tags());
            if speeds.forward_kmh <= 0.0 && speeds.backward_kmh <= 0.0 {
                return;
            }
            let start = refs.len();
            refs.extend(w.refs());
            let len = refs.len() - start;
            if len < 2 {
                refs.truncate(start);
                return;
            }
            match (u32::try_from(start), u32::try_from(len)) {
                (Ok(start), Ok(len)) => ways.push(WayRec { start, len, speeds }),
                _ => too_large = true,
            }
        }
    })?;
    if too_large {
        return Err(RoutingError::TooLarge("more than 2^32 way-node references").into());
    }
    stats.drivable_ways = ways.len();
    stats.way_node_refs = refs.len();
    if ways.is_empty() {
        return Err(OsmError::NoDrivableRoads);
    }
    // Which nodes are junctions: used twice or more (by any ways, or twice by one way).
    let mut ids = refs.clone();
    ids.sort_unstable();
    let mut uniq: Vec<i64> = Vec::with_capacity(ids.len() / 2);
    let mut junction: Vec<bool> = Vec::with_capacity(ids.len() / 2);
    for &id in &ids {
        if uniq.last() == Some(&id) {
            if let Some(j) = junction.last_mut() {
                *j = true;
            }
        } else {
            uniq.push(id);
            junction.push(false);
        }
    }
    drop(ids);
    let index = |id: i64| uniq.binary_search(&id).ok();
    for w in &ways {
        for end in [w.start, w.start + w.len - 1] {
            if let Some(i) = index(refs[end as usize]) {
                junction[i] = true;
            }
        }
    }
    // Pass 2: coordinates of the nodes we need.
    const MISSING: Coord = Coord {
        lat_e7: i32::MIN,
        lon_e7: i32::MIN,
    };
    let mut coords = vec![MISSING; uniq.len()];
    ElementReader::from_path(path)?.for_each(|el| {
        let (id, lat, lon) = match el {
            Element::DenseNode(n) => (n.id(), n.decimicro_lat(), n.decimicro_lon()),
            Element::Node(n) => (n.id(), n.decimicro_lat(), n.decimicro_lon()),
            _ => return,
        };
        if let Ok(i) = uniq.binary_search(&id) {
            coords[i] = Coord {
                lat_e7: lat,
                lon_e7: lon,
            };
        }
    })?;
    stats.nodes_missing = coords.iter().filter(|&&c| c == MISSING).count();
    // Graph nodes: junctions and way ends that have coordinates.
    let mut graph_id = vec![u32::MAX; uniq.len()];
    let mut graph_coords = Vec::new();
    for i in 0..uniq.len() {
        if junction[i] && coords[i] != MISSING {
            graph_id[i] = graph_coords.len() as u32;
            graph_coords.push(coords[i]);
        }
    }
    if graph_coords.is_empty() {
        return Err(OsmError::NoDrivableRoads);
    }
    let mut builder = GraphBuilder::new(graph_coords);
    for w in &ways {
        let mut from: Option<u32> = None; // graph node the current chain started at
        let (mut fwd, mut bwd) = (0u32, 0u32);
        let mut prev: Option<Coord> = None;
        for &id in &refs[w.start as usize..(w.start + w.len) as usize] {
            let i = index(id);
            let c = i.map(|i| coords[i]).filter(|&c| c != MISSING);
            let Some(c) = c else {
                // A node outside the extract cuts the way: restart at the next junction.
                from = None;
                prev = None;
                continue;
            };
            if let (Some(p), Some(_)) = (prev, from) {
                let d = haversine_m(p, c);
                fwd = fwd.saturating_add(segment_ds(d, w.speeds.forward_kmh));
                bwd = bwd.saturating_add(segment_ds(d, w.speeds.backward_kmh));
            }
            prev = Some(c);
            let g = i.map(|i| graph_id[i]).unwrap_or(u32::MAX);
            if g != u32::MAX {
                if let Some(f) = from {
                    if w.speeds.forward_kmh > 0.0 {
                        builder.add_arc(f, g, fwd);
                    }
                    if w.speeds.backward_kmh > 0.0 {
                        builder.add_arc(g, f, bwd);
                    }
                }
                from = Some(g);
                fwd = 0;
                bwd = 0;
            }
        }
    }
    stats.graph_nodes_before_component = builder.node_count();
    drop(refs);
    let graph = builder.build()?;
    let (graph, _) = graph.largest_strong_component();
    if graph.arc_count() == 0 {
        return Err(OsmError::NoDrivableRoads);
    }
    let (graph, _) = graph.hilbert_ordered();
    stats.graph_nodes = graph.node_count();
    stats.graph_arcs = graph.arc_count();
    tracing::info!(?stats, "road graph built from {}", path.display());
    Ok((graph, stats))
}

/// Time of one segment in deciseconds, rounded per segment as OSRM does (at least 1).
fn segment_ds(metres: f64, kmh: f64) -> u32 {
    if kmh <= 0.0 {
        return u32::MAX / 4; // unused direction; never emitted as an arc
    }
    let ds = (metres / (kmh / 3.6) * 10.0).round();
    (ds.max(1.0)).min(f64::from(u32::MAX / 4)) as u32
}
