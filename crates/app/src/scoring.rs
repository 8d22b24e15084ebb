//! Judging a stage: the committee's settings and rubric per judged stage, the judge's queue
//! and score sheets (save, submit, locked until reopened), blind stages, and the committee's
//! progress view.
//!
//! Visibility rules kept here, for pages and the API alike: a judge sees a proposal only
//! through an assignment without an active conflict (`assignments::visible_pair`) and only
//! after completing the declaration; no judge sees another judge's scores before the stage
//! closes or is frozen; a committee member with an active recusal does not see the
//! proposal; a frozen stage changes no more.

use std::collections::HashMap;

use kolabik_domain::edition::{DeadlineRefusal, check_window};
use kolabik_domain::rubric::Rubric;
use kolabik_domain::scoring::{Sheet, SheetCheck, SheetEntry, weighted_total};
use kolabik_domain::{Edition, Id, Instant, Judge, Stage, StageKind, StageStatus, TimeZone};
use kolabik_store::announcements::FileMeta;
use kolabik_store::assignments::{self, Assignment};
use kolabik_store::notifications::{self, NewNotice};
use kolabik_store::proposal_content::{self as pc, EditableProposal};
use kolabik_store::sheets::{self, SheetRow};
use kolabik_store::stage_judging::{self, StageJudging};
use kolabik_store::{Tx, editions, judges, proposal_files as pf};
use serde_json::json;

use crate::{Actor, App, AppError, FieldError, record};

/// What replaces a unit's identity in a blind stage.
pub const REDACTED: &str = "•••";

fn invalid(field: &'static str, key: &'static str) -> AppError {
    AppError::Invalid(vec![FieldError { field, key }])
}

/// The stage's settings as the committee edits them (form strings; the API converts).
#[derive(Debug, Clone, Default)]
pub struct SettingsInput {
    pub blind: bool,
    pub reviews_per_proposal: String,
    pub min_academic: String,
    pub min_practitioner: String,
    pub max_load: String,
    /// Percent, e.g. "40" or "12,5".
    pub final_weight: String,
    /// Empty: no top-N promotion.
    pub promote_top_n: String,
    /// Empty: no passing grade.
    pub passing_grade: String,
    pub disagreement_threshold: String,
}

impl SettingsInput {
    pub fn from_settings(s: &StageJudging) -> SettingsInput {
        SettingsInput {
            blind: s.blind,
            reviews_per_proposal: s.reviews_per_proposal.to_string(),
            min_academic: s.min_academic.to_string(),
            min_practitioner: s.min_practitioner.to_string(),
            max_load: s.max_load.to_string(),
            final_weight: kolabik_domain::rubric::format_percent(
                u32::try_from(s.final_weight_bp).unwrap_or(0),
            ),
            promote_top_n: s.promote_top_n.map(|n| n.to_string()).unwrap_or_default(),
            passing_grade: s.passing_grade.map(fmt_number).unwrap_or_default(),
            disagreement_threshold: fmt_number(s.disagreement_threshold),
        }
    }
}

/// 70 → "70", 72.5 → "72.5".
pub fn fmt_number(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        r.to_string()
    }
}

fn int_in(raw: &str, lo: i64, hi: i64) -> Option<i64> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (lo..=hi).contains(n))
}

fn num_in(raw: &str, lo: f64, hi: f64) -> Option<f64> {
    raw.trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= lo && *n <= hi)
}

/// Parses and checks the settings; every problem at once.
pub fn parse_settings(
    input: &SettingsInput,
    base: &StageJudging,
) -> Result<StageJudging, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut err = |field, key| errors.push(FieldError { field, key });
    let reviews = int_in(&input.reviews_per_proposal, 1, 20);
    if reviews.is_none() {
        err("reviews_per_proposal", "scoring.settings.error_reviews");
    }
    let min_academic = int_in(&input.min_academic, 0, 20);
    if min_academic.is_none() {
        err("min_academic", "scoring.settings.error_minimum");
    }
    let min_practitioner = int_in(&input.min_practitioner, 0, 20);
    if min_practitioner.is_none() {
        err("min_practitioner", "scoring.settings.error_minimum");
    }
    if let (Some(r), Some(a), Some(p)) = (reviews, min_academic, min_practitioner)
        && a + p > r
    {
        err("min_practitioner", "scoring.settings.error_minimum_sum");
    }
    let max_load = int_in(&input.max_load, 1, 1000);
    if max_load.is_none() {
        err("max_load", "scoring.settings.error_max_load");
    }
    let weight = kolabik_domain::rubric::parse_percent_bp(&input.final_weight).ok();
    if weight.is_none() {
        err("final_weight", "scoring.settings.error_final_weight");
    }
    let top_n = if input.promote_top_n.trim().is_empty() {
        Some(None)
    } else {
        int_in(&input.promote_top_n, 1, 1000).map(Some)
    };
    if top_n.is_none() {
        err("promote_top_n", "scoring.settings.error_top_n");
    }
    let grade = if input.passing_grade.trim().is_empty() {
        Some(None)
    } else {
        num_in(&input.passing_grade, 0.0, 100.0).map(Some)
    };
    if grade.is_none() {
        err("passing_grade", "scoring.settings.error_passing_grade");
    }
    let threshold = num_in(&input.disagreement_threshold, 0.0, 100.0);
    if threshold.is_none() {
        err("disagreement_threshold", "scoring.settings.error_threshold");
    }
    match (
        reviews,
        min_academic,
        min_practitioner,
        max_load,
        weight,
        top_n,
        grade,
        threshold,
    ) {
        (Some(r), Some(a), Some(p), Some(m), Some(w), Some(t), Some(g), Some(d))
            if errors.is_empty() =>
        {
            Ok(StageJudging {
                blind: input.blind,
                reviews_per_proposal: r,
                min_academic: a,
                min_practitioner: p,
                max_load: m,
                final_weight_bp: i64::from(w),
                promote_top_n: t,
                passing_grade: g,
                disagreement_threshold: d,
                ..base.clone()
            })
        }
        _ => Err(errors),
    }
}

/// A judged stage with its settings, as the committee's pages show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct JudgingView {
    pub stage: Stage,
    pub time_zone: TimeZone,
    pub settings: StageJudging,
    pub rubric: Rubric,
    /// The stage has opened: the rubric can no longer change.
    pub rubric_locked: bool,
}

/// One proposal of a judge's queue.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QueueItem {
    pub proposal_id: Id,
    /// Redacted in a blind stage.
    pub title: String,
    /// `not_started`, `draft` or `submitted`.
    pub state: &'static str,
    pub total: Option<f64>,
    pub reopened: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct QueueStage {
    pub stage: Stage,
    pub status: StageStatus,
    pub frozen: bool,
    pub blind: bool,
    pub items: Vec<QueueItem>,
    pub submitted: usize,
}

impl QueueStage {
    /// Progress in percent, for the bar.
    pub fn percent(&self) -> usize {
        (self.submitted * 100)
            .checked_div(self.items.len())
            .unwrap_or(0)
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct JudgeQueue {
    /// The judge completed the conflict declaration; nothing is listed before.
    pub declared: bool,
    pub time_zone: TimeZone,
    pub stages: Vec<QueueStage>,
}

/// An attachment as a judge sees it: under a neutral name in a blind stage.
#[derive(Debug, Clone, serde::Serialize)]
pub struct JudgeAttachment {
    pub file_id: Id,
    pub label: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
}

/// One score sheet as its judge sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SheetView {
    pub stage: Stage,
    pub time_zone: TimeZone,
    pub blind: bool,
    pub proposal_id: Id,
    /// The proposal's content, with the unit's identity redacted in a blind stage.
    pub content: kolabik_domain::proposal::ProposalContent,
    /// Empty in a blind stage.
    pub unit_name: String,
    pub attachments: Vec<JudgeAttachment>,
    pub rubric: Rubric,
    pub sheet: Sheet,
    /// `not_started`, `draft` or `submitted`.
    pub state: &'static str,
    pub total: Option<f64>,
    pub submitted_at: Option<Instant>,
    pub reopened_at: Option<Instant>,
    pub frozen: bool,
    /// Why saving is refused now because of the stage window, if it is.
    pub window: Option<DeadlineRefusal>,
    /// Save and submit are possible now.
    pub editable: bool,
}

/// A judge's sheet cell on the committee's progress view.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProgressCell {
    pub assignment_id: Id,
    pub judge_id: Id,
    pub judge_name: String,
    pub sheet_id: Option<Id>,
    pub state: &'static str,
    pub total: Option<f64>,
    pub reopened: bool,
    /// The scores and comments so far (the committee sees every sheet).
    pub sheet: Option<Sheet>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ProgressRow {
    pub proposal_id: Id,
    pub title: String,
    pub unit_name: String,
    pub cells: Vec<ProgressCell>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Progress {
    pub stage: Stage,
    pub time_zone: TimeZone,
    pub status: StageStatus,
    pub frozen: bool,
    pub blind: bool,
    pub rows: Vec<ProgressRow>,
    pub assigned: usize,
    pub submitted: usize,
    pub drafts: usize,
    pub not_started: usize,
}

/// A sheet as the stage's sheet list shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StageSheet {
    pub sheet_id: Id,
    pub proposal_id: Id,
    pub judge_id: Id,
    pub state: String,
    pub total: Option<f64>,
    pub submitted_at: Option<Instant>,
    pub sheet: Sheet,
}

fn state_of(row: Option<&SheetRow>) -> &'static str {
    match row {
        None => "not_started",
        Some(r) if r.submitted() => "submitted",
        Some(_) => "draft",
    }
}

/// Replaces every occurrence of each identity string (case-insensitively, ASCII folding)
/// in `text`.
pub fn redact(text: &str, identity: &[String]) -> String {
    let mut out = text.to_owned();
    for needle in identity {
        let needle = needle.trim();
        if needle.chars().count() < 3 {
            continue;
        }
        let lower_needle = needle.to_ascii_lowercase();
        let mut result = String::with_capacity(out.len());
        let lower = out.to_ascii_lowercase();
        let mut i = 0;
        while let Some(pos) = lower[i..].find(&lower_needle) {
            result.push_str(&out[i..i + pos]);
            result.push_str(REDACTED);
            i += pos + lower_needle.len();
        }
        result.push_str(&out[i..]);
        out = result;
    }
    out
}

fn redact_json(v: &mut serde_json::Value, identity: &[String]) {
    match v {
        serde_json::Value::String(s) => *s = redact(s, identity),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|i| redact_json(i, identity)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|i| redact_json(i, identity)),
        _ => {}
    }
}

fn redact_content(
    content: &kolabik_domain::proposal::ProposalContent,
    identity: &[String],
) -> kolabik_domain::proposal::ProposalContent {
    let mut v = json!(content);
    redact_json(&mut v, identity);
    serde_json::from_value(v).unwrap_or_default()
}

fn extension(content_type: &str) -> &'static str {
    match content_type {
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        _ => "bin",
    }
}

/// The sheet in rubric order with every criterion present (unscored as `None`); entries
/// for unknown criteria are dropped by validation before this is called.
fn normalise(rubric: &Rubric, sheet: &Sheet) -> Sheet {
    Sheet {
        entries: rubric
            .criteria
            .iter()
            .map(|c| {
                let e = sheet.entries.iter().find(|e| e.criterion == c.code);
                SheetEntry {
                    criterion: c.code.clone(),
                    score: e.and_then(|e| e.score),
                    comment: e.map(|e| e.comment.trim().to_owned()).unwrap_or_default(),
                }
            })
            .collect(),
        overall_comment: sheet.overall_comment.trim().to_owned(),
    }
}

/// Sheet errors as field errors (the page and API show every problem; the page also names
/// each criterion through the domain's errors).
fn sheet_field_errors(errors: &[kolabik_domain::SheetError]) -> Vec<FieldError> {
    let mut out: Vec<FieldError> = Vec::new();
    for e in errors {
        let fe = FieldError {
            field: "scores",
            key: e.key(),
        };
        if !out.contains(&fe) {
            out.push(fe);
        }
    }
    out
}

/// Rubric errors as field errors.
pub fn rubric_field_errors(errors: &[kolabik_domain::RubricError]) -> Vec<FieldError> {
    let mut out: Vec<FieldError> = Vec::new();
    for e in errors {
        let fe = FieldError {
            field: "criteria",
            key: e.key(),
        };
        if !out.contains(&fe) {
            out.push(fe);
        }
    }
    out
}

impl App {
    /// The current edition's judged stage named by its kind code.
    pub async fn judged_stage(&self, code: &str) -> Result<(Edition, Stage), AppError> {
        let kind = StageKind::parse_judged(code).ok_or(AppError::NotFound)?;
        self.current_stage_of_kind(kind).await
    }

    /// A judged stage's settings, created with the default rubric of its kind on first
    /// read. Other features (assignment, results, presentation) read the panel rules here.
    pub async fn stage_judging_for(&self, stage: &Stage) -> Result<StageJudging, AppError> {
        let mut tx = self.db.begin().await?;
        let sj = stage_judging::get_or_default(&mut tx, stage, self.now())
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(sj)
    }

    /// The committee's view of a judged stage's settings and rubric.
    pub async fn stage_judging(&self, code: &str) -> Result<JudgingView, AppError> {
        let (edition, stage) = self.judged_stage(code).await?;
        let settings = self.stage_judging_for(&stage).await?;
        let rubric = settings
            .rubric()
            .or_else(|| Rubric::default_for(stage.kind))
            .ok_or(AppError::NotFound)?;
        Ok(JudgingView {
            rubric_locked: self.now() >= stage.opens_at,
            stage,
            time_zone: edition.time_zone,
            settings,
            rubric,
        })
    }

    pub async fn save_stage_settings(
        &self,
        code: &str,
        input: &SettingsInput,
        actor: &Actor,
    ) -> Result<(), AppError> {
        let (_, stage) = self.judged_stage(code).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = stage_judging::get_or_default(&mut tx, &stage, now)
            .await?
            .ok_or(AppError::NotFound)?;
        if before.frozen_at.is_some() {
            return Err(invalid("blind", "scoring.error_frozen"));
        }
        let after = parse_settings(input, &before).map_err(AppError::Invalid)?;
        stage_judging::update_settings(&mut *tx, &after, now).await?;
        let summary = |s: &StageJudging| {
            json!({
                "blind": s.blind,
                "reviews_per_proposal": s.reviews_per_proposal,
                "min_academic": s.min_academic,
                "min_practitioner": s.min_practitioner,
                "max_load": s.max_load,
                "final_weight_bp": s.final_weight_bp,
                "promote_top_n": s.promote_top_n,
                "passing_grade": s.passing_grade,
                "disagreement_threshold": s.disagreement_threshold,
            })
        };
        record(
            &mut tx,
            actor,
            now,
            "stage_judging.settings_changed",
            "stage",
            Some(stage.id.to_string()),
            Some(summary(&before)),
            Some(summary(&after)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces the stage's rubric; refused once the stage has opened (`scoring.rubric_locked`,
    /// the opening instant is the stage's `opens_at`).
    pub async fn save_rubric(
        &self,
        code: &str,
        rubric: &Rubric,
        actor: &Actor,
    ) -> Result<(), AppError> {
        let (_, stage) = self.judged_stage(code).await?;
        let now = self.now();
        if now >= stage.opens_at {
            return Err(invalid("criteria", "scoring.rubric_locked"));
        }
        rubric
            .validate()
            .map_err(|e| AppError::Invalid(rubric_field_errors(&e)))?;
        let mut tx = self.db.begin().await?;
        let before = stage_judging::get_or_default(&mut tx, &stage, now)
            .await?
            .ok_or(AppError::NotFound)?;
        if before.frozen_at.is_some() {
            return Err(invalid("criteria", "scoring.error_frozen"));
        }
        stage_judging::set_rubric(&mut *tx, stage.id, rubric, now).await?;
        let before_json: serde_json::Value =
            serde_json::from_str(&before.rubric_json).unwrap_or(serde_json::Value::Null);
        record(
            &mut tx,
            actor,
            now,
            "stage_judging.rubric_changed",
            "stage",
            Some(stage.id.to_string()),
            Some(json!({ "rubric": before_json })),
            Some(json!({ "rubric": rubric })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Puts back the national default rubric of the stage's kind (same rules as saving).
    pub async fn reset_rubric(&self, code: &str, actor: &Actor) -> Result<(), AppError> {
        let (_, stage) = self.judged_stage(code).await?;
        let rubric = Rubric::default_for(stage.kind).ok_or(AppError::NotFound)?;
        self.save_rubric(code, &rubric, actor).await
    }

    /// The judge behind a user and whether they have declared in the edition. A judge
    /// with the role but no `edition_judges` row is active and not yet declared.
    async fn judge_of(
        &self,
        user_id: Id,
        edition_id: Id,
    ) -> Result<Option<(Judge, bool)>, AppError> {
        let Some(judge) = judges::by_user(self.db.pool(), user_id).await? else {
            return Ok(None);
        };
        let declared = matches!(
            sheets::declared_at(self.db.pool(), edition_id, judge.id).await?,
            Some(Some(_))
        );
        Ok(Some((judge, declared)))
    }

    /// The declared judge's visible assignment to a proposal in a judged stage, or
    /// `NotFound` — for a judge without a declaration too.
    async fn judge_assignment(
        &self,
        code: &str,
        proposal_id: Id,
        user_id: Id,
    ) -> Result<(Edition, Stage, Judge, Assignment), AppError> {
        let (edition, stage) = self.judged_stage(code).await?;
        let Some((judge, true)) = self.judge_of(user_id, edition.id).await? else {
            return Err(AppError::NotFound);
        };
        let a = assignments::visible_pair(self.db.pool(), stage.id, judge.id, proposal_id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok((edition, stage, judge, a))
    }

    /// The judge's queue: per judged stage, the visible assignments with each sheet's
    /// state. Empty and `declared: false` before the declaration.
    pub async fn judge_queue(&self, user_id: Id) -> Result<JudgeQueue, AppError> {
        let edition = self.ensure_current_edition().await?;
        let time_zone = edition.time_zone;
        let Some((judge, declared)) = self.judge_of(user_id, edition.id).await? else {
            return Ok(JudgeQueue {
                declared: false,
                time_zone,
                stages: Vec::new(),
            });
        };
        if !declared {
            return Ok(JudgeQueue {
                declared,
                time_zone,
                stages: Vec::new(),
            });
        }
        let now = self.now();
        let pool = self.db.pool();
        let titles: HashMap<Id, (String, Id)> = sheets::titles(pool, edition.id)
            .await?
            .into_iter()
            .map(|(id, title, unit_id, _)| (id, (title, unit_id)))
            .collect();
        let mut stages = Vec::new();
        for stage in editions::stages(pool, edition.id).await? {
            if !StageKind::JUDGED.contains(&stage.kind) {
                continue;
            }
            let visible = assignments::visible_to_judge(pool, stage.id, judge.id).await?;
            if visible.is_empty() {
                continue;
            }
            let sj = self.stage_judging_for(&stage).await?;
            let mine: HashMap<Id, SheetRow> = sheets::for_judge(pool, stage.id, judge.id)
                .await?
                .into_iter()
                .map(|s| (s.assignment_id, s))
                .collect();
            let mut items = Vec::new();
            for a in &visible {
                let row = mine.get(&a.id);
                let (title, unit_id) = titles.get(&a.proposal_id).cloned().unwrap_or_default();
                let title = if sj.blind {
                    redact(&title, &sheets::unit_identity(pool, unit_id).await?)
                } else {
                    title
                };
                items.push(QueueItem {
                    proposal_id: a.proposal_id,
                    title,
                    state: state_of(row),
                    total: row.and_then(|r| r.total),
                    reopened: row.is_some_and(|r| r.reopened_at.is_some() && !r.submitted()),
                });
            }
            let submitted = items.iter().filter(|i| i.state == "submitted").count();
            stages.push(QueueStage {
                status: stage.status(now),
                stage,
                frozen: sj.frozen_at.is_some(),
                blind: sj.blind,
                items,
                submitted,
            });
        }
        Ok(JudgeQueue {
            declared,
            time_zone,
            stages,
        })
    }

    /// One sheet as its judge sees it (404 without a visible assignment or declaration).
    pub async fn judge_sheet(
        &self,
        code: &str,
        proposal_id: Id,
        user_id: Id,
    ) -> Result<SheetView, AppError> {
        let (edition, stage, _judge, a) = self.judge_assignment(code, proposal_id, user_id).await?;
        let sj = self.stage_judging_for(&stage).await?;
        let rubric = sj
            .rubric()
            .ok_or_else(|| AppError::Internal("stored rubric unreadable".into()))?;
        let mut tx = self.db.begin().await?;
        let p: EditableProposal = pc::load(&mut tx, proposal_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let row = sheets::for_assignment(&mut *tx, a.id).await?;
        let files = pf::list(&mut *tx, proposal_id).await?;
        let identity = if sj.blind {
            sheets::unit_identity(&mut *tx, p.unit_id).await?
        } else {
            Vec::new()
        };
        tx.commit().await?;
        let attachments = files
            .into_iter()
            .enumerate()
            .map(|(i, f)| JudgeAttachment {
                file_id: f.file.id,
                label: if sj.blind {
                    redact(&f.label, &identity)
                } else {
                    f.label
                },
                filename: if sj.blind {
                    format!("lampiran-{}.{}", i + 1, extension(&f.file.content_type))
                } else {
                    f.file.filename
                },
                content_type: f.file.content_type,
                size_bytes: f.file.size_bytes,
            })
            .collect();
        let sheet = row
            .as_ref()
            .and_then(|r| serde_json::from_str::<Sheet>(&r.scores_json).ok())
            .map(|s| normalise(&rubric, &s))
            .unwrap_or_else(|| normalise(&rubric, &Sheet::default()));
        let now = self.now();
        let window = check_window(Some((stage.opens_at, stage.closes_at)), None, now).err();
        let frozen = sj.frozen_at.is_some();
        let submitted = row.as_ref().is_some_and(SheetRow::submitted);
        Ok(SheetView {
            time_zone: edition.time_zone,
            blind: sj.blind,
            proposal_id,
            content: if sj.blind {
                redact_content(&p.content, &identity)
            } else {
                p.content
            },
            unit_name: if sj.blind { String::new() } else { p.unit_name },
            attachments,
            rubric,
            sheet,
            state: state_of(row.as_ref()),
            total: row.as_ref().and_then(|r| r.total),
            submitted_at: row.as_ref().and_then(|r| r.submitted_at),
            reopened_at: row.as_ref().and_then(|r| r.reopened_at),
            frozen,
            editable: window.is_none() && !frozen && !submitted,
            window,
            stage,
        })
    }

    /// Saves a draft (partial allowed) or submits (every criterion scored; the weighted
    /// total stored). Only while the stage is open and not frozen, and only while the sheet
    /// is not submitted. Returns the total on submit.
    #[allow(clippy::too_many_arguments)]
    pub async fn save_judge_sheet(
        &self,
        code: &str,
        proposal_id: Id,
        user_id: Id,
        sheet: &Sheet,
        submit: bool,
        actor: &Actor,
    ) -> Result<Option<f64>, AppError> {
        let (edition, stage, judge, a) = self.judge_assignment(code, proposal_id, user_id).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let sj = stage_judging::get_or_default(&mut tx, &stage, now)
            .await?
            .ok_or(AppError::NotFound)?;
        if sj.frozen_at.is_some() {
            return Err(invalid("scores", "scoring.error_frozen"));
        }
        check_window(Some((stage.opens_at, stage.closes_at)), None, now)
            .map_err(|r| AppError::Deadline(r, edition.time_zone))?;
        let existing = sheets::for_assignment(&mut *tx, a.id).await?;
        if existing.as_ref().is_some_and(SheetRow::submitted) {
            return Err(invalid("scores", "scoring.sheet_locked"));
        }
        let rubric = sj
            .rubric()
            .ok_or_else(|| AppError::Internal("stored rubric unreadable".into()))?;
        let check = if submit {
            SheetCheck::Submit
        } else {
            SheetCheck::Save
        };
        sheet
            .validate(&rubric, check)
            .map_err(|e| AppError::Invalid(sheet_field_errors(&e)))?;
        let sheet = normalise(&rubric, sheet);
        let total = if submit {
            Some(
                weighted_total(&rubric, &sheet)
                    .ok_or_else(|| invalid("scores", "score_sheet.error_missing"))?,
            )
        } else {
            None
        };
        let scores_json =
            serde_json::to_string(&sheet).map_err(|e| AppError::Internal(e.to_string()))?;
        sheets::write(&mut *tx, a.id, &scores_json, total, submit, now).await?;
        record(
            &mut tx,
            actor,
            now,
            if submit {
                "score_sheet.submitted"
            } else {
                "score_sheet.saved"
            },
            "assignment",
            Some(a.id.to_string()),
            existing
                .as_ref()
                .map(|e| json!({"state": e.state, "total": e.total})),
            Some(json!({
                "stage": stage.kind.as_str(),
                "proposal_id": proposal_id,
                "judge_id": judge.id,
                "state": if submit { "submitted" } else { "draft" },
                "total": total,
                "sheet": sheet,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(total)
    }

    /// An attachment of a proposal the judge may see, under a neutral name in a blind stage.
    pub async fn judge_attachment(
        &self,
        code: &str,
        proposal_id: Id,
        file_id: Id,
        user_id: Id,
    ) -> Result<(FileMeta, Vec<u8>), AppError> {
        let view = self.judge_sheet(code, proposal_id, user_id).await?;
        let shown = view
            .attachments
            .iter()
            .find(|a| a.file_id == file_id)
            .ok_or(AppError::NotFound)?;
        let (mut meta, bytes) = pf::content(self.db.pool(), proposal_id, file_id)
            .await?
            .ok_or(AppError::NotFound)?;
        meta.filename = shown.filename.clone();
        Ok((meta, bytes))
    }

    /// The committee's progress view of a stage: per proposal its judges and each sheet's
    /// state and total. Proposals the member has stepped aside from are left out.
    pub async fn stage_progress(
        &self,
        code: &str,
        user_id: Option<Id>,
    ) -> Result<Progress, AppError> {
        let (edition, stage) = self.judged_stage(code).await?;
        let sj = self.stage_judging_for(&stage).await?;
        let pool = self.db.pool();
        let recused = match user_id {
            Some(u) => sheets::recused_proposals(pool, u).await?,
            None => Vec::new(),
        };
        let titles: HashMap<Id, (String, String)> = sheets::titles(pool, edition.id)
            .await?
            .into_iter()
            .map(|(id, title, _, unit)| (id, (title, unit)))
            .collect();
        let names: HashMap<Id, String> = sheets::judge_names(pool, stage.id)
            .await?
            .into_iter()
            .map(|j| (j.judge_id, j.name))
            .collect();
        let by_assignment: HashMap<Id, SheetRow> = sheets::for_stage(pool, stage.id)
            .await?
            .into_iter()
            .map(|s| (s.assignment_id, s))
            .collect();
        let mut rows: Vec<ProgressRow> = Vec::new();
        for a in assignments::for_stage(pool, stage.id).await? {
            if recused.contains(&a.proposal_id) {
                continue;
            }
            let row = by_assignment.get(&a.id);
            let cell = ProgressCell {
                assignment_id: a.id,
                judge_id: a.judge_id,
                judge_name: names.get(&a.judge_id).cloned().unwrap_or_default(),
                sheet_id: row.map(|r| r.id),
                state: state_of(row),
                total: row.and_then(|r| r.total),
                reopened: row.is_some_and(|r| r.reopened_at.is_some()),
                sheet: row.and_then(|r| serde_json::from_str(&r.scores_json).ok()),
            };
            match rows.last_mut() {
                Some(last) if last.proposal_id == a.proposal_id => last.cells.push(cell),
                _ => {
                    let (title, unit_name) =
                        titles.get(&a.proposal_id).cloned().unwrap_or_default();
                    rows.push(ProgressRow {
                        proposal_id: a.proposal_id,
                        title,
                        unit_name,
                        cells: vec![cell],
                    });
                }
            }
        }
        let cells = rows.iter().flat_map(|r| r.cells.iter());
        let (mut submitted, mut drafts, mut not_started) = (0, 0, 0);
        for c in cells {
            match c.state {
                "submitted" => submitted += 1,
                "draft" => drafts += 1,
                _ => not_started += 1,
            }
        }
        Ok(Progress {
            status: stage.status(self.now()),
            stage,
            time_zone: edition.time_zone,
            frozen: sj.frozen_at.is_some(),
            blind: sj.blind,
            assigned: submitted + drafts + not_started,
            rows,
            submitted,
            drafts,
            not_started,
        })
    }

    /// Unlocks a submitted sheet so its judge can change it: a reason is required, the
    /// change is logged and the judge notified in-app.
    pub async fn reopen_sheet(
        &self,
        code: &str,
        sheet_id: Id,
        reason: &str,
        actor: &Actor,
    ) -> Result<(), AppError> {
        let (_, stage) = self.judged_stage(code).await?;
        let reason = reason.trim();
        if reason.chars().count() < 5 || reason.chars().count() > 1000 {
            return Err(invalid("reason", "scoring.error_reopen_reason"));
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let sheet = sheets::get(&mut *tx, sheet_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let a = assignments::get(&mut *tx, sheet.assignment_id)
            .await?
            .filter(|a| a.stage_id == stage.id)
            .ok_or(AppError::NotFound)?;
        if let Some(u) = actor.user_id
            && sheets::recused_proposals(&mut *tx, u)
                .await?
                .contains(&a.proposal_id)
        {
            return Err(AppError::NotFound);
        }
        let sj = stage_judging::get_or_default(&mut tx, &stage, now)
            .await?
            .ok_or(AppError::NotFound)?;
        if sj.frozen_at.is_some() {
            return Err(invalid("reason", "scoring.error_frozen"));
        }
        if !sheets::reopen(&mut *tx, sheet_id, actor.user_id, now).await? {
            return Err(invalid("reason", "scoring.error_not_submitted"));
        }
        record(
            &mut tx,
            actor,
            now,
            "score_sheet.reopened",
            "assignment",
            Some(a.id.to_string()),
            Some(json!({"sheet_id": sheet_id, "state": "submitted", "total": sheet.total})),
            Some(json!({
                "sheet_id": sheet_id,
                "state": "draft",
                "reason": reason,
                "stage": stage.kind.as_str(),
                "proposal_id": a.proposal_id,
                "judge_id": a.judge_id,
            })),
        )
        .await?;
        if let Some(judge_user) = sheets::judge_user(&mut *tx, a.judge_id).await? {
            let link = format!("/juri/{}/{}", stage.kind.as_str(), a.proposal_id);
            let params = json!({"reason": reason, "proposal": a.proposal_id});
            notifications::insert_notice(
                &mut *tx,
                NewNotice {
                    user_id: judge_user,
                    kind: "score_sheet_reopened",
                    message_key: "scoring.notice_reopened",
                    params: &params,
                    link: Some(&link),
                    now,
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The sheets of a stage. The committee: every sheet (less recused proposals). A judge:
    /// only once the stage has closed or is frozen, only on proposals they are assigned to
    /// without an active conflict, and only after declaring.
    pub async fn stage_sheets(
        &self,
        code: &str,
        user_id: Id,
        committee: bool,
    ) -> Result<Vec<StageSheet>, AppError> {
        let (edition, stage) = self.judged_stage(code).await?;
        let pool = self.db.pool();
        let sj = self.stage_judging_for(&stage).await?;
        let all = assignments::for_stage(pool, stage.id).await?;
        let allowed: Vec<Id> = if committee {
            let recused = sheets::recused_proposals(pool, user_id).await?;
            all.iter()
                .map(|a| a.proposal_id)
                .filter(|p| !recused.contains(p))
                .collect()
        } else {
            let Some((judge, true)) = self.judge_of(user_id, edition.id).await? else {
                return Err(AppError::Forbidden);
            };
            if sj.frozen_at.is_none() && self.now() <= stage.closes_at {
                return Err(AppError::Forbidden);
            }
            assignments::visible_to_judge(pool, stage.id, judge.id)
                .await?
                .into_iter()
                .map(|a| a.proposal_id)
                .collect()
        };
        let by_id: HashMap<Id, &Assignment> = all.iter().map(|a| (a.id, a)).collect();
        let mut out = Vec::new();
        for s in sheets::for_stage(pool, stage.id).await? {
            let Some(a) = by_id.get(&s.assignment_id) else {
                continue;
            };
            if !allowed.contains(&a.proposal_id) {
                continue;
            }
            out.push(StageSheet {
                sheet_id: s.id,
                proposal_id: a.proposal_id,
                judge_id: a.judge_id,
                sheet: serde_json::from_str(&s.scores_json).unwrap_or_default(),
                state: s.state,
                total: s.total,
                submitted_at: s.submitted_at,
            });
        }
        Ok(out)
    }

    /// The rubric of a stage for a judge who judges it (a visible assignment in it and a
    /// declaration), else `NotFound`.
    pub async fn judge_stage_rubric(&self, code: &str, user_id: Id) -> Result<Rubric, AppError> {
        let (edition, stage) = self.judged_stage(code).await?;
        let Some((judge, true)) = self.judge_of(user_id, edition.id).await? else {
            return Err(AppError::NotFound);
        };
        if assignments::visible_to_judge(self.db.pool(), stage.id, judge.id)
            .await?
            .is_empty()
        {
            return Err(AppError::NotFound);
        }
        self.stage_judging_for(&stage)
            .await?
            .rubric()
            .ok_or(AppError::NotFound)
    }
}

/// For callers holding a transaction: the stage's settings, created on first read.
pub async fn get_or_default(
    tx: &mut Tx,
    stage: &Stage,
    now: Instant,
) -> Result<Option<StageJudging>, AppError> {
    Ok(stage_judging::get_or_default(tx, stage, now).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> StageJudging {
        StageJudging {
            stage_id: 1,
            rubric_json: Rubric::default_desk().to_json(),
            blind: false,
            reviews_per_proposal: 3,
            min_academic: 1,
            min_practitioner: 1,
            max_load: 10,
            final_weight_bp: 0,
            promote_top_n: None,
            passing_grade: None,
            disagreement_threshold: 20.0,
            frozen_at: None,
            frozen_by: None,
            updated_at: Instant(0),
        }
    }

    #[test]
    fn redaction_ignores_ascii_case_and_keeps_the_rest() {
        let id = vec!["Dinas Perikanan".to_owned(), "dinas-perikanan".to_owned()];
        assert_eq!(
            redact("Oleh DINAS PERIKANAN (dinas-perikanan), Kota Pasuruan", &id),
            "Oleh ••• (•••), Kota Pasuruan"
        );
        // Short strings are not identities (they would eat ordinary words).
        assert_eq!(redact("di sini", &["di".to_owned()]), "di sini");
        assert_eq!(redact("Rp 5.000 — ñ", &["ñ x".to_owned()]), "Rp 5.000 — ñ");
    }

    #[test]
    fn settings_report_every_problem_and_round_trip() {
        let input = SettingsInput {
            blind: true,
            reviews_per_proposal: "0".into(),
            min_academic: "x".into(),
            min_practitioner: "1".into(),
            max_load: "0".into(),
            final_weight: "101".into(),
            promote_top_n: "0".into(),
            passing_grade: "120".into(),
            disagreement_threshold: "-1".into(),
        };
        let fields: Vec<&str> = parse_settings(&input, &base())
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "reviews_per_proposal",
                "min_academic",
                "max_load",
                "final_weight",
                "promote_top_n",
                "passing_grade",
                "disagreement_threshold"
            ]
        );
        let good = SettingsInput {
            blind: true,
            reviews_per_proposal: "3".into(),
            min_academic: "2".into(),
            min_practitioner: "1".into(),
            max_load: "8".into(),
            final_weight: "12,5".into(),
            promote_top_n: "".into(),
            passing_grade: "72,5".into(),
            disagreement_threshold: "15".into(),
        };
        let s = parse_settings(&good, &base()).unwrap();
        assert_eq!(s.final_weight_bp, 1250);
        assert_eq!(s.passing_grade, Some(72.5));
        assert_eq!(s.promote_top_n, None);
        let back = SettingsInput::from_settings(&s);
        assert_eq!(back.final_weight, "12.5");
        assert_eq!(back.passing_grade, "72.5");
        let too_many = SettingsInput {
            min_academic: "3".into(),
            ..good
        };
        let errors = parse_settings(&too_many, &base()).unwrap_err();
        assert_eq!(errors[0].key, "scoring.settings.error_minimum_sum");
    }

    #[test]
    fn sheets_are_stored_in_rubric_order_with_every_criterion() {
        let rubric = Rubric::default_desk();
        let sheet = Sheet {
            entries: vec![SheetEntry {
                criterion: "replikasi".into(),
                score: Some(4),
                comment: "  ok  ".into(),
            }],
            overall_comment: String::new(),
        };
        let n = normalise(&rubric, &sheet);
        assert_eq!(n.entries.len(), rubric.criteria.len());
        assert_eq!(n.entries[0].criterion, "kebaruan");
        assert_eq!(n.score("replikasi"), Some(4));
        assert_eq!(n.entries[3].comment, "ok");
    }
}
