//! The proposal pages: the operator's editor (plain save without JavaScript, autosave with
//! it), history and diff, submission; the unit head's approvals; the committee's read view
//! with "return for revision".

use askama::Template;
use axum::Form;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kolabik_app::proposals::{SaveOutcome, SubmitOutcome};
use kolabik_app::store::proposal_content::{EditableProposal, VersionRow};
use kolabik_app::{AppError, FieldError};
use kolabik_domain::proposal::{
    Change, DiffPart, IndicatorInput, IndicatorKind, ProposalContent, SECTIONS, SectionSpec,
    TimeUnit, word_count,
};
use kolabik_domain::{BerakhlakValue, Category, Id, InnovationStage, TimeZone};
use serde::Deserialize;
use serde_json::json;

use super::render;
use crate::AppState;
use crate::ctx::{Ctx, see_other};
use crate::error::WebError;
use crate::forms::FormState;
use crate::view::Chrome;

/// Reads the editor's fields (repeated keys for checkboxes) into content and the version
/// the form was loaded at.
pub fn content_from_pairs(pairs: &[(String, String)]) -> (ProposalContent, i64) {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut c = ProposalContent {
        title: get("title"),
        category: get("category"),
        innovation_stage: get("innovation_stage"),
        started_on: get("started_on"),
        implemented_on: get("implemented_on"),
        summary: get("summary"),
        problem: get("problem"),
        idea: get("idea"),
        novelty: get("novelty"),
        stakeholders: get("stakeholders"),
        resources: get("resources"),
        sustainability: get("sustainability"),
        replicability: get("replicability"),
        results: get("results"),
        lessons: get("lessons"),
        atm_innovation: get("atm_innovation"),
        atm_owner: get("atm_owner"),
        atm_region: get("atm_region"),
        atm_modified: get("atm_modified"),
        video_url: get("video_url"),
        values: pairs
            .iter()
            .filter(|(n, _)| n == "values")
            .map(|(_, v)| v.clone())
            .collect(),
        sdgs: pairs
            .iter()
            .filter(|(n, _)| n == "sdgs")
            .filter_map(|(_, v)| v.parse().ok())
            .collect(),
        indicators: Vec::new(),
    };
    for kind in IndicatorKind::ALL {
        let k = kind.as_str();
        let field = |part: &str| get(&format!("ind.{k}.{part}"));
        let input = IndicatorInput {
            kind: k.to_owned(),
            before: field("before"),
            after: field("after"),
            before_unit: field("before_unit"),
            after_unit: field("after_unit"),
            evidence: field("evidence"),
        };
        if !(input.before.trim().is_empty()
            && input.after.trim().is_empty()
            && input.evidence.trim().is_empty())
        {
            c.indicators.push(input);
        }
    }
    let version = get("version").parse().unwrap_or(0);
    (c, version)
}

/// One indicator row of the editor: what was typed and, when it parses, its change.
pub struct IndicatorRow {
    pub kind: IndicatorKind,
    pub input: IndicatorInput,
    pub change: Option<Change>,
    pub invalid: bool,
}

fn indicator_rows(c: &ProposalContent) -> Vec<IndicatorRow> {
    IndicatorKind::ALL
        .into_iter()
        .map(|kind| {
            let input = c
                .indicators
                .iter()
                .find(|i| i.kind == kind.as_str())
                .cloned()
                .unwrap_or_else(|| IndicatorInput {
                    kind: kind.as_str().to_owned(),
                    ..Default::default()
                });
            let parsed = input.parse();
            let empty = input.before.trim().is_empty() && input.after.trim().is_empty();
            IndicatorRow {
                kind,
                change: parsed.ok().map(|i| i.change()),
                invalid: !empty && parsed.is_err(),
                input,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "proposal_edit.html")]
struct EditPage {
    c: Chrome,
    p: EditableProposal,
    content: ProposalContent,
    version: i64,
    form: FormState,
    categories: Vec<Category>,
    sections: [SectionSpec; 10],
    stages: &'static [InnovationStage],
    values: &'static [BerakhlakValue],
    time_units: [TimeUnit; 4],
    indicators: Vec<IndicatorRow>,
    problems: FormState,
    notice: String,
    editable: bool,
    deadline: String,
    /// The proposal's attachments and the edition's size limit per file (MB).
    attachments: Vec<kolabik_app::store::proposal_files::Attachment>,
    max_attachment_mb: i64,
    max_attachments: i64,
    /// Similar innovations, the ATM link and attachment publishing (catalogue).
    novelty: super::catalog::NoveltyBox,
    /// The published presentation slot and the visible field visit (operators only).
    stages_box: super::presentation::UnitStages,
}

impl EditPage {
    fn words(&self, field: &str) -> usize {
        word_count(self.content.section(field))
    }
    fn has_value(&self, code: &str) -> bool {
        self.content.values.iter().any(|v| v == code)
    }
    fn has_sdg(&self, n: &u8) -> bool {
        self.content.sdgs.contains(n)
    }
    fn sdg_numbers(&self) -> Vec<u8> {
        (1..=17).collect()
    }
    fn change_text(&self, change: &Change) -> String {
        let pct = change
            .percent
            .map(|p| format!(" ({p:+.0}%)"))
            .unwrap_or_default();
        format!("{:+}{pct}", (change.delta * 100.0).round() / 100.0)
    }
    fn worse_count(&self) -> usize {
        self.indicators
            .iter()
            .filter(|r| r.change.is_some_and(|c| c.worse))
            .count()
    }
}

pub(crate) async fn edit_page(
    state: &AppState,
    ctx: &Ctx,
    p: EditableProposal,
    content: Option<ProposalContent>,
    form: FormState,
    notice: String,
    status: StatusCode,
) -> Result<Response, WebError> {
    let edition = state.app.ensure_current_edition().await?;
    let overview = state
        .app
        .edition_overview()
        .await?
        .ok_or_else(WebError::not_found)?;
    let content = content.unwrap_or_else(|| p.content.clone());
    let codes: Vec<&str> = overview
        .categories
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    let mut problems = FormState::new(ctx.tr());
    let gaps: Vec<FieldError> = content
        .completeness(&codes)
        .into_iter()
        .map(|g| FieldError {
            field: g.field,
            key: g.key,
        })
        .collect();
    problems = problems.with_errors(&gaps);
    let gate = state
        .app
        .stage_gate(
            p.unit_id,
            kolabik_domain::StageKind::PengajuanProposal,
            state.app.now(),
        )
        .await?;
    let deadline = crate::view::deadline_text(ctx.tr(), edition.time_zone, gate);
    let c = Chrome::new(ctx, &content.title);
    let editable = p.state.is_editable()
        && ctx
            .grants
            .iter()
            .any(|g| g.unit_id == Some(p.unit_id) && g.role == kolabik_domain::Role::UnitOperator);
    let attachments = state.app.attachments(p.id, &ctx.grants).await?;
    let max_attachment_mb = state.app.attachment_limit_mb(p.edition_id).await?;
    let novelty = super::catalog::operator_box(
        state,
        ctx,
        p.id,
        &super::catalog::proposal_text(&content),
        &attachments
            .iter()
            .map(|a| (a.file.id, a.label.clone()))
            .collect::<Vec<_>>(),
    )
    .await?;
    let stages_box = super::presentation::unit_stages(state, ctx, p.id).await;
    let page = EditPage {
        novelty,
        stages_box,
        attachments,
        max_attachment_mb,
        max_attachments: kolabik_app::attachments::MAX_ATTACHMENTS,
        c,
        version: p.version,
        indicators: indicator_rows(&content),
        content,
        p,
        form,
        categories: overview.categories,
        sections: SECTIONS,
        stages: InnovationStage::ALL,
        values: BerakhlakValue::ALL,
        time_units: TimeUnit::ALL,
        problems,
        notice,
        editable,
        deadline,
    };
    let mut r = render(&page);
    *r.status_mut() = status;
    Ok(r)
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    saved: Option<String>,
    submitted: Option<String>,
}

pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let p = state.app.proposal(id, &ctx.grants).await?;
    let notice =
        if q.submitted.is_some() && p.state == kolabik_domain::ProposalState::AwaitingApproval {
            ctx.tr().get("proposal.notice_awaiting").to_owned()
        } else if q.submitted.is_some() {
            ctx.tr().get("proposal.notice_submitted").to_owned()
        } else if q.saved.is_some() {
            ctx.tr().get("proposal.notice_saved").to_owned()
        } else {
            String::new()
        };
    edit_page(
        &state,
        &ctx,
        p,
        None,
        FormState::new(ctx.tr()),
        notice,
        StatusCode::OK,
    )
    .await
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

#[derive(Template)]
#[template(path = "proposal_conflict.html")]
struct ConflictPage {
    c: Chrome,
    id: Id,
    current: EditableProposal,
    yours: ProposalContent,
    sections: [SectionSpec; 10],
}

/// Saves the editor. A browser form gets a page; the autosave script (Accept: JSON) gets
/// `{"outcome": "saved", "version": n}` or a 409 conflict.
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let (content, version) = content_from_pairs(&pairs);
    let json = wants_json(&headers);
    match state.app.save_proposal(id, version, &content, &ctx.actor(), &ctx.grants).await {
        Ok(SaveOutcome::Saved { version }) if json => Ok(Json(json!({"outcome": "saved", "version": version})).into_response()),
        Ok(SaveOutcome::Saved { .. }) => Ok(see_other(&format!("/operator/usulan/{id}?saved=1"))),
        Ok(SaveOutcome::Conflict { current, .. }) if json => Ok((
            StatusCode::CONFLICT,
            Json(json!({"outcome": "conflict", "version": current.version, "message": ctx.tr().get("proposal.conflict_intro")})),
        )
            .into_response()),
        Ok(SaveOutcome::Conflict { current, yours }) => {
            let c = Chrome::new(&ctx, ctx.tr().get("proposal.conflict_title"));
            let mut r = render(&ConflictPage { c, id, current: *current, yours: *yours, sections: SECTIONS });
            *r.status_mut() = StatusCode::CONFLICT;
            Ok(r)
        }
        Err(AppError::Invalid(errors)) if !json => {
            let p = state.app.proposal(id, &ctx.grants).await?;
            let form = FormState::new(ctx.tr()).with_errors(&errors);
            edit_page(&state, &ctx, p, Some(content), form, String::new(), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct NewProposal {
    #[serde(default)]
    title: String,
    #[serde(default)]
    unit: String,
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(input): Form<NewProposal>,
) -> Result<Response, WebError> {
    let unit_id: Id = match input.unit.parse() {
        Ok(id) => id,
        Err(_) => ctx
            .grants
            .iter()
            .find(|g| g.role == kolabik_domain::Role::UnitOperator)
            .and_then(|g| g.unit_id)
            .ok_or_else(WebError::forbidden)?,
    };
    let content = ProposalContent {
        title: input.title.trim().to_owned(),
        ..Default::default()
    };
    match state
        .app
        .create_proposal(unit_id, &content, &ctx.actor(), &ctx.grants)
        .await
    {
        Ok(id) => Ok(see_other(&format!("/operator/usulan/{id}"))),
        Err(AppError::Invalid(errors)) => {
            let form = FormState::new(ctx.tr())
                .with_value("title", &input.title)
                .with_errors(&errors);
            super::dashboards::operator_page(&state, &ctx, form, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct SubmitInput {
    declaration: Option<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(input): Form<SubmitInput>,
) -> Result<Response, WebError> {
    let declared = input
        .declaration
        .as_deref()
        .is_some_and(|v| v == "on" || v == "true");
    match state
        .app
        .submit_proposal(id, declared, &ctx.actor(), &ctx.grants)
        .await
    {
        Ok(SubmitOutcome::Submitted { .. } | SubmitOutcome::AwaitingApproval) => {
            Ok(see_other(&format!("/operator/usulan/{id}?submitted=1")))
        }
        Err(AppError::Invalid(errors)) => {
            let p = state.app.proposal(id, &ctx.grants).await?;
            let form = FormState::new(ctx.tr()).with_errors(&errors);
            let notice = ctx.tr().get("proposal.notice_incomplete").to_owned();
            edit_page(
                &state,
                &ctx,
                p,
                None,
                form,
                notice,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e @ AppError::Deadline(..)) => {
            let p = state.app.proposal(id, &ctx.grants).await?;
            let message = crate::error::message(&ctx, e.into());
            edit_page(
                &state,
                &ctx,
                p,
                None,
                FormState::new(ctx.tr()),
                message,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Response, WebError> {
    state
        .app
        .withdraw_proposal(id, &ctx.actor(), &ctx.grants)
        .await?;
    Ok(see_other(&format!("/operator/usulan/{id}")))
}

#[derive(Template)]
#[template(path = "proposal_history.html")]
struct HistoryPage {
    c: Chrome,
    id: Id,
    title: String,
    tz: TimeZone,
    versions: Vec<VersionRow>,
    diff: Vec<(&'static str, Vec<DiffPart>)>,
    from: Id,
    to: Id,
}

#[derive(Deserialize, Default)]
pub struct DiffQuery {
    dari: Option<Id>,
    ke: Option<Id>,
}

pub async fn history(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Query(q): Query<DiffQuery>,
) -> Result<Response, WebError> {
    let p = state.app.proposal(id, &ctx.grants).await?;
    let versions = state.app.proposal_versions(id, &ctx.grants).await?;
    let to = q.ke.or(versions.first().map(|v| v.id)).unwrap_or(0);
    // By default: what changed since the previous submission (what a reviewer of a
    // resubmitted proposal wants), else since the version before the latest.
    let previous_submission = versions
        .iter()
        .skip(1)
        .find(|v| v.note.as_deref() == Some("submitted"))
        .map(|v| v.id);
    let from = q
        .dari
        .or(previous_submission)
        .or(versions.get(1).map(|v| v.id))
        .unwrap_or(to);
    let diff = if from != to && from != 0 {
        state.app.proposal_diff(id, from, to, &ctx.grants).await?
    } else {
        Vec::new()
    };
    let tz = state.app.ensure_current_edition().await?.time_zone;
    let c = Chrome::new(&ctx, ctx.tr().get("proposal.history"));
    Ok(render(&HistoryPage {
        c,
        id,
        title: p.content.title,
        tz,
        versions,
        diff,
        from,
        to,
    }))
}

/// The catalogue key of a field's label, for the history page.
pub fn field_label(field: &str) -> &'static str {
    SECTIONS
        .iter()
        .find(|s| s.field == field)
        .map(|s| s.label_key)
        .unwrap_or(match field {
            "title" => "proposal.title",
            "atm_innovation" => "proposal.atm_innovation",
            "atm_owner" => "proposal.atm_owner",
            "atm_region" => "proposal.atm_region",
            "atm_modified" => "proposal.atm_modified",
            _ => "proposal.video_url",
        })
}

#[derive(Template)]
#[template(path = "unit_head.html")]
struct HeadPage {
    c: Chrome,
    items: Vec<EditableProposal>,
    form: FormState,
}

pub async fn head_dashboard(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let items = state.app.awaiting_approval(&ctx.grants).await?;
    let c = Chrome::new(&ctx, ctx.tr().get("head.title"));
    Ok(render(&HeadPage {
        c,
        items,
        form: FormState::new(ctx.tr()),
    }))
}

pub async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Response, WebError> {
    match state
        .app
        .approve_proposal(id, &ctx.actor(), &ctx.grants)
        .await
    {
        Ok(_) => Ok(see_other("/kepala-unit")),
        Err(e @ (AppError::Deadline(..) | AppError::Invalid(_))) => {
            let items = state.app.awaiting_approval(&ctx.grants).await?;
            let message = crate::error::message(&ctx, e.into());
            let c = Chrome::new(&ctx, ctx.tr().get("head.title"));
            let form = FormState::new(ctx.tr()).with_value("notice", &message);
            let mut r = render(&HeadPage { c, items, form });
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ReasonInput {
    #[serde(default)]
    reason: String,
}

pub async fn head_send_back(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(input): Form<ReasonInput>,
) -> Result<Response, WebError> {
    super::jury::refuse_recused(&state, &ctx, id).await?;
    match state
        .app
        .return_proposal(id, &input.reason, &ctx.actor(), &ctx.grants)
        .await
    {
        Ok(()) => Ok(see_other("/kepala-unit")),
        Err(AppError::Invalid(errors)) => {
            let items = state.app.awaiting_approval(&ctx.grants).await?;
            let c = Chrome::new(&ctx, ctx.tr().get("head.title"));
            let form = FormState::new(ctx.tr())
                .with_value("reason", &input.reason)
                .with_errors(&errors);
            let mut r = render(&HeadPage { c, items, form });
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn committee_view(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Response, WebError> {
    super::jury::refuse_recused(&state, &ctx, id).await?;
    let p = state.app.proposal(id, &ctx.grants).await?;
    edit_page(
        &state,
        &ctx,
        p,
        None,
        FormState::new(ctx.tr()),
        String::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn committee_return(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(input): Form<ReasonInput>,
) -> Result<Response, WebError> {
    match state
        .app
        .return_proposal(id, &input.reason, &ctx.actor(), &ctx.grants)
        .await
    {
        Ok(()) => Ok(see_other(&format!("/panitia/usulan/{id}"))),
        Err(AppError::Invalid(errors)) => {
            let p = state.app.proposal(id, &ctx.grants).await?;
            let form = FormState::new(ctx.tr())
                .with_value("reason", &input.reason)
                .with_errors(&errors);
            edit_page(
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
