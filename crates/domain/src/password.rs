//! What makes an acceptable new password. Hashing lives in the application layer; this is
//! only the rule, so the page, the API and the CLI refuse the same passwords.

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("password must have at least {MIN_LEN} characters")]
    TooShort,
    #[error("password must have at most {MAX_LEN} characters")]
    TooLong,
    #[error("password must not contain the e-mail name")]
    ContainsEmail,
    #[error("password is too simple")]
    TooSimple,
}

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 128;

impl PasswordError {
    pub fn key(self) -> &'static str {
        match self {
            PasswordError::TooShort => "error.password_short",
            PasswordError::TooLong => "error.password_long",
            PasswordError::ContainsEmail => "error.password_email",
            PasswordError::TooSimple => "error.password_simple",
        }
    }
}

pub fn check_new_password(password: &str, email: &str) -> Result<(), PasswordError> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(PasswordError::TooShort);
    }
    if len > MAX_LEN {
        return Err(PasswordError::TooLong);
    }
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    if local.len() >= 4 && password.to_lowercase().contains(&local) {
        return Err(PasswordError::ContainsEmail);
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 5 {
        return Err(PasswordError::TooSimple);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(
            check_new_password("short", "a@b.id"),
            Err(PasswordError::TooShort)
        );
        assert_eq!(
            check_new_password("aaaaaaaaaaaa", "a@b.id"),
            Err(PasswordError::TooSimple)
        );
        assert_eq!(
            check_new_password("panitia-rahasia", "panitia@kolabik.test"),
            Err(PasswordError::ContainsEmail)
        );
        assert!(check_new_password("Kota-Madinah-2022", "panitia@kolabik.test").is_ok());
        assert_eq!(
            check_new_password(&"ab1!x".repeat(30), "a@b.id"),
            Err(PasswordError::TooLong)
        );
    }
}
