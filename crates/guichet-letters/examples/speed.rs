#![allow(clippy::disallowed_methods)] // a benchmark reads the clock to measure elapsed time
//! Prints how long one letter takes to typeset in this build profile.

use guichet_letters::{Output, PrintSize, Wording, render, sample_decision};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let letter = sample_decision(PrintSize::Standard, Wording::Standard)?;
    render(&letter, Output::Print)?;
    let n = 50;
    let start = std::time::Instant::now();
    for i in 0..n {
        let mut l = letter.clone();
        l.body[0] = format!("Lettre {i} {}", l.body[0]);
        render(&l, Output::Print)?;
    }
    println!(
        "{:.1} ms per letter",
        start.elapsed().as_secs_f64() * 1000.0 / n as f64
    );
    Ok(())
}
