//! Fresh, isolated databases for tests, on both engines.
//!
//! Every store test runs once on SQLite (a temporary file) and once on PostgreSQL (a new
//! database named `guichet_test_…`, dropped afterwards). PostgreSQL is found at
//! `GUICHET_TEST_POSTGRES_URL`, by default `postgres://postgres@127.0.0.1:5432/postgres`; when it
//! cannot be reached the test fails: we never test on one engine and ship on another.

use std::future::Future;

use crate::{Engine, Store};

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
                let admin = Store::connect_postgres(&admin_url, 1)
                    .await
                    .unwrap_or_else(|e| {
                        panic!("PostgreSQL is needed for the store tests ({admin_url}): {e}")
                    });
                admin
                    .raw_execute(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                admin.close().await;
                let url = database_url(&admin_url, &name);
                let store = Store::connect_postgres(&url, 8).await.expect("connect");
                store.migrate().await.expect("migrate PostgreSQL");
                TestDb {
                    store,
                    cleanup: Cleanup::Postgres { admin_url, name },
                }
            }
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
