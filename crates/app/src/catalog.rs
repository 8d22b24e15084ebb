//! The innovation catalogue: publishing proposals, importing innovations, search with facets,
//! novelty reports, near-duplicate detection and ATM lineage.
//!
//! The ranking lives in `kolabik-text`; the database only stores. Each node holds a derived
//! in-memory index (`CatalogIndex`), built from the database on first use, updated on every
//! write in this node, and kept current with the other nodes through the `catalog_changes`
//! sequence (entries) and the proposals' `updated_at` mark, both checked before each query
//! and polled in the background by `kolabik serve`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, RwLock};

use kolabik_domain::catalog::{self as rules, CatalogIndicator, EntryInput};
use kolabik_domain::units::Problem;
use kolabik_domain::{Id, ProposalState};
use kolabik_store::catalog::{self as store, Entry, ProposalText};
use kolabik_text::{
    Document, DupDocument, FieldWeights, Filter, MatchMode, SearchIndex, ShingleIndex,
};
use serde_json::json;

use crate::{Actor, App, AppError, record};

/// Near-duplicate threshold on containment (see DECISIONS.md: reworded copies score
/// 0.38–1.00, same-topic proposals ~0).
pub const DUPLICATE_THRESHOLD: f64 = 0.25;
/// A pair of the same unit's proposals across editions at or above this is a resubmission.
pub const RESUBMISSION_THRESHOLD: f64 = 0.9;
/// Results per search page.
pub const PAGE_SIZE: usize = 20;
/// Where the city's own published proposals come from.
pub const HOME_REGION: &str = "Kota Pasuruan";

/// Keys in the novelty and duplicate indexes: entries even, proposals odd.
fn entry_key(id: Id) -> i64 {
    id * 2
}
fn proposal_key(id: Id) -> i64 {
    id * 2 + 1
}
fn from_key(key: i64) -> (bool, Id) {
    (key % 2 == 1, key / 2)
}

#[derive(Debug, Clone)]
struct Meta {
    year: i64,
    unit_kind: String,
    region: String,
    category: String,
    stage: String,
    values: Vec<String>,
    sdgs: Vec<String>,
    title: String,
    unit_name: String,
    summary: String,
    proposal_id: Option<Id>,
}

#[derive(Debug, Clone)]
struct PMeta {
    title: String,
    unit_id: Id,
    unit_name: String,
    year: i64,
    edition_id: Id,
}

struct IndexState {
    loaded: bool,
    last_change: i64,
    proposal_mark: (i64, i64),
    search: SearchIndex,
    meta: HashMap<Id, Meta>,
    novelty: SearchIndex,
    shingles: ShingleIndex,
    proposals: HashMap<Id, PMeta>,
    /// Proposal id → its catalogue entry.
    published: HashMap<Id, Id>,
}

fn new_index() -> SearchIndex {
    match SearchIndex::new(FieldWeights::default()) {
        Ok(i) => i,
        // The default weights are positive and finite.
        Err(e) => unreachable!("{e}"),
    }
}

impl IndexState {
    fn empty() -> IndexState {
        IndexState {
            loaded: false,
            last_change: 0,
            proposal_mark: (0, 0),
            search: new_index(),
            meta: HashMap::new(),
            novelty: new_index(),
            shingles: ShingleIndex::new(),
            proposals: HashMap::new(),
            published: HashMap::new(),
        }
    }

    fn apply_entry(&mut self, e: &Entry) {
        self.search.upsert(Document {
            id: e.id,
            title: e.title.clone(),
            summary: e.summary.clone(),
            body: format!("{}\n\n{}", e.body, e.results),
        });
        let list = |s: &str| -> Vec<String> {
            s.split(',')
                .map(|x| x.trim().to_owned())
                .filter(|x| !x.is_empty())
                .collect()
        };
        self.meta.insert(
            e.id,
            Meta {
                year: e.year,
                unit_kind: e.unit_kind.clone(),
                region: e.region.clone(),
                category: e.category.clone(),
                stage: e.stage.clone(),
                values: list(&e.value_codes),
                sdgs: list(&e.sdg_numbers),
                title: e.title.clone(),
                unit_name: e.unit_name.clone(),
                summary: e.summary.clone(),
                proposal_id: e.proposal_id,
            },
        );
        match e.proposal_id {
            // A published proposal is compared as the proposal itself.
            Some(pid) => {
                self.published.insert(pid, e.id);
                self.novelty.remove(entry_key(e.id));
                self.shingles.remove(entry_key(e.id));
            }
            None => {
                let body = format!("{}\n\n{}", e.body, e.results);
                self.novelty.upsert(Document {
                    id: entry_key(e.id),
                    title: e.title.clone(),
                    summary: e.summary.clone(),
                    body: body.clone(),
                });
                self.shingles.upsert(DupDocument {
                    id: entry_key(e.id),
                    text: format!("{}\n\n{}", e.summary, body),
                });
            }
        }
    }

    fn remove_entry(&mut self, id: Id) {
        self.search.remove(id);
        if let Some(m) = self.meta.remove(&id)
            && let Some(pid) = m.proposal_id
        {
            self.published.remove(&pid);
        }
        self.novelty.remove(entry_key(id));
        self.shingles.remove(entry_key(id));
    }

    fn apply_proposal(&mut self, p: &ProposalText) {
        let key = proposal_key(p.id);
        let indexed = p.submitted && p.state != ProposalState::Withdrawn.as_str();
        if !indexed {
            self.novelty.remove(key);
            self.shingles.remove(key);
            self.proposals.remove(&p.id);
            return;
        }
        self.novelty.upsert(Document {
            id: key,
            title: p.title.clone(),
            summary: p.summary.clone(),
            body: p.body.clone(),
        });
        self.shingles.upsert(DupDocument {
            id: key,
            text: format!("{}\n\n{}", p.summary, p.body),
        });
        self.proposals.insert(
            p.id,
            PMeta {
                title: p.title.clone(),
                unit_id: p.unit_id,
                unit_name: p.unit_name.clone(),
                year: p.year,
                edition_id: p.edition_id,
            },
        );
    }
}

/// The node's derived catalogue index. Cheap to share.
pub struct CatalogIndex {
    state: RwLock<IndexState>,
    refresh: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for CatalogIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CatalogIndex")
    }
}

impl CatalogIndex {
    pub fn new() -> Arc<CatalogIndex> {
        Arc::new(CatalogIndex {
            state: RwLock::new(IndexState::empty()),
            refresh: tokio::sync::Mutex::new(()),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, IndexState> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, IndexState> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }
}

// ---------- views ----------

#[derive(Debug, Clone, Default)]
pub struct CatalogQuery {
    pub q: String,
    pub year: Option<i64>,
    pub unit_kind: String,
    pub region: String,
    pub category: String,
    pub value: String,
    pub sdg: String,
    pub stage: String,
    pub page: usize,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct CatalogHit {
    pub id: Id,
    pub title: String,
    pub unit_name: String,
    pub region: String,
    pub year: i64,
    pub category: String,
    pub stage: String,
    pub score: f64,
    /// HTML with the query's terms in `<mark>`, escaped.
    pub snippet: String,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Facets {
    pub year: Vec<(String, usize)>,
    pub unit_kind: Vec<(String, usize)>,
    pub region: Vec<(String, usize)>,
    pub category: Vec<(String, usize)>,
    pub value: Vec<(String, usize)>,
    pub sdg: Vec<(String, usize)>,
    pub stage: Vec<(String, usize)>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct CatalogResults {
    pub total: usize,
    /// `all` (every term matched) or `any` (none matched them all).
    pub mode: String,
    pub page: usize,
    pub pages: usize,
    pub hits: Vec<CatalogHit>,
    pub facets: Facets,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SimilarItem {
    /// `proposal` or `entry`.
    pub kind: String,
    pub id: Id,
    /// The catalogue entry to link to (the entry itself, or the published proposal's).
    pub entry_id: Option<Id>,
    pub title: String,
    pub unit_name: String,
    pub year: i64,
    pub score: f64,
    pub shared_terms: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DocRef {
    pub kind: String,
    pub id: Id,
    pub entry_id: Option<Id>,
    pub title: String,
    pub unit_name: String,
    pub year: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PassageView {
    pub a: String,
    pub b: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DuplicateView {
    pub a: DocRef,
    pub b: DocRef,
    pub score: f64,
    pub jaccard: f64,
    /// The same unit's proposal submitted again (nearly) unchanged in a later edition.
    pub resubmission: bool,
    pub passages: Vec<PassageView>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct EntryView {
    pub entry: Entry,
    pub values: Vec<String>,
    pub sdgs: Vec<u8>,
    pub indicators: Vec<(CatalogIndicator, Option<f64>)>,
    pub files: Vec<store::EntryFile>,
    pub replicated_from: Option<Entry>,
    pub replicated_by: Vec<Entry>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportReport {
    pub dry_run: bool,
    pub rows: usize,
    pub created: usize,
    pub problems: Vec<Problem>,
}

/// Who is reading a novelty report: decides which proposals it may name.
#[derive(Debug, Clone)]
pub enum Reader {
    /// Catalogue entries only (the public).
    Public,
    /// Entries, proposals of earlier editions, and the reader's own units' proposals.
    Operator { units: Vec<Id>, edition_id: Id },
    /// Everything (committee, judges).
    Full,
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

impl App {
    /// Makes the node's index current: a full build on first use, else the entries changed
    /// since the last seen change and the proposals updated since the last mark.
    pub async fn catalog_sync(&self) -> Result<(), AppError> {
        let _guard = self.catalog.refresh.lock().await;
        let pool = self.db.pool();
        // A change for entry 0 asks every node to rebuild (`kolabik catalog reindex`).
        {
            let last = self.catalog.read().last_change;
            if self.catalog.read().loaded && store::last_change(pool).await? > last {
                let (ids, _) = store::changes_since(pool, last).await?;
                // Entry 0 or many changes at once (a large import): a full rebuild reads
                // everything in two queries instead of one per entry.
                if ids.contains(&0) || ids.len() > 200 {
                    self.catalog.write().loaded = false;
                }
            }
        }
        let (loaded, last, mark) = {
            let s = self.catalog.read();
            (s.loaded, s.last_change, s.proposal_mark)
        };
        if !loaded {
            let last = store::last_change(pool).await?;
            let mark = store::proposal_mark(pool).await?;
            let entries = store::all(pool).await?;
            let proposals = store::proposals_since(pool, 0).await?;
            let mut fresh = IndexState::empty();
            for e in &entries {
                fresh.apply_entry(e);
            }
            for p in &proposals {
                fresh.apply_proposal(p);
            }
            fresh.loaded = true;
            fresh.last_change = last;
            fresh.proposal_mark = mark;
            *self.catalog.write() = fresh;
            return Ok(());
        }
        let now_last = store::last_change(pool).await?;
        if now_last > last {
            let (ids, new_last) = store::changes_since(pool, last).await?;
            let entries = store::by_ids(pool, &ids).await?;
            let mut s = self.catalog.write();
            for id in &ids {
                match entries.iter().find(|e| e.id == *id) {
                    Some(e) => s.apply_entry(e),
                    None => s.remove_entry(*id),
                }
            }
            s.last_change = s.last_change.max(new_last);
        }
        let now_mark = store::proposal_mark(pool).await?;
        if now_mark != mark {
            // Fewer proposals than before (a deletion): re-read them all.
            let since = if now_mark.1 < mark.1 { 0 } else { mark.0 };
            let proposals = store::proposals_since(pool, since).await?;
            let mut s = self.catalog.write();
            if since == 0 {
                let keys: Vec<Id> = s.proposals.keys().copied().collect();
                for id in keys {
                    s.novelty.remove(proposal_key(id));
                    s.shingles.remove(proposal_key(id));
                }
                s.proposals.clear();
            }
            for p in &proposals {
                s.apply_proposal(p);
            }
            s.proposal_mark = now_mark;
        }
        Ok(())
    }

    /// After a write in this node: apply it to the index when one is held (a server); a CLI
    /// process that never searched builds nothing.
    async fn catalog_after_write(&self) -> Result<(), AppError> {
        if self.catalog.read().loaded {
            self.catalog_sync().await?;
        }
        Ok(())
    }

    /// Drops the node's index and builds it again from the database.
    pub async fn catalog_reindex(&self) -> Result<(usize, usize), AppError> {
        self.catalog.write().loaded = false;
        self.catalog_sync().await?;
        let s = self.catalog.read();
        Ok((s.meta.len(), s.proposals.len()))
    }

    /// Rebuilds the index on every node: one change row for entry 0, then this node's own
    /// rebuild. Returns (entries, proposals) indexed.
    pub async fn catalog_reindex_all(&self, actor: &Actor) -> Result<(usize, usize), AppError> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        store::log_change(&mut tx, 0, now).await?;
        record(
            &mut tx,
            actor,
            now,
            "catalog.reindexed",
            "catalog",
            None,
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        self.catalog_reindex().await
    }

    // ---------- writes ----------

    /// Publishes a submitted proposal (winner, finalist or any other) to the catalogue, with
    /// the attachments its unit marked published; publishing again refreshes the entry.
    pub async fn publish_proposal(&self, proposal_id: Id, actor: &Actor) -> Result<Id, AppError> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let p = store::proposal(&mut *tx, proposal_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if !p.submitted || p.state == ProposalState::Withdrawn.as_str() {
            return Err(AppError::Invalid(vec![crate::FieldError {
                field: "proposal",
                key: "catalog.error_not_submitted",
            }]));
        }
        let content = kolabik_store::proposal_content::load(&mut tx, proposal_id)
            .await?
            .ok_or(AppError::NotFound)?
            .content;
        let indicators: Vec<CatalogIndicator> = content
            .indicators
            .iter()
            .filter(|i| !i.before.trim().is_empty() || !i.after.trim().is_empty())
            .map(|i| {
                let same_unit = i.before_unit == i.after_unit;
                CatalogIndicator {
                    name: i.kind.clone(),
                    before: if same_unit {
                        i.before.clone()
                    } else {
                        format!("{} {}", i.before, i.before_unit)
                    },
                    after: if same_unit {
                        i.after.clone()
                    } else {
                        format!("{} {}", i.after, i.after_unit)
                    },
                    unit: if same_unit {
                        i.after_unit.clone()
                    } else {
                        String::new()
                    },
                }
            })
            .collect();
        let existing = store::by_proposal(&mut *tx, proposal_id).await?;
        let body = [
            &content.problem,
            &content.idea,
            &content.novelty,
            &content.stakeholders,
            &content.resources,
            &content.sustainability,
            &content.replicability,
            &content.lessons,
        ]
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
        let entry = Entry {
            id: existing.as_ref().map(|e| e.id).unwrap_or(0),
            proposal_id: Some(proposal_id),
            source: "proposal".to_owned(),
            title: p.title.clone(),
            unit_name: p.unit_name.clone(),
            unit_kind: p.unit_kind.clone(),
            region: HOME_REGION.to_owned(),
            year: p.year,
            category: p.category.clone(),
            stage: p.innovation_stage.clone(),
            value_codes: p.value_codes.clone(),
            sdg_numbers: p.sdg_numbers.clone(),
            summary: p.summary.clone(),
            body,
            results: content.results.clone(),
            indicators_json: serde_json::to_string(&indicators)
                .map_err(|e| AppError::Internal(e.to_string()))?,
            source_url: String::new(),
            atm_entry_id: p.atm_catalog_id,
            atm_name: if p.atm_catalog_id.is_some()
                || p.atm_url.is_empty() && p.atm_innovation.is_empty()
            {
                String::new()
            } else {
                [
                    p.atm_innovation.as_str(),
                    p.atm_owner.as_str(),
                    p.atm_region.as_str(),
                ]
                .iter()
                .filter(|s| !s.trim().is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
            },
            atm_url: p.atm_url.clone(),
            atm_modified: p.atm_modified.clone(),
            ..Entry::default()
        };
        let id = store::save(&mut tx, &entry, actor.user_id, now).await?;
        store::copy_published_files(&mut tx, id, proposal_id).await?;
        record(
            &mut tx,
            actor,
            now,
            "catalog.published",
            "catalog_entry",
            Some(id.to_string()),
            None,
            Some(json!({"proposal_id": proposal_id, "title": p.title})),
        )
        .await?;
        tx.commit().await?;
        self.catalog_after_write().await?;
        Ok(id)
    }

    /// Removes an entry from the catalogue.
    pub async fn unpublish_entry(&self, id: Id, actor: &Actor) -> Result<(), AppError> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let e = store::get(&mut *tx, id).await?.ok_or(AppError::NotFound)?;
        store::delete(&mut tx, id, now).await?;
        record(
            &mut tx,
            actor,
            now,
            "catalog.removed",
            "catalog_entry",
            Some(id.to_string()),
            Some(json!({"title": e.title})),
            None,
        )
        .await?;
        tx.commit().await?;
        self.catalog_after_write().await
    }

    /// Imports entries from CSV or JSON: every row or nothing; a dry run only checks.
    pub async fn import_catalog(
        &self,
        text: &str,
        dry_run: bool,
        actor: &Actor,
    ) -> Result<ImportReport, AppError> {
        let rows = match rules::parse_import(text) {
            Ok(rows) => rows,
            Err(problems) => {
                return Ok(ImportReport {
                    dry_run,
                    rows: 0,
                    created: 0,
                    problems,
                });
            }
        };
        let mut report = ImportReport {
            dry_run,
            rows: rows.len(),
            created: 0,
            problems: Vec::new(),
        };
        if dry_run {
            return Ok(report);
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        for row in &rows {
            insert_imported(&mut tx, row, actor, now).await?;
            report.created += 1;
        }
        record(
            &mut tx,
            actor,
            now,
            "catalog.imported",
            "catalog",
            None,
            None,
            Some(json!({"rows": report.created})),
        )
        .await?;
        tx.commit().await?;
        self.catalog_after_write().await?;
        Ok(report)
    }

    /// Marks one of a proposal's attachments as published in the catalogue (or not).
    pub async fn set_attachment_published(
        &self,
        proposal_id: Id,
        file_id: Id,
        published: bool,
        actor: &Actor,
    ) -> Result<(), AppError> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        self.ensure_own_proposal(&mut tx, proposal_id, actor)
            .await?;
        if !store::set_file_published(&mut tx, proposal_id, file_id, published).await? {
            return Err(AppError::NotFound);
        }
        record(
            &mut tx,
            actor,
            now,
            "catalog.attachment_published",
            "proposal",
            Some(proposal_id.to_string()),
            None,
            Some(json!({"file_id": file_id, "published": published})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The ids of a proposal's attachments marked published.
    pub async fn published_attachments(&self, proposal_id: Id) -> Result<Vec<Id>, AppError> {
        Ok(store::published_file_ids(self.db.pool(), proposal_id).await?)
    }

    /// Links a proposal's declared ATM source to a catalogue entry, or to an external URL.
    pub async fn link_atm(
        &self,
        proposal_id: Id,
        entry_id: Option<Id>,
        url: &str,
        actor: &Actor,
    ) -> Result<(), AppError> {
        let url = url.trim();
        if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) {
            return Err(AppError::Invalid(vec![crate::FieldError {
                field: "atm_url",
                key: "catalog.error_url",
            }]));
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let committee = self
            .ensure_own_proposal(&mut tx, proposal_id, actor)
            .await?;
        let state = store::proposal(&mut *tx, proposal_id)
            .await?
            .map(|p| p.state)
            .unwrap_or_default();
        let editable = ProposalState::parse(&state).is_some_and(ProposalState::is_editable);
        if !committee && !editable {
            return Err(AppError::Invalid(vec![crate::FieldError {
                field: "atm_entry",
                key: "catalog.error_not_editable",
            }]));
        }
        if let Some(e) = entry_id
            && store::get(&mut *tx, e).await?.is_none()
        {
            return Err(AppError::Invalid(vec![crate::FieldError {
                field: "atm_entry",
                key: "catalog.error_entry_unknown",
            }]));
        }
        store::set_proposal_atm(&mut tx, proposal_id, entry_id, url, now).await?;
        record(
            &mut tx,
            actor,
            now,
            "catalog.atm_linked",
            "proposal",
            Some(proposal_id.to_string()),
            None,
            Some(json!({"entry_id": entry_id, "url": url})),
        )
        .await?;
        tx.commit().await?;
        self.catalog_after_write().await
    }

    /// The proposal's ATM link: (entry, url).
    pub async fn atm_link(&self, proposal_id: Id) -> Result<(Option<Entry>, String), AppError> {
        let p = store::proposal(self.db.pool(), proposal_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let entry = match p.atm_catalog_id {
            Some(id) => store::get(self.db.pool(), id).await?,
            None => None,
        };
        Ok((entry, p.atm_url))
    }

    /// Refuses unless the actor operates the proposal's unit or sits on the committee (or is
    /// the system); true for the committee and the system.
    async fn ensure_own_proposal(
        &self,
        tx: &mut kolabik_store::Tx,
        proposal_id: Id,
        actor: &Actor,
    ) -> Result<bool, AppError> {
        let p = store::proposal(&mut **tx, proposal_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let Some(uid) = actor.user_id else {
            return Ok(true);
        };
        let grants = self.grants(uid).await?;
        let committee = grants
            .iter()
            .any(|g| g.role == kolabik_domain::Role::Committee);
        let own = grants
            .iter()
            .any(|g| g.role == kolabik_domain::Role::UnitOperator && g.unit_id == Some(p.unit_id));
        if committee || own {
            Ok(committee)
        } else {
            Err(AppError::NotFound)
        }
    }

    /// Publishes the current edition's winners and finalists (the demo's catalogue).
    pub async fn publish_winners_and_finalists(&self, actor: &Actor) -> Result<usize, AppError> {
        let Some(edition) = self.current_edition().await? else {
            return Ok(0);
        };
        let ids = store::proposals_in_states(
            self.db.pool(),
            edition.id,
            &[
                ProposalState::Winner.as_str(),
                ProposalState::Finalist.as_str(),
            ],
        )
        .await?;
        for id in &ids {
            self.publish_proposal(*id, actor).await?;
        }
        Ok(ids.len())
    }

    // ---------- reads ----------

    pub async fn catalog_search(&self, q: &CatalogQuery) -> Result<CatalogResults, AppError> {
        self.catalog_sync().await?;
        let s = self.catalog.read();
        let passes = |m: &Meta, skip: &str| -> bool {
            (skip == "year" || q.year.is_none_or(|y| m.year == y))
                && (skip == "unit_kind" || q.unit_kind.is_empty() || m.unit_kind == q.unit_kind)
                && (skip == "region" || q.region.is_empty() || m.region == q.region)
                && (skip == "category" || q.category.is_empty() || m.category == q.category)
                && (skip == "value" || q.value.is_empty() || m.values.contains(&q.value))
                && (skip == "sdg" || q.sdg.is_empty() || m.sdgs.contains(&q.sdg))
                && (skip == "stage" || q.stage.is_empty() || m.stage == q.stage)
        };
        let query = q.q.trim();
        let (mode, matching): (MatchMode, Vec<Id>) = if query.is_empty() {
            let mut all: Vec<Id> = s.meta.keys().copied().collect();
            all.sort_unstable();
            (MatchMode::All, all)
        } else {
            s.search.matching_ids(query, Filter::All)
        };
        let mut facets = Facets::default();
        {
            let mut counts: BTreeMap<&str, BTreeMap<String, usize>> = BTreeMap::new();
            for id in &matching {
                let Some(m) = s.meta.get(id) else { continue };
                let mut add = |dim: &'static str, vals: Vec<String>| {
                    if passes(m, dim) {
                        for v in vals.into_iter().filter(|v| !v.is_empty()) {
                            *counts.entry(dim).or_default().entry(v).or_default() += 1;
                        }
                    }
                };
                add("year", vec![m.year.to_string()]);
                add("unit_kind", vec![m.unit_kind.clone()]);
                add("region", vec![m.region.clone()]);
                add("category", vec![m.category.clone()]);
                add("value", m.values.clone());
                add("sdg", m.sdgs.clone());
                add("stage", vec![m.stage.clone()]);
            }
            let take = |dim: &str, counts: &BTreeMap<&str, BTreeMap<String, usize>>| {
                let mut v: Vec<(String, usize)> = counts
                    .get(dim)
                    .map(|m| m.iter().map(|(k, n)| (k.clone(), *n)).collect())
                    .unwrap_or_default();
                if dim == "sdg" {
                    v.sort_by_key(|(k, _)| k.parse::<u32>().unwrap_or(0));
                } else if dim == "year" {
                    v.sort_by(|a, b| b.0.cmp(&a.0));
                } else {
                    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                }
                v
            };
            facets.year = take("year", &counts);
            facets.unit_kind = take("unit_kind", &counts);
            facets.region = take("region", &counts);
            facets.category = take("category", &counts);
            facets.value = take("value", &counts);
            facets.sdg = take("sdg", &counts);
            facets.stage = take("stage", &counts);
        }
        let allowed: HashSet<Id> = matching
            .iter()
            .copied()
            .filter(|id| s.meta.get(id).is_some_and(|m| passes(m, "")))
            .collect();
        let page = q.page.max(1);
        let offset = (page - 1) * PAGE_SIZE;
        let hit = |id: Id, score: f64, snippet: String| -> Option<CatalogHit> {
            let m = s.meta.get(&id)?;
            Some(CatalogHit {
                id,
                title: m.title.clone(),
                unit_name: m.unit_name.clone(),
                region: m.region.clone(),
                year: m.year,
                category: m.category.clone(),
                stage: m.stage.clone(),
                score,
                snippet,
            })
        };
        let (total, hits) = if query.is_empty() {
            let mut ids: Vec<Id> = allowed.iter().copied().collect();
            ids.sort_by(|a, b| {
                let (ya, yb) = (s.meta.get(a).map(|m| m.year), s.meta.get(b).map(|m| m.year));
                yb.cmp(&ya).then(a.cmp(b))
            });
            let hits = ids
                .iter()
                .skip(offset)
                .take(PAGE_SIZE)
                .filter_map(|id| {
                    let m = s.meta.get(id)?;
                    hit(*id, 0.0, escape(&shorten(&m.summary, 240)))
                })
                .collect();
            (ids.len(), hits)
        } else {
            let r = s
                .search
                .search(query, Filter::Ids(&allowed), offset, PAGE_SIZE);
            let hits = r
                .hits
                .into_iter()
                .filter_map(|h| hit(h.id, h.score, h.snippet))
                .collect();
            (r.total, hits)
        };
        Ok(CatalogResults {
            total,
            mode: match mode {
                MatchMode::All => "all".to_owned(),
                MatchMode::Any => "any".to_owned(),
            },
            page,
            pages: total.div_ceil(PAGE_SIZE).max(1),
            hits,
            facets,
        })
    }

    pub async fn catalog_entry(&self, id: Id) -> Result<EntryView, AppError> {
        let pool = self.db.pool();
        let entry = store::get(pool, id).await?.ok_or(AppError::NotFound)?;
        let indicators: Vec<CatalogIndicator> =
            serde_json::from_str(&entry.indicators_json).unwrap_or_default();
        let replicated_from = match entry.atm_entry_id {
            Some(a) => store::get(pool, a).await?,
            None => None,
        };
        Ok(EntryView {
            values: entry
                .value_codes
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            sdgs: entry
                .sdg_numbers
                .split(',')
                .filter_map(|s| s.trim().parse().ok())
                .collect(),
            indicators: indicators
                .into_iter()
                .map(|i| {
                    let c = i.change_percent();
                    (i, c)
                })
                .collect(),
            files: store::files(pool, id).await?,
            replicated_by: store::replicated_by(pool, id).await?,
            replicated_from,
            entry,
        })
    }

    /// The current edition's submitted proposals the committee may publish:
    /// (id, title, unit, state).
    pub async fn catalog_publishable(&self) -> Result<Vec<(Id, String, String, String)>, AppError> {
        let Some(edition) = self.current_edition().await? else {
            return Ok(Vec::new());
        };
        Ok(store::submitted_in_edition(self.db.pool(), edition.id).await?)
    }

    pub async fn catalog_entries(&self) -> Result<Vec<Entry>, AppError> {
        Ok(store::all(self.db.pool()).await?)
    }

    pub async fn catalog_entry_by_proposal(
        &self,
        proposal_id: Id,
    ) -> Result<Option<Entry>, AppError> {
        Ok(store::by_proposal(self.db.pool(), proposal_id).await?)
    }

    /// (file name, content type, bytes) of a published attachment.
    pub async fn catalog_file(
        &self,
        entry_id: Id,
        file_id: Id,
    ) -> Result<(String, String, Vec<u8>), AppError> {
        store::file_bytes(self.db.pool(), entry_id, file_id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// The most replicated entries: (entry, number of replications).
    pub async fn most_replicated(&self, limit: i64) -> Result<Vec<(Entry, i64)>, AppError> {
        let pool = self.db.pool();
        let mut out = Vec::new();
        for (id, n) in store::most_replicated(pool, limit).await? {
            if let Some(e) = store::get(pool, id).await? {
                out.push((e, n));
            }
        }
        Ok(out)
    }

    fn allowed_for(s: &IndexState, reader: &Reader, key: i64) -> bool {
        let (is_proposal, id) = from_key(key);
        if !is_proposal {
            return true;
        }
        match reader {
            Reader::Full => true,
            Reader::Public => s.published.contains_key(&id),
            Reader::Operator { units, edition_id } => {
                s.published.contains_key(&id)
                    || s.proposals
                        .get(&id)
                        .is_some_and(|p| p.edition_id != *edition_id || units.contains(&p.unit_id))
            }
        }
    }

    fn doc_ref(s: &IndexState, key: i64) -> Option<DocRef> {
        let (is_proposal, id) = from_key(key);
        if is_proposal {
            let p = s.proposals.get(&id)?;
            Some(DocRef {
                kind: "proposal".to_owned(),
                id,
                entry_id: s.published.get(&id).copied(),
                title: p.title.clone(),
                unit_name: p.unit_name.clone(),
                year: p.year,
            })
        } else {
            let m = s.meta.get(&id)?;
            Some(DocRef {
                kind: "entry".to_owned(),
                id,
                entry_id: Some(id),
                title: m.title.clone(),
                unit_name: m.unit_name.clone(),
                year: m.year,
            })
        }
    }

    fn similar_items(s: &IndexState, hits: Vec<kolabik_text::SimilarHit>) -> Vec<SimilarItem> {
        hits.into_iter()
            .filter_map(|h| {
                let r = Self::doc_ref(s, h.id)?;
                Some(SimilarItem {
                    kind: r.kind,
                    id: r.id,
                    entry_id: r.entry_id,
                    title: r.title,
                    unit_name: r.unit_name,
                    year: r.year,
                    score: round3(h.score),
                    shared_terms: h.shared.into_iter().take(8).map(|t| t.term).collect(),
                })
            })
            .collect()
    }

    /// The indexed proposals and entries most similar to a text (`exclude`: the proposal
    /// the text belongs to, and its catalogue entry).
    pub async fn similar_to_text(
        &self,
        text: &str,
        reader: &Reader,
        exclude: Option<Id>,
        k: usize,
    ) -> Result<Vec<SimilarItem>, AppError> {
        self.catalog_sync().await?;
        let s = self.catalog.read();
        let own = exclude.map(proposal_key);
        let own_entry = exclude
            .and_then(|p| s.published.get(&p).copied())
            .map(entry_key);
        let allow =
            |k: i64| Some(k) != own && Some(k) != own_entry && Self::allowed_for(&s, reader, k);
        let hits = s
            .novelty
            .similar_to_text(text, k, Filter::Predicate(&allow));
        Ok(Self::similar_items(&s, hits))
    }

    /// Similar to a catalogue entry (compared as its proposal when it is a published one).
    pub async fn similar_to_entry(
        &self,
        entry_id: Id,
        reader: &Reader,
        k: usize,
    ) -> Result<Vec<SimilarItem>, AppError> {
        self.catalog_sync().await?;
        let s = self.catalog.read();
        let m = s.meta.get(&entry_id).ok_or(AppError::NotFound)?;
        let key = match m.proposal_id {
            Some(pid) if s.proposals.contains_key(&pid) => proposal_key(pid),
            _ => entry_key(entry_id),
        };
        let allow = |k: i64| Self::allowed_for(&s, reader, k);
        let hits = match s.novelty.similar_to(key, k, Filter::Predicate(&allow)) {
            Some(h) => h,
            None => {
                let text = format!("{}\n{}", m.title, m.summary);
                s.novelty
                    .similar_to_text(&text, k, Filter::Predicate(&allow))
            }
        };
        Ok(Self::similar_items(&s, hits))
    }

    /// Similar to a proposal's saved text.
    pub async fn similar_to_proposal(
        &self,
        proposal_id: Id,
        reader: &Reader,
        k: usize,
    ) -> Result<Vec<SimilarItem>, AppError> {
        let p = store::proposal(self.db.pool(), proposal_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let text = format!("{}\n{}\n{}", p.title, p.summary, p.body);
        self.similar_to_text(&text, reader, Some(proposal_id), k)
            .await
    }

    /// Near-duplicate pairs among all proposals of all editions and the catalogue.
    pub async fn duplicate_pairs(&self) -> Result<Vec<DuplicateView>, AppError> {
        self.catalog_sync().await?;
        let s = self.catalog.read();
        let pairs = s
            .shingles
            .pairs(DUPLICATE_THRESHOLD)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(pairs
            .into_iter()
            .filter_map(|p| {
                let (a, b) = (Self::doc_ref(&s, p.a)?, Self::doc_ref(&s, p.b)?);
                let resubmission = Self::is_resubmission(&s, p.a, p.b, p.score);
                Some(DuplicateView {
                    a,
                    b,
                    score: round3(p.score),
                    jaccard: round3(p.jaccard),
                    resubmission,
                    passages: p
                        .passages
                        .into_iter()
                        .map(|x| PassageView {
                            a: x.a_text,
                            b: x.b_text,
                        })
                        .collect(),
                })
            })
            .collect())
    }

    fn is_resubmission(s: &IndexState, a: i64, b: i64, score: f64) -> bool {
        let ((pa, ia), (pb, ib)) = (from_key(a), from_key(b));
        if !(pa && pb) || score < RESUBMISSION_THRESHOLD {
            return false;
        }
        match (s.proposals.get(&ia), s.proposals.get(&ib)) {
            (Some(x), Some(y)) => x.unit_id == y.unit_id && x.edition_id != y.edition_id,
            _ => false,
        }
    }

    /// The near-duplicates of one proposal (for screening): matches with passages.
    pub async fn duplicates_of_proposal(
        &self,
        proposal_id: Id,
    ) -> Result<Vec<DuplicateView>, AppError> {
        let p = store::proposal(self.db.pool(), proposal_id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.catalog_sync().await?;
        let s = self.catalog.read();
        let own = proposal_key(proposal_id);
        let text = format!("{}\n\n{}", p.summary, p.body);
        let matches = s
            .shingles
            .matches_for_text(&text, Some(own), DUPLICATE_THRESHOLD)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let me = DocRef {
            kind: "proposal".to_owned(),
            id: proposal_id,
            entry_id: s.published.get(&proposal_id).copied(),
            title: p.title.clone(),
            unit_name: p.unit_name.clone(),
            year: p.year,
        };
        Ok(matches
            .into_iter()
            .filter(|m| s.published.get(&proposal_id).map(|e| entry_key(*e)) != Some(m.id))
            .filter_map(|m| {
                let b = Self::doc_ref(&s, m.id)?;
                let (is_p, bid) = from_key(m.id);
                let resubmission = is_p
                    && m.score >= RESUBMISSION_THRESHOLD
                    && s.proposals
                        .get(&bid)
                        .is_some_and(|q| q.unit_id == p.unit_id && q.edition_id != p.edition_id);
                Some(DuplicateView {
                    a: me.clone(),
                    b,
                    score: round3(m.score),
                    jaccard: round3(m.jaccard),
                    resubmission,
                    passages: m
                        .passages
                        .into_iter()
                        .map(|x| PassageView {
                            a: x.a_text,
                            b: x.b_text,
                        })
                        .collect(),
                })
            })
            .collect())
    }
}

async fn insert_imported(
    tx: &mut kolabik_store::Tx,
    row: &EntryInput,
    actor: &Actor,
    now: kolabik_domain::Instant,
) -> Result<Id, AppError> {
    let atm_entry_id = if row.replicated_from.is_empty() {
        None
    } else {
        store::find_by_title_or_url(&mut **tx, &row.replicated_from).await?
    };
    let entry = Entry {
        source: "import".to_owned(),
        title: row.title.clone(),
        unit_name: row.unit.clone(),
        unit_kind: row.unit_kind.clone(),
        region: row.region.clone(),
        year: row.year,
        category: row.category.clone(),
        stage: row.stage.clone(),
        value_codes: row.values.join(","),
        sdg_numbers: row
            .sdgs
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(","),
        summary: row.summary.clone(),
        body: row.body.clone(),
        results: row.results.clone(),
        indicators_json: serde_json::to_string(&row.indicators)
            .map_err(|e| AppError::Internal(e.to_string()))?,
        source_url: row.source_url.clone(),
        atm_entry_id,
        atm_name: if atm_entry_id.is_none() {
            row.replicated_from.clone()
        } else {
            String::new()
        },
        atm_modified: row.modified.clone(),
        ..Entry::default()
    };
    Ok(store::save(tx, &entry, actor.user_id, now).await?)
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let cut: String = s.chars().take(max).collect();
    match cut.rfind(' ') {
        Some(i) => format!("{}…", &cut[..i]),
        None => format!("{cut}…"),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const DEMO_SOURCES: &str = include_str!("../demo/catalog-sumber.json");
const DEMO_REPLICATIONS: &str = include_str!("../demo/catalog-replikasi.json");

impl App {
    /// The demo's catalogue: innovations of other regions that the demo's proposals declare
    /// as ATM sources (linked), the demo edition's winners and finalists published, and
    /// other regions' replications of them. Called once at the end of the demo load.
    pub async fn load_demo_catalog(&self) -> Result<(), AppError> {
        let actor = Actor::system();
        let report = self.import_catalog(DEMO_SOURCES, false, &actor).await?;
        if !report.problems.is_empty() {
            return Err(AppError::Internal(format!(
                "demo catalogue: {:?}",
                report.problems
            )));
        }
        let entries = self.catalog_entries().await?;
        if let Some(edition) = self.current_edition().await? {
            let ids = store::proposals_in_states(
                self.db.pool(),
                edition.id,
                &[
                    ProposalState::Winner.as_str(),
                    ProposalState::Finalist.as_str(),
                ],
            )
            .await?;
            for id in ids {
                let Some(p) = store::proposal(self.db.pool(), id).await? else {
                    continue;
                };
                let source = p.atm_innovation.to_lowercase();
                if let Some(e) = entries
                    .iter()
                    .find(|e| !source.is_empty() && source.starts_with(&e.title.to_lowercase()))
                {
                    self.link_atm(id, Some(e.id), "", &actor).await?;
                }
            }
        }
        self.publish_winners_and_finalists(&actor).await?;
        let report = self
            .import_catalog(DEMO_REPLICATIONS, false, &actor)
            .await?;
        if !report.problems.is_empty() {
            return Err(AppError::Internal(format!(
                "demo catalogue: {:?}",
                report.problems
            )));
        }
        Ok(())
    }
}
