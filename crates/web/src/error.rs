//! One error type for handlers, rendered in one place: an HTML page in the user's language
//! for browsers, a JSON body for the API.

use askama::Template;
use axum::Json;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use kolabik_app::{AppError, FieldError};
use serde_json::json;

use crate::ctx::Ctx;
use crate::i18n::Tr;
use crate::view::Chrome;

#[derive(Debug, Clone)]
pub struct WebError {
    pub status: StatusCode,
    /// Stable machine-readable code for API clients.
    pub code: &'static str,
    /// Catalogue key of the message.
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
    pub fields: Vec<FieldError>,
    /// An instant to show as `{at}` in the message, formatted in the user's language.
    pub at: Option<(kolabik_domain::Instant, kolabik_domain::TimeZone)>,
}

impl WebError {
    fn new(status: StatusCode, code: &'static str, key: &'static str) -> WebError {
        WebError {
            status,
            code,
            key,
            args: Vec::new(),
            fields: Vec::new(),
            at: None,
        }
    }
    pub fn not_found() -> WebError {
        WebError::new(StatusCode::NOT_FOUND, "not_found", "error.not_found")
    }
    pub fn forbidden() -> WebError {
        WebError::new(StatusCode::FORBIDDEN, "forbidden", "error.forbidden")
    }
    pub fn unauthenticated() -> WebError {
        WebError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "error.unauthenticated",
        )
    }
    pub fn bad_token() -> WebError {
        WebError::new(StatusCode::UNAUTHORIZED, "bad_token", "error.bad_token")
    }
    pub fn cross_origin() -> WebError {
        WebError::new(StatusCode::FORBIDDEN, "cross_origin", "error.cross_origin")
    }
    pub fn password_change_required() -> WebError {
        WebError::new(
            StatusCode::FORBIDDEN,
            "password_change_required",
            "error.password_change_required",
        )
    }
    pub fn internal(detail: &str) -> WebError {
        tracing::error!(detail, "internal error");
        WebError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "error.internal",
        )
    }
    pub fn too_large() -> WebError {
        WebError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "error.too_large",
        )
    }
    pub fn bad_request(key: &'static str) -> WebError {
        WebError::new(StatusCode::BAD_REQUEST, "bad_request", key)
    }
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> WebError {
        match e {
            AppError::Invalid(fields) => WebError {
                fields,
                ..WebError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "error.invalid")
            },
            AppError::BadCredentials => WebError::new(
                StatusCode::UNAUTHORIZED,
                "bad_credentials",
                "error.bad_credentials",
            ),
            AppError::RateLimited { minutes } => WebError {
                args: vec![("minutes", minutes.to_string())],
                ..WebError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    "error.rate_limited",
                )
            },
            AppError::NotFound => WebError::not_found(),
            AppError::Deadline(refusal, tz) => {
                let at = refusal.at().map(|instant| (instant, tz));
                WebError {
                    at,
                    ..WebError::new(StatusCode::UNPROCESSABLE_ENTITY, "deadline", refusal.key())
                }
            }
            AppError::Forbidden => WebError::forbidden(),
            AppError::Gone(key) => WebError::new(StatusCode::GONE, "gone", key),
            other => WebError::internal(&other.to_string()),
        }
    }
}

/// Marker carried by a response whose body `render_errors` must fill in.
#[derive(Clone)]
struct Unrendered(WebError);

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(Unrendered(self));
        response
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    status: u16,
    message: String,
}

/// The message of `err` in the user's language, for showing inside a page.
pub fn message(ctx: &Ctx, err: WebError) -> String {
    let tr = ctx.tr();
    let at = err
        .at
        .map(|(instant, tz)| tz.format(instant, ctx.lang))
        .unwrap_or_default();
    let mut args: Vec<(&str, &str)> = err.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    args.push(("at", at.as_str()));
    let mut text = tr.fmt(err.key, &args);
    for f in &err.fields {
        text.push(' ');
        text.push_str(tr.get(f.key));
    }
    text
}

/// The response for `err`, as JSON for the API and as a page otherwise.
pub fn render(ctx: Option<&Ctx>, err: WebError) -> Response {
    let tr = Tr::new(ctx.map(|c| c.lang).unwrap_or_default());
    let lang = ctx.map(|c| c.lang).unwrap_or_default();
    let at = err
        .at
        .map(|(instant, tz)| tz.format(instant, lang))
        .unwrap_or_default();
    let mut args: Vec<(&str, &str)> = err.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    args.push(("at", at.as_str()));
    let message = tr.fmt(err.key, &args);
    if ctx.is_none_or(|c| c.is_api) {
        let fields: Vec<_> = err
            .fields
            .iter()
            .map(|f| json!({"field": f.field, "code": f.key, "message": tr.get(f.key)}))
            .collect();
        let body = json!({"error": {"code": err.code, "message": message, "fields": fields}});
        return (err.status, Json(body)).into_response();
    }
    let Some(ctx) = ctx else {
        return err.status.into_response();
    };
    let page = ErrorPage {
        c: Chrome::new(ctx, tr.get(err.key)),
        status: err.status.as_u16(),
        message,
    };
    match page.render() {
        Ok(html) => (err.status, Html(html)).into_response(),
        Err(_) => err.status.into_response(),
    }
}

/// Fills in the body of every error response with the page or JSON for its language.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let ctx = req.extensions().get::<Ctx>().cloned();
    let mut response = next.run(req).await;
    match response.extensions_mut().remove::<Unrendered>() {
        Some(Unrendered(err)) => {
            let mut rendered = render(ctx.as_ref(), err);
            for (name, value) in response.headers() {
                if name == axum::http::header::SET_COOKIE || name == axum::http::header::LOCATION {
                    rendered.headers_mut().append(name, value.clone());
                }
            }
            rendered
        }
        None if is_bare_error(&response) => {
            let err = match response.status() {
                StatusCode::METHOD_NOT_ALLOWED => WebError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    "error.method_not_allowed",
                ),
                StatusCode::PAYLOAD_TOO_LARGE => WebError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    "error.too_large",
                ),
                StatusCode::UNSUPPORTED_MEDIA_TYPE => WebError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "error.unsupported_media_type",
                ),
                status if status.is_server_error() => WebError::internal("framework error"),
                status => WebError::new(status, "bad_request", "error.bad_request"),
            };
            render(ctx.as_ref(), err)
        }
        None => response,
    }
}

/// An error answered by the framework itself (an extractor's rejection, an unknown method):
/// a 4xx/5xx with a plain-text body or none, which we re-render in the user's language.
fn is_bare_error(response: &Response) -> bool {
    let status = response.status();
    let plain = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    (status.is_client_error() || status.is_server_error()) && plain
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctx::Auth;
    use kolabik_domain::Lang;

    fn ctx(lang: Lang, is_api: bool) -> Ctx {
        Ctx {
            lang,
            user: None,
            grants: Vec::new(),
            auth: Auth::Anonymous,
            ip: "127.0.0.1".into(),
            path: "/x".into(),
            is_api,
            secure_cookies: false,
            unread_notices: 0,
        }
    }

    async fn body(r: Response) -> String {
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn server_errors_are_pages_in_the_users_language() {
        let r = render(Some(&ctx(Lang::Id, false)), WebError::internal("boom"));
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let html = body(r).await;
        assert!(html.contains("Terjadi kesalahan pada server"));
        assert!(!html.contains("boom"), "internal details stay in the log");
        let r = render(Some(&ctx(Lang::En, false)), WebError::internal("boom"));
        assert!(body(r).await.contains("Something went wrong on the server"));
    }

    #[tokio::test]
    async fn api_errors_are_json_with_field_messages() {
        let err: WebError = AppError::invalid("email", "error.email").into();
        let r = render(Some(&ctx(Lang::En, true)), err);
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v: serde_json::Value = serde_json::from_str(&body(r).await).unwrap();
        assert_eq!(v["error"]["code"], "invalid");
        assert_eq!(v["error"]["fields"][0]["field"], "email");
        assert!(
            v["error"]["fields"][0]["message"]
                .as_str()
                .unwrap()
                .starts_with("Not a valid e-mail")
        );
    }
}
