//! Who judges what in a judged stage. Shared by the assignment solver's runs, the
//! committee's manual overrides and the judges' scoring queue.
//!
//! The visibility rule lives here in SQL so every reader applies it the same way: a judge
//! sees an assigned proposal only while no conflict between the two is active (a conflict
//! is active while `lifted_at IS NULL`).

use kolabik_domain::Id;
use sqlx::{Any, Executor, Row};

use crate::{Result, dup};

/// `WHERE`-clause fragment: no active conflict between `a.judge_id` and `a.proposal_id`.
/// Use with the assignment aliased as `a`.
pub const NO_ACTIVE_CONFLICT: &str = "NOT EXISTS (SELECT 1 FROM conflicts c \
     WHERE c.judge_id = a.judge_id AND c.proposal_id = a.proposal_id AND c.lifted_at IS NULL)";

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Assignment {
    pub id: Id,
    pub stage_id: Id,
    pub judge_id: Id,
    pub proposal_id: Id,
    /// Placed by the committee by hand: the solver keeps it.
    pub manual: bool,
    /// The expertise affinity the solver saw for this pair.
    pub affinity: i64,
    pub created_at: i64,
}

const COLUMNS: &str =
    "a.id, a.stage_id, a.judge_id, a.proposal_id, a.manual, a.affinity, a.created_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Assignment> {
    let manual: i64 = r.try_get("manual")?;
    Ok(Assignment {
        id: r.try_get("id")?,
        stage_id: r.try_get("stage_id")?,
        judge_id: r.try_get("judge_id")?,
        proposal_id: r.try_get("proposal_id")?,
        manual: manual != 0,
        affinity: r.try_get("affinity")?,
        created_at: r.try_get("created_at")?,
    })
}

pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
    judge_id: Id,
    proposal_id: Id,
    manual: bool,
    affinity: i64,
    now: i64,
) -> Result<Id> {
    sqlx::query_scalar(
        "INSERT INTO assignments (stage_id, judge_id, proposal_id, manual, affinity, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(stage_id)
    .bind(judge_id)
    .bind(proposal_id)
    .bind(i64::from(manual))
    .bind(affinity)
    .bind(now)
    .fetch_one(ex)
    .await
    .map_err(dup("assignment"))
}

/// Removes one assignment (and, by cascade, its score sheet).
pub async fn delete<'e>(ex: impl Executor<'e, Database = Any>, id: Id) -> Result<bool> {
    let done = sqlx::query("DELETE FROM assignments WHERE id = $1")
        .bind(id)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn get<'e>(ex: impl Executor<'e, Database = Any>, id: Id) -> Result<Option<Assignment>> {
    let sql = format!("SELECT {COLUMNS} FROM assignments a WHERE a.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(ex).await?;
    row.as_ref().map(from_row).transpose()
}

/// Every assignment of a stage, conflicted or not (the committee's view), by proposal.
pub async fn for_stage<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
) -> Result<Vec<Assignment>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM assignments a WHERE a.stage_id = $1 \
         ORDER BY a.proposal_id, a.judge_id"
    );
    let rows = sqlx::query(&sql).bind(stage_id).fetch_all(ex).await?;
    rows.iter().map(from_row).collect()
}

/// A judge's assignments in a stage that the judge may see: none with an active conflict.
pub async fn visible_to_judge<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
    judge_id: Id,
) -> Result<Vec<Assignment>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM assignments a WHERE a.stage_id = $1 AND a.judge_id = $2 \
         AND {NO_ACTIVE_CONFLICT} ORDER BY a.proposal_id"
    );
    let rows = sqlx::query(&sql)
        .bind(stage_id)
        .bind(judge_id)
        .fetch_all(ex)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The assignment of `judge_id` to `proposal_id` in a stage, if it exists and no conflict
/// between them is active.
pub async fn visible_pair<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
    judge_id: Id,
    proposal_id: Id,
) -> Result<Option<Assignment>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM assignments a WHERE a.stage_id = $1 AND a.judge_id = $2 \
         AND a.proposal_id = $3 AND {NO_ACTIVE_CONFLICT}"
    );
    let row = sqlx::query(&sql)
        .bind(stage_id)
        .bind(judge_id)
        .bind(proposal_id)
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(from_row).transpose()
}
