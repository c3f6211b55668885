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

#[test]
fn damaged_database_is_refused_and_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("damaged.sqlite3");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "PRAGMA page_size = 1024; CREATE TABLE t (a TEXT); CREATE INDEX t_a ON t (a);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
             INSERT INTO t SELECT printf('row %08d padding padding padding', i) FROM n;",
        )
        .unwrap();
    }
    // Overwrite the middle of the file (index and table pages) with garbage, keeping the header intact.
    let mut bytes = std::fs::read(&db).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 3000] {
        *b = 0x5a;
    }
    std::fs::write(&db, &bytes).unwrap();
    let out = fairdraw()
        .args(["--db", db.to_str().unwrap(), "--lang", "en", "list", "entities"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("the database file is damaged"), "{err}");
    assert!(err.contains("nothing was written to it"), "{err}");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        bytes,
        "a damaged file must not be written"
    );
}
