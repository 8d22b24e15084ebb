-- Publication of results (SQLite): the committee publishes an edition's final ranking once
-- it is frozen; results_show_scores chooses whether the public page shows the scores.
-- Keep in step with ../postgres/0016_publication.sql.
ALTER TABLE editions ADD COLUMN results_published_at INTEGER;
ALTER TABLE editions ADD COLUMN results_show_scores INTEGER NOT NULL DEFAULT 0;
