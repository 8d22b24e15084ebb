//! Results on both backends, from fixtures written by SQL (judging settings with a rubric,
//! declared judges, assignments, submitted sheets): the ranking's order and numbers (mean,
//! median, a tie broken by the heaviest criterion, the disagreement flag), who sees what
//! (committee with names, recusal; city leaders and judges only once frozen, anonymised,
//! a conflicted proposal left out), freezing (refused with missing sheets unless confirmed
//! with a reason; then immutable), promotion top N per category, the final ranking by stage
//! weights, the berita acara PDF/XLSX, manual entries, and feedback before and after release.

mod common;

use common::{COMMITTEE, Client, JUDGE, OPERATOR, TestDb, TestServer, UNIT_HEAD, VIEWER};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Row;

on_both_backends!(
    ranking_freeze_promotion_and_feedback,
    results_are_for_the_right_people
);

const RUBRIC: &str = r#"{"criteria":[{"code":"kebaruan","name":"Kebaruan","weight_bp":6000,"scale_min":0,"scale_max":10},{"code":"dampak","name":"Dampak","weight_bp":4000,"scale_min":0,"scale_max":10}]}"#;
const JUDGEABLE: &str = "('passed_screening', 'finalist', 'winner')";

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

async fn api_client(server: &TestServer, db: &TestDb, email: &str) -> Client {
    let (ok, out, err) = db.cli(&["token", "create", "--email", email], None);
    assert!(ok, "{err}");
    let mut api = Client::new(&server.base);
    api.origin = None;
    api.bearer = Some(out.trim().to_owned());
    api
}

async fn signed_in(server: &TestServer, who: (&str, &str)) -> Client {
    let mut c = server.client();
    c.login(who.0, who.1).await;
    c
}

struct Fixture {
    stage: [i64; 3],
    /// P1..P5: P1–P3 in category A, P4–P5 in category B.
    p: Vec<i64>,
    titles: Vec<String>,
    /// J1 (the demo judge), J2, J3, J4.
    j: Vec<i64>,
    names: Vec<String>,
}

async fn scalar_i64(pool: &sqlx::AnyPool, sql: &str, bind: &[i64]) -> i64 {
    let mut q = sqlx::query_scalar::<_, i64>(sql);
    for b in bind {
        q = q.bind(*b);
    }
    q.fetch_one(pool).await.unwrap()
}

async fn assign(pool: &sqlx::AnyPool, stage: i64, judge: i64, proposal: i64) -> i64 {
    sqlx::query_scalar::<_, i64>(
        "INSERT INTO assignments (stage_id, judge_id, proposal_id, manual, affinity, created_at) \
         VALUES ($1, $2, $3, 0, 0, $4) RETURNING id",
    )
    .bind(stage)
    .bind(judge)
    .bind(proposal)
    .bind(now_ms())
    .fetch_one(pool)
    .await
    .unwrap()
}

/// A submitted sheet with its total and the two criteria's scores.
async fn sheet(
    pool: &sqlx::AnyPool,
    stage: i64,
    judge: i64,
    proposal: i64,
    total: f64,
    scores: (u8, u8),
    comment: &str,
) {
    let a = assign(pool, stage, judge, proposal).await;
    let json = json!({"entries": [
        {"criterion": "kebaruan", "score": scores.0, "comment": comment},
        {"criterion": "dampak", "score": scores.1, "comment": ""}
    ], "overall_comment": ""})
    .to_string();
    sqlx::query(
        "INSERT INTO score_sheets (assignment_id, state, scores_json, submitted_at, updated_at, total) \
         VALUES ($1, 'submitted', $2, $3, $3, $4)",
    )
    .bind(a)
    .bind(json)
    .bind(now_ms())
    .bind(total)
    .execute(pool)
    .await
    .unwrap();
}

async fn setup(db: &TestDb) -> Fixture {
    let pool = db.connect().await;
    let edition = scalar_i64(&pool, "SELECT id FROM editions WHERE is_current = 1", &[]).await;
    let mut stage = [0i64; 3];
    for (i, kind) in ["penilaian", "presentasi_wawancara", "verifikasi_lapangan"]
        .iter()
        .enumerate()
    {
        stage[i] = sqlx::query_scalar::<_, i64>(
            "SELECT id FROM stages WHERE edition_id = $1 AND kind = $2",
        )
        .bind(edition)
        .bind(*kind)
        .fetch_one(&pool)
        .await
        .unwrap();
    }
    let cats: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM categories WHERE edition_id = $1 ORDER BY position, id")
            .bind(edition)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(cats.len() >= 2);
    let sql = format!(
        "SELECT id FROM proposals WHERE edition_id = $1 AND state IN {JUDGEABLE} ORDER BY id"
    );
    let mut p: Vec<i64> = sqlx::query_scalar(&sql)
        .bind(edition)
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(p.len() >= 5, "judgeable proposals in the demo: {p:?}");
    p.truncate(5);
    // The demo operator's unit owns P1 (for the feedback check).
    let op_unit = sqlx::query_scalar::<_, i64>(
        "SELECT g.unit_id FROM role_grants g JOIN users u ON u.id = g.user_id \
         WHERE u.email = $1 AND g.role = 'unit_operator' AND g.edition_id = $2",
    )
    .bind(OPERATOR.0)
    .bind(edition)
    .fetch_one(&pool)
    .await
    .unwrap();
    for (i, id) in p.iter().enumerate() {
        let cat = if i < 3 { cats[0] } else { cats[1] };
        sqlx::query(
            "UPDATE proposals SET category_id = $1, state = 'passed_screening' WHERE id = $2",
        )
        .bind(cat)
        .bind(*id)
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query("UPDATE proposals SET unit_id = $1 WHERE id = $2")
        .bind(op_unit)
        .bind(p[0])
        .execute(&pool)
        .await
        .unwrap();
    let mut titles = Vec::new();
    for id in &p {
        let t: String = sqlx::query_scalar("SELECT title FROM proposals WHERE id = $1")
            .bind(*id)
            .fetch_one(&pool)
            .await
            .unwrap();
        titles.push(t);
    }
    // Judges: the demo judge first.
    let rows = sqlx::query(
        "SELECT j.id, u.name, u.email FROM judges j JOIN users u ON u.id = j.user_id ORDER BY j.id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut judges: Vec<(i64, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r.get::<i64, _>(0),
                r.get::<String, _>(1),
                r.get::<String, _>(2),
            )
        })
        .collect();
    let pos = judges.iter().position(|j| j.2 == JUDGE.0).unwrap();
    let first = judges.remove(pos);
    judges.insert(0, first);
    judges.truncate(4);
    let j: Vec<i64> = judges.iter().map(|x| x.0).collect();
    let names: Vec<String> = judges.iter().map(|x| x.1.clone()).collect();
    let now = now_ms();
    for judge in &j {
        sqlx::query(
            "INSERT INTO edition_judges (edition_id, judge_id, state, invited_at, declared_at) \
             VALUES ($1, $2, 'accepted', $3, $3)",
        )
        .bind(edition)
        .bind(*judge)
        .bind(now)
        .execute(&pool)
        .await
        .unwrap();
    }
    // Penilaian: 40 % of the final score, best 1 per category goes on.
    sqlx::query(
        "INSERT INTO stage_judging (stage_id, rubric_json, final_weight_bp, promote_top_n, \
         disagreement_threshold, updated_at) VALUES ($1, $2, 4000, 1, 20, $3)",
    )
    .bind(stage[0])
    .bind(RUBRIC)
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO stage_judging (stage_id, rubric_json, final_weight_bp, \
         disagreement_threshold, updated_at) VALUES ($1, $2, 6000, 20, $3)",
    )
    .bind(stage[1])
    .bind(RUBRIC)
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    let s = stage[0];
    // Category A. P1 and P2 tie on the mean (80); P1 is better on the heaviest criterion.
    sheet(
        &pool,
        s,
        j[0],
        p[0],
        80.0,
        (8, 8),
        "Inovasi menarik dan mudah ditiru",
    )
    .await;
    sheet(&pool, s, j[1], p[0], 90.0, (9, 9), "").await;
    sheet(&pool, s, j[2], p[0], 70.0, (7, 7), "").await;
    sheet(&pool, s, j[0], p[1], 60.0, (6, 6), "").await;
    sheet(&pool, s, j[1], p[1], 100.0, (8, 10), "").await;
    sheet(&pool, s, j[2], p[1], 80.0, (7, 9), "").await;
    sheet(&pool, s, j[0], p[2], 50.0, (5, 5), "").await;
    sheet(&pool, s, j[1], p[2], 55.0, (5, 6), "").await;
    // J3's sheet on P3 is still a draft: missing.
    let a = assign(&pool, s, j[2], p[2]).await;
    sqlx::query(
        "INSERT INTO score_sheets (assignment_id, state, scores_json, updated_at) \
         VALUES ($1, 'draft', '{\"entries\":[]}', $2)",
    )
    .bind(a)
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    // Category B.
    sheet(&pool, s, j[1], p[3], 70.0, (7, 7), "").await;
    sheet(&pool, s, j[3], p[3], 74.0, (7, 8), "").await;
    sheet(&pool, s, j[1], p[4], 90.0, (9, 9), "").await;
    sheet(&pool, s, j[3], p[4], 86.0, (9, 8), "").await;
    // The demo judge has an active conflict with P4.
    sqlx::query(
        "INSERT INTO conflicts (judge_id, proposal_id, source, reason, created_at) \
         VALUES ($1, $2, 'declared', 'Pernah menjadi pembimbing unit ini', $3)",
    )
    .bind(j[0])
    .bind(p[3])
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    Fixture {
        stage,
        p,
        titles,
        j,
        names,
    }
}

fn row(ranking: &Value, proposal: i64) -> Option<&Value> {
    ranking["categories"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["rows"].as_array().unwrap())
        .find(|r| r["proposal_id"] == proposal)
}

fn close(v: &Value, expected: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - expected).abs() < 1e-9)
}

async fn json_ok(r: reqwest::Response) -> Value {
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{text}");
    serde_json::from_str(&text).unwrap()
}

async fn ranking_freeze_promotion_and_feedback(db: &TestDb) {
    let server = TestServer::start(db, true);
    let f = setup(db).await;
    let pool = db.connect().await;
    let mut api = api_client(&server, db, COMMITTEE.0).await;

    // The committee's live ranking.
    let r = json_ok(api.get("/api/v1/rankings/penilaian").await).await;
    assert_eq!(r["frozen"], false);
    assert_eq!(r["method"], "mean");
    let p1 = row(&r, f.p[0]).expect("P1 ranked");
    let p2 = row(&r, f.p[1]).expect("P2 ranked");
    let p3 = row(&r, f.p[2]).expect("P3 ranked");
    assert_eq!(p1["rank"], 1, "{p1}");
    assert!(
        close(&p1["mean"], 80.0) && close(&p1["median"], 80.0),
        "{p1}"
    );
    assert_eq!(
        p1["tie_break"], "criterion",
        "tie broken by the heaviest criterion"
    );
    assert_eq!(p2["rank"], 2);
    assert!(close(&p2["mean"], 80.0) && close(&p2["median"], 80.0));
    assert!(close(&p2["spread"], 40.0));
    assert_eq!(p2["disagreement"], true);
    assert_eq!(p1["disagreement"], false);
    assert_eq!(p3["rank"], 3);
    assert!(close(&p3["mean"], 52.5) && close(&p3["median"], 52.5));
    assert_eq!(p3["n_sheets"], 2);
    let p5 = row(&r, f.p[4]).unwrap();
    let p4 = row(&r, f.p[3]).unwrap();
    assert_eq!(p5["rank"], 1);
    assert!(close(&p5["score"], 88.0));
    assert_eq!(p4["rank"], 2);
    // Judge names for the committee; the missing sheet listed.
    assert!(
        p1["sheets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["judge"] == f.names[0].as_str())
    );
    assert!(
        r["missing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["proposal_id"] == f.p[2] && m["judge"] == f.names[2].as_str())
    );
    assert!(
        r["reliability"]["meaning"]
            .as_str()
            .unwrap()
            .starts_with("reliability.")
    );
    assert_eq!(r["leniency"].as_array().unwrap().len(), 4);
    // Entries from screening were set when the committee opened the ranking (once).
    let entries = scalar_i64(
        &pool,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM stage_entries WHERE stage_id = $1 AND source = 'screening'",
        &[f.stage[0]],
    )
    .await;
    assert!(entries >= 5);
    json_ok(api.get("/api/v1/rankings/penilaian").await).await;
    assert_eq!(
        scalar_i64(
            &pool,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM stage_entries WHERE stage_id = $1",
            &[f.stage[0]]
        )
        .await,
        entries
    );

    // The page shows the breakdown with names.
    let mut committee = signed_in(&server, COMMITTEE).await;
    let page = committee.get("/panitia/peringkat/penilaian").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains(&f.names[1]) && html.contains("data-flag=\"disagreement\""));
    assert!(html.contains("id=\"missing-sheets\""));

    // A recused committee member does not see P3.
    let committee_id = scalar_i64(
        &pool,
        "SELECT id FROM users WHERE email = 'panitia@kolabik.test'",
        &[],
    )
    .await;
    sqlx::query(
        "INSERT INTO committee_recusals (user_id, proposal_id, reason, created_at) VALUES ($1, $2, 'Keluarga', $3)",
    )
    .bind(committee_id)
    .bind(f.p[2])
    .bind(now_ms())
    .execute(&pool)
    .await
    .unwrap();
    let r = json_ok(api.get("/api/v1/rankings/penilaian").await).await;
    assert!(row(&r, f.p[2]).is_none(), "recused proposal shown");
    sqlx::query("UPDATE committee_recusals SET lifted_at = $1")
        .bind(now_ms())
        .execute(&pool)
        .await
        .unwrap();

    // Before freezing: nothing for city leaders and judges, no berita acara.
    let mut viewer = signed_in(&server, VIEWER).await;
    let mut judge = signed_in(&server, JUDGE).await;
    for c in [&mut viewer, &mut judge] {
        let v = json_ok(c.get("/api/v1/rankings/penilaian").await).await;
        assert_eq!(v["frozen"], false);
        assert!(v["categories"].as_array().unwrap().is_empty());
        let page = c.get("/peringkat/penilaian").await;
        assert_eq!(page.status(), StatusCode::OK);
        assert!(page.text().await.unwrap().contains("id=\"not-frozen\""));
    }
    let pdf = committee
        .get("/panitia/peringkat/penilaian/berita-acara.pdf")
        .await;
    assert_eq!(pdf.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let x = api
        .get("/api/v1/rankings/penilaian/berita-acara.xlsx")
        .await;
    assert_eq!(x.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Freeze: refused while a sheet is missing, then confirmed with a reason.
    let refused = api
        .post_json("/api/v1/rankings/penilaian/freeze", &json!({}))
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["code"], "results.missing_sheets");
    let short = api
        .post_json(
            "/api/v1/rankings/penilaian/freeze",
            &json!({"anyway": true, "reason": "cepat"}),
        )
        .await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The page form needs the confirmation tick.
    let no_tick = committee
        .post_form(
            "/panitia/peringkat/penilaian/bekukan",
            &[("anyway", "1"), ("reason", "Juri berhalangan hadir")],
        )
        .await;
    assert_eq!(no_tick.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_tick
            .text()
            .await
            .unwrap()
            .contains("Juri berhalangan hadir"),
        "typed reason kept"
    );
    let done = committee
        .post_form(
            "/panitia/peringkat/penilaian/bekukan",
            &[
                ("anyway", "1"),
                ("reason", "Juri berhalangan hadir"),
                ("confirm", "1"),
            ],
        )
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let frozen_at: Option<i64> =
        sqlx::query_scalar("SELECT frozen_at FROM stage_judging WHERE stage_id = $1")
            .bind(f.stage[0])
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(frozen_at.is_some());
    let n_results = scalar_i64(
        &pool,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM results WHERE stage_id = $1",
        &[f.stage[0]],
    )
    .await;
    assert_eq!(n_results, entries, "one result per proposal of the stage");
    let (score, rank, breakdown): (Option<f64>, Option<i64>, String) = {
        let r = sqlx::query("SELECT score, rank, breakdown_json FROM results WHERE stage_id = $1 AND proposal_id = $2")
            .bind(f.stage[0])
            .bind(f.p[1])
            .fetch_one(&pool)
            .await
            .unwrap();
        (r.get(0), r.get(1), r.get(2))
    };
    assert_eq!((score, rank), (Some(80.0), Some(2)));
    let b: Value = serde_json::from_str(&breakdown).unwrap();
    assert_eq!(b["method"], "mean");
    assert_eq!(b["disagreement"], true);
    assert_eq!(b["sheets"].as_array().unwrap().len(), 3);
    assert_eq!(b["tie_break"], "criterion");
    let audit = scalar_i64(
        &pool,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_events WHERE action = 'results.frozen'",
        &[],
    )
    .await;
    assert_eq!(audit, 1);

    // Afterwards nothing changes: a second freeze, a sheet change.
    let again = api
        .post_json(
            "/api/v1/rankings/penilaian/freeze",
            &json!({"anyway": true, "reason": "Sekali lagi saja"}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["code"], "results.already_frozen");
    let changed = sqlx::query(
        "UPDATE score_sheets SET total = 1 WHERE assignment_id IN (SELECT id FROM assignments WHERE stage_id = $1)",
    )
    .bind(f.stage[0])
    .execute(&pool)
    .await;
    assert!(changed.is_err(), "a frozen stage's sheet changed");
    // The method changes for later stages only.
    let m = committee
        .post_form(
            "/panitia/peringkat/metode",
            &[
                ("method", "median"),
                ("back", "/panitia/peringkat/penilaian"),
            ],
        )
        .await;
    assert_eq!(m.status(), StatusCode::SEE_OTHER);
    assert_eq!(common::location(&m), "/panitia/peringkat/penilaian");
    let method: String =
        sqlx::query_scalar("SELECT aggregation_method FROM editions WHERE is_current = 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(method, "median");
    let r = json_ok(api.get("/api/v1/rankings/penilaian").await).await;
    assert_eq!(r["frozen"], true);
    assert_eq!(r["method"], "mean");
    assert!(close(&row(&r, f.p[0]).unwrap()["score"], 80.0));

    // City leaders see the frozen ranking without names; the conflicted judge not P4.
    let v = json_ok(viewer.get("/api/v1/rankings/penilaian").await).await;
    let vp1 = row(&v, f.p[0]).expect("viewer sees P1");
    assert!(
        vp1["sheets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["judge"].as_str().unwrap().starts_with("Juri "))
    );
    assert!(row(&v, f.p[3]).is_some());
    assert!(
        v["missing"].as_array().unwrap().is_empty() && v["leniency"].as_array().unwrap().is_empty()
    );
    let vtext = v.to_string();
    for name in &f.names {
        assert!(
            !vtext.contains(name.as_str()),
            "judge name {name} shown to a viewer"
        );
    }
    let jv = json_ok(judge.get("/api/v1/rankings/penilaian").await).await;
    assert!(row(&jv, f.p[0]).is_some());
    assert!(
        row(&jv, f.p[3]).is_none(),
        "conflicted proposal shown to the judge"
    );
    let jpage = judge
        .get("/peringkat/penilaian")
        .await
        .text()
        .await
        .unwrap();
    assert!(jpage.contains(&f.titles[0]));
    assert!(!jpage.contains(&f.titles[3]));
    assert!(!jpage.contains(&f.names[1]));
    let vpage = viewer
        .get("/peringkat/penilaian")
        .await
        .text()
        .await
        .unwrap();
    assert!(vpage.contains(&f.titles[3]));

    // Berita acara: committee only, PDF and XLSX.
    let pdf = committee
        .get("/panitia/peringkat/penilaian/berita-acara.pdf")
        .await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    // KOLABIK_SAVE_MINUTES=DIR keeps the berita acara for a look.
    if let Ok(dir) = std::env::var("KOLABIK_SAVE_MINUTES") {
        let _ = std::fs::write(std::path::Path::new(&dir).join("berita-acara.pdf"), &bytes);
    }
    assert!(
        bytes
            .windows(28)
            .any(|w| w == b"Berita Acara Hasil Penilaian")
    );
    let xlsx = api
        .get("/api/v1/rankings/penilaian/berita-acara.xlsx")
        .await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    let bytes = xlsx.bytes().await.unwrap().to_vec();
    assert!(bytes.starts_with(b"PK"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("xlsx is a zip");
    let mut workbook = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/workbook.xml").unwrap(), &mut workbook)
        .unwrap();
    for name in ["Peringkat", "Nilai juri", "Panel juri"] {
        assert!(
            workbook.contains(&format!("name=\"{name}\"")),
            "sheet {name}"
        );
    }
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/sharedStrings.xml").unwrap(),
        &mut strings,
    )
    .unwrap();
    assert!(strings.contains("Berita Acara Hasil Penilaian"));
    assert!(
        strings.contains(&f.names[1]),
        "the committee's annex names the judges"
    );
    for c in [&mut viewer, &mut judge] {
        assert_eq!(
            c.get("/panitia/peringkat/penilaian/berita-acara.pdf")
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            c.get("/api/v1/rankings/penilaian/berita-acara.pdf")
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
    }

    // Promotion: the best of each category into presentasi_wawancara.
    let pr = json_ok(
        api.post_json("/api/v1/rankings/penilaian/promote", &json!({}))
            .await,
    )
    .await;
    assert_eq!(pr["added"], 2);
    let promoted: Vec<i64> = sqlx::query_scalar(
        "SELECT proposal_id FROM stage_entries WHERE stage_id = $1 AND source = 'promotion' ORDER BY proposal_id",
    )
    .bind(f.stage[1])
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut expected = vec![f.p[0], f.p[4]];
    expected.sort();
    assert_eq!(promoted, expected);
    let state: String = sqlx::query_scalar("SELECT state FROM proposals WHERE id = $1")
        .bind(f.p[0])
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(state, "finalist");
    let again = json_ok(
        api.post_json("/api/v1/rankings/penilaian/promote", &json!({}))
            .await,
    )
    .await;
    assert_eq!(again["added"], 0, "promotion is idempotent");
    assert_eq!(
        scalar_i64(
            &pool,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM results WHERE stage_id = $1 AND promoted = 1",
            &[f.stage[0]]
        )
        .await,
        2
    );

    // Presentasi: P1 80 (90, 70), P5 70 (60, 80). Final = 40 % penilaian + 60 % presentasi.
    let s = f.stage[1];
    sheet(&pool, s, f.j[1], f.p[0], 90.0, (9, 9), "Presentasi jelas").await;
    sheet(&pool, s, f.j[3], f.p[0], 70.0, (7, 7), "").await;
    sheet(&pool, s, f.j[1], f.p[4], 60.0, (6, 6), "").await;
    sheet(&pool, s, f.j[3], f.p[4], 80.0, (8, 8), "").await;
    let fr = json_ok(
        api.post_json("/api/v1/rankings/presentasi_wawancara/freeze", &json!({}))
            .await,
    )
    .await;
    assert_eq!(fr["frozen"], true);
    // Method median was chosen before this freeze: median of (90, 70) = 80, of (60, 80) = 70.
    assert_eq!(fr["method"], "median");
    let fin = json_ok(api.get("/api/v1/final-ranking").await).await;
    let all: Vec<&Value> = fin
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["rows"].as_array().unwrap())
        .collect();
    let f1 = all.iter().find(|r| r["proposal_id"] == f.p[0]).unwrap();
    let f5 = all.iter().find(|r| r["proposal_id"] == f.p[4]).unwrap();
    assert!(close(&f1["score"], 80.0), "{f1}");
    assert!(close(&f5["score"], 0.4 * 88.0 + 0.6 * 70.0), "{f5}");
    assert_eq!(f1["rank"], 1);
    assert_eq!(f5["rank"], 1);
    let f2 = all.iter().find(|r| r["proposal_id"] == f.p[1]).unwrap();
    assert!(f2["score"].is_null() && f2["rank"] == 2, "{f2}");
    let overview = committee.get("/panitia/peringkat").await;
    assert_eq!(overview.status(), StatusCode::OK);
    assert!(overview.text().await.unwrap().contains(&f.titles[4]));

    // Manual entries of verifikasi lapangan, before it opens.
    sqlx::query("UPDATE stages SET opens_at = $1, closes_at = $2 WHERE id = $3")
        .bind(now_ms() + 10 * 86_400_000)
        .bind(now_ms() + 20 * 86_400_000)
        .bind(f.stage[2])
        .execute(&pool)
        .await
        .unwrap();
    let p2 = f.p[1].to_string();
    let bad = committee
        .post_form(
            "/panitia/peringkat/verifikasi_lapangan/peserta",
            &[("action", "add"), ("proposal_id", &p2), ("reason", "")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let ok = committee
        .post_form(
            "/panitia/peringkat/verifikasi_lapangan/peserta",
            &[
                ("action", "add"),
                ("proposal_id", &p2),
                ("reason", "Keputusan rapat panitia 3"),
            ],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let source: String = sqlx::query_scalar(
        "SELECT source FROM stage_entries WHERE stage_id = $1 AND proposal_id = $2",
    )
    .bind(f.stage[2])
    .bind(f.p[1])
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(source, "manual");
    let rm = committee
        .post_form(
            &format!(
                "/panitia/peringkat/verifikasi_lapangan/peserta/{}/hapus",
                f.p[1]
            ),
            &[("reason", "Salah pilih usulan")],
        )
        .await;
    assert_eq!(rm.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        scalar_i64(
            &pool,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM stage_entries WHERE stage_id = $1",
            &[f.stage[2]]
        )
        .await,
        0
    );
    assert_eq!(
        scalar_i64(&pool, "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_events WHERE action IN ('results.entry_added', 'results.entry_removed')", &[]).await,
        2
    );
    // A stage already open refuses manual entries.
    let open = committee
        .post_form(
            "/panitia/peringkat/presentasi_wawancara/peserta",
            &[
                ("action", "add"),
                ("proposal_id", &p2),
                ("reason", "Keputusan rapat panitia 3"),
            ],
        )
        .await;
    assert_eq!(open.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Feedback: nothing before release, anonymised after.
    let mut operator = signed_in(&server, OPERATOR).await;
    let fb_path = format!("/api/v1/proposals/{}/feedback", f.p[0]);
    let fb = json_ok(operator.get(&fb_path).await).await;
    assert_eq!(fb["released"], false);
    assert!(fb["stages"].as_array().unwrap().is_empty());
    let page = operator
        .get(&format!("/usulan/{}/umpan-balik", f.p[0]))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("id=\"feedback-pending\"")
    );
    let edit = operator
        .get(&format!("/operator/usulan/{}", f.p[0]))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        edit.contains("id=\"feedback-link\""),
        "feedback link on the proposal page"
    );
    json_ok(
        api.post_json("/api/v1/feedback/release", &json!({"release": true}))
            .await,
    )
    .await;
    let fb = json_ok(operator.get(&fb_path).await).await;
    assert_eq!(fb["released"], true);
    let stages = fb["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 2);
    assert_eq!(stages[0]["stage"], "penilaian");
    let keb = stages[0]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "kebaruan")
        .unwrap();
    assert!(close(&keb["mean"], 8.0), "{keb}");
    let judges = stages[0]["judges"].as_array().unwrap();
    assert_eq!(judges.len(), 3);
    assert_eq!(judges[0]["judge"], "Juri 1");
    assert!(fb.to_string().contains("Inovasi menarik dan mudah ditiru"));
    for name in &f.names {
        assert!(
            !fb.to_string().contains(name.as_str()),
            "judge name {name} in feedback"
        );
    }
    let page = operator
        .get(&format!("/usulan/{}/umpan-balik", f.p[0]))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Inovasi menarik dan mudah ditiru") && page.contains("Juri 1"));
    assert!(!page.contains(&f.names[0]));
    // Withdrawn again: hidden.
    let w = committee
        .post_form("/panitia/peringkat/umpan-balik", &[("action", "withdraw")])
        .await;
    assert_eq!(w.status(), StatusCode::SEE_OTHER);
    let fb = json_ok(operator.get(&fb_path).await).await;
    assert_eq!(fb["released"], false);
    assert_eq!(
        scalar_i64(&pool, "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_events WHERE action IN ('results.feedback_released', 'results.feedback_withdrawn')", &[]).await,
        2
    );
    pool.close().await;
}

async fn results_are_for_the_right_people(db: &TestDb) {
    let server = TestServer::start(db, true);
    let mut operator = signed_in(&server, OPERATOR).await;
    let mut head = signed_in(&server, UNIT_HEAD).await;
    let mut viewer = signed_in(&server, VIEWER).await;
    let mut judge = signed_in(&server, JUDGE).await;
    for c in [&mut operator, &mut head] {
        assert_eq!(
            c.get("/panitia/peringkat").await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            c.get("/peringkat/penilaian").await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            c.get("/api/v1/rankings/penilaian").await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            c.get("/api/v1/final-ranking").await.status(),
            StatusCode::FORBIDDEN
        );
    }
    for c in [&mut viewer, &mut judge] {
        assert_eq!(
            c.get("/panitia/peringkat/penilaian").await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            c.post_form("/panitia/peringkat/penilaian/bekukan", &[("confirm", "1")])
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            c.post_json("/api/v1/rankings/penilaian/promote", &json!({}))
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            c.post_json("/api/v1/feedback/release", &json!({"release": true}))
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
    }
    // A judge who has not declared sees no proposal, even of a frozen stage.
    let j = judge
        .get("/peringkat/penilaian")
        .await
        .text()
        .await
        .unwrap();
    assert!(j.contains("id=\"undeclared\""));
    // Unknown stages and non-judged stages are 404.
    let mut committee = signed_in(&server, COMMITTEE).await;
    assert_eq!(
        committee
            .get("/panitia/peringkat/pendaftaran")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        committee.get("/api/v1/rankings/tidak-ada").await.status(),
        StatusCode::NOT_FOUND
    );
    // Freezing a stage without judging settings is refused.
    let r = committee
        .post_form("/panitia/peringkat/penilaian/bekukan", &[("confirm", "1")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Method form refuses an unknown method.
    let r = committee
        .post_form("/panitia/peringkat/metode", &[("method", "rata")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
