//! What the stage shows, computed from stored data and settings, and the checks on settings that name
//! stored things (a department, a monitor).
//!
//! The stage never decides anything itself: it renders a [`StageView`] fetched with the `stage_view` command
//! and fetches it again when told that something changed. Until the ceremony state machine exists in the
//! core, the only view is the idle screen (the app's name, the office's department, the clock); the
//! ceremony's steps will be further `StageView` phases built from the core's journaled state.

use fairdraw::db::Db;
use fairdraw::model::{Department, Register};
use fairdraw::{Error, ErrorCode, Lang, registers};
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime};

use crate::commands::RegisterCounts;
use crate::ipc::IpcError;
use crate::settings::{Settings, Theme};
use crate::state::AppState;
use crate::windows;

/// Everything the stage window renders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StageView {
    /// Which screen: only `idle` so far.
    pub phase: &'static str,
    /// The department running draws on this computer, if chosen in the settings.
    pub department: Option<Department>,
    pub lang: Lang,
    pub theme: Theme,
    pub fullscreen: bool,
}

/// The idle screen.
pub fn idle_view(db: &Db, settings: &Settings, fullscreen: bool) -> fairdraw::Result<StageView> {
    let department = match &settings.department {
        Some(code) => registers::find_department(db.conn(), code)?,
        None => None,
    };
    Ok(StageView {
        phase: "idle",
        department,
        lang: settings.lang,
        theme: settings.stage.theme,
        fullscreen,
    })
}

/// Row counts of the four registers.
pub fn register_counts(db: &Db) -> fairdraw::Result<RegisterCounts> {
    Ok(RegisterCounts {
        departments: registers::count(db.conn(), Register::Departments)?,
        entities: registers::count(db.conn(), Register::Entities)?,
        inspectors: registers::count(db.conn(), Register::Inspectors)?,
        items: registers::count(db.conn(), Register::Items)?,
    })
}

/// Checks that a department code exists; `None` (no department) is always fine.
pub fn known_department(db: &Db, code: Option<String>) -> fairdraw::Result<Option<String>> {
    match code {
        None => Ok(None),
        Some(code) => match registers::find_department(db.conn(), &code)? {
            Some(d) => Ok(Some(d.code)),
            None => Err(Error::other(
                ErrorCode::NotFound,
                format!("未找到部门：{code}"),
                format!("department not found: {code}"),
            )),
        },
    }
}

/// Checks that a monitor is connected; `None` (automatic choice) is always fine.
pub fn known_monitor<R: Runtime>(
    app: &AppHandle<R>,
    name: Option<String>,
) -> Result<Option<String>, IpcError> {
    let lang = app.state::<AppState>().lang();
    let Some(name) = name else { return Ok(None) };
    let monitors = windows::monitors(app).map_err(|e| IpcError::shell(lang, &e))?;
    if monitors.iter().any(|m| m.name == name) {
        Ok(Some(name))
    } else {
        let e = Error::other(
            ErrorCode::NotFound,
            format!("未找到显示器：{name}（可能未连接）"),
            format!("monitor not found: {name} (it may be disconnected)"),
        );
        Err(IpcError::from_core(&e, lang))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn idle_view_names_the_chosen_department() {
        let db = Db::open_in_memory().unwrap();
        let mut settings = Settings::default();
        let v = idle_view(&db, &settings, false).unwrap();
        assert_eq!(v.phase, "idle");
        assert_eq!(v.department, None);
        settings.department = Some("D05".into());
        settings.stage.theme = Theme::Dark;
        let v = idle_view(&db, &settings, true).unwrap();
        assert_eq!(v.department.unwrap().name, "公安局");
        assert_eq!(v.theme, Theme::Dark);
        assert!(v.fullscreen);
    }

    #[test]
    fn unknown_departments_are_refused() {
        let db = Db::open_in_memory().unwrap();
        assert_eq!(known_department(&db, None).unwrap(), None);
        assert_eq!(
            known_department(&db, Some("永州海关".into())).unwrap(),
            Some("D17".into()),
            "a name is accepted and stored as its code"
        );
        let e = known_department(&db, Some("D99".into())).unwrap_err();
        assert_eq!(e.code(), fairdraw::ErrorCode::NotFound);
        assert_eq!(e.message(Lang::Zh), "未找到部门：D99");
        assert_eq!(e.message(Lang::En), "department not found: D99");
    }

    #[test]
    fn counts_cover_the_four_registers() {
        let db = Db::open_in_memory().unwrap();
        let c = register_counts(&db).unwrap();
        assert_eq!((c.departments, c.entities, c.inspectors, c.items), (17, 0, 0, 0));
    }
}
