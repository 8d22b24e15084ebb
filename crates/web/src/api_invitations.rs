//! JSON API for operator invitations.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::ErrorBody;
use crate::ctx::Ctx;
use crate::error::WebError;

#[derive(Deserialize, ToSchema)]
pub struct NewInvitationBody {
    /// Where the link goes.
    pub email: String,
    /// The invitee's name, offered on the password form.
    pub name: String,
}

/// An invitation; the link itself goes only to the invitee's e-mail.
#[derive(Serialize, ToSchema)]
pub struct InvitationDto {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub unit_id: i64,
    /// Always `unit_operator` for now.
    pub role: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; the link works until then, once.
    pub expires_at: String,
}

/// Invites an operator of the unit by e-mail (committee only): a single-use link, valid
/// 7 days, is queued to `email`.
#[utoipa::path(post, path = "/api/v1/units/{id}/invitations", tag = "units",
    params(("id" = i64, Path, description = "Unit id")),
    request_body = NewInvitationBody,
    responses((status = 201, body = InvitationDto), (status = 422, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Json(body): Json<NewInvitationBody>,
) -> Result<Response, WebError> {
    let inv = state
        .app
        .invite_operator(id, &body.email, &body.name, &ctx.actor())
        .await?;
    let dto = InvitationDto {
        id: inv.id,
        email: inv.email,
        name: inv.name,
        unit_id: inv.unit_id,
        role: inv.role.as_str().to_owned(),
        created_at: inv.created_at.to_rfc3339(),
        expires_at: inv.expires_at.to_rfc3339(),
    };
    Ok((StatusCode::CREATED, Json(dto)).into_response())
}

#[derive(OpenApi)]
#[openapi(paths(create), components(schemas(NewInvitationBody, InvitationDto)))]
pub struct InvitationApiDoc;
