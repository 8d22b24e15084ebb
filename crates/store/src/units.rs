//! The registry of public-service units.

use kolabik_domain::{Id, Instant, Npsn, RegionCode, Slug, Unit, UnitKind};
use sqlx::{Any, Executor, Row};

use crate::{AnyRow, Page, Paged, Result, corrupt, dup};

pub struct NewUnit<'a> {
    pub code: &'a Slug,
    pub name: &'a str,
    pub kind: UnitKind,
    pub parent_id: Option<Id>,
    pub region_code: Option<&'a RegionCode>,
    pub npsn: Option<&'a Npsn>,
    pub now: Instant,
}

const UNIT_COLUMNS: &str = "id, code, name, kind, parent_id, region_code, npsn";

fn unit_from_row(r: &AnyRow) -> Result<Unit> {
    let code: String = r.try_get("code")?;
    let kind: String = r.try_get("kind")?;
    let region: Option<String> = r.try_get("region_code")?;
    let npsn: Option<String> = r.try_get("npsn")?;
    Ok(Unit {
        id: r.try_get("id")?,
        code: Slug::parse(&code).map_err(|_| corrupt("units.code", &code))?,
        name: r.try_get("name")?,
        kind: UnitKind::parse(&kind).ok_or_else(|| corrupt("units.kind", &kind))?,
        parent_id: r.try_get("parent_id")?,
        region_code: region
            .map(|s| RegionCode::parse(&s).map_err(|_| corrupt("units.region_code", &s)))
            .transpose()?,
        npsn: npsn
            .map(|s| Npsn::parse(&s).map_err(|_| corrupt("units.npsn", &s)))
            .transpose()?,
    })
}

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, u: NewUnit<'_>) -> Result<Id> {
    sqlx::query_scalar(
        "INSERT INTO units (code, name, kind, parent_id, region_code, npsn, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(u.code.as_str())
    .bind(u.name)
    .bind(u.kind.as_str())
    .bind(u.parent_id)
    .bind(u.region_code.map(RegionCode::as_str))
    .bind(u.npsn.map(Npsn::as_str))
    .bind(u.now.millis())
    .fetch_one(ex)
    .await
    .map_err(dup("unit code or NPSN"))
}

pub async fn by_id<'e>(ex: impl Executor<'e, Database = Any>, id: Id) -> Result<Option<Unit>> {
    let sql = format!("SELECT {UNIT_COLUMNS} FROM units WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(ex).await?;
    row.as_ref().map(unit_from_row).transpose()
}

pub async fn by_code<'e>(
    ex: impl Executor<'e, Database = Any>,
    code: &Slug,
) -> Result<Option<Unit>> {
    let sql = format!("SELECT {UNIT_COLUMNS} FROM units WHERE code = $1");
    let row = sqlx::query(&sql)
        .bind(code.as_str())
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(unit_from_row).transpose()
}

/// Units ordered by kind then name, optionally of one kind.
pub async fn list(db: &crate::Db, kind: Option<UnitKind>, page: Page) -> Result<Paged<Unit>> {
    let kind = kind.map(UnitKind::as_str);
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM units WHERE ($1 IS NULL OR kind = $1)")
            .bind(kind)
            .fetch_one(db.pool())
            .await?;
    let sql = format!(
        "SELECT {UNIT_COLUMNS} FROM units WHERE ($1 IS NULL OR kind = $1) \
         ORDER BY kind, name, id LIMIT $2 OFFSET $3"
    );
    let rows = sqlx::query(&sql)
        .bind(kind)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(db.pool())
        .await?;
    let items = rows.iter().map(unit_from_row).collect::<Result<Vec<_>>>()?;
    Ok(Paged {
        items,
        total,
        page: page.number,
        page_size: page.size,
    })
}

/// All units, for pick lists (a city has dozens; a national edition uses search instead).
pub async fn all_names<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<(Id, String)>> {
    let rows = sqlx::query("SELECT id, name FROM units ORDER BY name, id")
        .fetch_all(ex)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect()
}

/// The fields an edit or an import may change (the code is the unit's key and stays).
pub struct UnitFields<'a> {
    pub name: &'a str,
    pub kind: UnitKind,
    pub parent_id: Option<Id>,
    pub region_code: Option<&'a RegionCode>,
    pub npsn: Option<&'a Npsn>,
}

pub async fn update<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: Id,
    f: UnitFields<'_>,
) -> Result<()> {
    sqlx::query(
        "UPDATE units SET name = $1, kind = $2, parent_id = $3, region_code = $4, npsn = $5 \
         WHERE id = $6",
    )
    .bind(f.name)
    .bind(f.kind.as_str())
    .bind(f.parent_id)
    .bind(f.region_code.map(RegionCode::as_str))
    .bind(f.npsn.map(Npsn::as_str))
    .bind(id)
    .execute(ex)
    .await
    .map_err(dup("NPSN"))?;
    Ok(())
}

/// Every unit, in one query: what an import checks its rows against (codes that exist,
/// their parents and NPSNs). A registry holds thousands of units at most, so one read of
/// the whole key set beats building an `IN (…)` list of codes.
pub async fn all<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<Unit>> {
    let sql = format!("SELECT {UNIT_COLUMNS} FROM units ORDER BY id");
    let rows = sqlx::query(&sql).fetch_all(ex).await?;
    rows.iter().map(unit_from_row).collect()
}

/// The units directly under `parent_id`, by name.
pub async fn children<'e>(
    ex: impl Executor<'e, Database = Any>,
    parent_id: Id,
) -> Result<Vec<Unit>> {
    let sql = format!("SELECT {UNIT_COLUMNS} FROM units WHERE parent_id = $1 ORDER BY name, id");
    let rows = sqlx::query(&sql).bind(parent_id).fetch_all(ex).await?;
    rows.iter().map(unit_from_row).collect()
}

/// The users who hold the unit-operator role for `unit_id` in `edition_id`, by name.
pub async fn operators<'e>(
    ex: impl Executor<'e, Database = Any>,
    unit_id: Id,
    edition_id: Id,
) -> Result<Vec<kolabik_domain::User>> {
    let rows = sqlx::query(
        "SELECT u.id, u.email, u.name, u.nip, u.must_change_password, u.disabled \
         FROM role_grants g JOIN users u ON u.id = g.user_id \
         WHERE g.unit_id = $1 AND g.edition_id = $2 AND g.role = $3 ORDER BY u.name, u.id",
    )
    .bind(unit_id)
    .bind(edition_id)
    .bind(kolabik_domain::Role::UnitOperator.as_str())
    .fetch_all(ex)
    .await?;
    rows.iter().map(crate::users::user_from_row).collect()
}

/// The users who hold `role` for `unit_id` in `edition_id`, by name.
pub async fn role_holders<'e>(
    ex: impl Executor<'e, Database = Any>,
    unit_id: Id,
    edition_id: Id,
    role: kolabik_domain::Role,
) -> Result<Vec<kolabik_domain::User>> {
    let rows = sqlx::query(
        "SELECT u.id, u.email, u.name, u.nip, u.must_change_password, u.disabled \
         FROM role_grants g JOIN users u ON u.id = g.user_id \
         WHERE g.unit_id = $1 AND g.edition_id = $2 AND g.role = $3 ORDER BY u.name, u.id",
    )
    .bind(unit_id)
    .bind(edition_id)
    .bind(role.as_str())
    .fetch_all(ex)
    .await?;
    rows.iter().map(crate::users::user_from_row).collect()
}

/// The unit and every unit above it, nearest first (a unit head of any of them may approve).
pub async fn ancestry<'e>(ex: impl Executor<'e, Database = Any>, unit_id: Id) -> Result<Vec<Id>> {
    let rows = sqlx::query(
        "WITH RECURSIVE up(id, parent_id, depth) AS ( \
           SELECT id, parent_id, 0 FROM units WHERE id = $1 \
           UNION ALL SELECT u.id, u.parent_id, up.depth + 1 FROM units u JOIN up ON u.id = up.parent_id \
           WHERE up.depth < 16) \
         SELECT id FROM up ORDER BY depth",
    )
    .bind(unit_id)
    .fetch_all(ex)
    .await?;
    rows.iter().map(|r| Ok(r.try_get::<Id, _>("id")?)).collect()
}
