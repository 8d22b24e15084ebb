//! The scoring workspace on both backends: stage settings and the rubric editor (weights
//! must sum to 100 %, typed rows kept, locked once the stage opened), the judge's queue and
//! score sheet (declaration first, partial drafts, submit with the weighted total, locked
//! after submit, reopened by the committee with a reason, resubmitted), conflicts hiding a
//! proposal, blind stages hiding the unit, other judges' scores hidden until the stage
//! closes, saving refused outside the stage window, committee recusals.

mod common;

use common::{COMMITTEE, Client, JUDGE, OPERATOR, TestDb, TestServer, location};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::AnyPool;

on_both_backends!(
    rubric_and_settings_are_validated_and_locked,
    judge_scores_submits_and_committee_reopens,
    conflicts_and_blind_stages_hide_what_they_must
);

const JUDGE2: (&str, &str) = ("syaifuddin.zuhri@juri.kolabik.test", "Juri-Kolabik-2022");
const DAY: i64 = 24 * 3600 * 1000;
const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

async fn edition_id(pool: &AnyPool) -> i64 {
    sqlx::query_scalar("SELECT id FROM editions WHERE is_current = 1")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Moves the current edition's stage of `kind` to [now + from, now + to] (ms).
async fn move_stage(pool: &AnyPool, kind: &str, from: i64, to: i64) -> i64 {
    let ed = edition_id(pool).await;
    let now = now_ms();
    sqlx::query(
        "UPDATE stages SET opens_at = $1, closes_at = $2 WHERE edition_id = $3 AND kind = $4",
    )
    .bind(now + from)
    .bind(now + to)
    .bind(ed)
    .bind(kind)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query_scalar("SELECT id FROM stages WHERE edition_id = $1 AND kind = $2")
        .bind(ed)
        .bind(kind)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn judge_id(pool: &AnyPool, email: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT j.id FROM judges j JOIN users u ON u.id = j.user_id WHERE u.email = $1",
    )
    .bind(email)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn user_id(pool: &AnyPool, email: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn declare(pool: &AnyPool, judge: i64) {
    let ed = edition_id(pool).await;
    sqlx::query(
        "INSERT INTO edition_judges (edition_id, judge_id, state, invited_at, declared_at) \
         VALUES ($1, $2, 'accepted', $3, $3)",
    )
    .bind(ed)
    .bind(judge)
    .bind(now_ms())
    .execute(pool)
    .await
    .unwrap();
}

async fn assign(pool: &AnyPool, stage: i64, judge: i64, proposal: i64) {
    sqlx::query(
        "INSERT INTO assignments (stage_id, judge_id, proposal_id, manual, affinity, created_at) \
         VALUES ($1, $2, $3, 1, 0, $4)",
    )
    .bind(stage)
    .bind(judge)
    .bind(proposal)
    .bind(now_ms())
    .execute(pool)
    .await
    .unwrap();
}

/// Judgeable proposals of the demo: (id, title).
async fn judgeable(pool: &AnyPool) -> Vec<(i64, String)> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, title FROM proposals WHERE state IN ('passed_screening', 'finalist', 'winner') \
         ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(rows.len() >= 3);
    rows
}

async fn audit_count(pool: &AnyPool, action: &str) -> i64 {
    sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_events WHERE action = $1")
        .bind(action)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn signed_in(server: &TestServer, who: (&str, &str)) -> Client {
    let mut c = server.client();
    c.login(who.0, who.1).await;
    c
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

async fn rubric_and_settings_are_validated_and_locked(db: &TestDb) {
    let server = TestServer::start(db, true);
    let pool = db.connect().await;
    move_stage(&pool, "penilaian", DAY, 2 * DAY).await;
    let mut c = signed_in(&server, COMMITTEE).await;

    // The default rubric for the desk stage.
    let r = c.get("/panitia/penilaian/penilaian/rubrik").await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"kebaruan\""), "{html}");

    // Weights summing to 90 %: refused in Indonesian, every typed row kept.
    let rows = |w2: &'static str| {
        vec![
            ("rows", "2"),
            ("code.0", "dampak"),
            ("name.0", "Dampak Nyata Uji"),
            ("description.0", "Uraian dampak"),
            ("weight.0", "60"),
            ("min.0", "1"),
            ("max.0", "5"),
            ("levels.0", "1: Lemah\n5: Kuat"),
            ("counted.0", "1"),
            ("position.0", "1"),
            ("code.1", "kebaruan-uji"),
            ("name.1", "Kebaruan Uji"),
            ("weight.1", w2),
            ("min.1", "0"),
            ("max.1", "100"),
            ("counted.1", "1"),
            ("position.1", "2"),
            ("action", "save"),
        ]
    };
    let r = c
        .post_form("/panitia/penilaian/penilaian/rubrik", &rows("30"))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Jumlah bobot kriteria yang dihitung harus tepat 100%"),
        "{html}"
    );
    assert!(html.contains("value=\"Dampak Nyata Uji\""));
    assert!(html.contains("value=\"kebaruan-uji\""));
    assert!(html.contains("value=\"30\""));
    assert!(html.contains("1: Lemah"));
    assert_eq!(audit_count(&pool, "stage_judging.rubric_changed").await, 0);

    // "Add row" adds an empty row without saving.
    let mut add = rows("30");
    add.retain(|(k, _)| *k != "action");
    add.push(("action", "add"));
    let r = c
        .post_form("/panitia/penilaian/penilaian/rubrik", &add)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("name=\"code.2\""), "{html}");
    assert!(html.contains("value=\"Dampak Nyata Uji\""));

    // 60 + 40: saved and audited; the API reads it back.
    let r = c
        .post_form("/panitia/penilaian/penilaian/rubrik", &rows("40"))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    assert_eq!(audit_count(&pool, "stage_judging.rubric_changed").await, 1);
    let rubric: Value = c
        .get("/api/v1/stages/penilaian/rubric")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rubric["criteria"].as_array().unwrap().len(), 2);
    assert_eq!(rubric["criteria"][1]["weight_bp"], 4000);
    assert_eq!(rubric["criteria"][0]["levels"][1]["descriptor"], "Kuat");

    // Settings: a refused value keeps what was typed; a good one is saved and audited.
    let r = c
        .post_form(
            "/panitia/penilaian/penilaian/pengaturan",
            &[
                ("blind", "1"),
                ("reviews_per_proposal", "0"),
                ("min_academic", "1"),
                ("min_practitioner", "1"),
                ("max_load", "7"),
                ("final_weight", "40"),
                ("promote_top_n", "3"),
                ("passing_grade", ""),
                ("disagreement_threshold", "15"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Jumlah juri per usulan harus bilangan bulat 1–20."),
        "{html}"
    );
    assert!(html.contains("value=\"7\""));
    c.set_lang("en");
    let r = c
        .post_form(
            "/panitia/penilaian/penilaian/pengaturan",
            &[
                ("blind", "1"),
                ("reviews_per_proposal", "2"),
                ("min_academic", "1"),
                ("min_practitioner", "1"),
                ("max_load", "7"),
                ("final_weight", "12,5"),
                ("promote_top_n", "3"),
                ("passing_grade", "70"),
                ("disagreement_threshold", "15"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/panitia/penilaian/penilaian/pengaturan"));
    let s: Value = c
        .get("/api/v1/stages/penilaian/judging")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["blind"], true);
    assert_eq!(s["final_weight_bp"], 1250);
    assert_eq!(s["promote_top_n"], 3);
    assert_eq!(s["passing_grade"], 70.0);
    assert_eq!(
        audit_count(&pool, "stage_judging.settings_changed").await,
        1
    );
    // Through the API: the passing grade cleared, then set again; bad values refused.
    let mut body = s.clone();
    body["passing_grade"] = Value::Null;
    body["promote_top_n"] = Value::Null;
    let r = c.post_json("/api/v1/stages/penilaian/judging", &body).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let back: Value = r.json().await.unwrap();
    assert_eq!(back["passing_grade"], Value::Null);
    body["passing_grade"] = json!(65.5);
    let back: Value = c
        .post_json("/api/v1/stages/penilaian/judging", &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(back["passing_grade"], 65.5);
    body["min_academic"] = json!(3);
    let r = c.post_json("/api/v1/stages/penilaian/judging", &body).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err: Value = r.json().await.unwrap();
    assert_eq!(err["error"]["fields"][0]["field"], "min_practitioner");
    assert_eq!(
        audit_count(&pool, "stage_judging.settings_changed").await,
        3
    );
    // The page in English.
    let html = c
        .get("/panitia/penilaian/penilaian/pengaturan")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Stage settings"));
    assert!(html.contains("value=\"12.5\""));
    c.set_lang("id");

    // Once the stage has opened the rubric is locked, on the page and in the API.
    move_stage(&pool, "penilaian", -DAY, DAY).await;
    let r = c
        .post_form("/panitia/penilaian/penilaian/rubrik", &rows("40"))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Rubrik terkunci: tahap ini sudah dibuka pada"),
        "{html}"
    );
    let r = c
        .post_form("/panitia/penilaian/penilaian/rubrik/bawaan", &[])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .post_json("/api/v1/stages/penilaian/rubric", &rubric)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rubric_locked");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("sudah dibuka pada"),
        "{body}"
    );
    assert_eq!(audit_count(&pool, "stage_judging.rubric_changed").await, 1);

    // Not a judged stage, or a language prefix (the language is a cookie): 404.
    assert_eq!(
        c.get("/panitia/penilaian/pendaftaran").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.get("/fr/panitia/penilaian/penilaian").await.status(),
        StatusCode::NOT_FOUND
    );
}

fn desk_form(
    scores: &[(&'static str, &'static str)],
    action: &'static str,
) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = scores
        .iter()
        .map(|(k, v)| (format!("score.{k}"), v.to_string()))
        .collect();
    form.push((
        "comment.kebaruan".into(),
        "Catatan juri pertama rahasia".into(),
    ));
    form.push(("overall_comment".into(), "Usulan yang menarik.".into()));
    form.push(("action".into(), action.into()));
    form
}

async fn post_pairs(c: &mut Client, path: &str, pairs: &[(String, String)]) -> reqwest::Response {
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    c.post_form(path, &refs).await
}

const FULL: [(&str, &str); 6] = [
    ("kebaruan", "8"),
    ("efektivitas", "7"),
    ("kemanfaatan", "9"),
    ("replikasi", "6"),
    ("keberlanjutan", "10"),
    ("keterlibatan", "5"),
];

async fn judge_scores_submits_and_committee_reopens(db: &TestDb) {
    let server = TestServer::start(db, true);
    let pool = db.connect().await;
    let stage = move_stage(&pool, "penilaian", -DAY, DAY).await;
    let j1 = judge_id(&pool, JUDGE.0).await;
    let j2 = judge_id(&pool, JUDGE2.0).await;
    let props = judgeable(&pool).await;
    let (p1, title1) = props[0].clone();
    let (p2, _) = props[1].clone();
    assign(&pool, stage, j1, p1).await;
    assign(&pool, stage, j1, p2).await;
    assign(&pool, stage, j2, p1).await;
    let sheet_path = format!("/juri/penilaian/{p1}");
    let api_path = format!("/api/v1/stages/penilaian/sheets/{p1}");

    // Before the declaration: redirected, 404 on the sheet, the API refuses.
    let mut judge = signed_in(&server, JUDGE).await;
    let r = judge.get("/juri").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/juri/deklarasi");
    assert_eq!(judge.get(&sheet_path).await.status(), StatusCode::NOT_FOUND);
    let r = judge.get("/api/v1/judge/queue").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "declaration_required");
    assert_eq!(judge.get(&api_path).await.status(), StatusCode::NOT_FOUND);

    declare(&pool, j1).await;
    declare(&pool, j2).await;
    let r = judge.get("/juri").await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains(&html_escape(&title1)), "{html}");
    assert!(html.contains("0 / 2"), "{html}");

    // A partial draft is saved.
    let r = post_pairs(
        &mut judge,
        &sheet_path,
        &desk_form(&[("kebaruan", "8")], "save"),
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let html = judge.get(&sheet_path).await.text().await.unwrap();
    assert!(
        html.contains("name=\"score.kebaruan\" value=\"8\" checked"),
        "{html}"
    );
    assert!(html.contains("Catatan juri pertama rahasia"));
    assert_eq!(audit_count(&pool, "score_sheet.saved").await, 1);

    // Submitting an incomplete sheet is refused; what was typed stays.
    let r = post_pairs(
        &mut judge,
        &sheet_path,
        &desk_form(&[("kebaruan", "9"), ("efektivitas", "7")], "submit"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Kriteria kemanfaatan belum dinilai."),
        "{html}"
    );
    assert!(html.contains("name=\"score.kebaruan\" value=\"9\" checked"));
    assert!(html.contains("name=\"score.efektivitas\" value=\"7\" checked"));

    // The second judge saves a draft; the first cannot see it before the stage closes.
    let mut judge2 = signed_in(&server, JUDGE2).await;
    let r = judge2
        .post_json(
            &api_path,
            &json!({"entries": [{"criterion": "kebaruan", "score": 3, "comment": "Rahasia juri kedua"}], "overall_comment": ""}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());

    // A complete sheet is submitted with the weighted total:
    // (0.25·7 + 0.20·6 + 0.20·8 + 0.15·5 + 0.10·9 + 0.10·4) / 9 · 100 = 73.33…
    let r = post_pairs(&mut judge, &sheet_path, &desk_form(&FULL, "submit")).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let sheet: Value = judge.get(&api_path).await.json().await.unwrap();
    assert_eq!(sheet["state"], "submitted");
    let total = sheet["total"].as_f64().unwrap();
    assert!((total - 660.0 / 9.0).abs() < 1e-9, "{total}");
    let stored: f64 = sqlx::query_scalar(
        "SELECT s.total FROM score_sheets s JOIN assignments a ON a.id = s.assignment_id \
         WHERE a.judge_id = $1 AND a.proposal_id = $2",
    )
    .bind(j1)
    .bind(p1)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!((stored - 73.333_333).abs() < 1e-3);
    assert!(!sheet.to_string().contains("Rahasia juri kedua"));
    let html = judge.get("/juri").await.text().await.unwrap();
    assert!(html.contains("1 / 2"), "{html}");

    // Locked after submit, on the page and in the API.
    let html = judge.get(&sheet_path).await.text().await.unwrap();
    assert!(html.contains("id=\"sheet-locked\""));
    assert!(!html.contains("value=\"submit\""));
    let r = post_pairs(&mut judge, &sheet_path, &desk_form(&FULL, "save")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("sudah dikirim dan terkunci")
    );
    let r = judge
        .post_json(&api_path, &json!({"entries": [], "overall_comment": ""}))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Other judges' scores stay hidden before the stage closes.
    let r = judge.get("/api/v1/stages/penilaian/sheets").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let html = judge2.get(&sheet_path).await.text().await.unwrap();
    assert!(!html.contains("Catatan juri pertama rahasia"));
    assert!(!html.contains("73,33"));
    let queue2: Value = judge2
        .get("/api/v1/judge/queue")
        .await
        .json()
        .await
        .unwrap();
    assert!(!queue2.to_string().contains("73.3"), "{queue2}");

    // The committee sees the progress, the state and the total, and reopens with a reason.
    let mut committee = signed_in(&server, COMMITTEE).await;
    let html = committee
        .get("/panitia/penilaian/penilaian")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&html_escape(&title1)), "{html}");
    assert!(html.contains("73,33"));
    assert!(html.contains("id=\"count-submitted\">1<"));
    assert!(
        html.contains("Catatan juri pertama rahasia"),
        "the committee sees the comments"
    );
    let sheet_id: i64 = sqlx::query_scalar(
        "SELECT s.id FROM score_sheets s JOIN assignments a ON a.id = s.assignment_id \
         WHERE a.judge_id = $1 AND a.proposal_id = $2",
    )
    .bind(j1)
    .bind(p1)
    .fetch_one(&pool)
    .await
    .unwrap();
    let reopen = format!("/panitia/penilaian/penilaian/lembar/{sheet_id}/buka");
    let r = committee.post_form(&reopen, &[("reason", "ok")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Tuliskan alasan membuka kembali"));
    assert!(html.contains("value=\"ok\""));
    let r = committee
        .post_form(
            &reopen,
            &[("reason", "Nilai keberlanjutan perlu ditinjau ulang")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(audit_count(&pool, "score_sheet.reopened").await, 1);
    let notices: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM notices WHERE user_id = $1 AND message_key = 'scoring.notice_reopened'",
    )
    .bind(user_id(&pool, JUDGE.0).await)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(notices, 1);

    // The judge edits and resubmits (through the API this time).
    let html = judge.get(&sheet_path).await.text().await.unwrap();
    assert!(html.contains("value=\"submit\""), "{html}");
    let entries: Vec<Value> = FULL
        .iter()
        .map(|(k, v)| {
            let score: u8 = if *k == "keberlanjutan" {
                1
            } else {
                v.parse().unwrap()
            };
            json!({"criterion": k, "score": score, "comment": ""})
        })
        .collect();
    let r = judge
        .post_json(
            &format!("{api_path}/submit"),
            &json!({"entries": entries.clone(), "overall_comment": "Ditinjau ulang."}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let saved: Value = r.json().await.unwrap();
    let entries_again = entries;
    // keberlanjutan 10 → 1 takes away its whole 10 %: (6.6 − 0.9) / 9 · 100 = 63.33…
    assert!(
        (saved["total"].as_f64().unwrap() - 570.0 / 9.0).abs() < 1e-9,
        "{saved}"
    );
    assert_eq!(audit_count(&pool, "score_sheet.submitted").await, 2);

    // Reopened through the API too, and submitted again.
    let r = committee
        .post_json(
            &format!("/api/v1/stages/penilaian/score-sheets/{sheet_id}/reopen"),
            &json!({"reason": "Periksa lagi catatan umum"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(audit_count(&pool, "score_sheet.reopened").await, 2);
    let r = judge
        .post_json(
            &format!("{api_path}/submit"),
            &json!({"entries": entries_again, "overall_comment": "Sudah diperiksa."}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());

    // A recused committee member does not see the proposal's row.
    sqlx::query(
        "INSERT INTO committee_recusals (user_id, proposal_id, reason, created_at) VALUES ($1, $2, 'kerabat', $3)",
    )
    .bind(user_id(&pool, COMMITTEE.0).await)
    .bind(p1)
    .bind(now_ms())
    .execute(&pool)
    .await
    .unwrap();
    let html = committee
        .get("/panitia/penilaian/penilaian")
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains(&format!("data-proposal=\"{p1}\"")), "{html}");
    assert!(html.contains(&format!("data-proposal=\"{p2}\"")));

    // Outside the window nothing is saved; after the close a judge sees the other
    // judges' sheets on the proposals they judge.
    move_stage(&pool, "penilaian", -3 * DAY, -DAY).await;
    let p2_path = format!("/juri/penilaian/{p2}");
    let r = post_pairs(
        &mut judge,
        &p2_path,
        &desk_form(&[("kebaruan", "5")], "save"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Batas waktu telah lewat pada"), "{html}");
    assert!(html.contains("name=\"score.kebaruan\" value=\"5\" checked"));
    move_stage(&pool, "penilaian", DAY, 2 * DAY).await;
    let r = judge
        .post_json(
            &format!("/api/v1/stages/penilaian/sheets/{p2}"),
            &json!({"entries": [], "overall_comment": ""}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "deadline");
    move_stage(&pool, "penilaian", -3 * DAY, -DAY).await;
    let sheets: Value = judge
        .get("/api/v1/stages/penilaian/sheets")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        sheets.to_string().contains("Rahasia juri kedua"),
        "{sheets}"
    );

    // The committee's list of sheets leaves out the proposal the member stepped aside
    // from, and the member cannot reopen its sheets.
    let all: Value = committee
        .get("/api/v1/stages/penilaian/sheets")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .all(|s| s["proposal_id"] != p1),
        "{all}"
    );
    let r = committee
        .post_json(
            &format!("/api/v1/stages/penilaian/score-sheets/{sheet_id}/reopen"),
            &json!({"reason": "Periksa lagi catatan umum"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Frozen: nothing changes any more, even inside the window.
    sqlx::query("UPDATE stage_judging SET frozen_at = $1 WHERE stage_id = $2")
        .bind(now_ms())
        .bind(stage)
        .execute(&pool)
        .await
        .unwrap();
    move_stage(&pool, "penilaian", -DAY, DAY).await;
    let r = post_pairs(
        &mut judge,
        &p2_path,
        &desk_form(&[("kebaruan", "5")], "save"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("sudah dibekukan"));
    // Frozen also opens the other judges' sheets to the judge.
    let r = judge.get("/api/v1/stages/penilaian/sheets").await;
    assert_eq!(r.status(), StatusCode::OK);
}

async fn conflicts_and_blind_stages_hide_what_they_must(db: &TestDb) {
    let server = TestServer::start(db, true);
    let pool = db.connect().await;
    sqlx::query("UPDATE editions SET max_proposals_per_unit = 5")
        .execute(&pool)
        .await
        .unwrap();

    // A draft of the operator's unit with an attachment and the unit named in its text.
    let mut op = signed_in(&server, OPERATOR).await;
    let r = op
        .post_form("/operator/usulan", &[("title", "Layanan Uji Tersamar")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let blind_id: i64 = location(&r).rsplit('/').next().unwrap().parse().unwrap();
    let r = op
        .post_multipart(
            &format!("/operator/usulan/{blind_id}/lampiran"),
            &[("label", "Surat keputusan")],
            &[("file", "sk-unit.pdf", PDF)],
        )
        .await;
    assert!(
        r.status().is_redirection() || r.status().is_success(),
        "{}",
        r.status()
    );
    let (unit_name, unit_code, unit_id): (String, String, i64) = sqlx::query_as(
        "SELECT u.name, u.code, u.id FROM proposals p JOIN units u ON u.id = p.unit_id WHERE p.id = $1",
    )
    .bind(blind_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query("UPDATE proposals SET summary = $1 WHERE id = $2")
        .bind(format!(
            "Inovasi ini dijalankan oleh {} ({unit_code}) sejak 2021.",
            unit_name.to_uppercase()
        ))
        .bind(blind_id)
        .execute(&pool)
        .await
        .unwrap();
    let operator_name: String = sqlx::query_scalar("SELECT name FROM users WHERE email = $1")
        .bind(OPERATOR.0)
        .fetch_one(&pool)
        .await
        .unwrap();
    let _ = unit_id;

    let stage = move_stage(&pool, "penilaian", -DAY, DAY).await;
    let j1 = judge_id(&pool, JUDGE.0).await;
    declare(&pool, j1).await;
    let props = judgeable(&pool).await;
    let (conflicted, conflicted_title) = props[0].clone();
    assign(&pool, stage, j1, conflicted).await;
    assign(&pool, stage, j1, blind_id).await;
    sqlx::query(
        "INSERT INTO conflicts (judge_id, proposal_id, source, reason, created_at) \
         VALUES ($1, $2, 'declared', 'Pernah bekerja di unit ini', $3)",
    )
    .bind(j1)
    .bind(conflicted)
    .bind(now_ms())
    .execute(&pool)
    .await
    .unwrap();

    // An active conflict hides the proposal everywhere.
    let mut judge = signed_in(&server, JUDGE).await;
    let html = judge.get("/juri").await.text().await.unwrap();
    assert!(
        !html.contains(&format!("data-proposal=\"{conflicted}\"")),
        "{html}"
    );
    assert!(!html.contains(&html_escape(&conflicted_title)));
    assert!(html.contains(&format!("data-proposal=\"{blind_id}\"")));
    assert!(html.contains("0 / 1"));
    assert_eq!(
        judge
            .get(&format!("/juri/penilaian/{conflicted}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        judge
            .get(&format!("/api/v1/stages/penilaian/sheets/{conflicted}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let r = judge
        .post_json(
            &format!("/api/v1/stages/penilaian/sheets/{conflicted}"),
            &json!({"entries": [], "overall_comment": ""}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let queue: Value = judge.get("/api/v1/judge/queue").await.json().await.unwrap();
    assert!(
        !queue
            .to_string()
            .contains(&format!("\"proposal_id\":{conflicted}")),
        "{queue}"
    );

    // Not blind: the unit is named, the attachment keeps its name.
    let page = format!("/juri/penilaian/{blind_id}");
    let html = judge.get(&page).await.text().await.unwrap();
    assert!(html.contains(&html_escape(&unit_name)), "{html}");
    assert!(html.contains("sk-unit.pdf"));

    // Blind: the unit's name, code and operator appear nowhere, in the page or the API;
    // the attachment downloads under a neutral name.
    sqlx::query("UPDATE stage_judging SET blind = 1 WHERE stage_id = $1")
        .bind(stage)
        .execute(&pool)
        .await
        .unwrap();
    let html = judge.get(&page).await.text().await.unwrap();
    let api = judge
        .get(&format!("/api/v1/stages/penilaian/sheets/{blind_id}"))
        .await
        .text()
        .await
        .unwrap();
    let queue_html = judge.get("/juri").await.text().await.unwrap();
    let queue_api = judge.get("/api/v1/judge/queue").await.text().await.unwrap();
    for text in [&html, &api, &queue_html, &queue_api] {
        let lower = text.to_lowercase();
        for needle in [&unit_name, &unit_code, &operator_name] {
            assert!(
                !lower.contains(&needle.to_lowercase())
                    && !lower.contains(&html_escape(needle).to_lowercase()),
                "{needle} shown in {text}"
            );
        }
        assert!(!text.contains("sk-unit"), "{text}");
    }
    assert!(html.contains("sejak 2021"));
    assert!(html.contains("lampiran-1.pdf"));
    let file_id: i64 =
        sqlx::query_scalar("SELECT file_id FROM proposal_files WHERE proposal_id = $1")
            .bind(blind_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    let r = judge
        .get(&format!("/juri/penilaian/{blind_id}/lampiran/{file_id}"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.contains("lampiran-1.pdf"), "{disposition}");
    assert_eq!(r.bytes().await.unwrap().as_ref(), PDF);
    // No download of a conflicted proposal's file, nor for another judge.
    let mut judge2 = signed_in(&server, JUDGE2).await;
    assert_eq!(
        judge2
            .get(&format!("/juri/penilaian/{blind_id}/lampiran/{file_id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // The committee still sees who it is.
    let mut committee = signed_in(&server, COMMITTEE).await;
    let html = committee
        .get("/panitia/penilaian/penilaian")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&html_escape(&unit_name)));
}
