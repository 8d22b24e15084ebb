//! Configuration, declared once. Each setting can come from a flag, an environment
//! variable, or the optional TOML file (`--config`, `KOLABIK_CONFIG`, or `./kolabik.toml`
//! when present), in that order of precedence, then a default.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use serde::Deserialize;

#[derive(Parser, Debug)]
#[command(
    name = "kolabik",
    version,
    about = "Kolabik: run a public-service innovation competition end to end."
)]
pub struct Cli {
    /// TOML configuration file. Keys: addr, data, database_url, demo, demo_before_judging, public_url,
    /// trust_proxy, smtp_url, mail_from, max_connections, log.
    #[arg(long, global = true, env = "KOLABIK_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Directory for the embedded SQLite database and uploaded files [default: ./kolabik-data]
    #[arg(long, global = true, env = "KOLABIK_DATA", value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Database URL: `postgres://user@host/db` for PostgreSQL, or `sqlite://path`.
    /// Without it, an embedded SQLite database at <data>/kolabik.db is used.
    #[arg(long, global = true, env = "DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
    /// Most database connections this process opens [default: 16]
    #[arg(long, global = true, env = "KOLABIK_MAX_CONNECTIONS", value_name = "N")]
    pub max_connections: Option<u32>,
    /// Log filter, e.g. `info` or `kolabik_web=debug` [default: info]
    #[arg(long, global = true, env = "KOLABIK_LOG", value_name = "FILTER")]
    pub log: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server (migrates the database first).
    Serve(ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The innovation catalogue: import entries, rebuild the search index.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Check the tamper-evident logs.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Indonesian text tools (no database needed).
    #[command(subcommand)]
    Text(TextCommand),
    /// Solve a judge-assignment instance (JSON) exactly and print the solution as JSON.
    /// Needs no database or configuration. Exit code 0: optimal; 2: infeasible (the best
    /// partial assignment and the reasons are printed); 1: the instance is invalid.
    AssignSolve(AssignSolveArgs),
}

#[derive(Args, Debug)]
pub struct AssignSolveArgs {
    /// Instance file, or `-` for standard input.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
}

#[derive(Args, Debug, Default)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "KOLABIK_ADDR", value_name = "HOST:PORT")]
    pub addr: Option<String>,
    /// Load the demo edition "Kolabik Kota Pasuruan 2022" into an empty database and print
    /// the demo accounts.
    #[arg(long, env = "KOLABIK_DEMO")]
    pub demo: bool,
    /// With --demo: stop the demo edition after administrative screening instead of
    /// replaying its completed 2022 judging, so judging can be tried from the start.
    #[arg(long, env = "KOLABIK_DEMO_BEFORE_JUDGING")]
    pub demo_before_judging: bool,
    /// Public base URL when behind a reverse proxy (e.g. https://kolabik.example.go.id);
    /// an https URL makes cookies Secure.
    #[arg(long, env = "KOLABIK_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Trust X-Forwarded-For for the client address (only behind your own proxy).
    #[arg(long, env = "KOLABIK_TRUST_PROXY")]
    pub trust_proxy: bool,
    /// SMTP server for outgoing e-mail, e.g. smtp://127.0.0.1:2525 (plain),
    /// smtp://user:pass@host:587?tls=required (STARTTLS) or smtps://user:pass@host:465.
    /// Without it e-mails are kept in the committee's mailbox page (/panitia/kotak-surat).
    #[arg(long, env = "KOLABIK_SMTP_URL", value_name = "URL")]
    pub smtp_url: Option<String>,
    /// Sender of outgoing e-mail [default: Kolabik <noreply@kolabik.local>]
    #[arg(long, env = "KOLABIK_MAIL_FROM", value_name = "ADDRESS")]
    pub mail_from: Option<String>,
    /// How often the background sender looks for due e-mail and reminders, in ms (tests).
    #[arg(long, env = "KOLABIK_MAIL_POLL_MS", hide = true)]
    pub mail_poll_ms: Option<u64>,
    /// First retry delay of a failed e-mail, in ms; each further one doubles it (tests).
    #[arg(long, env = "KOLABIK_MAIL_BACKOFF_MS", hide = true)]
    pub mail_backoff_ms: Option<i64>,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account with a temporary password and one role in the current edition.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// committee, unit_operator, judge or viewer
        #[arg(long)]
        role: String,
        /// Unit code (required for unit_operator)
        #[arg(long)]
        unit: Option<String>,
        /// 18-digit NIP
        #[arg(long)]
        nip: Option<String>,
    },
    /// Set a password: piped on standard input, or generated (and to be changed at sign-in).
    SetPassword {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API bearer token for an account and print it.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum CatalogCommand {
    /// Import entries from a CSV (header row) or JSON (array of objects) file; every row or
    /// nothing. Columns: title, unit, unit_kind, region, year, category, values, sdgs, stage,
    /// summary, body, indicators ("name: before -> after unit; …"), results, source_url,
    /// replicated_from, modified.
    Import {
        /// The file to import.
        file: PathBuf,
        /// Only check the file and report bad rows; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Rebuild the derived search index from the database (also tells every running node,
    /// through the change sequence, to re-read every entry).
    Reindex,
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Walk the public vote's hash chain (and check that the append-only guards of the
    /// vote log and the audit log are in place); report the first broken link and exit
    /// with a non-zero code when anything is wrong.
    Verify {
        /// A head hash published earlier on the vote page (`/favorit`): the check fails
        /// unless a verified link of the chain carries it.
        #[arg(long, value_name = "HASH")]
        published_head: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum TextCommand {
    /// Read words from standard input (separated by spaces or lines) and print one
    /// `word<TAB>stem` line each.
    Stem,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    addr: Option<String>,
    data: Option<PathBuf>,
    database_url: Option<String>,
    demo: Option<bool>,
    demo_before_judging: Option<bool>,
    public_url: Option<String>,
    trust_proxy: Option<bool>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    max_connections: Option<u32>,
    log: Option<String>,
}

/// The resolved configuration.
#[derive(Debug)]
pub struct Settings {
    pub addr: String,
    pub data: PathBuf,
    pub database_url: Option<String>,
    pub demo: bool,
    pub demo_before_judging: bool,
    pub public_url: Option<String>,
    pub trust_proxy: bool,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub mail_poll_ms: u64,
    pub mail_backoff_ms: i64,
    pub max_connections: u32,
    pub log: String,
}

impl Settings {
    pub fn resolve(cli: &Cli) -> Result<Settings> {
        let file = match &cli.config {
            Some(path) => read_file(path)?,
            None if Path::new("kolabik.toml").exists() => read_file(Path::new("kolabik.toml"))?,
            None => FileConfig::default(),
        };
        let serve = match &cli.command {
            Command::Serve(s) => Some(s),
            _ => None,
        };
        let default_serve = ServeArgs::default();
        let s = serve.unwrap_or(&default_serve);
        let max_connections = cli.max_connections.or(file.max_connections).unwrap_or(16);
        if max_connections == 0 {
            bail!("max_connections must be at least 1");
        }
        Ok(Settings {
            addr: s
                .addr
                .clone()
                .or(file.addr)
                .unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
            data: cli
                .data
                .clone()
                .or(file.data)
                .unwrap_or_else(|| PathBuf::from("kolabik-data")),
            database_url: cli
                .database_url
                .clone()
                .or(file.database_url)
                .filter(|u| !u.trim().is_empty()),
            demo: s.demo || file.demo.unwrap_or(false),
            demo_before_judging: s.demo_before_judging || file.demo_before_judging.unwrap_or(false),
            public_url: s.public_url.clone().or(file.public_url),
            trust_proxy: s.trust_proxy || file.trust_proxy.unwrap_or(false),
            smtp_url: s
                .smtp_url
                .clone()
                .or(file.smtp_url)
                .filter(|u| !u.trim().is_empty()),
            mail_from: s
                .mail_from
                .clone()
                .or(file.mail_from)
                .unwrap_or_else(|| "Kolabik <noreply@kolabik.local>".to_owned()),
            mail_poll_ms: s.mail_poll_ms.unwrap_or(5_000).max(10),
            mail_backoff_ms: s.mail_backoff_ms.unwrap_or(60_000).max(0),
            max_connections,
            log: cli
                .log
                .clone()
                .or(file.log)
                .unwrap_or_else(|| "info".to_owned()),
        })
    }

    /// The database URL, creating the data directory for the embedded SQLite database.
    pub fn database_url(&self) -> Result<String> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        std::fs::create_dir_all(&self.data)
            .with_context(|| format!("cannot create the data directory {}", self.data.display()))?;
        Ok(format!(
            "sqlite://{}",
            self.data.join("kolabik.db").display()
        ))
    }

    /// The base URL for links in e-mails: the public URL, else `http://<addr>`.
    pub fn site_url(&self, bound: Option<std::net::SocketAddr>) -> String {
        match (&self.public_url, bound) {
            (Some(u), _) => u.trim_end_matches('/').to_owned(),
            (None, Some(addr)) => format!("http://{addr}"),
            (None, None) => format!("http://{}", self.addr),
        }
    }

    /// The SMTP URL without its password, for messages.
    pub fn redacted_smtp_url(&self) -> Option<String> {
        self.smtp_url.as_deref().map(redact)
    }

    /// The URL without its password, for messages.
    pub fn redacted_url(&self) -> String {
        let url = self
            .database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data.join("kolabik.db").display()));
        redact(&url)
    }
}

/// `scheme://user:secret@host…` → `scheme://user:***@host…`.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn read_file(path: &Path) -> Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid configuration file {}", path.display()))
}
