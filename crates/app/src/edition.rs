//! Setting up an edition: its settings and eligibility rules, categories, the stage
//! timeline, dispensations (deadline extensions for one unit), and copying an edition to
//! next year. The server enforces deadlines through `App::stage_gate`.

use kolabik_domain::edition::{
    DeadlineRefusal, EditionSettingsInput, StageInput, check_window, parse_timeline, shift_years,
};
use kolabik_domain::{Edition, Id, Instant, LocalDateTime, Slug, Stage, StageKind};
use kolabik_store::editions::{self, Dispensation, NewEdition};
use kolabik_store::{StoreError, units};
use serde_json::json;

use crate::{Actor, App, AppError, FieldError, record};

fn invalid(problems: Vec<kolabik_domain::edition::Problem>) -> AppError {
    AppError::Invalid(
        problems
            .into_iter()
            .map(|p| FieldError {
                field: p.field,
                key: p.key,
            })
            .collect(),
    )
}

fn edition_json(e: &Edition) -> serde_json::Value {
    json!({
        "year": e.year, "name": e.name, "theme": e.theme, "organiser": e.organiser,
        "time_zone": e.time_zone.as_str(), "approval_required": e.approval_required,
        "rules": e.rules, "max_attachment_mb": e.max_attachment_mb,
    })
}

fn stages_json(stages: &[Stage]) -> serde_json::Value {
    stages
        .iter()
        .map(|s| json!({"kind": s.kind.as_str(), "opens_at": s.opens_at.to_rfc3339(), "closes_at": s.closes_at.to_rfc3339()}))
        .collect()
}

/// A grant request as typed in the form or sent to the API.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct DispensationInput {
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub stage: String,
    /// `YYYY-MM-DDTHH:MM` in the edition's time zone.
    #[serde(default)]
    pub until: String,
    #[serde(default)]
    pub reason: String,
}

impl App {
    pub async fn update_edition_settings(
        &self,
        input: &EditionSettingsInput,
        actor: &Actor,
    ) -> Result<Edition, AppError> {
        let settings = input.parse().map_err(invalid)?;
        let before = self.ensure_current_edition().await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        editions::update_settings(&mut *tx, before.id, &settings)
            .await
            .map_err(|e| match e {
                StoreError::Duplicate(_) => AppError::invalid("name", "error.edition_exists"),
                other => other.into(),
            })?;
        let after = editions::by_id(&mut *tx, before.id)
            .await?
            .ok_or(AppError::NotFound)?;
        record(
            &mut tx,
            actor,
            now,
            "edition.updated",
            "edition",
            Some(before.id.to_string()),
            Some(edition_json(&before)),
            Some(edition_json(&after)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn save_timeline(
        &self,
        inputs: &[StageInput],
        actor: &Actor,
    ) -> Result<Vec<Stage>, AppError> {
        let edition = self.ensure_current_edition().await?;
        let windows = parse_timeline(inputs, edition.time_zone).map_err(invalid)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = editions::stages(&mut *tx, edition.id).await?;
        editions::replace_stages(&mut tx, edition.id, &windows)
            .await
            .map_err(|e| match e {
                StoreError::Duplicate(_) => AppError::invalid("timeline", "error.stage_in_use"),
                other => other.into(),
            })?;
        let after = editions::stages(&mut *tx, edition.id).await?;
        record(
            &mut tx,
            actor,
            now,
            "edition.timeline_saved",
            "edition",
            Some(edition.id.to_string()),
            Some(stages_json(&before)),
            Some(stages_json(&after)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn add_category(
        &self,
        code: &str,
        name: &str,
        description: &str,
        actor: &Actor,
    ) -> Result<Id, AppError> {
        let mut errors = Vec::new();
        let slug = Slug::parse(code)
            .map_err(|e| {
                errors.push(FieldError {
                    field: "code",
                    key: e.key(),
                })
            })
            .ok();
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            errors.push(FieldError {
                field: "name",
                key: "error.text_required",
            });
        }
        let (Some(slug), true) = (slug, errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };
        let edition = self.ensure_current_edition().await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let position = editions::next_category_position(&mut *tx, edition.id).await?;
        let id = editions::insert_category(
            &mut *tx,
            edition.id,
            &slug,
            name,
            description.trim(),
            position,
        )
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => AppError::invalid("code", "error.category_exists"),
            other => other.into(),
        })?;
        record(
            &mut tx,
            actor,
            now,
            "category.created",
            "category",
            Some(id.to_string()),
            None,
            Some(json!({"code": slug.as_str(), "name": name})),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn delete_category(&self, id: Id, actor: &Actor) -> Result<(), AppError> {
        let edition = self.ensure_current_edition().await?;
        let categories = editions::categories(self.db.pool(), edition.id).await?;
        let Some(category) = categories.iter().find(|c| c.id == id) else {
            return Err(AppError::NotFound);
        };
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if !editions::delete_category(&mut tx, edition.id, id).await? {
            return Err(AppError::invalid("category", "error.category_in_use"));
        }
        record(
            &mut tx,
            actor,
            now,
            "category.deleted",
            "category",
            Some(id.to_string()),
            Some(json!({"code": category.code.as_str(), "name": category.name})),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn grant_dispensation(
        &self,
        input: &DispensationInput,
        actor: &Actor,
    ) -> Result<Id, AppError> {
        let edition = self.ensure_current_edition().await?;
        let mut errors = Vec::new();
        let unit = match Slug::parse(&input.unit) {
            Ok(code) => units::by_code(self.db.pool(), &code).await?,
            Err(_) => None,
        };
        if unit.is_none() {
            errors.push(FieldError {
                field: "unit",
                key: "error.unit_unknown",
            });
        }
        let stage = StageKind::parse(input.stage.trim());
        if stage.is_none() {
            errors.push(FieldError {
                field: "stage",
                key: "error.stage_kind",
            });
        }
        let until = LocalDateTime::parse(&input.until).map(|l| edition.time_zone.to_instant(l));
        if until.is_none() {
            errors.push(FieldError {
                field: "until",
                key: "error.datetime",
            });
        }
        let reason = input.reason.trim();
        if reason.chars().count() < 10 || reason.chars().count() > 1000 {
            errors.push(FieldError {
                field: "reason",
                key: "error.reason_required",
            });
        }
        if let (Some(stage), Some(until)) = (stage, until) {
            let stages = editions::stages(self.db.pool(), edition.id).await?;
            match stages.iter().find(|s| s.kind == stage) {
                None => errors.push(FieldError {
                    field: "stage",
                    key: "deadline.not_scheduled",
                }),
                Some(s) if until <= s.closes_at => errors.push(FieldError {
                    field: "until",
                    key: "error.dispensation_not_later",
                }),
                Some(_) => {}
            }
        }
        let (Some(unit), Some(stage), Some(until), true) = (unit, stage, until, errors.is_empty())
        else {
            return Err(AppError::Invalid(errors));
        };
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let id = editions::insert_dispensation(
            &mut *tx,
            edition.id,
            unit.id,
            stage,
            until,
            reason,
            actor.user_id,
            now,
        )
        .await?;
        record(
            &mut tx,
            actor,
            now,
            "dispensation.granted",
            "dispensation",
            Some(id.to_string()),
            None,
            Some(json!({"unit": unit.code.as_str(), "stage": stage.as_str(), "until": until.to_rfc3339(), "reason": reason})),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn revoke_dispensation(&self, id: Id, actor: &Actor) -> Result<(), AppError> {
        let edition = self.ensure_current_edition().await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if !editions::revoke_dispensation(&mut *tx, edition.id, id, now).await? {
            return Err(AppError::NotFound);
        }
        record(
            &mut tx,
            actor,
            now,
            "dispensation.revoked",
            "dispensation",
            Some(id.to_string()),
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn dispensations(&self) -> Result<Vec<Dispensation>, AppError> {
        let edition = self.ensure_current_edition().await?;
        Ok(editions::dispensations(self.db.pool(), edition.id).await?)
    }

    /// Whether `unit_id` may act in `stage` at `now`, counting its dispensation: the
    /// deadline that applies, or why not. Every deadline-bound command asks this.
    pub async fn stage_gate(
        &self,
        unit_id: Id,
        stage: StageKind,
        now: Instant,
    ) -> Result<Result<Instant, DeadlineRefusal>, AppError> {
        let edition = self.ensure_current_edition().await?;
        let stages = editions::stages(self.db.pool(), edition.id).await?;
        let window = stages
            .iter()
            .find(|s| s.kind == stage)
            .map(|s| (s.opens_at, s.closes_at));
        let until =
            editions::dispensation_until(self.db.pool(), edition.id, unit_id, stage).await?;
        Ok(check_window(window, until, now))
    }

    /// Creates next year's edition from the current one: the same settings, rules and
    /// categories, the timeline on the same dates a year later, and everyone's roles; it
    /// becomes the current edition. Proposals, judging and dispensations stay behind.
    pub async fn copy_edition_to_next_year(&self, actor: &Actor) -> Result<Edition, AppError> {
        let source = self.ensure_current_edition().await?;
        let year = source.year + 1;
        let name = match source.name.rfind(&source.year.to_string()) {
            Some(i) => format!("{}{year}{}", &source.name[..i], &source.name[i + 4..]),
            None => format!("{} {year}", source.name),
        };
        let now = self.now();
        let stages = editions::stages(self.db.pool(), source.id).await?;
        let categories = editions::categories(self.db.pool(), source.id).await?;
        let mut tx = self.db.begin().await?;
        let id = editions::insert(
            &mut *tx,
            NewEdition {
                year,
                name: &name,
                theme: &source.theme,
                organiser: &source.organiser,
                description: &source.description,
                time_zone: source.time_zone,
                is_current: false,
                now,
            },
        )
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => AppError::invalid("copy", "error.edition_exists"),
            other => other.into(),
        })?;
        let settings = kolabik_domain::edition::EditionSettings {
            year,
            name: name.clone(),
            theme: source.theme.clone(),
            organiser: source.organiser.clone(),
            description: source.description.clone(),
            time_zone: source.time_zone,
            approval_required: source.approval_required,
            rules: source.rules,
            max_attachment_mb: source.max_attachment_mb,
        };
        editions::update_settings(&mut *tx, id, &settings).await?;
        for (i, c) in categories.iter().enumerate() {
            editions::insert_category(&mut *tx, id, &c.code, &c.name, &c.description, i as i64)
                .await?;
        }
        let tz = source.time_zone;
        for s in &stages {
            let opens = tz.to_instant(shift_years(tz.to_local(s.opens_at), 1));
            let closes = tz.to_instant(shift_years(tz.to_local(s.closes_at), 1));
            editions::insert_stage(&mut *tx, id, s.kind, opens, closes).await?;
        }
        editions::copy_grants(&mut *tx, source.id, id, now).await?;
        editions::set_current(&mut tx, id).await?;
        record(
            &mut tx,
            actor,
            now,
            "edition.copied",
            "edition",
            Some(id.to_string()),
            Some(json!({"from": source.id, "year": source.year})),
            Some(json!({"year": year, "name": name})),
        )
        .await?;
        tx.commit().await?;
        editions::by_id(self.db.pool(), id)
            .await?
            .ok_or(AppError::NotFound)
    }

    pub async fn editions(&self) -> Result<Vec<Edition>, AppError> {
        Ok(editions::list(self.db.pool()).await?)
    }
}

impl App {
    /// The deadline of `stage` for the unit `code`, as `stage_gate` sees it now. The committee
    /// may ask about any unit, a unit operator about their own units only.
    pub async fn unit_deadline(
        &self,
        code: &Slug,
        stage: StageKind,
        grants: &[kolabik_domain::RoleGrant],
    ) -> Result<(kolabik_domain::Unit, Result<Instant, DeadlineRefusal>), AppError> {
        let unit = units::by_code(self.db.pool(), code)
            .await?
            .ok_or(AppError::NotFound)?;
        let committee = grants
            .iter()
            .any(|g| g.role == kolabik_domain::Role::Committee);
        let own = grants
            .iter()
            .any(|g| g.role == kolabik_domain::Role::UnitOperator && g.unit_id == Some(unit.id));
        if !committee && !own {
            return Err(AppError::Forbidden);
        }
        let gate = self.stage_gate(unit.id, stage, self.now()).await?;
        Ok((unit, gate))
    }
}
