//! Listing local folders for the desktop app's file chooser: which spreadsheet to import, which record bundle
//! to verify, which folder an export goes to.
//!
//! The app has no dialog plugin (see `docs/ARCHITECTURE.md`): a native dialog cannot be driven by the
//! end-to-end tests, and a path field with an in-app browser works the same on every platform and offline.
//! This module is that browser's only access to the file system: it reads names and sizes, never contents.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, ErrorCode, Result};

/// What a folder entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Folder,
    File,
}

/// One entry of a folder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FolderEntry {
    pub name: String,
    pub path: PathBuf,
    pub kind: EntryKind,
    /// Size in bytes (files only).
    pub size: Option<u64>,
}

/// A folder's listing: sub-folders first, then the files with the wanted extensions, each by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Folder {
    pub path: PathBuf,
    pub parent: Option<PathBuf>,
    pub entries: Vec<FolderEntry>,
}

/// The user's home folder, where the chooser starts.
pub fn home() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf())
}

/// Whether `name` ends with one of `extensions` (without dots, any case); every name does if the list is empty.
pub fn has_extension(name: &str, extensions: &[String]) -> bool {
    if extensions.is_empty() {
        return true;
    }
    let lower = name.to_lowercase();
    extensions
        .iter()
        .any(|e| lower.ends_with(&format!(".{}", e.trim_start_matches('.').to_lowercase())))
}

/// Lists `path` (the home folder if it is `None`): its sub-folders and the files with one of `extensions`.
/// Hidden entries (names starting with a dot) and entries that cannot be read are left out.
pub fn list(path: Option<&Path>, extensions: &[String]) -> Result<Folder> {
    let path = match path {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => home().ok_or_else(|| {
            Error::other(
                ErrorCode::NotFound,
                "找不到用户主目录",
                "the home folder cannot be found",
            )
        })?,
    };
    let meta = std::fs::metadata(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::other(
            ErrorCode::NotFound,
            format!("文件夹不存在：{}", path.display()),
            format!("no such folder: {}", path.display()),
        ),
        _ => Error::io(&path, e),
    })?;
    if !meta.is_dir() {
        return Err(Error::other(
            ErrorCode::Invalid,
            format!("不是文件夹：{}", path.display()),
            format!("not a folder: {}", path.display()),
        ));
    }
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(&path).map_err(|e| Error::io(&path, e))? {
        let Ok(entry) = entry else { continue };
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        // Follows symbolic links, so a link to a folder is browsed like one; a broken link is left out.
        let Ok(meta) = std::fs::metadata(entry.path()) else {
            continue;
        };
        let (kind, size) = if meta.is_dir() {
            (EntryKind::Folder, None)
        } else if has_extension(&name, extensions) {
            (EntryKind::File, Some(meta.len()))
        } else {
            continue;
        };
        entries.push(FolderEntry {
            name,
            path: entry.path(),
            kind,
            size,
        });
    }
    entries.sort_by(|a, b| (a.kind == EntryKind::File, &a.name).cmp(&(b.kind == EntryKind::File, &b.name)));
    Ok(Folder {
        parent: path.parent().map(Path::to_path_buf),
        path,
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_come_first_then_the_wanted_files_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("b-sub")).unwrap();
        std::fs::create_dir(d.join(".hidden")).unwrap();
        for f in ["名录.xlsx", "a.CSV", "notes.txt", ".secret.csv", "z.xls"] {
            std::fs::write(d.join(f), "1234").unwrap();
        }
        let exts = vec!["xlsx".to_string(), "csv".to_string(), ".xls".to_string()];
        let folder = list(Some(d), &exts).unwrap();
        let names: Vec<(&str, EntryKind, Option<u64>)> = folder
            .entries
            .iter()
            .map(|e| (e.name.as_str(), e.kind, e.size))
            .collect();
        assert_eq!(
            names,
            [
                ("b-sub", EntryKind::Folder, None),
                ("a.CSV", EntryKind::File, Some(4)),
                ("z.xls", EntryKind::File, Some(4)),
                ("名录.xlsx", EntryKind::File, Some(4)),
            ]
        );
        assert_eq!(folder.parent.as_deref(), d.parent());
        assert_eq!(folder.entries[0].path, d.join("b-sub"));
        // No extensions: every visible file.
        assert_eq!(
            list(Some(d), &[]).unwrap().entries.len(),
            5,
            "the folder and four visible files"
        );
    }

    #[test]
    fn a_missing_folder_or_a_file_is_refused_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        let e = list(Some(&missing), &[]).unwrap_err();
        assert_eq!(e.code(), ErrorCode::NotFound);
        assert!(
            e.message(crate::Lang::En)
                .ends_with(&format!("no such folder: {}", missing.display())),
            "{}",
            e.message(crate::Lang::En)
        );
        let file = dir.path().join("f.csv");
        std::fs::write(&file, "x").unwrap();
        let e = list(Some(&file), &[]).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Invalid);
        assert_eq!(
            e.message(crate::Lang::Zh),
            format!("不是文件夹：{}", file.display())
        );
    }

    #[test]
    fn extensions_match_whole_suffixes_in_any_case() {
        let exts = vec!["zip".to_string()];
        assert!(has_extension("记录.FAIRDRAW.ZIP", &exts));
        assert!(!has_extension("zip", &exts));
        assert!(!has_extension("a.gzip", &exts));
    }
}
