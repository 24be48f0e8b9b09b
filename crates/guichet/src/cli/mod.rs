//! The command lines of the library crates, kept out of them: each module parses its flags
//! with clap, reads and writes files, prints, reads the clock where it times something, and
//! calls the libraries' functions.

pub mod agents;
pub mod catalogue;
pub mod notify;
pub mod search;
pub mod territory;
