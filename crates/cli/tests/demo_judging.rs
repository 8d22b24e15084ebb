//! The demo's completed 2022 judging (`serve --demo`), on both backends: the three stages'
//! rankings and the final ranking answer and put the three real winners first, the demo
//! judge's queue lists submitted sheets, the assignment page shows a finished solver run,
//! and the berita acara downloads. The results are published: the public API and `/hasil`
//! list the winners, each linked to its catalogue page.

mod common;

use common::{COMMITTEE, Client, JUDGE, TestDb, TestServer};
use reqwest::StatusCode;
use serde_json::Value;

on_both_backends!(demo_holds_a_finished_2022_judging);

const WINNERS: [&str; 3] = ["Banser", "Buih Jadi Permadani", "Jalan Berdua"];
const STAGES: [&str; 3] = ["penilaian", "presentasi_wawancara", "verifikasi_lapangan"];

async fn api_client(server: &TestServer, db: &TestDb, email: &str) -> Client {
    let (ok, out, err) = db.cli(&["token", "create", "--email", email], None);
    assert!(ok, "{err}");
    let mut api = Client::new(&server.base);
    api.origin = None;
    api.bearer = Some(out.trim().to_owned());
    api
}

async fn json_ok(r: reqwest::Response) -> Value {
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{text}");
    serde_json::from_str(&text).unwrap()
}

async fn demo_holds_a_finished_2022_judging(db: &TestDb) {
    let started = std::time::Instant::now();
    let server = TestServer::start_full_demo(db);
    eprintln!("demo server ready in {:?}", started.elapsed());
    let mut committee = server.client();
    committee.login(COMMITTEE.0, COMMITTEE.1).await;
    for stage in STAGES {
        let r = committee.get(&format!("/panitia/peringkat/{stage}")).await;
        assert_eq!(r.status(), StatusCode::OK, "{stage}");
        let html = r.text().await.unwrap();
        assert!(html.contains("Banser"), "{stage}");
    }
    assert_eq!(
        committee.get("/panitia/peringkat").await.status(),
        StatusCode::OK
    );

    let mut api = api_client(&server, db, COMMITTEE.0).await;
    let fin = json_ok(api.get("/api/v1/final-ranking").await).await;
    let mut rows: Vec<&Value> = fin
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["rows"].as_array().unwrap())
        .collect();
    // 13 judged proposals; the committee account is recused from one finalist (its
    // deputy sees it); the 3 not promoted past the desk assessment have no final score.
    assert_eq!(rows.len(), 12, "{fin}");
    assert!(!fin.to_string().contains("Salam Jumat"), "{fin}");
    rows.retain(|r| r["score"].is_f64());
    assert_eq!(rows.len(), 9, "{fin}");
    rows.sort_by(|a, b| {
        b["score"]
            .as_f64()
            .unwrap()
            .total_cmp(&a["score"].as_f64().unwrap())
    });
    let top: Vec<String> = rows[..3].iter().map(|r| r.to_string()).collect();
    for w in WINNERS {
        assert!(top.iter().any(|row| row.contains(w)), "{w} not in {top:?}");
    }
    for row in &rows[..3] {
        assert_eq!(row["rank"], 1, "{row}");
    }

    let run = json_ok(api.get("/api/v1/jury/stages/penilaian/runs/latest").await).await;
    assert!(run.to_string().contains("done"), "{run}");
    let pdf = committee
        .get("/panitia/peringkat/penilaian/berita-acara.pdf")
        .await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));

    let mut judge = api_client(&server, db, JUDGE.0).await;
    let q = json_ok(judge.get("/api/v1/judge/queue").await).await;
    let submitted: i64 = q["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["submitted"].as_i64().unwrap())
        .sum();
    assert!(submitted > 0, "{q}");

    let public = json_ok(server.client().get("/api/v1/results").await).await;
    assert!(public["published_at"].is_string(), "{public}");
    // The three best final scores are the three real 2022 winners.
    let best: Vec<String> = public["best"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(best.len(), 3, "{public}");
    for (title, w) in best
        .iter()
        .zip(["Banser", "Jalan Berdua", "Buih Jadi Permadani"])
    {
        assert!(title.starts_with(w), "{best:?}");
    }
    // Only proposals with a final score are published; ranks 1–3 are the categories' juara.
    let rows: Vec<&Value> = public["categories"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["rows"].as_array().unwrap())
        .collect();
    // The ten proposals scored in every weighted stage (the committee account sees nine:
    // it is recused from one, which the public sees like any other).
    assert_eq!(rows.len(), 10, "{public}");
    assert!(rows.iter().all(|r| r["score"].is_f64()));
    let winners: Vec<&&Value> = rows.iter().filter(|r| r["award"] == "juara").collect();
    assert!(winners.iter().all(|r| r["rank"].as_i64().unwrap() <= 3));
    let page = server.client().get("/hasil").await.text().await.unwrap();
    for w in winners {
        let href = w["catalog_url"]
            .as_str()
            .expect("a winner is in the catalogue");
        assert!(page.contains(&format!("href=\"{href}\"")), "{href}");
    }
}
