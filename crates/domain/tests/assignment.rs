//! The solver against exhaustive search on thousands of small random instances: same
//! verdict, same optimum (unfilled slots, missed minimums, dropped existing pairs,
//! affinity), and every returned assignment valid.

use std::collections::{BTreeMap, HashMap, HashSet};

use kolabik_domain::JudgeKind;
use kolabik_domain::assignment::{Instance, Solution, Status, solve};

/// SplitMix64, seeded per case so that a failure names the seed that reproduces it.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

struct Case {
    inst: Instance,
    n_p: usize,
    n_j: usize,
    kinds: Vec<JudgeKind>,
    loads: Vec<i64>,
    conflict: HashSet<(usize, usize)>,
    score: HashMap<(usize, usize), i64>,
    existing: HashSet<(usize, usize)>,
    fixed: HashSet<(usize, usize)>,
}

fn jid(j: usize) -> String {
    format!("j{j}")
}
fn pid(p: usize) -> String {
    format!("p{p}")
}

fn random_case(seed: u64) -> Case {
    let mut rng = Rng(seed);
    let n_p = 1 + rng.below(4) as usize;
    let n_j = 1 + rng.below(5) as usize;
    let reviews = 1 + rng.below(3) as u32;
    let min_a = rng.below(u64::from(reviews.min(2)) + 1) as u32;
    let min_p = rng.below(u64::from(reviews - min_a) + 1) as u32;
    let mut inst = Instance::new(reviews)
        .min_per_kind(JudgeKind::Academic, min_a)
        .min_per_kind(JudgeKind::Practitioner, min_p);
    // Half the cases are roomy (few conflicts, more capacity) so that both verdicts are
    // common.
    let roomy = rng.chance(50);
    let conflict_pct = if roomy { 8 } else { 25 };
    let mut kinds = Vec::new();
    let mut loads = Vec::new();
    // Judges are listed in a shuffled order: the answer must not depend on it.
    let mut order: Vec<usize> = (0..n_j).collect();
    for i in (1..n_j).rev() {
        order.swap(i, rng.below(i as u64 + 1) as usize);
    }
    for _ in 0..n_j {
        kinds.push(if rng.chance(50) {
            JudgeKind::Academic
        } else {
            JudgeKind::Practitioner
        });
        let load = if roomy {
            2 + rng.below(3)
        } else {
            rng.below(4)
        };
        loads.push(load as i64);
    }
    for &j in &order {
        inst = inst.judge(jid(j), kinds[j], loads[j]);
    }
    for p in 0..n_p {
        inst = inst.proposal(pid(p));
    }
    let mut conflict = HashSet::new();
    let mut score = HashMap::new();
    let with_existing = rng.chance(35);
    let mut existing = HashSet::new();
    for p in 0..n_p {
        for j in 0..n_j {
            if rng.chance(conflict_pct) {
                conflict.insert((j, p));
                inst = inst.conflict(jid(j), pid(p));
            }
            if rng.chance(60) {
                let s = rng.below(14) as i64 - 3;
                score.insert((j, p), s);
                inst = inst.affinity(jid(j), pid(p), s);
            }
            if with_existing && rng.chance(30) {
                existing.insert((j, p));
                inst = inst.existing(jid(j), pid(p));
            }
        }
    }
    let mut fixed = HashSet::new();
    if rng.chance(20) {
        let mut fixed_load = vec![0i64; n_j];
        let mut fixed_on = vec![0u32; n_p];
        for _ in 0..=rng.below(2) {
            let (j, p) = (
                rng.below(n_j as u64) as usize,
                rng.below(n_p as u64) as usize,
            );
            if conflict.contains(&(j, p))
                || fixed.contains(&(j, p))
                || fixed_load[j] >= loads[j]
                || fixed_on[p] >= reviews
            {
                continue;
            }
            fixed_load[j] += 1;
            fixed_on[p] += 1;
            fixed.insert((j, p));
            inst = inst.fixed(jid(j), pid(p));
        }
    }
    Case {
        inst,
        n_p,
        n_j,
        kinds,
        loads,
        conflict,
        score,
        existing,
        fixed,
    }
}

/// Lexicographic cost of a (possibly partial) assignment: unfilled slots, missed minimums,
/// dropped existing pairs, negated affinity.
type Cost = (u64, u64, u64, i64);

/// The cost of one proposal's judges (as a bit mask); costs add up over proposals.
fn proposal_cost(case: &Case, p: usize, mask: u32) -> Cost {
    let reviews = case.inst.reviews_per_proposal;
    let mut count: BTreeMap<JudgeKind, u32> = BTreeMap::new();
    let (mut dropped, mut affinity) = (0u64, 0i64);
    for j in 0..case.n_j {
        let inside = mask & (1 << j) != 0;
        if inside {
            *count.entry(case.kinds[j]).or_default() += 1;
            affinity += case.score.get(&(j, p)).copied().unwrap_or(0);
        } else if case.existing.contains(&(j, p)) {
            dropped += 1;
        }
    }
    let missed = case
        .inst
        .min_per_kind
        .iter()
        .map(|(k, &min)| u64::from(min.saturating_sub(count.get(k).copied().unwrap_or(0))))
        .sum();
    (
        u64::from(reviews - mask.count_ones()),
        missed,
        dropped,
        -affinity,
    )
}

fn add(a: Cost, b: Cost) -> Cost {
    (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3 + b.3)
}

fn cost_of(case: &Case, on: &[u32]) -> Cost {
    on.iter().enumerate().fold((0, 0, 0, 0), |acc, (p, &mask)| {
        add(acc, proposal_cost(case, p, mask))
    })
}

/// Exhaustive search over every subset of judges for every proposal, with a bound: the
/// remaining proposals cost at least (0, 0, 0, −their best affinity) in lexicographic order,
/// and lexicographic order survives addition.
fn brute_force(case: &Case) -> Cost {
    let reviews = case.inst.reviews_per_proposal;
    let options: Vec<Vec<(u32, Cost)>> = (0..case.n_p)
        .map(|p| {
            (0u32..(1 << case.n_j))
                .filter(|&mask| {
                    mask.count_ones() <= reviews
                        && (0..case.n_j).all(|j| {
                            let inside = mask & (1 << j) != 0;
                            if inside {
                                !case.conflict.contains(&(j, p)) && case.loads[j] > 0
                            } else {
                                !case.fixed.contains(&(j, p))
                            }
                        })
                })
                .map(|mask| (mask, proposal_cost(case, p, mask)))
                .collect()
        })
        .collect();
    let mut rest_bound = vec![0i64; case.n_p + 1];
    for p in (0..case.n_p).rev() {
        let best_here = options[p].iter().map(|o| o.1.3).min().unwrap_or(0);
        rest_bound[p] = rest_bound[p + 1] + best_here;
    }
    struct Search<'a> {
        case: &'a Case,
        options: Vec<Vec<(u32, Cost)>>,
        rest_bound: Vec<i64>,
        best: Cost,
    }
    fn go(s: &mut Search, p: usize, load: &mut [i64], partial: Cost) {
        if add(partial, (0, 0, 0, s.rest_bound[p])) >= s.best {
            return;
        }
        if p == s.case.n_p {
            s.best = partial;
            return;
        }
        for i in 0..s.options[p].len() {
            let (mask, cost) = s.options[p][i];
            let fits = load
                .iter()
                .enumerate()
                .all(|(j, &l)| mask & (1 << j) == 0 || l < s.case.loads[j]);
            if !fits {
                continue;
            }
            for (j, l) in load.iter_mut().enumerate() {
                if mask & (1 << j) != 0 {
                    *l += 1;
                }
            }
            go(s, p + 1, load, add(partial, cost));
            for (j, l) in load.iter_mut().enumerate() {
                if mask & (1 << j) != 0 {
                    *l -= 1;
                }
            }
        }
    }
    let mut search = Search {
        case,
        options,
        rest_bound,
        best: (u64::MAX, u64::MAX, u64::MAX, i64::MAX),
    };
    go(&mut search, 0, &mut vec![0; case.n_j], (0, 0, 0, 0));
    search.best
}

/// Checks the solution's own consistency and returns its cost.
fn check_valid(case: &Case, sol: &Solution) -> Result<Cost, String> {
    let mut on = vec![0u32; case.n_p];
    let mut objective = 0i64;
    for a in &sol.assignments {
        let j: usize = a.judge[1..].parse().map_err(|_| "bad judge id")?;
        let p: usize = a.proposal[1..].parse().map_err(|_| "bad proposal id")?;
        if on[p] & (1 << j) != 0 {
            return Err(format!("{} twice on {}", a.judge, a.proposal));
        }
        if case.conflict.contains(&(j, p)) {
            return Err(format!("conflicted pair {} {}", a.judge, a.proposal));
        }
        on[p] |= 1 << j;
        objective += case.score.get(&(j, p)).copied().unwrap_or(0);
    }
    let mut sorted = sol.assignments.clone();
    sorted.sort_by(|a, b| (&a.proposal, &a.judge).cmp(&(&b.proposal, &b.judge)));
    if sorted != sol.assignments {
        return Err("assignments not sorted by proposal, judge".into());
    }
    if objective != sol.objective {
        return Err(format!(
            "objective {} but pairs sum to {objective}",
            sol.objective
        ));
    }
    for j in 0..case.n_j {
        let load = on.iter().filter(|&&m| m & (1 << j) != 0).count() as i64;
        if load > case.loads[j] {
            return Err(format!("judge j{j} over its load"));
        }
        let reported = sol.loads.iter().find(|l| l.judge == jid(j)).map(|l| l.load);
        if reported != Some(load as u64) {
            return Err(format!("judge j{j}: load {load}, reported {reported:?}"));
        }
    }
    for &(j, p) in &case.fixed {
        if on[p] & (1 << j) == 0 {
            return Err(format!("fixed pair j{j} p{p} missing"));
        }
    }
    let cost = cost_of(case, &on);
    let reviews = case.inst.reviews_per_proposal;
    if on.iter().any(|m| m.count_ones() > reviews) {
        return Err("a proposal has too many judges".into());
    }
    let feasible = cost.0 == 0 && cost.1 == 0;
    match sol.status {
        Status::Optimal if !feasible => return Err("optimal but constraints unmet".into()),
        Status::Infeasible if feasible => return Err("infeasible but constraints met".into()),
        Status::Optimal if sol.reason.is_some() || !sol.uncovered.is_empty() => {
            return Err("optimal with a reason".into());
        }
        Status::Infeasible if sol.reason.is_none() || sol.uncovered.is_empty() => {
            return Err("infeasible without a reason".into());
        }
        _ => {}
    }
    let unfilled: u64 = sol.uncovered.iter().map(|u| u.missing_total).sum();
    let missed: u64 = sol
        .uncovered
        .iter()
        .map(|u| u.missing_academic + u.missing_practitioner)
        .sum();
    if (unfilled, missed) != (cost.0, cost.1) {
        return Err(format!(
            "uncovered list says {unfilled}/{missed}, pairs say {cost:?}"
        ));
    }
    if sol.dropped != cost.2 || sol.kept + sol.dropped != case.existing.len() as u64 {
        return Err(format!(
            "kept {} dropped {}, expected dropped {}",
            sol.kept, sol.dropped, cost.2
        ));
    }
    Ok(cost)
}

#[test]
fn matches_exhaustive_search_on_small_random_instances() {
    let mut infeasible = 0;
    let mut with_existing = 0;
    for case_no in 0..5000u64 {
        let seed = 0x5EED_0000 + case_no;
        let case = random_case(seed);
        let sol = match solve(&case.inst) {
            Ok(s) => s,
            Err(e) => panic!("seed {seed:#x}: instance error {e}"),
        };
        let got = match check_valid(&case, &sol) {
            Ok(c) => c,
            Err(e) => panic!("seed {seed:#x}: invalid solution: {e}\n{sol:#?}"),
        };
        let best = brute_force(&case);
        assert_eq!(
            got, best,
            "seed {seed:#x}: solver cost (unfilled, missed, dropped, -affinity) differs from \
             exhaustive search\n{:#?}\n{sol:#?}",
            case.inst
        );
        if sol.status == Status::Infeasible {
            infeasible += 1;
        }
        if !case.existing.is_empty() {
            with_existing += 1;
        }
        // Solving again gives the very same answer.
        assert_eq!(
            solve(&case.inst).ok(),
            Some(sol),
            "seed {seed:#x}: not deterministic"
        );
    }
    eprintln!("{infeasible} infeasible, {with_existing} with existing pairs");
    // The generator must exercise both verdicts and re-solves.
    assert!(infeasible > 1000, "only {infeasible} infeasible cases");
    assert!(
        infeasible < 4000,
        "only {} feasible cases",
        5000 - infeasible
    );
    assert!(
        with_existing > 1000,
        "only {with_existing} cases with existing pairs"
    );
}

#[test]
fn input_order_does_not_change_the_answer() {
    for case_no in 0..300u64 {
        let seed = 0x0DE2_0000 + case_no;
        let case = random_case(seed);
        let mut reversed = case.inst.clone();
        reversed.judges.reverse();
        reversed.proposals.reverse();
        reversed.conflicts.reverse();
        reversed.affinity.reverse();
        reversed.existing.reverse();
        assert_eq!(solve(&case.inst), solve(&reversed), "seed {seed:#x}");
    }
}
