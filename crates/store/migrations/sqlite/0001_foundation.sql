-- Kolabik foundation schema (SQLite). Keep in step with ../postgres/0001_foundation.sql:
-- the same tables, columns, order, nullability and index names (a test compares them).
-- Instants are INTEGER milliseconds since the Unix epoch (UTC); flags are INTEGER 0/1.

CREATE TABLE editions (
    id INTEGER PRIMARY KEY,
    year INTEGER NOT NULL,
    name TEXT NOT NULL,
    theme TEXT NOT NULL,
    organiser TEXT NOT NULL,
    description TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    is_current INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX editions_one_current ON editions (is_current) WHERE is_current = 1;
CREATE UNIQUE INDEX editions_year_name ON editions (year, name);

CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    edition_id INTEGER NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    position INTEGER NOT NULL
);
CREATE UNIQUE INDEX categories_edition_code ON categories (edition_id, code);

CREATE TABLE stages (
    id INTEGER PRIMARY KEY,
    edition_id INTEGER NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    opens_at INTEGER NOT NULL,
    closes_at INTEGER NOT NULL,
    CHECK (opens_at <= closes_at)
);
CREATE UNIQUE INDEX stages_edition_kind ON stages (edition_id, kind);

CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id INTEGER REFERENCES units (id),
    region_code TEXT,
    npsn TEXT,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX units_code ON units (code);
CREATE UNIQUE INDEX units_npsn ON units (npsn);
CREATE INDEX units_parent ON units (parent_id);
CREATE INDEX units_kind_name ON units (kind, name);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    nip TEXT,
    password_hash TEXT NOT NULL,
    must_change_password INTEGER NOT NULL,
    disabled INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (email);

CREATE TABLE role_grants (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    edition_id INTEGER NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    unit_id INTEGER REFERENCES units (id),
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX role_grants_unique ON role_grants (user_id, edition_id, role, COALESCE(unit_id, 0));
CREATE INDEX role_grants_edition_role ON role_grants (edition_id, role);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    label TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);

CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    ip TEXT NOT NULL,
    at INTEGER NOT NULL,
    succeeded INTEGER NOT NULL
);
CREATE INDEX login_attempts_email_at ON login_attempts (email, at);
CREATE INDEX login_attempts_ip_at ON login_attempts (ip, at);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_user_id INTEGER,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT,
    before_json TEXT,
    after_json TEXT,
    ip TEXT
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_entity ON audit_events (entity, entity_id);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;

CREATE TABLE proposals (
    id INTEGER PRIMARY KEY,
    edition_id INTEGER NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    category_id INTEGER REFERENCES categories (id),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    problem TEXT NOT NULL,
    idea TEXT NOT NULL,
    novelty TEXT NOT NULL,
    results TEXT NOT NULL,
    atm_source TEXT,
    state TEXT NOT NULL,
    innovation_stage TEXT NOT NULL,
    started_on TEXT,
    value_codes TEXT NOT NULL,
    sdg_numbers TEXT NOT NULL,
    receipt_number TEXT,
    state_reason TEXT,
    submitted_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX proposals_edition_state ON proposals (edition_id, state);
CREATE INDEX proposals_unit ON proposals (unit_id);
CREATE UNIQUE INDEX proposals_receipt ON proposals (receipt_number);

CREATE TABLE judges (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    institution TEXT NOT NULL,
    expertise TEXT NOT NULL
);
CREATE UNIQUE INDEX judges_user ON judges (user_id);

CREATE TABLE judge_ties (
    judge_id INTEGER NOT NULL REFERENCES judges (id) ON DELETE CASCADE,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    PRIMARY KEY (judge_id, unit_id)
);

CREATE TABLE conflicts (
    id INTEGER PRIMARY KEY,
    judge_id INTEGER NOT NULL REFERENCES judges (id) ON DELETE CASCADE,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX conflicts_unique ON conflicts (judge_id, proposal_id, source);
CREATE INDEX conflicts_proposal ON conflicts (proposal_id);

CREATE TABLE assignments (
    id INTEGER PRIMARY KEY,
    stage_id INTEGER NOT NULL REFERENCES stages (id) ON DELETE CASCADE,
    judge_id INTEGER NOT NULL REFERENCES judges (id),
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX assignments_unique ON assignments (stage_id, judge_id, proposal_id);
CREATE INDEX assignments_judge ON assignments (judge_id);

CREATE TABLE score_sheets (
    id INTEGER PRIMARY KEY,
    assignment_id INTEGER NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    scores_json TEXT NOT NULL,
    submitted_at INTEGER,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX score_sheets_assignment ON score_sheets (assignment_id);
