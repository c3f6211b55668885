//! Commands of the import page and of the app's file chooser: list a local folder, preview a spreadsheet as
//! an import would read it, and import it in the background with progress events.
//!
//! Each is one call into the core (`fairdraw::folders`, `fairdraw::import`). The import runs as a `job` of
//! kind `import` (see `background`), so a file of 100,000 rows never freezes the window, and a refused
//! all-or-nothing import comes back as its summary (`committed: false`) so the page can show the problems.

use std::path::PathBuf;

use chrono::Local;
use fairdraw::folders::{self, Folder};
use fairdraw::import::{self, ImportOptions, ImportSummary, Preview};
use fairdraw::model::Register;
use serde::Deserialize;
use tauri::{AppHandle, Runtime};

use crate::background::{blocking, db_call, db_job};
use crate::ipc::IpcError;

/// Runs a core call that needs no database off the window's thread.
pub(crate) async fn core_call<R: Runtime, T: Send + 'static>(
    app: AppHandle<R>,
    f: impl FnOnce() -> fairdraw::Result<T> + Send + 'static,
) -> Result<T, IpcError> {
    blocking(app, move |state| {
        f().map_err(|e| IpcError::from_core(&e, state.lang()))
    })
    .await
}

/// What the import page asks for: the choices of `fairdraw import`'s options.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// The sheet (default: the first with a header row).
    #[serde(default)]
    pub sheet: Option<String>,
    /// `[field, header]` pairs chosen on the mapping screen; an empty header takes a column away from a field.
    #[serde(default)]
    pub mappings: Vec<(String, String)>,
    /// Import only the valid rows (explicit); the default is all-or-nothing.
    #[serde(default)]
    pub partial: bool,
    /// Where the rejected rows go (`.xlsx` or `.csv`).
    #[serde(default)]
    pub report: Option<PathBuf>,
}

impl ImportRequest {
    fn options(self, lang: fairdraw::Lang) -> ImportOptions {
        ImportOptions {
            sheet: self.sheet.filter(|s| !s.trim().is_empty()),
            mappings: self.mappings,
            partial: self.partial,
            report: self.report.filter(|p| !p.as_os_str().is_empty()),
            lang,
        }
    }
}

#[tauri::command]
pub async fn list_folder<R: Runtime>(
    app: AppHandle<R>,
    path: Option<PathBuf>,
    extensions: Vec<String>,
) -> Result<Folder, IpcError> {
    core_call(app, move || folders::list(path.as_deref(), &extensions)).await
}

#[tauri::command]
pub async fn import_preview<R: Runtime>(
    app: AppHandle<R>,
    register: Register,
    path: PathBuf,
    request: ImportRequest,
) -> Result<Preview, IpcError> {
    let options = request.options(lang(&app));
    db_call(app, move |db| {
        import::preview(db.conn(), &path, register, &options)
    })
    .await
}

#[tauri::command]
pub async fn import_register<R: Runtime>(
    app: AppHandle<R>,
    register: Register,
    path: PathBuf,
    request: ImportRequest,
) -> Result<ImportSummary, IpcError> {
    let (options, now) = (request.options(lang(&app)), Local::now().fixed_offset());
    db_job(app, "import", move |db, progress| {
        import::import_or_summary(db, register, &path, &options, now, &mut |p| {
            let (done, total) = p.units();
            progress(done, total)
        })
    })
    .await
}

fn lang<R: Runtime>(app: &AppHandle<R>) -> fairdraw::Lang {
    use tauri::Manager;
    app.state::<crate::state::AppState>().lang()
}
