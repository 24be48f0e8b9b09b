-- Outbox, notification templates, print batches, returned mail and agent alerts (issue 5).
-- Times are microseconds since the Unix epoch.

CREATE TABLE notification_templates (
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    wording TEXT NOT NULL,
    version BIGINT NOT NULL,
    source TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (kind, channel, wording, version)
);

-- One row per message to deliver. Written in the same transaction as the change that causes it.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    case_reference TEXT,
    person_id TEXT,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    -- Start of the 48-hour retry window (creation, or a manual retry).
    window_start BIGINT NOT NULL,
    lease_until BIGINT,
    claimed_by TEXT,
    last_error TEXT,
    provider_id TEXT,
    postcode TEXT,
    postage TEXT,
    batch_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    done_at BIGINT
);
CREATE INDEX outbox_due ON outbox (status, channel, next_attempt_at);
CREATE INDEX outbox_batch ON outbox (batch_id, postage, postcode, id);
CREATE INDEX outbox_case ON outbox (case_reference);

-- Each attempt and status change, for the case journal. Append-only.
CREATE TABLE notification_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    outbox_id TEXT NOT NULL REFERENCES outbox(id),
    case_reference TEXT,
    at BIGINT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    detail TEXT
);
CREATE INDEX notification_events_case ON notification_events (case_reference, at);
CREATE FUNCTION notification_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'notification events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER notification_events_no_change BEFORE UPDATE OR DELETE ON notification_events
    FOR EACH ROW EXECUTE FUNCTION notification_events_append_only();

CREATE TABLE print_batches (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    letters BIGINT NOT NULL DEFAULT 0,
    pages BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    handed_over_at BIGINT,
    exports BIGINT NOT NULL DEFAULT 0
);

-- A postal address made suspect by returned mail ("pli non distribuable").
CREATE TABLE suspect_addresses (
    person_id TEXT PRIMARY KEY,
    since BIGINT NOT NULL,
    outbox_id TEXT NOT NULL,
    reason TEXT NOT NULL
);

-- Something only a person can sort out: unreachable person, returned mail, parked intent.
CREATE TABLE agent_alerts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    person_id TEXT,
    case_reference TEXT,
    outbox_id TEXT,
    message TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT
);
CREATE INDEX agent_alerts_open ON agent_alerts (resolved_at, created_at);
