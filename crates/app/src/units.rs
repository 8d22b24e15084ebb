//! The unit registry: one unit at a time from the committee's form, many from a CSV file,
//! and the operators of each unit.

use std::collections::HashMap;

use kolabik_domain::units::{self as rules, COLUMNS, Existing, Problem, RawUnit, UnitRow};
use kolabik_domain::{Email, Id, Role, RoleGrant, Unit, User};
use kolabik_store::{StoreError, Tx, units, users};
use serde::Serialize;
use serde_json::json;

use crate::{Actor, App, AppError, FieldError, record};

/// Catalogue keys of the field errors raised here (beyond the domain's).
pub const KEYS: &[&str] = &[
    "error.unit_code_taken",
    "error.npsn_taken",
    "error.user_unknown",
    "error.operator_exists",
];

/// The outcome of an import or of its dry run. With `problems`, nothing was written and the
/// counts are zero; otherwise `created + updated + unchanged == rows`.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub dry_run: bool,
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub problems: Vec<Problem>,
}

/// One unit with its place in the tree and the people who act for it.
#[derive(Debug, Clone, Serialize)]
pub struct UnitDetail {
    pub unit: Unit,
    pub parent: Option<Unit>,
    pub children: Vec<Unit>,
    /// Users with a unit-operator grant for this unit in the current edition.
    pub operators: Vec<User>,
}

/// The registry as the rules see it, read inside the transaction that will change it.
struct Registry {
    units: Vec<Unit>,
    existing: Vec<Existing>,
    id_by_code: HashMap<String, Id>,
}

async fn registry(tx: &mut Tx) -> Result<Registry, AppError> {
    let units = units::all(&mut **tx).await?;
    let code_by_id: HashMap<Id, &str> = units.iter().map(|u| (u.id, u.code.as_str())).collect();
    let existing = units
        .iter()
        .map(|u| Existing {
            code: u.code.to_string(),
            parent_code: u
                .parent_id
                .and_then(|p| code_by_id.get(&p))
                .map(|c| (*c).to_owned()),
            npsn: u.npsn.as_ref().map(|n| n.to_string()),
        })
        .collect();
    let id_by_code = units.iter().map(|u| (u.code.to_string(), u.id)).collect();
    Ok(Registry {
        units,
        existing,
        id_by_code,
    })
}

fn field_errors(problems: Vec<Problem>) -> Vec<FieldError> {
    problems
        .into_iter()
        .map(|p| FieldError {
            field: COLUMNS
                .iter()
                .find(|c| **c == p.column)
                .copied()
                .unwrap_or("code"),
            key: p.key,
        })
        .collect()
}

fn fields<'a>(row: &'a UnitRow, parent_id: Option<Id>) -> units::UnitFields<'a> {
    units::UnitFields {
        name: &row.name,
        kind: row.kind,
        parent_id,
        region_code: row.region_code.as_ref(),
        npsn: row.npsn.as_ref(),
    }
}

fn differs(u: &Unit, row: &UnitRow, parent_id: Option<Id>) -> bool {
    u.name != row.name
        || u.kind != row.kind
        || u.parent_id != parent_id
        || u.region_code != row.region_code
        || u.npsn != row.npsn
}

fn npsn_taken(e: StoreError) -> AppError {
    match e {
        StoreError::Duplicate(_) => AppError::invalid("npsn", "error.npsn_taken"),
        other => other.into(),
    }
}

impl App {
    /// Checks a CSV file of units and, unless `dry_run`, writes it: a row whose code exists
    /// updates that unit, any other row creates one. All rows or none, in one transaction
    /// with one `units.imported` audit event. Any problem means nothing is written.
    pub async fn import_units(
        &self,
        csv_text: &str,
        dry_run: bool,
        actor: &Actor,
    ) -> Result<ImportReport, AppError> {
        let mut report = ImportReport {
            dry_run,
            rows: 0,
            created: 0,
            updated: 0,
            unchanged: 0,
            problems: Vec::new(),
        };
        let mut tx = self.db.begin().await?;
        let Registry {
            units: current,
            existing,
            mut id_by_code,
        } = registry(&mut tx).await?;
        let rows = match rules::parse_csv(csv_text, &existing) {
            Ok(rows) => rows,
            Err(problems) => {
                report.problems = problems;
                return Ok(report);
            }
        };
        let by_code: HashMap<&str, &Unit> = current.iter().map(|u| (u.code.as_str(), u)).collect();
        let now = self.now();
        report.rows = rows.len();
        // Rows come parents first, so a parent created by this file has its id by then.
        for row in &rows {
            let parent_id = row
                .parent_code
                .as_ref()
                .and_then(|p| id_by_code.get(p.as_str()).copied());
            match by_code.get(row.code.as_str()) {
                Some(u) if differs(u, row, parent_id) => {
                    report.updated += 1;
                    if !dry_run {
                        units::update(&mut *tx, u.id, fields(row, parent_id)).await?;
                    }
                }
                Some(_) => report.unchanged += 1,
                None => {
                    report.created += 1;
                    if !dry_run {
                        let id = units::insert(
                            &mut *tx,
                            units::NewUnit {
                                code: &row.code,
                                name: &row.name,
                                kind: row.kind,
                                parent_id,
                                region_code: row.region_code.as_ref(),
                                npsn: row.npsn.as_ref(),
                                now,
                            },
                        )
                        .await?;
                        id_by_code.insert(row.code.to_string(), id);
                    }
                }
            }
        }
        if dry_run {
            return Ok(report);
        }
        record(
            &mut tx,
            actor,
            now,
            "units.imported",
            "unit",
            None,
            None,
            Some(json!({
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Registers one unit; the same rules as an import row, and its code must be new.
    pub async fn create_unit(&self, input: &RawUnit, actor: &Actor) -> Result<Unit, AppError> {
        let mut tx = self.db.begin().await?;
        let reg = registry(&mut tx).await?;
        let mut errors = Vec::new();
        if reg.id_by_code.contains_key(input.code.trim()) {
            errors.push(FieldError {
                field: "code",
                key: "error.unit_code_taken",
            });
        }
        let row = match rules::check_units(&[(1, input.clone())], &reg.existing) {
            Ok(mut rows) if errors.is_empty() => rows.remove(0),
            Ok(_) => return Err(AppError::Invalid(errors)),
            Err(problems) => {
                errors.extend(field_errors(problems));
                return Err(AppError::Invalid(errors));
            }
        };
        let parent_id = row
            .parent_code
            .as_ref()
            .and_then(|p| reg.id_by_code.get(p.as_str()).copied());
        let now = self.now();
        let id = units::insert(
            &mut *tx,
            units::NewUnit {
                code: &row.code,
                name: &row.name,
                kind: row.kind,
                parent_id,
                region_code: row.region_code.as_ref(),
                npsn: row.npsn.as_ref(),
                now,
            },
        )
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => AppError::invalid("code", "error.unit_code_taken"),
            other => other.into(),
        })?;
        let unit = units::by_id(&mut *tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        record(
            &mut tx,
            actor,
            now,
            "unit.created",
            "unit",
            Some(id.to_string()),
            None,
            Some(json!(unit)),
        )
        .await?;
        tx.commit().await?;
        Ok(unit)
    }

    /// Changes one unit's name, kind, parent, region code and NPSN (its code stays: it is
    /// the key that imports match on).
    pub async fn update_unit(
        &self,
        id: Id,
        input: &RawUnit,
        actor: &Actor,
    ) -> Result<Unit, AppError> {
        let mut tx = self.db.begin().await?;
        let reg = registry(&mut tx).await?;
        let before = reg
            .units
            .iter()
            .find(|u| u.id == id)
            .cloned()
            .ok_or(AppError::NotFound)?;
        let input = RawUnit {
            code: before.code.to_string(),
            ..input.clone()
        };
        let row = rules::check_units(&[(1, input)], &reg.existing)
            .map_err(|p| AppError::Invalid(field_errors(p)))?
            .remove(0);
        let parent_id = row
            .parent_code
            .as_ref()
            .and_then(|p| reg.id_by_code.get(p.as_str()).copied());
        units::update(&mut *tx, id, fields(&row, parent_id))
            .await
            .map_err(npsn_taken)?;
        let after = units::by_id(&mut *tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let now = self.now();
        record(
            &mut tx,
            actor,
            now,
            "unit.updated",
            "unit",
            Some(id.to_string()),
            Some(json!(before)),
            Some(json!(after)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// A unit, its parent, its children and its operators in the current edition.
    pub async fn unit_detail(&self, id: Id) -> Result<UnitDetail, AppError> {
        let edition = self.ensure_current_edition().await?;
        let pool = self.db.pool();
        let unit = units::by_id(pool, id).await?.ok_or(AppError::NotFound)?;
        let parent = match unit.parent_id {
            Some(p) => units::by_id(pool, p).await?,
            None => None,
        };
        Ok(UnitDetail {
            parent,
            children: units::children(pool, id).await?,
            operators: units::operators(pool, id, edition.id).await?,
            unit,
        })
    }

    /// Makes an existing account an operator of the unit in the current edition. A unit
    /// may have several operators; an operator may serve several units.
    pub async fn add_operator(
        &self,
        unit_id: Id,
        email: &str,
        actor: &Actor,
    ) -> Result<User, AppError> {
        let email = Email::parse(email).map_err(|e| AppError::invalid("email", e.key()))?;
        let pool = self.db.pool();
        units::by_id(pool, unit_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let user = users::by_email(pool, &email)
            .await?
            .ok_or_else(|| AppError::invalid("email", "error.user_unknown"))?;
        let edition = self.ensure_current_edition().await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let grant = RoleGrant {
            edition_id: edition.id,
            role: Role::UnitOperator,
            unit_id: Some(unit_id),
        };
        users::grant(&mut *tx, user.id, &grant, now)
            .await
            .map_err(|e| match e {
                StoreError::Duplicate(_) => AppError::invalid("email", "error.operator_exists"),
                other => other.into(),
            })?;
        record(
            &mut tx,
            actor,
            now,
            "unit.operator_added",
            "unit",
            Some(unit_id.to_string()),
            None,
            Some(json!({"user_id": user.id, "email": email.as_str(), "edition_id": edition.id})),
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }
}
