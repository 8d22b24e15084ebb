//! The e-mail outbox and the in-app notices.
//!
//! Every e-mail is a row in `outbox` first, written in the same transaction as the change
//! that causes it; a background sender claims due rows, hands them to SMTP and records the
//! outcome. Several app nodes may run the sender at once: on PostgreSQL a claim locks its
//! rows with `FOR UPDATE SKIP LOCKED`, so no two nodes take the same message; SQLite has one
//! writer, so the same statement without the locking clause is already exclusive.

use kolabik_domain::{Id, Instant, MailState};
use sqlx::{Any, Executor, Row};

use crate::{AnyRow, Backend, Page, Paged, Result, corrupt};

/// After this many failed attempts a message is given up (`failed`).
pub const MAX_ATTEMPTS: i64 = 8;

pub struct NewMail<'a> {
    pub kind: &'a str,
    pub to_email: &'a str,
    pub to_user_id: Option<Id>,
    pub subject: &'a str,
    pub body_text: &'a str,
    /// Messages with the same key are sent once: a second enqueue is silently ignored.
    pub dedupe_key: Option<&'a str>,
    pub now: Instant,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct OutboxMessage {
    pub id: Id,
    pub kind: String,
    pub to_email: String,
    pub to_user_id: Option<Id>,
    pub subject: String,
    pub body_text: String,
    pub dedupe_key: Option<String>,
    pub state: MailState,
    pub attempts: i64,
    pub next_attempt_at: Instant,
    pub last_error: Option<String>,
    pub created_at: Instant,
    pub sent_at: Option<Instant>,
}

const OUTBOX_COLUMNS: &str = "id, kind, to_email, to_user_id, subject, body_text, dedupe_key, \
     state, attempts, next_attempt_at, last_error, created_at, sent_at";

fn message_from_row(r: &AnyRow) -> Result<OutboxMessage> {
    let state: String = r.try_get("state")?;
    Ok(OutboxMessage {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        to_email: r.try_get("to_email")?,
        to_user_id: r.try_get("to_user_id")?,
        subject: r.try_get("subject")?,
        body_text: r.try_get("body_text")?,
        dedupe_key: r.try_get("dedupe_key")?,
        state: MailState::parse(&state).ok_or_else(|| corrupt("outbox.state", &state))?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: Instant(r.try_get("next_attempt_at")?),
        last_error: r.try_get("last_error")?,
        created_at: Instant(r.try_get("created_at")?),
        sent_at: r.try_get::<Option<i64>, _>("sent_at")?.map(Instant),
    })
}

/// Queues a message, due now. Returns its id, or `None` when a message with the same
/// dedupe key exists already (nothing is written then).
pub async fn enqueue<'e>(
    ex: impl Executor<'e, Database = Any>,
    m: NewMail<'_>,
) -> Result<Option<Id>> {
    Ok(sqlx::query_scalar(
        "INSERT INTO outbox (kind, to_email, to_user_id, subject, body_text, dedupe_key, state, \
         attempts, next_attempt_at, last_error, created_at, sent_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, NULL, $8, NULL) \
         ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
    )
    .bind(m.kind)
    .bind(m.to_email)
    .bind(m.to_user_id)
    .bind(m.subject)
    .bind(m.body_text)
    .bind(m.dedupe_key)
    .bind(MailState::Pending.as_str())
    .bind(m.now.millis())
    .fetch_optional(ex)
    .await?)
}

/// Claims up to `limit` due pending messages for this node: their next attempt moves to
/// `lease_until`, so no other node takes them meanwhile, and a node that dies holding them
/// only delays them until the lease ends.
pub async fn claim_due<'e>(
    ex: impl Executor<'e, Database = Any>,
    backend: Backend,
    now: Instant,
    lease_until: Instant,
    limit: i64,
) -> Result<Vec<OutboxMessage>> {
    let lock = match backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE outbox SET next_attempt_at = $1 WHERE id IN (SELECT id FROM outbox \
         WHERE state = $2 AND next_attempt_at <= $3 ORDER BY next_attempt_at, id LIMIT $4{lock}) \
         RETURNING {OUTBOX_COLUMNS}"
    );
    let rows = sqlx::query(&sql)
        .bind(lease_until.millis())
        .bind(MailState::Pending.as_str())
        .bind(now.millis())
        .bind(limit)
        .fetch_all(ex)
        .await?;
    let mut out = rows
        .iter()
        .map(message_from_row)
        .collect::<Result<Vec<_>>>()?;
    out.sort_by_key(|m| m.id);
    Ok(out)
}

pub async fn mark_sent<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: Id,
    now: Instant,
) -> Result<()> {
    sqlx::query(
        "UPDATE outbox SET state = $1, attempts = attempts + 1, sent_at = $2, last_error = NULL \
         WHERE id = $3",
    )
    .bind(MailState::Sent.as_str())
    .bind(now.millis())
    .bind(id)
    .execute(ex)
    .await?;
    Ok(())
}

/// Kept for the mailbox page: no SMTP server is configured.
pub async fn mark_kept<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: Id,
    now: Instant,
) -> Result<()> {
    sqlx::query("UPDATE outbox SET state = $1, sent_at = $2 WHERE id = $3")
        .bind(MailState::Kept.as_str())
        .bind(now.millis())
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

/// The wait after the `attempts`-th failed attempt: `base`, 2×`base`, 4×`base`, …
pub fn backoff_ms(attempts: i64, base_ms: i64) -> i64 {
    let exp = u32::try_from((attempts - 1).clamp(0, 20)).unwrap_or(0);
    base_ms.saturating_mul(1_i64 << exp)
}

/// Records a failed attempt. The message is retried after an exponential back-off
/// (`base_ms` × 2^(attempts−1)), or given up (`failed`) after `MAX_ATTEMPTS` attempts or
/// when `permanent` (the server refused it for good). Returns the new state.
pub async fn mark_failed<'e>(
    ex: impl Executor<'e, Database = Any>,
    message: &OutboxMessage,
    error: &str,
    permanent: bool,
    now: Instant,
    base_ms: i64,
) -> Result<MailState> {
    let attempts = message.attempts + 1;
    let state = if permanent || attempts >= MAX_ATTEMPTS {
        MailState::Failed
    } else {
        MailState::Pending
    };
    let next = now.millis().saturating_add(backoff_ms(attempts, base_ms));
    let error: String = error.chars().take(1000).collect();
    sqlx::query(
        "UPDATE outbox SET state = $1, attempts = $2, next_attempt_at = $3, last_error = $4 \
         WHERE id = $5",
    )
    .bind(state.as_str())
    .bind(attempts)
    .bind(next)
    .bind(error)
    .bind(message.id)
    .execute(ex)
    .await?;
    Ok(state)
}

/// The mailbox: every message, newest first.
pub async fn list(db: &crate::Db, page: Page) -> Result<Paged<OutboxMessage>> {
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
        .fetch_one(db.pool())
        .await?;
    let sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY id DESC LIMIT $1 OFFSET $2");
    let rows = sqlx::query(&sql)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(db.pool())
        .await?;
    Ok(Paged {
        items: rows.iter().map(message_from_row).collect::<Result<_>>()?,
        total,
        page: page.number,
        page_size: page.size,
    })
}

// --- deadline reminders ---------------------------------------------------------------

/// A unit operator of the edition whose unit has no proposal in one of `submitted_states`.
#[derive(Debug, Clone)]
pub struct ReminderRecipient {
    pub user_id: Id,
    pub email: String,
    pub user_name: String,
    pub unit_id: Id,
    pub unit_name: String,
}

pub async fn reminder_recipients<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    submitted_states: &[&str],
) -> Result<Vec<ReminderRecipient>> {
    // Placeholders only ($2, $3, …): the states are bound, never spliced.
    let placeholders = (0..submitted_states.len())
        .map(|i| format!("${}", i + 2))
        .collect::<Vec<_>>()
        .join(", ");
    let in_states = if submitted_states.is_empty() {
        "NULL".to_owned()
    } else {
        placeholders
    };
    let sql = format!(
        "SELECT g.user_id, u.email, u.name AS user_name, g.unit_id, n.name AS unit_name \
         FROM role_grants g JOIN users u ON u.id = g.user_id JOIN units n ON n.id = g.unit_id \
         WHERE g.edition_id = $1 AND g.role = 'unit_operator' AND u.disabled = 0 \
         AND NOT EXISTS (SELECT 1 FROM proposals p WHERE p.unit_id = g.unit_id \
             AND p.edition_id = $1 AND p.state IN ({in_states})) \
         ORDER BY g.unit_id, g.user_id"
    );
    let mut q = sqlx::query(&sql).bind(edition_id);
    for s in submitted_states {
        q = q.bind(*s);
    }
    let rows = q.fetch_all(ex).await?;
    rows.iter()
        .map(|r| {
            Ok(ReminderRecipient {
                user_id: r.try_get("user_id")?,
                email: r.try_get("email")?,
                user_name: r.try_get("user_name")?,
                unit_id: r.try_get("unit_id")?,
                unit_name: r.try_get("unit_name")?,
            })
        })
        .collect()
}

/// Dedupe keys in the outbox that start with `prefix` (e.g. an edition's reminders), so a
/// periodic job can skip what it queued before without one write per recipient.
pub async fn dedupe_keys_with_prefix<'e>(
    ex: impl Executor<'e, Database = Any>,
    prefix: &str,
) -> Result<std::collections::HashSet<String>> {
    let escaped = prefix
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let keys: Vec<String> =
        sqlx::query_scalar("SELECT dedupe_key FROM outbox WHERE dedupe_key LIKE $1 ESCAPE '\\'")
            .bind(format!("{escaped}%"))
            .fetch_all(ex)
            .await?;
    Ok(keys.into_iter().collect())
}

// --- in-app notices -------------------------------------------------------------------

pub struct NewNotice<'a> {
    pub user_id: Id,
    pub kind: &'a str,
    /// Catalogue key of the message; `params` fill its `{name}` placeholders.
    pub message_key: &'a str,
    pub params: &'a serde_json::Value,
    pub link: Option<&'a str>,
    pub now: Instant,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Notice {
    pub id: Id,
    pub user_id: Id,
    pub kind: String,
    pub message_key: String,
    pub params: serde_json::Map<String, serde_json::Value>,
    pub link: Option<String>,
    pub created_at: Instant,
    pub read_at: Option<Instant>,
}

impl Notice {
    /// The parameters as (name, text) pairs for the catalogue.
    pub fn args(&self) -> Vec<(String, String)> {
        self.params
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect()
    }
}

pub async fn insert_notice<'e>(
    ex: impl Executor<'e, Database = Any>,
    n: NewNotice<'_>,
) -> Result<Id> {
    Ok(sqlx::query_scalar(
        "INSERT INTO notices (user_id, kind, message_key, params_json, link, created_at, read_at) \
         VALUES ($1, $2, $3, $4, $5, $6, NULL) RETURNING id",
    )
    .bind(n.user_id)
    .bind(n.kind)
    .bind(n.message_key)
    .bind(n.params.to_string())
    .bind(n.link)
    .bind(n.now.millis())
    .fetch_one(ex)
    .await?)
}

/// A user's notices, newest first.
pub async fn notices(db: &crate::Db, user_id: Id, page: Page) -> Result<Paged<Notice>> {
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notices WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(db.pool())
        .await?;
    let rows = sqlx::query(
        "SELECT id, user_id, kind, message_key, params_json, link, created_at, read_at \
         FROM notices WHERE user_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
    )
    .bind(user_id)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(db.pool())
    .await?;
    let items = rows
        .iter()
        .map(|r| {
            let params: String = r.try_get("params_json")?;
            Ok(Notice {
                id: r.try_get("id")?,
                user_id: r.try_get("user_id")?,
                kind: r.try_get("kind")?,
                message_key: r.try_get("message_key")?,
                params: serde_json::from_str(&params)
                    .map_err(|_| corrupt("notices.params_json", &params))?,
                link: r.try_get("link")?,
                created_at: Instant(r.try_get("created_at")?),
                read_at: r.try_get::<Option<i64>, _>("read_at")?.map(Instant),
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

/// Marks every unread notice of the user read; returns how many changed.
pub async fn mark_all_read<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: Id,
    now: Instant,
) -> Result<u64> {
    Ok(
        sqlx::query("UPDATE notices SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
            .bind(now.millis())
            .bind(user_id)
            .execute(ex)
            .await?
            .rows_affected(),
    )
}

/// Unread notices of a user: one lookup in the `(user_id, read_at)` index.
pub async fn unread_count<'e>(ex: impl Executor<'e, Database = Any>, user_id: Id) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM notices WHERE user_id = $1 AND read_at IS NULL")
            .bind(user_id)
            .fetch_one(ex)
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn fresh_sqlite() -> (crate::Db, std::path::PathBuf) {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("kolabik_store_{}_{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = crate::Db::connect(&format!("sqlite://{}", dir.join("t.db").display()), 2)
            .await
            .unwrap();
        db.migrate().await.unwrap();
        (db, dir)
    }

    fn mail<'a>(key: Option<&'a str>, now: Instant) -> NewMail<'a> {
        NewMail {
            kind: "account_created",
            to_email: "a@kolabik.test",
            to_user_id: None,
            subject: "s",
            body_text: "b",
            dedupe_key: key,
            now,
        }
    }

    #[tokio::test]
    async fn dedupe_claim_lease_and_give_up() {
        let (db, dir) = fresh_sqlite().await;
        let pool = db.pool();
        let t0 = Instant(1_000_000);
        assert!(enqueue(pool, mail(Some("k"), t0)).await.unwrap().is_some());
        assert!(
            enqueue(pool, mail(Some("k"), t0)).await.unwrap().is_none(),
            "same key: no second row"
        );
        assert!(enqueue(pool, mail(None, t0)).await.unwrap().is_some());
        assert!(
            enqueue(pool, mail(None, t0)).await.unwrap().is_some(),
            "no key: no dedupe"
        );
        assert_eq!(list(&db, Page::new(None, None)).await.unwrap().total, 3);

        let lease = Instant(t0.millis() + 600_000);
        let claimed = claim_due(pool, db.backend(), t0, lease, 2).await.unwrap();
        assert_eq!(claimed.len(), 2);
        let rest = claim_due(pool, db.backend(), t0, lease, 10).await.unwrap();
        assert_eq!(
            rest.len(),
            1,
            "claimed messages are leased, not offered again"
        );
        assert!(
            claim_due(pool, db.backend(), t0, lease, 10)
                .await
                .unwrap()
                .is_empty()
        );

        mark_sent(pool, claimed[0].id, t0).await.unwrap();
        mark_kept(pool, claimed[1].id, t0).await.unwrap();

        // Fail one message until it is given up: 1, 2, 4, … minutes apart.
        let mut m = rest[0].clone();
        let mut now = t0;
        for attempt in 1..=MAX_ATTEMPTS {
            let state = mark_failed(pool, &m, "451", false, now, 60_000)
                .await
                .unwrap();
            let expected = if attempt < MAX_ATTEMPTS {
                MailState::Pending
            } else {
                MailState::Failed
            };
            assert_eq!(state, expected, "after attempt {attempt}");
            if state == MailState::Failed {
                break;
            }
            let wait = backoff_ms(attempt, 60_000);
            assert!(
                claim_due(
                    pool,
                    db.backend(),
                    Instant(now.millis() + wait - 1),
                    lease,
                    10
                )
                .await
                .unwrap()
                .is_empty(),
                "not due before its back-off"
            );
            now = Instant(now.millis() + wait);
            let again = claim_due(pool, db.backend(), now, Instant(now.millis() + 600_000), 10)
                .await
                .unwrap();
            assert_eq!(again.len(), 1);
            m = again[0].clone();
            assert_eq!(m.attempts, attempt);
        }
        let states: Vec<MailState> = list(&db, Page::new(None, None))
            .await
            .unwrap()
            .items
            .iter()
            .map(|m| m.state)
            .collect();
        assert_eq!(
            states,
            vec![MailState::Failed, MailState::Kept, MailState::Sent]
        );
        db.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn backoff_doubles_from_the_base() {
        let mins: Vec<i64> = (1..=7).map(|a| backoff_ms(a, 60_000) / 60_000).collect();
        assert_eq!(mins, vec![1, 2, 4, 8, 16, 32, 64]);
    }
}
