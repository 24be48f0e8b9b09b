//! Runs `guichet search …` without the full binary, e.g.
//! `cargo run --release -p guichet-search --example search -- eval --verbose`.

use clap::Parser;

#[derive(Debug, Parser)]
struct Args {
    #[command(subcommand)]
    cmd: guichet_search::cli::SearchCommand,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    guichet_search::cli::run(args.cmd, &mut std::io::stdout())?;
    Ok(())
}
