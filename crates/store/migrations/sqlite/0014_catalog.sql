-- The innovation catalogue (SQLite). Keep in step with ../postgres/0014_catalog.sql.
-- The search index is a derived cache held in memory by each node; the database only
-- stores entries and a change sequence the nodes poll.

CREATE TABLE catalog_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    proposal_id INTEGER REFERENCES proposals (id) ON DELETE SET NULL,
    source TEXT NOT NULL,
    title TEXT NOT NULL,
    unit_name TEXT NOT NULL,
    unit_kind TEXT NOT NULL,
    region TEXT NOT NULL,
    year INTEGER NOT NULL,
    category TEXT NOT NULL,
    stage TEXT NOT NULL,
    value_codes TEXT NOT NULL,
    sdg_numbers TEXT NOT NULL,
    summary TEXT NOT NULL,
    body TEXT NOT NULL,
    results TEXT NOT NULL,
    indicators_json TEXT NOT NULL,
    source_url TEXT NOT NULL,
    atm_entry_id INTEGER REFERENCES catalog_entries (id) ON DELETE SET NULL,
    atm_name TEXT NOT NULL,
    atm_url TEXT NOT NULL,
    atm_modified TEXT NOT NULL,
    published_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX catalog_entries_proposal ON catalog_entries (proposal_id);
CREATE INDEX catalog_entries_atm ON catalog_entries (atm_entry_id);

-- Attachments a unit chose to publish, copied by reference when the entry is published.
CREATE TABLE catalog_entry_files (
    entry_id INTEGER NOT NULL REFERENCES catalog_entries (id) ON DELETE CASCADE,
    file_id INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (entry_id, file_id)
);

-- Every write to the catalogue appends one row; nodes apply rows above the last they saw.
CREATE TABLE catalog_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

-- The operator's choice of which attachments the catalogue may show.
ALTER TABLE proposal_files ADD COLUMN published INTEGER NOT NULL DEFAULT 0;
-- A proposal's ATM source as a link: a catalogue entry, or an external URL.
ALTER TABLE proposals ADD COLUMN atm_catalog_id INTEGER REFERENCES catalog_entries (id) ON DELETE SET NULL;
ALTER TABLE proposals ADD COLUMN atm_url TEXT NOT NULL DEFAULT '';
