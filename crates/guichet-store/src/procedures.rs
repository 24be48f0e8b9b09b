//! Hosted procedures, stored per version. A published version never changes: cases filed
//! under it keep reading it.

use chrono::{DateTime, Utc};
use guichet_domain::{HostedProcedure, ProcedureId};
use sqlx::Row;

use crate::{Store, StoreError, duplicate_or, to_micros, with_pool};

impl Store {
    /// Publishes a procedure version. Publishing the same version again with the same content
    /// does nothing; with other content it is refused (publish a new version instead).
    pub async fn publish_procedure(
        &self,
        procedure: &HostedProcedure,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let definition = serde_json::to_string(procedure).map_err(StoreError::corrupt)?;
        if let Some(existing) = self
            .get_procedure(procedure.id(), Some(procedure.version()))
            .await?
        {
            return if &existing == procedure {
                Ok(())
            } else {
                Err(StoreError::Duplicate(format!(
                    "procedure {} version {}",
                    procedure.id(),
                    procedure.version()
                )))
            };
        }
        let what = format!(
            "procedure {} version {}",
            procedure.id(),
            procedure.version()
        );
        with_pool!(self, write pool => {
            sqlx::query(
                "INSERT INTO procedures (id, version, operator_id, title, definition, published_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(procedure.id().as_str())
            .bind(i64::from(procedure.version()))
            .bind(procedure.operator().as_str())
            .bind(procedure.title())
            .bind(&definition)
            .bind(to_micros(now))
            .execute(pool)
            .await
            .map_err(|e| duplicate_or(e, what))?;
        });
        Ok(())
    }

    /// A given version, or the latest when `version` is `None`.
    pub async fn get_procedure(
        &self,
        id: &ProcedureId,
        version: Option<u32>,
    ) -> Result<Option<HostedProcedure>, StoreError> {
        let definition: Option<String> = with_pool!(self, pool => {
            let row = match version {
                Some(v) => sqlx::query("SELECT definition FROM procedures WHERE id = $1 AND version = $2")
                    .bind(id.as_str())
                    .bind(i64::from(v))
                    .fetch_optional(pool)
                    .await?,
                None => sqlx::query("SELECT definition FROM procedures WHERE id = $1 ORDER BY version DESC LIMIT 1")
                    .bind(id.as_str())
                    .fetch_optional(pool)
                    .await?,
            };
            row.map(|r| r.try_get("definition")).transpose()?
        });
        definition
            .map(|d| serde_json::from_str(&d).map_err(StoreError::corrupt))
            .transpose()
    }

    /// The latest version of every procedure, by title.
    pub async fn list_procedures(&self) -> Result<Vec<HostedProcedure>, StoreError> {
        let definitions: Vec<String> = with_pool!(self, pool => {
            sqlx::query(
                "SELECT p.definition FROM procedures p
                 WHERE p.version = (SELECT MAX(q.version) FROM procedures q WHERE q.id = p.id)
                 ORDER BY p.title",
            )
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| r.try_get("definition"))
            .collect::<Result<_, _>>()?
        });
        definitions
            .iter()
            .map(|d| serde_json::from_str(d).map_err(StoreError::corrupt))
            .collect()
    }
}
