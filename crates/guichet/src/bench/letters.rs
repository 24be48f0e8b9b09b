#![allow(clippy::disallowed_methods)] // a benchmark reads the clock to measure elapsed time
//! `guichet bench letters`: how fast letters are typeset, against WeasyPrint, and how a
//! 100,000-letter print batch behaves (time and peak memory).
//!
//! Guichet renders with every core (rayon); WeasyPrint, the HTML-to-PDF renderer of GOV.UK
//! Notify's letter pipeline, renders the same letters written as HTML/CSS in a pool of
//! processes, one per core. Both render the same realistic decision letters. The last line
//! printed is a JSON object for tracking.

use std::io::Write as _;
use std::process::Command;
use std::time::Instant;

use clap::Args;
use guichet_letters::{Letter, LetterKind, Output, PrintSize, Wording, render, render_set};
use rayon::prelude::*;

use guichet_delivery::print::{BatchLetter, FileSink, write_batch};
use guichet_notify::payload::PostageClass;

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

/// The same letter as HTML/CSS for WeasyPrint: same page, blocks, fonts and sizes.
pub fn letter_html(letter: &Letter) -> String {
    let e = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let large = letter.size == PrintSize::LargePrint;
    let body_pt = if large { 16 } else { 11 };
    let small_pt = if large { 15 } else { 10 };
    let mut h = String::new();
    h.push_str(&format!(
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Courrier</title><style>\
         @page {{ size: A4; margin: 15mm 15mm 22mm 20mm; @bottom-right {{ content: \"Page \" counter(page) \"/\" counter(pages); font: {small_pt}pt 'Liberation Sans'; }} }}\
         body {{ font-family: 'Liberation Sans', 'DejaVu Sans', sans-serif; font-size: {body_pt}pt; line-height: {}; hyphens: {}; text-align: {}; }}\
         .sender {{ position: absolute; top: 0; left: 0; width: 80mm; font-size: {small_pt}pt; }}\
         .address {{ position: absolute; top: 35mm; left: 92mm; width: 93mm; font-size: 10pt; line-height: 1.25; }}\
         .date {{ position: absolute; top: 87mm; left: 92mm; }}\
         .content {{ padding-top: {}mm; }} h1 {{ font-size: {body_pt}pt; }} h2 {{ font-size: {body_pt}pt; }}\
         .signature {{ margin-left: 95mm; }}</style></head><body>",
        if large { "1.5" } else { "1.3" },
        if large || letter.wording == Wording::EasyToRead { "manual" } else { "auto" },
        if large || letter.wording == Wording::EasyToRead { "left" } else { "justify" },
        if large { 101 } else { 97 }
    ));
    h.push_str("<div class=\"sender\"><strong>");
    h.push_str(&e(&letter.sender.name));
    h.push_str("</strong>");
    for l in &letter.sender.lines {
        h.push_str("<br>");
        h.push_str(&e(l));
    }
    if let Some(r) = &letter.reference {
        h.push_str(&format!(
            "<p>Référence du dossier : <strong>{}</strong><br>Code de suivi : <strong>{}</strong></p>",
            e(&r.case_reference),
            e(&r.follow_up_code)
        ));
    }
    h.push_str("</div><div class=\"address\">");
    h.push_str(
        &letter
            .recipient
            .lines()
            .iter()
            .map(|l| e(l))
            .collect::<Vec<_>>()
            .join("<br>"),
    );
    h.push_str(&format!(
        "</div><div class=\"date\">{}, le {}</div><div class=\"content\"><h1>Objet : {}</h1><p>{}</p>",
        e(&letter.place),
        guichet_letters::french_date(letter.date),
        e(&letter.subject),
        e(&letter.salutation)
    ));
    for p in &letter.body {
        h.push_str(&format!("<p>{}</p>", e(p)));
    }
    if let LetterKind::Decision { legal_mentions } = &letter.kind {
        h.push_str("<h2>Voies et délais de recours</h2>");
        for m in legal_mentions {
            h.push_str(&format!("<p>{}</p>", e(m)));
        }
    }
    h.push_str(&format!(
        "<p>{}</p><p class=\"signature\"><strong>{}</strong><br>{}</p></div></body></html>",
        e(&letter.closing),
        e(&letter.signature.name),
        e(&letter.signature.title)
    ));
    h
}

/// A memory figure (`VmRSS:`, `VmHWM:`) of `/proc/PROCESS/status`, in KiB.
fn status_kib(process: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{process}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// A memory figure summed over this process and its render workers, in KiB.
fn all_processes_kib(field: &str) -> u64 {
    let workers: u64 = guichet_delivery::render_workers::worker_pids()
        .iter()
        .map(|pid| status_kib(&pid.to_string(), field))
        .sum();
    status_kib("self", field) + workers
}

/// Runs the benchmark and prints the figures; the last line is JSON.
pub fn run(args: LettersBenchArgs) -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let letters: Vec<Letter> = (0..args.letters)
        .map(guichet_letters::sample_letter)
        .collect::<Result<_, _>>()?;
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
    let single_rate = args.letters as f64 / start.elapsed().as_secs_f64();
    println!(
        "guichet, one PDF per letter: {} letters on {cores} cores: {single_rate:.0} letters/s",
        args.letters
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
    let guichet_rate = args.letters as f64 / secs;
    println!(
        "guichet, print sets of {} in {where_}: {} letters ({pages} pages) in {secs:.2} s on \
         {cores} cores: {guichet_rate:.0} letters/s",
        guichet_delivery::print::SET,
        args.letters
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
            args.letters as f64 / start.elapsed().as_secs_f64()
        );
    }

    let peer = weasyprint_rate(&args, &letters, cores);
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
        batch_run(args.batch_letters)?;
    }

    let ratio = peer_rate.map(|p| guichet_rate / p);
    let json = serde_json::json!({
        "bench": "letters",
        "letters": args.letters,
        "guichet_per_s": (guichet_rate * 10.0).round() / 10.0,
        "single_pdf_per_s": (single_rate * 10.0).round() / 10.0,
        "renderer": where_,
        "peer": "weasyprint",
        "peer_per_s": peer_rate.map(|p| (p * 100.0).round() / 100.0),
        "ratio": ratio.map(|r| (r * 10.0).round() / 10.0),
    });
    println!("{json}");
    Ok(())
}

fn weasyprint_rate(
    args: &LettersBenchArgs,
    letters: &[Letter],
    cores: usize,
) -> anyhow::Result<f64> {
    let check = Command::new(&args.python)
        .args(["-c", "import weasyprint"])
        .output()?;
    anyhow::ensure!(
        check.status.success(),
        "{} cannot import weasyprint",
        args.python
    );
    let dir = tempfile::tempdir()?;
    for (i, letter) in letters
        .iter()
        .cycle()
        .take(args.peer_letters.max(1))
        .enumerate()
    {
        std::fs::write(dir.path().join(format!("{i:06}.html")), letter_html(letter))?;
    }
    let script = dir.path().join("bench.py");
    std::fs::write(&script, include_str!("weasyprint_bench.py"))?;
    let out = Command::new(&args.python)
        .arg(&script)
        .arg(dir.path())
        .arg(cores.to_string())
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "weasyprint failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    if v["harfbuzz_subset"] == serde_json::Value::Bool(false) {
        println!(
            "weasyprint: subsetting fonts with fontTools, its slow deprecated fallback; install \
             HarfBuzz-Subset (Debian: apt-get install libharfbuzz-subset0) for a fair comparison"
        );
    }
    v["per_s"]
        .as_f64()
        .ok_or_else(|| anyhow::anyhow!("unexpected output {v}"))
}

fn batch_run(n: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    // Letters arrive sorted as the store gives them; built lazily so the input itself is a
    // stream, like pages read from the database.
    let mut order: Vec<(&'static str, &'static str, usize)> = (0..n)
        .map(|i| {
            (
                PostageClass::Standard.as_str(),
                guichet_letters::sample_postcode(i),
                i,
            )
        })
        .collect();
    order.sort_unstable();
    let _ = std::fs::write("/proc/self/clear_refs", "5"); // reset the peak-RSS mark
    let rss_before = all_processes_kib("VmRSS:");
    let mut samples = Vec::new();
    let start = Instant::now();
    let step = (n / 10).max(1);
    let iter = order.into_iter().enumerate().map(|(k, (_, _, i))| {
        if k % step == 0 {
            samples.push(all_processes_kib("VmRSS:") / 1024);
        }
        guichet_letters::sample_letter(i)
            .map_err(guichet_notify::NotifyError::from)
            .map(|letter| BatchLetter {
                letter_id: format!("L{i:07}"),
                case_reference: format!("D-2026-{i:06}"),
                postage: PostageClass::Standard,
                letter,
            })
    });
    let summary = write_batch(dir.path(), "BENCH", iter, &FileSink)?;
    let secs = start.elapsed().as_secs_f64();
    let peak = status_kib("self", "VmHWM:");
    let workers_peak = all_processes_kib("VmHWM:") - peak;
    let size: u64 = summary
        .files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "print batch: {} letters, {} pages, {:.1} MB of files in {secs:.0} s ({:.0} letters/s); \
         RSS before {} MiB (all processes), peak {} MiB (this process) + {} MiB (workers); \
         RSS of all every 10 %: {:?} MiB",
        summary.included.len(),
        summary.pages,
        size as f64 / 1e6,
        summary.included.len() as f64 / secs,
        rss_before / 1024,
        peak / 1024,
        workers_peak / 1024,
        samples
    );
    std::io::stdout().flush()?;
    Ok(())
}
