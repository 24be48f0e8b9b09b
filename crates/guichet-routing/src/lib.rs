//! The travel-time engine of Guichet: values in, values out, no files, no network.
//!
//! A road network is a [`Graph`] in compressed sparse row form (about 12 bytes per arc and
//! 12 per node). Travel times are integers in **deciseconds**, as in OSRM, so that sums are
//! exact and results can be compared bit for bit with a reference Dijkstra. The questions a
//! planner asks are answered by:
//! - [`nearest_sources`]: one multi-source sweep giving, for every node, the time to the
//!   nearest of a set of places (run it on [`Graph::reversed`] to get "from every node *to*
//!   the nearest place" on a directed network), exact, on up to [`MAX_THREADS`] threads
//!   ([`nearest_sources_on`] to choose), ties going to the smallest label;
//! - [`within`]: a search bounded by a radius, used to build covering sets for site selection;
//! - [`Snapper`]: an R-tree that snaps a point to the nearest graph node.
//!
//! Loading a graph from OpenStreetMap lives in `guichet-osm`; reading and writing files is the
//! caller's business ([`Graph::write_to`] and [`Graph::read_from`] take `std::io` traits).

mod error;
mod geo;
mod graph;
mod search;
mod snap;
mod synthetic;

pub use error::RoutingError;
pub use geo::{Coord, haversine_m};
pub use graph::{Graph, GraphBuilder};
pub use search::{
    MAX_THREADS, NearestTree, PARALLEL_FROM, Source, UNREACHABLE, Within, dijkstra_reference,
    nearest_sources, nearest_sources_on, within,
};
pub use snap::{Snapped, Snapper};
pub use synthetic::synthetic_road_grid;
