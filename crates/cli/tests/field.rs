//! Field verification on both backends: the default checklist and the committee's own, an
//! unannounced visit invisible to the unit until completed, the committee reopening a
//! completed visit with a reason, the phone form (draft, a PNG
//! photo, a non-image refused in Indonesian, completion recorded with who and when), a
//! conflicted judge refused with 404, nothing changing after completion or freezing, the
//! API, and refusals for other roles.
//!
//! Stage entries, assignments, conflicts and declarations are rows other features create;
//! the fixtures insert them with SQL.

mod common;

use common::{COMMITTEE, Client, JUDGE, OPERATOR, TestDb, TestServer, UNIT_HEAD, VIEWER};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::AnyPool;

on_both_backends!(field_verification_end_to_end, field_is_for_visitors_only);

const ZUHRI: &str = "syaifuddin.zuhri@juri.kolabik.test";
const NOW: i64 = 1_669_000_000_000;
/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

async fn one(pool: &AnyPool, sql: &str, arg: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .bind(arg.to_owned())
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn exec(pool: &AnyPool, sql: &str, args: &[i64]) {
    let mut q = sqlx::query(sql);
    for a in args {
        q = q.bind(*a);
    }
    q.execute(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn stage_id(pool: &AnyPool) -> i64 {
    one(
        pool,
        "SELECT s.id FROM stages s JOIN editions e ON e.id = s.edition_id \
         WHERE e.is_current = 1 AND s.kind = $1",
        "verifikasi_lapangan",
    )
    .await
}

async fn judge_id(pool: &AnyPool, email: &str) -> i64 {
    one(
        pool,
        "SELECT j.id FROM judges j JOIN users u ON u.id = j.user_id WHERE u.email = $1",
        email,
    )
    .await
}

async fn proposal(pool: &AnyPool, unit: &str, same: bool) -> i64 {
    let sql = if same {
        "SELECT p.id FROM proposals p JOIN units u ON u.id = p.unit_id WHERE u.code = $1 \
         AND p.state IN ('passed_screening', 'finalist', 'winner') ORDER BY p.id LIMIT 1"
    } else {
        "SELECT p.id FROM proposals p JOIN units u ON u.id = p.unit_id WHERE u.code <> $1 \
         AND p.state IN ('passed_screening', 'finalist', 'winner') ORDER BY p.id LIMIT 1"
    };
    one(pool, sql, unit).await
}

async fn api_client(server: &TestServer, db: &TestDb, email: &str) -> Client {
    let (ok, out, err) = db.cli(&["token", "create", "--email", email], None);
    assert!(ok, "{err}");
    let mut api = Client::new(&server.base);
    api.origin = None;
    api.bearer = Some(out.trim().to_owned());
    api
}

struct Fixture {
    stage: i64,
    own: i64,
    other: i64,
    j1: i64,
}

/// The operator's proposal and another unit's in the stage; J1 (declared) assigned to
/// both, with an active conflict on the other one; J2 (declared) assigned to the other.
async fn fixture(pool: &AnyPool) -> Fixture {
    let stage = stage_id(pool).await;
    let own = proposal(pool, "dinas-perikanan", true).await;
    let other = proposal(pool, "dinas-perikanan", false).await;
    let j1 = judge_id(pool, JUDGE.0).await;
    let j2 = judge_id(pool, ZUHRI).await;
    let edition: i64 = sqlx::query_scalar("SELECT id FROM editions WHERE is_current = 1")
        .fetch_one(pool)
        .await
        .expect("current edition");
    for p in [own, other] {
        exec(
            pool,
            "INSERT INTO stage_entries (stage_id, proposal_id, source, created_at) \
             VALUES ($1, $2, 'promotion', $3)",
            &[stage, p, NOW],
        )
        .await;
    }
    for (j, p) in [(j1, own), (j1, other), (j2, other)] {
        exec(
            pool,
            "INSERT INTO assignments (stage_id, judge_id, proposal_id, manual, affinity, created_at) \
             VALUES ($1, $2, $3, 1, 0, $4)",
            &[stage, j, p, NOW],
        )
        .await;
    }
    for j in [j1, j2] {
        exec(
            pool,
            "INSERT INTO edition_judges (edition_id, judge_id, state, invited_at, declared_at) \
             VALUES ($1, $2, 'accepted', $3, $3)",
            &[edition, j, NOW],
        )
        .await;
    }
    exec(
        pool,
        "INSERT INTO conflicts (judge_id, proposal_id, source, reason, created_at) \
         VALUES ($1, $2, 'declared', 'mantan atasan', $3)",
        &[j1, other, NOW],
    )
    .await;
    Fixture {
        stage,
        own,
        other,
        j1,
    }
}

async fn field_verification_end_to_end(db: &TestDb) {
    let server = TestServer::start(db, true);
    let pool = db.connect().await;
    let f = fixture(&pool).await;
    let mut api = api_client(&server, db, COMMITTEE.0).await;

    // The defaults while the edition has no checklist; then the committee's own.
    let c: Value = api
        .get("/api/v1/field/checklist")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["is_default"], true);
    assert_eq!(c["items"].as_array().unwrap().len(), 5);
    assert_eq!(c["items"][1]["label"], "Bukti dukung asli tersedia");
    let mut committee = server.client();
    committee.login(COMMITTEE.0, COMMITTEE.1).await;
    let page = committee.get("/panitia/lapangan").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Layanan berjalan sesuai uraian proposal"));
    assert!(html.contains(&format!("id=\"usulan-{}\"", f.own)));
    let r = api
        .put_json(
            "/api/v1/field/checklist",
            &json!({"items": ["Layanan berjalan sesuai uraian proposal", "SOP/standar pelayanan terpasang", "Pengguna layanan membenarkan manfaat"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let c: Value = api
        .get("/api/v1/field/checklist")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["is_default"], false);
    let items: Vec<i64> = c["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(items.len(), 3);

    // An unannounced visit to the operator's proposal (page form), an announced one to
    // the other (API).
    let own = f.own.to_string();
    let r = committee
        .post_form(
            "/panitia/lapangan/kunjungan",
            &[
                ("proposal_id", own.as_str()),
                ("scheduled_at", "2022-12-08T09:30"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = api
        .post_json(
            "/api/v1/field/visits",
            &json!({"proposal_id": f.other, "scheduled_at": "2022-12-09T10:00", "announced": true}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let other_visit = r.json::<Value>().await.unwrap()["visit_id"]
        .as_i64()
        .unwrap();
    // A bad time keeps the form open with the message.
    let r = committee
        .post_form(
            "/panitia/lapangan/kunjungan",
            &[
                ("proposal_id", own.as_str()),
                ("scheduled_at", "besok pagi"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("besok pagi"));
    let list: Value = api.get("/api/v1/field/visits").await.json().await.unwrap();
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["proposal_id"] == f.own)
        .unwrap()
        .clone();
    assert_eq!(row["announced"], false);
    assert_eq!(row["scheduled_at"], "2022-12-08T02:30:00Z");
    assert_eq!(row["completed_at"], Value::Null);
    let visit = row["visit_id"].as_i64().unwrap();

    // The unit sees nothing of the unannounced visit.
    let mut operator = server.client();
    operator.login(OPERATOR.0, OPERATOR.1).await;
    let page = operator
        .get(&format!("/operator/usulan/{}", f.own))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("id=\"verifikasi-lapangan\""));
    assert!(!page.contains("2022-12-08"));
    assert_eq!(
        operator.get(&format!("/lapangan/{visit}")).await.status(),
        StatusCode::FORBIDDEN
    );

    // The assigned judge opens the phone form; the conflicted one gets 404.
    let mut judge = server.client();
    judge.login(JUDGE.0, JUDGE.1).await;
    let r = judge.get(&format!("/lapangan/{visit}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("accept=\"image/*\" capture=\"environment\""));
    assert!(html.contains("SOP/standar pelayanan terpasang"));
    assert!(html.contains(&format!("name=\"finding_{}\"", items[0])));
    judge.set_lang("en");
    let en = judge
        .get(&format!("/lapangan/{visit}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(en.contains("Field verification form"));
    assert!(en.contains("Cannot be assessed"));
    judge.set_lang("id");
    assert_eq!(
        judge
            .get(&format!("/lapangan/{other_visit}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        judge
            .get(&format!("/api/v1/field/visits/{other_visit}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let r = judge
        .post_form(&format!("/lapangan/{other_visit}"), &[("notes", "x")])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = judge
        .post_multipart(
            &format!("/lapangan/{other_visit}/foto"),
            &[],
            &[("photo", "bukti.png", PNG)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let sched = judge.get("/juri/jadwal").await.text().await.unwrap();
    assert!(sched.contains(&format!("/lapangan/{visit}")));
    assert!(!sched.contains(&format!("/lapangan/{other_visit}")));

    // Draft: one finding and notes.
    let (i0, i1, i2) = (
        format!("finding_{}", items[0]),
        format!("finding_{}", items[1]),
        format!("finding_{}", items[2]),
    );
    let n0 = format!("note_{}", items[0]);
    let r = judge
        .post_form(
            &format!("/lapangan/{visit}"),
            &[
                (i0.as_str(), "sesuai"),
                (
                    n0.as_str(),
                    "Antrean layanan berjalan; kartu tabungan diperlihatkan.",
                ),
                ("notes", "Kunjungan bersama penyuluh; 12 penyetor hadir."),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let v: Value = api
        .get(&format!("/api/v1/field/visits/{visit}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["answers"][0]["finding"], "sesuai");
    assert_eq!(
        v["answers"][0]["note"],
        "Antrean layanan berjalan; kartu tabungan diperlihatkan."
    );
    assert_eq!(v["answers"][1]["finding"], Value::Null);
    assert_eq!(v["notes"], "Kunjungan bersama penyuluh; 12 penyetor hadir.");
    assert_eq!(v["editable"], true);

    // A PNG photo is kept with its caption; a text file named .jpg is refused.
    let r = judge
        .post_multipart(
            &format!("/lapangan/{visit}/foto"),
            &[("caption", "Rumah produksi pakan lele")],
            &[("photo", "IMG_0001.png", PNG)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = judge
        .post_multipart(
            &format!("/lapangan/{visit}/foto"),
            &[("caption", "bukan foto")],
            &[("photo", "foto.jpg", b"ini bukan gambar".as_slice())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Berkas bukan foto: hanya gambar JPEG atau PNG"),
        "{html}"
    );
    assert!(html.contains("value=\"bukan foto\""));
    let v: Value = api
        .get(&format!("/api/v1/field/visits/{visit}"))
        .await
        .json()
        .await
        .unwrap();
    let photos = v["photos"].as_array().unwrap();
    assert_eq!(photos.len(), 1);
    assert_eq!(photos[0]["caption"], "Rumah produksi pakan lele");
    assert_eq!(photos[0]["content_type"], "image/png");
    let url = photos[0]["url"].as_str().unwrap().to_owned();
    let r = judge.get(&url).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);
    assert!(
        judge
            .get(&format!("/lapangan/{visit}"))
            .await
            .text()
            .await
            .unwrap()
            .contains("Rumah produksi pakan lele")
    );
    // The API refuses a non-image too, with the Indonesian message.
    let r = api
        .post_multipart(
            &format!("/api/v1/field/visits/{visit}/photos"),
            &[],
            &[("photo", "catatan.png", b"%PDF-1.4 bukan foto".as_slice())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["code"], "field.photo_type");
    assert!(
        body["error"]["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Berkas bukan foto")
    );

    // Completion needs every finding; then it records who and when.
    let r = judge
        .post_form(
            &format!("/lapangan/{visit}"),
            &[(i0.as_str(), "sesuai"), ("action", "complete")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Isi temuan untuk setiap butir")
    );
    let r = judge
        .post_form(
            &format!("/lapangan/{visit}"),
            &[
                (i0.as_str(), "sesuai"),
                (i1.as_str(), "tidak_sesuai"),
                (i2.as_str(), "tidak_dapat_dinilai"),
                ("notes", "Kunjungan bersama penyuluh; 12 penyetor hadir."),
                ("action", "complete"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let v: Value = api
        .get(&format!("/api/v1/field/visits/{visit}"))
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(v["completed_at"], Value::Null);
    assert_eq!(v["editable"], false);
    assert_eq!(v["answers"][1]["finding"], "tidak_sesuai");
    let judge_user = one(&pool, "SELECT id FROM users WHERE email = $1", JUDGE.0).await;
    assert_eq!(v["visited_by"], judge_user);
    let completed = one(
        &pool,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_events WHERE action = $1",
        "field.visit_completed",
    )
    .await;
    assert_eq!(completed, 1);
    let photos_logged = one(
        &pool,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_events WHERE action = $1",
        "field.photo_added",
    )
    .await;
    assert_eq!(photos_logged, 1);
    // A completed visit no longer changes.
    let r = judge
        .post_form(
            &format!("/lapangan/{visit}"),
            &[(i0.as_str(), "tidak_sesuai"), ("action", "save")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = api
        .put_json(
            &format!("/api/v1/field/visits/{visit}"),
            &json!({"notes": "ubah"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Now the unit sees that the visit took place.
    let page = operator
        .get(&format!("/operator/usulan/{}", f.own))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"verifikasi-lapangan\""), "{page}");
    assert!(page.contains("Verifikasi lapangan telah dilaksanakan"));

    // Only the committee reopens a completed visit, with a reason; the answers stay and the
    // judge corrects one and completes it again.
    let reopen = format!("/lapangan/{visit}/buka-kembali");
    let r = judge.post_form(&reopen, &[("reason", "salah isi")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let page = committee
        .get(&format!("/lapangan/{visit}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"reopen-form\""), "{page}");
    let r = committee.post_form(&reopen, &[("reason", "  ")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Tuliskan alasan"));
    let r = committee
        .post_form(&reopen, &[("reason", "Temuan butir kedua tertukar")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let v: Value = api
        .get(&format!("/api/v1/field/visits/{visit}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["completed_at"], Value::Null);
    assert_eq!(v["editable"], true);
    assert_eq!(v["answers"][1]["finding"], "tidak_sesuai", "answers kept");
    let reopened = one(
        &pool,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_events WHERE action = $1",
        "field.visit_reopened",
    )
    .await;
    assert_eq!(reopened, 1);
    let r = judge
        .post_form(
            &format!("/lapangan/{visit}"),
            &[
                (i0.as_str(), "sesuai"),
                (i1.as_str(), "sesuai"),
                (i2.as_str(), "tidak_dapat_dinilai"),
                ("action", "complete"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let v: Value = api
        .get(&format!("/api/v1/field/visits/{visit}"))
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(v["completed_at"], Value::Null);
    assert_eq!(v["answers"][1]["finding"], "sesuai");
    // An open visit has nothing to reopen.
    let r = api
        .post_json(
            &format!("/api/v1/field/visits/{other_visit}/reopen"),
            &json!({"reason": "uji"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The committee's list shows the state; the other visit through the API, then frozen.
    let html = committee
        .get("/panitia/lapangan")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Selesai"));
    assert!(html.contains("tanpa pemberitahuan"));
    let r = api
        .put_json(
            &format!("/api/v1/field/visits/{other_visit}"),
            &json!({"answers": [{"item_id": items[0], "finding": "baik"}]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = api
        .put_json(
            &format!("/api/v1/field/visits/{other_visit}"),
            &json!({"answers": [{"item_id": items[0], "finding": "sesuai", "note": "panitia"}], "notes": "catatan panitia"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.json::<Value>().await.unwrap()["answers"][0]["finding"],
        "sesuai"
    );
    exec(
        &pool,
        "INSERT INTO stage_judging (stage_id, rubric_json, updated_at, frozen_at) \
         VALUES ($1, '{}', $2, $2)",
        &[f.stage, NOW],
    )
    .await;
    let r = api
        .post_json(
            &format!("/api/v1/field/visits/{other_visit}/complete"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = api
        .post_json(
            "/api/v1/field/visits",
            &json!({"proposal_id": f.other, "scheduled_at": "2022-12-10T10:00"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Nor is a completed visit reopened once the stage is frozen.
    let r = api
        .post_json(
            &format!("/api/v1/field/visits/{visit}/reopen"),
            &json!({"reason": "terlambat"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let _ = f.j1;
}

async fn field_is_for_visitors_only(db: &TestDb) {
    let server = TestServer::start(db, true);
    let pool = db.connect().await;
    let f = fixture(&pool).await;
    let mut api = api_client(&server, db, COMMITTEE.0).await;
    let r = api
        .post_json(
            "/api/v1/field/visits",
            &json!({"proposal_id": f.own, "announced": true}),
        )
        .await;
    let visit = r.json::<Value>().await.unwrap()["visit_id"]
        .as_i64()
        .unwrap();
    // An announced visit without a time is shown to the unit as planned.
    let mut operator = server.client();
    operator.login(OPERATOR.0, OPERATOR.1).await;
    let page = operator
        .get(&format!("/operator/usulan/{}", f.own))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"verifikasi-lapangan\""));
    assert!(page.contains("waktunya akan diberitahukan"));
    for (email, password) in [OPERATOR, VIEWER, UNIT_HEAD] {
        let mut c = server.client();
        c.login(email, password).await;
        assert_eq!(
            c.get(&format!("/lapangan/{visit}")).await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            c.get("/panitia/lapangan").await.status(),
            StatusCode::FORBIDDEN
        );
    }
    let mut judge = server.client();
    judge.login(JUDGE.0, JUDGE.1).await;
    assert_eq!(
        judge.get("/panitia/lapangan").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        judge.get("/api/v1/field/visits").await.status(),
        StatusCode::FORBIDDEN
    );
    // A judge not assigned to the proposal gets 404, like a conflicted one.
    let mut bambang = server.client();
    bambang
        .login("bambang.wibowo@juri.kolabik.test", JUDGE.1)
        .await;
    assert_eq!(
        bambang.get(&format!("/lapangan/{visit}")).await.status(),
        StatusCode::NOT_FOUND
    );
    // A proposal outside the stage cannot get a visit.
    let outside: i64 =
        sqlx::query_scalar("SELECT id FROM proposals WHERE id <> $1 AND id <> $2 ORDER BY id")
            .bind(f.own)
            .bind(f.other)
            .fetch_one(&pool)
            .await
            .expect("a proposal outside the stage");
    let r = api
        .post_json(
            "/api/v1/field/visits",
            &json!({"proposal_id": outside, "announced": true}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Too many checklist lines are refused and kept in the form.
    let mut committee = server.client();
    committee.login(COMMITTEE.0, COMMITTEE.1).await;
    let many = "butir\n".repeat(41);
    let r = committee
        .post_form(
            "/panitia/lapangan/daftar-periksa",
            &[("items", many.as_str())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Daftar periksa paling banyak 40 butir")
    );
}
