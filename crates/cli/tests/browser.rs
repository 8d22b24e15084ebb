//! Real-browser tests: Debian's Chromium driven through chromedriver (WebDriver,
//! `common::chrome`), against the real server. Missing Chromium or chromedriver fails the
//! test under CI and skips it elsewhere.

mod common;

use std::time::{Duration, Instant};

use common::chrome::{browser, free_port};
use common::{Backend, COMMITTEE, JUDGE, OPERATOR, TestDb, TestServer, UNIT_HEAD, VIEWER};
use fantoccini::Locator;
use serde_json::json;

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
    sign_in(&b, &server, OPERATOR).await;
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
    sign_in(&b, &server, VIEWER).await;
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

/// A certificate's QR link, read from the link annotation of the PDF the operator
/// downloads, opens its public verification page ("Piagam sah" with the details); the same
/// code with a forged check symbol is not found, and typing the real code in the form
/// finds it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_qr_link_verifies_and_a_forged_code_does_not() {
    let Some(db) = TestDb::new(Backend::Sqlite).await else {
        return;
    };
    let server = TestServer::start_full_demo(&db);
    let Some((b, _driver)) = browser(true).await else {
        return;
    };
    let mut operator = server.client();
    operator.login(OPERATOR.0, OPERATOR.1).await;
    let list = operator.get("/operator/piagam").await.text().await.unwrap();
    let at = list
        .find("href=\"/piagam/")
        .expect("the operator has a certificate");
    let href = &list[at + 6..];
    let href = &href[..href.find('"').unwrap()];
    let pdf = operator.get(href).await.bytes().await.unwrap();
    let pdf = String::from_utf8_lossy(&pdf);
    let start = pdf.find("/URI (").expect("a link annotation") + "/URI (".len();
    let url = &pdf[start..start + pdf[start..].find(')').unwrap()];
    let prefix = format!("{}/verifikasi/", server.base);
    assert!(url.starts_with(&prefix), "{url}");
    let code = &url[prefix.len()..];

    b.goto(url).await.unwrap();
    wait_text(&b, "#certificate-state", "Piagam sah").await;
    wait_text(&b, "#certificate-code", code).await;
    let details = b
        .find(Locator::Css("#verification"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(details.contains("Dinas Perikanan"), "{details}");
    assert!(details.contains("Juara"), "{details}");
    assert_fits(&b, "verifikasi").await;
    snapshot(&b, "piagam-sah").await;

    let last = code.chars().last().unwrap();
    let forged = format!(
        "{prefix}{}{}",
        &code[..code.len() - 1],
        if last == '7' { '8' } else { '7' }
    );
    b.goto(&forged).await.unwrap();
    wait_text(&b, "h1", "Piagam tidak ditemukan").await;
    let alert = b
        .find(Locator::Css("#not-found"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(alert.contains("dipalsukan"), "{alert}");
    assert!(b.find(Locator::Css("#certificate-state")).await.is_err());

    fill(&b, "#kode", &code.to_lowercase()).await;
    click(&b, "main form button[type=submit]").await;
    wait_text(&b, "#certificate-state", "Piagam sah").await;
    b.close().await.unwrap();
}

/// Opens the login page and signs in with `account` (e-mail, password).
async fn sign_in(b: &fantoccini::Client, server: &TestServer, account: (&str, &str)) {
    b.goto(&server.url("/masuk")).await.unwrap();
    b.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(account.0)
        .await
        .unwrap();
    b.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(account.1)
        .await
        .unwrap();
    b.find(Locator::Id("login-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Sets a form field the way typing would (value + input event), by CSS selector.
async fn fill(b: &fantoccini::Client, css: &str, value: &str) {
    b.execute(
        "const el = document.querySelector(arguments[0]); el.value = arguments[1]; \
         el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![json!(css), json!(value)],
    )
    .await
    .expect("fill");
}

async fn check(b: &fantoccini::Client, css: &str) {
    b.execute(
        "const el = document.querySelector(arguments[0]); el.checked = true; el.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![json!(css)],
    )
    .await
    .expect("check");
}

async fn wait_status(b: &fantoccini::Client, starts_with: &str) {
    let started = Instant::now();
    loop {
        let text = b
            .find(Locator::Id("autosave-status"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap_or_default();
        if text.starts_with(starts_with) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "autosave status is {text:?}, wanted {starts_with:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn wib_in(minutes: i64) -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    kolabik_domain::TimeZone::Wib
        .to_local(kolabik_domain::Instant(ms).plus_seconds(minutes * 60))
        .to_string()
}

/// The whole participant path on a 360 px phone: an operator writes a proposal, loses the
/// connection mid-typing without losing text, submits after the head's approval and gets
/// the receipt e-mail; the committee returns it; the operator revises and resubmits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_writes_offline_submits_and_resubmits_on_a_phone() {
    let Some(db) = TestDb::new(Backend::Sqlite).await else {
        return;
    };
    let smtp = common::smtp::SmtpSink::start(0).await;
    let addr = format!("127.0.0.1:{}", free_port());
    let smtp_url = smtp.url();
    let args = [
        "--addr",
        addr.as_str(),
        "--smtp-url",
        smtp_url.as_str(),
        "--mail-poll-ms",
        "100",
    ];
    let server = TestServer::start_with(&db, true, &args);
    let (ok, out, err) = db.cli(&["token", "create", "--email", COMMITTEE.0], None);
    assert!(ok, "{err}");
    let mut committee = common::Client::new(&server.base);
    committee.origin = None;
    committee.bearer = Some(out.trim().to_owned());
    let stages =
        json!([{"kind": "pengajuan_proposal", "opens": wib_in(-60), "closes": wib_in(24 * 60)}]);
    assert_eq!(
        committee
            .post_json("/api/v1/edition/stages", &stages)
            .await
            .status(),
        reqwest::StatusCode::OK
    );
    let mut s: serde_json::Value = committee
        .get("/api/v1/edition/settings")
        .await
        .json()
        .await
        .unwrap();
    s["max_proposals_per_unit"] = json!(0);
    assert_eq!(
        committee
            .post_json("/api/v1/edition/settings", &s)
            .await
            .status(),
        reqwest::StatusCode::OK
    );

    let Some((b, _driver)) = browser(true).await else {
        return;
    };
    sign_in(&b, &server, OPERATOR).await;
    wait_for_path(&b, "/operator").await;
    b.find(Locator::Id("np-title"))
        .await
        .unwrap()
        .send_keys("Sibakul (Sistem Bank Kulit Ikan)")
        .await
        .unwrap();
    b.find(Locator::Css("form[action='/operator/usulan'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&b, "h1", "Sibakul (Sistem Bank Kulit Ikan)").await;
    assert_fits(&b, "proposal editor").await;

    // Write the proposal; autosave sends it.
    for (css, value) in [
        ("#f-category", "ekonomi-kerja"),
        ("#f-stage", "penerapan"),
        ("#f-started", "2021-02"),
        ("#f-implemented", "2021-06"),
        (
            "#f-problem",
            "Limbah kulit ikan dari pasar ikan mencemari saluran air kampung nelayan.",
        ),
        (
            "#f-idea",
            "Bank sampah khusus kulit ikan yang diolah kelompok nelayan menjadi kerupuk.",
        ),
        (
            "#f-novelty",
            "Bank sampah khusus kulit ikan pertama di Kota Pasuruan.",
        ),
        ("#f-stakeholders", "Kelompok nelayan, PKK, dan koperasi."),
        ("#f-resources", "APBD Rp 25 juta dan swadaya kelompok."),
        ("#f-sustainability", "SK Kepala Dinas dan anggaran rutin."),
        (
            "#f-replicability",
            "Dapat diterapkan di kampung nelayan lain.",
        ),
        ("#f-results", "Pendapatan kelompok naik 30 persen."),
        ("input[name='ind.steps.before']", "5"),
        ("input[name='ind.steps.after']", "3"),
        ("input[name='ind.steps.evidence']", "Standar pelayanan 2022"),
    ] {
        fill(&b, css, value).await;
    }
    check(&b, "input[name='values'][value='kolaboratif']").await;
    check(&b, "input[name='sdgs'][value='14']").await;
    let summary = b.find(Locator::Id("f-summary")).await.unwrap();
    summary
        .send_keys("Kulit ikan diolah menjadi kerupuk bernilai jual.")
        .await
        .unwrap();
    wait_status(&b, "Tersimpan otomatis").await;

    // The connection drops mid-typing: the text stays on the phone and is sent later.
    server.stop();
    summary
        .send_keys(" Ditulis saat koneksi terputus.")
        .await
        .unwrap();
    wait_status(&b, "Tidak ada koneksi").await;
    let server = TestServer::start_with(&db, false, &args);
    wait_status(&b, "Tersimpan otomatis").await;
    b.goto(&server.url("/operator")).await.unwrap();
    let page = b
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Sibakul"), "{page}");
    b.find(Locator::LinkText("Sibakul (Sistem Bank Kulit Ikan)"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&b, "h1", "Sibakul (Sistem Bank Kulit Ikan)").await;
    let saved = b
        .find(Locator::Id("f-summary"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(
        saved,
        "Kulit ikan diolah menjadi kerupuk bernilai jual. Ditulis saat koneksi terputus."
    );

    // Submit with the declaration: it waits for the head.
    b.find(Locator::Id("declaration"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.find(Locator::Id("submit-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&b, "#proposal-state", "Menunggu persetujuan kepala unit").await;
    snapshot(&b, "proposal-phone").await;
    let url = b.current_url().await.unwrap();
    let id: i64 = url.path().rsplit('/').next().unwrap().parse().unwrap();

    let mut head = server.client();
    head.login(UNIT_HEAD.0, UNIT_HEAD.1).await;
    let r = head
        .post_form(&format!("/kepala-unit/usulan/{id}/setujui"), &[])
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let receipt_mail = smtp.wait_for(OPERATOR.0, 1).await;
    let receipt = receipt_mail
        .iter()
        .find(|m| m.data.contains("Tanda terima"))
        .expect("receipt e-mail");
    assert!(
        receipt.body().contains("Nomor tanda terima: KLB-2022-"),
        "{}",
        receipt.body()
    );
    b.refresh().await.unwrap();
    wait_text(&b, "#proposal-state", "Diajukan").await;

    // The committee returns it; the operator revises and resubmits from the phone.
    let mut c = common::Client::new(&server.base);
    c.origin = None;
    c.bearer = committee.bearer.clone();
    let r = c
        .post_json(
            &format!("/api/v1/proposals/{id}/return"),
            &json!({"reason": "Jelaskan dasar hukum bank sampah kulit ikan."}),
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::NO_CONTENT);
    b.refresh().await.unwrap();
    wait_text(&b, "#proposal-state", "Dikembalikan untuk perbaikan").await;
    let reason = b
        .find(Locator::Id("state-reason"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(reason.contains("Jelaskan dasar hukum"), "{reason}");
    fill(
        &b,
        "#f-sustainability",
        "SK Kepala Dinas Perikanan Nomor 523/45/2021 dan anggaran rutin.",
    )
    .await;
    b.find(Locator::Id("save-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&b, "#notice", "Draf tersimpan.").await;
    b.find(Locator::Id("declaration"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.find(Locator::Id("submit-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&b, "#proposal-state", "Menunggu persetujuan kepala unit").await;
    let r = head
        .post_form(&format!("/kepala-unit/usulan/{id}/setujui"), &[])
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    b.refresh().await.unwrap();
    wait_text(&b, "#proposal-state", "Diajukan").await;
    b.close().await.unwrap();
}

/// Uji publik and the public vote on a 360 px phone: a citizen verifies an address with the
/// code from the e-mail, votes once, is refused a second vote in the same category (from a
/// page opened before the first vote), and files an objection that the committee answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizen_votes_once_and_files_an_objection_on_a_phone() {
    let Some(db) = TestDb::new(Backend::Sqlite).await else {
        return;
    };
    let smtp = common::smtp::SmtpSink::start(0).await;
    let smtp_url = smtp.url();
    let args = ["--smtp-url", smtp_url.as_str(), "--mail-poll-ms", "100"];
    let server = TestServer::start_with(&db, true, &args);
    let (ok, out, err) = db.cli(&["token", "create", "--email", COMMITTEE.0], None);
    assert!(ok, "{err}");
    let mut committee = common::Client::new(&server.base);
    committee.origin = None;
    committee.bearer = Some(out.trim().to_owned());
    for which in ["favorit", "uji-publik"] {
        let r = committee
            .post_json(
                &format!("/api/v1/{which}/window"),
                &json!({"enabled": true, "opens": wib_in(-60), "closes": wib_in(60)}),
            )
            .await;
        assert_eq!(r.status(), reqwest::StatusCode::OK);
    }
    let tally: serde_json::Value = committee.get("/api/v1/favorit").await.json().await.unwrap();
    let category = tally["categories"][0]["category_id"].as_i64().unwrap();
    let first = tally["categories"][0]["rows"][0]["proposal_id"]
        .as_i64()
        .unwrap();
    let second = tally["categories"][0]["rows"][1]["proposal_id"]
        .as_i64()
        .unwrap();

    let Some((b, _driver)) = browser(true).await else {
        return;
    };
    // Verify an address with the code from the e-mail.
    let email = "siti.aminah@warga.kolabik.test";
    b.goto(&server.url("/favorit")).await.unwrap();
    assert_fits(&b, "favorit").await;
    b.find(Locator::Id("verify-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(&b, "/verifikasi-email").await;
    b.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    b.find(Locator::Id("email-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Id("code-form"))
        .await
        .unwrap();
    assert_fits(&b, "verification").await;
    let mail = smtp.wait_for(email, 1).await;
    let code = mail[0]
        .data
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .expect("a six-digit code in the e-mail")
        .to_owned();
    b.find(Locator::Id("code"))
        .await
        .unwrap()
        .send_keys(&code)
        .await
        .unwrap();
    b.find(Locator::Id("code-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(&b, "/favorit").await;
    wait_text(&b, "#voter strong", email).await;

    // A second tab shows the same form before the first vote.
    let first_tab = b.window().await.unwrap();
    let second_tab = b.new_window(true).await.unwrap();
    b.switch_to_window(second_tab.handle).await.unwrap();
    b.goto(&server.url("/favorit")).await.unwrap();
    b.wait()
        .for_element(Locator::Id(&format!("pilih-{second}")))
        .await
        .unwrap();

    // Vote once in the first tab.
    b.switch_to_window(first_tab).await.unwrap();
    b.find(Locator::Css(&format!("label[for='pilih-{first}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.find(Locator::Css(&format!("#kategori-{category} form button")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(
        &b,
        "#vote-recorded",
        "Suara Anda sudah tercatat. Terima kasih!",
    )
    .await;
    let section = b
        .find(Locator::Id(&format!("kategori-{category}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(section.contains("Anda sudah memberikan suara di kategori ini."));
    snapshot(&b, "favorit").await;

    // The second tab's stale form: the second vote is refused, in Indonesian.
    let other = second_tab_handle(&b, &server).await;
    b.switch_to_window(other).await.unwrap();
    b.find(Locator::Css(&format!("label[for='pilih-{second}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.find(Locator::Css(&format!("#kategori-{category} form button")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(
        &b,
        "#vote-alert",
        "Anda sudah memberikan suara di kategori ini. Setiap alamat e-mail hanya dapat memilih satu kali per kategori.",
    )
    .await;
    let after: serde_json::Value = committee.get("/api/v1/favorit").await.json().await.unwrap();
    let votes = |p: i64| {
        after["categories"][0]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["proposal_id"] == p)
            .unwrap()["votes"]
            .as_i64()
            .unwrap()
    };
    let before = |p: i64| {
        tally["categories"][0]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["proposal_id"] == p)
            .unwrap()["votes"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(votes(first), before(first) + 1);
    assert_eq!(votes(second), before(second));

    // File an objection on a finalist.
    let text = "Jumlah penerima manfaat yang dilaporkan lebih besar daripada data kelurahan kami.";
    b.goto(&server.url("/uji-publik")).await.unwrap();
    assert_fits(&b, "uji publik").await;
    fill(&b, "#proposal_id", &first.to_string()).await;
    check(&b, "#kind-keberatan").await;
    b.find(Locator::Id("body"))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
    b.find(Locator::Id("objection-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(
        &b,
        "#objection-sent",
        "Masukan Anda sudah kami terima. Jawaban panitia akan dikirim ke alamat e-mail Anda.",
    )
    .await;

    // The committee answers it in the browser.
    let list: serde_json::Value = committee
        .get("/api/v1/objections")
        .await
        .json()
        .await
        .unwrap();
    let id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["body"] == text)
        .expect("the objection")["id"]
        .as_i64()
        .unwrap();
    sign_in(&b, &server, COMMITTEE).await;
    wait_for_path(&b, "/panitia").await;
    b.goto(&server.url("/panitia/uji-publik")).await.unwrap();
    fill(&b, &format!("#decision-{id}"), "diterima").await;
    let answer = "Panitia mencocokkan data dengan kelurahan; angka penerima manfaat dikoreksi.";
    b.find(Locator::Id(&format!("answer-{id}")))
        .await
        .unwrap()
        .send_keys(answer)
        .await
        .unwrap();
    b.find(Locator::Css(&format!("#keberatan-{id} form button")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(&b, "/panitia/uji-publik").await;
    b.wait().for_element(Locator::Id("saved")).await.unwrap();
    let mails = smtp.wait_for(email, 2).await;
    assert!(mails[1].body().contains("Keputusan panitia: diterima"));

    // The answer is public, without the sender's address.
    b.goto(&server.url("/uji-publik")).await.unwrap();
    let card = b
        .find(Locator::Id(&format!("keberatan-{id}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(card.contains(answer) && card.contains("Diterima"), "{card}");
    assert!(!card.contains(email));
    let public = server
        .client()
        .get("/uji-publik")
        .await
        .text()
        .await
        .unwrap();
    assert!(public.contains(answer) && !public.contains(email));
    b.close().await.unwrap();
}

/// The handle of the tab that is not showing the vote confirmation.
async fn second_tab_handle(
    b: &fantoccini::Client,
    _server: &TestServer,
) -> fantoccini::wd::WindowHandle {
    let current = b.window().await.unwrap();
    b.windows()
        .await
        .unwrap()
        .into_iter()
        .find(|h| *h != current)
        .expect("a second tab")
}
// ------------------------------------------------------------------ the jury, end to end

const DAY_MS: i64 = 24 * 3600 * 1000;
const OTHER_JUDGE: (&str, &str) = ("syaifuddin.zuhri@juri.kolabik.test", "Juri-Kolabik-2022");

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Moves the current edition's `penilaian` stage to [now + from, now + to] (ms); its id.
async fn move_desk_stage(pool: &sqlx::AnyPool, from: i64, to: i64) -> i64 {
    let now = now_ms();
    sqlx::query(
        "UPDATE stages SET opens_at = $1, closes_at = $2 WHERE kind = 'penilaian' \
         AND edition_id = (SELECT id FROM editions WHERE is_current = 1)",
    )
    .bind(now + from)
    .bind(now + to)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query_scalar(
        "SELECT id FROM stages WHERE kind = 'penilaian' \
         AND edition_id = (SELECT id FROM editions WHERE is_current = 1)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn judge_of(pool: &sqlx::AnyPool, email: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT j.id FROM judges j JOIN users u ON u.id = j.user_id WHERE u.email = $1",
    )
    .bind(email)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Waits until an element matches `css`.
async fn wait_css(b: &fantoccini::Client, css: &str) -> fantoccini::elements::Element {
    let started = Instant::now();
    loop {
        if let Ok(e) = b.find(Locator::Css(css)).await {
            return e;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no {css} on {}",
            b.current_url().await.unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Scrolls the element matching `css` to the top of the window (for screenshots).
async fn scroll_to(b: &fantoccini::Client, css: &str) {
    b.execute(
        "document.querySelector(arguments[0]).scrollIntoView(true);",
        vec![json!(css)],
    )
    .await
    .expect("scroll");
}

async fn click(b: &fantoccini::Client, css: &str) {
    wait_css(b, css).await.click().await.unwrap();
}

/// Whether a JSON value names proposal `id` (as `proposal_id`, or `id` beside a `title`)
/// or carries `title`.
fn mentions(v: &serde_json::Value, id: i64, title: &str) -> bool {
    match v {
        serde_json::Value::Object(m) => m.iter().any(|(k, x)| {
            let names_it = k == "proposal_id" || (k == "id" && m.contains_key("title"));
            (names_it && x.as_i64() == Some(id)) || mentions(x, id, title)
        }),
        serde_json::Value::Array(a) => a.iter().any(|x| mentions(x, id, title)),
        serde_json::Value::String(s) => s.contains(title),
        _ => false,
    }
}

fn number(text: &str) -> f64 {
    text.trim().replace(',', ".").parse().unwrap_or(f64::NAN)
}

/// The jury on a phone: a judge signs in, is sent to the conflict-of-interest declaration,
/// makes it, sees exactly the two proposals assigned (not the third, assigned too but under
/// a conflict the committee pinned), scores both with the radio buttons and comments and
/// submits them; the sheets lock. After the stage closes the committee freezes the ranking
/// (anyway, with a reason: another judge's sheet is missing) and sees both scores. The
/// conflicted proposal never reaches the judge: not in the queue, 404 by direct URL, absent
/// from the queue, assignment and ranking APIs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn judge_declares_scores_and_committee_freezes_the_ranking() {
    let Some(db) = TestDb::new(Backend::Sqlite).await else {
        return;
    };
    let Some((b, _driver)) = browser(true).await else {
        return;
    };
    let server = TestServer::start(&db, true);
    let pool = db.connect().await;

    // The committee sets the stage up (settings saved = the stage is judged), then it opens.
    let mut committee = server.client();
    committee.login(COMMITTEE.0, COMMITTEE.1).await;
    let r = committee
        .post_form(
            "/panitia/penilaian/penilaian/pengaturan",
            &[
                ("blind", ""),
                ("reviews_per_proposal", "1"),
                ("min_academic", "0"),
                ("min_practitioner", "0"),
                ("max_load", "10"),
                ("final_weight", "40"),
                ("promote_top_n", "3"),
                ("passing_grade", ""),
                ("disagreement_threshold", "20"),
            ],
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let stage = move_desk_stage(&pool, -DAY_MS, DAY_MS).await;

    // The judge signs in and is sent to the declaration first.
    sign_in(&b, &server, JUDGE).await;
    wait_for_path(&b, "/juri/deklarasi").await;
    wait_css(&b, "#must-declare").await;
    check(&b, "input[name=confirm]").await;
    click(&b, "#declare-submit").await;
    wait_css(&b, "#declared-at").await;

    // Assignments: the judge gets two proposals free of conflicts, and a third one that
    // another judge also has and on which the committee pins the judge's conflict.
    let me = judge_of(&pool, JUDGE.0).await;
    let other = judge_of(&pool, OTHER_JUDGE.0).await;
    let free: Vec<(i64, String)> = sqlx::query_as(
        "SELECT p.id, p.title FROM proposals p \
         WHERE p.state IN ('passed_screening', 'finalist', 'winner') \
         AND NOT EXISTS (SELECT 1 FROM conflicts c WHERE c.proposal_id = p.id \
           AND c.judge_id IN ($1, $2) AND c.lifted_at IS NULL) ORDER BY p.id",
    )
    .bind(me)
    .bind(other)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(free.len() >= 3, "{free:?}");
    let (p1, p2, (p3, title3)) = (free[0].0, free[1].0, free[2].clone());
    for (judge, proposal) in [(me, p1), (me, p2), (me, p3), (other, p3)] {
        sqlx::query(
            "INSERT INTO assignments (stage_id, judge_id, proposal_id, manual, affinity, created_at) \
             VALUES ($1, $2, $3, 1, 0, $4)",
        )
        .bind(stage)
        .bind(judge)
        .bind(proposal)
        .bind(now_ms())
        .execute(&pool)
        .await
        .unwrap();
    }
    let r = committee
        .post_json(
            "/api/v1/jury/conflicts",
            &json!({"judge_id": me, "proposal_id": p3, "reason": "Pernah membina unit pengusul"}),
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::CREATED);

    // The queue: exactly the two proposals.
    b.goto(&server.url("/juri")).await.unwrap();
    wait_for_path(&b, "/juri").await;
    wait_css(&b, "#stage-penilaian").await;
    let mut shown = Vec::new();
    for li in b.find_all(Locator::Css("li[data-proposal]")).await.unwrap() {
        let id = li.attr("data-proposal").await.unwrap().unwrap_or_default();
        shown.push(id.parse::<i64>().unwrap());
    }
    shown.sort();
    assert_eq!(shown, vec![p1, p2]);
    assert!(!b.source().await.unwrap().contains(&title3));
    wait_css(&b, "a[href='/juri/dasbor']").await;
    snapshot(&b, "judge-queue").await;

    // The conflicted proposal's sheet by direct URL: the 404 page.
    b.goto(&server.url(&format!("/juri/penilaian/{p3}")))
        .await
        .unwrap();
    wait_text(&b, "h1", "Halaman tidak ditemukan").await;

    // Both sheets scored through the form and submitted; each locks.
    let scores = [
        [
            ("kebaruan", "8"),
            ("efektivitas", "7"),
            ("kemanfaatan", "9"),
            ("replikasi", "6"),
            ("keberlanjutan", "10"),
            ("keterlibatan", "5"),
        ],
        [
            ("kebaruan", "6"),
            ("efektivitas", "6"),
            ("kemanfaatan", "7"),
            ("replikasi", "5"),
            ("keberlanjutan", "6"),
            ("keterlibatan", "4"),
        ],
    ];
    let mut totals = Vec::new();
    for (n, (p, sheet)) in [p1, p2].into_iter().zip(scores).enumerate() {
        b.goto(&server.url("/juri")).await.unwrap();
        click(&b, &format!("a[href='/juri/penilaian/{p}']")).await;
        wait_for_path(&b, &format!("/juri/penilaian/{p}")).await;
        for (code, score) in sheet {
            click(&b, &format!("input[name='score.{code}'][value='{score}']")).await;
        }
        wait_css(&b, "#comment-kebaruan")
            .await
            .send_keys("Gagasan baru bagi pelayanan kelurahan.")
            .await
            .unwrap();
        wait_css(&b, "#overall-comment")
            .await
            .send_keys("Layak dilanjutkan; perkuat data dampaknya.")
            .await
            .unwrap();
        if n == 0 {
            scroll_to(&b, "#h-scores").await;
            snapshot(&b, "score-sheet").await;
        }
        click(&b, "button[name=action][value=submit]").await;
        let total = wait_css(&b, "#sheet-total").await.text().await.unwrap();
        totals.push(number(&total));
        wait_css(&b, "#sheet-locked").await;
        assert!(
            b.find(Locator::Css("button[name=action][value=submit]"))
                .await
                .is_err(),
            "a submitted sheet has no submit button"
        );
        let disabled = wait_css(&b, "#criterion-kebaruan")
            .await
            .attr("disabled")
            .await
            .unwrap();
        assert!(disabled.is_some(), "a submitted sheet is locked");
    }
    assert!(
        totals.iter().all(|t| t.is_finite() && *t > 0.0),
        "{totals:?}"
    );
    b.goto(&server.url("/juri")).await.unwrap();
    let progress = wait_css(&b, "label[for=progress-penilaian]")
        .await
        .text()
        .await
        .unwrap();
    assert!(progress.ends_with("2 / 2"), "{progress}");

    // The stage closes; the committee freezes it in the browser.
    move_desk_stage(&pool, -2 * DAY_MS, -60_000).await;
    let Some((cb, _driver2)) = browser(true).await else {
        return;
    };
    sign_in(&cb, &server, COMMITTEE).await;
    wait_for_path(&cb, "/panitia").await;
    cb.goto(&server.url("/panitia/peringkat/penilaian"))
        .await
        .unwrap();
    wait_css(&cb, "#freeze-form").await;
    if cb.find(Locator::Id("anyway")).await.is_ok() {
        check(&cb, "#anyway").await;
        fill(
            &cb,
            "#freeze-reason",
            "Lembar juri lain belum masuk; rapat memutuskan lanjut.",
        )
        .await;
    }
    check(&cb, "#confirm").await;
    click(&cb, "#freeze-form button[type=submit]").await;
    wait_css(&cb, "[data-frozen='1']").await;
    for (p, total) in [(p1, totals[0]), (p2, totals[1])] {
        let score = wait_css(&cb, &format!("tr[data-proposal='{p}'] td.num strong"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            (number(&score) - total).abs() < 0.01,
            "{p}: {score} vs {total}"
        );
    }
    scroll_to(&cb, "#ranking-h").await;
    snapshot(&cb, "ranking").await;
    cb.close().await.unwrap();

    // The conflicted judge's APIs never carry the conflicted proposal.
    let mut judge = server.client();
    judge.login(JUDGE.0, JUDGE.1).await;
    for path in [
        "/api/v1/judge/queue",
        "/api/v1/jury/stages/penilaian/assignments",
        "/api/v1/rankings/penilaian",
    ] {
        let r = judge.get(path).await;
        assert_eq!(r.status(), reqwest::StatusCode::OK, "{path}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert!(!mentions(&v, p3, &title3), "{path} shows {p3}: {v}");
        assert!(mentions(&v, p1, "\u{0}"), "{path} lacks {p1}: {v}");
    }
    let r = judge.get(&format!("/juri/penilaian/{p3}")).await;
    assert_eq!(r.status(), reqwest::StatusCode::NOT_FOUND);
    b.close().await.unwrap();
}

/// The demo's published 2022 results on a phone: the three best overall first, then the
/// winners per category, each linked to its catalogue page, which opens; and the page
/// fits 360 px.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_reads_the_results_and_opens_a_winner_in_the_catalogue_on_a_phone() {
    let Some(db) = TestDb::new(Backend::Sqlite).await else {
        return;
    };
    let server = TestServer::start_full_demo(&db);
    let Some((b, _driver)) = browser(true).await else {
        return;
    };
    b.goto(&server.url("/hasil")).await.unwrap();
    assert_fits(&b, "hasil").await;
    let best = b
        .find_all(Locator::Css("#best li[data-best] h3"))
        .await
        .unwrap();
    let mut titles = Vec::new();
    for e in &best {
        titles.push(e.text().await.unwrap());
    }
    assert_eq!(titles.len(), 3, "{titles:?}");
    assert!(titles[0].starts_with("Banser"), "{titles:?}");
    snapshot(&b, "results-phone").await;

    let link = wait_css(&b, "#best li[data-best='1'] a[href^='/katalog/']").await;
    let href = link.attr("href").await.unwrap().expect("href");
    link.click().await.unwrap();
    wait_for_path(&b, &href).await;
    let h1 = wait_css(&b, "h1").await.text().await.unwrap();
    assert_eq!(h1, titles[0]);
}
