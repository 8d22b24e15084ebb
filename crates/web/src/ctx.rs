//! Per-request context: who is asking (session cookie or bearer token), in which language,
//! from where. Resolved once per request by `resolve`, which also enforces the same-origin
//! rule for every state-changing request that rides on a cookie.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kolabik_app::Actor;
use kolabik_domain::{Lang, Role, RoleGrant, User};

use crate::AppState;
use crate::error::WebError;
use crate::i18n::{Tr, negotiate};

pub const SESSION_COOKIE: &str = "kolabik_session";
pub const LANG_COOKIE: &str = "kolabik_lang";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Auth {
    Anonymous,
    /// Signed in through the session cookie; holds the cookie's secret.
    Session(String),
    Bearer,
}

#[derive(Clone, Debug)]
pub struct Ctx {
    pub lang: Lang,
    pub user: Option<User>,
    pub grants: Vec<RoleGrant>,
    pub auth: Auth,
    pub ip: String,
    pub path: String,
    pub is_api: bool,
    pub secure_cookies: bool,
    /// Unread in-app notices of the signed-in user (pages only; 0 for the API).
    pub unread_notices: i64,
}

impl Ctx {
    pub fn tr(&self) -> Tr {
        Tr::new(self.lang)
    }
    pub fn roles(&self) -> Vec<Role> {
        let mut roles: Vec<Role> = self.grants.iter().map(|g| g.role).collect();
        roles.sort();
        roles.dedup();
        roles
    }
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.user.as_ref().map(|u| u.id),
            ip: Some(self.ip.clone()),
        }
    }
    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| WebError::internal("request context missing"))
    }
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn client_ip(req: &Request, trust_proxy: bool) -> String {
    if trust_proxy
        && let Some(first) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        return first.trim().to_owned();
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Proof that a browser request comes from our own pages: `Sec-Fetch-Site: same-origin`,
/// or an `Origin` whose host is the request's `Host` (or the configured public URL). No
/// proof, no change.
fn same_origin(headers: &HeaderMap, public_url: Option<&str>) -> bool {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if let Some(site) = fetch_site
        && site != "same-origin"
    {
        return false;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) => {
            let authority = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
            host.is_some_and(|h| h.eq_ignore_ascii_case(authority))
                || public_url.is_some_and(|u| u.trim_end_matches('/').eq_ignore_ascii_case(origin))
        }
        None => fetch_site == Some("same-origin"),
    }
}

pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let headers = req.headers();
    let path = req.uri().path().to_owned();
    let is_api = path.starts_with("/api/");
    // Pages speak Indonesian until the user picks English with the switch; API clients
    // may also ask through Accept-Language.
    let accept_language = if is_api {
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
    } else {
        None
    };
    let lang = negotiate(cookie(headers, LANG_COOKIE), accept_language);
    let ip = client_ip(&req, state.config.trust_proxy);
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    let session = cookie(headers, SESSION_COOKIE).map(str::to_owned);

    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method
        && bearer.is_none()
        && !same_origin(req.headers(), state.config.public_url.as_deref())
    {
        let ctx = Ctx {
            lang,
            user: None,
            grants: Vec::new(),
            auth: Auth::Anonymous,
            ip,
            path,
            is_api,
            secure_cookies: false,
            unread_notices: 0,
        };
        return crate::error::render(Some(&ctx), WebError::cross_origin());
    }

    let (user, auth) = match (&bearer, &session) {
        (Some(token), _) => match state.app.token_user(token).await {
            Ok(Some(u)) => (Some(u), Auth::Bearer),
            Ok(None) => {
                let ctx = Ctx {
                    lang,
                    user: None,
                    grants: Vec::new(),
                    auth: Auth::Anonymous,
                    ip,
                    path,
                    is_api: true,
                    secure_cookies: false,
                    unread_notices: 0,
                };
                return crate::error::render(Some(&ctx), WebError::bad_token());
            }
            Err(e) => return WebError::from(e).into_response(),
        },
        (None, Some(token)) => match state.app.session_user(token).await {
            Ok(Some(u)) => (Some(u), Auth::Session(token.clone())),
            Ok(None) => (None, Auth::Anonymous),
            Err(e) => return WebError::from(e).into_response(),
        },
        (None, None) => (None, Auth::Anonymous),
    };
    let grants = match &user {
        Some(u) => match state.app.grants(u.id).await {
            Ok(g) => g,
            Err(e) => return WebError::from(e).into_response(),
        },
        None => Vec::new(),
    };
    // The header's notice badge: one indexed count, for pages only.
    let unread_notices = match &user {
        Some(u) if !is_api && !path.starts_with("/static/") => {
            match state.app.unread_notices(u.id).await {
                Ok(n) => n,
                Err(e) => return WebError::from(e).into_response(),
            }
        }
        _ => 0,
    };
    let secure_cookies = state
        .config
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"));
    let stale_cookie = session.is_some() && auth == Auth::Anonymous;
    req.extensions_mut().insert(Ctx {
        lang,
        user,
        grants,
        auth,
        ip,
        path,
        is_api,
        secure_cookies,
        unread_notices,
    });
    let mut response = next.run(req).await;
    if stale_cookie {
        // A cookie for a session that has ended: drop it so the browser stops sending it.
        if let Ok(v) = clear_cookie(SESSION_COOKIE).parse() {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

pub fn session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        kolabik_app::auth::SESSION_IDLE_SECS,
        if secure { "; Secure" } else { "" }
    )
}

pub fn clear_cookie(name: &str) -> String {
    format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

pub fn lang_cookie(lang: Lang) -> String {
    format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
        lang.as_str()
    )
}

/// A 303 redirect (after a POST, the browser follows with a GET).
pub fn see_other(location: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, location.to_owned())],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn h(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.insert(*k, HeaderValue::from_static(v));
        }
        m
    }

    #[test]
    fn same_origin_needs_proof() {
        assert!(!same_origin(&h(&[("host", "a.id")]), None));
        assert!(same_origin(
            &h(&[("host", "a.id"), ("origin", "http://a.id")]),
            None
        ));
        assert!(!same_origin(
            &h(&[("host", "a.id"), ("origin", "http://evil.id")]),
            None
        ));
        assert!(same_origin(
            &h(&[("host", "a.id"), ("sec-fetch-site", "same-origin")]),
            None
        ));
        assert!(!same_origin(
            &h(&[
                ("host", "a.id"),
                ("origin", "http://a.id"),
                ("sec-fetch-site", "cross-site")
            ]),
            None
        ));
        assert!(same_origin(
            &h(&[
                ("host", "10.0.0.5:8080"),
                ("origin", "https://kolabik.go.id")
            ]),
            Some("https://kolabik.go.id/")
        ));
    }
}
