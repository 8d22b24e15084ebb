//! Uji publik and the public vote "inovasi favorit" on both backends: e-mail verification
//! with a one-time code, one vote per address and category (the second refused in
//! Indonesian), rate limits per address, per IP address and per network, the hash chain
//! checked by `kolabik audit verify` (intact, voided, forged and tampered), and an objection
//! with evidence answered by the committee, e-mailed to the sender and published without
//! the sender's address.

mod common;

use common::smtp::SmtpSink;
use common::{COMMITTEE, Client, OPERATOR, TestDb, TestServer, location};
use kolabik_domain::{Instant, TimeZone};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    a_citizen_votes_once_and_the_chain_detects_tampering,
    rate_limits_per_address_ip_and_network,
    an_objection_is_answered_and_published,
    vote_pages_refuse_what_they_must
);

fn wib_in(minutes: i64) -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    TimeZone::Wib
        .to_local(Instant(ms).plus_seconds(minutes * 60))
        .to_string()
}

async fn committee_api(server: &TestServer, db: &TestDb) -> Client {
    let (ok, out, err) = db.cli(&["token", "create", "--email", COMMITTEE.0], None);
    assert!(ok, "{err}");
    let mut api = Client::new(&server.base);
    api.origin = None;
    api.bearer = Some(out.trim().to_owned());
    api
}

async fn open_window(api: &mut Client, which: &str) {
    let r = api
        .post_json(
            &format!("/api/v1/{which}/window"),
            &json!({"enabled": true, "opens": wib_in(-60), "closes": wib_in(60)}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let w: Value = r.json().await.unwrap();
    assert_eq!(w["open"], true, "{w}");
}

/// The newest code e-mailed to `email`, read from the outbox.
async fn code_from_outbox(db: &TestDb, email: &str) -> String {
    let pool = db.connect().await;
    let subject: String = sqlx::query_scalar(
        "SELECT subject FROM outbox WHERE to_email = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(email)
    .fetch_one(&pool)
    .await
    .expect("a code in the outbox");
    pool.close().await;
    code_in(&subject)
}

fn code_in(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("no code in {text}"))
        .to_owned()
}

async fn tally(client: &mut Client) -> Value {
    let r = client.get("/api/v1/favorit").await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

fn votes_for(t: &Value, proposal: i64) -> i64 {
    t["categories"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["rows"].as_array().unwrap().iter())
        .find(|r| r["proposal_id"] == proposal)
        .map(|r| r["votes"].as_i64().unwrap())
        .unwrap_or_else(|| panic!("{proposal} not in the tally"))
}

async fn sql(db: &TestDb, statements: &[&str]) {
    let pool = db.connect().await;
    for s in statements {
        sqlx::query(s)
            .execute(&pool)
            .await
            .unwrap_or_else(|e| panic!("{s}: {e}"));
    }
    pool.close().await;
}

async fn a_citizen_votes_once_and_the_chain_detects_tampering(db: &TestDb) {
    let server = TestServer::start(db, true);
    let mut api = committee_api(&server, db).await;
    let mut citizen = server.client();

    // Closed (the demo's window is in 2022): the page says so and offers no form.
    let page = citizen.get("/favorit").await.text().await.unwrap();
    assert!(page.contains("Pemungutan suara sedang tidak dibuka"));
    open_window(&mut api, "favorit").await;

    let t = tally(&mut citizen).await;
    let cat = &t["categories"][0];
    let category = cat["category_id"].as_i64().unwrap();
    let first = cat["rows"][0]["proposal_id"].as_i64().unwrap();
    let second = cat["rows"][1]["proposal_id"].as_i64().unwrap();
    let before = votes_for(&t, first);

    // Not verified yet: a link to verification, and a vote is refused.
    let page = citizen.get("/favorit").await.text().await.unwrap();
    assert!(page.contains("/verifikasi-email?next=/favorit"));
    let r = citizen
        .post_form(
            "/favorit",
            &[
                ("category_id", &category.to_string()),
                ("proposal_id", &first.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Verifikasi alamat e-mail Anda terlebih dahulu")
    );

    // A wrong code is refused, the typed address kept; the right one verifies.
    let email = "rahmat.hidayat@warga.kolabik.test";
    let r = citizen
        .post_form(
            "/verifikasi-email",
            &[("email", email), ("next", "/favorit")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Kode sudah dikirim"));
    let code = code_from_outbox(db, email).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = citizen
        .post_form(
            "/verifikasi-email/kode",
            &[("email", email), ("code", wrong), ("next", "/favorit")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("Kode salah"), "{body}");
    assert!(body.contains(email));
    let r = citizen
        .post_form(
            "/verifikasi-email/kode",
            &[("email", email), ("code", &code), ("next", "/favorit")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // A code works once.
    let mut other = server.client();
    let r = other
        .post_form(
            "/verifikasi-email/kode",
            &[("email", email), ("code", &code), ("next", "/favorit")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Vote once; the tally counts it.
    let r = citizen
        .post_form(
            "/favorit",
            &[
                ("category_id", &category.to_string()),
                ("proposal_id", &first.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{:?}", r.text().await);
    let page = citizen.get(&location(&r)).await.text().await.unwrap();
    assert!(page.contains("Suara Anda sudah tercatat"));
    assert!(page.contains("Anda sudah memberikan suara di kategori ini"));
    assert_eq!(votes_for(&tally(&mut citizen).await, first), before + 1);

    // A second vote in the same category is refused, in Indonesian, and not counted.
    let r = citizen
        .post_form(
            "/favorit",
            &[
                ("category_id", &category.to_string()),
                ("proposal_id", &second.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains(
        "Anda sudah memberikan suara di kategori ini. Setiap alamat e-mail hanya dapat memilih satu kali per kategori."
    ));
    let t = tally(&mut citizen).await;
    assert_eq!(votes_for(&t, first), before + 1);
    // A proposal of another category under this category is refused.
    let other_cat = t["categories"][1]["rows"][0]["proposal_id"]
        .as_i64()
        .unwrap();
    let r = citizen
        .post_form(
            "/favorit",
            &[
                ("category_id", &category.to_string()),
                ("proposal_id", &other_cat.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The untouched chain verifies.
    let (ok, out, err) = db.cli(&["audit", "verify"], None);
    assert!(ok, "{out}{err}");
    assert!(out.contains("no broken link"), "{out}");

    // The head is published on the page and in the API; the check finds a published head
    // in the chain and refuses one that is not.
    let published = tally(&mut citizen).await["chain_head"]["hash"]
        .as_str()
        .expect("a published chain head")
        .to_owned();
    assert_eq!(published.len(), 64);
    let page = citizen.get("/favorit").await.text().await.unwrap();
    assert!(page.contains(&published), "the vote page shows the head");
    let (ok, out, _) = db.cli(&["audit", "verify", "--published-head", &published], None);
    assert!(ok, "{out}");
    assert!(out.contains("is a verified link of the chain"), "{out}");
    let (ok, out, _) = db.cli(
        &["audit", "verify", "--published-head", &"0".repeat(64)],
        None,
    );
    assert!(!ok, "an unknown published head fails the check: {out}");
    assert!(out.contains("is NOT in the verified chain"), "{out}");

    // The committee sees the demo's burst and disposable domain, and voids our vote.
    let votes: Value = api.get("/api/v1/votes").await.json().await.unwrap();
    assert!(
        !votes["bursts"].as_array().unwrap().is_empty(),
        "{}",
        votes["bursts"]
    );
    assert!(votes["disposable"].to_string().contains("yopmail.com"));
    let ours = votes["votes"][0]["id"].as_i64().unwrap();
    let r = api
        .post_json(
            &format!("/api/v1/votes/{ours}/void"),
            &json!({"reason": ""}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = api
        .post_json(
            &format!("/api/v1/votes/{ours}/void"),
            &json!({"reason": "Uji pembatalan oleh panitia"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(votes_for(&tally(&mut citizen).await, first), before);
    let r = api
        .post_json(
            &format!("/api/v1/votes/{ours}/void"),
            &json!({"reason": "Sekali lagi"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (ok, out, _) = db.cli(&["audit", "verify"], None);
    assert!(ok, "voiding keeps the chain valid: {out}");
    let mut panitia = server.client();
    panitia.login(COMMITTEE.0, COMMITTEE.1).await;
    let page = panitia.get("/panitia/favorit").await.text().await.unwrap();
    assert!(page.contains("Uji pembatalan oleh panitia"));
    assert!(page.contains("yopmail.com"));

    // The log refuses changes.
    let pool = db.connect().await;
    for s in [
        "UPDATE votes SET proposal_id = proposal_id WHERE id = 1",
        "DELETE FROM votes WHERE id = 1",
        "DELETE FROM vote_voids",
    ] {
        assert!(sqlx::query(s).execute(&pool).await.is_err(), "{s} allowed");
    }
    let head: i64 = sqlx::query_scalar("SELECT MAX(id) FROM votes")
        .fetch_one(&pool)
        .await
        .unwrap();
    let head_hash: String = sqlx::query_scalar("SELECT hash FROM votes WHERE id = $1")
        .bind(head)
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;

    // A forged row appended after the head is named.
    let forged = head + 1;
    let fake = "f".repeat(64);
    sql(db, &[&format!(
        "INSERT INTO votes (id, edition_id, category_id, proposal_id, voter_hash, ip_prefix_hash, email_domain, at, prev_hash, hash) \
         SELECT {forged}, edition_id, category_id, {second}, '{fake}', '{fake}', 'contoh.id', at + 1, '{head_hash}', '{fake}' FROM votes WHERE id = {head}"
    )])
    .await;
    let (ok, out, _) = db.cli(&["audit", "verify"], None);
    assert!(!ok, "a forged vote must fail the check: {out}");
    assert!(out.contains(&format!("BROKEN at vote {forged}")), "{out}");

    // Remove it again (guards lifted and put back), then tamper with a stored vote.
    let (lift, restore): (Vec<&str>, Vec<&str>) = match db.backend {
        common::Backend::Sqlite => (
            vec![
                "DROP TRIGGER votes_no_update",
                "DROP TRIGGER votes_no_delete",
            ],
            vec![
                "CREATE TRIGGER votes_no_update BEFORE UPDATE ON votes BEGIN SELECT RAISE(ABORT, 'votes is append-only'); END",
                "CREATE TRIGGER votes_no_delete BEFORE DELETE ON votes BEGIN SELECT RAISE(ABORT, 'votes is append-only'); END",
            ],
        ),
        common::Backend::Postgres => (
            vec!["ALTER TABLE votes DISABLE TRIGGER votes_no_update"],
            vec!["ALTER TABLE votes ENABLE TRIGGER votes_no_update"],
        ),
    };
    let delete = format!("DELETE FROM votes WHERE id = {forged}");
    let mut steps = lift.clone();
    steps.push(&delete);
    steps.extend(restore.iter().copied());
    sql(db, &steps).await;
    let (ok, out, _) = db.cli(&["audit", "verify"], None);
    assert!(ok, "{out}");

    // While the guard is lifted the check says so too.
    sql(db, &lift).await;
    let (ok, out, _) = db.cli(&["audit", "verify"], None);
    assert!(!ok);
    assert!(out.contains("guards missing or disabled"), "{out}");
    let tamper = format!(
        "UPDATE votes SET proposal_id = CASE WHEN proposal_id = {first} THEN {second} ELSE {first} END WHERE id = 42"
    );
    let mut steps = vec![tamper.as_str()];
    steps.extend(restore.iter().copied());
    sql(db, &steps).await;
    let (ok, out, _) = db.cli(&["audit", "verify"], None);
    assert!(!ok, "a tampered vote must fail the check: {out}");
    assert!(
        out.contains("BROKEN at vote 42: stored hash does not match"),
        "{out}"
    );
    assert!(out.contains("41 votes before it verified"), "{out}");
    server.stop();
}

/// A POST from a given client address (the server trusts `X-Forwarded-For`).
async fn post_from(
    base: &str,
    path: &str,
    form: &[(&str, &str)],
    cookie: Option<&str>,
    ip: &str,
) -> reqwest::Response {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut req = http
        .post(format!("{base}{path}"))
        .header("origin", base)
        .header("x-forwarded-for", ip)
        .form(form);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.unwrap()
}

async fn rate_limits_per_address_ip_and_network(db: &TestDb) {
    let server = TestServer::start_with(db, true, &["--trust-proxy"]);
    let mut api = committee_api(&server, db).await;
    open_window(&mut api, "favorit").await;
    let base = server.base.clone();

    // Three codes per address per hour.
    for i in 0..3 {
        let r = post_from(
            &base,
            "/verifikasi-email",
            &[("email", "sering@warga.kolabik.test")],
            None,
            &format!("10.1.{i}.1"),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let r = post_from(
        &base,
        "/verifikasi-email",
        &[("email", "sering@warga.kolabik.test")],
        None,
        "10.1.9.1",
    )
    .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let body = r.text().await.unwrap();
    assert!(body.contains("Terlalu banyak permintaan"), "{body}");
    assert!(
        body.contains("sering@warga.kolabik.test"),
        "typed address kept"
    );

    // Ten codes per IP address per hour.
    for i in 0..10 {
        let email = format!("ip{i}@warga.kolabik.test");
        let r = post_from(
            &base,
            "/verifikasi-email",
            &[("email", &email)],
            None,
            "10.2.0.7",
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let r = post_from(
        &base,
        "/verifikasi-email",
        &[("email", "ip-lagi@warga.kolabik.test")],
        None,
        "10.2.0.7",
    )
    .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);

    // Twenty votes per network (/24) per hour, whatever the addresses.
    let t = tally(&mut server.client()).await;
    let category = t["categories"][0]["category_id"]
        .as_i64()
        .unwrap()
        .to_string();
    let proposal = t["categories"][0]["rows"][0]["proposal_id"]
        .as_i64()
        .unwrap()
        .to_string();
    for i in 0..21 {
        let email = format!("jaringan{i}@warga.kolabik.test");
        let r = post_from(
            &base,
            "/verifikasi-email",
            &[("email", &email)],
            None,
            &format!("10.3.{i}.1"),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
        let code = code_from_outbox(db, &email).await;
        let r = post_from(
            &base,
            "/verifikasi-email/kode",
            &[("email", &email), ("code", &code)],
            None,
            &format!("10.3.{i}.1"),
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let cookie = r
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .unwrap()
            .to_owned();
        let r = post_from(
            &base,
            "/favorit",
            &[("category_id", &category), ("proposal_id", &proposal)],
            Some(&cookie),
            &format!("192.168.77.{}", 10 + i),
        )
        .await;
        if i < 20 {
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "vote {i}");
        } else {
            assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "vote {i}");
            assert!(
                r.text()
                    .await
                    .unwrap()
                    .contains("Terlalu banyak permintaan")
            );
        }
    }
    // The committee sees the network.
    let votes: Value = api.get("/api/v1/votes").await.json().await.unwrap();
    assert!(
        votes["networks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n[1].as_u64().unwrap() >= 20),
        "{}",
        votes["networks"]
    );
    server.stop();
}

const FAST: [&str; 4] = ["--mail-poll-ms", "100", "--mail-backoff-ms", "200"];

async fn an_objection_is_answered_and_published(db: &TestDb) {
    let smtp = SmtpSink::start(0).await;
    let url = smtp.url();
    let mut args = vec!["--smtp-url", url.as_str()];
    args.extend_from_slice(&FAST);
    let server = TestServer::start_with(db, true, &args);
    let mut api = committee_api(&server, db).await;
    let mut citizen = server.client();

    // The public page lists the finalists and the demo's answered objection.
    let page = citizen.get("/uji-publik").await.text().await.unwrap();
    assert!(page.contains("Buih Jadi Permadani"));
    assert!(page.contains("Panitia telah meminta data per kelurahan"));
    assert!(!page.contains("warga.purworejo@warga.kolabik.test"));
    assert!(page.contains("Masa uji publik sedang tidak dibuka"));
    open_window(&mut api, "uji-publik").await;
    let page = citizen.get("/uji-publik").await.text().await.unwrap();
    assert!(page.contains("/verifikasi-email?next=/uji-publik"));

    // Verify with the code from the e-mail.
    let email = "dewi.lestari@warga.kolabik.test";
    let r = citizen
        .post_form(
            "/verifikasi-email",
            &[("email", email), ("next", "/uji-publik")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let mails = smtp.wait_for(email, 1).await;
    let code = code_in(&mails[0].data);
    let r = citizen
        .post_form(
            "/verifikasi-email/kode",
            &[("email", email), ("code", &code), ("next", "/uji-publik")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/uji-publik");

    let finalists: Value = citizen
        .get("/api/v1/uji-publik")
        .await
        .json()
        .await
        .unwrap();
    let proposal = finalists["finalists"][0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let text = "Data waktu layanan sebelum inovasi tidak sesuai dengan laporan tahunan dinas.";

    // Evidence that is not a PDF/JPEG/PNG is refused; what was typed stays.
    let r = citizen
        .post_multipart(
            "/uji-publik",
            &[
                ("proposal_id", &proposal),
                ("kind", "keberatan"),
                ("body", text),
            ],
            &[("evidence", "bukti.pdf", b"bukan pdf")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("Bukti harus berupa PDF, JPEG atau PNG"));
    assert!(body.contains(text));
    let pdf = b"%PDF-1.4\n% bukti laporan tahunan\n%%EOF\n";
    let r = citizen
        .post_multipart(
            "/uji-publik",
            &[
                ("proposal_id", &proposal),
                ("kind", "keberatan"),
                ("body", text),
            ],
            &[("evidence", "laporan.pdf", pdf)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        citizen
            .get(&location(&r))
            .await
            .text()
            .await
            .unwrap()
            .contains("Masukan Anda sudah kami terima")
    );

    // The committee sees it with the sender and the evidence.
    let list: Value = api.get("/api/v1/objections").await.json().await.unwrap();
    let o = list
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["body"] == text)
        .expect("the objection in the committee's list");
    assert_eq!(o["email"], email);
    assert_eq!(o["has_evidence"], true);
    let id = o["id"].as_i64().unwrap();
    let mut panitia = server.client();
    panitia.login(COMMITTEE.0, COMMITTEE.1).await;
    let page = panitia
        .get("/panitia/uji-publik")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(email) && page.contains(text));
    let r = panitia
        .get(&format!("/panitia/uji-publik/{id}/bukti"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.bytes().await.unwrap().as_ref(), pdf);

    // An answer needs a decision; the typed answer stays.
    let answer = "Panitia memeriksa laporan tahunan; data yang dinilai memakai angka terbaru.";
    let r = panitia
        .post_form(
            &format!("/panitia/uji-publik/{id}/jawab"),
            &[("decision", ""), ("answer", answer)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("Pilih keputusan") && body.contains(answer));
    let r = panitia
        .post_form(
            &format!("/panitia/uji-publik/{id}/jawab"),
            &[("decision", "ditolak"), ("answer", answer)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The sender is e-mailed the answer.
    let mails = smtp.wait_for(email, 2).await;
    let mail = mails[1].body();
    assert!(mail.contains("Keputusan panitia: ditolak"), "{mail}");
    assert!(
        mail.contains("data yang dinilai memakai angka terbaru"),
        "{mail}"
    );

    // Public, without the sender's address; the API too.
    let page = citizen.get("/uji-publik").await.text().await.unwrap();
    assert!(page.contains(answer) && page.contains("Ditolak"));
    let mut anon = server.client();
    let page = anon.get("/uji-publik").await.text().await.unwrap();
    assert!(page.contains(answer));
    assert!(!page.contains(email));
    let public = anon.get("/api/v1/uji-publik").await.text().await.unwrap();
    assert!(public.contains(answer));
    assert!(!public.contains(email) && !public.contains("\"email\""));

    // Answering again keeps both answers; the newest is shown.
    let r = api
        .post_json(
            &format!("/api/v1/objections/{id}/answer"),
            &json!({"decision": "dicatat", "answer": "Dicatat untuk evaluasi tahun depan."}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let pool = db.connect().await;
    let answers: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM objection_answers WHERE objection_id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(answers, 2);
    let events: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action IN ('objection.filed', 'objection.answered') AND entity_id = $1",
    )
    .bind(id.to_string())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(events, 3);
    assert!(
        sqlx::query("DELETE FROM objections")
            .execute(&pool)
            .await
            .is_err(),
        "objections are kept"
    );
    pool.close().await;
    let page = anon.get("/uji-publik").await.text().await.unwrap();
    assert!(page.contains("Dicatat untuk evaluasi tahun depan"));
    server.stop();
}

async fn vote_pages_refuse_what_they_must(db: &TestDb) {
    let server = TestServer::start(db, true);
    let mut anon = server.client();
    for path in ["/panitia/favorit", "/panitia/uji-publik"] {
        let r = anon.get(path).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(location(&r).starts_with("/masuk?next="));
    }
    let mut operator = server.client();
    operator.login(OPERATOR.0, OPERATOR.1).await;
    for path in [
        "/panitia/favorit",
        "/panitia/uji-publik",
        "/panitia/uji-publik/1/bukti",
    ] {
        assert_eq!(operator.get(path).await.status(), StatusCode::FORBIDDEN);
    }
    let r = operator
        .post_form("/panitia/favorit/1/batal", &[("reason", "coba")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // The committee's window form keeps what was typed and names the problem.
    let mut panitia = server.client();
    panitia.login(COMMITTEE.0, COMMITTEE.1).await;
    let r = panitia
        .post_form(
            "/panitia/favorit/jendela",
            &[
                ("enabled", "1"),
                ("opens", "2026-12-10T08:00"),
                ("closes", "2026-12-01T08:00"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("Waktu tutup harus sesudah waktu buka"));
    assert!(body.contains("2026-12-01T08:00"));

    // A bad address is refused with the field's message; the page works in English too.
    let r = anon
        .post_form("/verifikasi-email", &[("email", "bukan-alamat")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Alamat e-mail tidak valid")
    );
    // A code expires after ten minutes, and five wrong tries use it up.
    let email = "kedaluwarsa@warga.kolabik.test";
    for expire in [true, false] {
        let r = anon
            .post_form("/verifikasi-email", &[("email", email)])
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let code = code_from_outbox(db, email).await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        if expire {
            sql(db, &["UPDATE email_codes SET expires_at = created_at - 1"]).await;
        } else {
            for _ in 0..5 {
                let r = anon
                    .post_form(
                        "/verifikasi-email/kode",
                        &[("email", email), ("code", wrong)],
                    )
                    .await;
                assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
            }
        }
        let r = anon
            .post_form(
                "/verifikasi-email/kode",
                &[("email", email), ("code", &code)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("Kode tidak berlaku lagi"));
    }
    let pool = db.connect().await;
    let stored: Vec<String> = sqlx::query_scalar("SELECT code_hash FROM email_codes")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert!(
        stored.iter().all(|h| h.len() == 64),
        "codes are stored hashed"
    );

    anon.set_lang("en");
    let page = anon.get("/favorit").await.text().await.unwrap();
    assert!(page.contains("Favourite Innovation"));
    // Only local paths are followed after verification.
    let page = anon
        .get("/verifikasi-email?next=https://contoh.id/")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("value=\"/favorit\""));
    server.stop();
}
