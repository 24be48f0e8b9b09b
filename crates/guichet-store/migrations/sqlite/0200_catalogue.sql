-- The procedure catalogue (issue 3).
--
-- procedure_definitions keeps the exact text of each published definition file beside the
-- procedure version it compiles into (procedures.definition), so that the form, documents and
-- channels of a version can be shown and printed for as long as cases refer to it. A row is
-- never updated: a new version is a new row.
CREATE TABLE procedure_definitions (
    procedure_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    source TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    PRIMARY KEY (procedure_id, version),
    FOREIGN KEY (procedure_id, version) REFERENCES procedures (id, version)
);

-- The national catalogue: service-public.fr sheets, replaced whole by each import.
CREATE TABLE catalogue_sheets (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    data TEXT NOT NULL
);

-- Where the current national catalogue comes from (source, licence, package) and when it was
-- imported: one row at most.
CREATE TABLE catalogue_import (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    header TEXT NOT NULL,
    sheets BIGINT NOT NULL,
    imported_at BIGINT NOT NULL
);
