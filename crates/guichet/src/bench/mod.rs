//! `guichet bench …`: performance measurements, printed as figures and one final JSON line.
//!
//! One module per measured part: [`store`] (case submissions through the case service),
//! [`territory`] (the travel-time engine and its peers), [`letters`] (typesetting against
//! WeasyPrint, a 100,000-letter print batch), [`web`] (pages and online submissions under
//! load, against a minimal route).

pub mod letters;
mod store;
mod territory;
mod web;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Case submissions per second on SQLite and PostgreSQL.
    Store(store::StoreBenchArgs),
    /// Travel-time engine, site selection, and OSRM/scipy peers.
    Territory(territory::BenchArgs),
    /// Letters typeset per second against WeasyPrint; a 100,000-letter print batch.
    Letters(letters::LettersBenchArgs),
    /// The web pages and online submissions under load, against a minimal route (the ceiling).
    Web(web::WebBenchArgs),
}

pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Store(args) => store::run(args).await,
        BenchCommand::Territory(args) => {
            tokio::task::spawn_blocking(move || territory::run(args)).await?
        }
        BenchCommand::Web(args) => web::run(args).await,
        BenchCommand::Letters(args) => {
            tokio::task::spawn_blocking(move || letters::run(args)).await?
        }
    }
}
