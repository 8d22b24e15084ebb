//! The integration suite. Every scenario runs twice, against SQLite and PostgreSQL, with
//! the real binary serving HTTP on a free port.

mod common;

use common::{COMMITTEE, Client, JUDGE, OPERATOR, TestDb, TestServer, UNIT_HEAD, VIEWER, location};
use kolabik_domain::Role;
use kolabik_domain::access::Area;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    public_pages_in_both_languages,
    health_readiness_and_metrics,
    each_role_signs_in_and_reaches_its_dashboard,
    every_route_is_guarded_for_every_role,
    state_changes_need_proof_of_same_origin,
    sign_in_is_rate_limited_per_account_and_address,
    form_error_keeps_input_and_speaks_the_users_language,
    generated_password_must_be_changed,
    api_tokens_openapi_and_scoped_lists,
    audit_log_records_changes_and_is_append_only,
    restart_keeps_every_change,
    cli_manages_accounts,
);

async fn public_pages_in_both_languages(db: &TestDb) {
    let server = TestServer::start_full_demo(db);
    let mut c = server.client();
    let r = c.get("/").await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"id\">"));
    assert!(html.contains("Kolabik Kota Pasuruan 2022"));
    assert!(html.contains("Inovasi pelayanan publik yang BerAKHLAK, menuju kota Madinah"));
    assert!(
        html.contains("29 Oktober 2022, 09.00 WIB"),
        "Indonesian date with WIB"
    );
    assert!(html.contains("Seleksi administrasi"));

    let r = c.get("/bahasa/en?next=/").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/");
    let html = c.get("/").await.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("29 October 2022, 09:00 WIB"));
    assert!(html.contains("Administrative screening"));

    let r = c.get("/tidak-ada").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("Page not found"));
    c.set_lang("id");
    let r = c.get("/tidak-ada").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("Halaman tidak ditemukan"));

    // A `next` that leaves the site is ignored.
    let r = c.get("/bahasa/en?next=//evil.example").await;
    assert_eq!(location(&r), "/");

    let r = c.get("/api/v1/edition").await;
    assert_eq!(r.status(), StatusCode::OK);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["year"], 2022);
    assert_eq!(e["time_zone"], "WIB");
    assert_eq!(e["stages"].as_array().unwrap().len(), 9);
    assert_eq!(e["stages"][0]["opens_at"], "2022-10-29T02:00:00Z");
    assert_eq!(e["units_total"], 76);

    let units: Value = c
        .get("/api/v1/units?kind=kelurahan&page_size=100")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(units["total"], 34, "Kota Pasuruan has 34 kelurahan");
    let kec: Value = c
        .get("/api/v1/units?kind=kecamatan")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(kec["total"], 4);
    let page2: Value = c
        .get("/api/v1/units?page=2&page_size=10")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page2["items"].as_array().unwrap().len(), 10);
    assert_eq!(page2["page"], 2);
}

async fn health_readiness_and_metrics(db: &TestDb) {
    let server = TestServer::start(db, false);
    let mut c = server.client();
    let r = c.get("/healthz").await;
    assert_eq!(r.status(), StatusCode::OK);
    let r: Value = c.get("/readyz").await.json().await.unwrap();
    assert_eq!(r["status"], "ready");
    let expected = match db.backend {
        common::Backend::Sqlite => "sqlite",
        common::Backend::Postgres => "postgres",
    };
    assert_eq!(r["database"], expected);
    c.get("/").await;
    c.get("/nope").await;
    let text = c.get("/metrics").await.text().await.unwrap();
    assert!(
        text.contains("kolabik_http_requests_total{route=\"/\",method=\"GET\",status=\"200\"} 1"),
        "{text}"
    );
    assert!(text.contains("route=\"unmatched\",method=\"GET\",status=\"404\""));
    assert!(
        text.contains("kolabik_http_request_duration_seconds_bucket{route=\"/\",le=\"+Inf\"} 1")
    );
    assert!(text.contains("kolabik_db_pool_connections{state=\"open\"}"));
}

async fn each_role_signs_in_and_reaches_its_dashboard(db: &TestDb) {
    let server = TestServer::start_full_demo(db);
    let cases = [
        (COMMITTEE, "/panitia", "Dasbor panitia", "Dinas Perikanan"),
        (OPERATOR, "/operator", "Dasbor operator unit", "Banser"),
        (JUDGE, "/juri", "Dasbor juri", "Akademisi"),
        (
            VIEWER,
            "/pimpinan",
            "Dasbor pimpinan",
            "Alur usulan menurut status",
        ),
    ];
    for ((email, password), home, title, content) in cases {
        let mut c = server.client();
        let r = c.login(email, password).await;
        assert_eq!(location(&r), "/dasbor");
        let cookie = r
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        let r = c.get("/dasbor").await;
        assert_eq!(location(&r), home);
        // A judge's home is the scoring queue (the demo judges declared in 2022), and the
        // judge's dashboard (profile, schedule) is one link away.
        let page = if home == "/juri" {
            let r = c.get(home).await;
            assert_eq!(r.status(), StatusCode::OK, "{email} on {home}");
            assert!(r.text().await.unwrap().contains("/juri/dasbor"));
            "/juri/dasbor"
        } else {
            home
        };
        let r = c.get(page).await;
        assert_eq!(r.status(), StatusCode::OK, "{email} on {page}");
        let html = r.text().await.unwrap();
        assert!(html.contains(title), "{page} lacks {title}");
        if home == "/panitia" {
            // The committee dashboard lists the jury and the charts' numbers.
            assert!(html.contains("Usulan menurut status"));
        } else {
            assert!(html.contains(content), "{page} lacks {content}");
        }
        // Signing out ends the session on the server, not only in the browser.
        let old = c.cookies.clone();
        let r = c.post_form("/keluar", &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        c.cookies = old;
        let r = c.get(home).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(location(&r).starts_with("/masuk"));
    }
    // A wrong password keeps the typed e-mail and says why.
    let mut c = server.client();
    let r = c
        .post_form(
            "/masuk",
            &[
                ("email", "panitia@kolabik.test"),
                ("password", "salah-sekali"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let html = r.text().await.unwrap();
    assert!(html.contains("Alamat e-mail atau kata sandi salah."));
    assert!(html.contains("value=\"panitia@kolabik.test\""));
}

/// The walk's judge has declared in the current edition and judges proposal 1 in the desk
/// stage (`penilaian`), so the judge's pages and API answer 200 rather than redirecting to
/// the declaration or answering 404. Run again before the judge's turn, since the
/// committee's turn may have copied the edition (a new current one).
async fn judge_walk_fixtures(db: &TestDb) {
    let pool = db.connect().await;
    // The committee's turn may have emptied the timeline; the desk stage is needed.
    sqlx::query(
        "INSERT INTO stages (edition_id, kind, opens_at, closes_at) \
         SELECT id, 'penilaian', 0, 0 FROM editions WHERE is_current = 1 ON CONFLICT DO NOTHING",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO edition_judges (edition_id, judge_id, state, invited_at, declared_at) \
         SELECT e.id, j.id, 'accepted', 0, 0 FROM editions e CROSS JOIN judges j \
         JOIN users u ON u.id = j.user_id WHERE e.is_current = 1 AND u.email = $1 \
         ON CONFLICT (edition_id, judge_id) DO UPDATE SET declared_at = excluded.declared_at",
    )
    .bind(JUDGE.0)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO assignments (stage_id, judge_id, proposal_id, manual, affinity, created_at) \
         SELECT s.id, j.id, 1, 1, 0, 0 FROM stages s JOIN editions e ON e.id = s.edition_id \
         CROSS JOIN judges j JOIN users u ON u.id = j.user_id \
         WHERE e.is_current = 1 AND s.kind = 'penilaian' AND u.email = $1 \
         ON CONFLICT DO NOTHING",
    )
    .bind(JUDGE.0)
    .execute(&pool)
    .await
    .unwrap();
}

fn sample_path(path: &str) -> String {
    let path = path
        .replace("{lang}", "id")
        .replace("{file}", "kolabik.css")
        // Unit 1 of the demo (Sekretariat Daerah), announcement 1, and so on.
        .replace("{id}", "1")
        // The demo has no attachments: the download answers 404, but must not refuse.
        .replace("{file_id}", "1")
        // Judged stages are named by their kind code in URLs.
        .replace("{stage}", "penilaian")
        // An unknown invitation token: a friendly 404 page.
        .replace("{token}", "contoh-token")
        // The demo has no field visits: the visit pages answer 404, but must not refuse.
        .replace("{visit}", "1")
        // No edition of the demo is published: the results of a year answer 404.
        .replace("{year}", "2026");
    // Routes that need a query to answer 200 get a sample one.
    match path.as_str() {
        "/api/v1/deadline" => format!("{path}?unit=dinas-perikanan"),
        _ => path,
    }
}

fn may_be_absent(path: &str) -> bool {
    path.contains("{file_id}")
        || path.contains("{visit}")
        || path.contains("{year}")
        || (path.contains("{id}") && path.ends_with(".ics"))
        // Certificates exist only once results are published, a ZIP once it is built.
        || path.starts_with("/piagam/")
        || path.starts_with("/panitia/piagam/zip/")
}

async fn every_route_is_guarded_for_every_role(db: &TestDb) {
    let server = TestServer::start_full_demo(db);
    let mut routes = kolabik_web::routes();
    // Reads first: some POSTs change what later pages show (copying the edition, say).
    routes.sort_by_key(|r| r.method != "GET");
    assert!(routes.len() > 20);

    let mut anon = server.client();
    for r in &routes {
        if r.area == Area::Public {
            continue;
        }
        let path = sample_path(r.path);
        let resp = match r.method {
            "GET" => anon.get(&path).await,
            "PUT" => anon.put_json(&path, &serde_json::json!({})).await,
            _ => anon.post_form(&path, &[]).await,
        };
        if path.starts_with("/api/") {
            assert_eq!(
                resp.status(),
                StatusCode::UNAUTHORIZED,
                "anonymous {} {path}",
                r.method
            );
            let body: Value = resp.json().await.unwrap();
            assert_eq!(body["error"]["code"], "unauthenticated");
        } else {
            assert_eq!(
                resp.status(),
                StatusCode::SEE_OTHER,
                "anonymous {} {path}",
                r.method
            );
            assert!(
                location(&resp).starts_with("/masuk?next="),
                "anonymous {path} → {}",
                location(&resp)
            );
        }
    }

    for (role, (email, password)) in [
        (Role::Committee, COMMITTEE),
        (Role::UnitOperator, OPERATOR),
        (Role::Judge, JUDGE),
        (Role::Viewer, VIEWER),
        (Role::UnitHead, UNIT_HEAD),
    ] {
        if role == Role::Judge {
            judge_walk_fixtures(db).await;
        }
        let mut c = server.client();
        c.login(email, password).await;
        for r in &routes {
            let allowed = match r.area {
                Area::Public | Area::SignedIn => continue,
                Area::Role(needed) => needed == role,
                Area::AnyOf(roles) => roles.contains(&role),
            };
            let path = sample_path(r.path);
            let resp = match r.method {
                "GET" => c.get(&path).await,
                "PUT" => c.put_json(&path, &serde_json::json!({})).await,
                _ => c.post_form(&path, &[]).await,
            };
            if allowed {
                assert!(
                    resp.status() != StatusCode::FORBIDDEN
                        && resp.status() != StatusCode::UNAUTHORIZED,
                    "{role:?} refused {} {path}: {}",
                    r.method,
                    resp.status()
                );
                // Rows the demo does not have (attachments, field visits, a unit's
                // presentation slot) may answer 404, and a berita acara exists only for a
                // frozen stage (422), but they must not refuse.
                if r.method == "GET" && !may_be_absent(r.path) && !r.path.contains("berita-acara") {
                    assert_eq!(resp.status(), StatusCode::OK, "{role:?} {path}");
                }
            } else {
                assert_eq!(
                    resp.status(),
                    StatusCode::FORBIDDEN,
                    "{role:?} let into {} {path}",
                    r.method
                );
            }
        }
    }
}

async fn state_changes_need_proof_of_same_origin(db: &TestDb) {
    let server = TestServer::start_full_demo(db);
    let mut c = server.client();
    c.login(COMMITTEE.0, COMMITTEE.1).await;
    let form = [
        ("email", "baru@kolabik.test"),
        ("name", "Pegawai Baru"),
        ("role", "viewer"),
    ];

    c.origin = None;
    let r = c.post_form("/panitia/pengguna", &form).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no Origin header");
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("tidak berasal dari halaman Kolabik")
    );

    c.origin = Some("http://evil.example".into());
    let r = c.post_form("/panitia/pengguna", &form).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "foreign Origin");

    c.origin = Some(server.base.clone());
    let r = c.post_form("/keluar", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    c.login(COMMITTEE.0, COMMITTEE.1).await;
    let r = c.post_form("/panitia/pengguna", &form).await;
    assert_eq!(r.status(), StatusCode::CREATED, "same origin passes");

    // A cross-site login attempt (login CSRF) is refused too.
    let mut other = server.client();
    other.origin = Some("http://evil.example".into());
    let r = other
        .post_form(
            "/masuk",
            &[("email", COMMITTEE.0), ("password", COMMITTEE.1)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Nothing was created by the refused requests: exactly one such user exists.
    let users: Value = c
        .get("/api/v1/users?page_size=200")
        .await
        .json()
        .await
        .unwrap();
    let n = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["email"] == "baru@kolabik.test")
        .count();
    assert_eq!(n, 1);
}

async fn sign_in_is_rate_limited_per_account_and_address(db: &TestDb) {
    let server = TestServer::start_full_demo(db);
    let mut c = server.client();
    for _ in 0..5 {
        let r = c
            .post_form(
                "/masuk",
                &[("email", VIEWER.0), ("password", "bukan-kata-sandinya")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused now, with a clear message.
    let r = c
        .post_form("/masuk", &[("email", VIEWER.0), ("password", VIEWER.1)])
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let html = r.text().await.unwrap();
    assert!(html.contains("Terlalu banyak percobaan masuk"), "{html}");
    // Other accounts are unaffected.
    c.login(COMMITTEE.0, COMMITTEE.1).await;
    let log: Value = c
        .get("/api/v1/audit?page_size=50")
        .await
        .json()
        .await
        .unwrap();
    let failed = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "session.login_failed")
        .count();
    assert!(failed >= 5);

    // Guessing across many accounts from one address is stopped too (30 failures).
    let mut guesser = server.client();
    for i in 0..25 {
        let email = format!("tebakan{i}@kolabik.test");
        let r = guesser
            .post_form(
                "/masuk",
                &[("email", &email), ("password", "tebak-tebak-saja")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let r = guesser
        .post_form("/masuk", &[("email", OPERATOR.0), ("password", OPERATOR.1)])
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // The signed-in committee member keeps working.
    assert_eq!(c.get("/panitia").await.status(), StatusCode::OK);
}

async fn form_error_keeps_input_and_speaks_the_users_language(db: &TestDb) {
    let server = TestServer::start_full_demo(db);
    let mut c = server.client();
    c.login(COMMITTEE.0, COMMITTEE.1).await;
    let form = [
        ("email", "bukan-email"),
        ("name", "Rudi Hartono, S.Sos."),
        ("role", "unit_operator"),
        ("unit", ""),
        ("nip", "19860231 201505 1 001"),
    ];
    let r = c.post_form("/panitia/pengguna", &form).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("value=\"Rudi Hartono, S.Sos.\""),
        "typed name kept"
    );
    assert!(html.contains("value=\"bukan-email\""), "typed e-mail kept");
    assert!(
        html.contains("value=\"19860231 201505 1 001\""),
        "typed NIP kept"
    );
    assert!(
        html.contains("<option value=\"unit_operator\" selected>"),
        "chosen role kept"
    );
    assert!(html.contains("id=\"u-email-error\">Alamat e-mail tidak valid"));
    assert!(html.contains("id=\"u-nip-error\">8 digit pertama NIP harus tanggal lahir yang valid"));
    assert!(html.contains("id=\"u-unit-error\">Operator unit harus terhubung ke sebuah unit."));
    assert!(html.contains("aria-invalid=\"true\""));

    c.set_lang("en");
    let r = c.post_form("/panitia/pengguna", &form).await;
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"u-email-error\">Not a valid e-mail address"));
    assert!(
        html.contains("id=\"u-nip-error\">The first 8 digits of a NIP must be a real birth date")
    );
    assert!(html.contains("value=\"Rudi Hartono, S.Sos.\""));

    // The API refuses the same input with the same field codes.
    let r = c
        .post_json(
            "/api/v1/users",
            &json!({"email": "bukan-email", "name": "", "role": "juri", "nip": "123"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "name", "role", "nip"]);

    // Malformed bodies get the same JSON error shape, not the framework's plain text.
    c.set_lang("id");
    let r = c.post_form("/api/v1/users", &[("email", "x")]).await;
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unsupported_media_type");
    let r = c.get("/keluar").await;
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Metode permintaan ini tidak didukung")
    );
}

async fn generated_password_must_be_changed(db: &TestDb) {
    let server = TestServer::start_full_demo(db);
    let mut committee = server.client();
    committee.login(COMMITTEE.0, COMMITTEE.1).await;
    let r = committee
        .post_json(
            "/api/v1/users",
            &json!({"email": "operator.baru@kolabik.test", "name": "Dewi Lestari", "role": "unit_operator", "unit": "kel-trajeng"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    let password = created["password"].as_str().unwrap().to_owned();
    assert_eq!(created["user"]["must_change_password"], true);
    assert_eq!(created["user"]["roles"][0]["role"], "unit_operator");

    let mut op = server.client();
    let r = op.login("operator.baru@kolabik.test", &password).await;
    assert_eq!(location(&r), "/akun/kata-sandi");
    let r = op.get("/operator").await;
    assert_eq!(
        location(&r),
        "/akun/kata-sandi",
        "dashboard waits for the new password"
    );
    let r = op.get("/api/v1/me").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let html = op.get("/akun/kata-sandi").await.text().await.unwrap();
    assert!(html.contains("kata sandi sementara"));

    let r = op
        .post_form(
            "/akun/kata-sandi",
            &[
                ("current", &password),
                ("new", "Trajeng-Baru-2022"),
                ("confirm", "Trajeng-Lain-2022"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Kedua kata sandi baru tidak sama.")
    );
    let r = op
        .post_form(
            "/akun/kata-sandi",
            &[
                ("current", &password),
                ("new", "Trajeng-Baru-2022"),
                ("confirm", "Trajeng-Baru-2022"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/operator");
    assert_eq!(op.get("/operator").await.status(), StatusCode::OK);

    let mut again = server.client();
    let r = again
        .post_form(
            "/masuk",
            &[
                ("email", "operator.baru@kolabik.test"),
                ("password", &password),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "the temporary password no longer works"
    );
    again
        .login("operator.baru@kolabik.test", "Trajeng-Baru-2022")
        .await;
}

async fn api_tokens_openapi_and_scoped_lists(db: &TestDb) {
    let server = TestServer::start_full_demo(db);
    let (ok, out, err) = db.cli(&["token", "create", "--email", OPERATOR.0], None);
    assert!(ok, "{err}");
    let token = out.trim().to_owned();
    assert!(token.starts_with("kolabik_"));

    let mut c = Client::new(&server.base);
    c.origin = None;
    c.bearer = Some(token);
    let me: Value = c.get("/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["email"], OPERATOR.0);
    assert_eq!(me["roles"][0]["role"], "unit_operator");
    // Bearer requests carry no ambient credentials, so they need no Origin.
    let list: Value = c.get("/api/v1/proposals").await.json().await.unwrap();
    let items = list["items"].as_array().unwrap();
    assert!(!items.is_empty());
    let unit = me["roles"][0]["unit_id"].clone();
    assert!(
        items.iter().all(|p| p["unit_id"] == unit),
        "an operator sees only the unit's proposals"
    );
    assert_eq!(c.get("/api/v1/users").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        c.get("/api/v1/dashboard/operator").await.status(),
        StatusCode::OK
    );

    let mut committee = server.client();
    committee.login(COMMITTEE.0, COMMITTEE.1).await;
    let all: Value = committee
        .get("/api/v1/proposals?page_size=100")
        .await
        .json()
        .await
        .unwrap();
    // 30 demo proposals; the committee account is recused from one (demo judging).
    assert_eq!(all["total"], 29);
    let winners: Value = committee
        .get("/api/v1/proposals?state=winner")
        .await
        .json()
        .await
        .unwrap();
    // The demo publishes the 2022 results: ranks 1–3 of each category with a final score
    // are winners (ten; the committee account is recused from one).
    assert_eq!(winners["total"], 9);
    let bad = committee.get("/api/v1/proposals?state=menang").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    let mut judge = server.client();
    judge.login(JUDGE.0, JUDGE.1).await;
    assert_eq!(
        judge.get("/api/v1/proposals").await.status(),
        StatusCode::FORBIDDEN
    );

    let mut bad_token = Client::new(&server.base);
    bad_token.bearer = Some("kolabik_palsu".into());
    let r = bad_token.get("/api/v1/me").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    let doc: Value = Client::new(&server.base)
        .get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/edition",
        "/api/v1/units",
        "/api/v1/me",
        "/api/v1/proposals",
        "/api/v1/users",
        "/api/v1/audit",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from OpenAPI"
        );
    }
    // Every API route served is documented, and the other way round.
    for r in kolabik_web::routes() {
        if r.path.starts_with("/api/v1/") && r.path != "/api/v1/openapi.json" {
            let method = r.method.to_lowercase();
            assert!(
                doc["paths"][r.path].get(&method).is_some(),
                "{} {} undocumented",
                r.method,
                r.path
            );
        }
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

async fn audit_log_records_changes_and_is_append_only(db: &TestDb) {
    let server = TestServer::start_full_demo(db);
    let mut c = server.client();
    c.login(COMMITTEE.0, COMMITTEE.1).await;
    let r = c
        .post_form(
            "/panitia/pengguna",
            &[
                ("email", "juri.baru@kolabik.test"),
                ("name", "Prof. Hadi"),
                ("role", "judge"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let log: Value = c.get("/api/v1/audit").await.json().await.unwrap();
    let items = log["items"].as_array().unwrap();
    let created = items
        .iter()
        .find(|e| e["action"] == "user.created")
        .expect("user.created logged");
    assert_eq!(created["after"]["email"], "juri.baru@kolabik.test");
    assert_eq!(created["after"]["role"], "judge");
    assert_eq!(created["actor_name"], "Cindy Tri Siwiyanti");
    assert!(created["ip"].as_str().is_some());
    assert!(items.iter().any(|e| e["action"] == "session.login"));
    // The demo's 2022 judging is logged after `demo.loaded`: look through every page.
    let mut demo_loaded = false;
    for page in 1..=10 {
        let log: Value = c
            .get(&format!("/api/v1/audit?page={page}&page_size=100"))
            .await
            .json()
            .await
            .unwrap();
        let items = log["items"].as_array().unwrap();
        demo_loaded |= items.iter().any(|e| e["action"] == "demo.loaded");
        if demo_loaded || items.is_empty() {
            break;
        }
    }
    assert!(demo_loaded);
    let html = c.get("/panitia/audit").await.text().await.unwrap();
    assert!(html.contains("user.created"));

    let pool = db.connect().await;
    let update = sqlx::query("UPDATE audit_events SET action = 'dipalsukan'")
        .execute(&pool)
        .await;
    assert!(update.is_err(), "audit events cannot be changed");
    let delete = sqlx::query("DELETE FROM audit_events").execute(&pool).await;
    assert!(delete.is_err(), "audit events cannot be deleted");
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'user.created'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(n, 1);
    // Session secrets are stored hashed.
    let cookie = c
        .cookies
        .iter()
        .find(|(k, _)| k == "kolabik_session")
        .unwrap()
        .1
        .clone();
    let raw: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE token_hash = $1")
        .bind(&cookie)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(raw, 0);
    pool.close().await;
}

async fn restart_keeps_every_change(db: &TestDb) {
    let server = TestServer::start_full_demo(db);
    let mut c = server.client();
    c.login(COMMITTEE.0, COMMITTEE.1).await;
    let created: Value = c
        .post_json(
            "/api/v1/users",
            &json!({"email": "tetap@kolabik.test", "name": "Tetap Ada", "role": "viewer"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let password = created["password"].as_str().unwrap().to_owned();
    let session = c.cookies.clone();
    server.stop();

    let server = TestServer::start_full_demo(db);
    let mut c = server.client();
    c.cookies = session;
    assert_eq!(
        c.get("/panitia").await.status(),
        StatusCode::OK,
        "sessions live in the database"
    );
    let users: Value = c
        .get("/api/v1/users?page_size=200")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        users["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["email"] == "tetap@kolabik.test")
            .count(),
        1
    );
    let editions: Value = c.get("/api/v1/edition").await.json().await.unwrap();
    assert_eq!(
        editions["name"], "Kolabik Kota Pasuruan 2022",
        "demo not loaded twice"
    );
    let all: Value = c
        .get("/api/v1/proposals?page_size=100")
        .await
        .json()
        .await
        .unwrap();
    // 30 demo proposals; the committee account is recused from one (demo judging).
    assert_eq!(all["total"], 29);
    let mut v = server.client();
    v.login("tetap@kolabik.test", &password).await;
}

async fn cli_manages_accounts(db: &TestDb) {
    let (ok, out, err) = db.cli(&["migrate"], None);
    assert!(ok, "{err}");
    assert!(out.contains("up to date"));
    let (ok, _, err) = db.cli(
        &[
            "user",
            "add",
            "--email",
            "ketua@kolabik.test",
            "--name",
            "Ketua Panitia",
            "--role",
            "ketua",
        ],
        None,
    );
    assert!(!ok);
    assert!(err.contains("role"), "{err}");
    let (ok, out, err) = db.cli(
        &[
            "user",
            "add",
            "--email",
            "ketua@kolabik.test",
            "--name",
            "Ketua Panitia",
            "--role",
            "committee",
        ],
        None,
    );
    assert!(ok, "{err}");
    let temp = out
        .lines()
        .find_map(|l| l.strip_prefix("Temporary password: "))
        .unwrap()
        .to_owned();
    let (ok, _, err) = db.cli(
        &["user", "set-password", "--email", "ketua@kolabik.test"],
        Some("Kota-Madinah-2022\n"),
    );
    assert!(ok, "{err}");
    let (ok, _, err) = db.cli(
        &["user", "set-password", "--email", "ketua@kolabik.test"],
        Some("pendek\n"),
    );
    assert!(!ok, "a weak password is refused");
    assert!(err.contains("password"), "{err}");

    let server = TestServer::start(db, false);
    let mut c = server.client();
    let r = c
        .post_form(
            "/masuk",
            &[("email", "ketua@kolabik.test"), ("password", &temp)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = c.login("ketua@kolabik.test", "Kota-Madinah-2022").await;
    assert_eq!(location(&r), "/dasbor");
    assert_eq!(c.get("/panitia").await.status(), StatusCode::OK);
    // Without the demo, a fresh install still has an edition for roles to belong to.
    let html = c.get("/").await.text().await.unwrap();
    assert!(html.contains("Kompetisi Inovasi Pelayanan Publik"));
}
