//! Copying the whole database to a backup file while it stays in use, with progress.
//!
//! SQLite's online backup copies a consistent snapshot page by page, so a backup of a large register can run
//! while the app keeps reading; the caller gets `(pages done, pages total)` after every step to show a
//! progress bar. The copy is written under a temporary name and renamed only after SQLite's integrity check
//! passed on it, so a failed or interrupted backup never leaves a file that looks like a good backup, and an
//! existing file is never overwritten.

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use crate::db::Db;
use crate::error::{Error, ErrorCode, Result};

/// Pages copied per step: small enough for a smooth progress bar, large enough not to slow the copy down.
const PAGES_PER_STEP: i32 = 256;

/// What a finished backup wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BackupSummary {
    /// The backup file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Number of database pages copied.
    pub pages: u64,
    /// The schema version of the copy (that of the source).
    pub schema_version: i64,
}

/// The default place for a backup taken at `now`: `backups/fairdraw-YYYYMMDD-HHMMSS.sqlite3` next to the
/// database file.
pub fn default_backup_path(db_path: &Path, now: NaiveDateTime) -> PathBuf {
    let dir = db_path.parent().unwrap_or_else(|| Path::new("."));
    dir.join("backups")
        .join(format!("fairdraw-{}.sqlite3", now.format("%Y%m%d-%H%M%S")))
}

/// Copies `db` to `dest`, calling `progress(done, total)` (in pages) after each step.
/// Refuses to overwrite an existing file; creates the destination directory if needed.
pub fn backup_to(db: &Db, dest: &Path, progress: &mut dyn FnMut(u64, u64)) -> Result<BackupSummary> {
    if dest.exists() {
        return Err(Error::other(
            ErrorCode::Invalid,
            format!("{}：文件已存在，备份不会覆盖已有文件", dest.display()),
            format!(
                "{}: the file already exists; a backup never overwrites a file",
                dest.display()
            ),
        ));
    }
    if let Some(parent) = dest.parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
    }
    let mut partial_name = dest.as_os_str().to_owned();
    partial_name.push(".partial");
    let partial = PathBuf::from(partial_name);
    let outcome = copy_and_check(db, &partial, progress);
    let summary = match outcome {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, dest).map_err(|e| Error::io(dest, e))?;
    let bytes = std::fs::metadata(dest).map_err(|e| Error::io(dest, e))?.len();
    Ok(BackupSummary {
        path: dest.to_path_buf(),
        bytes,
        ..summary
    })
}

fn copy_and_check(db: &Db, partial: &Path, progress: &mut dyn FnMut(u64, u64)) -> Result<BackupSummary> {
    let map = |e: rusqlite::Error| crate::db::map_open_error(partial, e);
    let pages = {
        let mut dst = Connection::open(partial).map_err(map)?;
        let backup = Backup::new(db.conn(), &mut dst).map_err(|e| db.map_err(e))?;
        loop {
            let step = backup.step(PAGES_PER_STEP).map_err(|e| db.map_err(e))?;
            let p = backup.progress();
            let total = p.pagecount.max(0) as u64;
            progress(total - (p.remaining.max(0) as u64).min(total), total);
            match step {
                StepResult::Done => break total,
                // Another connection writes or holds a lock: wait briefly and continue from where we are.
                StepResult::Busy | StepResult::Locked => {
                    std::thread::sleep(std::time::Duration::from_millis(50))
                }
                _ => {}
            }
        }
    };
    let check = Connection::open_with_flags(partial, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(map)?;
    let verdict: String = check
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(map)?;
    if verdict != "ok" {
        return Err(Error::Corrupt {
            path: partial.to_path_buf(),
            detail: verdict,
        });
    }
    let schema_version: i64 = check
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(map)?;
    Ok(BackupSummary {
        path: partial.to_path_buf(),
        bytes: 0,
        pages,
        schema_version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registers;

    #[test]
    fn default_path_is_dated_beside_the_database() {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 3, 5)
            .unwrap()
            .and_hms_opt(9, 7, 1)
            .unwrap();
        assert_eq!(
            default_backup_path(Path::new("/data/fairdraw/fairdraw.sqlite3"), now),
            Path::new("/data/fairdraw/backups/fairdraw-20260305-090701.sqlite3")
        );
    }

    #[test]
    fn backup_copies_everything_and_reports_progress_to_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path().join("a.sqlite3")).unwrap();
        let dest = dir.path().join("b").join("copy.sqlite3");
        let mut steps = Vec::new();
        let s = backup_to(&db, &dest, &mut |done, total| steps.push((done, total))).unwrap();
        assert_eq!(s.path, dest);
        assert_eq!(s.schema_version, crate::db::SCHEMA_VERSION);
        assert_eq!(s.bytes, std::fs::metadata(&dest).unwrap().len());
        assert!(s.pages > 0);
        assert_eq!(steps.last(), Some(&(s.pages, s.pages)));
        assert!(!dir.path().join("b").join("copy.sqlite3.partial").exists());
        let copy = Db::open(&dest).unwrap();
        assert_eq!(registers::list_departments(copy.conn()).unwrap().len(), 17);
    }

    #[test]
    fn backup_never_overwrites_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path().join("a.sqlite3")).unwrap();
        let dest = dir.path().join("keep.sqlite3");
        std::fs::write(&dest, b"precious").unwrap();
        let e = backup_to(&db, &dest, &mut |_, _| {}).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Invalid);
        assert!(e.to_string().contains("already exists"), "{e}");
        assert_eq!(std::fs::read(&dest).unwrap(), b"precious");
    }

    #[test]
    fn failed_backup_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path().join("a.sqlite3")).unwrap();
        // The destination directory is a file, so the copy cannot be created.
        let blocker = dir.path().join("blocker");
        std::fs::write(&blocker, b"x").unwrap();
        let e = backup_to(&db, &blocker.join("copy.sqlite3"), &mut |_, _| {}).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Io);
        assert_eq!(std::fs::read(&blocker).unwrap(), b"x");
    }
}
