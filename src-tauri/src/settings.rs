//! The desktop app's own settings: language, the office shown on the stage, and where and how the stage
//! window appears, including whether it was open, so that reopening the app restores its windows.
//!
//! They live in a small JSON file next to the database (`fairdraw-app.json`), not in the database: they are
//! preferences of this computer's screens, not records, and a database copied to another office should not
//! carry them along. The file is replaced atomically (written under a temporary name, then renamed), so a
//! crash while saving leaves either the old or the new settings. A missing file means defaults; an unreadable
//! one also means defaults, with a warning the settings page shows, and it is kept aside as `.bad` on the
//! next save instead of being silently overwritten.

use std::path::{Path, PathBuf};

use fairdraw::{Error, Lang, Result};
use serde::{Deserialize, Serialize};

/// The file name of the settings, in the directory of the database.
pub const FILE_NAME: &str = "fairdraw-app.json";

/// Light (dark text on white, for bright rooms) or dark (light text on black, for dim rooms).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

/// How the stage (projector) window appears.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StageSettings {
    /// Whether the stage window was open when the app last ran.
    pub open: bool,
    /// The monitor to open it on, by name; `None`: the second monitor if there is one.
    pub monitor: Option<String>,
    /// Full screen, as last chosen with F11; `None`: full screen exactly when it is on a monitor of its own.
    pub fullscreen: Option<bool>,
    /// Colour theme of the stage.
    pub theme: Theme,
    /// The ceremony shown on the stage (its id), chosen in the console; `None`: the idle screen. Kept here so
    /// that a restart (or a crash) brings the stage back at the same ceremony, whose step is in the database.
    pub ceremony: Option<i64>,
}

/// All settings of the desktop app.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Language of the interface.
    pub lang: Lang,
    /// Code of the department that runs the draws on this computer (shown on the stage).
    pub department: Option<String>,
    /// The stage window.
    pub stage: StageSettings,
}

/// The settings file and its current content.
#[derive(Debug)]
pub struct SettingsStore {
    path: PathBuf,
    current: Settings,
    /// Why the file could not be used, when it exists but is unreadable or invalid.
    warning: Option<String>,
}

/// Where the settings of the database at `db_path` live.
pub fn path_for_db(db_path: &Path) -> PathBuf {
    db_path.parent().unwrap_or_else(|| Path::new(".")).join(FILE_NAME)
}

impl SettingsStore {
    /// Reads the settings at `path`; never fails (see the module comment).
    pub fn load(path: PathBuf) -> SettingsStore {
        let (current, warning) = match std::fs::read(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Settings::default(), None),
            Err(e) => (Settings::default(), Some(format!("{}: {e}", path.display()))),
            Ok(bytes) => match serde_json::from_slice::<Settings>(&bytes) {
                Ok(s) => (s, None),
                Err(e) => (Settings::default(), Some(format!("{}: {e}", path.display()))),
            },
        };
        SettingsStore {
            path,
            current,
            warning,
        }
    }

    /// The current settings.
    pub fn get(&self) -> &Settings {
        &self.current
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why the file was not used at startup, if it was not.
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }

    /// Changes the settings with `change` and saves them. If saving fails, nothing changes.
    pub fn update(&mut self, change: impl FnOnce(&mut Settings)) -> Result<Settings> {
        let mut next = self.current.clone();
        change(&mut next);
        if next == self.current && self.path.exists() {
            return Ok(next);
        }
        if self.warning.is_some() && self.path.exists() {
            let mut bad = self.path.clone().into_os_string();
            bad.push(".bad");
            std::fs::rename(&self.path, &bad).map_err(|e| Error::io(&self.path, e))?;
        }
        write_atomically(&self.path, &next)?;
        self.warning = None;
        self.current = next;
        Ok(self.current.clone())
    }
}

fn write_atomically(path: &Path, settings: &Settings) -> Result<()> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let json = serde_json::to_vec_pretty(settings).map_err(|e| Error::invalid("settings", e.to_string()))?;
    std::fs::write(&tmp, json).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_gives_defaults_without_warning() {
        let dir = tempfile::tempdir().unwrap();
        let s = SettingsStore::load(dir.path().join(FILE_NAME));
        assert_eq!(s.get(), &Settings::default());
        assert_eq!(s.get().lang, Lang::Zh);
        assert_eq!(s.warning(), None);
    }

    #[test]
    fn updates_are_saved_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(FILE_NAME);
        let mut s = SettingsStore::load(path.clone());
        s.update(|s| {
            s.lang = Lang::En;
            s.stage.open = true;
            s.stage.theme = Theme::Dark;
            s.department = Some("D01".into());
        })
        .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(json["lang"], "en");
        assert_eq!(json["stage"]["theme"], "dark");
        assert_eq!(json["stage"]["open"], true);
        let again = SettingsStore::load(path);
        assert_eq!(again.get(), s.get());
    }

    #[test]
    fn unknown_and_missing_fields_fall_back_to_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(
            &path,
            r#"{"lang":"en","stage":{"open":true},"from_a_newer_version":1}"#,
        )
        .unwrap();
        let s = SettingsStore::load(path);
        assert_eq!(s.warning(), None);
        assert_eq!(s.get().lang, Lang::En);
        assert!(s.get().stage.open);
        assert_eq!(s.get().stage.theme, Theme::Light);
    }

    #[test]
    fn a_damaged_file_gives_defaults_a_warning_and_is_kept_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, b"{not json").unwrap();
        let mut s = SettingsStore::load(path.clone());
        assert_eq!(s.get(), &Settings::default());
        let w = s.warning().unwrap().to_string();
        assert!(w.contains(FILE_NAME), "{w}");
        s.update(|s| s.lang = Lang::En).unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("fairdraw-app.json.bad")).unwrap(),
            b"{not json"
        );
        assert_eq!(SettingsStore::load(path).get().lang, Lang::En);
        assert_eq!(s.warning(), None);
    }

    #[test]
    fn a_failed_save_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        // The settings directory is a file, so nothing can be written below it.
        std::fs::write(dir.path().join("blocker"), b"x").unwrap();
        let mut s = SettingsStore::load(dir.path().join("blocker").join(FILE_NAME));
        let e = s.update(|s| s.lang = Lang::En).unwrap_err();
        assert_eq!(e.code(), fairdraw::ErrorCode::Io);
        assert_eq!(s.get().lang, Lang::Zh);
    }

    #[test]
    fn settings_live_next_to_the_database() {
        assert_eq!(
            path_for_db(Path::new("/data/fd/fairdraw.sqlite3")),
            Path::new("/data/fd/fairdraw-app.json")
        );
    }
}
