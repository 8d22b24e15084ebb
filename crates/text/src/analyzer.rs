//! Indonesian normalisation, tokenising, stop words and stemming.
//!
//! Every later stage (search, similarity, duplicates) sees text only through [`Analyzer`], so
//! that a query and a document always meet in the same form: "Pelayanan" in a proposal and
//! "layanan" in a search box both become `layan`.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use sastrawi::{Dictionary, Stemmer};

use crate::hash::{FnvMap, FnvSet};

const SASTRAWI_WORDS: &str = include_str!("../data/sastrawi-words.txt");
const EXTRA_ROOTS: &str = include_str!("../data/extra-roots.txt");
const REMOVED_ROOTS: &str = include_str!("../data/removed-roots.txt");
const STOP_WORDS: &str = include_str!("../data/stopwords.txt");
const VARIANTS: &str = include_str!("../data/variants.tsv");
const OVERRIDES: &str = include_str!("../data/stem-overrides.tsv");

/// One word of the original text as the analyser sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Byte range of the word in the original text. An abbreviation expanded into several
    /// words ("dll") gives several tokens with the same range.
    pub start: usize,
    pub end: usize,
    /// Lower-cased, variant-normalised form ("yg" → "yang", "online" → "daring").
    pub word: String,
    /// Stem, or `None` for a stop word.
    pub stem: Option<String>,
}

/// The Indonesian text analyser. Cheap to create: the dictionary, stemmer, tables and the stem
/// cache are process-wide and built on first use.
#[derive(Debug, Clone, Copy, Default)]
pub struct Analyzer;

struct Tables {
    stop_words: FnvSet<&'static str>,
    variants: FnvMap<&'static str, Vec<&'static str>>,
    overrides: FnvMap<&'static str, &'static str>,
}

fn data_lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| Tables {
        stop_words: data_lines(STOP_WORDS).collect(),
        variants: data_lines(VARIANTS)
            .filter_map(|l| l.split_once('\t'))
            .map(|(from, to)| (from.trim(), to.split_whitespace().collect()))
            .collect(),
        overrides: data_lines(OVERRIDES)
            .filter_map(|l| l.split_once('\t'))
            .map(|(from, to)| (from.trim(), to.trim()))
            .collect(),
    })
}

fn dictionary() -> &'static Dictionary {
    static DICTIONARY: OnceLock<Dictionary> = OnceLock::new();
    DICTIONARY.get_or_init(|| {
        // sastrawi-rs keeps its own list private, so the crate ships a copy (MIT,
        // data/LICENSE-sastrawi) and builds the merged dictionary from it.
        let removed: HashSet<&str> = data_lines(REMOVED_ROOTS).collect();
        let words: Vec<&str> = data_lines(SASTRAWI_WORDS)
            .chain(data_lines(EXTRA_ROOTS))
            .filter(|w| !removed.contains(w))
            .collect();
        Dictionary::custom(&words)
    })
}

fn stemmer() -> &'static Stemmer<'static> {
    static STEMMER: OnceLock<Stemmer<'static>> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::new(dictionary()))
}

/// Prefix strippings tried by [`fallback_stem`]: (prefix, letters that may have been melted
/// into it and are put back). meN-/peN- assimilate the root's first consonant (k, p, t, s), the
/// other prefixes keep it.
const PREFIXES: &[(&str, &[&str])] = &[
    ("memper", &[""]),
    ("diper", &[""]),
    ("meng", &["", "k"]),
    ("peng", &["", "k"]),
    ("meny", &["s"]),
    ("peny", &["s"]),
    ("mem", &["", "p"]),
    ("pem", &["", "p"]),
    ("men", &["", "t"]),
    ("pen", &["", "t"]),
    ("me", &[""]),
    ("pe", &[""]),
    ("ber", &[""]),
    ("be", &[""]),
    ("per", &[""]),
    ("ter", &[""]),
    ("te", &[""]),
    ("di", &[""]),
    ("ke", &[""]),
    ("se", &[""]),
];
const SUFFIXES: &[&str] = &["", "nya", "lah", "kah", "pun", "ku", "mu"];
const DERIVATIONAL: &[&str] = &["", "kan", "an", "i"];

/// A second look for words the library returns unchanged although they are not roots.
/// sastrawi-rs 0.5.3 misses many meN-/peN- forms whose root starts with k, p or t
/// ("pengembangan", "pemeriksaan", "penerimaan") and loanword roots ("memvalidasi"): this tries
/// every suffix and up to two prefix layers and keeps the longest dictionary root, the
/// Nazief–Adriani preference for the least stripping.
fn fallback_stem(word: &str) -> Option<String> {
    let dict = dictionary();
    let mut best: Option<String> = None;
    let mut consider = |candidate: &str| {
        if candidate.len() >= 3
            && dict.find(candidate)
            && best.as_ref().is_none_or(|b| candidate.len() > b.len())
        {
            best = Some(candidate.to_owned());
        }
    };
    for inflection in SUFFIXES {
        let Some(base) = word.strip_suffix(inflection) else {
            continue;
        };
        for derivation in DERIVATIONAL {
            let Some(body) = base.strip_suffix(derivation) else {
                continue;
            };
            for (prefix, restore) in PREFIXES {
                let Some(rest) = body.strip_prefix(prefix) else {
                    continue;
                };
                for r in *restore {
                    let once = format!("{r}{rest}");
                    consider(&once);
                    for (inner, inner_restore) in PREFIXES {
                        if let Some(rest2) = once.strip_prefix(inner) {
                            for r2 in *inner_restore {
                                consider(&format!("{r2}{rest2}"));
                            }
                        }
                    }
                }
            }
        }
    }
    best
}

/// Stems are cached because the stemmer allocates and probes the dictionary several times per
/// word, while real text repeats a small vocabulary. One cache per thread: no lock on the hot
/// path, and safe however many threads analyse at once. Bounded so that a stream of junk
/// words cannot grow it forever (past the bound, words are stemmed without caching).
const CACHE_CAPACITY: usize = 1 << 17;

thread_local! {
    static STEM_CACHE: RefCell<FnvMap<Box<str>, Box<str>>> = RefCell::new(FnvMap::default());
}

/// Calls `f` with the stem of one normalised word (lower case, no punctuation), borrowed
/// from the cache when it is there. Numbers and words with digits are kept as they are:
/// "2023" or "covid19" are identifiers, not Indonesian morphology.
fn with_stem<R>(word: &str, f: impl FnOnce(&str) -> R) -> R {
    if word.bytes().any(|b| b.is_ascii_digit()) || !word.is_ascii() {
        return f(word);
    }
    if let Some(stem) = tables().overrides.get(word) {
        return f(stem);
    }
    STEM_CACHE.with(|c| {
        if let Some(stem) = c.borrow().get(word) {
            return f(stem);
        }
        let mut stem = stemmer().stem_word(word).into_owned();
        if stem == word && !dictionary().find(word) {
            stem = fallback_stem(word).unwrap_or(stem);
        }
        let result = f(&stem);
        let mut cache = c.borrow_mut();
        if cache.len() < CACHE_CAPACITY {
            cache.insert(word.into(), stem.into());
        }
        result
    })
}

fn stem_normalised(word: &str) -> String {
    with_stem(word, str::to_owned)
}

/// Folds the Latin diacritics that appear in Indonesian text (loanwords, names typed with
/// accents) so "café" and "cafe" meet.
fn fold_char(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

fn lower_fold(raw: &str) -> Cow<'_, str> {
    if raw
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        return Cow::Borrowed(raw);
    }
    Cow::Owned(
        raw.chars()
            .flat_map(char::to_lowercase)
            .map(fold_char)
            // Typographic apostrophes and hyphens become their ASCII forms so the rules below
            // see one spelling.
            .map(|c| match c {
                '\u{2019}' | '\u{2018}' => '\'',
                '\u{2010}' | '\u{2011}' => '-',
                other => other,
            })
            .collect(),
    )
}

/// Splits text into raw words: runs of letters and digits, keeping a hyphen or apostrophe
/// between two word characters ("e-ktp", "kegiatan-kegiatan", "jum'at") and a `.`/`,` between
/// two digits ("1.500", "3,5").
fn raw_words(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if !c.is_alphanumeric() {
            continue;
        }
        let (mut prev, mut end) = (c, start + c.len_utf8());
        while let Some(&(pos, c)) = chars.peek() {
            if c.is_alphanumeric() {
                chars.next();
                (prev, end) = (c, pos + c.len_utf8());
                continue;
            }
            let next = text[pos + c.len_utf8()..].chars().next();
            let joins = match c {
                '-' | '\u{2010}' | '\u{2011}' | '\'' | '\u{2019}' => {
                    next.is_some_and(char::is_alphanumeric)
                }
                '.' | ',' => prev.is_ascii_digit() && next.is_some_and(|n| n.is_ascii_digit()),
                _ => false,
            };
            if !joins {
                break;
            }
            chars.next();
            if let Some((pos, n)) = chars.next() {
                (prev, end) = (n, pos + n.len_utf8());
            }
        }
        spans.push((start, end));
    }
    spans
}

/// Indonesian writes thousands with `.` and decimals with `,`: "1.500" is fifteen hundred and
/// "3,5" three and a half. Numbers are normalised to digits with an optional `.` decimal part.
fn normalise_number(word: &str) -> String {
    let groups: Vec<&str> = word.split('.').collect();
    let thousands = groups.len() > 1
        && !word.contains(',')
        && groups[0].len() <= 3
        && groups[1..].iter().all(|g| g.len() == 3);
    if thousands {
        return groups.concat();
    }
    word.replace(',', ".")
}

fn is_number(word: &str) -> bool {
    word.chars().next().is_some_and(|c| c.is_ascii_digit())
        && word
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
}

/// Expands one lower-cased raw word into normalised words.
fn normalise_word<'t>(lower: Cow<'t, str>, out: &mut Vec<Cow<'t, str>>) {
    let t = tables();
    if let Some(to) = t.variants.get(&*lower) {
        out.extend(to.iter().map(|w| Cow::Borrowed(*w)));
        return;
    }
    if is_number(&lower) {
        out.push(Cow::Owned(normalise_number(&lower)));
        return;
    }
    // "Rp1.500.000": the currency and the amount are two tokens, so the amount reads the same
    // with or without the space.
    if let Some(amount) = lower.strip_prefix("rp").filter(|a| is_number(a)) {
        out.push(Cow::Borrowed("rp"));
        out.push(Cow::Owned(normalise_number(amount)));
        return;
    }
    let word: Cow<'t, str> = if lower.contains('\'') {
        let joined = lower.replace('\'', "");
        if let Some(to) = t.variants.get(joined.as_str()) {
            out.extend(to.iter().map(|w| Cow::Borrowed(*w)));
            return;
        }
        Cow::Owned(joined)
    } else {
        lower
    };
    if word.contains('-') {
        let parts: Vec<&str> = word.split('-').filter(|p| !p.is_empty()).collect();
        // Reduplication ("kegiatan-kegiatan", "sebaik-baiknya") marks plural or intensity:
        // the first half carries the meaning. A one-letter first part is a prefix of a coined
        // word ("e-ktp", "e-government"): join it. Anything else is two words.
        let reduplicated = parts.len() == 2
            && (parts[1] == parts[0]
                || parts[1].starts_with(parts[0])
                || parts[0].ends_with(parts[1]));
        if reduplicated {
            normalise_word(Cow::Owned(parts[0].to_owned()), out);
        } else if parts.first().is_some_and(|p| p.chars().count() == 1) {
            normalise_word(Cow::Owned(parts.concat()), out);
        } else {
            for p in parts {
                normalise_word(Cow::Owned(p.to_owned()), out);
            }
        }
        return;
    }
    if !word.is_empty() {
        out.push(word);
    }
}

impl Analyzer {
    pub fn new() -> Analyzer {
        Analyzer
    }

    /// Walks the words of `text` without building tokens: `f(start, end, word, stem)`, the
    /// stem `None` for stop words and single letters. The search index and snippets use this
    /// directly, because allocating a token per word was most of their cost.
    pub(crate) fn walk(&self, text: &str, mut f: impl FnMut(usize, usize, &str, Option<&str>)) {
        let t = tables();
        let mut words: Vec<Cow<'_, str>> = Vec::new();
        for (start, end) in raw_words(text) {
            words.clear();
            normalise_word(lower_fold(&text[start..end]), &mut words);
            for word in &words {
                let single_letter = word.chars().nth(1).is_none();
                if (single_letter && !is_number(word)) || t.stop_words.contains(&**word) {
                    f(start, end, word, None);
                } else {
                    with_stem(word, |stem| f(start, end, word, Some(stem)));
                }
            }
        }
    }

    /// Every word of `text` with its position, normalised form and stem (`None` for stop
    /// words and single letters).
    pub fn tokens(&self, text: &str) -> Vec<Token> {
        let mut tokens = Vec::new();
        self.walk(text, |start, end, word, stem| {
            tokens.push(Token {
                start,
                end,
                word: word.to_owned(),
                stem: stem.map(str::to_owned),
            });
        });
        tokens
    }

    /// The stems of `text` in order, stop words removed.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut terms = Vec::new();
        self.walk(text, |_, _, _, stem| {
            if let Some(stem) = stem {
                terms.push(stem.to_owned());
            }
        });
        terms
    }

    /// The `n` most frequent stems of `text` (ties: alphabetical), for labelling a text
    /// without a corpus. With a corpus, [`crate::SearchIndex::key_terms`] weighs by rarity.
    pub fn key_terms(&self, text: &str, n: usize) -> Vec<String> {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for term in self.terms(text) {
            *counts.entry(term).or_default() += 1;
        }
        let mut ranked: Vec<(String, usize)> = counts.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        ranked.into_iter().take(n).map(|(t, _)| t).collect()
    }

    /// The stem of one word as typed, for `kolabik text stem`: normalised, expanded ("dll" →
    /// "dan lain lain", each word stemmed, joined by spaces) and stemmed even when it is a stop
    /// word. Empty when the word has no letters or digits.
    pub fn stem(&self, word: &str) -> String {
        let mut words: Vec<Cow<'_, str>> = Vec::new();
        for (start, end) in raw_words(word) {
            normalise_word(lower_fold(&word[start..end]), &mut words);
        }
        words
            .iter()
            .map(|w| stem_normalised(w))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Whether a normalised word is on the stop-word list.
    pub fn is_stop_word(&self, word: &str) -> bool {
        tables().stop_words.contains(word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        Analyzer.tokens(text).into_iter().map(|t| t.word).collect()
    }

    #[test]
    fn lower_cases_folds_punctuation_and_keeps_numbers() {
        assert_eq!(
            words("PELAYANAN, Kependudukan! (2023) Rp1.500.000 3,5 jam"),
            [
                "pelayanan",
                "kependudukan",
                "2023",
                "rp",
                "1500000",
                "3.5",
                "jam"
            ]
        );
        assert_eq!(words("1.500 warga"), ["1500", "warga"]);
        assert_eq!(words("Café ÉKTP"), ["cafe", "ektp"]);
    }

    #[test]
    fn expands_abbreviations_and_variants() {
        assert_eq!(
            words("yg dgn utk tdk krn sdh blm dll"),
            [
                "yang", "dengan", "untuk", "tidak", "karena", "sudah", "belum", "dan", "lain",
                "lain"
            ]
        );
        assert_eq!(
            words("pd dr thd tsb"),
            ["pada", "dari", "terhadap", "tersebut"]
        );
        assert_eq!(
            words("Kab. Pasuruan, Kec. Bugul Kidul, Kel. Blandongan"),
            [
                "kabupaten",
                "pasuruan",
                "kecamatan",
                "bugul",
                "kidul",
                "kelurahan",
                "blandongan"
            ]
        );
        assert_eq!(
            words("Disdukcapil"),
            ["dinas", "kependudukan", "pencatatan", "sipil"]
        );
        assert_eq!(
            words("online E-KTP ektp KTP-el"),
            ["daring", "ektp", "ektp", "ektp"]
        );
        assert_eq!(words("antrian ijin"), ["antrean", "izin"]);
    }

    #[test]
    fn hyphenated_words() {
        assert_eq!(words("kegiatan-kegiatan"), ["kegiatan"]);
        assert_eq!(words("e-government"), ["egovernment"]);
        assert_eq!(words("tepat-waktu"), ["tepat", "waktu"]);
        assert_eq!(words("Jum\u{2019}at"), ["jumat"]);
    }

    #[test]
    fn token_spans_point_into_the_original() {
        let text = "Layanan  yg cepat";
        let tokens = Analyzer.tokens(text);
        assert_eq!(&text[tokens[0].start..tokens[0].end], "Layanan");
        assert_eq!(&text[tokens[1].start..tokens[1].end], "yg");
        assert_eq!(tokens[1].stem, None, "yang is a stop word");
        assert_eq!(tokens[2].stem.as_deref(), Some("cepat"));
    }

    #[test]
    fn pelayanan_and_layanan_share_a_stem() {
        assert_eq!(Analyzer.terms("pelayanan/layanan"), ["layan", "layan"]);
        assert_eq!(Analyzer.terms("Melayani"), ["layan"]);
    }

    #[test]
    fn stop_words_are_removed_from_terms() {
        assert_eq!(
            Analyzer.terms("Inovasi ini adalah untuk masyarakat yang membutuhkan"),
            ["inovasi", "masyarakat", "butuh"]
        );
    }

    #[test]
    fn key_terms_by_frequency_then_alphabet() {
        let text = "antrean daring, antrean puskesmas, pendaftaran daring antrean";
        assert_eq!(Analyzer.key_terms(text, 2), ["antre", "daring"]);
    }

    #[test]
    fn stem_of_a_typed_word() {
        assert_eq!(Analyzer.stem("Pelayanannya"), "layan");
        assert_eq!(Analyzer.stem("yg"), "yang");
        assert_eq!(Analyzer.stem("dll"), "dan lain lain");
        assert_eq!(Analyzer.stem("2023"), "2023");
        assert_eq!(Analyzer.stem("--"), "");
    }

    #[test]
    fn gold_list_agreement() {
        let gold = include_str!("../data/stem-gold.tsv");
        let mut total = 0;
        let mut wrong = Vec::new();
        // The library alone, for the record: what the dictionary changes and overrides add.
        let plain_dictionary = Dictionary::new();
        let plain = Stemmer::new(&plain_dictionary);
        let mut plain_right = 0;
        for line in gold
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let (word, expected) = line.split_once('\t').expect("word<TAB>stem");
            total += 1;
            if plain.stem_word(word) == expected {
                plain_right += 1;
            }
            let got = Analyzer.stem(word);
            if got != expected {
                wrong.push(format!("{word}\texpected {expected}\tgot {got}"));
            }
        }
        for w in &wrong {
            println!("disagreement: {w}");
        }
        let agreement = 1.0 - wrong.len() as f64 / total as f64;
        println!(
            "gold list: {total} words, {} disagreements, agreement {:.2} %",
            wrong.len(),
            agreement * 100.0
        );
        println!(
            "sastrawi-rs alone: {plain_right} of {total} ({:.2} %)",
            plain_right as f64 * 100.0 / total as f64
        );
        assert!(total >= 1000, "the gold list needs at least 1,000 words");
        assert!(agreement >= 0.98, "agreement {agreement:.4} below 98 %");
    }
}
