//! Proposal attachments on the editor page: upload, remove, download.

use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kolabik_app::AppError;
use kolabik_app::store::announcements::FileMeta;
use kolabik_domain::Id;

use crate::AppState;
use crate::ctx::{Ctx, see_other};
use crate::error::WebError;
use crate::forms::FormState;

/// A file download that a browser saves and never renders or sniffs.
pub(crate) fn file_response(meta: FileMeta, bytes: Vec<u8>) -> Response {
    let disposition = format!(
        "attachment; filename=\"{}\"",
        meta.filename.replace(['"', '\\'], "_")
    );
    (
        [
            (header::CONTENT_TYPE, meta.content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut label = String::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return Err(WebError::too_large()),
        };
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or("berkas").to_owned();
                let bytes = field.bytes().await.map_err(|_| WebError::too_large())?;
                file = Some((name, bytes.to_vec()));
            }
            Some("label") => label = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    let (name, bytes) = file.unwrap_or_default();
    match state
        .app
        .add_attachment(id, &name, &label, &bytes, &ctx.actor(), &ctx.grants)
        .await
    {
        Ok(_) => Ok(see_other(&format!("/operator/usulan/{id}#lampiran"))),
        Err(AppError::Invalid(errors)) => {
            let p = state.app.proposal(id, &ctx.grants).await?;
            let form = FormState::new(ctx.tr())
                .with_value("label", &label)
                .with_errors(&errors);
            super::proposals::edit_page(
                &state,
                &ctx,
                p,
                None,
                form,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, file_id)): Path<(Id, Id)>,
) -> Result<Response, WebError> {
    state
        .app
        .remove_attachment(id, file_id, &ctx.actor(), &ctx.grants)
        .await?;
    Ok(see_other(&format!("/operator/usulan/{id}#lampiran")))
}

pub async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, file_id)): Path<(Id, Id)>,
) -> Result<Response, WebError> {
    let (meta, bytes) = state.app.attachment(id, file_id, &ctx.grants).await?;
    Ok(file_response(meta, bytes))
}
