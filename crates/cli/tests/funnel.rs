//! The committee's proposal funnel over HTTP: the JSON API agrees with the proposals API on
//! the demo data, the page shows both tables and the stuck list, the CSV and XLSX downloads
//! carry the same numbers, and nobody else may see any of it. Each scenario runs on SQLite
//! and on PostgreSQL.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use common::{COMMITTEE, Client, JUDGE, OPERATOR, TestDb, TestServer, VIEWER};
use reqwest::StatusCode;
use serde_json::Value;

on_both_backends!(
    funnel_agrees_with_the_proposals_api,
    funnel_page_shows_tables_and_stuck_list,
    csv_and_xlsx_carry_the_same_numbers,
    only_the_committee_sees_the_funnel,
);

const STATES: [&str; 9] = [
    "draft",
    "awaiting_approval",
    "submitted",
    "returned",
    "passed_screening",
    "rejected",
    "withdrawn",
    "finalist",
    "winner",
];

async fn json(c: &mut Client, path: &str) -> Value {
    let r = c.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
}

async fn committee(server: &TestServer) -> Client {
    let mut c = server.client();
    c.login(COMMITTEE.0, COMMITTEE.1).await;
    c
}

/// Column index of `code` in a funnel table of the API.
fn col(table: &Value, code: &str) -> usize {
    table["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == code)
        .unwrap_or_else(|| panic!("no column {code}"))
}

fn kind_row<'a>(f: &'a Value, kind: &str) -> &'a Value {
    f["by_unit_kind"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["unit_kind"] == kind)
        .unwrap_or_else(|| panic!("no row {kind}"))
}

/// Every proposal of the edition and every unit's kind, read through the other APIs.
async fn proposals_and_kinds(c: &mut Client) -> (Vec<Value>, BTreeMap<i64, String>) {
    let proposals = json(c, "/api/v1/proposals?page_size=200").await;
    assert_eq!(proposals["total"], 30);
    let items = proposals["items"].as_array().unwrap().clone();
    let mut kinds = BTreeMap::new();
    for page in 1.. {
        let units = json(c, &format!("/api/v1/units?page_size=200&page={page}")).await;
        let items = units["items"].as_array().unwrap();
        for u in items {
            kinds.insert(
                u["id"].as_i64().unwrap(),
                u["kind"].as_str().unwrap().to_owned(),
            );
        }
        if items.is_empty() || kinds.len() as i64 >= units["total"].as_i64().unwrap() {
            break;
        }
    }
    (items, kinds)
}

/// Kelurahan in the registry minus the kelurahan with a proposal.
fn kelurahan_not_started(proposals: &[Value], kinds: &BTreeMap<i64, String>) -> i64 {
    let all = kinds.values().filter(|k| *k == "kelurahan").count() as i64;
    let with: BTreeSet<i64> = proposals
        .iter()
        .map(|p| p["unit_id"].as_i64().unwrap())
        .filter(|id| kinds.get(id).is_some_and(|k| k == "kelurahan"))
        .collect();
    all - with.len() as i64
}

async fn funnel_agrees_with_the_proposals_api(db: &TestDb) {
    let server = TestServer::start(db, true);
    let mut c = committee(&server).await;
    let f = json(&mut c, "/api/v1/funnel").await;
    assert_eq!(f["edition_year"], 2022);
    let doc = json(&mut c, "/api/v1/openapi.json").await;
    assert!(doc["paths"]["/api/v1/funnel"]["get"].is_object());
    assert!(doc["components"]["schemas"]["FunnelDto"].is_object());
    let (proposals, kinds) = proposals_and_kinds(&mut c).await;

    // Both views count every proposal once.
    for view in ["by_category", "by_unit_kind"] {
        assert_eq!(f[view]["total"], 30, "{view}");
        let rows_sum: i64 = f[view]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["total"].as_i64().unwrap())
            .sum();
        assert_eq!(rows_sum, 30, "{view}");
        // Each state's column total is what the proposals API lists for that state.
        for state in STATES {
            let listed = json(
                &mut c,
                &format!("/api/v1/proposals?state={state}&page_size=1"),
            )
            .await["total"]
                .as_i64()
                .unwrap();
            let i = col(&f[view], state);
            assert_eq!(f[view]["column_totals"][i], listed, "{view} {state}");
            // And the column total is the sum of the column.
            let down: i64 = f[view]["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["counts"][i].as_i64().unwrap())
                .sum();
            assert_eq!(down, listed, "{view} {state} column");
        }
    }
    let winners = col(&f["by_category"], "winner");
    assert_eq!(f["by_category"]["column_totals"][winners], 3);

    // The category view has no "not started"; the unit-kind view has it first.
    assert!(
        !f["by_category"]["columns"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "not_started")
    );
    assert_eq!(f["by_unit_kind"]["columns"][0], "not_started");
    assert_eq!(f["by_unit_kind"]["columns"].as_array().unwrap().len(), 10);

    // Per unit kind: proposals of units of that kind, as the proposals API says.
    for kind in [
        "perangkat_daerah",
        "kecamatan",
        "kelurahan",
        "satuan_pendidikan",
        "unit_layanan_lainnya",
    ] {
        let n = proposals
            .iter()
            .filter(|p| {
                kinds
                    .get(&p["unit_id"].as_i64().unwrap())
                    .map(String::as_str)
                    == Some(kind)
            })
            .count() as i64;
        assert_eq!(kind_row(&f, kind)["total"], n, "{kind}");
    }

    // Not started: 34 kelurahan minus those with a proposal.
    assert_eq!(kinds.values().filter(|k| *k == "kelurahan").count(), 34);
    let expected_kel = kelurahan_not_started(&proposals, &kinds);
    assert_eq!(kind_row(&f, "kelurahan")["counts"][0], expected_kel);
    assert!(expected_kel > 0 && expected_kel < 34);
    // Over all kinds: units without any proposal.
    let with: BTreeSet<i64> = proposals
        .iter()
        .map(|p| p["unit_id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        f["by_unit_kind"]["column_totals"][0],
        (kinds.len() - with.len()) as i64
    );

    // Categories: each row matches the proposals listed with that category name.
    for row in f["by_category"]["rows"].as_array().unwrap() {
        let n = proposals
            .iter()
            .filter(|p| p["category"] == row["name"])
            .count() as i64;
        assert_eq!(row["total"], n, "category {}", row["name"]);
    }

    // The stuck list: draft, awaiting approval and returned, oldest first, paginated.
    let stuck = &f["stuck"];
    let expected: i64 = ["draft", "awaiting_approval", "returned"]
        .iter()
        .map(|s| {
            f["by_unit_kind"]["column_totals"][col(&f["by_unit_kind"], s)]
                .as_i64()
                .unwrap()
        })
        .sum();
    assert_eq!(stuck["total"], expected);
    assert_eq!(expected, 9);
    let items = stuck["items"].as_array().unwrap();
    assert_eq!(items.len(), 9);
    let times: Vec<&str> = items
        .iter()
        .map(|s| s["updated_at"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "oldest first");
    for s in items {
        assert!(["draft", "awaiting_approval", "returned"].contains(&s["state"].as_str().unwrap()));
        assert!(s["days_untouched"].as_i64().unwrap() >= 0);
        assert!(!s["unit_name"].as_str().unwrap().is_empty());
    }
    let page2 = json(&mut c, "/api/v1/funnel?page=2&page_size=5").await;
    assert_eq!(page2["stuck"]["total"], 9);
    assert_eq!(page2["stuck"]["items"].as_array().unwrap().len(), 4);
    assert_eq!(page2["stuck"]["items"][0]["id"], items[5]["id"]);

    // Live: a newly registered kelurahan has not started; the proposal totals stay.
    let body = serde_json::json!({"code": "kel-funnel", "name": "Kelurahan Corong",
        "kind": "kelurahan", "region_code": "35.75.05.1009"});
    assert_eq!(
        c.post_json("/api/v1/units", &body).await.status(),
        StatusCode::CREATED
    );
    let after = json(&mut c, "/api/v1/funnel").await;
    assert_eq!(kind_row(&after, "kelurahan")["counts"][0], expected_kel + 1);
    assert_eq!(after["by_unit_kind"]["total"], 30);
}

async fn funnel_page_shows_tables_and_stuck_list(db: &TestDb) {
    let server = TestServer::start(db, true);
    let mut c = committee(&server).await;
    let dashboard = c.get("/panitia").await.text().await.unwrap();
    assert!(dashboard.contains("href=\"/panitia/corong\""));
    let r = c.get("/panitia/corong").await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    for needle in [
        "<h1>Corong usulan</h1>",
        "Per kategori",
        "Per jenis unit",
        "Belum mulai",
        "Kelurahan",
        "Usulan tertahan",
        "href=\"/panitia/usulan?state=winner\"",
        "href=\"/panitia/corong.csv\"",
        "href=\"/panitia/corong.xlsx\"",
        " hari</td>",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    // The category table has no "not started" column: it appears in one table header only.
    assert_eq!(
        html.matches("<th scope=\"col\">Belum mulai</th>").count(),
        1
    );

    c.set_lang("en");
    let html = c.get("/panitia/corong").await.text().await.unwrap();
    for needle in [
        "<h1>Proposal funnel</h1>",
        "By unit kind",
        "Not started",
        "Stuck proposals",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
}

/// A small RFC 4180 reader: records of fields, quotes doubled inside quoted fields.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        match (quoted, ch) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, ch) => field.push(ch),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, ch) => field.push(ch),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// The records of one CSV section: from its title line to the next empty line.
fn section<'a>(records: &'a [Vec<String>], title: &str) -> &'a [Vec<String>] {
    let start = records
        .iter()
        .position(|r| r.len() == 1 && r[0] == title)
        .unwrap_or_else(|| panic!("no section {title}"));
    let rest = &records[start + 1..];
    let end = rest
        .iter()
        .position(|r| r.len() == 1 && r[0].is_empty())
        .unwrap_or(rest.len());
    &rest[..end]
}

fn header_value(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

async fn csv_and_xlsx_carry_the_same_numbers(db: &TestDb) {
    let server = TestServer::start(db, true);
    let mut c = committee(&server).await;
    let f = json(&mut c, "/api/v1/funnel").await;

    let r = c.get("/panitia/corong.csv").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header_value(&r, "content-type"), "text/csv; charset=utf-8");
    assert_eq!(
        header_value(&r, "content-disposition"),
        "attachment; filename=\"kolabik-2022-corong.csv\""
    );
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let records = parse_csv(text);

    // Per category: header, one line per row of the API, the total line.
    let cat = section(&records, "Per kategori");
    assert_eq!(cat[0][0], "Kategori");
    assert_eq!(cat[0].last().unwrap(), "Jumlah");
    assert_eq!(cat[0].len(), 1 + 9 + 1);
    assert!(!cat[0].iter().any(|h| h == "Belum mulai"));
    let rows = f["by_category"]["rows"].as_array().unwrap();
    assert_eq!(cat.len(), 1 + rows.len() + 1);
    for (line, row) in cat[1..].iter().zip(rows) {
        assert_eq!(line[0], row["name"].as_str().unwrap());
        let nums: Vec<i64> = line[1..].iter().map(|v| v.parse().unwrap()).collect();
        let mut expected: Vec<i64> = row["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        expected.push(row["total"].as_i64().unwrap());
        assert_eq!(nums, expected, "{}", line[0]);
    }
    let total = cat.last().unwrap();
    assert_eq!(total[0], "Jumlah");
    assert_eq!(total.last().unwrap(), "30");
    let winner = cat[0]
        .iter()
        .position(|h| h == "Pemenang")
        .expect("winner column");
    assert_eq!(total[winner], "3");

    // Per unit kind: "not started" first, kelurahan as in the API.
    let kind = section(&records, "Per jenis unit");
    assert_eq!(kind[0][0], "Jenis unit");
    assert_eq!(kind[0][1], "Belum mulai");
    assert_eq!(kind[0].len(), 1 + 10 + 1);
    let kel = kind
        .iter()
        .find(|r| r[0] == "Kelurahan")
        .expect("kelurahan line");
    let api_kel = kind_row(&f, "kelurahan");
    assert_eq!(kel[1], api_kel["counts"][0].to_string());
    assert_eq!(kel.last().unwrap(), &api_kel["total"].to_string());
    assert_eq!(kind.last().unwrap().last().unwrap(), "30");

    // The stuck list: nine proposals, oldest first, as in the API.
    let stuck = section(&records, "Usulan tertahan");
    assert_eq!(stuck.len(), 1 + 9);
    let api_titles: Vec<&str> = f["stuck"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    let csv_titles: Vec<&str> = stuck[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(csv_titles, api_titles);
    for line in &stuck[1..] {
        assert_eq!(line.len(), 6);
        assert!(line[5].parse::<i64>().unwrap() >= 0);
    }

    // XLSX: a zip with the workbook and three named sheets.
    let r = c.get("/panitia/corong.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        header_value(&r, "content-type"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        header_value(&r, "content-disposition"),
        "attachment; filename=\"kolabik-2022-corong.xlsx\""
    );
    let bytes = r.bytes().await.unwrap().to_vec();
    assert!(bytes.starts_with(b"PK"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("xlsx is a zip");
    let mut workbook = String::new();
    zip.by_name("xl/workbook.xml")
        .expect("workbook.xml")
        .read_to_string(&mut workbook)
        .unwrap();
    for name in ["Per kategori", "Per jenis unit", "Usulan tertahan"] {
        assert!(
            workbook.contains(&format!("name=\"{name}\"")),
            "sheet {name}"
        );
    }
    for sheet in 1..=3 {
        assert!(
            zip.by_name(&format!("xl/worksheets/sheet{sheet}.xml"))
                .is_ok()
        );
    }
    let mut strings = String::new();
    zip.by_name("xl/sharedStrings.xml")
        .expect("shared strings")
        .read_to_string(&mut strings)
        .unwrap();
    assert!(strings.contains("Belum mulai") && strings.contains("Kelurahan"));
    let mut sheet2 = String::new();
    zip.by_name("xl/worksheets/sheet2.xml")
        .unwrap()
        .read_to_string(&mut sheet2)
        .unwrap();
    assert!(sheet2.contains("<cols>"), "column widths set");

    // In English when the user reads English.
    c.set_lang("en");
    let text = c.get("/panitia/corong.csv").await.text().await.unwrap();
    let records = parse_csv(text.trim_start_matches('\u{feff}'));
    assert_eq!(section(&records, "By category")[0][0], "Category");
    assert_eq!(section(&records, "By unit kind")[0][1], "Not started");
}

async fn only_the_committee_sees_the_funnel(db: &TestDb) {
    let server = TestServer::start(db, true);
    let paths = [
        "/panitia/corong",
        "/panitia/corong.csv",
        "/panitia/corong.xlsx",
        "/api/v1/funnel",
    ];
    for (email, password) in [OPERATOR, JUDGE, VIEWER] {
        let mut c = server.client();
        c.login(email, password).await;
        for path in paths {
            assert_eq!(
                c.get(path).await.status(),
                StatusCode::FORBIDDEN,
                "{email} {path}"
            );
        }
    }
    let mut anon = server.client();
    for path in paths {
        let status = anon.get(path).await.status();
        let expected = if path.starts_with("/api/") {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::SEE_OTHER
        };
        assert_eq!(status, expected, "anonymous {path}");
    }
    let mut c = committee(&server).await;
    for path in paths {
        assert_eq!(
            c.get(path).await.status(),
            StatusCode::OK,
            "committee {path}"
        );
    }
}
