//! JSON API for published results: the current edition (`/api/v1/results`), a published
//! edition by year (`/api/v1/results/{year}`) and the archive (`/api/v1/results/archive`).
//! Public, like the pages: nothing is returned before the committee publishes, and scores
//! only when it chose to show them.

use axum::Json;
use axum::extract::{Path, State};
use kolabik_app::AppError;
use kolabik_app::publication::{Published, PublishedRow};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::ErrorBody;
use crate::error::WebError;

#[derive(Serialize, ToSchema)]
pub struct PublishedRowDto {
    pub proposal_id: i64,
    /// 1-based in the category.
    pub rank: Option<i64>,
    /// `juara` (rank 1–3) or `finalis`.
    pub award: String,
    /// Only when the committee chose to show scores.
    pub score: Option<f64>,
    pub title: String,
    pub unit_name: String,
    pub category_name: Option<String>,
    /// The catalogue page (`/katalog/{id}`), when the innovation is in the catalogue.
    pub catalog_url: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PublishedCategoryDto {
    pub id: Option<i64>,
    pub name: Option<String>,
    pub rows: Vec<PublishedRowDto>,
}

#[derive(Serialize, ToSchema)]
pub struct PublishedDto {
    pub year: i32,
    pub edition_name: String,
    /// RFC 3339; none while the results are not published (no categories then).
    pub published_at: Option<String>,
    pub show_scores: bool,
    /// The edition's three best final scores across categories, best first.
    pub best: Vec<PublishedRowDto>,
    pub categories: Vec<PublishedCategoryDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ArchiveEntryDto {
    pub year: i64,
    pub edition_name: String,
    pub published_at: String,
    /// This edition's results in the API.
    pub url: String,
}

fn row_dto(r: PublishedRow) -> PublishedRowDto {
    PublishedRowDto {
        proposal_id: r.proposal_id,
        rank: r.rank,
        award: if r.winner { "juara" } else { "finalis" }.to_owned(),
        score: r.score,
        title: r.title,
        unit_name: r.unit_name,
        category_name: r.category_name,
        catalog_url: r.catalog_entry_id.map(|id| format!("/katalog/{id}")),
    }
}

fn dto(p: Published) -> PublishedDto {
    PublishedDto {
        best: p.best.into_iter().map(row_dto).collect(),
        year: p.year,
        edition_name: p.edition_name,
        published_at: p.published_at.map(|i| i.to_rfc3339()),
        show_scores: p.show_scores,
        categories: p
            .categories
            .into_iter()
            .map(|c| PublishedCategoryDto {
                id: c.id,
                name: c.name,
                rows: c.rows.into_iter().map(row_dto).collect(),
            })
            .collect(),
    }
}

/// The current edition's published results.
#[utoipa::path(get, path = "/api/v1/results", tag = "results",
    responses((status = 200, body = PublishedDto), (status = 404, body = ErrorBody)))]
pub async fn current(State(state): State<AppState>) -> Result<Json<PublishedDto>, WebError> {
    Ok(Json(dto(state.app.published_results(None).await?)))
}

/// The published results of the edition of `year`; 404 when that year has none published.
#[utoipa::path(get, path = "/api/v1/results/{year}", tag = "results",
    params(("year" = i32, Path)),
    responses((status = 200, body = PublishedDto), (status = 404, body = ErrorBody)))]
pub async fn by_year(
    State(state): State<AppState>,
    Path(year): Path<String>,
) -> Result<Json<PublishedDto>, WebError> {
    let year: i32 = year
        .parse()
        .map_err(|_| WebError::from(AppError::NotFound))?;
    Ok(Json(dto(state.app.published_results(Some(year)).await?)))
}

/// Every published edition, newest first.
#[utoipa::path(get, path = "/api/v1/results/archive", tag = "results",
    responses((status = 200, body = Vec<ArchiveEntryDto>)))]
pub async fn archive(
    State(state): State<AppState>,
) -> Result<Json<Vec<ArchiveEntryDto>>, WebError> {
    Ok(Json(
        state
            .app
            .results_archive()
            .await?
            .into_iter()
            .map(|e| ArchiveEntryDto {
                url: format!("/api/v1/results/{}", e.year),
                year: e.year,
                edition_name: e.edition_name,
                published_at: e.published_at.to_rfc3339(),
            })
            .collect(),
    ))
}

#[derive(OpenApi)]
#[openapi(
    paths(current, by_year, archive),
    components(schemas(PublishedDto, PublishedCategoryDto, PublishedRowDto, ArchiveEntryDto))
)]
pub struct PublicationApiDoc;
