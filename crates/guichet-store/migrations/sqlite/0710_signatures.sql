-- Who signs an operator's decisions when no officer does (a decision by silence), or every
-- decision when the operator chose so: a delegation. A decision must bear, in legible
-- characters, the first name, name and title of its author (CRPA art. L212-1); the letter
-- prints the mention (« Pour le maire et par délégation »), then the name and the title.
CREATE TABLE operator_signatures (
    operator_id TEXT PRIMARY KEY REFERENCES operators(id),
    mention TEXT NOT NULL,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    -- 1: every decision of the operator is signed so; 0: only those no officer signs.
    every_decision BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
