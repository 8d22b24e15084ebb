//! Judged-stage settings (`stage_judging`): one row per judged stage with its rubric and
//! panel rules, created lazily with the national default rubric for the stage's kind.

use kolabik_domain::rubric::Rubric;
use kolabik_domain::{Id, Instant, Stage};
use sqlx::{Any, Executor, Row};

use crate::{Result, Tx, flag};

/// One judged stage's settings. `rubric_json` is a `domain::rubric::Rubric`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StageJudging {
    pub stage_id: Id,
    pub rubric_json: String,
    /// Unit identity hidden from judges.
    pub blind: bool,
    pub reviews_per_proposal: i64,
    pub min_academic: i64,
    pub min_practitioner: i64,
    pub max_load: i64,
    /// The stage's weight in the final score, basis points (10000 = 100 %).
    pub final_weight_bp: i64,
    pub promote_top_n: Option<i64>,
    pub passing_grade: Option<f64>,
    pub disagreement_threshold: f64,
    pub frozen_at: Option<Instant>,
    pub frozen_by: Option<Id>,
    pub updated_at: Instant,
}

impl StageJudging {
    /// The stored rubric; a row written by this crate always holds a valid one, but a
    /// damaged value falls back to nothing rather than a panic.
    pub fn rubric(&self) -> Option<Rubric> {
        serde_json::from_str(&self.rubric_json).ok()
    }
}

const COLUMNS: &str = "stage_id, rubric_json, blind, reviews_per_proposal, min_academic, \
    min_practitioner, max_load, final_weight_bp, promote_top_n, passing_grade, \
    disagreement_threshold, frozen_at, frozen_by, updated_at";

fn from_row(r: &crate::AnyRow) -> Result<StageJudging> {
    Ok(StageJudging {
        stage_id: r.try_get("stage_id")?,
        rubric_json: r.try_get("rubric_json")?,
        blind: r.try_get::<i64, _>("blind")? != 0,
        reviews_per_proposal: r.try_get("reviews_per_proposal")?,
        min_academic: r.try_get("min_academic")?,
        min_practitioner: r.try_get("min_practitioner")?,
        max_load: r.try_get("max_load")?,
        final_weight_bp: r.try_get("final_weight_bp")?,
        promote_top_n: r.try_get("promote_top_n")?,
        passing_grade: r.try_get("passing_grade")?,
        disagreement_threshold: r.try_get("disagreement_threshold")?,
        frozen_at: r.try_get::<Option<i64>, _>("frozen_at")?.map(Instant),
        frozen_by: r.try_get("frozen_by")?,
        updated_at: Instant(r.try_get("updated_at")?),
    })
}

pub async fn get<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
) -> Result<Option<StageJudging>> {
    let sql = format!("SELECT {COLUMNS} FROM stage_judging WHERE stage_id = $1");
    let row = sqlx::query(&sql).bind(stage_id).fetch_optional(ex).await?;
    row.as_ref().map(from_row).transpose()
}

/// The stage's settings, creating the row with the default rubric of its kind (and the
/// schema's default panel rules) when it does not exist yet. `None` for a stage that is not
/// judged (no default rubric).
pub async fn get_or_default(
    tx: &mut Tx,
    stage: &Stage,
    now: Instant,
) -> Result<Option<StageJudging>> {
    if let Some(sj) = get(&mut **tx, stage.id).await? {
        return Ok(Some(sj));
    }
    let Some(rubric) = Rubric::default_for(stage.kind) else {
        return Ok(None);
    };
    sqlx::query(
        "INSERT INTO stage_judging (stage_id, rubric_json, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (stage_id) DO NOTHING",
    )
    .bind(stage.id)
    .bind(rubric.to_json())
    .bind(now.millis())
    .execute(&mut **tx)
    .await?;
    get(&mut **tx, stage.id).await
}

/// Writes every setting except the rubric and the freeze. A missing passing grade is a
/// literal `NULL` (see `sheets::write` on binding a NULL `f64`).
pub async fn update_settings<'e>(
    ex: impl Executor<'e, Database = Any>,
    s: &StageJudging,
    now: Instant,
) -> Result<()> {
    let sql = if s.passing_grade.is_some() {
        "UPDATE stage_judging SET blind = $1, reviews_per_proposal = $2, min_academic = $3, \
         min_practitioner = $4, max_load = $5, final_weight_bp = $6, promote_top_n = $7, \
         disagreement_threshold = $8, updated_at = $9, passing_grade = $11 WHERE stage_id = $10"
    } else {
        "UPDATE stage_judging SET blind = $1, reviews_per_proposal = $2, min_academic = $3, \
         min_practitioner = $4, max_load = $5, final_weight_bp = $6, promote_top_n = $7, \
         disagreement_threshold = $8, updated_at = $9, passing_grade = NULL WHERE stage_id = $10"
    };
    let mut q = sqlx::query(sql)
        .bind(flag(s.blind))
        .bind(s.reviews_per_proposal)
        .bind(s.min_academic)
        .bind(s.min_practitioner)
        .bind(s.max_load)
        .bind(s.final_weight_bp)
        .bind(s.promote_top_n)
        .bind(s.disagreement_threshold)
        .bind(now.millis())
        .bind(s.stage_id);
    if let Some(g) = s.passing_grade {
        q = q.bind(g);
    }
    q.execute(ex).await?;
    Ok(())
}

pub async fn set_rubric<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
    rubric: &Rubric,
    now: Instant,
) -> Result<()> {
    sqlx::query("UPDATE stage_judging SET rubric_json = $1, updated_at = $2 WHERE stage_id = $3")
        .bind(rubric.to_json())
        .bind(now.millis())
        .bind(stage_id)
        .execute(ex)
        .await?;
    Ok(())
}
