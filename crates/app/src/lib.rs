//! Kolabik's use cases. Each public function here is one command or query that the pages,
//! the JSON API and the CLI all call, so they validate, authorise, change state and write
//! the audit log in exactly one way.

pub mod attachments;
pub mod auth;
pub mod catalog;
pub mod certificates;
pub mod dashboard;
pub mod demo;
pub mod demo_judging;
mod demo_past;
pub mod edition;
pub mod error;
pub mod field;
pub mod funnel;
pub mod invitations;
pub mod jury;
pub mod leaders;
pub mod minutes;
pub mod notify;
pub mod presentation;
pub mod proposals;
pub mod publication;
pub mod results;
pub mod scoring;
pub mod screening;
pub mod sosialisasi;
pub mod units;
pub mod users;
pub mod vote;

use std::time::{SystemTime, UNIX_EPOCH};

use kolabik_domain::{Edition, Id, Instant, RoleGrant, TimeZone};
use kolabik_store::{Db, audit, editions};

pub use error::{AppError, FieldError};
pub use kolabik_store::{self as store, Backend, Page, Paged};

/// Who is acting, for authorisation and the audit log.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<Id>,
    pub ip: Option<String>,
}

impl Actor {
    pub fn system() -> Actor {
        Actor::default()
    }
}

/// The application: a database and the clock. Cheap to clone.
#[derive(Clone, Debug)]
pub struct App {
    db: Db,
    /// Base URL for links in e-mails, without a trailing slash.
    site_url: String,
    /// First retry delay of a failed e-mail; each further one doubles it.
    mail_backoff_ms: i64,
    /// The node's derived catalogue search index (see `catalog`).
    catalog: std::sync::Arc<catalog::CatalogIndex>,
    /// A fixed clock (the demo replays the 2022 judging at its historical instants).
    clock: Option<Instant>,
}

impl App {
    pub fn new(db: Db) -> App {
        App {
            db,
            site_url: "http://127.0.0.1:8080".to_owned(),
            mail_backoff_ms: 60_000,
            catalog: catalog::CatalogIndex::new(),
            clock: None,
        }
    }

    /// Sets the base URL used for links in e-mails (the configured public URL).
    pub fn with_site_url(mut self, url: &str) -> App {
        self.site_url = url.trim_end_matches('/').to_owned();
        self
    }

    /// Sets the first retry delay of a failed e-mail (1 minute by default).
    pub fn with_mail_backoff_ms(mut self, ms: i64) -> App {
        self.mail_backoff_ms = ms.max(0);
        self
    }

    pub fn site_url(&self) -> &str {
        &self.site_url
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The same application with its clock stopped at `at` (demo history only).
    pub(crate) fn at(&self, at: Instant) -> App {
        App {
            clock: Some(at),
            ..self.clone()
        }
    }

    pub fn now(&self) -> Instant {
        if let Some(at) = self.clock {
            return at;
        }
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        Instant(i64::try_from(ms).unwrap_or(i64::MAX))
    }

    pub async fn current_edition(&self) -> Result<Option<Edition>, AppError> {
        Ok(editions::current(self.db.pool()).await?)
    }

    /// The current edition, created when the database has none (a fresh install without
    /// the demo), so that roles always have an edition to belong to.
    pub async fn ensure_current_edition(&self) -> Result<Edition, AppError> {
        if let Some(e) = self.current_edition().await? {
            return Ok(e);
        }
        let now = self.now();
        let year = TimeZone::Wib.to_local(now).year;
        let name = format!("Kompetisi Inovasi Pelayanan Publik {year}");
        let mut tx = self.db.begin().await?;
        let id = editions::insert(
            &mut *tx,
            editions::NewEdition {
                year,
                name: &name,
                theme: "",
                organiser: "",
                description: "",
                time_zone: TimeZone::Wib,
                is_current: true,
                now,
            },
        )
        .await?;
        record(
            &mut tx,
            &Actor::system(),
            now,
            "edition.created",
            "edition",
            Some(id.to_string()),
            None,
            Some(serde_json::json!({"year": year, "name": name})),
        )
        .await?;
        tx.commit().await?;
        editions::by_id(self.db.pool(), id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// The roles a user holds in the current edition.
    pub async fn grants(&self, user_id: Id) -> Result<Vec<RoleGrant>, AppError> {
        let Some(edition) = self.current_edition().await? else {
            return Ok(Vec::new());
        };
        Ok(kolabik_store::users::grants(self.db.pool(), user_id, edition.id).await?)
    }
}

/// Appends one audit event inside the caller's transaction, so the change and its record
/// commit or roll back together.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record(
    tx: &mut kolabik_store::Tx,
    actor: &Actor,
    at: Instant,
    action: &str,
    entity: &str,
    entity_id: Option<String>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), AppError> {
    audit::append(
        &mut **tx,
        audit::NewEvent {
            at,
            actor_user_id: actor.user_id,
            action,
            entity,
            entity_id,
            before,
            after,
            ip: actor.ip.as_deref(),
        },
    )
    .await?;
    Ok(())
}
