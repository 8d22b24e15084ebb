//! The jury on both backends: a judge added to the pool, invited by e-mail, accepting the
//! link and having to declare before seeing anything; automatic conflicts from a unit tie,
//! its parent and its child and from the institution; only the committee lifts a conflict
//! (logged, never resurrected); a conflicted judge never sees the proposal; a recused
//! committee member does not see the proposal while the deputy does; an assignment run on
//! the demo edition meets the panel rules, and a re-solve after a new conflict changes only
//! a few assignments; manual overrides; nothing changes once the stage is frozen.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use common::{COMMITTEE, Client, JUDGE, TestDb, TestServer, location};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    judge_is_invited_declares_and_never_sees_a_conflicted_proposal,
    recused_committee_member_does_not_see_the_proposal,
    assignment_run_meets_the_panel_rules_and_resolves_with_few_changes
);

const COMMITTEE2: (&str, &str) = ("panitia2@kolabik.test", "Sekretariat-2022!");

async fn api_client(server: &TestServer, db: &TestDb, email: &str) -> Client {
    let (ok, out, err) = db.cli(&["token", "create", "--email", email], None);
    assert!(ok, "{err}");
    let mut api = Client::new(&server.base);
    api.origin = None;
    api.bearer = Some(out.trim().to_owned());
    api
}

async fn scalar(pool: &sqlx::AnyPool, sql: &str, arg: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(arg)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql} [{arg}]: {e}"))
}

async fn unit_id(pool: &sqlx::AnyPool, code: &str) -> i64 {
    scalar(pool, "SELECT id FROM units WHERE code = $1", code).await
}

/// The judgeable proposal of a unit (the demo has one per unit used here).
async fn proposal_of(pool: &sqlx::AnyPool, code: &str) -> i64 {
    scalar(
        pool,
        "SELECT MIN(p.id) FROM proposals p JOIN units u ON u.id = p.unit_id WHERE u.code = $1 \
         AND p.state IN ('passed_screening', 'finalist', 'winner')",
        code,
    )
    .await
}

async fn judge_id(pool: &sqlx::AnyPool, email: &str) -> i64 {
    scalar(
        pool,
        "SELECT j.id FROM judges j JOIN users u ON u.id = j.user_id WHERE u.email = $1",
        email,
    )
    .await
}

async fn penilaian(pool: &sqlx::AnyPool) -> i64 {
    scalar(
        pool,
        "SELECT MIN(id) FROM stages WHERE kind = $1",
        "penilaian",
    )
    .await
}

async fn assign(pool: &sqlx::AnyPool, stage: i64, judge: i64, proposal: i64) {
    sqlx::query(
        "INSERT INTO assignments (stage_id, judge_id, proposal_id, manual, affinity, created_at) \
         VALUES ($1, $2, $3, 0, 0, 0)",
    )
    .bind(stage)
    .bind(judge)
    .bind(proposal)
    .execute(pool)
    .await
    .unwrap();
}

async fn json_ok(r: reqwest::Response, want: StatusCode) -> Value {
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    assert_eq!(status, want, "{text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

async fn conflicts_of(api: &mut Client, judge: i64) -> Vec<Value> {
    let r = api
        .get(&format!("/api/v1/jury/conflicts?judge_id={judge}"))
        .await;
    json_ok(r, StatusCode::OK).await.as_array().unwrap().clone()
}

fn has(conflicts: &[Value], proposal: i64, source: &str, reason: Option<&str>) -> bool {
    conflicts.iter().any(|c| {
        c["proposal_id"] == proposal
            && c["source"] == source
            && c["active"] == true
            && reason.is_none_or(|r| c["reason"] == r)
    })
}

async fn my_assignments(c: &mut Client) -> Value {
    let r = c.get("/api/v1/jury/stages/penilaian/assignments").await;
    json_ok(r, StatusCode::OK).await
}

fn proposal_ids(v: &Value) -> HashSet<i64> {
    v["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["proposal_id"].as_i64().unwrap())
        .collect()
}

async fn judge_is_invited_declares_and_never_sees_a_conflicted_proposal(db: &TestDb) {
    let server = TestServer::start(db, true);
    let pool = db.connect().await;
    let panggungrejo = unit_id(&pool, "kec-panggungrejo").await;
    let bugul_lor = unit_id(&pool, "kel-bugul-lor").await;
    let dinsos = unit_id(&pool, "dinsos").await;
    let p_panggungrejo = proposal_of(&pool, "kec-panggungrejo").await;
    let p_bugul_lor = proposal_of(&pool, "kel-bugul-lor").await;
    let p_rsud = proposal_of(&pool, "rsud-soedarsono").await;
    let p_dinsos = proposal_of(&pool, "dinsos").await;
    let p_bpbd = proposal_of(&pool, "bpbd").await;
    let p_dlhkp = proposal_of(&pool, "dlhkp").await;
    let stage = penilaian(&pool).await;

    // The committee adds a judge through the page, tied to Kecamatan Panggungrejo.
    let mut com = server.client();
    com.login(COMMITTEE.0, COMMITTEE.1).await;
    let r = com
        .post_form(
            "/panitia/juri",
            &[("name", ""), ("email", "bukan-email"), ("kind", "academic")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("bukan-email"), "typed input is kept");
    let unit = panggungrejo.to_string();
    let r = com
        .post_form(
            "/panitia/juri",
            &[
                ("name", "Dr. Ayu Lestari"),
                ("email", "ayu.lestari@juri.kolabik.test"),
                ("kind", "academic"),
                ("institution", "Universitas Negeri Malang"),
                (
                    "expertise",
                    "pelayanan kesehatan\nadministrasi kependudukan",
                ),
                ("unit_ids", &unit),
                ("institution_ties", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let ayu = judge_id(&pool, "ayu.lestari@juri.kolabik.test").await;
    let mut api = api_client(&server, db, COMMITTEE.0).await;
    let c = conflicts_of(&mut api, ayu).await;
    assert!(
        has(&c, p_panggungrejo, "automatic", Some("tie_unit")),
        "{c:?}"
    );
    assert!(
        has(&c, p_bugul_lor, "automatic", Some("tie_parent")),
        "{c:?}"
    );
    assert_eq!(c.len(), 2, "{c:?}");

    // A second judge through the API: tied to the kelurahan under the kecamatan, and
    // working at (case- and space-folded) the RSUD.
    let r = api
        .post_json(
            "/api/v1/jury/judges",
            &json!({
                "name": "Ir. Bayu Pratama",
                "email": "bayu.pratama@juri.kolabik.test",
                "kind": "practitioner",
                "institution": "  rsud DR. R.   soedarsono ",
                "expertise": ["kebencanaan"],
                "unit_ids": [bugul_lor],
            }),
        )
        .await;
    let bayu = json_ok(r, StatusCode::CREATED).await["id"]
        .as_i64()
        .unwrap();
    let c = conflicts_of(&mut api, bayu).await;
    assert!(
        has(&c, p_panggungrejo, "automatic", Some("tie_child")),
        "{c:?}"
    );
    assert!(has(&c, p_bugul_lor, "automatic", Some("tie_unit")), "{c:?}");
    assert!(has(&c, p_rsud, "automatic", Some("institution")), "{c:?}");

    // Invitation: an e-mail with a single-use link.
    let r = com
        .post_form(&format!("/panitia/juri/{ayu}/undang"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let body: String = sqlx::query_scalar(
        "SELECT body_text FROM outbox WHERE kind = 'judge_invitation' AND to_email = $1",
    )
    .bind("ayu.lestari@juri.kolabik.test")
    .fetch_one(&pool)
    .await
    .unwrap();
    let at = body.find("/juri/undangan/").expect("link in the e-mail") + "/juri/undangan/".len();
    let token: String = body[at..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    assert_eq!(token.len(), 64, "{body}");
    let pool_page = com.get("/panitia/juri").await.text().await.unwrap();
    assert!(pool_page.contains("Dr. Ayu Lestari") && pool_page.contains("diundang"));

    let mut ayu_c = server.client();
    let r = ayu_c.get("/juri/undangan/tidak-ada").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let link = format!("/juri/undangan/{token}");
    let r = ayu_c.get(&link).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("ayu.lestari@juri.kolabik.test")
    );
    let r = ayu_c
        .post_form(
            &link,
            &[
                ("answer", "accept"),
                ("password", "Juri-Ayu-2022!"),
                ("confirm", "lain"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = ayu_c
        .post_form(
            &link,
            &[
                ("answer", "accept"),
                ("password", "Juri-Ayu-2022!"),
                ("confirm", "Juri-Ayu-2022!"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/juri/deklarasi");
    // The link works once.
    let mut other = server.client();
    assert_eq!(other.get(&link).await.status(), StatusCode::GONE);

    // An expired link is refused too; declining needs no password.
    let r = api
        .post_json(
            &format!("/api/v1/jury/judges/{bayu}/invitation"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let bayu_mail: String = sqlx::query_scalar(
        "SELECT body_text FROM outbox WHERE kind = 'judge_invitation' AND to_email = $1",
    )
    .bind("bayu.pratama@juri.kolabik.test")
    .fetch_one(&pool)
    .await
    .unwrap();
    let at = bayu_mail.find("/juri/undangan/").unwrap();
    let bayu_link: String = bayu_mail[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    sqlx::query("UPDATE edition_judges SET expires_at = 1 WHERE judge_id = $1")
        .bind(bayu)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(other.get(&bayu_link).await.status(), StatusCode::GONE);
    let r = api
        .post_json(
            &format!("/api/v1/jury/judges/{bayu}/invitation"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT, "a new link can be sent");
    let r = other
        .post_form(
            &format!("/juri/undangan/{}", {
                let body: String = sqlx::query_scalar(
                    "SELECT body_text FROM outbox WHERE kind = 'judge_invitation' \
                     AND to_email = $1 ORDER BY id DESC LIMIT 1",
                )
                .bind("bayu.pratama@juri.kolabik.test")
                .fetch_one(&pool)
                .await
                .unwrap();
                let at = body.find("/juri/undangan/").unwrap() + "/juri/undangan/".len();
                body[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_hexdigit())
                    .collect::<String>()
            }),
            &[("answer", "decline")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let judges = json_ok(api.get("/api/v1/jury/judges").await, StatusCode::OK).await;
    let b = judges
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == bayu)
        .unwrap();
    assert_eq!(b["edition_state"], "declined");

    // Signed in, but nothing is shown before the declaration.
    assign(&pool, stage, ayu, p_dinsos).await;
    assign(&pool, stage, ayu, p_bpbd).await;
    assign(&pool, stage, ayu, p_dlhkp).await;
    let mine = my_assignments(&mut ayu_c).await;
    assert_eq!(mine["declared"], false);
    assert!(mine["assignments"].as_array().unwrap().is_empty());
    let page = ayu_c
        .get("/juri/penugasan/penilaian")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("must-declare"));
    let decl = ayu_c.get("/juri/deklarasi").await;
    assert_eq!(decl.status(), StatusCode::OK);
    let decl = decl.text().await.unwrap();
    assert!(
        decl.contains("Dinas Sosial") || decl.contains("dinsos"),
        "units listed"
    );
    let dinsos_title: String = sqlx::query_scalar("SELECT title FROM proposals WHERE id = $1")
        .bind(p_dinsos)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        !decl.contains(&dinsos_title),
        "no proposal title on the declaration"
    );

    // The statement must be confirmed.
    let dinsos_s = dinsos.to_string();
    let r = ayu_c
        .post_form("/juri/deklarasi", &[("unit_ids", &dinsos_s)])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = ayu_c
        .post_form(
            "/juri/deklarasi",
            &[
                ("unit_ids", &dinsos_s),
                ("note", "Adik saya bekerja di Dinas Sosial."),
                ("confirm", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mine = my_assignments(&mut ayu_c).await;
    assert_eq!(mine["declared"], true);
    assert_eq!(proposal_ids(&mine), HashSet::from([p_bpbd, p_dlhkp]));
    let page = ayu_c
        .get("/juri/penugasan/penilaian")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains(&dinsos_title),
        "conflicted proposal not listed"
    );
    // The scoring workspace's sheet answers 404 for the conflicted one by direct URL.
    let r = ayu_c.get(&format!("/juri/penilaian/{p_dinsos}")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = ayu_c.get(&format!("/juri/penilaian/{p_dlhkp}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let queue = ayu_c.get("/juri").await.text().await.unwrap();
    assert!(!queue.contains(&dinsos_title), "not in the judge's queue");
    let own = json_ok(ayu_c.get("/api/v1/jury/my-conflicts").await, StatusCode::OK).await;
    assert!(
        own.as_array()
            .unwrap()
            .iter()
            .all(|c| c.get("proposal_title").is_none())
    );

    // The committee pins a conflict: the judge loses that proposal too.
    let r = api
        .post_json(
            "/api/v1/jury/conflicts",
            &json!({"judge_id": ayu, "proposal_id": p_bpbd, "reason": "Pernah menjadi konsultan BPBD"}),
        )
        .await;
    let pinned = json_ok(r, StatusCode::CREATED).await["id"]
        .as_i64()
        .unwrap();
    let mine = my_assignments(&mut ayu_c).await;
    assert_eq!(proposal_ids(&mine), HashSet::from([p_dlhkp]));

    // A judge cannot lift a conflict, pinned or declared.
    let c = conflicts_of(&mut api, ayu).await;
    let declared = c
        .iter()
        .find(|c| c["source"] == "declared")
        .expect("declared conflict")["id"]
        .as_i64()
        .unwrap();
    for id in [pinned, declared] {
        let r = ayu_c
            .post_json(
                &format!("/api/v1/jury/conflicts/{id}/lift"),
                &json!({"reason": "Saya kira tidak apa-apa"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = ayu_c
            .post_form(
                &format!("/panitia/konflik/{id}/angkat"),
                &[("reason", "Saya kira tidak apa-apa")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    // A further declaration adds, never lifts.
    let r = ayu_c
        .post_json(
            "/api/v1/jury/declaration",
            &json!({"unit_ids": [], "confirm": true}),
        )
        .await;
    assert_eq!(json_ok(r, StatusCode::OK).await["added"], 0);
    assert_eq!(
        proposal_ids(&my_assignments(&mut ayu_c).await),
        HashSet::from([p_dlhkp])
    );

    // The committee lifts the declared one, with a reason, logged; it stays lifted.
    let r = api
        .post_json(
            &format!("/api/v1/jury/conflicts/{declared}/lift"),
            &json!({"reason": ""}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = com
        .post_form(
            &format!("/panitia/konflik/{declared}/angkat"),
            &[("reason", "Hubungan keluarga sudah berakhir; dicek panitia.")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let logged = scalar(
        &pool,
        "SELECT COUNT(*) FROM audit_events WHERE action = $1",
        "conflict.lifted",
    )
    .await;
    assert_eq!(logged, 1);
    // Recomputing (a tie edit) and declaring again do not bring it back.
    let r = api
        .post_json(
            &format!("/api/v1/jury/judges/{ayu}"),
            &json!({"name": "Dr. Ayu Lestari", "kind": "academic", "unit_ids": [panggungrejo]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = ayu_c
        .post_json(
            "/api/v1/jury/declaration",
            &json!({"unit_ids": [dinsos], "confirm": true}),
        )
        .await;
    assert_eq!(json_ok(r, StatusCode::OK).await["added"], 0);
    assert_eq!(
        proposal_ids(&my_assignments(&mut ayu_c).await),
        HashSet::from([p_dinsos, p_dlhkp])
    );
    let lifted = json_ok(
        api.get(&format!(
            "/api/v1/jury/conflicts?judge_id={ayu}&active=false"
        ))
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(lifted.as_array().unwrap().len(), 1);
    assert!(
        lifted[0]["lift_reason"]
            .as_str()
            .unwrap()
            .contains("berakhir")
    );

    // The committee's conflict page lists them with their source.
    let page = com.get(&format!("/panitia/konflik?judge={ayu}")).await;
    let page = page.text().await.unwrap();
    assert!(page.contains("Ditetapkan panitia") && page.contains("dicabut"));

    // The demo judge (role, no invitation row) counts as active and undeclared.
    let mut siti = server.client();
    siti.login(JUDGE.0, JUDGE.1).await;
    let mine = my_assignments(&mut siti).await;
    assert_eq!(mine["declared"], false);
    let d = json_ok(siti.get("/api/v1/jury/declaration").await, StatusCode::OK).await;
    assert!(d["declared_at"].is_null());
    let rsud = d["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "RSUD dr. R. Soedarsono")
        .expect("RSUD listed");
    assert_eq!(rsud["automatic"], true, "her tie to the RSUD is marked");
}

async fn recused_committee_member_does_not_see_the_proposal(db: &TestDb) {
    let server = TestServer::start(db, true);
    let pool = db.connect().await;
    let p = proposal_of(&pool, "dinsos").await;
    let deputy = scalar(&pool, "SELECT id FROM users WHERE email = $1", COMMITTEE2.0).await;
    let mut one = server.client();
    one.login(COMMITTEE.0, COMMITTEE.1).await;
    let mut two = server.client();
    two.login(COMMITTEE2.0, COMMITTEE2.1).await;
    let detail = format!("/panitia/usulan/{p}");
    assert_eq!(one.get(&detail).await.status(), StatusCode::OK);

    // A deputy is required and must be another committee member.
    let r = one
        .post_form(
            "/panitia/rekusal",
            &[
                ("proposal_id", &p.to_string()),
                ("reason", "Suami saya Kepala Dinas Sosial"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = one
        .post_form(
            "/panitia/rekusal",
            &[
                ("proposal_id", &p.to_string()),
                ("deputy_user_id", &deputy.to_string()),
                ("reason", "Suami saya Kepala Dinas Sosial"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    assert_eq!(one.get(&detail).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        one.get(&format!("/api/v1/proposals/{p}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let list = json_ok(
        one.get("/api/v1/proposals?state=finalist").await,
        StatusCode::OK,
    )
    .await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["id"] != p)
    );
    let page = one.get("/panitia/usulan").await.text().await.unwrap();
    assert!(!page.contains(&format!("/panitia/usulan/{p}\"")));

    assert_eq!(two.get(&detail).await.status(), StatusCode::OK);
    let list = json_ok(
        two.get("/api/v1/proposals?state=finalist").await,
        StatusCode::OK,
    )
    .await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == p)
    );
    let recusals = json_ok(two.get("/api/v1/jury/recusals").await, StatusCode::OK).await;
    assert_eq!(recusals[0]["deputy_user_id"], deputy);
    let logged = scalar(
        &pool,
        "SELECT COUNT(*) FROM audit_events WHERE action = $1",
        "recusal.created",
    )
    .await;
    assert_eq!(logged, 1);
}

async fn run_and_apply(api: &mut Client) -> (Value, Value) {
    let r = api
        .post_json("/api/v1/jury/stages/penilaian/runs", &json!({}))
        .await;
    let id = json_ok(r, StatusCode::ACCEPTED).await["id"]
        .as_i64()
        .unwrap();
    let mut run = Value::Null;
    for _ in 0..200 {
        run = json_ok(
            api.get("/api/v1/jury/stages/penilaian/runs/latest").await,
            StatusCode::OK,
        )
        .await;
        if run["id"] == id && (run["state"] == "done" || run["state"] == "failed") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(run["state"], "done", "{run}");
    let r = api
        .post_json(
            &format!("/api/v1/jury/stages/penilaian/runs/{id}/apply"),
            &json!({}),
        )
        .await;
    let applied = json_ok(r, StatusCode::OK).await;
    (run, applied)
}

async fn check_panels(api: &mut Client, kinds: &HashMap<i64, String>) -> Vec<Value> {
    let v = json_ok(
        api.get("/api/v1/jury/stages/penilaian/assignments").await,
        StatusCode::OK,
    )
    .await;
    let r = v["reviews_per_proposal"].as_i64().unwrap();
    let max = v["max_load"].as_i64().unwrap();
    let all = v["assignments"].as_array().unwrap().clone();
    let conflicts = json_ok(
        api.get("/api/v1/jury/conflicts?active=true").await,
        StatusCode::OK,
    )
    .await;
    let conflicted: HashSet<(i64, i64)> = conflicts
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["judge_id"].as_i64().unwrap(),
                c["proposal_id"].as_i64().unwrap(),
            )
        })
        .collect();
    let mut per_proposal: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut load: HashMap<i64, i64> = HashMap::new();
    for a in &all {
        let (j, p) = (
            a["judge_id"].as_i64().unwrap(),
            a["proposal_id"].as_i64().unwrap(),
        );
        assert!(
            !conflicted.contains(&(j, p)),
            "conflicted pair assigned: {a}"
        );
        per_proposal.entry(p).or_default().push(j);
        *load.entry(j).or_default() += 1;
    }
    assert_eq!(per_proposal.len(), 13, "every judgeable demo proposal");
    for (p, judges) in &per_proposal {
        assert_eq!(judges.len() as i64, r, "proposal {p}");
        let academic = judges.iter().filter(|j| kinds[j] == "academic").count();
        let practitioner = judges.iter().filter(|j| kinds[j] == "practitioner").count();
        assert!(
            academic >= 1 && practitioner >= 1,
            "proposal {p}: {judges:?}"
        );
    }
    assert!(load.values().all(|l| *l <= max), "{load:?}");
    all
}

async fn assignment_run_meets_the_panel_rules_and_resolves_with_few_changes(db: &TestDb) {
    let server = TestServer::start(db, true);
    let pool = db.connect().await;
    let mut api = api_client(&server, db, COMMITTEE.0).await;
    let judges = json_ok(api.get("/api/v1/jury/judges").await, StatusCode::OK).await;
    let kinds: HashMap<i64, String> = judges
        .as_array()
        .unwrap()
        .iter()
        .map(|j| {
            (
                j["id"].as_i64().unwrap(),
                j["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(kinds.len(), 8);

    // The page warns that the demo judges have not declared yet.
    let mut com = server.client();
    com.login(COMMITTEE.0, COMMITTEE.1).await;
    let page = com
        .get("/panitia/penugasan/penilaian")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"undeclared\""));

    let (run, applied) = run_and_apply(&mut api).await;
    assert_eq!(run["status"], "optimal", "{run}");
    assert!(run["report"]["loads"].as_array().is_some());
    assert_eq!(applied["added"], 39, "{applied}");
    assert_eq!(applied["removed"], 0);
    let before = check_panels(&mut api, &kinds).await;
    let page = com
        .get("/panitia/penugasan/penilaian")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"apply-run\"") && page.contains("id=\"assignments\""));

    // A new conflict on an assigned pair: re-solve and apply change only a few.
    let a = &before[0];
    let (j, p) = (
        a["judge_id"].as_i64().unwrap(),
        a["proposal_id"].as_i64().unwrap(),
    );
    let r = api
        .post_json(
            "/api/v1/jury/conflicts",
            &json!({"judge_id": j, "proposal_id": p, "reason": "Baru diketahui: pembimbing unit"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let (_, applied) = run_and_apply(&mut api).await;
    let removed = applied["removed"].as_i64().unwrap();
    let added = applied["added"].as_i64().unwrap();
    assert!(removed >= 1 && removed + added <= 4, "{applied}");
    assert_eq!(applied["kept"].as_i64().unwrap(), 39 - removed);
    let after = check_panels(&mut api, &kinds).await;
    assert!(
        !after
            .iter()
            .any(|x| x["judge_id"] == j && x["proposal_id"] == p)
    );

    // Manual overrides: refused on a conflicted pair, kept by the next run.
    let r = api
        .post_json(
            "/api/v1/jury/stages/penilaian/assignments",
            &json!({"judge_id": j, "proposal_id": p}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let assigned: HashSet<i64> = after
        .iter()
        .filter(|x| x["proposal_id"] == p)
        .map(|x| x["judge_id"].as_i64().unwrap())
        .collect();
    let conflicts = json_ok(
        api.get(&format!(
            "/api/v1/jury/conflicts?proposal_id={p}&active=true"
        ))
        .await,
        StatusCode::OK,
    )
    .await;
    let blocked: HashSet<i64> = conflicts
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["judge_id"].as_i64().unwrap())
        .collect();
    let extra = *kinds
        .keys()
        .find(|k| !assigned.contains(k) && !blocked.contains(k))
        .expect("a free judge");
    let r = api
        .post_json(
            "/api/v1/jury/stages/penilaian/assignments",
            &json!({"judge_id": extra, "proposal_id": p}),
        )
        .await;
    let manual = json_ok(r, StatusCode::CREATED).await["id"]
        .as_i64()
        .unwrap();
    let (_, _) = run_and_apply(&mut api).await;
    let v = json_ok(
        api.get("/api/v1/jury/stages/penilaian/assignments").await,
        StatusCode::OK,
    )
    .await;
    let kept = v["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == manual)
        .expect("manual assignment kept");
    assert_eq!(kept["manual"], true);
    let r = api
        .post_json(
            &format!("/api/v1/jury/stages/penilaian/assignments/{manual}/remove"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    // Frozen: nothing changes any more.
    let stage = penilaian(&pool).await;
    sqlx::query(
        "INSERT INTO stage_judging (stage_id, rubric_json, frozen_at, updated_at) \
         VALUES ($1, '{}', 1, 1)",
    )
    .bind(stage)
    .execute(&pool)
    .await
    .unwrap();
    let r = api
        .post_json("/api/v1/jury/stages/penilaian/runs", &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let any = &after[1];
    let r = api
        .post_json(
            &format!(
                "/api/v1/jury/stages/penilaian/assignments/{}/remove",
                any["id"]
            ),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let logged = scalar(
        &pool,
        "SELECT COUNT(*) FROM audit_events WHERE action = $1",
        "assignments.applied",
    )
    .await;
    assert_eq!(logged, 3);
}
