//! Judge assignment: which judges review which proposals.
//!
//! The solver is exact. Every proposal needs `reviews_per_proposal` distinct judges, at least
//! `min_per_kind` of each kind; a judge takes at most `max_load` proposals and never one he or
//! she is in conflict with. Among the assignments that do this, the solver returns one with
//! the largest total affinity. When a re-solve starts from `existing` assignments it first
//! keeps as many of them as possible; `fixed` pairs are kept unconditionally.
//!
//! The model is a min-cost flow (see `docs/DECISIONS.md`, "Judge assignment solver"):
//!
//! ```text
//! source ─cap max_load─▶ judge ─cap 1, −affinity─▶ (proposal, kind) ═▶ proposal ─cap R─▶ sink
//! source ─cap R, cost U (an unfilled slot)─────────────────────────────▶ proposal
//! ```
//!
//! where `(proposal, kind) ═▶ proposal` is two arcs: a "bonus" arc of capacity `min_kind`
//! with cost −B and a plain arc with cost 0. Costs are lexicographic weights
//! (U ≫ B ≫ D ≫ affinity, `Weights`), so a single min-cost flow minimises unfilled slots
//! first, then missed kind minimums, then dropped existing pairs, then maximises affinity.
//! Because of the unfilled arcs the flow always exists, and an infeasible instance still gets
//! its best partial assignment together with the reason per uncovered proposal.
//!
//! Zero-affinity pairs are not materialised (600 judges × 10,000 proposals would be 6 M arcs):
//! the flow is solved on the nonzero pairs plus a few zero ones, then every implicit pair is
//! priced with the final node potentials; any with a negative reduced cost is added and the
//! flow solved again (column generation). When none remains the potentials prove the flow
//! optimal for the complete graph.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet, VecDeque};

use serde::{Deserialize, Serialize};

use crate::model::JudgeKind;

/// Scores beyond this magnitude are refused, which keeps every weight and every potential
/// comfortably inside `i128` (see `Weights::new`).
pub const MAX_ABS_SCORE: i64 = 1_000_000;

fn default_reviews() -> u32 {
    3
}

fn default_min_per_kind() -> BTreeMap<JudgeKind, u32> {
    JudgeKind::ALL.iter().map(|&k| (k, 1)).collect()
}

/// One proposal to be reviewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalSpec {
    pub id: String,
}

/// One judge: kind and the number of proposals he or she can review (0 = unavailable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgeSpec {
    pub id: String,
    pub kind: JudgeKind,
    pub max_load: i64,
}

/// How well a judge fits a proposal; pairs not listed score 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affinity {
    pub judge: String,
    pub proposal: String,
    pub score: i64,
}

/// A judge–proposal pair (an assignment, an existing assignment, a manual override).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Pair {
    pub judge: String,
    pub proposal: String,
}

impl Pair {
    pub fn new(judge: impl Into<String>, proposal: impl Into<String>) -> Pair {
        Pair {
            judge: judge.into(),
            proposal: proposal.into(),
        }
    }
}

/// The solver's input, as the JSON contract describes it. Build one from JSON or with
/// `Instance::new` and the chaining helpers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    #[serde(default = "default_reviews")]
    pub reviews_per_proposal: u32,
    /// Minimum number of judges of each kind per proposal; a kind left out needs none.
    #[serde(default = "default_min_per_kind")]
    pub min_per_kind: BTreeMap<JudgeKind, u32>,
    pub proposals: Vec<ProposalSpec>,
    pub judges: Vec<JudgeSpec>,
    /// `[judge, proposal]` pairs that must never be assigned.
    #[serde(default)]
    pub conflicts: Vec<(String, String)>,
    #[serde(default)]
    pub affinity: Vec<Affinity>,
    /// Current assignments: a re-solve drops as few of them as possible.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub existing: Vec<Pair>,
    /// Manual overrides that every solution keeps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed: Vec<Pair>,
}

impl Default for Instance {
    fn default() -> Self {
        Instance::new(default_reviews())
    }
}

impl Instance {
    /// An empty instance with the default minimums (one judge of each kind).
    pub fn new(reviews_per_proposal: u32) -> Instance {
        Instance {
            reviews_per_proposal,
            min_per_kind: default_min_per_kind(),
            proposals: Vec::new(),
            judges: Vec::new(),
            conflicts: Vec::new(),
            affinity: Vec::new(),
            existing: Vec::new(),
            fixed: Vec::new(),
        }
    }
    pub fn min_per_kind(mut self, kind: JudgeKind, min: u32) -> Instance {
        self.min_per_kind.insert(kind, min);
        self
    }
    pub fn proposal(mut self, id: impl Into<String>) -> Instance {
        self.proposals.push(ProposalSpec { id: id.into() });
        self
    }
    pub fn judge(mut self, id: impl Into<String>, kind: JudgeKind, max_load: i64) -> Instance {
        self.judges.push(JudgeSpec {
            id: id.into(),
            kind,
            max_load,
        });
        self
    }
    pub fn conflict(mut self, judge: impl Into<String>, proposal: impl Into<String>) -> Instance {
        self.conflicts.push((judge.into(), proposal.into()));
        self
    }
    pub fn affinity(
        mut self,
        judge: impl Into<String>,
        proposal: impl Into<String>,
        score: i64,
    ) -> Instance {
        self.affinity.push(Affinity {
            judge: judge.into(),
            proposal: proposal.into(),
            score,
        });
        self
    }
    pub fn existing(mut self, judge: impl Into<String>, proposal: impl Into<String>) -> Instance {
        self.existing.push(Pair::new(judge, proposal));
        self
    }
    pub fn fixed(mut self, judge: impl Into<String>, proposal: impl Into<String>) -> Instance {
        self.fixed.push(Pair::new(judge, proposal));
        self
    }
}

/// Why an instance cannot be solved at all (as opposed to being infeasible, which `solve`
/// reports in its `Solution`). Messages: Indonesian first, English after.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstanceError {
    #[error("Usulan \"{0}\" tercantum lebih dari sekali / duplicate proposal \"{0}\"")]
    DuplicateProposal(String),
    #[error("Juri \"{0}\" tercantum lebih dari sekali / duplicate judge \"{0}\"")]
    DuplicateJudge(String),
    #[error("Juri \"{0}\" tidak dikenal / unknown judge \"{0}\"")]
    UnknownJudge(String),
    #[error("Usulan \"{0}\" tidak dikenal / unknown proposal \"{0}\"")]
    UnknownProposal(String),
    #[error(
        "Pasangan juri \"{judge}\" – usulan \"{proposal}\" tercantum dua kali di {list} / \
         pair judge \"{judge}\" – proposal \"{proposal}\" appears twice in {list}"
    )]
    DuplicatePair {
        list: &'static str,
        judge: String,
        proposal: String,
    },
    #[error("Beban maksimum juri \"{0}\" negatif / judge \"{0}\" has a negative max_load")]
    NegativeMaxLoad(String),
    #[error(
        "Jumlah minimum per jenis juri ({sum}) melebihi jumlah penilai per usulan ({reviews}) / \
         the minimums per kind ({sum}) exceed reviews_per_proposal ({reviews})"
    )]
    MinimumsExceedReviews { sum: u64, reviews: u32 },
    #[error(
        "Skor afinitas {score} untuk juri \"{judge}\" – usulan \"{proposal}\" di luar batas ±{max} / \
         affinity score {score} of judge \"{judge}\" – proposal \"{proposal}\" is beyond ±{max}",
        max = MAX_ABS_SCORE
    )]
    ScoreOutOfRange {
        judge: String,
        proposal: String,
        score: i64,
    },
    #[error(
        "Penugasan tetap juri \"{judge}\" – usulan \"{proposal}\" berkonflik / \
         fixed pair judge \"{judge}\" – proposal \"{proposal}\" is a conflict"
    )]
    FixedConflict { judge: String, proposal: String },
    #[error(
        "Juri \"{judge}\" punya {fixed} penugasan tetap, melebihi beban maksimum {max_load} / \
         judge \"{judge}\" has {fixed} fixed pairs, more than max_load {max_load}"
    )]
    FixedOverLoad {
        judge: String,
        fixed: u64,
        max_load: i64,
    },
    #[error(
        "Usulan \"{proposal}\" punya {fixed} penugasan tetap, melebihi {reviews} penilai / \
         proposal \"{proposal}\" has {fixed} fixed pairs, more than {reviews} reviews"
    )]
    FixedOverReviews {
        proposal: String,
        fixed: u64,
        reviews: u32,
    },
    #[error("Instans terlalu besar untuk dihitung / instance too large to solve")]
    TooLarge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Optimal,
    Infeasible,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Load {
    pub judge: String,
    pub load: u64,
    pub max_load: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalSummary {
    pub proposal: String,
    pub affinity: i64,
    pub judges: Vec<String>,
}

/// A proposal the best assignment leaves short, and why no assignment can do better.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uncovered {
    pub proposal: String,
    pub missing_total: u64,
    pub missing_academic: u64,
    pub missing_practitioner: u64,
    pub why: String,
}

/// The solver's answer. Lists are sorted by proposal id, then judge id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Solution {
    pub status: Status,
    /// Total affinity of `assignments` (fixed pairs included).
    pub objective: i64,
    pub assignments: Vec<Pair>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub loads: Vec<Load>,
    pub per_proposal: Vec<ProposalSummary>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uncovered: Vec<Uncovered>,
    /// Existing pairs present in `assignments`.
    pub kept: u64,
    /// Existing pairs absent from `assignments`.
    pub dropped: u64,
}

/// The instance with ids replaced by indices (judges and proposals sorted by id, so that the
/// answer does not depend on the input order) and fixed pairs already taken out.
struct Prepared {
    judge_ids: Vec<String>,
    judge_kind: Vec<JudgeKind>,
    max_load: Vec<i64>,
    /// Capacity left after the fixed pairs.
    capacity: Vec<i64>,
    proposal_ids: Vec<String>,
    reviews: u32,
    min_of: BTreeMap<JudgeKind, u32>,
    /// Judges per proposal that the solver may not add: conflicts and fixed pairs.
    blocked: Vec<HashSet<u32>>,
    conflicted: Vec<HashSet<u32>>,
    fixed_of: Vec<Vec<u32>>,
    /// Score and "is an existing pair" of each listed pair.
    score: HashMap<(u32, u32), i64>,
    existing: HashSet<(u32, u32)>,
    existing_total: u64,
}

impl Prepared {
    fn score(&self, j: u32, p: u32) -> i64 {
        self.score.get(&(j, p)).copied().unwrap_or(0)
    }
    /// Slots still to fill on `p` after its fixed pairs.
    fn open_slots(&self, p: usize) -> i64 {
        i64::from(self.reviews) - self.fixed_of[p].len() as i64
    }
    /// Judges of `kind` still required on `p` after its fixed pairs.
    fn open_min(&self, p: usize, kind: JudgeKind) -> i64 {
        let min = i64::from(self.min_of.get(&kind).copied().unwrap_or(0));
        let have = self.fixed_of[p]
            .iter()
            .filter(|&&j| self.judge_kind[j as usize] == kind)
            .count() as i64;
        (min - have).max(0)
    }
}

fn prepare(inst: &Instance) -> Result<Prepared, InstanceError> {
    let mut judges: Vec<&JudgeSpec> = inst.judges.iter().collect();
    judges.sort_by(|a, b| a.id.cmp(&b.id));
    let mut judge_index: HashMap<&str, u32> = HashMap::new();
    for (i, j) in judges.iter().enumerate() {
        if judge_index.insert(j.id.as_str(), i as u32).is_some() {
            return Err(InstanceError::DuplicateJudge(j.id.clone()));
        }
        if j.max_load < 0 {
            return Err(InstanceError::NegativeMaxLoad(j.id.clone()));
        }
    }
    let mut proposals: Vec<&str> = inst.proposals.iter().map(|p| p.id.as_str()).collect();
    proposals.sort_unstable();
    let mut proposal_index: HashMap<&str, u32> = HashMap::new();
    for (i, p) in proposals.iter().enumerate() {
        if proposal_index.insert(p, i as u32).is_some() {
            return Err(InstanceError::DuplicateProposal((*p).to_owned()));
        }
    }
    let sum: u64 = inst.min_per_kind.values().map(|&m| u64::from(m)).sum();
    if sum > u64::from(inst.reviews_per_proposal) {
        return Err(InstanceError::MinimumsExceedReviews {
            sum,
            reviews: inst.reviews_per_proposal,
        });
    }
    let pair = |judge: &str, proposal: &str| -> Result<(u32, u32), InstanceError> {
        let j = judge_index
            .get(judge)
            .copied()
            .ok_or_else(|| InstanceError::UnknownJudge(judge.to_owned()))?;
        let p = proposal_index
            .get(proposal)
            .copied()
            .ok_or_else(|| InstanceError::UnknownProposal(proposal.to_owned()))?;
        Ok((j, p))
    };
    let duplicate =
        |list: &'static str, judge: &str, proposal: &str| InstanceError::DuplicatePair {
            list,
            judge: judge.to_owned(),
            proposal: proposal.to_owned(),
        };

    let n_p = proposals.len();
    let mut conflicted = vec![HashSet::new(); n_p];
    for (judge, proposal) in &inst.conflicts {
        let (j, p) = pair(judge, proposal)?;
        // A conflict declared twice (say by the judge and by the committee) means the same.
        conflicted[p as usize].insert(j);
    }
    let mut score = HashMap::new();
    for a in &inst.affinity {
        let (j, p) = pair(&a.judge, &a.proposal)?;
        if a.score.abs() > MAX_ABS_SCORE {
            return Err(InstanceError::ScoreOutOfRange {
                judge: a.judge.clone(),
                proposal: a.proposal.clone(),
                score: a.score,
            });
        }
        if score.insert((j, p), a.score).is_some() {
            return Err(duplicate("affinity", &a.judge, &a.proposal));
        }
    }
    let mut existing = HashSet::new();
    for e in &inst.existing {
        let (j, p) = pair(&e.judge, &e.proposal)?;
        if !existing.insert((j, p)) {
            return Err(duplicate("existing", &e.judge, &e.proposal));
        }
    }
    let mut fixed_of: Vec<Vec<u32>> = vec![Vec::new(); n_p];
    let mut fixed_load = vec![0i64; judges.len()];
    let mut seen = HashSet::new();
    for f in &inst.fixed {
        let (j, p) = pair(&f.judge, &f.proposal)?;
        if !seen.insert((j, p)) {
            return Err(duplicate("fixed", &f.judge, &f.proposal));
        }
        if conflicted[p as usize].contains(&j) {
            return Err(InstanceError::FixedConflict {
                judge: f.judge.clone(),
                proposal: f.proposal.clone(),
            });
        }
        fixed_of[p as usize].push(j);
        fixed_load[j as usize] += 1;
    }
    for (i, j) in judges.iter().enumerate() {
        if fixed_load[i] > j.max_load {
            return Err(InstanceError::FixedOverLoad {
                judge: j.id.clone(),
                fixed: fixed_load[i] as u64,
                max_load: j.max_load,
            });
        }
    }
    for (p, fixed) in fixed_of.iter_mut().enumerate() {
        if fixed.len() as u64 > u64::from(inst.reviews_per_proposal) {
            return Err(InstanceError::FixedOverReviews {
                proposal: proposals[p].to_owned(),
                fixed: fixed.len() as u64,
                reviews: inst.reviews_per_proposal,
            });
        }
        fixed.sort_unstable();
    }
    let blocked = conflicted
        .iter()
        .zip(&fixed_of)
        .map(|(c, f)| c.iter().chain(f).copied().collect())
        .collect();
    Ok(Prepared {
        judge_ids: judges.iter().map(|j| j.id.clone()).collect(),
        judge_kind: judges.iter().map(|j| j.kind).collect(),
        max_load: judges.iter().map(|j| j.max_load).collect(),
        capacity: judges
            .iter()
            .zip(&fixed_load)
            .map(|(j, f)| j.max_load - f)
            .collect(),
        proposal_ids: proposals.iter().map(|&p| p.to_owned()).collect(),
        reviews: inst.reviews_per_proposal,
        min_of: inst.min_per_kind.clone(),
        blocked,
        conflicted,
        fixed_of,
        score,
        existing_total: existing.len() as u64,
        existing,
    })
}

/// Lexicographic weights. Each tier's unit is larger than the largest possible difference of
/// everything below it between any two assignments, so a single flow cost orders solutions by
/// (unfilled slots, missed kind minimums, dropped existing pairs, −affinity):
///
/// - affinity: any two assignments differ by at most S·W < A, where S is the number of open
///   slots and W = max(score, 0) − min(score, 0);
/// - D = A: keeping one more existing pair outweighs any affinity difference;
/// - B = D·(K + 1), K = min(existing pairs, S): meeting one more minimum outweighs both;
/// - U = B·(M + 1), M = the open minimums: filling one more slot outweighs all of them.
///
/// With |score| ≤ 10⁶ and S, K, M ≤ a few million, U stays far below 2¹²⁷; every product is
/// checked anyway, and path costs (at most nodes × U) are checked before solving.
#[derive(Debug, Clone, Copy)]
struct Weights {
    keep: i128,
    bonus: i128,
    unfilled: i128,
}

impl Weights {
    fn new(prep: &Prepared, slots: i128, minimums: i128, nodes: usize) -> Option<Weights> {
        let (lo, hi) = prep
            .score
            .values()
            .fold((0i64, 0i64), |(lo, hi), &s| (lo.min(s), hi.max(s)));
        let spread = i128::from(hi) - i128::from(lo);
        let affinity_range = slots.checked_mul(spread)?.checked_add(1)?;
        let keep = affinity_range;
        let kept_max = i128::from(prep.existing_total.min(u64::try_from(slots).ok()?) as i64);
        let bonus = keep.checked_mul(kept_max.checked_add(1)?)?;
        let unfilled = bonus.checked_mul(minimums.checked_add(1)?)?;
        // Potentials are shortest-path distances: no path is longer than (nodes) arcs, each
        // costing at most `unfilled` + `bonus` + `keep` + W in magnitude.
        let per_arc = unfilled.checked_mul(4)?;
        per_arc.checked_mul(i128::try_from(nodes).ok()?.checked_add(2)?)?;
        Some(Weights {
            keep,
            bonus,
            unfilled,
        })
    }
}

/// A residual graph in compressed adjacency form; arc `a ^ 1` is the reverse of arc `a`.
struct Graph {
    to: Vec<u32>,
    cap: Vec<i64>,
    cost: Vec<i128>,
    start: Vec<u32>,
    adj: Vec<u32>,
}

struct GraphBuilder {
    from: Vec<u32>,
    to: Vec<u32>,
    cap: Vec<i64>,
    cost: Vec<i128>,
}

impl GraphBuilder {
    fn arc(&mut self, from: usize, to: usize, cap: i64, cost: i128) -> usize {
        let id = self.to.len();
        self.from.extend([from as u32, to as u32]);
        self.to.extend([to as u32, from as u32]);
        self.cap.extend([cap, 0]);
        self.cost.extend([cost, -cost]);
        id
    }
    fn build(self, nodes: usize) -> Graph {
        let mut start = vec![0u32; nodes + 1];
        for &f in &self.from {
            start[f as usize + 1] += 1;
        }
        for i in 0..nodes {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut adj = vec![0u32; self.from.len()];
        for (a, &f) in self.from.iter().enumerate() {
            adj[fill[f as usize] as usize] = a as u32;
            fill[f as usize] += 1;
        }
        Graph {
            to: self.to,
            cap: self.cap,
            cost: self.cost,
            start,
            adj,
        }
    }
}

impl Graph {
    fn arcs(&self, v: usize) -> &[u32] {
        &self.adj[self.start[v] as usize..self.start[v + 1] as usize]
    }
}

/// Min-cost maximum flow by the primal–dual method: a Dijkstra on reduced costs raises the
/// potentials, then a blocking-flow max flow (Dinic) saturates every shortest path at once.
/// Nodes must be numbered so that every arc goes from a lower to a higher number (the
/// network is a DAG), which gives the first potentials in one pass despite negative costs.
/// Returns the potentials, under which no residual arc has a negative reduced cost.
fn min_cost_flow(g: &mut Graph, s: usize, t: usize) -> Vec<i128> {
    let n = g.start.len() - 1;
    const INF: i128 = i128::MAX / 4;
    let mut pi = vec![INF; n];
    pi[s] = 0;
    for v in 0..n {
        if pi[v] == INF {
            // Unreachable from the source: any finite value keeps its arcs' reduced costs
            // nonnegative, because all its predecessors are unreachable too or already
            // relaxed it.
            pi[v] = 0;
        }
        for &a in g.arcs(v) {
            let a = a as usize;
            if g.cap[a] > 0 {
                let w = g.to[a] as usize;
                let d = pi[v] + g.cost[a];
                if d < pi[w] {
                    pi[w] = d;
                }
            }
        }
    }
    let mut dist = vec![INF; n];
    let mut done = vec![false; n];
    let mut level = vec![u32::MAX; n];
    let mut cursor = vec![0u32; n];
    let mut heap = BinaryHeap::new();
    let mut queue = VecDeque::new();
    let mut path: Vec<u32> = Vec::new();
    loop {
        dist.fill(INF);
        done.fill(false);
        dist[s] = 0;
        heap.clear();
        heap.push(Reverse((0i128, s as u32)));
        while let Some(Reverse((d, v))) = heap.pop() {
            let v = v as usize;
            if done[v] {
                continue;
            }
            done[v] = true;
            if v == t {
                break;
            }
            for &a in g.arcs(v) {
                let a = a as usize;
                if g.cap[a] <= 0 {
                    continue;
                }
                let w = g.to[a] as usize;
                let nd = d + g.cost[a] + pi[v] - pi[w];
                if nd < dist[w] {
                    dist[w] = nd;
                    heap.push(Reverse((nd, w as u32)));
                }
            }
        }
        if !done[t] {
            return pi;
        }
        // Capping at the sink's distance keeps every reduced cost nonnegative, also for nodes
        // the early stop left unsettled (their true distance is at least the sink's).
        let dt = dist[t];
        for v in 0..n {
            pi[v] += if done[v] { dist[v].min(dt) } else { dt };
        }
        // Dinic on the admissible arcs (residual, reduced cost zero).
        loop {
            level.fill(u32::MAX);
            level[s] = 0;
            queue.clear();
            queue.push_back(s);
            while let Some(v) = queue.pop_front() {
                for &a in g.arcs(v) {
                    let a = a as usize;
                    let w = g.to[a] as usize;
                    if g.cap[a] > 0 && level[w] == u32::MAX && g.cost[a] + pi[v] - pi[w] == 0 {
                        level[w] = level[v] + 1;
                        queue.push_back(w);
                    }
                }
            }
            if level[t] == u32::MAX {
                break;
            }
            cursor.copy_from_slice(&g.start[..n]);
            // Iterative DFS: augmenting paths can be thousands of arcs long.
            loop {
                path.clear();
                let mut v = s;
                let found = loop {
                    if v == t {
                        break true;
                    }
                    let end = g.start[v + 1];
                    let mut advanced = false;
                    while cursor[v] < end {
                        let a = g.adj[cursor[v] as usize] as usize;
                        let w = g.to[a] as usize;
                        if g.cap[a] > 0
                            && level[w] == level[v] + 1
                            && g.cost[a] + pi[v] - pi[w] == 0
                        {
                            path.push(a as u32);
                            v = w;
                            advanced = true;
                            break;
                        }
                        cursor[v] += 1;
                    }
                    if !advanced {
                        // Dead end: retreat and skip the arc that led here.
                        level[v] = u32::MAX;
                        match path.pop() {
                            None => break false,
                            Some(a) => {
                                v = g.to[a as usize ^ 1] as usize;
                                cursor[v] += 1;
                            }
                        }
                    }
                };
                if !found {
                    break;
                }
                let push = path.iter().map(|&a| g.cap[a as usize]).min().unwrap_or(0);
                for &a in &path {
                    g.cap[a as usize] -= push;
                    g.cap[a as usize ^ 1] += push;
                }
            }
        }
    }
}

/// How many candidate arcs a (proposal, kind) gets per pricing round: enough to move quickly,
/// few enough that a round does not flood the graph with arcs the optimum will not use.
const ADD_PER_ROUND: usize = 8;

/// The flow's answer in indices: chosen (judge, proposal) pairs besides the fixed ones.
struct Chosen {
    pairs: Vec<(u32, u32)>,
}

/// `dense` materialises every allowed pair up front (tests compare it with pricing).
fn solve_flow(prep: &Prepared, w: Weights, dense: bool) -> Chosen {
    let n_j = prep.judge_ids.len();
    let n_p = prep.proposal_ids.len();
    let kinds: Vec<JudgeKind> = JudgeKind::ALL.to_vec();
    let n_k = kinds.len();
    let kind_pos = |k: JudgeKind| kinds.iter().position(|&x| x == k).unwrap_or(0);
    // Node numbering keeps every arc pointing forward (see `min_cost_flow`).
    let s = 0;
    let judge_node = |j: usize| 1 + j;
    let pk_node = |p: usize, k: usize| 1 + n_j + p * n_k + k;
    let p_node = |p: usize| 1 + n_j + n_p * n_k + p;
    let t = 1 + n_j + n_p * n_k + n_p;
    let nodes = t + 1;

    let usable = |j: usize| prep.capacity[j] > 0;
    // Explicit pairs: every scored pair and every existing assignment; then, for a (proposal,
    // kind) with at most as many candidates as open slots, zero pairs chosen round-robin so
    // that proposals nobody scored do not all start on the same judges.
    let mut explicit: HashSet<(u32, u32)> = HashSet::new();
    for &(j, p) in prep.score.keys().chain(prep.existing.iter()) {
        if usable(j as usize) && !prep.blocked[p as usize].contains(&j) {
            explicit.insert((j, p));
        }
    }
    let mut per_kind: Vec<Vec<u32>> = vec![Vec::new(); n_k];
    for j in 0..n_j {
        if usable(j) {
            per_kind[kind_pos(prep.judge_kind[j])].push(j as u32);
        }
    }
    let mut count = vec![0i64; n_p * n_k];
    for &(j, p) in &explicit {
        count[p as usize * n_k + kind_pos(prep.judge_kind[j as usize])] += 1;
    }
    for p in 0..n_p {
        let want = if dense {
            i64::MAX
        } else {
            prep.open_slots(p) + 1
        };
        for (k, list) in per_kind.iter().enumerate() {
            if list.is_empty() {
                continue;
            }
            let mut have = count[p * n_k + k];
            let offset = (p * (prep.reviews as usize + 1)) % list.len();
            for step in 0..list.len() {
                if have >= want {
                    break;
                }
                let j = list[(offset + step) % list.len()];
                if !prep.blocked[p].contains(&j) && explicit.insert((j, p as u32)) {
                    have += 1;
                }
            }
        }
    }

    loop {
        let mut pairs: Vec<(u32, u32)> = explicit.iter().copied().collect();
        pairs.sort_unstable();
        let mut b = GraphBuilder {
            from: Vec::new(),
            to: Vec::new(),
            cap: Vec::new(),
            cost: Vec::new(),
        };
        for j in 0..n_j {
            b.arc(s, judge_node(j), prep.capacity[j].max(0), 0);
        }
        let mut pair_arc = Vec::with_capacity(pairs.len());
        for &(j, p) in &pairs {
            let keep = if prep.existing.contains(&(j, p)) {
                w.keep
            } else {
                0
            };
            let cost = -(keep + i128::from(prep.score(j, p)));
            let k = kind_pos(prep.judge_kind[j as usize]);
            pair_arc.push(b.arc(judge_node(j as usize), pk_node(p as usize, k), 1, cost));
        }
        for p in 0..n_p {
            let open = prep.open_slots(p);
            for (k, &kind) in kinds.iter().enumerate() {
                let min = prep.open_min(p, kind);
                if min > 0 {
                    b.arc(pk_node(p, k), p_node(p), min, -w.bonus);
                }
                b.arc(pk_node(p, k), p_node(p), open, 0);
            }
            b.arc(s, p_node(p), open, w.unfilled);
            b.arc(p_node(p), t, open, 0);
        }
        let mut g = b.build(nodes);
        let pi = min_cost_flow(&mut g, s, t);

        // Pricing: an implicit pair is a zero-cost arc judge → (proposal, kind) without flow;
        // the flow is optimal for the whole graph iff none has a negative reduced cost.
        let mut added = false;
        for (k, list) in per_kind.iter().enumerate() {
            let mut by_pi: Vec<u32> = list.clone();
            by_pi.sort_by_key(|&j| (pi[judge_node(j as usize)], j));
            for p in 0..n_p {
                if prep.open_slots(p) <= 0 {
                    continue;
                }
                let target = pi[pk_node(p, k)];
                let violating = by_pi.partition_point(|&j| pi[judge_node(j as usize)] < target);
                if violating == 0 {
                    continue;
                }
                // Half the new pairs are the most negative ones; the other half start at a
                // per-proposal offset, because judges often tie (all unscored, all idle) and
                // taking the first ones for every proposal would pile every proposal onto
                // the same few judges, one round at a time.
                let offset = p.wrapping_mul(2_654_435_761) % violating;
                let passes = [(0, ADD_PER_ROUND / 2), (offset, ADD_PER_ROUND)];
                let mut taken = 0;
                for (start, quota) in passes {
                    for i in 0..violating {
                        if taken >= quota {
                            break;
                        }
                        let j = by_pi[(start + i) % violating];
                        if !prep.blocked[p].contains(&j) && explicit.insert((j, p as u32)) {
                            taken += 1;
                            added = true;
                        }
                    }
                }
            }
        }
        if !added {
            let chosen = pairs
                .iter()
                .zip(&pair_arc)
                .filter(|&(_, &a)| g.cap[a] == 0)
                .map(|(&pair, _)| pair)
                .collect();
            return Chosen { pairs: chosen };
        }
    }
}

fn kind_name_id(kind: JudgeKind) -> &'static str {
    match kind {
        JudgeKind::Academic => "akademisi",
        JudgeKind::Practitioner => "praktisi",
    }
}

fn list_ids(ids: &[&str]) -> String {
    const SHOWN: usize = 10;
    let mut s = ids
        .iter()
        .take(SHOWN)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > SHOWN {
        s.push_str(&format!(", … (+{})", ids.len() - SHOWN));
    }
    s
}

/// At most this many uncovered proposals get the (quadratic) bottleneck search; the others
/// get the general sentence.
const EXPLAINED: usize = 20;

/// Explains why `p` misses `missing_total` slots or the kind minimums in `missing`.
///
/// The bottleneck argument: in a lexicographically optimal flow, every judge reachable from
/// `p` by "give the slot to p, let the proposal that loses it take another eligible judge"
/// chains is fully loaded, otherwise that chain would fill one more slot (or, restricted to
/// one kind, meet one more minimum). That closure is the Hall-type set named in the reason.
fn explain(
    prep: &Prepared,
    p: usize,
    on: &[Vec<u32>],
    served: &[Vec<u32>],
    missing_total: u64,
    missing: &BTreeMap<JudgeKind, u64>,
    detailed: bool,
) -> String {
    let mut id = Vec::new();
    let mut en = Vec::new();
    let eligible = |kind: Option<JudgeKind>| {
        (0..prep.judge_ids.len())
            .filter(|&j| {
                prep.max_load[j] > 0
                    && !prep.conflicted[p].contains(&(j as u32))
                    && kind.is_none_or(|k| prep.judge_kind[j] == k)
            })
            .count() as u64
    };
    let reviews = u64::from(prep.reviews);
    let mut local = false;
    if missing_total > 0 && eligible(None) < reviews {
        let e = eligible(None);
        id.push(format!(
            "hanya {e} juri tanpa konflik yang tersedia, dibutuhkan {reviews}"
        ));
        en.push(format!(
            "only {e} available judge(s) without conflict, {reviews} needed"
        ));
        local = true;
    }
    for (&kind, &miss) in missing {
        let min = u64::from(prep.min_of.get(&kind).copied().unwrap_or(0));
        let e = eligible(Some(kind));
        if miss > 0 && e < min {
            id.push(format!(
                "hanya {e} juri {} tanpa konflik, dibutuhkan {min}",
                kind_name_id(kind)
            ));
            en.push(format!(
                "only {e} {kind} judge(s) without conflict, {min} needed"
            ));
            local = true;
        }
    }
    if !local {
        // Kinds whose minimum is missed although enough judges exist; when a slot is
        // unfilled every kind may help.
        let short_kinds: Vec<JudgeKind> = missing
            .iter()
            .filter(|&(_, &m)| m > 0)
            .map(|(&k, _)| k)
            .collect();
        let allowed = |j: usize| missing_total > 0 || short_kinds.contains(&prep.judge_kind[j]);
        if !detailed {
            id.push(
                "kapasitas juri yang memenuhi syarat sudah terpakai oleh usulan lain".to_owned(),
            );
            en.push("the eligible judges' capacity is used by other proposals".to_owned());
        } else {
            let mut judge_seen = vec![false; prep.judge_ids.len()];
            let mut prop_seen = vec![false; prep.proposal_ids.len()];
            prop_seen[p] = true;
            let mut queue = VecDeque::from([p]);
            let mut judges = Vec::new();
            let mut others = Vec::new();
            while let Some(q) = queue.pop_front() {
                for j in 0..prep.judge_ids.len() {
                    if judge_seen[j]
                        || !allowed(j)
                        || prep.max_load[j] <= 0
                        || prep.conflicted[q].contains(&(j as u32))
                        || on[q].contains(&(j as u32))
                    {
                        continue;
                    }
                    judge_seen[j] = true;
                    judges.push(j);
                    for &r in &served[j] {
                        let r = r as usize;
                        if !prop_seen[r] {
                            prop_seen[r] = true;
                            others.push(r);
                            queue.push_back(r);
                        }
                    }
                }
            }
            judges.sort_unstable();
            others.sort_unstable();
            let capacity: i128 = judges.iter().map(|&j| i128::from(prep.max_load[j])).sum();
            let judge_names: Vec<&str> =
                judges.iter().map(|&j| prep.judge_ids[j].as_str()).collect();
            let other_names: Vec<&str> = others
                .iter()
                .map(|&q| prep.proposal_ids[q].as_str())
                .collect();
            let what_id = if missing_total > 0 {
                format!("{missing_total} slot penilai")
            } else {
                short_kinds
                    .iter()
                    .map(|&k| format!("juri {}", kind_name_id(k)))
                    .collect::<Vec<_>>()
                    .join(" dan ")
            };
            let what_en = if missing_total > 0 {
                format!("{missing_total} review slot(s)")
            } else {
                short_kinds
                    .iter()
                    .map(|k| format!("{k} judge(s)"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            };
            if judges.is_empty() {
                id.push(format!("tidak ada juri lain yang dapat mengisi {what_id}"));
                en.push(format!("no other judge can provide {what_en}"));
            } else {
                id.push(format!(
                    "{} juri yang memenuhi syarat ({}) berkapasitas total {capacity}, seluruhnya \
                     dipakai oleh {} usulan lain ({}) yang tidak dapat beralih ke juri lain; \
                     permintaan melebihi kapasitas, sehingga {what_id} tidak terpenuhi",
                    judges.len(),
                    list_ids(&judge_names),
                    others.len(),
                    list_ids(&other_names),
                ));
                en.push(format!(
                    "the {} eligible judges ({}) have a total capacity of {capacity}, all used by \
                     {} other proposal(s) ({}) that cannot move to other judges; demand exceeds \
                     that capacity, so {what_en} stay unfilled",
                    judges.len(),
                    list_ids(&judge_names),
                    others.len(),
                    list_ids(&other_names),
                ));
            }
        }
    }
    format!("{} / {}", id.join("; "), en.join("; "))
}

/// Solves an instance exactly. An instance that breaks the contract (unknown or duplicate
/// ids, impossible fixed pairs…) is an error; one whose constraints cannot all be met is a
/// `Solution` with status `infeasible`, the best partial assignment and the reasons.
pub fn solve(instance: &Instance) -> Result<Solution, InstanceError> {
    solve_with(instance, false)
}

fn solve_with(instance: &Instance, dense: bool) -> Result<Solution, InstanceError> {
    let prep = prepare(instance)?;
    let n_p = prep.proposal_ids.len();
    let n_j = prep.judge_ids.len();
    let slots: i128 = (0..n_p).map(|p| i128::from(prep.open_slots(p))).sum();
    let minimums: i128 = (0..n_p)
        .flat_map(|p| JudgeKind::ALL.iter().map(move |&k| (p, k)))
        .map(|(p, k)| i128::from(prep.open_min(p, k)))
        .sum();
    let nodes = 2 + n_j + n_p * (JudgeKind::ALL.len() + 1);
    let weights = Weights::new(&prep, slots, minimums, nodes).ok_or(InstanceError::TooLarge)?;
    let chosen = solve_flow(&prep, weights, dense);

    let mut on: Vec<Vec<u32>> = prep.fixed_of.clone();
    for &(j, p) in &chosen.pairs {
        on[p as usize].push(j);
    }
    let mut served: Vec<Vec<u32>> = vec![Vec::new(); n_j];
    for (p, judges) in on.iter_mut().enumerate() {
        judges.sort_unstable();
        for &j in judges.iter() {
            served[j as usize].push(p as u32);
        }
    }

    let mut assignments = Vec::new();
    let mut per_proposal = Vec::with_capacity(n_p);
    let mut objective = 0i64;
    let mut kept = 0u64;
    let mut short = Vec::new();
    for (p, judges) in on.iter().enumerate() {
        let mut affinity = 0i64;
        for &j in judges {
            affinity += prep.score(j, p as u32);
            if prep.existing.contains(&(j, p as u32)) {
                kept += 1;
            }
            assignments.push(Pair::new(
                prep.judge_ids[j as usize].clone(),
                prep.proposal_ids[p].clone(),
            ));
        }
        objective += affinity;
        per_proposal.push(ProposalSummary {
            proposal: prep.proposal_ids[p].clone(),
            affinity,
            judges: judges
                .iter()
                .map(|&j| prep.judge_ids[j as usize].clone())
                .collect(),
        });
        let missing_total = u64::from(prep.reviews).saturating_sub(judges.len() as u64);
        let missing: BTreeMap<JudgeKind, u64> = JudgeKind::ALL
            .iter()
            .map(|&k| {
                let min = u64::from(prep.min_of.get(&k).copied().unwrap_or(0));
                let have = judges
                    .iter()
                    .filter(|&&j| prep.judge_kind[j as usize] == k)
                    .count() as u64;
                (k, min.saturating_sub(have))
            })
            .collect();
        if missing_total > 0 || missing.values().any(|&m| m > 0) {
            short.push((p, missing_total, missing));
        }
    }

    let mut uncovered = Vec::with_capacity(short.len());
    for (i, (p, missing_total, missing)) in short.iter().enumerate() {
        let why = explain(
            &prep,
            *p,
            &on,
            &served,
            *missing_total,
            missing,
            i < EXPLAINED,
        );
        let get = |k| missing.get(&k).copied().unwrap_or(0);
        uncovered.push(Uncovered {
            proposal: prep.proposal_ids[*p].clone(),
            missing_total: *missing_total,
            missing_academic: get(JudgeKind::Academic),
            missing_practitioner: get(JudgeKind::Practitioner),
            why,
        });
    }
    let reason = (!uncovered.is_empty()).then(|| {
        // Summed in i128: a max_load near i64::MAX must not overflow the sentence.
        let capacity: i128 = prep.max_load.iter().map(|&m| i128::from(m)).sum();
        let demand = i128::from(prep.reviews) * n_p as i128;
        let mut parts = Vec::new();
        if capacity < demand {
            parts.push(format!(
                "Total kapasitas juri {capacity} lebih kecil dari {} penilai × {n_p} usulan = \
                 {demand} / total judge capacity {capacity} is less than {} reviews × {n_p} \
                 proposals = {demand}.",
                prep.reviews, prep.reviews
            ));
        }
        let names: Vec<&str> = uncovered.iter().map(|u| u.proposal.as_str()).collect();
        parts.push(format!(
            "{} usulan tidak dapat dipenuhi / {} proposal(s) cannot be covered: {}.",
            uncovered.len(),
            uncovered.len(),
            list_ids(&names)
        ));
        for u in uncovered.iter().take(EXPLAINED) {
            parts.push(format!("{}: {}.", u.proposal, u.why));
        }
        parts.join(" ")
    });

    let loads = (0..n_j)
        .map(|j| Load {
            judge: prep.judge_ids[j].clone(),
            load: served[j].len() as u64,
            max_load: prep.max_load[j],
        })
        .collect();
    Ok(Solution {
        status: if uncovered.is_empty() {
            Status::Optimal
        } else {
            Status::Infeasible
        },
        objective,
        assignments,
        reason,
        loads,
        per_proposal,
        uncovered,
        kept,
        dropped: prep.existing_total - kept,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTRACT: &str = r#"{"reviews_per_proposal": 3, "min_per_kind": {"academic": 1, "practitioner": 1}, "proposals": [{"id": "p1"}], "judges": [{"id": "j1", "kind": "academic", "max_load": 10}], "conflicts": [["j1", "p1"]], "affinity": [{"judge": "j1", "proposal": "p1", "score": 7}]}"#;

    fn parse(json: &str) -> Instance {
        match serde_json::from_str(json) {
            Ok(i) => i,
            Err(e) => panic!("{e}"),
        }
    }

    fn solved(inst: &Instance) -> Solution {
        match solve(inst) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn contract_example_reads_and_is_infeasible_with_reasons() {
        let inst = parse(CONTRACT);
        assert_eq!(inst.reviews_per_proposal, 3);
        assert_eq!(inst.conflicts, vec![("j1".to_owned(), "p1".to_owned())]);
        let sol = solved(&inst);
        assert_eq!(sol.status, Status::Infeasible);
        assert_eq!(sol.objective, 0);
        assert!(sol.assignments.is_empty());
        let u = &sol.uncovered[0];
        assert_eq!(
            (u.missing_total, u.missing_academic, u.missing_practitioner),
            (3, 1, 1)
        );
        assert!(
            u.why
                .contains("hanya 0 juri tanpa konflik yang tersedia, dibutuhkan 3"),
            "{}",
            u.why
        );
        assert!(
            u.why
                .contains("hanya 0 juri praktisi tanpa konflik, dibutuhkan 1"),
            "{}",
            u.why
        );
        assert!(
            u.why
                .contains("only 0 practitioner judge(s) without conflict, 1 needed"),
            "{}",
            u.why
        );
        let reason = sol.reason.unwrap_or_default();
        assert!(reason.contains("p1:"), "{reason}");
        // Capacity is not the problem here, conflicts are.
        assert!(!reason.contains("Total kapasitas"), "{reason}");
    }

    #[test]
    fn too_little_capacity_overall_is_said_first() {
        let inst = Instance::new(1)
            .min_per_kind(JudgeKind::Academic, 0)
            .min_per_kind(JudgeKind::Practitioner, 0)
            .proposal("p1")
            .proposal("p2")
            .judge("a1", JudgeKind::Academic, 1);
        let sol = solved(&inst);
        assert_eq!(sol.assignments.len(), 1);
        let reason = sol.reason.unwrap_or_default();
        assert!(
            reason.starts_with("Total kapasitas juri 1 lebih kecil dari 1 penilai × 2 usulan = 2"),
            "{reason}"
        );
    }

    #[test]
    fn defaults_apply_to_missing_fields() {
        let inst = parse(r#"{"proposals": [], "judges": []}"#);
        assert_eq!(inst, Instance::default());
        assert_eq!(inst.min_per_kind[&JudgeKind::Academic], 1);
        assert_eq!(inst.min_per_kind[&JudgeKind::Practitioner], 1);
    }

    fn small() -> Instance {
        Instance::new(2)
            .proposal("p1")
            .proposal("p2")
            .judge("a1", JudgeKind::Academic, 2)
            .judge("a2", JudgeKind::Academic, 1)
            .judge("r1", JudgeKind::Practitioner, 2)
            .conflict("a1", "p2")
            .affinity("a1", "p1", 5)
            .affinity("a2", "p1", 9)
            .affinity("r1", "p2", 3)
    }

    #[test]
    fn feasible_instance_maximises_affinity_and_serialises_as_the_contract() {
        let sol = solved(&small());
        assert_eq!(sol.status, Status::Optimal);
        // a2 is the only academic p2 may have, so p1 gets a1 despite a2's higher score.
        assert_eq!(
            sol.assignments,
            vec![
                Pair::new("a1", "p1"),
                Pair::new("r1", "p1"),
                Pair::new("a2", "p2"),
                Pair::new("r1", "p2"),
            ]
        );
        assert_eq!(sol.objective, 8);
        let json = serde_json::to_value(&sol).unwrap_or_default();
        assert_eq!(json["status"], "optimal");
        assert_eq!(json["objective"], 8);
        assert_eq!(
            json["assignments"][0],
            serde_json::json!({"judge": "a1", "proposal": "p1"})
        );
        assert!(json.get("reason").is_none());
        assert!(json.get("uncovered").is_none());
        assert_eq!(
            json["loads"][0],
            serde_json::json!({"judge": "a1", "load": 1, "max_load": 2})
        );
        assert_eq!(
            json["per_proposal"][1],
            serde_json::json!({"proposal": "p2", "affinity": 3, "judges": ["a2", "r1"]})
        );
        assert_eq!(
            (json["kept"].as_u64(), json["dropped"].as_u64()),
            (Some(0), Some(0))
        );
    }

    #[test]
    fn instance_and_solution_survive_a_json_round_trip() {
        let inst = small().existing("a2", "p1").fixed("r1", "p1");
        let text = serde_json::to_string(&inst).unwrap_or_default();
        assert_eq!(
            serde_json::from_str::<Instance>(&text).ok(),
            Some(inst.clone())
        );
        let sol = solved(&inst);
        let text = serde_json::to_string(&sol).unwrap_or_default();
        assert_eq!(serde_json::from_str::<Solution>(&text).ok(), Some(sol));
        let infeasible = solved(&parse(CONTRACT));
        let text = serde_json::to_string(&infeasible).unwrap_or_default();
        assert_eq!(
            serde_json::from_str::<Solution>(&text).ok(),
            Some(infeasible)
        );
    }

    #[test]
    fn existing_pairs_are_kept_before_affinity_and_fixed_pairs_always() {
        // Without history p1 would take a2 (9); keeping the existing a1 wins.
        let inst = Instance::new(1)
            .min_per_kind(JudgeKind::Practitioner, 0)
            .proposal("p1")
            .judge("a1", JudgeKind::Academic, 1)
            .judge("a2", JudgeKind::Academic, 1)
            .affinity("a2", "p1", 9)
            .existing("a1", "p1");
        let sol = solved(&inst);
        assert_eq!(sol.assignments, vec![Pair::new("a1", "p1")]);
        assert_eq!((sol.kept, sol.dropped), (1, 0));
        let sol = solved(&inst.clone().fixed("a2", "p1"));
        assert_eq!(sol.assignments, vec![Pair::new("a2", "p1")]);
        assert_eq!((sol.kept, sol.dropped, sol.objective), (0, 1, 9));
    }

    #[test]
    fn the_bottleneck_names_the_saturated_judges() {
        // p2 and p3 both need a practitioner; r1 (load 1) is the only one without conflict
        // for either, so one of them stays short and the reason names r1 and the other.
        let inst = Instance::new(2)
            .proposal("p2")
            .proposal("p3")
            .judge("a1", JudgeKind::Academic, 5)
            .judge("r1", JudgeKind::Practitioner, 1)
            .judge("r2", JudgeKind::Practitioner, 5)
            .conflict("r2", "p2")
            .conflict("r2", "p3")
            .affinity("r1", "p3", 4);
        let sol = solved(&inst);
        assert_eq!(sol.status, Status::Infeasible);
        assert_eq!(sol.uncovered.len(), 1);
        let u = &sol.uncovered[0];
        assert_eq!(
            (u.proposal.as_str(), u.missing_total, u.missing_practitioner),
            ("p2", 1, 1)
        );
        assert!(
            u.why
                .contains("1 juri yang memenuhi syarat (r1) berkapasitas total 1"),
            "{}",
            u.why
        );
        assert!(u.why.contains("1 other proposal(s) (p3)"), "{}", u.why);
    }

    #[test]
    fn kind_shortage_is_named_by_kind() {
        let inst = Instance::new(3)
            .min_per_kind(JudgeKind::Practitioner, 2)
            .proposal("p3")
            .judge("a1", JudgeKind::Academic, 5)
            .judge("a2", JudgeKind::Academic, 5)
            .judge("r1", JudgeKind::Practitioner, 5)
            .judge("r2", JudgeKind::Practitioner, 5)
            .conflict("r2", "p3");
        let sol = solved(&inst);
        assert_eq!(sol.status, Status::Infeasible);
        let reason = sol.reason.unwrap_or_default();
        assert!(
            reason.contains("p3: hanya 1 juri praktisi tanpa konflik, dibutuhkan 2"),
            "{reason}"
        );
    }

    #[test]
    fn broken_instances_are_errors_with_both_languages() {
        let err = solve(&small().conflict("j9", "p1")).err();
        assert_eq!(err, Some(InstanceError::UnknownJudge("j9".into())));
        assert_eq!(
            err.map(|e| e.to_string()).unwrap_or_default(),
            "Juri \"j9\" tidak dikenal / unknown judge \"j9\""
        );
        assert_eq!(
            solve(&small().affinity("a1", "p7", 1)).err(),
            Some(InstanceError::UnknownProposal("p7".into()))
        );
        assert_eq!(
            solve(&small().proposal("p1")).err(),
            Some(InstanceError::DuplicateProposal("p1".into()))
        );
        assert_eq!(
            solve(&small().judge("a1", JudgeKind::Academic, 1)).err(),
            Some(InstanceError::DuplicateJudge("a1".into()))
        );
        assert_eq!(
            solve(&small().judge("x", JudgeKind::Academic, -1)).err(),
            Some(InstanceError::NegativeMaxLoad("x".into()))
        );
        assert!(matches!(
            solve(&small().min_per_kind(JudgeKind::Academic, 2)),
            Err(InstanceError::MinimumsExceedReviews { sum: 3, reviews: 2 })
        ));
        assert!(matches!(
            solve(&small().fixed("a1", "p2")),
            Err(InstanceError::FixedConflict { .. })
        ));
        assert!(matches!(
            solve(&small().fixed("a2", "p1").fixed("a2", "p2")),
            Err(InstanceError::FixedOverLoad { fixed: 2, .. })
        ));
        assert!(matches!(
            solve(&small().affinity("a1", "p1", 2)),
            Err(InstanceError::DuplicatePair {
                list: "affinity",
                ..
            })
        ));
        assert!(matches!(
            solve(&small().affinity("a2", "p2", MAX_ABS_SCORE + 1)),
            Err(InstanceError::ScoreOutOfRange { .. })
        ));
    }

    #[test]
    fn huge_loads_do_not_overflow() {
        let inst = small()
            .judge("big1", JudgeKind::Practitioner, i64::MAX)
            .judge("big2", JudgeKind::Practitioner, i64::MAX)
            .proposal("p3")
            .proposal("p4")
            .conflict("a2", "p3")
            .conflict("a1", "p4")
            .conflict("a2", "p4");
        let sol = solved(&inst);
        assert_eq!(sol.status, Status::Infeasible);
        assert_eq!(sol.uncovered.len(), 1, "{:?}", sol.reason);
    }

    /// Medium instances, where small-case exhaustive search cannot go: pricing the implicit
    /// pairs must reach the same optimum as materialising all of them.
    #[test]
    fn pricing_matches_the_dense_graph_on_medium_instances() {
        let mut state = 0x00C0_FFEEu64;
        let mut next = move |n: u64| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) % n
        };
        for case in 0..60 {
            let n_p = 10 + next(40) as usize;
            let n_j = 4 + next(16) as usize;
            let reviews = 1 + next(3) as u32;
            let mut inst = Instance::new(reviews)
                .min_per_kind(JudgeKind::Practitioner, u32::from(reviews > 1));
            for j in 0..n_j {
                let kind = if next(2) == 0 {
                    JudgeKind::Academic
                } else {
                    JudgeKind::Practitioner
                };
                inst = inst.judge(format!("j{j}"), kind, next(12) as i64);
            }
            for p in 0..n_p {
                inst = inst.proposal(format!("p{p}"));
                for j in 0..n_j {
                    match next(20) {
                        0 => inst = inst.conflict(format!("j{j}"), format!("p{p}")),
                        1..=3 => {
                            let score = next(8) as i64 - 2;
                            inst = inst.affinity(format!("j{j}"), format!("p{p}"), score);
                        }
                        4 if case % 2 == 0 => {
                            inst = inst.existing(format!("j{j}"), format!("p{p}"))
                        }
                        _ => {}
                    }
                }
            }
            let (priced, dense) = match (solve_with(&inst, false), solve_with(&inst, true)) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(e), _) | (_, Err(e)) => panic!("case {case}: {e}"),
            };
            let key = |s: &Solution| {
                let missing: u64 = s
                    .uncovered
                    .iter()
                    .map(|u| u.missing_total * 1000 + u.missing_academic + u.missing_practitioner)
                    .sum();
                (s.status, missing, s.dropped, s.objective)
            };
            assert_eq!(key(&priced), key(&dense), "case {case}");
        }
    }

    #[test]
    fn an_unavailable_judge_gets_nothing() {
        let inst = small()
            .judge("a0", JudgeKind::Academic, 0)
            .affinity("a0", "p1", 10);
        let sol = solved(&inst);
        assert!(sol.assignments.iter().all(|a| a.judge != "a0"));
        assert_eq!(sol.status, Status::Optimal);
    }
}
