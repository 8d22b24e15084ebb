//! The committee's edition set-up pages: settings and eligibility, categories, the stage
//! timeline, copying to next year, and dispensations.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use kolabik_app::edition::DispensationInput;
use kolabik_app::store::editions::Dispensation;
use kolabik_app::{AppError, FieldError};
use kolabik_domain::edition::{EditionSettingsInput, StageInput};
use kolabik_domain::{Category, Edition, Id, Stage, StageKind, TimeZone};
use serde::Deserialize;

use super::render;
use crate::AppState;
use crate::ctx::{Ctx, see_other};
use crate::error::WebError;
use crate::forms::FormState;
use crate::view::Chrome;

#[derive(Template)]
#[template(path = "committee_edition.html")]
struct EditionPage {
    c: Chrome,
    edition: Edition,
    categories: Vec<Category>,
    kinds: &'static [StageKind],
    zones: [TimeZone; 3],
    settings: FormState,
    timeline: FormState,
    category: FormState,
    /// Which part was just saved, for the confirmation message.
    saved: String,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

fn settings_form(c: &Ctx, e: &Edition) -> FormState {
    FormState::new(c.tr())
        .with_value("year", &e.year.to_string())
        .with_value("name", &e.name)
        .with_value("theme", &e.theme)
        .with_value("organiser", &e.organiser)
        .with_value("description", &e.description)
        .with_value("time_zone", e.time_zone.as_str())
        .with_value(
            "approval_required",
            if e.approval_required { "on" } else { "" },
        )
        .with_value(
            "min_months_in_operation",
            &e.rules.min_months_in_operation.to_string(),
        )
        .with_value(
            "no_winner_within_editions",
            &e.rules.no_winner_within_editions.to_string(),
        )
        .with_value(
            "max_proposals_per_unit",
            &e.rules.max_proposals_per_unit.to_string(),
        )
        .with_value("max_attachment_mb", &e.max_attachment_mb.to_string())
}

fn timeline_form(c: &Ctx, e: &Edition, stages: &[Stage]) -> FormState {
    let mut f = FormState::new(c.tr());
    for s in stages {
        f = f
            .with_value(
                s.kind.field(false),
                &e.time_zone.to_local(s.opens_at).to_string(),
            )
            .with_value(
                s.kind.field(true),
                &e.time_zone.to_local(s.closes_at).to_string(),
            );
    }
    f
}

struct Forms {
    settings: Option<FormState>,
    timeline: Option<FormState>,
    category: Option<FormState>,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    forms: Forms,
    saved: String,
    status: StatusCode,
) -> Result<Response, WebError> {
    let edition = state.app.ensure_current_edition().await?;
    let overview = state
        .app
        .edition_overview()
        .await?
        .ok_or_else(WebError::not_found)?;
    let c = Chrome::new(ctx, ctx.tr().get("edition.title"));
    let settings = forms
        .settings
        .unwrap_or_else(|| settings_form(ctx, &edition));
    let timeline = forms
        .timeline
        .unwrap_or_else(|| timeline_form(ctx, &edition, &overview.stages));
    let category = forms.category.unwrap_or_else(|| FormState::new(ctx.tr()));
    let mut response = render(&EditionPage {
        c,
        edition,
        categories: overview.categories,
        kinds: StageKind::ALL,
        zones: TimeZone::ALL,
        settings,
        timeline,
        category,
        saved,
    });
    *response.status_mut() = status;
    Ok(response)
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let saved = q.saved.unwrap_or_default();
    page(
        &state,
        &ctx,
        Forms {
            settings: None,
            timeline: None,
            category: None,
        },
        saved,
        StatusCode::OK,
    )
    .await
}

fn keep(ctx: &Ctx, values: &HashMap<String, String>, errors: &[FieldError]) -> FormState {
    let mut f = FormState::new(ctx.tr());
    for (k, v) in values {
        // Only known field names are kept: each is a `&'static str` of the form.
        if let Some(field) = known_field(k) {
            f = f.with_value(field, v);
        }
    }
    f.with_errors(errors)
}

fn known_field(name: &str) -> Option<&'static str> {
    const SETTINGS: [&str; 11] = [
        "year",
        "name",
        "theme",
        "organiser",
        "description",
        "time_zone",
        "approval_required",
        "min_months_in_operation",
        "no_winner_within_editions",
        "max_proposals_per_unit",
        "max_attachment_mb",
    ];
    const CATEGORY: [&str; 3] = ["code", "name", "description"];
    SETTINGS
        .iter()
        .chain(CATEGORY.iter())
        .copied()
        .find(|f| *f == name)
        .or_else(|| {
            StageKind::ALL
                .iter()
                .flat_map(|k| [k.field(false), k.field(true)])
                .find(|f| *f == name)
        })
}

pub async fn save_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let get = |k: &str| values.get(k).cloned().unwrap_or_default();
    let input = EditionSettingsInput {
        year: get("year"),
        name: get("name"),
        theme: get("theme"),
        organiser: get("organiser"),
        description: get("description"),
        time_zone: get("time_zone"),
        approval_required: values.get("approval_required").cloned(),
        min_months_in_operation: get("min_months_in_operation"),
        no_winner_within_editions: get("no_winner_within_editions"),
        max_proposals_per_unit: get("max_proposals_per_unit"),
        max_attachment_mb: get("max_attachment_mb"),
    };
    match state
        .app
        .update_edition_settings(&input, &ctx.actor())
        .await
    {
        Ok(_) => Ok(see_other("/panitia/edisi?saved=settings")),
        Err(AppError::Invalid(errors)) => {
            let forms = Forms {
                settings: Some(keep(&ctx, &values, &errors)),
                timeline: None,
                category: None,
            };
            page(
                &state,
                &ctx,
                forms,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn save_timeline(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let inputs: Vec<StageInput> = StageKind::ALL
        .iter()
        .map(|k| StageInput {
            kind: k.as_str().to_owned(),
            opens: values.get(k.field(false)).cloned().unwrap_or_default(),
            closes: values.get(k.field(true)).cloned().unwrap_or_default(),
        })
        .collect();
    match state.app.save_timeline(&inputs, &ctx.actor()).await {
        Ok(_) => Ok(see_other("/panitia/edisi?saved=timeline#tahapan")),
        Err(AppError::Invalid(errors)) => {
            let forms = Forms {
                settings: None,
                timeline: Some(keep(&ctx, &values, &errors)),
                category: None,
            };
            page(
                &state,
                &ctx,
                forms,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn add_category(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let get = |k: &str| values.get(k).cloned().unwrap_or_default();
    match state
        .app
        .add_category(
            &get("code"),
            &get("name"),
            &get("description"),
            &ctx.actor(),
        )
        .await
    {
        Ok(_) => Ok(see_other("/panitia/edisi?saved=category#kategori")),
        Err(AppError::Invalid(errors)) => {
            let forms = Forms {
                settings: None,
                timeline: None,
                category: Some(keep(&ctx, &values, &errors)),
            };
            page(
                &state,
                &ctx,
                forms,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete_category(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Response, WebError> {
    match state.app.delete_category(id, &ctx.actor()).await {
        Ok(()) => Ok(see_other("/panitia/edisi?saved=category_deleted#kategori")),
        Err(AppError::Invalid(errors)) => {
            let category = FormState::new(ctx.tr()).with_errors(&errors);
            let forms = Forms {
                settings: None,
                timeline: None,
                category: Some(category),
            };
            page(&state, &ctx, forms, String::new(), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn copy_to_next_year(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    match state.app.copy_edition_to_next_year(&ctx.actor()).await {
        Ok(_) => Ok(see_other("/panitia/edisi?saved=copied")),
        Err(AppError::Invalid(errors)) => {
            let settings = settings_form(&ctx, &state.app.ensure_current_edition().await?)
                .with_errors(&errors);
            let forms = Forms {
                settings: Some(settings),
                timeline: None,
                category: None,
            };
            page(&state, &ctx, forms, String::new(), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "committee_dispensations.html")]
struct DispensationsPage {
    c: Chrome,
    tz: TimeZone,
    items: Vec<Dispensation>,
    units: Vec<(String, String)>,
    kinds: &'static [StageKind],
    form: FormState,
    saved: bool,
}

async fn dispensations_page(
    state: &AppState,
    ctx: &Ctx,
    form: FormState,
    saved: bool,
    status: StatusCode,
) -> Result<Response, WebError> {
    let edition = state.app.ensure_current_edition().await?;
    let items = state.app.dispensations().await?;
    let units = state
        .app
        .list_units(
            None,
            kolabik_app::Page::new(Some(1), Some(kolabik_app::Page::MAX_SIZE)),
        )
        .await?
        .items
        .into_iter()
        .map(|u| (u.code.to_string(), u.name))
        .collect();
    let c = Chrome::new(ctx, ctx.tr().get("dispensation.title"));
    let mut response = render(&DispensationsPage {
        c,
        tz: edition.time_zone,
        items,
        units,
        kinds: StageKind::ALL,
        form,
        saved,
    });
    *response.status_mut() = status;
    Ok(response)
}

pub async fn dispensations(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let form = FormState::new(ctx.tr()).with_value("stage", StageKind::PengajuanProposal.as_str());
    dispensations_page(&state, &ctx, form, q.saved.is_some(), StatusCode::OK).await
}

pub async fn grant_dispensation(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(input): Form<DispensationInput>,
) -> Result<Response, WebError> {
    match state.app.grant_dispensation(&input, &ctx.actor()).await {
        Ok(_) => Ok(see_other("/panitia/dispensasi?saved=1")),
        Err(AppError::Invalid(errors)) => {
            let form = FormState::new(ctx.tr())
                .with_value("unit", &input.unit)
                .with_value("stage", &input.stage)
                .with_value("until", &input.until)
                .with_value("reason", &input.reason)
                .with_errors(&errors);
            dispensations_page(&state, &ctx, form, false, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke_dispensation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Response, WebError> {
    state.app.revoke_dispensation(id, &ctx.actor()).await?;
    Ok(see_other("/panitia/dispensasi?saved=1"))
}
