//! Imports are journaled: a `register_imported` entry (register, file, SHA-256, counts, partial) in the same
//! transaction as the rows, so `fairdraw audit` covers the registers' history; a failed import writes none.

use fairdraw::db::Db;
use fairdraw::import::{self, ImportOptions};
use fairdraw::journal;
use fairdraw::model::Register;
use serde_json::{Value, json};
use sha2::Digest;

use super::ceremony::Env;

fn entries(db: &Db) -> Vec<(String, Value)> {
    journal::entries(db.conn(), None)
        .unwrap()
        .into_iter()
        .map(|e| (e.event, serde_json::from_str(&e.payload).unwrap()))
        .collect()
}

#[test]
fn an_import_is_journaled_with_its_file_hash_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("部门.csv");
    std::fs::write(
        &path,
        "部门编码,部门名称\nD01,市场监管局\nD90,永州市数据局\nD91,\n",
    )
    .unwrap();
    let sha = hex::encode(sha2::Sha256::digest(std::fs::read(&path).unwrap()));
    let mut db = Db::open_in_memory().unwrap();
    let options = ImportOptions {
        partial: true,
        ..ImportOptions::default()
    };
    let s = import::import_file(
        &mut db,
        Register::Departments,
        &path,
        &options,
        fairdraw::fuzzing::fixed_now(),
        &mut |_| {},
    )
    .unwrap();
    let e = journal::entries(db.conn(), None).unwrap();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].event, "register_imported");
    assert_eq!(e[0].at, "2026-03-01T09:30:00.000+08:00");
    let payload: Value = serde_json::from_str(&e[0].payload).unwrap();
    assert_eq!(
        payload,
        json!({
            "register": "departments", "file": "部门.csv", "file_sha256": sha, "sheet": null,
            "rows": 3, "added": 1, "updated": 0, "unchanged": 1, "rejected": 1, "partial": true,
            "import_run": s.import_run.unwrap(),
        })
    );
    assert!(fairdraw::audit::audit(db.conn()).unwrap().ok());
}

#[test]
fn a_failed_import_writes_no_journal_entry() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = Db::open_in_memory().unwrap();
    // Row errors in an all-or-nothing import, then a file without a header row.
    for (name, text) in [
        ("bad-row.csv", "部门编码,部门名称\nD90,永州市数据局\nD91,\n"),
        ("no-header.csv", "名录\n1,2\n"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let r = import::import_file(
            &mut db,
            Register::Departments,
            &path,
            &ImportOptions::default(),
            fairdraw::fuzzing::fixed_now(),
            &mut |_| {},
        );
        assert!(r.is_err(), "{name}");
        assert_eq!(entries(&db), vec![], "{name}");
    }
}

#[test]
fn the_command_line_journals_imports_with_the_supplied_clock_and_audit_passes() {
    let env = Env::new();
    let deps = env.write("departments.csv", "部门编码,部门名称\nD01,市场监管局\n");
    env.ok("2026-06-01T08:00:00+08:00", &["import", "departments", &deps]);
    let db = env.open();
    let e = journal::entries(db.conn(), None).unwrap();
    assert_eq!(e.len(), 1);
    assert_eq!(
        (e[0].event.as_str(), e[0].at.as_str()),
        ("register_imported", "2026-06-01T08:00:00.000+08:00")
    );
    assert!(
        env.ok("2026-06-01T08:00:00+08:00", &["audit"])
            .starts_with("audit OK: 1 journal entries")
    );
}
