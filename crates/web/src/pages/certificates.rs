//! Certificates (piagam): the public verification (`/verifikasi`, `/verifikasi/{code}`),
//! the committee's page (`/panitia/piagam`: signatory, issue, revoke, bulk ZIP), the
//! operator's list (`/operator/piagam`) and the PDF download (`/piagam/{code}.pdf`).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kolabik_app::AppError;
use kolabik_app::certificates::{
    CertificateOverview, CertificatePdf, CertificateView, SignatoryForm, Unverified, Verification,
};
use kolabik_domain::Lang;
use kolabik_domain::certificate::{CertificateKind, CodeError, VerificationCode};
use serde::Deserialize;

use super::render;
use crate::AppState;
use crate::ctx::{Ctx, see_other};
use crate::error::WebError;
use crate::forms::FormState;
use crate::view::Chrome;

/// The award as the pages say it: "Juara 1", "Finalis", "Peserta".
pub fn award_label(c: &Chrome, kind: CertificateKind, rank: Option<i64>) -> String {
    match (kind, rank) {
        (CertificateKind::Juara, Some(k)) => c.fmt("piagam.juara_n", "rank", &k.to_string()),
        (kind, _) => c.t(kind.label_key()).to_owned(),
    }
}

/// One certificate row for the lists.
pub struct Row {
    pub id: i64,
    pub code: String,
    pub award: String,
    pub category: String,
    pub recipient: String,
    pub title: String,
    pub issued: String,
    pub revoked: Option<String>,
    pub reason: String,
}

fn rows(c: &Chrome, list: &[CertificateView], tz: kolabik_domain::TimeZone) -> Vec<Row> {
    list.iter()
        .map(|v| Row {
            id: v.id,
            code: v.code.clone(),
            award: award_label(c, v.kind, v.rank),
            category: v.category.clone().unwrap_or_default(),
            recipient: v.recipient.clone(),
            title: v.title.clone(),
            issued: tz.format_date(v.issued_at, c.tr.lang),
            revoked: v.revoked_at.map(|at| tz.format_date(at, c.tr.lang)),
            reason: v.revoke_reason.clone().unwrap_or_default(),
        })
        .collect()
}

// --- public verification ---

#[derive(Template)]
#[template(path = "certificates/verify.html")]
struct VerifyPage {
    c: Chrome,
    /// What was typed (kept in the form).
    typed: String,
    found: Option<Found>,
    /// The message when nothing was found (empty on the bare form).
    problem: String,
}

struct Found {
    v: Verification,
    award: String,
    issued: String,
    revoked: Option<String>,
}

#[derive(Deserialize)]
pub struct VerifyQuery {
    #[serde(default)]
    kode: String,
}

fn verify_chrome(ctx: &Ctx) -> Chrome {
    let mut c = Chrome::new(ctx, ctx.tr().get("piagam.verify_title"));
    c.description = c.t("piagam.verify_description").to_owned();
    c
}

fn not_found_page(ctx: &Ctx, typed: &str, why: Unverified) -> Response {
    let mut c = verify_chrome(ctx);
    c.title = c.t("piagam.not_found_title").to_owned();
    let key = match why {
        Unverified::Malformed => "piagam.not_found_malformed",
        Unverified::BadCheck => "piagam.not_found_bad_check",
        Unverified::Unknown => "piagam.not_found_unknown",
    };
    let problem = c.t(key).to_owned();
    let mut resp = render(&VerifyPage {
        c,
        typed: typed.to_owned(),
        found: None,
        problem,
    });
    *resp.status_mut() = StatusCode::NOT_FOUND;
    resp
}

/// The form; with `?kode=` a valid code goes to its page, anything else is not found.
pub async fn verify_form(ctx: Ctx, Query(q): Query<VerifyQuery>) -> Response {
    let typed = q.kode.trim();
    if typed.is_empty() {
        return render(&VerifyPage {
            c: verify_chrome(&ctx),
            typed: String::new(),
            found: None,
            problem: String::new(),
        });
    }
    match VerificationCode::parse(typed) {
        Ok(code) => see_other(&format!("/verifikasi/{code}")),
        Err(CodeError::Malformed) => not_found_page(&ctx, typed, Unverified::Malformed),
        Err(CodeError::BadCheck) => not_found_page(&ctx, typed, Unverified::BadCheck),
    }
}

pub async fn verify(State(state): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> Response {
    match state.app.verify_certificate(&code).await {
        Ok(v) => {
            let mut c = verify_chrome(&ctx);
            c.title = if v.revoked_at.is_some() {
                c.t("piagam.revoked_title").to_owned()
            } else {
                c.t("piagam.valid_title").to_owned()
            };
            let lang: Lang = ctx.lang;
            let found = Found {
                award: award_label(&c, v.kind, v.rank),
                issued: v.time_zone.format_date(v.issued_at, lang),
                revoked: v.revoked_at.map(|at| v.time_zone.format_date(at, lang)),
                v,
            };
            let mut resp = render(&VerifyPage {
                c,
                typed: found.v.code.clone(),
                found: Some(found),
                problem: String::new(),
            });
            // A verification answer must not be cached past a revocation.
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            resp
        }
        Err(why) => not_found_page(&ctx, &code, why),
    }
}

// --- committee ---

#[derive(Template)]
#[template(path = "certificates/committee.html")]
struct CommitteePage {
    c: Chrome,
    o: CertificateOverview,
    rows: Vec<Row>,
    form: FormState,
    notice: String,
    job_when: String,
    zip_running: bool,
}

async fn committee_page(
    state: &AppState,
    ctx: &Ctx,
    form: FormState,
    notice: String,
    status: StatusCode,
) -> Result<Response, WebError> {
    let o = state.app.certificate_overview().await?;
    let c = Chrome::new(ctx, ctx.tr().get("piagam.committee_title"));
    let rows = rows(&c, &o.certificates, o.time_zone);
    let job_when = o
        .job
        .as_ref()
        .and_then(|j| j.finished_at)
        .map(|at| o.time_zone.format(at, ctx.lang))
        .unwrap_or_default();
    let form = if form.has_errors() {
        form
    } else {
        FormState::new(ctx.tr())
            .with_value("name", &o.signatory.name)
            .with_value("position", &o.signatory.position)
            .with_value("nip", &o.signatory.nip)
            .with_value("place", &o.signatory.place)
            .with_value("signed_on", &o.signatory.signed_on)
    };
    let running = o.job.as_ref().is_some_and(|j| j.running());
    let mut resp = render(&CommitteePage {
        c,
        o,
        rows,
        form,
        notice,
        job_when,
        zip_running: running,
    });
    *resp.status_mut() = status;
    if running {
        // Without JavaScript: the browser reloads the page until the ZIP is done.
        resp.headers_mut()
            .insert(header::REFRESH, HeaderValue::from_static("2"));
    }
    Ok(resp)
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    terbit: Option<String>,
}

pub async fn committee(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let notice = q
        .terbit
        .map(|counts| {
            ctx.tr()
                .fmt("piagam.issued_notice", &[("counts", counts.as_str())])
        })
        .unwrap_or_default();
    committee_page(
        &state,
        &ctx,
        FormState::new(ctx.tr()),
        notice,
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub struct SignatoryBody {
    #[serde(default)]
    name: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    nip: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    signed_on: String,
}

pub async fn save_signatory(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(b): Form<SignatoryBody>,
) -> Result<Response, WebError> {
    let form = SignatoryForm {
        name: b.name,
        position: b.position,
        nip: b.nip,
        place: b.place,
        signed_on: b.signed_on,
    };
    match state
        .app
        .save_certificate_signatory(&form, &ctx.actor())
        .await
    {
        Ok(()) => Ok(see_other("/panitia/piagam")),
        Err(AppError::Invalid(errors)) => {
            let fs = FormState::new(ctx.tr())
                .with_value("name", &form.name)
                .with_value("position", &form.position)
                .with_value("nip", &form.nip)
                .with_value("place", &form.place)
                .with_value("signed_on", &form.signed_on)
                .with_errors(&errors);
            committee_page(
                &state,
                &ctx,
                fs,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn refused(state: &AppState, ctx: &Ctx, e: AppError) -> Result<Response, WebError> {
    match e {
        AppError::Invalid(errors) => {
            let fs = FormState::new(ctx.tr()).with_errors(&errors);
            committee_page(
                state,
                ctx,
                fs,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        e => Err(e.into()),
    }
}

pub async fn issue(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    match state.app.issue_certificates(&ctx.actor()).await {
        Ok(r) => Ok(see_other(&format!(
            "/panitia/piagam?terbit={}-{}-{}",
            r.juara, r.finalis, r.peserta
        ))),
        Err(e) => refused(&state, &ctx, e).await,
    }
}

#[derive(Deserialize)]
pub struct RevokeBody {
    #[serde(default)]
    reason: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(b): Form<RevokeBody>,
) -> Result<Response, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::from(AppError::NotFound))?;
    match state
        .app
        .revoke_certificate(id, &b.reason, &ctx.actor())
        .await
    {
        Ok(()) => Ok(see_other("/panitia/piagam")),
        Err(e) => refused(&state, &ctx, e).await,
    }
}

pub async fn start_zip(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    match state.app.start_certificate_zip(&ctx.actor()).await {
        Ok(_) => Ok(see_other("/panitia/piagam#zip")),
        Err(e) => refused(&state, &ctx, e).await,
    }
}

fn download(file: CertificatePdf, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file.filename),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        file.bytes,
    )
        .into_response()
}

pub async fn zip_file(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::from(AppError::NotFound))?;
    let file = state.app.certificate_zip(id).await?;
    Ok(download(file, "application/zip"))
}

// --- downloads and the operator ---

/// `/piagam/{code}.pdf`: the committee any certificate, an operator their units' ones.
pub async fn pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(file): Path<String>,
) -> Result<Response, WebError> {
    let code = file
        .strip_suffix(".pdf")
        .ok_or_else(|| WebError::from(AppError::NotFound))?;
    let file = state.app.certificate_pdf(code, &ctx.grants).await?;
    Ok(download(file, "application/pdf"))
}

#[derive(Template)]
#[template(path = "certificates/operator.html")]
struct OperatorPage {
    c: Chrome,
    rows: Vec<Row>,
}

pub async fn operator(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let list = state.app.my_certificates(&ctx.grants).await?;
    let c = Chrome::new(&ctx, ctx.tr().get("piagam.operator_title"));
    let tz = state
        .app
        .current_edition()
        .await?
        .map(|e| e.time_zone)
        .unwrap_or(kolabik_domain::TimeZone::Wib);
    let rows = rows(&c, &list, tz);
    Ok(render(&OperatorPage { c, rows }))
}
