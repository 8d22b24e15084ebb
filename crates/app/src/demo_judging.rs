//! The completed 2022 judging of the demo edition: judges' declarations and conflicts, a
//! committee recusal, the three judged stages' settings, entries, solver runs, submitted
//! score sheets, the presentation schedule, field visits, frozen results, the final
//! ranking, its publication and released feedback. Replayed through the features' own `App` methods with
//! the clock stopped at the historical instants (`App::at`), so every row is what the
//! features would have written in November–December 2022. The plan (scores, comments,
//! conflicts) lives in `demo/penjurian-2022.toml`.

use std::collections::HashMap;

use kolabik_domain::field::Finding;
use kolabik_domain::scoring::{Sheet, SheetEntry};
use kolabik_domain::{Email, Id, Instant, LocalDateTime, Role, RoleGrant, StageKind, TimeZone};
use kolabik_store::{assignments, editions, field as fs, jury, presentation as ps, users};
use serde::Deserialize;

use crate::field::VisitInput;
use crate::presentation::GenerateInput;
use crate::results::FreezeInput;
use crate::scoring::SettingsInput;
use crate::{Actor, App, AppError};

const PLAN_TOML: &str = include_str!("../demo/penjurian-2022.toml");

#[derive(Deserialize)]
struct Plan {
    lenient_judge: String,
    disputed: String,
    plan: Vec<PlanRow>,
    declarations: Vec<Declaration>,
    pinned: Pinned,
    recusal: Recusal,
    presentation: Presentation,
    field_findings: Vec<FieldFinding>,
    comments: HashMap<String, Bands>,
    overall: Bands,
}

#[derive(Deserialize)]
struct PlanRow {
    title: String,
    desk: u32,
    presentation: Option<u32>,
    field: Option<u32>,
}

#[derive(Deserialize)]
struct Declaration {
    judge: String,
    #[serde(default)]
    units: Vec<String>,
    note: String,
}

#[derive(Deserialize)]
struct Pinned {
    judge: String,
    proposal: String,
    reason: String,
}

#[derive(Deserialize)]
struct Recusal {
    committee: String,
    deputy: String,
    proposal: String,
    reason: String,
}

#[derive(Deserialize)]
struct Presentation {
    start: String,
    day_end: String,
    meeting_url: String,
    room: String,
}

#[derive(Deserialize)]
struct FieldFinding {
    proposal: String,
    item: usize,
    note: String,
}

#[derive(Deserialize)]
struct Bands {
    high: Vec<String>,
    mid: Vec<String>,
    low: Vec<String>,
}

impl Bands {
    fn pick(&self, score: u8, seed: u64) -> &str {
        let list = match score {
            8.. => &self.high,
            6..=7 => &self.mid,
            _ => &self.low,
        };
        list.get((seed % list.len().max(1) as u64) as usize)
            .map(String::as_str)
            .unwrap_or("")
    }
}

fn bad(what: &str) -> AppError {
    AppError::Internal(format!("demo judging: {what}"))
}

/// A small deterministic mix of three numbers (FNV-1a).
fn mix(a: i64, b: i64, c: i64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in [a, b, c] {
        for byte in v.to_le_bytes() {
            h ^= u64::from(byte);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn actor(user_id: Id) -> Actor {
    Actor {
        user_id: Some(user_id),
        ip: None,
    }
}

struct Ctx {
    tz: TimeZone,
    plan: Plan,
    /// proposal id → (short name, plan row index)
    proposals: HashMap<Id, (String, usize)>,
    by_name: HashMap<String, Id>,
    /// judge id → (user id, email)
    judges: HashMap<Id, (Id, String)>,
    judge_by_email: HashMap<String, (Id, Id)>,
}

impl Ctx {
    fn at(&self, local: &str) -> Result<Instant, AppError> {
        LocalDateTime::parse(local)
            .map(|l| self.tz.to_instant(l))
            .ok_or_else(|| bad(local))
    }

    fn proposal(&self, short: &str) -> Result<Id, AppError> {
        self.by_name.get(short).copied().ok_or_else(|| bad(short))
    }

    /// The planned base (0–100) of a proposal in a stage.
    fn base(&self, proposal: Id, kind: StageKind) -> u32 {
        let Some((_, i)) = self.proposals.get(&proposal) else {
            return 60;
        };
        let row = &self.plan.plan[*i];
        match kind {
            StageKind::PresentasiWawancara => row.presentation.unwrap_or(row.desk),
            StageKind::VerifikasiLapangan => row.field.unwrap_or(row.desk),
            _ => row.desk,
        }
    }

    /// One judge's sheet for one proposal: the base, the judge's leaning, a small fixed
    /// variation per criterion; comments by criterion and score band.
    fn sheet(
        &self,
        rubric: &kolabik_domain::rubric::Rubric,
        kind: StageKind,
        judge_id: Id,
        proposal: Id,
        dissent: bool,
    ) -> Sheet {
        let email = self
            .judges
            .get(&judge_id)
            .map(|j| j.1.as_str())
            .unwrap_or("");
        let lean = if email == self.plan.lenient_judge {
            1.0
        } else {
            0.0
        } + if dissent { 2.5 } else { 0.0 };
        let base = f64::from(self.base(proposal, kind)) / 10.0;
        let mut entries = Vec::new();
        let mut sum = 0u32;
        for (i, c) in rubric.criteria.iter().enumerate() {
            let seed = mix(judge_id, proposal, i as i64);
            let jitter = [-1.0, 0.0, 0.0, 0.5, 1.0][(seed % 5) as usize];
            let raw = (base + lean + jitter).round();
            let score = raw.clamp(f64::from(c.scale_min), f64::from(c.scale_max)) as u8;
            sum += u32::from(score);
            let bands = self
                .plan
                .comments
                .get(&c.code)
                .or_else(|| self.plan.comments.get("default"));
            entries.push(SheetEntry {
                criterion: c.code.clone(),
                score: Some(score),
                comment: bands
                    .map(|b| b.pick(score, seed >> 8).to_owned())
                    .unwrap_or_default(),
            });
        }
        let mean = (sum / rubric.criteria.len().max(1) as u32) as u8;
        let short = self
            .proposals
            .get(&proposal)
            .map(|p| p.0.as_str())
            .unwrap_or("");
        Sheet {
            entries,
            overall_comment: format!(
                "{short}: {}",
                self.plan.overall.pick(mean, mix(proposal, judge_id, 99))
            ),
        }
    }
}

impl App {
    /// Replays the 2022 judging on the freshly loaded demo edition.
    pub(crate) async fn load_demo_judging(&self) -> Result<(), AppError> {
        let plan: Plan = toml::from_str(PLAN_TOML).map_err(|e| bad(&e.to_string()))?;
        let pool = self.db.pool();
        let edition = editions::current(pool)
            .await?
            .ok_or_else(|| bad("edition"))?;
        let mut proposals = HashMap::new();
        let mut by_name = HashMap::new();
        let mut unit_of_code: HashMap<String, Id> = HashMap::new();
        for p in jury::judgeable(pool, edition.id).await? {
            let short = p.title.split(" (").next().unwrap_or(&p.title).to_owned();
            if let Some(i) = plan.plan.iter().position(|r| r.title == short) {
                proposals.insert(p.id, (short.clone(), i));
                by_name.insert(short, p.id);
            }
        }
        for u in kolabik_store::units::all(pool).await? {
            unit_of_code.insert(u.code.to_string(), u.id);
        }
        let mut judges = HashMap::new();
        let mut judge_by_email = HashMap::new();
        for j in jury::pool(&self.db).await? {
            judges.insert(j.judge_id, (j.user_id, j.email.clone()));
            judge_by_email.insert(j.email.clone(), (j.judge_id, j.user_id));
        }
        let user = |email: &str| {
            let email = email.to_owned();
            async move {
                let e = Email::parse(&email).map_err(|_| bad(&email))?;
                users::by_email(pool, &e)
                    .await?
                    .map(|u| u.id)
                    .ok_or_else(|| bad(&email))
            }
        };
        let chair = user(&plan.recusal.committee).await?;
        let deputy = user(&plan.recusal.deputy).await?;
        let cx = Ctx {
            tz: edition.time_zone,
            plan,
            proposals,
            by_name,
            judges,
            judge_by_email,
        };
        let chair_actor = actor(chair);
        let deputy_actor = actor(deputy);

        // Settings of the three judged stages, before the first one opens.
        let settings = [
            ("penilaian", true, "3", "40", "2", "70"),
            ("presentasi_wawancara", false, "3", "35", "2", ""),
            ("verifikasi_lapangan", false, "2", "25", "", ""),
        ];
        let h = self.at(cx.at("2022-11-21T10:00")?);
        for (code, blind, reviews, weight, top_n, grade) in settings {
            let input = SettingsInput {
                blind,
                reviews_per_proposal: reviews.into(),
                min_academic: "1".into(),
                min_practitioner: "1".into(),
                max_load: "10".into(),
                final_weight: weight.into(),
                promote_top_n: top_n.into(),
                passing_grade: grade.into(),
                disagreement_threshold: "20".into(),
            };
            h.save_stage_settings(code, &input, &chair_actor).await?;
        }

        // Declarations, 21–23 November.
        for (i, d) in cx.plan.declarations.iter().enumerate() {
            let (_, user_id) = *cx
                .judge_by_email
                .get(&d.judge)
                .ok_or_else(|| bad(&d.judge))?;
            let units: Vec<Id> = d
                .units
                .iter()
                .map(|u| unit_of_code.get(u).copied().ok_or_else(|| bad(u)))
                .collect::<Result<_, _>>()?;
            let at = cx.at("2022-11-21T13:00")?.plus_seconds(i as i64 * 21_600);
            self.at(at)
                .declare(user_id, &units, &d.note, true, &actor(user_id))
                .await?;
        }
        let pinned = &cx.plan.pinned;
        let (pinned_judge, _) = *cx
            .judge_by_email
            .get(&pinned.judge)
            .ok_or_else(|| bad(&pinned.judge))?;
        let h = self.at(cx.at("2022-11-23T14:00")?);
        h.pin_conflict(
            pinned_judge,
            cx.proposal(&pinned.proposal)?,
            &pinned.reason,
            &chair_actor,
        )
        .await?;
        h.recuse(
            cx.proposal(&cx.plan.recusal.proposal)?,
            Some(deputy),
            &cx.plan.recusal.reason,
            &chair_actor,
        )
        .await?;

        // Desk assessment: entries, the solver, sheets 25 November – 2 December.
        let h = self.at(cx.at("2022-11-23T17:00")?);
        h.set_stage_entries("penilaian", &chair_actor).await?;
        self.judge_stage(
            &cx,
            StageKind::Penilaian,
            "2022-11-23T18:00",
            &chair_actor,
            |k| {
                cx.at("2022-11-25T08:30")
                    .map(|t| t.plus_seconds(k as i64 * 4 * 3_600 % (8 * 86_400)))
            },
        )
        .await?;
        let h = self.at(cx.at("2022-12-03T09:00")?);
        h.freeze_stage("penilaian", &FreezeInput::default(), &chair_actor)
            .await?;
        self.at(cx.at("2022-12-03T09:30")?)
            .promote_stage("penilaian", &chair_actor)
            .await?;

        // Presentation and interview, 5–7 December.
        let p = &cx.plan.presentation;
        let h = self.at(cx.at("2022-12-03T11:00")?);
        let input = GenerateInput {
            start: p.start.clone(),
            talk_minutes: "10".into(),
            video_minutes: "3".into(),
            qa_minutes: "20".into(),
            break_minutes: "5".into(),
            day_end: p.day_end.clone(),
            meeting_url: p.meeting_url.clone(),
            room: p.room.clone(),
        };
        self.judge_assignments(
            &cx,
            "presentasi_wawancara",
            "2022-12-03T10:00",
            &chair_actor,
        )
        .await?;
        h.save_presentation_settings(&input, &chair_actor).await?;
        h.generate_presentation_slots(&input, &chair_actor).await?;
        self.at(cx.at("2022-12-03T13:00")?)
            .publish_presentation_schedule(true, &chair_actor)
            .await?;
        let stage = self
            .stage_of(edition.id, StageKind::PresentasiWawancara)
            .await?;
        let slot_end: HashMap<Id, Instant> = ps::slots(pool, stage)
            .await?
            .into_iter()
            .map(|s| {
                let mins = s.talk_minutes + s.qa_minutes + 5;
                (s.proposal_id, s.starts_at.plus_seconds(mins * 60))
            })
            .collect();
        self.score_stage(&cx, StageKind::PresentasiWawancara, stage, |a| {
            slot_end
                .get(&a.proposal_id)
                .copied()
                .ok_or_else(|| bad("slot"))
        })
        .await?;
        self.at(cx.at("2022-12-07T17:00")?)
            .freeze_stage(
                "presentasi_wawancara",
                &FreezeInput::default(),
                &chair_actor,
            )
            .await?;
        self.at(cx.at("2022-12-07T17:30")?)
            .promote_stage("presentasi_wawancara", &chair_actor)
            .await?;

        // Field verification, 8–12 December, by the deputy's team with the judges.
        self.judge_assignments(&cx, "verifikasi_lapangan", "2022-12-07T18:00", &chair_actor)
            .await?;
        let stage = self
            .stage_of(edition.id, StageKind::VerifikasiLapangan)
            .await?;
        let grants = [RoleGrant {
            edition_id: edition.id,
            role: Role::Committee,
            unit_id: None,
        }];
        let mut entries: Vec<(Id, String)> = ps::entries(pool, stage)
            .await?
            .into_iter()
            .map(|e| (e.proposal_id, e.title))
            .collect();
        entries.sort();
        let mut visit_at: HashMap<Id, Instant> = HashMap::new();
        let h = self.at(cx.at("2022-12-07T19:00")?);
        for (i, (proposal, _)) in entries.iter().enumerate() {
            let day = 8 + i / 2;
            let hour = if i % 2 == 0 { "09:00" } else { "12:30" };
            let when = format!("2022-12-{day:02}T{hour}");
            // One visit unannounced, as the rules allow.
            h.schedule_field_visit(*proposal, &when, i != 3, &deputy_actor)
                .await?;
            visit_at.insert(*proposal, cx.at(&when)?);
        }
        for v in fs::visits(pool, stage).await? {
            let at = visit_at
                .get(&v.proposal_id)
                .copied()
                .ok_or_else(|| bad("visit"))?;
            let h = self.at(at.plus_seconds(2 * 3_600));
            let detail = h.field_visit(v.id, &deputy_actor, &grants).await?;
            let short = cx
                .proposals
                .get(&v.proposal_id)
                .map(|p| p.0.clone())
                .unwrap_or_default();
            let answers = detail
                .answers
                .iter()
                .enumerate()
                .map(|(n, a)| {
                    let finding = cx
                        .plan
                        .field_findings
                        .iter()
                        .find(|f| f.proposal == short && f.item == n + 1);
                    match finding {
                        Some(f) => (
                            a.item_id,
                            Finding::TidakSesuai.as_str().to_owned(),
                            f.note.clone(),
                        ),
                        None => (
                            a.item_id,
                            Finding::Sesuai.as_str().to_owned(),
                            String::new(),
                        ),
                    }
                })
                .collect();
            let input = VisitInput {
                answers,
                notes: Some(format!(
                    "Kunjungan ke {} bersama panel juri. Tim diterima kepala unit; layanan diamati \
                     langsung dan dua pengguna layanan diwawancarai.",
                    v.unit_name
                )),
            };
            h.save_field_visit(v.id, &input, true, &deputy_actor, &grants)
                .await?;
        }
        self.score_stage(&cx, StageKind::VerifikasiLapangan, stage, |a| {
            visit_at
                .get(&a.proposal_id)
                .map(|t| t.plus_seconds(5 * 1_800))
                .ok_or_else(|| bad("visit"))
        })
        .await?;
        self.at(cx.at("2022-12-13T09:00")?)
            .freeze_stage("verifikasi_lapangan", &FreezeInput::default(), &chair_actor)
            .await?;
        // Announced on the evening of the pengumuman stage, scores shown.
        self.at(cx.at("2022-12-21T19:30")?)
            .publish_results(true, &chair_actor)
            .await?;
        self.at(cx.at("2022-12-21T21:00")?)
            .set_feedback_released(true, &chair_actor)
            .await?;
        Ok(())
    }

    async fn stage_of(&self, edition_id: Id, kind: StageKind) -> Result<Id, AppError> {
        editions::stages(self.db.pool(), edition_id)
            .await?
            .into_iter()
            .find(|s| s.kind == kind)
            .map(|s| s.id)
            .ok_or_else(|| bad(kind.as_str()))
    }

    /// A finished solver run at `local`, applied.
    async fn judge_assignments(
        &self,
        cx: &Ctx,
        code: &str,
        local: &str,
        chair: &Actor,
    ) -> Result<(), AppError> {
        let h = self.at(cx.at(local)?);
        let run = h.run_assignment_now(code, chair).await?;
        h.at(cx.at(local)?.plus_seconds(300))
            .apply_assignment_run(code, run, chair)
            .await?;
        Ok(())
    }

    /// Assigns the desk stage and scores it with submission instants from `when(k)`.
    async fn judge_stage(
        &self,
        cx: &Ctx,
        kind: StageKind,
        local: &str,
        chair: &Actor,
        when: impl Fn(usize) -> Result<Instant, AppError>,
    ) -> Result<(), AppError> {
        self.judge_assignments(cx, kind.as_str(), local, chair)
            .await?;
        let edition = editions::current(self.db.pool())
            .await?
            .ok_or_else(|| bad("edition"))?;
        let stage = self.stage_of(edition.id, kind).await?;
        let mut k = 0usize;
        self.score_stage(cx, kind, stage, |_| {
            k += 1;
            when(k)
        })
        .await
    }

    /// Every assignment of the stage gets a submitted sheet at `when(assignment)`.
    async fn score_stage(
        &self,
        cx: &Ctx,
        kind: StageKind,
        stage_id: Id,
        mut when: impl FnMut(&assignments::Assignment) -> Result<Instant, AppError>,
    ) -> Result<(), AppError> {
        let stage = editions::stages(self.db.pool(), {
            let e = editions::current(self.db.pool()).await?;
            e.map(|e| e.id).ok_or_else(|| bad("edition"))?
        })
        .await?
        .into_iter()
        .find(|s| s.id == stage_id)
        .ok_or_else(|| bad("stage"))?;
        let rubric = self
            .stage_judging_for(&stage)
            .await?
            .rubric()
            .ok_or_else(|| bad("rubric"))?;
        let mut list = assignments::for_stage(self.db.pool(), stage_id).await?;
        list.sort_by_key(|a| (a.proposal_id, a.judge_id));
        let disputed = cx.by_name.get(&cx.plan.disputed).copied();
        let mut dissent_done = false;
        for a in &list {
            let dissent =
                kind == StageKind::Penilaian && Some(a.proposal_id) == disputed && !dissent_done;
            dissent_done |= dissent;
            let sheet = cx.sheet(&rubric, kind, a.judge_id, a.proposal_id, dissent);
            let (user_id, _) = *cx.judges.get(&a.judge_id).ok_or_else(|| bad("judge"))?;
            let at = when(a)?;
            self.at(at)
                .save_judge_sheet(
                    kind.as_str(),
                    a.proposal_id,
                    user_id,
                    &sheet,
                    true,
                    &actor(user_id),
                )
                .await?;
        }
        Ok(())
    }
}
