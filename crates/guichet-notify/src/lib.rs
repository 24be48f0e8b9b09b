//! Notifications for Guichet: which channel, what text, and how it is sent.
//!
//! This crate holds the pure rules (channel choice, templates, SMS length) and
//! the adapters to the outside world (SMTP, SMS gateway, print batch files).
//! The outbox tables and their queries live in the store; the worker that
//! ties both together lives in [`worker`].

pub mod bench;
pub mod channel;
pub mod cli;
pub mod dispatch;
pub mod email;
pub mod error;
pub mod payload;
pub mod print;
pub mod render_workers;
pub mod retry;
pub mod sms;
pub mod template;
pub mod worker;

pub use channel::{
    AgentAlert, ChannelPlan, ContactProfile, Delivery, NotificationKind, PreferredChannel,
    choose_channels,
};
pub use error::NotifyError;
