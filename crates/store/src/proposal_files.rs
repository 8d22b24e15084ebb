//! Proposal attachments: files (in `files`) linked to a proposal with a label.

use kolabik_domain::{Id, Instant};
use sqlx::{Any, Executor, Row};

use crate::announcements::FileMeta;
use crate::{AnyRow, Result};

#[derive(Debug, Clone, serde::Serialize)]
pub struct Attachment {
    pub file: FileMeta,
    pub label: String,
    pub created_at: Instant,
}

fn meta(r: &AnyRow) -> Result<FileMeta> {
    Ok(FileMeta {
        id: r.try_get("id")?,
        filename: r.try_get("filename")?,
        content_type: r.try_get("content_type")?,
        size_bytes: r.try_get("size_bytes")?,
        sha256: r.try_get("sha256")?,
    })
}

pub async fn link<'e>(
    ex: impl Executor<'e, Database = Any>,
    proposal_id: Id,
    file_id: Id,
    label: &str,
    now: Instant,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO proposal_files (proposal_id, file_id, label, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(proposal_id)
    .bind(file_id)
    .bind(label)
    .bind(now.millis())
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn count<'e>(ex: impl Executor<'e, Database = Any>, proposal_id: Id) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM proposal_files WHERE proposal_id = $1")
            .bind(proposal_id)
            .fetch_one(ex)
            .await?,
    )
}

pub async fn list<'e>(
    ex: impl Executor<'e, Database = Any>,
    proposal_id: Id,
) -> Result<Vec<Attachment>> {
    let rows = sqlx::query(
        "SELECT f.id, f.filename, f.content_type, f.size_bytes, f.sha256, pf.label, pf.created_at \
         FROM proposal_files pf JOIN files f ON f.id = pf.file_id WHERE pf.proposal_id = $1 \
         ORDER BY pf.created_at, f.id",
    )
    .bind(proposal_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Attachment {
                file: meta(r)?,
                label: r.try_get("label")?,
                created_at: Instant(r.try_get("created_at")?),
            })
        })
        .collect()
}

/// One attachment's metadata and bytes, if the file belongs to the proposal.
pub async fn content<'e>(
    ex: impl Executor<'e, Database = Any>,
    proposal_id: Id,
    file_id: Id,
) -> Result<Option<(FileMeta, Vec<u8>)>> {
    let row = sqlx::query(
        "SELECT f.id, f.filename, f.content_type, f.size_bytes, f.sha256, f.content \
         FROM proposal_files pf JOIN files f ON f.id = pf.file_id \
         WHERE pf.proposal_id = $1 AND pf.file_id = $2",
    )
    .bind(proposal_id)
    .bind(file_id)
    .fetch_optional(ex)
    .await?;
    match row {
        Some(r) => Ok(Some((meta(&r)?, r.try_get("content")?))),
        None => Ok(None),
    }
}

/// Unlinks the file from the proposal and deletes it; `false` when it was not attached.
pub async fn remove(tx: &mut crate::Tx, proposal_id: Id, file_id: Id) -> Result<bool> {
    let done = sqlx::query("DELETE FROM proposal_files WHERE proposal_id = $1 AND file_id = $2")
        .bind(proposal_id)
        .bind(file_id)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM files WHERE id = $1")
        .bind(file_id)
        .execute(&mut **tx)
        .await?;
    Ok(true)
}

/// The edition's size limit for one attachment, in MB.
pub async fn max_attachment_mb<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT max_attachment_mb FROM editions WHERE id = $1")
            .bind(edition_id)
            .fetch_one(ex)
            .await?,
    )
}
