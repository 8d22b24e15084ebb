//! Administrative screening on both backends: the automatic checks on the demo's submitted
//! proposals, a duplicate title flagged, decisions held and released together (states,
//! e-mails, the reasons on the operator's editor, audit), reasons required, read-only view
//! of a proposal not awaiting screening, and refusals for other roles.

mod common;

use common::{COMMITTEE, Client, JUDGE, OPERATOR, TestDb, TestServer, UNIT_HEAD, VIEWER, location};
use kolabik_domain::{Instant, TimeZone};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    screening_holds_and_releases_decisions,
    screening_is_for_the_committee_only
);

const BIDAN: &str = "Bidan Siaga Akta (Bayi Lahir, Akta, KK, dan KIA Langsung Terbit)";
const DASI: &str = "Dasi Kelurahan (Dasbor Statistik Kelurahan)";
const DUKCAPIL: (&str, &str) = ("operator.dispendukcapil@kolabik.test", "Dukcapil-2022!");
const RETURN_REASON: &str =
    "Indikator sebelum dan sesudah belum diisi; lengkapi data waktu layanan.";

fn wib_in(minutes: i64) -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    TimeZone::Wib
        .to_local(Instant(ms).plus_seconds(minutes * 60))
        .to_string()
}

/// A committee API client (bearer token) with submission open, no head approval, no quota.
async fn committee_api(server: &TestServer, db: &TestDb) -> Client {
    let (ok, out, err) = db.cli(&["token", "create", "--email", COMMITTEE.0], None);
    assert!(ok, "{err}");
    let mut api = Client::new(&server.base);
    api.origin = None;
    api.bearer = Some(out.trim().to_owned());
    let stages = json!([
        {"kind": "pengajuan_proposal", "opens": wib_in(-24 * 60), "closes": wib_in(24 * 60)},
        {"kind": "seleksi_administrasi", "opens": wib_in(25 * 60), "closes": wib_in(8 * 24 * 60)}
    ]);
    let r = api.post_json("/api/v1/edition/stages", &stages).await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let mut s: Value = api
        .get("/api/v1/edition/settings")
        .await
        .json()
        .await
        .unwrap();
    s["approval_required"] = json!(false);
    s["max_proposals_per_unit"] = json!(0);
    let r = api.post_json("/api/v1/edition/settings", &s).await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        r.text().await.unwrap_or_default()
    );
    api
}

async fn queue(api: &mut Client) -> Vec<Value> {
    let r = api.get("/api/v1/screening").await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.unwrap().as_array().unwrap().clone()
}

fn by_title<'a>(q: &'a [Value], title: &str) -> &'a Value {
    q.iter()
        .find(|i| i["title"] == title)
        .unwrap_or_else(|| panic!("{title} not in the queue: {q:?}"))
}

fn check<'a>(item: &'a Value, code: &str) -> &'a Value {
    item["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .unwrap_or_else(|| panic!("no check {code}"))
}

async fn state_of(api: &mut Client, id: i64) -> String {
    let v: Value = api
        .get(&format!("/api/v1/proposals/{id}"))
        .await
        .json()
        .await
        .unwrap();
    v["state"].as_str().unwrap().to_owned()
}

/// The operator of Dinas Perikanan writes and submits a proposal titled like a submitted
/// one (other case and spacing).
async fn submit_duplicate(server: &TestServer) -> i64 {
    let mut op = server.client();
    op.login(OPERATOR.0, OPERATOR.1).await;
    let title = format!("  {}  ", BIDAN.to_uppercase().replace(' ', "   "));
    let r = op.post_form("/operator/usulan", &[("title", &title)]).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let id: i64 = location(&r).rsplit('/').next().unwrap().parse().unwrap();
    let d: Value = op
        .get(&format!("/api/v1/proposals/{id}"))
        .await
        .json()
        .await
        .unwrap();
    let words = |n: usize| vec!["layanan"; n].join(" ");
    let version = d["version"].as_i64().unwrap().to_string();
    let long = words(40);
    let form: Vec<(&str, &str)> = vec![
        ("version", &version),
        ("title", &title),
        ("category", "ekonomi-kerja"),
        ("innovation_stage", "penerapan"),
        ("started_on", "2020-02"),
        ("implemented_on", "2020-08"),
        ("summary", &long),
        ("problem", &long),
        ("idea", &long),
        ("novelty", &long),
        ("stakeholders", &long),
        ("resources", &long),
        ("sustainability", &long),
        ("replicability", &long),
        ("results", &long),
        ("lessons", ""),
        ("values", "kolaboratif"),
        ("sdgs", "8"),
        ("ind.steps.before", "5"),
        ("ind.steps.after", "7"),
        ("ind.steps.evidence", "Standar pelayanan"),
    ];
    let r = op.post_form(&format!("/operator/usulan/{id}"), &form).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let r = op
        .post_form(
            &format!("/operator/usulan/{id}/ajukan"),
            &[("declaration", "on")],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap_or_default()
    );
    id
}

async fn screening_holds_and_releases_decisions(db: &TestDb) {
    let server = TestServer::start(db, true);
    let mut api = committee_api(&server, db).await;

    // The demo's three submitted proposals, each with every automatic check.
    let q = queue(&mut api).await;
    assert_eq!(q.len(), 3, "{q:?}");
    for item in &q {
        let codes: Vec<&str> = item["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["code"].as_str().unwrap())
            .collect();
        assert_eq!(
            codes,
            [
                "sections",
                "word_limits",
                "atm",
                "values_sdgs",
                "indicators",
                "min_months",
                "recent_winner",
                "duplicate_title"
            ]
        );
        // The demo texts have no indicators yet.
        assert_eq!(check(item, "indicators")["passed"], false);
        assert_eq!(check(item, "duplicate_title")["passed"], true);
        assert_eq!(
            item["passed"].as_u64().unwrap() + item["failed"].as_u64().unwrap(),
            8
        );
        assert!(item["held"].is_null());
    }
    let bidan = by_title(&q, BIDAN)["id"].as_i64().unwrap();
    let dasi = by_title(&q, DASI)["id"].as_i64().unwrap();

    // A second proposal with the same title (other case and spacing) is flagged, and so is
    // the first; its worse indicator is a warning, not a failure.
    let dup = submit_duplicate(&server).await;
    let q = queue(&mut api).await;
    assert_eq!(q.len(), 4);
    let dup_item = q.iter().find(|i| i["id"] == dup).unwrap();
    assert_eq!(check(dup_item, "duplicate_title")["passed"], false);
    assert_eq!(
        check(dup_item, "duplicate_title")["detail"],
        "screening.detail_duplicate_title"
    );
    assert_eq!(check(dup_item, "indicators")["passed"], true);
    assert_eq!(check(dup_item, "indicators")["warning"], true);
    assert_eq!(dup_item["warnings"], 1);
    assert_eq!(check(dup_item, "sections")["passed"], true);
    assert_eq!(
        check(by_title(&q, BIDAN), "duplicate_title")["passed"],
        false
    );
    assert_eq!(check(by_title(&q, DASI), "duplicate_title")["passed"], true);

    // Reject without reasons: 422 with the field, through the API and the page.
    let r = api
        .post_json(
            &format!("/api/v1/proposals/{dup}/screening"),
            &json!({"decision": "reject", "reasons": "  "}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["fields"][0]["field"], "reasons");
    assert_eq!(
        v["error"]["fields"][0]["code"],
        "screening.error_reasons_reject"
    );
    let mut web = server.client();
    web.login(COMMITTEE.0, COMMITTEE.1).await;
    let page = web.get(&format!("/panitia/seleksi/{dup}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("id=\"auto-checks\""));
    assert!(html.contains("Judul yang sama sudah pernah diajukan"));
    let r = web
        .post_form(
            &format!("/panitia/seleksi/{dup}"),
            &[("decision", "return"), ("reasons", "kurang"), ("hold", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"reasons-error\""));
    assert!(html.contains("paling sedikit 10 karakter"));
    assert!(html.contains(">kurang</textarea>"), "typed reasons kept");
    assert!(html.contains("value=\"return\" checked"), "choice kept");
    assert_eq!(state_of(&mut api, dup).await, "submitted");

    // The committee's checklist, then two held decisions: nothing changes yet.
    let r = web
        .post_form(
            "/panitia/seleksi/daftar-periksa",
            &[(
                "items",
                "Surat pengantar kepala unit ada\nDokumen standar pelayanan terlampir\n",
            )],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = web
        .get(&format!("/panitia/seleksi/{dasi}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Surat pengantar kepala unit ada"));
    let item_id: String = html
        .split("name=\"checked\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let r = web
        .post_form(
            &format!("/panitia/seleksi/{dasi}"),
            &[("decision", "pass"), ("checked", &item_id), ("hold", "1")],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let r = api
        .post_json(
            &format!("/api/v1/proposals/{bidan}/screening"),
            &json!({"decision": "return", "reasons": RETURN_REASON, "hold": true}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::NO_CONTENT,
        "{}",
        r.text().await.unwrap_or_default()
    );
    assert_eq!(state_of(&mut api, dasi).await, "submitted");
    assert_eq!(state_of(&mut api, bidan).await, "submitted");
    let q = queue(&mut api).await;
    assert_eq!(by_title(&q, DASI)["held"]["decision"], "pass");
    assert_eq!(by_title(&q, BIDAN)["held"]["decision"], "return");
    let html = web.get("/panitia/seleksi").await.text().await.unwrap();
    assert!(html.contains("action=\"/panitia/seleksi/rilis\""));
    let outbox_before: Value = api
        .get("/api/v1/outbox?page_size=200")
        .await
        .json()
        .await
        .unwrap();
    let results_before = outbox_before["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "screening_result")
        .count();
    assert_eq!(results_before, 0, "held decisions send nothing");

    // Release: both change together.
    let r = api.post_json("/api/v1/screening/release", &json!({})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["released"], 2);
    assert_eq!(state_of(&mut api, dasi).await, "passed_screening");
    assert_eq!(state_of(&mut api, bidan).await, "returned");
    let q = queue(&mut api).await;
    assert_eq!(q.len(), 2);
    assert!(q.iter().all(|i| i["held"].is_null()));
    let r = api.post_json("/api/v1/screening/release", &json!({})).await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["released"],
        0,
        "nothing left held"
    );

    // The result e-mail to the returned proposal's operator, with the reasons.
    let outbox: Value = api
        .get("/api/v1/outbox?page_size=200")
        .await
        .json()
        .await
        .unwrap();
    let mail = outbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "screening_result" && m["to_email"] == DUKCAPIL.0)
        .expect("screening result e-mail queued");
    assert!(
        mail["subject"]
            .as_str()
            .unwrap()
            .contains("Hasil seleksi administrasi")
    );
    let body = mail["body_text"].as_str().unwrap();
    assert!(body.contains("dikembalikan untuk perbaikan"), "{body}");
    assert!(body.contains(RETURN_REASON), "{body}");

    // The operator sees the reasons on the editor, and a notice.
    let mut dukcapil = server.client();
    dukcapil.login(DUKCAPIL.0, DUKCAPIL.1).await;
    let html = dukcapil
        .get(&format!("/operator/usulan/{bidan}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"state-reason\""));
    assert!(html.contains(RETURN_REASON));
    let notices = dukcapil.get("/pemberitahuan").await.text().await.unwrap();
    assert!(
        notices.contains("dikembalikan untuk perbaikan"),
        "{notices}"
    );

    // Audit: the held decisions, each state change, the release.
    let audit: Value = api
        .get("/api/v1/audit?page_size=200")
        .await
        .json()
        .await
        .unwrap();
    let events = audit["items"].as_array().unwrap();
    let (dasi_s, bidan_s) = (dasi.to_string(), bidan.to_string());
    let count = |action: &str, id: Option<&str>| {
        events
            .iter()
            .filter(|e| e["action"] == action)
            .filter(|e| id.is_none_or(|id| e["entity_id"] == id))
            .count()
    };
    assert_eq!(count("screening.held", Some(&dasi_s)), 1);
    assert_eq!(count("screening.held", Some(&bidan_s)), 1);
    assert_eq!(count("proposal.screened", Some(&dasi_s)), 1);
    assert_eq!(count("proposal.screened", Some(&bidan_s)), 1);
    assert_eq!(count("screening.released", None), 2);
    assert_eq!(count("screening.checklist_changed", None), 1);
    let held = events
        .iter()
        .find(|e| e["action"] == "screening.held" && e["entity_id"] == dasi_s.as_str())
        .unwrap();
    assert_eq!(held["after"]["checklist"][0]["ticked"], true);
    assert_eq!(held["after"]["checklist"][1]["ticked"], false);
    let screened = events
        .iter()
        .find(|e| e["action"] == "proposal.screened" && e["entity_id"] == bidan_s.as_str())
        .unwrap();
    assert_eq!(screened["before"]["state"], "submitted");
    assert_eq!(screened["after"]["state"], "returned");

    // An immediate decision on the duplicate; then it can no longer be screened.
    let r = web
        .post_form(
            &format!("/panitia/seleksi/{dup}"),
            &[
                ("decision", "reject"),
                ("reasons", "Judul dan isi sama dengan usulan lain."),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(state_of(&mut api, dup).await, "rejected");
    let r = api
        .post_json(
            &format!("/api/v1/proposals/{dup}/screening"),
            &json!({"decision": "pass"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A proposal not awaiting screening (the demo's winner) shows read-only.
    let r = web.get("/panitia/seleksi/1").await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"not-awaiting\""));
    assert!(!html.contains("name=\"decision\""));
    let html = web
        .get(&format!("/panitia/seleksi/{dup}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Judul dan isi sama dengan usulan lain."),
        "history"
    );

    // The committee dashboard links to screening; the OpenAPI document lists it.
    let html = web.get("/panitia").await.text().await.unwrap();
    assert!(html.contains("href=\"/panitia/seleksi\""));
    let doc: Value = api.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert!(doc["paths"]["/api/v1/screening"]["get"].is_object());
    assert!(doc["paths"]["/api/v1/proposals/{id}/screening"]["post"].is_object());
    server.stop();
}

async fn screening_is_for_the_committee_only(db: &TestDb) {
    let server = TestServer::start(db, true);
    for (email, password) in [OPERATOR, JUDGE, VIEWER, UNIT_HEAD, DUKCAPIL] {
        let mut c = server.client();
        c.login(email, password).await;
        assert_eq!(
            c.get("/panitia/seleksi").await.status(),
            StatusCode::FORBIDDEN,
            "{email}"
        );
        assert_eq!(
            c.get("/panitia/seleksi/1").await.status(),
            StatusCode::FORBIDDEN,
            "{email}"
        );
        assert_eq!(
            c.get("/api/v1/screening").await.status(),
            StatusCode::FORBIDDEN,
            "{email}"
        );
        let r = c
            .post_json(
                "/api/v1/proposals/1/screening",
                &json!({"decision": "pass"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{email}");
        let r = c.post_json("/api/v1/screening/release", &json!({})).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{email}");
        let r = c.post_form("/panitia/seleksi/rilis", &[]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{email}");
    }
    let mut anon = server.client();
    assert_eq!(
        anon.get("/api/v1/screening").await.status(),
        StatusCode::UNAUTHORIZED
    );
    server.stop();
}
