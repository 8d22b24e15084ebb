//! Certificates (piagam): who receives which kind, the verification code printed on each,
//! the signatory's settings, and the wording of the document.
//!
//! The verification code is `KLB-YYYY-XXXX-XXXC`: the edition's year, seven random symbols of
//! Crockford's base 32 (35 bits) and one check symbol over the year and the random symbols
//! (Damm's scheme in GF(32), see `check_symbol`). The check catches every single mistyped
//! symbol and every swap of two neighbours, so a typo is told apart from a forged code
//! before the database is asked. Parsing accepts lower case, spaces, missing hyphens, and
//! the letters Crockford maps to digits (O → 0, I/L → 1).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::time::{is_valid_date, month_name};
use crate::{Lang, Nip};

/// Which certificate a proposal's unit receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateKind {
    /// Rank 1–3 of a category in the final ranking (the rank is kept beside it).
    Juara,
    /// In the final ranking, below the winning ranks.
    Finalis,
    /// Passed administrative screening but did not reach the final ranking.
    Peserta,
}

impl CertificateKind {
    pub const ALL: [CertificateKind; 3] = [
        CertificateKind::Juara,
        CertificateKind::Finalis,
        CertificateKind::Peserta,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CertificateKind::Juara => "juara",
            CertificateKind::Finalis => "finalis",
            CertificateKind::Peserta => "peserta",
        }
    }

    pub fn parse(s: &str) -> Option<CertificateKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            CertificateKind::Juara => "piagam.kind.juara",
            CertificateKind::Finalis => "piagam.kind.finalis",
            CertificateKind::Peserta => "piagam.kind.peserta",
        }
    }
}

/// The award a proposal earned, as the certificate states it: `Juara(1..=3)` cannot hold
/// another rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Award {
    Juara(u8),
    Finalis,
    Peserta,
}

impl Award {
    /// The award of a proposal: `in_final_ranking` whether it is in the final ranking with a
    /// final score (one eliminated before the last weighted stage is not), `final_rank` its
    /// rank there; `winning_ranks` how many ranks win.
    pub fn of(in_final_ranking: bool, final_rank: Option<i64>, winning_ranks: i64) -> Award {
        match final_rank {
            Some(k) if in_final_ranking && (1..=winning_ranks.min(3)).contains(&k) => {
                Award::Juara(k as u8)
            }
            _ if in_final_ranking => Award::Finalis,
            _ => Award::Peserta,
        }
    }

    /// From what is stored: the kind's code and its rank.
    pub fn from_stored(kind: &str, rank: Option<i64>) -> Option<Award> {
        match (CertificateKind::parse(kind)?, rank) {
            (CertificateKind::Juara, Some(k @ 1..=3)) => Some(Award::Juara(k as u8)),
            (CertificateKind::Juara, _) => None,
            (CertificateKind::Finalis, _) => Some(Award::Finalis),
            (CertificateKind::Peserta, _) => Some(Award::Peserta),
        }
    }

    pub fn kind(self) -> CertificateKind {
        match self {
            Award::Juara(_) => CertificateKind::Juara,
            Award::Finalis => CertificateKind::Finalis,
            Award::Peserta => CertificateKind::Peserta,
        }
    }

    pub fn rank(self) -> Option<i64> {
        match self {
            Award::Juara(k) => Some(i64::from(k)),
            _ => None,
        }
    }
}

/// Crockford's base 32 alphabet (no I, L, O, U).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const RANDOM_SYMBOLS: usize = 7;
const PREFIX: &str = "KLB";

fn symbol_value(c: char) -> Option<u32> {
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        c => c,
    };
    ALPHABET
        .iter()
        .position(|&a| char::from(a) == c)
        .map(|p| p as u32)
}

/// Multiplication by x in GF(32) (polynomial x^5 + x^2 + 1).
fn times_x(v: u32) -> u32 {
    let v = v << 1;
    if v & 32 != 0 { v ^ 0b10_0101 } else { v }
}

/// The check symbol over `values` (each 0..32): Horner's rule in GF(32), `c = x·(…(x·v1 +
/// v2)…)`. The quasigroup `a∘b = x·a + b` is totally anti-symmetric (Damm), so every single
/// substitution and every swap of two neighbours changes the check. (Luhn mod 32 misses
/// the swap of 0 and Z.)
fn check_symbol(values: &[u32]) -> u32 {
    times_x(values.iter().fold(0, |acc, v| times_x(acc) ^ v))
}

/// Why a typed code is not a certificate code. The web tells a typo from an unknown code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("not of the form KLB-YYYY-XXXX-XXXX")]
    Malformed,
    #[error("the check symbol does not match: a mistyped or forged code")]
    BadCheck,
}

impl CodeError {
    pub fn key(self) -> &'static str {
        match self {
            CodeError::Malformed => "piagam.error.malformed",
            CodeError::BadCheck => "piagam.error.bad_check",
        }
    }
}

/// A well-formed verification code whose check symbol matches. Whether a certificate has it
/// is for the database to say.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VerificationCode {
    year: u16,
    /// Seven random symbols then the check symbol, upper case.
    body: [u8; RANDOM_SYMBOLS + 1],
}

impl VerificationCode {
    /// A new code for an edition's year from 5 random bytes (35 of their 40 bits are used).
    pub fn generate(year: i32, random: [u8; 5]) -> VerificationCode {
        let year = year.clamp(0, 9999) as u16;
        let mut bits = random
            .iter()
            .fold(0_u64, |acc, b| (acc << 8) | u64::from(*b));
        let mut values = [0_u32; RANDOM_SYMBOLS];
        for v in values.iter_mut().rev() {
            *v = (bits & 31) as u32;
            bits >>= 5;
        }
        let check = check_symbol(&Self::checked_values(year, &values));
        let mut body = [0_u8; RANDOM_SYMBOLS + 1];
        for (b, v) in body.iter_mut().zip(values.iter().chain([check].iter())) {
            *b = ALPHABET[*v as usize];
        }
        VerificationCode { year, body }
    }

    /// The year's four digits and the random symbols: what the check symbol covers.
    fn checked_values(year: u16, random: &[u32]) -> Vec<u32> {
        format!("{year:04}")
            .chars()
            .filter_map(|c| c.to_digit(10))
            .chain(random.iter().copied())
            .collect()
    }

    /// Parses what a person typed or a URL carried.
    pub fn parse(input: &str) -> Result<VerificationCode, CodeError> {
        let compact: String = input
            .trim()
            .chars()
            .filter(|c| *c != '-' && !c.is_whitespace())
            .collect();
        if !compact.is_ascii() || compact.len() != PREFIX.len() + 4 + RANDOM_SYMBOLS + 1 {
            return Err(CodeError::Malformed);
        }
        let (prefix, rest) = compact.split_at(PREFIX.len());
        if !prefix.eq_ignore_ascii_case(PREFIX) {
            return Err(CodeError::Malformed);
        }
        let (year, symbols) = rest.split_at(4);
        let year: u16 = year
            .chars()
            .all(|c| c.is_ascii_digit())
            .then(|| year.parse().ok())
            .flatten()
            .ok_or(CodeError::Malformed)?;
        let values: Vec<u32> = symbols
            .chars()
            .map(symbol_value)
            .collect::<Option<_>>()
            .ok_or(CodeError::Malformed)?;
        let (random, check) = values.split_at(RANDOM_SYMBOLS);
        if check_symbol(&Self::checked_values(year, random)) != check[0] {
            return Err(CodeError::BadCheck);
        }
        let mut body = [0_u8; RANDOM_SYMBOLS + 1];
        for (b, v) in body.iter_mut().zip(&values) {
            *b = ALPHABET[*v as usize];
        }
        Ok(VerificationCode { year, body })
    }

    pub fn year(&self) -> i32 {
        i32::from(self.year)
    }
}

impl fmt::Display for VerificationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = |r: std::ops::Range<usize>| String::from_utf8_lossy(&self.body[r]).into_owned();
        write!(
            f,
            "{PREFIX}-{:04}-{}-{}",
            self.year,
            s(0..4),
            s(4..RANDOM_SYMBOLS + 1)
        )
    }
}

impl From<VerificationCode> for String {
    fn from(c: VerificationCode) -> String {
        c.to_string()
    }
}

impl TryFrom<String> for VerificationCode {
    type Error = CodeError;
    fn try_from(s: String) -> Result<Self, CodeError> {
        VerificationCode::parse(&s)
    }
}

/// A calendar date (the date of signing), `YYYY-MM-DD` in forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    pub fn parse(s: &str) -> Option<Date> {
        let mut it = s.trim().split('-');
        let year: i32 = it.next()?.parse().ok()?;
        let month: u32 = it.next()?.parse().ok()?;
        let day: u32 = it.next()?.parse().ok()?;
        (it.next().is_none() && (1000..=9999).contains(&year) && is_valid_date(year, month, day))
            .then_some(Date { year, month, day })
    }

    /// "12 Desember 2022".
    pub fn long(self, lang: Lang) -> String {
        format!(
            "{} {} {}",
            self.day,
            month_name(self.month, lang),
            self.year
        )
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Who signs an edition's certificates, where and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signatory {
    pub name: String,
    pub position: String,
    pub nip: Option<Nip>,
    pub place: String,
    pub signed_on: Date,
}

/// A problem with the signatory form: the field and its message key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatoryProblem {
    pub field: &'static str,
    pub key: &'static str,
}

impl Signatory {
    /// Checks the committee's form; every problem at once.
    pub fn parse(
        name: &str,
        position: &str,
        nip: &str,
        place: &str,
        signed_on: &str,
    ) -> Result<Signatory, Vec<SignatoryProblem>> {
        let mut problems = Vec::new();
        let mut required = |field: &'static str, v: &str| {
            let v = v.trim();
            if v.is_empty() {
                problems.push(SignatoryProblem {
                    field,
                    key: "piagam.error.required",
                });
            } else if v.chars().count() > 120 {
                problems.push(SignatoryProblem {
                    field,
                    key: "piagam.error.too_long",
                });
            }
            v.to_owned()
        };
        let name = required("name", name);
        let position = required("position", position);
        let place = required("place", place);
        let nip = match nip.trim() {
            "" => None,
            n => match Nip::parse(n) {
                Ok(n) => Some(n),
                Err(_) => {
                    problems.push(SignatoryProblem {
                        field: "nip",
                        key: "piagam.error.nip",
                    });
                    None
                }
            },
        };
        let date = Date::parse(signed_on);
        if date.is_none() {
            problems.push(SignatoryProblem {
                field: "signed_on",
                key: "piagam.error.date",
            });
        }
        match date {
            Some(signed_on) if problems.is_empty() => Ok(Signatory {
                name,
                position,
                nip,
                place,
                signed_on,
            }),
            _ => Err(problems),
        }
    }
}

/// The words of one certificate, always in Indonesian (an official document of the city).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateText {
    /// "PIAGAM PENGHARGAAN" or "PIAGAM PARTISIPASI".
    pub heading: String,
    pub issuer: String,
    pub given_to: String,
    pub recipient: String,
    pub innovation_title: String,
    /// "sebagai Juara 1 Kategori …" / "sebagai Finalis …" / "sebagai Peserta".
    pub award_line: String,
    pub competition_line: String,
    /// "Pasuruan, 12 Desember 2022".
    pub place_date: String,
    pub signatory_position: String,
    pub signatory_name: String,
    /// "NIP. 19…", empty without a NIP.
    pub signatory_nip: String,
}

/// What a certificate says, from its snapshot and the edition's signatory.
pub struct CertificateInput<'a> {
    pub award: Award,
    pub category: Option<&'a str>,
    pub recipient: &'a str,
    pub innovation_title: &'a str,
    /// The competition's name, e.g. "Kompetisi Inovasi Layanan Publik (Kolabik) Kota Pasuruan".
    pub competition: &'a str,
    pub year: i32,
    pub signatory: &'a Signatory,
}

pub fn compose(input: &CertificateInput<'_>) -> CertificateText {
    let category = input
        .category
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| format!(" Kategori {c}"))
        .unwrap_or_default();
    let (heading, award_line) = match input.award {
        Award::Juara(k) => ("PIAGAM PENGHARGAAN", format!("sebagai Juara {k}{category}")),
        Award::Finalis => ("PIAGAM PENGHARGAAN", format!("sebagai Finalis{category}")),
        Award::Peserta => ("PIAGAM PARTISIPASI", "sebagai Peserta".to_owned()),
    };
    let competition = input.competition.trim();
    let year = input.year.to_string();
    // The edition's name may already end with its year.
    let competition_line = if competition.ends_with(&year) {
        format!("dalam {competition}")
    } else {
        format!("dalam {competition} {year}")
    };
    let s = input.signatory;
    CertificateText {
        heading: heading.to_owned(),
        issuer: "PEMERINTAH KOTA PASURUAN".to_owned(),
        given_to: "diberikan kepada".to_owned(),
        recipient: input.recipient.trim().to_owned(),
        innovation_title: format!(
            "atas inovasi \u{201c}{}\u{201d}",
            input.innovation_title.trim()
        ),
        award_line,
        competition_line,
        place_date: format!("{}, {}", s.place, s.signed_on.long(Lang::Id)),
        signatory_position: s.position.clone(),
        signatory_name: s.name.clone(),
        signatory_nip: s
            .nip
            .as_ref()
            .map(|n| format!("NIP. {}", n.as_str()))
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(i: u64) -> [u8; 5] {
        let b = i.wrapping_mul(0x9E37_79B9_7F4A_7C15).to_be_bytes();
        [b[0], b[1], b[2], b[3], b[4]]
    }

    #[test]
    fn generated_codes_parse_back_and_print_canonically() {
        for i in 0..2_000 {
            let c = VerificationCode::generate(2022, bytes(i));
            let s = c.to_string();
            assert_eq!(s.len(), "KLB-2022-XXXX-XXXX".len(), "{s}");
            assert!(s.starts_with("KLB-2022-"));
            assert_eq!(VerificationCode::parse(&s), Ok(c.clone()));
            let sloppy = s.to_lowercase().replace('-', " ");
            assert_eq!(VerificationCode::parse(&sloppy), Ok(c));
        }
    }

    #[test]
    fn every_single_typo_and_neighbour_swap_is_caught() {
        for i in 0..200 {
            let s = VerificationCode::generate(2022, bytes(i)).to_string();
            let chars: Vec<char> = s.chars().collect();
            for pos in 4..chars.len() {
                if chars[pos] == '-' {
                    continue;
                }
                // The year takes digits only: a letter there is malformed, not a typo.
                let choices: &[u8] = if pos < 8 { &ALPHABET[..10] } else { ALPHABET };
                for &a in choices {
                    let a = char::from(a);
                    if a == chars[pos] {
                        continue;
                    }
                    let mut t = chars.clone();
                    t[pos] = a;
                    let typed: String = t.into_iter().collect();
                    assert_eq!(
                        VerificationCode::parse(&typed),
                        Err(CodeError::BadCheck),
                        "{s} → {typed}"
                    );
                }
            }
            let compact: Vec<char> = s.chars().filter(|c| *c != '-').collect();
            for pos in 3..compact.len() - 1 {
                if compact[pos] == compact[pos + 1] {
                    continue;
                }
                let mut t = compact.clone();
                t.swap(pos, pos + 1);
                let typed: String = t.into_iter().collect();
                assert!(VerificationCode::parse(&typed).is_err(), "{s} → {typed}");
            }
        }
    }

    #[test]
    fn malformed_codes_are_told_apart() {
        for bad in [
            "",
            "KLB-2022",
            "ABC-2022-0000-0000",
            "KLB-20X2-0000-0000",
            "KLB-2022-0000-000U",
            "KLB-2022-0000-00000",
            "KLB-2022-ÄÄÄÄ-0000",
        ] {
            assert_eq!(
                VerificationCode::parse(bad),
                Err(CodeError::Malformed),
                "{bad}"
            );
        }
        // Crockford's look-alikes read as digits.
        let c = VerificationCode::generate(2022, [0, 0, 0, 0, 0]);
        assert_eq!(c.to_string()[..13].to_owned(), "KLB-2022-0000");
        let typed = c
            .to_string()
            .replacen("0000", "OoIL", 1)
            .replace("OoIL", "OO00");
        assert_eq!(VerificationCode::parse(&typed), Ok(c));
    }

    #[test]
    fn awards_and_wording() {
        assert_eq!(Award::of(true, Some(2), 3), Award::Juara(2));
        assert_eq!(Award::of(true, Some(4), 3), Award::Finalis);
        assert_eq!(Award::of(true, None, 3), Award::Finalis);
        assert_eq!(Award::of(false, None, 3), Award::Peserta);
        assert_eq!(Award::from_stored("juara", Some(4)), None);
        assert_eq!(Award::from_stored("juara", Some(1)), Some(Award::Juara(1)));
        let s = Signatory::parse(
            "Dr. Rahmat Santoso",
            "Wali Kota Pasuruan",
            "",
            "Pasuruan",
            "2022-12-12",
        )
        .unwrap();
        let t = compose(&CertificateInput {
            award: Award::Juara(1),
            category: Some("Tata Kelola Pemerintahan"),
            recipient: "Dinas Perikanan",
            innovation_title: "Si Ikan",
            competition: "Kompetisi Inovasi Layanan Publik (Kolabik) Kota Pasuruan",
            year: 2022,
            signatory: &s,
        });
        assert_eq!(t.heading, "PIAGAM PENGHARGAAN");
        assert_eq!(
            t.award_line,
            "sebagai Juara 1 Kategori Tata Kelola Pemerintahan"
        );
        assert_eq!(
            t.competition_line,
            "dalam Kompetisi Inovasi Layanan Publik (Kolabik) Kota Pasuruan 2022"
        );
        assert_eq!(t.place_date, "Pasuruan, 12 Desember 2022");
        assert_eq!(t.signatory_nip, "");
        let p = compose(&CertificateInput {
            award: Award::Peserta,
            category: None,
            recipient: "SDN 1",
            innovation_title: "X",
            competition: "Kolabik 2022",
            year: 2022,
            signatory: &s,
        });
        assert_eq!(p.heading, "PIAGAM PARTISIPASI");
        assert_eq!(p.competition_line, "dalam Kolabik 2022");
    }

    #[test]
    fn the_signatory_form_reports_every_problem() {
        let e = Signatory::parse(" ", "", "123", "Pasuruan", "2022-02-30").unwrap_err();
        let fields: Vec<&str> = e.iter().map(|p| p.field).collect();
        assert_eq!(fields, ["name", "position", "nip", "signed_on"]);
    }
}
