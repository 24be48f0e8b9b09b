#![allow(clippy::disallowed_methods)] // a profiler reads the clock to measure elapsed time
//! Where the time of a letter goes, one measurement per process so that typst's
//! memo cache starts cold: `letters_profile MODE N` with MODE `layout`, `single`
//! or a set size, on one thread.

use std::time::Instant;

use guichet_letters::render::layout;
use guichet_letters::sample_letter as bench_letter;
use guichet_letters::{Letter, Output, render, render_set};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "single".into());
    let n: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let skip: usize = std::env::args()
        .nth(3)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let step: usize = std::env::args()
        .nth(4)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let letters: Vec<Letter> = if let Ok(field) = std::env::var("VARY") {
        let base = bench_letter(skip)?;
        (0..n)
            .map(|i| {
                let mut l = base.clone();
                match field.as_str() {
                    "salutation" => l.salutation = format!("Madame {i},"),
                    "closing" => l.closing = format!("{} {i}", l.closing),
                    "body0" => l.body[0] = format!("{} {i}", l.body[0]),
                    "body2" => l.body[2] = format!("{} {i}", l.body[2]),
                    "reference" => {
                        if let Some(r) = l.reference.as_mut() {
                            r.case_reference = format!("D-{i}");
                        }
                    }
                    _ => {}
                }
                l
            })
            .collect()
    } else if std::env::var("SAME").is_ok() {
        vec![bench_letter(skip)?; n]
    } else {
        (0..n * step)
            .skip(skip)
            .step_by(step)
            .map(bench_letter)
            .collect::<Result<_, _>>()?
    };
    let warm = bench_letter(n * step + 1)?;
    render(&warm, Output::Print)?;
    let t = Instant::now();
    match mode.as_str() {
        "layout" => {
            for l in &letters {
                layout(l)?;
            }
        }
        "single" => {
            for l in &letters {
                render(l, Output::Print)?;
            }
        }
        "par" => {
            use rayon::prelude::*;
            guichet_delivery::print::render_pool().install(|| {
                letters
                    .par_chunks(guichet_delivery::print::SET)
                    .for_each(|set| {
                        let refs: Vec<&Letter> = set.iter().collect();
                        assert!(render_set(&refs).pdf.is_some());
                    })
            });
        }
        size => {
            let size: usize = size.parse()?;
            let mut bytes = 0;
            for set in letters.chunks(size) {
                let refs: Vec<&Letter> = set.iter().collect();
                bytes += render_set(&refs).pdf.ok_or("no pdf")?.len();
            }
            print!("{} bytes per letter; ", bytes / letters.len());
        }
    }
    let ms = t.elapsed().as_secs_f64() * 1000.0 / letters.len() as f64;
    println!("{mode}: {} letters, {ms:.2} ms per letter", letters.len());
    Ok(())
}
