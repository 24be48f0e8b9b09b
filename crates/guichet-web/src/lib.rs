//! Guichet's web interface: French pages that work without JavaScript, and the JSON API.
//!
//! Handlers are thin (one file per page under [`routes`]): they read the request, read through
//! the store or change a case through the case service ([`AppState::cases`]), and render an
//! askama template. HTML is only ever produced by auto-escaping
//! templates. Errors become responses in one place, [`error::AppError`].

pub mod error;
pub mod routes;
pub mod search_index;
pub mod territory;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use guichet_store::Store;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// For reads. A handler that changes a case calls [`AppState::cases`], never the store.
    pub store: Store,
    /// The one way to open or change a case: it writes the notifications the change causes in
    /// the same transaction.
    pub cases: guichet_cases::CaseService,
    /// Where handlers get "now" (the system clock in production, a manual one in tests).
    pub clock: std::sync::Arc<dyn guichet_domain::Clock>,
    /// A demonstration instance shows a banner on every page.
    pub demo: bool,
    /// The search index over the national catalogue and the hosted procedures, and the typed
    /// definitions of the hosted procedures, read once at start ([`search_index::build`]).
    pub catalogue: std::sync::Arc<search_index::Catalogue>,
    /// The territorial report behind `/territoire`, computed once (possibly still loading).
    pub territory: std::sync::Arc<territory::TerritoryState>,
}

/// Builds the application's router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(routes::home::page))
        .route("/health", get(routes::health::check))
        .route("/demarches/{id}", get(routes::procedure::page))
        .route(
            "/demarches/{id}/formulaire-papier",
            get(routes::paper_form::page),
        )
        .route("/recherche", get(routes::search::page))
        .route("/lieux", get(routes::places::page))
        .route("/api/search", get(routes::api_search::search))
        .route("/territoire", get(routes::territory::overview::page))
        .route(
            "/territoire/couverture",
            get(routes::territory::coverage::page),
        )
        .route("/territoire/acces", get(routes::territory::access::page))
        .route("/territoire/acces.csv", get(routes::territory::access::csv))
        .route(
            "/territoire/acces.geojson",
            get(routes::territory::access::geojson),
        )
        .route(
            "/territoire/implantations",
            get(routes::territory::sites::page),
        )
        .route("/territoire/carte.svg", get(routes::territory::maps::svg))
        .route("/territoire/carte.png", get(routes::territory::maps::png))
        .route(
            "/territoire/departements/{code}",
            get(routes::territory::departement::page),
        )
        .route("/static/guichet.css", get(stylesheet))
        .route("/static/territoire.css", get(territory_stylesheet))
        .fallback(routes::not_found::page)
        .with_state(state)
}

const STYLESHEET: &str = include_str!("../static/guichet.css");

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
}

const TERRITORY_STYLESHEET: &str = include_str!("../static/territoire.css");

async fn territory_stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        TERRITORY_STYLESHEET,
    )
}

/// Values every page layout needs.
#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    pub demo: bool,
}

impl Layout {
    pub fn new(state: &AppState, title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            demo: state.demo,
        }
    }
}
