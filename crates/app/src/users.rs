//! Creating accounts and granting roles: the committee's page, the API and
//! `kolabik user add` all come through `App::create_user`.

use kolabik_domain::{Email, Id, Nip, Role, RoleGrant, Slug, User};
use kolabik_store::{Page, Paged, units, users};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{generate_password, hash_password};
use crate::notify::MailKind;
use crate::{Actor, App, AppError, FieldError, record};

/// What a form, a JSON body or the CLI sends to create an account. Strings as typed: they
/// are parsed here, and every problem is reported at once.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
pub struct NewUserInput {
    pub email: String,
    pub name: String,
    pub role: String,
    /// Unit code; required for a unit operator.
    #[serde(default)]
    pub unit: String,
    /// 18-digit NIP of a civil servant; optional.
    #[serde(default)]
    pub nip: String,
}

pub struct CreatedUser {
    pub user: User,
    /// Generated password: shown once; its owner must change it at first login.
    pub password: String,
}

impl App {
    pub async fn create_user(
        &self,
        input: &NewUserInput,
        actor: &Actor,
    ) -> Result<CreatedUser, AppError> {
        let mut errors = Vec::new();
        let email = Email::parse(&input.email)
            .map_err(|e| {
                errors.push(FieldError {
                    field: "email",
                    key: e.key(),
                })
            })
            .ok();
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            errors.push(FieldError {
                field: "name",
                key: "error.name_required",
            });
        }
        let role = Role::parse(input.role.trim());
        if role.is_none() {
            errors.push(FieldError {
                field: "role",
                key: "error.role_invalid",
            });
        }
        let nip = match input.nip.trim() {
            "" => None,
            raw => Nip::parse(raw)
                .map_err(|e| {
                    errors.push(FieldError {
                        field: "nip",
                        key: e.key(),
                    })
                })
                .ok(),
        };
        let unit_id: Option<Id> = match (role, input.unit.trim()) {
            (Some(Role::UnitOperator), "") => {
                errors.push(FieldError {
                    field: "unit",
                    key: "error.unit_required",
                });
                None
            }
            (_, "") => None,
            (_, code) => match Slug::parse(code) {
                Ok(slug) => match units::by_code(self.db.pool(), &slug).await? {
                    Some(u) => Some(u.id),
                    None => {
                        errors.push(FieldError {
                            field: "unit",
                            key: "error.unit_unknown",
                        });
                        None
                    }
                },
                Err(_) => {
                    errors.push(FieldError {
                        field: "unit",
                        key: "error.unit_unknown",
                    });
                    None
                }
            },
        };
        if let Some(email) = &email
            && users::by_email(self.db.pool(), email).await?.is_some()
        {
            errors.push(FieldError {
                field: "email",
                key: "error.email_taken",
            });
        }
        let (Some(email), Some(role), true) = (email, role, errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };

        let edition = self.ensure_current_edition().await?;
        let password = generate_password()?;
        let hash = hash_password(&password).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let id = users::insert(
            &mut *tx,
            users::NewUser {
                email: &email,
                name,
                nip: nip.as_ref(),
                password_hash: &hash,
                must_change_password: true,
                now,
            },
        )
        .await
        .map_err(|e| match e {
            kolabik_store::StoreError::Duplicate(_) => {
                AppError::invalid("email", "error.email_taken")
            }
            other => other.into(),
        })?;
        let grant = RoleGrant {
            edition_id: edition.id,
            role,
            unit_id,
        };
        users::grant(&mut *tx, id, &grant, now).await?;
        record(
            &mut tx,
            actor,
            now,
            "user.created",
            "user",
            Some(id.to_string()),
            None,
            Some(json!({"email": email.as_str(), "name": name, "role": role.as_str(), "unit_id": unit_id, "edition_id": edition.id})),
        )
        .await?;
        // The new user learns their sign-in address and where to sign in; never the
        // password, which the committee hands over in person.
        self.queue_email(
            &mut tx,
            MailKind::AccountCreated,
            email.as_str(),
            Some(id),
            &[("name", name), ("email", email.as_str())],
            None,
            actor,
            now,
        )
        .await?;
        tx.commit().await?;
        let user = users::by_id(self.db.pool(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(CreatedUser { user, password })
    }

    pub async fn list_users(&self, page: Page) -> Result<Paged<users::UserListItem>, AppError> {
        let edition = self.ensure_current_edition().await?;
        Ok(users::list(&self.db, edition.id, page).await?)
    }
}
