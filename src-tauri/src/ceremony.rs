//! Commands of the ceremony page (摇号): each step is one call into `fairdraw::ceremony::{steps, media}`, the
//! same functions `fairdraw ceremony …` calls, with the computer's clock and the operating system's randomness
//! for the app's secret.
//!
//! Every step that succeeds answers with the ceremony's new status (what `fairdraw ceremony status` shows) and
//! tells every window with a `ceremony-changed` event, on which the stage fetches its view again. A step that
//! fails changed nothing (the core's steps are one transaction each) and announces nothing.
//!
//! Which ceremony is on the stage is a setting (`stage.ceremony`); starting a ceremony puts it there. The
//! stage's one command that changes anything is `stage_reveal_next`: the operator may press space or → on
//! the projector's keyboard, and it runs the same core step as the console's reveal button.

use std::path::PathBuf;

use fairdraw::ceremony::{self, Ceremony, Status, media, steps};
use fairdraw::clock::{OsSecret, SystemClock};
use fairdraw::db::Db;
use fairdraw::{Error, ErrorCode};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::background::{db_call, job};
use crate::commands::SETTINGS_EVENT;
use crate::ipc::IpcError;
use crate::state::AppState;

/// Emitted to all windows after every successful ceremony step.
pub const CEREMONY_EVENT: &str = "ceremony-changed";

/// The payload of `ceremony-changed`.
#[derive(Clone, Debug, Serialize)]
pub struct CeremonyChanged {
    pub id: i64,
    pub state: ceremony::State,
}

fn announce<R: Runtime>(app: &AppHandle<R>, status: &Status) {
    let _ = app.emit(
        CEREMONY_EVENT,
        CeremonyChanged {
            id: status.ceremony.id,
            state: status.ceremony.state,
        },
    );
}

/// Runs one step on the database, then reads the new status and announces it.
async fn step<R: Runtime>(
    app: AppHandle<R>,
    id: i64,
    f: impl FnOnce(&mut Db) -> fairdraw::Result<()> + Send + 'static,
) -> Result<Status, IpcError> {
    let status = db_call(app.clone(), move |db| {
        f(db)?;
        ceremony::status(db.conn(), id)
    })
    .await?;
    announce(&app, &status);
    Ok(status)
}

/// Puts a ceremony on the stage (or the idle screen with `None`) and saves it in the settings.
fn put_on_stage<R: Runtime>(app: &AppHandle<R>, id: Option<i64>) -> Result<(), IpcError> {
    let s = app
        .state::<AppState>()
        .update_settings(|s| s.stage.ceremony = id)?;
    let _ = app.emit(SETTINGS_EVENT, &s);
    Ok(())
}

#[tauri::command]
pub async fn ceremony_list<R: Runtime>(app: AppHandle<R>) -> Result<Vec<Ceremony>, IpcError> {
    db_call(app, |db| ceremony::list(db.conn())).await
}

#[tauri::command]
pub async fn ceremony_status<R: Runtime>(app: AppHandle<R>, id: i64) -> Result<Status, IpcError> {
    db_call(app, move |db| ceremony::status(db.conn(), id)).await
}

#[tauri::command]
pub async fn ceremony_start<R: Runtime>(
    app: AppHandle<R>,
    task: String,
    operator: String,
    min_digits: Option<u32>,
) -> Result<Status, IpcError> {
    let status = db_call(app.clone(), move |db| {
        let c = steps::start(db, &SystemClock, &task, &operator, min_digits)?;
        ceremony::status(db.conn(), c.id)
    })
    .await?;
    put_on_stage(&app, Some(status.ceremony.id))?;
    announce(&app, &status);
    Ok(status)
}

#[tauri::command]
pub async fn ceremony_freeze<R: Runtime>(app: AppHandle<R>, id: i64) -> Result<Status, IpcError> {
    step(app, id, move |db| steps::freeze(db, &SystemClock, id).map(drop)).await
}

#[tauri::command]
pub async fn ceremony_commit<R: Runtime>(app: AppHandle<R>, id: i64) -> Result<Status, IpcError> {
    step(app, id, move |db| {
        steps::commit(db, &SystemClock, id, &mut OsSecret).map(drop)
    })
    .await
}

#[tauri::command]
pub async fn ceremony_add_witness<R: Runtime>(
    app: AppHandle<R>,
    id: i64,
    name: String,
    role: String,
    unit: String,
) -> Result<Status, IpcError> {
    step(app, id, move |db| {
        steps::add_witness(db, &SystemClock, id, &name, &role, &unit).map(drop)
    })
    .await
}

#[tauri::command]
pub async fn ceremony_close_witnesses<R: Runtime>(app: AppHandle<R>, id: i64) -> Result<Status, IpcError> {
    step(app, id, move |db| {
        steps::close_witnesses(db, &SystemClock, id).map(drop)
    })
    .await
}

#[tauri::command]
pub async fn ceremony_add_entropy<R: Runtime>(
    app: AppHandle<R>,
    id: i64,
    witness: String,
    digits: String,
) -> Result<Status, IpcError> {
    step(app, id, move |db| {
        steps::add_entropy(db, &SystemClock, id, &witness, &digits).map(drop)
    })
    .await
}

#[tauri::command]
pub async fn ceremony_seed<R: Runtime>(app: AppHandle<R>, id: i64) -> Result<Status, IpcError> {
    step(app, id, move |db| steps::seed(db, &SystemClock, id).map(drop)).await
}

#[tauri::command]
pub async fn ceremony_reveal<R: Runtime>(app: AppHandle<R>, id: i64, all: bool) -> Result<Status, IpcError> {
    step(app, id, move |db| {
        steps::reveal(db, &SystemClock, id, all).map(drop)
    })
    .await
}

#[tauri::command]
pub async fn ceremony_seal<R: Runtime>(app: AppHandle<R>, id: i64) -> Result<Status, IpcError> {
    step(app, id, move |db| steps::seal(db, &SystemClock, id).map(drop)).await
}

#[tauri::command]
pub async fn ceremony_void<R: Runtime>(
    app: AppHandle<R>,
    id: i64,
    reason: String,
    operator: String,
) -> Result<Status, IpcError> {
    step(app, id, move |db| {
        steps::void(db, &SystemClock, id, &reason, &operator).map(drop)
    })
    .await
}

#[tauri::command]
pub async fn ceremony_mark<R: Runtime>(app: AppHandle<R>, id: i64, text: String) -> Result<Status, IpcError> {
    step(app, id, move |db| {
        media::mark(db, &SystemClock, id, &text).map(drop)
    })
    .await
}

#[tauri::command]
pub async fn ceremony_record_start<R: Runtime>(
    app: AppHandle<R>,
    id: i64,
    device: String,
) -> Result<Status, IpcError> {
    step(app, id, move |db| {
        media::record_start(db, &SystemClock, id, &device).map(drop)
    })
    .await
}

#[tauri::command]
pub async fn ceremony_record_stop<R: Runtime>(
    app: AppHandle<R>,
    id: i64,
    device: String,
) -> Result<Status, IpcError> {
    step(app, id, move |db| {
        media::record_stop(db, &SystemClock, id, &device).map(drop)
    })
    .await
}

/// Hashes and attaches the video file of a sealed ceremony as a background job of kind `video` (progress in
/// bytes), so the window stays responsive while gigabytes are read.
#[tauri::command]
pub async fn ceremony_attach_video<R: Runtime>(
    app: AppHandle<R>,
    id: i64,
    path: PathBuf,
) -> Result<media::Video, IpcError> {
    // The file is hashed without holding the database (minutes for a long recording on a slow disk), so the
    // other pages keep working meanwhile; the ceremony is checked before and the video recorded after.
    let video = job(app.clone(), "video", move |state, progress| {
        state.with_db(|db| media::check_attachable(db, id))?;
        let (sha256, size) =
            media::hash_file(&path, progress).map_err(|e| IpcError::from_core(&e, state.lang()))?;
        state.with_db(|db| media::record_video(db, &SystemClock, id, &path, &sha256, size))
    })
    .await?;
    let _ = app.emit(
        CEREMONY_EVENT,
        CeremonyChanged {
            id,
            state: ceremony::State::Sealed,
        },
    );
    Ok(video)
}

#[tauri::command]
pub async fn ceremony_videos<R: Runtime>(app: AppHandle<R>, id: i64) -> Result<Vec<media::Video>, IpcError> {
    db_call(app, move |db| media::videos(db.conn(), id)).await
}

/// Shows a ceremony on the stage (`None`: the idle screen). The ceremony must exist.
#[tauri::command]
pub async fn set_stage_ceremony<R: Runtime>(app: AppHandle<R>, id: Option<i64>) -> Result<(), IpcError> {
    if let Some(id) = id {
        db_call(app.clone(), move |db| ceremony::get(db.conn(), id).map(drop)).await?;
    }
    put_on_stage(&app, id)
}

/// Reveals the next target of the ceremony on the stage: space or → pressed on the projector.
#[tauri::command]
pub async fn stage_reveal_next<R: Runtime>(app: AppHandle<R>) -> Result<Status, IpcError> {
    let state = app.state::<AppState>();
    let Some(id) = state.settings().stage.ceremony else {
        let e = Error::other(ErrorCode::State, "投屏上没有摇号", "no ceremony is on the stage");
        return Err(IpcError::from_core(&e, state.lang()));
    };
    step(app.clone(), id, move |db| {
        steps::reveal(db, &SystemClock, id, false).map(drop)
    })
    .await
}
