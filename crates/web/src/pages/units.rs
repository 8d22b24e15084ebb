//! The committee's unit registry: the list with a form for one new unit, each unit's page
//! (details, parent, children, operators, edit), and the CSV import with its dry run.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kolabik_app::units::{ImportReport, UnitDetail};
use kolabik_app::{AppError, FieldError, Page, Paged};
use kolabik_domain::units::{Problem, RawUnit, template_csv};
use kolabik_domain::{Id, Unit, UnitKind};
use serde::Deserialize;

use super::render;
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::WebError;
use crate::forms::FormState;
use crate::i18n::Tr;
use crate::view::Chrome;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<u32>,
    kind: Option<String>,
}

#[derive(Template)]
#[template(path = "committee_units.html")]
struct UnitsPage {
    c: Chrome,
    units: Paged<Unit>,
    kinds: &'static [UnitKind],
    selected: String,
    pager_base: String,
    form: FormState,
}

fn unit_form(tr: Tr, raw: &RawUnit, errors: &[FieldError]) -> FormState {
    FormState::new(tr)
        .with_value("code", &raw.code)
        .with_value("name", &raw.name)
        .with_value("kind", &raw.kind)
        .with_value("parent_code", &raw.parent_code)
        .with_value("region_code", &raw.region_code)
        .with_value("npsn", &raw.npsn)
        .with_errors(errors)
}

async fn units_page(
    state: &AppState,
    ctx: &Ctx,
    q: &ListQuery,
    form: FormState,
) -> Result<UnitsPage, WebError> {
    let selected = q.kind.clone().unwrap_or_default();
    let units = state
        .app
        .list_units(UnitKind::parse(&selected), Page::new(q.page, Some(100)))
        .await?;
    let c = Chrome::new(ctx, ctx.tr().get("units.title"));
    let pager_base = format!("/panitia/unit?kind={}&", crate::guard::urlencode(&selected));
    Ok(UnitsPage {
        c,
        units,
        kinds: UnitKind::ALL,
        selected,
        pager_base,
        form,
    })
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let form = FormState::new(ctx.tr()).with_value("kind", UnitKind::PerangkatDaerah.as_str());
    Ok(render(&units_page(&state, &ctx, &q, form).await?))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(raw): Form<RawUnit>,
) -> Result<Response, WebError> {
    match state.app.create_unit(&raw, &ctx.actor()).await {
        Ok(unit) => {
            Ok(Redirect::to(&format!("/panitia/unit/{}?saved=created", unit.id)).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let form = unit_form(ctx.tr(), &raw, &errors);
            let page = units_page(&state, &ctx, &ListQuery::default(), form).await?;
            let mut response = render(&page);
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "committee_unit.html")]
pub(crate) struct UnitPage {
    c: Chrome,
    d: UnitDetail,
    kinds: &'static [UnitKind],
    form: FormState,
    operator_form: FormState,
    /// The invitation form (e-mail and name).
    pub(crate) invite_form: FormState,
    /// Catalogue key of the notice after a successful change.
    saved: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct DetailQuery {
    saved: Option<String>,
}

pub(crate) async fn unit_page(
    state: &AppState,
    ctx: &Ctx,
    id: Id,
    form: Option<FormState>,
    operator_form: FormState,
    saved: Option<&'static str>,
) -> Result<UnitPage, WebError> {
    let d = state.app.unit_detail(id).await?;
    let form = form.unwrap_or_else(|| {
        let raw = RawUnit {
            code: d.unit.code.to_string(),
            name: d.unit.name.clone(),
            kind: d.unit.kind.as_str().to_owned(),
            parent_code: d
                .parent
                .as_ref()
                .map(|p| p.code.to_string())
                .unwrap_or_default(),
            region_code: d
                .unit
                .region_code
                .as_ref()
                .map(|r| r.to_string())
                .unwrap_or_default(),
            npsn: d
                .unit
                .npsn
                .as_ref()
                .map(|n| n.to_string())
                .unwrap_or_default(),
        };
        unit_form(ctx.tr(), &raw, &[])
    });
    Ok(UnitPage {
        c: Chrome::new(ctx, &d.unit.name),
        d,
        kinds: UnitKind::ALL,
        form,
        operator_form,
        invite_form: FormState::new(ctx.tr()),
        saved,
    })
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, WebError> {
    let saved = match q.saved.as_deref() {
        Some("created") => Some("unit.saved_created"),
        Some("updated") => Some("unit.saved_updated"),
        Some("operator") => Some("unit.saved_operator"),
        Some("invited") => Some("invitation.sent"),
        _ => None,
    };
    let page = unit_page(&state, &ctx, id, None, FormState::new(ctx.tr()), saved).await?;
    Ok(render(&page))
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(raw): Form<RawUnit>,
) -> Result<Response, WebError> {
    match state.app.update_unit(id, &raw, &ctx.actor()).await {
        Ok(_) => Ok(Redirect::to(&format!("/panitia/unit/{id}?saved=updated")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let form = unit_form(ctx.tr(), &raw, &errors);
            let page =
                unit_page(&state, &ctx, id, Some(form), FormState::new(ctx.tr()), None).await?;
            let mut response = render(&page);
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct OperatorForm {
    #[serde(default)]
    email: String,
}

pub async fn add_operator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(f): Form<OperatorForm>,
) -> Result<Response, WebError> {
    match state.app.add_operator(id, &f.email, &ctx.actor()).await {
        Ok(_) => Ok(Redirect::to(&format!("/panitia/unit/{id}?saved=operator")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let operator_form = FormState::new(ctx.tr())
                .with_value("email", &f.email)
                .with_errors(&errors);
            let page = unit_page(&state, &ctx, id, None, operator_form, None).await?;
            let mut response = render(&page);
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "committee_unit_import.html")]
struct ImportPage {
    c: Chrome,
    text: String,
    /// The outcome sentence, when a file was checked or imported.
    summary: Option<String>,
    problems: Vec<String>,
    clean: bool,
}

/// "Baris 3, kolom npsn: …" in the reader's language.
pub fn problem_message(tr: Tr, p: &Problem) -> String {
    let message = tr.get(p.key);
    let line = p.line.to_string();
    match (p.line, p.column.as_str()) {
        (0, _) => message.to_owned(),
        (_, "") => tr.fmt(
            "unit_import.problem_row",
            &[("line", &line), ("message", message)],
        ),
        (_, column) => tr.fmt(
            "unit_import.problem",
            &[("line", &line), ("column", column), ("message", message)],
        ),
    }
}

fn import_page(ctx: &Ctx, text: String, report: Option<&ImportReport>) -> ImportPage {
    let tr = ctx.tr();
    let (summary, problems, clean) = match report {
        None => (None, Vec::new(), false),
        Some(r) if !r.problems.is_empty() => (
            Some(tr.fmt(
                "unit_import.problems",
                &[("n", &r.problems.len().to_string())],
            )),
            r.problems.iter().map(|p| problem_message(tr, p)).collect(),
            false,
        ),
        Some(r) => {
            let key = if r.dry_run {
                "unit_import.checked"
            } else {
                "unit_import.imported"
            };
            let args = [
                ("rows", r.rows.to_string()),
                ("created", r.created.to_string()),
                ("updated", r.updated.to_string()),
                ("unchanged", r.unchanged.to_string()),
            ];
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            (Some(tr.fmt(key, &args)), Vec::new(), true)
        }
    };
    ImportPage {
        c: Chrome::new(ctx, tr.get("unit_import.title")),
        text,
        summary,
        problems,
        clean,
    }
}

pub async fn import_form(ctx: Ctx) -> Result<Response, WebError> {
    Ok(render(&import_page(&ctx, String::new(), None)))
}

/// The import form is `multipart/form-data`: a textarea `csv`, a file input `file` (used
/// when a file is chosen) and the pressed button `action` (`check` or `import`).
pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    mut form: Multipart,
) -> Result<Response, WebError> {
    let mut pasted = String::new();
    let mut file: Option<Vec<u8>> = None;
    let mut action = String::new();
    let multipart_error = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            WebError::too_large()
        } else {
            WebError::bad_request("error.bad_request")
        }
    };
    while let Some(field) = form.next_field().await.map_err(multipart_error)? {
        match field.name().unwrap_or("") {
            "csv" => pasted = field.text().await.map_err(multipart_error)?,
            "file" => {
                let bytes = field.bytes().await.map_err(multipart_error)?;
                if !bytes.is_empty() {
                    file = Some(bytes.to_vec());
                }
            }
            "action" => action = field.text().await.map_err(multipart_error)?,
            _ => {}
        }
    }
    let text = match file {
        Some(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => {
                let report = ImportReport {
                    dry_run: true,
                    rows: 0,
                    created: 0,
                    updated: 0,
                    unchanged: 0,
                    problems: vec![Problem {
                        line: 0,
                        column: String::new(),
                        key: "error.csv_encoding",
                    }],
                };
                let mut response = render(&import_page(&ctx, pasted, Some(&report)));
                *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                return Ok(response);
            }
        },
        None => pasted,
    };
    let dry_run = action != "import";
    let report = state.app.import_units(&text, dry_run, &ctx.actor()).await?;
    let status = if report.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_owned();
    let mut response = render(&import_page(&ctx, text, Some(&report)));
    *response.status_mut() = status;
    Ok(response)
}

/// The CSV template: the header and two example rows.
pub async fn template() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"templat-unit.csv\"",
            ),
        ],
        template_csv(),
    )
        .into_response()
}
