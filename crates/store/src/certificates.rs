//! Certificates (piagam): the edition's signatory, the issued certificates with their
//! verification codes, revocation, and the bulk ZIP jobs (migration `0017_certificates.sql`).

use kolabik_domain::{Id, Instant};
use sqlx::{Any, Executor, Row};

use crate::Result;

/// The signatory as stored (the app parses it into `domain::certificate::Signatory`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsRow {
    pub name: String,
    pub position: String,
    pub nip: Option<String>,
    pub place: String,
    pub signed_on: String,
}

pub async fn settings<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Option<SettingsRow>> {
    let row = sqlx::query(
        "SELECT signatory_name, signatory_position, signatory_nip, place, signed_on \
         FROM certificate_settings WHERE edition_id = $1",
    )
    .bind(edition_id)
    .fetch_optional(ex)
    .await?;
    row.map(|r| {
        Ok(SettingsRow {
            name: r.try_get("signatory_name")?,
            position: r.try_get("signatory_position")?,
            nip: r.try_get("signatory_nip")?,
            place: r.try_get("place")?,
            signed_on: r.try_get("signed_on")?,
        })
    })
    .transpose()
}

pub async fn save_settings<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    s: &SettingsRow,
    by: Option<Id>,
    now: Instant,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO certificate_settings (edition_id, signatory_name, signatory_position, \
         signatory_nip, place, signed_on, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (edition_id) DO UPDATE SET signatory_name = excluded.signatory_name, \
         signatory_position = excluded.signatory_position, signatory_nip = excluded.signatory_nip, \
         place = excluded.place, signed_on = excluded.signed_on, updated_by = excluded.updated_by, \
         updated_at = excluded.updated_at",
    )
    .bind(edition_id)
    .bind(&s.name)
    .bind(&s.position)
    .bind(s.nip.clone())
    .bind(&s.place)
    .bind(&s.signed_on)
    .bind(by)
    .bind(now.millis())
    .execute(ex)
    .await?;
    Ok(())
}

/// A proposal that may receive a certificate: past administrative screening, or in the
/// edition's final ranking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub proposal_id: Id,
    pub unit_id: Id,
    pub unit_name: String,
    pub title: String,
    pub category_name: Option<String>,
}

pub async fn candidates<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<Candidate>> {
    let rows = sqlx::query(
        "SELECT p.id, p.unit_id, u.name AS unit_name, p.title, c.name AS category_name \
         FROM proposals p JOIN units u ON u.id = p.unit_id \
         LEFT JOIN categories c ON c.id = p.category_id \
         WHERE p.edition_id = $1 AND (p.state IN ('passed_screening', 'finalist', 'winner') \
         OR EXISTS (SELECT 1 FROM results r WHERE r.proposal_id = p.id AND r.stage_id IS NULL)) \
         ORDER BY p.id",
    )
    .bind(edition_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Candidate {
                proposal_id: r.try_get("id")?,
                unit_id: r.try_get("unit_id")?,
                unit_name: r.try_get("unit_name")?,
                title: r.try_get("title")?,
                category_name: r.try_get("category_name")?,
            })
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRow {
    pub id: Id,
    pub edition_id: Id,
    pub proposal_id: Id,
    pub unit_id: Id,
    pub kind: String,
    pub rank: Option<i64>,
    pub category_name: Option<String>,
    pub recipient: String,
    pub title: String,
    pub code: String,
    pub issued_at: Instant,
    pub revoked_at: Option<Instant>,
    pub revoke_reason: Option<String>,
}

const COLUMNS: &str = "id, edition_id, proposal_id, unit_id, kind, rank, category_name, \
     recipient, title, code, issued_at, revoked_at, revoke_reason";

fn row(r: &sqlx::any::AnyRow) -> Result<CertificateRow> {
    Ok(CertificateRow {
        id: r.try_get("id")?,
        edition_id: r.try_get("edition_id")?,
        proposal_id: r.try_get("proposal_id")?,
        unit_id: r.try_get("unit_id")?,
        kind: r.try_get("kind")?,
        rank: r.try_get("rank")?,
        category_name: r.try_get("category_name")?,
        recipient: r.try_get("recipient")?,
        title: r.try_get("title")?,
        code: r.try_get("code")?,
        issued_at: Instant(r.try_get("issued_at")?),
        revoked_at: r.try_get::<Option<i64>, _>("revoked_at")?.map(Instant),
        revoke_reason: r.try_get("revoke_reason")?,
    })
}

/// The edition's certificates: winners by category and rank, then finalists, then
/// participants, each by recipient.
pub async fn list<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<CertificateRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM certificates WHERE edition_id = $1 ORDER BY \
         CASE kind WHEN 'juara' THEN 0 WHEN 'finalis' THEN 1 ELSE 2 END, \
         category_name, rank, recipient, id"
    );
    let rows = sqlx::query(&sql).bind(edition_id).fetch_all(ex).await?;
    rows.iter().map(row).collect()
}

/// Every certificate of a unit, newest edition first.
pub async fn for_unit<'e>(
    ex: impl Executor<'e, Database = Any>,
    unit_id: Id,
) -> Result<Vec<CertificateRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM certificates WHERE unit_id = $1 ORDER BY edition_id DESC, id"
    );
    let rows = sqlx::query(&sql).bind(unit_id).fetch_all(ex).await?;
    rows.iter().map(row).collect()
}

pub async fn by_code<'e>(
    ex: impl Executor<'e, Database = Any>,
    code: &str,
) -> Result<Option<CertificateRow>> {
    let sql = format!("SELECT {COLUMNS} FROM certificates WHERE code = $1");
    let r = sqlx::query(&sql).bind(code).fetch_optional(ex).await?;
    r.as_ref().map(row).transpose()
}

pub async fn by_id<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: Id,
) -> Result<Option<CertificateRow>> {
    let sql = format!("SELECT {COLUMNS} FROM certificates WHERE id = $1");
    let r = sqlx::query(&sql).bind(id).fetch_optional(ex).await?;
    r.as_ref().map(row).transpose()
}

/// Proposals of the edition that already have a certificate (revoked ones included).
pub async fn issued_proposals<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<Id>> {
    Ok(
        sqlx::query_scalar("SELECT proposal_id FROM certificates WHERE edition_id = $1")
            .bind(edition_id)
            .fetch_all(ex)
            .await?,
    )
}

pub async fn code_taken<'e>(ex: impl Executor<'e, Database = Any>, code: &str) -> Result<bool> {
    let n: i64 =
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM certificates WHERE code = $1")
            .bind(code)
            .fetch_one(ex)
            .await?;
    Ok(n > 0)
}

pub struct NewCertificate<'a> {
    pub edition_id: Id,
    pub proposal_id: Id,
    pub unit_id: Id,
    pub kind: &'a str,
    pub rank: Option<i64>,
    pub category_name: Option<&'a str>,
    pub recipient: &'a str,
    pub title: &'a str,
    pub code: &'a str,
    pub issued_by: Option<Id>,
    pub now: Instant,
}

pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    c: &NewCertificate<'_>,
) -> Result<Id> {
    Ok(sqlx::query_scalar(
        "INSERT INTO certificates (edition_id, proposal_id, unit_id, kind, rank, category_name, \
         recipient, title, code, issued_by, issued_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(c.edition_id)
    .bind(c.proposal_id)
    .bind(c.unit_id)
    .bind(c.kind)
    .bind(c.rank)
    .bind(c.category_name.map(str::to_owned))
    .bind(c.recipient)
    .bind(c.title)
    .bind(c.code)
    .bind(c.issued_by)
    .bind(c.now.millis())
    .fetch_one(ex)
    .await?)
}

/// Revokes a certificate once; false when it was already revoked.
pub async fn revoke<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: Id,
    reason: &str,
    by: Option<Id>,
    now: Instant,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE certificates SET revoked_at = $2, revoke_reason = $3, revoked_by = $4 \
         WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(now.millis())
    .bind(reason)
    .bind(by)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A bulk ZIP job, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipJob {
    pub id: Id,
    pub edition_id: Id,
    /// `running`, `done` or `failed`.
    pub state: String,
    pub done: i64,
    pub total: i64,
    pub size_bytes: Option<i64>,
    pub error: Option<String>,
    pub created_at: Instant,
    pub updated_at: Instant,
    pub finished_at: Option<Instant>,
}

const JOB_COLUMNS: &str = "id, edition_id, state, done, total, \
     CAST(LENGTH(zip) AS BIGINT) AS size_bytes, error, created_at, updated_at, finished_at";

fn job_row(r: &sqlx::any::AnyRow) -> Result<ZipJob> {
    Ok(ZipJob {
        id: r.try_get("id")?,
        edition_id: r.try_get("edition_id")?,
        state: r.try_get("state")?,
        done: r.try_get("done")?,
        total: r.try_get("total")?,
        size_bytes: r.try_get("size_bytes")?,
        error: r.try_get("error")?,
        created_at: Instant(r.try_get("created_at")?),
        updated_at: Instant(r.try_get("updated_at")?),
        finished_at: r.try_get::<Option<i64>, _>("finished_at")?.map(Instant),
    })
}

pub async fn insert_job<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    total: i64,
    by: Option<Id>,
    now: Instant,
) -> Result<Id> {
    Ok(sqlx::query_scalar(
        "INSERT INTO certificate_zip_jobs (edition_id, state, done, total, requested_by, \
         created_at, updated_at) VALUES ($1, 'running', 0, $2, $3, $4, $4) RETURNING id",
    )
    .bind(edition_id)
    .bind(total)
    .bind(by)
    .bind(now.millis())
    .fetch_one(ex)
    .await?)
}

pub async fn latest_job<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Option<ZipJob>> {
    let sql = format!(
        "SELECT {JOB_COLUMNS} FROM certificate_zip_jobs WHERE edition_id = $1 \
         ORDER BY id DESC LIMIT 1"
    );
    let r = sqlx::query(&sql)
        .bind(edition_id)
        .fetch_optional(ex)
        .await?;
    r.as_ref().map(job_row).transpose()
}

pub async fn job<'e>(ex: impl Executor<'e, Database = Any>, id: Id) -> Result<Option<ZipJob>> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM certificate_zip_jobs WHERE id = $1");
    let r = sqlx::query(&sql).bind(id).fetch_optional(ex).await?;
    r.as_ref().map(job_row).transpose()
}

pub async fn job_progress<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: Id,
    done: i64,
    now: Instant,
) -> Result<()> {
    sqlx::query("UPDATE certificate_zip_jobs SET done = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(done)
        .bind(now.millis())
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn finish_job<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: Id,
    zip: &[u8],
    now: Instant,
) -> Result<()> {
    sqlx::query(
        "UPDATE certificate_zip_jobs SET state = 'done', done = total, zip = $2, \
         updated_at = $3, finished_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(zip)
    .bind(now.millis())
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn fail_job<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: Id,
    error: &str,
    now: Instant,
) -> Result<()> {
    sqlx::query(
        "UPDATE certificate_zip_jobs SET state = 'failed', error = $2, updated_at = $3, \
         finished_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .bind(now.millis())
    .execute(ex)
    .await?;
    Ok(())
}

/// The finished ZIP of a job of the edition.
pub async fn job_zip<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    id: Id,
) -> Result<Option<Vec<u8>>> {
    let r = sqlx::query(
        "SELECT zip FROM certificate_zip_jobs WHERE id = $1 AND edition_id = $2 \
         AND state = 'done' AND zip IS NOT NULL",
    )
    .bind(id)
    .bind(edition_id)
    .fetch_optional(ex)
    .await?;
    r.map(|r| r.try_get("zip")).transpose().map_err(Into::into)
}
