//! `guichet bench store` submits cases through the case service as the pages will (open, fill
//! the form, submit: three commands, each one transaction with its journal events, and the
//! submission's receipt letter planned and written to the outbox), from concurrent tasks, on
//! SQLite and on PostgreSQL in the same run.

use std::time::Instant;

use anyhow::Context as _;
use chrono::Duration;
use clap::Args;
use guichet_domain::*;
use guichet_store::Store;

#[derive(Debug, Args)]
pub struct StoreBenchArgs {
    /// Number of cases to submit on each engine.
    #[arg(long, default_value_t = 10_000)]
    cases: u32,
    /// Concurrent submitting tasks (as concurrent requests on a server).
    #[arg(long, default_value_t = 16)]
    concurrency: u32,
    /// PostgreSQL server to measure (a temporary database is created and dropped there).
    #[arg(
        long,
        env = "GUICHET_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,
}

pub async fn run(args: StoreBenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.cases > 0 && args.concurrency > 0,
        "--cases and --concurrency must be positive"
    );
    let dir = std::env::temp_dir().join(format!("guichet-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    let sqlite = Store::open_sqlite(&dir.join("bench.db")).await?;
    let sqlite_rate = submissions_per_second(&sqlite, &args).await;
    sqlite.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    let sqlite_rate = sqlite_rate?;
    println!(
        "SQLite:     {sqlite_rate:>8.0} case submissions/s ({} cases, {} tasks)",
        args.cases, args.concurrency
    );

    let name = format!("guichet_bench_{}", uuid::Uuid::new_v4().simple());
    let postgres_rate = match Store::connect_postgres(&args.postgres_url, 1).await {
        Ok(admin) => {
            admin
                .raw_execute(&format!("CREATE DATABASE {name}"))
                .await?;
            let url = guichet_store_url(&args.postgres_url, &name);
            let pg = Store::connect_postgres(&url, args.concurrency.min(32)).await?;
            let rate = submissions_per_second(&pg, &args).await;
            pg.close().await;
            admin
                .raw_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await?;
            admin.close().await;
            let rate = rate?;
            println!(
                "PostgreSQL: {rate:>8.0} case submissions/s ({} cases, {} tasks)",
                args.cases, args.concurrency
            );
            Some(rate)
        }
        Err(e) => {
            println!("PostgreSQL: not measured ({e}); start PostgreSQL or pass --postgres-url");
            None
        }
    };
    println!(
        "{}",
        serde_json::json!({
            "bench": "store",
            "cases": args.cases,
            "concurrency": args.concurrency,
            "sqlite_per_s": sqlite_rate.round(),
            "postgres_per_s": postgres_rate.map(f64::round),
            "target_sqlite_per_s": 2000,
            "target_postgres_per_s": 1000,
        })
    );
    Ok(())
}

fn guichet_store_url(admin_url: &str, name: &str) -> String {
    match admin_url.rsplit_once('/') {
        Some((base, _)) if base.len() > "postgres:/".len() => format!("{base}/{name}"),
        _ => format!("{admin_url}/{name}"),
    }
}

async fn submissions_per_second(store: &Store, args: &StoreBenchArgs) -> anyhow::Result<f64> {
    store.migrate().await?;
    let procedure = crate::demo::demo_procedures()?
        .into_iter()
        .next()
        .context("no demo procedure")?;
    store
        .save_operator(&Operator {
            id: procedure.operator().clone(),
            name: "CCAS".into(),
            kind: OperatorKind::Ccas,
        })
        .await?;
    let now = crate::now();
    store.publish_procedure(&procedure, now).await?;
    let person = Person {
        id: PersonId::from_uuid(uuid::Uuid::new_v4()),
        name: PersonName::parse("Camille", "Bench")?,
        birth_date: None,
        address: Some(PostalAddress::parse(
            &["1 rue du Test"],
            "59990",
            "Saint-Clair-sur-Lys",
        )?),
        email: None,
        phone: None,
        preferences: ContactPreferences::post_only(),
    };
    store.insert_person(&person, now).await?;

    let cases = guichet_cases::CaseService::new(store.clone());
    #[allow(clippy::disallowed_methods)] // a benchmark measures elapsed time
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..args.concurrency {
        let cases = cases.clone();
        let procedure = procedure.clone();
        let count = args.cases / args.concurrency + u32::from(task < args.cases % args.concurrency);
        tasks.spawn(async move {
            let agent = Actor::Agent {
                id: AgentId::from_uuid(uuid::Uuid::new_v4()),
                role: AgentRole::FrontDesk,
            };
            for i in 0..count {
                let at = now + Duration::microseconds(i64::from(i));
                let ctx = Context {
                    actor: agent,
                    channel: Channel::Counter,
                    now: at,
                };
                // Opening, the form and the submission through the case service, as the pages
                // do; the submission writes its receipt letter to the outbox.
                let case = cases
                    .open_with_fresh_reference(&procedure, person.id, ctx, || {
                        CaseReference::from_random(rand::random::<u64>())
                    })
                    .await?
                    .case;
                let mut fields = std::collections::BTreeMap::new();
                fields.insert("motif".to_owned(), "Facture d’énergie impayée".to_owned());
                cases
                    .execute(&case.reference, Command::UpdateForm { fields }, ctx)
                    .await?;
                cases.execute(&case.reference, Command::Submit, ctx).await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(result) = tasks.join_next().await {
        result??;
    }
    Ok(f64::from(args.cases) / started.elapsed().as_secs_f64())
}
