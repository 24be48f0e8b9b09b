//! One module per page or action.

pub mod api_search;
pub mod health;
pub mod home;
pub mod not_found;
pub mod paper_form;
pub mod places;
pub mod procedure;
pub mod search;
pub mod territory;
