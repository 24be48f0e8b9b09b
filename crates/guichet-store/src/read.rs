//! Reads written once for both engines, with SQLite's run inline.
//!
//! sqlx's SQLite driver gives each connection its own thread: every statement is sent to that
//! thread and its rows sent back, and a connection returned to the pool is pinged there once
//! more from a spawned task. For the point reads every page makes (its session, a case's
//! journal, a person), that hand-off cost more than the reads themselves: a quarter of the CPU
//! went to waking threads. Here a read on SQLite runs on the calling thread through rusqlite,
//! on a connection taken from a small pool of read-only connections: an indexed lookup in a WAL
//! database whose pages are cached takes microseconds, less than one hand-off, and WAL readers
//! never wait for the writer. Only indexed lookups and reads of tables that stay tiny (the
//! operators, the procedures) belong here; a read that may scan a large table goes through
//! [`crate::with_pool!`], on sqlx's threads.
//!
//! On PostgreSQL the same SQL and parameters go through sqlx, so a query is still written once:
//! `$n` placeholders, bound by number on both engines (as sqlx does for SQLite).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rusqlite::OpenFlags;
use sqlx::Row;

use crate::{Db, Store, StoreError};

/// A value bound to a `$n` placeholder of a read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Param<'a> {
    Text(Option<&'a str>),
    Int(Option<i64>),
}

/// A row read back as a tuple of plain values (`String`, `i64`, `Option<…>`), which the query's
/// module then turns into domain types.
pub(crate) trait RawRow: Sized {
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
    fn from_sqlx_sqlite(row: &sqlx::sqlite::SqliteRow) -> Result<Self, sqlx::Error>;
    fn from_postgres(row: &sqlx::postgres::PgRow) -> Result<Self, sqlx::Error>;
}

macro_rules! raw_tuple {
    ($($t:ident $i:tt),+) => {
        impl<$($t),+> RawRow for ($($t,)+)
        where
            $($t: rusqlite::types::FromSql
                + for<'r> sqlx::Decode<'r, sqlx::Sqlite>
                + sqlx::Type<sqlx::Sqlite>
                + for<'r> sqlx::Decode<'r, sqlx::Postgres>
                + sqlx::Type<sqlx::Postgres>),+
        {
            fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                Ok(($(row.get::<_, $t>($i)?,)+))
            }
            fn from_sqlx_sqlite(row: &sqlx::sqlite::SqliteRow) -> Result<Self, sqlx::Error> {
                Ok(($(row.try_get::<$t, _>($i)?,)+))
            }
            fn from_postgres(row: &sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
                Ok(($(row.try_get::<$t, _>($i)?,)+))
            }
        }
    };
}
raw_tuple!(A 0);
raw_tuple!(A 0, B 1);
raw_tuple!(A 0, B 1, C 2);
raw_tuple!(A 0, B 1, C 2, D 3);
raw_tuple!(A 0, B 1, C 2, D 3, E 4);
raw_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);

/// Pages of the database file are read through a memory map ([SQLite: memory-mapped
/// I/O](https://sqlite.org/mmap.html)) rather than copied by a `pread` each: every commit
/// (another connection's included) empties a connection's page cache, so under a stream of
/// form steps each read fetched its pages again, and the copies were the largest kernel cost of
/// the form-step benchmark. Pages still in the write-ahead log are read from it as before.
const MMAP: &str = "PRAGMA mmap_size = 268435456;";

/// A rusqlite connection to the database file at `path`, with the settings of sqlx's
/// (`Store::open_sqlite`). A reader waits up to 10 s for a lock, which WAL readers meet only
/// while the writer resets the WAL, rarely and briefly; the writer never waits here: its wait
/// for another process is [`Store::begin_write`]'s, without blocking the thread.
pub(crate) fn open(path: &Path, writer: bool) -> Result<rusqlite::Connection, StoreError> {
    let unavailable =
        |e: rusqlite::Error| StoreError::Unavailable(format!("{}: {e}", path.display()));
    let access = if writer {
        OpenFlags::SQLITE_OPEN_READ_WRITE
    } else {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    };
    let conn =
        rusqlite::Connection::open_with_flags(path, access | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(unavailable)?;
    if writer {
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
            .map_err(unavailable)?;
    }
    conn.execute_batch(MMAP).map_err(unavailable)?;
    conn.busy_timeout(if writer {
        Duration::ZERO
    } else {
        Duration::from_secs(10)
    })
    .map_err(unavailable)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// A sqlx query of `$sql` with `$params` bound in order (sqlx binds `$n` by number).
macro_rules! bind_sqlx {
    ($sql:expr, $params:expr) => {{
        let mut q = sqlx::query($sql);
        for param in $params {
            q = match *param {
                $crate::read::Param::Text(v) => q.bind(v),
                $crate::read::Param::Int(v) => q.bind(v),
            };
        }
        q
    }};
}
pub(crate) use bind_sqlx;

/// Idle connections kept for reuse; more can be open at once (one per thread reading).
const KEPT_IDLE: usize = 16;

/// SQLite's read-only connections for inline reads.
#[derive(Debug)]
pub(crate) struct InlineReads {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

impl InlineReads {
    pub(crate) fn new(path: PathBuf) -> Self {
        InlineReads {
            path,
            idle: Mutex::new(Vec::new()),
        }
    }

    fn read<R: RawRow>(
        &self,
        sql: &str,
        params: &[Param<'_>],
        limit: usize,
    ) -> Result<Vec<R>, StoreError> {
        let taken = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let conn = match taken {
            Some(conn) => conn,
            None => open(&self.path, false)?,
        };
        let rows = query(&conn, sql, params, limit);
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < KEPT_IDLE {
            idle.push(conn);
        }
        rows
    }
}

/// Binds `params` to the `$n` placeholders of `stmt` by their number.
pub(crate) fn bind(
    stmt: &mut rusqlite::Statement<'_>,
    sql: &str,
    params: &[Param<'_>],
) -> Result<(), StoreError> {
    for i in 1..=stmt.parameter_count() {
        let name = stmt.parameter_name(i).unwrap_or("?");
        let param = name
            .strip_prefix('$')
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| params.get(n.checked_sub(1)?))
            .ok_or_else(|| StoreError::corrupt(format!("no value for {name} in {sql}")))?;
        match *param {
            Param::Text(v) => stmt.raw_bind_parameter(i, v)?,
            Param::Int(v) => stmt.raw_bind_parameter(i, v)?,
        }
    }
    Ok(())
}

/// At most `limit` rows of `sql` on `conn`.
pub(crate) fn query<R: RawRow>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Param<'_>],
    limit: usize,
) -> Result<Vec<R>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    bind(&mut stmt, sql, params)?;
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while out.len() < limit {
        match rows.next()? {
            Some(row) => out.push(R::from_sqlite(row)?),
            None => break,
        }
    }
    Ok(out)
}

impl Store {
    /// Every row of `sql` (an indexed read or a tiny table: see the module's documentation).
    pub(crate) async fn read_all<R: RawRow>(
        &self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<Vec<R>, StoreError> {
        self.read_rows(sql, params, usize::MAX).await
    }

    /// The first row of `sql`, if any.
    pub(crate) async fn read_optional<R: RawRow>(
        &self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<Option<R>, StoreError> {
        Ok(self.read_rows(sql, params, 1).await?.pop())
    }

    async fn read_rows<R: RawRow>(
        &self,
        sql: &str,
        params: &[Param<'_>],
        limit: usize,
    ) -> Result<Vec<R>, StoreError> {
        match &self.db {
            Db::Sqlite { inline, .. } => inline.read(sql, params, limit),
            Db::Postgres(pool) => {
                let q = bind_sqlx!(sql, params);
                let rows = if limit == 1 {
                    q.fetch_optional(pool).await?.into_iter().collect()
                } else {
                    q.fetch_all(pool).await?
                };
                Ok(rows
                    .iter()
                    .map(R::from_postgres)
                    .collect::<Result<_, _>>()?)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> rusqlite::Connection {
        let conn = rusqlite::Connection::open_in_memory().expect("in-memory SQLite");
        conn.execute_batch(
            "CREATE TABLE t (a TEXT NOT NULL, b INTEGER);
             INSERT INTO t VALUES ('x', 1), ('y', 2), ('z', NULL);",
        )
        .expect("fixture");
        conn
    }

    #[test]
    fn placeholders_are_bound_by_their_number_whatever_their_order() {
        let rows: Vec<(String, Option<i64>)> = query(
            &conn(),
            "SELECT a, b FROM t WHERE b = $2 OR a = $1 OR ($1 = 'never' AND b IS NULL) ORDER BY a",
            &[Param::Text(Some("z")), Param::Int(Some(1))],
            usize::MAX,
        )
        .expect("read");
        assert_eq!(rows, [("x".to_owned(), Some(1)), ("z".to_owned(), None)]);
    }

    #[test]
    fn a_null_parameter_and_a_limit() {
        let rows: Vec<(String,)> = query(
            &conn(),
            "SELECT a FROM t WHERE $1 IS NULL ORDER BY a",
            &[Param::Int(None)],
            2,
        )
        .expect("read");
        assert_eq!(rows, [("x".to_owned(),), ("y".to_owned(),)]);
    }

    #[test]
    fn a_placeholder_without_a_value_is_an_error_not_a_null() {
        let missing = query::<(String,)>(&conn(), "SELECT a FROM t WHERE a = $2", &[], 1);
        assert!(
            matches!(&missing, Err(StoreError::Corrupt(m)) if m.contains("$2")),
            "{missing:?}"
        );
    }
}
