//! The stylesheet, the small progressive-enhancement script and the logo, compiled in so
//! the binary is the whole application.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::WebError;

const FILES: [(&str, &str, &str); 3] = [
    (
        "kolabik.css",
        "text/css; charset=utf-8",
        include_str!("../assets/kolabik.css"),
    ),
    (
        "kolabik.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/kolabik.js"),
    ),
    (
        "logo.svg",
        "image/svg+xml",
        include_str!("../assets/logo.svg"),
    ),
];

pub async fn serve(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, mime, body)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => WebError::not_found().into_response(),
    }
}
