//! The entity import sorts the rows by key (`import::sort`, spilling runs to temporary files when they do not
//! fit) and upserts them in key order by a merge join with the stored rows (`registers::upsert_sorted_entities`):
//! these tests check that what it reports and stores is what a row-by-row upsert in file order gives, on every
//! path (empty table, rows only updated, a mix, a small file into a larger table, runs spilled and merged),
//! that a failed import leaves the database exactly as it was, and that the connection's settings are given
//! back.

use std::path::Path;

use fairdraw::db::Db;
use fairdraw::import::{self, ImportError, ImportOptions, ImportSummary, Reason, SortSettings};
use fairdraw::model::{Entity, Register, RiskClass};
use fairdraw::registers::{self, Upsert};
use fairdraw::{Error, Lang};

use crate::import::{dump, now, run_import};

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

    assert_eq!(temp_tables(&db), 0, "no temporary table is used");
    assert_eq!(pragma(&db, "cache_size"), cache);
    assert_eq!(pragma(&db, "temp_store"), temp_store);
    assert_eq!(
        pragma(&db, "ignore_check_constraints"),
        0,
        "the CHECK constraints are on again"
    );
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

// ---------------------------------------------------------------------------------------------------------
// Every path of the sorted upsert, with runs in memory and spilled

/// Demo entities with tags and dates, in the generator's order (credit codes in no order).
fn demo_entities(n: u64) -> Vec<Entity> {
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    fairdraw::demo::entities(b"import order", n, as_of).collect()
}

/// A CSV file of `entities` under the canonical headers, in the order given.
fn write_entities(path: &Path, entities: &[Entity]) {
    let mut text = import::parse::canonical_headers(Register::Entities).join(",");
    text.push('\n');
    for e in entities {
        let cells: Vec<String> = fairdraw::export::entity_cells(e)
            .iter()
            .map(|c| fairdraw::export::csv_cell(c).into_owned())
            .collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

/// Sorting that spills a run every few rows, so that a handful of rows go through temporary files and the merge.
fn tiny_runs() -> SortSettings {
    SortSettings {
        run_bytes: 700,
        ..SortSettings::default()
    }
}

fn import_with(
    db: &mut Db,
    path: &Path,
    options: &ImportOptions,
    sorting: &SortSettings,
) -> fairdraw::Result<ImportSummary> {
    import::import_file_sorting(db, Register::Entities, path, options, sorting, now(), &mut |_| {})
}

/// The entities a file holds as the import parses them, in file order.
fn parsed_in_file_order(path: &Path) -> Vec<Entity> {
    let mut scratch = Db::open_in_memory().unwrap();
    run_import(&mut scratch, Register::Entities, path, &ImportOptions::default()).unwrap();
    let mut entities = registers::list_entities(scratch.conn()).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let order: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    entities.sort_by_key(|e| order.iter().position(|c| *c == e.code));
    entities
}

fn counts(s: &ImportSummary) -> (u64, u64, u64) {
    (s.added, s.updated, s.unchanged)
}

#[test]
fn every_path_of_the_sorted_upsert_reports_and_stores_what_row_by_row_upserts_do() {
    let dir = tempfile::tempdir().unwrap();
    let base = demo_entities(300);
    // 1. Into an empty table: every row inserted without reading the table.
    let fresh = dir.path().join("fresh.csv");
    write_entities(&fresh, &base);
    // 2. The same rows, every third changed (a new name, a tag, a date cleared): only updates and unchanged rows.
    let mut changed = base.clone();
    for (i, e) in changed.iter_mut().enumerate().filter(|(i, _)| i % 3 == 0) {
        match i % 9 {
            0 => e.name.push_str("分公司"),
            3 => e.tags.push("新标签".into()),
            _ => {
                e.established = None;
                e.risk_class = Some(RiskClass::D);
                e.status = "测试状态".into();
            }
        }
    }
    let updates = dir.path().join("updates.csv");
    write_entities(&updates, &changed);
    // 3. A mix in one file: new rows, changed rows and unchanged rows, interleaved.
    let newcomers = demo_entities(400).split_off(300);
    let mut mixed: Vec<Entity> = Vec::new();
    for (i, e) in changed.iter().enumerate().take(200) {
        let mut e = e.clone();
        if i % 2 == 0 {
            e.address = format!("{}（新址）", e.address);
        }
        mixed.push(e);
        if let Some(n) = newcomers.get(i) {
            mixed.push(n.clone());
        }
    }
    let mixed_path = dir.path().join("mixed.csv");
    write_entities(&mixed_path, &mixed);
    // 4. A few rows spread over a much larger table: the stored rows of their key range exceed what one range
    // read fetches, so the rest are looked up code by code.
    let mut stored: Vec<Entity> = mixed.iter().filter(|e| !newcomers.contains(e)).cloned().collect();
    stored.extend(changed[200..].iter().cloned());
    stored.extend(newcomers[..100].iter().cloned());
    stored.sort_by(|a, b| a.code.cmp(&b.code));
    let mut first = stored[0].clone();
    first.town = "新town".into();
    let last = stored[399].clone();
    let middle = demo_entities(401).pop().unwrap();
    let sparse = dir.path().join("sparse.csv");
    write_entities(&sparse, &[last, middle, first]);

    let files = [&fresh, &updates, &mixed_path, &sparse];
    let reference = Db::open_in_memory().unwrap();
    let mut expected = Vec::new();
    for path in files {
        let mut c = (0, 0, 0);
        for e in parsed_in_file_order(path) {
            match registers::upsert_entity(reference.conn(), &e).unwrap() {
                Upsert::Added => c.0 += 1,
                Upsert::Updated => c.1 += 1,
                Upsert::Unchanged => c.2 += 1,
            }
        }
        expected.push(c);
    }
    assert_eq!(expected, [(300, 0, 0), (0, 100, 200), (100, 100, 100), (1, 1, 1)]);

    let mut dumps = Vec::new();
    for sorting in [SortSettings::default(), tiny_runs()] {
        let mut db = Db::open_in_memory().unwrap();
        let got: Vec<_> = files
            .iter()
            .map(|p| counts(&import_with(&mut db, p, &ImportOptions::default(), &sorting).unwrap()))
            .collect();
        assert_eq!(got, expected, "run size {}", sorting.run_bytes);
        assert_eq!(
            registers::list_entities(db.conn()).unwrap(),
            registers::list_entities(reference.conn()).unwrap()
        );
        dumps.push(dump(&db));
    }
    // Spilled or not, the database is the same byte for byte (the journal and the import runs included).
    assert_eq!(dumps[0], dumps[1]);
}

#[test]
fn a_duplicate_code_is_refused_or_kept_once_with_runs_spilled() {
    let dir = tempfile::tempdir().unwrap();
    let mut entities = demo_entities(40);
    let mut again = entities[5].clone();
    again.name = "重复的企业".into();
    entities.push(again);
    let path = dir.path().join("dup.csv");
    write_entities(&path, &entities);
    let mut db = Db::open_in_memory().unwrap();
    let before = dump(&db);
    let e = import_with(&mut db, &path, &ImportOptions::default(), &tiny_runs()).unwrap_err();
    let Error::Import(e) = e else { panic!("{e}") };
    let ImportError::RowErrors(s) = *e else {
        panic!("{e:?}")
    };
    assert_eq!((s.rows, s.rejected, s.added), (41, 1, 0));
    assert_eq!(s.problems[0].row, 42);
    assert_eq!(s.problems[0].reason, Reason::DuplicateKey { first_row: 7 });
    assert_eq!(dump(&db), before);
    let options = ImportOptions {
        partial: true,
        ..ImportOptions::default()
    };
    let s = import_with(&mut db, &path, &options, &tiny_runs()).unwrap();
    assert_eq!((s.added, s.updated, s.unchanged, s.rejected), (40, 0, 0, 1));
    let stored = registers::get_entity(db.conn(), &entities[5].code)
        .unwrap()
        .unwrap();
    assert_eq!(stored.name, entities[5].name, "the first occurrence is kept");
}

#[test]
fn a_sort_that_cannot_write_its_runs_fails_clearly_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.csv");
    write_entities(&path, &demo_entities(30));
    let mut db = Db::open_in_memory().unwrap();
    run_import(&mut db, Register::Entities, &path, &ImportOptions::default()).unwrap();
    let mut changed = demo_entities(60);
    for e in &mut changed {
        e.status = "测试状态".into();
    }
    write_entities(&path, &changed);
    let before = dump(&db);
    let gone = dir.path().join("no such folder");
    let sorting = SortSettings {
        temp_dir: gone.clone(),
        ..tiny_runs()
    };
    let e = import_with(&mut db, &path, &ImportOptions::default(), &sorting).unwrap_err();
    let msg = e.message(Lang::En);
    assert!(
        msg.starts_with(&format!(
            "{}: writing or reading the import's temporary sort files failed (",
            gone.display()
        )) && msg.ends_with("nothing was changed"),
        "{msg}"
    );
    assert!(e.message(Lang::Zh).contains("未作任何改动"));
    assert_eq!(dump(&db), before);
    // With a folder to write to, the same import goes through.
    let s = import_with(&mut db, &path, &ImportOptions::default(), &tiny_runs()).unwrap();
    assert_eq!(counts(&s), (30, 30, 0));
}

// ---------------------------------------------------------------------------------------------------------
// Duplicate codes found in the sort, against a key index

/// What one import did: its summary (or the summary of its refusal) as JSON, the message, the report file's
/// bytes, the database and how often progress reached the end of the file (once per pass over it).
fn outcome(
    db: &mut Db,
    path: &Path,
    options: &ImportOptions,
    sorting: &SortSettings,
) -> (String, String, Vec<u8>, Vec<String>, usize) {
    let mut ends = 0;
    let result =
        import::import_file_sorting(db, Register::Entities, path, options, sorting, now(), &mut |p| {
            if p.units().0 == p.units().1 {
                ends += 1;
            }
        });
    let (summary, message) = match result {
        Ok(s) => (serde_json::to_string(&s).unwrap(), s.message(Lang::En)),
        Err(Error::Import(e)) => match *e {
            ImportError::RowErrors(s) => (serde_json::to_string(&s).unwrap(), s.message(Lang::Zh)),
            other => panic!("{other:?}"),
        },
        Err(e) => panic!("{e}"),
    };
    let report = options
        .report
        .as_ref()
        .map(|r| std::fs::read(r).unwrap())
        .unwrap_or_default();
    (summary, message, report, dump(db), ends)
}

#[test]
fn duplicate_codes_found_in_the_sort_give_exactly_what_a_key_index_gives() {
    let dir = tempfile::tempdir().unwrap();
    let base = demo_entities(60);
    let stored = dir.path().join("stored.csv");
    write_entities(&stored, &base[..30]);

    let changed = |e: &Entity, name: &str| Entity {
        name: name.into(),
        ..e.clone()
    };
    // A malformed code (17 characters), and a row without a name: each is refused.
    let mut bad = base[45].clone();
    bad.code.pop();
    let nameless = changed(&base[40], "");
    let files: Vec<(&str, Vec<Entity>)> = vec![
        ("no duplicates", base.clone()),
        (
            "a code twice",
            [base.clone(), vec![changed(&base[5], "重复的企业")]].concat(),
        ),
        ("a stored code twice and a new one three times", {
            let mut v = base.clone();
            v.insert(10, changed(&base[3], "第二次"));
            v.push(changed(&base[50], "第二次"));
            v.push(changed(&base[50], "第三次"));
            v
        }),
        (
            "a refused row with an accepted row's code, and a refused row twice",
            {
                let mut v = base.clone();
                v.push(nameless.clone());
                v.push(bad.clone());
                v.push(changed(&bad, "又一次"));
                v
            },
        ),
        ("an error before the first duplicate", {
            let mut v = base.clone();
            v.insert(2, bad.clone());
            v.push(changed(&base[0], "重复"));
            v
        }),
        ("an error and no duplicates", {
            let mut v = base.clone();
            v[2] = bad.clone();
            v
        }),
    ];
    for (what, entities) in &files {
        let path = dir.path().join("e.csv");
        write_entities(&path, entities);
        let duplicates = what != &"no duplicates" && what != &"an error and no duplicates";
        for partial in [false, true] {
            for runs in [SortSettings::default(), tiny_runs()] {
                let options = ImportOptions {
                    partial,
                    report: Some(dir.path().join("report.csv")),
                    ..ImportOptions::default()
                };
                let indexed = SortSettings {
                    duplicates_in_sort: false,
                    ..runs.clone()
                };
                let (mut db, mut reference) = (Db::open_in_memory().unwrap(), Db::open_in_memory().unwrap());
                if partial {
                    // Into a table that holds some of the codes already.
                    for d in [&mut db, &mut reference] {
                        run_import(d, Register::Entities, &stored, &ImportOptions::default()).unwrap();
                    }
                }
                let before = dump(&db);
                let got = outcome(&mut db, &path, &options, &runs);
                let want = outcome(&mut reference, &path, &options, &indexed);
                let case = format!("{what}, partial {partial}, run size {}", runs.run_bytes);
                assert_eq!(got.0, want.0, "{case}");
                assert_eq!(got.1, want.1, "{case}");
                assert_eq!(got.2, want.2, "{case}");
                assert_eq!(got.3, want.3, "{case}");
                // The key index reads the file once; the sort reads it again when it finds a duplicate.
                assert_eq!((got.4, want.4), (if duplicates { 2 } else { 1 }, 1), "{case}");
                if duplicates {
                    assert!(got.0.contains("\"duplicate_key\""), "{case}: {}", got.0);
                }
                if !partial && (duplicates || what.starts_with("an error")) {
                    assert_eq!(got.3, before, "{case}: a refused import changes nothing");
                }
            }
        }
    }
}
