//! Edition set-up rules: settings, the stage timeline, eligibility and deadlines with
//! dispensations. Pure functions of their inputs.

use serde::{Deserialize, Serialize};

use crate::{Instant, LocalDateTime, StageKind, TimeZone};

/// A field that failed validation and the catalogue key of its message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub field: &'static str,
    pub key: &'static str,
}

fn problem(field: &'static str, key: &'static str) -> Problem {
    Problem { field, key }
}

/// Who may enter, set per edition (SINOVIK/KIPP practice: a minimum age counted back from the
/// close of submission, no recent winners, a quota per unit). Zero disables a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EligibilityRules {
    pub min_months_in_operation: u32,
    /// A unit whose innovation won in any of the last N editions may not enter it again.
    pub no_winner_within_editions: u32,
    pub max_proposals_per_unit: u32,
}

impl Default for EligibilityRules {
    fn default() -> Self {
        EligibilityRules {
            min_months_in_operation: 12,
            no_winner_within_editions: 0,
            max_proposals_per_unit: 3,
        }
    }
}

/// The editable settings of an edition, parsed from what a form or the API sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditionSettings {
    pub year: i32,
    pub name: String,
    pub theme: String,
    pub organiser: String,
    pub description: String,
    pub time_zone: TimeZone,
    /// The unit head (or local admin) approves a proposal before it is submitted.
    pub approval_required: bool,
    pub rules: EligibilityRules,
    /// Largest proposal attachment, in MiB (1–20).
    pub max_attachment_mb: u32,
}

/// The raw strings of an edition settings form.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EditionSettingsInput {
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub theme: String,
    #[serde(default)]
    pub organiser: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub time_zone: String,
    #[serde(default)]
    pub approval_required: Option<String>,
    #[serde(default)]
    pub min_months_in_operation: String,
    #[serde(default)]
    pub no_winner_within_editions: String,
    #[serde(default)]
    pub max_proposals_per_unit: String,
    /// Empty means the default, 5 MiB.
    #[serde(default)]
    pub max_attachment_mb: String,
}

fn small_number(raw: &str, field: &'static str, max: u32, problems: &mut Vec<Problem>) -> u32 {
    match raw.trim().parse::<u32>() {
        Ok(n) if n <= max => n,
        _ => {
            problems.push(problem(field, "error.number_range"));
            0
        }
    }
}

impl EditionSettingsInput {
    pub fn parse(&self) -> Result<EditionSettings, Vec<Problem>> {
        let mut problems = Vec::new();
        let year = match self.year.trim().parse::<i32>() {
            Ok(y) if (2000..=2100).contains(&y) => y,
            _ => {
                problems.push(problem("year", "error.year"));
                0
            }
        };
        let text = |raw: &str,
                    field: &'static str,
                    required: bool,
                    max: usize,
                    problems: &mut Vec<Problem>| {
            let t = raw.trim().to_owned();
            if (required && t.is_empty()) || t.chars().count() > max {
                problems.push(problem(
                    field,
                    if required {
                        "error.text_required"
                    } else {
                        "error.text_long"
                    },
                ));
            }
            t
        };
        let name = text(&self.name, "name", true, 200, &mut problems);
        let theme = text(&self.theme, "theme", false, 300, &mut problems);
        let organiser = text(&self.organiser, "organiser", true, 200, &mut problems);
        let description = text(&self.description, "description", false, 4000, &mut problems);
        let time_zone = TimeZone::parse(&self.time_zone).unwrap_or_else(|| {
            problems.push(problem("time_zone", "error.time_zone"));
            TimeZone::Wib
        });
        let rules = EligibilityRules {
            min_months_in_operation: small_number(
                &self.min_months_in_operation,
                "min_months_in_operation",
                120,
                &mut problems,
            ),
            no_winner_within_editions: small_number(
                &self.no_winner_within_editions,
                "no_winner_within_editions",
                20,
                &mut problems,
            ),
            max_proposals_per_unit: small_number(
                &self.max_proposals_per_unit,
                "max_proposals_per_unit",
                100,
                &mut problems,
            ),
        };
        let approval_required = self
            .approval_required
            .as_deref()
            .is_some_and(|v| matches!(v, "on" | "true" | "1"));
        let max_attachment_mb = match self.max_attachment_mb.trim() {
            "" => 5,
            raw => match raw.parse::<u32>() {
                Ok(n) if (1..=20).contains(&n) => n,
                _ => {
                    problems.push(problem("max_attachment_mb", "error.attachment_mb"));
                    5
                }
            },
        };
        if problems.is_empty() {
            Ok(EditionSettings {
                year,
                name,
                theme,
                organiser,
                description,
                time_zone,
                approval_required,
                rules,
                max_attachment_mb,
            })
        } else {
            Err(problems)
        }
    }
}

/// One stage of a timeline as typed: `datetime-local` strings in the edition's zone.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct StageInput {
    pub kind: String,
    pub opens: String,
    pub closes: String,
}

/// A validated timeline entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageWindow {
    pub kind: StageKind,
    pub opens_at: Instant,
    pub closes_at: Instant,
}

/// Parses a whole timeline. A stage left with both fields empty is simply not scheduled;
/// a half-filled or inverted one is an error on its field (`{kind}.opens` / `{kind}.closes`).
pub fn parse_timeline(
    inputs: &[StageInput],
    tz: TimeZone,
) -> Result<Vec<StageWindow>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut windows: Vec<StageWindow> = Vec::new();
    for input in inputs {
        let Some(kind) = StageKind::parse(input.kind.trim()) else {
            problems.push(problem("timeline", "error.stage_kind"));
            continue;
        };
        if input.opens.trim().is_empty() && input.closes.trim().is_empty() {
            continue;
        }
        if windows.iter().any(|w| w.kind == kind) {
            problems.push(problem(kind.field(false), "error.stage_duplicate"));
            continue;
        }
        let opens = LocalDateTime::parse(&input.opens).map(|l| tz.to_instant(l));
        let closes = LocalDateTime::parse(&input.closes).map(|l| tz.to_instant(l));
        if opens.is_none() {
            problems.push(problem(kind.field(false), "error.datetime"));
        }
        if closes.is_none() {
            problems.push(problem(kind.field(true), "error.datetime"));
        }
        if let (Some(o), Some(c)) = (opens, closes) {
            if o >= c {
                problems.push(problem(kind.field(true), "error.closes_before_opens"));
            } else {
                windows.push(StageWindow {
                    kind,
                    opens_at: o,
                    closes_at: c,
                });
            }
        }
    }
    // Proposals can only be screened after they are in, and judged after screening.
    let find = |k: StageKind| windows.iter().find(|w| w.kind == k).copied();
    for (before, after) in [
        (StageKind::PengajuanProposal, StageKind::SeleksiAdministrasi),
        (StageKind::SeleksiAdministrasi, StageKind::Penilaian),
        (StageKind::Penilaian, StageKind::Pengumuman),
    ] {
        if let (Some(b), Some(a)) = (find(before), find(after))
            && a.opens_at < b.closes_at
        {
            problems.push(problem(after.field(false), "error.stage_order"));
        }
    }
    if problems.is_empty() {
        windows.sort_by_key(|w| w.kind);
        Ok(windows)
    } else {
        Err(problems)
    }
}

/// Why a unit may not act in a stage right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum DeadlineRefusal {
    NotScheduled,
    NotOpenYet { opens_at: Instant },
    Closed { closed_at: Instant },
}

impl DeadlineRefusal {
    /// The instant the refusal speaks of: when the stage opens, or when it closed.
    pub fn at(self) -> Option<Instant> {
        match self {
            DeadlineRefusal::NotScheduled => None,
            DeadlineRefusal::NotOpenYet { opens_at } => Some(opens_at),
            DeadlineRefusal::Closed { closed_at } => Some(closed_at),
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            DeadlineRefusal::NotScheduled => "deadline.not_scheduled",
            DeadlineRefusal::NotOpenYet { .. } => "deadline.not_open",
            DeadlineRefusal::Closed { .. } => "deadline.closed",
        }
    }
}

/// The deadline that applies to one unit: the stage's close, or the unit's dispensation
/// when that is later. A dispensation never shortens a deadline.
pub fn effective_close(stage_closes_at: Instant, dispensation_until: Option<Instant>) -> Instant {
    dispensation_until.map_or(stage_closes_at, |d| d.max(stage_closes_at))
}

/// Whether a unit may act now in a stage window (both ends inclusive), given its
/// dispensation.
pub fn check_window(
    window: Option<(Instant, Instant)>,
    dispensation_until: Option<Instant>,
    now: Instant,
) -> Result<Instant, DeadlineRefusal> {
    let Some((opens_at, closes_at)) = window else {
        return Err(DeadlineRefusal::NotScheduled);
    };
    let close = effective_close(closes_at, dispensation_until);
    if now < opens_at {
        Err(DeadlineRefusal::NotOpenYet { opens_at })
    } else if now > close {
        Err(DeadlineRefusal::Closed { closed_at: close })
    } else {
        Ok(close)
    }
}

/// Whole months from the first day of `started` (year, month) to `reference`, as SINOVIK
/// counts an innovation's age back from the close of submission.
pub fn months_in_operation(started: (i32, u32), reference: LocalDateTime) -> i64 {
    let (y, m) = started;
    let months = i64::from(reference.year - y) * 12 + i64::from(reference.month) - i64::from(m);
    months.max(0)
}

/// Parses `YYYY-MM` (the month an innovation started).
pub fn parse_year_month(s: &str) -> Option<(i32, u32)> {
    let (y, m) = s.trim().split_once('-')?;
    let y: i32 = y.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    ((1900..=2100).contains(&y) && (1..=12).contains(&m)).then_some((y, m))
}

/// The same wall-clock moment `years` later (29 February becomes 28 February), for copying a
/// timeline to next year's edition.
pub fn shift_years(local: LocalDateTime, years: i32) -> LocalDateTime {
    let year = local.year + years;
    let day = if local.month == 2 && local.day == 29 && !crate::time::is_valid_date(year, 2, 29) {
        28
    } else {
        local.day
    };
    LocalDateTime { year, day, ..local }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Instant {
        TimeZone::Wib.to_instant(LocalDateTime::parse(s).unwrap())
    }

    #[test]
    fn deadline_is_inclusive_and_a_dispensation_extends_it() {
        let window = Some((at("2022-11-01T08:00"), at("2022-11-18T23:59")));
        let close = at("2022-11-18T23:59");
        assert_eq!(check_window(window, None, close), Ok(close));
        let late = close.plus_seconds(1);
        assert_eq!(
            check_window(window, None, late),
            Err(DeadlineRefusal::Closed { closed_at: close })
        );
        let extended = at("2022-11-21T16:00");
        assert_eq!(check_window(window, Some(extended), late), Ok(extended));
        // A dispensation cannot shorten the common deadline.
        assert_eq!(
            check_window(window, Some(at("2022-11-10T00:00")), late),
            Err(DeadlineRefusal::Closed { closed_at: close })
        );
        assert!(matches!(
            check_window(window, None, at("2022-10-01T00:00")),
            Err(DeadlineRefusal::NotOpenYet { .. })
        ));
        assert_eq!(
            check_window(None, None, late),
            Err(DeadlineRefusal::NotScheduled)
        );
    }

    #[test]
    fn timeline_parsing_reports_each_field() {
        let input = vec![
            StageInput {
                kind: "pengajuan_proposal".into(),
                opens: "2023-11-01T08:00".into(),
                closes: "2023-11-18T23:59".into(),
            },
            StageInput {
                kind: "seleksi_administrasi".into(),
                opens: "2023-11-10T08:00".into(),
                closes: "2023-11-25T16:00".into(),
            },
            StageInput {
                kind: "penilaian".into(),
                opens: "2023-11-30T08:00".into(),
                closes: "2023-11-29T08:00".into(),
            },
            StageInput {
                kind: "uji_publik".into(),
                opens: "".into(),
                closes: "".into(),
            },
            StageInput {
                kind: "pengumuman".into(),
                opens: "kemarin".into(),
                closes: "2023-12-21T10:00".into(),
            },
        ];
        let problems = parse_timeline(&input, TimeZone::Wib).unwrap_err();
        let fields: Vec<(&str, &str)> = problems.iter().map(|p| (p.field, p.key)).collect();
        assert_eq!(
            fields,
            [
                ("penilaian.closes", "error.closes_before_opens"),
                ("pengumuman.opens", "error.datetime"),
                ("seleksi_administrasi.opens", "error.stage_order"),
            ]
        );
        let ok = parse_timeline(&input[..1], TimeZone::Wib).unwrap();
        assert_eq!(ok[0].closes_at, at("2023-11-18T23:59"));
    }

    #[test]
    fn settings_parse_collects_every_problem() {
        let input = EditionSettingsInput {
            year: "20x3".into(),
            name: " ".into(),
            organiser: "Bagian Organisasi".into(),
            time_zone: "GMT".into(),
            min_months_in_operation: "12".into(),
            no_winner_within_editions: "2".into(),
            max_proposals_per_unit: "-1".into(),
            ..Default::default()
        };
        let fields: Vec<&str> = input
            .parse()
            .unwrap_err()
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(
            fields,
            ["year", "name", "time_zone", "max_proposals_per_unit"]
        );
        let good = EditionSettingsInput {
            year: "2023".into(),
            name: "Kolabik 2023".into(),
            organiser: "Bagian Organisasi".into(),
            time_zone: "WIB".into(),
            approval_required: Some("on".into()),
            min_months_in_operation: "24".into(),
            no_winner_within_editions: "1".into(),
            max_proposals_per_unit: "3".into(),
            ..Default::default()
        };
        let s = good.parse().unwrap();
        assert!(s.approval_required);
        assert_eq!(s.rules.min_months_in_operation, 24);
    }

    #[test]
    fn age_and_year_shift() {
        let close = LocalDateTime::parse("2022-11-18T23:59").unwrap();
        assert_eq!(
            months_in_operation(parse_year_month("2021-11").unwrap(), close),
            12
        );
        assert_eq!(
            months_in_operation(parse_year_month("2021-12").unwrap(), close),
            11
        );
        assert_eq!(months_in_operation((2023, 1), close), 0);
        assert_eq!(parse_year_month("2021-13"), None);
        let leap = LocalDateTime::parse("2024-02-29T10:00").unwrap();
        assert_eq!(shift_years(leap, 1).to_string(), "2025-02-28T10:00");
        assert_eq!(shift_years(close, 1).to_string(), "2023-11-18T23:59");
    }
}
