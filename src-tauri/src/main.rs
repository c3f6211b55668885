//! The desktop app's entry point; everything happens in `fairdraw_app::run`.

// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    fairdraw_app::run()
}
