-- Presentation schedule settings per judged stage (SQLite). Keep in step with
-- ../postgres/0012_presentation_settings.sql.
-- The default slot shape (talk including video, then questions), the break between slots,
-- the first start and the day end last used to generate, the default meeting link and
-- room, and when the committee published the schedule to units and judges
-- (published_at NULL: only the committee sees it).
CREATE TABLE presentation_settings (
    stage_id INTEGER PRIMARY KEY REFERENCES stages (id) ON DELETE CASCADE,
    talk_minutes INTEGER NOT NULL DEFAULT 10,
    video_minutes INTEGER NOT NULL DEFAULT 3,
    qa_minutes INTEGER NOT NULL DEFAULT 20,
    break_minutes INTEGER NOT NULL DEFAULT 0,
    start_local TEXT NOT NULL DEFAULT '',
    day_end TEXT NOT NULL DEFAULT '',
    meeting_url TEXT NOT NULL DEFAULT '',
    room TEXT NOT NULL DEFAULT '',
    published_at INTEGER,
    published_by INTEGER REFERENCES users (id),
    updated_at INTEGER NOT NULL
);
