//! `fairdraw backup` and `fairdraw restore` through the real binary: a verified, journaled backup; a restore
//! that keeps the replaced database as a dated copy and journals where it came from; and the refusals of files
//! that are not fairdraw databases, are newer, are damaged or whose journal does not verify — each with its
//! exact message, and with the database left byte for byte as it was.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde_json::Value;
use sha2::Digest;

use super::ceremony::{Env, words};

const T0: &str = "2026-06-01T10:00:00+08:00";
const T1: &str = "2026-06-01T11:00:00+08:00";
const T2: &str = "2026-06-02T09:15:30+08:00";

fn sha256(path: &Path) -> String {
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

/// Every row of every table, as text (the file opened read-only).
pub fn dump(path: &Path) -> Vec<String> {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    super::import::dump_conn(&conn)
}

/// The journal's (event, payload) pairs.
fn journal(path: &Path) -> Vec<(String, Value)> {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.prepare("SELECT event, payload FROM journal ORDER BY seq")
        .unwrap()
        .query_map([], |r| {
            let p: String = r.get(1)?;
            Ok((r.get(0)?, serde_json::from_str(&p).unwrap()))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The files in the environment's folder, sorted.
fn files(env: &Env) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A database with an imported register and a plan.
fn populated() -> Env {
    let env = Env::new();
    let deps = env.write(
        "departments.csv",
        "部门编码,部门名称\nD01,市场监管局\nD90,永州市数据局\n",
    );
    env.ok(T0, &["import", "departments", &deps]);
    env.ok(
        T0,
        &words("plan create --year 2026 --title 年度计划 --departments D01"),
    );
    env
}

/// A dump without the third journal entry (the one a restore appends).
fn without_entry_3(dump: Vec<String>) -> Vec<String> {
    dump.into_iter()
        .filter(|l| !l.starts_with("journal: Integer(3) |"))
        .collect()
}

fn backup_file(env: &Env) -> PathBuf {
    let out = env.path("backup-1.sqlite3");
    env.ok(T1, &["backup", out.to_str().unwrap()]);
    out
}

#[test]
fn a_backup_is_verified_journaled_and_holds_the_whole_database() {
    let env = populated();
    let before = dump(&env.db);
    let out = env.path("backup-1.sqlite3");
    let printed = env.json(T1, &["backup", out.to_str().unwrap()]);
    // The copy is one self-contained file (no -wal beside it), and no temporary file is left.
    assert!(out.is_file());
    assert!(!env.path("backup-1.sqlite3-wal").exists());
    assert!(
        !files(&env).iter().any(|f| f.contains("partial")),
        "{:?}",
        files(&env)
    );
    let sha = sha256(&out);
    assert_eq!(printed["sha256"], sha.as_str());
    assert_eq!(printed["bytes"], std::fs::metadata(&out).unwrap().len());
    assert_eq!(printed["snapshot"]["journal"]["checked"], 2);
    assert_eq!(printed["snapshot"]["journal"]["problem"], Value::Null);
    // The backup holds exactly the database as it was.
    assert_eq!(dump(&out), before);
    let conn = Connection::open(&out).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "delete");
    drop(conn);
    // The live database records the backup: file, hash, and the journal head it holds.
    let j = journal(&env.db);
    assert_eq!(j.len(), 3);
    let (event, p) = &j[2];
    assert_eq!(event, "backup_created");
    assert_eq!(p["file"], out.to_str().unwrap());
    assert_eq!(p["sha256"], sha.as_str());
    assert_eq!(p["journal_entries"], 2);
    assert_eq!(p["journal_head"], printed["snapshot"]["journal"]["head"]);
    assert!(env.ok(T1, &["audit"]).starts_with("audit OK: 3 journal entries"));
    // Text output names the file and says it was verified.
    let second = env.path("backup-2.sqlite3");
    let text = env.ok(T1, &["backup", second.to_str().unwrap()]);
    assert!(
        text.starts_with(&format!("backed up to {} (", second.display())),
        "{text}"
    );
    assert!(
        text.trim_end().ends_with("schema 2, 3 journal entries, verified"),
        "{text}"
    );
}

#[test]
fn a_backup_never_replaces_an_existing_file() {
    let env = populated();
    let out = env.path("taken.sqlite3");
    std::fs::write(&out, b"someone else's file").unwrap();
    let before = dump(&env.db);
    let err = env.fails(T1, &["backup", out.to_str().unwrap()], 1);
    assert_eq!(
        err.trim_end(),
        format!(
            "error: {}: already exists; a backup never replaces an existing file, choose another name",
            out.display()
        )
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"someone else's file");
    assert_eq!(
        dump(&env.db),
        before,
        "no backup_created entry for a refused backup"
    );
}

#[test]
fn restore_replaces_the_database_and_keeps_the_previous_one_as_a_dated_copy() {
    let env = populated();
    let out = backup_file(&env);
    let backed_up = dump(&out);
    // Work continues after the backup; then the backup is restored.
    env.ok(
        T1,
        &words("plan create --year 2027 --title 下一年计划 --departments D01"),
    );
    let previous = dump(&env.db);
    let previous_head = journal(&env.db).len();
    let printed = env.json(T2, &["restore", out.to_str().unwrap()]);
    let kept = env.path("fairdraw.sqlite3.before-restore-20260602-091530");
    assert_eq!(printed["kept_previous"], kept.to_str().unwrap());
    assert_eq!(printed["backup_sha256"], sha256(&out).as_str());
    // The kept copy is the database as it was (its WAL was checkpointed into it), and it still verifies.
    assert_eq!(dump(&kept), previous);
    assert_eq!(journal(&kept).len(), previous_head);
    // The restored database is the backup plus one entry saying where it came from.
    assert_eq!(without_entry_3(dump(&env.db)), backed_up);
    let j = journal(&env.db);
    assert_eq!(j.len(), 3);
    let (event, p) = &j[2];
    assert_eq!(event, "database_restored");
    assert_eq!(p["backup"], out.to_str().unwrap());
    assert_eq!(p["backup_sha256"], sha256(&out).as_str());
    assert_eq!(p["backup_journal_entries"], 2);
    assert_eq!(p["previous_kept_as"], kept.to_str().unwrap());
    assert_eq!(p["previous_journal_head"], printed["previous_journal_head"]);
    assert!(p["previous_journal_head"].is_string());
    assert!(env.ok(T2, &["audit"]).starts_with("audit OK: 3 journal entries"));
    // The 2027 plan made after the backup is only in the kept copy.
    assert!(!env.ok(T2, &words("plan list")).contains("下一年计划"));
    // No temporary file, and no -shm/-wal of the old database left beside the new one.
    let names = files(&env);
    assert!(!names.iter().any(|f| f.contains("partial")), "{names:?}");
    // A second restore in the same second keeps a second copy under a new name.
    env.ok(T2, &["restore", out.to_str().unwrap()]);
    assert!(
        env.path("fairdraw.sqlite3.before-restore-20260602-091530-2")
            .is_file()
    );
    assert_eq!(dump(&kept), previous, "the first copy is never overwritten");
}

#[test]
fn restore_onto_a_damaged_database_works_and_keeps_the_damaged_file() {
    let env = populated();
    let out = backup_file(&env);
    let backed_up = dump(&out);
    std::fs::write(
        &env.db,
        b"not a database any more: overwritten by accident................",
    )
    .unwrap();
    let damaged = std::fs::read(&env.db).unwrap();
    // A rollback journal beside it (as a bulk import killed mid-way leaves one) belongs to the damaged file: it
    // goes with the kept copy, never into the restored database.
    let journal_beside = env.path("fairdraw.sqlite3-journal");
    std::fs::write(&journal_beside, [0u8; 512]).unwrap();
    env.ok(T2, &["restore", out.to_str().unwrap()]);
    let kept = env.path("fairdraw.sqlite3.before-restore-20260602-091530");
    assert_eq!(std::fs::read(&kept).unwrap(), damaged);
    assert!(!journal_beside.exists());
    assert_eq!(
        std::fs::read(env.path("fairdraw.sqlite3.before-restore-20260602-091530-journal")).unwrap(),
        [0u8; 512]
    );
    assert_eq!(without_entry_3(dump(&env.db)), backed_up);
    let j = journal(&env.db);
    assert_eq!(j[2].1["previous_journal_head"], Value::Null);
}

#[test]
fn restore_into_a_new_place_needs_no_previous_database() {
    let env = populated();
    let out = backup_file(&env);
    let other = Env::new();
    let printed = other.json(T2, &["restore", out.to_str().unwrap()]);
    assert_eq!(printed["kept_previous"], Value::Null);
    assert!(
        other
            .ok(T2, &["audit"])
            .starts_with("audit OK: 3 journal entries")
    );
}

/// Runs a restore that must be refused and checks that nothing changed: the database byte for byte, no WAL
/// created, no temporary or dated file left. Returns stderr.
fn refused(env: &Env, file: &Path, code: i32) -> String {
    let db_before = std::fs::read(&env.db).unwrap();
    let names_before = files(env);
    let err = env.fails(T2, &["restore", file.to_str().unwrap()], code);
    assert_eq!(
        std::fs::read(&env.db).unwrap(),
        db_before,
        "the database must be unchanged"
    );
    assert_eq!(files(env), names_before, "no file may be added or removed");
    err
}

/// A database whose WAL was checkpointed away, so that it is one file whose bytes can be compared.
fn settled() -> (Env, PathBuf) {
    let env = populated();
    let out = backup_file(&env);
    let conn = Connection::open(&env.db).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    drop(conn);
    assert!(!env.path("fairdraw.sqlite3-wal").exists());
    (env, out)
}

#[test]
fn restore_refuses_a_file_that_is_not_a_fairdraw_database() {
    let (env, _) = settled();
    let text = env.path("notes.sqlite3");
    std::fs::write(&text, "这不是数据库 / not a database").unwrap();
    let err = refused(&env, &text, 1);
    assert_eq!(
        err.trim_end(),
        format!(
            "error: {}: not a fairdraw database (不是 SQLite 数据库文件 / not an SQLite database file); nothing was changed",
            text.display()
        )
    );
    let foreign = env.path("other-app.sqlite3");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('x');")
        .unwrap();
    let err = refused(&env, &foreign, 1);
    assert_eq!(
        err.trim_end(),
        format!(
            "error: {}: not a fairdraw database (没有 fairdraw 的表结构版本和日志表 / no fairdraw schema version and journal table); nothing was changed",
            foreign.display()
        )
    );
    let empty = env.path("empty.sqlite3");
    std::fs::write(&empty, b"").unwrap();
    refused(&env, &empty, 1);
    // The database itself is refused as its own backup.
    let err = refused(&env, &env.db.clone(), 1);
    assert!(
        err.contains("this is the database itself; nothing was changed"),
        "{err}"
    );
}

#[test]
fn restore_refuses_a_newer_backup() {
    let (env, out) = settled();
    let newer = env.path("newer.sqlite3");
    std::fs::copy(&out, &newer).unwrap();
    Connection::open(&newer)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99;")
        .unwrap();
    let err = refused(&env, &newer, 5);
    assert_eq!(
        err.trim_end(),
        format!(
            "error: {}: the backup was written by a newer version of fairdraw (schema 99, this program supports up to 2); upgrade fairdraw to restore it; nothing was changed",
            newer.display()
        )
    );
}

#[test]
fn restore_refuses_a_damaged_backup() {
    let (env, out) = settled();
    let damaged = env.path("damaged.sqlite3");
    let mut bytes = std::fs::read(&out).unwrap();
    // Every page but the first (page size 4096) is garbled: the header and the schema stay readable, the
    // b-tree pages of every table are not.
    for b in &mut bytes[4096..] {
        *b ^= 0xa5;
    }
    std::fs::write(&damaged, &bytes).unwrap();
    let err = refused(&env, &damaged, 5);
    let prefix = format!("error: {}: the backup file is damaged (", damaged.display());
    assert!(err.starts_with(&prefix), "{err}");
    assert!(err.trim_end().ends_with("); nothing was changed"), "{err}");
    // The Chinese message says the same.
    let out_zh = env
        .cmd(T2, &["restore", damaged.to_str().unwrap()])
        .args(["--lang", "zh"])
        .output()
        .unwrap();
    let zh = String::from_utf8(out_zh.stderr).unwrap();
    assert!(zh.contains("备份文件已损坏（"), "{zh}");
    assert!(zh.trim_end().ends_with("；未作任何改动"), "{zh}");
}

#[test]
fn restore_refuses_a_backup_whose_journal_does_not_verify() {
    let (env, out) = settled();
    let tampered = env.path("tampered.sqlite3");
    std::fs::copy(&out, &tampered).unwrap();
    let conn = Connection::open(&tampered).unwrap();
    conn.execute_batch(
        "DROP TRIGGER journal_no_update;
         UPDATE journal SET payload = replace(payload, '年度计划', '另一个计划') WHERE seq = 2;",
    )
    .unwrap();
    drop(conn);
    let err = refused(&env, &tampered, 3);
    assert_eq!(
        err.trim_end(),
        format!(
            "error: {}: the journal in the backup does not verify: journal entry 2 (plan_created): its content does not match its hash — it was changed after it was written; nothing was changed",
            tampered.display()
        )
    );
}

#[test]
fn restore_waits_for_a_writer_and_gives_up_with_busy() {
    let (env, out) = settled();
    let holder = Connection::open(&env.db).unwrap();
    holder
        .execute_batch("BEGIN IMMEDIATE; INSERT INTO calendar_day (date, kind, name) VALUES ('2026-10-01', 'holiday', '国庆');")
        .unwrap();
    let before = dump(&env.db);
    let output = env
        .cmd(T2, &["restore", out.to_str().unwrap()])
        .env("FAIRDRAW_BUSY_TIMEOUT_MS", "200")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    assert_eq!(
        String::from_utf8(output.stderr).unwrap().trim_end(),
        format!(
            "error: {}: the database is busy (another fairdraw process is using it); try again when it has finished",
            env.db.display()
        )
    );
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    assert_eq!(dump(&env.db), before);
    assert!(
        !files(&env)
            .iter()
            .any(|f| f.contains("before-restore") || f.contains("partial"))
    );
}
