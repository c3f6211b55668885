//! Opening the SQLite database, its pragmas, and the schema migrations.
//!
//! The schema version lives in `PRAGMA user_version`. All pending migrations run in one transaction, so an
//! upgrade either completes or leaves the file as it was. A database written by a newer fairdraw is refused
//! before anything is written to it (it is first opened read-only to read its version). Foreign keys are on,
//! the journal mode is WAL and `synchronous=FULL`, because a ceremony step reported as done must survive a
//! power cut, not just a crash.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};

pub mod writeback;

/// The migrations, in order. Migration `i` (0-based) takes the schema from version `i` to `i + 1`.
/// Append-only: a released migration never changes.
pub const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_registers.sql"),
    include_str!("migrations/0002_ceremony.sql"),
];

/// The schema version this program writes and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a statement waits for another process's lock before giving up with a "busy" error.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// An open fairdraw database.
pub struct Db {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("path", &self.path).finish()
    }
}

/// The default database file: `fairdraw.sqlite3` in the OS per-user data directory
/// (`~/.local/share/fairdraw` on Linux, `%APPDATA%\fairdraw\fairdraw\data` on Windows).
pub fn default_path() -> Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("cn", "fairdraw", "fairdraw").ok_or_else(|| {
        Error::other(
            crate::error::ErrorCode::Io,
            "无法确定当前用户的数据目录，请用 --db 指定数据库文件",
            "cannot determine the per-user data directory; give the database file with --db",
        )
    })?;
    Ok(dirs.data_dir().join("fairdraw.sqlite3"))
}

impl Db {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Db> {
        let path = path.as_ref().to_path_buf();
        if path.is_dir() {
            return Err(Error::other(
                crate::error::ErrorCode::Invalid,
                format!(
                    "{}：这是一个文件夹，不是数据库文件；请指定文件，例如 {}",
                    path.display(),
                    path.join("fairdraw.sqlite3").display()
                ),
                format!(
                    "{}: this is a folder, not a database file; name a file, e.g. {}",
                    path.display(),
                    path.join("fairdraw.sqlite3").display()
                ),
            ));
        }
        if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
            && !parent.exists()
        {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        if path.exists() {
            inspect_read_only(&path)?;
        }
        let conn = Connection::open(&path).map_err(|e| map_open_error(&path, e))?;
        let mut db = Db { conn, path };
        db.configure()
            .and_then(|()| db.migrate_to(SCHEMA_VERSION))
            .map_err(|e| name_db_error(&db.path, e))?;
        Ok(db)
    }

    /// Opens a private in-memory database (for tests and dry runs).
    pub fn open_in_memory() -> Result<Db> {
        let conn = Connection::open_in_memory()?;
        let mut db = Db {
            conn,
            path: PathBuf::from(":memory:"),
        };
        db.configure()?;
        db.migrate_to(SCHEMA_VERSION)?;
        Ok(db)
    }

    /// Opens `path` and migrates it only up to `version` (used by tests that build an old database).
    #[doc(hidden)]
    pub fn open_at_version(path: impl AsRef<Path>, version: i64) -> Result<Db> {
        let path = path.as_ref().to_path_buf();
        let conn = Connection::open(&path).map_err(|e| map_open_error(&path, e))?;
        let mut db = Db { conn, path };
        db.configure()?;
        db.migrate_to(version)?;
        Ok(db)
    }

    fn configure(&mut self) -> Result<()> {
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        // WAL cannot be used for in-memory databases; SQLite silently keeps "memory" there.
        match self
            .conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0))
        {
            Ok(_) => {}
            // Another connection is in a transaction in rollback-journal mode (a bulk load, see
            // `Db::with_rollback_journal`), which switches back to WAL when it is done: meanwhile this connection
            // works in the mode the file is in, just as safely (its reads wait for that writer's lock).
            Err(e) if is_busy(&e) => {}
            Err(e) => return Err(self.map_err(e)),
        }
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        Ok(())
    }

    /// Applies the migrations from the current version up to `target`, all in one transaction.
    fn migrate_to(&mut self, target: i64) -> Result<()> {
        let path = self.path.clone();
        let current = user_version(&self.conn)?;
        if current > SCHEMA_VERSION {
            return Err(Error::NewerSchema {
                path,
                found: current,
                supported: SCHEMA_VERSION,
            });
        }
        if current >= target {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| map_open_error(&path, e))?;
        // Re-read inside the write lock: another process may have migrated meanwhile.
        let current = user_version(&tx)?;
        for (i, sql) in MIGRATIONS
            .iter()
            .enumerate()
            .take(target as usize)
            .skip(current as usize)
        {
            tx.execute_batch(sql).map_err(|e| {
                Error::other(
                    crate::error::ErrorCode::Database,
                    format!("数据库结构升级到版本 {} 失败，已回滚：{e}", i + 1),
                    format!(
                        "upgrading the database schema to version {} failed and was rolled back: {e}",
                        i + 1
                    ),
                )
            })?;
        }
        tx.pragma_update(None, "user_version", target)?;
        tx.commit().map_err(|e| map_open_error(&path, e))?;
        Ok(())
    }

    /// The connection, for reading.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The connection, for writing (transactions need `&mut`).
    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The file this database lives in (`:memory:` for an in-memory one).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        user_version(&self.conn)
    }

    /// Runs `f` with a rollback journal (`journal_mode=DELETE`) instead of WAL, if this connection can switch the
    /// database out of WAL now, and switches back afterwards, whatever `f` returned. For a bulk load into an
    /// empty table: its pages are all new, so the rollback journal holds only the few existing pages the load
    /// changes, and the table is written once (with WAL it is written to the WAL and then again by the
    /// checkpoint). Every transaction of `f` is as atomic and durable as under WAL (`synchronous=FULL` in both
    /// modes; a crash leaves a hot journal that the next open rolls back, see [`Db::open`]).
    ///
    /// Leaving WAL needs every other connection to the file closed: when another is open (the switch fails with
    /// "busy" or SQLite keeps the old mode), or the database is not in WAL (in memory), `f` simply runs on the
    /// current mode. Should the switch back fail (another process opened the file in rollback mode meanwhile),
    /// the database stays in rollback mode, which is just as safe, until the next [`Db::open`] sets WAL again.
    pub fn with_rollback_journal<T>(&mut self, f: impl FnOnce(&mut Db) -> Result<T>) -> Result<T> {
        let switched = self.journal_mode_is("wal") && self.set_journal_mode("delete");
        let result = f(self);
        if switched {
            self.set_journal_mode("wal");
        }
        result
    }

    /// Whether the database is in journal mode `mode` now.
    fn journal_mode_is(&self, mode: &str) -> bool {
        self.conn
            .query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0))
            .is_ok_and(|m| m.eq_ignore_ascii_case(mode))
    }

    /// Switches the journal mode; true if SQLite reports the new mode (a refused switch returns the old one).
    fn set_journal_mode(&self, mode: &str) -> bool {
        self.conn
            .query_row(&format!("PRAGMA journal_mode={mode}"), [], |r| {
                r.get::<_, String>(0)
            })
            .is_ok_and(|m| m.eq_ignore_ascii_case(mode))
    }

    /// Maps a SQLite error to a busy/corrupt error naming this database where it is one of those.
    pub fn map_err(&self, e: rusqlite::Error) -> Error {
        map_open_error(&self.path, e)
    }
}

pub(crate) fn user_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Reads the schema version and runs `PRAGMA quick_check` without writing anything, so that a newer or a
/// damaged database is left byte-for-byte intact: nothing is ever written to a file that fails either check.
///
/// The one exception is SQLite's own crash recovery: a process killed inside a transaction in rollback-journal
/// mode (a bulk import, see [`Db::with_rollback_journal`]) leaves a hot journal, which a read-only connection
/// cannot roll back (`SQLITE_READONLY_ROLLBACK`). A read-write connection then rolls it back — restoring the
/// file to its last committed state, exactly what any reader would do first — and the checks run again. It
/// does so only for a file whose header (read as bytes, since SQLite will not read past a hot journal) says it
/// is an SQLite database of a schema version this fairdraw knows: a newer one is refused as before, and any
/// other file keeps its journal and gets the error it got before bulk loads existed.
fn inspect_read_only(path: &Path) -> Result<()> {
    match inspect_read_only_once(path) {
        Err(Error::Db(e)) if is_hot_journal(&e) => {
            match header_user_version(path) {
                Some(found) if found > SCHEMA_VERSION => {
                    return Err(Error::NewerSchema {
                        path: path.to_path_buf(),
                        found,
                        supported: SCHEMA_VERSION,
                    });
                }
                Some(found) if found >= 1 => {}
                _ => return Err(name_db_error(path, Error::Db(e))),
            }
            let conn = Connection::open(path).map_err(|e| map_open_error(path, e))?;
            conn.busy_timeout(BUSY_TIMEOUT)?;
            // The first read of a read-write connection plays the hot journal back.
            user_version(&conn).map_err(|e| name_db_error(path, e))?;
            drop(conn);
            inspect_read_only_once(path)
        }
        other => other,
    }
}

/// `PRAGMA user_version` read from the file's 100-byte header (offset 60, big-endian), if the file starts with
/// SQLite's magic string. An import does not change it, so a hot journal left by one does not either.
fn header_user_version(path: &Path) -> Option<i64> {
    use std::io::Read;
    let mut header = [0u8; 100];
    std::fs::File::open(path).ok()?.read_exact(&mut header).ok()?;
    if &header[..16] != b"SQLite format 3\0" {
        return None;
    }
    Some(i64::from(i32::from_be_bytes([
        header[60], header[61], header[62], header[63],
    ])))
}

/// Whether `e` is SQLite's "busy" or "locked": another connection holds the lock needed.
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Whether `e` says a hot journal needs a read-write connection to roll it back.
fn is_hot_journal(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_READONLY_ROLLBACK)
}

fn inspect_read_only_once(path: &Path) -> Result<()> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| map_open_error(path, e))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let found = match user_version(&conn) {
        Err(Error::Db(e)) if is_hot_journal(&e) => return Err(Error::Db(e)),
        found => found.map_err(|e| name_db_error(path, e))?,
    };
    if found > SCHEMA_VERSION {
        return Err(Error::NewerSchema {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    quick_check(&conn).map_err(|detail| Error::Corrupt {
        path: path.to_path_buf(),
        detail,
    })
}

/// Runs `PRAGMA quick_check` and returns its complaints (the first few lines) if it does not say "ok".
pub(crate) fn quick_check(conn: &Connection) -> std::result::Result<(), String> {
    let mut stmt = conn.prepare("PRAGMA quick_check(5)").map_err(|e| e.to_string())?;
    let lines: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect())
        .map_err(|e| e.to_string())?;
    if lines.len() == 1 && lines[0] == "ok" {
        Ok(())
    } else {
        Err(lines.join("; "))
    }
}

/// [`map_open_error`] for an `Error` that may hold a SQLite error.
pub(crate) fn name_db_error(path: &Path, e: Error) -> Error {
    match e {
        Error::Db(e) => map_open_error(path, e),
        other => other,
    }
}

/// Turns SQLite's busy, damaged, read-only, disk-full, I/O and cannot-open errors into errors that name the file
/// and say that nothing was changed (SQLite's atomic commit guarantees it: a failed write rolls back).
pub(crate) fn map_open_error(path: &Path, e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked) => Error::Busy {
            path: path.to_path_buf(),
        },
        Some(rusqlite::ErrorCode::DatabaseCorrupt) | Some(rusqlite::ErrorCode::NotADatabase) => {
            Error::Corrupt {
                path: path.to_path_buf(),
                detail: e.to_string(),
            }
        }
        Some(rusqlite::ErrorCode::ReadOnly) => Error::other(
            crate::error::ErrorCode::Io,
            format!(
                "{}：数据库无法写入：文件、所在文件夹或磁盘是只读的（{e}）；未作任何改动",
                path.display()
            ),
            format!(
                "{}: the database cannot be written: the file, its folder or the disk is read-only ({e}); nothing was changed",
                path.display()
            ),
        ),
        Some(rusqlite::ErrorCode::DiskFull) => Error::other(
            crate::error::ErrorCode::Io,
            format!(
                "{}：磁盘已满，数据库无法写入（{e}）；未作任何改动。请腾出磁盘空间后重试",
                path.display()
            ),
            format!(
                "{}: the disk is full, the database cannot be written ({e}); nothing was changed. Free some disk space and try again",
                path.display()
            ),
        ),
        Some(rusqlite::ErrorCode::SystemIoFailure) => Error::other(
            crate::error::ErrorCode::Io,
            format!(
                "{}：读写数据库文件失败（{e}）；未作任何改动。请检查磁盘空间、文件大小限制和磁盘本身",
                path.display()
            ),
            format!(
                "{}: reading or writing the database file failed ({e}); nothing was changed. Check the free disk space, file size limits and the disk itself",
                path.display()
            ),
        ),
        Some(rusqlite::ErrorCode::CannotOpen) => Error::other(
            crate::error::ErrorCode::Io,
            format!(
                "{}：无法打开数据库文件（{e}）；请检查该文件及其所在文件夹是否存在、是否可读写",
                path.display()
            ),
            format!(
                "{}: the database file cannot be opened ({e}); check that the file and its folder exist and can be read and written",
                path.display()
            ),
        ),
        _ => Error::Db(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_database_has_current_schema_and_yongzhou_departments() {
        let db = Db::open_in_memory().unwrap();
        assert_eq!(db.schema_version().unwrap(), SCHEMA_VERSION);
        let n: i64 = db
            .conn()
            .query_row("SELECT count(*) FROM department", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 17);
        let fk: i64 = db
            .conn()
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
    }

    #[test]
    fn file_database_uses_wal() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path().join("a.sqlite3")).unwrap();
        let mode: String = db
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
}
