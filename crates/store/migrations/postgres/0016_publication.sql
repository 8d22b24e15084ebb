-- Publication of results (PostgreSQL): the committee publishes an edition's final ranking
-- once it is frozen; results_show_scores chooses whether the public page shows the scores.
-- Keep in step with ../sqlite/0016_publication.sql.
ALTER TABLE editions ADD COLUMN results_published_at BIGINT;
ALTER TABLE editions ADD COLUMN results_show_scores BIGINT NOT NULL DEFAULT 0;
