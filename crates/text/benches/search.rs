//! Catalogue search and novelty over 100,000 synthetic entries.
//!
//! `cargo bench -p kolabik-text --bench search` (optional argument: number of entries).
//! Entries are Indonesian-looking text drawn from the stemming gold list with a Zipf-like
//! word frequency and a fixed seed, so every run indexes the same catalogue.

use std::time::{Duration, Instant};

use kolabik_text::{Document, FieldWeights, Filter, SearchIndex};

const GOLD: &str = include_str!("../data/stem-gold.tsv");
const FUNCTION_WORDS: &[&str] = &[
    "yang", "dan", "di", "untuk", "dengan", "dari", "pada", "dalam", "ke", "oleh", "agar", "serta",
    "bagi", "secara", "lebih", "tidak", "telah", "akan",
];
const PLACES: &[&str] = &[
    "Bugul Kidul",
    "Gadingrejo",
    "Panggungrejo",
    "Purworejo",
    "Trajeng",
    "Blandongan",
    "Kebonsari",
    "Pohjentrek",
];

/// SplitMix64: small, fast, and the same sequence on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Words with Zipf-like frequencies (s = 1): a few very common words, a long tail of rare ones.
struct Vocabulary {
    words: Vec<&'static str>,
    cumulative: Vec<f64>,
}

impl Vocabulary {
    fn new(rng: &mut Rng) -> Vocabulary {
        let mut words: Vec<&'static str> = GOLD
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('\t').map(|(w, _)| w))
            .collect();
        // Shuffle so that frequency does not follow the gold list's grouping by root.
        for i in (1..words.len()).rev() {
            words.swap(i, rng.below(i + 1));
        }
        let mut total = 0.0;
        let cumulative = (0..words.len())
            .map(|rank| {
                total += 1.0 / (rank as f64 + 1.0);
                total
            })
            .collect();
        Vocabulary { words, cumulative }
    }

    fn pick(&self, rng: &mut Rng) -> &'static str {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let x = rng.unit() * total;
        let i = self.cumulative.partition_point(|&c| c < x);
        self.words[i.min(self.words.len() - 1)]
    }

    fn text(&self, rng: &mut Rng, words: usize) -> String {
        let mut out = String::new();
        let mut sentence = 0;
        for i in 0..words {
            let word = if rng.below(10) < 3 {
                FUNCTION_WORDS[rng.below(FUNCTION_WORDS.len())]
            } else {
                self.pick(rng)
            };
            if sentence == 0 {
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    out.extend(first.to_uppercase());
                    out.push_str(chars.as_str());
                }
            } else {
                out.push_str(word);
            }
            sentence += 1;
            if sentence > 8 && rng.below(6) == 0 || i + 1 == words {
                out.push_str(". ");
                sentence = 0;
            } else {
                out.push(' ');
            }
        }
        out.trim_end().to_owned()
    }

    fn document(&self, rng: &mut Rng, id: i64) -> Document {
        let title_words = 3 + rng.below(5);
        let summary_words = 25 + rng.below(20);
        let body_words = 120 + rng.below(100);
        Document {
            id,
            title: self.text(rng, title_words).trim_end_matches('.').to_owned(),
            summary: format!(
                "{} di Kelurahan {}.",
                self.text(rng, summary_words).trim_end_matches('.'),
                PLACES[rng.below(PLACES.len())]
            ),
            body: self.text(rng, body_words),
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Time this thread has spent on a CPU, from the scheduler's own accounting. The machine is
/// shared, so wall-clock latency includes waiting for a core; CPU time shows the work itself.
fn cpu_time() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn main() {
    // `cargo bench` passes `--bench`; a number is the catalogue size.
    let entries: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let load_start = load_average();
    let mut rng = Rng(0x4b6f_6c61_6269_6b35);
    let vocabulary = Vocabulary::new(&mut rng);

    let started = Instant::now();
    let docs: Vec<Document> = (1..=entries as i64)
        .map(|id| vocabulary.document(&mut rng, id))
        .collect();
    let generated = started.elapsed();
    let words: usize = docs
        .iter()
        .map(|d| {
            d.title.split_whitespace().count()
                + d.summary.split_whitespace().count()
                + d.body.split_whitespace().count()
        })
        .sum();

    let started = Instant::now();
    let mut index = match SearchIndex::build(FieldWeights::default(), docs) {
        Ok(index) => index,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let built = started.elapsed();
    let rss_after_build = status_kb("VmRSS:").unwrap_or(0);

    // Search: one to three words, drawn like the catalogue's words (so common terms with long
    // posting lists are queried often), a third with a filter on half of the ids.
    let queries: Vec<String> = (0..1000)
        .map(|_| {
            let n = 1 + rng.below(3);
            (0..n)
                .map(|_| vocabulary.pick(&mut rng))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let even = |id: i64| id % 2 == 0;
    let mut search_times = Vec::with_capacity(queries.len());
    let search_cpu_start = cpu_time();
    let mut any_mode = 0;
    let mut total_hits = 0usize;
    for (i, q) in queries.iter().enumerate() {
        let filter = if i % 3 == 0 {
            Filter::Predicate(&even)
        } else {
            Filter::All
        };
        let t = Instant::now();
        let results = index.search(q, filter, 0, 20);
        search_times.push(t.elapsed());
        total_hits += results.total;
        if results.mode == kolabik_text::MatchMode::Any {
            any_mode += 1;
        }
    }
    let search_cpu = cpu_time().saturating_sub(search_cpu_start) / queries.len() as u32;
    search_times.sort();

    // Novelty: a new proposal of 150-250 words against the whole catalogue, top 10 with
    // shared terms. The first query also computes the vector norms (after the build).
    let t = Instant::now();
    let _ = index.similar_to_text("inovasi pelayanan", 1, Filter::All);
    let norms = t.elapsed();
    let texts: Vec<String> = (0..200)
        .map(|_| {
            let n = 150 + rng.below(100);
            vocabulary.text(&mut rng, n)
        })
        .collect();
    let mut novelty_times = Vec::with_capacity(texts.len());
    let novelty_cpu_start = cpu_time();
    for text in &texts {
        let t = Instant::now();
        let hits = index.similar_to_text(text, 10, Filter::All);
        novelty_times.push(t.elapsed());
        std::hint::black_box(hits);
    }
    let novelty_cpu = cpu_time().saturating_sub(novelty_cpu_start) / texts.len() as u32;
    novelty_times.sort();

    // Keeping the index current: replace 1,000 entries one by one.
    let t = Instant::now();
    for id in 1..=1000 {
        let doc = vocabulary.document(&mut rng, id);
        index.upsert(doc);
    }
    let upserts = t.elapsed() / 1000;
    // A write invalidates the cosine norms; the next novelty query recomputes them.
    let t = Instant::now();
    std::hint::black_box(index.similar_to_text(&texts[0], 10, Filter::All));
    let after_write = t.elapsed();

    let peak = status_kb("VmHWM:").unwrap_or(0);
    println!("load average at the start: {load_start}");
    println!(
        "entries: {entries} ({words} words, generated in {})",
        ms(generated)
    );
    println!(
        "index build: {} ({:.0} entries/s); resident after build {} MB",
        ms(built),
        entries as f64 / built.as_secs_f64(),
        rss_after_build / 1024
    );
    println!(
        "search, 1000 queries of 1-3 words (limit 20, snippets; 1/3 filtered): p50 {}, p99 {}, max {}; {any_mode} fell back to OR; mean matches {}",
        ms(percentile(&search_times, 50.0)),
        ms(percentile(&search_times, 99.0)),
        ms(percentile(&search_times, 100.0)),
        total_hits / queries.len()
    );
    println!(
        "novelty, 200 texts of 150-250 words (top 10 with shared terms): p50 {}, p99 {}, max {}; first query with norms {}",
        ms(percentile(&novelty_times, 50.0)),
        ms(percentile(&novelty_times, 99.0)),
        ms(percentile(&novelty_times, 100.0)),
        ms(norms)
    );
    // The scheduler's clock advances in ticks, so CPU time is only meaningful as a mean.
    println!(
        "  mean CPU time per query: search {}, novelty {}",
        ms(search_cpu),
        ms(novelty_cpu)
    );
    println!(
        "upsert (replace one entry): mean {}; next novelty query (recomputes norms) {}",
        ms(upserts),
        ms(after_write)
    );
    println!("load average at the end: {}", load_average());
    println!("peak memory (VmHWM): {} MB", peak / 1024);
}
