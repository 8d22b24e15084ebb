//! Results pages: the committee's overview (`/panitia/peringkat`: stages, method, feedback
//! release, final ranking), a judged stage's ranking with its calibration figures, entries,
//! freeze and promotion (`/panitia/peringkat/{stage}`), the berita acara downloads, the
//! frozen ranking for city leaders and judges (`/peringkat/{stage}`), and a proposal's
//! feedback for its unit (`/usulan/{id}/umpan-balik`).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kolabik_app::AppError;
use kolabik_app::minutes::{flags, num};
use kolabik_app::results::{
    Candidate, Feedback, FinalCategory, FreezeInput, MinutesFormat, Overview, StageRanking,
};
use kolabik_domain::{AggregationMethod, Id, JudgeKind, Lang, StageKind};

use super::render;
use crate::AppState;
use crate::ctx::{Ctx, see_other};
use crate::error::WebError;
use crate::forms::FormState;
use crate::view::Chrome;

type Pairs = Vec<(String, String)>;

fn get(pairs: &Pairs, k: &str) -> String {
    pairs
        .iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn alpha(x: Option<f64>, lang: Lang) -> String {
    match x {
        None => "—".to_owned(),
        Some(v) => {
            let s = format!("{v:.3}");
            if lang == Lang::Id {
                s.replace('.', ",")
            } else {
                s
            }
        }
    }
}

fn kind_label(c: &Chrome, code: &str) -> String {
    JudgeKind::parse(code)
        .map(|k| c.t(k.label_key()).to_owned())
        .unwrap_or_else(|| code.to_owned())
}

fn method_label(c: &Chrome, code: &str) -> String {
    AggregationMethod::parse(code)
        .map(|m| c.t(m.label_key()).to_owned())
        .unwrap_or_else(|| code.to_owned())
}

pub struct SheetView {
    pub judge: String,
    pub total: String,
}

pub struct RowView {
    pub id: Id,
    pub rank: String,
    pub title: String,
    pub unit: String,
    pub score: String,
    pub mean: String,
    pub median: String,
    pub trimmed: String,
    pub normalised: String,
    pub spread: String,
    pub sheets: Vec<SheetView>,
    pub disagreement: bool,
    pub flags: String,
    pub source: String,
    pub promoted: bool,
}

pub struct CatView {
    pub name: String,
    pub rows: Vec<RowView>,
}

pub struct RelView {
    pub name: String,
    pub alpha: String,
    pub meaning: String,
}

pub struct LenView {
    pub name: String,
    pub kind: String,
    pub n: usize,
    pub value: String,
}

fn categories(c: &Chrome, r: &StageRanking, lang: Lang) -> Vec<CatView> {
    let tr = c.tr;
    let label = move |k: &str| tr.get(k).to_owned();
    r.categories
        .iter()
        .map(|cat| CatView {
            name: cat
                .name
                .clone()
                .unwrap_or_else(|| c.t("results.no_category").to_owned()),
            rows: cat
                .rows
                .iter()
                .map(|row| {
                    let b = &row.breakdown;
                    RowView {
                        id: row.proposal_id,
                        rank: row
                            .rank
                            .map(|x| x.to_string())
                            .unwrap_or_else(|| "—".into()),
                        title: b.title.clone(),
                        unit: b.unit_name.clone(),
                        score: num(row.score, lang),
                        mean: num(b.mean, lang),
                        median: num(b.median, lang),
                        trimmed: num(b.trimmed_mean, lang),
                        normalised: num(b.normalised, lang),
                        spread: num(b.spread, lang),
                        sheets: b
                            .sheets
                            .iter()
                            .map(|s| SheetView {
                                judge: if r.committee {
                                    s.judge_name.clone()
                                } else {
                                    c.t("results.judge_n")
                                        .replace("{n}", s.judge_name.trim_start_matches('#'))
                                },
                                total: num(Some(s.total), lang),
                            })
                            .collect(),
                        disagreement: b.disagreement,
                        // The disagreement has its own badge; here only the tie-break.
                        flags: {
                            let mut r = row.clone();
                            r.breakdown.disagreement = false;
                            flags(&r, &label)
                        },
                        source: row
                            .source
                            .as_deref()
                            .map(|s| c.t(&format!("results.source_{s}")).to_owned())
                            .unwrap_or_else(|| c.t("results.source_assigned").to_owned()),
                        promoted: row.promoted,
                    }
                })
                .collect(),
        })
        .collect()
}

fn reliability(c: &Chrome, r: &StageRanking, lang: Lang) -> (RelView, Vec<RelView>, Vec<LenView>) {
    let overall = RelView {
        name: String::new(),
        alpha: alpha(r.reliability.alpha, lang),
        meaning: c.t(&r.reliability.meaning_key).to_owned(),
    };
    let per = r
        .per_criterion
        .iter()
        .map(|p| RelView {
            name: p.name.clone(),
            alpha: alpha(p.reliability.alpha, lang),
            meaning: c.t(&p.reliability.meaning_key).to_owned(),
        })
        .collect();
    let len = r
        .leniency
        .iter()
        .map(|l| LenView {
            name: l.judge_name.clone(),
            kind: kind_label(c, &l.judge_kind),
            n: l.n_sheets,
            value: match l.leniency {
                Some(v) => format!("{}{}", if v > 0.0 { "+" } else { "" }, num(Some(v), lang)),
                None => "—".to_owned(),
            },
        })
        .collect();
    (overall, per, len)
}

fn stage_links(c: &Chrome, prefix: &str) -> Vec<(String, String)> {
    kolabik_domain::StageKind::JUDGED
        .iter()
        .map(|k| {
            (
                format!("{prefix}/{}", k.as_str()),
                c.t(k.label_key()).to_owned(),
            )
        })
        .collect()
}

#[derive(Template)]
#[template(path = "results/stage.html")]
struct StagePage {
    c: Chrome,
    r: StageRanking,
    code: String,
    stage_label: String,
    next_label: String,
    method: String,
    frozen_when: String,
    cats: Vec<CatView>,
    rel: RelView,
    per: Vec<RelView>,
    len: Vec<LenView>,
    candidates: Vec<Candidate>,
    first_stage: bool,
    links: Vec<(String, String)>,
    rule: String,
    methods: Vec<(&'static str, String)>,
    form: FormState,
}

async fn stage_page(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    form: FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let r = state.app.ranking(code, &ctx.actor()).await?;
    let candidates = if r.entries_open {
        state.app.entry_candidates(code).await?
    } else {
        Vec::new()
    };
    let c = Chrome::new(ctx, ctx.tr().get("results.stage_title"));
    let lang = ctx.lang;
    let cats = categories(&c, &r, lang);
    let (rel, per, len) = reliability(&c, &r, lang);
    let stage_label = c.t(r.stage.label_key()).to_owned();
    let next_label = r
        .next_stage
        .map(|k| c.t(k.label_key()).to_owned())
        .unwrap_or_default();
    let method = method_label(&c, &r.method);
    let frozen_when = r
        .frozen_at
        .map(|at| r.time_zone.format(at, lang))
        .unwrap_or_default();
    let mut rule = Vec::new();
    if let Some(n) = r.promote_top_n {
        rule.push(c.t("results.rule_top_n").replace("{n}", &n.to_string()));
    }
    if let Some(g) = r.passing_grade {
        rule.push(
            c.t("results.rule_grade")
                .replace("{grade}", &num(Some(g), lang)),
        );
    }
    let links = stage_links(&c, "/panitia/peringkat");
    let methods = AggregationMethod::ALL
        .iter()
        .map(|m| (m.as_str(), c.t(m.label_key()).to_owned()))
        .collect();
    let mut resp = render(&StagePage {
        methods,
        first_stage: r.stage == StageKind::Penilaian,
        code: r.stage.as_str().to_owned(),
        rule: rule.join(" · "),
        c,
        r,
        stage_label,
        next_label,
        method,
        frozen_when,
        cats,
        rel,
        per,
        len,
        candidates,
        links,
        form,
    });
    *resp.status_mut() = status;
    Ok(resp)
}

pub async fn stage(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let form = FormState::new(ctx.tr());
    stage_page(&state, &ctx, &code, form, StatusCode::OK).await
}

/// Re-renders the stage page with the refusal next to its field.
async fn refused(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    e: AppError,
    values: &[(&'static str, String)],
) -> Result<Response, WebError> {
    match e {
        AppError::Invalid(errors) => {
            let mut form = FormState::new(ctx.tr()).with_errors(&errors);
            for (k, v) in values {
                form = form.with_value(k, v);
            }
            stage_page(state, ctx, code, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        e => Err(e.into()),
    }
}

pub async fn entries(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let back = format!("/panitia/peringkat/{code}#peserta");
    let action = get(&pairs, "action");
    let result = match action.as_str() {
        "ensure" => state
            .app
            .set_stage_entries(&code, &ctx.actor())
            .await
            .map(|_| ()),
        "add" => {
            let id: Id = get(&pairs, "proposal_id").parse().unwrap_or(0);
            state
                .app
                .add_stage_entry(&code, id, &get(&pairs, "reason"), &ctx.actor())
                .await
        }
        _ => Err(AppError::invalid("action", "results.action_invalid")),
    };
    match result {
        Ok(()) => Ok(see_other(&back)),
        Err(e) => refused(&state, &ctx, &code, e, &[("reason", get(&pairs, "reason"))]).await,
    }
}

pub async fn remove_entry(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, id)): Path<(String, Id)>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let reason = get(&pairs, "reason");
    match state
        .app
        .remove_stage_entry(&code, id, &reason, &ctx.actor())
        .await
    {
        Ok(()) => Ok(see_other(&format!("/panitia/peringkat/{code}#peserta"))),
        Err(e) => refused(&state, &ctx, &code, e, &[]).await,
    }
}

pub async fn freeze(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let input = FreezeInput {
        anyway: !get(&pairs, "anyway").is_empty(),
        reason: get(&pairs, "reason"),
    };
    let values = [
        ("freeze_reason", input.reason.clone()),
        ("anyway", if input.anyway { "1" } else { "" }.to_owned()),
    ];
    if get(&pairs, "confirm").is_empty() {
        let e = AppError::invalid("confirm", "results.confirm_required");
        return refused(&state, &ctx, &code, e, &values).await;
    }
    match state.app.freeze_stage(&code, &input, &ctx.actor()).await {
        Ok(_) => Ok(see_other(&format!("/panitia/peringkat/{code}"))),
        Err(AppError::Invalid(mut errors)) => {
            // The reason field of this form is named apart from the entries' one.
            for e in &mut errors {
                if e.field == "reason" {
                    e.field = "freeze_reason";
                }
            }
            refused(&state, &ctx, &code, AppError::Invalid(errors), &values).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn promote(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    match state.app.promote_stage(&code, &ctx.actor()).await {
        Ok(_) => Ok(see_other(&format!("/panitia/peringkat/{code}"))),
        Err(e) => refused(&state, &ctx, &code, e, &[]).await,
    }
}

pub async fn minutes_download(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    format: MinutesFormat,
) -> Result<Response, WebError> {
    let tr = ctx.tr();
    let label = move |k: &str| tr.get(k).to_owned();
    let m = state
        .app
        .minutes(code, format, ctx.lang, &label, &ctx.actor())
        .await?;
    let content_type = match format {
        MinutesFormat::Pdf => "application/pdf",
        MinutesFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", m.filename),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        m.bytes,
    )
        .into_response())
}

pub async fn minutes_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    minutes_download(&state, &ctx, &code, MinutesFormat::Pdf).await
}

pub async fn minutes_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    minutes_download(&state, &ctx, &code, MinutesFormat::Xlsx).await
}

pub struct FinalView {
    pub name: String,
    /// (rank, title, unit, final score, per-stage scores text)
    pub rows: Vec<(String, String, String, String, String)>,
}

fn final_views(c: &Chrome, cats: &[FinalCategory], lang: Lang) -> Vec<FinalView> {
    cats.iter()
        .map(|cat| FinalView {
            name: cat
                .name
                .clone()
                .unwrap_or_else(|| c.t("results.no_category").to_owned()),
            rows: cat
                .rows
                .iter()
                .map(|r| {
                    let stages = r
                        .breakdown
                        .stages
                        .iter()
                        .map(|(k, w, s)| {
                            let name = StageKind::parse(k)
                                .map(|k| c.t(k.label_key()).to_owned())
                                .unwrap_or_else(|| k.clone());
                            format!(
                                "{name} ({}%): {}",
                                kolabik_domain::rubric::format_percent(*w),
                                num(*s, lang)
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("; ");
                    (
                        r.rank.map(|x| x.to_string()).unwrap_or_else(|| "—".into()),
                        r.breakdown.title.clone(),
                        r.breakdown.unit_name.clone(),
                        num(r.score, lang),
                        stages,
                    )
                })
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "results/overview.html")]
struct OverviewPage {
    c: Chrome,
    o: Overview,
    /// (href, stage label, status text, weight text)
    stages: Vec<(String, String, String, String)>,
    methods: Vec<(&'static str, String)>,
    released_when: String,
    finals: Vec<FinalView>,
    form: FormState,
}

async fn overview_page(
    state: &AppState,
    ctx: &Ctx,
    form: FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let o = state.app.results_overview(&ctx.actor()).await?;
    let c = Chrome::new(ctx, ctx.tr().get("results.title"));
    let lang = ctx.lang;
    let stages = o
        .stages
        .iter()
        .map(|s| {
            let status = match (s.configured, s.frozen_at) {
                (_, Some(at)) => c
                    .t("results.status_frozen")
                    .replace("{at}", &o.time_zone.format(at, lang)),
                (true, None) => c.t("results.status_open").to_owned(),
                (false, None) => c.t("results.status_unconfigured").to_owned(),
            };
            (
                format!("/panitia/peringkat/{}", s.stage.as_str()),
                c.t(s.stage.label_key()).to_owned(),
                status,
                format!(
                    "{}%",
                    kolabik_domain::rubric::format_percent(
                        u32::try_from(s.final_weight_bp).unwrap_or(0)
                    )
                ),
            )
        })
        .collect();
    let methods = AggregationMethod::ALL
        .iter()
        .map(|m| (m.as_str(), c.t(m.label_key()).to_owned()))
        .collect();
    let released_when = o
        .feedback_released_at
        .map(|at| o.time_zone.format(at, lang))
        .unwrap_or_default();
    let finals = final_views(&c, &o.final_ranking, lang);
    let mut resp = render(&OverviewPage {
        c,
        o,
        stages,
        methods,
        released_when,
        finals,
        form,
    });
    *resp.status_mut() = status;
    Ok(resp)
}

pub async fn overview(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let form = FormState::new(ctx.tr());
    overview_page(&state, &ctx, form, StatusCode::OK).await
}

pub async fn set_method(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    // The form is on the overview and on each stage's page; go back where it was sent.
    let back = get(&pairs, "back");
    let back = match kolabik_domain::StageKind::JUDGED
        .iter()
        .find(|k| back == format!("/panitia/peringkat/{}", k.as_str()))
    {
        Some(k) => format!("/panitia/peringkat/{}", k.as_str()),
        None => "/panitia/peringkat".to_owned(),
    };
    match state
        .app
        .set_aggregation_method(&get(&pairs, "method"), &ctx.actor())
        .await
    {
        Ok(()) => Ok(see_other(&back)),
        Err(AppError::Invalid(errors)) => {
            let form = FormState::new(ctx.tr()).with_errors(&errors);
            overview_page(&state, &ctx, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn feedback_release(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let release = match get(&pairs, "action").as_str() {
        "release" => true,
        "withdraw" => false,
        _ => {
            let form = FormState::new(ctx.tr()).with_errors(&[kolabik_app::FieldError {
                field: "action",
                key: "results.action_invalid",
            }]);
            return overview_page(&state, &ctx, form, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    state
        .app
        .set_feedback_released(release, &ctx.actor())
        .await?;
    Ok(see_other("/panitia/peringkat"))
}

#[derive(Template)]
#[template(path = "results/public.html")]
struct PublicPage {
    c: Chrome,
    r: StageRanking,
    stage_label: String,
    method: String,
    frozen_when: String,
    cats: Vec<CatView>,
    rel: RelView,
    links: Vec<(String, String)>,
}

pub async fn public(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let mut r = state.app.ranking(&code, &ctx.actor()).await?;
    if r.committee {
        // The committee sees here what city leaders see: no names.
        r.committee = false;
        if r.frozen_at.is_none() {
            r.categories.clear();
        }
        let mut n = 0usize;
        let mut ids: Vec<Id> = Vec::new();
        for row in r.categories.iter_mut().flat_map(|c| c.rows.iter_mut()) {
            for s in &mut row.breakdown.sheets {
                let pos = match ids.iter().position(|j| *j == s.judge_id) {
                    Some(p) => p + 1,
                    None => {
                        ids.push(s.judge_id);
                        n += 1;
                        n
                    }
                };
                s.judge_name = format!("#{pos}");
            }
            row.breakdown.missing.clear();
        }
    }
    let c = Chrome::new(&ctx, ctx.tr().get("results.public_title"));
    let lang = ctx.lang;
    let cats = categories(&c, &r, lang);
    let (rel, _, _) = reliability(&c, &r, lang);
    let stage_label = c.t(r.stage.label_key()).to_owned();
    let method = method_label(&c, &r.method);
    let frozen_when = r
        .frozen_at
        .map(|at| r.time_zone.format(at, lang))
        .unwrap_or_default();
    let links = stage_links(&c, "/peringkat");
    Ok(render(&PublicPage {
        c,
        r,
        stage_label,
        method,
        frozen_when,
        cats,
        rel,
        links,
    }))
}

/// ("Juri n", [(criterion, comment)], overall comment)
pub type JudgeComments = (String, Vec<(String, String)>, String);

pub struct FeedbackStageView {
    pub stage: String,
    /// (criterion, weight %, mean)
    pub criteria: Vec<(String, String, String)>,
    /// ("Juri n", [(criterion, comment)], overall)
    pub judges: Vec<JudgeComments>,
}

#[derive(Template)]
#[template(path = "results/feedback.html")]
struct FeedbackPage {
    c: Chrome,
    f: Feedback,
    stages: Vec<FeedbackStageView>,
}

pub async fn feedback(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Response, WebError> {
    let f = state.app.feedback(id, &ctx.grants).await?;
    let c = Chrome::new(&ctx, ctx.tr().get("results.feedback_title"));
    let lang = ctx.lang;
    let stages = f
        .stages
        .iter()
        .map(|s| FeedbackStageView {
            stage: c.t(s.stage.label_key()).to_owned(),
            criteria: s
                .criteria
                .iter()
                .map(|k| {
                    (
                        k.name.clone(),
                        format!("{}%", kolabik_domain::rubric::format_percent(k.weight_bp)),
                        num(k.mean, lang),
                    )
                })
                .collect(),
            judges: s
                .judges
                .iter()
                .map(|j| {
                    (
                        c.t("results.judge_n").replace("{n}", &j.number.to_string()),
                        j.comments.clone(),
                        j.overall_comment.clone(),
                    )
                })
                .collect(),
        })
        .collect();
    Ok(render(&FeedbackPage { c, f, stages }))
}
