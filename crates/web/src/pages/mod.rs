//! Server-rendered pages, one module per audience.

pub mod account;
pub mod attachments;
pub mod catalog;
pub mod certificates;
pub mod committee;
pub mod dashboards;
pub mod edition;
pub mod field;
pub mod funnel;
pub mod invitations;
pub mod jury;
pub mod leaders;
pub mod notices;
pub mod presentation;
pub mod proposals;
pub mod public;
pub mod publication;
pub mod results;
pub mod scoring;
pub mod screening;
pub mod sosialisasi;
pub mod units;
pub mod vote;

use askama::Template;
use axum::response::{Html, IntoResponse, Response};

use crate::error::WebError;

/// Renders a template, or the error page if rendering fails.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => WebError::internal(&e.to_string()).into_response(),
    }
}
