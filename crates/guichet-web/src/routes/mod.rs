//! One module per page or action.

pub mod account;
pub mod api_cases;
pub mod api_search;
pub mod demo;
pub mod desk;
pub mod desk_alerts;
pub mod desk_figures;
pub mod desk_post;
pub mod desk_print;
pub mod feedback;
pub mod follow;
pub mod health;
pub mod home;
pub mod instruction;
pub mod legal;
pub mod not_found;
pub mod online;
pub mod paper_form;
pub mod places;
pub mod procedure;
pub mod search;
pub mod staff;
pub mod staff_admin;
pub mod territory;
