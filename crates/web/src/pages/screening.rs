//! The committee's administrative screening (`/panitia/seleksi`): the queue with the
//! automatic checks, one proposal's review page with the checklist and the decision form,
//! the edition's checklist, and "release all held decisions".

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kolabik_app::AppError;
use kolabik_app::screening::{DecisionInput, QueueItem, ScreeningDetail};
use kolabik_domain::screening::{CheckResult, Decision};
use kolabik_domain::{Id, TimeZone};

use super::render;
use crate::AppState;
use crate::ctx::{Ctx, see_other};
use crate::error::WebError;
use crate::forms::FormState;
use crate::view::Chrome;

/// A check as the page shows it, already translated.
pub struct CheckView {
    pub name: String,
    pub detail: String,
    pub passed: bool,
    pub warning: bool,
}

fn check_views(c: &Chrome, checks: &[CheckResult]) -> Vec<CheckView> {
    checks
        .iter()
        .map(|ch| CheckView {
            name: c.t(&ch.label_key()).to_owned(),
            detail: c.t(ch.detail_key).to_owned(),
            passed: ch.passed,
            warning: ch.warning,
        })
        .collect()
}

fn decision_label(c: &Chrome, code: &str) -> String {
    Decision::parse(code)
        .map(|d| c.t(d.label_key()).to_owned())
        .unwrap_or_else(|| code.to_owned())
}

#[derive(Template)]
#[template(path = "committee_screening.html")]
struct QueuePage {
    c: Chrome,
    items: Vec<(QueueItem, Option<String>)>,
    held_count: usize,
    checklist_text: String,
    tz: TimeZone,
}

pub async fn queue(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let items = state.app.screening_queue().await?;
    let tz = state.app.ensure_current_edition().await?.time_zone;
    let c = Chrome::new(&ctx, ctx.tr().get("screening.title"));
    let held_count = items.iter().filter(|i| i.held.is_some()).count();
    let checklist_text = state
        .app
        .screening_checklist()
        .await?
        .into_iter()
        .map(|i| i.label)
        .collect::<Vec<_>>()
        .join("\n");
    let items = items
        .into_iter()
        .map(|i| {
            let held = i.held.as_ref().map(|h| decision_label(&c, &h.decision));
            (i, held)
        })
        .collect();
    Ok(render(&QueuePage {
        c,
        items,
        held_count,
        checklist_text,
        tz,
    }))
}

#[derive(Template)]
#[template(path = "committee_screening_detail.html")]
struct DetailPage {
    c: Chrome,
    d: ScreeningDetail,
    checks: Vec<CheckView>,
    /// (checklist item id, label, ticked)
    checklist: Vec<(Id, String, bool)>,
    held: Option<String>,
    /// (decision label, reasons, by, created, released)
    history: Vec<(
        String,
        String,
        String,
        kolabik_domain::Instant,
        Option<kolabik_domain::Instant>,
    )>,
    decisions: Vec<(&'static str, String)>,
    form: FormState,
    tz: TimeZone,
    /// Similar innovations and near-duplicates (catalogue).
    novelty: super::catalog::NoveltyBox,
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    id: Id,
    form: FormState,
    ticked: &[Id],
    status: StatusCode,
) -> Result<Response, WebError> {
    let d = state.app.screening_detail(id).await?;
    let tz = state.app.ensure_current_edition().await?.time_zone;
    let c = Chrome::new(ctx, ctx.tr().get("screening.title"));
    let checks = check_views(&c, &d.checks);
    let checklist = d
        .checklist
        .iter()
        .map(|i| (i.id, i.label.clone(), ticked.contains(&i.id)))
        .collect();
    let held = d.held.as_ref().map(|h| decision_label(&c, &h.decision));
    let history = d
        .history
        .iter()
        .map(|h| {
            (
                decision_label(&c, &h.decision),
                h.reasons.clone(),
                h.decided_by_name.clone().unwrap_or_default(),
                h.created_at,
                h.released_at,
            )
        })
        .collect();
    let decisions = Decision::ALL
        .iter()
        .map(|d| (d.as_str(), c.t(d.label_key()).to_owned()))
        .collect();
    let novelty = super::catalog::committee_box(state, id).await?;
    let mut resp = render(&DetailPage {
        novelty,
        c,
        d,
        checks,
        checklist,
        held,
        history,
        decisions,
        form,
        tz,
    });
    *resp.status_mut() = status;
    Ok(resp)
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Response, WebError> {
    super::jury::refuse_recused(&state, &ctx, id).await?;
    let form = FormState::new(ctx.tr());
    detail_page(&state, &ctx, id, form, &[], StatusCode::OK).await
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let input = DecisionInput {
        decision: get("decision"),
        reasons: get("reasons"),
        checked: pairs
            .iter()
            .filter(|(n, _)| n == "checked")
            .filter_map(|(_, v)| v.parse().ok())
            .collect(),
        hold: !get("hold").is_empty(),
    };
    match state.app.screen_proposal(id, &input, &ctx.actor()).await {
        Ok(()) => Ok(see_other("/panitia/seleksi")),
        Err(AppError::Invalid(errors)) => {
            let form = FormState::new(ctx.tr())
                .with_value("decision", &input.decision)
                .with_value("reasons", &input.reasons)
                .with_value("hold", if input.hold { "1" } else { "" })
                .with_errors(&errors);
            detail_page(
                &state,
                &ctx,
                id,
                form,
                &input.checked,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
pub struct ChecklistInput {
    #[serde(default)]
    items: String,
}

pub async fn save_checklist(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(input): Form<ChecklistInput>,
) -> Result<Response, WebError> {
    state
        .app
        .set_screening_checklist(&input.items, &ctx.actor())
        .await?;
    Ok(see_other("/panitia/seleksi"))
}

pub async fn release(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    state.app.release_screenings(&ctx.actor()).await?;
    Ok(see_other("/panitia/seleksi"))
}
