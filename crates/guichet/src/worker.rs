//! The outbox worker from the command line (`guichet worker`) and inside the server
//! (`guichet serve --worker`), with its settings file (SMTP relay, SMS gateway, print folder).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use guichet_delivery::sms_gateway::{SmsGateway, SmsGatewayConfig};
use guichet_delivery::smtp::{SmtpConfig, SmtpSender};
use guichet_delivery::worker::{self, Senders, WorkerOptions};
use guichet_domain::Clock;
use guichet_store::Store;
use serde::Deserialize;

/// The notification settings file (TOML), separate from the main configuration because it
/// holds secrets (SMTP password, gateway token) that only the worker needs.
#[derive(Debug, Default, Deserialize)]
pub struct NotifyConfig {
    pub smtp: Option<SmtpConfig>,
    pub sms: Option<SmsGatewayConfig>,
    /// Where print batches are written. Default: DATA_DIR/print.
    pub print_dir: Option<PathBuf>,
}

impl NotifyConfig {
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        match path {
            None => Ok(Self::default()),
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read {}", p.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("invalid notification settings in {}", p.display()))
            }
        }
    }

    pub fn print_dir(&self, data_dir: &Path) -> PathBuf {
        self.print_dir
            .clone()
            .unwrap_or_else(|| data_dir.join("print"))
    }
}

#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Notification settings (SMTP relay, SMS gateway, print folder), TOML.
    #[arg(long, env = "GUICHET_NOTIFY_CONFIG", value_name = "FILE")]
    pub notify_config: Option<PathBuf>,
    /// Stop when nothing is left to send (for cron jobs and tests).
    #[arg(long)]
    pub until_idle: bool,
    /// Intents claimed at once.
    #[arg(long, default_value_t = 32)]
    pub claim_batch: u32,
    /// Sends in flight at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Seconds a claim lasts before another worker may take the intent over.
    #[arg(long, default_value_t = 60)]
    pub lease_seconds: u64,
    /// Do not gather letters into print batches (another worker or `guichet letters batch` does).
    #[arg(long)]
    pub no_print: bool,
}

/// `guichet worker`: send notifications and gather letters until stopped.
pub async fn worker(
    store: Store,
    data_dir: &Path,
    args: WorkerArgs,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<()> {
    let config = NotifyConfig::load(args.notify_config.as_deref())?;
    let senders = Senders {
        smtp: config.smtp.as_ref().map(SmtpSender::new).transpose()?,
        sms: config.sms.clone().map(SmsGateway::new).transpose()?,
    };
    if senders.smtp.is_none() {
        tracing::warn!("no SMTP relay configured: emails wait in the outbox");
    }
    if senders.sms.is_none() {
        tracing::warn!("no SMS gateway configured: text messages wait in the outbox");
    }
    let options = WorkerOptions {
        claim_batch: args.claim_batch,
        concurrency: args.concurrency,
        lease: Duration::from_secs(args.lease_seconds.max(5)),
        print_dir: (!args.no_print).then(|| config.print_dir(data_dir)),
        exit_when_idle: args.until_idle,
        ..WorkerOptions::new(clock)
    };
    tracing::info!(worker = %options.worker_id, "outbox worker started");
    let stats = worker::run(&store, &senders, &options, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    println!(
        "sent {} · retried {} · parked {} · print batches {} ({} letters)",
        stats.sent, stats.retried, stats.parked, stats.batches, stats.letters
    );
    Ok(())
}

/// The outbox worker running inside `guichet serve` (small deployments).
#[derive(Debug)]
pub struct InServerWorker {
    stop: tokio::sync::watch::Sender<bool>,
    handle: tokio::task::JoinHandle<worker::WorkerStats>,
}

/// Starts the worker loop in this process: emails and text messages go out only when the
/// settings name an SMTP relay and an SMS gateway (otherwise they wait in the outbox), letters
/// are gathered into print batches in the print folder.
pub fn spawn_in_server(
    store: Store,
    data_dir: &Path,
    notify_config: Option<&Path>,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<InServerWorker> {
    let config = NotifyConfig::load(notify_config)?;
    let senders = Senders {
        smtp: config.smtp.as_ref().map(SmtpSender::new).transpose()?,
        sms: config.sms.clone().map(SmsGateway::new).transpose()?,
    };
    let options = WorkerOptions {
        print_dir: Some(config.print_dir(data_dir)),
        ..WorkerOptions::new(clock)
    };
    tracing::info!(
        worker = %options.worker_id,
        email = senders.smtp.is_some(),
        sms = senders.sms.is_some(),
        "outbox worker started inside the server"
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let handle = tokio::spawn(async move {
        let mut total = worker::WorkerStats::default();
        loop {
            let mut rx = stopped.clone();
            let round = worker::run(&store, &senders, &options, async move {
                let _ = rx.wait_for(|stop| *stop).await;
            })
            .await;
            match round {
                Ok(stats) => {
                    total.sent += stats.sent;
                    total.retried += stats.retried;
                    total.parked += stats.parked;
                    total.batches += stats.batches;
                    total.letters += stats.letters;
                }
                // The database went away for a moment, say: the server keeps serving and the
                // worker starts again; nothing is lost, claims come back with the lease sweep.
                Err(e) => tracing::warn!(error = %e, "outbox worker failed; restarting in 10 s"),
            }
            if *stopped.borrow() {
                return total;
            }
            let mut rx = stopped.clone();
            tokio::select! {
                _ = rx.wait_for(|stop| *stop) => return total,
                _ = tokio::time::sleep(Duration::from_secs(10)) => {}
            }
        }
    });
    Ok(InServerWorker { stop, handle })
}

impl InServerWorker {
    /// Asks the worker to stop after its current round and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        match self.handle.await {
            Ok(stats) => tracing::info!(
                sent = stats.sent,
                retried = stats.retried,
                parked = stats.parked,
                batches = stats.batches,
                "outbox worker stopped"
            ),
            Err(e) => tracing::warn!(error = %e, "outbox worker task failed"),
        }
    }
}
