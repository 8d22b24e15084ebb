//! The participant flow on both backends: a draft written and saved (never lost, even when
//! two people save at once), its history and diff, service indicators and their flags,
//! submission against the deadline with dispensations, the head's approval, the receipt,
//! return for revision and resubmission.

mod common;

use common::{COMMITTEE, Client, OPERATOR, TestDb, TestServer, UNIT_HEAD, location};
use kolabik_domain::{Instant, TimeZone};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    a_proposal_from_draft_to_receipt_and_back,
    the_deadline_holds_except_for_a_dispensation,
    saves_never_lose_text,
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

/// Opens proposal submission now (closing in `closes_in` minutes), screening after it.
async fn open_submission(server: &TestServer, db: &TestDb, closes_in: i64) -> Client {
    let (ok, out, err) = db.cli(&["token", "create", "--email", COMMITTEE.0], None);
    assert!(ok, "{err}");
    let mut api = Client::new(&server.base);
    api.origin = None;
    api.bearer = Some(out.trim().to_owned());
    let stages = json!([
        {"kind": "pengajuan_proposal", "opens": wib_in(-24 * 60), "closes": wib_in(closes_in)},
        {"kind": "seleksi_administrasi", "opens": wib_in(closes_in + 60), "closes": wib_in(closes_in + 7 * 24 * 60)}
    ]);
    let r = api.post_json("/api/v1/edition/stages", &stages).await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        r.text().await.unwrap_or_default()
    );
    api
}

fn words(n: usize, word: &str) -> String {
    vec![word; n].join(" ")
}

/// A complete editor form at `version`.
fn complete_form(version: i64) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = vec![
        ("version".into(), version.to_string()),
        ("title".into(), "Sibakul (Sistem Bank Kulit Ikan)".into()),
        ("category".into(), "ekonomi-kerja".into()),
        ("innovation_stage".into(), "penerapan".into()),
        ("started_on".into(), "2021-02".into()),
        ("implemented_on".into(), "2021-06".into()),
        (
            "summary".into(),
            "Limbah kulit ikan dari pasar diolah kelompok nelayan menjadi kerupuk bernilai jual."
                .into(),
        ),
        ("problem".into(), words(40, "limbah")),
        ("idea".into(), words(60, "olah")),
        (
            "novelty".into(),
            "Pertama di Kota Pasuruan: bank sampah khusus kulit ikan.".into(),
        ),
        (
            "stakeholders".into(),
            "Kelompok nelayan, PKK, koperasi, Dinas Koperasi.".into(),
        ),
        (
            "resources".into(),
            "APBD Rp 25 juta dan swadaya kelompok.".into(),
        ),
        (
            "sustainability".into(),
            "SK Kepala Dinas dan anggaran rutin tiap tahun.".into(),
        ),
        (
            "replicability".into(),
            "Dapat diterapkan di kampung nelayan lain.".into(),
        ),
        (
            "results".into(),
            "Pendapatan kelompok naik 30 persen.".into(),
        ),
        ("values".into(), "berorientasi_pelayanan".into()),
        ("values".into(), "kolaboratif".into()),
        ("sdgs".into(), "8".into()),
        ("sdgs".into(), "14".into()),
        ("ind.processing_time.before".into(), "3".into()),
        (
            "ind.processing_time.before_unit".into(),
            "working_days".into(),
        ),
        ("ind.processing_time.after".into(), "2".into()),
        ("ind.processing_time.after_unit".into(), "hours".into()),
        ("ind.processing_time.evidence".into(), "SOP 2022".into()),
        ("ind.steps.before".into(), "5".into()),
        ("ind.steps.after".into(), "7".into()),
        ("ind.steps.evidence".into(), "Standar pelayanan".into()),
    ];
    f.push(("lessons".into(), String::new()));
    f
}

fn pairs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn create_draft(op: &mut Client, title: &str) -> i64 {
    let r = op.post_form("/operator/usulan", &[("title", title)]).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap_or_default()
    );
    location(&r).rsplit('/').next().unwrap().parse().unwrap()
}

async fn detail(c: &mut Client, id: i64) -> Value {
    c.get(&format!("/api/v1/proposals/{id}"))
        .await
        .json()
        .await
        .unwrap()
}

async fn a_proposal_from_draft_to_receipt_and_back(db: &TestDb) {
    let server = TestServer::start(db, true);
    let mut committee_api = open_submission(&server, db, 24 * 60).await;
    let mut op = server.client();
    op.login(OPERATOR.0, OPERATOR.1).await;
    // Dinas Perikanan already has 3 proposals in the demo; one was withdrawn? The quota is 3.
    let r = op
        .post_form("/operator/usulan", &[("title", "Usulan keempat")])
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "quota of 3 per unit"
    );
    assert!(r.text().await.unwrap().contains("batas jumlah usulan"));
    // Raise the quota through the settings API.
    let s: Value = committee_api
        .get("/api/v1/edition/settings")
        .await
        .json()
        .await
        .unwrap();
    let mut body = s.clone();
    body["max_proposals_per_unit"] = json!(5);
    assert_eq!(
        committee_api
            .post_json("/api/v1/edition/settings", &body)
            .await
            .status(),
        StatusCode::OK
    );

    let id = create_draft(&mut op, "Sibakul").await;
    let page = op
        .get(&format!("/operator/usulan/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("data-autosave"), "the editor autosaves");
    assert!(page.contains("Sebelum diajukan, lengkapi:"));

    let d = detail(&mut op, id).await;
    let form = complete_form(d["version"].as_i64().unwrap());
    let r = op
        .post_form(&format!("/operator/usulan/{id}"), &pairs(&form))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = op
        .get(&format!("/operator/usulan/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"worse-flag\""),
        "7 steps instead of 5 is flagged"
    );
    assert!(page.contains("<strong class=\"flag\">memburuk</strong>"));
    let d = detail(&mut op, id).await;
    let steps = d["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "steps")
        .unwrap();
    assert_eq!(steps["worse"], true);
    let time = d["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "processing_time")
        .unwrap();
    assert_eq!(time["worse"], false);
    assert_eq!(time["delta"], json!(120.0 - 3.0 * 480.0));
    assert_eq!(
        d["missing"].as_array().unwrap().len(),
        0,
        "{}",
        d["missing"]
    );

    // No declaration, no submission.
    let r = op
        .post_form(&format!("/operator/usulan/{id}/ajukan"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Centang pernyataan kebenaran data")
    );
    let r = op
        .post_form(
            &format!("/operator/usulan/{id}/ajukan"),
            &[("declaration", "on")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let d = detail(&mut op, id).await;
    assert_eq!(
        d["state"], "awaiting_approval",
        "the demo edition requires the head's approval"
    );
    assert!(d["receipt_number"].is_null());
    // Locked while waiting.
    let r = op
        .post_form(
            &format!("/operator/usulan/{id}"),
            &pairs(&complete_form(d["version"].as_i64().unwrap())),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let mut head = server.client();
    head.login(UNIT_HEAD.0, UNIT_HEAD.1).await;
    let page = head.get("/kepala-unit").await.text().await.unwrap();
    assert!(page.contains("Sibakul (Sistem Bank Kulit Ikan)"));
    let r = head
        .post_form(&format!("/kepala-unit/usulan/{id}/setujui"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let d = detail(&mut op, id).await;
    assert_eq!(d["state"], "submitted");
    let receipt = d["receipt_number"].as_str().unwrap().to_owned();
    assert!(receipt.starts_with("KLB-2022-"), "{receipt}");

    let mut committee = server.client();
    committee.login(COMMITTEE.0, COMMITTEE.1).await;
    let mail: Value = committee
        .get("/api/v1/outbox?page_size=100")
        .await
        .json()
        .await
        .unwrap();
    let items = mail["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|m| m["kind"] == "approval_requested" && m["to_email"] == UNIT_HEAD.0),
        "{mail}"
    );
    let receipt_mail = items
        .iter()
        .find(|m| m["kind"] == "submission_receipt" && m["to_email"] == OPERATOR.0)
        .expect("receipt e-mail");
    assert!(receipt_mail["subject"].as_str().unwrap().contains(&receipt));

    // The committee returns it with reasons; the operator revises and resubmits.
    let r = committee
        .post_form(
            &format!("/panitia/usulan/{id}/kembalikan"),
            &[("reason", "pendek")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let reason = "Lampirkan SK Kepala Dinas dan jelaskan mengapa jumlah tahapan bertambah.";
    let r = committee
        .post_form(
            &format!("/panitia/usulan/{id}/kembalikan"),
            &[("reason", reason)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = op
        .get(&format!("/operator/usulan/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(reason),
        "the operator sees the committee's reasons"
    );
    assert!(page.contains("Dikembalikan untuk perbaikan"));
    let d = detail(&mut op, id).await;
    let mut form = complete_form(d["version"].as_i64().unwrap());
    for (k, v) in form.iter_mut() {
        if k == "ind.steps.after" {
            *v = "4".into();
        }
        if k == "idea" {
            *v = format!("{} SK Kepala Dinas terlampir.", words(60, "olah"));
        }
    }
    let r = op
        .post_form(&format!("/operator/usulan/{id}"), &pairs(&form))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = op
        .post_form(
            &format!("/operator/usulan/{id}/ajukan"),
            &[("declaration", "on")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = head
        .post_form(&format!("/kepala-unit/usulan/{id}/setujui"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let d = detail(&mut op, id).await;
    assert_eq!(d["state"], "submitted");
    assert_eq!(
        d["receipt_number"],
        receipt.as_str(),
        "a resubmission keeps its receipt number"
    );
    let mail: Value = committee
        .get("/api/v1/outbox?page_size=100")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        mail["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["kind"] == "proposal_returned" && m["to_email"] == OPERATOR.0)
    );

    // History: a readable diff of what changed in the revision.
    let versions: Value = op
        .get(&format!("/api/v1/proposals/{id}/versions"))
        .await
        .json()
        .await
        .unwrap();
    assert!(versions.as_array().unwrap().len() >= 2, "{versions}");
    let page = op
        .get(&format!("/usulan/{id}/riwayat"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<ins>SK Kepala Dinas terlampir.</ins>"),
        "{page}"
    );

    // Other units cannot see it; judges cannot list it.
    let mut other = server.client();
    other
        .login(
            "operator.puskesmas-karangketug@kolabik.test",
            "Karangketug-2022!",
        )
        .await;
    assert_eq!(
        other.get(&format!("/operator/usulan/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other.get(&format!("/api/v1/proposals/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let log: Value = committee
        .get("/api/v1/audit?page_size=200")
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "proposal.created",
        "proposal.submitted",
        "proposal.approved",
        "proposal.returned",
    ] {
        assert!(actions.contains(&a), "{a} missing from the audit log");
    }
}

async fn the_deadline_holds_except_for_a_dispensation(db: &TestDb) {
    let server = TestServer::start(db, true);
    let mut committee_api = open_submission(&server, db, 24 * 60).await;
    // No head approval in this edition: submission goes straight to the committee.
    let mut s: Value = committee_api
        .get("/api/v1/edition/settings")
        .await
        .json()
        .await
        .unwrap();
    s["approval_required"] = json!(false);
    s["max_proposals_per_unit"] = json!(0);
    assert_eq!(
        committee_api
            .post_json("/api/v1/edition/settings", &s)
            .await
            .status(),
        StatusCode::OK
    );

    let mut op = server.client();
    op.login(OPERATOR.0, OPERATOR.1).await;
    let mut other = server.client();
    other
        .login(
            "operator.puskesmas-karangketug@kolabik.test",
            "Karangketug-2022!",
        )
        .await;
    let mine = create_draft(&mut op, "Sibakul").await;
    let theirs = create_draft(&mut other, "Antrean Daring Puskesmas").await;
    for (client, id) in [(&mut op, mine), (&mut other, theirs)] {
        let d = detail(client, id).await;
        let mut form = complete_form(d["version"].as_i64().unwrap());
        if id == theirs {
            for (k, v) in form.iter_mut() {
                if k == "category" {
                    *v = "kesehatan".into();
                }
            }
        }
        let r = client
            .post_form(&format!("/operator/usulan/{id}"), &pairs(&form))
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }

    // The deadline passes (it closed a minute ago).
    let stages = json!([
        {"kind": "pengajuan_proposal", "opens": wib_in(-24 * 60), "closes": wib_in(-1)},
        {"kind": "seleksi_administrasi", "opens": wib_in(60), "closes": wib_in(7 * 24 * 60)}
    ]);
    assert_eq!(
        committee_api
            .post_json("/api/v1/edition/stages", &stages)
            .await
            .status(),
        StatusCode::OK
    );
    let r = op
        .post_form(
            &format!("/operator/usulan/{mine}/ajukan"),
            &[("declaration", "on")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Batas waktu telah lewat pada "),
        "a clear message"
    );
    let mut api = Client::new(&server.base);
    api.cookies = op.cookies.clone();
    let r = api
        .post_json(
            &format!("/api/v1/proposals/{mine}/submit"),
            &json!({"declaration": true}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "deadline");

    // A dispensation lets exactly that unit submit.
    let r = committee_api
        .post_json(
            "/api/v1/dispensations",
            &json!({"unit": "dinas-perikanan", "stage": "pengajuan_proposal", "until": wib_in(60), "reason": "Gangguan jaringan di kantor dinas."}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = op
        .post_form(
            &format!("/operator/usulan/{mine}/ajukan"),
            &[("declaration", "on")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(detail(&mut op, mine).await["state"], "submitted");
    let r = other
        .post_form(
            &format!("/operator/usulan/{theirs}/ajukan"),
            &[("declaration", "on")],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the other unit is still refused"
    );
    assert_eq!(detail(&mut other, theirs).await["state"], "draft");
}

async fn saves_never_lose_text(db: &TestDb) {
    let server = TestServer::start(db, true);
    open_submission(&server, db, 24 * 60).await;
    let mut tab1 = server.client();
    tab1.login(OPERATOR.0, OPERATOR.1).await;
    let mut tab2 = Client::new(&server.base);
    tab2.cookies = tab1.cookies.clone();
    // Make room: withdraw nothing, just raise the quota as the committee.
    let mut committee = server.client();
    committee.login(COMMITTEE.0, COMMITTEE.1).await;
    let mut s: Value = committee
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
        StatusCode::OK
    );

    let id = create_draft(&mut tab1, "Sibakul").await;
    let v = detail(&mut tab1, id).await["version"].as_i64().unwrap();

    // Autosave (JSON) from tab 1 succeeds and returns the new version.
    let mut form = complete_form(v);
    form.retain(|(k, _)| k != "summary");
    form.push(("summary".into(), "Ringkasan dari tab pertama.".into()));
    let r = tab1
        .post_form_accept_json(&format!("/operator/usulan/{id}"), &pairs(&form))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let saved: Value = r.json().await.unwrap();
    assert_eq!(saved["outcome"], "saved");
    assert_eq!(saved["version"], v + 1);

    // Tab 2 still holds the old version: its save is refused, and kept.
    let mut stale = complete_form(v);
    stale.retain(|(k, _)| k != "summary");
    stale.push((
        "summary".into(),
        "Ringkasan dari tab kedua yang tidak boleh hilang.".into(),
    ));
    let r = tab2
        .post_form_accept_json(&format!("/operator/usulan/{id}"), &pairs(&stale))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = tab2
        .post_form(&format!("/operator/usulan/{id}"), &pairs(&stale))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Ringkasan dari tab pertama."),
        "the saved text is shown"
    );
    assert!(
        html.contains("Ringkasan dari tab kedua yang tidak boleh hilang."),
        "and the refused one beside it"
    );
    let d = detail(&mut tab1, id).await;
    assert_eq!(
        d["content"]["summary"], "Ringkasan dari tab pertama.",
        "the first save was not overwritten"
    );
    let versions: Value = tab1
        .get(&format!("/api/v1/proposals/{id}/versions"))
        .await
        .json()
        .await
        .unwrap();
    let conflicts = versions
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["note"] == "conflict")
        .count();
    assert_eq!(conflicts, 2, "both refused saves are kept in the history");

    // An invalid indicator is kept exactly as typed.
    let mut odd = complete_form(d["version"].as_i64().unwrap());
    for (k, val) in odd.iter_mut() {
        if k == "ind.steps.after" {
            *val = "tujuh".into();
        }
    }
    assert_eq!(
        tab1.post_form(&format!("/operator/usulan/{id}"), &pairs(&odd))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let page = tab1
        .get(&format!("/operator/usulan/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("value=\"tujuh\""));
    let d = detail(&mut tab1, id).await;
    assert!(
        d["missing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["field"] == "indicators")
    );
}
