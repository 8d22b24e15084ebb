//! JSON API for results: a judged stage's ranking (committee: everything; city leaders and
//! judges: the frozen ranking without judge names and without proposals they are
//! conflicted on), freezing and promotion, the final ranking, the berita acara downloads,
//! feedback release and a proposal's feedback.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use kolabik_app::results::{
    Feedback, FinalCategory, FreezeInput, MinutesFormat, RankRow, StageRanking,
};
use kolabik_domain::Id;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::ErrorBody;
use crate::ctx::Ctx;
use crate::error::WebError;
use crate::pages::results::minutes_download;

#[derive(Serialize, ToSchema)]
pub struct JudgeTotalDto {
    /// The judge's name for the committee; `Juri n` for everyone else.
    pub judge: String,
    /// `academic` or `practitioner`.
    pub kind: String,
    pub total: f64,
}

#[derive(Serialize, ToSchema)]
pub struct RankRowDto {
    pub proposal_id: i64,
    pub title: String,
    pub unit_name: String,
    /// 1-based, unique in the category; none without any submitted sheet.
    pub rank: Option<i64>,
    /// The value of the method.
    pub score: Option<f64>,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub trimmed_mean: Option<f64>,
    pub normalised: Option<f64>,
    pub spread: Option<f64>,
    pub n_sheets: usize,
    /// The spread exceeds the stage's disagreement threshold.
    pub disagreement: bool,
    /// The rule that separated an equal score: `criterion`, `median`, `agreement`,
    /// `submitted_at`, `proposal_id`.
    pub tie_break: Option<String>,
    pub tie_criterion: Option<String>,
    pub promoted: bool,
    /// Entry source: `screening`, `promotion`, `manual`; none when only assigned.
    pub source: Option<String>,
    pub sheets: Vec<JudgeTotalDto>,
}

#[derive(Serialize, ToSchema)]
pub struct CategoryDto {
    pub id: Option<i64>,
    pub name: Option<String>,
    pub rows: Vec<RankRowDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ReliabilityDto {
    /// Krippendorff's alpha (interval); none without enough data.
    pub alpha: Option<f64>,
    pub n_units: usize,
    /// Catalogue code of the plain meaning (`reliability.high`, …).
    pub meaning: String,
}

#[derive(Serialize, ToSchema)]
pub struct CriterionReliabilityDto {
    pub code: String,
    pub name: String,
    pub alpha: Option<f64>,
    pub meaning: String,
}

#[derive(Serialize, ToSchema)]
pub struct LeniencyDto {
    pub judge: String,
    pub kind: String,
    pub n_sheets: usize,
    /// Mean points above (+) or below (−) the other judges on shared proposals.
    pub leniency: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct MissingDto {
    pub judge: String,
    pub proposal_id: i64,
    pub title: String,
}

#[derive(Serialize, ToSchema)]
pub struct RankingDto {
    /// Stage kind code.
    pub stage: String,
    pub frozen: bool,
    pub frozen_at: Option<String>,
    /// `mean`, `median`, `trimmed_mean` or `normalised`.
    pub method: String,
    pub disagreement_threshold: f64,
    /// A judge who has not completed the declaration sees no proposal.
    pub undeclared: bool,
    pub categories: Vec<CategoryDto>,
    pub reliability: ReliabilityDto,
    pub per_criterion: Vec<CriterionReliabilityDto>,
    /// Committee only (empty for others).
    pub leniency: Vec<LeniencyDto>,
    /// Committee only: assigned sheets not submitted.
    pub missing: Vec<MissingDto>,
    pub next_stage: Option<String>,
}

fn row_dto(r: RankRow, committee: bool) -> RankRowDto {
    let b = r.breakdown;
    RankRowDto {
        proposal_id: r.proposal_id,
        title: b.title,
        unit_name: b.unit_name,
        rank: r.rank,
        score: r.score,
        mean: b.mean,
        median: b.median,
        trimmed_mean: b.trimmed_mean,
        normalised: b.normalised,
        spread: b.spread,
        n_sheets: b.n_sheets,
        disagreement: b.disagreement,
        tie_break: b.tie_break,
        tie_criterion: b.tie_criterion,
        promoted: r.promoted,
        source: r.source,
        sheets: b
            .sheets
            .into_iter()
            .map(|s| JudgeTotalDto {
                judge: if committee {
                    s.judge_name
                } else {
                    format!("Juri {}", s.judge_name.trim_start_matches('#'))
                },
                kind: s.judge_kind,
                total: s.total,
            })
            .collect(),
    }
}

fn ranking_dto(r: StageRanking) -> RankingDto {
    let committee = r.committee;
    RankingDto {
        stage: r.stage.as_str().to_owned(),
        frozen: r.frozen_at.is_some(),
        frozen_at: r.frozen_at.map(|t| t.to_rfc3339()),
        method: r.method,
        disagreement_threshold: r.threshold,
        undeclared: r.undeclared,
        categories: r
            .categories
            .into_iter()
            .map(|c| CategoryDto {
                id: c.id,
                name: c.name,
                rows: c.rows.into_iter().map(|x| row_dto(x, committee)).collect(),
            })
            .collect(),
        reliability: ReliabilityDto {
            alpha: r.reliability.alpha,
            n_units: r.reliability.n_units,
            meaning: r.reliability.meaning_key,
        },
        per_criterion: r
            .per_criterion
            .into_iter()
            .map(|p| CriterionReliabilityDto {
                code: p.code,
                name: p.name,
                alpha: p.reliability.alpha,
                meaning: p.reliability.meaning_key,
            })
            .collect(),
        leniency: r
            .leniency
            .into_iter()
            .map(|l| LeniencyDto {
                judge: l.judge_name,
                kind: l.judge_kind,
                n_sheets: l.n_sheets,
                leniency: l.leniency,
            })
            .collect(),
        missing: r
            .missing
            .into_iter()
            .map(|m| MissingDto {
                judge: m.judge_name,
                proposal_id: m.proposal_id,
                title: m.title,
            })
            .collect(),
        next_stage: r.next_stage.map(|k| k.as_str().to_owned()),
    }
}

/// A judged stage's ranking. Committee: live or frozen, with judge names. City leaders
/// and judges: only once frozen, without names or conflicted proposals.
#[utoipa::path(get, path = "/api/v1/rankings/{stage}", tag = "results",
    params(("stage" = String, Path, description = "penilaian | presentasi_wawancara | verifikasi_lapangan")),
    responses((status = 200, body = RankingDto), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn ranking(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
) -> Result<Json<RankingDto>, WebError> {
    Ok(Json(ranking_dto(
        state.app.ranking(&stage, &ctx.actor()).await?,
    )))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct FreezeBody {
    /// Freeze although assigned sheets are missing (needs `reason`).
    #[serde(default)]
    pub anyway: bool,
    #[serde(default)]
    pub reason: String,
}

/// Freezes the stage's results (refused while sheets are missing unless `anyway`).
#[utoipa::path(post, path = "/api/v1/rankings/{stage}/freeze", tag = "results", request_body = FreezeBody,
    params(("stage" = String, Path, description = "Judged stage kind code")),
    responses((status = 200, body = RankingDto), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn freeze(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
    Json(b): Json<FreezeBody>,
) -> Result<Json<RankingDto>, WebError> {
    let input = FreezeInput {
        anyway: b.anyway,
        reason: b.reason,
    };
    Ok(Json(ranking_dto(
        state.app.freeze_stage(&stage, &input, &ctx.actor()).await?,
    )))
}

#[derive(Serialize, ToSchema)]
pub struct PromoteDto {
    /// Entries added to the next judged stage.
    pub added: usize,
}

/// Promotes a frozen stage's best into the next judged stage by the stage's rule.
#[utoipa::path(post, path = "/api/v1/rankings/{stage}/promote", tag = "results",
    params(("stage" = String, Path, description = "Judged stage kind code")),
    responses((status = 200, body = PromoteDto), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn promote(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
) -> Result<Json<PromoteDto>, WebError> {
    let added = state.app.promote_stage(&stage, &ctx.actor()).await?;
    Ok(Json(PromoteDto { added }))
}

#[derive(Serialize, ToSchema)]
pub struct FinalRowDto {
    pub proposal_id: i64,
    pub title: String,
    pub unit_name: String,
    pub rank: Option<i64>,
    /// Σ weight × stage score / 10000; none when a weighted stage is missing.
    pub score: Option<f64>,
    /// (stage kind code, weight in basis points, stage score)
    pub stages: Vec<(String, u32, Option<f64>)>,
}

#[derive(Serialize, ToSchema)]
pub struct FinalCategoryDto {
    pub id: Option<i64>,
    pub name: Option<String>,
    pub rows: Vec<FinalRowDto>,
}

fn final_dto(c: FinalCategory) -> FinalCategoryDto {
    FinalCategoryDto {
        id: c.id,
        name: c.name,
        rows: c
            .rows
            .into_iter()
            .map(|r| FinalRowDto {
                proposal_id: r.proposal_id,
                title: r.breakdown.title,
                unit_name: r.breakdown.unit_name,
                rank: r.rank,
                score: r.score,
                stages: r.breakdown.stages,
            })
            .collect(),
    }
}

/// The edition's final ranking per category, once every weighted stage is frozen.
#[utoipa::path(get, path = "/api/v1/final-ranking", tag = "results",
    responses((status = 200, body = Vec<FinalCategoryDto>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn final_ranking(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<FinalCategoryDto>>, WebError> {
    Ok(Json(
        state
            .app
            .final_ranking(&ctx.actor())
            .await?
            .into_iter()
            .map(final_dto)
            .collect(),
    ))
}

/// The berita acara of a frozen stage as PDF (committee only).
#[utoipa::path(get, path = "/api/v1/rankings/{stage}/berita-acara.pdf", tag = "results",
    params(("stage" = String, Path, description = "Judged stage kind code")),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn minutes_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
) -> Result<Response, WebError> {
    minutes_download(&state, &ctx, &stage, MinutesFormat::Pdf).await
}

/// The berita acara of a frozen stage as XLSX (committee only).
#[utoipa::path(get, path = "/api/v1/rankings/{stage}/berita-acara.xlsx", tag = "results",
    params(("stage" = String, Path, description = "Judged stage kind code")),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn minutes_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
) -> Result<Response, WebError> {
    minutes_download(&state, &ctx, &stage, MinutesFormat::Xlsx).await
}

#[derive(Deserialize, ToSchema)]
pub struct ReleaseBody {
    /// `true` releases the feedback to participants; `false` withdraws it.
    pub release: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ReleaseStateDto {
    pub released: bool,
}

/// Releases (or withdraws) the edition's feedback to participants.
#[utoipa::path(post, path = "/api/v1/feedback/release", tag = "results", request_body = ReleaseBody,
    responses((status = 200, body = ReleaseStateDto), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn release(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(b): Json<ReleaseBody>,
) -> Result<Json<ReleaseStateDto>, WebError> {
    state
        .app
        .set_feedback_released(b.release, &ctx.actor())
        .await?;
    Ok(Json(ReleaseStateDto {
        released: b.release,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct FeedbackCriterionDto {
    pub code: String,
    pub name: String,
    pub weight_bp: u32,
    pub mean: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct FeedbackJudgeDto {
    /// "Juri 1", "Juri 2", …: never a name.
    pub judge: String,
    /// (criterion name, comment)
    pub comments: Vec<(String, String)>,
    pub overall_comment: String,
}

#[derive(Serialize, ToSchema)]
pub struct FeedbackStageDto {
    pub stage: String,
    pub criteria: Vec<FeedbackCriterionDto>,
    pub judges: Vec<FeedbackJudgeDto>,
}

#[derive(Serialize, ToSchema)]
pub struct FeedbackDto {
    pub proposal_id: i64,
    pub released: bool,
    pub stages: Vec<FeedbackStageDto>,
}

fn feedback_dto(f: Feedback) -> FeedbackDto {
    FeedbackDto {
        proposal_id: f.proposal_id,
        released: f.released_at.is_some(),
        stages: f
            .stages
            .into_iter()
            .map(|s| FeedbackStageDto {
                stage: s.stage.as_str().to_owned(),
                criteria: s
                    .criteria
                    .into_iter()
                    .map(|c| FeedbackCriterionDto {
                        code: c.code,
                        name: c.name,
                        weight_bp: c.weight_bp,
                        mean: c.mean,
                    })
                    .collect(),
                judges: s
                    .judges
                    .into_iter()
                    .map(|j| FeedbackJudgeDto {
                        judge: format!("Juri {}", j.number),
                        comments: j.comments,
                        overall_comment: j.overall_comment,
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Feedback on a proposal for its unit: per frozen stage, once released.
#[utoipa::path(get, path = "/api/v1/proposals/{id}/feedback", tag = "results",
    params(("id" = i64, Path, description = "Proposal id")),
    responses((status = 200, body = FeedbackDto), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn feedback(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Json<FeedbackDto>, WebError> {
    Ok(Json(feedback_dto(
        state.app.feedback(id, &ctx.grants).await?,
    )))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        ranking,
        freeze,
        promote,
        final_ranking,
        minutes_pdf,
        minutes_xlsx,
        release,
        feedback
    ),
    components(schemas(
        JudgeTotalDto,
        RankRowDto,
        CategoryDto,
        ReliabilityDto,
        CriterionReliabilityDto,
        LeniencyDto,
        MissingDto,
        RankingDto,
        FreezeBody,
        PromoteDto,
        FinalRowDto,
        FinalCategoryDto,
        ReleaseBody,
        ReleaseStateDto,
        FeedbackCriterionDto,
        FeedbackJudgeDto,
        FeedbackStageDto,
        FeedbackDto
    ))
)]
pub struct ResultsApiDoc;
