//! Field verification (stage `verifikasi_lapangan`): the edition's checklist (Indonesian
//! defaults while the committee has written none), one visit per proposal of the stage —
//! announced or not —, the visit form for the proposal's assigned judges and the committee
//! (findings per item, notes, photos), and completion.
//!
//! An unannounced visit stays invisible to the unit until it is completed. A judge with
//! an active conflict on the proposal cannot open the visit (`NotFound`). Nothing changes
//! once the stage is frozen.

use std::collections::HashMap;

use kolabik_domain::field::{self as fd, Answer, DEFAULT_CHECKLIST, Finding};
use kolabik_domain::files::{FileKind, clean_filename, sniff};
use kolabik_domain::{
    Edition, Id, Instant, LocalDateTime, Role, RoleGrant, Stage, StageKind, TimeZone,
};
use kolabik_store::announcements::{self, FileMeta};
use kolabik_store::field::{self as fs, ChecklistItem, Photo, Visit};
use kolabik_store::presentation::{self as ps, Entry};
use kolabik_store::{assignments, judges};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::presentation::operator_units;
use crate::{Actor, App, AppError, FieldError, record};

/// Largest photo accepted, in bytes (phones' JPEGs fit easily).
pub const MAX_PHOTO_BYTES: usize = 8 * 1024 * 1024;
/// At most this many photos per visit.
pub const MAX_PHOTOS: i64 = 30;

/// Catalogue keys raised here.
pub const KEYS: &[&str] = &[
    "field.error_checklist",
    "field.error_finding",
    "field.error_incomplete",
    "field.error_locked",
    "field.error_when",
    "field.error_not_entry",
    "field.photo_empty",
    "field.photo_type",
    "field.photo_too_large",
    "field.photo_too_many",
    "field.frozen",
    "field.error_not_completed",
    "field.error_reason",
];

#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldRow {
    pub entry: Entry,
    pub visit: Option<Visit>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldBoard {
    pub stage: Stage,
    pub time_zone: TimeZone,
    pub frozen: bool,
    pub checklist: Vec<ChecklistItem>,
    /// The edition has no checklist of its own: these are the defaults.
    pub checklist_is_default: bool,
    pub rows: Vec<FieldRow>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct VisitDetail {
    pub visit: Visit,
    pub time_zone: TimeZone,
    pub answers: Vec<Answer>,
    pub photos: Vec<Photo>,
    pub frozen: bool,
    /// Neither completed nor frozen.
    pub editable: bool,
}

/// What the visit form or API sent: one (item id, finding code, note) per item.
#[derive(Debug, Clone, Default)]
pub struct VisitInput {
    pub answers: Vec<(Id, String, String)>,
    /// `None` keeps the notes as they are.
    pub notes: Option<String>,
}

/// The checklist in force: the edition's, or the defaults with ids -1, -2, … .
fn effective(items: Vec<ChecklistItem>) -> (Vec<ChecklistItem>, bool) {
    if !items.is_empty() {
        return (items, false);
    }
    let defaults = DEFAULT_CHECKLIST
        .iter()
        .enumerate()
        .map(|(i, l)| ChecklistItem {
            id: -(i as i64 + 1),
            position: i as i64 + 1,
            label: (*l).to_owned(),
        })
        .collect();
    (defaults, true)
}

fn stored_answers(json: &str) -> Vec<Answer> {
    serde_json::from_str(json).unwrap_or_default()
}

impl App {
    async fn field_stage(&self) -> Result<(Edition, Stage), AppError> {
        self.current_stage_of_kind(StageKind::VerifikasiLapangan)
            .await
    }

    /// The checklist in force for the current edition and whether it is the default one.
    pub async fn field_checklist(&self) -> Result<(Vec<ChecklistItem>, bool), AppError> {
        let edition = self.ensure_current_edition().await?;
        Ok(effective(fs::checklist(self.db.pool(), edition.id).await?))
    }

    /// Replaces the edition's checklist: one item per non-empty line.
    pub async fn set_field_checklist(&self, text: &str, actor: &Actor) -> Result<(), AppError> {
        let labels = fd::parse_checklist(text).map_err(|key| AppError::invalid("items", key))?;
        let edition = self.ensure_current_edition().await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before: Vec<String> = fs::checklist(&mut *tx, edition.id)
            .await?
            .into_iter()
            .map(|i| i.label)
            .collect();
        fs::replace_checklist(&mut tx, edition.id, &labels).await?;
        record(
            &mut tx,
            actor,
            now,
            "field.checklist_changed",
            "edition",
            Some(edition.id.to_string()),
            Some(json!({"items": before})),
            Some(json!({"items": labels})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The committee's list: every proposal of the stage with its visit, if scheduled.
    pub async fn field_board(&self, actor: &Actor) -> Result<FieldBoard, AppError> {
        let (edition, stage) = self.field_stage().await?;
        let pool = self.db.pool();
        let recused = match actor.user_id {
            Some(u) => ps::recused_proposals(pool, u).await?,
            None => Vec::new(),
        };
        let mut visits: HashMap<Id, Visit> = fs::visits(pool, stage.id)
            .await?
            .into_iter()
            .map(|v| (v.proposal_id, v))
            .collect();
        let rows = ps::entries(pool, stage.id)
            .await?
            .into_iter()
            .filter(|e| !recused.contains(&e.proposal_id))
            .map(|e| FieldRow {
                visit: visits.remove(&e.proposal_id),
                entry: e,
            })
            .collect();
        let (checklist, checklist_is_default) = effective(fs::checklist(pool, edition.id).await?);
        Ok(FieldBoard {
            frozen: ps::frozen_at(pool, stage.id).await?.is_some(),
            stage,
            time_zone: edition.time_zone,
            checklist,
            checklist_is_default,
            rows,
        })
    }

    /// Schedules (or reschedules) the visit of a proposal of the stage. `when` is the
    /// edition's wall clock (`YYYY-MM-DDTHH:MM`) or empty for "not fixed yet".
    pub async fn schedule_field_visit(
        &self,
        proposal_id: Id,
        when: &str,
        announced: bool,
        actor: &Actor,
    ) -> Result<Id, AppError> {
        let (edition, stage) = self.field_stage().await?;
        let pool = self.db.pool();
        if let Some(u) = actor.user_id
            && ps::recused_proposals(pool, u).await?.contains(&proposal_id)
        {
            return Err(AppError::NotFound);
        }
        if !ps::entries(pool, stage.id)
            .await?
            .iter()
            .any(|e| e.proposal_id == proposal_id)
        {
            return Err(AppError::invalid("proposal_id", "field.error_not_entry"));
        }
        if ps::frozen_at(pool, stage.id).await?.is_some() {
            return Err(AppError::invalid("scheduled_at", "field.error_locked"));
        }
        let scheduled_at = match when.trim() {
            "" => None,
            s => Some(
                LocalDateTime::parse(s)
                    .map(|l| edition.time_zone.to_instant(l))
                    .ok_or_else(|| AppError::invalid("scheduled_at", "field.error_when"))?,
            ),
        };
        let before = fs::visit_of(pool, stage.id, proposal_id).await?;
        if before.as_ref().is_some_and(|v| v.completed_at.is_some()) {
            return Err(AppError::invalid("scheduled_at", "field.error_locked"));
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let id = fs::schedule(&mut tx, stage.id, proposal_id, scheduled_at, announced, now).await?;
        record(
            &mut tx,
            actor,
            now,
            "field.visit_scheduled",
            "field_visit",
            Some(id.to_string()),
            before.map(|v| json!({"scheduled_at": v.scheduled_at, "announced": v.announced})),
            Some(
                json!({"proposal_id": proposal_id, "scheduled_at": scheduled_at,
                "announced": announced}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The visit if the caller may open it: the committee (unless recused), or a judge
    /// assigned to the proposal in this stage, declared and without an active conflict.
    async fn visit_for(
        &self,
        visit_id: Id,
        actor: &Actor,
        grants: &[RoleGrant],
    ) -> Result<(Edition, Stage, Visit), AppError> {
        let (edition, stage) = self.field_stage().await?;
        let pool = self.db.pool();
        let visit = fs::visit(pool, visit_id)
            .await?
            .filter(|v| v.stage_id == stage.id)
            .ok_or(AppError::NotFound)?;
        let Some(user_id) = actor.user_id else {
            return Err(AppError::NotFound);
        };
        let committee = grants
            .iter()
            .any(|g| g.role == Role::Committee && g.edition_id == edition.id);
        if committee
            && !ps::recused_proposals(pool, user_id)
                .await?
                .contains(&visit.proposal_id)
        {
            return Ok((edition, stage, visit));
        }
        let judge_role = grants
            .iter()
            .any(|g| g.role == Role::Judge && g.edition_id == edition.id);
        if judge_role
            && let Some(judge) = judges::by_user(pool, user_id).await?
            && ps::judge_declared(pool, edition.id, judge.id).await?
            && assignments::visible_pair(pool, stage.id, judge.id, visit.proposal_id)
                .await?
                .is_some()
        {
            return Ok((edition, stage, visit));
        }
        Err(AppError::NotFound)
    }

    /// One visit with its checklist answers (the checklist in force while open, the
    /// recorded one once completed) and photos.
    pub async fn field_visit(
        &self,
        visit_id: Id,
        actor: &Actor,
        grants: &[RoleGrant],
    ) -> Result<VisitDetail, AppError> {
        let (edition, stage, visit) = self.visit_for(visit_id, actor, grants).await?;
        let pool = self.db.pool();
        let frozen = ps::frozen_at(pool, stage.id).await?.is_some();
        let stored = stored_answers(&visit.checklist_json);
        let answers = if visit.completed_at.is_some() {
            stored
        } else {
            let (items, _) = effective(fs::checklist(pool, edition.id).await?);
            items
                .into_iter()
                .map(|i| {
                    // By id, or by label when the checklist was rewritten meanwhile.
                    let old = stored
                        .iter()
                        .find(|a| a.item_id == i.id)
                        .or_else(|| stored.iter().find(|a| a.label == i.label));
                    Answer {
                        item_id: i.id,
                        label: i.label,
                        finding: old.and_then(|a| a.finding),
                        note: old.map(|a| a.note.clone()).unwrap_or_default(),
                    }
                })
                .collect()
        };
        let photos = fs::photos(pool, visit.id).await?;
        Ok(VisitDetail {
            editable: !frozen && visit.completed_at.is_none(),
            frozen,
            time_zone: edition.time_zone,
            answers,
            photos,
            visit,
        })
    }

    /// Saves the answers and notes (a draft); with `complete`, every item must have a
    /// finding and the visit is marked completed by the caller.
    pub async fn save_field_visit(
        &self,
        visit_id: Id,
        input: &VisitInput,
        complete: bool,
        actor: &Actor,
        grants: &[RoleGrant],
    ) -> Result<(), AppError> {
        let d = self.field_visit(visit_id, actor, grants).await?;
        if !d.editable {
            return Err(AppError::invalid("notes", "field.error_locked"));
        }
        let mut answers = d.answers;
        for a in &mut answers {
            let Some((_, code, note)) = input.answers.iter().find(|(id, _, _)| *id == a.item_id)
            else {
                continue;
            };
            a.finding = match code.trim() {
                "" => None,
                c => Some(Finding::parse(c).ok_or(AppError::Invalid(vec![FieldError {
                    field: "answers",
                    key: "field.error_finding",
                }]))?),
            };
            a.note = fd::clip(note);
        }
        if complete && answers.iter().any(|a| a.finding.is_none()) {
            return Err(AppError::invalid("answers", "field.error_incomplete"));
        }
        let notes = match &input.notes {
            Some(n) => fd::clip(n),
            None => d.visit.notes.clone(),
        };
        let json_text =
            serde_json::to_string(&answers).map_err(|e| AppError::Internal(e.to_string()))?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        fs::save(&mut tx, visit_id, &json_text, &notes, now).await?;
        record(
            &mut tx,
            actor,
            now,
            "field.visit_saved",
            "field_visit",
            Some(visit_id.to_string()),
            Some(json!({"checklist": stored_answers(&d.visit.checklist_json),
                "notes": d.visit.notes})),
            Some(json!({"checklist": answers, "notes": notes})),
        )
        .await?;
        if complete {
            fs::complete(&mut tx, visit_id, actor.user_id, now).await?;
            record(
                &mut tx,
                actor,
                now,
                "field.visit_completed",
                "field_visit",
                Some(visit_id.to_string()),
                None,
                Some(
                    json!({"proposal_id": d.visit.proposal_id, "visited_by": actor.user_id,
                    "completed_at": now}),
                ),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The committee opens a completed visit again to correct its findings, with a reason
    /// (logged with what was completed, when and by whom). Refused once the stage is frozen.
    /// The recorded answers stay; an unannounced visit is hidden from the unit again until
    /// it is completed again.
    pub async fn reopen_field_visit(
        &self,
        visit_id: Id,
        reason: &str,
        actor: &Actor,
        grants: &[RoleGrant],
    ) -> Result<(), AppError> {
        let (edition, stage, visit) = self.visit_for(visit_id, actor, grants).await?;
        if !grants
            .iter()
            .any(|g| g.role == Role::Committee && g.edition_id == edition.id)
        {
            return Err(AppError::Forbidden);
        }
        let pool = self.db.pool();
        if ps::frozen_at(pool, stage.id).await?.is_some() {
            return Err(AppError::invalid("reason", "field.frozen"));
        }
        let Some(completed_at) = visit.completed_at else {
            return Err(AppError::invalid("reason", "field.error_not_completed"));
        };
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::invalid("reason", "field.error_reason"));
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        fs::reopen(&mut tx, visit_id, now).await?;
        record(
            &mut tx,
            actor,
            now,
            "field.visit_reopened",
            "field_visit",
            Some(visit_id.to_string()),
            Some(json!({"completed_at": completed_at, "visited_by": visit.visited_by})),
            Some(json!({"reason": fd::clip(reason)})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a photo (JPEG or PNG by content, at most `MAX_PHOTO_BYTES`) to an open visit.
    pub async fn add_field_photo(
        &self,
        visit_id: Id,
        filename: &str,
        caption: &str,
        bytes: &[u8],
        actor: &Actor,
        grants: &[RoleGrant],
    ) -> Result<Id, AppError> {
        let d = self.field_visit(visit_id, actor, grants).await?;
        if !d.editable {
            return Err(AppError::invalid("photo", "field.error_locked"));
        }
        if bytes.is_empty() {
            return Err(AppError::invalid("photo", "field.photo_empty"));
        }
        if bytes.len() > MAX_PHOTO_BYTES {
            return Err(AppError::invalid("photo", "field.photo_too_large"));
        }
        let kind = match sniff(bytes) {
            Some(k @ (FileKind::Png | FileKind::Jpeg)) => k,
            _ => return Err(AppError::invalid("photo", "field.photo_type")),
        };
        let name = clean_filename(filename, kind);
        let caption: String = fd::clip(caption).chars().take(300).collect();
        let sha: String = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if fs::photo_count(&mut *tx, visit_id).await? >= MAX_PHOTOS {
            return Err(AppError::invalid("photo", "field.photo_too_many"));
        }
        let file_id = announcements::insert_file(
            &mut *tx,
            announcements::NewFile {
                sha256: &sha,
                filename: &name,
                content_type: kind.content_type(),
                content: bytes,
                uploaded_by: actor.user_id,
                now,
            },
        )
        .await?;
        fs::add_photo(&mut tx, visit_id, file_id, &caption, now).await?;
        record(
            &mut tx,
            actor,
            now,
            "field.photo_added",
            "field_visit",
            Some(visit_id.to_string()),
            None,
            Some(
                json!({"file_id": file_id, "filename": name, "caption": caption,
                "content_type": kind.content_type(), "size": bytes.len(), "sha256": sha}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(file_id)
    }

    /// A photo's bytes, for whoever may open the visit.
    pub async fn field_photo(
        &self,
        visit_id: Id,
        file_id: Id,
        actor: &Actor,
        grants: &[RoleGrant],
    ) -> Result<(FileMeta, Vec<u8>), AppError> {
        self.visit_for(visit_id, actor, grants).await?;
        fs::photo_content(self.db.pool(), visit_id, file_id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// The visit of a proposal as its unit's operator may see it: announced ones, and
    /// unannounced ones only once completed. `None` otherwise.
    pub async fn unit_field_visit(
        &self,
        proposal_id: Id,
        grants: &[RoleGrant],
    ) -> Result<Option<(Visit, TimeZone)>, AppError> {
        let (edition, stage) = self.field_stage().await?;
        let Some(v) = fs::visit_of(self.db.pool(), stage.id, proposal_id).await? else {
            return Ok(None);
        };
        if !operator_units(grants).contains(&v.unit_id) {
            return Ok(None);
        }
        Ok((v.announced || v.completed_at.is_some()).then_some((v, edition.time_zone)))
    }

    /// The visits a judge may open (assigned, declared, no active conflict).
    pub async fn judge_field_visits(&self, user_id: Id) -> Result<Vec<Visit>, AppError> {
        let (edition, stage) = match self.field_stage().await {
            Ok(v) => v,
            Err(AppError::NotFound) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let pool = self.db.pool();
        let Some(judge) = judges::by_user(pool, user_id).await? else {
            return Ok(Vec::new());
        };
        if !ps::judge_declared(pool, edition.id, judge.id).await? {
            return Ok(Vec::new());
        }
        Ok(fs::visits_of_judge(pool, stage.id, judge.id).await?)
    }
}

/// When a visit counts as done, for lists.
pub fn is_done(v: &Visit) -> bool {
    v.completed_at.is_some()
}

/// The instant a typed local time stands for, for forms that show it back.
pub fn local_input(tz: TimeZone, at: Option<Instant>) -> String {
    at.map(|t| tz.to_local(t).to_string()).unwrap_or_default()
}
