//! Rows for the leaders' dashboard: one query each, never a query per row. Where a count
//! needs more than SQL both dialects share (the kecamatan tree, the comma lists of values
//! and goals), the rows go to `kolabik_domain::leaders` to be tallied.

use std::collections::HashMap;

use kolabik_domain::leaders::UnitNode;
use kolabik_domain::{BerakhlakValue, Id, Sdg, StageKind, UnitKind};
use sqlx::{Any, Executor, Row};

use crate::{Result, corrupt};

/// The states of a proposal past its unit's desk: what the dashboard counts as submitted
/// (the same set as `kolabik_app::dashboard::counts_as_submitted`).
pub const SUBMITTED_STATES: &str =
    "('submitted', 'returned', 'passed_screening', 'rejected', 'finalist', 'winner')";

/// Every unit as a tree node, with its name (kecamatan names label the chart).
pub async fn unit_nodes<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<(UnitNode, String)>> {
    let rows = sqlx::query("SELECT id, kind, parent_id, name FROM units ORDER BY id")
        .fetch_all(ex)
        .await?;
    rows.iter()
        .map(|r| {
            let k: String = r.try_get("kind")?;
            Ok((
                UnitNode {
                    id: r.try_get("id")?,
                    kind: UnitKind::parse(&k).ok_or_else(|| corrupt("units.kind", &k))?,
                    parent_id: r.try_get("parent_id")?,
                },
                r.try_get("name")?,
            ))
        })
        .collect()
}

/// Submitted proposals per unit in one edition (units with none are absent).
pub async fn submitted_by_unit<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<HashMap<Id, i64>> {
    let sql = format!(
        "SELECT unit_id, COUNT(*) AS n FROM proposals \
         WHERE edition_id = $1 AND state IN {SUBMITTED_STATES} GROUP BY unit_id"
    );
    let rows = sqlx::query(&sql).bind(edition_id).fetch_all(ex).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("unit_id")?, r.try_get("n")?)))
        .collect()
}

/// Submitted proposals per category (name, count) in the categories' order, zeros included.
pub async fn submitted_by_category<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<(String, i64)>> {
    let sql = format!(
        "SELECT c.name, COUNT(p.id) AS n FROM categories c \
         LEFT JOIN proposals p ON p.category_id = c.id AND p.state IN {SUBMITTED_STATES} \
         WHERE c.edition_id = $1 GROUP BY c.id, c.name, c.position ORDER BY c.position, c.id"
    );
    let rows = sqlx::query(&sql).bind(edition_id).fetch_all(ex).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("name")?, r.try_get("n")?)))
        .collect()
}

/// The BerAKHLAK values and SDGs each submitted proposal names (one row per proposal).
pub async fn submitted_values_and_sdgs<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<(Vec<BerakhlakValue>, Vec<Sdg>)>> {
    let sql = format!(
        "SELECT value_codes, sdg_numbers FROM proposals \
         WHERE edition_id = $1 AND state IN {SUBMITTED_STATES}"
    );
    let rows = sqlx::query(&sql).bind(edition_id).fetch_all(ex).await?;
    rows.iter()
        .map(|r| {
            let values: String = r.try_get("value_codes")?;
            let sdgs: String = r.try_get("sdg_numbers")?;
            let values = values
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| {
                    BerakhlakValue::parse(s).ok_or_else(|| corrupt("proposals.value_codes", s))
                })
                .collect::<Result<_>>()?;
            let sdgs = sdgs
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<u8>()
                        .ok()
                        .and_then(Sdg::new)
                        .ok_or_else(|| corrupt("proposals.sdg_numbers", s))
                })
                .collect::<Result<_>>()?;
            Ok((values, sdgs))
        })
        .collect()
}

/// The frozen scores of one edition: each judged stage's `results` rows (only written when
/// the stage froze) tagged with the stage kind, and the final ranking's rows (`None`).
/// Unscored rows are left out. Live score sheets are never read here.
pub async fn frozen_scores<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<(Option<StageKind>, f64)>> {
    let rows = sqlx::query(
        "SELECT s.kind, r.score FROM results r \
         LEFT JOIN stages s ON s.id = r.stage_id \
         LEFT JOIN stage_judging sj ON sj.stage_id = r.stage_id \
         WHERE r.edition_id = $1 AND r.score IS NOT NULL \
         AND (r.stage_id IS NULL OR sj.frozen_at IS NOT NULL) \
         ORDER BY r.id",
    )
    .bind(edition_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            let kind = r
                .try_get::<Option<String>, _>("kind")?
                .map(|k| StageKind::parse(&k).ok_or_else(|| corrupt("stages.kind", &k)))
                .transpose()?;
            Ok((kind, r.try_get("score")?))
        })
        .collect()
}

/// One edition's headline numbers for the year-on-year comparison.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EditionTotals {
    pub edition_id: Id,
    pub year: i64,
    pub name: String,
    pub is_current: bool,
    /// Units with at least one submitted proposal.
    pub units_participating: i64,
    pub proposals_submitted: i64,
    /// Proposals that reached the finals (state finalist or winner).
    pub finalists: i64,
    pub winners: i64,
}

/// Every edition's totals, oldest year first, in one grouped query.
pub async fn edition_totals<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<EditionTotals>> {
    let sql = format!(
        "SELECT e.id, e.year, e.name, e.is_current, \
         COUNT(DISTINCT CASE WHEN p.state IN {SUBMITTED_STATES} THEN p.unit_id END) AS units, \
         COALESCE(SUM(CASE WHEN p.state IN {SUBMITTED_STATES} THEN 1 ELSE 0 END), 0) AS submitted, \
         COALESCE(SUM(CASE WHEN p.state IN ('finalist', 'winner') THEN 1 ELSE 0 END), 0) AS finalists, \
         COALESCE(SUM(CASE WHEN p.state = 'winner' THEN 1 ELSE 0 END), 0) AS winners \
         FROM editions e LEFT JOIN proposals p ON p.edition_id = e.id \
         GROUP BY e.id, e.year, e.name, e.is_current ORDER BY e.year, e.id"
    );
    let rows = sqlx::query(&sql).fetch_all(ex).await?;
    rows.iter()
        .map(|r| {
            let current: i64 = r.try_get("is_current")?;
            Ok(EditionTotals {
                edition_id: r.try_get("id")?,
                year: r.try_get("year")?,
                name: r.try_get("name")?,
                is_current: current != 0,
                units_participating: r.try_get("units")?,
                proposals_submitted: r.try_get("submitted")?,
                finalists: r.try_get("finalists")?,
                winners: r.try_get("winners")?,
            })
        })
        .collect()
}
