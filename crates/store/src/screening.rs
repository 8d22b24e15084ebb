//! Administrative screening: the edition's manual checklist and the committee's decisions
//! (held until released, or applied at once).

use kolabik_domain::{Id, Instant};
use sqlx::{Any, Executor, Row};

use crate::{Result, Tx, flag};

#[derive(Debug, Clone, serde::Serialize)]
pub struct ChecklistItem {
    pub id: Id,
    pub position: i64,
    pub label: String,
}

pub async fn checklist<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<ChecklistItem>> {
    let rows = sqlx::query(
        "SELECT id, position, label FROM screening_checklist_items WHERE edition_id = $1 \
         ORDER BY position, id",
    )
    .bind(edition_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ChecklistItem {
                id: r.try_get("id")?,
                position: r.try_get("position")?,
                label: r.try_get("label")?,
            })
        })
        .collect()
}

/// Replaces the edition's checklist with `labels`, in order. Decisions already made keep
/// their own copy of the items as they were.
pub async fn replace_checklist(
    tx: &mut Tx,
    edition_id: Id,
    labels: &[String],
    now: Instant,
) -> Result<()> {
    sqlx::query("DELETE FROM screening_checklist_items WHERE edition_id = $1")
        .bind(edition_id)
        .execute(&mut **tx)
        .await?;
    for (i, label) in labels.iter().enumerate() {
        sqlx::query(
            "INSERT INTO screening_checklist_items (edition_id, position, label, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(edition_id)
        .bind(i as i64 + 1)
        .bind(label)
        .bind(now.millis())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ScreeningRow {
    pub id: Id,
    pub proposal_id: Id,
    pub decided_by: Option<Id>,
    pub decided_by_name: Option<String>,
    pub decision: String,
    pub reasons: String,
    pub checklist_json: String,
    pub auto_json: String,
    pub held: bool,
    pub created_at: Instant,
    pub released_at: Option<Instant>,
}

const COLUMNS: &str = "s.id, s.proposal_id, s.decided_by, u.name AS decided_by_name, s.decision, \
    s.reasons, s.checklist_json, s.auto_json, s.held, s.created_at, s.released_at";

fn row(r: &crate::AnyRow) -> Result<ScreeningRow> {
    Ok(ScreeningRow {
        id: r.try_get("id")?,
        proposal_id: r.try_get("proposal_id")?,
        decided_by: r.try_get("decided_by")?,
        decided_by_name: r.try_get("decided_by_name")?,
        decision: r.try_get("decision")?,
        reasons: r.try_get("reasons")?,
        checklist_json: r.try_get("checklist_json")?,
        auto_json: r.try_get("auto_json")?,
        held: r.try_get::<i64, _>("held")? != 0,
        created_at: Instant(r.try_get("created_at")?),
        released_at: r.try_get::<Option<i64>, _>("released_at")?.map(Instant),
    })
}

pub struct NewScreening<'a> {
    pub proposal_id: Id,
    pub decided_by: Option<Id>,
    pub decision: &'a str,
    pub reasons: &'a str,
    pub checklist_json: &'a str,
    pub auto_json: &'a str,
    pub held: bool,
    pub now: Instant,
}

/// Records a decision. Held: `released_at` stays NULL; otherwise it is `now`.
pub async fn insert(tx: &mut Tx, s: NewScreening<'_>) -> Result<Id> {
    Ok(sqlx::query_scalar(
        "INSERT INTO screenings (proposal_id, decided_by, decision, reasons, checklist_json, \
         auto_json, held, created_at, released_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         RETURNING id",
    )
    .bind(s.proposal_id)
    .bind(s.decided_by)
    .bind(s.decision)
    .bind(s.reasons)
    .bind(s.checklist_json)
    .bind(s.auto_json)
    .bind(flag(s.held))
    .bind(s.now.millis())
    .bind((!s.held).then_some(s.now.millis()))
    .fetch_one(&mut **tx)
    .await?)
}

/// Drops a proposal's pending held decision (a new decision replaces it; the audit log
/// keeps the old one). Returns the decision dropped.
pub async fn drop_pending(tx: &mut Tx, proposal_id: Id) -> Result<Option<String>> {
    let old: Option<String> = sqlx::query_scalar(
        "SELECT decision FROM screenings WHERE proposal_id = $1 AND held = 1 AND released_at IS NULL",
    )
    .bind(proposal_id)
    .fetch_optional(&mut **tx)
    .await?;
    if old.is_some() {
        sqlx::query(
            "DELETE FROM screenings WHERE proposal_id = $1 AND held = 1 AND released_at IS NULL",
        )
        .bind(proposal_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(old)
}

/// Every held decision not yet released in an edition, oldest first.
pub async fn pending<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<ScreeningRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM screenings s JOIN proposals p ON p.id = s.proposal_id \
         LEFT JOIN users u ON u.id = s.decided_by \
         WHERE p.edition_id = $1 AND s.held = 1 AND s.released_at IS NULL ORDER BY s.created_at, s.id"
    );
    let rows = sqlx::query(&sql).bind(edition_id).fetch_all(ex).await?;
    rows.iter().map(row).collect()
}

/// A proposal's decisions, newest first.
pub async fn for_proposal<'e>(
    ex: impl Executor<'e, Database = Any>,
    proposal_id: Id,
) -> Result<Vec<ScreeningRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM screenings s LEFT JOIN users u ON u.id = s.decided_by \
         WHERE s.proposal_id = $1 ORDER BY s.created_at DESC, s.id DESC"
    );
    let rows = sqlx::query(&sql).bind(proposal_id).fetch_all(ex).await?;
    rows.iter().map(row).collect()
}

pub async fn mark_released(tx: &mut Tx, id: Id, now: Instant) -> Result<()> {
    sqlx::query("UPDATE screenings SET released_at = $1 WHERE id = $2")
        .bind(now.millis())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// (id, title) of every proposal that has been submitted (submitted or any later state),
/// in all editions, for the duplicate-title check.
pub async fn submitted_titles<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<(Id, String)>> {
    let rows = sqlx::query(
        "SELECT id, title FROM proposals WHERE state IN \
         ('submitted', 'returned', 'passed_screening', 'rejected', 'finalist', 'winner')",
    )
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("title")?)))
        .collect()
}

/// Units with a winning proposal in an edition of year `year - n ..= year - 1`.
pub async fn recent_winner_units<'e>(
    ex: impl Executor<'e, Database = Any>,
    year: i32,
    n: u32,
) -> Result<Vec<Id>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT p.unit_id FROM proposals p JOIN editions e ON e.id = p.edition_id \
         WHERE p.state = 'winner' AND e.year < $1 AND e.year >= $2",
    )
    .bind(i64::from(year))
    .bind(i64::from(year) - i64::from(n))
    .fetch_all(ex)
    .await?)
}
