//! JSON API for sosialisasi: published announcements for everyone; creating, uploading
//! materials and the seen-by report for the committee.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kolabik_app::sosialisasi::{AnnouncementInput, AnnouncementView};
use kolabik_domain::Id;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::api::ErrorBody;
use crate::api_edition::IdDto;
use crate::ctx::Ctx;
use crate::error::WebError;

#[derive(Serialize, ToSchema)]
pub struct MaterialDto {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    /// Download address.
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct AnnouncementDto {
    pub id: i64,
    pub title: String,
    /// The text as written (simple Markdown subset).
    pub body: String,
    /// The text rendered to safe HTML.
    pub body_html: String,
    pub meeting_url: Option<String>,
    /// RFC 3339; absent for drafts.
    pub published_at: Option<String>,
    pub materials: Vec<MaterialDto>,
}

fn dto(a: AnnouncementView) -> AnnouncementDto {
    AnnouncementDto {
        id: a.announcement.id,
        title: a.announcement.title,
        body: a.announcement.body,
        body_html: a.body_html,
        meeting_url: a.announcement.meeting_url,
        published_at: a.announcement.published_at.map(|t| t.to_rfc3339()),
        materials: a
            .materials
            .into_iter()
            .map(|f| MaterialDto {
                url: format!("/berkas/{}", f.id),
                id: f.id,
                filename: f.filename,
                content_type: f.content_type,
                size_bytes: f.size_bytes,
                sha256: f.sha256,
            })
            .collect(),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct AnnouncementBody {
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub meeting_url: String,
    #[serde(default)]
    pub published: bool,
}

#[derive(Deserialize, IntoParams)]
pub struct UploadParams {
    /// The file's name; its type is decided by its content (PDF, PNG, JPEG).
    pub filename: String,
}

#[derive(Serialize, ToSchema)]
pub struct SeenDto {
    pub unit_id: i64,
    pub unit_name: String,
    /// When one of the unit's operators first opened the announcement (RFC 3339).
    pub seen_at: Option<String>,
}

/// Published announcements of the current edition, newest first.
#[utoipa::path(get, path = "/api/v1/announcements", tag = "sosialisasi",
    responses((status = 200, body = Vec<AnnouncementDto>)))]
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<AnnouncementDto>>, WebError> {
    Ok(Json(
        state
            .app
            .announcements(false)
            .await?
            .into_iter()
            .map(dto)
            .collect(),
    ))
}

/// Creates an announcement (published at once when `published`).
#[utoipa::path(post, path = "/api/v1/announcements", tag = "sosialisasi", request_body = AnnouncementBody,
    responses((status = 201, body = IdDto), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(b): Json<AnnouncementBody>,
) -> Result<Response, WebError> {
    let input = AnnouncementInput {
        title: b.title,
        body: b.body,
        meeting_url: b.meeting_url,
        published: b.published.then(|| "on".to_owned()),
    };
    let id = state
        .app
        .save_announcement(None, &input, &ctx.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(IdDto { id })).into_response())
}

/// Uploads a material: the request body is the file itself.
#[utoipa::path(post, path = "/api/v1/announcements/{id}/materials", tag = "sosialisasi",
    params(("id" = i64, Path, description = "Announcement id"), UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = IdDto), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)),
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
        .upload_material(id, &q.filename, &body, &ctx.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(IdDto { id: file_id })).into_response())
}

/// Which units have seen an announcement (units with an operator in the edition).
#[utoipa::path(get, path = "/api/v1/announcements/{id}/seen", tag = "sosialisasi",
    params(("id" = i64, Path, description = "Announcement id")),
    responses((status = 200, body = Vec<SeenDto>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn seen(
    State(state): State<AppState>,
    Path(id): Path<Id>,
) -> Result<Json<Vec<SeenDto>>, WebError> {
    state.app.announcement(id, true).await?;
    Ok(Json(
        state
            .app
            .seen_report(id)
            .await?
            .into_iter()
            .map(|s| SeenDto {
                unit_id: s.unit_id,
                unit_name: s.unit_name,
                seen_at: s.seen_at.map(|t| t.to_rfc3339()),
            })
            .collect(),
    ))
}

#[derive(OpenApi)]
#[openapi(paths(list, create, upload, seen))]
pub struct SosialisasiApiDoc;
