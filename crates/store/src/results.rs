//! Rankings and frozen results: what a judged stage's ranking is computed from (the
//! stage's proposals, the submitted sheets of its assignments, its judging settings),
//! freezing a stage, the `results` rows, the edition's aggregation method and feedback
//! release, and who may not see which proposal (conflicts, committee recusals).

use kolabik_domain::{Id, Instant};
use sqlx::{Any, Executor, Row};

use crate::Result;
use crate::assignments::NO_ACTIVE_CONFLICT;

/// The judging settings of a stage that rankings need (`stage_judging`, read only here).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Judging {
    pub stage_id: Id,
    pub rubric_json: String,
    pub final_weight_bp: i64,
    pub promote_top_n: Option<i64>,
    pub passing_grade: Option<f64>,
    pub disagreement_threshold: f64,
    pub frozen_at: Option<Instant>,
    pub frozen_by: Option<Id>,
    pub frozen_by_name: Option<String>,
}

const JUDGING_COLUMNS: &str = "sj.stage_id, sj.rubric_json, sj.final_weight_bp, \
     sj.promote_top_n, sj.passing_grade, sj.disagreement_threshold, sj.frozen_at, \
     sj.frozen_by, u.name AS frozen_by_name";

fn judging_row(r: &sqlx::any::AnyRow) -> Result<Judging> {
    Ok(Judging {
        stage_id: r.try_get("stage_id")?,
        rubric_json: r.try_get("rubric_json")?,
        final_weight_bp: r.try_get("final_weight_bp")?,
        promote_top_n: r.try_get("promote_top_n")?,
        passing_grade: r.try_get("passing_grade")?,
        disagreement_threshold: r.try_get("disagreement_threshold")?,
        frozen_at: r.try_get::<Option<i64>, _>("frozen_at")?.map(Instant),
        frozen_by: r.try_get("frozen_by")?,
        frozen_by_name: r.try_get("frozen_by_name")?,
    })
}

pub async fn judging<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
) -> Result<Option<Judging>> {
    let sql = format!(
        "SELECT {JUDGING_COLUMNS} FROM stage_judging sj \
         LEFT JOIN users u ON u.id = sj.frozen_by WHERE sj.stage_id = $1"
    );
    let row = sqlx::query(&sql).bind(stage_id).fetch_optional(ex).await?;
    row.as_ref().map(judging_row).transpose()
}

/// Every judged stage's settings in an edition, with the stage kind code.
pub async fn judgings_for_edition<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<(String, Judging)>> {
    let sql = format!(
        "SELECT s.kind, {JUDGING_COLUMNS} FROM stage_judging sj \
         JOIN stages s ON s.id = sj.stage_id LEFT JOIN users u ON u.id = sj.frozen_by \
         WHERE s.edition_id = $1 ORDER BY s.opens_at, s.id"
    );
    let rows = sqlx::query(&sql).bind(edition_id).fetch_all(ex).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("kind")?, judging_row(r)?)))
        .collect()
}

/// Sets `frozen_at`/`frozen_by` unless the stage is already frozen. True when it froze.
pub async fn freeze<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
    user_id: Option<Id>,
    now: Instant,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE stage_judging SET frozen_at = $2, frozen_by = $3 \
         WHERE stage_id = $1 AND frozen_at IS NULL",
    )
    .bind(stage_id)
    .bind(now.millis())
    .bind(user_id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A proposal that takes part in a stage: an entry, or assigned to a judge of the stage.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StageProposal {
    pub id: Id,
    pub title: String,
    pub unit_id: Id,
    pub unit_name: String,
    pub category_id: Option<Id>,
    pub category_name: Option<String>,
    pub state: String,
    pub submitted_at: Option<Instant>,
    /// The entry's source (`screening`, `promotion`, `manual`); `None` when the proposal is
    /// only assigned.
    pub source: Option<String>,
}

pub async fn stage_proposals<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
) -> Result<Vec<StageProposal>> {
    let rows = sqlx::query(
        "SELECT p.id, p.title, p.unit_id, un.name AS unit_name, p.category_id, \
         c.name AS category_name, p.state, p.submitted_at, e.source \
         FROM proposals p JOIN units un ON un.id = p.unit_id \
         LEFT JOIN categories c ON c.id = p.category_id \
         LEFT JOIN stage_entries e ON e.stage_id = $1 AND e.proposal_id = p.id \
         WHERE e.proposal_id IS NOT NULL OR EXISTS \
           (SELECT 1 FROM assignments a WHERE a.stage_id = $1 AND a.proposal_id = p.id) \
         ORDER BY c.position, p.category_id, p.id",
    )
    .bind(stage_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(StageProposal {
                id: r.try_get("id")?,
                title: r.try_get("title")?,
                unit_id: r.try_get("unit_id")?,
                unit_name: r.try_get("unit_name")?,
                category_id: r.try_get("category_id")?,
                category_name: r.try_get("category_name")?,
                state: r.try_get("state")?,
                submitted_at: r.try_get::<Option<i64>, _>("submitted_at")?.map(Instant),
                source: r.try_get("source")?,
            })
        })
        .collect()
}

/// One assignment of a stage with its sheet (if any). Assignments under an active conflict
/// are left out: their sheets neither count nor are awaited.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StageSheet {
    pub assignment_id: Id,
    pub judge_id: Id,
    pub judge_user_id: Id,
    pub judge_name: String,
    pub judge_kind: String,
    pub proposal_id: Id,
    pub state: Option<String>,
    pub total: Option<f64>,
    pub scores_json: Option<String>,
    pub submitted_at: Option<Instant>,
}

impl StageSheet {
    pub fn is_submitted(&self) -> bool {
        self.state.as_deref() == Some("submitted") && self.total.is_some()
    }
}

pub async fn stage_sheets<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
) -> Result<Vec<StageSheet>> {
    let sql = format!(
        "SELECT a.id AS assignment_id, a.judge_id, j.user_id, us.name AS judge_name, \
         j.kind AS judge_kind, a.proposal_id, s.state, s.total, s.scores_json, s.submitted_at \
         FROM assignments a JOIN judges j ON j.id = a.judge_id \
         JOIN users us ON us.id = j.user_id \
         LEFT JOIN score_sheets s ON s.assignment_id = a.id \
         WHERE a.stage_id = $1 AND {NO_ACTIVE_CONFLICT} ORDER BY a.proposal_id, a.judge_id"
    );
    let rows = sqlx::query(&sql).bind(stage_id).fetch_all(ex).await?;
    rows.iter()
        .map(|r| {
            Ok(StageSheet {
                assignment_id: r.try_get("assignment_id")?,
                judge_id: r.try_get("judge_id")?,
                judge_user_id: r.try_get("user_id")?,
                judge_name: r.try_get("judge_name")?,
                judge_kind: r.try_get("judge_kind")?,
                proposal_id: r.try_get("proposal_id")?,
                state: r.try_get("state")?,
                total: r.try_get("total")?,
                scores_json: r.try_get("scores_json")?,
                submitted_at: r.try_get::<Option<i64>, _>("submitted_at")?.map(Instant),
            })
        })
        .collect()
}

/// One frozen result row.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ResultRow {
    pub id: Id,
    pub edition_id: Id,
    pub stage_id: Option<Id>,
    pub category_id: Option<Id>,
    pub proposal_id: Id,
    pub method: String,
    pub score: Option<f64>,
    pub rank: Option<i64>,
    pub promoted: bool,
    pub breakdown_json: String,
    pub created_at: Instant,
}

pub struct NewResult<'a> {
    pub edition_id: Id,
    pub stage_id: Option<Id>,
    pub category_id: Option<Id>,
    pub proposal_id: Id,
    pub method: &'a str,
    pub score: Option<f64>,
    pub rank: Option<i64>,
    pub breakdown_json: &'a str,
    pub now: Instant,
}

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, r: NewResult<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO results (edition_id, stage_id, category_id, proposal_id, method, score, \
         rank, promoted, breakdown_json, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9)",
    )
    .bind(r.edition_id)
    .bind(r.stage_id)
    .bind(r.category_id)
    .bind(r.proposal_id)
    .bind(r.method)
    .bind(r.score)
    .bind(r.rank)
    .bind(r.breakdown_json)
    .bind(r.now.millis())
    .execute(ex)
    .await?;
    Ok(())
}

const RESULT_COLUMNS: &str = "id, edition_id, stage_id, category_id, proposal_id, method, \
     score, rank, promoted, breakdown_json, created_at";

fn result_row(r: &sqlx::any::AnyRow) -> Result<ResultRow> {
    let promoted: i64 = r.try_get("promoted")?;
    Ok(ResultRow {
        id: r.try_get("id")?,
        edition_id: r.try_get("edition_id")?,
        stage_id: r.try_get("stage_id")?,
        category_id: r.try_get("category_id")?,
        proposal_id: r.try_get("proposal_id")?,
        method: r.try_get("method")?,
        score: r.try_get("score")?,
        rank: r.try_get("rank")?,
        promoted: promoted != 0,
        breakdown_json: r.try_get("breakdown_json")?,
        created_at: Instant(r.try_get("created_at")?),
    })
}

/// A frozen stage's results, by category and rank (unranked last).
pub async fn for_stage<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
) -> Result<Vec<ResultRow>> {
    let sql = format!(
        "SELECT {RESULT_COLUMNS} FROM results WHERE stage_id = $1 \
         ORDER BY category_id, CASE WHEN rank IS NULL THEN 1 ELSE 0 END, rank, proposal_id"
    );
    let rows = sqlx::query(&sql).bind(stage_id).fetch_all(ex).await?;
    rows.iter().map(result_row).collect()
}

/// The edition's final ranking (rows with no stage).
pub async fn final_for_edition<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<ResultRow>> {
    let sql = format!(
        "SELECT {RESULT_COLUMNS} FROM results WHERE edition_id = $1 AND stage_id IS NULL \
         ORDER BY category_id, CASE WHEN rank IS NULL THEN 1 ELSE 0 END, rank, proposal_id"
    );
    let rows = sqlx::query(&sql).bind(edition_id).fetch_all(ex).await?;
    rows.iter().map(result_row).collect()
}

/// Every frozen stage result of an edition (stage rows only).
pub async fn stage_results_for_edition<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<ResultRow>> {
    let sql = format!(
        "SELECT {RESULT_COLUMNS} FROM results WHERE edition_id = $1 AND stage_id IS NOT NULL \
         ORDER BY stage_id, proposal_id"
    );
    let rows = sqlx::query(&sql).bind(edition_id).fetch_all(ex).await?;
    rows.iter().map(result_row).collect()
}

pub async fn delete_final<'e>(ex: impl Executor<'e, Database = Any>, edition_id: Id) -> Result<()> {
    sqlx::query("DELETE FROM results WHERE edition_id = $1 AND stage_id IS NULL")
        .bind(edition_id)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn mark_promoted<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
    proposal_id: Id,
) -> Result<()> {
    sqlx::query("UPDATE results SET promoted = 1 WHERE stage_id = $1 AND proposal_id = $2")
        .bind(stage_id)
        .bind(proposal_id)
        .execute(ex)
        .await?;
    Ok(())
}

/// Makes a `passed_screening` proposal a `finalist`. True when it changed.
pub async fn make_finalist<'e>(
    ex: impl Executor<'e, Database = Any>,
    proposal_id: Id,
    now: Instant,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE proposals SET state = 'finalist', updated_at = $2 \
         WHERE id = $1 AND state = 'passed_screening'",
    )
    .bind(proposal_id)
    .bind(now.millis())
    .execute(ex)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The edition's aggregation method code and when feedback was released.
pub async fn edition_settings<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<(String, Option<Instant>)> {
    let row =
        sqlx::query("SELECT aggregation_method, feedback_released_at FROM editions WHERE id = $1")
            .bind(edition_id)
            .fetch_one(ex)
            .await?;
    Ok((
        row.try_get("aggregation_method")?,
        row.try_get::<Option<i64>, _>("feedback_released_at")?
            .map(Instant),
    ))
}

pub async fn set_aggregation_method<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    method: &str,
) -> Result<()> {
    sqlx::query("UPDATE editions SET aggregation_method = $2 WHERE id = $1")
        .bind(edition_id)
        .bind(method)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn set_feedback_released<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    at: Option<Instant>,
) -> Result<()> {
    sqlx::query("UPDATE editions SET feedback_released_at = $2 WHERE id = $1")
        .bind(edition_id)
        .bind(at.map(Instant::millis))
        .execute(ex)
        .await?;
    Ok(())
}

/// Proposals the user, as a judge, has an active conflict with.
pub async fn conflicted_for_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: Id,
) -> Result<Vec<Id>> {
    Ok(sqlx::query_scalar(
        "SELECT c.proposal_id FROM conflicts c JOIN judges j ON j.id = c.judge_id \
         WHERE j.user_id = $1 AND c.lifted_at IS NULL",
    )
    .bind(user_id)
    .fetch_all(ex)
    .await?)
}

/// Proposals the committee member has stepped aside from (active recusals).
pub async fn recused_for_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: Id,
) -> Result<Vec<Id>> {
    Ok(sqlx::query_scalar(
        "SELECT proposal_id FROM committee_recusals WHERE user_id = $1 AND lifted_at IS NULL",
    )
    .bind(user_id)
    .fetch_all(ex)
    .await?)
}

/// Whether the user, as a judge of the edition, has completed the conflict declaration.
pub async fn judge_declared<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: Id,
    edition_id: Id,
) -> Result<bool> {
    let at: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT ej.declared_at FROM edition_judges ej JOIN judges j ON j.id = ej.judge_id \
         WHERE j.user_id = $1 AND ej.edition_id = $2",
    )
    .bind(user_id)
    .bind(edition_id)
    .fetch_optional(ex)
    .await?;
    Ok(matches!(at, Some(Some(_))))
}

/// The edition's proposals that can take part in judging, as (id, title).
pub async fn judgeable_proposals<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<(Id, String)>> {
    let sql = format!(
        "SELECT id, title FROM proposals WHERE edition_id = $1 AND state IN {} ORDER BY title, id",
        crate::stage_entries::JUDGEABLE_STATES
    );
    let rows = sqlx::query(&sql).bind(edition_id).fetch_all(ex).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("title")?)))
        .collect()
}

/// When the edition's results were published, and whether the scores are shown.
pub async fn publication<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<(Option<Instant>, bool)> {
    let row =
        sqlx::query("SELECT results_published_at, results_show_scores FROM editions WHERE id = $1")
            .bind(edition_id)
            .fetch_one(ex)
            .await?;
    let show: i64 = row.try_get("results_show_scores")?;
    Ok((
        row.try_get::<Option<i64>, _>("results_published_at")?
            .map(Instant),
        show != 0,
    ))
}

pub async fn set_publication<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    published_at: Instant,
    show_scores: bool,
) -> Result<()> {
    sqlx::query(
        "UPDATE editions SET results_published_at = $2, results_show_scores = $3 WHERE id = $1",
    )
    .bind(edition_id)
    .bind(published_at.millis())
    .bind(i64::from(show_scores))
    .execute(ex)
    .await?;
    Ok(())
}

/// Editions whose results are published, newest year first: (id, year, name, published at).
pub async fn published_editions<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<(Id, i64, String, Instant)>> {
    let rows = sqlx::query(
        "SELECT id, year, name, results_published_at FROM editions \
         WHERE results_published_at IS NOT NULL ORDER BY year DESC, id DESC",
    )
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get::<i64, _>("year")?,
                r.try_get("name")?,
                Instant(r.try_get("results_published_at")?),
            ))
        })
        .collect()
}

/// Makes a `passed_screening` or `finalist` proposal a `winner`. True when it changed.
pub async fn make_winner<'e>(
    ex: impl Executor<'e, Database = Any>,
    proposal_id: Id,
    now: Instant,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE proposals SET state = 'winner', updated_at = $2 \
         WHERE id = $1 AND state IN ('passed_screening', 'finalist')",
    )
    .bind(proposal_id)
    .bind(now.millis())
    .execute(ex)
    .await?;
    Ok(done.rows_affected() > 0)
}
