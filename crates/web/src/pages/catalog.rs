//! The innovation catalogue's pages: public search with facets (`/katalog`), one entry's
//! page with its lineage and similar innovations, the most replicated innovations, open data
//! downloads; the committee's catalogue management and duplicate list; the operator's
//! attachment publishing and ATM link; and the novelty box included in the proposal editor,
//! the screening page and the judge's score sheet.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kolabik_app::catalog::{
    CatalogQuery, CatalogResults, DuplicateView, EntryView, ImportReport, Reader, SimilarItem,
};
use kolabik_app::store::catalog::Entry;
use kolabik_domain::catalog::{CatalogIndicator, format_indicators};
use kolabik_domain::funnel::{csv_record, spreadsheet_text};
use kolabik_domain::{Id, Role};
use serde::Deserialize;

use super::render;
use crate::AppState;
use crate::ctx::{Ctx, see_other};
use crate::error::WebError;
use crate::view::Chrome;

/// Translates `prefix.code` when the catalogue has it, else shows the code.
pub fn label(c: &Chrome, prefix: &str, code: &str) -> String {
    let key = format!("{prefix}.{code}");
    let t = c.tr.get(&key);
    if t == key {
        code.to_owned()
    } else {
        t.to_owned()
    }
}

/// The reader a request's roles allow for novelty reports.
pub fn reader_for(ctx: &Ctx, edition_id: Id) -> Reader {
    if ctx.has_role(Role::Committee) || ctx.has_role(Role::Judge) || ctx.has_role(Role::Viewer) {
        Reader::Full
    } else if ctx.has_role(Role::UnitOperator) || ctx.has_role(Role::UnitHead) {
        Reader::Operator {
            units: ctx.grants.iter().filter_map(|g| g.unit_id).collect(),
            edition_id,
        }
    } else {
        Reader::Public
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub unit_kind: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub sdg: String,
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub page: String,
}

impl SearchParams {
    pub fn query(&self) -> CatalogQuery {
        CatalogQuery {
            q: self.q.chars().take(500).collect(),
            year: self.year.trim().parse().ok(),
            unit_kind: self.unit_kind.trim().to_owned(),
            region: self.region.trim().to_owned(),
            category: self.category.trim().to_owned(),
            value: self.value.trim().to_owned(),
            sdg: self.sdg.trim().to_owned(),
            stage: self.stage.trim().to_owned(),
            page: self.page.trim().parse().unwrap_or(1),
        }
    }

    fn pairs(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("q", self.q.as_str()),
            ("year", self.year.as_str()),
            ("unit_kind", self.unit_kind.as_str()),
            ("region", self.region.as_str()),
            ("category", self.category.as_str()),
            ("value", self.value.as_str()),
            ("sdg", self.sdg.as_str()),
            ("stage", self.stage.as_str()),
        ]
    }
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// One facet value as the page shows it: label, count, link that toggles it, selected.
pub struct FacetLink {
    pub label: String,
    pub count: usize,
    pub href: String,
    pub selected: bool,
}

pub struct FacetGroup {
    pub title: String,
    pub links: Vec<FacetLink>,
}

#[derive(Template)]
#[template(path = "catalog/search.html")]
struct SearchPage {
    c: Chrome,
    params: SearchParams,
    r: CatalogResults,
    groups: Vec<FacetGroup>,
    prev: Option<String>,
    next: Option<String>,
    committee: bool,
}

fn href(params: &SearchParams, set: &str, value: &str, page: Option<usize>) -> String {
    let mut parts = Vec::new();
    for (k, v) in params.pairs() {
        let v = if k == set { value } else { v };
        if !v.is_empty() {
            parts.push(format!("{k}={}", encode(v)));
        }
    }
    if let Some(p) = page.filter(|p| *p > 1) {
        parts.push(format!("page={p}"));
    }
    if parts.is_empty() {
        "/katalog".to_owned()
    } else {
        format!("/katalog?{}", parts.join("&"))
    }
}

pub async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<SearchParams>,
) -> Result<Response, WebError> {
    let r = state.app.catalog_search(&params.query()).await?;
    let c = Chrome::new(&ctx, ctx.tr().get("catalog.title"));
    let current = |dim: &str| -> &str {
        params
            .pairs()
            .into_iter()
            .find(|(k, _)| *k == dim)
            .map(|(_, v)| v)
            .unwrap_or("")
    };
    let mut groups = Vec::new();
    for (dim, title_key, list) in [
        ("year", "catalog.year", &r.facets.year),
        ("unit_kind", "catalog.unit_kind", &r.facets.unit_kind),
        ("region", "catalog.region", &r.facets.region),
        ("category", "catalog.category", &r.facets.category),
        ("value", "catalog.values", &r.facets.value),
        ("sdg", "catalog.sdgs", &r.facets.sdg),
        ("stage", "catalog.stage", &r.facets.stage),
    ] {
        let links = list
            .iter()
            .map(|(v, n)| {
                let selected = current(dim) == v;
                let shown = match dim {
                    "unit_kind" => label(&c, "unit_kind", v),
                    "value" => label(&c, "berakhlak", v),
                    "stage" => label(&c, "innovation_stage", v),
                    "sdg" => format!("SDG {v}"),
                    _ => v.clone(),
                };
                FacetLink {
                    label: shown,
                    count: *n,
                    href: href(&params, dim, if selected { "" } else { v }, None),
                    selected,
                }
            })
            .collect::<Vec<_>>();
        if !links.is_empty() {
            groups.push(FacetGroup {
                title: c.t(title_key).to_owned(),
                links,
            });
        }
    }
    let prev = (r.page > 1).then(|| href(&params, "", "", Some(r.page - 1)));
    let next = (r.page < r.pages).then(|| href(&params, "", "", Some(r.page + 1)));
    Ok(render(&SearchPage {
        c,
        params,
        r,
        groups,
        prev,
        next,
        committee: ctx.has_role(Role::Committee),
    }))
}

#[derive(Template)]
#[template(path = "catalog/entry.html")]
struct EntryPage {
    c: Chrome,
    v: EntryView,
    values: Vec<String>,
    stage: String,
    unit_kind: String,
    similar: Vec<SimilarItem>,
    committee: bool,
}

impl EntryPage {
    fn change(&self, c: &Option<f64>) -> String {
        match c {
            Some(p) => format!("{p:+.1}%"),
            None => "—".to_owned(),
        }
    }
    fn indicator_name(&self, i: &CatalogIndicator) -> String {
        label(&self.c, "indicator", &i.name)
    }
    fn indicator_unit(&self, i: &CatalogIndicator) -> String {
        label(&self.c, "indicator", &i.unit)
    }
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Response, WebError> {
    let v = state.app.catalog_entry(id).await?;
    let edition_id = state
        .app
        .current_edition()
        .await?
        .map(|e| e.id)
        .unwrap_or(0);
    let similar = state
        .app
        .similar_to_entry(id, &reader_for(&ctx, edition_id), 5)
        .await?;
    let c = Chrome::new(&ctx, &v.entry.title);
    let values = v.values.iter().map(|x| label(&c, "berakhlak", x)).collect();
    let stage = if v.entry.stage.is_empty() {
        String::new()
    } else {
        label(&c, "innovation_stage", &v.entry.stage)
    };
    let unit_kind = if v.entry.unit_kind.is_empty() {
        String::new()
    } else {
        label(&c, "unit_kind", &v.entry.unit_kind)
    };
    Ok(render(&EntryPage {
        c,
        v,
        values,
        stage,
        unit_kind,
        similar,
        committee: ctx.has_role(Role::Committee),
    }))
}

pub async fn file(
    State(state): State<AppState>,
    Path((id, file_id)): Path<(Id, Id)>,
) -> Result<Response, WebError> {
    let (name, content_type, bytes) = state.app.catalog_file(id, file_id).await?;
    let safe: String = name
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ".-_".contains(ch) {
                ch
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{safe}\""),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "catalog/most_replicated.html")]
struct MostReplicatedPage {
    c: Chrome,
    rows: Vec<(Entry, i64, Vec<Entry>)>,
}

pub async fn most_replicated(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let mut rows = Vec::new();
    for (e, n) in state.app.most_replicated(50).await? {
        let by = state.app.catalog_entry(e.id).await?.replicated_by;
        rows.push((e, n, by));
    }
    let c = Chrome::new(&ctx, ctx.tr().get("catalog.most_replicated"));
    Ok(render(&MostReplicatedPage { c, rows }))
}

// ---------- open data ----------

/// Columns of the open-data downloads with their descriptions (Indonesian, English).
pub const DATA_COLUMNS: [(&str, &str, &str); 18] = [
    ("id", "Nomor entri katalog", "Catalogue entry number"),
    ("title", "Nama inovasi", "Name of the innovation"),
    ("unit", "Unit penyelenggara", "Unit that runs it"),
    ("unit_kind", "Jenis unit (kode)", "Kind of unit (code)"),
    ("region", "Daerah", "Region"),
    ("year", "Tahun", "Year"),
    ("category", "Kategori", "Category"),
    (
        "values",
        "Nilai BerAKHLAK (kode, dipisah koma)",
        "BerAKHLAK values (codes, comma separated)",
    ),
    (
        "sdgs",
        "Nomor SDGs (dipisah koma)",
        "SDG numbers (comma separated)",
    ),
    ("stage", "Tahap inovasi (kode)", "Innovation stage (code)"),
    ("summary", "Ringkasan", "Summary"),
    (
        "indicators",
        "Indikator sebelum -> sesudah (nama: sebelum -> sesudah satuan; …)",
        "Indicators before -> after (name: before -> after unit; …)",
    ),
    ("results", "Hasil", "Results"),
    ("source_url", "Sumber (URL)", "Source (URL)"),
    (
        "replicated_from",
        "Nomor entri yang direplikasi (ATM)",
        "Entry number replicated (ATM)",
    ),
    (
        "replicated_from_name",
        "Sumber ATM di luar katalog",
        "ATM source outside the catalogue",
    ),
    (
        "modified",
        "Yang dimodifikasi dari sumber",
        "What was modified from the source",
    ),
    (
        "updated_at",
        "Tanggal pembaruan (RFC 3339)",
        "Date of update (RFC 3339)",
    ),
];

fn rfc3339(ms: i64) -> String {
    kolabik_domain::Instant(ms).to_rfc3339()
}

fn data_row(e: &Entry) -> Vec<String> {
    let indicators: Vec<CatalogIndicator> =
        serde_json::from_str(&e.indicators_json).unwrap_or_default();
    vec![
        e.id.to_string(),
        e.title.clone(),
        e.unit_name.clone(),
        e.unit_kind.clone(),
        e.region.clone(),
        e.year.to_string(),
        e.category.clone(),
        e.value_codes.clone(),
        e.sdg_numbers.clone(),
        e.stage.clone(),
        e.summary.clone(),
        format_indicators(&indicators),
        e.results.clone(),
        e.source_url.clone(),
        e.atm_entry_id.map(|x| x.to_string()).unwrap_or_default(),
        e.atm_name.clone(),
        e.atm_modified.clone(),
        rfc3339(e.updated_at),
    ]
}

pub async fn data_csv(State(state): State<AppState>) -> Result<Response, WebError> {
    let entries = state.app.catalog_entries().await?;
    let mut out = String::from("\u{feff}");
    out.push_str(&csv_record(&DATA_COLUMNS.map(|c| c.0)));
    for e in &entries {
        let row: Vec<String> = data_row(e).iter().map(|s| spreadsheet_text(s)).collect();
        out.push_str(&csv_record(&row));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"katalog-inovasi.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

pub fn data_json_value(entries: &[Entry]) -> serde_json::Value {
    serde_json::Value::Array(
        entries
            .iter()
            .map(|e| {
                let row = data_row(e);
                let mut m = serde_json::Map::new();
                for (i, (name, _, _)) in DATA_COLUMNS.iter().enumerate() {
                    let v = row.get(i).cloned().unwrap_or_default();
                    let value = match *name {
                        "id" | "year" => v
                            .parse::<i64>()
                            .map(serde_json::Value::from)
                            .unwrap_or(serde_json::Value::Null),
                        "replicated_from" => v
                            .parse::<i64>()
                            .map(serde_json::Value::from)
                            .unwrap_or(serde_json::Value::Null),
                        "values" | "sdgs" => serde_json::Value::Array(
                            v.split(',')
                                .filter(|x| !x.is_empty())
                                .map(|x| match x.parse::<i64>() {
                                    Ok(n) if *name == "sdgs" => serde_json::Value::from(n),
                                    _ => serde_json::Value::from(x),
                                })
                                .collect(),
                        ),
                        "indicators" => {
                            serde_json::from_str::<serde_json::Value>(&e.indicators_json)
                                .unwrap_or(serde_json::Value::Array(Vec::new()))
                        }
                        _ => serde_json::Value::from(v),
                    };
                    m.insert((*name).to_owned(), value);
                }
                serde_json::Value::Object(m)
            })
            .collect(),
    )
}

pub async fn data_json(State(state): State<AppState>) -> Result<Response, WebError> {
    let entries = state.app.catalog_entries().await?;
    Ok(axum::Json(data_json_value(&entries)).into_response())
}

pub async fn metadata_json(State(state): State<AppState>) -> Result<Response, WebError> {
    let entries = state.app.catalog_entries().await?;
    let updated = entries.iter().map(|e| e.updated_at).max().unwrap_or(0);
    let site = state.app.site_url().to_owned();
    Ok(axum::Json(serde_json::json!({
        "title": "Katalog Inovasi Pelayanan Publik — Kolabik Kota Pasuruan",
        "title_en": "Public-service innovation catalogue — Kolabik Kota Pasuruan",
        "description": "Inovasi pelayanan publik yang diterbitkan panitia Kompetisi Inovasi Pelayanan Publik Kota Pasuruan dan inovasi dari daerah lain, dengan indikator sebelum dan sesudah serta asal replikasi (ATM).",
        "description_en": "Public-service innovations published by the committee of Kota Pasuruan's innovation competition and innovations from other regions, with indicators before and after and replication lineage (ATM).",
        "license": "CC-BY-4.0",
        "license_url": "https://creativecommons.org/licenses/by/4.0/",
        "publisher": "Pemerintah Kota Pasuruan — Panitia Kolabik",
        "language": ["id"],
        "modified": if updated > 0 { serde_json::Value::from(rfc3339(updated)) } else { serde_json::Value::Null },
        "records": entries.len(),
        "distributions": [
            {"format": "CSV", "media_type": "text/csv", "url": format!("{site}/katalog/data.csv")},
            {"format": "JSON", "media_type": "application/json", "url": format!("{site}/katalog/data.json")}
        ],
        "columns": DATA_COLUMNS.iter().map(|(n, id, en)| serde_json::json!({"name": n, "description": id, "description_en": en})).collect::<Vec<_>>(),
    }))
    .into_response())
}

// ---------- committee ----------

#[derive(Template)]
#[template(path = "catalog/manage.html")]
struct ManagePage {
    c: Chrome,
    content: String,
    problems: Vec<String>,
    /// (proposal id, title, unit, state label, published entry)
    proposals: Vec<(Id, String, String, String, Option<Id>)>,
    entries: Vec<Entry>,
    notice: String,
}

async fn manage_page(
    state: &AppState,
    ctx: &Ctx,
    content: String,
    report: Option<ImportReport>,
    notice: String,
    status: StatusCode,
) -> Result<Response, WebError> {
    let c = Chrome::new(ctx, ctx.tr().get("catalog.manage"));
    let problems = report
        .as_ref()
        .map(|r| {
            r.problems
                .iter()
                .map(|p| {
                    let where_ = if p.column.is_empty() {
                        c.fmt("catalog.problem_row", "row", &p.line.to_string())
                    } else {
                        c.tr.fmt(
                            "catalog.problem_cell",
                            &[("row", &p.line.to_string()), ("column", &p.column)],
                        )
                    };
                    format!("{where_}: {}", c.t(p.key))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut proposals = Vec::new();
    for p in state.app.catalog_publishable().await? {
        let entry = state
            .app
            .catalog_entry_by_proposal(p.0)
            .await?
            .map(|e| e.id);
        let st = label(&c, "proposal_state", &p.3);
        proposals.push((p.0, p.1, p.2, st, entry));
    }
    let entries = state.app.catalog_entries().await?;
    let mut r = render(&ManagePage {
        c,
        content,
        problems,
        proposals,
        entries,
        notice,
    });
    *r.status_mut() = status;
    Ok(r)
}

pub async fn manage(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    manage_page(
        &state,
        &ctx,
        String::new(),
        None,
        String::new(),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    content: String,
    #[serde(default)]
    dry_run: String,
}

pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ImportForm>,
) -> Result<Response, WebError> {
    let dry_run = !f.dry_run.is_empty();
    let report = state
        .app
        .import_catalog(&f.content, dry_run, &ctx.actor())
        .await?;
    let failed = !report.problems.is_empty();
    let notice = if failed {
        String::new()
    } else if dry_run {
        ctx.tr()
            .fmt("catalog.import_checked", &[("n", &report.rows.to_string())])
    } else {
        ctx.tr()
            .fmt("catalog.import_done", &[("n", &report.created.to_string())])
    };
    let content = if failed || dry_run {
        f.content
    } else {
        String::new()
    };
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    manage_page(&state, &ctx, content, Some(report), notice, status).await
}

pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Response, WebError> {
    let entry = state.app.publish_proposal(id, &ctx.actor()).await?;
    Ok(see_other(&format!("/katalog/{entry}")))
}

pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
) -> Result<Response, WebError> {
    state.app.unpublish_entry(id, &ctx.actor()).await?;
    Ok(see_other("/panitia/katalog"))
}

#[derive(Template)]
#[template(path = "catalog/duplicates.html")]
struct DuplicatesPage {
    c: Chrome,
    pairs: Vec<DuplicateView>,
}

impl DuplicatesPage {
    fn pct(&self, x: &f64) -> String {
        format!("{:.0}%", x * 100.0)
    }
}

pub async fn duplicates(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let pairs = state.app.duplicate_pairs().await?;
    let c = Chrome::new(&ctx, ctx.tr().get("catalog.duplicates"));
    Ok(render(&DuplicatesPage { c, pairs }))
}

// ---------- operator ----------

#[derive(Deserialize)]
pub struct PublishFileForm {
    #[serde(default)]
    published: String,
}

pub async fn publish_file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, file_id)): Path<(Id, Id)>,
    Form(f): Form<PublishFileForm>,
) -> Result<Response, WebError> {
    let on = f.published == "1";
    state
        .app
        .set_attachment_published(id, file_id, on, &ctx.actor())
        .await?;
    Ok(see_other(&format!("/operator/usulan/{id}#kebaruan")))
}

#[derive(Deserialize)]
pub struct AtmForm {
    #[serde(default)]
    entry_id: String,
    #[serde(default)]
    url: String,
}

pub async fn link_atm(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Id>,
    Form(f): Form<AtmForm>,
) -> Result<Response, WebError> {
    let entry = f.entry_id.trim().trim_start_matches('#').parse::<Id>().ok();
    state.app.link_atm(id, entry, &f.url, &ctx.actor()).await?;
    Ok(see_other(&format!("/operator/usulan/{id}#kebaruan")))
}

// ---------- the novelty box ----------

/// What `catalog/novelty_box.html` shows beside a proposal.
#[derive(Default)]
pub struct NoveltyBox {
    /// `operator`, `committee` or `judge`.
    pub mode: &'static str,
    pub proposal_id: Id,
    pub items: Vec<SimilarItem>,
    /// Whether to name units (not in a blind stage).
    pub show_units: bool,
    pub duplicates: Vec<DuplicateView>,
    /// The proposal's catalogue entry, once published.
    pub entry_id: Option<Id>,
    /// (entry id, title) of the linked ATM source, and an external URL.
    pub atm_entry: Option<(Id, String)>,
    pub atm_url: String,
    /// The operator's attachments: (file id, label, published).
    pub files: Vec<(Id, String, bool)>,
}

impl NoveltyBox {
    pub fn pct(&self, x: &f64) -> String {
        format!("{:.0}%", x * 100.0)
    }
}

/// A proposal's text as typed, for a novelty report.
pub fn proposal_text(c: &kolabik_domain::proposal::ProposalContent) -> String {
    let mut out = format!("{}\n{}\n", c.title, c.summary);
    for f in [
        "problem",
        "idea",
        "novelty",
        "stakeholders",
        "resources",
        "sustainability",
        "replicability",
        "results",
        "lessons",
    ] {
        out.push_str(c.section(f));
        out.push('\n');
    }
    out
}

/// The operator's box on the editor: similar to the text as saved (or as typed).
pub async fn operator_box(
    state: &AppState,
    ctx: &Ctx,
    proposal_id: Id,
    text: &str,
    attachments: &[(Id, String)],
) -> Result<NoveltyBox, WebError> {
    let edition_id = state.app.ensure_current_edition().await?.id;
    let items = state
        .app
        .similar_to_text(text, &reader_for(ctx, edition_id), Some(proposal_id), 5)
        .await?;
    let (atm, atm_url) = state.app.atm_link(proposal_id).await?;
    let published = state.app.published_attachments(proposal_id).await?;
    Ok(NoveltyBox {
        mode: "operator",
        proposal_id,
        items,
        show_units: true,
        entry_id: state
            .app
            .catalog_entry_by_proposal(proposal_id)
            .await?
            .map(|e| e.id),
        atm_entry: atm.map(|e| (e.id, e.title)),
        atm_url,
        files: attachments
            .iter()
            .map(|(id, l)| (*id, l.clone(), published.contains(id)))
            .collect(),
        ..NoveltyBox::default()
    })
}

/// The committee's box on the screening page: similar innovations and near-duplicates.
pub async fn committee_box(state: &AppState, proposal_id: Id) -> Result<NoveltyBox, WebError> {
    let items = state
        .app
        .similar_to_proposal(proposal_id, &Reader::Full, 5)
        .await?;
    let duplicates = state.app.duplicates_of_proposal(proposal_id).await?;
    let (atm, atm_url) = state.app.atm_link(proposal_id).await?;
    Ok(NoveltyBox {
        mode: "committee",
        proposal_id,
        items,
        show_units: true,
        duplicates,
        entry_id: state
            .app
            .catalog_entry_by_proposal(proposal_id)
            .await?
            .map(|e| e.id),
        atm_entry: atm.map(|e| (e.id, e.title)),
        atm_url,
        files: Vec::new(),
    })
}

/// The judge's box beside the score sheet: in a blind stage no unit is named (an earlier
/// edition's version of the same proposal would otherwise reveal it).
pub async fn judge_box(
    state: &AppState,
    proposal_id: Id,
    blind: bool,
) -> Result<NoveltyBox, WebError> {
    let items = state
        .app
        .similar_to_proposal(proposal_id, &Reader::Full, 5)
        .await?;
    Ok(NoveltyBox {
        mode: "judge",
        proposal_id,
        items,
        show_units: !blind,
        ..NoveltyBox::default()
    })
}
