-- Operator invitations by e-mail link and proposal attachments (SQLite). Keep in step with
-- ../postgres/0006_invitations_attachments.sql.

-- A link is a random 256-bit token; only its SHA-256 is kept, as for sessions. It works
-- once (used_at) and until expires_at.
CREATE TABLE invitations (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    edition_id INTEGER NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    invited_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE UNIQUE INDEX invitations_token ON invitations (token_hash);
CREATE INDEX invitations_unit ON invitations (unit_id);

-- Proposal attachments: PDF, PNG or JPEG in `files`, at most 10 per proposal, each at most
-- the edition's max_attachment_mb.
ALTER TABLE editions ADD COLUMN max_attachment_mb INTEGER NOT NULL DEFAULT 5;
CREATE TABLE proposal_files (
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    file_id INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX proposal_files_pair ON proposal_files (proposal_id, file_id);
CREATE INDEX proposal_files_file ON proposal_files (file_id);
