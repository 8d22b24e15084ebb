//! JSON API for the participant flow on one proposal: read it (with indicator changes),
//! create, save with the version it was read at, submit with the declaration, approve,
//! return, withdraw, and its version history. The same use cases and rules as the pages.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kolabik_app::proposals::{SaveOutcome, SubmitOutcome};
use kolabik_app::store::proposal_content::EditableProposal;
use kolabik_domain::Id;
use kolabik_domain::proposal::ProposalContent;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::ErrorBody;
use crate::api_edition::IdDto;
use crate::ctx::Ctx;
use crate::error::WebError;

#[derive(Serialize, ToSchema)]
pub struct IndicatorDto {
    /// `processing_time`, `steps`, `requirements`, `cost`, `visits`, `satisfaction`, `served_per_month`.
    pub kind: String,
    pub before: String,
    pub after: String,
    pub before_unit: String,
    pub after_unit: String,
    pub evidence: String,
    /// after − before (minutes for processing time); absent while the numbers are unfinished.
    pub delta: Option<f64>,
    pub percent: Option<f64>,
    /// The service got worse on this indicator.
    pub worse: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ProposalDetailDto {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub state: String,
    /// Send this back with the next save.
    pub version: i64,
    pub receipt_number: Option<String>,
    pub state_reason: Option<String>,
    pub submitted_at: Option<String>,
    /// The content as saved (same fields as the save body).
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
    pub indicators: Vec<IndicatorDto>,
    /// What still stands between this content and submission: field and message code.
    pub missing: Vec<MissingDto>,
}

#[derive(Serialize, ToSchema)]
pub struct MissingDto {
    pub field: String,
    pub code: String,
}

#[derive(Deserialize, ToSchema)]
pub struct NewProposalBody {
    pub unit_id: i64,
    pub title: String,
}

#[derive(Deserialize, ToSchema)]
pub struct SaveBody {
    /// The version the content was read at.
    pub version: i64,
    #[schema(value_type = Object)]
    pub content: ProposalContent,
}

#[derive(Serialize, ToSchema)]
pub struct SaveResultDto {
    /// `saved` or `conflict`.
    pub outcome: String,
    /// The proposal's version now.
    pub version: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct SubmitBody {
    /// The truth declaration; must be true.
    pub declaration: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SubmitResultDto {
    /// `submitted` or `awaiting_approval`.
    pub outcome: String,
    pub receipt_number: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct ReasonBody {
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct VersionDto {
    pub id: i64,
    pub version: i64,
    pub saved_by: Option<String>,
    pub saved_at: String,
    /// `conflict` for a save that lost a race (kept so nothing is lost).
    pub note: Option<String>,
}

async fn detail(state: &AppState, p: EditableProposal) -> Result<ProposalDetailDto, WebError> {
    let overview = state
        .app
        .edition_overview()
        .await?
        .ok_or_else(WebError::not_found)?;
    let codes: Vec<&str> = overview
        .categories
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    let missing = p
        .content
        .completeness(&codes)
        .into_iter()
        .map(|m| MissingDto {
            field: m.field.into(),
            code: m.key.into(),
        })
        .collect();
    let indicators = p
        .content
        .indicators
        .iter()
        .map(|i| {
            let change = i.parse().ok().map(|x| x.change());
            IndicatorDto {
                kind: i.kind.clone(),
                before: i.before.clone(),
                after: i.after.clone(),
                before_unit: i.before_unit.clone(),
                after_unit: i.after_unit.clone(),
                evidence: i.evidence.clone(),
                delta: change.map(|c| c.delta),
                percent: change.and_then(|c| c.percent),
                worse: change.is_some_and(|c| c.worse),
            }
        })
        .collect();
    Ok(ProposalDetailDto {
        id: p.id,
        unit_id: p.unit_id,
        unit_name: p.unit_name,
        state: p.state.as_str().to_owned(),
        version: p.version,
        receipt_number: p.receipt_number,
        state_reason: p.state_reason,
        submitted_at: p.submitted_at.map(|t| t.to_rfc3339()),
        content: serde_json::to_value(&p.content).unwrap_or_default(),
        indicators,
        missing,
    })
}

/// One proposal in full, for the committee, its unit's operators and unit heads above it.
#[utoipa::path(get, path = "/api/v1/proposals/{id}", tag = "proposals", params(("id" = i64, Path, description = "Proposal id")),
    responses((status = 200, body = ProposalDetailDto), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get_one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Json<ProposalDetailDto>, WebError> {
    crate::pages::jury::refuse_recused(&state, &ctx, id).await?;
    let p = state.app.proposal(id, &ctx.grants).await?;
    Ok(Json(detail(&state, p).await?))
}

/// Starts a draft for one of the operator's units.
#[utoipa::path(post, path = "/api/v1/proposals", tag = "proposals", request_body = NewProposalBody,
    responses((status = 201, body = IdDto), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(b): Json<NewProposalBody>,
) -> Result<Response, WebError> {
    let content = ProposalContent {
        title: b.title,
        ..Default::default()
    };
    let id = state
        .app
        .create_proposal(b.unit_id, &content, &ctx.actor(), &ctx.grants)
        .await?;
    Ok((StatusCode::CREATED, Json(IdDto { id })).into_response())
}

/// Saves the content. 409 when someone saved after `version`; the refused content is kept
/// in the history.
#[utoipa::path(post, path = "/api/v1/proposals/{id}", tag = "proposals", request_body = SaveBody,
    params(("id" = i64, Path, description = "Proposal id")),
    responses((status = 200, body = SaveResultDto), (status = 409, body = SaveResultDto), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Json(b): Json<SaveBody>,
) -> Result<Response, WebError> {
    Ok(
        match state
            .app
            .save_proposal(id, b.version, &b.content, &ctx.actor(), &ctx.grants)
            .await?
        {
            SaveOutcome::Saved { version } => Json(SaveResultDto {
                outcome: "saved".into(),
                version,
            })
            .into_response(),
            SaveOutcome::Conflict { current, .. } => (
                StatusCode::CONFLICT,
                Json(SaveResultDto {
                    outcome: "conflict".into(),
                    version: current.version,
                }),
            )
                .into_response(),
        },
    )
}

/// Submits a complete proposal before the unit's deadline (or sends it to the unit head).
#[utoipa::path(post, path = "/api/v1/proposals/{id}/submit", tag = "proposals", request_body = SubmitBody,
    params(("id" = i64, Path, description = "Proposal id")),
    responses((status = 200, body = SubmitResultDto), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Json(b): Json<SubmitBody>,
) -> Result<Json<SubmitResultDto>, WebError> {
    Ok(Json(
        match state
            .app
            .submit_proposal(id, b.declaration, &ctx.actor(), &ctx.grants)
            .await?
        {
            SubmitOutcome::Submitted { receipt_number } => SubmitResultDto {
                outcome: "submitted".into(),
                receipt_number: Some(receipt_number),
            },
            SubmitOutcome::AwaitingApproval => SubmitResultDto {
                outcome: "awaiting_approval".into(),
                receipt_number: None,
            },
        },
    ))
}

/// The unit head approves: the proposal is submitted with a receipt.
#[utoipa::path(post, path = "/api/v1/proposals/{id}/approve", tag = "proposals",
    params(("id" = i64, Path, description = "Proposal id")),
    responses((status = 200, body = SubmitResultDto), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Json<SubmitResultDto>, WebError> {
    let receipt = state
        .app
        .approve_proposal(id, &ctx.actor(), &ctx.grants)
        .await?;
    Ok(Json(SubmitResultDto {
        outcome: "submitted".into(),
        receipt_number: Some(receipt),
    }))
}

/// Returns a proposal with reasons: the committee (submitted → returned) or the unit head
/// (awaiting approval → draft).
#[utoipa::path(post, path = "/api/v1/proposals/{id}/return", tag = "proposals", request_body = ReasonBody,
    params(("id" = i64, Path, description = "Proposal id")),
    responses((status = 204), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn return_it(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Json(b): Json<ReasonBody>,
) -> Result<StatusCode, WebError> {
    state
        .app
        .return_proposal(id, &b.reason, &ctx.actor(), &ctx.grants)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The unit withdraws its proposal.
#[utoipa::path(post, path = "/api/v1/proposals/{id}/withdraw", tag = "proposals",
    params(("id" = i64, Path, description = "Proposal id")),
    responses((status = 204), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<StatusCode, WebError> {
    state
        .app
        .withdraw_proposal(id, &ctx.actor(), &ctx.grants)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Saved versions, newest first.
#[utoipa::path(get, path = "/api/v1/proposals/{id}/versions", tag = "proposals",
    params(("id" = i64, Path, description = "Proposal id")),
    responses((status = 200, body = Vec<VersionDto>), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn versions(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Json<Vec<VersionDto>>, WebError> {
    Ok(Json(
        state
            .app
            .proposal_versions(id, &ctx.grants)
            .await?
            .into_iter()
            .map(|v| VersionDto {
                id: v.id,
                version: v.version,
                saved_by: v.saved_by_name,
                saved_at: v.saved_at.to_rfc3339(),
                note: v.note,
            })
            .collect(),
    ))
}

#[derive(OpenApi)]
#[openapi(paths(get_one, create, save, submit, approve, return_it, withdraw, versions))]
pub struct ProposalApiDoc;
