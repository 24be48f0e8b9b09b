//! One module per page or action.

pub mod health;
pub mod home;
pub mod not_found;
pub mod procedure;
