-- Edition set-up: eligibility rules, head approval, dispensations (SQLite).
-- Keep in step with ../postgres/0002_edition_setup.sql.

ALTER TABLE editions ADD COLUMN approval_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE editions ADD COLUMN min_months_in_operation INTEGER NOT NULL DEFAULT 12;
ALTER TABLE editions ADD COLUMN no_winner_within_editions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE editions ADD COLUMN max_proposals_per_unit INTEGER NOT NULL DEFAULT 3;

-- An extension of one stage's deadline for one unit. Revoking keeps the row.
CREATE TABLE dispensations (
    id INTEGER PRIMARY KEY,
    edition_id INTEGER NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    stage_kind TEXT NOT NULL,
    until_at INTEGER NOT NULL,
    reason TEXT NOT NULL,
    granted_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX dispensations_lookup ON dispensations (edition_id, unit_id, stage_kind);
