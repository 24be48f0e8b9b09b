//! Errors of the analyses (what a planner can act on), French for people.

/// Why an analysis could not run.
#[derive(Debug, thiserror::Error)]
pub enum TerritoryError {
    #[error("aucun lieu de ce type n’est utilisable (tous hors du réseau ou absents)")]
    NoPlaces,
    #[error("aucune commune localisée avec une population connue")]
    NoCommunes,
    #[error("paramètre invalide : {0}")]
    BadParameter(String),
    #[error("moteur de calcul : {0}")]
    Routing(#[from] guichet_routing::RoutingError),
    #[error("écriture impossible : {0}")]
    Io(#[from] std::io::Error),
}
