//! The in-memory catalogue index: BM25F ranked search with snippets, and TF-IDF cosine
//! similarity for the novelty report.
//!
//! The index is a derived cache of the database: it holds nothing the documents do not, and
//! its answers depend only on the current set of documents, never on the order they were
//! added in (terms are visited in sorted order and scores are rounded before comparing).

use std::cell::RefCell;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::OnceLock;

use crate::TextError;
use crate::analyzer::Analyzer;
use crate::hash::FnvMap;

/// A catalogue entry or proposal as the index sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub body: String,
}

/// How much one occurrence in each field counts (BM25F): a word in the title says more about
/// the document than the same word deep in the body.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldWeights {
    pub title: f64,
    pub summary: f64,
    pub body: f64,
}

impl Default for FieldWeights {
    fn default() -> FieldWeights {
        FieldWeights {
            title: 3.0,
            summary: 1.5,
            body: 1.0,
        }
    }
}

/// Which documents a search or similarity query may return. Filters (year, region, category…)
/// live in the database; the caller passes their outcome.
#[derive(Clone, Copy, Default)]
pub enum Filter<'a> {
    #[default]
    All,
    Ids(&'a HashSet<i64>),
    Predicate(&'a dyn Fn(i64) -> bool),
}

impl Filter<'_> {
    fn allows(&self, id: i64) -> bool {
        match self {
            Filter::All => true,
            Filter::Ids(ids) => ids.contains(&id),
            Filter::Predicate(p) => p(id),
        }
    }
}

/// Whether the results matched every query term or, because nothing did, at least one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchMode {
    All,
    Any,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub id: i64,
    /// BM25F score rounded to six decimals.
    pub score: f64,
    /// HTML: escaped text around the best-matching window with `<mark>` around matched words.
    pub snippet: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    /// Documents matching (after the filter), for paging and facet totals.
    pub total: usize,
    pub mode: MatchMode,
    /// The query's terms as searched (stemmed, stop words removed, sorted, distinct).
    pub terms: Vec<String>,
    pub hits: Vec<SearchHit>,
}

/// A term two documents share, with its share of their cosine similarity.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedTerm {
    pub term: String,
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SimilarHit {
    pub id: i64,
    /// Cosine similarity in 0–1, rounded to six decimals.
    pub score: f64,
    /// The shared terms that contribute most, strongest first: why the two look alike.
    pub shared: Vec<SharedTerm>,
}

const K1: f64 = 1.2;
const B: f64 = 0.75;
/// BM25's length normalisation compares a document's weighted length with this reference
/// (about a catalogue entry's summary and body after stop words) rather than with the
/// catalogue's mean: a document's term weights then never change when others are added, so an
/// edit does not reweight the whole index and the weights can be computed once, at upsert.
const REFERENCE_LENGTH: f64 = 250.0;
/// Most distinct terms a search query uses (the first in alphabetical order).
const MAX_QUERY_TERMS: usize = 32;
/// Snippet length in words around the best window.
const SNIPPET_WORDS: usize = 30;
/// Most shared terms reported per similar document.
const SHARED_TERMS: usize = 8;
/// A novelty query uses its strongest terms only. The weakest of a long text are frequent
/// words with long posting lists and almost no weight (a tf-idf weight falls with the log of
/// the document frequency), so dropping them bounds the work at a negligible change in scores.
const SIMILAR_QUERY_TERMS: usize = 40;
/// In a catalogue of at least this many entries, a term in more than half of them (layanan,
/// inovasi, masyarakat) is left out of a novelty query: it is in nearly every candidate, so it
/// barely changes the order, yet its posting list is the longest there is.
const COMMON_TERM_MIN_DOCS: usize = 1000;

struct Slot {
    doc: Document,
    /// (term id, ln(1 + weighted term frequency)) sorted by the term's text, so sums over a
    /// document run in the same order however the index was built. The logarithm is stored
    /// because recomputing every norm after a write would otherwise spend most of its time in
    /// it.
    terms: Vec<(u32, f32)>,
}

#[derive(Clone, Copy)]
struct Posting {
    slot: u32,
    /// The BM25 term-frequency part, tf·(k1+1)/(tf + k1·(1−b+b·length/reference)):
    /// fixed per document, so a search adds idf × impact per posting.
    impact: f32,
    /// ln(1 + tf), the tf-idf weight before idf: stored because a novelty query reads it for
    /// every posting of up to 40 terms and the logarithm would dominate the loop.
    log_tf: f32,
}

/// The index. Build it once from the database, then keep it current with
/// [`SearchIndex::upsert`] and [`SearchIndex::remove`].
pub struct SearchIndex {
    weights: FieldWeights,
    analyzer: Analyzer,
    slots: Vec<Option<Slot>>,
    /// Weighted length per slot, dense beside `slots` so the scoring loop stays in cache.
    lengths: Vec<f64>,
    /// Document id per slot, dense for the same reason.
    ids: Vec<i64>,
    /// Slots ready for reuse. A removed document's slot waits in `retired` until its postings
    /// are swept, so no stale posting can point at a new document.
    free: Vec<u32>,
    retired: Vec<u32>,
    /// Postings of removed documents still in the lists; swept when they reach a quarter.
    dead_postings: usize,
    live_postings: usize,
    /// Live documents per term: the document frequency every idf uses, exact at all times.
    df: Vec<u32>,
    by_id: HashMap<i64, u32>,
    term_ids: FnvMap<String, u32>,
    term_text: Vec<String>,
    postings: Vec<Vec<Posting>>,
    /// Per-slot vector norms for cosine similarity. They depend on every document's document
    /// frequencies, so they are recomputed lazily after a change rather than on each upsert.
    norms: OnceLock<Vec<f64>>,
}

/// ln(1 + tf) as stored in postings; every document-side weight goes through it so that norms,
/// dot products and shared-term weights use the same number.
fn log_weight(tf: f32) -> f32 {
    f64::from(tf).ln_1p() as f32
}

thread_local! {
    /// Per-thread accumulators, one entry per slot, reused across queries: allocating and
    /// zeroing a fresh megabyte per query cost more than the scoring itself. Every user leaves
    /// them all zero again (only the entries it touched are reset).
    static SCRATCH: RefCell<(Vec<f64>, Vec<u16>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

fn with_scratch<R>(slots: usize, f: impl FnOnce(&mut [f64], &mut [u16]) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            let (acc, count) = &mut *scratch;
            if acc.len() < slots {
                acc.resize(slots, 0.0);
                count.resize(slots, 0);
            }
            f(&mut acc[..slots], &mut count[..slots])
        }
        // Only reachable if a caller's code runs a query from inside a query on one thread;
        // then fresh buffers keep it correct.
        Err(_) => f(&mut vec![0.0; slots], &mut vec![0; slots]),
    })
}

/// Rounds to six decimals so that float noise (summation order, a last-bit difference in a
/// platform's logarithm) cannot split a tie. Scores are non-negative and far below 2^53/10^6,
/// so the truncating cast is exact and cheaper than `f64::round`, a library call on baseline
/// x86-64, made here for every candidate.
fn round6(x: f64) -> f64 {
    ((x.max(0.0) * 1e6 + 0.5) as i64) as f64 / 1e6
}

/// Orders (score, id): score descending, then id ascending. Scores are already rounded, so
/// float noise cannot split a tie.
fn rank_order(a: &(f64, i64), b: &(f64, i64)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

/// Keeps the best `k` of a stream by [`rank_order`] without sorting everything.
fn top_k(items: impl Iterator<Item = (f64, i64)>, k: usize) -> Vec<(f64, i64)> {
    #[derive(PartialEq)]
    struct Worst((f64, i64));
    impl Eq for Worst {}
    impl PartialOrd for Worst {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for Worst {
        // The heap's top is the worst kept item, so it is the one to evict.
        fn cmp(&self, other: &Self) -> std::cmp::Ordering {
            rank_order(&self.0, &other.0)
        }
    }
    if k == 0 {
        return Vec::new();
    }
    let mut heap: BinaryHeap<Worst> = BinaryHeap::with_capacity(k + 1);
    for item in items {
        if heap.len() < k {
            heap.push(Worst(item));
        } else if let Some(worst) = heap.peek()
            && rank_order(&item, &worst.0).is_lt()
        {
            heap.pop();
            heap.push(Worst(item));
        }
    }
    let mut out: Vec<(f64, i64)> = heap.into_iter().map(|w| w.0).collect();
    out.sort_by(rank_order);
    out
}

impl SearchIndex {
    pub fn new(weights: FieldWeights) -> Result<SearchIndex, TextError> {
        let valid = |w: f64| w.is_finite() && w > 0.0;
        if !(valid(weights.title) && valid(weights.summary) && valid(weights.body)) {
            return Err(TextError::InvalidFieldWeights);
        }
        Ok(SearchIndex {
            weights,
            analyzer: Analyzer::new(),
            slots: Vec::new(),
            lengths: Vec::new(),
            ids: Vec::new(),
            free: Vec::new(),
            retired: Vec::new(),
            dead_postings: 0,
            live_postings: 0,
            df: Vec::new(),
            by_id: HashMap::new(),
            term_ids: FnvMap::default(),
            term_text: Vec::new(),
            postings: Vec::new(),
            norms: OnceLock::new(),
        })
    }

    /// Builds an index from many documents at once.
    pub fn build(
        weights: FieldWeights,
        docs: impl IntoIterator<Item = Document>,
    ) -> Result<SearchIndex, TextError> {
        let mut index = SearchIndex::new(weights)?;
        for doc in docs {
            index.upsert(doc);
        }
        Ok(index)
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn contains(&self, id: i64) -> bool {
        self.by_id.contains_key(&id)
    }

    /// The weighted term frequencies of a document, keyed by term text.
    fn analyse(&self, doc: &Document) -> (Vec<(String, f32)>, f64) {
        let mut tf: FnvMap<String, f64> = FnvMap::default();
        let mut length = 0.0;
        for (text, weight) in [
            (&doc.title, self.weights.title),
            (&doc.summary, self.weights.summary),
            (&doc.body, self.weights.body),
        ] {
            self.analyzer.walk(text, |_, _, _, stem| {
                if let Some(stem) = stem {
                    match tf.get_mut(stem) {
                        Some(f) => *f += weight,
                        None => {
                            tf.insert(stem.to_owned(), weight);
                        }
                    }
                    length += weight;
                }
            });
        }
        let mut terms: Vec<(String, f32)> = tf.into_iter().map(|(t, f)| (t, f as f32)).collect();
        terms.sort_by(|a, b| a.0.cmp(&b.0));
        (terms, length)
    }

    fn term_id(&mut self, term: String) -> u32 {
        if let Some(&id) = self.term_ids.get(&term) {
            return id;
        }
        let id = self.term_text.len() as u32;
        self.term_text.push(term.clone());
        self.term_ids.insert(term, id);
        self.postings.push(Vec::new());
        self.df.push(0);
        id
    }

    /// Adds a document or replaces the one with the same id.
    pub fn upsert(&mut self, doc: Document) {
        self.remove(doc.id);
        let (terms, length) = self.analyse(&doc);
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                self.lengths.push(0.0);
                self.ids.push(0);
                (self.slots.len() - 1) as u32
            }
        };
        self.lengths[slot as usize] = length;
        self.ids[slot as usize] = doc.id;
        let mut ids = Vec::with_capacity(terms.len());
        for (term, tf) in terms {
            let id = self.term_id(term);
            self.df[id as usize] += 1;
            self.live_postings += 1;
            let t = f64::from(tf);
            let impact = t * (K1 + 1.0) / (t + K1 * (1.0 - B + B * length / REFERENCE_LENGTH));
            self.postings[id as usize].push(Posting {
                slot,
                impact: impact as f32,
                log_tf: log_weight(tf),
            });
            ids.push((id, log_weight(tf)));
        }
        self.by_id.insert(doc.id, slot);
        self.slots[slot as usize] = Some(Slot { doc, terms: ids });
        self.norms = OnceLock::new();
    }

    /// Removes a document; returns whether it was there.
    pub fn remove(&mut self, id: i64) -> bool {
        let Some(slot) = self.by_id.remove(&id) else {
            return false;
        };
        // Removal only marks the slot dead (length 0, which no live document with postings
        // has) and lowers the document frequencies: scanning posting lists that cover most of
        // the catalogue on every edit would cost milliseconds. Scoring skips dead postings.
        if let Some(old) = self.slots[slot as usize].take() {
            for (term, _) in &old.terms {
                self.df[*term as usize] -= 1;
            }
            self.dead_postings += old.terms.len();
            self.live_postings -= old.terms.len();
            self.lengths[slot as usize] = 0.0;
        }
        self.retired.push(slot);
        if self.dead_postings > self.live_postings / 4 {
            self.sweep();
        }
        self.norms = OnceLock::new();
        true
    }

    /// Drops the postings of removed documents and frees their slots.
    fn sweep(&mut self) {
        let lengths = &self.lengths;
        for list in &mut self.postings {
            list.retain(|p| lengths[p.slot as usize] > 0.0);
        }
        self.dead_postings = 0;
        self.free.append(&mut self.retired);
    }

    fn doc_count(&self) -> f64 {
        self.by_id.len() as f64
    }

    fn bm25_idf(&self, df: usize) -> f64 {
        let n = self.doc_count();
        let df = df as f64;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// Known query terms, distinct and sorted (the order scores are summed in).
    fn query_terms(&self, query: &str) -> (Vec<String>, Vec<u32>) {
        let mut terms = self.analyzer.terms(query);
        terms.sort();
        terms.dedup();
        // A search box query has a handful of words; a pasted essay would make every query
        // an OR over the whole catalogue (and overflow the per-document match counter).
        terms.truncate(MAX_QUERY_TERMS);
        let ids = terms
            .iter()
            .map(|t| self.term_ids.get(t).copied().unwrap_or(u32::MAX))
            .collect();
        (terms, ids)
    }

    /// Scores the documents containing the query terms and keeps those the filter allows:
    /// the ones with every term, or with any when none has them all. Returns the mode, the
    /// number of matches and, rounded, the best `keep` of them in rank order, or all of them
    /// unordered when `keep` is `None`.
    fn matches(
        &self,
        ids: &[u32],
        filter: Filter<'_>,
        keep: Option<usize>,
    ) -> (MatchMode, usize, Vec<(f64, i64)>) {
        let has_dead = self.dead_postings > 0;
        let want = ids.len() as u16;
        with_scratch(self.slots.len(), |score, matched| {
            let mut touched = Vec::new();
            for &id in ids {
                let Some(list) = self.postings.get(id as usize) else {
                    continue;
                };
                let idf = self.bm25_idf(self.df[id as usize] as usize);
                for p in list {
                    let s = p.slot as usize;
                    if has_dead && self.lengths[s] == 0.0 {
                        continue;
                    }
                    score[s] += idf * f64::from(p.impact);
                    if matched[s] == 0 {
                        touched.push(p.slot);
                    }
                    matched[s] += 1;
                }
            }
            // The filter (the caller's code, maybe a set lookup per id) sees the partial
            // matches only when no full match passes it.
            let result = {
                let (score, matched) = (&*score, &*matched);
                let candidates = |all_terms: bool| {
                    touched
                        .iter()
                        .filter(move |&&slot| !all_terms || matched[slot as usize] == want)
                        .filter_map(move |&slot| {
                            let id = self.id_of(slot)?;
                            filter
                                .allows(id)
                                .then(|| (round6(score[slot as usize]), id))
                        })
                };
                let select = |all_terms: bool| -> (usize, Vec<(f64, i64)>) {
                    match keep {
                        // Nothing to rank, but the total still counts.
                        Some(0) => (candidates(all_terms).count(), Vec::new()),
                        Some(k) => {
                            let mut total = 0;
                            let top = top_k(candidates(all_terms).inspect(|_| total += 1), k);
                            (total, top)
                        }
                        None => {
                            let all: Vec<(f64, i64)> = candidates(all_terms).collect();
                            (all.len(), all)
                        }
                    }
                };
                match select(true) {
                    (0, _) => {
                        let (total, found) = select(false);
                        (MatchMode::Any, total, found)
                    }
                    (total, found) => (MatchMode::All, total, found),
                }
            };
            for &slot in &touched {
                (score[slot as usize], matched[slot as usize]) = (0.0, 0);
            }
            result
        })
    }

    /// The id of a live slot that has postings (only those are ever scored).
    fn id_of(&self, slot: u32) -> Option<i64> {
        let s = slot as usize;
        (self.lengths.get(s).copied().unwrap_or(0.0) > 0.0).then(|| self.ids[s])
    }

    /// Ranked search: documents with every query term, or with any when none has them all.
    /// Order: score descending, then id ascending.
    pub fn search(
        &self,
        query: &str,
        filter: Filter<'_>,
        offset: usize,
        limit: usize,
    ) -> SearchResults {
        let (terms, ids) = self.query_terms(query);
        let (mode, total, page) = self.matches(&ids, filter, Some(offset.saturating_add(limit)));
        let stems: HashSet<&str> = terms.iter().map(String::as_str).collect();
        let hits = page
            .into_iter()
            .skip(offset)
            .map(|(score, id)| SearchHit {
                id,
                score,
                snippet: self
                    .by_id
                    .get(&id)
                    .and_then(|&s| self.slots[s as usize].as_ref())
                    .map(|slot| snippet(&self.analyzer, &slot.doc, &stems))
                    .unwrap_or_default(),
            })
            .collect();
        SearchResults {
            total,
            mode,
            terms,
            hits,
        }
    }

    /// Every matching id (same AND-then-OR rule as [`SearchIndex::search`]), ascending: what
    /// the caller needs for facet counts.
    pub fn matching_ids(&self, query: &str, filter: Filter<'_>) -> (MatchMode, Vec<i64>) {
        let (_, ids) = self.query_terms(query);
        let (mode, _, matches) = self.matches(&ids, filter, None);
        let mut out: Vec<i64> = matches.into_iter().map(|(_, id)| id).collect();
        out.sort_unstable();
        (mode, out)
    }

    /// Smoothed idf for tf-idf vectors; a term no document has gets the highest weight, so a
    /// text full of new words scores low against everything.
    fn tfidf_idf(&self, df: usize) -> f64 {
        ((self.doc_count() + 1.0) / (df as f64 + 1.0)).ln() + 1.0
    }

    fn norms(&self) -> &[f64] {
        self.norms.get_or_init(|| {
            let idf: Vec<f64> = self
                .df
                .iter()
                .map(|&df| self.tfidf_idf(df as usize))
                .collect();
            self.slots
                .iter()
                .map(|slot| {
                    slot.as_ref().map_or(0.0, |s| {
                        s.terms
                            .iter()
                            .map(|&(t, log_tf)| {
                                let w = f64::from(log_tf) * idf[t as usize];
                                w * w
                            })
                            .sum::<f64>()
                            .sqrt()
                    })
                })
                .collect()
        })
    }

    /// The query vector of a text: (term text, known term id, weight), strongest first.
    fn text_vector(&self, text: &str) -> Vec<(String, Option<u32>, f64)> {
        let mut tf: HashMap<String, f64> = HashMap::new();
        for term in self.analyzer.terms(text) {
            *tf.entry(term).or_default() += 1.0;
        }
        let mut v: Vec<(String, Option<u32>, f64)> = tf
            .into_iter()
            .map(|(term, f)| {
                let id = self.term_ids.get(&term).copied();
                let df = id.map_or(0, |i| self.df[i as usize] as usize);
                let w = f.ln_1p() * self.tfidf_idf(df);
                (term, id, w)
            })
            .collect();
        v.sort_by(|a, b| b.2.total_cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        v
    }

    fn doc_vector(&self, slot: &Slot) -> Vec<(String, Option<u32>, f64)> {
        let mut v: Vec<(String, Option<u32>, f64)> = slot
            .terms
            .iter()
            .map(|&(t, log_tf)| {
                let w = f64::from(log_tf) * self.tfidf_idf(self.df[t as usize] as usize);
                (self.term_text[t as usize].clone(), Some(t), w)
            })
            .collect();
        v.sort_by(|a, b| b.2.total_cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        v
    }

    fn similar_vector(
        &self,
        vector: Vec<(String, Option<u32>, f64)>,
        exclude: Option<i64>,
        k: usize,
        filter: Filter<'_>,
    ) -> Vec<SimilarHit> {
        let query_norm = vector.iter().map(|x| x.2 * x.2).sum::<f64>().sqrt();
        if query_norm == 0.0 || k == 0 {
            return Vec::new();
        }
        // Strongest terms only (see SIMILAR_QUERY_TERMS), then summed in term order.
        let common = (self.by_id.len() >= COMMON_TERM_MIN_DOCS).then_some(self.by_id.len() / 2);
        let mut used: Vec<(String, u32, f64)> = vector
            .into_iter()
            .filter_map(|(t, id, w)| id.map(|id| (t, id, w)))
            .filter(|(_, id, _)| common.is_none_or(|c| (self.df[*id as usize] as usize) <= c))
            .take(SIMILAR_QUERY_TERMS)
            .collect();
        used.sort_by(|a, b| a.0.cmp(&b.0));
        let norms = self.norms();
        let has_dead = self.dead_postings > 0;
        let dots: Vec<(u32, f64)> = with_scratch(self.slots.len(), |dot, _| {
            let mut touched = Vec::new();
            for (_, id, qw) in &used {
                let list = &self.postings[*id as usize];
                let factor = qw * self.tfidf_idf(self.df[*id as usize] as usize);
                for p in list {
                    let s = p.slot as usize;
                    if has_dead && self.lengths[s] == 0.0 {
                        continue;
                    }
                    if dot[s] == 0.0 {
                        touched.push(p.slot);
                    }
                    dot[s] += factor * f64::from(p.log_tf);
                }
            }
            touched
                .into_iter()
                .map(|slot| (slot, std::mem::take(&mut dot[slot as usize])))
                .collect()
        });
        let ranked = top_k(
            dots.into_iter().filter_map(|(slot, dot)| {
                let id = self.id_of(slot)?;
                let norm = norms[slot as usize];
                if Some(id) == exclude || !filter.allows(id) || norm == 0.0 {
                    return None;
                }
                Some((round6(dot / (query_norm * norm)), id))
            }),
            k,
        );
        ranked
            .into_iter()
            .map(|(score, id)| {
                let slot = self
                    .by_id
                    .get(&id)
                    .and_then(|&s| self.slots[s as usize].as_ref());
                let norm = self.by_id.get(&id).map_or(1.0, |&s| norms[s as usize]);
                let mut shared: Vec<SharedTerm> = used
                    .iter()
                    .filter_map(|(term, tid, qw)| {
                        let slot = slot?;
                        let log_tf = slot.terms.iter().find(|(t, _)| t == tid).map(|&(_, l)| l)?;
                        let dw =
                            f64::from(log_tf) * self.tfidf_idf(self.df[*tid as usize] as usize);
                        Some(SharedTerm {
                            term: term.clone(),
                            weight: round6(qw * dw / (query_norm * norm)),
                        })
                    })
                    .collect();
                shared.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.term.cmp(&b.term)));
                shared.truncate(SHARED_TERMS);
                SimilarHit { id, score, shared }
            })
            .collect()
    }

    /// The `k` indexed documents most similar to a text (tf-idf cosine over stems).
    pub fn similar_to_text(&self, text: &str, k: usize, filter: Filter<'_>) -> Vec<SimilarHit> {
        self.similar_vector(self.text_vector(text), None, k, filter)
    }

    /// The `k` documents most similar to an indexed one (itself excluded); `None` when the id
    /// is not indexed.
    pub fn similar_to(&self, id: i64, k: usize, filter: Filter<'_>) -> Option<Vec<SimilarHit>> {
        let slot = self.slots[*self.by_id.get(&id)? as usize].as_ref()?;
        Some(self.similar_vector(self.doc_vector(slot), Some(id), k, filter))
    }

    /// The `n` terms of a text that weigh most against this corpus (tf-idf): what makes it
    /// distinctive rather than merely frequent.
    pub fn key_terms(&self, text: &str, n: usize) -> Vec<String> {
        self.text_vector(text)
            .into_iter()
            .take(n)
            .map(|(t, _, _)| t)
            .collect()
    }
}

pub(crate) fn escape_html(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
}

/// One word of a field for snippets: its span and the query stem it matched, if any.
type SnippetWord<'a> = (usize, usize, Option<&'a str>);

fn snippet_words<'a>(
    analyzer: &Analyzer,
    text: &str,
    stems: &HashSet<&'a str>,
) -> Vec<SnippetWord<'a>> {
    let mut words: Vec<SnippetWord<'a>> = Vec::new();
    analyzer.walk(text, |start, end, _, stem| {
        let hit = stem.and_then(|s| stems.get(s).copied());
        // Expanded abbreviations repeat a span; one word of the text is one snippet word.
        match words.last_mut() {
            Some(last) if last.0 == start => last.2 = last.2.or(hit),
            _ => words.push((start, end, hit)),
        }
    });
    words
}

/// The best ~30-word window of the summary or body (the title is shown anyway): the most
/// distinct query terms, then the most matched words, then the earliest (summary first). A
/// summary window with every query term ends the search.
pub(crate) fn snippet(analyzer: &Analyzer, doc: &Document, stems: &HashSet<&str>) -> String {
    let fields = [doc.summary.as_str(), doc.body.as_str()];
    let mut words: Vec<Vec<SnippetWord<'_>>> = Vec::with_capacity(2);
    // (distinct, hits, field, first word); the first field with words is the fallback.
    let mut best: Option<(usize, usize, usize, usize)> = None;
    for (f, text) in fields.iter().enumerate() {
        // A summary window with every query term is as good as a snippet gets, and the
        // summary is what the entry says about itself: the body (most of the text) is only
        // read when the summary falls short.
        if best.is_some_and(|(d, _, _, _)| d == stems.len()) {
            break;
        }
        words.push(snippet_words(analyzer, text, stems));
        let list = &words[f];
        if list.is_empty() {
            continue;
        }
        if best.is_none() {
            best = Some((0, 0, f, 0));
        }
        for start in 0..list.len() {
            if list[start].2.is_none() {
                // A best window can always start on a matched word.
                continue;
            }
            let window = &list[start..(start + SNIPPET_WORDS).min(list.len())];
            let mut distinct: Vec<&str> = window.iter().filter_map(|w| w.2).collect();
            let hits = distinct.len();
            distinct.sort_unstable();
            distinct.dedup();
            if best.is_none_or(|(d, h, _, _)| (distinct.len(), hits) > (d, h)) {
                best = Some((distinct.len(), hits, f, start));
            }
        }
    }
    let Some((_, _, f, start)) = best else {
        return String::new();
    };
    let (text, list) = (fields[f], &words[f]);
    // Centre the window a little: a few words of context before the first match read better.
    let start = start
        .saturating_sub(5)
        .min(list.len().saturating_sub(SNIPPET_WORDS));
    let window = &list[start..(start + SNIPPET_WORDS).min(list.len())];
    let (Some(first), Some(last)) = (window.first(), window.last()) else {
        return String::new();
    };
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut pos = first.0;
    for &(s, e, hit) in window {
        escape_html(&text[pos..s], &mut out);
        if hit.is_some() {
            out.push_str("<mark>");
            escape_html(&text[s..e], &mut out);
            out.push_str("</mark>");
        } else {
            escape_html(&text[s..e], &mut out);
        }
        pos = e;
    }
    if start + SNIPPET_WORDS >= list.len() {
        // The window ends the text: keep its closing punctuation.
        escape_html(text[last.1..].trim_end(), &mut out);
    } else {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: i64, title: &str, summary: &str, body: &str) -> Document {
        Document {
            id,
            title: title.to_owned(),
            summary: summary.to_owned(),
            body: body.to_owned(),
        }
    }

    fn catalogue() -> Vec<Document> {
        vec![
            doc(
                1,
                "Antrean daring puskesmas",
                "Pasien mendaftar antrean lewat aplikasi sebelum datang.",
                "Pelayanan di puskesmas menjadi lebih cepat karena pasien tidak menunggu lama.",
            ),
            doc(
                2,
                "Jemput bola KTP elektronik",
                "Petugas Dukcapil melayani perekaman e-KTP di kelurahan.",
                "Warga lansia dan penyandang disabilitas dilayani di rumah.",
            ),
            doc(
                3,
                "Pengaduan lewat WhatsApp",
                "Masyarakat menyampaikan pengaduan pelayanan publik melalui WhatsApp.",
                "Setiap aduan ditindaklanjuti oleh perangkat daerah dalam tiga hari kerja.",
            ),
            doc(
                4,
                "Layanan perizinan online",
                "Pendaftaran izin usaha secara online tanpa antrean.",
                "Pelaku usaha mengunggah berkas dan menerima izin elektronik.",
            ),
        ]
    }

    fn index() -> SearchIndex {
        SearchIndex::build(FieldWeights::default(), catalogue()).expect("valid weights")
    }

    #[test]
    fn stemmed_and_query_finds_inflected_forms() {
        let r = index().search("melayani", Filter::All, 0, 10);
        assert_eq!(r.mode, MatchMode::All);
        let ids: Vec<i64> = r.hits.iter().map(|h| h.id).collect();
        // "Pelayanan", "melayani", "dilayani", "Layanan" all stem to layan.
        assert_eq!(ids.len(), 4);
        assert_eq!(r.total, 4);
        assert_eq!(r.terms, ["layan"]);
    }

    #[test]
    fn and_semantics_then_or_fallback() {
        let idx = index();
        let r = idx.search("antrean daring", Filter::All, 0, 10);
        assert_eq!(r.mode, MatchMode::All);
        // "online" is normalised to "daring", so entry 4 matches both terms too.
        let ids: Vec<i64> = r.hits.iter().map(|h| h.id).collect();
        assert_eq!(ids, [1, 4]);
        let r = idx.search("antrean whatsapp", Filter::All, 0, 10);
        assert_eq!(r.mode, MatchMode::Any);
        assert_eq!(r.total, 3);
        let r = idx.search("xyzzy", Filter::All, 0, 10);
        assert_eq!((r.mode, r.total), (MatchMode::Any, 0));
    }

    #[test]
    fn title_outweighs_body() {
        let idx = index();
        let r = idx.search("pengaduan", Filter::All, 0, 10);
        assert_eq!(r.hits[0].id, 3);
        let r = idx.search("puskesmas", Filter::All, 0, 10);
        assert_eq!(r.hits[0].id, 1);
    }

    #[test]
    fn filters_and_paging() {
        let idx = index();
        let allowed: HashSet<i64> = [2, 3].into();
        let r = idx.search("layanan", Filter::Ids(&allowed), 0, 10);
        assert!(r.hits.iter().all(|h| allowed.contains(&h.id)));
        assert_eq!(r.total, 2);
        let even = |id: i64| id % 2 == 0;
        let r = idx.search("layanan", Filter::Predicate(&even), 0, 10);
        assert!(r.hits.iter().all(|h| h.id % 2 == 0));
        let all = idx.search("layanan", Filter::All, 0, 10);
        let page = idx.search("layanan", Filter::All, 1, 2);
        assert_eq!(page.hits, all.hits[1..3]);
        assert_eq!(page.total, 4);
        let counted = idx.search("layanan", Filter::All, 0, 0);
        assert_eq!((counted.total, counted.hits.len()), (4, 0));
        let (mode, ids) = idx.matching_ids("layanan", Filter::All);
        assert_eq!((mode, ids), (MatchMode::All, vec![1, 2, 3, 4]));
    }

    #[test]
    fn ties_are_broken_by_id_and_order_does_not_depend_on_insertion() {
        let same = |id| doc(id, "Inovasi", "sama persis", "teks yang sama");
        let idx = SearchIndex::build(FieldWeights::default(), [same(9), same(3), same(5)])
            .expect("weights");
        let ids: Vec<i64> = idx
            .search("inovasi", Filter::All, 0, 10)
            .hits
            .iter()
            .map(|h| h.id)
            .collect();
        assert_eq!(ids, [3, 5, 9]);

        let forward = index();
        let mut docs = catalogue();
        docs.reverse();
        let mut backward = SearchIndex::build(FieldWeights::default(), docs).expect("weights");
        // A removed and re-added document leaves no trace either.
        backward.remove(2);
        backward.upsert(catalogue()[1].clone());
        for q in ["layanan", "antrean daring", "izin usaha", "ktp"] {
            assert_eq!(
                forward.search(q, Filter::All, 0, 10),
                backward.search(q, Filter::All, 0, 10)
            );
            assert_eq!(
                forward.similar_to_text(q, 10, Filter::All),
                backward.similar_to_text(q, 10, Filter::All)
            );
        }
    }

    #[test]
    fn upsert_replaces_and_remove_forgets() {
        let mut idx = index();
        assert_eq!(idx.search("whatsapp", Filter::All, 0, 10).total, 1);
        idx.upsert(doc(3, "Pengaduan lewat SMS", "Aduan lewat SMS.", ""));
        assert_eq!(idx.search("whatsapp", Filter::All, 0, 10).total, 0);
        assert_eq!(idx.search("sms", Filter::All, 0, 10).hits[0].id, 3);
        assert!(idx.remove(3));
        assert!(!idx.remove(3));
        assert_eq!(idx.search("sms", Filter::All, 0, 10).total, 0);
        assert_eq!(idx.len(), 3);
    }

    #[test]
    fn snippets_mark_original_words_and_escape_html() {
        let idx = SearchIndex::build(
            FieldWeights::default(),
            [doc(
                7,
                "Judul",
                "Ringkasan <b>tanpa</b> kata kunci & lain-lain.",
                "Masyarakat mengeluhkan pelayanan yang lambat. Kini layanan antrean <script> dibuat daring.",
            )],
        )
        .expect("weights");
        let hit = &idx.search("melayani antrean", Filter::All, 0, 1).hits[0];
        assert_eq!(
            hit.snippet,
            "Masyarakat mengeluhkan <mark>pelayanan</mark> yang lambat. Kini \
             <mark>layanan</mark> <mark>antrean</mark> &lt;script&gt; dibuat daring."
        );
        let hit = &idx.search("kunci", Filter::All, 0, 1).hits[0];
        assert_eq!(
            hit.snippet,
            "Ringkasan &lt;b&gt;tanpa&lt;/b&gt; kata <mark>kunci</mark> &amp; lain-lain."
        );
    }

    #[test]
    fn long_snippets_are_windows() {
        let body = format!(
            "{} pengaduan warga ditanggapi cepat. {}",
            "kata ".repeat(100),
            "isi ".repeat(100)
        );
        let idx =
            SearchIndex::build(FieldWeights::default(), [doc(1, "t", "", &body)]).expect("weights");
        let s = &idx.search("pengaduan", Filter::All, 0, 1).hits[0].snippet;
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<mark>pengaduan</mark> warga"), "{s}");
        assert_eq!(s.split_whitespace().count(), SNIPPET_WORDS);
    }

    #[test]
    fn similar_documents_with_shared_key_terms() {
        let idx = index();
        let hits = idx.similar_to_text(
            "Aplikasi antrean daring untuk pasien puskesmas agar tidak menunggu lama",
            3,
            Filter::All,
        );
        assert_eq!(hits[0].id, 1);
        assert!(hits[0].score > 0.3, "{hits:?}");
        let terms: Vec<&str> = hits[0].shared.iter().map(|t| t.term.as_str()).collect();
        assert!(
            terms.contains(&"puskesmas") && terms.contains(&"pasien"),
            "{terms:?}"
        );
        assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));

        let of_four = idx.similar_to(4, 3, Filter::All).expect("indexed");
        assert!(of_four.iter().all(|h| h.id != 4));
        assert_eq!(
            of_four[0].id, 1,
            "the other antrean daring entry: {of_four:?}"
        );
        assert_eq!(idx.similar_to(99, 3, Filter::All), None);
        assert!(idx.similar_to_text("", 3, Filter::All).is_empty());
    }

    #[test]
    fn corpus_key_terms_prefer_rare_words() {
        let idx = index();
        let terms = idx.key_terms("pelayanan pelayanan pelayanan ponsel", 1);
        // layan is in every document; ponsel in none.
        assert_eq!(terms, ["ponsel"]);
    }

    #[test]
    fn the_index_can_be_shared_between_threads() {
        // The web layer keeps one index behind a lock for all request threads.
        fn shareable<T: Send + Sync>() {}
        shareable::<SearchIndex>();
        shareable::<crate::ShingleIndex>();
    }

    #[test]
    fn invalid_weights_are_refused() {
        let w = FieldWeights {
            title: 0.0,
            ..FieldWeights::default()
        };
        assert_eq!(
            SearchIndex::new(w).err(),
            Some(TextError::InvalidFieldWeights)
        );
    }
}
