//! The outbox worker as a process of its own, for deployments that run it apart from the
//! `guichet` binary and for the crash tests that SIGKILL it. Same code as `guichet worker`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use guichet_notify::cli::{WorkerArgs, worker};
use guichet_store::Store;

#[derive(Debug, Parser)]
#[command(
    name = "guichet-outbox-worker",
    about = "Send Guichet's notifications and print batches"
)]
struct Cli {
    /// `sqlite:PATH` or `postgres://…`
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Data folder (default print folder: DATA_DIR/print).
    #[arg(long, env = "GUICHET_DATA_DIR", default_value = "guichet-data")]
    data_dir: PathBuf,
    #[command(flatten)]
    worker: WorkerArgs,
}

fn main() -> ExitCode {
    if let Some(code) = guichet_notify::render_workers::serve_or_use_self() {
        return code;
    }
    let cli = Cli::parse();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GUICHET_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(async {
        let store = match cli.database_url.strip_prefix("sqlite:") {
            Some(path) => Store::open_sqlite(std::path::Path::new(path)).await?,
            None => Store::connect_postgres(&cli.database_url, 8).await?,
        };
        store.migrate().await?;
        worker(store, &cli.data_dir, cli.worker).await
    }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
