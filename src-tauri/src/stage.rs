//! What the stage shows, computed from stored data and settings, and the checks on settings that name
//! stored things (a department, a monitor).
//!
//! The stage never decides anything itself: it renders a [`StageView`] fetched with the `stage_view` command
//! and fetches it again when told that something changed. Without a ceremony on the stage it is the idle
//! screen (the app's name, the office's department, the clock). With one (the `stage.ceremony` setting), the
//! view is computed from the ceremony's journaled state in the database by [`ceremony_view`], one phase per
//! step: the same state always gives the same screen, so after a restart or a crash the stage shows exactly
//! the step the ceremony had reached, and the reveal shows only the targets the core has already revealed.

use fairdraw::ceremony::{self, Fingerprints, State, Witness};
use fairdraw::db::Db;
use fairdraw::model::{Department, Register};
use fairdraw::{Error, ErrorCode, Lang, registers};
use serde::Serialize;
use serde_json::Value;
use tauri::{AppHandle, Manager, Runtime};

use crate::commands::RegisterCounts;
use crate::ipc::IpcError;
use crate::settings::{Settings, Theme};
use crate::state::AppState;
use crate::windows;

/// Everything the stage window renders.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StageView {
    /// Which screen: `idle`, or the phase of the ceremony on the stage (see [`phase_of`]).
    pub phase: &'static str,
    /// The department running draws on this computer, if chosen in the settings.
    pub department: Option<Department>,
    pub lang: Lang,
    pub theme: Theme,
    pub fullscreen: bool,
    /// The ceremony on the stage, if any.
    pub ceremony: Option<CeremonyView>,
}

/// What the stage shows of a ceremony: everything public at its current step, nothing more (the app's secret
/// only once the seed has made it public, targets only up to the stored reveal position).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CeremonyView {
    pub id: i64,
    pub task_number: String,
    pub task_name: String,
    pub attempt: u32,
    pub state: State,
    pub draw_date: String,
    /// The task's departments, lead first.
    pub departments: Vec<Department>,
    /// The plain summary of the frozen rules (population, strata and quotas, groups, recusal), once frozen.
    pub summary: Option<Value>,
    pub fingerprints: Option<Fingerprints>,
    pub commitment: Option<String>,
    pub witnesses: Vec<Witness>,
    pub entropy_bits: f64,
    pub secret: Option<String>,
    pub seed: Option<String>,
    /// Targets revealed so far (position order), how many there are, and the last one with its group.
    pub revealed: Vec<Value>,
    pub targets: Option<u32>,
    pub current: Option<Value>,
    /// Once everything is revealed: the groups with members and targets.
    pub groups: Option<Value>,
    pub record_hash: Option<String>,
    pub qr: Option<Qr>,
    pub void_reason: Option<String>,
}

/// A QR code as one SVG path of unit squares on a `width` × `width` grid (quiet zone not included).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Qr {
    pub width: usize,
    pub path: String,
}

/// Encodes `payload` (the record hash) as a QR code for the stage, level M like the printed record's.
pub fn qr_svg(payload: &str) -> Option<Qr> {
    let code = qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::M).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let mut path = String::new();
    for (y, row) in colors.chunks(width).enumerate() {
        let mut x = 0;
        while x < width {
            let dark = row[x..].iter().take_while(|c| **c == qrcode::Color::Dark).count();
            if dark > 0 {
                path.push_str(&format!("M{x} {y}h{dark}v1h-{dark}z"));
                x += dark;
            } else {
                x += 1;
            }
        }
    }
    Some(Qr { width, path })
}

/// The stage's phase for a ceremony state: `task` (title and number), `rules` (the rules in plain words),
/// `commitment` (fingerprints and the app's commitment), `witnesses`, `entropy`, `seed`, `reveal`, `final`
/// (the full table), `sealed` (record hash and QR code) or `voided`.
pub fn phase_of(state: State, witnesses: usize) -> &'static str {
    match state {
        State::Prepared => "task",
        State::Frozen => "rules",
        State::Committed if witnesses == 0 => "commitment",
        State::Committed => "witnesses",
        State::Witnessed | State::EntropyCollected => "entropy",
        State::Seeded => "seed",
        State::Revealing => "reveal",
        State::Revealed => "final",
        State::Sealed => "sealed",
        State::Voided => "voided",
    }
}

/// The stage's view of ceremony `id`, from its stored state.
pub fn ceremony_view(db: &Db, id: i64) -> fairdraw::Result<CeremonyView> {
    let conn = db.conn();
    let status = ceremony::status(conn, id)?;
    let c = status.ceremony;
    let task = fairdraw::task::get(conn, c.task)?;
    let mut departments = Vec::new();
    for code in task.departments() {
        departments.push(registers::find_department(conn, &code)?.unwrap_or(Department {
            name: code.clone(),
            code,
        }));
    }
    // The group of the last revealed target, with its members, from the names stored at the seed.
    let current = match status.revealed.last() {
        Some(t) => {
            let display = ceremony::display(conn, id)?;
            let group = display["groups"]
                .as_array()
                .and_then(|gs| {
                    gs.iter()
                        .find(|g| g["number"] == t["group"] && !t["group"].is_null())
                })
                .cloned()
                .unwrap_or(Value::Null);
            let mut t = t.clone();
            t["position"] = Value::from(status.revealed.len());
            t["group_detail"] = group;
            Some(t)
        }
        None => None,
    };
    Ok(CeremonyView {
        id: c.id,
        task_number: c.task_number,
        task_name: c.task_name,
        attempt: c.attempt,
        state: c.state,
        draw_date: fairdraw::clock::format_date(c.draw_date),
        departments,
        summary: c.summary,
        fingerprints: c.fingerprints,
        commitment: c.commitment,
        entropy_bits: status.entropy_bits,
        secret: c.secret,
        seed: c.seed,
        targets: status.targets,
        current,
        groups: status.groups,
        qr: c.record_hash.as_deref().and_then(qr_svg),
        record_hash: c.record_hash,
        void_reason: c.void_reason,
        revealed: status.revealed,
        witnesses: status.witnesses,
    })
}

/// The stage's view: the ceremony on the stage at its current step, or the idle screen. A ceremony that is
/// not in this database (the setting outlived a database switch) gives the idle screen.
pub fn view(db: &Db, settings: &Settings, fullscreen: bool) -> fairdraw::Result<StageView> {
    let mut v = idle_view(db, settings, fullscreen)?;
    if let Some(id) = settings.stage.ceremony {
        match ceremony_view(db, id) {
            Ok(c) => {
                v.phase = phase_of(c.state, c.witnesses.len());
                v.ceremony = Some(c);
            }
            Err(e) if e.code() == ErrorCode::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(v)
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
        ceremony: None,
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
