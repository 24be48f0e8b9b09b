-- What case officers' queues filter and sort on, projected from the journal in the same
-- transaction as the events (like state and version): the running legal due date (NULL when
-- there is none, while the clock is paused, or once decided), the channel the request was
-- submitted through, the officer it is assigned to, and the reply date of a documents request.
-- `projected` is 0 for rows written before this migration: `Store::migrate` replays their
-- journal once to fill the columns.
ALTER TABLE cases ADD COLUMN due_at BIGINT;
ALTER TABLE cases ADD COLUMN submitted_channel TEXT;
ALTER TABLE cases ADD COLUMN assigned_to TEXT;
ALTER TABLE cases ADD COLUMN reply_by BIGINT;
ALTER TABLE cases ADD COLUMN projected INTEGER NOT NULL DEFAULT 0;
CREATE INDEX cases_queue ON cases (procedure_id, state, due_at);
