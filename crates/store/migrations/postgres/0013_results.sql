-- Results (PostgreSQL): once a judged stage is frozen (stage_judging.frozen_at), its score
-- sheets cannot change — the frozen ranking must stay traceable to them. Keep in step with
-- ../sqlite/0013_results.sql.
CREATE FUNCTION score_sheets_not_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM assignments a JOIN stage_judging sj ON sj.stage_id = a.stage_id
               WHERE a.id = (CASE WHEN TG_OP = 'INSERT' THEN NEW.assignment_id
                                  ELSE OLD.assignment_id END)
                 AND sj.frozen_at IS NOT NULL) THEN
        RAISE EXCEPTION 'stage is frozen';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER score_sheets_frozen BEFORE INSERT OR UPDATE ON score_sheets
FOR EACH ROW EXECUTE FUNCTION score_sheets_not_frozen();
