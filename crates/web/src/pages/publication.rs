//! Publication of results: the committee's publish page (`/panitia/publikasi`), the public
//! results of the current edition (`/hasil`) and of a published edition by year
//! (`/hasil/{year}`), and the archive of published editions (`/hasil/arsip`).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kolabik_app::AppError;
use kolabik_app::minutes::num;
use kolabik_app::publication::{PublicationStatus, Published};

use super::render;
use crate::AppState;
use crate::ctx::{Ctx, see_other};
use crate::error::WebError;
use crate::forms::FormState;
use crate::view::Chrome;

type Pairs = Vec<(String, String)>;

/// One row of the public results.
pub struct PubRow {
    pub award: String,
    pub category: String,
    pub title: String,
    pub unit: String,
    pub score: String,
    pub winner: bool,
    /// `/katalog/{id}` when the proposal is in the catalogue.
    pub catalog_href: Option<String>,
}

pub struct PubCat {
    pub name: String,
    pub rows: Vec<PubRow>,
}

#[derive(Template)]
#[template(path = "publication/results.html")]
struct ResultsPage {
    c: Chrome,
    p: Published,
    published_when: String,
    best: Vec<PubRow>,
    cats: Vec<PubCat>,
}

async fn results_page(
    state: &AppState,
    ctx: &Ctx,
    year: Option<i32>,
) -> Result<Response, WebError> {
    let p = state.app.published_results(year).await?;
    let lang = ctx.lang;
    let title = format!("{} {}", ctx.tr().get("publication.public_title"), p.year);
    let mut c = Chrome::new(ctx, &title);
    c.description = format!("{} — {}", c.t("publication.description"), p.edition_name);
    let published_when = p
        .published_at
        .map(|at| p.time_zone.format_date(at, lang))
        .unwrap_or_default();
    let pub_row = |r: &kolabik_app::publication::PublishedRow| PubRow {
        award: match r.rank {
            Some(k) if r.winner => c.t("publication.juara").replace("{rank}", &k.to_string()),
            _ => c.t("publication.finalist").to_owned(),
        },
        category: r.category_name.clone().unwrap_or_default(),
        title: r.title.clone(),
        unit: r.unit_name.clone(),
        score: if p.show_scores {
            num(r.score, lang)
        } else {
            String::new()
        },
        winner: r.winner,
        catalog_href: r.catalog_entry_id.map(|id| format!("/katalog/{id}")),
    };
    let best = p.best.iter().map(pub_row).collect();
    let cats = p
        .categories
        .iter()
        .map(|cat| PubCat {
            name: cat.name.clone().unwrap_or_default(),
            rows: cat.rows.iter().map(pub_row).collect(),
        })
        .collect();
    Ok(render(&ResultsPage {
        c,
        p,
        published_when,
        best,
        cats,
    }))
}

pub async fn current(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    results_page(&state, &ctx, None).await
}

pub async fn by_year(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(year): Path<String>,
) -> Result<Response, WebError> {
    let year: i32 = year
        .parse()
        .map_err(|_| WebError::from(AppError::NotFound))?;
    results_page(&state, &ctx, Some(year)).await
}

#[derive(Template)]
#[template(path = "publication/archive.html")]
struct ArchivePage {
    c: Chrome,
    /// (href, edition name, published date)
    entries: Vec<(String, String, String)>,
}

pub async fn archive(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let list = state.app.results_archive().await?;
    let mut c = Chrome::new(&ctx, ctx.tr().get("publication.archive_title"));
    c.description = c.t("publication.description").to_owned();
    let tz = state
        .app
        .current_edition()
        .await?
        .map(|e| e.time_zone)
        .unwrap_or(kolabik_domain::TimeZone::Wib);
    let entries = list
        .into_iter()
        .map(|e| {
            (
                format!("/hasil/{}", e.year),
                e.edition_name,
                tz.format_date(e.published_at, ctx.lang),
            )
        })
        .collect();
    Ok(render(&ArchivePage { c, entries }))
}

#[derive(Template)]
#[template(path = "publication/committee.html")]
struct CommitteePage {
    c: Chrome,
    s: PublicationStatus,
    published_when: String,
    form: FormState,
}

async fn committee_page(
    state: &AppState,
    ctx: &Ctx,
    form: FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let s = state.app.publication_status().await?;
    let c = Chrome::new(ctx, ctx.tr().get("publication.committee_title"));
    let published_when = s
        .published_at
        .map(|at| s.time_zone.format(at, ctx.lang))
        .unwrap_or_default();
    let mut resp = render(&CommitteePage {
        c,
        s,
        published_when,
        form,
    });
    *resp.status_mut() = status;
    Ok(resp)
}

pub async fn committee(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let form = FormState::new(ctx.tr());
    committee_page(&state, &ctx, form, StatusCode::OK).await
}

pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let show = pairs.iter().any(|(k, v)| k == "show_scores" && v == "1");
    match state.app.publish_results(show, &ctx.actor()).await {
        Ok(()) => Ok(see_other("/panitia/publikasi")),
        Err(AppError::Invalid(errors)) => {
            let form = FormState::new(ctx.tr()).with_errors(&errors);
            committee_page(&state, &ctx, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}
