//! Aggregate counts for dashboards: one grouped query each, never a query per row.

use kolabik_domain::{Id, Instant, ProposalState, StageKind, UnitKind};
use sqlx::{Any, Executor, Row};

use crate::{Page, Paged, Result, corrupt};

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

/// Proposals per (category, state) in one edition; `None` for proposals without a category.
pub async fn funnel_by_category<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<(Option<Id>, ProposalState, i64)>> {
    let rows = sqlx::query(
        "SELECT category_id, state, COUNT(*) AS n FROM proposals WHERE edition_id = $1 \
         GROUP BY category_id, state",
    )
    .bind(edition_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            let s: String = r.try_get("state")?;
            let state = ProposalState::parse(&s).ok_or_else(|| corrupt("proposals.state", &s))?;
            Ok((r.try_get("category_id")?, state, r.try_get("n")?))
        })
        .collect()
}

/// Proposals per (unit kind, state) in one edition.
pub async fn funnel_by_unit_kind<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<(UnitKind, ProposalState, i64)>> {
    let rows = sqlx::query(
        "SELECT u.kind, p.state, COUNT(*) AS n FROM proposals p JOIN units u ON u.id = p.unit_id \
         WHERE p.edition_id = $1 GROUP BY u.kind, p.state",
    )
    .bind(edition_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            let k: String = r.try_get("kind")?;
            let kind = UnitKind::parse(&k).ok_or_else(|| corrupt("units.kind", &k))?;
            let s: String = r.try_get("state")?;
            let state = ProposalState::parse(&s).ok_or_else(|| corrupt("proposals.state", &s))?;
            Ok((kind, state, r.try_get("n")?))
        })
        .collect()
}

/// Units per kind with no proposal at all (in any state) in one edition.
pub async fn units_without_proposal_by_kind<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<(UnitKind, i64)>> {
    let rows = sqlx::query(
        "SELECT u.kind, COUNT(*) AS n FROM units u WHERE NOT EXISTS \
         (SELECT 1 FROM proposals p WHERE p.unit_id = u.id AND p.edition_id = $1) \
         GROUP BY u.kind",
    )
    .bind(edition_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            let k: String = r.try_get("kind")?;
            let kind = UnitKind::parse(&k).ok_or_else(|| corrupt("units.kind", &k))?;
            Ok((kind, r.try_get("n")?))
        })
        .collect()
}

/// A proposal waiting on its unit, with what the stuck list shows beside it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StuckProposal {
    pub id: Id,
    pub title: String,
    pub unit_id: Id,
    pub unit_name: String,
    pub category_name: Option<String>,
    pub state: ProposalState,
    pub updated_at: Instant,
}

/// Proposals in one of `states` (the funnel passes draft, awaiting approval and returned),
/// least recently changed first.
pub async fn stuck_proposals(
    db: &crate::Db,
    edition_id: Id,
    states: [ProposalState; 3],
    page: Page,
) -> Result<Paged<StuckProposal>> {
    let [a, b, c] = states.map(ProposalState::as_str);
    let total: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM proposals WHERE edition_id = $1 AND state IN ($2, $3, $4)",
    )
    .bind(edition_id)
    .bind(a)
    .bind(b)
    .bind(c)
    .fetch_one(db.pool())
    .await?;
    let rows = sqlx::query(
        "SELECT p.id, p.title, p.unit_id, u.name AS unit_name, c.name AS category_name, \
         p.state, p.updated_at FROM proposals p JOIN units u ON u.id = p.unit_id \
         LEFT JOIN categories c ON c.id = p.category_id \
         WHERE p.edition_id = $1 AND p.state IN ($2, $3, $4) \
         ORDER BY p.updated_at ASC, p.id ASC LIMIT $5 OFFSET $6",
    )
    .bind(edition_id)
    .bind(a)
    .bind(b)
    .bind(c)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(db.pool())
    .await?;
    let items = rows
        .iter()
        .map(|r| {
            let s: String = r.try_get("state")?;
            Ok(StuckProposal {
                id: r.try_get("id")?,
                title: r.try_get("title")?,
                unit_id: r.try_get("unit_id")?,
                unit_name: r.try_get("unit_name")?,
                category_name: r.try_get("category_name")?,
                state: ProposalState::parse(&s).ok_or_else(|| corrupt("proposals.state", &s))?,
                updated_at: Instant(r.try_get("updated_at")?),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Paged {
        items,
        total,
        page: page.number,
        page_size: page.size,
    })
}

/// Proposals entered in each judged stage of one edition (desk assessment, presentation,
/// field verification), in the order of the timeline, stages with none included.
pub async fn entries_by_stage<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<(StageKind, i64)>> {
    let rows = sqlx::query(
        "SELECT s.kind, COUNT(e.proposal_id) AS n FROM stages s \
         LEFT JOIN stage_entries e ON e.stage_id = s.id \
         WHERE s.edition_id = $1 \
         AND s.kind IN ('penilaian', 'presentasi_wawancara', 'verifikasi_lapangan') \
         GROUP BY s.id, s.kind, s.opens_at ORDER BY s.opens_at, s.id",
    )
    .bind(edition_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            let k: String = r.try_get("kind")?;
            let kind = StageKind::parse(&k).ok_or_else(|| corrupt("stages.kind", &k))?;
            Ok((kind, r.try_get("n")?))
        })
        .collect()
}
