//! Staff accounts, their sessions and the security journal.
//!
//! The store keeps what it is given: password hashes come hashed (argon2id, `guichet-auth`),
//! session ids come as the SHA-256 of the cookie's secret. Counting failures and locking is
//! done here in single statements so that two servers sharing the database count together.

use chrono::{DateTime, Utc};
use guichet_domain::{AgentId, OperatorId, StaffRole};
use sqlx::Row;

use crate::{Store, StoreError, from_micros, to_micros, with_pool};

/// A staff account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentAccount {
    pub id: AgentId,
    /// Lower case; what the agent types to sign in.
    pub login: String,
    pub display_name: String,
    /// Printed under a signature (« Instructrice, CCAS de Saint-Clair-sur-Lys »).
    pub title: String,
    pub role: StaffRole,
    pub operator: OperatorId,
    pub place: Option<String>,
    pub password_hash: String,
    /// Base32 TOTP secret, once enrolled.
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    pub failed_attempts: u32,
    pub locked_until: Option<DateTime<Utc>>,
    pub suspended: bool,
    pub created_at: DateTime<Utc>,
}

/// Where a staff session is in signing in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    /// The password was right; the second factor is pending.
    Password,
    /// First sign-in: the authenticator is being enrolled.
    Enrol,
    SignedIn,
}

impl SessionStage {
    fn code(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::Enrol => "enrol",
            Self::SignedIn => "signed_in",
        }
    }
    fn parse(code: &str) -> Result<Self, StoreError> {
        match code {
            "password" => Ok(Self::Password),
            "enrol" => Ok(Self::Enrol),
            "signed_in" => Ok(Self::SignedIn),
            other => Err(StoreError::Corrupt(format!("étape de session {other:?}"))),
        }
    }
}

/// A staff session. The cookie holds a secret whose SHA-256 is `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentSession {
    pub id: String,
    pub agent_id: AgentId,
    pub csrf: String,
    pub stage: SessionStage,
    pub pending_secret: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// One line of the security journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityEvent {
    pub at: DateTime<Utc>,
    pub agent_id: Option<AgentId>,
    pub login: String,
    /// `sign_in`, `sign_in_failed`, `second_factor_failed`, `locked`, `sign_out`, `enrolled`,
    /// `access_refused`, `account_created`, `account_suspended`, `account_reactivated`,
    /// `account_reset`.
    pub event: String,
    pub detail: String,
}

const ACCOUNT_COLUMNS: &str = "id, login, display_name, title, role, operator_id, place, \
     password_hash, totp_secret, totp_last_step, failed_attempts, locked_until, suspended, \
     created_at";

/// An account row as stored, read the same way from either engine.
struct RawAccount {
    id: String,
    login: String,
    display_name: String,
    title: String,
    role: String,
    operator: String,
    place: Option<String>,
    password_hash: String,
    totp_secret: Option<String>,
    totp_last_step: Option<i64>,
    failed_attempts: i64,
    locked_until: Option<i64>,
    suspended: i64,
    created_at: i64,
}

/// Reads a [`RawAccount`] from a row of either engine (a macro: the row types differ).
macro_rules! raw_account {
    ($r:expr) => {
        RawAccount {
            id: $r.try_get("id")?,
            login: $r.try_get("login")?,
            display_name: $r.try_get("display_name")?,
            title: $r.try_get("title")?,
            role: $r.try_get("role")?,
            operator: $r.try_get("operator_id")?,
            place: $r.try_get("place")?,
            password_hash: $r.try_get("password_hash")?,
            totp_secret: $r.try_get("totp_secret")?,
            totp_last_step: $r.try_get("totp_last_step")?,
            failed_attempts: $r.try_get("failed_attempts")?,
            locked_until: $r.try_get("locked_until")?,
            suspended: $r.try_get("suspended")?,
            created_at: $r.try_get("created_at")?,
        }
    };
}

impl RawAccount {
    fn account(self) -> Result<AgentAccount, StoreError> {
        let id = self.id;
        let role = self.role;
        let operator = self.operator;
        Ok(AgentAccount {
            id: id
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("identifiant d’agent {id:?}")))?,
            login: self.login,
            display_name: self.display_name,
            title: self.title,
            role: StaffRole::parse(&role)
                .ok_or_else(|| StoreError::Corrupt(format!("rôle {role:?}")))?,
            operator: OperatorId::parse(&operator)
                .map_err(|_| StoreError::Corrupt(format!("organisme {operator:?}")))?,
            place: self.place,
            password_hash: self.password_hash,
            totp_secret: self.totp_secret,
            totp_last_step: self.totp_last_step,
            failed_attempts: u32::try_from(self.failed_attempts).unwrap_or(u32::MAX),
            locked_until: self.locked_until.map(from_micros).transpose()?,
            suspended: self.suspended != 0,
            created_at: from_micros(self.created_at)?,
        })
    }
}

impl Store {
    /// Creates an account; a login already taken is [`StoreError::Duplicate`].
    pub async fn insert_agent(&self, a: &AgentAccount) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            sqlx::query(&format!(
                "INSERT INTO agent_accounts ({ACCOUNT_COLUMNS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
            ))
            .bind(a.id.to_string())
            .bind(&a.login)
            .bind(&a.display_name)
            .bind(&a.title)
            .bind(a.role.code())
            .bind(a.operator.as_str())
            .bind(&a.place)
            .bind(&a.password_hash)
            .bind(&a.totp_secret)
            .bind(a.totp_last_step)
            .bind(i64::from(a.failed_attempts))
            .bind(a.locked_until.map(to_micros))
            .bind(i64::from(a.suspended))
            .bind(to_micros(a.created_at))
            .execute(pool)
            .await
            .map_err(|e| crate::duplicate_or(e, "compte"))?;
        });
        Ok(())
    }

    pub async fn get_agent(&self, id: AgentId) -> Result<Option<AgentAccount>, StoreError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM agent_accounts WHERE id = $1");
        let row: Option<RawAccount> = with_pool!(self, pool => {
            sqlx::query(&sql)
                .bind(id.to_string())
                .fetch_optional(pool)
                .await?
                .map(|r| -> Result<RawAccount, StoreError> { Ok(raw_account!(r)) })
                .transpose()?
        });
        row.map(RawAccount::account).transpose()
    }

    pub async fn agent_by_login(&self, login: &str) -> Result<Option<AgentAccount>, StoreError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM agent_accounts WHERE login = $1");
        let row: Option<RawAccount> = with_pool!(self, pool => {
            sqlx::query(&sql)
                .bind(login.trim().to_lowercase())
                .fetch_optional(pool)
                .await?
                .map(|r| -> Result<RawAccount, StoreError> { Ok(raw_account!(r)) })
                .transpose()?
        });
        row.map(RawAccount::account).transpose()
    }

    /// The accounts of an operator, by name.
    pub async fn list_agents(
        &self,
        operator: &OperatorId,
    ) -> Result<Vec<AgentAccount>, StoreError> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM agent_accounts WHERE operator_id = $1 ORDER BY display_name, login"
        );
        let rows: Vec<RawAccount> = with_pool!(self, pool => {
            sqlx::query(&sql)
                .bind(operator.as_str())
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| -> Result<RawAccount, StoreError> { Ok(raw_account!(r)) })
                .collect::<Result<Vec<_>, _>>()?
        });
        rows.into_iter().map(RawAccount::account).collect()
    }

    /// Counts a failed password or code; at `max` failures the account is locked until
    /// `lock_until` and the count starts again. Returns the account's lock, if it is now locked.
    pub async fn record_agent_failure(
        &self,
        id: AgentId,
        max: u32,
        lock_until: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.count_wrong_password("agent_accounts", &id.to_string(), max, lock_until)
            .await
    }

    /// The one lockout counter of staff and person accounts (`table` is one of those two
    /// tables): one statement, so servers sharing the database count together.
    pub(crate) async fn count_wrong_password(
        &self,
        table: &'static str,
        id: &str,
        max: u32,
        lock_until: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        debug_assert!(matches!(table, "agent_accounts" | "person_accounts"));
        let sql = format!(
            "UPDATE {table} SET
               failed_attempts = CASE WHEN failed_attempts + 1 >= $1 THEN 0 ELSE failed_attempts + 1 END,
               locked_until = CASE WHEN failed_attempts + 1 >= $1 THEN $2 ELSE locked_until END
             WHERE id = $3
             RETURNING locked_until"
        );
        let locked = with_pool!(self, write pool => {
            sqlx::query(&sql)
                .bind(i64::from(max))
                .bind(to_micros(lock_until))
                .bind(id)
                .fetch_optional(pool)
                .await?
                .map(|r| r.try_get::<Option<i64>, _>("locked_until"))
                .transpose()?
                .flatten()
        });
        locked.map(from_micros).transpose()
    }

    /// A successful sign-in step: failures forgotten, the lock lifted.
    pub async fn clear_agent_failures(&self, id: AgentId) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            sqlx::query("UPDATE agent_accounts SET failed_attempts = 0, locked_until = NULL WHERE id = $1")
                .bind(id.to_string())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Accepts TOTP step `step` only if it is later than the last one used (no replay, even
    /// across servers). Returns whether it was accepted.
    pub async fn use_totp_step(&self, id: AgentId, step: i64) -> Result<bool, StoreError> {
        let n = with_pool!(self, write pool => {
            sqlx::query(
                "UPDATE agent_accounts SET totp_last_step = $1
                 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
            )
            .bind(step)
            .bind(id.to_string())
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Stores an enrolled authenticator (or removes it, on a reset, with `None`).
    pub async fn set_agent_totp(
        &self,
        id: AgentId,
        secret: Option<&str>,
        step: Option<i64>,
    ) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            sqlx::query("UPDATE agent_accounts SET totp_secret = $1, totp_last_step = $2 WHERE id = $3")
                .bind(secret)
                .bind(step)
                .bind(id.to_string())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn set_agent_password(&self, id: AgentId, hash: &str) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            sqlx::query("UPDATE agent_accounts SET password_hash = $1 WHERE id = $2")
                .bind(hash)
                .bind(id.to_string())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Suspends or reactivates an account; a suspension also ends its sessions.
    pub async fn set_agent_suspended(
        &self,
        id: AgentId,
        suspended: bool,
    ) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE agent_accounts SET suspended = $1, failed_attempts = 0, locked_until = NULL WHERE id = $2")
                .bind(i64::from(suspended))
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
            if suspended {
                sqlx::query("DELETE FROM agent_sessions WHERE agent_id = $1")
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn insert_agent_session(&self, s: &AgentSession) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            sqlx::query(
                "INSERT INTO agent_sessions (id, agent_id, csrf, stage, pending_secret, created_at, last_seen_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&s.id)
            .bind(s.agent_id.to_string())
            .bind(&s.csrf)
            .bind(s.stage.code())
            .bind(&s.pending_secret)
            .bind(to_micros(s.created_at))
            .bind(to_micros(s.last_seen_at))
            .execute(pool)
            .await
            .map_err(|e| crate::duplicate_or(e, "session"))?;
        });
        Ok(())
    }

    /// The session `id` if it was used after `idle_since` and created after `created_since`;
    /// an expired one is deleted.
    pub async fn get_agent_session(
        &self,
        id: &str,
        idle_since: DateTime<Utc>,
        created_since: DateTime<Utc>,
    ) -> Result<Option<AgentSession>, StoreError> {
        let row = with_pool!(self, pool => {
            sqlx::query(
                "SELECT id, agent_id, csrf, stage, pending_secret, created_at, last_seen_at
                 FROM agent_sessions WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
            .map(|r| -> Result<AgentSession, StoreError> {
                let agent: String = r.try_get("agent_id")?;
                let stage: String = r.try_get("stage")?;
                Ok(AgentSession {
                    id: r.try_get("id")?,
                    agent_id: agent
                        .parse()
                        .map_err(|_| StoreError::Corrupt(format!("identifiant d’agent {agent:?}")))?,
                    csrf: r.try_get("csrf")?,
                    stage: SessionStage::parse(&stage)?,
                    pending_secret: r.try_get("pending_secret")?,
                    created_at: from_micros(r.try_get("created_at")?)?,
                    last_seen_at: from_micros(r.try_get("last_seen_at")?)?,
                })
            })
            .transpose()?
        });
        match row {
            Some(s) if s.last_seen_at >= idle_since && s.created_at >= created_since => Ok(Some(s)),
            Some(s) => {
                self.delete_agent_session(&s.id).await?;
                Ok(None)
            }
            None => Ok(None),
        }
    }

    /// Moves a session to `stage` (and its pending secret), marking it used at `now`.
    pub async fn update_agent_session(
        &self,
        id: &str,
        stage: SessionStage,
        pending_secret: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            sqlx::query(
                "UPDATE agent_sessions SET stage = $1, pending_secret = $2, last_seen_at = $3 WHERE id = $4",
            )
            .bind(stage.code())
            .bind(pending_secret)
            .bind(to_micros(now))
            .bind(id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    pub async fn touch_agent_session(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            sqlx::query("UPDATE agent_sessions SET last_seen_at = $1 WHERE id = $2")
                .bind(to_micros(now))
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Ends every session of an account (a reset: whoever had the old password is out).
    pub async fn delete_agent_sessions(&self, agent: AgentId) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            sqlx::query("DELETE FROM agent_sessions WHERE agent_id = $1")
                .bind(agent.to_string())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn delete_agent_session(&self, id: &str) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            sqlx::query("DELETE FROM agent_sessions WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn record_security_event(&self, e: &SecurityEvent) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            sqlx::query(
                "INSERT INTO security_journal (at, agent_id, login, event, detail)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(to_micros(e.at))
            .bind(e.agent_id.map(|a| a.to_string()))
            .bind(&e.login)
            .bind(&e.event)
            .bind(&e.detail)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The latest `limit` security events, newest first (of one agent when given).
    pub async fn security_events(
        &self,
        agent: Option<AgentId>,
        limit: u32,
    ) -> Result<Vec<SecurityEvent>, StoreError> {
        let rows = with_pool!(self, pool => {
            sqlx::query(
                "SELECT at, agent_id, login, event, detail FROM security_journal
                 WHERE (CAST($1 AS TEXT) IS NULL OR agent_id = $1) ORDER BY at DESC, id DESC LIMIT $2",
            )
            .bind(agent.map(|a| a.to_string()))
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| -> Result<SecurityEvent, StoreError> {
                let agent: Option<String> = r.try_get("agent_id")?;
                Ok(SecurityEvent {
                    at: from_micros(r.try_get("at")?)?,
                    agent_id: agent.and_then(|a| a.parse().ok()),
                    login: r.try_get("login")?,
                    event: r.try_get("event")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }

    /// The latest `limit` security events of an operator's accounts, newest first (events of
    /// unknown logins belong to no operator and are left out).
    pub async fn operator_security_events(
        &self,
        operator: &OperatorId,
        limit: u32,
    ) -> Result<Vec<SecurityEvent>, StoreError> {
        let rows = with_pool!(self, pool => {
            sqlx::query(
                "SELECT j.at, j.agent_id, j.login, j.event, j.detail
                 FROM security_journal j JOIN agent_accounts a ON a.id = j.agent_id
                 WHERE a.operator_id = $1 ORDER BY j.at DESC, j.id DESC LIMIT $2",
            )
            .bind(operator.as_str())
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| -> Result<SecurityEvent, StoreError> {
                let agent: Option<String> = r.try_get("agent_id")?;
                Ok(SecurityEvent {
                    at: from_micros(r.try_get("at")?)?,
                    agent_id: agent.and_then(|a| a.parse().ok()),
                    login: r.try_get("login")?,
                    event: r.try_get("event")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect::<Result<Vec<_>, _>>()?
        });
        Ok(rows)
    }
}

/// One orientation recorded at a desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orientation {
    pub id: uuid::Uuid,
    pub at: DateTime<Utc>,
    pub agent_id: AgentId,
    pub operator: OperatorId,
    pub place: Option<String>,
    pub person: Option<guichet_domain::PersonId>,
    pub target: String,
    pub theme: String,
    /// `counter` or `phone`.
    pub channel: String,
    pub outcome: String,
    pub refuses_digital: bool,
}

/// One event an agent wrote in a case's journal (for the desk's figures).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentEvent {
    pub at: DateTime<Utc>,
    pub case: String,
    pub channel: String,
    pub agent_id: AgentId,
}

impl Store {
    pub async fn insert_orientation(&self, o: &Orientation) -> Result<(), StoreError> {
        with_pool!(self, write pool => {
            sqlx::query(
                "INSERT INTO orientations (id, at, agent_id, operator_id, place, person_id, target, theme, channel, outcome, refuses_digital)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(o.id.to_string())
            .bind(to_micros(o.at))
            .bind(o.agent_id.to_string())
            .bind(o.operator.as_str())
            .bind(&o.place)
            .bind(o.person.map(|p| p.to_string()))
            .bind(&o.target)
            .bind(&o.theme)
            .bind(&o.channel)
            .bind(&o.outcome)
            .bind(i64::from(o.refuses_digital))
            .execute(pool)
            .await
            .map_err(|e| crate::duplicate_or(e, "orientation"))?;
        });
        Ok(())
    }

    /// The orientations of an operator (of one place when given) since `since`, oldest first.
    pub async fn orientations(
        &self,
        operator: &OperatorId,
        place: Option<&str>,
        since: DateTime<Utc>,
    ) -> Result<Vec<Orientation>, StoreError> {
        type Raw = (
            String,
            i64,
            String,
            String,
            Option<String>,
            Option<String>,
            String,
            String,
            String,
            String,
            i64,
        );
        let rows: Vec<Raw> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, at, agent_id, operator_id, place, person_id, target, theme, channel, outcome, refuses_digital
                 FROM orientations
                 WHERE operator_id = $1 AND (CAST($2 AS TEXT) IS NULL OR place = $2) AND at >= $3
                 ORDER BY at, id",
            )
            .bind(operator.as_str())
            .bind(place)
            .bind(to_micros(since))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(
                |(id, at, agent, op, place, person, target, theme, channel, outcome, refuses)| {
                    Ok(Orientation {
                        id: id.parse().map_err(StoreError::corrupt)?,
                        at: from_micros(at)?,
                        agent_id: agent.parse().map_err(|_| StoreError::corrupt("agent"))?,
                        operator: OperatorId::parse(&op).map_err(StoreError::corrupt)?,
                        place,
                        person: person
                            .map(|p| p.parse())
                            .transpose()
                            .map_err(|_| StoreError::corrupt("person"))?,
                        target,
                        theme,
                        channel,
                        outcome,
                        refuses_digital: refuses != 0,
                    })
                },
            )
            .collect()
    }

    /// Events written by agents in cases' journals since `since`, oldest first.
    pub async fn agent_events(&self, since: DateTime<Utc>) -> Result<Vec<AgentEvent>, StoreError> {
        let rows: Vec<(i64, String, String, String)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT at, case_reference, channel, actor FROM case_events
                 WHERE actor_kind = 'agent' AND at >= $1 ORDER BY at, case_reference, seq",
            )
            .bind(to_micros(since))
            .fetch_all(pool)
            .await?
        });
        let mut out = Vec::new();
        for (at, case, channel, actor) in rows {
            let actor: guichet_domain::Actor =
                serde_json::from_str(&actor).map_err(StoreError::corrupt)?;
            if let guichet_domain::Actor::Agent { id, .. } = actor {
                out.push(AgentEvent {
                    at: from_micros(at)?,
                    case,
                    channel,
                    agent_id: id,
                });
            }
        }
        Ok(out)
    }
}
