//! The innovation proposal in the national format: its sections and word limits, the ATM
//! source, service indicators before and after with their change, completeness for
//! submission, and a readable word-level diff between versions.

use serde::{Deserialize, Serialize};

use crate::edition::Problem;

/// One text section of a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SectionSpec {
    /// Field name (form, JSON, database column).
    pub field: &'static str,
    /// Catalogue key of its label and of its guidance (`<label>_hint`).
    pub label_key: &'static str,
    pub word_limit: usize,
    pub required: bool,
}

/// The sections, in the order of the form. Word limits follow the provincial clones of the
/// KIPP form (KOVABLIK): ringkasan 200, ide inovatif 600, keberlanjutan 600, …
pub const SECTIONS: [SectionSpec; 10] = [
    SectionSpec {
        field: "summary",
        label_key: "proposal.summary",
        word_limit: 200,
        required: true,
    },
    SectionSpec {
        field: "problem",
        label_key: "proposal.problem",
        word_limit: 600,
        required: true,
    },
    SectionSpec {
        field: "idea",
        label_key: "proposal.idea",
        word_limit: 600,
        required: true,
    },
    SectionSpec {
        field: "novelty",
        label_key: "proposal.novelty",
        word_limit: 300,
        required: true,
    },
    SectionSpec {
        field: "stakeholders",
        label_key: "proposal.stakeholders",
        word_limit: 200,
        required: true,
    },
    SectionSpec {
        field: "resources",
        label_key: "proposal.resources",
        word_limit: 300,
        required: true,
    },
    SectionSpec {
        field: "sustainability",
        label_key: "proposal.sustainability",
        word_limit: 600,
        required: true,
    },
    SectionSpec {
        field: "replicability",
        label_key: "proposal.replicability",
        word_limit: 400,
        required: true,
    },
    SectionSpec {
        field: "results",
        label_key: "proposal.results",
        word_limit: 400,
        required: true,
    },
    SectionSpec {
        field: "lessons",
        label_key: "proposal.lessons",
        word_limit: 300,
        required: false,
    },
];

pub const TITLE_MAX_CHARS: usize = 150;
pub const ATM_MODIFIED_WORDS: usize = 300;

pub fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// The editable content of a proposal, as saved (drafts may be incomplete or too long:
/// saving never loses work; only submission demands completeness).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProposalContent {
    pub title: String,
    pub category: String,
    pub innovation_stage: String,
    /// `YYYY-MM` the innovation started running (its trial, or its implementation when
    /// there was no trial): the start its age is counted from.
    pub started_on: String,
    /// `YYYY-MM` full implementation started; required at the `penerapan` stage.
    pub implemented_on: String,
    pub summary: String,
    pub problem: String,
    pub idea: String,
    pub novelty: String,
    pub stakeholders: String,
    pub resources: String,
    pub sustainability: String,
    pub replicability: String,
    pub results: String,
    pub lessons: String,
    /// ATM: the innovation observed and adapted, whose it is, where, and what was modified.
    pub atm_innovation: String,
    pub atm_owner: String,
    pub atm_region: String,
    pub atm_modified: String,
    pub video_url: String,
    /// BerAKHLAK value codes.
    pub values: Vec<String>,
    pub sdgs: Vec<u8>,
    pub indicators: Vec<IndicatorInput>,
}

impl ProposalContent {
    pub fn section(&self, field: &str) -> &str {
        match field {
            "summary" => &self.summary,
            "problem" => &self.problem,
            "idea" => &self.idea,
            "novelty" => &self.novelty,
            "stakeholders" => &self.stakeholders,
            "resources" => &self.resources,
            "sustainability" => &self.sustainability,
            "replicability" => &self.replicability,
            "results" => &self.results,
            "lessons" => &self.lessons,
            "title" => &self.title,
            "atm_innovation" => &self.atm_innovation,
            "atm_owner" => &self.atm_owner,
            "atm_region" => &self.atm_region,
            "atm_modified" => &self.atm_modified,
            "video_url" => &self.video_url,
            "started_on" => &self.started_on,
            "implemented_on" => &self.implemented_on,
            _ => "",
        }
    }

    pub fn declares_atm(&self) -> bool {
        !self.atm_innovation.trim().is_empty()
    }

    /// Everything that stands between this content and submission, per field.
    pub fn completeness(&self, categories: &[&str]) -> Vec<Problem> {
        let mut problems = Vec::new();
        let p = |field: &'static str, key: &'static str| Problem { field, key };
        let title = self.title.trim();
        if title.is_empty() {
            problems.push(p("title", "proposal.error_required"));
        } else if title.chars().count() > TITLE_MAX_CHARS {
            problems.push(p("title", "proposal.error_title_long"));
        }
        if !categories.contains(&self.category.as_str()) {
            problems.push(p("category", "proposal.error_category"));
        }
        if crate::InnovationStage::parse(&self.innovation_stage).is_none() {
            problems.push(p("innovation_stage", "proposal.error_stage"));
        }
        let started = crate::edition::parse_year_month(&self.started_on);
        if started.is_none() {
            problems.push(p("started_on", "proposal.error_started_on"));
        }
        if crate::InnovationStage::parse(&self.innovation_stage)
            == Some(crate::InnovationStage::Penerapan)
        {
            match crate::edition::parse_year_month(&self.implemented_on) {
                Some(implemented) if started.is_none_or(|s| implemented >= s) => {}
                _ => problems.push(p("implemented_on", "proposal.error_implemented_on")),
            }
        }
        for s in SECTIONS {
            let text = self.section(s.field);
            if s.required && text.trim().is_empty() {
                problems.push(p(s.field, "proposal.error_required"));
            } else if word_count(text) > s.word_limit {
                problems.push(p(s.field, "proposal.error_word_limit"));
            }
        }
        if self.declares_atm() {
            for (field, text) in [
                ("atm_owner", &self.atm_owner),
                ("atm_region", &self.atm_region),
                ("atm_modified", &self.atm_modified),
            ] {
                if text.trim().is_empty() {
                    problems.push(p(field, "proposal.error_atm_incomplete"));
                }
            }
            if word_count(&self.atm_modified) > ATM_MODIFIED_WORDS {
                problems.push(p("atm_modified", "proposal.error_word_limit"));
            }
        }
        if !self.video_url.trim().is_empty() && !crate::richtext::is_safe_url(self.video_url.trim())
        {
            problems.push(p("video_url", "error.url"));
        }
        if self.values.is_empty()
            || self
                .values
                .iter()
                .any(|v| crate::BerakhlakValue::parse(v).is_none())
        {
            problems.push(p("values", "proposal.error_values"));
        }
        if self.sdgs.is_empty() || self.sdgs.iter().any(|n| crate::Sdg::new(*n).is_none()) {
            problems.push(p("sdgs", "proposal.error_sdgs"));
        }
        let parsed: Vec<_> = self
            .indicators
            .iter()
            .filter_map(|i| i.parse().ok())
            .collect();
        if self.indicators.iter().any(|i| i.parse().is_err()) {
            problems.push(p("indicators", "proposal.error_indicator"));
        } else if parsed.is_empty() {
            problems.push(p("indicators", "proposal.error_indicators_required"));
        }
        problems
    }
}

/// The service indicators measured before and after an innovation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// Waktu proses layanan.
    ProcessingTime,
    /// Jumlah tahapan/langkah.
    Steps,
    /// Jumlah persyaratan.
    Requirements,
    /// Biaya yang ditanggung warga (Rp).
    Cost,
    /// Jumlah kunjungan yang diperlukan.
    Visits,
    /// Indeks Kepuasan Masyarakat, 0–100.
    Satisfaction,
    /// Warga terlayani per bulan.
    ServedPerMonth,
}

impl IndicatorKind {
    pub const ALL: [IndicatorKind; 7] = [
        IndicatorKind::ProcessingTime,
        IndicatorKind::Steps,
        IndicatorKind::Requirements,
        IndicatorKind::Cost,
        IndicatorKind::Visits,
        IndicatorKind::Satisfaction,
        IndicatorKind::ServedPerMonth,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorKind::ProcessingTime => "processing_time",
            IndicatorKind::Steps => "steps",
            IndicatorKind::Requirements => "requirements",
            IndicatorKind::Cost => "cost",
            IndicatorKind::Visits => "visits",
            IndicatorKind::Satisfaction => "satisfaction",
            IndicatorKind::ServedPerMonth => "served_per_month",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        IndicatorKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label_key(self) -> &'static str {
        match self {
            IndicatorKind::ProcessingTime => "indicator.processing_time",
            IndicatorKind::Steps => "indicator.steps",
            IndicatorKind::Requirements => "indicator.requirements",
            IndicatorKind::Cost => "indicator.cost",
            IndicatorKind::Visits => "indicator.visits",
            IndicatorKind::Satisfaction => "indicator.satisfaction",
            IndicatorKind::ServedPerMonth => "indicator.served_per_month",
        }
    }
    /// For most indicators less is better (time, steps, requirements, cost, visits).
    pub fn lower_is_better(self) -> bool {
        !matches!(
            self,
            IndicatorKind::Satisfaction | IndicatorKind::ServedPerMonth
        )
    }
}

/// The unit of a processing time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    Minutes,
    Hours,
    WorkingDays,
    Days,
}

impl TimeUnit {
    pub const ALL: [TimeUnit; 4] = [
        TimeUnit::Minutes,
        TimeUnit::Hours,
        TimeUnit::WorkingDays,
        TimeUnit::Days,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            TimeUnit::Minutes => "minutes",
            TimeUnit::Hours => "hours",
            TimeUnit::WorkingDays => "working_days",
            TimeUnit::Days => "days",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        TimeUnit::ALL.into_iter().find(|u| u.as_str() == s)
    }
    pub fn label_key(self) -> &'static str {
        match self {
            TimeUnit::Minutes => "indicator.minutes",
            TimeUnit::Hours => "indicator.hours",
            TimeUnit::WorkingDays => "indicator.working_days",
            TimeUnit::Days => "indicator.days",
        }
    }
    /// Minutes of service time. A working day counts 8 hours of opening time, a calendar
    /// day 24 hours: what a citizen waits.
    fn minutes(self) -> f64 {
        match self {
            TimeUnit::Minutes => 1.0,
            TimeUnit::Hours => 60.0,
            TimeUnit::WorkingDays => 8.0 * 60.0,
            TimeUnit::Days => 24.0 * 60.0,
        }
    }
}

/// An indicator as typed (strings; a decimal comma is accepted).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IndicatorInput {
    pub kind: String,
    pub before: String,
    pub after: String,
    /// For processing time: the units of `before` and `after`.
    pub before_unit: String,
    pub after_unit: String,
    pub evidence: String,
}

/// A validated before/after measurement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Indicator {
    pub kind: IndicatorKind,
    pub before: f64,
    pub after: f64,
    pub before_unit: Option<TimeUnit>,
    pub after_unit: Option<TimeUnit>,
}

fn number(s: &str) -> Option<f64> {
    let cleaned: String = s.trim().replace([' ', '.'], "").replace(',', ".");
    // "1.500" (Indonesian thousands) and "2,5" (decimal comma) both read as people write them;
    // a plain "2.5" is taken as 2.5 when it cannot be a thousands separator.
    let raw = s.trim();
    let value = if raw.contains(',')
        || raw.matches('.').count() > 1
        || raw.split('.').nth(1).is_some_and(|d| d.len() == 3)
    {
        cleaned.parse::<f64>().ok()
    } else {
        raw.parse::<f64>().ok()
    };
    value.filter(|v| v.is_finite() && *v >= 0.0)
}

impl IndicatorInput {
    pub fn parse(&self) -> Result<Indicator, &'static str> {
        let kind = IndicatorKind::parse(self.kind.trim()).ok_or("proposal.error_indicator_kind")?;
        let before = number(&self.before).ok_or("proposal.error_indicator_value")?;
        let after = number(&self.after).ok_or("proposal.error_indicator_value")?;
        if kind == IndicatorKind::Satisfaction && (before > 100.0 || after > 100.0) {
            return Err("proposal.error_ikm_range");
        }
        let (before_unit, after_unit) = if kind == IndicatorKind::ProcessingTime {
            (
                Some(TimeUnit::parse(self.before_unit.trim()).ok_or("proposal.error_time_unit")?),
                Some(TimeUnit::parse(self.after_unit.trim()).ok_or("proposal.error_time_unit")?),
            )
        } else {
            (None, None)
        };
        Ok(Indicator {
            kind,
            before,
            after,
            before_unit,
            after_unit,
        })
    }
}

/// How an indicator changed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    /// after − before, in the indicator's unit (minutes for processing time).
    pub delta: f64,
    /// Relative change in percent of `before`; `None` when `before` is 0.
    pub percent: Option<f64>,
    /// The service got worse on this indicator ("an innovation must never lengthen the
    /// service").
    pub worse: bool,
    pub better: bool,
}

impl Indicator {
    pub fn change(&self) -> Change {
        let scale = |u: Option<TimeUnit>| u.map_or(1.0, TimeUnit::minutes);
        let before = self.before * scale(self.before_unit);
        let after = self.after * scale(self.after_unit);
        let delta = after - before;
        let percent = (before != 0.0).then(|| delta / before * 100.0);
        let (worse, better) = if self.kind.lower_is_better() {
            (delta > 0.0, delta < 0.0)
        } else {
            (delta < 0.0, delta > 0.0)
        };
        Change {
            delta,
            percent,
            worse,
            better,
        }
    }
}

/// One piece of a word diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", content = "text", rename_all = "snake_case")]
pub enum DiffPart {
    Same(String),
    Removed(String),
    Added(String),
}

/// A word-level diff (longest common subsequence), merging runs of the same kind. Texts of
/// proposal sections are a few hundred words, so the quadratic table is small.
pub fn diff_words(old: &str, new: &str) -> Vec<DiffPart> {
    let a: Vec<&str> = old.split_whitespace().collect();
    let b: Vec<&str> = new.split_whitespace().collect();
    if a.len() * b.len() > 4_000_000 {
        return vec![DiffPart::Removed(a.join(" ")), DiffPart::Added(b.join(" "))];
    }
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut parts: Vec<DiffPart> = Vec::new();
    let mut push = |part: DiffPart| {
        let merged = match (parts.last_mut(), &part) {
            (Some(DiffPart::Same(s)), DiffPart::Same(t))
            | (Some(DiffPart::Removed(s)), DiffPart::Removed(t))
            | (Some(DiffPart::Added(s)), DiffPart::Added(t)) => {
                s.push(' ');
                s.push_str(t);
                true
            }
            _ => false,
        };
        if !merged {
            parts.push(part);
        }
    };
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            push(DiffPart::Same(a[i].to_owned()));
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            push(DiffPart::Removed(a[i].to_owned()));
            i += 1;
        } else {
            push(DiffPart::Added(b[j].to_owned()));
            j += 1;
        }
    }
    for w in &a[i..] {
        push(DiffPart::Removed((*w).to_owned()));
    }
    for w in &b[j..] {
        push(DiffPart::Added((*w).to_owned()));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ind(kind: &str, before: &str, after: &str, bu: &str, au: &str) -> Indicator {
        IndicatorInput {
            kind: kind.into(),
            before: before.into(),
            after: after.into(),
            before_unit: bu.into(),
            after_unit: au.into(),
            evidence: String::new(),
        }
        .parse()
        .unwrap()
    }

    #[test]
    fn indicator_changes_are_flagged_by_direction() {
        let time = ind("processing_time", "3", "2", "working_days", "hours");
        let c = time.change();
        assert!(c.better && !c.worse);
        assert_eq!(c.delta, 2.0 * 60.0 - 3.0 * 8.0 * 60.0);
        let longer = ind("processing_time", "30", "1", "minutes", "hours").change();
        assert!(longer.worse, "30 minutes → 1 hour lengthens the service");
        assert!(ind("steps", "5", "7", "", "").change().worse);
        assert!(ind("satisfaction", "80", "76,5", "", "").change().worse);
        assert!(
            ind("served_per_month", "1.500", "2.000", "", "")
                .change()
                .better
        );
        let cost = ind("cost", "50000", "0", "", "").change();
        assert_eq!(cost.percent, Some(-100.0));
        let same = ind("visits", "2", "2", "", "").change();
        assert!(!same.worse && !same.better);
        assert_eq!(ind("visits", "0", "1", "", "").change().percent, None);
    }

    #[test]
    fn indicator_input_is_checked() {
        let bad = |k: &str, b: &str, a: &str, bu: &str| {
            IndicatorInput {
                kind: k.into(),
                before: b.into(),
                after: a.into(),
                before_unit: bu.into(),
                after_unit: bu.into(),
                evidence: String::new(),
            }
            .parse()
        };
        assert_eq!(
            bad("speed", "1", "2", ""),
            Err("proposal.error_indicator_kind")
        );
        assert_eq!(
            bad("steps", "lima", "2", ""),
            Err("proposal.error_indicator_value")
        );
        assert_eq!(
            bad("steps", "-1", "2", ""),
            Err("proposal.error_indicator_value")
        );
        assert_eq!(
            bad("satisfaction", "80", "120", ""),
            Err("proposal.error_ikm_range")
        );
        assert_eq!(
            bad("processing_time", "1", "2", "weeks"),
            Err("proposal.error_time_unit")
        );
        assert_eq!(number("2.5"), Some(2.5));
        assert_eq!(number("2,5"), Some(2.5));
        assert_eq!(number("1.500.000"), Some(1_500_000.0));
        assert_eq!(number("1.500"), Some(1500.0));
    }

    #[test]
    fn completeness_names_every_gap() {
        let mut c = ProposalContent {
            title: "Jalan Berdua".into(),
            category: "kependudukan".into(),
            ..Default::default()
        };
        let fields: Vec<&str> = c
            .completeness(&["kependudukan"])
            .iter()
            .map(|p| p.field)
            .collect();
        assert!(
            fields.contains(&"summary")
                && fields.contains(&"innovation_stage")
                && fields.contains(&"indicators")
        );
        assert!(!fields.contains(&"lessons"), "lessons are optional");
        c.summary = "kata ".repeat(201);
        c.atm_innovation = "Laksa, Surabaya".into();
        let problems = c.completeness(&["kependudukan"]);
        assert!(
            problems
                .iter()
                .any(|p| p.field == "summary" && p.key == "proposal.error_word_limit")
        );
        assert!(
            problems
                .iter()
                .any(|p| p.field == "atm_modified" && p.key == "proposal.error_atm_incomplete")
        );
    }

    #[test]
    fn the_implementation_stage_needs_its_start_month() {
        let base = ProposalContent {
            innovation_stage: "penerapan".into(),
            started_on: "2021-02".into(),
            ..Default::default()
        };
        let field = |c: &ProposalContent| {
            c.completeness(&[])
                .iter()
                .any(|p| p.field == "implemented_on")
        };
        assert!(field(&base), "missing at the implementation stage");
        let early = ProposalContent {
            implemented_on: "2020-12".into(),
            ..base.clone()
        };
        assert!(field(&early), "implemented before it started");
        let good = ProposalContent {
            implemented_on: "2021-06".into(),
            ..base.clone()
        };
        assert!(!field(&good));
        let trial = ProposalContent {
            innovation_stage: "uji_coba".into(),
            ..base
        };
        assert!(!field(&trial), "not needed during a trial");
    }

    #[test]
    fn word_diff_is_readable() {
        let d = diff_words(
            "Antrean manual di loket tiga",
            "Antrean daring di loket satu dan dua",
        );
        assert_eq!(
            d,
            vec![
                DiffPart::Same("Antrean".into()),
                DiffPart::Removed("manual".into()),
                DiffPart::Added("daring".into()),
                DiffPart::Same("di loket".into()),
                DiffPart::Removed("tiga".into()),
                DiffPart::Added("satu dan dua".into()),
            ]
        );
        assert_eq!(diff_words("", "baru"), vec![DiffPart::Added("baru".into())]);
    }
}
