//! Users, their per-edition roles, sessions, API tokens and login attempts.

use kolabik_domain::{Email, Id, Instant, Nip, Role, RoleGrant, User};
use sqlx::{Any, Executor, Row};

use crate::{AnyRow, Page, Paged, Result, corrupt, dup, flag};

pub struct NewUser<'a> {
    pub email: &'a Email,
    pub name: &'a str,
    pub nip: Option<&'a Nip>,
    pub password_hash: &'a str,
    pub must_change_password: bool,
    pub now: Instant,
}

const USER_COLUMNS: &str = "id, email, name, nip, must_change_password, disabled";

pub(crate) fn user_from_row(r: &AnyRow) -> Result<User> {
    let email: String = r.try_get("email")?;
    let nip: Option<String> = r.try_get("nip")?;
    Ok(User {
        id: r.try_get("id")?,
        email: Email::parse(&email).map_err(|_| corrupt("users.email", &email))?,
        name: r.try_get("name")?,
        nip: match nip {
            Some(n) => Some(Nip::parse(&n).map_err(|_| corrupt("users.nip", &n))?),
            None => None,
        },
        must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
        disabled: r.try_get::<i64, _>("disabled")? != 0,
    })
}

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, u: NewUser<'_>) -> Result<Id> {
    sqlx::query_scalar(
        "INSERT INTO users (email, name, nip, password_hash, must_change_password, disabled, created_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6) RETURNING id",
    )
    .bind(u.email.as_str())
    .bind(u.name)
    .bind(u.nip.map(Nip::as_str))
    .bind(u.password_hash)
    .bind(flag(u.must_change_password))
    .bind(u.now.millis())
    .fetch_one(ex)
    .await
    .map_err(dup("email"))
}

pub async fn by_id<'e>(ex: impl Executor<'e, Database = Any>, id: Id) -> Result<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(ex).await?;
    row.as_ref().map(user_from_row).transpose()
}

pub async fn by_email<'e>(
    ex: impl Executor<'e, Database = Any>,
    email: &Email,
) -> Result<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
    let row = sqlx::query(&sql)
        .bind(email.as_str())
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

/// The user and their password hash, for logging in.
pub async fn credentials<'e>(
    ex: impl Executor<'e, Database = Any>,
    email: &Email,
) -> Result<Option<(User, String)>> {
    let sql = format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = $1");
    let row = sqlx::query(&sql)
        .bind(email.as_str())
        .fetch_optional(ex)
        .await?;
    match row {
        Some(r) => Ok(Some((user_from_row(&r)?, r.try_get("password_hash")?))),
        None => Ok(None),
    }
}

pub async fn password_hash<'e>(ex: impl Executor<'e, Database = Any>, id: Id) -> Result<String> {
    Ok(
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(ex)
            .await?,
    )
}

pub async fn set_password<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: Id,
    hash: &str,
    must_change: bool,
) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3")
        .bind(hash)
        .bind(flag(must_change))
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn count<'e>(ex: impl Executor<'e, Database = Any>) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(ex)
        .await?)
}

/// A user with their roles in one edition, for lists.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UserListItem {
    pub user: User,
    pub roles: Vec<GrantView>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct GrantView {
    pub role: Role,
    pub unit_id: Option<Id>,
    pub unit_name: Option<String>,
}

pub async fn list(db: &crate::Db, edition_id: Id, page: Page) -> Result<Paged<UserListItem>> {
    let total = count(db.pool()).await?;
    let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY name, id LIMIT $1 OFFSET $2");
    let rows = sqlx::query(&sql)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(db.pool())
        .await?;
    let users = rows.iter().map(user_from_row).collect::<Result<Vec<_>>>()?;
    // One query for all the page's grants, not one per user.
    let (lo, hi) = match (
        users.iter().map(|u| u.id).min(),
        users.iter().map(|u| u.id).max(),
    ) {
        (Some(lo), Some(hi)) => (lo, hi),
        _ => (0, -1),
    };
    let grant_rows = sqlx::query(
        "SELECT g.user_id, g.role, g.unit_id, u.name AS unit_name FROM role_grants g \
         LEFT JOIN units u ON u.id = g.unit_id \
         WHERE g.edition_id = $1 AND g.user_id BETWEEN $2 AND $3 ORDER BY g.id",
    )
    .bind(edition_id)
    .bind(lo)
    .bind(hi)
    .fetch_all(db.pool())
    .await?;
    let mut items: Vec<UserListItem> = users
        .into_iter()
        .map(|user| UserListItem {
            user,
            roles: Vec::new(),
        })
        .collect();
    for r in &grant_rows {
        let user_id: Id = r.try_get("user_id")?;
        let role: String = r.try_get("role")?;
        let role = Role::parse(&role).ok_or_else(|| corrupt("role_grants.role", &role))?;
        if let Some(item) = items.iter_mut().find(|i| i.user.id == user_id) {
            item.roles.push(GrantView {
                role,
                unit_id: r.try_get("unit_id")?,
                unit_name: r.try_get("unit_name")?,
            });
        }
    }
    Ok(Paged {
        items,
        total,
        page: page.number,
        page_size: page.size,
    })
}

pub async fn grant<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: Id,
    g: &RoleGrant,
    now: Instant,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO role_grants (user_id, edition_id, role, unit_id, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user_id)
    .bind(g.edition_id)
    .bind(g.role.as_str())
    .bind(g.unit_id)
    .bind(now.millis())
    .execute(ex)
    .await
    .map_err(dup("role"))?;
    Ok(())
}

pub async fn grants<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: Id,
    edition_id: Id,
) -> Result<Vec<RoleGrant>> {
    let rows = sqlx::query(
        "SELECT role, unit_id FROM role_grants WHERE user_id = $1 AND edition_id = $2 ORDER BY id",
    )
    .bind(user_id)
    .bind(edition_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            let role: String = r.try_get("role")?;
            Ok(RoleGrant {
                edition_id,
                role: Role::parse(&role).ok_or_else(|| corrupt("role_grants.role", &role))?,
                unit_id: r.try_get("unit_id")?,
            })
        })
        .collect()
}

// --- sessions -------------------------------------------------------------------------

pub async fn insert_session<'e>(
    ex: impl Executor<'e, Database = Any>,
    token_hash: &str,
    user_id: Id,
    now: Instant,
    expires_at: Instant,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $3, $4)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(now.millis())
    .bind(expires_at.millis())
    .execute(ex)
    .await?;
    Ok(())
}

/// The live session's user and when it was last seen.
pub async fn session_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    token_hash: &str,
    now: Instant,
) -> Result<Option<(User, Instant)>> {
    let sql = format!(
        "SELECT {}, s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
        USER_COLUMNS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let row = sqlx::query(&sql)
        .bind(token_hash)
        .bind(now.millis())
        .fetch_optional(ex)
        .await?;
    match row {
        Some(r) => Ok(Some((
            user_from_row(&r)?,
            Instant(r.try_get("last_seen_at")?),
        ))),
        None => Ok(None),
    }
}

pub async fn touch_session<'e>(
    ex: impl Executor<'e, Database = Any>,
    token_hash: &str,
    now: Instant,
    expires_at: Instant,
) -> Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3")
        .bind(now.millis())
        .bind(expires_at.millis())
        .bind(token_hash)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn delete_session<'e>(
    ex: impl Executor<'e, Database = Any>,
    token_hash: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(ex)
        .await?;
    Ok(())
}

/// Ends every session of a user except `keep` (after a password change).
pub async fn delete_other_sessions<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: Id,
    keep: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn purge_expired_sessions<'e>(
    ex: impl Executor<'e, Database = Any>,
    now: Instant,
) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now.millis())
        .execute(ex)
        .await?
        .rows_affected())
}

// --- API tokens -----------------------------------------------------------------------

pub async fn insert_token<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: Id,
    token_hash: &str,
    label: &str,
    now: Instant,
) -> Result<Id> {
    Ok(sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING id",
    )
    .bind(user_id)
    .bind(token_hash)
    .bind(label)
    .bind(now.millis())
    .fetch_one(ex)
    .await?)
}

pub async fn token_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    token_hash: &str,
) -> Result<Option<User>> {
    let sql = format!(
        "SELECT {} FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND u.disabled = 0",
        USER_COLUMNS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let row = sqlx::query(&sql)
        .bind(token_hash)
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

// --- login attempts -------------------------------------------------------------------

pub async fn record_login_attempt<'e>(
    ex: impl Executor<'e, Database = Any>,
    email: &str,
    ip: &str,
    now: Instant,
    succeeded: bool,
) -> Result<()> {
    sqlx::query("INSERT INTO login_attempts (email, ip, at, succeeded) VALUES ($1, $2, $3, $4)")
        .bind(email)
        .bind(ip)
        .bind(now.millis())
        .bind(flag(succeeded))
        .execute(ex)
        .await?;
    Ok(())
}

/// Failed attempts since `since` for this e-mail and for this IP address, and the oldest
/// of each (to tell the user when they may try again).
pub async fn recent_failures(
    db: &crate::Db,
    email: &str,
    ip: &str,
    since: Instant,
) -> Result<(i64, Option<i64>, i64, Option<i64>)> {
    let by_email = sqlx::query(
        "SELECT COUNT(*) AS n, MIN(at) AS first FROM login_attempts \
         WHERE email = $1 AND at > $2 AND succeeded = 0",
    )
    .bind(email)
    .bind(since.millis())
    .fetch_one(db.pool())
    .await?;
    let by_ip = sqlx::query(
        "SELECT COUNT(*) AS n, MIN(at) AS first FROM login_attempts \
         WHERE ip = $1 AND at > $2 AND succeeded = 0",
    )
    .bind(ip)
    .bind(since.millis())
    .fetch_one(db.pool())
    .await?;
    Ok((
        by_email.try_get("n")?,
        by_email.try_get("first")?,
        by_ip.try_get("n")?,
        by_ip.try_get("first")?,
    ))
}
