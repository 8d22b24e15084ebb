//! The editable content of a proposal, its indicators, its version history and its state
//! changes (submit, approve, return, withdraw).

use kolabik_domain::proposal::{IndicatorInput, ProposalContent};
use kolabik_domain::{Id, InnovationStage, Instant, ProposalState};
use sqlx::{Any, Executor, Row};

use crate::{Result, Tx, corrupt};

/// A proposal as its editor needs it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EditableProposal {
    pub id: Id,
    pub edition_id: Id,
    pub unit_id: Id,
    pub unit_name: String,
    pub state: ProposalState,
    pub version: i64,
    pub receipt_number: Option<String>,
    pub state_reason: Option<String>,
    pub submitted_at: Option<Instant>,
    pub declared_at: Option<Instant>,
    pub approved_at: Option<Instant>,
    pub updated_at: Instant,
    pub content: ProposalContent,
}

const LOAD_SQL: &str = "SELECT p.id, p.edition_id, p.unit_id, u.name AS unit_name, p.state, p.version, p.receipt_number, \
         p.state_reason, p.submitted_at, p.declared_at, p.approved_at, p.updated_at, p.title, \
         COALESCE(c.code, '') AS category, p.innovation_stage, COALESCE(p.started_on, '') AS started_on, p.implemented_on, \
         p.summary, p.problem, p.idea, p.novelty, p.stakeholders, p.resources, p.sustainability, \
         p.replicability, p.results, p.lessons, COALESCE(p.atm_source, '') AS atm_innovation, p.atm_owner, \
         p.atm_region, p.atm_modified, p.video_url, p.value_codes, p.sdg_numbers \
         FROM proposals p JOIN units u ON u.id = p.unit_id LEFT JOIN categories c ON c.id = p.category_id";

const INDICATOR_COLUMNS: &str =
    "i.proposal_id, i.kind, i.before_value, i.after_value, i.before_unit, i.after_unit, i.evidence";

fn indicator_from_row(i: &crate::AnyRow) -> Result<IndicatorInput> {
    Ok(IndicatorInput {
        kind: i.try_get("kind")?,
        before: i.try_get("before_value")?,
        after: i.try_get("after_value")?,
        before_unit: i.try_get("before_unit")?,
        after_unit: i.try_get("after_unit")?,
        evidence: i.try_get("evidence")?,
    })
}

pub async fn load(tx: &mut Tx, id: Id) -> Result<Option<EditableProposal>> {
    let sql = format!("{LOAD_SQL} WHERE p.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(&mut **tx).await?;
    let Some(r) = row else { return Ok(None) };
    let sql = format!(
        "SELECT {INDICATOR_COLUMNS} FROM proposal_indicators i WHERE i.proposal_id = $1 ORDER BY i.position"
    );
    let indicators = sqlx::query(&sql)
        .bind(id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(indicator_from_row)
        .collect::<Result<Vec<_>>>()?;
    editable_from_row(&r, indicators).map(Some)
}

/// Every proposal of an edition in `state` (oldest submission first, at most `limit`), in
/// two queries: the proposals, then all their indicators.
pub async fn load_in_state(
    tx: &mut Tx,
    edition_id: Id,
    state: ProposalState,
    limit: i64,
) -> Result<Vec<EditableProposal>> {
    let sql = format!(
        "{LOAD_SQL} WHERE p.edition_id = $1 AND p.state = $2 ORDER BY p.submitted_at, p.id LIMIT $3"
    );
    let rows = sqlx::query(&sql)
        .bind(edition_id)
        .bind(state.as_str())
        .bind(limit)
        .fetch_all(&mut **tx)
        .await?;
    let sql = format!(
        "SELECT {INDICATOR_COLUMNS} FROM proposal_indicators i JOIN proposals p ON p.id = i.proposal_id \
         WHERE p.edition_id = $1 AND p.state = $2 ORDER BY i.proposal_id, i.position"
    );
    let mut indicators: std::collections::HashMap<Id, Vec<IndicatorInput>> =
        std::collections::HashMap::new();
    for i in sqlx::query(&sql)
        .bind(edition_id)
        .bind(state.as_str())
        .fetch_all(&mut **tx)
        .await?
    {
        let pid: Id = i.try_get("proposal_id")?;
        indicators
            .entry(pid)
            .or_default()
            .push(indicator_from_row(&i)?);
    }
    rows.iter()
        .map(|r| {
            let id: Id = r.try_get("id")?;
            editable_from_row(r, indicators.remove(&id).unwrap_or_default())
        })
        .collect()
}

fn editable_from_row(
    r: &crate::AnyRow,
    indicators: Vec<IndicatorInput>,
) -> Result<EditableProposal> {
    let state: String = r.try_get("state")?;
    let values: String = r.try_get("value_codes")?;
    let sdgs: String = r.try_get("sdg_numbers")?;
    Ok(EditableProposal {
        id: r.try_get("id")?,
        edition_id: r.try_get("edition_id")?,
        unit_id: r.try_get("unit_id")?,
        unit_name: r.try_get("unit_name")?,
        state: ProposalState::parse(&state).ok_or_else(|| corrupt("proposals.state", &state))?,
        version: r.try_get("version")?,
        receipt_number: r.try_get("receipt_number")?,
        state_reason: r.try_get("state_reason")?,
        submitted_at: r.try_get::<Option<i64>, _>("submitted_at")?.map(Instant),
        declared_at: r.try_get::<Option<i64>, _>("declared_at")?.map(Instant),
        approved_at: r.try_get::<Option<i64>, _>("approved_at")?.map(Instant),
        updated_at: Instant(r.try_get("updated_at")?),
        content: ProposalContent {
            title: r.try_get("title")?,
            category: r.try_get("category")?,
            innovation_stage: r.try_get("innovation_stage")?,
            started_on: r.try_get("started_on")?,
            implemented_on: r.try_get("implemented_on")?,
            summary: r.try_get("summary")?,
            problem: r.try_get("problem")?,
            idea: r.try_get("idea")?,
            novelty: r.try_get("novelty")?,
            stakeholders: r.try_get("stakeholders")?,
            resources: r.try_get("resources")?,
            sustainability: r.try_get("sustainability")?,
            replicability: r.try_get("replicability")?,
            results: r.try_get("results")?,
            lessons: r.try_get("lessons")?,
            atm_innovation: r.try_get("atm_innovation")?,
            atm_owner: r.try_get("atm_owner")?,
            atm_region: r.try_get("atm_region")?,
            atm_modified: r.try_get("atm_modified")?,
            video_url: r.try_get("video_url")?,
            values: values
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            sdgs: sdgs.split(',').filter_map(|s| s.parse().ok()).collect(),
            indicators,
        },
    })
}

async fn category_id(tx: &mut Tx, edition_id: Id, code: &str) -> Result<Option<Id>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM categories WHERE edition_id = $1 AND code = $2")
            .bind(edition_id)
            .bind(code)
            .fetch_optional(&mut **tx)
            .await?,
    )
}

fn codes(c: &ProposalContent) -> (String, String) {
    let values: Vec<&str> = c
        .values
        .iter()
        .filter(|v| kolabik_domain::BerakhlakValue::parse(v).is_some())
        .map(String::as_str)
        .collect();
    let sdgs: Vec<String> = c
        .sdgs
        .iter()
        .filter(|n| (1..=17).contains(*n))
        .map(u8::to_string)
        .collect();
    (values.join(","), sdgs.join(","))
}

fn stage_code(c: &ProposalContent) -> &'static str {
    InnovationStage::parse(&c.innovation_stage)
        .unwrap_or(InnovationStage::Inisiatif)
        .as_str()
}

async fn write_indicators(tx: &mut Tx, id: Id, indicators: &[IndicatorInput]) -> Result<()> {
    sqlx::query("DELETE FROM proposal_indicators WHERE proposal_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for (i, ind) in indicators.iter().enumerate() {
        sqlx::query(
            "INSERT INTO proposal_indicators (proposal_id, position, kind, before_value, after_value, before_unit, \
             after_unit, evidence) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(i as i64)
        .bind(&ind.kind)
        .bind(&ind.before)
        .bind(&ind.after)
        .bind(&ind.before_unit)
        .bind(&ind.after_unit)
        .bind(&ind.evidence)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Creates a draft; returns its id.
pub async fn insert_draft(
    tx: &mut Tx,
    edition_id: Id,
    unit_id: Id,
    c: &ProposalContent,
    now: Instant,
) -> Result<Id> {
    let category = category_id(tx, edition_id, &c.category).await?;
    let (values, sdgs) = codes(c);
    let id: Id = sqlx::query_scalar(
        "INSERT INTO proposals (edition_id, unit_id, category_id, title, summary, problem, idea, novelty, results, \
         atm_source, state, innovation_stage, started_on, value_codes, sdg_numbers, created_at, updated_at, \
         stakeholders, resources, sustainability, replicability, lessons, atm_owner, atm_region, atm_modified, video_url, implemented_on) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft', $11, $12, $13, $14, $15, $15, $16, $17, $18, $19, $20, \
         $21, $22, $23, $24, $25) RETURNING id",
    )
    .bind(edition_id)
    .bind(unit_id)
    .bind(category)
    .bind(&c.title)
    .bind(&c.summary)
    .bind(&c.problem)
    .bind(&c.idea)
    .bind(&c.novelty)
    .bind(&c.results)
    .bind((!c.atm_innovation.trim().is_empty()).then_some(&c.atm_innovation))
    .bind(stage_code(c))
    .bind((!c.started_on.trim().is_empty()).then_some(&c.started_on))
    .bind(values)
    .bind(sdgs)
    .bind(now.millis())
    .bind(&c.stakeholders)
    .bind(&c.resources)
    .bind(&c.sustainability)
    .bind(&c.replicability)
    .bind(&c.lessons)
    .bind(&c.atm_owner)
    .bind(&c.atm_region)
    .bind(&c.atm_modified)
    .bind(&c.video_url)
    .bind(&c.implemented_on)
    .fetch_one(&mut **tx)
    .await?;
    write_indicators(tx, id, &c.indicators).await?;
    Ok(id)
}

/// Saves content if the proposal is still at `expected_version`; returns the new version,
/// or `None` when someone else saved first.
pub async fn update_content(
    tx: &mut Tx,
    id: Id,
    edition_id: Id,
    expected_version: i64,
    c: &ProposalContent,
    now: Instant,
) -> Result<Option<i64>> {
    let category = category_id(tx, edition_id, &c.category).await?;
    let (values, sdgs) = codes(c);
    let n = sqlx::query(
        "UPDATE proposals SET category_id = $1, title = $2, summary = $3, problem = $4, idea = $5, novelty = $6, \
         results = $7, atm_source = $8, innovation_stage = $9, started_on = $10, value_codes = $11, sdg_numbers = $12, \
         stakeholders = $13, resources = $14, sustainability = $15, replicability = $16, lessons = $17, \
         atm_owner = $18, atm_region = $19, atm_modified = $20, video_url = $21, updated_at = $22, \
         implemented_on = $25, version = version + 1 WHERE id = $23 AND version = $24",
    )
    .bind(category)
    .bind(&c.title)
    .bind(&c.summary)
    .bind(&c.problem)
    .bind(&c.idea)
    .bind(&c.novelty)
    .bind(&c.results)
    .bind((!c.atm_innovation.trim().is_empty()).then_some(&c.atm_innovation))
    .bind(stage_code(c))
    .bind((!c.started_on.trim().is_empty()).then_some(&c.started_on))
    .bind(values)
    .bind(sdgs)
    .bind(&c.stakeholders)
    .bind(&c.resources)
    .bind(&c.sustainability)
    .bind(&c.replicability)
    .bind(&c.lessons)
    .bind(&c.atm_owner)
    .bind(&c.atm_region)
    .bind(&c.atm_modified)
    .bind(&c.video_url)
    .bind(now.millis())
    .bind(id)
    .bind(expected_version)
    .bind(&c.implemented_on)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(None);
    }
    write_indicators(tx, id, &c.indicators).await?;
    Ok(Some(expected_version + 1))
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct VersionRow {
    pub id: Id,
    pub version: i64,
    pub saved_by_name: Option<String>,
    pub saved_at: Instant,
    pub note: Option<String>,
}

#[allow(clippy::too_many_arguments)]
/// Records a version. Consecutive saves by the same person within `coalesce_ms` replace
/// their last version instead of adding one, so autosave keeps a readable history.
pub async fn record_version(
    tx: &mut Tx,
    proposal_id: Id,
    version: i64,
    saved_by: Option<Id>,
    note: Option<&str>,
    content: &ProposalContent,
    now: Instant,
    coalesce_ms: i64,
) -> Result<()> {
    let json =
        serde_json::to_string(content).map_err(|e| corrupt("proposal content", &e.to_string()))?;
    if note.is_none() {
        let last = sqlx::query(
            "SELECT id, saved_by, saved_at, note FROM proposal_versions WHERE proposal_id = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(proposal_id)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(r) = last {
            let by: Option<Id> = r.try_get("saved_by")?;
            let at: i64 = r.try_get("saved_at")?;
            let last_note: Option<String> = r.try_get("note")?;
            if by == saved_by && last_note.is_none() && now.millis() - at < coalesce_ms {
                sqlx::query("UPDATE proposal_versions SET version = $1, saved_at = $2, content_json = $3 WHERE id = $4")
                    .bind(version)
                    .bind(now.millis())
                    .bind(&json)
                    .bind(r.try_get::<Id, _>("id")?)
                    .execute(&mut **tx)
                    .await?;
                return Ok(());
            }
        }
    }
    sqlx::query(
        "INSERT INTO proposal_versions (proposal_id, version, saved_by, saved_at, note, content_json) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(proposal_id)
    .bind(version)
    .bind(saved_by)
    .bind(now.millis())
    .bind(note)
    .bind(json)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn versions<'e>(
    ex: impl Executor<'e, Database = Any>,
    proposal_id: Id,
) -> Result<Vec<VersionRow>> {
    let rows = sqlx::query(
        "SELECT v.id, v.version, u.name AS saved_by_name, v.saved_at, v.note FROM proposal_versions v \
         LEFT JOIN users u ON u.id = v.saved_by WHERE v.proposal_id = $1 ORDER BY v.id DESC",
    )
    .bind(proposal_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(VersionRow {
                id: r.try_get("id")?,
                version: r.try_get("version")?,
                saved_by_name: r.try_get("saved_by_name")?,
                saved_at: Instant(r.try_get("saved_at")?),
                note: r.try_get("note")?,
            })
        })
        .collect()
}

pub async fn version_content<'e>(
    ex: impl Executor<'e, Database = Any>,
    proposal_id: Id,
    version_id: Id,
) -> Result<Option<ProposalContent>> {
    let json: Option<String> = sqlx::query_scalar(
        "SELECT content_json FROM proposal_versions WHERE id = $1 AND proposal_id = $2",
    )
    .bind(version_id)
    .bind(proposal_id)
    .fetch_optional(ex)
    .await?;
    json.map(|j| {
        serde_json::from_str(&j)
            .map_err(|e| corrupt("proposal_versions.content_json", &e.to_string()))
    })
    .transpose()
}

/// Moves a proposal to `state` with an optional reason, in the caller's transaction.
pub async fn set_state(
    tx: &mut Tx,
    id: Id,
    state: ProposalState,
    reason: Option<&str>,
    now: Instant,
) -> Result<()> {
    sqlx::query("UPDATE proposals SET state = $1, state_reason = $2, updated_at = $3, version = version + 1 WHERE id = $4")
        .bind(state.as_str())
        .bind(reason)
        .bind(now.millis())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn record_declaration(tx: &mut Tx, id: Id, user_id: Id, now: Instant) -> Result<()> {
    sqlx::query("UPDATE proposals SET declared_by = $1, declared_at = $2 WHERE id = $3")
        .bind(user_id)
        .bind(now.millis())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn record_approval(tx: &mut Tx, id: Id, user_id: Id, now: Instant) -> Result<()> {
    sqlx::query("UPDATE proposals SET approved_by = $1, approved_at = $2 WHERE id = $3")
        .bind(user_id)
        .bind(now.millis())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Marks a proposal submitted with a receipt number (unique across all editions) unless it
/// already has one (a resubmission after revision keeps its receipt).
pub async fn mark_submitted(tx: &mut Tx, id: Id, receipt: &str, now: Instant) -> Result<String> {
    sqlx::query(
        "UPDATE proposals SET state = 'submitted', state_reason = NULL, submitted_at = $1, updated_at = $1, \
         receipt_number = COALESCE(receipt_number, $2), version = version + 1 WHERE id = $3",
    )
    .bind(now.millis())
    .bind(receipt)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(
        sqlx::query_scalar("SELECT receipt_number FROM proposals WHERE id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// Receipts issued so far in an edition (the next receipt's sequence number).
pub async fn receipts_issued(tx: &mut Tx, edition_id: Id) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM proposals WHERE edition_id = $1 AND receipt_number IS NOT NULL",
    )
    .bind(edition_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// Proposals of a unit in an edition that count towards its quota (not withdrawn).
pub async fn active_count(tx: &mut Tx, edition_id: Id, unit_id: Id) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM proposals WHERE edition_id = $1 AND unit_id = $2 AND state <> 'withdrawn'",
    )
    .bind(edition_id)
    .bind(unit_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// For imported or demo proposals that know only when they started: those at the
/// implementation stage are taken to have been implemented from that month.
pub async fn default_implementation_dates<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE proposals SET implemented_on = COALESCE(started_on, '') WHERE edition_id = $1 \
         AND innovation_stage = 'penerapan' AND implemented_on = ''",
    )
    .bind(edition_id)
    .execute(ex)
    .await?
    .rows_affected())
}
