//! PDF documents: the layer the record (摇号记录) and the notices are printed with.
//!
//! A builder maps its data to a [`Document`] of [`Block`]s (headings, paragraphs, key–value tables, tables,
//! signature rows, QR codes, fixed-pitch hash values); [`render`] lays it out on A4 pages and writes a PDF
//! with embedded, subset fonts from [`Fonts`]. Rendering happens in three steps, each in its own module:
//! the glyph check (`check`), which refuses a document with a character no font can draw; layout
//! (`layout`, measuring with `text`), which decides every line and page break before anything is drawn so
//! the footer can say "第 N 页 共 M 页"; and drawing (`draw`).
//!
//! This module does no I/O of its own except reading font files it is given or finds; it reads no clock, so
//! the same document and fonts always give the same pages.

mod check;
mod draw;
mod fonts;
mod layout;
mod model;
mod qr;
mod text;

pub use fonts::{Fonts, system_font_dirs};
pub use model::{Align, Block, Column, Document, Signatory, Table, Width};

use crate::error::{Error, ErrorCode, Result};

/// Renders `doc` as an A4 PDF.
///
/// Fails with [`ErrorCode::Invalid`] when a character has no glyph in any of `fonts` (the error names the
/// character, its code point and where it is), when a table row has the wrong number of cells, when fixed
/// column widths exceed the text width, when a QR payload is too long, or when the record id (and the mark)
/// do not fit in the page header.
pub fn render(doc: &Document, fonts: &Fonts) -> Result<Vec<u8>> {
    let mut metrics = text::Metrics::new(fonts);
    check::check_glyphs(doc, &mut metrics)?;
    let id_width = metrics.width(&draw::header_id(&doc.record_id), draw::HEADER_SIZE)
        + draw::mark_width(doc, &mut metrics);
    if id_width > layout::TEXT_WIDTH * 0.8 {
        return Err(Error::other(
            ErrorCode::Invalid,
            format!("记录编号（和页眉标记）太长，页眉放不下：{}", doc.record_id),
            format!(
                "the record id (with the header mark) is too long for the page header: {}",
                doc.record_id
            ),
        ));
    }
    let pages = layout::layout(doc, &mut metrics)?;
    draw::draw(doc, &pages, &mut metrics)
}
