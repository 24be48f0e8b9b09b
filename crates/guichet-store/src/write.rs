//! Writes written once for both engines, with SQLite's run inline.
//!
//! The hot writes (a case change, a session) are written against [`Tx`]: on PostgreSQL a sqlx
//! transaction, on SQLite one rusqlite connection used on the calling thread, for the same
//! reason as the reads ([`crate::read`]): through sqlx each statement of a transaction was a
//! round trip to the connection's thread, and a change makes five or six. Writing a few rows in
//! a WAL database takes microseconds.
//!
//! SQLite has one writer at a time. In this process, every write takes its turn on one async
//! lock ([`InlineWriter::turn`]), the inline writer's and sqlx's writer pool's alike
//! ([`crate::with_pool!`] takes it), so neither ever waits for the other's file lock. Another
//! process writing the same file (a separate `guichet worker`) may hold it: then
//! [`Store::begin_write`] waits for it asynchronously, never blocking the thread.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::read::{Param, RawRow, bind, bind_sqlx};
use crate::{Db, Store, StoreError};

/// How long a write waits for another process's write to finish before giving up.
const BUSY_WAIT: Duration = Duration::from_secs(10);
const BUSY_STEP: Duration = Duration::from_millis(2);

/// SQLite's inline writer: one connection, opened on first use, taken in turn.
#[derive(Debug)]
pub(crate) struct InlineWriter {
    path: PathBuf,
    conn: Arc<Mutex<Option<rusqlite::Connection>>>,
}

type Turn = OwnedMutexGuard<Option<rusqlite::Connection>>;

impl InlineWriter {
    pub(crate) fn new(path: PathBuf) -> Self {
        InlineWriter {
            path,
            conn: Arc::new(Mutex::new(None)),
        }
    }

    /// Waits for this process's turn to write.
    pub(crate) async fn turn(&self) -> Turn {
        self.conn.clone().lock_owned().await
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
}

/// The statements of a transaction that writes, on either engine: the inline SQLite writer, a
/// transaction of sqlx's SQLite writer pool (writes not moved to the inline writer yet call the
/// same helpers through it), or PostgreSQL.
#[derive(Debug)]
pub(crate) enum Tx<'a> {
    Inline(&'a mut Option<rusqlite::Connection>),
    Sqlite(&'a mut sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(&'a mut sqlx::Transaction<'static, sqlx::Postgres>),
}

impl<'a> From<&'a mut sqlx::Transaction<'static, sqlx::Sqlite>> for Tx<'a> {
    fn from(tx: &'a mut sqlx::Transaction<'static, sqlx::Sqlite>) -> Self {
        Tx::Sqlite(tx)
    }
}

impl<'a> From<&'a mut sqlx::Transaction<'static, sqlx::Postgres>> for Tx<'a> {
    fn from(tx: &'a mut sqlx::Transaction<'static, sqlx::Postgres>) -> Self {
        Tx::Postgres(tx)
    }
}

fn closed() -> StoreError {
    StoreError::Unavailable("the SQLite writer is closed".to_owned())
}

impl Tx<'_> {
    /// Runs one statement; the number of rows it changed.
    pub(crate) async fn execute(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<u64, StoreError> {
        Ok(match self {
            Tx::Inline(conn) => {
                let conn = conn.as_mut().ok_or_else(closed)?;
                let mut stmt = conn.prepare_cached(sql)?;
                bind(&mut stmt, sql, params)?;
                stmt.raw_execute()? as u64
            }
            Tx::Sqlite(tx) => bind_sqlx!(sql, params)
                .execute(&mut ***tx)
                .await?
                .rows_affected(),
            Tx::Postgres(tx) => bind_sqlx!(sql, params)
                .execute(&mut ***tx)
                .await?
                .rows_affected(),
        })
    }

    /// The first row of `sql`, if any, as the transaction sees it.
    pub(crate) async fn read_optional<R: RawRow>(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<Option<R>, StoreError> {
        Ok(match self {
            Tx::Inline(conn) => {
                let conn = conn.as_mut().ok_or_else(closed)?;
                crate::read::query(conn, sql, params, 1)?.pop()
            }
            Tx::Sqlite(tx) => bind_sqlx!(sql, params)
                .fetch_optional(&mut ***tx)
                .await?
                .map(|row| R::from_sqlx_sqlite(&row))
                .transpose()?,
            Tx::Postgres(tx) => bind_sqlx!(sql, params)
                .fetch_optional(&mut ***tx)
                .await?
                .map(|row| R::from_postgres(&row))
                .transpose()?,
        })
    }
}

/// An open transaction that writes ([`Store::begin_write`]). Dropped without
/// [`commit`](WriteTransaction::commit), it is rolled back.
#[derive(Debug)]
pub(crate) enum WriteTransaction {
    Inline(InlineTx),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// The inline writer's turn, inside `BEGIN IMMEDIATE`.
#[derive(Debug)]
pub(crate) struct InlineTx {
    turn: Turn,
    committed: bool,
}

impl Drop for InlineTx {
    fn drop(&mut self) {
        if !self.committed
            && let Some(conn) = self.turn.as_mut()
        {
            // Nothing was committed; a failed rollback leaves the transaction open, and the
            // next `begin_write` rolls it back before anything else.
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
}

impl WriteTransaction {
    /// Its statements.
    pub(crate) fn tx(&mut self) -> Tx<'_> {
        match self {
            WriteTransaction::Inline(t) => Tx::Inline(&mut t.turn),
            WriteTransaction::Postgres(t) => Tx::Postgres(t),
        }
    }

    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        match self {
            WriteTransaction::Inline(mut t) => {
                t.turn
                    .as_mut()
                    .ok_or_else(closed)?
                    .execute_batch("COMMIT")?;
                t.committed = true;
                Ok(())
            }
            WriteTransaction::Postgres(t) => Ok(t.commit().await?),
        }
    }
}

impl Store {
    /// Opens a transaction that writes: on SQLite, once this process's turn has come and the
    /// file's write lock is taken (`BEGIN IMMEDIATE`, so that no statement of it meets another
    /// writer midway).
    pub(crate) async fn begin_write(&self) -> Result<WriteTransaction, StoreError> {
        match &self.db {
            Db::Sqlite { writer, .. } => {
                let mut turn = writer.turn().await;
                if turn.is_none() {
                    *turn = Some(crate::read::open(&writer.path, true)?);
                }
                let conn = turn.as_mut().ok_or_else(closed)?;
                if !conn.is_autocommit() {
                    // Left open by a write whose rollback failed.
                    conn.execute_batch("ROLLBACK")?;
                }
                let mut waited = Duration::ZERO;
                loop {
                    match conn.execute_batch("BEGIN IMMEDIATE") {
                        Ok(()) => break,
                        Err(e) if is_busy(&e) && waited < BUSY_WAIT => {
                            tokio::time::sleep(BUSY_STEP).await;
                            waited += BUSY_STEP;
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                Ok(WriteTransaction::Inline(InlineTx {
                    turn,
                    committed: false,
                }))
            }
            Db::Postgres(pool) => Ok(WriteTransaction::Postgres(pool.begin().await?)),
        }
    }

    /// One statement in its own transaction; the number of rows it changed.
    pub(crate) async fn write_one(
        &self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<u64, StoreError> {
        let mut write = self.begin_write().await?;
        let changed = write.tx().execute(sql, params).await?;
        write.commit().await?;
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (tempfile::TempDir, PathBuf, Store) {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("guichet.db");
        let store = Store::open_sqlite(&path).await.expect("open");
        store.migrate().await.expect("migrate");
        (dir, path, store)
    }

    async fn sessions(store: &Store) -> Vec<(String,)> {
        store
            .read_all("SELECT id FROM web_sessions ORDER BY id", &[])
            .await
            .expect("read")
    }

    fn insert(id: &str) -> (&'static str, [Param<'_>; 1]) {
        (
            "INSERT INTO web_sessions (id, csrf, data, created_at, last_seen_at) VALUES ($1, 'c', '{}', 0, 0)",
            [Param::Text(Some(id))],
        )
    }

    #[tokio::test]
    async fn a_write_waits_for_another_process_without_failing_and_then_lands() {
        let (_dir, path, store) = store().await;
        // Another process holds the file's write lock.
        let other = rusqlite::Connection::open(&path).expect("other connection");
        other.execute_batch("BEGIN IMMEDIATE").expect("lock");
        let writing = {
            let store = store.clone();
            tokio::spawn(async move {
                let (sql, params) = insert("a");
                store.write_one(sql, &params).await
            })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!writing.is_finished(), "the write went through a held lock");
        // Meanwhile the process reads.
        assert!(sessions(&store).await.is_empty());
        other.execute_batch("COMMIT").expect("unlock");
        assert_eq!(writing.await.expect("task").expect("write"), 1);
        assert_eq!(sessions(&store).await, [("a".to_owned(),)]);
    }

    #[tokio::test]
    async fn a_transaction_dropped_before_its_commit_leaves_nothing_and_the_next_one_works() {
        let (_dir, _path, store) = store().await;
        {
            let mut write = store.begin_write().await.expect("begin");
            let (sql, params) = insert("dropped");
            write.tx().execute(sql, &params).await.expect("insert");
        }
        assert!(sessions(&store).await.is_empty());
        let (sql, params) = insert("kept");
        store.write_one(sql, &params).await.expect("write");
        // The same id again is a duplicate, and leaves the first row alone.
        let again = store.write_one(sql, &params).await;
        assert!(matches!(
            crate::duplicate(again.expect_err("twice"), "session"),
            StoreError::Duplicate(_)
        ),);
        assert_eq!(sessions(&store).await, [("kept".to_owned(),)]);
    }

    #[tokio::test]
    async fn sqlx_writes_and_inline_writes_mixed_all_land() {
        let (_dir, _path, store) = store().await;
        let mut tasks = Vec::new();
        for i in 0..40 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let id = format!("s{i:02}");
                if i % 2 == 0 {
                    let (sql, params) = insert(&id);
                    store.write_one(sql, &params).await.map(|_| ())
                } else {
                    crate::with_pool!(store, write pool => {
                        sqlx::query(insert(&id).0).bind(&id).execute(pool).await?;
                    });
                    Ok(())
                }
            }));
        }
        for t in tasks {
            t.await.expect("task").expect("write");
        }
        assert_eq!(sessions(&store).await.len(), 40);
    }
}
