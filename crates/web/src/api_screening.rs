//! JSON API for administrative screening: the queue with the automatic checks, a decision
//! on one proposal (at once or held), and releasing every held decision together.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kolabik_app::screening::{DecisionInput, QueueItem};
use kolabik_domain::Id;
use kolabik_domain::screening::CheckResult;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::ErrorBody;
use crate::ctx::Ctx;
use crate::error::WebError;

#[derive(Serialize, ToSchema)]
pub struct CheckDto {
    /// `sections`, `word_limits`, `atm`, `values_sdgs`, `indicators`, `min_months`,
    /// `recent_winner`, `duplicate_title`.
    pub code: String,
    pub passed: bool,
    /// Passed, but the committee should look (e.g. an indicator got worse).
    pub warning: bool,
    /// Message code of what the check found.
    pub detail: String,
}

#[derive(Serialize, ToSchema)]
pub struct HeldDto {
    /// `pass`, `return` or `reject`.
    pub decision: String,
    pub reasons: String,
    pub created_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct QueueItemDto {
    pub id: i64,
    pub title: String,
    pub unit_name: String,
    pub receipt_number: Option<String>,
    pub submitted_at: Option<String>,
    pub checks: Vec<CheckDto>,
    pub passed: usize,
    pub failed: usize,
    pub warnings: usize,
    /// The decision held for this proposal, not yet released.
    pub held: Option<HeldDto>,
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionBody {
    /// `pass`, `return` or `reject`.
    pub decision: String,
    /// Required to return (≥ 10 characters) and to reject; notes for a pass.
    #[serde(default)]
    pub reasons: String,
    /// Ids of the checklist items ticked.
    #[serde(default)]
    pub checked: Vec<i64>,
    /// Hold the decision until `POST /api/v1/screening/release`.
    #[serde(default)]
    pub hold: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ReleaseDto {
    /// Proposals whose state changed.
    pub released: usize,
}

fn check_dto(c: &CheckResult) -> CheckDto {
    CheckDto {
        code: c.code.to_owned(),
        passed: c.passed,
        warning: c.warning,
        detail: c.detail_key.to_owned(),
    }
}

fn item_dto(i: QueueItem) -> QueueItemDto {
    QueueItemDto {
        id: i.id,
        checks: i.checks.iter().map(check_dto).collect(),
        title: i.title,
        unit_name: i.unit_name,
        receipt_number: i.receipt_number,
        submitted_at: i.submitted_at.map(|t| t.to_rfc3339()),
        passed: i.passed,
        failed: i.failed,
        warnings: i.warnings,
        held: i.held.map(|h| HeldDto {
            decision: h.decision,
            reasons: h.reasons,
            created_at: h.created_at.to_rfc3339(),
        }),
    }
}

/// Submitted proposals of the current edition with their automatic checks.
#[utoipa::path(get, path = "/api/v1/screening", tag = "screening",
    responses((status = 200, body = Vec<QueueItemDto>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn queue(State(state): State<AppState>) -> Result<Json<Vec<QueueItemDto>>, WebError> {
    Ok(Json(
        state
            .app
            .screening_queue()
            .await?
            .into_iter()
            .map(item_dto)
            .collect(),
    ))
}

/// Decides on a submitted proposal: applied at once, or held with `hold: true`.
#[utoipa::path(post, path = "/api/v1/proposals/{id}/screening", tag = "screening", request_body = DecisionBody,
    params(("id" = i64, Path, description = "Proposal id")),
    responses((status = 204), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Json(b): Json<DecisionBody>,
) -> Result<StatusCode, WebError> {
    let input = DecisionInput {
        decision: b.decision,
        reasons: b.reasons,
        checked: b.checked,
        hold: b.hold,
    };
    state.app.screen_proposal(id, &input, &ctx.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Applies every held decision of the current edition together.
#[utoipa::path(post, path = "/api/v1/screening/release", tag = "screening",
    responses((status = 200, body = ReleaseDto), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn release(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<ReleaseDto>, WebError> {
    let released = state.app.release_screenings(&ctx.actor()).await?;
    Ok(Json(ReleaseDto { released }))
}

#[derive(OpenApi)]
#[openapi(
    paths(queue, decide, release),
    components(schemas(CheckDto, HeldDto, QueueItemDto, DecisionBody, ReleaseDto))
)]
pub struct ScreeningApiDoc;
