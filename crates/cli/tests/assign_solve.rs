//! `kolabik assign-solve`: the real binary on the contract's example, a feasible instance
//! (file and standard input) and a broken one. No database, no configuration.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

const CONTRACT: &str = r#"{"reviews_per_proposal": 3, "min_per_kind": {"academic": 1, "practitioner": 1}, "proposals": [{"id": "p1"}], "judges": [{"id": "j1", "kind": "academic", "max_load": 10}], "conflicts": [["j1", "p1"]], "affinity": [{"judge": "j1", "proposal": "p1", "score": 7}]}"#;

fn feasible() -> Value {
    json!({
        "reviews_per_proposal": 2,
        "proposals": [{"id": "p2"}, {"id": "p1"}],
        "judges": [
            {"id": "r1", "kind": "practitioner", "max_load": 2},
            {"id": "a1", "kind": "academic", "max_load": 2},
            {"id": "a2", "kind": "academic", "max_load": 1}
        ],
        "conflicts": [["a1", "p2"]],
        "affinity": [
            {"judge": "a1", "proposal": "p1", "score": 5},
            {"judge": "a2", "proposal": "p1", "score": 9},
            {"judge": "r1", "proposal": "p2", "score": 3}
        ],
        "existing": [{"judge": "a2", "proposal": "p2"}]
    })
}

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let dir = std::env::temp_dir().join(format!("kolabik-assign-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        panic!("cannot create {}: {e}", dir.display());
    }
    let mut child = match Command::new(env!("CARGO_BIN_EXE_kolabik"))
        .args(args)
        // No kolabik.toml, no database URL: the command must not need them.
        .current_dir(&dir)
        .env_remove("DATABASE_URL")
        .env_remove("KOLABIK_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("cannot start kolabik: {e}"),
    };
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take())
        && let Err(e) = pipe.write_all(text.as_bytes())
    {
        panic!("cannot write stdin: {e}");
    }
    match child.wait_with_output() {
        Ok(o) => o,
        Err(e) => panic!("kolabik did not finish: {e}"),
    }
}

fn stdout_json(out: &Output) -> Value {
    match serde_json::from_slice(&out.stdout) {
        Ok(v) => v,
        Err(e) => panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

fn write_temp(name: &str, text: &str) -> String {
    let path = std::env::temp_dir().join(format!("kolabik-{}-{name}", std::process::id()));
    if let Err(e) = std::fs::write(&path, text) {
        panic!("cannot write {}: {e}", path.display());
    }
    path.to_string_lossy().into_owned()
}

#[test]
fn contract_example_is_infeasible_with_exit_code_2_and_reasons() {
    let path = write_temp("contract.json", CONTRACT);
    let out = run(&["assign-solve", "--input", &path], None);
    assert_eq!(out.status.code(), Some(2));
    let sol = stdout_json(&out);
    assert_eq!(sol["status"], "infeasible");
    assert_eq!(sol["objective"], 0);
    assert_eq!(sol["assignments"], json!([]));
    let reason = sol["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("p1: hanya 0 juri tanpa konflik"),
        "{reason}"
    );
    assert_eq!(sol["uncovered"][0]["proposal"], "p1");
    assert_eq!(sol["uncovered"][0]["missing_total"], 3);
    assert_eq!(sol["uncovered"][0]["missing_practitioner"], 1);
}

#[test]
fn feasible_instance_from_stdin_is_optimal_with_exit_code_0() {
    let out = run(
        &["assign-solve", "--input", "-"],
        Some(&feasible().to_string()),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sol = stdout_json(&out);
    assert_eq!(sol["status"], "optimal");
    // p2 may only have a2 as academic (a1 is in conflict), which also keeps the existing pair.
    assert_eq!(
        sol["assignments"],
        json!([
            {"judge": "a1", "proposal": "p1"},
            {"judge": "r1", "proposal": "p1"},
            {"judge": "a2", "proposal": "p2"},
            {"judge": "r1", "proposal": "p2"}
        ])
    );
    assert_eq!(sol["objective"], 8);
    assert!(sol.get("reason").is_none());
    assert_eq!(
        (sol["kept"].clone(), sol["dropped"].clone()),
        (json!(1), json!(0))
    );
    assert_eq!(
        sol["loads"][2],
        json!({"judge": "r1", "load": 2, "max_load": 2})
    );
}

#[test]
fn a_broken_instance_exits_1_with_a_message() {
    let mut bad = feasible();
    bad["affinity"][0]["judge"] = json!("j9");
    let out = run(&["assign-solve", "--input", "-"], Some(&bad.to_string()));
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Juri \"j9\" tidak dikenal / unknown judge \"j9\""),
        "{err}"
    );

    let out = run(&["assign-solve", "--input", "-"], Some("{not json"));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid instance"));

    let out = run(
        &["assign-solve", "--input", "/nonexistent/instance.json"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
}
