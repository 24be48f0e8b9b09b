//! Fresh, isolated databases for tests, on both engines.
//!
//! Every store test runs once on SQLite (a temporary file) and once on PostgreSQL (a new
//! database named `guichet_test_…`, dropped afterwards). PostgreSQL is found at
//! `GUICHET_TEST_POSTGRES_URL`, by default `postgres://postgres@127.0.0.1:5432/postgres`; when it
//! cannot be reached the test fails: we never test on one engine and ship on another.
//!
//! A PostgreSQL test database is a copy of a template already migrated to the current schema
//! (`guichet_tpl_<hash of the migrations>`), not migrated anew: copying is a few milliseconds,
//! migrating is much more, and hundreds of tests do it. The template is made once and kept
//! across runs; test processes that race to make it each build their own under a temporary
//! name and rename it into place, so a template under its final name is always complete. A
//! change to the migrations changes the hash, hence the template; old templates stay until
//! dropped by hand (`DROP DATABASE guichet_tpl_…`).

use std::future::Future;
use std::time::Duration;

use sqlx::{Connection, PgConnection};
use tokio::sync::OnceCell;

use crate::{Engine, POSTGRES_MIGRATOR, Store};

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A migrated store on a throw-away database.
#[derive(Debug)]
pub struct TestDb {
    pub store: Store,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

/// The PostgreSQL URL of the admin database tests create their databases from.
pub fn postgres_admin_url() -> String {
    std::env::var("GUICHET_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned())
}

impl TestDb {
    pub async fn new(engine: Engine) -> TestDb {
        match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let store = Store::open_sqlite(&dir.path().join("guichet.db"))
                    .await
                    .expect("open SQLite");
                store.migrate().await.expect("migrate SQLite");
                TestDb {
                    store,
                    cleanup: Cleanup::Sqlite(dir),
                }
            }
            Engine::Postgres => {
                let admin_url = postgres_admin_url();
                let name = format!("guichet_test_{}", uuid::Uuid::new_v4().simple());
                let template = postgres_template(&admin_url).await;
                let mut admin = admin_connection(&admin_url).await;
                // A copy fails while anyone is connected to the template; nobody can connect
                // to it (ALLOW_CONNECTIONS false) but its builder may take a moment to leave.
                retry_while_in_use(
                    &mut admin,
                    &format!("CREATE DATABASE {name} TEMPLATE {template}"),
                )
                .await
                .expect("create test database from the template");
                let _ = admin.close().await;
                let url = database_url(&admin_url, &name);
                let store = Store::connect_postgres(&url, 8).await.expect("connect");
                TestDb {
                    store,
                    cleanup: Cleanup::Postgres { admin_url, name },
                }
            }
        }
    }

    /// The URL of this PostgreSQL database, for a second store on it (a second server).
    pub fn postgres_url(&self) -> Option<String> {
        match &self.cleanup {
            Cleanup::Postgres { admin_url, name } => Some(database_url(admin_url, name)),
            Cleanup::Sqlite(_) => None,
        }
    }

    /// Closes the store and removes the database.
    pub async fn cleanup(self) {
        self.store.close().await;
        match self.cleanup {
            Cleanup::Sqlite(dir) => drop(dir),
            Cleanup::Postgres { admin_url, name } => {
                if let Ok(admin) = Store::connect_postgres(&admin_url, 1).await {
                    let _ = admin
                        .raw_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    admin.close().await;
                }
            }
        }
    }
}

/// The name of the template database migrated to the current schema, made if needed (once per
/// process, and safely when several test processes make it at once).
async fn postgres_template(admin_url: &str) -> String {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| make_template(admin_url))
        .await
        .clone()
}

/// `guichet_tpl_` and a hash of the embedded PostgreSQL migrations (their versions and the
/// checksums of their files), so a template always holds exactly the schema they make.
fn template_name() -> String {
    // FNV-1a: stable across Rust versions and processes, unlike `DefaultHasher`.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for migration in POSTGRES_MIGRATOR.iter() {
        let version = migration.version.to_le_bytes();
        for byte in version.iter().chain(migration.checksum.iter()) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("guichet_tpl_{hash:016x}")
}

async fn make_template(admin_url: &str) -> String {
    let name = template_name();
    let mut admin = admin_connection(admin_url).await;
    if database_exists(&mut admin, &name).await {
        let _ = admin.close().await;
        return name;
    }
    // Built under a name of its own, renamed into place only once complete.
    let building = format!(
        "{name}_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    sqlx::raw_sql(&format!("CREATE DATABASE {building}"))
        .execute(&mut admin)
        .await
        .expect("create the template database");
    let store = Store::connect_postgres(&database_url(admin_url, &building), 1)
        .await
        .expect("connect to the template database");
    store
        .migrate()
        .await
        .expect("migrate the template database");
    store.close().await;
    sqlx::raw_sql(&format!(
        "ALTER DATABASE {building} WITH ALLOW_CONNECTIONS false"
    ))
    .execute(&mut admin)
    .await
    .expect("close the template database to connections");
    match retry_while_in_use(
        &mut admin,
        &format!("ALTER DATABASE {building} RENAME TO {name}"),
    )
    .await
    {
        Ok(()) => {}
        // Another process put its template in place first: use that one.
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {
            let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                .execute(&mut admin)
                .await;
        }
        Err(e) => panic!("rename the template database: {e}"),
    }
    let _ = admin.close().await;
    name
}

async fn admin_connection(admin_url: &str) -> PgConnection {
    PgConnection::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL is needed for the store tests ({admin_url}): {e}"))
}

async fn database_exists(admin: &mut PgConnection, name: &str) -> bool {
    sqlx::query_scalar::<_, i32>("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_optional(admin)
        .await
        .expect("read pg_database")
        .is_some()
}

/// Runs `sql`, again while it fails with "database is being accessed by other users" (55006);
/// PostgreSQL itself already waits up to 5 s for the other sessions to leave.
async fn retry_while_in_use(admin: &mut PgConnection, sql: &str) -> Result<(), sqlx::Error> {
    let mut attempts = 0;
    loop {
        match sqlx::raw_sql(sql).execute(&mut *admin).await {
            Ok(_) => return Ok(()),
            Err(sqlx::Error::Database(e))
                if e.code().as_deref() == Some("55006") && attempts < 20 =>
            {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Replaces the database name at the end of a PostgreSQL URL.
pub fn database_url(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let base = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Runs a test body once on each engine, each time on a fresh database.
pub async fn on_both_engines<F, Fut>(body: F)
where
    F: Fn(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let db = TestDb::new(engine).await;
        body(db.store.clone()).await;
        db.cleanup().await;
    }
}
