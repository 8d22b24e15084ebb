-- Notifications (SQLite). Keep in step with ../postgres/0003_notifications.sql: the same
-- tables, columns, order, nullability and index names (a test compares them).
-- `outbox` holds every e-mail until an SMTP server accepts it (or, without SMTP, keeps it for
-- the committee's mailbox); `notices` are the in-app messages of one user.

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    to_email TEXT NOT NULL,
    to_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    dedupe_key TEXT,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
CREATE UNIQUE INDEX outbox_dedupe_key ON outbox (dedupe_key);
CREATE INDEX outbox_state_next_attempt ON outbox (state, next_attempt_at);

CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    message_key TEXT NOT NULL,
    params_json TEXT NOT NULL,
    link TEXT,
    created_at INTEGER NOT NULL,
    read_at INTEGER
);
CREATE INDEX notices_user_read ON notices (user_id, read_at);
