//! Operators: the bodies in charge of procedures.

use guichet_domain::{Operator, OperatorId, OperatorKind};
use sqlx::Row;

use crate::{Store, StoreError, with_pool};

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
        Ok(())
    }

    pub async fn list_operators(&self) -> Result<Vec<Operator>, StoreError> {
        let rows = with_pool!(self, pool => {
            let rows = sqlx::query("SELECT id, name, kind FROM operators ORDER BY name")
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|r| Ok((r.try_get::<String, _>("id")?, r.try_get::<String, _>("name")?, r.try_get::<String, _>("kind")?)))
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        rows.into_iter()
            .map(|(id, name, kind)| {
                Ok(Operator {
                    id: OperatorId::parse(&id).map_err(StoreError::corrupt)?,
                    name,
                    kind: serde_json::from_value(serde_json::Value::String(kind))
                        .map_err(StoreError::corrupt)?,
                })
            })
            .collect()
    }
}
