//! Hosted procedures, stored per version. A published version never changes: cases filed
//! under it keep reading it.

use chrono::{DateTime, Utc};
use guichet_domain::{HostedProcedure, ProcedureId};

use crate::cache::{Key, Value};
use crate::read::Param;
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
        self.changed(&Key::Procedures);
        Ok(())
    }

    /// A given version, or the latest when `version` is `None`.
    pub async fn get_procedure(
        &self,
        id: &ProcedureId,
        version: Option<u32>,
    ) -> Result<Option<HostedProcedure>, StoreError> {
        if version.is_none()
            && let Some(Value::Procedures(latest)) = self.cached(&Key::Procedures)
        {
            return Ok(latest.iter().find(|p| p.id() == id).cloned());
        }
        let id = id.as_str();
        let definition: Option<(String,)> = match version {
            Some(v) => {
                self.read_optional(
                    "SELECT definition FROM procedures WHERE id = $1 AND version = $2",
                    &[Param::Text(Some(id)), Param::Int(Some(i64::from(v)))],
                )
                .await?
            }
            None => {
                self.read_optional(
                    "SELECT definition FROM procedures WHERE id = $1 ORDER BY version DESC LIMIT 1",
                    &[Param::Text(Some(id))],
                )
                .await?
            }
        };
        definition
            .map(|(d,)| serde_json::from_str(&d).map_err(StoreError::corrupt))
            .transpose()
    }

    /// The latest version of every procedure, by title.
    pub async fn list_procedures(&self) -> Result<Vec<HostedProcedure>, StoreError> {
        if let Some(Value::Procedures(kept)) = self.cached(&Key::Procedures) {
            return Ok(kept.as_ref().clone());
        }
        let ticket = self.ticket();
        let definitions: Vec<(String,)> = self
            .read_all(
                "SELECT p.definition FROM procedures p
                 WHERE p.version = (SELECT MAX(q.version) FROM procedures q WHERE q.id = p.id)
                 ORDER BY p.title",
                &[],
            )
            .await?;
        let procedures = definitions
            .iter()
            .map(|(d,)| serde_json::from_str(d).map_err(StoreError::corrupt))
            .collect::<Result<Vec<HostedProcedure>, StoreError>>()?;
        let value = Value::Procedures(std::sync::Arc::new(procedures.clone()));
        self.keep(Key::Procedures, value, ticket);
        Ok(procedures)
    }
}
