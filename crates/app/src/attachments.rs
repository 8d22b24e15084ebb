//! Proposal attachments: PDF, PNG or JPEG, the type decided by the content, at most
//! `MAX_ATTACHMENTS` per proposal and the edition's `max_attachment_mb` each. Operators add
//! and remove them while the proposal is editable; whoever may read the proposal may
//! download them.

use kolabik_domain::files::{FileKind, clean_filename, sniff};
use kolabik_domain::{Id, RoleGrant};
use kolabik_store::announcements::{self, FileMeta};
use kolabik_store::proposal_files::{self as pf, Attachment};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{Actor, App, AppError, record};

pub const MAX_ATTACHMENTS: i64 = 10;
/// The largest per-edition limit the upload routes accept (their body limit follows it).
pub const MAX_ATTACHMENT_MB_CAP: i64 = 20;

/// Catalogue keys raised here beyond the shared ones.
pub const KEYS: &[&str] = &[
    "attachment.too_large",
    "attachment.too_many",
    "attachment.locked",
];

impl App {
    /// The attachments of a proposal the caller may read.
    pub async fn attachments(
        &self,
        proposal_id: Id,
        grants: &[RoleGrant],
    ) -> Result<Vec<Attachment>, AppError> {
        self.proposal(proposal_id, grants).await?;
        Ok(pf::list(self.db.pool(), proposal_id).await?)
    }

    /// The size limit of one attachment in the proposal's edition, in MB.
    pub async fn attachment_limit_mb(&self, edition_id: Id) -> Result<i64, AppError> {
        Ok(pf::max_attachment_mb(self.db.pool(), edition_id)
            .await?
            .clamp(1, MAX_ATTACHMENT_MB_CAP))
    }

    /// Adds an attachment to an editable proposal of the operator's unit.
    pub async fn add_attachment(
        &self,
        proposal_id: Id,
        filename: &str,
        label: &str,
        bytes: &[u8],
        actor: &Actor,
        grants: &[RoleGrant],
    ) -> Result<Id, AppError> {
        let mut tx = self.db.begin().await?;
        let p = self.editable(&mut tx, proposal_id).await?;
        Self::require_operator(&p, grants)?;
        if !p.state.is_editable() {
            return Err(AppError::invalid("file", "attachment.locked"));
        }
        if bytes.is_empty() {
            return Err(AppError::invalid("file", "error.file_empty"));
        }
        let max_mb = pf::max_attachment_mb(&mut *tx, p.edition_id)
            .await?
            .clamp(1, MAX_ATTACHMENT_MB_CAP);
        if i64::try_from(bytes.len()).unwrap_or(i64::MAX) > max_mb * 1024 * 1024 {
            return Err(AppError::invalid("file", "attachment.too_large"));
        }
        let kind: FileKind =
            sniff(bytes).ok_or_else(|| AppError::invalid("file", "error.file_type"))?;
        if pf::count(&mut *tx, proposal_id).await? >= MAX_ATTACHMENTS {
            return Err(AppError::invalid("file", "attachment.too_many"));
        }
        let name = clean_filename(filename, kind);
        let label: String = match label.trim() {
            "" => name.clone(),
            l => l.chars().take(200).collect(),
        };
        let sha: String = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let now = self.now();
        let file_id = announcements::insert_file(
            &mut *tx,
            announcements::NewFile {
                sha256: &sha,
                filename: &name,
                content_type: kind.content_type(),
                content: bytes,
                uploaded_by: actor.user_id,
                now,
            },
        )
        .await?;
        pf::link(&mut *tx, proposal_id, file_id, &label, now).await?;
        record(
            &mut tx,
            actor,
            now,
            "proposal.attachment_added",
            "proposal",
            Some(proposal_id.to_string()),
            None,
            Some(json!({"file_id": file_id, "filename": name, "label": label,
                "content_type": kind.content_type(), "size": bytes.len(), "sha256": sha})),
        )
        .await?;
        tx.commit().await?;
        Ok(file_id)
    }

    /// One attachment's bytes, for whoever may read the proposal; `NotFound` otherwise.
    pub async fn attachment(
        &self,
        proposal_id: Id,
        file_id: Id,
        grants: &[RoleGrant],
    ) -> Result<(FileMeta, Vec<u8>), AppError> {
        self.proposal(proposal_id, grants).await?;
        pf::content(self.db.pool(), proposal_id, file_id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Removes an attachment while the proposal is editable.
    pub async fn remove_attachment(
        &self,
        proposal_id: Id,
        file_id: Id,
        actor: &Actor,
        grants: &[RoleGrant],
    ) -> Result<(), AppError> {
        let mut tx = self.db.begin().await?;
        let p = self.editable(&mut tx, proposal_id).await?;
        Self::require_operator(&p, grants)?;
        if !p.state.is_editable() {
            return Err(AppError::invalid("file", "attachment.locked"));
        }
        if !pf::remove(&mut tx, proposal_id, file_id).await? {
            return Err(AppError::NotFound);
        }
        record(
            &mut tx,
            actor,
            self.now(),
            "proposal.attachment_removed",
            "proposal",
            Some(proposal_id.to_string()),
            Some(json!({"file_id": file_id})),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
