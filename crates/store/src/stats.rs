//! Aggregate counts for dashboards: one grouped query each, never a query per row.

use kolabik_domain::{Id, ProposalState, UnitKind};
use sqlx::{Any, Executor, Row};

use crate::{Result, corrupt};

/// Proposals per state in one edition, in the canonical order of states (zeros included).
pub async fn proposals_by_state<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<(ProposalState, i64)>> {
    let rows = sqlx::query(
        "SELECT state, COUNT(*) AS n FROM proposals WHERE edition_id = $1 GROUP BY state",
    )
    .bind(edition_id)
    .fetch_all(ex)
    .await?;
    let mut counts: Vec<(ProposalState, i64)> =
        ProposalState::ALL.iter().map(|&s| (s, 0)).collect();
    for r in &rows {
        let s: String = r.try_get("state")?;
        let state = ProposalState::parse(&s).ok_or_else(|| corrupt("proposals.state", &s))?;
        if let Some(slot) = counts.iter_mut().find(|(st, _)| *st == state) {
            slot.1 = r.try_get("n")?;
        }
    }
    Ok(counts)
}

/// Proposals per unit kind in one edition (zeros included).
pub async fn proposals_by_unit_kind<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<(UnitKind, i64)>> {
    let rows = sqlx::query(
        "SELECT u.kind, COUNT(*) AS n FROM proposals p JOIN units u ON u.id = p.unit_id \
         WHERE p.edition_id = $1 GROUP BY u.kind",
    )
    .bind(edition_id)
    .fetch_all(ex)
    .await?;
    let mut counts: Vec<(UnitKind, i64)> = UnitKind::ALL.iter().map(|&k| (k, 0)).collect();
    for r in &rows {
        let k: String = r.try_get("kind")?;
        let kind = UnitKind::parse(&k).ok_or_else(|| corrupt("units.kind", &k))?;
        if let Some(slot) = counts.iter_mut().find(|(kk, _)| *kk == kind) {
            slot.1 = r.try_get("n")?;
        }
    }
    Ok(counts)
}

/// Proposals per category (name, count), categories with none included.
pub async fn proposals_by_category<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT c.name, COUNT(p.id) AS n FROM categories c \
         LEFT JOIN proposals p ON p.category_id = c.id \
         WHERE c.edition_id = $1 GROUP BY c.id, c.name, c.position ORDER BY c.position, c.id",
    )
    .bind(edition_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("name")?, r.try_get("n")?)))
        .collect()
}

/// Units per kind (zeros included).
pub async fn units_by_kind<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<(UnitKind, i64)>> {
    let rows = sqlx::query("SELECT kind, COUNT(*) AS n FROM units GROUP BY kind")
        .fetch_all(ex)
        .await?;
    let mut counts: Vec<(UnitKind, i64)> = UnitKind::ALL.iter().map(|&k| (k, 0)).collect();
    for r in &rows {
        let k: String = r.try_get("kind")?;
        let kind = UnitKind::parse(&k).ok_or_else(|| corrupt("units.kind", &k))?;
        if let Some(slot) = counts.iter_mut().find(|(kk, _)| *kk == kind) {
            slot.1 = r.try_get("n")?;
        }
    }
    Ok(counts)
}
