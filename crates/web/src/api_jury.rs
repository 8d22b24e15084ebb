//! JSON API of the jury: the judges pool and invitations, the judge's declaration and own
//! conflicts, the committee's conflicts and recusals, the assignments of a judged stage,
//! solver runs and manual overrides. Same rules as the pages (`kolabik_app::jury`).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kolabik_app::jury::{Applied, JudgeInput, MyAssignments, OwnConflict};
use kolabik_app::store::assignments::Assignment;
use kolabik_app::store::conflicts::{ConflictFilter, ConflictRow};
use kolabik_app::store::jury::{PoolJudge, Recusal, RosterRow, Run};
use kolabik_domain::assignment::Solution;
use kolabik_domain::{ConflictSource, Id, Role};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::api::ErrorBody;
use crate::ctx::Ctx;
use crate::error::WebError;

fn user_id(ctx: &Ctx) -> Result<Id, WebError> {
    ctx.user
        .as_ref()
        .map(|u| u.id)
        .ok_or_else(WebError::unauthenticated)
}

#[derive(Serialize, ToSchema)]
pub struct JuryIdDto {
    pub id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct UnitTieDto {
    pub id: i64,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct JudgeDto {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub email: String,
    /// `academic` or `practitioner`.
    pub kind: String,
    pub institution: String,
    pub expertise: Vec<String>,
    pub unit_ties: Vec<UnitTieDto>,
    pub institution_ties: Vec<String>,
    /// In the current edition: `invited`, `active`, `declined`, or null (not invited).
    pub edition_state: Option<String>,
    /// The conflict declaration is done.
    pub declared: bool,
}

fn judge_dto(j: PoolJudge, roster: &[RosterRow]) -> JudgeDto {
    let r = roster.iter().find(|r| r.judge_id == j.judge_id);
    JudgeDto {
        id: j.judge_id,
        user_id: j.user_id,
        name: j.name,
        email: j.email,
        kind: j.kind.as_str().to_owned(),
        institution: j.institution,
        expertise: j.expertise,
        unit_ties: j
            .unit_ties
            .into_iter()
            .map(|(id, name)| UnitTieDto { id, name })
            .collect(),
        institution_ties: j.institution_ties,
        edition_state: r.and_then(|r| r.state()).map(str::to_owned),
        declared: r.is_some_and(|r| r.declared()),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct JudgeBody {
    pub name: String,
    /// Ignored when editing (the account's e-mail does not change here).
    #[serde(default)]
    pub email: String,
    /// `academic` or `practitioner`.
    pub kind: String,
    #[serde(default)]
    pub institution: String,
    #[serde(default)]
    pub expertise: Vec<String>,
    /// Units of the registry the judge is tied to.
    #[serde(default)]
    pub unit_ids: Vec<i64>,
    /// Other institutions the judge is tied to.
    #[serde(default)]
    pub institution_ties: Vec<String>,
}

impl JudgeBody {
    fn input(self) -> JudgeInput {
        JudgeInput {
            name: self.name,
            email: self.email,
            kind: self.kind,
            institution: self.institution,
            expertise: self.expertise.join("\n"),
            unit_ids: self.unit_ids,
            institution_ties: self.institution_ties.join("\n"),
        }
    }
}

/// The judges pool with each judge's state in the current edition.
#[utoipa::path(get, path = "/api/v1/jury/judges", tag = "jury",
    responses((status = 200, body = Vec<JudgeDto>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn judges(State(state): State<AppState>) -> Result<Json<Vec<JudgeDto>>, WebError> {
    let (_, roster) = state.app.judge_roster().await?;
    let pool = state.app.judge_pool().await?;
    Ok(Json(
        pool.into_iter().map(|j| judge_dto(j, &roster)).collect(),
    ))
}

/// One judge of the pool.
#[utoipa::path(get, path = "/api/v1/jury/judges/{id}", tag = "jury",
    params(("id" = i64, Path, description = "Judge id")),
    responses((status = 200, body = JudgeDto), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn judge(
    State(state): State<AppState>,
    Path(id): Path<Id>,
) -> Result<Json<JudgeDto>, WebError> {
    let (_, roster) = state.app.judge_roster().await?;
    let j = state.app.pool_judge(id).await?;
    Ok(Json(judge_dto(j, &roster)))
}

/// Adds a judge to the pool (reusing the account with that e-mail, or creating one
/// without a password).
#[utoipa::path(post, path = "/api/v1/jury/judges", tag = "jury", request_body = JudgeBody,
    responses((status = 201, body = JuryIdDto), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_judge(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(b): Json<JudgeBody>,
) -> Result<Response, WebError> {
    let id = state.app.save_judge(None, &b.input(), &ctx.actor()).await?;
    Ok((StatusCode::CREATED, Json(JuryIdDto { id })).into_response())
}

/// Edits a judge of the pool (ties replaced).
#[utoipa::path(post, path = "/api/v1/jury/judges/{id}", tag = "jury", request_body = JudgeBody,
    params(("id" = i64, Path, description = "Judge id")),
    responses((status = 204), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn update_judge(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Json(b): Json<JudgeBody>,
) -> Result<StatusCode, WebError> {
    state
        .app
        .save_judge(Some(id), &b.input(), &ctx.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Invites the judge to the current edition, or sends a new link (7 days, single use).
#[utoipa::path(post, path = "/api/v1/jury/judges/{id}/invitation", tag = "jury",
    params(("id" = i64, Path, description = "Judge id")),
    responses((status = 204), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn invite(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<StatusCode, WebError> {
    state.app.invite_judge(id, &ctx.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- declaration ----------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct DeclarationUnitDto {
    pub unit_id: i64,
    pub name: String,
    /// Unit kind code.
    pub kind: String,
    /// An automatic conflict is active with a proposal of this unit.
    pub automatic: bool,
    pub declared: bool,
}

#[derive(Serialize, ToSchema)]
pub struct OwnConflictDto {
    pub id: i64,
    pub unit_name: String,
    /// `automatic`, `declared` or `pinned`.
    pub source: String,
    pub reason: String,
    pub active: bool,
}

fn own_dto(o: OwnConflict) -> OwnConflictDto {
    OwnConflictDto {
        id: o.id,
        unit_name: o.unit_name,
        source: o.source.as_str().to_owned(),
        reason: o.reason,
        active: o.active,
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeclarationDto {
    pub declared_at: Option<String>,
    pub note: String,
    /// Participating units (names and kinds only).
    pub units: Vec<DeclarationUnitDto>,
    pub conflicts: Vec<OwnConflictDto>,
}

#[derive(Deserialize, ToSchema)]
pub struct DeclarationBody {
    /// Units the judge has a conflict with.
    #[serde(default)]
    pub unit_ids: Vec<i64>,
    #[serde(default)]
    pub note: String,
    /// The statement "Saya menyatakan …" is confirmed.
    #[serde(default)]
    pub confirm: bool,
}

#[derive(Serialize, ToSchema)]
pub struct DeclaredDto {
    /// Conflicts added by this declaration.
    pub added: usize,
}

/// The judge's declaration: participating units and the judge's own conflicts.
#[utoipa::path(get, path = "/api/v1/jury/declaration", tag = "jury",
    responses((status = 200, body = DeclarationDto), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn declaration(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<DeclarationDto>, WebError> {
    let uid = user_id(&ctx)?;
    let d = state.app.declaration(uid).await?;
    let own = state.app.own_conflicts(uid).await?;
    Ok(Json(DeclarationDto {
        declared_at: d.seat.declared_at.map(|t| t.to_rfc3339()),
        note: d.seat.declaration_note,
        units: d
            .units
            .into_iter()
            .map(|u| DeclarationUnitDto {
                unit_id: u.unit_id,
                name: u.name,
                kind: u.kind,
                automatic: u.automatic,
                declared: u.declared,
            })
            .collect(),
        conflicts: own.into_iter().map(own_dto).collect(),
    }))
}

/// Declares conflicts with units (adds Declared conflicts; none is lifted).
#[utoipa::path(post, path = "/api/v1/jury/declaration", tag = "jury", request_body = DeclarationBody,
    responses((status = 200, body = DeclaredDto), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn declare(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(b): Json<DeclarationBody>,
) -> Result<Json<DeclaredDto>, WebError> {
    let uid = user_id(&ctx)?;
    let added = state
        .app
        .declare(uid, &b.unit_ids, &b.note, b.confirm, &ctx.actor())
        .await?;
    Ok(Json(DeclaredDto { added }))
}

/// The judge's own conflicts (units only, no proposal titles).
#[utoipa::path(get, path = "/api/v1/jury/my-conflicts", tag = "jury",
    responses((status = 200, body = Vec<OwnConflictDto>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn my_conflicts(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<OwnConflictDto>>, WebError> {
    let uid = user_id(&ctx)?;
    let own = state.app.own_conflicts(uid).await?;
    Ok(Json(own.into_iter().map(own_dto).collect()))
}

// --- conflicts ------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct ConflictDto {
    pub id: i64,
    pub judge_id: i64,
    pub judge_name: String,
    pub proposal_id: i64,
    pub proposal_title: String,
    pub unit_name: String,
    /// `automatic`, `declared` or `pinned`.
    pub source: String,
    /// For automatic conflicts a code: `tie_unit`, `tie_parent`, `tie_child`,
    /// `institution`, `earlier_visit`.
    pub reason: String,
    pub active: bool,
    pub created_at: String,
    pub lifted_at: Option<String>,
    pub lifted_by: Option<String>,
    pub lift_reason: Option<String>,
}

fn conflict_dto(c: ConflictRow) -> ConflictDto {
    ConflictDto {
        active: c.active(),
        id: c.id,
        judge_id: c.judge_id,
        judge_name: c.judge_name,
        proposal_id: c.proposal_id,
        proposal_title: c.proposal_title,
        unit_name: c.unit_name,
        source: c.source.as_str().to_owned(),
        reason: c.reason,
        created_at: c.created_at.to_rfc3339(),
        lifted_at: c.lifted_at.map(|t| t.to_rfc3339()),
        lifted_by: c.lifted_by_name,
        lift_reason: c.lift_reason,
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ConflictParams {
    /// `automatic`, `declared` or `pinned`.
    pub source: Option<String>,
    /// `true`: active only; `false`: lifted only.
    pub active: Option<bool>,
    pub judge_id: Option<i64>,
    pub proposal_id: Option<i64>,
}

/// Conflicts on the current edition's proposals (the committee).
#[utoipa::path(get, path = "/api/v1/jury/conflicts", tag = "jury", params(ConflictParams),
    responses((status = 200, body = Vec<ConflictDto>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn conflicts(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ConflictParams>,
) -> Result<Json<Vec<ConflictDto>>, WebError> {
    let filter = ConflictFilter {
        source: q.source.as_deref().and_then(ConflictSource::parse),
        active: q.active,
        judge_id: q.judge_id,
        proposal_id: q.proposal_id,
    };
    let rows = state.app.conflicts(&filter, Some(user_id(&ctx)?)).await?;
    Ok(Json(rows.into_iter().map(conflict_dto).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct PinBody {
    pub judge_id: i64,
    pub proposal_id: i64,
    /// At least 5 characters.
    pub reason: String,
}

/// Pins a conflict (the committee).
#[utoipa::path(post, path = "/api/v1/jury/conflicts", tag = "jury", request_body = PinBody,
    responses((status = 201, body = JuryIdDto), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn pin(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(b): Json<PinBody>,
) -> Result<Response, WebError> {
    let id = state
        .app
        .pin_conflict(b.judge_id, b.proposal_id, &b.reason, &ctx.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(JuryIdDto { id })).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct ReasonBody {
    /// At least 5 characters.
    #[serde(default)]
    pub reason: String,
}

/// Lifts a conflict of any source (the committee only; the row stays, logged).
#[utoipa::path(post, path = "/api/v1/jury/conflicts/{id}/lift", tag = "jury", request_body = ReasonBody,
    params(("id" = i64, Path, description = "Conflict id")),
    responses((status = 204), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn lift(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Json(b): Json<ReasonBody>,
) -> Result<StatusCode, WebError> {
    state
        .app
        .lift_conflict(id, &b.reason, &ctx.actor(), &ctx.grants)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- recusals -------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct RecusalDto {
    pub id: i64,
    pub user_id: i64,
    pub user_name: String,
    pub proposal_id: i64,
    pub deputy_user_id: Option<i64>,
    pub deputy_name: Option<String>,
    pub reason: String,
    pub created_at: String,
    pub lifted_at: Option<String>,
}

fn recusal_dto(r: Recusal) -> RecusalDto {
    RecusalDto {
        id: r.id,
        user_id: r.user_id,
        user_name: r.user_name,
        proposal_id: r.proposal_id,
        deputy_user_id: r.deputy_user_id,
        deputy_name: r.deputy_name,
        reason: r.reason,
        created_at: r.created_at.to_rfc3339(),
        lifted_at: r.lifted_at.map(|t| t.to_rfc3339()),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct RecusalBody {
    pub proposal_id: i64,
    /// Another committee member of the edition.
    pub deputy_user_id: i64,
    pub reason: String,
}

/// Committee recusals of the current edition.
#[utoipa::path(get, path = "/api/v1/jury/recusals", tag = "jury",
    responses((status = 200, body = Vec<RecusalDto>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn recusals(State(state): State<AppState>) -> Result<Json<Vec<RecusalDto>>, WebError> {
    let rows = state.app.recusals().await?;
    Ok(Json(rows.into_iter().map(recusal_dto).collect()))
}

/// The calling committee member steps aside from a proposal and names a deputy.
#[utoipa::path(post, path = "/api/v1/jury/recusals", tag = "jury", request_body = RecusalBody,
    responses((status = 201, body = JuryIdDto), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn recuse(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(b): Json<RecusalBody>,
) -> Result<Response, WebError> {
    let id = state
        .app
        .recuse(
            b.proposal_id,
            Some(b.deputy_user_id),
            &b.reason,
            &ctx.actor(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(JuryIdDto { id })).into_response())
}

/// Ends a recusal.
#[utoipa::path(post, path = "/api/v1/jury/recusals/{id}/lift", tag = "jury",
    params(("id" = i64, Path, description = "Recusal id")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn lift_recusal(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<StatusCode, WebError> {
    state.app.lift_recusal(id, &ctx.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- assignments ----------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct AssignmentDto {
    pub id: i64,
    pub judge_id: i64,
    pub proposal_id: i64,
    pub proposal_title: Option<String>,
    /// Placed by hand; every later run keeps it.
    pub manual: bool,
    pub affinity: i64,
}

fn assignment_dto(a: &Assignment, title: Option<String>) -> AssignmentDto {
    AssignmentDto {
        id: a.id,
        judge_id: a.judge_id,
        proposal_id: a.proposal_id,
        proposal_title: title,
        manual: a.manual,
        affinity: a.affinity,
    }
}

#[derive(Serialize, ToSchema)]
pub struct StageAssignmentsDto {
    /// Stage kind code.
    pub stage: String,
    pub frozen: bool,
    /// For a judge: the declaration is done (nothing is listed before).
    pub declared: bool,
    pub reviews_per_proposal: i64,
    pub min_academic: i64,
    pub min_practitioner: i64,
    pub max_load: i64,
    /// Active judges who have not declared yet (committee only).
    pub undeclared_judges: Vec<String>,
    /// Committee: every assignment of the stage (recused proposals left out); judge: their
    /// own, never one with an active conflict.
    pub assignments: Vec<AssignmentDto>,
}

/// The assignments of a judged stage (`penilaian`, `presentasi_wawancara`,
/// `verifikasi_lapangan`): all for the committee, a judge's own visible ones for a judge.
#[utoipa::path(get, path = "/api/v1/jury/stages/{stage}/assignments", tag = "jury",
    params(("stage" = String, Path, description = "Stage kind code")),
    responses((status = 200, body = StageAssignmentsDto), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn stage_assignments(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
) -> Result<Json<StageAssignmentsDto>, WebError> {
    let uid = user_id(&ctx)?;
    if ctx.has_role(Role::Committee) {
        let b = state.app.assignment_board(&stage, Some(uid)).await?;
        let titles: std::collections::HashMap<Id, String> = b
            .proposals
            .iter()
            .map(|p| (p.id, p.title.clone()))
            .collect();
        return Ok(Json(StageAssignmentsDto {
            stage: b.stage.kind.as_str().to_owned(),
            frozen: b.frozen,
            declared: true,
            reviews_per_proposal: b.rules.reviews,
            min_academic: b.rules.min_academic,
            min_practitioner: b.rules.min_practitioner,
            max_load: b.rules.max_load,
            undeclared_judges: b.undeclared.clone(),
            assignments: b
                .assignments
                .iter()
                .map(|a| assignment_dto(a, titles.get(&a.proposal_id).cloned()))
                .collect(),
        }));
    }
    let m: MyAssignments = state.app.my_assignments(uid, &stage).await?;
    Ok(Json(StageAssignmentsDto {
        stage: m.kind.as_str().to_owned(),
        frozen: m.frozen,
        declared: m.declared,
        reviews_per_proposal: m.rules.reviews,
        min_academic: m.rules.min_academic,
        min_practitioner: m.rules.min_practitioner,
        max_load: m.rules.max_load,
        undeclared_judges: Vec::new(),
        assignments: m
            .items
            .iter()
            .map(|(a, p)| assignment_dto(a, Some(p.title.clone())))
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct ManualBody {
    pub judge_id: i64,
    pub proposal_id: i64,
}

/// Adds a judge to a proposal by hand (refused when conflicted or frozen).
#[utoipa::path(post, path = "/api/v1/jury/stages/{stage}/assignments", tag = "jury", request_body = ManualBody,
    params(("stage" = String, Path, description = "Stage kind code")),
    responses((status = 201, body = JuryIdDto), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn add_assignment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
    Json(b): Json<ManualBody>,
) -> Result<Response, WebError> {
    let id = state
        .app
        .add_assignment(&stage, b.judge_id, b.proposal_id, &ctx.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(JuryIdDto { id })).into_response())
}

/// Removes one assignment (and its score sheet); refused once the stage is frozen.
#[utoipa::path(post, path = "/api/v1/jury/stages/{stage}/assignments/{id}/remove", tag = "jury",
    params(("stage" = String, Path, description = "Stage kind code"), ("id" = i64, Path, description = "Assignment id")),
    responses((status = 204), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn remove_assignment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((stage, id)): Path<(String, Id)>,
) -> Result<StatusCode, WebError> {
    state
        .app
        .remove_assignment(&stage, id, &ctx.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct RunDto {
    pub id: i64,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    /// 0–100.
    pub progress: i64,
    /// `optimal` or `infeasible` once done.
    pub status: Option<String>,
    pub objective: Option<i64>,
    pub error: Option<String>,
    pub created_at: String,
    pub finished_at: Option<String>,
    /// The solver's report (`domain::assignment::Solution`): assignments, loads per judge,
    /// affinity per proposal, uncovered proposals and the infeasible reason, kept/dropped.
    #[schema(value_type = Object)]
    pub report: Option<serde_json::Value>,
}

fn run_dto(r: Run, s: Option<Solution>) -> RunDto {
    RunDto {
        id: r.id,
        state: r.state,
        progress: r.progress,
        status: r.status,
        objective: r.objective,
        error: r.error,
        created_at: r.created_at.to_rfc3339(),
        finished_at: r.finished_at.map(|t| t.to_rfc3339()),
        report: s.and_then(|s| serde_json::to_value(s).ok()),
    }
}

/// Starts a solver run in the background; poll `GET …/runs/latest`.
#[utoipa::path(post, path = "/api/v1/jury/stages/{stage}/runs", tag = "jury",
    params(("stage" = String, Path, description = "Stage kind code")),
    responses((status = 202, body = JuryIdDto), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn start_run(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
) -> Result<Response, WebError> {
    let id = state.app.start_assignment_run(&stage, &ctx.actor()).await?;
    Ok((StatusCode::ACCEPTED, Json(JuryIdDto { id })).into_response())
}

/// The latest run of the stage (null when none) with its state, progress and report.
#[utoipa::path(get, path = "/api/v1/jury/stages/{stage}/runs/latest", tag = "jury",
    params(("stage" = String, Path, description = "Stage kind code")),
    responses((status = 200, body = Option<RunDto>), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn latest_run(
    State(state): State<AppState>,
    Path(stage): Path<String>,
) -> Result<Json<Option<RunDto>>, WebError> {
    let run = state.app.latest_assignment_run(&stage).await?;
    Ok(Json(run.map(|(r, s)| run_dto(r, s))))
}

#[derive(Serialize, ToSchema)]
pub struct AppliedDto {
    pub added: usize,
    pub removed: usize,
    pub kept: usize,
}

/// Applies a finished run: dropped assignments deleted, new ones inserted (logged).
#[utoipa::path(post, path = "/api/v1/jury/stages/{stage}/runs/{id}/apply", tag = "jury",
    params(("stage" = String, Path, description = "Stage kind code"), ("id" = i64, Path, description = "Run id")),
    responses((status = 200, body = AppliedDto), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn apply_run(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((stage, id)): Path<(String, Id)>,
) -> Result<Json<AppliedDto>, WebError> {
    let Applied {
        added,
        removed,
        kept,
    } = state
        .app
        .apply_assignment_run(&stage, id, &ctx.actor())
        .await?;
    Ok(Json(AppliedDto {
        added,
        removed,
        kept,
    }))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        judges,
        judge,
        create_judge,
        update_judge,
        invite,
        declaration,
        declare,
        my_conflicts,
        conflicts,
        pin,
        lift,
        recusals,
        recuse,
        lift_recusal,
        stage_assignments,
        add_assignment,
        remove_assignment,
        start_run,
        latest_run,
        apply_run
    ),
    components(schemas(
        JuryIdDto,
        UnitTieDto,
        JudgeDto,
        JudgeBody,
        DeclarationUnitDto,
        OwnConflictDto,
        DeclarationDto,
        DeclarationBody,
        DeclaredDto,
        ConflictDto,
        PinBody,
        ReasonBody,
        RecusalDto,
        RecusalBody,
        AssignmentDto,
        StageAssignmentsDto,
        ManualBody,
        RunDto,
        AppliedDto
    ))
)]
pub struct JuryApiDoc;
