//! Stand-alone runner of `guichet territory …` and `guichet bench territory`, for running the
//! analyses and the benchmark without building the whole server binary:
//! `cargo run --release -p guichet-territory --example territory -- bench`.

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// The same commands as `guichet territory`.
    #[command(flatten)]
    Territory(guichet_territory::TerritoryCommand),
    /// The same as `guichet bench territory`.
    Bench(guichet_territory::bench::BenchArgs),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Cmd::Territory(c) => guichet_territory::run(c),
        Cmd::Bench(a) => guichet_territory::bench::run(a),
    }
}
