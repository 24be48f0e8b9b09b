//! The `guichet` command. Thin: it reads the configuration, opens the store and hands over to
//! the library crates. Every subcommand lives in its own module.

mod bench;
mod cli;
mod config;
mod deadlines;
mod demo;
mod serve;
mod worker;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::{Config, Database, Overrides};

/// Measured with `guichet bench web` (see ARCHITECTURE.md, dependencies).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "guichet",
    version,
    about = "Guichet: inclusive, omnichannel public services"
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct GlobalArgs {
    /// A TOML configuration file (settings: listen, data_dir, database_url).
    #[arg(long, global = true, env = "GUICHET_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where Guichet keeps its files (the embedded database, documents). Default: ./guichet-data
    #[arg(long, global = true, env = "GUICHET_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server.
    Serve(serve::ServeArgs),
    /// Bring the database schema up to date.
    Migrate,
    /// Load the demonstration data set into the configured database.
    Demo,
    /// Record the implicit decisions of cases whose legal deadline has passed.
    Deadlines,
    /// Measure performance.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Territorial analyses: access times, coverage, site selection, maps.
    #[command(subcommand)]
    Territory(cli::territory::TerritoryCommand),
    /// Hosted-procedure definition files: check them, publish them.
    #[command(subcommand)]
    Procedures(cli::catalogue::ProceduresCommand),
    /// The national catalogue of service-public.fr sheets: import it, rebuild the shipped extract.
    #[command(subcommand)]
    Catalogue(cli::catalogue::CatalogueCommand),
    /// Search the catalogues; measure relevance against a BM25 baseline; benchmark.
    #[command(subcommand)]
    Search(cli::search::SearchCommand),
    /// Send notifications (email, SMS) and gather letters into print batches, until stopped.
    Worker(worker::WorkerArgs),
    /// Postal letters: print batches, returned mail, a sample letter.
    #[command(subcommand)]
    Letters(cli::notify::LettersCommand),
    /// Notification templates: list, show, update from a file, preview.
    #[command(subcommand)]
    Templates(cli::notify::TemplatesCommand),
    /// The outbox: status, parked notifications, retries, agent alerts.
    #[command(subcommand)]
    Notifications(cli::notify::NotificationsCommand),
    /// Staff accounts: create one (an operator's first administrator), list an operator's.
    #[command(subcommand)]
    Agents(cli::agents::AgentsCommand),
}

fn main() -> ExitCode {
    // `guichet render-worker` (internal): typesets print sets for its parent.
    if let Some(code) = guichet_delivery::render_workers::serve_or_use_self() {
        return code;
    }
    let cli = Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let overrides = |listen: Option<String>| Overrides {
        config_file: cli.global.config.clone(),
        listen,
        data_dir: cli.global.data_dir.clone(),
        database_url: std::env::var("DATABASE_URL").ok(),
    };
    match cli.command {
        Command::Serve(args) => {
            let overrides = overrides(args.listen.clone());
            serve::run(args, overrides).await
        }
        Command::Migrate => {
            let config = Config::load(&overrides(None))?;
            let store = open_store(&config).await?;
            store.migrate().await?;
            println!(
                "Database schema is up to date ({}).",
                config.database.describe()
            );
            store.close().await;
            Ok(())
        }
        Command::Demo => {
            let store = open_migrated_store(&overrides(None)).await?;
            let loaded = demo::load(&guichet_cases::CaseService::new(store.clone()), now()).await?;
            println!("{loaded}");
            store.close().await;
            Ok(())
        }
        Command::Deadlines => {
            let store = open_migrated_store(&overrides(None)).await?;
            let cases = guichet_cases::CaseService::new(store.clone());
            let applied = deadlines::sweep(&cases, now()).await?;
            println!("{applied} implicit decision(s) recorded.");
            store.close().await;
            Ok(())
        }
        Command::Bench(command) => bench::run(command).await,
        Command::Territory(cmd) => {
            tokio::task::spawn_blocking(move || cli::territory::run(cmd)).await?
        }
        Command::Procedures(cmd) => {
            let store = store_if(cmd.needs_store(), &overrides(None)).await?;
            cli::catalogue::run_procedures(cmd, store.as_ref(), now(), &mut std::io::stdout())
                .await?;
            Ok(())
        }
        Command::Catalogue(cmd) => {
            let store = store_if(cmd.needs_store(), &overrides(None)).await?;
            cli::catalogue::run_catalogue(cmd, store.as_ref(), now(), &mut std::io::stdout())
                .await?;
            Ok(())
        }
        Command::Search(cmd) => {
            Ok(
                tokio::task::spawn_blocking(move || cli::search::run(cmd, &mut std::io::stdout()))
                    .await??,
            )
        }
        Command::Worker(args) => {
            let data_dir = Config::load(&overrides(None))?.data_dir;
            let store = open_migrated_store(&overrides(None)).await?;
            worker::worker(store, &data_dir, args, std::sync::Arc::new(SystemClock)).await
        }
        Command::Letters(cmd) => {
            let data_dir = Config::load(&overrides(None))?.data_dir;
            let store = open_migrated_store(&overrides(None)).await?;
            cli::notify::letters(store, &data_dir, cmd, now()).await
        }
        Command::Templates(cmd) => {
            cli::notify::templates(open_migrated_store(&overrides(None)).await?, cmd, now()).await
        }
        Command::Notifications(cmd) => {
            let store = open_migrated_store(&overrides(None)).await?;
            cli::notify::notifications(store, cmd, now()).await
        }
        Command::Agents(cmd) => {
            let store = open_migrated_store(&overrides(None)).await?;
            let password = std::env::var("GUICHET_AGENT_PASSWORD").ok();
            let result =
                cli::agents::run(&store, cmd, password, now(), &mut std::io::stdout()).await;
            store.close().await;
            result
        }
    }
}

/// Opens the configured database and brings its schema up to date.
async fn open_migrated_store(overrides: &Overrides) -> anyhow::Result<guichet_store::Store> {
    let store = open_store(&Config::load(overrides)?).await?;
    store.migrate().await?;
    Ok(store)
}

/// The migrated store, only when the subcommand needs one (checking files does not).
async fn store_if(
    needed: bool,
    overrides: &Overrides,
) -> anyhow::Result<Option<guichet_store::Store>> {
    Ok(if needed {
        Some(open_migrated_store(overrides).await?)
    } else {
        None
    })
}

/// Opens the configured database, creating the data directory for the embedded one.
pub(crate) async fn open_store(config: &Config) -> anyhow::Result<guichet_store::Store> {
    use anyhow::Context as _;
    match &config.database {
        Database::Sqlite { path } => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).with_context(|| {
                    format!("cannot create the data directory {}", parent.display())
                })?;
            }
            Ok(guichet_store::Store::open_sqlite(path).await?)
        }
        Database::Postgres { url } => {
            Ok(guichet_store::Store::connect_postgres(url.expose(), 16).await?)
        }
    }
}

/// The system clock, to the microsecond (what the database keeps): the one place Guichet reads
/// the wall clock to decide something. `clippy.toml` bans it everywhere else; libraries take a
/// `Clock` or a time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SystemClock;

impl guichet_domain::Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the binary's entry point to the wall clock
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        use chrono::SubsecRound;
        chrono::Utc::now().trunc_subsecs(6)
    }
}

/// The current time, from the system clock.
pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    guichet_domain::Clock::now(&SystemClock)
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("GUICHET_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,tantivy=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
