#![allow(clippy::disallowed_methods)] // a benchmark reads the clock to measure elapsed time
//! Guichet's own typesetting rates: one PDF per letter (an email attachment, a download), and
//! the print path, letters typeset in sets with one PDF per set, as `guichet letters batch`
//! does — in worker processes when this binary can serve as one, and for the record on threads.

use std::time::Instant;

use guichet_letters::{Letter, Output, render, render_set};
use rayon::prelude::*;

/// Guichet's rates for the JSON line.
#[derive(Debug)]
pub(super) struct Rates {
    /// One PDF per letter, letters per second.
    pub single_pdf_per_s: f64,
    /// Print sets, letters per second: the figure compared with WeasyPrint.
    pub print_sets_per_s: f64,
    /// Where the print sets were typeset: `"worker processes"` or `"threads"`.
    pub renderer: &'static str,
}

/// Typesets `letters` both ways on `cores` cores, printing the rates.
pub(super) fn measure(letters: &[Letter], cores: usize) -> anyhow::Result<Rates> {
    // Warm-up: fonts parsed, template compiled once.
    render(&letters[0], Output::Print)?;
    // One PDF per letter, as for an email attachment or a download.
    let start = Instant::now();
    guichet_delivery::print::render_pool().install(|| {
        letters
            .par_iter()
            .map(|l| render(l, Output::Print).map(|_| ()))
            .collect::<Result<Vec<_>, _>>()
    })?;
    let single_rate = letters.len() as f64 / start.elapsed().as_secs_f64();
    println!(
        "guichet, one PDF per letter: {} letters on {cores} cores: {single_rate:.0} letters/s",
        letters.len()
    );
    // The print path: letters typeset in sets, one PDF per set, as `guichet letters batch`:
    // in worker processes when this binary can serve as one, else on threads.
    let workers = guichet_delivery::render_workers::worker_processes();
    let where_ = if workers {
        "worker processes"
    } else {
        "threads"
    };
    // Warm-up, as for WeasyPrint's pool: each worker started, fonts parsed.
    let warm: Vec<Vec<&Letter>> = (0..cores).map(|_| vec![&letters[0]]).collect();
    guichet_delivery::render_workers::render_sets(&warm)?;
    let sets: Vec<Vec<&Letter>> = letters
        .chunks(guichet_delivery::print::SET)
        .map(|set| set.iter().collect())
        .collect();
    let start = Instant::now();
    let rendered = guichet_delivery::render_workers::render_sets(&sets)?;
    let secs = start.elapsed().as_secs_f64();
    let mut pages = 0;
    for set in rendered {
        anyhow::ensure!(set.pdf.is_some(), "a set of letters produced no PDF");
        for letter in set.letters {
            pages += letter?;
        }
    }
    let guichet_rate = letters.len() as f64 / secs;
    println!(
        "guichet, print sets of {} in {where_}: {} letters ({pages} pages) in {secs:.2} s on \
         {cores} cores: {guichet_rate:.0} letters/s",
        guichet_delivery::print::SET,
        letters.len()
    );
    if workers {
        // For the record: the same sets on threads of this process.
        let start = Instant::now();
        guichet_delivery::print::render_pool().install(|| {
            sets.par_iter().for_each(|set| {
                render_set(set);
            })
        });
        println!(
            "guichet, print sets of {} in threads: {:.0} letters/s",
            guichet_delivery::print::SET,
            letters.len() as f64 / start.elapsed().as_secs_f64()
        );
    }
    Ok(Rates {
        single_pdf_per_s: single_rate,
        print_sets_per_s: guichet_rate,
        renderer: where_,
    })
}
