//! Invitation links: `/undangan/{token}` (anyone holding the link) and the committee's
//! invitation form on a unit's page.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kolabik_app::AppError;
use kolabik_app::invitations::{AcceptInput, InvitationView};
use kolabik_domain::Id;
use serde::Deserialize;

use super::render;
use crate::AppState;
use crate::ctx::{Ctx, see_other, session_cookie};
use crate::error::WebError;
use crate::forms::FormState;
use crate::view::Chrome;

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage {
    c: Chrome,
    v: InvitationView,
    token: String,
    form: FormState,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let v = state.app.invitation(&token).await?;
    let form = FormState::new(ctx.tr()).with_value("name", &v.invitation.name);
    Ok(render(&InvitationPage {
        c: Chrome::new(&ctx, ctx.tr().get("invitation.title")),
        v,
        token,
        form,
    }))
}

#[derive(Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn accept(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Form(f): Form<AcceptForm>,
) -> Result<Response, WebError> {
    let input = AcceptInput {
        name: f.name,
        password: f.password,
        confirm: f.confirm,
    };
    match state
        .app
        .accept_invitation(&token, &input, &ctx.actor())
        .await
    {
        Ok(done) => match done.session_token {
            Some(session) => {
                let mut response = see_other("/operator");
                if let Ok(v) = session_cookie(&session, ctx.secure_cookies).parse() {
                    response.headers_mut().append(header::SET_COOKIE, v);
                }
                Ok(response)
            }
            // An existing account signs in with its own password, then finds the unit.
            None => Ok(see_other("/masuk?next=/operator")),
        },
        // The name is kept; passwords are never echoed back.
        Err(AppError::Invalid(errors)) => {
            let v = state.app.invitation(&token).await?;
            let form = FormState::new(ctx.tr())
                .with_value("name", &input.name)
                .with_errors(&errors);
            let mut response = render(&InvitationPage {
                c: Chrome::new(&ctx, ctx.tr().get("invitation.title")),
                v,
                token,
                form,
            });
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
}

/// The committee invites an operator from the unit's page.
pub async fn invite(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(f): Form<InviteForm>,
) -> Result<Response, WebError> {
    match state
        .app
        .invite_operator(id, &f.email, &f.name, &ctx.actor())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/panitia/unit/{id}?saved=invited")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let invite_form = FormState::new(ctx.tr())
                .with_value("email", &f.email)
                .with_value("name", &f.name)
                .with_errors(&errors);
            let mut page =
                super::units::unit_page(&state, &ctx, id, None, FormState::new(ctx.tr()), None)
                    .await?;
            page.invite_form = invite_form;
            let mut response = render(&page);
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}
