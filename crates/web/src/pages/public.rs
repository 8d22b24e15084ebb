//! Pages anyone may see, and the health endpoints.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kolabik_app::dashboard::EditionOverview;
use kolabik_domain::{Instant, Lang, Stage, StageStatus};
use serde::Deserialize;
use serde_json::json;

use super::render;
use crate::AppState;
use crate::ctx::{Ctx, lang_cookie, see_other};
use crate::error::WebError;
use crate::guard::safe_next;
use crate::view::Chrome;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    overview: Option<EditionOverview>,
    now: Instant,
}

impl HomePage {
    fn status(&self, stage: &Stage) -> StageStatus {
        stage.status(self.now)
    }
    fn status_class(&self, stage: &Stage) -> &'static str {
        match stage.status(self.now) {
            StageStatus::Upcoming => "stage-upcoming",
            StageStatus::Open => "stage-open",
            StageStatus::Closed => "stage-closed",
        }
    }
}

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let overview = state.app.edition_overview().await?;
    let title = overview
        .as_ref()
        .map(|o| o.edition.name.clone())
        .unwrap_or_else(|| ctx.tr().get("site.name").to_owned());
    Ok(render(&HomePage {
        c: Chrome::new(&ctx, &title),
        overview,
        now: state.app.now(),
    }))
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Sets the language cookie and returns to the page the user was on.
pub async fn switch_language(Path(lang): Path<String>, Query(q): Query<NextQuery>) -> Response {
    let Some(lang) = Lang::parse(&lang) else {
        return WebError::not_found().into_response();
    };
    let target = safe_next(q.next.as_deref()).unwrap_or_else(|| "/".to_owned());
    let mut response = see_other(&target);
    if let Ok(v) = lang_cookie(lang).parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

pub async fn not_found() -> WebError {
    WebError::not_found()
}

pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    if state.app.db().ping().await {
        Json(json!({"status": "ready", "database": state.app.db().backend().name()}))
            .into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "database": state.app.db().backend().name()})),
        )
            .into_response()
    }
}
