use kolabik_store::StoreError;

/// A field that failed validation and the catalogue key of its message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub key: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input was refused; nothing changed. One entry per offending field.
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error("wrong e-mail or password")]
    BadCredentials,
    #[error("too many attempts; try again in {minutes} minutes")]
    RateLimited { minutes: i64 },
    #[error("not found")]
    NotFound,
    /// Outside the stage's window for this unit (its dispensation counted).
    #[error("deadline: {0:?}")]
    Deadline(
        kolabik_domain::edition::DeadlineRefusal,
        kolabik_domain::TimeZone,
    ),
    #[error("forbidden")]
    Forbidden,
    /// It existed but no longer works (a used or expired invitation); the catalogue key
    /// says which.
    #[error("gone: {0}")]
    Gone(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<sqlx_error::Error> for AppError {
    fn from(e: sqlx_error::Error) -> Self {
        AppError::Store(StoreError::Db(e))
    }
}

/// `sqlx::Error` by its path in the store crate, so this crate needs no direct sqlx import.
mod sqlx_error {
    pub use kolabik_store::SqlxError as Error;
}

impl AppError {
    pub fn invalid(field: &'static str, key: &'static str) -> AppError {
        AppError::Invalid(vec![FieldError { field, key }])
    }
}
