//! Guichet's persistence. One [`Store`] type, two engines: SQLite, embedded, for one machine
//! (a file in the data directory, WAL mode), and PostgreSQL for several stateless servers.
//!
//! Queries live here, grouped by aggregate (one module each), and return domain types. They are
//! written once in the SQL both engines understand (`$1` placeholders, `TEXT`, `BIGINT`), and
//! [`with_pool!`] runs them on whichever engine is configured. The same test suite runs on both.
//!
//! SQLite allows one writer at a time; writes go through a pool of one connection so they queue
//! in Rust instead of failing with `SQLITE_BUSY`, while reads use a separate pool.

pub mod agents;
mod cache;
mod cases;
mod catalogue;
mod journals;
mod operators;
pub mod outbox;
pub mod person_accounts;
mod persons;
pub use persons::PersonFilter;
pub mod portal;
mod procedures;
mod read;
#[cfg(feature = "testing")]
pub mod testing;
mod write;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub use cases::{CaseFilter, CaseSummary, QueueFilter, QueueRow};
pub use catalogue::{CatalogueImport, DefinitionRow, Published, SheetRow};
pub use operators::SignatureDelegation;
pub use outbox::CaseChange;

/// Errors of the store. Each variant is answered differently by callers.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or opened (wrong URL, server down, unwritable file).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Someone else changed the case since it was read: reload and try again.
    #[error("case {reference} was changed meanwhile (expected version {expected}, found {actual})")]
    Conflict {
        reference: String,
        expected: u64,
        actual: u64,
    },
    #[error("{0} not found")]
    NotFound(String),
    /// The same identity exists already with other content.
    #[error("{0} already exists")]
    Duplicate(String),
    /// Stored data that does not read back into domain types (should never happen).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// An error of an inline SQLite read ([`read`]).
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl StoreError {
    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        StoreError::Corrupt(what.to_string())
    }
}

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
enum Db {
    Sqlite {
        write: SqlitePool,
        read: SqlitePool,
        /// Indexed reads, run on the calling thread ([`read`]).
        inline: std::sync::Arc<read::InlineReads>,
        /// Writes in turn, and the hot ones run on the calling thread ([`write`]).
        writer: std::sync::Arc<write::InlineWriter>,
        /// The journals read last, grown by what was appended since ([`journals`]).
        journals: std::sync::Arc<journals::Journals>,
    },
    Postgres(PgPool),
}

/// The database, cheap to clone (pools are shared).
#[derive(Debug, Clone)]
pub struct Store {
    db: Db,
    /// Rows read on every request, kept while other servers' changes are heard (PostgreSQL
    /// only; [`cache`]).
    cache: Option<std::sync::Arc<cache::ReadCache>>,
}

/// Runs the same query code on the configured engine: `$pool` is bound to the engine's pool
/// (for SQLite, the reader pool unless `write` is given; a write waits for this process's turn
/// to write, see [`write`], so its body must not call another write of the store).
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.db {
            $crate::Db::Sqlite { read: $pool, .. } => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
    ($store:expr, write $pool:ident => $body:expr) => {
        match &$store.db {
            $crate::Db::Sqlite {
                write: $pool,
                writer,
                ..
            } => {
                let _turn = writer.turn().await;
                $body
            }
            $crate::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Opens (creating if needed) the SQLite database file at `path`.
    pub async fn open_sqlite(path: &Path) -> Result<Store, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let unavailable =
            |e: sqlx::Error| StoreError::Unavailable(format!("{}: {e}", path.display()));
        // No ping before lending a connection: an embedded database's connection cannot drop,
        // and each ping is one more round trip to the connection's thread.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await
            .map_err(unavailable)?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .test_before_acquire(false)
            .connect_with(options.read_only(true))
            .await
            .map_err(unavailable)?;
        Ok(Store {
            db: Db::Sqlite {
                write,
                read,
                inline: std::sync::Arc::new(read::InlineReads::new(path.to_owned())),
                writer: std::sync::Arc::new(write::InlineWriter::new(path.to_owned())),
                journals: std::sync::Arc::new(journals::Journals::new()),
            },
            cache: None,
        })
    }

    /// Connects to PostgreSQL with a `postgres://` URL.
    pub async fn connect_postgres(url: &str, max_connections: u32) -> Result<Store, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Unavailable(format!("invalid PostgreSQL URL: {e}")))?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Unavailable(format!("PostgreSQL: {e}")))?;
        Ok(Store {
            db: Db::Postgres(pool),
            cache: Some(cache::ReadCache::start(url)),
        })
    }

    /// The cached value of `key`, if this store keeps one ([`cache`]).
    pub(crate) fn cached(&self, key: &cache::Key) -> Option<cache::Value> {
        self.cache.as_ref()?.get(key)
    }

    /// What to give [`Store::keep`], taken before reading what it will keep.
    pub(crate) fn ticket(&self) -> u64 {
        self.cache.as_ref().map_or(0, |c| c.ticket())
    }

    /// Keeps `value`, read from the database since `ticket` was taken.
    pub(crate) fn keep(&self, key: cache::Key, value: cache::Value, ticket: u64) {
        if let Some(c) = &self.cache {
            c.put(key, value, ticket);
        }
    }

    /// After a change to `key`'s row has committed: forgets it here at once and tells the
    /// other servers sharing the database ([`cache`]; nothing on SQLite).
    pub(crate) fn changed(&self, key: &cache::Key) {
        if let Some(c) = &self.cache {
            c.changed(key);
        }
    }

    /// After a change appending `events` to the journal of `reference` (which had `base`
    /// events) has committed: the journal kept here grows by them, the other servers forget it
    /// ([`cache`]; nothing on SQLite).
    pub(crate) fn appended(&self, reference: &str, base: u64, events: &[guichet_domain::Event]) {
        if let Some(c) = &self.cache {
            c.appended(reference, base, events);
        }
    }

    /// Waits until this store hears the other servers' changes (and so keeps rows read on
    /// every request), at most `timeout`; false on SQLite, which keeps none ([`cache`]).
    #[cfg(feature = "testing")]
    pub async fn wait_until_listening(&self, timeout: Duration) -> bool {
        let Some(c) = &self.cache else { return false };
        let start = tokio::time::Instant::now();
        while !c.is_live() {
            if start.elapsed() > timeout {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        true
    }

    /// The PostgreSQL pool, for a statement written for PostgreSQL alone.
    pub(crate) fn postgres_pool(&self) -> Option<&PgPool> {
        match &self.db {
            Db::Postgres(pool) => Some(pool),
            Db::Sqlite { .. } => None,
        }
    }

    pub fn engine(&self) -> Engine {
        match self.db {
            Db::Sqlite { .. } => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    /// Brings the schema up to date. Migrations only go forward.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.db {
            Db::Sqlite { write, writer, .. } => {
                let _turn = writer.turn().await;
                SQLITE_MIGRATOR.run(write).await?
            }
            Db::Postgres(pool) => POSTGRES_MIGRATOR.run(pool).await?,
        }
        // Data a migration cannot compute in SQL on both engines (folded names).
        self.fill_person_search_keys().await?;
        self.project_queue_columns().await?;
        Ok(())
    }

    /// Checks that the database answers (the health endpoint uses it).
    pub async fn ping(&self) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// Runs statements as they are, outside any migration (benchmarks and tests create and
    /// drop databases with it). Never given user input.
    pub async fn raw_execute(&self, sql: &str) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            sqlx::raw_sql(sql).execute(pool).await?;
        });
        Ok(())
    }

    /// Closes the pools, waiting for queries in progress.
    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite { write, read, .. } => {
                read.close().await;
                write.close().await;
            }
            Db::Postgres(pool) => {
                if let Some(c) = &self.cache {
                    c.stop().await;
                }
                pool.close().await
            }
        }
    }
}

/// Times are stored as microseconds since the Unix epoch on both engines.
pub(crate) fn to_micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub(crate) fn from_micros(v: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_micros(v).ok_or_else(|| StoreError::corrupt(format!("time {v}")))
}

/// Maps a unique-constraint violation to [`StoreError::Duplicate`].
pub(crate) fn duplicate_or(e: sqlx::Error, what: impl Into<String>) -> StoreError {
    duplicate(StoreError::Database(e), what)
}

/// Maps a unique-constraint violation, on either driver, to [`StoreError::Duplicate`].
pub(crate) fn duplicate(e: StoreError, what: impl Into<String>) -> StoreError {
    let unique = match &e {
        StoreError::Database(sqlx::Error::Database(db)) => db.is_unique_violation(),
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => matches!(
            f.extended_code,
            rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY | rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
        ),
        _ => false,
    };
    if unique {
        StoreError::Duplicate(what.into())
    } else {
        e
    }
}
