//! Publication of results on both backends, from fixtures written by SQL as in
//! `tests/results.rs` (one judged stage weighing 100 %, declared judges, submitted sheets),
//! frozen through the results API: publishing is refused before the final ranking is
//! frozen; afterwards `/hasil` lists the winners in rank order, scores only when chosen,
//! winners' proposals become `winner`, the year page and the archive show the edition,
//! and the publication is audit-logged. The same results are in the public API
//! (`/api/v1/results…`), and a published row links to its catalogue page.

mod common;

use common::{COMMITTEE, Client, JUDGE, TestDb, TestServer};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(publish_results_after_the_final_ranking);

const RUBRIC: &str = r#"{"criteria":[{"code":"kebaruan","name":"Kebaruan","weight_bp":6000,"scale_min":0,"scale_max":10},{"code":"dampak","name":"Dampak","weight_bp":4000,"scale_min":0,"scale_max":10}]}"#;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

async fn sheet(pool: &sqlx::AnyPool, stage: i64, judge: i64, proposal: i64, total: f64) {
    let a = sqlx::query_scalar::<_, i64>(
        "INSERT INTO assignments (stage_id, judge_id, proposal_id, manual, affinity, created_at) \
         VALUES ($1, $2, $3, 0, 0, $4) RETURNING id",
    )
    .bind(stage)
    .bind(judge)
    .bind(proposal)
    .bind(now_ms())
    .fetch_one(pool)
    .await
    .unwrap();
    let s = (total / 10.0) as u8;
    let json = json!({"entries": [
        {"criterion": "kebaruan", "score": s, "comment": ""},
        {"criterion": "dampak", "score": s, "comment": ""}
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

/// P1–P3 in category A (ranked P1 > P2 > P3 on purpose in reverse id order), P4 in B.
async fn setup(db: &TestDb) -> (i64, Vec<i64>, Vec<String>) {
    let pool = db.connect().await;
    let (edition, year): (i64, i64) = {
        let row = sqlx::query("SELECT id, year FROM editions WHERE is_current = 1")
            .fetch_one(&pool)
            .await
            .unwrap();
        use sqlx::Row;
        (row.get(0), row.get(1))
    };
    let stage: i64 =
        sqlx::query_scalar("SELECT id FROM stages WHERE edition_id = $1 AND kind = 'penilaian'")
            .bind(edition)
            .fetch_one(&pool)
            .await
            .unwrap();
    let cats: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM categories WHERE edition_id = $1 ORDER BY position, id")
            .bind(edition)
            .fetch_all(&pool)
            .await
            .unwrap();
    let mut p: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM proposals WHERE edition_id = $1 \
         AND state IN ('passed_screening', 'finalist', 'winner') ORDER BY id",
    )
    .bind(edition)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(p.len() >= 4, "{p:?}");
    p.truncate(4);
    let mut titles = Vec::new();
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
        let t: String = sqlx::query_scalar("SELECT title FROM proposals WHERE id = $1")
            .bind(*id)
            .fetch_one(&pool)
            .await
            .unwrap();
        titles.push(t);
    }
    let j: Vec<i64> = sqlx::query_scalar(
        "SELECT j.id FROM judges j JOIN users u ON u.id = j.user_id \
         WHERE u.email <> $1 ORDER BY j.id",
    )
    .bind(JUDGE.0)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(j.len() >= 2);
    for judge in &j[..2] {
        sqlx::query(
            "INSERT INTO edition_judges (edition_id, judge_id, state, invited_at, declared_at) \
             VALUES ($1, $2, 'accepted', $3, $3)",
        )
        .bind(edition)
        .bind(*judge)
        .bind(now_ms())
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO stage_judging (stage_id, rubric_json, final_weight_bp, \
         disagreement_threshold, updated_at) VALUES ($1, $2, 10000, 20, $3)",
    )
    .bind(stage)
    .bind(RUBRIC)
    .bind(now_ms())
    .execute(&pool)
    .await
    .unwrap();
    // P3 first (lowest id of the three is not the best): 60, P2 75, P1 85.
    for (k, total) in [(0usize, 85.0), (1, 75.0), (2, 60.0), (3, 80.0)] {
        sheet(&pool, stage, j[0], p[k], total).await;
        sheet(&pool, stage, j[1], p[k], total).await;
    }
    pool.close().await;
    (year, p, titles)
}

async fn text_of(r: reqwest::Response, expected: StatusCode) -> String {
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status, expected, "{text}");
    text
}

async fn publish_results_after_the_final_ranking(db: &TestDb) {
    let server = TestServer::start(db, true);
    let (year, p, titles) = setup(db).await;
    let mut committee = server.client();
    committee.login(COMMITTEE.0, COMMITTEE.1).await;

    // Nothing is published yet.
    let page = text_of(server.client().get("/hasil").await, StatusCode::OK).await;
    assert!(page.contains("id=\"not-published\""), "{page}");
    assert!(page.contains("og:title"));
    let api_before: serde_json::Value = server
        .client()
        .get("/api/v1/results")
        .await
        .json()
        .await
        .unwrap();
    assert!(api_before["published_at"].is_null(), "{api_before}");
    assert_eq!(api_before["categories"], json!([]));
    // Refused before the final ranking is frozen.
    let refused = committee.post_form("/panitia/publikasi", &[]).await;
    let body = text_of(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(body.contains("Peringkat akhir belum ditetapkan"), "{body}");

    // Freeze through the API: the only weighted stage makes the final ranking.
    let (ok, out, err) = db.cli(&["token", "create", "--email", COMMITTEE.0], None);
    assert!(ok, "{err}");
    let mut api = Client::new(&server.base);
    api.origin = None;
    api.bearer = Some(out.trim().to_owned());
    let fr = api
        .post_json("/api/v1/rankings/penilaian/freeze", &json!({}))
        .await;
    text_of(fr, StatusCode::OK).await;

    // Published without scores.
    let done = committee.post_form("/panitia/publikasi", &[]).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let page = text_of(server.client().get("/hasil").await, StatusCode::OK).await;
    let at: Vec<usize> = titles[..3]
        .iter()
        .map(|t| page.find(&askama_escape(t)).expect("title listed"))
        .collect();
    assert!(at[0] < at[1] && at[1] < at[2], "rank order: {at:?}");
    assert!(page.contains("Juara 1") && page.contains("Juara 3"));
    assert!(page.contains(&askama_escape(&titles[3])));
    assert!(!page.contains("class=\"score\""), "scores hidden");
    assert!(page.contains("media=\"print\""));
    let published: serde_json::Value = server
        .client()
        .get("/api/v1/results")
        .await
        .json()
        .await
        .unwrap();
    let rows = &published["categories"][0]["rows"];
    assert_eq!(rows[0]["title"], json!(titles[0]), "{published}");
    assert_eq!(rows[0]["rank"], json!(1));
    assert_eq!(rows[0]["award"], json!("juara"));
    assert!(rows[0]["score"].is_null(), "scores hidden in the API too");
    // Each row links to its catalogue entry, if any; publishing the winner to the
    // catalogue gives it one.
    sqlx::query("DELETE FROM catalog_entries WHERE proposal_id = $1")
        .bind(p[0])
        .execute(&db.connect().await)
        .await
        .unwrap();
    let published: serde_json::Value = server
        .client()
        .get("/api/v1/results")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        published["categories"][0]["rows"][0]["catalog_url"].is_null(),
        "not in the catalogue: {published}"
    );
    let r = committee
        .post_form(&format!("/panitia/usulan/{}/terbitkan", p[0]), &[])
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let entry: i64 = sqlx::query_scalar("SELECT id FROM catalog_entries WHERE proposal_id = $1")
        .bind(p[0])
        .fetch_one(&db.connect().await)
        .await
        .expect("published to the catalogue");
    let published: serde_json::Value = server
        .client()
        .get("/api/v1/results")
        .await
        .json()
        .await
        .unwrap();
    let href = published["categories"][0]["rows"][0]["catalog_url"]
        .as_str()
        .expect("a catalogue link")
        .to_owned();
    assert_eq!(href, format!("/katalog/{entry}"));
    let page = text_of(server.client().get("/hasil").await, StatusCode::OK).await;
    assert!(page.contains(&format!("href=\"{href}\"")), "{page}");
    let entry = text_of(server.client().get(&href).await, StatusCode::OK).await;
    assert!(entry.contains(&askama_escape(&titles[0])));

    // Winners' proposals are winners now.
    let pool = db.connect().await;
    for id in &p {
        let state: String = sqlx::query_scalar("SELECT state FROM proposals WHERE id = $1")
            .bind(*id)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(state, "winner", "proposal {id}");
    }
    let logged: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_events WHERE action = 'results.published'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(logged, 1);
    pool.close().await;

    // With scores: 85 for P1.
    let again = committee
        .post_form("/panitia/publikasi", &[("show_scores", "1")])
        .await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    let page = text_of(
        server.client().get(&format!("/hasil/{year}")).await,
        StatusCode::OK,
    )
    .await;
    assert!(page.contains("class=\"score\""), "scores shown");
    assert!(page.contains("85"), "{page}");
    // The archive lists the edition; an unknown year is 404.
    let arch = text_of(server.client().get("/hasil/arsip").await, StatusCode::OK).await;
    assert!(arch.contains(&format!("/hasil/{year}")), "{arch}");
    let missing = server.client().get("/hasil/1999").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let by_year: serde_json::Value = server
        .client()
        .get(&format!("/api/v1/results/{year}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_year["categories"][0]["rows"][0]["score"], json!(85.0));
    let archive: serde_json::Value = server
        .client()
        .get("/api/v1/results/archive")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(archive[0]["year"], json!(year), "{archive}");
    assert_eq!(archive[0]["url"], json!(format!("/api/v1/results/{year}")));
    let missing = server.client().get("/api/v1/results/1999").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

/// Titles as askama escapes them in HTML text.
fn askama_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}
