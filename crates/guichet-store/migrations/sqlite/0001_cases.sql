-- Foundation schema: operators, hosted procedures, people, cases and their journal.
-- Times are microseconds since the Unix epoch (BIGINT), identical on both engines.

CREATE TABLE operators (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL
);

CREATE TABLE procedures (
    id TEXT NOT NULL,
    version BIGINT NOT NULL,
    operator_id TEXT NOT NULL REFERENCES operators(id),
    title TEXT NOT NULL,
    definition TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE persons (
    id TEXT PRIMARY KEY,
    family_name TEXT NOT NULL,
    given_name TEXT NOT NULL,
    birth_date TEXT,
    postcode TEXT,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX persons_name ON persons (family_name, given_name);

CREATE TABLE cases (
    reference TEXT PRIMARY KEY,
    procedure_id TEXT NOT NULL,
    procedure_version BIGINT NOT NULL,
    person_id TEXT NOT NULL REFERENCES persons(id),
    state TEXT NOT NULL,
    version BIGINT NOT NULL,
    opened_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    FOREIGN KEY (procedure_id, procedure_version) REFERENCES procedures (id, version)
);
CREATE INDEX cases_person ON cases (person_id);
CREATE INDEX cases_state ON cases (state, updated_at);

CREATE TABLE case_events (
    case_reference TEXT NOT NULL REFERENCES cases(reference),
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    channel TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    mandate_id TEXT,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (case_reference, seq)
);
CREATE INDEX case_events_mandate ON case_events (mandate_id) WHERE mandate_id IS NOT NULL;

-- The journal is append-only, in the database too.
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'the case journal is append-only');
END;
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'the case journal is append-only');
END;
