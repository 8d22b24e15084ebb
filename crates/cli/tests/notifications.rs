//! Notifications end to end: the real binary sends e-mail to a real (minimal) SMTP server
//! started by the test, keeps e-mail for the committee's mailbox without one, retries after
//! a refusal, and sends deadline reminders once. Every scenario runs on SQLite and PostgreSQL.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::smtp::{Received, SmtpSink};
use common::{COMMITTEE, Client, OPERATOR, TestDb, TestServer};
use reqwest::StatusCode;
use serde_json::Value;

on_both_backends!(
    new_account_is_announced_by_email_without_the_password,
    without_smtp_mail_is_kept_for_the_committee_mailbox,
    refused_mail_is_retried_until_delivered,
    deadline_reminders_go_once_to_units_without_a_proposal,
    two_nodes_send_each_message_once,
);

/// Poll quickly and retry after 200 ms, so the scenarios finish in seconds.
const FAST: [&str; 4] = ["--mail-poll-ms", "100", "--mail-backoff-ms", "200"];

// --- helpers ----------------------------------------------------------------------------

async fn committee(server: &TestServer) -> Client {
    let mut c = server.client();
    c.login(COMMITTEE.0, COMMITTEE.1).await;
    c
}

/// Creates an account through the committee's form; returns the generated password.
async fn create_user(c: &mut Client, email: &str, name: &str, role: &str, unit: &str) -> String {
    let r = c
        .post_form(
            "/panitia/pengguna",
            &[
                ("email", email),
                ("name", name),
                ("role", role),
                ("unit", unit),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "creating {email}");
    let html = r.text().await.unwrap();
    let start = html
        .find("id=\"generated-password\">")
        .expect("password shown")
        + 24;
    let end = start + html[start..].find('<').expect("end of password");
    html[start..end].to_owned()
}

async fn outbox(c: &mut Client) -> Vec<Value> {
    let r = c.get("/api/v1/outbox?page_size=200").await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    v["items"].as_array().unwrap().clone()
}

/// Waits (up to 20 s) until the outbox holds a message to `email` in `state`.
async fn wait_for_state(c: &mut Client, email: &str, state: &str) -> Value {
    for _ in 0..200 {
        if let Some(m) = outbox(c)
            .await
            .into_iter()
            .find(|m| m["to_email"] == email && m["state"] == state)
        {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no {state} message to {email}: {:?}", outbox(c).await);
}

// --- scenarios --------------------------------------------------------------------------

async fn new_account_is_announced_by_email_without_the_password(db: &TestDb) {
    let smtp = SmtpSink::start(0).await;
    let url = smtp.url();
    let mut args = vec!["--smtp-url", url.as_str()];
    args.extend_from_slice(&FAST);
    let server = TestServer::start_with(db, true, &args);
    let mut c = committee(&server).await;
    let password = create_user(
        &mut c,
        "rina.wulandari@kolabik.test",
        "Rina Wulandari",
        "viewer",
        "",
    )
    .await;

    let got = smtp.wait_for("rina.wulandari@kolabik.test", 1).await;
    assert_eq!(got.len(), 1, "one e-mail per new account");
    let mail = &got[0];
    assert!(mail.from.contains("noreply@kolabik.local"), "{}", mail.from);
    let body = mail.body();
    assert!(
        body.contains(&format!("{}/masuk", server.base)),
        "sign-in link in {body}"
    );
    assert!(body.contains("Rina Wulandari") && body.contains("rina.wulandari@kolabik.test"));
    assert!(
        !body.contains(&password),
        "the password never travels by e-mail"
    );
    assert!(!mail.data.contains(&password));

    let m = wait_for_state(&mut c, "rina.wulandari@kolabik.test", "sent").await;
    assert_eq!(m["kind"], "account_created");
    assert_eq!(m["attempts"], 1);
    assert!(m["sent_at"].is_string());
}

async fn without_smtp_mail_is_kept_for_the_committee_mailbox(db: &TestDb) {
    let server = TestServer::start_with(db, true, &FAST);
    let mut c = committee(&server).await;
    let password = create_user(
        &mut c,
        "agus.salim@kolabik.test",
        "Agus Salim",
        "unit_operator",
        "dinkes",
    )
    .await;
    let m = wait_for_state(&mut c, "agus.salim@kolabik.test", "kept").await;
    assert_eq!(m["kind"], "account_created");
    assert!(m["body_text"].as_str().unwrap().contains("/masuk"));
    assert!(!m["body_text"].as_str().unwrap().contains(&password));

    let r = c.get("/panitia/kotak-surat").await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("agus.salim@kolabik.test"));
    assert!(html.contains("data-state=\"kept\""));
    assert!(html.contains("Disimpan"));
    assert!(html.contains("<details>") && html.contains("Akun Kolabik Anda telah dibuat"));
    assert!(html.contains("Belum ada server SMTP"));
    // The committee dashboard links to the mailbox.
    let html = c.get("/panitia").await.text().await.unwrap();
    assert!(html.contains("href=\"/panitia/kotak-surat\""));

    for (email, password) in [OPERATOR] {
        let mut other = server.client();
        other.login(email, password).await;
        let r = other.get("/panitia/kotak-surat").await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{email} on the mailbox");
        let r = other.get("/api/v1/outbox").await;
        assert_eq!(
            r.status(),
            StatusCode::FORBIDDEN,
            "{email} on the outbox API"
        );
    }
    let r = server.client().get("/panitia/kotak-surat").await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "anonymous goes to sign in"
    );
}

async fn refused_mail_is_retried_until_delivered(db: &TestDb) {
    let smtp = SmtpSink::start(2).await;
    let url = smtp.url();
    let mut args = vec!["--smtp-url", url.as_str()];
    args.extend_from_slice(&FAST);
    let server = TestServer::start_with(db, true, &args);
    let mut c = committee(&server).await;
    create_user(
        &mut c,
        "dewi.lestari@kolabik.test",
        "Dewi Lestari",
        "viewer",
        "",
    )
    .await;

    let got = smtp.wait_for("dewi.lestari@kolabik.test", 1).await;
    assert_eq!(got.len(), 1);
    assert_eq!(smtp.refused.load(Ordering::SeqCst), 2, "two refusals first");
    let m = wait_for_state(&mut c, "dewi.lestari@kolabik.test", "sent").await;
    assert_eq!(m["attempts"], 3, "two failed attempts, then delivered");
    assert!(m["last_error"].is_null());
    // Delivered once only, even with the sender polling on.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(smtp.to("dewi.lestari@kolabik.test").len(), 1);
}

async fn deadline_reminders_go_once_to_units_without_a_proposal(db: &TestDb) {
    let smtp = SmtpSink::start(0).await;
    let url = smtp.url();
    let mut args = vec!["--smtp-url", url.as_str()];
    args.extend_from_slice(&FAST);
    let server = TestServer::start_with(db, true, &args);
    let mut c = committee(&server).await;
    // Two operators of a unit without any proposal, one of a unit that has submitted.
    let pw_a = create_user(
        &mut c,
        "op.a@dinkes.kolabik.test",
        "Operator A Dinkes",
        "unit_operator",
        "dinkes",
    )
    .await;
    create_user(
        &mut c,
        "op.b@dinkes.kolabik.test",
        "Operator B Dinkes",
        "unit_operator",
        "dinkes",
    )
    .await;
    create_user(
        &mut c,
        "op@diskominfo.kolabik.test",
        "Operator Diskominfo",
        "unit_operator",
        "diskominfo",
    )
    .await;
    smtp.wait_for("op@diskominfo.kolabik.test", 1).await;

    // The demo's submission stage closed in 2022; move its deadline to three days from now.
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let pool = db.connect().await;
    sqlx::query("UPDATE stages SET closes_at = $1 WHERE kind = 'pengajuan_proposal'")
        .bind(now_ms + 3 * 24 * 3600 * 1000)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let is_reminder = |m: &Received| m.body().contains("belum mengajukan usulan inovasi");
    for email in ["op.a@dinkes.kolabik.test", "op.b@dinkes.kolabik.test"] {
        let got = smtp.wait_for(email, 2).await;
        let reminders: Vec<_> = got.iter().filter(|m| is_reminder(m)).collect();
        assert_eq!(reminders.len(), 1, "{email}: {got:?}");
        let body = reminders[0].body();
        assert!(body.contains("Dinas Kesehatan"), "{body}");
        assert!(body.contains("7 hari lagi"), "{body}");
        assert!(body.contains(&format!("{}/masuk", server.base)));
    }
    // Let the sender run many more rounds: nothing is sent twice, and units with a
    // submitted proposal (Diskominfo, and every demo operator's unit) get nothing.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for email in ["op.a@dinkes.kolabik.test", "op.b@dinkes.kolabik.test"] {
        assert_eq!(smtp.to(email).len(), 2, "{email}: account + one reminder");
    }
    assert_eq!(
        smtp.to("op@diskominfo.kolabik.test").len(),
        1,
        "account only"
    );
    assert!(smtp.to(OPERATOR.0).is_empty());
    let reminders: Vec<Value> = outbox(&mut c)
        .await
        .into_iter()
        .filter(|m| m["kind"] == "deadline_reminder")
        .collect();
    assert_eq!(reminders.len(), 2, "{reminders:?}");

    // The operator sees the notice in the app (after setting their own password).
    let mut op = server.client();
    op.login("op.a@dinkes.kolabik.test", &pw_a).await;
    let r = op
        .post_form(
            "/akun/kata-sandi",
            &[
                ("current", pw_a.as_str()),
                ("new", "Dinkes-Pasuruan-2026"),
                ("confirm", "Dinkes-Pasuruan-2026"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "password change");
    let r = op.get("/pemberitahuan").await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("ditutup 7 hari lagi"), "{html}");
    assert!(html.contains("Dinas Kesehatan"));
    assert!(
        html.contains("class=\"badge notice-count\""),
        "unread badge"
    );
    let notices: Value = op.get("/api/v1/notices").await.json().await.unwrap();
    assert_eq!(notices["total"], 1);
    assert_eq!(notices["items"][0]["kind"], "deadline_reminder");
    assert!(notices["items"][0]["read_at"].is_null());

    let r = op.post_form("/pemberitahuan/baca", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = op.get("/pemberitahuan").await.text().await.unwrap();
    assert!(!html.contains("notice-count"), "badge gone once read");
    let notices: Value = op.get("/api/v1/notices").await.json().await.unwrap();
    assert!(notices["items"][0]["read_at"].is_string());

    // Another operator has no notices.
    let mut demo_op = server.client();
    demo_op.login(OPERATOR.0, OPERATOR.1).await;
    let notices: Value = demo_op.get("/api/v1/notices").await.json().await.unwrap();
    assert_eq!(notices["total"], 0);

    // Twelve hours before closing, the H-1 reminder follows, once.
    let pool = db.connect().await;
    sqlx::query("UPDATE stages SET closes_at = $1 WHERE kind = 'pengajuan_proposal'")
        .bind(now_ms + 12 * 3600 * 1000)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    for email in ["op.a@dinkes.kolabik.test", "op.b@dinkes.kolabik.test"] {
        let got = smtp.wait_for(email, 3).await;
        assert!(got[2].body().contains("1 hari lagi"), "{:?}", got[2].body());
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    for email in ["op.a@dinkes.kolabik.test", "op.b@dinkes.kolabik.test"] {
        assert_eq!(smtp.to(email).len(), 3, "{email}: account, H-7, H-1");
    }
    let notices: Value = op.get("/api/v1/notices").await.json().await.unwrap();
    assert_eq!(notices["total"], 2);
    assert!(
        notices["items"][0]["read_at"].is_null(),
        "the new one is unread"
    );
    assert!(
        notices["items"][0]["message"]
            .as_str()
            .unwrap()
            .contains("1 hari lagi")
    );
}

async fn two_nodes_send_each_message_once(db: &TestDb) {
    let smtp = SmtpSink::start(0).await;
    let url = smtp.url();
    // Both nodes poll every 20 ms, so they compete for the same messages.
    let args = [
        "--smtp-url",
        url.as_str(),
        "--mail-poll-ms",
        "20",
        "--mail-backoff-ms",
        "200",
    ];
    let a = TestServer::start_with(db, true, &args);
    let b = TestServer::start_with(db, true, &args);
    let mut c = committee(&a).await;
    let emails: Vec<String> = (0..12)
        .map(|i| format!("pegawai{i}@kolabik.test"))
        .collect();
    for (i, email) in emails.iter().enumerate() {
        let r = c
            .post_json(
                "/api/v1/users",
                &serde_json::json!({"email": email, "name": format!("Pegawai {i}"), "role": "viewer"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    for email in &emails {
        smtp.wait_for(email, 1).await;
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    for email in &emails {
        assert_eq!(smtp.to(email).len(), 1, "{email} got a duplicate");
    }
    b.stop();
}
