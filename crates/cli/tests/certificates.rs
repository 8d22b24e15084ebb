//! Certificates (piagam) on both backends, on the full demo (its 2022 results published and
//! its certificates issued by the demo loader): the committee's page, idempotent issuing,
//! the public verification of a real code, of a code with a wrong check symbol and of an
//! unknown well-formed code, revocation (audit-logged, shown as revoked), the signatory
//! form's checks, who may download which PDF, the bulk ZIP job, and the refusal to issue
//! before publication.

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::time::Duration;

use common::{COMMITTEE, JUDGE, OPERATOR, TestDb, TestServer, location};
use kolabik_domain::certificate::VerificationCode;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Row;

on_both_backends!(certificates_end_to_end, issuing_waits_for_publication);

async fn text_of(r: reqwest::Response, expected: StatusCode) -> String {
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    assert_eq!(status, expected, "{text}");
    text
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

struct Cert {
    id: i64,
    code: String,
    kind: String,
    rank: Option<i64>,
    recipient: String,
    title: String,
    unit_id: i64,
}

async fn certificates(pool: &sqlx::AnyPool) -> Vec<Cert> {
    sqlx::query(
        "SELECT id, code, kind, rank, recipient, title, unit_id FROM certificates ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .iter()
    .map(|r| Cert {
        id: r.get("id"),
        code: r.get("code"),
        kind: r.get("kind"),
        rank: r.get("rank"),
        recipient: r.get("recipient"),
        title: r.get("title"),
        unit_id: r.get("unit_id"),
    })
    .collect()
}

async fn count(pool: &sqlx::AnyPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// The same code with another check symbol: well-formed, but forged.
fn with_wrong_check(code: &str) -> String {
    let last = code.chars().last().unwrap();
    let other = if last == '7' { '8' } else { '7' };
    format!("{}{other}", &code[..code.len() - 1])
}

async fn certificates_end_to_end(db: &TestDb) {
    let server = TestServer::start_full_demo(db);
    let pool = db.connect().await;
    let mut committee = server.client();
    committee.login(COMMITTEE.0, COMMITTEE.1).await;

    // The demo issued one certificate per proposal past screening or in the final ranking.
    let certs = certificates(&pool).await;
    let candidates = count(
        &pool,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM proposals p \
         WHERE p.edition_id = (SELECT id FROM editions WHERE is_current = 1) \
         AND (p.state IN ('passed_screening', 'finalist', 'winner') OR EXISTS \
         (SELECT 1 FROM results r WHERE r.proposal_id = p.id AND r.stage_id IS NULL))",
    )
    .await;
    assert_eq!(certs.len() as i64, candidates);
    let winners: Vec<&Cert> = certs.iter().filter(|c| c.kind == "juara").collect();
    let categories = count(
        &pool,
        "SELECT CAST(COUNT(DISTINCT category_id) AS BIGINT) FROM results WHERE stage_id IS NULL",
    )
    .await;
    assert!(!winners.is_empty());
    assert!(winners.len() as i64 <= 3 * categories);
    for w in &winners {
        assert!(matches!(w.rank, Some(1..=3)), "{}", w.code);
        let row = sqlx::query(
            "SELECT r.rank, r.score FROM results r JOIN certificates c \
             ON c.proposal_id = r.proposal_id WHERE r.stage_id IS NULL AND c.id = $1",
        )
        .bind(w.id)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(row.get::<Option<i64>, _>("rank"), w.rank);
        assert!(
            row.get::<Option<f64>, _>("score").is_some(),
            "a winner has a final score"
        );
    }
    for c in &certs {
        assert!(VerificationCode::parse(&c.code).is_ok(), "{}", c.code);
    }

    // The committee's page lists them with the signatory.
    let page = text_of(committee.get("/panitia/piagam").await, StatusCode::OK).await;
    assert!(page.contains("Drs. Bambang Wicaksono"), "{page}");
    for c in &certs {
        assert!(page.contains(&c.code));
    }

    // Issuing again keeps every code and adds nothing.
    let again = committee.post_form("/panitia/piagam/terbitkan", &[]).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert!(
        location(&again).contains("terbit=0-0-0"),
        "{}",
        location(&again)
    );
    let after: Vec<String> = certificates(&pool)
        .await
        .into_iter()
        .map(|c| c.code)
        .collect();
    let before: Vec<String> = certs.iter().map(|c| c.code.clone()).collect();
    assert_eq!(after, before);
    // A proposal that passed screening but is not in the final ranking (the demo's
    // ranking holds only winners): the next issue adds its participation certificate.
    let participant: i64 = sqlx::query_scalar(
        "SELECT id FROM proposals WHERE state = 'submitted' ORDER BY id LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query("UPDATE proposals SET state = 'passed_screening' WHERE id = $1")
        .bind(participant)
        .execute(&pool)
        .await
        .unwrap();
    let third = committee.post_form("/panitia/piagam/terbitkan", &[]).await;
    assert!(
        location(&third).contains("terbit=0-0-1"),
        "{}",
        location(&third)
    );
    let certs = certificates(&pool).await;
    assert_eq!(certs.len(), before.len() + 1);
    let p = certs.last().unwrap();
    assert_eq!((p.kind.as_str(), p.rank), ("peserta", None));
    assert_eq!(
        certs[..before.len()]
            .iter()
            .map(|c| c.code.clone())
            .collect::<Vec<_>>(),
        before
    );
    assert_eq!(
        count(
            &pool,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_events WHERE action = 'certificates.issued'"
        )
        .await,
        3
    );
    let winners: Vec<&Cert> = certs.iter().filter(|c| c.kind == "juara").collect();

    // Public verification of a winner's certificate.
    let w = winners[0];
    let mut public = server.client();
    let page = text_of(
        public.get(&format!("/verifikasi/{}", w.code)).await,
        StatusCode::OK,
    )
    .await;
    assert!(page.contains("Piagam sah"), "{page}");
    assert!(page.contains(&escape(&w.recipient)));
    assert!(page.contains(&escape(&w.title)));
    assert!(page.contains(&format!("Juara {}", w.rank.unwrap())));
    assert!(page.contains("og:title"));
    // Typed sloppily in the form: redirected to the canonical page.
    let sloppy = w.code.to_lowercase().replace('-', " ");
    let r = public
        .get(&format!("/verifikasi?kode={}", sloppy.replace(' ', "+")))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/verifikasi/{}", w.code));
    // The bare form.
    let form = text_of(public.get("/verifikasi").await, StatusCode::OK).await;
    assert!(form.contains("name=\"kode\""));

    // A forged check symbol, and a well-formed code nobody was given.
    let forged = with_wrong_check(&w.code);
    let page = text_of(
        public.get(&format!("/verifikasi/{forged}")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert!(page.contains("Piagam tidak ditemukan"), "{page}");
    assert!(page.contains("dipalsukan"), "{page}");
    let unknown = VerificationCode::generate(2022, [1, 2, 3, 4, 5]).to_string();
    assert!(!before.contains(&unknown));
    let page = text_of(
        public.get(&format!("/verifikasi/{unknown}")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert!(page.contains("Tidak ada piagam dengan kode ini"), "{page}");
    let page = text_of(
        public.get("/verifikasi?kode=bukan-kode").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert!(page.contains("Piagam tidak ditemukan"));

    // The API.
    let api = public
        .get(&format!("/api/v1/certificates/{}", w.code))
        .await;
    let v: Value = serde_json::from_str(&text_of(api, StatusCode::OK).await).unwrap();
    assert_eq!(v["status"], "valid");
    assert_eq!(v["kind"], "juara");
    assert_eq!(v["recipient"], w.recipient.as_str());
    for bad in [&forged, &unknown] {
        let r = public.get(&format!("/api/v1/certificates/{bad}")).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
    let r = public.get("/api/v1/certificates").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Revocation: a reason is required, then it is logged and shown.
    let short = committee
        .post_form(
            &format!("/panitia/piagam/{}/cabut", p.id),
            &[("reason", "x")],
        )
        .await;
    text_of(short, StatusCode::UNPROCESSABLE_ENTITY).await;
    let done = committee
        .post_form(
            &format!("/panitia/piagam/{}/cabut", p.id),
            &[("reason", "Usulan ditarik unit")],
        )
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let page = text_of(
        public.get(&format!("/verifikasi/{}", p.code)).await,
        StatusCode::OK,
    )
    .await;
    assert!(page.contains("Piagam dicabut"), "{page}");
    assert!(!page.contains("Piagam sah"));
    assert!(
        !page.contains("Usulan ditarik unit"),
        "the reason stays internal"
    );
    let v: Value = serde_json::from_str(
        &text_of(
            public
                .get(&format!("/api/v1/certificates/{}", p.code))
                .await,
            StatusCode::OK,
        )
        .await,
    )
    .unwrap();
    assert_eq!(v["status"], "revoked");
    let logged: String = sqlx::query_scalar(
        "SELECT after_json FROM audit_events WHERE action = 'certificate.revoked'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(logged.contains("Usulan ditarik unit"), "{logged}");
    // The committee's copy of a revoked certificate says so across the page.
    let pdf = committee
        .get(&format!("/piagam/{}.pdf", p.code))
        .await
        .bytes()
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    assert!(
        pdf.windows(b"(DICABUT ".len()).any(|w| w == b"(DICABUT "),
        "revoked banner"
    );
    let twice = committee
        .post_form(
            &format!("/panitia/piagam/{}/cabut", p.id),
            &[("reason", "Usulan ditarik unit")],
        )
        .await;
    text_of(twice, StatusCode::UNPROCESSABLE_ENTITY).await;

    // The signatory form reports every problem.
    let bad = committee
        .post_form(
            "/panitia/piagam/penandatangan",
            &[
                ("name", ""),
                ("position", "Wali Kota Pasuruan"),
                ("nip", "123"),
                ("place", "Pasuruan"),
                ("signed_on", "2022-13-01"),
            ],
        )
        .await;
    let page = text_of(bad, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(page.contains("id=\"sig-name-error\""));
    assert!(page.contains("id=\"sig-nip-error\""));
    assert!(page.contains("id=\"sig-signed_on-error\""));

    // Who may do what.
    let r = public.get("/panitia/piagam").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/masuk"));
    let r = public.get(&format!("/piagam/{}.pdf", w.code)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mut judge = server.client();
    judge.login(JUDGE.0, JUDGE.1).await;
    assert_eq!(
        judge.get("/panitia/piagam").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        judge.get(&format!("/piagam/{}.pdf", w.code)).await.status(),
        StatusCode::FORBIDDEN
    );
    let mut operator = server.client();
    operator.login(OPERATOR.0, OPERATOR.1).await;
    assert_eq!(
        operator
            .post_form("/panitia/piagam/terbitkan", &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // The operator downloads their unit's certificates, not another unit's.
    let units: Vec<i64> = sqlx::query_scalar(
        "SELECT g.unit_id FROM role_grants g JOIN users u ON u.id = g.user_id \
         WHERE u.email = $1 AND g.role = 'unit_operator'",
    )
    .bind(OPERATOR.0)
    .fetch_all(&pool)
    .await
    .unwrap();
    let own: Vec<&Cert> = certs
        .iter()
        .filter(|c| units.contains(&c.unit_id) && c.id != p.id)
        .collect();
    assert!(
        !own.is_empty(),
        "the demo operator's unit has a certificate"
    );
    let list = text_of(operator.get("/operator/piagam").await, StatusCode::OK).await;
    for c in &certs {
        assert_eq!(
            list.contains(&c.code),
            units.contains(&c.unit_id),
            "{}",
            c.code
        );
    }
    let r = operator.get(&format!("/piagam/{}.pdf", own[0].code)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let uri = format!("/URI ({}/verifikasi/{})", server.base, own[0].code);
    assert!(
        pdf.windows(uri.len()).any(|w| w == uri.as_bytes()),
        "link annotation"
    );
    let other = certs.iter().find(|c| !units.contains(&c.unit_id)).unwrap();
    assert_eq!(
        operator
            .get(&format!("/piagam/{}.pdf", other.code))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        committee
            .get(&format!("/piagam/{}.pdf", other.code))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        committee.get("/piagam/bukan.pdf").await.status(),
        StatusCode::NOT_FOUND
    );

    // The bulk ZIP: a background job with progress, one PDF per valid certificate.
    let started = committee.post_form("/panitia/piagam/zip", &[]).await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let mut href = None;
    for _ in 0..120 {
        let r = committee.get("/panitia/piagam").await;
        let refresh = r.headers().contains_key("refresh");
        let page = text_of(r, StatusCode::OK).await;
        if let Some(at) = page.find("href=\"/panitia/piagam/zip/") {
            let rest = &page[at + 6..];
            href = Some(rest[..rest.find('"').unwrap()].to_owned());
            assert!(page.contains("id=\"zip-done\""));
            assert!(!refresh);
            break;
        }
        assert!(page.contains("id=\"zip-progress\""), "{page}");
        assert!(refresh, "the page reloads itself while the job runs");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let href = href.expect("the ZIP job finished");
    let r = committee.get(&href).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/zip");
    let bytes = r.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let valid: BTreeSet<String> = certs
        .iter()
        .filter(|c| c.id != p.id)
        .map(|c| format!("{}/piagam-{}.pdf", c.kind, c.code))
        .collect();
    let names: BTreeSet<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
    assert_eq!(names, valid);
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut head = [0_u8; 5];
        f.read_exact(&mut head).unwrap();
        assert_eq!(&head, b"%PDF-");
    }
    let job: (String, i64, i64) = {
        let r = sqlx::query(
            "SELECT state, done, total FROM certificate_zip_jobs ORDER BY id DESC LIMIT 1",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        (r.get("state"), r.get("done"), r.get("total"))
    };
    assert_eq!(
        job,
        ("done".to_owned(), valid.len() as i64, valid.len() as i64)
    );
    // The operator cannot reach the ZIP.
    assert_eq!(operator.get(&href).await.status(), StatusCode::FORBIDDEN);
    server.stop();
}

async fn issuing_waits_for_publication(db: &TestDb) {
    let server = TestServer::start(db, true);
    let mut committee = server.client();
    committee.login(COMMITTEE.0, COMMITTEE.1).await;
    let page = text_of(
        committee.post_form("/panitia/piagam/terbitkan", &[]).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(page.contains("belum diumumkan"), "{page}");
    let ok = committee
        .post_form(
            "/panitia/piagam/penandatangan",
            &[
                ("name", "Drs. Bambang Wicaksono, M.Si."),
                ("position", "Wali Kota Pasuruan"),
                ("nip", ""),
                ("place", "Pasuruan"),
                ("signed_on", "2022-12-16"),
            ],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let zip = committee.post_form("/panitia/piagam/zip", &[]).await;
    let page = text_of(zip, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(page.contains("Belum ada piagam yang sah"), "{page}");
    let pool = db.connect().await;
    assert_eq!(
        count(&pool, "SELECT CAST(COUNT(*) AS BIGINT) FROM certificates").await,
        0
    );
    assert_eq!(
        count(
            &pool,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_events WHERE action = 'certificates.signatory_set'"
        )
        .await,
        1
    );
    server.stop();
}
