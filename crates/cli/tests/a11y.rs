//! The accessibility audit of every public page of the demo, in real Chromium with the
//! vendored axe-core (tests/assets/axe.min.js, axe-core 4.10.3, MPL-2.0: see
//! tests/assets/axe-core-LICENSE.txt). Missing Chromium or chromedriver fails the test under
//! CI and skips it elsewhere (`common::chrome`).
//!
//! The list of pages comes from `kolabik_web::routes()`: every public GET route without a
//! path parameter, plus each public route with parameters whose address can be found as a
//! link on the pages already visited (an announcement, …), so pages added later are audited
//! without touching this file. Health, metrics, static files, the API, the language switch,
//! downloads and anything that does not answer 200 with HTML are left out (and named on
//! stderr).
//!
//! Each page is audited at 360 px and at desktop width, in Indonesian and in English.
//!
//! Without JavaScript: every page is first fetched over plain HTTP (no script runs) and must
//! carry its main landmark with a non-empty `<h1>`, and every form in it an `action` and a
//! submit button, so the content and the forms are in the server-rendered HTML. Scripts on
//! Kolabik's pages are progressive enhancement only.

mod common;

use common::chrome::browser;
use common::{Backend, TestDb, TestServer};
use kolabik_domain::access::Area;

const AXE: &str = include_str!("assets/axe.min.js");

/// Whether a public GET route is a page (not a probe, a file, the API or a download).
fn is_page(path: &str) -> bool {
    const SKIP_PREFIX: [&str; 6] = [
        "/healthz", "/readyz", "/metrics", "/static", "/api", "/bahasa",
    ];
    const SKIP_SUFFIX: [&str; 6] = [".csv", ".json", ".ics", ".pdf", ".xlsx", ".zip"];
    !SKIP_PREFIX.iter().any(|p| path.starts_with(p))
        && !SKIP_SUFFIX.iter().any(|s| path.ends_with(s))
}

/// Whether `href` fills the route pattern `pattern` (`/sosialisasi/{id}` matches
/// `/sosialisasi/3`).
fn fills(pattern: &str, href: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').collect();
    let h: Vec<&str> = href.split('/').collect();
    p.len() == h.len()
        && p.iter().zip(&h).all(|(p, h)| {
            if p.starts_with('{') {
                !h.is_empty()
            } else {
                p == h
            }
        })
}

/// The same-site links of an HTML page, without query or fragment.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|h| h.starts_with('/') && !h.starts_with("//"))
        .map(|h| h.split(['?', '#']).next().unwrap_or(h).to_owned())
        .collect()
}

/// The plain-HTTP (no JavaScript) check of one page; returns what is wrong.
fn no_js_problems(path: &str, html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Some(main) = html
        .split("<main")
        .nth(1)
        .and_then(|m| m.split("</main>").next())
    else {
        return vec![format!("{path}: no <main> in the server-rendered HTML")];
    };
    let h1 = main
        .split("<h1")
        .nth(1)
        .and_then(|s| s.split_once('>'))
        .and_then(|(_, s)| s.split("</h1>").next())
        .unwrap_or("");
    if h1.trim().is_empty() {
        out.push(format!("{path}: no non-empty <h1> without JavaScript"));
    }
    for form in main.split("<form").skip(1) {
        let form = form.split("</form>").next().unwrap_or("");
        let tag = form.split('>').next().unwrap_or("");
        if !tag.contains("action=") {
            out.push(format!("{path}: a form without an action"));
        }
        if !form.contains("type=\"submit\"") && !form.contains("<button") {
            out.push(format!("{path}: a form without a submit button"));
        }
    }
    out
}

/// Every public page of the demo, found from the route table, with the problems of the
/// plain-HTTP check.
async fn public_pages(server: &TestServer) -> (Vec<String>, Vec<String>) {
    let mut http = server.client();
    let mut pending: Vec<&str> = kolabik_web::routes()
        .into_iter()
        .filter(|r| r.method == "GET" && matches!(r.area, Area::Public) && is_page(r.path))
        .map(|r| r.path)
        .collect();
    let mut pages: Vec<String> = Vec::new();
    let mut seen_links: Vec<String> = Vec::new();
    let mut problems = Vec::new();
    // Plain routes first, then parameterised ones filled from the links seen so far; later
    // rounds let a page found in one round supply links for the next.
    for _round in 0..3 {
        let mut still = Vec::new();
        for pattern in pending {
            let path = if pattern.contains('{') {
                match seen_links.iter().find(|h| fills(pattern, h)) {
                    Some(h) => h.clone(),
                    None => {
                        still.push(pattern);
                        continue;
                    }
                }
            } else {
                pattern.to_owned()
            };
            let r = http.get(&path).await;
            let html_type = r
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/html"));
            if r.status() != 200 || !html_type {
                eprintln!("not audited: {path} answers {}", r.status());
                continue;
            }
            let html = r.text().await.expect("body");
            problems.extend(no_js_problems(&path, &html));
            seen_links.extend(links(&html));
            pages.push(path);
        }
        pending = still;
    }
    for p in pending {
        eprintln!("not audited: {p} (no link in the demo fills its parameters)");
    }
    (pages, problems)
}

const META: &str = r#"
const meta = (p) => { const m = document.querySelector(`meta[property="${p}"]`); return m ? m.content : null; };
return { title: document.title, lang: document.documentElement.lang,
         og_title: meta('og:title'), og_description: meta('og:description') };
"#;

const RUN_AXE: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ['violations'] })
  .then(r => done(r.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                 targets: v.nodes.map(n => n.target.join(' ')) }))))
  .catch(e => done({ error: String(e) }));
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_pages_pass_the_accessibility_audit() {
    let Some(db) = TestDb::new(Backend::Sqlite).await else {
        return;
    };
    let server = TestServer::start(&db, true);
    let (pages, mut problems) = public_pages(&server).await;
    eprintln!("audited pages: {pages:?}");
    for must in ["/", "/masuk", "/sosialisasi"] {
        assert!(
            pages.iter().any(|p| p == must),
            "{must} was not audited: {pages:?}"
        );
    }
    assert!(
        pages.iter().any(|p| p.starts_with("/sosialisasi/")),
        "no announcement page audited: {pages:?}"
    );

    // The print style: navigation and forms hidden, tables printed whole.
    let css = server
        .client()
        .get("/static/kolabik.css")
        .await
        .text()
        .await
        .expect("css");
    let print: String = css.split("@media print").skip(1).collect();
    for rule in [
        ".site-header nav",
        "form",
        ".table-wrap { overflow: visible; }",
    ] {
        assert!(print.contains(rule), "the print style lacks {rule:?}");
    }

    for (phone, lang) in [(true, "id"), (false, "id"), (true, "en"), (false, "en")] {
        let Some((b, _driver)) = browser(phone).await else {
            return;
        };
        let width = if phone { "360 px" } else { "desktop" };
        // The language switch keeps the choice in a cookie for the whole session.
        b.goto(&server.url(&format!("/bahasa/{lang}?next=/")))
            .await
            .expect("switch language");
        for path in &pages {
            b.goto(&server.url(path)).await.expect("goto");
            let meta = b.execute(META, vec![]).await.expect("meta");
            let text = |k: &str| meta[k].as_str().unwrap_or("").trim().to_owned();
            if text("title").is_empty() {
                problems.push(format!("{path} ({lang}): empty <title>"));
            }
            if text("lang") != lang {
                problems.push(format!(
                    "{path} ({lang}): <html lang={:?}>, wanted {lang:?}",
                    text("lang")
                ));
            }
            for og in ["og_title", "og_description"] {
                if text(og).is_empty() {
                    problems.push(format!("{path} ({lang}): no {og}"));
                }
            }
            b.execute(AXE, vec![]).await.expect("inject axe-core");
            let found = b.execute_async(RUN_AXE, vec![]).await.expect("axe.run");
            if let Some(e) = found.get("error") {
                problems.push(format!("{path} ({lang}, {width}): axe failed: {e}"));
                continue;
            }
            for v in found.as_array().into_iter().flatten() {
                problems.push(format!(
                    "{path} ({lang}, {width}): {} [{}] {} at {}",
                    v["id"].as_str().unwrap_or(""),
                    v["impact"].as_str().unwrap_or(""),
                    v["help"].as_str().unwrap_or(""),
                    v["targets"]
                ));
            }
        }
        b.close().await.expect("close");
    }
    assert!(
        problems.is_empty(),
        "accessibility audit of {} pages:\n{}",
        pages.len(),
        problems.join("\n")
    );
}
