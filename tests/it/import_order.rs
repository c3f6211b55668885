//! The entity import upserts in key order through a temporary stage (`registers::EntityStage`): these tests
//! check that what it reports and stores is what a row-by-row upsert in file order gives, that a failed import
//! leaves neither data nor the stage behind, and that the connection's settings are given back.

use std::path::Path;

use fairdraw::db::Db;
use fairdraw::import::ImportOptions;
use fairdraw::model::{Entity, Register};
use fairdraw::registers::{self, Upsert};

use crate::import::{dump, run_import};

const HEADER: &str = "统一社会信用代码,企业名称,所属区域,信用风险分类,标签,成立日期\n";

fn write(path: &Path, rows: &[&str]) {
    std::fs::write(path, format!("{HEADER}{}\n", rows.join("\n"))).unwrap();
}

fn pragma(db: &Db, name: &str) -> i64 {
    db.conn()
        .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
        .unwrap()
}

fn temp_tables(db: &Db) -> i64 {
    db.conn()
        .query_row("SELECT count(*) FROM temp.sqlite_master", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn key_order_import_reports_and_stores_what_row_by_row_upserts_do() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.csv");
    // Codes out of order, as a register file lists them.
    write(
        &first,
        &[
            "91330000566997460T,乙公司,东安县,B,食品,2020-01-02",
            "91110000600037341L,甲公司,零陵区,A,,",
            "91440300708461136T,丙公司,道县,C,药品；食品,2019-5-6",
        ],
    );
    let second = dir.path().join("second.csv");
    write(
        &second,
        &[
            "91440300708461136T,丙公司,道县,C,食品、药品,2019-05-06",
            "914403001922038216,丁公司,祁阳市,D,,",
            "91110000600037341L,甲公司（更名）,零陵区,A,,",
            "91330000566997460T,乙公司,东安县,B,食品,2020-01-02",
        ],
    );
    let mut db = Db::open_in_memory().unwrap();
    let (cache, temp_store) = (pragma(&db, "cache_size"), pragma(&db, "temp_store"));
    let s = run_import(&mut db, Register::Entities, &first, &ImportOptions::default()).unwrap();
    assert_eq!((s.added, s.updated, s.unchanged), (3, 0, 0));
    let s = run_import(&mut db, Register::Entities, &second, &ImportOptions::default()).unwrap();
    assert_eq!((s.added, s.updated, s.unchanged), (1, 1, 2));

    // The same files upserted row by row in file order give the same table and the same outcomes.
    let reference = Db::open_in_memory().unwrap();
    let mut outcomes = Vec::new();
    for path in [&first, &second] {
        let mut entities: Vec<Entity> = Vec::new();
        let mut scratch = Db::open_in_memory().unwrap();
        run_import(&mut scratch, Register::Entities, path, &ImportOptions::default()).unwrap();
        registers::for_each_entity(scratch.conn(), |e| {
            entities.push(e);
            Ok(())
        })
        .unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        let file_order: Vec<&str> = text.lines().skip(1).map(|l| &l[..18]).collect();
        entities.sort_by_key(|e| file_order.iter().position(|c| *c == e.code));
        for e in &entities {
            outcomes.push(registers::upsert_entity(reference.conn(), e).unwrap());
        }
    }
    let u = (Upsert::Added, Upsert::Updated, Upsert::Unchanged);
    assert_eq!(outcomes, [u.0, u.0, u.0, u.2, u.0, u.1, u.2]);
    let entities = |db: &Db| registers::list_entities(db.conn()).unwrap();
    assert_eq!(entities(&db), entities(&reference));
    assert_eq!(entities(&db)[0].name, "甲公司(更名)");
    assert_eq!(entities(&db)[3].tags, ["药品", "食品"]);

    assert_eq!(temp_tables(&db), 0, "the stage is dropped");
    assert_eq!(pragma(&db, "cache_size"), cache);
    assert_eq!(pragma(&db, "temp_store"), temp_store);
}

#[test]
fn a_failed_entity_import_leaves_no_rows_and_no_stage() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.csv");
    write(&good, &["91110000600037341L,甲公司,零陵区,A,,"]);
    let bad = dir.path().join("bad.csv");
    // Valid rows before and after an error: the stage holds rows when the import gives up.
    write(
        &bad,
        &[
            "91330000566997460T,乙公司,东安县,B,,",
            "91110000600037341L,甲公司（更名）,零陵区,A,,",
            "91440300708461136T,,道县,C,,",
            "914403001922038216,丁公司,祁阳市,D,,",
        ],
    );
    let mut db = Db::open_in_memory().unwrap();
    run_import(&mut db, Register::Entities, &good, &ImportOptions::default()).unwrap();
    let before = dump(&db);
    run_import(&mut db, Register::Entities, &bad, &ImportOptions::default()).unwrap_err();
    assert_eq!(dump(&db), before);
    assert_eq!(temp_tables(&db), 0);
    // Partial: the valid rows go in, counted by what the key-order upsert did.
    let options = ImportOptions {
        partial: true,
        ..ImportOptions::default()
    };
    let s = run_import(&mut db, Register::Entities, &bad, &options).unwrap();
    assert_eq!((s.added, s.updated, s.unchanged, s.rejected), (2, 1, 0, 1));
    assert_eq!(registers::list_entities(db.conn()).unwrap().len(), 3);
    assert_eq!(temp_tables(&db), 0);
}
