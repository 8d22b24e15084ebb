//! The innovation catalogue on both backends: import refused row by row and accepted,
//! search order and facets fixed (the same ids in the same order on SQLite and PostgreSQL),
//! similar innovations and duplicate pairs fixed, planted reworded copies flagged while an
//! unrelated same-topic proposal is not, two nodes on one database in step, publishing a
//! proposal creates its page, the novelty box, ATM links and open data downloads.

mod common;

use common::{COMMITTEE, Client, JUDGE, OPERATOR, TestDb, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    import_and_search,
    similar_and_duplicates,
    two_nodes_stay_in_step,
    publishing_and_lineage,
    judges_see_similar_innovations_without_units_when_blind
);

async fn committee_api(server: &TestServer, db: &TestDb) -> Client {
    let (ok, out, err) = db.cli(&["token", "create", "--email", COMMITTEE.0], None);
    assert!(ok, "{err}");
    let mut api = Client::new(&server.base);
    api.origin = None;
    api.bearer = Some(out.trim().to_owned());
    api
}

async fn search(c: &mut Client, query: &str) -> Value {
    let r = c.get(&format!("/api/v1/catalog?{query}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

fn ids(v: &Value) -> Vec<i64> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_i64().unwrap())
        .collect()
}

fn write(db: &TestDb, name: &str, text: &str) -> String {
    let p = db.data_dir().join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

const BAD_CSV: &str = "title,unit,unit_kind,region,year,values,sdgs,stage,summary,indicators\n\
Pasar Online Desa,Dinas Koperasi,perangkat_daerah,Kabupaten Malang,2021,kolaboratif,8,penerapan,Pasar daring desa.,Omzet: 10 -> 15 juta\n\
Kartu Sakti,Dinas Sosial,,Kota Batu,20x1,jujur,19,awal,Kartu bantuan.,\n";

const GOOD_CSV: &str = "title;unit;unit_kind;region;year;category;values;sdgs;stage;summary;indicators;results;source_url\n\
Pasar Online Desa;Dinas Koperasi;perangkat_daerah;Kabupaten Malang;2021;Ekonomi;kolaboratif;8;penerapan;Pedagang pasar desa menjual sayur melalui pesanan daring dan kurir desa.;Omzet pedagang (juta): 10 -> 15;Omzet naik.;https://malangkab.go.id/\n\
Posyandu Lansia Keliling;Puskesmas Batu;unit_layanan_lainnya;Kota Batu;2022;Kesehatan;\"berorientasi_pelayanan,harmonis\";3;uji_coba;Kader posyandu mengunjungi lansia di rumah untuk pemeriksaan tekanan darah dan gula.;Lansia terperiksa per bulan: 120 -> 480;Kunjungan naik.;\n";

async fn import_and_search(db: &TestDb) {
    let server = TestServer::start(db, true);
    let mut anon = server.client();

    // The demo's catalogue: a fixed query gives fixed ids in a fixed order, on both backends.
    let r = search(&mut anon, "q=antrean").await;
    assert_eq!(ids(&r), vec![10, 1, 6, 20, 11], "{r}");
    assert_eq!(r["mode"], "all");
    assert!(
        r["hits"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>antrean</mark>")
    );
    // Stemming: "pendaftaran" finds "daftar"/"mendaftar".
    let r = search(&mut anon, "q=mendaftarkan+pasien").await;
    assert_eq!(ids(&r), vec![10, 1, 20, 6], "{r}");
    // Filters and facet counts.
    let r = search(&mut anon, "q=antrean&region=Kota+Surabaya").await;
    assert_eq!(ids(&r), vec![1]);
    let regions = r["facets"]["region"].as_array().unwrap();
    assert!(
        regions.contains(&json!({"value": "Kota Pasuruan", "count": 2})),
        "{regions:?}"
    );
    let r = search(&mut anon, "year=2016").await;
    assert_eq!(ids(&r), vec![4, 5]);
    let r = search(&mut anon, "value=harmonis&stage=penerapan").await;
    assert!(r["total"].as_i64().unwrap() >= 2);

    // A bad row is refused with its row and columns; nothing is written.
    let bad = write(db, "bad.csv", BAD_CSV);
    let (ok, _, err) = db.cli(&["catalog", "import", &bad], None);
    assert!(!ok);
    for expected in [
        "row 3, column year: catalog.error_year",
        "row 3, column values: catalog.error_value",
        "row 3, column sdgs: catalog.error_sdg",
        "row 3, column stage: catalog.error_stage",
    ] {
        assert!(err.contains(expected), "{expected} not in {err}");
    }
    let mut api = committee_api(&server, db).await;
    let r = api
        .post_json("/api/v1/catalog/import", &json!({"content": BAD_CSV}))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["problems"]
            .as_array()
            .unwrap()
            .contains(&json!({"row": 3, "column": "year", "key": "catalog.error_year"}))
    );
    // The page keeps what was typed and names the row and column.
    let mut web = server.client();
    web.login(COMMITTEE.0, COMMITTEE.1).await;
    let r = web
        .post_form("/panitia/katalog/impor", &[("content", BAD_CSV)])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Baris 3, kolom year"), "{html}");
    assert!(html.contains("Kartu Sakti"));
    // Dry run: checked, not written.
    let good = write(db, "good.csv", GOOD_CSV);
    let (ok, out, err) = db.cli(&["catalog", "import", &good, "--dry-run"], None);
    assert!(ok, "{err}");
    assert!(out.contains("2 row(s) valid"), "{out}");
    assert!(!ids(&search(&mut anon, "q=posyandu+lansia+keliling").await).contains(&22));
    // The real import through the CLI: the running server sees it at once.
    let (ok, out, err) = db.cli(&["catalog", "import", &good], None);
    assert!(ok, "{err}");
    assert!(out.contains("Imported 2"), "{out}");
    let r = search(&mut anon, "q=posyandu+lansia+keliling").await;
    assert_eq!(ids(&r)[0], 22);
    let r = search(&mut anon, "q=pasar+daring").await;
    assert_eq!(ids(&r)[0], 21);
    let page = anon.get("/katalog/22").await.text().await.unwrap();
    assert!(
        page.contains("Posyandu Lansia Keliling") && page.contains("+300.0%"),
        "{page}"
    );
    let page = anon.get("/katalog?q=posyandu").await.text().await.unwrap();
    assert!(page.contains("<mark>posyandu</mark>") || page.contains("<mark>Posyandu</mark>"));
    // Reindex answers the same.
    let (ok, out, err) = db.cli(&["catalog", "reindex"], None);
    assert!(ok, "{err}");
    assert!(out.contains("22 entries"), "{out}");
    assert_eq!(
        ids(&search(&mut anon, "q=antrean").await),
        vec![10, 1, 6, 20, 11]
    );

    // Open data.
    let r = anon.get("/katalog/data.csv").await;
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("id,title,unit,unit_kind,region,year")
    );
    let data: Value = anon.get("/katalog/data.json").await.json().await.unwrap();
    assert_eq!(data.as_array().unwrap().len(), 22);
    assert_eq!(data[21]["title"], "Posyandu Lansia Keliling");
    assert_eq!(data[21]["sdgs"], json!([3]));
    let meta: Value = anon
        .get("/katalog/metadata.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(meta["license"], "CC-BY-4.0");
    assert_eq!(meta["records"], 22);
    assert!(meta["columns"].as_array().unwrap().len() >= 15);
    assert!(meta["modified"].is_string());
    let doc: Value = anon.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert!(doc["paths"]["/api/v1/catalog"].is_object());
    assert!(doc["paths"]["/api/v1/similar"].is_object());
    assert!(doc["paths"]["/api/v1/duplicates"].is_object());
}

/// Plants proposals by SQL: a 2021 edition with the same unit's proposal identical to the
/// 2022 finalist Sapa Poli (a resubmission), a reworded and reordered copy of Banser, a
/// partial copy of Jalan Berdua, and an independent proposal on Sapa Poli's topic.
async fn plant(db: &TestDb) -> (i64, i64, i64, i64) {
    let pool = db.connect().await;
    let text = |id: i64| {
        let pool = pool.clone();
        async move {
            let r = sqlx::query("SELECT title, summary, problem, idea, novelty, results FROM proposals WHERE id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap();
            use sqlx::Row;
            (0..6).map(|i| r.get::<String, _>(i)).collect::<Vec<_>>()
        }
    };
    let edition: i64 = {
        use sqlx::Row;
        sqlx::query("INSERT INTO editions (year, name, theme, organiser, description, time_zone, is_current, created_at) \
             VALUES (2021, 'Kolabik 2021', '', '', '', 'WIB', 0, 1) RETURNING id")
            .fetch_one(&pool)
            .await
            .unwrap()
            .get(0)
    };
    let insert = |edition: i64, unit: i64, t: Vec<String>| {
        let pool = pool.clone();
        async move {
            use sqlx::Row;
            sqlx::query(
                "INSERT INTO proposals (edition_id, unit_id, title, summary, problem, idea, novelty, results, state, \
                 innovation_stage, value_codes, sdg_numbers, submitted_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'submitted', 'penerapan', '', '', 1000, 1000, $9) RETURNING id",
            )
            .bind(edition)
            .bind(unit)
            .bind(&t[0])
            .bind(&t[1])
            .bind(&t[2])
            .bind(&t[3])
            .bind(&t[4])
            .bind(&t[5])
            .bind(4_000_000_000_000i64)
            .fetch_one(&pool)
            .await
            .unwrap()
            .get::<i64, _>(0)
        }
    };
    let resub = insert(edition, 11, text(4).await).await;
    // Reworded: every section's sentences in reverse order, some words replaced.
    let banser = text(1).await;
    let reworded: Vec<String> = banser
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if i == 0 {
                return "Sigap Limbah (Sisa Ikan Jadi Berkah)".to_owned();
            }
            let mut parts: Vec<&str> = s.split(". ").collect();
            parts.reverse();
            parts
                .join(". ")
                .replace("setiap", "tiap")
                .replace("Kota Pasuruan", "kota kami")
                .replace("mengolahnya", "memprosesnya")
        })
        .collect();
    let reword = insert(1, 7, reworded).await;
    let berdua = text(3).await;
    let partial = insert(
        1,
        9,
        vec![
            "Kawin Tertib (Kartu Keluarga Pengantin Langsung Terbit)".to_owned(),
            "Layanan perubahan data bagi pasangan pengantin melalui kelurahan.".to_owned(),
            berdua[2].clone(),
            "Kelurahan menerima berkas pengantin dan meneruskannya ke dinas melalui aplikasi."
                .to_owned(),
            "Kelurahan menjadi pintu layanan.".to_owned(),
            "Belum ada hasil yang dapat diukur.".to_owned(),
        ],
    )
    .await;
    let topic = insert(
        1,
        31,
        vec![
            "Antre Sehat (Antrean Puskesmas dari Rumah)".to_owned(),
            "Warga mengambil nomor antrean puskesmas dari rumah lewat pesan singkat dan datang ketika gilirannya dekat.".to_owned(),
            "Ruang tunggu puskesmas Kandangsapi penuh sejak pagi; ibu dengan balita dan lansia menunggu berjam-jam sebelum diperiksa dokter umum.".to_owned(),
            "Petugas membuka pemesanan nomor lewat pesan singkat sehari sebelumnya. Sistem mengirim kabar ketika tiga nomor lagi menuju giliran pasien, sehingga pasien bisa menunggu di rumah.".to_owned(),
            "Pemesanan nomor lewat pesan singkat tanpa aplikasi, cocok bagi warga dengan telepon sederhana.".to_owned(),
            "Lama menunggu di ruang tunggu turun dari dua jam menjadi empat puluh menit.".to_owned(),
        ],
    )
    .await;
    pool.close().await;
    (resub, reword, partial, topic)
}

async fn similar_and_duplicates(db: &TestDb) {
    let server = TestServer::start(db, true);
    let mut anon = server.client();
    // Similar innovations of an entry: fixed ids and order, shared terms given.
    let r: Vec<Value> = anon
        .get("/api/v1/catalog/10/similar")
        .await
        .json()
        .await
        .unwrap();
    let got: Vec<(&str, i64)> = r
        .iter()
        .map(|s| (s["kind"].as_str().unwrap(), s["id"].as_i64().unwrap()))
        .collect();
    eprintln!("similar: {got:?}");
    assert_eq!(got, EXPECTED_SIMILAR.to_vec(), "{r:?}");
    assert!(
        r[0]["shared_terms"]
            .as_array()
            .unwrap()
            .contains(&json!("antre"))
    );
    assert!(
        r.iter().all(|s| s["entry_id"].is_i64()),
        "anonymous readers see the catalogue only"
    );

    let (resub, reword, partial, topic) = plant(db).await;
    // Planted after the demo's proposals (2022, then its past 2021 edition).
    assert_eq!((reword, partial, topic), (resub + 1, resub + 2, resub + 3));
    let mut api = committee_api(&server, db).await;
    let r = api
        .post_json(
            "/api/v1/similar",
            &json!({"text": "antrean pasien puskesmas lewat pesan singkat", "limit": 5}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let list: Vec<Value> = r.json().await.unwrap();
    let got: Vec<(String, i64)> = list
        .iter()
        .map(|s| {
            (
                s["kind"].as_str().unwrap().to_owned(),
                s["id"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got[0], ("proposal".to_owned(), topic), "{list:?}");

    let r = api.get("/api/v1/duplicates").await;
    assert_eq!(r.status(), StatusCode::OK);
    let pairs: Vec<Value> = r.json().await.unwrap();
    let summary: Vec<(i64, i64, f64, bool)> = pairs
        .iter()
        .map(|p| {
            (
                p["a"]["id"].as_i64().unwrap(),
                p["b"]["id"].as_i64().unwrap(),
                p["score"].as_f64().unwrap(),
                p["resubmission"].as_bool().unwrap(),
            )
        })
        .collect();
    eprintln!("duplicates: {summary:?}");
    let has = |a: i64, b: i64| {
        pairs.iter().any(|p| {
            p["a"]["kind"] == "proposal"
                && p["b"]["kind"] == "proposal"
                && p["a"]["id"] == a
                && p["b"]["id"] == b
        })
    };
    assert!(
        has(4, resub) && has(1, reword) && has(3, partial),
        "{summary:?}"
    );
    assert!(
        !pairs
            .iter()
            .any(|p| p["a"]["id"] == topic && p["a"]["kind"] == "proposal"
                || p["b"]["id"] == topic && p["b"]["kind"] == "proposal"),
        "the same-topic proposal is not a duplicate: {summary:?}"
    );
    let resubmitted = pairs.iter().find(|p| p["b"]["id"] == resub).unwrap();
    assert_eq!(resubmitted["resubmission"], true);
    assert_eq!(resubmitted["score"], 1.0);
    assert!(!resubmitted["passages"].as_array().unwrap().is_empty());
    let expected: Vec<(i64, i64, f64, bool)> = EXPECTED_PAIRS
        .iter()
        .map(|(a, b, score, resubmission)| (*a, resub + b, *score, *resubmission))
        .collect();
    assert_eq!(summary, expected);

    // The committee's pages: the list side by side, the screening page's box.
    let mut web = server.client();
    web.login(COMMITTEE.0, COMMITTEE.1).await;
    let html = web.get("/panitia/duplikat").await.text().await.unwrap();
    assert!(html.contains("Sigap Limbah") && html.contains("Diajukan ulang tanpa perubahan"));
    let html = web
        .get(&format!("/panitia/seleksi/{reword}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("id=\"kebaruan\"") && html.contains("proposal-duplicates"),
        "{html}"
    );
    assert!(html.contains("Banser"));
    // Not for others.
    let mut op = server.client();
    op.login(OPERATOR.0, OPERATOR.1).await;
    assert_eq!(
        op.get("/api/v1/duplicates").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        anon.get("/api/v1/duplicates").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// Similar to entry 10 (Sapa Poli), for anonymous readers: catalogue entries, and published
/// proposals under their proposal id (with their `entry_id`).
const EXPECTED_SIMILAR: [(&str, i64); 10] = [
    ("entry", 20),
    ("entry", 1),
    ("entry", 6),
    ("proposal", 5),
    ("proposal", 8),
    ("proposal", 7),
    ("entry", 2),
    ("proposal", 3),
    ("proposal", 2),
    ("proposal", 9),
];
/// (proposal a, proposal b as an offset from the first planted id, containment, resubmission)
/// after planting: the resubmission, the partial copy and the reworded copy; the same-topic
/// proposal is absent.
const EXPECTED_PAIRS: [(i64, i64, f64, bool); 3] = [
    (4, 0, 1.0, true),
    (3, 2, 0.766, false),
    (1, 1, 0.694, false),
];

async fn two_nodes_stay_in_step(db: &TestDb) {
    let a = TestServer::start(db, true);
    let b = TestServer::start(db, false);
    let mut on_b = b.client();
    // Warm B's index before A writes.
    assert!(!ids(&search(&mut on_b, "q=posyandu+lansia+keliling").await).contains(&22));
    let mut api = committee_api(&a, db).await;
    let r = api
        .post_json("/api/v1/catalog/import", &json!({"content": GOOD_CSV}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // B checks the change sequence before each search.
    let r = search(&mut on_b, "q=posyandu+lansia+keliling").await;
    assert_eq!(ids(&r)[0], 22, "{r}");
    // A publishes a proposal; B shows its page and finds it.
    let r = api
        .post_json("/api/v1/proposals/17/publish", &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let entry = r.json::<Value>().await.unwrap()["entry_id"]
        .as_i64()
        .unwrap();
    assert_eq!(entry, 23);
    let r = search(&mut on_b, "q=bidan+akta").await;
    assert_eq!(ids(&r)[0], 23);
    // A removes it; B no longer finds it.
    let mut web = a.client();
    web.login(COMMITTEE.0, COMMITTEE.1).await;
    let r = web.post_form("/panitia/katalog/23/hapus", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = search(&mut on_b, "q=bidan+akta").await;
    assert!(!ids(&r).contains(&23));
    // The background poll alone (no search) also brings B up to date.
    let r = api
        .post_json("/api/v1/proposals/18/publish", &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    assert_eq!(on_b.get("/katalog/24").await.status(), StatusCode::OK);
    let (ok, _, err) = db.cli(&["catalog", "reindex"], None);
    assert!(ok, "{err}");
    assert_eq!(
        ids(&search(&mut on_b, "q=antrean").await),
        vec![10, 1, 6, 20, 11]
    );
}

async fn publishing_and_lineage(db: &TestDb) {
    let server = TestServer::start(db, true);
    let mut anon = server.client();
    // The demo: Jalan Berdua replicated by two regions; Sapa Poli from Surabaya e-Health.
    let html = anon
        .get("/katalog/paling-direplikasi")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Jalan Berdua") && html.contains("2 replikasi"));
    let html = anon.get("/katalog/10").await.text().await.unwrap();
    assert!(html.contains("Direplikasi dari") && html.contains("Surabaya e-Health"));
    assert!(html.contains("Antre Poli Lewat WA RSUD Bangil"));

    // Publishing a submitted proposal from the committee's page creates its page.
    let mut web = server.client();
    web.login(COMMITTEE.0, COMMITTEE.1).await;
    let html = web.get("/panitia/katalog").await.text().await.unwrap();
    assert!(html.contains("Bidan Siaga Akta"));
    let r = web.post_form("/panitia/usulan/17/terbitkan", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let loc = common::location(&r);
    assert_eq!(loc, "/katalog/21");
    let html = anon.get(&loc).await.text().await.unwrap();
    assert!(html.contains("Bidan Siaga Akta"));
    let mut op = server.client();
    op.login(OPERATOR.0, OPERATOR.1).await;
    // An attachment the unit marks published goes with the entry; the others do not.
    let pdf: &[u8] = b"%PDF-1.4\n%kolabik test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let (public_file, private_file) = {
        use sqlx::Row;
        let pool = db.connect().await;
        let mut ids = Vec::new();
        for name in ["brosur.pdf", "internal.pdf"] {
            let id: i64 = sqlx::query(
                "INSERT INTO files (sha256, filename, content_type, size_bytes, content, created_at) \
                 VALUES ('x', $1, 'application/pdf', $2, $3, 1) RETURNING id",
            )
            .bind(name)
            .bind(pdf.len() as i64)
            .bind(pdf.to_vec())
            .fetch_one(&pool)
            .await
            .unwrap()
            .get(0);
            sqlx::query("INSERT INTO proposal_files (proposal_id, file_id, label, created_at) VALUES (17, $1, $2, 1)")
                .bind(id)
                .bind(name)
                .execute(&pool)
                .await
                .unwrap();
            ids.push(id);
        }
        pool.close().await;
        (ids[0], ids[1])
    };
    let mut kominfo = server.client();
    kominfo
        .login("operator.dispendukcapil@kolabik.test", "Dukcapil-2022!")
        .await;
    let r = kominfo
        .post_form(
            &format!("/operator/usulan/17/lampiran/{public_file}/terbitkan"),
            &[("published", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = web.post_form("/panitia/usulan/17/terbitkan", &[]).await;
    let loc = common::location(&r);
    assert_eq!(loc, "/katalog/21");
    let html = anon.get(&loc).await.text().await.unwrap();
    assert!(
        html.contains("brosur.pdf") && !html.contains("internal.pdf"),
        "{html}"
    );
    let r = anon.get(&format!("{loc}/lampiran/{public_file}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().as_ref(), pdf);
    assert_eq!(
        anon.get(&format!("{loc}/lampiran/{private_file}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // A submitted proposal's ATM source is fixed for its operator.
    let r = kominfo
        .post_form("/operator/usulan/17/atm-katalog", &[("entry_id", "4")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Another unit's operator cannot mark it.
    let r = op
        .post_form(
            &format!("/operator/usulan/17/lampiran/{private_file}/terbitkan"),
            &[("published", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // A draft cannot be published.
    let r = web.post_form("/panitia/usulan/11/terbitkan", &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Anonymous and operators cannot publish.
    let r = anon.post_form("/panitia/usulan/18/terbitkan", &[]).await;
    assert!(common::location(&r).starts_with("/masuk"));

    // The operator's editor shows the novelty box; the ATM link points at an entry.
    let html = op.get("/operator/usulan/11").await.text().await.unwrap();
    assert!(html.contains("id=\"kebaruan\""), "{html}");
    let r = op
        .post_form(
            "/operator/usulan/11/atm-katalog",
            &[("entry_id", "7"), ("url", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = op.get("/operator/usulan/11").await.text().await.unwrap();
    assert!(html.contains("href=\"/katalog/7\">Banser"), "{html}");
    let r = op
        .post_form(
            "/operator/usulan/11/atm-katalog",
            &[("entry_id", ""), ("url", "javascript:alert(1)")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Another unit's proposal: not found.
    let r = op
        .post_form("/operator/usulan/3/atm-katalog", &[("entry_id", "7")])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Novelty for any text, for a signed-in operator: no other unit's current proposals.
    let r = op
        .post_json(
            "/api/v1/similar",
            &json!({"text": "bidan akta kelahiran bayi"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let list: Vec<Value> = r.json().await.unwrap();
    assert!(list.iter().any(|s| s["entry_id"] == 21));
    assert!(
        !list
            .iter()
            .any(|s| s["kind"] == "proposal" && s["entry_id"].is_null() && s["year"] == 2022),
        "{list:?}"
    );
    // Earlier editions' proposals are prior art the operator may see (the demo's 2021
    // Dukcapil proposal is about birth certificates too).
    assert!(
        list.iter()
            .any(|s| s["kind"] == "proposal" && s["year"] == 2021)
    );
    assert_eq!(
        anon.post_json("/api/v1/similar", &json!({"text": "x"}))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );

    // Audit.
    let mut api = committee_api(&server, db).await;
    let audit: Value = api.get("/api/v1/audit").await.json().await.unwrap();
    let text = audit.to_string();
    assert!(text.contains("catalog.published") && text.contains("catalog.atm_linked"));
}

/// The judge's score sheet shows similar innovations beside Sapa Poli (a finalist); in a blind
/// stage no unit is named in that box and nothing links to the catalogue.
async fn judges_see_similar_innovations_without_units_when_blind(db: &TestDb) {
    use sqlx::Row;
    let server = TestServer::start(db, true);
    let pool = db.connect().await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let day = 86_400_000i64;
    let edition: i64 = sqlx::query("SELECT id FROM editions WHERE is_current = 1")
        .fetch_one(&pool)
        .await
        .unwrap()
        .get(0);
    sqlx::query("UPDATE stages SET opens_at = $1, closes_at = $2 WHERE edition_id = $3 AND kind = 'penilaian'")
        .bind(now - day)
        .bind(now + day)
        .bind(edition)
        .execute(&pool)
        .await
        .unwrap();
    let stage: i64 =
        sqlx::query("SELECT id FROM stages WHERE edition_id = $1 AND kind = 'penilaian'")
            .bind(edition)
            .fetch_one(&pool)
            .await
            .unwrap()
            .get(0);
    let judge: i64 = sqlx::query(
        "SELECT j.id FROM judges j JOIN users u ON u.id = j.user_id WHERE u.email = $1",
    )
    .bind(JUDGE.0)
    .fetch_one(&pool)
    .await
    .unwrap()
    .get(0);
    sqlx::query("INSERT INTO edition_judges (edition_id, judge_id, state, invited_at, declared_at) VALUES ($1, $2, 'accepted', $3, $3)")
        .bind(edition)
        .bind(judge)
        .bind(now)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO assignments (stage_id, judge_id, proposal_id, manual, affinity, created_at) VALUES ($1, $2, 4, 1, 0, $3)")
        .bind(stage)
        .bind(judge)
        .bind(now)
        .execute(&pool)
        .await
        .unwrap();
    let mut names: Vec<String> = Vec::new();
    for sql in [
        "SELECT name FROM units",
        "SELECT unit_name FROM catalog_entries",
    ] {
        for r in sqlx::query(sql).fetch_all(&pool).await.unwrap() {
            names.push(r.get::<String, _>(0));
        }
    }
    let box_of = |html: &str| -> String {
        let start = html.find("id=\"kebaruan\"").expect("novelty box");
        let end = html[start..].find("</section>").unwrap() + start;
        html[start..end].to_owned()
    };
    let mut j = server.client();
    j.login(JUDGE.0, JUDGE.1).await;
    let page = "/juri/penilaian/4";
    let r = j.get(page).await;
    assert_eq!(r.status(), StatusCode::OK);
    let open = box_of(&r.text().await.unwrap());
    assert!(open.contains("Surabaya e-Health"), "{open}");
    assert!(open.contains("Dinas Kesehatan Kota Surabaya"), "{open}");
    sqlx::query("UPDATE stage_judging SET blind = 1 WHERE stage_id = $1")
        .bind(stage)
        .execute(&pool)
        .await
        .unwrap();
    let blind = box_of(&j.get(page).await.text().await.unwrap());
    assert!(blind.contains("Surabaya e-Health"), "{blind}");
    assert!(!blind.contains("href=\"/katalog/"), "{blind}");
    for n in &names {
        assert!(
            !blind.contains(n.as_str()),
            "{n} named in a blind stage: {blind}"
        );
    }
    pool.close().await;
}
