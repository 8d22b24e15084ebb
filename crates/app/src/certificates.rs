//! Certificates (piagam) for the current edition once its results are published: the
//! committee sets the signatory and issues them (winners: rank 1–3 of each category in the
//! final ranking; finalists: the rest of the final ranking; participants: every other
//! proposal that passed administrative screening), revokes one with a reason, and builds a
//! ZIP of every PDF in a background job. Anyone verifies a code; a unit's operators
//! download their units' certificates.
//!
//! A certificate row is a snapshot (kind, rank, category, unit name, title, code); the PDF
//! is rendered on each download from that snapshot and the edition's current signatory, so
//! nothing but the ZIP of a bulk job is stored as bytes.

use std::collections::{HashMap, HashSet};
use std::io::Write;

use kolabik_domain::certificate::{
    Award, CertificateInput, CertificateKind, CodeError, Signatory, VerificationCode, compose,
};
use kolabik_domain::{Edition, Id, Instant, Role, RoleGrant};
use kolabik_pdf::certificate::{Certificate, certificate};
use kolabik_store::certificates::{self as cs, CertificateRow, SettingsRow, ZipJob};
use kolabik_store::editions;
use kolabik_store::results as rs;
use serde::Serialize;
use serde_json::json;

use crate::publication::WINNING_RANKS;
use crate::{Actor, App, AppError, FieldError, record};

/// A bulk job whose node has not reported progress for this long is taken as dead, so a
/// new one may start (the nodes are stateless; the job's row is the only trace).
const STALE_JOB_MS: i64 = 2 * 60 * 1000;

/// A certificate as the pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateView {
    pub id: Id,
    pub code: String,
    pub kind: CertificateKind,
    pub rank: Option<i64>,
    pub category: Option<String>,
    pub recipient: String,
    pub title: String,
    pub proposal_id: Id,
    pub unit_id: Id,
    pub issued_at: Instant,
    pub revoked_at: Option<Instant>,
    pub revoke_reason: Option<String>,
}

impl CertificateView {
    fn from_row(r: CertificateRow) -> Option<CertificateView> {
        let award = Award::from_stored(&r.kind, r.rank)?;
        Some(CertificateView {
            id: r.id,
            code: r.code,
            kind: award.kind(),
            rank: award.rank(),
            category: r.category_name,
            recipient: r.recipient,
            title: r.title,
            proposal_id: r.proposal_id,
            unit_id: r.unit_id,
            issued_at: r.issued_at,
            revoked_at: r.revoked_at,
            revoke_reason: r.revoke_reason,
        })
    }

    pub fn award(&self) -> Award {
        match self.rank {
            Some(k @ 1..=3) if self.kind == CertificateKind::Juara => Award::Juara(k as u8),
            _ if self.kind == CertificateKind::Finalis => Award::Finalis,
            _ => Award::Peserta,
        }
    }
}

/// The signatory form as stored, empty fields when not set yet.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SignatoryForm {
    pub name: String,
    pub position: String,
    pub nip: String,
    pub place: String,
    pub signed_on: String,
}

/// The committee's page.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateOverview {
    pub edition_name: String,
    pub year: i32,
    pub time_zone: kolabik_domain::TimeZone,
    pub results_published: bool,
    pub signatory: SignatoryForm,
    pub signatory_set: bool,
    pub certificates: Vec<CertificateView>,
    pub job: Option<ZipJobView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ZipJobView {
    pub id: Id,
    /// `running`, `done`, `failed`; `stalled` when its node stopped reporting.
    pub state: String,
    pub done: i64,
    pub total: i64,
    pub size_bytes: Option<i64>,
    pub created_at: Instant,
    pub finished_at: Option<Instant>,
}

impl ZipJobView {
    fn new(j: ZipJob, now: Instant) -> ZipJobView {
        let stalled = j.state == "running" && now.millis() - j.updated_at.millis() > STALE_JOB_MS;
        ZipJobView {
            id: j.id,
            state: if stalled { "stalled".into() } else { j.state },
            done: j.done,
            total: j.total,
            size_bytes: j.size_bytes,
            created_at: j.created_at,
            finished_at: j.finished_at,
        }
    }

    pub fn running(&self) -> bool {
        self.state == "running"
    }

    /// Whole percent done.
    pub fn percent(&self) -> i64 {
        if self.total <= 0 {
            100
        } else {
            self.done * 100 / self.total
        }
    }
}

/// What issuing did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IssueReport {
    pub juara: usize,
    pub finalis: usize,
    pub peserta: usize,
    /// Proposals that already had a certificate (kept as they are).
    pub kept: usize,
}

/// The public answer for a code.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub code: String,
    pub kind: CertificateKind,
    pub rank: Option<i64>,
    pub category: Option<String>,
    pub recipient: String,
    pub title: String,
    pub edition_name: String,
    pub year: i32,
    /// The date printed on the certificate ("12 Desember 2022"), when a signatory is set.
    pub signed_on: Option<String>,
    pub issued_at: Instant,
    pub revoked_at: Option<Instant>,
    pub time_zone: kolabik_domain::TimeZone,
}

/// Why a code did not verify: the web shows one "not found" page for all, and may say a
/// typo is likely.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unverified {
    Malformed,
    BadCheck,
    Unknown,
}

/// A rendered PDF.
pub struct CertificatePdf {
    pub filename: String,
    pub bytes: Vec<u8>,
}

fn is_committee(grants: &[RoleGrant]) -> bool {
    grants.iter().any(|g| g.role == Role::Committee)
}

fn operator_units(grants: &[RoleGrant]) -> HashSet<Id> {
    grants
        .iter()
        .filter(|g| g.role == Role::UnitOperator)
        .filter_map(|g| g.unit_id)
        .collect()
}

fn signatory_of(row: &SettingsRow) -> Option<Signatory> {
    Signatory::parse(
        &row.name,
        &row.position,
        row.nip.as_deref().unwrap_or(""),
        &row.place,
        &row.signed_on,
    )
    .ok()
}

fn views(rows: Vec<CertificateRow>) -> Vec<CertificateView> {
    rows.into_iter()
        .filter_map(CertificateView::from_row)
        .collect()
}

impl App {
    fn verify_url(&self, code: &str) -> String {
        format!("{}/verifikasi/{code}", self.site_url())
    }

    /// The committee's view of the current edition's certificates.
    pub async fn certificate_overview(&self) -> Result<CertificateOverview, AppError> {
        let edition = self.ensure_current_edition().await?;
        let pool = self.db.pool();
        let (published_at, _) = rs::publication(pool, edition.id).await?;
        let settings = cs::settings(pool, edition.id).await?;
        let signatory_set = settings.as_ref().and_then(signatory_of).is_some();
        let signatory = settings
            .map(|s| SignatoryForm {
                name: s.name,
                position: s.position,
                nip: s.nip.unwrap_or_default(),
                place: s.place,
                signed_on: s.signed_on,
            })
            .unwrap_or_default();
        let job = cs::latest_job(pool, edition.id)
            .await?
            .map(|j| ZipJobView::new(j, self.now()));
        Ok(CertificateOverview {
            edition_name: edition.name,
            year: edition.year,
            time_zone: edition.time_zone,
            results_published: published_at.is_some(),
            signatory,
            signatory_set,
            certificates: views(cs::list(pool, edition.id).await?),
            job,
        })
    }

    /// Sets who signs the current edition's certificates. Logged.
    pub async fn save_certificate_signatory(
        &self,
        form: &SignatoryForm,
        actor: &Actor,
    ) -> Result<(), AppError> {
        let s = Signatory::parse(
            &form.name,
            &form.position,
            &form.nip,
            &form.place,
            &form.signed_on,
        )
        .map_err(|problems| {
            AppError::Invalid(
                problems
                    .into_iter()
                    .map(|p| FieldError {
                        field: p.field,
                        key: p.key,
                    })
                    .collect(),
            )
        })?;
        let edition = self.ensure_current_edition().await?;
        let now = self.now();
        let row = SettingsRow {
            name: s.name.clone(),
            position: s.position.clone(),
            nip: s.nip.as_ref().map(|n| n.as_str().to_owned()),
            place: s.place.clone(),
            signed_on: s.signed_on.to_string(),
        };
        let mut tx = self.db.begin().await?;
        let before = cs::settings(&mut *tx, edition.id).await?;
        cs::save_settings(&mut *tx, edition.id, &row, actor.user_id, now).await?;
        let as_json = |r: &SettingsRow| {
            json!({"name": r.name, "position": r.position, "nip": r.nip,
                   "place": r.place, "signed_on": r.signed_on})
        };
        record(
            &mut tx,
            actor,
            now,
            "certificates.signatory_set",
            "edition",
            Some(edition.id.to_string()),
            before.as_ref().map(as_json),
            Some(as_json(&row)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Issues the current edition's certificates: refused before the results are published
    /// or without a signatory. Proposals that already have one keep it (and its code).
    /// Logged with the counts.
    pub async fn issue_certificates(&self, actor: &Actor) -> Result<IssueReport, AppError> {
        let edition = self.ensure_current_edition().await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let (published_at, _) = rs::publication(&mut *tx, edition.id).await?;
        if published_at.is_none() {
            return Err(AppError::invalid("issue", "piagam.error.not_published"));
        }
        if cs::settings(&mut *tx, edition.id)
            .await?
            .as_ref()
            .and_then(signatory_of)
            .is_none()
        {
            return Err(AppError::invalid("issue", "piagam.error.no_signatory"));
        }
        // Only rows with a final score count: a proposal eliminated before the last
        // weighted stage is ranked after the scored ones but is neither winner nor finalist
        // (the rule of `publication`).
        let ranks: HashMap<Id, Option<i64>> = rs::final_for_edition(&mut *tx, edition.id)
            .await?
            .into_iter()
            .filter(|r| r.score.is_some())
            .map(|r| (r.proposal_id, r.rank))
            .collect();
        let issued: HashSet<Id> = cs::issued_proposals(&mut *tx, edition.id)
            .await?
            .into_iter()
            .collect();
        let mut report = IssueReport::default();
        let mut new_codes = Vec::new();
        for c in cs::candidates(&mut *tx, edition.id).await? {
            if issued.contains(&c.proposal_id) {
                report.kept += 1;
                continue;
            }
            let rank = ranks.get(&c.proposal_id);
            let award = Award::of(rank.is_some(), rank.copied().flatten(), WINNING_RANKS);
            let code = loop {
                let mut random = [0_u8; 5];
                getrandom::getrandom(&mut random).map_err(|e| AppError::Internal(e.to_string()))?;
                let code = VerificationCode::generate(edition.year, random).to_string();
                if !cs::code_taken(&mut *tx, &code).await? {
                    break code;
                }
            };
            cs::insert(
                &mut *tx,
                &cs::NewCertificate {
                    edition_id: edition.id,
                    proposal_id: c.proposal_id,
                    unit_id: c.unit_id,
                    kind: award.kind().as_str(),
                    rank: award.rank(),
                    category_name: c.category_name.as_deref(),
                    recipient: &c.unit_name,
                    title: &c.title,
                    code: &code,
                    issued_by: actor.user_id,
                    now,
                },
            )
            .await?;
            match award {
                Award::Juara(_) => report.juara += 1,
                Award::Finalis => report.finalis += 1,
                Award::Peserta => report.peserta += 1,
            }
            new_codes.push(code);
        }
        record(
            &mut tx,
            actor,
            now,
            "certificates.issued",
            "edition",
            Some(edition.id.to_string()),
            None,
            Some(json!({
                "juara": report.juara,
                "finalis": report.finalis,
                "peserta": report.peserta,
                "kept": report.kept,
                "codes": new_codes,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Revokes one of the current edition's certificates; the reason (at least 5
    /// characters) is logged, not shown to the public.
    pub async fn revoke_certificate(
        &self,
        id: Id,
        reason: &str,
        actor: &Actor,
    ) -> Result<(), AppError> {
        let reason = reason.trim();
        if reason.chars().count() < 5 {
            return Err(AppError::invalid("reason", "piagam.error.reason"));
        }
        let edition = self.ensure_current_edition().await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let row = cs::by_id(&mut *tx, id)
            .await?
            .filter(|r| r.edition_id == edition.id)
            .ok_or(AppError::NotFound)?;
        if !cs::revoke(&mut *tx, id, reason, actor.user_id, now).await? {
            return Err(AppError::invalid("reason", "piagam.error.already_revoked"));
        }
        record(
            &mut tx,
            actor,
            now,
            "certificate.revoked",
            "certificate",
            Some(id.to_string()),
            Some(json!({"code": row.code, "revoked_at": null})),
            Some(json!({"code": row.code, "revoked_at": now.to_rfc3339(), "reason": reason})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The public answer for a typed or scanned code.
    pub async fn verify_certificate(&self, input: &str) -> Result<Verification, Unverified> {
        let code = VerificationCode::parse(input).map_err(|e| match e {
            CodeError::Malformed => Unverified::Malformed,
            CodeError::BadCheck => Unverified::BadCheck,
        })?;
        let found = self.verification(&code.to_string()).await;
        found.ok().flatten().ok_or(Unverified::Unknown)
    }

    async fn verification(&self, code: &str) -> Result<Option<Verification>, AppError> {
        let pool = self.db.pool();
        let Some(row) = cs::by_code(pool, code).await? else {
            return Ok(None);
        };
        let Some(edition) = editions::by_id(pool, row.edition_id).await? else {
            return Ok(None);
        };
        let signed_on = cs::settings(pool, edition.id)
            .await?
            .as_ref()
            .and_then(signatory_of)
            .map(|s| s.signed_on.long(kolabik_domain::Lang::Id));
        let Some(v) = CertificateView::from_row(row) else {
            return Ok(None);
        };
        Ok(Some(Verification {
            code: v.code,
            kind: v.kind,
            rank: v.rank,
            category: v.category,
            recipient: v.recipient,
            title: v.title,
            edition_name: edition.name,
            year: edition.year,
            signed_on,
            issued_at: v.issued_at,
            revoked_at: v.revoked_at,
            time_zone: edition.time_zone,
        }))
    }

    /// The certificates of the operator's units, every edition.
    pub async fn my_certificates(
        &self,
        grants: &[RoleGrant],
    ) -> Result<Vec<CertificateView>, AppError> {
        let mut out = Vec::new();
        for unit in operator_units(grants) {
            out.extend(views(cs::for_unit(self.db.pool(), unit).await?));
        }
        out.sort_by_key(|c| (std::cmp::Reverse(c.issued_at), c.id));
        Ok(out)
    }

    /// One certificate's PDF: the committee any, an operator their units' certificates
    /// that are not revoked; anyone else NotFound.
    pub async fn certificate_pdf(
        &self,
        code: &str,
        grants: &[RoleGrant],
    ) -> Result<CertificatePdf, AppError> {
        let code = VerificationCode::parse(code).map_err(|_| AppError::NotFound)?;
        let pool = self.db.pool();
        let row = cs::by_code(pool, &code.to_string())
            .await?
            .ok_or(AppError::NotFound)?;
        let allowed = is_committee(grants)
            || (row.revoked_at.is_none() && operator_units(grants).contains(&row.unit_id));
        if !allowed {
            return Err(AppError::NotFound);
        }
        let edition = editions::by_id(pool, row.edition_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let signatory = cs::settings(pool, edition.id)
            .await?
            .as_ref()
            .and_then(signatory_of)
            .ok_or_else(|| AppError::invalid("issue", "piagam.error.no_signatory"))?;
        let view = CertificateView::from_row(row).ok_or(AppError::NotFound)?;
        let bytes = self.render_certificate(&view, &edition, &signatory)?;
        Ok(CertificatePdf {
            filename: format!("piagam-{}.pdf", view.code),
            bytes,
        })
    }

    fn render_certificate(
        &self,
        c: &CertificateView,
        edition: &Edition,
        signatory: &Signatory,
    ) -> Result<Vec<u8>, AppError> {
        let text = compose(&CertificateInput {
            award: c.award(),
            category: c.category.as_deref(),
            recipient: &c.recipient,
            innovation_title: &c.title,
            competition: &edition.name,
            year: edition.year,
            signatory,
        });
        let url = self.verify_url(&c.code);
        let revoked = c.revoked_at.map(|at| {
            format!(
                "DICABUT {}: TIDAK BERLAKU",
                edition.time_zone.format_date(at, kolabik_domain::Lang::Id)
            )
        });
        certificate(&Certificate {
            issuer: &text.issuer,
            heading: &text.heading,
            given_to: &text.given_to,
            recipient: &text.recipient,
            innovation_title: &text.innovation_title,
            award_line: &text.award_line,
            competition_line: &text.competition_line,
            place_date: &text.place_date,
            signatory_position: &text.signatory_position,
            signatory_name: &text.signatory_name,
            signatory_nip: &text.signatory_nip,
            code: &c.code,
            verify_url: &url,
            verify_hint: "Pindai kode QR atau buka alamat ini untuk memeriksa keaslian piagam.",
            revoked: revoked.as_deref(),
        })
        .map_err(|e| AppError::Internal(e.to_string()))
    }

    /// Starts the bulk ZIP of the current edition's valid certificates in the background
    /// and returns the job's id; while a job is running (and reporting) its id is returned
    /// instead of starting another.
    pub async fn start_certificate_zip(&self, actor: &Actor) -> Result<Id, AppError> {
        let edition = self.ensure_current_edition().await?;
        let now = self.now();
        let pool = self.db.pool();
        if let Some(j) = cs::latest_job(pool, edition.id).await?
            && ZipJobView::new(j.clone(), now).running()
        {
            return Ok(j.id);
        }
        let certs: Vec<CertificateView> = views(cs::list(pool, edition.id).await?)
            .into_iter()
            .filter(|c| c.revoked_at.is_none())
            .collect();
        if certs.is_empty() {
            return Err(AppError::invalid("zip", "piagam.error.none_issued"));
        }
        let signatory = cs::settings(pool, edition.id)
            .await?
            .as_ref()
            .and_then(signatory_of)
            .ok_or_else(|| AppError::invalid("zip", "piagam.error.no_signatory"))?;
        let mut tx = self.db.begin().await?;
        let id =
            cs::insert_job(&mut *tx, edition.id, certs.len() as i64, actor.user_id, now).await?;
        record(
            &mut tx,
            actor,
            now,
            "certificates.zip_started",
            "certificate_zip_job",
            Some(id.to_string()),
            None,
            Some(json!({"total": certs.len()})),
        )
        .await?;
        tx.commit().await?;
        let app = self.clone();
        tokio::spawn(async move {
            if let Err(e) = app.build_zip(id, &edition, &signatory, &certs).await {
                tracing::error!(job = id, error = %e, "certificate ZIP failed");
                let _ = cs::fail_job(app.db.pool(), id, &e.to_string(), app.now()).await;
            }
        });
        Ok(id)
    }

    async fn build_zip(
        &self,
        id: Id,
        edition: &Edition,
        signatory: &Signatory,
        certs: &[CertificateView],
    ) -> Result<(), AppError> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let zip_err = |e: zip::result::ZipError| AppError::Internal(e.to_string());
        for (i, c) in certs.iter().enumerate() {
            let pdf = self.render_certificate(c, edition, signatory)?;
            let folder = c.kind.as_str();
            zip.start_file(format!("{folder}/piagam-{}.pdf", c.code), options)
                .map_err(zip_err)?;
            zip.write_all(&pdf)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            cs::job_progress(self.db.pool(), id, i as i64 + 1, self.now()).await?;
            // Rendering is CPU work: let the node's other requests through between files.
            tokio::task::yield_now().await;
        }
        let bytes = zip.finish().map_err(zip_err)?.into_inner();
        cs::finish_job(self.db.pool(), id, &bytes, self.now()).await?;
        Ok(())
    }

    /// The newest bulk job of the current edition.
    pub async fn certificate_zip_status(&self) -> Result<Option<ZipJobView>, AppError> {
        let edition = self.ensure_current_edition().await?;
        Ok(cs::latest_job(self.db.pool(), edition.id)
            .await?
            .map(|j| ZipJobView::new(j, self.now())))
    }

    /// A finished job's ZIP (current edition).
    pub async fn certificate_zip(&self, job_id: Id) -> Result<CertificatePdf, AppError> {
        let edition = self.ensure_current_edition().await?;
        let bytes = cs::job_zip(self.db.pool(), edition.id, job_id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(CertificatePdf {
            filename: format!("piagam-{}.zip", edition.year),
            bytes,
        })
    }

    /// The demo: once the replayed 2022 judging has published its results, the signatory
    /// is set and the certificates issued the next morning.
    pub(crate) async fn load_demo_certificates(&self) -> Result<(), AppError> {
        let Some(edition) = self.current_edition().await? else {
            return Ok(());
        };
        let pool = self.db.pool();
        if rs::publication(pool, edition.id).await?.0.is_none() {
            return Ok(());
        }
        let tz = edition.time_zone;
        let at = |local: &str| {
            kolabik_domain::LocalDateTime::parse(local)
                .map(|l| tz.to_instant(l))
                .ok_or_else(|| AppError::Internal(format!("demo time {local}")))
        };
        let chair = kolabik_domain::Email::parse("panitia@kolabik.test")
            .map_err(|_| AppError::Internal("demo chair".into()))?;
        let chair = Actor {
            user_id: kolabik_store::users::by_email(pool, &chair)
                .await?
                .map(|u| u.id),
            ip: None,
        };
        self.at(at("2022-12-22T08:30")?)
            .save_certificate_signatory(
                &SignatoryForm {
                    name: "Drs. Bambang Wicaksono, M.Si.".into(),
                    position: "Wali Kota Pasuruan".into(),
                    nip: String::new(),
                    place: "Pasuruan".into(),
                    signed_on: "2022-12-22".into(),
                },
                &chair,
            )
            .await?;
        self.at(at("2022-12-22T09:00")?)
            .issue_certificates(&chair)
            .await?;
        Ok(())
    }
}
