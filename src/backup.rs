//! Backing up the database to one file, and restoring it from one, without ever leaving a half-written file
//! where a good one is expected.
//!
//! One implementation serves the command line (`fairdraw backup`/`restore`) and the desktop app (settings →
//! back up, with a progress bar fed by the `progress(done, total)` callback, in pages).
//!
//! **Backup** copies the database with SQLite's online backup API inside one read transaction, so the copy is
//! a consistent snapshot (WAL mode: other processes may go on writing meanwhile). The copy is written
//! under a temporary name in the target folder, made self-contained (rollback-journal mode, no `-wal` file
//! needed), synced, and then verified against the snapshot it was taken from: `PRAGMA integrity_check`, the
//! same schema version, the same journal chain (entries checked, head hash, and any problem), and the same
//! number of rows in every table. Only a verified copy is renamed to the name asked for; anything else is
//! deleted. Then the live database gets a `backup_created` journal entry naming the file and its SHA-256 (if
//! that fails, the file is removed again), so a backup found later can be matched with the moment it was taken.
//!
//! **Restore** never opens the backup in place: it copies it next to the database under a temporary name
//! (computing its SHA-256 on the way) and checks the copy — an SQLite file, a fairdraw schema not newer than
//! this program, `PRAGMA integrity_check`, and a journal chain that verifies. A file failing any check is
//! refused and nothing changes. Otherwise the copy is migrated if it is older, gets a `database_restored`
//! journal entry, and replaces the database atomically (a rename); the database it replaces is kept under
//! `NAME.before-restore-YYYYMMDD-HHMMSS` (time from the injected clock), together with its `-wal` file if a
//! checkpoint could not empty it, so the pair stays openable. A stale `-shm` is removed (SQLite rebuilds it).
//!
//! **The chain across a restore.** The restored database's chain is the backup's chain, unchanged, plus the
//! `database_restored` entry linked to the backup's head. Entries the replaced database gained after the
//! backup are not in the new chain: the journal forks at the backup's head. Nothing is rewritten or hidden —
//! the entry records the backup's file name, SHA-256 and head, and the kept copy's name and head, and the kept
//! copy still verifies on its own. A ceremony sealed after the backup is therefore absent from the restored
//! database; its printed journal head is found in the kept copy.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use chrono::NaiveDateTime;

use crate::clock::Clock;
use crate::db::{Db, SCHEMA_VERSION, map_open_error, name_db_error, user_version};
use crate::error::{Error, ErrorCode, Result};
use crate::journal::{self, ChainReport, Event};
use crate::tr;

/// The rows of one table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TableRows {
    pub table: String,
    pub rows: i64,
}

/// What a database holds, as far as a backup must reproduce it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    pub schema_version: i64,
    pub tables: Vec<TableRows>,
    pub journal: ChainReport,
}

/// Reads the schema version, the row count of every table and the journal chain of `conn`.
pub fn snapshot(conn: &Connection) -> Result<Snapshot> {
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut tables = Vec::with_capacity(names.len());
    for table in names {
        let quoted = table.replace('"', "\"\"");
        let rows = conn.query_row(&format!("SELECT count(*) FROM \"{quoted}\""), [], |r| r.get(0))?;
        tables.push(TableRows { table, rows });
    }
    Ok(Snapshot {
        schema_version: user_version(conn)?,
        tables,
        journal: journal::verify_chain(conn)?,
    })
}

/// What a backup wrote.
#[derive(Clone, Debug, Serialize)]
pub struct BackupSummary {
    /// The backup file.
    pub path: PathBuf,
    pub bytes: u64,
    /// Database pages copied (the unit of the progress callback).
    pub pages: u64,
    /// Lower-case hex SHA-256 of the backup file.
    pub sha256: String,
    /// What the backup holds (equal to the database at the moment it was taken).
    pub snapshot: Snapshot,
    /// The `backup_created` entry in the live database.
    pub journal_seq: i64,
}

/// Removes a temporary file (and the side files SQLite may have made for it) unless disarmed.
struct TempFile {
    path: PathBuf,
    armed: bool,
}

impl TempFile {
    fn new(path: PathBuf) -> TempFile {
        TempFile { path, armed: true }
    }

    fn side(&self, suffix: &str) -> PathBuf {
        side_file(&self.path, suffix)
    }

    fn remove_all(&self) {
        for p in [
            self.path.clone(),
            self.side("-wal"),
            self.side("-shm"),
            self.side("-journal"),
        ] {
            let _ = fs::remove_file(p);
        }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            self.remove_all();
        }
    }
}

/// `path` with `suffix` appended to its file name (`a.sqlite3` → `a.sqlite3-wal`).
fn side_file(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// The folder of `path` (`.` for a bare file name).
fn folder(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Makes a rename durable: on Unix the folder entry itself must be synced. Elsewhere a no-op.
fn sync_folder(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::io(dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn sync_file(path: &Path) -> Result<()> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(path, e))
}

/// Streams a file through SHA-256; returns (hex digest, size).
fn sha256_file(path: &Path) -> Result<(String, u64)> {
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex::encode(h.finalize()), n))
}

/// The full `PRAGMA integrity_check`: `Ok` or the first complaints.
fn integrity_check(conn: &Connection) -> std::result::Result<(), String> {
    let lines: Vec<String> = conn
        .prepare("PRAGMA integrity_check(5)")
        .and_then(|mut s| s.query_map([], |r| r.get::<_, String>(0))?.collect())
        .map_err(|e| e.to_string())?;
    if lines.len() == 1 && lines[0] == "ok" {
        Ok(())
    } else {
        Err(lines.join("; "))
    }
}

/// How long a backup keeps retrying while another process holds a lock the copy needs.
const BACKUP_BUSY_LIMIT: Duration = Duration::from_secs(5);

/// Pages copied per step: small enough for a smooth progress bar, large enough not to slow the copy down.
const PAGES_PER_STEP: i32 = 256;

/// The default place for a backup taken at `now`: `backups/fairdraw-YYYYMMDD-HHMMSS.sqlite3` next to the
/// database file.
pub fn default_backup_path(db_path: &Path, now: NaiveDateTime) -> PathBuf {
    folder(db_path)
        .join("backups")
        .join(format!("fairdraw-{}.sqlite3", now.format("%Y%m%d-%H%M%S")))
}

/// Backs up the open database to `out`, which must not exist yet (its folder is created if needed), calling
/// `progress(pages done, pages total)` after each step of the copy. See the module comment for the steps.
pub fn backup_to(
    db: &mut Db,
    out: &Path,
    clock: &dyn Clock,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<BackupSummary> {
    if out.exists() {
        return Err(Error::other(
            ErrorCode::Invalid,
            format!("{}：已存在，备份不会覆盖已有文件，请换一个文件名", out.display()),
            format!(
                "{}: already exists; a backup never replaces an existing file, choose another name",
                out.display()
            ),
        ));
    }
    let dir = folder(out);
    fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let tmp = TempFile::new(dir.join(format!(".{}.partial", file_name(out))));
    tmp.remove_all();
    let db_path = db.path().to_path_buf();
    let tmp_err = |e: rusqlite::Error| backup_write_error(out, &e);

    // One read transaction for the snapshot and the copy: in WAL mode it sees one state of the database while
    // other processes go on writing, so the rows counted and the pages copied agree. (SQLite refuses to back
    // up from a connection that holds a write transaction, so this cannot be IMMEDIATE.)
    let tx = db
        .conn_mut()
        .transaction_with_behavior(TransactionBehavior::Deferred)
        .map_err(|e| map_open_error(&db_path, e))?;
    let source = snapshot(&tx).map_err(|e| name_db_error(&db_path, e))?;
    let mut dst = Connection::open(&tmp.path).map_err(tmp_err)?;
    let pages = {
        let copy = Backup::new(&tx, &mut dst).map_err(tmp_err)?;
        let started = Instant::now();
        loop {
            let step = copy.step(PAGES_PER_STEP).map_err(tmp_err)?;
            let p = copy.progress();
            let total = p.pagecount.max(0) as u64;
            progress(total - (p.remaining.max(0) as u64).min(total), total);
            match step {
                StepResult::Done => break total,
                StepResult::More => {}
                _ if started.elapsed() > BACKUP_BUSY_LIMIT => {
                    return Err(Error::Busy { path: db_path });
                }
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    };
    tx.finish().map_err(|e| map_open_error(&db_path, e))?;
    // The copy carries the source's WAL flag; a backup must be one self-contained file.
    let _: String = dst
        .query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0))
        .map_err(tmp_err)?;
    dst.close().map_err(|(_, e)| tmp_err(e))?;
    sync_file(&tmp.path)?;

    verify_copy(&tmp.path, &source).map_err(|detail| {
        Error::other(
            ErrorCode::Io,
            format!("{}：备份写入后校验失败（{detail}），已删除，未留下备份文件", out.display()),
            format!(
                "{}: the backup failed its check after writing ({detail}); it was deleted, no backup file was left",
                out.display()
            ),
        )
    })?;
    let (sha256, bytes) = sha256_file(&tmp.path)?;
    if out.exists() {
        return Err(Error::other(
            ErrorCode::Invalid,
            format!("{}：备份期间出现了同名文件，未覆盖", out.display()),
            format!(
                "{}: a file of that name appeared during the backup; it was not replaced",
                out.display()
            ),
        ));
    }

    // The live database records the backup: file, hash and the journal head it holds. The file gets its name
    // first and is removed again if the entry cannot be written (busy, disk full), so only a crash between the
    // two can leave a verified backup without its entry — never an entry without its file.
    fs::rename(&tmp.path, out).map_err(|e| Error::io(out, e))?;
    let mut tmp = tmp;
    tmp.armed = false;
    let payload = json!({
        "file": out.display().to_string(),
        "sha256": sha256,
        "bytes": bytes,
        "schema_version": source.schema_version,
        "journal_entries": source.journal.checked,
        "journal_head": source.journal.head,
    });
    let entry = match append_entry(db, clock, Event::BackupCreated, &payload) {
        Ok(entry) => entry,
        Err(e) => {
            let _ = fs::remove_file(out);
            return Err(e);
        }
    };
    sync_folder(&dir)?;
    Ok(BackupSummary {
        path: out.to_path_buf(),
        bytes,
        pages,
        sha256,
        snapshot: source,
        journal_seq: entry.seq,
    })
}

/// Appends one journal entry in its own IMMEDIATE transaction. (Not `journal::transact`: every crash point of
/// that is walked by the kill test's scenario, which cannot re-run a backup or restore under the same file
/// names.)
fn append_entry(
    db: &mut Db,
    clock: &dyn Clock,
    event: Event,
    payload: &serde_json::Value,
) -> Result<journal::Entry> {
    let path = db.path().to_path_buf();
    let tx = db
        .conn_mut()
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| map_open_error(&path, e))?;
    let entry =
        journal::append(&tx, clock.now(), event, None, payload).map_err(|e| name_db_error(&path, e))?;
    tx.commit().map_err(|e| map_open_error(&path, e))?;
    Ok(entry)
}

/// A write to the backup file failed: disk full, file too large, no permission...
fn backup_write_error(out: &Path, e: &rusqlite::Error) -> Error {
    Error::other(
        ErrorCode::Io,
        format!("{}：写入备份失败（{e}），未留下备份文件", out.display()),
        format!(
            "{}: writing the backup failed ({e}); no backup file was left",
            out.display()
        ),
    )
}

/// Opens the written copy read-only and compares it with the snapshot it was taken from.
fn verify_copy(path: &Path, source: &Snapshot) -> std::result::Result<(), String> {
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|e| e.to_string())?;
    integrity_check(&conn).map_err(|d| format!("integrity_check: {d}"))?;
    let copy = snapshot(&conn).map_err(|e| e.message(crate::Lang::En))?;
    if copy.schema_version != source.schema_version {
        return Err(format!(
            "schema version {} instead of {}",
            copy.schema_version, source.schema_version
        ));
    }
    if copy.journal != source.journal {
        return Err(format!(
            "journal: {} entries, head {:?} instead of {} entries, head {:?}",
            copy.journal.checked, copy.journal.head, source.journal.checked, source.journal.head
        ));
    }
    if copy.tables != source.tables {
        let diff = source
            .tables
            .iter()
            .zip(&copy.tables)
            .find(|(a, b)| a != b)
            .map(|(a, b)| format!("table {}: {} rows instead of {}", b.table, b.rows, a.rows))
            .unwrap_or_else(|| "a different list of tables".into());
        return Err(diff);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// Restore

/// What a restore did.
#[derive(Clone, Debug, Serialize)]
pub struct RestoreReport {
    /// The database that was replaced.
    pub database: PathBuf,
    /// The backup file restored from, and its SHA-256.
    pub backup: PathBuf,
    pub backup_sha256: String,
    /// The backup's schema version (older ones were migrated to the current one).
    pub backup_schema_version: i64,
    /// The backup's journal: entries and head.
    pub backup_journal: ChainReport,
    /// Where the replaced database was kept, if there was one.
    pub kept_previous: Option<PathBuf>,
    /// The replaced database's journal head, if it could be read.
    pub previous_journal_head: Option<String>,
    /// The `database_restored` entry in the restored database.
    pub journal_seq: i64,
}

/// Why a file is refused as a backup. Each says "nothing was changed".
fn refused(code: ErrorCode, backup: &Path, zh: String, en: String) -> Error {
    Error::other(
        code,
        format!("{}：{zh}；未作任何改动", backup.display()),
        format!("{}: {en}; nothing was changed", backup.display()),
    )
}

/// Replaces the database at `db_path` with the backup `backup` (see the module comment). No other process may
/// have the database open: one holding its write lock is detected (`Error::Busy` after `busy_timeout`); the
/// desktop app closes its own connection before calling this.
pub fn restore(
    db_path: &Path,
    backup: &Path,
    clock: &dyn Clock,
    busy_timeout: Duration,
) -> Result<RestoreReport> {
    let meta = fs::metadata(backup).map_err(|e| Error::io(backup, e))?;
    if !meta.is_file() {
        return Err(refused(
            ErrorCode::Invalid,
            backup,
            "不是文件".into(),
            "not a file".into(),
        ));
    }
    if db_path.exists() {
        let same = fs::canonicalize(db_path).ok() == fs::canonicalize(backup).ok();
        if same {
            return Err(refused(
                ErrorCode::Invalid,
                backup,
                "这就是当前数据库本身".into(),
                "this is the database itself".into(),
            ));
        }
    }
    let dir = folder(db_path);
    if !dir.exists() {
        fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    }
    let tmp = TempFile::new(dir.join(format!(".{}.restore-partial", file_name(db_path))));
    tmp.remove_all();
    let backup_sha256 = copy_with_sha256(backup, &tmp.path)?;
    let checked = check_backup(backup, &tmp.path)?;

    // Whoever holds the database's write lock must finish first; then its WAL is emptied into the file, so the
    // kept copy is one complete file whenever possible.
    let previous = if db_path.exists() {
        Some(inspect_previous(db_path, busy_timeout)?)
    } else {
        None
    };
    let stamp = clock.now().format("%Y%m%d-%H%M%S").to_string();
    let kept = previous
        .as_ref()
        .map(|_| unused_name(&dir, &format!("{}.before-restore-{stamp}", file_name(db_path))));

    // The restored database records where it came from before it is put in place.
    let journal_seq = {
        let mut db = Db::open(&tmp.path)?;
        let payload = json!({
            "backup": backup.display().to_string(),
            "backup_sha256": backup_sha256,
            "backup_schema_version": checked.schema_version,
            "backup_journal_entries": checked.journal.checked,
            "backup_journal_head": checked.journal.head,
            "previous_kept_as": kept.as_ref().map(|p| p.display().to_string()),
            "previous_journal_head": previous.as_ref().and_then(|p| p.journal_head.clone()),
        });
        let entry = append_entry(&mut db, clock, Event::DatabaseRestored, &payload)?;
        let _: (i64, i64, i64) = db
            .conn()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(|e| db.map_err(e))?;
        drop(db);
        entry.seq
    };
    sync_file(&tmp.path)?;
    if tmp.side("-wal").exists() {
        // SQLite removes the WAL when the last connection closes after a complete checkpoint; if it is still
        // there, its content is part of the restored database and must not be left behind.
        return Err(Error::other(
            ErrorCode::Io,
            format!(
                "{}：恢复的数据库未能写成单个文件，未作任何改动",
                tmp.path.display()
            ),
            format!(
                "{}: the restored database could not be made one file; nothing was changed",
                tmp.path.display()
            ),
        ));
    }

    // Install: keep the previous file (a hard link, so the database name never disappears), move its WAL
    // beside the kept copy, and rename the new file over the database name in one step.
    if let Some(kept) = &kept {
        keep_previous(db_path, kept)?;
    }
    fs::rename(&tmp.path, db_path).map_err(|e| Error::io(db_path, e))?;
    let mut tmp = tmp;
    tmp.armed = false;
    let shm = side_file(db_path, "-shm");
    if shm.exists() {
        fs::remove_file(&shm).map_err(|e| Error::io(&shm, e))?;
    }
    sync_folder(&dir)?;
    Ok(RestoreReport {
        database: db_path.to_path_buf(),
        backup: backup.to_path_buf(),
        backup_sha256,
        backup_schema_version: checked.schema_version,
        backup_journal: checked.journal,
        kept_previous: kept,
        previous_journal_head: previous.and_then(|p| p.journal_head),
        journal_seq,
    })
}

/// Copies `from` to `to`, synced, and returns the SHA-256 of the bytes copied.
fn copy_with_sha256(from: &Path, to: &Path) -> Result<String> {
    let mut src = File::open(from).map_err(|e| Error::io(from, e))?;
    let mut dst = File::create(to).map_err(|e| Error::io(to, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let k = src.read(&mut buf).map_err(|e| Error::io(from, e))?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        dst.write_all(&buf[..k]).map_err(|e| Error::io(to, e))?;
    }
    dst.sync_all().map_err(|e| Error::io(to, e))?;
    Ok(hex::encode(h.finalize()))
}

/// What the checks of a backup found in it.
struct Checked {
    schema_version: i64,
    journal: ChainReport,
}

/// The checks a backup must pass, run on the private copy `copy` of `backup` (named in the messages).
fn check_backup(backup: &Path, copy: &Path) -> Result<Checked> {
    let not_fairdraw = |detail: &str| {
        refused(
            ErrorCode::Invalid,
            backup,
            format!("不是 fairdraw 数据库（{detail}）"),
            format!("not a fairdraw database ({detail})"),
        )
    };
    let mut head = [0u8; 16];
    let n = File::open(copy)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| Error::io(copy, e))?;
    if n < 16 || &head != b"SQLite format 3\0" {
        return Err(not_fairdraw(
            "不是 SQLite 数据库文件 / not an SQLite database file",
        ));
    }
    // An SQLite file whose pages are damaged fails already here: say "damaged", not "not fairdraw".
    let damaged = |detail: &str| {
        refused(
            ErrorCode::Corrupt,
            backup,
            format!("备份文件已损坏（{detail}）"),
            format!("the backup file is damaged ({detail})"),
        )
    };
    let sqlite_err = |e: rusqlite::Error| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseCorrupt) => damaged(&e.to_string()),
        _ => not_fairdraw(&e.to_string()),
    };
    let conn = Connection::open_with_flags(copy, OpenFlags::SQLITE_OPEN_READ_WRITE).map_err(sqlite_err)?;
    let version = user_version(&conn).map_err(|e| match e {
        Error::Db(e) => sqlite_err(e),
        other => not_fairdraw(&other.message(crate::Lang::En)),
    })?;
    let has_journal: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'journal'",
            [],
            |r| r.get(0),
        )
        .map_err(sqlite_err)?;
    if version < 1 || has_journal == 0 {
        return Err(not_fairdraw(
            "没有 fairdraw 的表结构版本和日志表 / no fairdraw schema version and journal table",
        ));
    }
    if version > SCHEMA_VERSION {
        return Err(refused(
            ErrorCode::NewerSchema,
            backup,
            format!(
                "该备份由更新版本的 fairdraw 写入（结构版本 {version}，本程序最高支持 {SCHEMA_VERSION}），请升级 fairdraw 后再恢复"
            ),
            format!(
                "the backup was written by a newer version of fairdraw (schema {version}, this program supports up to {SCHEMA_VERSION}); upgrade fairdraw to restore it"
            ),
        ));
    }
    if let Err(detail) = integrity_check(&conn) {
        return Err(damaged(&format!("integrity_check: {detail}")));
    }
    let journal = journal::verify_chain(&conn).map_err(|e| {
        refused(
            ErrorCode::Mismatch,
            backup,
            format!("备份中的日志无法校验（{}）", e.message(crate::Lang::Zh)),
            format!(
                "the journal in the backup does not verify ({})",
                e.message(crate::Lang::En)
            ),
        )
    })?;
    if let Some(p) = &journal.problem {
        return Err(refused(
            ErrorCode::Mismatch,
            backup,
            format!("备份中的日志校验不通过：{}", p.message(crate::Lang::Zh)),
            format!(
                "the journal in the backup does not verify: {}",
                p.message(crate::Lang::En)
            ),
        ));
    }
    Ok(Checked {
        schema_version: version,
        journal,
    })
}

/// The database being replaced, as far as it could be read.
struct Previous {
    journal_head: Option<String>,
}

/// Makes sure no other process is writing the database and empties its WAL into the file. A damaged or
/// foreign file is still replaced (that is what restores are for), so only "busy" stops the restore here.
fn inspect_previous(db_path: &Path, busy_timeout: Duration) -> Result<Previous> {
    let Ok(conn) = Connection::open_with_flags(db_path, OpenFlags::SQLITE_OPEN_READ_WRITE) else {
        return Ok(Previous { journal_head: None });
    };
    conn.busy_timeout(busy_timeout)?;
    match conn.execute_batch("BEGIN IMMEDIATE; ROLLBACK;") {
        Ok(()) => {}
        Err(e) => {
            let mapped = map_open_error(db_path, e);
            if mapped.code() == ErrorCode::Busy {
                return Err(mapped);
            }
            return Ok(Previous { journal_head: None });
        }
    }
    // The checkpoint also waits for readers (up to the busy timeout): one still reading after that would lose
    // its WAL under its feet. A damaged file may refuse the checkpoint; its WAL is then kept beside the copy.
    if let Ok(1) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get::<_, i64>(0)) {
        return Err(Error::Busy {
            path: db_path.to_path_buf(),
        });
    }
    let journal_head = journal::head(&conn).ok().flatten().map(|(_, h)| hex::encode(h));
    drop(conn);
    Ok(Previous { journal_head })
}

/// `name` in `dir`, or `name-2`, `name-3`... if it is taken.
fn unused_name(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|i| dir.join(format!("{name}-{i}")))
        .find(|p| !p.exists() && !side_file(p, "-wal").exists())
        .unwrap_or(first)
}

/// Keeps the current database file under `kept` (with its WAL, if one is left) without the database name ever
/// pointing at nothing.
fn keep_previous(db_path: &Path, kept: &Path) -> Result<()> {
    if fs::hard_link(db_path, kept).is_err() {
        // File systems without hard links (FAT on a USB stick): a synced copy serves the same purpose.
        fs::copy(db_path, kept).map_err(|e| Error::io(kept, e))?;
        sync_file(kept)?;
    }
    let wal = side_file(db_path, "-wal");
    if wal.exists() {
        let kept_wal = side_file(kept, "-wal");
        if fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) == 0 {
            fs::remove_file(&wal).map_err(|e| Error::io(&wal, e))?;
        } else {
            fs::rename(&wal, &kept_wal).map_err(|e| Error::io(&kept_wal, e))?;
        }
    }
    // A rollback journal left by a bulk import that was killed (see `Db::with_rollback_journal`) belongs to the
    // previous file: it goes with the kept copy, or it would be played back into the restored database.
    let journal = side_file(db_path, "-journal");
    if journal.exists() {
        let kept_journal = side_file(kept, "-journal");
        fs::rename(&journal, &kept_journal).map_err(|e| Error::io(&kept_journal, e))?;
    }
    Ok(())
}

/// The message lines for a person.
impl BackupSummary {
    pub fn message(&self, lang: crate::Lang) -> String {
        tr!(
            lang,
            "已备份到 {}（{} 字节，SHA-256 {}）：结构版本 {}，{} 条日志，已校验完整",
            "backed up to {} ({} bytes, SHA-256 {}): schema {}, {} journal entries, verified",
            self.path.display(),
            self.bytes,
            self.sha256,
            self.snapshot.schema_version,
            self.snapshot.journal.checked
        )
    }
}

impl RestoreReport {
    pub fn message(&self, lang: crate::Lang) -> String {
        let kept = match &self.kept_previous {
            Some(p) => tr!(
                lang,
                "原数据库已保留为 {}",
                "the previous database was kept as {}",
                p.display()
            ),
            None => tr!(lang, "此前没有数据库", "there was no database before"),
        };
        tr!(
            lang,
            "已从 {1}（SHA-256 {2}）恢复 {0}：{3} 条日志已校验；{4}",
            "restored {0} from {1} (SHA-256 {2}): {3} journal entries verified; {4}",
            self.database.display(),
            self.backup.display(),
            self.backup_sha256,
            self.backup_journal.checked,
            kept
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use crate::registers;

    fn clock() -> FixedClock {
        FixedClock(chrono::DateTime::parse_from_rfc3339("2026-03-05T09:07:01+08:00").unwrap())
    }

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
        let mut db = Db::open(dir.path().join("a.sqlite3")).unwrap();
        let dest = dir.path().join("b").join("copy.sqlite3");
        let mut steps = Vec::new();
        let s = backup_to(&mut db, &dest, &clock(), &mut |done, total| {
            steps.push((done, total))
        })
        .unwrap();
        assert_eq!(s.path, dest);
        assert_eq!(s.snapshot.schema_version, crate::db::SCHEMA_VERSION);
        assert_eq!(s.bytes, std::fs::metadata(&dest).unwrap().len());
        assert!(s.pages > 0);
        assert_eq!(steps.last(), Some(&(s.pages, s.pages)));
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("b"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("copy.sqlite3")]);
        let copy = Db::open(&dest).unwrap();
        assert_eq!(registers::list_departments(copy.conn()).unwrap().len(), 17);
    }

    #[test]
    fn backup_never_overwrites_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(dir.path().join("a.sqlite3")).unwrap();
        let dest = dir.path().join("keep.sqlite3");
        std::fs::write(&dest, b"precious").unwrap();
        let e = backup_to(&mut db, &dest, &clock(), &mut |_, _| {}).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Invalid);
        assert!(e.to_string().contains("already exists"), "{e}");
        assert_eq!(std::fs::read(&dest).unwrap(), b"precious");
    }

    #[test]
    fn failed_backup_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(dir.path().join("a.sqlite3")).unwrap();
        // The destination directory is a file, so the copy cannot be created.
        let blocker = dir.path().join("blocker");
        std::fs::write(&blocker, b"x").unwrap();
        let e = backup_to(&mut db, &blocker.join("copy.sqlite3"), &clock(), &mut |_, _| {}).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Io);
        assert_eq!(std::fs::read(&blocker).unwrap(), b"x");
    }
}
