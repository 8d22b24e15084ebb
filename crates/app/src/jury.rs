//! The jury: the committee's pool of judges and their ties, per-edition invitations, the
//! judge's conflict-of-interest declaration, conflicts (automatic, declared, pinned; only
//! the committee lifts one), committee recusals with a deputy, and the assignment of judges
//! to the proposals of a judged stage (solver runs in the background, applied on request,
//! manual overrides).
//!
//! Visibility rules kept here and relied on elsewhere:
//! - a judge with the judge role but no `edition_judges` row is active and undeclared; the
//!   row is created lazily (`judge_gate`);
//! - no proposal is shown to a judge before the declaration (`JudgeGate::MustDeclare`);
//! - a committee member does not see proposals they are recused from
//!   (`committee_hidden_proposals`).

use std::collections::{BTreeMap, HashMap, HashSet};

use kolabik_domain::assignment::{Instance, Pair, Solution, solve};
use kolabik_domain::conflicts::{self as rules, JudgeFacts, ProposalFacts, UnitNode};
use kolabik_domain::password::check_new_password;
use kolabik_domain::{
    ConflictSource, Edition, Email, Id, Instant, Judge, JudgeKind, Lang, Role, RoleGrant, Stage,
    StageKind,
};
use kolabik_store::assignments::{self, Assignment};
use kolabik_store::conflicts::{self, ConflictFilter, ConflictRow};
use kolabik_store::jury::{self, EditionJudge, PoolJudge, Recusal, RosterRow, Run, StageProposal};
use kolabik_store::{editions, judges, units, users};
use serde_json::json;

use crate::auth::{SESSION_IDLE_SECS, hash_password, random_token, token_hash};
use crate::notify::MailKind;
use crate::{Actor, App, AppError, FieldError, record};

/// How long a judge's invitation link works.
pub const INVITATION_DAYS: i64 = 7;

/// Panel rules when a stage has no `stage_judging` row yet.
pub const DEFAULT_RULES: PanelRules = PanelRules {
    reviews: 3,
    min_academic: 1,
    min_practitioner: 1,
    max_load: 10,
};

/// Catalogue keys raised here beyond the shared ones.
pub const KEYS: &[&str] = &[
    "jury.error.name",
    "jury.error.kind",
    "jury.error.institution",
    "jury.error.expertise",
    "jury.error.unit",
    "jury.error.already_judge",
    "jury.error.already_active",
    "jury.error.confirm",
    "jury.error.reason",
    "jury.error.frozen",
    "jury.error.conflicted",
    "jury.error.already_assigned",
    "jury.error.not_active",
    "jury.error.not_in_stage",
    "jury.error.deputy",
    "jury.error.run_not_done",
    "jury.error.already_lifted",
    "jury.invitation.used",
    "invitation.expired",
];

fn invalid(field: &'static str, key: &'static str) -> AppError {
    AppError::Invalid(vec![FieldError { field, key }])
}

/// What the pool form sends.
#[derive(Debug, Clone, Default)]
pub struct JudgeInput {
    pub name: String,
    pub email: String,
    /// `academic` or `practitioner`.
    pub kind: String,
    pub institution: String,
    /// One tag per line.
    pub expertise: String,
    pub unit_ids: Vec<Id>,
    /// One institution per line.
    pub institution_ties: String,
}

fn lines(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in s
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
    {
        if !l.is_empty() && !out.iter().any(|o| rules::fold(o) == rules::fold(&l)) {
            out.push(l);
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PanelRules {
    pub reviews: i64,
    pub min_academic: i64,
    pub min_practitioner: i64,
    pub max_load: i64,
}

/// Where a signed-in user stands as a judge of the current edition.
#[derive(Debug, Clone)]
pub enum JudgeGate {
    /// No judge profile, or not active in the current edition.
    NotAJudge,
    /// Active, but the declaration is not done: show no proposal, send to the declaration.
    MustDeclare { judge: Judge, edition_id: Id },
    /// Active and declared.
    Ready { judge: Judge, edition_id: Id },
}

/// A judge invitation as its link shows it.
#[derive(Debug, Clone)]
pub struct JudgeInvitationView {
    pub name: String,
    pub email: String,
    pub edition_name: String,
    pub expires_at: Option<Instant>,
    /// The account has no password yet: the judge chooses one on accepting.
    pub needs_password: bool,
}

/// A participating unit on the declaration page: no proposal title or content.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeclarationUnit {
    pub unit_id: Id,
    pub name: String,
    /// `UnitKind` code.
    pub kind: String,
    /// An automatic conflict is active on a proposal of this unit.
    pub automatic: bool,
    /// The judge already declared a conflict with this unit.
    pub declared: bool,
}

#[derive(Debug, Clone)]
pub struct Declaration {
    pub seat: EditionJudge,
    pub units: Vec<DeclarationUnit>,
}

/// A judge's own conflict, without the proposal's title (a conflicted judge learns nothing
/// about the proposal).
#[derive(Debug, Clone, serde::Serialize)]
pub struct OwnConflict {
    pub id: Id,
    pub unit_name: String,
    pub source: ConflictSource,
    pub reason: String,
    pub active: bool,
}

/// The committee's view of one judged stage.
#[derive(Debug, Clone)]
pub struct Board {
    pub edition: Edition,
    pub stage: Stage,
    pub rules: PanelRules,
    pub frozen: bool,
    pub proposals: Vec<StageProposal>,
    /// Active judges of the edition.
    pub judges: Vec<RosterRow>,
    /// Active judges who have not declared yet: their declared conflicts are unknown.
    pub undeclared: Vec<String>,
    pub assignments: Vec<Assignment>,
    /// Active conflicts (judge, proposal) on the stage's proposals.
    pub conflicts: HashSet<(Id, Id)>,
    pub latest_run: Option<Run>,
    pub solution: Option<Solution>,
}

/// A judge's own assignments in a stage.
#[derive(Debug, Clone)]
pub struct MyAssignments {
    pub kind: StageKind,
    pub rules: PanelRules,
    pub frozen: bool,
    pub declared: bool,
    pub items: Vec<(Assignment, StageProposal)>,
}

/// The outcome of answering a judge invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answered {
    Declined,
    /// Accepted and the password just chosen: a session was opened (its token).
    SignedIn(String),
    /// Accepted by an account that already had a password: its owner signs in as usual.
    SignInYourself,
}

/// The counts of applying a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Applied {
    pub added: usize,
    pub removed: usize,
    pub kept: usize,
}

impl App {
    // --- the pool ---------------------------------------------------------------------

    pub async fn judge_pool(&self) -> Result<Vec<PoolJudge>, AppError> {
        Ok(jury::pool(&self.db).await?)
    }

    /// The unit registry as (id, name, kind code), by name: what a judge can be tied to.
    pub async fn unit_choices(&self) -> Result<Vec<(Id, String, String)>, AppError> {
        let mut all: Vec<(Id, String, String)> = units::all(self.db.pool())
            .await?
            .into_iter()
            .map(|u| (u.id, u.name, u.kind.as_str().to_owned()))
            .collect();
        all.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(all)
    }

    pub async fn pool_judge(&self, judge_id: Id) -> Result<PoolJudge, AppError> {
        jury::pool_judge(&self.db, judge_id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Adds a judge to the pool (`judge_id` `None`) or edits one. A new judge's e-mail
    /// reuses the account with that address or creates one without a password (the judge
    /// chooses it when accepting the invitation). Ties are replaced; automatic conflicts
    /// are recomputed afterwards. Audit-logged.
    pub async fn save_judge(
        &self,
        judge_id: Option<Id>,
        input: &JudgeInput,
        actor: &Actor,
    ) -> Result<Id, AppError> {
        let mut errors = Vec::new();
        let name = input.name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() || name.chars().count() > 200 {
            errors.push(FieldError {
                field: "name",
                key: "jury.error.name",
            });
        }
        let kind = JudgeKind::parse(input.kind.trim());
        if kind.is_none() {
            errors.push(FieldError {
                field: "kind",
                key: "jury.error.kind",
            });
        }
        let institution = input.institution.trim();
        if institution.chars().count() > 200 {
            errors.push(FieldError {
                field: "institution",
                key: "jury.error.institution",
            });
        }
        let expertise = lines(&input.expertise);
        if expertise.len() > 30 || expertise.iter().any(|t| t.chars().count() > 100) {
            errors.push(FieldError {
                field: "expertise",
                key: "jury.error.expertise",
            });
        }
        let institution_ties = lines(&input.institution_ties);
        if institution_ties.len() > 30 || institution_ties.iter().any(|t| t.chars().count() > 200) {
            errors.push(FieldError {
                field: "institution_ties",
                key: "jury.error.institution",
            });
        }
        let mut unit_ids = input.unit_ids.clone();
        unit_ids.sort_unstable();
        unit_ids.dedup();
        for u in &unit_ids {
            if units::by_id(self.db.pool(), *u).await?.is_none() {
                errors.push(FieldError {
                    field: "unit_ids",
                    key: "jury.error.unit",
                });
                break;
            }
        }
        let existing = match judge_id {
            Some(id) => Some(self.pool_judge(id).await?),
            None => None,
        };
        let email = if existing.is_none() {
            match Email::parse(&input.email) {
                Ok(e) => Some(e),
                Err(e) => {
                    errors.push(FieldError {
                        field: "email",
                        key: e.key(),
                    });
                    None
                }
            }
        } else {
            None
        };
        let account = match &email {
            Some(e) => users::by_email(self.db.pool(), e).await?,
            None => None,
        };
        if let Some(a) = &account
            && judges::by_user(self.db.pool(), a.id).await?.is_some()
        {
            errors.push(FieldError {
                field: "email",
                key: "jury.error.already_judge",
            });
        }
        let Some(kind) = kind else {
            return Err(AppError::Invalid(errors));
        };
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let (id, action, before) = match (&existing, &email) {
            (Some(j), _) => {
                jury::update_judge(&mut *tx, j.judge_id, kind, institution, &expertise).await?;
                jury::rename_user(&mut *tx, j.user_id, &name).await?;
                (j.judge_id, "judge.updated", Some(json!(j)))
            }
            (None, Some(email)) => {
                let user_id = match &account {
                    Some(a) => a.id,
                    None => {
                        users::insert(
                            &mut *tx,
                            users::NewUser {
                                email,
                                name: &name,
                                nip: None,
                                // No password yet: nothing verifies against an empty hash.
                                password_hash: "",
                                must_change_password: false,
                                now,
                            },
                        )
                        .await?
                    }
                };
                let id = judges::insert(&mut *tx, user_id, kind, institution, &expertise)
                    .await
                    .map_err(|e| match e {
                        kolabik_store::StoreError::Duplicate(_) => {
                            invalid("email", "jury.error.already_judge")
                        }
                        other => other.into(),
                    })?;
                (id, "judge.created", None)
            }
            (None, None) => return Err(AppError::Internal("judge without e-mail".into())),
        };
        jury::set_unit_ties(&mut tx, id, &unit_ids).await?;
        jury::set_institution_ties(&mut tx, id, &institution_ties).await?;
        record(
            &mut tx,
            actor,
            now,
            action,
            "judge",
            Some(id.to_string()),
            before,
            Some(json!({
                "name": name,
                "kind": kind.as_str(),
                "institution": institution,
                "expertise": expertise,
                "unit_ties": unit_ids,
                "institution_ties": institution_ties,
                "account_reused": account.is_some(),
            })),
        )
        .await?;
        tx.commit().await?;
        self.recompute_conflicts(actor).await?;
        Ok(id)
    }

    // --- invitations ------------------------------------------------------------------

    /// The pool with each judge's seat in the current edition.
    pub async fn judge_roster(&self) -> Result<(Edition, Vec<RosterRow>), AppError> {
        let edition = self.ensure_current_edition().await?;
        let roster = jury::roster(&self.db, edition.id).await?;
        Ok((edition, roster))
    }

    /// Invites a pool judge to the current edition, or sends a new link to one who has not
    /// accepted yet (invited, declined, expired). An e-mail with a single-use link valid
    /// for `INVITATION_DAYS` days goes through the outbox. Audit-logged.
    pub async fn invite_judge(&self, judge_id: Id, actor: &Actor) -> Result<(), AppError> {
        let (edition, roster) = self.judge_roster().await?;
        let row = roster
            .iter()
            .find(|r| r.judge_id == judge_id)
            .ok_or(AppError::NotFound)?;
        if row.state() == Some("active") {
            return Err(invalid("judge_id", "jury.error.already_active"));
        }
        let token = random_token()?;
        let now = self.now();
        let expires_at = now.plus_seconds(INVITATION_DAYS * 24 * 3600);
        let mut tx = self.db.begin().await?;
        jury::invite(
            &mut *tx,
            edition.id,
            judge_id,
            &token_hash(&token),
            actor.user_id,
            now,
            expires_at,
        )
        .await?;
        record(
            &mut tx,
            actor,
            now,
            if row.seat.is_some() {
                "judge.reinvited"
            } else {
                "judge.invited"
            },
            "judge",
            Some(judge_id.to_string()),
            row.seat.as_ref().map(|s| json!({"state": s.state})),
            Some(json!({"edition_id": edition.id, "expires_at": expires_at.millis()})),
        )
        .await?;
        let invite_url = format!("{}/juri/undangan/{token}", self.site_url());
        let expires_text = edition.time_zone.format(expires_at, Lang::Id);
        self.queue_email(
            &mut tx,
            MailKind::JudgeInvitation,
            &row.email,
            Some(row.user_id),
            &[
                ("name", &row.name),
                ("edition", &edition.name),
                ("invite_url", &invite_url),
                ("expires_at", &expires_text),
            ],
            None,
            actor,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn judge_invitation_seat(
        &self,
        token: &str,
    ) -> Result<(EditionJudge, PoolJudge), AppError> {
        let seat = jury::edition_judge_by_token(self.db.pool(), &token_hash(token))
            .await?
            .ok_or(AppError::NotFound)?;
        if seat.state != "invited" {
            return Err(AppError::Gone("jury.invitation.used"));
        }
        if seat.expires_at.is_none_or(|e| e <= self.now()) {
            return Err(AppError::Gone("invitation.expired"));
        }
        let judge = self.pool_judge(seat.judge_id).await?;
        Ok((seat, judge))
    }

    /// The invitation behind a link: `NotFound` for an unknown token, `Gone` for a used or
    /// expired one.
    pub async fn judge_invitation(&self, token: &str) -> Result<JudgeInvitationView, AppError> {
        let (seat, judge) = self.judge_invitation_seat(token).await?;
        let edition = editions::by_id(self.db.pool(), seat.edition_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let hash = users::password_hash(self.db.pool(), judge.user_id).await?;
        Ok(JudgeInvitationView {
            name: judge.name,
            email: judge.email,
            edition_name: edition.name,
            expires_at: seat.expires_at,
            needs_password: hash.is_empty(),
        })
    }

    /// Accepts or declines an invitation, once. Accepting makes the judge active, grants
    /// the judge role in the edition and, when the account has no password yet, sets the
    /// one chosen and opens a session (like the operator invitation, an account that
    /// already has a password signs in as usual). Audit-logged.
    pub async fn answer_judge_invitation(
        &self,
        token: &str,
        accept: bool,
        password: &str,
        confirm: &str,
        actor: &Actor,
    ) -> Result<Answered, AppError> {
        let (seat, judge) = self.judge_invitation_seat(token).await?;
        let current_hash = users::password_hash(self.db.pool(), judge.user_id).await?;
        let mut new_hash = None;
        if accept && current_hash.is_empty() {
            let email = Email::parse(&judge.email)
                .map_err(|_| AppError::Internal("judge with a bad e-mail".into()))?;
            if let Err(e) = check_new_password(password, email.as_str()) {
                return Err(invalid("password", e.key()));
            }
            if password != confirm {
                return Err(invalid("confirm", "error.password_mismatch"));
            }
            new_hash = Some(hash_password(password).await?);
        }
        let now = self.now();
        let acting = Actor {
            user_id: Some(judge.user_id),
            ip: actor.ip.clone(),
        };
        let mut tx = self.db.begin().await?;
        let state = if accept { "active" } else { "declined" };
        if !jury::respond(&mut *tx, &token_hash(token), state, now).await? {
            return Err(AppError::Gone("jury.invitation.used"));
        }
        let mut session = None;
        if accept {
            let grant = RoleGrant {
                edition_id: seat.edition_id,
                role: Role::Judge,
                unit_id: None,
            };
            let held = users::grants(&mut *tx, judge.user_id, seat.edition_id).await?;
            if !held.contains(&grant) {
                users::grant(&mut *tx, judge.user_id, &grant, now).await?;
            }
            if let Some(hash) = &new_hash {
                users::set_password(&mut *tx, judge.user_id, hash, false).await?;
                let t = random_token()?;
                users::insert_session(
                    &mut *tx,
                    &token_hash(&t),
                    judge.user_id,
                    now,
                    now.plus_seconds(SESSION_IDLE_SECS),
                )
                .await?;
                session = Some(t);
            }
        }
        record(
            &mut tx,
            &acting,
            now,
            if accept {
                "judge.accepted"
            } else {
                "judge.declined"
            },
            "judge",
            Some(judge.judge_id.to_string()),
            None,
            Some(json!({
                "edition_id": seat.edition_id,
                "password_set": new_hash.is_some(),
            })),
        )
        .await?;
        if session.is_some() {
            record(
                &mut tx,
                &acting,
                now,
                "session.login",
                "user",
                Some(judge.user_id.to_string()),
                None,
                Some(json!({"via": "judge_invitation"})),
            )
            .await?;
        }
        tx.commit().await?;
        if accept {
            self.recompute_conflicts(&Actor::system()).await?;
        }
        Ok(match (accept, session) {
            (false, _) => Answered::Declined,
            (true, Some(t)) => Answered::SignedIn(t),
            (true, None) => Answered::SignInYourself,
        })
    }

    // --- the judge's gate and declaration ---------------------------------------------

    /// Where `user_id` stands as a judge of the current edition. A judge with the judge
    /// role but no `edition_judges` row gets one now (active, undeclared). Every page or
    /// API call that shows a judge a proposal asks this first and shows nothing unless
    /// `Ready` (pages redirect `MustDeclare` to `/juri/deklarasi`).
    pub async fn judge_gate(&self, user_id: Id) -> Result<JudgeGate, AppError> {
        let Some(edition) = self.current_edition().await? else {
            return Ok(JudgeGate::NotAJudge);
        };
        let Some(judge) = judges::by_user(self.db.pool(), user_id).await? else {
            return Ok(JudgeGate::NotAJudge);
        };
        let mut seat = jury::edition_judge(self.db.pool(), edition.id, judge.id).await?;
        if seat.is_none() {
            let held = users::grants(self.db.pool(), user_id, edition.id).await?;
            if held.iter().any(|g| g.role == Role::Judge) {
                jury::ensure_active(self.db.pool(), edition.id, judge.id, self.now()).await?;
                seat = jury::edition_judge(self.db.pool(), edition.id, judge.id).await?;
            }
        }
        Ok(match seat {
            Some(s) if s.state == "active" && s.declared_at.is_some() => JudgeGate::Ready {
                judge,
                edition_id: edition.id,
            },
            Some(s) if s.state == "active" => JudgeGate::MustDeclare {
                judge,
                edition_id: edition.id,
            },
            _ => JudgeGate::NotAJudge,
        })
    }

    /// `true` when the judge must complete the declaration before seeing any proposal.
    pub async fn judge_must_declare(&self, user_id: Id) -> Result<bool, AppError> {
        Ok(matches!(
            self.judge_gate(user_id).await?,
            JudgeGate::MustDeclare { .. }
        ))
    }

    async fn active_judge(&self, user_id: Id) -> Result<(Judge, Id), AppError> {
        match self.judge_gate(user_id).await? {
            JudgeGate::NotAJudge => Err(AppError::Forbidden),
            JudgeGate::MustDeclare { judge, edition_id }
            | JudgeGate::Ready { judge, edition_id } => Ok((judge, edition_id)),
        }
    }

    /// The declaration page's data: the participating units (names and kinds only) with
    /// the judge's automatic and declared conflicts marked.
    pub async fn declaration(&self, user_id: Id) -> Result<Declaration, AppError> {
        let (judge, edition_id) = self.active_judge(user_id).await?;
        self.recompute_conflicts(&Actor::system()).await?;
        let pool = self.db.pool();
        let seat = jury::edition_judge(pool, edition_id, judge.id)
            .await?
            .ok_or(AppError::NotFound)?;
        let proposals = jury::judgeable(pool, edition_id).await?;
        let mine = conflicts::list(
            pool,
            edition_id,
            &ConflictFilter {
                judge_id: Some(judge.id),
                ..Default::default()
            },
        )
        .await?;
        let unit_of: HashMap<Id, Id> = proposals.iter().map(|p| (p.id, p.unit_id)).collect();
        let mut by_unit: BTreeMap<(String, String, Id), DeclarationUnit> = BTreeMap::new();
        for p in &proposals {
            by_unit
                .entry((p.unit_kind.clone(), p.unit_name.clone(), p.unit_id))
                .or_insert_with(|| DeclarationUnit {
                    unit_id: p.unit_id,
                    name: p.unit_name.clone(),
                    kind: p.unit_kind.clone(),
                    automatic: false,
                    declared: false,
                });
        }
        for c in &mine {
            let Some(unit) = unit_of.get(&c.proposal_id) else {
                continue;
            };
            for (key, u) in by_unit.iter_mut() {
                if key.2 == *unit {
                    match c.source {
                        ConflictSource::Automatic if c.active() => u.automatic = true,
                        ConflictSource::Declared => u.declared = true,
                        _ => {}
                    }
                }
            }
        }
        Ok(Declaration {
            seat,
            units: by_unit.into_values().collect(),
        })
    }

    /// Records the judge's declaration: a Declared conflict with every judgeable proposal
    /// of the ticked units, `declared_at` on the first one. The statement must be
    /// confirmed. A later declaration adds conflicts; none is ever lifted here.
    pub async fn declare(
        &self,
        user_id: Id,
        unit_ids: &[Id],
        note: &str,
        confirmed: bool,
        actor: &Actor,
    ) -> Result<usize, AppError> {
        let (judge, edition_id) = self.active_judge(user_id).await?;
        if !confirmed {
            return Err(invalid("confirm", "jury.error.confirm"));
        }
        let note = note.trim();
        if note.chars().count() > 2000 {
            return Err(invalid("note", "jury.error.reason"));
        }
        let proposals = jury::judgeable(self.db.pool(), edition_id).await?;
        if unit_ids
            .iter()
            .any(|u| !proposals.iter().any(|p| p.unit_id == *u))
        {
            return Err(invalid("unit_ids", "jury.error.unit"));
        }
        let seat = jury::edition_judge(self.db.pool(), edition_id, judge.id)
            .await?
            .ok_or(AppError::NotFound)?;
        let now = self.now();
        let reason = if note.is_empty() {
            "declared".to_owned()
        } else {
            note.to_owned()
        };
        let mut tx = self.db.begin().await?;
        let mut added = 0;
        for p in proposals.iter().filter(|p| unit_ids.contains(&p.unit_id)) {
            if conflicts::insert_if_absent(
                &mut *tx,
                judge.id,
                p.id,
                ConflictSource::Declared,
                &reason,
                actor.user_id,
                now,
            )
            .await?
            {
                added += 1;
            }
        }
        let all_notes = match (seat.declaration_note.trim(), note) {
            (old, "") => old.to_owned(),
            ("", new) => new.to_owned(),
            (old, new) => format!("{old}\n{new}"),
        };
        jury::declare(&mut *tx, edition_id, judge.id, &all_notes, now).await?;
        record(
            &mut tx,
            actor,
            now,
            "judge.declared",
            "judge",
            Some(judge.id.to_string()),
            None,
            Some(json!({
                "edition_id": edition_id,
                "units": unit_ids,
                "conflicts_added": added,
                "note": note,
                "first": seat.declared_at.is_none(),
            })),
        )
        .await?;
        tx.commit().await?;
        self.recompute_conflicts(&Actor::system()).await?;
        Ok(added)
    }

    // --- conflicts --------------------------------------------------------------------

    /// Adds every automatic conflict the facts imply that has no row yet (idempotent; a
    /// lifted one stays lifted). Returns how many were added; logged when any was.
    pub async fn recompute_conflicts(&self, actor: &Actor) -> Result<usize, AppError> {
        let Some(edition) = self.current_edition().await? else {
            return Ok(0);
        };
        let pool = self.db.pool();
        let pool_judges = jury::pool(&self.db).await?;
        let unit_ties = jury::all_unit_ties(pool).await?;
        let inst_ties = jury::all_institution_ties(pool).await?;
        let facts: Vec<JudgeFacts> = pool_judges
            .iter()
            .map(|j| JudgeFacts {
                judge_id: j.judge_id,
                user_id: j.user_id,
                institution: j.institution.clone(),
                institution_ties: inst_ties
                    .iter()
                    .filter(|(id, _)| *id == j.judge_id)
                    .map(|(_, i)| i.clone())
                    .collect(),
                unit_ties: unit_ties
                    .iter()
                    .filter(|(id, _)| *id == j.judge_id)
                    .map(|(_, u)| *u)
                    .collect(),
            })
            .collect();
        let proposals: Vec<ProposalFacts> = jury::judgeable(pool, edition.id)
            .await?
            .iter()
            .map(|p| ProposalFacts {
                proposal_id: p.id,
                unit_id: p.unit_id,
            })
            .collect();
        let tree: Vec<UnitNode> = jury::unit_tree(pool)
            .await?
            .into_iter()
            .map(|(id, parent_id, name)| UnitNode {
                id,
                parent_id,
                name,
            })
            .collect();
        // Visits in every judged stage but the last: a judge who visited a proposal does
        // not judge it again later.
        let earlier: Vec<&str> = StageKind::JUDGED[..StageKind::JUDGED.len() - 1]
            .iter()
            .map(|k| k.as_str())
            .collect();
        let visits: Vec<(Id, Id)> = jury::visits_in(pool, edition.id, &earlier)
            .await?
            .into_iter()
            .map(|(u, p, _)| (u, p))
            .collect();
        let known: HashSet<(Id, Id)> =
            conflicts::pairs_with_source(pool, edition.id, ConflictSource::Automatic)
                .await?
                .into_iter()
                .collect();
        let found: Vec<_> = rules::automatic(&facts, &proposals, &tree, &visits)
            .into_iter()
            .filter(|c| !known.contains(&(c.judge_id, c.proposal_id)))
            .collect();
        if found.is_empty() {
            return Ok(0);
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let mut added = 0;
        for c in &found {
            if conflicts::insert_if_absent(
                &mut *tx,
                c.judge_id,
                c.proposal_id,
                ConflictSource::Automatic,
                c.reason.code(),
                None,
                now,
            )
            .await?
            {
                added += 1;
            }
        }
        if added > 0 {
            record(
                &mut tx,
                actor,
                now,
                "conflicts.recomputed",
                "edition",
                Some(edition.id.to_string()),
                None,
                Some(json!({"added": added})),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// The edition's judgeable proposals, without those `viewer` is recused from (for the
    /// committee's pin and recusal forms).
    pub async fn jury_proposals(&self, viewer: Option<Id>) -> Result<Vec<StageProposal>, AppError> {
        let edition = self.ensure_current_edition().await?;
        let hidden = match viewer {
            Some(u) => self.committee_hidden_proposals(u).await?,
            None => HashSet::new(),
        };
        let mut all = jury::judgeable(self.db.pool(), edition.id).await?;
        all.retain(|p| !hidden.contains(&p.id));
        Ok(all)
    }

    /// The committee's list of conflicts, without proposals `viewer` is recused from.
    pub async fn conflicts(
        &self,
        filter: &ConflictFilter,
        viewer: Option<Id>,
    ) -> Result<Vec<ConflictRow>, AppError> {
        let edition = self.ensure_current_edition().await?;
        let hidden = match viewer {
            Some(u) => self.committee_hidden_proposals(u).await?,
            None => HashSet::new(),
        };
        let mut rows = conflicts::list(self.db.pool(), edition.id, filter).await?;
        rows.retain(|c| !hidden.contains(&c.proposal_id));
        Ok(rows)
    }

    /// A judge's own conflicts, named by unit only.
    pub async fn own_conflicts(&self, user_id: Id) -> Result<Vec<OwnConflict>, AppError> {
        let (judge, edition_id) = self.active_judge(user_id).await?;
        let rows = conflicts::list(
            self.db.pool(),
            edition_id,
            &ConflictFilter {
                judge_id: Some(judge.id),
                ..Default::default()
            },
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|c| OwnConflict {
                id: c.id,
                active: c.active(),
                unit_name: c.unit_name,
                source: c.source,
                reason: c.reason,
            })
            .collect())
    }

    fn check_reason(reason: &str) -> Result<String, AppError> {
        let r = reason.trim();
        if r.chars().count() < 5 || r.chars().count() > 1000 {
            return Err(invalid("reason", "jury.error.reason"));
        }
        Ok(r.to_owned())
    }

    /// The committee pins a conflict (a reason of at least 5 characters). Logged.
    pub async fn pin_conflict(
        &self,
        judge_id: Id,
        proposal_id: Id,
        reason: &str,
        actor: &Actor,
    ) -> Result<Id, AppError> {
        let reason = Self::check_reason(reason)?;
        let edition = self.ensure_current_edition().await?;
        self.pool_judge(judge_id).await?;
        let p = kolabik_store::proposals::by_id(self.db.pool(), proposal_id)
            .await?
            .filter(|p| p.edition_id == edition.id)
            .ok_or_else(|| invalid("proposal_id", "jury.error.not_in_stage"))?;
        if let Some(me) = actor.user_id
            && self.committee_hidden_proposals(me).await?.contains(&p.id)
        {
            return Err(AppError::NotFound);
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let id = conflicts::pin(&mut *tx, judge_id, p.id, &reason, actor.user_id, now).await?;
        record(
            &mut tx,
            actor,
            now,
            "conflict.pinned",
            "conflict",
            Some(id.to_string()),
            None,
            Some(json!({"judge_id": judge_id, "proposal_id": p.id, "reason": reason})),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Lifts a conflict of any source: the committee only, with a reason. The row stays
    /// (lifted_at/by/reason); a recomputation never brings it back. Logged.
    pub async fn lift_conflict(
        &self,
        id: Id,
        reason: &str,
        actor: &Actor,
        grants: &[RoleGrant],
    ) -> Result<(), AppError> {
        if !grants.iter().any(|g| g.role == Role::Committee) {
            return Err(AppError::Forbidden);
        }
        let edition = self.ensure_current_edition().await?;
        let row = conflicts::get(self.db.pool(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        let p = kolabik_store::proposals::by_id(self.db.pool(), row.proposal_id).await?;
        if p.is_none_or(|p| p.edition_id != edition.id) {
            return Err(AppError::NotFound);
        }
        if let Some(me) = actor.user_id
            && self
                .committee_hidden_proposals(me)
                .await?
                .contains(&row.proposal_id)
        {
            return Err(AppError::NotFound);
        }
        let reason = Self::check_reason(reason)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if !conflicts::lift(&mut *tx, id, actor.user_id, &reason, now).await? {
            return Err(invalid("reason", "jury.error.already_lifted"));
        }
        record(
            &mut tx,
            actor,
            now,
            "conflict.lifted",
            "conflict",
            Some(id.to_string()),
            Some(json!({"source": row.source.as_str(), "reason": row.reason})),
            Some(json!({"lift_reason": reason, "judge_id": row.judge_id, "proposal_id": row.proposal_id})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // --- committee recusals -----------------------------------------------------------

    /// Proposals the committee member `user_id` is recused from: leave them out of every
    /// list and answer 404 for them (their deputy acts).
    pub async fn committee_hidden_proposals(&self, user_id: Id) -> Result<HashSet<Id>, AppError> {
        Ok(jury::recused_proposals(self.db.pool(), user_id)
            .await?
            .into_iter()
            .collect())
    }

    /// The acting committee member steps aside from a proposal and names a deputy (another
    /// committee member of the edition). Logged.
    pub async fn recuse(
        &self,
        proposal_id: Id,
        deputy_user_id: Option<Id>,
        reason: &str,
        actor: &Actor,
    ) -> Result<Id, AppError> {
        let me = actor.user_id.ok_or(AppError::Forbidden)?;
        let reason = Self::check_reason(reason)?;
        let edition = self.ensure_current_edition().await?;
        let members = jury::committee_members(self.db.pool(), edition.id).await?;
        let deputy = deputy_user_id
            .filter(|d| *d != me && members.iter().any(|(id, _)| id == d))
            .ok_or_else(|| invalid("deputy_user_id", "jury.error.deputy"))?;
        let p = kolabik_store::proposals::by_id(self.db.pool(), proposal_id)
            .await?
            .filter(|p| p.edition_id == edition.id)
            .ok_or_else(|| invalid("proposal_id", "jury.error.not_in_stage"))?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let id =
            jury::insert_recusal(&mut *tx, me, p.id, Some(deputy), &reason, Some(me), now).await?;
        record(
            &mut tx,
            actor,
            now,
            "recusal.created",
            "recusal",
            Some(id.to_string()),
            None,
            Some(json!({"proposal_id": p.id, "deputy_user_id": deputy, "reason": reason})),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn recusals(&self) -> Result<Vec<Recusal>, AppError> {
        let edition = self.ensure_current_edition().await?;
        Ok(jury::recusals(self.db.pool(), edition.id).await?)
    }

    pub async fn committee_members(&self) -> Result<Vec<(Id, String)>, AppError> {
        let edition = self.ensure_current_edition().await?;
        Ok(jury::committee_members(self.db.pool(), edition.id).await?)
    }

    /// Ends a recusal (the committee; logged).
    pub async fn lift_recusal(&self, id: Id, actor: &Actor) -> Result<(), AppError> {
        let edition = self.ensure_current_edition().await?;
        let exists = jury::recusals(self.db.pool(), edition.id)
            .await?
            .into_iter()
            .any(|r| r.id == id && r.lifted_at.is_none());
        if !exists {
            return Err(AppError::NotFound);
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        jury::lift_recusal(&mut *tx, id, now).await?;
        record(
            &mut tx,
            actor,
            now,
            "recusal.lifted",
            "recusal",
            Some(id.to_string()),
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // --- assignment -------------------------------------------------------------------

    async fn rules_of(&self, stage_id: Id) -> Result<(PanelRules, bool), AppError> {
        Ok(match jury::panel_rules(self.db.pool(), stage_id).await? {
            Some((reviews, min_academic, min_practitioner, max_load, frozen)) => (
                PanelRules {
                    reviews,
                    min_academic,
                    min_practitioner,
                    max_load,
                },
                frozen.is_some(),
            ),
            None => (DEFAULT_RULES, false),
        })
    }

    /// The proposals of a judged stage: its `stage_entries`; for the first judged stage
    /// without entries, the edition's proposals past screening.
    async fn stage_proposals(
        &self,
        edition: &Edition,
        stage: &Stage,
    ) -> Result<Vec<StageProposal>, AppError> {
        let entries = jury::stage_entries(self.db.pool(), stage.id).await?;
        if !entries.is_empty() || stage.kind != StageKind::Penilaian {
            return Ok(entries);
        }
        Ok(jury::past_screening(self.db.pool(), edition.id).await?)
    }

    /// Everything the committee's assignment page shows; proposals `viewer` is recused
    /// from are left out.
    pub async fn assignment_board(
        &self,
        code: &str,
        viewer: Option<Id>,
    ) -> Result<Board, AppError> {
        let (edition, stage) = self.judged_stage(code).await?;
        let (rules, frozen) = self.rules_of(stage.id).await?;
        let hidden = match viewer {
            Some(u) => self.committee_hidden_proposals(u).await?,
            None => HashSet::new(),
        };
        let mut proposals = self.stage_proposals(&edition, &stage).await?;
        proposals.retain(|p| !hidden.contains(&p.id));
        let roster = jury::roster(&self.db, edition.id).await?;
        let judges: Vec<RosterRow> = roster
            .into_iter()
            .filter(|r| r.state() == Some("active"))
            .collect();
        let undeclared = judges
            .iter()
            .filter(|j| !j.declared())
            .map(|j| j.name.clone())
            .collect();
        let mut assignments = assignments::for_stage(self.db.pool(), stage.id).await?;
        assignments.retain(|a| !hidden.contains(&a.proposal_id));
        let conflicts: HashSet<(Id, Id)> = conflicts::active_pairs(self.db.pool(), edition.id)
            .await?
            .into_iter()
            .collect();
        let latest_run = jury::latest_run(self.db.pool(), stage.id).await?;
        let solution = latest_run
            .as_ref()
            .and_then(|r| r.report_json.as_deref())
            .and_then(|j| serde_json::from_str(j).ok());
        Ok(Board {
            edition,
            stage,
            rules,
            frozen,
            proposals,
            judges,
            undeclared,
            assignments,
            conflicts,
            latest_run,
            solution,
        })
    }

    /// The solver's instance for a stage as it stands: active judges, the stage's
    /// proposals, active conflicts, affinities; current assignments as `existing`, manual
    /// ones as `fixed` (conflicted pairs in neither: they are to go).
    fn instance_of(board: &Board, pool: &HashMap<Id, PoolJudge>) -> Instance {
        let mut inst = Instance::new(u32::try_from(board.rules.reviews.max(0)).unwrap_or(0))
            .min_per_kind(
                JudgeKind::Academic,
                u32::try_from(board.rules.min_academic.max(0)).unwrap_or(0),
            )
            .min_per_kind(
                JudgeKind::Practitioner,
                u32::try_from(board.rules.min_practitioner.max(0)).unwrap_or(0),
            );
        let proposal_ids: HashSet<Id> = board.proposals.iter().map(|p| p.id).collect();
        let judge_ids: HashSet<Id> = board.judges.iter().map(|j| j.judge_id).collect();
        for p in &board.proposals {
            inst = inst.proposal(p.id.to_string());
        }
        for j in &board.judges {
            inst = inst.judge(j.judge_id.to_string(), j.kind, board.rules.max_load);
        }
        for (j, p) in &board.conflicts {
            if judge_ids.contains(j) && proposal_ids.contains(p) {
                inst = inst.conflict(j.to_string(), p.to_string());
            }
        }
        for j in &board.judges {
            let expertise = pool
                .get(&j.judge_id)
                .map(|p| p.expertise.clone())
                .unwrap_or_default();
            for p in &board.proposals {
                let score =
                    rules::affinity(&expertise, p.category_name.as_deref(), &p.title, &p.summary);
                if score != 0 {
                    inst = inst.affinity(j.judge_id.to_string(), p.id.to_string(), score);
                }
            }
        }
        for a in &board.assignments {
            let usable = judge_ids.contains(&a.judge_id)
                && proposal_ids.contains(&a.proposal_id)
                && !board.conflicts.contains(&(a.judge_id, a.proposal_id));
            if !usable {
                continue;
            }
            if a.manual {
                inst = inst.fixed(a.judge_id.to_string(), a.proposal_id.to_string());
            } else {
                inst = inst.existing(a.judge_id.to_string(), a.proposal_id.to_string());
            }
        }
        inst
    }

    fn refuse_frozen(frozen: bool) -> Result<(), AppError> {
        if frozen {
            Err(invalid("stage", "jury.error.frozen"))
        } else {
            Ok(())
        }
    }

    /// Starts a solver run for a stage: conflicts are recomputed, the instance is taken
    /// now, and the solver runs in a background task that records its progress and report
    /// in the `assignment_runs` row. Returns the run's id. Logged.
    pub async fn start_assignment_run(&self, code: &str, actor: &Actor) -> Result<Id, AppError> {
        let (id, instance) = self.prepare_assignment_run(code, actor).await?;
        let app = self.clone();
        tokio::spawn(async move {
            if let Err(e) = app.run_solver(id, instance).await {
                tracing::error!(run = id, error = %e, "assignment run failed");
                let _ = jury::finish_run(
                    app.db.pool(),
                    id,
                    "failed",
                    None,
                    None,
                    None,
                    Some(&e.to_string()),
                    app.now(),
                )
                .await;
            }
        });
        Ok(id)
    }

    /// Runs the solver for a stage to the end before returning (the demo's history).
    pub(crate) async fn run_assignment_now(
        &self,
        code: &str,
        actor: &Actor,
    ) -> Result<Id, AppError> {
        let (id, instance) = self.prepare_assignment_run(code, actor).await?;
        self.run_solver(id, instance).await?;
        Ok(id)
    }

    /// Records a queued run and builds the solver's instance.
    async fn prepare_assignment_run(
        &self,
        code: &str,
        actor: &Actor,
    ) -> Result<(Id, Instance), AppError> {
        let (_, stage) = self.judged_stage(code).await?;
        let (_, frozen) = self.rules_of(stage.id).await?;
        Self::refuse_frozen(frozen)?;
        self.recompute_conflicts(actor).await?;
        // The whole stage: a recusal hides proposals from a page, not from the solver.
        let board = self.assignment_board(code, None).await?;
        let pool: HashMap<Id, PoolJudge> = jury::pool(&self.db)
            .await?
            .into_iter()
            .map(|j| (j.judge_id, j))
            .collect();
        let instance = Self::instance_of(&board, &pool);
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let id = jury::insert_run(&mut *tx, stage.id, actor.user_id, now).await?;
        record(
            &mut tx,
            actor,
            now,
            "assignment_run.started",
            "assignment_run",
            Some(id.to_string()),
            None,
            Some(json!({
                "stage": stage.kind.as_str(),
                "proposals": instance.proposals.len(),
                "judges": instance.judges.len(),
                "conflicts": instance.conflicts.len(),
                "existing": instance.existing.len(),
                "fixed": instance.fixed.len(),
            })),
        )
        .await?;
        tx.commit().await?;
        Ok((id, instance))
    }

    async fn run_solver(&self, id: Id, instance: Instance) -> Result<(), AppError> {
        jury::run_progress(self.db.pool(), id, "running", 10).await?;
        let answer = tokio::task::spawn_blocking(move || solve(&instance))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let now = self.now();
        match answer {
            Ok(solution) => {
                let report = serde_json::to_string(&solution)
                    .map_err(|e| AppError::Internal(e.to_string()))?;
                let status = match solution.status {
                    kolabik_domain::assignment::Status::Optimal => "optimal",
                    kolabik_domain::assignment::Status::Infeasible => "infeasible",
                };
                jury::finish_run(
                    self.db.pool(),
                    id,
                    "done",
                    Some(status),
                    Some(solution.objective),
                    Some(&report),
                    None,
                    now,
                )
                .await?;
            }
            Err(e) => {
                jury::finish_run(
                    self.db.pool(),
                    id,
                    "failed",
                    None,
                    None,
                    None,
                    Some(&e.to_string()),
                    now,
                )
                .await?;
            }
        }
        Ok(())
    }

    /// The latest run of a stage, if any, with its report.
    pub async fn latest_assignment_run(
        &self,
        code: &str,
    ) -> Result<Option<(Run, Option<Solution>)>, AppError> {
        let (_, stage) = self.judged_stage(code).await?;
        let Some(run) = jury::latest_run(self.db.pool(), stage.id).await? else {
            return Ok(None);
        };
        let solution = run
            .report_json
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok());
        Ok(Some((run, solution)))
    }

    /// Applies a finished run: assignments the solution drops are deleted, new ones
    /// inserted with their affinity; pairs that became conflicted since the run are left
    /// out. Logged with the counts.
    pub async fn apply_assignment_run(
        &self,
        code: &str,
        run_id: Id,
        actor: &Actor,
    ) -> Result<Applied, AppError> {
        let board = self.assignment_board(code, None).await?;
        Self::refuse_frozen(board.frozen)?;
        let run = jury::run(self.db.pool(), run_id)
            .await?
            .filter(|r| r.stage_id == board.stage.id)
            .ok_or(AppError::NotFound)?;
        let solution: Solution = match (&run.state[..], run.report_json.as_deref()) {
            ("done", Some(j)) => {
                serde_json::from_str(j).map_err(|e| AppError::Internal(e.to_string()))?
            }
            _ => return Err(invalid("run_id", "jury.error.run_not_done")),
        };
        let pool: HashMap<Id, PoolJudge> = jury::pool(&self.db)
            .await?
            .into_iter()
            .map(|j| (j.judge_id, j))
            .collect();
        let parse = |p: &Pair| Some((p.judge.parse::<Id>().ok()?, p.proposal.parse::<Id>().ok()?));
        let target: HashSet<(Id, Id)> = solution
            .assignments
            .iter()
            .filter_map(parse)
            .filter(|pair| !board.conflicts.contains(pair))
            .collect();
        let proposals: HashMap<Id, &StageProposal> =
            board.proposals.iter().map(|p| (p.id, p)).collect();
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let mut applied = Applied {
            added: 0,
            removed: 0,
            kept: 0,
        };
        let mut current = HashSet::new();
        for a in &board.assignments {
            if target.contains(&(a.judge_id, a.proposal_id)) {
                applied.kept += 1;
                current.insert((a.judge_id, a.proposal_id));
            } else {
                assignments::delete(&mut *tx, a.id).await?;
                applied.removed += 1;
            }
        }
        let mut new: Vec<&(Id, Id)> = target.difference(&current).collect();
        new.sort();
        for (j, p) in new {
            let Some(prop) = proposals.get(p) else {
                continue;
            };
            let expertise = pool.get(j).map(|x| x.expertise.clone()).unwrap_or_default();
            let score = rules::affinity(
                &expertise,
                prop.category_name.as_deref(),
                &prop.title,
                &prop.summary,
            );
            assignments::insert(&mut *tx, board.stage.id, *j, *p, false, score, now.millis())
                .await?;
            applied.added += 1;
        }
        record(
            &mut tx,
            actor,
            now,
            "assignments.applied",
            "assignment_run",
            Some(run_id.to_string()),
            None,
            Some(json!({
                "stage": board.stage.kind.as_str(),
                "added": applied.added,
                "removed": applied.removed,
                "kept": applied.kept,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(applied)
    }

    /// Adds a judge to a proposal by hand (manual = 1: every later run keeps it). Refused
    /// when the pair is conflicted, the judge is not active, or the stage is frozen.
    pub async fn add_assignment(
        &self,
        code: &str,
        judge_id: Id,
        proposal_id: Id,
        actor: &Actor,
    ) -> Result<Id, AppError> {
        let board = self.assignment_board(code, actor.user_id).await?;
        Self::refuse_frozen(board.frozen)?;
        if !board.judges.iter().any(|j| j.judge_id == judge_id) {
            return Err(invalid("judge_id", "jury.error.not_active"));
        }
        let Some(p) = board.proposals.iter().find(|p| p.id == proposal_id) else {
            return Err(invalid("proposal_id", "jury.error.not_in_stage"));
        };
        if conflicts::is_active(self.db.pool(), judge_id, proposal_id).await? {
            return Err(invalid("judge_id", "jury.error.conflicted"));
        }
        if board
            .assignments
            .iter()
            .any(|a| a.judge_id == judge_id && a.proposal_id == proposal_id)
        {
            return Err(invalid("judge_id", "jury.error.already_assigned"));
        }
        let expertise = self.pool_judge(judge_id).await?.expertise;
        let score = rules::affinity(&expertise, p.category_name.as_deref(), &p.title, &p.summary);
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let id = assignments::insert(
            &mut *tx,
            board.stage.id,
            judge_id,
            proposal_id,
            true,
            score,
            now.millis(),
        )
        .await
        .map_err(|e| match e {
            kolabik_store::StoreError::Duplicate(_) => {
                invalid("judge_id", "jury.error.already_assigned")
            }
            other => other.into(),
        })?;
        record(
            &mut tx,
            actor,
            now,
            "assignment.added",
            "assignment",
            Some(id.to_string()),
            None,
            Some(json!({"stage": code, "judge_id": judge_id, "proposal_id": proposal_id, "manual": true})),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Removes one assignment of the stage (and its score sheet). Refused once frozen.
    pub async fn remove_assignment(
        &self,
        code: &str,
        assignment_id: Id,
        actor: &Actor,
    ) -> Result<(), AppError> {
        let board = self.assignment_board(code, actor.user_id).await?;
        Self::refuse_frozen(board.frozen)?;
        let a = board
            .assignments
            .iter()
            .find(|a| a.id == assignment_id)
            .ok_or(AppError::NotFound)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        assignments::delete(&mut *tx, a.id).await?;
        record(
            &mut tx,
            actor,
            now,
            "assignment.removed",
            "assignment",
            Some(a.id.to_string()),
            Some(json!({"stage": code, "judge_id": a.judge_id, "proposal_id": a.proposal_id, "manual": a.manual})),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A judge's own assignments in a stage: none before the declaration, and never one
    /// with an active conflict (`assignments::visible_to_judge`). A judged stage the
    /// current edition does not have (yet) simply lists nothing.
    pub async fn my_assignments(&self, user_id: Id, code: &str) -> Result<MyAssignments, AppError> {
        let kind = StageKind::parse(code)
            .filter(|k| StageKind::JUDGED.contains(k))
            .ok_or(AppError::NotFound)?;
        let edition = self.ensure_current_edition().await?;
        let stage = editions::stages(self.db.pool(), edition.id)
            .await?
            .into_iter()
            .find(|s| s.kind == kind);
        let (judge, declared) = match self.judge_gate(user_id).await? {
            JudgeGate::NotAJudge => return Err(AppError::Forbidden),
            JudgeGate::MustDeclare { judge, .. } => (judge, false),
            JudgeGate::Ready { judge, .. } => (judge, true),
        };
        let (rules, frozen) = match &stage {
            Some(s) => self.rules_of(s.id).await?,
            None => (DEFAULT_RULES, false),
        };
        let mut items = Vec::new();
        if let (true, Some(stage)) = (declared, &stage) {
            let mine = assignments::visible_to_judge(self.db.pool(), stage.id, judge.id).await?;
            let all: HashMap<Id, StageProposal> = jury::judgeable(self.db.pool(), edition.id)
                .await?
                .into_iter()
                .chain(jury::stage_entries(self.db.pool(), stage.id).await?)
                .map(|p| (p.id, p))
                .collect();
            for a in mine {
                if let Some(p) = all.get(&a.proposal_id) {
                    items.push((a, p.clone()));
                }
            }
        }
        Ok(MyAssignments {
            kind,
            rules,
            frozen,
            declared,
            items,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_trim_fold_and_dedupe() {
        assert_eq!(
            lines(" Kesehatan \n\nkesehatan\n  data   digital\n"),
            vec!["Kesehatan".to_string(), "data digital".into()]
        );
    }
}
