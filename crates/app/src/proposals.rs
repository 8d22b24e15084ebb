//! The participant flow for one proposal: create a draft, save it (with version checks so
//! two tabs or two operators never overwrite each other), see its history and a readable
//! diff, submit it (deadline, completeness, truth declaration, the head's approval), and the
//! committee's "returned for revision".

use kolabik_domain::edition::DeadlineRefusal;
use kolabik_domain::proposal::{DiffPart, ProposalContent, SECTIONS, diff_words};
use kolabik_domain::{Id, ProposalState, Role, RoleGrant, StageKind};
use kolabik_store::proposal_content::{self as pc, EditableProposal, VersionRow};
use kolabik_store::{editions, units};
use serde_json::json;

use crate::notify::MailKind;
use crate::{Actor, App, AppError, FieldError, record};

/// Autosaves by the same person within this window update one version instead of adding one.
const VERSION_COALESCE_MS: i64 = 10 * 60 * 1000;

#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SaveOutcome {
    Saved {
        version: i64,
    },
    /// Someone saved first. Both texts are kept: the current one in the proposal, the
    /// refused one as a version marked `conflict`.
    Conflict {
        current: Box<EditableProposal>,
        yours: Box<ProposalContent>,
    },
}

#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SubmitOutcome {
    Submitted { receipt_number: String },
    AwaitingApproval,
}

/// Why a command was refused by the deadline.
fn deadline_error(r: DeadlineRefusal, tz: kolabik_domain::TimeZone) -> AppError {
    AppError::Deadline(r, tz)
}

fn operator_units(grants: &[RoleGrant]) -> Vec<Id> {
    grants
        .iter()
        .filter(|g| g.role == Role::UnitOperator)
        .filter_map(|g| g.unit_id)
        .collect()
}

impl App {
    pub(crate) async fn editable(
        &self,
        tx: &mut kolabik_store::Tx,
        id: Id,
    ) -> Result<EditableProposal, AppError> {
        pc::load(tx, id).await?.ok_or(AppError::NotFound)
    }

    /// Reading a proposal: the committee, the unit's operators, and heads above the unit.
    pub async fn proposal(
        &self,
        id: Id,
        grants: &[RoleGrant],
    ) -> Result<EditableProposal, AppError> {
        let mut tx = self.db.begin().await?;
        let p = self.editable(&mut tx, id).await?;
        tx.commit().await?;
        if self.may_read(&p, grants).await? {
            Ok(p)
        } else {
            Err(AppError::NotFound)
        }
    }

    async fn may_read(&self, p: &EditableProposal, grants: &[RoleGrant]) -> Result<bool, AppError> {
        if grants
            .iter()
            .any(|g| g.role == Role::Committee && g.edition_id == p.edition_id)
        {
            return Ok(true);
        }
        if operator_units(grants).contains(&p.unit_id) {
            return Ok(true);
        }
        self.heads_unit(p.unit_id, grants).await
    }

    async fn heads_unit(&self, unit_id: Id, grants: &[RoleGrant]) -> Result<bool, AppError> {
        let headed: Vec<Id> = grants
            .iter()
            .filter(|g| g.role == Role::UnitHead)
            .filter_map(|g| g.unit_id)
            .collect();
        if headed.is_empty() {
            return Ok(false);
        }
        Ok(units::ancestry(self.db.pool(), unit_id)
            .await?
            .iter()
            .any(|u| headed.contains(u)))
    }

    pub(crate) fn require_operator(
        p: &EditableProposal,
        grants: &[RoleGrant],
    ) -> Result<(), AppError> {
        if operator_units(grants).contains(&p.unit_id) {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// Starts a draft for one of the operator's units, within the edition's quota.
    pub async fn create_proposal(
        &self,
        unit_id: Id,
        content: &ProposalContent,
        actor: &Actor,
        grants: &[RoleGrant],
    ) -> Result<Id, AppError> {
        if !operator_units(grants).contains(&unit_id) {
            return Err(AppError::Forbidden);
        }
        if content.title.trim().is_empty() {
            return Err(AppError::invalid("title", "proposal.error_required"));
        }
        let edition = self.ensure_current_edition().await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let quota = i64::from(edition.rules.max_proposals_per_unit);
        if quota > 0 && pc::active_count(&mut tx, edition.id, unit_id).await? >= quota {
            return Err(AppError::invalid("title", "proposal.error_quota"));
        }
        let id = pc::insert_draft(&mut tx, edition.id, unit_id, content, now).await?;
        pc::record_version(
            &mut tx,
            id,
            1,
            actor.user_id,
            None,
            content,
            now,
            VERSION_COALESCE_MS,
        )
        .await?;
        record(
            &mut tx,
            actor,
            now,
            "proposal.created",
            "proposal",
            Some(id.to_string()),
            None,
            Some(json!({"title": content.title, "unit_id": unit_id})),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Saves a draft (or a returned proposal). Nothing typed is ever lost: on a version
    /// conflict the refused text is stored as a version of its own.
    pub async fn save_proposal(
        &self,
        id: Id,
        expected_version: i64,
        content: &ProposalContent,
        actor: &Actor,
        grants: &[RoleGrant],
    ) -> Result<SaveOutcome, AppError> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = self.editable(&mut tx, id).await?;
        Self::require_operator(&current, grants)?;
        if !current.state.is_editable() {
            return Err(AppError::invalid("state", "proposal.error_locked"));
        }
        if content.title.trim().is_empty() {
            return Err(AppError::invalid("title", "proposal.error_required"));
        }
        match pc::update_content(
            &mut tx,
            id,
            current.edition_id,
            expected_version,
            content,
            now,
        )
        .await?
        {
            Some(version) => {
                pc::record_version(
                    &mut tx,
                    id,
                    version,
                    actor.user_id,
                    None,
                    content,
                    now,
                    VERSION_COALESCE_MS,
                )
                .await?;
                tx.commit().await?;
                Ok(SaveOutcome::Saved { version })
            }
            None => {
                pc::record_version(
                    &mut tx,
                    id,
                    expected_version,
                    actor.user_id,
                    Some("conflict"),
                    content,
                    now,
                    0,
                )
                .await?;
                record(&mut tx, actor, now, "proposal.save_conflict", "proposal", Some(id.to_string()), None, Some(json!({"expected_version": expected_version, "current_version": current.version}))).await?;
                tx.commit().await?;
                Ok(SaveOutcome::Conflict {
                    current: Box::new(current),
                    yours: Box::new(content.clone()),
                })
            }
        }
    }

    pub async fn proposal_versions(
        &self,
        id: Id,
        grants: &[RoleGrant],
    ) -> Result<Vec<VersionRow>, AppError> {
        self.proposal(id, grants).await?;
        Ok(pc::versions(self.db.pool(), id).await?)
    }

    /// Section-by-section word diff from version `from` to version `to` (ids of versions).
    pub async fn proposal_diff(
        &self,
        id: Id,
        from: Id,
        to: Id,
        grants: &[RoleGrant],
    ) -> Result<Vec<(&'static str, Vec<DiffPart>)>, AppError> {
        self.proposal(id, grants).await?;
        let a = pc::version_content(self.db.pool(), id, from)
            .await?
            .ok_or(AppError::NotFound)?;
        let b = pc::version_content(self.db.pool(), id, to)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut fields: Vec<&'static str> = vec!["title"];
        fields.extend(SECTIONS.iter().map(|s| s.field));
        fields.extend([
            "atm_innovation",
            "atm_owner",
            "atm_region",
            "atm_modified",
            "video_url",
        ]);
        Ok(fields
            .into_iter()
            .filter(|f| a.section(f) != b.section(f))
            .map(|f| (f, diff_words(a.section(f), b.section(f))))
            .collect())
    }

    /// Submits a complete proposal before the unit's deadline, with the truth declaration.
    /// When the edition requires it, the proposal first waits for the unit head.
    pub async fn submit_proposal(
        &self,
        id: Id,
        declared: bool,
        actor: &Actor,
        grants: &[RoleGrant],
    ) -> Result<SubmitOutcome, AppError> {
        let edition = self.ensure_current_edition().await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let p = self.editable(&mut tx, id).await?;
        Self::require_operator(&p, grants)?;
        if !p.state.is_editable() {
            return Err(AppError::invalid("state", "proposal.error_locked"));
        }
        if let Err(refusal) = self
            .stage_gate(p.unit_id, StageKind::PengajuanProposal, now)
            .await?
        {
            return Err(deadline_error(refusal, edition.time_zone));
        }
        let categories = editions::categories(&mut *tx, edition.id).await?;
        let codes: Vec<&str> = categories.iter().map(|c| c.code.as_str()).collect();
        let mut problems: Vec<FieldError> = p
            .content
            .completeness(&codes)
            .into_iter()
            .map(|p| FieldError {
                field: p.field,
                key: p.key,
            })
            .collect();
        if !declared {
            problems.push(FieldError {
                field: "declaration",
                key: "proposal.error_declaration",
            });
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let Some(user_id) = actor.user_id else {
            return Err(AppError::Forbidden);
        };
        pc::record_declaration(&mut tx, id, user_id, now).await?;
        // The submitted text is sealed as its own version: later edits (after a return)
        // start a new one, so the history shows exactly what was submitted.
        pc::record_version(
            &mut tx,
            id,
            p.version,
            actor.user_id,
            Some("submitted"),
            &p.content,
            now,
            0,
        )
        .await?;
        let outcome = if edition.approval_required {
            pc::set_state(&mut tx, id, ProposalState::AwaitingApproval, None, now).await?;
            let link = format!("{}/kepala-unit", self.site_url());
            for unit in units::ancestry(&mut *tx, p.unit_id).await? {
                for head in units::role_holders(&mut *tx, unit, edition.id, Role::UnitHead).await? {
                    let params = [
                        ("name", head.name.as_str()),
                        ("unit", p.unit_name.as_str()),
                        ("title", p.content.title.as_str()),
                        ("link", link.as_str()),
                    ];
                    self.queue_email(
                        &mut tx,
                        MailKind::ApprovalRequested,
                        head.email.as_str(),
                        Some(head.id),
                        &params,
                        None,
                        actor,
                        now,
                    )
                    .await?;
                }
            }
            SubmitOutcome::AwaitingApproval
        } else {
            let receipt = self
                .issue_receipt(&mut tx, &p, edition.year, actor, now)
                .await?;
            SubmitOutcome::Submitted {
                receipt_number: receipt,
            }
        };
        record(
            &mut tx,
            actor,
            now,
            "proposal.submitted",
            "proposal",
            Some(id.to_string()),
            Some(json!({"state": p.state.as_str()})),
            Some(json!(outcome)),
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    async fn issue_receipt(
        &self,
        tx: &mut kolabik_store::Tx,
        p: &EditableProposal,
        year: i32,
        actor: &Actor,
        now: kolabik_domain::Instant,
    ) -> Result<String, AppError> {
        let seq = pc::receipts_issued(tx, p.edition_id).await? + 1;
        let candidate = format!("KLB-{year}-{:04}-{}", seq, p.id);
        let receipt = pc::mark_submitted(tx, p.id, &candidate, now).await?;
        let submitted_at = self
            .ensure_current_edition()
            .await?
            .time_zone
            .format(now, kolabik_domain::Lang::Id);
        for op in units::operators(&mut **tx, p.unit_id, p.edition_id).await? {
            let params = [
                ("name", op.name.as_str()),
                ("unit", p.unit_name.as_str()),
                ("title", p.content.title.as_str()),
                ("receipt", receipt.as_str()),
                ("submitted_at", submitted_at.as_str()),
            ];
            self.queue_email(
                tx,
                MailKind::SubmissionReceipt,
                op.email.as_str(),
                Some(op.id),
                &params,
                None,
                actor,
                now,
            )
            .await?;
        }
        Ok(receipt)
    }

    /// The unit head (or a head of a unit above it) approves: the proposal is submitted and
    /// receives its receipt. The deadline still applies.
    pub async fn approve_proposal(
        &self,
        id: Id,
        actor: &Actor,
        grants: &[RoleGrant],
    ) -> Result<String, AppError> {
        let edition = self.ensure_current_edition().await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let p = self.editable(&mut tx, id).await?;
        if !self.heads_unit(p.unit_id, grants).await? {
            return Err(AppError::NotFound);
        }
        if p.state != ProposalState::AwaitingApproval {
            return Err(AppError::invalid("state", "proposal.error_not_awaiting"));
        }
        if let Err(refusal) = self
            .stage_gate(p.unit_id, StageKind::PengajuanProposal, now)
            .await?
        {
            return Err(deadline_error(refusal, edition.time_zone));
        }
        let Some(user_id) = actor.user_id else {
            return Err(AppError::Forbidden);
        };
        pc::record_approval(&mut tx, id, user_id, now).await?;
        let receipt = self
            .issue_receipt(&mut tx, &p, edition.year, actor, now)
            .await?;
        record(
            &mut tx,
            actor,
            now,
            "proposal.approved",
            "proposal",
            Some(id.to_string()),
            Some(json!({"state": "awaiting_approval"})),
            Some(json!({"state": "submitted", "receipt_number": receipt})),
        )
        .await?;
        tx.commit().await?;
        Ok(receipt)
    }

    /// Sends a proposal back a step: the head back to the operator (awaiting approval →
    /// draft) or the committee back to the unit (submitted → returned), with reasons.
    pub async fn return_proposal(
        &self,
        id: Id,
        reason: &str,
        actor: &Actor,
        grants: &[RoleGrant],
    ) -> Result<(), AppError> {
        let reason = reason.trim();
        if reason.chars().count() < 10 {
            return Err(AppError::invalid("reason", "error.reason_required"));
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let p = self.editable(&mut tx, id).await?;
        let committee = grants
            .iter()
            .any(|g| g.role == Role::Committee && g.edition_id == p.edition_id);
        let (next, action) = match p.state {
            ProposalState::Submitted if committee => (ProposalState::Returned, "proposal.returned"),
            ProposalState::AwaitingApproval if self.heads_unit(p.unit_id, grants).await? => {
                (ProposalState::Draft, "proposal.sent_back")
            }
            _ if committee || self.may_read(&p, grants).await? => {
                return Err(AppError::invalid("state", "proposal.error_cannot_return"));
            }
            _ => return Err(AppError::NotFound),
        };
        pc::set_state(&mut tx, id, next, Some(reason), now).await?;
        let link = format!("{}/operator/usulan/{id}", self.site_url());
        for op in units::operators(&mut *tx, p.unit_id, p.edition_id).await? {
            let params = [
                ("name", op.name.as_str()),
                ("unit", p.unit_name.as_str()),
                ("title", p.content.title.as_str()),
                ("reason", reason),
                ("link", link.as_str()),
            ];
            self.queue_email(
                &mut tx,
                MailKind::ProposalReturned,
                op.email.as_str(),
                Some(op.id),
                &params,
                None,
                actor,
                now,
            )
            .await?;
        }
        record(
            &mut tx,
            actor,
            now,
            action,
            "proposal",
            Some(id.to_string()),
            Some(json!({"state": p.state.as_str()})),
            Some(json!({"state": next.as_str(), "reason": reason})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The unit withdraws its proposal (before screening decides on it).
    pub async fn withdraw_proposal(
        &self,
        id: Id,
        actor: &Actor,
        grants: &[RoleGrant],
    ) -> Result<(), AppError> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let p = self.editable(&mut tx, id).await?;
        Self::require_operator(&p, grants)?;
        if !matches!(
            p.state,
            ProposalState::Draft
                | ProposalState::AwaitingApproval
                | ProposalState::Submitted
                | ProposalState::Returned
        ) {
            return Err(AppError::invalid("state", "proposal.error_locked"));
        }
        pc::set_state(&mut tx, id, ProposalState::Withdrawn, None, now).await?;
        record(
            &mut tx,
            actor,
            now,
            "proposal.withdrawn",
            "proposal",
            Some(id.to_string()),
            Some(json!({"state": p.state.as_str()})),
            Some(json!({"state": "withdrawn"})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Proposals awaiting the approval of a head: of the units they head and those below.
    pub async fn awaiting_approval(
        &self,
        grants: &[RoleGrant],
    ) -> Result<Vec<EditableProposal>, AppError> {
        let edition = self.ensure_current_edition().await?;
        // Every waiting proposal with its content in two queries; the heads' scope is
        // checked per unit, once.
        let mut tx = self.db.begin().await?;
        let waiting = pc::load_in_state(
            &mut tx,
            edition.id,
            ProposalState::AwaitingApproval,
            i64::from(kolabik_store::Page::MAX_SIZE),
        )
        .await?;
        tx.commit().await?;
        let mut allowed: Vec<(Id, bool)> = Vec::new();
        let mut out = Vec::new();
        for p in waiting {
            let ok = match allowed.iter().find(|(u, _)| *u == p.unit_id) {
                Some((_, ok)) => *ok,
                None => {
                    let ok = self.heads_unit(p.unit_id, grants).await?;
                    allowed.push((p.unit_id, ok));
                    ok
                }
            };
            if ok {
                out.push(p);
            }
        }
        Ok(out)
    }
}
