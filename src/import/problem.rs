//! What can be wrong with an imported file, and how it is told to the user.
//!
//! Row-level findings are [`Problem`]s with a [`Reason`] from a closed enum (the desktop frontend mirrors it)
//! and a location a person can find in Excel: file, sheet, row number as Excel shows it, column header.
//! File-level failures (no header row, unknown sheet, unreadable bytes, row errors in an all-or-nothing import)
//! are [`ImportError`]s, carried by `Error::Import`.

use serde::Serialize;

use crate::codes::Malformed;
use crate::i18n::Lang;
use crate::tr;

use super::ImportSummary;

/// How serious a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The row is rejected.
    Error,
    /// The row is imported; the value deserves a second look.
    Warning,
}

impl Severity {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Severity::Error, Lang::Zh) => "错误",
            (Severity::Error, Lang::En) => "error",
            (Severity::Warning, Lang::Zh) => "警告",
            (Severity::Warning, Lang::En) => "warning",
        }
    }
}

/// Why a value was not accepted as it is. A closed list: the frontend mirrors it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// A required value is empty.
    Missing,
    /// Not a credit code or registration number: wrong length.
    CodeLength { length: usize },
    /// Not a credit code or registration number: a character outside the allowed set.
    CodeCharacter { position: usize, character: char },
    /// A well-formed credit code whose check character is wrong (a warning: some genuine codes fail it).
    CheckCharacter { expected: char, found: char },
    /// Not a date in any known form.
    Date,
    /// Not a yes/no value.
    Boolean,
    /// Not a credit risk class.
    RiskClass,
    /// The department is neither the code nor the name of a known department.
    UnknownDepartment,
    /// The same key appears on an earlier row of the same file.
    DuplicateKey { first_row: u32 },
    /// The same department name appears on an earlier row of the same file.
    DuplicateName { first_row: u32 },
    /// The department name is already used by another department code.
    NameTaken { code: String },
    /// The cell holds a spreadsheet error value such as `#N/A`.
    CellError,
    /// The text is longer than any real value of the field could be.
    TooLong { length: usize, max: usize },
}

impl Reason {
    /// The explanation in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Reason::Missing => tr!(lang, "必填项为空", "required value is empty"),
            Reason::CodeLength { length } => tr!(
                lang,
                "代码格式错误：长度为 {} 位，应为 18 位统一社会信用代码或 15 位注册号",
                "malformed code: {} characters long, expected an 18-character credit code or a 15-digit registration number",
                length
            ),
            Reason::CodeCharacter { position, character } => tr!(
                lang,
                "代码格式错误：第 {} 位的字符「{}」不允许出现在代码中",
                "malformed code: character '{1}' at position {0} is not allowed in a code",
                position,
                character
            ),
            Reason::CheckCharacter { expected, found } => tr!(
                lang,
                "校验位错误：应为 {}，实为 {}（警告：该行仍会导入，请核对代码）",
                "wrong check character: expected {}, found {} (a warning: the row is still imported; please verify the code)",
                expected,
                found
            ),
            Reason::Date => tr!(
                lang,
                "无法识别的日期（可用格式如 2026-01-31、2026/1/31、2026.1.31、2026年1月31日、20260131）",
                "not a recognised date (use e.g. 2026-01-31, 2026/1/31, 2026.1.31, 2026年1月31日, 20260131)"
            ),
            Reason::Boolean => tr!(
                lang,
                "无法识别的是/否值（可用 是/否、Y/N、1/0、√/×）",
                "not a recognised yes/no value (use 是/否, Y/N, 1/0, √/×)"
            ),
            Reason::RiskClass => tr!(
                lang,
                "无法识别的信用风险分类（应为 A/B/C/D 或 低/一般/较高/高）",
                "not a recognised credit risk class (use A/B/C/D or 低/一般/较高/高)"
            ),
            Reason::UnknownDepartment => tr!(
                lang,
                "未知部门（既不是已有部门的编码也不是其名称；请先导入部门）",
                "unknown department (neither the code nor the name of a known department; import departments first)"
            ),
            Reason::DuplicateKey { first_row } => tr!(
                lang,
                "与本文件第 {} 行重复",
                "duplicate of row {} of this file",
                first_row
            ),
            Reason::DuplicateName { first_row } => tr!(
                lang,
                "部门名称与本文件第 {} 行重复",
                "department name duplicates row {} of this file",
                first_row
            ),
            Reason::NameTaken { code } => tr!(
                lang,
                "该部门名称已被部门 {} 使用",
                "this department name is already used by department {}",
                code
            ),
            Reason::CellError => tr!(lang, "单元格含错误值", "the cell holds an error value"),
            Reason::TooLong { length, max } => tr!(
                lang,
                "内容过长：{} 个字符，最多允许 {} 个",
                "too long: {} characters, at most {} are allowed",
                length,
                max
            ),
        }
    }

    /// The reason for a malformed code.
    pub fn from_malformed(m: Malformed) -> Reason {
        match m {
            Malformed::Length(length) => Reason::CodeLength { length },
            Malformed::Char { position, ch } => Reason::CodeCharacter {
                position,
                character: ch,
            },
        }
    }
}

/// One finding about one cell of an imported file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// File name (without directory).
    pub file: String,
    /// Sheet name, for workbooks.
    pub sheet: Option<String>,
    /// Row number as Excel shows it: 1-based, title rows and blank rows counted.
    pub row: u32,
    /// The column header as written in the file (`None` when the problem concerns no single column).
    pub column: Option<String>,
    /// The 0-based column index (A = 0), for highlighting the cell.
    pub column_index: Option<usize>,
    /// The register field (`code`, `name`, ...) the column is mapped to.
    pub field: Option<&'static str>,
    /// The cell's value as the file has it.
    pub value: String,
    pub severity: Severity,
    pub reason: Reason,
}

impl Problem {
    /// One line for a person: where, what value, what is wrong.
    pub fn message(&self, lang: Lang) -> String {
        let sheet = match &self.sheet {
            Some(s) => tr!(lang, "，工作表「{}」", ", sheet \"{}\"", s),
            None => String::new(),
        };
        let column = match &self.column {
            Some(c) => tr!(lang, "，列「{}」", ", column \"{}\"", c),
            None => String::new(),
        };
        tr!(
            lang,
            "[{}] {}{}，第 {} 行{}，值「{}」：{}",
            "[{}] {}{}, row {}{}, value \"{}\": {}",
            self.severity.label(lang),
            self.file,
            sheet,
            self.row,
            column,
            self.value,
            self.reason.message(lang)
        )
    }
}

/// A failure of a whole import (as opposed to a problem on one row).
#[derive(Debug)]
pub enum ImportError {
    /// The file's extension is not one we read.
    UnsupportedFormat { file: String, extension: String },
    /// The file could not be parsed (damaged workbook, bytes in no supported encoding ...).
    Unreadable { file: String, detail: String },
    /// `--sheet` names no sheet of the workbook.
    SheetNotFound {
        file: String,
        sheet: String,
        available: Vec<String>,
    },
    /// `--map` names a field the register does not have.
    UnknownField { field: String, available: Vec<String> },
    /// `--map` names a header that is not in the header row.
    HeaderNotInFile {
        file: String,
        field: String,
        header: String,
        available: Vec<String>,
    },
    /// No row among the first ones maps the required columns.
    HeaderNotFound {
        file: String,
        sheet: Option<String>,
        searched_rows: usize,
        missing: Vec<String>,
        closest_row: Option<u32>,
        closest_headers: Vec<String>,
    },
    /// Some rows have errors and the import was all-or-nothing: nothing was written.
    RowErrors(Box<ImportSummary>),
    /// Too many distinct keys for the in-memory duplicate index.
    TooLarge { file: String },
    /// An `.xls` sheet declares or uses more cells than an `.xls` sheet can hold: the file is damaged (and
    /// reading it would need gigabytes). `sheet` is 1-based.
    SheetTooLarge {
        file: String,
        sheet: usize,
        rows: u64,
        columns: u64,
    },
}

impl ImportError {
    /// The message in `lang`. For `RowErrors` it gives the counts; the problems themselves are in the summary.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            ImportError::UnsupportedFormat { file, extension } => tr!(
                lang,
                "{}：不支持的文件类型「{}」（支持 .xlsx、.xlsm、.xls、.csv、.tsv、.txt）",
                "{}: unsupported file type \"{}\" (supported: .xlsx, .xlsm, .xls, .csv, .tsv, .txt)",
                file,
                extension
            ),
            ImportError::Unreadable { file, detail } => {
                tr!(
                    lang,
                    "{}：无法读取文件：{}",
                    "{}: cannot read the file: {}",
                    file,
                    detail
                )
            }
            ImportError::SheetTooLarge {
                file,
                sheet,
                rows,
                columns,
            } => tr!(
                lang,
                "{}：文件已损坏：第 {} 个工作表声明或使用了 {} 行 × {} 列，超过 .xls 工作表的上限（65536 行 × 256 列）。请用 Excel 或 WPS 打开后另存为 .xlsx 再导入。",
                "{}: the file is damaged: sheet {} declares or uses {} rows × {} columns, more than an .xls sheet can hold (65,536 rows × 256 columns). Open it in Excel or WPS, save it as .xlsx and import that.",
                file,
                sheet,
                rows,
                columns
            ),
            ImportError::SheetNotFound {
                file,
                sheet,
                available,
            } => tr!(
                lang,
                "{}：没有名为「{}」的工作表；现有工作表：{}",
                "{}: there is no sheet named \"{}\"; the sheets are: {}",
                file,
                sheet,
                available.join(", ")
            ),
            ImportError::UnknownField { field, available } => tr!(
                lang,
                "--map 中的字段「{}」不存在；可用字段：{}",
                "--map names an unknown field \"{}\"; the fields are: {}",
                field,
                available.join(", ")
            ),
            ImportError::HeaderNotInFile {
                file,
                field,
                header,
                available,
            } => tr!(
                lang,
                "{}：--map {}={} 中的列「{}」在表头中不存在；表头中的列：{}",
                "{}: --map {}={}: there is no column \"{}\" in the header row; the columns are: {}",
                file,
                field,
                header,
                header,
                available.join(", ")
            ),
            ImportError::HeaderNotFound {
                file,
                sheet,
                searched_rows,
                missing,
                closest_row,
                closest_headers,
            } => {
                let sheet = match sheet {
                    Some(s) => tr!(lang, "，工作表「{}」", ", sheet \"{}\"", s),
                    None => String::new(),
                };
                // "No header in the first 0 rows" would hide the plain fact.
                if *searched_rows == 0 {
                    return tr!(
                        lang,
                        "{}{}：文件是空的（没有任何行）；需要一个表头行，含必需的列：{}",
                        "{}{}: the file is empty (no rows at all); a header row with the required columns is needed: {}",
                        file,
                        sheet,
                        missing.join(", ")
                    );
                }
                let closest = match closest_row {
                    Some(r) => tr!(
                        lang,
                        "；最接近的是第 {} 行：{}",
                        "; the closest is row {}: {}",
                        r,
                        closest_headers.join(", ")
                    ),
                    None => String::new(),
                };
                tr!(
                    lang,
                    "{}{}：前 {} 行中没有找到表头，缺少必需的列：{}{}。可用 --map 字段=列名 指定。",
                    "{}{}: no header row in the first {} rows; required columns missing: {}{}. Use --map FIELD=HEADER to name them.",
                    file,
                    sheet,
                    searched_rows,
                    missing.join(", "),
                    closest
                )
            }
            ImportError::RowErrors(s) => tr!(
                lang,
                "{}：{} 行有错误，未导入任何数据（共 {} 个问题，其中 {} 个警告）。修正后重新导入，或用 --partial --report 文件 只导入正确的行。",
                "{}: {} rows have errors; nothing was imported ({} problems, {} of them warnings). Fix them and import again, or use --partial --report FILE to import only the valid rows.",
                s.file,
                s.rejected,
                s.problem_count,
                s.warnings
            ),
            ImportError::TooLarge { file } => tr!(
                lang,
                "{}：文件过大，无法检查重复代码",
                "{}: the file is too large to check for duplicate keys",
                file
            ),
        }
    }
}
