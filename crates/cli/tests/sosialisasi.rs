//! Sosialisasi: announcements with rich text and a meeting link, materials checked by their
//! content, and which units have seen each announcement. On SQLite and PostgreSQL.

mod common;

use common::{COMMITTEE, OPERATOR, TestDb, TestServer, location};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    announcements_materials_and_read_receipts,
    announcements_through_the_api
);

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

async fn announcements_materials_and_read_receipts(db: &TestDb) {
    let server = TestServer::start(db, true);
    let mut public = server.client();
    let html = public.get("/sosialisasi").await.text().await.unwrap();
    assert!(
        html.contains("Sosialisasi Kolabik 2022 secara daring"),
        "demo announcements are public"
    );
    assert!(
        html.contains(
            "<strong>sosialisasi Kompetisi Inovasi Layanan Publik (Kolabik) 2022</strong>"
        )
    );
    assert!(html.contains("href=\"https://zoom.us/j/83520221029\""));
    assert!(
        !html.contains("Jadwal presentasi dan wawancara finalis"),
        "drafts stay hidden"
    );

    let mut c = server.client();
    c.login(COMMITTEE.0, COMMITTEE.1).await;
    let bad = [
        ("title", ""),
        ("body", "Isi **penting** yang sudah diketik panjang."),
        ("meeting_url", "javascript:alert(1)"),
    ];
    let r = c.post_form("/panitia/sosialisasi", &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"a-title-error\">Wajib diisi"));
    assert!(html.contains("id=\"a-url-error\">Tautan harus diawali http:// atau https://."));
    assert!(
        html.contains("Isi **penting** yang sudah diketik panjang."),
        "typed text kept"
    );

    let good = [
        ("title", "Materi teknis pengisian proposal"),
        (
            "body",
            "Unduh **panduan** di bawah. <script>alert(1)</script>",
        ),
        ("meeting_url", "https://meet.jit.si/kolabik-2022"),
    ];
    let r = c.post_form("/panitia/sosialisasi", &good).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let edit = location(&r);
    let id: i64 = edit.rsplit('/').next().unwrap().parse().unwrap();
    assert!(
        !public
            .get("/sosialisasi")
            .await
            .text()
            .await
            .unwrap()
            .contains("Materi teknis"),
        "a draft until published"
    );

    // A file named .pdf that is not a PDF is refused; a real PDF is kept.
    let r = c
        .post_multipart(
            &format!("/panitia/sosialisasi/{id}/materi"),
            &[],
            &[("file", "panduan.pdf", b"MZ\x90\x00not a pdf")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Jenis berkas tidak diterima")
    );
    let r = c
        .post_multipart(
            &format!("/panitia/sosialisasi/{id}/materi"),
            &[],
            &[("file", "../Panduan Kolabik.PDF", PDF)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = c.get(&edit).await.text().await.unwrap();
    assert!(page.contains("Panduan Kolabik.pdf"));
    let file_id: i64 = page
        .split("href=\"/berkas/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        public.get(&format!("/berkas/{file_id}")).await.status(),
        StatusCode::NOT_FOUND,
        "draft material is private"
    );
    assert_eq!(
        c.get(&format!("/berkas/{file_id}")).await.status(),
        StatusCode::OK,
        "the committee may preview it"
    );

    let mut form: Vec<(&str, &str)> = good.to_vec();
    form.push(("published", "on"));
    let r = c.post_form(&edit, &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = public.get("/sosialisasi").await.text().await.unwrap();
    assert!(html.contains(
        "Unduh <strong>panduan</strong> di bawah. &lt;script&gt;alert(1)&lt;/script&gt;"
    ));
    let r = public.get(&format!("/berkas/{file_id}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("Panduan Kolabik.pdf")
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), PDF);

    // The operator of Dinas Perikanan opens it: their unit counts as having seen it.
    let mut op = server.client();
    op.login(OPERATOR.0, OPERATOR.1).await;
    assert_eq!(
        op.get(&format!("/sosialisasi/{id}")).await.status(),
        StatusCode::OK
    );
    op.get(&format!("/sosialisasi/{id}")).await;
    let seen: Value = c
        .get(&format!("/api/v1/announcements/{id}/seen"))
        .await
        .json()
        .await
        .unwrap();
    let rows = seen.as_array().unwrap();
    assert_eq!(rows.len(), 6, "the demo has six units with operators");
    let perikanan = rows
        .iter()
        .find(|r| r["unit_name"] == "Dinas Perikanan")
        .unwrap();
    assert!(perikanan["seen_at"].is_string());
    assert_eq!(rows.iter().filter(|r| r["seen_at"].is_string()).count(), 1);
    let list = c.get("/panitia/sosialisasi").await.text().await.unwrap();
    assert!(
        list.contains("<td>1 / 6</td>"),
        "seen count on the committee list"
    );
    // Operators cannot manage announcements.
    assert_eq!(
        op.get("/panitia/sosialisasi").await.status(),
        StatusCode::FORBIDDEN
    );
    let log: Value = c.get("/api/v1/audit").await.json().await.unwrap();
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"announcement.created")
            && actions.contains(&"announcement.material_added")
    );
}

async fn announcements_through_the_api(db: &TestDb) {
    let server = TestServer::start(db, true);
    let (ok, out, err) = db.cli(&["token", "create", "--email", COMMITTEE.0], None);
    assert!(ok, "{err}");
    let mut api = common::Client::new(&server.base);
    api.origin = None;
    api.bearer = Some(out.trim().to_owned());
    let r = api
        .post_json(
            "/api/v1/announcements",
            &json!({"title": "Pengumuman API", "body": "Isi *singkat*.", "published": true}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = api
        .post_body(
            &format!("/api/v1/announcements/{id}/materials?filename=poster.png"),
            "application/octet-stream",
            PDF.to_vec(),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "a PDF named .png is stored as a PDF"
    );
    let list: Value = common::Client::new(&server.base)
        .get("/api/v1/announcements")
        .await
        .json()
        .await
        .unwrap();
    let a = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap();
    assert_eq!(a["body_html"], "<p>Isi <em>singkat</em>.</p>");
    assert_eq!(a["materials"][0]["filename"], "poster.pdf");
    assert_eq!(a["materials"][0]["content_type"], "application/pdf");
    let big = vec![0xFFu8; 11 * 1024 * 1024];
    let r = api
        .post_body(
            &format!("/api/v1/announcements/{id}/materials?filename=x.jpg"),
            "application/octet-stream",
            big,
        )
        .await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let mut op = server.client();
    op.login(OPERATOR.0, OPERATOR.1).await;
    let r = op
        .post_json("/api/v1/announcements", &json!({"title": "x", "body": "y"}))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}
