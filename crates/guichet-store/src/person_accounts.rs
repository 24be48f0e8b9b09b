//! Accounts of the public: an email address and a password to see all one's cases, if the
//! person wants one. The store keeps what it is given: password hashes come hashed (argon2id,
//! `guichet-auth`), link tokens come as the SHA-256 of the token sent. Failures are counted
//! here in single statements so that servers sharing the database count together, as for staff
//! accounts (`agents.rs`).
//!
//! An account links cases; it never changes them. Deleting an account deletes its links and
//! its tokens in one transaction; the cases stay as they are.

use chrono::{DateTime, Utc};
use sqlx::Row;
use uuid::Uuid;

use crate::{Store, StoreError, from_micros, to_micros, with_pool};

/// A person's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonAccount {
    pub id: Uuid,
    /// Lower case.
    pub email: String,
    pub password_hash: String,
    pub verified_at: Option<DateTime<Utc>>,
    pub failed_attempts: u32,
    pub locked_until: Option<DateTime<Utc>>,
    /// Raised when the password changes; a session remembers the generation it signed in at.
    pub generation: i64,
    pub created_at: DateTime<Utc>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
}

/// What a link sent by email is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// Confirms the email address.
    Verify,
    /// Lets the person choose a new password.
    Reset,
}

impl TokenPurpose {
    fn code(self) -> &'static str {
        match self {
            Self::Verify => "verify",
            Self::Reset => "reset",
        }
    }
}

/// How a case came into an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkedHow {
    /// Submitted online while signed in.
    Online,
    /// Added with its reference and follow-up code.
    Code,
    /// The demonstration data.
    Demo,
}

impl LinkedHow {
    fn code(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Code => "code",
            Self::Demo => "demo",
        }
    }
}

const COLUMNS: &str = "id, email, password_hash, verified_at, failed_attempts, locked_until, \
     generation, created_at, last_sign_in_at";

/// Reads a [`PersonAccount`] from a row of either engine (a macro: the row types differ).
macro_rules! account_row {
    ($r:expr) => {{
        let id: String = $r.try_get("id")?;
        let verified: Option<i64> = $r.try_get("verified_at")?;
        let failed: i64 = $r.try_get("failed_attempts")?;
        let locked: Option<i64> = $r.try_get("locked_until")?;
        let last: Option<i64> = $r.try_get("last_sign_in_at")?;
        PersonAccount {
            id: id.parse().map_err(StoreError::corrupt)?,
            email: $r.try_get("email")?,
            password_hash: $r.try_get("password_hash")?,
            verified_at: verified.map(from_micros).transpose()?,
            failed_attempts: u32::try_from(failed).unwrap_or(u32::MAX),
            locked_until: locked.map(from_micros).transpose()?,
            generation: $r.try_get("generation")?,
            created_at: from_micros($r.try_get("created_at")?)?,
            last_sign_in_at: last.map(from_micros).transpose()?,
        }
    }};
}

impl Store {
    /// Creates an account; an address already taken is [`StoreError::Duplicate`].
    pub async fn insert_person_account(&self, a: &PersonAccount) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            sqlx::query(&format!(
                "INSERT INTO person_accounts ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            ))
            .bind(a.id.to_string())
            .bind(a.email.trim().to_lowercase())
            .bind(&a.password_hash)
            .bind(a.verified_at.map(to_micros))
            .bind(i64::from(a.failed_attempts))
            .bind(a.locked_until.map(to_micros))
            .bind(a.generation)
            .bind(to_micros(a.created_at))
            .bind(a.last_sign_in_at.map(to_micros))
            .execute(pool)
            .await
            .map_err(|e| crate::duplicate_or(e, "compte"))?;
        });
        Ok(())
    }

    pub async fn get_person_account(&self, id: Uuid) -> Result<Option<PersonAccount>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM person_accounts WHERE id = $1");
        let row = with_pool!(self, pool => {
            sqlx::query(&sql)
                .bind(id.to_string())
                .fetch_optional(pool)
                .await?
                .map(|r| -> Result<PersonAccount, StoreError> { Ok(account_row!(r)) })
                .transpose()?
        });
        Ok(row)
    }

    /// The account of `email` (compared in lower case).
    pub async fn person_account_by_email(
        &self,
        email: &str,
    ) -> Result<Option<PersonAccount>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM person_accounts WHERE email = $1");
        let row = with_pool!(self, pool => {
            sqlx::query(&sql)
                .bind(email.trim().to_lowercase())
                .fetch_optional(pool)
                .await?
                .map(|r| -> Result<PersonAccount, StoreError> { Ok(account_row!(r)) })
                .transpose()?
        });
        Ok(row)
    }

    /// Counts a wrong password; at `max` failures the account is locked until `lock_until` and
    /// the count starts again. Returns the lock, if the account is now locked.
    pub async fn record_person_account_failure(
        &self,
        id: Uuid,
        max: u32,
        lock_until: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.count_wrong_password("person_accounts", &id.to_string(), max, lock_until)
            .await
    }

    /// A successful sign-in: failures forgotten, the lock lifted, the time kept.
    pub async fn person_account_signed_in(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            sqlx::query(
                "UPDATE person_accounts SET failed_attempts = 0, locked_until = NULL, last_sign_in_at = $1 WHERE id = $2",
            )
            .bind(to_micros(now))
            .bind(id.to_string())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Records a wrong sign-in from `client` (a network address), and forgets those before
    /// `forget_before`: an address is personal data, kept only while it counts.
    pub async fn record_sign_in_failure(
        &self,
        client: &str,
        now: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM person_sign_in_failures WHERE at < $1")
                .bind(to_micros(forget_before))
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO person_sign_in_failures (client, at) VALUES ($1, $2)")
                .bind(client)
                .bind(to_micros(now))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Takes one of the `max` account emails an address may receive since `since`: `true`
    /// (and counted) when one is left, `false` when the address had them all. Forgets what
    /// happened before `since` (the digest of an address is still about a person).
    pub async fn claim_account_mail(
        &self,
        address_digest: &str,
        now: DateTime<Utc>,
        since: DateTime<Utc>,
        max: u64,
    ) -> Result<bool, StoreError> {
        let claimed = with_pool!(self, write pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM person_account_mails WHERE at < $1")
                .bind(to_micros(since))
                .execute(&mut *tx)
                .await?;
            let sent: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM person_account_mails WHERE address_digest = $1",
            )
            .bind(address_digest)
            .fetch_one(&mut *tx)
            .await?;
            let claimed = u64::try_from(sent).unwrap_or(u64::MAX) < max;
            if claimed {
                sqlx::query("INSERT INTO person_account_mails (address_digest, at) VALUES ($1, $2)")
                    .bind(address_digest)
                    .bind(to_micros(now))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            claimed
        });
        Ok(claimed)
    }

    /// The wrong sign-ins from `client` since `since`: how many, and the oldest.
    pub async fn sign_in_failures(
        &self,
        client: &str,
        since: DateTime<Utc>,
    ) -> Result<(u64, Option<DateTime<Utc>>), StoreError> {
        let (count, oldest): (i64, Option<i64>) = with_pool!(self, pool => {
            let r = sqlx::query(
                "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM person_sign_in_failures
                 WHERE client = $1 AND at >= $2",
            )
            .bind(client)
            .bind(to_micros(since))
            .fetch_one(pool)
            .await?;
            (r.try_get("n")?, r.try_get("oldest")?)
        });
        Ok((
            u64::try_from(count).unwrap_or(0),
            oldest.map(from_micros).transpose()?,
        ))
    }

    /// Stores a link token (its SHA-256) for an account.
    pub async fn insert_person_account_token(
        &self,
        digest: &str,
        account: Uuid,
        purpose: TokenPurpose,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            sqlx::query(
                "INSERT INTO person_account_tokens (id, account_id, purpose, expires_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(digest)
            .bind(account.to_string())
            .bind(purpose.code())
            .bind(to_micros(expires_at))
            .execute(pool)
            .await
            .map_err(|e| crate::duplicate_or(e, "jeton"))?;
        });
        Ok(())
    }

    /// The account a live token (unused, unexpired, of `purpose`) belongs to, without using it.
    pub async fn peek_person_account_token(
        &self,
        digest: &str,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<Uuid>, StoreError> {
        let id: Option<String> = with_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT account_id FROM person_account_tokens
                 WHERE id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
            )
            .bind(digest)
            .bind(purpose.code())
            .bind(to_micros(now))
            .fetch_optional(pool)
            .await?
        });
        id.map(|i| i.parse().map_err(StoreError::corrupt))
            .transpose()
    }

    /// Uses a live token once: the first call returns its account, every later one `None`
    /// (one statement, so two servers cannot both use it). Using a verification or reset
    /// token confirms the address (the person opened the mail); a reset also sets
    /// `new_password_hash`, lifts the lock, raises the generation (sessions signed in before are
    /// over) and uses the account's other reset tokens.
    pub async fn use_person_account_token(
        &self,
        digest: &str,
        purpose: TokenPurpose,
        new_password_hash: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<Uuid>, StoreError> {
        let now = to_micros(now);
        let account: Option<String> = with_pool!(self, write pool => {
            let mut tx = pool.begin().await?;
            let account: Option<String> = sqlx::query_scalar(
                "UPDATE person_account_tokens SET used_at = $1
                 WHERE id = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1
                 RETURNING account_id",
            )
            .bind(now)
            .bind(digest)
            .bind(purpose.code())
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(account) = &account {
                sqlx::query(
                    "UPDATE person_accounts SET verified_at = COALESCE(verified_at, $1) WHERE id = $2",
                )
                .bind(now)
                .bind(account)
                .execute(&mut *tx)
                .await?;
                if let Some(hash) = new_password_hash {
                    sqlx::query(
                        "UPDATE person_accounts SET password_hash = $1, failed_attempts = 0,
                           locked_until = NULL, generation = generation + 1 WHERE id = $2",
                    )
                    .bind(hash)
                    .bind(account)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "UPDATE person_account_tokens SET used_at = $1
                         WHERE account_id = $2 AND purpose = $3 AND used_at IS NULL",
                    )
                    .bind(now)
                    .bind(account)
                    .bind(purpose.code())
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
            account
        });
        account
            .map(|a| a.parse().map_err(StoreError::corrupt))
            .transpose()
    }

    /// Links a case to an account (linking it again changes nothing). Returns whether it is new.
    pub async fn link_case_to_account(
        &self,
        account: Uuid,
        reference: &str,
        how: LinkedHow,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let n = with_pool!(self, write pool => {
            sqlx::query(
                "INSERT INTO person_account_cases (account_id, case_reference, how, linked_at)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, case_reference) DO NOTHING",
            )
            .bind(account.to_string())
            .bind(reference)
            .bind(how.code())
            .bind(to_micros(now))
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Removes a case from an account (the case itself stays). Returns whether it was linked.
    pub async fn unlink_case_from_account(
        &self,
        account: Uuid,
        reference: &str,
    ) -> Result<bool, StoreError> {
        let n = with_pool!(self, write pool => {
            sqlx::query(
                "DELETE FROM person_account_cases WHERE account_id = $1 AND case_reference = $2",
            )
            .bind(account.to_string())
            .bind(reference)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Whether `reference` is linked to `account`.
    pub async fn account_has_case(
        &self,
        account: Uuid,
        reference: &str,
    ) -> Result<bool, StoreError> {
        let n: i64 = with_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM person_account_cases WHERE account_id = $1 AND case_reference = $2",
            )
            .bind(account.to_string())
            .bind(reference)
            .fetch_one(pool)
            .await?
        });
        Ok(n > 0)
    }

    /// The references linked to an account, the latest linked first.
    pub async fn account_cases(&self, account: Uuid) -> Result<Vec<String>, StoreError> {
        let refs = with_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT case_reference FROM person_account_cases WHERE account_id = $1
                 ORDER BY linked_at DESC, case_reference",
            )
            .bind(account.to_string())
            .fetch_all(pool)
            .await?
        });
        Ok(refs)
    }

    /// Deletes an account with its links and tokens, in one transaction; its cases stay.
    pub async fn delete_person_account(&self, account: Uuid) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            let mut tx = pool.begin().await?;
            for sql in [
                "DELETE FROM person_account_cases WHERE account_id = $1",
                "DELETE FROM person_account_tokens WHERE account_id = $1",
                "DELETE FROM person_accounts WHERE id = $1",
            ] {
                sqlx::query(sql)
                    .bind(account.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
