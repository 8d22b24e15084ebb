-- Issue 6: uji publik (objections on finalists) and the public vote "inovasi favorit".

-- The committee's public windows per edition: kind 'objection' (uji publik) or 'vote'.
CREATE TABLE public_windows (
    edition_id INTEGER NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    opens_at INTEGER NOT NULL,
    closes_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (edition_id, kind)
);

-- One-time codes sent to an e-mail address (SHA-256 of the address and of the code).
CREATE TABLE email_codes (
    id INTEGER PRIMARY KEY,
    email_hash TEXT NOT NULL,
    ip TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX email_codes_email ON email_codes (email_hash, created_at);
CREATE INDEX email_codes_ip ON email_codes (ip, created_at);

-- A verified address behind a browser cookie (token stored as SHA-256).
CREATE TABLE verified_emails (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX verified_emails_token ON verified_emails (token_hash);

-- Objections and notes on finalists; never deleted.
CREATE TABLE objections (
    id INTEGER PRIMARY KEY,
    edition_id INTEGER NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id),
    kind TEXT NOT NULL,
    email TEXT NOT NULL,
    body TEXT NOT NULL,
    file_id INTEGER REFERENCES files (id),
    created_at INTEGER NOT NULL
);
CREATE INDEX objections_edition ON objections (edition_id, created_at);

-- The committee's answers; the newest per objection is in force, all are kept.
CREATE TABLE objection_answers (
    id INTEGER PRIMARY KEY,
    objection_id INTEGER NOT NULL REFERENCES objections (id),
    decision TEXT NOT NULL,
    answer TEXT NOT NULL,
    answered_by INTEGER REFERENCES users (id),
    answered_at INTEGER NOT NULL
);
CREATE INDEX objection_answers_objection ON objection_answers (objection_id, id);

CREATE TRIGGER objections_no_delete BEFORE DELETE ON objections
BEGIN SELECT RAISE(ABORT, 'objections are kept'); END;
CREATE TRIGGER objection_answers_no_update BEFORE UPDATE ON objection_answers
BEGIN SELECT RAISE(ABORT, 'objection_answers is append-only'); END;
CREATE TRIGGER objection_answers_no_delete BEFORE DELETE ON objection_answers
BEGIN SELECT RAISE(ABORT, 'objection_answers is append-only'); END;

-- The hash-chained vote log. id is assigned by the application (previous id + 1) because
-- it is part of the hashed record; prev_hash is unique, so a fork cannot be committed.
CREATE TABLE votes (
    id INTEGER PRIMARY KEY,
    edition_id INTEGER NOT NULL REFERENCES editions (id),
    category_id INTEGER NOT NULL REFERENCES categories (id),
    proposal_id INTEGER NOT NULL REFERENCES proposals (id),
    voter_hash TEXT NOT NULL,
    ip_prefix_hash TEXT NOT NULL,
    email_domain TEXT NOT NULL,
    at INTEGER NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE UNIQUE INDEX votes_prev_hash ON votes (prev_hash);
CREATE UNIQUE INDEX votes_one_per_voter ON votes (edition_id, category_id, voter_hash);
CREATE INDEX votes_ip ON votes (ip_prefix_hash, at);
CREATE INDEX votes_proposal ON votes (proposal_id, at);

CREATE TRIGGER votes_no_update BEFORE UPDATE ON votes
BEGIN SELECT RAISE(ABORT, 'votes is append-only'); END;
CREATE TRIGGER votes_no_delete BEFORE DELETE ON votes
BEGIN SELECT RAISE(ABORT, 'votes is append-only'); END;

-- Voiding is an appended record; the vote stays in the chain and leaves the tally.
CREATE TABLE vote_voids (
    id INTEGER PRIMARY KEY,
    vote_id INTEGER NOT NULL REFERENCES votes (id),
    reason TEXT NOT NULL,
    voided_by INTEGER REFERENCES users (id),
    voided_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX vote_voids_vote ON vote_voids (vote_id);

CREATE TRIGGER vote_voids_no_update BEFORE UPDATE ON vote_voids
BEGIN SELECT RAISE(ABORT, 'vote_voids is append-only'); END;
CREATE TRIGGER vote_voids_no_delete BEFORE DELETE ON vote_voids
BEGIN SELECT RAISE(ABORT, 'vote_voids is append-only'); END;
