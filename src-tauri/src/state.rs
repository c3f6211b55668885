//! The state the shell shares between commands (`.manage(AppState)`): the database, the settings and a few
//! flags of the process.
//!
//! The database is opened on first use rather than at startup, so the window appears without waiting for
//! migrations, and so that a database that cannot be opened (busy, newer, damaged) is reported in the window
//! with its code instead of stopping the app. A failed open is retried on the next call: a busy database
//! may be free a moment later.
//!
//! No lock of this state is ever held beyond one of its methods. A window call made off the main thread
//! waits for the main thread, and synchronous commands and window events run on the main thread and take
//! these locks: holding one across a window call deadlocks the app (the end-to-end tests caught exactly
//! that, with `stage_view` holding the settings while asking whether the stage is full screen).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use fairdraw::Lang;
use fairdraw::db::{Db, SCHEMA_VERSION};
use serde::Serialize;

use crate::ipc::IpcError;
use crate::settings::{self, Settings, SettingsStore};

/// The shared state of the app.
#[derive(Debug)]
pub struct AppState {
    db_path: PathBuf,
    db: Mutex<Option<Db>>,
    settings: Mutex<SettingsStore>,
    /// Set when the console is closing: the stage then closes too, but it stays "open" in the settings so
    /// the next start restores it.
    pub quitting: AtomicBool,
    ready_reported: AtomicBool,
    next_job: AtomicU64,
}

/// What the settings page and the error banner show about the database.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DbStatus {
    pub path: PathBuf,
    /// The schema version of the open database; `None` if it could not be opened.
    pub schema_version: Option<i64>,
    /// The newest schema this program reads and writes.
    pub supported_schema_version: i64,
    /// Why the database could not be opened.
    pub error: Option<IpcError>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock is a bug already reported; the data itself (a connection, settings)
    // is still consistent because every change to it is transactional or atomic.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl AppState {
    /// State for the database at `db_path`, with the settings file next to it.
    pub fn new(db_path: PathBuf) -> AppState {
        let settings = SettingsStore::load(settings::path_for_db(&db_path));
        AppState {
            db_path,
            db: Mutex::new(None),
            settings: Mutex::new(settings),
            quitting: AtomicBool::new(false),
            ready_reported: AtomicBool::new(false),
            next_job: AtomicU64::new(1),
        }
    }

    /// The database file.
    pub fn db_path(&self) -> &Path {
        &self.db_path
    }

    /// The language of messages now.
    pub fn lang(&self) -> Lang {
        lock(&self.settings).get().lang
    }

    /// Runs `f` on the database, opening it first if needed. Blocks: call it from a blocking task.
    pub fn with_db<T>(&self, f: impl FnOnce(&mut Db) -> fairdraw::Result<T>) -> Result<T, IpcError> {
        let lang = self.lang();
        let mut slot = lock(&self.db);
        let db = match slot.take() {
            Some(db) => db,
            None => Db::open(&self.db_path).map_err(|e| IpcError::from_core(&e, lang))?,
        };
        f(slot.insert(db)).map_err(|e| IpcError::from_core(&e, lang))
    }

    /// Opens the database if needed and reports its state.
    pub fn db_status(&self) -> DbStatus {
        let (schema_version, error) = match self.with_db(|db| db.schema_version()) {
            Ok(v) => (Some(v), None),
            Err(e) => (None, Some(e)),
        };
        DbStatus {
            path: self.db_path.clone(),
            schema_version,
            supported_schema_version: SCHEMA_VERSION,
            error,
        }
    }

    /// A copy of the current settings. The lock is held only inside this type's methods, never while a
    /// caller goes on to call the window system (see the module comment).
    pub fn settings(&self) -> Settings {
        lock(&self.settings).get().clone()
    }

    /// The settings file and why it was not used at startup, if it was not.
    pub fn settings_file(&self) -> (PathBuf, Option<String>) {
        let store = lock(&self.settings);
        (store.path().to_path_buf(), store.warning().map(str::to_string))
    }

    /// Changes and saves the settings; on failure nothing changes.
    pub fn update_settings(&self, change: impl FnOnce(&mut Settings)) -> Result<Settings, IpcError> {
        let mut store = lock(&self.settings);
        let lang = store.get().lang;
        store.update(change).map_err(|e| IpcError::from_core(&e, lang))
    }

    /// True the first time it is called: the console reports "ready" once per process.
    pub fn first_ready(&self) -> bool {
        !self.ready_reported.swap(true, Ordering::SeqCst)
    }

    /// A fresh id for a background job.
    pub fn next_job_id(&self) -> u64 {
        self.next_job.fetch_add(1, Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fairdraw::ErrorCode;

    #[test]
    fn database_opens_on_first_use_and_reports_its_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fd.sqlite3");
        let state = AppState::new(path.clone());
        assert!(!path.exists(), "nothing is created before the first call");
        let status = state.db_status();
        assert_eq!(status.error, None);
        assert_eq!(status.schema_version, Some(SCHEMA_VERSION));
        assert_eq!(status.path, path);
        let n = state
            .with_db(|db| fairdraw::registers::list_departments(db.conn()))
            .unwrap()
            .len();
        assert_eq!(n, 17);
    }

    #[test]
    fn a_newer_database_is_reported_with_its_code_in_the_settings_language() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.sqlite3");
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE x (a INTEGER); PRAGMA user_version = 999;")
            .unwrap();
        let state = AppState::new(path.clone());
        let e = state.db_status().error.unwrap();
        assert_eq!(e.code, ErrorCode::NewerSchema);
        assert!(
            e.message.contains("该数据库由更新版本的 fairdraw 写入"),
            "{}",
            e.message
        );
        state.update_settings(|s| s.lang = Lang::En).unwrap();
        let e = state.with_db(|db| db.schema_version()).unwrap_err();
        assert!(
            e.message.contains("written by a newer version of fairdraw"),
            "{}",
            e.message
        );
    }

    #[test]
    fn ready_is_reported_once() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::new(dir.path().join("x.sqlite3"));
        assert!(state.first_ready());
        assert!(!state.first_ready());
    }
}
