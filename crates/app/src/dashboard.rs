//! What each role's home page shows. One function per role; each reads with a handful of
//! grouped queries, whatever the size of the edition.

use kolabik_domain::{
    Category, Edition, Id, Judge, ProposalState, Role, RoleGrant, Stage, Unit, UnitKind, User,
};
use kolabik_store::proposals::{ProposalFilter, ProposalListItem};
use kolabik_store::{Page, audit, editions, judges, proposals, stats, units};
use serde::Serialize;

use crate::{App, AppError};

/// The public face: the current edition and its timeline.
#[derive(Debug, Clone, Serialize)]
pub struct EditionOverview {
    pub edition: Edition,
    pub stages: Vec<Stage>,
    pub categories: Vec<Category>,
    pub units_total: i64,
    pub proposals_submitted: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CommitteeDashboard {
    pub by_state: Vec<(ProposalState, i64)>,
    pub by_unit_kind: Vec<(UnitKind, i64)>,
    pub by_category: Vec<(String, i64)>,
    pub units_by_kind: Vec<(UnitKind, i64)>,
    pub judges: Vec<judges::JudgeRow>,
    pub recent_audit: Vec<audit::EventView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OperatorDashboard {
    pub units: Vec<Unit>,
    pub proposals: Vec<ProposalListItem>,
    /// Per unit: the submission deadline that applies to it (with its dispensation), or
    /// why submission is not possible now.
    pub submission: Vec<(
        Id,
        Result<kolabik_domain::Instant, kolabik_domain::edition::DeadlineRefusal>,
    )>,
    pub time_zone: kolabik_domain::TimeZone,
}

#[derive(Debug, Clone, Serialize)]
pub struct JudgeDashboard {
    pub judge: Option<Judge>,
    pub assignments: i64,
}

/// States counted as "submitted" on the public page: everything past the unit's desk.
pub fn counts_as_submitted(s: ProposalState) -> bool {
    !matches!(
        s,
        ProposalState::Draft | ProposalState::AwaitingApproval | ProposalState::Withdrawn
    )
}

impl App {
    pub async fn edition_overview(&self) -> Result<Option<EditionOverview>, AppError> {
        let Some(edition) = self.current_edition().await? else {
            return Ok(None);
        };
        let pool = self.db.pool();
        let stages = editions::stages(pool, edition.id).await?;
        let categories = editions::categories(pool, edition.id).await?;
        let units_total = stats::units_by_kind(pool)
            .await?
            .iter()
            .map(|(_, n)| n)
            .sum();
        let proposals_submitted = stats::proposals_by_state(pool, edition.id)
            .await?
            .iter()
            .filter(|(s, _)| counts_as_submitted(*s))
            .map(|(_, n)| n)
            .sum();
        Ok(Some(EditionOverview {
            edition,
            stages,
            categories,
            units_total,
            proposals_submitted,
        }))
    }

    pub async fn committee_dashboard(&self) -> Result<CommitteeDashboard, AppError> {
        let edition = self.ensure_current_edition().await?;
        let pool = self.db.pool();
        Ok(CommitteeDashboard {
            by_state: stats::proposals_by_state(pool, edition.id).await?,
            by_unit_kind: stats::proposals_by_unit_kind(pool, edition.id).await?,
            by_category: stats::proposals_by_category(pool, edition.id).await?,
            units_by_kind: stats::units_by_kind(pool).await?,
            judges: judges::list(pool).await?,
            recent_audit: audit::list(&self.db, Page::new(Some(1), Some(8)))
                .await?
                .items,
        })
    }

    pub async fn operator_dashboard(
        &self,
        grants: &[RoleGrant],
    ) -> Result<OperatorDashboard, AppError> {
        let edition = self.ensure_current_edition().await?;
        let mut units_out = Vec::new();
        let mut proposals_out = Vec::new();
        let mut submission = Vec::new();
        let now = self.now();
        for unit_id in grants
            .iter()
            .filter(|g| g.role == Role::UnitOperator)
            .filter_map(|g| g.unit_id)
        {
            if let Some(u) = units::by_id(self.db.pool(), unit_id).await? {
                units_out.push(u);
                submission.push((
                    unit_id,
                    self.stage_gate(unit_id, kolabik_domain::StageKind::PengajuanProposal, now)
                        .await?,
                ));
            }
            let filter = ProposalFilter {
                unit_id: Some(unit_id),
                ..ProposalFilter::default()
            };
            proposals_out.extend(
                proposals::list(&self.db, edition.id, filter, Page::new(Some(1), Some(100)))
                    .await?
                    .items,
            );
        }
        Ok(OperatorDashboard {
            units: units_out,
            proposals: proposals_out,
            submission,
            time_zone: edition.time_zone,
        })
    }

    pub async fn judge_dashboard(&self, user: &User) -> Result<JudgeDashboard, AppError> {
        Ok(JudgeDashboard {
            judge: judges::by_user(self.db.pool(), user.id).await?,
            assignments: 0,
        })
    }

    /// Proposals a user may list: the committee sees all, a unit operator those of their
    /// units. Anyone else gets `Forbidden`.
    pub async fn list_proposals(
        &self,
        grants: &[RoleGrant],
        state: Option<ProposalState>,
        page: Page,
    ) -> Result<kolabik_store::Paged<ProposalListItem>, AppError> {
        let edition = self.ensure_current_edition().await?;
        if grants.iter().any(|g| g.role == Role::Committee) {
            return Ok(proposals::list(
                &self.db,
                edition.id,
                ProposalFilter {
                    state,
                    unit_id: None,
                },
                page,
            )
            .await?);
        }
        let unit_ids: Vec<Id> = grants
            .iter()
            .filter(|g| g.role == Role::UnitOperator)
            .filter_map(|g| g.unit_id)
            .collect();
        match unit_ids.as_slice() {
            [] => Err(AppError::Forbidden),
            [unit_id] => Ok(proposals::list(
                &self.db,
                edition.id,
                ProposalFilter {
                    state,
                    unit_id: Some(*unit_id),
                },
                page,
            )
            .await?),
            // An operator of several units: their lists, merged (small by nature).
            many => {
                let mut items = Vec::new();
                for unit_id in many {
                    let filter = ProposalFilter {
                        state,
                        unit_id: Some(*unit_id),
                    };
                    items.extend(
                        proposals::list(
                            &self.db,
                            edition.id,
                            filter,
                            Page::new(Some(1), Some(Page::MAX_SIZE)),
                        )
                        .await?
                        .items,
                    );
                }
                let total = items.len() as i64;
                let items = items
                    .into_iter()
                    .skip(page.offset() as usize)
                    .take(page.size as usize)
                    .collect();
                Ok(kolabik_store::Paged {
                    items,
                    total,
                    page: page.number,
                    page_size: page.size,
                })
            }
        }
    }

    pub async fn list_units(
        &self,
        kind: Option<UnitKind>,
        page: Page,
    ) -> Result<kolabik_store::Paged<Unit>, AppError> {
        Ok(units::list(&self.db, kind, page).await?)
    }

    pub async fn audit_log(
        &self,
        page: Page,
    ) -> Result<kolabik_store::Paged<audit::EventView>, AppError> {
        Ok(audit::list(&self.db, page).await?)
    }
}
