//! `kolabik text stem`: words in, `word<TAB>stem` lines out, without a database or a
//! configuration file.

use std::io::Write;
use std::process::{Command, Stdio};

#[test]
fn stems_words_from_standard_input() {
    let empty = std::env::temp_dir().join(format!("kolabik-text-stem-{}", std::process::id()));
    std::fs::create_dir_all(&empty).expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kolabik"))
        .args(["text", "stem"])
        // An empty working directory and no DATABASE_URL: nothing to read but the words.
        .current_dir(&empty)
        .env_remove("DATABASE_URL")
        .env_remove("KOLABIK_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kolabik");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(
            "Pelayanan  perizinan\nkependudukan\tyg\n\nPenyelenggaraan pemberdayaan 2023\n"
                .as_bytes(),
        )
        .expect("write words");
    let output = child.wait_with_output().expect("run kolabik");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8(output.stdout).expect("UTF-8"),
        "Pelayanan\tlayan\nperizinan\tizin\nkependudukan\tduduk\nyg\tyang\n\
         Penyelenggaraan\tselenggara\npemberdayaan\tdaya\n2023\t2023\n"
    );
    assert!(
        !empty.join("kolabik-data").exists(),
        "no data directory is created"
    );
    let _ = std::fs::remove_dir_all(&empty);
}
