//! Sosialisasi announcements, their materials (files), and read receipts.

use kolabik_domain::{Id, Instant};
use sqlx::{Any, Executor, Row};

use crate::{AnyRow, Result};

#[derive(Debug, Clone, serde::Serialize)]
pub struct Announcement {
    pub id: Id,
    pub edition_id: Id,
    pub title: String,
    pub body: String,
    pub meeting_url: Option<String>,
    pub published_at: Option<Instant>,
    pub updated_at: Instant,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct FileMeta {
    pub id: Id,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
}

pub struct NewFile<'a> {
    pub sha256: &'a str,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub content: &'a [u8],
    pub uploaded_by: Option<Id>,
    pub now: Instant,
}

fn announcement_from_row(r: &AnyRow) -> Result<Announcement> {
    Ok(Announcement {
        id: r.try_get("id")?,
        edition_id: r.try_get("edition_id")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        meeting_url: r.try_get("meeting_url")?,
        published_at: r.try_get::<Option<i64>, _>("published_at")?.map(Instant),
        updated_at: Instant(r.try_get("updated_at")?),
    })
}

const COLUMNS: &str = "id, edition_id, title, body, meeting_url, published_at, updated_at";

#[allow(clippy::too_many_arguments)]
pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    title: &str,
    body: &str,
    meeting_url: Option<&str>,
    published_at: Option<Instant>,
    created_by: Option<Id>,
    now: Instant,
) -> Result<Id> {
    Ok(sqlx::query_scalar(
        "INSERT INTO announcements (edition_id, title, body, meeting_url, published_at, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(edition_id)
    .bind(title)
    .bind(body)
    .bind(meeting_url)
    .bind(published_at.map(Instant::millis))
    .bind(created_by)
    .bind(now.millis())
    .fetch_one(ex)
    .await?)
}

pub async fn update<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: Id,
    title: &str,
    body: &str,
    meeting_url: Option<&str>,
    published_at: Option<Instant>,
    now: Instant,
) -> Result<()> {
    sqlx::query(
        "UPDATE announcements SET title = $1, body = $2, meeting_url = $3, published_at = $4, updated_at = $5 \
         WHERE id = $6",
    )
    .bind(title)
    .bind(body)
    .bind(meeting_url)
    .bind(published_at.map(Instant::millis))
    .bind(now.millis())
    .bind(id)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn by_id<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: Id,
) -> Result<Option<Announcement>> {
    let sql = format!("SELECT {COLUMNS} FROM announcements WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(ex).await?;
    row.as_ref().map(announcement_from_row).transpose()
}

/// An edition's announcements, newest first; only published ones unless `all`.
pub async fn list<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    all: bool,
) -> Result<Vec<Announcement>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM announcements WHERE edition_id = $1 AND ($2 = 1 OR published_at IS NOT NULL) \
         ORDER BY COALESCE(published_at, updated_at) DESC, id DESC"
    );
    let rows = sqlx::query(&sql)
        .bind(edition_id)
        .bind(i64::from(all))
        .fetch_all(ex)
        .await?;
    rows.iter().map(announcement_from_row).collect()
}

pub async fn insert_file<'e>(ex: impl Executor<'e, Database = Any>, f: NewFile<'_>) -> Result<Id> {
    Ok(sqlx::query_scalar(
        "INSERT INTO files (sha256, filename, content_type, size_bytes, content, uploaded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(f.sha256)
    .bind(f.filename)
    .bind(f.content_type)
    .bind(i64::try_from(f.content.len()).unwrap_or(i64::MAX))
    .bind(f.content)
    .bind(f.uploaded_by)
    .bind(f.now.millis())
    .fetch_one(ex)
    .await?)
}

pub async fn attach<'e>(
    ex: impl Executor<'e, Database = Any>,
    announcement_id: Id,
    file_id: Id,
) -> Result<()> {
    sqlx::query("INSERT INTO announcement_files (announcement_id, file_id) VALUES ($1, $2)")
        .bind(announcement_id)
        .bind(file_id)
        .execute(ex)
        .await?;
    Ok(())
}

/// Materials of many announcements in one query: (announcement id, file).
pub async fn materials<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<(Id, FileMeta)>> {
    let rows = sqlx::query(
        "SELECT af.announcement_id, f.id, f.filename, f.content_type, f.size_bytes, f.sha256 \
         FROM announcement_files af JOIN files f ON f.id = af.file_id \
         JOIN announcements a ON a.id = af.announcement_id WHERE a.edition_id = $1 ORDER BY f.id",
    )
    .bind(edition_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("announcement_id")?,
                FileMeta {
                    id: r.try_get("id")?,
                    filename: r.try_get("filename")?,
                    content_type: r.try_get("content_type")?,
                    size_bytes: r.try_get("size_bytes")?,
                    sha256: r.try_get("sha256")?,
                },
            ))
        })
        .collect()
}

/// A file's bytes, if it is attached to a published announcement (or to any, when
/// `include_unpublished`).
pub async fn material_content<'e>(
    ex: impl Executor<'e, Database = Any>,
    file_id: Id,
    include_unpublished: bool,
) -> Result<Option<(FileMeta, Vec<u8>)>> {
    let row = sqlx::query(
        "SELECT f.id, f.filename, f.content_type, f.size_bytes, f.sha256, f.content FROM files f \
         WHERE f.id = $1 AND EXISTS (SELECT 1 FROM announcement_files af JOIN announcements a \
         ON a.id = af.announcement_id WHERE af.file_id = f.id AND ($2 = 1 OR a.published_at IS NOT NULL))",
    )
    .bind(file_id)
    .bind(i64::from(include_unpublished))
    .fetch_optional(ex)
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some((
        FileMeta {
            id: r.try_get("id")?,
            filename: r.try_get("filename")?,
            content_type: r.try_get("content_type")?,
            size_bytes: r.try_get("size_bytes")?,
            sha256: r.try_get("sha256")?,
        },
        r.try_get("content")?,
    )))
}

/// Records that a user (of a unit, for operators) opened an announcement; once per user.
pub async fn record_view<'e>(
    ex: impl Executor<'e, Database = Any>,
    announcement_id: Id,
    user_id: Id,
    unit_id: Option<Id>,
    now: Instant,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO announcement_views (announcement_id, user_id, unit_id, seen_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (announcement_id, user_id) DO NOTHING",
    )
    .bind(announcement_id)
    .bind(user_id)
    .bind(unit_id)
    .bind(now.millis())
    .execute(ex)
    .await?;
    Ok(())
}

/// For one announcement: every unit that has an operator in the edition, whether one of its
/// operators has seen it, and when first.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UnitSeen {
    pub unit_id: Id,
    pub unit_name: String,
    pub seen_at: Option<Instant>,
}

pub async fn seen_by_units<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    announcement_id: Id,
) -> Result<Vec<UnitSeen>> {
    let rows = sqlx::query(
        "SELECT u.id, u.name, MIN(v.seen_at) AS seen_at FROM units u \
         JOIN role_grants g ON g.unit_id = u.id AND g.edition_id = $1 AND g.role = 'unit_operator' \
         LEFT JOIN announcement_views v ON v.unit_id = u.id AND v.announcement_id = $2 \
         GROUP BY u.id, u.name ORDER BY u.name",
    )
    .bind(edition_id)
    .bind(announcement_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(UnitSeen {
                unit_id: r.try_get("id")?,
                unit_name: r.try_get("name")?,
                seen_at: r.try_get::<Option<i64>, _>("seen_at")?.map(Instant),
            })
        })
        .collect()
}

/// Per announcement of an edition: how many distinct units have seen it (one query).
pub async fn seen_counts<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<(Id, i64)>> {
    let rows = sqlx::query(
        "SELECT v.announcement_id, COUNT(DISTINCT v.unit_id) AS n FROM announcement_views v \
         JOIN announcements a ON a.id = v.announcement_id WHERE a.edition_id = $1 AND v.unit_id IS NOT NULL \
         GROUP BY v.announcement_id",
    )
    .bind(edition_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("announcement_id")?, r.try_get("n")?)))
        .collect()
}

/// Units that have at least one operator in the edition: the audience of sosialisasi.
pub async fn audience_size<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(DISTINCT unit_id) FROM role_grants WHERE edition_id = $1 AND role = 'unit_operator'",
    )
    .bind(edition_id)
    .fetch_one(ex)
    .await?)
}
