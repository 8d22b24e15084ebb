//! The presentation & interview schedule: per-stage settings (migration 0012), one slot per
//! proposal of the stage, and what the panel checks need (active conflicts, judges' names,
//! recusals, declarations). Also the stage facts shared with field verification.

use kolabik_domain::{Id, Instant};
use sqlx::{Any, Executor, Row};

use crate::{Result, Tx};

/// A proposal taking part in a judged stage (a `stage_entries` row) with what lists need.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    pub proposal_id: Id,
    pub title: String,
    pub unit_id: Id,
    pub unit_name: String,
    pub category_name: String,
    /// Position of the category in the edition (proposals without one sort last).
    pub category_position: i64,
}

/// The proposals of a stage, in category then proposal order.
pub async fn entries<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
) -> Result<Vec<Entry>> {
    let rows = sqlx::query(
        "SELECT p.id, p.title, p.unit_id, u.name AS unit_name, \
         COALESCE(c.name, '') AS category_name, COALESCE(c.position, 1000000) AS category_position \
         FROM stage_entries se JOIN proposals p ON p.id = se.proposal_id \
         JOIN units u ON u.id = p.unit_id LEFT JOIN categories c ON c.id = p.category_id \
         WHERE se.stage_id = $1 ORDER BY category_position, p.id",
    )
    .bind(stage_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Entry {
                proposal_id: r.try_get("id")?,
                title: r.try_get("title")?,
                unit_id: r.try_get("unit_id")?,
                unit_name: r.try_get("unit_name")?,
                category_name: r.try_get("category_name")?,
                category_position: r.try_get("category_position")?,
            })
        })
        .collect()
}

/// When the stage's results were frozen (nothing about it changes after that).
pub async fn frozen_at<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
) -> Result<Option<Instant>> {
    let v: Option<Option<i64>> =
        sqlx::query_scalar("SELECT frozen_at FROM stage_judging WHERE stage_id = $1")
            .bind(stage_id)
            .fetch_optional(ex)
            .await?;
    Ok(v.flatten().map(Instant))
}

/// Active conflicts (judge, proposal) on the proposals of a stage.
pub async fn active_conflicts<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
) -> Result<Vec<(Id, Id)>> {
    let rows = sqlx::query(
        "SELECT c.judge_id, c.proposal_id FROM conflicts c \
         JOIN stage_entries se ON se.proposal_id = c.proposal_id AND se.stage_id = $1 \
         WHERE c.lifted_at IS NULL ORDER BY c.judge_id, c.proposal_id",
    )
    .bind(stage_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("judge_id")?, r.try_get("proposal_id")?)))
        .collect()
}

/// An active conflict between this judge and this proposal exists.
pub async fn has_active_conflict<'e>(
    ex: impl Executor<'e, Database = Any>,
    judge_id: Id,
    proposal_id: Id,
) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM conflicts \
         WHERE judge_id = $1 AND proposal_id = $2 AND lifted_at IS NULL",
    )
    .bind(judge_id)
    .bind(proposal_id)
    .fetch_one(ex)
    .await?;
    Ok(n > 0)
}

/// (judge id, name) of every judge of the pool.
pub async fn judge_names<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<(Id, String)>> {
    let rows = sqlx::query("SELECT j.id, u.name FROM judges j JOIN users u ON u.id = j.user_id")
        .fetch_all(ex)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect()
}

/// Proposals a committee member has stepped aside from (active recusals).
pub async fn recused_proposals<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: Id,
) -> Result<Vec<Id>> {
    Ok(sqlx::query_scalar(
        "SELECT proposal_id FROM committee_recusals WHERE user_id = $1 AND lifted_at IS NULL",
    )
    .bind(user_id)
    .fetch_all(ex)
    .await?)
}

/// The judge completed the conflict declaration for the edition.
pub async fn judge_declared<'e>(
    ex: impl Executor<'e, Database = Any>,
    edition_id: Id,
    judge_id: Id,
) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM edition_judges \
         WHERE edition_id = $1 AND judge_id = $2 AND declared_at IS NOT NULL",
    )
    .bind(edition_id)
    .bind(judge_id)
    .fetch_one(ex)
    .await?;
    Ok(n > 0)
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Settings {
    pub stage_id: Id,
    pub talk_minutes: i64,
    pub video_minutes: i64,
    pub qa_minutes: i64,
    pub break_minutes: i64,
    /// The first start last used to generate (`YYYY-MM-DDTHH:MM`, edition zone), or empty.
    pub start_local: String,
    /// `HH:MM` by which a day's slots end, or empty for none.
    pub day_end: String,
    pub meeting_url: String,
    pub room: String,
    pub published_at: Option<Instant>,
    pub updated_at: Instant,
}

impl Settings {
    /// What a stage without a settings row uses.
    pub fn defaults(stage_id: Id) -> Settings {
        Settings {
            stage_id,
            talk_minutes: 10,
            video_minutes: 3,
            qa_minutes: 20,
            break_minutes: 0,
            start_local: String::new(),
            day_end: String::new(),
            meeting_url: String::new(),
            room: String::new(),
            published_at: None,
            updated_at: Instant(0),
        }
    }
}

pub async fn settings<'e>(ex: impl Executor<'e, Database = Any>, stage_id: Id) -> Result<Settings> {
    let row = sqlx::query(
        "SELECT stage_id, talk_minutes, video_minutes, qa_minutes, break_minutes, start_local, \
         day_end, meeting_url, room, published_at, updated_at FROM presentation_settings \
         WHERE stage_id = $1",
    )
    .bind(stage_id)
    .fetch_optional(ex)
    .await?;
    let Some(r) = row else {
        return Ok(Settings::defaults(stage_id));
    };
    Ok(Settings {
        stage_id: r.try_get("stage_id")?,
        talk_minutes: r.try_get("talk_minutes")?,
        video_minutes: r.try_get("video_minutes")?,
        qa_minutes: r.try_get("qa_minutes")?,
        break_minutes: r.try_get("break_minutes")?,
        start_local: r.try_get("start_local")?,
        day_end: r.try_get("day_end")?,
        meeting_url: r.try_get("meeting_url")?,
        room: r.try_get("room")?,
        published_at: r.try_get::<Option<i64>, _>("published_at")?.map(Instant),
        updated_at: Instant(r.try_get("updated_at")?),
    })
}

/// Writes the settings (publication included) of a stage.
pub async fn save_settings(tx: &mut Tx, s: &Settings, published_by: Option<Id>) -> Result<()> {
    sqlx::query("DELETE FROM presentation_settings WHERE stage_id = $1")
        .bind(s.stage_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO presentation_settings (stage_id, talk_minutes, video_minutes, qa_minutes, \
         break_minutes, start_local, day_end, meeting_url, room, published_at, published_by, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(s.stage_id)
    .bind(s.talk_minutes)
    .bind(s.video_minutes)
    .bind(s.qa_minutes)
    .bind(s.break_minutes)
    .bind(&s.start_local)
    .bind(&s.day_end)
    .bind(&s.meeting_url)
    .bind(&s.room)
    .bind(s.published_at.map(Instant::millis))
    .bind(published_by)
    .bind(s.updated_at.millis())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Slot {
    pub id: Id,
    pub stage_id: Id,
    pub proposal_id: Id,
    pub title: String,
    pub unit_id: Id,
    pub unit_name: String,
    pub category_name: String,
    pub starts_at: Instant,
    pub talk_minutes: i64,
    pub video_minutes: i64,
    pub qa_minutes: i64,
    pub meeting_url: String,
    pub room: String,
}

impl Slot {
    pub fn ends_at(&self) -> Instant {
        Instant(self.starts_at.0 + (self.talk_minutes + self.qa_minutes) * 60_000)
    }
}

const SLOT_SELECT: &str = "SELECT s.id, s.stage_id, s.proposal_id, p.title, p.unit_id, \
    u.name AS unit_name, COALESCE(c.name, '') AS category_name, s.starts_at, s.talk_minutes, \
    s.video_minutes, s.qa_minutes, s.meeting_url, s.room FROM presentation_slots s \
    JOIN proposals p ON p.id = s.proposal_id JOIN units u ON u.id = p.unit_id \
    LEFT JOIN categories c ON c.id = p.category_id";

fn slot_row(r: &crate::AnyRow) -> Result<Slot> {
    Ok(Slot {
        id: r.try_get("id")?,
        stage_id: r.try_get("stage_id")?,
        proposal_id: r.try_get("proposal_id")?,
        title: r.try_get("title")?,
        unit_id: r.try_get("unit_id")?,
        unit_name: r.try_get("unit_name")?,
        category_name: r.try_get("category_name")?,
        starts_at: Instant(r.try_get("starts_at")?),
        talk_minutes: r.try_get("talk_minutes")?,
        video_minutes: r.try_get("video_minutes")?,
        qa_minutes: r.try_get("qa_minutes")?,
        meeting_url: r.try_get("meeting_url")?,
        room: r.try_get("room")?,
    })
}

/// Every slot of a stage, by start.
pub async fn slots<'e>(ex: impl Executor<'e, Database = Any>, stage_id: Id) -> Result<Vec<Slot>> {
    let sql = format!("{SLOT_SELECT} WHERE s.stage_id = $1 ORDER BY s.starts_at, s.id");
    let rows = sqlx::query(&sql).bind(stage_id).fetch_all(ex).await?;
    rows.iter().map(slot_row).collect()
}

pub async fn slot<'e>(ex: impl Executor<'e, Database = Any>, id: Id) -> Result<Option<Slot>> {
    let sql = format!("{SLOT_SELECT} WHERE s.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(ex).await?;
    row.as_ref().map(slot_row).transpose()
}

/// The slot of one proposal in a stage.
pub async fn slot_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
    proposal_id: Id,
) -> Result<Option<Slot>> {
    let sql = format!("{SLOT_SELECT} WHERE s.stage_id = $1 AND s.proposal_id = $2");
    let row = sqlx::query(&sql)
        .bind(stage_id)
        .bind(proposal_id)
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(slot_row).transpose()
}

/// The slots of a stage whose panel includes this judge, without any proposal the judge
/// has an active conflict with.
pub async fn slots_of_judge<'e>(
    ex: impl Executor<'e, Database = Any>,
    stage_id: Id,
    judge_id: Id,
) -> Result<Vec<Slot>> {
    let sql = format!(
        "{SLOT_SELECT} WHERE s.stage_id = $1 AND EXISTS (SELECT 1 FROM assignments a \
         WHERE a.stage_id = s.stage_id AND a.proposal_id = s.proposal_id AND a.judge_id = $2 \
         AND {}) ORDER BY s.starts_at, s.id",
        crate::assignments::NO_ACTIVE_CONFLICT
    );
    let rows = sqlx::query(&sql)
        .bind(stage_id)
        .bind(judge_id)
        .fetch_all(ex)
        .await?;
    rows.iter().map(slot_row).collect()
}

/// A slot to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSlot<'a> {
    pub proposal_id: Id,
    pub starts_at: Instant,
    pub talk_minutes: i64,
    pub video_minutes: i64,
    pub qa_minutes: i64,
    pub meeting_url: &'a str,
    pub room: &'a str,
}

/// Replaces every slot of a stage.
pub async fn replace_slots(
    tx: &mut Tx,
    stage_id: Id,
    slots: &[NewSlot<'_>],
    now: Instant,
) -> Result<()> {
    sqlx::query("DELETE FROM presentation_slots WHERE stage_id = $1")
        .bind(stage_id)
        .execute(&mut **tx)
        .await?;
    for s in slots {
        sqlx::query(
            "INSERT INTO presentation_slots (stage_id, proposal_id, starts_at, talk_minutes, \
             video_minutes, qa_minutes, meeting_url, room, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(stage_id)
        .bind(s.proposal_id)
        .bind(s.starts_at.millis())
        .bind(s.talk_minutes)
        .bind(s.video_minutes)
        .bind(s.qa_minutes)
        .bind(s.meeting_url)
        .bind(s.room)
        .bind(now.millis())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Changes one slot's time, shape, link and room.
pub async fn update_slot(tx: &mut Tx, id: Id, s: &NewSlot<'_>) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE presentation_slots SET starts_at = $1, talk_minutes = $2, video_minutes = $3, \
         qa_minutes = $4, meeting_url = $5, room = $6 WHERE id = $7",
    )
    .bind(s.starts_at.millis())
    .bind(s.talk_minutes)
    .bind(s.video_minutes)
    .bind(s.qa_minutes)
    .bind(s.meeting_url)
    .bind(s.room)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}
