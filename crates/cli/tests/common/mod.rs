//! Test harness: starts the real `kolabik` binary on a free port against a fresh database
//! (a SQLite file in a temporary directory, or a PostgreSQL database created for the test
//! and dropped after it) and talks HTTP to it.
//!
//! PostgreSQL comes from `KOLABIK_TEST_POSTGRES_URL` (a server URL such as
//! `postgres://postgres@127.0.0.1:5432/postgres`). Without it, or when the server does not
//! answer, PostgreSQL tests fail when `CI` is set and are skipped with a printed reason
//! otherwise.

#![allow(dead_code)]

pub mod chrome;
pub mod smtp;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Response, StatusCode, redirect};

pub const BIN: &str = env!("CARGO_BIN_EXE_kolabik");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Skips (outside CI) or fails (in CI) a test whose prerequisite is missing.
pub fn missing<T>(what: &str) -> Option<T> {
    if in_ci() {
        panic!("CI is set but {what}");
    }
    eprintln!("SKIPPED: {what}");
    None
}

/// A database for one test. PostgreSQL databases are dropped when this is dropped.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    dir: PathBuf,
    pg_admin_url: Option<String>,
    pg_name: Option<String>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Option<TestDb> {
        let dir = std::env::temp_dir().join(unique("kolabik_test"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.join("kolabik.db").display());
                Some(TestDb {
                    backend,
                    url,
                    dir,
                    pg_admin_url: None,
                    pg_name: None,
                })
            }
            Backend::Postgres => {
                let Ok(admin) = std::env::var("KOLABIK_TEST_POSTGRES_URL") else {
                    return missing(
                        "KOLABIK_TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/postgres)",
                    );
                };
                let pool = match sqlx::PgPool::connect(&admin).await {
                    Ok(p) => p,
                    Err(e) => {
                        return missing(&format!("PostgreSQL at {admin} is unreachable: {e}"));
                    }
                };
                let name = unique("kolabik_t");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&pool)
                    .await
                    .expect("create test database");
                pool.close().await;
                let base = admin
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_owned())
                    .unwrap_or(admin.clone());
                let url = format!("{base}/{name}");
                Some(TestDb {
                    backend,
                    url,
                    dir,
                    pg_admin_url: Some(admin),
                    pg_name: Some(name),
                })
            }
        }
    }

    pub fn data_dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Runs the CLI against this database; returns (success, stdout, stderr).
    pub fn cli(&self, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
        use std::io::Write;
        let mut child = Command::new(BIN)
            .args(args)
            .env("DATABASE_URL", &self.url)
            .env("KOLABIK_DATA", &self.dir)
            .env("KOLABIK_LOG", "warn")
            .env_remove("KOLABIK_CONFIG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn kolabik");
        if let (Some(mut pipe), Some(text)) = (child.stdin.take(), stdin) {
            pipe.write_all(text.as_bytes()).expect("write stdin");
        }
        let out = child.wait_with_output().expect("kolabik output");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// A direct connection, for checks below the HTTP layer.
    pub async fn connect(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.url)
            .await
            .expect("connect to test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let (Some(admin), Some(name)) = (self.pg_admin_url.take(), self.pg_name.take()) {
            // Drop runs outside any runtime we can block on; use a fresh one on a thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    let pool = sqlx::PgPool::connect(&admin).await.ok()?;
                    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&pool)
                        .await
                        .ok()?;
                    pool.close().await;
                    Some(())
                })
            })
            .join();
        }
    }
}

/// A running server.
pub struct TestServer {
    pub base: String,
    child: Child,
}

impl TestServer {
    /// The server; with `demo`, the demo edition WITHOUT its 2022 judging history (most
    /// tests build their own judging fixtures): see `start_full_demo`.
    pub fn start(db: &TestDb, demo: bool) -> TestServer {
        TestServer::start_with(db, demo, &[])
    }

    /// The demo edition with its completed 2022 judging (as `serve --demo` shows it).
    pub fn start_full_demo(db: &TestDb) -> TestServer {
        TestServer::launch(db, true, &[])
    }

    /// `start` with further `serve` arguments (e.g. `--smtp-url`).
    pub fn start_with(db: &TestDb, demo: bool, extra_args: &[&str]) -> TestServer {
        let mut args = extra_args.to_vec();
        if demo {
            args.push("--demo-before-judging");
        }
        TestServer::launch(db, demo, &args)
    }

    fn launch(db: &TestDb, demo: bool, extra_args: &[&str]) -> TestServer {
        // A test may pin the address (to restart a server on the same port).
        let mut args = vec!["serve"];
        if !extra_args.contains(&"--addr") {
            args.extend(["--addr", "127.0.0.1:0"]);
        }
        if demo {
            args.push("--demo");
        }
        args.extend_from_slice(extra_args);
        let mut child = Command::new(BIN)
            .args(&args)
            .env("DATABASE_URL", &db.url)
            .env("KOLABIK_DATA", &db.dir)
            .env("KOLABIK_LOG", "warn")
            .env_remove("KOLABIK_CONFIG")
            .env_remove("KOLABIK_SMTP_URL")
            .env_remove("KOLABIK_PUBLIC_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn kolabik serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("ready at ").nth(1) {
                    let url = rest
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .trim_end_matches('/')
                        .to_owned();
                    let _ = tx.send(url);
                }
            }
        });
        let base = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(b) => b,
            Err(_) => {
                let _ = child.kill();
                panic!("kolabik serve did not become ready within 60 s");
            }
        };
        TestServer { base, child }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A client that keeps its own session cookie and proves same origin on POSTs.
    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser-like HTTP client: no automatic redirects (tests look at them), a cookie jar
/// of its own, and an `Origin` header on state-changing requests.
pub struct Client {
    pub base: String,
    http: reqwest::Client,
    pub cookies: Vec<(String, String)>,
    pub origin: Option<String>,
    pub bearer: Option<String>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let http = reqwest::Client::builder()
            .redirect(redirect::Policy::none())
            .build()
            .expect("http client");
        Client {
            base: base.to_owned(),
            http,
            cookies: Vec::new(),
            origin: Some(base.to_owned()),
            bearer: None,
        }
    }

    fn headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        if !self.cookies.is_empty() {
            let c = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            h.insert("cookie", HeaderValue::from_str(&c).expect("cookie header"));
        }
        if let Some(t) = &self.bearer {
            h.insert(
                "authorization",
                HeaderValue::from_str(&format!("Bearer {t}")).expect("auth header"),
            );
        }
        h
    }

    /// Headers of a state-changing request: as `headers`, plus the `Origin` a browser sends.
    fn post_headers(&self) -> HeaderMap {
        let mut h = self.headers();
        if let Some(o) = &self.origin {
            h.insert("origin", HeaderValue::from_str(o).expect("origin"));
        }
        h
    }

    fn keep_cookies(&mut self, r: &Response) {
        for v in r.headers().get_all("set-cookie") {
            let Ok(v) = v.to_str() else { continue };
            let pair = v.split(';').next().unwrap_or("");
            let Some((k, val)) = pair.split_once('=') else {
                continue;
            };
            self.cookies.retain(|(name, _)| name != k);
            let expired = v.contains("Max-Age=0");
            if !expired && !val.is_empty() {
                self.cookies.push((k.to_owned(), val.to_owned()));
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> Response {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .headers(self.headers())
            .send()
            .await
            .expect("GET");
        self.keep_cookies(&r);
        r
    }

    pub async fn post_form(&mut self, path: &str, form: &[(&str, &str)]) -> Response {
        let h = self.post_headers();
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .headers(h)
            .form(form)
            .send()
            .await
            .expect("POST");
        self.keep_cookies(&r);
        r
    }

    /// A form POST as the autosave script sends it (answer wanted as JSON).
    pub async fn post_form_accept_json(&mut self, path: &str, form: &[(&str, &str)]) -> Response {
        let mut h = self.post_headers();
        h.insert("accept", HeaderValue::from_static("application/json"));
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .headers(h)
            .form(form)
            .send()
            .await
            .expect("POST");
        self.keep_cookies(&r);
        r
    }

    pub async fn post_json(&mut self, path: &str, body: &serde_json::Value) -> Response {
        let h = self.post_headers();
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .headers(h)
            .json(body)
            .send()
            .await
            .expect("POST");
        self.keep_cookies(&r);
        r
    }

    /// A `multipart/form-data` POST, as a browser sends a form with a file input: text
    /// fields, then files as (field, file name, content).
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Response {
        let boundary = "----kolabik-test-boundary-7MA4YWxkTrZu0gW";
        let mut body: Vec<u8> = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        for (name, file_name, content) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        self.post_body(path, &content_type, body).await
    }

    /// A POST with a raw body of the given content type.
    pub async fn post_body(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> Response {
        let mut h = self.post_headers();
        h.insert(
            "content-type",
            HeaderValue::from_str(content_type).expect("content type"),
        );
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .headers(h)
            .body(body)
            .send()
            .await
            .expect("POST");
        self.keep_cookies(&r);
        r
    }

    /// A PUT with a JSON body (the JSON API's replacements).
    pub async fn put_json(&mut self, path: &str, body: &serde_json::Value) -> Response {
        let h = self.post_headers();
        let r = self
            .http
            .put(format!("{}{path}", self.base))
            .headers(h)
            .json(body)
            .send()
            .await
            .expect("PUT");
        self.keep_cookies(&r);
        r
    }

    pub async fn login(&mut self, email: &str, password: &str) -> Response {
        let r = self
            .post_form("/masuk", &[("email", email), ("password", password)])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "login of {email} failed");
        r
    }

    pub fn set_lang(&mut self, lang: &str) {
        self.cookies.retain(|(k, _)| k != "kolabik_lang");
        self.cookies.push(("kolabik_lang".into(), lang.into()));
    }
}

pub fn location(r: &Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// Demo accounts, one per role.
pub const COMMITTEE: (&str, &str) = ("panitia@kolabik.test", "Panitia-2022!");
pub const OPERATOR: (&str, &str) = ("operator@kolabik.test", "Operator-2022!");
pub const JUDGE: (&str, &str) = ("siti.rahmawati@juri.kolabik.test", "Juri-Kolabik-2022");
pub const VIEWER: (&str, &str) = ("pimpinan@kolabik.test", "Pimpinan-2022!");
pub const UNIT_HEAD: (&str, &str) = ("kepala.perikanan@kolabik.test", "Kepala-Perikanan-2022");

/// Defines each scenario once and runs it as two tests, one per backend.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = $crate::common::TestDb::new($crate::common::Backend::Sqlite).await else { return };
                    super::$name(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = $crate::common::TestDb::new($crate::common::Backend::Postgres).await else { return };
                    super::$name(&db).await;
                }
            )*
        }
    };
}
