//! Operator invitations by e-mail link: the committee invites, the mailbox holds the link,
//! the invitee chooses a password and lands on their unit; the link works once and
//! expires. Each scenario runs on SQLite and on PostgreSQL.

mod common;

use common::{COMMITTEE, Client, OPERATOR, TestDb, TestServer, location};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    invitation_link_creates_an_operator_once,
    expired_and_unknown_links_are_refused,
    existing_account_gains_the_role,
);

async fn unit_id(c: &mut Client, code: &str) -> i64 {
    let v: Value = c
        .get("/api/v1/units?page_size=200")
        .await
        .json()
        .await
        .unwrap();
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == code)
        .unwrap_or_else(|| panic!("no unit {code}"))["id"]
        .as_i64()
        .unwrap()
}

/// The path of the invitation link in the message to `email` (kept: no SMTP configured).
async fn link_for(c: &mut Client, email: &str) -> String {
    for _ in 0..200 {
        let v: Value = c
            .get("/api/v1/outbox?page_size=200")
            .await
            .json()
            .await
            .unwrap();
        let found =
            v["items"].as_array().unwrap().iter().find(|m| {
                m["to_email"] == email && m["kind"] == "invitation" && m["state"] == "kept"
            });
        if let Some(m) = found {
            let body = m["body_text"].as_str().unwrap();
            assert!(!body.contains("Rahasia"), "no password in the e-mail");
            let start = body.find("/undangan/").expect("link in the e-mail");
            let end = start
                + body[start..]
                    .find(char::is_whitespace)
                    .unwrap_or(body.len() - start);
            return body[start..end].to_owned();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no kept invitation to {email}");
}

async fn actions(c: &mut Client) -> Vec<String> {
    let log: Value = c
        .get("/api/v1/audit?page_size=200")
        .await
        .json()
        .await
        .unwrap();
    log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

async fn invitation_link_creates_an_operator_once(db: &TestDb) {
    let server = TestServer::start_with(db, true, &["--mail-poll-ms", "100"]);
    let mut c = server.client();
    c.login(COMMITTEE.0, COMMITTEE.1).await;
    let unit = unit_id(&mut c, "dinas-perikanan").await;

    // The unit page offers the form; a bad e-mail keeps what was typed.
    let page = c.get(&format!("/panitia/unit/{unit}")).await;
    assert!(page.text().await.unwrap().contains("invite-form"));
    let r = c
        .post_form(
            &format!("/panitia/unit/{unit}/undangan"),
            &[("email", "bukan-email"), ("name", "Rina Wulandari")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"Rina Wulandari\""));
    assert!(html.contains("inv-email-error"));

    let r = c
        .post_form(
            &format!("/panitia/unit/{unit}/undangan"),
            &[("email", "rina@kolabik.test"), ("name", "Rina Wulandari")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/panitia/unit/{unit}?saved=invited"));
    let link = link_for(&mut c, "rina@kolabik.test").await;
    assert_eq!(link.len(), "/undangan/".len() + 64);

    // Anyone holding the link sees the form, with the name offered.
    let mut anon = server.client();
    let r = anon.get(&link).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("Dinas Perikanan"));
    assert!(html.contains("rina@kolabik.test"));
    assert!(html.contains("value=\"Rina Wulandari\""));

    // A weak password is refused next to the field; the typed name stays.
    let r = anon
        .post_form(
            &link,
            &[
                ("name", "Rina W."),
                ("password", "pendek"),
                ("confirm", "pendek"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("inv-password-error"));
    assert!(html.contains("Kata sandi minimal 10 karakter."));
    assert!(html.contains("value=\"Rina W.\""));
    assert!(!html.contains("pendek"), "passwords are not echoed");

    // A good one creates the account and signs in, straight to the operator's page.
    let r = anon
        .post_form(
            &link,
            &[
                ("name", "Rina W."),
                ("password", "Ikan-Bandeng-2022"),
                ("confirm", "Ikan-Bandeng-2022"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/operator");
    let r = anon.get("/operator").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Dinas Perikanan"));
    let me: Value = anon.get("/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["name"], "Rina W.");

    // The committee sees the new operator on the unit.
    let d: Value = c
        .get(&format!("/api/v1/units/{unit}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        d["operators"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["email"] == "rina@kolabik.test")
    );

    // The link works once, in both languages.
    let mut late = server.client();
    let r = late.get(&link).await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert!(r.text().await.unwrap().contains("sudah dipakai"));
    late.set_lang("en");
    let r = late.get(&link).await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert!(r.text().await.unwrap().contains("already been used"));
    let r = late
        .post_form(
            &link,
            &[
                ("name", "Orang Lain"),
                ("password", "Ikan-Kakap-2022"),
                ("confirm", "Ikan-Kakap-2022"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::GONE);

    let log = actions(&mut c).await;
    for a in ["invitation.created", "invitation.accepted", "mail.queued"] {
        assert!(log.iter().any(|x| x == a), "{a} in {log:?}");
    }
}

async fn expired_and_unknown_links_are_refused(db: &TestDb) {
    let server = TestServer::start_with(db, true, &["--mail-poll-ms", "100"]);
    let mut c = server.client();
    c.login(COMMITTEE.0, COMMITTEE.1).await;
    let unit = unit_id(&mut c, "dinas-perikanan").await;

    // Through the API: validation, then an invitation.
    let path = format!("/api/v1/units/{unit}/invitations");
    let r = c.post_json(&path, &json!({"email": "x", "name": ""})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .post_json(
            &path,
            &json!({"email": "budi@kolabik.test", "name": "Budi Santoso"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["role"], "unit_operator");
    assert_eq!(v["unit_id"], unit);
    assert!(v.get("token").is_none(), "the link goes by e-mail only");
    let r = c
        .post_json(
            "/api/v1/units/999999/invitations",
            &json!({"email": "budi@kolabik.test", "name": "Budi"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Operators may not invite.
    let mut op = server.client();
    op.login(OPERATOR.0, OPERATOR.1).await;
    let r = op
        .post_json(&path, &json!({"email": "a@kolabik.test", "name": "A"}))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let link = link_for(&mut c, "budi@kolabik.test").await;
    let pool = db.connect().await;
    sqlx::query("UPDATE invitations SET expires_at = $1 WHERE email = $2")
        .bind(1_000_i64)
        .bind("budi@kolabik.test")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let mut anon = server.client();
    let r = anon.get(&link).await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert!(r.text().await.unwrap().contains("kedaluwarsa"));
    anon.set_lang("en");
    let r = anon
        .post_form(
            &link,
            &[
                ("name", "Budi"),
                ("password", "Ikan-Bandeng-2022"),
                ("confirm", "Ikan-Bandeng-2022"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert!(r.text().await.unwrap().contains("expired"));
    // No account was made.
    let r = anon
        .post_form(
            "/masuk",
            &[
                ("email", "budi@kolabik.test"),
                ("password", "Ikan-Bandeng-2022"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // An unknown token is simply not found.
    let r = anon.get(&format!("/undangan/{}", "0".repeat(64))).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

async fn existing_account_gains_the_role(db: &TestDb) {
    let server = TestServer::start_with(db, true, &["--mail-poll-ms", "100"]);
    let mut c = server.client();
    c.login(COMMITTEE.0, COMMITTEE.1).await;
    // The demo operator is invited to a second unit.
    let unit = unit_id(&mut c, "setda").await;
    let r = c
        .post_json(
            &format!("/api/v1/units/{unit}/invitations"),
            &json!({"email": OPERATOR.0, "name": "Operator"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let link = link_for(&mut c, OPERATOR.0).await;
    let mut anon = server.client();
    let r = anon.get(&link).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(!r.text().await.unwrap().contains("inv-password"));
    let r = anon.post_form(&link, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/masuk"));
    let d: Value = c
        .get(&format!("/api/v1/units/{unit}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        d["operators"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["email"] == OPERATOR.0)
    );
    assert_eq!(anon.get(&link).await.status(), StatusCode::GONE);
}
