//! JSON API for judging: a judged stage's settings and rubric (committee; judges read the
//! rubric of a stage they judge), the judge's queue, one score sheet (read, save, submit),
//! reopening a submitted sheet (committee), and the sheets of a stage (committee; a judge
//! only after the stage closed or froze, only on proposals they are assigned to without an
//! active conflict). Same rules as the pages (`kolabik_app::scoring`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kolabik_app::AppError;
use kolabik_app::scoring::{JudgeQueue, SettingsInput, SheetView, StageSheet};
use kolabik_app::store::stage_judging::StageJudging;
use kolabik_domain::access::Area;
use kolabik_domain::proposal::{IndicatorKind, SECTIONS};
use kolabik_domain::rubric::{Criterion, LevelDescriptor, Rubric, format_percent};
use kolabik_domain::scoring::{Sheet, SheetEntry};
use kolabik_domain::{Id, Role};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::ErrorBody;
use crate::ctx::Ctx;
use crate::error::WebError;

/// Who may read a stage's rubric and sheets; the use case narrows it for judges.
pub(crate) const SCORING_READERS: Area = Area::AnyOf(&[Role::Committee, Role::Judge]);

#[derive(Serialize, Deserialize, ToSchema)]
pub struct StageSettingsDto {
    /// Unit identity hidden from judges.
    pub blind: bool,
    pub reviews_per_proposal: i64,
    pub min_academic: i64,
    pub min_practitioner: i64,
    /// Most proposals one judge gets in this stage.
    pub max_load: i64,
    /// The stage's weight in the final score, basis points (10000 = 100 %).
    pub final_weight_bp: i64,
    /// Promote the best N per category into the next judged stage.
    pub promote_top_n: Option<i64>,
    /// Promote every proposal scoring at least this (0–100).
    pub passing_grade: Option<f64>,
    /// Judges' totals further apart than this (points of 100) flag a disagreement.
    pub disagreement_threshold: f64,
    /// Read only: results frozen (RFC 3339).
    #[serde(default)]
    pub frozen_at: Option<String>,
    /// Read only: the stage opens (RFC 3339); the rubric is fixed from then on.
    #[serde(default)]
    pub opens_at: Option<String>,
    /// Read only.
    #[serde(default)]
    pub rubric_locked: bool,
}

#[derive(Serialize, Deserialize, ToSchema, Clone)]
pub struct LevelDto {
    pub score: u8,
    pub descriptor: String,
}

#[derive(Serialize, Deserialize, ToSchema, Clone)]
pub struct CriterionDto {
    /// Slug (a–z, 0–9, `-`); sheets refer to criteria by it.
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Basis points; the counted criteria sum to 10000.
    pub weight_bp: u32,
    pub scale_min: u8,
    pub scale_max: u8,
    #[serde(default)]
    pub levels: Vec<LevelDto>,
    /// `false`: scored but not counted in the total.
    #[serde(default = "yes")]
    pub counted: bool,
}

fn yes() -> bool {
    true
}

#[derive(Serialize, Deserialize, ToSchema, Clone)]
pub struct RubricDto {
    pub criteria: Vec<CriterionDto>,
}

impl From<&Rubric> for RubricDto {
    fn from(r: &Rubric) -> RubricDto {
        RubricDto {
            criteria: r
                .criteria
                .iter()
                .map(|c| CriterionDto {
                    code: c.code.clone(),
                    name: c.name.clone(),
                    description: c.description.clone(),
                    weight_bp: c.weight_bp,
                    scale_min: c.scale_min,
                    scale_max: c.scale_max,
                    levels: c
                        .levels
                        .iter()
                        .map(|l| LevelDto {
                            score: l.score,
                            descriptor: l.descriptor.clone(),
                        })
                        .collect(),
                    counted: c.counted,
                })
                .collect(),
        }
    }
}

impl From<RubricDto> for Rubric {
    fn from(r: RubricDto) -> Rubric {
        Rubric {
            criteria: r
                .criteria
                .into_iter()
                .map(|c| Criterion {
                    code: c.code,
                    name: c.name,
                    description: c.description,
                    weight_bp: c.weight_bp,
                    scale_min: c.scale_min,
                    scale_max: c.scale_max,
                    levels: c
                        .levels
                        .into_iter()
                        .map(|l| LevelDescriptor {
                            score: l.score,
                            descriptor: l.descriptor,
                        })
                        .collect(),
                    counted: c.counted,
                })
                .collect(),
        }
    }
}

#[derive(Serialize, Deserialize, ToSchema, Clone)]
pub struct EntryDto {
    pub criterion: String,
    /// Empty while not scored (a draft).
    pub score: Option<u8>,
    #[serde(default)]
    pub comment: String,
}

#[derive(Serialize, Deserialize, ToSchema, Clone)]
pub struct SheetDto {
    pub entries: Vec<EntryDto>,
    #[serde(default)]
    pub overall_comment: String,
}

impl From<&Sheet> for SheetDto {
    fn from(s: &Sheet) -> SheetDto {
        SheetDto {
            entries: s
                .entries
                .iter()
                .map(|e| EntryDto {
                    criterion: e.criterion.clone(),
                    score: e.score,
                    comment: e.comment.clone(),
                })
                .collect(),
            overall_comment: s.overall_comment.clone(),
        }
    }
}

impl From<SheetDto> for Sheet {
    fn from(s: SheetDto) -> Sheet {
        Sheet {
            entries: s
                .entries
                .into_iter()
                .map(|e| SheetEntry {
                    criterion: e.criterion,
                    score: e.score,
                    comment: e.comment,
                })
                .collect(),
            overall_comment: s.overall_comment,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct QueueItemDto {
    pub proposal_id: i64,
    /// With the unit's identity redacted in a blind stage.
    pub title: String,
    /// `not_started`, `draft` or `submitted`.
    pub state: String,
    pub total: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct QueueStageDto {
    /// `penilaian`, `presentasi_wawancara` or `verifikasi_lapangan`.
    pub stage: String,
    /// `upcoming`, `open` or `closed`.
    pub status: String,
    pub opens_at: String,
    pub closes_at: String,
    pub blind: bool,
    pub frozen: bool,
    pub submitted: usize,
    pub total: usize,
    pub items: Vec<QueueItemDto>,
}

#[derive(Serialize, ToSchema)]
pub struct QueueDto {
    pub stages: Vec<QueueStageDto>,
}

#[derive(Serialize, ToSchema)]
pub struct SectionDto {
    pub field: String,
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct IndicatorDto {
    pub kind: String,
    pub before: String,
    pub after: String,
    /// after − before (minutes for processing time).
    pub delta: Option<f64>,
    pub percent: Option<f64>,
    /// The service got worse on this indicator.
    pub worse: bool,
    pub evidence: String,
}

#[derive(Serialize, ToSchema)]
pub struct AttachmentRefDto {
    pub file_id: i64,
    /// A neutral name in a blind stage.
    pub filename: String,
    pub label: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Download link (cookie session).
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct SheetViewDto {
    pub stage: String,
    pub proposal_id: i64,
    pub blind: bool,
    pub title: String,
    /// Absent in a blind stage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_name: Option<String>,
    pub sections: Vec<SectionDto>,
    pub indicators: Vec<IndicatorDto>,
    pub attachments: Vec<AttachmentRefDto>,
    pub rubric: RubricDto,
    pub sheet: SheetDto,
    /// `not_started`, `draft` or `submitted`.
    pub state: String,
    pub total: Option<f64>,
    pub submitted_at: Option<String>,
    /// Save and submit possible now (stage open, not frozen, not submitted).
    pub editable: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SavedDto {
    /// `draft` or `submitted`.
    pub state: String,
    /// The weighted 0–100 total, on submit.
    pub total: Option<f64>,
}

#[derive(Deserialize, ToSchema)]
pub struct ReopenBody {
    /// Why the sheet is reopened (5–1000 characters); logged and shown to the judge.
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct StageSheetDto {
    pub sheet_id: i64,
    pub proposal_id: i64,
    pub judge_id: i64,
    /// `draft` or `submitted`.
    pub state: String,
    pub total: Option<f64>,
    pub submitted_at: Option<String>,
    pub sheet: SheetDto,
}

fn settings_dto(s: &StageJudging, opens_at: Option<String>, locked: bool) -> StageSettingsDto {
    StageSettingsDto {
        blind: s.blind,
        reviews_per_proposal: s.reviews_per_proposal,
        min_academic: s.min_academic,
        min_practitioner: s.min_practitioner,
        max_load: s.max_load,
        final_weight_bp: s.final_weight_bp,
        promote_top_n: s.promote_top_n,
        passing_grade: s.passing_grade,
        disagreement_threshold: s.disagreement_threshold,
        frozen_at: s.frozen_at.map(|t| t.to_rfc3339()),
        opens_at,
        rubric_locked: locked,
    }
}

fn queue_dto(q: JudgeQueue) -> QueueDto {
    QueueDto {
        stages: q
            .stages
            .into_iter()
            .map(|s| QueueStageDto {
                stage: s.stage.kind.as_str().to_owned(),
                status: match s.status {
                    kolabik_domain::StageStatus::Upcoming => "upcoming",
                    kolabik_domain::StageStatus::Open => "open",
                    kolabik_domain::StageStatus::Closed => "closed",
                }
                .to_owned(),
                opens_at: s.stage.opens_at.to_rfc3339(),
                closes_at: s.stage.closes_at.to_rfc3339(),
                blind: s.blind,
                frozen: s.frozen,
                submitted: s.submitted,
                total: s.items.len(),
                items: s
                    .items
                    .into_iter()
                    .map(|i| QueueItemDto {
                        proposal_id: i.proposal_id,
                        title: i.title,
                        state: i.state.to_owned(),
                        total: i.total,
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn sheet_view_dto(v: SheetView) -> SheetViewDto {
    let stage = v.stage.kind.as_str().to_owned();
    let sections = SECTIONS
        .iter()
        .map(|s| SectionDto {
            field: s.field.to_owned(),
            text: v.content.section(s.field).to_owned(),
        })
        .filter(|s| !s.text.is_empty())
        .collect();
    let indicators = IndicatorKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let i = v
                .content
                .indicators
                .iter()
                .find(|i| i.kind == kind.as_str())?;
            if i.before.trim().is_empty() && i.after.trim().is_empty() {
                return None;
            }
            let change = i.parse().ok().map(|p| p.change());
            Some(IndicatorDto {
                kind: kind.as_str().to_owned(),
                before: i.before.clone(),
                after: i.after.clone(),
                delta: change.map(|c| c.delta),
                percent: change.and_then(|c| c.percent),
                worse: change.is_some_and(|c| c.worse),
                evidence: i.evidence.clone(),
            })
        })
        .collect();
    let attachments = v
        .attachments
        .iter()
        .map(|a| AttachmentRefDto {
            file_id: a.file_id,
            filename: a.filename.clone(),
            label: a.label.clone(),
            content_type: a.content_type.clone(),
            size_bytes: a.size_bytes,
            url: format!("/juri/{stage}/{}/lampiran/{}", v.proposal_id, a.file_id),
        })
        .collect();
    SheetViewDto {
        proposal_id: v.proposal_id,
        blind: v.blind,
        title: v.content.title.clone(),
        unit_name: (!v.blind).then(|| v.unit_name.clone()),
        sections,
        indicators,
        attachments,
        rubric: RubricDto::from(&v.rubric),
        sheet: SheetDto::from(&v.sheet),
        state: v.state.to_owned(),
        total: v.total,
        submitted_at: v.submitted_at.map(|t| t.to_rfc3339()),
        editable: v.editable,
        stage,
    }
}

fn stage_sheet_dto(s: StageSheet) -> StageSheetDto {
    StageSheetDto {
        sheet_id: s.sheet_id,
        proposal_id: s.proposal_id,
        judge_id: s.judge_id,
        state: s.state,
        total: s.total,
        submitted_at: s.submitted_at.map(|t| t.to_rfc3339()),
        sheet: SheetDto::from(&s.sheet),
    }
}

fn user_id(ctx: &Ctx) -> Result<Id, WebError> {
    ctx.user
        .as_ref()
        .map(|u| u.id)
        .ok_or_else(WebError::unauthenticated)
}

/// A refused rubric change: the lock names the stage's opening instant.
async fn rubric_error(state: &AppState, stage: &str, e: AppError) -> WebError {
    if let AppError::Invalid(fields) = &e
        && fields.iter().any(|f| f.key == "scoring.rubric_locked")
        && let Ok(v) = state.app.stage_judging(stage).await
    {
        return WebError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "rubric_locked",
            key: "scoring.rubric_locked_at",
            args: Vec::new(),
            fields: fields.clone(),
            at: Some((v.stage.opens_at, v.time_zone)),
        };
    }
    e.into()
}

/// A judged stage's settings (created with the defaults on first read).
#[utoipa::path(get, path = "/api/v1/stages/{stage}/judging", tag = "scoring",
    params(("stage" = String, Path, description = "penilaian | presentasi_wawancara | verifikasi_lapangan")),
    responses((status = 200, body = StageSettingsDto), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_settings(
    State(state): State<AppState>,
    Path(stage): Path<String>,
) -> Result<Json<StageSettingsDto>, WebError> {
    let v = state.app.stage_judging(&stage).await?;
    Ok(Json(settings_dto(
        &v.settings,
        Some(v.stage.opens_at.to_rfc3339()),
        v.rubric_locked,
    )))
}

/// Replaces a judged stage's settings (read-only fields are ignored).
#[utoipa::path(post, path = "/api/v1/stages/{stage}/judging", tag = "scoring", request_body = StageSettingsDto,
    params(("stage" = String, Path, description = "Judged stage kind code")),
    responses((status = 200, body = StageSettingsDto), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
    Json(b): Json<StageSettingsDto>,
) -> Result<Json<StageSettingsDto>, WebError> {
    let input = SettingsInput {
        blind: b.blind,
        reviews_per_proposal: b.reviews_per_proposal.to_string(),
        min_academic: b.min_academic.to_string(),
        min_practitioner: b.min_practitioner.to_string(),
        max_load: b.max_load.to_string(),
        final_weight: u32::try_from(b.final_weight_bp)
            .map(format_percent)
            .unwrap_or_else(|_| "-".into()),
        promote_top_n: b.promote_top_n.map(|n| n.to_string()).unwrap_or_default(),
        passing_grade: b.passing_grade.map(|g| g.to_string()).unwrap_or_default(),
        disagreement_threshold: b.disagreement_threshold.to_string(),
    };
    state
        .app
        .save_stage_settings(&stage, &input, &ctx.actor())
        .await?;
    get_settings(State(state), Path(stage)).await
}

/// A judged stage's rubric. Judges: only for a stage they judge.
#[utoipa::path(get, path = "/api/v1/stages/{stage}/rubric", tag = "scoring",
    params(("stage" = String, Path, description = "Judged stage kind code")),
    responses((status = 200, body = RubricDto), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_rubric(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
) -> Result<Json<RubricDto>, WebError> {
    if ctx.has_role(Role::Committee) {
        let v = state.app.stage_judging(&stage).await?;
        return Ok(Json(RubricDto::from(&v.rubric)));
    }
    let rubric = state.app.judge_stage_rubric(&stage, user_id(&ctx)?).await?;
    Ok(Json(RubricDto::from(&rubric)))
}

/// Replaces a judged stage's rubric; refused once the stage has opened (`rubric_locked`).
#[utoipa::path(post, path = "/api/v1/stages/{stage}/rubric", tag = "scoring", request_body = RubricDto,
    params(("stage" = String, Path, description = "Judged stage kind code")),
    responses((status = 200, body = RubricDto), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_rubric(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
    Json(b): Json<RubricDto>,
) -> Result<Json<RubricDto>, WebError> {
    let rubric = Rubric::from(b);
    if let Err(e) = state.app.save_rubric(&stage, &rubric, &ctx.actor()).await {
        return Err(rubric_error(&state, &stage, e).await);
    }
    Ok(Json(RubricDto::from(&rubric)))
}

/// The signed-in judge's queue per judged stage. Refused (403 `declaration_required`)
/// before the conflict-of-interest declaration.
#[utoipa::path(get, path = "/api/v1/judge/queue", tag = "scoring",
    responses((status = 200, body = QueueDto), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn queue(State(state): State<AppState>, ctx: Ctx) -> Result<Json<QueueDto>, WebError> {
    let q = state.app.judge_queue(user_id(&ctx)?).await?;
    if !q.declared {
        return Err(WebError {
            code: "declaration_required",
            key: "scoring.declaration_required",
            ..WebError::forbidden()
        });
    }
    Ok(Json(queue_dto(q)))
}

/// The judge's sheet for one proposal (`id` = proposal id), with the proposal as the
/// judge may see it. 404 without a visible assignment or before the declaration.
#[utoipa::path(get, path = "/api/v1/stages/{stage}/sheets/{id}", tag = "scoring",
    params(("stage" = String, Path, description = "Judged stage kind code"), ("id" = i64, Path, description = "Proposal id")),
    responses((status = 200, body = SheetViewDto), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_sheet(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((stage, id)): Path<(String, Id)>,
) -> Result<Json<SheetViewDto>, WebError> {
    let v = state.app.judge_sheet(&stage, id, user_id(&ctx)?).await?;
    Ok(Json(sheet_view_dto(v)))
}

async fn save(
    state: &AppState,
    ctx: &Ctx,
    stage: &str,
    id: Id,
    body: SheetDto,
    submit: bool,
) -> Result<Json<SavedDto>, WebError> {
    let sheet = Sheet::from(body);
    let total = state
        .app
        .save_judge_sheet(stage, id, user_id(ctx)?, &sheet, submit, &ctx.actor())
        .await?;
    Ok(Json(SavedDto {
        state: if submit { "submitted" } else { "draft" }.to_owned(),
        total,
    }))
}

/// Saves the sheet as a draft (scores may be missing). Only while the stage is open, not
/// frozen, and the sheet not submitted.
#[utoipa::path(post, path = "/api/v1/stages/{stage}/sheets/{id}", tag = "scoring", request_body = SheetDto,
    params(("stage" = String, Path, description = "Judged stage kind code"), ("id" = i64, Path, description = "Proposal id")),
    responses((status = 200, body = SavedDto), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_sheet(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((stage, id)): Path<(String, Id)>,
    Json(b): Json<SheetDto>,
) -> Result<Json<SavedDto>, WebError> {
    save(&state, &ctx, &stage, id, b, false).await
}

/// Submits the sheet: every criterion scored; the weighted 0–100 total is stored and the
/// sheet locked until the committee reopens it.
#[utoipa::path(post, path = "/api/v1/stages/{stage}/sheets/{id}/submit", tag = "scoring", request_body = SheetDto,
    params(("stage" = String, Path, description = "Judged stage kind code"), ("id" = i64, Path, description = "Proposal id")),
    responses((status = 200, body = SavedDto), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn submit_sheet(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((stage, id)): Path<(String, Id)>,
    Json(b): Json<SheetDto>,
) -> Result<Json<SavedDto>, WebError> {
    save(&state, &ctx, &stage, id, b, true).await
}

/// Reopens a submitted sheet (`id` = sheet id) so its judge can change it.
#[utoipa::path(post, path = "/api/v1/stages/{stage}/score-sheets/{id}/reopen", tag = "scoring", request_body = ReopenBody,
    params(("stage" = String, Path, description = "Judged stage kind code"), ("id" = i64, Path, description = "Score sheet id")),
    responses((status = 204), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reopen(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((stage, id)): Path<(String, Id)>,
    Json(b): Json<ReopenBody>,
) -> Result<StatusCode, WebError> {
    state
        .app
        .reopen_sheet(&stage, id, &b.reason, &ctx.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The sheets of a stage. Committee: all (less proposals the member stepped aside from).
/// A judge: only after the stage closed or was frozen, only on their proposals.
#[utoipa::path(get, path = "/api/v1/stages/{stage}/sheets", tag = "scoring",
    params(("stage" = String, Path, description = "Judged stage kind code")),
    responses((status = 200, body = Vec<StageSheetDto>), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn stage_sheets(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
) -> Result<Json<Vec<StageSheetDto>>, WebError> {
    let sheets = state
        .app
        .stage_sheets(&stage, user_id(&ctx)?, ctx.has_role(Role::Committee))
        .await?;
    Ok(Json(sheets.into_iter().map(stage_sheet_dto).collect()))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        get_settings,
        put_settings,
        get_rubric,
        put_rubric,
        queue,
        get_sheet,
        put_sheet,
        submit_sheet,
        reopen,
        stage_sheets
    ),
    components(schemas(
        StageSettingsDto,
        LevelDto,
        CriterionDto,
        RubricDto,
        EntryDto,
        SheetDto,
        QueueItemDto,
        QueueStageDto,
        QueueDto,
        SectionDto,
        IndicatorDto,
        AttachmentRefDto,
        SheetViewDto,
        SavedDto,
        ReopenBody,
        StageSheetDto
    ))
)]
pub struct ScoringApiDoc;
