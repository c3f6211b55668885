//! Running core calls off the window's thread, and reporting the progress of long ones as events.
//!
//! Every database command is `async` and runs its core call on Tauri's blocking thread pool
//! ([`db_call`]), so a slow query never freezes the window. Long work (a backup, an import, an export) goes
//! through [`db_job`], which gives the core function a `progress(done, total)` callback and turns it into `job`
//! events — `started`, `progress` (at most ten a second, plus the last one),
//! then `done` or `failed` with the `{code, message}` error — that any window can listen to. [`job`] is the
//! same for work that holds the database only for its short steps (hashing a video of several gigabytes).

use std::time::{Duration, Instant};

use fairdraw::db::Db;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::ipc::IpcError;
use crate::state::AppState;

/// The name of the progress event.
pub const JOB_EVENT: &str = "job";

/// The smallest interval between two progress events of one job.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// Where a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Started,
    Progress,
    Done,
    Failed,
}

/// The payload of a `job` event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JobEvent {
    /// Unique within this run of the app.
    pub id: u64,
    /// What the job does, e.g. `backup`.
    pub kind: &'static str,
    pub state: JobState,
    /// Units done and in total (their meaning depends on the kind: pages, rows, bytes).
    pub done: u64,
    pub total: u64,
    /// Set when `state` is `failed`.
    pub error: Option<IpcError>,
}

/// Decides which progress reports become events: the first, the last (done == total), and otherwise at
/// most one per interval.
#[derive(Debug)]
pub struct Throttle {
    interval: Duration,
    last: Option<Instant>,
}

impl Throttle {
    pub fn new(interval: Duration) -> Throttle {
        Throttle { interval, last: None }
    }

    /// Whether a report at `now` should be sent.
    pub fn admit(&mut self, now: Instant, finished: bool) -> bool {
        let due = match self.last {
            None => true,
            Some(last) => finished || now.duration_since(last) >= self.interval,
        };
        if due {
            self.last = Some(now);
        }
        due
    }
}

/// Runs `f` with the state on the blocking thread pool.
pub async fn blocking<R: Runtime, T: Send + 'static>(
    app: AppHandle<R>,
    f: impl FnOnce(&AppState) -> Result<T, IpcError> + Send + 'static,
) -> Result<T, IpcError> {
    let lang = app.state::<AppState>().lang();
    let task = tauri::async_runtime::spawn_blocking(move || f(&app.state::<AppState>()));
    // The task only fails to join if it panicked, which is a bug; the user still gets an error value.
    task.await.map_err(|e| IpcError::shell(lang, &e))?
}

/// Runs a core call on the database without blocking the window.
pub async fn db_call<R: Runtime, T: Send + 'static>(
    app: AppHandle<R>,
    f: impl FnOnce(&mut Db) -> fairdraw::Result<T> + Send + 'static,
) -> Result<T, IpcError> {
    blocking(app, move |state| state.with_db(f)).await
}

/// Runs long work on the database, emitting `job` events of `kind` as it goes.
pub async fn db_job<R: Runtime, T: Send + 'static>(
    app: AppHandle<R>,
    kind: &'static str,
    work: impl FnOnce(&mut Db, &mut dyn FnMut(u64, u64)) -> fairdraw::Result<T> + Send + 'static,
) -> Result<T, IpcError> {
    job(app, kind, move |state, progress| {
        state.with_db(|db| work(db, progress))
    })
    .await
}

/// Runs long work with the state on the blocking thread pool, emitting `job` events of `kind` as it goes.
/// Unlike [`db_job`], the work takes the database only where it needs it (`AppState::with_db`), so that
/// other commands are not kept waiting while it reads a large file.
pub async fn job<R: Runtime, T: Send + 'static>(
    app: AppHandle<R>,
    kind: &'static str,
    work: impl FnOnce(&AppState, &mut dyn FnMut(u64, u64)) -> Result<T, IpcError> + Send + 'static,
) -> Result<T, IpcError> {
    let id = app.state::<AppState>().next_job_id();
    let event = move |state, done, total, error| JobEvent {
        id,
        kind,
        state,
        done,
        total,
        error,
    };
    let _ = app.emit(JOB_EVENT, event(JobState::Started, 0, 0, None));
    let emitter = app.clone();
    let outcome = blocking(app.clone(), move |state| {
        let (mut last_done, mut last_total) = (0, 0);
        let mut throttle = Throttle::new(PROGRESS_INTERVAL);
        let result = work(state, &mut |done, total| {
            if throttle.admit(Instant::now(), done >= total) {
                let _ = emitter.emit(JOB_EVENT, event(JobState::Progress, done, total, None));
            }
            (last_done, last_total) = (done, total);
        });
        result.map(|value| (value, last_done, last_total))
    })
    .await;
    match outcome {
        Ok((value, done, total)) => {
            let _ = app.emit(JOB_EVENT, event(JobState::Done, done, total, None));
            Ok(value)
        }
        Err(e) => {
            let _ = app.emit(JOB_EVENT, event(JobState::Failed, 0, 0, Some(e.clone())));
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_admits_first_last_and_one_per_interval() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut t = Throttle::new(Duration::from_millis(100));
        assert!(t.admit(ms(0), false));
        assert!(!t.admit(ms(50), false));
        assert!(!t.admit(ms(99), false));
        assert!(t.admit(ms(100), false));
        assert!(!t.admit(ms(150), false));
        assert!(t.admit(ms(151), true), "the final report always goes out");
    }
}
