//! `guichet bench …`: performance measurements, printed as figures and one final JSON line.
//!
//! One module per measured part: [`store`] (case submissions through the store), [`territory`]
//! (the travel-time engine and its peers); `letters` is guichet-notify's.

mod store;
mod territory;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Case submissions per second on SQLite and PostgreSQL.
    Store(store::StoreBenchArgs),
    /// Travel-time engine, site selection, and OSRM/scipy peers.
    Territory(territory::BenchArgs),
    /// Letters typeset per second against WeasyPrint; a 100,000-letter print batch.
    Letters(guichet_notify::bench::LettersBenchArgs),
}

pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Store(args) => store::run(args).await,
        BenchCommand::Territory(args) => {
            tokio::task::spawn_blocking(move || territory::run(args)).await?
        }
        BenchCommand::Letters(args) => {
            tokio::task::spawn_blocking(move || guichet_notify::bench::run(args)).await?
        }
    }
}
