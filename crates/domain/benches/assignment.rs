//! Times the exact judge-assignment solver on seeded, national-scale instances.
//! Run: `cargo bench -p kolabik-domain --bench assignment`. Numbers go to docs/PERFORMANCE.md.

use std::time::Instant;

use kolabik_domain::JudgeKind;
use kolabik_domain::assignment::{Instance, Solution, solve};

/// SplitMix64: a seeded generator, so every run solves the same instance.
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
}

/// `proposals` × 3 reviews among `judges` (half academic, half practitioner) with
/// `max_load`; about 3 conflicts per proposal and 30 judges with a score of 1–10 each, drawn
/// from the first `pool` judges.
fn scored_instance(
    seed: u64,
    proposals: usize,
    judges: usize,
    max_load: i64,
    pool: usize,
) -> Instance {
    let mut rng = Rng(seed);
    let mut inst = Instance::new(3);
    for j in 0..judges {
        let kind = if j % 2 == 0 {
            JudgeKind::Academic
        } else {
            JudgeKind::Practitioner
        };
        inst = inst.judge(format!("j{j:04}"), kind, max_load);
    }
    for p in 0..proposals {
        let id = format!("p{p:05}");
        inst = inst.proposal(id.clone());
        let mut used = std::collections::HashSet::new();
        for _ in 0..3 {
            let j = rng.below(judges as u64);
            if used.insert(j) {
                inst = inst.conflict(format!("j{j:04}"), id.clone());
            }
        }
        let mut scored = 0;
        while scored < 30 {
            let j = rng.below(pool as u64);
            if used.insert(j) {
                let score = 1 + rng.below(10) as i64;
                inst = inst.affinity(format!("j{j:04}"), id.clone(), score);
                scored += 1;
            }
        }
    }
    inst
}

fn instance(seed: u64, proposals: usize, judges: usize, max_load: i64) -> Instance {
    scored_instance(seed, proposals, judges, max_load, judges)
}

/// CPU time of this thread in seconds (Linux, 10 ms ticks), or `None` elsewhere. The
/// benchmark machine is shared, so wall time alone overstates the solver's cost when others
/// build at the same time.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// Solves three times and prints the fastest and slowest wall time and the fastest CPU time.
fn run(label: &str, inst: &Instance) -> Option<Solution> {
    let mut wall = Vec::new();
    let mut cpu = Vec::new();
    let mut last = None;
    for _ in 0..3 {
        let cpu_start = cpu_seconds();
        let started = Instant::now();
        let solved = solve(inst);
        wall.push(started.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (cpu_start, cpu_seconds()) {
            cpu.push(b - a);
        }
        last = Some(solved);
    }
    wall.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    let cpu = cpu
        .first()
        .map(|c| format!(", CPU {c:.2} s"))
        .unwrap_or_default();
    match last {
        Some(Ok(sol)) => {
            println!(
                "{label}: wall {:.3}–{:.3} s{cpu}; {:?}, objective {}, {} assignments, \
                 kept {}, dropped {}",
                wall[0],
                wall[wall.len() - 1],
                sol.status,
                sol.objective,
                sol.assignments.len(),
                sol.kept,
                sol.dropped
            );
            Some(sol)
        }
        Some(Err(e)) => {
            println!("{label}: instance error: {e}");
            None
        }
        None => None,
    }
}

fn main() {
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average at start: {}", load.trim());
    }
    let small = instance(2026, 2_000, 150, 60);
    run("2,000 proposals × 3 among 150 judges", &small);
    let national = instance(11_28, 10_000, 600, 60);
    let first = run("10,000 proposals × 3 among 600 judges", &national);

    // A re-solve after 200 new conflicts on current pairs: keep every other existing pair.
    if let Some(first) = first {
        let mut again = national.clone();
        again.existing = first.assignments.clone();
        for pair in first.assignments.iter().step_by(150) {
            again
                .conflicts
                .push((pair.judge.clone(), pair.proposal.clone()));
        }
        run(
            "  re-solve with 30,000 existing pairs, 200 of them now in conflict",
            &again,
        );
    }

    // Capacity equal to the demand: every judge full, long augmenting chains, and zero pairs
    // brought in by pricing.
    let tight = instance(11_28, 10_000, 600, 50);
    run(
        "10,000 × 3 among 600, max_load 50 (capacity = demand)",
        &tight,
    );

    // Every score goes to the same 60 judges (capacity 3,600 of 30,000 slots): most
    // slots go to unscored judges, which pricing has to bring in.
    let skewed = scored_instance(11_28, 10_000, 600, 60, 60);
    run(
        "10,000 × 3 among 600, all scores on 60 popular judges",
        &skewed,
    );

    // Nobody scored anything: every pair is implicit.
    let mut blank = national.clone();
    blank.affinity.clear();
    run("10,000 × 3 among 600, no affinity at all", &blank);

    // Not enough capacity: the best partial assignment and the reasons.
    let short = instance(11_28, 10_000, 600, 45);
    run(
        "10,000 × 3 among 600, max_load 45 (capacity 27,000: infeasible)",
        &short,
    );
}
