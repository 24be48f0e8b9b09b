//! Snapping points (a town hall, a France Services site) to the nearest node of the graph.
//!
//! Nodes are indexed in an R-tree on unit-sphere coordinates, so "nearest" is exact in
//! great-circle terms anywhere on Earth, with no projection to choose. A point farther than
//! the caller's limit from any node is reported as off the network (at sea, abroad, or beyond
//! the extract), never silently attached to a distant road.

use rstar::RTree;
use rstar::primitives::GeomWithData;

use crate::{Coord, Graph, haversine_m};

type Entry = GeomWithData<[f64; 3], u32>;

/// An R-tree over the nodes of one graph.
#[derive(Debug)]
pub struct Snapper {
    tree: RTree<Entry>,
    coords: Vec<Coord>,
}

/// A point attached to the graph.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snapped {
    pub node: u32,
    /// Straight-line distance from the point to the node, in metres.
    pub distance_m: f64,
}

impl Snapper {
    pub fn new(graph: &Graph) -> Self {
        Snapper::from_coords(graph.coords().to_vec())
    }

    /// An index over arbitrary points (places, communes), numbered in the given order.
    pub fn from_coords(coords: Vec<Coord>) -> Self {
        let entries = coords
            .iter()
            .enumerate()
            .map(|(i, c)| GeomWithData::new(c.unit_vector(), i as u32))
            .collect();
        Snapper {
            tree: RTree::bulk_load(entries),
            coords,
        }
    }

    /// All indexed points within `radius_m` metres (great-circle) of `point`, with distances.
    pub fn within_m(&self, point: Coord, radius_m: f64) -> Vec<(u32, f64)> {
        // Chord length on the unit sphere for an arc of radius_m, squared, plus a hair of
        // slack for rounding; the exact haversine filter below decides.
        let chord = 2.0
            * (radius_m / (2.0 * 6_372_797.560_856))
                .min(std::f64::consts::FRAC_PI_2)
                .sin();
        let r2 = chord * chord * (1.0 + 1e-9);
        self.tree
            .locate_within_distance(point.unit_vector(), r2)
            .filter_map(|e| {
                let d = haversine_m(point, self.coords[e.data as usize]);
                (d <= radius_m).then_some((e.data, d))
            })
            .collect()
    }

    /// The nearest node to `point`, or `None` when it is more than `max_m` metres away.
    pub fn snap(&self, point: Coord, max_m: f64) -> Option<Snapped> {
        let e = self.tree.nearest_neighbor(&point.unit_vector())?;
        let node = e.data;
        let distance_m = haversine_m(point, self.coords[node as usize]);
        (distance_m <= max_m).then_some(Snapped { node, distance_m })
    }
}
