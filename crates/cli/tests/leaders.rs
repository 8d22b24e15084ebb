//! The leaders' dashboard over HTTP on the full demo (2022 judged, frozen and published,
//! and the finished 2021 edition), on both backends: every chart's numbers are in the
//! page's tables and agree with independent SQL on the database; the API carries the same
//! numbers; the printable page renders; only leaders and the committee get in.

mod common;

use common::{COMMITTEE, JUDGE, OPERATOR, TestDb, TestServer, VIEWER};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Row;

on_both_backends!(leaders_dashboard_agrees_with_the_database);

const SUBMITTED: &str =
    "('submitted', 'returned', 'passed_screening', 'rejected', 'finalist', 'winner')";

/// The rows of the chart captioned `caption`: (row label, the numbers of its cells).
fn chart(html: &str, caption: &str) -> Vec<(String, Vec<i64>)> {
    let figure = html
        .split("<figure class=\"chart")
        .find(|f| f.contains(&format!("<figcaption>{caption}</figcaption>")))
        .unwrap_or_else(|| panic!("no chart {caption:?}"));
    let figure = figure.split("</figure>").next().unwrap_or("");
    let body = figure.split("<tbody>").nth(1).expect("a table body");
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            let label = row
                .split("<th scope=\"row\">")
                .nth(1)
                .and_then(|s| s.split('<').next())
                .unwrap_or("")
                .trim()
                .to_owned();
            let numbers = row
                .split("<td>")
                .skip(1)
                .map(|s| {
                    let n = s.split('<').next().unwrap_or("").replace(['.', ','], "");
                    n.trim()
                        .parse()
                        .unwrap_or_else(|_| panic!("a number in {caption:?}: {s:?}"))
                })
                .collect();
            (label, numbers)
        })
        .collect()
}

/// The single number per row of a bar chart.
fn bar_numbers(html: &str, caption: &str) -> Vec<i64> {
    chart(html, caption)
        .into_iter()
        .map(|(_, n)| {
            assert_eq!(n.len(), 1, "{caption}: one number per bar");
            n[0]
        })
        .collect()
}

async fn scalar(pool: &sqlx::AnyPool, sql: &str, edition: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(edition)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn bins_of(scores: &[f64]) -> Vec<i64> {
    let mut bins = vec![0i64; 10];
    for s in scores {
        let i = if *s >= 90.0 {
            9
        } else if *s <= 0.0 {
            0
        } else {
            (*s as usize) / 10
        };
        bins[i] += 1;
    }
    bins
}

async fn leaders_dashboard_agrees_with_the_database(db: &TestDb) {
    let server = TestServer::start_full_demo(db);
    let mut viewer = server.client();
    viewer.login(VIEWER.0, VIEWER.1).await;
    let r = viewer.get("/pimpinan").await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.expect("body");
    let pool = db.connect().await;
    let edition: i64 = sqlx::query_scalar("SELECT id FROM editions WHERE is_current = 1")
        .fetch_one(&pool)
        .await
        .expect("current edition");
    let year: i64 = sqlx::query_scalar("SELECT year FROM editions WHERE is_current = 1")
        .fetch_one(&pool)
        .await
        .expect("year");
    assert_eq!(year, 2022, "the past edition does not take over as current");

    // Participation by unit kind: units, units with a submitted proposal, rate, proposals.
    let kinds = [
        "perangkat_daerah",
        "kecamatan",
        "kelurahan",
        "satuan_pendidikan",
        "unit_layanan_lainnya",
    ];
    let mut expected = Vec::new();
    for kind in kinds {
        let units: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM units WHERE kind = $1")
            .bind(kind)
            .fetch_one(&pool)
            .await
            .unwrap();
        let row = sqlx::query(&format!(
            "SELECT COUNT(DISTINCT p.unit_id) AS units, COUNT(*) AS proposals FROM proposals p \
             JOIN units u ON u.id = p.unit_id \
             WHERE p.edition_id = $1 AND u.kind = $2 AND p.state IN {SUBMITTED}"
        ))
        .bind(edition)
        .bind(kind)
        .fetch_one(&pool)
        .await
        .unwrap();
        let participating: i64 = row.get("units");
        let proposals: i64 = row.get("proposals");
        let rate = if units == 0 {
            0
        } else {
            participating * 100 / units
        };
        expected.push(vec![units, participating, rate, proposals]);
    }
    let by_kind: Vec<Vec<i64>> = chart(&html, "Partisipasi menurut jenis unit")
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    assert_eq!(by_kind, expected);
    // The demo: 4 kecamatan, of which only Panggungrejo sent a proposal to the committee
    // (its second is still a draft).
    assert_eq!(by_kind[1], vec![4, 1, 25, 1]);

    // Participation by kecamatan, from a recursive walk in SQL (independent of the domain's
    // walk), then city level for the rest.
    let rows = sqlx::query(&format!(
        "WITH RECURSIVE tree (id, root) AS ( \
           SELECT id, id FROM units WHERE kind = 'kecamatan' \
           UNION ALL SELECT u.id, t.root FROM units u JOIN tree t ON u.parent_id = t.id \
           WHERE u.kind <> 'kecamatan') \
         SELECT k.name, COUNT(DISTINCT t.id) AS units, COUNT(DISTINCT p.unit_id) AS part, \
           COUNT(p.id) AS proposals \
         FROM tree t JOIN units k ON k.id = t.root \
         LEFT JOIN proposals p ON p.unit_id = t.id AND p.edition_id = $1 \
           AND p.state IN {SUBMITTED} \
         GROUP BY t.root, k.name ORDER BY t.root"
    ))
    .bind(edition)
    .fetch_all(&pool)
    .await
    .expect("kecamatan tree");
    let mut expected: Vec<(String, Vec<i64>)> = rows
        .iter()
        .map(|r| {
            let units: i64 = r.get("units");
            let part: i64 = r.get("part");
            (
                r.get::<String, _>("name"),
                vec![units, part, part * 100 / units, r.get("proposals")],
            )
        })
        .collect();
    assert_eq!(expected.len(), 4);
    let all_units: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM units")
        .fetch_one(&pool)
        .await
        .unwrap();
    let all_part = scalar(
        &pool,
        &format!(
            "SELECT COUNT(DISTINCT unit_id) FROM proposals \
             WHERE edition_id = $1 AND state IN {SUBMITTED}"
        ),
        edition,
    )
    .await;
    let all_proposals = scalar(
        &pool,
        &format!("SELECT COUNT(*) FROM proposals WHERE edition_id = $1 AND state IN {SUBMITTED}"),
        edition,
    )
    .await;
    let (ku, kp, kn) = expected.iter().fold((0, 0, 0), |(a, b, c), (_, n)| {
        (a + n[0], b + n[1], c + n[3])
    });
    let (cu, cp) = (all_units - ku, all_part - kp);
    expected.push((
        "Tingkat kota / perangkat daerah".to_owned(),
        vec![cu, cp, cp * 100 / cu, all_proposals - kn],
    ));
    assert_eq!(
        chart(&html, "Partisipasi menurut kecamatan"),
        expected,
        "kelurahan count under their kecamatan"
    );

    // Submitted proposals per category.
    let rows = sqlx::query(&format!(
        "SELECT c.id, (SELECT COUNT(*) FROM proposals p WHERE p.category_id = c.id \
         AND p.state IN {SUBMITTED}) AS n FROM categories c WHERE c.edition_id = $1 \
         ORDER BY c.position, c.id"
    ))
    .bind(edition)
    .fetch_all(&pool)
    .await
    .unwrap();
    let expected: Vec<i64> = rows.iter().map(|r| r.get("n")).collect();
    assert_eq!(
        bar_numbers(&html, "Usulan terkirim menurut kategori"),
        expected
    );

    // BerAKHLAK values and SDGs: a proposal counts once per value or goal it names.
    let mut expected = Vec::new();
    for code in [
        "berorientasi_pelayanan",
        "akuntabel",
        "kompeten",
        "harmonis",
        "loyal",
        "adaptif",
        "kolaboratif",
    ] {
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM proposals WHERE edition_id = $1 AND state IN {SUBMITTED} \
             AND (',' || value_codes || ',') LIKE $2"
        ))
        .bind(edition)
        .bind(format!("%,{code},%"))
        .fetch_one(&pool)
        .await
        .unwrap();
        expected.push(n);
    }
    assert_eq!(
        bar_numbers(&html, "Usulan menurut nilai BerAKHLAK"),
        expected
    );
    assert!(
        expected.iter().sum::<i64>() > all_proposals,
        "values overlap"
    );
    let mut expected = Vec::new();
    for goal in 1..=17 {
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM proposals WHERE edition_id = $1 AND state IN {SUBMITTED} \
             AND (',' || sdg_numbers || ',') LIKE $2"
        ))
        .bind(edition)
        .bind(format!("%,{goal},%"))
        .fetch_one(&pool)
        .await
        .unwrap();
        expected.push(n);
    }
    let sdgs = chart(&html, "Usulan menurut tujuan SDGs");
    assert_eq!(sdgs.len(), 17);
    assert_eq!(sdgs[13].0, "14. Ekosistem Lautan");
    assert_eq!(sdgs.iter().map(|(_, n)| n[0]).collect::<Vec<_>>(), expected);

    // The pipeline: submitted → screened → each judged stage → finalists → winners.
    let state_count = |states: &'static str| {
        let pool = pool.clone();
        async move {
            scalar(
                &pool,
                &format!(
                    "SELECT COUNT(*) FROM proposals WHERE edition_id = $1 AND state IN {states}"
                ),
                edition,
            )
            .await
        }
    };
    let mut expected = vec![
        state_count(SUBMITTED).await,
        state_count("('passed_screening', 'finalist', 'winner')").await,
    ];
    let entries: Vec<i64> = sqlx::query_scalar(
        "SELECT COUNT(e.proposal_id) FROM stages s \
         LEFT JOIN stage_entries e ON e.stage_id = s.id WHERE s.edition_id = $1 \
         AND s.kind IN ('penilaian', 'presentasi_wawancara', 'verifikasi_lapangan') \
         GROUP BY s.id, s.opens_at ORDER BY s.opens_at, s.id",
    )
    .bind(edition)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(entries.len(), 3);
    expected.extend(entries);
    let finalists = state_count("('finalist', 'winner')").await;
    let winners = state_count("('winner')").await;
    expected.extend([finalists, winners]);
    let funnel = bar_numbers(&html, "Alur inovasi dari pengajuan sampai juara");
    assert_eq!(funnel, expected);
    assert!(
        funnel.windows(2).all(|w| w[0] >= w[1]),
        "a funnel narrows: {funnel:?}"
    );
    // Winners are the edition's recorded winners: publication makes the first three of each
    // category `winner`. Each of them is within the first three of the frozen final ranking.
    let ranked_winners = scalar(
        &pool,
        "SELECT COUNT(*) FROM proposals p JOIN results r ON r.proposal_id = p.id \
         AND r.stage_id IS NULL WHERE p.edition_id = $1 AND p.state = 'winner' \
         AND r.rank BETWEEN 1 AND 3",
        edition,
    )
    .await;
    assert_eq!(ranked_winners, winners);
    let published = scalar(
        &pool,
        "SELECT COUNT(*) FROM editions WHERE id = $1 AND results_published_at IS NOT NULL",
        edition,
    )
    .await;
    if published == 0 {
        // The demo file records the three best of 2022 (Banser, Buih Jadi Permadani, Jalan
        // Berdua) before any publication.
        assert_eq!(winners, 3);
    } else {
        let missed = scalar(
            &pool,
            "SELECT COUNT(*) FROM results r JOIN proposals p ON p.id = r.proposal_id \
             WHERE r.edition_id = $1 AND r.stage_id IS NULL AND r.rank = 1 \
             AND r.score IS NOT NULL AND p.state <> 'winner'",
            edition,
        )
        .await;
        assert_eq!(
            missed, 0,
            "every category's first is a winner once published"
        );
    }

    // Score histograms from frozen results only, per judged stage and final.
    let mut api_expect = Vec::new();
    for (kind, caption) in [
        (Some("penilaian"), "Sebaran nilai: Penilaian"),
        (
            Some("presentasi_wawancara"),
            "Sebaran nilai: Presentasi dan wawancara",
        ),
        (
            Some("verifikasi_lapangan"),
            "Sebaran nilai: Verifikasi lapangan",
        ),
        (None, "Sebaran nilai: Nilai akhir"),
    ] {
        let scores: Vec<f64> = match kind {
            Some(k) => sqlx::query_scalar(
                "SELECT r.score FROM results r JOIN stages s ON s.id = r.stage_id \
                 JOIN stage_judging sj ON sj.stage_id = s.id \
                 WHERE r.edition_id = $1 AND s.kind = $2 AND r.score IS NOT NULL \
                 AND sj.frozen_at IS NOT NULL",
            )
            .bind(edition)
            .bind(k)
            .fetch_all(&pool)
            .await
            .unwrap(),
            None => sqlx::query_scalar(
                "SELECT score FROM results WHERE edition_id = $1 AND stage_id IS NULL \
                 AND score IS NOT NULL",
            )
            .bind(edition)
            .fetch_all(&pool)
            .await
            .unwrap(),
        };
        assert_eq!(bar_numbers(&html, caption), bins_of(&scores), "{caption}");
        api_expect.push((kind, scores));
    }
    assert!(
        !api_expect[0].1.is_empty() && !api_expect[3].1.is_empty(),
        "the demo froze desk assessment and the final ranking"
    );

    // Editions compared: 2021 (the demo's past edition) and 2022.
    let yoy = chart(&html, "Perbandingan antaredisi");
    assert_eq!(yoy.len(), 2);
    assert_eq!(yoy[0].0, "2021");
    assert_eq!(yoy[1].0, "2022 (berjalan)");
    assert_eq!(yoy[0].1, vec![15, 15, 10, 8], "the 2021 demo file's totals");
    assert_eq!(yoy[1].1, vec![all_part, all_proposals, finalists, winners]);

    // The API carries the same numbers.
    let api: Value = viewer
        .get("/api/v1/dashboard/viewer")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(api["edition_year"], 2022);
    let pipeline: Vec<i64> = api["pipeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_i64().unwrap())
        .collect();
    assert_eq!(pipeline, funnel);
    assert_eq!(api["pipeline"][0]["key"], "submitted");
    assert_eq!(api["pipeline"][6]["key"], "winners");
    let dists = api["score_distributions"].as_array().unwrap();
    assert_eq!(dists.len(), 4);
    for (d, (kind, scores)) in dists.iter().zip(&api_expect) {
        assert_eq!(d["stage"].as_str(), *kind);
        assert_eq!(d["count"].as_i64(), Some(scores.len() as i64));
        if !scores.is_empty() {
            let mean = scores.iter().sum::<f64>() / scores.len() as f64;
            let got = d["mean"].as_f64().unwrap();
            assert!((got - mean).abs() < 1e-9, "mean {got} vs {mean}");
            let mut sorted = scores.clone();
            sorted.sort_by(f64::total_cmp);
            let n = sorted.len();
            let median = if n % 2 == 1 {
                sorted[n / 2]
            } else {
                (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
            };
            assert!((d["median"].as_f64().unwrap() - median).abs() < 1e-9);
        }
    }
    assert_eq!(api["editions"][0]["year"], 2021);
    assert_eq!(api["editions"][0]["winners"], 8);
    assert_eq!(api["editions"][1]["is_current"], true);
    assert_eq!(
        api["participation_by_kecamatan"].as_array().unwrap().len(),
        5
    );
    assert_eq!(api["proposals_by_sdg"].as_array().unwrap().len(), 17);

    // The printable page: every chart, no site navigation.
    let r = viewer.get("/pimpinan/cetak").await;
    assert_eq!(r.status(), StatusCode::OK);
    let print = r.text().await.unwrap();
    assert!(!print.contains("class=\"site-header\""), "no navigation");
    assert!(print.contains("<title>Dasbor pimpinan, versi cetak · Kolabik</title>"));
    assert_eq!(
        chart(&print, "Perbandingan antaredisi"),
        yoy,
        "the same numbers on paper"
    );
    assert_eq!(
        bar_numbers(&print, "Alur inovasi dari pengajuan sampai juara"),
        funnel
    );

    // The committee reaches the dashboard from its own; others are refused.
    let mut committee = server.client();
    committee.login(COMMITTEE.0, COMMITTEE.1).await;
    let home = committee.get("/panitia").await.text().await.unwrap();
    assert!(home.contains("href=\"/pimpinan\""));
    for path in ["/pimpinan", "/pimpinan/cetak", "/api/v1/dashboard/viewer"] {
        assert_eq!(committee.get(path).await.status(), StatusCode::OK, "{path}");
    }
    for (email, password) in [OPERATOR, JUDGE] {
        let mut c = server.client();
        c.login(email, password).await;
        for path in ["/pimpinan", "/pimpinan/cetak", "/api/v1/dashboard/viewer"] {
            assert_eq!(
                c.get(path).await.status(),
                StatusCode::FORBIDDEN,
                "{email} {path}"
            );
        }
    }
    let mut anon = server.client();
    assert_eq!(anon.get("/pimpinan").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        anon.get("/pimpinan/cetak").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        anon.get("/api/v1/dashboard/viewer").await.status(),
        StatusCode::UNAUTHORIZED
    );
}
