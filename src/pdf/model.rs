//! The document model: what a PDF says, without saying where on the page it goes.
//!
//! The record and notice builders map their data to a [`Document`] made of a few kinds of [`Block`]; the
//! renderer decides line breaks, page breaks and positions. Everything here is plain data (strings and
//! numbers), so a builder can be tested by looking at the `Document` it produces, without rendering.

/// A document to render: a title block on the first page, then the blocks in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Document {
    /// The record id, printed in the header of every page ("记录编号：…"), so a loose sheet can be matched to
    /// its record.
    pub record_id: String,
    /// The title, centred at the top of the first page and repeated small in every page header.
    pub title: String,
    /// An optional line under the title (for example the task number); empty for none.
    pub subtitle: String,
    /// A status mark printed bold in a box at the left of every page header, for example "草稿 / 未封存" on a
    /// record that is not sealed, so that no loose page of a draft can pass for the real record; empty for none.
    pub mark: String,
    /// The content, top to bottom.
    pub blocks: Vec<Block>,
}

/// One piece of content. Text fields may contain `\n` for a hard line break; any other control character is
/// refused by the renderer's glyph check.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// A section heading, drawn bold. Level 1 (and 0) is the largest; levels above 3 look like level 3. A
    /// heading is never left alone at the bottom of a page.
    Heading(u8, String),
    /// Running text, wrapped to the text width; it may continue on the next page.
    Paragraph(String),
    /// Label–value pairs as a two-column table without a header (labels shaded on the left).
    KeyValues(Vec<(String, String)>),
    /// A table with a header row that is repeated on every page the table continues on.
    Table(Table),
    /// People who sign the paper copy: one row each with name, role, unit, and room to sign and date.
    Signatures(Vec<Signatory>),
    /// A QR code with a caption printed beside it.
    Qr {
        /// The bytes encoded in the QR code (byte mode, error correction level M).
        payload: String,
        /// Text printed to the right of the code, for example what the payload is.
        caption: String,
    },
    /// Labelled long machine strings (hashes, seeds, commitments) in the fixed-pitch font, so that digits line
    /// up, a value wraps at a multiple of 8 characters rather than at a random place, and it copies out of the
    /// PDF as one word.
    Mono(Vec<(String, String)>),
    /// Vertical space, in millimetres. Dropped at the top of a page.
    Spacer(f32),
    /// Continue on a new page.
    PageBreak,
}

/// A table: column definitions and rows of cell text (each row has one cell per column).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// The columns, left to right.
    pub columns: Vec<Column>,
    /// The rows; a row with fewer cells than columns is refused by the renderer (it would hide a mistake).
    pub rows: Vec<Vec<String>>,
}

/// A table column.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// The header text, repeated on every page the table continues on.
    pub header: String,
    /// How wide the column is.
    pub width: Width,
    /// How the cell text is aligned horizontally (the header is always centred).
    pub align: Align,
    /// Set the cells in the fixed-pitch font (codes such as 统一社会信用代码: every code of the column is
    /// equally wide, so a fixed width that holds one holds all, and they line up). A value too long for the
    /// column is cut into lines of equal length.
    pub mono: bool,
}

impl Column {
    /// A left-aligned column with a relative weight.
    pub fn new(header: impl Into<String>, weight: f32) -> Column {
        Column {
            header: header.into(),
            width: Width::Weight(weight),
            align: Align::Left,
            mono: false,
        }
    }

    /// A left-aligned column of a fixed width in millimetres.
    pub fn fixed(header: impl Into<String>, mm: f32) -> Column {
        Column {
            header: header.into(),
            width: Width::Mm(mm),
            align: Align::Left,
            mono: false,
        }
    }

    /// The same column with another alignment.
    pub fn align(mut self, align: Align) -> Column {
        self.align = align;
        self
    }

    /// The same column with its cells in the fixed-pitch font.
    pub fn mono(mut self) -> Column {
        self.mono = true;
        self
    }
}

/// The width of a table column.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Width {
    /// A fixed width in millimetres (including the cell padding).
    Mm(f32),
    /// A share of the width left after the fixed columns, in proportion to the other weights.
    Weight(f32),
}

/// Horizontal alignment of text in a cell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Align {
    /// Flush left (the default: names, addresses).
    #[default]
    Left,
    /// Centred (short codes, group numbers).
    Center,
    /// Flush right (numbers).
    Right,
}

/// A person who signs the paper record.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Signatory {
    /// 姓名.
    pub name: String,
    /// 身份, for example 公证员 or 监督见证人.
    pub role: String,
    /// 单位.
    pub unit: String,
}
