//! The committee's proposal funnel: per category and per unit kind across the states, the
//! list of stuck proposals, and the same figures as CSV and XLSX.
//!
//! Three grouped queries build both tables whatever the size of the edition. The exports
//! take a translator from the caller (`Label`): this crate names catalogue keys, never
//! sentences.

use kolabik_domain::funnel::{Funnel, STUCK_STATES, csv_record, days_between, spreadsheet_text};
use kolabik_domain::{Category, Edition, Id, Instant, UnitKind};
use kolabik_store::stats::{self, StuckProposal};
use kolabik_store::{Page, Paged, editions};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Serialize;

use crate::{App, AppError};

/// A row of the category view: a category of the edition, or `None` for proposals filed
/// without one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryKey {
    pub id: Option<Id>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FunnelReport {
    pub edition: Edition,
    /// States only: "not started" has no meaning for a category.
    pub by_category: Funnel<CategoryKey>,
    /// "Not started" first, then the states.
    pub by_unit_kind: Funnel<UnitKind>,
    /// Draft, awaiting approval and returned proposals, least recently changed first.
    pub stuck: Paged<StuckProposal>,
    pub now: Instant,
}

/// Export formats of the funnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

/// The exported file and the edition it describes (for the file name).
#[derive(Debug, Clone)]
pub struct FunnelExport {
    pub year: i32,
    pub bytes: Vec<u8>,
}

/// Translates a catalogue key for the export's headings.
pub type Label<'a> = &'a (dyn Fn(&str) -> String + Sync);

/// Catalogue keys of the export's fixed words.
mod keys {
    pub const SHEET_CATEGORY: &str = "funnel.by_category";
    pub const SHEET_UNIT_KIND: &str = "funnel.by_unit_kind";
    pub const SHEET_STUCK: &str = "funnel.stuck";
    pub const CATEGORY: &str = "funnel.category";
    pub const UNIT_KIND: &str = "funnel.unit_kind";
    pub const TOTAL: &str = "funnel.total";
    pub const NO_CATEGORY: &str = "funnel.no_category";
    pub const TITLE: &str = "funnel.proposal";
    pub const UNIT: &str = "funnel.unit";
    pub const STATE: &str = "funnel.state";
    pub const UPDATED_AT: &str = "funnel.updated_at";
    pub const DAYS: &str = "funnel.days_untouched";
}

/// A table ready to be written: a title, a header row, body rows (label then numbers) and
/// a total row.
struct Sheet {
    title: String,
    header: Vec<String>,
    rows: Vec<(String, Vec<i64>)>,
    totals: (String, Vec<i64>),
}

fn sheet<K>(
    f: &Funnel<K>,
    title_key: &str,
    row_key: &str,
    label: Label<'_>,
    row_label: impl Fn(&K) -> String,
) -> Sheet {
    let mut header = vec![label(row_key)];
    header.extend(f.columns.iter().map(|c| label(c.label_key())));
    header.push(label(keys::TOTAL));
    let with_total = |counts: &[i64], total: i64| {
        let mut v = counts.to_vec();
        v.push(total);
        v
    };
    Sheet {
        title: label(title_key),
        header,
        rows: f
            .rows
            .iter()
            .map(|r| (row_label(&r.key), with_total(&r.counts, r.total)))
            .collect(),
        totals: (label(keys::TOTAL), with_total(&f.column_totals, f.total)),
    }
}

/// The stuck list as text rows: proposal, unit, category, state, last change (RFC 3339,
/// UTC), whole days untouched.
fn stuck_rows(items: &[StuckProposal], now: Instant, label: Label<'_>) -> Vec<Vec<String>> {
    items
        .iter()
        .map(|s| {
            vec![
                s.title.clone(),
                s.unit_name.clone(),
                s.category_name.clone().unwrap_or_default(),
                label(s.state.label_key()),
                s.updated_at.to_rfc3339(),
                days_between(s.updated_at, now).to_string(),
            ]
        })
        .collect()
}

fn stuck_header(label: Label<'_>) -> Vec<String> {
    [
        keys::TITLE,
        keys::UNIT,
        keys::CATEGORY,
        keys::STATE,
        keys::UPDATED_AT,
        keys::DAYS,
    ]
    .iter()
    .map(|k| label(k))
    .collect()
}

/// One CSV file with three sections (category view, unit-kind view, stuck list), each a
/// title line, a header line and its rows, separated by an empty line. UTF-8 with a BOM so
/// that Excel reads it as UTF-8. Names and titles come from users, so text that a
/// spreadsheet would take for a formula is defused (`spreadsheet_text`); the XLSX writes
/// them as strings, which never run.
fn to_csv(
    tables: &[Sheet],
    stuck_title: &str,
    stuck_header: &[String],
    stuck: &[Vec<String>],
) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    for t in tables {
        out.push_str(&csv_record(&[&t.title]));
        out.push_str(&csv_record(&t.header));
        for (name, nums) in t.rows.iter().chain(std::iter::once(&t.totals)) {
            let mut fields = vec![spreadsheet_text(name)];
            fields.extend(nums.iter().map(i64::to_string));
            out.push_str(&csv_record(&fields));
        }
        out.push_str("\r\n");
    }
    out.push_str(&csv_record(&[stuck_title]));
    out.push_str(&csv_record(stuck_header));
    for r in stuck {
        let fields: Vec<String> = r.iter().map(|f| spreadsheet_text(f)).collect();
        out.push_str(&csv_record(&fields));
    }
    out.into_bytes()
}

/// Characters Excel refuses in a sheet name, and its length limit.
fn sheet_name(s: &str) -> String {
    s.chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .take(31)
        .collect()
}

/// Width of a column from its longest text, in Excel's character units, within bounds.
fn width(texts: impl Iterator<Item = usize>) -> f64 {
    let longest = texts.max().unwrap_or(8);
    (longest as f64 + 2.0).clamp(8.0, 60.0)
}

fn to_xlsx(
    tables: &[Sheet],
    stuck_title: &str,
    stuck_header: &[String],
    stuck: &[Vec<String>],
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    for t in tables {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&t.title))?;
        for (c, h) in t.header.iter().enumerate() {
            ws.write_string_with_format(0, col(c), h, &bold)?;
        }
        let mut row = 1u32;
        for (name, nums) in &t.rows {
            ws.write_string(row, 0, name)?;
            for (c, n) in nums.iter().enumerate() {
                ws.write_number(row, col(c + 1), *n as f64)?;
            }
            row += 1;
        }
        ws.write_string_with_format(row, 0, &t.totals.0, &bold)?;
        for (c, n) in t.totals.1.iter().enumerate() {
            ws.write_number_with_format(row, col(c + 1), *n as f64, &bold)?;
        }
        let first = t
            .rows
            .iter()
            .map(|(n, _)| n.chars().count())
            .chain([t.header[0].chars().count(), t.totals.0.chars().count()]);
        ws.set_column_width(0, width(first))?;
        for (c, h) in t.header.iter().enumerate().skip(1) {
            ws.set_column_width(col(c), width([h.chars().count(), 6].into_iter()))?;
        }
        ws.set_freeze_panes(1, 1)?;
    }
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name(stuck_title))?;
    for (c, h) in stuck_header.iter().enumerate() {
        ws.write_string_with_format(0, col(c), h, &bold)?;
    }
    let last = stuck_header.len().saturating_sub(1);
    for (r, fields) in stuck.iter().enumerate() {
        let row = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, v) in fields.iter().enumerate() {
            match v.parse::<i64>() {
                Ok(n) if c == last => ws.write_number(row, col(c), n as f64)?,
                _ => ws.write_string(row, col(c), v)?,
            };
        }
    }
    for (c, h) in stuck_header.iter().enumerate() {
        let texts = stuck
            .iter()
            .filter_map(|r| r.get(c))
            .map(|v| v.chars().count())
            .chain([h.chars().count()]);
        ws.set_column_width(col(c), width(texts))?;
    }
    ws.set_freeze_panes(1, 0)?;
    wb.save_to_buffer()
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

impl App {
    /// Both funnel views of the current edition and one page of the stuck list.
    pub async fn funnel(&self, page: Page) -> Result<FunnelReport, AppError> {
        let edition = self.ensure_current_edition().await?;
        let (by_category, by_unit_kind) = self.funnel_tables(&edition).await?;
        let stuck = stats::stuck_proposals(&self.db, edition.id, STUCK_STATES, page).await?;
        Ok(FunnelReport {
            edition,
            by_category,
            by_unit_kind,
            stuck,
            now: self.now(),
        })
    }

    async fn funnel_tables(
        &self,
        edition: &Edition,
    ) -> Result<(Funnel<CategoryKey>, Funnel<UnitKind>), AppError> {
        let pool = self.db.pool();
        let categories: Vec<Category> = editions::categories(pool, edition.id).await?;
        let by_cat = stats::funnel_by_category(pool, edition.id).await?;
        let key = |id: Option<Id>| CategoryKey {
            id,
            name: id.and_then(|id| {
                categories
                    .iter()
                    .find(|c| c.id == id)
                    .map(|c| c.name.clone())
            }),
        };
        let by_category = Funnel::build(
            categories.iter().map(|c| key(Some(c.id))),
            false,
            by_cat.into_iter().map(|(id, s, n)| (key(id), s, n)),
            [],
        );
        let by_unit_kind = Funnel::build(
            UnitKind::ALL.iter().copied(),
            true,
            stats::funnel_by_unit_kind(pool, edition.id).await?,
            stats::units_without_proposal_by_kind(pool, edition.id).await?,
        );
        Ok((by_category, by_unit_kind))
    }

    /// The funnel as a file: CSV (three sections) or XLSX (three sheets), headed in the
    /// language of `label`. The stuck list is complete, read a page at a time.
    pub async fn funnel_export(
        &self,
        format: ExportFormat,
        label: Label<'_>,
    ) -> Result<FunnelExport, AppError> {
        let edition = self.ensure_current_edition().await?;
        let (by_category, by_unit_kind) = self.funnel_tables(&edition).await?;
        let mut stuck = Vec::new();
        let mut page = Page::new(Some(1), Some(Page::MAX_SIZE));
        loop {
            let p = stats::stuck_proposals(&self.db, edition.id, STUCK_STATES, page).await?;
            let done = p.items.is_empty() || page.number >= p.pages();
            stuck.extend(p.items);
            if done {
                break;
            }
            page.number += 1;
        }
        let no_category = label(keys::NO_CATEGORY);
        let tables = [
            sheet(
                &by_category,
                keys::SHEET_CATEGORY,
                keys::CATEGORY,
                label,
                |k| k.name.clone().unwrap_or_else(|| no_category.clone()),
            ),
            sheet(
                &by_unit_kind,
                keys::SHEET_UNIT_KIND,
                keys::UNIT_KIND,
                label,
                |k| label(k.label_key()),
            ),
        ];
        let stuck_title = label(keys::SHEET_STUCK);
        let header = stuck_header(label);
        let rows = stuck_rows(&stuck, self.now(), label);
        let bytes = match format {
            ExportFormat::Csv => to_csv(&tables, &stuck_title, &header, &rows),
            ExportFormat::Xlsx => to_xlsx(&tables, &stuck_title, &header, &rows)
                .map_err(|e| AppError::Internal(format!("xlsx: {e}")))?,
        };
        Ok(FunnelExport {
            year: edition.year,
            bytes,
        })
    }
}
