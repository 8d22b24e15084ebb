-- The month full implementation started, beside the month the innovation started running
-- (SQLite; keep in step with ../postgres/0008_implementation_date.sql).
ALTER TABLE proposals ADD COLUMN implemented_on TEXT NOT NULL DEFAULT '';
