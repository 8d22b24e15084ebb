-- Certificates (piagam), SQLite. Keep in step with ../postgres/0017_certificates.sql.

-- Who signs an edition's certificates, where and on which date (YYYY-MM-DD).
CREATE TABLE certificate_settings (
    edition_id INTEGER PRIMARY KEY REFERENCES editions (id) ON DELETE CASCADE,
    signatory_name TEXT NOT NULL,
    signatory_position TEXT NOT NULL,
    signatory_nip TEXT,
    place TEXT NOT NULL,
    signed_on TEXT NOT NULL,
    updated_by INTEGER REFERENCES users (id),
    updated_at INTEGER NOT NULL
);

-- One certificate per proposal, ever: issuing again keeps it (and its code), and a revoked
-- one stays revoked. kind: juara (rank 1-3) | finalis | peserta. The recipient (unit name),
-- title and category are snapshots taken at issue, so a later rename does not change what
-- was printed.
CREATE TABLE certificates (
    id INTEGER PRIMARY KEY,
    edition_id INTEGER NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    kind TEXT NOT NULL,
    rank INTEGER,
    category_name TEXT,
    recipient TEXT NOT NULL,
    title TEXT NOT NULL,
    code TEXT NOT NULL,
    issued_by INTEGER REFERENCES users (id),
    issued_at INTEGER NOT NULL,
    revoked_at INTEGER,
    revoke_reason TEXT,
    revoked_by INTEGER REFERENCES users (id)
);
CREATE UNIQUE INDEX certificates_code ON certificates (code);
CREATE UNIQUE INDEX certificates_proposal ON certificates (proposal_id);
CREATE INDEX certificates_edition_unit ON certificates (edition_id, unit_id);

-- The committee's bulk download: a background job writes every certificate's PDF into one
-- ZIP, counting done/total as it goes; the finished ZIP is kept here so any node can serve
-- it. updated_at lets a job whose node died be told apart from a slow one.
CREATE TABLE certificate_zip_jobs (
    id INTEGER PRIMARY KEY,
    edition_id INTEGER NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    done INTEGER NOT NULL,
    total INTEGER NOT NULL,
    zip BLOB,
    error TEXT,
    requested_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX certificate_zip_jobs_edition ON certificate_zip_jobs (edition_id, id);
