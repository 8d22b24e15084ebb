//! Invitations: single-use, expiring links that make someone an operator of a unit.

use kolabik_domain::{Id, Instant, Role};
use sqlx::{Any, Executor, Row};

use crate::{AnyRow, Result, corrupt, dup};

pub struct NewInvitation<'a> {
    pub token_hash: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub unit_id: Id,
    pub role: Role,
    pub edition_id: Id,
    pub invited_by: Option<Id>,
    pub now: Instant,
    pub expires_at: Instant,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Invitation {
    pub id: Id,
    pub email: String,
    pub name: String,
    pub unit_id: Id,
    pub role: Role,
    pub edition_id: Id,
    pub invited_by: Option<Id>,
    pub created_at: Instant,
    pub expires_at: Instant,
    pub used_at: Option<Instant>,
}

const COLUMNS: &str =
    "id, email, name, unit_id, role, edition_id, invited_by, created_at, expires_at, used_at";

fn from_row(r: &AnyRow) -> Result<Invitation> {
    let role: String = r.try_get("role")?;
    Ok(Invitation {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        unit_id: r.try_get("unit_id")?,
        role: Role::parse(&role).ok_or_else(|| corrupt("invitations.role", &role))?,
        edition_id: r.try_get("edition_id")?,
        invited_by: r.try_get("invited_by")?,
        created_at: Instant(r.try_get("created_at")?),
        expires_at: Instant(r.try_get("expires_at")?),
        used_at: r.try_get::<Option<i64>, _>("used_at")?.map(Instant),
    })
}

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, i: NewInvitation<'_>) -> Result<Id> {
    sqlx::query_scalar(
        "INSERT INTO invitations (token_hash, email, name, unit_id, role, edition_id, invited_by, \
         created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL) \
         RETURNING id",
    )
    .bind(i.token_hash)
    .bind(i.email)
    .bind(i.name)
    .bind(i.unit_id)
    .bind(i.role.as_str())
    .bind(i.edition_id)
    .bind(i.invited_by)
    .bind(i.now.millis())
    .bind(i.expires_at.millis())
    .fetch_one(ex)
    .await
    .map_err(dup("token_hash"))
}

pub async fn by_token_hash<'e>(
    ex: impl Executor<'e, Database = Any>,
    token_hash: &str,
) -> Result<Option<Invitation>> {
    let sql = format!("SELECT {COLUMNS} FROM invitations WHERE token_hash = $1");
    let row = sqlx::query(&sql)
        .bind(token_hash)
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Marks the invitation used if it still is usable; `false` when another request used it
/// first or it expired meanwhile, so a link works exactly once.
pub async fn mark_used<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: Id,
    now: Instant,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE invitations SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now.millis())
    .bind(id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}
