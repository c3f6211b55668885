//! The shape in which errors cross from Rust to the frontend: `{code, message}`.
//!
//! `code` is the core's closed [`ErrorCode`] (serialised snake_case) and `message` is already in the user's
//! language, so the frontend never matches on message text. The frontend mirrors the list of codes in
//! `ui/js/error-codes.js`; a test below fails when the two lists differ.

use fairdraw::{ErrorCode, Lang};
use serde::Serialize;

/// An error as the frontend receives it from a rejected `invoke`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
}

impl IpcError {
    /// The frontend form of a core error, with its message in `lang`.
    pub fn from_core(e: &fairdraw::Error, lang: Lang) -> IpcError {
        IpcError {
            code: e.code(),
            message: e.message(lang),
        }
    }

    /// An error of the desktop shell itself: a window or the display server refused an operation, or a
    /// background task panicked (a bug). The core's closed list has no code for failures outside the core;
    /// they are the operating system or the runtime failing, so they are reported as `io`.
    pub fn shell(lang: Lang, e: &dyn std::fmt::Display) -> IpcError {
        IpcError {
            code: ErrorCode::Io,
            message: fairdraw::tr!(lang, "桌面程序出错：{}", "the desktop app failed: {}", e),
        }
    }
}

/// Every error code, in the core's declaration order. `ui/js/error-codes.js` lists the same strings; the tests
/// below compare both lists with the variants of the core's enum.
pub const ERROR_CODES: [ErrorCode; 11] = [
    ErrorCode::Io,
    ErrorCode::Database,
    ErrorCode::NewerSchema,
    ErrorCode::Busy,
    ErrorCode::Corrupt,
    ErrorCode::Import,
    ErrorCode::Invalid,
    ErrorCode::NotFound,
    ErrorCode::Infeasible,
    ErrorCode::State,
    ErrorCode::Mismatch,
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant of the core's `ErrorCode`, as serde names them: deserialising an unknown name fails with
    /// "unknown variant `…`, expected one of `io`, `database`, …", which lists all variants of the derive.
    fn core_codes() -> Vec<String> {
        let e = serde_json::from_str::<ErrorCode>("\"-\"")
            .unwrap_err()
            .to_string();
        let list = &e[e
            .find("expected one of")
            .expect("serde's unknown-variant message")..];
        list.split('`').skip(1).step_by(2).map(str::to_string).collect()
    }

    /// The quoted strings inside `export const ERROR_CODES = Object.freeze([ ... ]);` of the frontend module.
    fn frontend_codes() -> Vec<String> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/js/error-codes.js");
        let js = std::fs::read_to_string(path).unwrap();
        let start = js
            .find("export const ERROR_CODES")
            .expect("ERROR_CODES in error-codes.js");
        let open = start + js[start..].find('[').unwrap();
        let close = open + js[open..].find(']').unwrap();
        js[open + 1..close]
            .split(',')
            .map(|s| s.trim().trim_matches('"').to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }

    #[test]
    fn list_is_complete_and_in_order() {
        let listed: Vec<&str> = ERROR_CODES.iter().map(|c| c.as_str()).collect();
        assert_eq!(core_codes(), listed);
    }

    #[test]
    fn frontend_mirrors_the_error_codes() {
        let rust: Vec<String> = ERROR_CODES.iter().map(|c| c.as_str().to_string()).collect();
        assert_eq!(frontend_codes(), rust);
    }

    #[test]
    fn errors_serialise_as_code_and_message() {
        let e = fairdraw::Error::NotFound {
            what: "部门".into(),
            key: "D99".into(),
        };
        let v = serde_json::to_value(IpcError::from_core(&e, Lang::Zh)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"code": "not_found", "message": "未找到部门：D99"})
        );
    }
}
