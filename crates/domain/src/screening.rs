//! Administrative screening (seleksi administrasi): the automatic checks a submitted
//! proposal goes through before the committee decides, and the decisions themselves.
//! Attachments are not checked: proposals have none yet.

use serde::{Deserialize, Serialize};

use crate::LocalDateTime;
use crate::edition::{EligibilityRules, Problem, months_in_operation, parse_year_month};
use crate::model::ProposalState;
use crate::proposal::ProposalContent;

/// The outcome of one automatic check. A warning passes but asks the committee to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Stable code: `sections`, `word_limits`, `atm`, `values_sdgs`, `indicators`,
    /// `min_months`, `recent_winner`, `duplicate_title`.
    pub code: &'static str,
    pub passed: bool,
    pub warning: bool,
    /// Catalogue key of what the check found.
    pub detail_key: &'static str,
}

impl CheckResult {
    fn pass(code: &'static str, detail_key: &'static str) -> CheckResult {
        CheckResult {
            code,
            passed: true,
            warning: false,
            detail_key,
        }
    }
    fn fail(code: &'static str, detail_key: &'static str) -> CheckResult {
        CheckResult {
            code,
            passed: false,
            warning: false,
            detail_key,
        }
    }
    fn warn(code: &'static str, detail_key: &'static str) -> CheckResult {
        CheckResult {
            code,
            passed: true,
            warning: true,
            detail_key,
        }
    }
    /// Catalogue key of the check's name.
    pub fn label_key(&self) -> String {
        format!("screening.check_{}", self.code)
    }
}

/// Title comparison ignores case and runs of white space.
pub fn normalize_title(title: &str) -> String {
    title
        .split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

fn any_problem(problems: &[Problem], pred: impl Fn(&Problem) -> bool) -> bool {
    problems.iter().any(pred)
}

/// Runs every automatic check on a proposal's content. `close_of_submission_local` is the
/// close of the `pengajuan_proposal` stage in the edition's time zone (the innovation's age
/// counts back from it); `recent_winner`: the unit won in one of the last
/// `rules.no_winner_within_editions` editions; `same_title_elsewhere`: another proposal
/// (submitted or later, any edition) carries the same title.
pub fn auto_checks(
    content: &ProposalContent,
    categories: &[&str],
    rules: &EligibilityRules,
    close_of_submission_local: Option<LocalDateTime>,
    recent_winner: bool,
    same_title_elsewhere: bool,
) -> Vec<CheckResult> {
    let problems = content.completeness(categories);
    let mut out = Vec::new();

    let missing = any_problem(&problems, |p| {
        matches!(
            p.key,
            "proposal.error_required"
                | "proposal.error_category"
                | "proposal.error_stage"
                | "proposal.error_started_on"
                | "proposal.error_implemented_on"
        )
    });
    out.push(if missing {
        CheckResult::fail("sections", "screening.detail_sections_missing")
    } else {
        CheckResult::pass("sections", "screening.detail_ok")
    });

    let too_long = any_problem(&problems, |p| {
        matches!(
            p.key,
            "proposal.error_word_limit" | "proposal.error_title_long"
        )
    });
    out.push(if too_long {
        CheckResult::fail("word_limits", "screening.detail_word_limits")
    } else {
        CheckResult::pass("word_limits", "screening.detail_ok")
    });

    let atm = any_problem(&problems, |p| p.key == "proposal.error_atm_incomplete");
    out.push(if atm {
        CheckResult::fail("atm", "screening.detail_atm")
    } else {
        CheckResult::pass("atm", "screening.detail_ok")
    });

    let values = any_problem(&problems, |p| p.field == "values" || p.field == "sdgs");
    out.push(if values {
        CheckResult::fail("values_sdgs", "screening.detail_values_sdgs")
    } else {
        CheckResult::pass("values_sdgs", "screening.detail_ok")
    });

    let parsed: Vec<_> = content.indicators.iter().map(|i| i.parse()).collect();
    out.push(if parsed.iter().any(Result::is_err) {
        CheckResult::fail("indicators", "screening.detail_indicators_invalid")
    } else if parsed.is_empty() {
        CheckResult::fail("indicators", "screening.detail_indicators_none")
    } else if parsed
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .any(|i| i.change().worse)
    {
        // "An innovation must never lengthen the service" is the jury's to weigh, but
        // screening must see it.
        CheckResult::warn("indicators", "screening.detail_indicators_worse")
    } else {
        CheckResult::pass("indicators", "screening.detail_ok")
    });

    let min = rules.min_months_in_operation;
    out.push(if min == 0 {
        CheckResult::pass("min_months", "screening.detail_rule_off")
    } else {
        match (
            parse_year_month(&content.started_on),
            close_of_submission_local,
        ) {
            (Some(started), Some(close))
                if months_in_operation(started, close) >= i64::from(min) =>
            {
                CheckResult::pass("min_months", "screening.detail_ok")
            }
            (Some(_), Some(_)) => CheckResult::fail("min_months", "screening.detail_too_young"),
            (None, _) => CheckResult::fail("min_months", "screening.detail_no_start"),
            (_, None) => CheckResult::fail("min_months", "screening.detail_no_close"),
        }
    });

    out.push(if rules.no_winner_within_editions == 0 {
        CheckResult::pass("recent_winner", "screening.detail_rule_off")
    } else if recent_winner {
        CheckResult::fail("recent_winner", "screening.detail_recent_winner")
    } else {
        CheckResult::pass("recent_winner", "screening.detail_ok")
    });

    out.push(if same_title_elsewhere {
        CheckResult::fail("duplicate_title", "screening.detail_duplicate_title")
    } else {
        CheckResult::pass("duplicate_title", "screening.detail_ok")
    });
    out
}

/// (passed, failed, warnings) of a set of checks.
pub fn summary(checks: &[CheckResult]) -> (usize, usize, usize) {
    let failed = checks.iter().filter(|c| !c.passed).count();
    let warnings = checks.iter().filter(|c| c.warning).count();
    (checks.len() - failed, failed, warnings)
}

/// The committee's decision on a submitted proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Pass,
    Return,
    Reject,
}

pub const RETURN_REASON_MIN_CHARS: usize = 10;
pub const REASON_MAX_CHARS: usize = 2000;

impl Decision {
    pub const ALL: [Decision; 3] = [Decision::Pass, Decision::Return, Decision::Reject];
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Pass => "pass",
            Decision::Return => "return",
            Decision::Reject => "reject",
        }
    }
    pub fn parse(s: &str) -> Option<Decision> {
        Decision::ALL.into_iter().find(|d| d.as_str() == s.trim())
    }
    pub fn label_key(self) -> &'static str {
        match self {
            Decision::Pass => "screening.decision_pass",
            Decision::Return => "screening.decision_return",
            Decision::Reject => "screening.decision_reject",
        }
    }
    /// The state a proposal takes when the decision is applied.
    pub fn target_state(self) -> ProposalState {
        match self {
            Decision::Pass => ProposalState::PassedScreening,
            Decision::Return => ProposalState::Returned,
            Decision::Reject => ProposalState::Rejected,
        }
    }
    /// Return needs reasons of at least 10 characters, reject needs reasons, pass may carry
    /// notes. Returns the catalogue key of the refusal.
    pub fn check_reasons(self, reasons: &str) -> Result<(), &'static str> {
        let n = reasons.trim().chars().count();
        if n > REASON_MAX_CHARS {
            return Err("screening.error_reasons_long");
        }
        match self {
            Decision::Return if n < RETURN_REASON_MIN_CHARS => {
                Err("screening.error_reasons_return")
            }
            Decision::Reject if n == 0 => Err("screening.error_reasons_reject"),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proposal::IndicatorInput;

    fn complete() -> ProposalContent {
        let w = |n| vec!["kata"; n].join(" ");
        ProposalContent {
            title: "Sapa Poli".into(),
            category: "kesehatan".into(),
            innovation_stage: "penerapan".into(),
            started_on: "2021-02".into(),
            implemented_on: "2021-06".into(),
            summary: w(20),
            problem: w(20),
            idea: w(20),
            novelty: w(20),
            stakeholders: w(20),
            resources: w(20),
            sustainability: w(20),
            replicability: w(20),
            results: w(20),
            values: vec!["akuntabel".into()],
            sdgs: vec![3],
            indicators: vec![IndicatorInput {
                kind: "steps".into(),
                before: "5".into(),
                after: "3".into(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn close() -> LocalDateTime {
        LocalDateTime {
            year: 2022,
            month: 10,
            day: 31,
            hour: 16,
            minute: 0,
        }
    }

    fn run(c: &ProposalContent, winner: bool, dup: bool) -> Vec<CheckResult> {
        let rules = EligibilityRules {
            min_months_in_operation: 12,
            no_winner_within_editions: 2,
            max_proposals_per_unit: 3,
        };
        auto_checks(c, &["kesehatan"], &rules, Some(close()), winner, dup)
    }

    fn get(checks: &[CheckResult], code: &str) -> CheckResult {
        *checks.iter().find(|c| c.code == code).unwrap()
    }

    #[test]
    fn a_complete_proposal_passes_everything() {
        let checks = run(&complete(), false, false);
        assert!(checks.iter().all(|c| c.passed && !c.warning), "{checks:?}");
        assert_eq!(summary(&checks), (8, 0, 0));
    }

    #[test]
    fn missing_sections_and_word_limits_fail_separately() {
        let mut c = complete();
        c.idea.clear();
        c.summary = vec!["x"; 201].join(" ");
        let checks = run(&c, false, false);
        assert!(!get(&checks, "sections").passed);
        assert!(!get(&checks, "word_limits").passed);
        assert!(get(&checks, "atm").passed);
        c.atm_innovation = "Lahir Procot".into();
        assert!(!get(&run(&c, false, false), "atm").passed);
    }

    #[test]
    fn worse_indicators_warn_but_pass_and_broken_ones_fail() {
        let mut c = complete();
        c.indicators[0].after = "7".into();
        let i = get(&run(&c, false, false), "indicators");
        assert!(i.passed && i.warning);
        assert_eq!(i.detail_key, "screening.detail_indicators_worse");
        c.indicators[0].after = "tujuh".into();
        assert!(!get(&run(&c, false, false), "indicators").passed);
        c.indicators.clear();
        assert!(!get(&run(&c, false, false), "indicators").passed);
    }

    #[test]
    fn eligibility_counts_months_back_from_the_close() {
        let mut c = complete();
        c.started_on = "2021-10".into();
        assert!(get(&run(&c, false, false), "min_months").passed);
        c.started_on = "2021-11".into();
        assert!(!get(&run(&c, false, false), "min_months").passed);
        let rules = EligibilityRules {
            min_months_in_operation: 0,
            ..EligibilityRules::default()
        };
        let checks = auto_checks(&c, &["kesehatan"], &rules, None, true, false);
        assert!(get(&checks, "min_months").passed);
        let none = auto_checks(
            &complete(),
            &["kesehatan"],
            &EligibilityRules::default(),
            None,
            false,
            false,
        );
        assert_eq!(
            get(&none, "min_months").detail_key,
            "screening.detail_no_close"
        );
    }

    #[test]
    fn recent_winners_and_duplicate_titles_fail() {
        let checks = run(&complete(), true, true);
        assert!(!get(&checks, "recent_winner").passed);
        assert!(!get(&checks, "duplicate_title").passed);
        assert_eq!(summary(&checks), (6, 2, 0));
    }

    #[test]
    fn titles_compare_without_case_or_spacing() {
        assert_eq!(
            normalize_title("  Sapa   POLI\t(Online) "),
            "sapa poli (online)"
        );
    }

    #[test]
    fn decisions_and_their_reasons() {
        assert_eq!(Decision::parse("return"), Some(Decision::Return));
        assert_eq!(Decision::parse("maybe"), None);
        assert_eq!(
            Decision::Pass.target_state(),
            ProposalState::PassedScreening
        );
        assert_eq!(Decision::Return.target_state(), ProposalState::Returned);
        assert_eq!(Decision::Reject.target_state(), ProposalState::Rejected);
        assert!(Decision::Pass.check_reasons("").is_ok());
        assert!(Decision::Return.check_reasons("terlalu").is_err());
        assert!(
            Decision::Return
                .check_reasons("indikator belum lengkap")
                .is_ok()
        );
        assert!(Decision::Reject.check_reasons("  ").is_err());
        assert!(Decision::Reject.check_reasons("ganda").is_ok());
    }
}
