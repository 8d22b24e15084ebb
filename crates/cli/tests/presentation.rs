//! The presentation & interview schedule on both backends: generated slots 30 minutes
//! apart with the default shape and no overlap, a conflicted panel member and a
//! double-booked judge flagged, edits audit-logged, publication, the unit operator's
//! `.ics` (their slot only, UTC times, folded lines; other units refused), the judge's
//! `.ics` without a conflicted proposal, nothing changing once the stage is frozen, and
//! refusals for other roles.
//!
//! Stage entries, assignments, conflicts and declarations are rows other features create;
//! the fixtures insert them with SQL.

mod common;

use common::{COMMITTEE, Client, JUDGE, OPERATOR, TestDb, TestServer, VIEWER};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::AnyPool;

on_both_backends!(
    presentation_schedule_end_to_end,
    presentation_is_for_the_committee_only
);

const DUKCAPIL: (&str, &str) = ("operator.dispendukcapil@kolabik.test", "Dukcapil-2022!");
const ZUHRI: &str = "syaifuddin.zuhri@juri.kolabik.test";
const BAMBANG: &str = "bambang.wibowo@juri.kolabik.test";
const NOW: i64 = 1_669_000_000_000;

async fn one(pool: &AnyPool, sql: &str, arg: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .bind(arg.to_owned())
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn exec(pool: &AnyPool, sql: &str, args: &[i64]) {
    let mut q = sqlx::query(sql);
    for a in args {
        q = q.bind(*a);
    }
    q.execute(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn stage_id(pool: &AnyPool, kind: &str) -> i64 {
    one(
        pool,
        "SELECT s.id FROM stages s JOIN editions e ON e.id = s.edition_id \
         WHERE e.is_current = 1 AND s.kind = $1",
        kind,
    )
    .await
}

async fn judge_id(pool: &AnyPool, email: &str) -> i64 {
    one(
        pool,
        "SELECT j.id FROM judges j JOIN users u ON u.id = j.user_id WHERE u.email = $1",
        email,
    )
    .await
}

/// A judgeable proposal of the unit with this code, and its title.
async fn proposal_of(pool: &AnyPool, unit: &str) -> (i64, String) {
    let row: (i64, String) = sqlx::query_as(
        "SELECT p.id, p.title FROM proposals p JOIN units u ON u.id = p.unit_id \
         WHERE u.code = $1 AND p.state IN ('passed_screening', 'finalist', 'winner') \
         ORDER BY p.id LIMIT 1",
    )
    .bind(unit.to_owned())
    .fetch_one(pool)
    .await
    .expect("proposal of unit");
    row
}

/// Judgeable proposals of other units than `unit`.
async fn others(pool: &AnyPool, unit: &str, n: i64) -> Vec<(i64, String)> {
    sqlx::query_as(
        "SELECT p.id, p.title FROM proposals p JOIN units u ON u.id = p.unit_id \
         WHERE u.code <> $1 AND p.state IN ('passed_screening', 'finalist', 'winner') \
         ORDER BY p.id LIMIT $2",
    )
    .bind(unit.to_owned())
    .bind(n)
    .fetch_all(pool)
    .await
    .expect("other proposals")
}

async fn declare(pool: &AnyPool, judge: i64) {
    let edition: i64 = sqlx::query_scalar("SELECT id FROM editions WHERE is_current = 1")
        .fetch_one(pool)
        .await
        .expect("current edition");
    exec(
        pool,
        "INSERT INTO edition_judges (edition_id, judge_id, state, invited_at, declared_at) \
         VALUES ($1, $2, 'accepted', $3, $3)",
        &[edition, judge, NOW],
    )
    .await;
}

async fn api_client(server: &TestServer, db: &TestDb, email: &str) -> Client {
    let (ok, out, err) = db.cli(&["token", "create", "--email", email], None);
    assert!(ok, "{err}");
    let mut api = Client::new(&server.base);
    api.origin = None;
    api.bearer = Some(out.trim().to_owned());
    api
}

fn unfold(ics: &str) -> String {
    ics.replace("\r\n ", "")
}

fn assert_folded_lines(ics: &str) {
    assert!(ics.ends_with("\r\n"));
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "line of {} octets: {line:?}", line.len());
        assert!(!line.contains('\n') && !line.contains('\r'));
    }
}

fn dtstart(iso: &str) -> String {
    format!("DTSTART:{}", iso.replace(['-', ':'], ""))
}

async fn presentation_schedule_end_to_end(db: &TestDb) {
    let server = TestServer::start(db, true);
    let pool = db.connect().await;
    let stage = stage_id(&pool, "presentasi_wawancara").await;
    let (own, own_title) = proposal_of(&pool, "dinas-perikanan").await;
    let rest = others(&pool, "dinas-perikanan", 3).await;
    let (p2, p2_title) = rest[0].clone();
    let (p3, p3_title) = rest[1].clone();
    let (p4, _) = rest[2].clone();
    for p in [own, p2, p3, p4] {
        exec(
            &pool,
            "INSERT INTO stage_entries (stage_id, proposal_id, source, created_at) \
             VALUES ($1, $2, 'promotion', $3)",
            &[stage, p, NOW],
        )
        .await;
    }
    let j1 = judge_id(&pool, JUDGE.0).await;
    let j2 = judge_id(&pool, ZUHRI).await;
    let j3 = judge_id(&pool, BAMBANG).await;
    for (j, p) in [(j1, own), (j1, p2), (j1, p3), (j2, own), (j2, p2), (j3, p4)] {
        exec(
            &pool,
            "INSERT INTO assignments (stage_id, judge_id, proposal_id, manual, affinity, created_at) \
             VALUES ($1, $2, $3, 1, 0, $4)",
            &[stage, j, p, NOW],
        )
        .await;
    }
    // J1 has an active conflict with P3 (it should not be on that panel).
    exec(
        &pool,
        "INSERT INTO conflicts (judge_id, proposal_id, source, reason, created_at) \
         VALUES ($1, $2, 'declared', 'kerabat', $3)",
        &[j1, p3, NOW],
    )
    .await;
    declare(&pool, j1).await;

    // The committee generates the schedule from the page.
    let mut committee = server.client();
    committee.login(COMMITTEE.0, COMMITTEE.1).await;
    let page = committee.get("/panitia/presentasi").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Susun jadwal"), "{html}");
    assert!(html.contains("value=\"10\"") && html.contains("value=\"20\""));

    // A bad form keeps what was typed and says why.
    let r = committee
        .post_form(
            "/panitia/presentasi/buat",
            &[
                ("start", "2022-12-05T08:00"),
                ("talk_minutes", "5"),
                ("video_minutes", "7"),
                ("qa_minutes", "20"),
                ("break_minutes", "0"),
                ("meeting_url", "zoom sekarang"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Durasi video tidak boleh melebihi durasi paparan"));
    assert!(html.contains("Tautan rapat harus diawali https://"));
    assert!(html.contains("value=\"zoom sekarang\""));

    let r = committee
        .post_form(
            "/panitia/presentasi/buat",
            &[
                ("start", "2022-12-05T08:00"),
                ("talk_minutes", "10"),
                ("video_minutes", "3"),
                ("qa_minutes", "20"),
                ("break_minutes", "0"),
                ("day_end", ""),
                ("meeting_url", "https://meet.example.id/kolabik-presentasi"),
                ("room", "Ruang Rapat Wali Kota"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let mut api = api_client(&server, db, COMMITTEE.0).await;
    let sched: Value = api
        .get("/api/v1/presentation/slots")
        .await
        .json()
        .await
        .unwrap();
    let slots = sched["slots"].as_array().unwrap().clone();
    assert_eq!(slots.len(), 4, "{sched}");
    assert_eq!(sched["settings"]["published_at"], Value::Null);
    assert_eq!(slots[0]["starts_at"], "2022-12-05T01:00:00Z");
    assert_eq!(slots[0]["starts_local"], "2022-12-05T08:00");
    let ms = |v: &Value| -> i64 {
        let s = v.as_str().unwrap();
        let h: i64 = s[11..13].parse().unwrap();
        let m: i64 = s[14..16].parse().unwrap();
        let d: i64 = s[8..10].parse().unwrap();
        (d * 24 * 60 + h * 60 + m) * 60_000
    };
    for s in &slots {
        assert_eq!(s["outside_stage"], false);
        assert_eq!(s["talk_minutes"], 10);
        assert_eq!(s["video_minutes"], 3);
        assert_eq!(s["qa_minutes"], 20);
        assert_eq!(ms(&s["ends_at"]) - ms(&s["starts_at"]), 30 * 60_000);
        assert_eq!(
            s["meeting_url"],
            "https://meet.example.id/kolabik-presentasi"
        );
        assert_eq!(s["room"], "Ruang Rapat Wali Kota");
    }
    for w in slots.windows(2) {
        assert_eq!(ms(&w[1]["starts_at"]) - ms(&w[0]["starts_at"]), 30 * 60_000);
        assert!(ms(&w[0]["ends_at"]) <= ms(&w[1]["starts_at"]), "overlap");
    }
    let slot_of = |p: i64| -> Value {
        slots
            .iter()
            .find(|s| s["proposal_id"] == p)
            .cloned()
            .unwrap_or_else(|| panic!("no slot for {p}"))
    };
    // The conflicted panel member is flagged on P3's slot, and only there.
    let s3 = slot_of(p3);
    let flagged: Vec<&Value> = s3["panel"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["conflicted"] == true)
        .collect();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0]["judge_id"], j1);
    assert!(slots.iter().filter(|s| s["proposal_id"] != p3).all(|s| {
        s["panel"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["conflicted"] == false)
    }));
    assert!(slots.iter().all(|s| {
        s["panel"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["double_booked"] == false)
    }));
    let html = committee
        .get("/panitia/presentasi")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("konflik kepentingan aktif"), "{html}");

    // Moving P2's slot onto the operator's one double-books J1 and J2 (PUT, audited).
    let own_slot = slot_of(own);
    let s2 = slot_of(p2);
    let moved = json!({
        "start": own_slot["starts_local"], "talk_minutes": 12, "video_minutes": 4,
        "qa_minutes": 15, "meeting_url": "https://meet.example.id/ruang-2", "room": "Ruang 2"
    });
    let r = api
        .put_json(&format!("/api/v1/presentation/slots/{}", s2["id"]), &moved)
        .await;
    assert_eq!(
        r.status(),
        StatusCode::NO_CONTENT,
        "{}",
        r.text().await.unwrap()
    );
    let sched: Value = api
        .get("/api/v1/presentation/slots")
        .await
        .json()
        .await
        .unwrap();
    let doubled: Vec<(i64, i64)> = sched["slots"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            let p = s["proposal_id"].as_i64().unwrap();
            s["panel"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|m| m["double_booked"] == true)
                .map(move |m| (p, m["judge_id"].as_i64().unwrap()))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut doubled = doubled;
    doubled.sort();
    let mut expected = vec![(own, j1), (own, j2), (p2, j1), (p2, j2)];
    expected.sort();
    assert_eq!(doubled, expected);
    let moved_slot = sched["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["proposal_id"] == p2)
        .unwrap()
        .clone();
    assert_eq!(moved_slot["talk_minutes"], 12);
    assert_eq!(moved_slot["room"], "Ruang 2");
    // An invalid edit changes nothing.
    let r = api
        .put_json(
            &format!("/api/v1/presentation/slots/{}", s2["id"]),
            &json!({"start": "kemarin", "talk_minutes": 10, "video_minutes": 3, "qa_minutes": 20}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A slot after the stage closes is flagged.
    let late = json!({"start": "2022-12-20T08:00", "talk_minutes": 10, "video_minutes": 3, "qa_minutes": 20});
    let r = api
        .put_json(&format!("/api/v1/presentation/slots/{}", s2["id"]), &late)
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let sched: Value = api
        .get("/api/v1/presentation/slots")
        .await
        .json()
        .await
        .unwrap();
    for s in sched["slots"].as_array().unwrap() {
        assert_eq!(s["outside_stage"], s["proposal_id"] == p2, "{s}");
    }
    // Back to its generated place, through the page form.
    let r = committee
        .post_form(
            &format!("/panitia/presentasi/sesi/{}", s2["id"]),
            &[
                ("start", s2["starts_local"].as_str().unwrap()),
                ("talk_minutes", "10"),
                ("video_minutes", "3"),
                ("qa_minutes", "20"),
                ("meeting_url", "https://meet.example.id/kolabik-presentasi"),
                ("room", "Ruang Rapat Wali Kota"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let changes = one(
        &pool,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_events WHERE action = $1",
        "presentation.slot_changed",
    )
    .await;
    assert_eq!(changes, 3);
    let generated = one(
        &pool,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_events WHERE action = $1",
        "presentation.generated",
    )
    .await;
    assert_eq!(generated, 1);

    // Saving only the defaults leaves the slots alone.
    let r = committee
        .post_form(
            "/panitia/presentasi/buat",
            &[
                ("action", "settings"),
                ("start", ""),
                ("talk_minutes", "15"),
                ("video_minutes", "5"),
                ("qa_minutes", "15"),
                ("break_minutes", "5"),
                ("day_end", "16:00"),
                ("meeting_url", "https://meet.example.id/baru"),
                ("room", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let after: Value = api
        .get("/api/v1/presentation/slots")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["settings"]["talk_minutes"], 15);
    assert_eq!(after["settings"]["day_end"], "16:00");
    assert_eq!(
        after["settings"]["meeting_url"],
        "https://meet.example.id/baru"
    );
    assert_eq!(after["slots"], Value::Array(slots.clone()));
    assert_eq!(after["slots"][0]["talk_minutes"], 10);
    assert_eq!(after["slots"].as_array().unwrap().len(), 4);

    // A committee member recused from a proposal does not see its slot.
    let me = one(&pool, "SELECT id FROM users WHERE email = $1", COMMITTEE.0).await;
    exec(
        &pool,
        "INSERT INTO committee_recusals (user_id, proposal_id, reason, created_at) \
         VALUES ($1, $2, 'kerabat kepala unit', $3)",
        &[me, p4, NOW],
    )
    .await;
    let recused: Value = api
        .get("/api/v1/presentation/slots")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(recused["slots"].as_array().unwrap().len(), 3);
    assert!(
        recused["slots"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["proposal_id"] != p4)
    );
    exec(
        &pool,
        "UPDATE committee_recusals SET lifted_at = $1 WHERE user_id = $2",
        &[NOW, me],
    )
    .await;

    // The page in English; the API documented.
    committee.set_lang("en");
    let html = committee
        .get("/panitia/presentasi")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("interview schedule"), "{html}");
    assert!(html.contains("Judging panel"));
    committee.set_lang("id");
    let doc = api.get("/api/v1/openapi.json").await.text().await.unwrap();
    for path in [
        "/api/v1/presentation/slots/{id}",
        "/api/v1/judge/presentation.ics",
        "/api/v1/field/visits/{visit}/photos",
    ] {
        assert!(doc.contains(path), "{path} not documented");
    }

    // Before publication the unit sees nothing.
    let mut operator = server.client();
    operator.login(OPERATOR.0, OPERATOR.1).await;
    let r = operator.get(&format!("/usulan/{own}/jadwal.ics")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let page = operator
        .get(&format!("/operator/usulan/{own}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("id=\"jadwal-presentasi\""));

    let r = committee
        .post_form("/panitia/presentasi/terbitkan", &[("publish", "1")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The operator's calendar holds their slot only, in UTC, folded at 75 octets.
    let r = operator.get(&format!("/usulan/{own}/jadwal.ics")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let ics = r.text().await.unwrap();
    assert_folded_lines(&ics);
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 1);
    let flat = unfold(&ics);
    assert!(flat.contains(&format!(
        "\r\n{}\r\n",
        dtstart(own_slot["starts_at"].as_str().unwrap())
    )));
    assert!(flat.contains(&format!("UID:presentasi-{}@", own_slot["id"])));
    assert!(flat.contains(&own_title.replace(',', "\\,").replace(';', "\\;")));
    assert!(!flat.contains(&p2_title.replace(',', "\\,")));
    assert!(
        ics.contains("\r\n "),
        "a long SUMMARY/DESCRIPTION is folded"
    );
    assert!(flat.contains("URL:https://meet.example.id/kolabik-presentasi\r\n"));
    assert!(flat.contains("Paparan 10 menit (termasuk video 3 menit"));
    // Stable UID across downloads.
    let again = unfold(
        &operator
            .get(&format!("/usulan/{own}/jadwal.ics"))
            .await
            .text()
            .await
            .unwrap(),
    );
    let uid = |s: &str| s.lines().find(|l| l.starts_with("UID:")).map(str::to_owned);
    assert_eq!(uid(&flat), uid(&again));
    // The same through the API, and the schedule box on the proposal page.
    let r = operator
        .get(&format!("/api/v1/proposals/{own}/presentation.ics"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = operator
        .get(&format!("/operator/usulan/{own}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"jadwal-presentasi\""), "{page}");
    assert!(page.contains("Ruang Rapat Wali Kota"));
    // Not another unit's slot, and not for another unit's operator.
    let r = operator.get(&format!("/usulan/{p2}/jadwal.ics")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let mut dukcapil = server.client();
    dukcapil.login(DUKCAPIL.0, DUKCAPIL.1).await;
    let r = dukcapil.get(&format!("/usulan/{own}/jadwal.ics")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = dukcapil
        .get(&format!("/api/v1/proposals/{own}/presentation.ics"))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The judge's calendar: their panels, never the conflicted proposal.
    let mut judge = server.client();
    judge.login(JUDGE.0, JUDGE.1).await;
    let r = judge.get("/juri/jadwal.ics").await;
    assert_eq!(r.status(), StatusCode::OK);
    let ics = r.text().await.unwrap();
    assert_folded_lines(&ics);
    let flat = unfold(&ics);
    assert_eq!(flat.matches("BEGIN:VEVENT").count(), 2, "{flat}");
    assert!(flat.contains(&dtstart(own_slot["starts_at"].as_str().unwrap())));
    assert!(flat.contains(&dtstart(s2["starts_at"].as_str().unwrap())));
    assert!(!flat.contains(&dtstart(s3["starts_at"].as_str().unwrap())));
    assert!(!flat.contains(&p3_title.replace(',', "\\,")));
    let page = judge.get("/juri/jadwal").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(!html.contains(&p3_title));
    assert!(html.contains("/juri/jadwal.ics"));
    let r = judge.get("/api/v1/judge/presentation.ics").await;
    assert_eq!(
        unfold(&r.text().await.unwrap())
            .matches("BEGIN:VEVENT")
            .count(),
        2
    );
    // A judge who has not declared sees no proposal at all.
    let mut undeclared = server.client();
    undeclared.login(ZUHRI, JUDGE.1).await;
    let ics = undeclared
        .get("/juri/jadwal.ics")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 0);
    assert!(ics.contains("BEGIN:VCALENDAR"));

    // Once the stage is frozen nothing changes.
    exec(
        &pool,
        "INSERT INTO stage_judging (stage_id, rubric_json, updated_at, frozen_at) \
         VALUES ($1, '{}', $2, $2)",
        &[stage, NOW],
    )
    .await;
    let r = api
        .put_json(&format!("/api/v1/presentation/slots/{}", s2["id"]), &moved)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = api
        .post_json(
            "/api/v1/presentation/slots/generate",
            &json!({"start": "2022-12-06T08:00"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["error"]["fields"][0]["code"],
        "presentation.error_frozen"
    );
    let html = committee
        .get("/panitia/presentasi")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"frozen\""));
    assert!(!html.contains("action=\"/panitia/presentasi/buat\""));
    let after: Value = api
        .get("/api/v1/presentation/slots")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["frozen"], true);
    assert_eq!(
        after["slots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["proposal_id"] == p2)
            .unwrap()["starts_at"],
        s2["starts_at"]
    );
}

async fn presentation_is_for_the_committee_only(db: &TestDb) {
    let server = TestServer::start(db, true);
    for (email, password) in [OPERATOR, JUDGE, VIEWER] {
        let mut c = server.client();
        c.login(email, password).await;
        assert_eq!(
            c.get("/panitia/presentasi").await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            c.get("/api/v1/presentation/slots").await.status(),
            StatusCode::FORBIDDEN
        );
        let r = c
            .post_form("/panitia/presentasi/terbitkan", &[("publish", "1")])
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    let mut viewer = server.client();
    viewer.login(VIEWER.0, VIEWER.1).await;
    assert_eq!(
        viewer.get("/juri/jadwal.ics").await.status(),
        StatusCode::FORBIDDEN
    );
    // Before any schedule the generate form says there is nothing to place.
    let mut committee = server.client();
    committee.login(COMMITTEE.0, COMMITTEE.1).await;
    let r = committee
        .post_form(
            "/panitia/presentasi/buat",
            &[
                ("start", "2022-12-05T08:00"),
                ("talk_minutes", "10"),
                ("video_minutes", "3"),
                ("qa_minutes", "20"),
                ("break_minutes", "0"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Belum ada usulan pada tahap presentasi")
    );
    let mut api = api_client(&server, db, COMMITTEE.0).await;
    let r = api
        .put_json(
            "/api/v1/presentation/slots/999999",
            &json!({"start": "2022-12-05T08:00", "talk_minutes": 10, "video_minutes": 3, "qa_minutes": 20}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
