//! A signed-in user's in-app notices.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use kolabik_app::Page;
use kolabik_app::Paged;
use kolabik_app::store::notifications::Notice;
use kolabik_domain::{Instant, TimeZone};
use serde::Deserialize;

use super::render;
use crate::AppState;
use crate::ctx::{Ctx, see_other};
use crate::error::WebError;
use crate::i18n::Tr;
use crate::view::Chrome;

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    page: Option<u32>,
}

/// One notice as shown: its message rendered in the reader's language.
pub struct NoticeView {
    pub message: String,
    pub link: Option<String>,
    pub at: Instant,
    pub unread: bool,
}

/// The notice's text from the catalogue, with its parameters filled in.
pub fn message(tr: Tr, n: &Notice) -> String {
    let args = n.args();
    let pairs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    tr.fmt(&n.message_key, &pairs)
}

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    c: Chrome,
    notices: Paged<Notice>,
    items: Vec<NoticeView>,
    tz: TimeZone,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let user = ctx.user.as_ref().ok_or_else(WebError::unauthenticated)?;
    let notices = state
        .app
        .notices(user.id, Page::new(q.page, Some(50)))
        .await?;
    let tz = state
        .app
        .current_edition()
        .await?
        .map(|e| e.time_zone)
        .unwrap_or_default();
    let tr = ctx.tr();
    let items = notices
        .items
        .iter()
        .map(|n| NoticeView {
            message: message(tr, n),
            link: n.link.clone(),
            at: n.created_at,
            unread: n.read_at.is_none(),
        })
        .collect();
    let c = Chrome::new(&ctx, tr.get("notices.title"));
    Ok(render(&NoticesPage {
        c,
        notices,
        items,
        tz,
    }))
}

pub async fn mark_read(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let user = ctx.user.as_ref().ok_or_else(WebError::unauthenticated)?;
    state.app.mark_notices_read(user.id, &ctx.actor()).await?;
    Ok(see_other("/pemberitahuan"))
}
