//! Kolabik's HTTP layer: server-rendered pages, the JSON API under `/api/v1`, health and
//! metrics. Handlers are thin: they parse the request, call one `kolabik_app` use case and
//! render the answer. Access control happens once, in `guard`, from the `Area` that each
//! route declares in `routes()`.

pub mod api;
mod api_attachments;
mod api_catalog;
mod api_certificates;
mod api_edition;
mod api_funnel;
mod api_invitations;
mod api_jury;
mod api_leaders;
mod api_presentation;
mod api_proposals;
mod api_publication;
mod api_results;
mod api_scoring;
mod api_screening;
mod api_sosialisasi;
mod api_vote;
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
/// Body limit of upload routes: the largest file plus the multipart envelope.
const UPLOAD_BODY_LIMIT: usize = kolabik_app::sosialisasi::MAX_MATERIAL_BYTES + 64 * 1024;
const UNIT_HEAD: Area = Area::Role(Role::UnitHead);
/// Who may read a proposal in full; the use case then checks it is theirs to read.
const PROPOSAL_READERS: Area = Area::AnyOf(&[Role::Committee, Role::UnitOperator, Role::UnitHead]);
/// Who may send a proposal back a step (the use case decides which step).
const RETURNERS: Area = Area::AnyOf(&[Role::Committee, Role::UnitHead]);
const COMMITTEE_OR_OPERATOR: Area = Area::AnyOf(&[Role::Committee, Role::UnitOperator]);
/// Who may read a judged stage's ranking; the use case applies freezing, names and conflicts.
const RANKING_READERS: Area = Area::AnyOf(&[Role::Committee, Role::Viewer, Role::Judge]);
/// The leaders' dashboard: the city's leaders, and the committee that reports to them.
const LEADERS: Area = Area::AnyOf(&[Role::Viewer, Role::Committee]);

/// Body limit of attachment uploads: the largest per-edition limit plus the envelope.
const ATTACHMENT_BODY_LIMIT: usize =
    kolabik_app::attachments::MAX_ATTACHMENT_MB_CAP as usize * 1024 * 1024 + 64 * 1024;

/// Body limit of the CSV import routes: a 1 MiB file plus the form's own overhead (the
/// import itself refuses more than 1 MiB of CSV).
const IMPORT_BODY_LIMIT: usize = kolabik_domain::units::MAX_IMPORT_BYTES + 64 * 1024;

/// Who may open a field visit (the use case then checks the judge's assignment).
const VISITORS: Area = Area::AnyOf(&[Role::Committee, Role::Judge]);
/// Body limit of field-visit photo uploads: the largest photo plus the envelope.
const PHOTO_BODY_LIMIT: usize = kolabik_app::field::MAX_PHOTO_BYTES + 64 * 1024;
/// Body limit of an objection with evidence: the largest file plus the form.
const EVIDENCE_BODY_LIMIT: usize = kolabik_app::vote::MAX_EVIDENCE_BYTES + 64 * 1024;

fn table() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    use pages::catalog;
    use pages::certificates;
    use pages::jury;
    use pages::publication as publication_pages;
    use pages::results as results_pages;
    use pages::scoring;
    /// The jury's stage assignments: the committee sees all, a judge their own.
    const JURY_READERS: Area = Area::AnyOf(&[Role::Committee, Role::Judge]);
    use pages::leaders;
    use pages::vote;
    use pages::{
        account, attachments, committee, dashboards, edition, funnel, invitations, notices,
        proposals, public, screening, sosialisasi, units,
    };
    use pages::{field, presentation};
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
        r("GET", "/panitia/corong", COMMITTEE, get(funnel::show)),
        r("GET", "/panitia/corong.csv", COMMITTEE, get(funnel::csv)),
        r("GET", "/panitia/corong.xlsx", COMMITTEE, get(funnel::xlsx)),
        r("GET", "/panitia/seleksi", COMMITTEE, get(screening::queue)),
        r(
            "POST",
            "/panitia/seleksi/rilis",
            COMMITTEE,
            post(screening::release),
        ),
        r(
            "POST",
            "/panitia/seleksi/daftar-periksa",
            COMMITTEE,
            post(screening::save_checklist),
        ),
        r(
            "GET",
            "/panitia/seleksi/{id}",
            COMMITTEE,
            get(screening::show),
        ),
        r(
            "POST",
            "/panitia/seleksi/{id}",
            COMMITTEE,
            post(screening::decide),
        ),
        r("GET", "/panitia/unit", COMMITTEE, get(units::list)),
        r("POST", "/panitia/unit", COMMITTEE, post(units::create)),
        r(
            "GET",
            "/panitia/unit/impor",
            COMMITTEE,
            get(units::import_form),
        ),
        r(
            "POST",
            "/panitia/unit/impor",
            COMMITTEE,
            post(units::import).layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT)),
        ),
        r(
            "GET",
            "/panitia/unit/templat.csv",
            COMMITTEE,
            get(units::template),
        ),
        r("GET", "/panitia/unit/{id}", COMMITTEE, get(units::detail)),
        r("POST", "/panitia/unit/{id}", COMMITTEE, post(units::update)),
        r(
            "POST",
            "/panitia/unit/{id}/operator",
            COMMITTEE,
            post(units::add_operator),
        ),
        r(
            "POST",
            "/panitia/unit/{id}/undangan",
            COMMITTEE,
            post(invitations::invite),
        ),
        r(
            "GET",
            "/undangan/{token}",
            Area::Public,
            get(invitations::show),
        ),
        r(
            "POST",
            "/undangan/{token}",
            Area::Public,
            post(invitations::accept),
        ),
        r("GET", "/panitia/audit", COMMITTEE, get(committee::audit)),
        r("GET", "/panitia/edisi", COMMITTEE, get(edition::show)),
        r(
            "POST",
            "/panitia/edisi",
            COMMITTEE,
            post(edition::save_settings),
        ),
        r(
            "POST",
            "/panitia/edisi/tahapan",
            COMMITTEE,
            post(edition::save_timeline),
        ),
        r(
            "POST",
            "/panitia/edisi/kategori",
            COMMITTEE,
            post(edition::add_category),
        ),
        r(
            "POST",
            "/panitia/edisi/kategori/{id}/hapus",
            COMMITTEE,
            post(edition::delete_category),
        ),
        r(
            "POST",
            "/panitia/edisi/salin",
            COMMITTEE,
            post(edition::copy_to_next_year),
        ),
        r(
            "GET",
            "/panitia/dispensasi",
            COMMITTEE,
            get(edition::dispensations),
        ),
        r(
            "POST",
            "/panitia/dispensasi",
            COMMITTEE,
            post(edition::grant_dispensation),
        ),
        r(
            "POST",
            "/panitia/dispensasi/{id}/cabut",
            COMMITTEE,
            post(edition::revoke_dispensation),
        ),
        r(
            "GET",
            "/panitia/sosialisasi",
            COMMITTEE,
            get(sosialisasi::manage),
        ),
        r(
            "POST",
            "/panitia/sosialisasi",
            COMMITTEE,
            post(sosialisasi::create),
        ),
        r(
            "GET",
            "/panitia/sosialisasi/{id}",
            COMMITTEE,
            get(sosialisasi::edit),
        ),
        r(
            "POST",
            "/panitia/sosialisasi/{id}",
            COMMITTEE,
            post(sosialisasi::update),
        ),
        r(
            "POST",
            "/panitia/sosialisasi/{id}/materi",
            COMMITTEE,
            post(sosialisasi::upload).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        ),
        r("GET", "/sosialisasi", Area::Public, get(sosialisasi::list)),
        r(
            "GET",
            "/sosialisasi/{id}",
            Area::Public,
            get(sosialisasi::detail),
        ),
        r(
            "GET",
            "/berkas/{id}",
            Area::Public,
            get(sosialisasi::download),
        ),
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
        r(
            "POST",
            "/operator/usulan",
            OPERATOR,
            post(proposals::create),
        ),
        r(
            "GET",
            "/operator/usulan/{id}",
            OPERATOR,
            get(proposals::edit),
        ),
        r(
            "POST",
            "/operator/usulan/{id}",
            OPERATOR,
            post(proposals::save),
        ),
        r(
            "POST",
            "/operator/usulan/{id}/ajukan",
            OPERATOR,
            post(proposals::submit),
        ),
        r(
            "POST",
            "/operator/usulan/{id}/tarik",
            OPERATOR,
            post(proposals::withdraw),
        ),
        r(
            "POST",
            "/operator/usulan/{id}/lampiran",
            OPERATOR,
            post(attachments::upload).layer(DefaultBodyLimit::max(ATTACHMENT_BODY_LIMIT)),
        ),
        r(
            "POST",
            "/operator/usulan/{id}/lampiran/{file_id}/hapus",
            OPERATOR,
            post(attachments::remove),
        ),
        r(
            "GET",
            "/usulan/{id}/lampiran/{file_id}",
            PROPOSAL_READERS,
            get(attachments::download),
        ),
        r(
            "GET",
            "/usulan/{id}/riwayat",
            PROPOSAL_READERS,
            get(proposals::history),
        ),
        r(
            "GET",
            "/kepala-unit",
            UNIT_HEAD,
            get(proposals::head_dashboard),
        ),
        r(
            "POST",
            "/kepala-unit/usulan/{id}/setujui",
            UNIT_HEAD,
            post(proposals::approve),
        ),
        r(
            "POST",
            "/kepala-unit/usulan/{id}/kembalikan",
            UNIT_HEAD,
            post(proposals::head_send_back),
        ),
        r(
            "GET",
            "/panitia/usulan/{id}",
            COMMITTEE,
            get(proposals::committee_view),
        ),
        r(
            "POST",
            "/panitia/usulan/{id}/kembalikan",
            COMMITTEE,
            post(proposals::committee_return),
        ),
        r("GET", "/juri/dasbor", JUDGE, get(dashboards::judge)),
        // --- presentation & field verification ---
        r(
            "GET",
            "/panitia/presentasi",
            COMMITTEE,
            get(presentation::board),
        ),
        r(
            "POST",
            "/panitia/presentasi/buat",
            COMMITTEE,
            post(presentation::generate),
        ),
        r(
            "POST",
            "/panitia/presentasi/terbitkan",
            COMMITTEE,
            post(presentation::publish),
        ),
        r(
            "POST",
            "/panitia/presentasi/sesi/{id}",
            COMMITTEE,
            post(presentation::edit_slot),
        ),
        r(
            "GET",
            "/usulan/{id}/jadwal.ics",
            COMMITTEE_OR_OPERATOR,
            get(presentation::unit_ics),
        ),
        r(
            "GET",
            "/juri/jadwal",
            JUDGE,
            get(presentation::judge_schedule),
        ),
        r(
            "GET",
            "/juri/jadwal.ics",
            JUDGE,
            get(presentation::judge_ics),
        ),
        r("GET", "/panitia/lapangan", COMMITTEE, get(field::board)),
        r(
            "POST",
            "/panitia/lapangan/daftar-periksa",
            COMMITTEE,
            post(field::save_checklist),
        ),
        r(
            "POST",
            "/panitia/lapangan/kunjungan",
            COMMITTEE,
            post(field::schedule),
        ),
        r("GET", "/lapangan/{visit}", VISITORS, get(field::visit)),
        r("POST", "/lapangan/{visit}", VISITORS, post(field::save)),
        r(
            "POST",
            "/lapangan/{visit}/buka-kembali",
            COMMITTEE,
            post(field::reopen),
        ),
        r(
            "POST",
            "/lapangan/{visit}/foto",
            VISITORS,
            post(field::upload_photo).layer(DefaultBodyLimit::max(PHOTO_BODY_LIMIT)),
        ),
        r(
            "GET",
            "/lapangan/{visit}/foto/{file_id}",
            VISITORS,
            get(field::photo),
        ),
        r(
            "GET",
            "/api/v1/presentation/slots",
            COMMITTEE,
            get(api_presentation::slots),
        ),
        r(
            "POST",
            "/api/v1/presentation/slots/generate",
            COMMITTEE,
            post(api_presentation::generate),
        ),
        r(
            "PUT",
            "/api/v1/presentation/slots/{id}",
            COMMITTEE,
            axum::routing::put(api_presentation::update_slot),
        ),
        r(
            "POST",
            "/api/v1/presentation/publish",
            COMMITTEE,
            post(api_presentation::publish),
        ),
        r(
            "GET",
            "/api/v1/proposals/{id}/presentation.ics",
            COMMITTEE_OR_OPERATOR,
            get(api_presentation::unit_ics),
        ),
        r(
            "GET",
            "/api/v1/judge/presentation.ics",
            JUDGE,
            get(api_presentation::judge_ics),
        ),
        r(
            "GET",
            "/api/v1/field/checklist",
            COMMITTEE,
            get(api_presentation::checklist),
        ),
        r(
            "PUT",
            "/api/v1/field/checklist",
            COMMITTEE,
            axum::routing::put(api_presentation::set_checklist),
        ),
        r(
            "GET",
            "/api/v1/field/visits",
            COMMITTEE,
            get(api_presentation::visits),
        ),
        r(
            "POST",
            "/api/v1/field/visits",
            COMMITTEE,
            post(api_presentation::schedule_visit),
        ),
        r(
            "GET",
            "/api/v1/field/visits/{visit}",
            VISITORS,
            get(api_presentation::visit),
        ),
        r(
            "PUT",
            "/api/v1/field/visits/{visit}",
            VISITORS,
            axum::routing::put(api_presentation::save_visit),
        ),
        r(
            "POST",
            "/api/v1/field/visits/{visit}/complete",
            VISITORS,
            post(api_presentation::complete_visit),
        ),
        r(
            "POST",
            "/api/v1/field/visits/{visit}/reopen",
            COMMITTEE,
            post(api_presentation::reopen_visit),
        ),
        r(
            "POST",
            "/api/v1/field/visits/{visit}/photos",
            VISITORS,
            post(api_presentation::upload_photo).layer(DefaultBodyLimit::max(PHOTO_BODY_LIMIT)),
        ),
        // --- results ---
        r(
            "GET",
            "/panitia/peringkat",
            COMMITTEE,
            get(results_pages::overview),
        ),
        r(
            "POST",
            "/panitia/peringkat/metode",
            COMMITTEE,
            post(results_pages::set_method),
        ),
        r(
            "POST",
            "/panitia/peringkat/umpan-balik",
            COMMITTEE,
            post(results_pages::feedback_release),
        ),
        r(
            "GET",
            "/panitia/peringkat/{stage}",
            COMMITTEE,
            get(results_pages::stage),
        ),
        r(
            "POST",
            "/panitia/peringkat/{stage}/peserta",
            COMMITTEE,
            post(results_pages::entries),
        ),
        r(
            "POST",
            "/panitia/peringkat/{stage}/peserta/{id}/hapus",
            COMMITTEE,
            post(results_pages::remove_entry),
        ),
        r(
            "POST",
            "/panitia/peringkat/{stage}/bekukan",
            COMMITTEE,
            post(results_pages::freeze),
        ),
        r(
            "POST",
            "/panitia/peringkat/{stage}/promosikan",
            COMMITTEE,
            post(results_pages::promote),
        ),
        r(
            "GET",
            "/panitia/peringkat/{stage}/berita-acara.pdf",
            COMMITTEE,
            get(results_pages::minutes_pdf),
        ),
        r(
            "GET",
            "/panitia/peringkat/{stage}/berita-acara.xlsx",
            COMMITTEE,
            get(results_pages::minutes_xlsx),
        ),
        r(
            "GET",
            "/peringkat/{stage}",
            RANKING_READERS,
            get(results_pages::public),
        ),
        r(
            "GET",
            "/usulan/{id}/umpan-balik",
            PROPOSAL_READERS,
            get(results_pages::feedback),
        ),
        r(
            "GET",
            "/api/v1/rankings/{stage}",
            RANKING_READERS,
            get(api_results::ranking),
        ),
        r(
            "POST",
            "/api/v1/rankings/{stage}/freeze",
            COMMITTEE,
            post(api_results::freeze),
        ),
        r(
            "POST",
            "/api/v1/rankings/{stage}/promote",
            COMMITTEE,
            post(api_results::promote),
        ),
        r(
            "GET",
            "/api/v1/rankings/{stage}/berita-acara.pdf",
            COMMITTEE,
            get(api_results::minutes_pdf),
        ),
        r(
            "GET",
            "/api/v1/rankings/{stage}/berita-acara.xlsx",
            COMMITTEE,
            get(api_results::minutes_xlsx),
        ),
        r(
            "GET",
            "/api/v1/final-ranking",
            RANKING_READERS,
            get(api_results::final_ranking),
        ),
        r(
            "POST",
            "/api/v1/feedback/release",
            COMMITTEE,
            post(api_results::release),
        ),
        r(
            "GET",
            "/api/v1/proposals/{id}/feedback",
            PROPOSAL_READERS,
            get(api_results::feedback),
        ),
        // --- scoring workspace (stage settings, rubric, judge's queue and sheets) ---
        r(
            "GET",
            "/panitia/penilaian/{stage}",
            COMMITTEE,
            get(scoring::progress),
        ),
        r(
            "POST",
            "/panitia/penilaian/{stage}/lembar/{id}/buka",
            COMMITTEE,
            post(scoring::reopen),
        ),
        r(
            "GET",
            "/panitia/penilaian/{stage}/pengaturan",
            COMMITTEE,
            get(scoring::settings),
        ),
        r(
            "POST",
            "/panitia/penilaian/{stage}/pengaturan",
            COMMITTEE,
            post(scoring::save_settings),
        ),
        r(
            "GET",
            "/panitia/penilaian/{stage}/rubrik",
            COMMITTEE,
            get(scoring::rubric),
        ),
        r(
            "POST",
            "/panitia/penilaian/{stage}/rubrik",
            COMMITTEE,
            post(scoring::save_rubric),
        ),
        r(
            "POST",
            "/panitia/penilaian/{stage}/rubrik/bawaan",
            COMMITTEE,
            post(scoring::reset_rubric),
        ),
        r("GET", "/juri", JUDGE, get(scoring::queue)),
        r("GET", "/juri/{stage}/{id}", JUDGE, get(scoring::sheet)),
        r(
            "POST",
            "/juri/{stage}/{id}",
            JUDGE,
            post(scoring::save_sheet),
        ),
        r(
            "GET",
            "/juri/{stage}/{id}/lampiran/{file_id}",
            JUDGE,
            get(scoring::attachment),
        ),
        r(
            "GET",
            "/api/v1/stages/{stage}/judging",
            COMMITTEE,
            get(api_scoring::get_settings),
        ),
        r(
            "POST",
            "/api/v1/stages/{stage}/judging",
            COMMITTEE,
            post(api_scoring::put_settings),
        ),
        r(
            "GET",
            "/api/v1/stages/{stage}/rubric",
            api_scoring::SCORING_READERS,
            get(api_scoring::get_rubric),
        ),
        r(
            "POST",
            "/api/v1/stages/{stage}/rubric",
            COMMITTEE,
            post(api_scoring::put_rubric),
        ),
        r("GET", "/api/v1/judge/queue", JUDGE, get(api_scoring::queue)),
        r(
            "GET",
            "/api/v1/stages/{stage}/sheets",
            api_scoring::SCORING_READERS,
            get(api_scoring::stage_sheets),
        ),
        r(
            "GET",
            "/api/v1/stages/{stage}/sheets/{id}",
            JUDGE,
            get(api_scoring::get_sheet),
        ),
        r(
            "POST",
            "/api/v1/stages/{stage}/sheets/{id}",
            JUDGE,
            post(api_scoring::put_sheet),
        ),
        r(
            "POST",
            "/api/v1/stages/{stage}/sheets/{id}/submit",
            JUDGE,
            post(api_scoring::submit_sheet),
        ),
        r(
            "POST",
            "/api/v1/stages/{stage}/score-sheets/{id}/reopen",
            COMMITTEE,
            post(api_scoring::reopen),
        ),
        // --- catalogue ---
        r("GET", "/katalog", Area::Public, get(catalog::search)),
        r(
            "GET",
            "/katalog/paling-direplikasi",
            Area::Public,
            get(catalog::most_replicated),
        ),
        r(
            "GET",
            "/katalog/data.csv",
            Area::Public,
            get(catalog::data_csv),
        ),
        r(
            "GET",
            "/katalog/data.json",
            Area::Public,
            get(catalog::data_json),
        ),
        r(
            "GET",
            "/katalog/metadata.json",
            Area::Public,
            get(catalog::metadata_json),
        ),
        r("GET", "/katalog/{id}", Area::Public, get(catalog::show)),
        r(
            "GET",
            "/katalog/{id}/lampiran/{file_id}",
            Area::Public,
            get(catalog::file),
        ),
        r("GET", "/panitia/katalog", COMMITTEE, get(catalog::manage)),
        r(
            "POST",
            "/panitia/katalog/impor",
            COMMITTEE,
            post(catalog::import).layer(DefaultBodyLimit::max(
                kolabik_domain::catalog::MAX_IMPORT_BYTES * 3 + 64 * 1024,
            )),
        ),
        r(
            "POST",
            "/panitia/katalog/{id}/hapus",
            COMMITTEE,
            post(catalog::remove),
        ),
        r(
            "POST",
            "/panitia/usulan/{id}/terbitkan",
            COMMITTEE,
            post(catalog::publish),
        ),
        r(
            "GET",
            "/panitia/duplikat",
            COMMITTEE,
            get(catalog::duplicates),
        ),
        r(
            "POST",
            "/operator/usulan/{id}/lampiran/{file_id}/terbitkan",
            COMMITTEE_OR_OPERATOR,
            post(catalog::publish_file),
        ),
        r(
            "POST",
            "/operator/usulan/{id}/atm-katalog",
            COMMITTEE_OR_OPERATOR,
            post(catalog::link_atm),
        ),
        r(
            "GET",
            "/api/v1/catalog",
            Area::Public,
            get(api_catalog::search),
        ),
        r(
            "GET",
            "/api/v1/catalog/{id}",
            Area::Public,
            get(api_catalog::entry),
        ),
        r(
            "GET",
            "/api/v1/catalog/{id}/similar",
            Area::Public,
            get(api_catalog::similar),
        ),
        r(
            "POST",
            "/api/v1/catalog/import",
            COMMITTEE,
            post(api_catalog::import).layer(DefaultBodyLimit::max(
                kolabik_domain::catalog::MAX_IMPORT_BYTES * 3 + 64 * 1024,
            )),
        ),
        r(
            "POST",
            "/api/v1/similar",
            Area::SignedIn,
            post(api_catalog::similar_text),
        ),
        r(
            "GET",
            "/api/v1/duplicates",
            COMMITTEE,
            get(api_catalog::duplicates),
        ),
        r(
            "POST",
            "/api/v1/proposals/{id}/publish",
            COMMITTEE,
            post(api_catalog::publish),
        ),
        // --- jury ---
        r("GET", "/panitia/juri", COMMITTEE, get(jury::pool)),
        r("POST", "/panitia/juri", COMMITTEE, post(jury::create)),
        r("GET", "/panitia/juri/{id}", COMMITTEE, get(jury::edit_form)),
        r("POST", "/panitia/juri/{id}", COMMITTEE, post(jury::update)),
        r(
            "POST",
            "/panitia/juri/{id}/undang",
            COMMITTEE,
            post(jury::invite),
        ),
        r(
            "GET",
            "/juri/undangan/{token}",
            Area::Public,
            get(jury::invitation),
        ),
        r(
            "POST",
            "/juri/undangan/{token}",
            Area::Public,
            post(jury::answer),
        ),
        r("GET", "/juri/deklarasi", JUDGE, get(jury::declaration)),
        r("POST", "/juri/deklarasi", JUDGE, post(jury::declare)),
        r(
            "GET",
            "/juri/penugasan/{stage}",
            JUDGE,
            get(jury::my_assignments),
        ),
        r("GET", "/panitia/konflik", COMMITTEE, get(jury::conflicts)),
        r("POST", "/panitia/konflik", COMMITTEE, post(jury::pin)),
        r(
            "POST",
            "/panitia/konflik/{id}/angkat",
            COMMITTEE,
            post(jury::lift),
        ),
        r("POST", "/panitia/rekusal", COMMITTEE, post(jury::recuse)),
        r(
            "POST",
            "/panitia/rekusal/{id}/cabut",
            COMMITTEE,
            post(jury::lift_recusal),
        ),
        r(
            "GET",
            "/panitia/penugasan/{stage}",
            COMMITTEE,
            get(jury::board),
        ),
        r(
            "POST",
            "/panitia/penugasan/{stage}/jalankan",
            COMMITTEE,
            post(jury::start_run),
        ),
        r(
            "POST",
            "/panitia/penugasan/{stage}/terapkan",
            COMMITTEE,
            post(jury::apply_run),
        ),
        r(
            "POST",
            "/panitia/penugasan/{stage}/tambah",
            COMMITTEE,
            post(jury::add),
        ),
        r(
            "POST",
            "/panitia/penugasan/{stage}/hapus",
            COMMITTEE,
            post(jury::remove),
        ),
        r(
            "GET",
            "/api/v1/jury/judges",
            COMMITTEE,
            get(api_jury::judges),
        ),
        r(
            "POST",
            "/api/v1/jury/judges",
            COMMITTEE,
            post(api_jury::create_judge),
        ),
        r(
            "GET",
            "/api/v1/jury/judges/{id}",
            COMMITTEE,
            get(api_jury::judge),
        ),
        r(
            "POST",
            "/api/v1/jury/judges/{id}",
            COMMITTEE,
            post(api_jury::update_judge),
        ),
        r(
            "POST",
            "/api/v1/jury/judges/{id}/invitation",
            COMMITTEE,
            post(api_jury::invite),
        ),
        r(
            "GET",
            "/api/v1/jury/declaration",
            JUDGE,
            get(api_jury::declaration),
        ),
        r(
            "POST",
            "/api/v1/jury/declaration",
            JUDGE,
            post(api_jury::declare),
        ),
        r(
            "GET",
            "/api/v1/jury/my-conflicts",
            JUDGE,
            get(api_jury::my_conflicts),
        ),
        r(
            "GET",
            "/api/v1/jury/conflicts",
            COMMITTEE,
            get(api_jury::conflicts),
        ),
        r(
            "POST",
            "/api/v1/jury/conflicts",
            COMMITTEE,
            post(api_jury::pin),
        ),
        r(
            "POST",
            "/api/v1/jury/conflicts/{id}/lift",
            COMMITTEE,
            post(api_jury::lift),
        ),
        r(
            "GET",
            "/api/v1/jury/recusals",
            COMMITTEE,
            get(api_jury::recusals),
        ),
        r(
            "POST",
            "/api/v1/jury/recusals",
            COMMITTEE,
            post(api_jury::recuse),
        ),
        r(
            "POST",
            "/api/v1/jury/recusals/{id}/lift",
            COMMITTEE,
            post(api_jury::lift_recusal),
        ),
        r(
            "GET",
            "/api/v1/jury/stages/{stage}/assignments",
            JURY_READERS,
            get(api_jury::stage_assignments),
        ),
        r(
            "POST",
            "/api/v1/jury/stages/{stage}/assignments",
            COMMITTEE,
            post(api_jury::add_assignment),
        ),
        r(
            "POST",
            "/api/v1/jury/stages/{stage}/assignments/{id}/remove",
            COMMITTEE,
            post(api_jury::remove_assignment),
        ),
        r(
            "POST",
            "/api/v1/jury/stages/{stage}/runs",
            COMMITTEE,
            post(api_jury::start_run),
        ),
        r(
            "GET",
            "/api/v1/jury/stages/{stage}/runs/latest",
            COMMITTEE,
            get(api_jury::latest_run),
        ),
        r(
            "POST",
            "/api/v1/jury/stages/{stage}/runs/{id}/apply",
            COMMITTEE,
            post(api_jury::apply_run),
        ),
        // --- public vote and uji publik ---
        r(
            "GET",
            "/verifikasi-email",
            Area::Public,
            get(vote::verify_form),
        ),
        r(
            "POST",
            "/verifikasi-email",
            Area::Public,
            post(vote::send_code),
        ),
        r(
            "POST",
            "/verifikasi-email/kode",
            Area::Public,
            post(vote::check_code),
        ),
        r("GET", "/favorit", Area::Public, get(vote::favorit)),
        r("POST", "/favorit", Area::Public, post(vote::cast)),
        r("GET", "/uji-publik", Area::Public, get(vote::uji_publik)),
        r(
            "POST",
            "/uji-publik",
            Area::Public,
            post(vote::file_objection).layer(DefaultBodyLimit::max(EVIDENCE_BODY_LIMIT)),
        ),
        r(
            "GET",
            "/panitia/uji-publik",
            COMMITTEE,
            get(vote::committee_objections),
        ),
        r(
            "POST",
            "/panitia/uji-publik/jendela",
            COMMITTEE,
            post(vote::save_objection_window),
        ),
        r(
            "POST",
            "/panitia/uji-publik/{id}/jawab",
            COMMITTEE,
            post(vote::answer_objection),
        ),
        r(
            "GET",
            "/panitia/uji-publik/{id}/bukti",
            COMMITTEE,
            get(vote::evidence),
        ),
        r(
            "GET",
            "/panitia/favorit",
            COMMITTEE,
            get(vote::committee_votes),
        ),
        r(
            "POST",
            "/panitia/favorit/jendela",
            COMMITTEE,
            post(vote::save_vote_window),
        ),
        r(
            "POST",
            "/panitia/favorit/{id}/batal",
            COMMITTEE,
            post(vote::void_vote),
        ),
        r(
            "GET",
            "/api/v1/uji-publik",
            Area::Public,
            get(api_vote::uji_publik),
        ),
        r(
            "POST",
            "/api/v1/uji-publik/window",
            COMMITTEE,
            post(api_vote::set_objection_window),
        ),
        r(
            "GET",
            "/api/v1/objections",
            COMMITTEE,
            get(api_vote::objections),
        ),
        r(
            "POST",
            "/api/v1/objections/{id}/answer",
            COMMITTEE,
            post(api_vote::answer),
        ),
        r(
            "GET",
            "/api/v1/favorit",
            Area::Public,
            get(api_vote::favorit),
        ),
        r(
            "POST",
            "/api/v1/favorit/window",
            COMMITTEE,
            post(api_vote::set_vote_window),
        ),
        r("GET", "/api/v1/votes", COMMITTEE, get(api_vote::votes)),
        r(
            "POST",
            "/api/v1/votes/{id}/void",
            COMMITTEE,
            post(api_vote::void),
        ),
        // --- publication and certificates ---
        r(
            "GET",
            "/hasil",
            Area::Public,
            get(publication_pages::current),
        ),
        r(
            "GET",
            "/hasil/arsip",
            Area::Public,
            get(publication_pages::archive),
        ),
        r(
            "GET",
            "/hasil/{year}",
            Area::Public,
            get(publication_pages::by_year),
        ),
        r(
            "GET",
            "/api/v1/results",
            Area::Public,
            get(api_publication::current),
        ),
        r(
            "GET",
            "/api/v1/results/archive",
            Area::Public,
            get(api_publication::archive),
        ),
        r(
            "GET",
            "/api/v1/results/{year}",
            Area::Public,
            get(api_publication::by_year),
        ),
        r(
            "GET",
            "/panitia/publikasi",
            COMMITTEE,
            get(publication_pages::committee),
        ),
        r(
            "POST",
            "/panitia/publikasi",
            COMMITTEE,
            post(publication_pages::publish),
        ),
        // --- certificates (piagam) ---
        r(
            "GET",
            "/verifikasi",
            Area::Public,
            get(certificates::verify_form),
        ),
        r(
            "GET",
            "/verifikasi/{code}",
            Area::Public,
            get(certificates::verify),
        ),
        r(
            "GET",
            "/panitia/piagam",
            COMMITTEE,
            get(certificates::committee),
        ),
        r(
            "POST",
            "/panitia/piagam/penandatangan",
            COMMITTEE,
            post(certificates::save_signatory),
        ),
        r(
            "POST",
            "/panitia/piagam/terbitkan",
            COMMITTEE,
            post(certificates::issue),
        ),
        r(
            "POST",
            "/panitia/piagam/{id}/cabut",
            COMMITTEE,
            post(certificates::revoke),
        ),
        r(
            "POST",
            "/panitia/piagam/zip",
            COMMITTEE,
            post(certificates::start_zip),
        ),
        r(
            "GET",
            "/panitia/piagam/zip/{id}",
            COMMITTEE,
            get(certificates::zip_file),
        ),
        r(
            "GET",
            "/operator/piagam",
            OPERATOR,
            get(certificates::operator),
        ),
        r(
            "GET",
            "/piagam/{file}",
            COMMITTEE_OR_OPERATOR,
            get(certificates::pdf),
        ),
        r(
            "GET",
            "/api/v1/certificates",
            COMMITTEE,
            get(api_certificates::list),
        ),
        r(
            "POST",
            "/api/v1/certificates/issue",
            COMMITTEE,
            post(api_certificates::issue),
        ),
        r(
            "GET",
            "/api/v1/certificates/{code}",
            Area::Public,
            get(api_certificates::verify),
        ),
        r(
            "POST",
            "/api/v1/certificates/{id}/revoke",
            COMMITTEE,
            post(api_certificates::revoke),
        ),
        r(
            "POST",
            "/api/v1/certificate-zips",
            COMMITTEE,
            post(api_certificates::start_zip),
        ),
        r(
            "GET",
            "/api/v1/certificate-zips/latest",
            COMMITTEE,
            get(api_certificates::zip_status),
        ),
        // --- leaders' dashboard ---
        r("GET", "/pimpinan", LEADERS, get(leaders::page)),
        r("GET", "/pimpinan/cetak", LEADERS, get(leaders::print)),
        r(
            "GET",
            "/api/v1/dashboard/viewer",
            LEADERS,
            get(api_leaders::viewer_dashboard),
        ),
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
        r("POST", "/api/v1/units", COMMITTEE, post(api::create_unit)),
        r(
            "POST",
            "/api/v1/units/import",
            COMMITTEE,
            post(api::import_units).layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT)),
        ),
        r(
            "GET",
            "/api/v1/units/{id}",
            COMMITTEE,
            get(api::unit_detail),
        ),
        r(
            "POST",
            "/api/v1/units/{id}/invitations",
            COMMITTEE,
            post(api_invitations::create),
        ),
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
            "/api/v1/edition/settings",
            COMMITTEE,
            get(api_edition::get_settings),
        ),
        r(
            "POST",
            "/api/v1/edition/settings",
            COMMITTEE,
            post(api_edition::save_settings),
        ),
        r(
            "POST",
            "/api/v1/edition/stages",
            COMMITTEE,
            post(api_edition::save_stages),
        ),
        r(
            "POST",
            "/api/v1/edition/categories",
            COMMITTEE,
            post(api_edition::add_category),
        ),
        r(
            "POST",
            "/api/v1/edition/categories/{id}/delete",
            COMMITTEE,
            post(api_edition::delete_category),
        ),
        r(
            "GET",
            "/api/v1/dispensations",
            COMMITTEE,
            get(api_edition::list_dispensations),
        ),
        r(
            "POST",
            "/api/v1/dispensations",
            COMMITTEE,
            post(api_edition::grant_dispensation),
        ),
        r(
            "POST",
            "/api/v1/dispensations/{id}/revoke",
            COMMITTEE,
            post(api_edition::revoke_dispensation),
        ),
        r(
            "GET",
            "/api/v1/deadline",
            COMMITTEE_OR_OPERATOR,
            get(api_edition::deadline),
        ),
        r(
            "POST",
            "/api/v1/editions/copy",
            COMMITTEE,
            post(api_edition::copy_edition),
        ),
        r("GET", "/api/v1/funnel", COMMITTEE, get(api_funnel::funnel)),
        r(
            "GET",
            "/api/v1/screening",
            COMMITTEE,
            get(api_screening::queue),
        ),
        r(
            "POST",
            "/api/v1/screening/release",
            COMMITTEE,
            post(api_screening::release),
        ),
        r(
            "POST",
            "/api/v1/proposals/{id}/screening",
            COMMITTEE,
            post(api_screening::decide),
        ),
        r(
            "POST",
            "/api/v1/proposals",
            OPERATOR,
            post(api_proposals::create),
        ),
        r(
            "GET",
            "/api/v1/proposals/{id}/attachments",
            PROPOSAL_READERS,
            get(api_attachments::list),
        ),
        r(
            "POST",
            "/api/v1/proposals/{id}/attachments",
            OPERATOR,
            post(api_attachments::upload).layer(DefaultBodyLimit::max(ATTACHMENT_BODY_LIMIT)),
        ),
        r(
            "GET",
            "/api/v1/proposals/{id}",
            PROPOSAL_READERS,
            get(api_proposals::get_one),
        ),
        r(
            "POST",
            "/api/v1/proposals/{id}",
            OPERATOR,
            post(api_proposals::save),
        ),
        r(
            "POST",
            "/api/v1/proposals/{id}/submit",
            OPERATOR,
            post(api_proposals::submit),
        ),
        r(
            "POST",
            "/api/v1/proposals/{id}/approve",
            UNIT_HEAD,
            post(api_proposals::approve),
        ),
        r(
            "POST",
            "/api/v1/proposals/{id}/return",
            RETURNERS,
            post(api_proposals::return_it),
        ),
        r(
            "POST",
            "/api/v1/proposals/{id}/withdraw",
            OPERATOR,
            post(api_proposals::withdraw),
        ),
        r(
            "GET",
            "/api/v1/proposals/{id}/versions",
            PROPOSAL_READERS,
            get(api_proposals::versions),
        ),
        r(
            "GET",
            "/api/v1/announcements",
            Area::Public,
            get(api_sosialisasi::list),
        ),
        r(
            "POST",
            "/api/v1/announcements",
            COMMITTEE,
            post(api_sosialisasi::create),
        ),
        r(
            "POST",
            "/api/v1/announcements/{id}/materials",
            COMMITTEE,
            post(api_sosialisasi::upload).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        ),
        r(
            "GET",
            "/api/v1/announcements/{id}/seen",
            COMMITTEE,
            get(api_sosialisasi::seen),
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
