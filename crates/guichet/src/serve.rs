//! `guichet serve`: the web server, with `--demo` for a throw-away demonstration instance.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::Args;

use crate::config::{Config, Database, Overrides};

/// The marker that says a directory holds a demonstration instance and may be reset.
const DEMO_MARKER: &str = ".guichet-demo";
const DEFAULT_DEMO_DIR: &str = "guichet-demo";

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (IP:PORT). Default: 127.0.0.1:8080
    #[arg(long, env = "GUICHET_LISTEN", value_name = "ADDR")]
    pub listen: Option<String>,
    /// Start a demonstration instance: embedded database, fresh demo data, a visible banner.
    #[arg(long)]
    pub demo: bool,
    /// Also run the outbox worker in this process (small deployments). Emails and text messages
    /// go out only if --notify-config names an SMTP relay and an SMS gateway — so in --demo they
    /// wait in the outbox — and letters are gathered into print batches (DATA_DIR/print).
    #[arg(long, env = "GUICHET_SERVE_WORKER")]
    pub worker: bool,
    /// Notification settings for --worker (SMTP relay, SMS gateway, print folder), TOML.
    #[arg(long, env = "GUICHET_NOTIFY_CONFIG", value_name = "FILE")]
    pub notify_config: Option<PathBuf>,
}

pub async fn run(args: ServeArgs, mut overrides: Overrides) -> anyhow::Result<()> {
    if args.demo {
        // A demonstration always runs on the embedded database, in a directory of its own
        // that is reset at each start, so it can never touch production data.
        let dir = overrides
            .data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DEMO_DIR));
        prepare_demo_dir(&dir)?;
        overrides.data_dir = Some(dir);
        overrides.database_url = None;
    }
    let mut config = Config::load(&overrides)?;
    if args.demo {
        config.database = Database::Sqlite {
            path: config.data_dir.join("guichet.db"),
        };
    }
    let store = crate::open_store(&config).await?;
    store.migrate().await?;
    // One case service for the pages, the deadline sweep and the demo: they share its cache
    // of parsed definitions.
    let cases = guichet_cases::CaseService::new(store.clone());
    if args.demo {
        let loaded = crate::demo::load(&cases, crate::now()).await?;
        tracing::info!("{loaded}");
        // The demo procedures' definition files (forms, paper forms), over the same versions.
        if let Err(e) = guichet_catalogue::demo::publish(&store, crate::now()).await {
            tracing::warn!("demo procedure definitions not published: {e}");
        }
    }
    let catalogue = guichet_web::search_index::build(&store).await?;
    if config.semantic_search {
        guichet_web::search_index::spawn_semantic(
            store.clone(),
            catalogue.clone(),
            config.cache_dir(),
        );
    }
    // Computed in the background: the pages say « calcul en cours » until it is ready.
    let territory = guichet_web::territory::TerritoryState::loading();
    territory.spawn_load(config.territory_dir_for(args.demo));
    let site = site(&config, args.demo)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let address = listener.local_addr()?;
    let app = guichet_web::router(guichet_web::AppState::new(guichet_web::Services {
        store: store.clone(),
        demo: args.demo,
        cases: cases.clone(),
        clock: std::sync::Arc::new(crate::SystemClock),
        catalogue,
        territory,
        site: std::sync::Arc::new(site),
    }));
    println!(
        "Guichet is listening on http://{address}/ ({}{})",
        config.database.describe(),
        if args.demo {
            ", demonstration data"
        } else {
            ""
        }
    );
    let sweeper = tokio::spawn(sweep_deadlines(cases));
    let worker = match args.worker {
        true => Some(crate::worker::spawn_in_server(
            store.clone(),
            &config.data_dir,
            args.notify_config.as_deref(),
            std::sync::Arc::new(crate::SystemClock),
        )?),
        false => None,
    };
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    sweeper.abort();
    if let Some(worker) = worker {
        worker.stop().await;
    }
    store.close().await;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// Empties a demo directory from a previous run, or creates it. A non-empty directory without
/// the demo marker is refused: it may hold real data.
/// The operator's identity: the `[site]` section; the fictional town hall for a demonstration
/// without one; « Guichet » alone otherwise (with a warning: people should see who runs it).
fn site(config: &Config, demo: bool) -> anyhow::Result<guichet_web::Site> {
    let Some(c) = &config.site else {
        if demo {
            return Ok(guichet_web::Site::demo());
        }
        tracing::warn!(
            "no [site] section in the configuration: pages show « Guichet » instead of the operator's name"
        );
        return Ok(guichet_web::Site::unconfigured());
    };
    let logo = match &c.logo {
        None => None,
        Some(path) => {
            let bytes = std::fs::read(path)
                .with_context(|| format!("cannot read the logo {}", path.display()))?;
            let media_type = match path.extension().and_then(|e| e.to_str()) {
                Some("png") => "image/png",
                Some("svg") => "image/svg+xml",
                _ => bail!("the logo {} must be a .png or .svg file", path.display()),
            };
            Some(guichet_web::site::Logo {
                media_type,
                bytes,
                alt: c.name.clone(),
            })
        }
    };
    Ok(guichet_web::Site {
        name: c.name.clone(),
        territory: c.territory.clone(),
        logo,
        address: c.address.clone(),
        phone: c.phone.clone(),
        email: c.email.clone(),
        publisher: c.publisher.clone(),
        host: c.host.clone(),
        data_protection_contact: c.data_protection_contact.clone(),
        url: c
            .url
            .as_deref()
            .map(|u| u.trim().trim_end_matches('/').to_owned()),
    })
}

fn prepare_demo_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        let marker = dir.join(DEMO_MARKER);
        let empty = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_none();
        if !marker.exists() && !empty {
            bail!(
                "{} is not a demonstration directory (no {DEMO_MARKER} marker): refusing to reset it; choose another --data-dir",
                dir.display()
            );
        }
        for name in ["guichet.db", "guichet.db-wal", "guichet.db-shm"] {
            let path = dir.join(name);
            if path.exists() {
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove {}", path.display()))?;
            }
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(
        dir.join(DEMO_MARKER),
        "This directory holds a Guichet demonstration; it is reset at each start.\n",
    )?;
    Ok(())
}

/// Records implicit decisions whose legal deadline has passed, at start and every ten minutes.
async fn sweep_deadlines(cases: guichet_cases::CaseService) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        every.tick().await;
        if let Err(e) = crate::deadlines::sweep(&cases, crate::now()).await {
            tracing::warn!(error = %e, "deadline sweep failed; will retry");
        }
    }
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received, finishing requests in progress");
}
