//! The demo's past edition, "Kolabik Kota Pasuruan 2021" (`demo/kolabik-2021.toml`): a
//! smaller, finished edition recorded with each proposal's final state, so that the
//! leaders' dashboard has a year to compare 2022 with.
//!
//! It is loaded after everything else of the demo, as an archive is imported into a
//! running system: the current edition is the one flagged `is_current` (2022), not the
//! first or the last inserted, and loading last keeps every id of the 2022 demo as it was.

use std::collections::HashMap;

use kolabik_domain::{
    Id, InnovationStage, Instant, LocalDateTime, Proposal, ProposalState, Slug, StageKind, TimeZone,
};
use kolabik_store::{editions, proposals, stage_entries, units};
use serde::Deserialize;
use serde_json::json;

use crate::{Actor, App, AppError, record};

const PAST_TOML: &str = include_str!("../demo/kolabik-2021.toml");

#[derive(Deserialize)]
struct PastFile {
    edition: PastEdition,
    categories: Vec<PastCategory>,
    stages: Vec<PastStage>,
    proposals: Vec<PastProposal>,
}

#[derive(Deserialize)]
struct PastEdition {
    year: i32,
    name: String,
    theme: String,
    organiser: String,
    time_zone: String,
    description: String,
}

#[derive(Deserialize)]
struct PastCategory {
    code: Slug,
    name: String,
    description: String,
}

#[derive(Deserialize)]
struct PastStage {
    kind: String,
    opens: String,
    closes: String,
}

#[derive(Deserialize)]
struct PastProposal {
    unit: Slug,
    category: Slug,
    title: String,
    state: String,
    innovation_stage: String,
    started: String,
    summary: String,
    values: Vec<String>,
    sdgs: Vec<u8>,
}

fn bad(what: &str, value: &str) -> AppError {
    AppError::Internal(format!("demo data 2021: bad {what}: {value}"))
}

/// The judged stages a finished proposal entered, from its final state: past screening it
/// was assessed; a finalist or winner also presented.
fn entered(state: ProposalState) -> &'static [StageKind] {
    match state {
        ProposalState::PassedScreening => &[StageKind::Penilaian],
        ProposalState::Finalist | ProposalState::Winner => {
            &[StageKind::Penilaian, StageKind::PresentasiWawancara]
        }
        _ => &[],
    }
}

impl App {
    /// Inserts the past demo edition (not current) over the units already loaded.
    pub(crate) async fn load_demo_past_edition(&self) -> Result<(), AppError> {
        let file: PastFile =
            toml::from_str(PAST_TOML).map_err(|e| AppError::Internal(e.to_string()))?;
        let tz = TimeZone::parse(&file.edition.time_zone)
            .ok_or_else(|| bad("time zone", &file.edition.time_zone))?;
        let local = |s: &str| -> Result<Instant, AppError> {
            LocalDateTime::parse(s)
                .map(|l| tz.to_instant(l))
                .ok_or_else(|| bad("date", s))
        };
        let now = self.now();
        let unit_ids: HashMap<String, Id> = units::all(self.db.pool())
            .await?
            .into_iter()
            .map(|u| (u.code.as_str().to_owned(), u.id))
            .collect();

        let mut tx = self.db.begin().await?;
        let e = &file.edition;
        let edition_id = editions::insert(
            &mut *tx,
            editions::NewEdition {
                year: e.year,
                name: &e.name,
                theme: &e.theme,
                organiser: &e.organiser,
                description: &e.description,
                time_zone: tz,
                is_current: false,
                now,
            },
        )
        .await?;
        let mut categories: HashMap<&Slug, Id> = HashMap::new();
        for (i, c) in file.categories.iter().enumerate() {
            let id = editions::insert_category(
                &mut *tx,
                edition_id,
                &c.code,
                &c.name,
                &c.description,
                i as i64,
            )
            .await?;
            categories.insert(&c.code, id);
        }
        let mut stages: HashMap<StageKind, (Id, Instant)> = HashMap::new();
        for s in &file.stages {
            let kind = StageKind::parse(&s.kind).ok_or_else(|| bad("stage", &s.kind))?;
            let opens = local(&s.opens)?;
            let closes = local(&s.closes)?;
            let id = editions::insert_stage(&mut *tx, edition_id, kind, opens, closes).await?;
            stages.insert(kind, (id, opens));
        }
        let submission_close = file
            .stages
            .iter()
            .find(|s| s.kind == StageKind::PengajuanProposal.as_str())
            .map(|s| local(&s.closes))
            .transpose()?
            .ok_or_else(|| bad("stage", "pengajuan_proposal missing"))?;
        for (i, p) in file.proposals.iter().enumerate() {
            let state = ProposalState::parse(&p.state).ok_or_else(|| bad("state", &p.state))?;
            let submitted = crate::dashboard::counts_as_submitted(state);
            let submitted_at =
                submitted.then(|| submission_close.plus_seconds(-(i as i64 % 6) * 86_400));
            let proposal = Proposal {
                id: 0,
                edition_id,
                unit_id: *unit_ids
                    .get(p.unit.as_str())
                    .ok_or_else(|| bad("unit", p.unit.as_str()))?,
                category_id: Some(
                    *categories
                        .get(&p.category)
                        .ok_or_else(|| bad("category", p.category.as_str()))?,
                ),
                title: p.title.clone(),
                summary: p.summary.clone(),
                problem: String::new(),
                idea: String::new(),
                novelty: String::new(),
                results: String::new(),
                atm_source: None,
                state,
                innovation_stage: InnovationStage::parse(&p.innovation_stage)
                    .ok_or_else(|| bad("innovation stage", &p.innovation_stage))?,
                started_on: Some(p.started.clone()),
                values: crate::demo::demo_values(&p.values)?,
                sdgs: crate::demo::demo_sdgs(&p.sdgs)?,
                receipt_number: submitted.then(|| format!("KLB-{}-{:04}", e.year, i + 1)),
                state_reason: None,
                submitted_at,
                updated_at: submitted_at.unwrap_or(submission_close.plus_seconds(-86_400)),
            };
            let proposal_id = proposals::insert(&mut *tx, &proposal, now).await?;
            for kind in entered(state) {
                let (stage_id, opens) = stages
                    .get(kind)
                    .ok_or_else(|| bad("stage", kind.as_str()))?;
                let source = if *kind == StageKind::Penilaian {
                    "screening"
                } else {
                    "promotion"
                };
                stage_entries::insert(&mut *tx, *stage_id, proposal_id, source, *opens).await?;
            }
        }
        record(
            &mut tx,
            &Actor::system(),
            now,
            "demo.past_edition_loaded",
            "edition",
            Some(edition_id.to_string()),
            None,
            Some(json!({"year": e.year, "proposals": file.proposals.len()})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_past_edition_has_at_most_three_winners_per_category() {
        let file: PastFile = toml::from_str(PAST_TOML).expect("2021 demo file");
        for c in &file.categories {
            let winners = file
                .proposals
                .iter()
                .filter(|p| p.category == c.code && p.state == "winner")
                .count();
            assert!(
                winners as i64 <= crate::publication::WINNING_RANKS,
                "{}: {winners} winners",
                c.code.as_str()
            );
        }
        assert!(
            file.proposals
                .iter()
                .all(|p| ProposalState::parse(&p.state).is_some())
        );
    }
}
