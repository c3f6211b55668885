//! The `#[tauri::command]`s: each is one call into the core (or into the shell's window and settings
//! modules), run off the window's thread, with errors as `{code, message}`.
//!
//! Which window may call which command is decided by the capabilities (`capabilities/*.json`,
//! `permissions/sets.toml`): the stage may only read what it shows. The list of names is in
//! `command_names.rs`, shared with `build.rs`.

use chrono::Local;
use fairdraw::Lang;
use fairdraw::backup::{self, BackupSummary};
use fairdraw::browse::{self, Page, PageQuery};
use fairdraw::clock::SystemClock;
use fairdraw::model::{Department, Entity, Inspector, Item};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::background::{blocking, db_call, db_job};
use crate::ipc::IpcError;
use crate::settings::{Settings, Theme};
use crate::stage::{self, StageView};
use crate::state::{AppState, DbStatus};
use crate::windows::{self, MonitorInfo, WindowsState};

/// Emitted to all windows with the new [`Settings`] whenever they change.
pub const SETTINGS_EVENT: &str = "settings-changed";

/// The program and where its files are.
#[derive(Clone, Debug, Serialize)]
pub struct AppInfo {
    pub version: &'static str,
    pub tauri_version: &'static str,
    pub db_path: std::path::PathBuf,
    pub settings_path: std::path::PathBuf,
    pub supported_schema_version: i64,
}

/// The settings and the file they come from.
#[derive(Clone, Debug, Serialize)]
pub struct SettingsView {
    pub settings: Settings,
    pub path: std::path::PathBuf,
    /// Why the settings file was not used, if it was not.
    pub warning: Option<String>,
}

/// Row counts of the four registers.
#[derive(Clone, Debug, Serialize)]
pub struct RegisterCounts {
    pub departments: i64,
    pub entities: i64,
    pub inspectors: i64,
    pub items: i64,
}

fn state<R: Runtime>(app: &AppHandle<R>) -> tauri::State<'_, AppState> {
    app.state::<AppState>()
}

/// Saves a settings change and tells every window.
fn change_settings<R: Runtime>(
    app: &AppHandle<R>,
    f: impl FnOnce(&mut Settings),
) -> Result<Settings, IpcError> {
    let s = state(app).update_settings(f)?;
    let _ = app.emit(SETTINGS_EVENT, &s);
    Ok(s)
}

#[tauri::command]
pub fn app_info<R: Runtime>(app: AppHandle<R>) -> AppInfo {
    let s = state(&app);
    AppInfo {
        version: env!("CARGO_PKG_VERSION"),
        tauri_version: tauri::VERSION,
        db_path: s.db_path().to_path_buf(),
        settings_path: s.settings_file().0,
        supported_schema_version: fairdraw::db::SCHEMA_VERSION,
    }
}

#[tauri::command]
pub async fn db_status<R: Runtime>(app: AppHandle<R>) -> Result<DbStatus, IpcError> {
    blocking(app, |s| Ok(s.db_status())).await
}

#[tauri::command]
pub async fn register_counts<R: Runtime>(app: AppHandle<R>) -> Result<RegisterCounts, IpcError> {
    db_call(app, |db| stage::register_counts(db)).await
}

#[tauri::command]
pub async fn list_departments<R: Runtime>(
    app: AppHandle<R>,
    page: PageQuery,
) -> Result<Page<Department>, IpcError> {
    db_call(app, move |db| browse::departments(db.conn(), &page)).await
}

#[tauri::command]
pub async fn list_entities<R: Runtime>(app: AppHandle<R>, page: PageQuery) -> Result<Page<Entity>, IpcError> {
    db_call(app, move |db| browse::entities(db.conn(), &page)).await
}

#[tauri::command]
pub async fn list_inspectors<R: Runtime>(
    app: AppHandle<R>,
    page: PageQuery,
) -> Result<Page<Inspector>, IpcError> {
    db_call(app, move |db| browse::inspectors(db.conn(), &page)).await
}

#[tauri::command]
pub async fn list_items<R: Runtime>(app: AppHandle<R>, page: PageQuery) -> Result<Page<Item>, IpcError> {
    db_call(app, move |db| browse::items(db.conn(), &page)).await
}

#[tauri::command]
pub fn get_settings<R: Runtime>(app: AppHandle<R>) -> SettingsView {
    let state = state(&app);
    let (path, warning) = state.settings_file();
    SettingsView {
        settings: state.settings(),
        path,
        warning,
    }
}

#[tauri::command]
pub fn set_language<R: Runtime>(app: AppHandle<R>, lang: Lang) -> Result<Settings, IpcError> {
    change_settings(&app, |s| s.lang = lang)
}

#[tauri::command]
pub async fn set_department<R: Runtime>(
    app: AppHandle<R>,
    code: Option<String>,
) -> Result<Settings, IpcError> {
    let code = db_call(app.clone(), move |db| stage::known_department(db, code)).await?;
    change_settings(&app, |s| s.department = code)
}

#[tauri::command]
pub fn set_stage_theme<R: Runtime>(app: AppHandle<R>, theme: Theme) -> Result<Settings, IpcError> {
    change_settings(&app, |s| s.stage.theme = theme)
}

#[tauri::command]
pub async fn set_stage_monitor<R: Runtime>(
    app: AppHandle<R>,
    name: Option<String>,
) -> Result<Settings, IpcError> {
    let name = stage::known_monitor(&app, name)?;
    change_settings(&app, |s| s.stage.monitor = name)
}

#[tauri::command]
pub async fn list_monitors<R: Runtime>(app: AppHandle<R>) -> Result<Vec<MonitorInfo>, IpcError> {
    windows::monitors(&app).map_err(|e| IpcError::shell(state(&app).lang(), &e))
}

#[tauri::command]
pub fn windows_state<R: Runtime>(app: AppHandle<R>) -> WindowsState {
    windows::windows_state(&app)
}

// Window commands are async: creating a window from a synchronous command deadlocks on Windows.
#[tauri::command]
pub async fn open_stage<R: Runtime>(app: AppHandle<R>) -> Result<WindowsState, IpcError> {
    windows::open_stage(&app)
}

#[tauri::command]
pub async fn close_stage<R: Runtime>(app: AppHandle<R>) -> Result<WindowsState, IpcError> {
    windows::close_stage(&app)
}

#[tauri::command]
pub async fn toggle_stage_fullscreen<R: Runtime>(app: AppHandle<R>) -> Result<WindowsState, IpcError> {
    windows::toggle_stage_fullscreen(&app)
}

#[tauri::command]
pub async fn stage_view<R: Runtime>(app: AppHandle<R>) -> Result<StageView, IpcError> {
    let (settings, fullscreen) = (
        state(&app).settings(),
        windows::windows_state(&app).stage_fullscreen,
    );
    db_call(app, move |db| stage::view(db, &settings, fullscreen)).await
}

#[tauri::command]
pub async fn backup_database<R: Runtime>(app: AppHandle<R>) -> Result<BackupSummary, IpcError> {
    let now = Local::now().naive_local();
    db_job(app, "backup", move |db, progress| {
        let out = backup::default_backup_path(db.path(), now);
        backup::backup_to(db, &out, &SystemClock, progress)
    })
    .await
}

/// Called by the console once its first page shows real data; prints the moment (Unix milliseconds) on
/// stderr once per run, which `scripts/app-startup-bench.sh` reads to measure the cold start.
#[tauri::command]
pub fn ui_ready<R: Runtime>(app: AppHandle<R>) {
    if state(&app).first_ready() {
        let ms = chrono::Utc::now().timestamp_millis();
        eprintln!("fairdraw-app: console ready at {ms}");
    }
}
