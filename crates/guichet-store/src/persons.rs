//! People. The whole domain value is kept as JSON; a few columns are copied out for search.

use chrono::{DateTime, Utc};
use guichet_domain::{OperatorId, Person, PersonId};
use sqlx::Row;

#[allow(unused_imports)]
use crate::outbox::CaseChange;
use crate::read::Param;
use crate::{Store, StoreError, duplicate_or, to_micros, with_pool};

/// Inserts a person; shared with the case-change transaction that registers a person with
/// their first case.
pub(crate) const INSERT_PERSON: &str =
    "INSERT INTO persons (id, family_name, given_name, birth_date, postcode, data, created_at, search_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// Updates a person's row (`$6` is the id); shared with the case-change transaction that
/// records the change in a case's journal.
pub(crate) const UPDATE_PERSON: &str =
    "UPDATE persons SET family_name = $1, given_name = $2, birth_date = $3, postcode = $4, data = $5,
       search_key = $7
     WHERE id = $6";

/// The columns of a person's row, in the order of [`INSERT_PERSON`] (without the time).
pub(crate) struct PersonColumns {
    pub id: String,
    pub family: String,
    pub given: String,
    pub birth_date: Option<String>,
    pub postcode: Option<String>,
    pub data: String,
    /// Bound after the time: the folded name agents search on.
    pub search_key: String,
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
            search_key: person.name.search_key(),
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
            .bind(c.search_key)
            .execute(pool)
            .await
            .map_err(|e| duplicate_or(e, what))?;
        });
        Ok(())
    }

    pub async fn get_person(&self, id: PersonId) -> Result<Option<Person>, StoreError> {
        let id = id.to_string();
        let key = crate::cache::Key::Person(id.clone());
        if let Some(crate::cache::Value::Person(p)) = self.cached(&key) {
            return Ok(Some(p.as_ref().clone()));
        }
        let ticket = self.ticket();
        let data: Option<(String,)> = self
            .read_optional(
                "SELECT data FROM persons WHERE id = $1",
                &[Param::Text(Some(&id))],
            )
            .await?;
        let person: Option<Person> = data
            .map(|(d,)| serde_json::from_str(&d).map_err(StoreError::corrupt))
            .transpose()?;
        if let Some(p) = &person {
            let value = crate::cache::Value::Person(std::sync::Arc::new(p.clone()));
            self.keep(key, value, ticket);
        }
        Ok(person)
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

    /// Replaces what is known of a person (contact details, preferences). A change to record
    /// in a case's journal goes with its event instead ([`CaseChange::changed_person`], through
    /// the case service).
    pub async fn update_person(&self, person: &Person) -> Result<(), StoreError> {
        let key = crate::cache::Key::Person(person.id.to_string());
        let mut write = self.begin_write().await?;
        let mut tx = write.tx();
        let updated = update_person_in(&mut tx, person).await?;
        if updated == 0 {
            return Err(StoreError::NotFound(format!("person {}", person.id)));
        }
        write.commit().await?;
        self.changed(&key);
        Ok(())
    }

    /// People an agent of `filter.operator` may find: known to that operator (registered at
    /// one of its counters, or with a case of its procedures) or, when
    /// `filter.include_unattached`, known to no operator yet. Narrowed by the folded name's
    /// prefix, other word starts, birth date and postcode when given; at most `filter.limit`,
    /// in the order of the folded name.
    pub async fn find_persons(&self, filter: &PersonFilter) -> Result<Vec<Person>, StoreError> {
        let keys = self.find_person_keys(filter).await?;
        let ids: Vec<PersonId> = keys.into_iter().map(|(id, _)| id).collect();
        self.get_persons(&ids).await
    }

    /// What [`Store::find_persons`] finds, as (id, folded name) only: enough to rank
    /// candidates without reading and decoding every person's record (the desk ranks a few
    /// hundred candidates and shows twenty; [`Store::get_persons`] reads those).
    pub async fn find_person_keys(
        &self,
        filter: &PersonFilter,
    ) -> Result<Vec<(PersonId, String)>, StoreError> {
        // A range on the indexed key rather than LIKE (which neither engine's index serves
        // here): [prefix, next) holds every key that starts with the prefix, in byte order
        // (SQLite) as in a locale's order (PostgreSQL); the caller ranks what comes back. The
        // statement names only the criteria given, so that the planner can use the indexes
        // (an `$n IS NULL OR …` would keep it from doing so).
        let mut binds: Vec<String> = Vec::new();
        let mut conditions: Vec<String> = Vec::new();
        let bind = |value: String, binds: &mut Vec<String>| {
            binds.push(value);
            format!("${}", binds.len())
        };
        if let Some(prefix) = &filter.name_prefix {
            let n = bind(prefix.clone(), &mut binds);
            conditions.push(format!("p.search_key >= {n}"));
            if let Some(next) = next_prefix(prefix) {
                let n = bind(next, &mut binds);
                conditions.push(format!("p.search_key < {n}"));
            }
        }
        // Every other word must start a word of the name (« % marie% » on « martin marie »).
        for word in &filter.other_words {
            let clean: String = word.chars().filter(|c| *c != '%' && *c != '_').collect();
            if clean.is_empty() {
                continue;
            }
            let n = bind(format!("% {clean}%"), &mut binds);
            conditions.push(format!("(' ' || p.search_key) LIKE {n}"));
        }
        if let Some(date) = filter.birth_date {
            let n = bind(date.to_string(), &mut binds);
            conditions.push(format!("p.birth_date = {n}"));
        }
        if let Some(postcode) = &filter.postcode {
            let n = bind(postcode.clone(), &mut binds);
            conditions.push(format!("p.postcode = {n}"));
        }
        let op = bind(filter.operator.as_str().to_owned(), &mut binds);
        let unattached = if filter.include_unattached {
            " OR (NOT EXISTS (SELECT 1 FROM person_operators po WHERE po.person_id = p.id LIMIT 1)
                  AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.person_id = p.id LIMIT 1))"
        } else {
            ""
        };
        conditions.push(format!(
            "(EXISTS (SELECT 1 FROM person_operators po WHERE po.person_id = p.id AND po.operator_id = {op} LIMIT 1)
              OR EXISTS (SELECT 1 FROM cases c
                         JOIN procedures pr ON pr.id = c.procedure_id AND pr.version = c.procedure_version
                         WHERE c.person_id = p.id AND pr.operator_id = {op} LIMIT 1){unattached})"
        ));
        let sql = format!(
            "SELECT p.id, p.search_key FROM persons p WHERE {} ORDER BY p.search_key, p.id LIMIT {}",
            conditions.join(" AND "),
            filter.limit
        );
        // On PostgreSQL, a name prefix is best served by walking the name index in order and
        // stopping at the limit; the planner, misjudging how many rows the scope and the other
        // words keep, would rather read the whole prefix range (5,000 rows for a common name)
        // and sort it — six times slower (`EXPLAIN ANALYZE`: 16 ms against 2.5 ms on 100,000
        // people). The `LIMIT 1` in the scope's `EXISTS` keeps them per-row probes of the
        // primary keys rather than hashes of a whole table. SQLite plans it well as it is.
        let ordered_walk = filter.name_prefix.is_some();
        let rows: Vec<(String, Option<String>)> = match &self.db {
            crate::Db::Postgres(pool) if ordered_walk => {
                let mut tx = pool.begin().await?;
                sqlx::query("SET LOCAL enable_bitmapscan = off")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("SET LOCAL enable_sort = off")
                    .execute(&mut *tx)
                    .await?;
                let mut query = sqlx::query(&sql);
                for b in &binds {
                    query = query.bind(b);
                }
                let rows = query
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|r| Ok((r.try_get("id")?, r.try_get("search_key")?)))
                    .collect::<Result<_, sqlx::Error>>()?;
                tx.commit().await?;
                rows
            }
            _ => with_pool!(self, pool => {
                let mut query = sqlx::query(&sql);
                for b in &binds {
                    query = query.bind(b);
                }
                query
                    .fetch_all(pool)
                    .await?
                    .iter()
                    .map(|r| Ok((r.try_get("id")?, r.try_get("search_key")?)))
                    .collect::<Result<_, sqlx::Error>>()?
            }),
        };
        rows.into_iter()
            .map(|(id, key)| {
                Ok((
                    id.parse().map_err(StoreError::corrupt)?,
                    key.unwrap_or_default(),
                ))
            })
            .collect()
    }

    /// The people `ids`, in that order (unknown ids are skipped).
    pub async fn get_persons(&self, ids: &[PersonId]) -> Result<Vec<Person>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, data FROM persons WHERE id IN ({})",
            placeholders.join(", ")
        );
        let rows: Vec<(String, String)> = with_pool!(self, pool => {
            let mut query = sqlx::query(&sql);
            for id in ids {
                query = query.bind(id.to_string());
            }
            query
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("id")?, r.try_get("data")?)))
                .collect::<Result<_, sqlx::Error>>()?
        });
        let mut by_id: std::collections::HashMap<String, String> = rows.into_iter().collect();
        ids.iter()
            .filter_map(|id| by_id.remove(&id.to_string()))
            .map(|d| serde_json::from_str(&d).map_err(StoreError::corrupt))
            .collect()
    }

    /// The operators a person is known to: where they were registered and those in charge
    /// of their cases' procedures.
    pub async fn person_operators(&self, id: PersonId) -> Result<Vec<OperatorId>, StoreError> {
        let rows: Vec<String> = with_pool!(self, pool => {
            sqlx::query(
                "SELECT operator_id FROM person_operators WHERE person_id = $1
                 UNION
                 SELECT pr.operator_id FROM cases c
                 JOIN procedures pr ON pr.id = c.procedure_id AND pr.version = c.procedure_version
                 WHERE c.person_id = $1
                 ORDER BY 1",
            )
            .bind(id.to_string())
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?
        });
        rows.iter()
            .map(|o| OperatorId::parse(o).map_err(StoreError::corrupt))
            .collect()
    }

    /// Records that a person is known to `operator` (registered at its counter); idempotent.
    pub async fn attach_person(
        &self,
        id: PersonId,
        operator: &OperatorId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            sqlx::query(
                "INSERT INTO person_operators (person_id, operator_id, since) VALUES ($1, $2, $3)
                 ON CONFLICT (person_id, operator_id) DO NOTHING",
            )
            .bind(id.to_string())
            .bind(operator.as_str())
            .bind(to_micros(now))
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Fills the search key of rows written before it existed; returns how many.
    pub async fn fill_person_search_keys(&self) -> Result<u64, StoreError> {
        let rows: Vec<String> = with_pool!(self, pool => {
            sqlx::query("SELECT data FROM persons WHERE search_key IS NULL")
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| r.try_get("data"))
                .collect::<Result<_, _>>()?
        });
        let mut n = 0;
        for d in rows {
            let person: Person = serde_json::from_str(&d).map_err(StoreError::corrupt)?;
            with_pool!(self, write pool => {
                sqlx::query("UPDATE persons SET search_key = $1 WHERE id = $2")
                    .bind(person.name.search_key())
                    .bind(person.id.to_string())
                    .execute(pool)
                    .await?;
            });
            n += 1;
        }
        Ok(n)
    }
}

/// What an agent's search for people is narrowed by (see [`Store::find_persons`]).
#[derive(Debug, Clone)]
pub struct PersonFilter {
    pub operator: OperatorId,
    pub include_unattached: bool,
    /// The start of the folded name (`guichet_domain::fold_name`).
    pub name_prefix: Option<String>,
    /// Folded word starts that must each begin a word of the name (the other words typed).
    pub other_words: Vec<String>,
    pub birth_date: Option<chrono::NaiveDate>,
    pub postcode: Option<String>,
    pub limit: u32,
}

/// The smallest string above every string that starts with `prefix` (folded keys: ASCII
/// letters, digits and spaces): its last incrementable letter or digit, plus one — « ma » →
/// « mb », « az » → « b »; `None` when there is none (« zz »).
fn next_prefix(prefix: &str) -> Option<String> {
    let chars: Vec<char> = prefix.chars().collect();
    for i in (0..chars.len()).rev() {
        let c = chars[i];
        if ('a'..='y').contains(&c) || ('0'..='8').contains(&c) {
            let mut out: String = chars[..i].iter().collect();
            out.push(char::from(c as u8 + 1));
            return Some(out);
        }
    }
    None
}

/// Runs [`UPDATE_PERSON`] in a transaction; the number of rows changed (0: no such person).
pub(crate) async fn update_person_in(
    tx: &mut crate::write::Tx<'_>,
    person: &Person,
) -> Result<u64, StoreError> {
    let c = PersonColumns::of(person)?;
    tx.execute(
        UPDATE_PERSON,
        &[
            Param::Text(Some(&c.family)),
            Param::Text(Some(&c.given)),
            Param::Text(c.birth_date.as_deref()),
            Param::Text(c.postcode.as_deref()),
            Param::Text(Some(&c.data)),
            Param::Text(Some(&c.id)),
            Param::Text(Some(&c.search_key)),
        ],
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::next_prefix;

    #[test]
    fn the_next_prefix_bounds_every_key_that_starts_with_the_prefix() {
        assert_eq!(next_prefix("ma").as_deref(), Some("mb"));
        assert_eq!(next_prefix("az").as_deref(), Some("b"));
        assert_eq!(next_prefix("a9").as_deref(), Some("b"));
        assert_eq!(next_prefix("zz"), None);
        for key in ["ma", "martin jean", "mazzz", "ma zz"] {
            assert!(key >= "ma" && key < next_prefix("ma").unwrap().as_str());
        }
    }
}
