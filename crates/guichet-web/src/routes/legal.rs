//! The legal pages every public website owes its visitors: the legal notice (LCEN, art. 6),
//! the accessibility statement (law of 11 February 2005, art. 47; RGAA 4.1) and the
//! personal-data notice (GDPR, art. 13). Their facts come from the site's configuration
//! ([`crate::Site`]); what Guichet itself does (cookies, storage, durations) is stated here, in
//! one place, and must stay true of the code.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::{AppState, Layout};

#[derive(Debug, Template, WebTemplate)]
#[template(path = "legal_notice.html")]
pub struct NoticePage {
    layout: Layout,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "legal_accessibility.html")]
pub struct AccessibilityPage {
    layout: Layout,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "legal_personal_data.html")]
pub struct PersonalDataPage {
    layout: Layout,
    session_hours: i64,
    session_days: i64,
}

pub async fn notice(State(state): State<AppState>) -> NoticePage {
    NoticePage {
        layout: Layout::new(&state, "Mentions légales"),
    }
}

pub async fn accessibility(State(state): State<AppState>) -> AccessibilityPage {
    AccessibilityPage {
        layout: Layout::new(&state, "Déclaration d’accessibilité"),
    }
}

pub async fn personal_data(State(state): State<AppState>) -> PersonalDataPage {
    PersonalDataPage {
        layout: Layout::new(&state, "Données personnelles"),
        session_hours: crate::session::IDLE.num_hours(),
        session_days: crate::session::LIFETIME.num_days(),
    }
}
