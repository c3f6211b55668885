//! Public notices (一公开): the item list (抽查事项清单), the plan notice, the task notice (the drawn entities and
//! their inspection groups) and the results notice, as tables the website team publishes.
//!
//! [`items`], [`plan`], [`task`] and [`results`] read the database into a [`Notice`] (a title, a few lines of
//! introduction, one table, notes): a pure description, in Chinese. [`write`] writes it as `.xlsx` or `.csv`
//! through `export::TableWriter` — the same formula neutralising as the register exports (string cells in
//! `.xlsx`, a leading apostrophe in `.csv`) — or as a self-contained offline `.html` page ([`html`]), chosen by
//! the file's extension. Spreadsheet rows repeat the task number (and name) so that each row stands alone once
//! the introduction is gone. The task notice names inspectors by name and certificate number only: no staff
//! number, department, region or certificate validity.

mod build;
pub mod html;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::export::TableWriter;

pub use build::{items, plan, results, task};

/// Which notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// 抽查事项清单.
    Items,
    /// 抽查计划.
    Plan,
    /// 抽查任务 (检查对象名单).
    Task,
    /// 抽查结果.
    Results,
}

impl Kind {
    /// The sheet name in `.xlsx`.
    pub fn sheet(self) -> &'static str {
        match self {
            Kind::Items => "抽查事项清单",
            Kind::Plan => "抽查计划",
            Kind::Task => "抽查任务",
            Kind::Results => "抽查结果",
        }
    }
}

/// One notice: what the HTML page shows; the spreadsheet holds the table only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub kind: Kind,
    pub title: String,
    pub subtitle: String,
    /// Label and value lines above the table.
    pub intro: Vec<(String, String)>,
    pub columns: Vec<String>,
    /// Columns holding codes (set in a fixed-pitch font in HTML, never wrapped).
    pub code_columns: Vec<usize>,
    /// Columns holding long text (wider in `.xlsx`).
    pub wide: Vec<usize>,
    pub rows: Vec<Vec<String>>,
    /// Sentences below the table.
    pub notes: Vec<String>,
}

/// The file formats a notice is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Xlsx,
    Csv,
    Html,
}

impl Format {
    /// The format named by the file's extension.
    pub fn of(path: &Path) -> Result<Format> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref()
        {
            Some("xlsx") => Ok(Format::Xlsx),
            Some("csv") => Ok(Format::Csv),
            Some("html" | "htm") => Ok(Format::Html),
            _ => Err(Error::invalid(
                path.display().to_string(),
                "the notice file must end in .xlsx, .csv or .html (公示文件的扩展名应为 .xlsx、.csv 或 .html)",
            )),
        }
    }
}

/// What [`write`] wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Written {
    pub kind: Kind,
    pub format: Format,
    pub path: PathBuf,
    pub rows: usize,
}

/// Writes `notice` to `path` in the format its extension names. The file appears complete or not at all
/// (written under a temporary name, then renamed); an existing file of that name is replaced.
pub fn write(notice: &Notice, path: &Path) -> Result<Written> {
    let format = Format::of(path)?;
    match format {
        Format::Xlsx | Format::Csv => {
            let headers: Vec<&str> = notice.columns.iter().map(String::as_str).collect();
            let mut w = TableWriter::create(path, notice.kind.sheet(), &headers, &notice.wide)?;
            for row in &notice.rows {
                w.row(row)?;
            }
            w.finish()?;
        }
        Format::Html => {
            let temp = crate::export::part_path(path)?;
            std::fs::write(&temp, html::page(notice)).map_err(|e| Error::io(&temp, e))?;
            if let Err(e) = std::fs::rename(&temp, path) {
                let _ = std::fs::remove_file(&temp);
                return Err(Error::io(path, e));
            }
        }
    }
    Ok(Written {
        kind: notice.kind,
        format,
        path: path.to_path_buf(),
        rows: notice.rows.len(),
    })
}
