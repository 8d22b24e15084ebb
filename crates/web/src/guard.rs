//! The one access check. Every route is wrapped with this guard and the `Area` it declared
//! in `routes()`; handlers never decide on their own who may enter.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kolabik_domain::access::{Area, Decision, may_enter};

use crate::ctx::{Ctx, see_other};
use crate::error::WebError;

/// Paths a user who must change a generated password may still reach.
const PASSWORD_CHANGE_PATHS: [&str; 2] = ["/akun/kata-sandi", "/keluar"];

pub async fn guard(State(area): State<Area>, req: Request, next: Next) -> Response {
    let Some(ctx) = req.extensions().get::<Ctx>() else {
        return WebError::internal("guard without context").into_response();
    };
    let roles = ctx.user.as_ref().map(|_| ctx.roles());
    match may_enter(area, roles.as_deref()) {
        Decision::Allow => {}
        Decision::NeedsLogin if ctx.is_api => return WebError::unauthenticated().into_response(),
        Decision::NeedsLogin => {
            let next_path = urlencode(&ctx.path);
            return see_other(&format!("/masuk?next={next_path}"));
        }
        Decision::Forbidden => return WebError::forbidden().into_response(),
    }
    let must_change = ctx.user.as_ref().is_some_and(|u| u.must_change_password);
    if must_change && area != Area::Public && !PASSWORD_CHANGE_PATHS.contains(&ctx.path.as_str()) {
        if ctx.is_api {
            return WebError::password_change_required().into_response();
        }
        return see_other("/akun/kata-sandi");
    }
    next.run(req).await
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A `next` target is followed only when it is a path on this site.
pub fn safe_next(next: Option<&str>) -> Option<String> {
    let n = next?.trim();
    let local =
        n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.contains("://");
    local.then(|| n.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next(Some("/panitia")), Some("/panitia".into()));
        assert_eq!(safe_next(Some("//evil.id")), None);
        assert_eq!(safe_next(Some("https://evil.id")), None);
        assert_eq!(safe_next(Some("/\\evil.id")), None);
        assert_eq!(safe_next(None), None);
        assert_eq!(urlencode("/a b?c"), "/a%20b%3Fc");
    }
}
