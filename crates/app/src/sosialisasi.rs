//! Sosialisasi: the committee's announcements with rich text, an online meeting link and
//! downloadable materials, and a record of which units have seen each one.

use kolabik_domain::files::{FileKind, clean_filename, sniff};
use kolabik_domain::richtext::{is_safe_url, to_html};
use kolabik_domain::{Id, Role, RoleGrant};
use kolabik_store::announcements::{self, Announcement, FileMeta, UnitSeen};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{Actor, App, AppError, FieldError, record};

/// Largest material accepted (PDF slides, posters).
pub const MAX_MATERIAL_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct AnnouncementInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub meeting_url: String,
    /// `on` to publish (checkbox), absent to keep as a draft.
    #[serde(default)]
    pub published: Option<String>,
}

/// An announcement ready to show: its body rendered to safe HTML and its materials.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AnnouncementView {
    #[serde(flatten)]
    pub announcement: Announcement,
    pub body_html: String,
    pub materials: Vec<FileMeta>,
}

impl App {
    /// Creates (`id` None) or updates an announcement.
    pub async fn save_announcement(
        &self,
        id: Option<Id>,
        input: &AnnouncementInput,
        actor: &Actor,
    ) -> Result<Id, AppError> {
        let mut errors = Vec::new();
        let title = input.title.trim();
        if title.is_empty() || title.chars().count() > 200 {
            errors.push(FieldError {
                field: "title",
                key: "error.text_required",
            });
        }
        let body = input.body.trim();
        if body.is_empty() || body.chars().count() > 20_000 {
            errors.push(FieldError {
                field: "body",
                key: "error.text_required",
            });
        }
        let meeting_url = input.meeting_url.trim();
        if !meeting_url.is_empty() && !is_safe_url(meeting_url) {
            errors.push(FieldError {
                field: "meeting_url",
                key: "error.url",
            });
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let meeting_url = (!meeting_url.is_empty()).then_some(meeting_url);
        let publish = input
            .published
            .as_deref()
            .is_some_and(|v| matches!(v, "on" | "true" | "1"));
        let edition = self.ensure_current_edition().await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let after = json!({"title": title, "meeting_url": meeting_url, "published": publish});
        let id = match id {
            None => {
                let id = announcements::insert(
                    &mut *tx,
                    edition.id,
                    title,
                    body,
                    meeting_url,
                    publish.then_some(now),
                    actor.user_id,
                    now,
                )
                .await?;
                record(
                    &mut tx,
                    actor,
                    now,
                    "announcement.created",
                    "announcement",
                    Some(id.to_string()),
                    None,
                    Some(after),
                )
                .await?;
                id
            }
            Some(id) => {
                let before = announcements::by_id(&mut *tx, id)
                    .await?
                    .filter(|a| a.edition_id == edition.id)
                    .ok_or(AppError::NotFound)?;
                // Keep the first publication time when re-saving a published announcement.
                let published_at = if publish {
                    Some(before.published_at.unwrap_or(now))
                } else {
                    None
                };
                announcements::update(&mut *tx, id, title, body, meeting_url, published_at, now)
                    .await?;
                let before_json = json!({"title": before.title, "meeting_url": before.meeting_url, "published": before.published_at.is_some()});
                record(
                    &mut tx,
                    actor,
                    now,
                    "announcement.updated",
                    "announcement",
                    Some(id.to_string()),
                    Some(before_json),
                    Some(after),
                )
                .await?;
                id
            }
        };
        tx.commit().await?;
        Ok(id)
    }

    /// The current edition's announcements, newest first; drafts only for the committee.
    pub async fn announcements(
        &self,
        include_drafts: bool,
    ) -> Result<Vec<AnnouncementView>, AppError> {
        let Some(edition) = self.current_edition().await? else {
            return Ok(Vec::new());
        };
        let list = announcements::list(self.db.pool(), edition.id, include_drafts).await?;
        let mut materials = announcements::materials(self.db.pool(), edition.id).await?;
        Ok(list
            .into_iter()
            .map(|a| {
                let mine: Vec<FileMeta> = materials
                    .iter()
                    .filter(|(aid, _)| *aid == a.id)
                    .map(|(_, f)| f.clone())
                    .collect();
                materials.retain(|(aid, _)| *aid != a.id);
                AnnouncementView {
                    body_html: to_html(&a.body),
                    materials: mine,
                    announcement: a,
                }
            })
            .collect())
    }

    pub async fn announcement(
        &self,
        id: Id,
        include_drafts: bool,
    ) -> Result<AnnouncementView, AppError> {
        self.announcements(include_drafts)
            .await?
            .into_iter()
            .find(|a| a.announcement.id == id)
            .ok_or(AppError::NotFound)
    }

    /// Stores a material for an announcement after checking its size and its real type.
    pub async fn upload_material(
        &self,
        announcement_id: Id,
        filename: &str,
        bytes: &[u8],
        actor: &Actor,
    ) -> Result<Id, AppError> {
        if bytes.is_empty() {
            return Err(AppError::invalid("file", "error.file_empty"));
        }
        if bytes.len() > MAX_MATERIAL_BYTES {
            return Err(AppError::invalid("file", "error.file_too_large"));
        }
        let kind: FileKind =
            sniff(bytes).ok_or_else(|| AppError::invalid("file", "error.file_type"))?;
        let edition = self.ensure_current_edition().await?;
        let announcement = announcements::by_id(self.db.pool(), announcement_id).await?;
        if announcement.is_none_or(|a| a.edition_id != edition.id) {
            return Err(AppError::NotFound);
        }
        let name = clean_filename(filename, kind);
        let sha: String = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let now = self.now();
        let mut tx = self.db.begin().await?;
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
        announcements::attach(&mut *tx, announcement_id, file_id).await?;
        record(
            &mut tx,
            actor,
            now,
            "announcement.material_added",
            "announcement",
            Some(announcement_id.to_string()),
            None,
            Some(json!({"file_id": file_id, "filename": name, "content_type": kind.content_type(), "size": bytes.len(), "sha256": sha})),
        )
        .await?;
        tx.commit().await?;
        Ok(file_id)
    }

    pub async fn material(
        &self,
        file_id: Id,
        include_unpublished: bool,
    ) -> Result<(FileMeta, Vec<u8>), AppError> {
        announcements::material_content(self.db.pool(), file_id, include_unpublished)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Notes that a signed-in user opened a published announcement; a unit operator's view
    /// counts for their unit. A read receipt, not a change of the record: not audit-logged.
    pub async fn mark_seen(
        &self,
        announcement_id: Id,
        user_id: Id,
        grants: &[RoleGrant],
    ) -> Result<(), AppError> {
        let unit_id = grants
            .iter()
            .find(|g| g.role == Role::UnitOperator)
            .and_then(|g| g.unit_id);
        announcements::record_view(
            self.db.pool(),
            announcement_id,
            user_id,
            unit_id,
            self.now(),
        )
        .await?;
        Ok(())
    }

    pub async fn seen_report(&self, announcement_id: Id) -> Result<Vec<UnitSeen>, AppError> {
        let edition = self.ensure_current_edition().await?;
        Ok(announcements::seen_by_units(self.db.pool(), edition.id, announcement_id).await?)
    }
}

impl App {
    /// Per announcement: units that have seen it; and how many units are expected to.
    pub async fn seen_counts(&self) -> Result<(Vec<(Id, i64)>, i64), AppError> {
        let edition = self.ensure_current_edition().await?;
        Ok((
            announcements::seen_counts(self.db.pool(), edition.id).await?,
            announcements::audience_size(self.db.pool(), edition.id).await?,
        ))
    }
}
