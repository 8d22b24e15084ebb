//! Times the exact judge-assignment solver on seeded, national-scale instances.
//! Run: `cargo bench -p kolabik-domain --bench assignment`. Numbers go to docs/PERFORMANCE.md.

use std::time::Instant;

use kolabik_domain::JudgeKind;
use kolabik_domain::assignment::{Instance, solve};

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
/// `max_load`; about 3 conflicts per proposal and about 30 judges with a score of 1–10 each.
fn instance(seed: u64, proposals: usize, judges: usize, max_load: i64) -> Instance {
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
            let j = rng.below(judges as u64);
            if used.insert(j) {
                let score = 1 + rng.below(10) as i64;
                inst = inst.affinity(format!("j{j:04}"), id.clone(), score);
                scored += 1;
            }
        }
    }
    inst
}

fn run(label: &str, inst: &Instance) {
    let started = Instant::now();
    match solve(inst) {
        Ok(sol) => {
            let took = started.elapsed();
            println!(
                "{label}: {:.3} s, status {:?}, objective {}, {} assignments",
                took.as_secs_f64(),
                sol.status,
                sol.objective,
                sol.assignments.len()
            );
        }
        Err(e) => println!("{label}: instance error: {e}"),
    }
}

fn main() {
    let small = instance(2026, 2_000, 150, 60);
    run("2,000 proposals × 3 among 150 judges", &small);
    let national = instance(11_28, 10_000, 600, 60);
    run("10,000 proposals × 3 among 600 judges", &national);
}
