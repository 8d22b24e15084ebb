//! Conflicts of interest between judges and proposals: automatic (from ties), declared by
//! the judge, pinned by the committee. A conflict is active while `lifted_at IS NULL`; the
//! row is never deleted, and at most one row exists per (judge, proposal, source), so a
//! recomputation never brings back a conflict the committee lifted.

use kolabik_domain::{ConflictSource, Id, Instant};
use sqlx::{Any, Executor, Row};

use crate::{AnyRow, Result, corrupt};

/// A conflict with the names the committee's list shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConflictRow {
    pub id: Id,
    pub judge_id: Id,
    pub judge_name: String,
    pub proposal_id: Id,
    pub proposal_title: String,
    pub unit_name: String,
    pub source: ConflictSource,
    pub reason: String,
    pub created_at: Instant,
    pub created_by_name: Option<String>,
    pub lifted_at: Option<Instant>,
    pub lifted_by_name: Option<String>,
    pub lift_reason: Option<String>,
}

impl ConflictRow {
    pub fn active(&self) -> bool {
        self.lifted_at.is_none()
    }
}

/// Filters of the committee's list; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct ConflictFilter {
    pub source: Option<ConflictSource>,
    /// `Some(true)`: active only; `Some(false)`: lifted only.
    pub active: Option<bool>,
    pub judge_id: Option<Id>,
    pub proposal_id: Option<Id>,
}

const SELECT: &str = "SELECT c.id, c.judge_id, ju.name AS judge_name, c.proposal_id, \
     p.title AS proposal_title, un.name AS unit_name, c.source, c.reason, c.created_at, \
     cb.name AS created_by_name, c.lifted_at, lb.name AS lifted_by_name, c.lift_reason \
     FROM conflicts c JOIN judges j ON j.id = c.judge_id JOIN users ju ON ju.id = j.user_id \
     JOIN proposals p ON p.id = c.proposal_id JOIN units un ON un.id = p.unit_id \
     LEFT JOIN users cb ON cb.id = c.created_by LEFT JOIN users lb ON lb.id = c.lifted_by";

fn from_row(r: &AnyRow) -> Result<ConflictRow> {
    let source: String = r.try_get("source")?;
    Ok(ConflictRow {
        id: r.try_get("id")?,
        judge_id: r.try_get("judge_id")?,
        judge_name: r.try_get("judge_name")?,
        proposal_id: r.try_get("proposal_id")?,
        proposal_title: r.try_get("proposal_title")?,
        unit_name: r.try_get("unit_name")?,
        source: ConflictSource::parse(&source)
            .ok_or_else(|| corrupt("conflicts.source", &source))?,
        reason: r.try_get("reason")?,
        created_at: Instant(r.try_get("created_at")?),
        created_by_name: r.try_get("created_by_name")?,
        lifted_at: r.try_get::<Option<i64>, _>("lifted_at")?.map(Instant),
        lifted_by_name: r.try_get("lifted_by_name")?,
        lift_reason: r.try_get("lift_reason")?,
    })
}

/// Conflicts on the proposals of an edition, newest first.
pub async fn list<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    f: &ConflictFilter,
) -> Result<Vec<ConflictRow>> {
    let active = f.active.map(i64::from);
    let sql = format!(
        "{SELECT} WHERE p.edition_id = $1 AND ($2 IS NULL OR c.source = $2) \
         AND ($3 IS NULL OR ($3 = 1 AND c.lifted_at IS NULL) OR ($3 = 0 AND c.lifted_at IS NOT NULL)) \
         AND ($4 IS NULL OR c.judge_id = $4) AND ($5 IS NULL OR c.proposal_id = $5) \
         ORDER BY c.created_at DESC, c.id DESC"
    );
    let rows = sqlx::query(&sql)
        .bind(edition_id)
        .bind(f.source.map(ConflictSource::as_str))
        .bind(active)
        .bind(f.judge_id)
        .bind(f.proposal_id)
        .fetch_all(ex)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get<'e>(ex: impl Executor<'e, Database = Any>, id: Id) -> Result<Option<ConflictRow>> {
    let sql = format!("{SELECT} WHERE c.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(ex).await?;
    row.as_ref().map(from_row).transpose()
}

/// Adds a conflict unless one with the same (judge, proposal, source) exists — active or
/// lifted: a lifted conflict stays lifted. `true` when a row was added.
pub async fn insert_if_absent<'e>(
    ex: impl Executor<'e, Database = Any>,
    judge_id: Id,
    proposal_id: Id,
    source: ConflictSource,
    reason: &str,
    created_by: Option<Id>,
    now: Instant,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO conflicts (judge_id, proposal_id, source, reason, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (judge_id, proposal_id, source) DO NOTHING",
    )
    .bind(judge_id)
    .bind(proposal_id)
    .bind(source.as_str())
    .bind(reason)
    .bind(now.millis())
    .bind(created_by)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Pins a conflict: a new pinned row, or the existing pinned one made active again with
/// the new reason (the committee's explicit act). Returns the row's id.
pub async fn pin<'e>(
    ex: impl Executor<'e, Database = Any>,
    judge_id: Id,
    proposal_id: Id,
    reason: &str,
    created_by: Option<Id>,
    now: Instant,
) -> Result<Id> {
    sqlx::query_scalar(
        "INSERT INTO conflicts (judge_id, proposal_id, source, reason, created_at, created_by) \
         VALUES ($1, $2, 'pinned', $3, $4, $5) ON CONFLICT (judge_id, proposal_id, source) \
         DO UPDATE SET reason = excluded.reason, created_at = excluded.created_at, \
         created_by = excluded.created_by, lifted_at = NULL, lifted_by = NULL, lift_reason = NULL \
         RETURNING id",
    )
    .bind(judge_id)
    .bind(proposal_id)
    .bind(reason)
    .bind(now.millis())
    .bind(created_by)
    .fetch_one(ex)
    .await
    .map_err(Into::into)
}

/// Lifts an active conflict; `false` when it was already lifted.
pub async fn lift<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: Id,
    by: Option<Id>,
    reason: &str,
    now: Instant,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE conflicts SET lifted_at = $1, lifted_by = $2, lift_reason = $3 \
         WHERE id = $4 AND lifted_at IS NULL",
    )
    .bind(now.millis())
    .bind(by)
    .bind(reason)
    .bind(id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Active (judge, proposal) pairs on the proposals of an edition.
pub async fn active_pairs<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<(Id, Id)>> {
    let rows = sqlx::query(
        "SELECT DISTINCT c.judge_id, c.proposal_id FROM conflicts c \
         JOIN proposals p ON p.id = c.proposal_id \
         WHERE p.edition_id = $1 AND c.lifted_at IS NULL",
    )
    .bind(edition_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("judge_id")?, r.try_get("proposal_id")?)))
        .collect()
}

/// Is there an active conflict between the judge and the proposal?
pub async fn is_active<'e>(
    ex: impl Executor<'e, Database = Any>,
    judge_id: Id,
    proposal_id: Id,
) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM conflicts \
         WHERE judge_id = $1 AND proposal_id = $2 AND lifted_at IS NULL",
    )
    .bind(judge_id)
    .bind(proposal_id)
    .fetch_one(ex)
    .await?;
    Ok(n > 0)
}

/// (judge, proposal) pairs with a row of `source` (active or lifted) on an edition's
/// proposals: what a recomputation must not insert again.
pub async fn pairs_with_source<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    source: ConflictSource,
) -> Result<Vec<(Id, Id)>> {
    let rows = sqlx::query(
        "SELECT c.judge_id, c.proposal_id FROM conflicts c \
         JOIN proposals p ON p.id = c.proposal_id WHERE p.edition_id = $1 AND c.source = $2",
    )
    .bind(edition_id)
    .bind(source.as_str())
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("judge_id")?, r.try_get("proposal_id")?)))
        .collect()
}
