//! The procedure catalogue's tables: the source text of published definition versions, and the
//! national service-public.fr sheets.
//!
//! The store does not parse either: definitions are checked by `guichet-catalogue` before they
//! get here, and sheets arrive as JSON documents. What the store guarantees is immutability of
//! published versions and that a national import replaces the catalogue whole or not at all.

use chrono::{DateTime, Utc};
use guichet_domain::HostedProcedure;
use sqlx::Row;

use crate::{Store, StoreError, duplicate_or, from_micros, to_micros, with_pool};

/// What publishing a definition did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    /// A new version was stored.
    New,
    /// This exact version was already published: nothing changed.
    Unchanged,
}

/// One published definition version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionRow {
    pub procedure_id: String,
    pub version: u32,
    pub source: String,
    pub published_at: DateTime<Utc>,
}

/// One national sheet as stored: its id, title (for listings) and the full JSON document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    pub id: String,
    pub title: String,
    pub data: String,
}

/// The description of the current national catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueImport {
    /// The extract header (source, licence, package), as JSON.
    pub header: String,
    pub sheets: u64,
    pub imported_at: DateTime<Utc>,
}

/// Rows per INSERT statement when importing sheets (3 parameters each, far below both engines'
/// limits).
const SHEETS_PER_INSERT: usize = 200;

fn version_of(v: i64) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| StoreError::corrupt(format!("version {v}")))
}

impl Store {
    /// Publishes one version of a hosted procedure with the text of its definition file, in one
    /// transaction. The same version with the same text again changes nothing; with another
    /// text (or another compiled procedure) it is refused: publish a new version instead. Cases
    /// filed under an older version keep it.
    pub async fn publish_definition(
        &self,
        procedure: &HostedProcedure,
        source: &str,
        now: DateTime<Utc>,
    ) -> Result<Published, StoreError> {
        let what = format!(
            "procedure {} version {}",
            procedure.id(),
            procedure.version()
        );
        let compiled = serde_json::to_string(procedure).map_err(StoreError::corrupt)?;
        let id = procedure.id().as_str();
        let version = i64::from(procedure.version());
        let outcome = with_pool!(self, write pool => {
            let mut tx = pool.begin().await?;
            let existing_source: Option<String> = sqlx::query(
                "SELECT source FROM procedure_definitions WHERE procedure_id = $1 AND version = $2",
            )
            .bind(id)
            .bind(version)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get("source"))
            .transpose()?;
            let existing_compiled: Option<String> = sqlx::query(
                "SELECT definition FROM procedures WHERE id = $1 AND version = $2",
            )
            .bind(id)
            .bind(version)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get("definition"))
            .transpose()?;
            let same_compiled = match &existing_compiled {
                Some(json) => {
                    let stored: HostedProcedure =
                        serde_json::from_str(json).map_err(StoreError::corrupt)?;
                    Some(&stored == procedure)
                }
                None => None,
            };
            match (existing_source.as_deref(), same_compiled) {
                (Some(s), Some(true)) if s == source => Published::Unchanged,
                (Some(_), _) | (None, Some(false)) => {
                    return Err(StoreError::Duplicate(what));
                }
                (None, same) => {
                    if same.is_none() {
                        sqlx::query(
                            "INSERT INTO procedures (id, version, operator_id, title, definition, published_at)
                             VALUES ($1, $2, $3, $4, $5, $6)",
                        )
                        .bind(id)
                        .bind(version)
                        .bind(procedure.operator().as_str())
                        .bind(procedure.title())
                        .bind(&compiled)
                        .bind(to_micros(now))
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| duplicate_or(e, what.clone()))?;
                    }
                    sqlx::query(
                        "INSERT INTO procedure_definitions (procedure_id, version, source, published_at)
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(id)
                    .bind(version)
                    .bind(source)
                    .bind(to_micros(now))
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| duplicate_or(e, what.clone()))?;
                    tx.commit().await?;
                    Published::New
                }
            }
        });
        if matches!(outcome, Published::New) {
            self.changed(&crate::cache::Key::Procedures);
        }
        Ok(outcome)
    }

    /// One version of a definition, or the latest when `version` is `None`.
    pub async fn get_definition(
        &self,
        procedure_id: &str,
        version: Option<u32>,
    ) -> Result<Option<DefinitionRow>, StoreError> {
        let row = with_pool!(self, pool => {
            let row = match version {
                Some(v) => sqlx::query(
                    "SELECT procedure_id, version, source, published_at FROM procedure_definitions
                     WHERE procedure_id = $1 AND version = $2",
                )
                .bind(procedure_id)
                .bind(i64::from(v))
                .fetch_optional(pool)
                .await?,
                None => sqlx::query(
                    "SELECT procedure_id, version, source, published_at FROM procedure_definitions
                     WHERE procedure_id = $1 ORDER BY version DESC LIMIT 1",
                )
                .bind(procedure_id)
                .fetch_optional(pool)
                .await?,
            };
            row.map(|r| {
                Ok::<_, sqlx::Error>((
                    r.try_get::<String, _>("procedure_id")?,
                    r.try_get::<i64, _>("version")?,
                    r.try_get::<String, _>("source")?,
                    r.try_get::<i64, _>("published_at")?,
                ))
            })
            .transpose()?
        });
        row.map(|(procedure_id, version, source, at)| {
            Ok(DefinitionRow {
                procedure_id,
                version: version_of(version)?,
                source,
                published_at: from_micros(at)?,
            })
        })
        .transpose()
    }

    /// The latest version of every published definition, by procedure id.
    pub async fn latest_definitions(&self) -> Result<Vec<DefinitionRow>, StoreError> {
        let rows = with_pool!(self, pool => {
            sqlx::query(
                "SELECT d.procedure_id, d.version, d.source, d.published_at FROM procedure_definitions d
                 WHERE d.version = (SELECT MAX(e.version) FROM procedure_definitions e
                                    WHERE e.procedure_id = d.procedure_id)
                 ORDER BY d.procedure_id",
            )
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                Ok::<_, sqlx::Error>((
                    r.try_get::<String, _>("procedure_id")?,
                    r.try_get::<i64, _>("version")?,
                    r.try_get::<String, _>("source")?,
                    r.try_get::<i64, _>("published_at")?,
                ))
            })
            .collect::<Result<Vec<_>, _>>()?
        });
        rows.into_iter()
            .map(|(procedure_id, version, source, at)| {
                Ok(DefinitionRow {
                    procedure_id,
                    version: version_of(version)?,
                    source,
                    published_at: from_micros(at)?,
                })
            })
            .collect()
    }

    /// Replaces the whole national catalogue in one transaction: after an error, the previous
    /// catalogue is intact.
    pub async fn replace_sheets(
        &self,
        header: &str,
        sheets: &[SheetRow],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let count = i64::try_from(sheets.len()).map_err(StoreError::corrupt)?;
        with_pool!(self, write pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM catalogue_sheets").execute(&mut *tx).await?;
            for chunk in sheets.chunks(SHEETS_PER_INSERT) {
                let mut sql = String::from("INSERT INTO catalogue_sheets (id, title, data) VALUES ");
                for i in 0..chunk.len() {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3));
                }
                let mut q = sqlx::query(&sql);
                for s in chunk {
                    q = q.bind(&s.id).bind(&s.title).bind(&s.data);
                }
                q.execute(&mut *tx)
                    .await
                    .map_err(|e| duplicate_or(e, "national sheet"))?;
            }
            sqlx::query(
                "INSERT INTO catalogue_import (singleton, header, sheets, imported_at)
                 VALUES (1, $1, $2, $3)
                 ON CONFLICT (singleton) DO UPDATE
                 SET header = excluded.header, sheets = excluded.sheets, imported_at = excluded.imported_at",
            )
            .bind(header)
            .bind(count)
            .bind(to_micros(now))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Every national sheet, by id.
    pub async fn list_sheets(&self) -> Result<Vec<SheetRow>, StoreError> {
        let rows = with_pool!(self, pool => {
            sqlx::query("SELECT id, title, data FROM catalogue_sheets ORDER BY id")
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| {
                    Ok::<_, sqlx::Error>(SheetRow {
                        id: r.try_get("id")?,
                        title: r.try_get("title")?,
                        data: r.try_get("data")?,
                    })
                })
                .collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// The current national catalogue's description, if one was imported.
    pub async fn catalogue_import(&self) -> Result<Option<CatalogueImport>, StoreError> {
        let row = with_pool!(self, pool => {
            sqlx::query("SELECT header, sheets, imported_at FROM catalogue_import WHERE singleton = 1")
                .fetch_optional(pool)
                .await?
                .map(|r| {
                    Ok::<_, sqlx::Error>((
                        r.try_get::<String, _>("header")?,
                        r.try_get::<i64, _>("sheets")?,
                        r.try_get::<i64, _>("imported_at")?,
                    ))
                })
                .transpose()?
        });
        row.map(|(header, sheets, at)| {
            Ok(CatalogueImport {
                header,
                sheets: u64::try_from(sheets).map_err(StoreError::corrupt)?,
                imported_at: from_micros(at)?,
            })
        })
        .transpose()
    }
}
