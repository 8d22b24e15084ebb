//! Publication of results: once the edition's final ranking is frozen (`results` rows with
//! no stage), the committee publishes it, choosing whether the scores are shown; winners'
//! proposals (rank 1–3 of each category) become `winner`. The public reads published
//! editions only: the current one, one per year, and the archive of past editions.
//!
//! Catalogue links (`/katalog/{id}`) are left out for now: the catalogue is built in
//! parallel and the public page links to it once `catalog_entries` exists on main.

use kolabik_domain::{Id, Instant, TimeZone};
use kolabik_store::editions;
use kolabik_store::results as rs;
use serde::Serialize;
use serde_json::json;

use crate::results::FinalBreakdown;
use crate::{Actor, App, AppError, record};

/// Ranks 1 to this number of each category are the category's winners ("Juara").
pub const WINNING_RANKS: i64 = 3;

#[derive(Debug, Clone, Serialize)]
pub struct PublishedRow {
    pub proposal_id: Id,
    pub rank: Option<i64>,
    /// Only when the committee chose to show scores.
    pub score: Option<f64>,
    pub title: String,
    pub unit_name: String,
    /// Rank 1–3.
    pub winner: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublishedCategory {
    pub id: Option<Id>,
    pub name: Option<String>,
    pub rows: Vec<PublishedRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Published {
    pub edition_id: Id,
    pub year: i32,
    pub edition_name: String,
    pub time_zone: TimeZone,
    /// None: not (yet) published — no categories then.
    pub published_at: Option<Instant>,
    pub show_scores: bool,
    pub categories: Vec<PublishedCategory>,
}

/// The committee's view of the publication of the current edition.
#[derive(Debug, Clone, Serialize)]
pub struct PublicationStatus {
    pub edition_name: String,
    pub year: i32,
    pub time_zone: TimeZone,
    pub final_frozen: bool,
    pub published_at: Option<Instant>,
    pub show_scores: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArchiveEntry {
    pub year: i64,
    pub edition_name: String,
    pub published_at: Instant,
}

impl App {
    /// Where the current edition's publication stands (committee page).
    pub async fn publication_status(&self) -> Result<PublicationStatus, AppError> {
        let edition = self.ensure_current_edition().await?;
        let pool = self.db.pool();
        let final_frozen = !rs::final_for_edition(pool, edition.id).await?.is_empty();
        let (published_at, show_scores) = rs::publication(pool, edition.id).await?;
        Ok(PublicationStatus {
            edition_name: edition.name,
            year: edition.year,
            time_zone: edition.time_zone,
            final_frozen,
            published_at,
            show_scores,
        })
    }

    /// Publishes the current edition's results (again: only the score option changes; the
    /// first publication time is kept). Refused until the final ranking is frozen.
    pub async fn publish_results(&self, show_scores: bool, actor: &Actor) -> Result<(), AppError> {
        let edition = self.ensure_current_edition().await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let rows = rs::final_for_edition(&mut *tx, edition.id).await?;
        if rows.is_empty() {
            return Err(AppError::invalid("publish", "publication.not_frozen"));
        }
        let (before, before_show) = rs::publication(&mut *tx, edition.id).await?;
        let at = before.unwrap_or(now);
        rs::set_publication(&mut *tx, edition.id, at, show_scores).await?;
        let mut winners = Vec::new();
        for r in &rows {
            if r.rank.is_some_and(|k| (1..=WINNING_RANKS).contains(&k))
                && rs::make_winner(&mut *tx, r.proposal_id, now).await?
            {
                winners.push(r.proposal_id);
            }
        }
        record(
            &mut tx,
            actor,
            now,
            "results.published",
            "edition",
            Some(edition.id.to_string()),
            Some(json!({
                "published_at": before.map(|i| i.to_rfc3339()),
                "show_scores": before_show,
            })),
            Some(json!({"show_scores": show_scores, "new_winners": winners})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The published results of the current edition (`year` None) or of the published
    /// edition of that year. NotFound when there is no such edition.
    pub async fn published_results(&self, year: Option<i32>) -> Result<Published, AppError> {
        let pool = self.db.pool();
        let edition = match year {
            None => self.current_edition().await?.ok_or(AppError::NotFound)?,
            Some(y) => {
                let id = rs::published_editions(pool)
                    .await?
                    .into_iter()
                    .find(|e| e.1 == i64::from(y))
                    .map(|e| e.0)
                    .ok_or(AppError::NotFound)?;
                editions::by_id(pool, id).await?.ok_or(AppError::NotFound)?
            }
        };
        let (published_at, show_scores) = rs::publication(pool, edition.id).await?;
        let mut categories: Vec<PublishedCategory> = Vec::new();
        if published_at.is_some() {
            for r in rs::final_for_edition(pool, edition.id).await? {
                let Ok(b) = serde_json::from_str::<FinalBreakdown>(&r.breakdown_json) else {
                    continue;
                };
                let row = PublishedRow {
                    proposal_id: r.proposal_id,
                    rank: r.rank,
                    score: if show_scores { r.score } else { None },
                    title: b.title,
                    unit_name: b.unit_name,
                    winner: r.rank.is_some_and(|k| (1..=WINNING_RANKS).contains(&k)),
                };
                match categories.iter_mut().find(|c| c.id == r.category_id) {
                    Some(c) => c.rows.push(row),
                    None => categories.push(PublishedCategory {
                        id: r.category_id,
                        name: b.category_name,
                        rows: vec![row],
                    }),
                }
            }
        }
        Ok(Published {
            edition_id: edition.id,
            year: edition.year,
            edition_name: edition.name,
            time_zone: edition.time_zone,
            published_at,
            show_scores,
            categories,
        })
    }

    /// Every published edition, newest first.
    pub async fn results_archive(&self) -> Result<Vec<ArchiveEntry>, AppError> {
        Ok(rs::published_editions(self.db.pool())
            .await?
            .into_iter()
            .map(|(_, year, edition_name, published_at)| ArchiveEntry {
                year,
                edition_name,
                published_at,
            })
            .collect())
    }
}
