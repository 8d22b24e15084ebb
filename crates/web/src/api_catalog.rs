//! JSON API of the innovation catalogue: search with facets, one entry, similar innovations
//! (novelty report) for an entry or any text, near-duplicate pairs, import and publishing.

use axum::Json;
use axum::extract::{Path, Query, State};
use kolabik_app::catalog::{DuplicateView, SimilarItem};
use kolabik_domain::Id;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::ErrorBody;
use crate::ctx::Ctx;
use crate::error::WebError;
use crate::pages::catalog::{SearchParams, data_json_value, reader_for};

#[derive(Serialize, ToSchema)]
pub struct CatalogHitDto {
    pub id: i64,
    pub title: String,
    pub unit_name: String,
    pub region: String,
    pub year: i64,
    pub category: String,
    /// Innovation stage code.
    pub stage: String,
    /// Relevance (BM25F, rounded to six decimals; 0 without a query).
    pub score: f64,
    /// HTML-escaped text with the query's terms in `<mark>`.
    pub snippet: String,
}

#[derive(Serialize, ToSchema)]
pub struct FacetCountDto {
    pub value: String,
    pub count: usize,
}

#[derive(Serialize, ToSchema)]
pub struct FacetsDto {
    pub year: Vec<FacetCountDto>,
    pub unit_kind: Vec<FacetCountDto>,
    pub region: Vec<FacetCountDto>,
    pub category: Vec<FacetCountDto>,
    pub value: Vec<FacetCountDto>,
    pub sdg: Vec<FacetCountDto>,
    pub stage: Vec<FacetCountDto>,
}

#[derive(Serialize, ToSchema)]
pub struct CatalogSearchDto {
    pub total: usize,
    /// `all`: every query term matched; `any`: none matched them all, so any term counts.
    pub mode: String,
    pub page: usize,
    pub pages: usize,
    pub hits: Vec<CatalogHitDto>,
    pub facets: FacetsDto,
}

#[derive(Serialize, ToSchema)]
pub struct SimilarDto {
    /// `proposal` or `entry`.
    pub kind: String,
    pub id: i64,
    /// The catalogue entry to link to, when published.
    pub entry_id: Option<i64>,
    pub title: String,
    pub unit_name: String,
    pub year: i64,
    /// TF-IDF cosine similarity, 0–1, three decimals.
    pub score: f64,
    /// Stems both texts share, heaviest first.
    pub shared_terms: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct SimilarBody {
    pub text: String,
    /// At most this many (default 10, at most 50).
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct DocRefDto {
    pub kind: String,
    pub id: i64,
    pub entry_id: Option<i64>,
    pub title: String,
    pub unit_name: String,
    pub year: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PassageDto {
    pub a: String,
    pub b: String,
}

#[derive(Serialize, ToSchema)]
pub struct DuplicateDto {
    pub a: DocRefDto,
    pub b: DocRefDto,
    /// Containment of shared 5-word stem shingles in the smaller text, 0–1.
    pub score: f64,
    pub jaccard: f64,
    /// The same unit's proposal submitted again (nearly) unchanged in a later edition.
    pub resubmission: bool,
    pub passages: Vec<PassageDto>,
}

#[derive(Deserialize, ToSchema)]
pub struct ImportBody {
    /// CSV (header row) or JSON (an array of objects).
    pub content: String,
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ProblemDto {
    /// CSV line (header = 1) or JSON array position (from 1).
    pub row: usize,
    pub column: String,
    pub key: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImportDto {
    pub dry_run: bool,
    pub rows: usize,
    pub created: usize,
    pub problems: Vec<ProblemDto>,
}

#[derive(Serialize, ToSchema)]
pub struct PublishedDto {
    pub entry_id: i64,
}

fn similar_dto(s: SimilarItem) -> SimilarDto {
    SimilarDto {
        kind: s.kind,
        id: s.id,
        entry_id: s.entry_id,
        title: s.title,
        unit_name: s.unit_name,
        year: s.year,
        score: s.score,
        shared_terms: s.shared_terms,
    }
}

fn doc_dto(d: kolabik_app::catalog::DocRef) -> DocRefDto {
    DocRefDto {
        kind: d.kind,
        id: d.id,
        entry_id: d.entry_id,
        title: d.title,
        unit_name: d.unit_name,
        year: d.year,
    }
}

fn dup_dto(d: DuplicateView) -> DuplicateDto {
    DuplicateDto {
        a: doc_dto(d.a),
        b: doc_dto(d.b),
        score: d.score,
        jaccard: d.jaccard,
        resubmission: d.resubmission,
        passages: d
            .passages
            .into_iter()
            .map(|p| PassageDto { a: p.a, b: p.b })
            .collect(),
    }
}

fn facet(v: Vec<(String, usize)>) -> Vec<FacetCountDto> {
    v.into_iter()
        .map(|(value, count)| FacetCountDto { value, count })
        .collect()
}

/// Searches the catalogue (Indonesian stemming; BM25F; same order on every backend).
#[utoipa::path(get, path = "/api/v1/catalog", tag = "catalog",
    params(("q" = Option<String>, Query, description = "Search text"),
        ("year" = Option<i64>, Query), ("unit_kind" = Option<String>, Query), ("region" = Option<String>, Query),
        ("category" = Option<String>, Query), ("value" = Option<String>, Query, description = "BerAKHLAK value code"),
        ("sdg" = Option<String>, Query), ("stage" = Option<String>, Query), ("page" = Option<usize>, Query)),
    responses((status = 200, body = CatalogSearchDto)))]
pub async fn search(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Json<CatalogSearchDto>, WebError> {
    let r = state.app.catalog_search(&params.query()).await?;
    Ok(Json(CatalogSearchDto {
        total: r.total,
        mode: r.mode,
        page: r.page,
        pages: r.pages,
        hits: r
            .hits
            .into_iter()
            .map(|h| CatalogHitDto {
                id: h.id,
                title: h.title,
                unit_name: h.unit_name,
                region: h.region,
                year: h.year,
                category: h.category,
                stage: h.stage,
                score: h.score,
                snippet: h.snippet,
            })
            .collect(),
        facets: FacetsDto {
            year: facet(r.facets.year),
            unit_kind: facet(r.facets.unit_kind),
            region: facet(r.facets.region),
            category: facet(r.facets.category),
            value: facet(r.facets.value),
            sdg: facet(r.facets.sdg),
            stage: facet(r.facets.stage),
        },
    }))
}

/// One catalogue entry, as in the open-data download.
#[utoipa::path(get, path = "/api/v1/catalog/{id}", tag = "catalog",
    params(("id" = i64, Path, description = "Entry id")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn entry(
    State(state): State<AppState>,
    Path(id): Path<Id>,
) -> Result<Json<serde_json::Value>, WebError> {
    let v = state.app.catalog_entry(id).await?;
    let mut value = data_json_value(std::slice::from_ref(&v.entry));
    let one = value
        .as_array_mut()
        .and_then(|a| a.pop())
        .unwrap_or(serde_json::Value::Null);
    Ok(Json(one))
}

/// The innovations most similar to an entry. Anonymous readers see catalogue entries only;
/// the committee, judges and city leaders also see unpublished proposals.
#[utoipa::path(get, path = "/api/v1/catalog/{id}/similar", tag = "catalog",
    params(("id" = i64, Path, description = "Entry id")),
    responses((status = 200, body = Vec<SimilarDto>), (status = 404, body = ErrorBody)))]
pub async fn similar(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Json<Vec<SimilarDto>>, WebError> {
    let edition_id = state
        .app
        .current_edition()
        .await?
        .map(|e| e.id)
        .unwrap_or(0);
    let list = state
        .app
        .similar_to_entry(id, &reader_for(&ctx, edition_id), 10)
        .await?;
    Ok(Json(list.into_iter().map(similar_dto).collect()))
}

/// A novelty report for any text: the most similar earlier proposals and catalogue entries.
#[utoipa::path(post, path = "/api/v1/similar", tag = "catalog", request_body = SimilarBody,
    responses((status = 200, body = Vec<SimilarDto>), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn similar_text(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(b): Json<SimilarBody>,
) -> Result<Json<Vec<SimilarDto>>, WebError> {
    let edition_id = state
        .app
        .current_edition()
        .await?
        .map(|e| e.id)
        .unwrap_or(0);
    let text: String = b.text.chars().take(100_000).collect();
    let list = state
        .app
        .similar_to_text(
            &text,
            &reader_for(&ctx, edition_id),
            None,
            b.limit.unwrap_or(10).clamp(1, 50),
        )
        .await?;
    Ok(Json(list.into_iter().map(similar_dto).collect()))
}

/// Suspicious pairs: proposals of all editions and catalogue entries sharing passages.
#[utoipa::path(get, path = "/api/v1/duplicates", tag = "catalog",
    responses((status = 200, body = Vec<DuplicateDto>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn duplicates(
    State(state): State<AppState>,
) -> Result<Json<Vec<DuplicateDto>>, WebError> {
    let pairs = state.app.duplicate_pairs().await?;
    Ok(Json(pairs.into_iter().map(dup_dto).collect()))
}

/// Imports entries (CSV or JSON): every row or nothing; problems name row and column.
#[utoipa::path(post, path = "/api/v1/catalog/import", tag = "catalog", request_body = ImportBody,
    responses((status = 200, body = ImportDto), (status = 422, body = ImportDto), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(b): Json<ImportBody>,
) -> Result<(axum::http::StatusCode, Json<ImportDto>), WebError> {
    let r = state
        .app
        .import_catalog(&b.content, b.dry_run, &ctx.actor())
        .await?;
    let status = if r.problems.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        Json(ImportDto {
            dry_run: r.dry_run,
            rows: r.rows,
            created: r.created,
            problems: r
                .problems
                .into_iter()
                .map(|p| ProblemDto {
                    row: p.line,
                    column: p.column,
                    key: p.key.to_owned(),
                })
                .collect(),
        }),
    ))
}

/// Publishes a submitted proposal to the catalogue (again: refreshes its entry).
#[utoipa::path(post, path = "/api/v1/proposals/{id}/publish", tag = "catalog",
    params(("id" = i64, Path, description = "Proposal id")),
    responses((status = 200, body = PublishedDto), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Json<PublishedDto>, WebError> {
    let entry_id = state.app.publish_proposal(id, &ctx.actor()).await?;
    Ok(Json(PublishedDto { entry_id }))
}

#[derive(OpenApi)]
#[openapi(
    paths(search, entry, similar, similar_text, duplicates, import, publish),
    components(schemas(
        CatalogHitDto,
        FacetCountDto,
        FacetsDto,
        CatalogSearchDto,
        SimilarDto,
        SimilarBody,
        DocRefDto,
        PassageDto,
        DuplicateDto,
        ImportBody,
        ProblemDto,
        ImportDto,
        PublishedDto
    ))
)]
pub struct CatalogApiDoc;
