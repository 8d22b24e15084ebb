//! The unit registry over HTTP: CSV import with its dry run (pages and API), single units,
//! unit pages with several operators, and who may not enter. Each scenario runs on SQLite
//! and on PostgreSQL.

mod common;

use common::{COMMITTEE, Client, JUDGE, OPERATOR, TestDb, TestServer, location};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    import_reports_every_bad_row_and_writes_nothing,
    clean_import_dry_run_import_and_reimport,
    api_imports_creates_and_shows_units,
    unit_page_edits_and_lists_several_operators,
    operators_and_judges_are_refused,
);

/// Six bad rows (one problem each), `;`-separated as Indonesian Excel saves it.
const BAD: &str = "code;name;kind;parent_code;region_code;npsn\r\n\
kel-baru;Kelurahan Baru;dinas;;35.75.05.1001;\r\n\
sdn-baru;SD Negeri Baru;Satuan Pendidikan;;35.75.05;\r\n\
kel-npsn;Kelurahan Ber-NPSN;kelurahan;;35.75.05.1002;20599999\r\n\
kel-npsn;Kelurahan Kembar;kelurahan;;35.75.05.1003;\r\n\
upt-baru;UPT Baru;unit_layanan_lainnya;tidak-ada;35.75;\r\n\
kec-baru;Kecamatan Baru;kecamatan;;35.75.1;\r\n";

const BAD_ID: [&str; 6] = [
    "Baris 2, kolom kind: Jenis unit tidak dikenal",
    "Baris 3, kolom npsn: Satuan pendidikan wajib memiliki NPSN.",
    "Baris 4, kolom npsn: NPSN hanya diisi untuk satuan pendidikan.",
    "Baris 5, kolom code: Kode unit ini sudah muncul di baris sebelumnya.",
    "Baris 6, kolom parent_code: Unit induk tidak ada di berkas maupun di daftar unit.",
    "Baris 7, kolom region_code: Kode wilayah harus berbentuk",
];

const BAD_EN: [&str; 6] = [
    "Line 2, column kind: Unknown unit kind",
    "Line 3, column npsn: A school (satuan pendidikan) must have an NPSN.",
    "Line 4, column npsn: Only schools (satuan pendidikan) have an NPSN.",
    "Line 5, column code: This unit code already appeared on an earlier line.",
    "Line 6, column parent_code: The parent unit is neither in the file nor in the registry.",
    "Line 7, column region_code: A region code looks like PP, PP.KK",
];

/// The same units, fixed; the school comes before its parents (the import orders them).
const GOOD: &str = "\u{feff}code,name,kind,parent_code,region_code,npsn\r\n\
sdn-baru,SD Negeri Baru,Satuan Pendidikan,kel-baru,35.75.05.1001,20599991\r\n\
kel-baru,Kelurahan Baru,kelurahan,kec-baru,35.75.05.1001,\r\n\
kec-baru,Kecamatan Baru,kecamatan,,35.75.05,\r\n\
upt-baru,\"UPT Baru, Pasar Kota\",unit_layanan_lainnya,setda,35.75,\r\n";

async fn units_total(c: &mut Client) -> i64 {
    let v: Value = c
        .get("/api/v1/units?page_size=1")
        .await
        .json()
        .await
        .unwrap();
    v["total"].as_i64().unwrap()
}

async fn unit_id(c: &mut Client, code: &str) -> i64 {
    let v: Value = c
        .get("/api/v1/units?page_size=200")
        .await
        .json()
        .await
        .unwrap();
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == code)
        .unwrap_or_else(|| panic!("no unit {code}"))["id"]
        .as_i64()
        .unwrap()
}

async fn import_page(c: &mut Client, text: &str, action: &str) -> (StatusCode, String) {
    let r = c
        .post_multipart(
            "/panitia/unit/impor",
            &[("csv", text), ("action", action)],
            &[],
        )
        .await;
    (r.status(), r.text().await.unwrap())
}

fn assert_all(html: &str, expected: &[&str]) {
    for e in expected {
        assert!(html.contains(e), "missing {e:?} in:\n{html}");
    }
}

async fn import_reports_every_bad_row_and_writes_nothing(db: &TestDb) {
    let server = TestServer::start(db, true);
    let mut c = server.client();
    c.login(COMMITTEE.0, COMMITTEE.1).await;
    let before = units_total(&mut c).await;

    let r = c.get("/panitia/unit/impor").await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert_all(
        &html,
        &["Periksa saja (dry run)", "enctype=\"multipart/form-data\""],
    );

    for action in ["check", "import"] {
        let (status, html) = import_page(&mut c, BAD, action).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{action}");
        assert_all(&html, &BAD_ID);
        assert!(html.contains("Ditemukan 6 masalah"), "{html}");
        assert!(
            html.contains("kel-npsn;Kelurahan Kembar;kelurahan;;35.75.05.1003;"),
            "the pasted text stays in the textarea"
        );
    }
    // The same file as an upload, read in English.
    c.set_lang("en");
    let r = c
        .post_multipart(
            "/panitia/unit/impor",
            &[("csv", ""), ("action", "import")],
            &[("file", "unit.csv", BAD.as_bytes())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert_all(&html, &BAD_EN);
    assert!(html.contains("6 problems found. Nothing was saved"));
    assert!(
        html.contains("kec-baru;Kecamatan Baru"),
        "the file is shown to fix"
    );

    // A file that is not UTF-8 text (Excel's ANSI "CSV") is refused, not mangled.
    let r = c
        .post_multipart(
            "/panitia/unit/impor",
            &[("action", "check")],
            &[(
                "file",
                "unit.csv",
                b"code,name,kind\nsd,SD \xC9,kelurahan\n",
            )],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("must be UTF-8 text"));

    assert_eq!(units_total(&mut c).await, before, "nothing was written");
    let audit: Value = c
        .get("/api/v1/audit?page_size=200")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        !audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "units.imported"),
        "a refused import leaves no audit event"
    );
}

async fn clean_import_dry_run_import_and_reimport(db: &TestDb) {
    let server = TestServer::start(db, true);
    let mut c = server.client();
    c.login(COMMITTEE.0, COMMITTEE.1).await;
    let before = units_total(&mut c).await;

    let (status, html) = import_page(&mut c, GOOD, "check").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("Berkas bersih: 4 baris — 4 unit baru, 0 diubah, 0 tetap."),
        "{html}"
    );
    assert_eq!(
        units_total(&mut c).await,
        before,
        "a dry run writes nothing"
    );

    let (status, html) = import_page(&mut c, GOOD, "import").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Impor selesai: 4 baris — 4 unit baru, 0 diubah, 0 tetap."));
    assert_eq!(units_total(&mut c).await, before + 4);

    // The tree is as the file says, whatever the order of its rows.
    let kel = unit_id(&mut c, "kel-baru").await;
    let d: Value = c
        .get(&format!("/api/v1/units/{kel}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["parent"]["code"], "kec-baru");
    assert_eq!(d["children"][0]["code"], "sdn-baru");
    assert_eq!(d["children"][0]["npsn"], "20599991");
    let upt = unit_id(&mut c, "upt-baru").await;
    let html = c
        .get(&format!("/panitia/unit/{upt}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("UPT Baru, Pasar Kota"));
    assert!(
        html.contains("Sekretariat Daerah Kota Pasuruan"),
        "parent shown"
    );

    // Re-importing updates by code instead of duplicating.
    let changed = GOOD.replace("Kecamatan Baru", "Kecamatan Baru Sekali");
    let (status, html) = import_page(&mut c, &changed, "import").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("Impor selesai: 4 baris — 0 unit baru, 1 diubah, 3 tetap."),
        "{html}"
    );
    assert_eq!(units_total(&mut c).await, before + 4);
    let list = c
        .get("/panitia/unit?kind=kecamatan")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("Kecamatan Baru Sekali"));

    let audit: Value = c
        .get("/api/v1/audit?page_size=200")
        .await
        .json()
        .await
        .unwrap();
    let imports: Vec<&Value> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "units.imported")
        .collect();
    assert_eq!(
        imports.len(),
        2,
        "one event per import, none for the dry run"
    );
    assert_eq!(imports[0]["after"]["updated"], 1, "newest first");
    assert_eq!(imports[1]["after"]["created"], 4);
    assert_eq!(imports[1]["after"]["rows"], 4);
}

async fn api_imports_creates_and_shows_units(db: &TestDb) {
    let server = TestServer::start(db, true);
    let (ok, out, err) = db.cli(&["token", "create", "--email", COMMITTEE.0], None);
    assert!(ok, "{err}");
    let mut c = server.client();
    c.bearer = Some(out.trim().to_owned());
    c.origin = None;
    let before = units_total(&mut c).await;

    for dry_run in ["true", "false"] {
        let r = c
            .post_body(
                &format!("/api/v1/units/import?dry_run={dry_run}"),
                "text/csv",
                BAD.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v: Value = r.json().await.unwrap();
        let problems: Vec<(i64, &str)> = v["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["line"].as_i64().unwrap(), p["column"].as_str().unwrap()))
            .collect();
        assert_eq!(
            problems,
            [
                (2, "kind"),
                (3, "npsn"),
                (4, "npsn"),
                (5, "code"),
                (6, "parent_code"),
                (7, "region_code")
            ]
        );
        assert_eq!(v["problems"][1]["code"], "error.npsn_required");
        assert_eq!(v["problems"][0]["message"], BAD_ID[0]);
    }
    c.set_lang("en");
    let v: Value = c
        .post_body("/api/v1/units/import", "text/csv", BAD.as_bytes().to_vec())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["problems"][1]["message"], BAD_EN[1]);
    assert_eq!(units_total(&mut c).await, before);

    let r = c
        .post_body(
            "/api/v1/units/import?dry_run=true",
            "text/csv",
            GOOD.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (
            v["dry_run"].as_bool(),
            v["rows"].as_i64(),
            v["created"].as_i64()
        ),
        (Some(true), Some(4), Some(4))
    );
    assert_eq!(units_total(&mut c).await, before);
    let v: Value = c
        .post_body(
            "/api/v1/units/import?dry_run=false",
            "text/csv",
            GOOD.as_bytes().to_vec(),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["created"], 4);
    assert_eq!(units_total(&mut c).await, before + 4);
    let v: Value = c
        .post_body(
            "/api/v1/units/import?dry_run=false",
            "text/csv",
            GOOD.as_bytes().to_vec(),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (v["created"].as_i64(), v["unchanged"].as_i64()),
        (Some(0), Some(4))
    );
    assert_eq!(units_total(&mut c).await, before + 4);

    // One unit; the same rules, and the code must be new.
    let body = json!({"code": "sdn-satu", "name": "SD Negeri Satu", "kind": "satuan_pendidikan",
        "parent_code": "kec-baru", "region_code": "35.75.05.1001", "npsn": "20599992"});
    let r = c.post_json("/api/v1/units", &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["npsn"], "20599992");
    let r = c.post_json("/api/v1/units", &body).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    let fields: Vec<&str> = v["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["code"], "{v}");
    let r = c
        .post_json(
            "/api/v1/units",
            &json!({"code": "kel-x", "name": "Kelurahan X", "kind": "Kelurahan", "npsn": "20599993"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["fields"][0]["field"], "npsn");
    assert_eq!(
        v["error"]["fields"][0]["message"],
        "Only schools (satuan pendidikan) have an NPSN."
    );

    let kec = unit_id(&mut c, "kec-baru").await;
    let d: Value = c
        .get(&format!("/api/v1/units/{kec}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["unit"]["kind"], "kecamatan");
    assert!(d["parent"].is_null());
    let children: Vec<&str> = d["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap())
        .collect();
    assert_eq!(children, ["kel-baru", "sdn-satu"]);
    assert_eq!(
        c.get("/api/v1/units/999999").await.status(),
        StatusCode::NOT_FOUND
    );

    let doc: Value = c.get("/api/v1/openapi.json").await.json().await.unwrap();
    for path in ["/api/v1/units/import", "/api/v1/units/{id}"] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    assert!(doc["paths"]["/api/v1/units"]["post"].is_object());
}

async fn unit_page_edits_and_lists_several_operators(db: &TestDb) {
    let server = TestServer::start(db, true);
    let mut c = server.client();
    c.login(COMMITTEE.0, COMMITTEE.1).await;
    let id = unit_id(&mut c, "dinas-perikanan").await;
    let page = format!("/panitia/unit/{id}");

    let list = c.get("/panitia/unit").await.text().await.unwrap();
    assert!(
        list.contains(&format!("href=\"{page}\"")),
        "list links to the unit"
    );

    let html = c.get(&page).await.text().await.unwrap();
    assert_eq!(html.matches("class=\"operator\"").count(), 1);
    assert!(html.contains("operator@kolabik.test"));

    // A second account, then a second operator.
    let r = c
        .post_form(
            "/panitia/pengguna",
            &[
                ("email", "operator2@kolabik.test"),
                ("name", "Operator Kedua"),
                ("role", "viewer"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let add = format!("{page}/operator");
    let r = c
        .post_form(&add, &[("email", "belum-ada@kolabik.test")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Belum ada akun dengan e-mail ini."));
    assert!(
        html.contains("value=\"belum-ada@kolabik.test\""),
        "input kept"
    );
    let r = c
        .post_form(&add, &[("email", "Operator2@Kolabik.test")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("{page}?saved=operator"));
    let html = c.get(&location(&r)).await.text().await.unwrap();
    assert!(html.contains("Operator telah ditambahkan."));
    assert_eq!(html.matches("class=\"operator\"").count(), 2, "{html}");
    assert!(html.contains("operator2@kolabik.test"));
    let r = c
        .post_form(&add, &[("email", "operator2@kolabik.test")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Akun ini sudah menjadi operator unit ini.")
    );
    let d: Value = c
        .get(&format!("/api/v1/units/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["operators"].as_array().unwrap().len(), 2);

    // The new operator now reaches the operator dashboard with this unit.
    let (ok, _, err) = db.cli(
        &["user", "set-password", "--email", "operator2@kolabik.test"],
        Some("Kedua-Operator-2022!\n"),
    );
    assert!(ok, "{err}");
    let mut op2 = server.client();
    op2.login("operator2@kolabik.test", "Kedua-Operator-2022!")
        .await;
    let r = op2.get("/operator").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Dinas Perikanan"));

    // Editing: a refused change keeps what was typed, with the message at the field.
    let edit = [
        ("name", "Dinas Perikanan Kota Pasuruan"),
        ("kind", "perangkat_daerah"),
        ("parent_code", ""),
        ("region_code", "35.75"),
        ("npsn", "20599994"),
    ];
    let r = c.post_form(&page, &edit).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("NPSN hanya diisi untuk satuan pendidikan."));
    assert!(html.contains("value=\"Dinas Perikanan Kota Pasuruan\""));
    assert!(html.contains("aria-invalid=\"true\""));
    let mut edit = edit.to_vec();
    edit[4] = ("npsn", "");
    let r = c.post_form(&page, &edit).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = c.get(&location(&r)).await.text().await.unwrap();
    assert!(html.contains("Perubahan telah disimpan."));
    assert!(html.contains("<h1>Dinas Perikanan Kota Pasuruan</h1>"));

    // A unit cannot become its own ancestor.
    let setda = unit_id(&mut c, "setda").await;
    let r = c
        .post_form(
            &format!("/panitia/unit/{setda}"),
            &[
                ("name", "Sekretariat Daerah Kota Pasuruan"),
                ("kind", "perangkat_daerah"),
                ("parent_code", "bagian-organisasi"),
                ("region_code", "35.75"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("membentuk lingkaran"));

    // One new unit from the list page's form.
    let r = c
        .post_form(
            "/panitia/unit",
            &[
                ("code", "puskesmas-baru"),
                ("name", "Puskesmas Baru"),
                ("kind", "unit_layanan_lainnya"),
                ("parent_code", "dinkes"),
                ("region_code", "35.75.01"),
                ("npsn", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).ends_with("?saved=created"));
    let html = c.get(&location(&r)).await.text().await.unwrap();
    assert!(html.contains("Unit telah didaftarkan.") && html.contains("Dinas Kesehatan"));
    let r = c
        .post_form(
            "/panitia/unit",
            &[("code", "Bukan Kode"), ("name", ""), ("kind", "kelurahan")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"Bukan Kode\""));
    assert!(html.contains("Isi nama unit (1–200 karakter)."));

    let audit: Value = c
        .get("/api/v1/audit?page_size=50")
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in ["unit.created", "unit.updated", "unit.operator_added"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    let updated = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "unit.updated")
        .unwrap();
    assert_eq!(updated["before"]["name"], "Dinas Perikanan");
    assert_eq!(updated["after"]["name"], "Dinas Perikanan Kota Pasuruan");

    let r = c.get("/panitia/unit/templat.csv").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        r.text()
            .await
            .unwrap()
            .starts_with("code,name,kind,parent_code,region_code,npsn\r\n")
    );
}

async fn operators_and_judges_are_refused(db: &TestDb) {
    let server = TestServer::start(db, true);
    for (email, password) in [OPERATOR, JUDGE] {
        let mut c = server.client();
        c.login(email, password).await;
        for path in [
            "/panitia/unit",
            "/panitia/unit/1",
            "/panitia/unit/impor",
            "/panitia/unit/templat.csv",
            "/api/v1/units/1",
        ] {
            assert_eq!(
                c.get(path).await.status(),
                StatusCode::FORBIDDEN,
                "{email} {path}"
            );
        }
        for path in [
            "/panitia/unit",
            "/panitia/unit/1",
            "/panitia/unit/1/operator",
        ] {
            let r = c.post_form(path, &[("email", email), ("name", "X")]).await;
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{email} POST {path}");
        }
        let r = c
            .post_multipart(
                "/panitia/unit/impor",
                &[("csv", GOOD), ("action", "import")],
                &[],
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = c
            .post_body(
                "/api/v1/units/import?dry_run=false",
                "text/csv",
                GOOD.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = c
            .post_json(
                "/api/v1/units",
                &json!({"code": "x", "name": "X", "kind": "kecamatan"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    let mut c = server.client();
    c.login(COMMITTEE.0, COMMITTEE.1).await;
    assert!(
        c.get("/api/v1/units?page_size=200")
            .await
            .text()
            .await
            .unwrap()
            .contains("dinas-perikanan")
    );
    let v: Value = c
        .get("/api/v1/units?page_size=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"], 76, "the refused requests changed nothing");
}
