//! People. The whole domain value is kept as JSON; a few columns are copied out for search.

use chrono::{DateTime, Utc};
use guichet_domain::{Person, PersonId};
use sqlx::Row;

use crate::{Store, StoreError, duplicate_or, to_micros, with_pool};

/// Inserts a person; shared with the case-change transaction that registers a person with
/// their first case.
pub(crate) const INSERT_PERSON: &str =
    "INSERT INTO persons (id, family_name, given_name, birth_date, postcode, data, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// The columns of a person's row, in the order of [`INSERT_PERSON`] (without the time).
pub(crate) struct PersonColumns {
    pub id: String,
    pub family: String,
    pub given: String,
    pub birth_date: Option<String>,
    pub postcode: Option<String>,
    pub data: String,
}

impl PersonColumns {
    pub(crate) fn of(person: &Person) -> Result<Self, StoreError> {
        Ok(Self {
            id: person.id.to_string(),
            family: person.name.family().to_owned(),
            given: person.name.given().to_owned(),
            birth_date: person.birth_date.map(|d| d.to_string()),
            postcode: person
                .address
                .as_ref()
                .map(|a| a.postcode().as_str().to_owned()),
            data: serde_json::to_string(person).map_err(StoreError::corrupt)?,
        })
    }
}

impl Store {
    pub async fn insert_person(
        &self,
        person: &Person,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let what = format!("person {}", person.id);
        with_pool!(self, write pool => {
            let c = PersonColumns::of(person)?;
            sqlx::query(INSERT_PERSON)
            .bind(c.id)
            .bind(c.family)
            .bind(c.given)
            .bind(c.birth_date)
            .bind(c.postcode)
            .bind(c.data)
            .bind(to_micros(now))
            .execute(pool)
            .await
            .map_err(|e| duplicate_or(e, what))?;
        });
        Ok(())
    }

    pub async fn get_person(&self, id: PersonId) -> Result<Option<Person>, StoreError> {
        let data: Option<String> = with_pool!(self, pool => {
            sqlx::query("SELECT data FROM persons WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(pool)
                .await?
                .map(|r| r.try_get("data"))
                .transpose()?
        });
        data.map(|d| serde_json::from_str(&d).map_err(StoreError::corrupt))
            .transpose()
    }

    /// People by family then given name, at most `limit`.
    pub async fn list_persons(&self, limit: u32) -> Result<Vec<Person>, StoreError> {
        let rows: Vec<String> = with_pool!(self, pool => {
            sqlx::query("SELECT data FROM persons ORDER BY family_name, given_name LIMIT $1")
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| r.try_get("data"))
                .collect::<Result<_, _>>()?
        });
        rows.iter()
            .map(|d| serde_json::from_str(d).map_err(StoreError::corrupt))
            .collect()
    }

    /// Replaces what is known of a person (contact details, preferences). The caller records
    /// the change in the journal of the person's cases, through the case service.
    pub async fn update_person(&self, person: &Person) -> Result<(), StoreError> {
        let data = serde_json::to_string(person).map_err(StoreError::corrupt)?;
        let updated = with_pool!(self, write pool => {
            sqlx::query(
                "UPDATE persons SET family_name = $1, given_name = $2, birth_date = $3, postcode = $4, data = $5
                 WHERE id = $6",
            )
            .bind(person.name.family())
            .bind(person.name.given())
            .bind(person.birth_date.map(|d| d.to_string()))
            .bind(person.address.as_ref().map(|a| a.postcode().as_str().to_owned()))
            .bind(&data)
            .bind(person.id.to_string())
            .execute(pool)
            .await?
            .rows_affected()
        });
        if updated == 0 {
            return Err(StoreError::NotFound(format!("person {}", person.id)));
        }
        Ok(())
    }
}
