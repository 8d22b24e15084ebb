//! One judge's score sheet for one proposal in one stage, checked against the stage's
//! rubric, and its weighted total.
//!
//! The total is on a 0–100 scale whatever the criteria's scales: each counted criterion's
//! score is placed on its own scale, `(score − min) / (max − min)` (0 at the lowest score,
//! 1 at the highest), multiplied by its weight, and the products summed:
//! `Σ weight_bp / 10000 × (score − min) / (max − min) × 100`. So a sheet with the lowest
//! score everywhere totals 0 and one with the highest everywhere totals 100, and a 1–10
//! criterion and a 0–100 criterion pull with exactly their weights.

use serde::{Deserialize, Serialize};

use crate::rubric::{Criterion, FULL_WEIGHT_BP, Rubric};

/// Longest comment, per criterion and overall, in characters.
pub const COMMENT_MAX_CHARS: usize = 4000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetEntry {
    /// The criterion's code in the rubric.
    pub criterion: String,
    pub score: Option<u8>,
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sheet {
    pub entries: Vec<SheetEntry>,
    #[serde(default)]
    pub overall_comment: String,
}

/// What a sheet is checked for: a saved draft may leave scores empty, a submitted sheet
/// may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetCheck {
    Save,
    Submit,
}

/// Why a sheet was refused; `key()` is the catalogue key of its message, the criterion code
/// says where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("not a score sheet: {0}")]
    Json(String),
    #[error("{0}: not a criterion of this rubric")]
    UnknownCriterion(String),
    #[error("{0}: scored twice")]
    Duplicate(String),
    #[error("{criterion}: {score} lies outside the scale")]
    OutOfScale { criterion: String, score: u8 },
    #[error("{0}: a score must be a whole number")]
    NotANumber(String),
    #[error("{0}: not scored")]
    Missing(String),
    #[error("{0}: comment too long")]
    CommentTooLong(String),
}

impl SheetError {
    pub fn key(&self) -> &'static str {
        match self {
            SheetError::Json(_) => "score_sheet.error_json",
            SheetError::UnknownCriterion(_) => "score_sheet.error_unknown_criterion",
            SheetError::Duplicate(_) => "score_sheet.error_duplicate",
            SheetError::OutOfScale { .. } => "score_sheet.error_out_of_scale",
            SheetError::NotANumber(_) => "score_sheet.error_not_a_number",
            SheetError::Missing(_) => "score_sheet.error_missing",
            SheetError::CommentTooLong(_) => "score_sheet.error_comment_too_long",
        }
    }
}

/// Every key `SheetError::key` can return.
pub const ERROR_KEYS: &[&str] = &[
    "score_sheet.error_json",
    "score_sheet.error_unknown_criterion",
    "score_sheet.error_duplicate",
    "score_sheet.error_out_of_scale",
    "score_sheet.error_not_a_number",
    "score_sheet.error_missing",
    "score_sheet.error_comment_too_long",
];

/// A score as typed in a form: empty means "not scored yet".
pub fn parse_score(criterion: &str, raw: &str) -> Result<Option<u8>, SheetError> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<u8>()
        .map(Some)
        .map_err(|_| SheetError::NotANumber(criterion.to_owned()))
}

/// One criterion's score on a sheet, raw and on the 0–100 scale.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionScore {
    pub code: String,
    pub weight_bp: u32,
    pub counted: bool,
    pub raw: Option<u8>,
    /// `(raw − min) / (max − min) × 100`; `None` when not scored or outside the scale.
    pub scaled: Option<f64>,
}

fn scaled(c: &Criterion, score: u8) -> Option<f64> {
    if score < c.scale_min || score > c.scale_max || c.scale_min >= c.scale_max {
        return None;
    }
    Some(f64::from(score - c.scale_min) / f64::from(c.scale_max - c.scale_min) * 100.0)
}

impl Sheet {
    /// Reads a sheet from JSON (the API's body or the stored column) and checks it.
    pub fn parse(json: &str, rubric: &Rubric, check: SheetCheck) -> Result<Sheet, Vec<SheetError>> {
        let sheet: Sheet =
            serde_json::from_str(json).map_err(|e| vec![SheetError::Json(e.to_string())])?;
        sheet.validate(rubric, check)?;
        Ok(sheet)
    }

    /// Every problem at once. Entries may come in any order; criteria absent from the sheet
    /// count as unscored.
    pub fn validate(&self, rubric: &Rubric, check: SheetCheck) -> Result<(), Vec<SheetError>> {
        let mut problems = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for e in &self.entries {
            let Some(c) = rubric.criterion(&e.criterion) else {
                problems.push(SheetError::UnknownCriterion(e.criterion.clone()));
                continue;
            };
            if seen.contains(&e.criterion.as_str()) {
                problems.push(SheetError::Duplicate(e.criterion.clone()));
                continue;
            }
            seen.push(&e.criterion);
            if let Some(score) = e.score
                && scaled(c, score).is_none()
            {
                problems.push(SheetError::OutOfScale {
                    criterion: e.criterion.clone(),
                    score,
                });
            }
            if e.comment.chars().count() > COMMENT_MAX_CHARS {
                problems.push(SheetError::CommentTooLong(e.criterion.clone()));
            }
        }
        if self.overall_comment.chars().count() > COMMENT_MAX_CHARS {
            problems.push(SheetError::CommentTooLong(String::new()));
        }
        if check == SheetCheck::Submit {
            // Uncounted criteria are scored too: the jury asked for them.
            for c in &rubric.criteria {
                if self.score(&c.code).is_none() {
                    problems.push(SheetError::Missing(c.code.clone()));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// The score given on a criterion, if any (the first entry when a criterion is repeated).
    pub fn score(&self, code: &str) -> Option<u8> {
        self.entries
            .iter()
            .find(|e| e.criterion == code)
            .and_then(|e| e.score)
    }

    /// Every criterion of the rubric in rubric order, scored or not.
    pub fn criterion_scores(&self, rubric: &Rubric) -> Vec<CriterionScore> {
        rubric
            .criteria
            .iter()
            .map(|c| {
                let raw = self.score(&c.code);
                CriterionScore {
                    code: c.code.clone(),
                    weight_bp: c.weight_bp,
                    counted: c.counted,
                    raw,
                    scaled: raw.and_then(|s| scaled(c, s)),
                }
            })
            .collect()
    }
}

/// The sheet's total on the 0–100 scale (see the module documentation); `None` until every
/// counted criterion holds a score within its scale.
pub fn weighted_total(rubric: &Rubric, sheet: &Sheet) -> Option<f64> {
    let mut total = 0.0;
    for c in rubric.counted() {
        let s = scaled(c, sheet.score(&c.code)?)?;
        total += f64::from(c.weight_bp) / f64::from(FULL_WEIGHT_BP) * s;
    }
    Some(total)
}

/// A criterion's mean raw score over several judges' sheets for one proposal, which the
/// ranking's first tie-break compares.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionMean {
    pub code: String,
    pub weight_bp: u32,
    /// `None` when no sheet scored it.
    pub mean: Option<f64>,
}

/// The mean raw score per counted criterion over `sheets`, in rubric order.
pub fn criterion_means(rubric: &Rubric, sheets: &[&Sheet]) -> Vec<CriterionMean> {
    rubric
        .counted()
        .map(|c| {
            let scores: Vec<f64> = sheets
                .iter()
                .filter_map(|s| s.score(&c.code))
                .filter(|s| scaled(c, *s).is_some())
                .map(f64::from)
                .collect();
            CriterionMean {
                code: c.code.clone(),
                weight_bp: c.weight_bp,
                mean: (!scores.is_empty())
                    .then(|| scores.iter().sum::<f64>() / scores.len() as f64),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rubric::Rubric;

    fn sheet(scores: &[(&str, Option<u8>)]) -> Sheet {
        Sheet {
            entries: scores
                .iter()
                .map(|(c, s)| SheetEntry {
                    criterion: (*c).into(),
                    score: *s,
                    comment: String::new(),
                })
                .collect(),
            overall_comment: String::new(),
        }
    }

    fn all(r: &Rubric, score: u8) -> Sheet {
        let codes: Vec<(&str, Option<u8>)> = r
            .criteria
            .iter()
            .map(|c| (c.code.as_str(), Some(score)))
            .collect();
        sheet(&codes)
    }

    fn keys(r: Result<(), Vec<SheetError>>) -> Vec<&'static str> {
        r.err()
            .unwrap_or_default()
            .iter()
            .map(SheetError::key)
            .collect()
    }

    #[test]
    fn totals_run_from_0_to_100() {
        let r = Rubric::default_desk();
        assert_eq!(weighted_total(&r, &all(&r, 1)), Some(0.0));
        assert_eq!(weighted_total(&r, &all(&r, 10)), Some(100.0));
        // Kebaruan (25 %) at the top, everything else at the bottom.
        let mut s = all(&r, 1);
        s.entries[0].score = Some(10);
        assert!((weighted_total(&r, &s).unwrap() - 25.0).abs() < 1e-9);
        // Kebaruan and efektivitas (25 + 20 %) at the top.
        s.entries[1].score = Some(10);
        assert!((weighted_total(&r, &s).unwrap() - 45.0).abs() < 1e-9);
    }

    #[test]
    fn mixed_scales_pull_with_their_weights() {
        let r = Rubric::parse(
            r#"{"criteria":[
            {"code":"a","name":"A","weight_bp":5000,"scale_min":1,"scale_max":5},
            {"code":"b","name":"B","weight_bp":5000,"scale_min":0,"scale_max":100},
            {"code":"note","name":"N","weight_bp":0,"scale_min":1,"scale_max":3,"counted":false}]}"#,
        )
        .unwrap();
        let s = sheet(&[("a", Some(3)), ("b", Some(50)), ("note", Some(3))]);
        assert!((weighted_total(&r, &s).unwrap() - 50.0).abs() < 1e-9);
        // The uncounted criterion does not change the total, and need not be scored for it.
        let s2 = sheet(&[("a", Some(3)), ("b", Some(50))]);
        assert_eq!(weighted_total(&r, &s2), weighted_total(&r, &s));
        let per = s.criterion_scores(&r);
        assert_eq!(per.len(), 3);
        assert_eq!(per[0].raw, Some(3));
        assert_eq!(per[0].scaled, Some(50.0));
        assert_eq!(per[2].scaled, Some(100.0));
        assert!(!per[2].counted);
    }

    #[test]
    fn missing_or_invalid_scores_give_no_total() {
        let r = Rubric::default_presentation();
        let mut s = all(&r, 7);
        s.entries[2].score = None;
        assert_eq!(weighted_total(&r, &s), None);
        s.entries[2].score = Some(11);
        assert_eq!(weighted_total(&r, &s), None);
        s.entries.remove(2);
        assert_eq!(weighted_total(&r, &s), None);
    }

    #[test]
    fn save_allows_gaps_submit_does_not() {
        let r = Rubric::default_field();
        let partial = sheet(&[("kesesuaian-dokumen", Some(8)), ("kepuasan-pengguna", None)]);
        assert_eq!(partial.validate(&r, SheetCheck::Save), Ok(()));
        assert_eq!(
            partial.validate(&r, SheetCheck::Submit),
            Err(vec![
                SheetError::Missing("keberfungsian-layanan".into()),
                SheetError::Missing("kepuasan-pengguna".into()),
                SheetError::Missing("dukungan-keberlanjutan".into()),
            ])
        );
        assert_eq!(all(&r, 1).validate(&r, SheetCheck::Submit), Ok(()));
        assert_eq!(Sheet::default().validate(&r, SheetCheck::Save), Ok(()));
    }

    #[test]
    fn refusals_even_when_saving() {
        let r = Rubric::default_field();
        let mut s = sheet(&[
            ("kesesuaian-dokumen", Some(0)),
            ("nope", Some(5)),
            ("kesesuaian-dokumen", Some(5)),
            ("kepuasan-pengguna", Some(10)),
        ]);
        s.entries[3].comment = "x".repeat(COMMENT_MAX_CHARS + 1);
        s.overall_comment = "y".repeat(COMMENT_MAX_CHARS + 1);
        assert_eq!(
            keys(s.validate(&r, SheetCheck::Save)),
            [
                "score_sheet.error_out_of_scale",
                "score_sheet.error_unknown_criterion",
                "score_sheet.error_duplicate",
                "score_sheet.error_comment_too_long",
                "score_sheet.error_comment_too_long",
            ]
        );
        // Exactly the limit is fine, counted in characters, not bytes.
        let mut ok = sheet(&[]);
        ok.overall_comment = "é".repeat(COMMENT_MAX_CHARS);
        assert_eq!(ok.validate(&r, SheetCheck::Save), Ok(()));
    }

    #[test]
    fn json_and_form_input() {
        let r = Rubric::default_desk();
        let json = r#"{"entries":[{"criterion":"kebaruan","score":9,"comment":"Baru"},
            {"criterion":"efektivitas","score":null}]}"#;
        let s = Sheet::parse(json, &r, SheetCheck::Save).unwrap();
        assert_eq!(s.score("kebaruan"), Some(9));
        assert_eq!(s.score("efektivitas"), None);
        assert_eq!(
            Sheet::parse(json, &r, SheetCheck::Submit)
                .unwrap_err()
                .len(),
            5
        );
        assert_eq!(
            Sheet::parse("[]", &r, SheetCheck::Save).unwrap_err()[0].key(),
            "score_sheet.error_json"
        );
        assert_eq!(parse_score("a", " 7 "), Ok(Some(7)));
        assert_eq!(parse_score("a", ""), Ok(None));
        for bad in ["7.5", "-1", "abc", "256"] {
            assert_eq!(
                parse_score("a", bad),
                Err(SheetError::NotANumber("a".into()))
            );
        }
    }

    #[test]
    fn means_per_criterion() {
        let r = Rubric::default_presentation();
        let a = all(&r, 6);
        let mut b = all(&r, 9);
        b.entries[1].score = None;
        let m = criterion_means(&r, &[&a, &b]);
        assert_eq!(m[0].code, "kebaruan");
        assert_eq!(m[0].weight_bp, 3000);
        assert_eq!(m[0].mean, Some(7.5));
        assert_eq!(m[1].mean, Some(6.0));
        assert_eq!(criterion_means(&r, &[])[0].mean, None);
    }

    #[test]
    fn error_keys_are_listed() {
        assert_eq!(ERROR_KEYS.len(), 7);
        assert!(ERROR_KEYS.contains(&SheetError::Missing(String::new()).key()));
    }
}
