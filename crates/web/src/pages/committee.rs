//! The committee's pages: accounts, proposals, the audit log and the mailbox (units: `units.rs`).

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use kolabik_app::store::audit::EventView;
use kolabik_app::store::notifications::OutboxMessage;
use kolabik_app::store::proposals::ProposalListItem;
use kolabik_app::store::users::UserListItem;
use kolabik_app::users::NewUserInput;
use kolabik_app::{AppError, Page, Paged};
use kolabik_domain::{ProposalState, Role, TimeZone};
use serde::Deserialize;

use super::render;
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::WebError;
use crate::forms::FormState;
use crate::view::Chrome;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<u32>,
    state: Option<String>,
}

#[derive(Template)]
#[template(path = "committee_users.html")]
struct UsersPage {
    c: Chrome,
    users: Paged<UserListItem>,
    form: FormState,
    roles: &'static [Role],
    units: Vec<(i64, String, String)>,
    /// After a successful creation: the new account's e-mail and one-time password.
    created: Option<(String, String)>,
}

async fn users_page(
    state: &AppState,
    ctx: &Ctx,
    page: Option<u32>,
    form: FormState,
    created: Option<(String, String)>,
) -> Result<UsersPage, WebError> {
    let users = state.app.list_users(Page::new(page, Some(50))).await?;
    let units = state
        .app
        .list_units(None, Page::new(Some(1), Some(Page::MAX_SIZE)))
        .await?
        .items
        .into_iter()
        .map(|u| (u.id, u.code.to_string(), u.name))
        .collect();
    let c = Chrome::new(ctx, ctx.tr().get("users.title"));
    Ok(UsersPage {
        c,
        users,
        form,
        roles: Role::ALL,
        units,
        created,
    })
}

pub async fn users(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let form = FormState::new(ctx.tr()).with_value("role", Role::UnitOperator.as_str());
    Ok(render(&users_page(&state, &ctx, q.page, form, None).await?))
}

pub async fn create_user(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(input): Form<NewUserInput>,
) -> Result<Response, WebError> {
    match state.app.create_user(&input, &ctx.actor()).await {
        Ok(created) => {
            let page = users_page(
                &state,
                &ctx,
                None,
                FormState::new(ctx.tr()).with_value("role", Role::UnitOperator.as_str()),
                Some((created.user.email.to_string(), created.password)),
            )
            .await?;
            let mut response = render(&page);
            *response.status_mut() = StatusCode::CREATED;
            Ok(response)
        }
        Err(AppError::Invalid(errors)) => {
            let form = FormState::new(ctx.tr())
                .with_value("email", &input.email)
                .with_value("name", &input.name)
                .with_value("role", &input.role)
                .with_value("unit", &input.unit)
                .with_value("nip", &input.nip)
                .with_errors(&errors);
            let mut response = render(&users_page(&state, &ctx, None, form, None).await?);
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "committee_proposals.html")]
struct ProposalsPage {
    c: Chrome,
    proposals: Paged<ProposalListItem>,
    states: &'static [ProposalState],
    selected: String,
    pager_base: String,
    tz: TimeZone,
}

pub async fn proposals(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let selected = q.state.clone().unwrap_or_default();
    let filter = ProposalState::parse(&selected);
    let mut proposals = state
        .app
        .list_proposals(&ctx.grants, filter, Page::new(q.page, Some(50)))
        .await?;
    // A recused committee member does not see the proposal (the deputy acts).
    let hidden = super::jury::recused(&state, &ctx).await?;
    let before = proposals.items.len();
    proposals.items.retain(|p| !hidden.contains(&p.proposal.id));
    proposals.total -= i64::try_from(before - proposals.items.len()).unwrap_or(0);
    let tz = state
        .app
        .current_edition()
        .await?
        .map(|e| e.time_zone)
        .unwrap_or_default();
    let c = Chrome::new(&ctx, ctx.tr().get("proposals.title"));
    let pager_base = format!(
        "/panitia/usulan?state={}&",
        crate::guard::urlencode(&selected)
    );
    Ok(render(&ProposalsPage {
        c,
        proposals,
        states: ProposalState::ALL,
        selected,
        pager_base,
        tz,
    }))
}

#[derive(Template)]
#[template(path = "committee_audit.html")]
struct AuditPage {
    c: Chrome,
    events: Paged<EventView>,
    tz: TimeZone,
}

pub async fn audit(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let events = state.app.audit_log(Page::new(q.page, Some(50))).await?;
    let tz = state
        .app
        .current_edition()
        .await?
        .map(|e| e.time_zone)
        .unwrap_or_default();
    let c = Chrome::new(&ctx, ctx.tr().get("audit.title"));
    Ok(render(&AuditPage { c, events, tz }))
}

#[derive(Template)]
#[template(path = "committee_mailbox.html")]
struct MailboxPage {
    c: Chrome,
    messages: Paged<OutboxMessage>,
    tz: TimeZone,
    /// No SMTP server: the messages are kept here instead of being sent.
    kept_mode: bool,
}

/// Every e-mail Kolabik queued, newest first, with its delivery state and full text.
pub async fn mailbox(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let messages = state.app.outbox(Page::new(q.page, Some(50))).await?;
    let tz = state
        .app
        .current_edition()
        .await?
        .map(|e| e.time_zone)
        .unwrap_or_default();
    let c = Chrome::new(&ctx, ctx.tr().get("mailbox.title"));
    Ok(render(&MailboxPage {
        c,
        messages,
        tz,
        kept_mode: !state.config.smtp_configured,
    }))
}
