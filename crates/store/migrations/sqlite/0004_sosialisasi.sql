-- Sosialisasi: announcements, downloadable materials, and who has seen them (SQLite).
-- Keep in step with ../postgres/0004_sosialisasi.sql.

-- Uploaded files live in the database so every app node serves the same bytes and one
-- backup holds everything. The type is decided by the content, not the name.
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    content BLOB NOT NULL,
    uploaded_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL
);
CREATE INDEX files_sha256 ON files (sha256);

CREATE TABLE announcements (
    id INTEGER PRIMARY KEY,
    edition_id INTEGER NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    meeting_url TEXT,
    published_at INTEGER,
    created_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX announcements_edition ON announcements (edition_id, published_at);

CREATE TABLE announcement_files (
    announcement_id INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    file_id INTEGER NOT NULL REFERENCES files (id),
    PRIMARY KEY (announcement_id, file_id)
);

CREATE TABLE announcement_views (
    announcement_id INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    unit_id INTEGER REFERENCES units (id),
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (announcement_id, user_id)
);
CREATE INDEX announcement_views_unit ON announcement_views (announcement_id, unit_id);
