//! Publication of results: once the edition's final ranking is frozen (`results` rows with
//! no stage), the committee publishes it, choosing whether the scores are shown; winners'
//! proposals (rank 1–3 of each category) become `winner`. Only proposals with a final score
//! are published: one eliminated before the last weighted stage has a rank after the scored
//! ones in the final ranking but is neither a winner nor a finalist. The three best final
//! scores of the edition, whatever their category, are the "tiga terbaik". The public reads published
//! editions only: the current one, one per year, and the archive of past editions.
//!
//! Each published row links to its catalogue page when the proposal was published to the
//! catalogue (`catalog_entries.proposal_id`).

use kolabik_domain::certificate::Award;
use kolabik_domain::{Id, Instant, TimeZone};
use kolabik_store::editions;
use kolabik_store::results as rs;
use serde::Serialize;
use serde_json::json;

use crate::results::FinalBreakdown;
use crate::{Actor, App, AppError, record};

/// Ranks 1 to this number of each category are the category's winners ("Juara").
pub const WINNING_RANKS: i64 = 3;
/// How many of the edition's best final scores are shown first ("tiga terbaik").
pub const BEST_OVERALL: usize = 3;

/// A category winner: ranked 1–3 in its category with a final score — the domain's one
/// award rule, which the certificates follow too.
fn is_winner(rank: Option<i64>, score: Option<f64>) -> bool {
    matches!(
        Award::of(score.is_some(), rank, WINNING_RANKS),
        Award::Juara(_)
    )
}

#[derive(Debug, Clone, Serialize)]
pub struct PublishedRow {
    pub proposal_id: Id,
    pub rank: Option<i64>,
    /// Only when the committee chose to show scores.
    pub score: Option<f64>,
    pub title: String,
    pub unit_name: String,
    pub category_name: Option<String>,
    /// Rank 1–3.
    pub winner: bool,
    /// The proposal's catalogue entry (`/katalog/{id}`), when it was published there.
    pub catalog_entry_id: Option<Id>,
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
    /// The edition's best final scores across categories, best first (see `BEST_OVERALL`).
    pub best: Vec<PublishedRow>,
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
            if is_winner(r.rank, r.score) && rs::make_winner(&mut *tx, r.proposal_id, now).await? {
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
        // (final score, row) of every published row, for the best overall.
        let mut scored: Vec<(f64, PublishedRow)> = Vec::new();
        if published_at.is_some() {
            let entries = kolabik_store::catalog::entries_for_edition(pool, edition.id).await?;
            for r in rs::final_for_edition(pool, edition.id).await? {
                let Some(final_score) = r.score else {
                    continue;
                };
                let Ok(b) = serde_json::from_str::<FinalBreakdown>(&r.breakdown_json) else {
                    continue;
                };
                let row = PublishedRow {
                    proposal_id: r.proposal_id,
                    rank: r.rank,
                    score: if show_scores { r.score } else { None },
                    title: b.title,
                    unit_name: b.unit_name,
                    category_name: b.category_name.clone(),
                    winner: is_winner(r.rank, r.score),
                    catalog_entry_id: entries
                        .iter()
                        .find(|(p, _)| *p == r.proposal_id)
                        .map(|(_, e)| *e),
                };
                scored.push((final_score, row.clone()));
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
        // Equal scores keep the proposal order, so the list is the same on every read.
        scored.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then(a.1.proposal_id.cmp(&b.1.proposal_id))
        });
        let best = scored
            .into_iter()
            .take(BEST_OVERALL)
            .map(|(_, row)| row)
            .collect();
        Ok(Published {
            edition_id: edition.id,
            year: edition.year,
            edition_name: edition.name,
            time_zone: edition.time_zone,
            published_at,
            show_scores,
            best,
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
