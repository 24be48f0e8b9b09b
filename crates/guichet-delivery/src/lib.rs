//! Delivery: what leaves Guichet for the outside world, from the outbox.
//!
//! The case service writes intents in the case's transaction; this crate sends them. The
//! [`worker`] claims due intents under a lease, sends emails through [`smtp`] and text messages
//! through [`sms_gateway`], records every attempt with capped back-off ([`retry`]), and gathers
//! waiting letters into print batches ([`print`]) typeset in worker processes
//! ([`render_workers`]). Time comes from a `Clock`; nothing here reads the wall clock.

pub mod error;
pub mod print;
pub mod render_workers;
pub mod retry;
pub mod sms_gateway;
pub mod smtp;
#[cfg(feature = "testing")]
pub mod testing;
pub mod worker;

pub use error::DeliveryError;
