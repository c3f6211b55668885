//! Writing the registers (and import reports) as spreadsheets people open in Excel or WPS: `.xlsx` through
//! rust_xlsxwriter, `.csv` as UTF-8 with a byte-order mark (without it Excel reads UTF-8 as the local ANSI code
//! page and shows mojibake).
//!
//! The columns are the canonical headers of `import::fields`, and every value is written in the form the
//! importer reads back to the same stored value, so an export re-imports as "unchanged". Cells that begin with
//! `=`, `+`, `-`, `@`, a tab or a carriage return are neutralised against formula injection (a company name
//! like `=HYPERLINK(...)` must stay text): in CSV they get a leading apostrophe, which the importer removes
//! again; in `.xlsx` every value is written as a string cell, which Excel never evaluates.
//!
//! Files are written to a temporary name beside the target and renamed at the end, so a failed export never
//! leaves a half-written file under the requested name. Large `.xlsx` files use rust_xlsxwriter's
//! constant-memory mode (rows go to a temporary file, not to memory).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use rust_xlsxwriter::{Format, Workbook};
use serde::Serialize;

use crate::error::{Error, ErrorCode, Result};
use crate::import::fields::fields;
use crate::model::{Entity, Inspector, Item, Register};
use crate::normalize;
use crate::registers;

/// The most data rows an `.xlsx` sheet can hold below its header row (Excel's limit is 1,048,576 rows).
pub const XLSX_MAX_DATA_ROWS: u64 = 1_048_575;

/// The separator written between the values of a list (tags, qualifications); the importer splits on it.
pub const LIST_SEPARATOR: &str = "、";

/// What an export wrote.
#[derive(Clone, Debug, Serialize)]
pub struct ExportSummary {
    pub register: Register,
    pub path: PathBuf,
    pub rows: u64,
}

/// True if a spreadsheet program could read the text as a formula or a command, or if the importer would
/// strip its first character (a leading apostrophe).
fn needs_neutralising(s: &str) -> bool {
    matches!(s.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\''))
}

/// The text of a CSV cell: neutralised with a leading apostrophe where needed.
pub fn csv_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if needs_neutralising(s) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// The file format, from the extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format_ {
    Csv,
    Xlsx,
}

fn format_of(path: &Path) -> Result<Format_> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("csv") => Ok(Format_::Csv),
        Some("xlsx") => Ok(Format_::Xlsx),
        _ => Err(Error::invalid(
            path.display().to_string(),
            "the output file must end in .xlsx or .csv (输出文件的扩展名应为 .xlsx 或 .csv)",
        )),
    }
}

pub(crate) fn xlsx_error(path: &Path, e: rust_xlsxwriter::XlsxError) -> Error {
    Error::other(
        ErrorCode::Io,
        format!("{}：写入 xlsx 失败：{e}", path.display()),
        format!("{}: writing the xlsx file failed: {e}", path.display()),
    )
}

/// The temporary name `path` is written under until it is complete (`PATH.part`, beside it). A missing
/// folder is named as such, rather than surfacing as "no such file" on the temporary name.
pub(crate) fn part_path(path: &Path) -> Result<PathBuf> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        return Err(Error::other(
            ErrorCode::NotFound,
            format!("{}：文件夹不存在，无法在其中写入 {name}", dir.display()),
            format!(
                "{}: no such folder; {name} cannot be written there",
                dir.display()
            ),
        ));
    }
    let mut temp = path.as_os_str().to_owned();
    temp.push(".part");
    Ok(PathBuf::from(temp))
}

/// Runs rust_xlsxwriter calls that write `path`. Its constant-memory worksheets write each finished row to a
/// temporary file and `expect` that write to succeed, so a full disk (or an unwritable temporary folder)
/// panics inside the crate; the panic is turned into an error naming the file, like its own errors. (The
/// default panic hook still prints the panic to stderr first.)
pub(crate) fn xlsx_io<T>(
    path: &Path,
    f: impl FnOnce() -> std::result::Result<T, rust_xlsxwriter::XlsxError>,
) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r.map_err(|e| xlsx_error(path, e)),
        Err(panic) => {
            let what = crate::error::panic_text(panic.as_ref());
            Err(Error::other(
                ErrorCode::Io,
                format!(
                    "{}：写入 xlsx 失败：磁盘已满，或临时文件夹无法写入（{what}）；请腾出磁盘空间后重试",
                    path.display()
                ),
                format!(
                    "{}: writing the xlsx file failed: the disk is full or the temporary folder cannot be written \
                     ({what}); free some disk space and try again",
                    path.display()
                ),
            ))
        }
    }
}

enum Inner {
    Csv(Box<csv::Writer<BufWriter<File>>>),
    Xlsx { workbook: Box<Workbook>, row: u32 },
}

/// Writes a table (one header row, then rows of text) to `.xlsx` or `.csv`, chosen by the extension.
pub struct TableWriter {
    inner: Option<Inner>,
    path: PathBuf,
    temp: PathBuf,
    rows: u64,
}

impl TableWriter {
    /// Starts a table at `path` (written under a temporary name until [`TableWriter::finish`]).
    /// `wide` lists the columns that hold long text, which get wider columns in `.xlsx`.
    pub fn create(path: &Path, sheet_name: &str, headers: &[&str], wide: &[usize]) -> Result<TableWriter> {
        let format = format_of(path)?;
        let temp = part_path(path)?;
        let inner = match format {
            Format_::Csv => {
                let mut file = BufWriter::new(File::create(&temp).map_err(|e| Error::io(&temp, e))?);
                file.write_all(b"\xEF\xBB\xBF").map_err(|e| Error::io(&temp, e))?;
                let mut w = csv::WriterBuilder::new()
                    .terminator(csv::Terminator::CRLF)
                    .flexible(true)
                    .from_writer(file);
                w.write_record(headers.iter().map(|h| csv_cell(h).into_owned()))
                    .map_err(|e| csv_error(&temp, e))?;
                Inner::Csv(Box::new(w))
            }
            Format_::Xlsx => {
                let mut workbook = Box::new(Workbook::new());
                let bold = Format::new().set_bold();
                let ws = workbook
                    .add_worksheet_with_constant_memory()
                    .map_err(|e| xlsx_error(path, e))?;
                ws.set_name(sheet_name).map_err(|e| xlsx_error(path, e))?;
                for (c, h) in headers.iter().enumerate() {
                    let width = if wide.contains(&c) { 40 } else { 20 };
                    ws.set_column_width(c as u16, width)
                        .map_err(|e| xlsx_error(path, e))?;
                    ws.write_string_with_format(0, c as u16, *h, &bold)
                        .map_err(|e| xlsx_error(path, e))?;
                }
                ws.set_freeze_panes(1, 0).map_err(|e| xlsx_error(path, e))?;
                Inner::Xlsx { workbook, row: 0 }
            }
        };
        Ok(TableWriter {
            inner: Some(inner),
            path: path.to_path_buf(),
            temp,
            rows: 0,
        })
    }

    /// Appends a row of text cells.
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) -> Result<()> {
        match self.inner.as_mut() {
            Some(Inner::Csv(w)) => {
                w.write_record(cells.iter().map(|c| csv_cell(c.as_ref()).into_owned()))
                    .map_err(|e| csv_error(&self.temp, e))?;
            }
            Some(Inner::Xlsx { workbook, row }) => {
                if u64::from(*row) >= XLSX_MAX_DATA_ROWS {
                    return Err(Error::other(
                        ErrorCode::Invalid,
                        format!(
                            "{}：xlsx 工作表最多容纳 {} 行数据，请导出为 .csv",
                            self.path.display(),
                            XLSX_MAX_DATA_ROWS
                        ),
                        format!(
                            "{}: an xlsx sheet holds at most {} data rows; export to .csv instead",
                            self.path.display(),
                            XLSX_MAX_DATA_ROWS
                        ),
                    ));
                }
                *row += 1;
                xlsx_io(&self.path, || {
                    let ws = workbook.worksheet_from_index(0)?;
                    for (c, v) in cells.iter().enumerate() {
                        let v = v.as_ref();
                        if v.is_empty() {
                            continue;
                        }
                        // A leading apostrophe is doubled so that the importer's removal of one gives it back.
                        let text = if v.starts_with('\'') {
                            format!("'{v}")
                        } else {
                            v.to_string()
                        };
                        ws.write_string(*row, c as u16, text)?;
                    }
                    Ok(())
                })?;
            }
            None => {}
        }
        self.rows += 1;
        Ok(())
    }

    /// Writes the file out and moves it to its final name. Returns the number of data rows.
    pub fn finish(mut self) -> Result<u64> {
        match self.inner.take() {
            Some(Inner::Csv(w)) => {
                let mut file = w
                    .into_inner()
                    .map_err(|e| Error::io(&self.temp, e.into_error()))?;
                file.flush().map_err(|e| Error::io(&self.temp, e))?;
                file.get_ref().sync_all().map_err(|e| Error::io(&self.temp, e))?;
            }
            Some(Inner::Xlsx { mut workbook, .. }) => {
                xlsx_io(&self.path, || workbook.save(&self.temp))?;
            }
            None => {}
        }
        std::fs::rename(&self.temp, &self.path).map_err(|e| Error::io(&self.path, e))?;
        Ok(self.rows)
    }
}

impl Drop for TableWriter {
    fn drop(&mut self) {
        // Not finished: remove the partial file (best effort; there is nothing else to do on failure).
        if self.inner.is_some() {
            self.inner = None;
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(path, io),
        other => Error::other(
            ErrorCode::Io,
            format!("{}：写入 CSV 失败：{other:?}", path.display()),
            format!("{}: writing the CSV file failed: {other:?}", path.display()),
        ),
    }
}

fn date_cell(d: Option<chrono::NaiveDate>) -> String {
    d.map(normalize::date_text).unwrap_or_default()
}

/// The cells of an entity in canonical column order.
pub fn entity_cells(e: &Entity) -> Vec<String> {
    vec![
        e.code.clone(),
        e.name.clone(),
        e.entity_type.clone(),
        e.industry.clone(),
        e.address.clone(),
        e.authority.clone(),
        e.region.clone(),
        e.town.clone(),
        date_cell(e.established),
        e.status.clone(),
        e.risk_class.map(|r| r.as_str().to_string()).unwrap_or_default(),
        e.tags.join(LIST_SEPARATOR),
        date_cell(e.last_inspected),
    ]
}

/// The cells of an inspector in canonical column order (department by name).
pub fn inspector_cells(i: &Inspector, department_name: &str) -> Vec<String> {
    vec![
        i.staff_no.clone(),
        i.name.clone(),
        department_name.to_string(),
        i.certificate_no.clone(),
        date_cell(i.certificate_valid_until),
        i.qualifications.join(LIST_SEPARATOR),
        if i.expert { "是" } else { "否" }.to_string(),
        i.region.clone(),
        i.status.clone(),
    ]
}

/// The cells of an item in canonical column order (department by name).
pub fn item_cells(i: &Item, department_name: &str) -> Vec<String> {
    vec![
        i.code.clone(),
        i.name.clone(),
        department_name.to_string(),
        i.legal_basis.clone(),
        i.subject.clone(),
        i.object.clone(),
        i.method.clone(),
        i.ratio_frequency.clone(),
        i.inspector_requirements.clone(),
        i.notes.clone(),
    ]
}

/// Exports a register to `path` (`.xlsx` or `.csv`). Entities are streamed from the database.
pub fn export(conn: &Connection, register: Register, path: &Path) -> Result<ExportSummary> {
    let specs = fields(register);
    let headers: Vec<&str> = specs.iter().map(|f| f.header).collect();
    let wide: Vec<usize> = specs
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            matches!(
                f.key,
                "name" | "address" | "legal_basis" | "subject" | "object" | "ratio_frequency" | "notes"
            )
        })
        .map(|(i, _)| i)
        .collect();
    let mut w = TableWriter::create(path, register.label_zh(), &headers, &wide)?;
    let departments = registers::list_departments(conn)?;
    let dep_name = |code: &str| -> String {
        departments
            .iter()
            .find(|d| d.code == code)
            .map(|d| d.name.clone())
            .unwrap_or_else(|| code.to_string())
    };
    match register {
        Register::Departments => {
            for d in &departments {
                w.row(&[d.code.as_str(), d.name.as_str()])?;
            }
        }
        Register::Entities => registers::for_each_entity(conn, |e| w.row(&entity_cells(&e)))?,
        Register::Inspectors => {
            for i in registers::list_inspectors(conn)? {
                w.row(&inspector_cells(&i, &dep_name(&i.department)))?;
            }
        }
        Register::Items => {
            for i in registers::list_items(conn)? {
                w.row(&item_cells(&i, &dep_name(&i.department)))?;
            }
        }
    }
    let rows = w.finish()?;
    Ok(ExportSummary {
        register,
        path: path.to_path_buf(),
        rows,
    })
}

impl ExportSummary {
    /// One line for a person.
    pub fn message(&self, lang: crate::i18n::Lang) -> String {
        match lang {
            crate::i18n::Lang::Zh => format!(
                "已导出{} {} 行到 {}",
                self.register.label_zh(),
                self.rows,
                self.path.display()
            ),
            crate::i18n::Lang::En => format!(
                "exported {} rows of {} to {}",
                self.rows,
                self.register.as_str(),
                self.path.display()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_cells_are_neutralised_in_csv() {
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("+86 123"), "'+86 123");
        assert_eq!(csv_cell("-"), "'-");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("\rx"), "'\rx");
        assert_eq!(csv_cell("'quoted"), "''quoted");
        assert_eq!(csv_cell("永州=1"), "永州=1");
    }

    #[test]
    fn neutralised_csv_cells_normalise_back_to_the_value() {
        for v in ["=HYPERLINK(\"http://x\")", "+1", "-3", "@x", "'a"] {
            assert_eq!(normalize::text(&csv_cell(v)), v);
        }
    }
}
