//! The berita acara (official minutes) of a frozen judged stage: a PDF laid out with
//! `kolabik-pdf` and an XLSX with the same figures. Texts come from the web layer's
//! catalogue through `label`, so no sentence lives here.

use kolabik_domain::{AggregationMethod, JudgeKind, Lang, TieRule};
use kolabik_pdf::{Column, Document};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::funnel::Label;
use crate::results::StageRanking;

/// A score with two decimals, in the language's decimal style.
pub fn num(x: Option<f64>, lang: Lang) -> String {
    match x {
        None => "—".to_owned(),
        Some(v) => {
            let s = format!("{v:.2}");
            if lang == Lang::Id {
                s.replace('.', ",")
            } else {
                s
            }
        }
    }
}

fn alpha(x: Option<f64>, lang: Lang) -> String {
    match x {
        None => "—".to_owned(),
        Some(v) => {
            let s = format!("{v:.3}");
            if lang == Lang::Id {
                s.replace('.', ",")
            } else {
                s
            }
        }
    }
}

fn method_label(code: &str, label: Label<'_>) -> String {
    AggregationMethod::parse(code)
        .map(|m| label(m.label_key()))
        .unwrap_or_else(|| code.to_owned())
}

fn kind_label(code: &str, label: Label<'_>) -> String {
    JudgeKind::parse(code)
        .map(|k| label(k.label_key()))
        .unwrap_or_else(|| code.to_owned())
}

/// Flags of a row as text: disagreement and the tie-break that decided it.
pub fn flags(r: &crate::results::RankRow, label: Label<'_>) -> String {
    let mut out = Vec::new();
    if r.breakdown.disagreement {
        out.push(label("results.disagreement"));
    }
    if let Some(t) = r.breakdown.tie_break.as_deref().and_then(TieRule::parse) {
        let mut s = format!("{}: {}", label("results.tie_break"), label(t.label_key()));
        if let Some(c) = &r.breakdown.tie_criterion {
            s.push_str(&format!(" ({c})"));
        }
        out.push(s);
    }
    out.join("; ")
}

pub fn pdf(r: &StageRanking, lang: Lang, label: Label<'_>) -> Vec<u8> {
    let stage = label(r.stage.label_key());
    let title = format!(
        "{} {} — {}",
        label("results.minutes.title"),
        stage,
        r.edition_name
    );
    let mut d = Document::new(&title, &label("results.minutes.footer"));
    d.title_block(
        &[&label("results.minutes.title"), &stage, &r.edition_name],
        13.0,
    );
    let date = r
        .frozen_at
        .map(|at| r.time_zone.format_date(at, lang))
        .unwrap_or_default();
    let when = r
        .frozen_at
        .map(|at| r.time_zone.format(at, lang))
        .unwrap_or_default();
    d.paragraph(
        &label("results.minutes.opening")
            .replace("{date}", &date)
            .replace("{place}", &label("results.minutes.place"))
            .replace("{stage}", &stage)
            .replace("{edition}", &r.edition_name),
    );
    d.key_values(&[
        (label("results.method"), method_label(&r.method, label)),
        (label("results.frozen_at"), when),
        (
            label("results.frozen_by"),
            r.frozen_by_name.clone().unwrap_or_default(),
        ),
        (label("results.threshold"), num(Some(r.threshold), lang)),
        (label("results.proposals"), r.row_count().to_string()),
        (
            label("results.reliability"),
            format!(
                "{} = {} — {}",
                label("results.alpha"),
                alpha(r.reliability.alpha, lang),
                label(&r.reliability.meaning_key)
            ),
        ),
    ]);
    for c in &r.categories {
        d.heading(&format!(
            "{}: {}",
            label("results.category"),
            c.name
                .clone()
                .unwrap_or_else(|| label("results.no_category"))
        ));
        let rows: Vec<Vec<String>> = c
            .rows
            .iter()
            .map(|row| {
                vec![
                    row.rank
                        .map(|x| x.to_string())
                        .unwrap_or_else(|| "—".into()),
                    row.breakdown.title.clone(),
                    row.breakdown.unit_name.clone(),
                    num(row.score, lang),
                    row.breakdown.n_sheets.to_string(),
                    flags(row, label),
                ]
            })
            .collect();
        d.table(
            &[
                Column::right(&label("results.rank"), 1.3),
                Column::new(&label("results.proposal"), 3.8),
                Column::new(&label("results.unit"), 2.4),
                Column::right(&label("results.score"), 1.1),
                Column::right(&label("results.sheets"), 1.3),
                Column::new(&label("results.flags"), 2.4),
            ],
            &rows,
        );
    }
    if !r.missing.is_empty() {
        d.heading(&label("results.missing_title"));
        let reason = r
            .categories
            .iter()
            .flat_map(|c| &c.rows)
            .find_map(|row| row.breakdown.freeze_reason.clone())
            .unwrap_or_default();
        d.paragraph(&format!("{}: {reason}", label("results.freeze_reason")));
        let rows: Vec<Vec<String>> = r
            .missing
            .iter()
            .map(|m| vec![m.judge_name.clone(), m.title.clone()])
            .collect();
        d.table(
            &[
                Column::new(&label("results.judge"), 1.0),
                Column::new(&label("results.proposal"), 2.0),
            ],
            &rows,
        );
    }
    d.heading(&label("results.panel"));
    let panel: Vec<Vec<String>> = r
        .panel
        .iter()
        .enumerate()
        .map(|(i, (n, k))| vec![(i + 1).to_string(), n.clone(), kind_label(k, label)])
        .collect();
    d.table(
        &[
            Column::right("No", 0.5),
            Column::new(&label("results.judge"), 3.0),
            Column::new(&label("results.kind"), 2.0),
        ],
        &panel,
    );
    if !r.per_criterion.is_empty() {
        d.heading(&label("results.per_criterion"));
        let rows: Vec<Vec<String>> = r
            .per_criterion
            .iter()
            .map(|c| {
                vec![
                    c.name.clone(),
                    alpha(c.reliability.alpha, lang),
                    label(&c.reliability.meaning_key),
                ]
            })
            .collect();
        d.table(
            &[
                Column::new(&label("results.criterion"), 3.0),
                Column::right(&label("results.alpha"), 1.4),
                Column::new(&label("results.meaning"), 3.2),
            ],
            &rows,
        );
    }
    d.heading(&label("results.minutes.signatures"));
    d.paragraph(&label("results.minutes.closing"));
    let mut people: Vec<(String, String)> = r
        .panel
        .iter()
        .map(|(n, k)| {
            (
                format!(
                    "{} ({})",
                    label("results.minutes.judge"),
                    kind_label(k, label)
                ),
                n.clone(),
            )
        })
        .collect();
    people.push((
        label("results.minutes.chair"),
        "(..............................)".to_owned(),
    ));
    d.signatures(
        &format!("{}, {date}", label("results.minutes.place")),
        &people,
    );
    d.finish()
}

pub fn xlsx(r: &StageRanking, label: Label<'_>) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(
        label("results.minutes.sheet_ranking")
            .chars()
            .take(31)
            .collect::<String>(),
    )?;
    let title = format!(
        "{} {} — {}",
        label("results.minutes.title"),
        label(r.stage.label_key()),
        r.edition_name
    );
    ws.write_string_with_format(0, 0, &title, &bold)?;
    ws.write_string(1, 0, label("results.method"))?;
    ws.write_string(1, 1, method_label(&r.method, label))?;
    ws.write_string(2, 0, label("results.reliability"))?;
    if let Some(a) = r.reliability.alpha {
        ws.write_number(2, 1, a)?;
    }
    ws.write_string(2, 2, label(&r.reliability.meaning_key))?;
    let header = [
        label("results.category"),
        label("results.rank"),
        label("results.proposal"),
        label("results.unit"),
        label("results.score"),
        label("results.mean"),
        label("results.median"),
        label("results.trimmed_mean"),
        label("results.normalised"),
        label("results.spread"),
        label("results.sheets"),
        label("results.flags"),
    ];
    let top = 4u32;
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(top, c as u16, h, &bold)?;
    }
    let mut row = top + 1;
    for c in &r.categories {
        let cat = c
            .name
            .clone()
            .unwrap_or_else(|| label("results.no_category"));
        for x in &c.rows {
            ws.write_string(row, 0, &cat)?;
            if let Some(rank) = x.rank {
                ws.write_number(row, 1, rank as f64)?;
            }
            ws.write_string(row, 2, &x.breakdown.title)?;
            ws.write_string(row, 3, &x.breakdown.unit_name)?;
            let b = &x.breakdown;
            for (col, v) in [
                (4u16, x.score),
                (5, b.mean),
                (6, b.median),
                (7, b.trimmed_mean),
                (8, b.normalised),
                (9, b.spread),
            ] {
                if let Some(v) = v {
                    ws.write_number(row, col, (v * 100.0).round() / 100.0)?;
                }
            }
            ws.write_number(row, 10, b.n_sheets as f64)?;
            ws.write_string(row, 11, flags(x, label))?;
            row += 1;
        }
    }
    let sheets = wb.add_worksheet();
    sheets.set_name(
        label("results.minutes.sheet_totals")
            .chars()
            .take(31)
            .collect::<String>(),
    )?;
    for (c, h) in [
        label("results.proposal"),
        label("results.judge"),
        label("results.kind"),
        label("results.total"),
    ]
    .iter()
    .enumerate()
    {
        sheets.write_string_with_format(0, c as u16, h, &bold)?;
    }
    let mut row = 1u32;
    for x in r.categories.iter().flat_map(|c| &c.rows) {
        for s in &x.breakdown.sheets {
            sheets.write_string(row, 0, &x.breakdown.title)?;
            sheets.write_string(row, 1, &s.judge_name)?;
            sheets.write_string(row, 2, kind_label(&s.judge_kind, label))?;
            sheets.write_number(row, 3, s.total)?;
            row += 1;
        }
    }
    let panel = wb.add_worksheet();
    panel.set_name(label("results.panel").chars().take(31).collect::<String>())?;
    panel.write_string_with_format(0, 0, label("results.judge"), &bold)?;
    panel.write_string_with_format(0, 1, label("results.kind"), &bold)?;
    for (i, (n, k)) in r.panel.iter().enumerate() {
        panel.write_string(i as u32 + 1, 0, n)?;
        panel.write_string(i as u32 + 1, 1, kind_label(k, label))?;
    }
    wb.save_to_buffer()
}
