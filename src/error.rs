//! The error type of the core library, its closed list of codes, and its messages in both languages.
//!
//! Expected failures (bad input, a busy database, an infeasible draw) are values of [`Error`]; a panic is a bug.
//! Each error has an [`ErrorCode`] from a closed enum that the desktop frontend mirrors, so no caller ever
//! has to match on message text, and a message in Chinese or English from [`Error::message`].

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;
use crate::tr;

/// The result type of the core library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A closed list of error kinds. The desktop frontend mirrors this list; adding a code is a UI change too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A file could not be read or written.
    Io,
    /// SQLite reported an error that is not one of the more specific codes below.
    Database,
    /// The database was written by a newer fairdraw and was left untouched.
    NewerSchema,
    /// Another process holds the database lock.
    Busy,
    /// The database file is damaged.
    Corrupt,
    /// An imported file has problems; the details name file, sheet, row and column.
    Import,
    /// A value given by the user (option, field, file content) is not acceptable.
    Invalid,
    /// Something named by the user does not exist.
    NotFound,
    /// The draw rules cannot be satisfied by the frozen inputs.
    Infeasible,
    /// The requested step is not allowed in the ceremony's current state.
    State,
    /// A recomputation (verify, audit) does not match the record.
    Mismatch,
}

impl ErrorCode {
    /// The code as the stable snake_case string used in JSON and by the frontend.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Io => "io",
            ErrorCode::Database => "database",
            ErrorCode::NewerSchema => "newer_schema",
            ErrorCode::Busy => "busy",
            ErrorCode::Corrupt => "corrupt",
            ErrorCode::Import => "import",
            ErrorCode::Invalid => "invalid",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Infeasible => "infeasible",
            ErrorCode::State => "state",
            ErrorCode::Mismatch => "mismatch",
        }
    }
}

/// An error of the core library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// SQLite failed.
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
    /// The database's schema version is newer than this program supports.
    #[error(
        "{}: the database was written by a newer version of fairdraw (schema {found}, this program supports up to {supported}); it was left untouched",
        path.display()
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    /// Another process holds the database.
    #[error("{}: the database is busy (another fairdraw process is using it); try again when it has finished", path.display())]
    Busy { path: PathBuf },
    /// The database file is damaged.
    #[error("{}: the database file is damaged: {detail}", path.display())]
    Corrupt { path: PathBuf, detail: String },
    /// A value is not acceptable. `field` names the option, field or column; `problem` says what is wrong.
    #[error("{field}: {problem}")]
    Invalid { field: String, problem: String },
    /// Something named by the user does not exist.
    #[error("{what} not found: {key}")]
    NotFound { what: String, key: String },
    /// An import failed: the file cannot be read or mapped, or (all-or-nothing) some rows have errors.
    #[error("{}", .0.message(Lang::En))]
    Import(Box<crate::import::ImportError>),
    /// Any other error that already carries its message in both languages.
    #[error("{en}")]
    Other { code: ErrorCode, zh: String, en: String },
}

impl From<crate::import::ImportError> for Error {
    fn from(e: crate::import::ImportError) -> Error {
        Error::Import(Box::new(e))
    }
}

impl Error {
    /// An `Io` error for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// An `Invalid` error for `field`.
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Error {
        Error::Invalid {
            field: field.into(),
            problem: problem.into(),
        }
    }

    /// An error with a code and a message in both languages.
    pub fn other(code: ErrorCode, zh: impl Into<String>, en: impl Into<String>) -> Error {
        Error::Other {
            code,
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// An `Invalid` error for `field` with the problem said in both languages.
    pub fn invalid_both(field: &str, zh: impl AsRef<str>, en: impl AsRef<str>) -> Error {
        Error::other(
            ErrorCode::Invalid,
            format!("{field}：{}", zh.as_ref()),
            format!("{field}: {}", en.as_ref()),
        )
    }

    /// The closed code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Io { .. } => ErrorCode::Io,
            Error::Db(e) => match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked) => {
                    ErrorCode::Busy
                }
                Some(rusqlite::ErrorCode::DatabaseCorrupt) | Some(rusqlite::ErrorCode::NotADatabase) => {
                    ErrorCode::Corrupt
                }
                _ => ErrorCode::Database,
            },
            Error::NewerSchema { .. } => ErrorCode::NewerSchema,
            Error::Busy { .. } => ErrorCode::Busy,
            Error::Corrupt { .. } => ErrorCode::Corrupt,
            Error::Invalid { .. } => ErrorCode::Invalid,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::Import(e) => match **e {
                crate::import::ImportError::UnknownField { .. }
                | crate::import::ImportError::UnsupportedFormat { .. } => ErrorCode::Invalid,
                crate::import::ImportError::SheetNotFound { .. } => ErrorCode::NotFound,
                _ => ErrorCode::Import,
            },
            Error::Other { code, .. } => *code,
        }
    }

    /// The message for a user, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Error::Io { path, source } => match (lang, io_reason_zh(source)) {
                // The system's own text (English) stays beside the reason, for whoever supports the office.
                (Lang::Zh, Some(reason)) => format!("{}：文件读写失败：{reason}（{source}）", path.display()),
                _ => tr!(lang, "{}：文件读写失败：{}", "{}: {}", path.display(), source),
            },
            Error::Db(e) => match self.code() {
                ErrorCode::Busy => tr!(
                    lang,
                    "数据库正被另一个 fairdraw 进程使用，请稍后再试（{}）",
                    "the database is busy (another fairdraw process is using it); try again when it has finished ({})",
                    e
                ),
                ErrorCode::Corrupt => tr!(
                    lang,
                    "数据库文件已损坏：{}",
                    "the database file is damaged: {}",
                    e
                ),
                _ => tr!(lang, "数据库错误：{}", "database error: {}", e),
            },
            Error::NewerSchema {
                path,
                found,
                supported,
            } => tr!(
                lang,
                "{}：该数据库由更新版本的 fairdraw 写入（结构版本 {}，本程序最高支持 {}），未作任何改动。请升级 fairdraw。",
                "{}: the database was written by a newer version of fairdraw (schema {}, this program supports up to {}); it was left untouched. Upgrade fairdraw to open it.",
                path.display(),
                found,
                supported
            ),
            Error::Busy { path } => tr!(
                lang,
                "{}：数据库正被另一个 fairdraw 进程使用，请待其完成后再试",
                "{}: the database is busy (another fairdraw process is using it); try again when it has finished",
                path.display()
            ),
            Error::Corrupt { path, detail } => tr!(
                lang,
                "{}：数据库文件已损坏（{}），未作任何写入。请从备份恢复。",
                "{}: the database file is damaged ({}); nothing was written to it. Restore it from a backup.",
                path.display(),
                detail
            ),
            Error::Invalid { field, problem } => format!("{field}: {problem}"),
            Error::NotFound { what, key } => tr!(lang, "未找到{}：{}", "{} not found: {}", what, key),
            Error::Import(e) => e.message(lang),
            Error::Other { zh, en, .. } => match lang {
                Lang::Zh => zh.clone(),
                Lang::En => en.clone(),
            },
        }
    }
}

/// What went wrong with a file, in Chinese, for the kinds of I/O error an office meets (a file not there, no
/// permission, a full or read-only disk, a folder where a file was expected, a file cut short); `None` for
/// other kinds, whose system text is shown as it is.
pub fn io_reason_zh(e: &std::io::Error) -> Option<&'static str> {
    use std::io::ErrorKind as K;
    Some(match e.kind() {
        K::NotFound => "文件或文件夹不存在",
        K::PermissionDenied => "没有访问权限",
        K::AlreadyExists => "已有同名的文件",
        K::StorageFull => "磁盘已满",
        K::ReadOnlyFilesystem => "所在磁盘是只读的",
        K::IsADirectory => "这是一个文件夹，不是文件",
        K::NotADirectory => "路径中有一段不是文件夹",
        K::FileTooLarge => "文件超过了系统允许的大小",
        K::ResourceBusy | K::ExecutableFileBusy => "文件正被其他程序占用",
        K::UnexpectedEof => "文件不完整（内容提前结束）",
        _ => return None,
    })
}

/// The text of a caught panic's payload (a `&str` or a `String`; empty otherwise), for messages about a
/// third-party crate that panicked on bad input or a failed write.
pub(crate) fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_strings() {
        assert_eq!(ErrorCode::NewerSchema.as_str(), "newer_schema");
        assert_eq!(
            serde_json::to_string(&ErrorCode::NotFound).unwrap(),
            "\"not_found\""
        );
    }

    /// An I/O error says what went wrong in Chinese, beside the system's own text; kinds without a Chinese
    /// wording, and English messages, are as before.
    #[test]
    fn io_errors_say_what_went_wrong_in_chinese() {
        use std::io::{Error as IoError, ErrorKind};
        let zh = |kind: ErrorKind| Error::io("D:/名录/名录.csv", IoError::from(kind)).message(Lang::Zh);
        assert_eq!(
            zh(ErrorKind::NotFound),
            "D:/名录/名录.csv：文件读写失败：文件或文件夹不存在（entity not found）"
        );
        assert!(zh(ErrorKind::PermissionDenied).contains("：文件读写失败：没有访问权限（"));
        assert!(zh(ErrorKind::StorageFull).contains("：文件读写失败：磁盘已满（"));
        assert!(zh(ErrorKind::IsADirectory).contains("这是一个文件夹，不是文件"));
        // No Chinese wording: the system's text alone, as before.
        assert_eq!(
            zh(ErrorKind::ConnectionReset),
            "D:/名录/名录.csv：文件读写失败：connection reset"
        );
        let en = Error::io("a.csv", IoError::from(ErrorKind::NotFound)).message(Lang::En);
        assert_eq!(en, "a.csv: entity not found");
        // As the system reports them (Linux error numbers).
        #[cfg(target_os = "linux")]
        for (errno, reason) in [
            (2, "文件或文件夹不存在"),
            (13, "没有访问权限"),
            (28, "磁盘已满"),
            (30, "所在磁盘是只读的"),
            (21, "这是一个文件夹，不是文件"),
        ] {
            let message = Error::io("x", IoError::from_raw_os_error(errno)).message(Lang::Zh);
            assert!(
                message.starts_with(&format!("x：文件读写失败：{reason}（"))
                    && message.ends_with(&format!("(os error {errno})）")),
                "{message}"
            );
        }
    }

    #[test]
    fn other_errors_keep_both_languages() {
        let e = Error::other(ErrorCode::State, "已封存", "already sealed");
        assert_eq!(e.code(), ErrorCode::State);
        assert_eq!(e.message(Lang::Zh), "已封存");
        assert_eq!(e.message(Lang::En), "already sealed");
    }
}
