//! Writes one register to one file, row by row, in the three demo formats: `.xlsx` (rust_xlsxwriter in
//! constant-memory mode, so a 100,000-row sheet never sits in memory), UTF-8 CSV with a byte-order mark
//! (what Excel needs to open it as UTF-8), and GB18030 CSV (what government systems export).
//!
//! The files are reproducible: every cell is text, the workbook's creation time is the as-of date rather
//! than the clock, and rust_xlsxwriter stamps zip entries with a fixed date.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

use crate::error::{Error, ErrorCode, Result};
use crate::export::xlsx_error;

/// The file format of the demo registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DemoFormat {
    /// Office Open XML workbook, one sheet.
    Xlsx,
    /// UTF-8 with a byte-order mark, CRLF line ends.
    Csv,
    /// GB18030 (a superset of GBK), no byte-order mark, CRLF line ends.
    GbkCsv,
}

impl DemoFormat {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            DemoFormat::Xlsx => "xlsx",
            DemoFormat::Csv | DemoFormat::GbkCsv => "csv",
        }
    }
}

/// The most data rows an xlsx sheet holds (1,048,576 rows less the header).
pub const XLSX_MAX_ROWS: u64 = 1_048_575;

/// Metadata stamped into a workbook instead of the clock.
pub struct Stamp<'a> {
    pub title: &'a str,
    pub comment: &'a str,
    pub created: NaiveDate,
}

/// A register file being written.
pub enum SheetWriter {
    Xlsx {
        workbook: Box<Workbook>,
        row: u32,
        path: PathBuf,
    },
    Csv {
        out: BufWriter<File>,
        gb18030: bool,
        line: String,
        path: PathBuf,
    },
}

impl SheetWriter {
    /// Creates `path` and writes the header row. `sheet` names the worksheet of an xlsx file.
    pub fn create(
        path: &Path,
        format: DemoFormat,
        sheet: &str,
        headers: &[&str],
        stamp: &Stamp,
    ) -> Result<SheetWriter> {
        let mut w = match format {
            DemoFormat::Xlsx => {
                let mut workbook = Box::new(Workbook::new());
                let created = ExcelDateTime::from_ymd(
                    stamp.created.year().clamp(1900, 9999) as u16,
                    stamp.created.month() as u8,
                    stamp.created.day() as u8,
                )
                .map_err(|e| xlsx_error(path, e))?;
                let props = DocProperties::new()
                    .set_title(stamp.title)
                    .set_author("fairdraw demo")
                    .set_comment(stamp.comment)
                    .set_creation_datetime(&created);
                workbook.set_properties(&props);
                let ws = workbook
                    .add_worksheet_with_constant_memory()
                    .map_err(|e| xlsx_error(path, e))?;
                ws.set_name(sheet).map_err(|e| xlsx_error(path, e))?;
                for (c, h) in headers.iter().enumerate() {
                    // Wide enough for the header and typical values; Excel users resize as they like.
                    let width = if h.contains("名称") || h.contains("住所") || h.contains("依据") {
                        36.0
                    } else {
                        16.0
                    };
                    ws.set_column_width(c as u16, width)
                        .map_err(|e| xlsx_error(path, e))?;
                }
                ws.set_freeze_panes(1, 0).map_err(|e| xlsx_error(path, e))?;
                SheetWriter::Xlsx {
                    workbook,
                    row: 0,
                    path: path.to_path_buf(),
                }
            }
            DemoFormat::Csv | DemoFormat::GbkCsv => {
                let file = File::create(path).map_err(|e| Error::io(path, e))?;
                let mut out = BufWriter::with_capacity(1 << 16, file);
                let gb18030 = format == DemoFormat::GbkCsv;
                if !gb18030 {
                    out.write_all("\u{feff}".as_bytes())
                        .map_err(|e| Error::io(path, e))?;
                }
                SheetWriter::Csv {
                    out,
                    gb18030,
                    line: String::new(),
                    path: path.to_path_buf(),
                }
            }
        };
        w.write_row_with(headers, true)?;
        Ok(w)
    }

    /// Appends a data row.
    pub fn write_row<S: AsRef<str>>(&mut self, cells: &[S]) -> Result<()> {
        self.write_row_with(cells, false)
    }

    fn write_row_with<S: AsRef<str>>(&mut self, cells: &[S], header: bool) -> Result<()> {
        match self {
            SheetWriter::Xlsx { workbook, row, path } => {
                if u64::from(*row) > XLSX_MAX_ROWS {
                    return Err(Error::other(
                        ErrorCode::Invalid,
                        format!(
                            "{}：xlsx 工作表最多 {XLSX_MAX_ROWS} 行数据，请改用 CSV",
                            path.display()
                        ),
                        format!(
                            "{}: an xlsx sheet holds at most {XLSX_MAX_ROWS} data rows; use CSV",
                            path.display()
                        ),
                    ));
                }
                let bold = Format::new().set_bold();
                crate::export::xlsx_io(path, || {
                    let ws = workbook.worksheet_from_index(0)?;
                    for (c, v) in cells.iter().enumerate() {
                        let v = v.as_ref();
                        if v.is_empty() {
                            continue;
                        }
                        if header {
                            ws.write_string_with_format(*row, c as u16, v, &bold)?;
                        } else {
                            ws.write_string(*row, c as u16, v)?;
                        }
                    }
                    Ok(())
                })?;
                *row += 1;
            }
            SheetWriter::Csv {
                out,
                gb18030,
                line,
                path,
            } => {
                line.clear();
                for (c, v) in cells.iter().enumerate() {
                    if c > 0 {
                        line.push(',');
                    }
                    push_csv_field(line, v.as_ref());
                }
                line.push_str("\r\n");
                let r = if *gb18030 {
                    let (bytes, _, _) = encoding_rs::GB18030.encode(line);
                    out.write_all(&bytes)
                } else {
                    out.write_all(line.as_bytes())
                };
                r.map_err(|e| Error::io(path.as_path(), e))?;
            }
        }
        Ok(())
    }

    /// Finishes the file (for xlsx: assembles and saves the workbook).
    pub fn finish(self) -> Result<()> {
        match self {
            SheetWriter::Xlsx {
                mut workbook, path, ..
            } => crate::export::xlsx_io(&path, || workbook.save(&path)),
            SheetWriter::Csv { mut out, path, .. } => {
                out.flush().map_err(|e| Error::io(&path, e))?;
                out.get_ref().sync_all().map_err(|e| Error::io(&path, e))
            }
        }
    }
}

/// Appends one CSV field, quoted (RFC 4180) when it holds a comma, quote or line break.
fn push_csv_field(line: &mut String, v: &str) {
    if v.contains([',', '"', '\r', '\n']) {
        line.push('"');
        line.push_str(&v.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        let mut s = String::new();
        push_csv_field(&mut s, "永州市");
        push_csv_field(&mut s, "a,b");
        push_csv_field(&mut s, "say \"hi\"");
        assert_eq!(s, "永州市\"a,b\"\"say \"\"hi\"\"\"");
    }
}
