//! The jury around the pool: judges with their ties, per-edition invitations and
//! declarations (`edition_judges`), committee recusals, assignment runs, and the facts the
//! conflict and assignment computations read.

use kolabik_domain::{Id, Instant, JudgeKind, Role};
use sqlx::{Any, Executor, Row};

use crate::{AnyRow, Result, corrupt};

// --- the pool ---------------------------------------------------------------------------

/// A judge of the pool with everything the committee edits.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PoolJudge {
    pub judge_id: Id,
    pub user_id: Id,
    pub name: String,
    pub email: String,
    pub kind: JudgeKind,
    pub institution: String,
    pub expertise: Vec<String>,
    /// (unit id, unit name)
    pub unit_ties: Vec<(Id, String)>,
    pub institution_ties: Vec<String>,
}

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The whole pool (small by nature), by name.
pub async fn pool(db: &crate::Db) -> Result<Vec<PoolJudge>> {
    pool_where(db, None).await
}

pub async fn pool_judge(db: &crate::Db, judge_id: Id) -> Result<Option<PoolJudge>> {
    Ok(pool_where(db, Some(judge_id)).await?.into_iter().next())
}

async fn pool_where(db: &crate::Db, judge_id: Option<Id>) -> Result<Vec<PoolJudge>> {
    let rows = sqlx::query(
        "SELECT j.id, j.user_id, u.name, u.email, j.kind, j.institution, j.expertise \
         FROM judges j JOIN users u ON u.id = j.user_id WHERE ($1 IS NULL OR j.id = $1) \
         ORDER BY u.name, j.id",
    )
    .bind(judge_id)
    .fetch_all(db.pool())
    .await?;
    let ties = sqlx::query(
        "SELECT t.judge_id, t.unit_id, un.name FROM judge_ties t JOIN units un ON un.id = t.unit_id \
         WHERE ($1 IS NULL OR t.judge_id = $1) ORDER BY un.name",
    )
    .bind(judge_id)
    .fetch_all(db.pool())
    .await?;
    let inst = sqlx::query(
        "SELECT judge_id, institution FROM judge_institution_ties \
         WHERE ($1 IS NULL OR judge_id = $1) ORDER BY institution",
    )
    .bind(judge_id)
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let id: Id = r.try_get("id")?;
        let kind: String = r.try_get("kind")?;
        let expertise: String = r.try_get("expertise")?;
        let mut unit_ties = Vec::new();
        for t in &ties {
            if t.try_get::<i64, _>("judge_id")? == id {
                unit_ties.push((t.try_get("unit_id")?, t.try_get("name")?));
            }
        }
        let mut institution_ties = Vec::new();
        for t in &inst {
            if t.try_get::<i64, _>("judge_id")? == id {
                institution_ties.push(t.try_get("institution")?);
            }
        }
        out.push(PoolJudge {
            judge_id: id,
            user_id: r.try_get("user_id")?,
            name: r.try_get("name")?,
            email: r.try_get("email")?,
            kind: JudgeKind::parse(&kind).ok_or_else(|| corrupt("judges.kind", &kind))?,
            institution: r.try_get("institution")?,
            expertise: lines(&expertise),
            unit_ties,
            institution_ties,
        });
    }
    Ok(out)
}

pub async fn update_judge<'e>(
    ex: impl Executor<'e, Database = Any>,
    judge_id: Id,
    kind: JudgeKind,
    institution: &str,
    expertise: &[String],
) -> Result<()> {
    sqlx::query("UPDATE judges SET kind = $1, institution = $2, expertise = $3 WHERE id = $4")
        .bind(kind.as_str())
        .bind(institution)
        .bind(expertise.join("\n"))
        .bind(judge_id)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn rename_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: Id,
    name: &str,
) -> Result<()> {
    sqlx::query("UPDATE users SET name = $1 WHERE id = $2")
        .bind(name)
        .bind(user_id)
        .execute(ex)
        .await?;
    Ok(())
}

/// Replaces the judge's unit ties.
pub async fn set_unit_ties(tx: &mut crate::Tx, judge_id: Id, unit_ids: &[Id]) -> Result<()> {
    sqlx::query("DELETE FROM judge_ties WHERE judge_id = $1")
        .bind(judge_id)
        .execute(&mut **tx)
        .await?;
    for unit_id in unit_ids {
        sqlx::query("INSERT INTO judge_ties (judge_id, unit_id) VALUES ($1, $2)")
            .bind(judge_id)
            .bind(unit_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Replaces the judge's institution ties.
pub async fn set_institution_ties(
    tx: &mut crate::Tx,
    judge_id: Id,
    institutions: &[String],
) -> Result<()> {
    sqlx::query("DELETE FROM judge_institution_ties WHERE judge_id = $1")
        .bind(judge_id)
        .execute(&mut **tx)
        .await?;
    for i in institutions {
        sqlx::query("INSERT INTO judge_institution_ties (judge_id, institution) VALUES ($1, $2)")
            .bind(judge_id)
            .bind(i)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

// --- edition judges ---------------------------------------------------------------------

/// A judge's seat in one edition.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EditionJudge {
    pub edition_id: Id,
    pub judge_id: Id,
    /// `invited`, `active` or `declined`.
    pub state: String,
    pub invited_at: Instant,
    pub expires_at: Option<Instant>,
    pub responded_at: Option<Instant>,
    pub declared_at: Option<Instant>,
    pub declaration_note: String,
}

const EJ_COLUMNS: &str = "edition_id, judge_id, state, invited_at, expires_at, responded_at, \
     declared_at, declaration_note";

fn ej_from_row(r: &AnyRow) -> Result<EditionJudge> {
    let state: String = r.try_get("state")?;
    Ok(EditionJudge {
        edition_id: r.try_get("edition_id")?,
        judge_id: r.try_get("judge_id")?,
        // `accepted` (written by other features' fixtures) means the same as `active`.
        state: if state == "accepted" {
            "active".to_owned()
        } else {
            state
        },
        invited_at: Instant(r.try_get("invited_at")?),
        expires_at: r.try_get::<Option<i64>, _>("expires_at")?.map(Instant),
        responded_at: r.try_get::<Option<i64>, _>("responded_at")?.map(Instant),
        declared_at: r.try_get::<Option<i64>, _>("declared_at")?.map(Instant),
        declaration_note: r.try_get("declaration_note")?,
    })
}

pub async fn edition_judge<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    judge_id: Id,
) -> Result<Option<EditionJudge>> {
    let sql =
        format!("SELECT {EJ_COLUMNS} FROM edition_judges WHERE edition_id = $1 AND judge_id = $2");
    let row = sqlx::query(&sql)
        .bind(edition_id)
        .bind(judge_id)
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(ej_from_row).transpose()
}

pub async fn edition_judge_by_token<'e>(
    ex: impl Executor<'e, Database = Any>,
    token_hash: &str,
) -> Result<Option<EditionJudge>> {
    let sql = format!("SELECT {EJ_COLUMNS} FROM edition_judges WHERE token_hash = $1");
    let row = sqlx::query(&sql)
        .bind(token_hash)
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(ej_from_row).transpose()
}

/// Creates or renews an invitation: state `invited`, a new token, a new expiry.
pub async fn invite<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    judge_id: Id,
    token_hash: &str,
    invited_by: Option<Id>,
    now: Instant,
    expires_at: Instant,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO edition_judges (edition_id, judge_id, state, token_hash, invited_by, \
         invited_at, expires_at) VALUES ($1, $2, 'invited', $3, $4, $5, $6) \
         ON CONFLICT (edition_id, judge_id) DO UPDATE SET state = 'invited', \
         token_hash = excluded.token_hash, invited_by = excluded.invited_by, \
         invited_at = excluded.invited_at, expires_at = excluded.expires_at, responded_at = NULL",
    )
    .bind(edition_id)
    .bind(judge_id)
    .bind(token_hash)
    .bind(invited_by)
    .bind(now.millis())
    .bind(expires_at.millis())
    .execute(ex)
    .await?;
    Ok(())
}

/// Answers an invitation once: only while `invited`, unexpired and holding this token.
/// The token stays (a second use is recognised and refused as used) until a new
/// invitation replaces it.
pub async fn respond<'e>(
    ex: impl Executor<'e, Database = Any>,
    token_hash: &str,
    state: &str,
    now: Instant,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE edition_judges SET state = $1, responded_at = $2 \
         WHERE token_hash = $3 AND state = 'invited' AND expires_at > $2",
    )
    .bind(state)
    .bind(now.millis())
    .bind(token_hash)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The seat of a judge who holds the judge role without an invitation row (the demo, a
/// grant made by hand): active, not yet declared. Does nothing when a row exists.
pub async fn ensure_active<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    judge_id: Id,
    now: Instant,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO edition_judges (edition_id, judge_id, state, invited_at, responded_at) \
         VALUES ($1, $2, 'active', $3, $3) ON CONFLICT (edition_id, judge_id) DO NOTHING",
    )
    .bind(edition_id)
    .bind(judge_id)
    .bind(now.millis())
    .execute(ex)
    .await?;
    Ok(())
}

/// Records a (further) declaration: the first sets `declared_at`; notes accumulate.
pub async fn declare<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    judge_id: Id,
    note: &str,
    now: Instant,
) -> Result<()> {
    sqlx::query(
        "UPDATE edition_judges SET declared_at = COALESCE(declared_at, $1), \
         declaration_note = $2 WHERE edition_id = $3 AND judge_id = $4",
    )
    .bind(now.millis())
    .bind(note)
    .bind(edition_id)
    .bind(judge_id)
    .execute(ex)
    .await?;
    Ok(())
}

/// One pool judge as the committee's roster of an edition shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RosterRow {
    pub judge_id: Id,
    pub user_id: Id,
    pub name: String,
    pub email: String,
    pub kind: JudgeKind,
    pub expertise: Vec<String>,
    /// The `edition_judges` row, if any.
    pub seat: Option<EditionJudge>,
    /// Holds the judge role in the edition.
    pub has_grant: bool,
}

impl RosterRow {
    /// `active` for a judge with the role and no row (treated as active, undeclared).
    pub fn state(&self) -> Option<&str> {
        match &self.seat {
            Some(s) => Some(s.state.as_str()),
            None if self.has_grant => Some("active"),
            None => None,
        }
    }
    pub fn declared(&self) -> bool {
        self.seat.as_ref().is_some_and(|s| s.declared_at.is_some())
    }
}

pub async fn roster(db: &crate::Db, edition_id: Id) -> Result<Vec<RosterRow>> {
    let rows = sqlx::query(
        "SELECT j.id, j.user_id, u.name, u.email, j.kind, j.expertise, \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM role_grants g WHERE g.user_id = j.user_id \
          AND g.edition_id = $1 AND g.role = $2) AS grants \
         FROM judges j JOIN users u ON u.id = j.user_id ORDER BY u.name, j.id",
    )
    .bind(edition_id)
    .bind(Role::Judge.as_str())
    .fetch_all(db.pool())
    .await?;
    let sql = format!("SELECT {EJ_COLUMNS} FROM edition_judges WHERE edition_id = $1");
    let seats = sqlx::query(&sql)
        .bind(edition_id)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(ej_from_row)
        .collect::<Result<Vec<_>>>()?;
    rows.iter()
        .map(|r| {
            let id: Id = r.try_get("id")?;
            let kind: String = r.try_get("kind")?;
            let expertise: String = r.try_get("expertise")?;
            let grants: i64 = r.try_get("grants")?;
            Ok(RosterRow {
                judge_id: id,
                user_id: r.try_get("user_id")?,
                name: r.try_get("name")?,
                email: r.try_get("email")?,
                kind: JudgeKind::parse(&kind).ok_or_else(|| corrupt("judges.kind", &kind))?,
                expertise: lines(&expertise),
                seat: seats.iter().find(|s| s.judge_id == id).cloned(),
                has_grant: grants > 0,
            })
        })
        .collect()
}

// --- facts for conflicts and assignment -------------------------------------------------

/// A proposal of a judged stage with what affinity and conflicts read.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StageProposal {
    pub id: Id,
    pub title: String,
    pub summary: String,
    pub unit_id: Id,
    pub unit_name: String,
    pub unit_kind: String,
    pub category_name: Option<String>,
}

const SP_SELECT: &str = "SELECT p.id, p.title, p.summary, p.unit_id, un.name AS unit_name, \
     un.kind AS unit_kind, c.name AS category_name FROM proposals p \
     JOIN units un ON un.id = p.unit_id LEFT JOIN categories c ON c.id = p.category_id";

fn sp_from_row(r: &AnyRow) -> Result<StageProposal> {
    Ok(StageProposal {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        summary: r.try_get("summary")?,
        unit_id: r.try_get("unit_id")?,
        unit_name: r.try_get("unit_name")?,
        unit_kind: r.try_get("unit_kind")?,
        category_name: r.try_get("category_name")?,
    })
}

/// Proposals entered in a stage (`stage_entries`).
pub async fn stage_entries<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
) -> Result<Vec<StageProposal>> {
    let sql = format!(
        "{SP_SELECT} WHERE p.id IN (SELECT proposal_id FROM stage_entries WHERE stage_id = $1) \
         ORDER BY p.id"
    );
    let rows = sqlx::query(&sql).bind(stage_id).fetch_all(ex).await?;
    rows.iter().map(sp_from_row).collect()
}

/// The edition's judgeable proposals: those past screening (passed, finalist, winner) and
/// any entered in one of its stages.
pub async fn judgeable<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<StageProposal>> {
    let sql = format!(
        "{SP_SELECT} WHERE p.edition_id = $1 AND (p.state IN ('passed_screening', 'finalist', \
         'winner') OR p.id IN (SELECT se.proposal_id FROM stage_entries se \
         JOIN stages s ON s.id = se.stage_id WHERE s.edition_id = $1)) ORDER BY p.id"
    );
    let rows = sqlx::query(&sql).bind(edition_id).fetch_all(ex).await?;
    rows.iter().map(sp_from_row).collect()
}

/// The edition's proposals past screening (passed, finalist, winner): the first judged
/// stage's proposals when it has no entries.
pub async fn past_screening<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<StageProposal>> {
    let sql = format!(
        "{SP_SELECT} WHERE p.edition_id = $1 AND p.state IN ('passed_screening', 'finalist', \
         'winner') ORDER BY p.id"
    );
    let rows = sqlx::query(&sql).bind(edition_id).fetch_all(ex).await?;
    rows.iter().map(sp_from_row).collect()
}

/// (user, proposal) of field visits made in the given stages.
pub async fn visits_in<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    stage_kinds: &[&str],
) -> Result<Vec<(Id, Id, String)>> {
    let rows = sqlx::query(
        "SELECT v.visited_by, v.proposal_id, s.kind FROM field_visits v \
         JOIN stages s ON s.id = v.stage_id WHERE s.edition_id = $1 AND v.visited_by IS NOT NULL",
    )
    .bind(edition_id)
    .fetch_all(ex)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let kind: String = r.try_get("kind")?;
        if stage_kinds.contains(&kind.as_str()) {
            out.push((r.try_get("visited_by")?, r.try_get("proposal_id")?, kind));
        }
    }
    Ok(out)
}

/// (unit id, parent id, name) of the whole registry.
pub async fn unit_tree<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<(Id, Option<Id>, String)>> {
    let rows = sqlx::query("SELECT id, parent_id, name FROM units")
        .fetch_all(ex)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("parent_id")?,
                r.try_get("name")?,
            ))
        })
        .collect()
}

/// Every unit tie of the pool: (judge, unit).
pub async fn all_unit_ties<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<(Id, Id)>> {
    let rows = sqlx::query("SELECT judge_id, unit_id FROM judge_ties")
        .fetch_all(ex)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("judge_id")?, r.try_get("unit_id")?)))
        .collect()
}

/// Every institution tie of the pool: (judge, institution).
pub async fn all_institution_ties<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<(Id, String)>> {
    let rows = sqlx::query("SELECT judge_id, institution FROM judge_institution_ties")
        .fetch_all(ex)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("judge_id")?, r.try_get("institution")?)))
        .collect()
}

/// The panel rules of a judged stage: (R, min academic, min practitioner, max load,
/// frozen at); `None` when the stage has no `stage_judging` row yet.
pub async fn panel_rules<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
) -> Result<Option<(i64, i64, i64, i64, Option<Instant>)>> {
    let row = sqlx::query(
        "SELECT reviews_per_proposal, min_academic, min_practitioner, max_load, frozen_at \
         FROM stage_judging WHERE stage_id = $1",
    )
    .bind(stage_id)
    .fetch_optional(ex)
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some((
        r.try_get("reviews_per_proposal")?,
        r.try_get("min_academic")?,
        r.try_get("min_practitioner")?,
        r.try_get("max_load")?,
        r.try_get::<Option<i64>, _>("frozen_at")?.map(Instant),
    )))
}

// --- committee recusals -----------------------------------------------------------------

#[derive(Debug, Clone, serde::Serialize)]
pub struct Recusal {
    pub id: Id,
    pub user_id: Id,
    pub user_name: String,
    pub proposal_id: Id,
    pub proposal_title: String,
    pub deputy_user_id: Option<Id>,
    pub deputy_name: Option<String>,
    pub reason: String,
    pub created_at: Instant,
    pub lifted_at: Option<Instant>,
}

pub async fn insert_recusal<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: Id,
    proposal_id: Id,
    deputy_user_id: Option<Id>,
    reason: &str,
    created_by: Option<Id>,
    now: Instant,
) -> Result<Id> {
    sqlx::query_scalar(
        "INSERT INTO committee_recusals (user_id, proposal_id, deputy_user_id, reason, \
         created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(user_id)
    .bind(proposal_id)
    .bind(deputy_user_id)
    .bind(reason)
    .bind(created_by)
    .bind(now.millis())
    .fetch_one(ex)
    .await
    .map_err(Into::into)
}

/// Recusals on the proposals of an edition, newest first.
pub async fn recusals<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<Recusal>> {
    let rows = sqlx::query(
        "SELECT r.id, r.user_id, u.name AS user_name, r.proposal_id, p.title, r.deputy_user_id, \
         d.name AS deputy_name, r.reason, r.created_at, r.lifted_at FROM committee_recusals r \
         JOIN users u ON u.id = r.user_id JOIN proposals p ON p.id = r.proposal_id \
         LEFT JOIN users d ON d.id = r.deputy_user_id WHERE p.edition_id = $1 \
         ORDER BY r.created_at DESC, r.id DESC",
    )
    .bind(edition_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Recusal {
                id: r.try_get("id")?,
                user_id: r.try_get("user_id")?,
                user_name: r.try_get("user_name")?,
                proposal_id: r.try_get("proposal_id")?,
                proposal_title: r.try_get("title")?,
                deputy_user_id: r.try_get("deputy_user_id")?,
                deputy_name: r.try_get("deputy_name")?,
                reason: r.try_get("reason")?,
                created_at: Instant(r.try_get("created_at")?),
                lifted_at: r.try_get::<Option<i64>, _>("lifted_at")?.map(Instant),
            })
        })
        .collect()
}

/// Proposals a committee member is recused from (active recusals).
pub async fn recused_proposals<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: Id,
) -> Result<Vec<Id>> {
    let rows = sqlx::query(
        "SELECT DISTINCT proposal_id FROM committee_recusals WHERE user_id = $1 AND lifted_at IS NULL",
    )
    .bind(user_id)
    .fetch_all(ex)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("proposal_id")?)).collect()
}

pub async fn lift_recusal<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: Id,
    now: Instant,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE committee_recusals SET lifted_at = $1 WHERE id = $2 AND lifted_at IS NULL",
    )
    .bind(now.millis())
    .bind(id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Committee members of an edition: (user id, name), for choosing a deputy.
pub async fn committee_members<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
) -> Result<Vec<(Id, String)>> {
    let rows = sqlx::query(
        "SELECT DISTINCT u.id, u.name FROM users u JOIN role_grants g ON g.user_id = u.id \
         WHERE g.edition_id = $1 AND g.role = $2 ORDER BY u.name",
    )
    .bind(edition_id)
    .bind(Role::Committee.as_str())
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect()
}

// --- assignment runs --------------------------------------------------------------------

#[derive(Debug, Clone, serde::Serialize)]
pub struct Run {
    pub id: Id,
    pub stage_id: Id,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    pub progress: i64,
    /// The solver's `optimal` / `infeasible`.
    pub status: Option<String>,
    pub objective: Option<i64>,
    pub report_json: Option<String>,
    pub error: Option<String>,
    pub requested_by: Option<Id>,
    pub created_at: Instant,
    pub finished_at: Option<Instant>,
}

const RUN_COLUMNS: &str = "id, stage_id, state, progress, status, objective, report_json, error, \
     requested_by, created_at, finished_at";

fn run_from_row(r: &AnyRow) -> Result<Run> {
    Ok(Run {
        id: r.try_get("id")?,
        stage_id: r.try_get("stage_id")?,
        state: r.try_get("state")?,
        progress: r.try_get("progress")?,
        status: r.try_get("status")?,
        objective: r.try_get("objective")?,
        report_json: r.try_get("report_json")?,
        error: r.try_get("error")?,
        requested_by: r.try_get("requested_by")?,
        created_at: Instant(r.try_get("created_at")?),
        finished_at: r.try_get::<Option<i64>, _>("finished_at")?.map(Instant),
    })
}

pub async fn insert_run<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
    requested_by: Option<Id>,
    now: Instant,
) -> Result<Id> {
    sqlx::query_scalar(
        "INSERT INTO assignment_runs (stage_id, state, progress, requested_by, created_at) \
         VALUES ($1, 'queued', 0, $2, $3) RETURNING id",
    )
    .bind(stage_id)
    .bind(requested_by)
    .bind(now.millis())
    .fetch_one(ex)
    .await
    .map_err(Into::into)
}

pub async fn run_progress<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: Id,
    state: &str,
    progress: i64,
) -> Result<()> {
    sqlx::query("UPDATE assignment_runs SET state = $1, progress = $2 WHERE id = $3")
        .bind(state)
        .bind(progress)
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub async fn finish_run<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: Id,
    state: &str,
    status: Option<&str>,
    objective: Option<i64>,
    report_json: Option<&str>,
    error: Option<&str>,
    now: Instant,
) -> Result<()> {
    sqlx::query(
        "UPDATE assignment_runs SET state = $1, progress = 100, status = $2, objective = $3, \
         report_json = $4, error = $5, finished_at = $6 WHERE id = $7",
    )
    .bind(state)
    .bind(status)
    .bind(objective)
    .bind(report_json)
    .bind(error)
    .bind(now.millis())
    .bind(id)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn run<'e>(ex: impl Executor<'e, Database = Any>, id: Id) -> Result<Option<Run>> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM assignment_runs WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(ex).await?;
    row.as_ref().map(run_from_row).transpose()
}

pub async fn latest_run<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
) -> Result<Option<Run>> {
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM assignment_runs WHERE stage_id = $1 ORDER BY id DESC LIMIT 1"
    );
    let row = sqlx::query(&sql).bind(stage_id).fetch_optional(ex).await?;
    row.as_ref().map(run_from_row).transpose()
}
