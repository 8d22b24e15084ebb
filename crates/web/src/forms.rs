//! Form state for pages: what the user typed and the message for each refused field, so a
//! failed save shows the form again with nothing lost.

use std::collections::HashMap;

use kolabik_app::FieldError;

use crate::i18n::Tr;

#[derive(Default)]
pub struct FormState {
    values: HashMap<&'static str, String>,
    errors: HashMap<&'static str, &'static str>,
    tr: Option<Tr>,
}

impl FormState {
    pub fn new(tr: Tr) -> FormState {
        FormState {
            tr: Some(tr),
            ..FormState::default()
        }
    }

    pub fn with_value(mut self, field: &'static str, value: &str) -> FormState {
        self.values.insert(field, value.to_owned());
        self
    }

    pub fn with_errors(mut self, errors: &[FieldError]) -> FormState {
        for e in errors {
            self.errors.entry(e.field).or_insert(e.key);
        }
        self
    }

    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map(String::as_str).unwrap_or("")
    }

    /// The translated message for `field`, or "" when it is fine.
    pub fn error(&self, field: &str) -> &str {
        match (self.errors.get(field), self.tr) {
            (Some(key), Some(tr)) => tr.get(key),
            (Some(key), None) => key,
            _ => "",
        }
    }

    pub fn has_error(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    pub fn is(&self, field: &str, value: &str) -> bool {
        self.value(field) == value
    }
}
