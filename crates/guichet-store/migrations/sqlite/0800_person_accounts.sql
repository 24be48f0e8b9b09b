-- Accounts of the public, if a person wants one: an email address and a password to see all
-- their cases in one place. Never required: /suivi with the reference and the follow-up code,
-- the counter, the phone and the post work without it. An account links cases, it does not
-- own them: deleting an account deletes its links, never a case.

CREATE TABLE person_accounts (
    id TEXT PRIMARY KEY,
    -- Lower case; what the person types to sign in.
    email TEXT NOT NULL UNIQUE,
    -- argon2id PHC string (guichet-auth).
    password_hash TEXT NOT NULL,
    -- When the person opened the link sent to the address; NULL until then (no sign-in).
    verified_at BIGINT,
    -- Wrong passwords in a row; at the limit the account is locked until locked_until.
    failed_attempts BIGINT NOT NULL,
    locked_until BIGINT,
    -- Raised when the password changes: sessions signed in before it are over.
    generation BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    last_sign_in_at BIGINT
);

-- The cases a person sees in their account. `how`: online (submitted while signed in) | code
-- (added with the reference and the follow-up code) | demo.
CREATE TABLE person_account_cases (
    account_id TEXT NOT NULL REFERENCES person_accounts(id),
    case_reference TEXT NOT NULL REFERENCES cases(reference),
    how TEXT NOT NULL,
    linked_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, case_reference)
);
CREATE INDEX person_account_cases_case ON person_account_cases (case_reference);

-- Single-use links sent by email. `id` is the SHA-256 (hex) of the token in the link: a copy
-- of this table gives nobody a usable link. purpose: verify | reset.
CREATE TABLE person_account_tokens (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES person_accounts(id),
    purpose TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX person_account_tokens_account ON person_account_tokens (account_id);

-- Wrong sign-ins per client address, to slow down guessing across many accounts.
CREATE TABLE person_sign_in_failures (
    client TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX person_sign_in_failures_client ON person_sign_in_failures (client, at);
