//! Drawing: turns laid-out pages into printpdf operations, adds the page header and footer, and writes the
//! PDF with subset fonts.
//!
//! Text is written as real text in the fonts' own encoding (printpdf embeds each font as an Identity-H CID
//! font with a ToUnicode map), so it can be selected, searched and extracted; each character uses the face
//! the glyph check picked for it.

use printpdf::{
    Color, Greyscale, Line as PdfLine, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Polygon, PolygonRing, Pt, Rect, TextItem, TextMatrix, TextRenderingMode,
    WindingOrder,
};

use super::layout::{GRID, INK, Item, LEFT, MM, MUTED, PAGE_HEIGHT, Page, RIGHT, Text};
use super::model::Document;
use super::text::Metrics;
use crate::error::{Error, ErrorCode, Result};

pub(crate) const HEADER_SIZE: f32 = 8.0;
const HEADER_BASELINE: f32 = 15.0 * MM;
const HEADER_RULE: f32 = 17.0 * MM;
/// The status mark in the page header ("草稿 / 未封存"): larger than the header text and bold, in a box.
const MARK_SIZE: f32 = 9.5;
const MARK_PAD: f32 = 1.5 * MM;
const FOOTER_SIZE: f32 = 9.0;
const FOOTER_BASELINE: f32 = PAGE_HEIGHT - 12.0 * MM;
/// Stroke width of simulated bold, in em: the font has one weight, and a thin outline in the text colour
/// thickens the strokes without changing the text.
const BOLD_STROKE: f32 = 0.03;

/// The text state of the open text object, so that font, colour and mode are only set when they change.
struct TextState {
    face: Option<usize>,
    size: f32,
    gray: f32,
    bold: bool,
}

struct Painter<'a, 'f> {
    metrics: &'a mut Metrics<'f>,
    /// The printpdf font of each face, for faces that draw something.
    font_ids: &'a [Option<printpdf::FontId>],
    ops: Vec<Op>,
    state: TextState,
}

fn gray(level: f32) -> Color {
    Color::Greyscale(Greyscale {
        percent: level,
        icc_profile: None,
    })
}

/// PDF's y axis points up from the bottom of the page.
fn flip(y: f32) -> Pt {
    Pt(PAGE_HEIGHT - y)
}

impl Painter<'_, '_> {
    /// Writes a line of text, one run per face.
    fn text(&mut self, t: &Text) {
        let Text {
            x,
            y,
            size,
            bold,
            gray: level,
            ref text,
            pitch,
        } = *t;
        if self.state.gray != level {
            self.ops.push(Op::SetFillColor { col: gray(level) });
            self.ops.push(Op::SetOutlineColor { col: gray(level) });
            self.state.gray = level;
        }
        if self.state.bold != bold {
            self.ops.push(Op::SetTextRenderingMode {
                mode: if bold {
                    TextRenderingMode::FillStroke
                } else {
                    TextRenderingMode::Fill
                },
            });
            self.state.bold = bold;
        }
        if bold {
            self.ops.push(Op::SetOutlineThickness {
                pt: Pt(size * BOLD_STROKE),
            });
        }
        // Each character with its face and advance in points, then runs of one face.
        let glyphs: Vec<(char, usize, f32)> = text
            .chars()
            .map(|c| {
                let g = if pitch.is_some() {
                    self.metrics.mono_glyph(c)
                } else {
                    self.metrics.glyph(c)
                };
                (c, g.map_or(0, |g| g.face), g.map_or(0.5, |g| g.advance) * size)
            })
            .collect();
        let mut start = 0;
        while start < glyphs.len() {
            let face = glyphs[start].1;
            let end = start + glyphs[start..].iter().take_while(|g| g.1 == face).count();
            let run = &glyphs[start..end];
            let (run_x, items) = match pitch {
                // Fixed pitch: each glyph centred in its cell. A TJ number moves the next glyph left by
                // thousandths of an em, so the gap to the next cell is a negative number.
                Some(p) => {
                    let mut items = Vec::with_capacity(run.len() * 2);
                    for (k, &(c, _, advance)) in run.iter().enumerate() {
                        items.push(TextItem::Text(c.to_string()));
                        if let Some(&(_, _, next)) = run.get(k + 1) {
                            let gap = p - (advance + next) / 2.0;
                            // A real fixed-pitch face needs no adjustment: text then extracts as one word.
                            if gap.abs() > 0.001 {
                                items.push(TextItem::Offset(-gap / size * 1000.0));
                            }
                        }
                    }
                    (x + start as f32 * p + (p - run[0].2) / 2.0, items)
                }
                None => {
                    let before: f32 = glyphs[..start].iter().map(|g| g.2).sum();
                    (
                        x + before,
                        vec![TextItem::Text(run.iter().map(|g| g.0).collect())],
                    )
                }
            };
            self.show(face, run_x, y, size, items);
            start = end;
        }
    }

    /// Shows one run of text in one face at `(x, y)`.
    fn show(&mut self, face: usize, x: f32, y: f32, size: f32, items: Vec<TextItem>) {
        // Faces without a font id draw nothing; the glyph check guarantees every character has a face.
        let Some(Some(font)) = self.font_ids.get(face) else {
            return;
        };
        if self.state.face != Some(face) || self.state.size != size {
            self.ops.push(Op::SetFont {
                font: PdfFontHandle::External(font.clone()),
                size: Pt(size),
            });
            self.state.face = Some(face);
            self.state.size = size;
        }
        self.ops.push(Op::SetTextMatrix {
            matrix: TextMatrix::Translate(Pt(x), flip(y)),
        });
        self.ops.push(Op::ShowText { items });
    }
}

/// Draws the pages and writes the PDF.
pub(crate) fn draw(doc: &Document, pages: &[Page], metrics: &mut Metrics) -> Result<Vec<u8>> {
    let mut pdf = PdfDocument::new(&doc.title);
    let total = pages.len();
    let id_text = header_id(&doc.record_id);

    // Only faces that draw something are added: an unused fallback would be an empty font in the file.
    let mut used = vec![false; metrics.fonts().faces().len()];
    let mut mark = |text: &str, mono: bool, metrics: &mut Metrics| {
        for c in text.chars() {
            let glyph = if mono {
                metrics.mono_glyph(c)
            } else {
                metrics.glyph(c)
            };
            if let Some(g) = glyph {
                used[g.face] = true;
            }
        }
    };
    mark(&id_text, false, metrics);
    mark(&doc.title, false, metrics);
    mark(&doc.mark, false, metrics);
    mark("第页共0123456789…", false, metrics);
    for page in pages {
        for item in &page.items {
            if let Item::Text(t) = item {
                mark(&t.text, t.pitch.is_some(), metrics);
            }
        }
    }
    let font_ids: Vec<Option<printpdf::FontId>> = metrics
        .fonts()
        .faces()
        .iter()
        .zip(&used)
        .map(|(face, &u)| u.then(|| pdf.add_font(&face.font)))
        .collect();

    let id_width = metrics.width(&id_text, HEADER_SIZE);
    // The status mark, if any, sits at the left of the header in a box; the title follows it.
    let mark_box = mark_width(doc, metrics);
    let title_x = if doc.mark.is_empty() {
        LEFT
    } else {
        LEFT + mark_box + 3.0 * MM
    };
    let title_room = RIGHT - title_x - id_width - 8.0 * MM;
    let header_title = fit(metrics, &doc.title, HEADER_SIZE, title_room);

    let mut pdf_pages = Vec::with_capacity(total);
    for (i, page) in pages.iter().enumerate() {
        let mut painter = Painter {
            metrics,
            font_ids: &font_ids,
            ops: Vec::new(),
            state: TextState {
                face: None,
                size: 0.0,
                gray: -1.0,
                bold: false,
            },
        };
        // Fills first, so that text and rules are drawn over them.
        for item in &page.items {
            if let Item::Fill {
                x,
                y,
                w,
                h,
                gray: level,
            } = *item
            {
                painter.ops.push(Op::SetFillColor { col: gray(level) });
                painter.ops.push(Op::DrawRectangle {
                    rectangle: Rect {
                        x: Pt(x),
                        y: flip(y + h),
                        width: Pt(w),
                        height: Pt(h),
                        mode: Some(PaintMode::Fill),
                        winding_order: Some(WindingOrder::NonZero),
                    },
                });
            }
        }

        painter.ops.push(Op::StartTextSection);
        if !doc.mark.is_empty() {
            painter.text(&Text {
                bold: true,
                ..plain(LEFT + MARK_PAD, HEADER_BASELINE, MARK_SIZE, INK, &doc.mark)
            });
        }
        painter.text(&plain(
            title_x,
            HEADER_BASELINE,
            HEADER_SIZE,
            MUTED,
            &header_title,
        ));
        painter.text(&plain(
            RIGHT - id_width,
            HEADER_BASELINE,
            HEADER_SIZE,
            MUTED,
            &id_text,
        ));
        let footer = format!("第 {} 页 共 {} 页", i + 1, total);
        let footer_width = painter.metrics.width(&footer, FOOTER_SIZE);
        let footer_x = (LEFT + RIGHT - footer_width) / 2.0;
        painter.text(&plain(footer_x, FOOTER_BASELINE, FOOTER_SIZE, INK, &footer));
        for item in &page.items {
            if let Item::Text(t) = item {
                painter.text(t);
            }
        }
        if painter.state.bold {
            painter.ops.push(Op::SetTextRenderingMode {
                mode: TextRenderingMode::Fill,
            });
        }
        painter.ops.push(Op::EndTextSection);

        let mut ops = painter.ops;
        ops.push(Op::SetOutlineColor { col: gray(MUTED) });
        ops.push(Op::SetOutlineThickness { pt: Pt(0.4) });
        ops.push(line(LEFT, HEADER_RULE, RIGHT, HEADER_RULE));
        if !doc.mark.is_empty() {
            // The box around the mark, from above the glyphs down to just above the header rule.
            let (top, bottom) = (
                HEADER_BASELINE - MARK_SIZE - MARK_PAD / 2.0,
                HEADER_RULE - 0.6 * MM,
            );
            let (left, right) = (LEFT, LEFT + mark_box);
            ops.push(Op::SetOutlineColor { col: gray(INK) });
            ops.push(Op::SetOutlineThickness { pt: Pt(0.8) });
            for (x1, y1, x2, y2) in [
                (left, top, right, top),
                (right, top, right, bottom),
                (right, bottom, left, bottom),
                (left, bottom, left, top),
            ] {
                ops.push(line(x1, y1, x2, y2));
            }
            ops.push(Op::SetOutlineThickness { pt: Pt(0.4) });
        }
        ops.push(Op::SetOutlineColor { col: gray(GRID) });
        let mut width = 0.4;
        for item in &page.items {
            match item {
                Item::Rule {
                    x1,
                    y1,
                    x2,
                    y2,
                    width: w,
                } => {
                    if *w != width {
                        ops.push(Op::SetOutlineThickness { pt: Pt(*w) });
                        width = *w;
                    }
                    ops.push(line(*x1, *y1, *x2, *y2));
                }
                Item::Qr { x, y, module, runs } => {
                    ops.push(Op::SetFillColor { col: gray(INK) });
                    ops.push(qr_polygon(*x, *y, *module, runs));
                }
                _ => {}
            }
        }
        pdf_pages.push(PdfPage::new(Mm(210.0), Mm(297.0), ops));
    }
    pdf.with_pages(pdf_pages);

    let options = PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut file = pdf.to_lopdf_document(&options, &mut warnings);
    clean_info(&mut file);
    file.compress();
    let mut bytes = Vec::new();
    file.save_to(&mut bytes).map_err(|e| {
        let detail: Vec<String> = warnings.iter().map(|w| w.msg.clone()).collect();
        Error::other(
            ErrorCode::Invalid,
            format!("PDF 写出失败：{e}（{}）", detail.join("; ")),
            format!("writing the PDF failed: {e} ({})", detail.join("; ")),
        )
    })?;
    Ok(bytes)
}

/// Fixes the document information dictionary printpdf writes: it always names a PDF/X version (empty, but
/// `pdfinfo` and archive tools then take the file for PDF/X, which it is not) and dates of 1970 (this module
/// reads no clock). Both are removed; the producer is named.
fn clean_info(file: &mut lopdf::Document) {
    let Ok(id) = file.trailer.get(b"Info").and_then(|o| o.as_reference()) else {
        return;
    };
    if let Ok(lopdf::Object::Dictionary(info)) = file.get_object_mut(id) {
        for key in [
            b"GTS_PDFXVersion".as_slice(),
            b"CreationDate",
            b"ModDate",
            b"Trapped",
            b"Identifier",
        ] {
            info.remove(key);
        }
        info.set("Producer", lopdf::Object::string_literal("fairdraw"));
    }
}

/// Regular proportional text at `(x, y)` (header and footer).
fn plain(x: f32, y: f32, size: f32, level: f32, text: &str) -> Text {
    Text {
        x,
        y,
        size,
        bold: false,
        gray: level,
        text: text.to_string(),
        pitch: None,
    }
}

/// The width of the boxed status mark in the page header, in points (0 without a mark).
pub(crate) fn mark_width(doc: &Document, metrics: &mut Metrics) -> f32 {
    if doc.mark.is_empty() {
        0.0
    } else {
        metrics.width(&doc.mark, MARK_SIZE) + 2.0 * MARK_PAD
    }
}

/// The record id as printed in the page header.
pub(crate) fn header_id(record_id: &str) -> String {
    format!("记录编号：{record_id}")
}

fn line(x1: f32, y1: f32, x2: f32, y2: f32) -> Op {
    Op::DrawLine {
        line: PdfLine {
            points: vec![
                LinePoint {
                    p: Point {
                        x: Pt(x1),
                        y: flip(y1),
                    },
                    bezier: false,
                },
                LinePoint {
                    p: Point {
                        x: Pt(x2),
                        y: flip(y2),
                    },
                    bezier: false,
                },
            ],
            is_closed: false,
        },
    }
}

/// All dark runs of a QR code as one filled path of rectangles.
fn qr_polygon(x: f32, y: f32, module: f32, runs: &[(usize, usize, usize)]) -> Op {
    let rings = runs
        .iter()
        .map(|&(row, col, len)| {
            let left = x + col as f32 * module;
            let right = left + len as f32 * module;
            let top = y + row as f32 * module;
            let bottom = top + module;
            PolygonRing {
                points: [(left, top), (right, top), (right, bottom), (left, bottom)]
                    .into_iter()
                    .map(|(px, py)| LinePoint {
                        p: Point {
                            x: Pt(px),
                            y: flip(py),
                        },
                        bezier: false,
                    })
                    .collect(),
            }
        })
        .collect();
    Op::DrawPolygon {
        polygon: Polygon {
            rings,
            mode: PaintMode::Fill,
            winding_order: WindingOrder::NonZero,
        },
    }
}

/// `text` cut with an ellipsis to fit `width` points at `size` (for the page header only: the full text
/// is printed on the first page).
fn fit(metrics: &mut Metrics, text: &str, size: f32, width: f32) -> String {
    let text: String = text.chars().map(|c| if c == '\n' { ' ' } else { c }).collect();
    if metrics.width(&text, size) <= width {
        return text;
    }
    let room = width - metrics.width("…", size);
    let mut out = String::new();
    let mut used = 0.0;
    for c in text.chars() {
        let w = metrics.advance(c) * size;
        if used + w > room {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}
