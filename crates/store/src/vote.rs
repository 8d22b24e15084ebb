//! Uji publik and the public vote "inovasi favorit": public windows, one-time e-mail codes,
//! verified addresses, objections with their answers, and the hash-chained vote log
//! (migration `0015_vote.sql`).

use kolabik_domain::{Id, Instant};
use sqlx::{Any, Executor, Row};

use crate::{Result, Tx, flag};

// --- windows ------------------------------------------------------------------------------

#[derive(Debug, Clone, serde::Serialize)]
pub struct Window {
    pub enabled: bool,
    pub opens_at: Instant,
    pub closes_at: Instant,
}

pub async fn window<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    kind: &str,
) -> Result<Option<Window>> {
    let row = sqlx::query(
        "SELECT enabled, opens_at, closes_at FROM public_windows WHERE edition_id = $1 AND kind = $2",
    )
    .bind(edition_id)
    .bind(kind)
    .fetch_optional(ex)
    .await?;
    row.map(|r| {
        Ok(Window {
            enabled: r.try_get::<i64, _>("enabled")? != 0,
            opens_at: Instant(r.try_get("opens_at")?),
            closes_at: Instant(r.try_get("closes_at")?),
        })
    })
    .transpose()
}

pub async fn set_window(
    tx: &mut Tx,
    edition_id: Id,
    kind: &str,
    w: &Window,
    now: Instant,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO public_windows (edition_id, kind, enabled, opens_at, closes_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (edition_id, kind) DO UPDATE SET \
         enabled = excluded.enabled, opens_at = excluded.opens_at, closes_at = excluded.closes_at, \
         updated_at = excluded.updated_at",
    )
    .bind(edition_id)
    .bind(kind)
    .bind(flag(w.enabled))
    .bind(w.opens_at.millis())
    .bind(w.closes_at.millis())
    .bind(now.millis())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// --- finalists ----------------------------------------------------------------------------

#[derive(Debug, Clone, serde::Serialize)]
pub struct Finalist {
    pub id: Id,
    pub title: String,
    pub summary: String,
    pub unit_name: String,
    pub category_id: Option<Id>,
    pub category_name: String,
}

/// The edition's finalists: the entries of its `presentasi_wawancara` stage when it has
/// any, else the proposals in state `finalist` or `winner`.
pub async fn finalists<'e>(
    ex: impl Executor<'e, Database = Any> + Copy,
    edition_id: Id,
) -> Result<Vec<Finalist>> {
    let entries: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM stage_entries se JOIN stages s ON s.id = se.stage_id \
         WHERE s.edition_id = $1 AND s.kind = 'presentasi_wawancara'",
    )
    .bind(edition_id)
    .fetch_one(ex)
    .await?;
    let filter = if entries > 0 {
        "p.id IN (SELECT se.proposal_id FROM stage_entries se JOIN stages s ON s.id = se.stage_id \
         WHERE s.edition_id = $1 AND s.kind = 'presentasi_wawancara')"
    } else {
        "p.state IN ('finalist', 'winner')"
    };
    let sql = format!(
        "SELECT p.id, p.title, p.summary, u.name AS unit_name, p.category_id, \
         COALESCE(c.name, '') AS category_name FROM proposals p JOIN units u ON u.id = p.unit_id \
         LEFT JOIN categories c ON c.id = p.category_id \
         WHERE p.edition_id = $1 AND {filter} ORDER BY c.position, c.id, p.title, p.id"
    );
    let rows = sqlx::query(&sql).bind(edition_id).fetch_all(ex).await?;
    rows.iter()
        .map(|r| {
            Ok(Finalist {
                id: r.try_get("id")?,
                title: r.try_get("title")?,
                summary: r.try_get("summary")?,
                unit_name: r.try_get("unit_name")?,
                category_id: r.try_get("category_id")?,
                category_name: r.try_get("category_name")?,
            })
        })
        .collect()
}

// --- one-time codes and verified addresses ------------------------------------------------

pub async fn insert_code(
    tx: &mut Tx,
    email_hash: &str,
    ip: &str,
    code_hash: &str,
    now: Instant,
    expires_at: Instant,
) -> Result<Id> {
    Ok(sqlx::query_scalar(
        "INSERT INTO email_codes (email_hash, ip, code_hash, attempts, created_at, expires_at) \
         VALUES ($1, $2, $3, 0, $4, $5) RETURNING id",
    )
    .bind(email_hash)
    .bind(ip)
    .bind(code_hash)
    .bind(now.millis())
    .bind(expires_at.millis())
    .fetch_one(&mut **tx)
    .await?)
}

/// Codes requested since `since` for an address hash (`by_ip` false) or from an IP.
pub async fn codes_since<'e>(
    ex: impl Executor<'e, Database = Any>,
    key: &str,
    by_ip: bool,
    since: Instant,
) -> Result<i64> {
    let sql = if by_ip {
        "SELECT CAST(COUNT(*) AS BIGINT) FROM email_codes WHERE ip = $1 AND created_at >= $2"
    } else {
        "SELECT CAST(COUNT(*) AS BIGINT) FROM email_codes WHERE email_hash = $1 AND created_at >= $2"
    };
    Ok(sqlx::query_scalar(sql)
        .bind(key)
        .bind(since.millis())
        .fetch_one(ex)
        .await?)
}

#[derive(Debug, Clone)]
pub struct CodeRow {
    pub id: Id,
    pub code_hash: String,
    pub attempts: i64,
    pub expires_at: Instant,
    pub used: bool,
}

/// The newest code sent to an address.
pub async fn latest_code<'e>(
    ex: impl Executor<'e, Database = Any>,
    email_hash: &str,
) -> Result<Option<CodeRow>> {
    let row = sqlx::query(
        "SELECT id, code_hash, attempts, expires_at, used_at FROM email_codes \
         WHERE email_hash = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(email_hash)
    .fetch_optional(ex)
    .await?;
    row.map(|r| {
        Ok(CodeRow {
            id: r.try_get("id")?,
            code_hash: r.try_get("code_hash")?,
            attempts: r.try_get("attempts")?,
            expires_at: Instant(r.try_get("expires_at")?),
            used: r.try_get::<Option<i64>, _>("used_at")?.is_some(),
        })
    })
    .transpose()
}

pub async fn bump_attempts(tx: &mut Tx, id: Id) -> Result<()> {
    sqlx::query("UPDATE email_codes SET attempts = attempts + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Marks a code used; false when it already was (single use).
pub async fn use_code(tx: &mut Tx, id: Id, now: Instant) -> Result<bool> {
    let r = sqlx::query("UPDATE email_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL")
        .bind(id)
        .bind(now.millis())
        .execute(&mut **tx)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn insert_verified(
    tx: &mut Tx,
    token_hash: &str,
    email: &str,
    now: Instant,
    expires_at: Instant,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO verified_emails (token_hash, email, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(email)
    .bind(now.millis())
    .bind(expires_at.millis())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn verified_email<'e>(
    ex: impl Executor<'e, Database = Any>,
    token_hash: &str,
    now: Instant,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT email FROM verified_emails WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now.millis())
    .fetch_optional(ex)
    .await?)
}

// --- objections ---------------------------------------------------------------------------

#[derive(Debug, Clone, serde::Serialize)]
pub struct Objection {
    pub id: Id,
    pub proposal_id: Id,
    pub proposal_title: String,
    pub kind: String,
    #[serde(skip)]
    pub email: String,
    pub body: String,
    pub file_id: Option<Id>,
    pub created_at: Instant,
    pub decision: Option<String>,
    pub answer: Option<String>,
    pub answered_at: Option<Instant>,
}

pub struct NewObjection<'a> {
    pub edition_id: Id,
    pub proposal_id: Id,
    pub kind: &'a str,
    pub email: &'a str,
    pub body: &'a str,
    pub file_id: Option<Id>,
    pub now: Instant,
}

pub async fn insert_objection(tx: &mut Tx, o: NewObjection<'_>) -> Result<Id> {
    Ok(sqlx::query_scalar(
        "INSERT INTO objections (edition_id, proposal_id, kind, email, body, file_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(o.edition_id)
    .bind(o.proposal_id)
    .bind(o.kind)
    .bind(o.email)
    .bind(o.body)
    .bind(o.file_id)
    .bind(o.now.millis())
    .fetch_one(&mut **tx)
    .await?)
}

const OBJECTION_SELECT: &str = "SELECT o.id, o.proposal_id, p.title AS proposal_title, o.kind, o.email, o.body, \
     o.file_id, o.created_at, a.decision, a.answer, a.answered_at FROM objections o \
     JOIN proposals p ON p.id = o.proposal_id \
     LEFT JOIN objection_answers a ON a.id = (SELECT MAX(x.id) FROM objection_answers x WHERE x.objection_id = o.id)";

fn objection_from_row(r: &sqlx::any::AnyRow) -> Result<Objection> {
    Ok(Objection {
        id: r.try_get("id")?,
        proposal_id: r.try_get("proposal_id")?,
        proposal_title: r.try_get("proposal_title")?,
        kind: r.try_get("kind")?,
        email: r.try_get("email")?,
        body: r.try_get("body")?,
        file_id: r.try_get("file_id")?,
        created_at: Instant(r.try_get("created_at")?),
        decision: r.try_get("decision")?,
        answer: r.try_get("answer")?,
        answered_at: r.try_get::<Option<i64>, _>("answered_at")?.map(Instant),
    })
}

/// The edition's objections, newest first; only answered ones when `answered_only`.
pub async fn objections<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    answered_only: bool,
    limit: i64,
) -> Result<Vec<Objection>> {
    let sql = format!(
        "{OBJECTION_SELECT} WHERE o.edition_id = $1 AND ($2 = 0 OR a.id IS NOT NULL) \
         ORDER BY o.created_at DESC, o.id DESC LIMIT $3"
    );
    let rows = sqlx::query(&sql)
        .bind(edition_id)
        .bind(flag(answered_only))
        .bind(limit)
        .fetch_all(ex)
        .await?;
    rows.iter().map(objection_from_row).collect()
}

pub async fn objection<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: Id,
) -> Result<Option<Objection>> {
    let sql = format!("{OBJECTION_SELECT} WHERE o.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(ex).await?;
    row.as_ref().map(objection_from_row).transpose()
}

pub async fn insert_answer(
    tx: &mut Tx,
    objection_id: Id,
    decision: &str,
    answer: &str,
    by: Option<Id>,
    now: Instant,
) -> Result<Id> {
    Ok(sqlx::query_scalar(
        "INSERT INTO objection_answers (objection_id, decision, answer, answered_by, answered_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(objection_id)
    .bind(decision)
    .bind(answer)
    .bind(by)
    .bind(now.millis())
    .fetch_one(&mut **tx)
    .await?)
}

/// Evidence bytes of an objection: (filename, content type, bytes).
pub async fn evidence<'e>(
    ex: impl Executor<'e, Database = Any>,
    objection_id: Id,
) -> Result<Option<(String, String, Vec<u8>)>> {
    let row = sqlx::query(
        "SELECT f.filename, f.content_type, f.content FROM objections o JOIN files f ON f.id = o.file_id \
         WHERE o.id = $1",
    )
    .bind(objection_id)
    .fetch_optional(ex)
    .await?;
    row.map(|r| {
        Ok((
            r.try_get("filename")?,
            r.try_get("content_type")?,
            r.try_get("content")?,
        ))
    })
    .transpose()
}

// --- votes --------------------------------------------------------------------------------

#[derive(Debug, Clone, serde::Serialize)]
pub struct VoteRow {
    pub id: Id,
    pub edition_id: Id,
    pub category_id: Id,
    pub proposal_id: Id,
    pub voter_hash: String,
    pub ip_prefix_hash: String,
    pub email_domain: String,
    pub at: Instant,
    pub prev_hash: String,
    pub hash: String,
}

const VOTE_COLUMNS: &str = "id, edition_id, category_id, proposal_id, voter_hash, ip_prefix_hash, \
     email_domain, at, prev_hash, hash";

fn vote_from_row(r: &sqlx::any::AnyRow) -> Result<VoteRow> {
    Ok(VoteRow {
        id: r.try_get("id")?,
        edition_id: r.try_get("edition_id")?,
        category_id: r.try_get("category_id")?,
        proposal_id: r.try_get("proposal_id")?,
        voter_hash: r.try_get("voter_hash")?,
        ip_prefix_hash: r.try_get("ip_prefix_hash")?,
        email_domain: r.try_get("email_domain")?,
        at: Instant(r.try_get("at")?),
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

/// The chain's last link: (id, hash).
pub async fn chain_head<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Option<(Id, String)>> {
    let row = sqlx::query("SELECT id, hash FROM votes ORDER BY id DESC LIMIT 1")
        .fetch_optional(ex)
        .await?;
    row.map(|r| Ok((r.try_get("id")?, r.try_get("hash")?)))
        .transpose()
}

pub async fn insert_vote(tx: &mut Tx, v: &VoteRow) -> Result<()> {
    let sql = format!(
        "INSERT INTO votes ({VOTE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    );
    sqlx::query(&sql)
        .bind(v.id)
        .bind(v.edition_id)
        .bind(v.category_id)
        .bind(v.proposal_id)
        .bind(&v.voter_hash)
        .bind(&v.ip_prefix_hash)
        .bind(&v.email_domain)
        .bind(v.at.millis())
        .bind(&v.prev_hash)
        .bind(&v.hash)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Up to `limit` links of the chain after `after_id`, in order.
pub async fn chain_page<'e>(
    ex: impl Executor<'e, Database = Any>,
    after_id: Id,
    limit: i64,
) -> Result<Vec<VoteRow>> {
    let sql = format!("SELECT {VOTE_COLUMNS} FROM votes WHERE id > $1 ORDER BY id LIMIT $2");
    let rows = sqlx::query(&sql)
        .bind(after_id)
        .bind(limit)
        .fetch_all(ex)
        .await?;
    rows.iter().map(vote_from_row).collect()
}

/// The categories a voter has voted in.
pub async fn voted_categories<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    voter_hash: &str,
) -> Result<Vec<Id>> {
    Ok(sqlx::query_scalar(
        "SELECT category_id FROM votes WHERE edition_id = $1 AND voter_hash = $2",
    )
    .bind(edition_id)
    .bind(voter_hash)
    .fetch_all(ex)
    .await?)
}

/// Votes since `since` from an IP prefix hash.
pub async fn votes_from_network_since<'e>(
    ex: impl Executor<'e, Database = Any>,
    ip_prefix_hash: &str,
    since: Instant,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM votes WHERE ip_prefix_hash = $1 AND at >= $2",
    )
    .bind(ip_prefix_hash)
    .bind(since.millis())
    .fetch_one(ex)
    .await?)
}

/// Counted votes per (category, proposal).
pub async fn tally<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<(Id, Id, i64)>> {
    let rows = sqlx::query(
        "SELECT v.category_id, v.proposal_id, CAST(COUNT(*) AS BIGINT) AS n FROM votes v \
         WHERE v.edition_id = $1 AND NOT EXISTS (SELECT 1 FROM vote_voids x WHERE x.vote_id = v.id) \
         GROUP BY v.category_id, v.proposal_id",
    )
    .bind(edition_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("category_id")?,
                r.try_get("proposal_id")?,
                r.try_get("n")?,
            ))
        })
        .collect()
}

/// (total, voided) votes of an edition.
pub async fn counts<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<(i64, i64)> {
    let row = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS total, CAST(COUNT(x.id) AS BIGINT) AS voided FROM votes v \
         LEFT JOIN vote_voids x ON x.vote_id = v.id WHERE v.edition_id = $1",
    )
    .bind(edition_id)
    .fetch_one(ex)
    .await?;
    Ok((row.try_get("total")?, row.try_get("voided")?))
}

/// A vote with whether and why it was voided, for the committee.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VoteView {
    #[serde(flatten)]
    pub vote: VoteRow,
    pub void_reason: Option<String>,
}

/// The edition's votes in order (for pattern analysis), or only `ids` when given.
pub async fn votes<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    limit: i64,
) -> Result<Vec<VoteView>> {
    let sql = format!(
        "SELECT {cols}, x.reason AS void_reason FROM votes v LEFT JOIN vote_voids x ON x.vote_id = v.id \
         WHERE v.edition_id = $1 ORDER BY v.id DESC LIMIT $2",
        cols = VOTE_COLUMNS
            .split(", ")
            .map(|c| format!("v.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let rows = sqlx::query(&sql)
        .bind(edition_id)
        .bind(limit)
        .fetch_all(ex)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(VoteView {
                vote: vote_from_row(r)?,
                void_reason: r.try_get("void_reason")?,
            })
        })
        .collect()
}

pub async fn vote<'e>(ex: impl Executor<'e, Database = Any>, id: Id) -> Result<Option<VoteView>> {
    let row = sqlx::query(
        "SELECT v.id, v.edition_id, v.category_id, v.proposal_id, v.voter_hash, v.ip_prefix_hash, \
         v.email_domain, v.at, v.prev_hash, v.hash, x.reason AS void_reason FROM votes v \
         LEFT JOIN vote_voids x ON x.vote_id = v.id WHERE v.id = $1",
    )
    .bind(id)
    .fetch_optional(ex)
    .await?;
    row.as_ref()
        .map(|r| {
            Ok(VoteView {
                vote: vote_from_row(r)?,
                void_reason: r.try_get("void_reason")?,
            })
        })
        .transpose()
}

pub async fn insert_void(
    tx: &mut Tx,
    vote_id: Id,
    reason: &str,
    by: Option<Id>,
    now: Instant,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO vote_voids (vote_id, reason, voided_by, voided_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(vote_id)
    .bind(reason)
    .bind(by)
    .bind(now.millis())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The append-only guard triggers that are missing or disabled (names), for the chain
/// check: `audit_events`, `votes` and `vote_voids` must each refuse UPDATE and DELETE.
pub async fn missing_guards(db: &crate::Db) -> Result<Vec<String>> {
    let (expected, sql): (&[&str], &str) = match db.backend() {
        crate::Backend::Sqlite => (
            &[
                "audit_events_no_update",
                "audit_events_no_delete",
                "votes_no_update",
                "votes_no_delete",
                "vote_voids_no_update",
                "vote_voids_no_delete",
            ],
            "SELECT name FROM sqlite_master WHERE type = 'trigger'",
        ),
        crate::Backend::Postgres => (
            &[
                "audit_events_no_update",
                "votes_no_update",
                "vote_voids_no_update",
            ],
            "SELECT CAST(tgname AS TEXT) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'",
        ),
    };
    let present: Vec<String> = sqlx::query_scalar(sql).fetch_all(db.pool()).await?;
    Ok(expected
        .iter()
        .filter(|e| !present.iter().any(|p| p == *e))
        .map(|e| (*e).to_owned())
        .collect())
}
