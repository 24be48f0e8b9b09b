//! Peak memory of our process and of OSRM's, read from Linux's `/proc` (`VmHWM`, the peak
//! resident set size), so both sides of the comparison are measured the same way without a
//! dependency. Elsewhere these read `None` and the figures print `null`.

use std::process::Child;
use std::time::Duration;

/// `VmHWM` (peak resident memory) of process `pid` ("self" for ours), in MB.
pub(super) fn peak_mb(pid: &str) -> Option<f64> {
    status_kb(pid, "VmHWM:").map(|kb| (kb as f64 / 1024.0).round())
}

/// Current resident memory of our process, in MB.
pub(super) fn rss_mb() -> Option<f64> {
    status_kb("self", "VmRSS:").map(|kb| (kb as f64 / 1024.0).round())
}

/// Resets our peak to the current resident size (Linux ≥ 4.0), so that a stage's peak is not
/// an earlier stage's.
pub(super) fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Waits for `child`, sampling its peak every 20 ms (the peak is monotonic, so the last sample
/// is the process's peak up to its last 20 ms); returns whether it succeeded and the peak.
pub(super) fn wait_with_peak(mut child: Child) -> std::io::Result<(bool, Option<f64>)> {
    let pid = child.id().to_string();
    let mut peak = None;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok((status.success(), peak));
        }
        if let Some(p) = peak_mb(&pid) {
            peak = Some(p);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn status_kb(pid: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
