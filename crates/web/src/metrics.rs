//! Prometheus text-format metrics: requests by route and status, a latency histogram per
//! route, and the database pool's use. Kept in process: each node is scraped on its own.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
}

impl Metrics {
    fn observe(&self, route: String, method: String, status: u16, seconds: f64) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        *inner
            .requests
            .entry((route.clone(), method, status))
            .or_default() += 1;
        let h = inner.latency.entry(route).or_default();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }
}

pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().to_string();
    let started = Instant::now();
    let response = next.run(req).await;
    state.metrics.observe(
        route,
        method,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub async fn render(State(state): State<AppState>) -> Response {
    let mut out = String::new();
    out.push_str("# HELP kolabik_http_requests_total HTTP requests by route, method and status.\n");
    out.push_str("# TYPE kolabik_http_requests_total counter\n");
    let (size, idle) = state.app.db().pool_usage();
    if let Ok(inner) = state.metrics.inner.lock() {
        for ((route, method, status), n) in &inner.requests {
            out.push_str(&format!(
                "kolabik_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}\n",
                escape(route)
            ));
        }
        out.push_str("# HELP kolabik_http_request_duration_seconds Request latency by route.\n");
        out.push_str("# TYPE kolabik_http_request_duration_seconds histogram\n");
        for (route, h) in &inner.latency {
            let r = escape(route);
            for (bound, count) in BUCKETS.iter().zip(h.counts) {
                out.push_str(&format!(
                    "kolabik_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"{bound}\"}} {count}\n"
                ));
            }
            out.push_str(&format!(
                "kolabik_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {}\n",
                h.count
            ));
            out.push_str(&format!(
                "kolabik_http_request_duration_seconds_sum{{route=\"{r}\"}} {}\n",
                h.sum
            ));
            out.push_str(&format!(
                "kolabik_http_request_duration_seconds_count{{route=\"{r}\"}} {}\n",
                h.count
            ));
        }
    }
    out.push_str("# HELP kolabik_db_pool_connections Database pool connections by state.\n");
    out.push_str("# TYPE kolabik_db_pool_connections gauge\n");
    out.push_str(&format!(
        "kolabik_db_pool_connections{{state=\"open\"}} {size}\n"
    ));
    out.push_str(&format!(
        "kolabik_db_pool_connections{{state=\"idle\"}} {idle}\n"
    ));
    out.push_str(&format!(
        "kolabik_db_pool_connections{{state=\"in_use\"}} {}\n",
        (size as usize).saturating_sub(idle)
    ));
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}
