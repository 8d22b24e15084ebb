//! The innovation catalogue's rules: an entry as imported (CSV or JSON, e.g. a national
//! list), checked row by row with every problem at once, and the change of an indicator.

use serde::{Deserialize, Serialize};

use crate::units::{Problem, split_records};
use crate::{BerakhlakValue, InnovationStage, UnitKind};

/// Largest import file (4 MiB).
pub const MAX_IMPORT_BYTES: usize = 4 * 1024 * 1024;

/// Columns of an import file, in the order of the open-data download.
pub const COLUMNS: [&str; 15] = [
    "title",
    "unit",
    "unit_kind",
    "region",
    "year",
    "category",
    "values",
    "sdgs",
    "stage",
    "summary",
    "body",
    "indicators",
    "results",
    "source_url",
    "replicated_from",
];
const REQUIRED: [&str; 4] = ["title", "unit", "region", "year"];

/// Every catalogue key a problem may carry.
pub const PROBLEM_KEYS: &[&str] = &[
    "catalog.error_required",
    "catalog.error_year",
    "catalog.error_value",
    "catalog.error_sdg",
    "catalog.error_stage",
    "catalog.error_unit_kind",
    "catalog.error_indicator",
    "catalog.error_url",
    "catalog.error_format",
    "catalog.error_too_large",
    "error.csv_empty",
    "error.csv_quote",
    "error.csv_field_count",
    "error.csv_missing_column",
    "error.csv_unknown_column",
];

/// An indicator before and after, as published.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CatalogIndicator {
    pub name: String,
    pub before: String,
    pub after: String,
    #[serde(default)]
    pub unit: String,
}

impl CatalogIndicator {
    /// The change from before to after in percent of before, when both are numbers
    /// (Indonesian decimal comma accepted) and before is not zero.
    pub fn change_percent(&self) -> Option<f64> {
        let num = |s: &str| {
            s.trim()
                .replace('.', "")
                .replace(',', ".")
                .parse::<f64>()
                .ok()
        };
        let (b, a) = (num(&self.before)?, num(&self.after)?);
        (b != 0.0).then(|| ((a - b) / b * 1000.0).round() / 10.0)
    }
}

/// One catalogue entry as imported or published.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EntryInput {
    pub title: String,
    pub unit: String,
    /// A `UnitKind` code or empty.
    pub unit_kind: String,
    pub region: String,
    pub year: i64,
    pub category: String,
    pub values: Vec<String>,
    pub sdgs: Vec<u8>,
    /// An `InnovationStage` code or empty.
    pub stage: String,
    pub summary: String,
    pub body: String,
    pub indicators: Vec<CatalogIndicator>,
    pub results: String,
    pub source_url: String,
    /// Title or source URL of the catalogue entry this one replicates (ATM).
    pub replicated_from: String,
    /// What was modified from the source.
    pub modified: String,
}

/// A JSON import row: like [`EntryInput`], but values and SDGs may also be strings.
#[derive(Debug, Deserialize)]
struct JsonRow {
    #[serde(flatten)]
    fields: serde_json::Map<String, serde_json::Value>,
}

fn p(line: usize, column: &str, key: &'static str) -> Problem {
    Problem {
        line,
        column: column.to_owned(),
        key,
    }
}

/// Checks one row of raw strings (column → value) into an entry.
fn check_row(
    line: usize,
    get: &dyn Fn(&str) -> String,
    problems: &mut Vec<Problem>,
) -> Option<EntryInput> {
    let before = problems.len();
    for c in REQUIRED {
        if get(c).trim().is_empty() {
            problems.push(p(line, c, "catalog.error_required"));
        }
    }
    let year_raw = get("year");
    let year = year_raw
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|y| (1990..=2100).contains(y));
    if year.is_none() && !year_raw.trim().is_empty() {
        problems.push(p(line, "year", "catalog.error_year"));
    }
    let mut values = Vec::new();
    for v in split_list(&get("values")) {
        let code = v.to_lowercase().replace([' ', '-'], "_");
        match BerakhlakValue::parse(&code) {
            Some(b) => values.push(b.as_str().to_owned()),
            None => problems.push(p(line, "values", "catalog.error_value")),
        }
    }
    let mut sdgs = Vec::new();
    for s in split_list(&get("sdgs")) {
        match s
            .trim_start_matches(['S', 's', 'D', 'd', 'G', 'g', ' '])
            .parse::<u8>()
        {
            Ok(n) if (1..=17).contains(&n) => sdgs.push(n),
            _ => problems.push(p(line, "sdgs", "catalog.error_sdg")),
        }
    }
    sdgs.sort_unstable();
    sdgs.dedup();
    let stage_raw = get("stage").trim().to_lowercase().replace([' ', '-'], "_");
    let stage = if stage_raw.is_empty() {
        String::new()
    } else if let Some(s) = InnovationStage::parse(&stage_raw) {
        s.as_str().to_owned()
    } else {
        problems.push(p(line, "stage", "catalog.error_stage"));
        String::new()
    };
    let kind_raw = get("unit_kind");
    let unit_kind = if kind_raw.trim().is_empty() {
        String::new()
    } else if let Some(k) = UnitKind::parse_loose(kind_raw.trim()) {
        k.as_str().to_owned()
    } else {
        problems.push(p(line, "unit_kind", "catalog.error_unit_kind"));
        String::new()
    };
    let indicators = match parse_indicators(&get("indicators")) {
        Some(i) => i,
        None => {
            problems.push(p(line, "indicators", "catalog.error_indicator"));
            Vec::new()
        }
    };
    let url = get("source_url").trim().to_owned();
    if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) {
        problems.push(p(line, "source_url", "catalog.error_url"));
    }
    if problems.len() > before {
        return None;
    }
    Some(EntryInput {
        title: get("title").trim().to_owned(),
        unit: get("unit").trim().to_owned(),
        unit_kind,
        region: get("region").trim().to_owned(),
        year: year.unwrap_or_default(),
        category: get("category").trim().to_owned(),
        values,
        sdgs,
        stage,
        summary: get("summary").trim().to_owned(),
        body: get("body").trim().to_owned(),
        indicators,
        results: get("results").trim().to_owned(),
        source_url: url,
        replicated_from: get("replicated_from").trim().to_owned(),
        modified: get("modified").trim().to_owned(),
    })
}

fn split_list(s: &str) -> Vec<String> {
    s.split([',', ';', '|'])
        .map(|x| x.trim().to_owned())
        .filter(|x| !x.is_empty())
        .collect()
}

/// `name: before -> after unit; …` (also `=>` or `→`), e.g. `Waktu layanan: 14 -> 1 hari`.
pub fn parse_indicators(s: &str) -> Option<Vec<CatalogIndicator>> {
    let mut out = Vec::new();
    for part in s.split(';').map(str::trim).filter(|x| !x.is_empty()) {
        let (name, rest) = part.split_once(':')?;
        let rest = rest.replace("=>", "->").replace('→', "->");
        let (before, after) = rest.split_once("->")?;
        let after = after.trim();
        let (after, unit) = match after.split_once(char::is_whitespace) {
            Some((a, u)) => (a.trim(), u.trim()),
            None => (after, ""),
        };
        if name.trim().is_empty() || before.trim().is_empty() || after.is_empty() {
            return None;
        }
        out.push(CatalogIndicator {
            name: name.trim().to_owned(),
            before: before.trim().to_owned(),
            after: after.to_owned(),
            unit: unit.to_owned(),
        });
    }
    Some(out)
}

/// The inverse of [`parse_indicators`], for the CSV download.
pub fn format_indicators(list: &[CatalogIndicator]) -> String {
    list.iter()
        .map(|i| {
            let unit = if i.unit.is_empty() {
                String::new()
            } else {
                format!(" {}", i.unit)
            };
            format!("{}: {} -> {}{unit}", i.name, i.before, i.after)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Parses an import file: JSON (an array of objects) when it starts with `[`, else CSV with
/// a header naming the columns (any order, `,` or `;`). Either every row or every problem.
pub fn parse_import(text: &str) -> Result<Vec<EntryInput>, Vec<Problem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.len() > MAX_IMPORT_BYTES {
        return Err(vec![p(0, "", "catalog.error_too_large")]);
    }
    if text.trim_start().starts_with('[') {
        return parse_json(text);
    }
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let sep = if first_line.matches(';').count() > first_line.matches(',').count() {
        ';'
    } else {
        ','
    };
    let records = split_records(text, sep).map_err(|line| vec![p(line, "", "error.csv_quote")])?;
    let Some(((header_line, header), rows)) = records.split_first() else {
        return Err(vec![p(1, "", "error.csv_empty")]);
    };
    let mut problems = Vec::new();
    let header: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    for h in &header {
        if !h.is_empty() && !COLUMNS.contains(&h.as_str()) && h != "modified" {
            problems.push(p(*header_line, h, "error.csv_unknown_column"));
        }
    }
    for c in REQUIRED {
        if !header.iter().any(|h| h == c) {
            problems.push(p(*header_line, c, "error.csv_missing_column"));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if rows.is_empty() {
        return Err(vec![p(1, "", "error.csv_empty")]);
    }
    let mut out = Vec::new();
    for (line, fields) in rows {
        if fields.len() != header.len() {
            problems.push(p(*line, "", "error.csv_field_count"));
            continue;
        }
        let get = |c: &str| {
            header
                .iter()
                .position(|h| h == c)
                .and_then(|i| fields.get(i))
                .cloned()
                .unwrap_or_default()
        };
        if let Some(e) = check_row(*line, &get, &mut problems) {
            out.push(e);
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn parse_json(text: &str) -> Result<Vec<EntryInput>, Vec<Problem>> {
    let rows: Vec<JsonRow> =
        serde_json::from_str(text).map_err(|e| vec![p(e.line(), "", "catalog.error_format")])?;
    if rows.is_empty() {
        return Err(vec![p(1, "", "error.csv_empty")]);
    }
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let get = |c: &str| match row.fields.get(c) {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Array(a)) if c == "indicators" => format_indicators(
                &a.iter()
                    .filter_map(|v| serde_json::from_value(v.clone()).ok())
                    .collect::<Vec<CatalogIndicator>>(),
            ),
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
            Some(other) => other.to_string(),
        };
        // Rows are numbered from 1 in a JSON file (the array's position).
        if let Some(e) = check_row(i + 1, &get, &mut problems) {
            out.push(e);
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_are_checked_with_line_and_column() {
        let csv = "title,unit,region,year,values,sdgs,stage,indicators\n\
                   A,Dinas,Kota Malang,2021,\"adaptif,kolaboratif\",\"3,16\",penerapan,\"Waktu: 14 -> 1 hari\"\n\
                   B,Dinas,Kota Batu,20x1,jujur,18,,\n";
        let err = parse_import(csv).unwrap_err();
        assert!(err.contains(&p(3, "year", "catalog.error_year")));
        assert!(err.contains(&p(3, "values", "catalog.error_value")));
        assert!(err.contains(&p(3, "sdgs", "catalog.error_sdg")));
        let ok = parse_import(&csv.lines().take(2).collect::<Vec<_>>().join("\n")).unwrap();
        assert_eq!(ok[0].sdgs, vec![3, 16]);
        assert_eq!(ok[0].indicators[0].unit, "hari");
        assert_eq!(ok[0].indicators[0].change_percent(), Some(-92.9));
    }

    #[test]
    fn json_rows_accept_lists() {
        let json = r#"[{"title":"A","unit":"U","region":"R","year":2020,"values":["adaptif"],"sdgs":[3],
            "indicators":[{"name":"Waktu","before":"7","after":"1","unit":"hari"}]}]"#;
        let ok = parse_import(json).unwrap();
        assert_eq!(ok[0].year, 2020);
        assert_eq!(ok[0].indicators.len(), 1);
    }
}
