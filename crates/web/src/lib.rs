//! Kolabik's HTTP layer: server-rendered pages, the JSON API under `/api/v1`, health and
//! metrics. Handlers are thin: they parse the request, call one `kolabik_app` use case and
//! render the answer. Access control happens once, in `guard`, from the `Area` that each
//! route declares in `routes()`.

pub mod api;
mod assets;
mod ctx;
mod error;
mod forms;
mod guard;
pub mod i18n;
mod metrics;
mod pages;
mod view;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodRouter, get, post};
use axum::{Router, middleware};
use kolabik_app::App;
use kolabik_domain::Role;
use kolabik_domain::access::Area;

pub use ctx::Ctx;
pub use error::WebError;

/// Settings the web layer needs from the configuration.
#[derive(Clone, Debug, Default)]
pub struct WebConfig {
    /// Public base URL (e.g. `https://kolabik.pasuruankota.go.id`). Its origin is accepted
    /// as same-origin for forms behind a reverse proxy, and an `https` URL marks cookies
    /// `Secure`.
    pub public_url: Option<String>,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_proxy: bool,
    /// An SMTP server is configured (else e-mails are kept for the mailbox page).
    pub smtp_configured: bool,
}

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: Arc<WebConfig>,
    pub metrics: Arc<metrics::Metrics>,
}

/// One route: method, path and who may enter. `routes()` is the single list the router is
/// built from and the access tests walk.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub area: Area,
}

const COMMITTEE: Area = Area::Role(Role::Committee);
const OPERATOR: Area = Area::Role(Role::UnitOperator);
const JUDGE: Area = Area::Role(Role::Judge);
const VIEWER: Area = Area::Role(Role::Viewer);
const COMMITTEE_OR_OPERATOR: Area = Area::AnyOf(&[Role::Committee, Role::UnitOperator]);

fn table() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    use pages::{account, committee, dashboards, notices, public};
    let r = |method, path, area, handler| (RouteSpec { method, path, area }, handler);
    vec![
        r("GET", "/", Area::Public, get(public::home)),
        r(
            "GET",
            "/bahasa/{lang}",
            Area::Public,
            get(public::switch_language),
        ),
        r("GET", "/masuk", Area::Public, get(account::login_form)),
        r("POST", "/masuk", Area::Public, post(account::login)),
        r("POST", "/keluar", Area::SignedIn, post(account::logout)),
        r(
            "GET",
            "/akun/kata-sandi",
            Area::SignedIn,
            get(account::password_form),
        ),
        r(
            "POST",
            "/akun/kata-sandi",
            Area::SignedIn,
            post(account::change_password),
        ),
        r("GET", "/dasbor", Area::SignedIn, get(dashboards::home)),
        r("GET", "/panitia", COMMITTEE, get(dashboards::committee)),
        r("GET", "/panitia/pengguna", COMMITTEE, get(committee::users)),
        r(
            "POST",
            "/panitia/pengguna",
            COMMITTEE,
            post(committee::create_user),
        ),
        r(
            "GET",
            "/panitia/usulan",
            COMMITTEE,
            get(committee::proposals),
        ),
        r("GET", "/panitia/unit", COMMITTEE, get(committee::units)),
        r("GET", "/panitia/audit", COMMITTEE, get(committee::audit)),
        r(
            "GET",
            "/panitia/kotak-surat",
            COMMITTEE,
            get(committee::mailbox),
        ),
        r("GET", "/pemberitahuan", Area::SignedIn, get(notices::list)),
        r(
            "POST",
            "/pemberitahuan/baca",
            Area::SignedIn,
            post(notices::mark_read),
        ),
        r("GET", "/operator", OPERATOR, get(dashboards::operator)),
        r("GET", "/juri", JUDGE, get(dashboards::judge)),
        r("GET", "/pimpinan", VIEWER, get(dashboards::viewer)),
        r("GET", "/healthz", Area::Public, get(public::healthz)),
        r("GET", "/readyz", Area::Public, get(public::readyz)),
        r("GET", "/metrics", Area::Public, get(metrics::render)),
        r("GET", "/static/{file}", Area::Public, get(assets::serve)),
        r(
            "GET",
            "/api/v1/openapi.json",
            Area::Public,
            get(api::openapi_json),
        ),
        r("GET", "/api/v1/edition", Area::Public, get(api::edition)),
        r("GET", "/api/v1/units", Area::Public, get(api::units)),
        r("GET", "/api/v1/me", Area::SignedIn, get(api::me)),
        r(
            "GET",
            "/api/v1/proposals",
            COMMITTEE_OR_OPERATOR,
            get(api::proposals),
        ),
        r("GET", "/api/v1/users", COMMITTEE, get(api::users)),
        r("POST", "/api/v1/users", COMMITTEE, post(api::create_user)),
        r("GET", "/api/v1/audit", COMMITTEE, get(api::audit)),
        r("GET", "/api/v1/outbox", COMMITTEE, get(api::outbox)),
        r("GET", "/api/v1/notices", Area::SignedIn, get(api::notices)),
        r(
            "GET",
            "/api/v1/dashboard/committee",
            COMMITTEE,
            get(api::committee_dashboard),
        ),
        r(
            "GET",
            "/api/v1/dashboard/operator",
            OPERATOR,
            get(api::operator_dashboard),
        ),
        r(
            "GET",
            "/api/v1/dashboard/judge",
            JUDGE,
            get(api::judge_dashboard),
        ),
        r(
            "GET",
            "/api/v1/dashboard/viewer",
            VIEWER,
            get(api::viewer_dashboard),
        ),
    ]
}

/// Every route with its access area.
pub fn routes() -> Vec<RouteSpec> {
    table().into_iter().map(|(spec, _)| spec).collect()
}

/// The whole application as an axum router.
pub fn router(app: App, config: WebConfig) -> Router {
    let state = AppState {
        app,
        config: Arc::new(config),
        metrics: Arc::new(metrics::Metrics::default()),
    };
    let mut router = Router::new();
    for (spec, handler) in table() {
        let guarded = handler.route_layer(middleware::from_fn_with_state(spec.area, guard::guard));
        router = router.route(spec.path, guarded);
    }
    router
        .fallback(pages::public::not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(middleware::from_fn(error::render_errors))
        .layer(middleware::from_fn_with_state(state.clone(), ctx::resolve))
        .layer(DefaultBodyLimit::max(2 * 1024 * 1024))
        .with_state(state)
}

/// Serves until `shutdown` resolves. Returns the bound address through `on_bound` first,
/// so callers (and tests) can bind port 0.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
