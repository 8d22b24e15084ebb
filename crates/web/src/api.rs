//! The JSON API under `/api/v1`. Same use cases and same access rules as the pages (the
//! guard reads the same `routes()` table); bodies are the documented DTOs below, so the
//! OpenAPI document is generated from the code that serves the requests.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kolabik_app::users::NewUserInput;
use kolabik_app::{Page, dashboard};
use kolabik_domain::units::RawUnit;
use kolabik_domain::{Instant, ProposalState, UnitKind, User};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::WebError;

fn rfc3339(at: Instant) -> String {
    at.to_rfc3339()
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code, e.g. `invalid`, `forbidden`, `unauthenticated`, `not_found`.
    pub code: String,
    /// Message in the request's language (Accept-Language; Indonesian by default).
    pub message: String,
    pub fields: Vec<FieldErrorDto>,
}

#[derive(Serialize, ToSchema)]
pub struct FieldErrorDto {
    pub field: String,
    pub code: String,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct StageDto {
    /// One of `sosialisasi`, `pendaftaran`, `pengajuan_proposal`, `seleksi_administrasi`,
    /// `penilaian`, `presentasi_wawancara`, `verifikasi_lapangan`, `uji_publik`, `pengumuman`.
    pub kind: String,
    /// RFC 3339, UTC.
    pub opens_at: String,
    pub closes_at: String,
    /// `upcoming`, `open` or `closed`, now.
    pub status: String,
}

#[derive(Serialize, ToSchema)]
pub struct CategoryDto {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub description: String,
}

#[derive(Serialize, ToSchema)]
pub struct EditionDto {
    pub id: i64,
    pub year: i32,
    pub name: String,
    pub theme: String,
    pub organiser: String,
    pub description: String,
    /// `WIB`, `WITA` or `WIT`.
    pub time_zone: String,
    pub stages: Vec<StageDto>,
    pub categories: Vec<CategoryDto>,
    pub units_total: i64,
    pub proposals_submitted: i64,
}

#[derive(Serialize, ToSchema)]
pub struct UnitDto {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// `perangkat_daerah`, `kecamatan`, `kelurahan`, `satuan_pendidikan`, `unit_layanan_lainnya`.
    pub kind: String,
    pub parent_id: Option<i64>,
    pub region_code: Option<String>,
    pub npsn: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ProposalDto {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub category: Option<String>,
    pub state: String,
    pub innovation_stage: String,
    pub receipt_number: Option<String>,
    pub submitted_at: Option<String>,
    pub updated_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct GrantDto {
    pub role: String,
    pub unit_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct UserDto {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub nip: Option<String>,
    pub must_change_password: bool,
    pub roles: Vec<GrantDto>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedUserDto {
    pub user: UserDto,
    /// Generated password, shown this once; it must be changed at first login.
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
pub struct NewUserBody {
    pub email: String,
    pub name: String,
    /// `committee`, `unit_operator`, `judge` or `viewer`.
    pub role: String,
    /// Unit code; required for `unit_operator`.
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub nip: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEventDto {
    pub id: i64,
    pub at: String,
    pub actor_user_id: Option<i64>,
    pub actor_name: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub ip: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CountDto {
    pub key: String,
    pub count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CommitteeDashboardDto {
    pub proposals_by_state: Vec<CountDto>,
    pub proposals_by_unit_kind: Vec<CountDto>,
    pub proposals_by_category: Vec<CountDto>,
    pub units_by_kind: Vec<CountDto>,
    pub judges: i64,
}

#[derive(Serialize, ToSchema)]
pub struct OperatorDashboardDto {
    pub units: Vec<UnitDto>,
    pub proposals: Vec<ProposalDto>,
}

#[derive(Serialize, ToSchema)]
pub struct JudgeDashboardDto {
    /// `academic` or `practitioner`; absent when the account has no judge profile.
    pub kind: Option<String>,
    pub institution: Option<String>,
    pub expertise: Vec<String>,
    pub assignments: i64,
}

macro_rules! paged_dto {
    ($name:ident, $item:ty) => {
        #[derive(Serialize, ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            pub total: i64,
            pub page: u32,
            pub page_size: u32,
        }
    };
}
paged_dto!(UnitPage, UnitDto);
paged_dto!(ProposalPage, ProposalDto);
paged_dto!(UserPage, UserDto);
paged_dto!(AuditPage, AuditEventDto);
paged_dto!(OutboxPage, OutboxMessageDto);
paged_dto!(NoticePage, NoticeDto);

#[derive(Serialize, ToSchema)]
pub struct OutboxMessageDto {
    pub id: i64,
    /// `account_created`, `password_reset` or `deadline_reminder`.
    pub kind: String,
    pub to_email: String,
    pub to_user_id: Option<i64>,
    pub subject: String,
    pub body_text: String,
    /// `pending` (waiting or to be retried), `sent`, `failed` (given up) or `kept` (no SMTP
    /// server configured: kept for the mailbox).
    pub state: String,
    /// Delivery attempts so far.
    pub attempts: i64,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub created_at: String,
    /// When the SMTP server accepted it (or it was kept).
    pub sent_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct NoticeDto {
    pub id: i64,
    /// e.g. `deadline_reminder`.
    pub kind: String,
    /// The message in the request's language.
    pub message: String,
    /// Catalogue key of the message and its parameters, for clients with their own texts.
    pub message_key: String,
    #[schema(value_type = Object)]
    pub params: serde_json::Map<String, serde_json::Value>,
    /// A page on this site the notice is about.
    pub link: Option<String>,
    pub created_at: String,
    pub read_at: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct PageParams {
    /// 1-based page number.
    pub page: Option<u32>,
    /// Items per page, at most 200.
    pub page_size: Option<u32>,
}

#[derive(Deserialize, IntoParams)]
pub struct UnitParams {
    pub page: Option<u32>,
    pub page_size: Option<u32>,
    /// Only units of this kind.
    pub kind: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct ProposalParams {
    pub page: Option<u32>,
    pub page_size: Option<u32>,
    /// Only proposals in this state.
    pub state: Option<String>,
}

fn unit_dto(u: kolabik_domain::Unit) -> UnitDto {
    UnitDto {
        id: u.id,
        code: u.code.to_string(),
        name: u.name,
        kind: u.kind.as_str().to_owned(),
        parent_id: u.parent_id,
        region_code: u.region_code.map(|r| r.to_string()),
        npsn: u.npsn.map(|n| n.to_string()),
    }
}

fn proposal_dto(p: kolabik_app::store::proposals::ProposalListItem) -> ProposalDto {
    ProposalDto {
        id: p.proposal.id,
        title: p.proposal.title,
        summary: p.proposal.summary,
        unit_id: p.proposal.unit_id,
        unit_name: p.unit_name,
        category: p.category_name,
        state: p.proposal.state.as_str().to_owned(),
        innovation_stage: p.proposal.innovation_stage.as_str().to_owned(),
        receipt_number: p.proposal.receipt_number,
        submitted_at: p.proposal.submitted_at.map(rfc3339),
        updated_at: rfc3339(p.proposal.updated_at),
    }
}

fn user_dto(user: User, roles: Vec<GrantDto>) -> UserDto {
    UserDto {
        id: user.id,
        email: user.email.to_string(),
        name: user.name,
        nip: user.nip.map(|n| n.to_string()),
        must_change_password: user.must_change_password,
        roles,
    }
}

fn counts<K: Copy>(items: &[(K, i64)], key: impl Fn(K) -> &'static str) -> Vec<CountDto> {
    items
        .iter()
        .map(|(k, n)| CountDto {
            key: key(*k).to_owned(),
            count: *n,
        })
        .collect()
}

/// The current edition: theme, timeline, categories and headline counts.
#[utoipa::path(get, path = "/api/v1/edition", tag = "edition",
    responses((status = 200, body = EditionDto), (status = 404, body = ErrorBody)))]
pub async fn edition(State(state): State<AppState>) -> Result<Json<EditionDto>, WebError> {
    let o = state
        .app
        .edition_overview()
        .await?
        .ok_or_else(WebError::not_found)?;
    let now = state.app.now();
    Ok(Json(EditionDto {
        id: o.edition.id,
        year: o.edition.year,
        name: o.edition.name,
        theme: o.edition.theme,
        organiser: o.edition.organiser,
        description: o.edition.description,
        time_zone: o.edition.time_zone.as_str().to_owned(),
        stages: o
            .stages
            .iter()
            .map(|s| StageDto {
                kind: s.kind.as_str().to_owned(),
                opens_at: rfc3339(s.opens_at),
                closes_at: rfc3339(s.closes_at),
                status: serde_json::to_value(s.status(now))
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
            })
            .collect(),
        categories: o
            .categories
            .into_iter()
            .map(|c| CategoryDto {
                id: c.id,
                code: c.code.to_string(),
                name: c.name,
                description: c.description,
            })
            .collect(),
        units_total: o.units_total,
        proposals_submitted: o.proposals_submitted,
    }))
}

/// The registry of participating units.
#[utoipa::path(get, path = "/api/v1/units", tag = "units", params(UnitParams),
    responses((status = 200, body = UnitPage)))]
pub async fn units(
    State(state): State<AppState>,
    Query(q): Query<UnitParams>,
) -> Result<Json<UnitPage>, WebError> {
    let kind = match q.kind.as_deref() {
        None | Some("") => None,
        Some(k) => Some(
            UnitKind::parse(k).ok_or_else(|| WebError::bad_request("error.unit_kind_invalid"))?,
        ),
    };
    let p = state
        .app
        .list_units(kind, Page::new(q.page, q.page_size))
        .await?;
    Ok(Json(UnitPage {
        total: p.total,
        page: p.page,
        page_size: p.page_size,
        items: p.items.into_iter().map(unit_dto).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct OperatorDto {
    pub id: i64,
    pub email: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct UnitDetailDto {
    pub unit: UnitDto,
    pub parent: Option<UnitDto>,
    pub children: Vec<UnitDto>,
    /// Accounts with the `unit_operator` role for this unit in the current edition.
    pub operators: Vec<OperatorDto>,
}

/// A unit as sent to `POST /api/v1/units`; the same fields as a CSV import row.
#[derive(Deserialize, ToSchema)]
pub struct NewUnitBody {
    /// `a-z`, `0-9` and `-`; the key that imports match on.
    pub code: String,
    pub name: String,
    /// A `kind` code, or its Indonesian label (`Perangkat Daerah`).
    pub kind: String,
    #[serde(default)]
    pub parent_code: String,
    /// Kemendagri `PP`, `PP.KK`, `PP.KK.CC` or `PP.KK.CC.DDDD`.
    #[serde(default)]
    pub region_code: String,
    /// 8 digits; required for `satuan_pendidikan`, refused for other kinds.
    #[serde(default)]
    pub npsn: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImportProblemDto {
    /// 1-based line of the file (the header is line 1); 0 for the file as a whole.
    pub line: usize,
    /// Column name, or empty for the whole line.
    pub column: String,
    /// Stable code (a catalogue key such as `error.npsn_required`).
    pub code: String,
    /// "Baris 3, kolom npsn: …" in the request's language.
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImportReportDto {
    pub dry_run: bool,
    /// Rows of a clean file (0 when there are problems).
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Every problem; when any, nothing was written.
    pub problems: Vec<ImportProblemDto>,
}

#[derive(Deserialize, IntoParams)]
pub struct ImportParams {
    /// `true` (the default) only checks; `false` writes a clean file.
    pub dry_run: Option<bool>,
}

/// One unit with its parent, children and operators (committee only).
#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "units",
    params(("id" = i64, Path, description = "Unit id")),
    responses((status = 200, body = UnitDetailDto), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn unit_detail(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<UnitDetailDto>, WebError> {
    let d = state.app.unit_detail(id).await?;
    Ok(Json(UnitDetailDto {
        unit: unit_dto(d.unit),
        parent: d.parent.map(unit_dto),
        children: d.children.into_iter().map(unit_dto).collect(),
        operators: d
            .operators
            .into_iter()
            .map(|u| OperatorDto {
                id: u.id,
                email: u.email.to_string(),
                name: u.name,
            })
            .collect(),
    }))
}

/// Registers one unit (committee only).
#[utoipa::path(post, path = "/api/v1/units", tag = "units", request_body = NewUnitBody,
    responses((status = 201, body = UnitDto), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<NewUnitBody>,
) -> Result<Response, WebError> {
    let raw = RawUnit {
        code: body.code,
        name: body.name,
        kind: body.kind,
        parent_code: body.parent_code,
        region_code: body.region_code,
        npsn: body.npsn,
    };
    let unit = state.app.create_unit(&raw, &ctx.actor()).await?;
    Ok((StatusCode::CREATED, Json(unit_dto(unit))).into_response())
}

/// Checks (`dry_run=true`, the default) or imports (`dry_run=false`) a CSV file of units
/// (committee only). Header `code,name,kind,parent_code,region_code,npsn`, any order, `,` or
/// `;`. Rows with a registered code update that unit. With any problem nothing is written
/// and the answer is 422 with every problem by line and column.
#[utoipa::path(post, path = "/api/v1/units/import", tag = "units", params(ImportParams),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReportDto), (status = 422, body = ImportReportDto), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn import_units(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ImportParams>,
    body: String,
) -> Result<Response, WebError> {
    let report = state
        .app
        .import_units(&body, q.dry_run.unwrap_or(true), &ctx.actor())
        .await?;
    let tr = ctx.tr();
    let status = if report.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let dto = ImportReportDto {
        dry_run: report.dry_run,
        rows: report.rows,
        created: report.created,
        updated: report.updated,
        unchanged: report.unchanged,
        problems: report
            .problems
            .iter()
            .map(|p| ImportProblemDto {
                line: p.line,
                column: p.column.clone(),
                code: p.key.to_owned(),
                message: crate::pages::units::problem_message(tr, p),
            })
            .collect(),
    };
    Ok((status, Json(dto)).into_response())
}

/// The signed-in user and their roles in the current edition.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = UserDto), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn me(ctx: Ctx) -> Result<Json<UserDto>, WebError> {
    let user = ctx.user.clone().ok_or_else(WebError::unauthenticated)?;
    let roles = ctx
        .grants
        .iter()
        .map(|g| GrantDto {
            role: g.role.as_str().to_owned(),
            unit_id: g.unit_id,
        })
        .collect();
    Ok(Json(user_dto(user, roles)))
}

/// Proposals of the current edition: all of them for the committee, the unit's own for a
/// unit operator.
#[utoipa::path(get, path = "/api/v1/proposals", tag = "proposals", params(ProposalParams),
    responses((status = 200, body = ProposalPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn proposals(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ProposalParams>,
) -> Result<Json<ProposalPage>, WebError> {
    let filter = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            ProposalState::parse(s).ok_or_else(|| WebError::bad_request("error.state_invalid"))?,
        ),
    };
    let mut p = state
        .app
        .list_proposals(&ctx.grants, filter, Page::new(q.page, q.page_size))
        .await?;
    // A recused committee member does not see the proposal (the deputy acts).
    let hidden = crate::pages::jury::recused(&state, &ctx).await?;
    let before = p.items.len();
    p.items.retain(|i| !hidden.contains(&i.proposal.id));
    p.total -= i64::try_from(before - p.items.len()).unwrap_or(0);
    Ok(Json(ProposalPage {
        total: p.total,
        page: p.page,
        page_size: p.page_size,
        items: p.items.into_iter().map(proposal_dto).collect(),
    }))
}

/// Accounts with their roles in the current edition (committee only).
#[utoipa::path(get, path = "/api/v1/users", tag = "account", params(PageParams),
    responses((status = 200, body = UserPage), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn users(
    State(state): State<AppState>,
    Query(q): Query<PageParams>,
) -> Result<Json<UserPage>, WebError> {
    let p = state.app.list_users(Page::new(q.page, q.page_size)).await?;
    Ok(Json(UserPage {
        total: p.total,
        page: p.page,
        page_size: p.page_size,
        items: p
            .items
            .into_iter()
            .map(|i| {
                let roles = i
                    .roles
                    .iter()
                    .map(|g| GrantDto {
                        role: g.role.as_str().to_owned(),
                        unit_id: g.unit_id,
                    })
                    .collect();
                user_dto(i.user, roles)
            })
            .collect(),
    }))
}

/// Creates an account with a generated password and one role (committee only).
#[utoipa::path(post, path = "/api/v1/users", tag = "account", request_body = NewUserBody,
    responses((status = 201, body = CreatedUserDto), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_user(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<NewUserBody>,
) -> Result<Response, WebError> {
    let input = NewUserInput {
        email: body.email,
        name: body.name,
        role: body.role,
        unit: body.unit,
        nip: body.nip,
    };
    let created = state.app.create_user(&input, &ctx.actor()).await?;
    let grants = state.app.grants(created.user.id).await?;
    let roles = grants
        .iter()
        .map(|g| GrantDto {
            role: g.role.as_str().to_owned(),
            unit_id: g.unit_id,
        })
        .collect();
    let dto = CreatedUserDto {
        user: user_dto(created.user, roles),
        password: created.password,
    };
    Ok((StatusCode::CREATED, Json(dto)).into_response())
}

/// The audit log, newest first (committee only).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(PageParams),
    responses((status = 200, body = AuditPage), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn audit(
    State(state): State<AppState>,
    Query(q): Query<PageParams>,
) -> Result<Json<AuditPage>, WebError> {
    let p = state.app.audit_log(Page::new(q.page, q.page_size)).await?;
    Ok(Json(AuditPage {
        total: p.total,
        page: p.page,
        page_size: p.page_size,
        items: p
            .items
            .into_iter()
            .map(|e| AuditEventDto {
                id: e.event.id,
                at: rfc3339(e.event.at),
                actor_user_id: e.event.actor_user_id,
                actor_name: e.actor_name,
                action: e.event.action,
                entity: e.event.entity,
                entity_id: e.event.entity_id,
                before: e.event.before,
                after: e.event.after,
                ip: e.event.ip,
            })
            .collect(),
    }))
}

/// Every queued e-mail, newest first, with its delivery state (committee only).
#[utoipa::path(get, path = "/api/v1/outbox", tag = "notifications", params(PageParams),
    responses((status = 200, body = OutboxPage), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn outbox(
    State(state): State<AppState>,
    Query(q): Query<PageParams>,
) -> Result<Json<OutboxPage>, WebError> {
    let p = state.app.outbox(Page::new(q.page, q.page_size)).await?;
    Ok(Json(OutboxPage {
        total: p.total,
        page: p.page,
        page_size: p.page_size,
        items: p
            .items
            .into_iter()
            .map(|m| OutboxMessageDto {
                id: m.id,
                kind: m.kind,
                to_email: m.to_email,
                to_user_id: m.to_user_id,
                subject: m.subject,
                body_text: m.body_text,
                state: m.state.as_str().to_owned(),
                attempts: m.attempts,
                next_attempt_at: rfc3339(m.next_attempt_at),
                last_error: m.last_error,
                created_at: rfc3339(m.created_at),
                sent_at: m.sent_at.map(rfc3339),
            })
            .collect(),
    }))
}

/// The signed-in user's in-app notices, newest first.
#[utoipa::path(get, path = "/api/v1/notices", tag = "notifications", params(PageParams),
    responses((status = 200, body = NoticePage), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn notices(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageParams>,
) -> Result<Json<NoticePage>, WebError> {
    let user = ctx.user.as_ref().ok_or_else(WebError::unauthenticated)?;
    let p = state
        .app
        .notices(user.id, Page::new(q.page, q.page_size))
        .await?;
    let tr = ctx.tr();
    Ok(Json(NoticePage {
        total: p.total,
        page: p.page,
        page_size: p.page_size,
        items: p
            .items
            .into_iter()
            .map(|n| NoticeDto {
                id: n.id,
                message: crate::pages::notices::message(tr, &n),
                kind: n.kind,
                message_key: n.message_key,
                params: n.params,
                link: n.link,
                created_at: rfc3339(n.created_at),
                read_at: n.read_at.map(rfc3339),
            })
            .collect(),
    }))
}

/// The committee's dashboard figures.
#[utoipa::path(get, path = "/api/v1/dashboard/committee", tag = "dashboard",
    responses((status = 200, body = CommitteeDashboardDto), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn committee_dashboard(
    State(state): State<AppState>,
) -> Result<Json<CommitteeDashboardDto>, WebError> {
    let d = state.app.committee_dashboard().await?;
    Ok(Json(CommitteeDashboardDto {
        proposals_by_state: counts(&d.by_state, ProposalState::as_str),
        proposals_by_unit_kind: counts(&d.by_unit_kind, UnitKind::as_str),
        proposals_by_category: d
            .by_category
            .into_iter()
            .map(|(key, count)| CountDto { key, count })
            .collect(),
        units_by_kind: counts(&d.units_by_kind, UnitKind::as_str),
        judges: d.judges.len() as i64,
    }))
}

/// The unit operator's units and their proposals.
#[utoipa::path(get, path = "/api/v1/dashboard/operator", tag = "dashboard",
    responses((status = 200, body = OperatorDashboardDto), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn operator_dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<OperatorDashboardDto>, WebError> {
    let d = state.app.operator_dashboard(&ctx.grants).await?;
    Ok(Json(OperatorDashboardDto {
        units: d.units.into_iter().map(unit_dto).collect(),
        proposals: d.proposals.into_iter().map(proposal_dto).collect(),
    }))
}

/// The judge's profile and workload.
#[utoipa::path(get, path = "/api/v1/dashboard/judge", tag = "dashboard",
    responses((status = 200, body = JudgeDashboardDto), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn judge_dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<JudgeDashboardDto>, WebError> {
    let user = ctx.user.as_ref().ok_or_else(WebError::unauthenticated)?;
    let d: dashboard::JudgeDashboard = state.app.judge_dashboard(user).await?;
    Ok(Json(JudgeDashboardDto {
        kind: d.judge.as_ref().map(|j| j.kind.as_str().to_owned()),
        institution: d.judge.as_ref().map(|j| j.institution.clone()),
        expertise: d.judge.map(|j| j.expertise).unwrap_or_default(),
        assignments: d.assignments,
    }))
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A token from `kolabik token create --email E`."))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Kolabik API", description = "Kompetisi Inovasi Layanan Publik: the JSON API. \
        Same data and the same access rules as the web pages. Authenticate with \
        `Authorization: Bearer <token>`; error messages follow Accept-Language (id, en)."),
    paths(edition, units, unit_detail, create_unit, import_units, me, proposals, users, create_user, audit, outbox, notices,
          committee_dashboard, operator_dashboard, judge_dashboard),
    modifiers(&BearerAuth),
    tags((name = "edition"), (name = "units"), (name = "account"), (name = "proposals"),
         (name = "audit"), (name = "notifications"), (name = "dashboard"))
)]
pub struct ApiDoc;

/// The OpenAPI 3 document.
pub async fn openapi_json() -> Response {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::api_proposals::ProposalApiDoc::openapi());
    doc.merge(crate::api_edition::EditionApiDoc::openapi());
    doc.merge(crate::api_sosialisasi::SosialisasiApiDoc::openapi());
    doc.merge(crate::api_funnel::FunnelApiDoc::openapi());
    doc.merge(crate::api_screening::ScreeningApiDoc::openapi());
    doc.merge(crate::api_results::ResultsApiDoc::openapi());
    doc.merge(crate::api_invitations::InvitationApiDoc::openapi());
    doc.merge(crate::api_attachments::AttachmentApiDoc::openapi());
    doc.merge(crate::api_presentation::PresentationApiDoc::openapi());
    doc.merge(crate::api_scoring::ScoringApiDoc::openapi());
    doc.merge(crate::api_catalog::CatalogApiDoc::openapi());
    doc.merge(crate::api_jury::JuryApiDoc::openapi());
    doc.merge(crate::api_vote::VoteApiDoc::openapi());
    doc.merge(crate::api_publication::PublicationApiDoc::openapi());
    doc.merge(crate::api_certificates::CertificateApiDoc::openapi());
    doc.merge(crate::api_leaders::LeadersApiDoc::openapi());
    Json(doc).into_response()
}
