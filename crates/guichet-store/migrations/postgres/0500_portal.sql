-- The public portal: web sessions, attached files, follow-up code failures, feedback.
-- Everything a server keeps about a visitor lives here, so several servers can share one person.

-- A browser session. `id` is the SHA-256 (hex) of the cookie's secret: a copy of this table
-- gives nobody a usable cookie.
CREATE TABLE web_sessions (
    id TEXT PRIMARY KEY,
    csrf TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX web_sessions_last_seen ON web_sessions (last_seen_at);

-- Files attached to cases (uploads, scans), by the SHA-256 of their content: the case journal
-- names a file by that digest. In the database, not on one server's disk.
CREATE TABLE attachments (
    sha256 TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    content BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

-- Wrong follow-up codes, to slow down guessing: one row per failure, by case reference.
CREATE TABLE follow_up_failures (
    reference TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX follow_up_failures_reference ON follow_up_failures (reference, at);

-- « Dites-nous comment ça s'est passé »: one row per answer, per procedure and channel.
CREATE TABLE feedback (
    id TEXT PRIMARY KEY,
    procedure_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    satisfaction INTEGER NOT NULL,
    ease INTEGER NOT NULL,
    helped_by TEXT NOT NULL,
    comment TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX feedback_procedure ON feedback (procedure_id, channel, at);
