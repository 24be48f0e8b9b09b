//! Territorial analyses for planners: how long it takes, from every commune, to reach the
//! nearest place of a kind ("distance-temps"), what share of the population is within 20, 30
//! or 45 minutes, who is left out, where to open the next places, and maps of it all.
//!
//! Every analysis runs on a [`Network`]: either a real road graph (from an OpenStreetMap
//! extract, through `guichet-osm` and the engine of `guichet-routing`), or, when none is
//! available, a clearly labelled straight-line estimate whose detour factor and speed are
//! stated in every output. Analyses are pure functions of their inputs; [`sources`] reads the
//! files a server loads; [`report`] keeps the analyses a server shows, computed once, and
//! answers « which places near this commune » ([`TerritoryReport::nearby`]) and « which commune
//! is this name or postcode » ([`TerritoryReport::directory`]) for `/lieux`. The
//! command line (`guichet territory …`) and the benchmark (`guichet bench territory`) live in
//! the `guichet` binary.

mod area;
mod coverage;
mod directory;
mod error;
mod land;
mod maps;
mod mclp;
mod names;
mod nearby;
mod output;
pub mod report;
pub mod sources;
mod travel;

pub use area::Area;
pub use coverage::{AreaCoverage, CoverageReport, Thresholds, coverage, coverage_over};
pub use directory::{CommuneDirectory, Lookup, MAX_CHOICES, MAX_QUERY_CHARS, fold};
pub use error::TerritoryError;
pub use land::{Contours, Ground, Land, Outline, contours};
pub use maps::{LegendClass, MapOptions, legend, legend_index, rasterise, render_png, render_svg};
pub use mclp::{SiteChoice, lazy_greedy_max_cover};
pub use names::{departement_name, region_name};
pub use nearby::{NEARBY_RADIUS_MINUTES, NearbyPlace, Want};
pub use output::{access_csv, access_geojson, coverage_csv, sites_csv};
pub use report::{KindAnalysis, ProposedSite, SitePlan, TerritoryReport};
pub use sources::{SourceNote, SourceOutcome, load_report, load_sources};
pub use travel::{Access, Method, Network, Placed, access_times, cover_sets};
