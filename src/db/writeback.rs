//! Starting the operating system's writeback of a database file early, during a long write.
//!
//! A bulk load into an empty entity table (rollback-journal mode, see `Db::with_rollback_journal`) hands
//! SQLite's pages to the kernel as its page cache spills, but the kernel keeps them dirty in memory until the
//! commit's `fsync` (with 24 GB of memory it starts writing on its own only after 30 s), so the commit waited
//! for the whole 280 MB table to reach the disk: about 0.4–0.9 s. [`Writeback::tick`], called by the import's merge
//! thread as it hands over rows, asks the kernel at most every quarter second to start writing what is dirty already (`sync_file_range(SYNC_FILE_RANGE_WRITE)`: a request
//! to begin, which waits for nothing and promises nothing), so that by the commit most pages are on the disk
//! and the `fsync` has little left to do.
//!
//! Nothing about durability changes: the commit still syncs the journal and the database exactly as before
//! (`synchronous=FULL`), and a crash at any moment leaves what it left before, since writing a page to the disk
//! earlier is something the kernel may do at any time anyway. SQLite's own file descriptor is used, found in
//! `/proc/self/fd`: opening and closing another descriptor of the file would release SQLite's POSIX locks on
//! it. Linux only; elsewhere, and whenever anything fails, the hint is simply not given.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How often [`Writeback::tick`] starts the writeback.
const EVERY: Duration = Duration::from_millis(250);

/// Starts the writeback of a database file and of its write-ahead log at most every [`EVERY`], when asked to by
/// a thread that works beside the writes (the import's merge), so that no thread of its own is needed.
pub struct Writeback {
    files: [PathBuf; 2],
    last: Instant,
}

impl Writeback {
    /// For the database file at `path`; `None` for an in-memory database (an empty path) and off Linux.
    pub fn new(path: Option<&str>) -> Option<Writeback> {
        let path = path.filter(|p| !p.is_empty() && cfg!(target_os = "linux"))?;
        Some(Writeback {
            // The write-ahead log too, for an import that runs in WAL mode (its commit syncs the log).
            files: [PathBuf::from(path), PathBuf::from(format!("{path}-wal"))],
            last: Instant::now(),
        })
    }

    /// Starts the writeback of both files if the last start is [`EVERY`] ago.
    pub fn tick(&mut self) {
        if self.last.elapsed() >= EVERY {
            self.files.iter().for_each(|f| start_writeback(f));
            self.last = Instant::now();
        }
    }
}

/// Starts the writeback of every dirty page of `path` through each descriptor this process holds on it. The
/// descriptors are looked up each time: SQLite may reopen the file. A descriptor closed and reused for another
/// file in between gets the same harmless request.
#[cfg(target_os = "linux")]
pub fn start_writeback(path: &Path) {
    for fd in descriptors_of(path) {
        // SAFETY: `sync_file_range` reads no memory of ours; on a descriptor that is not (or no longer) a
        // regular file it fails with an error, which is ignored like any other: the hint is optional.
        unsafe {
            libc::sync_file_range(fd, 0, 0, libc::SYNC_FILE_RANGE_WRITE);
        }
    }
}

/// The descriptors this process holds on `path`, found in `/proc/self/fd` (nothing is opened: opening and
/// closing a descriptor of the file would release SQLite's POSIX locks on it).
#[cfg(target_os = "linux")]
fn descriptors_of(path: &Path) -> Vec<libc::c_int> {
    let Ok(target) = std::fs::canonicalize(path) else {
        return Vec::new();
    };
    let Ok(fds) = std::fs::read_dir("/proc/self/fd") else {
        return Vec::new();
    };
    fds.flatten()
        .filter(|entry| std::fs::read_link(entry.path()).is_ok_and(|link| link == target))
        .filter_map(|entry| entry.file_name().to_str().and_then(|n| n.parse().ok()))
        .collect()
}

/// Not available: the commit's `fsync` does all the writing, as it always did.
#[cfg(not(target_os = "linux"))]
pub fn start_writeback(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn the_hint_changes_nothing_and_fails_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.sqlite3");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE t (x); PRAGMA synchronous = FULL; BEGIN;")
            .unwrap();
        let mut writeback = Writeback::new(conn.path()).unwrap();
        assert_eq!(writeback.files[1], dir.path().join("x.sqlite3-wal"));
        for i in 0..2000 {
            conn.execute("INSERT INTO t VALUES (?1)", [i]).unwrap();
            if i % 500 == 0 {
                writeback.last -= EVERY;
                writeback.tick();
            }
        }
        // The hint reaches SQLite's own descriptor of the file (and none is left once it is closed, below).
        assert!(!descriptors_of(&path).is_empty());
        conn.execute_batch("COMMIT").unwrap();
        // The hint on a missing file and on a folder.
        start_writeback(&dir.path().join("missing"));
        start_writeback(dir.path());
        assert!(Writeback::new(Some("")).is_none() && Writeback::new(None).is_none());
        drop(conn);
        assert_eq!(descriptors_of(&path), Vec::<libc::c_int>::new());
        let count = |conn: rusqlite::Connection| {
            conn.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))
                .unwrap()
        };
        assert_eq!(count(rusqlite::Connection::open(&path).unwrap()), 2000);
    }
}
