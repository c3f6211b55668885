//! fairdraw's desktop app: a thin Tauri v2 shell over the `fairdraw` core crate, with two windows — the
//! operator's console and the projector's stage — whose frontend is the static files in `ui/`.
//!
//! The shell owns no domain logic: commands (`commands`) are one-line calls into the core, run off the
//! window's thread (`background`), with errors sent as `{code, message}` (`ipc`). It adds only what a
//! desktop needs: the two windows and where they appear (`windows`, `stage`), and the app's preferences
//! (`settings`). See `docs/ARCHITECTURE.md`.

mod background;
/// The names of the app's commands (shared with `build.rs`, which includes the file, so it has no `//!` comment).
mod command_names;
mod commands;
mod ipc;
mod settings;
mod stage;
mod state;
#[cfg(test)]
mod tests;
mod windows;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use tauri::Runtime;

pub use command_names::{COMMANDS, STAGE_COMMANDS};
pub use ipc::{ERROR_CODES, IpcError};
pub use state::AppState;

/// fairdraw-app — 双随机公开摇号 desktop app.
#[derive(Parser, Debug)]
#[command(name = "fairdraw-app", version, about)]
struct Cli {
    /// Database file (default: fairdraw.sqlite3 in the per-user data directory). The app's settings are
    /// kept next to it in fairdraw-app.json.
    #[arg(long, value_name = "PATH", env = "FAIRDRAW_DB")]
    db: Option<PathBuf>,
}

/// Adds the app's state, commands and window handling to a Tauri builder (the real one or a test's mock).
pub fn setup<R: Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    builder
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::db_status,
            commands::register_counts,
            commands::list_departments,
            commands::list_entities,
            commands::list_inspectors,
            commands::list_items,
            commands::get_settings,
            commands::set_language,
            commands::set_department,
            commands::set_stage_theme,
            commands::set_stage_monitor,
            commands::list_monitors,
            commands::windows_state,
            commands::open_stage,
            commands::close_stage,
            commands::toggle_stage_fullscreen,
            commands::stage_view,
            commands::backup_database,
            commands::ui_ready,
        ])
        .on_window_event(windows::on_window_event)
        .setup(|app| {
            // A stage that cannot be reopened (say its monitor's display server refuses) must not stop the
            // console from starting; the operator can open it again from the console.
            if let Err(e) = windows::restore(app.handle()) {
                eprintln!("fairdraw-app: {}", e.message);
            }
            Ok(())
        })
}

/// Parses the command line, then runs the app until its console closes.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let db_path = match cli.db {
        Some(p) => p,
        None => match fairdraw::db::default_path() {
            Ok(p) => p,
            Err(e) => {
                eprintln!("fairdraw-app: {}", e.message(fairdraw::Lang::from_env()));
                return ExitCode::from(2);
            }
        },
    };
    match setup(tauri::Builder::default(), AppState::new(db_path)).run(tauri::generate_context!()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fairdraw-app: {e}");
            ExitCode::FAILURE
        }
    }
}
