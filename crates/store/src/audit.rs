//! The append-only audit log. Rows are only ever inserted: both schemas carry a trigger
//! that refuses UPDATE and DELETE on `audit_events`.

use kolabik_domain::{AuditEvent, Id, Instant};
use sqlx::{Any, Executor, Row};

use crate::{Page, Paged, Result};

pub struct NewEvent<'a> {
    pub at: Instant,
    pub actor_user_id: Option<Id>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub ip: Option<&'a str>,
}

pub async fn append<'e>(ex: impl Executor<'e, Database = Any>, e: NewEvent<'_>) -> Result<Id> {
    Ok(sqlx::query_scalar(
        "INSERT INTO audit_events (at, actor_user_id, action, entity, entity_id, before_json, after_json, ip) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(e.at.millis())
    .bind(e.actor_user_id)
    .bind(e.action)
    .bind(e.entity)
    .bind(e.entity_id)
    .bind(e.before.map(|v| v.to_string()))
    .bind(e.after.map(|v| v.to_string()))
    .bind(e.ip)
    .fetch_one(ex)
    .await?)
}

/// An audit event with the actor's name, for the committee's log page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EventView {
    #[serde(flatten)]
    pub event: AuditEvent,
    pub actor_name: Option<String>,
}

/// Newest first.
pub async fn list(db: &crate::Db, page: Page) -> Result<Paged<EventView>> {
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events")
        .fetch_one(db.pool())
        .await?;
    let rows = sqlx::query(
        "SELECT a.id, a.at, a.actor_user_id, a.action, a.entity, a.entity_id, a.before_json, \
         a.after_json, a.ip, u.name AS actor_name FROM audit_events a \
         LEFT JOIN users u ON u.id = a.actor_user_id ORDER BY a.id DESC LIMIT $1 OFFSET $2",
    )
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(db.pool())
    .await?;
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    let items = rows
        .iter()
        .map(|r| {
            Ok(EventView {
                event: AuditEvent {
                    id: r.try_get("id")?,
                    at: Instant(r.try_get("at")?),
                    actor_user_id: r.try_get("actor_user_id")?,
                    action: r.try_get("action")?,
                    entity: r.try_get("entity")?,
                    entity_id: r.try_get("entity_id")?,
                    before: parse(r.try_get("before_json")?),
                    after: parse(r.try_get("after_json")?),
                    ip: r.try_get("ip")?,
                },
                actor_name: r.try_get("actor_name")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Paged {
        items,
        total,
        page: page.number,
        page_size: page.size,
    })
}
