-- Agents' accounts, their sessions and the security journal (front desk, case officers,
-- administrators). A person's case journal stays in case_events; this journal records who
-- signed in, failed, signed out, was refused an access or had their account changed.

CREATE TABLE agent_accounts (
    id TEXT PRIMARY KEY,
    -- What the agent types to sign in (an email address or an identifier), lower case.
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    -- The title printed under the signature of letters (CRPA art. L212-1).
    title TEXT NOT NULL,
    -- front_desk | case_officer | administrator
    role TEXT NOT NULL,
    operator_id TEXT NOT NULL,
    place TEXT,
    -- argon2id PHC string.
    password_hash TEXT NOT NULL,
    -- RFC 6238 secret (base32), NULL until the agent has enrolled an authenticator.
    totp_secret TEXT,
    -- The last TOTP step accepted: a code is never accepted twice.
    totp_last_step BIGINT,
    failed_attempts BIGINT NOT NULL,
    locked_until BIGINT,
    suspended BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- A signed-in (or signing-in) agent's browser. `id` is the SHA-256 (hex) of the cookie secret.
-- stage: password (password checked, second factor pending) | enrol (first sign-in: the
-- authenticator is being enrolled) | signed_in.
CREATE TABLE agent_sessions (
    id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agent_accounts(id),
    csrf TEXT NOT NULL,
    stage TEXT NOT NULL,
    -- During enrolment: the secret being enrolled (base32), kept until a code confirms it.
    pending_secret TEXT,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX agent_sessions_agent ON agent_sessions (agent_id);

-- `id` orders events written at the same instant.
CREATE TABLE security_journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    agent_id TEXT,
    -- The login typed (also for unknown accounts), or the agent's login.
    login TEXT NOT NULL,
    -- sign_in | sign_in_failed | second_factor_failed | locked | sign_out | enrolled |
    -- access_refused | account_created | account_suspended | account_reactivated | account_reset
    event TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX security_journal_at ON security_journal (at);
CREATE INDEX security_journal_agent ON security_journal (agent_id, at);

-- The operators a person is known to, besides through their cases: registered at a counter of
-- theirs. An agent finds the people of their own operator (the authorization rule).
CREATE TABLE person_operators (
    person_id TEXT NOT NULL REFERENCES persons(id),
    operator_id TEXT NOT NULL,
    since BIGINT NOT NULL,
    PRIMARY KEY (person_id, operator_id)
);
CREATE INDEX person_operators_operator ON person_operators (operator_id);

-- The folded name (« dupont jean marie ») agents search on; filled by the store on every write
-- (and for older rows when the store opens).
ALTER TABLE persons ADD COLUMN search_key TEXT;
CREATE INDEX persons_search_key ON persons (search_key);
CREATE INDEX persons_birth_date ON persons (birth_date);

-- « Orienté vers la CAF pour une demande d'APL »: what the desk did for someone whose request
-- belongs to another operator. Counted in the place's figures.
CREATE TABLE orientations (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    agent_id TEXT NOT NULL REFERENCES agent_accounts(id),
    -- The agent's operator and place: whose figures count it.
    operator_id TEXT NOT NULL,
    place TEXT,
    person_id TEXT,
    -- The operator the person was oriented to, and what for, as the agent wrote them.
    target TEXT NOT NULL,
    theme TEXT NOT NULL,
    -- counter | phone
    channel TEXT NOT NULL,
    outcome TEXT NOT NULL,
    -- The person said they refuse digital (figures of people helped without it).
    refuses_digital BIGINT NOT NULL
);
CREATE INDEX orientations_operator ON orientations (operator_id, at);
