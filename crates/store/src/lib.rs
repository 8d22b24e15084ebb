//! Kolabik's storage: one API over SQLite (embedded, the default) and PostgreSQL.
//!
//! Everything goes through sqlx's `Any` driver with `$n` placeholders, which both backends
//! accept, so each query is written once. Where the dialects differ (DDL, identity columns,
//! triggers) each backend has its own migration folder, kept in step by a test. Values cross
//! the boundary as the few types `Any` decodes on both sides: `i64`, `f64`, `String`, and
//! `Option`s of them. Instants are `i64` milliseconds UTC; flags are `i64` 0/1.
//!
//! Callers never see SQL: they call the functions of the modules below, passing either the
//! pool (`db.pool()`) or an open transaction (`&mut *tx`) for multi-row changes.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor, Row};

pub mod announcements;
pub mod assignments;
pub mod audit;
pub mod catalog;
pub mod certificates;
pub mod conflicts;
pub mod editions;
pub mod field;
pub mod invitations;
pub mod judges;
pub mod jury;
pub mod leaders;
pub mod notifications;
pub mod presentation;
pub mod proposal_content;
pub mod proposal_files;
pub mod proposals;
pub mod results;
pub mod screening;
pub mod sheets;
pub mod stage_entries;
pub mod stage_judging;
pub mod stats;
pub mod units;
pub mod users;
pub mod vote;

pub use sqlx::Error as SqlxError;
pub use sqlx::any::AnyRow;
pub type Tx = sqlx::Transaction<'static, Any>;
pub type Conn = sqlx::AnyConnection;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("a record with the same {0} already exists")]
    Duplicate(&'static str),
    #[error("stored value is invalid: {0}")]
    Corrupt(String),
    #[error("unsupported database URL (use sqlite:// or postgres://): {0}")]
    UnsupportedUrl(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The database: a pool plus which dialect is behind it.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Connects to `url` (`sqlite://path` or `postgres://…`). A SQLite file is created when
    /// missing and opened in WAL mode with foreign keys and a busy timeout.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                             PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Db { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Applies every pending migration of this backend.
    pub async fn migrate(&self) -> Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    pub async fn begin(&self) -> Result<Tx> {
        Ok(self.pool.begin().await?)
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Connections open and idle, for `/metrics`.
    pub fn pool_usage(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Table → ordered (column, nullable) pairs and the index names, for comparing the two
    /// dialects' schemas.
    pub async fn describe_schema(&self) -> Result<SchemaDescription> {
        let mut tables = Vec::new();
        let indexes;
        match self.backend {
            Backend::Sqlite => {
                let names: Vec<String> = sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table' \
                     AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name",
                )
                .fetch_all(&self.pool)
                .await?;
                for name in names {
                    let rows = sqlx::query(
                        "SELECT name, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid",
                    )
                    .bind(&name)
                    .fetch_all(&self.pool)
                    .await?;
                    let cols = rows
                        .iter()
                        .map(|r| {
                            let not_null: i64 = r.get(1);
                            let pk: i64 = r.get(2);
                            (r.get::<String, _>(0), not_null == 0 && pk == 0)
                        })
                        .collect();
                    tables.push((name, cols));
                }
                indexes = sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'index' \
                     AND name NOT LIKE 'sqlite_%' ORDER BY name",
                )
                .fetch_all(&self.pool)
                .await?;
            }
            Backend::Postgres => {
                let names: Vec<String> = sqlx::query_scalar(
                    "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
                     WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%' \
                     ORDER BY 1",
                )
                .fetch_all(&self.pool)
                .await?;
                for name in names {
                    let rows = sqlx::query(
                        "SELECT CAST(column_name AS TEXT), CAST(is_nullable AS TEXT) \
                         FROM information_schema.columns \
                         WHERE table_schema = current_schema() AND table_name = $1 \
                         ORDER BY ordinal_position",
                    )
                    .bind(&name)
                    .fetch_all(&self.pool)
                    .await?;
                    let cols = rows
                        .iter()
                        .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1) == "YES"))
                        .collect();
                    tables.push((name, cols));
                }
                indexes = sqlx::query_scalar(
                    "SELECT CAST(indexname AS TEXT) FROM pg_indexes \
                     WHERE schemaname = current_schema() AND indexname NOT LIKE '%_pkey' \
                     AND tablename NOT LIKE '_sqlx%' ORDER BY 1",
                )
                .fetch_all(&self.pool)
                .await?;
            }
        }
        Ok(SchemaDescription { tables, indexes })
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct SchemaDescription {
    pub tables: Vec<(String, Vec<(String, bool)>)>,
    pub indexes: Vec<String>,
}

/// Maps a unique-constraint violation to `StoreError::Duplicate(what)`.
pub(crate) fn dup(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Duplicate(what),
        _ => StoreError::Db(e),
    }
}

pub(crate) fn flag(v: bool) -> i64 {
    i64::from(v)
}

pub(crate) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {value:?}"))
}

/// Page of a list that can grow: 1-based page number and a bounded page size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub number: u32,
    pub size: u32,
}

impl Page {
    pub const MAX_SIZE: u32 = 200;
    pub fn new(number: Option<u32>, size: Option<u32>) -> Page {
        Page {
            number: number.unwrap_or(1).max(1),
            size: size.unwrap_or(50).clamp(1, Self::MAX_SIZE),
        }
    }
    pub fn limit(self) -> i64 {
        i64::from(self.size)
    }
    pub fn offset(self) -> i64 {
        i64::from(self.number - 1) * i64::from(self.size)
    }
}

/// One page of results and the total count, so the caller can draw pagination.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

impl<T> Paged<T> {
    pub fn pages(&self) -> u32 {
        let size = i64::from(self.page_size.max(1));
        u32::try_from((self.total + size - 1) / size)
            .unwrap_or(u32::MAX)
            .max(1)
    }
}
