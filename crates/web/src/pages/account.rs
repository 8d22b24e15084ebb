//! Signing in and out, and changing one's password.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kolabik_app::AppError;
use serde::Deserialize;

use super::render;
use crate::AppState;
use crate::ctx::{Auth, Ctx, SESSION_COOKIE, clear_cookie, see_other, session_cookie};
use crate::error::WebError;
use crate::forms::FormState;
use crate::guard::safe_next;
use crate::view::{Chrome, role_home};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    form: FormState,
    next: String,
    /// A message for the whole form (wrong password, too many attempts).
    notice: String,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

pub async fn login_form(ctx: Ctx, Query(q): Query<LoginQuery>) -> Response {
    if ctx.user.is_some() {
        return see_other(&safe_next(q.next.as_deref()).unwrap_or_else(|| "/dasbor".into()));
    }
    let c = Chrome::new(&ctx, ctx.tr().get("login.title"));
    render(&LoginPage {
        c,
        form: FormState::new(ctx.tr()),
        next: q.next.unwrap_or_default(),
        notice: String::new(),
    })
}

#[derive(Deserialize)]
pub struct LoginInput {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(input): Form<LoginInput>,
) -> Response {
    let tr = ctx.tr();
    let mut form = FormState::new(tr).with_value("email", &input.email);
    let mut missing = Vec::new();
    if input.email.trim().is_empty() {
        missing.push(kolabik_app::FieldError {
            field: "email",
            key: "error.email_required",
        });
    }
    if input.password.is_empty() {
        missing.push(kolabik_app::FieldError {
            field: "password",
            key: "error.password_required",
        });
    }
    let (status, notice) = if !missing.is_empty() {
        form = form.with_errors(&missing);
        (StatusCode::UNPROCESSABLE_ENTITY, String::new())
    } else {
        match state
            .app
            .login(&input.email, &input.password, &ctx.ip)
            .await
        {
            Ok(done) => {
                let target = if done.user.must_change_password {
                    "/akun/kata-sandi".to_owned()
                } else {
                    safe_next(Some(&input.next)).unwrap_or_else(|| "/dasbor".into())
                };
                let mut response = see_other(&target);
                if let Ok(v) = session_cookie(&done.session_token, ctx.secure_cookies).parse() {
                    response.headers_mut().append(header::SET_COOKIE, v);
                }
                return response;
            }
            Err(AppError::BadCredentials) => (
                StatusCode::UNAUTHORIZED,
                tr.get("error.bad_credentials").to_owned(),
            ),
            Err(AppError::RateLimited { minutes }) => (
                StatusCode::TOO_MANY_REQUESTS,
                tr.fmt("error.rate_limited", &[("minutes", &minutes.to_string())]),
            ),
            Err(e) => return WebError::from(e).into_response(),
        }
    };
    let c = Chrome::new(&ctx, tr.get("login.title"));
    let mut response = render(&LoginPage {
        c,
        form,
        next: input.next,
        notice,
    });
    *response.status_mut() = status;
    response
}

pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    if let Auth::Session(token) = &ctx.auth {
        state.app.logout(token, &ctx.actor()).await?;
    }
    let mut response = see_other("/");
    if let Ok(v) = clear_cookie(SESSION_COOKIE).parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: Chrome,
    form: FormState,
    forced: bool,
    saved: bool,
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn password_form(ctx: Ctx, Query(q): Query<SavedQuery>) -> Response {
    let forced = ctx.user.as_ref().is_some_and(|u| u.must_change_password);
    let c = Chrome::new(&ctx, ctx.tr().get("password.title"));
    render(&PasswordPage {
        c,
        form: FormState::new(ctx.tr()),
        forced,
        saved: q.saved.is_some(),
    })
}

#[derive(Deserialize)]
pub struct PasswordInput {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(input): Form<PasswordInput>,
) -> Result<Response, WebError> {
    let (Some(user), Auth::Session(token)) = (&ctx.user, &ctx.auth) else {
        return Err(WebError::forbidden());
    };
    match state
        .app
        .change_password(
            user,
            &input.current,
            &input.new,
            &input.confirm,
            token,
            &ctx.actor(),
        )
        .await
    {
        Ok(()) => {
            let first_role = ctx.roles().first().map(|r| role_home(*r).0).unwrap_or("/");
            if user.must_change_password {
                Ok(see_other(first_role))
            } else {
                Ok(see_other("/akun/kata-sandi?saved=1"))
            }
        }
        // Passwords are never echoed back into the form.
        Err(AppError::Invalid(errors)) => {
            let forced = user.must_change_password;
            let c = Chrome::new(&ctx, ctx.tr().get("password.title"));
            let mut response = render(&PasswordPage {
                c,
                form: FormState::new(ctx.tr()).with_errors(&errors),
                forced,
                saved: false,
            });
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}
