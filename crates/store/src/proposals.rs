//! Innovation proposals.

use kolabik_domain::{BerakhlakValue, Id, InnovationStage, Instant, Proposal, ProposalState, Sdg};
use sqlx::{Any, Executor, Row};

use crate::{AnyRow, Page, Paged, Result, corrupt, dup};

const COLUMNS: &str = "p.id, p.edition_id, p.unit_id, p.category_id, p.title, p.summary, p.problem, \
    p.idea, p.novelty, p.results, p.atm_source, p.state, p.innovation_stage, p.started_on, \
    p.value_codes, p.sdg_numbers, p.receipt_number, p.state_reason, p.submitted_at, p.updated_at";

fn proposal_from_row(r: &AnyRow) -> Result<Proposal> {
    let state: String = r.try_get("state")?;
    let stage: String = r.try_get("innovation_stage")?;
    let values: String = r.try_get("value_codes")?;
    let sdgs: String = r.try_get("sdg_numbers")?;
    Ok(Proposal {
        id: r.try_get("id")?,
        edition_id: r.try_get("edition_id")?,
        unit_id: r.try_get("unit_id")?,
        category_id: r.try_get("category_id")?,
        title: r.try_get("title")?,
        summary: r.try_get("summary")?,
        problem: r.try_get("problem")?,
        idea: r.try_get("idea")?,
        novelty: r.try_get("novelty")?,
        results: r.try_get("results")?,
        atm_source: r.try_get("atm_source")?,
        state: ProposalState::parse(&state).ok_or_else(|| corrupt("proposals.state", &state))?,
        innovation_stage: InnovationStage::parse(&stage)
            .ok_or_else(|| corrupt("proposals.innovation_stage", &stage))?,
        started_on: r.try_get("started_on")?,
        values: values
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| BerakhlakValue::parse(s).ok_or_else(|| corrupt("proposals.value_codes", s)))
            .collect::<Result<_>>()?,
        sdgs: sdgs
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<u8>()
                    .ok()
                    .and_then(Sdg::new)
                    .ok_or_else(|| corrupt("proposals.sdg_numbers", s))
            })
            .collect::<Result<_>>()?,
        receipt_number: r.try_get("receipt_number")?,
        state_reason: r.try_get("state_reason")?,
        submitted_at: r.try_get::<Option<i64>, _>("submitted_at")?.map(Instant),
        updated_at: Instant(r.try_get("updated_at")?),
    })
}

/// Inserts a proposal as given (used by imports and the demo; the participant flow adds
/// its own commands). Returns the new id.
pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    p: &Proposal,
    now: Instant,
) -> Result<Id> {
    let values: Vec<&str> = p.values.iter().map(|v| v.as_str()).collect();
    let sdgs: Vec<String> = p.sdgs.iter().map(|s| s.number().to_string()).collect();
    sqlx::query_scalar(
        "INSERT INTO proposals (edition_id, unit_id, category_id, title, summary, problem, idea, \
         novelty, results, atm_source, state, innovation_stage, started_on, value_codes, \
         sdg_numbers, receipt_number, state_reason, submitted_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) \
         RETURNING id",
    )
    .bind(p.edition_id)
    .bind(p.unit_id)
    .bind(p.category_id)
    .bind(&p.title)
    .bind(&p.summary)
    .bind(&p.problem)
    .bind(&p.idea)
    .bind(&p.novelty)
    .bind(&p.results)
    .bind(&p.atm_source)
    .bind(p.state.as_str())
    .bind(p.innovation_stage.as_str())
    .bind(&p.started_on)
    .bind(values.join(","))
    .bind(sdgs.join(","))
    .bind(&p.receipt_number)
    .bind(&p.state_reason)
    .bind(p.submitted_at.map(Instant::millis))
    .bind(now.millis())
    .bind(p.updated_at.millis())
    .fetch_one(ex)
    .await
    .map_err(dup("receipt number"))
}

/// A proposal with the names a list shows beside it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProposalListItem {
    #[serde(flatten)]
    pub proposal: Proposal,
    pub unit_name: String,
    pub category_name: Option<String>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ProposalFilter {
    pub state: Option<ProposalState>,
    pub unit_id: Option<Id>,
}

pub async fn list(
    db: &crate::Db,
    edition_id: Id,
    filter: ProposalFilter,
    page: Page,
) -> Result<Paged<ProposalListItem>> {
    let state = filter.state.map(ProposalState::as_str);
    let total: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM proposals p WHERE p.edition_id = $1 \
         AND ($2 IS NULL OR p.state = $2) AND ($3 IS NULL OR p.unit_id = $3)",
    )
    .bind(edition_id)
    .bind(state)
    .bind(filter.unit_id)
    .fetch_one(db.pool())
    .await?;
    let sql = format!(
        "SELECT {COLUMNS}, u.name AS unit_name, c.name AS category_name FROM proposals p \
         JOIN units u ON u.id = p.unit_id LEFT JOIN categories c ON c.id = p.category_id \
         WHERE p.edition_id = $1 AND ($2 IS NULL OR p.state = $2) AND ($3 IS NULL OR p.unit_id = $3) \
         ORDER BY p.updated_at DESC, p.id DESC LIMIT $4 OFFSET $5"
    );
    let rows = sqlx::query(&sql)
        .bind(edition_id)
        .bind(state)
        .bind(filter.unit_id)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(db.pool())
        .await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(ProposalListItem {
                proposal: proposal_from_row(r)?,
                unit_name: r.try_get("unit_name")?,
                category_name: r.try_get("category_name")?,
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

pub async fn by_id<'e>(ex: impl Executor<'e, Database = Any>, id: Id) -> Result<Option<Proposal>> {
    let sql = format!("SELECT {COLUMNS} FROM proposals p WHERE p.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(ex).await?;
    row.as_ref().map(proposal_from_row).transpose()
}
