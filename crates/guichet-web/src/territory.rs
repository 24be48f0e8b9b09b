//! The territorial data behind the `/territoire` pages: computed once, off the request path,
//! while the server already answers (the pages say « calcul en cours » meanwhile).
//!
//! The server starts with [`TerritoryState::loading`] and calls [`TerritoryState::spawn_load`];
//! tests build a ready state from values with [`TerritoryState::ready`].

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use guichet_territory::{SourceNote, SourceOutcome, TerritoryReport};

/// The report and what it was built from.
#[derive(Debug)]
pub struct TerritoryData {
    pub report: TerritoryReport,
    /// One note per input (imported, refused with its reason, ignored).
    pub notes: Vec<SourceNote>,
}

/// Where the computation stands.
#[derive(Debug, Clone)]
pub enum TerritoryStatus {
    Loading,
    /// The data could not be built; the reason is in the logs (and here, in French).
    Unavailable(String),
    Ready(Arc<TerritoryData>),
}

/// Shared by every request; written once when the computation ends.
#[derive(Debug)]
pub struct TerritoryState {
    status: RwLock<TerritoryStatus>,
}

impl TerritoryState {
    pub fn loading() -> Arc<TerritoryState> {
        Arc::new(TerritoryState {
            status: RwLock::new(TerritoryStatus::Loading),
        })
    }
    pub fn ready(data: TerritoryData) -> Arc<TerritoryState> {
        Arc::new(TerritoryState {
            status: RwLock::new(TerritoryStatus::Ready(Arc::new(data))),
        })
    }
    pub fn status(&self) -> TerritoryStatus {
        match self.status.read() {
            Ok(s) => s.clone(),
            Err(_) => TerritoryStatus::Unavailable("état interne incohérent".into()),
        }
    }
    fn set(&self, status: TerritoryStatus) {
        match self.status.write() {
            Ok(mut s) => *s = status,
            Err(poisoned) => *poisoned.into_inner() = status,
        }
    }

    /// Reads the communes and the place files of `dir` and computes the report on a blocking
    /// thread; logs what each input gave. Never fails: a failure leaves the pages saying the
    /// data is unavailable.
    pub fn spawn_load(self: &Arc<Self>, dir: Option<PathBuf>) -> tokio::task::JoinHandle<()> {
        let state = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            #[allow(clippy::disallowed_methods)] // measures the load for the log line only
            let started = std::time::Instant::now();
            match guichet_territory::load_report(dir.as_deref()) {
                Ok((report, notes)) => {
                    for n in &notes {
                        log_note(n);
                    }
                    tracing::info!(
                        kinds = report.kinds().len(),
                        communes = report.communes().len(),
                        method = %report.method().describe(),
                        seconds = started.elapsed().as_secs_f64(),
                        "territory data ready"
                    );
                    state.set(TerritoryStatus::Ready(Arc::new(TerritoryData {
                        report,
                        notes,
                    })));
                }
                Err(e) => {
                    tracing::error!(error = %e, dir = ?dir, "territory data unavailable");
                    state.set(TerritoryStatus::Unavailable(e.to_string()));
                }
            }
        })
    }
}

fn log_note(n: &SourceNote) {
    match &n.outcome {
        SourceOutcome::Imported {
            what,
            count,
            warnings,
        } => {
            tracing::info!(source = %n.source, %what, count, warnings = warnings.len(), "territory source imported");
            for w in warnings.iter().take(3) {
                tracing::debug!(source = %n.source, warning = %w, "territory source warning");
            }
        }
        SourceOutcome::Refused(reason) => {
            tracing::warn!(source = %n.source, %reason, "territory source refused, nothing imported from it")
        }
        SourceOutcome::Ignored(reason) => {
            tracing::info!(source = %n.source, %reason, "territory source ignored")
        }
    }
}
