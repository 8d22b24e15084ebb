-- Administrative screening (SQLite). Keep in step with ../postgres/0007_screening.sql.

-- The committee's manual checklist per edition ("Surat pengantar kepala unit ada", …).
CREATE TABLE screening_checklist_items (
    id INTEGER PRIMARY KEY,
    edition_id INTEGER NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX screening_checklist_edition ON screening_checklist_items (edition_id, position);

-- One row per decision. A held decision (held = 1, released_at NULL) has not changed the
-- proposal yet; releasing applies it and sets released_at. An immediate decision is
-- stored with held = 0 and released_at = created_at.
CREATE TABLE screenings (
    id INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    decided_by INTEGER REFERENCES users (id),
    decision TEXT NOT NULL,
    reasons TEXT NOT NULL,
    checklist_json TEXT NOT NULL,
    auto_json TEXT NOT NULL,
    held INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    released_at INTEGER
);
CREATE INDEX screenings_proposal ON screenings (proposal_id, created_at);
CREATE INDEX screenings_pending ON screenings (held, released_at);
