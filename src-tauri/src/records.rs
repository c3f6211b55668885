//! Commands of the records and verify pages: the list of ceremonies, the export of a ceremony's PDF record
//! with its bundle, the export of a sealed ceremony's bundle alone, and the verification of a bundle file.
//!
//! Each is the call the command-line tool makes: `fairdraw ceremony list` (`ceremony::list`),
//! `fairdraw record export` (`record::export`), `fairdraw ceremony export` (`ceremony::record::export`) and
//! `fairdraw verify` (`bundle::verify_path`). Exports and verify run off the window's thread;
//! the exports are `job`s of kind `record` (four steps) and `bundle`.

use std::path::PathBuf;

use fairdraw::bundle::{self, Verdict};
use fairdraw::ceremony::{self, Ceremony};
use fairdraw::pdf::Fonts;
use fairdraw::record::{self, Exported};
use serde_json::Value;
use tauri::{AppHandle, Runtime};

use crate::background::{db_call, db_job};
use crate::import::core_call;
use crate::ipc::IpcError;

#[tauri::command]
pub async fn list_ceremonies<R: Runtime>(app: AppHandle<R>) -> Result<Vec<Ceremony>, IpcError> {
    db_call(app, |db| ceremony::list(db.conn())).await
}

#[tauri::command]
pub async fn export_bundle<R: Runtime>(
    app: AppHandle<R>,
    ceremony: i64,
    out: PathBuf,
) -> Result<Value, IpcError> {
    db_job(app, "bundle", move |db, _| {
        ceremony::record::export(db.conn(), ceremony, &out)
    })
    .await
}

#[tauri::command]
pub async fn export_record<R: Runtime>(
    app: AppHandle<R>,
    ceremony: i64,
    dir: PathBuf,
) -> Result<Exported, IpcError> {
    db_job(app, "record", move |db, progress| {
        let mut step = 0;
        record::export(db.conn(), ceremony, &dir, &Fonts::load_default()?, &mut |_| {
            step += 1;
            progress(step, 4)
        })
    })
    .await
}

#[tauri::command]
pub async fn verify_bundle<R: Runtime>(app: AppHandle<R>, path: PathBuf) -> Result<Verdict, IpcError> {
    core_call(app, move || bundle::verify_path(&path)).await
}
