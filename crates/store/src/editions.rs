//! Editions, their categories and stage timelines.

use kolabik_domain::{Category, Edition, Id, Instant, Slug, Stage, StageKind, TimeZone};
use sqlx::{Any, Executor, Row};

use crate::{AnyRow, Result, corrupt, dup, flag};

pub struct NewEdition<'a> {
    pub year: i32,
    pub name: &'a str,
    pub theme: &'a str,
    pub organiser: &'a str,
    pub description: &'a str,
    pub time_zone: TimeZone,
    pub is_current: bool,
    pub now: Instant,
}

fn edition_from_row(r: &AnyRow) -> Result<Edition> {
    let tz: String = r.try_get("time_zone")?;
    Ok(Edition {
        id: r.try_get("id")?,
        year: i32::try_from(r.try_get::<i64, _>("year")?)
            .map_err(|_| corrupt("editions.year", "out of range"))?,
        name: r.try_get("name")?,
        theme: r.try_get("theme")?,
        organiser: r.try_get("organiser")?,
        description: r.try_get("description")?,
        time_zone: TimeZone::parse(&tz).ok_or_else(|| corrupt("editions.time_zone", &tz))?,
        is_current: r.try_get::<i64, _>("is_current")? != 0,
    })
}

const EDITION_COLUMNS: &str =
    "id, year, name, theme, organiser, description, time_zone, is_current";

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, e: NewEdition<'_>) -> Result<Id> {
    sqlx::query_scalar(
        "INSERT INTO editions (year, name, theme, organiser, description, time_zone, is_current, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(i64::from(e.year))
    .bind(e.name)
    .bind(e.theme)
    .bind(e.organiser)
    .bind(e.description)
    .bind(e.time_zone.as_str())
    .bind(flag(e.is_current))
    .bind(e.now.millis())
    .fetch_one(ex)
    .await
    .map_err(dup("edition"))
}

pub async fn current<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Option<Edition>> {
    let sql = format!("SELECT {EDITION_COLUMNS} FROM editions WHERE is_current = 1");
    let row = sqlx::query(&sql).fetch_optional(ex).await?;
    row.as_ref().map(edition_from_row).transpose()
}

pub async fn by_id<'e>(ex: impl Executor<'e, Database = Any>, id: Id) -> Result<Option<Edition>> {
    let sql = format!("SELECT {EDITION_COLUMNS} FROM editions WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(ex).await?;
    row.as_ref().map(edition_from_row).transpose()
}

pub async fn count<'e>(ex: impl Executor<'e, Database = Any>) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM editions")
        .fetch_one(ex)
        .await?)
}

pub async fn insert_category<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    code: &Slug,
    name: &str,
    description: &str,
    position: i64,
) -> Result<Id> {
    sqlx::query_scalar(
        "INSERT INTO categories (edition_id, code, name, description, position) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(edition_id)
    .bind(code.as_str())
    .bind(name)
    .bind(description)
    .bind(position)
    .fetch_one(ex)
    .await
    .map_err(dup("category"))
}

pub async fn categories<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<Category>> {
    let rows = sqlx::query(
        "SELECT id, edition_id, code, name, description FROM categories \
         WHERE edition_id = $1 ORDER BY position, id",
    )
    .bind(edition_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            let code: String = r.try_get("code")?;
            Ok(Category {
                id: r.try_get("id")?,
                edition_id: r.try_get("edition_id")?,
                code: Slug::parse(&code).map_err(|_| corrupt("categories.code", &code))?,
                name: r.try_get("name")?,
                description: r.try_get("description")?,
            })
        })
        .collect()
}

pub async fn insert_stage<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    kind: StageKind,
    opens_at: Instant,
    closes_at: Instant,
) -> Result<Id> {
    sqlx::query_scalar(
        "INSERT INTO stages (edition_id, kind, opens_at, closes_at) VALUES ($1, $2, $3, $4) \
         RETURNING id",
    )
    .bind(edition_id)
    .bind(kind.as_str())
    .bind(opens_at.millis())
    .bind(closes_at.millis())
    .fetch_one(ex)
    .await
    .map_err(dup("stage"))
}

/// The timeline, in the canonical order of stage kinds.
pub async fn stages<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<Stage>> {
    let rows = sqlx::query(
        "SELECT id, edition_id, kind, opens_at, closes_at FROM stages WHERE edition_id = $1",
    )
    .bind(edition_id)
    .fetch_all(ex)
    .await?;
    let mut stages = rows
        .iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(Stage {
                id: r.try_get("id")?,
                edition_id: r.try_get("edition_id")?,
                kind: StageKind::parse(&kind).ok_or_else(|| corrupt("stages.kind", &kind))?,
                opens_at: Instant(r.try_get("opens_at")?),
                closes_at: Instant(r.try_get("closes_at")?),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    stages.sort_by_key(|s| (s.kind, s.opens_at));
    Ok(stages)
}
