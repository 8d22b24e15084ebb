//! Ranking within a category, combining stages into a final score, and promotion to the
//! next stage.
//!
//! A ranking never shares a place: a published list with two "3rd" places leaves the
//! committee to decide by hand, after the fact. Proposals are ordered by score, highest
//! first; equal scores are separated by the first of these rules that tells them apart:
//!
//! 1. [`TieRule::Criterion`] — the higher mean score on the heaviest criterion, then the
//!    next heaviest, and so on (equal weights in rubric order). What the rubric says matters
//!    most decides first.
//! 2. [`TieRule::Median`] — the higher median total: less swayed by one judge.
//! 3. [`TieRule::Agreement`] — fewer disagreement flags, then the smaller spread: the
//!    judges were surer.
//! 4. [`TieRule::SubmittedAt`] — the earlier submission (none counts as latest).
//! 5. [`TieRule::ProposalId`] — the lower proposal id, which always separates.
//!
//! Scores are compared after rounding to six decimals, so that two totals equal on paper
//! but apart by floating-point noise count as tied and go through the rules above.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::scoring::CriterionMean;
use crate::{Id, Instant, StageKind};

/// One proposal as the ranking sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankEntry {
    pub proposal: Id,
    pub score: f64,
    /// Mean criterion scores with their weights ([`crate::scoring::criterion_means`]).
    pub criteria: Vec<CriterionMean>,
    pub median: f64,
    /// Disagreement flags (one per stage or aggregate that raised one).
    pub disagreements: u32,
    pub spread: f64,
    pub submitted_at: Option<Instant>,
}

/// The rule that separated two equal scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TieRule {
    Criterion,
    Median,
    Agreement,
    SubmittedAt,
    ProposalId,
}

impl TieRule {
    pub const ALL: &'static [TieRule] = &[
        TieRule::Criterion,
        TieRule::Median,
        TieRule::Agreement,
        TieRule::SubmittedAt,
        TieRule::ProposalId,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            TieRule::Criterion => "criterion",
            TieRule::Median => "median",
            TieRule::Agreement => "agreement",
            TieRule::SubmittedAt => "submitted_at",
            TieRule::ProposalId => "proposal_id",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| r.as_str() == s)
    }
    pub fn label_key(self) -> &'static str {
        match self {
            TieRule::Criterion => "tie_rule.criterion",
            TieRule::Median => "tie_rule.median",
            TieRule::Agreement => "tie_rule.agreement",
            TieRule::SubmittedAt => "tie_rule.submitted_at",
            TieRule::ProposalId => "tie_rule.proposal_id",
        }
    }
}

/// A place in a category's ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked {
    pub proposal: Id,
    /// 1-based and unique within the ranking.
    pub rank: usize,
    pub score: f64,
    /// When this entry's score equals a neighbour's: the rule that decided between them —
    /// against the entry directly above if tied with it, otherwise against the one directly
    /// below. `None` when the score alone placed it.
    pub tie_break: Option<TieRule>,
    /// With [`TieRule::Criterion`]: the code of the criterion that decided.
    pub tie_criterion: Option<String>,
}

fn q(x: f64) -> i64 {
    // Saturating cast: NaN becomes 0, which is harmless in an ordering.
    (x * 1e6).round() as i64
}

/// Higher first; a missing value is below any value.
fn higher_first(a: Option<f64>, b: Option<f64>) -> Ordering {
    b.map(q).cmp(&a.map(q))
}

type Decision = (Ordering, Option<(TieRule, Option<String>)>);

/// The criteria in tie-break order: heaviest first, equal weights in rubric order. Taken
/// from all entries at once (codes in first-seen order) so that every pair of entries is
/// compared on the same sequence — a sort needs a consistent order even if some entry's
/// list were incomplete.
fn criterion_order(entries: &[RankEntry]) -> Vec<(String, u32)> {
    let mut order: Vec<(String, u32)> = Vec::new();
    for c in entries.iter().flat_map(|e| &e.criteria) {
        if !order.iter().any(|(code, _)| *code == c.code) {
            order.push((c.code.clone(), c.weight_bp));
        }
    }
    // Stable: equal weights keep rubric order.
    order.sort_by_key(|(_, w)| std::cmp::Reverse(*w));
    order
}

fn mean_of(e: &RankEntry, code: &str) -> Option<f64> {
    e.criteria
        .iter()
        .find(|c| c.code == code)
        .and_then(|c| c.mean)
}

/// `Less` when `a` ranks above `b`; with the deciding rule when their scores are equal.
fn compare(a: &RankEntry, b: &RankEntry, criteria: &[(String, u32)]) -> Decision {
    let by_score = higher_first(Some(a.score), Some(b.score));
    if by_score != Ordering::Equal {
        return (by_score, None);
    }
    for (code, _) in criteria {
        let o = higher_first(mean_of(a, code), mean_of(b, code));
        if o != Ordering::Equal {
            return (o, Some((TieRule::Criterion, Some(code.clone()))));
        }
    }
    let steps: [(TieRule, Ordering); 4] = [
        (
            TieRule::Median,
            higher_first(Some(a.median), Some(b.median)),
        ),
        (
            TieRule::Agreement,
            a.disagreements
                .cmp(&b.disagreements)
                .then(q(a.spread).cmp(&q(b.spread))),
        ),
        (
            TieRule::SubmittedAt,
            match (a.submitted_at, b.submitted_at) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
        ),
        (TieRule::ProposalId, a.proposal.cmp(&b.proposal)),
    ];
    for (rule, o) in steps {
        if o != Ordering::Equal {
            return (o, Some((rule, None)));
        }
    }
    (Ordering::Equal, None)
}

/// The category's ranking, best first (see the module documentation for the rules).
/// Proposal ids are expected to be unique.
pub fn rank_category(entries: &[RankEntry]) -> Vec<Ranked> {
    let criteria = criterion_order(entries);
    let mut sorted: Vec<&RankEntry> = entries.iter().collect();
    sorted.sort_by(|a, b| compare(a, b, &criteria).0);
    let decided = |i: usize, j: usize| compare(sorted[i], sorted[j], &criteria).1;
    (0..sorted.len())
        .map(|i| {
            let above = i.checked_sub(1).and_then(|j| decided(j, i));
            let why = above.or_else(|| (i + 1 < sorted.len()).then(|| decided(i, i + 1)).flatten());
            let (tie_break, tie_criterion) = match why {
                Some((rule, criterion)) => (Some(rule), criterion),
                None => (None, None),
            };
            RankEntry::ranked(sorted[i], i + 1, tie_break, tie_criterion)
        })
        .collect()
}

impl RankEntry {
    fn ranked(
        &self,
        rank: usize,
        tie_break: Option<TieRule>,
        tie_criterion: Option<String>,
    ) -> Ranked {
        Ranked {
            proposal: self.proposal,
            rank,
            score: self.score,
            tie_break,
            tie_criterion,
        }
    }
}

/// Why stage weights were refused; `key()` is the catalogue key of its message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StageWeightError {
    #[error("no stage is weighted")]
    Empty,
    #[error("{0}: weighted twice")]
    Duplicate(StageKind),
    #[error("{0}: a weight of 0 is not a weight; leave the stage out")]
    Zero(StageKind),
    #[error("stage weights add up to {0} basis points, not 10000")]
    Sum(u64),
}

impl StageWeightError {
    pub fn key(&self) -> &'static str {
        match self {
            StageWeightError::Empty => "stage_weight.error_empty",
            StageWeightError::Duplicate(_) => "stage_weight.error_duplicate",
            StageWeightError::Zero(_) => "stage_weight.error_zero",
            StageWeightError::Sum(_) => "stage_weight.error_sum",
        }
    }
}

/// Every key `StageWeightError::key` can return.
pub const STAGE_WEIGHT_ERROR_KEYS: &[&str] = &[
    "stage_weight.error_empty",
    "stage_weight.error_duplicate",
    "stage_weight.error_zero",
    "stage_weight.error_sum",
];

/// Checks stage weights (basis points, summing to exactly 10000).
pub fn validate_stage_weights(weights: &[(StageKind, u32)]) -> Result<(), StageWeightError> {
    if weights.is_empty() {
        return Err(StageWeightError::Empty);
    }
    for (i, (stage, w)) in weights.iter().enumerate() {
        if weights[..i].iter().any(|(s, _)| s == stage) {
            return Err(StageWeightError::Duplicate(*stage));
        }
        if *w == 0 {
            return Err(StageWeightError::Zero(*stage));
        }
    }
    let sum: u64 = weights.iter().map(|(_, w)| u64::from(*w)).sum();
    if sum != 10_000 {
        return Err(StageWeightError::Sum(sum));
    }
    Ok(())
}

/// One proposal's place after combining the stages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Combined {
    pub proposal: Id,
    /// 1-based, unique.
    pub position: usize,
    /// `Σ weight × stage score / 10000`; only for proposals with a score in every weighted
    /// stage.
    pub final_score: Option<f64>,
    /// The last weighted stage (in the edition's stage order) the proposal has a score for.
    pub reached: Option<StageKind>,
    pub reached_score: Option<f64>,
}

/// Combines per-stage scores (each on 0–100) into a final score. Weights are not
/// renormalised over the stages a proposal happens to have: a proposal that did not reach a
/// weighted stage gets no final score. The order is: proposals with a final score, highest
/// first; then the others, those that reached a later stage above those that stopped
/// earlier, each group by its last stage's score; then those with no score at all. Equal
/// scores fall back to the lower proposal id — for the full tie-break rules, feed the
/// final scores into [`rank_category`].
pub fn combine_stages(
    weights: &[(StageKind, u32)],
    per_stage: &BTreeMap<Id, BTreeMap<StageKind, f64>>,
) -> Result<Vec<Combined>, StageWeightError> {
    validate_stage_weights(weights)?;
    let mut out: Vec<Combined> = per_stage
        .iter()
        .map(|(&proposal, stages)| {
            let scored = |s: &StageKind| stages.get(s).copied().filter(|v| v.is_finite());
            let final_score = weights
                .iter()
                .map(|(s, w)| scored(s).map(|v| f64::from(*w) * v / 10_000.0))
                .sum::<Option<f64>>();
            let reached = weights
                .iter()
                .map(|(s, _)| *s)
                .filter(|s| scored(s).is_some())
                .max();
            Combined {
                proposal,
                position: 0,
                final_score,
                reached,
                reached_score: reached.as_ref().and_then(scored),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        // Completed all weighted stages, then how far a proposal got, then its score.
        b.final_score
            .is_some()
            .cmp(&a.final_score.is_some())
            .then_with(|| higher_first(a.final_score, b.final_score))
            .then_with(|| b.reached.cmp(&a.reached))
            .then_with(|| higher_first(a.reached_score, b.reached_score))
            .then_with(|| a.proposal.cmp(&b.proposal))
    });
    for (i, c) in out.iter_mut().enumerate() {
        c.position = i + 1;
    }
    Ok(out)
}

/// Who goes on to the next stage, per category.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Promotion {
    /// The best N of each category.
    TopN(usize),
    /// Everyone whose score reaches the grade (inclusive; e.g. KIPP's desk grade of 85).
    PassingGrade(f64),
    /// The best N among those who reach the grade.
    Both { top_n: usize, passing_grade: f64 },
}

/// The proposals promoted, category by category in the order given, each in rank order.
/// Because places are never shared, a tie at the cut-off has already been settled by the
/// tie-break rules: `TopN(n)` promotes exactly `n` (or all, if fewer), and the proposal the
/// rules put below the line stays out. A passing grade compares the score as ranked.
pub fn promote(categories: &[Vec<Ranked>], rule: Promotion) -> Vec<Id> {
    let (top_n, grade) = match rule {
        Promotion::TopN(n) => (n, None),
        Promotion::PassingGrade(g) => (usize::MAX, Some(g)),
        Promotion::Both {
            top_n,
            passing_grade,
        } => (top_n, Some(passing_grade)),
    };
    let mut out = Vec::new();
    for ranking in categories {
        let mut ordered: Vec<&Ranked> = ranking.iter().collect();
        ordered.sort_by_key(|r| r.rank);
        out.extend(
            ordered
                .into_iter()
                .filter(|r| grade.is_none_or(|g| q(r.score) >= q(g)))
                .take(top_n)
                .map(|r| r.proposal),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(proposal: Id, score: f64) -> RankEntry {
        RankEntry {
            proposal,
            score,
            criteria: vec![
                CriterionMean {
                    code: "penyajian".into(),
                    weight_bp: 1000,
                    mean: Some(5.0),
                },
                CriterionMean {
                    code: "kebaruan".into(),
                    weight_bp: 3000,
                    mean: Some(5.0),
                },
                CriterionMean {
                    code: "kemanfaatan".into(),
                    weight_bp: 3000,
                    mean: Some(5.0),
                },
            ],
            median: score,
            disagreements: 0,
            spread: 0.0,
            submitted_at: Some(Instant(1_000)),
        }
    }

    fn view(r: &[Ranked]) -> Vec<(Id, usize, Option<TieRule>)> {
        r.iter()
            .map(|x| (x.proposal, x.rank, x.tie_break))
            .collect()
    }

    #[test]
    fn codes_and_labels() {
        for &r in TieRule::ALL {
            assert_eq!(TieRule::parse(r.as_str()), Some(r));
            assert_eq!(r.label_key(), format!("tie_rule.{}", r.as_str()));
        }
    }

    #[test]
    fn score_decides_when_it_can() {
        let r = rank_category(&[entry(1, 70.0), entry(2, 90.0), entry(3, 80.0)]);
        assert_eq!(view(&r), [(2, 1, None), (3, 2, None), (1, 3, None)]);
        assert!(rank_category(&[]).is_empty());
        assert_eq!(view(&rank_category(&[entry(7, 0.0)])), [(7, 1, None)]);
    }

    #[test]
    fn heaviest_criterion_first_equal_weights_in_rubric_order() {
        let mut a = entry(1, 80.0);
        let mut b = entry(2, 80.0);
        // b is better on the lighter criterion, a on the second of the two heaviest.
        b.criteria[0].mean = Some(9.0);
        a.criteria[2].mean = Some(6.0);
        let r = rank_category(&[b.clone(), a.clone()]);
        assert_eq!(
            view(&r),
            [
                (1, 1, Some(TieRule::Criterion)),
                (2, 2, Some(TieRule::Criterion))
            ]
        );
        assert_eq!(r[0].tie_criterion.as_deref(), Some("kemanfaatan"));
        // kebaruan comes before kemanfaatan (same weight, earlier in the rubric).
        b.criteria[1].mean = Some(5.5);
        let r = rank_category(&[a, b]);
        assert_eq!(r[0].proposal, 2);
        assert_eq!(r[0].tie_criterion.as_deref(), Some("kebaruan"));
        // A criterion nobody scored is below any score.
        let mut c = entry(3, 80.0);
        let mut d = entry(4, 80.0);
        c.criteria[1].mean = None;
        d.criteria[1].mean = Some(1.0);
        assert_eq!(rank_category(&[c, d])[0].proposal, 4);
    }

    #[test]
    fn later_rules_in_order() {
        let base = |id| entry(id, 75.0);
        // Median.
        let mut a = base(1);
        a.median = 74.0;
        let r = rank_category(&[a.clone(), base(2)]);
        assert_eq!(
            view(&r),
            [(2, 1, Some(TieRule::Median)), (1, 2, Some(TieRule::Median))]
        );
        // Agreement: fewer flags beat a smaller spread.
        let mut a = base(1);
        let mut b = base(2);
        a.disagreements = 1;
        b.spread = 30.0;
        let r = rank_category(&[a, b]);
        assert_eq!(
            (r[0].proposal, r[0].tie_break),
            (2, Some(TieRule::Agreement))
        );
        let mut b = base(2);
        b.spread = 5.0;
        let r = rank_category(&[base(1), b]);
        assert_eq!(
            (r[0].proposal, r[0].tie_break),
            (1, Some(TieRule::Agreement))
        );
        // Submission: earlier first, none last.
        let mut a = base(1);
        a.submitted_at = Some(Instant(2_000));
        let r = rank_category(&[a.clone(), base(2)]);
        assert_eq!(
            (r[0].proposal, r[0].tie_break),
            (2, Some(TieRule::SubmittedAt))
        );
        let mut b = base(2);
        b.submitted_at = None;
        assert_eq!(rank_category(&[b, a])[0].proposal, 1);
        // Identical in everything: the lower id.
        let r = rank_category(&[base(9), base(3)]);
        assert_eq!(
            view(&r),
            [
                (3, 1, Some(TieRule::ProposalId)),
                (9, 2, Some(TieRule::ProposalId))
            ]
        );
    }

    #[test]
    fn an_entry_without_a_criterion_is_below_one_with_it() {
        let mut a = entry(1, 50.0);
        a.criteria.retain(|c| c.code != "kebaruan");
        let b = entry(2, 50.0);
        let r = rank_category(&[a, b, entry(3, 50.0)]);
        assert_eq!(r.iter().map(|x| x.proposal).collect::<Vec<_>>(), [2, 3, 1]);
        assert_eq!(r[2].tie_criterion.as_deref(), Some("kebaruan"));
    }

    #[test]
    fn all_equal_never_share_a_place() {
        let entries: Vec<RankEntry> = (1..=4).rev().map(|id| entry(id, 60.0)).collect();
        let r = rank_category(&entries);
        assert_eq!(
            r.iter().map(|x| (x.proposal, x.rank)).collect::<Vec<_>>(),
            [(1, 1), (2, 2), (3, 3), (4, 4)]
        );
        assert!(r.iter().all(|x| x.tie_break == Some(TieRule::ProposalId)));
    }

    #[test]
    fn floating_noise_is_a_tie() {
        let a = entry(1, 0.1 + 0.2);
        let mut b = entry(2, 0.3);
        b.median = 1.0;
        let r = rank_category(&[a, b]);
        assert_eq!((r[0].proposal, r[0].tie_break), (2, Some(TieRule::Median)));
    }

    #[test]
    fn tie_inside_a_list_is_reported_on_both_and_only_them() {
        let mut b = entry(2, 80.0);
        b.median = 81.0;
        let r = rank_category(&[entry(1, 90.0), b, entry(3, 80.0), entry(4, 10.0)]);
        assert_eq!(
            view(&r),
            [
                (1, 1, None),
                (2, 2, Some(TieRule::Median)),
                (3, 3, Some(TieRule::Median)),
                (4, 4, None)
            ]
        );
    }

    fn stages(list: &[(Id, &[(StageKind, f64)])]) -> BTreeMap<Id, BTreeMap<StageKind, f64>> {
        list.iter()
            .map(|(p, s)| (*p, s.iter().copied().collect()))
            .collect()
    }

    #[test]
    fn combining_stages() {
        use StageKind::*;
        let w = [(Penilaian, 4000), (PresentasiWawancara, 6000)];
        let per = stages(&[
            (1, &[(Penilaian, 90.0)]),
            (2, &[(Penilaian, 80.0), (PresentasiWawancara, 70.0)]),
            (3, &[(Penilaian, 60.0), (PresentasiWawancara, 90.0)]),
            (4, &[(Penilaian, 95.0)]),
            (5, &[]),
            (6, &[(Penilaian, 50.0), (VerifikasiLapangan, 99.0)]),
        ]);
        let c = combine_stages(&w, &per).unwrap();
        let order: Vec<(Id, Option<f64>, Option<StageKind>)> = c
            .iter()
            .map(|x| (x.proposal, x.final_score, x.reached))
            .collect();
        assert_eq!(
            order,
            [
                (3, Some(78.0), Some(PresentasiWawancara)),
                (2, Some(74.0), Some(PresentasiWawancara)),
                (4, None, Some(Penilaian)),
                (1, None, Some(Penilaian)),
                // An unweighted stage does not count as reached.
                (6, None, Some(Penilaian)),
                (5, None, None),
            ]
        );
        assert_eq!(
            c.iter().map(|x| x.position).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5, 6]
        );
        assert_eq!(c[2].reached_score, Some(95.0));
        // Whoever got further ranks higher; among those who stopped at the same stage, that
        // stage's score decides.
        let w3 = [
            (Penilaian, 3000),
            (PresentasiWawancara, 3000),
            (VerifikasiLapangan, 4000),
        ];
        let c = combine_stages(&w3, &per).unwrap();
        assert_eq!(
            c.iter().map(|x| x.proposal).collect::<Vec<_>>(),
            [6, 3, 2, 4, 1, 5]
        );
        assert!(c.iter().all(|x| x.final_score.is_none()));
    }

    #[test]
    fn stage_weight_refusals() {
        use StageKind::*;
        let per = BTreeMap::new();
        let err = |w: &[(StageKind, u32)]| combine_stages(w, &per).unwrap_err();
        assert_eq!(err(&[]), StageWeightError::Empty);
        assert_eq!(
            err(&[(Penilaian, 5000), (Penilaian, 5000)]),
            StageWeightError::Duplicate(Penilaian)
        );
        assert_eq!(
            err(&[(Penilaian, 10000), (VerifikasiLapangan, 0)]),
            StageWeightError::Zero(VerifikasiLapangan)
        );
        assert_eq!(err(&[(Penilaian, 9000)]), StageWeightError::Sum(9000));
        assert!(STAGE_WEIGHT_ERROR_KEYS.contains(&StageWeightError::Sum(0).key()));
        assert_eq!(combine_stages(&[(Penilaian, 10000)], &per), Ok(vec![]));
    }

    fn ranked(list: &[(Id, f64)]) -> Vec<Ranked> {
        rank_category(&list.iter().map(|&(p, s)| entry(p, s)).collect::<Vec<_>>())
    }

    #[test]
    fn promotion() {
        let a = ranked(&[(1, 90.0), (2, 85.0), (3, 85.0), (4, 70.0)]);
        let b = ranked(&[(10, 84.99), (11, 86.0)]);
        let cats = [a, b];
        // The tie at the cut-off between 2 and 3 goes to the lower id here.
        assert_eq!(promote(&cats, Promotion::TopN(2)), [1, 2, 11, 10]);
        assert_eq!(promote(&cats, Promotion::PassingGrade(85.0)), [1, 2, 3, 11]);
        assert_eq!(
            promote(
                &cats,
                Promotion::Both {
                    top_n: 1,
                    passing_grade: 86.5
                }
            ),
            [1]
        );
        assert_eq!(promote(&cats, Promotion::TopN(0)), Vec::<Id>::new());
        assert_eq!(promote(&cats, Promotion::TopN(10)).len(), 6);
        // Order of the input within a category does not matter.
        let mut rev = cats[0].clone();
        rev.reverse();
        assert_eq!(promote(&[rev], Promotion::TopN(2)), [1, 2]);
        assert_eq!(
            serde_json::to_string(&Promotion::Both {
                top_n: 10,
                passing_grade: 85.0
            })
            .unwrap(),
            r#"{"both":{"top_n":10,"passing_grade":85.0}}"#
        );
    }
}
