-- The jury (SQLite): judged stages with their rubric and panel rules, judges invited per
-- edition and their conflict declaration, conflicts that can be lifted, assignment runs,
-- score sheets, frozen results, committee recusals, the presentation schedule and field
-- verification. Keep in step with ../postgres/0009_jury.sql.

-- Aggregation of judges' totals (domain::calibration::AggregationMethod code), chosen per
-- edition and copied into every frozen result; feedback to participants is released when
-- the committee chooses.
ALTER TABLE editions ADD COLUMN aggregation_method TEXT NOT NULL DEFAULT 'mean';
ALTER TABLE editions ADD COLUMN feedback_released_at INTEGER;

-- One row per judged stage (penilaian, presentasi_wawancara, verifikasi_lapangan).
-- rubric_json is a domain::rubric::Rubric; it may change only before the stage opens.
-- final_weight_bp is the stage's weight in the final score (basis points, 10000 = 100 %).
-- Promotion into the next judged stage: the top promote_top_n per category and/or every
-- proposal at or above passing_grade (0–100). frozen_at: results frozen, nothing changes.
CREATE TABLE stage_judging (
    stage_id INTEGER PRIMARY KEY REFERENCES stages (id) ON DELETE CASCADE,
    rubric_json TEXT NOT NULL,
    blind INTEGER NOT NULL DEFAULT 0,
    reviews_per_proposal INTEGER NOT NULL DEFAULT 3,
    min_academic INTEGER NOT NULL DEFAULT 1,
    min_practitioner INTEGER NOT NULL DEFAULT 1,
    max_load INTEGER NOT NULL DEFAULT 10,
    final_weight_bp INTEGER NOT NULL DEFAULT 0,
    promote_top_n INTEGER,
    passing_grade REAL,
    disagreement_threshold REAL NOT NULL DEFAULT 20,
    frozen_at INTEGER,
    frozen_by INTEGER REFERENCES users (id),
    updated_at INTEGER NOT NULL
);

-- Which proposals take part in a judged stage: all that passed screening for the first
-- one (source 'screening'), those promoted from the previous stage ('promotion'), or added
-- by the committee ('manual').
CREATE TABLE stage_entries (
    stage_id INTEGER NOT NULL REFERENCES stages (id) ON DELETE CASCADE,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (stage_id, proposal_id)
);

-- A judge of the pool invited to one edition. The e-mail link (token_hash, SHA-256 of a
-- random token) expires at expires_at and works once. declared_at: the judge completed the
-- conflict-of-interest declaration; no proposal is shown before it.
CREATE TABLE edition_judges (
    edition_id INTEGER NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    judge_id INTEGER NOT NULL REFERENCES judges (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    token_hash TEXT,
    invited_by INTEGER REFERENCES users (id),
    invited_at INTEGER NOT NULL,
    expires_at INTEGER,
    responded_at INTEGER,
    declared_at INTEGER,
    declaration_note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (edition_id, judge_id)
);
CREATE UNIQUE INDEX edition_judges_token ON edition_judges (token_hash);

-- Institutions a judge is tied to besides units (free text, compared case-folded).
CREATE TABLE judge_institution_ties (
    judge_id INTEGER NOT NULL REFERENCES judges (id) ON DELETE CASCADE,
    institution TEXT NOT NULL,
    PRIMARY KEY (judge_id, institution)
);

-- A conflict is active while lifted_at IS NULL. Only the committee lifts one, and a pinned
-- conflict only by the committee; the row stays for the record.
ALTER TABLE conflicts ADD COLUMN created_by INTEGER REFERENCES users (id);
ALTER TABLE conflicts ADD COLUMN lifted_at INTEGER;
ALTER TABLE conflicts ADD COLUMN lifted_by INTEGER REFERENCES users (id);
ALTER TABLE conflicts ADD COLUMN lift_reason TEXT;
CREATE INDEX conflicts_judge ON conflicts (judge_id);

-- manual = 1: placed by the committee by hand; the solver keeps it. affinity: the
-- expertise affinity the solver saw for this pair.
ALTER TABLE assignments ADD COLUMN manual INTEGER NOT NULL DEFAULT 0;
ALTER TABLE assignments ADD COLUMN affinity INTEGER NOT NULL DEFAULT 0;
CREATE INDEX assignments_stage_proposal ON assignments (stage_id, proposal_id);

-- One solver run per request: long runs show progress and survive a page reload.
-- state: queued | running | done | failed. report_json: domain::assignment::Solution.
CREATE TABLE assignment_runs (
    id INTEGER PRIMARY KEY,
    stage_id INTEGER NOT NULL REFERENCES stages (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    progress INTEGER NOT NULL DEFAULT 0,
    status TEXT,
    objective INTEGER,
    report_json TEXT,
    error TEXT,
    requested_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX assignment_runs_stage ON assignment_runs (stage_id, id);

-- scores_json is a domain::scoring::Sheet. total: the weighted 0–100 total, set on submit.
-- A submitted sheet is locked until the committee reopens it (reopened_at/by, logged).
ALTER TABLE score_sheets ADD COLUMN total REAL;
ALTER TABLE score_sheets ADD COLUMN reopened_at INTEGER;
ALTER TABLE score_sheets ADD COLUMN reopened_by INTEGER REFERENCES users (id);

-- Frozen results: one row per proposal of a stage (stage_id) when the stage is frozen, and
-- one per proposal of the edition's final ranking (stage_id NULL). breakdown_json holds the
-- sheets' totals, the method, the flags and the tie-break that decided the rank, so every
-- published number can be traced.
CREATE TABLE results (
    id INTEGER PRIMARY KEY,
    edition_id INTEGER NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    stage_id INTEGER REFERENCES stages (id) ON DELETE CASCADE,
    category_id INTEGER REFERENCES categories (id),
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    method TEXT NOT NULL,
    score REAL,
    rank INTEGER,
    promoted INTEGER NOT NULL DEFAULT 0,
    breakdown_json TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX results_edition_stage ON results (edition_id, stage_id, category_id, rank);

-- A committee member with a conflict on one proposal steps aside; the deputy acts for
-- that proposal. Active while lifted_at IS NULL.
CREATE TABLE committee_recusals (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    deputy_user_id INTEGER REFERENCES users (id),
    reason TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL,
    lifted_at INTEGER
);
CREATE INDEX committee_recusals_user ON committee_recusals (user_id, proposal_id);

-- Presentation & interview: one slot per proposal of the stage. The panel of a slot is the
-- stage's assignments for that proposal.
CREATE TABLE presentation_slots (
    id INTEGER PRIMARY KEY,
    stage_id INTEGER NOT NULL REFERENCES stages (id) ON DELETE CASCADE,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    starts_at INTEGER NOT NULL,
    talk_minutes INTEGER NOT NULL,
    video_minutes INTEGER NOT NULL,
    qa_minutes INTEGER NOT NULL,
    meeting_url TEXT NOT NULL DEFAULT '',
    room TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX presentation_slots_proposal ON presentation_slots (stage_id, proposal_id);

-- Field verification: the committee's checklist per edition, one visit per proposal,
-- photos as files. announced = 0: the unit is not told beforehand.
CREATE TABLE field_checklist_items (
    id INTEGER PRIMARY KEY,
    edition_id INTEGER NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    label TEXT NOT NULL
);
CREATE INDEX field_checklist_edition ON field_checklist_items (edition_id, position);

CREATE TABLE field_visits (
    id INTEGER PRIMARY KEY,
    stage_id INTEGER NOT NULL REFERENCES stages (id) ON DELETE CASCADE,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    scheduled_at INTEGER,
    announced INTEGER NOT NULL DEFAULT 1,
    checklist_json TEXT NOT NULL DEFAULT '[]',
    notes TEXT NOT NULL DEFAULT '',
    visited_by INTEGER REFERENCES users (id),
    completed_at INTEGER,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX field_visits_proposal ON field_visits (stage_id, proposal_id);

CREATE TABLE field_visit_photos (
    visit_id INTEGER NOT NULL REFERENCES field_visits (id) ON DELETE CASCADE,
    file_id INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    caption TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    PRIMARY KEY (visit_id, file_id)
);
