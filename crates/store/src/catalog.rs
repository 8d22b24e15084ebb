//! The innovation catalogue: entries (published proposals and imported innovations), their
//! published attachments, the change sequence the nodes poll to keep their in-memory search
//! index current, proposals' texts for novelty and duplicate checks, and ATM links.

use kolabik_domain::{Id, Instant};
use sqlx::{Any, Executor, Row};

use crate::{AnyRow, Result, Tx, flag};

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Entry {
    pub id: Id,
    pub proposal_id: Option<Id>,
    /// `proposal` or `import`.
    pub source: String,
    pub title: String,
    pub unit_name: String,
    pub unit_kind: String,
    pub region: String,
    pub year: i64,
    pub category: String,
    pub stage: String,
    pub value_codes: String,
    pub sdg_numbers: String,
    pub summary: String,
    pub body: String,
    pub results: String,
    pub indicators_json: String,
    pub source_url: String,
    pub atm_entry_id: Option<Id>,
    pub atm_name: String,
    pub atm_url: String,
    pub atm_modified: String,
    /// Milliseconds UTC.
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, proposal_id, source, title, unit_name, unit_kind, region, year, category, \
     stage, value_codes, sdg_numbers, summary, body, results, indicators_json, source_url, atm_entry_id, \
     atm_name, atm_url, atm_modified, created_at, updated_at";

fn entry_from_row(r: &AnyRow) -> Result<Entry> {
    Ok(Entry {
        id: r.try_get("id")?,
        proposal_id: r.try_get("proposal_id")?,
        source: r.try_get("source")?,
        title: r.try_get("title")?,
        unit_name: r.try_get("unit_name")?,
        unit_kind: r.try_get("unit_kind")?,
        region: r.try_get("region")?,
        year: r.try_get("year")?,
        category: r.try_get("category")?,
        stage: r.try_get("stage")?,
        value_codes: r.try_get("value_codes")?,
        sdg_numbers: r.try_get("sdg_numbers")?,
        summary: r.try_get("summary")?,
        body: r.try_get("body")?,
        results: r.try_get("results")?,
        indicators_json: r.try_get("indicators_json")?,
        source_url: r.try_get("source_url")?,
        atm_entry_id: r.try_get("atm_entry_id")?,
        atm_name: r.try_get("atm_name")?,
        atm_url: r.try_get("atm_url")?,
        atm_modified: r.try_get("atm_modified")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Inserts (`e.id == 0`) or replaces an entry; returns its id. Appends a change row.
pub async fn save(tx: &mut Tx, e: &Entry, by: Option<Id>, now: Instant) -> Result<Id> {
    let id = if e.id == 0 {
        let row = sqlx::query(
            "INSERT INTO catalog_entries (proposal_id, source, title, unit_name, unit_kind, region, year, \
             category, stage, value_codes, sdg_numbers, summary, body, results, indicators_json, source_url, \
             atm_entry_id, atm_name, atm_url, atm_modified, published_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22) \
             RETURNING id",
        )
        .bind(e.proposal_id)
        .bind(&e.source)
        .bind(&e.title)
        .bind(&e.unit_name)
        .bind(&e.unit_kind)
        .bind(&e.region)
        .bind(e.year)
        .bind(&e.category)
        .bind(&e.stage)
        .bind(&e.value_codes)
        .bind(&e.sdg_numbers)
        .bind(&e.summary)
        .bind(&e.body)
        .bind(&e.results)
        .bind(&e.indicators_json)
        .bind(&e.source_url)
        .bind(e.atm_entry_id)
        .bind(&e.atm_name)
        .bind(&e.atm_url)
        .bind(&e.atm_modified)
        .bind(by)
        .bind(now.millis())
        .fetch_one(&mut **tx)
        .await?;
        row.try_get("id")?
    } else {
        sqlx::query(
            "UPDATE catalog_entries SET title = $2, unit_name = $3, unit_kind = $4, region = $5, year = $6, \
             category = $7, stage = $8, value_codes = $9, sdg_numbers = $10, summary = $11, body = $12, \
             results = $13, indicators_json = $14, source_url = $15, atm_entry_id = $16, atm_name = $17, \
             atm_url = $18, atm_modified = $19, published_by = $20, updated_at = $21 WHERE id = $1",
        )
        .bind(e.id)
        .bind(&e.title)
        .bind(&e.unit_name)
        .bind(&e.unit_kind)
        .bind(&e.region)
        .bind(e.year)
        .bind(&e.category)
        .bind(&e.stage)
        .bind(&e.value_codes)
        .bind(&e.sdg_numbers)
        .bind(&e.summary)
        .bind(&e.body)
        .bind(&e.results)
        .bind(&e.indicators_json)
        .bind(&e.source_url)
        .bind(e.atm_entry_id)
        .bind(&e.atm_name)
        .bind(&e.atm_url)
        .bind(&e.atm_modified)
        .bind(by)
        .bind(now.millis())
        .execute(&mut **tx)
        .await?;
        e.id
    };
    log_change(tx, id, now).await?;
    Ok(id)
}

/// Appends one change row: every node re-reads this entry.
pub async fn log_change(tx: &mut Tx, entry_id: Id, now: Instant) -> Result<()> {
    sqlx::query("INSERT INTO catalog_changes (entry_id, created_at) VALUES ($1, $2)")
        .bind(entry_id)
        .bind(now.millis())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn get<'e>(ex: impl Executor<'e, Database = Any>, id: Id) -> Result<Option<Entry>> {
    let sql = format!("SELECT {COLUMNS} FROM catalog_entries WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(entry_from_row)
        .transpose()
}

pub async fn by_proposal<'e>(
    ex: impl Executor<'e, Database = Any>,
    proposal_id: Id,
) -> Result<Option<Entry>> {
    let sql = format!("SELECT {COLUMNS} FROM catalog_entries WHERE proposal_id = $1");
    sqlx::query(&sql)
        .bind(proposal_id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(entry_from_row)
        .transpose()
}

/// Every entry, by id (the open-data download and the index rebuild).
pub async fn all<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<Entry>> {
    let sql = format!("SELECT {COLUMNS} FROM catalog_entries ORDER BY id");
    sqlx::query(&sql)
        .fetch_all(ex)
        .await?
        .iter()
        .map(entry_from_row)
        .collect()
}

/// The entries changed after change `since`, and the last change id (0 when none).
pub async fn changes_since<'e>(
    ex: impl Executor<'e, Database = Any> + Copy,
    since: i64,
) -> Result<(Vec<Id>, i64)> {
    let rows = sqlx::query("SELECT id, entry_id FROM catalog_changes WHERE id > $1 ORDER BY id")
        .bind(since)
        .fetch_all(ex)
        .await?;
    let mut last = since;
    let mut ids = Vec::new();
    for r in rows {
        last = last.max(r.try_get("id")?);
        let e: Id = r.try_get("entry_id")?;
        if !ids.contains(&e) {
            ids.push(e);
        }
    }
    Ok((ids, last))
}

pub async fn last_change<'e>(ex: impl Executor<'e, Database = Any>) -> Result<i64> {
    let r = sqlx::query("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) AS m FROM catalog_changes")
        .fetch_one(ex)
        .await?;
    Ok(r.try_get("m")?)
}

/// Entries by id (unknown ids are left out).
pub async fn by_ids<'e>(
    ex: impl Executor<'e, Database = Any> + Copy,
    ids: &[Id],
) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    for id in ids {
        if let Some(e) = get(ex, *id).await? {
            out.push(e);
        }
    }
    Ok(out)
}

/// Entry ids by title or source URL (for resolving "replicated from" in imports).
pub async fn find_by_title_or_url<'e>(
    ex: impl Executor<'e, Database = Any>,
    key: &str,
) -> Result<Option<Id>> {
    let r = sqlx::query(
        "SELECT id FROM catalog_entries WHERE LOWER(title) = LOWER($1) OR (source_url <> '' AND source_url = $1) \
         ORDER BY id LIMIT 1",
    )
    .bind(key)
    .fetch_optional(ex)
    .await?;
    Ok(match r {
        Some(r) => Some(r.try_get("id")?),
        None => None,
    })
}

/// Entries that replicate `id` (ATM), oldest year first.
pub async fn replicated_by<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: Id,
) -> Result<Vec<Entry>> {
    let sql =
        format!("SELECT {COLUMNS} FROM catalog_entries WHERE atm_entry_id = $1 ORDER BY year, id");
    sqlx::query(&sql)
        .bind(id)
        .fetch_all(ex)
        .await?
        .iter()
        .map(entry_from_row)
        .collect()
}

/// (entry id, replications), most replicated first, at most `limit`.
pub async fn most_replicated<'e>(
    ex: impl Executor<'e, Database = Any>,
    limit: i64,
) -> Result<Vec<(Id, i64)>> {
    let rows = sqlx::query(
        "SELECT atm_entry_id AS id, CAST(COUNT(*) AS BIGINT) AS n FROM catalog_entries \
         WHERE atm_entry_id IS NOT NULL GROUP BY atm_entry_id ORDER BY n DESC, atm_entry_id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("n")?)))
        .collect()
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct EntryFile {
    pub file_id: Id,
    pub label: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
}

pub async fn files<'e>(
    ex: impl Executor<'e, Database = Any>,
    entry_id: Id,
) -> Result<Vec<EntryFile>> {
    let rows = sqlx::query(
        "SELECT ef.file_id, ef.label, f.filename, f.content_type, f.size_bytes FROM catalog_entry_files ef \
         JOIN files f ON f.id = ef.file_id WHERE ef.entry_id = $1 ORDER BY ef.position, ef.file_id",
    )
    .bind(entry_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(EntryFile {
                file_id: r.try_get("file_id")?,
                label: r.try_get("label")?,
                filename: r.try_get("filename")?,
                content_type: r.try_get("content_type")?,
                size_bytes: r.try_get("size_bytes")?,
            })
        })
        .collect()
}

/// (file name, content type, bytes) of a file published with an entry.
pub async fn file_bytes<'e>(
    ex: impl Executor<'e, Database = Any>,
    entry_id: Id,
    file_id: Id,
) -> Result<Option<(String, String, Vec<u8>)>> {
    let r = sqlx::query(
        "SELECT f.filename, f.content_type, f.content FROM catalog_entry_files ef JOIN files f ON f.id = ef.file_id \
         WHERE ef.entry_id = $1 AND ef.file_id = $2",
    )
    .bind(entry_id)
    .bind(file_id)
    .fetch_optional(ex)
    .await?;
    Ok(match r {
        Some(r) => Some((
            r.try_get("filename")?,
            r.try_get("content_type")?,
            r.try_get("content")?,
        )),
        None => None,
    })
}

/// Replaces an entry's files with the proposal's attachments marked published.
pub async fn copy_published_files(tx: &mut Tx, entry_id: Id, proposal_id: Id) -> Result<()> {
    sqlx::query("DELETE FROM catalog_entry_files WHERE entry_id = $1")
        .bind(entry_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO catalog_entry_files (entry_id, file_id, label, position) \
         SELECT $1, file_id, label, file_id FROM proposal_files WHERE proposal_id = $2 AND published = 1",
    )
    .bind(entry_id)
    .bind(proposal_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Marks one attachment of a proposal as published or not; false when there is no such link.
pub async fn set_file_published(
    tx: &mut Tx,
    proposal_id: Id,
    file_id: Id,
    published: bool,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE proposal_files SET published = $3 WHERE proposal_id = $1 AND file_id = $2",
    )
    .bind(proposal_id)
    .bind(file_id)
    .bind(flag(published))
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// The ids of a proposal's attachments marked published.
pub async fn published_file_ids<'e>(
    ex: impl Executor<'e, Database = Any>,
    proposal_id: Id,
) -> Result<Vec<Id>> {
    let rows = sqlx::query("SELECT file_id FROM proposal_files WHERE proposal_id = $1 AND published = 1 ORDER BY file_id")
        .bind(proposal_id)
        .fetch_all(ex)
        .await?;
    rows.iter().map(|r| Ok(r.try_get("file_id")?)).collect()
}

/// A proposal's text for novelty and duplicate checks.
#[derive(Debug, Clone)]
pub struct ProposalText {
    pub id: Id,
    pub edition_id: Id,
    pub year: i64,
    pub unit_id: Id,
    pub unit_name: String,
    pub unit_kind: String,
    pub category: String,
    pub state: String,
    pub title: String,
    pub summary: String,
    /// Every other section, one paragraph each.
    pub body: String,
    pub submitted: bool,
    pub updated_at: i64,
    pub atm_catalog_id: Option<Id>,
    pub atm_url: String,
    pub atm_innovation: String,
    pub atm_owner: String,
    pub atm_region: String,
    pub atm_modified: String,
    pub value_codes: String,
    pub sdg_numbers: String,
    pub innovation_stage: String,
}

const SECTIONS: [&str; 9] = [
    "problem",
    "idea",
    "novelty",
    "stakeholders",
    "resources",
    "sustainability",
    "replicability",
    "results",
    "lessons",
];

const PROPOSAL_SQL: &str = "SELECT p.id, p.edition_id, e.year, p.unit_id, u.name AS unit_name, u.kind AS unit_kind, \
     COALESCE(c.name, '') AS category, p.state, p.title, p.summary, p.problem, p.idea, p.novelty, p.stakeholders, \
     p.resources, p.sustainability, p.replicability, p.results, p.lessons, p.submitted_at, p.updated_at, \
     p.atm_catalog_id, p.atm_url, COALESCE(p.atm_source, '') AS atm_innovation, p.atm_owner, p.atm_region, \
     p.atm_modified, p.value_codes, p.sdg_numbers, p.innovation_stage \
     FROM proposals p JOIN units u ON u.id = p.unit_id JOIN editions e ON e.id = p.edition_id \
     LEFT JOIN categories c ON c.id = p.category_id";

fn proposal_from_row(r: &AnyRow) -> Result<ProposalText> {
    let mut body = String::new();
    for s in SECTIONS {
        let t: String = r.try_get(s)?;
        if !t.trim().is_empty() {
            body.push_str(t.trim());
            body.push_str("\n\n");
        }
    }
    Ok(ProposalText {
        id: r.try_get("id")?,
        edition_id: r.try_get("edition_id")?,
        year: r.try_get("year")?,
        unit_id: r.try_get("unit_id")?,
        unit_name: r.try_get("unit_name")?,
        unit_kind: r.try_get("unit_kind")?,
        category: r.try_get("category")?,
        state: r.try_get("state")?,
        title: r.try_get("title")?,
        summary: r.try_get("summary")?,
        body,
        submitted: r.try_get::<Option<i64>, _>("submitted_at")?.is_some(),
        updated_at: r.try_get("updated_at")?,
        atm_catalog_id: r.try_get("atm_catalog_id")?,
        atm_url: r.try_get("atm_url")?,
        atm_innovation: r.try_get("atm_innovation")?,
        atm_owner: r.try_get("atm_owner")?,
        atm_region: r.try_get("atm_region")?,
        atm_modified: r.try_get("atm_modified")?,
        value_codes: r.try_get("value_codes")?,
        sdg_numbers: r.try_get("sdg_numbers")?,
        innovation_stage: r.try_get("innovation_stage")?,
    })
}

/// Proposals updated at or after `since` (ms), by id.
pub async fn proposals_since<'e>(
    ex: impl Executor<'e, Database = Any>,
    since: i64,
) -> Result<Vec<ProposalText>> {
    let sql = format!("{PROPOSAL_SQL} WHERE p.updated_at >= $1 ORDER BY p.id");
    sqlx::query(&sql)
        .bind(since)
        .fetch_all(ex)
        .await?
        .iter()
        .map(proposal_from_row)
        .collect()
}

pub async fn proposal<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: Id,
) -> Result<Option<ProposalText>> {
    let sql = format!("{PROPOSAL_SQL} WHERE p.id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(proposal_from_row)
        .transpose()
}

/// (latest `updated_at`, number of proposals): a cheap mark of whether proposals changed.
pub async fn proposal_mark<'e>(ex: impl Executor<'e, Database = Any>) -> Result<(i64, i64)> {
    let r = sqlx::query(
        "SELECT CAST(COALESCE(MAX(updated_at), 0) AS BIGINT) AS m, CAST(COUNT(*) AS BIGINT) AS n FROM proposals",
    )
    .fetch_one(ex)
    .await?;
    Ok((r.try_get("m")?, r.try_get("n")?))
}

/// Ids of the proposals of an edition in the given states.
pub async fn proposals_in_states<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    states: &[&str],
) -> Result<Vec<Id>> {
    let rows = sqlx::query("SELECT id, state FROM proposals WHERE edition_id = $1 ORDER BY id")
        .bind(edition_id)
        .fetch_all(ex)
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let s: String = r.try_get("state")?;
        if states.contains(&s.as_str()) {
            out.push(r.try_get("id")?);
        }
    }
    Ok(out)
}

/// Sets a proposal's ATM link (catalogue entry or external URL). Touches `updated_at` so
/// every node re-reads the proposal.
pub async fn set_proposal_atm(
    tx: &mut Tx,
    proposal_id: Id,
    entry_id: Option<Id>,
    url: &str,
    now: Instant,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE proposals SET atm_catalog_id = $2, atm_url = $3, updated_at = $4 WHERE id = $1",
    )
    .bind(proposal_id)
    .bind(entry_id)
    .bind(url)
    .bind(now.millis())
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Deletes an entry (its files go with it; replications keep their text but lose the link).
pub async fn delete(tx: &mut Tx, id: Id, now: Instant) -> Result<()> {
    sqlx::query("UPDATE catalog_entries SET atm_entry_id = NULL WHERE atm_entry_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE proposals SET atm_catalog_id = NULL WHERE atm_catalog_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM catalog_entry_files WHERE entry_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM catalog_entries WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    log_change(tx, id, now).await
}

/// (id, title, unit name, state) of an edition's submitted proposals, by title.
pub async fn submitted_in_edition<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<(Id, String, String, String)>> {
    let rows = sqlx::query(
        "SELECT p.id, p.title, u.name AS unit_name, p.state FROM proposals p JOIN units u ON u.id = p.unit_id \
         WHERE p.edition_id = $1 AND p.submitted_at IS NOT NULL AND p.state <> 'withdrawn' ORDER BY p.title, p.id",
    )
    .bind(edition_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("title")?,
                r.try_get("unit_name")?,
                r.try_get("state")?,
            ))
        })
        .collect()
}

/// (proposal id, catalogue entry id) of every catalogue entry made from an edition's
/// proposals: the public results link each published proposal to its catalogue page.
pub async fn entries_for_edition<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<(Id, Id)>> {
    let rows = sqlx::query(
        "SELECT c.proposal_id, c.id FROM catalog_entries c JOIN proposals p ON p.id = c.proposal_id \
         WHERE p.edition_id = $1",
    )
    .bind(edition_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("proposal_id")?, r.try_get("id")?)))
        .collect()
}
