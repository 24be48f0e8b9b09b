//! Guichet's web interface: French pages that work without JavaScript, and the JSON API.
//!
//! Handlers are thin (one file per page under [`routes`]): they read the request, read through
//! the store or change a case through the case service ([`Services::cases`]), and render an
//! askama template. HTML is only ever produced by auto-escaping
//! templates. Errors become responses in one place, [`error::AppError`].

pub mod error;
pub mod form_input;
pub mod routes;
pub mod search_index;
pub mod security;
pub mod session;
pub mod site;
pub mod staff;
pub mod territory;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use guichet_store::Store;

pub use site::Site;

/// What every handler can reach: [`Services`] behind one `Arc`, so that handing it to a
/// request (axum clones the state for each) costs one counter, not one per service.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.0
    }
}

/// The services of [`AppState`].
#[derive(Debug)]
pub struct Services {
    /// For reads. A handler that changes a case calls [`Services::cases`], never the store.
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
    /// Who runs this instance: the name in every header, the facts of the legal pages.
    pub site: Arc<Site>,
}

/// The largest request body: a form step with its files (see [`routes::online::MAX_FILE_BYTES`]).
pub const MAX_REQUEST_BYTES: usize = 12 << 20;

/// Builds the application's router.
pub fn router(state: AppState) -> Router {
    use axum::routing::post;
    Router::new()
        .route("/", get(routes::home::page))
        .route("/health", get(routes::health::check))
        .route("/demarches/{id}", get(routes::procedure::page))
        .route(
            "/demarches/{id}/formulaire-papier",
            get(routes::paper_form::page),
        )
        .route("/demarches/{id}/en-ligne", get(routes::online::start))
        .route(
            "/demarches/{id}/en-ligne/coordonnees",
            get(routes::online::identity_page).post(routes::online::identity_save),
        )
        .route(
            "/demarches/{id}/en-ligne/etape/{step}",
            get(routes::online::step_page).post(routes::online::step_save),
        )
        .route(
            "/demarches/{id}/en-ligne/verification",
            get(routes::online::review_page).post(routes::online::submit),
        )
        .route(
            "/suivi",
            get(routes::follow::form).post(routes::follow::open),
        )
        .route("/suivi/{reference}", get(routes::follow::case_page))
        .route(
            "/suivi/{reference}/pieces",
            post(routes::follow::send_documents),
        )
        .route(
            "/suivi/{reference}/preferences",
            get(routes::follow::preferences_page).post(routes::follow::preferences_save),
        )
        .route(
            "/suivi/{reference}/recepisse.pdf",
            get(routes::follow::receipt_pdf),
        )
        .route(
            "/avis/{id}",
            get(routes::feedback::form).post(routes::feedback::save),
        )
        .route("/compte", get(routes::account::home))
        .route(
            "/compte/creer",
            get(routes::account::sign_in::sign_up_form).post(routes::account::sign_in::sign_up),
        )
        .route(
            "/compte/creer/envoye",
            get(routes::account::sign_in::sign_up_sent),
        )
        .route("/compte/confirmer", get(routes::account::sign_in::verify))
        .route(
            "/compte/connexion",
            get(routes::account::sign_in::sign_in_form).post(routes::account::sign_in::sign_in),
        )
        .route(
            "/compte/deconnexion",
            post(routes::account::sign_in::sign_out),
        )
        .route("/compte/dossiers", post(routes::account::add_case))
        .route(
            "/compte/dossiers/{reference}/retirer",
            post(routes::account::remove_case),
        )
        .route(
            "/compte/supprimer",
            get(routes::account::delete_form).post(routes::account::delete),
        )
        .route(
            "/compte/mot-de-passe-oublie",
            get(routes::account::password::forgot_form).post(routes::account::password::forgot),
        )
        .route(
            "/compte/nouveau-mot-de-passe",
            get(routes::account::password::reset_form).post(routes::account::password::reset),
        )
        .route("/demo", get(routes::demo::page))
        .route(
            "/agents/connexion",
            get(routes::staff::sign_in_form).post(routes::staff::sign_in),
        )
        .route(
            "/agents/connexion/code",
            get(routes::staff::code_form).post(routes::staff::code),
        )
        .route(
            "/agents/connexion/enrolement",
            get(routes::staff::enrol_form).post(routes::staff::enrol),
        )
        .route("/agents/deconnexion", post(routes::staff::sign_out))
        .route("/agents", get(routes::staff::home))
        .route("/agents/personnes", get(routes::desk::people))
        .route(
            "/agents/personnes/nouvelle",
            get(routes::desk::new_person_form).post(routes::desk::new_person),
        )
        .route("/agents/personnes/{id}", get(routes::desk::person))
        .route(
            "/agents/personnes/{id}/dossiers",
            post(routes::desk::open_case),
        )
        .route(
            "/agents/dossiers/{reference}/reprendre",
            post(routes::desk::take_over),
        )
        .route(
            "/agents/dossiers/{reference}/contact",
            post(routes::desk::record_contact),
        )
        .route(
            "/agents/orienter",
            get(routes::desk_figures::orient_form).post(routes::desk_figures::orient),
        )
        .route(
            "/agents/orienter/fiche.pdf",
            get(routes::desk_print::orientation_sheet),
        )
        .route(
            "/agents/dossiers/{reference}/recepisse.pdf",
            get(routes::desk_print::receipt),
        )
        .route(
            "/agents/dossiers/{reference}/resume.pdf",
            get(routes::desk_print::summary),
        )
        .route(
            "/agents/dossiers/{reference}/pieces.pdf",
            get(routes::desk_print::missing_documents),
        )
        .route(
            "/agents/dossiers/{reference}/decision.pdf",
            get(routes::desk_print::decision),
        )
        .route("/agents/alertes", get(routes::desk_alerts::list))
        .route(
            "/agents/alertes/{id}/fermer",
            post(routes::desk_alerts::close),
        )
        .route("/agents/chiffres", get(routes::desk_figures::figures))
        .route(
            "/agents/chiffres.csv",
            get(routes::desk_figures::figures_csv),
        )
        .route(
            "/agents/dossiers/{reference}/courrier",
            post(routes::desk_post::register),
        )
        .route(
            "/suivi/{reference}/message",
            post(routes::follow::send_message),
        )
        .route("/instruction", get(routes::instruction::queue))
        .route("/instruction.csv", get(routes::instruction::queue_csv))
        .route("/instruction/lot", post(routes::instruction::bulk))
        .route(
            "/instruction/dossiers/{reference}",
            get(routes::instruction::case::page).post(routes::instruction::case::act),
        )
        .route(
            "/instruction/dossiers/{reference}/pieces/{sha256}",
            get(routes::instruction::case::document),
        )
        .route("/agents/comptes", get(routes::staff_admin::list))
        .route(
            "/agents/comptes/nouveau",
            get(routes::staff_admin::new_form).post(routes::staff_admin::create),
        )
        .route(
            "/agents/comptes/{id}/suspendre",
            post(routes::staff_admin::suspend),
        )
        .route(
            "/agents/comptes/{id}/reactiver",
            post(routes::staff_admin::reactivate),
        )
        .route(
            "/agents/comptes/{id}/reinitialiser",
            post(routes::staff_admin::reset),
        )
        .route("/mentions-legales", get(routes::legal::notice))
        .route("/accessibilite", get(routes::legal::accessibility))
        .route("/donnees-personnelles", get(routes::legal::personal_data))
        .route("/recherche", get(routes::search::page))
        .route("/lieux", get(routes::places::page))
        .route("/api/search", get(routes::api_search::search))
        .route("/api/procedures/{id}", get(routes::api_cases::procedure))
        .route("/api/cases/status", post(routes::api_cases::status))
        .route("/api/openapi.json", get(routes::api_cases::openapi))
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
        .route(
            "/static/territoire.css",
            get(|| async { page_stylesheet(TERRITORY_STYLESHEET) }),
        )
        .route(
            "/static/papier.css",
            get(|| async { page_stylesheet(PAPER_STYLESHEET) }),
        )
        .route("/static/logo", get(logo))
        .fallback(routes::not_found::page)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::render_error_pages,
        ))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(state)
}

async fn logo(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::response::Response {
    match &state.site.logo {
        Some(logo) => (
            [
                (header::CONTENT_TYPE, logo.media_type),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            logo.bytes.clone(),
        )
            .into_response(),
        None => error::AppError::NotFound {
            what: "logo".to_owned(),
        }
        .into_response(),
    }
}

const STYLESHEET: &str = include_str!("../static/guichet.css");

/// A short digest of the stylesheet: pages link `/static/guichet.css?v=DIGEST`, so a browser
/// may keep it a year and still gets the new one the day it changes.
pub fn stylesheet_version() -> &'static str {
    static VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        use sha2::Digest;
        sha2::Sha256::digest(STYLESHEET.as_bytes())
            .iter()
            .take(5)
            .map(|b| format!("{b:02x}"))
            .collect()
    });
    &VERSION
}

async fn stylesheet(uri: axum::http::Uri) -> impl IntoResponse {
    let versioned = uri.query().is_some_and(|q| q.starts_with("v="));
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (
                header::CACHE_CONTROL,
                if versioned {
                    "public, max-age=31536000, immutable"
                } else {
                    "public, max-age=3600"
                },
            ),
        ],
        STYLESHEET,
    )
}

const TERRITORY_STYLESHEET: &str = include_str!("../static/territoire.css");

const PAPER_STYLESHEET: &str = include_str!("../static/papier.css");

/// A stylesheet only some pages link (the planners', the paper form), cached for an hour.
fn page_stylesheet(css: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        css,
    )
}

/// Values every page layout needs.
#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    pub demo: bool,
    pub site: Arc<Site>,
    /// The page shows errors: its title starts with « Erreur : ».
    pub error: bool,
    /// An agent fills this person's case at a desk (`SessionData::desk`): the person's id,
    /// for the banner that says so and leads back to the desk.
    pub desk: Option<String>,
}

impl Layout {
    pub fn new(state: &AppState, title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            demo: state.demo,
            site: Arc::clone(&state.site),
            error: false,
            desk: None,
        }
    }

    /// The same layout, with the desk banner when this browser fills `case` at a desk.
    pub fn at_desk(mut self, session: &session::Session, case: &guichet_domain::Case) -> Self {
        if session.data.desk.contains_key(case.reference.as_str()) {
            self.desk = Some(case.person.to_string());
        }
        self
    }

    /// The same layout for a page that shows errors.
    pub fn with_error(mut self) -> Self {
        self.error = true;
        self
    }

    /// The stylesheet's version, for its long-cached address.
    pub fn css_version(&self) -> &'static str {
        stylesheet_version()
    }

    /// The switchboard's `tel:` link, when the site has a phone number.
    pub fn phone_href(&self) -> Option<String> {
        self.site.phone.as_deref().and_then(site::tel_href)
    }
}
