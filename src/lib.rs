//! fairdraw (双随机公开摇号): the core library of a verifiable public random draw for China's
//! "双随机、一公开" market supervision.
//!
//! This crate has no UI and no Tauri dependency: everything a headless ceremony needs lives here, and the
//! `fairdraw` command-line tool and the desktop shell are thin layers over it. See `docs/ARCHITECTURE.md`.

pub mod audit;
pub mod backup;
pub mod browse;
pub mod bundle;
pub mod calendar;
pub mod ceremony;
pub mod clock;
pub mod codes;
pub mod coverage;
pub mod db;
pub mod demo;
pub mod draw;
pub mod error;
pub mod export;
mod fastcsv;
pub mod fault;
pub mod folders;
#[doc(hidden)]
pub mod fuzzing;
pub mod i18n;
pub mod import;
pub mod journal;
pub mod model;
pub mod normalize;
pub mod notice;
pub mod pdf;
pub mod plan;
pub mod record;
pub mod registers;
pub mod result;
pub mod task;
pub mod taskfile;

pub use error::{Error, ErrorCode, Result};
pub use i18n::Lang;
