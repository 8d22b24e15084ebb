//! Passwords, sessions, API tokens and the login rate limit.
//!
//! Secrets are random 256-bit tokens; the database keeps only their SHA-256, so a leaked
//! database does not leak live sessions or API tokens. Passwords are argon2id PHC strings.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use kolabik_domain::password::check_new_password;
use kolabik_domain::{Email, User};
use kolabik_store::users;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::notify::MailKind;
use crate::{Actor, App, AppError, record};

/// Sessions end after this long without a request.
pub const SESSION_IDLE_SECS: i64 = 12 * 3600;
/// Refresh a session's expiry at most this often, to keep reads free of writes.
const SESSION_TOUCH_SECS: i64 = 300;
/// Failed logins are counted over this window.
pub const LOGIN_WINDOW_SECS: i64 = 15 * 60;
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_IP: i64 = 30;

pub fn random_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(hex(&bytes))
}

pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A readable random password (`xxxx-xxxx-xxxx-xxxx`, no look-alike characters) for
/// accounts created by the committee or the CLI; its owner must change it at first login.
pub fn generate_password() -> Result<String, AppError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|e| AppError::Internal(e.to_string()))?;
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    Ok(chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}

/// argon2id with the crate's default (OWASP-recommended) parameters, off the async threads.
pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        getrandom::getrandom(&mut salt).map_err(|e| AppError::Internal(e.to_string()))?;
        let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(e.to_string()))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

pub async fn verify_password(password: &str, phc: &str) -> Result<bool, AppError> {
    let password = password.to_owned();
    let phc = phc.to_owned();
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&phc) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))
}

/// A hash of a password nobody knows, verified when the e-mail is unknown so that a
/// wrong e-mail takes as long as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$G7Ztf2lH1T3uC8v3vXhGgqYz8QY6uHkqzv1l1HbXn2Y";

pub struct LoggedIn {
    pub user: User,
    /// The secret for the session cookie; only its hash is stored.
    pub session_token: String,
}

impl App {
    /// Checks the rate limits, the e-mail and the password; on success opens a session.
    /// Every attempt is recorded and audit-logged.
    pub async fn login(&self, email: &str, password: &str, ip: &str) -> Result<LoggedIn, AppError> {
        let now = self.now();
        let email_key = email.trim().to_lowercase();
        let since = now.plus_seconds(-LOGIN_WINDOW_SECS);
        let (by_email, first_email, by_ip, first_ip) =
            users::recent_failures(&self.db, &email_key, ip, since).await?;
        let retry_minutes = |first: Option<i64>| {
            let until = first.unwrap_or(now.millis()) + LOGIN_WINDOW_SECS * 1000;
            ((until - now.millis()) / 60_000 + 1).max(1)
        };
        if by_email >= MAX_FAILURES_PER_ACCOUNT {
            return Err(AppError::RateLimited {
                minutes: retry_minutes(first_email),
            });
        }
        if by_ip >= MAX_FAILURES_PER_IP {
            return Err(AppError::RateLimited {
                minutes: retry_minutes(first_ip),
            });
        }

        let found = match Email::parse(email) {
            Ok(e) => users::credentials(self.db.pool(), &e).await?,
            Err(_) => None,
        };
        let (user, ok) = match found {
            Some((user, hash)) => {
                let ok = verify_password(password, &hash).await? && !user.disabled;
                (Some(user), ok)
            }
            None => {
                verify_password(password, DUMMY_HASH).await?;
                (None, false)
            }
        };
        let actor = Actor {
            user_id: user.as_ref().map(|u| u.id),
            ip: Some(ip.to_owned()),
        };
        let mut tx = self.db.begin().await?;
        users::record_login_attempt(&mut *tx, &email_key, ip, now, ok).await?;
        let result = match (user, ok) {
            (Some(user), true) => {
                let token = random_token()?;
                users::insert_session(
                    &mut *tx,
                    &token_hash(&token),
                    user.id,
                    now,
                    now.plus_seconds(SESSION_IDLE_SECS),
                )
                .await?;
                record(
                    &mut tx,
                    &actor,
                    now,
                    "session.login",
                    "user",
                    Some(user.id.to_string()),
                    None,
                    None,
                )
                .await?;
                Ok(LoggedIn {
                    user,
                    session_token: token,
                })
            }
            _ => {
                record(
                    &mut tx,
                    &actor,
                    now,
                    "session.login_failed",
                    "user",
                    None,
                    None,
                    Some(json!({"email": email_key})),
                )
                .await?;
                Err(AppError::BadCredentials)
            }
        };
        tx.commit().await?;
        result
    }

    /// The user behind a session cookie, sliding the session's expiry forward.
    pub async fn session_user(&self, token: &str) -> Result<Option<User>, AppError> {
        let now = self.now();
        let hash = token_hash(token);
        let Some((user, last_seen)) = users::session_user(self.db.pool(), &hash, now).await? else {
            return Ok(None);
        };
        if now.millis() - last_seen.millis() > SESSION_TOUCH_SECS * 1000 {
            users::touch_session(
                self.db.pool(),
                &hash,
                now,
                now.plus_seconds(SESSION_IDLE_SECS),
            )
            .await?;
        }
        Ok(Some(user))
    }

    pub async fn logout(&self, token: &str, actor: &Actor) -> Result<(), AppError> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        users::delete_session(&mut *tx, &token_hash(token)).await?;
        if let Some(id) = actor.user_id {
            record(
                &mut tx,
                actor,
                now,
                "session.logout",
                "user",
                Some(id.to_string()),
                None,
                None,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The user behind an API bearer token.
    pub async fn token_user(&self, token: &str) -> Result<Option<User>, AppError> {
        Ok(users::token_user(self.db.pool(), &token_hash(token)).await?)
    }

    /// Creates an API token for `email`; returns the secret, shown once.
    pub async fn create_api_token(
        &self,
        email: &str,
        label: &str,
        actor: &Actor,
    ) -> Result<String, AppError> {
        let email = Email::parse(email).map_err(|e| AppError::invalid("email", e.key()))?;
        let user = users::by_email(self.db.pool(), &email)
            .await?
            .ok_or(AppError::NotFound)?;
        let token = format!("kolabik_{}", random_token()?);
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let id = users::insert_token(&mut *tx, user.id, &token_hash(&token), label, now).await?;
        record(
            &mut tx,
            actor,
            now,
            "token.created",
            "api_token",
            Some(id.to_string()),
            None,
            Some(json!({"user_id": user.id, "label": label})),
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The signed-in user changes their own password. Other sessions end.
    pub async fn change_password(
        &self,
        user: &User,
        current: &str,
        new: &str,
        confirm: &str,
        session_token: &str,
        actor: &Actor,
    ) -> Result<(), AppError> {
        let hash = users::password_hash(self.db.pool(), user.id).await?;
        let mut errors = Vec::new();
        if !verify_password(current, &hash).await? {
            errors.push(crate::FieldError {
                field: "current",
                key: "error.password_wrong",
            });
        }
        if let Err(e) = check_new_password(new, user.email.as_str()) {
            errors.push(crate::FieldError {
                field: "new",
                key: e.key(),
            });
        } else if new != confirm {
            errors.push(crate::FieldError {
                field: "confirm",
                key: "error.password_mismatch",
            });
        } else if new == current {
            errors.push(crate::FieldError {
                field: "new",
                key: "error.password_same",
            });
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let new_hash = hash_password(new).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        users::set_password(&mut *tx, user.id, &new_hash, false).await?;
        users::delete_other_sessions(&mut *tx, user.id, &token_hash(session_token)).await?;
        record(
            &mut tx,
            actor,
            now,
            "user.password_changed",
            "user",
            Some(user.id.to_string()),
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a password for `email` (CLI). With `None` a password is generated, returned,
    /// and must be changed at the next login.
    pub async fn set_password(
        &self,
        email: &str,
        password: Option<&str>,
        actor: &Actor,
    ) -> Result<String, AppError> {
        let email = Email::parse(email).map_err(|e| AppError::invalid("email", e.key()))?;
        let user = users::by_email(self.db.pool(), &email)
            .await?
            .ok_or(AppError::NotFound)?;
        let (password, must_change) = match password {
            Some(p) => {
                check_new_password(p, email.as_str())
                    .map_err(|e| AppError::invalid("password", e.key()))?;
                (p.to_owned(), false)
            }
            None => (generate_password()?, true),
        };
        let hash = hash_password(&password).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        users::set_password(&mut *tx, user.id, &hash, must_change).await?;
        record(
            &mut tx,
            actor,
            now,
            "user.password_set",
            "user",
            Some(user.id.to_string()),
            None,
            Some(json!({"must_change_password": must_change})),
        )
        .await?;
        self.queue_email(
            &mut tx,
            MailKind::PasswordReset,
            email.as_str(),
            Some(user.id),
            &[("name", &user.name), ("email", email.as_str())],
            None,
            actor,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(password)
    }

    pub async fn purge_expired_sessions(&self) -> Result<u64, AppError> {
        Ok(users::purge_expired_sessions(self.db.pool(), self.now()).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_pass_the_policy() {
        for _ in 0..20 {
            let p = generate_password().unwrap();
            assert_eq!(p.len(), 19);
            check_new_password(&p, "someone@kolabik.test").unwrap();
        }
    }

    #[tokio::test]
    async fn hashes_verify_and_dummy_hash_parses() {
        let h = hash_password("Kota-Madinah-2022").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Kota-Madinah-2022", &h).await.unwrap());
        assert!(!verify_password("salah", &h).await.unwrap());
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password("x", DUMMY_HASH).await.unwrap());
    }

    #[test]
    fn token_hash_is_stable_hex() {
        assert_eq!(token_hash("abc").len(), 64);
        assert_eq!(token_hash("abc"), token_hash("abc"));
        assert_ne!(random_token().unwrap(), random_token().unwrap());
    }
}
