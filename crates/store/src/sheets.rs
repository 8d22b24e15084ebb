//! Score sheets (`score_sheets`): one per assignment, a draft until submitted, locked once
//! submitted until the committee reopens it. Also the few reads the judge's workspace needs
//! around them: the judge's declaration, committee recusals, a unit's identity for blind
//! stages.

use kolabik_domain::{Id, Instant};
use sqlx::{Any, Executor, Row};

use crate::Result;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SheetRow {
    pub id: Id,
    pub assignment_id: Id,
    /// `draft` or `submitted` (`domain::ScoreSheetState`).
    pub state: String,
    /// A `domain::scoring::Sheet`.
    pub scores_json: String,
    /// The weighted 0–100 total, set on submit.
    pub total: Option<f64>,
    pub submitted_at: Option<Instant>,
    pub reopened_at: Option<Instant>,
    pub reopened_by: Option<Id>,
    pub updated_at: Instant,
}

impl SheetRow {
    pub fn submitted(&self) -> bool {
        self.state == "submitted"
    }
}

const COLUMNS: &str = "s.id, s.assignment_id, s.state, s.scores_json, s.total, s.submitted_at, \
    s.reopened_at, s.reopened_by, s.updated_at";

fn from_row(r: &crate::AnyRow) -> Result<SheetRow> {
    Ok(SheetRow {
        id: r.try_get("id")?,
        assignment_id: r.try_get("assignment_id")?,
        state: r.try_get("state")?,
        scores_json: r.try_get("scores_json")?,
        total: r.try_get("total")?,
        submitted_at: r.try_get::<Option<i64>, _>("submitted_at")?.map(Instant),
        reopened_at: r.try_get::<Option<i64>, _>("reopened_at")?.map(Instant),
        reopened_by: r.try_get("reopened_by")?,
        updated_at: Instant(r.try_get("updated_at")?),
    })
}

pub async fn get<'e>(ex: impl Executor<'e, Database = Any>, id: Id) -> Result<Option<SheetRow>> {
    let sql = format!("SELECT {COLUMNS} FROM score_sheets s WHERE s.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(ex).await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn for_assignment<'e>(
    ex: impl Executor<'e, Database = Any>,
    assignment_id: Id,
) -> Result<Option<SheetRow>> {
    let sql = format!("SELECT {COLUMNS} FROM score_sheets s WHERE s.assignment_id = $1");
    let row = sqlx::query(&sql)
        .bind(assignment_id)
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The sheets of one judge in one stage (any conflict state: callers filter by the
/// assignments they may show).
pub async fn for_judge<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
    judge_id: Id,
) -> Result<Vec<SheetRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM score_sheets s JOIN assignments a ON a.id = s.assignment_id \
         WHERE a.stage_id = $1 AND a.judge_id = $2 ORDER BY s.id"
    );
    let rows = sqlx::query(&sql)
        .bind(stage_id)
        .bind(judge_id)
        .fetch_all(ex)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Every sheet of a stage.
pub async fn for_stage<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
) -> Result<Vec<SheetRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM score_sheets s JOIN assignments a ON a.id = s.assignment_id \
         WHERE a.stage_id = $1 ORDER BY s.id"
    );
    let rows = sqlx::query(&sql).bind(stage_id).fetch_all(ex).await?;
    rows.iter().map(from_row).collect()
}

/// Creates or replaces the sheet of an assignment. `submit`: state `submitted`, the total
/// and `submitted_at` set; otherwise a draft without a total.
///
/// A missing total is written as a literal `NULL`, never bound: sqlx's `Any` driver binds a
/// NULL `f64` as a PostgreSQL `float4`, and the cached statement then refuses a real `f64`.
pub async fn write<'e>(
    ex: impl Executor<'e, Database = Any>,
    assignment_id: Id,
    scores_json: &str,
    total: Option<f64>,
    submit: bool,
    now: Instant,
) -> Result<()> {
    let state = if submit { "submitted" } else { "draft" };
    let q = match total {
        Some(t) => sqlx::query(
            "INSERT INTO score_sheets (assignment_id, state, scores_json, updated_at, total, submitted_at) \
             VALUES ($1, $2, $3, $4, $5, $4) ON CONFLICT (assignment_id) DO UPDATE SET \
             state = excluded.state, scores_json = excluded.scores_json, total = excluded.total, \
             submitted_at = excluded.submitted_at, updated_at = excluded.updated_at",
        )
        .bind(assignment_id)
        .bind(state)
        .bind(scores_json)
        .bind(now.millis())
        .bind(t),
        None => sqlx::query(
            "INSERT INTO score_sheets (assignment_id, state, scores_json, updated_at, total, submitted_at) \
             VALUES ($1, $2, $3, $4, NULL, NULL) ON CONFLICT (assignment_id) DO UPDATE SET \
             state = excluded.state, scores_json = excluded.scores_json, total = NULL, \
             submitted_at = NULL, updated_at = excluded.updated_at",
        )
        .bind(assignment_id)
        .bind(state)
        .bind(scores_json)
        .bind(now.millis()),
    };
    q.execute(ex).await?;
    Ok(())
}

/// Unlocks a submitted sheet: back to a draft without a total; who and when are kept.
/// False when the sheet is not submitted (nothing changed).
pub async fn reopen<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: Id,
    by: Option<Id>,
    now: Instant,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE score_sheets SET state = 'draft', total = NULL, submitted_at = NULL, \
         reopened_at = $1, reopened_by = $2, updated_at = $1 WHERE id = $3 AND state = 'submitted'",
    )
    .bind(now.millis())
    .bind(by)
    .bind(id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The judge's declaration in an edition: `None` without an `edition_judges` row,
/// `Some(None)` invited but not declared, `Some(Some(at))` declared.
pub async fn declared_at<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    judge_id: Id,
) -> Result<Option<Option<Instant>>> {
    let row = sqlx::query(
        "SELECT declared_at FROM edition_judges WHERE edition_id = $1 AND judge_id = $2",
    )
    .bind(edition_id)
    .bind(judge_id)
    .fetch_optional(ex)
    .await?;
    match row {
        None => Ok(None),
        Some(r) => Ok(Some(
            r.try_get::<Option<i64>, _>("declared_at")?.map(Instant),
        )),
    }
}

/// Proposals a committee member has stepped aside from (active recusals).
pub async fn recused_proposals<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: Id,
) -> Result<Vec<Id>> {
    let rows = sqlx::query(
        "SELECT proposal_id FROM committee_recusals WHERE user_id = $1 AND lifted_at IS NULL",
    )
    .bind(user_id)
    .fetch_all(ex)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("proposal_id")?)).collect()
}

/// What identifies a unit in text, for blind stages: its name, its code, and the names and
/// e-mail addresses of its operators and heads.
pub async fn unit_identity<'e>(
    ex: impl Executor<'e, Database = Any>,
    unit_id: Id,
) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT name AS t1, code AS t2 FROM units WHERE id = $1 \
         UNION ALL SELECT us.name AS t1, us.email AS t2 FROM role_grants g \
         JOIN users us ON us.id = g.user_id WHERE g.unit_id = $1",
    )
    .bind(unit_id)
    .fetch_all(ex)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        out.push(r.try_get::<String, _>("t1")?);
        out.push(r.try_get::<String, _>("t2")?);
    }
    Ok(out)
}

/// A judge's display name and kind by judge id, for the committee's progress view.
#[derive(Debug, Clone, serde::Serialize)]
pub struct JudgeName {
    pub judge_id: Id,
    pub name: String,
    pub kind: String,
}

pub async fn judge_names<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
) -> Result<Vec<JudgeName>> {
    let rows = sqlx::query(
        "SELECT DISTINCT j.id AS judge_id, u.name, j.kind FROM assignments a \
         JOIN judges j ON j.id = a.judge_id JOIN users u ON u.id = j.user_id \
         WHERE a.stage_id = $1 ORDER BY u.name",
    )
    .bind(stage_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(JudgeName {
                judge_id: r.try_get("judge_id")?,
                name: r.try_get("name")?,
                kind: r.try_get("kind")?,
            })
        })
        .collect()
}

/// The judge id and user id behind an assignment (for notices on reopen).
pub async fn judge_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    judge_id: Id,
) -> Result<Option<Id>> {
    Ok(
        sqlx::query_scalar("SELECT user_id FROM judges WHERE id = $1")
            .bind(judge_id)
            .fetch_optional(ex)
            .await?,
    )
}

/// Titles of proposals by id (one query), for queues and progress lists.
pub async fn titles<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<(Id, String, Id, String)>> {
    let rows = sqlx::query(
        "SELECT p.id, p.title, p.unit_id, u.name AS unit_name FROM proposals p JOIN units u ON u.id = p.unit_id \
         WHERE p.edition_id = $1",
    )
    .bind(edition_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("title")?,
                r.try_get("unit_id")?,
                r.try_get("unit_name")?,
            ))
        })
        .collect()
}
