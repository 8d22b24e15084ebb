//! The jury pool and the units each judge is tied to.

use kolabik_domain::{Id, Judge, JudgeKind};
use sqlx::{Any, Executor, Row};

use crate::{Result, corrupt, dup};

pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: Id,
    kind: JudgeKind,
    institution: &str,
    expertise: &[String],
) -> Result<Id> {
    sqlx::query_scalar(
        "INSERT INTO judges (user_id, kind, institution, expertise) VALUES ($1, $2, $3, $4) \
         RETURNING id",
    )
    .bind(user_id)
    .bind(kind.as_str())
    .bind(institution)
    .bind(expertise.join("\n"))
    .fetch_one(ex)
    .await
    .map_err(dup("judge"))
}

pub async fn add_tie<'e>(
    ex: impl Executor<'e, Database = Any>,
    judge_id: Id,
    unit_id: Id,
) -> Result<()> {
    sqlx::query("INSERT INTO judge_ties (judge_id, unit_id) VALUES ($1, $2)")
        .bind(judge_id)
        .bind(unit_id)
        .execute(ex)
        .await
        .map_err(dup("tie"))?;
    Ok(())
}

pub async fn by_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: Id,
) -> Result<Option<Judge>> {
    let row = sqlx::query(
        "SELECT id, user_id, kind, institution, expertise FROM judges WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(ex)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let kind: String = r.try_get("kind")?;
    let expertise: String = r.try_get("expertise")?;
    Ok(Some(Judge {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        kind: JudgeKind::parse(&kind).ok_or_else(|| corrupt("judges.kind", &kind))?,
        institution: r.try_get("institution")?,
        expertise: expertise
            .lines()
            .map(str::to_owned)
            .filter(|s| !s.is_empty())
            .collect(),
    }))
}

/// Judges with their names, for the committee dashboard.
#[derive(Debug, Clone, serde::Serialize)]
pub struct JudgeRow {
    pub judge_id: Id,
    pub name: String,
    pub kind: JudgeKind,
    pub institution: String,
}

pub async fn list<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<JudgeRow>> {
    let rows = sqlx::query(
        "SELECT j.id, u.name, j.kind, j.institution FROM judges j JOIN users u ON u.id = j.user_id \
         ORDER BY j.kind, u.name",
    )
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(JudgeRow {
                judge_id: r.try_get("id")?,
                name: r.try_get("name")?,
                kind: JudgeKind::parse(&kind).ok_or_else(|| corrupt("judges.kind", &kind))?,
                institution: r.try_get("institution")?,
            })
        })
        .collect()
}
