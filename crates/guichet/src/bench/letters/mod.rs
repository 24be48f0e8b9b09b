//! `guichet bench letters`: how fast letters are typeset, against WeasyPrint, and how a
//! 100,000-letter print batch behaves (time and peak memory).
//!
//! Guichet renders with every core (rayon) ([`typeset`]); WeasyPrint, the HTML-to-PDF renderer
//! of GOV.UK Notify's letter pipeline, renders the same letters written as HTML/CSS in a pool
//! of processes, one per core ([`weasyprint`]). Both render the same realistic decision
//! letters. Then a print batch runs ([`batch`]). The last line printed is a JSON object for
//! tracking, assembled here.

mod batch;
mod typeset;
mod weasyprint;

use clap::Args;
use guichet_letters::Letter;

#[derive(Debug, Args)]
pub struct LettersBenchArgs {
    /// Letters rendered by Guichet for the rate.
    #[arg(long, default_value_t = 1000)]
    pub letters: usize,
    /// Letters rendered by WeasyPrint for its rate (it is much slower).
    #[arg(long, default_value_t = 100)]
    pub peer_letters: usize,
    /// Size of the print-batch run (0 to skip).
    #[arg(long, default_value_t = 100_000)]
    pub batch_letters: usize,
    /// Python interpreter with WeasyPrint installed.
    #[arg(long, default_value = "python3")]
    pub python: String,
}

/// Runs the benchmark and prints the figures; the last line is JSON.
pub fn run(args: LettersBenchArgs) -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let letters: Vec<Letter> = (0..args.letters)
        .map(guichet_letters::sample_letter)
        .collect::<Result<_, _>>()?;
    let rates = typeset::measure(&letters, cores)?;
    let guichet_rate = rates.print_sets_per_s;

    let peer = weasyprint::rate(&args, &letters, cores);
    let peer_rate = match &peer {
        Ok(rate) => {
            println!(
                "weasyprint: {} letters, pool of {cores} processes: {rate:.1} letters/s",
                args.peer_letters
            );
            Some(*rate)
        }
        Err(e) => {
            println!("weasyprint: not measured ({e}). Install it with `pip install weasyprint`.");
            None
        }
    };

    if args.batch_letters > 0 {
        batch::run(args.batch_letters)?;
    }

    let ratio = peer_rate.map(|p| guichet_rate / p);
    let json = serde_json::json!({
        "bench": "letters",
        "letters": args.letters,
        "guichet_per_s": (guichet_rate * 10.0).round() / 10.0,
        "single_pdf_per_s": (rates.single_pdf_per_s * 10.0).round() / 10.0,
        "renderer": rates.renderer,
        "peer": "weasyprint",
        "peer_per_s": peer_rate.map(|p| (p * 100.0).round() / 100.0),
        "ratio": ratio.map(|r| (r * 10.0).round() / 10.0),
    });
    println!("{json}");
    Ok(())
}
