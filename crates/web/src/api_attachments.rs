//! JSON API for proposal attachments.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kolabik_domain::Id;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::api::ErrorBody;
use crate::ctx::Ctx;
use crate::error::WebError;

#[derive(Serialize, ToSchema)]
pub struct AttachmentDto {
    pub file_id: i64,
    pub label: String,
    /// Cleaned name with the extension of the detected type.
    pub filename: String,
    /// `application/pdf`, `image/png` or `image/jpeg`, detected from the content.
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    /// RFC 3339.
    pub created_at: String,
    /// Where to download it (signed in, as someone who may read the proposal).
    pub url: String,
}

#[derive(Deserialize, IntoParams)]
pub struct UploadParams {
    /// The original file name; only its stem is kept.
    #[serde(default)]
    pub filename: String,
    /// A description; the file name when empty.
    #[serde(default)]
    pub label: String,
}

/// The attachments of a proposal (whoever may read it).
#[utoipa::path(get, path = "/api/v1/proposals/{id}/attachments", tag = "proposals",
    params(("id" = i64, Path, description = "Proposal id")),
    responses((status = 200, body = [AttachmentDto]), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Json<Vec<AttachmentDto>>, WebError> {
    let items = state.app.attachments(id, &ctx.grants).await?;
    Ok(Json(
        items
            .into_iter()
            .map(|a| AttachmentDto {
                url: format!("/usulan/{id}/lampiran/{}", a.file.id),
                file_id: a.file.id,
                label: a.label,
                filename: a.file.filename,
                content_type: a.file.content_type,
                size_bytes: a.file.size_bytes,
                sha256: a.file.sha256,
                created_at: a.created_at.to_rfc3339(),
            })
            .collect(),
    ))
}

/// Adds an attachment (the raw file as the body) to an editable proposal of the
/// operator's unit. PDF, PNG or JPEG by content; at most the edition's size limit and 10
/// files per proposal.
#[utoipa::path(post, path = "/api/v1/proposals/{id}/attachments", tag = "proposals",
    params(("id" = i64, Path, description = "Proposal id"), UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = AttachmentDto), (status = 422, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Query(q): Query<UploadParams>,
    body: Bytes,
) -> Result<Response, WebError> {
    let file_id = state
        .app
        .add_attachment(id, &q.filename, &q.label, &body, &ctx.actor(), &ctx.grants)
        .await?;
    let items = state.app.attachments(id, &ctx.grants).await?;
    let a = items
        .into_iter()
        .find(|a| a.file.id == file_id)
        .ok_or_else(WebError::not_found)?;
    let dto = AttachmentDto {
        url: format!("/usulan/{id}/lampiran/{file_id}"),
        file_id,
        label: a.label,
        filename: a.file.filename,
        content_type: a.file.content_type,
        size_bytes: a.file.size_bytes,
        sha256: a.file.sha256,
        created_at: a.created_at.to_rfc3339(),
    };
    Ok((StatusCode::CREATED, Json(dto)).into_response())
}

#[derive(OpenApi)]
#[openapi(paths(list, upload), components(schemas(AttachmentDto)))]
pub struct AttachmentApiDoc;
