//! Writes the sample decision letter in every variant to a folder, to look at.

use guichet_letters::{Output, PrintSize, Wording, render, sample_decision};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    for (size, wording, name) in [
        (PrintSize::Standard, Wording::Standard, "standard"),
        (PrintSize::LargePrint, Wording::Standard, "large-print"),
        (PrintSize::Standard, Wording::EasyToRead, "easy-to-read"),
    ] {
        let letter = sample_decision(size, wording)?;
        let pdf = render(&letter, Output::Accessible)?;
        std::fs::write(format!("{dir}/{name}.pdf"), pdf.pdf)?;
    }
    Ok(())
}
