//! Field verification (verifikasi lapangan): the checklist a visit fills in and what each
//! item found.

use serde::{Deserialize, Serialize};

use crate::Id;

/// The checklist an edition starts with when the committee has not written its own.
pub const DEFAULT_CHECKLIST: &[&str] = &[
    "Layanan berjalan sesuai uraian proposal",
    "Bukti dukung asli tersedia",
    "Pengguna layanan membenarkan manfaat",
    "SOP/standar pelayanan terpasang",
    "Data indikator sebelum/sesudah dapat ditelusuri",
];

/// At most this many checklist items, each at most `MAX_ITEM_CHARS` characters.
pub const MAX_ITEMS: usize = 40;
pub const MAX_ITEM_CHARS: usize = 300;
/// Notes (general or per item) are cut at this many characters.
pub const MAX_NOTE_CHARS: usize = 4000;

/// What the visitors found for one checklist item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    Sesuai,
    TidakSesuai,
    TidakDapatDinilai,
}

impl Finding {
    pub const ALL: [Finding; 3] = [
        Finding::Sesuai,
        Finding::TidakSesuai,
        Finding::TidakDapatDinilai,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Finding::Sesuai => "sesuai",
            Finding::TidakSesuai => "tidak_sesuai",
            Finding::TidakDapatDinilai => "tidak_dapat_dinilai",
        }
    }
    pub fn parse(s: &str) -> Option<Finding> {
        Finding::ALL.into_iter().find(|f| f.as_str() == s)
    }
    pub fn label_key(self) -> &'static str {
        match self {
            Finding::Sesuai => "field.finding_sesuai",
            Finding::TidakSesuai => "field.finding_tidak_sesuai",
            Finding::TidakDapatDinilai => "field.finding_tidak_dapat_dinilai",
        }
    }
}

/// One checklist item as a visit recorded it (the label is copied, so a later change of
/// the edition's checklist leaves finished visits as they were).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub item_id: Id,
    pub label: String,
    pub finding: Option<Finding>,
    #[serde(default)]
    pub note: String,
}

/// Cleans checklist lines typed by the committee: trimmed, empty lines dropped. The error
/// is a catalogue key.
pub fn parse_checklist(text: &str) -> Result<Vec<String>, &'static str> {
    let items: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if items.len() > MAX_ITEMS || items.iter().any(|l| l.chars().count() > MAX_ITEM_CHARS) {
        return Err("field.error_checklist");
    }
    Ok(items)
}

/// Cuts a note to `MAX_NOTE_CHARS` characters.
pub fn clip(note: &str) -> String {
    note.trim().chars().take(MAX_NOTE_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_round_trip() {
        for f in Finding::ALL {
            assert_eq!(Finding::parse(f.as_str()), Some(f));
        }
        assert_eq!(Finding::parse("ok"), None);
    }

    #[test]
    fn checklist_lines() {
        assert_eq!(
            parse_checklist(" a \n\n b\n").unwrap(),
            vec!["a".to_owned(), "b".to_owned()]
        );
        assert!(parse_checklist(&"x\n".repeat(41)).is_err());
        assert_eq!(DEFAULT_CHECKLIST.len(), 5);
    }
}
