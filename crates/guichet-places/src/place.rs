//! Places and their kinds.

use crate::{Hours, InseeCode};

/// A WGS84 position in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

impl LatLon {
    /// `None` unless both values are finite and in range (and not the 0,0 "null island"
    /// that broken exports produce).
    pub fn new(lat: f64, lon: f64) -> Option<LatLon> {
        let ok = lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0;
        (ok && !(lat == 0.0 && lon == 0.0)).then_some(LatLon { lat, lon })
    }
}

/// The kind of a service point. Analyses are run per kind ("time to the nearest France
/// Services"), so kinds are stable identifiers; `Other` holds administrator-defined kinds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PlaceKind {
    FranceServices,
    TownHall,
    DigitalMediation,
    Other(String),
}

impl PlaceKind {
    /// Stable slug used in files, URLs and the CLI.
    pub fn slug(&self) -> &str {
        match self {
            PlaceKind::FranceServices => "france-services",
            PlaceKind::TownHall => "mairie",
            PlaceKind::DigitalMediation => "mediation-numerique",
            PlaceKind::Other(s) => s,
        }
    }
    /// French label for people.
    pub fn label(&self) -> &str {
        match self {
            PlaceKind::FranceServices => "France Services",
            PlaceKind::TownHall => "Mairie",
            PlaceKind::DigitalMediation => "Lieu de médiation numérique",
            PlaceKind::Other(s) => s,
        }
    }
    pub fn from_slug(s: &str) -> PlaceKind {
        match s {
            "france-services" => PlaceKind::FranceServices,
            "mairie" => PlaceKind::TownHall,
            "mediation-numerique" => PlaceKind::DigitalMediation,
            other => PlaceKind::Other(other.to_owned()),
        }
    }
}

/// A physical service point.
#[derive(Debug, Clone)]
pub struct Place {
    /// Unique within one import, prefixed by the source (`fs-12`, `lmn-4`, `mairie-01001`).
    pub id: String,
    pub kind: PlaceKind,
    pub name: String,
    pub address: String,
    pub postcode: String,
    pub commune_name: String,
    pub insee: Option<InseeCode>,
    pub location: LatLon,
    pub services: Vec<String>,
    pub publics: Vec<String>,
    pub access_conditions: Vec<String>,
    pub support_modes: Vec<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub hours: Hours,
    /// "Fixe", "Bus", "Itinérante"…: a bus is not a counter open every day in one place.
    pub format: Option<String>,
    pub source: String,
}
