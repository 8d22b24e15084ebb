//! Scoring rubrics: the criteria a judge scores, their weights and scales, and the defaults
//! for the three judged stages. A rubric is stored as JSON and edited through forms and the
//! API, so everything arriving from outside goes through [`Rubric::parse`] or
//! [`Rubric::validate`].

use serde::{Deserialize, Serialize};

use crate::{Slug, StageKind};

/// 100 % in basis points.
pub const FULL_WEIGHT_BP: u32 = 10_000;
/// The widest scale a criterion may use (a 0–100 score is the most any jury uses).
pub const MAX_SCALE: u8 = 100;

/// What one score on a criterion's scale means; a descriptor on a level describes the band
/// from that level up to the next described level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelDescriptor {
    pub score: u8,
    pub descriptor: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    /// Stable slug (a–z, 0–9, `-`): score sheets refer to criteria by it.
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Basis points: 10000 = 100 %.
    pub weight_bp: u32,
    pub scale_min: u8,
    pub scale_max: u8,
    #[serde(default)]
    pub levels: Vec<LevelDescriptor>,
    /// `false`: scored and shown, but not counted in the total (e.g. a note for the field
    /// visit). Its weight is ignored.
    #[serde(default = "yes")]
    pub counted: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rubric {
    pub criteria: Vec<Criterion>,
}

/// Why a rubric was refused; `key()` is the catalogue key of its message. Criteria are named
/// by their code, or by position (from 1) when the code itself is the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RubricError {
    #[error("not a rubric: {0}")]
    Json(String),
    #[error("the rubric has no criteria")]
    Empty,
    #[error("criterion {0}: code may hold only a-z, 0-9 and '-'")]
    Code(usize),
    #[error("criterion {0}: code used twice")]
    DuplicateCode(String),
    #[error("criterion {0}: name is empty")]
    Name(String),
    #[error("criterion {0}: the lowest score must be below the highest")]
    ScaleOrder(String),
    #[error("criterion {0}: the highest score may be at most 100")]
    ScaleMax(String),
    #[error("criterion {code}: level {score} lies outside the scale")]
    LevelOutside { code: String, score: u8 },
    #[error("criterion {code}: level {score} is described twice")]
    LevelDuplicate { code: String, score: u8 },
    #[error("criterion {code}: level {score} has no descriptor")]
    LevelEmpty { code: String, score: u8 },
    #[error("weights of the counted criteria add up to {0} basis points, not 10000")]
    WeightSum(u64),
    #[error("a weight is a percentage from 0 to 100 with at most two decimals")]
    Percent,
}

impl RubricError {
    pub fn key(&self) -> &'static str {
        match self {
            RubricError::Json(_) => "rubric.error_json",
            RubricError::Empty => "rubric.error_empty",
            RubricError::Code(_) => "rubric.error_code",
            RubricError::DuplicateCode(_) => "rubric.error_duplicate_code",
            RubricError::Name(_) => "rubric.error_name",
            RubricError::ScaleOrder(_) => "rubric.error_scale_order",
            RubricError::ScaleMax(_) => "rubric.error_scale_max",
            RubricError::LevelOutside { .. } => "rubric.error_level_outside",
            RubricError::LevelDuplicate { .. } => "rubric.error_level_duplicate",
            RubricError::LevelEmpty { .. } => "rubric.error_level_empty",
            RubricError::WeightSum(_) => "rubric.error_weight_sum",
            RubricError::Percent => "rubric.error_percent",
        }
    }
}

/// Every key `RubricError::key` can return, for the catalogue test.
pub const ERROR_KEYS: &[&str] = &[
    "rubric.error_json",
    "rubric.error_empty",
    "rubric.error_code",
    "rubric.error_duplicate_code",
    "rubric.error_name",
    "rubric.error_scale_order",
    "rubric.error_scale_max",
    "rubric.error_level_outside",
    "rubric.error_level_duplicate",
    "rubric.error_level_empty",
    "rubric.error_weight_sum",
    "rubric.error_percent",
];

/// A weight as typed in a form or the API, in percent with at most two decimals ("12.5",
/// "12,5" — the Indonesian decimal comma —, "30", "7.25"), to basis points (1250, 3000, 725).
/// Parsed as decimal digits, never through a float, so "0.29" is exactly 29.
pub fn parse_percent_bp(raw: &str) -> Result<u32, RubricError> {
    let s = raw.trim().trim_end_matches('%').trim_end();
    let (int, frac) = match s.find(['.', ',']) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || int.len() > 3 || frac.len() > 2 || !digits(int) || !digits(frac) {
        return Err(RubricError::Percent);
    }
    let whole: u32 = int.parse().map_err(|_| RubricError::Percent)?;
    let mut hundredths: u32 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| RubricError::Percent)?
    };
    if frac.len() == 1 {
        hundredths *= 10;
    }
    let bp = whole * 100 + hundredths;
    if bp > FULL_WEIGHT_BP {
        return Err(RubricError::Percent);
    }
    Ok(bp)
}

/// Basis points as the percentage a form shows: 1250 → "12.5", 3000 → "30", 725 → "7.25".
pub fn format_percent(bp: u32) -> String {
    let (whole, frac) = (bp / 100, bp % 100);
    match frac {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

impl Rubric {
    /// Reads a rubric from its stored or submitted JSON and validates it.
    pub fn parse(json: &str) -> Result<Rubric, Vec<RubricError>> {
        let rubric: Rubric =
            serde_json::from_str(json).map_err(|e| vec![RubricError::Json(e.to_string())])?;
        rubric.validate()?;
        Ok(rubric)
    }

    /// Every problem at once, so a form can mark them all.
    pub fn validate(&self) -> Result<(), Vec<RubricError>> {
        let mut problems = Vec::new();
        if self.criteria.is_empty() {
            return Err(vec![RubricError::Empty]);
        }
        let mut seen: Vec<&str> = Vec::new();
        for (i, c) in self.criteria.iter().enumerate() {
            if Slug::parse(&c.code).is_err() || c.code.trim() != c.code {
                problems.push(RubricError::Code(i + 1));
            } else if seen.contains(&c.code.as_str()) {
                problems.push(RubricError::DuplicateCode(c.code.clone()));
            }
            seen.push(&c.code);
            if c.name.trim().is_empty() {
                problems.push(RubricError::Name(c.code.clone()));
            }
            if c.scale_max > MAX_SCALE {
                problems.push(RubricError::ScaleMax(c.code.clone()));
            }
            if c.scale_min >= c.scale_max {
                problems.push(RubricError::ScaleOrder(c.code.clone()));
            }
            let mut levels: Vec<u8> = Vec::new();
            for l in &c.levels {
                let (code, score) = (c.code.clone(), l.score);
                if score < c.scale_min || score > c.scale_max {
                    problems.push(RubricError::LevelOutside { code, score });
                } else if levels.contains(&score) {
                    problems.push(RubricError::LevelDuplicate { code, score });
                } else if l.descriptor.trim().is_empty() {
                    problems.push(RubricError::LevelEmpty { code, score });
                }
                levels.push(score);
            }
        }
        // Summed in u64 so that absurd weights from a hand-written JSON cannot overflow.
        let sum: u64 = self.counted().map(|c| u64::from(c.weight_bp)).sum::<u64>();
        if sum != u64::from(FULL_WEIGHT_BP) {
            problems.push(RubricError::WeightSum(sum));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// The criteria that make up the total.
    pub fn counted(&self) -> impl Iterator<Item = &Criterion> {
        self.criteria.iter().filter(|c| c.counted)
    }

    pub fn criterion(&self, code: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.code == code)
    }

    pub fn to_json(&self) -> String {
        // A rubric holds only strings and integers: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Desk evaluation (penilaian proposal). The five criteria of PermenPANRB 91/2021 plus
    /// stakeholder involvement, which KIPP's proposal format asks for. No national weights are
    /// published; ours put novelty first (it is what separates an innovation from good
    /// administration) and split the rest by how much evidence a proposal can carry:
    /// 25/20/20/15/10/10.
    pub fn default_desk() -> Rubric {
        Rubric {
            criteria: vec![
                ten_point(
                    "kebaruan",
                    "Kebaruan",
                    "Pendekatan, kebijakan atau rancangan baru, atau modifikasi dari yang sudah ada.",
                    2500,
                ),
                ten_point(
                    "efektivitas",
                    "Efektivitas",
                    "Hasil nyata yang terukur: waktu, biaya, langkah atau kepuasan layanan membaik.",
                    2000,
                ),
                ten_point(
                    "kemanfaatan",
                    "Kemanfaatan",
                    "Menyelesaikan masalah yang menjadi perhatian publik dan dirasakan pengguna layanan.",
                    2000,
                ),
                ten_point(
                    "replikasi",
                    "Replikasi/adaptabilitas",
                    "Mudah disebarkan dan dapat diterapkan di unit atau daerah lain.",
                    1500,
                ),
                ten_point(
                    "keberlanjutan",
                    "Keberlanjutan",
                    "Didukung program dan anggaran, tugas dan fungsi, regulasi, serta dukungan masyarakat.",
                    1000,
                ),
                ten_point(
                    "keterlibatan",
                    "Keterlibatan pemangku kepentingan",
                    "Pemangku kepentingan dilibatkan dalam perancangan, pelaksanaan dan evaluasi.",
                    1000,
                ),
            ],
        }
    }

    /// Presentation and interview: the IGA presentation weights (BSKDN Kemendagri),
    /// 30/25/20/15/10.
    pub fn default_presentation() -> Rubric {
        Rubric {
            criteria: vec![
                ten_point(
                    "kebaruan",
                    "Kebaruan",
                    "Inovasi membawa cara baru dibandingkan praktik sebelumnya.",
                    3000,
                ),
                ten_point(
                    "kemanfaatan",
                    "Kemanfaatan",
                    "Manfaat bagi masyarakat dan pemerintah, didukung data.",
                    2500,
                ),
                ten_point(
                    "replikasi-aplikatif",
                    "Replikasi dan aplikatif",
                    "Dapat diterapkan di tempat lain dan mudah dijalankan.",
                    2000,
                ),
                ten_point(
                    "kewenangan-kolaborasi",
                    "Kewenangan daerah dan kolaborasi",
                    "Sesuai kewenangan daerah dan melibatkan kolaborasi lintas pihak.",
                    1500,
                ),
                ten_point(
                    "penyajian",
                    "Penguasaan materi dan penyajian",
                    "Penyaji menguasai materi, menjawab pertanyaan dengan tepat dan runtut.",
                    1000,
                ),
            ],
        }
    }

    /// Field verification: does the service on the ground match the proposal? Document
    /// match and a working service weigh most (a visit exists to check them), then users'
    /// voice, then support for keeping it going: 30/30/25/15.
    pub fn default_field() -> Rubric {
        Rubric {
            criteria: vec![
                ten_point(
                    "kesesuaian-dokumen",
                    "Kesesuaian dokumen dengan kondisi lapangan",
                    "Yang ditulis dalam proposal dan lampiran sesuai dengan yang ditemui di lapangan.",
                    3000,
                ),
                ten_point(
                    "keberfungsian-layanan",
                    "Keberfungsian layanan",
                    "Layanan inovasi berjalan dan dapat didemonstrasikan saat kunjungan.",
                    3000,
                ),
                ten_point(
                    "kepuasan-pengguna",
                    "Kepuasan dan testimoni pengguna",
                    "Pengguna layanan yang ditemui merasakan manfaat dan puas.",
                    2500,
                ),
                ten_point(
                    "dukungan-keberlanjutan",
                    "Dukungan dan keberlanjutan",
                    "Ada dukungan pimpinan, anggaran, SDM dan regulasi untuk menjaga layanan.",
                    1500,
                ),
            ],
        }
    }

    /// The default rubric of a judged stage; other stages are not scored.
    pub fn default_for(stage: StageKind) -> Option<Rubric> {
        match stage {
            StageKind::Penilaian => Some(Rubric::default_desk()),
            StageKind::PresentasiWawancara => Some(Rubric::default_presentation()),
            StageKind::VerifikasiLapangan => Some(Rubric::default_field()),
            _ => None,
        }
    }
}

/// A 1–10 criterion with the four usual bands: 1–3 kurang, 4–6 cukup, 7–8 baik,
/// 9–10 sangat baik.
fn ten_point(code: &str, name: &str, description: &str, weight_bp: u32) -> Criterion {
    let level = |score: u8, descriptor: &str| LevelDescriptor {
        score,
        descriptor: descriptor.to_owned(),
    };
    Criterion {
        code: code.to_owned(),
        name: name.to_owned(),
        description: description.to_owned(),
        weight_bp,
        scale_min: 1,
        scale_max: 10,
        levels: vec![
            level(
                1,
                "Kurang (1–3): tidak atau hampir tidak ditunjukkan; bukti tidak ada atau tidak meyakinkan.",
            ),
            level(
                4,
                "Cukup (4–6): ditunjukkan sebagian; bukti ada tetapi terbatas atau belum konsisten.",
            ),
            level(
                7,
                "Baik (7–8): ditunjukkan dengan jelas; bukti memadai dan konsisten.",
            ),
            level(
                9,
                "Sangat baik (9–10): menonjol dan dapat menjadi contoh; bukti kuat dan terukur.",
            ),
        ],
        counted: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(r: Result<(), Vec<RubricError>>) -> Vec<&'static str> {
        r.err()
            .unwrap_or_default()
            .iter()
            .map(RubricError::key)
            .collect()
    }

    #[test]
    fn defaults_are_valid_and_weighted_as_documented() {
        for stage in StageKind::ALL {
            if let Some(r) = Rubric::default_for(*stage) {
                assert_eq!(r.validate(), Ok(()), "{stage}");
            }
        }
        let w = |r: Rubric| r.criteria.iter().map(|c| c.weight_bp).collect::<Vec<_>>();
        assert_eq!(
            w(Rubric::default_desk()),
            [2500, 2000, 2000, 1500, 1000, 1000]
        );
        assert_eq!(
            w(Rubric::default_presentation()),
            [3000, 2500, 2000, 1500, 1000]
        );
        assert_eq!(w(Rubric::default_field()), [3000, 3000, 2500, 1500]);
        assert!(Rubric::default_for(StageKind::Pendaftaran).is_none());
        assert!(Rubric::default_for(StageKind::UjiPublik).is_none());
    }

    #[test]
    fn json_round_trip_and_defaults_for_omitted_fields() {
        let r = Rubric::default_desk();
        assert_eq!(Rubric::parse(&r.to_json()), Ok(r));
        let minimal = r#"{"criteria":[{"code":"a","name":"A","weight_bp":10000,
            "scale_min":0,"scale_max":100}]}"#;
        let parsed = Rubric::parse(minimal).unwrap();
        assert!(parsed.criteria[0].counted);
        assert!(parsed.criteria[0].levels.is_empty());
        assert_eq!(
            Rubric::parse("{").unwrap_err()[0].key(),
            "rubric.error_json"
        );
    }

    fn one(code: &str, weight_bp: u32) -> Criterion {
        Criterion {
            weight_bp,
            ..ten_point(code, "X", "", weight_bp)
        }
    }

    #[test]
    fn refusals() {
        assert_eq!(
            keys(Rubric { criteria: vec![] }.validate()),
            ["rubric.error_empty"]
        );
        let r = Rubric {
            criteria: vec![one("a", 5000), one("b", 4000)],
        };
        assert_eq!(keys(r.validate()), ["rubric.error_weight_sum"]);
        // An uncounted criterion's weight is ignored either way.
        let mut r = Rubric {
            criteria: vec![one("a", 6000), one("b", 4000), one("note", 9999)],
        };
        r.criteria[2].counted = false;
        assert_eq!(r.validate(), Ok(()));
        // Nothing counted: the sum is 0.
        r.criteria.iter_mut().for_each(|c| c.counted = false);
        assert_eq!(keys(r.validate()), ["rubric.error_weight_sum"]);

        let r = Rubric {
            criteria: vec![one("a", 5000), one("a", 5000), one("Bad Code", 0)],
        };
        assert_eq!(
            keys(r.validate()),
            ["rubric.error_duplicate_code", "rubric.error_code"]
        );

        let mut c = one("a", 10000);
        c.scale_min = 5;
        c.scale_max = 5;
        c.levels.clear();
        let mut r = Rubric { criteria: vec![c] };
        assert_eq!(keys(r.validate()), ["rubric.error_scale_order"]);
        r.criteria[0].scale_max = 101;
        assert_eq!(keys(r.validate()), ["rubric.error_scale_max"]);
        r.criteria[0].scale_max = 100;
        assert_eq!(r.validate(), Ok(()));

        let mut r = Rubric {
            criteria: vec![one("a", 10000)],
        };
        r.criteria[0].name = " ".into();
        r.criteria[0].levels.push(LevelDescriptor {
            score: 11,
            descriptor: "x".into(),
        });
        r.criteria[0].levels.push(LevelDescriptor {
            score: 4,
            descriptor: "again".into(),
        });
        r.criteria[0].levels.push(LevelDescriptor {
            score: 5,
            descriptor: "".into(),
        });
        assert_eq!(
            keys(r.validate()),
            [
                "rubric.error_name",
                "rubric.error_level_outside",
                "rubric.error_level_duplicate",
                "rubric.error_level_empty"
            ]
        );
        // A level below the scale, and the error names the criterion.
        let mut r = Rubric {
            criteria: vec![one("a", 10000)],
        };
        r.criteria[0].levels[0].score = 0;
        assert_eq!(
            r.validate(),
            Err(vec![RubricError::LevelOutside {
                code: "a".into(),
                score: 0
            }])
        );
    }

    #[test]
    fn percent_to_basis_points() {
        for (raw, bp) in [
            ("12.5", 1250),
            ("12,5", 1250),
            ("30", 3000),
            ("7.25", 725),
            ("0.29", 29),
            (" 100 ", 10000),
            ("15%", 1500),
            ("0", 0),
            ("100.00", 10000),
            ("5.", 500),
        ] {
            assert_eq!(parse_percent_bp(raw), Ok(bp), "{raw}");
        }
        for raw in [
            "", "abc", "12.345", "100.01", "-5", "1e2", ".5", "1.2.3", "1000",
        ] {
            assert_eq!(parse_percent_bp(raw), Err(RubricError::Percent), "{raw}");
        }
        for bp in [1250, 3000, 725, 29, 10000, 0, 1005] {
            assert_eq!(parse_percent_bp(&format_percent(bp)), Ok(bp));
        }
        assert_eq!(format_percent(1250), "12.5");
        assert_eq!(format_percent(1005), "10.05");
    }

    #[test]
    fn error_keys_are_listed() {
        for e in [
            RubricError::Json(String::new()),
            RubricError::Empty,
            RubricError::Code(1),
            RubricError::WeightSum(0),
            RubricError::Percent,
        ] {
            assert!(ERROR_KEYS.contains(&e.key()));
        }
        assert_eq!(ERROR_KEYS.len(), 12);
    }
}
