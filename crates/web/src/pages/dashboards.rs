//! One dashboard per role. `/dasbor` sends a user to the first of theirs.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kolabik_app::dashboard::{CommitteeDashboard, JudgeDashboard, OperatorDashboard};
use kolabik_domain::{Edition, ProposalState};

use super::render;
use crate::AppState;
use crate::ctx::{Ctx, see_other};
use crate::error::WebError;
use crate::view::{Bar, Chrome, bars, role_home};

pub async fn home(ctx: Ctx) -> Response {
    match ctx.roles().first() {
        Some(role) => see_other(role_home(*role).0),
        None => see_other("/akun/kata-sandi"),
    }
}

fn state_bars(c: &Chrome, counts: &[(ProposalState, i64)]) -> Vec<Bar> {
    bars(
        counts
            .iter()
            .map(|(s, n)| (c.t(s.label_key()).to_owned(), *n)),
    )
}

#[derive(Template)]
#[template(path = "dashboard_committee.html")]
struct CommitteePage {
    c: Chrome,
    edition: Option<Edition>,
    d: CommitteeDashboard,
    state_bars: Vec<Bar>,
    kind_bars: Vec<Bar>,
    category_bars: Vec<Bar>,
}

pub async fn committee(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let d = state.app.committee_dashboard().await?;
    let edition = state.app.current_edition().await?;
    let c = Chrome::new(&ctx, ctx.tr().get("committee.title"));
    let state_bars = state_bars(&c, &d.by_state);
    let kind_bars = bars(
        d.by_unit_kind
            .iter()
            .map(|(k, n)| (c.t(k.label_key()).to_owned(), *n)),
    );
    let category_bars = bars(d.by_category.iter().cloned());
    Ok(render(&CommitteePage {
        c,
        edition,
        d,
        state_bars,
        kind_bars,
        category_bars,
    }))
}

#[derive(Template)]
#[template(path = "dashboard_operator.html")]
struct OperatorPage {
    c: Chrome,
    d: OperatorDashboard,
    form: crate::forms::FormState,
}

impl OperatorPage {
    /// The submission deadline line for one unit, in the user's language.
    fn deadline(&self, unit_id: &kolabik_domain::Id) -> String {
        self.d
            .submission
            .iter()
            .find(|(id, _)| id == unit_id)
            .map(|(_, gate)| crate::view::deadline_text(self.c.tr, self.d.time_zone, *gate))
            .unwrap_or_default()
    }
}

pub async fn operator(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    operator_page(
        &state,
        &ctx,
        crate::forms::FormState::new(ctx.tr()),
        axum::http::StatusCode::OK,
    )
    .await
}

/// The operator's dashboard, with the new-proposal form in `form`.
pub async fn operator_page(
    state: &AppState,
    ctx: &Ctx,
    form: crate::forms::FormState,
    status: axum::http::StatusCode,
) -> Result<Response, WebError> {
    let d = state.app.operator_dashboard(&ctx.grants).await?;
    let c = Chrome::new(ctx, ctx.tr().get("operator.title"));
    let mut r = render(&OperatorPage { c, d, form });
    *r.status_mut() = status;
    Ok(r)
}

#[derive(Template)]
#[template(path = "dashboard_judge.html")]
struct JudgePage {
    c: Chrome,
    d: JudgeDashboard,
}

pub async fn judge(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let Some(user) = &ctx.user else {
        return Err(WebError::unauthenticated());
    };
    let d = state.app.judge_dashboard(user).await?;
    let c = Chrome::new(&ctx, ctx.tr().get("judge.title"));
    Ok(render(&JudgePage { c, d }))
}
