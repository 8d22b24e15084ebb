//! Edition set-up by the committee: settings and eligibility rules, categories, the stage
//! timeline, deadlines with dispensations, and copying to next year. Every scenario runs on
//! SQLite and PostgreSQL.

mod common;

use common::{COMMITTEE, OPERATOR, TestDb, TestServer, location};
use kolabik_domain::{Instant, TimeZone};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    settings_form_keeps_input_and_saves,
    timeline_is_validated_and_enforced_with_dispensations,
    categories_can_be_added_and_unused_ones_removed,
    copy_to_next_year_carries_settings_timeline_and_roles,
    edition_api_follows_the_same_rules,
);

fn now() -> Instant {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    Instant(ms as i64)
}

/// Local WIB wall-clock time `minutes` from now, as a `datetime-local` value.
fn wib_in(minutes: i64) -> String {
    TimeZone::Wib
        .to_local(now().plus_seconds(minutes * 60))
        .to_string()
}

async fn settings_form_keeps_input_and_saves(db: &TestDb) {
    let server = TestServer::start(db, true);
    let mut c = server.client();
    c.login(COMMITTEE.0, COMMITTEE.1).await;
    let html = c.get("/panitia/edisi").await.text().await.unwrap();
    assert!(html.contains("value=\"Kolabik Kota Pasuruan 2022\""));
    assert!(
        html.contains("value=\"2022-10-29T09:00\""),
        "timeline shown in WIB wall-clock time"
    );

    let mut form = vec![
        ("year", "20x3"),
        ("name", ""),
        ("theme", "Inovasi pelayanan publik yang BerAKHLAK"),
        ("organiser", "Bagian Organisasi Setda Kota Pasuruan"),
        ("description", "Deskripsi baru yang panjang."),
        ("time_zone", "WIB"),
        ("min_months_in_operation", "24"),
        ("no_winner_within_editions", "1"),
        ("max_proposals_per_unit", "-2"),
    ];
    let r = c.post_form("/panitia/edisi", &form).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"e-year-error\">Tahun harus angka antara 2000 dan 2100."));
    assert!(html.contains("id=\"e-name-error\">Wajib diisi"));
    assert!(html.contains("id=\"e-max_proposals_per_unit-error\">"));
    assert!(html.contains("value=\"20x3\""), "typed year kept");
    assert!(
        html.contains("Deskripsi baru yang panjang."),
        "typed description kept"
    );
    assert!(html.contains("value=\"24\""));

    form[0] = ("year", "2022");
    form[1] = ("name", "Kolabik Kota Pasuruan 2022 (revisi)");
    form[8] = ("max_proposals_per_unit", "2");
    form.push(("approval_required", "on"));
    let r = c.post_form("/panitia/edisi", &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/panitia/edisi?saved=settings");
    let home = c.get("/").await.text().await.unwrap();
    assert!(home.contains("Kolabik Kota Pasuruan 2022 (revisi)"));
    let s: Value = c
        .get("/api/v1/edition/settings")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["approval_required"], true);
    assert_eq!(s["min_months_in_operation"], 24);
    assert_eq!(s["max_proposals_per_unit"], 2);
    let log: Value = c.get("/api/v1/audit").await.json().await.unwrap();
    let e = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "edition.updated")
        .unwrap();
    assert_eq!(e["before"]["name"], "Kolabik Kota Pasuruan 2022");
    assert_eq!(e["after"]["name"], "Kolabik Kota Pasuruan 2022 (revisi)");
    assert_eq!(e["after"]["rules"]["min_months_in_operation"], 24);
}

async fn timeline_is_validated_and_enforced_with_dispensations(db: &TestDb) {
    let server = TestServer::start(db, true);
    let mut c = server.client();
    c.login(COMMITTEE.0, COMMITTEE.1).await;

    let bad = [
        ("pengajuan_proposal.opens", "2023-11-18T10:00".to_owned()),
        ("pengajuan_proposal.closes", "2023-11-01T10:00".to_owned()),
        ("seleksi_administrasi.opens", "besok pagi".to_owned()),
        ("seleksi_administrasi.closes", "2023-11-25T16:00".to_owned()),
    ];
    let form: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = c.post_form("/panitia/edisi/tahapan", &form).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains(
        "id=\"t-pengajuan_proposal.closes-error\">Waktu selesai harus setelah waktu mulai."
    ));
    assert!(
        html.contains("id=\"t-seleksi_administrasi.opens-error\">Isi tanggal dan jam yang valid")
    );
    assert!(html.contains("value=\"besok pagi\""), "typed value kept");
    // Nothing changed.
    let e: Value = c.get("/api/v1/edition").await.json().await.unwrap();
    assert_eq!(e["stages"].as_array().unwrap().len(), 9);

    // Submission closed a minute ago; screening starts later.
    let good = [
        ("sosialisasi.opens", wib_in(-20_000)),
        ("sosialisasi.closes", wib_in(-19_900)),
        ("pengajuan_proposal.opens", wib_in(-10_000)),
        ("pengajuan_proposal.closes", wib_in(-1)),
        ("seleksi_administrasi.opens", wib_in(3_000)),
        ("seleksi_administrasi.closes", wib_in(6_000)),
    ];
    let form: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = c.post_form("/panitia/edisi/tahapan", &form).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let e: Value = c.get("/api/v1/edition").await.json().await.unwrap();
    let kinds: Vec<&str> = e["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["sosialisasi", "pengajuan_proposal", "seleksi_administrasi"]
    );
    assert_eq!(e["stages"][1]["status"], "closed");

    // The deadline has passed for everyone...
    let d: Value = c
        .get("/api/v1/deadline?unit=dinas-perikanan")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["open_now"], false);
    assert_eq!(d["refusal"], "closed");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .starts_with("Batas waktu telah lewat pada "),
        "{d}"
    );
    assert!(d["message"].as_str().unwrap().ends_with("WIB."), "{d}");

    // ...until one unit gets a dispensation, with a reason.
    let until = wib_in(2 * 24 * 60);
    let r = c
        .post_form(
            "/panitia/dispensasi",
            &[
                ("unit", "dinas-perikanan"),
                ("stage", "pengajuan_proposal"),
                ("until", &until),
                ("reason", "pendek"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"d-reason-error\">Tuliskan alasan"));
    assert!(
        html.contains(&format!("value=\"{until}\"")),
        "typed deadline kept"
    );
    let reason =
        "Server kantor mati listrik pada hari terakhir pengajuan (berita acara PLN terlampir).";
    let r = c
        .post_form(
            "/panitia/dispensasi",
            &[
                ("unit", "dinas-perikanan"),
                ("stage", "pengajuan_proposal"),
                ("until", &until),
                ("reason", reason),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let d: Value = c
        .get("/api/v1/deadline?unit=dinas-perikanan")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["open_now"], true, "{d}");
    let other: Value = c
        .get("/api/v1/deadline?unit=dispendukcapil")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(other["open_now"], false, "exactly that unit");

    // The unit's operator may ask about their own unit only.
    let mut op = server.client();
    op.login(OPERATOR.0, OPERATOR.1).await;
    let own: Value = op
        .get("/api/v1/deadline?unit=dinas-perikanan")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["open_now"], true);
    let dash = op.get("/operator").await.text().await.unwrap();
    assert!(
        dash.contains("<strong>Pengajuan proposal:</strong> dibuka, batas waktu "),
        "operator sees the extended deadline"
    );
    assert_eq!(
        op.get("/api/v1/deadline?unit=dispendukcapil")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    let page = c.get("/panitia/dispensasi").await.text().await.unwrap();
    assert!(page.contains(reason));
    let list: Value = c.get("/api/v1/dispensations").await.json().await.unwrap();
    let id = list[0]["id"].as_i64().unwrap();
    let r = c
        .post_form(&format!("/panitia/dispensasi/{id}/cabut"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let d: Value = c
        .get("/api/v1/deadline?unit=dinas-perikanan")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["open_now"], false, "revoked");
    let dash = op.get("/operator").await.text().await.unwrap();
    assert!(dash.contains("<strong>Pengajuan proposal:</strong> Batas waktu telah lewat pada "));
    let list: Value = c.get("/api/v1/dispensations").await.json().await.unwrap();
    assert!(
        list[0]["revoked_at"].is_string(),
        "the record stays, marked revoked"
    );
    let log: Value = c.get("/api/v1/audit").await.json().await.unwrap();
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"dispensation.granted") && actions.contains(&"dispensation.revoked"));
    assert!(actions.contains(&"edition.timeline_saved"));
}

async fn categories_can_be_added_and_unused_ones_removed(db: &TestDb) {
    let server = TestServer::start(db, true);
    let mut c = server.client();
    c.login(COMMITTEE.0, COMMITTEE.1).await;
    let r = c
        .post_form(
            "/panitia/edisi/kategori",
            &[("code", "Inovasi Desa"), ("name", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"k-code-error\">Kode hanya boleh berisi huruf kecil"));
    assert!(html.contains("value=\"Inovasi Desa\""));
    let r = c
        .post_form(
            "/panitia/edisi/kategori",
            &[
                ("code", "energi"),
                ("name", "Energi"),
                ("description", "Hemat energi"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = c
        .post_form(
            "/panitia/edisi/kategori",
            &[("code", "energi"), ("name", "Energi lagi")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Kode kategori ini sudah ada")
    );

    let e: Value = c.get("/api/v1/edition").await.json().await.unwrap();
    let cats = e["categories"].as_array().unwrap();
    let energi = cats.iter().find(|c| c["code"] == "energi").unwrap()["id"]
        .as_i64()
        .unwrap();
    let used = cats.iter().find(|c| c["code"] == "kesehatan").unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = c
        .post_form(&format!("/panitia/edisi/kategori/{used}/hapus"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("sudah dipakai usulan"));
    let r = c
        .post_form(&format!("/panitia/edisi/kategori/{energi}/hapus"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let e: Value = c.get("/api/v1/edition").await.json().await.unwrap();
    assert_eq!(e["categories"].as_array().unwrap().len(), cats.len() - 1);
}

async fn copy_to_next_year_carries_settings_timeline_and_roles(db: &TestDb) {
    let server = TestServer::start(db, true);
    let mut c = server.client();
    c.login(COMMITTEE.0, COMMITTEE.1).await;
    let r = c.post_form("/panitia/edisi/salin", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let e: Value = c.get("/api/v1/edition").await.json().await.unwrap();
    assert_eq!(e["year"], 2023);
    assert_eq!(e["name"], "Kolabik Kota Pasuruan 2023");
    assert_eq!(
        e["theme"],
        "Inovasi pelayanan publik yang BerAKHLAK, menuju kota Madinah"
    );
    assert_eq!(e["stages"].as_array().unwrap().len(), 9);
    assert_eq!(
        e["stages"][0]["opens_at"], "2023-10-29T02:00:00Z",
        "same wall-clock date a year later"
    );
    assert_eq!(e["categories"].as_array().unwrap().len(), 7);
    assert_eq!(e["proposals_submitted"], 0, "proposals stay with 2022");
    // Roles came along: the committee still works, and so does the operator.
    assert_eq!(c.get("/panitia").await.status(), StatusCode::OK);
    let mut op = server.client();
    op.login(OPERATOR.0, OPERATOR.1).await;
    assert_eq!(op.get("/operator").await.status(), StatusCode::OK);
    let home = c.get("/").await.text().await.unwrap();
    assert!(home.contains("29 Oktober 2023, 09.00 WIB"));
}

async fn edition_api_follows_the_same_rules(db: &TestDb) {
    let server = TestServer::start(db, true);
    let (ok, out, err) = db.cli(&["token", "create", "--email", COMMITTEE.0], None);
    assert!(ok, "{err}");
    let mut api = common::Client::new(&server.base);
    api.origin = None;
    api.bearer = Some(out.trim().to_owned());
    let body = json!({
        "year": 1999, "name": "", "organiser": "Bagian Organisasi", "time_zone": "UTC",
        "min_months_in_operation": 12, "no_winner_within_editions": 0, "max_proposals_per_unit": 3
    });
    let r = api.post_json("/api/v1/edition/settings", &body).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    let fields: Vec<&str> = v["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["year", "name", "time_zone"]);
    let body = json!({
        "year": 2022, "name": "Kolabik 2022", "organiser": "Bagian Organisasi", "time_zone": "WITA",
        "approval_required": true, "min_months_in_operation": 6, "no_winner_within_editions": 2, "max_proposals_per_unit": 0
    });
    let v: Value = api
        .post_json("/api/v1/edition/settings", &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["time_zone"], "WITA");
    assert_eq!(v["no_winner_within_editions"], 2);
    assert_eq!(v["max_attachment_mb"], 5, "omitted: unchanged");
    let mut limits = v.clone();
    limits["max_attachment_mb"] = json!(50);
    let r = api.post_json("/api/v1/edition/settings", &limits).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["fields"][0]["field"], "max_attachment_mb");
    limits["max_attachment_mb"] = json!(12);
    let v: Value = api
        .post_json("/api/v1/edition/settings", &limits)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["max_attachment_mb"], 12);

    let stages = json!([
        {"kind": "pengajuan_proposal", "opens": "2022-11-01T08:00", "closes": "2022-11-18T23:59"},
        {"kind": "penilaian", "opens": "2022-11-24T08:00", "closes": "2022-12-02T23:59"}
    ]);
    let v: Value = api
        .post_json("/api/v1/edition/stages", &stages)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[0]["closes"], "2022-11-18T23:59");
    let e: Value = api.get("/api/v1/edition").await.json().await.unwrap();
    assert_eq!(
        e["stages"][0]["closes_at"], "2022-11-18T15:59:00Z",
        "WITA is UTC+8"
    );

    let r = api
        .post_json(
            "/api/v1/edition/categories",
            &json!({"code": "umum", "name": "Umum"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = api
        .post_json("/api/v1/dispensations", &json!({"unit": "tidak-ada", "stage": "pengajuan_proposal", "until": "2022-11-20T10:00", "reason": "x"}))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    let fields: Vec<&str> = v["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["unit", "reason"]);

    let doc: Value = api.get("/api/v1/openapi.json").await.json().await.unwrap();
    for path in [
        "/api/v1/edition/settings",
        "/api/v1/edition/stages",
        "/api/v1/dispensations",
        "/api/v1/deadline",
        "/api/v1/editions/copy",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from OpenAPI"
        );
    }

    let mut op = server.client();
    op.login(OPERATOR.0, OPERATOR.1).await;
    assert_eq!(
        op.get("/api/v1/edition/settings").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        op.post_json("/api/v1/editions/copy", &json!({}))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}
