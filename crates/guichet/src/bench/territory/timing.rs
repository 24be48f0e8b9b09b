#![allow(clippy::disallowed_methods)] // a benchmark reads the clock to measure elapsed time
//! How the territory bench times a run (the best of several) and rounds seconds for the JSON
//! line, shared by every stage so the figures are comparable.

use std::time::{Duration, Instant};

use anyhow::Context;

/// Seconds, rounded to 0.1 µs for the JSON line.
pub(super) fn secs(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e7).round() / 1e7
}

/// Runs `f` `runs` times (at least once); returns the last result and the best time.
pub(super) fn best_of<T>(
    runs: usize,
    mut f: impl FnMut() -> anyhow::Result<T>,
) -> anyhow::Result<(T, Duration)> {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let v = f()?;
        best = best.min(t.elapsed());
        last = Some(v);
    }
    Ok((last.context("no run")?, best))
}
