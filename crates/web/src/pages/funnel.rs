//! The committee's proposal funnel (`/panitia/corong`) and its CSV and XLSX downloads.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kolabik_app::funnel::{ExportFormat, FunnelReport};
use kolabik_domain::funnel::{Funnel, FunnelColumn, days_between};
use kolabik_domain::{Instant, TimeZone};
use serde::Deserialize;

use super::render;
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::WebError;
use crate::view::Chrome;

#[derive(Deserialize, Default)]
pub struct FunnelQuery {
    page: Option<u32>,
}

/// A funnel table as the template draws it: every label already translated.
pub struct TableView {
    pub caption: String,
    pub row_header: String,
    pub columns: Vec<String>,
    pub rows: Vec<(String, Vec<i64>, i64)>,
    /// Column total and, for a state, the address of the filtered proposal list.
    pub column_totals: Vec<(i64, Option<String>)>,
    pub total: i64,
}

fn table_view<K>(
    c: &Chrome,
    f: &Funnel<K>,
    caption: &str,
    row_header: &str,
    row_label: impl Fn(&K) -> String,
) -> TableView {
    let href = |col: &FunnelColumn| {
        col.state()
            .map(|s| format!("/panitia/usulan?state={}", s.as_str()))
    };
    TableView {
        caption: c.t(caption).to_owned(),
        row_header: c.t(row_header).to_owned(),
        columns: f
            .columns
            .iter()
            .map(|col| c.t(col.label_key()).to_owned())
            .collect(),
        rows: f
            .rows
            .iter()
            .map(|r| (row_label(&r.key), r.counts.clone(), r.total))
            .collect(),
        column_totals: f
            .column_totals
            .iter()
            .zip(&f.columns)
            .map(|(n, col)| (*n, href(col)))
            .collect(),
        total: f.total,
    }
}

#[derive(Template)]
#[template(path = "committee_funnel.html")]
struct FunnelPage {
    c: Chrome,
    d: FunnelReport,
    tables: Vec<TableView>,
    tz: TimeZone,
}

impl FunnelPage {
    /// "14 hari" / "14 days": how long a proposal has been untouched.
    fn untouched(&self, since: &Instant) -> String {
        let n = days_between(*since, self.d.now);
        let key = if n == 1 {
            "funnel.days_one"
        } else {
            "funnel.days"
        };
        self.c.fmt(key, "n", &self.c.num(&n))
    }
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<FunnelQuery>,
) -> Result<Response, WebError> {
    let d = state
        .app
        .funnel(kolabik_app::Page::new(q.page, Some(50)))
        .await?;
    let c = Chrome::new(&ctx, ctx.tr().get("funnel.title"));
    let no_category = c.t("funnel.no_category").to_owned();
    let tables = vec![
        table_view(
            &c,
            &d.by_category,
            "funnel.by_category",
            "funnel.category",
            |k| k.name.clone().unwrap_or_else(|| no_category.clone()),
        ),
        table_view(
            &c,
            &d.by_unit_kind,
            "funnel.by_unit_kind",
            "funnel.unit_kind",
            |k| c.t(k.label_key()).to_owned(),
        ),
    ];
    let tz = d.edition.time_zone;
    Ok(render(&FunnelPage { c, d, tables, tz }))
}

async fn download(state: AppState, ctx: Ctx, format: ExportFormat) -> Result<Response, WebError> {
    let tr = ctx.tr();
    let label = move |key: &str| tr.get(key).to_owned();
    let export = state.app.funnel_export(format, &label).await?;
    let (content_type, ext) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        ExportFormat::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    let disposition = format!(
        "attachment; filename=\"kolabik-{}-corong.{ext}\"",
        export.year
    );
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        export.bytes,
    )
        .into_response())
}

pub async fn csv(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    download(state, ctx, ExportFormat::Csv).await
}

pub async fn xlsx(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    download(state, ctx, ExportFormat::Xlsx).await
}
