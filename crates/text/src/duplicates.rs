//! Near-duplicate passages: reworded, reordered or partly copied text.
//!
//! Each text becomes the set of its word 5-shingles over stems (stop words removed), so
//! inflection changes ("melayani" → "pelayanan") and filler words do not hide a copy, while
//! word order inside a passage still matters. An exact shingle index finds candidate pairs;
//! the score is the containment of the smaller text in the larger, so copying half of a
//! proposal into a longer one still scores high. Two texts on the same topic share words but
//! rarely five content words in a row, which is what keeps unrelated "antrean daring"
//! proposals apart.

use std::collections::{HashMap, HashSet};

use crate::TextError;
use crate::analyzer::Analyzer;
use crate::hash::{fnv1a, fnv1a_continue};

/// Words per shingle.
pub const SHINGLE: usize = 5;
/// A shingle in more texts than this is boilerplate (a form's fixed sentence, a slogan every
/// unit quotes): it says nothing about copying, and its pairs would swamp the count.
const COMMON_SHINGLE_DOCS: usize = 64;

/// A text to compare: a whole proposal, one section of it, or a catalogue entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DupDocument {
    pub id: i64,
    pub text: String,
}

/// A byte range of an original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// Matching passages for side-by-side display: `a` in the first text, `b` in the second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    pub a: Span,
    pub b: Span,
    pub a_text: String,
    pub b_text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DuplicatePair {
    /// The smaller id.
    pub a: i64,
    pub b: i64,
    /// Shared shingles over the smaller text's shingles (containment), rounded to six
    /// decimals; 1.0 means the smaller text appears in the other in full.
    pub score: f64,
    /// Shared shingles over all distinct shingles of both (Jaccard): near 1.0 for a text
    /// resubmitted unchanged, lower for a part copied into a longer text.
    pub jaccard: f64,
    pub passages: Vec<Passage>,
}

/// One analysed text: its shingles with the word position each starts at, and the byte span
/// of every content word.
struct Shingled {
    text: String,
    spans: Vec<(usize, usize)>,
    /// (shingle, position) in text order.
    positions: Vec<(u64, usize)>,
    set: HashSet<u64>,
}

/// Content words with their stems, each span widened over the stop words next to it within
/// the same sentence, so a passage shown to the committee starts at "Masih banyak penduduk"
/// rather than at "penduduk".
fn content_words(analyzer: &Analyzer, text: &str) -> Vec<(usize, usize, String)> {
    let all = analyzer.tokens(text);
    let breaks = |from: usize, to: usize| {
        text.get(from..to)
            .is_some_and(|gap| gap.contains(['.', '!', '?', '\n']))
    };
    let mut words: Vec<(usize, usize, String)> = Vec::new();
    let mut pending: Option<usize> = None;
    let mut prev_end = 0;
    for t in &all {
        if breaks(prev_end, t.start) {
            pending = None;
        }
        prev_end = t.end;
        match &t.stem {
            None => {
                pending.get_or_insert(t.start);
            }
            Some(stem) => words.push((pending.take().unwrap_or(t.start), t.end, stem.clone())),
        }
    }
    // Trailing stop words belong to the word before them, up to the sentence's end.
    let mut w = 0;
    for (i, t) in all.iter().enumerate() {
        if t.stem.is_some() {
            w += 1;
            continue;
        }
        if w == 0 || i == 0 || breaks(all[i - 1].end, t.start) {
            continue;
        }
        // Extend only while no sentence break separates this stop word from the content word.
        if let Some(last) = words.get_mut(w - 1)
            && last.1 == all[i - 1].end
        {
            last.1 = t.end;
        }
    }
    words
}

fn shingle(analyzer: &Analyzer, text: String) -> Shingled {
    let tokens = content_words(analyzer, &text);
    let mut positions = Vec::new();
    for (i, window) in tokens.windows(SHINGLE).enumerate() {
        let mut h = fnv1a(window[0].2.as_bytes());
        for t in &window[1..] {
            // A separator byte no stem contains, so ("ab","c") and ("a","bc") differ.
            h = fnv1a_continue(h, &[0x1f]);
            h = fnv1a_continue(h, t.2.as_bytes());
        }
        positions.push((h, i));
    }
    let set = positions.iter().map(|p| p.0).collect();
    Shingled {
        spans: tokens.iter().map(|t| (t.0, t.1)).collect(),
        text,
        positions,
        set,
    }
}

/// Rounds to six decimals so that float noise (summation order, a last-bit difference in a
/// platform's logarithm) cannot split a tie. Scores are non-negative and far below 2^53/10^6,
/// so the truncating cast is exact and cheaper than `f64::round`, a library call on baseline
/// x86-64, made here for every candidate.
fn round6(x: f64) -> f64 {
    ((x.max(0.0) * 1e6 + 0.5) as i64) as f64 / 1e6
}

fn check_threshold(threshold: f64) -> Result<(), TextError> {
    if (0.0..=1.0).contains(&threshold) {
        Ok(())
    } else {
        Err(TextError::InvalidThreshold(threshold))
    }
}

/// A shingle index over many texts, kept current like the search index.
#[derive(Default)]
pub struct ShingleIndex {
    analyzer: Analyzer,
    docs: HashMap<i64, Shingled>,
    by_shingle: HashMap<u64, Vec<i64>>,
}

/// A text that matches a query text, with its passages.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateMatch {
    pub id: i64,
    pub score: f64,
    pub jaccard: f64,
    /// `a` is the query text, `b` the indexed one.
    pub passages: Vec<Passage>,
}

impl ShingleIndex {
    pub fn new() -> ShingleIndex {
        ShingleIndex::default()
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    pub fn upsert(&mut self, doc: DupDocument) {
        self.remove(doc.id);
        let shingled = shingle(&self.analyzer, doc.text);
        for &h in &shingled.set {
            self.by_shingle.entry(h).or_default().push(doc.id);
        }
        self.docs.insert(doc.id, shingled);
    }

    pub fn remove(&mut self, id: i64) -> bool {
        let Some(old) = self.docs.remove(&id) else {
            return false;
        };
        for h in &old.set {
            if let Some(list) = self.by_shingle.get_mut(h) {
                list.retain(|&d| d != id);
                if list.is_empty() {
                    self.by_shingle.remove(h);
                }
            }
        }
        true
    }

    /// Every pair of indexed texts whose containment reaches `threshold`: score descending,
    /// then ids ascending.
    pub fn pairs(&self, threshold: f64) -> Result<Vec<DuplicatePair>, TextError> {
        check_threshold(threshold)?;
        let mut shared: HashMap<(i64, i64), usize> = HashMap::new();
        for list in self.by_shingle.values() {
            if list.len() < 2 || list.len() > COMMON_SHINGLE_DOCS {
                continue;
            }
            let mut ids = list.clone();
            ids.sort_unstable();
            for (i, &a) in ids.iter().enumerate() {
                for &b in &ids[i + 1..] {
                    *shared.entry((a, b)).or_default() += 1;
                }
            }
        }
        let mut out: Vec<DuplicatePair> = shared
            .into_iter()
            .filter_map(|((a, b), n)| {
                let (da, db) = (self.docs.get(&a)?, self.docs.get(&b)?);
                let (score, jaccard) = scores(n, da.set.len(), db.set.len());
                (score >= threshold && n > 0).then(|| DuplicatePair {
                    a,
                    b,
                    score,
                    jaccard,
                    passages: passages(da, db),
                })
            })
            .collect();
        out.sort_by(|x, y| {
            y.score
                .total_cmp(&x.score)
                .then(x.a.cmp(&y.a))
                .then(x.b.cmp(&y.b))
        });
        Ok(out)
    }

    /// The indexed texts that a text copies from or is copied into, at or above `threshold`;
    /// `exclude` skips the text's own entry when it is indexed too.
    pub fn matches_for_text(
        &self,
        text: &str,
        exclude: Option<i64>,
        threshold: f64,
    ) -> Result<Vec<DuplicateMatch>, TextError> {
        check_threshold(threshold)?;
        let query = shingle(&self.analyzer, text.to_owned());
        let mut shared: HashMap<i64, usize> = HashMap::new();
        for h in &query.set {
            // Boilerplate by the same rule as for pairs: more than the cap of texts, counting
            // the query text itself whether or not it is indexed.
            let Some(list) = self.by_shingle.get(h) else {
                continue;
            };
            let indexed_self = exclude.is_some_and(|e| list.contains(&e));
            if list.len() + usize::from(!indexed_self) <= COMMON_SHINGLE_DOCS {
                for &id in list {
                    *shared.entry(id).or_default() += 1;
                }
            }
        }
        let mut out: Vec<DuplicateMatch> = shared
            .into_iter()
            .filter(|(id, _)| Some(*id) != exclude)
            .filter_map(|(id, n)| {
                let doc = self.docs.get(&id)?;
                let (score, jaccard) = scores(n, query.set.len(), doc.set.len());
                (score >= threshold).then(|| DuplicateMatch {
                    id,
                    score,
                    jaccard,
                    passages: passages(&query, doc),
                })
            })
            .collect();
        out.sort_by(|x, y| y.score.total_cmp(&x.score).then(x.id.cmp(&y.id)));
        Ok(out)
    }

    /// [`ShingleIndex::matches_for_text`] for an indexed text; `None` when `id` is unknown.
    pub fn matches_for(
        &self,
        id: i64,
        threshold: f64,
    ) -> Result<Option<Vec<DuplicateMatch>>, TextError> {
        match self.docs.get(&id) {
            None => {
                check_threshold(threshold)?;
                Ok(None)
            }
            Some(doc) => self
                .matches_for_text(&doc.text, Some(id), threshold)
                .map(Some),
        }
    }
}

fn scores(shared: usize, a: usize, b: usize) -> (f64, f64) {
    let smaller = a.min(b);
    if smaller == 0 {
        return (0.0, 0.0);
    }
    let union = a + b - shared;
    (
        round6(shared as f64 / smaller as f64),
        round6(shared as f64 / union as f64),
    )
}

/// Aligns the shared shingles of two texts into passages. Copied text keeps its words in
/// order, so matching shingle positions lie on a diagonal (position in b − position in a);
/// runs on one diagonal, allowing a gap the size of a few reworded words, form a passage, and
/// a run continuing on a nearby diagonal (a word added or dropped) extends it. Reordered
/// paragraphs give separate passages.
fn passages(a: &Shingled, b: &Shingled) -> Vec<Passage> {
    let mut in_b: HashMap<u64, Vec<usize>> = HashMap::new();
    for &(h, pos) in &b.positions {
        in_b.entry(h).or_default().push(pos);
    }
    let mut pairs: Vec<(isize, usize, usize)> = Vec::new();
    for &(h, pa) in &a.positions {
        if let Some(list) = in_b.get(&h) {
            // A shingle repeated many times in b is a refrain, not an alignment clue.
            for &pb in list.iter().take(4) {
                pairs.push((pb as isize - pa as isize, pa, pb));
            }
        }
    }
    pairs.sort_unstable();
    // (a first, a last, b first, b last) shingle positions.
    let mut runs: Vec<(usize, usize, usize, usize)> = Vec::new();
    let mut current: Option<(isize, usize, usize, usize, usize)> = None;
    for (d, pa, pb) in pairs {
        match current {
            Some((cd, a0, a1, b0, _)) if cd == d && pa <= a1 + 2 * SHINGLE => {
                current = Some((cd, a0, pa, b0, pb));
            }
            _ => {
                if let Some((_, a0, a1, b0, b1)) = current {
                    runs.push((a0, a1, b0, b1));
                }
                current = Some((d, pa, pa, pb, pb));
            }
        }
    }
    if let Some((_, a0, a1, b0, b1)) = current {
        runs.push((a0, a1, b0, b1));
    }
    runs.sort_unstable();
    let mut merged: Vec<(usize, usize, usize, usize)> = Vec::new();
    for run in runs {
        if let Some(last) = merged.last_mut() {
            let near_a = run.0 <= last.1 + 2 * SHINGLE;
            let near_b = run.2 + SHINGLE >= last.2 && run.2 <= last.3 + 2 * SHINGLE;
            if near_a && near_b {
                last.1 = last.1.max(run.1);
                last.2 = last.2.min(run.2);
                last.3 = last.3.max(run.3);
                continue;
            }
        }
        merged.push(run);
    }
    merged
        .into_iter()
        .filter_map(|(a0, a1, b0, b1)| {
            let a_span = span(a, a0, a1)?;
            let b_span = span(b, b0, b1)?;
            Some(Passage {
                a_text: a.text[a_span.start..a_span.end].to_owned(),
                b_text: b.text[b_span.start..b_span.end].to_owned(),
                a: a_span,
                b: b_span,
            })
        })
        .collect()
}

/// The byte span from the first word of shingle `first` to the last word of shingle `last`.
fn span(doc: &Shingled, first: usize, last: usize) -> Option<Span> {
    let start = doc.spans.get(first)?.0;
    let end = doc.spans.get(last + SHINGLE - 1)?.1;
    Some(Span { start, end })
}

/// All pairs of `docs` whose containment score reaches `threshold` (0–1), with their
/// passages; score descending, then ids ascending.
pub fn near_duplicates(
    docs: &[DupDocument],
    threshold: f64,
) -> Result<Vec<DuplicatePair>, TextError> {
    check_threshold(threshold)?;
    let mut index = ShingleIndex::new();
    for doc in docs {
        index.upsert(doc.clone());
    }
    index.pairs(threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: i64, text: &str) -> DupDocument {
        DupDocument {
            id,
            text: text.to_owned(),
        }
    }

    const A: &str = "Petugas kelurahan mendatangi rumah warga lanjut usia untuk merekam data \
                     kependudukan dan mencetak kartu keluarga tanpa biaya apa pun.";

    #[test]
    fn inflection_and_stop_words_do_not_hide_a_copy() {
        let b = "Petugas-petugas kelurahan datang ke rumah-rumah warga yang lanjut usia guna \
                 perekaman data penduduk serta pencetakan kartu keluarga, tanpa dipungut biaya.";
        let pairs = near_duplicates(&[doc(1, A), doc(2, b)], 0.0).expect("threshold");
        assert_eq!(pairs.len(), 1);
        assert!(pairs[0].score > 0.2, "{pairs:?}");
    }

    #[test]
    fn short_texts_have_no_shingles_and_never_match() {
        let pairs = near_duplicates(&[doc(1, "Antrean daring"), doc(2, "Antrean daring")], 0.0)
            .expect("threshold");
        assert!(pairs.is_empty());
    }

    #[test]
    fn order_is_score_then_ids_whatever_the_input_order() {
        let docs = [doc(5, A), doc(3, A), doc(9, A)];
        let pairs = near_duplicates(&docs, 0.5).expect("threshold");
        let ids: Vec<(i64, i64)> = pairs.iter().map(|p| (p.a, p.b)).collect();
        assert_eq!(ids, [(3, 5), (3, 9), (5, 9)]);
        let mut reversed = docs.to_vec();
        reversed.reverse();
        assert_eq!(near_duplicates(&reversed, 0.5), Ok(pairs));
    }

    #[test]
    fn thresholds_outside_zero_to_one_are_refused() {
        assert_eq!(
            near_duplicates(&[], 1.5),
            Err(TextError::InvalidThreshold(1.5))
        );
        assert!(near_duplicates(&[], -0.1).is_err());
        assert!(ShingleIndex::new().matches_for_text(A, None, 2.0).is_err());
    }

    #[test]
    fn boilerplate_shared_by_many_texts_is_ignored() {
        let slogan = "Bersama membangun pelayanan publik yang prima cepat mudah murah";
        let docs: Vec<DupDocument> = (0..(COMMON_SHINGLE_DOCS as i64 + 1))
            .map(|i| {
                doc(
                    i,
                    &format!("{slogan}. Inovasi nomor {i} berbeda sama sekali {i}."),
                )
            })
            .collect();
        assert!(near_duplicates(&docs, 0.01).expect("threshold").is_empty());
    }
}
