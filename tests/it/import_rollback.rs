//! A bulk load into an empty entity table runs with a rollback journal instead of WAL when no other connection
//! has the database open (`Db::with_rollback_journal`): these tests check that it stores exactly what an import
//! on WAL stores, that the database is back in WAL afterwards on every path, that an import refused or failed
//! half-way through (pages already written to the database file) leaves it exactly as it was, that a process
//! killed just before or after the commit leaves the state before or after the import, which the normal open
//! path recovers and checks, and that with a second connection open the import simply stays on WAL.

use std::path::{Path, PathBuf};
use std::process::Command;

use fairdraw::db::Db;
use fairdraw::import::{self, ImportError, ImportOptions, ImportSummary, SortSettings};
use fairdraw::model::Register;

use crate::import::{dump, now};

/// A page cache so small that a few hundred rows overflow it: SQLite then writes pages to the database file
/// (after saving the originals in the rollback journal) long before the commit.
fn tiny_cache() -> SortSettings {
    SortSettings {
        page_cache_kib: 64,
        ..SortSettings::default()
    }
}

/// A CSV file of `n` demo entities (credit codes in no order), with `extra` lines appended.
fn entities_csv(path: &Path, n: u64, extra: &str) {
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let mut text = import::parse::canonical_headers(Register::Entities).join(",");
    text.push('\n');
    for e in fairdraw::demo::entities(b"rollback journal", n, as_of) {
        let cells: Vec<String> = fairdraw::export::entity_cells(&e)
            .iter()
            .map(|c| fairdraw::export::csv_cell(c).into_owned())
            .collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    text.push_str(extra);
    std::fs::write(path, text).unwrap();
}

/// The first data line of a file made by [`entities_csv`]: a second copy of it is a duplicate key.
fn first_row(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().nth(1).unwrap().to_string() + "\n"
}

fn journal_mode(db: &Db) -> String {
    db.conn()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap()
}

fn quick_check(db: &Db) -> String {
    db.conn()
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .unwrap()
}

fn sidecar(db: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", db.display()))
}

/// Imports entities, recording whether the WAL file existed while the rows were read (it is removed when the
/// database leaves WAL and exists as long as a connection has it open in WAL).
fn import_watching(
    db: &mut Db,
    path: &Path,
    options: &ImportOptions,
    sorting: &SortSettings,
) -> (fairdraw::Result<ImportSummary>, Vec<bool>) {
    let wal = sidecar(db.path(), "-wal");
    let mut seen = Vec::new();
    let result =
        import::import_file_sorting(db, Register::Entities, path, options, sorting, now(), &mut |_| {
            seen.push(wal.exists())
        });
    seen.dedup();
    (result, seen)
}

/// Opens a database file holding only the schema (and the built-in departments).
fn fresh(dir: &Path, name: &str) -> Db {
    Db::open(dir.join(name)).unwrap()
}

#[test]
fn another_connection_opened_during_a_bulk_load_reads_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("entities.csv");
    entities_csv(&file, 300, "");
    let mut db = fresh(dir.path(), "db.sqlite3");
    let path = db.path().to_path_buf();
    let mut read = Vec::new();
    // Progress is reported inside the import's transaction, in rollback-journal mode (no WAL file).
    let s = import::import_file(
        &mut db,
        Register::Entities,
        &file,
        &ImportOptions::default(),
        now(),
        &mut |_| {
            assert!(!sidecar(&path, "-wal").exists());
            let other = Db::open(&path).unwrap();
            read.push(registers_count(&other));
        },
    )
    .unwrap();
    assert_eq!(s.added, 300);
    assert!(!read.is_empty() && read.iter().all(|&n| n == 0), "{read:?}");
    assert_eq!(journal_mode(&db), "wal");
    assert_eq!(registers_count(&Db::open(&path).unwrap()), 300);
}

#[test]
fn a_bulk_load_alone_uses_a_rollback_journal_and_stores_what_wal_stores() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("entities.csv");
    entities_csv(&file, 1500, "");
    let options = ImportOptions::default();
    for sorting in [SortSettings::default(), tiny_cache()] {
        // Alone: the import leaves WAL (no WAL file while it reads) and comes back to it.
        let mut alone = fresh(dir.path(), "alone.sqlite3");
        let (s, seen) = import_watching(&mut alone, &file, &options, &sorting);
        let s = s.unwrap();
        assert_eq!((s.rows, s.added), (1500, 1500));
        assert_eq!(seen, [false], "read in rollback-journal mode");
        assert_eq!(journal_mode(&alone), "wal");
        assert!(!sidecar(alone.path(), "-journal").exists());
        assert_eq!(quick_check(&alone), "ok");

        // With a second connection open the database cannot leave WAL: the same import stays on it.
        let mut shared = fresh(dir.path(), "shared.sqlite3");
        let other = Db::open(shared.path()).unwrap();
        let (t, seen) = import_watching(&mut shared, &file, &options, &sorting);
        let t = t.unwrap();
        assert_eq!(seen, [true], "read in WAL mode");
        assert_eq!(journal_mode(&shared), "wal");
        assert_eq!(
            registers_count(&other),
            1500,
            "the other connection sees the rows"
        );
        assert_eq!(
            dump(&alone),
            dump(&shared),
            "the same rows, import_run and journal"
        );
        assert_eq!(format!("{s:?}"), format!("{t:?}"));

        // Into a table that has rows the import stays on WAL even alone (the journal would copy the pages).
        drop(other);
        let (again, seen) = import_watching(&mut alone, &file, &options, &sorting);
        assert_eq!(again.unwrap().unchanged, 1500);
        assert_eq!(seen, [true]);
        drop((alone, shared));
        for name in ["alone.sqlite3", "shared.sqlite3"] {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(sidecar(&dir.path().join(name), suffix));
            }
        }
    }
}

fn registers_count(db: &Db) -> i64 {
    fairdraw::registers::count(db.conn(), Register::Entities).unwrap()
}

#[test]
fn an_import_refused_after_writing_in_rollback_mode_leaves_the_database_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dup.csv");
    // A duplicate code at the end: the sorted pass writes rows (spilling pages to the file with the tiny cache)
    // up to the duplicate and rolls back; the indexed pass then refuses the file.
    entities_csv(&file, 1500, "");
    let dup = first_row(&file);
    std::fs::write(&file, std::fs::read_to_string(&file).unwrap() + &dup).unwrap();
    let bad = dir.path().join("bad.csv");
    // A row without a name in the middle of the file.
    entities_csv(&bad, 1500, "");
    let text = std::fs::read_to_string(&bad).unwrap();
    let line = text.lines().nth(700).unwrap();
    let mut cells: Vec<&str> = line.split(',').collect();
    cells[1] = "";
    std::fs::write(&bad, text.replace(line, &cells.join(","))).unwrap();
    for sorting in [SortSettings::default(), tiny_cache()] {
        let mut db = fresh(dir.path(), "db.sqlite3");
        let before = dump(&db);
        for (path, reason) in [(&file, "DuplicateKey"), (&bad, "Missing")] {
            let (refused, seen) = import_watching(&mut db, path, &ImportOptions::default(), &sorting);
            let Err(fairdraw::Error::Import(e)) = refused else {
                panic!("{path:?}: {refused:?}")
            };
            let ImportError::RowErrors(summary) = *e else {
                panic!("{path:?}: {e:?}")
            };
            assert_eq!((summary.rejected, summary.committed), (1, false));
            assert!(format!("{:?}", summary.problems[0].reason).starts_with(reason));
            assert!(seen.iter().all(|w| !w), "rollback-journal mode throughout");
            assert_eq!(dump(&db), before);
            assert_eq!(journal_mode(&db), "wal");
            assert_eq!(quick_check(&db), "ok");
            assert!(!sidecar(db.path(), "-journal").exists());
        }
        drop(db);
        let db = Db::open(dir.path().join("db.sqlite3")).unwrap();
        assert_eq!(dump(&db), before);

        // Partial: the sorted pass is rolled back, the indexed pass imports all but the duplicate.
        let mut wal = fresh(dir.path(), "wal.sqlite3");
        let _other = Db::open(wal.path()).unwrap();
        let mut db = db;
        let options = ImportOptions {
            partial: true,
            ..ImportOptions::default()
        };
        let (s, _) = import_watching(&mut db, &file, &options, &sorting);
        let (t, seen) = import_watching(&mut wal, &file, &options, &sorting);
        let (s, t) = (s.unwrap(), t.unwrap());
        assert_eq!(seen, [true]);
        assert_eq!((s.added, s.rejected), (1500, 1));
        assert_eq!(format!("{s:?}"), format!("{t:?}"));
        assert_eq!(dump(&db), dump(&wal));
        assert_eq!(journal_mode(&db), "wal");
        drop((db, wal, _other));
        for name in ["db.sqlite3", "wal.sqlite3"] {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(sidecar(&dir.path().join(name), suffix));
            }
        }
    }
}

/// The environment variable that makes [`killed_in_rollback_mode_the_import_is_recovered_by_the_next_open`]
/// the child process: it holds the database and the file to import.
const CHILD: &str = "FAIRDRAW_TEST_ROLLBACK_CHILD";

/// In the child: imports the file with the tiny cache, so that pages reach the database file before the
/// commit, and is killed at the fault point its environment names.
fn run_child(spec: &str) {
    let (db, file) = spec.split_once('\n').unwrap();
    let mut db = Db::open(db).unwrap();
    import::import_file_sorting(
        &mut db,
        Register::Entities,
        Path::new(file),
        &ImportOptions::default(),
        &tiny_cache(),
        now(),
        &mut |_| {},
    )
    .unwrap();
}

#[cfg(unix)]
#[test]
fn killed_in_rollback_mode_the_import_is_recovered_by_the_next_open() {
    if let Ok(spec) = std::env::var(CHILD) {
        return run_child(&spec);
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("entities.csv");
    entities_csv(&file, 1500, "");
    // The reference: the database before, and after an import that is not killed.
    let reference = dir.path().join("reference.sqlite3");
    let before = dump(&Db::open(&reference).unwrap());
    let child = |db: &Path, fault: &str| {
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "import_rollback::killed_in_rollback_mode_the_import_is_recovered_by_the_next_open",
                "--test-threads=1",
            ])
            .env(CHILD, format!("{}\n{}", db.display(), file.display()))
            .env("FAIRDRAW_FAULT", fault)
            .output()
            .unwrap();
        use std::os::unix::process::ExitStatusExt;
        (
            out.status.signal(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(child(&reference, "").0, None, "the uninterrupted import succeeds");
    let after = dump(&Db::open(&reference).unwrap());
    assert_ne!(before, after);

    for (fault, expected) in [("import.before_commit", &before), ("import.after_commit", &after)] {
        let db = dir.path().join(format!("{fault}.sqlite3"));
        drop(Db::open(&db).unwrap());
        let empty = std::fs::read(&db).unwrap();
        let (signal, stderr) = child(&db, fault);
        assert_eq!(signal, Some(libc::SIGKILL), "{fault}: {stderr}");
        let journal = sidecar(&db, "-journal");
        if fault == "import.before_commit" {
            // Killed inside the transaction in rollback mode: a hot journal, and pages already in the file.
            assert!(
                std::fs::metadata(&journal).unwrap().len() > 0,
                "{fault}: hot journal"
            );
            assert_ne!(
                std::fs::read(&db).unwrap(),
                empty,
                "{fault}: pages were written before the commit"
            );
        } else {
            assert!(!journal.exists(), "{fault}: committed, no journal");
        }
        if fault == "import.before_commit" {
            // The journal is played back only into a file whose header names a schema this fairdraw knows: a
            // copy claiming a newer schema is refused as newer, one claiming none (not a fairdraw database) is
            // refused too, and neither the file nor its journal is touched.
            for (name, version) in [("newer", fairdraw::db::SCHEMA_VERSION as i32 + 1), ("foreign", 0)] {
                let copy = dir.path().join(format!("{name}.sqlite3"));
                let mut bytes = std::fs::read(&db).unwrap();
                bytes[60..64].copy_from_slice(&version.to_be_bytes());
                std::fs::write(&copy, &bytes).unwrap();
                let copy_journal = sidecar(&copy, "-journal");
                std::fs::copy(&journal, &copy_journal).unwrap();
                let journal_bytes = std::fs::read(&copy_journal).unwrap();
                let Err(err) = Db::open(&copy) else {
                    panic!("{name}: the copy was opened")
                };
                if name == "newer" {
                    assert_eq!(err.code(), fairdraw::ErrorCode::NewerSchema, "{err}");
                }
                assert_eq!(std::fs::read(&copy).unwrap(), bytes, "{name}: file untouched");
                assert_eq!(
                    std::fs::read(&copy_journal).unwrap(),
                    journal_bytes,
                    "{name}: journal untouched"
                );
            }
        }
        // The normal open path rolls a hot journal back before its read-only checks, then sets WAL again.
        let reopened = Db::open(&db).unwrap();
        assert_eq!(&dump(&reopened), expected, "{fault}");
        assert_eq!(journal_mode(&reopened), "wal", "{fault}");
        assert_eq!(quick_check(&reopened), "ok", "{fault}");
        assert!(!journal.exists(), "{fault}: the journal is gone");
        assert!(fairdraw::audit::audit(reopened.conn()).unwrap().ok(), "{fault}");
    }
}
