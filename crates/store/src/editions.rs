//! Editions, their categories and stage timelines.

use kolabik_domain::edition::{EditionSettings, EligibilityRules, StageWindow};
use kolabik_domain::{Category, Edition, Id, Instant, Slug, Stage, StageKind, TimeZone};
use sqlx::{Any, Executor, Row};

use crate::{AnyRow, Result, StoreError, corrupt, dup, flag};

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
        approval_required: r.try_get::<i64, _>("approval_required")? != 0,
        rules: EligibilityRules {
            min_months_in_operation: small(r.try_get("min_months_in_operation")?),
            no_winner_within_editions: small(r.try_get("no_winner_within_editions")?),
            max_proposals_per_unit: small(r.try_get("max_proposals_per_unit")?),
        },
        max_attachment_mb: small(r.try_get("max_attachment_mb")?),
    })
}

fn small(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

const EDITION_COLUMNS: &str = "id, year, name, theme, organiser, description, time_zone, is_current, \
    approval_required, min_months_in_operation, no_winner_within_editions, max_proposals_per_unit, \
    max_attachment_mb";

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

/// All editions, newest first (an archive, and the source for "copy from last year").
pub async fn list<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<Edition>> {
    let sql = format!("SELECT {EDITION_COLUMNS} FROM editions ORDER BY year DESC, id DESC");
    let rows = sqlx::query(&sql).fetch_all(ex).await?;
    rows.iter().map(edition_from_row).collect()
}

pub async fn update_settings<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: Id,
    s: &EditionSettings,
) -> Result<()> {
    sqlx::query(
        "UPDATE editions SET year = $1, name = $2, theme = $3, organiser = $4, description = $5, \
         time_zone = $6, approval_required = $7, min_months_in_operation = $8, \
         no_winner_within_editions = $9, max_proposals_per_unit = $10, max_attachment_mb = $11 WHERE id = $12",
    )
    .bind(i64::from(s.year))
    .bind(&s.name)
    .bind(&s.theme)
    .bind(&s.organiser)
    .bind(&s.description)
    .bind(s.time_zone.as_str())
    .bind(flag(s.approval_required))
    .bind(i64::from(s.rules.min_months_in_operation))
    .bind(i64::from(s.rules.no_winner_within_editions))
    .bind(i64::from(s.rules.max_proposals_per_unit))
    .bind(i64::from(s.max_attachment_mb))
    .bind(id)
    .execute(ex)
    .await
    .map_err(dup("edition"))?;
    Ok(())
}

/// Makes `id` the current edition (the one pages and roles refer to).
pub async fn set_current(tx: &mut crate::Tx, id: Id) -> Result<()> {
    sqlx::query("UPDATE editions SET is_current = 0 WHERE is_current = 1 AND id <> $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE editions SET is_current = 1 WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Replaces the timeline: stages in `windows` are updated or created; stages left out are
/// removed unless judging already refers to them (`StoreError::Duplicate("stage in use")`).
pub async fn replace_stages(
    tx: &mut crate::Tx,
    edition_id: Id,
    windows: &[StageWindow],
) -> Result<()> {
    let existing = stages(&mut **tx, edition_id).await?;
    for old in existing
        .iter()
        .filter(|s| !windows.iter().any(|w| w.kind == s.kind))
    {
        let used: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assignments WHERE stage_id = $1")
            .bind(old.id)
            .fetch_one(&mut **tx)
            .await?;
        if used > 0 {
            return Err(StoreError::Duplicate("stage in use"));
        }
        sqlx::query("DELETE FROM stages WHERE id = $1")
            .bind(old.id)
            .execute(&mut **tx)
            .await?;
    }
    for w in windows {
        match existing.iter().find(|s| s.kind == w.kind) {
            Some(s) => {
                sqlx::query("UPDATE stages SET opens_at = $1, closes_at = $2 WHERE id = $3")
                    .bind(w.opens_at.millis())
                    .bind(w.closes_at.millis())
                    .bind(s.id)
                    .execute(&mut **tx)
                    .await?;
            }
            None => {
                insert_stage(&mut **tx, edition_id, w.kind, w.opens_at, w.closes_at).await?;
            }
        }
    }
    Ok(())
}

/// Removes a category that no proposal uses; returns false when one does.
pub async fn delete_category(tx: &mut crate::Tx, edition_id: Id, category_id: Id) -> Result<bool> {
    let used: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM proposals WHERE category_id = $1")
        .bind(category_id)
        .fetch_one(&mut **tx)
        .await?;
    if used > 0 {
        return Ok(false);
    }
    let n = sqlx::query("DELETE FROM categories WHERE id = $1 AND edition_id = $2")
        .bind(category_id)
        .bind(edition_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(n > 0)
}

pub async fn next_category_position<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT CAST(COALESCE(MAX(position), -1) + 1 AS BIGINT) FROM categories WHERE edition_id = $1")
        .bind(edition_id)
        .fetch_one(ex)
        .await?)
}

/// Gives everyone who held a role in `from` the same role in `to`.
pub async fn copy_grants<'e>(
    ex: impl Executor<'e, Database = Any>,
    from: Id,
    to: Id,
    now: Instant,
) -> Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO role_grants (user_id, edition_id, role, unit_id, created_at) \
         SELECT user_id, $1, role, unit_id, $2 FROM role_grants WHERE edition_id = $3",
    )
    .bind(to)
    .bind(now.millis())
    .bind(from)
    .execute(ex)
    .await?
    .rows_affected())
}

// --- dispensations -------------------------------------------------------------------

#[derive(Debug, Clone, serde::Serialize)]
pub struct Dispensation {
    pub id: Id,
    pub unit_id: Id,
    pub unit_name: String,
    pub unit_code: String,
    pub stage_kind: StageKind,
    pub until_at: Instant,
    pub reason: String,
    pub granted_by_name: Option<String>,
    pub created_at: Instant,
    pub revoked_at: Option<Instant>,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_dispensation<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    unit_id: Id,
    stage_kind: StageKind,
    until_at: Instant,
    reason: &str,
    granted_by: Option<Id>,
    now: Instant,
) -> Result<Id> {
    Ok(sqlx::query_scalar(
        "INSERT INTO dispensations (edition_id, unit_id, stage_kind, until_at, reason, granted_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(edition_id)
    .bind(unit_id)
    .bind(stage_kind.as_str())
    .bind(until_at.millis())
    .bind(reason)
    .bind(granted_by)
    .bind(now.millis())
    .fetch_one(ex)
    .await?)
}

pub async fn revoke_dispensation<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    id: Id,
    now: Instant,
) -> Result<bool> {
    Ok(sqlx::query("UPDATE dispensations SET revoked_at = $1 WHERE id = $2 AND edition_id = $3 AND revoked_at IS NULL")
        .bind(now.millis())
        .bind(id)
        .bind(edition_id)
        .execute(ex)
        .await?
        .rows_affected()
        > 0)
}

/// Every dispensation of an edition, newest first (revoked ones included, marked).
pub async fn dispensations<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<Dispensation>> {
    let rows = sqlx::query(
        "SELECT d.id, d.unit_id, u.name AS unit_name, u.code AS unit_code, d.stage_kind, d.until_at, \
         d.reason, g.name AS granted_by_name, d.created_at, d.revoked_at FROM dispensations d \
         JOIN units u ON u.id = d.unit_id LEFT JOIN users g ON g.id = d.granted_by \
         WHERE d.edition_id = $1 ORDER BY d.id DESC",
    )
    .bind(edition_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("stage_kind")?;
            Ok(Dispensation {
                id: r.try_get("id")?,
                unit_id: r.try_get("unit_id")?,
                unit_name: r.try_get("unit_name")?,
                unit_code: r.try_get("unit_code")?,
                stage_kind: StageKind::parse(&kind)
                    .ok_or_else(|| corrupt("dispensations.stage_kind", &kind))?,
                until_at: Instant(r.try_get("until_at")?),
                reason: r.try_get("reason")?,
                granted_by_name: r.try_get("granted_by_name")?,
                created_at: Instant(r.try_get("created_at")?),
                revoked_at: r.try_get::<Option<i64>, _>("revoked_at")?.map(Instant),
            })
        })
        .collect()
}

/// The latest deadline a live dispensation gives this unit for this stage, if any.
pub async fn dispensation_until<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    unit_id: Id,
    stage_kind: StageKind,
) -> Result<Option<Instant>> {
    let until: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(until_at) FROM dispensations WHERE edition_id = $1 AND unit_id = $2 \
         AND stage_kind = $3 AND revoked_at IS NULL",
    )
    .bind(edition_id)
    .bind(unit_id)
    .bind(stage_kind.as_str())
    .fetch_one(ex)
    .await?;
    Ok(until.map(Instant))
}
