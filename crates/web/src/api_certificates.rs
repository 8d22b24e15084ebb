//! JSON API for certificates (piagam): public verification by code, and for the committee
//! the list, issuing, revocation and the bulk ZIP job.

use axum::Json;
use axum::extract::{Path, State};
use kolabik_app::AppError;
use kolabik_app::certificates::{CertificateView, IssueReport, Verification, ZipJobView};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::ErrorBody;
use crate::ctx::Ctx;
use crate::error::WebError;

#[derive(Serialize, ToSchema)]
pub struct VerificationDto {
    pub code: String,
    /// `valid` or `revoked`.
    pub status: String,
    /// `juara`, `finalis` or `peserta`.
    pub kind: String,
    /// 1–3 for `juara`.
    pub rank: Option<i64>,
    pub category: Option<String>,
    /// The unit the certificate was given to.
    pub recipient: String,
    /// The innovation's title.
    pub title: String,
    pub edition_name: String,
    pub year: i32,
    /// The date printed on the certificate, in Indonesian ("16 Desember 2022").
    pub signed_on: Option<String>,
    /// RFC 3339.
    pub issued_at: String,
    pub revoked_at: Option<String>,
}

impl From<Verification> for VerificationDto {
    fn from(v: Verification) -> Self {
        VerificationDto {
            status: if v.revoked_at.is_some() {
                "revoked".into()
            } else {
                "valid".into()
            },
            code: v.code,
            kind: v.kind.as_str().into(),
            rank: v.rank,
            category: v.category,
            recipient: v.recipient,
            title: v.title,
            edition_name: v.edition_name,
            year: v.year,
            signed_on: v.signed_on,
            issued_at: v.issued_at.to_rfc3339(),
            revoked_at: v.revoked_at.map(|i| i.to_rfc3339()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CertificateDto {
    pub id: i64,
    pub code: String,
    pub kind: String,
    pub rank: Option<i64>,
    pub category: Option<String>,
    pub recipient: String,
    pub title: String,
    pub proposal_id: i64,
    pub unit_id: i64,
    pub issued_at: String,
    pub revoked_at: Option<String>,
    pub revoke_reason: Option<String>,
    /// The PDF (committee and the unit's operators).
    pub pdf_url: String,
}

impl From<CertificateView> for CertificateDto {
    fn from(v: CertificateView) -> Self {
        CertificateDto {
            pdf_url: format!("/piagam/{}.pdf", v.code),
            id: v.id,
            code: v.code,
            kind: v.kind.as_str().into(),
            rank: v.rank,
            category: v.category,
            recipient: v.recipient,
            title: v.title,
            proposal_id: v.proposal_id,
            unit_id: v.unit_id,
            issued_at: v.issued_at.to_rfc3339(),
            revoked_at: v.revoked_at.map(|i| i.to_rfc3339()),
            revoke_reason: v.revoke_reason,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct IssueDto {
    pub juara: usize,
    pub finalis: usize,
    pub peserta: usize,
    /// Proposals that already had a certificate (kept, with their codes).
    pub kept: usize,
}

impl From<IssueReport> for IssueDto {
    fn from(r: IssueReport) -> Self {
        IssueDto {
            juara: r.juara,
            finalis: r.finalis,
            peserta: r.peserta,
            kept: r.kept,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct RevokeBody {
    /// At least 5 characters; logged, not shown to the public.
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct ZipJobDto {
    pub id: i64,
    /// `running`, `done`, `failed`, or `stalled` (its node stopped reporting).
    pub state: String,
    pub done: i64,
    pub total: i64,
    pub size_bytes: Option<i64>,
    /// Where the finished ZIP is downloaded (committee session or token).
    pub download_url: Option<String>,
}

impl From<ZipJobView> for ZipJobDto {
    fn from(j: ZipJobView) -> Self {
        ZipJobDto {
            download_url: (j.state == "done").then(|| format!("/panitia/piagam/zip/{}", j.id)),
            id: j.id,
            state: j.state,
            done: j.done,
            total: j.total,
            size_bytes: j.size_bytes,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ZipStartedDto {
    pub id: i64,
}

/// Verifies a certificate's code (public). A malformed code, a wrong check symbol and an
/// unknown code all answer 404.
#[utoipa::path(get, path = "/api/v1/certificates/{code}", tag = "certificates",
    params(("code" = String, Path, description = "Verification code, e.g. KLB-2022-XXXX-XXXX")),
    responses((status = 200, body = VerificationDto), (status = 404, body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<VerificationDto>, WebError> {
    let v = state
        .app
        .verify_certificate(&code)
        .await
        .map_err(|_| WebError::from(AppError::NotFound))?;
    Ok(Json(v.into()))
}

/// The current edition's certificates (committee).
#[utoipa::path(get, path = "/api/v1/certificates", tag = "certificates",
    responses((status = 200, body = Vec<CertificateDto>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<CertificateDto>>, WebError> {
    let o = state.app.certificate_overview().await?;
    Ok(Json(o.certificates.into_iter().map(Into::into).collect()))
}

/// Issues the current edition's certificates once results are published and a signatory
/// is set; existing ones are kept (committee).
#[utoipa::path(post, path = "/api/v1/certificates/issue", tag = "certificates",
    responses((status = 200, body = IssueDto), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn issue(State(state): State<AppState>, ctx: Ctx) -> Result<Json<IssueDto>, WebError> {
    Ok(Json(
        state.app.issue_certificates(&ctx.actor()).await?.into(),
    ))
}

/// Revokes a certificate with a reason (committee).
#[utoipa::path(post, path = "/api/v1/certificates/{id}/revoke", tag = "certificates",
    request_body = RevokeBody,
    params(("id" = i64, Path, description = "Certificate id")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(b): Json<RevokeBody>,
) -> Result<axum::http::StatusCode, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::from(AppError::NotFound))?;
    state
        .app
        .revoke_certificate(id, &b.reason, &ctx.actor())
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Starts the ZIP of every valid certificate in the background (committee); a running
/// job's id is returned instead of starting another.
#[utoipa::path(post, path = "/api/v1/certificate-zips", tag = "certificates",
    responses((status = 202, body = ZipStartedDto), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn start_zip(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<(axum::http::StatusCode, Json<ZipStartedDto>), WebError> {
    let id = state.app.start_certificate_zip(&ctx.actor()).await?;
    Ok((axum::http::StatusCode::ACCEPTED, Json(ZipStartedDto { id })))
}

/// The newest ZIP job with its progress, `null` before the first (committee).
#[utoipa::path(get, path = "/api/v1/certificate-zips/latest", tag = "certificates",
    responses((status = 200, body = Option<ZipJobDto>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn zip_status(
    State(state): State<AppState>,
) -> Result<Json<Option<ZipJobDto>>, WebError> {
    let j = state.app.certificate_zip_status().await?;
    Ok(Json(j.map(Into::into)))
}

#[derive(OpenApi)]
#[openapi(
    paths(verify, list, issue, revoke, start_zip, zip_status),
    components(schemas(
        VerificationDto,
        CertificateDto,
        IssueDto,
        RevokeBody,
        ZipJobDto,
        ZipStartedDto
    ))
)]
pub struct CertificateApiDoc;
