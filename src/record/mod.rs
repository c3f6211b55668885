//! The record (摇号记录) of one ceremony: the PDF that witnesses sign and supervisors archive, and its export
//! together with the record bundle.
//!
//! [`RecordData::load`] reads everything the record prints; [`document`] maps it to a `pdf::Document` (pure,
//! in Chinese, with the rules in plain sentences from `wording`); [`render`] checks that every character has
//! a glyph — searching the system's fonts for missing ones before refusing with an error that names the
//! character and the entity — and renders it; [`export`] writes the bundle and the PDF side by side under
//! safe file names. A ceremony that is not sealed prints as a draft marked "草稿 / 未封存" on every page, without
//! record hash or QR code. [`sample`] runs a complete demo ceremony for tests, benchmarks and screenshots.

mod data;
mod document;
mod export;
pub mod sample;
pub mod wording;

pub use data::{ManualAssignment, ReasonCount, RecordData, ReserveUsed, Summary, TaskItem};
pub use document::{DRAFT_MARK, TITLE, document, qr_payload, record_id};
pub use export::{
    Exported, Rendered, Step, bundle_file_name, export, missing_chars, pdf_file_name, render, safe_file_stem,
};
