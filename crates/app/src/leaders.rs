//! The leaders' dashboard (`/pimpinan`): participation, what the proposals are about, the
//! innovation pipeline, the frozen scores and the editions side by side. A fixed handful of
//! queries whatever the size of the edition; the tallies are `kolabik_domain::leaders`.

use std::collections::HashMap;

use kolabik_domain::leaders::{
    self as tally, Area, Histogram, Participation, participation_by_area, participation_by_kind,
};
use kolabik_domain::{BerakhlakValue, Edition, ProposalState, Sdg, StageKind, UnitKind};
use kolabik_store::leaders as store;
pub use kolabik_store::leaders::EditionTotals;
use kolabik_store::stats;
use serde::Serialize;

use crate::dashboard::counts_as_submitted;
use crate::{App, AppError};

/// One step of the innovation pipeline, in the order a proposal passes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "step", content = "stage")]
pub enum PipelineStep {
    /// Past the unit's desk (`dashboard::counts_as_submitted`).
    Submitted,
    /// Passed administrative screening (and everything after it).
    PassedScreening,
    /// Entered this judged stage (`stage_entries`).
    Entered(StageKind),
    /// Reached the finals: promoted into the presentation stage, state finalist or winner.
    Finalists,
    /// Ranked 1 to `publication::WINNING_RANKS` in their category when the results were
    /// published (state winner).
    Winners,
}

impl PipelineStep {
    /// Stable code for the API.
    pub fn code(self) -> &'static str {
        match self {
            PipelineStep::Submitted => "submitted",
            PipelineStep::PassedScreening => "passed_screening",
            PipelineStep::Entered(k) => k.as_str(),
            PipelineStep::Finalists => "finalists",
            PipelineStep::Winners => "winners",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            PipelineStep::Submitted => "leaders.dash.step_submitted",
            PipelineStep::PassedScreening => "leaders.dash.step_passed_screening",
            PipelineStep::Entered(k) => k.label_key(),
            PipelineStep::Finalists => "leaders.dash.step_finalists",
            PipelineStep::Winners => "leaders.dash.step_winners",
        }
    }
}

/// Participation of one kecamatan (with its name) or of the city level.
#[derive(Debug, Clone, Serialize)]
pub struct AreaParticipation {
    pub area: Area,
    /// The kecamatan's name; `None` for city level.
    pub name: Option<String>,
    pub participation: Participation,
}

/// The frozen scores of one judged stage (`None`: the final ranking).
#[derive(Debug, Clone, Serialize)]
pub struct ScoreDistribution {
    pub stage: Option<StageKind>,
    pub histogram: Histogram,
}

#[derive(Debug, Clone, Serialize)]
pub struct LeadersDashboard {
    pub edition: Edition,
    /// Every proposal of the edition, drafts included, per state.
    pub by_state: Vec<(ProposalState, i64)>,
    pub proposals_total: i64,
    pub proposals_submitted: i64,
    /// Participation per unit kind, every kind.
    pub by_unit_kind: Vec<(UnitKind, Participation)>,
    /// Participation per kecamatan, then city level.
    pub by_kecamatan: Vec<AreaParticipation>,
    /// Submitted proposals per category.
    pub by_category: Vec<(String, i64)>,
    /// Submitted proposals per BerAKHLAK value (once per value named).
    pub by_value: Vec<(BerakhlakValue, i64)>,
    /// Submitted proposals per SDG, all seventeen.
    pub by_sdg: Vec<(Sdg, i64)>,
    pub pipeline: Vec<(PipelineStep, i64)>,
    /// One per judged stage of the edition, then the final ranking.
    pub scores: Vec<ScoreDistribution>,
    /// Every edition, oldest first.
    pub editions: Vec<EditionTotals>,
}

/// The pipeline from the per-state counts and the judged stages' entries.
pub fn pipeline(
    by_state: &[(ProposalState, i64)],
    entries: &[(StageKind, i64)],
) -> Vec<(PipelineStep, i64)> {
    let count = |pred: &dyn Fn(ProposalState) -> bool| -> i64 {
        by_state
            .iter()
            .filter(|(s, _)| pred(*s))
            .map(|(_, n)| n)
            .sum()
    };
    let mut out = vec![
        (PipelineStep::Submitted, count(&counts_as_submitted)),
        (
            PipelineStep::PassedScreening,
            count(&|s| {
                matches!(
                    s,
                    ProposalState::PassedScreening
                        | ProposalState::Finalist
                        | ProposalState::Winner
                )
            }),
        ),
    ];
    out.extend(entries.iter().map(|(k, n)| (PipelineStep::Entered(*k), *n)));
    out.push((
        PipelineStep::Finalists,
        count(&|s| matches!(s, ProposalState::Finalist | ProposalState::Winner)),
    ));
    out.push((
        PipelineStep::Winners,
        count(&|s| s == ProposalState::Winner),
    ));
    out
}

impl App {
    pub async fn leaders_dashboard(&self) -> Result<LeadersDashboard, AppError> {
        let edition = self.ensure_current_edition().await?;
        let pool = self.db.pool();
        let by_state = stats::proposals_by_state(pool, edition.id).await?;
        let entries = stats::entries_by_stage(pool, edition.id).await?;
        let nodes = store::unit_nodes(pool).await?;
        let submitted = store::submitted_by_unit(pool, edition.id).await?;
        let units: Vec<_> = nodes.iter().map(|(n, _)| *n).collect();
        let names: HashMap<_, _> = nodes.iter().map(|(n, name)| (n.id, name)).collect();
        let by_kecamatan = participation_by_area(&units, &submitted)
            .into_iter()
            .map(|(area, participation)| AreaParticipation {
                area,
                name: match area {
                    Area::Kecamatan(id) => names.get(&id).map(|n| (*n).clone()),
                    Area::City => None,
                },
                participation,
            })
            .collect();
        let topics = store::submitted_values_and_sdgs(pool, edition.id).await?;
        let mut frozen: Vec<(Option<StageKind>, Vec<f64>)> = entries
            .iter()
            .map(|(k, _)| (Some(*k), Vec::new()))
            .chain([(None, Vec::new())])
            .collect();
        for (stage, score) in store::frozen_scores(pool, edition.id).await? {
            if let Some((_, scores)) = frozen.iter_mut().find(|(s, _)| *s == stage) {
                scores.push(score);
            }
        }
        Ok(LeadersDashboard {
            proposals_total: by_state.iter().map(|(_, n)| n).sum(),
            proposals_submitted: submitted.values().sum(),
            by_unit_kind: participation_by_kind(&units, &submitted),
            by_kecamatan,
            by_category: store::submitted_by_category(pool, edition.id).await?,
            by_value: tally::tally_values(topics.iter().map(|(v, _)| v.as_slice())),
            by_sdg: tally::tally_sdgs(topics.iter().map(|(_, s)| s.as_slice())),
            pipeline: pipeline(&by_state, &entries),
            scores: frozen
                .into_iter()
                .map(|(stage, scores)| ScoreDistribution {
                    stage,
                    histogram: Histogram::of(&scores),
                })
                .collect(),
            editions: store::edition_totals(pool).await?,
            by_state,
            edition,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pipeline_narrows_in_order() {
        use ProposalState::*;
        let by_state = [
            (Draft, 5),
            (AwaitingApproval, 1),
            (Submitted, 2),
            (Returned, 1),
            (PassedScreening, 4),
            (Rejected, 3),
            (Withdrawn, 1),
            (Finalist, 6),
            (Winner, 3),
        ];
        let entries = [
            (StageKind::Penilaian, 13),
            (StageKind::PresentasiWawancara, 9),
        ];
        assert_eq!(
            pipeline(&by_state, &entries),
            vec![
                (PipelineStep::Submitted, 19),
                (PipelineStep::PassedScreening, 13),
                (PipelineStep::Entered(StageKind::Penilaian), 13),
                (PipelineStep::Entered(StageKind::PresentasiWawancara), 9),
                (PipelineStep::Finalists, 9),
                (PipelineStep::Winners, 3),
            ]
        );
    }
}
