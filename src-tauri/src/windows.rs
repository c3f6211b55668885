//! The two windows: the operator's **console** and the projector's **stage**, and where the stage appears.
//!
//! The console is declared in `tauri.conf.json`; the stage is created on demand. It opens on the monitor
//! chosen in the settings, or else on a monitor other than the console's when there is one (a projector),
//! where it goes full screen; on a single screen it is a normal window. F11 on the stage toggles full screen
//! and that choice is remembered. Whether the stage is open is saved whenever it opens or the operator closes
//! it, and closing the console quits the app without forgetting it, so the next start restores both windows
//! — also after a crash.

use std::sync::atomic::Ordering;

use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime, WebviewUrl, WebviewWindowBuilder, Window, WindowEvent};

use crate::ipc::IpcError;
use crate::state::AppState;

/// The label of the operator's window.
pub const CONSOLE: &str = "console";
/// The label of the projector's window.
pub const STAGE: &str = "stage";
/// Emitted to all windows when the stage opens, closes or changes full-screen state.
pub const WINDOWS_EVENT: &str = "windows-changed";

/// A monitor as the settings page lists it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MonitorInfo {
    pub name: String,
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
    pub scale: f64,
}

/// Which windows are open, as the console shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WindowsState {
    pub stage_open: bool,
    pub stage_fullscreen: bool,
}

/// Picks the stage's monitor (an index into `monitors`): the one named `wanted` if it is connected, else the
/// first one that is not `console`'s, else none (then the window manager places it).
pub fn choose_monitor(
    monitors: &[MonitorInfo],
    wanted: Option<&str>,
    console: Option<&str>,
) -> Option<usize> {
    if let Some(w) = wanted
        && let Some(i) = monitors.iter().position(|m| m.name == w)
    {
        return Some(i);
    }
    if monitors.len() < 2 {
        return None;
    }
    monitors.iter().position(|m| Some(m.name.as_str()) != console)
}

/// The connected monitors.
pub fn monitors<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<Vec<MonitorInfo>> {
    Ok(app
        .available_monitors()?
        .iter()
        .enumerate()
        .map(|(i, m)| MonitorInfo {
            name: m.name().cloned().unwrap_or_else(|| format!("#{}", i + 1)),
            x: m.position().x,
            y: m.position().y,
            width: m.size().width,
            height: m.size().height,
            scale: m.scale_factor(),
        })
        .collect())
}

/// Which windows are open now.
pub fn windows_state<R: Runtime>(app: &AppHandle<R>) -> WindowsState {
    let stage = app.get_webview_window(STAGE);
    WindowsState {
        stage_open: stage.is_some(),
        stage_fullscreen: stage.map(|w| w.is_fullscreen().unwrap_or(false)).unwrap_or(false),
    }
}

fn announce<R: Runtime>(app: &AppHandle<R>) {
    let _ = app.emit(WINDOWS_EVENT, windows_state(app));
}

/// Opens the stage (or brings it to the front) and remembers that it is open.
pub fn open_stage<R: Runtime>(app: &AppHandle<R>) -> Result<WindowsState, IpcError> {
    let state = app.state::<AppState>();
    let lang = state.lang();
    let err = |e: tauri::Error| IpcError::shell(lang, &e);
    if let Some(w) = app.get_webview_window(STAGE) {
        w.set_focus().map_err(err)?;
    } else {
        let stage = state.settings().stage;
        let monitors = monitors(app).map_err(err)?;
        let console_monitor = app
            .get_webview_window(CONSOLE)
            .and_then(|w| w.current_monitor().ok().flatten())
            .and_then(|m| m.name().cloned());
        let target = choose_monitor(&monitors, stage.monitor.as_deref(), console_monitor.as_deref());
        let own_screen = target.is_some_and(|i| Some(&monitors[i].name) != console_monitor.as_ref());
        let mut builder = WebviewWindowBuilder::new(app, STAGE, WebviewUrl::App("stage.html".into()))
            .title(fairdraw::tr!(lang, "双随机公开摇号 · 投屏", "fairdraw · stage"))
            .inner_size(1280.0, 720.0)
            .min_inner_size(640.0, 360.0)
            .fullscreen(stage.fullscreen.unwrap_or(own_screen));
        if let Some(m) = target.map(|i| &monitors[i]) {
            // Window positions are logical pixels; monitor positions are physical.
            builder = builder.position(m.x as f64 / m.scale + 40.0, m.y as f64 / m.scale + 40.0);
        }
        builder.build().map_err(err)?;
    }
    state.update_settings(|s| s.stage.open = true)?;
    announce(app);
    Ok(windows_state(app))
}

/// Closes the stage and remembers that it is closed.
pub fn close_stage<R: Runtime>(app: &AppHandle<R>) -> Result<WindowsState, IpcError> {
    let state = app.state::<AppState>();
    if let Some(w) = app.get_webview_window(STAGE) {
        w.destroy().map_err(|e| IpcError::shell(state.lang(), &e))?;
    }
    state.update_settings(|s| s.stage.open = false)?;
    announce(app);
    Ok(windows_state(app))
}

/// Toggles full screen on the stage and remembers the choice.
pub fn toggle_stage_fullscreen<R: Runtime>(app: &AppHandle<R>) -> Result<WindowsState, IpcError> {
    let state = app.state::<AppState>();
    let err = |e: tauri::Error| IpcError::shell(state.lang(), &e);
    if let Some(w) = app.get_webview_window(STAGE) {
        let on = !w.is_fullscreen().map_err(err)?;
        w.set_fullscreen(on).map_err(err)?;
        state.update_settings(|s| s.stage.fullscreen = Some(on))?;
    }
    announce(app);
    Ok(windows_state(app))
}

/// Reopens the windows that were open when the app last ran.
pub fn restore<R: Runtime>(app: &AppHandle<R>) -> Result<(), IpcError> {
    let was_open = app.state::<AppState>().settings().stage.open;
    if was_open {
        open_stage(app)?;
    }
    Ok(())
}

/// Window events: closing the console quits the app (closing the stage with it, without forgetting that it
/// was open); the operator closing the stage is remembered.
pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    let app = window.app_handle();
    let state = app.state::<AppState>();
    match (window.label(), event) {
        (CONSOLE, WindowEvent::CloseRequested { .. }) => state.quitting.store(true, Ordering::SeqCst),
        (CONSOLE, WindowEvent::Destroyed) => {
            if let Some(stage) = app.get_webview_window(STAGE) {
                let _ = stage.destroy();
            }
        }
        (STAGE, WindowEvent::Destroyed) if !state.quitting.load(Ordering::SeqCst) => {
            // Reporting a failed save here has no window to go to; the next open or close retries it.
            let _ = state.update_settings(|s| s.stage.open = false);
            announce(app);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str, x: i32) -> MonitorInfo {
        MonitorInfo {
            name: name.into(),
            x,
            y: 0,
            width: 1920,
            height: 1080,
            scale: 1.0,
        }
    }

    #[test]
    fn a_single_screen_gets_no_placement() {
        assert_eq!(choose_monitor(&[m("eDP-1", 0)], None, Some("eDP-1")), None);
        assert_eq!(choose_monitor(&[], None, None), None);
    }

    #[test]
    fn the_projector_is_the_monitor_that_is_not_the_consoles() {
        let ms = [m("HDMI-1", 0), m("eDP-1", 1920)];
        assert_eq!(choose_monitor(&ms, None, Some("HDMI-1")), Some(1));
        assert_eq!(choose_monitor(&ms, None, Some("eDP-1")), Some(0));
    }

    #[test]
    fn a_chosen_monitor_wins_while_it_is_connected() {
        let ms = [m("eDP-1", 0), m("HDMI-1", 1920), m("DP-2", 3840)];
        assert_eq!(choose_monitor(&ms, Some("DP-2"), Some("eDP-1")), Some(2));
        // Also on the console's own screen, when the operator asks for it.
        assert_eq!(choose_monitor(&ms, Some("eDP-1"), Some("eDP-1")), Some(0));
        // A projector that is not connected today: fall back to the rule.
        assert_eq!(choose_monitor(&ms, Some("VGA-1"), Some("eDP-1")), Some(1));
    }
}
