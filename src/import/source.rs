//! Reading rows out of spreadsheet files: `.xlsx`/`.xlsm` streamed cell by cell, `.xls` through calamine's
//! whole-sheet range, `.csv`/`.tsv`/`.txt` streamed record by record with the text encoding detected (UTF-8
//! with or without BOM, GB18030, or UTF-16 with a BOM as Excel's "Unicode Text" writes it).
//!
//! Rows come out with the row number Excel would show (1-based, title rows and blank rows counted), so that a
//! problem can be found in the file by the person who has to fix it. Memory: a CSV file is never held in
//! memory (one record at a time); an `.xlsx` sheet is streamed, but calamine keeps the workbook's shared-string
//! table in memory (roughly the size of the distinct texts in the file); an `.xls` sheet (at most 65,536 rows
//! by the format) is read whole.

use std::cell::Cell as StdCell;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use calamine::{Data, DataRef, Reader, Xlsx};
use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::normalize;

use super::problem::ImportError;

/// The text encoding of a CSV file, as detected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// UTF-8 without a byte-order mark.
    Utf8,
    /// UTF-8 with a byte-order mark (what Excel writes as "CSV UTF-8").
    Utf8Bom,
    /// GB18030, the superset of GBK and GB2312 (what Excel on a Chinese Windows writes as "CSV").
    Gb18030,
    /// UTF-16 little-endian with a byte-order mark (what Excel writes as "Unicode Text", tab-separated).
    Utf16Le,
    /// UTF-16 big-endian with a byte-order mark.
    Utf16Be,
}

impl Encoding {
    /// The name shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 (BOM)",
            Encoding::Gb18030 => "GBK/GB18030",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
        }
    }

    /// The decoder for an encoding that is not read as UTF-8 directly.
    fn decoder(self) -> Option<&'static encoding_rs::Encoding> {
        match self {
            Encoding::Utf8 | Encoding::Utf8Bom => None,
            Encoding::Gb18030 => Some(encoding_rs::GB18030),
            Encoding::Utf16Le => Some(encoding_rs::UTF_16LE),
            Encoding::Utf16Be => Some(encoding_rs::UTF_16BE),
        }
    }

    /// The length of the byte-order mark the file starts with.
    fn bom_len(self) -> usize {
        match self {
            Encoding::Utf8Bom => 3,
            Encoding::Utf16Le | Encoding::Utf16Be => 2,
            Encoding::Utf8 | Encoding::Gb18030 => 0,
        }
    }
}

/// One cell as read from the file, before normalisation.
#[derive(Clone, Debug, PartialEq)]
pub enum CellValue {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    /// A cell Excel stores as a date.
    Date(NaiveDate),
    /// An error value such as `#N/A`.
    Error(String),
}

impl CellValue {
    /// The text a person sees in the cell: integral numbers without `.0`, dates as `YYYY-MM-DD`.
    pub fn display(&self) -> String {
        Cell::from(self).display()
    }

    /// True if the cell holds nothing but whitespace.
    pub fn is_blank(&self) -> bool {
        Cell::from(self).is_blank()
    }
}

/// Integral numbers print without a fraction (a 15-digit 注册号 stored as a number stays exact: f64 holds
/// integers up to 2^53 exactly); others in Rust's shortest round-trip form.
fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// The most cells a row may have: Excel's limit (column XFD).
pub const MAX_COLUMNS: usize = 16_384;

/// A row of cells with its row number as Excel shows it.
#[derive(Clone, Debug)]
pub struct RawRow {
    pub number: u32,
    pub cells: Vec<CellValue>,
}

impl RawRow {
    /// True if every cell is blank.
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(CellValue::is_blank)
    }

    /// The cell at `col`, or an empty cell past the row's end.
    pub fn cell(&self, col: usize) -> &CellValue {
        self.cells.get(col).unwrap_or(&CellValue::Empty)
    }
}

/// A cell borrowed from a row, whichever way the row is stored: what [`CellValue`] holds, without a copy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell<'a> {
    Empty,
    Text(&'a str),
    Number(f64),
    Bool(bool),
    Date(NaiveDate),
    Error(&'a str),
}

impl<'a> From<&'a CellValue> for Cell<'a> {
    fn from(v: &'a CellValue) -> Self {
        match v {
            CellValue::Empty => Cell::Empty,
            CellValue::Text(t) => Cell::Text(t),
            &CellValue::Number(n) => Cell::Number(n),
            &CellValue::Bool(b) => Cell::Bool(b),
            &CellValue::Date(d) => Cell::Date(d),
            CellValue::Error(e) => Cell::Error(e),
        }
    }
}

impl Cell<'_> {
    /// [`CellValue::display`].
    pub fn display(self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) | Cell::Error(s) => s.to_string(),
            Cell::Number(n) => number_text(n),
            Cell::Bool(b) => if b { "TRUE" } else { "FALSE" }.to_string(),
            Cell::Date(d) => normalize::date_text(d),
        }
    }

    /// [`CellValue::is_blank`].
    pub fn is_blank(self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => normalize::is_blank(s),
            _ => false,
        }
    }
}

/// A CSV record as text: the record's fields back to back (valid UTF-8) and where each one ends. Its cells are
/// what [`RawRow`] makes of the record (an empty field is an empty cell, any other a text cell), read without
/// copying each field into a string of its own.
#[derive(Clone, Copy, Debug)]
pub struct TextRow<'a> {
    pub number: u32,
    text: &'a str,
    /// The end of each field in `text`; a field starts where the one before it ends.
    ends: &'a [usize],
}

impl<'a> TextRow<'a> {
    /// How many fields (cells) the record has.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True for a record without fields (never made by the CSV reader).
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The cell at `col`, or an empty cell past the row's end.
    pub fn cell(&self, col: usize) -> Cell<'a> {
        let Some(&end) = self.ends.get(col) else {
            return Cell::Empty;
        };
        let start = if col == 0 { 0 } else { self.ends[col - 1] };
        let field = self.text.get(start..end);
        // The reader refuses a record whose field ends fall inside a character.
        debug_assert!(
            field.is_some(),
            "field {col} of row {} is cut inside a character",
            self.number
        );
        match field {
            Some("") | None => Cell::Empty,
            Some(t) => Cell::Text(t),
        }
    }

    /// The row with a [`CellValue`] per field.
    pub fn to_raw(&self) -> RawRow {
        let cells = (0..self.len())
            .map(|c| match self.cell(c) {
                Cell::Text(t) => CellValue::Text(t.to_string()),
                _ => CellValue::Empty,
            })
            .collect();
        RawRow {
            number: self.number,
            cells,
        }
    }
}

/// CSV records kept as text back to back (see [`TextRow`]): a batch of rows in a few buffers rather than a
/// string per cell.
#[derive(Debug, Default)]
pub struct TextRows {
    text: String,
    ends: Vec<usize>,
    /// Per row: its number, where its text starts, where its field ends start in `ends`.
    rows: Vec<(u32, usize, usize)>,
}

impl TextRows {
    /// Appends a copy of `row`.
    pub fn push(&mut self, row: TextRow<'_>) {
        self.rows.push((row.number, self.text.len(), self.ends.len()));
        self.text.push_str(row.text);
        self.ends.extend_from_slice(row.ends);
    }

    /// Appends a row of the given fields (for tests: the CSV reader makes the rows otherwise).
    #[cfg(test)]
    pub(crate) fn push_fields(&mut self, number: u32, fields: &[&str]) {
        let text = fields.concat();
        let ends: Vec<usize> = fields
            .iter()
            .scan(0, |end, f| {
                *end += f.len();
                Some(*end)
            })
            .collect();
        self.push(TextRow {
            number,
            text: &text,
            ends: &ends,
        });
    }

    /// How many rows there are.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Row `i` (which must exist).
    pub fn row(&self, i: usize) -> TextRow<'_> {
        let (number, start, first) = self.rows[i];
        let (text_end, ends_end) = match self.rows.get(i + 1) {
            Some(&(_, s, f)) => (s, f),
            None => (self.text.len(), self.ends.len()),
        };
        TextRow {
            number,
            text: &self.text[start..text_end],
            ends: &self.ends[first..ends_end],
        }
    }

    /// Forgets every row, keeping the memory.
    pub fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.rows.clear();
    }
}

/// A row of either kind, borrowed: a workbook's [`RawRow`] or a CSV file's [`TextRow`].
#[derive(Clone, Copy, Debug)]
pub enum RowRef<'a> {
    Cells(&'a RawRow),
    Text(TextRow<'a>),
}

impl<'a> RowRef<'a> {
    /// The row number as Excel shows it.
    pub fn number(self) -> u32 {
        match self {
            RowRef::Cells(r) => r.number,
            RowRef::Text(t) => t.number,
        }
    }

    /// How many cells the row has (the last ones may be empty).
    pub fn len(self) -> usize {
        match self {
            RowRef::Cells(r) => r.cells.len(),
            RowRef::Text(t) => t.len(),
        }
    }

    /// True for a row without cells.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The cell at `col`, or an empty cell past the row's end.
    pub fn cell(self, col: usize) -> Cell<'a> {
        match self {
            RowRef::Cells(r) => r.cell(col).into(),
            RowRef::Text(t) => t.cell(col),
        }
    }

    /// True if every cell is blank.
    pub fn is_blank(self) -> bool {
        (0..self.len()).all(|c| self.cell(c).is_blank())
    }
}

/// A row handed out by [`Source::rows_as_read`]: a workbook's row to keep, or a CSV record to copy before the
/// next one is read.
pub enum SourceRow<'a> {
    Cells(RawRow),
    Text(TextRow<'a>),
}

/// Whether a row visitor wants more rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

/// Where reading stands, for progress reports.
#[derive(Clone, Copy, Debug, Default)]
pub struct Position {
    /// Bytes of the file consumed so far (CSV only: the compressed stream inside an xlsx has no useful offset).
    pub bytes_read: Option<u64>,
    /// Rows in the sheet, when the file declares it (xlsx dimension).
    pub rows_total: Option<u64>,
}

/// The kinds of file we read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Csv,
    Xlsx,
    Xls,
}

/// An opened input file.
pub struct Source {
    path: PathBuf,
    kind: Kind,
    size: u64,
    encoding: Option<Encoding>,
    sha256: Option<String>,
    /// The SHA-256 is to be taken while the rows are read (see [`Source::open`]).
    hash_while_reading: bool,
    sheets: Vec<String>,
    xlsx: Option<Xlsx<BufReader<File>>>,
    other: Option<calamine::Sheets<BufReader<File>>>,
}

/// How many bytes of a CSV file [`Source::open`] inspects to detect the encoding when not scanning it whole.
const PREFIX_SCAN: usize = 1 << 20;

fn kind_of(path: &Path) -> Result<Kind> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "csv" | "tsv" | "txt" => Ok(Kind::Csv),
        "xlsx" | "xlsm" => Ok(Kind::Xlsx),
        "xls" => Ok(Kind::Xls),
        _ => Err(ImportError::UnsupportedFormat {
            file: file_name(path),
            extension: ext,
        }
        .into()),
    }
}

/// The file's name without its directory, as shown in messages.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Runs a calamine call that may panic on a damaged file (its OLE reader slices past the end of short sectors:
/// found by the xls fuzzer in calamine 0.38) and turns the panic into an "unreadable" error. The default panic
/// hook still prints the panic to stderr; the command then fails with the clear message.
fn contain_panic<T>(path: &Path, f: impl FnOnce() -> T) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|panic| {
        let what = crate::error::panic_text(panic.as_ref());
        unreadable(
            path,
            format!("the file is damaged: the spreadsheet reader failed on it ({what})"),
        )
    })
}

/// The signature of an OLE compound file (.xls, .doc, and encrypted Office files).
const OLE_SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

fn starts_with_ole_signature(path: &Path) -> bool {
    let mut head = [0u8; 8];
    File::open(path)
        .and_then(|mut f| read_full(&mut f, &mut head))
        .map(|n| n == 8 && head == OLE_SIGNATURE)
        .unwrap_or(false)
}

/// A workbook calamine cannot open, with what the person can do about the usual causes: a password, a web
/// page or a CSV file saved under a spreadsheet name, a file cut short.
fn unreadable_workbook(path: &Path, e: impl std::fmt::Display) -> Error {
    let detail = e.to_string();
    let mut head = [0u8; 512];
    let n = File::open(path)
        .and_then(|mut f| read_full(&mut f, &mut head))
        .unwrap_or(0);
    let text = String::from_utf8_lossy(&head[..n]).to_ascii_lowercase();
    let hint = if detail.contains("password") {
        "the workbook is password protected; remove the password in Excel and save it again"
    } else if text.trim_start().starts_with('<') {
        "this is a web page (HTML/XML), not an Excel workbook; open it in Excel and save it as .xlsx"
    } else if n == 0 {
        "the file is empty"
    } else if detail.contains("EOCD") || detail.contains("past end of file") {
        "the file is cut short or is not an Excel workbook (a renamed CSV file?); save it again from Excel"
    } else {
        "the file is damaged or is not an Excel workbook"
    };
    unreadable(path, format!("{hint} ({detail})"))
}

fn unreadable(path: &Path, detail: impl std::fmt::Display) -> Error {
    ImportError::Unreadable {
        file: file_name(path),
        detail: detail.to_string(),
    }
    .into()
}

impl Source {
    /// Opens `path`. With `full_scan`, the whole file is read once first to compute its SHA-256 and, for a CSV
    /// file, to decide its encoding on every byte; without it (previews) only a prefix is inspected. A CSV file
    /// found not to be UTF-8 (GBK, UTF-16) is read only up to that point: its encoding is then decided, and its
    /// SHA-256 is taken while the rows are read ([`Source::file_sha256`]) instead of in a pass of its own.
    pub fn open(path: &Path, full_scan: bool) -> Result<Source> {
        let kind = kind_of(path)?;
        let size = std::fs::metadata(path).map_err(|e| Error::io(path, e))?.len();
        let mut src = Source {
            path: path.to_path_buf(),
            kind,
            size,
            encoding: None,
            sha256: None,
            hash_while_reading: false,
            sheets: Vec::new(),
            xlsx: None,
            other: None,
        };
        if full_scan || kind == Kind::Csv {
            let (sha, enc) = scan(path, kind == Kind::Csv, full_scan)?;
            src.hash_while_reading = full_scan && sha.is_none();
            src.sha256 = sha;
            src.encoding = enc;
        }
        match kind {
            Kind::Csv => {}
            Kind::Xlsx => {
                // An .xlsx is a zip archive. An OLE compound file under that name is either a password
                // protected workbook (Excel wraps those in OLE) or an old .xls renamed: say so without handing
                // it to calamine's OLE parser, which panics on some damaged ones (found by the xlsx fuzzer).
                if starts_with_ole_signature(path) {
                    return Err(unreadable(
                        path,
                        "the workbook is password protected, or is an old .xls workbook renamed .xlsx; remove the \
                         password in Excel and save it again as .xlsx",
                    ));
                }
                let wb: Xlsx<_> = calamine::open_workbook(path).map_err(|e| unreadable_workbook(path, e))?;
                src.sheets = wb.sheet_names();
                src.xlsx = Some(wb);
            }
            Kind::Xls => {
                // calamine reads every sheet into memory on opening; a damaged size would ask for gigabytes.
                if starts_with_ole_signature(path) {
                    super::xls_extent::check(path)?;
                }
                let wb = contain_panic(path, || calamine::open_workbook_auto(path))?
                    .map_err(|e| unreadable_workbook(path, e))?;
                src.sheets = wb.sheet_names();
                src.other = Some(wb);
            }
        }
        Ok(src)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The sheet names of a workbook; empty for CSV.
    pub fn sheets(&self) -> &[String] {
        &self.sheets
    }

    /// The detected encoding of a CSV file.
    pub fn encoding(&self) -> Option<Encoding> {
        self.encoding
    }

    /// Lower-case hex SHA-256 of the file (only after a full scan), `None` while it is still to be taken.
    pub fn sha256(&self) -> Option<&str> {
        self.sha256.as_deref()
    }

    /// Lower-case hex SHA-256 of the file after a full-scan open: taken on opening, or while the rows were read
    /// to the end, or else now, in a pass over the file (reading stopped early). Empty for a preview.
    pub fn file_sha256(&mut self) -> Result<String> {
        if self.sha256.is_none() && self.hash_while_reading {
            self.sha256 = scan(&self.path, false, true)?.0;
            self.hash_while_reading = false;
        }
        Ok(self.sha256.clone().unwrap_or_default())
    }

    /// Calls `f` with every row that has at least one cell, in order, until it returns [`Flow::Stop`]. For a
    /// workbook, `sheet` must be one of [`Source::sheets`]. A row of more than [`MAX_COLUMNS`] cells is an error.
    pub fn rows(
        &mut self,
        sheet: Option<&str>,
        f: &mut dyn FnMut(RawRow, Position) -> Result<Flow>,
    ) -> Result<()> {
        self.rows_as_read(sheet, &mut |row, pos| match row {
            SourceRow::Cells(row) => f(row, pos),
            SourceRow::Text(text) => f(text.to_raw(), pos),
        })
    }

    /// [`Source::rows`], handing out a CSV record as the text the CSV reader holds ([`TextRow`], its cells those
    /// of the [`RawRow`] that `rows` makes of it) instead of a string per cell: for the import, which copies the
    /// record's text into its batch of rows in one piece.
    pub fn rows_as_read(
        &mut self,
        sheet: Option<&str>,
        f: &mut dyn FnMut(SourceRow<'_>, Position) -> Result<Flow>,
    ) -> Result<()> {
        // A row wider than any spreadsheet program can hold is a broken or hostile file: refuse it by its row
        // rather than carry 100,000 cells through every check.
        let path = self.path.clone();
        let too_wide = |number: u32, cells: usize| {
            unreadable(
                &path,
                format!(
                    "row {number} has {cells} columns; at most {MAX_COLUMNS} are read (the limit of Excel)"
                ),
            )
        };
        let f = &mut |row: SourceRow<'_>, pos: Position| {
            let (number, cells) = match &row {
                SourceRow::Cells(r) => (r.number, r.cells.len()),
                SourceRow::Text(t) => (t.number, t.len()),
            };
            if cells > MAX_COLUMNS {
                return Err(too_wide(number, cells));
            }
            f(row, pos)
        };
        match self.kind {
            Kind::Csv => self.csv_rows(&mut |row, pos| f(SourceRow::Text(row), pos)),
            Kind::Xlsx => {
                let path = self.path.clone();
                let sheet = sheet.ok_or_else(|| unreadable(&path, "no sheet"))?;
                let wb = self
                    .xlsx
                    .as_mut()
                    .ok_or_else(|| unreadable(&path, "workbook not open"))?;
                xlsx_rows(&path, wb, sheet, &mut |row, pos| f(SourceRow::Cells(row), pos))
            }
            Kind::Xls => {
                let path = self.path.clone();
                let sheet = sheet.ok_or_else(|| unreadable(&path, "no sheet"))?;
                let wb = self
                    .other
                    .as_mut()
                    .ok_or_else(|| unreadable(&path, "workbook not open"))?;
                let range =
                    contain_panic(&path, || wb.worksheet_range(sheet))?.map_err(|e| unreadable(&path, e))?;
                range_rows(&range, &mut |row, pos| f(SourceRow::Cells(row), pos))
            }
        }
    }

    fn csv_rows(&mut self, f: &mut dyn FnMut(TextRow<'_>, Position) -> Result<Flow>) -> Result<()> {
        let path = self.path.clone();
        let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
        let counter = Rc::new(StdCell::new(0u64));
        // The hash of the bytes as they are read: when it was left for this pass, kept if the pass reads the
        // file to its end (a header search stops early); when it was taken before (on opening, or by an earlier
        // pass), compared, so that a file changed since is refused rather than imported under the hash of
        // other bytes.
        let hasher = (self.hash_while_reading || self.sha256.is_some())
            .then(|| Rc::new(std::cell::RefCell::new(Sha256::new())));
        let mut raw = CountingReader {
            inner: file,
            count: Rc::clone(&counter),
            hasher: hasher.clone(),
        };
        let encoding = self.encoding.unwrap_or(Encoding::Utf8);
        let mut head = [0u8; 4096];
        let n = read_full(&mut raw, &mut head).map_err(|e| Error::io(&path, e))?;
        let head = &head[..n];
        let body_start = encoding.bom_len().min(n);
        // In UTF-16 the delimiters are two bytes wide and CJK characters may contain their byte values, so the
        // start of the file is decoded before counting.
        let delimiter = match encoding {
            Encoding::Utf16Le | Encoding::Utf16Be => {
                let (text, _) = encoding
                    .decoder()
                    .unwrap_or(encoding_rs::UTF_16LE)
                    .decode_without_bom_handling(&head[body_start..]);
                sniff_delimiter(text.as_bytes())
            }
            _ => sniff_delimiter(head),
        };
        let chained = std::io::Cursor::new(head[body_start..].to_vec()).chain(raw);
        let reader: Box<dyn Read> = match encoding.decoder() {
            None => Box::new(chained),
            Some(decoder) => Box::new(DecodeReader::new(chained, body_start as u64, decoder)),
        };
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .buffer_capacity(1 << 16)
            .from_reader(BlankLines::new(reader));
        // The text reaching the CSV parser is known to be UTF-8 when a decoder wrote it or when the whole file
        // was checked on opening (an import); fields end at ASCII delimiters, so each is UTF-8 too. Then records
        // are read as bytes and each field checked with `simdutf8` as it is copied, instead of the `csv` crate's
        // slower check of every record (a third of the reading thread's time on a GBK file). A preview checked
        // only a prefix: it keeps the crate's check and its error message for bytes that are not UTF-8.
        let known_utf8 = encoding.decoder().is_some() || self.sha256.is_some();
        let mut record = csv::StringRecord::new();
        let mut bytes = csv::ByteRecord::new();
        let mut ends = Vec::new();
        // Thanks to `BlankLines`, every physical line outside quotes is a record, so the record index is the
        // row number Excel shows (a record spanning lines inside quotes is one row in Excel too).
        let mut number = 0u32;
        loop {
            let read = if known_utf8 {
                csv.read_byte_record(&mut bytes)
            } else {
                csv.read_record(&mut record)
            };
            match read {
                Ok(false) => {
                    if let Some(hasher) = hasher {
                        // The whole file went through the hash, unless it changed size while being read.
                        let digest = (counter.get() == self.size)
                            .then(|| hex::encode(std::mem::take(&mut *hasher.borrow_mut()).finalize()));
                        match (&self.sha256, digest) {
                            (None, Some(digest)) => self.sha256 = Some(digest),
                            (Some(known), Some(digest)) if *known == digest => {}
                            _ => {
                                return Err(unreadable(
                                    &path,
                                    "the file changed while it was being imported (its bytes differ from \
                                     those read when it was opened); import it again once no program is \
                                     writing to it",
                                ));
                            }
                        }
                    }
                    return Ok(());
                }
                Ok(true) => {}
                Err(e) => {
                    return Err(match e.kind() {
                        csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
                            unreadable(&path, io)
                        }
                        _ => unreadable(&path, e),
                    });
                }
            }
            number = number.saturating_add(1);
            let text = if known_utf8 {
                // The record's fields lie back to back in one buffer: checked at once (`simdutf8` checks short
                // strings no faster than the standard library). A record that is not UTF-8 is refused at its
                // first non-empty field.
                ends.clear();
                ends.extend((0..bytes.len()).filter_map(|i| bytes.range(i)).map(|r| r.end));
                // A field that ends inside a character of a record that is UTF-8 as a whole (only if the file
                // changed after its check on opening) is refused like one that is not UTF-8, never read as
                // empty.
                let checked = simdutf8::basic::from_utf8(bytes.as_slice())
                    .map_err(|_| {
                        (0..bytes.len())
                            .position(|i| bytes.range(i).is_some_and(|r| !r.is_empty()))
                            .unwrap_or(0)
                    })
                    .and_then(
                        |text| match ends.iter().position(|&e| !text.is_char_boundary(e)) {
                            Some(field) => Err(field),
                            None => Ok(text),
                        },
                    );
                match checked {
                    Ok(text) => text,
                    Err(field) => {
                        return Err(unreadable(
                            &path,
                            format!(
                                "row {number}, field {}: not UTF-8 after decoding (a bug)",
                                field + 1
                            ),
                        ));
                    }
                }
            } else {
                ends.clear();
                ends.extend((0..record.len()).filter_map(|i| record.range(i)).map(|r| r.end));
                record.as_slice()
            };
            let row = TextRow {
                number,
                text,
                ends: &ends,
            };
            let pos = Position {
                bytes_read: Some(counter.get()),
                rows_total: None,
            };
            if f(row, pos)? == Flow::Stop {
                return Ok(());
            }
        }
    }
}

/// Reads until `buf` is full or the input ends.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Comma unless the start of the file has more tabs or semicolons (some systems export tab-separated text
/// under a `.csv` name). These ASCII bytes never occur inside a GB18030 multi-byte character, so counting raw
/// bytes works for every supported encoding.
fn sniff_delimiter(head: &[u8]) -> u8 {
    let count = |b: u8| head.iter().filter(|&&c| c == b).count();
    let (commas, tabs, semis) = (count(b','), count(b'\t'), count(b';'));
    if tabs > commas && tabs >= semis {
        b'\t'
    } else if semis > commas && semis > tabs {
        b';'
    } else {
        b','
    }
}

/// One pass over the file: SHA-256 (if `full`) and, for CSV, whether it is valid UTF-8 (on every byte if
/// `full`, else on the first [`PREFIX_SCAN`] bytes). A full scan of a CSV file stops at the first byte that
/// rules UTF-8 out and returns no hash (the rows' reading takes it).
fn scan(path: &Path, csv: bool, full: bool) -> Result<(Option<String>, Option<Encoding>)> {
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut pending: Vec<u8> = Vec::new();
    let mut utf8 = true;
    let mut bom = false;
    let mut first = true;
    let mut utf16 = None;
    let mut seen = 0usize;
    loop {
        let n = read_full(&mut file, &mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        if full {
            hasher.update(chunk);
        }
        // A UTF-16 byte-order mark is unambiguous: 0xFF and 0xFE occur in neither UTF-8 nor GB18030.
        if csv && seen == 0 {
            if chunk.starts_with(&[0xFF, 0xFE]) {
                utf16 = Some(Encoding::Utf16Le);
            } else if chunk.starts_with(&[0xFE, 0xFF]) {
                utf16 = Some(Encoding::Utf16Be);
            }
            if utf16.is_some() {
                utf8 = false;
            }
        }
        if csv && utf8 {
            let mut data = std::mem::take(&mut pending);
            data.extend_from_slice(chunk);
            let mut start = 0;
            if first {
                first = false;
                if data.starts_with(&[0xEF, 0xBB, 0xBF]) {
                    bom = true;
                    start = 3;
                }
            }
            match std::str::from_utf8(&data[start..]) {
                Ok(_) => {}
                // An incomplete character at the end of the chunk continues in the next one.
                Err(e) if e.error_len().is_none() => pending = data[start + e.valid_up_to()..].to_vec(),
                Err(_) => utf8 = false,
            }
        }
        seen += n;
        if !full && seen >= PREFIX_SCAN {
            pending.clear();
            break;
        }
        if full && csv && !utf8 {
            // The encoding is decided (GB18030 or UTF-16): the hash is left to the reading of the rows.
            return Ok((None, Some(decided_encoding(utf16, utf8, bom))));
        }
    }
    if !pending.is_empty() {
        utf8 = false;
    }
    let sha = full.then(|| hex::encode(hasher.finalize()));
    Ok((sha, csv.then_some(decided_encoding(utf16, utf8, bom))))
}

fn decided_encoding(utf16: Option<Encoding>, utf8: bool, bom: bool) -> Encoding {
    match (utf16, utf8, bom) {
        (Some(e), _, _) => e,
        (None, true, true) => Encoding::Utf8Bom,
        (None, true, false) => Encoding::Utf8,
        (None, false, _) => Encoding::Gb18030,
    }
}

/// Counts the bytes read through it, for progress reports, and hashes them if asked to.
struct CountingReader<R> {
    inner: R,
    count: Rc<StdCell<u64>>,
    hasher: Option<Rc<std::cell::RefCell<Sha256>>>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        if let Some(h) = &self.hasher {
            h.borrow_mut().update(&buf[..n]);
        }
        Ok(n)
    }
}

/// Makes empty lines visible to the CSV parser. The `csv` crate skips empty lines, but Excel shows them as
/// rows, and row numbers in problem reports must match what Excel shows. Outside quoted fields, an empty line
/// gets an empty quoted field (`""`), which parses as a one-cell blank record; inside quotes nothing changes.
struct BlankLines<R> {
    inner: R,
    chunk: Vec<u8>,
    pending: Vec<u8>,
    pending_pos: usize,
    at_line_start: bool,
    in_quotes: bool,
}

impl<R: Read> BlankLines<R> {
    fn new(inner: R) -> Self {
        BlankLines {
            inner,
            chunk: Vec::new(),
            pending: Vec::new(),
            pending_pos: 0,
            at_line_start: true,
            in_quotes: false,
        }
    }

    /// Follows the state over `bytes` up to the first empty line outside quotes: `Some(i)` with the state as it
    /// was before byte `i`, where `""` is to go, or `None` with the state after the last byte. Only a quote, a
    /// line feed and the byte after a line feed can change anything, so the bytes between them are skipped
    /// over with `memchr2`.
    fn scan(&mut self, bytes: &[u8]) -> Option<usize> {
        let n = bytes.len();
        let mut i = 0;
        while i < n {
            let b = bytes[i];
            if !self.in_quotes && self.at_line_start && (b == b'\n' || b == b'\r') {
                return Some(i);
            }
            if b == b'"' {
                self.in_quotes = !self.in_quotes;
            }
            self.at_line_start = b == b'\n' && !self.in_quotes;
            i += 1;
            if !self.at_line_start {
                // Any other byte leaves the state as it is (not at a line start, quotes unchanged).
                i += memchr::memchr2(b'"', b'\n', &bytes[i..]).unwrap_or(n - i);
            }
        }
        None
    }

    /// Makes `pending` the first `n` bytes of `chunk` with `""` on every empty line outside quotes.
    fn fill_pending(&mut self, n: usize) {
        let chunk = std::mem::take(&mut self.chunk);
        self.pending.clear();
        self.pending_pos = 0;
        let mut copied = 0;
        while let Some(at) = self.scan(&chunk[copied..n]).map(|i| copied + i) {
            self.pending.extend_from_slice(&chunk[copied..at]);
            self.pending.extend_from_slice(b"\"\"");
            // The empty line's own line feed (or carriage return) follows: it ends the record just made.
            let b = chunk[at];
            self.at_line_start = b == b'\n';
            self.pending.push(b);
            copied = at + 1;
        }
        self.pending.extend_from_slice(&chunk[copied..n]);
        self.chunk = chunk;
    }
}

impl<R: Read> Read for BlankLines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pending_pos == self.pending.len() {
            // Read straight into the caller's buffer: nearly always there is no empty line in it, and the bytes
            // are handed over as they are, without a copy.
            let n = self.inner.read(buf)?;
            if n == 0 {
                return Ok(0);
            }
            let Some(at) = self.scan(&buf[..n]) else {
                return Ok(n);
            };
            // An empty line: the bytes before it go now, the rest through `pending`.
            let rest = n - at;
            if self.chunk.len() < rest {
                self.chunk.resize(rest, 0);
            }
            self.chunk[..rest].copy_from_slice(&buf[at..n]);
            self.fill_pending(rest);
            if at > 0 {
                return Ok(at);
            }
        }
        let n = buf.len().min(self.pending.len() - self.pending_pos);
        buf[..n].copy_from_slice(&self.pending[self.pending_pos..self.pending_pos + n]);
        self.pending_pos += n;
        Ok(n)
    }
}

/// Decodes GB18030 (or UTF-16) to UTF-8 as a stream. Bytes that are not valid in the encoding stop reading with
/// an error naming their offset, rather than being replaced silently.
struct DecodeReader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    input_pos: usize,
    input_len: usize,
    output: Vec<u8>,
    output_pos: usize,
    output_len: usize,
    offset: u64,
    eof: bool,
    finished: bool,
}

impl<R: Read> DecodeReader<R> {
    fn new(inner: R, offset: u64, encoding: &'static encoding_rs::Encoding) -> Self {
        DecodeReader {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            input: vec![0; 1 << 16],
            input_pos: 0,
            input_len: 0,
            output: vec![0; 3 << 16],
            output_pos: 0,
            output_len: 0,
            offset,
            eof: false,
            finished: false,
        }
    }
}

impl<R: Read> Read for DecodeReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.output_pos < self.output_len {
                let n = buf.len().min(self.output_len - self.output_pos);
                buf[..n].copy_from_slice(&self.output[self.output_pos..self.output_pos + n]);
                self.output_pos += n;
                return Ok(n);
            }
            if self.finished {
                return Ok(0);
            }
            if self.input_pos == self.input_len && !self.eof {
                self.input_len = self.inner.read(&mut self.input)?;
                self.input_pos = 0;
                self.eof = self.input_len == 0;
            }
            // A large enough `buf` is decoded into directly, saving a copy of every byte; a small one gets the
            // decoder's output through `output`.
            let direct = buf.len() >= DIRECT_DECODE_MIN;
            let target: &mut [u8] = if direct { &mut *buf } else { &mut self.output };
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.input[self.input_pos..self.input_len],
                target,
                self.eof,
            );
            self.input_pos += read;
            self.offset += read as u64;
            self.output_pos = 0;
            self.output_len = if direct { 0 } else { written };
            match result {
                encoding_rs::DecoderResult::Malformed(bad, extra) => {
                    let offset = self.offset.saturating_sub(bad as u64 + extra as u64);
                    let detail = if self.decoder.encoding() == encoding_rs::GB18030 {
                        format!("bytes at offset {offset} are neither UTF-8 nor GBK/GB18030")
                    } else {
                        format!(
                            "bytes at offset {offset} are not valid {}",
                            self.decoder.encoding().name()
                        )
                    };
                    return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, detail));
                }
                // With `last = true` the decoder has flushed everything it held.
                encoding_rs::DecoderResult::InputEmpty if self.eof => self.finished = true,
                _ => {}
            }
            if direct && written > 0 {
                return Ok(written);
            }
        }
    }
}

/// The smallest read buffer [`DecodeReader`] decodes into directly (room for many characters of any encoding).
const DIRECT_DECODE_MIN: usize = 1024;

fn data_ref_value(v: &DataRef<'_>) -> CellValue {
    match v {
        DataRef::Empty => CellValue::Empty,
        DataRef::String(s) => CellValue::Text(s.clone()),
        DataRef::SharedString(s) => CellValue::Text((*s).to_string()),
        DataRef::Int(i) => CellValue::Number(*i as f64),
        DataRef::Float(f) => CellValue::Number(*f),
        DataRef::Bool(b) => CellValue::Bool(*b),
        DataRef::DateTime(dt) => date_cell(dt),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => CellValue::Text(s.clone()),
        DataRef::Error(e) => CellValue::Error(e.to_string()),
    }
}

fn data_value(v: &Data) -> CellValue {
    match v {
        Data::Empty => CellValue::Empty,
        Data::String(s) => CellValue::Text(s.clone()),
        Data::Int(i) => CellValue::Number(*i as f64),
        Data::Float(f) => CellValue::Number(*f),
        Data::Bool(b) => CellValue::Bool(*b),
        Data::DateTime(dt) => date_cell(dt),
        Data::DateTimeIso(s) | Data::DurationIso(s) => CellValue::Text(s.clone()),
        Data::Error(e) => CellValue::Error(e.to_string()),
    }
}

/// A date-formatted cell becomes a date (calamine resolves the workbook's 1900/1904 date system); a duration
/// stays a number.
fn date_cell(dt: &calamine::ExcelDateTime) -> CellValue {
    if dt.is_datetime() {
        let (y, m, d, ..) = dt.to_ymd_hms_milli();
        if let Some(date) = NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32) {
            return CellValue::Date(date);
        }
    }
    CellValue::Number(dt.as_f64())
}

fn xlsx_rows(
    path: &Path,
    wb: &mut Xlsx<BufReader<File>>,
    sheet: &str,
    f: &mut dyn FnMut(RawRow, Position) -> Result<Flow>,
) -> Result<()> {
    let mut reader = wb
        .worksheet_cells_reader(sheet)
        .map_err(|e| unreadable(path, e))?;
    let dims = reader.dimensions();
    let pos = Position {
        bytes_read: None,
        rows_total: (dims.end.0 > 0).then_some(dims.end.0 as u64 + 1),
    };
    let mut current: Option<RawRow> = None;
    while let Some(cell) = reader.next_cell().map_err(|e| unreadable(path, e))? {
        let (r, c) = cell.get_position();
        let value = data_ref_value(cell.get_value());
        if value == CellValue::Empty {
            continue;
        }
        let number = r + 1;
        if current.as_ref().is_some_and(|row| row.number != number)
            && let Some(row) = current.take()
            && f(row, pos)? == Flow::Stop
        {
            return Ok(());
        }
        let row = current.get_or_insert_with(|| RawRow {
            number,
            cells: Vec::new(),
        });
        let c = c as usize;
        if row.cells.len() <= c {
            row.cells.resize(c + 1, CellValue::Empty);
        }
        row.cells[c] = value;
    }
    if let Some(row) = current {
        f(row, pos)?;
    }
    Ok(())
}

fn range_rows(
    range: &calamine::Range<Data>,
    f: &mut dyn FnMut(RawRow, Position) -> Result<Flow>,
) -> Result<()> {
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let pos = Position {
        bytes_read: None,
        rows_total: Some(range.height() as u64 + row0 as u64),
    };
    for (i, cells) in range.rows().enumerate() {
        let mut values: Vec<CellValue> = vec![CellValue::Empty; col0 as usize];
        values.extend(cells.iter().map(data_value));
        if values.iter().all(|v| *v == CellValue::Empty) {
            continue;
        }
        let row = RawRow {
            number: row0 + i as u32 + 1,
            cells: values,
        };
        if f(row, pos)? == Flow::Stop {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_numbers_print_without_fraction() {
        assert_eq!(number_text(110105000000001.0), "110105000000001");
        assert_eq!(number_text(1.5), "1.5");
        assert_eq!(CellValue::Number(1001.0).display(), "1001");
    }

    /// A UTF-8 file changed after its check on opening so that a field ends inside a character, though the
    /// record's fields put together are UTF-8: the record is refused, naming the field, never read as empty.
    #[test]
    fn a_field_cut_inside_a_character_is_refused_not_read_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("changed.csv");
        std::fs::write(&path, "code,name\n中中,x\n").unwrap();
        let mut src = Source::open(&path, true).unwrap();
        // "中" is E4 B8 AD; a comma now splits the first one.
        std::fs::write(&path, b"code,name\n\xE4\xB8,\xAD\xE4\xB8\xAD,x\n".as_slice()).unwrap();
        let err = src
            .rows_as_read(None, &mut |_, _| Ok(Flow::Continue))
            .unwrap_err()
            .to_string();
        assert!(err.contains("row 2, field 1: not UTF-8"), "{err}");
    }

    /// A file changed after it was opened (UTF-8: hashed on opening) or after a first pass (GBK: hashed while
    /// read) is refused when a pass reads it to its end, whatever the change, so that the import's recorded
    /// hash always describes the bytes imported; a pass that stops early compares nothing.
    #[test]
    fn a_file_changed_after_it_was_hashed_is_refused_at_the_end_of_a_pass() {
        let dir = tempfile::tempdir().unwrap();
        let read_all = |src: &mut Source| src.rows_as_read(None, &mut |_, _| Ok(Flow::Continue));
        let utf8 = dir.path().join("utf8.csv");
        std::fs::write(&utf8, "code,name\n1,中\n").unwrap();
        let mut src = Source::open(&utf8, true).unwrap();
        // The same size and still UTF-8: only the hash tells.
        std::fs::write(&utf8, "code,name\n2,中\n").unwrap();
        let err = read_all(&mut src).unwrap_err().to_string();
        assert!(
            err.contains("the file changed while it was being imported"),
            "{err}"
        );
        // Unchanged, it reads.
        let mut src = Source::open(&utf8, true).unwrap();
        read_all(&mut src).unwrap();
        read_all(&mut src).unwrap();

        let gbk = dir.path().join("gbk.csv");
        let (bytes, _, _) = encoding_rs::GBK.encode("code,name\n1,中文\n");
        std::fs::write(&gbk, &bytes).unwrap();
        let mut src = Source::open(&gbk, true).unwrap();
        read_all(&mut src).unwrap();
        let first = src.sha256().map(str::to_owned);
        assert!(first.is_some());
        // Longer now: a second pass refuses it and the hash of the first stays.
        let (bytes, _, _) = encoding_rs::GBK.encode("code,name\n1,中文\n2,中\n");
        std::fs::write(&gbk, &bytes).unwrap();
        let err = read_all(&mut src).unwrap_err().to_string();
        assert!(
            err.contains("the file changed while it was being imported"),
            "{err}"
        );
        assert_eq!(src.sha256().map(str::to_owned), first);
        // A pass that stops at the first row compares nothing.
        src.rows_as_read(None, &mut |_, _| Ok(Flow::Stop)).unwrap();
    }

    /// The rows of `csv` as `rows` (a `RawRow` per record) and as `rows_as_read` (text), kept in a `TextRows`
    /// batch and read back: the same numbers, lengths, cells and blankness.
    fn text_rows_agree(name: &str, bytes: &[u8]) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let mut raw = Vec::new();
        let mut src = Source::open(&path, true).unwrap();
        src.rows(None, &mut |row, _| {
            raw.push(row);
            Ok(Flow::Continue)
        })
        .unwrap();
        let mut batch = TextRows::default();
        let mut src = Source::open(&path, true).unwrap();
        src.rows_as_read(None, &mut |row, _| {
            match row {
                SourceRow::Text(t) => batch.push(t),
                SourceRow::Cells(_) => panic!("a CSV row as cells"),
            }
            Ok(Flow::Continue)
        })
        .unwrap();
        assert_eq!(batch.len(), raw.len(), "{name}");
        for (i, r) in raw.iter().enumerate() {
            let t = RowRef::Text(batch.row(i));
            assert_eq!(t.number(), r.number, "{name}");
            assert_eq!(t.len(), r.cells.len(), "{name} row {}", r.number);
            assert_eq!(t.is_blank(), r.is_blank(), "{name} row {}", r.number);
            for c in 0..r.cells.len() + 2 {
                assert_eq!(
                    t.cell(c),
                    Cell::from(r.cell(c)),
                    "{name} row {} cell {c}",
                    r.number
                );
                assert_eq!(t.cell(c).display(), r.cell(c).display());
            }
            assert_eq!(batch.row(i).to_raw().cells, r.cells);
        }
        batch.clear();
        assert!(batch.is_empty());
    }

    #[test]
    fn csv_records_as_text_have_the_cells_of_raw_rows() {
        let odd = "标题\n\n名称,代码,,备注\r\n甲公司,\"9133\"\"0\",\"多\n行\",x\n\"\",,\n  ,\u{3000},\n短\n\n很,多,的,列,a,b,c,d\n\"引号\"后,ab\"c\n末行无换行";
        text_rows_agree("utf8.csv", odd.as_bytes());
        text_rows_agree("bom.csv", &[b"\xEF\xBB\xBF".as_slice(), odd.as_bytes()].concat());
        text_rows_agree("gbk.csv", &encoding_rs::GB18030.encode(odd).0);
        text_rows_agree("tab.tsv", "a\tb\n\n1\t\t2\n".as_bytes());
        // A record longer than the reader's buffers.
        let long = format!(
            "h1,h2\n{},\"{}\"\nx,y\n",
            "长".repeat(100_000),
            "a\n\"\"b".repeat(30_000)
        );
        text_rows_agree("long.csv", long.as_bytes());
        text_rows_agree("long-gbk.csv", &encoding_rs::GB18030.encode(&long).0);
        text_rows_agree("empty.csv", b"");
    }

    #[test]
    fn delimiter_sniffing() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3"), b',');
        assert_eq!(sniff_delimiter(b"a\tb\tc\n1,2\t3\t4"), b'\t');
        assert_eq!(sniff_delimiter(b"a;b;c\n"), b';');
        assert_eq!(sniff_delimiter(b""), b',');
    }

    #[test]
    fn blank_lines_become_blank_records_outside_quotes_only() {
        let input = "t\n\nh,a\r\n\r\n\"x\n\ny\",3\n\n";
        let mut out = String::new();
        BlankLines::new(input.as_bytes())
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "t\n\"\"\nh,a\r\n\"\"\r\n\"x\n\ny\",3\n\"\"\n");
    }

    /// The byte-at-a-time rule of `BlankLines`, as a reference for its run-skipping loop.
    fn blank_lines_reference(input: &[u8]) -> Vec<u8> {
        let (mut out, mut at_line_start, mut in_quotes) = (Vec::new(), true, false);
        for &b in input {
            if !in_quotes && at_line_start && (b == b'\n' || b == b'\r') {
                out.extend_from_slice(b"\"\"");
            }
            if b == b'"' {
                in_quotes = !in_quotes;
            }
            at_line_start = b == b'\n' && !in_quotes;
            out.push(b);
        }
        out
    }

    /// A reader that hands out at most `step` bytes per read, so state crosses chunk boundaries.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    proptest::proptest! {
        #[test]
        fn blank_lines_skipping_runs_matches_the_byte_rule(
            input in "[a,\"\r\n]{0,40}",
            step in 1usize..5,
            read_size in 1usize..8,
        ) {
            let mut out = Vec::new();
            BlankLines::new(Trickle { data: input.as_bytes(), step }).read_to_end(&mut out).unwrap();
            proptest::prop_assert_eq!(&out, &blank_lines_reference(input.as_bytes()));
            // Read in small pieces: the bytes after an empty line wait in `pending` across reads.
            let mut lines = BlankLines::new(Trickle { data: input.as_bytes(), step: 64 });
            let (mut small, mut buf) = (Vec::new(), vec![0; read_size]);
            loop {
                let n = lines.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                small.extend_from_slice(&buf[..n]);
            }
            proptest::prop_assert_eq!(small, out);
        }
    }

    #[test]
    fn gb18030_decodes_alike_into_large_and_small_buffers() {
        let text = "企业名称,统一社会信用代码\n永州市某某公司,1\n".repeat(500);
        let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
        for chunk in [1, 3, DIRECT_DECODE_MIN - 1, DIRECT_DECODE_MIN, 1 << 16] {
            let mut r = DecodeReader::new(std::io::Cursor::new(bytes.to_vec()), 0, encoding_rs::GB18030);
            let mut out = Vec::new();
            let mut buf = vec![0; chunk];
            loop {
                let n = r.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&buf[..n]);
            }
            assert_eq!(String::from_utf8(out).unwrap(), text, "reads of {chunk} bytes");
        }
        // A malformed byte is refused at its offset whichever way the output goes.
        // (Before a line feed: never the second byte of a character.)
        let at = 5000 + bytes[5000..].iter().position(|&b| b == b'\n').unwrap();
        let mut bad = bytes.to_vec();
        bad.splice(at..at, [0x81, 0x20]);
        let mut r = DecodeReader::new(std::io::Cursor::new(bad), 0, encoding_rs::GB18030);
        let err = r.read_to_end(&mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains(&format!("offset {at} ")), "{err}");
    }

    #[test]
    fn a_gbk_file_is_hashed_while_its_rows_are_read_and_any_file_gets_its_own_hash() {
        use sha2::Digest;
        let dir = tempfile::tempdir().unwrap();
        let text = "企业名称,统一社会信用代码\n永州市某某公司,1\n".repeat(3000);
        let gbk = encoding_rs::GB18030.encode(&text).0.into_owned();
        let ascii = "name,code\nabc,1\n".repeat(3000);
        let files = [
            ("gbk.csv", gbk.clone(), Encoding::Gb18030),
            ("utf8.csv", text.clone().into_bytes(), Encoding::Utf8),
            (
                "bom.csv",
                [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
                Encoding::Utf8Bom,
            ),
            // Not UTF-8 only in its last line.
            (
                "late.csv",
                [ascii.as_bytes(), &gbk[..8]].concat(),
                Encoding::Gb18030,
            ),
        ];
        for (name, bytes, encoding) in files {
            let lines = 6000 + u32::from(name == "late.csv");
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).unwrap();
            let expected = hex::encode(Sha256::digest(&bytes));
            let rows = |src: &mut Source, stop_after: u32| {
                let mut n = 0;
                src.rows(None, &mut |row, _| {
                    n = row.number;
                    Ok(if row.number >= stop_after {
                        Flow::Stop
                    } else {
                        Flow::Continue
                    })
                })
                .unwrap();
                n
            };
            let late = encoding == Encoding::Gb18030;
            // Read to the end: the hash of the reading.
            let mut src = Source::open(&path, true).unwrap();
            assert_eq!(src.encoding(), Some(encoding), "{name}");
            assert_eq!(src.sha256().is_none(), late, "{name}: hashed on opening");
            rows(&mut src, 2);
            assert_eq!(
                src.sha256().is_none(),
                late,
                "{name}: a stopped read does not hash"
            );
            assert_eq!(rows(&mut src, u32::MAX), lines, "{name}");
            assert_eq!(src.sha256(), Some(expected.as_str()), "{name}");
            assert_eq!(src.file_sha256().unwrap(), expected, "{name}");
            // Stopped early: the hash is taken in a pass of its own.
            let mut src = Source::open(&path, true).unwrap();
            rows(&mut src, 2);
            assert_eq!(src.file_sha256().unwrap(), expected, "{name}");
            // A preview has none.
            let mut src = Source::open(&path, false).unwrap();
            rows(&mut src, u32::MAX);
            assert_eq!(src.file_sha256().unwrap(), "", "{name}");
        }
    }

    #[test]
    fn gb18030_decodes_across_small_reads_and_rejects_garbage() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("企业名称,统一社会信用代码\n永州市某某公司,1\n");
        let mut r = DecodeReader::new(std::io::Cursor::new(bytes.into_owned()), 0, encoding_rs::GB18030);
        let mut out = String::new();
        r.read_to_string(&mut out).unwrap();
        assert_eq!(out, "企业名称,统一社会信用代码\n永州市某某公司,1\n");

        let mut r = DecodeReader::new(
            std::io::Cursor::new(vec![b'a', 0x81, 0x20, b'b']),
            0,
            encoding_rs::GB18030,
        );
        let err = r.read_to_string(&mut String::new()).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("offset 1"), "{err}");
    }
}
