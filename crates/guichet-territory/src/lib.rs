//! Territorial analyses for planners: how long it takes, from every commune, to reach the
//! nearest place of a kind ("distance-temps"), what share of the population is within 20, 30
//! or 45 minutes, who is left out, where to open the next places, and maps of it all.
//!
//! Every analysis runs on a [`Network`]: either a real road graph (from an OpenStreetMap
//! extract, through `guichet-osm` and the engine of `guichet-routing`), or, when none is
//! available, a clearly labelled straight-line estimate whose detour factor and speed are
//! stated in every output. Analyses are pure functions of their inputs; [`sources`] reads the
//! files a server loads; [`report`] keeps the analyses a server shows, computed once. The
//! command line (`guichet territory …`) and the benchmark (`guichet bench territory`) live in
//! the `guichet` binary.

mod coverage;
mod error;
mod maps;
mod mclp;
mod names;
mod output;
pub mod report;
pub mod sources;
mod travel;

pub use coverage::{AreaCoverage, CoverageReport, Thresholds, coverage};
pub use error::TerritoryError;
pub use maps::{LegendClass, MapOptions, legend, legend_index, render_png, render_svg};
pub use mclp::{SiteChoice, lazy_greedy_max_cover};
pub use names::{departement_name, region_name};
pub use output::{access_csv, access_geojson, coverage_csv, sites_csv};
pub use report::{KindAnalysis, ProposedSite, SitePlan, TerritoryReport};
pub use sources::{SourceNote, SourceOutcome, load_report, load_sources};
pub use travel::{Access, Method, Network, Placed, access_times, cover_sets};
