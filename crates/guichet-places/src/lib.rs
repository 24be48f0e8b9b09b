//! The directory of physical service points and the communes they serve.
//!
//! A [`Place`] is anything a person can walk into: a France Services site, a town hall, a
//! digital-mediation place, or any kind an administrator adds (maternity, post office…). Its
//! opening hours are kept in OpenStreetMap `opening_hours` syntax and evaluated by the
//! maintained `opening-hours` crate ([`Hours`]); hours that cannot be read are kept verbatim
//! and flagged, never dropped and never fatal.
//!
//! Importers read the official open-data formats (ANCT's France Services CSV, the national
//! "lieux de médiation numérique" JSON, the communes CSV) from any `Read`; they are
//! all-or-nothing: either every row is valid and the whole set is returned with its warnings,
//! or the first structural error is returned with its line and nothing is imported.

mod commune;
mod error;
mod hours;
mod import;
mod phone;
mod place;
mod zone;

pub use commune::{Commune, CommuneSet, InseeCode, load_communes};
pub use error::PlacesError;
pub use hours::{Hours, OpenStatus, WeekLine, time_fr, weekday_fr};
pub use import::{PlaceImport, load_france_services, load_mediation_places, town_halls};
pub use phone::Phone;
pub use place::{LatLon, Place, PlaceKind};
pub use zone::{local_time, zone_of};
