-- Results (SQLite): once a judged stage is frozen (stage_judging.frozen_at), its score
-- sheets cannot change — the frozen ranking must stay traceable to them. Keep in step with
-- ../postgres/0013_results.sql.
CREATE TRIGGER score_sheets_frozen_insert BEFORE INSERT ON score_sheets
WHEN EXISTS (SELECT 1 FROM assignments a JOIN stage_judging sj ON sj.stage_id = a.stage_id
             WHERE a.id = NEW.assignment_id AND sj.frozen_at IS NOT NULL)
BEGIN SELECT RAISE(ABORT, 'stage is frozen'); END;
CREATE TRIGGER score_sheets_frozen_update BEFORE UPDATE ON score_sheets
WHEN EXISTS (SELECT 1 FROM assignments a JOIN stage_judging sj ON sj.stage_id = a.stage_id
             WHERE a.id = OLD.assignment_id AND sj.frozen_at IS NOT NULL)
BEGIN SELECT RAISE(ABORT, 'stage is frozen'); END;
