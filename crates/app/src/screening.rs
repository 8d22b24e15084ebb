//! Administrative screening (seleksi administrasi): the queue of submitted proposals with
//! their automatic checks, the edition's manual checklist, and the committee's decisions —
//! applied at once, or held and released together in one transaction.

use std::collections::HashMap;

use kolabik_domain::screening::{CheckResult, Decision, auto_checks, normalize_title, summary};
use kolabik_domain::{Edition, Id, Instant, ProposalState, StageKind};
use kolabik_store::notifications::{self, NewNotice};
use kolabik_store::proposal_content::{self as pc, EditableProposal};
use kolabik_store::screening::{self as sc, ChecklistItem, NewScreening, ScreeningRow};
use kolabik_store::{Tx, editions, units};
use serde_json::json;

use crate::notify::{MailKind, mail_phrase};
use crate::{Actor, App, AppError, FieldError, record};

/// The queue shows at most this many proposals (oldest submission first).
const QUEUE_MAX: i64 = 1000;

/// What a decision form or API body sent.
#[derive(Debug, Clone, Default)]
pub struct DecisionInput {
    pub decision: String,
    pub reasons: String,
    /// Ids of the checklist items ticked.
    pub checked: Vec<Id>,
    pub hold: bool,
}

/// One proposal of the queue.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QueueItem {
    pub id: Id,
    pub title: String,
    pub unit_name: String,
    pub receipt_number: Option<String>,
    pub submitted_at: Option<Instant>,
    pub checks: Vec<CheckResult>,
    pub passed: usize,
    pub failed: usize,
    pub warnings: usize,
    /// The decision held for it, if any.
    pub held: Option<ScreeningRow>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ScreeningDetail {
    pub proposal: EditableProposal,
    /// The proposal is `submitted`: a decision can be made.
    pub awaiting: bool,
    pub checks: Vec<CheckResult>,
    pub checklist: Vec<ChecklistItem>,
    pub held: Option<ScreeningRow>,
    pub history: Vec<ScreeningRow>,
}

/// What the checks need besides the proposal, loaded once per request.
struct CheckContext {
    categories: Vec<String>,
    close_local: Option<kolabik_domain::LocalDateTime>,
    winners: Vec<Id>,
    titles: HashMap<String, Vec<Id>>,
    edition: Edition,
}

impl CheckContext {
    fn run(&self, p: &EditableProposal) -> Vec<CheckResult> {
        let codes: Vec<&str> = self.categories.iter().map(String::as_str).collect();
        let same_title = self
            .titles
            .get(&normalize_title(&p.content.title))
            .is_some_and(|ids| ids.iter().any(|i| *i != p.id));
        auto_checks(
            &p.content,
            &codes,
            &self.edition.rules,
            self.close_local,
            self.winners.contains(&p.unit_id),
            same_title,
        )
    }
}

fn invalid(field: &'static str, key: &'static str) -> AppError {
    AppError::Invalid(vec![FieldError { field, key }])
}

impl App {
    async fn check_context(&self, tx: &mut Tx, edition: Edition) -> Result<CheckContext, AppError> {
        let categories = editions::categories(&mut **tx, edition.id)
            .await?
            .into_iter()
            .map(|c| c.code.as_str().to_owned())
            .collect();
        let close_local = editions::stages(&mut **tx, edition.id)
            .await?
            .iter()
            .find(|s| s.kind == StageKind::PengajuanProposal)
            .map(|s| edition.time_zone.to_local(s.closes_at));
        let winners = if edition.rules.no_winner_within_editions > 0 {
            sc::recent_winner_units(
                &mut **tx,
                edition.year,
                edition.rules.no_winner_within_editions,
            )
            .await?
        } else {
            Vec::new()
        };
        let mut titles: HashMap<String, Vec<Id>> = HashMap::new();
        for (id, title) in sc::submitted_titles(&mut **tx).await? {
            titles.entry(normalize_title(&title)).or_default().push(id);
        }
        Ok(CheckContext {
            categories,
            close_local,
            winners,
            titles,
            edition,
        })
    }

    /// Submitted proposals of the current edition with their automatic checks and any
    /// decision held for them.
    pub async fn screening_queue(&self) -> Result<Vec<QueueItem>, AppError> {
        let edition = self.ensure_current_edition().await?;
        let mut tx = self.db.begin().await?;
        let ctx = self.check_context(&mut tx, edition).await?;
        let mut held: HashMap<Id, ScreeningRow> = sc::pending(&mut *tx, ctx.edition.id)
            .await?
            .into_iter()
            .map(|s| (s.proposal_id, s))
            .collect();
        let proposals =
            pc::load_in_state(&mut tx, ctx.edition.id, ProposalState::Submitted, QUEUE_MAX).await?;
        let mut out = Vec::with_capacity(proposals.len());
        for p in proposals {
            let checks = ctx.run(&p);
            let (passed, failed, warnings) = summary(&checks);
            out.push(QueueItem {
                id: p.id,
                held: held.remove(&p.id),
                title: p.content.title,
                unit_name: p.unit_name,
                receipt_number: p.receipt_number,
                submitted_at: p.submitted_at,
                checks,
                passed,
                failed,
                warnings,
            });
        }
        tx.commit().await?;
        Ok(out)
    }

    /// One proposal as the screening page shows it (any state; only `submitted` can be decided).
    pub async fn screening_detail(&self, id: Id) -> Result<ScreeningDetail, AppError> {
        let edition = self.ensure_current_edition().await?;
        let mut tx = self.db.begin().await?;
        let proposal = pc::load(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        let ctx = self.check_context(&mut tx, edition).await?;
        let checks = ctx.run(&proposal);
        let checklist = sc::checklist(&mut *tx, proposal.edition_id).await?;
        let history = sc::for_proposal(&mut *tx, id).await?;
        tx.commit().await?;
        let held = history
            .iter()
            .find(|s| s.held && s.released_at.is_none())
            .cloned();
        Ok(ScreeningDetail {
            awaiting: proposal.state == ProposalState::Submitted,
            proposal,
            checks,
            checklist,
            held,
            history,
        })
    }

    pub async fn screening_checklist(&self) -> Result<Vec<ChecklistItem>, AppError> {
        let edition = self.ensure_current_edition().await?;
        Ok(sc::checklist(self.db.pool(), edition.id).await?)
    }

    /// Replaces the edition's checklist: one item per non-empty line.
    pub async fn set_screening_checklist(&self, text: &str, actor: &Actor) -> Result<(), AppError> {
        let labels: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        if labels.len() > 50 || labels.iter().any(|l| l.chars().count() > 300) {
            return Err(invalid("checklist", "screening.error_checklist"));
        }
        let edition = self.ensure_current_edition().await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before: Vec<String> = sc::checklist(&mut *tx, edition.id)
            .await?
            .into_iter()
            .map(|i| i.label)
            .collect();
        sc::replace_checklist(&mut tx, edition.id, &labels, now).await?;
        record(
            &mut tx,
            actor,
            now,
            "screening.checklist_changed",
            "edition",
            Some(edition.id.to_string()),
            Some(json!({ "items": before })),
            Some(json!({ "items": labels })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a decision on a submitted proposal. Held, it waits for
    /// [`App::release_screenings`]; otherwise it applies now (state, reasons, e-mail).
    pub async fn screen_proposal(
        &self,
        id: Id,
        input: &DecisionInput,
        actor: &Actor,
    ) -> Result<(), AppError> {
        let decision = Decision::parse(&input.decision)
            .ok_or_else(|| invalid("decision", "screening.error_decision"))?;
        let reasons = input.reasons.trim();
        decision
            .check_reasons(reasons)
            .map_err(|key| invalid("reasons", key))?;
        let edition = self.ensure_current_edition().await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let p = pc::load(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        if p.edition_id != edition.id || p.state != ProposalState::Submitted {
            return Err(invalid("decision", "screening.error_not_submitted"));
        }
        let ctx = self.check_context(&mut tx, edition).await?;
        let checks = ctx.run(&p);
        let checklist: Vec<_> = sc::checklist(&mut *tx, p.edition_id)
            .await?
            .into_iter()
            .map(|i| json!({"id": i.id, "label": i.label, "ticked": input.checked.contains(&i.id)}))
            .collect();
        let checklist_json = serde_json::Value::Array(checklist);
        let auto_json = json!(checks);
        let replaced = sc::drop_pending(&mut tx, id).await?;
        let sid = sc::insert(
            &mut tx,
            NewScreening {
                proposal_id: id,
                decided_by: actor.user_id,
                decision: decision.as_str(),
                reasons,
                checklist_json: &checklist_json.to_string(),
                auto_json: &auto_json.to_string(),
                held: input.hold,
                now,
            },
        )
        .await?;
        record(
            &mut tx,
            actor,
            now,
            if input.hold {
                "screening.held"
            } else {
                "screening.decided"
            },
            "proposal",
            Some(id.to_string()),
            Some(json!({"state": p.state.as_str(), "held_decision": replaced})),
            Some(json!({
                "screening_id": sid,
                "decision": decision.as_str(),
                "reasons": reasons,
                "checklist": checklist_json,
                "auto": auto_json,
                "held": input.hold,
            })),
        )
        .await?;
        if !input.hold {
            self.apply_decision(&mut tx, &p, decision, reasons, actor, now)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Applies every held decision of the current edition together, in one transaction.
    /// A held decision whose proposal is no longer `submitted` (withdrawn meanwhile) is
    /// closed without effect. Returns the number of proposals changed.
    pub async fn release_screenings(&self, actor: &Actor) -> Result<usize, AppError> {
        let edition = self.ensure_current_edition().await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let mut changed = 0;
        for s in sc::pending(&mut *tx, edition.id).await? {
            sc::mark_released(&mut tx, s.id, now).await?;
            let Some(p) = pc::load(&mut tx, s.proposal_id).await? else {
                continue;
            };
            let Some(decision) = Decision::parse(&s.decision) else {
                continue;
            };
            if p.state != ProposalState::Submitted {
                record(
                    &mut tx,
                    actor,
                    now,
                    "screening.release_skipped",
                    "proposal",
                    Some(p.id.to_string()),
                    Some(json!({"state": p.state.as_str()})),
                    Some(json!({"screening_id": s.id, "decision": s.decision})),
                )
                .await?;
                continue;
            }
            self.apply_decision(&mut tx, &p, decision, &s.reasons, actor, now)
                .await?;
            changed += 1;
        }
        record(
            &mut tx,
            actor,
            now,
            "screening.released",
            "edition",
            Some(edition.id.to_string()),
            None,
            Some(json!({"changed": changed})),
        )
        .await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// State change, reasons shown to the unit, audit, e-mail and notice to its operators.
    async fn apply_decision(
        &self,
        tx: &mut Tx,
        p: &EditableProposal,
        decision: Decision,
        reasons: &str,
        actor: &Actor,
        now: Instant,
    ) -> Result<(), AppError> {
        let next = decision.target_state();
        let reason = (!reasons.is_empty()).then_some(reasons);
        pc::set_state(tx, p.id, next, reason, now).await?;
        record(
            tx,
            actor,
            now,
            "proposal.screened",
            "proposal",
            Some(p.id.to_string()),
            Some(json!({"state": p.state.as_str()})),
            Some(json!({"state": next.as_str(), "decision": decision.as_str(), "reason": reason})),
        )
        .await?;
        let outcome = mail_phrase("screening_outcome", decision.as_str())?;
        let reasons_text = if reasons.is_empty() {
            String::new()
        } else {
            format!(
                "{}\n{reasons}",
                mail_phrase("screening_outcome", "reasons_heading")?
            )
        };
        let path = format!("/operator/usulan/{}", p.id);
        let link = format!("{}{path}", self.site_url());
        for op in units::operators(&mut **tx, p.unit_id, p.edition_id).await? {
            let params = [
                ("name", op.name.as_str()),
                ("unit", p.unit_name.as_str()),
                ("title", p.content.title.as_str()),
                ("outcome", outcome.as_str()),
                ("reasons", reasons_text.as_str()),
                ("link", link.as_str()),
            ];
            self.queue_email(
                tx,
                MailKind::ScreeningResult,
                op.email.as_str(),
                Some(op.id),
                &params,
                None,
                actor,
                now,
            )
            .await?;
            let notice_params = json!({"title": p.content.title, "decision": decision.as_str()});
            notifications::insert_notice(
                &mut **tx,
                NewNotice {
                    user_id: op.id,
                    kind: MailKind::ScreeningResult.as_str(),
                    message_key: decision_notice_key(decision),
                    params: &notice_params,
                    link: Some(&path),
                    now,
                },
            )
            .await?;
        }
        Ok(())
    }
}

fn decision_notice_key(d: Decision) -> &'static str {
    match d {
        Decision::Pass => "screening.notice_pass",
        Decision::Return => "screening.notice_return",
        Decision::Reject => "screening.notice_reject",
    }
}
