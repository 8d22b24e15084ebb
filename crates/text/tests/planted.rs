//! Planted copies: reworded, reordered and partly copied variants of three proposals are
//! flagged; three unrelated proposals on the same topics are not.

use kolabik_text::{
    Document, DupDocument, FieldWeights, Filter, SearchIndex, ShingleIndex, near_duplicates,
};

const ORIGINALS: [&str; 3] = [
    include_str!("fixtures/original-antrean.txt"),
    include_str!("fixtures/original-ektp.txt"),
    include_str!("fixtures/original-aduan.txt"),
];
const UNRELATED: [&str; 3] = [
    include_str!("fixtures/unrelated-antrean.txt"),
    include_str!("fixtures/unrelated-ektp.txt"),
    include_str!("fixtures/unrelated-aduan.txt"),
];

/// Synonyms and different inflections a copier uses to disguise a text.
const REWORDINGS: &[(&str, &str)] = &[
    ("karena", "sebab"),
    ("dapat", "bisa"),
    ("melalui", "lewat"),
    ("setiap", "tiap"),
    ("kini", "sekarang"),
    ("banyak", "sejumlah"),
    ("warga", "penduduk"),
    ("biaya", "ongkos"),
    ("petugas", "staf"),
    ("masyarakat", "publik"),
    ("Inovasi", "Terobosan"),
    ("inovasi", "terobosan"),
    ("mencapai", "sampai"),
    ("pelayanan", "layanan"),
    ("mendaftar", "melakukan pendaftaran"),
    ("diselesaikan", "tuntas"),
    ("rata-rata", "umumnya"),
    ("turun", "menurun"),
];

/// Replaces every third occurrence-eligible word from the table (roughly one word in eight),
/// and drops a filler word now and then.
fn reword(text: &str) -> String {
    let mut seen = 0;
    text.split(' ')
        .filter_map(|word| {
            let core = word.trim_end_matches(['.', ',']);
            let tail = &word[core.len()..];
            if let Some((_, to)) = REWORDINGS.iter().find(|(from, _)| *from == core) {
                seen += 1;
                if seen % 3 != 0 {
                    return Some(format!("{to}{tail}"));
                }
            }
            if core == "yang" || core == "sudah" {
                seen += 1;
                if seen % 2 == 0 {
                    return None;
                }
            }
            Some(word.to_owned())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Paragraphs in reverse order, and each paragraph's sentences rotated by one.
fn reorder(text: &str) -> String {
    let paragraphs: Vec<&str> = text.split("\n\n").collect();
    paragraphs
        .into_iter()
        .rev()
        .map(|para| {
            let mut sentences: Vec<&str> =
                para.trim().split_inclusive(". ").map(str::trim).collect();
            if sentences.len() > 1 {
                sentences.rotate_left(1);
            }
            sentences.join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The first two paragraphs (about a third) copied into a text about something else.
fn partial(text: &str, host: &str) -> String {
    let copied: Vec<&str> = text.split("\n\n").take(2).collect();
    let own: Vec<&str> = host.split("\n\n").skip(2).collect();
    format!("{}\n\n{}", own.join("\n\n"), copied.join("\n\n"))
}

/// ids: originals 1–3, unrelated 11–13, variants 10·k + 100 + i (reworded 101–103,
/// reordered 111–113, reworded+reordered 121–123, partial 131–133, unchanged 141–143).
fn corpus() -> Vec<DupDocument> {
    let mut docs = Vec::new();
    let doc = |id: i64, text: String| DupDocument { id, text };
    for (i, text) in ORIGINALS.iter().enumerate() {
        let i = i as i64;
        docs.push(doc(1 + i, (*text).to_owned()));
        docs.push(doc(11 + i, UNRELATED[i as usize].to_owned()));
        docs.push(doc(101 + i, reword(text)));
        docs.push(doc(111 + i, reorder(text)));
        docs.push(doc(121 + i, reorder(&reword(text))));
        // The host is the unrelated text of the next topic, so the copy sits in foreign text.
        let host = UNRELATED[(i as usize + 1) % 3];
        docs.push(doc(131 + i, partial(text, host)));
        docs.push(doc(141 + i, (*text).to_owned()));
    }
    docs
}

const THRESHOLD: f64 = 0.25;

#[test]
fn planted_copies_are_flagged_and_same_topic_texts_are_not() {
    let docs = corpus();
    let all = near_duplicates(&docs, 0.0).expect("threshold");
    let score = |a: i64, b: i64| {
        let (a, b) = (a.min(b), a.max(b));
        all.iter()
            .find(|p| p.a == a && p.b == b)
            .map_or(0.0, |p| p.score)
    };
    for i in 0..3 {
        let original = 1 + i;
        let variants = [
            ("reworded", 101 + i),
            ("reordered", 111 + i),
            ("reworded+reordered", 121 + i),
            ("partial", 131 + i),
            ("unchanged", 141 + i),
        ];
        for (kind, variant) in variants {
            let s = score(original, variant);
            println!("original {original} vs {kind} {variant}: {s:.3}");
            assert!(s >= THRESHOLD, "{kind} copy of {original} scored {s}");
        }
        for other in [1, 2, 3, 11, 12, 13] {
            if other == original {
                continue;
            }
            let s = score(original, other);
            println!("original {original} vs unrelated {other}: {s:.3}");
            assert!(s < 0.05, "{original} and {other} scored {s}");
        }
    }
    let flagged = near_duplicates(&docs, THRESHOLD).expect("threshold");
    for p in &flagged {
        let original_or_unrelated = |id: i64| id < 100;
        assert!(
            !(original_or_unrelated(p.a) && original_or_unrelated(p.b)),
            "unrelated pair flagged: {p:?}"
        );
    }
    // Ordered by score, then ids: unchanged resubmissions first.
    assert!(flagged.windows(2).all(|w| w[0].score >= w[1].score));
    let first = &flagged[0];
    assert_eq!((first.score, first.jaccard), (1.0, 1.0));
}

#[test]
fn passages_line_up_for_side_by_side_display() {
    let docs = corpus();
    let pairs = near_duplicates(&docs, THRESHOLD).expect("threshold");
    // Partial copy of the e-KTP proposal: one passage covering the two copied paragraphs.
    let pair = pairs
        .iter()
        .find(|p| p.a == 2 && p.b == 132)
        .expect("partial copy flagged");
    assert_eq!(pair.passages.len(), 1, "{:#?}", pair.passages);
    let passage = &pair.passages[0];
    assert!(
        passage.a_text.starts_with("Masih banyak penduduk"),
        "{passage:#?}"
    );
    assert!(passage.a_text.ends_with("dikirimkan kepada keluarga"));
    assert_eq!(passage.a_text, passage.b_text);
    assert_eq!(
        &docs[7].text[passage.a.start..passage.a.end],
        passage.a_text
    );

    // Reordered paragraphs: one passage per paragraph at least, each pointing at the same
    // words on both sides.
    let pair = pairs
        .iter()
        .find(|p| p.a == 1 && p.b == 111)
        .expect("reordered copy flagged");
    assert!(pair.passages.len() >= 6, "{:#?}", pair.passages);
    for p in &pair.passages {
        let words = |t: &str| t.split_whitespace().count();
        assert!(words(&p.a_text).abs_diff(words(&p.b_text)) <= 3, "{p:#?}");
    }
}

#[test]
fn per_document_query_and_incremental_index() {
    let mut index = ShingleIndex::new();
    for doc in corpus() {
        index.upsert(doc);
    }
    let matches = index
        .matches_for_text(&reword(ORIGINALS[2]), None, THRESHOLD)
        .expect("threshold");
    let ids: Vec<i64> = matches.iter().map(|m| m.id).collect();
    assert!(
        ids.contains(&3) && ids.contains(&143) && ids.contains(&133),
        "{ids:?}"
    );
    assert!(!ids.contains(&13));
    let of_one = index
        .matches_for(1, THRESHOLD)
        .expect("threshold")
        .expect("known");
    assert!(of_one.iter().all(|m| m.id != 1));
    assert!(of_one.iter().any(|m| m.id == 141 && m.score == 1.0));
    assert!(index.remove(141));
    let of_one = index
        .matches_for(1, THRESHOLD)
        .expect("threshold")
        .expect("known");
    assert!(of_one.iter().all(|m| m.id != 141));
    assert_eq!(index.matches_for(999, THRESHOLD), Ok(None));
    assert!(index.pairs(1.5).is_err());
}

#[test]
fn novelty_ranks_the_copy_and_the_same_topic_first() {
    let docs: Vec<Document> = corpus()
        .into_iter()
        .filter(|d| d.id < 100)
        .map(|d| Document {
            id: d.id,
            title: String::new(),
            summary: String::new(),
            body: d.text,
        })
        .collect();
    let index = SearchIndex::build(FieldWeights::default(), docs).expect("weights");
    let hits = index.similar_to_text(&reword(ORIGINALS[0]), 3, Filter::All);
    assert_eq!(hits[0].id, 1, "{hits:?}");
    assert!(hits[0].score > 0.4, "{hits:?}");
    assert_eq!(
        hits[1].id, 11,
        "the other antrean proposal is the next most similar"
    );
    assert!(hits[1].score < hits[0].score / 2.0, "{hits:?}");
}
