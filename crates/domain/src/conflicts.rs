//! Conflicts of interest between judges and proposals that follow from known facts, and the
//! expertise affinity the assignment solver maximises.
//!
//! Both are plain functions of their inputs: the app layer gathers the facts (unit ties,
//! institutions, field visits, expertise tags, proposal texts) and stores the answers.

use std::collections::{BTreeSet, HashMap};

use crate::Id;

/// Lower-case with every run of whitespace folded to one space and the ends trimmed, so
/// `"  Dinas   Kesehatan "` and `"dinas kesehatan"` compare equal.
pub fn fold(s: &str) -> String {
    s.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A unit of the registry, as far as conflicts care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitNode {
    pub id: Id,
    pub parent_id: Option<Id>,
    pub name: String,
}

/// What is known about one judge.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JudgeFacts {
    pub judge_id: Id,
    /// The judge's account, to match field visits.
    pub user_id: Id,
    /// Where the judge works (the pool's `institution`).
    pub institution: String,
    /// Further institutions the judge is tied to.
    pub institution_ties: Vec<String>,
    /// Units of the registry the judge is tied to.
    pub unit_ties: Vec<Id>,
}

/// One proposal and its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProposalFacts {
    pub proposal_id: Id,
    pub unit_id: Id,
}

/// Why an automatic conflict exists; `code()` is what is stored as the conflict's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AutoReason {
    /// Tied to the proposal's own unit.
    TieUnit,
    /// Tied to the unit above the proposal's unit.
    TieParent,
    /// Tied to a unit under the proposal's unit (at any depth).
    TieChild,
    /// The judge's institution (or an institution tie) is the proposal's unit or its parent.
    Institution,
    /// The judge visited the proposal in an earlier stage of the edition.
    EarlierVisit,
}

impl AutoReason {
    pub const ALL: &'static [AutoReason] = &[
        AutoReason::TieUnit,
        AutoReason::TieParent,
        AutoReason::TieChild,
        AutoReason::Institution,
        AutoReason::EarlierVisit,
    ];
    pub fn code(self) -> &'static str {
        match self {
            AutoReason::TieUnit => "tie_unit",
            AutoReason::TieParent => "tie_parent",
            AutoReason::TieChild => "tie_child",
            AutoReason::Institution => "institution",
            AutoReason::EarlierVisit => "earlier_visit",
        }
    }
    pub fn parse(code: &str) -> Option<AutoReason> {
        AutoReason::ALL.iter().copied().find(|r| r.code() == code)
    }
}

/// One automatic conflict: the first reason found (in `AutoReason` order) names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct AutoConflict {
    pub judge_id: Id,
    pub proposal_id: Id,
    pub reason: AutoReason,
}

/// Every automatic conflict between `judges` and `proposals`, sorted by judge then proposal.
///
/// A judge conflicts with a proposal when the judge is tied to the proposal's unit, to its
/// parent, or to a unit under it; when the judge's institution or one of the judge's
/// institution ties equals (case- and space-folded) the name of the proposal's unit or of
/// its parent; or when `visits` holds `(judge's user, proposal)` — the caller passes only
/// visits made in an earlier stage of the edition.
pub fn automatic(
    judges: &[JudgeFacts],
    proposals: &[ProposalFacts],
    units: &[UnitNode],
    visits: &[(Id, Id)],
) -> Vec<AutoConflict> {
    let by_id: HashMap<Id, &UnitNode> = units.iter().map(|u| (u.id, u)).collect();
    let parent = |id: Id| by_id.get(&id).and_then(|u| u.parent_id);
    // Is `unit` strictly under `ancestor`? Bounded walk: a cycle cannot loop forever.
    let is_under = |unit: Id, ancestor: Id| {
        let mut cur = parent(unit);
        for _ in 0..=units.len() {
            match cur {
                Some(p) if p == ancestor => return true,
                Some(p) => cur = parent(p),
                None => return false,
            }
        }
        false
    };
    let mut out = Vec::new();
    for j in judges {
        let institutions: BTreeSet<String> = std::iter::once(&j.institution)
            .chain(j.institution_ties.iter())
            .map(|s| fold(s))
            .filter(|s| !s.is_empty())
            .collect();
        for p in proposals {
            let unit_parent = parent(p.unit_id);
            let reason = if j.unit_ties.contains(&p.unit_id) {
                Some(AutoReason::TieUnit)
            } else if unit_parent.is_some_and(|up| j.unit_ties.contains(&up)) {
                Some(AutoReason::TieParent)
            } else if j.unit_ties.iter().any(|&t| is_under(t, p.unit_id)) {
                Some(AutoReason::TieChild)
            } else if std::iter::once(p.unit_id)
                .chain(unit_parent)
                .filter_map(|u| by_id.get(&u))
                .any(|u| institutions.contains(&fold(&u.name)))
            {
                Some(AutoReason::Institution)
            } else if visits.contains(&(j.user_id, p.proposal_id)) {
                Some(AutoReason::EarlierVisit)
            } else {
                None
            };
            if let Some(reason) = reason {
                out.push(AutoConflict {
                    judge_id: j.judge_id,
                    proposal_id: p.proposal_id,
                    reason,
                });
            }
        }
    }
    out.sort();
    out
}

/// Words too common in public-service proposals to say anything about expertise.
const GENERIC_WORDS: &[&str] = &[
    "pelayanan",
    "layanan",
    "publik",
    "inovasi",
    "sistem",
    "masyarakat",
    "daerah",
    "public",
    "service",
    "services",
    "innovation",
    "system",
];

/// What one expertise tag is looked for as: the folded tag itself and, for a tag of
/// several words, each word of at least 5 letters that is not generic.
fn needles(tag: &str) -> Vec<String> {
    let tag = fold(tag);
    if tag.is_empty() {
        return Vec::new();
    }
    let mut out = vec![tag.clone()];
    if tag.contains(' ') {
        for w in tag.split(' ') {
            if w.chars().count() >= 5 && !GENERIC_WORDS.contains(&w) && !out.iter().any(|o| o == w)
            {
                out.push(w.to_owned());
            }
        }
    }
    out
}

/// How well a judge's expertise fits a proposal. Every expertise tag is looked for (case-
/// and space-folded, as a substring) as a whole and, for a tag of several words, word by
/// word (words of at least 5 letters, generic ones like "pelayanan" left out); each thing
/// found scores 2 points in the category name, 1 in the title and 1 in the summary.
/// Deterministic and cheap; 0 means "no known fit", which the solver treats like any other
/// pair.
pub fn affinity(expertise: &[String], category: Option<&str>, title: &str, summary: &str) -> i64 {
    let category = category.map(fold).unwrap_or_default();
    let title = fold(title);
    let summary = fold(summary);
    let mut score = 0;
    for needle in expertise.iter().flat_map(|t| needles(t)) {
        if category.contains(&needle) {
            score += 2;
        }
        if title.contains(&needle) {
            score += 1;
        }
        if summary.contains(&needle) {
            score += 1;
        }
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units() -> Vec<UnitNode> {
        // 1 Dinas Pendidikan → 2 SDN Pasuruan 1 → 3 Perpustakaan SDN 1; 4 Kecamatan Bugul Kidul
        vec![
            UnitNode {
                id: 1,
                parent_id: None,
                name: "Dinas Pendidikan".into(),
            },
            UnitNode {
                id: 2,
                parent_id: Some(1),
                name: "SDN Pasuruan 1".into(),
            },
            UnitNode {
                id: 3,
                parent_id: Some(2),
                name: "Perpustakaan SDN 1".into(),
            },
            UnitNode {
                id: 4,
                parent_id: None,
                name: "Kecamatan  Bugul Kidul".into(),
            },
        ]
    }

    fn judge(ties: &[Id], institution: &str) -> JudgeFacts {
        JudgeFacts {
            judge_id: 10,
            user_id: 100,
            institution: institution.into(),
            institution_ties: Vec::new(),
            unit_ties: ties.to_vec(),
        }
    }

    fn reasons(j: &JudgeFacts, visits: &[(Id, Id)]) -> Vec<(Id, AutoReason)> {
        let proposals: Vec<ProposalFacts> = (1..=4)
            .map(|u| ProposalFacts {
                proposal_id: 50 + u,
                unit_id: u,
            })
            .collect();
        automatic(std::slice::from_ref(j), &proposals, &units(), visits)
            .into_iter()
            .map(|c| (c.proposal_id, c.reason))
            .collect()
    }

    #[test]
    fn fold_ignores_case_and_spacing() {
        assert_eq!(fold("  Dinas   KESEHATAN\t"), "dinas kesehatan");
        assert_eq!(fold(""), "");
    }

    #[test]
    fn a_unit_tie_covers_the_unit_its_parent_and_units_under_it() {
        // Tied to SDN Pasuruan 1 (2): its own proposal, the child library's (parent tie),
        // and the Dinas above it (child tie); not the Kecamatan.
        let got = reasons(&judge(&[2], "Universitas Merdeka"), &[]);
        assert_eq!(
            got,
            vec![
                (51, AutoReason::TieChild),
                (52, AutoReason::TieUnit),
                (53, AutoReason::TieParent),
            ]
        );
    }

    #[test]
    fn a_tie_to_a_deep_unit_reaches_every_ancestor() {
        let got = reasons(&judge(&[3], ""), &[]);
        assert_eq!(
            got,
            vec![
                (51, AutoReason::TieChild),
                (52, AutoReason::TieChild),
                (53, AutoReason::TieUnit),
            ]
        );
    }

    #[test]
    fn institutions_match_folded_unit_or_parent_names() {
        let got = reasons(&judge(&[], "kecamatan bugul   KIDUL"), &[]);
        assert_eq!(got, vec![(54, AutoReason::Institution)]);
        let mut j = judge(&[], "Universitas Brawijaya");
        j.institution_ties = vec!["  SDN pasuruan 1".into()];
        // Its own unit (52) and the library whose parent it is (53).
        assert_eq!(
            reasons(&j, &[]),
            vec![(52, AutoReason::Institution), (53, AutoReason::Institution)]
        );
        // An empty institution matches nothing.
        assert!(reasons(&judge(&[], "  "), &[]).is_empty());
    }

    #[test]
    fn an_earlier_visit_is_a_conflict() {
        let got = reasons(&judge(&[], "X"), &[(100, 54), (999, 51)]);
        assert_eq!(got, vec![(54, AutoReason::EarlierVisit)]);
    }

    #[test]
    fn a_parent_cycle_does_not_hang() {
        let cyclic = vec![
            UnitNode {
                id: 1,
                parent_id: Some(2),
                name: "A".into(),
            },
            UnitNode {
                id: 2,
                parent_id: Some(1),
                name: "B".into(),
            },
        ];
        let p = [ProposalFacts {
            proposal_id: 9,
            unit_id: 5,
        }];
        let got = automatic(&[judge(&[1], "")], &p, &cyclic, &[]);
        assert!(got.is_empty());
    }

    #[test]
    fn reason_codes_round_trip() {
        for r in AutoReason::ALL {
            assert_eq!(AutoReason::parse(r.code()), Some(*r));
        }
    }

    #[test]
    fn affinity_weighs_category_twice() {
        let tags = vec!["Kesehatan".to_string(), " data  digital".into(), "".into()];
        // "kesehatan": category 2 + summary 1; "data digital": title 1; its word "digital"
        // (≥ 5 letters): title 1; "data" is too short to count alone.
        assert_eq!(
            affinity(
                &tags,
                Some("Pelayanan Kesehatan"),
                "Dasbor Data Digital",
                "layanan kesehatan ibu"
            ),
            2 + 1 + 1 + 1
        );
        assert_eq!(affinity(&tags, None, "Pajak", "retribusi"), 0);
        assert_eq!(affinity(&[], Some("x"), "x", "x"), 0);
    }

    #[test]
    fn affinity_matches_words_of_a_phrase_but_not_generic_ones() {
        let tags = vec!["pelayanan kesehatan".to_string()];
        // "pelayanan" is generic; "kesehatan" counts in the summary.
        assert_eq!(
            affinity(
                &tags,
                None,
                "Sapa Poli",
                "Antrean puskesmas dan kesehatan ibu"
            ),
            1
        );
        assert_eq!(
            affinity(&tags, None, "Pelayanan Adminduk", "pelayanan cepat"),
            0
        );
    }
}
