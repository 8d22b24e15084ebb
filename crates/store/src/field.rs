//! Field verification: the edition's checklist, one visit per proposal of the stage, and
//! the visit's photos (bytes in `files`).

use kolabik_domain::{Id, Instant};
use sqlx::{Any, Executor, Row};

use crate::{Result, Tx, flag};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
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
        "SELECT id, position, label FROM field_checklist_items WHERE edition_id = $1 \
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

/// Replaces the edition's checklist with `labels`, in order. Visits keep their own copy.
pub async fn replace_checklist(tx: &mut Tx, edition_id: Id, labels: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM field_checklist_items WHERE edition_id = $1")
        .bind(edition_id)
        .execute(&mut **tx)
        .await?;
    for (i, label) in labels.iter().enumerate() {
        sqlx::query(
            "INSERT INTO field_checklist_items (edition_id, position, label) VALUES ($1, $2, $3)",
        )
        .bind(edition_id)
        .bind(i as i64 + 1)
        .bind(label)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Visit {
    pub id: Id,
    pub stage_id: Id,
    pub proposal_id: Id,
    pub title: String,
    pub unit_id: Id,
    pub unit_name: String,
    pub scheduled_at: Option<Instant>,
    pub announced: bool,
    pub checklist_json: String,
    pub notes: String,
    pub visited_by: Option<Id>,
    pub visited_by_name: Option<String>,
    pub completed_at: Option<Instant>,
    pub updated_at: Instant,
}

const VISIT_SELECT: &str = "SELECT v.id, v.stage_id, v.proposal_id, p.title, p.unit_id, \
    un.name AS unit_name, v.scheduled_at, v.announced, v.checklist_json, v.notes, v.visited_by, \
    us.name AS visited_by_name, v.completed_at, v.updated_at FROM field_visits v \
    JOIN proposals p ON p.id = v.proposal_id JOIN units un ON un.id = p.unit_id \
    LEFT JOIN users us ON us.id = v.visited_by";

fn visit_row(r: &crate::AnyRow) -> Result<Visit> {
    Ok(Visit {
        id: r.try_get("id")?,
        stage_id: r.try_get("stage_id")?,
        proposal_id: r.try_get("proposal_id")?,
        title: r.try_get("title")?,
        unit_id: r.try_get("unit_id")?,
        unit_name: r.try_get("unit_name")?,
        scheduled_at: r.try_get::<Option<i64>, _>("scheduled_at")?.map(Instant),
        announced: r.try_get::<i64, _>("announced")? != 0,
        checklist_json: r.try_get("checklist_json")?,
        notes: r.try_get("notes")?,
        visited_by: r.try_get("visited_by")?,
        visited_by_name: r.try_get("visited_by_name")?,
        completed_at: r.try_get::<Option<i64>, _>("completed_at")?.map(Instant),
        updated_at: Instant(r.try_get("updated_at")?),
    })
}

/// Every visit of a stage, by scheduled time (unscheduled last).
pub async fn visits<'e>(ex: impl Executor<'e, Database = Any>, stage_id: Id) -> Result<Vec<Visit>> {
    let sql = format!(
        "{VISIT_SELECT} WHERE v.stage_id = $1 \
         ORDER BY CASE WHEN v.scheduled_at IS NULL THEN 1 ELSE 0 END, v.scheduled_at, v.id"
    );
    let rows = sqlx::query(&sql).bind(stage_id).fetch_all(ex).await?;
    rows.iter().map(visit_row).collect()
}

pub async fn visit<'e>(ex: impl Executor<'e, Database = Any>, id: Id) -> Result<Option<Visit>> {
    let sql = format!("{VISIT_SELECT} WHERE v.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(ex).await?;
    row.as_ref().map(visit_row).transpose()
}

/// The visit of one proposal in a stage.
pub async fn visit_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
    proposal_id: Id,
) -> Result<Option<Visit>> {
    let sql = format!("{VISIT_SELECT} WHERE v.stage_id = $1 AND v.proposal_id = $2");
    let row = sqlx::query(&sql)
        .bind(stage_id)
        .bind(proposal_id)
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(visit_row).transpose()
}

/// Visits of a stage assigned to a judge, without conflicted proposals.
pub async fn visits_of_judge<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
    judge_id: Id,
) -> Result<Vec<Visit>> {
    let sql = format!(
        "{VISIT_SELECT} WHERE v.stage_id = $1 AND EXISTS (SELECT 1 FROM assignments a \
         WHERE a.stage_id = v.stage_id AND a.proposal_id = v.proposal_id AND a.judge_id = $2 \
         AND {}) ORDER BY v.scheduled_at, v.id",
        crate::assignments::NO_ACTIVE_CONFLICT
    );
    let rows = sqlx::query(&sql)
        .bind(stage_id)
        .bind(judge_id)
        .fetch_all(ex)
        .await?;
    rows.iter().map(visit_row).collect()
}

/// Schedules (or reschedules) the visit of a proposal; returns its id.
pub async fn schedule(
    tx: &mut Tx,
    stage_id: Id,
    proposal_id: Id,
    scheduled_at: Option<Instant>,
    announced: bool,
    now: Instant,
) -> Result<Id> {
    let existing: Option<Id> =
        sqlx::query_scalar("SELECT id FROM field_visits WHERE stage_id = $1 AND proposal_id = $2")
            .bind(stage_id)
            .bind(proposal_id)
            .fetch_optional(&mut **tx)
            .await?;
    if let Some(id) = existing {
        sqlx::query(
            "UPDATE field_visits SET scheduled_at = $1, announced = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(scheduled_at.map(Instant::millis))
        .bind(flag(announced))
        .bind(now.millis())
        .bind(id)
        .execute(&mut **tx)
        .await?;
        return Ok(id);
    }
    Ok(sqlx::query_scalar(
        "INSERT INTO field_visits (stage_id, proposal_id, scheduled_at, announced, updated_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(stage_id)
    .bind(proposal_id)
    .bind(scheduled_at.map(Instant::millis))
    .bind(flag(announced))
    .bind(now.millis())
    .fetch_one(&mut **tx)
    .await?)
}

/// Saves the checklist answers and notes of a visit.
pub async fn save(
    tx: &mut Tx,
    id: Id,
    checklist_json: &str,
    notes: &str,
    now: Instant,
) -> Result<()> {
    sqlx::query(
        "UPDATE field_visits SET checklist_json = $1, notes = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(checklist_json)
    .bind(notes)
    .bind(now.millis())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Marks a visit completed by `user_id`.
pub async fn complete(tx: &mut Tx, id: Id, user_id: Option<Id>, now: Instant) -> Result<()> {
    sqlx::query(
        "UPDATE field_visits SET completed_at = $1, visited_by = $2, updated_at = $1 WHERE id = $3",
    )
    .bind(now.millis())
    .bind(user_id)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Opens a completed visit again: its recorded answers stay and can be corrected.
pub async fn reopen(tx: &mut Tx, id: Id, now: Instant) -> Result<()> {
    sqlx::query("UPDATE field_visits SET completed_at = NULL, updated_at = $1 WHERE id = $2")
        .bind(now.millis())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Photo {
    pub file_id: Id,
    pub caption: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub created_at: Instant,
}

pub async fn photos<'e>(ex: impl Executor<'e, Database = Any>, visit_id: Id) -> Result<Vec<Photo>> {
    let rows = sqlx::query(
        "SELECT ph.file_id, ph.caption, f.filename, f.content_type, f.size_bytes, ph.created_at \
         FROM field_visit_photos ph JOIN files f ON f.id = ph.file_id WHERE ph.visit_id = $1 \
         ORDER BY ph.created_at, ph.file_id",
    )
    .bind(visit_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Photo {
                file_id: r.try_get("file_id")?,
                caption: r.try_get("caption")?,
                filename: r.try_get("filename")?,
                content_type: r.try_get("content_type")?,
                size_bytes: r.try_get("size_bytes")?,
                created_at: Instant(r.try_get("created_at")?),
            })
        })
        .collect()
}

pub async fn photo_count<'e>(ex: impl Executor<'e, Database = Any>, visit_id: Id) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM field_visit_photos WHERE visit_id = $1",
    )
    .bind(visit_id)
    .fetch_one(ex)
    .await?)
}

pub async fn add_photo(
    tx: &mut Tx,
    visit_id: Id,
    file_id: Id,
    caption: &str,
    now: Instant,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO field_visit_photos (visit_id, file_id, caption, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(visit_id)
    .bind(file_id)
    .bind(caption)
    .bind(now.millis())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A photo's metadata and bytes, only when it belongs to this visit.
pub async fn photo_content<'e>(
    ex: impl Executor<'e, Database = Any>,
    visit_id: Id,
    file_id: Id,
) -> Result<Option<(crate::announcements::FileMeta, Vec<u8>)>> {
    let row = sqlx::query(
        "SELECT f.id, f.filename, f.content_type, f.size_bytes, f.sha256, f.content \
         FROM field_visit_photos ph JOIN files f ON f.id = ph.file_id \
         WHERE ph.visit_id = $1 AND ph.file_id = $2",
    )
    .bind(visit_id)
    .bind(file_id)
    .fetch_optional(ex)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let meta = crate::announcements::FileMeta {
        id: r.try_get("id")?,
        filename: r.try_get("filename")?,
        content_type: r.try_get("content_type")?,
        size_bytes: r.try_get("size_bytes")?,
        sha256: r.try_get("sha256")?,
    };
    Ok(Some((meta, r.try_get("content")?)))
}
