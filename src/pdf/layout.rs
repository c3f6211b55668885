//! Layout: turns the blocks of a [`Document`] into pages of positioned text, fills and rules.
//!
//! All positions are in points, measured from the top-left corner of an A4 page (the drawing step flips
//! them to PDF's bottom-up coordinates). Layout finishes before anything is drawn, so the footer knows the
//! page count. Every line is measured with the glyph advances of the font that will draw it, and every
//! placement checks the bottom of the text area, so nothing runs past a margin.

use super::model::{Align, Block, Document, Signatory, Table, Width};
use super::qr::QrMatrix;
use super::text::{Line, Metrics};
use crate::error::{Error, ErrorCode, Result};

/// Points per millimetre.
pub(crate) const MM: f32 = 72.0 / 25.4;
/// A4 portrait, in points.
pub(crate) const PAGE_WIDTH: f32 = 210.0 * MM;
pub(crate) const PAGE_HEIGHT: f32 = 297.0 * MM;
/// The left margin is wider than the right one: archived records are bound on the left (装订边).
pub(crate) const LEFT: f32 = 28.0 * MM;
pub(crate) const RIGHT: f32 = PAGE_WIDTH - 20.0 * MM;
/// The text area, below the page header and above the footer.
pub(crate) const TOP: f32 = 24.0 * MM;
pub(crate) const BOTTOM: f32 = PAGE_HEIGHT - 22.0 * MM;
pub(crate) const TEXT_WIDTH: f32 = RIGHT - LEFT;

/// The top of a glyph's em box sits this far above the baseline, in em (the ideographic em box of CJK
/// fonts runs from 0.88 em above to 0.12 em below the baseline).
const ASCENT: f32 = 0.88;

const TITLE_SIZE: f32 = 18.0;
const SUBTITLE_SIZE: f32 = 12.0;
const BODY_SIZE: f32 = 10.5;
const BODY_LEADING: f32 = 17.0;
const FIELD_SIZE: f32 = 10.0;
const FIELD_LEADING: f32 = 14.5;
const TABLE_SIZE: f32 = 9.0;
const TABLE_LEADING: f32 = 13.0;
const MONO_SIZE: f32 = 9.0;
const CELL_PAD_X: f32 = 1.6 * MM;
const CELL_PAD_Y: f32 = 1.2 * MM;
const SIGNATURE_ROW_HEIGHT: f32 = 15.0 * MM;
/// Space after a block.
const BLOCK_GAP: f32 = 3.0 * MM;
/// The side of a QR code, quiet zone included, unless the code needs more for modules of at least
/// [`QR_MIN_MODULE`].
const QR_SIZE: f32 = 32.0 * MM;
const QR_MIN_MODULE: f32 = 0.5 * MM;
const QR_QUIET_MODULES: usize = 4;
const QR_CAPTION_GAP: f32 = 6.0 * MM;

/// Grey levels (0 black, 1 white).
pub(crate) const INK: f32 = 0.0;
pub(crate) const GRID: f32 = 0.35;
pub(crate) const SHADE: f32 = 0.92;
pub(crate) const MUTED: f32 = 0.35;

/// One laid-out page.
#[derive(Debug, Default)]
pub(crate) struct Page {
    pub(crate) items: Vec<Item>,
}

/// Something drawn on a page. `y` of text is its baseline; `y` of a fill is its top.
#[derive(Debug)]
pub(crate) enum Item {
    Text(Text),
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        gray: f32,
    },
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
    /// A QR code: dark runs `(row, column, length)` of modules `module` points wide, from `(x, y)`.
    Qr {
        x: f32,
        y: f32,
        module: f32,
        runs: Vec<(usize, usize, usize)>,
    },
}

/// A line of text, placed.
#[derive(Debug)]
pub(crate) struct Text {
    pub(crate) x: f32,
    /// The baseline.
    pub(crate) y: f32,
    pub(crate) size: f32,
    pub(crate) bold: bool,
    pub(crate) gray: f32,
    pub(crate) text: String,
    /// Fixed-pitch cells: each character advances by this many points instead of its own width.
    pub(crate) pitch: Option<f32>,
}

/// How a run of lines is set.
#[derive(Clone, Copy, Debug)]
struct Style {
    size: f32,
    leading: f32,
    bold: bool,
}

/// A table cell after line breaking.
#[derive(Clone, Debug)]
struct Cell {
    lines: Vec<Line>,
    align: Align,
    pitch: Option<f32>,
}

/// A table ready to be placed: column edges, header and rows of wrapped cells, and how it looks.
struct Grid {
    /// Column edges, left to right (one more than the number of columns).
    edges: Vec<f32>,
    header: Option<Vec<Cell>>,
    rows: Vec<Vec<Cell>>,
    size: f32,
    leading: f32,
    /// Rows are at least this tall and their text is centred vertically (the signature table).
    min_row: f32,
    /// Shade the first column (labels of key–value tables).
    shade_first: bool,
}

/// Lays out `doc` into pages. The document's glyphs must have been checked.
pub(crate) fn layout(doc: &Document, metrics: &mut Metrics) -> Result<Vec<Page>> {
    let mut l = Layouter {
        metrics,
        pages: vec![Page::default()],
        y: TOP,
    };
    l.title(doc);
    for (i, block) in doc.blocks.iter().enumerate() {
        if let Block::Heading(level, text) = block {
            // A heading stays with the start of what follows it (a table's header and first row, say).
            let next = match doc.blocks.get(i + 1) {
                Some(next) => l.start_height(i + 2, next)?,
                None => 0.0,
            };
            l.heading(*level, text, next);
        } else {
            l.block(i + 1, block)?;
        }
    }
    Ok(l.pages)
}

struct Layouter<'m, 'f> {
    metrics: &'m mut Metrics<'f>,
    pages: Vec<Page>,
    /// The top of the free space on the current page.
    y: f32,
}

/// The baseline of a line whose line box starts at `top`.
fn baseline(top: f32, size: f32, leading: f32) -> f32 {
    top + (leading - size) / 2.0 + ASCENT * size
}

/// The x where a line of `width` starts in the span `left..right`.
fn aligned_x(align: Align, left: f32, right: f32, width: f32) -> f32 {
    match align {
        Align::Left => left,
        Align::Center => left + (right - left - width).max(0.0) / 2.0,
        Align::Right => (right - width).max(left),
    }
}

impl Layouter<'_, '_> {
    fn page(&mut self) -> &mut Page {
        // `pages` starts with one page and only grows.
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = TOP;
    }

    fn at_page_top(&self) -> bool {
        self.y <= TOP
    }

    fn push(&mut self, item: Item) {
        self.page().items.push(item);
    }

    /// Places lines one below the other in `left..right`, continuing on a new page when the page is full.
    fn lines(&mut self, lines: &[Line], left: f32, right: f32, style: Style, align: Align) {
        for line in lines {
            if self.y + style.leading > BOTTOM {
                self.new_page();
            }
            if !line.text.is_empty() {
                self.push(Item::Text(Text {
                    x: aligned_x(align, left, right, line.width),
                    y: baseline(self.y, style.size, style.leading),
                    size: style.size,
                    bold: style.bold,
                    gray: INK,
                    text: line.text.clone(),
                    pitch: None,
                }));
            }
            self.y += style.leading;
        }
    }

    fn title(&mut self, doc: &Document) {
        if !doc.title.is_empty() {
            let lines = self.metrics.wrap(&doc.title, TITLE_SIZE, TEXT_WIDTH);
            self.lines(
                &lines,
                LEFT,
                RIGHT,
                Style {
                    size: TITLE_SIZE,
                    leading: TITLE_SIZE * 1.5,
                    bold: true,
                },
                Align::Center,
            );
        }
        if !doc.subtitle.is_empty() {
            let lines = self.metrics.wrap(&doc.subtitle, SUBTITLE_SIZE, TEXT_WIDTH);
            self.y += 1.0 * MM;
            self.lines(
                &lines,
                LEFT,
                RIGHT,
                Style {
                    size: SUBTITLE_SIZE,
                    leading: SUBTITLE_SIZE * 1.6,
                    bold: false,
                },
                Align::Center,
            );
        }
        if !doc.title.is_empty() || !doc.subtitle.is_empty() {
            self.y += 5.0 * MM;
        }
    }

    fn gap(&mut self) {
        self.y += BLOCK_GAP;
    }

    fn block(&mut self, n: usize, block: &Block) -> Result<()> {
        match block {
            Block::Heading(level, text) => self.heading(*level, text, 0.0),
            Block::Paragraph(text) => {
                let lines = self.metrics.wrap(text, BODY_SIZE, TEXT_WIDTH);
                self.lines(
                    &lines,
                    LEFT,
                    RIGHT,
                    Style {
                        size: BODY_SIZE,
                        leading: BODY_LEADING,
                        bold: false,
                    },
                    Align::Left,
                );
                self.gap();
            }
            Block::KeyValues(pairs) => {
                let grid = self.pairs_grid(pairs, false);
                self.grid(&grid);
                self.gap();
            }
            Block::Mono(pairs) => {
                let grid = self.pairs_grid(pairs, true);
                self.grid(&grid);
                self.gap();
            }
            Block::Table(table) => {
                let grid = self.table_grid(n, table)?;
                self.grid(&grid);
                self.gap();
            }
            Block::Signatures(people) => {
                let grid = self.signature_grid(people);
                self.grid(&grid);
                self.gap();
            }
            Block::Qr { payload, caption } => {
                self.qr(n, payload, caption)?;
                self.gap();
            }
            Block::Spacer(mm) => {
                let h = mm.max(0.0) * MM;
                if !self.at_page_top() {
                    if self.y + h > BOTTOM {
                        self.new_page();
                    } else {
                        self.y += h;
                    }
                }
            }
            Block::PageBreak => {
                if !self.at_page_top() {
                    self.new_page();
                }
            }
        }
        Ok(())
    }

    /// The height `block` needs at the bottom of a page to start there: three lines of a paragraph, a
    /// table's header and first row, a QR code; 0 for blocks that take no room.
    fn start_height(&mut self, n: usize, block: &Block) -> Result<f32> {
        let first = |grid: &Grid| {
            let row = grid.rows.first().map_or(0.0, |r| {
                Self::row_height(grid, r.iter().map(|c| c.lines.len()).max().unwrap_or(1))
            });
            Self::header_height(grid) + row
        };
        Ok(match block {
            Block::Heading(..) | Block::Spacer(_) | Block::PageBreak => 0.0,
            Block::Paragraph(text) => {
                let lines = self.metrics.wrap(text, BODY_SIZE, TEXT_WIDTH).len().min(3);
                lines as f32 * BODY_LEADING
            }
            Block::KeyValues(pairs) | Block::Mono(pairs) => {
                let grid = self.pairs_grid(pairs, matches!(block, Block::Mono(_)));
                first(&grid)
            }
            Block::Table(table) => {
                let head = Table {
                    columns: table.columns.clone(),
                    rows: table.rows.iter().take(1).cloned().collect(),
                };
                first(&self.table_grid(n, &head)?)
            }
            Block::Signatures(people) => first(&self.signature_grid(&people[..people.len().min(1)])),
            Block::Qr { .. } => QR_SIZE,
        })
    }

    /// Places a heading, on a new page unless it fits here with `keep` points of what follows (at least three
    /// lines of text), so that a heading is never left alone at the bottom of a page.
    fn heading(&mut self, level: u8, text: &str, keep: f32) {
        let (size, before) = match level {
            0 | 1 => (14.0, 4.0 * MM),
            2 => (12.0, 3.0 * MM),
            _ => (BODY_SIZE, 2.0 * MM),
        };
        let leading = size * 1.5;
        let lines = self.metrics.wrap(text, size, TEXT_WIDTH);
        if !self.at_page_top() {
            self.y += before;
        }
        // Keep the heading with the start of what follows (and at least three lines of text), unless that is
        // taller than a page anyway.
        let keep = keep
            .max(3.0 * BODY_LEADING)
            .min(BOTTOM - TOP - lines.len() as f32 * leading);
        let need = lines.len() as f32 * leading + 1.0 * MM + keep;
        if self.y + need > BOTTOM && !self.at_page_top() {
            self.new_page();
        }
        self.lines(
            &lines,
            LEFT,
            RIGHT,
            Style {
                size,
                leading,
                bold: true,
            },
            Align::Left,
        );
        self.y += 1.0 * MM;
    }

    /// Column edges from widths: fixed columns first, the rest shared by weight.
    fn edges(n: usize, widths: &[Width]) -> Result<Vec<f32>> {
        let fixed: f32 = widths
            .iter()
            .map(|w| match w {
                Width::Mm(mm) => mm.max(0.0) * MM,
                Width::Weight(_) => 0.0,
            })
            .sum();
        let weights: f32 = widths
            .iter()
            .map(|w| match w {
                Width::Weight(x) => x.max(0.0),
                Width::Mm(_) => 0.0,
            })
            .sum();
        let rest = TEXT_WIDTH - fixed;
        let has_weights = widths.iter().any(|w| matches!(w, Width::Weight(_)));
        if rest < -0.01 || (has_weights && (rest <= 0.0 || weights <= 0.0)) {
            return Err(Error::other(
                ErrorCode::Invalid,
                format!(
                    "第 {n} 块（表格）：列宽之和超出版心宽度 {:.0} 毫米，或相对列宽不是正数",
                    TEXT_WIDTH / MM
                ),
                format!(
                    "block {n} (table): the fixed column widths exceed the text width of {:.0} mm, or the relative widths are not positive",
                    TEXT_WIDTH / MM
                ),
            ));
        }
        let mut edges = vec![LEFT];
        let mut x = LEFT;
        for w in widths {
            x += match w {
                Width::Mm(mm) => mm.max(0.0) * MM,
                Width::Weight(v) => rest * v.max(0.0) / weights,
            };
            edges.push(x.min(RIGHT));
        }
        Ok(edges)
    }

    fn cell(&mut self, text: &str, width: f32, size: f32, align: Align) -> Cell {
        Cell {
            lines: self.metrics.wrap(text, size, width - 2.0 * CELL_PAD_X),
            align,
            pitch: None,
        }
    }

    /// A cell of a fixed-pitch column: one line when the value fits, else lines of equal length.
    fn mono_cell(text: &str, width: f32, pitch: f32, align: Align) -> Cell {
        let room = width - 2.0 * CELL_PAD_X;
        let chars = text.chars().filter(|c| !matches!(c, '\n' | '\r')).count();
        let lines = if chars as f32 * pitch <= room {
            vec![Line {
                text: text.chars().filter(|c| !matches!(c, '\n' | '\r')).collect(),
                width: chars as f32 * pitch,
            }]
        } else {
            Metrics::mono_lines(text, pitch, room)
        };
        Cell {
            lines,
            align,
            pitch: Some(pitch),
        }
    }

    fn table_grid(&mut self, n: usize, table: &Table) -> Result<Grid> {
        let columns = &table.columns;
        if columns.is_empty() {
            return Err(Error::other(
                ErrorCode::Invalid,
                format!("第 {n} 块（表格）没有列"),
                format!("block {n} (table) has no columns"),
            ));
        }
        let widths: Vec<Width> = columns.iter().map(|c| c.width).collect();
        let edges = Self::edges(n, &widths)?;
        for (c, column) in columns.iter().enumerate() {
            // A column must hold at least one wide character, or a line could not be broken to fit it.
            if edges[c + 1] - edges[c] - 2.0 * CELL_PAD_X < TABLE_SIZE * 1.05 {
                return Err(Error::other(
                    ErrorCode::Invalid,
                    format!("第 {n} 块（表格）“{}”列太窄", column.header),
                    format!(
                        "block {n} (table): the column \"{}\" is too narrow",
                        column.header
                    ),
                ));
            }
        }
        let header = columns
            .iter()
            .enumerate()
            .map(|(c, col)| self.cell(&col.header, edges[c + 1] - edges[c], TABLE_SIZE, Align::Center))
            .collect();
        // One pitch per fixed-pitch column, so that its values line up.
        let pitches: Vec<Option<f32>> = columns
            .iter()
            .enumerate()
            .map(|(c, col)| {
                col.mono.then(|| {
                    table
                        .rows
                        .iter()
                        .filter_map(|row| row.get(c))
                        .flat_map(|text| text.chars())
                        .map(|ch| self.metrics.mono_glyph(ch).map_or(0.0, |g| g.advance))
                        .fold(0.0, f32::max)
                        * TABLE_SIZE
                })
            })
            .collect();
        let mut rows = Vec::with_capacity(table.rows.len());
        for (r, row) in table.rows.iter().enumerate() {
            if row.len() != columns.len() {
                return Err(Error::other(
                    ErrorCode::Invalid,
                    format!(
                        "第 {n} 块（表格）第 {} 行有 {} 个单元格，表格有 {} 列",
                        r + 1,
                        row.len(),
                        columns.len()
                    ),
                    format!(
                        "block {n} (table), row {}: {} cells for {} columns",
                        r + 1,
                        row.len(),
                        columns.len()
                    ),
                ));
            }
            rows.push(
                row.iter()
                    .enumerate()
                    .map(|(c, text)| {
                        let width = edges[c + 1] - edges[c];
                        match pitches[c] {
                            Some(pitch) if pitch > 0.0 => {
                                Self::mono_cell(text, width, pitch, columns[c].align)
                            }
                            _ => self.cell(text, width, TABLE_SIZE, columns[c].align),
                        }
                    })
                    .collect(),
            );
        }
        Ok(Grid {
            edges,
            header: Some(header),
            rows,
            size: TABLE_SIZE,
            leading: TABLE_LEADING,
            min_row: 0.0,
            shade_first: false,
        })
    }

    /// A two-column grid of labels and values; `mono` sets the values in fixed-pitch cells.
    fn pairs_grid(&mut self, pairs: &[(String, String)], mono: bool) -> Grid {
        let size = if mono { MONO_SIZE } else { FIELD_SIZE };
        let widest = pairs
            .iter()
            .map(|(label, _)| self.metrics.width(label, FIELD_SIZE))
            .fold(0.0, f32::max);
        let label_width = (widest + 2.0 * CELL_PAD_X + 0.5).clamp(22.0 * MM, TEXT_WIDTH * 0.38);
        let edges = vec![LEFT, LEFT + label_width, RIGHT];
        let value_width = RIGHT - LEFT - label_width - 2.0 * CELL_PAD_X;
        // One pitch for the whole block, so that values of equal length line up with each other.
        let pitch = if mono {
            let widest_char = pairs
                .iter()
                .flat_map(|(_, v)| v.chars())
                .map(|c| self.metrics.mono_glyph(c).map_or(0.0, |g| g.advance))
                .fold(0.0, f32::max);
            Some(widest_char * size)
        } else {
            None
        };
        let rows = pairs
            .iter()
            .map(|(label, value)| {
                let label = self.cell(label, label_width, FIELD_SIZE, Align::Left);
                let value = match pitch {
                    Some(p) if p > 0.0 => Cell {
                        lines: Metrics::mono_lines(value, p, value_width),
                        align: Align::Left,
                        pitch,
                    },
                    _ => self.cell(value, value_width + 2.0 * CELL_PAD_X, size, Align::Left),
                };
                vec![label, value]
            })
            .collect();
        Grid {
            edges,
            header: None,
            rows,
            size,
            leading: if mono { TABLE_LEADING } else { FIELD_LEADING },
            min_row: 0.0,
            shade_first: true,
        }
    }

    fn signature_grid(&mut self, people: &[Signatory]) -> Grid {
        let widths = [
            Width::Mm(22.0),
            Width::Weight(1.2),
            Width::Weight(2.0),
            Width::Mm(34.0),
            Width::Mm(36.0),
        ];
        // The widths are constants that fit the text width.
        let edges = Self::edges(0, &widths).unwrap_or_else(|_| vec![LEFT, LEFT, LEFT, LEFT, LEFT, RIGHT]);
        let w = |c: usize| edges[c + 1] - edges[c];
        let header = ["姓名", "身份", "单位", "签名", "日期"]
            .iter()
            .enumerate()
            .map(|(c, h)| self.cell(h, w(c), FIELD_SIZE, Align::Center))
            .collect();
        let rows = people
            .iter()
            .map(|p| {
                vec![
                    self.cell(&p.name, w(0), FIELD_SIZE, Align::Center),
                    self.cell(&p.role, w(1), FIELD_SIZE, Align::Left),
                    self.cell(&p.unit, w(2), FIELD_SIZE, Align::Left),
                    self.cell("", w(3), FIELD_SIZE, Align::Left),
                    self.cell(
                        "年\u{3000}\u{3000}月\u{3000}\u{3000}日",
                        w(4),
                        FIELD_SIZE,
                        Align::Right,
                    ),
                ]
            })
            .collect();
        Grid {
            edges,
            header: Some(header),
            rows,
            size: FIELD_SIZE,
            leading: FIELD_LEADING,
            min_row: SIGNATURE_ROW_HEIGHT,
            shade_first: false,
        }
    }

    fn row_height(grid: &Grid, lines: usize) -> f32 {
        (lines as f32 * grid.leading + 2.0 * CELL_PAD_Y).max(grid.min_row)
    }

    /// Places the header row of `grid` at the current position (a new table segment starts here).
    fn place_header(&mut self, grid: &Grid) {
        if let Some(header) = &grid.header {
            let lines = header.iter().map(|c| c.lines.len()).max().unwrap_or(1);
            let h = lines as f32 * grid.leading + 2.0 * CELL_PAD_Y;
            let (left, right) = (grid.edges[0], grid.edges[grid.edges.len() - 1]);
            self.push(Item::Fill {
                x: left,
                y: self.y,
                w: right - left,
                h,
                gray: SHADE,
            });
            let parts: Vec<&[Line]> = header.iter().map(|c| c.lines.as_slice()).collect();
            self.place_cells(grid, header, &parts, h, true);
            self.y += h;
        }
    }

    fn header_height(grid: &Grid) -> f32 {
        grid.header.as_ref().map_or(0.0, |h| {
            h.iter().map(|c| c.lines.len()).max().unwrap_or(1) as f32 * grid.leading + 2.0 * CELL_PAD_Y
        })
    }

    /// Draws the given line slices of a row's cells in a row box of height `h` starting at `self.y`.
    fn place_cells(&mut self, grid: &Grid, cells: &[Cell], parts: &[&[Line]], h: f32, bold: bool) {
        for (c, (cell, lines)) in cells.iter().zip(parts).enumerate() {
            let (left, right) = (grid.edges[c] + CELL_PAD_X, grid.edges[c + 1] - CELL_PAD_X);
            // Cells of rows with a minimum height (room to sign) are centred vertically, the rest top-aligned.
            let offset = if grid.min_row > 0.0 {
                ((h - lines.len() as f32 * grid.leading - 2.0 * CELL_PAD_Y) / 2.0).max(0.0)
            } else {
                0.0
            };
            for (i, line) in lines.iter().enumerate() {
                if line.text.is_empty() {
                    continue;
                }
                let top = self.y + offset + CELL_PAD_Y + i as f32 * grid.leading;
                self.push(Item::Text(Text {
                    x: aligned_x(cell.align, left, right, line.width),
                    y: baseline(top, grid.size, grid.leading),
                    size: grid.size,
                    bold,
                    gray: INK,
                    text: line.text.clone(),
                    pitch: cell.pitch,
                }));
            }
        }
    }

    /// Draws the rules of a table segment: the outer frame, column rules and a rule under every row.
    fn finish_segment(&mut self, grid: &Grid, top: f32, row_bottoms: &[f32]) {
        let Some(&bottom) = row_bottoms.last() else {
            return;
        };
        let (left, right) = (grid.edges[0], grid.edges[grid.edges.len() - 1]);
        for &x in &grid.edges {
            self.push(Item::Rule {
                x1: x,
                y1: top,
                x2: x,
                y2: bottom,
                width: 0.5,
            });
        }
        self.push(Item::Rule {
            x1: left,
            y1: top,
            x2: right,
            y2: top,
            width: 0.5,
        });
        for &y in row_bottoms {
            self.push(Item::Rule {
                x1: left,
                y1: y,
                x2: right,
                y2: y,
                width: 0.5,
            });
        }
    }

    /// Places a grid: rows flow down the page; a row that does not fit moves to the next page under a
    /// repeated header, and a row taller than a whole page is split between lines.
    fn grid(&mut self, grid: &Grid) {
        let header_h = Self::header_height(grid);
        let one_line = grid.leading + 2.0 * CELL_PAD_Y;
        let fresh = BOTTOM - TOP - header_h;
        let first = grid.rows.first().map_or(0.0, |r| {
            Self::row_height(grid, r.iter().map(|c| c.lines.len()).max().unwrap_or(1))
        });
        // Never leave a header alone at the bottom of a page: start on a new page unless the header and the
        // first row fit (or, for a first row taller than a page, its first line).
        let need = if first <= fresh { first } else { one_line };
        if self.y + header_h + need > BOTTOM && !self.at_page_top() {
            self.new_page();
        }
        let (mut top, mut bottoms) = self.start_segment(grid);
        for row in &grid.rows {
            // Lines of each cell not yet placed.
            let mut parts: Vec<&[Line]> = row.iter().map(|c| c.lines.as_slice()).collect();
            let mut whole = true;
            loop {
                let lines = parts.iter().map(|p| p.len()).max().unwrap_or(0).max(1);
                let h = if whole {
                    Self::row_height(grid, lines)
                } else {
                    lines as f32 * grid.leading + 2.0 * CELL_PAD_Y
                };
                let rows_here = bottoms.len() > usize::from(grid.header.is_some());
                if self.y + h <= BOTTOM {
                    self.row_box(grid, row, &parts, h);
                    bottoms.push(self.y);
                    break;
                }
                if h <= fresh && (rows_here || top > TOP) {
                    // The row fits on a fresh page: move it there whole.
                    self.finish_segment(grid, top, &bottoms);
                    self.new_page();
                    (top, bottoms) = self.start_segment(grid);
                    continue;
                }
                // Split the row: as many lines as fit here, the rest on the next page.
                let fit = ((BOTTOM - self.y - 2.0 * CELL_PAD_Y) / grid.leading).floor();
                if fit >= 1.0 {
                    let k = fit as usize;
                    let here: Vec<&[Line]> = parts.iter().map(|p| &p[..k.min(p.len())]).collect();
                    let h = k as f32 * grid.leading + 2.0 * CELL_PAD_Y;
                    self.row_box(grid, row, &here, h);
                    bottoms.push(self.y);
                    parts = parts.iter().map(|p| &p[k.min(p.len())..]).collect();
                    whole = false;
                }
                self.finish_segment(grid, top, &bottoms);
                self.new_page();
                (top, bottoms) = self.start_segment(grid);
            }
        }
        self.finish_segment(grid, top, &bottoms);
    }

    /// Starts a table segment at the current position with the header row: returns the segment's top and
    /// the bottoms of the rows placed so far (the header's).
    fn start_segment(&mut self, grid: &Grid) -> (f32, Vec<f32>) {
        let top = self.y;
        self.place_header(grid);
        let bottoms = if grid.header.is_some() {
            vec![self.y]
        } else {
            Vec::new()
        };
        (top, bottoms)
    }

    /// Places one row box (or part of a row) of height `h` at `self.y` and advances.
    fn row_box(&mut self, grid: &Grid, row: &[Cell], parts: &[&[Line]], h: f32) {
        if grid.shade_first {
            self.push(Item::Fill {
                x: grid.edges[0],
                y: self.y,
                w: grid.edges[1] - grid.edges[0],
                h,
                gray: SHADE,
            });
        }
        self.place_cells(grid, row, parts, h, false);
        self.y += h;
    }

    fn qr(&mut self, n: usize, payload: &str, caption: &str) -> Result<()> {
        let matrix = QrMatrix::encode(payload, n)?;
        let modules = matrix.width + 2 * QR_QUIET_MODULES;
        let side = QR_SIZE.max(modules as f32 * QR_MIN_MODULE).min(TEXT_WIDTH / 2.0);
        let module = side / modules as f32;
        if self.y + side > BOTTOM {
            self.new_page();
        }
        let quiet = QR_QUIET_MODULES as f32 * module;
        self.push(Item::Qr {
            x: LEFT + quiet,
            y: self.y + quiet,
            module,
            runs: matrix.runs(),
        });
        let (top, page) = (self.y, self.pages.len());
        let left = LEFT + side + QR_CAPTION_GAP;
        let lines = self.metrics.wrap(caption, FIELD_SIZE, RIGHT - left);
        self.y += quiet;
        self.lines(
            &lines,
            left,
            RIGHT,
            Style {
                size: FIELD_SIZE,
                leading: FIELD_LEADING,
                bold: false,
            },
            Align::Left,
        );
        // A caption longer than the rest of the page continues on the next one; otherwise the block ends
        // below the code.
        if self.pages.len() == page {
            self.y = self.y.max(top + side);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::model::Column;
    use crate::pdf::text::tests::fonts;

    const EPS: f32 = 0.01;

    /// A document with every kind of block and enough content for many pages.
    fn everything() -> Document {
        let long =
            "湖南永州潇湘源生态农业科技开发有限责任公司冷水滩区分公司 Yongzhou International Trading Co.";
        Document {
            record_id: "FD-1".into(),
            title: "双随机抽查摇号记录".repeat(4),
            subtitle: "任务编号：YZ-SJ-2026-018".into(),
            mark: String::new(),
            blocks: vec![
                Block::Heading(1, "一、任务".into()),
                Block::Paragraph(long.repeat(20)),
                Block::KeyValues(vec![
                    ("很长的字段名称".repeat(6), long.repeat(3)),
                    ("短".into(), "值".into()),
                ]),
                Block::Mono(vec![("种子".into(), "0123456789abcdef".repeat(12))]),
                Block::Qr {
                    payload: "x".repeat(300),
                    caption: long.repeat(2),
                },
                Block::Spacer(250.0),
                Block::Table(Table {
                    columns: vec![
                        Column::fixed("序号", 12.0).align(Align::Right),
                        Column::new("企业名称", 3.0),
                        Column::new("检查组", 1.0).align(Align::Center),
                    ],
                    rows: (0..300)
                        .map(|i| vec![i.to_string(), long.repeat(i % 4 + 1), format!("第{i}组")])
                        .collect(),
                }),
                Block::Heading(2, "签字".into()),
                Block::Signatures(
                    (0..30)
                        .map(|i| Signatory {
                            name: format!("见证人{i}"),
                            role: "监督见证人（人大代表）".into(),
                            unit: long.into(),
                        })
                        .collect(),
                ),
                Block::PageBreak,
                Block::PageBreak,
                Block::Paragraph("完".into()),
            ],
        }
    }

    #[test]
    fn everything_stays_inside_the_text_area() {
        let mut metrics = Metrics::new(fonts());
        let pages = layout(&everything(), &mut metrics).unwrap();
        assert!(pages.len() > 10, "{} pages", pages.len());
        for (p, page) in pages.iter().enumerate() {
            assert!(!page.items.is_empty(), "page {} is blank", p + 1);
            for item in &page.items {
                let (x0, y0, x1, y1) = match item {
                    Item::Text(t) => {
                        let w = match t.pitch {
                            Some(pitch) => t.text.chars().count() as f32 * pitch,
                            None => metrics.width(&t.text, t.size),
                        };
                        (t.x, t.y - ASCENT * t.size, t.x + w, t.y + (1.0 - ASCENT) * t.size)
                    }
                    Item::Fill { x, y, w, h, .. } => (*x, *y, x + w, y + h),
                    Item::Rule { x1, y1, x2, y2, .. } => (*x1, *y1, *x2, *y2),
                    Item::Qr { x, y, module, runs } => {
                        let n = runs.iter().map(|r| r.0.max(r.1 + r.2)).max().unwrap_or(0) as f32;
                        (*x, *y, x + n * module, y + n * module)
                    }
                };
                assert!(
                    x0 >= LEFT - EPS && x1 <= RIGHT + EPS && y0 >= TOP - EPS && y1 <= BOTTOM + EPS,
                    "page {}: {item:?} at {x0}..{x1} x {y0}..{y1}",
                    p + 1
                );
            }
        }
    }

    #[test]
    fn headings_and_table_headers_are_followed_by_content_on_their_page() {
        let mut metrics = Metrics::new(fonts());
        let pages = layout(&everything(), &mut metrics).unwrap();
        for page in &pages {
            let last_text = page.items.iter().rev().find_map(|i| match i {
                Item::Text(t) => Some(t),
                _ => None,
            });
            if let Some(t) = last_text {
                assert!(!t.bold, "a heading or table header ends a page: {t:?}");
            }
        }
    }

    #[test]
    fn a_heading_moves_to_the_next_page_with_a_table_whose_first_row_does_not_fit() {
        let mut metrics = Metrics::new(fonts());
        // About 32 mm are left below the spacer: room for the heading and three lines of text, not for the
        // table's header and its six-line first row.
        let doc = Document {
            blocks: vec![
                Block::Paragraph("开头".into()),
                Block::Spacer(210.0),
                Block::Heading(1, "三、抽查事项".into()),
                Block::Table(Table {
                    columns: vec![Column::new("事项", 1.0)],
                    rows: vec![vec!["第一行\n二\n三\n四\n五\n六".into()]],
                }),
            ],
            ..Document::default()
        };
        let pages = layout(&doc, &mut metrics).unwrap();
        let page_of = |text: &str| {
            pages.iter().position(|p| {
                p.items
                    .iter()
                    .any(|i| matches!(i, Item::Text(t) if t.text == text))
            })
        };
        assert_eq!(pages.len(), 2);
        assert_eq!(page_of("三、抽查事项"), Some(1));
        assert_eq!(page_of("事项"), Some(1));
        assert_eq!(page_of("六"), Some(1));
    }

    #[test]
    fn a_fixed_pitch_column_keeps_every_credit_code_on_one_line() {
        let mut metrics = Metrics::new(fonts());
        // Wide letters (W, M, Q) that a proportional font could not fit into 38 mm.
        let codes = ["91431181MACQHBNW38", "91110105MA0012008X", "WWWWWWWWWWWWWWWWWW"];
        let doc = Document {
            blocks: vec![Block::Table(Table {
                columns: vec![
                    Column::fixed("统一社会信用代码", 38.0).mono(),
                    Column::new("名称", 1.0),
                ],
                rows: codes
                    .iter()
                    .map(|c| vec![c.to_string(), "某公司".into()])
                    .collect(),
            })],
            ..Document::default()
        };
        assert!(metrics.width(codes[0], TABLE_SIZE) > 38.0 * MM - 2.0 * CELL_PAD_X);
        let pages = layout(&doc, &mut metrics).unwrap();
        let texts: Vec<&Text> = pages[0]
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Text(t) => Some(t),
                _ => None,
            })
            .collect();
        for code in codes {
            let t = texts.iter().find(|t| t.text == code).unwrap();
            let pitch = t.pitch.unwrap();
            assert!(
                t.x + 18.0 * pitch <= LEFT + 38.0 * MM - CELL_PAD_X + EPS,
                "{code}"
            );
        }
        // A value longer than the column is cut into lines of equal length, not dropped.
        let long = Document {
            blocks: vec![Block::Table(Table {
                columns: vec![Column::fixed("编号", 20.0).mono(), Column::new("名称", 1.0)],
                rows: vec![vec!["0123456789".repeat(3), "x".into()]],
            })],
            ..Document::default()
        };
        let pages = layout(&long, &mut metrics).unwrap();
        let joined: String = pages[0]
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Text(t) if t.pitch.is_some() => Some(t.text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(joined, "0123456789".repeat(3));
    }

    #[test]
    fn fixed_widths_wider_than_the_page_are_refused() {
        let mut metrics = Metrics::new(fonts());
        let doc = Document {
            blocks: vec![Block::Table(Table {
                columns: vec![Column::fixed("甲", 100.0), Column::fixed("乙", 100.0)],
                rows: vec![],
            })],
            ..Document::default()
        };
        let err = layout(&doc, &mut metrics).unwrap_err();
        assert!(
            err.message(crate::Lang::Zh)
                .contains("第 1 块（表格）：列宽之和超出版心宽度 162 毫米")
        );
    }
}
