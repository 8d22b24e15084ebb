//! Judging pages. The committee: a judged stage's settings (`/panitia/penilaian/{stage}/
//! pengaturan`), its rubric editor (`…/rubrik`, a plain form with N rows and an
//! "add row" submit, so it works without JavaScript) and the progress view with the
//! reopen action (`/panitia/penilaian/{stage}`). The judge: the queue
//! (`/juri`) and one score sheet (`/juri/{stage}/{id}`, id = proposal id)
//! with its attachments.
//!
//! The language is the request's (cookie), as on every other page.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use kolabik_app::AppError;
use kolabik_app::scoring::{JudgeQueue, JudgingView, Progress, SettingsInput, SheetView};
use kolabik_domain::proposal::{Change, IndicatorKind, SECTIONS, SectionSpec};
use kolabik_domain::rubric::{Criterion, LevelDescriptor, Rubric, RubricError, format_percent};
use kolabik_domain::scoring::{Sheet, SheetCheck, SheetEntry, SheetError, parse_score};
use kolabik_domain::{Id, Lang, StageKind, TimeZone};

use super::render;
use crate::AppState;
use crate::ctx::{Ctx, see_other};
use crate::error::WebError;
use crate::forms::FormState;
use crate::i18n::Tr;
use crate::view::Chrome;

fn stage_kind(code: &str) -> Result<StageKind, WebError> {
    kolabik_domain::StageKind::parse_judged(code).ok_or_else(WebError::not_found)
}

fn form_value(pairs: &[(String, String)], k: &str) -> String {
    pairs
        .iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn total_text(lang: Lang, t: Option<f64>) -> String {
    match t {
        Some(v) => {
            let s = format!("{v:.2}");
            if lang == Lang::Id {
                s.replace('.', ",")
            } else {
                s
            }
        }
        None => "—".to_owned(),
    }
}

// ---------------------------------------------------------------- committee: settings

#[derive(Template)]
#[template(path = "scoring/settings.html")]
struct SettingsPage {
    c: Chrome,
    kind: StageKind,
    v: JudgingView,
    form: FormState,
    saved: bool,
}

#[derive(serde::Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
    submitted: Option<String>,
}

async fn settings_page(
    state: &AppState,
    ctx: &Ctx,
    stage: &str,
    form: Option<FormState>,
    saved: bool,
    status: StatusCode,
) -> Result<Response, WebError> {
    let kind = stage_kind(stage)?;
    let v = state.app.stage_judging(stage).await?;
    let form = form.unwrap_or_else(|| {
        let i = SettingsInput::from_settings(&v.settings);
        FormState::new(ctx.tr())
            .with_value("blind", if i.blind { "1" } else { "" })
            .with_value("reviews_per_proposal", &i.reviews_per_proposal)
            .with_value("min_academic", &i.min_academic)
            .with_value("min_practitioner", &i.min_practitioner)
            .with_value("max_load", &i.max_load)
            .with_value("final_weight", &i.final_weight)
            .with_value("promote_top_n", &i.promote_top_n)
            .with_value("passing_grade", &i.passing_grade)
            .with_value("disagreement_threshold", &i.disagreement_threshold)
    });
    let c = Chrome::new(ctx, ctx.tr().get("scoring.settings.title"));
    let mut r = render(&SettingsPage {
        c,
        kind,
        v,
        form,
        saved,
    });
    *r.status_mut() = status;
    Ok(r)
}

pub async fn settings(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    settings_page(
        &state,
        &ctx,
        &stage,
        None,
        q.saved.is_some(),
        StatusCode::OK,
    )
    .await
}

pub async fn save_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    stage_kind(&stage)?;
    let input = SettingsInput {
        blind: !form_value(&pairs, "blind").is_empty(),
        reviews_per_proposal: form_value(&pairs, "reviews_per_proposal"),
        min_academic: form_value(&pairs, "min_academic"),
        min_practitioner: form_value(&pairs, "min_practitioner"),
        max_load: form_value(&pairs, "max_load"),
        final_weight: form_value(&pairs, "final_weight"),
        promote_top_n: form_value(&pairs, "promote_top_n"),
        passing_grade: form_value(&pairs, "passing_grade"),
        disagreement_threshold: form_value(&pairs, "disagreement_threshold"),
    };
    match state
        .app
        .save_stage_settings(&stage, &input, &ctx.actor())
        .await
    {
        Ok(()) => Ok(see_other(&format!(
            "/panitia/penilaian/{stage}/pengaturan?saved=1"
        ))),
        Err(AppError::Invalid(errors)) => {
            let form = FormState::new(ctx.tr())
                .with_value("blind", if input.blind { "1" } else { "" })
                .with_value("reviews_per_proposal", &input.reviews_per_proposal)
                .with_value("min_academic", &input.min_academic)
                .with_value("min_practitioner", &input.min_practitioner)
                .with_value("max_load", &input.max_load)
                .with_value("final_weight", &input.final_weight)
                .with_value("promote_top_n", &input.promote_top_n)
                .with_value("passing_grade", &input.passing_grade)
                .with_value("disagreement_threshold", &input.disagreement_threshold)
                .with_errors(&errors);
            settings_page(
                &state,
                &ctx,
                &stage,
                Some(form),
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------ committee: rubric

/// One rubric row as typed.
#[derive(Debug, Clone, Default)]
pub struct RubricRow {
    pub code: String,
    pub name: String,
    pub description: String,
    pub weight: String,
    pub min: String,
    pub max: String,
    /// One level per line: `score: descriptor`.
    pub levels: String,
    pub counted: bool,
    pub position: String,
    /// Messages for this row, translated.
    pub errors: Vec<String>,
}

fn levels_text(levels: &[LevelDescriptor]) -> String {
    levels
        .iter()
        .map(|l| format!("{}: {}", l.score, l.descriptor))
        .collect::<Vec<_>>()
        .join("\n")
}

fn rows_of(r: &Rubric) -> Vec<RubricRow> {
    r.criteria
        .iter()
        .enumerate()
        .map(|(i, c)| RubricRow {
            code: c.code.clone(),
            name: c.name.clone(),
            description: c.description.clone(),
            weight: format_percent(c.weight_bp),
            min: c.scale_min.to_string(),
            max: c.scale_max.to_string(),
            levels: levels_text(&c.levels),
            counted: c.counted,
            position: (i + 1).to_string(),
            errors: Vec::new(),
        })
        .collect()
}

/// Maximum rows the form accepts.
const MAX_ROWS: usize = 30;

/// Reads the rows from the form: `code.N`, `name.N`, …, `remove.N` drops a row, rows are
/// ordered by `position.N` (then by N).
fn rows_from_form(pairs: &[(String, String)]) -> Vec<RubricRow> {
    let count: usize = form_value(pairs, "rows").parse().unwrap_or(0).min(MAX_ROWS);
    let mut rows: Vec<(f64, usize, RubricRow)> = Vec::new();
    for i in 0..count {
        let get = |f: &str| form_value(pairs, &format!("{f}.{i}"));
        if !get("remove").is_empty() {
            continue;
        }
        let row = RubricRow {
            code: get("code").trim().to_owned(),
            name: get("name"),
            description: get("description"),
            weight: get("weight"),
            min: get("min"),
            max: get("max"),
            levels: get("levels"),
            counted: !get("counted").is_empty(),
            position: get("position"),
            errors: Vec::new(),
        };
        let pos = row
            .position
            .trim()
            .replace(',', ".")
            .parse::<f64>()
            .unwrap_or((i + 1) as f64);
        rows.push((pos, i, row));
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    rows.into_iter()
        .enumerate()
        .map(|(i, (_, _, mut r))| {
            r.position = (i + 1).to_string();
            r
        })
        .collect()
}

/// Builds the rubric from the rows; problems of the typed values are put on their rows.
fn rubric_from_rows(tr: Tr, rows: &mut [RubricRow]) -> Option<Rubric> {
    let mut ok = true;
    let mut criteria = Vec::new();
    for row in rows.iter_mut() {
        let weight = kolabik_domain::rubric::parse_percent_bp(&row.weight);
        if weight.is_err() {
            row.errors.push(tr.get("rubric.error_percent").to_owned());
        }
        let min = row.min.trim().parse::<u8>();
        let max = row.max.trim().parse::<u8>();
        if min.is_err() || max.is_err() {
            row.errors
                .push(tr.get("scoring.rubric_form.error_scale").to_owned());
        }
        let mut levels = Vec::new();
        for line in row.levels.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let parsed = line.split_once(':').and_then(|(s, d)| {
                s.trim().parse::<u8>().ok().map(|s| LevelDescriptor {
                    score: s,
                    descriptor: d.trim().to_owned(),
                })
            });
            match parsed {
                Some(l) => levels.push(l),
                None => {
                    row.errors
                        .push(tr.fmt("scoring.rubric_form.error_level_line", &[("line", line)]));
                }
            }
        }
        match (weight, min, max) {
            (Ok(w), Ok(lo), Ok(hi)) => criteria.push(Criterion {
                code: row.code.clone(),
                name: row.name.trim().to_owned(),
                description: row.description.trim().to_owned(),
                weight_bp: w,
                scale_min: lo,
                scale_max: hi,
                levels,
                counted: row.counted,
            }),
            _ => ok = false,
        }
        if !row.errors.is_empty() {
            ok = false;
        }
    }
    ok.then_some(Rubric { criteria })
}

/// The domain's problems put on their rows (or returned as page-wide messages).
fn place_rubric_errors(tr: Tr, rows: &mut [RubricRow], errors: &[RubricError]) -> Vec<String> {
    let mut global = Vec::new();
    for e in errors {
        let (code, score) = match e {
            RubricError::DuplicateCode(c)
            | RubricError::Name(c)
            | RubricError::ScaleOrder(c)
            | RubricError::ScaleMax(c) => (Some(c.clone()), None),
            RubricError::LevelOutside { code, score }
            | RubricError::LevelDuplicate { code, score }
            | RubricError::LevelEmpty { code, score } => (Some(code.clone()), Some(*score)),
            _ => (None, None),
        };
        let score_text = score.map(|s| s.to_string()).unwrap_or_default();
        let code_text = code.clone().unwrap_or_default();
        let msg = tr.fmt(
            e.key(),
            &[
                ("criterion", code_text.as_str()),
                ("score", score_text.as_str()),
            ],
        );
        let target = match (e, &code) {
            (RubricError::Code(i), _) => rows.get_mut(i.saturating_sub(1)),
            (_, Some(code)) => rows.iter_mut().find(|r| &r.code == code),
            _ => None,
        };
        match target {
            Some(r) => r.errors.push(msg),
            None => global.push(msg),
        }
    }
    global
}

#[derive(Template)]
#[template(path = "scoring/rubric.html")]
struct RubricPage {
    c: Chrome,
    kind: StageKind,
    v: JudgingView,
    rows: Vec<RubricRow>,
    errors: Vec<String>,
    /// The stage's opening instant, formatted, when the rubric is locked.
    locked_message: String,
    saved: bool,
    weight_sum: String,
}

impl RubricPage {
    fn row_count(&self) -> usize {
        self.rows.len()
    }
}

#[allow(clippy::too_many_arguments)]
async fn rubric_page(
    state: &AppState,
    ctx: &Ctx,
    stage: &str,
    rows: Option<Vec<RubricRow>>,
    errors: Vec<String>,
    saved: bool,
    status: StatusCode,
) -> Result<Response, WebError> {
    let kind = stage_kind(stage)?;
    let v = state.app.stage_judging(stage).await?;
    let rows = rows.unwrap_or_else(|| rows_of(&v.rubric));
    let locked_message = if v.rubric_locked {
        ctx.tr().fmt(
            "scoring.rubric_locked_at",
            &[("at", &v.time_zone.format(v.stage.opens_at, ctx.lang))],
        )
    } else {
        String::new()
    };
    let sum: u32 = rows
        .iter()
        .filter(|r| r.counted)
        .filter_map(|r| kolabik_domain::rubric::parse_percent_bp(&r.weight).ok())
        .sum();
    let c = Chrome::new(ctx, ctx.tr().get("scoring.rubric_form.title"));
    let mut r = render(&RubricPage {
        c,
        kind,
        v,
        rows,
        errors,
        locked_message,
        saved,
        weight_sum: if ctx.lang == Lang::Id {
            format_percent(sum).replace('.', ",")
        } else {
            format_percent(sum)
        },
    });
    *r.status_mut() = status;
    Ok(r)
}

pub async fn rubric(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    rubric_page(
        &state,
        &ctx,
        &stage,
        None,
        Vec::new(),
        q.saved.is_some(),
        StatusCode::OK,
    )
    .await
}

pub async fn save_rubric(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    stage_kind(&stage)?;
    let tr = ctx.tr();
    let mut rows = rows_from_form(&pairs);
    if form_value(&pairs, "action") == "add" && rows.len() < MAX_ROWS {
        rows.push(RubricRow {
            min: "1".into(),
            max: "10".into(),
            counted: true,
            position: (rows.len() + 1).to_string(),
            ..RubricRow::default()
        });
        return rubric_page(
            &state,
            &ctx,
            &stage,
            Some(rows),
            Vec::new(),
            false,
            StatusCode::OK,
        )
        .await;
    }
    let Some(rubric) = rubric_from_rows(tr, &mut rows) else {
        let errors = vec![tr.get("scoring.rubric_form.error_rows").to_owned()];
        return rubric_page(
            &state,
            &ctx,
            &stage,
            Some(rows),
            errors,
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    match state.app.save_rubric(&stage, &rubric, &ctx.actor()).await {
        Ok(()) => Ok(see_other(&format!(
            "/panitia/penilaian/{stage}/rubrik?saved=1"
        ))),
        Err(AppError::Invalid(fields)) => {
            let errors = match rubric.validate() {
                Err(problems) => place_rubric_errors(tr, &mut rows, &problems),
                // Locked or frozen: the page says so (the banner names the opening).
                Ok(()) => fields.iter().map(|f| tr.get(f.key).to_owned()).collect(),
            };
            rubric_page(
                &state,
                &ctx,
                &stage,
                Some(rows),
                errors,
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn reset_rubric(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
) -> Result<Response, WebError> {
    stage_kind(&stage)?;
    match state.app.reset_rubric(&stage, &ctx.actor()).await {
        Ok(()) => Ok(see_other(&format!(
            "/panitia/penilaian/{stage}/rubrik?saved=1"
        ))),
        Err(AppError::Invalid(fields)) => {
            let tr = ctx.tr();
            let errors = fields.iter().map(|f| tr.get(f.key).to_owned()).collect();
            rubric_page(
                &state,
                &ctx,
                &stage,
                None,
                errors,
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- committee: progress

#[derive(Template)]
#[template(path = "scoring/progress.html")]
struct ProgressPage {
    c: Chrome,
    kind: StageKind,
    p: Progress,
    /// The sheet whose reopen was refused, the reason typed and the message.
    reopen_error: Option<(Id, String, String)>,
}

impl ProgressPage {
    fn total(&self, t: &Option<f64>) -> String {
        total_text(self.c.tr.lang, *t)
    }
    fn state_label(&self, s: &str) -> String {
        self.c.t(&format!("scoring.state.{s}")).to_owned()
    }
    fn typed_reason(&self, sheet: &Id) -> &str {
        match &self.reopen_error {
            Some((id, reason, _)) if id == sheet => reason,
            _ => "",
        }
    }
    fn reopen_message(&self, sheet: &Id) -> &str {
        match &self.reopen_error {
            Some((id, _, msg)) if id == sheet => msg,
            _ => "",
        }
    }
}

async fn progress_page(
    state: &AppState,
    ctx: &Ctx,
    stage: &str,
    reopen_error: Option<(Id, String, String)>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let kind = stage_kind(stage)?;
    let p = state
        .app
        .stage_progress(stage, ctx.user.as_ref().map(|u| u.id))
        .await?;
    let title = format!(
        "{} — {}",
        ctx.tr().get("scoring.progress.title"),
        ctx.tr().get(kind.label_key())
    );
    let c = Chrome::new(ctx, &title);
    let mut r = render(&ProgressPage {
        c,
        kind,
        p,
        reopen_error,
    });
    *r.status_mut() = status;
    Ok(r)
}

pub async fn progress(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(stage): Path<String>,
) -> Result<Response, WebError> {
    progress_page(&state, &ctx, &stage, None, StatusCode::OK).await
}

#[derive(serde::Deserialize)]
pub struct ReasonInput {
    #[serde(default)]
    reason: String,
}

pub async fn reopen(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((stage, id)): Path<(String, Id)>,
    Form(input): Form<ReasonInput>,
) -> Result<Response, WebError> {
    stage_kind(&stage)?;
    match state
        .app
        .reopen_sheet(&stage, id, &input.reason, &ctx.actor())
        .await
    {
        Ok(()) => Ok(see_other(&format!("/panitia/penilaian/{stage}"))),
        Err(AppError::Invalid(fields)) => {
            let tr = ctx.tr();
            let msg = fields
                .iter()
                .map(|f| tr.get(f.key))
                .collect::<Vec<_>>()
                .join(" ");
            progress_page(
                &state,
                &ctx,
                &stage,
                Some((id, input.reason.clone(), msg)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// -------------------------------------------------------------------- judge: queue

#[derive(Template)]
#[template(path = "scoring/queue.html")]
struct QueuePage {
    c: Chrome,
    q: JudgeQueue,
}

impl QueuePage {
    fn total(&self, t: &Option<f64>) -> String {
        total_text(self.c.tr.lang, *t)
    }
    fn state_label(&self, s: &str) -> String {
        self.c.t(&format!("scoring.state.{s}")).to_owned()
    }
}

pub async fn queue(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let user = ctx.user.as_ref().ok_or_else(WebError::unauthenticated)?;
    let q = state.app.judge_queue(user.id).await?;
    if !q.declared {
        return Ok(see_other("/juri/deklarasi"));
    }
    let c = Chrome::new(&ctx, ctx.tr().get("scoring.queue.title"));
    Ok(render(&QueuePage { c, q }))
}

// -------------------------------------------------------------------- judge: sheet

/// One indicator as the sheet shows it.
pub struct IndicatorView {
    pub label_key: &'static str,
    pub before: String,
    pub after: String,
    pub change: Option<Change>,
    pub evidence: String,
}

fn indicator_views(
    tr: Tr,
    content: &kolabik_domain::proposal::ProposalContent,
) -> Vec<IndicatorView> {
    IndicatorKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let input = content
                .indicators
                .iter()
                .find(|i| i.kind == kind.as_str())?;
            if input.before.trim().is_empty() && input.after.trim().is_empty() {
                return None;
            }
            let unit = |u: &str| match kolabik_domain::proposal::TimeUnit::parse(u) {
                Some(t) => format!(" {}", tr.get(t.label_key())),
                None if u.is_empty() => String::new(),
                None => format!(" {u}"),
            };
            Some(IndicatorView {
                label_key: kind.label_key(),
                before: format!("{}{}", input.before, unit(&input.before_unit)),
                after: format!("{}{}", input.after, unit(&input.after_unit)),
                change: input.parse().ok().map(|i| i.change()),
                evidence: input.evidence.clone(),
            })
        })
        .collect()
}

#[derive(Template)]
#[template(path = "scoring/sheet.html")]
struct SheetPage {
    c: Chrome,
    v: SheetView,
    sections: [SectionSpec; 10],
    indicators: Vec<IndicatorView>,
    /// Typed scores and comments by criterion code.
    scores: HashMap<String, String>,
    comments: HashMap<String, String>,
    overall: String,
    /// Messages per criterion code, and page-wide.
    errors: HashMap<String, Vec<String>>,
    message: String,
    notice: String,
    tz: TimeZone,
    /// Similar innovations beside the proposal (units hidden in a blind stage).
    novelty: super::catalog::NoveltyBox,
}

impl SheetPage {
    fn score_is(&self, code: &str, n: &u8) -> bool {
        self.scores
            .get(code)
            .is_some_and(|s| s.trim() == n.to_string())
    }
    fn score_of(&self, code: &str) -> &str {
        self.scores.get(code).map(String::as_str).unwrap_or("")
    }
    fn comment_of(&self, code: &str) -> &str {
        self.comments.get(code).map(String::as_str).unwrap_or("")
    }
    fn errors_of(&self, code: &str) -> Vec<String> {
        self.errors.get(code).cloned().unwrap_or_default()
    }
    fn scale(&self, c: &Criterion) -> Vec<u8> {
        (c.scale_min..=c.scale_max).collect()
    }
    /// Radio buttons for short scales, a number field for long ones.
    fn short_scale(&self, c: &Criterion) -> bool {
        c.scale_max - c.scale_min <= 10
    }
    fn level_text(&self, c: &Criterion, n: &u8) -> String {
        c.levels
            .iter()
            .find(|l| l.score == *n)
            .map(|l| l.descriptor.clone())
            .unwrap_or_default()
    }
    fn weight(&self, c: &Criterion) -> String {
        format_percent(c.weight_bp)
    }
    fn total(&self) -> String {
        total_text(self.c.tr.lang, self.v.total)
    }
    fn change_text(&self, change: &Change) -> String {
        let pct = change
            .percent
            .map(|p| format!(" ({p:+.0}%)"))
            .unwrap_or_default();
        format!("{:+}{pct}", (change.delta * 100.0).round() / 100.0)
    }
    fn section(&self, field: &str) -> String {
        self.v.content.section(field).to_owned()
    }
    fn size_kb(&self, bytes: &i64) -> String {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

#[allow(clippy::too_many_arguments)]
fn sheet_page(
    ctx: &Ctx,
    v: SheetView,
    typed: Option<(&Sheet, &HashMap<String, String>)>,
    errors: HashMap<String, Vec<String>>,
    message: String,
    notice: String,
    status: StatusCode,
    novelty: super::catalog::NoveltyBox,
) -> Response {
    let sheet = typed.map(|(s, _)| s).unwrap_or(&v.sheet);
    let scores = match typed {
        Some((_, raw)) => raw.clone(),
        None => sheet
            .entries
            .iter()
            .map(|e| {
                (
                    e.criterion.clone(),
                    e.score.map(|s| s.to_string()).unwrap_or_default(),
                )
            })
            .collect(),
    };
    let comments = sheet
        .entries
        .iter()
        .map(|e| (e.criterion.clone(), e.comment.clone()))
        .collect();
    let overall = sheet.overall_comment.clone();
    let title = if v.content.title.is_empty() {
        ctx.tr().get("scoring.sheet.title").to_owned()
    } else {
        v.content.title.clone()
    };
    let c = Chrome::new(ctx, &title);
    let mut r = render(&SheetPage {
        c,
        indicators: indicator_views(ctx.tr(), &v.content),
        tz: v.time_zone,
        v,
        sections: SECTIONS,
        scores,
        comments,
        overall,
        errors,
        novelty,
        message,
        notice,
    });
    *r.status_mut() = status;
    r
}

pub async fn sheet(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((stage, id)): Path<(String, Id)>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let user = ctx.user.as_ref().ok_or_else(WebError::unauthenticated)?;
    let v = state.app.judge_sheet(&stage, id, user.id).await?;
    let blind = v.blind;
    let tr = ctx.tr();
    let notice = if q.submitted.is_some() {
        tr.get("scoring.sheet.notice_submitted").to_owned()
    } else if q.saved.is_some() {
        tr.get("scoring.sheet.notice_saved").to_owned()
    } else {
        String::new()
    };
    Ok(sheet_page(
        &ctx,
        v,
        None,
        HashMap::new(),
        String::new(),
        notice,
        StatusCode::OK,
        super::catalog::judge_box(&state, id, blind).await?,
    ))
}

/// The sheet as typed, with the problems of typed values (not numbers) by criterion.
fn sheet_from_form(
    rubric: &Rubric,
    pairs: &[(String, String)],
) -> (Sheet, Vec<SheetError>, HashMap<String, String>) {
    let mut problems = Vec::new();
    let mut raw = HashMap::new();
    let entries = rubric
        .criteria
        .iter()
        .map(|c| {
            let typed = form_value(pairs, &format!("score.{}", c.code));
            let score = match parse_score(&c.code, &typed) {
                Ok(s) => s,
                Err(e) => {
                    problems.push(e);
                    None
                }
            };
            raw.insert(c.code.clone(), typed);
            SheetEntry {
                criterion: c.code.clone(),
                score,
                comment: form_value(pairs, &format!("comment.{}", c.code)),
            }
        })
        .collect();
    let sheet = Sheet {
        entries,
        overall_comment: form_value(pairs, "overall_comment"),
    };
    (sheet, problems, raw)
}

fn sheet_errors(tr: Tr, errors: &[SheetError]) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for e in errors {
        let (code, score) = match e {
            SheetError::UnknownCriterion(c)
            | SheetError::Duplicate(c)
            | SheetError::NotANumber(c)
            | SheetError::Missing(c)
            | SheetError::CommentTooLong(c) => (c.clone(), String::new()),
            SheetError::OutOfScale { criterion, score } => (criterion.clone(), score.to_string()),
            SheetError::Json(_) => (String::new(), String::new()),
        };
        let msg = tr.fmt(
            e.key(),
            &[("criterion", code.as_str()), ("score", score.as_str())],
        );
        out.entry(code).or_default().push(msg);
    }
    out
}

pub async fn save_sheet(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((stage, id)): Path<(String, Id)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let user = ctx.user.as_ref().ok_or_else(WebError::unauthenticated)?;
    let v = state.app.judge_sheet(&stage, id, user.id).await?;
    let blind = v.blind;
    let tr = ctx.tr();
    let submit = form_value(&pairs, "action") == "submit";
    let (sheet, mut problems, raw) = sheet_from_form(&v.rubric, &pairs);
    let check = if submit {
        SheetCheck::Submit
    } else {
        SheetCheck::Save
    };
    if let Err(more) = sheet.validate(&v.rubric, check) {
        problems.extend(more);
    }
    if !problems.is_empty() {
        let errors = sheet_errors(tr, &problems);
        let message = tr.get("scoring.sheet.error_problems").to_owned();
        return Ok(sheet_page(
            &ctx,
            v,
            Some((&sheet, &raw)),
            errors,
            message,
            String::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
            super::catalog::judge_box(&state, id, blind).await?,
        ));
    }
    match state
        .app
        .save_judge_sheet(&stage, id, user.id, &sheet, submit, &ctx.actor())
        .await
    {
        Ok(_) => {
            let flag = if submit { "submitted" } else { "saved" };
            Ok(see_other(&format!("/juri/{stage}/{id}?{flag}=1")))
        }
        Err(e @ (AppError::Invalid(_) | AppError::Deadline(..))) => {
            let message = crate::error::message(&ctx, e.into());
            Ok(sheet_page(
                &ctx,
                v,
                Some((&sheet, &raw)),
                HashMap::new(),
                message,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
                super::catalog::judge_box(&state, id, blind).await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn attachment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((stage, id, file_id)): Path<(String, Id, Id)>,
) -> Result<Response, WebError> {
    let user = ctx.user.as_ref().ok_or_else(WebError::unauthenticated)?;
    let (meta, bytes) = state
        .app
        .judge_attachment(&stage, id, file_id, user.id)
        .await?;
    Ok(super::attachments::file_response(meta, bytes))
}
