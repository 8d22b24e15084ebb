//! Real-browser tests: Debian's Chromium driven through chromedriver (WebDriver), against
//! the real server. Missing Chromium or chromedriver fails the test under CI and skips it
//! elsewhere.

mod common;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Backend, COMMITTEE, OPERATOR, TestDb, TestServer, VIEWER};
use fantoccini::{ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn executable(env: &str, default: &str) -> Option<String> {
    let path = std::env::var(env).unwrap_or_else(|_| default.to_owned());
    std::path::Path::new(&path).exists().then_some(path)
}

/// A browser session; `phone` emulates a 360 × 780 px phone (a headless window cannot be
/// narrower than 500 px).
async fn browser(phone: bool) -> Option<(fantoccini::Client, Driver)> {
    let Some(driver_bin) = executable("KOLABIK_CHROMEDRIVER", "/usr/bin/chromedriver") else {
        return common::missing("chromedriver is not installed (apt-get install chromium-driver)");
    };
    let Some(chromium) = executable("KOLABIK_CHROMIUM", "/usr/bin/chromium") else {
        return common::missing("Chromium is not installed (apt-get install chromium)");
    };
    let port = free_port();
    let child = Command::new(driver_bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child);
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let profile =
        std::env::temp_dir().join(format!("kolabik_chrome_{}_{port}", std::process::id()));
    let mut caps = json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-quic",
                format!("--user-data-dir={}", profile.display()),
                "--window-size=1280,900",
            ]
        }
    });
    if phone {
        caps["goog:chromeOptions"]["mobileEmulation"] = json!({"deviceMetrics": {"width": 360, "height": 780, "pixelRatio": 2.0, "touch": true}});
    }
    let caps = match caps {
        serde_json::Value::Object(map) => map,
        _ => unreachable!("capabilities are an object"),
    };
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("WebDriver session");
    Some((client, driver))
}

/// With `KOLABIK_SCREENSHOTS=DIR`, saves what the browser shows as `DIR/NAME.png` (how the
/// README's screenshots are made).
async fn snapshot(b: &fantoccini::Client, name: &str) {
    if let Ok(dir) = std::env::var("KOLABIK_SCREENSHOTS") {
        let png = b.screenshot().await.expect("screenshot");
        std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png)
            .expect("write screenshot");
    }
}

async fn wait_for_path(b: &fantoccini::Client, path: &str) {
    let started = Instant::now();
    loop {
        let url = b.current_url().await.expect("url");
        if url.path() == path {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still at {url}, wanted {path}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the first element matching `css` shows `expected` (pages load after a click
/// has returned).
async fn wait_text(b: &fantoccini::Client, css: &str, expected: &str) {
    let started = Instant::now();
    loop {
        if let Ok(e) = b.find(Locator::Css(css)).await
            && e.text().await.is_ok_and(|t| t == expected)
        {
            return;
        }
        let now = b.find(Locator::Css(css)).await.ok();
        let seen = match now {
            Some(e) => e.text().await.unwrap_or_default(),
            None => String::new(),
        };
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{css} shows {seen:?}, wanted {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Asserts the page needs no horizontal scrolling at the window's width, naming the
/// widest offender when it does.
async fn assert_fits(b: &fantoccini::Client, page: &str) {
    let v = b
        .execute(
            "const d = document.documentElement; let worst = ''; let right = 0; \
             for (const e of document.querySelectorAll('body *')) { const r = e.getBoundingClientRect(); \
               if (r.right > right) { right = r.right; worst = e.tagName + '.' + e.className; } } \
             return [d.scrollWidth, d.clientWidth, window.innerWidth, worst, right];",
            vec![],
        )
        .await
        .expect("script");
    let scroll = v[0].as_u64().unwrap_or(0);
    let client = v[1].as_u64().unwrap_or(0);
    assert!(
        client > 0 && client <= 360,
        "window is not phone-sized: {v}"
    );
    assert!(scroll <= client, "{page} overflows at {client} px: {v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committee_signs_in_and_reaches_the_dashboard_on_a_phone() {
    let Some(db) = TestDb::new(Backend::Sqlite).await else {
        return;
    };
    let server = TestServer::start(&db, true);
    let Some((b, _driver)) = browser(true).await else {
        return;
    };

    b.goto(&server.url("/")).await.unwrap();
    wait_text(&b, "h1", "Kolabik Kota Pasuruan 2022").await;
    assert_fits(&b, "home").await;
    snapshot(&b, "home-phone").await;

    // An anonymous visit to a dashboard goes to the login page and comes back after it.
    b.goto(&server.url("/panitia/pengguna")).await.unwrap();
    wait_for_path(&b, "/masuk").await;
    assert_fits(&b, "login").await;
    b.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(COMMITTEE.0)
        .await
        .unwrap();
    b.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("salah-kata-sandi")
        .await
        .unwrap();
    b.find(Locator::Id("login-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&b, "#login-notice", "Alamat e-mail atau kata sandi salah.").await;
    let typed = b
        .find(Locator::Id("email"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        typed.as_deref(),
        Some(COMMITTEE.0),
        "the typed e-mail survives a failed login"
    );

    b.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(COMMITTEE.1)
        .await
        .unwrap();
    b.find(Locator::Id("login-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(&b, "/panitia/pengguna").await;
    wait_text(&b, "h1", "Pengguna dan peran").await;

    b.goto(&server.url("/dasbor")).await.unwrap();
    wait_for_path(&b, "/panitia").await;
    wait_text(&b, "h1", "Dasbor panitia").await;
    assert_fits(&b, "dashboard").await;
    snapshot(&b, "committee-phone").await;

    // The language switch keeps the user on the same page.
    b.find(Locator::Css("a.lang"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(&b, "/panitia").await;
    wait_text(&b, "h1", "Committee dashboard").await;

    // Signing out is a real form POST from the browser: it passes the same-origin check.
    b.find(Locator::Css("form[action='/keluar'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(&b, "/").await;
    b.goto(&server.url("/panitia")).await.unwrap();
    wait_for_path(&b, "/masuk").await;
    b.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_dashboard_in_the_browser() {
    let Some(db) = TestDb::new(Backend::Sqlite).await else {
        return;
    };
    let server = TestServer::start(&db, true);
    let Some((b, _driver)) = browser(false).await else {
        return;
    };
    b.goto(&server.url("/masuk")).await.unwrap();
    b.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(OPERATOR.0)
        .await
        .unwrap();
    b.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(OPERATOR.1)
        .await
        .unwrap();
    b.find(Locator::Id("login-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(&b, "/operator").await;
    wait_text(&b, "h1", "Dasbor operator unit").await;
    let body = b
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("Dinas Perikanan"), "{body}");
    assert!(body.contains("Banser"));
    snapshot(&b, "operator").await;
    // The committee's pages stay closed to an operator, in the browser as in the API.
    b.goto(&server.url("/panitia")).await.unwrap();
    wait_text(&b, "h1", "Anda tidak memiliki akses ke halaman ini").await;
    b.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaders_dashboard_shows_charts_with_their_numbers() {
    let Some(db) = TestDb::new(Backend::Sqlite).await else {
        return;
    };
    let server = TestServer::start(&db, true);
    let Some((b, _driver)) = browser(false).await else {
        return;
    };
    b.goto(&server.url("/")).await.unwrap();
    snapshot(&b, "home").await;
    b.goto(&server.url("/masuk")).await.unwrap();
    b.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(VIEWER.0)
        .await
        .unwrap();
    b.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(VIEWER.1)
        .await
        .unwrap();
    b.find(Locator::Id("login-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(&b, "/pimpinan").await;
    wait_text(&b, "h1", "Dasbor pimpinan").await;
    let charts = b
        .find_all(Locator::Css("figure.chart svg rect"))
        .await
        .unwrap();
    assert!(charts.len() >= 9 + 5, "a bar per state and per unit kind");
    let winners = b
        .execute(
            "return [...document.querySelectorAll('.chart-data tr')].find(r => r.cells[0] && \
             r.querySelector('th').textContent === 'Pemenang').querySelector('td').textContent;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        winners,
        json!("3"),
        "the chart's table carries the numbers behind the bars"
    );
    snapshot(&b, "leaders").await;
    b.close().await.unwrap();
}
