//! JSON API for the committee's proposal funnel.

use axum::Json;
use axum::extract::{Query, State};
use kolabik_app::Page;
use kolabik_domain::funnel::{Funnel, days_between};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::{ErrorBody, PageParams};
use crate::error::WebError;

#[derive(Serialize, ToSchema)]
pub struct CategoryRowDto {
    /// Absent for proposals filed without a category.
    pub category_id: Option<i64>,
    pub name: Option<String>,
    /// One count per entry of `columns`.
    pub counts: Vec<i64>,
    /// Proposals in the row.
    pub total: i64,
}

#[derive(Serialize, ToSchema)]
pub struct UnitKindRowDto {
    /// Unit kind code, e.g. `kelurahan`.
    pub unit_kind: String,
    /// One count per entry of `columns`; `not_started` counts units, the others proposals.
    pub counts: Vec<i64>,
    /// Proposals in the row (units not started are not added).
    pub total: i64,
}

#[derive(Serialize, ToSchema)]
pub struct FunnelTableDto<R> {
    /// Column codes in order: `not_started` (unit-kind view only), then the proposal states.
    pub columns: Vec<String>,
    pub rows: Vec<R>,
    /// One per column.
    pub column_totals: Vec<i64>,
    /// All proposals in the table.
    pub total: i64,
}

#[derive(Serialize, ToSchema)]
pub struct StuckDto {
    pub id: i64,
    pub title: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub category_name: Option<String>,
    /// `draft`, `awaiting_approval` or `returned`.
    pub state: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
    /// Whole days since the last change.
    pub days_untouched: i64,
}

#[derive(Serialize, ToSchema)]
pub struct StuckPage {
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
    pub items: Vec<StuckDto>,
}

#[derive(Serialize, ToSchema)]
pub struct FunnelDto {
    pub edition_year: i32,
    pub by_category: FunnelTableDto<CategoryRowDto>,
    pub by_unit_kind: FunnelTableDto<UnitKindRowDto>,
    /// Draft, awaiting-approval and returned proposals, least recently changed first.
    pub stuck: StuckPage,
}

fn table<K, R>(f: Funnel<K>, row: impl Fn(K, Vec<i64>, i64) -> R) -> FunnelTableDto<R> {
    FunnelTableDto {
        columns: f.columns.iter().map(|c| c.as_str().to_owned()).collect(),
        rows: f
            .rows
            .into_iter()
            .map(|r| row(r.key, r.counts, r.total))
            .collect(),
        column_totals: f.column_totals,
        total: f.total,
    }
}

/// The proposal funnel of the current edition: per category and per unit kind across the
/// states, and one page of the stuck list (committee only).
#[utoipa::path(get, path = "/api/v1/funnel", tag = "dashboard", params(PageParams),
    responses((status = 200, body = FunnelDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn funnel(
    State(state): State<AppState>,
    Query(q): Query<PageParams>,
) -> Result<Json<FunnelDto>, WebError> {
    let d = state.app.funnel(Page::new(q.page, q.page_size)).await?;
    let now = d.now;
    Ok(Json(FunnelDto {
        edition_year: d.edition.year,
        by_category: table(d.by_category, |k, counts, total| CategoryRowDto {
            category_id: k.id,
            name: k.name,
            counts,
            total,
        }),
        by_unit_kind: table(d.by_unit_kind, |k, counts, total| UnitKindRowDto {
            unit_kind: k.as_str().to_owned(),
            counts,
            total,
        }),
        stuck: StuckPage {
            total: d.stuck.total,
            page: d.stuck.page,
            page_size: d.stuck.page_size,
            items: d
                .stuck
                .items
                .into_iter()
                .map(|s| StuckDto {
                    days_untouched: days_between(s.updated_at, now),
                    id: s.id,
                    title: s.title,
                    unit_id: s.unit_id,
                    unit_name: s.unit_name,
                    category_name: s.category_name,
                    state: s.state.as_str().to_owned(),
                    updated_at: s.updated_at.to_rfc3339(),
                })
                .collect(),
        },
    }))
}

#[derive(OpenApi)]
#[openapi(paths(funnel))]
pub struct FunnelApiDoc;
