#![allow(clippy::disallowed_methods)] // a benchmark reads the clock to measure elapsed time
//! The print-batch run: `n` letters through `write_batch`, as `guichet letters batch` writes
//! them for the printer, with the time, the files' size and the memory of this process and of
//! its render workers (before, at the peak, and every 10 %), to show the batch streams.

use std::io::Write as _;
use std::time::Instant;

use guichet_delivery::print::{BatchLetter, FileSink, write_batch};
use guichet_notify::payload::PostageClass;

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

/// Writes a batch of `n` sample letters into a temporary folder and prints its figures.
pub(super) fn run(n: usize) -> anyhow::Result<()> {
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
