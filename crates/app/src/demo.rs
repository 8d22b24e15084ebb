//! The demo edition "Kolabik Kota Pasuruan 2022", loaded into an empty database by
//! `kolabik serve --demo`. The content lives in `demo/kolabik-2022.toml`, not in code.

use std::collections::HashMap;

use kolabik_domain::{
    BerakhlakValue, Email, Id, InnovationStage, Instant, JudgeKind, LocalDateTime, Nip, Npsn,
    Proposal, ProposalState, RegionCode, Role, RoleGrant, Sdg, Slug, StageKind, TimeZone, UnitKind,
};
use kolabik_store::{announcements, editions, judges, proposals, units, users};
use serde::Deserialize;
use serde_json::json;

use crate::auth::hash_password;
use crate::{Actor, App, AppError, record};

const DEMO_TOML: &str = include_str!("../demo/kolabik-2022.toml");

#[derive(Deserialize)]
struct DemoFile {
    edition: DemoEdition,
    categories: Vec<DemoCategory>,
    stages: Vec<DemoStage>,
    units: Vec<DemoUnit>,
    judges: Vec<DemoJudge>,
    accounts: Vec<DemoAccount>,
    proposals: Vec<DemoProposal>,
    #[serde(default)]
    announcements: Vec<DemoAnnouncement>,
}

#[derive(Deserialize)]
struct DemoAnnouncement {
    title: String,
    body: String,
    meeting_url: Option<String>,
    published: bool,
}

#[derive(Deserialize)]
struct DemoEdition {
    year: i32,
    name: String,
    theme: String,
    organiser: String,
    time_zone: String,
    description: String,
}

#[derive(Deserialize)]
struct DemoCategory {
    code: Slug,
    name: String,
    description: String,
}

#[derive(Deserialize)]
struct DemoStage {
    kind: String,
    opens: String,
    closes: String,
}

#[derive(Deserialize)]
struct DemoUnit {
    code: Slug,
    name: String,
    kind: String,
    parent: Option<Slug>,
    region_code: Option<RegionCode>,
    npsn: Option<Npsn>,
}

#[derive(Deserialize)]
struct DemoJudge {
    name: String,
    email: Email,
    kind: String,
    institution: String,
    expertise: Vec<String>,
    #[serde(default)]
    ties: Vec<Slug>,
}

#[derive(Deserialize)]
struct DemoAccount {
    email: Email,
    name: String,
    role: String,
    unit: Option<Slug>,
    nip: Option<Nip>,
    password: String,
}

#[derive(Deserialize)]
struct DemoProposal {
    unit: Slug,
    category: Slug,
    title: String,
    state: String,
    innovation_stage: String,
    started: String,
    summary: String,
    problem: String,
    idea: String,
    novelty: String,
    results: String,
    values: Vec<String>,
    sdgs: Vec<u8>,
    atm_source: Option<String>,
    returned_reason: Option<String>,
    rejected_reason: Option<String>,
}

/// A demo account and its password, printed at start so the demo can be tried at once.
#[derive(Debug, Clone)]
pub struct DemoAccountInfo {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password: String,
}

/// Judges sign in with this password in the demo.
pub const DEMO_JUDGE_PASSWORD: &str = "Juri-Kolabik-2022";

fn bad(what: &str, value: &str) -> AppError {
    AppError::Internal(format!("demo data: bad {what}: {value}"))
}

/// A demo proposal's BerAKHLAK values from their codes (every demo edition's file).
pub(crate) fn demo_values(codes: &[String]) -> Result<Vec<BerakhlakValue>, AppError> {
    codes
        .iter()
        .map(|v| BerakhlakValue::parse(v).ok_or_else(|| bad("value", v)))
        .collect()
}

/// A demo proposal's SDGs from their numbers.
pub(crate) fn demo_sdgs(numbers: &[u8]) -> Result<Vec<Sdg>, AppError> {
    numbers
        .iter()
        .map(|n| Sdg::new(*n).ok_or_else(|| bad("sdg", &n.to_string())))
        .collect()
}

impl App {
    /// The demo accounts (without touching the database).
    pub fn demo_accounts() -> Result<Vec<DemoAccountInfo>, AppError> {
        let file: DemoFile =
            toml::from_str(DEMO_TOML).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut out: Vec<DemoAccountInfo> = file
            .accounts
            .iter()
            .map(|a| {
                Ok(DemoAccountInfo {
                    email: a.email.to_string(),
                    name: a.name.clone(),
                    role: Role::parse(&a.role).ok_or_else(|| bad("role", &a.role))?,
                    password: a.password.clone(),
                })
            })
            .collect::<Result<_, AppError>>()?;
        out.extend(file.judges.iter().map(|j| DemoAccountInfo {
            email: j.email.to_string(),
            name: j.name.clone(),
            role: Role::Judge,
            password: DEMO_JUDGE_PASSWORD.to_owned(),
        }));
        Ok(out)
    }

    /// Loads the demo edition when the database holds no edition and no user. Returns
    /// whether it loaded. The base edition goes in one transaction; with `with_judging` the
    /// completed 2022 judging is then replayed through the features' own use cases, without
    /// it the edition stays just after administrative screening.
    pub async fn load_demo_if_empty(&self, with_judging: bool) -> Result<bool, AppError> {
        if editions::count(self.db.pool()).await? > 0 || users::count(self.db.pool()).await? > 0 {
            return Ok(false);
        }
        let file: DemoFile =
            toml::from_str(DEMO_TOML).map_err(|e| AppError::Internal(e.to_string()))?;
        let tz = TimeZone::parse(&file.edition.time_zone)
            .ok_or_else(|| bad("time zone", &file.edition.time_zone))?;
        let now = self.now();
        let local = |s: &str| -> Result<Instant, AppError> {
            LocalDateTime::parse(s)
                .map(|l| tz.to_instant(l))
                .ok_or_else(|| bad("date", s))
        };

        // Hash before the transaction: argon2 is slow and SQLite allows one writer.
        let mut hashes: HashMap<String, String> = HashMap::new();
        for a in &file.accounts {
            if !hashes.contains_key(&a.password) {
                hashes.insert(a.password.clone(), hash_password(&a.password).await?);
            }
        }
        let judge_hash = hash_password(DEMO_JUDGE_PASSWORD).await?;

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
                is_current: true,
                now,
            },
        )
        .await?;
        // Kota Pasuruan, like SINOVIK, has the unit head approve before submission.
        let settings = kolabik_domain::edition::EditionSettings {
            year: e.year,
            name: e.name.clone(),
            theme: e.theme.clone(),
            organiser: e.organiser.clone(),
            description: e.description.clone(),
            time_zone: tz,
            approval_required: true,
            rules: kolabik_domain::edition::EligibilityRules::default(),
            max_attachment_mb: 5,
        };
        editions::update_settings(&mut *tx, edition_id, &settings).await?;
        let mut categories: HashMap<Slug, Id> = HashMap::new();
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
            categories.insert(c.code.clone(), id);
        }
        for s in &file.stages {
            let kind = StageKind::parse(&s.kind).ok_or_else(|| bad("stage", &s.kind))?;
            editions::insert_stage(
                &mut *tx,
                edition_id,
                kind,
                local(&s.opens)?,
                local(&s.closes)?,
            )
            .await?;
        }
        let mut unit_ids: HashMap<Slug, Id> = HashMap::new();
        for u in &file.units {
            let parent_id = match &u.parent {
                Some(p) => Some(
                    *unit_ids
                        .get(p)
                        .ok_or_else(|| bad("parent unit", p.as_str()))?,
                ),
                None => None,
            };
            let id = units::insert(
                &mut *tx,
                units::NewUnit {
                    code: &u.code,
                    name: &u.name,
                    kind: UnitKind::parse(&u.kind).ok_or_else(|| bad("unit kind", &u.kind))?,
                    parent_id,
                    region_code: u.region_code.as_ref(),
                    npsn: u.npsn.as_ref(),
                    now,
                },
            )
            .await?;
            unit_ids.insert(u.code.clone(), id);
        }
        let unit = |code: &Slug| {
            unit_ids
                .get(code)
                .copied()
                .ok_or_else(|| bad("unit", code.as_str()))
        };

        for a in &file.accounts {
            let role = Role::parse(&a.role).ok_or_else(|| bad("role", &a.role))?;
            let hash = hashes
                .get(&a.password)
                .ok_or_else(|| bad("password", &a.email.to_string()))?;
            let user_id = users::insert(
                &mut *tx,
                users::NewUser {
                    email: &a.email,
                    name: &a.name,
                    nip: a.nip.as_ref(),
                    password_hash: hash,
                    must_change_password: false,
                    now,
                },
            )
            .await?;
            let unit_id = a.unit.as_ref().map(unit).transpose()?;
            users::grant(
                &mut *tx,
                user_id,
                &RoleGrant {
                    edition_id,
                    role,
                    unit_id,
                },
                now,
            )
            .await?;
        }
        for j in &file.judges {
            let user_id = users::insert(
                &mut *tx,
                users::NewUser {
                    email: &j.email,
                    name: &j.name,
                    nip: None,
                    password_hash: &judge_hash,
                    must_change_password: false,
                    now,
                },
            )
            .await?;
            users::grant(
                &mut *tx,
                user_id,
                &RoleGrant {
                    edition_id,
                    role: Role::Judge,
                    unit_id: None,
                },
                now,
            )
            .await?;
            let kind = JudgeKind::parse(&j.kind).ok_or_else(|| bad("judge kind", &j.kind))?;
            let judge_id =
                judges::insert(&mut *tx, user_id, kind, &j.institution, &j.expertise).await?;
            for t in &j.ties {
                judges::add_tie(&mut *tx, judge_id, unit(t)?).await?;
            }
        }

        let submission_close = file
            .stages
            .iter()
            .find(|s| s.kind == StageKind::PengajuanProposal.as_str())
            .map(|s| local(&s.closes))
            .transpose()?
            .unwrap_or(now);
        for (i, p) in file.proposals.iter().enumerate() {
            let state = ProposalState::parse(&p.state).ok_or_else(|| bad("state", &p.state))?;
            let submitted = !matches!(
                state,
                ProposalState::Draft | ProposalState::AwaitingApproval | ProposalState::Withdrawn
            );
            // Spread the demo submissions over the last days before the deadline, as
            // real ones bunch up there.
            let submitted_at = submitted.then(|| {
                submission_close.plus_seconds(-(i as i64 % 9) * 86_400 - 3_600 * (i as i64 % 7))
            });
            let proposal = Proposal {
                id: 0,
                edition_id,
                unit_id: unit(&p.unit)?,
                category_id: Some(
                    *categories
                        .get(&p.category)
                        .ok_or_else(|| bad("category", p.category.as_str()))?,
                ),
                title: p.title.clone(),
                summary: p.summary.clone(),
                problem: p.problem.clone(),
                idea: p.idea.clone(),
                novelty: p.novelty.clone(),
                results: p.results.clone(),
                atm_source: p.atm_source.clone(),
                state,
                innovation_stage: InnovationStage::parse(&p.innovation_stage)
                    .ok_or_else(|| bad("innovation stage", &p.innovation_stage))?,
                started_on: Some(p.started.clone()),
                values: demo_values(&p.values)?,
                sdgs: demo_sdgs(&p.sdgs)?,
                receipt_number: submitted.then(|| format!("KLB-{}-{:04}", e.year, i + 1)),
                state_reason: p
                    .returned_reason
                    .clone()
                    .or_else(|| p.rejected_reason.clone()),
                submitted_at,
                updated_at: submitted_at
                    .unwrap_or(submission_close.plus_seconds(-(i as i64) * 43_200)),
            };
            proposals::insert(&mut *tx, &proposal, now).await?;
        }
        let sosialisasi_opens = file
            .stages
            .iter()
            .find(|s| s.kind == StageKind::Sosialisasi.as_str())
            .map(|s| local(&s.opens))
            .transpose()?
            .unwrap_or(now);
        for (i, a) in file.announcements.iter().enumerate() {
            // Published a few days apart, the first a week before the briefing.
            let at = sosialisasi_opens.plus_seconds((i as i64 * 10 - 7) * 86_400);
            announcements::insert(
                &mut *tx,
                edition_id,
                &a.title,
                a.body.trim(),
                a.meeting_url.as_deref(),
                a.published.then_some(at),
                None,
                at,
            )
            .await?;
        }
        kolabik_store::proposal_content::default_implementation_dates(&mut *tx, edition_id).await?;
        record(
            &mut tx,
            &Actor::system(),
            now,
            "demo.loaded",
            "edition",
            Some(edition_id.to_string()),
            None,
            Some(json!({"units": file.units.len(), "proposals": file.proposals.len(), "judges": file.judges.len()})),
        )
        .await?;
        tx.commit().await?;
        if with_judging {
            let started = std::time::Instant::now();
            self.load_demo_judging().await?;
            tracing::info!(
                ms = started.elapsed().as_millis() as u64,
                "demo: 2022 judging replayed"
            );
            self.load_demo_certificates().await?;
        }
        self.load_vote_demo().await?;
        self.load_demo_catalog().await?;
        self.load_demo_past_edition().await?;
        Ok(true)
    }
}
