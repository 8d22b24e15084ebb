//! JSON API for edition set-up: settings, timeline, categories, dispensations, the deadline
//! that applies to a unit, and copying to next year. Committee only, except the deadline,
//! which a unit operator may ask for their own units.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kolabik_app::edition::DispensationInput;
use kolabik_domain::edition::{EditionSettingsInput, StageInput};
use kolabik_domain::{Id, Slug, StageKind};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::api::ErrorBody;
use crate::ctx::Ctx;
use crate::error::WebError;

#[derive(Deserialize, ToSchema)]
pub struct EditionSettingsBody {
    pub year: i32,
    pub name: String,
    #[serde(default)]
    pub theme: String,
    pub organiser: String,
    #[serde(default)]
    pub description: String,
    /// `WIB`, `WITA` or `WIT`.
    pub time_zone: String,
    /// The unit head approves a proposal before it is submitted.
    #[serde(default)]
    pub approval_required: bool,
    /// Minimum months the innovation has run, counted back from the close of submission.
    pub min_months_in_operation: u32,
    /// Units that won in any of the last N editions may not enter (0: no such rule).
    pub no_winner_within_editions: u32,
    /// Proposals per unit (0: no limit).
    pub max_proposals_per_unit: u32,
    /// Largest proposal attachment in MiB, 1–20; omitted: unchanged.
    #[serde(default)]
    pub max_attachment_mb: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct EditionSettingsDto {
    pub id: i64,
    pub year: i32,
    pub name: String,
    pub theme: String,
    pub organiser: String,
    pub description: String,
    pub time_zone: String,
    pub approval_required: bool,
    pub min_months_in_operation: u32,
    pub no_winner_within_editions: u32,
    pub max_proposals_per_unit: u32,
    pub max_attachment_mb: u32,
}

impl From<kolabik_domain::Edition> for EditionSettingsDto {
    fn from(e: kolabik_domain::Edition) -> Self {
        EditionSettingsDto {
            id: e.id,
            year: e.year,
            name: e.name,
            theme: e.theme,
            organiser: e.organiser,
            description: e.description,
            time_zone: e.time_zone.as_str().to_owned(),
            approval_required: e.approval_required,
            min_months_in_operation: e.rules.min_months_in_operation,
            no_winner_within_editions: e.rules.no_winner_within_editions,
            max_proposals_per_unit: e.rules.max_proposals_per_unit,
            max_attachment_mb: e.max_attachment_mb,
        }
    }
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct StageBody {
    /// A stage kind, e.g. `pengajuan_proposal`.
    pub kind: String,
    /// `YYYY-MM-DDTHH:MM`, wall-clock time in the edition's time zone.
    pub opens: String,
    pub closes: String,
}

#[derive(Deserialize, ToSchema)]
pub struct CategoryBody {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Serialize, ToSchema)]
pub struct IdDto {
    pub id: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct DispensationBody {
    /// Unit code.
    pub unit: String,
    /// Stage kind, e.g. `pengajuan_proposal`.
    pub stage: String,
    /// New deadline, `YYYY-MM-DDTHH:MM` in the edition's time zone; later than the stage's.
    pub until: String,
    /// Why (kept in the audit log; at least 10 characters).
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct DispensationDto {
    pub id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub stage: String,
    /// RFC 3339, UTC.
    pub until: String,
    pub reason: String,
    pub granted_by: Option<String>,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct DeadlineParams {
    /// Unit code.
    pub unit: String,
    /// Stage kind; default `pengajuan_proposal`.
    pub stage: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DeadlineDto {
    pub unit: String,
    pub stage: String,
    /// Whether the unit may act in this stage now.
    pub open_now: bool,
    /// The deadline that applies to this unit (its dispensation, if later), RFC 3339.
    pub deadline: Option<String>,
    /// When refused: `not_scheduled`, `not_open_yet` or `closed`.
    pub refusal: Option<String>,
    pub message: Option<String>,
}

fn settings_input(b: EditionSettingsBody) -> EditionSettingsInput {
    EditionSettingsInput {
        year: b.year.to_string(),
        name: b.name,
        theme: b.theme,
        organiser: b.organiser,
        description: b.description,
        time_zone: b.time_zone,
        approval_required: b.approval_required.then(|| "on".to_owned()),
        min_months_in_operation: b.min_months_in_operation.to_string(),
        no_winner_within_editions: b.no_winner_within_editions.to_string(),
        max_proposals_per_unit: b.max_proposals_per_unit.to_string(),
        max_attachment_mb: b
            .max_attachment_mb
            .map(|n| n.to_string())
            .unwrap_or_default(),
    }
}

/// The current edition's settings and eligibility rules.
#[utoipa::path(get, path = "/api/v1/edition/settings", tag = "edition",
    responses((status = 200, body = EditionSettingsDto), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get_settings(
    State(state): State<AppState>,
) -> Result<Json<EditionSettingsDto>, WebError> {
    Ok(Json(state.app.ensure_current_edition().await?.into()))
}

/// Changes the current edition's settings and eligibility rules.
#[utoipa::path(post, path = "/api/v1/edition/settings", tag = "edition", request_body = EditionSettingsBody,
    responses((status = 200, body = EditionSettingsDto), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn save_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(mut body): Json<EditionSettingsBody>,
) -> Result<Json<EditionSettingsDto>, WebError> {
    if body.max_attachment_mb.is_none() {
        body.max_attachment_mb = Some(state.app.ensure_current_edition().await?.max_attachment_mb);
    }
    Ok(Json(
        state
            .app
            .update_edition_settings(&settings_input(body), &ctx.actor())
            .await?
            .into(),
    ))
}

/// Replaces the stage timeline. Stages left out are removed (unless judging uses them).
#[utoipa::path(post, path = "/api/v1/edition/stages", tag = "edition", request_body = Vec<StageBody>,
    responses((status = 200, body = Vec<StageBody>), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn save_stages(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<Vec<StageBody>>,
) -> Result<Json<Vec<StageBody>>, WebError> {
    let inputs: Vec<StageInput> = body
        .into_iter()
        .map(|s| StageInput {
            kind: s.kind,
            opens: s.opens,
            closes: s.closes,
        })
        .collect();
    let stages = state.app.save_timeline(&inputs, &ctx.actor()).await?;
    let tz = state.app.ensure_current_edition().await?.time_zone;
    Ok(Json(
        stages
            .into_iter()
            .map(|s| StageBody {
                kind: s.kind.as_str().to_owned(),
                opens: tz.to_local(s.opens_at).to_string(),
                closes: tz.to_local(s.closes_at).to_string(),
            })
            .collect(),
    ))
}

/// Adds a category to the current edition.
#[utoipa::path(post, path = "/api/v1/edition/categories", tag = "edition", request_body = CategoryBody,
    responses((status = 201, body = IdDto), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_category(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<CategoryBody>,
) -> Result<Response, WebError> {
    let id = state
        .app
        .add_category(&body.code, &body.name, &body.description, &ctx.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(IdDto { id })).into_response())
}

/// Removes a category no proposal uses.
#[utoipa::path(post, path = "/api/v1/edition/categories/{id}/delete", tag = "edition",
    params(("id" = i64, Path, description = "Category id")),
    responses((status = 204), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn delete_category(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<StatusCode, WebError> {
    state.app.delete_category(id, &ctx.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn dispensation_dto(d: kolabik_app::store::editions::Dispensation) -> DispensationDto {
    DispensationDto {
        id: d.id,
        unit_code: d.unit_code,
        unit_name: d.unit_name,
        stage: d.stage_kind.as_str().to_owned(),
        until: d.until_at.to_rfc3339(),
        reason: d.reason,
        granted_by: d.granted_by_name,
        created_at: d.created_at.to_rfc3339(),
        revoked_at: d.revoked_at.map(|r| r.to_rfc3339()),
    }
}

/// Every dispensation of the current edition, newest first.
#[utoipa::path(get, path = "/api/v1/dispensations", tag = "edition",
    responses((status = 200, body = Vec<DispensationDto>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_dispensations(
    State(state): State<AppState>,
) -> Result<Json<Vec<DispensationDto>>, WebError> {
    Ok(Json(
        state
            .app
            .dispensations()
            .await?
            .into_iter()
            .map(dispensation_dto)
            .collect(),
    ))
}

/// Grants a unit a later deadline for one stage.
#[utoipa::path(post, path = "/api/v1/dispensations", tag = "edition", request_body = DispensationBody,
    responses((status = 201, body = IdDto), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn grant_dispensation(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(b): Json<DispensationBody>,
) -> Result<Response, WebError> {
    let input = DispensationInput {
        unit: b.unit,
        stage: b.stage,
        until: b.until,
        reason: b.reason,
    };
    let id = state.app.grant_dispensation(&input, &ctx.actor()).await?;
    Ok((StatusCode::CREATED, Json(IdDto { id })).into_response())
}

/// Revokes a dispensation (the record stays, marked revoked).
#[utoipa::path(post, path = "/api/v1/dispensations/{id}/revoke", tag = "edition",
    params(("id" = i64, Path, description = "Dispensation id")),
    responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn revoke_dispensation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<StatusCode, WebError> {
    state.app.revoke_dispensation(id, &ctx.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The deadline that applies to one unit in one stage, and whether it is open now. The
/// committee may ask for any unit; a unit operator for their own.
#[utoipa::path(get, path = "/api/v1/deadline", tag = "edition", params(DeadlineParams),
    responses((status = 200, body = DeadlineDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn deadline(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DeadlineParams>,
) -> Result<Json<DeadlineDto>, WebError> {
    let stage = match q.stage.as_deref() {
        None | Some("") => StageKind::PengajuanProposal,
        Some(s) => StageKind::parse(s).ok_or_else(|| WebError::bad_request("error.stage_kind"))?,
    };
    let code = Slug::parse(&q.unit).map_err(|_| WebError::not_found())?;
    let (unit, gate) = state.app.unit_deadline(&code, stage, &ctx.grants).await?;
    let tr = ctx.tr();
    let dto = match gate {
        Ok(deadline) => DeadlineDto {
            unit: unit.code.to_string(),
            stage: stage.as_str().to_owned(),
            open_now: true,
            deadline: Some(deadline.to_rfc3339()),
            refusal: None,
            message: None,
        },
        Err(refusal) => {
            let name = match refusal {
                kolabik_domain::edition::DeadlineRefusal::NotScheduled => "not_scheduled",
                kolabik_domain::edition::DeadlineRefusal::NotOpenYet { .. } => "not_open_yet",
                kolabik_domain::edition::DeadlineRefusal::Closed { .. } => "closed",
            };
            let tz = state.app.ensure_current_edition().await?.time_zone;
            DeadlineDto {
                unit: unit.code.to_string(),
                stage: stage.as_str().to_owned(),
                open_now: false,
                deadline: match refusal {
                    kolabik_domain::edition::DeadlineRefusal::Closed { closed_at } => {
                        Some(closed_at.to_rfc3339())
                    }
                    _ => None,
                },
                refusal: Some(name.to_owned()),
                message: Some(crate::view::deadline_text(tr, tz, Err(refusal))),
            }
        }
    };
    Ok(Json(dto))
}

/// Creates next year's edition from the current one and makes it current.
#[utoipa::path(post, path = "/api/v1/editions/copy", tag = "edition",
    responses((status = 201, body = EditionSettingsDto), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn copy_edition(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let e: EditionSettingsDto = state
        .app
        .copy_edition_to_next_year(&ctx.actor())
        .await?
        .into();
    Ok((StatusCode::CREATED, Json(e)).into_response())
}

#[derive(OpenApi)]
#[openapi(paths(
    get_settings,
    save_settings,
    save_stages,
    add_category,
    delete_category,
    list_dispensations,
    grant_dispensation,
    revoke_dispensation,
    deadline,
    copy_edition
))]
pub struct EditionApiDoc;
