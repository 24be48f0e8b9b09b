//! Travel times from communes to places, on roads or by a stated estimate.
//!
//! On roads, communes and places are snapped to the graph (points farther than the snapping
//! limit are reported, not attached to a distant road), and one multi-source sweep on the
//! reversed graph gives every commune its time *to* the nearest place. Without roads, the
//! estimate is great-circle distance × detour ÷ speed to the nearest place on the same land
//! whose straight line stays on land ([`crate::land`]: islands and overseas are never timed
//! across the sea, they are marked `crossing`); its [`Method`] is carried into every output
//! so nobody mistakes it for a road time.

use guichet_places::{Commune, LatLon, Place};
use guichet_routing::{Coord, Graph, Snapper, Source, UNREACHABLE, nearest_sources};

use std::collections::HashMap;

use crate::TerritoryError;
use crate::land::{Ground, ISLET_M};

/// How times are obtained.
#[derive(Debug, Clone, PartialEq)]
pub enum Method {
    /// Shortest road times on a graph built from the named extract.
    Roads { extract: String },
    /// Straight-line distance × `detour` ÷ `speed_kmh`.
    Estimate { detour: f64, speed_kmh: f64 },
}

impl Method {
    /// French sentence stated in every output.
    pub fn describe(&self) -> String {
        match self {
            Method::Roads { extract } => format!(
                "temps de trajet en voiture sur le réseau routier OpenStreetMap ({extract})"
            ),
            Method::Estimate { detour, speed_kmh } => format!(
                "ESTIMATION sans réseau routier : distance à vol d’oiseau × {} (détour) ÷ {speed_kmh:.0} km/h",
                format!("{detour:.2}").replace('.', ",")
            ),
        }
    }
}

/// The network analyses run on.
// One per server or command, built once and borrowed: the size of the road variant costs
// nothing, and boxing its graphs would only add an indirection to every search.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Network {
    Roads {
        /// The graph with arcs reversed: sweeps from places give times *to* places.
        reversed: Graph,
        /// The graph as built: a bounded search from one commune gives its times to the
        /// places around it (`/lieux`). Kept beside the reversed one, so a road network
        /// takes twice the graph's memory.
        forward: Graph,
        snapper: Snapper,
        max_snap_m: f64,
        extract: String,
    },
    Estimate {
        detour: f64,
        speed_kmh: f64,
    },
}

impl Network {
    pub fn roads(graph: &Graph, extract: impl Into<String>, max_snap_m: f64) -> Network {
        Network::Roads {
            reversed: graph.reversed(),
            forward: graph.clone(),
            snapper: Snapper::new(graph),
            max_snap_m,
            extract: extract.into(),
        }
    }
    pub fn estimate(detour: f64, speed_kmh: f64) -> Result<Network, TerritoryError> {
        if !(detour.is_finite() && detour >= 1.0 && speed_kmh.is_finite() && speed_kmh > 0.0) {
            return Err(TerritoryError::BadParameter(format!(
                "détour {detour} (≥ 1) et vitesse {speed_kmh} km/h (> 0) attendus"
            )));
        }
        Ok(Network::Estimate { detour, speed_kmh })
    }
    pub fn method(&self) -> Method {
        match self {
            Network::Roads { extract, .. } => Method::Roads {
                extract: extract.clone(),
            },
            Network::Estimate { detour, speed_kmh } => Method::Estimate {
                detour: *detour,
                speed_kmh: *speed_kmh,
            },
        }
    }
    /// Estimated deciseconds for a straight-line distance.
    pub(crate) fn estimate_ds(&self, metres: f64) -> u32 {
        match self {
            Network::Estimate { detour, speed_kmh } => (metres * detour / (speed_kmh / 3.6) * 10.0)
                .round()
                .min(f64::from(u32::MAX - 1))
                as u32,
            Network::Roads { .. } => UNREACHABLE,
        }
    }
}

pub(crate) fn coord(p: LatLon) -> Option<Coord> {
    Coord::from_degrees(p.lat, p.lon)
}

/// Access of one commune to the nearest place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Access {
    /// Index of the nearest place in the place slice; `None` when unreachable/unlocated.
    pub place: Option<usize>,
    /// Travel time in deciseconds; `None` when unknown.
    pub time_ds: Option<u32>,
    /// The estimate would cross the sea (an island, or a place across a bay): no time is
    /// estimated (« traversée maritime : temps non estimé »); `place` is the nearest place.
    pub crossing: bool,
}

impl Access {
    pub fn minutes(&self) -> Option<f64> {
        self.time_ds.map(|d| f64::from(d) / 600.0)
    }
}

/// Places as they were attached to the network, with those that could not be.
#[derive(Debug, Clone, Default)]
pub struct Placed {
    /// Indices (into the places slice) of places off the network, with the distance to it.
    pub off_network: Vec<(usize, f64)>,
    /// Communes (indices) that could not be attached (no point, or off the network).
    pub communes_off_network: Vec<usize>,
}

/// Time from every commune to the nearest of `places`.
pub fn access_times(
    network: &Network,
    communes: &[Commune],
    places: &[Place],
) -> Result<(Vec<Access>, Placed), TerritoryError> {
    let mut placed = Placed::default();
    let none = Access {
        place: None,
        time_ds: None,
        crossing: false,
    };
    match network {
        Network::Estimate { .. } => {
            let coords: Vec<Coord> = places.iter().filter_map(|p| coord(p.location)).collect();
            if coords.is_empty() || coords.len() != places.len() {
                return Err(TerritoryError::NoPlaces);
            }
            let land = &crate::contours().land;
            // Places by land mass: a commune is timed to a place on its own land only.
            let mut by_mass: HashMap<u16, (Vec<usize>, Vec<Coord>)> = HashMap::new();
            for (i, p) in places.iter().enumerate() {
                if let Ground::Mass(m) = land.ground(p.location) {
                    let e = by_mass.entry(m).or_default();
                    e.0.push(i);
                    e.1.push(coords[i]);
                }
            }
            let by_mass: HashMap<u16, (Vec<usize>, Snapper)> = by_mass
                .into_iter()
                .map(|(m, (ids, c))| (m, (ids, Snapper::from_coords(c))))
                .collect();
            let index = Snapper::from_coords(coords);
            let out = communes
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let (Some(at), Some(pt)) = (c.point, c.point.and_then(coord)) else {
                        placed.communes_off_network.push(i);
                        return none;
                    };
                    let Some(nearest) = index.snap(pt, f64::INFINITY) else {
                        return none;
                    };
                    let timed = |place: usize, metres: f64| Access {
                        place: Some(place),
                        time_ds: Some(network.estimate_ds(metres)),
                        crossing: false,
                    };
                    let across = Access {
                        place: Some(nearest.node as usize),
                        time_ds: None,
                        crossing: true,
                    };
                    match land.ground(at) {
                        Ground::Unknown => timed(nearest.node as usize, nearest.distance_m),
                        Ground::Islet if nearest.distance_m <= ISLET_M => {
                            timed(nearest.node as usize, nearest.distance_m)
                        }
                        Ground::Islet => across,
                        Ground::Mass(m) => {
                            let Some((ids, idx)) = by_mass.get(&m) else {
                                return across;
                            };
                            let Some(first) = idx.snap(pt, f64::INFINITY) else {
                                return across;
                            };
                            // The nearest place on this land whose straight line stays on it.
                            let reach = (2.0 * first.distance_m).max(first.distance_m + 30_000.0);
                            let mut near = idx.within_m(pt, reach);
                            near.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
                            near.into_iter()
                                .find(|&(j, _)| {
                                    !land.crosses_sea(at, places[ids[j as usize]].location)
                                })
                                .map_or(across, |(j, d)| timed(ids[j as usize], d))
                        }
                    }
                })
                .collect();
            Ok((out, placed))
        }
        Network::Roads {
            reversed,
            snapper,
            max_snap_m,
            ..
        } => {
            let mut sources = Vec::new();
            for (i, p) in places.iter().enumerate() {
                match coord(p.location).and_then(|c| snapper.snap(c, *max_snap_m)) {
                    Some(s) => sources.push(Source {
                        node: s.node,
                        offset: 0,
                        label: i as u32,
                    }),
                    None => {
                        let d = coord(p.location)
                            .and_then(|c| snapper.snap(c, f64::INFINITY))
                            .map_or(f64::INFINITY, |s| s.distance_m);
                        placed.off_network.push((i, d));
                    }
                }
            }
            if sources.is_empty() {
                return Err(TerritoryError::NoPlaces);
            }
            let tree = nearest_sources(reversed, &sources)?;
            let out = communes
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let snapped = c
                        .point
                        .and_then(coord)
                        .and_then(|pt| snapper.snap(pt, *max_snap_m));
                    let Some(s) = snapped else {
                        placed.communes_off_network.push(i);
                        return none;
                    };
                    let t = tree.time(s.node);
                    if t == UNREACHABLE {
                        none
                    } else {
                        Access {
                            place: Some(tree.label(s.node) as usize),
                            time_ds: Some(t),
                            crossing: false,
                        }
                    }
                })
                .collect();
            Ok((out, placed))
        }
    }
}

/// For each candidate point, the demand points (indices) that reach it within `radius_ds`.
/// Candidates or demand points off the network cover / are covered by nothing.
pub fn cover_sets(
    network: &Network,
    demand: &[LatLon],
    candidates: &[LatLon],
    radius_ds: u32,
) -> Result<Vec<Vec<u32>>, TerritoryError> {
    match network {
        Network::Estimate { detour, speed_kmh } => {
            let coords: Vec<Coord> = demand
                .iter()
                .map(|&p| coord(p).unwrap_or_default())
                .collect();
            let index = Snapper::from_coords(coords);
            let radius_m = f64::from(radius_ds) / 10.0 * (speed_kmh / 3.6) / detour;
            // A site serves people on its own land only (islands, overseas): cheaper than the
            // straight-line test of `access_times`, and enough to never cover across the sea.
            let land = &crate::contours().land;
            let grounds: Vec<Ground> = demand.iter().map(|&p| land.ground(p)).collect();
            Ok(candidates
                .iter()
                .map(|&at| {
                    let Some(c) = coord(at) else {
                        return Vec::new();
                    };
                    let here = land.ground(at);
                    let mut v: Vec<u32> = index
                        .within_m(c, radius_m)
                        .into_iter()
                        .filter(|&(_, d)| network.estimate_ds(d) <= radius_ds)
                        .filter(|&(i, d)| match (here, grounds[i as usize]) {
                            (Ground::Mass(a), Ground::Mass(b)) => a == b,
                            (Ground::Unknown, Ground::Unknown) => true,
                            _ => d <= ISLET_M,
                        })
                        .map(|(i, _)| i)
                        .collect();
                    v.sort_unstable();
                    v
                })
                .collect())
        }
        Network::Roads {
            reversed,
            snapper,
            max_snap_m,
            ..
        } => {
            // Demand points attached to graph nodes; several may share one node.
            let mut at_node: std::collections::HashMap<u32, Vec<u32>> =
                std::collections::HashMap::new();
            for (i, &p) in demand.iter().enumerate() {
                if let Some(s) = coord(p).and_then(|c| snapper.snap(c, *max_snap_m)) {
                    at_node.entry(s.node).or_default().push(i as u32);
                }
            }
            let mut space = guichet_routing::within(reversed.node_count());
            let mut ball = Vec::new();
            let mut out = Vec::with_capacity(candidates.len());
            for &c in candidates {
                let Some(s) = coord(c).and_then(|c| snapper.snap(c, *max_snap_m)) else {
                    out.push(Vec::new());
                    continue;
                };
                space.search(reversed, s.node, radius_ds, &mut ball)?;
                let mut v: Vec<u32> = ball
                    .iter()
                    .filter_map(|(n, _)| at_node.get(n))
                    .flatten()
                    .copied()
                    .collect();
                v.sort_unstable();
                out.push(v);
            }
            Ok(out)
        }
    }
}
