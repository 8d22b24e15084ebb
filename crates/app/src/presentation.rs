//! The presentation & interview schedule (stage `presentasi_wawancara`): per-stage slot
//! shape and defaults, generating one slot per proposal of the stage, editing a slot,
//! publishing, and the panel checks (a conflicted panel member, a judge in two
//! overlapping slots). What units and judges may see of it, for their calendars.
//!
//! Nothing changes once the stage is frozen (`stage_judging.frozen_at`).

use std::collections::{HashMap, HashSet};

use kolabik_domain::schedule::{self, Booking, Candidate, Plan, SlotShape};
use kolabik_domain::{
    Edition, Id, Instant, LocalDateTime, Role, RoleGrant, Stage, StageKind, TimeZone,
};
use kolabik_store::presentation::{self as ps, Entry, NewSlot, Settings, Slot};
use kolabik_store::{assignments, editions, judges};
use serde_json::json;

use crate::{Actor, App, AppError, FieldError, record};

/// Catalogue keys raised here.
pub const KEYS: &[&str] = &[
    "presentation.error_talk",
    "presentation.error_video",
    "presentation.error_too_long",
    "presentation.error_break",
    "presentation.error_day_end",
    "presentation.error_start",
    "presentation.error_minutes",
    "presentation.error_url",
    "presentation.error_room",
    "presentation.error_frozen",
    "presentation.error_no_entries",
];

/// What the generate form (or API body) sent; numbers as typed.
#[derive(Debug, Clone, Default)]
pub struct GenerateInput {
    /// `YYYY-MM-DDTHH:MM`, edition zone.
    pub start: String,
    pub talk_minutes: String,
    pub video_minutes: String,
    pub qa_minutes: String,
    pub break_minutes: String,
    /// `HH:MM` or empty.
    pub day_end: String,
    pub meeting_url: String,
    pub room: String,
}

/// One slot's edit.
#[derive(Debug, Clone, Default)]
pub struct SlotInput {
    pub start: String,
    pub talk_minutes: String,
    pub video_minutes: String,
    pub qa_minutes: String,
    pub meeting_url: String,
    pub room: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PanelMember {
    pub judge_id: Id,
    pub name: String,
    /// An active conflict with the proposal: should not happen, shown as an error.
    pub conflicted: bool,
    /// Also on the panel of an overlapping slot.
    pub double_booked: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SlotView {
    pub slot: Slot,
    pub ends_at: Instant,
    pub panel: Vec<PanelMember>,
    /// Starts before the stage opens or ends after it closes.
    pub outside_stage: bool,
}

impl SlotView {
    pub fn has_problem(&self) -> bool {
        self.panel.iter().any(|m| m.conflicted || m.double_booked)
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Board {
    pub stage: Stage,
    pub time_zone: TimeZone,
    pub settings: Settings,
    pub frozen: bool,
    pub slots: Vec<SlotView>,
    /// Proposals of the stage without a slot.
    pub unscheduled: Vec<Entry>,
}

/// A unit's slot as its operator sees it once published.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UnitSlot {
    pub slot: Slot,
    pub ends_at: Instant,
    pub time_zone: TimeZone,
}

fn minutes(s: &str, field: &'static str) -> Result<u32, FieldError> {
    s.trim()
        .parse::<u32>()
        .ok()
        .filter(|m| *m <= 24 * 60)
        .ok_or(FieldError {
            field,
            key: "presentation.error_minutes",
        })
}

/// Empty, or an http(s) link without spaces, at most 500 characters.
pub(crate) fn check_url(url: &str) -> Result<String, FieldError> {
    let url = url.trim();
    let ok = url.is_empty()
        || ((url.starts_with("https://") || url.starts_with("http://"))
            && url.len() > 8
            && url.len() <= 500
            && !url
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '"'));
    if ok {
        Ok(url.to_owned())
    } else {
        Err(FieldError {
            field: "meeting_url",
            key: "presentation.error_url",
        })
    }
}

fn check_room(room: &str) -> Result<String, FieldError> {
    let room = room.trim();
    if room.chars().count() > 200 {
        return Err(FieldError {
            field: "room",
            key: "presentation.error_room",
        });
    }
    Ok(room.to_owned())
}

fn shape_from(
    talk: &str,
    video: &str,
    qa: &str,
    errors: &mut Vec<FieldError>,
) -> Option<SlotShape> {
    let talk = minutes(talk, "talk_minutes")
        .map_err(|e| errors.push(e))
        .ok();
    let video = minutes(video, "video_minutes")
        .map_err(|e| errors.push(e))
        .ok();
    let qa = minutes(qa, "qa_minutes").map_err(|e| errors.push(e)).ok();
    let shape = SlotShape {
        talk_minutes: talk?,
        video_minutes: video?,
        qa_minutes: qa?,
    };
    if let Err(key) = shape.check() {
        let field = if key == "presentation.error_video" {
            "video_minutes"
        } else {
            "talk_minutes"
        };
        errors.push(FieldError { field, key });
        return None;
    }
    Some(shape)
}

/// The operator's units among the grants.
pub(crate) fn operator_units(grants: &[RoleGrant]) -> Vec<Id> {
    grants
        .iter()
        .filter(|g| g.role == Role::UnitOperator)
        .filter_map(|g| g.unit_id)
        .collect()
}

/// What the generate form holds, checked: the first start (required to generate, optional
/// to save the defaults), shape, break, day end, default link and room.
type Parsed = (
    Option<LocalDateTime>,
    SlotShape,
    u32,
    Option<(u32, u32)>,
    String,
    String,
);

fn parse_generate(input: &GenerateInput, require_start: bool) -> Result<Parsed, AppError> {
    let mut errors = Vec::new();
    let start = match input.start.trim() {
        "" if !require_start => Some(None),
        s => match LocalDateTime::parse(s) {
            Some(l) => Some(Some(l)),
            None => {
                errors.push(FieldError {
                    field: "start",
                    key: "presentation.error_start",
                });
                None
            }
        },
    };
    let shape = shape_from(
        &input.talk_minutes,
        &input.video_minutes,
        &input.qa_minutes,
        &mut errors,
    );
    let break_minutes = minutes(&input.break_minutes, "break_minutes")
        .map_err(|e| errors.push(e))
        .ok();
    let day_end = match input.day_end.trim() {
        "" => Some(None),
        s => match schedule::parse_hour_minute(s) {
            Some(hm) => Some(Some(hm)),
            None => {
                errors.push(FieldError {
                    field: "day_end",
                    key: "presentation.error_day_end",
                });
                None
            }
        },
    };
    let url = check_url(&input.meeting_url)
        .map_err(|e| errors.push(e))
        .ok();
    let room = check_room(&input.room).map_err(|e| errors.push(e)).ok();
    match (start, shape, break_minutes, day_end, url, room) {
        (Some(start), Some(shape), Some(b), Some(day_end), Some(url), Some(room)) => {
            Ok((start, shape, b, day_end, url, room))
        }
        _ => Err(AppError::Invalid(errors)),
    }
}

fn settings_from(stage_id: Id, p: &Parsed, before: &Settings, now: Instant) -> Settings {
    let (start, shape, break_minutes, day_end, url, room) = p;
    Settings {
        stage_id,
        talk_minutes: i64::from(shape.talk_minutes),
        video_minutes: i64::from(shape.video_minutes),
        qa_minutes: i64::from(shape.qa_minutes),
        break_minutes: i64::from(*break_minutes),
        start_local: start.map(|s| s.to_string()).unwrap_or_default(),
        day_end: day_end
            .map(|(h, m)| format!("{h:02}:{m:02}"))
            .unwrap_or_default(),
        meeting_url: url.clone(),
        room: room.clone(),
        published_at: before.published_at,
        updated_at: now,
    }
}

impl App {
    /// The current edition and its stage of `kind`.
    pub(crate) async fn current_stage_of_kind(
        &self,
        kind: StageKind,
    ) -> Result<(Edition, Stage), AppError> {
        let edition = self.ensure_current_edition().await?;
        let stage = editions::stages(self.db.pool(), edition.id)
            .await?
            .into_iter()
            .find(|s| s.kind == kind)
            .ok_or(AppError::NotFound)?;
        Ok((edition, stage))
    }

    async fn ensure_not_frozen(&self, stage_id: Id) -> Result<(), AppError> {
        if ps::frozen_at(self.db.pool(), stage_id).await?.is_some() {
            return Err(AppError::invalid("stage", "presentation.error_frozen"));
        }
        Ok(())
    }

    /// The committee's schedule: every slot with its panel and flags, and the proposals of
    /// the stage still without a slot. A committee member's recused proposals are left out.
    pub async fn presentation_board(&self, actor: &Actor) -> Result<Board, AppError> {
        let (edition, stage) = self
            .current_stage_of_kind(StageKind::PresentasiWawancara)
            .await?;
        let pool = self.db.pool();
        let recused: HashSet<Id> = match actor.user_id {
            Some(u) => ps::recused_proposals(pool, u).await?.into_iter().collect(),
            None => HashSet::new(),
        };
        let settings = ps::settings(pool, stage.id).await?;
        let frozen = ps::frozen_at(pool, stage.id).await?.is_some();
        let all_slots = ps::slots(pool, stage.id).await?;
        let names: HashMap<Id, String> = ps::judge_names(pool).await?.into_iter().collect();
        let conflicts: HashSet<(Id, Id)> = ps::active_conflicts(pool, stage.id)
            .await?
            .into_iter()
            .collect();
        let mut panels: HashMap<Id, Vec<Id>> = HashMap::new();
        for a in assignments::for_stage(pool, stage.id).await? {
            panels.entry(a.proposal_id).or_default().push(a.judge_id);
        }
        let bookings: Vec<Booking> = all_slots
            .iter()
            .map(|s| Booking {
                slot_id: s.id,
                starts_at: s.starts_at,
                ends_at: s.ends_at(),
                judges: panels.get(&s.proposal_id).cloned().unwrap_or_default(),
            })
            .collect();
        let doubles: HashSet<(Id, Id)> = schedule::double_booked(&bookings).into_iter().collect();
        let scheduled: HashSet<Id> = all_slots.iter().map(|s| s.proposal_id).collect();
        let slots = all_slots
            .into_iter()
            .filter(|s| !recused.contains(&s.proposal_id))
            .map(|s| {
                let panel = panels
                    .get(&s.proposal_id)
                    .map(|js| {
                        js.iter()
                            .map(|j| PanelMember {
                                judge_id: *j,
                                name: names.get(j).cloned().unwrap_or_default(),
                                conflicted: conflicts.contains(&(*j, s.proposal_id)),
                                double_booked: doubles.contains(&(*j, s.id)),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                SlotView {
                    ends_at: s.ends_at(),
                    outside_stage: s.starts_at < stage.opens_at || s.ends_at() > stage.closes_at,
                    slot: s,
                    panel,
                }
            })
            .collect();
        let unscheduled = ps::entries(pool, stage.id)
            .await?
            .into_iter()
            .filter(|e| !scheduled.contains(&e.proposal_id) && !recused.contains(&e.proposal_id))
            .collect();
        Ok(Board {
            stage,
            time_zone: edition.time_zone,
            settings,
            frozen,
            slots,
            unscheduled,
        })
    }

    /// Saves the stage's slot shape and defaults and (re)generates every slot, in category
    /// then proposal order. Existing slots are replaced. Returns the number of slots.
    pub async fn generate_presentation_slots(
        &self,
        input: &GenerateInput,
        actor: &Actor,
    ) -> Result<usize, AppError> {
        let (edition, stage) = self
            .current_stage_of_kind(StageKind::PresentasiWawancara)
            .await?;
        self.ensure_not_frozen(stage.id).await?;
        let parsed = parse_generate(input, true)?;
        let (Some(start), shape, break_minutes, day_end, url, room) = parsed else {
            return Err(AppError::invalid("start", "presentation.error_start"));
        };
        let plan = Plan {
            time_zone: edition.time_zone,
            start,
            shape,
            break_minutes,
            day_end,
        };
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let entries = ps::entries(&mut *tx, stage.id).await?;
        if entries.is_empty() {
            return Err(AppError::invalid("start", "presentation.error_no_entries"));
        }
        let candidates: Vec<Candidate> = entries
            .iter()
            .map(|e| Candidate {
                proposal_id: e.proposal_id,
                category_position: e.category_position,
            })
            .collect();
        let planned = schedule::generate(&plan, &candidates).map_err(|key| {
            let field = match key {
                "presentation.error_day_end" => "day_end",
                "presentation.error_break" => "break_minutes",
                _ => "talk_minutes",
            };
            AppError::invalid(field, key)
        })?;
        let before = ps::settings(&mut *tx, stage.id).await?;
        let settings = Settings {
            stage_id: stage.id,
            talk_minutes: i64::from(shape.talk_minutes),
            video_minutes: i64::from(shape.video_minutes),
            qa_minutes: i64::from(shape.qa_minutes),
            break_minutes: i64::from(break_minutes),
            start_local: start.to_string(),
            day_end: day_end
                .map(|(h, m)| format!("{h:02}:{m:02}"))
                .unwrap_or_default(),
            meeting_url: url.clone(),
            room: room.clone(),
            published_at: before.published_at,
            updated_at: now,
        };
        ps::save_settings(&mut tx, &settings, actor.user_id).await?;
        let slots: Vec<NewSlot> = planned
            .iter()
            .map(|p| NewSlot {
                proposal_id: p.proposal_id,
                starts_at: p.starts_at,
                talk_minutes: settings.talk_minutes,
                video_minutes: settings.video_minutes,
                qa_minutes: settings.qa_minutes,
                meeting_url: &url,
                room: &room,
            })
            .collect();
        ps::replace_slots(&mut tx, stage.id, &slots, now).await?;
        record(
            &mut tx,
            actor,
            now,
            "presentation.generated",
            "stage",
            Some(stage.id.to_string()),
            Some(json!({"settings": before})),
            Some(json!({"settings": settings, "slots": planned})),
        )
        .await?;
        tx.commit().await?;
        Ok(planned.len())
    }

    /// Saves the stage's default shape, break, day end, meeting link and room without
    /// touching the slots (they apply to the next generation).
    pub async fn save_presentation_settings(
        &self,
        input: &GenerateInput,
        actor: &Actor,
    ) -> Result<(), AppError> {
        let (_, stage) = self
            .current_stage_of_kind(StageKind::PresentasiWawancara)
            .await?;
        self.ensure_not_frozen(stage.id).await?;
        let parsed = parse_generate(input, false)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = ps::settings(&mut *tx, stage.id).await?;
        let settings = settings_from(stage.id, &parsed, &before, now);
        ps::save_settings(&mut tx, &settings, actor.user_id).await?;
        record(
            &mut tx,
            actor,
            now,
            "presentation.settings_changed",
            "stage",
            Some(stage.id.to_string()),
            Some(json!(before)),
            Some(json!(settings)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes one slot's start, shape, meeting link and room.
    pub async fn update_presentation_slot(
        &self,
        id: Id,
        input: &SlotInput,
        actor: &Actor,
    ) -> Result<(), AppError> {
        let (edition, stage) = self
            .current_stage_of_kind(StageKind::PresentasiWawancara)
            .await?;
        let pool = self.db.pool();
        let before = ps::slot(pool, id)
            .await?
            .filter(|s| s.stage_id == stage.id)
            .ok_or(AppError::NotFound)?;
        if let Some(u) = actor.user_id
            && ps::recused_proposals(pool, u)
                .await?
                .contains(&before.proposal_id)
        {
            return Err(AppError::NotFound);
        }
        self.ensure_not_frozen(stage.id).await?;
        let mut errors = Vec::new();
        let start = LocalDateTime::parse(&input.start);
        if start.is_none() {
            errors.push(FieldError {
                field: "start",
                key: "presentation.error_start",
            });
        }
        let shape = shape_from(
            &input.talk_minutes,
            &input.video_minutes,
            &input.qa_minutes,
            &mut errors,
        );
        let url = check_url(&input.meeting_url)
            .map_err(|e| errors.push(e))
            .ok();
        let room = check_room(&input.room).map_err(|e| errors.push(e)).ok();
        let (Some(start), Some(shape), Some(url), Some(room)) = (start, shape, url, room) else {
            return Err(AppError::Invalid(errors));
        };
        let new = NewSlot {
            proposal_id: before.proposal_id,
            starts_at: edition.time_zone.to_instant(start),
            talk_minutes: i64::from(shape.talk_minutes),
            video_minutes: i64::from(shape.video_minutes),
            qa_minutes: i64::from(shape.qa_minutes),
            meeting_url: &url,
            room: &room,
        };
        let now = self.now();
        let mut tx = self.db.begin().await?;
        ps::update_slot(&mut tx, id, &new).await?;
        record(
            &mut tx,
            actor,
            now,
            "presentation.slot_changed",
            "presentation_slot",
            Some(id.to_string()),
            Some(
                json!({"starts_at": before.starts_at, "talk_minutes": before.talk_minutes,
                "video_minutes": before.video_minutes, "qa_minutes": before.qa_minutes,
                "meeting_url": before.meeting_url, "room": before.room}),
            ),
            Some(
                json!({"starts_at": new.starts_at, "talk_minutes": new.talk_minutes,
                "video_minutes": new.video_minutes, "qa_minutes": new.qa_minutes,
                "meeting_url": url, "room": room, "proposal_id": before.proposal_id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Publishes the schedule to units and judges, or takes it back.
    pub async fn publish_presentation_schedule(
        &self,
        publish: bool,
        actor: &Actor,
    ) -> Result<(), AppError> {
        let (_, stage) = self
            .current_stage_of_kind(StageKind::PresentasiWawancara)
            .await?;
        self.ensure_not_frozen(stage.id).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let mut settings = ps::settings(&mut *tx, stage.id).await?;
        let was = settings.published_at;
        settings.published_at = if publish {
            Some(was.unwrap_or(now))
        } else {
            None
        };
        settings.updated_at = now;
        ps::save_settings(&mut tx, &settings, actor.user_id).await?;
        record(
            &mut tx,
            actor,
            now,
            if publish {
                "presentation.published"
            } else {
                "presentation.unpublished"
            },
            "stage",
            Some(stage.id.to_string()),
            Some(json!({"published_at": was})),
            Some(json!({"published_at": settings.published_at})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The published slot of a proposal of the operator's units (or any, for the
    /// committee); `NotFound` when not published, not theirs, or without a slot.
    pub async fn unit_presentation_slot(
        &self,
        proposal_id: Id,
        grants: &[RoleGrant],
        actor: &Actor,
    ) -> Result<UnitSlot, AppError> {
        let (edition, stage) = self
            .current_stage_of_kind(StageKind::PresentasiWawancara)
            .await?;
        let pool = self.db.pool();
        let slot = ps::slot_of(pool, stage.id, proposal_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let committee = grants.iter().any(|g| g.role == Role::Committee);
        if committee {
            if let Some(u) = actor.user_id
                && ps::recused_proposals(pool, u).await?.contains(&proposal_id)
            {
                return Err(AppError::NotFound);
            }
        } else {
            if !operator_units(grants).contains(&slot.unit_id) {
                return Err(AppError::NotFound);
            }
            if ps::settings(pool, stage.id).await?.published_at.is_none() {
                return Err(AppError::NotFound);
            }
        }
        Ok(UnitSlot {
            ends_at: slot.ends_at(),
            slot,
            time_zone: edition.time_zone,
        })
    }

    /// A judge's published slots (never a proposal the judge is conflicted with; none
    /// before the declaration).
    pub async fn judge_presentation_slots(
        &self,
        user_id: Id,
    ) -> Result<(TimeZone, Vec<Slot>), AppError> {
        let (edition, stage) = match self
            .current_stage_of_kind(StageKind::PresentasiWawancara)
            .await
        {
            Ok(v) => v,
            // An edition without this stage: nothing to show.
            Err(AppError::NotFound) => {
                let tz = self.ensure_current_edition().await?.time_zone;
                return Ok((tz, Vec::new()));
            }
            Err(e) => return Err(e),
        };
        let pool = self.db.pool();
        let Some(judge) = judges::by_user(pool, user_id).await? else {
            return Ok((edition.time_zone, Vec::new()));
        };
        if !ps::judge_declared(pool, edition.id, judge.id).await?
            || ps::settings(pool, stage.id).await?.published_at.is_none()
        {
            return Ok((edition.time_zone, Vec::new()));
        }
        Ok((
            edition.time_zone,
            ps::slots_of_judge(pool, stage.id, judge.id).await?,
        ))
    }
}
