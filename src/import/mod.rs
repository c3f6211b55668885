//! Importing the four registers from government spreadsheets (`.xlsx`, `.xls`, `.csv` in UTF-8 or GBK).
//!
//! The flow: open the file ([`source`]), find the sheet and header row and map its columns to fields
//! ([`fields`]), then stream the rows below it through [`parse`] into domain values and upsert them in one
//! transaction. Every problem is kept with its location ([`problem`]); nothing is dropped silently (blank rows
//! are skipped but counted). By default an import is all-or-nothing: one row error rolls everything back and
//! the database is exactly as before. With `partial`, valid rows are imported and the rejected rows can be
//! written to a report file (original values plus a problems column) that re-imports once fixed.
//!
//! Memory stays flat in the number of rows: rows are streamed, only the first [`MAX_PROBLEMS_KEPT`] problems
//! are kept in the summary (the report file gets all), and duplicate entity keys are found in the sort that
//! orders the entities for writing. A file that has some is read again with a compact key index (about 35
//! bytes per distinct key), as the small registers always are.
//!
//! Entry points for the CLI and the desktop app: [`preview`] and [`import_file`] (the app calls
//! [`import_or_summary`], which hands back the summary of a refused all-or-nothing import as a value).

pub mod fields;
pub mod parse;
pub mod problem;
pub mod sort;
pub mod source;
pub mod xls_extent;

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use rusqlite::{Connection, Transaction, params};
use serde::Serialize;
use serde_json::json;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::export::TableWriter;
use crate::i18n::Lang;
use crate::journal::{self, Event};
use crate::model::Register;
use crate::registers::{self, Upsert};
use crate::tr;

pub use fields::MatchKind;
use fields::{ExplicitMap, FieldSpec, Header, HeaderSearch};
use parse::{Departments, Parsed, Record, RowContext};
pub use problem::{ImportError, Problem, Reason, Severity};
use sort::ExternalSort;
pub use source::Encoding;
use source::{Flow, Position, RawRow, RowRef, Source, SourceRow, TextRows};

/// How many problems an [`ImportSummary`] keeps (the total is always counted; a report file gets them all).
pub const MAX_PROBLEMS_KEPT: usize = 1000;

/// How many data rows a [`Preview`] shows.
pub const PREVIEW_ROWS: usize = 20;

/// Options of an import or a preview.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// The sheet to read; by default the first sheet that has a header row.
    pub sheet: Option<String>,
    /// Explicit `(field, header)` mappings; they override detection.
    pub mappings: Vec<(String, String)>,
    /// Import the valid rows even if other rows have errors.
    pub partial: bool,
    /// Write the rejected rows (original values and problems) to this `.xlsx` or `.csv` file.
    pub report: Option<PathBuf>,
    /// Language of the problems column of the report.
    pub lang: Lang,
}

/// Where an import stands.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct ImportProgress {
    /// Data rows processed (blank rows not counted).
    pub rows_done: u64,
    /// Rows in the sheet, when the file declares it.
    pub rows_total: Option<u64>,
    /// Bytes of the file read (CSV only).
    pub bytes_read: Option<u64>,
    pub bytes_total: u64,
    /// The whole file has been read (the last report): the rows are now being written to the database, which
    /// for a fresh million entities takes about as long again.
    pub read_all: bool,
}

impl ImportProgress {
    /// Progress as `(done, total)` in one unit for a progress bar: bytes of a CSV file (the only measure known
    /// in advance), else rows of a sheet that declares its size, else rows with an unknown total (0). `done ==
    /// total` exactly when the whole file is read (`total` the rows read, for a sheet that declared no size),
    /// so that a full bar means "read, now writing" whatever the file; before that `done` stays below `total`,
    /// though the reading thread may be at the end of the file while rows are still being checked.
    pub fn units(&self) -> (u64, u64) {
        let (done, total) = match (self.bytes_read, self.rows_total) {
            (Some(read), _) => (read, self.bytes_total),
            (None, Some(total)) => (self.rows_done, total),
            (None, None) if self.read_all => (self.rows_done, self.rows_done),
            (None, None) => (self.rows_done, 0),
        };
        match (self.read_all, total) {
            (_, 0) => (done, 0),
            (true, _) => (total, total),
            (false, _) => (done.min(total - 1), total),
        }
    }
}

/// What an import did (or, inside `ImportError::RowErrors`, found).
#[derive(Clone, Debug, Serialize)]
pub struct ImportSummary {
    pub register: Register,
    /// File name without directory.
    pub file: String,
    pub file_sha256: String,
    pub sheet: Option<String>,
    /// Detected encoding of a CSV file.
    pub encoding: Option<Encoding>,
    /// The header row as Excel numbers it.
    pub header_row: u32,
    /// Non-blank data rows read.
    pub rows: u64,
    pub added: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Rows with at least one error (not imported).
    pub rejected: u64,
    /// Warnings (on imported and rejected rows).
    pub warnings: u64,
    /// Blank rows between the header and the last data row, skipped.
    pub blank_rows: u64,
    /// All problems found (errors and warnings).
    pub problem_count: u64,
    /// The first [`MAX_PROBLEMS_KEPT`] problems.
    pub problems: Vec<Problem>,
    pub partial: bool,
    /// Whether the database was changed (false for an all-or-nothing import that found errors).
    pub committed: bool,
    pub report: Option<PathBuf>,
    pub report_rows: u64,
    /// The `import_run` row recording this import.
    pub import_run: Option<i64>,
}

impl ImportSummary {
    /// A few lines for a person (without the problem list).
    pub fn message(&self, lang: Lang) -> String {
        let mut out = String::new();
        let sheet = self
            .sheet
            .as_ref()
            .map(|s| tr!(lang, "，工作表「{}」", ", sheet \"{}\"", s))
            .unwrap_or_default();
        let encoding = self
            .encoding
            .map(|e| tr!(lang, "，编码 {}", ", encoding {}", e.label()))
            .unwrap_or_default();
        out.push_str(&tr!(
            lang,
            "{}{}{}，表头在第 {} 行\n",
            "{}{}{}, header in row {}\n",
            self.file,
            sheet,
            encoding,
            self.header_row
        ));
        out.push_str(&tr!(
            lang,
            "{} 行数据：新增 {}，更新 {}，未变 {}，拒绝 {}；警告 {}；跳过空行 {}",
            "{} data rows: {} added, {} updated, {} unchanged, {} rejected; {} warnings; {} blank rows skipped",
            self.rows,
            self.added,
            self.updated,
            self.unchanged,
            self.rejected,
            self.warnings,
            self.blank_rows
        ));
        if let Some(r) = &self.report {
            out.push_str(&tr!(
                lang,
                "\n有问题的 {} 行已写入 {}",
                "\n{} rows with errors written to {}",
                self.report_rows,
                r.display()
            ));
        }
        out
    }
}

/// A column of a preview.
#[derive(Clone, Debug, Serialize)]
pub struct PreviewColumn {
    pub index: usize,
    pub header: String,
    /// The field the column is mapped to.
    pub field: Option<&'static str>,
    /// How sure that mapping is (`None` when the column is not mapped).
    pub matched: Option<MatchKind>,
}

/// A data row of a preview.
#[derive(Clone, Debug, Serialize)]
pub struct PreviewRow {
    pub row: u32,
    /// The cells as shown in the file.
    pub values: Vec<String>,
    pub problems: Vec<Problem>,
}

/// What an import of a file would see: for the desktop app's mapping screen.
#[derive(Clone, Debug, Serialize)]
pub struct Preview {
    pub register: Register,
    /// The register's fields (key, canonical header, required), in export column order: what a column can
    /// be mapped to.
    pub fields: &'static [FieldSpec],
    pub file: String,
    pub sheets: Vec<String>,
    pub sheet: Option<String>,
    pub encoding: Option<Encoding>,
    /// The detected header row (or the closest candidate if no row maps every required field).
    pub header_row: Option<u32>,
    pub columns: Vec<PreviewColumn>,
    /// Required fields (keys) without a column: the import would fail until they are mapped.
    pub missing_required: Vec<&'static str>,
    /// The first [`PREVIEW_ROWS`] data rows with their problems (not parsed while fields are missing).
    pub rows: Vec<PreviewRow>,
}

// -------------------------------------------------------------------------------------------------------
// Duplicate detection

/// The keys seen so far in a file and the row of each one's first occurrence. Keys are stored back to back in
/// one string; the hash table holds 4-byte indexes, so a million 18-character credit codes take about 40 MB
/// instead of the ~100 MB of a `HashMap<String, u32>`.
struct KeyIndex {
    table: hashbrown::HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
    arena: String,
    /// `(end offset in arena, first row)` per key; key `i` starts where key `i - 1` ends.
    entries: Vec<(u32, u32)>,
}

impl KeyIndex {
    fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An index with room for `keys` keys before it grows (growing rehashes every key).
    fn with_capacity(keys: usize) -> Self {
        KeyIndex {
            table: hashbrown::HashTable::with_capacity(keys),
            hasher: hashbrown::DefaultHashBuilder::default(),
            arena: String::new(),
            entries: Vec::new(),
        }
    }

    fn key(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.entries[i - 1].0 as usize };
        &self.arena[start..self.entries[i].0 as usize]
    }

    /// The first row of `key` if it was seen before; otherwise records it at `row`. `None` from a full arena
    /// (4 GiB of keys) is reported by the caller.
    fn first_row_or_insert(&mut self, key: &str, row: u32) -> std::result::Result<Option<u32>, ()> {
        let hash = self.hasher.hash_one(key);
        if let Some(&i) = self.table.find(hash, |&i| self.key(i) == key) {
            return Ok(Some(self.entries[i as usize].1));
        }
        self.arena.push_str(key);
        let end = u32::try_from(self.arena.len()).map_err(|_| ())?;
        let idx = u32::try_from(self.entries.len()).map_err(|_| ())?;
        self.entries.push((end, row));
        let Self {
            table,
            hasher,
            arena,
            entries,
        } = self;
        table.insert_unique(hash, idx, |&i| {
            let i = i as usize;
            let start = if i == 0 { 0 } else { entries[i - 1].0 as usize };
            hasher.hash_one(&arena[start..entries[i].0 as usize])
        });
        Ok(None)
    }
}

/// Parses rows and adds the duplicate checks that need the rows before them.
struct RowChecker<'a> {
    ctx: RowContext<'a>,
    /// The keys seen so far; `None` when duplicate keys are found by the entity sort instead (see
    /// [`DuplicateKeys::Sorted`]).
    keys: Option<KeyIndex>,
    department_names: HashMap<String, u32>,
}

impl<'a> RowChecker<'a> {
    fn new(ctx: RowContext<'a>) -> Self {
        RowChecker {
            ctx,
            keys: Some(KeyIndex::new()),
            department_names: HashMap::new(),
        }
    }

    fn check(&mut self, row: &RawRow) -> Result<Parsed> {
        let row = RowRef::Cells(row);
        let mut parsed = parse::parse_row(&self.ctx, row);
        self.check_parsed(row, &mut parsed)?;
        Ok(parsed)
    }

    /// The checks of [`RowChecker::check`] after `parse::parse_row`, which may run on another thread.
    fn check_parsed(&mut self, row: RowRef<'_>, parsed: &mut Parsed) -> Result<()> {
        if let (Some((key, col)), Some(keys)) = (&parsed.key, &mut self.keys) {
            let first = keys.first_row_or_insert(key, row.number()).map_err(|()| {
                Error::from(ImportError::TooLarge {
                    file: self.ctx.file.to_string(),
                })
            })?;
            if let Some(first_row) = first {
                let dup = self.problem(row, *col, Reason::DuplicateKey { first_row });
                parsed.problems.push(dup);
            }
        }
        if let Some((name, col)) = &parsed.department_name {
            if let Some(&first_row) = self.department_names.get(name) {
                let dup = self.problem(row, Some(*col), Reason::DuplicateName { first_row });
                parsed.problems.push(dup);
            } else {
                self.department_names.insert(name.clone(), row.number());
            }
        }
        if parsed.has_errors() {
            parsed.record = None;
        }
        // Left to right, as a person reads the row.
        parsed
            .problems
            .sort_by_key(|p| p.column_index.unwrap_or(usize::MAX));
        Ok(())
    }

    fn problem(&self, row: RowRef<'_>, col: Option<usize>, reason: Reason) -> Problem {
        Problem {
            file: self.ctx.file.to_string(),
            sheet: self.ctx.sheet.map(str::to_string),
            row: row.number(),
            column: col.map(|c| self.ctx.headers.get(c).cloned().unwrap_or_default()),
            column_index: col,
            field: col.and_then(|c| self.ctx.map.field_of(self.ctx.register, c)),
            value: col
                .map(|c| parse::shorten(row.cell(c).display()))
                .unwrap_or_default(),
            severity: Severity::Error,
            reason,
        }
    }
}

// -------------------------------------------------------------------------------------------------------
// Finding the sheet and the header

/// Searches the top rows of one sheet (or the CSV file) for the header.
fn search_header(
    src: &mut Source,
    register: Register,
    sheet: Option<&str>,
    explicit: &[ExplicitMap],
) -> Result<std::result::Result<Header, HeaderSearch>> {
    let mut search = HeaderSearch::new(register, explicit.to_vec());
    let mut found = None;
    src.rows(sheet, &mut |row, _| {
        if row.is_blank() {
            return Ok(Flow::Continue);
        }
        if let Some(h) = search.offer(&row) {
            found = Some(h);
            return Ok(Flow::Stop);
        }
        Ok(if search.searched >= fields::HEADER_SEARCH_ROWS {
            Flow::Stop
        } else {
            Flow::Continue
        })
    })?;
    Ok(found.ok_or(search))
}

/// The sheet named by the user: exact name first, then ignoring spacing and width.
fn resolve_sheet(src: &Source, wanted: &str) -> Result<String> {
    let sheets = src.sheets();
    if let Some(s) = sheets.iter().find(|s| s.as_str() == wanted) {
        return Ok(s.clone());
    }
    let key = crate::normalize::header_key(wanted);
    if let Some(s) = sheets.iter().find(|s| crate::normalize::header_key(s) == key) {
        return Ok(s.clone());
    }
    Err(ImportError::SheetNotFound {
        file: source::file_name(src.path()),
        sheet: wanted.to_string(),
        available: sheets.to_vec(),
    }
    .into())
}

/// Finds the sheet and its header row: the chosen sheet, or the first sheet that has a header row.
fn locate(
    src: &mut Source,
    register: Register,
    options: &ImportOptions,
    explicit: &[ExplicitMap],
) -> Result<(Option<String>, std::result::Result<Header, HeaderSearch>)> {
    let candidates: Vec<Option<String>> = if src.sheets().is_empty() {
        vec![None]
    } else if let Some(wanted) = &options.sheet {
        vec![Some(resolve_sheet(src, wanted)?)]
    } else {
        src.sheets().iter().cloned().map(Some).collect()
    };
    let mut first_failure = None;
    for sheet in candidates {
        match search_header(src, register, sheet.as_deref(), explicit)? {
            Ok(h) => return Ok((sheet, Ok(h))),
            Err(search) => {
                if first_failure.is_none() {
                    first_failure = Some((sheet, Err(search)));
                }
            }
        }
    }
    first_failure.ok_or_else(|| {
        Error::from(ImportError::Unreadable {
            file: source::file_name(src.path()),
            detail: "the workbook has no sheets".into(),
        })
    })
}

// -------------------------------------------------------------------------------------------------------
// Preview

/// Reads the top of a file as an import would: sheets, header row, column mapping, and the first
/// [`PREVIEW_ROWS`] data rows parsed with their problems. Reads only a prefix of the file; writes nothing.
/// `conn` is needed to resolve department references.
pub fn preview(
    conn: &Connection,
    path: &Path,
    register: Register,
    options: &ImportOptions,
) -> Result<Preview> {
    let explicit = fields::resolve_explicit(register, &options.mappings)?;
    let mut src = Source::open(path, false)?;
    let file = source::file_name(path);
    let (sheet, located) = locate(&mut src, register, options, &explicit)?;
    let (header_row, headers, map) = match located {
        Ok(h) => (Some(h.row), h.headers, Some(h.map)),
        Err(search) => match search.closest() {
            Some((row, headers)) => {
                let headers = headers.to_vec();
                let map = fields::map_columns(register, &headers, &explicit);
                (Some(row), headers, map)
            }
            None => (None, Vec::new(), None),
        },
    };
    let map = map.unwrap_or(fields::ColumnMap {
        columns: vec![None; fields::fields(register).len()],
    });
    let missing_required: Vec<&'static str> = map.missing_required(register).iter().map(|f| f.key).collect();
    let columns = headers
        .iter()
        .enumerate()
        .map(|(index, header)| {
            let field = map.columns.iter().position(|c| *c == Some(index));
            PreviewColumn {
                index,
                header: header.clone(),
                field: field.map(|f| fields::fields(register)[f].key),
                matched: field.map(|f| fields::match_kind(register, f, header, &explicit)),
            }
        })
        .collect();
    let departments = Departments::load(conn)?;
    let mut rows = Vec::new();
    if let Some(header_row) = header_row {
        let mut checker = RowChecker::new(RowContext {
            register,
            file: &file,
            sheet: sheet.as_deref(),
            headers: &headers,
            map: &map,
            departments: &departments,
        });
        let parse_rows = missing_required.is_empty();
        src.rows(sheet.as_deref(), &mut |row, _| {
            if row.number <= header_row || row.is_blank() {
                return Ok(Flow::Continue);
            }
            let problems = if parse_rows {
                checker.check(&row)?.problems
            } else {
                Vec::new()
            };
            rows.push(PreviewRow {
                row: row.number,
                values: row.cells.iter().map(|c| c.display()).collect(),
                problems,
            });
            Ok(if rows.len() >= PREVIEW_ROWS {
                Flow::Stop
            } else {
                Flow::Continue
            })
        })?;
    }
    Ok(Preview {
        register,
        fields: fields::fields(register),
        file,
        sheets: src.sheets().to_vec(),
        sheet,
        encoding: src.encoding(),
        header_row,
        columns,
        missing_required,
        rows,
    })
}

// -------------------------------------------------------------------------------------------------------
// Import

/// Upserts one record.
fn store(conn: &Connection, record: &Record) -> Result<Upsert> {
    match record {
        Record::Department(d) => registers::upsert_department(conn, d),
        Record::Entity(e) => registers::upsert_entity(conn, e),
        Record::Inspector(i) => registers::upsert_inspector(conn, i),
        Record::Item(i) => registers::upsert_item(conn, i),
    }
}

/// How often (in data rows) progress is reported.
const PROGRESS_EVERY: u64 = 1000;

/// Imports `path` into `register` in one transaction. `now` is recorded in `import_run`. On row errors in an
/// all-or-nothing import (the default) nothing is written and `Error::Import(ImportError::RowErrors(..))`
/// carries the summary and problems; the report file, if asked for, is still written.
pub fn import_file(
    db: &mut Db,
    register: Register,
    path: &Path,
    options: &ImportOptions,
    now: DateTime<FixedOffset>,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<ImportSummary> {
    import_file_sorting(
        db,
        register,
        path,
        options,
        &SortSettings::default(),
        now,
        progress,
    )
}

/// Where and in what pieces an entity import sorts its rows (see [`sort`]). Not a user setting: tests use it
/// to force the spill-and-merge path on a few rows, and to point the temporary files at a full disk.
#[derive(Clone, Debug)]
pub struct SortSettings {
    /// The folder of the unnamed temporary run files.
    pub temp_dir: PathBuf,
    /// How many bytes of encoded rows are sorted in memory before a run is written out.
    pub run_bytes: usize,
    /// Whether duplicate credit codes are looked for in the sort first (the default: flat memory, see
    /// `DuplicateKeys`); false checks every row against a key index from the start, the reference the tests
    /// hold the sorted check to.
    pub duplicates_in_sort: bool,
    /// SQLite's page cache during the import, in KiB ([`IMPORT_CACHE_KIB`]); tests make it tiny so that a few
    /// rows already overflow it and SQLite writes pages to the database file before the commit.
    pub page_cache_kib: i64,
}

impl Default for SortSettings {
    /// The system's temporary folder (`TMPDIR`), runs of [`sort::DEFAULT_RUN_BYTES`].
    fn default() -> Self {
        SortSettings {
            temp_dir: std::env::temp_dir(),
            run_bytes: sort::DEFAULT_RUN_BYTES,
            duplicates_in_sort: true,
            page_cache_kib: IMPORT_CACHE_KIB,
        }
    }
}

/// [`import_file`] with explicit [`SortSettings`].
pub fn import_file_sorting(
    db: &mut Db,
    register: Register,
    path: &Path,
    options: &ImportOptions,
    sorting: &SortSettings,
    now: DateTime<FixedOffset>,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<ImportSummary> {
    // A fixed, larger page cache for the import (the small registers are upserted in file order, so their
    // inserts touch pages all over the B-tree) keeps memory bounded; the old size is restored afterwards.
    let old_cache: i64 = db.conn().query_row("PRAGMA cache_size", [], |r| r.get(0))?;
    db.conn()
        .pragma_update(None, "cache_size", -sorting.page_cache_kib)?;
    let mut import = |db: &mut Db| import_into(db, register, path, options, sorting, now, progress);
    // A bulk load into an empty entity table runs with a rollback journal where the database can leave WAL
    // (no other connection open): the table is then written once instead of twice (see
    // `Db::with_rollback_journal`). Into a table that has rows, the changed pages would be copied to the
    // journal first, and WAL is as good.
    let result = if register == Register::Entities && registers::is_empty(db.conn(), register)? {
        db.with_rollback_journal(import)
    } else {
        import(db)
    };
    let restored = db.conn().pragma_update(None, "cache_size", old_cache);
    let summary = result?;
    restored?;
    Ok(summary)
}

/// [`import_file`] for a caller that shows every outcome as a report (the desktop app): the row errors of an
/// all-or-nothing import come back as the summary itself, `committed: false`, with the counts and problems
/// the error carries (nothing was written, as with `import_file`). Every other failure is still an error.
pub fn import_or_summary(
    db: &mut Db,
    register: Register,
    path: &Path,
    options: &ImportOptions,
    now: DateTime<FixedOffset>,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<ImportSummary> {
    match import_file(db, register, path, options, now, progress) {
        Err(Error::Import(e)) => match *e {
            ImportError::RowErrors(summary) => Ok(*summary),
            other => Err(other.into()),
        },
        other => other,
    }
}

/// The SQLite page cache during an import, in KiB.
const IMPORT_CACHE_KIB: i64 = 16 * 1024;

/// How an import finds keys that occur more than once in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DuplicateKeys {
    /// A [`KeyIndex`] of every key seen, checked row by row: each later occurrence gets its
    /// `Reason::DuplicateKey` problem as it is read. Memory grows by about 35 bytes per distinct key.
    Indexed,
    /// Entities only: the key of every row (of a rejected row too, as a key-only record) goes into the
    /// entity sort, where equal keys end up next to each other; memory stays flat. Finding one there means the
    /// rows read so far were judged without the duplicate: the pass is rolled back and the import runs again
    /// [`DuplicateKeys::Indexed`], so a file with duplicate keys gets exactly the problems, counts and report
    /// of a row-by-row check (for twice the reading time). A file without any pays nothing for the check.
    Sorted,
}

fn import_into(
    db: &mut Db,
    register: Register,
    path: &Path,
    options: &ImportOptions,
    sorting: &SortSettings,
    now: DateTime<FixedOffset>,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<ImportSummary> {
    let pass = |db: &mut Db, progress: &mut dyn FnMut(ImportProgress), duplicates| {
        import_pass(db, register, path, options, sorting, now, progress, duplicates)
    };
    if matches!(register, Register::Entities)
        && sorting.duplicates_in_sort
        && let Some(summary) = pass(db, progress, DuplicateKeys::Sorted)?
    {
        return Ok(summary);
    }
    // Only a sorted pass gives up on duplicate keys; an indexed one reports them as problems.
    pass(db, progress, DuplicateKeys::Indexed)?
        .ok_or_else(|| Error::invalid("import", "duplicate keys were found by a key index (a bug)"))
}

/// One pass of [`import_into`]: `None` if duplicate keys were found in the sort ([`DuplicateKeys::Sorted`]); the
/// database is then as it was, and no report was written.
#[allow(clippy::too_many_arguments)]
fn import_pass(
    db: &mut Db,
    register: Register,
    path: &Path,
    options: &ImportOptions,
    sorting: &SortSettings,
    now: DateTime<FixedOffset>,
    progress: &mut dyn FnMut(ImportProgress),
    duplicates: DuplicateKeys,
) -> Result<Option<ImportSummary>> {
    let explicit = fields::resolve_explicit(register, &options.mappings)?;
    let mut src = Source::open(path, true)?;
    let file = source::file_name(path);
    let (sheet, located) = locate(&mut src, register, options, &explicit)?;
    let header = located.map_err(|search| Error::from(search.not_found(file.clone(), sheet.clone())))?;

    let summary = ImportSummary {
        register,
        file,
        file_sha256: src.sha256().unwrap_or_default().to_string(),
        sheet,
        encoding: src.encoding(),
        header_row: header.row,
        rows: 0,
        added: 0,
        updated: 0,
        unchanged: 0,
        rejected: 0,
        warnings: 0,
        blank_rows: 0,
        problem_count: 0,
        problems: Vec::new(),
        partial: options.partial,
        committed: false,
        report: options.report.clone(),
        report_rows: 0,
        import_run: None,
    };

    let report = match &options.report {
        Some(p) => {
            let mut cols: Vec<&str> = vec![tr_static(options.lang, "行号", "Row")];
            cols.extend(header.headers.iter().map(String::as_str));
            cols.push(tr_static(options.lang, "问题", "Problems"));
            Some(TableWriter::create(
                p,
                tr_static(options.lang, "问题行", "Rejected rows"),
                &cols,
                &[],
            )?)
        }
        None => None,
    };

    // One journaled transaction: the rows, the `import_run` row and the `register_imported` entry are written
    // together or not at all (a failed or all-or-nothing-refused import leaves no entry).
    let mut found_duplicates = false;
    let passed = journal::transact(db, "import", |tx| {
        let rows = import_rows(
            tx, &mut src, &header, summary, report, options, sorting, now, progress, duplicates,
        )?;
        // Returning an error rolls the pass back; `found_duplicates` tells it from a real failure.
        rows.ok_or_else(|| {
            found_duplicates = true;
            Error::invalid(
                "import",
                "duplicate keys in the file: read again with a key index",
            )
        })
    });
    match passed {
        Ok(mut summary) => {
            summary.committed = true;
            Ok(Some(summary))
        }
        Err(_) if found_duplicates => Ok(None),
        Err(e) => Err(e),
    }
}

/// Rows travel from the reading thread to the checking thread in batches of this many.
const ROW_BATCH: usize = 256;

/// How many batches may wait between the two threads: enough to smooth out their pace, few enough that the
/// rows in flight take a few megabytes at most.
const BATCHES_IN_FLIGHT: usize = 8;

/// The rows of a batch as read: a workbook's rows, or a CSV file's records as text (kept in a few buffers that
/// the batch reuses, rather than a string per cell).
#[derive(Default)]
struct BatchRows {
    cells: Vec<RawRow>,
    text: TextRows,
}

impl BatchRows {
    fn push(&mut self, row: SourceRow<'_>) {
        match row {
            SourceRow::Cells(row) => self.cells.push(row),
            SourceRow::Text(row) => self.text.push(row),
        }
    }

    /// Row `i` (which must exist).
    fn row(&self, i: usize) -> RowRef<'_> {
        if self.text.is_empty() {
            RowRef::Cells(&self.cells[i])
        } else {
            RowRef::Text(self.text.row(i))
        }
    }
}

/// Rows read and prepared on the reading thread, with the bytes the preparation wrote for them.
struct Batch<T> {
    rows: BatchRows,
    /// What `prepare` made of each row, if the reading thread prepared it, and where reading stood.
    prepared: Vec<(Option<T>, Position)>,
    bytes: Vec<u8>,
}

/// The reading thread prepares a batch itself when at least this many batches wait for the calling thread;
/// otherwise it leaves the batch to the calling thread. So whichever thread has less of its own to do parses
/// more: when the calling thread falls behind, batches pile up and the reading thread takes over parsing until
/// they no longer do. The split follows the file (GBK decoding or not, xlsx unzipping) and the load of the
/// machine rather than a fixed ratio.
const PREPARE_WHEN_WAITING: usize = 2;

/// What checks and stores a row: the row, what the reading thread prepared of it, the batch's bytes, where
/// reading stood.
type CheckRow<'a, T> = dyn FnMut(RowRef<'_>, &mut T, &[u8], Position) -> Result<()> + 'a;

/// Calls `f` with the rows of `sheet` in order, what `prepare` made of each and the bytes it wrote, reading
/// them on a second thread: decoding a GBK file and splitting its CSV records (or unzipping and parsing an xlsx
/// sheet) run on one core while `f` checks and stores them on the other, so the wall time is about the longer
/// of the two rather than their sum. Preparing (parsing the rows into domain values) is shared: the reading
/// thread prepares the batches it starts while [`PREPARE_WHEN_WAITING`] batches wait, this thread the rest.
///
/// Batches go back to the reading thread once `f` is done with them, and are dropped or reused there: memory
/// freed by the thread that allocated it is much cheaper than memory freed by another (the allocator's
/// per-thread caches, no lock). A CSV record travels as its text, copied once from the CSV reader into the
/// batch's buffer ([`Source::rows_as_read`]).
///
/// An error of `f` stops the reading; an error of the reading comes after `f` has seen every row before it,
/// as when reading on one thread.
fn read_rows_in_background<T: Send>(
    src: &mut Source,
    sheet: Option<&str>,
    prepare: &(dyn Fn(RowRef<'_>, &mut Vec<u8>) -> T + Sync),
    f: &mut CheckRow<'_, T>,
) -> Result<()> {
    let (send, receive) = std::sync::mpsc::sync_channel::<Batch<T>>(BATCHES_IN_FLIGHT);
    let (give_back, given_back) = std::sync::mpsc::sync_channel::<Batch<T>>(BATCHES_IN_FLIGHT + 2);
    let fresh = || Batch {
        rows: BatchRows::default(),
        prepared: Vec::with_capacity(ROW_BATCH),
        bytes: Vec::new(),
    };
    // Batches sent and not yet taken by this thread.
    let waiting = std::sync::atomic::AtomicUsize::new(0);
    let waiting = &waiting;
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            use std::sync::atomic::Ordering::Relaxed;
            let mut batch = fresh();
            let mut prepare_here = false;
            let read = src.rows_as_read(sheet, &mut |row, pos| {
                batch.rows.push(row);
                let prepared =
                    prepare_here.then(|| prepare(batch.rows.row(batch.prepared.len()), &mut batch.bytes));
                batch.prepared.push((prepared, pos));
                if batch.prepared.len() == ROW_BATCH {
                    let mut next = match given_back.try_recv() {
                        Ok(mut old) => {
                            // A workbook's rows are dropped here; a CSV batch keeps its buffers.
                            old.rows.cells.clear();
                            old.rows.text.clear();
                            old.prepared.clear();
                            old.bytes.clear();
                            old
                        }
                        Err(_) => fresh(),
                    };
                    std::mem::swap(&mut batch, &mut next);
                    waiting.fetch_add(1, Relaxed);
                    if send.send(next).is_err() {
                        // The checking side gave up with an error of its own: stop reading.
                        return Ok(Flow::Stop);
                    }
                    prepare_here = waiting.load(Relaxed) >= PREPARE_WHEN_WAITING;
                }
                Ok(Flow::Continue)
            });
            if !batch.prepared.is_empty() {
                // Ignored: if the checking side is gone, it has its own error to report.
                let _ = send.send(batch);
            }
            read
        });
        let mut checked = Ok(());
        for mut batch in receive.iter() {
            waiting.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            let Batch {
                rows,
                prepared,
                bytes,
            } = &mut batch;
            checked = prepared
                .iter_mut()
                .enumerate()
                .try_for_each(|(i, (prepared, pos))| {
                    let row = rows.row(i);
                    let prepared = match prepared {
                        Some(p) => p,
                        None => prepared.insert(prepare(row, bytes)),
                    };
                    f(row, prepared, bytes, *pos)
                });
            if checked.is_err() {
                break;
            }
            // Ignored: the reader may have finished and dropped its end; the batch is then dropped here.
            let _ = give_back.try_send(batch);
        }
        // Dropping the receiver ends a reader still waiting to send.
        drop(receive);
        let read = match reader.join() {
            Ok(read) => read,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        checked.and(read)
    })
}

/// How many bytes of merged entities travel to the writing thread at a time.
const MERGED_BATCH_BYTES: usize = 1 << 20;

/// What the merging thread of [`upsert_merged`] sends.
enum Merged {
    /// Entities back to back and the end of each.
    Entities(Vec<u8>, Vec<usize>),
    /// Every entity was sent.
    End,
    /// Two records have the same key: the merge stopped there.
    DuplicateKey,
}

/// Upserts the merged entities in key order (`registers::upsert_sorted_entities`), merging the sorted runs on a
/// second thread while this one reads and writes the database: the merge's comparisons and copies then cost
/// no wall time. The merging thread sends batches of entities and then an explicit end, so that a merge that
/// stopped early (an error reading a run back) can never pass for the end of the data. Key-only records (see
/// `registers::encode_key_only`) are skipped. The merging thread also starts the kernel's writeback of the
/// database file as it goes (`db::writeback`), so that the commit's `fsync` finds most pages written.
///
/// False if two records have the same key: the upsert then stops at the first of them, and the caller rolls
/// back (see [`DuplicateKeys::Sorted`]).
fn upsert_merged(
    tx: &Transaction<'_>,
    mut merged: sort::Merge,
    done: &mut dyn FnMut(Upsert),
) -> Result<bool> {
    let (send, receive) = std::sync::mpsc::sync_channel::<Result<Merged>>(4);
    // The table's pages reach the disk while the rest are written, not all at the commit's `fsync`.
    let mut writeback = crate::db::writeback::Writeback::new(tx.path());
    std::thread::scope(|scope| {
        let merger = scope.spawn(move || {
            let (mut record, mut last_key) = (Vec::new(), None::<Vec<u8>>);
            loop {
                if let Some(w) = writeback.as_mut() {
                    w.tick();
                }
                let (mut bytes, mut ends) = (Vec::with_capacity(MERGED_BATCH_BYTES + 4096), Vec::new());
                let mut end = None;
                while bytes.len() < MERGED_BATCH_BYTES {
                    match merged.next(&mut record) {
                        Ok(true) => {
                            let key = registers::encoded_key(&record);
                            if last_key.as_deref() == Some(key) {
                                end = Some(Merged::DuplicateKey);
                                break;
                            }
                            let last = last_key.get_or_insert_with(Vec::new);
                            last.clear();
                            last.extend_from_slice(key);
                            if !registers::is_key_only(&record) {
                                bytes.extend_from_slice(&record);
                                ends.push(bytes.len());
                            }
                        }
                        Ok(false) => {
                            end = Some(Merged::End);
                            break;
                        }
                        Err(e) => {
                            // Ignored: if the writing side is gone, it has its own error to report.
                            let _ = send.send(Err(e));
                            return;
                        }
                    }
                }
                if !ends.is_empty() && send.send(Ok(Merged::Entities(bytes, ends))).is_err() {
                    return;
                }
                if let Some(end) = end {
                    let _ = send.send(Ok(end));
                    return;
                }
            }
        });
        let (mut bytes, mut ends, mut at) = (Vec::new(), Vec::new(), 0usize);
        let mut unique = true;
        let upserted = registers::upsert_sorted_entities(
            tx,
            |out| loop {
                if at < ends.len() {
                    let start = if at == 0 { 0 } else { ends[at - 1] };
                    out.extend_from_slice(&bytes[start..ends[at]]);
                    at += 1;
                    return Ok(true);
                }
                match receive.recv() {
                    Ok(Ok(Merged::Entities(b, e))) => (bytes, ends, at) = (b, e, 0),
                    Ok(Ok(Merged::End)) => return Ok(false),
                    Ok(Ok(Merged::DuplicateKey)) => {
                        unique = false;
                        return Ok(false);
                    }
                    Ok(Err(e)) => return Err(e),
                    Err(_) => {
                        return Err(Error::invalid(
                            "import",
                            "the merge of the sorted entities stopped before its end (a bug)",
                        ));
                    }
                }
            },
            done,
        );
        // Dropping the receiver ends a merger still waiting to send.
        drop(receive);
        if let Err(panic) = merger.join() {
            std::panic::resume_unwind(panic);
        }
        upserted.map(|()| unique)
    })
}

/// A data row as the reading thread prepared it.
struct Prepared {
    parsed: Parsed,
    /// Where in the batch's bytes the row's entity is, encoded for the sort (`registers::encode_entity`); the
    /// `Entity` itself is then dropped on the reading thread.
    encoded: Option<std::ops::Range<usize>>,
}

/// Reads the data rows of `src` below the header into the open transaction, then records the run.
#[allow(clippy::too_many_arguments)]
fn import_rows(
    tx: &Transaction<'_>,
    src: &mut Source,
    header: &Header,
    mut summary: ImportSummary,
    mut report: Option<TableWriter>,
    options: &ImportOptions,
    sorting: &SortSettings,
    now: DateTime<FixedOffset>,
    progress: &mut dyn FnMut(ImportProgress),
    duplicates: DuplicateKeys,
) -> Result<Option<ImportSummary>> {
    let register = summary.register;
    let file = summary.file.clone();
    let sheet = summary.sheet.clone();
    let bytes_total = src.size();
    let departments = Departments::load(tx)?;
    let ctx = RowContext {
        register,
        file: &file,
        sheet: sheet.as_deref(),
        headers: &header.headers,
        map: &header.map,
        departments: &departments,
    };
    let mut checker = RowChecker::new(ctx);
    let sorted_duplicates = duplicates == DuplicateKeys::Sorted && register == Register::Entities;
    if sorted_duplicates {
        checker.keys = None;
    } else if register == Register::Entities {
        // Room for as many keys as a file of this size is likely to hold (about 100 bytes per row at the least).
        checker.keys = Some(KeyIndex::with_capacity((bytes_total / 100).min(1 << 24) as usize));
    }
    // Entities (the register with a million rows) are sorted by key and upserted in key order at the end
    // (`registers::upsert_sorted_entities`); the small registers row by row.
    let mut sorted = match register {
        Register::Entities => Some(ExternalSort::new(
            &sorting.temp_dir,
            sorting.run_bytes,
            registers::encoded_key_range,
        )),
        _ => None,
    };
    let mut last_number = header.row;
    let mut pending_blank = 0u64;
    let mut last_pos = Position::default();
    // The reading thread parses each data row (`None` for the header rows and blank rows) and encodes the
    // entity of a row without errors.
    let header_row = header.row;
    let prepare = move |row: RowRef<'_>, bytes: &mut Vec<u8>| {
        if row.number() <= header_row || row.is_blank() {
            return None;
        }
        if register == Register::Entities {
            // With duplicates found in the sort, an encoded row's key is read from its encoding when needed:
            // no string per row.
            let (parsed, encoded) = parse::parse_entity_encoded(&ctx, row, bytes, !sorted_duplicates);
            return Some(Prepared { parsed, encoded });
        }
        let parsed = parse::parse_row(&ctx, row);
        Some(Prepared {
            parsed,
            encoded: None,
        })
    };
    read_rows_in_background(
        src,
        sheet.as_deref(),
        &prepare,
        &mut |row, prepared, bytes, pos| {
            last_pos = pos;
            if row.number() <= header.row {
                return Ok(());
            }
            // Rows missing between two rows of the file (xlsx, or blank CSV lines) are blank rows too.
            pending_blank += u64::from(row.number().saturating_sub(last_number + 1));
            last_number = row.number();
            let Some(Prepared { parsed, encoded }) = prepared else {
                pending_blank += 1;
                return Ok(());
            };
            // Blank rows count only when a data row follows them: trailing blank rows are not part of the data.
            summary.blank_rows += std::mem::take(&mut pending_blank);
            summary.rows += 1;
            checker.check_parsed(row, parsed)?;
            let warnings = parsed
                .problems
                .iter()
                .filter(|p| p.severity == Severity::Warning)
                .count() as u64;
            summary.warnings += warnings;
            summary.problem_count += parsed.problems.len() as u64;
            let accepted = !parsed.has_errors();
            // A row whose entity is not sorted still has its key sorted, so that duplicates are found.
            let range = encoded.clone();
            let key_only = |sorted: &mut Option<ExternalSort>| {
                let key = match (&parsed.key, &range) {
                    (Some((key, _)), _) => Some(key.as_bytes()),
                    (None, Some(range)) => Some(registers::encoded_key(&bytes[range.clone()])),
                    (None, None) => None,
                };
                match (sorted, key) {
                    (Some(sorted), Some(key)) if sorted_duplicates => {
                        sorted.push(|out| registers::encode_key_only(key, out))
                    }
                    _ => Ok(()),
                }
            };
            match (accepted, &parsed.record, encoded, &mut sorted) {
                // After the first error an all-or-nothing import will roll back: stop writing, keep checking.
                (true, ..) if !options.partial && summary.rejected > 0 => key_only(&mut sorted)?,
                (true, _, Some(range), Some(sorted)) => {
                    sorted.push(|out| out.extend_from_slice(&bytes[range.clone()]))?
                }
                (true, Some(record), ..) => count(&mut summary, store(tx, record)?),
                (true, None, ..) => {
                    return Err(Error::invalid(
                        "import",
                        "a row without errors has no value to store (a bug)",
                    ));
                }
                (false, ..) => {
                    key_only(&mut sorted)?;
                    summary.rejected += 1;
                    if let Some(w) = report.as_mut() {
                        let mut cells = Vec::with_capacity(header.headers.len() + 2);
                        cells.push(row.number().to_string());
                        let width = header.headers.len().max(row.len());
                        cells.extend((0..width).map(|c| row.cell(c).display()));
                        cells.push(
                            parsed
                                .problems
                                .iter()
                                .map(|p| problem_cell(p, options.lang))
                                .collect::<Vec<_>>()
                                .join("；"),
                        );
                        w.row(&cells)?;
                        summary.report_rows += 1;
                    }
                }
            }
            let room = MAX_PROBLEMS_KEPT.saturating_sub(summary.problems.len());
            summary.problems.extend(parsed.problems.drain(..).take(room));
            if summary.rows.is_multiple_of(PROGRESS_EVERY) {
                progress(ImportProgress {
                    rows_done: summary.rows,
                    rows_total: pos.rows_total,
                    bytes_read: pos.bytes_read,
                    bytes_total,
                    read_all: false,
                });
            }
            Ok(())
        },
    )?;
    // A GBK file is hashed while its rows are read (`Source::open`): the hash is known only now.
    summary.file_sha256 = src.file_sha256()?;
    progress(ImportProgress {
        rows_done: summary.rows,
        rows_total: last_pos.rows_total,
        bytes_read: last_pos.bytes_read.map(|_| bytes_total),
        bytes_total,
        read_all: true,
    });

    if summary.rejected > 0 && !options.partial {
        if let Some(sorted) = sorted.filter(|_| sorted_duplicates)
            && has_duplicate_keys(sorted.finish()?)?
        {
            return Ok(None);
        }
        // Returning the error rolls the transaction back.
        if let Some(w) = report {
            w.finish()?;
        }
        summary.added = 0;
        summary.updated = 0;
        summary.unchanged = 0;
        return Err(ImportError::RowErrors(Box::new(summary)).into());
    }
    if let Some(sorted) = sorted
        && !upsert_merged(tx, sorted.finish()?, &mut |u| count(&mut summary, u))?
    {
        return Ok(None);
    }
    tx.execute(
        "INSERT INTO import_run (register, file_name, file_sha256, imported_at, added, updated, unchanged, rejected, partial)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            register.as_str(),
            summary.file,
            summary.file_sha256,
            now.to_rfc3339(),
            summary.added as i64,
            summary.updated as i64,
            summary.unchanged as i64,
            summary.rejected as i64,
            options.partial as i64
        ],
    )?;
    summary.import_run = Some(tx.last_insert_rowid());
    journal::append(
        tx,
        now,
        Event::RegisterImported,
        None,
        &json!({
            "register": register.as_str(),
            "file": summary.file,
            "file_sha256": summary.file_sha256,
            "sheet": summary.sheet,
            "rows": summary.rows,
            "added": summary.added,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "rejected": summary.rejected,
            "partial": options.partial,
            "import_run": summary.import_run,
        }),
    )?;
    // The report is complete before the commit, so a failure writing it leaves the database untouched.
    if let Some(w) = report {
        w.finish()?;
    }
    Ok(Some(summary))
}

/// Whether two merged records have the same key (they are next to each other in key order).
fn has_duplicate_keys(mut merged: sort::Merge) -> Result<bool> {
    let (mut record, mut last) = (Vec::new(), None::<Vec<u8>>);
    while merged.next(&mut record)? {
        let key = registers::encoded_key(&record);
        if last.as_deref() == Some(key) {
            return Ok(true);
        }
        let last = last.get_or_insert_with(Vec::new);
        last.clear();
        last.extend_from_slice(key);
    }
    Ok(false)
}

fn count(summary: &mut ImportSummary, upsert: Upsert) {
    match upsert {
        Upsert::Added => summary.added += 1,
        Upsert::Updated => summary.updated += 1,
        Upsert::Unchanged => summary.unchanged += 1,
    }
}

/// A problem in the report's problems column: column, value and reason (the row is in its own column).
fn problem_cell(p: &Problem, lang: Lang) -> String {
    let column = p.column.clone().unwrap_or_default();
    tr!(
        lang,
        "[{}] {}「{}」：{}",
        "[{}] {} \"{}\": {}",
        p.severity.label(lang),
        column,
        p.value,
        p.reason.message(lang)
    )
}

fn tr_static(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A departments CSV: a title row, the header, one good row and one row without a name.
    fn departments_csv(dir: &Path) -> PathBuf {
        let path = dir.join("部门.csv");
        std::fs::write(&path, "部门名单\n编码,名称,备注\nD18,林业局,\nD19,,缺名称\n").unwrap();
        path
    }

    #[test]
    fn preview_lists_the_fields_and_how_sure_each_mapping_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = departments_csv(dir.path());
        let db = Db::open_in_memory().unwrap();
        let p = preview(db.conn(), &path, Register::Departments, &ImportOptions::default()).unwrap();
        let fields: Vec<(&str, &str, bool)> =
            p.fields.iter().map(|f| (f.key, f.header, f.required)).collect();
        assert_eq!(fields, [("code", "部门编码", true), ("name", "部门名称", true)]);
        assert_eq!(p.header_row, Some(2));
        let cols: Vec<(&str, Option<&str>, Option<MatchKind>)> = p
            .columns
            .iter()
            .map(|c| (c.header.as_str(), c.field, c.matched))
            .collect();
        assert_eq!(
            cols,
            [
                ("编码", Some("code"), Some(MatchKind::Synonym)),
                ("名称", Some("name"), Some(MatchKind::Synonym)),
                ("备注", None, None),
            ]
        );
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(
            json["fields"][0],
            serde_json::json!({"key": "code", "header": "部门编码", "required": true})
        );
        assert_eq!(json["columns"][0]["matched"], "synonym");
        // Mapped by the user, and a wrong guess taken away.
        let options = ImportOptions {
            mappings: vec![("name".into(), "备注".into())],
            ..ImportOptions::default()
        };
        let p = preview(db.conn(), &path, Register::Departments, &options).unwrap();
        assert_eq!(p.columns[2].field, Some("name"));
        assert_eq!(p.columns[2].matched, Some(MatchKind::Explicit));
        assert_eq!(p.columns[1].field, None);
        let options = ImportOptions {
            mappings: vec![("name".into(), "".into())],
            ..ImportOptions::default()
        };
        let p = preview(db.conn(), &path, Register::Departments, &options).unwrap();
        assert_eq!(p.missing_required, ["name"]);
    }

    #[test]
    fn a_refused_import_comes_back_as_its_summary_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = departments_csv(dir.path());
        let mut db = Db::open_in_memory().unwrap();
        let now = DateTime::parse_from_rfc3339("2026-03-01T09:30:00+08:00").unwrap();
        let count = |db: &Db| registers::list_departments(db.conn()).unwrap().len();
        let before = count(&db);
        let s = import_or_summary(
            &mut db,
            Register::Departments,
            &path,
            &ImportOptions::default(),
            now,
            &mut |_| {},
        )
        .unwrap();
        assert!(!s.committed);
        assert_eq!((s.rows, s.added, s.rejected), (2, 0, 1));
        assert_eq!(s.problems[0].row, 4);
        assert_eq!(s.problems[0].column.as_deref(), Some("名称"));
        assert_eq!(s.problems[0].reason, Reason::Missing);
        assert_eq!(count(&db), before);
        // Valid rows only: the good row is imported, the bad one goes to the report file.
        let report = dir.path().join("rejected.csv");
        let options = ImportOptions {
            partial: true,
            report: Some(report.clone()),
            ..ImportOptions::default()
        };
        let s = import_or_summary(&mut db, Register::Departments, &path, &options, now, &mut |_| {}).unwrap();
        assert!(s.committed);
        assert_eq!((s.added, s.rejected, s.report_rows), (1, 1, 1));
        assert_eq!(count(&db), before + 1);
        let text = std::fs::read_to_string(&report).unwrap();
        assert!(text.contains("D19"), "{text}");
        // Other failures are still errors.
        let e = import_or_summary(
            &mut db,
            Register::Departments,
            &dir.path().join("none.csv"),
            &ImportOptions::default(),
            now,
            &mut |_| {},
        )
        .unwrap_err();
        assert_eq!(e.code(), crate::error::ErrorCode::Io);
    }

    #[test]
    fn progress_units_prefer_bytes_then_declared_rows() {
        let p = |rows_total, bytes_read| ImportProgress {
            rows_done: 300,
            rows_total,
            bytes_read,
            bytes_total: 9000,
            read_all: false,
        };
        assert_eq!(p(None, Some(4500)).units(), (4500, 9000));
        assert_eq!(p(Some(1200), None).units(), (300, 1200));
        assert_eq!(p(None, None).units(), (300, 0));
        // Read to the end: full, also when the size was never known.
        let read = |rows_total, bytes_read| ImportProgress {
            read_all: true,
            ..p(rows_total, bytes_read)
        };
        assert_eq!(read(None, Some(9000)).units(), (9000, 9000));
        assert_eq!(read(Some(300), None).units(), (300, 300));
        assert_eq!(read(None, None).units(), (300, 300));
        // Not yet: never full, though the reading thread be at the end of the file.
        assert_eq!(p(None, Some(9000)).units(), (8999, 9000));
        assert_eq!(p(Some(300), None).units(), (299, 300));
    }

    #[test]
    fn key_index_finds_first_rows_and_survives_growth() {
        let mut idx = KeyIndex::new();
        for i in 0..10_000u32 {
            assert_eq!(idx.first_row_or_insert(&format!("K{i}"), i + 2), Ok(None));
        }
        assert_eq!(idx.first_row_or_insert("K0", 99_999), Ok(Some(2)));
        assert_eq!(idx.first_row_or_insert("K9999", 99_999), Ok(Some(10_001)));
        assert_eq!(idx.first_row_or_insert("", 5), Ok(None));
        assert_eq!(idx.first_row_or_insert("", 6), Ok(Some(5)));
        assert_eq!(idx.first_row_or_insert("K1", 7), Ok(Some(3)));
    }
}
