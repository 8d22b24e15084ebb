//! The proposal funnel: how far each category and each kind of unit has come.
//!
//! A funnel is a table: one row per category (or per unit kind), one column per proposal
//! state in a fixed order, each cell a count of proposals. The unit-kind view has one more
//! column in front, "not started": the units of that kind with no proposal at all in the
//! edition (a unit whose only proposal was withdrawn has started). The category view has no
//! such column: a proposal chooses its category, so a unit that has not started belongs to
//! no category and "a category not started" means nothing.
//!
//! "Not started" counts *units*, the other columns count *proposals* (a unit may send more
//! than one), so row and column totals add up the proposal columns only; the not-started
//! column has its own column total.

use serde::Serialize;

use crate::{Instant, ProposalState};

/// The states in the order a proposal travels through them (the funnel's columns after
/// "not started").
pub const STATE_ORDER: [ProposalState; 9] = [
    ProposalState::Draft,
    ProposalState::AwaitingApproval,
    ProposalState::Submitted,
    ProposalState::Returned,
    ProposalState::PassedScreening,
    ProposalState::Rejected,
    ProposalState::Withdrawn,
    ProposalState::Finalist,
    ProposalState::Winner,
];

/// The states in which a proposal waits on its unit: "stuck" when nobody touches it.
pub const STUCK_STATES: [ProposalState; 3] = [
    ProposalState::Draft,
    ProposalState::AwaitingApproval,
    ProposalState::Returned,
];

/// One column of a funnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "&'static str")]
pub enum FunnelColumn {
    /// Units with no proposal in the edition (unit-kind view only).
    NotStarted,
    /// Proposals in this state.
    State(ProposalState),
}

impl FunnelColumn {
    /// Stable code: `not_started` or the state's code.
    pub fn as_str(self) -> &'static str {
        match self {
            FunnelColumn::NotStarted => "not_started",
            FunnelColumn::State(s) => s.as_str(),
        }
    }

    /// Key of the column's label in the translation catalogue.
    pub fn label_key(self) -> &'static str {
        match self {
            FunnelColumn::NotStarted => "funnel.not_started",
            FunnelColumn::State(s) => s.label_key(),
        }
    }

    /// The state behind the column, if it counts proposals.
    pub fn state(self) -> Option<ProposalState> {
        match self {
            FunnelColumn::NotStarted => None,
            FunnelColumn::State(s) => Some(s),
        }
    }
}

impl From<FunnelColumn> for &'static str {
    fn from(c: FunnelColumn) -> Self {
        c.as_str()
    }
}

/// The columns of a funnel, with or without "not started" in front.
pub fn columns(with_not_started: bool) -> Vec<FunnelColumn> {
    let head = with_not_started.then_some(FunnelColumn::NotStarted);
    head.into_iter()
        .chain(STATE_ORDER.iter().map(|&s| FunnelColumn::State(s)))
        .collect()
}

/// One row: a category or a unit kind, its cells (one per column) and its total of
/// proposals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunnelRow<K> {
    pub key: K,
    pub counts: Vec<i64>,
    /// Proposals in the row (the not-started cell is not added).
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Funnel<K> {
    pub columns: Vec<FunnelColumn>,
    pub rows: Vec<FunnelRow<K>>,
    /// One per column.
    pub column_totals: Vec<i64>,
    /// All proposals in the table.
    pub total: i64,
}

impl<K: PartialEq + Clone> Funnel<K> {
    /// Builds the table. `keys` are the rows to show even when empty, in display order;
    /// a key met only in `counts` or `not_started` is added after them. `counts` gives
    /// proposals per (row, state); `not_started` gives units per row and is used only when
    /// `with_not_started`. Repeated pairs add up.
    pub fn build(
        keys: impl IntoIterator<Item = K>,
        with_not_started: bool,
        counts: impl IntoIterator<Item = (K, ProposalState, i64)>,
        not_started: impl IntoIterator<Item = (K, i64)>,
    ) -> Funnel<K> {
        let columns = columns(with_not_started);
        let width = columns.len();
        let mut rows: Vec<FunnelRow<K>> = Vec::new();
        fn row<'r, K: PartialEq + Clone>(
            rows: &'r mut Vec<FunnelRow<K>>,
            key: &K,
            width: usize,
        ) -> &'r mut FunnelRow<K> {
            let at = match rows.iter().position(|r| &r.key == key) {
                Some(at) => at,
                None => {
                    rows.push(FunnelRow {
                        key: key.clone(),
                        counts: vec![0; width],
                        total: 0,
                    });
                    rows.len() - 1
                }
            };
            &mut rows[at]
        }
        for key in keys {
            row(&mut rows, &key, width);
        }
        for (key, state, n) in counts {
            if let Some(col) = columns.iter().position(|c| c.state() == Some(state)) {
                let r = row(&mut rows, &key, width);
                r.counts[col] += n;
                r.total += n;
            }
        }
        if with_not_started {
            for (key, n) in not_started {
                row(&mut rows, &key, width).counts[0] += n;
            }
        }
        let column_totals = (0..width)
            .map(|i| rows.iter().map(|r| r.counts[i]).sum())
            .collect();
        let total = rows.iter().map(|r| r.total).sum();
        Funnel {
            columns,
            rows,
            column_totals,
            total,
        }
    }

    /// The cell of one row and column (0 when absent).
    pub fn count(&self, key: &K, column: FunnelColumn) -> i64 {
        let Some(col) = self.columns.iter().position(|c| *c == column) else {
            return 0;
        };
        self.rows
            .iter()
            .find(|r| &r.key == key)
            .map_or(0, |r| r.counts[col])
    }

    /// The total of one column (0 when the funnel has no such column).
    pub fn column_total(&self, column: FunnelColumn) -> i64 {
        self.columns
            .iter()
            .position(|c| *c == column)
            .map_or(0, |i| self.column_totals[i])
    }
}

/// Whole days between `since` and `now` ("untouched for 14 days"); never negative.
pub fn days_between(since: Instant, now: Instant) -> i64 {
    (now.0 - since.0).max(0) / 86_400_000
}

/// One CSV record (RFC 4180): fields separated by `,`, a field quoted when it holds a
/// comma, a quote, a line break or leading/trailing space, quotes doubled; ends in CRLF.
pub fn csv_record<S: AsRef<str>>(fields: &[S]) -> String {
    let mut out = String::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let f = f.as_ref();
        let quote = f.contains([',', '"', '\n', '\r'])
            || f.starts_with(char::is_whitespace)
            || f.ends_with(char::is_whitespace);
        if quote {
            out.push('"');
            out.push_str(&f.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(f);
        }
    }
    out.push_str("\r\n");
    out
}

/// A text for a spreadsheet cell that cannot run as a formula: text starting with `=`, `+`,
/// `-`, `@`, a tab or a carriage return gets a leading `'` (Excel and LibreOffice would
/// otherwise evaluate a proposal title such as `=HYPERLINK(…)` from a CSV file).
pub fn spreadsheet_text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProposalState::*;

    #[test]
    fn columns_start_with_not_started_only_when_asked() {
        let with = columns(true);
        assert_eq!(with.len(), 10);
        assert_eq!(with[0], FunnelColumn::NotStarted);
        assert_eq!(with[1], FunnelColumn::State(Draft));
        assert_eq!(with[9], FunnelColumn::State(Winner));
        let without = columns(false);
        assert_eq!(without.len(), 9);
        assert!(!without.contains(&FunnelColumn::NotStarted));
        let codes: Vec<&str> = without.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            codes,
            [
                "draft",
                "awaiting_approval",
                "submitted",
                "returned",
                "passed_screening",
                "rejected",
                "withdrawn",
                "finalist",
                "winner"
            ]
        );
        assert_eq!(FunnelColumn::NotStarted.label_key(), "funnel.not_started");
        assert_eq!(
            FunnelColumn::State(Winner).label_key(),
            "proposal_state.winner"
        );
    }

    #[test]
    fn every_state_is_a_column_exactly_once() {
        for s in ProposalState::ALL {
            assert_eq!(STATE_ORDER.iter().filter(|x| *x == s).count(), 1);
        }
        assert_eq!(STATE_ORDER.len(), ProposalState::ALL.len());
    }

    #[test]
    fn unit_kind_view_counts_units_not_started_apart_from_proposals() {
        let f = Funnel::build(
            ["kelurahan", "kecamatan", "dinas"],
            true,
            [
                ("kelurahan", Draft, 2),
                ("kelurahan", Submitted, 3),
                ("kecamatan", Winner, 1),
                ("kelurahan", Draft, 1),
            ],
            [("kelurahan", 30), ("dinas", 4)],
        );
        assert_eq!(f.columns.len(), 10);
        assert_eq!(f.count(&"kelurahan", FunnelColumn::NotStarted), 30);
        assert_eq!(f.count(&"kelurahan", FunnelColumn::State(Draft)), 3);
        assert_eq!(f.count(&"dinas", FunnelColumn::State(Draft)), 0);
        // Row totals are proposals only.
        let totals: Vec<i64> = f.rows.iter().map(|r| r.total).collect();
        assert_eq!(totals, [6, 1, 0]);
        assert_eq!(f.total, 7);
        assert_eq!(f.column_total(FunnelColumn::NotStarted), 34);
        assert_eq!(f.column_total(FunnelColumn::State(Draft)), 3);
        assert_eq!(f.column_totals.len(), 10);
        // Column totals of the state columns add up to the grand total.
        assert_eq!(f.column_totals[1..].iter().sum::<i64>(), f.total);
    }

    #[test]
    fn category_view_has_no_not_started_and_adds_unknown_rows_last() {
        let f = Funnel::build(
            [Some(1), Some(2)],
            false,
            [
                (Some(2), Returned, 1),
                (None, Draft, 2),
                (Some(1), Winner, 1),
            ],
            [(Some(1), 99)],
        );
        assert_eq!(f.columns.len(), 9);
        assert_eq!(f.column_total(FunnelColumn::NotStarted), 0);
        let keys: Vec<Option<i32>> = f.rows.iter().map(|r| r.key).collect();
        assert_eq!(keys, [Some(1), Some(2), None]);
        assert_eq!(f.total, 4);
        assert_eq!(f.count(&None, FunnelColumn::State(Draft)), 2);
    }

    #[test]
    fn empty_edition_gives_zero_rows_for_every_key() {
        let f: Funnel<&str> = Funnel::build(["a", "b"], true, [], []);
        assert_eq!(f.rows.len(), 2);
        assert!(
            f.rows
                .iter()
                .all(|r| r.total == 0 && r.counts == vec![0; 10])
        );
        assert_eq!(f.total, 0);
    }

    #[test]
    fn days_are_whole_and_never_negative() {
        let day = 86_400_000;
        assert_eq!(days_between(Instant(0), Instant(14 * day + day - 1)), 14);
        assert_eq!(days_between(Instant(5 * day), Instant(day)), 0);
    }

    #[test]
    fn text_that_looks_like_a_formula_is_defused() {
        assert_eq!(spreadsheet_text("=1+2"), "'=1+2");
        assert_eq!(spreadsheet_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_text("-x"), "'-x");
        assert_eq!(
            spreadsheet_text("Kelurahan Bugul Kidul"),
            "Kelurahan Bugul Kidul"
        );
        assert_eq!(spreadsheet_text(""), "");
    }

    #[test]
    fn csv_quotes_only_what_needs_it() {
        assert_eq!(csv_record(&["a", "b c", "1"]), "a,b c,1\r\n");
        assert_eq!(
            csv_record(&["Kel. Bugul, Kidul", "say \"hi\"", "two\nlines", " pad"]),
            "\"Kel. Bugul, Kidul\",\"say \"\"hi\"\"\",\"two\nlines\",\" pad\"\r\n"
        );
        assert_eq!(csv_record::<&str>(&[]), "\r\n");
    }
}
