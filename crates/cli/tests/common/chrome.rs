//! Real Chromium for the browser tests and the accessibility audit: Debian's Chromium
//! driven through chromedriver (WebDriver). Missing Chromium or chromedriver fails the test
//! under CI and skips it elsewhere (`super::missing`).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::ClientBuilder;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// The chromedriver process, stopped when dropped.
pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
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
pub async fn browser(phone: bool) -> Option<(fantoccini::Client, Driver)> {
    let Some(driver_bin) = executable("KOLABIK_CHROMEDRIVER", "/usr/bin/chromedriver") else {
        return super::missing("chromedriver is not installed (apt-get install chromium-driver)");
    };
    let Some(chromium) = executable("KOLABIK_CHROMIUM", "/usr/bin/chromium") else {
        return super::missing("Chromium is not installed (apt-get install chromium)");
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
