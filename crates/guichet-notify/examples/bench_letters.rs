//! `guichet bench letters` without the rest of the binary: same code, same output.

use clap::Parser;
use guichet_notify::bench::{LettersBenchArgs, run};

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    args: LettersBenchArgs,
}

fn main() -> anyhow::Result<()> {
    run(Cli::parse().args)
}
