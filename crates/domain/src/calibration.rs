//! From many judges' sheet totals to one score per proposal, and how far the judges can be
//! trusted to agree: aggregation methods, Krippendorff's alpha, and each judge's leniency.
//!
//! Input is one total per (judge, proposal) on the 0–100 scale of
//! [`crate::scoring::weighted_total`]. Should the caller pass a pair twice, the later one
//! counts (a re-submitted sheet replaces the earlier); totals that are not finite numbers
//! are ignored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Id;

/// Spread (highest − lowest total) above which judges are said to disagree on a proposal.
pub const DEFAULT_DISAGREEMENT_THRESHOLD: f64 = 20.0;

/// One submitted sheet's total.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SheetTotal {
    pub judge: Id,
    pub proposal: Id,
    pub total: f64,
}

impl From<(Id, Id, f64)> for SheetTotal {
    fn from((judge, proposal, total): (Id, Id, f64)) -> Self {
        SheetTotal {
            judge,
            proposal,
            total,
        }
    }
}

/// How the totals of one proposal become its score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AggregationMethod {
    Mean,
    Median,
    /// See [`trimmed_mean`].
    TrimmedMean,
    /// See [`normalise`].
    Normalised,
}

impl AggregationMethod {
    pub const ALL: &'static [AggregationMethod] = &[
        AggregationMethod::Mean,
        AggregationMethod::Median,
        AggregationMethod::TrimmedMean,
        AggregationMethod::Normalised,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            AggregationMethod::Mean => "mean",
            AggregationMethod::Median => "median",
            AggregationMethod::TrimmedMean => "trimmed_mean",
            AggregationMethod::Normalised => "normalised",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|m| m.as_str() == s)
    }
    pub fn label_key(self) -> &'static str {
        match self {
            AggregationMethod::Mean => "aggregation.mean",
            AggregationMethod::Median => "aggregation.median",
            AggregationMethod::TrimmedMean => "aggregation.trimmed_mean",
            AggregationMethod::Normalised => "aggregation.normalised",
        }
    }
}

impl std::fmt::Display for AggregationMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One proposal's aggregate, with every method's value so a committee can compare them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProposalScore {
    pub proposal: Id,
    /// The value of the chosen method.
    pub score: f64,
    pub n_sheets: usize,
    pub mean: f64,
    pub median: f64,
    pub trimmed_mean: f64,
    pub normalised: f64,
    /// Highest − lowest total; 0 with one sheet.
    pub spread: f64,
    /// `spread` exceeds the threshold.
    pub disagreement: bool,
}

fn clean(sheets: &[SheetTotal]) -> Vec<SheetTotal> {
    let mut by_pair: BTreeMap<(Id, Id), f64> = BTreeMap::new();
    for s in sheets.iter().filter(|s| s.total.is_finite()) {
        by_pair.insert((s.judge, s.proposal), s.total);
    }
    by_pair
        .into_iter()
        .map(|((judge, proposal), total)| SheetTotal {
            judge,
            proposal,
            total,
        })
        .collect()
}

fn sorted(values: &[f64]) -> Vec<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The middle value, or the mean of the two middle values.
pub fn median(values: &[f64]) -> Option<f64> {
    let v = sorted(values);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

/// Mean after dropping `k` totals from each end: none with one or two totals (there is
/// nothing to trim against), otherwise `k = max(1, ⌈n / 10⌉)`. So three judges give their
/// median, four and five lose their highest and lowest, and from eleven on a tenth is
/// dropped at each end — one outlying judge never decides a proposal.
pub fn trimmed_mean(values: &[f64]) -> Option<f64> {
    let v = sorted(values);
    let n = v.len();
    if n < 3 {
        return mean(&v);
    }
    let k = n.div_ceil(10).max(1);
    mean(&v[k..n - k])
}

/// Population standard deviation (the totals are all there is, not a sample of them).
fn std_dev(values: &[f64]) -> Option<f64> {
    let m = mean(values)?;
    Some((values.iter().map(|x| (x - m).powi(2)).sum::<f64>() / values.len() as f64).sqrt())
}

/// Each total standardised against its judge's own totals and mapped back onto the scale
/// of all totals: `global_mean + global_sd × (total − judge_mean) / judge_sd`, clamped to
/// 0–100. A strict judge's 60 and a lenient judge's 80 become the same if each is that
/// judge's average. A judge with fewer than two sheets, or who gave every proposal the same
/// total, has no spread to standardise against: their totals are kept as they are.
/// The distributions are those of the sheets passed in, so pass one stage's sheets — the
/// whole stage, so that judges who scored in several categories are read on all their work.
/// Returns the sheets in (judge, proposal) order with the normalised totals.
pub fn normalise(sheets: &[SheetTotal]) -> Vec<SheetTotal> {
    let sheets = clean(sheets);
    let all: Vec<f64> = sheets.iter().map(|s| s.total).collect();
    let (Some(g_mean), Some(g_sd)) = (mean(&all), std_dev(&all)) else {
        return sheets;
    };
    let mut per_judge: BTreeMap<Id, Vec<f64>> = BTreeMap::new();
    for s in &sheets {
        per_judge.entry(s.judge).or_default().push(s.total);
    }
    let stats: BTreeMap<Id, Option<(f64, f64)>> = per_judge
        .into_iter()
        .map(|(judge, totals)| {
            let m = mean(&totals).unwrap_or(0.0);
            let sd = std_dev(&totals).unwrap_or(0.0);
            (judge, (totals.len() >= 2 && sd > 0.0).then_some((m, sd)))
        })
        .collect();
    sheets
        .into_iter()
        .map(|s| {
            let total = match stats.get(&s.judge).copied().flatten() {
                Some((m, sd)) => (g_mean + g_sd * (s.total - m) / sd).clamp(0.0, 100.0),
                None => s.total,
            };
            SheetTotal { total, ..s }
        })
        .collect()
}

/// Every proposal's aggregate, in proposal order. `threshold` is the spread, in points on
/// the 0–100 scale, above which the proposal is flagged (the default is
/// [`DEFAULT_DISAGREEMENT_THRESHOLD`]).
pub fn aggregate(
    method: AggregationMethod,
    sheets: &[SheetTotal],
    threshold: f64,
) -> Vec<ProposalScore> {
    let sheets = clean(sheets);
    let mut raw: BTreeMap<Id, Vec<f64>> = BTreeMap::new();
    for s in &sheets {
        raw.entry(s.proposal).or_default().push(s.total);
    }
    let mut norm: BTreeMap<Id, Vec<f64>> = BTreeMap::new();
    for s in normalise(&sheets) {
        norm.entry(s.proposal).or_default().push(s.total);
    }
    raw.into_iter()
        .map(|(proposal, totals)| {
            let v = sorted(&totals);
            let mean_v = mean(&v).unwrap_or(0.0);
            let median_v = median(&v).unwrap_or(0.0);
            let trimmed = trimmed_mean(&v).unwrap_or(0.0);
            let normalised = norm.get(&proposal).and_then(|n| mean(n)).unwrap_or(0.0);
            let spread = v.last().copied().unwrap_or(0.0) - v.first().copied().unwrap_or(0.0);
            ProposalScore {
                proposal,
                score: match method {
                    AggregationMethod::Mean => mean_v,
                    AggregationMethod::Median => median_v,
                    AggregationMethod::TrimmedMean => trimmed,
                    AggregationMethod::Normalised => normalised,
                },
                n_sheets: v.len(),
                mean: mean_v,
                median: median_v,
                trimmed_mean: trimmed,
                normalised,
                spread,
                disagreement: spread > threshold,
            }
        })
        .collect()
}

/// Krippendorff's alpha with its plain meaning.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reliability {
    /// `None` when there is nothing to compare (fewer than two pairable values, or no
    /// variation at all).
    pub alpha: Option<f64>,
    /// Units (proposals) scored by at least two judges.
    pub n_units: usize,
    /// Values in those units.
    pub n_pairable: usize,
    pub meaning_key: &'static str,
}

/// Krippendorff's thresholds: from 0.800 conclusions may rest on the data, from 0.667
/// only tentative ones.
pub fn meaning_key(alpha: Option<f64>) -> &'static str {
    match alpha {
        None => "reliability.not_enough_data",
        Some(a) if a >= 0.800 => "reliability.high",
        Some(a) if a >= 0.667 => "reliability.tentative",
        Some(_) => "reliability.low",
    }
}

/// Every key `Reliability::meaning_key` can hold.
pub const RELIABILITY_KEYS: &[&str] = &[
    "reliability.high",
    "reliability.tentative",
    "reliability.low",
    "reliability.not_enough_data",
];

/// Krippendorff's alpha for interval data: `1 − D_o / D_e`, with missing values allowed
/// and different judges per unit. Values are `(unit, coder, value)`; a unit with one value
/// cannot be paired and drops out.
///
/// `D_o = 1/n Σ_u 1/(m_u − 1) Σ_{i≠j in u} (v_i − v_j)²` and
/// `D_e = 1/(n(n − 1)) Σ_{i≠j} (v_i − v_j)²` over all n pairable values, the second sum
/// taken as `2n Σv² − 2(Σv)²`.
pub fn alpha_interval(values: &[(Id, Id, f64)]) -> Reliability {
    let mut units: BTreeMap<Id, BTreeMap<Id, f64>> = BTreeMap::new();
    for &(unit, coder, v) in values.iter().filter(|x| x.2.is_finite()) {
        units.entry(unit).or_default().insert(coder, v);
    }
    let pairable: Vec<Vec<f64>> = units
        .into_values()
        .filter(|u| u.len() >= 2)
        .map(|u| u.into_values().collect())
        .collect();
    let n_units = pairable.len();
    let n_pairable: usize = pairable.iter().map(Vec::len).sum();
    let alpha = (n_pairable >= 2)
        .then(|| {
            let n = n_pairable as f64;
            let mut d_o = 0.0;
            for u in &pairable {
                let mut within = 0.0;
                for (i, a) in u.iter().enumerate() {
                    for b in &u[i + 1..] {
                        within += 2.0 * (a - b).powi(2);
                    }
                }
                d_o += within / (u.len() as f64 - 1.0);
            }
            d_o /= n;
            let (sum, sum_sq) = pairable
                .iter()
                .flatten()
                .fold((0.0, 0.0), |(s, q), v| (s + v, q + v * v));
            let d_e = (2.0 * n * sum_sq - 2.0 * sum * sum) / (n * (n - 1.0));
            // No variation at all: agreement cannot be told from chance.
            (d_e > 1e-12).then(|| 1.0 - d_o / d_e)
        })
        .flatten();
    Reliability {
        alpha,
        n_units,
        n_pairable,
        meaning_key: meaning_key(alpha),
    }
}

/// Alpha over sheet totals: proposals are the units, judges the coders.
pub fn reliability(sheets: &[SheetTotal]) -> Reliability {
    let values: Vec<(Id, Id, f64)> = clean(sheets)
        .iter()
        .map(|s| (s.proposal, s.judge, s.total))
        .collect();
    alpha_interval(&values)
}

/// One judge's score on one criterion of one proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionRating {
    pub judge: Id,
    pub proposal: Id,
    pub criterion: String,
    pub score: f64,
}

/// Alpha per criterion, by criterion code: where judges read the rubric differently.
pub fn reliability_per_criterion(ratings: &[CriterionRating]) -> BTreeMap<String, Reliability> {
    let mut by: BTreeMap<&str, Vec<(Id, Id, f64)>> = BTreeMap::new();
    for r in ratings {
        by.entry(&r.criterion)
            .or_default()
            .push((r.proposal, r.judge, r.score));
    }
    by.into_iter()
        .map(|(c, v)| (c.to_owned(), alpha_interval(&v)))
        .collect()
}

/// How much higher than their colleagues a judge scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JudgeLeniency {
    pub judge: Id,
    /// Sheets on proposals that another judge also scored.
    pub n: usize,
    /// Mean of (own total − mean of the other judges' totals on the same proposal), in
    /// points; positive = lenient, negative = strict. `None` when `n` is 0.
    pub leniency: Option<f64>,
}

/// Every judge's leniency, in judge order; judges whose proposals nobody else scored are
/// listed with `n = 0`.
pub fn leniency(sheets: &[SheetTotal]) -> Vec<JudgeLeniency> {
    let sheets = clean(sheets);
    let mut per_proposal: BTreeMap<Id, (f64, usize)> = BTreeMap::new();
    for s in &sheets {
        let e = per_proposal.entry(s.proposal).or_default();
        e.0 += s.total;
        e.1 += 1;
    }
    let mut per_judge: BTreeMap<Id, Vec<f64>> = BTreeMap::new();
    for s in &sheets {
        let diffs = per_judge.entry(s.judge).or_default();
        if let Some(&(sum, n)) = per_proposal.get(&s.proposal)
            && n >= 2
        {
            diffs.push(s.total - (sum - s.total) / (n - 1) as f64);
        }
    }
    per_judge
        .into_iter()
        .map(|(judge, diffs)| JudgeLeniency {
            judge,
            n: diffs.len(),
            leniency: mean(&diffs),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(list: &[(Id, Id, f64)]) -> Vec<SheetTotal> {
        list.iter().copied().map(SheetTotal::from).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn codes_and_labels() {
        for &m in AggregationMethod::ALL {
            assert_eq!(AggregationMethod::parse(m.as_str()), Some(m));
            assert_eq!(m.label_key(), format!("aggregation.{m}"));
            assert_eq!(
                serde_json::to_string(&m).unwrap(),
                format!("\"{}\"", m.as_str())
            );
        }
        assert_eq!(AggregationMethod::parse("max"), None);
    }

    #[test]
    fn medians_and_trimmed_means() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(trimmed_mean(&[]), None);
        assert_eq!(trimmed_mean(&[50.0]), Some(50.0));
        assert_eq!(trimmed_mean(&[40.0, 60.0]), Some(50.0));
        // Three judges: the median.
        assert_eq!(trimmed_mean(&[10.0, 70.0, 90.0]), Some(70.0));
        // Four and five: highest and lowest dropped.
        assert_eq!(trimmed_mean(&[0.0, 60.0, 70.0, 100.0]), Some(65.0));
        assert_eq!(trimmed_mean(&[0.0, 60.0, 70.0, 80.0, 100.0]), Some(70.0));
        // Eleven: ⌈1.1⌉ = 2 from each end.
        let v: Vec<f64> = (0..11).map(f64::from).collect();
        let mut w = v.clone();
        w[0] = -1000.0;
        w[1] = -1000.0;
        w[10] = 1000.0;
        w[9] = 1000.0;
        assert_eq!(trimmed_mean(&w), trimmed_mean(&v));
        assert_eq!(trimmed_mean(&v), Some(5.0));
    }

    #[test]
    fn aggregate_every_method() {
        let sheets = t(&[
            (1, 10, 80.0),
            (2, 10, 50.0),
            (3, 10, 70.0),
            (1, 20, 60.0),
            (2, 20, 65.0),
            (3, 30, 40.0),
        ]);
        let r = aggregate(AggregationMethod::Mean, &sheets, 20.0);
        assert_eq!(
            r.iter().map(|p| p.proposal).collect::<Vec<_>>(),
            [10, 20, 30]
        );
        let p = &r[0];
        assert_eq!(p.n_sheets, 3);
        assert!(close(p.mean, 200.0 / 3.0));
        assert!(close(p.score, p.mean));
        assert_eq!(p.median, 70.0);
        assert_eq!(p.trimmed_mean, 70.0);
        assert_eq!(p.spread, 30.0);
        assert!(p.disagreement);
        assert!(!r[1].disagreement);
        // A single judge: every method agrees, nothing to disagree about.
        assert_eq!(r[2].n_sheets, 1);
        assert_eq!(r[2].spread, 0.0);
        assert_eq!(r[2].median, 40.0);
        assert!(!r[2].disagreement);
        // The threshold is exclusive.
        assert!(!aggregate(AggregationMethod::Mean, &sheets, 30.0)[0].disagreement);
        let m = aggregate(AggregationMethod::Median, &sheets, 20.0);
        assert_eq!(m[0].score, 70.0);
        let n = aggregate(AggregationMethod::Normalised, &sheets, 20.0);
        assert_eq!(n[0].score, n[0].normalised);
        assert!(aggregate(AggregationMethod::Mean, &[], 20.0).is_empty());
    }

    #[test]
    fn later_duplicate_replaces_and_nan_is_ignored() {
        let sheets = t(&[(1, 10, 10.0), (1, 10, 90.0), (2, 10, f64::NAN)]);
        let r = aggregate(AggregationMethod::Mean, &sheets, 20.0);
        assert_eq!(r[0].n_sheets, 1);
        assert_eq!(r[0].score, 90.0);
    }

    #[test]
    fn normalisation_evens_out_strict_and_lenient_judges() {
        // Judge 1 is 20 points stricter than judge 2 on the same pair of proposals, with
        // the same spread: after normalisation their totals coincide.
        let sheets = t(&[(1, 10, 50.0), (1, 20, 70.0), (2, 10, 70.0), (2, 20, 90.0)]);
        let n = normalise(&sheets);
        assert!(close(n[0].total, n[2].total));
        assert!(close(n[1].total, n[3].total));
        // Mapped onto the scale of all totals: mean 70, sd √200.
        let sd = 200f64.sqrt();
        assert!(close(n[0].total, 70.0 - sd));
        assert!(close(n[1].total, 70.0 + sd));
        let agg = aggregate(AggregationMethod::Normalised, &sheets, 20.0);
        assert!(close(agg[0].score, 70.0 - sd));
        assert!(close(agg[0].mean, 60.0));
    }

    #[test]
    fn normalisation_keeps_judges_without_spread_and_clamps() {
        // Judge 3 scored once, judge 4 gave the same total twice: both kept as they are.
        let sheets = t(&[
            (1, 10, 0.0),
            (1, 20, 100.0),
            (1, 30, 100.0),
            (1, 40, 100.0),
            (3, 10, 33.0),
            (4, 10, 55.0),
            (4, 20, 55.0),
        ]);
        let n = normalise(&sheets);
        let get = |j: Id, p: Id| {
            n.iter()
                .find(|s| s.judge == j && s.proposal == p)
                .map(|s| s.total)
        };
        assert_eq!(get(3, 10), Some(33.0));
        assert_eq!(get(4, 10), Some(55.0));
        assert_eq!(get(4, 20), Some(55.0));
        for s in &n {
            assert!((0.0..=100.0).contains(&s.total), "{s:?}");
        }
        // All totals equal: the global spread is 0 and every total stays.
        let flat = t(&[(1, 10, 60.0), (1, 20, 60.0), (2, 10, 60.0)]);
        assert!(normalise(&flat).iter().all(|s| s.total == 60.0));
        assert!(normalise(&[]).is_empty());
    }

    /// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four
    /// observers, twelve units, missing values (ignored as non-finite). Published values:
    /// nominal 0.743, ordinal 0.815, interval 0.849, ratio 0.797.
    #[test]
    fn alpha_on_krippendorffs_example() {
        // `M`: the observer gave no value.
        const M: f64 = f64::NAN;
        #[rustfmt::skip]
        let matrix: [[f64; 12]; 4] = [
            // unit 1  2   3   4   5   6   7   8   9   10  11  12
            [1., 2., 3., 3., 2., 1., 4., 1., 2., M,  M,  M ], // observer A
            [1., 2., 3., 3., 2., 2., 4., 1., 2., 5., M,  3.], // observer B
            [M,  3., 3., 3., 2., 3., 4., 2., 2., 5., 1., M ], // observer C
            [1., 2., 3., 3., 2., 4., 4., 1., 2., 5., 1., M ], // observer D
        ];
        let mut values = Vec::new();
        for (coder, row) in matrix.iter().enumerate() {
            for (unit, v) in row.iter().enumerate() {
                values.push((unit as Id + 1, coder as Id + 1, *v));
            }
        }
        let r = alpha_interval(&values);
        assert_eq!(r.n_units, 11);
        assert_eq!(r.n_pairable, 40);
        let a = r.alpha.unwrap();
        assert!((a - 0.849).abs() < 0.0005, "{a}");
        assert_eq!(r.meaning_key, "reliability.high");
    }

    #[test]
    fn alpha_edge_cases() {
        // Nothing pairable: a single judge per proposal.
        let single = t(&[(1, 10, 50.0), (1, 20, 60.0)]);
        let r = reliability(&single);
        assert_eq!((r.alpha, r.n_units, r.n_pairable), (None, 0, 0));
        assert_eq!(r.meaning_key, "reliability.not_enough_data");
        // All totals equal: no variation, undefined.
        let flat = t(&[(1, 10, 60.0), (2, 10, 60.0), (1, 20, 60.0), (2, 20, 60.0)]);
        assert_eq!(reliability(&flat).alpha, None);
        // Perfect agreement with variation.
        let perfect = t(&[(1, 10, 60.0), (2, 10, 60.0), (1, 20, 80.0), (2, 20, 80.0)]);
        assert!(close(reliability(&perfect).alpha.unwrap(), 1.0));
        // Systematic disagreement is worse than chance.
        let opposite = t(&[(1, 10, 20.0), (2, 10, 80.0), (1, 20, 80.0), (2, 20, 20.0)]);
        let r = reliability(&opposite);
        assert!(r.alpha.unwrap() < 0.0);
        assert_eq!(r.meaning_key, "reliability.low");
    }

    #[test]
    fn meanings() {
        assert_eq!(meaning_key(Some(0.8)), "reliability.high");
        assert_eq!(meaning_key(Some(0.7999)), "reliability.tentative");
        assert_eq!(meaning_key(Some(0.667)), "reliability.tentative");
        assert_eq!(meaning_key(Some(0.6669)), "reliability.low");
        assert_eq!(meaning_key(None), "reliability.not_enough_data");
        for a in [None, Some(1.0), Some(0.7), Some(0.1)] {
            assert!(RELIABILITY_KEYS.contains(&meaning_key(a)));
        }
    }

    #[test]
    fn alpha_per_criterion() {
        let rating = |judge, proposal, criterion: &str, score| CriterionRating {
            judge,
            proposal,
            criterion: criterion.into(),
            score,
        };
        let ratings = [
            rating(1, 10, "kebaruan", 8.0),
            rating(2, 10, "kebaruan", 8.0),
            rating(1, 20, "kebaruan", 3.0),
            rating(2, 20, "kebaruan", 3.0),
            rating(1, 10, "kemanfaatan", 9.0),
            rating(2, 10, "kemanfaatan", 2.0),
            rating(1, 20, "kemanfaatan", 2.0),
            rating(2, 20, "kemanfaatan", 9.0),
        ];
        let r = reliability_per_criterion(&ratings);
        assert_eq!(r.len(), 2);
        assert!(close(r["kebaruan"].alpha.unwrap(), 1.0));
        assert!(r["kemanfaatan"].alpha.unwrap() < 0.0);
    }

    #[test]
    fn leniency_per_judge() {
        let sheets = t(&[
            (1, 10, 80.0),
            (2, 10, 60.0),
            (3, 10, 70.0),
            (1, 20, 90.0),
            (2, 20, 70.0),
            // Judge 4's only proposal nobody else scored.
            (4, 30, 50.0),
        ]);
        let l = leniency(&sheets);
        assert_eq!(l.iter().map(|j| j.judge).collect::<Vec<_>>(), [1, 2, 3, 4]);
        // Judge 1: 80 − 65 = 15, 90 − 70 = 20 → 17.5.
        assert_eq!(l[0].n, 2);
        assert!(close(l[0].leniency.unwrap(), 17.5));
        // Judge 2: 60 − 75 = −15, 70 − 90 = −20 → −17.5.
        assert!(close(l[1].leniency.unwrap(), -17.5));
        // Judge 3: 70 − 70 = 0.
        assert_eq!((l[2].n, l[2].leniency), (1, Some(0.0)));
        assert_eq!((l[3].n, l[3].leniency), (0, None));
        assert!(leniency(&[]).is_empty());
    }
}
