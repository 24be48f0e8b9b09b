-- Alerts closed at the desk with a note (issue 14): who closed it and what was done. A closed
-- alert keeps its row (resolved_at set); the desk lists only open ones.
ALTER TABLE agent_alerts ADD COLUMN resolved_by TEXT;
ALTER TABLE agent_alerts ADD COLUMN resolution_note TEXT;
CREATE INDEX agent_alerts_case ON agent_alerts (case_reference);
