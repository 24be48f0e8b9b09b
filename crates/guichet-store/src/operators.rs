//! Operators: the bodies in charge of procedures.

use chrono::{DateTime, Utc};
use guichet_domain::{Operator, OperatorId, OperatorKind};
use sqlx::Row;

use crate::cache::{Key, Value};
use crate::{Store, StoreError, to_micros, with_pool};

/// Who signs an operator's decisions by delegation: every decision nobody else signs (those
/// taken by silence), or every decision when `every_decision`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureDelegation {
    pub operator: OperatorId,
    /// « Pour le maire et par délégation ».
    pub mention: String,
    /// First name and name of the delegate.
    pub name: String,
    /// Their title (« Adjointe au maire chargée des affaires sociales »).
    pub title: String,
    pub every_decision: bool,
}

fn kind_code(kind: OperatorKind) -> Result<String, StoreError> {
    match serde_json::to_value(kind).map_err(StoreError::corrupt)? {
        serde_json::Value::String(s) => Ok(s),
        other => Err(StoreError::corrupt(other)),
    }
}

impl Store {
    /// Inserts or updates an operator.
    pub async fn save_operator(&self, operator: &Operator) -> Result<(), StoreError> {
        let kind = kind_code(operator.kind)?;
        with_pool!(self, write pool => {
            sqlx::query(
                "INSERT INTO operators (id, name, kind) VALUES ($1, $2, $3)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind",
            )
            .bind(operator.id.as_str())
            .bind(&operator.name)
            .bind(&kind)
            .execute(pool)
            .await?;
        });
        self.changed(&Key::Operators);
        Ok(())
    }

    pub async fn list_operators(&self) -> Result<Vec<Operator>, StoreError> {
        if let Some(Value::Operators(kept)) = self.cached(&Key::Operators) {
            return Ok(kept.as_ref().clone());
        }
        let ticket = self.ticket();
        let rows: Vec<(String, String, String)> = self
            .read_all("SELECT id, name, kind FROM operators ORDER BY name", &[])
            .await?;
        let operators = rows
            .into_iter()
            .map(|(id, name, kind)| {
                Ok(Operator {
                    id: OperatorId::parse(&id).map_err(StoreError::corrupt)?,
                    name,
                    kind: serde_json::from_value(serde_json::Value::String(kind))
                        .map_err(StoreError::corrupt)?,
                })
            })
            .collect::<Result<Vec<Operator>, StoreError>>()?;
        let value = Value::Operators(std::sync::Arc::new(operators.clone()));
        self.keep(Key::Operators, value, ticket);
        Ok(operators)
    }

    /// Records (or replaces) an operator's signature delegation.
    pub async fn set_signature_delegation(
        &self,
        d: &SignatureDelegation,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            sqlx::query(
                "INSERT INTO operator_signatures
                     (operator_id, mention, name, title, every_decision, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (operator_id) DO UPDATE SET mention = excluded.mention,
                     name = excluded.name, title = excluded.title,
                     every_decision = excluded.every_decision, updated_at = excluded.updated_at",
            )
            .bind(d.operator.as_str())
            .bind(&d.mention)
            .bind(&d.name)
            .bind(&d.title)
            .bind(i64::from(d.every_decision))
            .bind(to_micros(now))
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// An operator's signature delegation, if one is recorded.
    pub async fn signature_delegation(
        &self,
        operator: &OperatorId,
    ) -> Result<Option<SignatureDelegation>, StoreError> {
        let row = with_pool!(self, pool => {
            sqlx::query(
                "SELECT mention, name, title, every_decision FROM operator_signatures
                 WHERE operator_id = $1",
            )
            .bind(operator.as_str())
            .fetch_optional(pool)
            .await?
            .map(|r| -> Result<_, sqlx::Error> {
                Ok((
                    r.try_get::<String, _>("mention")?,
                    r.try_get::<String, _>("name")?,
                    r.try_get::<String, _>("title")?,
                    r.try_get::<i64, _>("every_decision")?,
                ))
            })
            .transpose()?
        });
        Ok(
            row.map(|(mention, name, title, every)| SignatureDelegation {
                operator: operator.clone(),
                mention,
                name,
                title,
                every_decision: every != 0,
            }),
        )
    }

    /// Removes an operator's signature delegation; whether there was one.
    pub async fn clear_signature_delegation(
        &self,
        operator: &OperatorId,
    ) -> Result<bool, StoreError> {
        let done = with_pool!(self, write pool => {
            sqlx::query("DELETE FROM operator_signatures WHERE operator_id = $1")
                .bind(operator.as_str())
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(done > 0)
    }
}
