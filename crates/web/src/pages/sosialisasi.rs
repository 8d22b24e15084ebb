//! Sosialisasi pages: the public list of announcements with materials, and the committee's
//! editor with uploads and the report of which units have seen each announcement.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kolabik_app::sosialisasi::{AnnouncementInput, AnnouncementView};
use kolabik_app::store::announcements::UnitSeen;
use kolabik_app::{AppError, FieldError};
use kolabik_domain::{Id, Role, TimeZone};

use super::render;
use crate::AppState;
use crate::ctx::{Ctx, see_other};
use crate::error::WebError;
use crate::forms::FormState;
use crate::view::Chrome;

#[derive(Template)]
#[template(path = "sosialisasi.html")]
struct PublicList {
    c: Chrome,
    tz: TimeZone,
    items: Vec<AnnouncementView>,
}

async fn time_zone(state: &AppState) -> Result<TimeZone, WebError> {
    Ok(state
        .app
        .current_edition()
        .await?
        .map(|e| e.time_zone)
        .unwrap_or_default())
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let items = state.app.announcements(false).await?;
    let c = Chrome::new(&ctx, ctx.tr().get("sosialisasi.title"));
    Ok(render(&PublicList {
        c,
        tz: time_zone(&state).await?,
        items,
    }))
}

#[derive(Template)]
#[template(path = "sosialisasi_detail.html")]
struct PublicDetail {
    c: Chrome,
    tz: TimeZone,
    a: AnnouncementView,
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Response, WebError> {
    let a = state.app.announcement(id, false).await?;
    if let Some(user) = &ctx.user {
        state.app.mark_seen(id, user.id, &ctx.grants).await?;
    }
    let c = Chrome::new(&ctx, &a.announcement.title);
    Ok(render(&PublicDetail {
        c,
        tz: time_zone(&state).await?,
        a,
    }))
}

/// A material, as a download. Unpublished announcements' files only for the committee.
pub async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Response, WebError> {
    let (meta, bytes) = state
        .app
        .material(id, ctx.has_role(Role::Committee))
        .await?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        meta.filename.replace('"', "_")
    );
    Ok((
        [
            (header::CONTENT_TYPE, meta.content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, max-age=300".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "committee_sosialisasi.html")]
struct CommitteeList {
    c: Chrome,
    tz: TimeZone,
    items: Vec<AnnouncementView>,
    seen: Vec<(Id, i64)>,
    audience: i64,
    form: FormState,
}

impl CommitteeList {
    fn seen_count(&self, id: &Id) -> i64 {
        self.seen
            .iter()
            .find(|(a, _)| a == id)
            .map_or(0, |(_, n)| *n)
    }
}

async fn committee_list(
    state: &AppState,
    ctx: &Ctx,
    form: FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let items = state.app.announcements(true).await?;
    let (seen, audience) = state.app.seen_counts().await?;
    let c = Chrome::new(ctx, ctx.tr().get("sosialisasi.manage"));
    let mut r = render(&CommitteeList {
        c,
        tz: time_zone(state).await?,
        items,
        seen,
        audience,
        form,
    });
    *r.status_mut() = status;
    Ok(r)
}

pub async fn manage(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    committee_list(&state, &ctx, FormState::new(ctx.tr()), StatusCode::OK).await
}

fn keep(ctx: &Ctx, input: &AnnouncementInput, errors: &[FieldError]) -> FormState {
    FormState::new(ctx.tr())
        .with_value("title", &input.title)
        .with_value("body", &input.body)
        .with_value("meeting_url", &input.meeting_url)
        .with_value("published", input.published.as_deref().unwrap_or(""))
        .with_errors(errors)
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(input): Form<AnnouncementInput>,
) -> Result<Response, WebError> {
    match state
        .app
        .save_announcement(None, &input, &ctx.actor())
        .await
    {
        Ok(id) => Ok(see_other(&format!("/panitia/sosialisasi/{id}"))),
        Err(AppError::Invalid(errors)) => {
            committee_list(
                &state,
                &ctx,
                keep(&ctx, &input, &errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "committee_sosialisasi_edit.html")]
struct CommitteeEdit {
    c: Chrome,
    tz: TimeZone,
    a: AnnouncementView,
    form: FormState,
    upload: FormState,
    seen: Vec<UnitSeen>,
}

async fn edit_page(
    state: &AppState,
    ctx: &Ctx,
    id: Id,
    form: Option<FormState>,
    upload: FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let a = state.app.announcement(id, true).await?;
    let seen = state.app.seen_report(id).await?;
    let form = form.unwrap_or_else(|| {
        FormState::new(ctx.tr())
            .with_value("title", &a.announcement.title)
            .with_value("body", &a.announcement.body)
            .with_value(
                "meeting_url",
                a.announcement.meeting_url.as_deref().unwrap_or(""),
            )
            .with_value(
                "published",
                if a.announcement.published_at.is_some() {
                    "on"
                } else {
                    ""
                },
            )
    });
    let c = Chrome::new(ctx, &a.announcement.title);
    let mut r = render(&CommitteeEdit {
        c,
        tz: time_zone(state).await?,
        a,
        form,
        upload,
        seen,
    });
    *r.status_mut() = status;
    Ok(r)
}

pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Response, WebError> {
    edit_page(
        &state,
        &ctx,
        id,
        None,
        FormState::new(ctx.tr()),
        StatusCode::OK,
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(input): Form<AnnouncementInput>,
) -> Result<Response, WebError> {
    match state
        .app
        .save_announcement(Some(id), &input, &ctx.actor())
        .await
    {
        Ok(_) => Ok(see_other(&format!("/panitia/sosialisasi/{id}"))),
        Err(AppError::Invalid(errors)) => {
            let form = keep(&ctx, &input, &errors);
            edit_page(
                &state,
                &ctx,
                id,
                Some(form),
                FormState::new(ctx.tr()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Multipart upload of one material (`file` field).
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("berkas").to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|_| WebError::bad_request("error.file_too_large"))?;
            file = Some((name, bytes.to_vec()));
        }
    }
    let (name, bytes) = file.unwrap_or_default();
    match state
        .app
        .upload_material(id, &name, &bytes, &ctx.actor())
        .await
    {
        Ok(_) => Ok(see_other(&format!("/panitia/sosialisasi/{id}#materi"))),
        Err(AppError::Invalid(errors)) => {
            let upload = FormState::new(ctx.tr()).with_errors(&errors);
            edit_page(
                &state,
                &ctx,
                id,
                None,
                upload,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
