//! The unit registry's rules: one unit's fields, and a CSV file of units checked as a whole.
//!
//! `parse_csv` reads a file with the header `code,name,kind,parent_code,region_code,npsn`
//! (any order, `,` or `;` separated, UTF-8 with or without BOM) and returns either every row
//! valid, or every problem with its file line and column. Nothing here touches the database:
//! the caller passes the units that already exist (`Existing`).

use std::collections::{HashMap, HashSet};

use crate::{Npsn, RegionCode, Slug, UnitKind};

/// Largest CSV file accepted for import (1 MiB).
pub const MAX_IMPORT_BYTES: usize = 1024 * 1024;

/// The columns of an import file, in the order of the downloadable template.
pub const COLUMNS: [&str; 6] = ["code", "name", "kind", "parent_code", "region_code", "npsn"];
/// Every catalogue key a problem found here may carry (besides `IdError` keys), so the
/// catalogue test can check that each has a message.
pub const PROBLEM_KEYS: &[&str] = &[
    "error.unit_name",
    "error.unit_kind_invalid",
    "error.unit_code_duplicate",
    "error.npsn_required",
    "error.npsn_not_allowed",
    "error.npsn_duplicate",
    "error.npsn_taken",
    "error.parent_unknown",
    "error.parent_cycle",
    "error.csv_empty",
    "error.csv_quote",
    "error.csv_field_count",
    "error.csv_missing_column",
    "error.csv_unknown_column",
    "error.csv_duplicate_column",
    "error.csv_too_large",
];
/// Columns a file must have; the others may be left out (empty values).
const REQUIRED_COLUMNS: [&str; 3] = ["code", "name", "kind"];

/// One thing wrong with an import file or a unit form. `line` is the 1-based file line
/// (the header is line 1; a row with a quoted line break is reported at its first line),
/// `column` a column name (empty for the whole row or file), `key` a catalogue key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub line: usize,
    pub column: String,
    pub key: &'static str,
}

impl Problem {
    fn new(line: usize, column: &str, key: &'static str) -> Problem {
        Problem {
            line,
            column: column.to_owned(),
            key,
        }
    }
}

/// A unit as typed: strings straight from a CSV row or a form.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct RawUnit {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub parent_code: String,
    #[serde(default)]
    pub region_code: String,
    #[serde(default)]
    pub npsn: String,
}

/// A unit whose every field is valid, and the line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    pub line: usize,
    pub code: Slug,
    pub name: String,
    pub kind: UnitKind,
    pub parent_code: Option<Slug>,
    pub region_code: Option<RegionCode>,
    pub npsn: Option<Npsn>,
}

/// A unit already in the registry, as far as the checks need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    pub code: String,
    pub parent_code: Option<String>,
    pub npsn: Option<String>,
}

impl UnitKind {
    /// A kind from its code or its Indonesian label, case-insensitively: `kelurahan`,
    /// `Perangkat Daerah`, `SATUAN PENDIDIKAN`, `unit-layanan-lainnya`.
    pub fn parse_loose(raw: &str) -> Option<UnitKind> {
        let normal: String = raw
            .trim()
            .to_lowercase()
            .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join("_");
        UnitKind::parse(&normal)
    }
}

/// Checks one unit's own fields (not its relations to others).
fn check_fields(line: usize, raw: &RawUnit, problems: &mut Vec<Problem>) -> Option<UnitRow> {
    let start = problems.len();
    let code = Slug::parse(&raw.code)
        .map_err(|e| problems.push(Problem::new(line, "code", e.key())))
        .ok();
    let name = raw.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        problems.push(Problem::new(line, "name", "error.unit_name"));
    }
    let kind = UnitKind::parse_loose(&raw.kind);
    if kind.is_none() {
        problems.push(Problem::new(line, "kind", "error.unit_kind_invalid"));
    }
    let parent_code = match raw.parent_code.trim() {
        "" => None,
        p => Slug::parse(p)
            .map_err(|e| problems.push(Problem::new(line, "parent_code", e.key())))
            .ok(),
    };
    let region_code = match raw.region_code.trim() {
        "" => None,
        r => RegionCode::parse(r)
            .map_err(|e| problems.push(Problem::new(line, "region_code", e.key())))
            .ok(),
    };
    let npsn = match (kind, raw.npsn.trim()) {
        (Some(UnitKind::SatuanPendidikan), "") => {
            problems.push(Problem::new(line, "npsn", "error.npsn_required"));
            None
        }
        (Some(UnitKind::SatuanPendidikan) | None, n) if !n.is_empty() => Npsn::parse(n)
            .map_err(|e| problems.push(Problem::new(line, "npsn", e.key())))
            .ok(),
        (_, "") => None,
        (_, _) => {
            problems.push(Problem::new(line, "npsn", "error.npsn_not_allowed"));
            None
        }
    };
    if problems.len() > start {
        return None;
    }
    Some(UnitRow {
        line,
        code: code?,
        name: name.to_owned(),
        kind: kind?,
        parent_code,
        region_code,
        npsn,
    })
}

/// Checks a set of units (a file's rows, or the one unit of a form) against each other and
/// against the registry: codes and NPSNs unique, parents known, no parent cycles. Returns
/// the rows ordered so that every parent in the set comes before its children.
pub fn check_units(
    rows: &[(usize, RawUnit)],
    existing: &[Existing],
) -> Result<Vec<UnitRow>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut valid = Vec::new();
    for (line, raw) in rows {
        if let Some(row) = check_fields(*line, raw, &mut problems) {
            valid.push(row);
        }
    }
    // Uniqueness within the set, judged on what was typed so that a row with another
    // problem still counts.
    let mut codes_seen: HashMap<String, usize> = HashMap::new();
    let mut npsn_seen: HashMap<String, usize> = HashMap::new();
    for (line, raw) in rows {
        let code = raw.code.trim();
        if !code.is_empty() && codes_seen.insert(code.to_owned(), *line).is_some() {
            problems.push(Problem::new(*line, "code", "error.unit_code_duplicate"));
        }
        let npsn = raw.npsn.trim();
        if !npsn.is_empty() && npsn_seen.insert(npsn.to_owned(), *line).is_some() {
            problems.push(Problem::new(*line, "npsn", "error.npsn_duplicate"));
        }
    }
    let existing_by_code: HashMap<&str, &Existing> =
        existing.iter().map(|e| (e.code.as_str(), e)).collect();
    let npsn_owner: HashMap<&str, &str> = existing
        .iter()
        .filter_map(|e| e.npsn.as_deref().map(|n| (n, e.code.as_str())))
        .collect();
    for row in &valid {
        if let Some(n) = &row.npsn
            && npsn_owner
                .get(n.as_str())
                .is_some_and(|owner| *owner != row.code.as_str())
        {
            problems.push(Problem::new(row.line, "npsn", "error.npsn_taken"));
        }
        if let Some(p) = &row.parent_code
            && !codes_seen.contains_key(p.as_str())
            && !existing_by_code.contains_key(p.as_str())
        {
            problems.push(Problem::new(
                row.line,
                "parent_code",
                "error.parent_unknown",
            ));
        }
    }
    // Parents after this change: the registry's, overridden by the set's.
    let mut parent_of: HashMap<&str, Option<&str>> = existing
        .iter()
        .map(|e| (e.code.as_str(), e.parent_code.as_deref()))
        .collect();
    for row in &valid {
        parent_of.insert(
            row.code.as_str(),
            row.parent_code.as_ref().map(Slug::as_str),
        );
    }
    for row in &valid {
        let start = row.code.as_str();
        let mut seen = HashSet::new();
        let mut at = parent_of.get(start).copied().flatten();
        while let Some(code) = at {
            if code == start {
                problems.push(Problem::new(row.line, "parent_code", "error.parent_cycle"));
                break;
            }
            if !seen.insert(code) {
                break;
            }
            at = parent_of.get(code).copied().flatten();
        }
    }
    if !problems.is_empty() {
        problems.sort_by(|a, b| {
            let col = |p: &Problem| COLUMNS.iter().position(|c| *c == p.column);
            (a.line, col(a)).cmp(&(b.line, col(b)))
        });
        problems.dedup();
        return Err(problems);
    }
    Ok(parents_first(valid))
}

/// Orders rows so that a row whose parent is in the set comes after that parent.
fn parents_first(rows: Vec<UnitRow>) -> Vec<UnitRow> {
    let index: HashMap<String, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.code.as_str().to_owned(), i))
        .collect();
    let mut placed = vec![false; rows.len()];
    let mut order = Vec::with_capacity(rows.len());
    for i in 0..rows.len() {
        // Walk up to the highest unplaced ancestor in the set, then place down the chain.
        let mut chain = vec![i];
        let mut at = i;
        while let Some(p) = rows[at]
            .parent_code
            .as_ref()
            .and_then(|p| index.get(p.as_str()))
        {
            if placed[*p] || chain.contains(p) {
                break;
            }
            chain.push(*p);
            at = *p;
        }
        for j in chain.into_iter().rev() {
            if !placed[j] {
                placed[j] = true;
                order.push(j);
            }
        }
    }
    let mut slots: Vec<Option<UnitRow>> = rows.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// Splits CSV text into records: `"` quotes fields, `""` is a quote inside one, a quoted
/// field may span lines; CRLF and LF both end a record. Returns (first line, fields) per
/// non-blank record, or the line of an unterminated quote.
pub fn split_records(text: &str, sep: char) -> Result<Vec<(usize, Vec<String>)>, usize> {
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut record_line = 1;
    let mut quoted = false;
    let mut quote_line = 0;
    let mut chars = text.chars().peekable();
    let mut finish = |fields: &mut Vec<String>, field: &mut String, at: usize| {
        fields.push(std::mem::take(field));
        let blank = fields.len() == 1 && fields[0].trim().is_empty();
        let taken = std::mem::take(fields);
        if !blank {
            records.push((at, taken));
        }
    };
    while let Some(ch) = chars.next() {
        if quoted {
            match ch {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                '\r' if chars.peek() == Some(&'\n') => {}
                c => field.push(c),
            }
            continue;
        }
        match ch {
            '"' if field.trim().is_empty() => {
                field.clear();
                quoted = true;
                quote_line = line;
            }
            c if c == sep => fields.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                finish(&mut fields, &mut field, record_line);
                line += 1;
                record_line = line;
            }
            c => field.push(c),
        }
    }
    if quoted {
        return Err(quote_line);
    }
    if !field.is_empty() || !fields.is_empty() {
        finish(&mut fields, &mut field, record_line);
    }
    Ok(records)
}

/// Reads and checks a whole import file. `existing` are the units already registered: a
/// row with one of their codes updates that unit, and parents may name them.
pub fn parse_csv(text: &str, existing: &[Existing]) -> Result<Vec<UnitRow>, Vec<Problem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.len() > MAX_IMPORT_BYTES {
        return Err(vec![Problem::new(0, "", "error.csv_too_large")]);
    }
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let sep = if first_line.matches(';').count() > first_line.matches(',').count() {
        ';'
    } else {
        ','
    };
    let records =
        split_records(text, sep).map_err(|line| vec![Problem::new(line, "", "error.csv_quote")])?;
    let Some(((header_line, header), rows)) = records.split_first() else {
        return Err(vec![Problem::new(1, "", "error.csv_empty")]);
    };
    let mut problems = Vec::new();
    let mut position: HashMap<&'static str, usize> = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        let name = name.trim().to_lowercase();
        match COLUMNS.iter().find(|c| **c == name) {
            Some(c) if position.insert(c, i).is_some() => {
                problems.push(Problem::new(*header_line, c, "error.csv_duplicate_column"));
            }
            Some(_) => {}
            None if name.is_empty() => {}
            None => problems.push(Problem {
                line: *header_line,
                column: name,
                key: "error.csv_unknown_column",
            }),
        }
    }
    for c in REQUIRED_COLUMNS {
        if !position.contains_key(c) {
            problems.push(Problem::new(*header_line, c, "error.csv_missing_column"));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut raw_rows = Vec::with_capacity(rows.len());
    for (line, fields) in rows {
        // Excel leaves out trailing empty fields on some lines: fewer fields than columns
        // means empty values; more means the line does not fit the header.
        if fields.len() > header.len() {
            problems.push(Problem::new(*line, "", "error.csv_field_count"));
            continue;
        }
        let get = |c: &str| {
            position
                .get(c)
                .and_then(|i| fields.get(*i))
                .map(|s| s.trim().to_owned())
                .unwrap_or_default()
        };
        raw_rows.push((
            *line,
            RawUnit {
                code: get("code"),
                name: get("name"),
                kind: get("kind"),
                parent_code: get("parent_code"),
                region_code: get("region_code"),
                npsn: get("npsn"),
            },
        ));
    }
    match check_units(&raw_rows, existing) {
        Ok(rows) if problems.is_empty() => Ok(rows),
        Ok(_) => Err(problems),
        Err(more) => {
            problems.extend(more);
            problems.sort_by_key(|p| p.line);
            Err(problems)
        }
    }
}

/// The downloadable template: the header and two example rows.
pub fn template_csv() -> String {
    let mut s = COLUMNS.join(",");
    s.push_str("\r\n");
    s.push_str("kec-contoh,Kecamatan Contoh,kecamatan,,35.75.01,\r\n");
    s.push_str(
        "sdn-contoh-1,SD Negeri Contoh 1,satuan_pendidikan,kec-contoh,35.75.01.1001,20500001\r\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn existing() -> Vec<Existing> {
        vec![
            Existing {
                code: "setda".into(),
                parent_code: None,
                npsn: None,
            },
            Existing {
                code: "sdn-lama".into(),
                parent_code: Some("setda".into()),
                npsn: Some("20500099".into()),
            },
        ]
    }

    fn keys(problems: &[Problem]) -> Vec<(usize, &str, &str)> {
        problems
            .iter()
            .map(|p| (p.line, p.column.as_str(), p.key))
            .collect()
    }

    #[test]
    fn a_clean_file_with_bom_semicolons_quotes_and_crlf() {
        let text = "\u{feff}npsn;kind;name;code;parent_code;region_code\r\n\
                    ;Kecamatan;Kecamatan Gadingrejo;kec-gadingrejo;setda;35.75.01\r\n\
                    20512345;Satuan Pendidikan;\"SD Negeri \"\"Karangketug\"\" 1\";sdn-karangketug-1;kel-karangketug;35.75.01.1001\r\n\
                    \r\n\
                    ;KELURAHAN;\"Kelurahan\nKarangketug\";kel-karangketug;kec-gadingrejo;35.75.01.1001\r\n";
        let rows = parse_csv(text, &existing()).unwrap();
        assert_eq!(rows.len(), 3);
        let order: Vec<&str> = rows.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(
            order,
            ["kec-gadingrejo", "kel-karangketug", "sdn-karangketug-1"],
            "parents first"
        );
        let school = &rows[2];
        assert_eq!(school.line, 3);
        assert_eq!(school.name, "SD Negeri \"Karangketug\" 1");
        assert_eq!(school.kind, UnitKind::SatuanPendidikan);
        assert_eq!(school.npsn.as_ref().unwrap().as_str(), "20512345");
        assert_eq!(rows[1].line, 5);
        assert_eq!(rows[1].name, "Kelurahan\nKarangketug");
        assert_eq!(rows[0].parent_code.as_ref().unwrap().as_str(), "setda");
    }

    #[test]
    fn every_bad_row_is_reported_with_line_and_column() {
        let text = "code,name,kind,parent_code,region_code,npsn\n\
                    dinas-a,Dinas A,dinas,,35.75,\n\
                    sd-a,SD A,satuan_pendidikan,,35.75,\n\
                    kel-a,Kelurahan A,kelurahan,,35.75.01.1001,20500001\n\
                    dinas-b,Dinas B,perangkat_daerah,,35.75,\n\
                    dinas-b,Dinas B lagi,perangkat_daerah,,35.75,\n\
                    upt-a,UPT A,unit_layanan_lainnya,tidak-ada,35.75,\n\
                    kel-b,Kelurahan B,kelurahan,,35.75.01.3001,\n\
                    sd-b,SD B,satuan_pendidikan,,,20500099\n\
                    ,,,,,\n\
                    x,y,kecamatan,,,,\n\
                    kec-pendek,Kecamatan Pendek,kecamatan\n";
        let problems = parse_csv(text, &existing()).unwrap_err();
        assert_eq!(
            keys(&problems),
            [
                (2, "kind", "error.unit_kind_invalid"),
                (3, "npsn", "error.npsn_required"),
                (4, "npsn", "error.npsn_not_allowed"),
                (6, "code", "error.unit_code_duplicate"),
                (7, "parent_code", "error.parent_unknown"),
                (8, "region_code", "error.region_range"),
                (9, "npsn", "error.npsn_taken"),
                (10, "code", "error.slug"),
                (10, "name", "error.unit_name"),
                (10, "kind", "error.unit_kind_invalid"),
                (11, "", "error.csv_field_count"),
            ]
        );
    }

    #[test]
    fn header_problems() {
        let p = parse_csv("kode,name\n", &[]).unwrap_err();
        assert_eq!(
            keys(&p),
            [
                (1, "kode", "error.csv_unknown_column"),
                (1, "code", "error.csv_missing_column"),
                (1, "kind", "error.csv_missing_column"),
            ]
        );
        assert_eq!(
            keys(&parse_csv("  \n\n", &[]).unwrap_err()),
            [(1, "", "error.csv_empty")]
        );
        assert_eq!(
            keys(&parse_csv("code,name,kind\nx,\"open,kecamatan\n", &[]).unwrap_err()),
            [(2, "", "error.csv_quote")]
        );
        assert_eq!(parse_csv("code,name,kind\n", &[]).unwrap(), vec![]);
    }

    #[test]
    fn parent_cycles_in_the_file_and_through_the_registry() {
        let text = "code,name,kind,parent_code\n\
                    a,A,kecamatan,b\n\
                    b,B,kecamatan,a\n\
                    c,C,kecamatan,c\n\
                    setda,Setda,perangkat_daerah,sdn-lama\n";
        let p = parse_csv(text, &existing()).unwrap_err();
        assert_eq!(
            keys(&p),
            [
                (2, "parent_code", "error.parent_cycle"),
                (3, "parent_code", "error.parent_cycle"),
                (4, "parent_code", "error.parent_cycle"),
                (5, "parent_code", "error.parent_cycle"),
            ]
        );
    }

    #[test]
    fn npsn_uniqueness_within_the_file_and_own_npsn_kept() {
        let text = "code,name,kind,npsn\n\
                    sd-1,SD 1,satuan_pendidikan,20500001\n\
                    sd-2,SD 2,satuan_pendidikan,20500001\n";
        assert_eq!(
            keys(&parse_csv(text, &[]).unwrap_err()),
            [(3, "npsn", "error.npsn_duplicate")]
        );
        let text = "code,name,kind,npsn\nsdn-lama,SD Lama,satuan_pendidikan,20500099\n";
        assert!(
            parse_csv(text, &existing()).is_ok(),
            "a unit keeps its NPSN"
        );
    }

    #[test]
    fn kinds_by_code_or_indonesian_label() {
        assert_eq!(
            UnitKind::parse_loose("Perangkat Daerah"),
            Some(UnitKind::PerangkatDaerah)
        );
        assert_eq!(
            UnitKind::parse_loose(" satuan  PENDIDIKAN "),
            Some(UnitKind::SatuanPendidikan)
        );
        assert_eq!(
            UnitKind::parse_loose("unit_layanan_lainnya"),
            Some(UnitKind::UnitLayananLainnya)
        );
        assert_eq!(UnitKind::parse_loose("dinas"), None);
    }

    #[test]
    fn the_template_is_a_clean_file() {
        assert_eq!(parse_csv(&template_csv(), &[]).unwrap().len(), 2);
    }
}
