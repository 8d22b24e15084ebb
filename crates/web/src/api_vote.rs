//! JSON API for uji publik and the public vote: the public lists (finalists with answered
//! objections, the live tally) and the committee's windows, objections, answers, votes and
//! voiding.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kolabik_app::store::vote::Objection;
use kolabik_app::vote::{WINDOW_OBJECTION, WINDOW_VOTE, WindowInput, WindowView};
use kolabik_domain::Id;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::ErrorBody;
use crate::ctx::Ctx;
use crate::error::WebError;

#[derive(Serialize, ToSchema)]
pub struct WindowDto {
    pub enabled: bool,
    pub opens_at: String,
    pub closes_at: String,
    /// Enabled and open now.
    pub open: bool,
}

fn window_dto(w: WindowView) -> WindowDto {
    WindowDto {
        enabled: w.enabled,
        opens_at: w.opens_at.to_rfc3339(),
        closes_at: w.closes_at.to_rfc3339(),
        open: w.open,
    }
}

#[derive(Deserialize, ToSchema)]
pub struct WindowBody {
    #[serde(default)]
    pub enabled: bool,
    /// `YYYY-MM-DDTHH:MM` in the edition's time zone.
    pub opens: String,
    pub closes: String,
}

#[derive(Serialize, ToSchema)]
pub struct FinalistDto {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub unit_name: String,
    pub category_id: Option<i64>,
    pub category_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct ObjectionDto {
    pub id: i64,
    pub proposal_id: i64,
    pub proposal_title: String,
    /// `keberatan` or `catatan`.
    pub kind: String,
    pub body: String,
    pub created_at: String,
    /// `diterima`, `ditolak` or `dicatat` once answered.
    pub decision: Option<String>,
    pub answer: Option<String>,
    pub answered_at: Option<String>,
    /// The sender's address: only in the committee's list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub has_evidence: bool,
}

fn objection_dto(o: Objection, with_email: bool) -> ObjectionDto {
    ObjectionDto {
        id: o.id,
        proposal_id: o.proposal_id,
        proposal_title: o.proposal_title,
        kind: o.kind,
        body: o.body,
        created_at: o.created_at.to_rfc3339(),
        decision: o.decision,
        answer: o.answer,
        answered_at: o.answered_at.map(|t| t.to_rfc3339()),
        email: with_email.then_some(o.email),
        has_evidence: o.file_id.is_some(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct UjiPublikDto {
    pub window: WindowDto,
    pub finalists: Vec<FinalistDto>,
    /// Answered objections and notes, without the senders' addresses.
    pub answered: Vec<ObjectionDto>,
}

/// The finalists and the answered objections (public).
#[utoipa::path(get, path = "/api/v1/uji-publik", tag = "uji publik",
    responses((status = 200, body = UjiPublikDto)))]
pub async fn uji_publik(State(state): State<AppState>) -> Result<Json<UjiPublikDto>, WebError> {
    let window = window_dto(state.app.public_window(WINDOW_OBJECTION).await?);
    let finalists = state
        .app
        .finalists()
        .await?
        .into_iter()
        .map(|f| FinalistDto {
            id: f.id,
            title: f.title,
            summary: f.summary,
            unit_name: f.unit_name,
            category_id: f.category_id,
            category_name: f.category_name,
        })
        .collect();
    let answered = state
        .app
        .objections(true)
        .await?
        .into_iter()
        .map(|o| objection_dto(o, false))
        .collect();
    Ok(Json(UjiPublikDto {
        window,
        finalists,
        answered,
    }))
}

async fn set_window(
    state: &AppState,
    ctx: &Ctx,
    kind: &str,
    b: WindowBody,
) -> Result<Json<WindowDto>, WebError> {
    let input = WindowInput {
        enabled: b.enabled,
        opens: b.opens,
        closes: b.closes,
    };
    Ok(Json(window_dto(
        state
            .app
            .set_public_window(kind, &input, &ctx.actor())
            .await?,
    )))
}

/// Sets the uji publik window.
#[utoipa::path(post, path = "/api/v1/uji-publik/window", tag = "uji publik", request_body = WindowBody,
    responses((status = 200, body = WindowDto), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_objection_window(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(b): Json<WindowBody>,
) -> Result<Json<WindowDto>, WebError> {
    set_window(&state, &ctx, WINDOW_OBJECTION, b).await
}

/// Every objection of the current edition, with the senders' addresses (committee).
#[utoipa::path(get, path = "/api/v1/objections", tag = "uji publik",
    responses((status = 200, body = Vec<ObjectionDto>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn objections(
    State(state): State<AppState>,
) -> Result<Json<Vec<ObjectionDto>>, WebError> {
    Ok(Json(
        state
            .app
            .objections(false)
            .await?
            .into_iter()
            .map(|o| objection_dto(o, true))
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct AnswerBody {
    /// `diterima`, `ditolak` or `dicatat`.
    pub decision: String,
    pub answer: String,
}

/// Answers an objection and records a decision; the sender is e-mailed.
#[utoipa::path(post, path = "/api/v1/objections/{id}/answer", tag = "uji publik", request_body = AnswerBody,
    params(("id" = i64, Path, description = "Objection id")),
    responses((status = 204), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Json(b): Json<AnswerBody>,
) -> Result<StatusCode, WebError> {
    state
        .app
        .answer_objection(id, &b.decision, &b.answer, &ctx.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct TallyRowDto {
    pub proposal_id: i64,
    pub title: String,
    pub unit_name: String,
    pub votes: i64,
}

#[derive(Serialize, ToSchema)]
pub struct TallyCategoryDto {
    pub category_id: i64,
    pub category_name: String,
    pub total: i64,
    pub rows: Vec<TallyRowDto>,
}

#[derive(Serialize, ToSchema)]
pub struct FavoritDto {
    pub window: WindowDto,
    pub categories: Vec<TallyCategoryDto>,
    /// The vote chain's last link, for `kolabik audit verify --published-head`.
    pub chain_head: Option<ChainHeadDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ChainHeadDto {
    pub vote_id: i64,
    /// SHA-256, hex.
    pub hash: String,
}

/// The live tally of the public vote (public; voided votes left out).
#[utoipa::path(get, path = "/api/v1/favorit", tag = "favorit",
    responses((status = 200, body = FavoritDto)))]
pub async fn favorit(State(state): State<AppState>) -> Result<Json<FavoritDto>, WebError> {
    let window = window_dto(state.app.public_window(WINDOW_VOTE).await?);
    let categories = state
        .app
        .tally()
        .await?
        .into_iter()
        .map(|t| TallyCategoryDto {
            category_id: t.category_id,
            category_name: t.category_name,
            total: t.total,
            rows: t
                .rows
                .into_iter()
                .map(|(f, n)| TallyRowDto {
                    proposal_id: f.id,
                    title: f.title,
                    unit_name: f.unit_name,
                    votes: n,
                })
                .collect(),
        })
        .collect();
    let chain_head = state
        .app
        .vote_chain_head()
        .await?
        .map(|(vote_id, hash)| ChainHeadDto { vote_id, hash });
    Ok(Json(FavoritDto {
        window,
        categories,
        chain_head,
    }))
}

/// Switches the public vote on or off and sets its window.
#[utoipa::path(post, path = "/api/v1/favorit/window", tag = "favorit", request_body = WindowBody,
    responses((status = 200, body = WindowDto), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_vote_window(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(b): Json<WindowBody>,
) -> Result<Json<WindowDto>, WebError> {
    set_window(&state, &ctx, WINDOW_VOTE, b).await
}

#[derive(Serialize, ToSchema)]
pub struct VoteDto {
    pub id: i64,
    pub category_id: i64,
    pub proposal_id: i64,
    pub at: String,
    pub email_domain: String,
    pub ip_prefix_hash: String,
    pub hash: String,
    pub void_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct VotesDto {
    pub total: i64,
    pub voided: i64,
    /// Proposals with a burst (ids).
    pub bursts: Vec<i64>,
    /// Networks with many addresses: (hash, distinct addresses).
    pub networks: Vec<(String, usize)>,
    /// Disposable domains with their vote counts.
    pub disposable: Vec<(String, usize)>,
    /// The newest 200 votes.
    pub votes: Vec<VoteDto>,
}

/// The committee's view of the votes: counts, suspicious patterns, the newest votes.
#[utoipa::path(get, path = "/api/v1/votes", tag = "favorit",
    responses((status = 200, body = VotesDto), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn votes(State(state): State<AppState>) -> Result<Json<VotesDto>, WebError> {
    let p = state.app.vote_patterns().await?;
    let votes = state
        .app
        .recent_votes(200)
        .await?
        .into_iter()
        .map(|v| VoteDto {
            id: v.vote.id,
            category_id: v.vote.category_id,
            proposal_id: v.vote.proposal_id,
            at: v.vote.at.to_rfc3339(),
            email_domain: v.vote.email_domain,
            ip_prefix_hash: v.vote.ip_prefix_hash,
            hash: v.vote.hash,
            void_reason: v.void_reason,
        })
        .collect();
    Ok(Json(VotesDto {
        total: p.total,
        voided: p.voided,
        bursts: p.bursts.iter().map(|(b, _)| b.proposal_id).collect(),
        networks: p.networks.into_iter().map(|(h, _, v, _)| (h, v)).collect(),
        disposable: p.disposable,
        votes,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct VoidBody {
    pub reason: String,
}

/// Voids a vote with a reason (appended; the vote stays in the chain).
#[utoipa::path(post, path = "/api/v1/votes/{id}/void", tag = "favorit", request_body = VoidBody,
    params(("id" = i64, Path, description = "Vote id")),
    responses((status = 204), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn void(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Json(b): Json<VoidBody>,
) -> Result<StatusCode, WebError> {
    state.app.void_vote(id, &b.reason, &ctx.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(OpenApi)]
#[openapi(
    paths(
        uji_publik,
        set_objection_window,
        objections,
        answer,
        favorit,
        set_vote_window,
        votes,
        void
    ),
    components(schemas(
        WindowDto,
        WindowBody,
        FinalistDto,
        ObjectionDto,
        UjiPublikDto,
        AnswerBody,
        TallyRowDto,
        TallyCategoryDto,
        FavoritDto,
        ChainHeadDto,
        VoteDto,
        VotesDto,
        VoidBody
    ))
)]
pub struct VoteApiDoc;
