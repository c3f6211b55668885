//! fairdraw (双随机公开摇号): the core library of a verifiable public random draw for China's
//! "双随机、一公开" market supervision.
//!
//! This crate has no UI and no Tauri dependency: everything a headless ceremony needs lives here, and the
//! `fairdraw` command-line tool and the desktop shell are thin layers over it. See `docs/ARCHITECTURE.md`.

pub mod backup;
pub mod browse;
pub mod codes;
pub mod db;
pub mod error;
pub mod i18n;
pub mod model;
pub mod registers;

pub use error::{Error, ErrorCode, Result};
pub use i18n::Lang;
