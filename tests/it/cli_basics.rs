//! The command-line tool's global behaviour: database location, languages, exit codes.

use std::process::Command;

fn fairdraw() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fairdraw"))
}

#[test]
fn list_departments_of_a_fresh_database_shows_yongzhou_joint_meeting() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sub").join("f.sqlite3");
    let out = fairdraw()
        .args(["--db", db.to_str().unwrap(), "list", "departments"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("D01\t市场监管局\n"), "{text}");
    assert!(text.contains("D17\t永州海关\n"));
    assert_eq!(text.lines().count(), 17);
}

#[test]
fn newer_database_is_refused_untouched_with_exit_code_5() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.sqlite3");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("CREATE TABLE x (a INTEGER); PRAGMA user_version = 999;")
            .unwrap();
    }
    let before = std::fs::read(&db).unwrap();
    let out = fairdraw()
        .args(["--db", db.to_str().unwrap(), "--lang", "en", "list", "entities"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("written by a newer version of fairdraw (schema 999, this program supports up to"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the file must be left byte for byte"
    );
    assert!(!dir.path().join("new.sqlite3-wal").exists());
}

#[test]
fn json_errors_carry_the_closed_code() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("junk.sqlite3");
    std::fs::write(
        &db,
        b"this is not a database, just junk bytes that fill a page.............",
    )
    .unwrap();
    let out = fairdraw()
        .args(["--db", db.to_str().unwrap(), "--json", "list", "items"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "corrupt");
}
