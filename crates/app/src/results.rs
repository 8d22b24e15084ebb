//! Results of the judged stages: who takes part (stage entries and promotion), the ranking
//! per category by the edition's aggregation method with its calibration figures, freezing
//! a stage into `results` rows, the final ranking over the weighted stages, the berita
//! acara (PDF and XLSX) and the feedback released to participants.
//!
//! A frozen stage is read back from its `results` rows and never recomputed: each row's
//! `breakdown_json` ([`Breakdown`]) holds every number that decided it, the judges' sheet
//! totals and per-criterion scores included, so reliability and leniency of a frozen stage
//! are derived from the frozen figures only.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use kolabik_domain::calibration::{
    self, AggregationMethod, CriterionRating, SheetTotal, leniency, reliability,
    reliability_per_criterion,
};
use kolabik_domain::ranking::{Promotion, RankEntry, Ranked, TieRule, combine_stages, promote};
use kolabik_domain::scoring::{CriterionMean, Sheet};
use kolabik_domain::{Edition, Id, Instant, Lang, Role, Rubric, Stage, StageKind};
use kolabik_store::results::{self as rs, Judging, NewResult, StageProposal, StageSheet};
use kolabik_store::{editions, stage_entries};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::funnel::Label;
use crate::{Actor, App, AppError, record};

/// Shortest reason for a manual entry change or freezing with sheets missing.
pub const MIN_REASON_CHARS: usize = 10;

/// One judge's submitted sheet as frozen.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JudgeSheet {
    pub judge_id: Id,
    /// Shown to the committee only; others see "Juri n".
    pub judge_name: String,
    pub judge_kind: String,
    pub total: f64,
    /// Criterion code → score.
    pub scores: Vec<(String, Option<u8>)>,
    /// Criterion code → comment (non-empty ones).
    pub comments: Vec<(String, String)>,
    pub overall_comment: String,
    pub submitted_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CriterionAvg {
    pub code: String,
    pub name: String,
    pub weight_bp: u32,
    pub counted: bool,
    pub mean: Option<f64>,
}

/// Everything that decided one proposal's place: stored as `results.breakdown_json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Breakdown {
    pub title: String,
    pub unit_name: String,
    pub category_name: Option<String>,
    pub method: String,
    pub sheets: Vec<JudgeSheet>,
    pub n_sheets: usize,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub trimmed_mean: Option<f64>,
    pub normalised: Option<f64>,
    pub spread: Option<f64>,
    pub disagreement: bool,
    pub threshold: f64,
    pub criteria: Vec<CriterionAvg>,
    /// The rule that separated this proposal from an equal neighbour (`TieRule` code).
    pub tie_break: Option<String>,
    pub tie_criterion: Option<String>,
    /// Judges assigned whose sheet was not submitted when the stage was ranked.
    pub missing: Vec<String>,
    #[serde(default)]
    pub freeze_reason: Option<String>,
}

/// One proposal's row in a stage ranking.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RankRow {
    pub proposal_id: Id,
    pub category_id: Option<Id>,
    pub source: Option<String>,
    pub rank: Option<i64>,
    pub score: Option<f64>,
    pub promoted: bool,
    pub breakdown: Breakdown,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CategoryRanking {
    pub id: Option<Id>,
    pub name: Option<String>,
    pub rows: Vec<RankRow>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReliabilityView {
    pub alpha: Option<f64>,
    pub n_units: usize,
    pub n_pairable: usize,
    /// Catalogue key of the plain meaning.
    pub meaning_key: String,
}

impl From<calibration::Reliability> for ReliabilityView {
    fn from(r: calibration::Reliability) -> Self {
        ReliabilityView {
            alpha: r.alpha,
            n_units: r.n_units,
            n_pairable: r.n_pairable,
            meaning_key: r.meaning_key.to_owned(),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CriterionReliability {
    pub code: String,
    pub name: String,
    pub reliability: ReliabilityView,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LeniencyView {
    pub judge_id: Id,
    pub judge_name: String,
    pub judge_kind: String,
    /// Sheets the judge submitted in the stage.
    pub n_sheets: usize,
    /// Mean of (own total − the other judges' mean) over shared proposals; + lenient.
    pub leniency: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MissingSheet {
    pub judge_name: String,
    pub proposal_id: Id,
    pub title: String,
}

/// A judged stage's ranking as one reader may see it.
#[derive(Debug, Clone, Serialize)]
pub struct StageRanking {
    pub edition_id: Id,
    pub edition_name: String,
    pub edition_year: i32,
    pub time_zone: kolabik_domain::TimeZone,
    pub stage_id: Id,
    pub stage: StageKind,
    pub stage_opens_at: Instant,
    /// The stage has judging settings (`stage_judging`).
    pub configured: bool,
    pub frozen_at: Option<Instant>,
    pub frozen_by_name: Option<String>,
    /// The method of these numbers: the frozen one, or the edition's current one.
    pub method: String,
    /// The edition's current method.
    pub edition_method: String,
    pub threshold: f64,
    pub categories: Vec<CategoryRanking>,
    pub reliability: ReliabilityView,
    pub per_criterion: Vec<CriterionReliability>,
    pub leniency: Vec<LeniencyView>,
    pub missing: Vec<MissingSheet>,
    pub next_stage: Option<StageKind>,
    pub promote_top_n: Option<i64>,
    pub passing_grade: Option<f64>,
    pub promoted: usize,
    /// The committee's full view (judge names, leniency, missing sheets).
    pub committee: bool,
    /// A judge who has not completed the declaration sees no proposal.
    pub undeclared: bool,
    /// Entries may still be changed by hand: the stage has not opened and is not frozen.
    pub entries_open: bool,
    /// The panel: (name, kind) of every judge with a sheet or assignment in the stage.
    pub panel: Vec<(String, String)>,
}

impl StageRanking {
    pub fn frozen(&self) -> bool {
        self.frozen_at.is_some()
    }
    pub fn row_count(&self) -> usize {
        self.categories.iter().map(|c| c.rows.len()).sum()
    }
}

/// A proposal that could be added to a stage by hand.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub id: Id,
    pub title: String,
}

/// One row of the final ranking.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FinalBreakdown {
    pub title: String,
    pub unit_name: String,
    pub category_name: Option<String>,
    /// (stage kind code, weight in basis points, the stage's frozen score).
    pub stages: Vec<(String, u32, Option<f64>)>,
    pub reached: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FinalRow {
    pub proposal_id: Id,
    pub category_id: Option<Id>,
    pub rank: Option<i64>,
    pub score: Option<f64>,
    pub breakdown: FinalBreakdown,
}

#[derive(Debug, Clone, Serialize)]
pub struct FinalCategory {
    pub id: Option<Id>,
    pub name: Option<String>,
    pub rows: Vec<FinalRow>,
}

/// A judged stage on the overview.
#[derive(Debug, Clone, Serialize)]
pub struct StageSummary {
    pub stage: StageKind,
    pub configured: bool,
    pub frozen_at: Option<Instant>,
    pub final_weight_bp: i64,
    pub results: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub edition_name: String,
    pub time_zone: kolabik_domain::TimeZone,
    pub method: String,
    pub feedback_released_at: Option<Instant>,
    pub stages: Vec<StageSummary>,
    pub final_ranking: Vec<FinalCategory>,
    /// A stage has been frozen: its results keep the method they were frozen with.
    pub any_frozen: bool,
}

/// Feedback of one frozen stage for a participant.
#[derive(Debug, Clone, Serialize)]
pub struct FeedbackStage {
    pub stage: StageKind,
    pub criteria: Vec<CriterionAvg>,
    pub judges: Vec<FeedbackJudge>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeedbackJudge {
    /// 1, 2, …: "Juri 1", never a name.
    pub number: usize,
    /// (criterion name, comment)
    pub comments: Vec<(String, String)>,
    pub overall_comment: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Feedback {
    pub proposal_id: Id,
    pub title: String,
    pub released_at: Option<Instant>,
    pub stages: Vec<FeedbackStage>,
}

/// What the freeze form or API body sent.
#[derive(Debug, Clone, Default)]
pub struct FreezeInput {
    /// Freeze although sheets are missing.
    pub anyway: bool,
    pub reason: String,
}

/// The berita acara's two formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MinutesFormat {
    Pdf,
    Xlsx,
}

#[derive(Debug, Clone)]
pub struct Minutes {
    pub bytes: Vec<u8>,
    pub filename: String,
}

/// Who is reading a ranking.
#[derive(Debug, Clone)]
struct Audience {
    committee: bool,
    undeclared: bool,
    hidden: HashSet<Id>,
}

fn invalid(field: &'static str, key: &'static str) -> AppError {
    AppError::invalid(field, key)
}

fn stage_kind(code: &str) -> Result<StageKind, AppError> {
    StageKind::parse_judged(code).ok_or(AppError::NotFound)
}

fn rubric_of(judging: Option<&Judging>, kind: StageKind) -> Rubric {
    judging
        .and_then(|j| serde_json::from_str::<Rubric>(&j.rubric_json).ok())
        .or_else(|| Rubric::default_for(kind))
        .unwrap_or(Rubric { criteria: vec![] })
}

fn method_of(code: &str) -> AggregationMethod {
    AggregationMethod::parse(code).unwrap_or(AggregationMethod::Mean)
}

fn parse_sheet(json: Option<&str>) -> Sheet {
    json.and_then(|j| serde_json::from_str::<Sheet>(j).ok())
        .unwrap_or_default()
}

fn judge_sheet(s: &StageSheet) -> JudgeSheet {
    let sheet = parse_sheet(s.scores_json.as_deref());
    JudgeSheet {
        judge_id: s.judge_id,
        judge_name: s.judge_name.clone(),
        judge_kind: s.judge_kind.clone(),
        total: s.total.unwrap_or(0.0),
        scores: sheet
            .entries
            .iter()
            .map(|e| (e.criterion.clone(), e.score))
            .collect(),
        comments: sheet
            .entries
            .iter()
            .filter(|e| !e.comment.trim().is_empty())
            .map(|e| (e.criterion.clone(), e.comment.clone()))
            .collect(),
        overall_comment: sheet.overall_comment,
        submitted_at: s.submitted_at.map(Instant::millis),
    }
}

fn criterion_avgs(rubric: &Rubric, sheets: &[JudgeSheet]) -> Vec<CriterionAvg> {
    rubric
        .criteria
        .iter()
        .map(|c| {
            let scores: Vec<f64> = sheets
                .iter()
                .filter_map(|s| {
                    s.scores
                        .iter()
                        .find(|(code, _)| *code == c.code)
                        .and_then(|(_, v)| *v)
                })
                .map(f64::from)
                .collect();
            CriterionAvg {
                code: c.code.clone(),
                name: c.name.clone(),
                weight_bp: c.weight_bp,
                counted: c.counted,
                mean: (!scores.is_empty())
                    .then(|| scores.iter().sum::<f64>() / scores.len() as f64),
            }
        })
        .collect()
}

/// The ranking of a stage computed from its sheets (before freezing).
fn compute(
    proposals: &[StageProposal],
    sheets: &[StageSheet],
    rubric: &Rubric,
    method: AggregationMethod,
    threshold: f64,
) -> (Vec<CategoryRanking>, Vec<MissingSheet>) {
    let submitted: Vec<&StageSheet> = sheets.iter().filter(|s| s.is_submitted()).collect();
    let totals: Vec<SheetTotal> = submitted
        .iter()
        .map(|s| SheetTotal {
            judge: s.judge_id,
            proposal: s.proposal_id,
            total: s.total.unwrap_or(0.0),
        })
        .collect();
    let scores: BTreeMap<Id, calibration::ProposalScore> =
        calibration::aggregate(method, &totals, threshold)
            .into_iter()
            .map(|p| (p.proposal, p))
            .collect();
    let title_of = |id: Id| {
        proposals
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.title.clone())
            .unwrap_or_default()
    };
    let missing: Vec<MissingSheet> = sheets
        .iter()
        .filter(|s| !s.is_submitted())
        .map(|s| MissingSheet {
            judge_name: s.judge_name.clone(),
            proposal_id: s.proposal_id,
            title: title_of(s.proposal_id),
        })
        .collect();

    // Categories in the order the proposals come (category position).
    let mut order: Vec<Option<Id>> = Vec::new();
    for p in proposals {
        if !order.contains(&p.category_id) {
            order.push(p.category_id);
        }
    }
    let mut out = Vec::new();
    for cat in order {
        let members: Vec<&StageProposal> =
            proposals.iter().filter(|p| p.category_id == cat).collect();
        let mut rows: Vec<RankRow> = Vec::new();
        let mut entries: Vec<RankEntry> = Vec::new();
        for p in &members {
            let own: Vec<JudgeSheet> = submitted
                .iter()
                .filter(|s| s.proposal_id == p.id)
                .map(|s| judge_sheet(s))
                .collect();
            let criteria = criterion_avgs(rubric, &own);
            let score = scores.get(&p.id);
            let missing_here = missing
                .iter()
                .filter(|m| m.proposal_id == p.id)
                .map(|m| m.judge_name.clone())
                .collect();
            if let Some(sc) = score {
                let parsed: Vec<Sheet> = submitted
                    .iter()
                    .filter(|s| s.proposal_id == p.id)
                    .map(|s| parse_sheet(s.scores_json.as_deref()))
                    .collect();
                let refs: Vec<&Sheet> = parsed.iter().collect();
                let means: Vec<CriterionMean> =
                    kolabik_domain::scoring::criterion_means(rubric, &refs);
                entries.push(RankEntry {
                    proposal: p.id,
                    score: sc.score,
                    criteria: means,
                    median: sc.median,
                    disagreements: u32::from(sc.disagreement),
                    spread: sc.spread,
                    submitted_at: p.submitted_at,
                });
            }
            rows.push(RankRow {
                proposal_id: p.id,
                category_id: p.category_id,
                source: p.source.clone(),
                rank: None,
                score: score.map(|s| s.score),
                promoted: false,
                breakdown: Breakdown {
                    title: p.title.clone(),
                    unit_name: p.unit_name.clone(),
                    category_name: p.category_name.clone(),
                    method: method.as_str().to_owned(),
                    n_sheets: own.len(),
                    sheets: own,
                    mean: score.map(|s| s.mean),
                    median: score.map(|s| s.median),
                    trimmed_mean: score.map(|s| s.trimmed_mean),
                    normalised: score.map(|s| s.normalised),
                    spread: score.map(|s| s.spread),
                    disagreement: score.is_some_and(|s| s.disagreement),
                    threshold,
                    criteria,
                    tie_break: None,
                    tie_criterion: None,
                    missing: missing_here,
                    freeze_reason: None,
                },
            });
        }
        let ranked: Vec<Ranked> = kolabik_domain::ranking::rank_category(&entries);
        for r in &ranked {
            if let Some(row) = rows.iter_mut().find(|row| row.proposal_id == r.proposal) {
                row.rank = Some(r.rank as i64);
                row.breakdown.tie_break = r.tie_break.map(|t| t.as_str().to_owned());
                row.breakdown.tie_criterion = r.tie_criterion.clone();
            }
        }
        rows.sort_by_key(|r| (r.rank.is_none(), r.rank, r.proposal_id));
        out.push(CategoryRanking {
            id: cat,
            name: members.first().and_then(|p| p.category_name.clone()),
            rows,
        });
    }
    (out, missing)
}

/// Reliability, per-criterion reliability and leniency from the rows' sheets.
fn calibration_of(
    rubric: &Rubric,
    categories: &[CategoryRanking],
) -> (
    ReliabilityView,
    Vec<CriterionReliability>,
    Vec<LeniencyView>,
) {
    let mut totals = Vec::new();
    let mut ratings = Vec::new();
    let mut judges: BTreeMap<Id, (String, String, usize)> = BTreeMap::new();
    for row in categories.iter().flat_map(|c| &c.rows) {
        for s in &row.breakdown.sheets {
            totals.push(SheetTotal {
                judge: s.judge_id,
                proposal: row.proposal_id,
                total: s.total,
            });
            for (code, score) in &s.scores {
                if let Some(v) = score {
                    ratings.push(CriterionRating {
                        judge: s.judge_id,
                        proposal: row.proposal_id,
                        criterion: code.clone(),
                        score: f64::from(*v),
                    });
                }
            }
            let e = judges
                .entry(s.judge_id)
                .or_insert_with(|| (s.judge_name.clone(), s.judge_kind.clone(), 0));
            e.2 += 1;
        }
    }
    let per = reliability_per_criterion(&ratings);
    let per_criterion = rubric
        .criteria
        .iter()
        .filter_map(|c| {
            per.get(&c.code).map(|r| CriterionReliability {
                code: c.code.clone(),
                name: c.name.clone(),
                reliability: r.clone().into(),
            })
        })
        .collect();
    let len = leniency(&totals)
        .into_iter()
        .map(|l| {
            let (name, kind, n) = judges.get(&l.judge).cloned().unwrap_or_default();
            LeniencyView {
                judge_id: l.judge,
                judge_name: name,
                judge_kind: kind,
                n_sheets: n,
                leniency: l.leniency,
            }
        })
        .collect();
    (reliability(&totals).into(), per_criterion, len)
}

fn frozen_categories(rows: Vec<rs::ResultRow>, entries: &[StageProposal]) -> Vec<CategoryRanking> {
    let mut out: Vec<CategoryRanking> = Vec::new();
    // Category order as the proposals list gives it (category position), then any other.
    let mut order: Vec<Option<Id>> = Vec::new();
    for p in entries {
        if !order.contains(&p.category_id) {
            order.push(p.category_id);
        }
    }
    for r in &rows {
        if !order.contains(&r.category_id) {
            order.push(r.category_id);
        }
    }
    for cat in order {
        let mut cat_rows: Vec<RankRow> = rows
            .iter()
            .filter(|r| r.category_id == cat)
            .filter_map(|r| {
                let breakdown: Breakdown = serde_json::from_str(&r.breakdown_json).ok()?;
                Some(RankRow {
                    proposal_id: r.proposal_id,
                    category_id: r.category_id,
                    source: entries
                        .iter()
                        .find(|p| p.id == r.proposal_id)
                        .and_then(|p| p.source.clone()),
                    rank: r.rank,
                    score: r.score,
                    promoted: r.promoted,
                    breakdown,
                })
            })
            .collect();
        if cat_rows.is_empty() {
            continue;
        }
        cat_rows.sort_by_key(|r| (r.rank.is_none(), r.rank, r.proposal_id));
        out.push(CategoryRanking {
            id: cat,
            name: cat_rows[0].breakdown.category_name.clone(),
            rows: cat_rows,
        });
    }
    out
}

impl App {
    /// Whether a judged stage's results are frozen: after that nothing about it changes
    /// (sheets, assignments, slots, visits, results).
    pub async fn stage_frozen(&self, stage_id: Id) -> Result<bool, AppError> {
        Ok(rs::judging(self.db.pool(), stage_id)
            .await?
            .is_some_and(|j| j.frozen_at.is_some()))
    }

    async fn judged_stage_and_all(
        &self,
        code: &str,
    ) -> Result<(Edition, Stage, Vec<Stage>), AppError> {
        let kind = stage_kind(code)?;
        let edition = self.ensure_current_edition().await?;
        let stages = editions::stages(self.db.pool(), edition.id).await?;
        let stage = stages
            .iter()
            .find(|s| s.kind == kind)
            .cloned()
            .ok_or(AppError::NotFound)?;
        Ok((edition, stage, stages))
    }

    async fn audience(&self, user_id: Option<Id>, edition_id: Id) -> Result<Audience, AppError> {
        let user_id = user_id.ok_or(AppError::Forbidden)?;
        let roles: Vec<Role> = self
            .grants(user_id)
            .await?
            .into_iter()
            .map(|g| g.role)
            .collect();
        let mut hidden: HashSet<Id> = rs::conflicted_for_user(self.db.pool(), user_id)
            .await?
            .into_iter()
            .collect();
        if roles.contains(&Role::Committee) {
            hidden.extend(rs::recused_for_user(self.db.pool(), user_id).await?);
            return Ok(Audience {
                committee: true,
                undeclared: false,
                hidden,
            });
        }
        if roles.contains(&Role::Judge) {
            let declared = rs::judge_declared(self.db.pool(), user_id, edition_id).await?;
            return Ok(Audience {
                committee: false,
                undeclared: !declared,
                hidden,
            });
        }
        if roles.contains(&Role::Viewer) {
            return Ok(Audience {
                committee: false,
                undeclared: false,
                hidden,
            });
        }
        Err(AppError::Forbidden)
    }

    /// The stage's ranking, unfiltered: frozen rows when frozen, else computed now.
    async fn full_ranking(
        &self,
        edition: &Edition,
        stage: &Stage,
        stages: &[Stage],
    ) -> Result<StageRanking, AppError> {
        let pool = self.db.pool();
        let judging = rs::judging(pool, stage.id).await?;
        let (edition_method, _) = rs::edition_settings(pool, edition.id).await?;
        let rubric = rubric_of(judging.as_ref(), stage.kind);
        let threshold = judging
            .as_ref()
            .map(|j| j.disagreement_threshold)
            .unwrap_or(calibration::DEFAULT_DISAGREEMENT_THRESHOLD);
        let proposals = rs::stage_proposals(pool, stage.id).await?;
        let sheets = rs::stage_sheets(pool, stage.id).await?;
        let frozen_at = judging.as_ref().and_then(|j| j.frozen_at);
        let (categories, missing, method) = if frozen_at.is_some() {
            let rows = rs::for_stage(pool, stage.id).await?;
            let method = rows
                .first()
                .map(|r| r.method.clone())
                .unwrap_or_else(|| edition_method.clone());
            let cats = frozen_categories(rows, &proposals);
            let missing = cats
                .iter()
                .flat_map(|c| &c.rows)
                .flat_map(|r| {
                    r.breakdown.missing.iter().map(|j| MissingSheet {
                        judge_name: j.clone(),
                        proposal_id: r.proposal_id,
                        title: r.breakdown.title.clone(),
                    })
                })
                .collect();
            (cats, missing, method)
        } else {
            let method = method_of(&edition_method);
            let (cats, missing) = compute(&proposals, &sheets, &rubric, method, threshold);
            (cats, missing, method.as_str().to_owned())
        };
        let (rel, per_criterion, leniency) = calibration_of(&rubric, &categories);
        let present: Vec<StageKind> = StageKind::JUDGED
            .iter()
            .copied()
            .filter(|k| stages.iter().any(|s| s.kind == *k))
            .collect();
        let next_stage = present
            .iter()
            .position(|k| *k == stage.kind)
            .and_then(|i| present.get(i + 1).copied());
        let mut panel: Vec<(Id, String, String)> = Vec::new();
        for s in &sheets {
            if !panel.iter().any(|(id, _, _)| *id == s.judge_id) {
                panel.push((s.judge_id, s.judge_name.clone(), s.judge_kind.clone()));
            }
        }
        for row in categories.iter().flat_map(|c| &c.rows) {
            for s in &row.breakdown.sheets {
                if !panel.iter().any(|(id, _, _)| *id == s.judge_id) {
                    panel.push((s.judge_id, s.judge_name.clone(), s.judge_kind.clone()));
                }
            }
        }
        panel.sort_by(|a, b| a.1.cmp(&b.1));
        let promoted = categories
            .iter()
            .flat_map(|c| &c.rows)
            .filter(|r| r.promoted)
            .count();
        Ok(StageRanking {
            edition_id: edition.id,
            edition_name: edition.name.clone(),
            edition_year: edition.year,
            time_zone: edition.time_zone,
            stage_id: stage.id,
            stage: stage.kind,
            stage_opens_at: stage.opens_at,
            configured: judging.is_some(),
            frozen_at,
            frozen_by_name: judging.as_ref().and_then(|j| j.frozen_by_name.clone()),
            method,
            edition_method,
            threshold,
            categories,
            reliability: rel,
            per_criterion,
            leniency,
            missing,
            next_stage,
            promote_top_n: judging.as_ref().and_then(|j| j.promote_top_n),
            passing_grade: judging.as_ref().and_then(|j| j.passing_grade),
            promoted,
            committee: true,
            undeclared: false,
            entries_open: frozen_at.is_none() && stage.opens_at > self.now(),
            panel: panel.into_iter().map(|(_, n, k)| (n, k)).collect(),
        })
    }

    /// Applies what `audience` may see: rows of hidden proposals go; readers see no judge
    /// names ("Juri n" numbered across the stage), no comments, no leniency or missing list,
    /// and nothing before the stage is frozen.
    fn scope(mut r: StageRanking, a: &Audience) -> StageRanking {
        for c in &mut r.categories {
            c.rows.retain(|row| !a.hidden.contains(&row.proposal_id));
        }
        r.missing.retain(|m| !a.hidden.contains(&m.proposal_id));
        if a.committee {
            r.categories.retain(|c| !c.rows.is_empty());
            return r;
        }
        r.committee = false;
        r.undeclared = a.undeclared;
        if r.frozen_at.is_none() || a.undeclared {
            r.categories.clear();
        }
        let mut ids: BTreeSet<Id> = BTreeSet::new();
        for row in r.categories.iter().flat_map(|c| &c.rows) {
            ids.extend(row.breakdown.sheets.iter().map(|s| s.judge_id));
        }
        let number = |id: Id| ids.iter().position(|j| *j == id).map_or(0, |p| p + 1);
        for row in r.categories.iter_mut().flat_map(|c| c.rows.iter_mut()) {
            row.breakdown.missing.clear();
            row.breakdown.freeze_reason = None;
            for s in &mut row.breakdown.sheets {
                s.judge_name = format!("#{}", number(s.judge_id));
                s.comments.clear();
                s.overall_comment.clear();
            }
        }
        r.categories.retain(|c| !c.rows.is_empty());
        r.leniency.clear();
        r.missing.clear();
        r.panel.clear();
        r
    }

    /// A judged stage's ranking for `user_id` (see [`StageRanking`] for who sees what).
    /// Opening it as the committee sets the first judged stage's entries from screening.
    pub async fn ranking(&self, stage_code: &str, actor: &Actor) -> Result<StageRanking, AppError> {
        let kind = stage_kind(stage_code)?;
        let (edition, stage, stages) = match self.judged_stage_and_all(stage_code).await {
            Ok(found) => found,
            // A judged stage the edition does not have (yet): an empty ranking.
            Err(AppError::NotFound) => {
                let edition = self.ensure_current_edition().await?;
                let audience = self.audience(actor.user_id, edition.id).await?;
                let stage = Stage {
                    id: 0,
                    edition_id: edition.id,
                    kind,
                    opens_at: self.now(),
                    closes_at: self.now(),
                };
                let mut empty = self.full_ranking(&edition, &stage, &[]).await?;
                empty.entries_open = false;
                return Ok(Self::scope(empty, &audience));
            }
            Err(e) => return Err(e),
        };
        let audience = self.audience(actor.user_id, edition.id).await?;
        if audience.committee {
            self.ensure_entries(&edition, &stage, &stages, actor)
                .await?;
        }
        let full = self.full_ranking(&edition, &stage, &stages).await?;
        Ok(Self::scope(full, &audience))
    }

    /// Proposals that could be added to the stage by hand: judgeable, not yet entries.
    pub async fn entry_candidates(&self, stage_code: &str) -> Result<Vec<Candidate>, AppError> {
        let (edition, stage, _) = self.judged_stage_and_all(stage_code).await?;
        let entries: HashSet<Id> = stage_entries::list(self.db.pool(), stage.id)
            .await?
            .into_iter()
            .map(|e| e.proposal_id)
            .collect();
        let all = kolabik_store::results::judgeable_proposals(self.db.pool(), edition.id).await?;
        Ok(all
            .into_iter()
            .filter(|(id, _)| !entries.contains(id))
            .map(|(id, title)| Candidate { id, title })
            .collect())
    }

    /// Sets the first judged stage's entries from screening (idempotent; logged when any
    /// was added). Other stages get theirs by promotion or by hand.
    async fn ensure_entries(
        &self,
        edition: &Edition,
        stage: &Stage,
        stages: &[Stage],
        actor: &Actor,
    ) -> Result<u64, AppError> {
        let first = StageKind::JUDGED
            .iter()
            .copied()
            .find(|k| stages.iter().any(|s| s.kind == *k));
        if first != Some(stage.kind) || self.stage_frozen(stage.id).await? {
            return Ok(0);
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let added =
            stage_entries::ensure_from_screening(&mut *tx, stage.id, edition.id, now).await?;
        if added > 0 {
            record(
                &mut tx,
                actor,
                now,
                "results.entries_set",
                "stage",
                Some(stage.id.to_string()),
                None,
                Some(json!({"stage": stage.kind.as_str(), "added": added, "source": "screening"})),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// "Tetapkan peserta penilaian": the first judged stage's entries from screening.
    pub async fn set_stage_entries(
        &self,
        stage_code: &str,
        actor: &Actor,
    ) -> Result<u64, AppError> {
        let (edition, stage, stages) = self.judged_stage_and_all(stage_code).await?;
        let first = StageKind::JUDGED
            .iter()
            .copied()
            .find(|k| stages.iter().any(|s| s.kind == *k));
        if first != Some(stage.kind) {
            return Err(invalid("stage", "results.not_first_stage"));
        }
        if self.stage_frozen(stage.id).await? {
            return Err(invalid("stage", "results.already_frozen"));
        }
        self.ensure_entries(&edition, &stage, &stages, actor).await
    }

    async fn entries_editable(&self, stage: &Stage) -> Result<(), AppError> {
        if self.stage_frozen(stage.id).await? {
            return Err(invalid("stage", "results.already_frozen"));
        }
        if stage.opens_at <= self.now() {
            return Err(invalid("stage", "results.stage_open"));
        }
        Ok(())
    }

    /// Adds a proposal to a stage by hand (before the stage opens), with a reason.
    pub async fn add_stage_entry(
        &self,
        stage_code: &str,
        proposal_id: Id,
        reason: &str,
        actor: &Actor,
    ) -> Result<(), AppError> {
        let (edition, stage, _) = self.judged_stage_and_all(stage_code).await?;
        let reason = reason.trim();
        if reason.chars().count() < MIN_REASON_CHARS {
            return Err(invalid("reason", "results.reason_required"));
        }
        self.entries_editable(&stage).await?;
        let judgeable = rs::judgeable_proposals(self.db.pool(), edition.id).await?;
        if !judgeable.iter().any(|(id, _)| *id == proposal_id) {
            return Err(invalid("proposal_id", "results.not_judgeable"));
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if !stage_entries::insert(&mut *tx, stage.id, proposal_id, "manual", now).await? {
            return Err(invalid("proposal_id", "results.already_entry"));
        }
        record(
            &mut tx,
            actor,
            now,
            "results.entry_added",
            "proposal",
            Some(proposal_id.to_string()),
            None,
            Some(json!({"stage": stage.kind.as_str(), "source": "manual", "reason": reason})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a proposal from a stage by hand (before the stage opens), with a reason.
    pub async fn remove_stage_entry(
        &self,
        stage_code: &str,
        proposal_id: Id,
        reason: &str,
        actor: &Actor,
    ) -> Result<(), AppError> {
        let (_, stage, _) = self.judged_stage_and_all(stage_code).await?;
        let reason = reason.trim();
        if reason.chars().count() < MIN_REASON_CHARS {
            return Err(invalid("reason", "results.reason_required"));
        }
        self.entries_editable(&stage).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = stage_entries::list(&mut *tx, stage.id)
            .await?
            .into_iter()
            .find(|e| e.proposal_id == proposal_id)
            .ok_or(AppError::NotFound)?;
        stage_entries::delete(&mut *tx, stage.id, proposal_id).await?;
        record(
            &mut tx,
            actor,
            now,
            "results.entry_removed",
            "proposal",
            Some(proposal_id.to_string()),
            Some(json!({"stage": stage.kind.as_str(), "source": before.source})),
            Some(json!({"reason": reason})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Freezes a stage: one `results` row per proposal, `stage_judging.frozen_at/by`, the
    /// audit event, and — when this completes the weighted stages — the final ranking.
    /// Refused while sheets are missing unless `input.anyway` with a reason.
    pub async fn freeze_stage(
        &self,
        stage_code: &str,
        input: &FreezeInput,
        actor: &Actor,
    ) -> Result<StageRanking, AppError> {
        let (edition, stage, stages) = self.judged_stage_and_all(stage_code).await?;
        let Some(judging) = rs::judging(self.db.pool(), stage.id).await? else {
            return Err(invalid("stage", "results.not_configured"));
        };
        if judging.frozen_at.is_some() {
            return Err(invalid("stage", "results.already_frozen"));
        }
        let ranking = self.full_ranking(&edition, &stage, &stages).await?;
        let reason = input.reason.trim();
        if !ranking.missing.is_empty() {
            if !input.anyway {
                return Err(invalid("anyway", "results.missing_sheets"));
            }
            if reason.chars().count() < MIN_REASON_CHARS {
                return Err(invalid("reason", "results.reason_required"));
            }
        }
        if ranking.row_count() == 0 {
            return Err(invalid("stage", "results.nothing_to_freeze"));
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if !rs::freeze(&mut *tx, stage.id, actor.user_id, now).await? {
            return Err(invalid("stage", "results.already_frozen"));
        }
        for row in ranking.categories.iter().flat_map(|c| &c.rows) {
            let mut b = row.breakdown.clone();
            if !ranking.missing.is_empty() {
                b.freeze_reason = Some(reason.to_owned());
            }
            let json = serde_json::to_string(&b).map_err(|e| AppError::Internal(e.to_string()))?;
            rs::insert(
                &mut *tx,
                NewResult {
                    edition_id: edition.id,
                    stage_id: Some(stage.id),
                    category_id: row.category_id,
                    proposal_id: row.proposal_id,
                    method: &ranking.method,
                    score: row.score,
                    rank: row.rank,
                    breakdown_json: &json,
                    now,
                },
            )
            .await?;
        }
        record(
            &mut tx,
            actor,
            now,
            "results.frozen",
            "stage",
            Some(stage.id.to_string()),
            None,
            Some(json!({
                "stage": stage.kind.as_str(),
                "method": ranking.method,
                "proposals": ranking.row_count(),
                "missing": ranking.missing.iter()
                    .map(|m| json!({"judge": m.judge_name, "proposal": m.proposal_id}))
                    .collect::<Vec<_>>(),
                "reason": (!ranking.missing.is_empty()).then_some(reason),
            })),
        )
        .await?;
        self.final_ranking_in(&mut tx, &edition, actor, now).await?;
        tx.commit().await?;
        let full = self.full_ranking(&edition, &stage, &stages).await?;
        Ok(full)
    }

    /// When every weighted stage is frozen: replaces the edition's final ranking (rows
    /// with no stage), per category, by `domain::ranking::combine_stages`.
    async fn final_ranking_in(
        &self,
        tx: &mut kolabik_store::Tx,
        edition: &Edition,
        actor: &Actor,
        now: Instant,
    ) -> Result<(), AppError> {
        let judgings = rs::judgings_for_edition(&mut **tx, edition.id).await?;
        let weighted: Vec<(StageKind, Judging)> = judgings
            .into_iter()
            .filter(|(_, j)| j.final_weight_bp > 0)
            .filter_map(|(k, j)| StageKind::parse(&k).map(|k| (k, j)))
            .collect();
        if weighted.is_empty() || weighted.iter().any(|(_, j)| j.frozen_at.is_none()) {
            return Ok(());
        }
        let weights: Vec<(StageKind, u32)> = weighted
            .iter()
            .map(|(k, j)| (*k, u32::try_from(j.final_weight_bp).unwrap_or(0)))
            .collect();
        if let Err(e) = kolabik_domain::ranking::validate_stage_weights(&weights) {
            record(
                tx,
                actor,
                now,
                "results.final_skipped",
                "edition",
                Some(edition.id.to_string()),
                None,
                Some(json!({"reason": e.key()})),
            )
            .await?;
            return Ok(());
        }
        let stage_kind_of: BTreeMap<Id, StageKind> =
            weighted.iter().map(|(k, j)| (j.stage_id, *k)).collect();
        let rows = rs::stage_results_for_edition(&mut **tx, edition.id).await?;
        // proposal → (category, breakdown of the latest stage for names), per-stage score
        let mut per_cat: BTreeMap<Option<Id>, BTreeMap<Id, BTreeMap<StageKind, f64>>> =
            BTreeMap::new();
        let mut info: BTreeMap<Id, (Option<Id>, Breakdown)> = BTreeMap::new();
        for r in &rows {
            let Some(kind) = r.stage_id.and_then(|s| stage_kind_of.get(&s)) else {
                continue;
            };
            let Ok(b) = serde_json::from_str::<Breakdown>(&r.breakdown_json) else {
                continue;
            };
            let m = per_cat.entry(r.category_id).or_default();
            let stagemap = m.entry(r.proposal_id).or_default();
            if let Some(score) = r.score {
                stagemap.insert(*kind, score);
            }
            info.insert(r.proposal_id, (r.category_id, b));
        }
        rs::delete_final(&mut **tx, edition.id).await?;
        let mut n = 0usize;
        for (cat, per_stage) in &per_cat {
            let combined = combine_stages(&weights, per_stage)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            for c in combined {
                let Some((_, b)) = info.get(&c.proposal) else {
                    continue;
                };
                let fb = FinalBreakdown {
                    title: b.title.clone(),
                    unit_name: b.unit_name.clone(),
                    category_name: b.category_name.clone(),
                    stages: weights
                        .iter()
                        .map(|(k, w)| {
                            (
                                k.as_str().to_owned(),
                                *w,
                                per_stage.get(&c.proposal).and_then(|m| m.get(k)).copied(),
                            )
                        })
                        .collect(),
                    reached: c.reached.map(|k| k.as_str().to_owned()),
                };
                let json =
                    serde_json::to_string(&fb).map_err(|e| AppError::Internal(e.to_string()))?;
                rs::insert(
                    &mut **tx,
                    NewResult {
                        edition_id: edition.id,
                        stage_id: None,
                        category_id: *cat,
                        proposal_id: c.proposal,
                        method: "weighted",
                        score: c.final_score,
                        rank: Some(c.position as i64),
                        breakdown_json: &json,
                        now,
                    },
                )
                .await?;
                n += 1;
            }
        }
        record(
            tx,
            actor,
            now,
            "results.final_computed",
            "edition",
            Some(edition.id.to_string()),
            None,
            Some(json!({
                "proposals": n,
                "weights": weights.iter().map(|(k, w)| json!({"stage": k.as_str(), "weight_bp": w})).collect::<Vec<_>>(),
            })),
        )
        .await?;
        Ok(())
    }

    /// Promotes a frozen stage's best into the next judged stage by the stage's rule
    /// (top N per category and/or passing grade). Idempotent; returns how many were added.
    pub async fn promote_stage(&self, stage_code: &str, actor: &Actor) -> Result<usize, AppError> {
        let (_, stage, stages) = self.judged_stage_and_all(stage_code).await?;
        let judging = rs::judging(self.db.pool(), stage.id)
            .await?
            .ok_or_else(|| invalid("stage", "results.not_configured"))?;
        if judging.frozen_at.is_none() {
            return Err(invalid("stage", "results.not_frozen"));
        }
        let rule = match (judging.promote_top_n, judging.passing_grade) {
            (Some(n), Some(g)) if n > 0 => Promotion::Both {
                top_n: n as usize,
                passing_grade: g,
            },
            (Some(n), None) if n > 0 => Promotion::TopN(n as usize),
            (_, Some(g)) => Promotion::PassingGrade(g),
            _ => return Err(invalid("stage", "results.no_rule")),
        };
        let present: Vec<&Stage> = StageKind::JUDGED
            .iter()
            .filter_map(|k| stages.iter().find(|s| s.kind == *k))
            .collect();
        let next = present
            .iter()
            .position(|s| s.id == stage.id)
            .and_then(|i| present.get(i + 1).copied())
            .ok_or_else(|| invalid("stage", "results.no_next_stage"))?;
        if self.stage_frozen(next.id).await? {
            return Err(invalid("stage", "results.next_frozen"));
        }
        let rows = rs::for_stage(self.db.pool(), stage.id).await?;
        let mut cats: BTreeMap<Option<Id>, Vec<Ranked>> = BTreeMap::new();
        for r in &rows {
            if let (Some(rank), Some(score)) = (r.rank, r.score) {
                let tie_break = serde_json::from_str::<Breakdown>(&r.breakdown_json)
                    .ok()
                    .and_then(|b| b.tie_break)
                    .and_then(|t| TieRule::parse(&t));
                cats.entry(r.category_id).or_default().push(Ranked {
                    proposal: r.proposal_id,
                    rank: rank as usize,
                    score,
                    tie_break,
                    tie_criterion: None,
                });
            }
        }
        let categories: Vec<Vec<Ranked>> = cats.into_values().collect();
        let chosen = promote(&categories, rule);
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let mut added = Vec::new();
        let mut finalists = Vec::new();
        for id in &chosen {
            rs::mark_promoted(&mut *tx, stage.id, *id).await?;
            if stage_entries::insert(&mut *tx, next.id, *id, "promotion", now).await? {
                added.push(*id);
            }
            if next.kind == StageKind::PresentasiWawancara
                && rs::make_finalist(&mut *tx, *id, now).await?
            {
                finalists.push(*id);
            }
        }
        record(
            &mut tx,
            actor,
            now,
            "results.promoted",
            "stage",
            Some(stage.id.to_string()),
            None,
            Some(json!({
                "from": stage.kind.as_str(),
                "to": next.kind.as_str(),
                "rule": rule,
                "promoted": chosen,
                "added": added,
                "finalists": finalists,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(added.len())
    }

    /// Sets the edition's aggregation method. Stages already frozen keep the method they
    /// were frozen with (`results.method`); the choice applies to stages not yet frozen.
    pub async fn set_aggregation_method(&self, code: &str, actor: &Actor) -> Result<(), AppError> {
        let method = AggregationMethod::parse(code.trim())
            .ok_or_else(|| invalid("method", "results.method_invalid"))?;
        let edition = self.ensure_current_edition().await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let (before, _) = rs::edition_settings(&mut *tx, edition.id).await?;
        rs::set_aggregation_method(&mut *tx, edition.id, method.as_str()).await?;
        record(
            &mut tx,
            actor,
            now,
            "results.method_set",
            "edition",
            Some(edition.id.to_string()),
            Some(json!({"method": before})),
            Some(json!({"method": method.as_str()})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Releases (or withdraws) the feedback of the edition's frozen stages to participants.
    pub async fn set_feedback_released(
        &self,
        release: bool,
        actor: &Actor,
    ) -> Result<(), AppError> {
        let edition = self.ensure_current_edition().await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let (_, before) = rs::edition_settings(&mut *tx, edition.id).await?;
        if before.is_some() == release {
            return Ok(());
        }
        rs::set_feedback_released(&mut *tx, edition.id, release.then_some(now)).await?;
        record(
            &mut tx,
            actor,
            now,
            if release {
                "results.feedback_released"
            } else {
                "results.feedback_withdrawn"
            },
            "edition",
            Some(edition.id.to_string()),
            Some(json!({"released_at": before.map(|i| i.to_rfc3339())})),
            Some(json!({"released": release})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The committee's overview: judged stages, the method, feedback release and the final
    /// ranking (rows of recused proposals left out).
    pub async fn results_overview(&self, actor: &Actor) -> Result<Overview, AppError> {
        let edition = self.ensure_current_edition().await?;
        let audience = self.audience(actor.user_id, edition.id).await?;
        let pool = self.db.pool();
        let (method, released) = rs::edition_settings(pool, edition.id).await?;
        let stages = editions::stages(pool, edition.id).await?;
        let judgings = rs::judgings_for_edition(pool, edition.id).await?;
        let stage_rows = rs::stage_results_for_edition(pool, edition.id).await?;
        let mut summaries = Vec::new();
        for kind in StageKind::JUDGED {
            let Some(stage) = stages.iter().find(|s| s.kind == kind) else {
                continue;
            };
            let j = judgings
                .iter()
                .find(|(_, j)| j.stage_id == stage.id)
                .map(|(_, j)| j);
            summaries.push(StageSummary {
                stage: kind,
                configured: j.is_some(),
                frozen_at: j.and_then(|j| j.frozen_at),
                final_weight_bp: j.map_or(0, |j| j.final_weight_bp),
                results: stage_rows
                    .iter()
                    .filter(|r| r.stage_id == Some(stage.id))
                    .count(),
            });
        }
        let final_ranking = self.final_rows(edition.id, &audience).await?;
        Ok(Overview {
            edition_name: edition.name,
            time_zone: edition.time_zone,
            method,
            feedback_released_at: released,
            any_frozen: summaries.iter().any(|s| s.frozen_at.is_some()),
            stages: summaries,
            final_ranking,
        })
    }

    async fn final_rows(
        &self,
        edition_id: Id,
        audience: &Audience,
    ) -> Result<Vec<FinalCategory>, AppError> {
        if audience.undeclared {
            return Ok(Vec::new());
        }
        let rows = rs::final_for_edition(self.db.pool(), edition_id).await?;
        let mut out: Vec<FinalCategory> = Vec::new();
        for r in rows {
            if audience.hidden.contains(&r.proposal_id) {
                continue;
            }
            let Ok(b) = serde_json::from_str::<FinalBreakdown>(&r.breakdown_json) else {
                continue;
            };
            let row = FinalRow {
                proposal_id: r.proposal_id,
                category_id: r.category_id,
                rank: r.rank,
                score: r.score,
                breakdown: b,
            };
            match out.iter_mut().find(|c| c.id == r.category_id) {
                Some(c) => c.rows.push(row),
                None => out.push(FinalCategory {
                    id: r.category_id,
                    name: row.breakdown.category_name.clone(),
                    rows: vec![row],
                }),
            }
        }
        Ok(out)
    }

    /// The final ranking for any reader of rankings (conflicts and recusals applied).
    pub async fn final_ranking(&self, actor: &Actor) -> Result<Vec<FinalCategory>, AppError> {
        let edition = self.ensure_current_edition().await?;
        let audience = self.audience(actor.user_id, edition.id).await?;
        self.final_rows(edition.id, &audience).await
    }

    /// Feedback on a proposal for whoever may read it (its unit's operator and head, the
    /// committee): per frozen stage the mean per criterion and each judge's comments as
    /// "Juri n" — only once the committee has released feedback.
    pub async fn feedback(
        &self,
        proposal_id: Id,
        grants: &[kolabik_domain::RoleGrant],
    ) -> Result<Feedback, AppError> {
        let p = self.proposal(proposal_id, grants).await?;
        let pool = self.db.pool();
        let (_, released) = rs::edition_settings(pool, p.edition_id).await?;
        let mut out = Feedback {
            proposal_id,
            title: p.content.title.clone(),
            released_at: released,
            stages: Vec::new(),
        };
        if released.is_none() {
            return Ok(out);
        }
        let stages = editions::stages(pool, p.edition_id).await?;
        for kind in StageKind::JUDGED {
            let Some(stage) = stages.iter().find(|s| s.kind == kind) else {
                continue;
            };
            if !self.stage_frozen(stage.id).await? {
                continue;
            }
            let rows = rs::for_stage(pool, stage.id).await?;
            let Some(row) = rows.iter().find(|r| r.proposal_id == proposal_id) else {
                continue;
            };
            let Ok(b) = serde_json::from_str::<Breakdown>(&row.breakdown_json) else {
                continue;
            };
            let name_of = |code: &str| {
                b.criteria
                    .iter()
                    .find(|c| c.code == code)
                    .map(|c| c.name.clone())
                    .unwrap_or_else(|| code.to_owned())
            };
            let mut sheets = b.sheets.clone();
            sheets.sort_by_key(|s| s.judge_id);
            let judges = sheets
                .iter()
                .enumerate()
                .map(|(i, s)| FeedbackJudge {
                    number: i + 1,
                    comments: s
                        .comments
                        .iter()
                        .map(|(code, c)| (name_of(code), c.clone()))
                        .collect(),
                    overall_comment: s.overall_comment.clone(),
                })
                .collect();
            out.stages.push(FeedbackStage {
                stage: kind,
                criteria: b.criteria.clone(),
                judges,
            });
        }
        Ok(out)
    }

    /// The berita acara of a frozen stage, as PDF or XLSX (committee only).
    pub async fn minutes(
        &self,
        stage_code: &str,
        format: MinutesFormat,
        lang: Lang,
        label: Label<'_>,
        actor: &Actor,
    ) -> Result<Minutes, AppError> {
        let r = self.ranking(stage_code, actor).await?;
        if !r.committee {
            return Err(AppError::Forbidden);
        }
        if !r.frozen() {
            return Err(invalid("stage", "results.not_frozen"));
        }
        let ext = match format {
            MinutesFormat::Pdf => "pdf",
            MinutesFormat::Xlsx => "xlsx",
        };
        let filename = format!(
            "berita-acara-{}-{}.{ext}",
            r.stage.as_str().replace('_', "-"),
            r.edition_year
        );
        let bytes = match format {
            MinutesFormat::Pdf => crate::minutes::pdf(&r, lang, label),
            MinutesFormat::Xlsx => crate::minutes::xlsx(&r, label)
                .map_err(|e| AppError::Internal(format!("xlsx: {e}")))?,
        };
        Ok(Minutes { bytes, filename })
    }
}
