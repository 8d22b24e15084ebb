-- The full proposal form, service indicators, and version history (SQLite).
-- Keep in step with ../postgres/0005_proposal_content.sql.

ALTER TABLE proposals ADD COLUMN stakeholders TEXT NOT NULL DEFAULT '';
ALTER TABLE proposals ADD COLUMN resources TEXT NOT NULL DEFAULT '';
ALTER TABLE proposals ADD COLUMN sustainability TEXT NOT NULL DEFAULT '';
ALTER TABLE proposals ADD COLUMN replicability TEXT NOT NULL DEFAULT '';
ALTER TABLE proposals ADD COLUMN lessons TEXT NOT NULL DEFAULT '';
ALTER TABLE proposals ADD COLUMN atm_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE proposals ADD COLUMN atm_region TEXT NOT NULL DEFAULT '';
ALTER TABLE proposals ADD COLUMN atm_modified TEXT NOT NULL DEFAULT '';
ALTER TABLE proposals ADD COLUMN video_url TEXT NOT NULL DEFAULT '';
-- Optimistic concurrency: every save names the version it started from.
ALTER TABLE proposals ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE proposals ADD COLUMN declared_by INTEGER REFERENCES users (id);
ALTER TABLE proposals ADD COLUMN declared_at INTEGER;
ALTER TABLE proposals ADD COLUMN approved_by INTEGER REFERENCES users (id);
ALTER TABLE proposals ADD COLUMN approved_at INTEGER;

-- Indicators keep what was typed (drafts may hold unfinished numbers); they are parsed
-- and checked when shown and at submission.
CREATE TABLE proposal_indicators (
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    before_value TEXT NOT NULL,
    after_value TEXT NOT NULL,
    before_unit TEXT NOT NULL,
    after_unit TEXT NOT NULL,
    evidence TEXT NOT NULL,
    PRIMARY KEY (proposal_id, position)
);

-- Every saved state of a proposal's content, as JSON. A save that lost a race is kept
-- here too (note = 'conflict'), so no one's text is ever lost.
CREATE TABLE proposal_versions (
    id INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    saved_by INTEGER REFERENCES users (id),
    saved_at INTEGER NOT NULL,
    note TEXT,
    content_json TEXT NOT NULL
);
CREATE INDEX proposal_versions_proposal ON proposal_versions (proposal_id, id);
