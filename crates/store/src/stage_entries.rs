//! Which proposals take part in a judged stage (`stage_entries`): those that passed
//! screening for the first judged stage, those promoted from the previous one, and those
//! the committee added by hand.

use kolabik_domain::{Id, Instant};
use sqlx::{Any, Executor, Row};

use crate::Result;

/// Proposal states that can take part in judging.
pub const JUDGEABLE_STATES: &str = "('passed_screening', 'finalist', 'winner')";

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    pub proposal_id: Id,
    /// `screening`, `promotion` or `manual`.
    pub source: String,
    pub created_at: Instant,
}

/// Adds every judgeable proposal of the edition that is not yet an entry of the stage
/// (source `screening`). Returns how many were added; running it again adds none.
pub async fn ensure_from_screening<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
    edition_id: Id,
    now: Instant,
) -> Result<u64> {
    let sql = format!(
        "INSERT INTO stage_entries (stage_id, proposal_id, source, created_at) \
         SELECT $1, p.id, 'screening', $3 FROM proposals p \
         WHERE p.edition_id = $2 AND p.state IN {JUDGEABLE_STATES} \
         AND NOT EXISTS (SELECT 1 FROM stage_entries e \
                         WHERE e.stage_id = $1 AND e.proposal_id = p.id)"
    );
    let done = sqlx::query(&sql)
        .bind(stage_id)
        .bind(edition_id)
        .bind(now.millis())
        .execute(ex)
        .await?;
    Ok(done.rows_affected())
}

/// Adds one entry unless it exists. True when it was added.
pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
    proposal_id: Id,
    source: &str,
    now: Instant,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO stage_entries (stage_id, proposal_id, source, created_at) \
         SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM stage_entries e \
         WHERE e.stage_id = $1 AND e.proposal_id = $2)",
    )
    .bind(stage_id)
    .bind(proposal_id)
    .bind(source)
    .bind(now.millis())
    .execute(ex)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Removes one entry. True when it existed.
pub async fn delete<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
    proposal_id: Id,
) -> Result<bool> {
    let done = sqlx::query("DELETE FROM stage_entries WHERE stage_id = $1 AND proposal_id = $2")
        .bind(stage_id)
        .bind(proposal_id)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The stage's entries, by proposal.
pub async fn list<'e>(ex: impl Executor<'e, Database = Any>, stage_id: Id) -> Result<Vec<Entry>> {
    let rows = sqlx::query(
        "SELECT proposal_id, source, created_at FROM stage_entries WHERE stage_id = $1 \
         ORDER BY proposal_id",
    )
    .bind(stage_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Entry {
                proposal_id: r.try_get("proposal_id")?,
                source: r.try_get("source")?,
                created_at: Instant(r.try_get("created_at")?),
            })
        })
        .collect()
}
