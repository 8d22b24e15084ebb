//! Operator invitations: the committee invites someone by e-mail to operate a unit; the
//! link in the e-mail (a random 256-bit token, stored as its SHA-256 like a session) works
//! once and for `INVITATION_DAYS` days. Opening it lets a newcomer choose a password and
//! start signed in; an existing account simply gains the role and signs in as usual.

use kolabik_domain::password::check_new_password;
use kolabik_domain::{Email, Id, Instant, Lang, Role, RoleGrant, User};
use kolabik_store::invitations::{self, Invitation, NewInvitation};
use kolabik_store::{editions, units, users};
use serde_json::json;

use crate::auth::{SESSION_IDLE_SECS, hash_password, random_token, token_hash};
use crate::notify::MailKind;
use crate::{Actor, App, AppError, FieldError, record};

/// How long an invitation link works.
pub const INVITATION_DAYS: i64 = 7;

/// Catalogue keys raised here beyond the shared ones.
pub const KEYS: &[&str] = &["invitation.used", "invitation.expired"];

/// An invitation as its link shows it.
#[derive(Debug, Clone)]
pub struct InvitationView {
    pub invitation: Invitation,
    pub unit_name: String,
    /// An account with the invited e-mail exists: no password to choose.
    pub account_exists: bool,
}

/// The outcome of accepting an invitation.
pub struct Accepted {
    pub user: User,
    pub unit_id: Id,
    /// A session for a newly created account; `None` when the account already existed
    /// (its owner signs in with their own password).
    pub session_token: Option<String>,
}

/// What the password form sends.
#[derive(Debug, Clone, Default)]
pub struct AcceptInput {
    pub name: String,
    pub password: String,
    pub confirm: String,
}

fn usable(inv: &Invitation, now: Instant) -> Result<(), AppError> {
    if inv.used_at.is_some() {
        return Err(AppError::Gone("invitation.used"));
    }
    if inv.expires_at <= now {
        return Err(AppError::Gone("invitation.expired"));
    }
    Ok(())
}

impl App {
    /// Invites `email` to operate unit `unit_id` in the current edition and queues the
    /// e-mail carrying the link, in one transaction with an `invitation.created` event.
    pub async fn invite_operator(
        &self,
        unit_id: Id,
        email: &str,
        name: &str,
        actor: &Actor,
    ) -> Result<Invitation, AppError> {
        let mut errors = Vec::new();
        let email = Email::parse(email)
            .map_err(|e| {
                errors.push(FieldError {
                    field: "email",
                    key: e.key(),
                })
            })
            .ok();
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            errors.push(FieldError {
                field: "name",
                key: "error.name_required",
            });
        }
        let pool = self.db.pool();
        let unit = units::by_id(pool, unit_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let (Some(email), true) = (email, errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };
        let edition = self.ensure_current_edition().await?;
        let token = random_token()?;
        let now = self.now();
        let expires_at = now.plus_seconds(INVITATION_DAYS * 24 * 3600);
        let mut tx = self.db.begin().await?;
        let id = invitations::insert(
            &mut *tx,
            NewInvitation {
                token_hash: &token_hash(&token),
                email: email.as_str(),
                name,
                unit_id,
                role: Role::UnitOperator,
                edition_id: edition.id,
                invited_by: actor.user_id,
                now,
                expires_at,
            },
        )
        .await?;
        record(
            &mut tx,
            actor,
            now,
            "invitation.created",
            "invitation",
            Some(id.to_string()),
            None,
            Some(json!({
                "email": email.as_str(),
                "name": name,
                "unit_id": unit_id,
                "role": Role::UnitOperator.as_str(),
                "edition_id": edition.id,
                "expires_at": expires_at.millis(),
            })),
        )
        .await?;
        let invite_url = format!("{}/undangan/{token}", self.site_url());
        let expires_text = edition.time_zone.format(expires_at, Lang::Id);
        self.queue_email(
            &mut tx,
            MailKind::Invitation,
            email.as_str(),
            None,
            &[
                ("name", name),
                ("unit", &unit.name),
                ("invite_url", &invite_url),
                ("expires_at", &expires_text),
            ],
            None,
            actor,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Invitation {
            id,
            email: email.as_str().to_owned(),
            name: name.to_owned(),
            unit_id,
            role: Role::UnitOperator,
            edition_id: edition.id,
            invited_by: actor.user_id,
            created_at: now,
            expires_at,
            used_at: None,
        })
    }

    /// The invitation behind a link: `NotFound` for an unknown token, `Gone` for a used
    /// or expired one.
    pub async fn invitation(&self, token: &str) -> Result<InvitationView, AppError> {
        let pool = self.db.pool();
        let inv = invitations::by_token_hash(pool, &token_hash(token))
            .await?
            .ok_or(AppError::NotFound)?;
        usable(&inv, self.now())?;
        let unit = units::by_id(pool, inv.unit_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let account_exists = match Email::parse(&inv.email) {
            Ok(e) => users::by_email(pool, &e).await?.is_some(),
            Err(_) => false,
        };
        Ok(InvitationView {
            invitation: inv,
            unit_name: unit.name,
            account_exists,
        })
    }

    /// Accepts an invitation: creates the account (password checked as at any change)
    /// or, when the e-mail already has one, grants it the role; marks the link used and,
    /// for a new account, opens a session. One transaction, audit-logged.
    pub async fn accept_invitation(
        &self,
        token: &str,
        input: &AcceptInput,
        actor: &Actor,
    ) -> Result<Accepted, AppError> {
        let view = self.invitation(token).await?;
        let inv = view.invitation;
        let email = Email::parse(&inv.email)
            .map_err(|_| AppError::Internal("invitation with a bad e-mail".into()))?;
        let existing = users::by_email(self.db.pool(), &email).await?;
        let name = input.name.trim();
        let mut hash = None;
        if existing.is_none() {
            let mut errors = Vec::new();
            if name.is_empty() || name.chars().count() > 200 {
                errors.push(FieldError {
                    field: "name",
                    key: "error.name_required",
                });
            }
            if let Err(e) = check_new_password(&input.password, email.as_str()) {
                errors.push(FieldError {
                    field: "password",
                    key: e.key(),
                });
            } else if input.password != input.confirm {
                errors.push(FieldError {
                    field: "confirm",
                    key: "error.password_mismatch",
                });
            }
            if !errors.is_empty() {
                return Err(AppError::Invalid(errors));
            }
            hash = Some(hash_password(&input.password).await?);
        }
        let edition = editions::by_id(self.db.pool(), inv.edition_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if !invitations::mark_used(&mut *tx, inv.id, now).await? {
            return Err(AppError::Gone("invitation.used"));
        }
        let (user_id, created) = match (&existing, &hash) {
            (Some(u), _) => (u.id, false),
            (None, Some(hash)) => {
                let id = users::insert(
                    &mut *tx,
                    users::NewUser {
                        email: &email,
                        name,
                        nip: None,
                        password_hash: hash,
                        must_change_password: false,
                        now,
                    },
                )
                .await
                .map_err(|e| match e {
                    kolabik_store::StoreError::Duplicate(_) => AppError::Gone("invitation.used"),
                    other => other.into(),
                })?;
                (id, true)
            }
            (None, None) => return Err(AppError::Internal("no password hash".into())),
        };
        let grant = RoleGrant {
            edition_id: edition.id,
            role: inv.role,
            unit_id: Some(inv.unit_id),
        };
        // Checked first: a refused insert would abort the transaction on PostgreSQL.
        let held = users::grants(&mut *tx, user_id, edition.id).await?;
        if !held.contains(&grant) {
            users::grant(&mut *tx, user_id, &grant, now).await?;
        }
        let acting = Actor {
            user_id: Some(user_id),
            ip: actor.ip.clone(),
        };
        record(
            &mut tx,
            &acting,
            now,
            "invitation.accepted",
            "invitation",
            Some(inv.id.to_string()),
            None,
            Some(json!({
                "user_id": user_id,
                "account_created": created,
                "unit_id": inv.unit_id,
                "role": inv.role.as_str(),
                "edition_id": edition.id,
            })),
        )
        .await?;
        let session_token = if created {
            let token = random_token()?;
            users::insert_session(
                &mut *tx,
                &token_hash(&token),
                user_id,
                now,
                now.plus_seconds(SESSION_IDLE_SECS),
            )
            .await?;
            record(
                &mut tx,
                &acting,
                now,
                "session.login",
                "user",
                Some(user_id.to_string()),
                None,
                Some(json!({"via": "invitation"})),
            )
            .await?;
            Some(token)
        } else {
            None
        };
        tx.commit().await?;
        let user = users::by_id(self.db.pool(), user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(Accepted {
            user,
            unit_id: inv.unit_id,
            session_token,
        })
    }
}
